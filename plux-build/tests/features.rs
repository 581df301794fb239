//! What a build script compiles: `plux-build` without default features leaves out the crates
//! only `cargo plux` needs (cargo fingerprints every unit of a build dependency's tree on each
//! build of the host, so each one costs every no-op build).

#![allow(clippy::unwrap_used)]

use std::process::Command;

/// The packages of `plux-build`'s normal dependency tree with `features`.
fn tree(features: &[&str]) -> Vec<String> {
    let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--offline", "-e", "normal", "--prefix", "none"])
        .args(["--manifest-path", manifest, "-p", "plux-build"])
        .args(features)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut names: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| l.split_whitespace().next().map(str::to_owned))
        .collect();
    names.sort();
    names.dedup();
    names
}

#[test]
fn build_scripts_compile_neither_rayon_nor_similar() {
    let slim = tree(&["--no-default-features"]);
    assert!(slim.iter().any(|n| n == "syn"), "{slim:?}");
    for cli_only in [
        "rayon",
        "rayon-core",
        "crossbeam-deque",
        "similar",
        "tempfile",
    ] {
        assert!(
            !slim.iter().any(|n| n == cli_only),
            "{cli_only} in {slim:?}"
        );
    }
    let full = tree(&[]);
    for cli_only in ["rayon", "similar"] {
        assert!(
            full.iter().any(|n| n == cli_only),
            "{cli_only} not in {full:?}"
        );
    }
}
