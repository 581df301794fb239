//! Discovery beyond plain `pub mod` items (issue 12) on the `reach` fixture: modules inside
//! tokio-style `cfg_x!` macros and a three-branch `cfg_if!`, `#[cfg_attr(.., plugin(..))]`,
//! plugins made public by `pub use` re-exports; the hosts are built and run with and without
//! the features the macros gate on. Builds share the registry tests' target directory and
//! lock (see `registry`).

use std::process::Output;

use plux_e2e::{Project, assert_code, stderr, stdout};

use crate::registry::{lock, run};

/// A copy of the reach fixture whose members have version `0.2.<id>`, distinct per test and
/// from the demo's (both have a `host` and a `services` package).
fn reach(id: u32) -> Project {
    let project = Project::fixture("reach");
    project.edit(
        "Cargo.toml",
        "[workspace.package]\nversion = \"0.1.0\"",
        &format!("[workspace.package]\nversion = \"0.2.{id}\""),
    );
    project
}

/// `cargo plux <args>` in the project.
fn plux(project: &Project, args: &[&str]) -> Output {
    project.plux(args).output().unwrap()
}

/// The lines the hosts print for these features of theirs.
fn expected(features: &str) -> Vec<&'static str> {
    let on = |f: &str| features.split(',').any(|x| x == f);
    let mut lines = Vec::new();
    let engine = if on("fast") {
        "part fast: the fast engine part"
    } else if on("small") {
        "part small: the small engine part"
    } else {
        "part portable: the portable engine part"
    };
    lines.push(engine);
    if on("rt") {
        lines.push("part runtime: the multi-threaded runtime");
    }
    lines.extend(["part s3: the s3 part", "part sqs: the sqs queues"]);
    lines.sort_unstable();
    let mut hooks = vec!["hook stream_records: records streamed"];
    if on("net") {
        hooks.extend(["hook bind: listeners bound", "hook trace: tracing on"]);
    }
    hooks.sort_unstable();
    lines.extend(hooks);
    lines
}

#[test]
fn plugins_behind_macros_and_reexports_load_exactly_when_their_crates_compiled_them() {
    let project = reach(1);
    // The committed indexes and registry are what discovery finds now.
    let check = plux(&project, &["entrypoints", "--check"]);
    assert_code(&check, 0);
    let rt = project.read("rt/plux.json");
    for entry in [
        "\"bind=rt::net::bind [fn, macro(cfg_net) on rt::net]\"",
        "\"runtime=rt::runtime::MultiThread [type, macro(cfg_rt) on rt::runtime]\"",
    ] {
        assert!(rt.contains(entry), "{rt}");
    }
    assert!(
        rt.contains("\"trace=rt::trace [fn, cfg(feature = \\\"net\\\")]\""),
        "{rt}"
    );
    let services = project.read("services/plux.json");
    for entry in [
        "\"s3=services::Storage\"",
        "\"sqs=services::Sqs [type]\"",
        "\"stream_records=services::api::records [fn]\"",
    ] {
        assert!(services.contains(entry), "{services}");
    }

    let _guard = lock();
    for (package, features) in [
        ("host", ""),
        ("host", "rt,net,fast"),
        ("host", "small"),
        ("host-buildrs", ""),
        ("host-buildrs", "rt,net,small"),
    ] {
        let features_arg: Vec<&str> = [features].into_iter().filter(|f| !f.is_empty()).collect();
        let output = run(&project, package, &features_arg);
        let lines: Vec<&str> = output.lines().collect();
        assert_eq!(lines, expected(features), "{package} with `{features}`");
    }
}

#[test]
fn a_private_module_without_a_public_path_is_an_error_and_discover_prints_the_rest() {
    let project = reach(2);
    let lib = project.read("services/src/lib.rs");
    project.write("services/src/lib.rs", &format!("{lib}mod hidden;\n"));
    project.write(
        "services/src/hidden.rs",
        "#[plux_runtime::plugin(namespace = \"reach.hooks\")]\npub fn hidden() -> String {\n    String::new()\n}\n",
    );
    let index = project.read("services/plux.json");

    let output = plux(&project, &["entrypoints"]);
    assert_code(&output, 1);
    assert!(
        stderr(&output).contains(
            "error: plugin `services::hidden::hidden` is not reachable from other crates: module \
             `crate::hidden` is private, and no `pub use` re-exports the plugin"
        ),
        "{}",
        stderr(&output)
    );
    assert_eq!(project.read("services/plux.json"), index, "nothing written");

    // `discover` prints what it could read, says that it is incomplete, and exits with 1.
    let output = plux(&project, &["discover", "--workspace"]);
    assert_code(&output, 1);
    assert!(
        stdout(&output).contains("\"s3=services::Storage\""),
        "{}",
        stdout(&output)
    );
    assert!(
        stdout(&output).contains("\"bind=rt::net::bind"),
        "{}",
        stdout(&output)
    );
    assert!(
        stderr(&output)
            .contains("error: the index printed leaves out what the error above affects"),
        "{}",
        stderr(&output)
    );
    // With `-o` nothing is written.
    let output = plux(&project, &["discover", "--workspace", "-o", "index.json"]);
    assert_code(&output, 1);
    assert!(!project.exists("index.json"));

    // `list` shows what it found too, the unreachable plugin at its declared path.
    let output = plux(&project, &["list", "--workspace"]);
    assert_code(&output, 1);
    assert!(
        stdout(&output).contains("reach.hooks:hidden = services::hidden::hidden [fn]"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn a_file_no_module_path_reaches_is_warned_about() {
    let project = reach(3);
    project.write(
        "services/src/orphan.rs",
        "//! Left behind.\n\n#[plux_runtime::plugin(namespace = \"reach.hooks\")]\npub fn orphan() -> String {\n    String::new()\n}\n",
    );
    let output = plux(&project, &["discover", "--workspace"]);
    assert_code(&output, 0);
    let err = stderr(&output);
    assert!(
        err.contains(
            "warning: this file mentions plugins, but no module path reaches it: it was not \
             scanned\n"
        ) && err.contains("--> services/src/orphan.rs:3:17\n"),
        "{err}"
    );
    assert!(!stdout(&output).contains("orphan"), "{}", stdout(&output));
}

#[test]
fn plugins_of_a_binary_are_listed_but_on_purpose_not_in_discovers_index() {
    let project = reach(4);
    let app = project.read("host/src/app.rs");
    project.write(
        "host/src/app.rs",
        &format!(
            "{app}\n/// A hook of the binary.\n#[plux_runtime::plugin(namespace = \"reach.hooks\")]\npub fn from_the_binary() -> String {{\n    String::new()\n}}\n"
        ),
    );
    let output = plux(&project, &["discover", "--workspace"]);
    assert_code(&output, 0);
    assert!(
        !stdout(&output).contains("from_the_binary"),
        "{}",
        stdout(&output)
    );
    let output = plux(&project, &["list", "-p", "host"]);
    assert_code(&output, 0);
    assert!(
        stdout(&output).contains("reach.hooks:from_the_binary = crate::app::from_the_binary [fn]"),
        "{}",
        stdout(&output)
    );
}
