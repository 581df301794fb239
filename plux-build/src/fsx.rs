//! Reading files that input can point anywhere: regular files of bounded size only.

use std::fs::{self, File};
use std::io::{self, ErrorKind, Read};
use std::path::Path;
use std::time::SystemTime;

/// The error of a path that is not a regular file.
pub(crate) fn not_regular() -> io::Error {
    io::Error::new(ErrorKind::InvalidInput, "not a regular file")
}

/// Reads the regular file at `path`, at most `cap` bytes.
///
/// A FIFO, device or directory is refused before it is opened (opening a FIFO blocks until a
/// writer comes) and again on the opened handle (in case the path changed in between); a file
/// larger than `cap` is refused ([`ErrorKind::FileTooLarge`]) without being read, also when it
/// grows while being read.
pub(crate) fn read_regular(path: &Path, cap: u64) -> io::Result<Vec<u8>> {
    read_regular_modified(path, cap).map(|(bytes, _)| bytes)
}

/// [`read_regular`], with the file's modification time (from the opened handle).
pub(crate) fn read_regular_modified(
    path: &Path,
    cap: u64,
) -> io::Result<(Vec<u8>, Option<SystemTime>)> {
    if !fs::metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let file = File::open(path)?;
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Err(not_regular());
    }
    let too_large = || {
        io::Error::new(
            ErrorKind::FileTooLarge,
            format!("larger than the {cap} bytes plux reads"),
        )
    };
    if meta.len() > cap {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0) + 1);
    file.take(cap + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > cap {
        return Err(too_large());
    }
    Ok((bytes, meta.modified().ok()))
}

/// Sets the modification time of the regular file at `path` to now (a symlink or anything
/// else is left alone; opening a FIFO would block).
pub(crate) fn touch(path: &Path) -> io::Result<()> {
    if !fs::symlink_metadata(path)?.is_file() {
        return Err(not_regular());
    }
    let file = File::options().write(true).open(path)?;
    if !file.metadata()?.is_file() {
        return Err(not_regular());
    }
    file.set_modified(SystemTime::now())
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn fifos_devices_directories_and_large_files_are_refused_without_blocking() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("fifo");
        let status = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(status.success());
        for path in [fifo.as_path(), Path::new("/dev/zero"), dir.path()] {
            let error = read_regular(path, 1 << 20).unwrap_err();
            assert_eq!(
                error.to_string(),
                "not a regular file",
                "{}",
                path.display()
            );
        }
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert_eq!(
            read_regular(&link, 1 << 20).unwrap_err().to_string(),
            "not a regular file"
        );
        let big = dir.path().join("big");
        fs::write(&big, [b'x'; 100]).unwrap();
        assert_eq!(
            read_regular(&big, 99).unwrap_err().kind(),
            ErrorKind::FileTooLarge
        );
        assert_eq!(read_regular(&big, 100).unwrap().len(), 100);
    }
}
