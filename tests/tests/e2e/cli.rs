//! `cargo plux` commands on the seed fixtures.
