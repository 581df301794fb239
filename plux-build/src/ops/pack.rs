//! `cargo plux pack`: builds plugin packs and lays out their directories; `list --packs` reads
//! installed ones.
//!
//! A pack directory `<out>/<package>/` holds the package's `cdylib`, its `plux.json` and its
//! manifest `plux-pack.json` (see [`plux_runtime::pack`]). The fingerprint written into the
//! manifest is the one the library embeds: cargo reports it as the `PLUX_PACK_FINGERPRINT`
//! its plux-runtime's build script set, in the same build.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fs;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use cargo_metadata::{DependencyKind, Message, Metadata, PackageId, TargetKind};
use plux_runtime::pack::{CrateId, FORMAT, Fingerprint, INDEX, MANIFEST, Manifest, PackFinder};

use super::{Options, scan_package};
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::index::write_if_changed;
use crate::workspace::{Package, Workspace};

/// What to pack, and how to build it.
#[derive(Clone, Debug, Default)]
pub struct PackOptions {
    /// The packages (each must be a `cdylib`) and scanning options.
    pub options: Options,
    /// Where pack directories are written; default `<target-dir>/plux-packs`.
    pub out_dir: Option<PathBuf>,
    /// Passed to `cargo build` as they are: `--release`, `--profile`, `--features`, `--target`,
    /// `--locked`, `--offline`, ...
    pub cargo_args: Vec<String>,
    /// The `cargo` to run (default `$CARGO`, else `cargo`).
    pub cargo: Option<PathBuf>,
}

/// A pack written by [`pack`].
#[derive(Clone, Debug)]
pub struct Packed {
    /// The pack directory.
    pub dir: PathBuf,
    /// Its manifest.
    pub manifest: Manifest,
    /// How many plugins its `plux.json` lists.
    pub plugins: usize,
}

/// Builds each selected package as a plugin pack and writes its directory.
///
/// Before building, checks that each package is a `cdylib` and that its `plux.json` is
/// current (`cargo plux entrypoints` writes it); the build runs `cargo build --lib` for the
/// selected packages with `cargo_args`; the manifest records the fingerprint the library was
/// built with and the crates of the package's dependency graph. A pack directory is replaced
/// as a whole: it is built next to its final place and renamed into it.
pub fn pack(options: &PackOptions) -> Result<(Vec<Packed>, Vec<Diagnostic>)> {
    let workspace = Workspace::load_with(&options.options.selection, true)?;
    let mut diagnostics = workspace.diagnostics.clone();
    let mut planned = Vec::new();
    let mut errors = Vec::new();
    for package in &workspace.packages {
        let meta = metadata_package(&workspace.metadata, package)?;
        let is_cdylib = meta
            .targets
            .iter()
            .any(|t| t.kind.contains(&TargetKind::CDyLib));
        if !is_cdylib {
            return Err(Error::Config(format!(
                "package `{}` is not built as a `cdylib`, so it cannot be a plugin pack; add `[lib] crate-type = [\"cdylib\"]` to `{}`",
                package.name,
                package.manifest_path.display()
            )));
        }
        let scan = scan_package(package, &options.options)?;
        let (errs, warnings): (Vec<_>, Vec<_>) =
            scan.diagnostics.into_iter().partition(Diagnostic::is_error);
        diagnostics.extend(warnings);
        if !errs.is_empty() {
            errors.extend(errs);
            continue;
        }
        let index = crate::index::Index::from_declarations(&scan.lib);
        if index.is_empty() {
            errors.push(
                Diagnostic::error(None, format!("package `{}` declares no plugins; a pack without plugins has nothing to offer", package.name))
                    .with_help("declare plugins in its library (see `cargo plux list -p ...`)"),
            );
            continue;
        }
        let expected = index.render();
        let index_path = package.index_path();
        if crate::index::read_text(&index_path).ok().as_deref() != Some(expected.as_str()) {
            errors.push(
                Diagnostic::error(
                    None,
                    format!(
                        "the `plux.json` of package `{}` is missing or stale, and a pack ships it",
                        package.name
                    ),
                )
                .with_help(format!(
                    "run `cargo plux entrypoints -p {}` first",
                    package.name
                )),
            );
            continue;
        }
        planned.push((package, meta, index_path, index.len()));
    }
    if !errors.is_empty() {
        return Err(Error::Diagnostics(errors));
    }

    let built = build(options, &workspace, &planned)?;
    let out_dir = options
        .out_dir
        .clone()
        .unwrap_or_else(|| workspace.target_dir.join("plux-packs"));
    let mut packed = Vec::new();
    for (package, meta, index_path, plugins) in planned {
        let library = built.libraries.get(&meta.id).ok_or_else(|| {
            Error::Config(format!(
                "`cargo build` reported no `cdylib` for package `{}`",
                package.name
            ))
        })?;
        let library_name = library
            .file_name()
            .and_then(|n| n.to_str())
            .ok_or_else(|| {
                Error::Config(format!("library `{}` has no file name", library.display()))
            })?
            .to_owned();
        let mut manifest = Manifest {
            format: FORMAT,
            name: package.name.clone(),
            version: meta.version.to_string(),
            library: library_name,
            library_hash: String::new(), // of the copy in the pack, see `write_pack`
            fingerprint: built
                .fingerprint
                .components()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect(),
            crates: crates(&workspace.metadata, &meta.id),
        };
        let dir = out_dir.join(&package.name);
        write_pack(&dir, library, &index_path, &mut manifest)?;
        packed.push(Packed {
            dir,
            manifest,
            plugins,
        });
    }
    Ok((packed, diagnostics))
}

fn metadata_package<'a>(
    metadata: &'a Metadata,
    package: &Package,
) -> Result<&'a cargo_metadata::Package> {
    metadata
        .packages
        .iter()
        .find(|p| p.manifest_path.as_std_path() == package.manifest_path)
        .ok_or_else(|| {
            Error::Config(format!(
                "`cargo metadata` does not list package `{}`",
                package.name
            ))
        })
}

/// What `cargo build` produced.
struct Built {
    libraries: BTreeMap<PackageId, PathBuf>,
    fingerprint: Fingerprint,
}

/// Runs `cargo build --lib` for the planned packages and reads the `cdylib` of each, and the
/// fingerprint plux-runtime's build script reported, from cargo's JSON messages.
fn build(
    options: &PackOptions,
    workspace: &Workspace,
    planned: &[(&Package, &cargo_metadata::Package, PathBuf, usize)],
) -> Result<Built> {
    let cargo = options.cargo.clone().unwrap_or_else(|| {
        std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
    });
    let manifest = workspace.root.join("Cargo.toml");
    let mut command = Command::new(&cargo);
    command
        .arg("build")
        .arg("--manifest-path")
        .arg(&manifest)
        .arg("--lib")
        .arg("--message-format=json-render-diagnostics");
    for (package, ..) in planned {
        command.arg("-p").arg(&package.name);
    }
    command
        .args(&options.cargo_args)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = command
        .spawn()
        .map_err(|e| Error::Config(format!("cannot run `{} build`: {e}", cargo.display())))?;
    let wanted: BTreeSet<&PackageId> = planned.iter().map(|(_, meta, ..)| &meta.id).collect();
    let runtime: BTreeSet<&PackageId> = workspace
        .metadata
        .packages
        .iter()
        .filter(|p| p.name.as_str() == "plux-runtime")
        .map(|p| &p.id)
        .collect();
    let mut libraries = BTreeMap::new();
    let mut fingerprints = BTreeSet::new();
    if let Some(stdout) = child.stdout.take() {
        for message in Message::parse_stream(BufReader::new(stdout)).flatten() {
            match message {
                Message::CompilerArtifact(artifact)
                    if wanted.contains(&artifact.package_id)
                        && artifact.target.kind.contains(&TargetKind::CDyLib) =>
                {
                    if let Some(file) = artifact
                        .filenames
                        .iter()
                        .find(|f| is_dynamic_library(f.as_std_path()))
                    {
                        libraries.insert(
                            artifact.package_id.clone(),
                            file.clone().into_std_path_buf(),
                        );
                    }
                }
                Message::BuildScriptExecuted(script) if runtime.contains(&script.package_id) => {
                    fingerprints.extend(
                        script
                            .env
                            .iter()
                            .filter(|(k, _)| k == "PLUX_PACK_FINGERPRINT")
                            .map(|(_, v)| v.clone()),
                    );
                }
                _ => {}
            }
        }
    }
    let status = child
        .wait()
        .map_err(|e| Error::Config(format!("cannot wait for `cargo build`: {e}")))?;
    if !status.success() {
        return Err(Error::Diagnostics(vec![Diagnostic::error(
            None,
            "`cargo build` failed; see its errors above".to_owned(),
        )]));
    }
    let mut fingerprints = fingerprints.into_iter();
    let fingerprint = match (fingerprints.next(), fingerprints.next()) {
        (Some(one), None) => Fingerprint::parse(&one),
        (None, _) => {
            return Err(Error::Config(
                "plux-runtime was built without its `packs` feature, so the library is not a pack; depend on `plux-runtime = { version = \"..\", features = [\"packs\"] }`".to_owned(),
            ));
        }
        (Some(_), Some(_)) => {
            return Err(Error::Config(
                "the packs were built with two different copies of plux-runtime; depend on one version".to_owned(),
            ));
        }
    };
    Ok(Built {
        libraries,
        fingerprint,
    })
}

fn is_dynamic_library(path: &Path) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("so" | "dylib" | "dll")
    )
}

/// The crates of `id`'s normal dependency graph (without `id` itself), sorted.
fn crates(metadata: &Metadata, id: &PackageId) -> Vec<CrateId> {
    let Some(resolve) = &metadata.resolve else {
        return Vec::new();
    };
    let nodes: BTreeMap<&PackageId, _> = resolve.nodes.iter().map(|n| (&n.id, n)).collect();
    let packages: BTreeMap<&PackageId, &cargo_metadata::Package> =
        metadata.packages.iter().map(|p| (&p.id, p)).collect();
    let mut seen = BTreeSet::from([id]);
    let mut queue = VecDeque::from([id]);
    let mut out = Vec::new();
    while let Some(next) = queue.pop_front() {
        let Some(node) = nodes.get(next) else {
            continue;
        };
        for dep in &node.deps {
            let normal = dep
                .dep_kinds
                .iter()
                .any(|k| k.kind == DependencyKind::Normal);
            if normal && seen.insert(&dep.pkg) {
                queue.push_back(&dep.pkg);
                if let (Some(package), Some(node)) = (packages.get(&dep.pkg), nodes.get(&dep.pkg)) {
                    let mut features: Vec<String> =
                        node.features.iter().map(ToString::to_string).collect();
                    features.sort();
                    out.push(CrateId {
                        name: package.name.to_string(),
                        version: package.version.to_string(),
                        source: package
                            .source
                            .as_ref()
                            .map_or_else(|| "path".to_owned(), ToString::to_string),
                        features,
                    });
                }
            }
        }
    }
    out.sort();
    out
}

/// Writes a pack directory: built next to `dir`, then renamed into place (an older pack of the
/// same name is moved away first, then removed). The manifest gets the content hash of the
/// library as copied.
fn write_pack(dir: &Path, library: &Path, index: &Path, manifest: &mut Manifest) -> Result<()> {
    let parent = dir.parent().unwrap_or(Path::new("."));
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    fs::create_dir_all(parent).map_err(|e| Error::io("create directory", parent, e))?;
    let pid = std::process::id();
    let staging = parent.join(format!(".{name}.plux-new-{pid}"));
    let old = parent.join(format!(".{name}.plux-old-{pid}"));
    let _ = fs::remove_dir_all(&staging);
    fs::create_dir_all(&staging).map_err(|e| Error::io("create directory", &staging, e))?;
    let copy = |from: &Path, to: PathBuf| {
        fs::copy(from, &to)
            .map(|_| ())
            .map_err(|e| Error::io("copy", from, e))
    };
    let copied = staging.join(&manifest.library);
    copy(library, copied.clone())?;
    manifest.library_hash =
        plux_runtime::pack::library_hash(&copied).map_err(|e| Error::io("read", &copied, e))?;
    copy(index, staging.join(INDEX))?;
    write_if_changed(&staging.join(MANIFEST), manifest.to_json().as_bytes())?;
    if dir.exists() {
        let _ = fs::remove_dir_all(&old);
        fs::rename(dir, &old).map_err(|e| Error::io("move away", dir, e))?;
    }
    fs::rename(&staging, dir).map_err(|e| Error::io("rename into place", &staging, e))?;
    let _ = fs::remove_dir_all(&old);
    Ok(())
}

/// The packs installed in `dirs`, as a host with [`PackFinder`] would list them (nothing is
/// loaded), and the problems met.
pub fn installed_packs(dirs: &[PathBuf]) -> PackFinder {
    PackFinder::new().dirs(dirs)
}
