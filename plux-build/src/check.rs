//! `--check`: compare what would be written with what is on disk, as unified diffs.
//!
//! ```
//! let diff = plux_build::check::unified_diff(
//!     "svc/plux.json".as_ref(),
//!     Some("{\n  \"ns\": [\n    \"a=k::A\"\n  ]\n}\n"),
//!     "{\n  \"ns\": [\n    \"a=k::A\",\n    \"b=k::B\"\n  ]\n}\n",
//! );
//! assert!(diff.starts_with("--- svc/plux.json\n+++ svc/plux.json (regenerated)\n@@"));
//! assert!(diff.contains("\n+    \"b=k::B\"\n"));
//! ```

use std::io::ErrorKind;
use std::path::Path;

use crate::error::{Error, Result};

/// The unified diff (3 lines of context) from `old` (`None`: the file does not exist) to `new`,
/// headed with the file path.
pub fn unified_diff(path: &Path, old: Option<&str>, new: &str) -> String {
    let shown = path.display().to_string();
    let old_header = if old.is_some() {
        shown.clone()
    } else {
        "/dev/null".to_owned()
    };
    let new_header = format!("{shown} (regenerated)");
    let diff = similar::TextDiff::from_lines(old.unwrap_or(""), new);
    let mut text = diff
        .unified_diff()
        .context_radius(3)
        .header(&old_header, &new_header)
        .to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text
}

/// Compares `contents` with the file at `path`: `None` when it holds exactly these bytes, else
/// `Some(what is on disk)` (`Some(None)`: the file is missing; invalid UTF-8 is replaced).
pub fn stale(path: &Path, contents: &str) -> Result<Option<Option<String>>> {
    // A regular file of bounded size only (reading a FIFO would block); a generated file is
    // far below the cap.
    let old = match crate::fsx::read_regular(path, 1 << 30) {
        Ok(bytes) => Some(bytes),
        Err(e) if e.kind() == ErrorKind::NotFound => None,
        Err(e) => return Err(Error::io("read", path, e)),
    };
    if old.as_deref() == Some(contents.as_bytes()) {
        return Ok(None);
    }
    Ok(Some(old.map(|b| String::from_utf8_lossy(&b).into_owned())))
}

/// Like [`stale`], as the unified diff regenerating would apply (headed with `path`).
pub fn stale_diff(path: &Path, contents: &str) -> Result<Option<String>> {
    Ok(stale(path, contents)?.map(|old| unified_diff(path, old.as_deref(), contents)))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn equal_files_are_not_stale_and_missing_ones_diff_from_dev_null() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("plux.json");
        let diff = stale_diff(&path, "{}\n").unwrap().unwrap();
        assert!(diff.starts_with("--- /dev/null\n"), "{diff}");
        assert!(diff.contains("\n+{}\n"));
        std::fs::write(&path, "{}\n").unwrap();
        assert_eq!(stale_diff(&path, "{}\n").unwrap(), None);
        let diff = stale_diff(&path, "{\"a\": []}\n").unwrap().unwrap();
        assert!(diff.contains("-{}\n+{\"a\": []}\n"), "{diff}");
    }
}
