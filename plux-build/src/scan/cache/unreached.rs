//! The memo of a package's unreached files (`scan::unreached`): which files under its targets'
//! directories no module path reached and mention plugins, re-used while every directory it
//! listed and every such file it read keeps its stat stamp (adding, removing or renaming a file
//! changes its directory's). A warm run then costs a `stat` per directory instead of a listing.
//!
//! One file per package and options, `<hash>.unreached` beside the target cache files, holding
//! the build id, a key of everything else the result depends on (the targets, the options, the
//! files the scan reached and the modules it skipped), the stamps, the result and a checksum.
//! Anything that does not decode, or was made by another build or for another key, is
//! ignored and rewritten; write errors are ignored.

use std::fs;
use std::io::Write as _;
use std::path::PathBuf;

use xxhash_rust::xxh3::{xxh3_64, xxh3_128};

use super::codec::{Reader, Writer, get_location, put_location};
use super::{Cache, Stamp, build_id};
use crate::model::Location;

const MAGIC: &[u8; 8] = b"PLUXUNRE";

/// What an unreached-files pass looked at, and what it found.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// Every directory listed, with its stamp (taken before the listing).
    pub(crate) dirs: Vec<(PathBuf, Stamp)>,
    /// Every file read for plugin text, with its stamp.
    pub(crate) files: Vec<(PathBuf, Stamp)>,
    /// Some stamp was missing or too recent to be trusted: nothing is remembered.
    pub(crate) unsettled: bool,
}

impl Seen {
    /// Notes a path the result depends on (`dir`: a listed directory, else a file read).
    pub(crate) fn note(&mut self, path: PathBuf, dir: bool) {
        match fs::metadata(&path).ok().as_ref().and_then(Stamp::of) {
            Some(stamp) if dir => self.dirs.push((path, stamp)),
            Some(stamp) => self.files.push((path, stamp)),
            None => self.unsettled = true,
        }
    }
}

impl Cache {
    fn unreached_file(&self, name: u128) -> PathBuf {
        self.dir().join(format!("{name:032x}.unreached"))
    }

    /// The remembered result for `key` (each found file's first mention and the crate root the
    /// warning names), if every stamp it depends on still holds.
    pub(crate) fn unreached(&self, name: u128, key: u128) -> Option<Vec<(Location, PathBuf)>> {
        let buf = fs::read(self.unreached_file(name)).ok()?;
        let (body, sum) = buf.split_at_checked(buf.len().checked_sub(8)?)?;
        if xxh3_64(body).to_le_bytes() != sum {
            return None;
        }
        let mut r = Reader::new(body);
        if r.take(MAGIC.len())? != MAGIC
            || r.part().and_then(|id| body.get(id)) != Some(build_id())
            || r.u128()? != key
        {
            return None;
        }
        let stamped = |r: &mut Reader<'_>| r.vec(|r| Some((r.path()?, Stamp::get(r)?)));
        let dirs = stamped(&mut r)?;
        let files = stamped(&mut r)?;
        let found = r.vec(|r| Some((get_location(r)?, r.path()?)))?;
        let fresh = dirs.iter().chain(&files).all(|(path, stamp)| {
            fs::metadata(path).ok().as_ref().and_then(Stamp::of) == Some(*stamp)
        });
        fresh.then_some(found)
    }

    /// Remembers a result (unless a stamp was unsettled); errors are ignored.
    pub(crate) fn remember_unreached(
        &self,
        name: u128,
        key: u128,
        seen: &Seen,
        found: &[(Location, PathBuf)],
    ) {
        if seen.unsettled {
            return;
        }
        let mut w = Writer::default();
        w.buf.extend_from_slice(MAGIC);
        w.bytes(build_id());
        w.u128(key);
        for stamped in [&seen.dirs, &seen.files] {
            w.vec(stamped, |w, (path, stamp)| {
                w.path(path);
                stamp.put(w);
            });
        }
        w.vec(found, |w, (location, root)| {
            put_location(w, location);
            w.path(root);
        });
        if w.failed {
            return;
        }
        let sum = xxh3_64(&w.buf);
        w.buf.extend_from_slice(&sum.to_le_bytes());
        let file = self.unreached_file(name);
        let _ = fs::create_dir_all(self.dir()).and_then(|()| {
            let mut tmp = crate::tmp::NamedTempFile::new_in(self.dir())?;
            tmp.write_all(&w.buf)?;
            tmp.persist(&file).map_err(|e| e.error)?;
            Ok(())
        });
    }
}

/// A hash of text (the memo's file name and key are made of `Debug` renderings).
pub(crate) fn hash(text: &str) -> u128 {
    xxh3_128(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_result_holds_while_its_stamps_do() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path().join("cache"));
        let watched = dir.path().join("src");
        fs::create_dir(&watched).unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        fs::File::open(&watched).unwrap().set_modified(old).unwrap();
        let mut seen = Seen::default();
        seen.note(watched.clone(), true);
        assert!(!seen.unsettled);
        let location = Location {
            file: watched.join("x.rs"),
            line: 1,
            column: 3,
        };
        let found = vec![(location, watched.join("lib.rs"))];
        cache.remember_unreached(1, 2, &seen, &found);
        assert_eq!(cache.unreached(1, 2), Some(found));
        // Another key, or a changed directory: no result.
        assert_eq!(cache.unreached(1, 3), None);
        fs::write(watched.join("new.rs"), "").unwrap();
        assert_eq!(cache.unreached(1, 2), None);
        // A stamp too recent to be trusted: nothing is remembered.
        let mut recent = Seen::default();
        recent.note(watched.clone(), true);
        assert!(recent.unsettled);
    }
}
