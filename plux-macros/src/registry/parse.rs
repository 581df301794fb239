//! The input of `registry!`:
//!
//! ```text
//! "namespace" {
//!     #[cfg(host predicate)]                 (optional, any number)
//!     "name" = path::to::Item [extra, ..],   (extras optional)
//! }
//! ```
//!
//! Extras, as in `plux.json`: `type`, `fn`, `cfg(..)` (the item is gated in its own crate) or
//! `macro(..)` (the same, by a `cfg` a macro call adds), each optionally followed by
//! `on path::to::module` (a module of the path is), and `value = path` (the path as
//! `plux.json` writes it, when the registry names the item by another path). Parsing is
//! iterative: nothing in the input nests deeper than the namespace braces and the extras'
//! brackets (a `cfg` predicate is kept as tokens, never parsed).

use proc_macro2::{Span, TokenStream};
use syn::ext::IdentExt as _;
use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token, braced, bracketed, parenthesized};

/// How a plugin is declared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A `static`/`const` `PluginSpec`.
    Spec,
    /// `#[plugin]` on `impl Trait for Type`.
    Type,
    /// `#[plugin]` on a `fn`.
    Function,
}

/// One plugin of the registry.
pub(crate) struct Entry {
    pub namespace: String,
    pub name: String,
    /// Where rustc points for this entry: its name literal.
    pub span: Span,
    /// The path generated code names the item by (first segment a crate name or `crate`).
    pub path: Vec<Ident>,
    /// The path as `plux.json` writes it (`value = ..`), when not `path`.
    pub value: Option<Vec<Ident>>,
    pub kind: Kind,
    /// `None`: ungated. `Some(i)`: a `#[cfg]` of the declaring crate is on segment `i` of
    /// `path` (the item, or the module `cfg(..) on` names).
    pub gate: Option<usize>,
    /// The host's `#[cfg(..)]` predicates (their tokens), all of which must hold.
    pub host_cfg: Vec<TokenStream>,
}

impl Entry {
    /// The value recorded in the entry: the `plux.json` path.
    pub fn value(&self) -> String {
        join(self.value.as_deref().unwrap_or(&self.path))
    }
}

/// `a::b::C`, raw identifiers kept as written.
pub(crate) fn join(path: &[Ident]) -> String {
    let mut out = String::new();
    for (i, segment) in path.iter().enumerate() {
        if i > 0 {
            out.push_str("::");
        }
        out.push_str(&segment.to_string());
    }
    out
}

/// The whole input, entries in the order written.
pub(crate) struct Input {
    pub entries: Vec<Entry>,
}

impl Parse for Input {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut entries = Vec::new();
        while !input.is_empty() {
            let namespace: LitStr = input.parse()?;
            let content;
            braced!(content in input);
            while !content.is_empty() {
                entries.push(entry(&content, &namespace.value())?);
                if content.is_empty() {
                    break;
                }
                content.parse::<Token![,]>()?;
            }
        }
        Ok(Input { entries })
    }
}

fn entry(input: ParseStream<'_>, namespace: &str) -> syn::Result<Entry> {
    let mut host_cfg = Vec::new();
    while input.peek(Token![#]) {
        input.parse::<Token![#]>()?;
        let attr;
        bracketed!(attr in input);
        let what: Ident = attr.parse()?;
        if what != "cfg" {
            return Err(syn::Error::new(
                what.span(),
                "only `#[cfg(..)]` may be written on a registry entry",
            ));
        }
        let predicate;
        parenthesized!(predicate in attr);
        host_cfg.push(predicate.parse::<TokenStream>()?);
        if !attr.is_empty() {
            return Err(attr.error("expected `]`"));
        }
    }
    let name: LitStr = input.parse()?;
    input.parse::<Token![=]>()?;
    let path = path(input)?;
    if path.len() < 2 {
        return Err(syn::Error::new(
            name.span(),
            "a plugin path has a crate (or `crate`) and an item, like `my_crate::ITEM`",
        ));
    }
    let mut out = Entry {
        namespace: namespace.to_owned(),
        name: name.value(),
        span: name.span(),
        path,
        value: None,
        kind: Kind::Spec,
        gate: None,
        host_cfg,
    };
    if input.peek(syn::token::Bracket) {
        let extras;
        bracketed!(extras in input);
        while !extras.is_empty() {
            extra(&extras, &mut out)?;
            if extras.is_empty() {
                break;
            }
            extras.parse::<Token![,]>()?;
        }
    }
    Ok(out)
}

/// One extra, applied to `entry`.
fn extra(input: ParseStream<'_>, entry: &mut Entry) -> syn::Result<()> {
    if input.peek(Token![type]) {
        input.parse::<Token![type]>()?;
        entry.kind = Kind::Type;
        return Ok(());
    }
    if input.peek(Token![fn]) {
        input.parse::<Token![fn]>()?;
        entry.kind = Kind::Function;
        return Ok(());
    }
    let word = input.call(Ident::parse_any)?;
    // `macro(path)`: the `cfg` a macro call adds, which the scanner cannot see; gated like a
    // `cfg(..)`, whose text is not read either.
    if word == "cfg" || word == "macro" {
        let predicate;
        parenthesized!(predicate in input);
        predicate.parse::<TokenStream>()?;
        let level = if input.peek(Ident) && input.fork().parse::<Ident>()? == "on" {
            input.parse::<Ident>()?;
            let module = path(input)?;
            let on_path = module.len() < entry.path.len()
                && module.iter().zip(&entry.path).all(|(a, b)| a == b);
            if !on_path {
                return Err(syn::Error::new(
                    module[0].span(),
                    format!(
                        "`cfg(..) on {}`: not a module on the path `{}`",
                        join(&module),
                        join(&entry.path)
                    ),
                ));
            }
            // The crate root's `#![cfg]` gates the first module below it.
            (module.len() - 1).max(1)
        } else {
            entry.path.len() - 1
        };
        if entry.gate.is_some_and(|gate| gate != level) {
            return Err(syn::Error::new(
                word.span(),
                "all `cfg`s of a plugin must be on one level of its path",
            ));
        }
        entry.gate = Some(level);
        Ok(())
    } else if word == "value" {
        input.parse::<Token![=]>()?;
        entry.value = Some(path(input)?);
        Ok(())
    } else {
        Err(syn::Error::new(
            word.span(),
            format!(
                "unknown extra `{word}`; expected `type`, `fn`, `cfg(..)`, `macro(..)` or `value = ..`"
            ),
        ))
    }
}

/// `ident (:: ident)*`, keywords allowed as segments (`crate`, raw identifiers).
fn path(input: ParseStream<'_>) -> syn::Result<Vec<Ident>> {
    let mut segments = vec![input.call(Ident::parse_any)?];
    while input.peek(Token![::]) {
        input.parse::<Token![::]>()?;
        segments.push(input.call(Ident::parse_any)?);
    }
    Ok(segments)
}
