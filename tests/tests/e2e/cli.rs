//! `cargo plux` commands on the seed fixtures and on small workspaces written by the tests.
//! Nothing here compiles a fixture: only `cargo metadata` and the scanner run.

use std::process::{Output, Stdio};

use plux_e2e::{Project, assert_code, stderr, stdout};

fn run(project: &Project, args: &[&str]) -> Output {
    project.plux(args).output().unwrap()
}

/// The index each seed fixture produces, byte for byte, from scratch.
#[test]
fn seed_fixtures_get_their_exact_plux_json() {
    for (fixture, index) in [
        ("cli-types", "plux.json"),
        ("service-specs", "services/plux.json"),
        ("function-hooks", "plux.json"),
    ] {
        let project = Project::fixture(fixture);
        let committed = project.read(index);
        project.remove(index);
        let output = run(&project, &["entrypoints", "--workspace"]);
        assert_code(&output, 0);
        assert!(
            stderr(&output).contains(&format!("Wrote {index}")),
            "{}",
            stderr(&output)
        );
        let written = project.read(index);
        insta::assert_snapshot!(format!("plux_json_{fixture}"), written);
        assert_eq!(
            written, committed,
            "the committed `{fixture}/{index}` is stale"
        );
    }
}

#[test]
fn check_is_clean_then_reports_a_stale_index_without_writing() {
    let project = Project::fixture("cli-types");
    assert_code(&run(&project, &["entrypoints", "--check"]), 0);

    project.edit("src/commands.rs", "name = \"version\"", "name = \"ver\"");
    let before = project.read("plux.json");
    let output = run(&project, &["entrypoints", "--check"]);
    assert_code(&output, 1);
    let diff = stdout(&output);
    assert!(
        diff.starts_with("--- plux.json\n+++ plux.json (regenerated)\n"),
        "{diff}"
    );
    assert!(
        diff.contains("\n-    \"version=cli_types::commands::Version [type]\"\n"),
        "{diff}"
    );
    assert!(
        diff.contains("\n+    \"ver=cli_types::commands::Version [type]\"\n"),
        "{diff}"
    );
    assert!(
        stderr(&output).contains("error: 1 generated file is stale; run `cargo plux entrypoints`"),
        "{}",
        stderr(&output)
    );
    assert_eq!(project.read("plux.json"), before, "--check wrote the index");

    assert_code(&run(&project, &["entrypoints"]), 0);
    assert!(project.read("plux.json").contains("\"ver=cli_types"));
    assert_code(&run(&project, &["entrypoints", "--check"]), 0);
}

#[test]
fn check_reports_a_missing_index_as_stale() {
    let project = Project::fixture("function-hooks");
    project.remove("plux.json");
    let output = run(&project, &["entrypoints", "--check"]);
    assert_code(&output, 1);
    assert!(stdout(&output).starts_with("--- /dev/null\n+++ plux.json (regenerated)\n"));
    assert!(!project.exists("plux.json"));
}

#[test]
fn a_second_run_leaves_files_and_mtimes_untouched() {
    let project = Project::fixture("service-specs");
    assert_code(&run(&project, &["entrypoints"]), 0);
    let bytes = project.read("services/plux.json");
    let old = project.age("services/plux.json");
    let output = run(&project, &["entrypoints", "-v"]);
    assert_code(&output, 0);
    assert!(
        stderr(&output).contains("Fresh services/plux.json"),
        "{}",
        stderr(&output)
    );
    assert_eq!(project.mtime("services/plux.json"), old);
    assert_eq!(project.read("services/plux.json"), bytes);
    // and a real change is written
    project.edit("services/src/lib.rs", "\"sqs\", ||", "\"sqs2\", ||");
    assert_code(&run(&project, &["entrypoints"]), 0);
    assert_ne!(project.mtime("services/plux.json"), old);
}

#[test]
fn discover_prints_the_entry_points_ini_shape() {
    let project = Project::fixture("function-hooks");
    let output = run(&project, &["discover", "--format", "ini"]);
    assert_code(&output, 0);
    assert_eq!(
        stdout(&output),
        "[localstack.configurators]\n\
         configure_debugger = ls_hooks::configure_debugger [fn]\n\
         configure_logging = ls_hooks::configure_logging [fn]\n\
         tracing = ls_hooks::configure_tracing [fn]\n\n"
    );
}

#[test]
fn discover_writes_to_a_file_with_o() {
    let project = Project::fixture("cli-types");
    let output = run(&project, &["discover", "-o", "out/index.json"]);
    assert_code(&output, 0);
    assert_eq!(stdout(&output), "");
    assert_eq!(project.read("out/index.json"), project.read("plux.json"));
}

#[test]
fn discover_path_scans_a_directory_of_loose_files() {
    let project = Project::empty();
    project.write(
        "plugins/net/http.rs",
        "pub static HTTP: PluginSpec<dyn Proto> = PluginSpec::new(\"protos\", \"http\", make);\n",
    );
    project.write(
        "plugins/dns.rs",
        "#[plugin(namespace = \"protos\")]\npub fn dns() {}\n",
    );
    let output = run(
        &project,
        &["discover", "--path", "plugins", "--crate-name", "my_protos"],
    );
    assert_code(&output, 0);
    assert_eq!(
        stdout(&output),
        "{\n  \"protos\": [\n    \"dns=my_protos::dns::dns [fn]\",\n    \"http=my_protos::net::http::HTTP\"\n  ]\n}\n"
    );
    // the crate name defaults to the directory's name
    let output = run(&project, &["discover", "--path", "plugins"]);
    assert!(stdout(&output).contains("\"dns=plugins::dns::dns [fn]\""));
}

#[test]
fn discover_crate_name_must_be_an_identifier() {
    let project = Project::empty();
    project.write(
        "plugins/dns.rs",
        "#[plugin(namespace = \"protos\")]\npub fn dns() {}\n",
    );
    let discover = |name: &str| {
        run(
            &project,
            &["discover", "--path", "plugins", "--crate-name", name],
        )
    };
    // A raw identifier is one: values start with it.
    let output = discover("r#type");
    assert_code(&output, 0);
    assert!(
        stdout(&output).contains("\"dns=r#type::dns::dns [fn]\""),
        "{}",
        stdout(&output)
    );
    // Anything else was printed into the values as it was given.
    for name in [
        "x::y; fn evil() {}",
        "my-protos",
        "type",
        "",
        "a\u{202e}b",
        "a\nb",
    ] {
        let output = discover(name);
        assert_code(&output, 2);
        assert_eq!(stdout(&output), "", "{name:?}");
        let expected = format!(
            "error: invalid configuration: `--crate-name`: `{}` is not a Rust identifier; pass \
             the crate name as Rust paths spell it (`-` as `_`, a keyword as a raw identifier \
             such as `r#type`)",
            name.escape_debug()
        );
        assert!(
            stderr(&output).starts_with(&expected),
            "{name:?}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn package_selection_follows_cargo() {
    let project = Project::fixture("service-specs");
    let services = run(&project, &["discover", "-p", "ls-services"]);
    assert_code(&services, 0);
    assert!(stdout(&services).contains("s3=ls_services::S3"));
    let host = run(&project, &["discover", "-p", "ls-host"]);
    assert_code(&host, 0);
    assert_eq!(stdout(&host), "{}\n");
    // --workspace --exclude
    let excluded = run(
        &project,
        &["discover", "--workspace", "--exclude", "ls-services"],
    );
    assert_eq!(stdout(&excluded), "{}\n");
    // a member's manifest selects that member
    let output = run(
        &project,
        &["entrypoints", "--manifest-path", "host/Cargo.toml"],
    );
    assert_code(&output, 0);
    assert!(!project.exists("host/plux.json"));

    let unknown = run(&project, &["discover", "-p", "nope"]);
    assert_code(&unknown, 2);
    assert!(
        stderr(&unknown).contains(
            "error: invalid configuration: package `nope` is not a workspace member; members: `ls-services`, `ls-host`"
        ),
        "{}",
        stderr(&unknown)
    );
    assert_code(&run(&project, &["discover", "--exclude", "x"]), 2);
}

const SERVICES_MANIFEST: &str = "[package]\nname = \"ls-services\"";

#[test]
fn include_and_exclude_globs_from_config_and_command_line() {
    let project = Project::fixture("service-specs");
    let names = |output: &Output| -> Vec<String> {
        let index: serde_json::Value = serde_json::from_str(&stdout(output)).unwrap();
        index["localstack.plugins.services"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|e| e.as_str().unwrap().split('=').next().unwrap().to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let all = run(&project, &["discover"]);
    assert_eq!(names(&all), ["dynamodb", "kinesis", "s3", "sqs"]);

    let cli_exclude = run(&project, &["discover", "--exclude-glob", "src/storage.rs"]);
    assert_eq!(names(&cli_exclude), ["s3", "sqs"]);
    let cli_include = run(&project, &["discover", "--include-glob", "crate::storage"]);
    assert_eq!(names(&cli_include), ["dynamodb", "kinesis"]);

    let manifest = project.read("services/Cargo.toml");
    project.write(
        "services/Cargo.toml",
        &format!("{manifest}\n[package.metadata.plux]\nexclude = [\"src/storage.rs\"]\n"),
    );
    assert!(manifest.starts_with(SERVICES_MANIFEST));
    let config_exclude = run(&project, &["discover"]);
    assert_code(&config_exclude, 0);
    assert_eq!(names(&config_exclude), ["s3", "sqs"]);
    // command-line globs add to the configured ones
    let both = run(&project, &["discover", "--include-glob", "src/lib.rs"]);
    assert_eq!(names(&both), ["s3", "sqs"]);
}

#[test]
fn an_unknown_config_key_is_a_located_warning() {
    let project = Project::fixture("function-hooks");
    let manifest = project.read("Cargo.toml");
    project.write(
        "Cargo.toml",
        &format!("{manifest}\n[package.metadata.plux]\nexclued = [\"x\"]\n"),
    );
    let line = project.read("Cargo.toml").lines().count();
    let output = run(&project, &["entrypoints", "--check"]);
    assert_code(&output, 0);
    // Rendered like rustc: the location, the source line and the key underlined.
    let expected = format!(
        "warning: unknown key `exclued` in `[package.metadata.plux]`\n  --> Cargo.toml:{line}:1\n   |\n{line} | exclued = [\"x\"]\n   | ^^^^^^^\n   |\n   = help: known keys: "
    );
    assert!(
        stderr(&output).starts_with(&expected),
        "{}",
        stderr(&output)
    );
}

#[test]
fn bad_config_exits_2() {
    let project = Project::fixture("function-hooks");
    let manifest = project.read("Cargo.toml");
    project.write(
        "Cargo.toml",
        &format!("{manifest}\n[package.metadata.plux]\ninclude = \"src/**\"\n"),
    );
    let output = run(&project, &["entrypoints"]);
    assert_code(&output, 2);
    let err = stderr(&output);
    assert!(
        err.starts_with(
            "error: invalid configuration: `include` in `[package.metadata.plux]` of `"
        ),
        "{err}"
    );
    assert!(
        err.contains("must be an array of glob strings; fix the manifest"),
        "{err}"
    );
    assert_code(
        &run(&project, &["entrypoints", "--message-format", "yaml"]),
        2,
    );
}

/// A workspace whose root is a package too, with a member two levels down and one whose lib
/// is not at `src/lib.rs`.
#[test]
fn nested_members_and_a_lib_at_a_custom_path() {
    let project = Project::empty();
    project.write(
        "Cargo.toml",
        "[package]\nname = \"root-app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
         [workspace]\nmembers = [\"crates/inner/deep\", \"odd\"]\n",
    );
    project.write(
        "src/main.rs",
        "#[plugin(namespace = \"app\")]\nfn local() {}\nfn main() {}\n",
    );
    project.write(
        "crates/inner/deep/Cargo.toml",
        "[package]\nname = \"deep-one\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    project.write("crates/inner/deep/src/lib.rs", "pub mod a;\n");
    project.write(
        "crates/inner/deep/src/a.rs",
        "pub static X: PluginSpec<dyn P> = PluginSpec::new(\"ns.deep\", \"x\", f);\n",
    );
    project.write(
        "odd/Cargo.toml",
        "[package]\nname = \"odd\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[lib]\npath = \"code/odd.rs\"\n",
    );
    project.write(
        "odd/code/odd.rs",
        "#[path = \"more/types.rs\"]\npub mod types;\n",
    );
    project.write(
        "odd/code/more/types.rs",
        "pub struct T;\n#[plux_runtime::plugin(namespace = \"ns.odd\", name = \"t\")]\nimpl P for T {}\n",
    );
    let output = run(&project, &["entrypoints", "--workspace"]);
    assert_code(&output, 0);
    assert_eq!(
        project.read("crates/inner/deep/plux.json"),
        "{\n  \"ns.deep\": [\n    \"x=deep_one::a::X\"\n  ]\n}\n"
    );
    assert_eq!(
        project.read("odd/plux.json"),
        "{\n  \"ns.odd\": [\n    \"t=odd::types::T [type]\"\n  ]\n}\n"
    );
    // the root package only has a binary plugin: listed, but not in an index
    assert!(!project.exists("plux.json"));
    let list = run(&project, &["list", "--workspace"]);
    assert_code(&list, 0);
    assert_eq!(
        stdout(&list),
        "app:local = crate::local [fn] (src/main.rs:1:1)\n\
         ns.deep:x = deep_one::a::X [spec] (crates/inner/deep/src/a.rs:1:12)\n\
         ns.odd:t = odd::types::T [type] (odd/code/more/types.rs:2:1)\n"
    );
    // default selection at the root is the root package
    let resolve = run(&project, &["resolve", "--namespace", "ns.deep"]);
    assert_eq!(stdout(&resolve), "");
    let resolve = run(
        &project,
        &["resolve", "--namespace", "ns.deep", "-p", "deep-one"],
    );
    assert_eq!(
        stdout(&resolve),
        "ns.deep:x = deep_one::a::X [spec] (crates/inner/deep/src/a.rs:1:12)\n"
    );
}

fn broken_project() -> Project {
    let project = Project::fixture("cli-types");
    project.edit(
        "src/lib.rs",
        "pub mod server;",
        "pub mod server;\npub mod broken;",
    );
    project.write(
        "src/broken.rs",
        "use crate::CliPlugin;\n\n#[plugin(namespace = \"bad ns!\", name = \"b\")]\nimpl CliPlugin for B {}\n",
    );
    project.remove("plux.json");
    project
}

#[test]
fn error_diagnostics_exit_1_with_a_location_and_write_nothing() {
    let project = broken_project();
    let output = run(&project, &["entrypoints"]);
    assert_code(&output, 1);
    let err = stderr(&output);
    assert!(err.starts_with("error: "), "{err}");
    assert!(err.contains(" --> src/broken.rs:3:"), "{err}");
    assert!(
        err.contains("error: aborting due to 1 previous error"),
        "{err}"
    );
    assert!(!project.exists("plux.json"));
}

#[test]
fn message_format_json_prints_one_object_per_line() {
    let project = broken_project();
    let output = run(&project, &["entrypoints", "--message-format", "json"]);
    assert_code(&output, 1);
    let lines: Vec<serde_json::Value> = stdout(&output)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["reason"], "plux-diagnostic");
    assert_eq!(lines[0]["severity"], "error");
    assert_eq!(lines[0]["file"], "src/broken.rs");
    assert_eq!(lines[0]["line"], 3);

    let clean = Project::fixture("cli-types");
    let output = run(&clean, &["entrypoints", "--message-format", "json"]);
    assert_code(&output, 0);
    let line: serde_json::Value = serde_json::from_str(stdout(&output).trim()).unwrap();
    assert_eq!(
        line,
        serde_json::json!({"reason": "plux-file", "path": "plux.json", "status": "unchanged", "diff": null})
    );
}

/// Issue 15: a spec or impl for another trait in a namespace is a silent resolve error at run
/// time; `entrypoints` warns, naming every place, and still writes the index.
#[test]
fn entrypoints_warns_when_one_namespace_declares_different_interfaces() {
    let project = Project::empty();
    project.write(
        "Cargo.toml",
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n[workspace]\n",
    );
    project.write("src/api.rs", "");
    // The same interface spelt two ways, then another trait and a function.
    let same = "pub mod api;\n\npub static S3: PluginSpec<dyn crate::api::Service> =\n    PluginSpec::new(\"ls.services\", \"s3\", make);\n\npub static SQS: PluginSpec<dyn Service> = PluginSpec::new(\"ls.services\", \"sqs\", make);\n";
    project.write("src/lib.rs", same);
    let output = run(&project, &["entrypoints"]);
    assert_code(&output, 0);
    assert!(!stderr(&output).contains("warning"), "{}", stderr(&output));

    let other = "\n#[derive(Default)]\npub struct Shell;\n\n#[plugin(namespace = \"ls.services\", name = \"shell\")]\nimpl CliPlugin for Shell {}\n\n#[plugin(namespace = \"ls.services\")]\npub fn hook(rt: &Runtime) {}\n";
    project.write("src/lib.rs", &format!("{same}{other}"));
    let output = run(&project, &["entrypoints"]);
    assert_code(&output, 0);
    let err = stderr(&output);
    for line in [
        "warning: the plugins of namespace `ls.services` declare 3 different interfaces: `dyn crate::api::Service`, `dyn CliPlugin`, `FunctionPlugin<fn(&Runtime)>`",
        "  --> src/lib.rs:11:1",
        "= note: `s3` declares `dyn crate::api::Service` at src/lib.rs:3:12",
        "= note: `sqs` declares `dyn Service` at src/lib.rs:6:12",
        "= note: `shell` declares `dyn CliPlugin` at src/lib.rs:11:1",
        "= note: `hook` declares `FunctionPlugin<fn(&Runtime)>` at src/lib.rs:14:1",
        "= help: a `PluginManager` loads only the plugins of its own interface",
    ] {
        assert!(err.contains(line), "{line:?} not in\n{err}");
    }
    assert!(
        project
            .read("plux.json")
            .contains("\"shell=svc::Shell [type]\"")
    );
    // `--check` says the same, and that the index is current.
    let output = run(&project, &["entrypoints", "--check"]);
    assert_code(&output, 0);
    assert!(stderr(&output).contains("declare 3 different interfaces"));
}

#[test]
fn show_prints_the_committed_index() {
    let project = Project::fixture("service-specs");
    let output = run(&project, &["show", "-p", "ls-services"]);
    assert_code(&output, 0);
    assert_eq!(stdout(&output), project.read("services/plux.json"));
    let host = run(&project, &["show", "-p", "ls-host"]);
    assert_code(&host, 0);
    assert!(stderr(&host).contains("note: package `ls-host` has no `plux.json`"));
    // a malformed index is a located error
    project.write("services/plux.json", "{\n  \"ns\": [\"x=not a path\"]\n}\n");
    let bad = run(&project, &["show", "-p", "ls-services"]);
    assert_code(&bad, 1);
    assert!(
        stderr(&bad).contains(" --> services/plux.json:2:10"),
        "{}",
        stderr(&bad)
    );
}

#[test]
fn a_closed_stdout_exits_0() {
    let project = Project::fixture("cli-types");
    let mut child = project
        .plux(["list"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn an_index_whose_plugins_are_all_gone_becomes_empty() {
    let project = Project::fixture("function-hooks");
    project.write("src/lib.rs", "//! no plugins left\n");
    let output = run(&project, &["entrypoints"]);
    assert_code(&output, 0);
    assert_eq!(project.read("plux.json"), "{}\n");
}

#[test]
fn a_duplicate_plugin_fails_entrypoints_and_writes_nothing() {
    let project = Project::fixture("service-specs");
    project.edit(
        "host/src/main.rs",
        "fn main() {",
        "pub static S3: plux_runtime::PluginSpec<dyn ServicePlugin> =\n    \
         plux_runtime::PluginSpec::new(\"localstack.plugins.services\", \"s3\", || todo!());\n\nfn main() {",
    );
    // across the host's dependency graph: an error naming both places
    let output = run(&project, &["list", "-p", "ls-host"]);
    assert_code(&output, 1);
    assert!(
        stderr(&output).starts_with(
            "error: duplicate plugin `s3` in namespace `localstack.plugins.services`\n  \
             --> host/src/main.rs:12:12\n   |\n\
             12 | pub static S3: plux_runtime::PluginSpec<dyn ServicePlugin> =\n   \
             |            ^^\n   |\n   \
             = note: also declared at services/src/lib.rs:34:12 (`ls_services::S3`)\n"
        ),
        "{}",
        stderr(&output)
    );
    // but each package's index is its own: entrypoints is fine with it
    assert_code(&run(&project, &["entrypoints"]), 0);
    // two declarations of one name in the library
    let before = project.read("services/plux.json");
    project.edit("services/src/storage.rs", "\"kinesis\"", "\"s3\"");
    let output = run(&project, &["entrypoints"]);
    assert_code(&output, 1);
    assert!(
        stderr(&output)
            .contains("error: duplicate plugin `s3` in namespace `localstack.plugins.services`"),
        "{}",
        stderr(&output)
    );
    assert_eq!(project.read("services/plux.json"), before);
}

#[test]
fn resolve_follows_the_host_dependency_graph() {
    let project = Project::fixture("service-specs");
    let output = run(
        &project,
        &[
            "resolve",
            "-p",
            "ls-host",
            "--namespace",
            "localstack.plugins.services",
        ],
    );
    assert_code(&output, 0);
    assert_eq!(
        stdout(&output),
        "localstack.plugins.services:dynamodb = ls_services::storage::DYNAMODB [spec] (services/src/storage.rs:8:11)\n\
         localstack.plugins.services:kinesis = ls_services::storage::KINESIS [spec] (services/src/storage.rs:15:12)\n\
         localstack.plugins.services:s3 = ls_services::S3 [spec] (services/src/lib.rs:34:12)\n\
         localstack.plugins.services:sqs = ls_services::SQS [spec] (services/src/lib.rs:38:12)\n"
    );
}

/// A dependency outside the workspace contributes its committed `plux.json`, located there.
#[test]
fn resolve_reads_the_index_of_a_non_member_dependency() {
    let project = Project::empty();
    project.write(
        "app/Cargo.toml",
        "[package]\nname = \"app\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
         [dependencies]\nvendored = { path = \"../vendored\" }\n\n[workspace]\n",
    );
    project.write("app/src/main.rs", "fn main() {}\n");
    project.write(
        "vendored/Cargo.toml",
        "[package]\nname = \"vendored\"\nversion = \"1.0.0\"\nedition = \"2024\"\n",
    );
    project.write("vendored/src/lib.rs", "");
    project.write(
        "vendored/plux.json",
        "{\n  \"ns\": [\n    \"a=vendored::A\",\n    \"b=vendored::b [fn]\"\n  ]\n}\n",
    );
    let mut command = project.plux(["list"]);
    let output = command.current_dir(project.join("app")).output().unwrap();
    assert_code(&output, 0);
    let index = project.join("vendored/plux.json");
    assert_eq!(
        stdout(&output),
        format!(
            "ns:a = vendored::A [spec] ({0}:3:5)\nns:b = vendored::b [fn] ({0}:4:5)\n",
            index.display()
        )
    );
    // a malformed index of a dependency is a located error
    project.write(
        "vendored/plux.json",
        "{\"ns\": [\"a=vendored::A; evil()\"]}",
    );
    let output = command.output().unwrap();
    assert_code(&output, 1);
    assert!(
        stderr(&output).contains(&format!(" --> {}:1:9", index.display())),
        "{}",
        stderr(&output)
    );
}

#[test]
fn resolve_suggests_a_close_namespace_when_it_finds_none() {
    let project = Project::fixture("cli-types");
    let output = project
        .plux(["resolve", "--namespace", "my.plugin.cli"])
        .output()
        .unwrap();
    assert_code(&output, 0);
    assert_eq!(
        stderr(&output),
        "note: no plugins in namespace `my.plugin.cli`; did you mean `my.plugins.cli`?\n"
    );
    let output = project
        .plux(["resolve", "--namespace", "completely.other"])
        .output()
        .unwrap();
    assert_eq!(
        stderr(&output),
        "note: no plugins in namespace `completely.other`\n"
    );
}
