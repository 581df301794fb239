//! `cargo plux`: see `cargo plux --help`.

/// Parsing allocates many small syntax-tree nodes; mimalloc serves them faster than the system
/// allocator (see the `mimalloc` feature).
#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    std::process::exit(cargo_plux::run());
}
