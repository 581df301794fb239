//! The incremental scan cache: what each file yielded, re-used while the file is unchanged.
//!
//! One cache file per crate target and scan options, under [`Cache`]'s directory. A record
//! is keyed by the file's path, a hash of everything else its result depends on (the module
//! context, the options, the plux version and build) and a hash of its content (xxh3-128). A
//! record is re-used when:
//!
//! - its context hash matches, and
//! - the file's stat stamp (size, mtime, ctime, inode) matches one recorded when the file was
//!   already more than [`SETTLED`] old (so a later write within the same timestamp tick cannot
//!   hide), or else the content read now has the recorded hash, and
//! - every path probed for a module file (`mod x;` → `x.rs`, `x/mod.rs`) still is or is not
//!   a file as recorded.
//!
//! A cache file whose magic, build (plux version, record format, and the running executable's
//! stamp) or checksum differs, or that does not decode, is ignored and rewritten; errors
//! writing it are ignored too: the cache never changes a result and never fails a scan. Files
//! are replaced atomically (a temporary file renamed), and only the records a scan used are
//! kept, so the cache holds one file per target and set of options.

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};
use std::time::{Duration, SystemTime};

use xxhash_rust::xxh3::{Xxh3, xxh3_64, xxh3_128};

use super::items::FileItems;
use super::tree::ModCtx;

mod codec;

use codec::{Reader, Writer, get_items, path_bytes, put_ctx, put_items};

const MAGIC: &[u8; 8] = b"PLUXSCAN";
/// The record layout; bump on any change to what is stored or how results are computed.
const FORMAT: u64 = 2;
/// How old a file's mtime must be for its stat stamp to be trusted next time.
const SETTLED: Duration = Duration::from_secs(2);

/// Where scan results are cached between runs: a directory, usually
/// `<target-dir>/plux/scan-cache-v1` ([`Cache::in_target_dir`]).
///
/// ```
/// use plux_build::scan::Cache;
///
/// let cache = Cache::in_target_dir(std::path::Path::new("target"));
/// assert!(cache.dir().ends_with("plux/scan-cache-v1"));
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cache {
    dir: PathBuf,
}

impl Cache {
    /// A cache in `dir` (created on first write).
    pub fn new(dir: impl Into<PathBuf>) -> Self {
        Self { dir: dir.into() }
    }

    /// The cache of a cargo target directory: `target_dir/plux/scan-cache-v1`.
    pub fn in_target_dir(target_dir: &Path) -> Self {
        Self::new(target_dir.join("plux").join("scan-cache-v1"))
    }

    /// The directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Opens the cache of one target; `seed` holds everything every record depends on.
    pub(crate) fn session(&self, seed: &[u8]) -> Session {
        // One file per target and options: a new plux build replaces it instead of adding one.
        let file = self.dir.join(format!("{:032x}.bin", xxh3_128(seed)));
        let mut hasher = Xxh3::new();
        hasher.update(seed);
        hasher.update(build_id());
        let seed = hasher.digest128();
        let (buf, old) = fs::read(&file)
            .ok()
            .and_then(|buf| {
                let old = load(&buf)?;
                Some((buf, old))
            })
            .unwrap_or_default();
        Session {
            file,
            seed,
            buf,
            old,
            used: Mutex::new(Vec::new()),
            dirty: AtomicBool::new(false),
        }
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

/// A file's stat figures; equal stamps mean an unchanged file when the stamp was settled.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    fn raw(meta: &fs::Metadata, _: SystemTime) -> Self {
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
    fn raw(meta: &fs::Metadata, modified: SystemTime) -> Self {
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

    fn put(&self, w: &mut Writer) {
        w.u64(self.len);
        for v in [self.mtime.0, self.mtime.1, self.ctime.0, self.ctime.1] {
            w.i64(v);
        }
        w.u64(self.ino);
        w.u64(self.dev);
    }

    fn get(r: &mut Reader) -> Option<Self> {
        Some(Self {
            len: r.u64()?,
            mtime: (r.i64()?, r.i64()?),
            ctime: (r.i64()?, r.i64()?),
            ino: r.u64()?,
            dev: r.u64()?,
        })
    }
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
    buf: Vec<u8>,
    old: HashMap<u64, Old>,
    used: Mutex<Vec<(PathBuf, Saved)>>,
    dirty: AtomicBool,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("file", &self.file)
            .field("records", &self.old.len())
            .finish_non_exhaustive()
    }
}

impl Session {
    /// The hash of everything a file's result depends on besides its content and probes.
    pub(crate) fn context(&self, path: &Path, ctx: &ModCtx) -> u128 {
        let mut w = Writer::default();
        w.u128(self.seed);
        w.path(path);
        put_ctx(&mut w, ctx);
        xxh3_128(&w.buf)
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
        let old = self.old.get(&path_key(path)?)?;
        if old.context != context || self.buf.get(old.path.clone()) != path_bytes(path) {
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
        let part = |range: &Range<usize>| self.buf.get(range.clone()).map(Reader::new);
        let old_cover = part(&old.cover)?.opt(|r| r.vec(|r| Some((r.path()?, Stamp::get(r)?))))?;
        let covered = old_cover.as_deref().is_some_and(unchanged);
        let probes = part(&old.probes)?.vec(|r| Some((r.path()?, r.bool()?)))?;
        if !covered && probes.iter().any(|(p, was)| p.is_file() != *was) {
            return None;
        }
        let items = get_items(&mut Reader::new(self.buf.get(old.result.clone())?))?;
        let new_cover = match covered {
            true => None,
            false => cover(&probes),
        };
        let saved = if (settled || stamp.is_none()) && new_cover.is_none() {
            Saved::Old(old.record.clone())
        } else {
            self.dirty.store(true, Ordering::Relaxed);
            let cover = new_cover.as_deref().or(old_cover.as_deref());
            let hash = old.hash;
            Saved::New(record(path, context, hash, stamp, &probes, cover, &items)?)
        };
        self.lock().push((path.to_path_buf(), saved));
        Some(items)
    }

    /// Records what `path` (content `bytes`) yielded.
    pub(crate) fn store(
        &self,
        path: &Path,
        context: u128,
        stamp: Option<Stamp>,
        bytes: &[u8],
        items: &FileItems,
    ) {
        let hash = xxh3_128(bytes);
        let cover = cover(&items.probes);
        let rec = record(
            path,
            context,
            hash,
            stamp,
            &items.probes,
            cover.as_deref(),
            items,
        );
        if let Some(rec) = rec {
            self.dirty.store(true, Ordering::Relaxed);
            self.lock().push((path.to_path_buf(), Saved::New(rec)));
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(PathBuf, Saved)>> {
        self.used.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Writes the records used in this scan (and only those), if anything changed. Errors
    /// are ignored: the next scan rebuilds what could not be written.
    pub(crate) fn save(self) {
        let mut used = self
            .used
            .into_inner()
            .unwrap_or_else(PoisonError::into_inner);
        if !self.dirty.load(Ordering::Relaxed) && used.len() == self.old.len() {
            return;
        }
        used.sort_by(|a, b| a.0.cmp(&b.0));
        used.dedup_by(|a, b| a.0 == b.0);
        let mut w = Writer::default();
        w.buf.extend_from_slice(MAGIC);
        w.bytes(build_id());
        w.u64(used.len() as u64);
        for (_, saved) in &used {
            let bytes = match saved {
                Saved::Old(range) => self.buf.get(range.clone()).unwrap_or_default(),
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

/// The records of a cache file; `None` when it is not a valid one of this build.
fn load(buf: &[u8]) -> Option<HashMap<u64, Old>> {
    let (body, sum) = buf.split_at_checked(buf.len().checked_sub(8)?)?;
    if xxh3_64(body).to_le_bytes() != sum {
        return None;
    }
    let mut r = Reader::new(body);
    if r.take(MAGIC.len())? != MAGIC || r.part().and_then(|id| body.get(id)) != Some(build_id()) {
        return None;
    }
    let count = r.u64()?;
    let mut old = HashMap::new();
    for _ in 0..count {
        let len = r.len()?;
        let start = r.pos;
        r.take(len)?;
        let mut rec = Reader {
            buf: body.get(..start + len)?,
            pos: start,
        };
        let path = rec.part()?;
        let key = xxh3_64(body.get(path.clone())?);
        let entry = Old {
            path,
            context: rec.u128()?,
            hash: rec.u128()?,
            stamp: rec.opt(Stamp::get)?,
            probes: rec.part()?,
            cover: rec.part()?,
            result: rec.part()?,
            record: start..start + len,
        };
        if rec.pos != start + len {
            return None;
        }
        old.insert(key, entry);
    }
    (r.pos == body.len()).then_some(old)
}

fn record(
    path: &Path,
    context: u128,
    hash: u128,
    stamp: Option<Stamp>,
    probes: &[(PathBuf, bool)],
    cover: Option<&[(PathBuf, Stamp)]>,
    items: &FileItems,
) -> Option<Vec<u8>> {
    let mut w = Writer::default();
    w.path(path);
    w.u128(context);
    w.u128(hash);
    w.opt(stamp.as_ref(), |w, s| s.put(w));
    let mut part = Writer::default();
    part.vec(probes, |w, (p, found)| {
        w.path(p);
        w.bool(*found);
    });
    w.bytes(&part.buf);
    w.failed |= part.failed;
    let mut part = Writer::default();
    part.opt(cover.as_ref(), |w, dirs| {
        w.vec(dirs, |w, (dir, stamp)| {
            w.path(dir);
            stamp.put(w);
        });
    });
    w.bytes(&part.buf);
    w.failed |= part.failed;
    let mut result = Writer::default();
    put_items(&mut result, items);
    w.bytes(&result.buf);
    (!w.failed && !result.failed).then_some(w.buf)
}

/// The directories whose stamps cover `probes`: for each probed path, the nearest existing
/// directory above it. Creating, removing or renaming an entry changes a directory's mtime,
/// so while their settled stamps are unchanged every probe has its recorded answer, and one
/// `stat` per directory replaces one per probe. `None` (probe one by one) when a stamp is not
/// settled, or a probe found a symlink (its target can change without its directory).
fn cover(probes: &[(PathBuf, bool)]) -> Option<Vec<(PathBuf, Stamp)>> {
    let mut out: Vec<(PathBuf, Stamp)> = Vec::new();
    for (path, found) in probes {
        if *found && fs::symlink_metadata(path).ok()?.file_type().is_symlink() {
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
fn unchanged(dirs: &[(PathBuf, Stamp)]) -> bool {
    dirs.iter()
        .all(|(dir, stamp)| fs::metadata(dir).ok().and_then(|m| Stamp::of(&m)) == Some(*stamp))
}
