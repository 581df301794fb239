//! `cargo plux discover [--format json|ini] [-o FILE] [--path DIR]`.

use std::path::PathBuf;

use clap::Args;

use crate::args::{Format, GlobalArgs};
use crate::shell::Shell;
use plux_build::ops::{self, DiscoverOptions};

/// Discover plugins and print the index.
#[derive(Debug, Args)]
#[command(after_help = "\
The index lists the plugins of the selected packages' library targets: what `entrypoints` writes \
to each `plux.json`, and all that other crates can reach. Plugins declared in binary targets \
(`crate::` paths) are on purpose not in it; `cargo plux list` shows them.

When a file cannot be read, its plugins are missing: the index of everything else is still \
printed and the exit status is 1; with `-o`, nothing is written.")]
pub struct DiscoverArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value = "json")]
    pub format: Format,
    /// Write to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Scan this directory instead of the selected packages
    #[arg(long, value_name = "DIR")]
    pub path: Option<PathBuf>,
    /// The crate name paths start with under `--path`, an identifier (`r#type` for a keyword;
    /// default: the package or directory name)
    #[arg(long, value_name = "NAME", requires = "path")]
    pub crate_name: Option<String>,
}

/// Runs `discover`.
pub fn exec(args: &DiscoverArgs, global: &GlobalArgs, shell: &Shell) -> anyhow::Result<i32> {
    let options = DiscoverOptions {
        options: global.options(),
        path: args.path.clone(),
        crate_name: args.crate_name.clone(),
    };
    let (index, diagnostics) = ops::discover(&options)?;
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    if errors > 0 && args.output.is_some() {
        // A file is an artifact others use: nothing is written when part of it is missing.
        return Err(plux_build::Error::Diagnostics(diagnostics).into());
    }
    shell.diagnostics(&diagnostics)?;
    let text = super::render(&index, args.format);
    match &args.output {
        Some(path) => {
            super::write_file(path, &text)?;
            shell.status(
                "Wrote",
                &format!("{} plugin(s) to {}", index.len(), shell.shown(path)),
            );
        }
        None if shell.json() => {
            // json: the index as an object; ini: as text
            let index = match args.format {
                Format::Json => serde_json::from_str(&text)?,
                Format::Ini => serde_json::Value::String(text),
            };
            shell.json_line(&serde_json::json!({ "reason": "plux-index", "index": index }))?;
        }
        None => super::print(&text)?,
    }
    Ok(super::partial(
        shell,
        errors,
        "the index printed leaves out",
    ))
}
