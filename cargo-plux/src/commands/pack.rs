//! `cargo plux pack`: build plugin packs and lay out their directories.

use std::path::PathBuf;

use clap::Args;

use crate::args::GlobalArgs;
use crate::shell::Shell;
use plux_build::ops::{self, PackOptions};

/// Build each selected package (a `cdylib`) as a plugin pack: its library, `plux.json` and a
/// manifest with the build fingerprint, in `<out>/<package>/`.
#[derive(Debug, Args)]
#[command(
    after_help = "Install a pack by copying its directory into a directory the host reads packs from (for example one listed in `PLUX_PACK_PATH`). A host loads only packs built with its own toolchain, target, profile and versions of the crates they share."
)]
pub struct PackArgs {
    /// Where pack directories are written [default: <target-dir>/plux-packs]
    #[arg(short, long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Build in release mode (the host's profile must match)
    #[arg(short, long, help_heading = "Build")]
    pub release: bool,
    /// Build with the given profile (the host's profile must match)
    #[arg(
        long,
        value_name = "NAME",
        help_heading = "Build",
        conflicts_with = "release"
    )]
    pub profile: Option<String>,
    /// Features to activate (space- or comma-separated; repeatable)
    #[arg(short = 'F', long, value_name = "FEATURES", help_heading = "Build")]
    pub features: Vec<String>,
    /// Activate all features
    #[arg(long, help_heading = "Build")]
    pub all_features: bool,
    /// Do not activate the `default` feature
    #[arg(long, help_heading = "Build")]
    pub no_default_features: bool,
    /// Build for the target triple (the host's target must match)
    #[arg(long, value_name = "TRIPLE", help_heading = "Build")]
    pub target: Option<String>,
}

impl PackArgs {
    /// The arguments for `cargo build` (the global `--locked`, `--offline`, `--frozen` too).
    fn cargo_args(&self, global: &GlobalArgs) -> Vec<String> {
        let mut args = global.cargo_flags();
        if self.release {
            args.push("--release".to_owned());
        }
        if let Some(profile) = &self.profile {
            args.extend(["--profile".to_owned(), profile.clone()]);
        }
        for features in &self.features {
            args.extend(["--features".to_owned(), features.clone()]);
        }
        if let Some(target) = &self.target {
            args.extend(["--target".to_owned(), target.clone()]);
        }
        for (on, flag) in [
            (self.all_features, "--all-features"),
            (self.no_default_features, "--no-default-features"),
        ] {
            if on {
                args.push(flag.to_owned());
            }
        }
        args
    }
}

/// Runs `pack`.
pub fn exec(args: &PackArgs, global: &GlobalArgs, shell: &Shell) -> anyhow::Result<i32> {
    let options = PackOptions {
        options: global.options(),
        out_dir: args.out.clone(),
        cargo_args: args.cargo_args(global),
        cargo: None,
    };
    let (packed, diagnostics) = ops::pack(&options)?;
    shell.diagnostics(&diagnostics)?;
    for pack in &packed {
        let dir = shell.shown(&pack.dir);
        if shell.json() {
            shell.json_line(&serde_json::json!({
                "reason": "plux-pack",
                "name": pack.manifest.name,
                "version": pack.manifest.version,
                "dir": dir,
                "library": pack.manifest.library,
                "plugins": pack.plugins,
                "fingerprint": pack.manifest.fingerprint,
            }))?;
        } else {
            let plugins = if pack.plugins == 1 {
                "plugin"
            } else {
                "plugins"
            };
            shell.status(
                "Packed",
                &format!(
                    "{} {} ({} {plugins}) in {dir}",
                    pack.manifest.name, pack.manifest.version, pack.plugins
                ),
            );
        }
    }
    Ok(0)
}
