//! The registry of plugins compiled into a binary, and the finder trait managers read it through.

use std::any::Any;
use std::fmt;
use std::sync::OnceLock;

use crate::PluginSpec;
use crate::boundary::Boundary;
use crate::include::Gapped;

/// One plugin known to a finder: its namespace, name, value (the Rust path it was declared
/// at, as written in `plux.json`) and its spec, with the interface type erased.
///
/// A manager turns an entry back into a `PluginSpec<P>` for its interface `P`; an entry whose
/// spec has another interface is a resolve error.
#[derive(Clone, Copy)]
pub struct PluginEntry {
    namespace: &'static str,
    name: &'static str,
    value: &'static str,
    target: Target,
}

/// What an entry leads to.
#[derive(Clone, Copy)]
enum Target {
    /// A spec compiled into this binary (or into a pack library that is loaded).
    Spec {
        spec: &'static (dyn Any + Send + Sync),
        interface: fn() -> &'static str,
    },
    /// A plugin of a pack, listed from its `plux.json`; its library is loaded on first use.
    #[cfg(feature = "packs")]
    Pack(&'static crate::pack::PackEntry),
}

/// An entry with its spec at hand, and the boundary its plugin code runs behind.
#[derive(Clone, Copy)]
pub(crate) struct Resolved {
    pub(crate) entry: PluginEntry,
    pub(crate) boundary: Boundary,
}

impl PluginEntry {
    /// An entry for a spec, with the value (declaration path) given explicitly.
    ///
    /// Generated registration code builds entries with this; the namespace and name must be
    /// those of the spec.
    pub const fn new<P: ?Sized + 'static>(
        value: &'static str,
        spec: &'static PluginSpec<P>,
    ) -> Self {
        Self {
            namespace: spec.namespace(),
            name: spec.name(),
            value,
            target: Target::Spec {
                spec,
                interface: std::any::type_name::<P>,
            },
        }
    }

    /// An entry of a pack, listed before its library is loaded.
    #[cfg(feature = "packs")]
    pub(crate) const fn packed(
        namespace: &'static str,
        name: &'static str,
        value: &'static str,
        entry: &'static crate::pack::PackEntry,
    ) -> Self {
        Self {
            namespace,
            name,
            value,
            target: Target::Pack(entry),
        }
    }

    /// An entry for a spec with an empty value, for hand-written finders.
    ///
    /// ```
    /// use plux_runtime::{Plugin, PluginEntry, PluginSpec};
    ///
    /// struct Noop;
    /// impl Plugin for Noop {}
    /// static NOOP: PluginSpec<dyn Plugin> = PluginSpec::new("demo", "noop", || Box::new(Noop));
    ///
    /// let entry = PluginEntry::of(&NOOP);
    /// assert_eq!((entry.namespace(), entry.name()), ("demo", "noop"));
    /// assert!(entry.spec::<dyn Plugin>().is_some());
    /// ```
    pub const fn of<P: ?Sized + 'static>(spec: &'static PluginSpec<P>) -> Self {
        Self::new("", spec)
    }

    /// This entry with another value (generated code for `#[cfg]`-gated plugins).
    pub(crate) const fn with_value(self, value: &'static str) -> Self {
        Self { value, ..self }
    }

    /// The namespace of the plugin.
    pub const fn namespace(&self) -> &'static str {
        self.namespace
    }

    /// The name of the plugin.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The Rust path the plugin was declared at (empty for hand-made entries).
    pub const fn value(&self) -> &'static str {
        self.value
    }

    /// The spec, if its interface is `P`.
    ///
    /// For a plugin of a plugin pack (feature `packs`) this loads the pack's library (once per process)
    /// and returns `None` when that fails; a manager reports why as a resolve error.
    pub fn spec<P: ?Sized + 'static>(&self) -> Option<&'static PluginSpec<P>> {
        match self.resolve() {
            Ok(Resolved {
                entry:
                    PluginEntry {
                        target: Target::Spec { spec, .. },
                        ..
                    },
                ..
            }) => spec.downcast_ref::<PluginSpec<P>>(),
            _ => None,
        }
    }

    /// The pack the plugin comes from, for entries a [`PackFinder`](crate::pack::PackFinder)
    /// listed.
    #[cfg(feature = "packs")]
    pub fn pack(&self) -> Option<&'static crate::pack::Pack> {
        match self.target {
            Target::Pack(entry) => Some(entry.pack()),
            Target::Spec { .. } => None,
        }
    }

    /// This entry with its spec at hand: itself for a compiled-in spec; for a pack's entry,
    /// the pack library's entry (loading the library on first use) or why it cannot be had.
    pub(crate) fn resolve(&self) -> Result<Resolved, String> {
        match self.target {
            Target::Spec { .. } => Ok(Resolved {
                entry: *self,
                boundary: Boundary::Host,
            }),
            #[cfg(feature = "packs")]
            Target::Pack(entry) => entry.resolve(),
        }
    }

    /// Where the entry comes from, for messages: `pack `name` (`dir`)` for a pack's entry.
    pub(crate) fn origin(&self) -> Option<String> {
        match self.target {
            Target::Spec { .. } => None,
            #[cfg(feature = "packs")]
            Target::Pack(entry) => Some(format!(
                "pack `{}` (`{}`)",
                entry.pack().name(),
                entry.pack().dir().display()
            )),
        }
    }

    /// Whether the spec is at hand without loading anything (false for a pack's entry).
    pub(crate) fn is_compiled_in(&self) -> bool {
        matches!(self.target, Target::Spec { .. })
    }

    /// Why this entry's spec (whose interface is `found`) is not a spec of `expected`.
    pub(crate) fn interface_mismatch(&self, found: &str, expected: &str) -> String {
        #[cfg(feature = "packs")]
        if let Target::Pack(entry) = self.target {
            return entry.interface_mismatch(found, expected);
        }
        if found == expected {
            // Only possible for specs compiled into a pack (checked above), or a second copy
            // of the interface's crate linked into this binary.
            format!(
                "its interface `{found}` is another type than this namespace's `{expected}` (two versions of the crate that defines it are linked into the program); depend on one version"
            )
        } else {
            format!(
                "its interface is `{found}`, not `{expected}`; declare it with the interface of this namespace"
            )
        }
    }

    /// The interface of the spec, e.g. `dyn my_crate::CliPlugin`, for messages (the text is
    /// the compiler's, as [`std::any::type_name`] gives it).
    ///
    /// ```
    /// use plux_runtime::{Plugin, PluginEntry, PluginSpec};
    ///
    /// struct Noop;
    /// impl Plugin for Noop {}
    /// static NOOP: PluginSpec<dyn Plugin> = PluginSpec::new("demo", "noop", || Box::new(Noop));
    ///
    /// assert_eq!(PluginEntry::of(&NOOP).interface_type_name(), "dyn plux_runtime::spec::Plugin");
    /// ```
    ///
    /// For a plugin of a pack this loads the pack's library (once per process); when that
    /// fails it is `"<unresolved>"`.
    pub fn interface_type_name(&self) -> &'static str {
        match self.resolve() {
            Ok(Resolved {
                entry:
                    PluginEntry {
                        target: Target::Spec { interface, .. },
                        ..
                    },
                ..
            }) => interface(),
            _ => "<unresolved>",
        }
    }
}

impl fmt::Debug for PluginEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginEntry")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("value", &self.value)
            .finish_non_exhaustive()
    }
}

/// Where a manager looks for the plugins of its namespace.
///
/// The default finder is the [`Registry`] the host installed with [`install`]; tests and
/// embedders can pass their own.
pub trait PluginFinder: Send + Sync {
    /// The entries of `namespace`, in a stable order.
    fn find_plugins(&self, namespace: &str) -> Vec<PluginEntry>;

    /// Every namespace the finder has plugins in, when it can tell (the default says none):
    /// a manager whose namespace has no plugins suggests a close one from these (a typo on
    /// either side otherwise finds nothing and says nothing).
    fn namespaces(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

/// The namespaces of `entries`, sorted, without repeats.
fn namespaces_of(entries: &[PluginEntry]) -> Vec<&'static str> {
    let mut namespaces: Vec<&'static str> = entries.iter().map(|e| e.namespace).collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    namespaces
}

impl PluginFinder for [PluginEntry] {
    fn find_plugins(&self, namespace: &str) -> Vec<PluginEntry> {
        self.iter()
            .filter(|e| e.namespace == namespace)
            .copied()
            .collect()
    }

    fn namespaces(&self) -> Vec<&'static str> {
        namespaces_of(self)
    }
}

impl PluginFinder for Vec<PluginEntry> {
    fn find_plugins(&self, namespace: &str) -> Vec<PluginEntry> {
        self.as_slice().find_plugins(namespace)
    }

    fn namespaces(&self) -> Vec<&'static str> {
        namespaces_of(self)
    }
}

/// Several finders as one: the entries of each, in the order the finders were added (Python
/// plux's `CompositeFinder`). Where two finders have a plugin of the same name, a manager keeps
/// the first and reports the others as resolve errors.
///
/// ```
/// use plux_runtime::{CompositeFinder, Plugin, PluginEntry, PluginFinder, PluginSpec};
///
/// struct Noop;
/// impl Plugin for Noop {}
/// static A: PluginSpec<dyn Plugin> = PluginSpec::new("demo", "a", || Box::new(Noop));
/// static B: PluginSpec<dyn Plugin> = PluginSpec::new("demo", "b", || Box::new(Noop));
///
/// let finder = CompositeFinder::new()
///     .with(vec![PluginEntry::of(&B)])
///     .with(vec![PluginEntry::of(&A)]);
/// let names: Vec<_> = finder.find_plugins("demo").iter().map(|e| e.name()).collect();
/// assert_eq!(names, ["b", "a"]);
/// ```
#[derive(Default)]
pub struct CompositeFinder {
    finders: Vec<Box<dyn PluginFinder>>,
}

impl CompositeFinder {
    /// A finder with no finders in it.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a finder after those added before.
    #[must_use]
    pub fn with(mut self, finder: impl PluginFinder + 'static) -> Self {
        self.finders.push(Box::new(finder));
        self
    }
}

impl PluginFinder for CompositeFinder {
    fn find_plugins(&self, namespace: &str) -> Vec<PluginEntry> {
        self.finders
            .iter()
            .flat_map(|f| f.find_plugins(namespace))
            .collect()
    }

    fn namespaces(&self) -> Vec<&'static str> {
        let mut namespaces: Vec<_> = self.finders.iter().flat_map(|f| f.namespaces()).collect();
        namespaces.sort_unstable();
        namespaces.dedup();
        namespaces
    }
}

impl fmt::Debug for CompositeFinder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CompositeFinder")
            .field("finders", &self.finders.len())
            .finish()
    }
}

impl PluginFinder for &'static Registry {
    fn find_plugins(&self, namespace: &str) -> Vec<PluginEntry> {
        (**self).find_plugins(namespace)
    }

    fn namespaces(&self) -> Vec<&'static str> {
        (**self).namespaces()
    }
}

/// Every plugin compiled into a binary, sorted by namespace then name.
///
/// Generated registration code (see `cargo plux entrypoints` and `plux_build`) defines one as a
/// `static`; the host installs it with [`install`]. Looking up a namespace is a binary search,
/// so its cost does not grow with the number of plugins in other namespaces.
///
/// ```
/// use plux_runtime::{Plugin, PluginEntry, PluginFinder, PluginSpec, Registry};
///
/// struct Noop;
/// impl Plugin for Noop {}
/// static A: PluginSpec<dyn Plugin> = PluginSpec::new("demo", "a", || Box::new(Noop));
/// static B: PluginSpec<dyn Plugin> = PluginSpec::new("other", "b", || Box::new(Noop));
/// static REGISTRY: Registry = Registry::new(&[PluginEntry::of(&A), PluginEntry::of(&B)]);
///
/// let names: Vec<_> = REGISTRY.find_plugins("demo").iter().map(|e| e.name()).collect();
/// assert_eq!(names, ["a"]);
/// ```
#[derive(Clone, Copy, Debug)]
pub struct Registry {
    entries: &'static [PluginEntry],
    /// Set instead of `entries` by registration code with plugins that may be compiled out.
    gapped: Option<&'static Gapped>,
}

impl Registry {
    /// A registry over entries sorted by `(namespace, name)`, as generated code emits them.
    ///
    /// Lookups are binary searches: a registry whose entries are out of order misses plugins
    /// when used as a finder directly ([`install`] sorts a copy of such a registry).
    pub const fn new(entries: &'static [PluginEntry]) -> Self {
        Self {
            entries,
            gapped: None,
        }
    }

    /// A registry over entries some of which may be compiled out (generated code for plugins
    /// behind a `#[cfg]`); the present ones are collected on first use.
    #[doc(hidden)]
    pub const fn gapped(entries: &'static Gapped) -> Self {
        Self {
            entries: &[],
            gapped: Some(entries),
        }
    }

    /// A registry with no plugins.
    pub const fn empty() -> Self {
        Self::new(&[])
    }

    /// All entries, sorted by namespace then name.
    pub fn entries(&self) -> &'static [PluginEntry] {
        match self.gapped {
            Some(gapped) => gapped.entries(),
            None => self.entries,
        }
    }

    /// The entries of one namespace.
    pub fn namespace(&self, namespace: &str) -> &'static [PluginEntry] {
        let entries = self.entries();
        let start = entries.partition_point(|e| e.namespace < namespace);
        let len = entries[start..].partition_point(|e| e.namespace == namespace);
        &entries[start..start + len]
    }
}

impl PluginFinder for Registry {
    fn find_plugins(&self, namespace: &str) -> Vec<PluginEntry> {
        self.namespace(namespace).to_vec()
    }

    fn namespaces(&self) -> Vec<&'static str> {
        namespaces_of(self.entries)
    }
}

static GLOBAL: OnceLock<&'static Registry> = OnceLock::new();

/// Installs the host's registry as the default finder of every [`PluginManager`](crate::PluginManager).
///
/// Call it once, early in `main`. Returns `false` (and changes nothing) when a registry was
/// already installed. A registry whose entries are not sorted by namespace then name (only a
/// hand-written one can be) is installed as a sorted copy, with a warning.
pub fn install(registry: &'static Registry) -> bool {
    if GLOBAL.get().is_some() {
        return false;
    }
    let key = |e: &PluginEntry| (e.namespace, e.name);
    let registry = if registry.entries().is_sorted_by_key(key) {
        registry
    } else {
        crate::log_contained!(
            log::Level::Warn,
            "the installed plugin registry is not sorted by namespace, then name; plux uses a sorted copy"
        );
        let mut entries = registry.entries().to_vec();
        entries.sort_by_key(key);
        let entries: &'static [PluginEntry] = Box::leak(entries.into_boxed_slice());
        Box::leak(Box::new(Registry::new(entries)))
    };
    GLOBAL.set(registry).is_ok()
}

/// The installed registry, or an empty one when the host installed none.
pub fn installed() -> &'static Registry {
    static EMPTY: Registry = Registry::empty();
    GLOBAL.get().copied().unwrap_or(&EMPTY)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Plugin;

    struct Noop;
    impl Plugin for Noop {}
    static A: PluginSpec<dyn Plugin> = PluginSpec::new("demo", "a", || Box::new(Noop));
    static Z: PluginSpec<dyn Plugin> = PluginSpec::new("demo", "z", || Box::new(Noop));
    static B: PluginSpec<dyn Plugin> = PluginSpec::new("other", "b", || Box::new(Noop));
    static C: PluginSpec<dyn Plugin> = PluginSpec::new("third", "c", || Box::new(Noop));

    fn names(finder: &dyn PluginFinder, namespace: &str) -> Vec<&'static str> {
        finder
            .find_plugins(namespace)
            .iter()
            .map(PluginEntry::name)
            .collect()
    }

    // The only test of this binary that installs a registry.
    #[test]
    fn install_sorts_a_registry_written_out_of_order() {
        static UNSORTED: Registry = Registry::new(&[
            PluginEntry::of(&C),
            PluginEntry::of(&Z),
            PluginEntry::of(&B),
            PluginEntry::of(&A),
        ]);
        // Used directly, the binary search misses plugins.
        assert_ne!(names(&UNSORTED, "demo"), ["a", "z"]);

        assert!(install(&UNSORTED));
        assert_eq!(names(installed(), "demo"), ["a", "z"]);
        assert_eq!(names(installed(), "other"), ["b"]);
        assert_eq!(names(installed(), "third"), ["c"]);
        assert!(!install(&UNSORTED));
        assert_eq!(installed().entries().len(), 4);
    }
}
