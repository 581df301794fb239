//! Helpers shared by the end-to-end tests: copying fixtures to temporary directories and running
//! the real `cargo-plux` binary (built once per test run) on them.
//!
//! ```no_run
//! let project = plux_e2e::Project::fixture("cli-types");
//! let output = project.plux(["entrypoints", "--check"]).output().unwrap();
//! assert!(output.status.success());
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use tempfile::TempDir;
use walkdir::WalkDir;

/// A command's stdout as text (invalid UTF-8 replaced).
pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A command's stderr as text (invalid UTF-8 replaced).
pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Asserts a command's exit code, showing its stdout and stderr when it differs.
#[track_caller]
pub fn assert_code(output: &Output, code: i32) {
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(output),
        stderr(output)
    );
}

/// The root of this repository.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ has a parent")
        .to_path_buf()
}

/// `fixtures/<name>` in the repository.
pub fn fixture_dir(name: &str) -> PathBuf {
    repo_root().join("fixtures").join(name)
}

/// The `cargo` running this test (cargo sets `CARGO` for the processes it runs).
pub fn cargo() -> PathBuf {
    std::env::var_os("CARGO").map_or_else(|| PathBuf::from("cargo"), PathBuf::from)
}

/// The `cargo-plux` binary of this build, built on first use (`cargo build -p cargo-plux` into
/// the same target directory and profile as the running test binary).
pub fn cargo_plux_bin() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        // <target>/<profile>/deps/<test binary>
        let exe = std::env::current_exe().unwrap();
        let profile_dir = exe.parent().unwrap().parent().unwrap().to_path_buf();
        let target_dir = test_target_dir();
        let mut build = Command::new(cargo());
        build
            .args([
                "build",
                "--quiet",
                "-p",
                "cargo-plux",
                "--bin",
                "cargo-plux",
            ])
            .arg("--target-dir")
            .arg(&target_dir)
            .current_dir(repo_root())
            .stdin(std::process::Stdio::null());
        if profile_dir.file_name().is_some_and(|n| n == "release") {
            build.arg("--release");
        }
        let status = build.status().expect("cannot run cargo build");
        assert!(status.success(), "building cargo-plux failed");
        profile_dir.join(format!("cargo-plux{}", std::env::consts::EXE_SUFFIX))
    })
}

/// The target directory every fixture build shares (`target/e2e-fixtures`), so the plux crates
/// and their dependencies compile once per test run. Copies of one fixture must give their
/// members versions of their own (see [`Project::demo`]): cargo hashes workspace members by
/// their path inside the workspace, so two copies would otherwise share artifacts.
pub fn fixture_target_dir() -> PathBuf {
    test_target_dir().join("e2e-fixtures")
}

/// The target directory of the running test binary (`$CARGO_TARGET_DIR`, else the
/// repository's `target/`): `<target>/<profile>/deps/<test binary>`.
pub fn test_target_dir() -> PathBuf {
    let exe = std::env::current_exe().unwrap();
    exe.ancestors()
        .nth(3)
        .map_or_else(|| repo_root().join("target"), Path::to_path_buf)
}

/// Serializes builds and runs of fixture binaries that share a name in
/// [`fixture_target_dir`] (a binary must not be rebuilt by another test between its build and
/// its run).
pub fn fixture_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// A scratch copy of a fixture (or an empty directory), removed when dropped unless
/// `KEEP_TEMP_DIR` is set.
pub struct Project {
    dir: Option<TempDir>,
    root: PathBuf,
}

impl Project {
    /// An empty project directory.
    pub fn empty() -> Self {
        let dir = tempfile::Builder::new()
            .prefix("plux-e2e-")
            .tempdir()
            .unwrap();
        let root = dir.path().canonicalize().unwrap();
        let keep = std::env::var_os("KEEP_TEMP_DIR").is_some();
        if keep {
            eprintln!("keeping {}", root.display());
        }
        Self {
            dir: if keep {
                let _ = dir.keep();
                None
            } else {
                Some(dir)
            },
            root,
        }
    }

    /// A copy of `fixtures/<name>` (without `target/`), its path dependencies that point
    /// outside the fixture (`../../plux-runtime`) rewritten to absolute paths.
    pub fn fixture(name: &str) -> Self {
        let project = Self::empty();
        let source = fixture_dir(name);
        assert!(source.is_dir(), "no fixture `{name}`");
        for entry in WalkDir::new(&source)
            .into_iter()
            .filter_entry(|e| e.file_name() != "target")
        {
            let entry = entry.unwrap();
            let relative = entry.path().strip_prefix(&source).unwrap();
            let dest = project.root.join(relative);
            if entry.file_type().is_dir() {
                fs::create_dir_all(&dest).unwrap();
            } else if entry.file_type().is_file() {
                if entry.file_name() == "Cargo.toml" {
                    let text = fs::read_to_string(entry.path()).unwrap();
                    let text = absolutize_paths(&text, entry.path().parent().unwrap(), &source);
                    fs::write(&dest, text).unwrap();
                } else {
                    fs::copy(entry.path(), &dest).unwrap();
                }
            }
        }
        project
    }

    /// A copy of `fixtures/demo` whose members have version `0.1.<id>`: distinct per test (see
    /// [`fixture_target_dir`]).
    pub fn demo(id: u32) -> Self {
        let project = Self::fixture("demo");
        project.edit(
            "Cargo.toml",
            "[workspace.package]\nversion = \"0.1.0\"",
            &format!("[workspace.package]\nversion = \"0.1.{id}\""),
        );
        project
    }

    /// `cargo <args> --offline` in the project, building into [`fixture_target_dir`], without
    /// the caller's `RUSTFLAGS`.
    pub fn fixture_cargo<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = self.cargo(args);
        command
            .arg("--offline")
            .env("CARGO_TARGET_DIR", fixture_target_dir())
            .env("CARGO_TERM_COLOR", "never")
            .env_remove("RUSTFLAGS");
        command
    }

    /// The project directory (canonical).
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// A path inside the project.
    pub fn join(&self, relative: impl AsRef<Path>) -> PathBuf {
        self.root.join(relative)
    }

    /// Writes a file (creating directories).
    pub fn write(&self, relative: impl AsRef<Path>, contents: &str) {
        let path = self.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }

    /// Reads a file.
    pub fn read(&self, relative: impl AsRef<Path>) -> String {
        let path = self.join(relative);
        fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
    }

    /// Whether a file exists.
    pub fn exists(&self, relative: impl AsRef<Path>) -> bool {
        self.join(relative).exists()
    }

    /// Removes a file if it exists.
    pub fn remove(&self, relative: impl AsRef<Path>) {
        let _ = fs::remove_file(self.join(relative));
    }

    /// Replaces `from` with `to` in a file (which must contain `from`).
    pub fn edit(&self, relative: impl AsRef<Path>, from: &str, to: &str) {
        let relative = relative.as_ref();
        let text = self.read(relative);
        assert!(
            text.contains(from),
            "{} has no {from:?}",
            relative.display()
        );
        self.write(relative, &text.replacen(from, to, 1));
    }

    /// Sets a file's mtime far in the past and returns it, so a later rewrite is visible
    /// without depending on clock resolution.
    pub fn age(&self, relative: impl AsRef<Path>) -> SystemTime {
        let old = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        let file = fs::File::options()
            .write(true)
            .open(self.join(relative))
            .unwrap();
        file.set_modified(old).unwrap();
        old
    }

    /// A file's mtime.
    pub fn mtime(&self, relative: impl AsRef<Path>) -> SystemTime {
        fs::metadata(self.join(relative))
            .unwrap()
            .modified()
            .unwrap()
    }

    /// `cargo-plux plux <args>` in the project directory, colors off.
    pub fn plux<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new(cargo_plux_bin());
        command
            .arg("plux")
            .args(args)
            .current_dir(&self.root)
            .env("CARGO_TERM_COLOR", "never")
            .env_remove("RUST_LOG")
            .stdin(std::process::Stdio::null());
        command
    }

    /// `cargo <args>` in the project directory (for tests that build a fixture).
    pub fn cargo<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<std::ffi::OsStr>,
    {
        let mut command = Command::new(cargo());
        // Never the test's stdin: cargo's `rustc -` probe would read it (and cache a failure).
        command
            .args(args)
            .current_dir(&self.root)
            .stdin(std::process::Stdio::null());
        command
    }
}

impl Drop for Project {
    fn drop(&mut self) {
        drop(self.dir.take());
    }
}

/// Rewrites `path = "<relative>"` values of a manifest in `manifest_dir` that leave
/// `fixture_root` into absolute paths.
fn absolutize_paths(text: &str, manifest_dir: &Path, fixture_root: &Path) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    const KEY: &str = "path = \"";
    while let Some(start) = rest.find(KEY) {
        let value_start = start + KEY.len();
        out.push_str(&rest[..value_start]);
        let Some(len) = rest[value_start..].find('"') else {
            rest = &rest[value_start..];
            break;
        };
        let value = &rest[value_start..value_start + len];
        let resolved = normalize(&manifest_dir.join(value));
        if Path::new(value).is_relative() && !resolved.starts_with(fixture_root) {
            out.push_str(&resolved.display().to_string().replace('\\', "/"));
        } else {
            out.push_str(value);
        }
        rest = &rest[value_start + len..];
    }
    out.push_str(rest);
    out
}

/// Resolves `.` and `..` without touching the file system.
fn normalize(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::ParentDir => {
                out.pop();
            }
            std::path::Component::CurDir => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_paths_leaving_the_fixture_are_rewritten() {
        let text = "a = { path = \"../../plux-runtime\" }\nb = { path = \"../services\" }\n";
        let out = absolutize_paths(
            text,
            Path::new("/repo/fixtures/specs/host"),
            Path::new("/repo/fixtures/specs"),
        );
        assert_eq!(
            out,
            "a = { path = \"/repo/fixtures/plux-runtime\" }\nb = { path = \"../services\" }\n"
        );
    }
}
