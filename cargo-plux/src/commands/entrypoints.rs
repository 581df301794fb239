//! `cargo plux entrypoints [--check]`.

use std::path::Path;

use clap::Args;

use crate::args::GlobalArgs;
use crate::shell::Shell;
use plux_build::ops::{self, FileStatus};

/// Discover plugins and write each package's `plux.json` and configured registry files.
#[derive(Debug, Args)]
pub struct EntrypointsArgs {
    /// Write nothing; exit 1 with a diff when a file is stale (for CI)
    #[arg(long)]
    pub check: bool,
}

/// Runs `entrypoints`.
pub fn exec(args: &EntrypointsArgs, global: &GlobalArgs, shell: &Shell) -> anyhow::Result<i32> {
    let report = ops::entrypoints(&global.options(), args.check)?;
    shell.diagnostics(&report.diagnostics)?;
    let mut stale = 0;
    for file in &report.files {
        let shown = shell.shown(&file.path);
        let diff = file.diff(Path::new(&shown));
        let status = match &file.status {
            FileStatus::Unchanged => "unchanged",
            FileStatus::Written => "written",
            FileStatus::Stale { .. } => "stale",
        };
        if shell.json() {
            shell.json_line(&serde_json::json!({
                "reason": "plux-file",
                "path": shown,
                "status": status,
                "diff": diff,
            }))?;
            stale += usize::from(diff.is_some());
            continue;
        }
        match (&file.status, diff) {
            (_, Some(diff)) => {
                stale += 1;
                super::print(&diff)?;
            }
            (FileStatus::Written, None) => shell.status("Wrote", &shown),
            _ => shell.verbose_status("Fresh", &shown),
        }
    }
    if stale > 0 {
        let what = if stale == 1 { "file is" } else { "files are" };
        shell.error(&anyhow::anyhow!(
            "{stale} generated {what} stale; run `cargo plux entrypoints`"
        ));
        return Ok(1);
    }
    if report.files.is_empty() {
        shell.note("no plugins found in the selected packages; nothing to write");
    } else if args.check {
        shell.status(
            "Checked",
            &format!("{} file(s), all up to date", report.files.len()),
        );
    } else {
        shell.status(
            "Finished",
            &format!(
                "{} plugin(s) in {} file(s)",
                report.plugins,
                report.files.len()
            ),
        );
    }
    Ok(0)
}
