//! One plugin's lifecycle run: filters, factory, `should_load`, `load`, and the listeners' hooks
//! in between, with every piece of user code run without locks and under `catch_unwind`.

use std::sync::Arc;

use crate::boundary::Boundary;
use crate::error::{Id, Panicked, cause};
use crate::{
    BoxError, Disabled, Plugin, PluginEntry, PluginError, PluginLifecycleListener, PluginSpec,
    global_plugin_filter,
};

use super::PluginManager;
use super::container::{Begin, Container, Run, Spec};
use super::index::Index;

/// The reason of a plugin disabled by `should_load` (the text of Python plux).
const SHOULD_LOAD_FALSE: &str = "Load condition for plugin was false";

/// Runs host code (listeners, filters), turning a panic into a [`Panicked`] naming `what`.
fn contain<T>(what: &'static str, f: impl FnOnce() -> T) -> Result<T, Panicked> {
    Boundary::Host.contain(what, f)
}

/// Logs an init or load error. Its cause's `Display` is plugin code, run behind the plugin's
/// `boundary`: a panic there is contained (the error is recorded before, and the hooks still
/// fire).
fn warn(error: &PluginError, boundary: Boundary) {
    if !log::log_enabled!(log::Level::Warn) {
        return;
    }
    match boundary.contain("formatting the error", || error.to_string()) {
        Ok(text) => crate::log_contained!(log::Level::Warn, "{text}"),
        Err(panicked) => crate::log_contained!(
            log::Level::Warn,
            "plugin {} failed; {panicked}",
            Id(error.namespace(), error.name())
        ),
    }
}

/// What an error returned by plugin code or a hook means.
enum Failure {
    Disabled(String),
    Error(crate::error::Cause),
}

impl From<BoxError> for Failure {
    fn from(error: BoxError) -> Self {
        match error.downcast_ref::<Disabled>() {
            Some(disabled) => Self::Disabled(disabled.reason().to_owned()),
            None => Self::Error(cause(error)),
        }
    }
}

impl From<Panicked> for Failure {
    fn from(panicked: Panicked) -> Self {
        Self::Error(Arc::new(panicked))
    }
}

/// What settling a failed init or load needs besides the error.
struct Failed<'a, P: ?Sized + 'static, A: 'static> {
    spec: &'static PluginSpec<P>,
    boundary: Boundary,
    listeners: &'a [Arc<dyn PluginLifecycleListener<P, A>>],
}

impl<P: ?Sized + 'static, A: 'static> Clone for Failed<'_, P, A> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P: ?Sized + 'static, A: 'static> Copy for Failed<'_, P, A> {}

impl<P: ?Sized + Plugin<A> + 'static, A: 'static> PluginManager<P, A> {
    /// Fires the resolve hooks for a freshly built index: successes in name order, then
    /// failures.
    pub(super) fn announce(&self, index: &Index<P>) {
        let Some(listeners) = self.listeners() else {
            return;
        };
        for container in &index.containers {
            // Plugins of packs are resolved (and announced) on first use.
            let Some(spec) = container.spec() else {
                continue;
            };
            let id = Id(container.entry.namespace(), container.entry.name());
            for listener in listeners.iter() {
                self.hook(&id, "on_resolve_after", || listener.on_resolve_after(spec));
            }
        }
        for (entry, error) in &index.unresolved {
            let id = Id(entry.namespace(), entry.name());
            for listener in listeners.iter() {
                self.hook(&id, "on_resolve_exception", || {
                    listener.on_resolve_exception(&self.namespace, entry, error)
                });
            }
        }
    }

    /// The spec of a container, resolving it on first use (a pack's plugin: its library is
    /// loaded); the call that resolves it fires the resolve hooks.
    pub(super) fn resolve_container(
        &self,
        container: &Container<P>,
    ) -> Result<Spec<P>, PluginError> {
        let (outcome, first) = container.resolve();
        if first && let Some(listeners) = self.listeners() {
            let entry = &container.entry;
            let id = Id(entry.namespace(), entry.name());
            for listener in listeners.iter() {
                match outcome {
                    Ok((spec, _)) => {
                        self.hook(&id, "on_resolve_after", || listener.on_resolve_after(spec));
                    }
                    Err(error) => self.hook(&id, "on_resolve_exception", || {
                        listener.on_resolve_exception(&self.namespace, entry, error)
                    }),
                }
            }
        }
        outcome.map_err(Clone::clone)
    }

    pub(super) fn load_container(&self, container: &Container<P>) -> Result<Arc<P>, PluginError> {
        match container.begin() {
            Begin::Done(outcome) => outcome,
            Begin::Run(run) => self.run(container, run),
        }
    }

    /// The lifecycle of one plugin; `run` settles it.
    fn run(&self, container: &Container<P>, run: Run<'_, P>) -> Result<Arc<P>, PluginError> {
        let entry = &container.entry;
        let id = Id(entry.namespace(), entry.name());

        // Filters see the entry only, so a pack's plugin they disable never loads its library.
        if let Some(reason) = self.filtered(entry) {
            return self.disable(run, entry, reason);
        }
        let (spec, boundary) = match self.resolve_container(container) {
            Ok(resolved) => resolved,
            Err(error) => {
                run.set_error(error);
                return run.failed();
            }
        };
        // One snapshot per run: a listener added meanwhile sees the next plugin's hooks.
        let snapshot = self.listeners();
        let listeners = snapshot.as_deref().unwrap_or_default();
        let failed = Failed {
            spec,
            boundary,
            listeners,
        };

        crate::log_contained!(log::Level::Debug, "instantiating plugin {id}");
        let plugin: Arc<P> = match boundary.contain("the factory", || spec.create()) {
            Ok(Ok(plugin)) => Arc::from(plugin),
            Ok(Err(error)) => return self.failed(run, container, &failed, None, error.into()),
            Err(panicked) => return self.failed(run, container, &failed, None, panicked.into()),
        };
        run.set_plugin(plugin.clone());
        if let Err(failure) = self.veto(listeners, &id, "on_init_after", |l| {
            l.on_init_after(spec, &plugin)
        }) {
            return self.failed(run, container, &failed, None, failure);
        }

        match boundary.contain("should_load", || plugin.should_load()) {
            Ok(true) => {}
            Ok(false) => return self.disable(run, entry, SHOULD_LOAD_FALSE.to_owned()),
            Err(panicked) => {
                return self.failed(run, container, &failed, Some(&plugin), panicked.into());
            }
        }
        if let Err(failure) = self.veto(listeners, &id, "on_load_before", |l| {
            l.on_load_before(spec, &plugin, &self.args)
        }) {
            return self.failed(run, container, &failed, Some(&plugin), failure);
        }

        crate::log_contained!(log::Level::Debug, "loading plugin {id}");
        let value = match boundary.contain("load", || plugin.load_value(&self.args)) {
            Ok(Ok(value)) => value,
            Ok(Err(error)) => {
                return self.failed(run, container, &failed, Some(&plugin), error.into());
            }
            Err(panicked) => {
                return self.failed(run, container, &failed, Some(&plugin), panicked.into());
            }
        };
        if let Err(failure) = self.veto(listeners, &id, "on_load_after", |l| {
            l.on_load_after(spec, &plugin, value.as_ref())
        }) {
            return self.failed(run, container, &failed, Some(&plugin), failure);
        }
        run.set_value(value);
        run.loaded()
    }

    /// The reason the first filter that disables `entry` gives, if any.
    fn filtered(&self, entry: &PluginEntry) -> Option<String> {
        const DISABLED: &str = "A plugin filter disabled this plugin before it was initialized";
        if let Some(pattern) = global_plugin_filter().matching(entry) {
            return Some(format!("{DISABLED} (`global_plugin_filter`, {pattern})"));
        }
        for (name, filter) in &self.filters {
            match contain("a plugin filter", || filter.disables(entry)) {
                Ok(false) => {}
                Ok(true) => return Some(format!("{DISABLED} (`{name}`)")),
                Err(panicked) => crate::log_contained!(
                    log::Level::Warn,
                    "{panicked} (`{name}`) for plugin {}; the filter is ignored",
                    Id(entry.namespace(), entry.name())
                ),
            }
        }
        None
    }

    fn disable(
        &self,
        run: Run<'_, P>,
        entry: &PluginEntry,
        reason: String,
    ) -> Result<Arc<P>, PluginError> {
        let error = PluginError::Disabled {
            namespace: entry.namespace().to_owned(),
            name: entry.name().to_owned(),
            reason,
        };
        crate::log_contained!(log::Level::Debug, "{error}");
        run.disable(error)
    }

    /// Settles a failed init (`plugin` is `None`) or load: disables the plugin, or records the
    /// error, logs it and fires the matching exception hook.
    fn failed(
        &self,
        run: Run<'_, P>,
        container: &Container<P>,
        context: &Failed<'_, P, A>,
        plugin: Option<&Arc<P>>,
        failure: Failure,
    ) -> Result<Arc<P>, PluginError> {
        let Failed {
            spec,
            boundary,
            listeners,
        } = *context;
        let entry = &container.entry;
        let cause = match failure {
            Failure::Disabled(reason) => return self.disable(run, entry, reason),
            Failure::Error(cause) => cause,
        };
        let (namespace, name) = (entry.namespace().to_owned(), entry.name().to_owned());
        let error = match plugin {
            None => PluginError::Init {
                namespace,
                name,
                cause,
            },
            Some(_) => PluginError::Load {
                namespace,
                name,
                cause,
            },
        };
        run.set_error(error.clone());
        warn(&error, boundary);
        let id = Id(entry.namespace(), entry.name());
        for listener in listeners.iter() {
            match plugin {
                None => self.hook(&id, "on_init_exception", || {
                    listener.on_init_exception(spec, &error)
                }),
                Some(plugin) => self.hook(&id, "on_load_exception", || {
                    listener.on_load_exception(spec, plugin, &error)
                }),
            }
        }
        run.failed()
    }

    /// Calls a hook that returns nothing on one listener; a panic is logged and ignored.
    fn hook(&self, id: &Id<'_>, what: &'static str, call: impl FnOnce()) {
        if let Err(panicked) = contain(what, call) {
            crate::log_contained!(
                log::Level::Warn,
                "listener hook {panicked} for plugin {id}; the manager goes on"
            );
        }
    }

    /// Calls a hook that may veto on every listener, stopping at the first error; panics are
    /// logged and ignored.
    fn veto(
        &self,
        listeners: &[Arc<dyn PluginLifecycleListener<P, A>>],
        id: &Id<'_>,
        what: &'static str,
        call: impl Fn(&dyn PluginLifecycleListener<P, A>) -> Result<(), BoxError>,
    ) -> Result<(), Failure> {
        for listener in listeners.iter() {
            match contain(what, || call(&**listener)) {
                Ok(Ok(())) => {}
                Ok(Err(error)) => return Err(error.into()),
                Err(panicked) => {
                    crate::log_contained!(
                        log::Level::Warn,
                        "listener hook {panicked} for plugin {id}; the manager goes on"
                    );
                }
            }
        }
        Ok(())
    }
}
