//! Registration code and build.rs mode on the demo workspace: the hosts are built and run in
//! both modes, with and without a feature, after adding and removing plugins, and with a
//! dependency consumed as a packaged crate.
//!
//! Every fixture build shares one target directory (`target/e2e-fixtures`), so the plux crates
//! and their dependencies compile once per test run. Cargo hashes workspace members by their
//! path *inside* the workspace, so two copies of the demo would share (and race on) artifacts
//! and build script outputs: each test gives its copy's members a version of its own. Builds
//! and runs are serialized by a lock (a binary must not be rebuilt by another test between its
//! build and its run).

use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::{Mutex, MutexGuard};

use plux_e2e::{Project, repo_root};

pub(crate) fn target_dir() -> PathBuf {
    repo_root().join("target").join("e2e-fixtures")
}

pub(crate) fn lock() -> MutexGuard<'static, ()> {
    static LOCK: Mutex<()> = Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `cargo <args>` in the project with the shared target directory, offline.
pub(crate) fn cargo(project: &Project, args: &[&str]) -> Output {
    let mut command: Command = project.cargo(args);
    command
        .arg("--offline")
        .env("CARGO_TARGET_DIR", target_dir())
        .env("CARGO_TERM_COLOR", "never")
        .env_remove("RUSTFLAGS");
    command.output().unwrap()
}

pub(crate) fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs `cargo run -q -p <package> [--features ..]`; panics with stderr when it fails.
pub(crate) fn run(project: &Project, package: &str, features: &[&str]) -> String {
    let mut args = vec!["run", "-q", "-p", package];
    if !features.is_empty() {
        args.extend(["--features", features[0]]);
    }
    let output = cargo(project, &args);
    assert!(
        output.status.success(),
        "cargo run -p {package} failed:\n{}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// The `<loaded|disabled|error> <namespace:name>` of each plugin line of a demo host's output.
pub(crate) fn outcomes(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .filter(|l| !l.starts_with("log:"))
        .map(|l| {
            let mut words = l.split_whitespace();
            let status = words.next().unwrap_or_default();
            let id = words.next().unwrap_or_default().trim_end_matches(':');
            format!("{status} {id}")
        })
        .collect()
}

/// A copy of the demo whose members have version `0.1.<id>`, distinct per test (see above).
pub(crate) fn demo(id: u32) -> Project {
    let project = Project::fixture("demo");
    project.edit(
        "Cargo.toml",
        "[workspace.package]\nversion = \"0.1.0\"",
        &format!("[workspace.package]\nversion = \"0.1.{id}\""),
    );
    project
}

pub(crate) fn entrypoints(project: &Project) {
    let output = project.plux(["entrypoints"]).output().unwrap();
    assert!(
        output.status.success(),
        "entrypoints failed:\n{}",
        text(&output.stderr)
    );
}

pub(crate) const EVERY_NAMESPACE: &[&str] = &[
    "loaded localstack.plugins.services:dynamodb",
    "error localstack.plugins.services:kinesis",
    "loaded localstack.plugins.services:s3",
    "disabled localstack.plugins.services:sqs",
    "loaded localstack.plugins.cli:start",
    "loaded localstack.plugins.cli:status",
    "loaded localstack.plugins.cli:version",
    "loaded localstack.configurators:configure_logging",
];

/// The reasons a demo host gives for its disabled and failed plugins.
pub(crate) fn assert_reasons(stdout: &str) {
    assert!(
        stdout.lines().any(
            |l| l.starts_with("error    localstack.plugins.services:kinesis")
                && l.contains("kinesis needs a license key")
        ),
        "{stdout}"
    );
    assert!(
        stdout.lines().any(
            |l| l.starts_with("disabled localstack.plugins.services:sqs")
                && l.contains("Load condition for plugin was false")
        ),
        "{stdout}"
    );
}

#[test]
fn committed_registry_is_current_and_the_host_loads_every_namespace() {
    let project = demo(2);
    let check = project.plux(["entrypoints", "--check"]).output().unwrap();
    assert!(
        check.status.success(),
        "the demo's committed files are stale:\n{}{}",
        text(&check.stdout),
        text(&check.stderr)
    );

    let _guard = lock();
    let stdout = run(&project, "host", &[]);
    assert_eq!(outcomes(&stdout), EVERY_NAMESPACE, "{stdout}");
    assert_reasons(&stdout);
    assert!(
        stdout.contains("(crate::app::Version)"),
        "the binary's own plugin: {stdout}"
    );
    assert!(stdout.contains("log: logging configured"), "{stdout}");

    // The gated configurator is there exactly when `hooks/debug` is on, the optional
    // dependency's service exactly when the host's `lambda` feature is.
    assert!(
        !stdout.contains("dump_state") && !stdout.contains("lambda"),
        "{stdout}"
    );
    let stdout = run(&project, "host", &["debug,lambda"]);
    assert!(
        stdout.contains("loaded   localstack.configurators:dump_state"),
        "{stdout}"
    );
    assert!(stdout.contains("log: state dumped"), "{stdout}");
    assert!(
        stdout.contains("loaded   localstack.plugins.services:lambda (extras::LAMBDA)"),
        "{stdout}"
    );
}

#[test]
fn buildrs_host_loads_the_same_plugins_with_and_without_the_feature() {
    let project = demo(3);
    let _guard = lock();
    let stdout = run(&project, "host-buildrs", &[]);
    assert_eq!(outcomes(&stdout), EVERY_NAMESPACE, "{stdout}");
    assert_reasons(&stdout);
    assert!(
        !stdout.contains("dump_state") && !stdout.contains("lambda"),
        "{stdout}"
    );
    let stdout = run(&project, "host-buildrs", &["debug,lambda"]);
    assert!(
        stdout.contains("loaded   localstack.configurators:dump_state"),
        "{stdout}"
    );
    assert!(
        stdout.contains("loaded   localstack.plugins.services:lambda (extras::LAMBDA)"),
        "{stdout}"
    );

    // The script runs inside `cargo build --locked --offline` (an edit makes it re-run); a
    // no-op rebuild then does not re-run it, and the script declared its inputs.
    let lib = project.read("services/src/lib.rs");
    project.write("services/src/lib.rs", &format!("{lib}// edited\n"));
    let output = cargo(&project, &["build", "--locked", "-p", "host-buildrs"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let output = cargo(&project, &["build", "-v", "--locked", "-p", "host-buildrs"]);
    let stderr = text(&output.stderr);
    assert!(stderr.contains("Fresh host-buildrs"), "{stderr}");
    let outputs: Vec<_> = walkdir::WalkDir::new(target_dir().join("debug/build"))
        .max_depth(2)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "output")
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .filter(|o| o.contains(&project.root().display().to_string()))
        .collect();
    assert!(
        !outputs.is_empty(),
        "no build script output for this copy of the demo"
    );
    let services = project.join("services/src/lib.rs").display().to_string();
    assert!(
        outputs
            .iter()
            .all(|o| o.contains(&format!("cargo:rerun-if-changed={services}\n"))),
        "{outputs:?}"
    );
    // Nothing else but where the registry is, for `include_registry!()`.
    assert!(
        outputs.iter().all(|o| o.lines().all(|l| {
            l.starts_with("cargo:rerun-if-changed=")
                || (l.starts_with("cargo:rustc-env=PLUX_REGISTRY=")
                    && l.ends_with("/out/plux/registry.rs"))
        })),
        "{outputs:?}"
    );
}

#[test]
fn plugins_of_a_packaged_dependency_are_found_through_its_plux_json() {
    let project = demo(7);
    let _guard = lock();
    let output = cargo(
        &project,
        &[
            "package",
            "--no-verify",
            "--exclude-lockfile",
            "-p",
            "services",
        ],
    );
    assert!(
        output.status.success(),
        "cargo package failed:\n{}",
        text(&output.stderr)
    );
    let list = cargo(&project, &["package", "--list", "-p", "services"]);
    assert!(
        text(&list.stdout).lines().any(|l| l == "plux.json"),
        "plux.json is not packaged:\n{}",
        text(&list.stdout)
    );

    // Unpack the .crate outside the workspace members and consume it instead of the member.
    let vendor = project.join("vendor");
    std::fs::create_dir_all(&vendor).unwrap();
    let crate_file = target_dir().join("package/services-0.1.7.crate");
    let status = Command::new("tar")
        .arg("xzf")
        .arg(&crate_file)
        .arg("-C")
        .arg(&vendor)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_dir_all(project.join("services")).unwrap();
    project.edit("Cargo.toml", "\"services\", ", "");
    project.edit(
        "Cargo.toml",
        "[workspace.package]",
        "exclude = [\"vendor\"]\n\n[workspace.package]",
    );
    project.edit(
        "Cargo.toml",
        "services = { path = \"services\" }",
        "services = { path = \"vendor/services-0.1.7\" }",
    );
    let runtime = repo_root()
        .join("plux-runtime")
        .display()
        .to_string()
        .replace('\\', "/");
    let manifest = project.read("Cargo.toml");
    project.write(
        "Cargo.toml",
        &format!("{manifest}\n[patch.crates-io]\napi = {{ path = \"api\" }}\nplux-runtime = {{ path = \"{runtime}\" }}\n"),
    );
    // A plugin in the packaged sources that its shipped index does not list: the index is what
    // counts (it is not scanned), and the attribute's index check leaves a packaged copy alone.
    let lib = project.read("vendor/services-0.1.7/src/lib.rs");
    project.write(
        "vendor/services-0.1.7/src/lib.rs",
        &format!("{lib}\n#[plux_runtime::plugin]\npub static SNS: PluginSpec<dyn ServicePlugin> =\n    PluginSpec::new(\"localstack.plugins.services\", \"sns\", || Box::new(Service::new(\"sns\")));\n"),
    );
    drop(_guard);

    entrypoints(&project);
    let registry = project.read("host/src/plux_registry.rs");
    assert!(registry.contains("\"s3\" = services::S3,"), "{registry}");
    assert!(!registry.contains("sns"), "{registry}");
    let _guard = lock();
    for host in ["host", "host-buildrs"] {
        let stdout = run(&project, host, &[]);
        assert_eq!(outcomes(&stdout), EVERY_NAMESPACE, "{host}: {stdout}");
    }
}

/// Turns a seed fixture's host into a build.rs-mode host (its `main.rs` already includes the
/// registry), builds and runs it.
fn run_seed(fixture: &str, manifest: &str, package: &str) -> String {
    let project = Project::fixture(fixture);
    let build = repo_root()
        .join("plux-build")
        .display()
        .to_string()
        .replace('\\', "/");
    let dir = std::path::Path::new(manifest).parent().unwrap();
    project.write(
        dir.join("build.rs"),
        "fn main() {\n    plux_build::build();\n}\n",
    );
    let text_manifest = project.read(manifest);
    project.write(
        manifest,
        &format!("{text_manifest}\n[build-dependencies]\nplux-build = {{ path = \"{build}\" }}\n"),
    );
    let _guard = lock();
    run(&project, package, &[])
}

#[test]
fn seed_fixture_hosts_build_and_run() {
    let stdout = run_seed("service-specs", "host/Cargo.toml", "ls-host");
    assert_eq!(
        stdout, "service: dynamodb\nservice: kinesis\nservice: s3\nservice: sqs\n",
        "{stdout}"
    );
    let stdout = run_seed("cli-types", "Cargo.toml", "cli-types");
    assert_eq!(
        stdout, "command: hello\ncommand: serve --port 4566\ncommand: version\n",
        "{stdout}"
    );
    let stdout = run_seed("function-hooks", "Cargo.toml", "ls-hooks");
    assert_eq!(
        stdout,
        "logging at debug\ntracing on\ndisabled configure_debugger: Load condition for plugin was false\n",
        "{stdout}"
    );
}

#[test]
fn a_plux_error_fails_the_build_script_with_a_message_not_a_panic() {
    let project = demo(8);
    let lib = project.read("cli/src/lib.rs");
    project.write(
        "cli/src/lib.rs",
        &format!("{lib}\n/// Clashes with `services::S3`.\npub static S3: plux_runtime::PluginSpec<dyn api::ServicePlugin> =\n    plux_runtime::PluginSpec::new(\"localstack.plugins.services\", \"s3\", || Box::new(api::Service::new(\"s3\")));\n"),
    );
    let _guard = lock();
    let output = cargo(&project, &["build", "-p", "host-buildrs"]);
    let stderr = text(&output.stderr);
    assert!(!output.status.success());
    assert!(
        stderr.contains("plux error: aborting due to 1 previous error"),
        "{stderr}"
    );
    assert!(stderr.contains("duplicate plugin `s3` in namespace `localstack.plugins.services`: declared by package `cli` (cli::S3) and by package `services` (services::S3)"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// The committed fixtures' lock files match their manifests, so the README's command and the
/// tests build them as committed (an outdated lock would be rewritten in the repository).
#[test]
fn fixture_lock_files_are_current() {
    for fixture in ["demo", "cli-types", "service-specs", "function-hooks"] {
        let manifest = repo_root()
            .join("fixtures")
            .join(fixture)
            .join("Cargo.toml");
        let output = Command::new(env!("CARGO"))
            .args(["metadata", "--format-version", "1", "--locked", "--offline"])
            .arg("--manifest-path")
            .arg(&manifest)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "fixtures/{fixture}/Cargo.lock is stale; run `cargo metadata --offline` there:\n{}",
            text(&output.stderr)
        );
    }
}

/// Plugins behind `#[cfg]` on the item, on an enclosing inline or file module (its `mod`
/// item or its file's `#![cfg]`), and on an `impl` of an always-present type: each is loaded
/// exactly when the predicate holds in its own crate, in both modes, and the build never breaks.
#[test]
fn plugins_behind_cfg_on_any_level_follow_their_crates_features_in_both_modes() {
    let project = demo(9);
    let hooks = project.read("hooks/src/lib.rs");
    project.write(
        "hooks/src/lib.rs",
        &format!(
            "{hooks}
/// Gated on its `mod` item.
#[cfg(feature = \"debug\")]
pub mod diagnostics;

/// Gated by its file's `#![cfg]`.
pub mod platform;

/// Gated two levels above the plugin.
#[cfg(not(feature = \"debug\"))]
pub mod quiet {{
    /// The plugin's own module.
    pub mod mode {{
        #[plux_runtime::plugin(namespace = \"localstack.configurators\")]
        pub fn quiet_mode(runtime: &api::Runtime) {{
            runtime.record(\"quiet mode\");
        }}
    }}
}}

/// Never compiled here.
#[cfg(windows)]
pub mod console {{
    #[plux_runtime::plugin(namespace = \"localstack.configurators\")]
    pub fn win_console(_: &api::Runtime) {{}}
}}
"
        ),
    );
    project.write(
        "hooks/src/diagnostics.rs",
        "#[plux_runtime::plugin(namespace = \"localstack.configurators\")]\npub fn trace_calls(runtime: &api::Runtime) {\n    runtime.record(\"calls traced\");\n}\n",
    );
    project.write(
        "hooks/src/platform.rs",
        "#![cfg(unix)]\n\n#[plux_runtime::plugin(namespace = \"localstack.configurators\")]\npub fn unix_signals(runtime: &api::Runtime) {\n    runtime.record(\"signals handled\");\n}\n",
    );
    let cli = project.read("cli/src/lib.rs");
    project.write(
        "cli/src/lib.rs",
        &format!(
            "{cli}
/// `localstack trace`: the type always exists, its plugin only with `debug`.
#[derive(Default)]
pub struct Trace;

impl Plugin<Runtime> for Trace {{}}

#[cfg(feature = \"debug\")]
#[plugin(namespace = \"localstack.plugins.cli\", name = \"trace\")]
impl CliPlugin for Trace {{
    fn command(&self) -> &'static str {{
        \"trace\"
    }}
}}
"
        ),
    );
    let services = project.read("services/src/lib.rs");
    project.write(
        "services/src/lib.rs",
        &format!(
            "{services}
/// Internal services, only with `debug`.
#[cfg(feature = \"debug\")]
pub mod internal {{
    use super::*;

    /// An echo service.
    pub static ECHO: PluginSpec<dyn ServicePlugin> =
        PluginSpec::new(\"localstack.plugins.services\", \"echo\", || Box::new(Service::new(\"echo\")));
}}
"
        ),
    );
    for package in ["cli", "services"] {
        project.edit(
            format!("{package}/Cargo.toml"),
            "[dependencies]",
            "[features]\ndebug = []\n\n[dependencies]",
        );
    }
    for host in ["host", "host-buildrs"] {
        project.edit(
            format!("{host}/Cargo.toml"),
            "debug = [\"hooks/debug\"]",
            "debug = [\"hooks/debug\", \"cli/debug\", \"services/debug\"]",
        );
    }
    entrypoints(&project);
    let index = project.read("hooks/plux.json");
    for line in [
        "\"trace_calls=hooks::diagnostics::trace_calls [fn, cfg(feature = \\\"debug\\\") on hooks::diagnostics]\"",
        "\"unix_signals=hooks::platform::unix_signals [fn, cfg(unix) on hooks::platform]\"",
        "\"quiet_mode=hooks::quiet::mode::quiet_mode [fn, cfg(not(feature = \\\"debug\\\")) on hooks::quiet]\"",
    ] {
        assert!(index.contains(line), "{line} in\n{index}");
    }
    assert!(
        project
            .read("cli/plux.json")
            .contains("\"trace=cli::Trace [type, cfg(feature = \\\"debug\\\")]\""),
        "{}",
        project.read("cli/plux.json")
    );

    let _guard = lock();
    for host in ["host", "host-buildrs"] {
        let plain = outcomes(&run(&project, host, &[]));
        let debug = outcomes(&run(&project, host, &["debug"]));
        let has = |list: &[String], id: &str| list.iter().any(|l| l == &format!("loaded {id}"));
        for (id, without, with) in [
            ("localstack.configurators:trace_calls", false, true),
            ("localstack.configurators:quiet_mode", true, false),
            ("localstack.configurators:unix_signals", true, true),
            ("localstack.configurators:win_console", false, false),
            ("localstack.plugins.cli:trace", false, true),
            ("localstack.plugins.services:echo", false, true),
        ] {
            assert_eq!(
                has(&plain, id),
                without,
                "{host} without `debug`, {id}: {plain:?}"
            );
            assert_eq!(
                has(&debug, id),
                with,
                "{host} with `debug`, {id}: {debug:?}"
            );
        }
    }
}
