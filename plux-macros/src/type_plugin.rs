//! `#[plugin]` on `impl Trait for Type`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;
use syn::{Ident, ItemImpl};

use crate::args::{Args, Form};
use crate::errors::Errors;
use crate::expand::{cfgs, const_checks, listed_text, mark_used};
use crate::listing::{self, Plugin};
use crate::registry::Kind;

/// The `Declared` impl for the plugin type, or `None` after recording errors.
pub(crate) fn expand(
    args: TokenStream,
    item: &ItemImpl,
    errors: &mut Errors,
) -> Option<TokenStream> {
    let args = Args::parse(args, Form::Type, errors);
    let mut fail = |error: syn::Error| errors.push(error);
    if !item.generics.params.is_empty() {
        fail(syn::Error::new_spanned(
            &item.generics,
            "`#[plugin]` cannot declare a generic impl; implement the trait for one concrete type",
        ));
    }
    let trait_path = match &item.trait_ {
        Some((None, path, _)) => Some(path),
        Some((Some(bang), _, _)) => {
            fail(syn::Error::new_spanned(
                bang,
                "`#[plugin]` cannot be used on a negative impl",
            ));
            None
        }
        None => {
            fail(syn::Error::new_spanned(
                &item.self_ty,
                "`#[plugin]` goes on the impl of the namespace's plugin trait, like \
                 `impl CliPlugin for MyPlugin`, not on an inherent impl",
            ));
            None
        }
    };
    if !args.given("name") {
        fail(syn::Error::new(
            Span::call_site(),
            "missing argument `name`; a plugin type needs `name = \"...\"`",
        ));
    }
    let (Some(trait_path), Some(namespace), Some(name), true) =
        (trait_path, &args.namespace, &args.name, errors.is_empty())
    else {
        return None;
    };

    let private = quote!(::plux_runtime::__private);
    let self_ty = &item.self_ty;
    let interface = quote!(dyn #trait_path);
    let plugin = Ident::new("plugin", Span::mixed_site());
    let error = Ident::new("error", Span::mixed_site());
    let spec = match (&args.factory, &args.try_factory) {
        (Some(factory), _) => quote_spanned! {factory.span()=>
            #private::PluginSpec::new(#namespace, #name, || -> #private::Box<#interface> {
                let #plugin: #self_ty = #factory();
                #private::Box::new(#plugin)
            })
        },
        (None, Some(factory)) => {
            let result = Ident::new("result", Span::mixed_site());
            quote_spanned! {factory.span()=>
                ::plux_runtime::__private::PluginSpec::fallible(
                    #namespace,
                    #name,
                    || -> ::core::result::Result<#private::Box<#interface>, ::plux_runtime::BoxError> {
                        let #result: ::core::result::Result<#self_ty, ::plux_runtime::BoxError> =
                            ::plux_runtime::__private::try_factory_result(#factory());
                        match #result {
                            ::core::result::Result::Ok(#plugin) => #private::Ok(#private::Box::new(#plugin)),
                            ::core::result::Result::Err(#error) => #private::Err(#error),
                        }
                    },
                )
            }
        }
        (None, None) => quote_spanned! {self_ty.span()=>
            #private::PluginSpec::new(#namespace, #name, || -> #private::Box<#interface> {
                #private::Box::new(<#self_ty as ::core::default::Default>::default())
            })
        },
    };
    let cfgs = cfgs(&item.attrs);
    let mut checks = const_checks(&cfgs, namespace, name);
    checks.extend(mark_used(
        &cfgs,
        &quote!(#self_ty as #private::Declared<{ #private::key(#namespace, #name) }>),
    ));
    // The index lists the type by its name (the last segment of the path written here).
    if let syn::Type::Path(path) = &*item.self_ty
        && let Some(last) = path.path.segments.last()
    {
        checks.extend(listing::check(&Plugin {
            kind: Kind::Type,
            item: &last.ident,
            namespace: listed_text(namespace),
            name: listed_text(name),
            cfgs: &cfgs,
        }));
    }
    Some(quote! {
        #(#cfgs)*
        impl #private::Declared<{ #private::key(#namespace, #name) }> for #self_ty {
            type Interface = #interface;
            const SPEC: &'static #private::PluginSpec<#interface> = {
                static SPEC: #private::PluginSpec<#interface> = #spec;
                &SPEC
            };
        }
        #checks
    })
}
