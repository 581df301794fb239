//! The build-time half of plux: finds plugin declarations by parsing a cargo workspace with
//! syn (nothing is compiled or run), writes each package's `plux.json` index and generates the
//! registration code a host binary compiles in.
//!
//! `cargo plux` is a thin front end over this crate; build scripts call it directly.

pub mod builder;
#[cfg(feature = "cli")]
pub mod check;
pub mod codegen;
pub mod config;
pub mod diagnostic;
pub mod error;
pub mod index;
pub mod model;
#[cfg(feature = "cli")]
pub mod ops;
pub mod scan;
pub mod validate;
pub mod workspace;

mod fsx;
#[cfg(not(feature = "parallel"))]
mod par;
#[cfg(test)]
mod test_util;
mod tmp;
#[cfg(feature = "parallel")]
use rayon as par;

pub use builder::{Builder, build, pack};
pub use diagnostic::{Diagnostic, Severity};
pub use error::{Error, Result};
pub use model::{Declaration, Kind, Location};
