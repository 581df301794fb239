//! One module per subcommand, each with its `Args` and an `exec` returning the exit code.

pub mod discover;
pub mod entrypoints;
pub mod list;
pub mod pack;
pub mod show;

use std::io::Write;
use std::path::Path;

use anyhow::Context as _;

use crate::args::{Command, Format, GlobalArgs};
use crate::shell::Shell;
use plux_build::index::Index;

/// Runs a command.
pub fn exec(command: Command, global: &GlobalArgs, shell: &Shell) -> anyhow::Result<i32> {
    match command {
        Command::Entrypoints(args) => entrypoints::exec(&args, global, shell),
        Command::Discover(args) => discover::exec(&args, global, shell),
        Command::Show(args) => show::exec(&args, global, shell),
        Command::Resolve(args) => list::exec_resolve(&args, global, shell),
        Command::List(args) => list::exec(&args, global, shell),
        Command::Pack(args) => pack::exec(&args, global, shell),
    }
}

/// An index in the chosen format.
pub fn render(index: &Index, format: Format) -> String {
    match format {
        Format::Json => index.render(),
        Format::Ini => index.render_ini(),
    }
}

/// The exit status of a command that printed what it could read despite `errors` error
/// diagnostics (printed already): 0 without errors, else 1 after a closing line saying that
/// `what` what the errors affect.
pub fn partial(shell: &Shell, errors: usize, what: &str) -> i32 {
    if errors == 0 {
        return 0;
    }
    let cause = match errors {
        1 => "the error above affects".to_owned(),
        n => format!("the {n} errors above affect"),
    };
    shell.error(&anyhow::anyhow!("{what} what {cause}"));
    1
}

/// Writes text to stdout.
pub fn print(text: &str) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .context("cannot write to stdout")
}

/// Writes text to a file (atomically, only when changed).
pub fn write_file(path: &Path, text: &str) -> anyhow::Result<bool> {
    Ok(plux_build::index::write_if_changed(path, text.as_bytes())?)
}
