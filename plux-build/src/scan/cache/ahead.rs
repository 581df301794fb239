//! Reading the cache ahead of the scans: every memo of a directory, checked against the
//! files it depends on, while the caller waits for something else (`cargo metadata`).

use std::collections::HashMap;
use std::fs;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::SystemTime;

use xxhash_rust::xxh3::xxh3_64;

use super::codec::Reader;
use super::memo::Memo;
use super::{Cache, MAGIC, build_id, lock};
use crate::scan::tree::Collected;

/// What a memo read ahead gave: its seed and result if nothing it depends on changed, `None`
/// when it is stale (or the file has no valid memo).
type Found = Option<(u128, Collected)>;

/// The memos of a directory's cache files, read and checked ahead of a scan: for each file,
/// the seed and result of its memo if nothing that memo depends on changed (`None`: stale,
/// or no valid memo).
#[derive(Debug)]
pub(crate) struct Prefetched {
    dir: PathBuf,
    /// Each file's memo, and its modification time.
    pub(super) files: Mutex<HashMap<PathBuf, (Found, Option<SystemTime>)>>,
}

/// Reading a directory's cache files ahead, shared by the threads that do it: each
/// [`ReadAhead::work`] takes the next file not yet taken, so threads can join in at any time
/// (`cargo plux` reads on the cores `cargo metadata` leaves free, and on all of them once it
/// has returned).
#[derive(Debug)]
pub(crate) struct ReadAhead {
    dir: PathBuf,
    names: Vec<PathBuf>,
    next: AtomicUsize,
    files: Mutex<HashMap<PathBuf, (Found, Option<SystemTime>)>>,
}

impl Cache {
    /// Lists this directory's cache files, to be read by [`ReadAhead::work`]: what a scan
    /// would do first, done ahead of time. What it finds is as good as what a scan started
    /// now would find; [`Cache::with`] hands it to the scans.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    pub(crate) fn read_ahead(&self) -> ReadAhead {
        let mut names: Vec<PathBuf> = fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .filter_map(|entry| {
                let path = entry.ok()?.path();
                (path.extension()? == "bin").then_some(path)
            })
            .collect();
        names.sort();
        ReadAhead {
            dir: self.dir.clone(),
            files: Mutex::new(HashMap::with_capacity(names.len())),
            names,
            next: AtomicUsize::new(0),
        }
    }

    /// This cache, with what [`ReadAhead::work`] found (ignored if it is of another
    /// directory).
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    pub(crate) fn with(mut self, prefetched: Prefetched) -> Self {
        if prefetched.dir == self.dir {
            self.prefetched = Some(std::sync::Arc::new(prefetched));
        }
        self
    }
}

impl ReadAhead {
    /// Reads cache files and checks their memos (one `stat` per file a memo depends on) until
    /// every file is taken; any number of threads may call it at once.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    pub(crate) fn work(&self) {
        while let Some(path) = self.names.get(self.next.fetch_add(1, Ordering::Relaxed)) {
            let (memo, modified) = read_memo(path).unwrap_or_default();
            let fresh = memo.and_then(|memo| {
                let memo = Memo::decode(&memo).filter(Memo::fresh)?;
                Some((memo.seed, memo.collected()?))
            });
            lock(&self.files).insert(path.clone(), (fresh, modified));
        }
    }

    /// What the calls of [`ReadAhead::work`] found. Call it once they have all returned; a
    /// file no call reached is read by its scan as usual.
    #[cfg_attr(not(feature = "cli"), allow(dead_code))]
    pub(crate) fn finish(self) -> Prefetched {
        Prefetched {
            dir: self.dir,
            files: self.files,
        }
    }
}

/// The memo of the cache file at `path`, read without the records after it (`None` when the
/// file is not a valid cache file of this build, or has no memo), and the file's modification
/// time; `None` when it is no regular file.
fn read_memo(path: &Path) -> Option<(Option<Vec<u8>>, Option<SystemTime>)> {
    // Only a regular file: opening a FIFO would block, a device would never end.
    if !fs::metadata(path).ok()?.is_file() {
        return None;
    }
    let mut file = fs::File::open(path).ok()?;
    let meta = file.metadata().ok()?;
    if !meta.is_file() {
        return None;
    }
    Some((memo_of(&mut file), meta.modified().ok()))
}

/// The memo at the start of the opened cache `file`.
fn memo_of(file: &mut fs::File) -> Option<Vec<u8>> {
    // Most memos fit in the first read.
    let mut buf = vec![0; 32 << 10];
    let mut len = 0;
    while len < buf.len() {
        match file.read(&mut buf[len..]) {
            Ok(0) => break,
            Ok(n) => len += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    buf.truncate(len);
    let mut r = Reader::new(&buf);
    if r.take(MAGIC.len())? != MAGIC || r.part().and_then(|id| buf.get(id)) != Some(build_id()) {
        return None;
    }
    let memo_len = r.usize()?;
    let start = r.pos;
    let end = start.checked_add(memo_len)?.checked_add(8)?;
    if end > buf.len() {
        // (Checked against the file's length first: a corrupt length allocates nothing.)
        if u64::try_from(end).ok()? > file.metadata().ok()?.len() {
            return None;
        }
        let more = end - buf.len();
        let mut rest = vec![0; more];
        file.read_exact(&mut rest).ok()?;
        buf.extend_from_slice(&rest);
    }
    let (head, sum) = buf.get(..end)?.split_at(end - 8);
    if memo_len == 0 || xxh3_64(head).to_le_bytes() != sum {
        return None;
    }
    buf.truncate(end - 8);
    buf.drain(..start);
    Some(buf)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::scan::{CrateTarget, ScanOptions, TargetKind, scan_target, scan_target_cached};

    /// A two-file crate whose sources are an hour old (so that stamps are trusted), and its
    /// target.
    fn krate() -> (tempfile::TempDir, CrateTarget) {
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("src");
        fs::create_dir(&src).unwrap();
        fs::write(src.join("lib.rs"), "pub mod a;\n").unwrap();
        fs::write(
            src.join("a.rs"),
            "pub static S: PluginSpec<dyn S> = PluginSpec::new(\"ns\", \"a\", f);\n",
        )
        .unwrap();
        let (lib, a) = (src.join("lib.rs"), src.join("a.rs"));
        crate::test_util::age(&[&lib, &a, &src]);
        let target = CrateTarget {
            crate_name: "k".into(),
            kind: TargetKind::Lib,
            root: src.join("lib.rs"),
            package_root: dir.path().to_path_buf(),
        };
        (dir, target)
    }

    fn cache_file(cache: &Cache) -> PathBuf {
        let files: Vec<_> = fs::read_dir(cache.dir()).unwrap().collect();
        assert_eq!(files.len(), 1);
        files.into_iter().next().unwrap().unwrap().path()
    }

    fn prefetch(cache: &Cache) -> Prefetched {
        let ahead = cache.read_ahead();
        ahead.work();
        ahead.finish()
    }

    fn read_ahead(cache: &Cache) -> Option<(u128, Collected)> {
        let found = prefetch(cache);
        let mut files = found.files.into_inner().unwrap();
        files.remove(&cache_file(cache)).unwrap().0
    }

    /// Each memo read ahead, as its `Debug` text, by cache file name.
    fn shown(prefetched: Prefetched) -> std::collections::BTreeMap<PathBuf, Option<String>> {
        let files = prefetched.files.into_inner().unwrap();
        files
            .into_iter()
            .map(|(path, (found, _))| (path, found.map(|found| format!("{found:?}"))))
            .collect()
    }

    #[test]
    fn threads_reading_ahead_together_find_what_one_finds() {
        let (dir, target) = krate();
        let options = ScanOptions::default();
        let cache = Cache::in_target_dir(&dir.path().join("target"), dir.path());
        // One cache file per target: the same sources under six crate names.
        for name in ["k0", "k1", "k2", "k3", "k4", "k5"] {
            let target = CrateTarget {
                crate_name: name.into(),
                ..target.clone()
            };
            scan_target_cached(&target, &options, &cache).unwrap();
        }
        let alone = shown(prefetch(&cache));
        assert_eq!(alone.len(), 6);
        assert!(alone.values().all(Option::is_some), "{alone:?}");

        let ahead = std::sync::Arc::new(cache.read_ahead());
        let helpers: Vec<_> = (0..3)
            .map(|_| {
                let ahead = std::sync::Arc::clone(&ahead);
                std::thread::spawn(move || ahead.work())
            })
            .collect();
        ahead.work();
        for helper in helpers {
            helper.join().unwrap();
        }
        let together = std::sync::Arc::try_unwrap(ahead).unwrap().finish();
        assert_eq!(shown(together), alone);
    }

    #[test]
    fn memos_read_ahead_are_used_only_while_fresh_and_intact() {
        let (dir, target) = krate();
        let options = ScanOptions::default();
        let cache = Cache::in_target_dir(&dir.path().join("target"), dir.path());
        let expected = scan_target(&target, &options).unwrap();
        assert_eq!(
            scan_target_cached(&target, &options, &cache).unwrap(),
            expected
        );
        assert!(read_ahead(&cache).is_some(), "a fresh memo");
        let with = |c: &Cache| c.clone().with(prefetch(c));
        assert_eq!(
            scan_target_cached(&target, &options, &with(&cache)).unwrap(),
            expected
        );

        // Another directory's read-ahead is not taken.
        let other = Cache::new(dir.path().join("elsewhere"));
        assert!(cache.clone().with(prefetch(&other)).prefetched.is_none());

        // A byte flipped in the memo, and a truncated file: no memo, the right result.
        let file = cache_file(&cache);
        let good = fs::read(&file).unwrap();
        let header = crate::scan::cache::Header::parse(&good).unwrap();
        let mut flipped = good.clone();
        flipped[header.memo.start + 3] ^= 0x01;
        for (what, bytes) in [("flipped", flipped), ("truncated", good[..20].to_vec())] {
            fs::write(&file, &bytes).unwrap();
            assert!(read_ahead(&cache).is_none(), "{what}");
            let out = scan_target_cached(&target, &options, &with(&cache)).unwrap();
            assert_eq!(out, expected, "{what}");
            assert_eq!(fs::read(&file).unwrap(), good, "{what}: rewritten");
        }

        // An edit that keeps the size and mtime: the memo is stale ahead of time too.
        crate::test_util::edit_keeping_mtime(&dir.path().join("src/a.rs"), "\"a\"", "\"b\"");
        assert!(read_ahead(&cache).is_none(), "stale");
        let out = scan_target_cached(&target, &options, &with(&cache)).unwrap();
        assert_eq!(out, scan_target(&target, &options).unwrap());
        assert_eq!(out.declarations[0].name, "b");
    }
}
