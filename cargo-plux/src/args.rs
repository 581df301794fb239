//! Command-line arguments (clap derive).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::commands::{discover, entrypoints, list, pack, show};

/// cargo invokes `cargo-plux plux <args>`.
#[derive(Debug, Parser)]
#[command(bin_name = "cargo", version, styles = clap::builder::Styles::plain())]
pub enum Cli {
    /// Find plugins in a cargo workspace and write their `plux.json` index.
    Plux(PluxArgs),
}

/// `cargo plux`.
#[derive(Debug, Args)]
#[command(
    version,
    display_name = "cargo-plux",
    about = "Find plugins in a cargo workspace and write their `plux.json` index",
    after_help = "Exit status: 0 success, 1 something is stale or an error was found, 2 bad usage or configuration."
)]
pub struct PluxArgs {
    /// Options every command takes.
    #[command(flatten)]
    pub global: GlobalArgs,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Discover plugins and write each package's `plux.json` and configured registry files
    Entrypoints(entrypoints::EntrypointsArgs),
    /// Discover plugins and print the index
    Discover(discover::DiscoverArgs),
    /// Print the committed `plux.json` of the selected packages
    Show(show::ShowArgs),
    /// List the plugins of one namespace, with where each is declared
    Resolve(list::ResolveArgs),
    /// List all plugins by namespace, with where each is declared
    List(list::ListArgs),
    /// Build plugin packs: a `cdylib`, its `plux.json` and a manifest, for hosts to load at run time
    Pack(pack::PackArgs),
}

/// Output format of diagnostics and results.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum MessageFormat {
    /// Human-readable text (diagnostics like rustc's, on stderr).
    Human,
    /// One JSON object per line on stdout.
    Json,
}

/// When to color output.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// Color when stderr is a terminal.
    Auto,
    /// Always color.
    Always,
    /// Never color.
    Never,
}

/// Index output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// `plux.json`: namespace → sorted array of `name=value` entries.
    Json,
    /// The entry-points INI format of the Python tool: `[namespace]` sections, `name = value`.
    Ini,
}

/// Options every command takes (cargo's names where cargo has one).
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// Path to Cargo.toml
    #[arg(
        long,
        value_name = "PATH",
        global = true,
        help_heading = "Package Selection"
    )]
    pub manifest_path: Option<PathBuf>,
    /// Package(s) to work on (repeatable; globs allowed)
    #[arg(
        short = 'p',
        long = "package",
        value_name = "SPEC",
        global = true,
        help_heading = "Package Selection"
    )]
    pub packages: Vec<String>,
    /// Work on all packages in the workspace
    #[arg(long, global = true, help_heading = "Package Selection")]
    pub workspace: bool,
    /// Exclude packages from `--workspace` (repeatable; globs allowed)
    #[arg(
        long,
        value_name = "SPEC",
        global = true,
        help_heading = "Package Selection",
        requires = "workspace"
    )]
    pub exclude: Vec<String>,
    /// Only take plugins from files or modules matching this glob: a path relative to the
    /// package (`src/net/**`) or a module path (`crate::net::*`) (repeatable; adds to `include`
    /// in `[package.metadata.plux]`)
    #[arg(long, value_name = "GLOB", global = true, help_heading = "Scanning")]
    pub include_glob: Vec<String>,
    /// Do not scan files or modules matching this glob, written like `--include-glob`
    /// (repeatable; adds to `exclude` in `[package.metadata.plux]`; `--exclude` is cargo's, for
    /// packages)
    #[arg(long, value_name = "GLOB", global = true, help_heading = "Scanning")]
    pub exclude_glob: Vec<String>,
    /// Assert that `Cargo.lock` will remain unchanged (passed to cargo)
    #[arg(long, global = true, help_heading = "Manifest Options")]
    pub locked: bool,
    /// Run without accessing the network (passed to cargo)
    #[arg(long, global = true, help_heading = "Manifest Options")]
    pub offline: bool,
    /// Equivalent to specifying both `--locked` and `--offline` (passed to cargo)
    #[arg(long, global = true, help_heading = "Manifest Options")]
    pub frozen: bool,
    /// Use verbose output (also list files that are up to date)
    #[arg(short, long, action = clap::ArgAction::Count, global = true, help_heading = "Output")]
    pub verbose: u8,
    /// Do not print status messages (diagnostics and results are still printed)
    #[arg(
        short,
        long,
        global = true,
        help_heading = "Output",
        conflicts_with = "verbose"
    )]
    pub quiet: bool,
    /// Coloring
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        global = true,
        help_heading = "Output"
    )]
    pub color: Option<ColorChoice>,
    /// How diagnostics and results are printed
    #[arg(
        long,
        value_enum,
        value_name = "FMT",
        default_value = "human",
        global = true,
        help_heading = "Output"
    )]
    pub message_format: MessageFormat,
}

impl GlobalArgs {
    /// The operations' shared options.
    pub fn options(&self) -> plux_build::ops::Options {
        plux_build::ops::Options {
            selection: self.selection(),
            include: self.include_glob.clone(),
            exclude: self.exclude_glob.clone(),
            on_wait: Some(|path| {
                eprintln!(
                    "{:>12} waiting for file lock on {}",
                    "Blocking",
                    path.display()
                );
            }),
        }
    }

    /// The package selection.
    pub fn selection(&self) -> plux_build::workspace::Selection {
        plux_build::workspace::Selection {
            manifest_path: self.manifest_path.clone(),
            packages: self.packages.clone(),
            workspace: self.workspace,
            exclude: self.exclude.clone(),
            cargo_flags: self.cargo_flags(),
        }
    }

    /// `--locked`, `--offline`, `--frozen` as given, for cargo.
    pub fn cargo_flags(&self) -> Vec<String> {
        [
            (self.locked, "--locked"),
            (self.offline, "--offline"),
            (self.frozen, "--frozen"),
        ]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, flag)| flag.to_owned())
        .collect()
    }
}
