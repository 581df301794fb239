//! One `plux.json` entry (`name=value [extras]`) and the checks on names, namespaces, values
//! and `cfg` predicates.

use std::fmt;

use crate::model::{Declaration, Kind};

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
        validate_value(value)?;
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

/// Checks a plugin name: non-empty, no `=`, no leading/trailing whitespace, no control
/// characters, not starting with `[`.
pub fn validate_name(name: &str) -> Result<(), String> {
    let shown = name.escape_debug();
    if name.is_empty() {
        Err("plugin name is empty".to_owned())
    } else if name.contains('=') {
        Err(format!("plugin name `{shown}` contains `=`"))
    } else if name.trim() != name {
        Err(format!(
            "plugin name `{shown}` has leading or trailing whitespace"
        ))
    } else if name.chars().any(char::is_control) {
        Err(format!(
            "plugin name `{shown}` contains a control character"
        ))
    } else if name.starts_with('[') {
        Err(format!("plugin name `{shown}` starts with `[`"))
    } else {
        Ok(())
    }
}

/// Checks a namespace: non-empty; ASCII letters, digits, `_`, `-` and `.` only.
pub fn validate_namespace(namespace: &str) -> Result<(), String> {
    if namespace.is_empty() {
        Err("namespace is empty".to_owned())
    } else if let Some(c) = namespace
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        Err(format!(
            "namespace `{}` contains `{}`; use letters, digits, `_`, `-` and `.`",
            namespace.escape_debug(),
            c.escape_debug()
        ))
    } else {
        Ok(())
    }
}

/// Checks a value: a Rust path `ident(::ident)*` (raw identifiers allowed, keywords not).
pub fn validate_value(value: &str) -> Result<(), String> {
    let bad = || {
        format!(
            "value `{}` is not a Rust path like `crate_name::module::Item`",
            value.escape_debug()
        )
    };
    if value.is_empty() {
        return Err(bad());
    }
    for segment in value.split("::") {
        let plain = segment.strip_prefix("r#").unwrap_or(segment);
        let well_formed = !plain.is_empty()
            && plain.chars().all(|c| c == '_' || c.is_alphanumeric())
            && syn::parse_str::<syn::Ident>(segment).is_ok();
        if !well_formed {
            return Err(bad());
        }
    }
    Ok(())
}

/// Checks a `cfg` predicate: `ident`, `ident = "literal"`, or `all(..)`/`any(..)`/`not(..)` of
/// predicates.
pub fn validate_cfg(predicate: &str) -> Result<(), String> {
    fn check(meta: &syn::Meta) -> bool {
        match meta {
            syn::Meta::Path(path) => path.get_ident().is_some(),
            syn::Meta::NameValue(nv) => {
                nv.path.get_ident().is_some()
                    && matches!(
                        &nv.value,
                        syn::Expr::Lit(syn::ExprLit {
                            lit: syn::Lit::Str(_),
                            attrs,
                        }) if attrs.is_empty()
                    )
            }
            syn::Meta::List(list) => {
                let Some(op) = list.path.get_ident() else {
                    return false;
                };
                let Ok(args) = list.parse_args_with(
                    syn::punctuated::Punctuated::<syn::Meta, syn::Token![,]>::parse_terminated,
                ) else {
                    return false;
                };
                let arity_ok = if op == "not" {
                    args.len() == 1
                } else {
                    op == "all" || op == "any"
                };
                arity_ok && args.iter().all(check)
            }
        }
    }
    match syn::parse_str::<syn::Meta>(predicate) {
        Ok(meta) if check(&meta) => Ok(()),
        _ => Err(format!(
            "`cfg({})` is not a cfg predicate",
            predicate.escape_debug()
        )),
    }
}
