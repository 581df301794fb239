//! The workspace model: packages and their lib/bin targets from `cargo metadata`, and package
//! selection like cargo's (`-p/--package`, `--workspace`, `--exclude`, default members).

use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};

/// Which packages a command works on, as cargo's flags say.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// `--manifest-path`: the `Cargo.toml` to start from (default: the nearest one above the
    /// current directory).
    pub manifest_path: Option<PathBuf>,
    /// `-p/--package` (repeatable; `*`, `?` and `[..]` globs allowed).
    pub packages: Vec<String>,
    /// `--workspace`: every member.
    pub workspace: bool,
    /// `--exclude` (only with `--workspace`; globs allowed).
    pub exclude: Vec<String>,
    /// cargo's `--locked`, `--offline` and `--frozen`, passed on to every `cargo metadata` run.
    pub cargo_flags: Vec<String>,
}

/// A library or binary target of a package.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    /// The target's name as cargo reports it.
    pub name: String,
    /// The crate name paths start with (`-` replaced by `_`).
    pub crate_name: String,
    /// `true` for the lib target, `false` for a bin.
    pub is_lib: bool,
    /// The crate root file (`src/lib.rs`, `src/main.rs`, or wherever `[lib] path` points).
    pub root: PathBuf,
}

/// A workspace member.
#[derive(Clone, Debug)]
pub struct Package {
    /// The package name.
    pub name: String,
    /// Its `Cargo.toml`.
    pub manifest_path: PathBuf,
    /// The directory of its `Cargo.toml`, where `plux.json` lives.
    pub root: PathBuf,
    /// Its lib target (if any) first, then its bins, sorted by name.
    pub targets: Vec<Target>,
    /// Its plux configuration, workspace table merged in.
    pub config: Config,
    /// Names of the packages it depends on (normal dependencies, any source).
    pub dependencies: Vec<String>,
}

impl Package {
    /// The path of this package's `plux.json`.
    pub fn index_path(&self) -> PathBuf {
        self.root.join("plux.json")
    }

    /// The lib target, if any.
    pub fn lib(&self) -> Option<&Target> {
        self.targets.iter().find(|t| t.is_lib)
    }
}

/// The selected packages of a workspace.
#[derive(Clone, Debug)]
pub struct Workspace {
    /// The workspace root directory.
    pub root: PathBuf,
    /// The target directory.
    pub target_dir: PathBuf,
    /// The selected members, in the order cargo lists them.
    pub packages: Vec<Package>,
    /// Warnings met while reading (unknown config keys).
    pub diagnostics: Vec<Diagnostic>,
    /// The full `cargo metadata` output, for callers that need more (dependency graph).
    pub metadata: cargo_metadata::Metadata,
    /// The cargo flags of the selection (`--locked`, `--offline`, `--frozen`), for further
    /// `cargo metadata` runs.
    pub cargo_flags: Vec<String>,
}

impl Workspace {
    /// Runs `cargo metadata --no-deps` and selects packages.
    pub fn load(selection: &Selection) -> Result<Self> {
        Self::load_with(selection, false)
    }

    /// Like [`Workspace::load`]; `with_deps` resolves the dependency graph too (slower; may
    /// need the network unless the lock file and registry cache are complete).
    pub fn load_with(selection: &Selection, with_deps: bool) -> Result<Self> {
        if !selection.exclude.is_empty() && !selection.workspace {
            return Err(Error::Config(
                "`--exclude` can only be used together with `--workspace`".to_owned(),
            ));
        }
        let manifest = match &selection.manifest_path {
            Some(path) => path.clone(),
            None => find_manifest()?,
        };
        let mut command = cargo_metadata::MetadataCommand::new();
        command
            .manifest_path(&manifest)
            .other_options(selection.cargo_flags.clone());
        if !with_deps {
            command.no_deps();
        }
        let metadata = command.exec().map_err(|e| match e {
            cargo_metadata::Error::CargoMetadata { stderr } => Error::Config(format!(
                "`cargo metadata` failed for `{}`: {}",
                manifest.display(),
                stderr.trim().trim_start_matches("error: ")
            )),
            other => Error::Config(format!(
                "cannot run `cargo metadata` for `{}`: {other}",
                manifest.display()
            )),
        })?;
        let selected = select(&metadata, selection, &manifest)?;
        let mut packages = Vec::new();
        let mut diagnostics = Vec::new();
        for package in selected {
            let (package, warnings) = model_package(&metadata, package)?;
            diagnostics.extend(warnings);
            packages.push(package);
        }
        diagnostics.sort();
        diagnostics.dedup();
        Ok(Self {
            cargo_flags: selection.cargo_flags.clone(),
            root: metadata.workspace_root.clone().into_std_path_buf(),
            target_dir: metadata.target_directory.clone().into_std_path_buf(),
            packages,
            diagnostics,
            metadata,
        })
    }
}

impl Workspace {
    /// The model of any package `cargo metadata` listed (a member that is not selected, or a
    /// dependency), with its config warnings.
    pub fn model(&self, package: &cargo_metadata::Package) -> Result<(Package, Vec<Diagnostic>)> {
        model_package(&self.metadata, package)
    }
}

/// Builds the [`Package`] of a `cargo metadata` package.
fn model_package(
    metadata: &cargo_metadata::Metadata,
    package: &cargo_metadata::Package,
) -> Result<(Package, Vec<Diagnostic>)> {
    let manifest_path = package.manifest_path.clone().into_std_path_buf();
    let workspace_manifest = metadata.workspace_root.join("Cargo.toml");
    let (config, warnings) = Config::from_metadata(
        &package.metadata,
        &metadata.workspace_metadata,
        &manifest_path,
        Some(workspace_manifest.as_std_path()),
    )?;
    let root = manifest_path
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default();
    let package = Package {
        name: package.name.to_string(),
        root,
        targets: targets(package),
        config,
        dependencies: package
            .dependencies
            .iter()
            .filter(|d| d.kind == cargo_metadata::DependencyKind::Normal)
            .map(|d| d.name.clone())
            .collect(),
        manifest_path,
    };
    Ok((package, warnings))
}

/// The lib and bin targets of a package (lib first, bins by name).
fn targets(package: &cargo_metadata::Package) -> Vec<Target> {
    let mut targets: Vec<Target> = package
        .targets
        .iter()
        .filter_map(|t| {
            let is_lib = t.is_lib()
                || t.is_rlib()
                || t.is_dylib()
                || t.is_cdylib()
                || t.is_staticlib()
                || t.is_proc_macro();
            (is_lib || t.is_bin()).then(|| Target {
                name: t.name.clone(),
                crate_name: t.name.replace('-', "_"),
                is_lib,
                root: t.src_path.clone().into_std_path_buf(),
            })
        })
        .collect();
    targets.sort_by(|a, b| b.is_lib.cmp(&a.is_lib).then_with(|| a.name.cmp(&b.name)));
    targets
}

/// The nearest `Cargo.toml` at or above the current directory, as cargo looks for it.
fn find_manifest() -> Result<PathBuf> {
    let cwd = std::env::current_dir().map_err(|e| Error::io("read", ".", e))?;
    cwd.ancestors()
        .map(|dir| dir.join("Cargo.toml"))
        .find(|candidate| candidate.is_file())
        .ok_or_else(|| {
            Error::Config(format!(
                "could not find `Cargo.toml` in `{}` or any parent directory; pass `--manifest-path`",
                cwd.display()
            ))
        })
}

fn pattern(spec: &str) -> Result<globset::GlobMatcher> {
    globset::Glob::new(spec)
        .map(|g| g.compile_matcher())
        .map_err(|e| Error::Config(format!("bad package pattern `{spec}`: {e}")))
}

/// cargo's selection rules over the workspace members.
fn select<'a>(
    metadata: &'a cargo_metadata::Metadata,
    selection: &Selection,
    manifest: &Path,
) -> Result<Vec<&'a cargo_metadata::Package>> {
    let members = metadata.workspace_packages();
    if selection.workspace {
        let excludes = selection
            .exclude
            .iter()
            .map(|e| pattern(e))
            .collect::<Result<Vec<_>>>()?;
        for (spec, matcher) in selection.exclude.iter().zip(&excludes) {
            if !members.iter().any(|p| matcher.is_match(p.name.as_str())) {
                return Err(Error::Config(format!(
                    "excluded package `{spec}` is not a workspace member; check the name"
                )));
            }
        }
        return Ok(members
            .into_iter()
            .filter(|p| !excludes.iter().any(|m| m.is_match(p.name.as_str())))
            .collect());
    }
    if !selection.packages.is_empty() {
        let mut selected = Vec::new();
        for spec in &selection.packages {
            let matcher = pattern(spec)?;
            let found: Vec<_> = members
                .iter()
                .filter(|p| matcher.is_match(p.name.as_str()))
                .collect();
            if found.is_empty() {
                let names: Vec<_> = members.iter().map(|p| format!("`{}`", p.name)).collect();
                return Err(Error::Config(format!(
                    "package `{spec}` is not a workspace member; members: {}",
                    names.join(", ")
                )));
            }
            selected.extend(found.into_iter().copied());
        }
        // keep cargo's order, drop repeats
        return Ok(members
            .into_iter()
            .filter(|p| selected.iter().any(|s| s.id == p.id))
            .collect());
    }
    // The package of the given manifest, else (a virtual manifest) the default members.
    let manifest = manifest
        .canonicalize()
        .unwrap_or_else(|_| manifest.to_owned());
    if let Some(own) = members.iter().find(|p| {
        p.manifest_path
            .as_std_path()
            .canonicalize()
            .is_ok_and(|m| m == manifest)
    }) {
        return Ok(vec![own]);
    }
    let defaults: Vec<_> = metadata.workspace_default_packages();
    Ok(if defaults.is_empty() {
        members
    } else {
        defaults
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn exclude_needs_workspace() {
        let selection = Selection {
            exclude: vec!["x".into()],
            ..Selection::default()
        };
        let Err(Error::Config(message)) = Workspace::load(&selection) else {
            panic!("expected a config error")
        };
        assert_eq!(
            message,
            "`--exclude` can only be used together with `--workspace`"
        );
    }

    /// Writes `files` (path, content) under a new temporary directory.
    fn tree(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (path, content) in files {
            let path = dir.path().join(path);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, content).unwrap();
        }
        dir
    }

    // Built in a temporary directory rather than read from this repository, so that the
    // test also passes from the published package (`cargo package` verifies it).
    #[test]
    fn a_workspace_loads_the_selected_packages_with_their_targets() {
        let package = |name: &str| {
            format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\n")
        };
        let (build, cli, other) = (package("build"), package("cargo-x"), package("other"));
        let dir = tree(&[
            (
                "Cargo.toml",
                "[workspace]\nmembers = [\"build\", \"cargo-x\", \"other\"]\nresolver = \"2\"\n",
            ),
            ("build/Cargo.toml", &build),
            ("build/src/lib.rs", ""),
            ("cargo-x/Cargo.toml", &cli),
            ("cargo-x/src/lib.rs", ""),
            ("cargo-x/src/main.rs", "fn main() {}\n"),
            ("other/Cargo.toml", &other),
            ("other/src/lib.rs", ""),
        ]);
        let selection = Selection {
            manifest_path: Some(dir.path().join("Cargo.toml")),
            packages: vec!["build".into(), "cargo-*".into()],
            ..Selection::default()
        };
        let ws = Workspace::load(&selection).unwrap();
        let names: Vec<_> = ws.packages.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["build", "cargo-x"]);
        let cli = &ws.packages[1];
        let targets: Vec<_> = cli
            .targets
            .iter()
            .map(|t| (t.crate_name.as_str(), t.is_lib))
            .collect();
        assert_eq!(targets, [("cargo_x", true), ("cargo_x", false)]);
        assert!(cli.lib().unwrap().root.ends_with("cargo-x/src/lib.rs"));
    }
}
