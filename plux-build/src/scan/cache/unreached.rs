//! The memos of packages' unreached-files passes (`scan::unreached`): which files under a
//! package's targets' directories no module path reached and mention plugins, re-used while
//! every directory the pass listed and every such file it read keeps its stat stamp (adding,
//! removing or renaming a file changes its directory's). A warm run then costs a `stat` per
//! directory instead of a listing.
//!
//! One file for the cache directory, `unreached.memo`, read on first use and written once at
//! the end of a run (`Cache::save_unreached`) with the memos that run used: one per package and
//! options, each with a key of everything else its result depends on (the targets, the
//! options, the files the scan reached and the modules it skipped), the stamps and the
//! result. A file that does not decode or was made by another build is ignored and rewritten;
//! write errors are ignored.

use std::collections::HashMap;
use std::fs;
use std::io::Write as _;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::SystemTime;

use xxhash_rust::xxh3::{Xxh3, xxh3_64};

use super::codec::{Reader, Writer, get_location, put_location};
use super::{Cache, MAX_CACHE_BYTES, Stamp, build_id, lock};
use crate::model::Location;

const MAGIC: &[u8; 8] = b"PLUXUNRE";
const FILE: &str = "unreached.memo";

/// What an unreached-files pass looked at, and what it found.
#[derive(Debug, Default)]
pub(crate) struct Seen {
    /// Every directory listed, with its stamp (taken before the listing).
    pub(crate) dirs: Vec<(PathBuf, Stamp)>,
    /// Every file read for plugin text, with its stamp.
    pub(crate) files: Vec<(PathBuf, Stamp)>,
    /// Some stamp was missing or too recent to be trusted: nothing is remembered.
    pub(crate) unsettled: bool,
    /// Nothing is noted (there is no cache to remember it in).
    pub(crate) off: bool,
}

impl Seen {
    /// Notes a file read that the result depends on.
    pub(crate) fn note(&mut self, path: PathBuf) {
        if self.off {
            return;
        }
        match fs::metadata(&path).ok().as_ref().and_then(Stamp::of) {
            Some(stamp) => self.files.push((path, stamp)),
            None => self.unsettled = true,
        }
    }

    /// Notes a listed directory the result depends on, with the stamp taken before its
    /// listing (`None`: missing or unsettled).
    pub(crate) fn stamped(&mut self, dir: PathBuf, stamp: Option<Stamp>) {
        if self.off {
            return;
        }
        match stamp {
            Some(stamp) => self.dirs.push((dir, stamp)),
            None => self.unsettled = true,
        }
    }
}

/// The memos of one cache directory: those read from its file, and those this run used.
#[derive(Debug, Default)]
pub(crate) struct Memos {
    /// Package name hash → the encoded memo (key, stamps, result), and the file's modification
    /// time.
    loaded: OnceLock<Loaded>,
    used: Mutex<HashMap<u128, Vec<u8>>>,
    changed: AtomicBool,
}

/// The memos of a file (package name hash → encoded memo), and its modification time.
type Loaded = (HashMap<u128, Vec<u8>>, Option<SystemTime>);

/// A found file's first mention of plugins, and the crate root its warning names.
pub(crate) type Found = Vec<(Location, PathBuf)>;

impl Cache {
    fn memos(&self) -> &HashMap<u128, Vec<u8>> {
        &self.loaded().0
    }

    fn loaded(&self) -> &Loaded {
        self.unreached
            .loaded
            .get_or_init(|| read(&self.dir().join(FILE)).unwrap_or_default())
    }

    /// The remembered result of package `name` for `key`, if every stamp it depends on still
    /// holds.
    pub(crate) fn unreached(&self, name: u128, key: u128) -> Option<Found> {
        let memo = self.memos().get(&name)?;
        let mut r = Reader::new(memo);
        if r.u128()? != key {
            return None;
        }
        let stamped = |r: &mut Reader<'_>| r.vec(|r| Some((r.path()?, Stamp::get(r)?)));
        let dirs = stamped(&mut r)?;
        let files = stamped(&mut r)?;
        let found = r.vec(|r| Some((get_location(r)?, r.path()?)))?;
        let fresh = dirs.iter().chain(&files).all(|(path, stamp)| {
            fs::metadata(path).ok().as_ref().and_then(Stamp::of) == Some(*stamp)
        });
        if !fresh || r.pos != memo.len() {
            return None;
        }
        lock(&self.unreached.used).insert(name, memo.clone());
        Some(found)
    }

    /// Remembers the result of package `name` for `key` (unless a stamp was unsettled), to be
    /// written by [`Cache::save_unreached`].
    pub(crate) fn remember_unreached(&self, name: u128, key: u128, seen: &Seen, found: &Found) {
        self.unreached.changed.store(true, Ordering::Relaxed);
        if seen.unsettled {
            return;
        }
        let mut w = Writer::default();
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
        if !w.failed {
            lock(&self.unreached.used).insert(name, w.buf);
        }
    }

    /// Writes the memos this run used, if any changed (or some were not used); errors are
    /// ignored.
    pub(crate) fn save_unreached(&self) {
        let used = lock(&self.unreached.used);
        let same =
            !self.unreached.changed.load(Ordering::Relaxed) && used.len() == self.memos().len();
        let file = self.dir().join(FILE);
        if same || (used.is_empty() && self.memos().is_empty()) {
            if !self.memos().is_empty() {
                self.used.note(&file, self.loaded().1);
            }
            return;
        }
        self.used.note(&file, None);
        let mut names: Vec<&u128> = used.keys().collect();
        names.sort();
        let mut w = Writer::default();
        w.buf.extend_from_slice(MAGIC);
        w.bytes(build_id());
        w.vec(&names, |w, name| {
            w.u128(**name);
            w.bytes(&used[*name]);
        });
        let sum = xxh3_64(&w.buf);
        w.buf.extend_from_slice(&sum.to_le_bytes());
        let _ = fs::create_dir_all(self.dir()).and_then(|()| {
            let mut tmp = crate::tmp::NamedTempFile::new_in(self.dir())?;
            tmp.write_all(&w.buf)?;
            tmp.persist(&file).map_err(|e| e.error)?;
            Ok(())
        });
    }
}

/// The memos of a valid file of this build, and its modification time. Only a regular file of
/// at most `MAX_CACHE_BYTES` is read (a FIFO would block).
fn read(file: &std::path::Path) -> Option<Loaded> {
    let (buf, modified) = crate::fsx::read_regular_modified(file, MAX_CACHE_BYTES).ok()?;
    let (body, sum) = buf.split_at_checked(buf.len().checked_sub(8)?)?;
    if xxh3_64(body).to_le_bytes() != sum {
        return None;
    }
    let mut r = Reader::new(body);
    if r.take(MAGIC.len())? != MAGIC || r.part().and_then(|id| body.get(id)) != Some(build_id()) {
        return None;
    }
    let memos = r.vec(|r| {
        let name = r.u128()?;
        let len = r.len()?;
        Some((name, r.take(len)?.to_vec()))
    })?;
    (r.pos == body.len()).then(|| (memos.into_iter().collect(), modified))
}

/// The name and key of a package's memo: a hash of `head` (the targets and options), and one
/// of `head` and the bytes of `paths` (the files reached and the modules skipped, each sorted).
pub(crate) fn hash(head: &str, paths: &[&[PathBuf]]) -> (u128, u128) {
    let mut hasher = Xxh3::new();
    hasher.update(head.as_bytes());
    let name = hasher.digest128();
    for list in paths {
        hasher.update(&list.len().to_le_bytes());
        for path in *list {
            let bytes = path.as_os_str().as_encoded_bytes();
            hasher.update(&bytes.len().to_le_bytes());
            hasher.update(bytes);
        }
    }
    (name, hasher.digest128())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_remembered_result_holds_while_its_stamps_do() {
        let dir = tempfile::tempdir().unwrap();
        let watched = dir.path().join("src");
        fs::create_dir(&watched).unwrap();
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(3600);
        fs::File::open(&watched).unwrap().set_modified(old).unwrap();
        let mut seen = Seen::default();
        let stamp = fs::metadata(&watched).ok().as_ref().and_then(Stamp::of);
        seen.stamped(watched.clone(), stamp);
        assert!(!seen.unsettled);
        let location = Location {
            file: watched.join("x.rs"),
            line: 1,
            column: 3,
        };
        let found = vec![(location, watched.join("lib.rs"))];
        let cache = Cache::new(dir.path().join("cache"));
        cache.remember_unreached(1, 2, &seen, &found);
        cache.save_unreached();
        // A new run reads the file.
        let cache = Cache::new(dir.path().join("cache"));
        assert_eq!(cache.unreached(1, 2), Some(found));
        // Another key, or a changed directory: no result.
        assert_eq!(cache.unreached(1, 3), None);
        fs::write(watched.join("new.rs"), "").unwrap();
        assert_eq!(Cache::new(dir.path().join("cache")).unreached(1, 2), None);
        // A stamp too recent to be trusted: nothing is remembered.
        let mut recent = Seen::default();
        recent.note(watched.join("new.rs"));
        assert!(recent.unsettled);
    }

    #[cfg(unix)]
    #[test]
    fn a_fifo_as_the_memo_file_is_ignored_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let status = std::process::Command::new("mkfifo")
            .arg(dir.path().join(FILE))
            .status()
            .unwrap();
        assert!(status.success());
        let cache = Cache::new(dir.path());
        let (send, receive) = std::sync::mpsc::channel();
        std::thread::spawn(move || send.send(cache.unreached(1, 2)).unwrap());
        let found = receive.recv_timeout(std::time::Duration::from_secs(20));
        assert_eq!(found, Ok(None), "reading the memo file blocked");
    }
}
