//! Dispatch on the item the attribute is on, and what both forms share.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Attribute, Ident, Item};

use crate::args::Text;
use crate::errors::Errors;
use crate::{function_plugin, static_plugin, type_plugin};

/// The item unchanged, followed by its `Declared` impl or by the errors found.
pub(crate) fn plugin(args: TokenStream, item: TokenStream) -> TokenStream {
    let mut errors = Errors::default();
    let expansion = match syn::parse2::<Item>(item.clone()) {
        Ok(Item::Impl(imp)) => type_plugin::expand(args, &imp, &mut errors),
        Ok(Item::Fn(function)) => function_plugin::expand(args, &function, &mut errors),
        Ok(Item::Static(s)) if static_plugin::is_spec(&s.ty) => {
            static_plugin::expand(&args, &s.ident, &s.expr, &s.attrs, &mut errors)
        }
        Ok(Item::Const(c)) if static_plugin::is_spec(&c.ty) => {
            static_plugin::expand(&args, &c.ident, &c.expr, &c.attrs, &mut errors)
        }
        Ok(other) => {
            errors.push(misplaced(&other));
            None
        }
        Err(error) => {
            errors.push(error);
            None
        }
    };
    match errors.into_compile_errors() {
        Some(errors) => quote!(#item #errors),
        None => quote!(#item #expansion),
    }
}

fn misplaced(item: &Item) -> syn::Error {
    let (what, span) = match item {
        Item::Struct(s) => ("a struct", s.ident.span()),
        Item::Enum(e) => ("an enum", e.ident.span()),
        Item::Union(u) => ("a union", u.ident.span()),
        Item::Trait(t) => ("a trait", t.ident.span()),
        Item::Mod(m) => ("a module", m.ident.span()),
        Item::Static(s) => {
            return syn::Error::new(
                s.ident.span(),
                "`#[plugin]` is not needed on a `static`; a `PluginSpec` static is found by its type",
            );
        }
        Item::Const(c) => {
            return syn::Error::new(
                c.ident.span(),
                "`#[plugin]` is not needed on a `const`; a `PluginSpec` const is found by its type",
            );
        }
        other => ("this item", first_token_span(other)),
    };
    syn::Error::new(
        span,
        format!("`#[plugin]` goes on `impl Trait for Type` or on a free `fn`, not on {what}"),
    )
}

fn first_token_span(item: &Item) -> Span {
    let tokens = quote!(#item);
    tokens
        .into_iter()
        .next()
        .map_or_else(Span::call_site, |t| t.span())
}

/// The item's `#[cfg]` attributes, to put on everything emitted beside it.
pub(crate) fn cfgs(attrs: &[Attribute]) -> Vec<&Attribute> {
    attrs.iter().filter(|a| a.path().is_ident("cfg")).collect()
}

/// Compile-time checks of a namespace or name given as a `const` (literals were checked here):
/// a malformed value fails to compile, pointing at the path.
pub(crate) fn const_checks(cfgs: &[&Attribute], namespace: &Text, name: &Text) -> TokenStream {
    let mut out = TokenStream::new();
    for (text, check) in [(namespace, "check_namespace"), (name, "check_name")] {
        if let Text::Const(path) = text {
            let check = Ident::new(check, Span::call_site());
            let message = Ident::new("message", Span::mixed_site());
            out.extend(quote_spanned! {path.span()=>
                #(#cfgs)*
                const _: () = match ::plux_runtime::__private::#check(#path) {
                    ::core::result::Result::Ok(()) => (),
                    ::core::result::Result::Err(#message) => ::core::panic!("{}", #message),
                };
            });
        }
    }
    out
}

/// The namespace or name of an attribute as the index check sees it.
pub(crate) fn listed_text(text: &Text) -> crate::listing::Text {
    match text {
        Text::Literal(lit) => crate::listing::Text::Known(lit.value()),
        Text::Const(path) => crate::listing::Text::Expr(quote!(#path)),
    }
}

/// Marks the declaration as used: a plugin is reached through the generated registry, which
/// the compiler may not see yet, so neither the plugin nor its hooks are dead code.
pub(crate) fn mark_used(cfgs: &[&Attribute], declared: &TokenStream) -> TokenStream {
    quote! {
        #(#cfgs)*
        const _: () = {
            let _ = <#declared>::SPEC;
        };
    }
}

#[cfg(test)]
mod tests {
    use quote::quote;

    fn expand(args: proc_macro2::TokenStream, item: proc_macro2::TokenStream) -> String {
        let tokens = super::plugin(args, item);
        prettyplease::unparse(&syn::parse2(tokens).unwrap())
    }

    /// The contract of ARCHITECTURE.md: generated registry code reaches the spec as
    /// `<Type as Declared<{ key(ns, name) }>>::SPEC`, a reference to a `static` of the
    /// declaring crate, with `Interface = dyn Trait`.
    #[test]
    fn type_plugin_implements_declared_for_the_type() {
        let expanded = expand(
            quote!(namespace = "my.plugins.cli", name = "my"),
            quote!(impl Plugin<Cli> for MyCli {}),
        );
        insta::assert_snapshot!(expanded);
    }

    /// The contract for functions: a hidden braced struct named like the function (with its
    /// visibility and `#[cfg]`s), `Interface = FunctionPlugin<fn(..) -> R>`, the name
    /// defaulting to the unraw function name, `const` namespaces checked at compile time.
    #[test]
    fn function_plugin_implements_declared_for_a_hidden_struct() {
        let expanded = expand(
            quote!(namespace = NS, load = hook, should_load = check),
            quote!(
                #[cfg(unix)]
                pub fn r#type(rt: &Runtime) -> u8 {
                    1
                }
            ),
        );
        insta::assert_snapshot!(expanded);
    }

    #[test]
    fn errors_keep_the_item_and_emit_no_impl() {
        let expanded = super::plugin(
            quote!(name = "x"),
            quote!(
                fn f() {}
            ),
        )
        .to_string();
        assert!(expanded.starts_with("fn f () { }"), "{expanded}");
        assert!(expanded.contains("compile_error"), "{expanded}");
        assert!(!expanded.contains("Declared"), "{expanded}");
    }
}
