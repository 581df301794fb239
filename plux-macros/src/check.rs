//! The rules for namespaces and names, as `plux.json` states them (plux-build checks the same,
//! `plux_build::validate`; the tests below run its cases).

/// A namespace: non-empty; letters, digits, `_`, `-` and `.` only.
pub(crate) fn namespace(namespace: &str) -> Result<(), String> {
    if namespace.is_empty() {
        return Err("the plugin namespace is empty".to_owned());
    }
    match namespace
        .chars()
        .find(|c| !(c.is_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        Some(c) => Err(format!(
            "the plugin namespace `{}` contains `{}`; use letters, digits, `_`, `-` and `.`",
            namespace.escape_debug(),
            c.escape_debug()
        )),
        None => Ok(()),
    }
}

/// An invisible bidirectional control (`plux_build::validate::is_bidi_control`).
fn is_bidi_control(c: char) -> bool {
    matches!(
        c,
        '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{61c}'
    )
}

/// A name: non-empty, no `=`, no leading/trailing whitespace, no control characters or
/// invisible bidirectional controls, not starting with `[`.
pub(crate) fn name(name: &str) -> Result<(), String> {
    let shown = name.escape_debug();
    if name.is_empty() {
        Err("the plugin name is empty".to_owned())
    } else if name.contains('=') {
        Err(format!(
            "the plugin name `{shown}` contains `=`, which separates name and value in `plux.json`"
        ))
    } else if name.trim() != name {
        Err(format!(
            "the plugin name `{shown}` has leading or trailing whitespace"
        ))
    } else if name.chars().any(char::is_control) {
        Err(format!(
            "the plugin name `{shown}` contains a control character"
        ))
    } else if let Some(c) = name.chars().find(|c| is_bidi_control(*c)) {
        Err(format!(
            "the plugin name `{shown}` contains the invisible bidirectional control U+{:04X}, \
             which can make it display in another order than it is read",
            u32::from(c)
        ))
    } else if name.starts_with('[') {
        Err(format!(
            "the plugin name `{shown}` starts with `[`, which `plux.json` reserves for extras"
        ))
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::{name, namespace};

    #[test]
    fn namespaces() {
        assert!(namespace("localstack.plugins-x_1").is_ok());
        assert!(namespace("dienste.über").is_ok());
        assert!(namespace("").is_err());
        assert!(namespace("a b").is_err());
        assert!(namespace("a/b").is_err());
    }

    #[test]
    fn agrees_with_cargo_plux_on_its_cases() {
        use plux_build::validate::{NAME_CASES, NAMESPACE_CASES};
        for &(text, ok) in NAME_CASES {
            assert_eq!(name(text).is_ok(), ok, "name {text:?}");
        }
        for &(text, ok) in NAMESPACE_CASES {
            assert_eq!(namespace(text).is_ok(), ok, "namespace {text:?}");
        }
    }

    #[test]
    fn names() {
        assert!(name("my plugin (v2)").is_ok());
        assert!(name("a]").is_ok());
        for bad in ["", "a=b", " a", "a ", "a\u{3000}", "a\nb", "a\u{85}b", "[a"] {
            assert!(name(bad).is_err(), "{bad:?}");
        }
    }
}
