//! What a release and a new user rely on: the weight of a host's dependency graph, and the
//! README's statements about the command line and its configuration.

use std::process::Command;

use plux_e2e::{assert_code, cargo, repo_root, stdout};

/// `cargo tree <args> --offline` in this workspace, its stdout.
fn tree(args: &[&str]) -> String {
    let output = Command::new(cargo())
        .arg("tree")
        .args(args)
        .arg("--offline")
        .current_dir(repo_root())
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_code(&output, 0);
    stdout(&output)
}

/// A committed-mode host compiles plux-runtime's normal dependencies: one version of each
/// crate (thiserror 2.0.19+ uses syn 3 while plux-macros uses syn 2, so plux-runtime writes
/// its `Display` impls by hand). BENCHMARKS.md has the crate counts.
#[test]
fn a_committed_mode_host_compiles_one_version_of_each_crate() {
    let packages = tree(&["-p", "plux-runtime", "-e", "normal", "--prefix", "none"]);
    assert!(
        packages.lines().any(|l| l.starts_with("syn v2.")),
        "plux-macros parses with syn 2: {packages}"
    );
    let duplicates = tree(&["-p", "plux-runtime", "-e", "normal", "--duplicates"]);
    assert_eq!(duplicates, "", "crates built in two versions for a host");
}
