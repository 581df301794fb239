//! tests: macros
