//! The memo of a whole target: what its walk collected, with every stat stamp and module-file
//! probe that result depends on. While they are all unchanged the target costs one `stat` per
//! file (and per covering directory): no record is looked up or decoded and no tree is walked.
//!
//! A memo is only made when every file of the walk came out of the cache or went into it with
//! a settled stamp; any other outcome (an unreadable or missing file, a module cycle, a file
//! changed within [`SETTLED`](super::SETTLED)) leaves the target without one, and the next
//! scan walks it with the per-file records.

use std::collections::HashSet;
use std::fs;
use std::path::{Path, PathBuf};

use super::Stamp;
use super::codec::{Reader, Writer, get_items, path_bytes, put_items};
use crate::model::Location;
use crate::scan::consts::Consts;
use crate::scan::items::{Arg, FileItems};
use crate::scan::tree::Collected;

/// What a target's result depends on, gathered while it is walked.
#[derive(Debug, Default)]
pub(super) struct Deps {
    /// Every file read, with its stamp when it was read.
    pub(super) files: Vec<(PathBuf, Stamp)>,
    /// Directories whose unchanged stamps prove module-file probes unchanged.
    pub(super) dirs: Vec<(PathBuf, Stamp)>,
    /// Probes no directory covers: the path, and whether it was a file.
    pub(super) probes: Vec<(PathBuf, bool)>,
    /// Some file's result is not in the cache, or not provably unchanged next time.
    pub(super) broken: bool,
}

/// The memo of `collected` under `seed`, or `None` when the walk cannot be re-used whole.
pub(super) fn encode(seed: u128, mut deps: Deps, collected: &Collected) -> Option<Vec<u8>> {
    if deps.broken {
        return None;
    }
    deps.files.sort();
    deps.files.dedup();
    // One file seen with two stamps changed during the walk.
    if deps.files.windows(2).any(|w| w[0].0 == w[1].0) {
        return None;
    }
    let mut files: Vec<&PathBuf> = collected.files.iter().collect();
    files.sort();
    files.dedup();
    if !files.into_iter().eq(deps.files.iter().map(|(p, _)| p)) {
        return None;
    }
    deps.dirs.sort();
    deps.dirs.dedup();
    deps.probes.sort();
    deps.probes.dedup();

    let mut w = Writer::default();
    w.u128(seed);
    put_paths(&mut w, &deps.files, |w, s| s.put(w));
    put_paths(&mut w, &deps.dirs, |w, s| s.put(w));
    put_paths(&mut w, &deps.probes, |w, found| w.bool(*found));
    // The result: only the consts a declaration names can matter (as in `scan::finish`).
    let named: HashSet<&str> = collected
        .decls
        .iter()
        .flat_map(|d| [&d.namespace, &d.name])
        .filter_map(Arg::const_ident)
        .collect();
    // Sorted, so that a rebuilt memo has the same bytes whatever order the walk took.
    let mut named_consts = Vec::new();
    collected
        .consts
        .for_each(|module, file, ident, (line, column), value| {
            if named.contains(ident) {
                let file = file.to_path_buf();
                let at = Location { file, line, column };
                named_consts.push((at, ident.to_owned(), module.to_vec(), value.cloned()));
            }
        });
    named_consts.sort_by(|a, b| (&a.0, &a.1, &a.2).cmp(&(&b.0, &b.1, &b.2)));
    let mut consts = Consts::default();
    for (at, ident, module, value) in named_consts {
        consts.push(&module, &ident, at, value);
    }
    let mut decls = collected.decls.clone();
    decls.sort_by(|a, b| (&a.location, &a.value).cmp(&(&b.location, &b.value)));
    let mut diagnostics = collected.diagnostics.clone();
    crate::scan::sort_diagnostics(&mut diagnostics);
    let mut dirs = collected.dirs.clone();
    dirs.sort();
    dirs.dedup();
    // Modules and re-exports only matter to declarations in private modules (`reexport`).
    let (mut mods, mut uses) = match decls.iter().any(|d| !d.private.is_empty()) {
        true => (collected.mods.clone(), collected.uses.clone()),
        false => (Vec::new(), Vec::new()),
    };
    mods.sort_by(|a, b| (&a.segments, &a.gates, a.public).cmp(&(&b.segments, &b.gates, b.public)));
    uses.sort_by(|a, b| {
        (&a.module, &a.path, &a.alias, &a.gates).cmp(&(&b.module, &b.path, &b.alias, &b.gates))
    });
    let mut skipped = collected.skipped.clone();
    skipped.sort();
    skipped.dedup();
    let items = FileItems {
        decls,
        consts,
        children: Vec::new(),
        diagnostics,
        dirs,
        mods,
        uses,
        skipped,
        probes: Vec::new(),
    };
    let mut result = Writer::default();
    put_items(&mut result, &items);
    w.bytes(&result.buf);
    (!w.failed && !result.failed).then_some(w.buf)
}

/// A decoded memo.
pub(super) struct Memo<'a> {
    pub(super) seed: u128,
    files: Vec<(PathBuf, Stamp)>,
    dirs: Vec<(PathBuf, Stamp)>,
    probes: Vec<(PathBuf, bool)>,
    result: &'a [u8],
}

impl<'a> Memo<'a> {
    /// Decodes a memo; `None` when it is not a valid one.
    pub(super) fn decode(buf: &'a [u8]) -> Option<Self> {
        let mut r = Reader::new(buf);
        let seed = r.u128()?;
        let files = get_paths(&mut r, Stamp::get)?;
        let dirs = get_paths(&mut r, Stamp::get)?;
        let probes = get_paths(&mut r, Reader::bool)?;
        let result = r.part().and_then(|range| buf.get(range))?;
        (r.pos == buf.len()).then_some(Self {
            seed,
            files,
            dirs,
            probes,
            result,
        })
    }

    /// Whether every file and directory still has its stamp and every probe its answer.
    pub(super) fn fresh(&self) -> bool {
        let same = |(path, stamp): &(PathBuf, Stamp)| {
            fs::metadata(path).ok().and_then(|m| Stamp::of(&m)) == Some(*stamp)
        };
        self.files.iter().all(same)
            && self.dirs.iter().all(same)
            && self.probes.iter().all(|(path, was)| path.is_file() == *was)
    }

    /// What the walk collected.
    pub(super) fn collected(self) -> Option<Collected> {
        let items = get_items(&mut Reader::new(self.result))?;
        Some(Collected {
            files: self.files.into_iter().map(|(path, _)| path).collect(),
            dirs: items.dirs,
            decls: items.decls,
            consts: items.consts,
            diagnostics: items.diagnostics,
            mods: items.mods,
            uses: items.uses,
            skipped: items.skipped,
        })
    }
}

/// Sorted paths, each as the length of the prefix it shares with the one before and the
/// rest (deep source trees repeat long prefixes), with a value.
fn put_paths<T>(w: &mut Writer, items: &[(PathBuf, T)], mut put: impl FnMut(&mut Writer, &T)) {
    w.usize(items.len());
    let mut prev: &[u8] = &[];
    for (path, value) in items {
        let Some(bytes) = path_bytes(path) else {
            w.failed = true;
            return;
        };
        let shared = prev.iter().zip(bytes).take_while(|(a, b)| a == b).count();
        w.usize(shared);
        w.bytes(&bytes[shared..]);
        put(w, value);
        prev = bytes;
    }
}

fn get_paths<'a, T>(
    r: &mut Reader<'a>,
    mut get: impl FnMut(&mut Reader<'a>) -> Option<T>,
) -> Option<Vec<(PathBuf, T)>> {
    let count = r.len()?;
    let mut out = Vec::with_capacity(count);
    let mut prev: Vec<u8> = Vec::new();
    for _ in 0..count {
        let shared = r.usize()?;
        let rest = r.len()?;
        prev.truncate(shared.min(prev.len()));
        if prev.len() != shared {
            return None;
        }
        prev.extend_from_slice(r.take(rest)?);
        out.push((path_of(&prev)?.to_path_buf(), get(r)?));
    }
    Some(out)
}

#[cfg(unix)]
fn path_of(bytes: &[u8]) -> Option<&Path> {
    use std::os::unix::ffi::OsStrExt;
    Some(Path::new(std::ffi::OsStr::from_bytes(bytes)))
}

#[cfg(not(unix))]
fn path_of(bytes: &[u8]) -> Option<&Path> {
    std::str::from_utf8(bytes).ok().map(Path::new)
}
