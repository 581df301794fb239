//! Stat stamps: what says a file or directory is unchanged without reading it, and the
//! directories whose stamps vouch for module-file probes.

use std::collections::HashMap;
use std::fs;
use std::path::PathBuf;
use std::time::SystemTime;

use super::SETTLED;
use super::codec::{Reader, Writer};
use crate::scan::listing::{Kind, Listings, Lookup};

/// A file's stat figures; equal stamps mean an unchanged file when the stamp was settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Stamp {
    len: u64,
    mtime: (i64, i64),
    ctime: (i64, i64),
    ino: u64,
    dev: u64,
}

impl Stamp {
    /// The stamp of `meta`, `None` when the file changed too recently to trust it.
    pub(crate) fn of(meta: &fs::Metadata) -> Option<Self> {
        let modified = meta.modified().ok()?;
        let age = SystemTime::now().duration_since(modified).ok()?;
        if age < SETTLED {
            return None;
        }
        Some(Self::raw(meta, modified))
    }

    #[cfg(unix)]
    pub(super) fn raw(meta: &fs::Metadata, _: SystemTime) -> Self {
        use std::os::unix::fs::MetadataExt;
        Self {
            len: meta.len(),
            mtime: (meta.mtime(), meta.mtime_nsec()),
            ctime: (meta.ctime(), meta.ctime_nsec()),
            ino: meta.ino(),
            dev: meta.dev(),
        }
    }

    #[cfg(not(unix))]
    pub(super) fn raw(meta: &fs::Metadata, modified: SystemTime) -> Self {
        let since = modified
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap_or_default();
        Self {
            len: meta.len(),
            mtime: (since.as_secs() as i64, i64::from(since.subsec_nanos())),
            ctime: (0, 0),
            ino: 0,
            dev: 0,
        }
    }

    pub(super) fn put(&self, w: &mut Writer) {
        w.u64(self.len);
        for v in [self.mtime.0, self.mtime.1, self.ctime.0, self.ctime.1] {
            w.i64(v);
        }
        w.u64(self.ino);
        w.u64(self.dev);
    }

    pub(super) fn get(r: &mut Reader) -> Option<Self> {
        Some(Self {
            len: r.u64()?,
            mtime: (r.i64()?, r.i64()?),
            ctime: (r.i64()?, r.i64()?),
            ino: r.u64()?,
            dev: r.u64()?,
        })
    }
}

/// The directories whose stamps cover `probes`: for each probed path, the nearest existing
/// directory above it. Creating, removing or renaming an entry changes a directory's mtime,
/// so while their settled stamps are unchanged every probe has its recorded answer, and one
/// `stat` per directory replaces one per probe. `None` (probe one by one) when a stamp is not
/// settled, or a probe found a symlink (its target can change without its directory).
/// `links` tells for files the walk reached whether they are symlinks, and `listings` what the
/// walk's directory listings saw (a directory's stamp, taken before its listing, or that an
/// entry is missing); other paths are looked at.
pub(super) fn cover(
    probes: &[(PathBuf, bool)],
    links: &HashMap<PathBuf, bool>,
    listings: &Listings,
) -> Option<Vec<(PathBuf, Stamp)>> {
    let mut out: Vec<(PathBuf, Stamp)> = Vec::new();
    for (path, found) in probes {
        let symlink = || match listings.known(path) {
            Lookup::Entry(kind) => Some(kind == Kind::Symlink),
            _ => Some(fs::symlink_metadata(path).ok()?.file_type().is_symlink()),
        };
        if *found && links.get(path).copied().or_else(symlink) != Some(false) {
            return None;
        }
        let mut dir = path.parent()?;
        loop {
            if dir.as_os_str().is_empty() {
                return None;
            }
            if out.iter().any(|(d, _)| d == dir) {
                break;
            }
            if listings.stamps()
                && let Some(listing) = listings.peek(dir).filter(|l| l.listed())
            {
                out.push((dir.to_path_buf(), listing.stamp?));
                break;
            }
            if listings.known(dir) == Lookup::Absent {
                dir = dir.parent()?;
                continue;
            }
            match fs::metadata(dir) {
                Ok(meta) if meta.is_dir() => {
                    out.push((dir.to_path_buf(), Stamp::of(&meta)?));
                    break;
                }
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => dir = dir.parent()?,
                _ => return None,
            }
        }
    }
    Some(out)
}

/// Whether every directory still has its recorded stamp.
pub(super) fn unchanged(dirs: &[(PathBuf, Stamp)]) -> bool {
    dirs.iter()
        .all(|(dir, stamp)| fs::metadata(dir).ok().and_then(|m| Stamp::of(&m)) == Some(*stamp))
}
