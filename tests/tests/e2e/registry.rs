//! Registration code and build.rs mode on the demo workspace.
