//! The scan cache's byte format: LEB128 integers, length-prefixed bytes, and the encoding of
//! one file's result. Decoding never panics: anything unexpected is `None`.

use std::path::{Path, PathBuf};

use crate::diagnostic::{Diagnostic, Severity};
use crate::model::{Kind, Location};
use crate::scan::cfg::ModCfg;
use crate::scan::consts::Consts;
use crate::scan::items::{Arg, Child, FileItems, RawDecl};
use crate::scan::reexport::{ModRecord, UseRecord};
use crate::scan::tree::{ModCtx, PrivateMod};

pub(super) fn put_items(w: &mut Writer, items: &FileItems) {
    w.vec(&items.decls, put_decl);
    let mut consts = Vec::new();
    items.consts.for_each(|module, file, ident, at, value| {
        consts.push((
            module.to_vec(),
            file.to_path_buf(),
            ident.to_owned(),
            at,
            value.cloned(),
        ));
    });
    w.vec(
        &consts,
        |w, (module, file, ident, (line, column), value)| {
            w.strs(module);
            w.path(file);
            w.str(ident);
            w.usize(*line);
            w.usize(*column);
            w.opt(value.as_ref(), |w, (text, at)| {
                w.str(text);
                put_location(w, at);
            });
        },
    );
    w.vec(&items.children, |w, child| {
        w.path(&child.path);
        put_ctx(w, &child.ctx);
        put_location(w, &child.via);
    });
    w.vec(&items.diagnostics, put_diagnostic);
    w.vec(&items.dirs, |w, d| w.path(d));
    w.vec(&items.mods, |w, m| {
        w.strs(&m.segments);
        w.bool(m.public);
        w.strs(&m.gates);
    });
    w.vec(&items.uses, |w, u| {
        w.strs(&u.module);
        w.strs(&u.path);
        w.opt(u.alias.as_ref(), |w, s| w.str(s));
        w.strs(&u.gates);
    });
    w.vec(&items.skipped, |w, p| w.path(p));
}

pub(super) fn get_items(r: &mut Reader) -> Option<FileItems> {
    let decls = r.vec(get_decl)?;
    let mut consts = Consts::default();
    let count = r.u64()?;
    for _ in 0..count {
        let module = r.strs()?;
        let file = r.path()?;
        let ident = r.str()?;
        let (line, column) = (r.usize()?, r.usize()?);
        let value = r.opt(|r| Some((r.str()?, get_location(r)?)))?;
        consts.push(&module, &ident, Location { file, line, column }, value);
    }
    let children = r.vec(|r| {
        Some(Child {
            path: r.path()?,
            ctx: get_ctx(r)?,
            via: get_location(r)?,
        })
    })?;
    let diagnostics = r.vec(get_diagnostic)?;
    let dirs = r.vec(Reader::path)?;
    let mods = r.vec(|r| {
        Some(ModRecord {
            segments: r.strs()?,
            public: r.bool()?,
            gates: r.strs()?,
        })
    })?;
    let uses = r.vec(|r| {
        Some(UseRecord {
            module: r.strs()?,
            path: r.strs()?,
            alias: r.opt(Reader::str)?,
            gates: r.strs()?,
        })
    })?;
    let skipped = r.vec(Reader::path)?;
    (r.pos == r.buf.len()).then_some(FileItems {
        decls,
        consts,
        children,
        diagnostics,
        dirs,
        mods,
        uses,
        skipped,
        probes: Vec::new(),
    })
}

pub(super) fn put_location(w: &mut Writer, at: &Location) {
    w.path(&at.file);
    w.usize(at.line);
    w.usize(at.column);
}

pub(super) fn get_location(r: &mut Reader) -> Option<Location> {
    Some(Location {
        file: r.path()?,
        line: r.usize()?,
        column: r.usize()?,
    })
}

pub(super) fn put_ctx(w: &mut Writer, ctx: &ModCtx) {
    w.strs(&ctx.segments);
    w.vec(&ctx.cfg, |w, c| {
        w.usize(c.depth);
        w.str(&c.predicate);
    });
    w.vec(&ctx.private, put_private);
    w.bool(ctx.public);
    w.path(&ctx.dir);
    w.opt(ctx.relative.as_ref(), |w, s| w.str(s));
    w.bool(ctx.included);
}

pub(super) fn get_ctx(r: &mut Reader) -> Option<ModCtx> {
    Some(ModCtx {
        segments: r.strs()?,
        cfg: r.vec(|r| {
            Some(ModCfg {
                depth: r.usize()?,
                predicate: r.str()?,
            })
        })?,
        private: r.vec(get_private)?,
        public: r.bool()?,
        dir: r.path()?,
        relative: r.opt(Reader::str)?,
        included: r.bool()?,
    })
}

fn put_private(w: &mut Writer, m: &PrivateMod) {
    w.str(&m.name);
    w.str(&m.path);
    put_location(w, &m.location);
}

fn get_private(r: &mut Reader) -> Option<PrivateMod> {
    Some(PrivateMod {
        name: r.str()?,
        path: r.str()?,
        location: get_location(r)?,
    })
}

pub(super) fn put_arg(w: &mut Writer, arg: &Arg) {
    match arg {
        Arg::Lit { value, location } => {
            w.u64(0);
            w.str(value);
            put_location(w, location);
        }
        Arg::Const { path, location } => {
            w.u64(1);
            w.strs(path);
            put_location(w, location);
        }
        Arg::Invalid { location } => {
            w.u64(2);
            put_location(w, location);
        }
    }
}

pub(super) fn get_arg(r: &mut Reader) -> Option<Arg> {
    Some(match r.u64()? {
        0 => Arg::Lit {
            value: r.str()?,
            location: get_location(r)?,
        },
        1 => Arg::Const {
            path: r.strs()?,
            location: get_location(r)?,
        },
        2 => Arg::Invalid {
            location: get_location(r)?,
        },
        _ => return None,
    })
}

pub(super) fn put_decl(w: &mut Writer, d: &RawDecl) {
    w.u64(match d.kind {
        Kind::Spec => 0,
        Kind::Type => 1,
        Kind::Function => 2,
    });
    put_arg(w, &d.namespace);
    put_arg(w, &d.name);
    w.str(&d.value);
    w.strs(&d.module);
    w.strs(&d.cfg);
    w.opt(d.cfg_module.as_ref(), |w, s| w.str(s));
    w.opt(d.interface.as_ref(), |w, s| w.str(s));
    put_location(w, &d.location);
    w.vec(&d.private, put_private);
}

pub(super) fn get_decl(r: &mut Reader) -> Option<RawDecl> {
    Some(RawDecl {
        kind: match r.u64()? {
            0 => Kind::Spec,
            1 => Kind::Type,
            2 => Kind::Function,
            _ => return None,
        },
        namespace: get_arg(r)?,
        name: get_arg(r)?,
        value: r.str()?,
        module: r.strs()?,
        cfg: r.strs()?,
        cfg_module: r.opt(|r| r.str())?,
        interface: r.opt(|r| r.str())?,
        location: get_location(r)?,
        private: r.vec(get_private)?,
    })
}

pub(super) fn put_diagnostic(w: &mut Writer, d: &Diagnostic) {
    w.bool(d.severity == Severity::Error);
    w.opt(d.location.as_ref(), put_location);
    w.str(&d.message);
    w.strs(&d.notes);
    w.opt(d.help.as_ref(), |w, s| w.str(s));
}

pub(super) fn get_diagnostic(r: &mut Reader) -> Option<Diagnostic> {
    Some(Diagnostic {
        severity: if r.bool()? {
            Severity::Error
        } else {
            Severity::Warning
        },
        location: r.opt(get_location)?,
        message: r.str()?,
        notes: r.strs()?,
        help: r.opt(Reader::str)?,
    })
}

#[derive(Default)]
pub(super) struct Writer {
    pub(super) buf: Vec<u8>,
    /// Set when something could not be encoded (a path that is not Unicode off Unix).
    pub(super) failed: bool,
}

impl Writer {
    pub(super) fn u64(&mut self, mut v: u64) {
        loop {
            let byte = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.buf.push(byte);
                return;
            }
            self.buf.push(byte | 0x80);
        }
    }

    pub(super) fn i64(&mut self, v: i64) {
        self.u64(((v << 1) ^ (v >> 63)) as u64);
    }

    pub(super) fn u128(&mut self, v: u128) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }

    pub(super) fn usize(&mut self, v: usize) {
        self.u64(v as u64);
    }

    pub(super) fn bool(&mut self, v: bool) {
        self.buf.push(u8::from(v));
    }

    pub(super) fn bytes(&mut self, v: &[u8]) {
        self.usize(v.len());
        self.buf.extend_from_slice(v);
    }

    pub(super) fn str(&mut self, v: &str) {
        self.bytes(v.as_bytes());
    }

    pub(super) fn strs(&mut self, v: &[String]) {
        self.vec(v, |w, s| w.str(s));
    }

    #[cfg(unix)]
    pub(super) fn path(&mut self, p: &Path) {
        use std::os::unix::ffi::OsStrExt;
        self.bytes(p.as_os_str().as_bytes());
    }

    #[cfg(not(unix))]
    pub(super) fn path(&mut self, p: &Path) {
        match p.to_str() {
            Some(s) => self.str(s),
            None => self.fail(),
        }
    }

    #[cfg(not(unix))]
    pub(super) fn fail(&mut self) {
        self.bytes(&[]);
        self.failed = true;
    }

    pub(super) fn opt<T>(&mut self, v: Option<&T>, put: impl FnOnce(&mut Self, &T)) {
        self.bool(v.is_some());
        if let Some(v) = v {
            put(self, v);
        }
    }

    pub(super) fn vec<T>(&mut self, v: &[T], mut put: impl FnMut(&mut Self, &T)) {
        self.usize(v.len());
        for item in v {
            put(self, item);
        }
    }
}

pub(super) struct Reader<'a> {
    pub(super) buf: &'a [u8],
    pub(super) pos: usize,
}

impl<'a> Reader<'a> {
    pub(super) fn new(buf: &'a [u8]) -> Self {
        Self { buf, pos: 0 }
    }

    pub(super) fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        let out = self.buf.get(self.pos..self.pos.checked_add(n)?)?;
        self.pos += n;
        Some(out)
    }

    pub(super) fn u64(&mut self) -> Option<u64> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self.take(1)?.first()?;
            v |= u64::from(byte & 0x7f).checked_shl(shift)?;
            if byte & 0x80 == 0 {
                return Some(v);
            }
        }
        None
    }

    pub(super) fn i64(&mut self) -> Option<i64> {
        let v = self.u64()?;
        Some(((v >> 1) as i64) ^ -((v & 1) as i64))
    }

    pub(super) fn u128(&mut self) -> Option<u128> {
        Some(u128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }

    pub(super) fn usize(&mut self) -> Option<usize> {
        usize::try_from(self.u64()?).ok()
    }

    /// A length, at most what is left (so a corrupt one cannot make a huge allocation).
    pub(super) fn len(&mut self) -> Option<usize> {
        let n = self.usize()?;
        (n <= self.buf.len() - self.pos).then_some(n)
    }

    pub(super) fn bool(&mut self) -> Option<bool> {
        match self.take(1)? {
            [0] => Some(false),
            [1] => Some(true),
            _ => None,
        }
    }

    pub(super) fn str(&mut self) -> Option<String> {
        let n = self.len()?;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }

    pub(super) fn strs(&mut self) -> Option<Vec<String>> {
        self.vec(Reader::str)
    }

    #[cfg(unix)]
    pub(super) fn path(&mut self) -> Option<PathBuf> {
        use std::os::unix::ffi::OsStrExt;
        let n = self.len()?;
        Some(PathBuf::from(std::ffi::OsStr::from_bytes(self.take(n)?)))
    }

    #[cfg(not(unix))]
    pub(super) fn path(&mut self) -> Option<PathBuf> {
        self.str().map(PathBuf::from)
    }

    /// Length-prefixed bytes: where they are in the buffer.
    pub(super) fn part(&mut self) -> Option<std::ops::Range<usize>> {
        let n = self.len()?;
        let start = self.pos;
        self.take(n)?;
        Some(start..start + n)
    }

    pub(super) fn opt<T>(&mut self, get: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        Some(match self.bool()? {
            false => None,
            true => Some(get(self)?),
        })
    }

    pub(super) fn vec<T>(&mut self, mut get: impl FnMut(&mut Self) -> Option<T>) -> Option<Vec<T>> {
        // Every item takes at least one byte: a corrupt count fails instead of allocating.
        let n = self.len()?;
        let mut out = Vec::with_capacity(n);
        for _ in 0..n {
            out.push(get(self)?);
        }
        Some(out)
    }
}

/// The bytes of a path as the cache stores them; `None` for a path that is not Unicode off
/// Unix (never cached).
#[cfg(unix)]
pub(super) fn path_bytes(p: &Path) -> Option<&[u8]> {
    use std::os::unix::ffi::OsStrExt;
    Some(p.as_os_str().as_bytes())
}

/// The bytes of a path as the cache stores them; `None` for a path that is not Unicode off
/// Unix (never cached).
#[cfg(not(unix))]
pub(super) fn path_bytes(p: &Path) -> Option<&[u8]> {
    p.to_str().map(str::as_bytes)
}
