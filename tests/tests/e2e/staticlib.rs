//! No life before `main`: hosts built as static libraries (`fixtures/staticlib`) and linked into
//! a C program by `cc`, so no Rust `main` and no Rust linker driver are involved. The plux host
//! finds every plugin of its dependency crate through the generated registry; the same plugins
//! registered with `inventory` are dropped by the linker unless the whole archive is linked.
//!
//! Linux only: the link line (`--whole-archive`) is GNU ld's.
#![cfg(target_os = "linux")]

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use plux_e2e::{Project, assert_code, fixture_lock, fixture_target_dir, stderr, stdout};

/// Builds the static library of `package` (offline, in the shared fixture target directory),
/// copies it into the project, and returns it with the native libraries rustc says a C
/// program must link it with (`--print native-static-libs`).
fn build(project: &Project, package: &str, lib: &str) -> (PathBuf, Vec<String>) {
    let _guard = fixture_lock();
    // `cargo rustc`, not `Project::fixture_cargo`: its `--offline` would land after `--`.
    let output = project
        .cargo(["rustc", "-p", package, "--lib", "--offline", "--"])
        .args(["--print", "native-static-libs"])
        .env("CARGO_TARGET_DIR", fixture_target_dir())
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap();
    assert_code(&output, 0);
    let native: Vec<String> = stderr(&output)
        .lines()
        .find_map(|l| l.split_once("native-static-libs: "))
        .expect("rustc prints the native libraries")
        .1
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    let archive = project.join(format!("lib{lib}.a"));
    fs::copy(
        fixture_target_dir()
            .join("debug")
            .join(format!("lib{lib}.a")),
        &archive,
    )
    .unwrap();
    (archive, native)
}

/// Links `c/main.c` with `archive` (between `around`, such as `--whole-archive` flags) and runs
/// the program; returns its stdout.
fn link_and_run(project: &Project, archive: &Path, native: &[String], around: [&str; 2]) -> String {
    let program = project.join("c/program");
    let mut cc = Command::new("cc");
    cc.arg(project.join("c/main.c"));
    if !around[0].is_empty() {
        cc.arg(around[0]);
    }
    cc.arg(archive);
    if !around[1].is_empty() {
        cc.arg(around[1]);
    }
    let output = cc.args(native).arg("-o").arg(&program).output().unwrap();
    assert_code(&output, 0);
    let output = Command::new(&program).output().unwrap();
    assert_code(&output, 0);
    stdout(&output)
}

/// The `namespace:name` of every plugin in a `plux.json`.
fn declared(project: &Project, index: &str) -> BTreeSet<String> {
    let index: serde_json::Value = serde_json::from_str(&project.read(index)).unwrap();
    let mut plugins = BTreeSet::new();
    for (namespace, entries) in index.as_object().unwrap() {
        for entry in entries.as_array().unwrap() {
            let name = entry.as_str().unwrap().split_once('=').unwrap().0;
            plugins.insert(format!("{namespace}:{name}"));
        }
    }
    plugins
}

/// The `namespace:name` of each `loaded` line.
fn loaded(stdout: &str) -> BTreeSet<String> {
    stdout
        .lines()
        .filter_map(|l| l.strip_prefix("loaded "))
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect()
}

#[test]
fn a_static_library_host_in_a_c_program_lists_and_loads_every_plugin_of_its_dependency() {
    let project = Project::fixture("staticlib");
    let check = project.plux(["entrypoints", "--check"]).output().unwrap();
    assert_code(&check, 0);
    let plugins = declared(&project, "greeters/plux.json");
    assert_eq!(plugins.len(), 4, "{plugins:?}");

    let (archive, native) = build(&project, "host", "plux_staticlib_host");
    let out = link_and_run(&project, &archive, &native, ["", ""]);
    assert_eq!(
        out,
        "listed staticlib.greeters english,french,german\n\
         loaded staticlib.greeters:english hello\n\
         loaded staticlib.greeters:french bonjour\n\
         loaded staticlib.greeters:german hallo\n\
         listed staticlib.farewells goodbye\n\
         loaded staticlib.farewells:goodbye goodbye\n\
         c: 4 plugins loaded\n"
    );
    assert_eq!(loaded(&out), plugins);
}

/// What `inventory` does in the same place (recorded in the README): its registrations are
/// constructors in the submitting crate's object files, which nothing references, so the
/// linker leaves them out of the C program even though the host links the crate in as
/// inventory asks (`use inventory_greeters as _`). Linking the whole archive keeps them.
#[test]
fn inventory_in_a_static_library_finds_no_plugin_unless_the_whole_archive_is_linked() {
    let project = Project::fixture("staticlib");
    let (archive, native) = build(&project, "inventory-host", "inventory_staticlib_host");

    let out = link_and_run(&project, &archive, &native, ["", ""]);
    assert_eq!(out, "listed inventory \nc: 0 plugins loaded\n");

    let whole = ["-Wl,--whole-archive", "-Wl,--no-whole-archive"];
    let out = link_and_run(&project, &archive, &native, whole);
    assert!(
        out.starts_with("listed inventory english,french,german\n"),
        "{out}"
    );
    assert!(out.ends_with("c: 3 plugins loaded\n"), "{out}");
}
