//! Plugin specifications: what a namespace offers and how to make each plugin.

use std::any::Any;
use std::fmt;
use std::sync::Arc;

/// The error type plugin code returns: any error that can cross threads.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What a plugin's load produced (Python plux's `load_value`, what `load()` returns): its
/// container keeps it ([`PluginContainer::load_value`](crate::PluginContainer::load_value))
/// and `on_load_after` sees it. Downcast it to the type the plugin returns.
pub type LoadValue = Arc<dyn Any + Send + Sync>;

/// A plugin: something a [`PluginManager`](crate::PluginManager) can decide to load.
///
/// A namespace's interface is a trait with `Plugin<Args>` as a supertrait; the manager works
/// with `dyn ThatTrait`. `Args` is the type of the load arguments the manager passes to every
/// plugin's [`load`](Plugin::load) (`()` when there are none).
///
/// # Example
///
/// ```
/// use plux_runtime::{BoxError, Plugin};
///
/// pub struct Cli { pub commands: std::sync::Mutex<Vec<String>> }
///
/// /// The interface of the `my.plugins.cli` namespace.
/// pub trait CliPlugin: Plugin<Cli> {}
///
/// #[derive(Default)]
/// struct Hello;
///
/// impl Plugin<Cli> for Hello {
///     fn load(&self, cli: &Cli) -> Result<(), BoxError> {
///         cli.commands.lock().unwrap().push("hello".into());
///         Ok(())
///     }
/// }
/// impl CliPlugin for Hello {}
/// ```
pub trait Plugin<Args: ?Sized = ()>: Send + Sync + 'static {
    /// Whether the plugin should be loaded; a plugin that says no is disabled with the
    /// reason "Load condition for plugin was false". Defaults to `true`.
    fn should_load(&self) -> bool {
        true
    }

    /// Loads the plugin. Runs at most once per manager, also under concurrent callers.
    /// An error (or a panic) is reported as a load error and the manager keeps going.
    fn load(&self, args: &Args) -> Result<(), BoxError> {
        let _ = args;
        Ok(())
    }

    /// Loads the plugin and returns what loading produced, which its container keeps and
    /// `on_load_after` receives (Python plux's `load()` return value). The manager calls this
    /// one; its default runs [`load`](Self::load) and returns `None`, so a plugin implements
    /// `load` unless it has a value to give.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use plux_runtime::{BoxError, LoadValue, Plugin, PluginEntry, PluginManager, PluginSpec};
    ///
    /// struct Port;
    /// impl Plugin for Port {
    ///     fn load_value(&self, _: &()) -> Result<Option<LoadValue>, BoxError> {
    ///         Ok(Some(Arc::new(4566_u16)))
    ///     }
    /// }
    /// static PORT: PluginSpec<dyn Plugin> = PluginSpec::new("demo.values", "port", || Box::new(Port));
    ///
    /// let manager = PluginManager::<dyn Plugin>::builder("demo.values")
    ///     .finder(vec![PluginEntry::of(&PORT)])
    ///     .build();
    /// manager.load("port")?;
    /// let value = manager.get_container("port")?.load_value().unwrap();
    /// assert_eq!(value.downcast_ref::<u16>(), Some(&4566));
    /// # Ok::<(), plux_runtime::PluginError>(())
    /// ```
    fn load_value(&self, args: &Args) -> Result<Option<LoadValue>, BoxError> {
        self.load(args).map(|()| None)
    }
}

enum Factory<P: ?Sized + 'static> {
    Infallible(fn() -> Box<P>),
    Fallible(fn() -> Result<Box<P>, BoxError>),
}

impl<P: ?Sized> Clone for Factory<P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P: ?Sized> Copy for Factory<P> {}

/// A plugin specification: a namespace, a name and a factory that makes the plugin.
///
/// `P` is the namespace's interface, usually `dyn SomeTrait`. Specs are `const`-constructible,
/// so a package can declare them as `static`s; `cargo plux` finds such statics by reading the
/// source.
///
/// # Example
///
/// ```
/// use plux_runtime::{Plugin, PluginSpec};
///
/// pub trait ServicePlugin: Plugin {
///     fn service_name(&self) -> &str;
/// }
///
/// pub struct Service(&'static str);
/// impl Plugin for Service {}
/// impl ServicePlugin for Service {
///     fn service_name(&self) -> &str { self.0 }
/// }
///
/// pub static S3: PluginSpec<dyn ServicePlugin> =
///     PluginSpec::new("localstack.plugins.services", "s3", || Box::new(Service("s3")));
///
/// assert_eq!(S3.name(), "s3");
/// assert_eq!(S3.create().unwrap().service_name(), "s3");
/// ```
pub struct PluginSpec<P: ?Sized + 'static> {
    namespace: &'static str,
    name: &'static str,
    factory: Factory<P>,
}

impl<P: ?Sized + 'static> PluginSpec<P> {
    /// A spec whose factory cannot fail.
    pub const fn new(namespace: &'static str, name: &'static str, factory: fn() -> Box<P>) -> Self {
        Self {
            namespace,
            name,
            factory: Factory::Infallible(factory),
        }
    }

    /// A spec whose factory may fail; the error is reported as an init error.
    ///
    /// ```
    /// use plux_runtime::{BoxError, Plugin, PluginSpec};
    ///
    /// struct Db;
    /// impl Plugin for Db {}
    ///
    /// fn connect() -> Result<Box<dyn Plugin>, BoxError> {
    ///     Err("database is unreachable".into())
    /// }
    ///
    /// static DB: PluginSpec<dyn Plugin> = PluginSpec::fallible("my.stores", "db", connect);
    /// assert!(DB.create().is_err());
    /// ```
    pub const fn fallible(
        namespace: &'static str,
        name: &'static str,
        factory: fn() -> Result<Box<P>, BoxError>,
    ) -> Self {
        Self {
            namespace,
            name,
            factory: Factory::Fallible(factory),
        }
    }

    /// The namespace of the plugin.
    pub const fn namespace(&self) -> &'static str {
        self.namespace
    }

    /// The name of the plugin, unique within its namespace.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// Runs the factory. Panics are not caught here; the manager catches them.
    pub fn create(&self) -> Result<Box<P>, BoxError> {
        match self.factory {
            Factory::Infallible(f) => Ok(f()),
            Factory::Fallible(f) => f(),
        }
    }
}

impl<P: ?Sized> Clone for PluginSpec<P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P: ?Sized> Copy for PluginSpec<P> {}

impl<P: ?Sized> fmt::Debug for PluginSpec<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginSpec")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}
