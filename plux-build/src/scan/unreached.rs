//! No silent blind spot: `.rs` files under a package's source directories that no module path
//! reached, and that mention plugins, get a warning saying so.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fs;
use std::path::{Component, Path, PathBuf};

use super::cache::{self, Cache, Found, Seen};
use super::filter::Filter;
use super::lex::Lines;
use super::listing::{Kind, Listings};
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
    unreached_cached(targets, options, scans, None, &Listings::new(false))
}

/// [`unreached`], re-using the result `cache` remembers while no directory it listed and no
/// file it read changed (see the cache's `unreached` module), and remembering a new one.
/// Directories are listed through `listings` (those the scans made are not listed again); with
/// a cache, they must carry stamps.
pub(crate) fn unreached_cached(
    targets: &[CrateTarget],
    options: &ScanOptions,
    scans: &[&ScanOutput],
    cache: Option<&Cache>,
    listings: &Listings,
) -> Result<Vec<Diagnostic>> {
    // Each scan's lists are sorted already.
    let lists: Vec<&[PathBuf]> = scans
        .iter()
        .flat_map(|s| [s.files.as_slice(), s.skipped.as_slice()])
        .collect();
    let (name, key) = cache::hash(&format!("{targets:?}{options:?}"), &lists);
    let found = match cache.and_then(|c| c.unreached(name, key)) {
        Some(found) => found,
        None => {
            let mut seen = Seen {
                off: cache.is_none(),
                ..Seen::default()
            };
            let found = find(targets, options, scans, listings, &mut seen)?;
            if let Some(cache) = cache {
                cache.remember_unreached(name, key, &seen, &found);
            }
            found
        }
    };
    let mut out: Vec<Diagnostic> = found
        .into_iter()
        .map(|(location, root)| warning(location, &root))
        .collect();
    out.sort_by(|a, b| a.location.cmp(&b.location));
    Ok(out)
}

/// The first mention of plugins in every unreached file, with the crate root whose directory
/// it is under; `seen` gets every directory listed and file read.
fn find(
    targets: &[CrateTarget],
    options: &ScanOptions,
    scans: &[&ScanOutput],
    listings: &Listings,
    seen: &mut Seen,
) -> Result<Found> {
    // Compared as bytes: the walk joins paths as the directory listing below does; the few
    // with `.` or `..` (a `#[path]`) are normalized first.
    let reached: Vec<Cow<'_, Path>> = scans
        .iter()
        .flat_map(|s| &s.files)
        .map(|p| normal(p))
        .collect();
    let reached: HashSet<&[u8]> = reached.iter().map(|p| bytes(p)).collect();
    let skipped: Vec<Cow<'_, Path>> = scans
        .iter()
        .flat_map(|s| &s.skipped)
        .map(|p| normal(p))
        .collect();
    let mut roots: Vec<(PathBuf, &CrateTarget)> = targets
        .iter()
        .filter_map(|t| Some((normal(t.root.parent()?).into_owned(), t)))
        .collect();
    roots.sort_by(|a, b| a.0.cmp(&b.0));
    // A directory inside another one is walked with it.
    roots.dedup_by(|inner, outer| inner.0.starts_with(&outer.0));
    let mut out = Vec::new();
    for (dir, target) in roots {
        let filter = Filter::new(options, &target.crate_name, &target.package_root)?;
        let package_root = normal(&target.package_root);
        let left_out = |file: &Path| {
            reached.contains(bytes(file))
                || skipped.iter().any(|s| file.starts_with(s))
                || filter.excludes_file(file)
        };
        let walk = Walk {
            package_root: &package_root,
            include_tests: options.include_tests,
            listings,
        };
        for file in walk.rust_files(&dir, left_out, seen) {
            seen.note(file.clone());
            if let Some(location) = first_mention(&file) {
                out.push((location, target.root.clone()));
            }
        }
    }
    Ok(out)
}

fn bytes(path: &Path) -> &[u8] {
    path.as_os_str().as_encoded_bytes()
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

/// How [`Walk::rust_files`] walks one package's directories.
struct Walk<'a> {
    package_root: &'a Path,
    include_tests: bool,
    listings: &'a Listings,
}

impl Walk<'_> {
    /// The `.rs` files below `dir` that `left_out` does not leave out (see [`unreached`] for
    /// what is not looked in), in no order: one listing per directory (shared with the scans,
    /// see `scan::listing`), and a path is built in one buffer per directory (the common
    /// case, every file reached, allocates nothing per file).
    fn rust_files(
        &self,
        dir: &Path,
        left_out: impl Fn(&Path) -> bool,
        seen: &mut Seen,
    ) -> Vec<PathBuf> {
        let mut files = Vec::new();
        let mut pending = vec![dir.to_path_buf()];
        while let Some(current) = pending.pop() {
            let listing = self.listings.get(&current);
            // Its stamp was taken before its listing: a change after it shows next time.
            seen.stamped(current.clone(), listing.stamp);
            let top = current.as_path() == self.package_root;
            let (mut here, mut below) = (Vec::new(), Vec::new());
            let mut package = false;
            let mut path = current.clone();
            for (name, kind) in listing.entries() {
                let Some(name) = name.to_str() else { continue };
                match kind {
                    Kind::File => {
                        package |= name == "Cargo.toml";
                        if name.ends_with(".rs") {
                            path.push(name);
                            if !left_out(&path) {
                                here.push(path.clone());
                            }
                            path.pop();
                        }
                    }
                    Kind::Dir => {
                        let skipped = name.starts_with('.')
                            || name == "target"
                            || (top
                                && !self.include_tests
                                && matches!(name, "tests" | "benches" | "examples"));
                        if !skipped {
                            below.push(current.join(name));
                        }
                    }
                    Kind::Symlink | Kind::Other => {}
                }
            }
            // Another package's directory (the walk's own package root is where it starts).
            if package && current != dir {
                continue;
            }
            files.append(&mut here);
            pending.append(&mut below);
        }
        files
    }
}

/// `path` with `.` and `..` resolved without the file system (`#[path = "../x.rs"]` joins);
/// borrowed when it has none.
fn normal(path: &Path) -> Cow<'_, Path> {
    // `.` and `..` components are rare: look for them as bytes before parsing components.
    let dotted = bytes(path).windows(2).any(|w| w == b"/." || w == b"./") || bytes(path) == b".";
    if !dotted
        || !path
            .components()
            .any(|c| matches!(c, Component::CurDir | Component::ParentDir))
    {
        return Cow::Borrowed(path);
    }
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
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_normalized_without_the_file_system() {
        assert_eq!(
            normal(Path::new("/p/src/a/../b/./c.rs")),
            Path::new("/p/src/b/c.rs")
        );
        assert_eq!(normal(Path::new("../x")), Path::new("../x"));
        assert!(matches!(normal(Path::new("/p/a.rs")), Cow::Borrowed(_)));
    }
}
