//! Why a pack could not be listed or loaded.

use std::fmt;
use std::path::{Path, PathBuf};

/// Why a pack (or a directory that should hold packs) could not be listed or loaded.
///
/// Each error names the pack and its directory, says what is wrong and what to do. A
/// [`PackFinder`](super::PackFinder) keeps the errors it met while listing
/// ([`errors`](super::PackFinder::errors)); errors met while loading a library make every
/// plugin of the pack a resolve error ([`PluginError::Resolve`](crate::PluginError)) with this
/// text as its reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PackError {
    pack: Option<String>,
    dir: PathBuf,
    kind: PackErrorKind,
    message: String,
}

/// What kind of problem a [`PackError`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PackErrorKind {
    /// A directory of the pack path cannot be read.
    Dir,
    /// A directory in a pack directory has no `plux-pack.json`: it is not a pack.
    NotAPack,
    /// The manifest is missing, unreadable or malformed.
    Manifest,
    /// The pack's `plux.json` is missing, unreadable or malformed.
    Index,
    /// Another pack of the same name comes first on the pack path.
    Shadowed,
    /// The pack was built differently from the host (toolchain, target, profile, plux-runtime);
    /// it is refused before its library is loaded.
    Fingerprint,
    /// The library cannot be loaded (missing, truncated, corrupt, or for another platform).
    Library,
    /// The library is not a plux pack of a layout this host reads (no pack symbol, wrong header).
    NotAPackLibrary,
    /// The library's embedded fingerprint is not the one its manifest records.
    ManifestMismatch,
    /// The library's plux-runtime types are not the host's although the fingerprints agree
    /// (plux-runtime from another source, or other profile settings).
    Identity,
    /// The library cannot use the host's allocator.
    Allocator,
    /// The library exports other plugins than its `plux.json` lists.
    IndexMismatch,
}

impl PackError {
    pub(crate) fn new(
        pack: Option<&str>,
        dir: &Path,
        kind: PackErrorKind,
        message: impl Into<String>,
    ) -> Self {
        Self {
            pack: pack.map(str::to_owned),
            dir: dir.to_path_buf(),
            kind,
            message: message.into(),
        }
    }

    /// The pack's name, when its manifest could be read.
    pub fn pack(&self) -> Option<&str> {
        self.pack.as_deref()
    }

    /// The pack's directory (or the directory of the pack path that failed).
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// What kind of problem this is.
    pub fn kind(&self) -> PackErrorKind {
        self.kind
    }

    /// What is wrong and what to do, without the pack's name and directory.
    pub fn message(&self) -> &str {
        &self.message
    }
}

impl fmt::Display for PackError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.pack {
            Some(pack) => write!(
                f,
                "pack `{}` (`{}`): {}",
                pack.escape_debug(),
                self.dir.display(),
                self.message
            ),
            None => write!(f, "`{}`: {}", self.dir.display(), self.message),
        }
    }
}

impl std::error::Error for PackError {}
