#![allow(clippy::unwrap_used)]

use clap::CommandFactory;

use super::*;

#[test]
fn cli_is_consistent() {
    Cli::command().debug_assert();
}

fn help(path: &[&str]) -> String {
    let mut command = Cli::command();
    command.build();
    let mut current = &mut command;
    for name in path {
        current = current.find_subcommand_mut(name).unwrap();
    }
    current.render_long_help().to_string()
}

#[test]
fn help_snapshot() {
    insta::assert_snapshot!("plux_help", help(&["plux"]));
    insta::assert_snapshot!("entrypoints_help", help(&["plux", "entrypoints"]));
    insta::assert_snapshot!("discover_help", help(&["plux", "discover"]));
    insta::assert_snapshot!("pack_help", help(&["plux", "pack"]));
}

#[test]
fn exclude_without_workspace_is_a_usage_error() {
    let error = Cli::try_parse_from(["cargo", "plux", "--exclude", "a", "list"]).unwrap_err();
    assert_eq!(error.exit_code(), 2);
}

#[test]
fn global_flags_work_after_the_subcommand() {
    let Cli::Plux(args) = Cli::try_parse_from([
        "cargo",
        "plux",
        "entrypoints",
        "--check",
        "-p",
        "a",
        "-p",
        "b",
        "--exclude-glob",
        "src/x/**",
    ])
    .unwrap();
    assert_eq!(args.global.packages, ["a", "b"]);
    assert_eq!(args.global.exclude_glob, ["src/x/**"]);
    assert!(matches!(args.command, Command::Entrypoints(ref e) if e.check));
}

#[test]
fn errors_print_their_cause_chain_once() {
    let io = std::io::Error::new(std::io::ErrorKind::NotFound, "gone");
    let error = anyhow::Error::from(plux_build::Error::io("read", "a/plux.json", io));
    assert_eq!(
        Shell::plain().error_text(&error),
        "error: cannot read `a/plux.json`: gone"
    );
    let error = anyhow::anyhow!("inner").context("outer");
    assert_eq!(
        Shell::plain().error_text(&error),
        "error: outer\n\nCaused by:\n  inner"
    );
}

#[test]
fn terminal_text_escapes_what_acts_on_a_terminal() {
    use crate::shell::{safe, safe_line};
    assert_eq!(safe("plain text\nnext line"), "plain text\nnext line");
    assert_eq!(safe("a\u{1b}[31mb"), "a\\u{1b}[31mb");
    assert_eq!(safe("ab\u{202e}cd\u{2066}"), "ab\\u{202e}cd\\u{2066}");
    assert_eq!(safe("tab\there\u{7f}\u{85}"), "tab\\there\\u{7f}\\u{85}");
    assert_eq!(safe_line("file\nname.rs"), "file\\nname.rs");
    assert!(matches!(safe("é ü 中"), std::borrow::Cow::Borrowed(_)));
}
