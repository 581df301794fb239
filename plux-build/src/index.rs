//! The `plux.json` model: an object from namespace to a sorted array of `name=value [extras]`
//! entries. Parse (strictly: a dependency's index is untrusted input), validate, render (JSON
//! and the entry-points INI shape of the Python tool) and write atomically when changed.
//!
//! ```
//! use plux_build::index::{Index, IndexEntry};
//! use plux_build::Kind;
//!
//! let mut index = Index::new();
//! index.insert("localstack.plugins.services", IndexEntry::new("s3", "ls_services::S3", Kind::Spec));
//! index.insert(
//!     "localstack.configurators",
//!     IndexEntry::new("configure_logging", "ls_hooks::configure_logging", Kind::Function),
//! );
//! let text = index.render();
//! assert_eq!(
//!     text,
//!     "{\n  \"localstack.configurators\": [\n    \"configure_logging=ls_hooks::configure_logging [fn]\"\n  ],\n  \"localstack.plugins.services\": [\n    \"s3=ls_services::S3\"\n  ]\n}\n"
//! );
//! assert_eq!(Index::parse(&text, "plux.json".as_ref()).unwrap(), index);
//! ```

use std::collections::BTreeMap;
use std::fmt;
use std::fs;
use std::io::{ErrorKind, Write as _};
use std::path::{Component, Path, PathBuf};

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

mod entry;

pub use entry::IndexEntry;

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::model::{Declaration, Location};
use crate::validate::validate_namespace;

/// The help line on every diagnostic about a malformed index.
const FIX: &str = "regenerate the index with `cargo plux entrypoints` in the package that owns it";

/// A `plux.json` index: namespace → entries sorted as strings.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Index {
    // namespace -> rendered entry -> entry (the rendered text is the sort key)
    namespaces: BTreeMap<String, BTreeMap<String, IndexEntry>>,
}

impl Index {
    /// An empty index.
    pub fn new() -> Self {
        Self::default()
    }

    /// The index of scanned declarations (identical entries collapse; duplicate names are the
    /// scanner's to report, see `scan::duplicates`).
    pub fn from_declarations<'a>(declarations: impl IntoIterator<Item = &'a Declaration>) -> Self {
        let mut index = Self::new();
        for declaration in declarations {
            index.insert(
                &declaration.namespace,
                IndexEntry::from_declaration(declaration),
            );
        }
        index
    }

    /// Adds an entry to a namespace.
    pub fn insert(&mut self, namespace: &str, entry: IndexEntry) {
        self.namespaces
            .entry(namespace.to_owned())
            .or_default()
            .insert(entry.to_string(), entry);
    }

    /// Adds every entry of `other`.
    pub fn extend(&mut self, other: &Index) {
        for (namespace, entry) in other.iter() {
            self.insert(namespace, entry.clone());
        }
    }

    /// Whether there are no entries.
    pub fn is_empty(&self) -> bool {
        self.namespaces.values().all(BTreeMap::is_empty)
    }

    /// Number of entries over all namespaces.
    pub fn len(&self) -> usize {
        self.namespaces.values().map(BTreeMap::len).sum()
    }

    /// The namespaces, sorted.
    pub fn namespaces(&self) -> impl Iterator<Item = &str> {
        self.namespaces.keys().map(String::as_str)
    }

    /// The entries of one namespace, sorted as strings (empty if it is absent).
    pub fn entries(&self, namespace: &str) -> impl Iterator<Item = &IndexEntry> {
        self.namespaces
            .get(namespace)
            .into_iter()
            .flat_map(BTreeMap::values)
    }

    /// Every `(namespace, entry)`, in render order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &IndexEntry)> {
        self.namespaces
            .iter()
            .flat_map(|(ns, entries)| entries.values().map(move |e| (ns.as_str(), e)))
    }

    /// The `plux.json` text: sorted keys, sorted arrays, 2-space indent, trailing newline.
    pub fn render(&self) -> String {
        let map: BTreeMap<&str, Vec<&str>> = self
            .namespaces
            .iter()
            .map(|(ns, entries)| (ns.as_str(), entries.keys().map(String::as_str).collect()))
            .collect();
        // Serializing maps of strings cannot fail.
        let mut text = serde_json::to_string_pretty(&map).unwrap_or_default();
        text.push('\n');
        text
    }

    /// The entry-points INI shape of the Python tool: a `[namespace]` section per namespace
    /// with `name = value [extras]` lines, a blank line after each section.
    pub fn render_ini(&self) -> String {
        let mut text = String::new();
        for (namespace, entries) in &self.namespaces {
            text.push_str(&format!("[{namespace}]\n"));
            for entry in entries.values() {
                let rendered = entry.to_string();
                let rest = &rendered[entry.name.len() + 1..];
                text.push_str(&format!("{} = {rest}\n", entry.name));
            }
            text.push('\n');
        }
        text
    }

    /// Reads and strictly parses the index at `path`.
    pub fn read(path: &Path) -> Result<Self> {
        let text = read_text(path)?;
        Self::parse(&text, path).map_err(Error::Diagnostics)
    }

    /// Strictly parses `plux.json` text; `path` is used for diagnostic locations. Every problem
    /// is a located error diagnostic (invalid JSON, wrong shapes, duplicate namespaces or names,
    /// bad names, namespaces, values or extras).
    pub fn parse(text: &str, path: &Path) -> Result<Self, Vec<Diagnostic>> {
        Self::parse_located(text, path).map(|(index, _)| index)
    }

    /// Like [`Index::parse`], also returning where each entry is in the file:
    /// `(namespace, entry, location)` in file order. Locations cost linear time in all (a line
    /// table, built once), however many entries or errors the file has.
    ///
    /// ```
    /// use std::path::Path;
    ///
    /// let text = "{\n  \"ns\": [\n    \"a=x::A\",\n    \"b=x::B\"\n  ]\n}\n";
    /// let (_, located) = plux_build::index::Index::parse_located(text, Path::new("plux.json")).unwrap();
    /// let lines: Vec<_> = located.iter().map(|(_, e, at)| (e.name.as_str(), at.line, at.column)).collect();
    /// assert_eq!(lines, [("a", 3, 5), ("b", 4, 5)]);
    /// ```
    pub fn parse_located(
        text: &str,
        path: &Path,
    ) -> Result<(Self, Vec<LocatedEntry>), Vec<Diagnostic>> {
        let lines = Lines::new(text);
        let location = |_: &str, offset: usize, path: &Path| lines.location(offset, path);
        let at = |offset: usize| Some(location(text, offset, path));
        let mut located = Vec::new();
        let mut diagnostics = Vec::new();
        let raw = match serde_json::from_str::<RawIndex<'_>>(text) {
            Ok(raw) => raw,
            Err(e) => {
                let loc = Location {
                    file: path.to_owned(),
                    line: e.line().max(1),
                    column: e.column().max(1),
                };
                let message = match e.classify() {
                    serde_json::error::Category::Data => format!("malformed index: {e}"),
                    _ => format!("index is not valid JSON: {e}"),
                };
                let message = strip_position(&message);
                return Err(vec![Diagnostic::error(Some(loc), message).with_help(FIX)]);
            }
        };
        let mut index = Self::new();
        let mut seen_ns: BTreeMap<&str, usize> = BTreeMap::new();
        for (namespace, raw_ns, entries) in &raw.0 {
            let ns_offset = offset_of(text, raw_ns);
            if let Some(first) = seen_ns.insert(namespace, ns_offset) {
                diagnostics.push(
                    Diagnostic::error(
                        at(ns_offset),
                        format!("namespace `{}` appears twice", namespace.escape_debug()),
                    )
                    .with_note(format!("first at {}", location(text, first, path)))
                    .with_help(FIX),
                );
                continue;
            }
            if let Err(e) = validate_namespace(namespace) {
                diagnostics.push(Diagnostic::error(at(ns_offset), e).with_help(FIX));
                continue;
            }
            let mut names: BTreeMap<String, usize> = BTreeMap::new();
            let mut previous: Option<String> = None;
            for raw_entry in entries {
                let offset = offset_of(text, raw_entry);
                let Ok(entry_text) = serde_json::from_str::<String>(raw_entry.get()) else {
                    diagnostics.push(
                        Diagnostic::error(
                            at(offset),
                            format!(
                                "entry in namespace `{}` is not a string",
                                namespace.escape_debug()
                            ),
                        )
                        .with_help(FIX),
                    );
                    continue;
                };
                let entry = match IndexEntry::parse(&entry_text) {
                    Ok(entry) => entry,
                    Err(e) => {
                        diagnostics.push(
                            Diagnostic::error(
                                at(offset),
                                format!(
                                    "invalid entry `{}` in namespace `{}`: {e}",
                                    entry_text.escape_debug(),
                                    namespace.escape_debug()
                                ),
                            )
                            .with_help(FIX),
                        );
                        continue;
                    }
                };
                if let Some(first) = names.insert(entry.name.clone(), offset) {
                    diagnostics.push(
                        Diagnostic::error(
                            at(offset),
                            format!(
                                "duplicate plugin `{}` in namespace `{}`",
                                entry.name.escape_debug(),
                                namespace.escape_debug()
                            ),
                        )
                        .with_note(format!("first at {}", location(text, first, path)))
                        .with_help(FIX),
                    );
                    continue;
                }
                // Canonical form: what we render is what was read.
                if entry.to_string() != entry_text {
                    diagnostics.push(
                        Diagnostic::error(
                            at(offset),
                            format!(
                                "entry `{}` in namespace `{}` is not in canonical form `{}`",
                                entry_text.escape_debug(),
                                namespace.escape_debug(),
                                entry.to_string().escape_debug()
                            ),
                        )
                        .with_help(FIX),
                    );
                    continue;
                }
                if previous.as_deref().is_some_and(|p| p > entry_text.as_str()) {
                    diagnostics.push(
                        Diagnostic::warning(
                            at(offset),
                            format!(
                                "entries of namespace `{}` are not sorted",
                                namespace.escape_debug()
                            ),
                        )
                        .with_help(FIX),
                    );
                }
                previous = Some(entry_text);
                located.push((
                    namespace.clone(),
                    entry.clone(),
                    lines.location(offset, path),
                ));
                index.insert(namespace, entry);
            }
            index.namespaces.entry(namespace.clone()).or_default();
        }
        if diagnostics.iter().any(Diagnostic::is_error) {
            Err(diagnostics)
        } else {
            Ok((index, located))
        }
    }
}

/// An entry of an index with its namespace and where it is: see [`Index::parse_located`].
pub type LocatedEntry = (String, IndexEntry, Location);

/// Line starts of a text, found once on first use: a byte offset's line and column in
/// `O(log lines + line length)`.
struct Lines<'a> {
    text: &'a str,
    starts: std::cell::OnceCell<Vec<usize>>,
}

impl<'a> Lines<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            text,
            starts: std::cell::OnceCell::new(),
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    fn location(&self, offset: usize, path: &Path) -> Location {
        let starts = self.starts.get_or_init(|| {
            std::iter::once(0)
                .chain(memchr::memchr_iter(b'\n', self.text.as_bytes()).map(|i| i + 1))
                .collect()
        });
        let offset = offset.min(self.text.len());
        let line = starts.partition_point(|&start| start <= offset);
        let start = starts[line.saturating_sub(1)];
        Location {
            file: path.to_owned(),
            line,
            column: self
                .text
                .get(start..offset)
                .map_or(0, |s| s.chars().count())
                + 1,
        }
    }
}

/// The prefix of every temporary file plux writes next to a target (`.plux-tmp-XXXXXX.tmp`).
/// A run killed between writing one and renaming it leaves it behind; the next run that writes
/// in that directory removes it ([`write_files`]).
pub const TEMP_PREFIX: &str = ".plux-tmp-";

/// The suffix of plux's temporary files.
const TEMP_SUFFIX: &str = ".tmp";

/// The largest `plux.json` plux reads: 8 MiB (an index of 100,000 plugins is about 5 MB).
/// A larger one is refused before it is parsed, so a hostile index cannot exhaust memory.
pub const MAX_INDEX_BYTES: u64 = 8 << 20;

/// Reads the text of the index at `path`: a regular file (a FIFO, device or directory is an
/// error naming it, never a hang), at most [`MAX_INDEX_BYTES`], UTF-8. Both limits are located
/// error diagnostics naming the file.
pub fn read_text(path: &Path) -> Result<String> {
    let bytes = match crate::fsx::read_regular(path, MAX_INDEX_BYTES) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == ErrorKind::FileTooLarge => {
            let at = Location {
                file: path.to_owned(),
                line: 1,
                column: 1,
            };
            return Err(Error::Diagnostics(vec![
                Diagnostic::error(
                    Some(at),
                    format!("index is larger than {MAX_INDEX_BYTES} bytes"),
                )
                .with_help(FIX),
            ]));
        }
        Err(e) => return Err(Error::io("read", path, e)),
    };
    String::from_utf8(bytes).map_err(|e| {
        let valid = e.utf8_error().valid_up_to();
        let prefix = String::from_utf8_lossy(&e.as_bytes()[..valid]).into_owned();
        let at = location(&prefix, prefix.len(), path);
        Error::Diagnostics(vec![
            Diagnostic::error(Some(at), "index is not valid UTF-8").with_help(FIX),
        ])
    })
}

/// Where `relative` (a path inside the package at `root`) really leads, following every
/// symlink that exists: `Ok(resolved)` when that is inside `root` (itself resolved),
/// `Err(resolved)` when it leaves it (an absolute path, `..`, or a symlink pointing out).
///
/// ```
/// let root = tempfile::tempdir().unwrap();
/// let inside = plux_build::index::resolve_inside(root.path(), "src/reg.rs".as_ref());
/// assert!(inside.unwrap().ends_with("src/reg.rs"));
/// assert!(plux_build::index::resolve_inside(root.path(), "../x.rs".as_ref()).is_err());
/// ```
pub fn resolve_inside(root: &Path, relative: &Path) -> std::result::Result<PathBuf, PathBuf> {
    let root = fs::canonicalize(root).unwrap_or_else(|_| root.to_owned());
    // Each existing symlink on the way is resolved by the OS; the rest is applied lexically,
    // so a `..` after a symlink means what the OS would make of it.
    let mut resolved = root.clone();
    for component in relative.components() {
        match component {
            Component::Prefix(_) | Component::RootDir => {
                resolved = PathBuf::from(component.as_os_str());
            }
            Component::CurDir => {}
            Component::ParentDir => {
                resolved.pop();
            }
            Component::Normal(name) => {
                resolved.push(name);
                let is_link =
                    fs::symlink_metadata(&resolved).is_ok_and(|meta| meta.file_type().is_symlink());
                if is_link {
                    match fs::canonicalize(&resolved) {
                        Ok(target) => resolved = target,
                        // A dangling or looping link: refused, shown with where it points.
                        Err(_) => {
                            let target = fs::read_link(&resolved).unwrap_or_default();
                            resolved.pop();
                            return Err(resolved.join(target));
                        }
                    }
                }
            }
        }
    }
    if resolved.starts_with(&root) && resolved != root {
        Ok(resolved)
    } else {
        Err(resolved)
    }
}

/// Writes `contents` to `path` atomically (a temp file in the same directory, then rename),
/// unless the file already holds exactly these bytes. Returns whether it wrote. Like
/// [`write_files`], first removes leftover temp files of killed runs from that directory.
pub fn write_if_changed(path: &Path, contents: &[u8]) -> Result<bool> {
    remove_leftovers(parent_dir(path))?;
    write_one(path, contents, None, &mut |_, _| false)
}

/// A point of [`write_files`] where a test can stop it the way a crash (`SIGKILL`) would:
/// nothing after it happens and nothing is cleaned up.
#[doc(hidden)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WriteStep {
    /// The new contents are complete in a temp file next to the target.
    TempWritten,
    /// The temp file has replaced the target.
    Renamed,
}

/// Writes each `(path, contents)` that changed, atomically, and returns for each whether it
/// wrote. First removes leftover temp files ([`TEMP_PREFIX`]) of killed runs from every
/// directory it writes in. Each file is replaced by a rename, so at any moment it holds
/// either its old or its new contents.
///
/// `crash` is called after each [`WriteStep`]; when it returns `true` the write stops there
/// as if the process were killed (the temp file is left behind) and an error is returned.
/// Only tests pass anything but `|_, _| false`.
#[doc(hidden)]
pub fn write_files(
    files: &[(PathBuf, String)],
    crash: &mut dyn FnMut(&Path, WriteStep) -> bool,
) -> Result<Vec<bool>> {
    write_files_inside(files, &[], crash)
}

/// [`write_files`], where each file must stay inside the first of `roots` that is a prefix of
/// its path (its package): checked again right before its temp file replaces it, following
/// every symlink on the way, so a directory swapped for a symlink leading out after planning is
/// refused (the temp file removed, nothing written outside) instead of written through.
#[doc(hidden)]
pub fn write_files_inside(
    files: &[(PathBuf, String)],
    roots: &[PathBuf],
    crash: &mut dyn FnMut(&Path, WriteStep) -> bool,
) -> Result<Vec<bool>> {
    let mut dirs: Vec<&Path> = files.iter().map(|(path, _)| parent_dir(path)).collect();
    dirs.sort();
    dirs.dedup();
    for dir in dirs {
        remove_leftovers(dir)?;
    }
    files
        .iter()
        .map(|(path, contents)| {
            let root = roots
                .iter()
                .filter(|root| path.starts_with(root))
                .max_by_key(|root| root.as_os_str().len());
            write_one(path, contents.as_bytes(), root.map(PathBuf::as_path), crash)
        })
        .collect()
}

/// The error of a planned file that now leads outside its package.
fn outside(path: &Path, leads: &Path, root: &Path) -> Error {
    Error::Config(format!(
        "`{}` now leads to `{}`, outside `{}` (a directory on the way was replaced by a symlink after plux checked it); nothing was written there",
        path.display(),
        leads.display(),
        root.display()
    ))
}

/// Whether `path` still leads inside `root`, and the directory the temp file `tmp` was made
/// in is inside it too: `Err` naming where it leads otherwise.
fn still_inside(root: &Path, path: &Path, tmp: &Path) -> std::result::Result<(), PathBuf> {
    let relative = path.strip_prefix(root).map_err(|_| path.to_owned())?;
    let resolved = resolve_inside(root, relative)?;
    let canonical_root = fs::canonicalize(root).unwrap_or_else(|_| root.to_owned());
    let tmp_dir = fs::canonicalize(parent_dir(tmp)).map_err(|_| tmp.to_owned())?;
    if tmp_dir.starts_with(&canonical_root) {
        Ok(())
    } else {
        Err(resolved.parent().map_or(tmp_dir, Path::to_path_buf))
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Removes plux's temp files (`.plux-tmp-*.tmp`) from `dir` (a missing `dir` has none).
fn remove_leftovers(dir: &Path) -> Result<()> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(Error::io("read directory", dir, e)),
    };
    for entry in entries {
        let entry = entry.map_err(|e| Error::io("read directory", dir, e))?;
        let name = entry.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(TEMP_PREFIX)
            && name.ends_with(TEMP_SUFFIX)
            && entry.file_type().is_ok_and(|t| t.is_file())
        {
            let path = entry.path();
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(e) if e.kind() == ErrorKind::NotFound => {}
                Err(e) => return Err(Error::io("remove", path, e)),
            }
        }
    }
    Ok(())
}

fn simulated_crash(path: &Path) -> Error {
    Error::io(
        "write",
        path,
        std::io::Error::other("simulated crash (fault injection)"),
    )
}

fn write_one(
    path: &Path,
    contents: &[u8],
    root: Option<&Path>,
    crash: &mut dyn FnMut(&Path, WriteStep) -> bool,
) -> Result<bool> {
    // Only a regular file is replaced (or compared: reading a FIFO would block).
    match fs::metadata(path) {
        Ok(meta) if !meta.is_file() => {
            return Err(Error::io("write", path, crate::fsx::not_regular()));
        }
        Ok(meta)
            if meta.len() == contents.len() as u64
                && crate::fsx::read_regular(path, meta.len())
                    .is_ok_and(|existing| existing == contents) =>
        {
            return Ok(false);
        }
        _ => {}
    }
    let dir = parent_dir(path);
    fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
    // Checked before the temp file is made (and again before it replaces the target).
    if let Some(root) = root
        && let Err(leads) = path
            .strip_prefix(root)
            .map_err(|_| path.to_owned())
            .and_then(|relative| resolve_inside(root, relative))
    {
        return Err(outside(path, &leads, root));
    }
    let mut builder = crate::tmp::Builder::new();
    builder.prefix(TEMP_PREFIX).suffix(TEMP_SUFFIX);
    // A replaced file keeps its permissions; a new one gets the usual ones (0666 minus the
    // umask), not the temp file's private 0600.
    match fs::metadata(path) {
        Ok(meta) => {
            builder.permissions(meta.permissions());
        }
        #[cfg(unix)]
        Err(_) => {
            use std::os::unix::fs::PermissionsExt as _;
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        #[cfg(not(unix))]
        Err(_) => {}
    }
    let mut tmp = builder
        .tempfile_in(dir)
        .map_err(|e| Error::io("create a temporary file in", dir, e))?;
    tmp.write_all(contents)
        .and_then(|()| tmp.as_file().sync_all())
        .map_err(|e| Error::io("write", tmp.path().to_owned(), e))?;
    if crash(path, WriteStep::TempWritten) {
        // Killed here, the temp file would stay behind: keep it.
        let _ = tmp.keep();
        return Err(simulated_crash(path));
    }
    if let Some(root) = root
        && let Err(leads) = still_inside(root, path, tmp.path())
    {
        // Dropping the temp file removes it.
        drop(tmp);
        return Err(outside(path, &leads, root));
    }
    tmp.persist(path)
        .map_err(|e| Error::io("write", path, e.error))?;
    if crash(path, WriteStep::Renamed) {
        return Err(simulated_crash(path));
    }
    Ok(true)
}

/// serde_json appends " at line L column C"; our diagnostics carry the position themselves.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}

/// Byte offset of a borrowed raw value inside `text`.
fn offset_of(text: &str, raw: &RawValue) -> usize {
    (raw.get().as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
}

/// 1-based line and column (in characters) of a byte offset.
fn location(text: &str, offset: usize, path: &Path) -> Location {
    let before = text.get(..offset).unwrap_or(text);
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    Location {
        file: path.to_owned(),
        line,
        column: before[line_start..].chars().count() + 1,
    }
}

/// The top-level object as read: `(namespace, raw key position, raw entries)` in file order,
/// duplicates kept so they can be reported.
type RawNamespace<'a> = (String, &'a RawValue, Vec<&'a RawValue>);

struct RawIndex<'a>(Vec<RawNamespace<'a>>);

impl<'de: 'a, 'a> serde::Deserialize<'de> for RawIndex<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for V<'a> {
            type Value = RawIndex<'a>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object from namespace to an array of entry strings")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value: &'de RawValue = map.next_value()?;
                    let entries: Vec<&'de RawValue> =
                        serde_json::from_str(value.get()).map_err(|_| {
                            de::Error::custom(format!(
                                "namespace `{}` must map to an array of entry strings",
                                key.escape_debug()
                            ))
                        })?;
                    out.push((key, value, entries));
                }
                Ok(RawIndex(out))
            }
        }
        deserializer.deserialize_map(V(std::marker::PhantomData))
    }
}

#[cfg(test)]
mod tests;
