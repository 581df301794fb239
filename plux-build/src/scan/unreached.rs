//! No silent blind spot: `.rs` files under a package's source directories that no module path
//! reached, and that mention plugins, get a warning saying so.

use std::collections::HashSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use super::filter::Filter;
use super::lex::Lines;
use super::skim::mentions_plugins;
use super::{CrateTarget, ScanOptions, ScanOutput};
use crate::diagnostic::Diagnostic;
use crate::error::Result;
use crate::model::Location;

/// Warnings for the `.rs` files under the directories of `targets`' roots (one package's lib
/// and bins, or one crate) that none of `scans` read, that were not left out on purpose (a
/// module under `#[cfg(test)]`, an `exclude` pattern), and that mention `plugin` or
/// `PluginSpec`: one warning per file, at the first mention, sorted by path.
///
/// Hidden and `target` directories and, below a target directory that is the package root,
/// `tests`, `benches` and `examples` (unless tests are included) are not looked in, and
/// neither are nested packages (a directory with a `Cargo.toml`); symlinks are not followed.
/// Returns `Err` only for an invalid pattern in `options`.
///
/// ```
/// use plux_build::scan::{CrateTarget, ScanOptions, TargetKind, scan_target, unreached};
///
/// let dir = tempfile::tempdir()?;
/// std::fs::create_dir(dir.path().join("src"))?;
/// std::fs::write(dir.path().join("src/lib.rs"), "pub mod used;\n")?;
/// std::fs::write(dir.path().join("src/used.rs"), "")?;
/// std::fs::write(dir.path().join("src/orphan.rs"), "#[plugin(namespace = \"x\")]\npub fn f() {}\n")?;
/// let target = CrateTarget {
///     crate_name: "demo".into(),
///     kind: TargetKind::Lib,
///     root: dir.path().join("src/lib.rs"),
///     package_root: dir.path().to_path_buf(),
/// };
/// let options = ScanOptions::default();
/// let out = scan_target(&target, &options)?;
/// let warnings = unreached(&[target], &options, &[&out])?;
/// assert_eq!(warnings.len(), 1);
/// assert!(warnings[0].location.as_ref().unwrap().file.ends_with("src/orphan.rs"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn unreached(
    targets: &[CrateTarget],
    options: &ScanOptions,
    scans: &[&ScanOutput],
) -> Result<Vec<Diagnostic>> {
    let reached: HashSet<PathBuf> = scans
        .iter()
        .flat_map(|s| &s.files)
        .map(|p| normalize(p))
        .collect();
    let skipped: Vec<PathBuf> = scans
        .iter()
        .flat_map(|s| &s.skipped)
        .map(|p| normalize(p))
        .collect();
    let mut roots: Vec<(PathBuf, &CrateTarget)> = targets
        .iter()
        .filter_map(|t| Some((normalize(t.root.parent()?), t)))
        .collect();
    roots.sort_by(|a, b| a.0.cmp(&b.0));
    // A directory inside another one is walked with it.
    roots.dedup_by(|inner, outer| inner.0.starts_with(&outer.0));
    let mut out = Vec::new();
    for (dir, target) in roots {
        let filter = Filter::new(options, &target.crate_name, &target.package_root)?;
        let package_root = normalize(&target.package_root);
        for file in rust_files(&dir, &package_root, options.include_tests) {
            let left_out = reached.contains(&file)
                || skipped.iter().any(|s| file.starts_with(s))
                || filter.excludes_file(&file);
            if left_out {
                continue;
            }
            if let Some(location) = first_mention(&file) {
                out.push(warning(location, &target.root));
            }
        }
    }
    out.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(out)
}

fn warning(location: Location, root: &Path) -> Diagnostic {
    Diagnostic::warning(
        Some(location),
        "this file mentions plugins, but no module path reaches it: it was not scanned",
    )
    .with_note(format!(
        "the scanner follows `mod` items from the crate root `{}` (in macro calls whose body \
         is items too); a file that rustc reaches otherwise (`include!`, a macro that \
         generates `mod` items) or not at all is not read",
        root.display()
    ))
    .with_help("declare its module with a `mod` item, or silence this with `exclude`")
}

/// The `.rs` files below `dir`, sorted (see [`unreached`] for what is not looked in).
fn rust_files(dir: &Path, package_root: &Path, include_tests: bool) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let Ok(entries) = fs::read_dir(&current) else {
            continue;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let path = current.join(&*name);
            if kind.is_file() && name.ends_with(".rs") {
                files.push(path);
            } else if kind.is_dir() {
                let top = current == package_root;
                let skipped = name.starts_with('.')
                    || name == "target"
                    || (top
                        && !include_tests
                        && matches!(&*name, "tests" | "benches" | "examples"))
                    || path.join("Cargo.toml").exists();
                if !skipped {
                    pending.push(path);
                }
            }
        }
    }
    files.sort();
    files
}

/// Where a file first mentions `plugin` or `PluginSpec`, if it does (and can be read).
fn first_mention(file: &Path) -> Option<Location> {
    let bytes = fs::read(file).ok()?;
    if !mentions_plugins(&bytes) {
        return None;
    }
    let offset = memchr::memmem::find(&bytes, b"plugin")
        .into_iter()
        .chain(memchr::memmem::find(&bytes, b"PluginSpec"))
        .min()?;
    let (line, column) = Lines::new(&bytes).at(offset);
    Some(Location {
        file: file.to_path_buf(),
        line,
        column: column + 1,
    })
}

/// `path` with `.` and `..` resolved without the file system (`#[path = "../x.rs"]` joins).
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized_without_the_file_system() {
        assert_eq!(
            normalize(Path::new("/p/src/a/../b/./c.rs")),
            Path::new("/p/src/b/c.rs")
        );
        assert_eq!(normalize(Path::new("../x")), Path::new("../x"));
    }
}
