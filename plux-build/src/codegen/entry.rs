//! The entries a registry is generated from, and the rules that keep hostile input out of
//! generated code.

use std::fmt;

use crate::model::{Declaration, Kind};

/// Where a registry entry came from; named in diagnostics and in the generated file's hints.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Origin {
    /// The package that declares the plugin.
    pub package: String,
    /// The `plux.json` the entry was read from, as shown to users (relative to the host's
    /// workspace root for members, `plux.json of <package> <version>` otherwise); `None` when
    /// the package's sources were scanned.
    pub index: Option<String>,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.index {
            Some(index) => write!(f, "`{index}`"),
            None => write!(f, "the sources of package `{}`", self.package),
        }
    }
}

/// One plugin of a host's registry.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct RegistryEntry {
    /// The namespace.
    pub namespace: String,
    /// The name, unique within the namespace across the dependency graph.
    pub name: String,
    /// The Rust path of the declared item, as in `plux.json` (`crate::...` for the host's own
    /// binary target).
    pub value: String,
    /// The same path as the host's code names it: the value with its first segment replaced
    /// by the host's name for the dependency (renamed dependencies), else equal to `value`.
    pub path: String,
    /// How the plugin was declared.
    pub kind: Kind,
    /// `cfg` predicates on the item and its modules, outermost first; evaluated by the crate
    /// that declares the plugin (see the probes in [`crate::codegen`]).
    pub cfg: Vec<String>,
    /// `cfg` predicates evaluated by the host, all of which must hold: the host features that
    /// enable an optional dependency, the platform of a target-specific one.
    pub host_cfg: Vec<String>,
    /// Where the entry came from.
    pub origin: Origin,
}

impl RegistryEntry {
    /// The entry of a scanned declaration of `package`.
    pub fn from_declaration(declaration: &Declaration, package: &str) -> Self {
        Self {
            namespace: declaration.namespace.clone(),
            name: declaration.name.clone(),
            value: declaration.value.clone(),
            path: declaration.value.clone(),
            kind: declaration.kind,
            cfg: declaration.cfg.clone(),
            host_cfg: Vec::new(),
            origin: Origin {
                package: package.to_owned(),
                index: None,
            },
        }
    }
}

/// Checks a namespace: non-empty; letters, digits, `_`, `-`, `.`.
pub fn check_namespace(namespace: &str) -> Result<(), String> {
    if namespace.is_empty() {
        return Err("empty namespace".into());
    }
    match namespace
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')))
    {
        Some(c) => Err(format!(
            "namespace {namespace:?} contains {c:?}; namespaces use letters, digits, `_`, `-` and `.`"
        )),
        None => Ok(()),
    }
}

/// Checks a plugin name: non-empty, no `=`, no control characters, no leading or trailing
/// whitespace, does not start with `[`.
pub fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("empty plugin name".into());
    }
    if name.contains('=') {
        return Err(format!("plugin name {name:?} contains `=`"));
    }
    if name.chars().any(char::is_control) {
        return Err(format!("plugin name {name:?} contains a control character"));
    }
    if name.trim() != name {
        return Err(format!(
            "plugin name {name:?} has leading or trailing whitespace"
        ));
    }
    if name.starts_with('[') {
        return Err(format!("plugin name {name:?} starts with `[`"));
    }
    Ok(())
}

/// Checks a value and returns its segments: `ident(::ident)*`, raw identifiers allowed, no
/// keywords other than a leading `crate` (and that only when `allow_crate`), at least two
/// segments, the first one `crate_name` (or `crate`).
///
/// The check is a `syn::parse_str::<syn::Path>` round trip plus identifier rules, so nothing
/// but a plain path can reach generated code.
pub fn check_value(
    value: &str,
    crate_name: &str,
    allow_crate: bool,
) -> Result<Vec<String>, String> {
    let path: syn::Path =
        syn::parse_str(value).map_err(|_| format!("value {value:?} is not a Rust path"))?;
    if path.leading_colon.is_some() {
        return Err(format!(
            "value {value:?} starts with `::`; write `{}`",
            value.trim_start_matches(':')
        ));
    }
    let mut segments = Vec::with_capacity(path.segments.len());
    for (i, segment) in path.segments.iter().enumerate() {
        if !matches!(segment.arguments, syn::PathArguments::None) {
            return Err(format!(
                "value {value:?} has generic arguments; values are plain paths"
            ));
        }
        let ident = segment.ident.to_string();
        let is_crate = ident == "crate";
        if matches!(ident.as_str(), "self" | "super" | "Self") || (is_crate && i > 0) {
            return Err(format!(
                "value {value:?} contains `{ident}`; values are paths from a crate root"
            ));
        }
        segments.push(ident);
    }
    let rendered = segments.join("::");
    if rendered != value {
        return Err(format!(
            "value {value:?} is not written as a plain path (`{rendered}`)"
        ));
    }
    if segments.len() < 2 {
        return Err(format!(
            "value {value:?} does not name an item inside a crate"
        ));
    }
    let first = segments[0].as_str();
    if first == "crate" {
        if !allow_crate {
            return Err(format!(
                "value {value:?} starts with `crate`; only the host package's own binary may use `crate::` paths"
            ));
        }
    } else if first.trim_start_matches("r#") != crate_name {
        return Err(format!(
            "value {value:?} is outside crate `{crate_name}`; a package may only declare its own items"
        ));
    }
    Ok(segments)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_plain_paths_of_the_declaring_crate() {
        assert_eq!(
            check_value("ls::a::S3", "ls", false).unwrap(),
            ["ls", "a", "S3"]
        );
        assert_eq!(
            check_value("ls::r#type::X", "ls", false).unwrap(),
            ["ls", "r#type", "X"]
        );
        assert!(check_value("crate::X", "ls", true).is_ok());
        for bad in [
            "crate::X",
            "other::X",
            "ls",
            "::ls::X",
            "ls::X<u8>",
            "ls::super::X",
            "ls::X; fn evil() {}",
            "ls::X /* */",
            "ls :: X",
            "ls::X\n",
            "",
        ] {
            assert!(
                check_value(bad, "ls", false).is_err(),
                "{bad:?} was accepted"
            );
        }
    }

    #[test]
    fn names_and_namespaces_follow_the_index_rules() {
        assert!(check_name("s3 legacy").is_ok());
        for bad in ["", "a=b", " a", "a\n", "[x"] {
            assert!(check_name(bad).is_err(), "{bad:?} was accepted");
        }
        assert!(check_namespace("localstack.plugins-x_1").is_ok());
        for bad in ["", "a b", "a\"b", "a/b"] {
            assert!(check_namespace(bad).is_err(), "{bad:?} was accepted");
        }
    }
}
