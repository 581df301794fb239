//! What the scanner finds: plugin declarations with their source locations.

use std::fmt;
use std::path::PathBuf;

/// How a plugin was declared; decides how generated code reaches its spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    /// A `static` or `const` of type `PluginSpec<..>`; generated code takes `&path`.
    Spec,
    /// `#[plugin]` on `impl Trait for Type`; generated code uses
    /// `<path as Declared<{key(ns, name)}>>::SPEC`.
    Type,
    /// `#[plugin]` on a `fn`; reached like [`Kind::Type`] through the hidden struct of that name.
    Function,
}

/// A place in a source file, 1-based line and column like rustc prints them.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The file, as given to the scanner (usually absolute).
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.file.display(), self.line, self.column)
    }
}

/// One plugin declaration found in source.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Declaration {
    /// The namespace, e.g. `localstack.plugins.services`.
    pub namespace: String,
    /// The plugin name, unique within the namespace.
    pub name: String,
    /// The Rust path of the declared item: `crate_name::module::Item` (raw identifiers keep `r#`).
    pub value: String,
    /// How it was declared.
    pub kind: Kind,
    /// The gates of the item and its enclosing modules, outermost first: `cfg` predicates as
    /// token text (for example `feature = "x"`, also those `cfg_if!` branches and
    /// `#[cfg_attr(pred, plugin(..))]` add), or `macro(<path>)` for the `cfg` a module-level
    /// macro call around the item or its module adds, which the scanner cannot see (for
    /// example `macro(cfg_rt)` for `cfg_rt! { pub mod runtime; }`; see
    /// [`validate_gate`](crate::validate::validate_gate)); empty when always compiled.
    pub cfg: Vec<String>,
    /// The module of `value`'s path that `cfg` decides the presence of, when the gates are
    /// on an enclosing module on that path (for example `hooks::debug` for a plugin in
    /// `#[cfg(feature = "debug")] pub mod debug`); `None` when they are on the item itself or
    /// there are none. Gates on two levels of one path are a scan error.
    pub cfg_module: Option<String>,
    /// The interface the declaration states, as written: the argument of a spec's
    /// `PluginSpec<..>` type (`dyn ServicePlugin`), `dyn Trait` of a type plugin's impl,
    /// `FunctionPlugin<fn(..) -> R>` of a function plugin's signature; `None` when the source
    /// does not say (a spec whose type is an alias). See
    /// [`scan::mixed_interfaces`](crate::scan::mixed_interfaces).
    pub interface: Option<String>,
    /// Where the declaration is (the attribute, or the static's name).
    pub location: Location,
}
