//! Module-level macro calls whose body is a list of items: `cfg_if::cfg_if!` with its real
//! predicates, and any other macro (`cfg_rt! { pub mod runtime; }`) under the unknown `cfg`
//! it may add, recorded as the gate `macro(<path>)`.
//!
//! The items of such a body are read as if they were written at module level, each under the
//! macro's gate: a `mod` item there is a module gated at its own level (generated code probes
//! whether the declaring crate compiled it, exactly as for a `#[cfg]` on the module), and a
//! declaration there is gated on the item. A body that is not a list of items holds nothing
//! the scanner can read; if it mentions plugins, that is a warning.

use proc_macro2::{TokenStream, TokenTree};
use syn::parse::{ParseStream, Parser};
use syn::spanned::Spanned;
use syn::{Attribute, Meta, Token};

use super::cfg::{self, Cfgs, path_text};
use super::items::Extractor;
use super::tree::ModCtx;
use crate::diagnostic::Diagnostic;

/// One branch of a `cfg_if!`: its own predicate (`None` for the final `else`) and its body.
type Branch = (Option<Meta>, TokenStream);

impl Extractor<'_> {
    /// A module-level macro call (`cfgs`: the gates of its attributes and of the calls around
    /// it): its body's items under the macro's gate.
    pub(super) fn macro_items(&mut self, m: &syn::ItemMacro, cfgs: &Cfgs, ctx: &ModCtx) {
        if m.ident.is_some() {
            // `macro_rules! name { .. }` defines a macro; its rules are not items.
            return;
        }
        let path = &m.mac.path;
        let tokens = m.mac.tokens.clone();
        if path.segments.last().is_some_and(|s| s.ident == "cfg_if") {
            if let Ok(branches) = cfg_if_branches.parse2(tokens.clone()) {
                self.cfg_if(path, branches, cfgs, ctx);
                return;
            }
        } else if let Ok(body) = syn::parse2::<syn::File>(tokens.clone())
            && body.attrs.is_empty()
        {
            let gate = Cfgs {
                test: false,
                predicates: vec![format!(
                    "macro({})",
                    path_text(path).trim_start_matches("::")
                )],
            };
            self.items_under(&body.items, ctx, &cfgs.clone().with(gate));
            return;
        }
        self.not_items(path, &tokens, ctx);
    }

    /// A macro body that is not a list of items: a warning if it mentions plugins.
    fn not_items(&mut self, path: &syn::Path, tokens: &TokenStream, ctx: &ModCtx) {
        if ctx.included && mentions_plugin_idents(tokens) {
            let location = self.loc(path.span());
            self.out.diagnostics.push(
                Diagnostic::warning(
                    Some(location),
                    format!(
                        "`{}!` mentions plugins, but its body is not a list of items; \
                         declarations in it are not indexed",
                        path_text(path)
                    ),
                )
                .with_note(
                    "the scanner reads the bodies of module-level macro calls that are items \
                     (`cfg_if!`, `cfg_x! { pub mod m; }`), not what other macros expand to",
                )
                .with_help("declare the plugin outside the macro call"),
            );
        }
    }

    /// The branches of a `cfg_if!`, each under its real predicate: the first branch's own,
    /// a later one's `all(<own>, not(any(<earlier ones>)))`, the final `else`'s
    /// `not(any(<all others>))`.
    fn cfg_if(&mut self, path: &syn::Path, branches: Vec<Branch>, cfgs: &Cfgs, ctx: &ModCtx) {
        let mut earlier: Vec<String> = Vec::new();
        for (own, tokens) in branches {
            let none_before = format!("not(any({}))", earlier.join(", "));
            let (test, predicate) = match &own {
                Some(meta) => {
                    let rendered = cfg::render(meta);
                    let predicate = match earlier.is_empty() {
                        true => rendered.clone(),
                        false => format!("all({rendered}, {none_before})"),
                    };
                    earlier.push(rendered);
                    (cfg::requires_test(meta), predicate)
                }
                None => (false, none_before),
            };
            let body = match syn::parse2::<syn::File>(tokens.clone()) {
                Ok(body) if body.attrs.is_empty() => body,
                _ => {
                    self.not_items(path, &tokens, ctx);
                    continue;
                }
            };
            let gate = Cfgs {
                test,
                predicates: vec![predicate],
            };
            let gated = cfgs.clone().with(gate);
            if gated.test && !self.env.include_tests {
                continue;
            }
            self.items_under(&body.items, ctx, &gated);
        }
    }
}

/// `if #[cfg(..)] { .. } else if #[cfg(..)] { .. } else { .. }`, the shape `cfg_if!` takes.
fn cfg_if_branches(input: ParseStream<'_>) -> syn::Result<Vec<Branch>> {
    let mut branches = Vec::new();
    loop {
        input.parse::<Token![if]>()?;
        let attrs = input.call(Attribute::parse_outer)?;
        let [attr] = attrs.as_slice() else {
            return Err(input.error("expected one `#[cfg(..)]`"));
        };
        let Meta::List(list) = &attr.meta else {
            return Err(input.error("expected `#[cfg(..)]`"));
        };
        if !list.path.is_ident("cfg") {
            return Err(input.error("expected `#[cfg(..)]`"));
        }
        let meta: Meta = syn::parse2(list.tokens.clone())?;
        let body;
        syn::braced!(body in input);
        branches.push((Some(meta), body.parse()?));
        if input.is_empty() {
            return Ok(branches);
        }
        input.parse::<Token![else]>()?;
        if !input.peek(Token![if]) {
            let body;
            syn::braced!(body in input);
            branches.push((None, body.parse()?));
            return match input.is_empty() {
                true => Ok(branches),
                false => Err(input.error("unexpected tokens after `else { .. }`")),
            };
        }
    }
}

/// Whether tokens hold the identifier `plugin` or `PluginSpec` (in groups too; literals and
/// comments do not count). Token trees nest at most as deep as syn parsed them.
fn mentions_plugin_idents(tokens: &TokenStream) -> bool {
    tokens.clone().into_iter().any(|tree| match tree {
        TokenTree::Ident(ident) => ident == "plugin" || ident == "PluginSpec",
        TokenTree::Group(group) => mentions_plugin_idents(&group.stream()),
        _ => false,
    })
}
