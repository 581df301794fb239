//! The rules for what a `plux.json` entry holds (`ARCHITECTURE.md`, "Entry string format"),
//! in one place: the scanner checks declarations with them, [`Index::parse`] checks every
//! index it reads, and the registry generator checks every entry before it writes code.
//!
//! Each check returns `Err` with what is wrong as a lowercase phrase, hostile text escaped
//! (`\n`, `\u{1b}`), ready to follow `error: ` or `invalid entry ...: `.
//!
//! The `#[plugin]` attribute (crate `plux-macros`, which cannot depend on this crate) applies
//! the same name and namespace rules to literals; its tests list the same cases as
//! [`NAME_CASES`] and [`NAMESPACE_CASES`]. A namespace or name given as a `const` is checked
//! when the crate compiles by the `const fn`s `check_name` and `check_namespace` of
//! `plux_runtime::__private` (the same name rules; of the namespace rules the ASCII ones and
//! the bidirectional controls): keep them in step with these (a test here runs them on the
//! same cases).
//!
//! [`Index::parse`]: crate::index::Index::parse

/// The help line for a bad plugin name.
pub(crate) const NAME_HELP: &str = "names are non-empty, without `=`, control characters, bidirectional controls, surrounding whitespace or a leading `[`";

/// The help line for a bad namespace.
pub(crate) const NAMESPACE_HELP: &str = "namespaces use only letters, digits, `_`, `-` and `.`";

/// Names the rules accept (`true`) or refuse (`false`); `plux-macros` tests the same list.
#[doc(hidden)]
pub const NAME_CASES: &[(&str, bool)] = &[
    ("s3", true),
    ("my plugin (v2)", true),
    ("ünï", true),
    ("a[b]", true),
    ("a]", true),
    ("x.y-z", true),
    ("", false),
    ("a=b", false),
    (" a", false),
    ("a ", false),
    ("a\u{3000}", false),
    ("a\tb", false),
    ("a\nb", false),
    ("a\n", false),
    ("a\u{7}", false),
    ("a\u{7f}", false),
    ("a\u{85}b", false),
    ("[a", false),
    // Invisible bidirectional controls (Trojan Source): embeddings and overrides, isolates,
    // marks; and their neighbours, which are fine.
    ("a\u{202a}b", false),
    ("ab\u{202e}cd", false),
    ("\u{2066}ab\u{2069}", false),
    ("a\u{2068}", false),
    ("\u{200e}a", false),
    ("a\u{200f}b", false),
    ("a\u{61c}b", false),
    ("a\u{200d}b", true),
    ("a\u{2010}b", true),
    ("a\u{202f}b", true),
    ("a\u{2070}b", true),
    ("a\u{61b}b", true),
];

/// Namespaces the rules accept (`true`) or refuse (`false`); `plux-macros` tests the same list.
#[doc(hidden)]
pub const NAMESPACE_CASES: &[(&str, bool)] = &[
    ("a", true),
    ("localstack.plugins.services", true),
    ("localstack.plugins-x_1", true),
    ("A_b-9", true),
    ("dienste.über", true),
    ("", false),
    ("a b", false),
    ("a/b", false),
    ("a:b", false),
    ("a=b", false),
    ("a\"b", false),
    ("a\n", false),
    ("a\u{200b}b", false),
    ("a\u{202e}b", false),
    ("\u{2066}a", false),
    ("a\u{200f}", false),
];

/// Whether `c` is an invisible bidirectional control, which can make text display in another
/// order than it is read (Trojan Source, CVE-2021-42574): the embeddings and overrides
/// U+202A–U+202E, the isolates U+2066–U+2069, and the marks U+200E, U+200F and U+061C.
///
/// ```
/// use plux_build::validate::is_bidi_control;
///
/// assert!(is_bidi_control('\u{202e}'));
/// assert!(!is_bidi_control('a'));
/// ```
pub fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}'
    )
}

/// Checks a plugin name: non-empty, no `=`, no leading or trailing whitespace, no control
/// characters, no bidirectional controls ([`is_bidi_control`]: a name reaches `plux.json`,
/// generated code and JSON output as it is), not starting with `[` (the name is the part
/// before `=` of an entry, and ` [` starts its extras).
///
/// ```
/// use plux_build::validate::validate_name;
///
/// assert!(validate_name("my plugin (v2)").is_ok());
/// assert_eq!(validate_name("a=b").unwrap_err(), "plugin name `a=b` contains `=`");
/// assert_eq!(
///     validate_name("x\u{1b}").unwrap_err(),
///     "plugin name `x\\u{1b}` contains a control character"
/// );
/// assert_eq!(
///     validate_name("ab\u{202e}cd").unwrap_err(),
///     "plugin name `ab\\u{202e}cd` contains the invisible bidirectional control U+202E"
/// );
/// ```
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
    } else if let Some(c) = name.chars().find(|c| is_bidi_control(*c)) {
        Err(format!(
            "plugin name `{shown}` contains the invisible bidirectional control U+{:04X}",
            u32::from(c)
        ))
    } else if name.starts_with('[') {
        Err(format!("plugin name `{shown}` starts with `[`"))
    } else {
        Ok(())
    }
}

/// Checks a namespace: non-empty; letters, digits (Unicode ones too, like the `#[plugin]`
/// attribute and Python's `[\w.-]+` group names), `_`, `-` and `.` only (so no control or
/// bidirectional control either).
///
/// ```
/// use plux_build::validate::validate_namespace;
///
/// assert!(validate_namespace("localstack.plugins-v2_x").is_ok());
/// assert_eq!(validate_namespace("a b").unwrap_err(), "namespace `a b` contains ` `");
/// assert_eq!(validate_namespace("").unwrap_err(), "namespace is empty");
/// ```
pub fn validate_namespace(namespace: &str) -> Result<(), String> {
    if namespace.is_empty() {
        return Err("namespace is empty".to_owned());
    }
    match namespace
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        Some(bad) => Err(format!(
            "namespace `{}` contains `{}`",
            namespace.escape_debug(),
            bad.escape_debug()
        )),
        None => Ok(()),
    }
}

/// How deep modules may nest in a crate plux scans (64): the scanner reports a deeper `mod`
/// item instead of reading it, so a scanned plugin's path has at most this many modules
/// between the crate and the item (the scanner's memory per module path, and the fallback
/// modules generated code nests below a gated level, stay small; real code stays far below).
pub const MAX_MODULE_DEPTH: usize = 64;

/// Which first segment [`validate_value`] requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Root<'a> {
    /// Any crate name (what a `plux.json` read on its own can be checked against).
    AnyCrate,
    /// The crate of this name: a package declares only its own items. A raw spelling
    /// (`r#name`) of the same name is accepted.
    Crate(&'a str),
    /// `crate::`: the plugins of the binary the registry is compiled into.
    SelfCrate,
}

/// Checks a value: a Rust path `crate_name::module::Item` (at least two segments, raw
/// identifiers such as `r#type` allowed, other keywords not, nothing but identifiers and
/// `::`) whose first segment is what `root` requires. Only text that passes can be written
/// into generated code.
///
/// ```
/// use plux_build::validate::{Root, validate_value};
///
/// assert!(validate_value("ls_services::r#type::S3", Root::Crate("ls_services")).is_ok());
/// assert!(validate_value("crate::cli::MyCli", Root::SelfCrate).is_ok());
/// assert_eq!(
///     validate_value("std::process::exit", Root::Crate("ls_services")).unwrap_err(),
///     "value `std::process::exit` is outside crate `ls_services`; a package may only declare its own items"
/// );
/// assert!(validate_value("ls::X; fn evil() {}", Root::AnyCrate).is_err());
/// ```
pub fn validate_value(value: &str, root: Root<'_>) -> Result<(), String> {
    let shown = value.escape_debug();
    let not_a_path =
        || format!("value `{shown}` is not a Rust path like `crate_name::module::Item`");
    let segments: Vec<&str> = value.split("::").collect();
    let [first, rest @ ..] = segments.as_slice() else {
        return Err(not_a_path());
    };
    if rest.is_empty() || !rest.iter().all(|s| is_identifier(s)) {
        return Err(not_a_path());
    }
    match root {
        Root::SelfCrate if *first == "crate" => Ok(()),
        _ if *first == "crate" => Err(format!(
            "value `{shown}` starts with `crate`; write the crate's name (only the host binary's own plugins are `crate::` paths)"
        )),
        _ if !is_identifier(first) => Err(not_a_path()),
        Root::Crate(name) if first.trim_start_matches("r#") != name => Err(format!(
            "value `{shown}` is outside crate `{}`; a package may only declare its own items",
            name.escape_debug()
        )),
        Root::SelfCrate => Err(format!(
            "value `{shown}` does not start with `crate::`; a binary's own plugins are `crate::` paths"
        )),
        _ => Ok(()),
    }
}

/// Checks the module a plugin's `cfg` predicates are on: a module of the plugin's own path, that
/// is a proper prefix of `value` at a `::`, below the crate (see
/// [`Declaration::cfg_module`](crate::Declaration::cfg_module)). `value` is checked
/// separately with [`validate_value`].
///
/// ```
/// use plux_build::validate::validate_cfg_module;
///
/// assert!(validate_cfg_module("hooks::debug", "hooks::debug::dump").is_ok());
/// assert!(validate_cfg_module("hooks::deb", "hooks::debug::dump").is_err());
/// assert!(validate_cfg_module("hooks", "hooks::debug::dump").is_err());
/// assert!(validate_cfg_module("hooks::debug::dump", "hooks::debug::dump").is_err());
/// ```
pub fn validate_cfg_module(module: &str, value: &str) -> Result<(), String> {
    let below = value
        .strip_prefix(module)
        .is_some_and(|rest| rest.starts_with("::"));
    if below && module.contains("::") {
        Ok(())
    } else {
        Err(format!(
            "`cfg(..) on {}`: `{}` is not a module on the path `{}`",
            module.escape_debug(),
            module.escape_debug(),
            value.escape_debug()
        ))
    }
}

/// Checks a crate name as it appears in paths (`-` already replaced by `_`): one identifier,
/// not a keyword.
///
/// ```
/// use plux_build::validate::validate_crate_name;
///
/// assert!(validate_crate_name("ls_services").is_ok());
/// assert!(validate_crate_name("ls-services").is_err());
/// assert!(validate_crate_name("type").is_err());
/// ```
pub fn validate_crate_name(name: &str) -> Result<(), String> {
    if !name.starts_with("r#") && is_identifier(name) {
        Ok(())
    } else {
        Err(format!("`{}` is not a crate name", name.escape_debug()))
    }
}

/// Checks one segment of a value's path, as [`validate_value`] does: an identifier (a raw one
/// such as `r#type` allowed, a keyword not).
///
/// ```
/// use plux_build::validate::validate_identifier;
///
/// assert!(validate_identifier("my_protos").is_ok());
/// assert!(validate_identifier("r#type").is_ok());
/// assert_eq!(
///     validate_identifier("a::b").unwrap_err(),
///     "`a::b` is not a Rust identifier"
/// );
/// assert!(validate_identifier("type").is_err());
/// assert!(validate_identifier("my-protos").is_err());
/// ```
pub fn validate_identifier(segment: &str) -> Result<(), String> {
    if is_identifier(segment) {
        Ok(())
    } else {
        Err(format!(
            "`{}` is not a Rust identifier",
            segment.escape_debug()
        ))
    }
}

/// One path segment: an identifier (raw allowed), not a keyword, no whitespace or comments.
fn is_identifier(segment: &str) -> bool {
    let plain = segment.strip_prefix("r#").unwrap_or(segment);
    !plain.is_empty()
        && plain.chars().all(|c| c == '_' || c.is_alphanumeric())
        && syn::parse_str::<syn::Ident>(segment).is_ok()
}

/// The deepest nesting of `all(..)`, `any(..)` and `not(..)` a `cfg` predicate may have.
///
/// Real predicates nest two or three levels; the bound keeps hostile input (a dependency's
/// `plux.json`) from making generated code that rustc itself cannot parse.
pub const MAX_CFG_DEPTH: usize = 64;

/// Checks a `cfg` predicate (the text between `cfg(` and `)`): `ident`, `ident = "literal"`,
/// `true`, `false`, or `all(..)`/`any(..)`/`not(..)` of predicates, nested at most
/// [`MAX_CFG_DEPTH`] levels.
///
/// ```
/// use plux_build::validate::validate_cfg;
///
/// assert!(validate_cfg(r#"all(unix, feature = "x", not(test))"#).is_ok());
/// assert_eq!(
///     validate_cfg("feature = 1").unwrap_err(),
///     "`cfg(feature = 1)` is not a cfg predicate"
/// );
/// ```
pub fn validate_cfg(predicate: &str) -> Result<(), String> {
    canonical_cfg(predicate).map(drop)
}

/// [`validate_cfg`], returning the predicate as generated code writes it: tokens separated
/// the way people write them (`all(unix, feature = "x")`), string literals re-escaped,
/// comments dropped.
///
/// Works without recursion, however deep the input nests.
///
/// ```
/// use plux_build::validate::canonical_cfg;
///
/// assert_eq!(
///     canonical_cfg("all ( unix,feature=r\"x\" , not(test) , )").unwrap(),
///     "all(unix, feature = \"x\", not(test))"
/// );
/// ```
pub fn canonical_cfg(predicate: &str) -> Result<String, String> {
    use proc_macro2::{Delimiter, Literal, TokenStream, TokenTree};

    let invalid = || format!("`cfg({})` is not a cfg predicate", predicate.escape_debug());
    /// One list of predicates being read: the top level (exactly one), or the arguments of
    /// `all`, `any` or `not` (exactly one).
    struct Frame {
        tokens: std::iter::Peekable<proc_macro2::token_stream::IntoIter>,
        top: bool,
        not: bool,
        count: usize,
        after_predicate: bool,
    }
    let stream: TokenStream = predicate.parse().map_err(|_| invalid())?;
    let mut out = String::new();
    let mut stack = vec![Frame {
        tokens: stream.into_iter().peekable(),
        top: true,
        not: false,
        count: 0,
        after_predicate: false,
    }];
    while let Some(depth) = stack.len().checked_sub(1) {
        let Some(frame) = stack.last_mut() else { break };
        let next = frame.tokens.next();
        if frame.after_predicate {
            match next {
                None => {}
                Some(TokenTree::Punct(p)) if p.as_char() == ',' && !frame.top => {
                    frame.after_predicate = false;
                    continue;
                }
                Some(_) => return Err(invalid()),
            }
        }
        let Some(token) = next else {
            // The end of a list.
            let ok = if frame.top || frame.not {
                frame.count == 1
            } else {
                true
            };
            if !ok {
                return Err(invalid());
            }
            if !frame.top {
                out.push(')');
            }
            stack.pop();
            continue;
        };
        let TokenTree::Ident(ident) = token else {
            return Err(invalid());
        };
        if frame.count > 0 && !frame.top {
            out.push_str(", ");
        }
        frame.count += 1;
        frame.after_predicate = true;
        let word = ident.to_string();
        if word == "true" || word == "false" {
            out.push_str(&word);
            continue;
        }
        match frame.tokens.peek() {
            Some(TokenTree::Punct(p)) if p.as_char() == '=' => {
                frame.tokens.next();
                let Some(TokenTree::Literal(literal)) = frame.tokens.next() else {
                    return Err(invalid());
                };
                let Ok(text) = syn::parse_str::<syn::LitStr>(&literal.to_string()) else {
                    return Err(invalid());
                };
                out.push_str(&word);
                out.push_str(" = ");
                out.push_str(&Literal::string(&text.value()).to_string());
            }
            Some(TokenTree::Group(group)) if group.delimiter() == Delimiter::Parenthesis => {
                if !matches!(word.as_str(), "all" | "any" | "not") {
                    return Err(invalid());
                }
                if depth >= MAX_CFG_DEPTH {
                    return Err(format!(
                        "`cfg({})` nests deeper than {MAX_CFG_DEPTH} levels",
                        truncated(predicate)
                    ));
                }
                let inner = group.stream();
                frame.tokens.next();
                out.push_str(&word);
                out.push('(');
                stack.push(Frame {
                    tokens: inner.into_iter().peekable(),
                    top: false,
                    not: word == "not",
                    count: 0,
                    after_predicate: false,
                });
            }
            _ => out.push_str(&word),
        }
    }
    Ok(out)
}

/// The start of a long text, escaped, for messages.
fn truncated(text: &str) -> String {
    let mut shown: String = text.chars().take(40).collect();
    if shown.len() < text.len() {
        shown.push_str("...");
    }
    shown.escape_debug().to_string()
}

/// Checks one gate of a plugin (an element of [`Declaration::cfg`](crate::Declaration::cfg)):
/// a `cfg` predicate ([`validate_cfg`]), or `macro(<path>)` for the `cfg` that a module-level
/// macro call around the plugin adds and the scanner cannot see (`macro(cfg_rt)` for
/// `cfg_rt! { pub mod runtime; }`). The two cannot be confused: no predicate starts with
/// `macro(`.
///
/// ```
/// use plux_build::validate::validate_gate;
///
/// assert!(validate_gate(r#"feature = "rt""#).is_ok());
/// assert!(validate_gate("macro(cfg_rt)").is_ok());
/// assert!(validate_gate("macro(cfg::std)").is_ok());
/// assert_eq!(
///     validate_gate("macro(cfg_rt!)").unwrap_err(),
///     "`macro(cfg_rt!)` is not a macro path"
/// );
/// ```
pub fn validate_gate(gate: &str) -> Result<(), String> {
    match macro_gate(gate) {
        Some(path) => {
            let segment = |s: &str| {
                let plain = s.strip_prefix("r#").unwrap_or(s);
                plain
                    .chars()
                    .next()
                    .is_some_and(|c| c == '_' || c.is_alphabetic())
                    && plain.chars().all(|c| c == '_' || c.is_alphanumeric())
            };
            if path.split("::").all(segment) {
                Ok(())
            } else {
                Err(format!(
                    "`macro({})` is not a macro path",
                    path.escape_debug()
                ))
            }
        }
        None => validate_cfg(gate),
    }
}

/// The macro path of a gate written `macro(<path>)` (see [`validate_gate`]), `None` for a
/// `cfg` predicate.
///
/// ```
/// use plux_build::validate::macro_gate;
///
/// assert_eq!(macro_gate("macro(cfg_rt)"), Some("cfg_rt"));
/// assert_eq!(macro_gate("unix"), None);
/// ```
pub fn macro_gate(gate: &str) -> Option<&str> {
    gate.strip_prefix("macro(")?.strip_suffix(')')
}

#[cfg(test)]
mod tests;
