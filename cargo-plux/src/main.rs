//! `cargo plux`: see `cargo plux --help`.

fn main() {
    std::process::exit(cargo_plux::run());
}
