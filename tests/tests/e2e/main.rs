//! End-to-end tests: one binary, one module per area.
#![allow(clippy::unwrap_used)]

mod cli;
mod committed;
mod hostile;
mod registry;
