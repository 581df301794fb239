//! Collecting a host's entries from its dependency graph (`cargo metadata`).

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

use cargo_metadata::{
    Dependency, DependencyKind, Metadata, MetadataCommand, NodeDep, Package, PackageId, Target,
    TargetKind,
};

use cargo_metadata::cargo_platform::Platform;

use crate::codegen::entry::{Origin, RegistryEntry};
use crate::codegen::index_file::parse_index;
use crate::codegen::registry_source;
use crate::config::Config;
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::scan::{self, CrateTarget, ScanOptions};
use crate::workspace::Workspace;

/// What [`collect`] found for a host: its entries and every input that went into them.
#[derive(Debug, Default)]
pub struct Collected {
    /// The entries (not yet validated or sorted; [`registry_source`] does that).
    pub entries: Vec<RegistryEntry>,
    /// Warnings met on the way (errors make [`collect`] fail).
    pub diagnostics: Vec<Diagnostic>,
    /// Files read: scanned sources and `plux.json` indexes.
    pub files: BTreeSet<PathBuf>,
    /// Module-tree directories the scanner looked into (new files there change the result).
    pub dirs: BTreeSet<PathBuf>,
    /// The manifests of the packages whose plugins were collected (scanned or read from their
    /// `plux.json`): their `[package.metadata.plux]` decides what is scanned.
    pub manifests: BTreeSet<PathBuf>,
    /// Where the registry is compiled: the crate name to write as `crate::` (a library-only
    /// host), else `None`.
    pub local_crate: Option<String>,
}

impl Collected {
    /// Renders the registry source of the collected entries.
    pub fn render(&self) -> Result<String> {
        registry_source(self.entries.clone(), self.local_crate.as_deref())
            .map_err(Error::Diagnostics)
    }
}

fn is_lib(target: &Target) -> bool {
    target.kind.iter().any(|k| {
        matches!(
            k,
            TargetKind::Lib
                | TargetKind::RLib
                | TargetKind::DyLib
                | TargetKind::CDyLib
                | TargetKind::StaticLib
                | TargetKind::ProcMacro
        )
    })
}

fn crate_name(target: &Target) -> String {
    target.name.replace('-', "_")
}

/// How [`collect`] reads workspace members other than the host.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Members {
    /// Their `plux.json` when they have one (cheap; a stale index fails the build with a
    /// hint); members without one are scanned.
    Index,
    /// Always scanned: `cargo plux entrypoints` writes their indexes in the same run, and
    /// build.rs mode registers a plugin added anywhere in the workspace on the next build.
    Scan,
}

/// Collects the entries of `host`'s registry: the host scanned, each package of its normal
/// dependency graph through its `plux.json`, workspace members as `members` says.
///
/// Scans re-use and update `cache` when given (see [`scan::Cache`]); the result is the same
/// with or without it.
pub fn collect(
    metadata: &Metadata,
    host: &Package,
    members_from: Members,
    cache: Option<&scan::Cache>,
) -> Result<Collected> {
    let mut out = Collected::default();
    let mut errors = Vec::new();
    let lib = host.targets.iter().find(|t| is_lib(t));
    let bins: Vec<&Target> = host.targets.iter().filter(|t| t.is_bin()).collect();
    if bins.is_empty() {
        out.local_crate = lib.map(crate_name);
    }
    // The host: its library, and its binary when there is exactly one (binary-local plugins
    // are `crate::` paths, which only make sense in that one binary).
    let mut targets: Vec<(&Target, scan::TargetKind)> = lib
        .map(|t| (t, scan::TargetKind::Lib))
        .into_iter()
        .collect();
    match bins.as_slice() {
        [bin] => targets.push((bin, scan::TargetKind::Bin)),
        [] => {}
        _ => out.diagnostics.push(Diagnostic::warning(
            None,
            format!("package `{}` has several binaries; plugins declared in them are not registered", host.name),
        )
        .with_help("declare plugins in the library, or keep one binary per host package")),
    }
    for (target, kind) in targets {
        scan_into(&mut out, &mut errors, host, target, kind, metadata, cache);
    }

    // The dependency graph, through normal dependencies only.
    let Some(resolve) = &metadata.resolve else {
        return Err(Error::Config(
            "`cargo metadata` returned no dependency graph".into(),
        ));
    };
    let nodes: BTreeMap<&PackageId, _> = resolve.nodes.iter().map(|n| (&n.id, n)).collect();
    let packages: BTreeMap<&PackageId, &Package> =
        metadata.packages.iter().map(|p| (&p.id, p)).collect();
    let members: BTreeSet<&PackageId> = metadata.workspace_members.iter().collect();
    // The names the host's code uses for its direct dependencies (renames included).
    let mut direct: BTreeMap<&PackageId, String> = BTreeMap::new();
    let mut gates: BTreeMap<&PackageId, Vec<String>> = BTreeMap::new();
    let mut via: BTreeMap<&PackageId, &PackageId> = BTreeMap::new();
    let mut queue = VecDeque::from([&host.id]);
    let mut seen = BTreeSet::from([&host.id]);
    while let Some(id) = queue.pop_front() {
        let Some(node) = nodes.get(id) else { continue };
        for dep in &node.deps {
            if !dep
                .dep_kinds
                .iter()
                .any(|k| k.kind == DependencyKind::Normal)
            {
                continue;
            }
            if id == &host.id && !direct.contains_key(&dep.pkg) {
                direct.insert(&dep.pkg, dep.name.clone());
                let (gate, warning) = host_gate(host, dep);
                gates.insert(&dep.pkg, gate);
                out.diagnostics.extend(warning);
            }
            if seen.insert(&dep.pkg) {
                via.insert(&dep.pkg, id);
                queue.push_back(&dep.pkg);
            }
        }
    }
    seen.remove(&host.id);
    for id in seen {
        let Some(package) = packages.get(id) else {
            continue;
        };
        let Some(lib) = package.targets.iter().find(|t| is_lib(t)) else {
            continue;
        };
        let root = package
            .manifest_path
            .parent()
            .map(|p| p.as_std_path().to_path_buf())
            .unwrap_or_default();
        let index = root.join("plux.json");
        let before = out.entries.len();
        // Anything at the index's place counts (a directory or FIFO there is an error when
        // read, never a silent "no plugins").
        let has_index = index.symlink_metadata().is_ok();
        let scan_member = members.contains(id) && (members_from == Members::Scan || !has_index);
        if scan_member {
            scan_into(
                &mut out,
                &mut errors,
                package,
                lib,
                scan::TargetKind::Lib,
                metadata,
                cache,
            );
        } else if has_index {
            let shown = if members.contains(id) {
                relative(&index, metadata.workspace_root.as_std_path())
            } else {
                format!("plux.json of {} {}", package.name, package.version)
            };
            let origin = Origin {
                package: package.name.to_string(),
                index: Some(shown),
            };
            out.files.insert(index.clone());
            out.manifests
                .insert(package.manifest_path.as_std_path().to_path_buf());
            let text = match crate::index::read_text(&index) {
                Ok(text) => text,
                Err(Error::Diagnostics(diagnostics)) => {
                    errors.extend(diagnostics);
                    continue;
                }
                Err(e) => return Err(e),
            };
            match parse_index(&text, &index, &crate_name(lib), &origin) {
                Ok(entries) => out.entries.extend(entries),
                Err(diagnostics) => errors.extend(diagnostics),
            }
        } else if uses_plux(package) {
            // A dependency that can declare plugins but ships no index: look, and say so when
            // it does (its plugins are not registered), instead of adding nothing without a word.
            let mut probe = Collected::default();
            let mut probe_errors = Vec::new();
            scan_into(
                &mut probe,
                &mut probe_errors,
                package,
                lib,
                scan::TargetKind::Lib,
                metadata,
                cache,
            );
            if !probe.entries.is_empty() {
                out.diagnostics.push(
                    Diagnostic::warning(
                        None,
                        format!(
                            "package `{}` {} declares {} plugin(s) in its sources but ships no `plux.json`; they are not registered",
                            package.name,
                            package.version,
                            probe.entries.len()
                        ),
                    )
                    .with_help(format!(
                        "its authors run `cargo plux entrypoints` and publish `plux.json` with the package (`{}`)",
                        index.display()
                    )),
                );
            }
        }
        if out.entries.len() == before {
            continue;
        }
        match direct.get(id) {
            Some(name) => {
                let gate = gates.get(id).cloned().unwrap_or_default();
                for entry in &mut out.entries[before..] {
                    entry.path = rename_root(&entry.value, name);
                    entry.host_cfg.clone_from(&gate);
                }
            }
            None => {
                let through = via
                    .get(id)
                    .and_then(|v| packages.get(v))
                    .map_or("?", |p| p.name.as_str());
                errors.push(
                    Diagnostic::error(
                        None,
                        format!(
                            "package `{}` declares plugins but `{}` reaches it only through `{through}`; generated code cannot name it",
                            package.name, host.name
                        ),
                    )
                    .with_help(format!("add `{}` to `[dependencies]` of `{}`", package.name, host.name)),
                );
                out.entries.truncate(before);
            }
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::Diagnostics(errors))
    }
}

/// Collects the entries of a plugin pack's registry: the plugins `package`'s library declares
/// itself, scanned (a pack exports its own plugins only; those of its dependencies are the
/// host's). Its library is compiled where the registry is, so its paths are `crate::` ones.
pub fn collect_own(
    metadata: &Metadata,
    package: &Package,
    cache: Option<&scan::Cache>,
) -> Result<Collected> {
    let mut out = Collected::default();
    let mut errors = Vec::new();
    let Some(lib) = package.targets.iter().find(|t| is_lib(t)) else {
        return Err(Error::Config(format!(
            "package `{}` has no library target; a plugin pack is a library built as a `cdylib`",
            package.name
        )));
    };
    out.local_crate = Some(crate_name(lib));
    scan_into(
        &mut out,
        &mut errors,
        package,
        lib,
        scan::TargetKind::Lib,
        metadata,
        cache,
    );
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(Error::Diagnostics(errors))
    }
}

/// Whether `package` depends on plux-runtime itself (only such a package can declare plugins).
fn uses_plux(package: &Package) -> bool {
    package
        .dependencies
        .iter()
        .any(|d| d.kind == DependencyKind::Normal && d.name == "plux-runtime")
}

/// The `cfg` predicates under which the host has its direct dependency `dep`: the host
/// features that enable it when it is optional, its platform when it is target-specific.
/// Both are evaluated by the host's own compilation, where they belong.
fn host_gate(host: &Package, dep: &NodeDep) -> (Vec<String>, Option<Diagnostic>) {
    let mut gate = Vec::new();
    let declared: Vec<&Dependency> = host
        .dependencies
        .iter()
        .filter(|d| d.kind == DependencyKind::Normal)
        .filter(|d| d.rename.as_deref().unwrap_or(&d.name).replace('-', "_") == dep.name)
        .collect();
    if !declared.is_empty() && declared.iter().all(|d| d.optional) {
        let key = declared[0].rename.as_deref().unwrap_or(&declared[0].name);
        let enabling: Vec<String> = host
            .features
            .iter()
            .filter(|(_, values)| {
                values.iter().any(|v| {
                    v == key || *v == format!("dep:{key}") || v.starts_with(&format!("{key}/"))
                })
            })
            .map(|(feature, _)| format!("feature = {feature:?}"))
            .collect();
        gate.extend(any(&enabling));
    }
    let kinds: Vec<_> = dep
        .dep_kinds
        .iter()
        .filter(|k| k.kind == DependencyKind::Normal)
        .collect();
    let mut warning = None;
    if !kinds.is_empty() && kinds.iter().all(|k| k.target.is_some()) {
        let mut platforms = Vec::new();
        for target in kinds.iter().filter_map(|k| k.target.as_ref()) {
            match target {
                Platform::Cfg(expr) => platforms.push(expr.to_string()),
                Platform::Name(triple) => {
                    warning = Some(Diagnostic::warning(
                        None,
                        format!(
                            "dependency `{}` of `{}` is only for target `{triple}`; its plugins are registered on every target",
                            dep.name, host.name
                        ),
                    )
                    .with_help(format!("declare it under `[target.'cfg(..)'.dependencies]` instead of `[target.{triple}.dependencies]`")));
                    platforms.clear();
                    break;
                }
            }
        }
        gate.extend(any(&platforms));
    }
    (gate, warning)
}

/// `p`, or `any(p, q, ..)`; `None` for no predicate.
fn any(predicates: &[String]) -> Option<String> {
    match predicates {
        [] => None,
        [one] => Some(one.clone()),
        many => Some(format!("any({})", many.join(", "))),
    }
}

/// Scans one target of `package` and adds its declarations (through `cache` when given).
fn scan_into(
    out: &mut Collected,
    errors: &mut Vec<Diagnostic>,
    package: &Package,
    target: &Target,
    kind: scan::TargetKind,
    metadata: &Metadata,
    cache: Option<&scan::Cache>,
) {
    let package_root = package
        .manifest_path
        .parent()
        .map(|p| p.as_std_path().to_path_buf())
        .unwrap_or_default();
    let crate_target = CrateTarget {
        crate_name: crate_name(target),
        kind,
        root: target.src_path.as_std_path().to_path_buf(),
        package_root,
    };
    out.manifests
        .insert(package.manifest_path.as_std_path().to_path_buf());
    let options = match scan_options(metadata, package) {
        Ok(options) => options,
        Err(e) => {
            errors.push(Diagnostic::error(None, e.to_string()));
            return;
        }
    };
    let scanned = match cache {
        Some(cache) => scan::scan_target_cached(&crate_target, &options, cache),
        None => scan::scan_target(&crate_target, &options),
    };
    match scanned {
        Ok(scanned) => {
            out.files.extend(scanned.files);
            out.dirs.extend(scanned.dirs);
            for diagnostic in scanned.diagnostics {
                if diagnostic.is_error() {
                    errors.push(diagnostic)
                } else {
                    out.diagnostics.push(diagnostic)
                }
            }
            let name = package.name.to_string();
            out.entries.extend(
                scanned
                    .declarations
                    .iter()
                    .map(|d| RegistryEntry::from_declaration(d, &name)),
            );
        }
        Err(Error::Diagnostics(diagnostics)) => errors.extend(diagnostics),
        Err(e) => errors.push(Diagnostic::error(None, e.to_string())),
    }
}

/// The scan options of `package`: its `[package.metadata.plux]` merged with the workspace's.
fn scan_options(metadata: &Metadata, package: &Package) -> Result<ScanOptions> {
    let workspace_manifest = metadata.workspace_root.as_std_path().join("Cargo.toml");
    let (config, _warnings) = Config::from_metadata(
        &package.metadata,
        &metadata.workspace_metadata,
        package.manifest_path.as_std_path(),
        Some(&workspace_manifest),
    )?;
    Ok(ScanOptions {
        exclude: config.scan_exclude(),
        include: config.include,
        include_tests: config.include_tests,
    })
}

fn rename_root(value: &str, name: &str) -> String {
    match value.split_once("::") {
        Some((_, rest)) => format!("{name}::{rest}"),
        None => value.to_owned(),
    }
}

fn relative(path: &Path, root: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .display()
        .to_string()
}

/// A file to write: its path and contents.
pub type PlannedFile = (PathBuf, String);

/// The committed registry files of the selected packages of `workspace` that configure one
/// (`[package.metadata.plux] registry = "src/plux_registry.rs"`), with their contents, for
/// `cargo plux entrypoints` to write or `--check` to compare, and the warnings met.
///
/// Runs a full `cargo metadata` (the dependency graph) only when some selected package hosts
/// a committed registry. Workspace members are scanned, not read from their `plux.json`: the
/// same run writes those, so the registry never lags behind them. Scans use the cache `cargo
/// plux` keeps in `<target-dir>/plux/scan-cache-v1` (the run's own scan of the workspace just
/// filled it).
pub fn plan_registries(workspace: &Workspace) -> Result<(Vec<PlannedFile>, Vec<Diagnostic>)> {
    let fed = fed_hosts(workspace)?;
    let hosts: Vec<_> = workspace
        .packages
        .iter()
        .chain(&fed)
        .filter_map(|p| p.config.registry.as_ref().map(|r| (p, r)))
        .map(|(p, r)| registry_target(p, r).map(|path| (p, path)))
        .collect::<Result<_>>()?;
    if hosts.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let manifest = workspace
        .metadata
        .workspace_root
        .as_std_path()
        .join("Cargo.toml");
    // Resolve with every feature of the hosts, so optional plugin dependencies are listed; their
    // entries are gated on the host features that enable them.
    let features: Vec<String> = hosts
        .iter()
        .flat_map(|(host, _)| host_features(workspace, &host.name))
        .collect();
    let mut command = MetadataCommand::new();
    command.manifest_path(&manifest);
    let mut options = workspace.cargo_flags.clone();
    if !features.is_empty() {
        options.extend(["--features".to_owned(), features.join(",")]);
    }
    command.other_options(options);
    let metadata = command.exec().map_err(|e| {
        let lock = workspace.metadata.workspace_root.as_std_path().join("Cargo.lock");
        let hint = if lock.exists() {
            String::new()
        } else {
            format!(
                "; the registry needs the dependency graph: `{}` does not exist, so cargo resolves it, which needs the network (run `cargo generate-lockfile` where it is reachable)",
                lock.display()
            )
        };
        Error::Config(format!(
            "`cargo metadata` failed for `{}`: {}{hint}",
            manifest.display(),
            metadata_error(&e)
        ))
    })?;
    let cache = scan::Cache::in_target_dir(&workspace.target_dir, &workspace.root);
    let mut planned = Vec::new();
    let mut warnings = Vec::new();
    let mut errors = Vec::new();
    for (host, path) in hosts {
        let wanted = canonical(&host.manifest_path);
        let Some(package) = metadata
            .packages
            .iter()
            .find(|p| canonical(p.manifest_path.as_std_path()) == wanted)
        else {
            return Err(Error::Config(format!(
                "`cargo metadata` does not list package `{}`",
                host.name
            )));
        };
        let collected = collect(&metadata, package, Members::Scan, Some(&cache));
        match collected.and_then(|c| Ok((c.render()?, c.diagnostics))) {
            Ok((source, found)) => {
                planned.push((path, source));
                warnings.extend(found);
            }
            Err(Error::Diagnostics(diagnostics)) => errors.extend(diagnostics),
            Err(e) => return Err(e),
        }
    }
    cache.tidy();
    warnings.sort();
    warnings.dedup();
    if errors.is_empty() {
        Ok((planned, warnings))
    } else {
        Err(Error::Diagnostics(errors))
    }
}

/// The message of a failed `cargo metadata`: cargo's own error lines, without its `error: `.
fn metadata_error(error: &cargo_metadata::Error) -> String {
    match error {
        cargo_metadata::Error::CargoMetadata { stderr } => {
            stderr.trim().trim_start_matches("error: ").to_owned()
        }
        other => other.to_string(),
    }
}

/// The workspace members that are not selected but host a committed registry some selected
/// package feeds (through path dependencies between members): selecting a plugin crate (or
/// running in its directory) regenerates, or with `--check` checks, the registries it appears
/// in, not only its `plux.json`.
fn fed_hosts(workspace: &Workspace) -> Result<Vec<crate::workspace::Package>> {
    let metadata = &workspace.metadata;
    let members: Vec<&Package> = metadata
        .packages
        .iter()
        .filter(|p| metadata.workspace_members.contains(&p.id))
        .collect();
    let selected: BTreeSet<&str> = workspace.packages.iter().map(|p| p.name.as_str()).collect();
    let by_name: BTreeMap<&str, &Package> = members.iter().map(|p| (p.name.as_str(), *p)).collect();
    let mut fed = Vec::new();
    for host in &members {
        if selected.contains(host.name.as_str()) {
            continue;
        }
        // The members this one reaches through normal dependencies.
        let mut seen = BTreeSet::new();
        let mut stack = vec![*host];
        let mut feeds = false;
        while let Some(package) = stack.pop() {
            for dep in package
                .dependencies
                .iter()
                .filter(|d| d.kind == DependencyKind::Normal)
            {
                if let Some(member) = by_name.get(dep.name.as_str())
                    && seen.insert(member.name.as_str())
                {
                    feeds |= selected.contains(member.name.as_str());
                    stack.push(member);
                }
            }
        }
        if !feeds {
            continue;
        }
        let (model, _) = workspace.model(host)?;
        if model.config.registry.is_some() {
            fed.push(model);
        }
    }
    Ok(fed)
}

/// Where the registry `relative` of `host` is written: refused (a configuration error naming
/// the key, the manifest and where the path leads) unless it resolves inside the package,
/// following symlinks. `Config` already refuses absolute paths and `..`.
///
/// An existing file that plux did not generate (it does not start with
/// [`HEADER`](crate::codegen::HEADER); an empty one is fine) is refused too: a `registry` key
/// naming `src/main.rs` or `Cargo.toml` must not overwrite it.
fn registry_target(host: &crate::workspace::Package, relative: &Path) -> Result<PathBuf> {
    match crate::index::resolve_inside(&host.root, relative) {
        Ok(resolved) if canonical(&resolved) == canonical(&host.index_path()) => {
            Err(Error::Config(format!(
                "`registry` in `[package.metadata.plux]` of `{}` is `{}`, the package's own index; point it at a file of its own, such as `src/plux_registry.rs`",
                host.manifest_path.display(),
                relative.display()
            )))
        }
        Ok(resolved) => {
            if let Some(start) = file_start(&resolved)
                && !start.is_empty()
                && !start.starts_with(crate::codegen::HEADER.as_bytes())
            {
                return Err(Error::Config(format!(
                    "`registry` in `[package.metadata.plux]` of `{}` is `{}`, an existing file plux did not generate; point it at a new file, or delete `{}` first",
                    host.manifest_path.display(),
                    relative.display(),
                    resolved.display()
                )));
            }
            Ok(host.root.join(relative))
        }
        Err(resolved) => Err(Error::Config(format!(
            "`registry` in `[package.metadata.plux]` of `{}` is `{}`, which leads to `{}`, outside the package `{}`; point it at a file inside the package (not through a symlink that leaves it)",
            host.manifest_path.display(),
            relative.display(),
            resolved.display(),
            host.root.display()
        ))),
    }
}

/// The first bytes of the file at `path` (as many as [`HEADER`](crate::codegen::HEADER)
/// has), or `None` when it is not a readable regular file.
fn file_start(path: &Path) -> Option<Vec<u8>> {
    use std::io::Read as _;
    // Checked before opening: opening a FIFO would block.
    if !std::fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let file = std::fs::File::open(path).ok()?;
    if !file.metadata().ok()?.is_file() {
        return None;
    }
    let mut start = Vec::new();
    file.take(crate::codegen::HEADER.len() as u64)
        .read_to_end(&mut start)
        .ok()?;
    Some(start)
}

/// Every feature of workspace package `name`, qualified (`name/feature`).
fn host_features(workspace: &Workspace, name: &str) -> Vec<String> {
    workspace
        .metadata
        .packages
        .iter()
        .filter(|p| p.name.as_str() == name && workspace.metadata.workspace_members.contains(&p.id))
        .flat_map(|p| p.features.keys().map(move |f| format!("{}/{f}", p.name)))
        .collect()
}

/// A path in a form two spellings of the same file compare equal in.
pub(crate) fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}
