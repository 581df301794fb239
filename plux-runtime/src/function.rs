//! Functions as plugins: [`FunctionPlugin`], what `#[plugin]` on a `fn` makes.

use std::any::Any;
use std::fmt;
use std::ops::Deref;

use crate::{BoxError, Plugin};

/// A function plugin's load hook.
#[derive(Clone, Copy)]
enum Load {
    Plain(fn() -> Result<(), BoxError>),
    /// Gets the manager's load arguments.
    Args(fn(&dyn Any) -> Result<(), BoxError>),
}

/// When a function plugin should be loaded.
#[derive(Clone, Copy)]
enum ShouldLoad {
    Always(bool),
    Check(fn() -> bool),
}

/// A function exposed as a plugin.
///
/// `F` is a function pointer type such as `fn(&Runtime)`; a namespace of function plugins uses
/// `FunctionPlugin<fn(..) -> R>` as its interface, so a manager for it is a
/// `PluginManager<FunctionPlugin<fn(&Runtime)>>`. `#[plugin]` on a `fn` declares one (see
/// [`plugin`](crate::plugin)); this type can also be built by hand for a `static` spec.
///
/// A function plugin dereferences to its function, so a loaded plugin (an `Arc` of it, or a
/// reference) is called like the function itself: `plugin(&runtime)`. [`function`] returns the
/// function pointer.
///
/// It implements [`Plugin<A>`] for every load-argument type `A`, so any manager can load it:
/// [`should_load`](Plugin::should_load) answers with the value or function given to
/// [`with_should_load`]/[`with_should_load_fn`] (default `true`), and [`load`](Plugin::load)
/// runs the hook given to [`with_load`] or [`with_load_args`], if any. A hook given to
/// `with_load_args` receives the manager's load arguments (as Python plux passes them), type
/// erased: the plugin's type does not name them (one function plugin may be loaded by managers
/// with different ones). `#[plugin(load = hook)]` takes a hook with no parameter or one
/// `&Args` parameter and checks the arguments' type when the plugin loads (a manager with
/// other load arguments gets a load error naming both types).
///
/// [`function`]: FunctionPlugin::function
/// [`with_should_load`]: FunctionPlugin::with_should_load
/// [`with_should_load_fn`]: FunctionPlugin::with_should_load_fn
/// [`with_load`]: FunctionPlugin::with_load
/// [`with_load_args`]: FunctionPlugin::with_load_args
///
/// # Example
///
/// ```
/// use std::sync::Arc;
/// use plux_runtime::{FunctionPlugin, Plugin, PluginSpec};
///
/// pub struct Runtime { pub name: &'static str }
///
/// fn greet(runtime: &Runtime) -> String {
///     format!("hello from {}", runtime.name)
/// }
///
/// fn enabled() -> bool {
///     true
/// }
///
/// static GREET: PluginSpec<FunctionPlugin<fn(&Runtime) -> String>> =
///     PluginSpec::new("demo.greeters", "greet", || {
///         Box::new(FunctionPlugin::new(greet as fn(&Runtime) -> String).with_should_load_fn(enabled))
///     });
///
/// let plugin: Arc<FunctionPlugin<fn(&Runtime) -> String>> = GREET.create().unwrap().into();
/// assert!(Plugin::<()>::should_load(&*plugin));
/// // Called like the function it wraps.
/// assert_eq!(plugin(&Runtime { name: "demo" }), "hello from demo");
/// ```
#[derive(Clone, Copy)]
pub struct FunctionPlugin<F> {
    function: F,
    should_load: ShouldLoad,
    load: Option<Load>,
}

impl<F> FunctionPlugin<F> {
    /// A plugin for `function` that always loads and has no load hook.
    ///
    /// Pass a function pointer, not a function item: `FunctionPlugin::new(f as fn(&Runtime))`
    /// (each `fn` item has its own unnameable type).
    pub const fn new(function: F) -> Self {
        Self {
            function,
            should_load: ShouldLoad::Always(true),
            load: None,
        }
    }

    /// Loads the plugin only when `should_load` is true; false disables it.
    pub const fn with_should_load(mut self, should_load: bool) -> Self {
        self.should_load = ShouldLoad::Always(should_load);
        self
    }

    /// Asks `should_load` each time the manager decides whether to load the plugin.
    ///
    /// ```
    /// use plux_runtime::{FunctionPlugin, Plugin};
    ///
    /// fn run() {}
    /// fn never() -> bool {
    ///     false
    /// }
    ///
    /// let plugin = FunctionPlugin::new(run as fn()).with_should_load_fn(never);
    /// assert!(!Plugin::<()>::should_load(&plugin));
    /// ```
    pub const fn with_should_load_fn(mut self, should_load: fn() -> bool) -> Self {
        self.should_load = ShouldLoad::Check(should_load);
        self
    }

    /// Runs `load` when a manager loads the plugin; an error is reported as a load error.
    ///
    /// ```
    /// use plux_runtime::{BoxError, FunctionPlugin, Plugin};
    ///
    /// fn run() {}
    /// fn connect() -> Result<(), BoxError> {
    ///     Err("no connection".into())
    /// }
    ///
    /// let plugin = FunctionPlugin::new(run as fn()).with_load(connect);
    /// let error = Plugin::<()>::load(&plugin, &()).unwrap_err();
    /// assert_eq!(error.to_string(), "no connection");
    /// ```
    pub const fn with_load(mut self, load: fn() -> Result<(), BoxError>) -> Self {
        self.load = Some(Load::Plain(load));
        self
    }

    /// Runs `load` with the manager's load arguments when a manager loads the plugin; an error
    /// is reported as a load error. The arguments come type-erased: downcast them to the
    /// manager's load-argument type.
    ///
    /// ```
    /// use std::any::Any;
    /// use plux_runtime::{BoxError, FunctionPlugin, Plugin};
    ///
    /// fn run() {}
    /// fn check_port(args: &dyn Any) -> Result<(), BoxError> {
    ///     match args.downcast_ref::<u16>() {
    ///         Some(port) if *port > 1024 => Ok(()),
    ///         _ => Err("an unprivileged port is needed".into()),
    ///     }
    /// }
    ///
    /// let plugin = FunctionPlugin::new(run as fn()).with_load_args(check_port);
    /// assert!(Plugin::<u16>::load(&plugin, &4566).is_ok());
    /// assert!(Plugin::<u16>::load(&plugin, &80).is_err());
    /// ```
    pub const fn with_load_args(mut self, load: fn(&dyn Any) -> Result<(), BoxError>) -> Self {
        self.load = Some(Load::Args(load));
        self
    }

    /// The wrapped function.
    pub const fn function(&self) -> F
    where
        F: Copy,
    {
        self.function
    }
}

impl<F> Deref for FunctionPlugin<F> {
    type Target = F;

    /// The wrapped function, so that `plugin(args)` calls it.
    fn deref(&self) -> &F {
        &self.function
    }
}

impl<F, A> Plugin<A> for FunctionPlugin<F>
where
    F: Send + Sync + 'static,
    A: 'static,
{
    fn should_load(&self) -> bool {
        match self.should_load {
            ShouldLoad::Always(value) => value,
            ShouldLoad::Check(check) => check(),
        }
    }

    fn load(&self, args: &A) -> Result<(), BoxError> {
        match self.load {
            Some(Load::Plain(load)) => load(),
            Some(Load::Args(load)) => load(args),
            None => Ok(()),
        }
    }
}

impl<F> fmt::Debug for FunctionPlugin<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let should_load: &dyn fmt::Debug = match &self.should_load {
            ShouldLoad::Always(value) => value,
            ShouldLoad::Check(_) => &"<fn() -> bool>",
        };
        f.debug_struct("FunctionPlugin")
            .field("function", &std::any::type_name::<F>())
            .field("should_load", should_load)
            .field("load", &self.load.map(|_| "<fn>"))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::FunctionPlugin;
    use crate::Plugin;

    fn double(x: &u32) -> u32 {
        x * 2
    }

    #[test]
    fn debug_names_the_function_type_and_options() {
        let plugin = FunctionPlugin::new(double as fn(&u32) -> u32).with_should_load(false);
        let expected = format!(
            "FunctionPlugin {{ function: {:?}, should_load: false, load: None }}",
            std::any::type_name::<fn(&u32) -> u32>()
        );
        assert_eq!(format!("{plugin:?}"), expected);
    }

    #[test]
    fn defaults_load_and_do_nothing() {
        let plugin = FunctionPlugin::new(double as fn(&u32) -> u32);
        assert!(Plugin::<String>::should_load(&plugin));
        assert!(Plugin::<String>::load(&plugin, &"args".to_owned()).is_ok());
        assert_eq!(plugin.function()(&4), 8);
        assert_eq!(plugin(&5), 10);
    }
}
