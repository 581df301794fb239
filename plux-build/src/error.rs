//! The error type of plux-build.

use std::path::PathBuf;

use crate::diagnostic::Diagnostic;

/// What can go wrong in plux-build. Messages are lowercase phrases naming the file and,
/// after `;`, what to do.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading or writing a file failed.
    #[error("cannot {action} `{path}`: {source}")]
    Io {
        /// What plux tried: "read", "write", "create directory", ...
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// Source or index problems were found; each is a located diagnostic. Like rustc, the
    /// message only counts them: the diagnostics themselves say what and where.
    #[error("{}", aborting(.0))]
    Diagnostics(Vec<Diagnostic>),
    /// The configuration (`[package.metadata.plux]`, command-line options) is invalid.
    #[error("invalid configuration: {0}")]
    Config(String),
}

impl Error {
    /// An I/O error on a path.
    pub fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }
}

/// rustc's closing line: `aborting due to 1 previous error` / `... 3 previous errors`.
fn aborting(diagnostics: &[Diagnostic]) -> String {
    match diagnostics.iter().filter(|d| d.is_error()).count() {
        1 => "aborting due to 1 previous error".to_owned(),
        n => format!("aborting due to {n} previous errors"),
    }
}

/// `Result` with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
