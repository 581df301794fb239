//! tests: stress (issue 6)
