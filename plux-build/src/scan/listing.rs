//! Directory listings shared by one package's scan and its unreached-files pass.
//!
//! rustc looks for `mod x;` at `x.rs` and `x/mod.rs`; asking the file system about each path
//! costs two `stat`s per `mod` item (and the cache's cover one more for the missing `x/`). The
//! unreached-files pass lists every source directory anyway, so the walk answers its probes
//! from the listing of the probed path's directory instead: one listing per directory (taken
//! once per package, by whichever of the two needs it first) replaces a `stat` per probe, and
//! the pass re-uses the listings the walk made.
//!
//! A listing answers only what it knows for sure; everything else is asked of the file system
//! as before:
//!
//! - an entry that is a regular file, a directory or something else is a file or not, as its
//!   directory entry says (no symlink is followed by a listing: a symlink is `stat`ed);
//! - a name the listing does not hold is missing, unless the name is not ASCII or an entry
//!   differs from it only in ASCII case (a case-insensitive or normalizing file system finds
//!   it by `stat`);
//! - a path with `.` or `..` components, and a directory that cannot be listed (a missing or
//!   unreadable one), are `stat`ed as before, so a directory without read permission still
//!   reports "permission denied" at the `mod` item.
//!
//! With stamps on (a scan with a cache), each directory's stat stamp is taken before it is
//! listed, so that a change after the stamp shows in the next run; the cache's covers and the
//! unreached-files memo use these stamps instead of a `stat` of their own.

use std::collections::{HashMap, HashSet};
use std::ffi::{OsStr, OsString};
use std::fs;
use std::path::{Component, Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::cache::Stamp;

/// What a directory entry is, without following symlinks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    File,
    Dir,
    Symlink,
    Other,
}

/// What a listing says about a name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// An entry of this kind.
    Entry(Kind),
    /// No such entry.
    Absent,
    /// The listing cannot tell (see the module docs): ask the file system.
    Unknown,
}

/// One directory's listing.
#[derive(Debug, Default)]
pub(crate) struct Listing {
    /// The directory's stamp, taken before the listing (`None`: stamps off, the directory
    /// changed too recently to trust it, or it could not be read).
    pub(crate) stamp: Option<Stamp>,
    /// The entries by name; `None` when the directory could not be listed.
    entries: Option<HashMap<OsString, Kind>>,
    /// Every entry's name with ASCII letters lowercased.
    folded: HashSet<Vec<u8>>,
}

impl Listing {
    fn read(dir: &Path, stamps: bool) -> Self {
        let stamp = match stamps {
            true => fs::metadata(dir).ok().as_ref().and_then(Stamp::of),
            false => None,
        };
        let Ok(read) = fs::read_dir(dir) else {
            return Self {
                stamp,
                ..Self::default()
            };
        };
        let mut entries = HashMap::new();
        let mut folded = HashSet::new();
        for entry in read.flatten() {
            let kind = match entry.file_type() {
                Ok(t) if t.is_file() => Kind::File,
                Ok(t) if t.is_dir() => Kind::Dir,
                Ok(t) if t.is_symlink() => Kind::Symlink,
                _ => Kind::Other,
            };
            let name = entry.file_name();
            folded.insert(name.as_encoded_bytes().to_ascii_lowercase());
            entries.insert(name, kind);
        }
        Self {
            stamp,
            entries: Some(entries),
            folded,
        }
    }

    /// Whether the directory was listed.
    pub(crate) fn listed(&self) -> bool {
        self.entries.is_some()
    }

    /// The entries (none when the directory could not be listed), in no order.
    #[cfg(feature = "cli")]
    pub(crate) fn entries(&self) -> impl Iterator<Item = (&OsStr, Kind)> {
        self.entries
            .iter()
            .flatten()
            .map(|(name, kind)| (name.as_os_str(), *kind))
    }

    /// What the listing says about `name`.
    pub(crate) fn lookup(&self, name: &OsStr) -> Lookup {
        let Some(entries) = &self.entries else {
            return Lookup::Unknown;
        };
        if let Some(kind) = entries.get(name) {
            return Lookup::Entry(*kind);
        }
        let bytes = name.as_encoded_bytes();
        if bytes.is_ascii() && !self.folded.contains(&bytes.to_ascii_lowercase()) {
            Lookup::Absent
        } else {
            Lookup::Unknown
        }
    }
}

/// The listings of one scan (one package: its targets and its unreached-files pass).
#[derive(Debug, Default)]
pub(crate) struct Listings {
    stamps: bool,
    dirs: Mutex<HashMap<PathBuf, Arc<Listing>>>,
}

impl Listings {
    /// Listings that take each directory's stamp (`stamps`, for a scan with a cache) or not.
    pub(crate) fn new(stamps: bool) -> Self {
        Self {
            stamps,
            dirs: Mutex::default(),
        }
    }

    /// Whether listings carry stamps.
    pub(crate) fn stamps(&self) -> bool {
        self.stamps
    }

    /// The listing of `dir`, made now if no one made it yet.
    pub(crate) fn get(&self, dir: &Path) -> Arc<Listing> {
        if let Some(listing) = self.peek(dir) {
            return listing;
        }
        let listing = Arc::new(Listing::read(dir, self.stamps));
        let mut dirs = self.dirs.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(dirs.entry(dir.to_path_buf()).or_insert(listing))
    }

    /// The listing of `dir`, if one was made.
    pub(crate) fn peek(&self, dir: &Path) -> Option<Arc<Listing>> {
        let dirs = self.dirs.lock().unwrap_or_else(PoisonError::into_inner);
        dirs.get(dir).cloned()
    }

    /// What an existing listing says about `path` (a directory known to be missing from its
    /// parent's listing is missing too); `Unknown` without one.
    pub(crate) fn known(&self, path: &Path) -> Lookup {
        match (path.parent(), path.file_name()) {
            (Some(dir), Some(name)) if plain(path) => self
                .peek(dir)
                .map_or(Lookup::Unknown, |listing| listing.lookup(name)),
            _ => Lookup::Unknown,
        }
    }

    /// Whether `path` is a file, as `stat` would tell (following symlinks); a path that cannot
    /// be looked at (permission denied) counts as a file, so that reading it reports why.
    /// Answered from the listing of its directory when it can be (see the module docs).
    pub(crate) fn is_file(&self, path: &Path) -> bool {
        let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
            return stat_is_file(path);
        };
        if dir.as_os_str().is_empty() || !plain(path) {
            return stat_is_file(path);
        }
        // A directory its parent's listing does not hold has no entries (`x/mod.rs` after
        // `x.rs` was looked for in the same listing).
        if self.known(dir) == Lookup::Absent {
            return false;
        }
        match self.get(dir).lookup(name) {
            Lookup::Entry(Kind::File) => true,
            Lookup::Entry(Kind::Dir | Kind::Other) | Lookup::Absent => false,
            Lookup::Entry(Kind::Symlink) | Lookup::Unknown => stat_is_file(path),
        }
    }
}

/// `path` has no `.` or `..` component (a listing's names are plain).
fn plain(path: &Path) -> bool {
    // Rare (a `#[path]` with `..`): look for them as bytes before parsing components.
    let bytes = path.as_os_str().as_encoded_bytes();
    let dotted = bytes.starts_with(b".") || memchr::memmem::find(bytes, b"/.").is_some();
    !dotted
        || !path
            .components()
            .any(|c| matches!(c, Component::CurDir | Component::ParentDir))
}

fn stat_is_file(path: &Path) -> bool {
    match fs::metadata(path) {
        Ok(meta) => meta.is_file(),
        Err(err) => err.kind() == std::io::ErrorKind::PermissionDenied,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn probes_answered_from_listings_agree_with_stat() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        fs::write(root.join("a.rs"), "").unwrap();
        fs::create_dir(root.join("b")).unwrap();
        fs::write(root.join("b/mod.rs"), "").unwrap();
        fs::create_dir(root.join("c.rs")).unwrap();
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(root.join("a.rs"), root.join("link.rs")).unwrap();
            std::os::unix::fs::symlink(root.join("gone.rs"), root.join("dangling.rs")).unwrap();
            std::os::unix::fs::symlink(root.join("b"), root.join("linked")).unwrap();
        }
        let listings = Listings::new(false);
        for path in [
            "a.rs",
            "A.rs",
            "b.rs",
            "b/mod.rs",
            "b/x.rs",
            "c.rs",
            "x/mod.rs",
            "x/y/mod.rs",
            "link.rs",
            "dangling.rs",
            "linked/mod.rs",
            "b/../a.rs",
            "./a.rs",
            "é.rs",
        ] {
            let path = root.join(path);
            assert_eq!(
                listings.is_file(&path),
                stat_is_file(&path),
                "{}",
                path.display()
            );
        }
        // One listing per directory looked in; a missing `x/` was not listed.
        let dirs = listings.dirs.lock().unwrap();
        assert!(dirs.contains_key(root) && dirs.contains_key(&root.join("b")));
        assert!(!dirs.contains_key(&root.join("x")));
    }

    #[test]
    fn a_name_differing_only_in_case_is_asked_of_the_file_system() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("Mixed.rs"), "").unwrap();
        let listing = Listing::read(dir.path(), false);
        assert_eq!(
            listing.lookup(OsStr::new("Mixed.rs")),
            Lookup::Entry(Kind::File)
        );
        assert_eq!(listing.lookup(OsStr::new("mixed.rs")), Lookup::Unknown);
        assert_eq!(listing.lookup(OsStr::new("other.rs")), Lookup::Absent);
        assert_eq!(listing.lookup(OsStr::new("ö.rs")), Lookup::Unknown);
    }

    #[cfg(unix)]
    #[test]
    fn an_unreadable_directory_is_stated_as_before() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let locked = dir.path().join("locked");
        fs::create_dir(&locked).unwrap();
        fs::write(locked.join("mod.rs"), "").unwrap();
        // Search permission without read permission: `stat` finds the file, a listing fails.
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o100)).unwrap();
        let listings = Listings::new(true);
        let found = listings.is_file(&locked.join("mod.rs"));
        fs::set_permissions(&locked, fs::Permissions::from_mode(0o755)).unwrap();
        assert!(found);
    }
}
