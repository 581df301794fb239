//! The `cargo plux` command line: a thin layer over [`plux_build::ops`] that parses arguments,
//! prints results and diagnostics, and maps outcomes to exit codes.
//!
//! Exit codes: 0 success; 1 a check found something stale or a diagnostic was an error;
//! 2 bad usage or configuration. A closed stdout (`cargo plux list | head`) exits 0.

mod args;
mod commands;
mod shell;

use std::ffi::OsStr;
use std::io::{self, Write};

use clap::{CommandFactory, Parser};

pub use args::{Cli, Command, PluxArgs};
use shell::Shell;

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let Cli::Plux(args) = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            if let Some(hint) = without_plux(std::env::args_os().nth(1).as_deref()) {
                let _ = writeln!(io::stderr(), "error: {hint}");
                return 2;
            }
            let _ = e.print();
            return e.exit_code();
        }
    };
    let shell = Shell::new(&args.global);
    match commands::exec(args.command, &args.global, &shell) {
        Ok(code) => code,
        Err(error) => report(&shell, &error),
    }
}

/// The hint for `cargo-plux <command>` run without the `plux` that cargo passes (clap alone
/// would say "unrecognized subcommand" and show cargo's usage).
fn without_plux(first: Option<&OsStr>) -> Option<String> {
    let name = first?.to_str()?;
    let cli = Cli::command();
    let command = cli.find_subcommand("plux")?.find_subcommand(name)?;
    let name = command.get_name();
    Some(format!(
        "`cargo-plux` is cargo's `plux` subcommand; run `cargo plux {name}`, or `cargo-plux plux {name}` when calling the binary directly"
    ))
}

/// Prints an error and returns its exit code.
fn report(shell: &Shell, error: &anyhow::Error) -> i32 {
    let broken_pipe = error.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
    });
    if broken_pipe {
        return 0;
    }
    let build_error = error
        .chain()
        .find_map(|c| c.downcast_ref::<plux_build::Error>());
    if let Some(plux_build::Error::Diagnostics(diagnostics)) = build_error
        && shell.diagnostics(diagnostics).is_err()
    {
        return 0;
    }
    shell.error(error);
    match build_error {
        Some(plux_build::Error::Config(_)) => 2,
        _ => 1,
    }
}

#[cfg(test)]
mod tests;
