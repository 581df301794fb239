//! What a release and a new user rely on: the weight of a host's dependency graph, and the
//! README's statements about the command line and its configuration.

use std::collections::BTreeSet;
use std::process::Command;

use plux_e2e::{
    Project, assert_code, cargo, cargo_plux_bin, fixture_target_dir, repo_root, stderr, stdout,
};

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

/// The README's section `heading` (up to the next `## `).
fn readme_section(heading: &str) -> String {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = readme
        .find(&format!("\n## {heading}\n"))
        .unwrap_or_else(|| panic!("README.md has no section `{heading}`"));
    let rest = &readme[start + 1..];
    let end = rest[3..].find("\n## ").map_or(rest.len(), |i| i + 3);
    rest[..end].to_owned()
}

/// The cells of each row of the first table in `section` (header and rule left out).
fn table_rows(section: &str) -> Vec<Vec<String>> {
    section
        .lines()
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .skip(2)
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_owned())
                .collect()
        })
        .collect()
}

/// The `code spans` of a table cell made of `[a-z_]` and the characters `also` (so not
/// `"values"` or `file.json`).
fn names(cell: &str, also: &[char]) -> BTreeSet<String> {
    cell.split('`')
        .skip(1)
        .step_by(2)
        .filter(|s| {
            !s.is_empty()
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c == '_' || also.contains(&c))
        })
        .map(str::to_owned)
        .collect()
}

/// The first line of `text` that contains `needle`.
fn line_with<'a>(text: &'a str, needle: &str) -> &'a str {
    text.lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in:\n{text}"))
}

/// `cargo-plux` runs as `cargo plux ...`: cargo finds it on the `PATH` and passes `plux` first.
/// Run directly without that `plux`, it says how to run it instead of clap's "unrecognized
/// subcommand" with cargo's usage.
#[test]
fn cargo_runs_the_binary_with_plux_first_and_a_direct_run_without_it_gets_a_hint() {
    let project = Project::fixture("cli-types");
    let bin = cargo_plux_bin();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let dirs =
        std::iter::once(bin.parent().unwrap().to_path_buf()).chain(std::env::split_paths(&path));
    let output = project
        .cargo(["plux", "entrypoints", "--check"])
        .env("PATH", std::env::join_paths(dirs).unwrap())
        .env("CARGO_TERM_COLOR", "never")
        .output()
        .unwrap();
    assert_code(&output, 0);
    assert!(
        stderr(&output).contains("all up to date"),
        "{}",
        stderr(&output)
    );

    for command in ["entrypoints", "list"] {
        let output = Command::new(bin)
            .args([command, "--check"])
            .current_dir(project.root())
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap();
        assert_code(&output, 2);
        assert_eq!(
            stderr(&output),
            format!(
                "error: `cargo-plux` is cargo's `plux` subcommand; run `cargo plux {command}`, or `cargo-plux plux {command}` when calling the binary directly\n"
            )
        );
    }
    // Anything else is clap's error, as before.
    let output = Command::new(bin).arg("frobnicate").output().unwrap();
    assert_code(&output, 2);
    assert!(
        stderr(&output).starts_with("error: unrecognized subcommand 'frobnicate'"),
        "{}",
        stderr(&output)
    );
}

/// A workspace with one plugin package `p` (plugins at the root, in `public`, in `legacy` and
/// in a `#[cfg(test)]` item) and a host `h` with a committed registry; `extra` goes into the
/// package's `[package.metadata.plux]`.
fn configured(extra: &str) -> Project {
    let project = Project::empty();
    let runtime = repo_root().join("plux-runtime");
    let runtime = runtime.display();
    project.write(
        "Cargo.toml",
        "[workspace]\nresolver = \"3\"\nmembers = [\"p\", \"h\"]\n\n\
         [workspace.metadata.plux]\nexclude = [\"src/legacy.rs\"]\n",
    );
    project.write(
        "p/Cargo.toml",
        &format!(
            "[package]\nname = \"p\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [package.metadata.plux]\n{extra}\n\n\
             [dependencies]\nplux-runtime = {{ path = \"{runtime}\" }}\n"
        ),
    );
    let spec = |name: &str| {
        format!(
            "pub static {}: plux_runtime::PluginSpec<dyn plux_runtime::Plugin> =\n    \
             plux_runtime::PluginSpec::new(\"t.ns\", \"{name}\", || Box::new(crate::S));\n",
            name.to_uppercase()
        )
    };
    project.write(
        "p/src/lib.rs",
        &format!(
            "pub struct S;\nimpl plux_runtime::Plugin for S {{}}\npub mod public;\npub mod legacy;\n{}",
            spec("root")
        ),
    );
    project.write(
        "p/src/public.rs",
        &format!("{}#[cfg(test)]\n{}", spec("public"), spec("tested")),
    );
    project.write("p/src/legacy.rs", &spec("legacy"));
    project.write(
        "h/Cargo.toml",
        &format!(
            "[package]\nname = \"h\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [package.metadata.plux]\nregistry = \"src/plux_registry.rs\"\nmode = \"build\"\n\n\
             [dependencies]\np = {{ path = \"../p\" }}\nplux-runtime = {{ path = \"{runtime}\" }}\n"
        ),
    );
    project.write("h/src/main.rs", "mod plux_registry;\nfn main() {}\n");
    project
}

/// The `name=value [extras]` entries of `p`'s `plux.json` after `entrypoints <args>`.
fn indexed(project: &Project, args: &[&str]) -> Vec<String> {
    let output = project
        .plux(["entrypoints", "--offline"])
        .args(args)
        .output()
        .unwrap();
    assert_code(&output, 0);
    let index: serde_json::Value = serde_json::from_str(&project.read("p/plux.json")).unwrap();
    index["t.ns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e.as_str().unwrap().to_owned())
        .collect()
}

/// The README's configuration section, key by key.
#[test]
fn plux_metadata_keys_do_what_the_readme_says() {
    // `exclude` from the workspace table; `mode = "build"` next to a `registry` changes nothing.
    let project = configured("");
    assert_eq!(
        indexed(&project, &[]),
        ["public=p::public::PUBLIC", "root=p::ROOT"]
    );
    assert!(project.exists("h/src/plux_registry.rs"));
    // Command-line globs add to the configured ones.
    assert_eq!(
        indexed(&project, &["--exclude-glob", "crate::public"]),
        ["root=p::ROOT"]
    );

    // `include` keeps matching modules (and files) only, `exclude` wins over it, and
    // `include_tests` adds `#[cfg(test)]` items, marked.
    let project =
        configured("include = [\"crate::public\", \"src/legacy.rs\"]\ninclude_tests = true");
    assert_eq!(
        indexed(&project, &[]),
        [
            "public=p::public::PUBLIC",
            "tested=p::public::TESTED [cfg(test)]"
        ]
    );

    // `mode` is checked.
    let project = configured("mode = \"manual\"");
    let output = project.plux(["entrypoints", "--offline"]).output().unwrap();
    assert_code(&output, 2);
    assert!(
        stderr(&output).contains("`mode` in `[package.metadata.plux]` of `"),
        "{}",
        stderr(&output)
    );
}

/// The README's table of keys is the list of keys plux knows (the unknown-key warning's).
#[test]
fn the_readme_documents_every_plux_metadata_key() {
    let project = configured("colour = \"blue\"");
    let output = project
        .plux(["discover", "--offline", "--message-format", "json"])
        .output()
        .unwrap();
    assert_code(&output, 0);
    let warning: serde_json::Value =
        serde_json::from_str(line_with(&stdout(&output), "plux-diagnostic")).unwrap();
    let help = warning["help"].as_str().unwrap();
    let known = names(help.strip_prefix("known keys: ").unwrap(), &[]);
    let documented: BTreeSet<String> = table_rows(&readme_section("Configuration"))
        .iter()
        .flat_map(|row| names(&row[0], &[]))
        .collect();
    assert_eq!(documented, known);
}

/// Every JSON object each command prints has exactly the fields the README's table lists for
/// its command and `reason`, and every row of the table is printed by some command.
#[test]
fn every_json_message_has_the_fields_the_readme_lists() {
    let documented: Vec<(BTreeSet<String>, String, BTreeSet<String>)> =
        table_rows(&readme_section("Output for tools: `--message-format json`"))
            .iter()
            .map(|row| {
                let commands = if row[0] == "every command" {
                    BTreeSet::from(["*".to_owned()])
                } else {
                    names(&row[0], &[' ', '-'])
                };
                let reason = row[1].trim_matches('`').to_owned();
                (commands, reason, names(&row[2], &[]))
            })
            .collect();
    assert_eq!(documented.len(), 7, "{documented:?}");

    let project = Project::demo(150);
    // A warning, so that every command prints a diagnostic too.
    project.edit(
        "services/Cargo.toml",
        "[dependencies]",
        "[package.metadata.plux]\ncolour = \"blue\"\n\n[dependencies]",
    );
    let packs = project.join("packs");
    let packs = packs.to_str().unwrap();
    let services = ["--namespace", "localstack.plugins.services"];
    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("entrypoints", vec!["entrypoints"]),
        ("discover", vec!["discover"]),
        ("show", vec!["show", "-p", "services"]),
        ("list", vec!["list", "-p", "host"]),
        (
            "resolve",
            [&["resolve", "-p", "host"][..], &services].concat(),
        ),
        ("pack", vec!["pack", "-p", "ext", "--out", packs]),
        ("list --packs", vec!["list", "--packs", packs]),
        (
            "resolve --packs",
            [&["resolve", "--packs", packs][..], &services].concat(),
        ),
    ];
    let mut printed = BTreeSet::new();
    for (label, args) in &runs {
        let output = project
            .plux(args)
            .args(["--offline", "--message-format", "json"])
            .env("CARGO_TARGET_DIR", fixture_target_dir())
            .env_remove("RUSTFLAGS")
            .output()
            .unwrap();
        assert_code(&output, 0);
        let text = stdout(&output);
        assert!(!text.is_empty(), "`{label}` printed nothing");
        for line in text.lines() {
            let object: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(line).unwrap_or_else(|e| panic!("{label}: {line}: {e}"));
            let reason = object["reason"].as_str().unwrap();
            let fields: BTreeSet<String> =
                object.keys().filter(|k| *k != "reason").cloned().collect();
            let row = documented
                .iter()
                .position(|(commands, r, _)| {
                    r == reason && (commands.contains(*label) || commands.contains("*"))
                })
                .unwrap_or_else(|| panic!("`{label}` printed an undocumented `{reason}`: {line}"));
            assert_eq!(fields, documented[row].2, "`{label}`: {line}");
            printed.insert(row);
        }
    }
    assert_eq!(printed.len(), documented.len(), "rows never printed");
    let commands: BTreeSet<&str> = documented
        .iter()
        .flat_map(|(commands, _, _)| commands.iter().map(String::as_str))
        .collect();
    let ran: BTreeSet<&str> = runs.iter().map(|(label, _)| *label).chain(["*"]).collect();
    assert_eq!(commands, ran);
}
