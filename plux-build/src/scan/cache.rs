//! The incremental scan cache: what each file yielded, re-used while the file is unchanged.
//!
//! One cache file per crate target and scan options, under [`Cache`]'s directory, holding:
//!
//! - a memo of the whole target (see `memo`): what its walk collected, with the stat stamp of
//!   every file read and of every directory covering a module-file probe. While none changed,
//!   the target costs one `stat` each and nothing else (no record is decoded, no tree walked);
//! - one record per file, for the walk after a change. A record is keyed by the file's path,
//!   a hash of everything else its result depends on (the module context, the options, the
//!   plux version and build) and a hash of its content (xxh3-128), and re-used when:
//!   - its context hash matches, and
//!   - the file's stat stamp (size, mtime, ctime, inode) matches one recorded when the file
//!     was already more than [`SETTLED`] old (so a later write within the same timestamp tick
//!     cannot hide), or else the content read now has the recorded hash, and
//!   - every path probed for a module file (`mod x;` → `x.rs`, `x/mod.rs`) still is or is
//!     not a file as recorded.
//!
//! A cache file whose magic, build (plux version, record format, and the running executable's
//! stamp) or checksum differs, or that does not decode, is ignored and rewritten; errors
//! writing it are ignored too: the cache never changes a result and never fails a scan. Files
//! are replaced atomically (a temporary file renamed), and only the records a scan used are
//! kept, so the cache holds one file per target and set of options.
//!
//! `Cache::read_ahead` reads every cache file of a directory and checks the memos in them ahead
//! of the scans (`cargo plux` does it while `cargo metadata` runs). With the `cli` feature the
//! directory also holds `unreached.memo`: each package's memo of its unreached-files pass,
//! written once per run (see the `unreached` submodule).
//!
//! `cargo plux` keeps one directory per workspace ([`Cache::in_target_dir`]), so that workspaces
//! sharing a target directory neither read nor rewrite each other's files; [`Cache::tidy`]
//! removes what killed runs left and what no run used for a week (the `prune` submodule).

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use xxhash_rust::xxh3::{Xxh3, xxh3_64, xxh3_128};

use super::items::FileItems;
use super::listing::Listings;
use super::tree::{Collected, ModCtx};

mod ahead;
mod codec;
mod memo;
mod prune;
mod records;
mod stamp;
#[cfg(feature = "cli")]
mod unreached;

pub(crate) use ahead::Prefetched;
use codec::{Reader, Writer, get_items, path_bytes, put_ctx, put_items};
use memo::{Deps, Memo};
use records::{load, record};
pub(crate) use stamp::Stamp;
use stamp::{cover, unchanged};
#[cfg(feature = "cli")]
pub(crate) use unreached::{Found, Seen, hash};

const MAGIC: &[u8; 8] = b"PLUXSCAN";
/// The largest cache file plux reads (1 GiB); a larger one, or anything but a regular file
/// (a FIFO, or a link to `/dev/zero`), is ignored and rebuilt.
pub(crate) const MAX_CACHE_BYTES: u64 = 1 << 30;

/// The record layout; bump on any change to what is stored or how results are computed.
const FORMAT: u64 = 5;
/// How old a file's mtime must be for its stat stamp to be trusted next time.
const SETTLED: Duration = Duration::from_secs(2);

/// Where scan results are cached between runs: a directory, usually one per workspace under
/// `<target-dir>/plux/scan-cache-v1` ([`Cache::in_target_dir`]), so that workspaces sharing a
/// target directory (`CARGO_TARGET_DIR`) do not read each other's caches.
///
/// Call [`Cache::tidy`] at the end of a run: it removes what killed runs left and what no run
/// used for a week (the rules are in the `prune` module).
///
/// ```
/// use std::path::Path;
/// use plux_build::scan::Cache;
///
/// let one = Cache::in_target_dir(Path::new("/shared/target"), Path::new("/work/one"));
/// let two = Cache::in_target_dir(Path::new("/shared/target"), Path::new("/work/two"));
/// assert!(one.dir().starts_with("/shared/target/plux/scan-cache-v1"));
/// assert_ne!(one.dir(), two.dir());
/// ```
#[derive(Clone, Debug)]
pub struct Cache {
    dir: PathBuf,
    /// `dir` is a workspace's scope under a directory of scopes (see `prune`).
    scoped: bool,
    /// The cache files this run used.
    used: Arc<prune::Used>,
    prefetched: Option<Arc<Prefetched>>,
    /// The memos of the packages' unreached-files passes (one file for the directory).
    #[cfg(feature = "cli")]
    unreached: Arc<unreached::Memos>,
}

impl PartialEq for Cache {
    fn eq(&self, other: &Self) -> bool {
        self.dir == other.dir
    }
}

impl Eq for Cache {}

impl Cache {
    /// A cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self {
            dir: dir.into(),
            scoped: false,
            used: Arc::default(),
            prefetched: None,
            #[cfg(feature = "cli")]
            unreached: Arc::default(),
        }
    }

    /// The cache of the workspace at `workspace_root` in a cargo target directory:
    /// `target_dir/plux/scan-cache-v1/<scope>`, the scope being 16 hexadecimal digits of a hash
    /// of the workspace root (its canonical path when it has one).
    pub fn in_target_dir(target_dir: &Path, workspace_root: &Path) -> Self {
        let root = fs::canonicalize(workspace_root).unwrap_or_else(|_| workspace_root.to_owned());
        let scope = xxh3_64(root.as_os_str().as_encoded_bytes());
        let mut cache = Self::new(
            target_dir
                .join("plux")
                .join("scan-cache-v1")
                .join(format!("{scope:016x}")),
        );
        cache.scoped = true;
        cache
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Opens the cache of one target; `seed` holds everything every record depends on. A cache
    /// file that is not a regular file of at most [`MAX_CACHE_BYTES`] is ignored (and replaced).
    pub(crate) fn session(&self, seed: &[u8]) -> Session {
        // One file per target and options: a new plux build replaces it instead of adding one.
        let file = self.dir.join(format!("{:032x}.bin", xxh3_128(seed)));
        let mut hasher = Xxh3::new();
        hasher.update(seed);
        hasher.update(build_id());
        let seed = hasher.digest128();
        let ahead = self
            .prefetched
            .as_ref()
            .and_then(|p| lock(&p.files).remove(&file));
        let memo_stale = matches!(ahead, Some((None, _)));
        let (fresh, ahead_modified) = match ahead {
            Some((found, modified)) => {
                (found.filter(|(memo_seed, _)| *memo_seed == seed), modified)
            }
            None => (None, None),
        };
        // A fresh memo needs nothing else from the file.
        let (buf, header, modified) = match fresh {
            Some(_) => (Vec::new(), Header::default(), ahead_modified),
            None => crate::fsx::read_regular_modified(&file, MAX_CACHE_BYTES)
                .ok()
                .and_then(|(buf, modified)| {
                    let header = Header::parse(&buf)?;
                    Some((buf, header, modified))
                })
                .unwrap_or_default(),
        };
        Session {
            file,
            seed,
            header,
            buf,
            modified,
            in_use: Arc::clone(&self.used),
            fresh: Mutex::new(fresh.map(|(_, collected)| collected)),
            memo_stale,
            old: OnceLock::new(),
            used: Mutex::new(Vec::new()),
            dirty: AtomicBool::new(false),
            deps: Mutex::new(Deps::default()),
            memo: Mutex::new(None),
            memo_hit: AtomicBool::new(false),
            stored: Mutex::new(Vec::new()),
            links: Mutex::new(HashMap::new()),
        }
    }
}

/// Where the parts of a valid cache file are.
#[derive(Debug, Default)]
struct Header {
    /// The memo (empty: none).
    memo: Range<usize>,
    /// The record count, and where the records start.
    count: u64,
    records: usize,
    /// The end of the records (the checksum follows).
    end: usize,
}

impl Header {
    /// The layout of `buf`; `None` when it is not a valid cache file of this build.
    fn parse(buf: &[u8]) -> Option<Self> {
        let (body, sum) = buf.split_at_checked(buf.len().checked_sub(8)?)?;
        if xxh3_64(body).to_le_bytes() != sum {
            return None;
        }
        let mut r = Reader::new(body);
        if r.take(MAGIC.len())? != MAGIC || r.part().and_then(|id| body.get(id)) != Some(build_id())
        {
            return None;
        }
        let memo = r.part()?;
        r.take(8)?; // the memo's own checksum (see `read_memo`), covered by the file's
        let count = r.u64()?;
        Some(Self {
            memo,
            count,
            records: r.pos,
            end: body.len(),
        })
    }
}

/// What identifies a plux build: its version and, when it can be read, the running
/// executable's size and mtime (a rebuilt scanner must not re-use an older one's results).
fn build_id() -> &'static [u8] {
    static ID: OnceLock<Vec<u8>> = OnceLock::new();
    ID.get_or_init(|| {
        let mut w = Writer::default();
        w.str(env!("CARGO_PKG_VERSION"));
        w.u64(FORMAT);
        // Its raw stamp: a just-linked executable is no reason to share another's cache.
        let exe = std::env::current_exe().and_then(fs::metadata);
        match exe
            .as_ref()
            .map(|meta| Some(Stamp::raw(meta, meta.modified().ok()?)))
        {
            Ok(Some(stamp)) => stamp.put(&mut w),
            _ => w.u64(0),
        }
        w.buf
    })
}

/// A loaded record: its fixed fields, and where the others are in the loaded file (decoded
/// only when used).
struct Old {
    path: Range<usize>,
    context: u128,
    hash: u128,
    stamp: Option<Stamp>,
    /// `Vec<(PathBuf, bool)>`: every path probed for a module file, and whether it was one.
    probes: Range<usize>,
    /// `Option<Vec<(PathBuf, Stamp)>>`: directories whose unchanged stamps prove the probes
    /// unchanged (see [`cover`]).
    cover: Range<usize>,
    /// The whole record, and its result.
    record: Range<usize>,
    result: Range<usize>,
}

/// The key of a path in the loaded records (checked against the path bytes on use).
fn path_key(path: &Path) -> Option<u64> {
    Some(xxh3_64(path_bytes(path)?))
}

enum Saved {
    Old(Range<usize>),
    New(Vec<u8>),
}

/// One target's cache during one scan.
pub(crate) struct Session {
    file: PathBuf,
    seed: u128,
    /// The loaded file (empty when there was none, or it was not valid) and its layout.
    buf: Vec<u8>,
    header: Header,
    /// The loaded file's modification time.
    modified: Option<SystemTime>,
    /// The cache's record of the files this run used.
    in_use: Arc<prune::Used>,
    /// What the memo held if it was found fresh ahead of time ([`Cache::read_ahead`]), or
    /// whether it was found stale then.
    fresh: Mutex<Option<Collected>>,
    memo_stale: bool,
    /// The records, indexed on first use.
    old: OnceLock<HashMap<u64, Old>>,
    used: Mutex<Vec<(PathBuf, Saved)>>,
    dirty: AtomicBool,
    /// What the walk's result depends on, and the memo made of it.
    deps: Mutex<Deps>,
    memo: Mutex<Option<Vec<u8>>>,
    memo_hit: AtomicBool,
    /// Records begun by [`Session::store`], and what the walk learnt about symlinks.
    stored: Mutex<Vec<Stored>>,
    links: Mutex<HashMap<PathBuf, bool>>,
}

/// A record [`Session::store`] began: everything but its cover.
struct Stored {
    path: PathBuf,
    context: u128,
    hash: u128,
    stamp: Option<Stamp>,
    probes: Vec<(PathBuf, bool)>,
    /// The encoded result.
    result: Vec<u8>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("file", &self.file)
            .field("records", &self.header.count)
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The whole walk's result, if the memo holds it and nothing it depends on changed.
    pub(crate) fn memo(&self) -> Option<Collected> {
        let collected = match lock(&self.fresh).take() {
            Some(collected) => collected,
            None if self.memo_stale => return None,
            None => {
                let memo = Memo::decode(self.buf().get(self.header.memo.clone())?)?;
                if memo.seed != self.seed || !memo.fresh() {
                    return None;
                }
                memo.collected()?
            }
        };
        self.memo_hit.store(true, Ordering::Relaxed);
        Some(collected)
    }

    /// Makes the memo of a walk that collected `collected` (kept if every file's result was
    /// recorded with a settled stamp); `listings` are the walk's, whose stamps cover probes.
    pub(crate) fn remember(&self, collected: &Collected, listings: &Listings) {
        self.finish_stored(listings);
        let deps = std::mem::take(&mut *lock(&self.deps));
        let memo = memo::encode(self.seed, deps, collected);
        *lock(&self.memo) = memo;
    }

    /// Notes that a file's result was not recorded (it could not be read, or is in a module
    /// cycle): the walk cannot be memoized.
    pub(crate) fn unrecorded(&self) {
        lock(&self.deps).broken = true;
    }

    /// The loaded file's bytes (empty without a valid one).
    fn buf(&self) -> &[u8] {
        &self.buf
    }

    fn old(&self) -> &HashMap<u64, Old> {
        self.old
            .get_or_init(|| load(self.buf(), &self.header).unwrap_or_default())
    }

    /// The hash of everything a file's result depends on besides its content and probes.
    pub(crate) fn context(&self, path: &Path, ctx: &ModCtx) -> u128 {
        let mut w = Writer::default();
        w.u128(self.seed);
        w.path(path);
        put_ctx(&mut w, ctx);
        xxh3_128(&w.buf)
    }

    /// Notes what the result of `path` depends on, for the memo.
    fn depend(
        &self,
        path: &Path,
        stamp: Option<Stamp>,
        probes: &[(PathBuf, bool)],
        cover: Option<&[(PathBuf, Stamp)]>,
    ) {
        let mut deps = lock(&self.deps);
        let Some(stamp) = stamp else {
            deps.broken = true;
            return;
        };
        deps.files.push((path.to_path_buf(), stamp));
        match cover {
            Some(dirs) => deps.dirs.extend_from_slice(dirs),
            None => deps.probes.extend_from_slice(probes),
        }
    }

    /// The cached result of `path`, if still valid. `bytes` gets the file's content when it
    /// had to be read (the caller then needs not read it again).
    pub(crate) fn lookup(
        &self,
        path: &Path,
        context: u128,
        stamp: Option<Stamp>,
        bytes: &mut Option<Vec<u8>>,
    ) -> Option<FileItems> {
        let old = self.old().get(&path_key(path)?)?;
        if old.context != context || self.buf().get(old.path.clone()) != path_bytes(path) {
            return None;
        }
        let settled = stamp.is_some() && stamp == old.stamp;
        if !settled {
            if bytes.is_none() {
                *bytes = fs::read(path).ok();
            }
            if xxh3_128(bytes.as_deref()?) != old.hash {
                return None;
            }
        }
        let part = |range: &Range<usize>| self.buf().get(range.clone()).map(Reader::new);
        let old_cover = part(&old.cover)?.opt(|r| r.vec(|r| Some((r.path()?, Stamp::get(r)?))))?;
        let covered = old_cover.as_deref().is_some_and(unchanged);
        let probes = part(&old.probes)?.vec(|r| Some((r.path()?, r.bool()?)))?;
        if !covered && probes.iter().any(|(p, was)| p.is_file() != *was) {
            return None;
        }
        let items = get_items(&mut Reader::new(self.buf().get(old.result.clone())?))?;
        let new_cover = match covered {
            true => None,
            false => cover(&probes, &HashMap::new(), &Listings::default()),
        };
        let cover = new_cover.as_deref().or(old_cover.as_deref());
        let saved = if (settled || stamp.is_none()) && new_cover.is_none() {
            Saved::Old(old.record.clone())
        } else {
            self.dirty.store(true, Ordering::Relaxed);
            let hash = old.hash;
            let result = self.buf().get(old.result.clone())?;
            Saved::New(record(path, context, hash, stamp, &probes, cover, result)?)
        };
        let proof = match covered {
            true => old_cover.as_deref(),
            false => new_cover.as_deref(),
        };
        self.depend(path, stamp, &probes, proof);
        lock(&self.used).push((path.to_path_buf(), saved));
        Some(items)
    }

    /// Records what `path` (content `bytes`) yielded. The record is finished in
    /// [`Session::remember`], once the walk knows which module files are symlinks.
    pub(crate) fn store(
        &self,
        path: &Path,
        context: u128,
        stamp: Option<Stamp>,
        bytes: &[u8],
        items: &FileItems,
    ) {
        let mut result = Writer::default();
        put_items(&mut result, items);
        if result.failed {
            self.unrecorded();
            return;
        }
        lock(&self.stored).push(Stored {
            path: path.to_path_buf(),
            context,
            hash: xxh3_128(bytes),
            stamp,
            probes: items.probes.clone(),
            result: result.buf,
        });
    }

    /// Notes whether a file the walk reached is a symlink (so that a probe that found it
    /// needs no `lstat` of its own).
    pub(crate) fn reached(&self, path: &Path, symlink: bool) {
        lock(&self.links).insert(path.to_path_buf(), symlink);
    }

    /// Finishes the records [`Session::store`] began.
    fn finish_stored(&self, listings: &Listings) {
        let stored = std::mem::take(&mut *lock(&self.stored));
        let links = std::mem::take(&mut *lock(&self.links));
        for s in stored {
            let cover = cover(&s.probes, &links, listings);
            let rec = record(
                &s.path,
                s.context,
                s.hash,
                s.stamp,
                &s.probes,
                cover.as_deref(),
                &s.result,
            );
            match rec {
                Some(rec) => {
                    self.depend(&s.path, s.stamp, &s.probes, cover.as_deref());
                    self.dirty.store(true, Ordering::Relaxed);
                    lock(&self.used).push((s.path, Saved::New(rec)));
                }
                None => self.unrecorded(),
            }
        }
    }

    /// Writes the memo and the records used in this scan (and only those), if anything
    /// changed. Errors are ignored: the next scan rebuilds what could not be written.
    pub(crate) fn save(&self) {
        if self.memo_hit.load(Ordering::Relaxed) {
            self.in_use.note(&self.file, self.modified);
            return;
        }
        let memo = std::mem::take(&mut *lock(&self.memo));
        let old_memo = self.buf().get(self.header.memo.clone()).unwrap_or_default();
        let mut used = std::mem::take(&mut *lock(&self.used));
        let same_records = !self.dirty.load(Ordering::Relaxed)
            && used.len() as u64 == self.header.count
            && !self.buf.is_empty();
        if same_records && memo.as_deref().unwrap_or_default() == old_memo {
            self.in_use.note(&self.file, self.modified);
            return;
        }
        self.in_use.note(&self.file, None);
        used.sort_by(|a, b| a.0.cmp(&b.0));
        used.dedup_by(|a, b| a.0 == b.0);
        let mut w = Writer::default();
        w.buf.extend_from_slice(MAGIC);
        w.bytes(build_id());
        w.bytes(memo.as_deref().unwrap_or_default());
        let memo_sum = xxh3_64(&w.buf);
        w.buf.extend_from_slice(&memo_sum.to_le_bytes());
        w.u64(used.len() as u64);
        for (_, saved) in &used {
            let bytes = match saved {
                Saved::Old(range) => self.buf().get(range.clone()).unwrap_or_default(),
                Saved::New(bytes) => bytes.as_slice(),
            };
            w.bytes(bytes);
        }
        let sum = xxh3_64(&w.buf);
        w.buf.extend_from_slice(&sum.to_le_bytes());
        let Some(dir) = self.file.parent() else {
            return;
        };
        let _ = fs::create_dir_all(dir).and_then(|()| {
            let mut tmp = crate::tmp::NamedTempFile::new_in(dir)?;
            tmp.write_all(&w.buf)?;
            tmp.persist(&self.file).map_err(|e| e.error)?;
            Ok(())
        });
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
