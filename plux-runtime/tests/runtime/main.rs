//! Integration tests of plux-runtime (one binary, one module per area).
#![allow(clippy::unwrap_used, missing_docs)]

// Needs a Unix signal to observe the abort.
#[cfg(unix)]
mod abort;
mod function;
mod macros;
mod manager;
#[cfg(feature = "packs")]
mod packs;
mod registry;
mod stress;
