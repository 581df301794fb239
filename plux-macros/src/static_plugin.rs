//! `#[plugin]` on a `static` or `const` `PluginSpec`: optional (the scanner finds such specs
//! by their type); it adds the index check the other forms have.

use proc_macro2::TokenStream;
use quote::quote;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, ExprCall, ExprLit, Ident, Lit, Type};

use crate::errors::Errors;
use crate::expand::cfgs;
use crate::listing::{self, Plugin, Text};
use crate::registry::Kind;

/// Whether `ty` is `PluginSpec<..>` (through any path).
pub(crate) fn is_spec(ty: &Type) -> bool {
    matches!(ty, Type::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "PluginSpec"))
}

/// The check that the crate's index lists the spec `ident`, or `None` after recording an error.
pub(crate) fn expand(
    args: &TokenStream,
    ident: &Ident,
    expr: &Expr,
    attrs: &[Attribute],
    errors: &mut Errors,
) -> Option<TokenStream> {
    if !args.is_empty() {
        errors.push(syn::Error::new(
            args.span(),
            "`#[plugin]` on a `PluginSpec` takes no arguments: the spec holds its namespace and \
             name; the attribute only checks that `plux.json` lists it",
        ));
        return None;
    }
    let (namespace, name) = match literal_args(expr) {
        Some((namespace, name)) => (Text::Known(namespace), Text::Known(name)),
        None => (
            Text::Expr(quote!(#ident.namespace())),
            Text::Expr(quote!(#ident.name())),
        ),
    };
    let cfgs = cfgs(attrs);
    Some(listing::check(&Plugin {
        kind: Kind::Spec,
        item: ident,
        namespace,
        name,
        cfgs: &cfgs,
    }))
}

/// The namespace and name of `PluginSpec::new("ns", "name", ..)` (or `fallible`), when both
/// are string literals.
fn literal_args(expr: &Expr) -> Option<(String, String)> {
    let Expr::Call(ExprCall { func, args, .. }) = expr else {
        return None;
    };
    let Expr::Path(path) = &**func else {
        return None;
    };
    let constructor = path.path.segments.last()?;
    if constructor.ident != "new" && constructor.ident != "fallible" {
        return None;
    }
    let text = |arg: Option<&Expr>| match arg {
        Some(Expr::Lit(ExprLit {
            lit: Lit::Str(lit), ..
        })) => Some(lit.value()),
        _ => None,
    };
    Some((text(args.iter().next())?, text(args.iter().nth(1))?))
}
