//! The module-tree walk: which files make up a crate, read and parsed in parallel.

use std::fs;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};

use super::cache::{Session, Stamp};
use super::cfg::ModCfg;
use super::consts::Consts;
use super::filter::Filter;
use super::items::{self, FileItems, RawDecl};
use super::lex;
use super::skim::{self, Lines};
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
}

impl Collected {
    fn append(&mut self, mut other: Collected) {
        self.files.append(&mut other.files);
        self.dirs.append(&mut other.dirs);
        self.decls.append(&mut other.decls);
        self.consts.append(&mut other.consts);
        self.diagnostics.append(&mut other.diagnostics);
    }
}

/// How deep delimiters may nest in a file that is parsed with syn. syn parses nested groups
/// recursively; real code stays far below this, and the scan threads' stacks
/// ([`threads::SCAN_STACK`]) hold it with room to spare even in debug builds.
pub(crate) const MAX_NESTING: usize = 256;

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
            cache.remember(&collected);
        }
        collected
    })
}

fn walk_here(env: &Env, roots: Vec<Job>) -> Collected {
    let sink = Mutex::new(Collected::default());
    rayon::scope(|scope| {
        for job in roots {
            spawn(scope, env, &sink, job);
        }
    });
    sink.into_inner().unwrap_or_else(PoisonError::into_inner)
}

fn spawn<'s>(scope: &rayon::Scope<'s>, env: &'s Env, sink: &'s Mutex<Collected>, job: Job) {
    scope.spawn(move |scope| {
        let (found, children) = process(env, job);
        sink.lock()
            .unwrap_or_else(PoisonError::into_inner)
            .append(found);
        for child in children {
            spawn(scope, env, sink, child);
        }
    });
}

/// Reads, parses and scans one file; returns what it found and the module files it declares.
fn process(env: &Env, job: Job) -> (Collected, Vec<Job>) {
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
            return (out, Vec::new());
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
        return (out, Vec::new());
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
        return (out, Vec::new());
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
        None => match read_and_scan(env, &job, bytes) {
            Ok((full, found)) => {
                if let Some(cache) = &env.cache {
                    cache.store(path, context, stamp, full.as_bytes(), &found);
                }
                found
            }
            Err(diagnostic) => {
                unrecorded(env);
                out.diagnostics.push(diagnostic);
                return (out, Vec::new());
            }
        },
    };
    out.decls = found.decls;
    out.consts = found.consts;
    out.diagnostics = found.diagnostics;
    out.dirs = found.dirs;
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
    (out, jobs)
}

/// Tells the cache that a file's result is not recorded (see `Session::unrecorded`).
fn unrecorded(env: &Env) {
    if let Some(cache) = &env.cache {
        cache.unrecorded();
    }
}

/// Reads (unless `bytes` holds it already) and scans one file: its text and what it holds,
/// or the diagnostic of a file that cannot be read as text.
fn read_and_scan(
    env: &Env,
    job: &Job,
    bytes: Option<Vec<u8>>,
) -> Result<(String, FileItems), Diagnostic> {
    let path = &job.path;
    let read = match bytes {
        Some(bytes) => Ok(bytes),
        None => fs::read(path),
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(err) => {
            return Err(Diagnostic::error(
                job.via.clone(),
                format!("cannot read `{}`: {err}", path.display()),
            )
            .with_help("make the file readable, or skip it with `exclude`"));
        }
    };
    let full = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
            return Err(Diagnostic::error(
                Some(byte_location(path, valid)),
                format!("`{}` is not valid UTF-8", path.display()),
            )
            .with_help("Rust sources must be UTF-8; fix the file, or skip it with `exclude`"));
        }
    };
    let text = skim::strip_preamble(&full);
    let skimmed = match env.prefilter {
        true => skim::skim(env, path, text, &job.ctx).ok(),
        false => None,
    };
    let found = match skimmed {
        Some(found) => found,
        None => parse(env, path, text, &job.ctx).unwrap_or_else(|diagnostics| FileItems {
            diagnostics,
            ..FileItems::default()
        }),
    };
    Ok((full, found))
}

/// syn's message for a syntax error, with proc-macro2's lexer error (which names no cause)
/// spelled out.
fn syntax_message(err: &syn::Error) -> String {
    let message = err.to_string();
    if message == "cannot parse string into token stream" {
        "unbalanced delimiters, or an unterminated string, character literal or block comment"
            .to_owned()
    } else {
        message
    }
}

/// Parses a file with syn and extracts what it holds; `Err` holds the diagnostics of a file
/// that cannot be parsed.
fn parse(env: &Env, path: &Path, text: &str, ctx: &ModCtx) -> Result<FileItems, Vec<Diagnostic>> {
    if let Some(offset) = lex::deeper_than(text.as_bytes(), MAX_NESTING) {
        let (line, column) = Lines::new(text.as_bytes()).at(offset);
        let location = Location {
            file: path.to_path_buf(),
            line,
            column: column + 1,
        };
        return Err(vec![
            Diagnostic::error(
                Some(location),
                format!(
                    "cannot parse `{}`: delimiters nest deeper than {MAX_NESTING} levels",
                    path.display()
                ),
            )
            .with_help(
                "flatten the nesting, or skip the file with `exclude` in \
                 `[package.metadata.plux]`",
            ),
        ]);
    }
    // `text` is without its preamble already, so this is `syn::parse_file`.
    match syn::parse_str::<syn::File>(text) {
        Ok(syntax) => Ok(items::extract(env, path, &syntax, ctx)),
        Err(errors) => Err(errors
            .into_iter()
            .map(|err| {
                let start = err.span().start();
                let location = Location {
                    file: path.to_path_buf(),
                    line: start.line,
                    column: start.column + 1,
                };
                Diagnostic::error(
                    Some(location),
                    format!(
                        "cannot parse `{}`: {}",
                        path.display(),
                        syntax_message(&err)
                    ),
                )
                .with_help(
                    "fix the syntax error, or skip the file with `exclude` in \
                     `[package.metadata.plux]`",
                )
            })
            .collect()),
    }
}

/// The line and column just after `prefix`, the valid start of a file.
fn byte_location(file: &Path, prefix: &[u8]) -> Location {
    let line_start = prefix
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&prefix[line_start..])
        .chars()
        .count()
        + 1;
    Location {
        file: file.to_path_buf(),
        line: memchr::memchr_iter(b'\n', prefix).count() + 1,
        column,
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

    #[test]
    fn location_after_valid_prefix() {
        let loc = byte_location(Path::new("f.rs"), "ab\ncdé".as_bytes());
        assert_eq!((loc.line, loc.column), (2, 4));
    }
}
