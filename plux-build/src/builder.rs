//! The build.rs entry point: generate the host's registry into `$OUT_DIR/plux/registry.rs`.
//!
//! The host's `Cargo.toml` takes the crate without its default `cli` feature (the commands and
//! the rayon scan pool), so a build script compiles, and cargo fingerprints, fewer crates:
//!
//! ```toml
//! [build-dependencies]
//! plux-build = { version = "0.1", default-features = false }
//! ```
//!
//! The whole `build.rs` of a host, `fn main() { plux_build::build(); }`, runs:
//!
//! ```no_run
//! plux_build::build();
//! ```
//!
//! and in the host's `main.rs` (or `lib.rs`):
//!
//! ```ignore
//! plux_runtime::include_registry!();
//!
//! fn main() {
//!     plux_runtime::install(&REGISTRY);
//! }
//! ```
//!
//! Workspace members are scanned (so a plugin added anywhere in the workspace is registered
//! by the next build), other dependencies contribute their shipped `plux.json`.
//!
//! The build script runs `cargo metadata --frozen --filter-platform $TARGET` (it reads the
//! lock file and the sources cargo already has; it takes no lock that the running build holds,
//! so it neither deadlocks nor touches the network; when that fails, it retries with
//! `--locked`). It prints `cargo:rerun-if-changed` for every scanned source file, module-tree
//! directory and `plux.json` it read, the `Cargo.toml` of the host, of every package whose
//! plugins it registers (their `[package.metadata.plux]` says what is scanned) and of the
//! workspace (`[workspace.metadata.plux]`), and the `Cargo.lock` (the dependency graph), so the
//! script re-runs exactly when its output can change; and `cargo:rustc-env=PLUX_REGISTRY=<path>`
//! (`PLUX_PACK` for a pack), where `include_registry!()` finds the file. Nothing else. A path with a line
//! break, which cargo's directive lines cannot carry, is an error rather than a directive. It only writes into `$OUT_DIR/plux`: `registry.rs`, only when its content changes,
//! and the scan cache `scan-cache-v1` (see [`crate::scan::Cache`]; per-file results re-used
//! while a file is unchanged, so a re-run scans only what changed; it never changes a result and
//! is not an input, so no `cargo:rerun-if-changed` line names it).
//!
//! Where `cfg`s are evaluated: see [`crate::codegen`] (by the crate that declares the plugin,
//! through the generated code, never by the build script).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process;

use cargo_metadata::{Metadata, MetadataCommand};

use crate::codegen::graph::canonical;
use crate::codegen::{Members, collect, collect_own};
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::index::write_if_changed;
use crate::scan::Cache;

/// Configures and runs registry generation from a build script.
#[derive(Clone, Debug, Default)]
pub struct Builder {
    manifest_dir: Option<PathBuf>,
    out_dir: Option<PathBuf>,
    cargo: Option<PathBuf>,
    pack: bool,
}

/// What a [`Builder`] produced.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The registry file: `$OUT_DIR/plux/registry.rs` (`pack.rs` for a pack).
    pub registry: PathBuf,
    /// Whether the file was (re)written; `false` when it already held this content.
    pub written: bool,
    /// The inputs a `cargo:rerun-if-changed` line is printed for, sorted.
    pub inputs: Vec<PathBuf>,
    /// Warnings met on the way.
    pub warnings: Vec<Diagnostic>,
}

impl Builder {
    /// A builder reading `CARGO_MANIFEST_DIR`, `OUT_DIR`, `CARGO` and `TARGET` from the
    /// environment cargo gives build scripts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Uses `dir` as the host package directory instead of `CARGO_MANIFEST_DIR`.
    #[must_use]
    pub fn manifest_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.manifest_dir = Some(dir.into());
        self
    }

    /// Uses `dir` instead of `OUT_DIR`; the registry goes to `dir/plux/registry.rs`, the scan
    /// cache to `dir/plux/scan-cache-v1`.
    #[must_use]
    pub fn out_dir(mut self, dir: impl Into<PathBuf>) -> Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Uses this `cargo` binary instead of `$CARGO` (or `cargo` on `PATH`).
    #[must_use]
    pub fn cargo(mut self, cargo: impl Into<PathBuf>) -> Self {
        self.cargo = Some(cargo.into());
        self
    }

    /// Generates a plugin pack's registry instead of a host's: the package's own plugins only
    /// (its dependencies' plugins are the host's), written to `$OUT_DIR/plux/pack.rs` for
    /// `plux_runtime::include_pack!()`.
    #[must_use]
    pub fn pack(mut self) -> Self {
        self.pack = true;
        self
    }

    /// Generates the registry without printing anything.
    pub fn generate(&self) -> Result<Generated> {
        let manifest_dir = match &self.manifest_dir {
            Some(dir) => dir.clone(),
            None => env_path("CARGO_MANIFEST_DIR")?,
        };
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => env_path("OUT_DIR")?,
        };
        let manifest = manifest_dir.join("Cargo.toml");
        let wanted = canonical(&manifest);
        let find = |metadata: &Metadata| {
            metadata
                .packages
                .iter()
                .position(|p| canonical(p.manifest_path.as_std_path()) == wanted)
        };
        let mut metadata = self.metadata(&manifest, &[])?;
        // `cargo metadata` resolves with default features; when this build enables more
        // features of the host (which may add optional dependencies), resolve again with them.
        if let Some(host) = find(&metadata).map(|i| &metadata.packages[i]) {
            let extra = extra_features(host);
            if !extra.is_empty() {
                metadata = self.metadata(&manifest, &extra)?;
            }
        }
        let host = find(&metadata)
            .map(|i| &metadata.packages[i])
            .ok_or_else(|| {
                Error::Config(format!(
                    "`cargo metadata` does not list the package of `{}`",
                    manifest.display()
                ))
            })?;
        // A build script may write only into `OUT_DIR`, so its scan cache lives there.
        let cache = Cache::new(out_dir.join("plux").join("scan-cache-v1"));
        let collected = if self.pack {
            collect_own(&metadata, host, Some(&cache))
        } else {
            collect(&metadata, host, Members::Scan, Some(&cache))
        };
        cache.tidy();
        let collected = collected?;
        let source = collected.render()?;
        let file = if self.pack { "pack.rs" } else { "registry.rs" };
        let registry = out_dir.join("plux").join(file);
        let written = write_if_changed(&registry, source.as_bytes())?;
        let mut inputs: Vec<PathBuf> = collected
            .files
            .iter()
            .chain(&collected.dirs)
            .cloned()
            .collect();
        inputs.push(manifest);
        // The manifests of every package whose plugins are in the registry (their
        // `[package.metadata.plux]` says what is scanned) and the workspace's (its
        // `[workspace.metadata.plux]`, its members).
        inputs.extend(collected.manifests.iter().cloned());
        inputs.push(metadata.workspace_root.as_std_path().join("Cargo.toml"));
        let lock = metadata.workspace_root.as_std_path().join("Cargo.lock");
        if lock.is_file() {
            inputs.push(lock);
        }
        inputs.sort();
        inputs.dedup();
        // A line break would end the `cargo:rerun-if-changed=` line and start another
        // directive of the file name's making; cargo has no way to express such a path.
        if let Some(bad) = inputs.iter().chain([&registry]).find(|p| {
            p.as_os_str()
                .as_encoded_bytes()
                .iter()
                .any(|b| matches!(b, b'\n' | b'\r'))
        }) {
            return Err(Error::Config(format!(
                "cannot tell cargo to watch `{}`: its path has a line break, which a build script cannot print to cargo; rename it",
                bad.display().to_string().escape_debug()
            )));
        }
        Ok(Generated {
            registry,
            written,
            inputs,
            warnings: collected.diagnostics,
        })
    }

    /// Generates the registry and prints the build script directives: a
    /// `cargo:rerun-if-changed` line per input and a `cargo:warning` line per warning.
    pub fn build(&self) -> Result<Generated> {
        let generated = self.generate()?;
        for input in &generated.inputs {
            println!("cargo:rerun-if-changed={}", input.display());
        }
        // Where `include_registry!()` / `include_pack!()` find the file (a package without a
        // build script that sets it gets their message saying what to add).
        let var = if self.pack {
            "PLUX_PACK"
        } else {
            "PLUX_REGISTRY"
        };
        println!("cargo:rustc-env={var}={}", generated.registry.display());
        for warning in &generated.warnings {
            for line in warning.to_string().lines() {
                println!("cargo:warning={line}");
            }
        }
        Ok(generated)
    }

    fn metadata(&self, manifest: &Path, features: &[String]) -> Result<Metadata> {
        let cargo = match &self.cargo {
            Some(cargo) => cargo.clone(),
            None => std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from),
        };
        let target = std::env::var("TARGET").ok();
        let run = |lock: &str| {
            let mut options = vec![lock.to_owned()];
            if !features.is_empty() {
                options.extend(["--features".to_owned(), features.join(",")]);
            }
            if let Some(target) = &target {
                options.extend(["--filter-platform".to_owned(), target.clone()]);
            }
            MetadataCommand::new()
                .cargo_path(&cargo)
                .manifest_path(manifest)
                .other_options(options)
                .exec()
        };
        run("--frozen").or_else(|first| {
            run("--locked").map_err(|second| {
                Error::Config(format!(
                    "`cargo metadata` failed for `{}`: {first}; with network access: {second}",
                    manifest.display()
                ))
            })
        })
    }
}

/// The one-line build.rs entry point: [`Builder::new`]`().build()`; on failure prints
/// `plux error: ...` and every diagnostic to stderr and exits with status 1 (no panic).
pub fn build() {
    if let Err(error) = Builder::new().build() {
        report(&error);
        process::exit(1);
    }
}

/// The one-line build.rs entry point of a plugin pack: [`Builder::new`]`().pack().build()`,
/// failing like [`build`]. The pack's `lib.rs` then calls `plux_runtime::include_pack!()`.
///
/// ```no_run
/// // build.rs of a pack crate (`crate-type = ["cdylib"]`)
/// plux_build::pack();
/// ```
pub fn pack() {
    if let Err(error) = Builder::new().pack().build() {
        report(&error);
        process::exit(1);
    }
}

fn report(error: &Error) {
    eprintln!("plux error: {error}");
    if let Error::Diagnostics(diagnostics) = error {
        for diagnostic in diagnostics {
            eprintln!("{diagnostic}");
        }
    }
}

/// The host features this build enables (`CARGO_FEATURE_*`) beyond those `default` implies,
/// qualified with the package name for `cargo metadata --features`.
fn extra_features(host: &cargo_metadata::Package) -> Vec<String> {
    let mut implied = BTreeSet::new();
    let mut stack = vec!["default".to_owned()];
    while let Some(feature) = stack.pop() {
        if implied.insert(feature.clone()) {
            for value in host.features.get(&feature).into_iter().flatten() {
                if host.features.contains_key(value) {
                    stack.push(value.clone());
                }
            }
        }
    }
    host.features
        .keys()
        .filter(|f| !implied.contains(*f))
        .filter(|f| {
            let var = format!("CARGO_FEATURE_{}", f.to_uppercase().replace('-', "_"));
            std::env::var_os(var).is_some()
        })
        .map(|f| format!("{}/{f}", host.name))
        .collect()
}

fn env_path(name: &str) -> Result<PathBuf> {
    std::env::var_os(name).filter(|v| !v.is_empty()).map(PathBuf::from).ok_or_else(|| {
        Error::Config(format!("environment variable `{name}` is not set; call `plux_build::build()` from a build script"))
    })
}
