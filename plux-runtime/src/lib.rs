//! The run-time half of plux: plugin specs, the plugin manager, lifecycle listeners and filters.
//!
//! plux is LocalStack's plugin framework. Plugins are declared in code, in one of three forms:
//! a type with `#[plugin]` on its impl of the namespace's trait, a `static` [`PluginSpec`] with
//! a factory, or a function with `#[plugin]`. `cargo plux entrypoints` finds them by parsing the
//! workspace and generates a [`Registry`]; the host [`install`]s it, and a [`PluginManager`] per
//! namespace drives each plugin through its lifecycle: *resolved* (the entry became a
//! `PluginSpec<P>`), *init* (the factory made the plugin) and *loaded* (its
//! [`load`](Plugin::load) ran), reporting to [`PluginLifecycleListener`]s and skipping plugins
//! that a [`PluginFilter`] or [`Plugin::should_load`] disables. A factory, `load` or listener
//! that fails or panics is reported and the manager keeps going.
//!
//! # Example
//!
//! ```
//! use plux_runtime::{Plugin, PluginManager, PluginSpec};
//!
//! /// The interface of the `localstack.plugins.services` namespace.
//! pub trait ServicePlugin: Plugin {
//!     fn service_name(&self) -> &str;
//! }
//!
//! pub struct Service(&'static str);
//! impl Plugin for Service {}
//! impl ServicePlugin for Service {
//!     fn service_name(&self) -> &str { self.0 }
//! }
//!
//! pub static S3: PluginSpec<dyn ServicePlugin> =
//!     PluginSpec::new("localstack.plugins.services", "s3", || Box::new(Service("s3")));
//! pub static SQS: PluginSpec<dyn ServicePlugin> =
//!     PluginSpec::new("localstack.plugins.services", "sqs", || Box::new(Service("sqs")));
//!
//! // What `cargo plux entrypoints` writes to the host's `src/plux_registry.rs` (paths start
//! // with the declaring crate's name; here the plugins are in the host itself):
//! plux_runtime::registry! {
//!     "localstack.plugins.services" {
//!         "s3" = crate::S3,
//!         "sqs" = crate::SQS,
//!     }
//! }
//!
//! fn main() {
//!     plux_runtime::install(&REGISTRY);
//!     let services = PluginManager::<dyn ServicePlugin>::new("localstack.plugins.services");
//!     let loaded: Vec<_> =
//!         services.load_all().iter().map(|s| s.service_name().to_owned()).collect();
//!     assert_eq!(loaded, ["s3", "sqs"]);
//! }
//! ```
//!
//! # Parity with Python plux
//!
//! | Python plux | here |
//! |---|---|
//! | `PluginManager(namespace, load_args, listener, finder, filters)` | [`PluginManager::builder`] / [`builder_with_args`](PluginManager::builder_with_args), with the same options |
//! | `load(name)`, idempotent; `load_all(propagate_exceptions)` | [`load`](PluginManager::load) (runs a plugin's load once, also under concurrent callers); [`load_all`](PluginManager::load_all) and [`try_load_all`](PluginManager::try_load_all), which also fails on an entry that could not be resolved |
//! | `container.load_value`, `on_load_after(spec, plugin, load_result)` | [`Plugin::load_value`] returns it; [`PluginContainer::load_value`] keeps it; `on_load_after` receives it |
//! | a function plugin's `load` gets the manager's load args | `#[plugin(load = hook)]` takes `fn()` or `fn(&Args)`; another args type is a load error naming the type the hook takes |
//! | `exists(name)`, `is_loaded(name)` of an unknown name raise | return `false`: they answer a yes/no question, everywhere (the manager, its containers); [`load`](PluginManager::load) and [`get_container`](PluginManager::get_container) of an unknown name are errors ([`PluginError::NotFound`]) |
//! | `PluginDisabled`, `PluginException` | [`PluginError`]: `Disabled` (with Python's message), `Init`, `Load`, `Resolve`, `NotFound`, `Recursive` |
//! | a factory or load that raises | an error **or a panic** is an init or load error; the manager goes on |
//! | `MatchingPluginFilter`, `global_plugin_filter` (fnmatch) | the same, with glob patterns |
//! | `CompositeFinder` | [`CompositeFinder`] |
//! | extensions installed after the application | plugin packs (feature `packs`, below) |
//!
//! # Plugin packs
//!
//! With the `packs` feature, a host also loads plugins built after it, from libraries installed
//! into a directory it reads (Python plux's extensions): see the `pack` module (its docs
//! build with the feature, as on docs.rs).
//!
//! # Panics and `panic = "abort"`
//!
//! Containment of panicking plugin code relies on unwinding (`std::panic::catch_unwind`). In a
//! binary built with `panic = "abort"`, a panic in a factory, `load` or listener aborts the
//! process like any other panic; return errors instead.

/// Logs like `log::log!`, containing a panic of the logger: the record is lost, plux goes on.
/// Loggers are user code too.
macro_rules! log_contained {
    ($level:expr, $($arg:tt)+) => {
        if log::log_enabled!($level) {
            let logged = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                log::log!($level, $($arg)+)
            }));
            if let Err(payload) = logged {
                // Dropped safely (a payload's `Drop` may panic too).
                let _ = $crate::error::payload_message(payload);
            }
        }
    };
}
pub(crate) use log_contained;

mod boundary;
mod error;
mod filter;
mod function;
mod include;
mod listener;
mod manager;
#[cfg(feature = "packs")]
pub mod pack;
mod registry;
mod spec;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use registry::{CompositeFinder, PluginEntry, PluginFinder, Registry, install, installed};
pub use spec::{BoxError, LoadValue, Plugin, PluginSpec};
// Owners add their `pub use` lines below (manager/listener/filter/error: runtime helper;
// function + the `plugin` attribute re-export: macros helper).
pub use error::{Cause, Disabled, Panicked, PatternError, PluginError};
pub use filter::{MatchingPluginFilter, PluginFilter, PluginPattern, global_plugin_filter};
pub use function::FunctionPlugin;
pub use listener::PluginLifecycleListener;
pub use manager::{PluginContainer, PluginManager, PluginManagerBuilder};
#[doc(inline)]
pub use plux_macros::{plugin, registry};
