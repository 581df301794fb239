//! `cargo plux show [--format json|ini]`.

use clap::Args;

use crate::args::{Format, GlobalArgs};
use crate::shell::Shell;
use plux_build::index::Index;
use plux_build::ops;

/// Print the committed `plux.json` of the selected packages.
#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Output format
    #[arg(short, long, value_enum, default_value = "json")]
    pub format: Format,
}

/// Runs `show`: the selected packages' committed indexes, merged.
pub fn exec(args: &ShowArgs, global: &GlobalArgs, shell: &Shell) -> anyhow::Result<i32> {
    let (shown, diagnostics) = ops::show(&global.selection())?;
    shell.diagnostics(&diagnostics)?;
    let mut merged = Index::new();
    for package in &shown {
        match &package.index {
            Some(index) => {
                shell.verbose_status("Reading", &shell.shown(&package.path));
                if shell.json() {
                    let value: serde_json::Value = serde_json::from_str(&index.render())?;
                    shell.json_line(&serde_json::json!({
                        "reason": "plux-index",
                        "package": package.package,
                        "path": shell.shown(&package.path),
                        "index": value,
                    }))?;
                }
                merged.extend(index);
            }
            None => shell.note(&format!(
                "package `{}` has no `plux.json`: its library declares no plugins, or `cargo plux entrypoints` has not run since it does",
                package.package
            )),
        }
    }
    if !shell.json() && shown.iter().any(|p| p.index.is_some()) {
        super::print(&super::render(&merged, args.format))?;
    }
    Ok(0)
}
