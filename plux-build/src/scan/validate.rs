//! The rules for plugin names and namespaces (`ARCHITECTURE.md`, "Entry string format").

/// Checks a plugin name: non-empty, no `=`, no leading/trailing whitespace, no control
/// characters, not starting with `[`. `Err` holds what is wrong, as a lowercase phrase.
///
/// ```
/// use plux_build::scan::validate_name;
/// assert!(validate_name("s3").is_ok());
/// assert_eq!(validate_name("a=b").unwrap_err(), "plugin name `a=b` contains `=`");
/// ```
pub fn validate_name(name: &str) -> Result<(), String> {
    let shown = name.escape_debug();
    if name.is_empty() {
        Err("plugin name is empty".to_owned())
    } else if name.contains('=') {
        Err(format!("plugin name `{shown}` contains `=`"))
    } else if name.starts_with(char::is_whitespace) || name.ends_with(char::is_whitespace) {
        Err(format!(
            "plugin name `{shown}` starts or ends with whitespace"
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

/// Checks a namespace: non-empty, only ASCII letters, digits, `_`, `-` and `.`. `Err` holds
/// what is wrong, as a lowercase phrase.
///
/// ```
/// use plux_build::scan::validate_namespace;
/// assert!(validate_namespace("localstack.plugins-v2_x").is_ok());
/// assert!(validate_namespace("a b").is_err());
/// ```
pub fn validate_namespace(namespace: &str) -> Result<(), String> {
    if namespace.is_empty() {
        return Err("namespace is empty".to_owned());
    }
    match namespace
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        Some(bad) => Err(format!(
            "namespace `{}` contains `{}`",
            namespace.escape_debug(),
            bad.escape_debug()
        )),
        None => Ok(()),
    }
}

/// The help line for a bad name or namespace.
pub(crate) const NAME_HELP: &str =
    "names are non-empty, without `=`, control characters, surrounding whitespace or a leading `[`";

/// The help line for a bad namespace.
pub(crate) const NAMESPACE_HELP: &str =
    "namespaces use only ASCII letters, digits, `_`, `-` and `.`";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for ok in ["s3", "my plugin", "ünï", "a[b]", "x.y-z"] {
            assert!(validate_name(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a=b", " a", "a ", "a\tb", "a\u{7}", "[a", "a\n"] {
            assert!(validate_name(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn namespaces() {
        for ok in ["a", "localstack.plugins.services", "A_b-9"] {
            assert!(validate_namespace(ok).is_ok(), "{ok}");
        }
        for bad in ["", "a b", "a/b", "ä", "a=b", "a\n"] {
            assert!(validate_namespace(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn hostile_text_is_escaped_in_messages() {
        let err = validate_name("a\u{1b}[31m").unwrap_err();
        assert!(!err.contains('\u{1b}'), "{err}");
    }
}
