//! Where plugin code runs, and how its panics are contained there.
//!
//! Plugins compiled into the host are called under the host's `catch_unwind`. A plugin pack is
//! a library with its own copy of the standard library: a panic raised there is a *foreign
//! exception* to the host's copy, whose `catch_unwind` aborts the process on it. So the
//! manager calls a pack's plugin code through the pack's own `catch_unwind` (see
//! `crate::pack`), which contains the panic inside the library and hands back its message.

use std::panic::{self, AssertUnwindSafe};

use crate::error::Panicked;

/// The panic boundary of a plugin's code.
#[derive(Clone, Copy)]
pub(crate) enum Boundary {
    /// Compiled into the host: the host's `catch_unwind`.
    Host,
    /// In a pack library: the library's own `catch_unwind`.
    #[cfg(feature = "packs")]
    Pack(crate::pack::abi::Catch),
}

impl Boundary {
    /// Runs `f`, which calls into plugin code, turning a panic into a [`Panicked`] naming
    /// `what`.
    ///
    /// Behind a pack boundary `f` must not panic itself outside the plugin code it calls (the
    /// pack's `catch_unwind` cannot catch the host's panics either): keep it to the call.
    pub(crate) fn contain<T>(
        self,
        what: &'static str,
        f: impl FnOnce() -> T,
    ) -> Result<T, Panicked> {
        match self {
            Self::Host => panic::catch_unwind(AssertUnwindSafe(f))
                .map_err(|payload| Panicked::new(what, payload)),
            #[cfg(feature = "packs")]
            Self::Pack(catch) => {
                let mut f = Some(f);
                let mut out = None;
                let panicked = catch(&mut || {
                    if let Some(f) = f.take() {
                        out = Some(f());
                    }
                });
                match (panicked, out) {
                    (None, Some(out)) => Ok(out),
                    (Some(message), _) => Err(Panicked::from_message(what, message)),
                    // The pack's `catch` returned without running the closure: only a
                    // library that is not what its header claims does that.
                    (None, None) => Err(Panicked::from_message(
                        what,
                        "the pack library did not run the call".to_owned(),
                    )),
                }
            }
        }
    }
}
