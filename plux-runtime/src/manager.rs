//! The plugin manager: finds the plugins of one namespace and drives them through their
//! lifecycle (resolved, init, loaded), reporting to listeners and containing failures.

mod container;
mod index;
mod lifecycle;

use std::any::type_name;
use std::fmt;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use crate::{Plugin, PluginError, PluginFilter, PluginFinder, PluginLifecycleListener, PluginSpec};

pub use container::PluginContainer;
use index::{Index, Resolver};

type Listeners<P, A> = Arc<[Arc<dyn PluginLifecycleListener<P, A>>]>;

/// The default finder: whatever registry (and, with the `packs` feature, packs) is installed
/// when the manager first needs its index; the registry's plugins first.
struct Installed;

impl PluginFinder for Installed {
    fn find_plugins(&self, namespace: &str) -> Vec<crate::PluginEntry> {
        #[allow(unused_mut)]
        let mut entries = crate::installed().find_plugins(namespace);
        #[cfg(feature = "packs")]
        if let Some(packs) = crate::pack::installed() {
            entries.extend(packs.find_plugins(namespace));
        }
        entries
    }

    fn namespaces(&self) -> Vec<&'static str> {
        #[allow(unused_mut)]
        let mut namespaces = crate::installed().namespaces();
        #[cfg(feature = "packs")]
        if let Some(packs) = crate::pack::installed() {
            namespaces.extend(packs.namespaces());
            namespaces.sort_unstable();
            namespaces.dedup();
        }
        namespaces
    }
}

/// Finds the plugins of one namespace and loads them (Python plux's `PluginManager`).
///
/// `P` is the namespace's interface (usually `dyn SomeTrait`, where `SomeTrait: Plugin<A>`) and
/// `A` the type of the load arguments handed to every plugin's [`load`](Plugin::load).
///
/// A plugin goes through three states: *resolved* (the finder's entry was turned into a
/// [`PluginSpec<P>`]), *init* (the spec's factory made the plugin) and *loaded* (its `load`
/// ran). The manager resolves lazily, on the first call that needs the index, and runs each
/// plugin's lifecycle at most once: [`load`](Self::load) is idempotent and concurrent callers
/// wait for the one that runs it, then share its outcome, a plugin or an error, forever.
///
/// Failures are contained: a factory, `should_load`, `load` or listener that returns an error
/// or panics is reported (to the listeners, as a [`PluginError`], and with `log::warn!`) and the
/// manager goes on serving the other plugins; a `log` logger that panics loses that record and
/// nothing else. No lock is held while user code runs, so listeners and plugins may call back
/// into the manager.
///
/// `PluginManager` is `Send + Sync` (when `A` is); share it in an [`Arc`].
///
/// # Example
///
/// ```
/// use std::sync::Mutex;
/// use plux_runtime::{BoxError, Plugin, PluginEntry, PluginManager, PluginSpec};
///
/// /// What the plugins of `my.plugins.cli` get when they load.
/// #[derive(Default)]
/// pub struct Cli { pub commands: Mutex<Vec<String>> }
///
/// /// The interface of the `my.plugins.cli` namespace.
/// pub trait CliPlugin: Plugin<Cli> {
///     fn help(&self) -> &str;
/// }
///
/// struct Hello;
/// impl Plugin<Cli> for Hello {
///     fn load(&self, cli: &Cli) -> Result<(), BoxError> {
///         cli.commands.lock().unwrap().push("hello".into());
///         Ok(())
///     }
/// }
/// impl CliPlugin for Hello {
///     fn help(&self) -> &str { "says hello" }
/// }
///
/// pub static HELLO: PluginSpec<dyn CliPlugin> =
///     PluginSpec::new("my.plugins.cli", "hello", || Box::new(Hello));
///
/// // Hosts usually rely on the registry installed with `plux_runtime::install`; a hand-made
/// // finder works the same.
/// let manager = PluginManager::<dyn CliPlugin, Cli>::builder("my.plugins.cli")
///     .finder(vec![PluginEntry::of(&HELLO)])
///     .build();
///
/// assert_eq!(manager.list_names(), ["hello"]);
/// let hello = manager.load("hello")?;
/// assert_eq!(hello.help(), "says hello");
/// assert_eq!(*manager.load_args().commands.lock().unwrap(), ["hello"]);
/// // Loading again returns the same plugin; `load` ran once.
/// assert!(std::sync::Arc::ptr_eq(&hello, &manager.load("hello")?));
/// assert_eq!(manager.load_args().commands.lock().unwrap().len(), 1);
/// # Ok::<(), plux_runtime::PluginError>(())
/// ```
pub struct PluginManager<P: ?Sized + 'static, A: 'static = ()> {
    namespace: String,
    args: A,
    finder: Box<dyn PluginFinder>,
    filters: Vec<(&'static str, Box<dyn PluginFilter>)>,
    listeners: RwLock<Listeners<P, A>>,
    // Lets lifecycle runs skip the listener snapshot when there are none (the common case).
    has_listeners: AtomicBool,
    resolver: Resolver<P>,
}

/// Configures a [`PluginManager`]: its namespace, load arguments, listeners, finder and filters.
///
/// ```
/// use plux_runtime::{Plugin, PluginManager, PluginPattern, MatchingPluginFilter};
///
/// let no_legacy = MatchingPluginFilter::new();
/// no_legacy.add_pattern(PluginPattern::new().name("*-legacy"))?;
///
/// let manager = PluginManager::<dyn Plugin<u32>, u32>::builder_with_args("demo.builder", 42)
///     .filter(no_legacy)
///     .build();
/// assert_eq!(*manager.load_args(), 42);
/// assert_eq!(manager.namespace(), "demo.builder");
/// # Ok::<(), plux_runtime::PatternError>(())
/// ```
#[must_use = "call `build` to make the manager"]
pub struct PluginManagerBuilder<P: ?Sized + 'static, A: 'static = ()> {
    namespace: String,
    args: A,
    finder: Option<Box<dyn PluginFinder>>,
    filters: Vec<(&'static str, Box<dyn PluginFilter>)>,
    listeners: Vec<Arc<dyn PluginLifecycleListener<P, A>>>,
}

impl<P: ?Sized + 'static, A: 'static> PluginManagerBuilder<P, A> {
    /// A builder for a manager of `namespace` that passes `args` to every plugin's `load`.
    pub fn new(namespace: impl Into<String>, args: A) -> Self {
        Self {
            namespace: namespace.into(),
            args,
            finder: None,
            filters: Vec::new(),
            listeners: Vec::new(),
        }
    }

    /// The load arguments (replacing the default ones).
    pub fn load_args(mut self, args: A) -> Self {
        self.args = args;
        self
    }

    /// Adds a listener; listeners are called in the order they were added. Pass an
    /// `Arc<Listener>` to keep a handle on it.
    pub fn listener(mut self, listener: impl PluginLifecycleListener<P, A> + 'static) -> Self {
        self.listeners.push(Arc::new(listener));
        self
    }

    /// Where to find plugins; the default is the registry installed with
    /// [`install`](crate::install), read when the manager first needs it.
    pub fn finder(mut self, finder: impl PluginFinder + 'static) -> Self {
        self.finder = Some(Box::new(finder));
        self
    }

    /// Adds a filter, asked after the [`global_plugin_filter`](crate::global_plugin_filter);
    /// a plugin it disables is disabled with a reason naming the filter's type.
    pub fn filter<F: PluginFilter + 'static>(mut self, filter: F) -> Self {
        self.filters.push((type_name::<F>(), Box::new(filter)));
        self
    }

    /// Makes the manager. Nothing is resolved or loaded yet.
    pub fn build(self) -> PluginManager<P, A> {
        PluginManager {
            namespace: self.namespace,
            args: self.args,
            finder: self.finder.unwrap_or_else(|| Box::new(Installed)),
            filters: self.filters,
            has_listeners: AtomicBool::new(!self.listeners.is_empty()),
            listeners: RwLock::new(self.listeners.into()),
            resolver: Resolver::new(),
        }
    }
}

impl<P: ?Sized + 'static, A: Default + 'static> PluginManager<P, A> {
    /// A manager of `namespace` with default load arguments, the installed registry as finder,
    /// no listeners and no filters of its own.
    pub fn new(namespace: impl Into<String>) -> Self {
        Self::builder(namespace).build()
    }

    /// A builder for a manager of `namespace` with default load arguments.
    pub fn builder(namespace: impl Into<String>) -> PluginManagerBuilder<P, A> {
        PluginManagerBuilder::new(namespace, A::default())
    }
}

impl<P: ?Sized + Plugin<A> + 'static, A: 'static> PluginManager<P, A> {
    /// A builder for a manager of `namespace` that passes `args` to every plugin's `load`.
    pub fn builder_with_args(namespace: impl Into<String>, args: A) -> PluginManagerBuilder<P, A> {
        PluginManagerBuilder::new(namespace, args)
    }

    /// The namespace the manager serves.
    pub fn namespace(&self) -> &str {
        &self.namespace
    }

    /// The arguments passed to every plugin's `load`.
    pub fn load_args(&self) -> &A {
        &self.args
    }

    /// Adds a listener; it sees the hooks that fire from now on.
    pub fn add_listener(&self, listener: impl PluginLifecycleListener<P, A> + 'static) {
        let mut listeners = self
            .listeners
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let mut all: Vec<_> = listeners.iter().cloned().collect();
        all.push(Arc::new(listener));
        *listeners = all.into();
        self.has_listeners.store(true, Ordering::Release);
    }

    /// Loads the plugin called `name` and returns it.
    ///
    /// Idempotent: the first call runs the lifecycle (filters, factory, `should_load`, `load`,
    /// with the listeners' hooks), every later or concurrent call returns the same plugin or a
    /// clone of the same error. Errors: [`PluginError::NotFound`] for an unknown name,
    /// [`PluginError::Resolve`] when the finder's entry is not a spec of interface `P`,
    /// [`PluginError::Disabled`], [`PluginError::Init`], [`PluginError::Load`], and
    /// [`PluginError::Recursive`] when the plugin's own lifecycle asks for it.
    ///
    /// Plugins may load other plugins from their lifecycle (factory, `load`, hooks). A cycle
    /// on one thread ends with `Recursive` for the inner call; a cycle started from two threads
    /// at once (one loads A whose `load` loads B, the other loads B whose `load` loads A)
    /// waits forever, as it does in Python plux; so does a lifecycle that starts a thread which
    /// loads the same plugin and waits for it (the thread waits for the lifecycle). A thread
    /// that waits for another one's lifecycle run logs a warning after 10 s. Panics are
    /// contained with
    /// [`catch_unwind`](std::panic::catch_unwind), so not under `panic = "abort"`.
    pub fn load(&self, name: &str) -> Result<Arc<P>, PluginError> {
        let index = self.index();
        match index.position(name) {
            Some(position) => self.load_container(&index.containers[position]),
            None => Err(self.missing(&index, name)),
        }
    }

    /// Loads every plugin of the namespace and returns those that loaded, sorted by name;
    /// disabled and failing plugins are skipped (their errors are logged and kept in their
    /// containers).
    pub fn load_all(&self) -> Vec<Arc<P>> {
        let index = self.index();
        index
            .containers
            .iter()
            .filter_map(|container| self.load_container(container).ok())
            .collect()
    }

    /// Like [`load_all`](Self::load_all), but stops at the first plugin that fails (disabled
    /// plugins are still skipped) and returns its error (Python's `propagate_exceptions=True`).
    ///
    /// An entry of the namespace that could not be resolved (declared for another interface,
    /// or a duplicate name) is a failure too: the resolve error of the first by name is returned
    /// before anything is loaded, so a plugin declared with the wrong trait is never skipped
    /// silently.
    ///
    /// ```
    /// use plux_runtime::{Plugin, PluginEntry, PluginError, PluginManager, PluginSpec};
    ///
    /// trait Service: Plugin {}
    /// struct S;
    /// impl Plugin for S {}
    /// impl Service for S {}
    ///
    /// // Declared for `dyn Plugin`, while the namespace's interface is `dyn Service`.
    /// static WRONG: PluginSpec<dyn Plugin> = PluginSpec::new("demo.wrong", "s", || Box::new(S));
    ///
    /// let manager = PluginManager::<dyn Service>::builder("demo.wrong")
    ///     .finder(vec![PluginEntry::of(&WRONG)])
    ///     .build();
    /// assert!(manager.load_all().is_empty());
    /// let error = manager.try_load_all().err().unwrap();
    /// assert!(matches!(error, PluginError::Resolve { .. }));
    /// assert!(error.to_string().contains("its interface is `dyn plux_runtime::spec::Plugin`"));
    /// assert_eq!(manager.resolve_errors().len(), 1);
    /// ```
    pub fn try_load_all(&self) -> Result<Vec<Arc<P>>, PluginError> {
        let index = self.index();
        if let Some((_, error)) = index
            .unresolved
            .iter()
            .min_by_key(|(entry, _)| entry.name())
        {
            return Err(error.clone());
        }
        let mut plugins = Vec::with_capacity(index.containers.len());
        for container in &index.containers {
            match self.load_container(container) {
                Ok(plugin) => plugins.push(plugin),
                Err(error) if error.is_disabled() => {}
                Err(error) => return Err(error),
            }
        }
        Ok(plugins)
    }

    /// The errors of the namespace's entries that could not be resolved: declared for another
    /// interface, a duplicate name, or (resolved on first use) a plugin of a pack that cannot be
    /// loaded. They are logged and reported to `on_resolve_exception` too; plugins that
    /// resolved are not affected.
    pub fn resolve_errors(&self) -> Vec<PluginError> {
        let index = self.index();
        index
            .unresolved
            .iter()
            .map(|(_, error)| error.clone())
            .chain(
                index
                    .containers
                    .iter()
                    .filter_map(|c| c.resolve_error().cloned()),
            )
            .collect()
    }

    /// The names of the namespace's plugins, sorted.
    pub fn list_names(&self) -> Vec<&'static str> {
        self.index()
            .containers
            .iter()
            .map(|c| c.entry.name())
            .collect()
    }

    /// The specs of the namespace's plugins, sorted by name.
    ///
    /// Plugins of plugin packs (feature `packs`) are resolved for this (their libraries are loaded);
    /// those that fail to resolve are left out, their errors reported to
    /// `on_resolve_exception` and kept in their containers.
    pub fn list_plugin_specs(&self) -> Vec<&'static PluginSpec<P>> {
        let index = self.index();
        index
            .containers
            .iter()
            .filter_map(|c| self.resolve_container(c).ok().map(|(spec, _)| spec))
            .collect()
    }

    /// Views of every plugin's state, sorted by name.
    pub fn list_containers(&self) -> Vec<PluginContainer<P>> {
        let index = self.index();
        (0..index.containers.len())
            .map(|position| PluginContainer::new(index.clone(), position))
            .collect()
    }

    /// A view of the state of the plugin called `name`.
    pub fn get_container(&self, name: &str) -> Result<PluginContainer<P>, PluginError> {
        let index = self.index();
        match index.position(name) {
            Some(position) => Ok(PluginContainer::new(index, position)),
            None => Err(self.missing(&index, name)),
        }
    }

    /// Whether the namespace has a plugin called `name` (entries that failed to resolve do not
    /// count; a plugin of a plugin pack (feature `packs`) counts from its `plux.json` until resolving it
    /// failed, and asking does not load its library).
    pub fn exists(&self, name: &str) -> bool {
        let index = self.index();
        index
            .position(name)
            .is_some_and(|position| index.containers[position].resolve_error().is_none())
    }

    /// Whether the plugin called `name` is loaded (`false` for unknown names).
    pub fn is_loaded(&self, name: &str) -> bool {
        let index = self.index();
        index
            .position(name)
            .is_some_and(|position| index.containers[position].is_loaded())
    }

    fn index(&self) -> Arc<Index<P>> {
        self.resolver.get(
            || Index::build(&self.namespace, &*self.finder),
            |index| self.announce(index),
        )
    }

    fn missing(&self, index: &Index<P>, name: &str) -> PluginError {
        match index.resolve_error(name) {
            Some(error) => error.clone(),
            None => PluginError::NotFound {
                namespace: self.namespace.clone(),
                name: name.to_owned(),
            },
        }
    }

    /// The listeners as they are now, or `None` when there are none.
    fn listeners(&self) -> Option<Listeners<P, A>> {
        if !self.has_listeners.load(Ordering::Acquire) {
            return None;
        }
        let listeners = self
            .listeners
            .read()
            .unwrap_or_else(PoisonError::into_inner);
        Some(listeners.clone())
    }
}

impl<P: ?Sized + 'static, A: fmt::Debug + 'static> fmt::Debug for PluginManager<P, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let listeners = self
            .listeners
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .len();
        let filters: Vec<_> = self.filters.iter().map(|(name, _)| *name).collect();
        f.debug_struct("PluginManager")
            .field("namespace", &self.namespace)
            .field("load_args", &self.args)
            .field("listeners", &listeners)
            .field("filters", &filters)
            .finish_non_exhaustive()
    }
}

impl<P: ?Sized + 'static, A: fmt::Debug + 'static> fmt::Debug for PluginManagerBuilder<P, A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let filters: Vec<_> = self.filters.iter().map(|(name, _)| *name).collect();
        f.debug_struct("PluginManagerBuilder")
            .field("namespace", &self.namespace)
            .field("load_args", &self.args)
            .field("listeners", &self.listeners.len())
            .field("filters", &filters)
            .finish_non_exhaustive()
    }
}
