//! Plugin packs: plugins built after the host, installed into a directory, found at run time
//! (feature `packs`).
//!
//! A pack is a plugin crate built as a `cdylib` and laid out by `cargo plux pack` as a
//! directory holding the library, the crate's `plux.json` and a manifest, `plux-pack.json`
//! (name, version, library file, build [`Fingerprint`], the crates it was built with). Copy
//! it into a directory the host reads packs from and restart the host: its plugins appear next
//! to the compiled-in ones, with no rebuild of the host; remove it and they are gone.
//!
//! # Building a pack
//!
//! ```toml
//! # Cargo.toml of the pack crate
//! [lib]
//! crate-type = ["cdylib"]
//!
//! [dependencies]
//! plux-runtime = { version = "0.1", features = ["packs"] }
//! my-app-api = "1.2"       # the crate that defines the host's plugin traits
//!
//! [build-dependencies]
//! plux-build = { version = "0.1", default-features = false }
//! ```
//!
//! `build.rs` is `fn main() { plux_build::pack() }`, and `lib.rs` declares plugins as usual
//! plus one line, `plux_runtime::include_pack!();`. `cargo plux pack -p my-pack --release`
//! builds it and writes `target/plux-packs/my-pack/`.
//!
//! # Loading packs
//!
//! No directory is searched unless the host asks for it. A host enables the `packs` feature and
//! installs a [`PackFinder`] next to its registry; `PLUX_PACK_PATH` is the recommended variable
//! (a list of directories, like `PATH`):
//!
//! ```no_run
//! # static REGISTRY: plux_runtime::Registry = plux_runtime::Registry::empty();
//! use plux_runtime::pack::PackFinder;
//!
//! plux_runtime::install(&REGISTRY);
//! let packs = PackFinder::from_env("PLUX_PACK_PATH");
//! for error in packs.errors() {
//!     eprintln!("warning: {error}");
//! }
//! plux_runtime::pack::install(packs);
//! // Every `PluginManager` with the default finder now sees the packs' plugins too.
//! ```
//!
//! A manager lists a pack's plugins from its `plux.json` without loading the library
//! ([`list_names`](crate::PluginManager::list_names), filters, [`exists`](crate::PluginManager::exists));
//! the library is loaded the first time one of its plugins is resolved (loaded, or its spec
//! asked for), once per process, and never unloaded.
//!
//! # What makes a pack usable, and what happens when it is not
//!
//! Rust has no stable ABI: a pack works only with a host built by the same compiler, for the
//! same target, with the same profile and panic strategy, and with the same versions (and
//! features and sources) of the crates whose types cross between them: plux-runtime, the crates
//! that define the plugin traits, and the crates of their load arguments. Before anything of a
//! pack's library is used, the host checks, in this order:
//!
//! 1. the manifest's fingerprint against its own (the library is not even opened when they
//!    differ): "pack `x` (`dir`): it was built with rustc 1.95.0 (59807616e 2026-04-14), the
//!    host with rustc 1.96.0 (…); rebuild the pack with the host's toolchain";
//! 2. that the library loads, exports the pack symbol and a header it can read, and embeds the
//!    fingerprint its manifest records;
//! 3. that the library's plux-runtime types are the host's (`TypeId`s agree: same crate
//!    version, source, features and profile);
//! 4. that the library's plugins are exactly those its `plux.json` lists;
//! 5. for each plugin, when it is resolved, that its interface is the host's type (`TypeId`
//!    again: a pack built against another version of the trait's crate is refused, naming the
//!    crate and the version the pack was built with).
//!
//! A failed check makes the pack's plugins resolve errors
//! ([`PluginError::Resolve`](crate::PluginError::Resolve)), reported to
//! listeners; the manager goes on with every other plugin.
//!
//! **Not detected:** a path dependency edited between the host's build and the pack's without a
//! version change keeps its identity; give interface crates a new version when they change.
//!
//! # Memory and panics across the boundary
//!
//! - **Allocator.** A pack's global allocator is the host's: the library's
//!   [`PackAllocator`](crate::__private::pack::PackAllocator) forwards every allocation to the
//!   host's `#[global_allocator]` once the host connects it, so values made on one side and
//!   dropped on the other are freed by the allocator that made them. (A pack crate cannot
//!   declare a `#[global_allocator]` of its own.)
//! - **Panics.** A pack has its own copy of the standard library, and a panic raised in it
//!   is a foreign exception to the host's, which aborts the process when it meets one. The
//!   manager therefore runs a pack's factory, `should_load` and `load` (and formats their
//!   errors) inside the pack's own `catch_unwind`: a panic there is an init or load error, as
//!   for compiled-in plugins. **A panic in any other method of a pack's plugin** (the trait's
//!   own methods, `Drop`), called by the host directly, **aborts the process** with the pack's
//!   panic message. Panic hooks and `log` loggers the host installs do not see the pack's
//!   panics and log records (the pack has its own copies).
//! - **Statics.** A pack has its own copies of every static of the crates it contains,
//!   plux-runtime's included (installed registry, global filter): the host's filters apply to
//!   pack plugins, the pack's copies are never used by plux. A `PluginManager` that a pack's own
//!   code creates reads the pack's copy of the installed registry, which is empty: hand a pack
//!   plugin what it needs through the load arguments instead.
//!
//! # Why a `cdylib`
//!
//! A `cdylib` carries everything it needs, so a host is an ordinary executable and a pack one
//! file. The alternative, a `dylib` against a shared `libstd` (`-C prefer-dynamic`), gives one
//! standard library and one allocator, but the host must then be built with `-C prefer-dynamic`
//! and ship, and find at run time, the exact `libstd-<hash>.so` of its toolchain. plux takes the
//! `cdylib` and handles its two traps (allocator, panics) as above.

mod error;
mod fingerprint;
mod load;
mod manifest;

pub(crate) mod abi;

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock, PoisonError};

use crate::boundary::Boundary;
use crate::registry::Resolved;
use crate::{PluginEntry, PluginFinder};

pub use error::{PackError, PackErrorKind};
pub use fingerprint::Fingerprint;
pub use manifest::{CrateId, FORMAT, INDEX, MANIFEST, Manifest, library_hash};

use load::Loaded;
use manifest::IndexEntry;

/// A pack found in a pack directory: its `plux.json` is read when it is listed, its manifest
/// and library when one of its plugins is first used.
///
/// Packs live for the rest of the process (so do their libraries, once loaded): a directory
/// read twice gives the same `Pack`, and changes to an installed pack take effect when the host
/// restarts.
pub struct Pack {
    dir: PathBuf,
    name: String,
    index: Vec<IndexEntry>,
    /// The entries a finder hands out, made once (they refer to the `'static` pack).
    entries: OnceLock<&'static [PackEntry]>,
    manifest: OnceLock<Result<Manifest, PackError>>,
    loaded: OnceLock<Result<Loaded, PackError>>,
}

impl Pack {
    /// The pack's name: its directory's name (what `cargo plux pack` names it after its
    /// package, and what an earlier pack of the pack path shadows).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The pack's directory (canonical).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The manifest, `plux-pack.json`, read and checked on first use.
    pub fn manifest(&self) -> Result<&Manifest, PackError> {
        self.manifest
            .get_or_init(|| {
                Manifest::read(&self.dir).map_err(|m| {
                    PackError::new(Some(&self.name), &self.dir, PackErrorKind::Manifest, m)
                })
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The pack's version, from its manifest (`None` when the manifest cannot be read).
    pub fn version(&self) -> Option<&str> {
        self.manifest().ok().map(|m| m.version.as_str())
    }

    /// The plugins its `plux.json` lists, as `(namespace, name, value)`, sorted.
    pub fn plugins(&self) -> impl Iterator<Item = (&str, &str, &str)> {
        self.index
            .iter()
            .map(|e| (e.namespace(), e.name(), e.value()))
    }

    /// Whether the library is loaded (successfully or not).
    pub fn is_loaded(&self) -> bool {
        self.loaded.get().is_some()
    }

    /// Loads the library (on the first call; later calls return the first outcome) and checks
    /// it (see the [module docs](self)).
    pub fn load(&self) -> Result<(), PackError> {
        self.library().map(|_| ())
    }

    fn library(&self) -> Result<&Loaded, PackError> {
        self.loaded
            .get_or_init(|| {
                let loaded = self
                    .manifest()
                    .and_then(|manifest| load::load(self, manifest));
                match &loaded {
                    Ok(_) => crate::log_contained!(
                        log::Level::Debug,
                        "loaded plugin pack `{}` from `{}`",
                        self.name,
                        self.dir.display()
                    ),
                    Err(error) => crate::log_contained!(log::Level::Warn, "{error}"),
                }
                loaded
            })
            .as_ref()
            .map_err(Clone::clone)
    }

    /// The entries of its plugins (made on first use; they refer to the pack).
    fn entries(&'static self) -> &'static [PackEntry] {
        self.entries.get_or_init(|| {
            let entries: Vec<PackEntry> = self
                .index
                .iter()
                .map(|listed| PackEntry { pack: self, listed })
                .collect();
            Box::leak(entries.into_boxed_slice())
        })
    }

    pub(crate) fn index_entries(&self) -> &[IndexEntry] {
        &self.index
    }

    /// The crates of the manifest whose (underscored) names appear in `type_name`, shown as
    /// `name version (source)`.
    fn crates_in(&self, type_name: &str) -> Vec<String> {
        let words: Vec<&str> = type_name
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .filter_map(|path| path.split("::").next())
            .collect();
        let Ok(manifest) = self.manifest() else {
            return Vec::new();
        };
        manifest
            .crates
            .iter()
            .filter(|c| words.contains(&c.name.replace('-', "_").as_str()))
            .map(|c| {
                let source = if c.source.starts_with("registry+") {
                    String::new()
                } else {
                    format!(" ({})", c.source)
                };
                let features = if c.features.is_empty() {
                    String::new()
                } else {
                    format!(" with features {}", c.features.join(", "))
                };
                format!("{} {}{source}{features}", c.name, c.version)
            })
            .collect()
    }
}

impl std::fmt::Debug for Pack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pack")
            .field("name", &self.name)
            .field("dir", &self.dir)
            .field("loaded", &self.is_loaded())
            .finish_non_exhaustive()
    }
}

/// One plugin of a pack, listed from its `plux.json`.
pub(crate) struct PackEntry {
    pack: &'static Pack,
    listed: &'static IndexEntry,
}

impl PackEntry {
    pub(crate) fn pack(&self) -> &'static Pack {
        self.pack
    }

    /// The library's entry for this plugin (loading the library on first use).
    pub(crate) fn resolve(&self) -> Result<Resolved, String> {
        let loaded = self.pack.library().map_err(|e| e.to_string())?;
        let entries = loaded.registry.namespace(self.listed.namespace());
        match entries.iter().find(|e| e.name() == self.listed.name()) {
            Some(entry) => Ok(Resolved {
                entry: *entry,
                boundary: Boundary::Pack(loaded.catch),
            }),
            None if self.listed.gated => Err(format!(
                "pack `{}` (`{}`): the plugin is behind a `cfg` that was off when the pack was built, so its library does not have it",
                self.pack.name(),
                self.pack.dir().display()
            )),
            // `load` checked the library against the index, so this is unreachable.
            None => Err(format!(
                "pack `{}` (`{}`): its library does not export `{}`",
                self.pack.name(),
                self.pack.dir().display(),
                self.listed.value()
            )),
        }
    }

    /// Why the pack's spec, of interface `found`, is not a spec of the host's `expected`.
    pub(crate) fn interface_mismatch(&self, found: &str, expected: &str) -> String {
        let pack = format!(
            "pack `{}` (`{}`)",
            self.pack.name(),
            self.pack.dir().display()
        );
        if found != expected {
            return format!(
                "{pack}: its interface is `{found}`, not `{expected}`; declare it with the interface of this namespace"
            );
        }
        let crates = self.pack.crates_in(found);
        let built = if crates.is_empty() {
            String::new()
        } else {
            format!("; the pack was built with {}", crates.join(", "))
        };
        format!(
            "{pack}: its interface `{found}` is not the host's `{expected}`: a crate that defines it differs between the pack and the host (version, source, enabled features or build profile){built}; rebuild the pack against the host's versions of these crates"
        )
    }
}

/// Finds the plugins of installed packs: every pack in the directories it was given, listed
/// from their `plux.json` (no library is loaded until a plugin is used).
///
/// A directory may be a pack itself (it holds `plux-pack.json`) or hold packs, one per
/// subdirectory. Directories are read in the order given; a pack whose name an earlier
/// one has is shadowed (like `PATH`), with an error in [`errors`](Self::errors). Packs of one
/// directory are read in name order. A pack that cannot be listed is skipped, with its error
/// kept and logged.
///
/// Use it as a [`PluginFinder`], alone, composed with others
/// ([`CompositeFinder`](crate::CompositeFinder)), or [`install`]ed next to the registry.
#[derive(Clone, Default)]
pub struct PackFinder {
    packs: Vec<&'static Pack>,
    names: HashSet<&'static str>,
    entries: Arc<[PluginEntry]>,
    errors: Vec<PackError>,
}

impl PackFinder {
    /// A finder with no packs.
    pub fn new() -> Self {
        Self::default()
    }

    /// A finder over the directories listed in the environment variable `var` (separated like
    /// `PATH`: `:` on Unix, `;` on Windows); empty entries are skipped (never the current
    /// directory), and an unset variable means no packs.
    ///
    /// ```
    /// # #[cfg(feature = "packs")] {
    /// let packs = plux_runtime::pack::PackFinder::from_env("MY_APP_UNSET_PACK_PATH");
    /// assert!(packs.packs().is_empty() && packs.errors().is_empty());
    /// # }
    /// ```
    pub fn from_env(var: &str) -> Self {
        let dirs: Vec<PathBuf> = std::env::var_os(var)
            .map(|value| {
                std::env::split_paths(&value)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Self::new().dirs(dirs)
    }

    /// Adds the packs of `dir` (or `dir` itself, when it is a pack).
    pub fn dir(self, dir: impl AsRef<Path>) -> Self {
        self.dirs([dir])
    }

    /// Adds the packs of each directory, in order.
    pub fn dirs<I>(mut self, dirs: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<Path>,
    {
        for dir in dirs {
            for found in read_dir(dir.as_ref()) {
                match found {
                    Ok(pack) => self.add(pack),
                    Err(error) => {
                        crate::log_contained!(log::Level::Warn, "{error}");
                        self.errors.push(error);
                    }
                }
            }
        }
        self.entries = self.build_entries();
        self
    }

    fn add(&mut self, pack: &'static Pack) {
        if self.names.insert(pack.name()) {
            self.packs.push(pack);
            return;
        }
        if let Some(first) = self.packs.iter().find(|p| p.name() == pack.name()) {
            if std::ptr::eq(*first, pack) {
                return;
            }
            let error = PackError::new(
                Some(pack.name()),
                pack.dir(),
                PackErrorKind::Shadowed,
                format!(
                    "shadowed by the pack of the same name in `{}`, which comes first; remove one of them",
                    first.dir().display()
                ),
            );
            crate::log_contained!(log::Level::Warn, "{error}");
            self.errors.push(error);
        }
    }

    fn build_entries(&self) -> Arc<[PluginEntry]> {
        let mut entries = Vec::new();
        for pack in &self.packs {
            for entry in pack.entries() {
                entries.push(PluginEntry::packed(
                    entry.listed.namespace(),
                    entry.listed.name(),
                    entry.listed.value(),
                    entry,
                ));
            }
        }
        // Stable: among equal (namespace, name), pack order is kept (the first one wins in a
        // manager, the others are reported as duplicates).
        entries.sort_by_key(|e| (e.namespace(), e.name()));
        entries.into()
    }

    /// The packs found, in order.
    pub fn packs(&self) -> &[&'static Pack] {
        &self.packs
    }

    /// The problems met while listing: unreadable directories, directories that are not packs,
    /// malformed manifests or indexes, shadowed packs.
    pub fn errors(&self) -> &[PackError] {
        &self.errors
    }
}

impl std::fmt::Debug for PackFinder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PackFinder")
            .field("packs", &self.packs)
            .field("errors", &self.errors)
            .finish()
    }
}

impl PluginFinder for PackFinder {
    fn find_plugins(&self, namespace: &str) -> Vec<PluginEntry> {
        let start = self.entries.partition_point(|e| e.namespace() < namespace);
        self.entries[start..]
            .iter()
            .take_while(|e| e.namespace() == namespace)
            .copied()
            .collect()
    }

    fn namespaces(&self) -> Vec<&'static str> {
        self.entries.as_ref().namespaces()
    }
}

/// The packs of `dir` (or `dir` itself when it is a pack), each read once per process.
///
/// Only `plux.json` is read here (the manifest is read on first use); the pack directory is
/// made canonical once, its subdirectories are named below it.
fn read_dir(dir: &Path) -> Vec<Result<&'static Pack, PackError>> {
    let unreadable = |dir: &Path, e: std::io::Error| {
        PackError::new(
            None,
            dir,
            PackErrorKind::Dir,
            format!("cannot read the pack directory: {e}"),
        )
    };
    let dir = match std::fs::canonicalize(dir) {
        Ok(dir) => dir,
        Err(e) => return vec![Err(unreadable(dir, e))],
    };
    if dir.join(MANIFEST).exists() {
        return vec![read_pack(&dir)];
    }
    let listing = match std::fs::read_dir(&dir) {
        Ok(listing) => listing,
        Err(e) => return vec![Err(unreadable(&dir, e))],
    };
    let mut subdirs: Vec<(std::ffi::OsString, PathBuf)> = listing
        .filter_map(Result::ok)
        .filter(|e| match e.file_type() {
            Ok(t) if t.is_dir() => true,
            // A symlink counts when it leads to a directory.
            Ok(t) if t.is_symlink() => e.path().is_dir(),
            _ => false,
        })
        .map(|e| (e.file_name(), e.path()))
        .collect();
    // By name: the same order as comparing paths (they share the parent), without comparing
    // them component by component.
    subdirs.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let subdirs = subdirs.into_iter().map(|(_, path)| path);
    subdirs
        .map(|sub| {
            if sub.join(MANIFEST).exists() {
                read_pack(&sub)
            } else {
                Err(PackError::new(
                    None,
                    &sub,
                    PackErrorKind::NotAPack,
                    format!("not a pack: it has no `{MANIFEST}`; install packs made by `cargo plux pack`, or move this directory out of the pack directory"),
                ))
            }
        })
        .collect()
}

/// Reads the pack in `dir`, or returns the `Pack` read earlier in this process.
fn read_pack(dir: &Path) -> Result<&'static Pack, PackError> {
    // Keyed by the path's bytes: hashing them is cheaper than comparing paths component by
    // component, and a pack path's spellings of one directory are made the same by
    // `read_dir` (canonical root, names below it).
    static PACKS: Mutex<Option<HashMap<std::ffi::OsString, &'static Pack>>> = Mutex::new(None);
    let mut packs = PACKS.lock().unwrap_or_else(PoisonError::into_inner);
    let packs = packs.get_or_insert_with(HashMap::new);
    if let Some(pack) = packs.get(dir.as_os_str()) {
        return Ok(pack);
    }
    let name = dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let index = manifest::read_index(dir)
        .map_err(|m| PackError::new(Some(&name), dir, PackErrorKind::Index, m))?;
    let pack: &'static Pack = Box::leak(Box::new(Pack {
        dir: dir.to_path_buf(),
        name,
        index,
        entries: OnceLock::new(),
        manifest: OnceLock::new(),
        loaded: OnceLock::new(),
    }));
    packs.insert(dir.as_os_str().to_owned(), pack);
    Ok(pack)
}

static INSTALLED: OnceLock<PackFinder> = OnceLock::new();

/// Installs `packs` next to the installed registry: every [`PluginManager`](crate::PluginManager)
/// with the default finder then finds the registry's plugins first, then the packs'.
///
/// Call it once, early in `main`. Returns `false` (and changes nothing) when packs were already
/// installed.
pub fn install(packs: PackFinder) -> bool {
    INSTALLED.set(packs).is_ok()
}

/// The installed packs, if any.
pub fn installed() -> Option<&'static PackFinder> {
    INSTALLED.get()
}

/// Makes a crate built as a `cdylib` a plugin pack: includes the registry of the crate's own
/// plugins that `plux_build::pack()` wrote in the build script, and exports it for hosts
/// (with the pack header, and the allocator that borrows the host's).
///
/// ```ignore
/// // build.rs: fn main() { plux_build::pack() }
/// // lib.rs, at the crate root:
/// plux_runtime::include_pack!();
/// ```
///
/// It defines `pub static REGISTRY` (the pack's plugins), the `#[global_allocator]` of the
/// library (see the [`pack`](crate::pack) module docs) and the `plux_pack_v1` symbol. Build the
/// crate with `crate-type = ["cdylib"]` only: linked into another binary as a Rust library, its
/// allocator and symbol would be that binary's.
#[macro_export]
macro_rules! include_pack {
    () => {
        ::core::include!(::core::env!(
            "PLUX_PACK",
            "plux: `include_pack!()` includes the registry that `plux_build::pack()` generates in the build script, and this package's build script does not call it; add `build.rs` with `fn main() { plux_build::pack() }` (and `plux-build` under `[build-dependencies]`)"
        ));
        $crate::export_pack!(REGISTRY);
    };
}

/// Exports `$registry` (a `static` [`Registry`](crate::Registry) of the crate's own plugins)
/// as the plugins of this pack library; what [`include_pack!`] does after including the
/// generated registry. Use it once, at the crate root of a `cdylib`.
#[macro_export]
macro_rules! export_pack {
    ($registry:path) => {
        #[global_allocator]
        static __PLUX_PACK_ALLOCATOR: $crate::__private::pack::PackAllocator =
            $crate::__private::pack::PackAllocator;

        /// The plux pack header of this library.
        #[unsafe(no_mangle)]
        pub extern "C" fn plux_pack_v1() -> *const ::core::ffi::c_void {
            static HEADER: $crate::__private::pack::Header =
                $crate::__private::pack::Header::new(&$registry);
            $crate::__private::pack::header_address(&HEADER)
        }
    };
}
