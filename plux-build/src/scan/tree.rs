//! The module-tree walk: which files make up a crate, read and parsed in parallel.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::cache::{Session, Stamp};
use super::cfg::ModCfg;
use super::consts::Consts;
use super::filter::Filter;
use super::items::RawDecl;
use super::listing::Listings;
use super::read;
use super::reexport::{ModRecord, UseRecord};
use super::threads;
use crate::diagnostic::Diagnostic;
use crate::model::Location;
use crate::par as rayon; // rayon, or one scan thread without the `parallel` feature

/// Everything a scan needs besides the files.
#[derive(Debug)]
pub(crate) struct Env {
    /// The first segment of values: the crate name, or `crate` for binaries.
    pub(crate) prefix: String,
    /// Check that modules on the way and items are `pub` (library targets).
    pub(crate) check_visibility: bool,
    /// Follow `mod x;` items (false when scanning loose files of a directory).
    pub(crate) follow_mods: bool,
    /// Also scan `#[cfg(test)]` code.
    pub(crate) include_tests: bool,
    /// include/exclude.
    pub(crate) filter: Filter,
    /// Skim files without plugin text instead of parsing them (see `skim`); off only to check
    /// that it changes nothing.
    pub(crate) prefilter: bool,
    /// The target's scan cache, if any.
    pub(crate) cache: Option<Session>,
    /// Directory listings that answer module-file probes (shared with the package's other
    /// targets and its unreached-files pass).
    pub(crate) listings: Arc<Listings>,
}

/// A non-`pub` module on the way to an item.
#[derive(Clone, Debug)]
pub(crate) struct PrivateMod {
    /// The module's name as written.
    pub(crate) name: String,
    /// Its path, `crate::a::b`.
    pub(crate) path: String,
    /// Where its `mod` item is.
    pub(crate) location: Location,
}

/// Where in the tree a module is, and how rustc finds its child module files.
#[derive(Clone, Debug)]
pub(crate) struct ModCtx {
    /// Module path below the crate root, idents as written (raw ones keep `r#`).
    pub(crate) segments: Vec<String>,
    /// `cfg` predicates of this module and the enclosing ones, outermost first.
    pub(crate) cfg: Vec<ModCfg>,
    /// Non-`pub` modules on the way, outermost first.
    pub(crate) private: Vec<PrivateMod>,
    /// This module's `mod` item is `pub` (true for a crate root).
    pub(crate) public: bool,
    /// rustc's directory for child module files.
    pub(crate) dir: PathBuf,
    /// rustc's "relative" part: `Some(name)` when this module is a non-`mod.rs` file `name.rs`,
    /// whose children live in `dir/name/`.
    pub(crate) relative: Option<String>,
    /// An include pattern matched this module or one above it.
    pub(crate) included: bool,
}

impl ModCtx {
    /// The directory where `mod x;` looks for `x.rs` and `x/mod.rs` (or where an inline
    /// `mod x { .. }` puts `x/`).
    pub(crate) fn child_dir(&self) -> PathBuf {
        match &self.relative {
            Some(name) => self.dir.join(name),
            None => self.dir.clone(),
        }
    }

    /// `crate::a::b`.
    pub(crate) fn display(&self) -> String {
        std::iter::once("crate")
            .chain(self.segments.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join("::")
    }
}

/// One module file to read.
#[derive(Debug)]
pub(crate) struct Job {
    pub(crate) path: PathBuf,
    pub(crate) ctx: ModCtx,
    /// The module files above this one (cycle detection).
    pub(crate) ancestors: Option<Arc<Ancestor>>,
    /// The `mod` item that led here.
    pub(crate) via: Option<Location>,
}

impl Job {
    /// A root file (a crate root, or a loose file standing for the module at `segments`).
    pub(crate) fn root(env: &Env, path: PathBuf, segments: Vec<String>) -> Option<Self> {
        if env.filter.excludes_file(&path) || env.filter.excludes_module(&segments) {
            return None;
        }
        let included = env.filter.includes(&segments, Some(&path));
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Some(Self {
            ctx: ModCtx {
                segments,
                cfg: Vec::new(),
                private: Vec::new(),
                public: true,
                dir,
                relative: None,
                included,
            },
            path,
            ancestors: None,
            via: None,
        })
    }
}

/// A module file on the way to a job: a linked list up to the crate root.
#[derive(Debug)]
pub(crate) struct Ancestor {
    id: FileId,
    path: PathBuf,
    parent: Option<Arc<Ancestor>>,
}

/// What makes two paths the same file: device and inode (one `stat`, where a canonical path
/// costs a `readlink` per path component).
#[cfg(unix)]
type FileId = (u64, u64);
#[cfg(not(unix))]
type FileId = PathBuf;

#[cfg(unix)]
fn file_id(_: &Path, meta: &fs::Metadata) -> std::io::Result<FileId> {
    use std::os::unix::fs::MetadataExt;
    Ok((meta.dev(), meta.ino()))
}

#[cfg(not(unix))]
fn file_id(path: &Path, _: &fs::Metadata) -> std::io::Result<FileId> {
    fs::canonicalize(path)
}

/// What the walk gathered, unsorted.
#[derive(Debug, Default)]
pub(crate) struct Collected {
    pub(crate) files: Vec<PathBuf>,
    pub(crate) dirs: Vec<PathBuf>,
    pub(crate) decls: Vec<RawDecl>,
    pub(crate) consts: Consts,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) mods: Vec<ModRecord>,
    pub(crate) uses: Vec<UseRecord>,
    pub(crate) skipped: Vec<PathBuf>,
}

impl Collected {
    fn append(&mut self, mut other: Collected) {
        self.files.append(&mut other.files);
        self.dirs.append(&mut other.dirs);
        self.decls.append(&mut other.decls);
        self.consts.append(&mut other.consts);
        self.diagnostics.append(&mut other.diagnostics);
        self.mods.append(&mut other.mods);
        self.uses.append(&mut other.uses);
        self.skipped.append(&mut other.skipped);
    }
}

/// Walks the module trees starting at `roots`, one task per file, on scan threads with large
/// stacks ([`threads::scan_threads`] of them). The result is in no particular order.
///
/// With a cache, the memo of the whole walk is re-used while nothing it depends on changed,
/// and a new one is made of a walk that recorded every file.
pub(crate) fn walk(env: &Env, roots: Vec<Job>) -> Collected {
    threads::on_scan_threads(|| {
        if let Some(collected) = env.cache.as_ref().and_then(Session::memo) {
            return collected;
        }
        let collected = walk_here(env, roots);
        if let Some(cache) = &env.cache {
            cache.remember(&collected, &env.listings);
        }
        collected
    })
}

/// How many modules of one crate one file may be the module file of (through `#[path]`, or
/// symlinks). rustc compiles a file once per `mod` item that names it, so a module graph where
/// each file is included twice makes 2^n modules of n files: the walk stops there instead.
pub(crate) const MAX_FILE_MODULES: usize = 64;

/// The walk, one level of the module tree at a time: the files of a level are read in
/// parallel, their results taken in the level's order (so limits apply in the same places
/// whatever order the files were read in), and their module files make the next level.
fn walk_here(env: &Env, roots: Vec<Job>) -> Collected {
    let mut out = Collected::default();
    let mut modules: HashMap<FileId, usize> = HashMap::new();
    let mut level = roots;
    while !level.is_empty() {
        let mut next = Vec::new();
        for (job, processed) in process_level(env, level) {
            let (found, children, id) = processed;
            if let Some(id) = id {
                let count = modules.entry(id).or_insert(0);
                *count += 1;
                if *count > MAX_FILE_MODULES {
                    unrecorded(env);
                    if *count == MAX_FILE_MODULES + 1 {
                        out.diagnostics.push(too_many_modules(&job));
                    }
                    continue;
                }
            }
            out.append(found);
            next.extend(children);
        }
        level = next;
    }
    out
}

/// What one file yielded: its findings, its module files and its identity (when it was read).
type Processed = (Collected, Vec<Job>, Option<FileId>);

/// Processes the files of one level in parallel; the results in the jobs' order, each with
/// its job's path and `mod` item.
fn process_level(env: &Env, level: Vec<Job>) -> Vec<(Via, Processed)> {
    if level.len() == 1 {
        return level
            .into_iter()
            .map(|job| (Via::of(&job), process(env, job)))
            .collect();
    }
    let slots: Vec<Mutex<Option<(Via, Processed)>>> =
        level.iter().map(|_| Mutex::new(None)).collect();
    rayon::scope(|scope| {
        for (job, slot) in level.into_iter().zip(&slots) {
            scope.spawn(move |_| {
                let via = Via::of(&job);
                let processed = process(env, job);
                *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some((via, processed));
            });
        }
    });
    slots
        .into_iter()
        .filter_map(|slot| slot.into_inner().unwrap_or_else(PoisonError::into_inner))
        .collect()
}

/// A job's file and the `mod` item that led to it.
struct Via {
    path: PathBuf,
    location: Option<Location>,
}

impl Via {
    fn of(job: &Job) -> Self {
        Self {
            path: job.path.clone(),
            location: job.via.clone(),
        }
    }
}

fn too_many_modules(via: &Via) -> Diagnostic {
    Diagnostic::error(
        via.location.clone(),
        format!(
            "`{}` is the file of more than {MAX_FILE_MODULES} modules of this crate",
            via.path.display()
        ),
    )
    .with_note(
        "`#[path]` attributes (or symlinks) name it from that many `mod` items, directly or \
         through files that are included more than once themselves; the modules after the \
         first 64 were not scanned",
    )
    .with_help("point fewer `mod` items at the file, or skip it with `exclude`")
}

/// Reads, parses and scans one file; returns what it found, the module files it declares and,
/// when it was read, its identity.
fn process(env: &Env, job: Job) -> Processed {
    let mut out = Collected::default();
    let path = &job.path;
    // `lstat` first: the cache wants to know whether a module file is a symlink (the same one
    // system call as a `stat` for the others).
    let mut symlink = false;
    let meta = match fs::symlink_metadata(path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            symlink = true;
            fs::metadata(path)
        }
        other => other,
    };
    if let Some(cache) = &env.cache {
        cache.reached(path, symlink);
    }
    let meta_id = meta.and_then(|meta| Ok((file_id(path, &meta)?, meta)));
    let (id, meta) = match meta_id {
        Ok(found) => found,
        Err(err) => {
            unrecorded(env);
            out.diagnostics.push(
                Diagnostic::error(
                    job.via.clone(),
                    format!("cannot read `{}`: {err}", path.display()),
                )
                .with_help("check that the file exists and is readable"),
            );
            return (out, Vec::new(), None);
        }
    };
    let mut above = Vec::new();
    let mut next = job.ancestors.as_deref();
    while let Some(ancestor) = next {
        above.push(ancestor);
        next = ancestor.parent.as_deref();
    }
    if above.iter().any(|a| a.id == id) {
        unrecorded(env);
        let chain: Vec<String> = above
            .iter()
            .rev()
            .map(|a| a.path.as_path())
            .chain(std::iter::once(path.as_path()))
            .map(|p| fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf()))
            .map(|p| p.display().to_string())
            .collect();
        out.diagnostics.push(
            Diagnostic::error(
                job.via.clone(),
                format!("circular modules: `{}` includes itself", path.display()),
            )
            .with_note(format!("cycle: {}", chain.join(" -> ")))
            .with_help("remove the `mod` item or its `#[path]` attribute"),
        );
        return (out, Vec::new(), None);
    }
    out.files.push(path.clone());
    if !meta.is_file() {
        unrecorded(env);
        // A FIFO or device would block or never end; rustc reads only files too.
        out.diagnostics.push(
            Diagnostic::error(
                job.via.clone(),
                format!("cannot read `{}`: not a regular file", path.display()),
            )
            .with_help("point the module at a file, or skip it with `exclude`"),
        );
        return (out, Vec::new(), None);
    }
    let (stamp, context) = match &env.cache {
        Some(cache) => (Stamp::of(&meta), cache.context(path, &job.ctx)),
        None => (None, 0),
    };
    let mut bytes = None;
    let cached = env
        .cache
        .as_ref()
        .and_then(|cache| cache.lookup(path, context, stamp, &mut bytes));
    let found = match cached {
        Some(found) => found,
        None => match read::read_and_scan(env, &job, bytes) {
            Ok((full, found)) => {
                if let Some(cache) = &env.cache {
                    cache.store(path, context, stamp, full.as_bytes(), &found);
                }
                found
            }
            Err(diagnostic) => {
                unrecorded(env);
                out.diagnostics.push(diagnostic);
                return (out, Vec::new(), None);
            }
        },
    };
    out.decls = found.decls;
    out.consts = found.consts;
    out.diagnostics = found.diagnostics;
    out.dirs = found.dirs;
    out.mods = found.mods;
    out.uses = found.uses;
    out.skipped = found.skipped;
    let children = found.children;
    // Every span of this file is turned into plain data by now; free the thread's source map.
    proc_macro2::extra::invalidate_current_thread_spans();
    let ancestors = Arc::new(Ancestor {
        id,
        path: job.path.clone(),
        parent: job.ancestors.clone(),
    });
    let jobs = children
        .into_iter()
        .map(|child| Job {
            path: child.path,
            ctx: child.ctx,
            ancestors: Some(Arc::clone(&ancestors)),
            via: Some(child.via),
        })
        .collect();
    (out, jobs, Some(id))
}

/// Tells the cache that a file's result is not recorded (see `Session::unrecorded`).
fn unrecorded(env: &Env) {
    if let Some(cache) = &env.cache {
        cache.unrecorded();
    }
}

/// Every `.rs` file under `dir` as its own root job (`scan_dir` without a crate root).
#[cfg(feature = "cli")]
pub(crate) fn loose_files(env: &Env, dir: &Path) -> (Vec<Job>, Vec<Diagnostic>) {
    let mut jobs = Vec::new();
    let mut diagnostics = Vec::new();
    let mut reported = std::collections::HashSet::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            let name = entry.file_name().to_string_lossy();
            let skipped = name == "target"
                || name.starts_with('.')
                || (!env.include_tests && matches!(&*name, "tests" | "benches" | "examples"));
            entry.depth() == 0 || !entry.file_type().is_dir() || !skipped
        });
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                diagnostics.push(Diagnostic::warning(None, format!("skipped a path: {err}")));
                continue;
            }
        };
        let path = entry.path();
        if !entry.file_type().is_file() || path.extension().is_none_or(|ext| ext != "rs") {
            continue;
        }
        let relative = path.strip_prefix(dir).unwrap_or(path);
        match module_segments(relative) {
            Ok(segments) => jobs.extend(Job::root(env, path.to_path_buf(), segments)),
            Err((index, part)) => {
                // One warning per file or directory whose name is not a module name.
                let skipped = dir.join(relative.iter().take(index + 1).collect::<PathBuf>());
                if reported.insert(skipped.clone()) {
                    diagnostics.push(
                        Diagnostic::warning(
                            None,
                            format!(
                                "skipped `{}`: `{part}` is not a module name",
                                skipped.display()
                            ),
                        )
                        .with_help("rename it, or scan the crate from its root"),
                    );
                }
            }
        }
    }
    (jobs, diagnostics)
}

/// `a/b.rs` → `[a, b]`, `a/mod.rs` → `[a]`, `lib.rs`/`main.rs` at the top → `[]`; `Err` holds
/// the index and text of a part that is no identifier.
#[cfg(feature = "cli")]
fn module_segments(relative: &Path) -> Result<Vec<String>, (usize, String)> {
    let parts: Vec<String> = relative
        .iter()
        .map(|part| part.to_string_lossy().into_owned())
        .collect();
    let mut segments = Vec::new();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let name = if last {
            let stem = part.strip_suffix(".rs").unwrap_or(part);
            if stem == "mod" || (parts.len() == 1 && (stem == "lib" || stem == "main")) {
                break;
            }
            stem
        } else {
            part.as_str()
        };
        segments.push(ident(name).ok_or_else(|| (i, name.to_owned()))?);
    }
    Ok(segments)
}

/// `name` as an identifier (`r#name` for keywords), if it is one.
#[cfg(feature = "cli")]
fn ident(name: &str) -> Option<String> {
    if syn::parse_str::<syn::Ident>(name).is_ok() {
        return Some(name.to_owned());
    }
    let raw = format!("r#{name}");
    syn::parse_str::<syn::Ident>(&raw).is_ok().then_some(raw)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "cli")]
    fn loose_file_module_paths() {
        let seg = |p: &str| module_segments(Path::new(p));
        assert_eq!(seg("lib.rs").unwrap(), Vec::<String>::new());
        assert_eq!(seg("a/b.rs").unwrap(), ["a", "b"]);
        assert_eq!(seg("a/mod.rs").unwrap(), ["a"]);
        assert_eq!(seg("a/lib.rs").unwrap(), ["a", "lib"]);
        assert_eq!(seg("type.rs").unwrap(), ["r#type"]);
        assert_eq!(seg("my-file.rs").unwrap_err(), (0, "my-file".to_owned()));
        assert_eq!(seg("a/b-c/d.rs").unwrap_err(), (1, "b-c".to_owned()));
    }
}
