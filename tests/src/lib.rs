//! Helpers shared by the end-to-end tests: copying fixtures, running the real binary.
