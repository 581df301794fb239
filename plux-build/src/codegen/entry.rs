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
    /// Gates on the item and its modules, outermost first: `cfg` predicates, or `macro(<path>)`
    /// for the `cfg` a macro call adds (see [`Declaration::cfg`]); evaluated by the crate that
    /// declares the plugin (see the probes in [`crate::codegen`]), never by generated code.
    pub cfg: Vec<String>,
    /// The module of `value`'s path `cfg` is on, when not on the item itself (see
    /// [`Declaration::cfg_module`]): generated code checks whether that module was compiled.
    pub cfg_module: Option<String>,
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
            cfg_module: declaration.cfg_module.clone(),
            host_cfg: Vec::new(),
            origin: Origin {
                package: package.to_owned(),
                index: None,
            },
        }
    }
}
