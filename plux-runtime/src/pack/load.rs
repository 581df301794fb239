//! Loading a pack's library, with every check that must pass before its code or data is used.
#![allow(unsafe_code)]

use std::collections::BTreeSet;
use std::ffi::c_void;
use std::path::Path;

use super::abi::{self, Header, HeaderPrefix};
use super::error::{PackError, PackErrorKind as Kind};
use super::manifest::IndexEntry;
use super::{Fingerprint, Manifest, Pack};
use crate::Registry;

/// A pack library that passed every check: loaded for the rest of the process.
pub(crate) struct Loaded {
    pub(crate) registry: &'static Registry,
    pub(crate) catch: abi::Catch,
}

/// Loads `pack`'s library and checks it; the library is never unloaded.
///
/// In order: the manifest's fingerprint against the host's and the library's content hash
/// against the manifest's (before the library is opened), opening the library, its pack symbol and header (C-compatible fields only), the library's
/// embedded fingerprint against the manifest's and the host's, the identity of its
/// plux-runtime types, the connection of its allocator to the host's, and its exported
/// plugins against its `plux.json`. Only then is its registry handed out.
pub(crate) fn load(pack: &Pack, manifest: &Manifest) -> Result<Loaded, PackError> {
    let error =
        |kind, message: String| PackError::new(Some(pack.name()), pack.dir(), kind, message);
    let host = Fingerprint::host();
    let recorded = manifest.fingerprint();
    if let Some(mismatch) = recorded.mismatch(host) {
        return Err(error(Kind::Fingerprint, mismatch.to_string()));
    }
    let path = pack.dir().join(&manifest.library);
    // The content hash, of a regular file only (a FIFO would block, a truncated library would
    // crash `dlopen`: the hash tells).
    let hash = match std::fs::metadata(&path) {
        Ok(meta) if !meta.is_file() => Err(std::io::Error::other("not a regular file")),
        Ok(_) => super::library_hash(&path),
        Err(e) => Err(e),
    }
    .map_err(|e| {
        error(
            Kind::Library,
            format!(
                "cannot read its library `{}`: {e}; reinstall the pack",
                path.display()
            ),
        )
    })?;
    if hash != manifest.library_hash {
        return Err(error(
            Kind::Library,
            format!(
                "its library `{}` is not the one its manifest describes (its content hash differs: damaged, truncated or replaced after packing); reinstall the pack",
                path.display()
            ),
        ));
    }
    let library = open(&path).map_err(|e| {
        error(
            Kind::Library,
            format!(
                "cannot load its library `{}`: {e}; the file is damaged or not a library for this platform: reinstall or rebuild the pack",
                path.display()
            ),
        )
    })?;
    // The library stays loaded for the rest of the process, whatever happens below: plugin
    // objects, vtables and strings of a pack may live anywhere, and a failed pack's constructors
    // may have run.
    let library: &'static libloading::Library = Box::leak(Box::new(library));

    // SAFETY: a plux pack exports `plux_pack_v1` as `extern "C" fn() -> *const c_void`; any
    // other library exporting that name is caught by the magic and version checks below before
    // anything else is read.
    let header: *const c_void = unsafe {
        match library.get::<extern "C" fn() -> *const c_void>(abi::SYMBOL.as_bytes()) {
            Ok(symbol) => symbol(),
            Err(_) => {
                return Err(error(
                    Kind::NotAPackLibrary,
                    format!(
                        "its library `{}` has no `{}` symbol: it was not built as a plux pack; add `plux_runtime::include_pack!();` to the pack's `lib.rs` and build it with `cargo plux pack`",
                        path.display(),
                        abi::SYMBOL
                    ),
                ));
            }
        }
    };
    if header.is_null() {
        return Err(error(
            Kind::NotAPackLibrary,
            format!(
                "its library `{}` returned no pack header; rebuild the pack",
                path.display()
            ),
        ));
    }
    // SAFETY: non-null, and a pack header starts with a `HeaderPrefix`; only its magic and
    // version are read before they are known to be a plux header's.
    let prefix: &HeaderPrefix = unsafe { &*header.cast::<HeaderPrefix>() };
    if prefix.magic != abi::MAGIC {
        return Err(error(
            Kind::NotAPackLibrary,
            format!(
                "the `{}` symbol of `{}` is not a plux pack header; rebuild the pack",
                abi::SYMBOL,
                path.display()
            ),
        ));
    }
    if prefix.version != abi::HEADER_VERSION {
        return Err(error(
            Kind::NotAPackLibrary,
            format!(
                "its library has pack header version {}, this host reads version {}; rebuild the pack with the host's plux-runtime",
                prefix.version,
                abi::HEADER_VERSION
            ),
        ));
    }
    // SAFETY: the magic and version are those of a plux header of this layout.
    let embedded = unsafe { prefix.fingerprint() }.ok_or_else(|| {
        error(
            Kind::NotAPackLibrary,
            "its library's fingerprint is not readable; rebuild the pack".to_owned(),
        )
    })?;
    let embedded = Fingerprint::parse(embedded);
    if let Some(mismatch) = embedded.mismatch(&recorded) {
        return Err(error(
            Kind::ManifestMismatch,
            format!(
                "its library does not match its manifest (`plux-pack.json`): the library's fingerprint differs in {}; reinstall the pack from one `cargo plux pack` run",
                mismatch.component()
            ),
        ));
    }
    if let Some(mismatch) = embedded.mismatch(host) {
        return Err(error(Kind::Fingerprint, mismatch.to_string()));
    }
    // SAFETY: same compiler, target, profile and plux-runtime version as this binary (the
    // fingerprints agree), so the pack's `Header` has this binary's layout.
    let header: &'static Header = unsafe { &*header.cast::<Header>() };
    if header.identity() != abi::identity() {
        return Err(error(
            Kind::Identity,
            "its plux-runtime is not the host's although both report the same version and toolchain (plux-runtime from another source, or other profile settings such as `codegen-units`, `lto` or `debug`); build the pack against the host's plux-runtime with the host's profile".to_owned(),
        ));
    }
    match header.connect(&abi::HOST_ALLOCATOR) {
        abi::CONNECTED => {}
        status => {
            let why = match status {
                abi::ALREADY_ALLOCATED => {
                    "the library allocated memory before the host connected its allocator (code that runs when a library is loaded)"
                }
                abi::OTHER_HOST => "the library is connected to another allocator",
                _ => "the library does not know this host's allocator interface",
            };
            return Err(error(
                Kind::Allocator,
                format!(
                    "{why}; its memory cannot be shared with the host safely: remove load-time code from the pack"
                ),
            ));
        }
    }
    let registry = header.registry();
    check_index(registry, pack.index_entries()).map_err(|m| error(Kind::IndexMismatch, m))?;
    Ok(Loaded {
        registry,
        catch: header.catch(),
    })
}

/// Opens a library by its path (never searched for), resolving its symbols now.
fn open(path: &Path) -> Result<libloading::Library, libloading::Error> {
    #[cfg(unix)]
    {
        use libloading::os::unix::{Library, RTLD_LOCAL, RTLD_NOW};
        // SAFETY: loading a library runs its initialisers; a pack's are those of the Rust
        // standard library (a pack's own code has none, as Rust has no life before main).
        // `RTLD_NOW` reports unresolved symbols here instead of at a later call.
        unsafe { Library::open(Some(path), RTLD_NOW | RTLD_LOCAL) }.map(Into::into)
    }
    #[cfg(not(unix))]
    {
        // SAFETY: as above.
        unsafe { libloading::Library::new(path) }
    }
}

/// Checks that the library exports exactly what the pack's `plux.json` lists: every entry
/// without a `cfg` (gated ones may be compiled out), each with the same value, and nothing
/// else.
fn check_index(registry: &Registry, index: &[IndexEntry]) -> Result<(), String> {
    let exported: BTreeSet<(&str, &str, &str)> = registry
        .entries()
        .iter()
        .map(|e| (e.namespace(), e.name(), e.value()))
        .collect();
    let listed: BTreeSet<(&str, &str, &str)> = index
        .iter()
        .map(|e| (e.namespace(), e.name(), e.value()))
        .collect();
    let missing: Vec<String> = index
        .iter()
        .filter(|e| !e.gated)
        .filter(|e| !exported.contains(&(e.namespace(), e.name(), e.value())))
        .map(|e| {
            format!(
                "`{}:{}={}`",
                e.namespace(),
                e.name().escape_debug(),
                e.value()
            )
        })
        .collect();
    let extra: Vec<String> = exported
        .iter()
        .filter(|e| !listed.contains(*e))
        .map(|(ns, name, value)| format!("`{ns}:{}={value}`", name.escape_debug()))
        .collect();
    if missing.is_empty() && extra.is_empty() {
        return Ok(());
    }
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!(
            "its `plux.json` lists {} that the library does not export",
            missing.join(", ")
        ));
    }
    if !extra.is_empty() {
        parts.push(format!(
            "the library exports {} that its `plux.json` does not list",
            extra.join(", ")
        ));
    }
    Err(format!(
        "{}; the index does not match the library: rebuild the pack with `cargo plux pack`",
        parts.join(", and ")
    ))
}
