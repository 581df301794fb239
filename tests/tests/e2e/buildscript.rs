//! build.rs mode's contract with cargo, on the demo's `host-buildrs`: the build script re-runs
//! whenever an input of the registry changes, and prints nothing cargo could take for a
//! directive of a file name's making.

use plux_e2e::{Project, assert_code, fixture_lock, stderr, stdout};

/// `cargo run -q -p host-buildrs`, stdout.
fn run(project: &Project) -> String {
    let output = project
        .fixture_cargo(["run", "-q", "-p", "host-buildrs"])
        .output()
        .unwrap();
    assert_code(&output, 0);
    stdout(&output)
}

#[test]
fn an_exclude_added_to_a_members_plux_config_reruns_the_build_script() {
    let project = Project::demo(70);
    let _guard = fixture_lock();
    assert!(run(&project).contains("loaded   localstack.plugins.cli:status"));

    // `status` is in the module `cli::status`; excluding it drops the plugin from the registry.
    let manifest = project.read("cli/Cargo.toml");
    project.write(
        "cli/Cargo.toml",
        &format!("{manifest}\n[package.metadata.plux]\nexclude = [\"crate::status\"]\n"),
    );
    let text = run(&project);
    assert!(!text.contains("localstack.plugins.cli:status"), "{text}");
    assert!(
        text.contains("loaded   localstack.plugins.cli:start"),
        "{text}"
    );

    // Without it, `status` is back.
    project.write("cli/Cargo.toml", &manifest);
    assert!(run(&project).contains("loaded   localstack.plugins.cli:status"));

    // The workspace's own table (`[workspace.metadata.plux]`, in the root manifest) counts too.
    let workspace = project.read("Cargo.toml");
    project.write(
        "Cargo.toml",
        &format!("{workspace}\n[workspace.metadata.plux]\nexclude = [\"crate::status\"]\n"),
    );
    let text = run(&project);
    assert!(!text.contains("localstack.plugins.cli:status"), "{text}");
    assert!(
        text.contains("loaded   localstack.plugins.cli:start"),
        "{text}"
    );
}

#[test]
fn a_scanned_file_name_with_a_line_break_is_refused_not_printed_to_cargo() {
    let project = Project::demo(71);
    let name = "evil\ncargo:rustc-cfg=pwned.rs";
    project.write(format!("services/src/{name}"), "// nothing to see\n");
    let lib = project.read("services/src/lib.rs");
    project.write(
        "services/src/lib.rs",
        &format!("{lib}\n#[path = \"evil\\ncargo:rustc-cfg=pwned.rs\"]\nmod evil;\n"),
    );
    let _guard = fixture_lock();
    let output = project
        .fixture_cargo(["build", "-q", "-p", "host-buildrs"])
        .output()
        .unwrap();
    assert_code(&output, 101);
    let err = stderr(&output);
    assert!(
        err.contains("plux error: invalid configuration: cannot tell cargo to watch `")
            && err.contains("evil\\ncargo:rustc-cfg=pwned.rs`: its path has a line break, which a build script cannot print to cargo; rename it"),
        "{err}"
    );
}
