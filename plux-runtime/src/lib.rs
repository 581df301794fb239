//! The run-time half of plux: plugin specs, the plugin manager, lifecycle listeners and filters.
//!
//! See the crate README and `ARCHITECTURE.md` for the whole picture.

mod error;
mod filter;
mod function;
mod include;
mod listener;
mod manager;
mod registry;
mod spec;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use registry::{PluginEntry, PluginFinder, Registry, install, installed};
pub use spec::{BoxError, Plugin, PluginSpec};
// Owners add their `pub use` lines below (manager/listener/filter/error: runtime helper;
// function + the `plugin` attribute re-export: macros helper).
pub use function::FunctionPlugin;
#[doc(inline)]
pub use plux_macros::plugin;
pub use error::{Cause, Disabled, Panicked, PatternError, PluginError};
pub use filter::{MatchingPluginFilter, PluginFilter, PluginPattern, global_plugin_filter};
pub use listener::PluginLifecycleListener;
pub use manager::{PluginContainer, PluginManager, PluginManagerBuilder};
