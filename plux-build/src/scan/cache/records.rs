//! The per-file records of a cache file: decoding the loaded ones, encoding new ones.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use xxhash_rust::xxh3::xxh3_64;

use super::codec::{Reader, Writer};
use super::{Header, Old, Stamp};

/// The records of a valid cache file; `None` when they do not decode.
pub(super) fn load(buf: &[u8], header: &Header) -> Option<HashMap<u64, Old>> {
    let body = buf.get(..header.end)?;
    let mut r = Reader {
        buf: body,
        pos: header.records,
    };
    let mut old = HashMap::new();
    for _ in 0..header.count {
        let len = r.len()?;
        let start = r.pos;
        r.take(len)?;
        let mut rec = Reader {
            buf: body.get(..start + len)?,
            pos: start,
        };
        let path = rec.part()?;
        let key = xxh3_64(body.get(path.clone())?);
        let entry = Old {
            path,
            context: rec.u128()?,
            hash: rec.u128()?,
            stamp: rec.opt(Stamp::get)?,
            probes: rec.part()?,
            cover: rec.part()?,
            result: rec.part()?,
            record: start..start + len,
        };
        if rec.pos != start + len {
            return None;
        }
        old.insert(key, entry);
    }
    (r.pos == body.len()).then_some(old)
}

pub(super) fn record(
    path: &Path,
    context: u128,
    hash: u128,
    stamp: Option<Stamp>,
    probes: &[(PathBuf, bool)],
    cover: Option<&[(PathBuf, Stamp)]>,
    result: &[u8],
) -> Option<Vec<u8>> {
    let mut w = Writer::default();
    w.path(path);
    w.u128(context);
    w.u128(hash);
    w.opt(stamp.as_ref(), |w, s| s.put(w));
    let mut part = Writer::default();
    part.vec(probes, |w, (p, found)| {
        w.path(p);
        w.bool(*found);
    });
    w.bytes(&part.buf);
    w.failed |= part.failed;
    let mut part = Writer::default();
    part.opt(cover.as_ref(), |w, dirs| {
        w.vec(dirs, |w, (dir, stamp)| {
            w.path(dir);
            stamp.put(w);
        });
    });
    w.bytes(&part.buf);
    w.failed |= part.failed;
    w.bytes(result);
    (!w.failed).then_some(w.buf)
}
