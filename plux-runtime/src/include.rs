//! Including build.rs-generated registration code, and the helpers that code uses for plugins
//! behind a `#[cfg]`.

use std::marker::PhantomData;

use crate::__private::Declared;
use crate::{PluginEntry, PluginSpec};

/// Includes the registration code `plux_build::build()` wrote in the build script, defining
/// `pub static REGISTRY: plux_runtime::Registry` in the calling module.
///
/// Install it as the default finder of every `PluginManager` in one line, early in `main`:
///
/// ```ignore
/// // build.rs: fn main() { plux_build::build() }
/// plux_runtime::include_registry!();
///
/// fn main() {
///     plux_runtime::install(&REGISTRY);
///     // PluginManagers now find every plugin of this package and its dependencies.
/// }
/// ```
///
/// The file is `$OUT_DIR/plux/registry.rs`; without a build script that calls plux-build the
/// macro fails to compile with "couldn't read ...registry.rs", and without a build script at
/// all with "environment variable `OUT_DIR` not defined".
#[macro_export]
macro_rules! include_registry {
    () => {
        ::core::include!(::core::concat!(
            ::core::env!("OUT_DIR"),
            "/plux/registry.rs"
        ));
    };
}

/// Stands in for a `#[cfg]`-gated plugin item that is compiled out.
///
/// Generated code declares a fallback of this type with the item's name (inside fallback
/// modules named like the gated module and those below it, when the `#[cfg]` is on a module)
/// in an outer block, and glob-imports the gated level's parent module in an inner one: when
/// the gated item or module exists (its crate compiled it), the glob import shadows the
/// fallback; when it does not, the fallback is used and the entry is left out. The predicate
/// is thus evaluated where it belongs, in the crate that declares the plugin, with that
/// crate's features.
#[doc(hidden)]
#[derive(Clone, Copy, Debug)]
pub struct Absent;

/// A possibly-absent spec value: `SpecProbe(&ITEM).entry(value)`.
#[doc(hidden)]
pub struct SpecProbe<T: ?Sized + 'static>(pub &'static T);

impl<P: ?Sized + 'static> SpecProbe<PluginSpec<P>> {
    /// The entry of the spec.
    pub const fn entry(self, value: &'static str) -> Option<PluginEntry> {
        Some(PluginEntry::new(value, self.0))
    }
}

impl SpecProbe<Absent> {
    /// No entry: the item is compiled out.
    pub const fn entry(self, value: &'static str) -> Option<PluginEntry> {
        let _ = value;
        None
    }
}

/// A possibly-absent attribute-declared plugin:
/// `with_value(DeclaredProbe::<Item, KEY>::ENTRY, value)`, with [`NotDeclared`] in scope.
///
/// The inherent `ENTRY` applies when `Item` declares the plugin; otherwise (the item is
/// [`Absent`], or it exists but its `#[plugin] impl` is compiled out) the path resolves to
/// [`NotDeclared::ENTRY`], `None`.
#[doc(hidden)]
pub struct DeclaredProbe<T: ?Sized, const KEY: u64>(PhantomData<T>);

impl<T: ?Sized + Declared<KEY>, const KEY: u64> DeclaredProbe<T, KEY> {
    const SPEC: &'static PluginSpec<T::Interface> = &T::SPEC;

    /// The entry of the plugin, without its value.
    pub const ENTRY: Option<PluginEntry> = Some(PluginEntry::of(Self::SPEC));
}

/// The fallback of [`DeclaredProbe`]'s `ENTRY` for an item that does not declare the plugin.
#[doc(hidden)]
pub trait NotDeclared {
    /// No entry.
    const ENTRY: Option<PluginEntry> = None;
}

impl<T: ?Sized, const KEY: u64> NotDeclared for DeclaredProbe<T, KEY> {}

/// `entry` with its value (the declaration path) set.
#[doc(hidden)]
pub const fn with_value(entry: Option<PluginEntry>, value: &'static str) -> Option<PluginEntry> {
    match entry {
        Some(entry) => Some(entry.with_value(value)),
        None => None,
    }
}

static PLACEHOLDER: PluginSpec<()> = PluginSpec::new("", "", || Box::new(()));

/// How many of `entries` are present.
#[doc(hidden)]
pub const fn count_present(entries: &[Option<PluginEntry>]) -> usize {
    let mut n = 0;
    let mut i = 0;
    while i < entries.len() {
        if entries[i].is_some() {
            n += 1;
        }
        i += 1;
    }
    n
}

/// The present entries, in order; `N` must be [`count_present`] of `entries`.
#[doc(hidden)]
pub const fn compact<const N: usize>(entries: &[Option<PluginEntry>]) -> [PluginEntry; N] {
    let mut out = [PluginEntry::of(&PLACEHOLDER); N];
    let mut n = 0;
    let mut i = 0;
    while i < entries.len() {
        if let Some(entry) = entries[i] {
            out[n] = entry;
            n += 1;
        }
        i += 1;
    }
    assert!(n == N, "plux: entry count mismatch in generated registry");
    out
}

/// Whether `spec` declares plugin `name` of `namespace` (generated staleness checks).
#[doc(hidden)]
pub const fn spec_is<P: ?Sized>(spec: &PluginSpec<P>, namespace: &str, name: &str) -> bool {
    str_eq(spec.namespace(), namespace) && str_eq(spec.name(), name)
}

/// Whether two strings are equal, in const context.
const fn str_eq(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Plugin;

    struct Noop;
    impl Plugin for Noop {}

    static ON: PluginSpec<dyn Plugin> = PluginSpec::new("ns", "on", || Box::new(Noop));

    struct Typed;
    impl Declared<{ crate::__private::key("ns", "typed") }> for Typed {
        type Interface = dyn Plugin;
        const SPEC: PluginSpec<dyn Plugin> = PluginSpec::new("ns", "typed", || Box::new(Noop));
    }

    /// A type whose `#[plugin] impl` is compiled out.
    struct Undeclared;

    const KEY: u64 = crate::__private::key("ns", "typed");
    static ALL: [Option<PluginEntry>; 5] = [
        SpecProbe(&ON).entry("x::ON"),
        SpecProbe(&Absent).entry("x::OFF"),
        with_value(DeclaredProbe::<Typed, KEY>::ENTRY, "x::Typed"),
        with_value(DeclaredProbe::<Absent, KEY>::ENTRY, "x::Gone"),
        with_value(DeclaredProbe::<Undeclared, KEY>::ENTRY, "x::Undeclared"),
    ];
    static PRESENT: [PluginEntry; count_present(&ALL)] = compact(&ALL);

    #[test]
    fn absent_items_are_left_out_and_order_is_kept() {
        let names: Vec<_> = PRESENT.iter().map(|e| (e.name(), e.value())).collect();
        assert_eq!(names, [("on", "x::ON"), ("typed", "x::Typed")]);
    }

    #[test]
    fn spec_is_compares_namespace_and_name() {
        assert!(spec_is(&ON, "ns", "on"));
        assert!(!spec_is(&ON, "ns", "o"));
        assert!(!spec_is(&ON, "n", "on"));
    }
}
