//! tests: manager
