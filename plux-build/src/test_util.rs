//! File-time helpers shared by the crate's unit tests of the scan cache.

#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::Path;
use std::time::{Duration, SystemTime};

/// Sets the mtime of `paths` (files or directories) an hour back, so that the scan cache
/// trusts their stamps.
pub(crate) fn age(paths: &[&Path]) {
    let past = SystemTime::now() - Duration::from_secs(3600);
    for path in paths {
        let file = match path.is_dir() {
            true => fs::File::open(path).unwrap(),
            false => fs::File::options().write(true).open(path).unwrap(),
        };
        file.set_modified(past).unwrap();
    }
}

/// Replaces `from` with `to` (of the same length) in the file at `path` and restores its mtime:
/// an edit that size and mtime cannot see.
pub(crate) fn edit_keeping_mtime(path: &Path, from: &str, to: &str) {
    assert_eq!(from.len(), to.len(), "the edit must keep the size");
    let mtime = fs::metadata(path).unwrap().modified().unwrap();
    let text = fs::read_to_string(path).unwrap().replace(from, to);
    fs::write(path, text).unwrap();
    fs::File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(mtime)
        .unwrap();
}
