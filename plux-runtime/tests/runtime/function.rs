//! tests: function
