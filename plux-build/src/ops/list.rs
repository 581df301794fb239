//! `cargo plux list` and `resolve --namespace NS`: the plugins the selected (host) packages
//! resolve to across their normal dependency graph, each with where it is declared.

use std::collections::{BTreeSet, VecDeque};

use cargo_metadata::{DependencyKind, Metadata, PackageId};
use rayon::prelude::*;

use super::{Options, scan_package};
use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::index::{self, Index};
use crate::model::Declaration;
use crate::scan;
use crate::workspace::Workspace;

/// One plugin as `list` / `resolve` report it.
#[derive(Clone, Debug)]
pub struct Listed {
    /// The package that declares it.
    pub package: String,
    /// The declaration: for workspace members the scanned source location, for other
    /// dependencies the entry's place in their `plux.json`.
    pub declaration: Declaration,
}

/// The plugins of the selected packages and of their normal dependency graph: workspace
/// members are scanned (the selected packages' binaries too, other packages' libraries only),
/// other dependencies contribute their `plux.json`. Filtered to `namespace` when given;
/// sorted by namespace, name and place.
///
/// The graph needs a full `cargo metadata`; when that fails (say, crates not downloaded
/// offline) only the selected packages are listed, with a warning saying why. Error
/// diagnostics do not fail it: every plugin that could be read is listed (the command line
/// prints them and exits with 1).
pub fn list(options: &Options, namespace: Option<&str>) -> Result<(Vec<Listed>, Vec<Diagnostic>)> {
    let (workspace, mut diagnostics) = match Workspace::load_with(&options.selection, true) {
        Ok(workspace) => (workspace, Vec::new()),
        Err(Error::Config(message)) => {
            let workspace = Workspace::load(&options.selection)?;
            let warning = Diagnostic::warning(
                None,
                format!("cannot read the dependency graph; listing the selected packages only: {message}"),
            )
            .with_help("run `cargo fetch` (or `cargo metadata`) to see why");
            (workspace, vec![warning])
        }
        Err(e) => return Err(e),
    };
    diagnostics.extend(workspace.diagnostics.iter().cloned());

    // (package, is selected) in graph order; selected packages first
    let mut members = Vec::new();
    let mut others = Vec::new();
    for (package, selected) in graph(&workspace) {
        if workspace.metadata.workspace_members.contains(&package.id) {
            let (model, warnings) = workspace.model(package)?;
            diagnostics.extend(warnings);
            members.push((model, selected));
        } else {
            others.push(package);
        }
    }
    let scans = scan::on_scan_threads(|| {
        members
            .par_iter()
            .map(|(package, selected)| Ok((scan_package(package, options)?, *selected)))
            .collect::<Result<Vec<_>>>()
    })?;

    let mut listed = Vec::new();
    for (scan, selected) in scans {
        diagnostics.extend(scan.diagnostics);
        let bins = if selected { scan.bins } else { Vec::new() };
        for declaration in scan.lib.into_iter().chain(bins) {
            listed.push(Listed {
                package: scan.package.name.clone(),
                declaration,
            });
        }
    }
    for package in others {
        let Some(dir) = package.manifest_path.parent() else {
            continue;
        };
        let path = dir.join("plux.json").into_std_path_buf();
        if path.symlink_metadata().is_err() {
            continue;
        }
        // Capped, regular files only, like every index plux reads.
        let text = match index::read_text(&path) {
            Ok(text) => text,
            Err(Error::Diagnostics(found)) => {
                diagnostics.extend(found);
                continue;
            }
            Err(e) => return Err(e),
        };
        let located = match Index::parse_located(&text, &path) {
            Ok((_, located)) => located,
            Err(found) => {
                diagnostics.extend(found);
                continue;
            }
        };
        for (namespace, entry, location) in located {
            listed.push(Listed {
                package: package.name.to_string(),
                declaration: Declaration {
                    namespace,
                    name: entry.name,
                    value: entry.value,
                    kind: entry.kind,
                    cfg: entry.cfg,
                    cfg_module: entry.cfg_module,
                    // A `plux.json` does not say.
                    interface: None,
                    location,
                },
            });
        }
    }

    let all: Vec<Declaration> = listed.iter().map(|l| l.declaration.clone()).collect();
    diagnostics.extend(scan::duplicates(&all));
    listed.retain(|l| namespace.is_none_or(|ns| ns == l.declaration.namespace));
    listed.sort_by(|a, b| {
        let key = |l: &Listed| {
            (
                l.declaration.namespace.clone(),
                l.declaration.name.clone(),
                l.declaration.location.clone(),
            )
        };
        key(a).cmp(&key(b))
    });
    scan::sort_diagnostics(&mut diagnostics);
    Ok((listed, diagnostics))
}

/// The selected packages and everything they reach through normal dependencies, in
/// breadth-first order, each once; `true` marks a selected package. Without a resolved graph
/// (`--no-deps` metadata), the selected packages only.
fn graph(workspace: &Workspace) -> Vec<(&cargo_metadata::Package, bool)> {
    let metadata: &Metadata = &workspace.metadata;
    let selected: Vec<&cargo_metadata::Package> = workspace
        .packages
        .iter()
        .filter_map(|p| {
            metadata
                .packages
                .iter()
                .find(|m| m.manifest_path.as_std_path() == p.manifest_path)
        })
        .collect();
    let Some(resolve) = &metadata.resolve else {
        return selected.into_iter().map(|p| (p, true)).collect();
    };
    let mut seen: BTreeSet<&PackageId> = selected.iter().map(|p| &p.id).collect();
    let mut queue: VecDeque<&PackageId> = selected.iter().map(|p| &p.id).collect();
    let mut out: Vec<(&cargo_metadata::Package, bool)> =
        selected.iter().map(|p| (*p, true)).collect();
    while let Some(id) = queue.pop_front() {
        let Some(node) = resolve.nodes.iter().find(|n| &n.id == id) else {
            continue;
        };
        for dep in &node.deps {
            let normal = dep.dep_kinds.is_empty()
                || dep
                    .dep_kinds
                    .iter()
                    .any(|k| k.kind == DependencyKind::Normal);
            if normal && seen.insert(&dep.pkg) {
                queue.push_back(&dep.pkg);
                if let Some(package) = metadata.packages.iter().find(|p| p.id == dep.pkg) {
                    out.push((package, false));
                }
            }
        }
    }
    out
}
