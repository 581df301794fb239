//! The run-time half of plux: plugin specs, the plugin manager, lifecycle listeners and filters.
//!
//! See the crate README and `ARCHITECTURE.md` for the whole picture.
// The runtime helper fills in: manager, listener, filter, error, function modules.

mod registry;
mod spec;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use registry::{PluginEntry, PluginFinder, Registry, install, installed};
pub use spec::{BoxError, Plugin, PluginSpec};
