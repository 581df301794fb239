//! `#[plugin(..)]` attributes, written directly (through any path ending in `plugin`) or
//! through `#[cfg_attr(pred, plugin(..))]`, which gates the plugin by `pred`: the item is
//! always compiled, its plugin declaration only when `pred` holds.

use proc_macro2::Span;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Meta, Token};

use super::cfg::{self, Cfgs, path_text};
use super::items::{Arg, Extractor, str_lit};

/// Where `#[plugin]` may go; the help of every misplaced one.
pub(super) const PLACEMENT_HELP: &str =
    "`#[plugin]` goes on `impl Trait for Type` or on a module-level `fn`";

const ARGS_HELP: &str = "write `#[plugin(namespace = \"...\", name = \"...\")]`";

/// One plugin attribute of an item.
pub(super) struct PluginAttr {
    /// `plugin(..)` (or `plugin`, `a::plugin(..)`).
    pub(super) meta: Meta,
    /// The `#` of the attribute it is in.
    pub(super) span: Span,
    /// The predicates of the `cfg_attr`s around it, outermost first (none when written
    /// directly).
    pub(super) gates: Cfgs,
}

/// Whether a path ends in `plugin`.
fn is_plugin_path(path: &syn::Path) -> bool {
    path.segments
        .last()
        .is_some_and(|segment| segment.ident == "plugin")
}

/// The plugin attributes among `attrs`, in order, and the `#` of each `#[cfg_attr(..)]` that
/// mentions `plugin` but cannot be read.
pub(super) fn plugin_attrs(attrs: &[Attribute]) -> (Vec<PluginAttr>, Vec<(Span, String)>) {
    let mut found = Vec::new();
    let mut unreadable = Vec::new();
    for attr in attrs {
        if !matches!(attr.style, syn::AttrStyle::Outer) {
            continue;
        }
        let span = attr.pound_token.span;
        if is_plugin_path(attr.path()) {
            found.push(PluginAttr {
                meta: attr.meta.clone(),
                span,
                gates: Cfgs::default(),
            });
        } else if attr.path().is_ident("cfg_attr")
            && let Err(err) = cfg_attr(&attr.meta, span, &Cfgs::default(), &mut found)
        {
            unreadable.push((span, err.to_string()));
        }
    }
    (found, unreadable)
}

/// The plugin attributes in one `cfg_attr(pred, attr, ..)` (nested ones too), under `outer`;
/// `Err` when it cannot be read and mentions `plugin`.
fn cfg_attr(meta: &Meta, span: Span, outer: &Cfgs, found: &mut Vec<PluginAttr>) -> syn::Result<()> {
    let Meta::List(list) = meta else {
        return Ok(());
    };
    let parsed = list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated);
    let metas = match parsed {
        Ok(metas) => metas,
        Err(err) if list.tokens.to_string().contains("plugin") => return Err(err),
        Err(_) => return Ok(()),
    };
    let mut metas = metas.into_iter();
    let Some(predicate) = metas.next() else {
        return Ok(());
    };
    let gates = outer.clone().with(Cfgs {
        test: cfg::requires_test(&predicate),
        predicates: vec![cfg::render(&predicate)],
    });
    for inner in metas {
        if is_plugin_path(inner.path()) {
            found.push(PluginAttr {
                meta: inner,
                span,
                gates: gates.clone(),
            });
        } else if inner.path().is_ident("cfg_attr") {
            cfg_attr(&inner, span, &gates, found)?;
        }
    }
    Ok(())
}

/// The `#` of the first plugin attribute among `attrs`, if any (for places where there must
/// be none).
pub(super) fn first_plugin(attrs: &[Attribute]) -> Option<Span> {
    let (found, unreadable) = plugin_attrs(attrs);
    found
        .first()
        .map(|a| a.span)
        .or_else(|| unreadable.first().map(|u| u.0))
}

impl Extractor<'_> {
    /// `#[plugin]` on an item that cannot be a plugin.
    pub(super) fn not_here(&mut self, attrs: &[Attribute]) {
        let (found, unreadable) = plugin_attrs(attrs);
        let spans = found
            .iter()
            .map(|a| a.span)
            .chain(unreadable.iter().map(|u| u.0));
        for span in spans.collect::<Vec<_>>() {
            self.error(span, "`#[plugin]` on an item that cannot be a plugin")
                .help = Some(PLACEMENT_HELP.to_owned());
        }
    }

    /// The plugin attributes of a declaration's item; a `cfg_attr` around `plugin` that cannot
    /// be read is reported.
    pub(super) fn declared(&mut self, attrs: &[Attribute]) -> Vec<PluginAttr> {
        let (found, unreadable) = plugin_attrs(attrs);
        for (span, err) in unreadable {
            self.error(span, format!("cannot read `#[cfg_attr(..)]`: {err}"))
                .help =
                Some("write `#[cfg_attr(predicate, plugin(namespace = \"...\"))]`".to_owned());
        }
        found
            .into_iter()
            .filter(|a| !a.gates.test || self.env.include_tests)
            .collect()
    }

    /// `namespace` and `name` of `#[plugin(..)]`; `None` when reported as broken. The
    /// namespace is required; the name may be absent.
    pub(super) fn plugin_args(&mut self, attr: &PluginAttr) -> Option<(Arg, Option<Arg>)> {
        let span = attr.span;
        let metas = match &attr.meta {
            Meta::Path(_) => Punctuated::new(),
            Meta::List(list) => {
                match list.parse_args_with(Punctuated::<Meta, Token![,]>::parse_terminated) {
                    Ok(metas) => metas,
                    Err(err) => {
                        self.error(
                            err.span(),
                            format!("cannot read `#[plugin]` arguments: {err}"),
                        )
                        .help = Some(ARGS_HELP.to_owned());
                        return None;
                    }
                }
            }
            Meta::NameValue(_) => {
                self.error(span, "`#[plugin = ..]` is not a plugin declaration")
                    .help = Some(ARGS_HELP.to_owned());
                return None;
            }
        };
        let (mut namespace, mut name) = (None, None);
        for meta in &metas {
            let Meta::NameValue(nv) = meta else { continue };
            let slot = if nv.path.is_ident("namespace") {
                &mut namespace
            } else if nv.path.is_ident("name") {
                &mut name
            } else {
                continue;
            };
            if slot.is_some() {
                self.error(
                    nv.path.span(),
                    format!("`{}` is given twice", path_text(&nv.path)),
                );
                return None;
            }
            *slot = Some(self.arg(&nv.value));
        }
        match namespace {
            Some(namespace) => Some((namespace, name)),
            None => {
                self.error(span, "`#[plugin]` needs `namespace = \"...\"`");
                None
            }
        }
    }

    pub(super) fn arg(&self, expr: &Expr) -> Arg {
        match expr {
            Expr::Group(g) => self.arg(&g.expr),
            Expr::Paren(p) => self.arg(&p.expr),
            Expr::Path(p)
                if p.qself.is_none() && p.path.segments.iter().all(|s| s.arguments.is_none()) =>
            {
                Arg::Const {
                    path: p
                        .path
                        .segments
                        .iter()
                        .map(|s| s.ident.to_string())
                        .collect(),
                    location: self.loc(p.span()),
                }
            }
            _ => match str_lit(expr) {
                Some(lit) => Arg::Lit {
                    value: lit.value(),
                    location: self.loc(lit.span()),
                },
                None => Arg::Invalid {
                    location: self.loc(expr.span()),
                },
            },
        }
    }
}
