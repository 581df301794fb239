//! The operations behind `cargo plux`: [`entrypoints`] (write or `--check` every generated
//! file), [`discover`], [`show`], [`list`] (`list`/`resolve`) and [`pack`]. The command line only parses
//! arguments and prints what these return.
//!
//! Each package's `plux.json` lists the plugins of its library target: the only ones other
//! crates can reach. Binary targets are scanned too (their problems and duplicates are
//! reported, and `list` shows their plugins), but their `crate::` paths stay out of the index.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use crate::check;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::index::{self, Index};
use crate::model::Declaration;
use crate::scan::{self, CrateTarget, ScanOptions, TargetKind};
use crate::workspace::{Package, Selection, Workspace};

mod list;
mod lock;
mod pack;

pub use list::{Listed, list};
pub use pack::{PackOptions, Packed, installed_packs, pack};

/// Options every operation shares.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Which packages.
    pub selection: Selection,
    /// `--include-glob`: added to the configured `include` globs.
    pub include: Vec<String>,
    /// `--exclude-glob`: added to the configured `exclude` globs.
    pub exclude: Vec<String>,
    /// Called with the lock file when [`entrypoints`] waits for another run of it on the same
    /// workspace (the command line says so, like cargo's "Blocking waiting for file lock").
    pub on_wait: Option<fn(&Path)>,
}

/// What a scan of one package found.
#[derive(Clone, Debug)]
pub struct PackageScan {
    /// The package.
    pub package: Package,
    /// Declarations of the lib target (what goes into `plux.json`).
    pub lib: Vec<Declaration>,
    /// Declarations of the bin targets (`crate::` paths).
    pub bins: Vec<Declaration>,
    /// Problems found, sorted by location.
    pub diagnostics: Vec<Diagnostic>,
    /// Every source file read.
    pub files: Vec<PathBuf>,
}

impl PackageScan {
    /// The package's index (its lib declarations).
    pub fn index(&self) -> Index {
        Index::from_declarations(&self.lib)
    }
}

fn scan_options(config: &Config, options: &Options) -> Result<ScanOptions> {
    let mut config = config.clone();
    config.add_globs(&options.include, &options.exclude)?;
    Ok(ScanOptions {
        exclude: config.scan_exclude(),
        include: config.include,
        include_tests: config.include_tests,
    })
}

/// Scans the lib and bin targets of one package and checks duplicates within it.
pub fn scan_package(package: &Package, options: &Options) -> Result<PackageScan> {
    scan_package_in(package, options, None)
}

/// [`scan_package`], with the scan cache `cache` (see [`scan::Cache`]).
fn scan_package_in(
    package: &Package,
    options: &Options,
    cache: Option<&scan::Cache>,
) -> Result<PackageScan> {
    let scan_options = scan_options(&package.config, options)?;
    let mut out = PackageScan {
        package: package.clone(),
        lib: Vec::new(),
        bins: Vec::new(),
        diagnostics: Vec::new(),
        files: Vec::new(),
    };
    let mut targets = Vec::new();
    let mut scans = Vec::new();
    // One listing per directory for the targets' module-file probes and the unreached pass.
    let listings = Arc::new(scan::Listings::new(cache.is_some()));
    for target in &package.targets {
        let crate_target = CrateTarget {
            crate_name: target.crate_name.clone(),
            kind: if target.is_lib {
                TargetKind::Lib
            } else {
                TargetKind::Bin
            },
            root: target.root.clone(),
            package_root: package.root.clone(),
        };
        let found = scan::scan_target_listed(&crate_target, &scan_options, cache, &listings)?;
        targets.push(crate_target);
        scans.push(found);
    }
    // Files under the targets' directories that none of them reaches, and mention plugins.
    let all: Vec<&scan::ScanOutput> = scans.iter().collect();
    out.diagnostics.extend(scan::unreached_cached(
        &targets,
        &scan_options,
        &all,
        cache,
        &listings,
    )?);
    for (target, found) in package.targets.iter().zip(scans) {
        if target.is_lib {
            out.lib.extend(found.declarations);
        } else {
            out.bins.extend(found.declarations);
        }
        out.diagnostics.extend(found.diagnostics);
        out.files.extend(found.files);
    }
    // A bin declares its own plugins or re-uses the lib's, so duplicates are checked within the
    // lib and within each bin together with the lib.
    let mut all = out.lib.clone();
    all.extend(out.bins.iter().cloned());
    out.diagnostics.extend(scan::duplicates(&all));
    scan::sort_diagnostics(&mut out.diagnostics);
    out.files.sort();
    out.files.dedup();
    Ok(out)
}

/// Loads the workspace and scans every selected package (in parallel; results in cargo's
/// order). Warnings of the workspace (config) come first in the returned diagnostics.
///
/// Per-file results are cached in `<target-dir>/plux/scan-cache-v1/<workspace scope>`
/// ([`scan::Cache`]), tidied at the end; the cache only saves time, it never changes what is
/// found.
pub fn scan_workspace(options: &Options) -> Result<(Workspace, Vec<PackageScan>)> {
    // Reading the scan cache and checking what it depends on takes about as long as
    // `cargo metadata`, and needs only the target directory: where it most likely is. It is
    // read on the cores `cargo metadata` leaves free (on two cores, one thread: a second one
    // would only slow `cargo metadata` down), then on this thread too.
    let ahead = likely_cache(&options.selection).map(|cache| Arc::new(cache.read_ahead()));
    let spare = scan::scan_threads().saturating_sub(1).max(1);
    let readers: Vec<_> = ahead
        .iter()
        .flat_map(|ahead| {
            (0..spare).filter_map(move |_| {
                let ahead = Arc::clone(ahead);
                std::thread::Builder::new()
                    .name("plux-prefetch".into())
                    .spawn(move || ahead.work())
                    .ok()
            })
        })
        .collect();
    let workspace = Workspace::load(&options.selection)?;
    let mut cache = scan::Cache::in_target_dir(&workspace.target_dir, &workspace.root);
    if let Some(ahead) = ahead {
        ahead.work();
        let joined = readers.into_iter().all(|reader| reader.join().is_ok());
        if let (true, Ok(ahead)) = (joined, Arc::try_unwrap(ahead)) {
            cache = cache.with(ahead.finish());
        }
    }
    let scans = scan::on_scan_threads(|| {
        workspace
            .packages
            .par_iter()
            .map(|p| scan_package_in(p, options, Some(&cache)))
            .collect::<Result<Vec<_>>>()
    })?;
    cache.save_unreached();
    cache.tidy();
    Ok((workspace, scans))
}

/// The scan cache `cargo metadata` will most likely lead to, found without it: the target
/// directory from cargo's environment variables, else the nearest `target` directory above the
/// manifest that holds a scan cache, and the workspace root as cargo finds it (the nearest
/// manifest at or above the selected one with a `[workspace]` table, else the selected
/// package). A wrong guess only loses time ([`scan::Cache::with`] checks it).
fn likely_cache(selection: &Selection) -> Option<scan::Cache> {
    let cwd = std::env::current_dir().ok()?;
    let manifest = cwd.join(
        selection
            .manifest_path
            .as_deref()
            .unwrap_or("Cargo.toml".as_ref()),
    );
    let package = manifest.parent()?;
    let root = package
        .ancestors()
        .find(|dir| declares_workspace(&dir.join("Cargo.toml")))
        .unwrap_or(package);
    let configured =
        std::env::var_os("CARGO_TARGET_DIR").or_else(|| std::env::var_os("CARGO_BUILD_TARGET_DIR"));
    if let Some(dir) = configured {
        return Some(scan::Cache::in_target_dir(&cwd.join(dir), root));
    }
    manifest
        .ancestors()
        .skip(1)
        .map(|dir| scan::Cache::in_target_dir(&dir.join("target"), root))
        .find(|cache| cache.dir().is_dir())
}

/// Whether the manifest at `path` has a `[workspace]` table (read as text, as a guess).
fn declares_workspace(path: &Path) -> bool {
    crate::fsx::read_regular(path, 16 << 20).is_ok_and(|text| {
        text.split(|b| *b == b'\n')
            .map(<[u8]>::trim_ascii)
            .any(|line| line.starts_with(b"[workspace]") || line.starts_with(b"[workspace."))
    })
}

fn fail_on_errors(diagnostics: Vec<Diagnostic>) -> Result<Vec<Diagnostic>> {
    if diagnostics.iter().any(Diagnostic::is_error) {
        Err(Error::Diagnostics(diagnostics))
    } else {
        Ok(diagnostics)
    }
}

/// What happened (or would happen) to one generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FileStatus {
    /// Already up to date; not touched.
    Unchanged,
    /// Written (created or replaced).
    Written,
    /// `--check`: out of date.
    Stale {
        /// What is on disk (`None`: missing; invalid UTF-8 is replaced).
        old: Option<String>,
        /// What regenerating would write.
        new: String,
    },
}

/// One generated file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileOutcome {
    /// The file.
    pub path: PathBuf,
    /// Its status.
    pub status: FileStatus,
}

impl FileOutcome {
    /// For a stale file, the unified diff regenerating would apply, headed with `shown` (the
    /// path as the caller wants to print it).
    pub fn diff(&self, shown: &Path) -> Option<String> {
        match &self.status {
            FileStatus::Stale { old, new } => Some(check::unified_diff(shown, old.as_deref(), new)),
            _ => None,
        }
    }
}

/// The outcome of [`entrypoints`].
#[derive(Clone, Debug, Default)]
pub struct Report {
    /// Every generated file, sorted by path.
    pub files: Vec<FileOutcome>,
    /// Warnings (errors make [`entrypoints`] fail with [`Error::Diagnostics`]).
    pub diagnostics: Vec<Diagnostic>,
    /// Number of plugins in the written indexes.
    pub plugins: usize,
}

impl Report {
    /// Whether `--check` found a stale file.
    pub fn is_stale(&self) -> bool {
        self.files
            .iter()
            .any(|f| matches!(f.status, FileStatus::Stale { .. }))
    }
}

/// `cargo plux entrypoints`: scans the selected packages and writes (or with `check`, compares)
/// each one's `plux.json` and configured registry files.
///
/// A package gets a `plux.json` when its library declares plugins, or when it already has one
/// (then it is rewritten, possibly to `{}`). On any error diagnostic nothing is written and the
/// result is [`Error::Diagnostics`] with every diagnostic. Files are planned first and then
/// written together; unchanged files keep their bytes and mtime. Runs on one workspace take
/// turns (a lock under `<target-dir>/plux`); a run that waited plans again before writing.
pub fn entrypoints(options: &Options, check: bool) -> Result<Report> {
    entrypoints_crashing(options, check, &mut |_, _| false)
}

/// [`entrypoints`], stopped as if killed when `crash` says so (see [`index::write_files`]).
/// For the fault-injection tests only.
#[doc(hidden)]
pub fn entrypoints_crashing(
    options: &Options,
    check: bool,
    crash: &mut dyn FnMut(&Path, index::WriteStep) -> bool,
) -> Result<Report> {
    let (mut workspace, mut scans) = scan_workspace(options)?;
    // Writers take turns; one that waited plans again from the sources as they are now.
    let _lock = if check {
        None
    } else {
        let waiting = |path: &Path| {
            if let Some(notify) = options.on_wait {
                notify(path);
            }
        };
        let lock = lock::lock_workspace(&workspace.root, &workspace.target_dir, &waiting)?;
        if lock.waited {
            (workspace, scans) = scan_workspace(options)?;
        }
        Some(lock)
    };
    let mut diagnostics = workspace.diagnostics.clone();
    let mut planned: Vec<(PathBuf, String)> = Vec::new();
    let mut plugins = 0;
    for scan in &scans {
        diagnostics.extend(scan.diagnostics.iter().cloned());
        let index = scan.index();
        let path = scan.package.index_path();
        // Only a symlink can lead outside the package (one `lstat`, where resolving the
        // package directory costs a `readlink` per component).
        let found = std::fs::symlink_metadata(&path).ok();
        if found
            .as_ref()
            .is_some_and(|meta| meta.file_type().is_symlink())
            && let Err(resolved) = index::resolve_inside(&scan.package.root, "plux.json".as_ref())
        {
            return Err(Error::Config(format!(
                "`{}` leads to `{}`, outside package `{}`; replace the symlink with a regular file",
                path.display(),
                resolved.display(),
                scan.package.name
            )));
        }
        let exists = match &found {
            Some(meta) if meta.file_type().is_symlink() => path.exists(),
            found => found.is_some(),
        };
        if !index.is_empty() || exists {
            plugins += index.len();
            planned.push((path, index.render()));
        }
    }
    // A namespace whose plugins declare different interfaces (a spec or impl for another
    // trait): each manager loads only those of its own.
    let declared = scans
        .iter()
        .flat_map(|scan| scan.lib.iter().chain(&scan.bins));
    diagnostics.extend(scan::mixed_interfaces(declared));
    let diagnostics = fail_on_errors(diagnostics)?;

    // registry files (codegen::plan_registries): each selected host's committed registry.
    // Its `cargo metadata` writes a missing `Cargo.lock`; a check writes nothing, so it takes
    // that file away again.
    let lock = workspace.root.join("Cargo.lock");
    let lock_existed = lock.exists();
    let registries = crate::codegen::plan_registries(&workspace);
    if check && !lock_existed && lock.exists() {
        std::fs::remove_file(&lock).map_err(|e| Error::io("remove", &lock, e))?;
    }
    let (registries, warnings) = registries?;
    planned.extend(registries);
    let mut diagnostics = diagnostics;
    diagnostics.extend(warnings);

    planned.sort();
    // Two outputs in one file (`registry = "plux.json"`) would have one overwrite the other.
    if let Some(pair) = planned.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(Error::Config(format!(
            "`{}` would be written twice, as a `plux.json` and as a registry; point `registry` in `[package.metadata.plux]` at a file of its own",
            pair[0].0.display()
        )));
    }
    // An index no reader would accept is not written.
    if let Some((path, text)) = planned.iter().find(|(path, text)| {
        path.ends_with("plux.json") && text.len() as u64 > index::MAX_INDEX_BYTES
    }) {
        return Err(Error::Diagnostics(vec![
            Diagnostic::error(
                None,
                format!(
                    "the index `{}` would be {} bytes, more than the {} bytes plux reads",
                    path.display(),
                    text.len(),
                    index::MAX_INDEX_BYTES
                ),
            )
            .with_help(
                "split the package, or `exclude` the modules whose plugins it need not register",
            ),
        ]));
    }
    let files = if check {
        planned
            .iter()
            .map(|(path, contents)| {
                Ok(FileOutcome {
                    path: path.clone(),
                    status: match check::stale(path, contents)? {
                        None => FileStatus::Unchanged,
                        Some(old) => FileStatus::Stale {
                            old,
                            new: contents.clone(),
                        },
                    },
                })
            })
            .collect::<Result<Vec<_>>>()?
    } else {
        // Each file stays inside its package, checked again as it is written.
        let roots: Vec<PathBuf> = workspace
            .metadata
            .workspace_members
            .iter()
            .filter_map(|id| workspace.metadata.packages.iter().find(|p| &p.id == id))
            .filter_map(|p| {
                p.manifest_path
                    .parent()
                    .map(|d| d.as_std_path().to_path_buf())
            })
            .collect();
        let written = index::write_files_inside(&planned, &roots, crash)?;
        planned
            .iter()
            .zip(written)
            .map(|((path, _), written)| FileOutcome {
                path: path.clone(),
                status: if written {
                    FileStatus::Written
                } else {
                    FileStatus::Unchanged
                },
            })
            .collect()
    };
    Ok(Report {
        files,
        diagnostics,
        plugins,
    })
}

/// Where `discover` looks.
#[derive(Clone, Debug, Default)]
pub struct DiscoverOptions {
    /// Packages and globs.
    pub options: Options,
    /// `--path DIR`: scan this directory instead of the selected packages.
    pub path: Option<PathBuf>,
    /// The crate name values start with under `--path` (default: the directory's name): an
    /// identifier, raw ones allowed (anything else is [`Error::Config`]).
    pub crate_name: Option<String>,
}

/// `cargo plux discover`: the merged index of the selected packages' libraries (what
/// `entrypoints` would write), or of a directory, with every diagnostic.
///
/// Error diagnostics do not fail it: the index holds every declaration that could be read
/// (a file that cannot be parsed costs its own declarations, not the other packages'), and
/// the caller decides what to do with it. `cargo plux discover` prints it and exits with 1,
/// and writes no `-o` file; [`entrypoints`] writes nothing when there is an error.
pub fn discover(options: &DiscoverOptions) -> Result<(Index, Vec<Diagnostic>)> {
    let Some(dir) = &options.path else {
        let (workspace, scans) = scan_workspace(&options.options)?;
        let mut diagnostics = workspace.diagnostics.clone();
        let mut index = Index::new();
        let mut all = Vec::new();
        for scan in &scans {
            diagnostics.extend(scan.diagnostics.iter().cloned());
            index.extend(&scan.index());
            all.extend(scan.lib.iter().cloned());
        }
        // Two packages may not declare the same plugin either.
        if scans.len() > 1 {
            diagnostics.extend(scan::duplicates(&all));
        }
        return Ok((index, diagnostics));
    };
    if !dir.is_dir() {
        return Err(Error::Config(format!(
            "`{}` is not a directory; pass an existing directory to `--path`",
            dir.display()
        )));
    }
    let crate_name = match &options.crate_name {
        Some(name) => {
            // It starts every value printed: Rust path text only.
            crate::validate::validate_identifier(name).map_err(|e| {
                Error::Config(format!(
                    "`--crate-name`: {e}; pass the crate name as Rust paths spell it (`-` as \
                     `_`, a keyword as a raw identifier such as `r#type`)"
                ))
            })?;
            name.clone()
        }
        None => default_crate_name(dir)?,
    };
    let scan_options = scan_options(&Config::default(), &options.options)?;
    let found = scan::scan_dir(dir, &crate_name, &scan_options)?;
    let mut diagnostics = found.diagnostics;
    diagnostics.extend(scan::duplicates(&found.declarations));
    scan::sort_diagnostics(&mut diagnostics);
    let index = Index::from_declarations(&found.declarations);
    Ok((index, diagnostics))
}

/// The crate name of a directory: its `Cargo.toml` package name if it has one, else its own
/// name, with `-` replaced by `_`.
fn default_crate_name(dir: &Path) -> Result<String> {
    let absolute = dir.canonicalize().map_err(|e| Error::io("read", dir, e))?;
    let manifest = absolute.join("Cargo.toml");
    let from_manifest = crate::fsx::read_regular(&manifest, 16 << 20)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| {
            let mut in_package = false;
            text.lines().find_map(|line| {
                let line = line.trim();
                if line.starts_with('[') {
                    in_package = line == "[package]";
                    return None;
                }
                let value = line.strip_prefix("name")?.trim_start().strip_prefix('=')?;
                in_package.then(|| value.trim().trim_matches('"').to_owned())
            })
        });
    let name = from_manifest
        .or_else(|| {
            absolute
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_default()
        .replace('-', "_");
    if crate::validate::validate_crate_name(&name).is_err() {
        return Err(Error::Config(format!(
            "cannot use `{}` as a crate name; pass `--crate-name`",
            name.escape_debug()
        )));
    }
    Ok(name)
}

/// The committed index of one package, for `show`.
#[derive(Clone, Debug)]
pub struct Shown {
    /// The package name.
    pub package: String,
    /// Its `plux.json`.
    pub path: PathBuf,
    /// The parsed index, or `None` when the package has no `plux.json`.
    pub index: Option<Index>,
}

/// `cargo plux show`: reads (strictly) the committed `plux.json` of each selected package.
pub fn show(selection: &Selection) -> Result<(Vec<Shown>, Vec<Diagnostic>)> {
    let workspace = Workspace::load(selection)?;
    let mut shown = Vec::new();
    let mut diagnostics = workspace.diagnostics.clone();
    for package in &workspace.packages {
        let path = package.index_path();
        let index = if path.exists() {
            match Index::read(&path) {
                Ok(index) => Some(index),
                Err(Error::Diagnostics(found)) => {
                    diagnostics.extend(found);
                    None
                }
                Err(e) => return Err(e),
            }
        } else {
            None
        };
        shown.push(Shown {
            package: package.name.clone(),
            path,
            index,
        });
    }
    Ok((shown, fail_on_errors(diagnostics)?))
}

#[cfg(test)]
mod cache_tests;
#[cfg(test)]
mod tests;
