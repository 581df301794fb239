//! The committed registry's promises, each on a copy of the demo: a plugin of each form added,
//! removed or renamed, in a dependency crate and in the host crate itself, fails the build
//! (with a message naming the plugin and `cargo plux entrypoints`) until `cargo plux
//! entrypoints` runs, and is then loaded (or gone); the first run creates the registry; the
//! attribute's index check leaves tests, doc tests, build.rs mode and packaged copies alone.

use plux_e2e::Project;

use crate::registry::{EVERY_NAMESPACE, cargo, demo, entrypoints, lock, outcomes, run, text};

/// `cargo build --keep-going -p host`, which must fail; its stderr.
fn build_fails(project: &Project, package: &str) -> String {
    let output = cargo(project, &["build", "--keep-going", "-p", package]);
    let stderr = text(&output.stderr);
    assert!(
        !output.status.success(),
        "`{package}` compiled with a stale index:\n{stderr}"
    );
    stderr
}

/// Asserts `stderr` has an error whose first line is `first` (after `error: ` or
/// `error[E..]: `).
#[track_caller]
fn assert_error(stderr: &str, first: &str) {
    assert!(
        stderr
            .lines()
            .any(|l| l.starts_with("error") && l.ends_with(first)),
        "no error line ending in {first:?} in\n{stderr}"
    );
}

/// The error line of a plugin the index check did not find.
fn unlisted(id: &str, item: &str, listing: &str) -> String {
    format!(
        "PluxIndex::<true>::IS_STALE`: plugin `{id}` (`{item}`) is not listed in {listing}; run `cargo plux entrypoints`"
    )
}

/// The error line of a registry entry whose item is gone or declares another plugin.
fn stale(id: &str, path: &str) -> String {
    format!(
        "evaluation panicked: stale plux registry: plugin `{id}` is no longer declared at `{path}`; run `cargo plux entrypoints`"
    )
}

fn append(project: &Project, file: &str, code: &str) {
    let text = project.read(file);
    project.write(file, &format!("{text}\n{code}"));
}

fn loaded(stdout: &str, id: &str) -> bool {
    outcomes(stdout)
        .iter()
        .any(|l| l == &format!("loaded {id}"))
}

/// Runs `cargo plux entrypoints`, then the committed host, which must load every plugin of
/// `ids`; its output.
#[track_caller]
fn entrypoints_then_load(project: &Project, ids: &[&str]) -> String {
    entrypoints(project);
    let stdout = run(project, "host", &[]);
    for id in ids {
        assert!(loaded(&stdout, id), "{id}: {stdout}");
    }
    stdout
}

const SNS: &str = "/// Amazon SNS.\npub static SNS: PluginSpec<dyn ServicePlugin> =\n    PluginSpec::new(\"localstack.plugins.services\", \"sns\", || Box::new(Service::new(\"sns\")));\n";
const SES: &str = "/// Amazon SES, with the optional check.\n#[plux_runtime::plugin]\npub static SES: PluginSpec<dyn ServicePlugin> =\n    PluginSpec::new(\"localstack.plugins.services\", \"ses\", || Box::new(Service::new(\"ses\")));\n";
const STOP: &str = "/// `localstack stop`.\n#[derive(Default)]\npub struct Stop;\n\nimpl Plugin<Runtime> for Stop {}\n\n#[plugin(namespace = \"localstack.plugins.cli\", name = \"stop\")]\nimpl CliPlugin for Stop {\n    fn command(&self) -> &'static str {\n        \"stop\"\n    }\n}\n";
const TRACING: &str = "/// Sets up tracing.\n#[plugin(namespace = \"localstack.configurators\")]\npub fn configure_tracing(runtime: &Runtime) {\n    runtime.record(\"tracing configured\");\n}\n";

#[test]
fn a_plugin_added_to_a_dependency_fails_the_build_until_entrypoints() {
    let project = demo(20);
    append(&project, "services/src/lib.rs", SNS);
    append(&project, "services/src/lib.rs", SES);
    append(&project, "cli/src/lib.rs", STOP);
    append(&project, "hooks/src/lib.rs", TRACING);
    let _guard = lock();
    let stderr = build_fails(&project, "host");
    assert_error(
        &stderr,
        &unlisted(
            "localstack.plugins.cli:stop",
            "Stop",
            "`plux.json` of package `cli`",
        ),
    );
    assert_error(
        &stderr,
        &unlisted(
            "localstack.configurators:configure_tracing",
            "configure_tracing",
            "`plux.json` of package `hooks`",
        ),
    );
    assert_error(
        &stderr,
        &unlisted(
            "localstack.plugins.services:ses",
            "SES",
            "`plux.json` of package `services`",
        ),
    );
    // A spec without the attribute is not seen by the compiler (README: only `--check` is).
    assert!(!stderr.contains("SNS"), "{stderr}");
    let check = project.plux(["entrypoints", "--check"]).output().unwrap();
    assert_eq!(check.status.code(), Some(1));
    let diff = text(&check.stdout);
    assert!(diff.contains("+        \"sns\" = services::SNS,"), "{diff}");
    assert!(diff.contains("+    \"sns=services::SNS\","), "{diff}");

    entrypoints_then_load(
        &project,
        &[
            "localstack.plugins.services:sns",
            "localstack.plugins.services:ses",
            "localstack.plugins.cli:stop",
            "localstack.configurators:configure_tracing",
        ],
    );
    // build.rs mode registers what the scan finds, the same plugins.
    let stdout = run(&project, "host-buildrs", &[]);
    assert!(
        loaded(&stdout, "localstack.configurators:configure_tracing"),
        "{stdout}"
    );
}

#[test]
fn a_plugin_removed_from_a_dependency_fails_the_build_until_entrypoints() {
    let project = demo(21);
    project.edit(
        "services/src/lib.rs",
        "/// Amazon S3.\npub static S3: PluginSpec<dyn ServicePlugin> =\n    PluginSpec::new(\"localstack.plugins.services\", \"s3\", || Box::new(Service::new(\"s3\")));\n",
        "",
    );
    // The type stays, its plugin goes.
    project.edit(
        "cli/src/lib.rs",
        "    #[plugin(namespace = \"localstack.plugins.cli\", name = \"status\")]\n",
        "",
    );
    project.edit(
        "hooks/src/lib.rs",
        "/// Sets up logging.\n#[plugin(namespace = \"localstack.configurators\")]\npub fn configure_logging(runtime: &Runtime) {\n    runtime.record(\"logging configured\");\n}\n",
        "",
    );
    let _guard = lock();
    let stderr = build_fails(&project, "host");
    assert_error(
        &stderr,
        &stale("localstack.plugins.services:s3", "services::S3"),
    );
    assert_error(
        &stderr,
        &stale("localstack.plugins.cli:status", "cli::status::Status"),
    );
    assert_error(
        &stderr,
        &stale(
            "localstack.configurators:configure_logging",
            "hooks::configure_logging",
        ),
    );
    // rustc shows the registry's line.
    assert!(
        stderr.contains("host/src/plux_registry.rs") && stderr.contains("\"s3\" = services::S3,"),
        "{stderr}"
    );
    entrypoints(&project);
    let stdout = run(&project, "host", &[]);
    let expected: Vec<&str> = EVERY_NAMESPACE
        .iter()
        .copied()
        .filter(|l| {
            !l.ends_with(":s3") && !l.ends_with(":status") && !l.ends_with(":configure_logging")
        })
        .collect();
    assert_eq!(outcomes(&stdout), expected, "{stdout}");

    // A module on a plugin's path that is gone: rustc's `unresolved import`, at the line. (The
    // attribute's check compares the item's name, which `plux.json` still lists.)
    project.edit(
        "cli/src/lib.rs",
        "    impl CliPlugin for Status",
        "    #[plugin(namespace = \"localstack.plugins.cli\", name = \"status\")]\n    impl CliPlugin for Status",
    );
    entrypoints(&project);
    project.edit("cli/src/lib.rs", "pub mod status {", "pub mod state {");
    let stderr = build_fails(&project, "host");
    assert!(
        stderr.contains("unresolved import `cli::status`")
            && stderr.contains("\"status\" = cli::status::Status [type],"),
        "{stderr}"
    );
}

#[test]
fn a_plugin_renamed_in_a_dependency_fails_the_build_until_entrypoints() {
    let project = demo(22);
    // The static keeps its item name, its plugin name changes: the registry's check.
    project.edit(
        "services/src/lib.rs",
        "\"s3\", || Box::new(Service::new(\"s3\"))",
        "\"s4\", || Box::new(Service::new(\"s4\"))",
    );
    let _guard = lock();
    let stderr = build_fails(&project, "host");
    assert_error(
        &stderr,
        &stale("localstack.plugins.services:s3", "services::S3"),
    );
    // The static's item is renamed, the plugin keeps its name (the registry fails like for a
    // removed item, see above; here the crates below fail first).
    project.edit(
        "services/src/lib.rs",
        "pub static DYNAMODB:",
        "pub static DDB:",
    );
    // Renamed attributes: their crates' index check, before the host compiles.
    project.edit("cli/src/lib.rs", "name = \"start\"", "name = \"begin\"");
    project.edit(
        "hooks/src/lib.rs",
        "pub fn configure_logging(",
        "pub fn setup_logging(",
    );
    let stderr = build_fails(&project, "host");
    assert_error(
        &stderr,
        &unlisted(
            "localstack.plugins.cli:begin",
            "Start",
            "`plux.json` of package `cli`",
        ),
    );
    assert_error(
        &stderr,
        &unlisted(
            "localstack.configurators:setup_logging",
            "setup_logging",
            "`plux.json` of package `hooks`",
        ),
    );
    let stdout = entrypoints_then_load(
        &project,
        &[
            "localstack.plugins.services:s4",
            "localstack.plugins.services:dynamodb",
            "localstack.plugins.cli:begin",
            "localstack.configurators:setup_logging",
        ],
    );
    assert!(stdout.contains("(services::DDB)"), "{stdout}");
}

#[test]
fn plugins_of_the_host_itself_are_checked_against_its_registry() {
    let project = demo(23);
    let registry = "the registry `src/plux_registry.rs` of package `host`";
    // Added: a function, a type and a spec with the attribute fail; a plain spec is not seen.
    append(
        &project,
        "host/src/app.rs",
        &format!(
            "{}\n{}\n{}\n{}",
            TRACING,
            STOP,
            SNS.replace(
                "PluginSpec<dyn ServicePlugin>",
                "plux_runtime::PluginSpec<dyn ServicePlugin>"
            )
            .replace("PluginSpec::new", "plux_runtime::PluginSpec::new")
            .replace("Service::new", "api::Service::new"),
            SES.replace(
                "PluginSpec<dyn ServicePlugin>",
                "plux_runtime::PluginSpec<dyn ServicePlugin>"
            )
            .replace("PluginSpec::new", "plux_runtime::PluginSpec::new")
            .replace("Service::new", "api::Service::new"),
        ),
    );
    let _guard = lock();
    let stderr = build_fails(&project, "host");
    assert_error(
        &stderr,
        &unlisted(
            "localstack.configurators:configure_tracing",
            "configure_tracing",
            registry,
        ),
    );
    assert_error(
        &stderr,
        &unlisted("localstack.plugins.cli:stop", "Stop", registry),
    );
    assert_error(
        &stderr,
        &unlisted("localstack.plugins.services:ses", "SES", registry),
    );
    assert!(!stderr.contains("SNS"), "{stderr}");
    let stdout = entrypoints_then_load(
        &project,
        &[
            "localstack.configurators:configure_tracing",
            "localstack.plugins.cli:stop",
            "localstack.plugins.services:ses",
            "localstack.plugins.services:sns",
        ],
    );
    assert!(stdout.contains("(crate::app::SNS)"), "{stdout}");

    // Renamed: the index check again.
    project.edit("host/src/app.rs", "name = \"version\"", "name = \"ver\"");
    project.edit(
        "host/src/app.rs",
        "\"ses\", || Box::new",
        "\"ses2\", || Box::new",
    );
    let stderr = build_fails(&project, "host");
    assert_error(
        &stderr,
        &unlisted("localstack.plugins.cli:ver", "Version", registry),
    );
    assert_error(
        &stderr,
        &unlisted("localstack.plugins.services:ses2", "SES", registry),
    );
    entrypoints(&project);
    let stdout = run(&project, "host", &[]);
    assert!(loaded(&stdout, "localstack.plugins.cli:ver"), "{stdout}");
    assert!(
        loaded(&stdout, "localstack.plugins.services:ses2"),
        "{stdout}"
    );

    // Removed (the type stays): the registry's check. (rustc reports the first stale plugin of
    // each module; one is enough to say what to run.)
    project.edit(
        "host/src/app.rs",
        "#[plugin(namespace = \"localstack.plugins.cli\", name = \"ver\")]\n",
        "",
    );
    let stderr = build_fails(&project, "host");
    assert_error(
        &stderr,
        &stale("localstack.plugins.cli:ver", "crate::app::Version"),
    );
    entrypoints(&project);
    let stdout = run(&project, "host", &[]);
    assert!(!stdout.contains(":ver "), "{stdout}");
}

#[test]
fn the_first_run_creates_the_registry() {
    let project = demo(24);
    let committed = project.read("host/src/plux_registry.rs");
    project.remove("host/src/plux_registry.rs");
    // `main.rs` already has `mod plux_registry;`: rustc cannot build it yet, plux can run.
    let check = project.plux(["entrypoints", "--check"]).output().unwrap();
    assert_eq!(check.status.code(), Some(1), "{}", text(&check.stderr));
    assert!(
        text(&check.stdout).contains("+++ host/src/plux_registry.rs"),
        "{}",
        text(&check.stdout)
    );
    assert!(!text(&check.stderr).contains("file not found"));
    entrypoints(&project);
    assert_eq!(project.read("host/src/plux_registry.rs"), committed);
    let _guard = lock();
    let stdout = run(&project, "host", &[]);
    assert_eq!(outcomes(&stdout), EVERY_NAMESPACE, "{stdout}");
}

#[test]
fn the_index_check_leaves_tests_doc_tests_and_buildrs_mode_alone() {
    let project = demo(25);
    // Plugins only tests, doc tests and an example declare: none is in `hooks/plux.json`.
    let lib = project.read("hooks/src/lib.rs");
    project.write(
        "hooks/src/lib.rs",
        &(lib.replace(
            "//! Configurators: functions as plugins.\n",
            "//! Configurators: functions as plugins.\n//!\n//! ```\n//! #[plux_runtime::plugin(namespace = \"localstack.configurators\")]\n//! pub fn in_a_doc_test() {}\n//! ```\n",
        ) + "\n#[cfg(test)]\nmod tests {\n    #[plux_runtime::plugin(namespace = \"localstack.configurators\")]\n    pub fn in_a_unit_test() {}\n\n    #[test]\n    fn runs() {}\n}\n"),
    );
    project.write(
        "hooks/tests/more.rs",
        "#[plux_runtime::plugin(namespace = \"localstack.configurators\")]\npub fn in_an_integration_test() {}\n\n#[test]\nfn runs() {}\n",
    );
    project.write(
        "hooks/examples/demo.rs",
        "#[plux_runtime::plugin(namespace = \"localstack.configurators\")]\npub fn in_an_example() {}\n\nfn main() {}\n",
    );
    // A package without `plux.json` does not use a committed index: build.rs mode registers
    // its new plugin on the next build.
    project.remove("cli/plux.json");
    append(&project, "cli/src/lib.rs", STOP);
    let _guard = lock();
    let output = cargo(&project, &["test", "-p", "hooks", "--all-targets"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let output = cargo(&project, &["test", "-p", "hooks", "--doc"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stdout = run(&project, "host-buildrs", &[]);
    assert!(loaded(&stdout, "localstack.plugins.cli:stop"), "{stdout}");
}

/// The test the README offers for specs the compiler cannot check: it fails while a committed
/// file is stale and passes once `cargo plux entrypoints` ran.
#[test]
fn the_ready_made_index_test_fails_while_a_committed_file_is_stale() {
    let project = demo(26);
    let readme = std::fs::read_to_string(plux_e2e::repo_root().join("README.md")).unwrap();
    let start = readme.find("  // tests/plux_index.rs\n").unwrap();
    let end = start + readme[start..].find("  ```\n").unwrap();
    let test: String = readme[start..end]
        .lines()
        .map(|l| format!("{}\n", l.strip_prefix("  ").unwrap_or(l)))
        .collect();
    project.write("host/tests/plux_index.rs", &test);
    append(&project, "services/src/lib.rs", SNS);
    // `cargo plux` is this build's binary.
    let bin_dir = plux_e2e::cargo_plux_bin().parent().unwrap().to_path_buf();
    let path = std::env::join_paths(
        std::iter::once(bin_dir).chain(std::env::split_paths(&std::env::var_os("PATH").unwrap())),
    )
    .unwrap();
    let test = |project: &Project| {
        let mut command =
            project.cargo(["test", "--offline", "-p", "host", "--test", "plux_index"]);
        command
            .env("CARGO_TARGET_DIR", crate::registry::target_dir())
            .env("PATH", &path)
            .env_remove("RUSTFLAGS");
        command.output().unwrap()
    };
    let _guard = lock();
    let output = test(&project);
    assert!(!output.status.success(), "{}", text(&output.stdout));
    assert!(
        text(&output.stdout)
            .contains("a committed plux file is stale; run `cargo plux entrypoints`"),
        "{}",
        text(&output.stdout)
    );
    entrypoints(&project);
    let output = test(&project);
    assert!(output.status.success(), "{}", text(&output.stdout));
}

/// A plugin dependency under `[target.'cfg(false)'.dependencies]`: its entry keeps the host's
/// gate `#[cfg(false)]` and the host builds without it (the gate was dropped, and the host
/// failed with "unresolved import `extras`").
#[test]
fn a_platform_gated_dependency_keeps_its_gate_even_cfg_false() {
    let project = demo(80);
    let manifest = project.read("host/Cargo.toml");
    project.write(
        "host/Cargo.toml",
        &format!(
            "{}\n[target.'cfg(false)'.dependencies]\nextras.workspace = true\n",
            manifest
                .replace("extras = { workspace = true, optional = true }\n", "")
                .replace("lambda = [\"dep:extras\"]", "lambda = []")
        ),
    );
    entrypoints(&project);
    let registry = project.read("host/src/plux_registry.rs");
    assert!(
        registry.contains("#[cfg(false)]\n        \"lambda\" = extras::LAMBDA,"),
        "{registry}"
    );
    let _guard = lock();
    let stdout = run(&project, "host", &[]);
    assert!(!stdout.contains("lambda"), "{stdout}");
    assert!(
        stdout.contains("loaded   localstack.plugins.services:s3"),
        "{stdout}"
    );
}

/// In a plugin crate's directory (which selects it, as with cargo), `entrypoints --check`
/// checks the committed registries that crate feeds too, and `entrypoints` rewrites them (the
/// check there said "all up to date" while one at the root failed).
#[test]
fn in_a_plugin_crates_directory_the_registries_it_feeds_are_checked_and_written() {
    let project = demo(81);
    append(&project, "services/src/lib.rs", SNS);
    let mut check = project.plux(["entrypoints", "--check"]);
    check.current_dir(project.join("services"));
    let output = check.output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", text(&output.stdout));
    let diff = text(&output.stdout);
    assert!(
        diff.contains("services/plux.json") || diff.contains("plux.json"),
        "{diff}"
    );
    assert!(diff.contains("host/src/plux_registry.rs"), "{diff}");
    assert!(diff.contains("\"sns\" = services::SNS"), "{diff}");

    let mut write = project.plux(["entrypoints"]);
    write.current_dir(project.join("services"));
    assert_eq!(write.output().unwrap().status.code(), Some(0));
    assert!(
        project
            .read("host/src/plux_registry.rs")
            .contains("\"sns\" = services::SNS")
    );
    let check = project.plux(["entrypoints", "--check"]).output().unwrap();
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stdout));
}
