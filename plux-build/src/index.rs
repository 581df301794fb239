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
use std::io::Write as _;
use std::path::Path;

use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

mod entry;

pub use entry::{IndexEntry, validate_cfg, validate_name, validate_namespace, validate_value};

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::model::{Declaration, Location};

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
        let text = fs::read_to_string(path).map_err(|e| Error::io("read", path, e))?;
        Self::parse(&text, path).map_err(Error::Diagnostics)
    }

    /// Strictly parses `plux.json` text; `path` is used for diagnostic locations. Every problem
    /// is a located error diagnostic (invalid JSON, wrong shapes, duplicate namespaces or names,
    /// bad names, namespaces, values or extras).
    pub fn parse(text: &str, path: &Path) -> Result<Self, Vec<Diagnostic>> {
        let at = |offset: usize| Some(location(text, offset, path));
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
                index.insert(namespace, entry);
            }
            index.namespaces.entry(namespace.clone()).or_default();
        }
        if diagnostics.iter().any(Diagnostic::is_error) {
            Err(diagnostics)
        } else {
            Ok(index)
        }
    }
}

/// Writes `contents` to `path` atomically (a temp file in the same directory, then rename),
/// unless the file already holds exactly these bytes. Returns whether it wrote.
pub fn write_if_changed(path: &Path, contents: &[u8]) -> Result<bool> {
    if let Ok(existing) = fs::read(path)
        && existing == contents
    {
        return Ok(false);
    }
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
    let mut builder = tempfile::Builder::new();
    builder.prefix(".plux-").suffix(".tmp");
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
    tmp.persist(path)
        .map_err(|e| Error::io("write", path, e.error))?;
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

/// Where the entry string `entry` (unescaped) first appears in the index `text` at `path`
/// (line 1, column 1 when it cannot be found).
pub(crate) fn entry_location(text: &str, path: &Path, entry: &str) -> Location {
    let quoted = serde_json::to_string(entry).unwrap_or_default();
    location(text, text.find(&quoted).unwrap_or(0), path)
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
