//! Including build.rs-generated registration code, and the helpers that registration code
//! (the expansion of [`registry!`](crate::registry!)) calls.

use std::marker::PhantomData;
use std::sync::OnceLock;

use crate::__private::{Declared, str_eq};
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
/// The file is `$OUT_DIR/plux/registry.rs`, which the build script names in the
/// `PLUX_REGISTRY` environment variable; without a build script that calls
/// `plux_build::build()` the macro fails to compile with "plux: `include_registry!()` includes
/// the registry that `plux_build::build()` generates in the build script, and this package's
/// build script does not call it; add `build.rs` with `fn main() { plux_build::build() }` ...".
#[macro_export]
macro_rules! include_registry {
    () => {
        ::core::include!(::core::env!(
            "PLUX_REGISTRY",
            "plux: `include_registry!()` includes the registry that `plux_build::build()` generates in the build script, and this package's build script does not call it; add `build.rs` with `fn main() { plux_build::build() }` (and `plux-build` under `[build-dependencies]`), or commit the registry with `cargo plux entrypoints` instead"
        ));
    };
}

/// Stands in for a plugin item that is not there.
///
/// For every module its plugins are declared in, registration code declares a fallback of
/// this type named like each plugin item (inside fallback modules named like the gated module
/// and those below it, when a `#[cfg]` is on a module) in an outer block, and glob-imports the
/// module in an inner one. When the item exists, the glob import shadows the fallback; when it
/// does not (compiled out by its own crate's `#[cfg]`, or gone because the registry is stale),
/// the probe finds the fallback. A gated plugin is then left out, an ungated one fails the
/// build with a message naming it and the fix ([`required`]). A predicate is thus evaluated
/// where it belongs, in the crate that declares the plugin, with that crate's features.
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
    /// No entry: the item is not there.
    pub const fn entry(self, value: &'static str) -> Option<PluginEntry> {
        let _ = value;
        None
    }
}

/// A possibly-absent attribute-declared plugin:
/// `with_value(DeclaredProbe::<Item, KEY>::ENTRY, value)`, with [`NotDeclared`] in scope.
///
/// The inherent `ENTRY` applies when `Item` declares the plugin; otherwise (the item is
/// [`Absent`], or it exists but does not declare this plugin, or its `#[plugin] impl` is
/// compiled out) the path resolves to [`NotDeclared::ENTRY`], `None`.
#[doc(hidden)]
pub struct DeclaredProbe<T: ?Sized, const KEY: u64>(PhantomData<T>);

impl<T: ?Sized + Declared<KEY>, const KEY: u64> DeclaredProbe<T, KEY> {
    /// The entry of the plugin, without its value.
    pub const ENTRY: Option<PluginEntry> = Some(PluginEntry::of(T::SPEC));
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

/// The entry of an ungated plugin, which must be there and declare plugin `name` of
/// `namespace`; otherwise compilation fails with `message` (which names the plugin and says
/// to run `cargo plux entrypoints`): the registry is stale.
#[doc(hidden)]
pub const fn required(
    entry: Option<PluginEntry>,
    namespace: &str,
    name: &str,
    message: &'static str,
) -> PluginEntry {
    match entry {
        Some(entry) if str_eq(entry.namespace(), namespace) && str_eq(entry.name(), name) => entry,
        _ => panic!("{}", message),
    }
}

/// The entries of a registry with plugins that may be compiled out (`None`), kept in a
/// `static` by registration code; the present ones are collected on first use.
///
/// This replaces a `const` pass that compacted the entries at compile time, whose cost grew
/// beyond what rustc evaluates in a constant for hosts of more than about 12,500 plugins.
#[doc(hidden)]
#[derive(Debug)]
pub struct Gapped {
    all: &'static [Option<PluginEntry>],
    present: OnceLock<&'static [PluginEntry]>,
}

impl Gapped {
    /// Entries in registry order, `None` for a compiled-out plugin.
    pub const fn new(all: &'static [Option<PluginEntry>]) -> Self {
        Self {
            all,
            present: OnceLock::new(),
        }
    }

    /// The present entries, in order (collected once, then kept for the life of the process).
    pub(crate) fn entries(&'static self) -> &'static [PluginEntry] {
        self.present.get_or_init(|| {
            let present: Vec<PluginEntry> = self.all.iter().flatten().copied().collect();
            Box::leak(present.into_boxed_slice())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Plugin, Registry};

    struct Noop;
    impl Plugin for Noop {}

    static ON: PluginSpec<dyn Plugin> = PluginSpec::new("ns", "on", || Box::new(Noop));

    struct Typed;
    impl Declared<{ crate::__private::key("ns", "typed") }> for Typed {
        type Interface = dyn Plugin;
        const SPEC: &'static PluginSpec<dyn Plugin> = {
            static SPEC: PluginSpec<dyn Plugin> = PluginSpec::new("ns", "typed", || Box::new(Noop));
            &SPEC
        };
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
    static GAPPED: Gapped = Gapped::new(&ALL);
    static REGISTRY: Registry = Registry::gapped(&GAPPED);

    #[test]
    fn absent_items_are_left_out_and_order_is_kept() {
        let names: Vec<_> = REGISTRY
            .entries()
            .iter()
            .map(|e| (e.name(), e.value()))
            .collect();
        assert_eq!(names, [("on", "x::ON"), ("typed", "x::Typed")]);
        assert_eq!(REGISTRY.namespace("ns").len(), 2);
        // Collected once: the same slice every time.
        assert!(std::ptr::eq(REGISTRY.entries(), REGISTRY.entries()));
    }

    #[test]
    fn required_entries_pass_when_present_and_declared_as_listed() {
        const ENTRY: PluginEntry = required(
            SpecProbe(&ON).entry("x::ON"),
            "ns",
            "on",
            "stale plux registry",
        );
        assert_eq!((ENTRY.name(), ENTRY.value()), ("on", "x::ON"));
    }

    #[test]
    fn required_entries_panic_with_the_message_when_stale() {
        for (entry, name) in [
            (SpecProbe(&Absent).entry("x::OFF"), "off"),
            (SpecProbe(&ON).entry("x::ON"), "renamed"),
            (
                with_value(DeclaredProbe::<Undeclared, KEY>::ENTRY, "x::U"),
                "u",
            ),
        ] {
            let call = std::panic::AssertUnwindSafe(|| required(entry, "ns", name, "the message"));
            let panic = std::panic::catch_unwind(call)
                .err()
                .and_then(|p| p.downcast_ref::<String>().cloned());
            assert_eq!(panic.as_deref(), Some("the message"), "{name}");
        }
    }
}
