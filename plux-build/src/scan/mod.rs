//! The source scanner: walks module trees and finds plugin declarations with syn.
//!
//! Nothing is compiled or run. The scanner follows a crate's module tree the way rustc does
//! (`mod x;` → `x.rs` or `x/mod.rs`, `#[path]`, inline modules), reads each reached file once
//! (one task per file, in parallel) and recognises the three declaration forms of
//! `ARCHITECTURE.md`:
//!
//! - a `static`/`const` whose type is `PluginSpec<..>` ([`Kind::Spec`](crate::Kind::Spec)),
//! - `#[plugin(..)]` on `impl Trait for Type` ([`Kind::Type`](crate::Kind::Type)),
//! - `#[plugin(..)]` on a `fn` ([`Kind::Function`](crate::Kind::Function)).
//!
//! Problems in the sources (a file that does not parse, a missing module file, a plugin in a
//! private module with no public path, a bad name, ...) become [`Diagnostic`]s; the scan
//! always goes on, so one run reports every problem, and every declaration it could read is
//! in its output. Only invalid options are an `Err`.
//!
//! Duplicates are a property of the whole dependency graph, so [`scan_target`] does not report
//! them: call [`duplicates`] on everything that goes into one registry.
//!
//! # Example
//!
//! ```
//! use plux_build::scan::{CrateTarget, ScanOptions, TargetKind, scan_target};
//!
//! let dir = tempfile::tempdir()?;
//! std::fs::create_dir(dir.path().join("src"))?;
//! std::fs::write(
//!     dir.path().join("src/lib.rs"),
//!     r#"
//!     pub static S3: PluginSpec<dyn Service> = PluginSpec::new("my.services", "s3", make);
//!     "#,
//! )?;
//! let target = CrateTarget {
//!     crate_name: "my_services".into(),
//!     kind: TargetKind::Lib,
//!     root: dir.path().join("src/lib.rs"),
//!     package_root: dir.path().to_path_buf(),
//! };
//! let out = scan_target(&target, &ScanOptions::default())?;
//! assert!(out.diagnostics.is_empty());
//! assert_eq!(out.declarations[0].value, "my_services::S3");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! # What the scanner reaches
//!
//! Beyond plain `mod` items it follows:
//!
//! - **modules and items in module-level macro calls** whose body is a list of items
//!   (`name! { .. }`, `name!( .. );`, `name![ .. ];`): `cfg_if::cfg_if!` branches under their
//!   real predicates (the first branch's own, a later one `all(<own>, not(any(<earlier>)))`,
//!   the `else` branch `not(any(<all>))`), any other macro (tokio's `cfg_rt! { pub mod
//!   runtime; }`) under the gate `macro(<path>)`: the `cfg` the macro may add, which the
//!   scanner cannot see. Generated code probes such a module or item like one under `#[cfg]`,
//!   so the plugin is in a host's registry exactly when its crate compiled it. A body that is
//!   not items but mentions plugins is a warning;
//! - **`pub use` re-exports** (named, `as`, globs, chains of them; `pub(crate)` and other
//!   restricted ones make nothing public): a library's plugin declared in a private module is
//!   indexed at its shortest public path (fewest segments, then alphabetical), gated by the
//!   levels of that path; without one it is an error that says so. A plugin whose declared
//!   path is public keeps it;
//! - **`#[cfg_attr(pred, plugin(..))]`** (nested too): a declaration gated by `pred` on the
//!   item.
//!
//! And it says what it does not reach: [`unreached`] warns about every `.rs` file under a
//! target's directory that mentions plugins but that no module path reached (an `include!`d
//! file, one only a macro it cannot read declares, a forgotten one).
//!
//! # Limits
//!
//! The scanner reads source, it does not expand macros or resolve names outside the crate, so:
//!
//! - declarations that macros generate (`macro_rules!` bodies, attribute macros, a macro call
//!   whose body is not items) are not seen, and text that only looks like one (strings, doc
//!   comments) is not one;
//! - what a macro does with the items of its body is assumed to be "keep them, maybe under a
//!   `cfg`" (the probe of generated code checks it; a macro that renames them hides them);
//! - re-exports are followed within the crate: a plugin re-exported by another crate is
//!   indexed where its own crate makes it public;
//! - the gates of a plugin must be on one level of its path, the item or one enclosing
//!   module, because generated code checks whether that one level was compiled (two levels are
//!   an error that says so);
//! - bounds that keep hostile input linear (each an error at the place it is hit): modules
//!   nest at most [`MAX_MODULE_DEPTH`](crate::validate::MAX_MODULE_DEPTH) (64) levels below
//!   the crate root; one file is the module file of at most 64 modules of a crate (`#[path]`
//!   graphs that include files twice grow exponentially); syn parses at most 256 levels of
//!   nested delimiters and never a whole file over 16 MiB (the skimmer reads any size item by
//!   item; a file that does not tokenize is located by one pass of the lexer). A file that
//!   cannot be read, mentions no plugins and has no `mod` item is a warning: nothing can be
//!   missing from the index.
//!
//! # Speed: the prefilter
//!
//! Most files cannot declare a plugin, and a full syn parse is slow (about 12 MB/s per core).
//! So a file is first tokenized by a small byte-level lexer that finds its items; syn parses
//! only `mod` items, `const`s that may hold a string literal, and the items whose text
//! mentions `plugin` or `PluginSpec`, each on its own. Anything the lexer cannot make sense of
//! sends the whole file to syn, so results are those of a full parse (tests compare both on
//! every fixture; see the `skim` module for the one documented difference: lexically fine
//! but invalid code in items without plugin text is left for rustc to report).
//!
//! # Incremental cache
//!
//! [`scan_target_cached`] keeps each file's result in a [`Cache`] (build scripts use
//! `$OUT_DIR/plux/scan-cache-v1`, `cargo plux` uses
//! `<target-dir>/plux/scan-cache-v1/<workspace scope>`), keyed by the file's path, its module context, the scan
//! options, the plux build and a hash of its content, and re-uses it while the file and the
//! module files its `mod` items looked for are unchanged (a cached result holds the file's `mod`
//! children and consts). While every file and covering directory of a target keeps its stamp,
//! the whole target's result is re-used without walking its tree (one `stat` each); a corrupt
//! or foreign cache is rebuilt. Output is identical with or without it (`tests/cache.rs`).
//!
//! # Threads, stacks and spans
//!
//! Files are read on a pool of scan threads with 64 MiB stacks (built once; as many threads as
//! the caller's rayon pool has, or outside one `RAYON_NUM_THREADS` or one per CPU, without
//! starting rayon's global pool), because syn recurses on nested code. Files nesting delimiters
//! deeper than 256 levels where syn must read them are reported instead of parsed. Line
//! numbers come from proc-macro2's `span-locations`; its per-thread source map is freed after
//! each file (`invalidate_current_thread_spans`) on the scan threads, which are the scanner's
//! own.

mod attrs;
mod cache;
mod cfg;
mod consts;
mod filter;
mod interface;
mod items;
mod lex;
mod listing;
mod macros;
mod modules;
mod paths;
mod read;
mod reexport;
mod resolve;
mod skim;
mod threads;
mod tree;
#[cfg(feature = "cli")]
mod unreached;

#[cfg(feature = "cli")]
pub(crate) use threads::scan_threads;

#[cfg(feature = "cli")]
use std::path::Path;
use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity};
use crate::error::{Error, Result};
use crate::model::Declaration;

pub use cache::Cache;
pub use interface::mixed_interfaces;
pub(crate) use listing::Listings;
#[cfg(feature = "cli")]
pub use unreached::unreached;
#[cfg(feature = "cli")]
pub(crate) use unreached::unreached_cached;

/// What kind of cargo target a crate root is; decides how values are spelled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TargetKind {
    /// A library: values are `crate_name::module::Item`, and every module on the way and the
    /// item itself must be `pub` (the host reaches them from another crate).
    Lib,
    /// A binary: values are `crate::module::Item` (the registry lives in the same crate).
    Bin,
}

/// One crate to scan: a cargo target's root file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CrateTarget {
    /// The crate name as Rust code spells it (`-` replaced by `_`).
    pub crate_name: String,
    /// Library or binary.
    pub kind: TargetKind,
    /// The crate root, e.g. `<package>/src/lib.rs`.
    pub root: PathBuf,
    /// The directory of the package's `Cargo.toml`; include/exclude file patterns are relative
    /// to it.
    pub package_root: PathBuf,
}

/// How to scan.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanOptions {
    /// Glob patterns; when non-empty only declarations in matching modules (and their
    /// submodules) are kept. A pattern matches the file path relative to the package root
    /// (`src/services/**`) or the module path (`crate::services`, `crate::services::*`; the
    /// crate's own name works in place of `crate`).
    pub include: Vec<String>,
    /// Glob patterns, matched like `include`; a matching file or module is not read, and
    /// neither is anything below it.
    pub exclude: Vec<String>,
    /// Also scan code under `#[cfg(test)]` (its declarations then carry `cfg(test)`).
    pub include_tests: bool,
}

/// What a scan found.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ScanOutput {
    /// Declarations, sorted by namespace, name, then value.
    pub declarations: Vec<Declaration>,
    /// Problems, sorted by location.
    pub diagnostics: Vec<Diagnostic>,
    /// Every file read, sorted (for `cargo:rerun-if-changed`).
    pub files: Vec<PathBuf>,
    /// Every directory where a module file was looked for, sorted (a file appearing there can
    /// change the module tree).
    pub dirs: Vec<PathBuf>,
    /// Module files and directories of modules not read on purpose (under `#[cfg(test)]`,
    /// excluded, nested too deep), sorted: [`unreached`] does not report files there.
    pub skipped: Vec<PathBuf>,
}

impl ScanOutput {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }
}

/// Scans one crate from its root file, following its module tree.
///
/// Returns `Err` only for invalid options ([`Error::Config`], such as a bad glob); problems in
/// the sources are diagnostics in the output.
pub fn scan_target(target: &CrateTarget, options: &ScanOptions) -> Result<ScanOutput> {
    scan_target_inner(target, options, true, None, None)
}

/// [`scan_target`], re-using the results `cache` holds for files that did not change, and
/// storing the new ones (see [`Cache`]). The output is the same as without a cache.
pub fn scan_target_cached(
    target: &CrateTarget,
    options: &ScanOptions,
    cache: &Cache,
) -> Result<ScanOutput> {
    scan_target_inner(target, options, true, Some(cache), None)
}

/// [`scan_target`] with an optional cache, answering module-file probes from `listings`
/// (shared with the package's other targets and its unreached-files pass).
#[cfg(feature = "cli")]
pub(crate) fn scan_target_listed(
    target: &CrateTarget,
    options: &ScanOptions,
    cache: Option<&Cache>,
    listings: &Arc<Listings>,
) -> Result<ScanOutput> {
    scan_target_inner(target, options, true, cache, Some(listings))
}

/// [`scan_target`], with the prefilter (`prefilter = true`) or parsing every file with syn;
/// for tests and benchmarks that check the prefilter changes nothing.
#[doc(hidden)]
pub fn scan_target_with(
    target: &CrateTarget,
    options: &ScanOptions,
    prefilter: bool,
) -> Result<ScanOutput> {
    scan_target_inner(target, options, prefilter, None, None)
}

/// [`scan_target_cached`], with or without the prefilter; for tests and benchmarks.
#[doc(hidden)]
pub fn scan_target_cached_with(
    target: &CrateTarget,
    options: &ScanOptions,
    prefilter: bool,
    cache: &Cache,
) -> Result<ScanOutput> {
    scan_target_inner(target, options, prefilter, Some(cache), None)
}

fn scan_target_inner(
    target: &CrateTarget,
    options: &ScanOptions,
    prefilter: bool,
    cache: Option<&Cache>,
    listings: Option<&Arc<Listings>>,
) -> Result<ScanOutput> {
    let listings = match listings {
        Some(listings) => Arc::clone(listings),
        None => Arc::new(Listings::new(cache.is_some())),
    };
    let mut env = tree::Env {
        prefix: match target.kind {
            TargetKind::Lib => target.crate_name.clone(),
            TargetKind::Bin => "crate".to_owned(),
        },
        check_visibility: target.kind == TargetKind::Lib,
        follow_mods: true,
        include_tests: options.include_tests,
        filter: filter::Filter::new(options, &target.crate_name, &target.package_root)?,
        prefilter,
        cache: None,
        listings,
    };
    if let Some(cache) = cache {
        // Everything a file's result depends on besides its path, module and content.
        let seed = format!(
            "{:?}",
            (
                &target.root,
                &target.package_root,
                &target.crate_name,
                &env.prefix,
                env.check_visibility,
                env.follow_mods,
                prefilter,
                options,
            )
        );
        env.cache = Some(cache.session(seed.as_bytes()));
    }
    let root = tree::Job::root(&env, target.root.clone(), Vec::new());
    let collected = tree::walk(&env, root.into_iter().collect());
    if let Some(session) = env.cache.take() {
        session.save();
    }
    Ok(finish(collected, &env.prefix))
}

/// Runs `op` on the scanner's threads (large stacks; as many as the rayon pool this is called
/// on has, else `RAYON_NUM_THREADS` or one per CPU, without starting rayon's global pool),
/// so that the scans it starts, and the work around them, share those threads instead of
/// handing work over between two pools. A plain call when already on them.
///
/// ```
/// let answer = plux_build::scan::on_scan_threads(|| 6 * 7);
/// assert_eq!(answer, 42);
/// ```
pub fn on_scan_threads<R: Send>(op: impl FnOnce() -> R + Send) -> R {
    threads::on_scan_threads(op)
}

/// Scans a directory (`cargo plux discover --path DIR`).
///
/// The first of `DIR/src/lib.rs`, `DIR/lib.rs` (library roots: values start with `crate_name`)
/// and `DIR/src/main.rs` (a binary root: values start with `crate`) that exists is scanned like
/// [`scan_target`] does, and files below it that it does not reach are reported like
/// [`unreached`] does. Without one, every `.rs` file under `DIR` is scanned on its own as the
/// module its relative path names (`DIR/a/b.rs` is `crate_name::a::b`, `a/mod.rs` is
/// `crate_name::a`), without following its `mod x;` items and without visibility checks.
/// Symlinks are not followed; `target`, hidden, and (unless `include_tests`) `tests`, `benches`
/// and `examples` directories are skipped.
///
/// Needs the `cli` feature (build scripts, which use `default-features = false`, never scan a
/// loose directory, and leave out its `walkdir` dependency).
#[cfg(feature = "cli")]
pub fn scan_dir(dir: &Path, crate_name: &str, options: &ScanOptions) -> Result<ScanOutput> {
    scan_dir_with(dir, crate_name, options, true)
}

/// [`scan_dir`], with or without the prefilter (see [`scan_target_with`]).
#[doc(hidden)]
#[cfg(feature = "cli")]
pub fn scan_dir_with(
    dir: &Path,
    crate_name: &str,
    options: &ScanOptions,
    prefilter: bool,
) -> Result<ScanOutput> {
    for (candidate, kind) in [
        ("src/lib.rs", TargetKind::Lib),
        ("lib.rs", TargetKind::Lib),
        ("src/main.rs", TargetKind::Bin),
    ] {
        let root = dir.join(candidate);
        if root.is_file() {
            let target = CrateTarget {
                crate_name: crate_name.to_owned(),
                kind,
                root,
                package_root: dir.to_path_buf(),
            };
            let listings = Arc::new(Listings::new(false));
            let mut out = scan_target_inner(&target, options, prefilter, None, Some(&listings))?;
            let targets = std::slice::from_ref(&target);
            let warnings = unreached_cached(targets, options, &[&out], None, &listings)?;
            out.diagnostics.extend(warnings);
            sort_diagnostics(&mut out.diagnostics);
            return Ok(out);
        }
    }
    let env = tree::Env {
        prefix: crate_name.to_owned(),
        check_visibility: false,
        follow_mods: false,
        include_tests: options.include_tests,
        filter: filter::Filter::new(options, crate_name, dir)?,
        prefilter,
        cache: None,
        listings: Arc::new(Listings::new(false)),
    };
    let (jobs, mut diagnostics) = tree::loose_files(&env, dir);
    let mut collected = tree::walk(&env, jobs);
    collected.diagnostics.append(&mut diagnostics);
    Ok(finish(collected, &env.prefix))
}

fn finish(collected: tree::Collected, prefix: &str) -> ScanOutput {
    let tree::Collected {
        mut files,
        mut dirs,
        mut decls,
        consts,
        mut diagnostics,
        mods,
        uses,
        mut skipped,
    } = collected;
    reexport::reexported(&mut decls, &mods, &uses, prefix, &mut diagnostics);
    // Only consts that a declaration names can matter (a crate such as `windows-sys` has
    // 100,000 others).
    let named: std::collections::HashSet<&str> = decls
        .iter()
        .flat_map(|d| [&d.namespace, &d.name])
        .filter_map(items::Arg::const_ident)
        .collect();
    let mut consts = consts.named(&named);
    // Collected in file order, which varies; notes list candidates in this order.
    consts.sort_by(|a, b| {
        (&a.ident, &a.module, &a.location).cmp(&(&b.ident, &b.module, &b.location))
    });
    let mut declarations = resolve::resolve(decls, &consts, &mut diagnostics);
    declarations.sort();
    declarations.dedup();
    sort_diagnostics(&mut diagnostics);
    files.sort();
    files.dedup();
    dirs.sort();
    dirs.dedup();
    skipped.sort();
    skipped.dedup();
    ScanOutput {
        declarations,
        diagnostics,
        files,
        dirs,
        skipped,
    }
}

/// Sorts diagnostics by location (unlocated first), then by the rest, and drops exact repeats.
pub fn sort_diagnostics(diagnostics: &mut Vec<Diagnostic>) {
    diagnostics.sort_by(|a, b| a.location.cmp(&b.location).then_with(|| a.cmp(b)));
    diagnostics.dedup();
}

/// Reports every `(namespace, name)` declared more than once, as an error at the first place
/// (by location) with a note naming each other place.
///
/// Two declarations that are both under `#[cfg]`, with different predicates, may never be
/// compiled together; they get a warning instead.
///
/// ```
/// use std::path::PathBuf;
/// use plux_build::{Declaration, Kind, Location};
///
/// let decl = |file: &str, value: &str| Declaration {
///     namespace: "ns".into(),
///     name: "s3".into(),
///     value: value.into(),
///     kind: Kind::Spec,
///     cfg: Vec::new(),
///     cfg_module: None,
///     interface: None,
///     location: Location { file: PathBuf::from(file), line: 1, column: 1 },
/// };
/// let found = plux_build::scan::duplicates(&[decl("a.rs", "a::S3"), decl("b.rs", "b::S3")]);
/// assert_eq!(found.len(), 1);
/// assert_eq!(found[0].message, "duplicate plugin `s3` in namespace `ns`");
/// assert_eq!(found[0].notes, ["also declared at b.rs:1:1 (`b::S3`)"]);
/// ```
pub fn duplicates(decls: &[Declaration]) -> Vec<Diagnostic> {
    let mut sorted: Vec<&Declaration> = decls.iter().collect();
    sorted.sort_by(|a, b| {
        (&a.namespace, &a.name, &a.location, &a.value).cmp(&(
            &b.namespace,
            &b.name,
            &b.location,
            &b.value,
        ))
    });
    let mut out = Vec::new();
    for group in sorted.chunk_by(|a, b| a.namespace == b.namespace && a.name == b.name) {
        let [first, rest @ ..] = group else { continue };
        if rest.is_empty() {
            continue;
        }
        let exclusive =
            group.iter().all(|d| !d.cfg.is_empty()) && !group.iter().all(|d| d.cfg == first.cfg);
        let message = format!(
            "duplicate plugin `{}` in namespace `{}`",
            first.name, first.namespace
        );
        let mut diagnostic = Diagnostic::error(Some(first.location.clone()), message);
        if exclusive {
            diagnostic.severity = Severity::Warning;
        }
        for other in rest {
            diagnostic = diagnostic.with_note(format!(
                "also declared at {} (`{}`)",
                other.location, other.value
            ));
        }
        diagnostic = diagnostic.with_help(if exclusive {
            "the declarations are under different `#[cfg]`s; make sure they never hold together"
        } else {
            "rename one of them, or remove one"
        });
        out.push(diagnostic);
    }
    sort_diagnostics(&mut out);
    out
}

/// Builds the `Error::Config` for an invalid glob.
fn bad_pattern(pattern: &str, err: &globset::Error) -> Error {
    Error::Config(format!(
        "invalid include/exclude pattern `{pattern}`: {}; fix the glob",
        err.kind()
    ))
}
