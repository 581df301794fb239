//! End-to-end tests: one binary, one module per area.
#![allow(clippy::unwrap_used)]

mod buildscript;
mod cli;
mod committed;
mod files;
mod hostile;
mod packs;
mod reach;
mod registry;
mod release;
mod staticlib;
