//! One `plux.json` entry (`name=value [extras]`), checked with the rules of
//! [`crate::validate`].

use std::fmt;

use crate::model::{Declaration, Kind};
use crate::validate::{
    Root, macro_gate, validate_cfg, validate_cfg_module, validate_gate, validate_name,
    validate_value,
};

/// One entry of a namespace: `name=value`, `name=value [type]`, `name=value [fn, cfg(..)]`,
/// `name=value [cfg(..) on module::path]` for a plugin whose enclosing module is gated, and
/// `macro(path)` in place of `cfg(..)` for a `cfg` added by a macro call the scanner cannot
/// see into (`name=value [type, macro(cfg_rt) on tokio::runtime]`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IndexEntry {
    /// The plugin name, unique within its namespace.
    pub name: String,
    /// The Rust path of the declared item.
    pub value: String,
    /// How it was declared (`[type]`, `[fn]` or nothing for a spec).
    pub kind: Kind,
    /// Gates, outermost first: `cfg` predicates (token text, rendered as `cfg(<predicate>)`
    /// extras), or `macro(<path>)` (rendered as is); see
    /// [`validate_gate`](crate::validate::validate_gate).
    pub cfg: Vec<String>,
    /// The module of `value`'s path the predicates are on, when not on the item itself; each
    /// `cfg` extra then ends with ` on <module>` (see [`Declaration::cfg_module`]).
    pub cfg_module: Option<String>,
}

impl IndexEntry {
    /// An entry without `cfg` predicates.
    pub fn new(name: impl Into<String>, value: impl Into<String>, kind: Kind) -> Self {
        Self {
            name: name.into(),
            value: value.into(),
            kind,
            cfg: Vec::new(),
            cfg_module: None,
        }
    }

    /// The entry of a scanned declaration.
    pub fn from_declaration(declaration: &Declaration) -> Self {
        Self {
            name: declaration.name.clone(),
            value: declaration.value.clone(),
            kind: declaration.kind,
            cfg: declaration.cfg.clone(),
            cfg_module: declaration.cfg_module.clone(),
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
                        let (gate, module) = gate_extra(extra)?;
                        if let Some(module) = module {
                            validate_cfg_module(module, value)?;
                        }
                        let module = module.map(str::to_owned);
                        if !entry.cfg.is_empty() && entry.cfg_module != module {
                            return Err(
                                "the `cfg(..)` extras are on different levels of the path; plux supports `cfg` on one level (the item or one module)"
                                    .to_owned(),
                            );
                        }
                        entry.cfg_module = module;
                        entry.cfg.push(gate);
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
        extras.extend(self.cfg.iter().map(|gate| {
            let gate = match macro_gate(gate) {
                Some(_) => gate.clone(),
                None => format!("cfg({gate})"),
            };
            match &self.cfg_module {
                Some(module) => format!("{gate} on {module}"),
                None => gate,
            }
        }));
        if !extras.is_empty() {
            write!(f, " [{}]", extras.join(", "))?;
        }
        Ok(())
    }
}

/// `cfg(<predicate>)` or `macro(<path>)`, each optionally followed by ` on <module>`: the gate
/// as [`IndexEntry::cfg`] holds it (the predicate, or `macro(<path>)`), checked, and the
/// module. A predicate must be one (`cfg(macro(x))` is not the gate `macro(x)`).
fn gate_extra(extra: &str) -> Result<(String, Option<&str>), String> {
    let unknown = || {
        format!(
            "unknown extra `{}`; expected `type`, `fn`, `cfg(..)` or `macro(..)`, optionally followed by ` on <module>`",
            extra.escape_debug()
        )
    };
    if let Some(inner) = extra.strip_prefix("macro(") {
        // A macro path has no parentheses (`validate_gate` checks it).
        let close = inner.find(')').ok_or_else(unknown)?;
        let module = match &inner[close + 1..] {
            "" => None,
            rest => Some(rest.strip_prefix(" on ").ok_or_else(unknown)?),
        };
        let gate = format!("macro({})", &inner[..close]);
        validate_gate(&gate)?;
        return Ok((gate, module));
    }
    let (predicate, module) = cfg_extra(extra, unknown)?;
    validate_cfg(predicate)?;
    Ok((predicate.to_owned(), module))
}

/// `cfg(<predicate>)` or `cfg(<predicate>) on <module>`: the predicate and the module.
fn cfg_extra(extra: &str, unknown: impl Fn() -> String) -> Result<(&str, Option<&str>), String> {
    let inner = extra.strip_prefix("cfg(").ok_or_else(&unknown)?;
    // The `)` closing `cfg(`: the predicate's parentheses and string literals nest.
    let mut depth = 0usize;
    let close = Unquoted::new(inner)
        .find(|&(_, b)| match b {
            b'(' => {
                depth += 1;
                false
            }
            b')' if depth == 0 => true,
            b')' => {
                depth -= 1;
                false
            }
            _ => false,
        })
        .map(|(i, _)| i)
        .ok_or_else(&unknown)?;
    let (predicate, rest) = (&inner[..close], &inner[close + 1..]);
    match rest {
        "" => Ok((predicate, None)),
        _ => match rest.strip_prefix(" on ") {
            Some(module) => Ok((predicate, Some(module))),
            None => Err(unknown()),
        },
    }
}

/// Splits `a, b(c, d), e` at top-level `, ` (parentheses and string literals nest).
fn split_extras(inner: &str) -> Result<Vec<&str>, String> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    let mut bytes = Unquoted::new(inner);
    for (i, b) in bytes.by_ref() {
        match b {
            b'(' => depth += 1,
            b')' => depth = depth.checked_sub(1).ok_or("unbalanced `)` in extras")?,
            b',' if depth == 0 => {
                if inner.as_bytes().get(i + 1) != Some(&b' ') {
                    return Err("extras must be separated by `, `".to_owned());
                }
                parts.push(&inner[start..i]);
                start = i + 2;
            }
            _ => {}
        }
    }
    if bytes.in_string || depth != 0 {
        return Err("unbalanced extras".to_owned());
    }
    parts.push(&inner[start..]);
    if parts.iter().any(|p| p.is_empty()) {
        return Err("empty extra".to_owned());
    }
    Ok(parts)
}

/// The bytes of a text outside its string literals (`"..."`, with `\` escapes), with their
/// indices.
struct Unquoted<'a> {
    bytes: std::iter::Enumerate<std::str::Bytes<'a>>,
    /// The text so far ends inside a string literal.
    in_string: bool,
    escaped: bool,
}

impl<'a> Unquoted<'a> {
    fn new(text: &'a str) -> Self {
        Self {
            bytes: text.bytes().enumerate(),
            in_string: false,
            escaped: false,
        }
    }
}

impl Iterator for Unquoted<'_> {
    type Item = (usize, u8);

    fn next(&mut self) -> Option<(usize, u8)> {
        for (i, b) in self.bytes.by_ref() {
            if !self.in_string {
                if b == b'"' {
                    self.in_string = true;
                    continue;
                }
                return Some((i, b));
            }
            match b {
                _ if self.escaped => self.escaped = false,
                b'\\' => self.escaped = true,
                b'"' => self.in_string = false,
                _ => {}
            }
        }
        None
    }
}
