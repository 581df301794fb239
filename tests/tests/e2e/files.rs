//! Special files where plux expects an index, a registry or a cache file (Unix): each is an
//! error naming it, or for the cache ignored and rebuilt; never a hang, never a silent skip.
#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use plux_e2e::{Project, assert_code, stderr, stdout};

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

/// Runs `command`, failing the test (and killing it) when it takes more than 60 s: a hang is
/// the failure these tests look for.
fn bounded(mut command: Command) -> Output {
    use std::io::Read as _;
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let (mut out, mut err) = (Vec::new(), Vec::new());
            child.stdout.take().unwrap().read_to_end(&mut out).unwrap();
            child.stderr.take().unwrap().read_to_end(&mut err).unwrap();
            return Output {
                status,
                stdout: out,
                stderr: err,
            };
        }
        if start.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("the command hangs");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `ws/` (a committed-mode host) depending on `dep/`, outside the workspace, so `dep`'s index
/// is read from its `plux.json`.
fn workspace() -> Project {
    let project = Project::empty();
    project.write(
        "ws/Cargo.toml",
        "[package]\nname = \"host\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[package.metadata.plux]\nregistry = \"src/plux_registry.rs\"\n\n[dependencies]\ndep = { path = \"../dep\" }\n",
    );
    project.write("ws/src/main.rs", "fn main() {}\n");
    project.write(
        "dep/Cargo.toml",
        "[package]\nname = \"dep\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    project.write("dep/src/lib.rs", "");
    project
}

fn plux(project: &Project, args: &[&str]) -> Output {
    let mut command = project.plux(args);
    command.current_dir(project.join("ws"));
    bounded(command)
}

#[test]
fn a_dependency_index_that_is_a_directory_or_a_fifo_is_an_error_naming_it() {
    let project = workspace();
    std::fs::create_dir_all(project.join("dep/plux.json")).unwrap();
    let output = plux(&project, &["entrypoints"]);
    assert_code(&output, 1);
    let expected = format!(
        "cannot read `{}`: not a regular file",
        project.join("dep/plux.json").display()
    );
    assert!(stderr(&output).contains(&expected), "{}", stderr(&output));
    assert!(!project.exists("ws/src/plux_registry.rs"));

    std::fs::remove_dir(project.join("dep/plux.json")).unwrap();
    mkfifo(&project.join("dep/plux.json"));
    let output = plux(&project, &["entrypoints"]);
    assert_code(&output, 1);
    assert!(stderr(&output).contains(&expected), "{}", stderr(&output));
    let output = plux(&project, &["list"]);
    assert_code(&output, 1);
    assert!(stderr(&output).contains(&expected), "{}", stderr(&output));
}

#[test]
fn a_fifo_as_a_members_index_or_as_the_registry_file_is_an_error_naming_it() {
    let project = workspace();
    mkfifo(&project.join("ws/plux.json"));
    let output = plux(&project, &["show"]);
    assert_code(&output, 1);
    assert!(
        stderr(&output).contains(&format!(
            "cannot read `{}`: not a regular file",
            project.join("ws/plux.json").display()
        )),
        "{}",
        stderr(&output)
    );
    std::fs::remove_file(project.join("ws/plux.json")).unwrap();

    mkfifo(&project.join("ws/src/plux_registry.rs"));
    let output = plux(&project, &["entrypoints"]);
    assert_code(&output, 1);
    assert!(
        stderr(&output).contains("plux_registry.rs`: not a regular file"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn cache_files_replaced_by_a_fifo_or_a_link_to_dev_zero_are_ignored_and_rebuilt() {
    let project = Project::fixture("cli-types");
    let first = bounded(project.plux(["discover"]));
    assert_code(&first, 0);
    // (One directory per workspace under it.)
    let cache = project.join("target/plux/scan-cache-v1");
    let files: Vec<_> = walkdir::WalkDir::new(&cache)
        .into_iter()
        .map(|e| e.unwrap().into_path())
        .filter(|p| p.extension().is_some_and(|e| e == "bin"))
        .collect();
    assert!(!files.is_empty(), "no cache files in {}", cache.display());
    for (i, file) in files.iter().enumerate() {
        std::fs::remove_file(file).unwrap();
        if i % 2 == 0 {
            mkfifo(file);
        } else {
            std::os::unix::fs::symlink("/dev/zero", file).unwrap();
        }
    }
    let again = bounded(project.plux(["discover"]));
    assert_code(&again, 0);
    assert_eq!(stdout(&again), stdout(&first));
}

/// Two `entrypoints` runs at once on one workspace, each round after an edit that changes its
/// `plux.json`: both succeed (one waits for the other's lock) and the result is the index of
/// the sources as they are (one of them used to fail: "cannot write …/plux.json: No such file or
/// directory", its temp file removed by the other as a leftover).
#[test]
fn concurrent_entrypoints_runs_both_succeed_and_the_result_is_current() {
    let project = Project::fixture("cli-types");
    let source = project.read("src/commands.rs");
    for round in 0..8 {
        project.write(
            "src/commands.rs",
            &format!(
                "{source}\n/// Round {round}.\n#[derive(Default)]\npub struct Round{round};\nimpl plux_runtime::Plugin<crate::Cli> for Round{round} {{}}\n#[plux_runtime::plugin(namespace = \"my.plugins.cli\", name = \"round{round}\")]\nimpl crate::CliPlugin for Round{round} {{\n    fn command(&self) -> &'static str {{\n        \"round\"\n    }}\n}}\n"
            ),
        );
        let runs: Vec<_> = (0..2)
            .map(|_| {
                project
                    .plux(["entrypoints"])
                    .stdout(std::process::Stdio::piped())
                    .stderr(std::process::Stdio::piped())
                    .spawn()
                    .unwrap()
            })
            .collect();
        for run in runs {
            let output = run.wait_with_output().unwrap();
            assert_code(&output, 0);
        }
        let index = project.read("plux.json");
        assert!(
            index.contains(&format!(
                "\"round{round}=cli_types::commands::Round{round} [type]\""
            )),
            "round {round}:\n{index}"
        );
        assert!(!index.contains(&format!("round{}=", round + 1)), "{index}");
    }
}

/// A file name with an escape sequence and a plugin name with U+202E (right-to-left override):
/// human-readable lines show them escaped, never raw (they could recolor the terminal or make
/// text read backwards); JSON output escapes control characters its own way.
#[test]
fn control_characters_in_file_and_plugin_names_reach_the_terminal_escaped() {
    let project = Project::fixture("cli-types");
    let evil = "evil\u{1b}[31mred";
    project.write(format!("src/{evil}.rs"), "fn broken( {\n");
    let lib = project.read("src/lib.rs");
    project.write(
        "src/lib.rs",
        &format!(
            "{lib}\n#[path = \"{}.rs\"]\npub mod evil;\n\n#[derive(Default)]\npub struct Rtl;\nimpl Plugin<Cli> for Rtl {{}}\n#[plux_runtime::plugin(namespace = \"my.plugins.cli\", name = \"ab\u{202e}cd\")]\nimpl CliPlugin for Rtl {{\n    fn command(&self) -> &'static str {{\n        \"rtl\"\n    }}\n}}\n",
            evil.escape_default()
        ),
    );
    // The file that does not parse is reported, its name escaped.
    for args in [
        &["discover"][..],
        &["list"][..],
        &["entrypoints", "--check"][..],
    ] {
        let output = bounded(project.plux(args));
        let text = format!("{}{}", stdout(&output), stderr(&output));
        assert!(!text.contains('\u{1b}'), "{args:?}: raw ESC in\n{text}");
        assert!(text.contains("evil\\u{1b}[31mred.rs"), "{args:?}:\n{text}");
    }
    let output = bounded(project.plux(["--message-format", "json", "discover"]));
    let json = stdout(&output);
    assert!(
        !json.contains('\u{1b}') && json.contains("\\u001b"),
        "{json}"
    );

    // Without it, the plugin whose name holds U+202E (right-to-left override) is refused by
    // every command, the name escaped; nothing prints the character raw (`discover` printed it
    // into its JSON index, and `entrypoints` into `plux.json`).
    std::fs::remove_file(project.join(format!("src/{evil}.rs"))).unwrap();
    project.write(
        "src/lib.rs",
        &project.read("src/lib.rs").replace(
            &format!(
                "#[path = \"{}.rs\"]\npub mod evil;\n",
                evil.escape_default()
            ),
            "",
        ),
    );
    for args in [
        &["list"][..],
        &["discover"][..],
        &["--message-format", "json", "discover"][..],
        &["entrypoints"][..],
    ] {
        let output = bounded(project.plux(args));
        assert_code(&output, 1);
        let text = format!("{}{}", stdout(&output), stderr(&output));
        assert!(
            !text.contains('\u{202e}'),
            "{args:?}: raw U+202E in\n{text}"
        );
        // (In JSON the backslash of the escape is escaped once more.)
        let shown = match args.contains(&"json") {
            true => "ab\\\\u{202e}cd",
            false => "ab\\u{202e}cd",
        };
        let message =
            format!("plugin name `{shown}` contains the invisible bidirectional control U+202E");
        assert!(text.contains(&message), "{args:?}:\n{text}");
    }
    assert!(!project.join("plux.json").exists() || !project.read("plux.json").contains('\u{202e}'));
}

/// Outputs that cannot be written as planned: a registry configured onto the package's own
/// `plux.json` (both were written to one file), and an index larger than readers accept (it was
/// written, `--check` called it current, and dependents refused it).
#[test]
fn overlapping_or_unreadable_outputs_are_refused_before_anything_is_written() {
    let project = workspace();
    let manifest = project.read("ws/Cargo.toml");
    project.write(
        "ws/Cargo.toml",
        &manifest.replace(
            "registry = \"src/plux_registry.rs\"",
            "registry = \"plux.json\"",
        ),
    );
    project.write("ws/src/lib.rs", "pub trait P: plux_runtime::Plugin {}\n");
    let output = plux(&project, &["entrypoints"]);
    assert_code(&output, 2);
    assert!(
        stderr(&output)
            .contains("is `plux.json`, the package's own index; point it at a file of its own"),
        "{}",
        stderr(&output)
    );

    // 900 plugins with 10,000-character names: an index of about 9 MB.
    let project = workspace();
    let name = "n".repeat(10_000);
    let mut source = String::from("pub struct P;\n");
    for i in 0..900 {
        source.push_str(&format!(
            "pub static S{i}: plux_runtime::PluginSpec<P> = plux_runtime::PluginSpec::new(\"big\", \"{name}{i}\", f);\n"
        ));
    }
    project.write("dep/src/lib.rs", &source);
    let output = plux(
        &project,
        &["entrypoints", "--manifest-path", "../dep/Cargo.toml"],
    );
    assert_code(&output, 1);
    assert!(
        stderr(&output).contains("bytes, more than the 8388608 bytes plux reads"),
        "{}",
        stderr(&output)
    );
    assert!(!project.exists("dep/plux.json"));
}

/// cargo's `--offline`, `--locked` and `--frozen` reach every `cargo metadata` plux runs, and a
/// check writes nothing, not even the `Cargo.lock` that `cargo metadata` creates when missing.
#[test]
fn cargo_flags_are_passed_on_and_a_check_writes_no_lock_file() {
    let project = Project::fixture("demo");
    std::fs::remove_file(project.join("Cargo.lock")).unwrap();
    let output = bounded(project.plux(["entrypoints", "--check", "--offline"]));
    assert_code(&output, 0);
    assert!(!project.exists("Cargo.lock"), "a check wrote Cargo.lock");

    // With `--locked` and no lock file, cargo refuses, and plux says why in one line.
    let output = bounded(project.plux(["entrypoints", "--check", "--offline", "--locked"]));
    assert_code(&output, 2);
    let err = stderr(&output);
    assert!(err.contains("--locked"), "{err}");
    assert!(
        err.contains("Cargo.lock` does not exist, so cargo resolves it"),
        "{err}"
    );
    assert!(!project.exists("Cargo.lock"));
}

/// A dependency that declares plugins in its sources but ships no `plux.json` (a path
/// dependency outside the workspace here, as a packaged crate would be): its plugins cannot be
/// registered, and `entrypoints` says so, naming it (it added nothing without a word).
#[test]
fn a_dependency_with_plugins_but_no_index_is_named_in_a_warning() {
    let project = workspace();
    let runtime = plux_e2e::repo_root().join("plux-runtime");
    project.write(
        "dep/Cargo.toml",
        &format!(
            "[package]\nname = \"dep\"\nversion = \"0.3.1\"\nedition = \"2024\"\n\n[dependencies]\nplux-runtime = {{ path = \"{}\" }}\n",
            runtime.display()
        ),
    );
    project.write(
        "dep/src/lib.rs",
        "pub struct P;\nimpl plux_runtime::Plugin for P {}\npub static S: plux_runtime::PluginSpec<dyn plux_runtime::Plugin> =\n    plux_runtime::PluginSpec::new(\"demo\", \"s\", || Box::new(P));\n",
    );
    let output = plux(&project, &["entrypoints", "--offline"]);
    assert_code(&output, 0);
    assert!(
        stderr(&output).contains(
            "warning: package `dep` 0.3.1 declares 1 plugin(s) in its sources but ships no `plux.json`; they are not registered"
        ),
        "{}",
        stderr(&output)
    );
}

/// A plugin crate whose `plux.json` is a FIFO: `#[plugin]`'s listing check refuses it with a
/// compile error naming the file, instead of blocking the compiler.
#[test]
fn a_fifo_as_plux_json_is_a_compile_error_not_a_hung_compiler() {
    let project = Project::fixture("cli-types");
    std::fs::remove_file(project.join("plux.json")).unwrap();
    mkfifo(&project.join("plux.json"));
    let guard = plux_e2e::fixture_lock();
    let output = bounded(project.fixture_cargo(["build", "-q", "--lib"]));
    drop(guard);
    assert_code(&output, 101);
    assert!(
        stderr(&output)
            .contains("`plux.json` of package `cli-types` cannot be read (not a regular file)"),
        "{}",
        stderr(&output)
    );
}

/// `entrypoints --check` with a FIFO where the registry is: an error naming it, not a hang.
#[test]
fn a_check_against_a_fifo_is_an_error_not_a_hang() {
    let project = workspace();
    mkfifo(&project.join("ws/src/plux_registry.rs"));
    let output = plux(&project, &["entrypoints", "--check"]);
    assert_code(&output, 1);
    assert!(
        stderr(&output).contains("plux_registry.rs`: not a regular file"),
        "{}",
        stderr(&output)
    );
}
