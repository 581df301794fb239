//! Temporary files created next to their target and renamed over it once complete: the part of
//! the `tempfile` crate's API plux uses, over std (build scripts compile nine crates fewer).

use std::collections::hash_map::RandomState;
use std::fs::{self, File, OpenOptions};
use std::hash::{BuildHasher as _, Hasher as _};
use std::io::{self, ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

/// How a temporary file is named and created.
#[derive(Clone, Debug)]
pub(crate) struct Builder {
    prefix: String,
    suffix: String,
    permissions: Option<fs::Permissions>,
}

impl Builder {
    /// `.tmp` followed by random characters; permissions 0600 on unix.
    pub(crate) fn new() -> Self {
        Self {
            prefix: ".tmp".to_owned(),
            suffix: String::new(),
            permissions: None,
        }
    }

    /// The start of the file name.
    pub(crate) fn prefix(&mut self, prefix: &str) -> &mut Self {
        prefix.clone_into(&mut self.prefix);
        self
    }

    /// The end of the file name.
    pub(crate) fn suffix(&mut self, suffix: &str) -> &mut Self {
        suffix.clone_into(&mut self.suffix);
        self
    }

    /// The permissions to create the file with (the umask applies, as for any new file).
    pub(crate) fn permissions(&mut self, permissions: fs::Permissions) -> &mut Self {
        self.permissions = Some(permissions);
        self
    }

    /// Creates a new file with a name nobody else has in `dir`.
    pub(crate) fn tempfile_in(&self, dir: &Path) -> io::Result<NamedTempFile> {
        let mut last = None;
        for _ in 0..64 {
            let path = dir.join(format!("{}{}{}", self.prefix, random_part(), self.suffix));
            let mut options = OpenOptions::new();
            options.read(true).write(true).create_new(true);
            #[cfg(unix)]
            {
                use std::os::unix::fs::{OpenOptionsExt as _, PermissionsExt as _};
                options.mode(self.permissions.as_ref().map_or(0o600, |p| p.mode()));
            }
            match options.open(&path) {
                Ok(file) => {
                    #[cfg(not(unix))]
                    if let Some(permissions) = &self.permissions {
                        file.set_permissions(permissions.clone())?;
                    }
                    return Ok(NamedTempFile {
                        file,
                        path,
                        kept: false,
                    });
                }
                Err(e) if e.kind() == ErrorKind::AlreadyExists => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| io::Error::other("no free temporary file name")))
    }
}

/// Six characters from `[0-9a-z]`, different for every call.
fn random_part() -> String {
    static CALLS: AtomicU64 = AtomicU64::new(0);
    let mut hasher = RandomState::new().build_hasher();
    hasher.write_u64(CALLS.fetch_add(1, Ordering::Relaxed));
    hasher.write_u32(std::process::id());
    let now = SystemTime::now().duration_since(UNIX_EPOCH);
    hasher.write_u128(now.map_or(0, |d| d.as_nanos()));
    let mut n = hasher.finish();
    (0..6)
        .map(|_| {
            let digit = (n % 36) as u32;
            n /= 36;
            char::from_digit(digit, 36).unwrap_or('0')
        })
        .collect()
}

/// A temporary file, removed when dropped unless persisted or kept.
#[derive(Debug)]
pub(crate) struct NamedTempFile {
    file: File,
    path: PathBuf,
    kept: bool,
}

/// Why [`NamedTempFile::persist`] failed (the temporary file is removed).
#[derive(Debug)]
pub(crate) struct PersistError {
    /// The error of the rename.
    pub(crate) error: io::Error,
}

impl NamedTempFile {
    /// A new temporary file in `dir` (`.tmp` and random characters, 0600 on unix).
    pub(crate) fn new_in(dir: &Path) -> io::Result<Self> {
        Builder::new().tempfile_in(dir)
    }

    /// The open file.
    pub(crate) fn as_file(&self) -> &File {
        &self.file
    }

    /// Where it is.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Leaves the file where it is; returns its path.
    pub(crate) fn keep(mut self) -> PathBuf {
        self.kept = true;
        self.path.clone()
    }

    /// Renames the file to `target` (atomically replacing it on the same file system).
    pub(crate) fn persist(mut self, target: impl AsRef<Path>) -> Result<(), PersistError> {
        fs::rename(&self.path, target).map_err(|error| PersistError { error })?;
        self.kept = true;
        Ok(())
    }
}

impl Write for NamedTempFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

impl Drop for NamedTempFile {
    fn drop(&mut self) {
        if !self.kept {
            let _ = fs::remove_file(&self.path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn persisted_files_replace_the_target_and_dropped_ones_vanish() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("plux.json");
        fs::write(&target, "old").unwrap();
        let mut tmp = Builder::new()
            .prefix(".plux-tmp-")
            .suffix(".tmp")
            .tempfile_in(dir.path())
            .unwrap();
        let name = tmp
            .path()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .into_owned();
        assert!(
            name.starts_with(".plux-tmp-") && name.ends_with(".tmp"),
            "{name}"
        );
        tmp.write_all(b"new").unwrap();
        tmp.persist(&target).unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");

        let dropped = NamedTempFile::new_in(dir.path()).unwrap();
        let kept = NamedTempFile::new_in(dir.path()).unwrap();
        assert_ne!(dropped.path(), kept.path());
        let kept = kept.keep();
        drop(dropped);
        let mut left: Vec<PathBuf> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        left.sort();
        let mut expected = vec![target, kept];
        expected.sort();
        assert_eq!(left, expected);
    }

    #[cfg(unix)]
    #[test]
    fn new_files_are_private_unless_permissions_are_given() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let mode = |t: &NamedTempFile| t.as_file().metadata().unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&NamedTempFile::new_in(dir.path()).unwrap()), 0o600);
        let shared = Builder::new()
            .permissions(fs::Permissions::from_mode(0o640))
            .tempfile_in(dir.path())
            .unwrap();
        assert_eq!(mode(&shared), 0o640);
    }
}
