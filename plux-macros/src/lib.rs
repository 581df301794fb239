//! The `#[plugin]` attribute of plux. Use it through `plux_runtime::plugin`.

use proc_macro::TokenStream;

/// Declares a plugin; see `plux_runtime::plugin`.
#[proc_macro_attribute]
pub fn plugin(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
