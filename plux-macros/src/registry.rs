//! `registry!`: the registration code of a host, from the list `cargo plux entrypoints` (or a
//! build script) writes.
//!
//! The input is one line per plugin, grouped by namespace; the expansion is the machinery
//! that reaches every plugin, checks the list is current and builds the `REGISTRY` static.
//! Both are described on `plux_runtime::registry!`.

mod expand;
mod parse;

use proc_macro2::{TokenStream, TokenTree};

use parse::Input;
pub(crate) use parse::{Entry, Kind};

/// Expands a `registry! { .. }` invocation, or reports what is malformed in it.
pub(crate) fn registry(input: TokenStream) -> TokenStream {
    match syn::parse2::<Input>(input) {
        Ok(input) => expand::expand(&input),
        Err(error) => error.to_compile_error(),
    }
}

/// The entries of the `registry!` invocation in a registry file's text (its first one).
pub(crate) fn entries_of_file(text: &str) -> Result<Vec<Entry>, String> {
    let tokens: TokenStream = text
        .parse()
        .map_err(|e: proc_macro2::LexError| e.to_string())?;
    let mut tokens = tokens.into_iter().peekable();
    while let Some(token) = tokens.next() {
        let TokenTree::Ident(ident) = token else {
            continue;
        };
        if ident != "registry" {
            continue;
        }
        if !matches!(tokens.next(), Some(TokenTree::Punct(p)) if p.as_char() == '!') {
            continue;
        }
        if let Some(TokenTree::Group(group)) = tokens.next() {
            return syn::parse2::<Input>(group.stream())
                .map(|input| input.entries)
                .map_err(|e| e.to_string());
        }
    }
    Err("no `registry!` invocation".to_owned())
}

/// The key `plux_runtime::__private::key` computes: FNV-1a (64 bit) of `namespace`, a `0xff`
/// separator byte and `name`. Computed here so that generated code names it as a literal
/// instead of evaluating the `const fn` once per plugin.
pub(crate) fn key(namespace: &str, name: &str) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let bytes = namespace
        .bytes()
        .chain(std::iter::once(0xff))
        .chain(name.bytes());
    bytes.fold(OFFSET, |hash, b| (hash ^ u64::from(b)).wrapping_mul(PRIME))
}

#[cfg(test)]
mod tests;
