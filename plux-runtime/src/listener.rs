//! Lifecycle listeners: hooks a [`PluginManager`](crate::PluginManager) calls as plugins are
//! resolved, made and loaded.

use std::sync::Arc;

use crate::{BoxError, LoadValue, PluginEntry, PluginError, PluginSpec};

/// Hooks into the lifecycle of the plugins of one manager (Python plux's
/// `PluginLifecycleListener`). Every hook has an empty default body; implement the ones you need.
///
/// `P` is the manager's interface, `A` its load-argument type. A manager may have several
/// listeners; each hook is called on every listener, in the order they were added.
///
/// # Order
///
/// For one plugin the hooks fire in lifecycle order, each at most once per manager:
/// `on_resolve_after` (or `on_resolve_exception`), then `on_init_after` or `on_init_exception`,
/// then `on_load_before`, and finally `on_load_after` or `on_load_exception`. The resolve hooks of
/// the namespace fire when the manager first needs its index (`on_resolve_after` in name order,
/// then `on_resolve_exception` for the entries that failed), before any other hook and before any
/// other thread can use the index; only calls made from a resolve hook itself see the index
/// earlier. A plugin that is disabled (by a filter or `should_load`) gets no further hook.
/// `load` returns, on every thread, only after the plugin's hooks have all returned. Hooks of
/// different plugins may run concurrently on different threads. A listener added with
/// [`add_listener`](crate::PluginManager::add_listener) sees the hooks of lifecycle runs that
/// start after it was added.
///
/// # Vetoes, errors and panics
///
/// The three hooks that run while a step is still undecided return a result: an error from
/// `on_init_after` makes the plugin fail to initialize (an init error, reported to
/// `on_init_exception`), an error from `on_load_before` or `on_load_after` makes it fail to load
/// (a load error, reported to `on_load_exception`). Returning [`Disabled`](crate::Disabled)
/// instead disables the plugin. The first listener that returns an error ends the step; later
/// listeners do not see that hook.
///
/// A hook that panics is contained: the panic is caught, logged with `log::warn!`, and the
/// manager carries on as if the hook had returned normally. No lock is held while a hook runs,
/// so a hook may call back into its manager, for example to load another plugin.
///
/// # Example
///
/// ```
/// use std::sync::{Arc, Mutex};
/// use plux_runtime::{
///     BoxError, LoadValue, Plugin, PluginEntry, PluginLifecycleListener, PluginManager, PluginSpec,
/// };
///
/// #[derive(Default)]
/// struct Loaded(Mutex<Vec<&'static str>>);
///
/// impl PluginLifecycleListener<dyn Plugin> for Loaded {
///     fn on_load_after(&self, spec: &PluginSpec<dyn Plugin>, _: &Arc<dyn Plugin>, _: Option<&LoadValue>) -> Result<(), BoxError> {
///         self.0.lock().unwrap().push(spec.name());
///         Ok(())
///     }
/// }
///
/// struct Noop;
/// impl Plugin for Noop {}
/// static A: PluginSpec<dyn Plugin> = PluginSpec::new("demo.listen", "a", || Box::new(Noop));
///
/// let loaded = Arc::new(Loaded::default());
/// let manager = PluginManager::<dyn Plugin>::builder("demo.listen")
///     .finder(vec![PluginEntry::of(&A)])
///     .listener(loaded.clone())
///     .build();
/// manager.load_all();
/// assert_eq!(*loaded.0.lock().unwrap(), ["a"]);
/// ```
#[allow(unused_variables)]
pub trait PluginLifecycleListener<P: ?Sized + 'static, A = ()>: Send + Sync {
    /// An entry of the finder could not be resolved to a `PluginSpec<P>`; the plugin is left out
    /// of the manager.
    fn on_resolve_exception(&self, namespace: &str, entry: &PluginEntry, error: &PluginError) {}

    /// An entry of the finder was resolved to a spec of the manager's interface.
    fn on_resolve_after(&self, spec: &PluginSpec<P>) {}

    /// The factory failed or panicked, or an `on_init_after` hook returned an error.
    fn on_init_exception(&self, spec: &PluginSpec<P>, error: &PluginError) {}

    /// The factory made the plugin. An error fails the initialization; [`Disabled`](crate::Disabled)
    /// disables the plugin.
    fn on_init_after(&self, spec: &PluginSpec<P>, plugin: &Arc<P>) -> Result<(), BoxError> {
        Ok(())
    }

    /// The plugin is about to be loaded with `args`. An error fails the load;
    /// [`Disabled`](crate::Disabled) disables the plugin.
    fn on_load_before(
        &self,
        spec: &PluginSpec<P>,
        plugin: &Arc<P>,
        args: &A,
    ) -> Result<(), BoxError> {
        Ok(())
    }

    /// The plugin's `load` succeeded; `value` is what it produced
    /// ([`Plugin::load_value`](crate::Plugin::load_value), Python's `load_result`). An error fails
    /// the load after all; [`Disabled`](crate::Disabled) disables the plugin.
    fn on_load_after(
        &self,
        spec: &PluginSpec<P>,
        plugin: &Arc<P>,
        value: Option<&LoadValue>,
    ) -> Result<(), BoxError> {
        Ok(())
    }

    /// `should_load` panicked, `load` failed or panicked, or an `on_load_before`/`on_load_after`
    /// hook returned an error.
    fn on_load_exception(&self, spec: &PluginSpec<P>, plugin: &Arc<P>, error: &PluginError) {}
}

macro_rules! forward {
    ($($ty:ty),*) => {$(
        impl<P: ?Sized + 'static, A, L> PluginLifecycleListener<P, A> for $ty
        where
            L: PluginLifecycleListener<P, A> + ?Sized,
        {
            fn on_resolve_exception(&self, namespace: &str, entry: &PluginEntry, error: &PluginError) {
                (**self).on_resolve_exception(namespace, entry, error)
            }
            fn on_resolve_after(&self, spec: &PluginSpec<P>) {
                (**self).on_resolve_after(spec)
            }
            fn on_init_exception(&self, spec: &PluginSpec<P>, error: &PluginError) {
                (**self).on_init_exception(spec, error)
            }
            fn on_init_after(&self, spec: &PluginSpec<P>, plugin: &Arc<P>) -> Result<(), BoxError> {
                (**self).on_init_after(spec, plugin)
            }
            fn on_load_before(&self, spec: &PluginSpec<P>, plugin: &Arc<P>, args: &A) -> Result<(), BoxError> {
                (**self).on_load_before(spec, plugin, args)
            }
            fn on_load_after(&self, spec: &PluginSpec<P>, plugin: &Arc<P>, value: Option<&LoadValue>) -> Result<(), BoxError> {
                (**self).on_load_after(spec, plugin, value)
            }
            fn on_load_exception(&self, spec: &PluginSpec<P>, plugin: &Arc<P>, error: &PluginError) {
                (**self).on_load_exception(spec, plugin, error)
            }
        }
    )*};
}

// A shared listener (`Arc<MyListener>`) can be given to a manager while the caller keeps a handle.
forward!(Arc<L>, Box<L>);
