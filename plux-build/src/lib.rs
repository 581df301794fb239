//! The build-time half of plux: finds plugin declarations by parsing a cargo workspace with
//! syn (nothing is compiled or run), writes each package's `plux.json` index and generates the
//! registration code a host binary compiles in.
//!
//! `cargo plux` is a thin front end over this crate; build scripts call it directly.

pub mod builder;
pub mod check;
pub mod codegen;
pub mod config;
pub mod diagnostic;
pub mod error;
pub mod index;
pub mod model;
pub mod ops;
pub mod scan;
pub mod workspace;

pub use builder::{Builder, build};
pub use diagnostic::{Diagnostic, Severity};
pub use error::{Error, Result};
pub use model::{Declaration, Kind, Location};
