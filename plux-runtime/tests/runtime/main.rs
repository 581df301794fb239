//! Integration tests of plux-runtime (one binary, one module per area).
#![allow(clippy::unwrap_used, missing_docs)]

mod function;
mod macros;
mod manager;
mod stress;
