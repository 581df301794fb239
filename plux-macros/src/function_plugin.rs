//! `#[plugin]` on a free `fn`.

use proc_macro2::{Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::visit::Visit;
use syn::{FnArg, GenericParam, ItemFn, LitStr, ReturnType, Type, TypeImplTrait};

use crate::args::{Args, Condition, Form, Text};
use crate::errors::Errors;
use crate::expand::{cfgs, const_checks, listed_text, mark_used};
use crate::listing::{self, Plugin};
use crate::registry::Kind;

/// The hidden struct and its `Declared` impl, or `None` after recording errors.
pub(crate) fn expand(args: TokenStream, item: &ItemFn, errors: &mut Errors) -> Option<TokenStream> {
    let args = Args::parse(args, Form::Function, errors);
    let sig = &item.sig;
    let mut fail = |error: syn::Error| errors.push(error);
    if let Some(token) = &sig.asyncness {
        fail(syn::Error::new_spanned(
            token,
            "an `async fn` cannot be a function plugin; make it a plain `fn` (it may return a future)",
        ));
    }
    if let Some(variadic) = &sig.variadic {
        fail(syn::Error::new_spanned(
            variadic,
            "a variadic function cannot be a plugin",
        ));
    }
    for param in &sig.generics.params {
        let bounded = matches!(param, GenericParam::Lifetime(l) if !l.bounds.is_empty());
        if !matches!(param, GenericParam::Lifetime(_)) || bounded {
            fail(syn::Error::new_spanned(
                param,
                "a generic function cannot be a plugin; a plugin needs one concrete signature",
            ));
        }
    }
    if let Some(clause) = &sig.generics.where_clause {
        fail(syn::Error::new_spanned(
            clause,
            "a function with a `where` clause cannot be a plugin; a plugin needs one concrete signature",
        ));
    }
    let mut inputs = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Receiver(receiver) => fail(syn::Error::new_spanned(
                receiver,
                "`#[plugin]` cannot be used on a method; declare a free `fn`",
            )),
            FnArg::Typed(typed) => inputs.push(&*typed.ty),
        }
    }
    let output = match &sig.output {
        ReturnType::Default => None,
        ReturnType::Type(_, ty) => Some(&**ty),
    };
    for ty in inputs.iter().copied().chain(output) {
        let mut finder = ImplTraitFinder(None);
        finder.visit_type(ty);
        if let Some(span) = finder.0 {
            fail(syn::Error::new(
                span,
                "`impl Trait` is not allowed in a function plugin's signature; name a concrete \
                 type (a plugin is stored as a `fn` pointer)",
            ));
        }
    }
    let (Some(namespace), true) = (&args.namespace, errors.is_empty()) else {
        return None;
    };

    let ident = &sig.ident;
    let name = match &args.name {
        Some(name) => name,
        None => &Text::Literal(LitStr::new(&ident.unraw().to_string(), ident.span())),
    };
    let lifetimes: Vec<_> = sig.generics.lifetimes().map(|l| &l.lifetime).collect();
    let binder = (!lifetimes.is_empty()).then(|| quote!(for<#(#lifetimes),*>));
    let (unsafety, abi, output) = (&sig.unsafety, &sig.abi, &sig.output);
    let fn_ty = quote!(#binder #unsafety #abi fn(#(#inputs),*) #output);

    let private = quote!(::plux_runtime::__private);
    let should_load = args.should_load.as_ref().map(|condition| match condition {
        Condition::Literal(lit) => quote!(.with_should_load(#lit)),
        Condition::Function(path) => quote_spanned!(path.span()=> .with_should_load_fn(#path)),
    });
    let load = args.load.as_ref().map(|path| {
        quote_spanned!(path.span()=> .with_load_args(|args| ::plux_runtime::__private::call_load_hook(#path, args)))
    });
    let vis = &item.vis;
    let cfgs = cfgs(&item.attrs);
    let mut checks = const_checks(&cfgs, namespace, name);
    checks.extend(mark_used(
        &cfgs,
        &quote!(#ident as #private::Declared<{ #private::key(#namespace, #name) }>),
    ));
    checks.extend(listing::check(&Plugin {
        kind: Kind::Function,
        item: ident,
        namespace: listed_text(namespace),
        name: listed_text(name),
        cfgs: &cfgs,
    }));
    // A function may carry several `#[plugin]`s (one per namespace): each implements
    // `Declared` under its own key, and the last one, which sees no other left on the item,
    // declares the struct.
    let last = !item.attrs.iter().any(|attr| {
        attr.path()
            .segments
            .last()
            .is_some_and(|segment| segment.ident == "plugin")
    });
    let hidden_struct = last.then(|| {
        quote! {
            #(#cfgs)*
            #[doc(hidden)]
            #[allow(non_camel_case_types, dead_code)]
            #vis struct #ident {}
        }
    });
    Some(quote! {
        #hidden_struct

        #(#cfgs)*
        impl #private::Declared<{ #private::key(#namespace, #name) }> for #ident {
            type Interface = ::plux_runtime::FunctionPlugin<#fn_ty>;
            const SPEC: &'static #private::PluginSpec<::plux_runtime::FunctionPlugin<#fn_ty>> = {
                static SPEC: #private::PluginSpec<::plux_runtime::FunctionPlugin<#fn_ty>> =
                    #private::PluginSpec::new(#namespace, #name, || {
                        #private::Box::new(
                            ::plux_runtime::FunctionPlugin::new(#ident as #fn_ty) #should_load #load
                        )
                    });
                &SPEC
            };
        }
        #checks
    })
}

/// Finds the first `impl Trait` in a type.
struct ImplTraitFinder(Option<Span>);

impl Visit<'_> for ImplTraitFinder {
    fn visit_type_impl_trait(&mut self, node: &TypeImplTrait) {
        self.0.get_or_insert(node.span());
    }

    fn visit_type(&mut self, node: &Type) {
        if self.0.is_none() {
            syn::visit::visit_type(self, node);
        }
    }
}
