//! Diagnostics: problems found in sources, manifests or indexes, reported like rustc does.

use std::fmt;

use crate::model::Location;

/// How bad a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Something is wrong; nothing is written and the command exits with 1.
    Error,
    /// Worth a look; does not change the outcome.
    Warning,
}

/// One problem, with where it is and what to do about it.
///
/// Its `Display` is rustc's human format:
///
/// ```text
/// error: duplicate plugin `s3` in namespace `localstack.plugins.services`
///  --> services/src/lib.rs:12:1
///   = note: also declared at services/src/legacy.rs:3:1
///   = help: rename one of them
/// ```
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// Where it is, if it has a place in a file.
    pub location: Option<Location>,
    /// What went wrong: a lowercase phrase, identifiers in backticks, no trailing period.
    pub message: String,
    /// Extra facts (`= note: ...`), such as the other place of a duplicate.
    pub notes: Vec<String>,
    /// What to do (`= help: ...`).
    pub help: Option<String>,
}

impl Diagnostic {
    /// An error at a location.
    pub fn error(location: Option<Location>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Error,
            location,
            message: message.into(),
            notes: Vec::new(),
            help: None,
        }
    }

    /// A warning at a location.
    pub fn warning(location: Option<Location>, message: impl Into<String>) -> Self {
        Self {
            severity: Severity::Warning,
            ..Self::error(location, message)
        }
    }

    /// Adds a note.
    #[must_use]
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets the help line.
    #[must_use]
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Whether this is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    /// The diagnostic as one JSON object (for `--message-format json`).
    pub fn to_json(&self) -> serde_json::Value {
        let (file, line, column) = match &self.location {
            Some(l) => (
                Some(l.file.display().to_string()),
                Some(l.line),
                Some(l.column),
            ),
            None => (None, None, None),
        };
        serde_json::json!({
            "reason": "plux-diagnostic",
            "severity": self.severity,
            "message": self.message,
            "file": file,
            "line": line,
            "column": column,
            "notes": self.notes,
            "help": self.help,
        })
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let level = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{level}: {}", self.message)?;
        if let Some(location) = &self.location {
            write!(f, "\n --> {location}")?;
        }
        for note in &self.notes {
            write!(f, "\n  = note: {note}")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}
