//! One `entrypoints` run at a time per workspace: an IDE, a pre-commit hook and a terminal may
//! start it together, and each writes the same files.

use std::fs::{self, File, TryLockError};
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// An exclusive lock on a workspace's generated files, released when dropped.
#[derive(Debug)]
pub(crate) struct WorkspaceLock {
    _file: File,
    /// Whether another run held it first (the caller then plans again: its sources may be
    /// newer than what it scanned).
    pub(crate) waited: bool,
}

/// Locks the workspace at `root` (a file under `target_dir/plux`), calling `waiting` with the
/// lock file before it blocks because another run holds it.
pub(crate) fn lock_workspace(
    root: &Path,
    target_dir: &Path,
    waiting: &dyn Fn(&Path),
) -> Result<WorkspaceLock> {
    let path = lock_path(root, target_dir);
    if let Some(dir) = path.parent() {
        fs::create_dir_all(dir).map_err(|e| Error::io("create directory", dir, e))?;
    }
    let file = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io("open the lock file", &path, e))?;
    let waited = match file.try_lock() {
        Ok(()) => false,
        Err(TryLockError::WouldBlock) => {
            waiting(&path);
            file.lock().map_err(|e| Error::io("lock", &path, e))?;
            true
        }
        Err(TryLockError::Error(e)) => return Err(Error::io("lock", &path, e)),
    };
    Ok(WorkspaceLock {
        _file: file,
        waited,
    })
}

/// `target_dir/plux/entrypoints-<hash of the workspace root>.lock`: one per workspace, also in a
/// target directory several workspaces share.
fn lock_path(root: &Path, target_dir: &Path) -> PathBuf {
    let hash = xxhash_rust::xxh3::xxh3_64(root.as_os_str().as_encoded_bytes());
    target_dir
        .join("plux")
        .join(format!("entrypoints-{hash:016x}.lock"))
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicBool, Ordering};

    use super::*;

    #[test]
    fn a_second_locker_waits_and_says_so() {
        let dir = tempfile::tempdir().unwrap();
        let first = lock_workspace(Path::new("/ws"), dir.path(), &|_| panic!("no wait")).unwrap();
        assert!(!first.waited);
        static TOLD: AtomicBool = AtomicBool::new(false);
        std::thread::scope(|scope| {
            let second =
                scope.spawn(|| {
                    lock_workspace(Path::new("/ws"), dir.path(), &|path| {
                        assert!(path.ends_with(
                            lock_path(Path::new("/ws"), dir.path()).file_name().unwrap()
                        ));
                        TOLD.store(true, Ordering::SeqCst);
                    })
                    .unwrap()
                });
            while !TOLD.load(Ordering::SeqCst) {
                std::thread::yield_now();
            }
            drop(first);
            assert!(second.join().unwrap().waited);
        });
        // Another workspace in the same target directory is not held up.
        let other = lock_workspace(Path::new("/other"), dir.path(), &|_| panic!("no wait"));
        assert!(!other.unwrap().waited);
    }
}
