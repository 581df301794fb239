//! The attribute's check that a plugin is listed where the build reads it from: a library's
//! plugin in its package's committed `plux.json`, a binary's in the package's committed
//! registry. A plugin added without running `cargo plux entrypoints` then fails to compile,
//! instead of silently missing from the host.
//!
//! # When it applies
//!
//! Only to a package that commits an index, for the crate the index describes:
//!
//! - a library target, when the package has a `plux.json` (a package without one does not use
//!   a committed index: build.rs mode scans it);
//! - a binary target, when `[package.metadata.plux]` of its package sets `registry` and the
//!   package has one binary (plugins of a package with several are not registered at all);
//! - not for a packaged copy (a crate from a registry or `cargo vendor`: it has a
//!   `Cargo.toml.orig`), whose index was fixed when it was published;
//! - not under `cfg(test)`, nor in another crate of the package (doc tests, integration tests,
//!   examples, benches): the check compares `module_path!()` with the crate the index names.
//!
//! # Cost
//!
//! A listed plugin with a literal namespace and name adds nothing to the expansion: the index
//! is read (once per compilation, cached by path, size and modification time) when the macro
//! expands. An unlisted one, or one whose namespace or name is a `const`, adds one
//! constant-evaluated comparison. The first expansion of a crate adds `include_bytes!` of the
//! index, so that rustc recompiles the crate (and checks again) when the index changes. Nothing
//! runs at run time.
//!
//! # What is compared
//!
//! A plugin is listed when an entry of its kind (spec, type, function) has its namespace and
//! name, whatever the entry's value: a plugin re-exported under another name (`pub use m::f as
//! g`, indexed at its shortest public path) is listed at a value ending in `g`. Whether the
//! value still names the item is checked where it is used, by the host's registry probe.
//!
//! # How it fails
//!
//! As the lint `deprecated`, denied at the check: `use of deprecated associated constant
//! `..::IS_STALE`: plugin `ns:name` (`Item`) is not listed in `plux.json` of package `p`; run
//! `cargo plux entrypoints``. Cargo caps lints of dependencies it does not build from a path
//! (`--cap-lints allow`), so a crate from a registry or a git repository never fails here.

mod json;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::SystemTime;

use proc_macro2::{Literal, TokenStream};
use quote::quote;
use syn::{Attribute, Ident};

use crate::registry::Kind;

/// The largest index or registry the check reads; larger ones are not checked (a reader of
/// `plux.json` refuses more than 8 MiB anyway).
const MAX_BYTES: u64 = 64 << 20;

/// A namespace or name of the declared plugin: known text, or an expression evaluated at
/// compile time (a `const`, or the spec's own field).
pub(crate) enum Text {
    Known(String),
    Expr(TokenStream),
}

/// The plugin an attribute declares.
pub(crate) struct Plugin<'a> {
    pub kind: Kind,
    /// The item: the type, function, or static.
    pub item: &'a Ident,
    pub namespace: Text,
    pub name: Text,
    /// The item's `#[cfg]`s, put on the check.
    pub cfgs: &'a [&'a Attribute],
}

/// The check for `plugin` (empty when it is listed, or when nothing is checked here).
pub(crate) fn check(plugin: &Plugin<'_>) -> TokenStream {
    let Some(source) = Source::find() else {
        return TokenStream::new();
    };
    let mut out = source.track();
    let listing = match read(&source.path) {
        Ok(listing) => listing,
        Err(error) => {
            let message = format!(
                "{} cannot be read ({error}); run `cargo plux entrypoints`",
                source.shown
            );
            let root = source.root(None);
            out.extend(stale(plugin, &message, &quote!(#root), &quote!(&[])));
            return out;
        }
    };
    let candidates = listing.candidates(plugin);
    let root = source.root(listing.root.as_deref());
    let shown = |text: &Text| match text {
        Text::Known(text) => text.clone(),
        Text::Expr(tokens) => tokens.to_string(),
    };
    let message = format!(
        "plugin `{}:{}` (`{}`) is not listed in {}; run `cargo plux entrypoints`",
        shown(&plugin.namespace),
        shown(&plugin.name),
        plugin.item,
        source.shown
    );
    if let (Text::Known(_), Text::Known(_)) = (&plugin.namespace, &plugin.name) {
        // The candidates match both already.
        if !candidates.is_empty() {
            return out;
        }
        out.extend(stale(plugin, &message, &quote!(#root), &quote!(&[])));
        return out;
    }
    let pairs = candidates.iter().map(|(ns, name)| {
        let (ns, name) = (Literal::string(ns), Literal::string(name));
        quote!((#ns, #name))
    });
    out.extend(stale(
        plugin,
        &message,
        &quote!(#root),
        &quote!(&[#(#pairs),*]),
    ));
    out
}

/// The compile-time check: a denied `deprecated` lint carrying `message` when the crate
/// compiled is `root` and the plugin is not among `listed`.
fn stale(
    plugin: &Plugin<'_>,
    message: &str,
    root: &TokenStream,
    listed: &TokenStream,
) -> TokenStream {
    let text = |text: &Text| match text {
        Text::Known(text) => {
            let literal = Literal::string(text);
            quote!(#literal)
        }
        Text::Expr(tokens) => tokens.clone(),
    };
    let (namespace, name) = (text(&plugin.namespace), text(&plugin.name));
    let cfgs = plugin.cfgs;
    let message = Literal::string(message);
    quote! {
        #(#cfgs)*
        #[cfg(not(test))]
        const _: () = {
            #[allow(dead_code)]
            struct PluxIndex<const STALE: bool>;
            #[allow(dead_code)]
            impl PluxIndex<true> {
                #[deprecated(note = #message)]
                const IS_STALE: () = ();
            }
            #[allow(dead_code)]
            impl PluxIndex<false> {
                const IS_STALE: () = ();
            }
            #[deny(deprecated)]
            let () = PluxIndex::<{
                ::plux_runtime::__private::unlisted(
                    ::core::module_path!(), #root, #namespace, #name, #listed,
                )
            }>::IS_STALE;
        };
    }
}

/// Where the plugin must be listed.
struct Source {
    path: PathBuf,
    /// How messages name it.
    shown: String,
    /// The crate the listing describes, when known without reading it.
    crate_name: Option<String>,
}

impl Source {
    /// The listing the crate being compiled is checked against, or `None` when it is not.
    fn find() -> Option<Source> {
        let dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR")?);
        if dir.join("Cargo.toml.orig").exists() {
            return None;
        }
        let package = std::env::var("CARGO_PKG_NAME").unwrap_or_default();
        if std::env::var_os("CARGO_BIN_NAME").is_some() {
            let manifest = read_bounded(&dir.join("Cargo.toml")).ok()?;
            if several_binaries(&dir, &manifest) {
                return None;
            }
            let registry = registry_key(&manifest)?;
            return Some(Source {
                path: dir.join(&registry),
                shown: format!("the registry `{registry}` of package `{package}`"),
                crate_name: std::env::var("CARGO_CRATE_NAME").ok(),
            });
        }
        let path = dir.join("plux.json");
        std::fs::symlink_metadata(&path).ok()?;
        Some(Source {
            path,
            shown: format!("`plux.json` of package `{package}`"),
            crate_name: None,
        })
    }

    /// The crate name `module_path!()` starts with in the crate the listing describes.
    fn root(&self, from_listing: Option<&str>) -> Literal {
        let name = self
            .crate_name
            .clone()
            .or_else(|| from_listing.map(str::to_owned))
            .unwrap_or_else(|| {
                std::env::var("CARGO_PKG_NAME")
                    .unwrap_or_default()
                    .replace('-', "_")
            });
        Literal::string(&name)
    }

    /// `include_bytes!` of the listing, the first time a compilation checks against it: rustc
    /// then recompiles the crate when the file changes.
    fn track(&self) -> TokenStream {
        static TRACKED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
        let mut tracked = TRACKED.lock().unwrap_or_else(PoisonError::into_inner);
        let (Some(path), true) = (
            self.path.to_str(),
            tracked
                .get_or_insert_with(HashSet::new)
                .insert(self.path.clone()),
        ) else {
            return TokenStream::new();
        };
        if !self.path.is_file() {
            return TokenStream::new();
        }
        let path = Literal::string(path);
        quote!(
            const _: &[u8] = ::core::include_bytes!(#path);
        )
    }
}

/// Whether the package has more than one binary target (its `[[bin]]` tables, `src/bin/`).
fn several_binaries(dir: &Path, manifest: &str) -> bool {
    let tables = manifest
        .lines()
        .filter(|l| l.trim_start().starts_with("[[bin]]"))
        .count();
    tables > 1 || dir.join("src/bin").is_dir()
}

/// `registry = ".."` of `[package.metadata.plux]`, read line by line (the common way to
/// write it; another spelling means the binary is not checked).
fn registry_key(manifest: &str) -> Option<String> {
    let mut in_table = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            let header: String = line
                .split(']')
                .next()
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_whitespace())
                .collect();
            in_table = header == "[package.metadata.plux";
            continue;
        }
        let Some(rest) = line.strip_prefix("registry") else {
            continue;
        };
        let Some(value) = rest.trim_start().strip_prefix('=') else {
            continue;
        };
        if !in_table {
            continue;
        }
        let value = value.trim();
        let quote = value.chars().next().filter(|q| *q == '"' || *q == '\'')?;
        let inner = &value[1..];
        return inner.split(quote).next().map(str::to_owned);
    }
    None
}

/// A plugin's namespace and name.
type Id = (String, String);

/// What a listing holds: each plugin's kind, namespace and name, and the item its value ends
/// in, found by namespace and by name.
#[derive(Default)]
struct Listing {
    entries: Vec<(Kind, Id, String)>,
    by_namespace: HashMap<String, Vec<usize>>,
    by_name: HashMap<String, Vec<usize>>,
    /// The crate the values start with (their first segment).
    root: Option<String>,
}

/// How many listed plugins a check whose namespace or name is a `const` compares with at
/// compile time before it keeps only those whose value ends in the plugin's item (each one is
/// a pair of string literals in the expansion).
const MAX_CANDIDATES: usize = 64;

/// What tells a file changed: its size and modification time.
type Stamp = (u64, Option<SystemTime>);

/// Listings read in this compilation, by path.
type Cache = HashMap<PathBuf, (Stamp, Arc<Listing>)>;

/// The listing at `path`, read once per compilation (per size and modification time).
fn read(path: &Path) -> Result<Arc<Listing>, String> {
    static CACHE: Mutex<Option<Cache>> = Mutex::new(None);
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    let stamp = (meta.len(), meta.modified().ok());
    let mut cache = CACHE.lock().unwrap_or_else(PoisonError::into_inner);
    let cache = cache.get_or_insert_with(HashMap::new);
    if let Some((at, listing)) = cache.get(path)
        && *at == stamp
    {
        return Ok(Arc::clone(listing));
    }
    let text = read_bounded(path)?;
    let listing = if path.extension().is_some_and(|e| e == "json") {
        from_index(&text)?
    } else {
        from_registry(&text)?
    };
    let listing = Arc::new(listing);
    cache.insert(path.to_owned(), (stamp, Arc::clone(&listing)));
    Ok(listing)
}

/// A regular file of at most [`MAX_BYTES`], as UTF-8.
fn read_bounded(path: &Path) -> Result<String, String> {
    use std::io::Read as _;
    // Checked before opening too: opening a FIFO would block the compiler.
    if !std::fs::metadata(path)
        .map_err(|e| e.to_string())?
        .is_file()
    {
        return Err("not a regular file".to_owned());
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let meta = file.metadata().map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err("not a regular file".to_owned());
    }
    if meta.len() > MAX_BYTES {
        return Err(format!("larger than {MAX_BYTES} bytes"));
    }
    let mut text = String::new();
    file.take(MAX_BYTES)
        .read_to_string(&mut text)
        .map_err(|e| e.to_string())?;
    Ok(text)
}

fn from_index(text: &str) -> Result<Listing, String> {
    let mut listing = Listing::default();
    for (namespace, entry) in json::entries(text)? {
        let Some((name, rest)) = entry.split_once('=') else {
            return Err(format!("entry `{}` has no `=`", entry.escape_debug()));
        };
        let (value, extras) = match rest.split_once(" [") {
            Some((value, extras)) => (value, extras),
            None => (rest, ""),
        };
        let kind = match extras.split([',', ']']).next().map(str::trim) {
            Some("type") => Kind::Type,
            Some("fn") => Kind::Function,
            _ => Kind::Spec,
        };
        listing.add(&namespace, name, value, kind);
    }
    Ok(listing)
}

fn from_registry(text: &str) -> Result<Listing, String> {
    let mut listing = Listing::default();
    for entry in crate::registry::entries_of_file(text)? {
        listing.add(&entry.namespace, &entry.name, &entry.value(), entry.kind);
    }
    Ok(listing)
}

impl Listing {
    fn add(&mut self, namespace: &str, name: &str, value: &str, kind: Kind) {
        let item = value.rsplit("::").next().unwrap_or_default().to_owned();
        if self.root.is_none() {
            self.root = value.split("::").next().map(str::to_owned);
        }
        let at = self.entries.len();
        self.by_namespace
            .entry(namespace.to_owned())
            .or_default()
            .push(at);
        self.by_name.entry(name.to_owned()).or_default().push(at);
        self.entries
            .push((kind, (namespace.to_owned(), name.to_owned()), item));
    }

    /// The listed plugins of `plugin`'s kind that it may be: those with its namespace and name
    /// as far as the attribute knows them (a `const` is evaluated by the compiler). Found by
    /// namespace and name, not by item: a plugin re-exported under another name (`pub use
    /// m::f as g`) is listed at a value ending in `g`. More than [`MAX_CANDIDATES`] are cut to
    /// those whose value ends in the plugin's item, when there are any.
    fn candidates(&self, plugin: &Plugin<'_>) -> Vec<&Id> {
        fn known(text: &Text) -> Option<&str> {
            match text {
                Text::Known(text) => Some(text),
                Text::Expr(_) => None,
            }
        }
        let (namespace, name) = (known(&plugin.namespace), known(&plugin.name));
        let every: Vec<usize>;
        let indices = match (namespace, name) {
            (_, Some(name)) => self.by_name.get(name).map_or(&[][..], Vec::as_slice),
            (Some(namespace), None) => self
                .by_namespace
                .get(namespace)
                .map_or(&[][..], Vec::as_slice),
            (None, None) => {
                every = (0..self.entries.len()).collect();
                &every
            }
        };
        let found: Vec<&(Kind, Id, String)> = indices
            .iter()
            .filter_map(|at| self.entries.get(*at))
            .filter(|(kind, (ns, _), _)| {
                *kind == plugin.kind && namespace.is_none_or(|namespace| ns == namespace)
            })
            .collect();
        let item = plugin.item.to_string();
        let own = |entry: &&(Kind, Id, String)| entry.2 == item;
        let found = match found.len() > MAX_CANDIDATES && found.iter().any(own) {
            true => found.into_iter().filter(own).collect(),
            false => found,
        };
        found.into_iter().map(|(_, id, _)| id).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_key_is_read_from_the_package_metadata_table() {
        let manifest = "[package]\nname = \"host\"\nregistry = \"no\"\n\n[package.metadata.plux] # c\nregistry = \"src/plux_registry.rs\"\n";
        assert_eq!(
            registry_key(manifest).as_deref(),
            Some("src/plux_registry.rs")
        );
        assert_eq!(
            registry_key("[package.metadata.plux]\nregistry='a.rs'\n").as_deref(),
            Some("a.rs")
        );
        assert_eq!(
            registry_key("[workspace.metadata.plux]\nregistry = \"a.rs\"\n"),
            None
        );
        assert_eq!(registry_key("[package]\nname = \"x\"\n"), None);
    }

    #[test]
    fn index_entries_are_listed_by_item_with_their_kind() {
        let listing = from_index(
            "{\n  \"ns\": [\n    \"a=k::m::A [type, cfg(x)]\",\n    \"b=k::f [fn]\",\n    \"c=k::C\"\n  ]\n}\n",
        )
        .unwrap();
        assert_eq!(listing.root.as_deref(), Some("k"));
        let kinds: Vec<_> = listing
            .entries
            .iter()
            .map(|(kind, _, item)| (*kind, item.as_str()))
            .collect();
        assert_eq!(
            kinds,
            [(Kind::Type, "A"), (Kind::Function, "f"), (Kind::Spec, "C")]
        );
        assert!(from_index("{\"ns\": [\"no-equals\"]}").is_err());
    }

    fn plugin<'a>(kind: Kind, item: &'a Ident, namespace: Text, name: Text) -> Plugin<'a> {
        Plugin {
            kind,
            item,
            namespace,
            name,
            cfgs: &[],
        }
    }

    fn known(text: &str) -> Text {
        Text::Known(text.to_owned())
    }

    fn expr() -> Text {
        Text::Expr(quote!(NS))
    }

    #[test]
    fn plugins_are_found_by_namespace_and_name_not_by_item() {
        let listing =
            from_index("{\n  \"ns\": [\n    \"g=k::g [fn]\",\n    \"s3=k::Storage\"\n  ]\n}\n")
                .unwrap();
        let f = Ident::new("f", proc_macro2::Span::call_site());
        let ids = |p: &Plugin<'_>| -> Vec<String> {
            listing
                .candidates(p)
                .into_iter()
                .map(|(ns, name)| format!("{ns}:{name}"))
                .collect()
        };
        // `pub use m::f as g`: listed at `k::g`, found by its namespace and name.
        assert_eq!(
            ids(&plugin(Kind::Function, &f, known("ns"), known("g"))),
            ["ns:g"]
        );
        assert_eq!(
            ids(&plugin(Kind::Function, &f, expr(), known("g"))),
            ["ns:g"]
        );
        assert_eq!(
            ids(&plugin(Kind::Function, &f, known("ns"), expr())),
            ["ns:g"]
        );
        assert_eq!(ids(&plugin(Kind::Function, &f, expr(), expr())), ["ns:g"]);
        // Another kind, namespace or name is not listed.
        assert!(ids(&plugin(Kind::Spec, &f, known("ns"), known("g"))).is_empty());
        assert!(ids(&plugin(Kind::Function, &f, known("other"), known("g"))).is_empty());
        assert!(ids(&plugin(Kind::Function, &f, known("ns"), known("h"))).is_empty());
    }

    #[test]
    fn many_candidates_of_a_const_named_plugin_are_cut_to_its_item() {
        let entries: Vec<String> = (0..=MAX_CANDIDATES)
            .map(|i| format!("\"p{i}=k::m{i}::f [fn]\""))
            .chain(["\"q=k::renamed [fn]\"".to_owned()])
            .collect();
        let listing = from_index(&format!("{{\"ns\": [{}]}}", entries.join(", "))).unwrap();
        let f = Ident::new("f", proc_macro2::Span::call_site());
        let renamed = Ident::new("original", proc_macro2::Span::call_site());
        let few = listing.candidates(&plugin(Kind::Function, &f, known("ns"), expr()));
        assert_eq!(few.len(), MAX_CANDIDATES + 1, "only those ending in `f`");
        // No value ends in the item (a renamed re-export): every plugin of the namespace.
        let all = listing.candidates(&plugin(Kind::Function, &renamed, known("ns"), expr()));
        assert_eq!(all.len(), MAX_CANDIDATES + 2);
    }
}
