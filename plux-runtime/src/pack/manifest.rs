//! The files of a pack directory: the manifest (`plux-pack.json`) and the index (`plux.json`).

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::Fingerprint;

/// The manifest's file name.
pub const MANIFEST: &str = "plux-pack.json";
/// The index's file name.
pub const INDEX: &str = "plux.json";
/// The manifest format this version writes and reads.
pub const FORMAT: u32 = 1;

/// Read caps: a manifest or index larger than this is refused rather than read.
const MANIFEST_CAP: u64 = 1024 * 1024;
const INDEX_CAP: u64 = 8 * 1024 * 1024;

/// A pack's manifest, `plux-pack.json` (written by `cargo plux pack`).
///
/// ```json
/// {
///   "format": 1,
///   "name": "ext",
///   "version": "0.1.0",
///   "library": "libext.so",
///   "library_hash": "xxh3-128:6f1e...",
///   "fingerprint": { "rustc": "1.95.0 (59807616e... 2026-04-14)", "target": "...", "...": "..." },
///   "crates": [ { "name": "api", "version": "0.1.0", "source": "path", "features": [] } ]
/// }
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The manifest format, [`FORMAT`].
    pub format: u32,
    /// The pack's name (its package's name).
    pub name: String,
    /// The pack's version (its package's version).
    pub version: String,
    /// The library's file name, in the pack directory.
    pub library: String,
    /// The library's content hash ([`library_hash`]): a damaged, truncated or replaced
    /// library is refused before it is opened.
    pub library_hash: String,
    /// The fingerprint of the library's plux-runtime (see [`Fingerprint`]).
    pub fingerprint: BTreeMap<String, String>,
    /// The crates the library was built with (its package's normal dependency graph).
    #[serde(default)]
    pub crates: Vec<CrateId>,
}

/// A crate a pack was built with.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CrateId {
    /// The package name.
    pub name: String,
    /// Its version.
    pub version: String,
    /// Where it came from: `registry+<url>`, `git+<url>#<commit>`, or `path`.
    pub source: String,
    /// The features it was built with.
    #[serde(default)]
    pub features: Vec<String>,
}

impl Manifest {
    /// Reads and checks `dir/plux-pack.json`.
    pub(crate) fn read(dir: &Path) -> Result<Self, String> {
        let path = dir.join(MANIFEST);
        let text = read_capped(&path, MANIFEST_CAP)
            .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
        let manifest: Self = serde_json::from_str(&text)
            .map_err(|e| format!("`{}` is not a pack manifest: {e}", path.display()))?;
        if manifest.format != FORMAT {
            return Err(format!(
                "`{}` has format {}, this plux-runtime reads format {FORMAT}; rebuild the pack with the host's plux",
                path.display(),
                manifest.format
            ));
        }
        let plain = |s: &str| {
            !s.is_empty()
                && s != "."
                && s != ".."
                && !s.contains(['/', '\\', '\0'])
                && !s.chars().any(char::is_control)
        };
        if !plain(&manifest.library) {
            return Err(format!(
                "`{}` names the library `{}`, which is not a file name in the pack directory",
                path.display(),
                manifest.library.escape_debug()
            ));
        }
        if !plain(&manifest.name) {
            return Err(format!(
                "`{}` has the pack name `{}`; a name is non-empty, without `/`, `\\` or control characters",
                path.display(),
                manifest.name.escape_debug()
            ));
        }
        Ok(manifest)
    }

    /// The fingerprint.
    pub fn fingerprint(&self) -> Fingerprint {
        Fingerprint::from_pairs(self.fingerprint.iter().map(|(k, v)| (k.clone(), v.clone())))
    }

    /// The manifest as written to `plux-pack.json` (2-space indent, trailing newline).
    pub fn to_json(&self) -> String {
        // Serializing plain strings and maps cannot fail.
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// The content hash of a library file as a manifest records it: `xxh3-128:` and 32 hex digits.
/// Not a signature: it detects damage, not tampering (whoever can replace the library can
/// rewrite the manifest too).
///
/// ```
/// # #[cfg(feature = "packs")] {
/// let path = std::env::temp_dir().join("plux-doc-library-hash");
/// std::fs::write(&path, b"library bytes")?;
/// let hash = plux_runtime::pack::library_hash(&path)?;
/// assert!(hash.starts_with("xxh3-128:") && hash.len() == 9 + 32);
/// # }
/// # Ok::<(), std::io::Error>(())
/// ```
pub fn library_hash(path: &Path) -> io::Result<String> {
    let mut file = File::open(path)?;
    let mut hasher = xxhash_rust::xxh3::Xxh3::new();
    let mut buffer = vec![0; 64 * 1024];
    loop {
        match file.read(&mut buffer)? {
            0 => break,
            n => hasher.update(&buffer[..n]),
        }
    }
    Ok(format!("xxh3-128:{:032x}", hasher.digest128()))
}

/// One entry of a pack's `plux.json`: its namespace (shared by the namespace's entries) and its
/// text, `name=value [extras]`, kept whole (one allocation per entry).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct IndexEntry {
    namespace: std::sync::Arc<str>,
    text: String,
    /// Where the name ends (the `=`), and where the value ends.
    name_end: usize,
    value_end: usize,
    /// Whether the entry carries a `cfg(..)` or `macro(..)` extra: it may be compiled out of
    /// the library.
    pub(crate) gated: bool,
}

impl IndexEntry {
    pub(crate) fn namespace(&self) -> &str {
        &self.namespace
    }

    pub(crate) fn name(&self) -> &str {
        &self.text[..self.name_end]
    }

    pub(crate) fn value(&self) -> &str {
        &self.text[self.name_end + 1..self.value_end]
    }
}

/// Reads `dir/plux.json`: namespace → `"name=value"` or `"name=value [extra, ..]"` strings.
pub(crate) fn read_index(dir: &Path) -> Result<Vec<IndexEntry>, String> {
    let path = dir.join(INDEX);
    let text = read_capped(&path, INDEX_CAP)
        .map_err(|e| format!("cannot read `{}`: {e}", path.display()))?;
    let index: BTreeMap<String, Vec<String>> = serde_json::from_str(&text).map_err(|e| {
        format!(
            "`{}` is not a plux index (an object of namespaces to arrays of `name=value` strings): {e}",
            path.display()
        )
    })?;
    let mut entries = Vec::new();
    for (namespace, items) in index {
        let shared: std::sync::Arc<str> = std::sync::Arc::from(namespace.as_str());
        // The rules the attribute and plux-build apply (control and bidirectional characters
        // refused, so none reaches a terminal or a log from a pack).
        if crate::__private::check_namespace(&namespace).is_err() {
            return Err(format!(
                "`{}` has an invalid namespace `{}`",
                path.display(),
                namespace.escape_debug()
            ));
        }
        for item in items {
            let bad = || {
                format!(
                    "`{}` has an invalid entry `{}` in namespace `{namespace}`; expected `name=value` or `name=value [extras]`",
                    path.display(),
                    item.escape_debug()
                )
            };
            let (name, rest) = item.split_once('=').ok_or_else(bad)?;
            // `value` or `value [extras]` (a value never holds `[` or a space).
            let (value, extras) = match rest.split_once('[') {
                Some((value, extras)) => (
                    value.strip_suffix(' ').ok_or_else(bad)?,
                    extras.strip_suffix(']').ok_or_else(bad)?,
                ),
                None => (rest, ""),
            };
            if crate::__private::check_name(name).is_err() || !is_path(value) {
                return Err(bad());
            }
            let gated = extras
                .split(", ")
                .any(|e| e.starts_with("cfg(") || e.starts_with("macro("));
            let (name_end, value_end) = (name.len(), name.len() + 1 + value.len());
            entries.push(IndexEntry {
                namespace: shared.clone(),
                text: item,
                name_end,
                value_end,
                gated,
            });
        }
    }
    Ok(entries)
}

/// Whether `value` is a Rust path: identifiers (raw ones too) joined by `::`.
fn is_path(value: &str) -> bool {
    // Split on `:`: a path gives its segments with an empty part between each two.
    let mut parts = 0;
    let well_formed = value.split(':').enumerate().all(|(i, part)| {
        parts += 1;
        if i % 2 == 1 {
            part.is_empty()
        } else {
            !part.is_empty()
                && part
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '#')
        }
    });
    well_formed && parts % 2 == 1
}

/// Reads a regular file of at most `cap` bytes (checked on the opened handle: a FIFO, device
/// or directory is refused instead of blocking or failing later).
pub(crate) fn read_capped(path: &Path, cap: u64) -> io::Result<String> {
    // Checked before opening too: opening a FIFO blocks until a writer comes.
    if !std::fs::metadata(path)?.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    let file = File::open(path)?;
    let metadata = file.metadata()?;
    if !metadata.is_file() {
        return Err(io::Error::other("not a regular file"));
    }
    if metadata.len() > cap {
        return Err(io::Error::other(format!(
            "{} bytes, more than the {cap} bytes plux reads",
            metadata.len()
        )));
    }
    // Sized from the metadata: the file is read in one call (and one more that sees its end).
    let mut text = String::with_capacity(usize::try_from(metadata.len()).unwrap_or(0) + 1);
    file.take(cap + 1).read_to_string(&mut text)?;
    if text.len() as u64 > cap {
        return Err(io::Error::other(format!(
            "more than the {cap} bytes plux reads"
        )));
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(files: &[(&str, &str)]) -> std::path::PathBuf {
        use std::sync::atomic::{AtomicUsize, Ordering};
        static N: AtomicUsize = AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "plux-manifest-test-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in files {
            std::fs::write(dir.join(name), text).unwrap();
        }
        dir
    }

    #[test]
    fn index_entries_keep_name_value_and_whether_they_are_gated() {
        let dir = dir_with(&[(
            INDEX,
            r#"{"ns.b": ["x=ext::X [type]"], "ns.a": ["y=ext::m::Y [fn, cfg(feature = \"a\")]", "z=ext::Z"]}"#,
        )]);
        let entries = read_index(&dir).unwrap();
        let short: Vec<_> = entries
            .iter()
            .map(|e| (e.namespace(), e.name(), e.value(), e.gated))
            .collect();
        assert_eq!(
            short,
            [
                ("ns.a", "y", "ext::m::Y", true),
                ("ns.a", "z", "ext::Z", false),
                ("ns.b", "x", "ext::X", false)
            ]
        );
    }

    #[test]
    fn malformed_indexes_and_manifests_are_refused_with_the_file_named() {
        for (index, expected) in [
            ("[1, 2]", "is not a plux index"),
            (r#"{"ns": ["no-equals"]}"#, "invalid entry `no-equals`"),
            (r#"{"ns": ["x=not a path"]}"#, "invalid entry"),
            (r#"{"ns": ["x=a::b [type"]}"#, "invalid entry"),
            (r#"{"ns": ["x=a:b"]}"#, "invalid entry"),
            (r#"{"ns": ["x=a:::b"]}"#, "invalid entry"),
            (r#"{"ns": ["x=a::"]}"#, "invalid entry"),
            (r#"{"ns": ["x=a::b[type]"]}"#, "invalid entry"),
            (r#"{"": ["x=a::b"]}"#, "invalid namespace"),
            ("{\"ns\": [\"ab\u{202e}cd=a::b\"]}", "invalid entry"),
            ("{\"ns\u{2066}\": [\"x=a::b\"]}", "invalid namespace"),
        ] {
            let dir = dir_with(&[(INDEX, index)]);
            let error = read_index(&dir).unwrap_err();
            assert!(error.contains(expected), "{index}: {error}");
            assert!(error.contains("plux.json"), "{error}");
        }
        let good = r#"{"format": 1, "name": "ext", "version": "0.1.0", "library": "libext.so", "library_hash": "xxh3-128:0", "fingerprint": {}}"#;
        assert!(Manifest::read(&dir_with(&[(MANIFEST, good)])).is_ok());
        for (manifest, expected) in [
            (good.replace("libext.so", "../evil.so"), "not a file name"),
            (
                good.replace("\"format\": 1", "\"format\": 9"),
                "has format 9",
            ),
            (
                good.replace("\"name\": \"ext\"", "\"name\": \"\""),
                "pack name",
            ),
            (
                good.replace("\"fingerprint\"", "\"extra\": 1, \"fingerprint\""),
                "unknown field",
            ),
        ] {
            let error = Manifest::read(&dir_with(&[(MANIFEST, &manifest)])).unwrap_err();
            assert!(error.contains(expected), "{manifest}: {error}");
        }
    }

    #[test]
    fn special_and_oversized_files_are_refused_without_reading_them() {
        let dir = dir_with(&[]);
        std::fs::create_dir_all(dir.join(INDEX)).unwrap();
        assert!(read_index(&dir).unwrap_err().contains("not a regular file"));
        #[cfg(unix)]
        {
            let fifo = dir_with(&[]);
            let made = std::process::Command::new("mkfifo")
                .arg(fifo.join(MANIFEST))
                .status()
                .unwrap();
            assert!(made.success());
            // Would block forever if it were opened.
            assert!(
                Manifest::read(&fifo)
                    .unwrap_err()
                    .contains("not a regular file")
            );
        }
        let big = dir_with(&[(MANIFEST, &" ".repeat(2 * 1024 * 1024))]);
        assert!(Manifest::read(&big).unwrap_err().contains("more than"));
    }
}
