//! The `cargo plux` command line (a thin layer over plux-build).

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    0
}
