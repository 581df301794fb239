//! One `plux.json` entry (`name=value [extras]`), checked with the rules of
//! [`crate::validate`].

use std::fmt;

use crate::model::{Declaration, Kind};
use crate::validate::{Root, validate_cfg, validate_name, validate_value};

/// One entry of a namespace: `name=value`, `name=value [type]`, `name=value [fn, cfg(..)]`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IndexEntry {
    /// The plugin name, unique within its namespace.
    pub name: String,
    /// The Rust path of the declared item.
    pub value: String,
    /// How it was declared (`[type]`, `[fn]` or nothing for a spec).
    pub kind: Kind,
    /// `cfg` predicates (token text, outermost first), rendered as `cfg(<predicate>)` extras.
    pub cfg: Vec<String>,
}

impl IndexEntry {
    /// An entry without `cfg` predicates.
    pub fn new(name: impl Into<String>, value: impl Into<String>, kind: Kind) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            kind,
            cfg: Vec::new(),
        }
    }

    /// The entry of a scanned declaration.
    pub fn from_declaration(declaration: &Declaration) -> Self {
        Self {
            name: declaration.name.clone(),
            value: declaration.value.clone(),
            kind: declaration.kind,
            cfg: declaration.cfg.clone(),
        }
    }

    /// Parses and validates one entry string.
    pub fn parse(text: &str) -> Result<Self, String> {
        let Some((name, rest)) = text.split_once('=') else {
            return Err("expected `name=value`".to_owned());
        };
        validate_name(name)?;
        let (value, extras) = match rest.split_once(' ') {
            None => (rest, None),
            Some((value, extras)) => (value, Some(extras)),
        };
        validate_value(value, Root::AnyCrate)?;
        let mut entry = Self::new(name, value, Kind::Spec);
        if let Some(extras) = extras {
            let inner = extras
                .strip_prefix('[')
                .and_then(|e| e.strip_suffix(']'))
                .ok_or_else(|| "expected extras as ` [extra, ...]` after the value".to_owned())?;
            let mut kind_seen = false;
            for extra in split_extras(inner)? {
                match extra {
                    "type" | "fn" if kind_seen => {
                        return Err("more than one of the extras `type` and `fn`".to_owned());
                    }
                    "type" | "fn" if !entry.cfg.is_empty() => {
                        return Err(
                            "the extra `type` or `fn` must come before `cfg(..)`".to_owned()
                        );
                    }
                    "type" => (entry.kind, kind_seen) = (Kind::Type, true),
                    "fn" => (entry.kind, kind_seen) = (Kind::Function, true),
                    _ => {
                        let predicate = extra
                            .strip_prefix("cfg(")
                            .and_then(|e| e.strip_suffix(')'))
                            .ok_or_else(|| {
                                format!(
                                    "unknown extra `{}`; expected `type`, `fn` or `cfg(..)`",
                                    extra.escape_debug()
                                )
                            })?;
                        validate_cfg(predicate)?;
                        entry.cfg.push(predicate.to_owned());
                    }
                }
            }
        }
        Ok(entry)
    }
}

impl fmt::Display for IndexEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}={}", self.name, self.value)?;
        let kind = match self.kind {
            Kind::Spec => None,
            Kind::Type => Some("type"),
            Kind::Function => Some("fn"),
        };
        let mut extras = kind.into_iter().map(str::to_owned).collect::<Vec<_>>();
        extras.extend(self.cfg.iter().map(|c| format!("cfg({c})")));
        if !extras.is_empty() {
            write!(f, " [{}]", extras.join(", "))?;
        }
        Ok(())
    }
}

/// Splits `a, b(c, d), e` at top-level `, ` (parentheses and string literals nest).
fn split_extras(inner: &str) -> Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let (mut depth, mut in_str, mut escaped, mut start) = (0usize, false, false, 0usize);
    let bytes = inner.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        let b = bytes[i];
        if in_str {
            match b {
                _ if escaped => escaped = false,
                b'\\' => escaped = true,
                b'"' => in_str = false,
                _ => {}
            }
        } else {
            match b {
                b'"' => in_str = true,
                b'(' => depth += 1,
                b')' => depth = depth.checked_sub(1).ok_or("unbalanced `)` in extras")?,
                b',' if depth == 0 => {
                    if bytes.get(i + 1) != Some(&b' ') {
                        return Err("extras must be separated by `, `".to_owned());
                    }
                    parts.push(&inner[start..i]);
                    start = i + 2;
                    i += 1;
                }
                _ => {}
            }
        }
        i += 1;
    }
    if in_str || depth != 0 {
        return Err("unbalanced extras".to_owned());
    }
    parts.push(&inner[start..]);
    if parts.iter().any(|p| p.is_empty()) {
        return Err("empty extra".to_owned());
    }
    Ok(parts)
}
