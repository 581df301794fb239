//! The attribute's arguments: `key = value` pairs, checked against what the item form allows.

use proc_macro2::{Span, TokenStream};
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::spanned::Spanned;
use syn::{Expr, ExprLit, ExprPath, Ident, Lit, LitBool, LitStr, Meta, Token};

use crate::check;
use crate::errors::Errors;

/// Which item the attribute is on; decides the allowed keys.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Form {
    Type,
    Function,
}

impl Form {
    fn keys(self) -> &'static [&'static str] {
        match self {
            Form::Type => &["namespace", "name", "factory", "try_factory"],
            Form::Function => &["namespace", "name", "should_load", "load"],
        }
    }
}

/// A namespace or name: a string literal (checked here) or the path of a `const` (checked
/// when the crate compiles).
pub(crate) enum Text {
    Literal(LitStr),
    Const(ExprPath),
}

impl ToTokens for Text {
    fn to_tokens(&self, tokens: &mut TokenStream) {
        match self {
            Text::Literal(lit) => lit.to_tokens(tokens),
            Text::Const(path) => path.to_tokens(tokens),
        }
    }
}

/// A `should_load` value.
pub(crate) enum Condition {
    Literal(LitBool),
    Function(ExprPath),
}

/// The parsed arguments.
#[derive(Default)]
pub(crate) struct Args {
    pub namespace: Option<Text>,
    pub name: Option<Text>,
    pub factory: Option<ExprPath>,
    pub try_factory: Option<ExprPath>,
    pub should_load: Option<Condition>,
    pub load: Option<ExprPath>,
    /// The keys written, valid or not.
    seen: Vec<String>,
}

impl Args {
    /// Parses `args` for an item of `form`, recording every problem in `errors`.
    pub(crate) fn parse(args: TokenStream, form: Form, errors: &mut Errors) -> Args {
        let mut out = Args::default();
        let metas =
            match syn::parse::Parser::parse2(Punctuated::<Meta, Token![,]>::parse_terminated, args)
            {
                Ok(metas) => metas,
                Err(error) => {
                    errors.push(error);
                    return out;
                }
            };
        let mut seen: Vec<String> = Vec::new();
        for meta in metas {
            let Some(key) = meta.path().get_ident().map(Ident::to_string) else {
                let shown = meta.path().to_token_stream().to_string().replace(' ', "");
                errors.push(unknown(meta.path().span(), &shown, form));
                continue;
            };
            if !form.keys().contains(&key.as_str()) {
                errors.push(misplaced(&meta, &key, form));
                continue;
            }
            if seen.contains(&key) {
                errors.push(syn::Error::new(
                    meta.path().span(),
                    format!("duplicate argument `{key}`"),
                ));
                continue;
            }
            seen.push(key.clone());
            let value = match &meta {
                Meta::NameValue(pair) => &pair.value,
                Meta::Path(_) | Meta::List(_) => {
                    errors.push(syn::Error::new_spanned(
                        &meta,
                        format!("expected `{key} = ...`"),
                    ));
                    continue;
                }
            };
            let parsed = match key.as_str() {
                "namespace" => text(value, check::namespace).map(|t| out.namespace = Some(t)),
                "name" => text(value, check::name).map(|t| out.name = Some(t)),
                "factory" => path(value, "factory").map(|p| out.factory = Some(p)),
                "try_factory" => path(value, "try_factory").map(|p| out.try_factory = Some(p)),
                "load" => path(value, "load").map(|p| out.load = Some(p)),
                _ => condition(value).map(|c| out.should_load = Some(c)),
            };
            if let Err(error) = parsed {
                errors.push(error);
            }
        }
        out.seen = seen;
        if !out.given("namespace") {
            errors.push(syn::Error::new(
                Span::call_site(),
                "missing argument `namespace`; write `#[plugin(namespace = \"...\")]`",
            ));
        }
        if let (Some(factory), Some(_)) = (&out.factory, &out.try_factory) {
            errors.push(syn::Error::new_spanned(
                factory,
                "`factory` and `try_factory` cannot both be given; keep one",
            ));
        }
        out
    }
}

impl Args {
    /// Whether `key` was written (even with a bad value, already reported).
    pub(crate) fn given(&self, key: &str) -> bool {
        self.seen.iter().any(|k| k == key)
    }
}

fn unknown(span: Span, key: &dyn std::fmt::Display, form: Form) -> syn::Error {
    let expected: Vec<String> = form.keys().iter().map(|k| format!("`{k}`")).collect();
    syn::Error::new(
        span,
        format!("unknown argument `{key}`; expected {}", expected.join(", ")),
    )
}

fn misplaced(meta: &Meta, key: &str, form: Form) -> syn::Error {
    let span = meta.path().span();
    match (key, form) {
        ("factory" | "try_factory", Form::Function) => syn::Error::new(
            span,
            format!("`{key}` is for plugin types; a function plugin is the function itself"),
        ),
        ("should_load", Form::Type) => syn::Error::new(
            span,
            "`should_load` is for function plugins; implement `Plugin::should_load` instead",
        ),
        ("load", Form::Type) => syn::Error::new(
            span,
            "`load` is for function plugins; implement `Plugin::load` instead",
        ),
        _ => unknown(span, &key, form),
    }
}

/// A namespace or name value, with literals checked by `check`.
fn text(value: &Expr, check: fn(&str) -> Result<(), String>) -> syn::Result<Text> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        }) => {
            if !lit.suffix().is_empty() {
                return Err(syn::Error::new_spanned(
                    lit,
                    "a string literal with a suffix is not allowed here",
                ));
            }
            check(&lit.value()).map_err(|message| syn::Error::new_spanned(lit, message))?;
            Ok(Text::Literal(lit.clone()))
        }
        Expr::Path(path) if path.attrs.is_empty() => Ok(Text::Const(path.clone())),
        _ => Err(syn::Error::new_spanned(
            value,
            "expected a string literal or the path of a `const` holding one",
        )),
    }
}

fn path(value: &Expr, key: &str) -> syn::Result<ExprPath> {
    match value {
        Expr::Path(path) if path.attrs.is_empty() => Ok(path.clone()),
        _ => Err(syn::Error::new_spanned(
            value,
            format!("expected the path of a function, like `{key} = my_{key}`"),
        )),
    }
}

fn condition(value: &Expr) -> syn::Result<Condition> {
    match value {
        Expr::Lit(ExprLit {
            lit: Lit::Bool(lit),
            ..
        }) => Ok(Condition::Literal(lit.clone())),
        Expr::Path(path) if path.attrs.is_empty() => Ok(Condition::Function(path.clone())),
        _ => Err(syn::Error::new_spanned(
            value,
            "expected `true`, `false` or the path of a `fn() -> bool`",
        )),
    }
}
