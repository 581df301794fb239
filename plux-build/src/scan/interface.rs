//! The interface a declaration states (the `P` of the `PluginSpec<P>` a manager downcasts to),
//! and the warning for a namespace whose plugins state different ones: a `PluginManager` of one
//! interface loads only the plugins declared for it, and each other plugin of its namespace is
//! a resolve error at run time.

use std::collections::BTreeMap;

use quote::ToTokens;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, PathArguments, ReturnType, Type};

use crate::diagnostic::Diagnostic;
use crate::model::{Declaration, Location};

/// The written text of a syntax node, whitespace runs collapsed (its tokens when the text is
/// not at hand).
fn text(node: &(impl ToTokens + Spanned)) -> String {
    let written = node
        .span()
        .source_text()
        .unwrap_or_else(|| node.to_token_stream().to_string());
    written.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A spec's interface: the argument of its `PluginSpec<..>` type (`dyn ServicePlugin`).
pub(super) fn of_spec(ty: &Type) -> Option<String> {
    match ty {
        Type::Group(g) => of_spec(&g.elem),
        Type::Paren(p) => of_spec(&p.elem),
        Type::Path(p) => {
            let PathArguments::AngleBracketed(args) = &p.path.segments.last()?.arguments else {
                return None;
            };
            match args.args.first()? {
                GenericArgument::Type(ty) if args.args.len() == 1 => Some(text(ty)),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A type plugin's interface: `dyn Trait` of its impl's trait path.
pub(super) fn of_impl(trait_path: &syn::Path) -> String {
    format!("dyn {}", text(trait_path))
}

/// A function plugin's interface, as the attribute declares it: `FunctionPlugin<fn(..) -> R>`
/// of its signature (`None` for a signature the attribute refuses: a method).
pub(super) fn of_fn(sig: &syn::Signature) -> Option<String> {
    let mut inputs = Vec::new();
    for input in &sig.inputs {
        match input {
            FnArg::Typed(typed) => inputs.push(text(&*typed.ty)),
            FnArg::Receiver(_) => return None,
        }
    }
    let unsafety = sig.unsafety.map_or("", |_| "unsafe ");
    let abi = sig.abi.as_ref().map(|abi| format!("{} ", text(abi)));
    let output = match &sig.output {
        ReturnType::Default => String::new(),
        ReturnType::Type(_, ty) => format!(" -> {}", text(&**ty)),
    };
    Some(format!(
        "FunctionPlugin<{unsafety}{}fn({}){output}>",
        abi.unwrap_or_default(),
        inputs.join(", ")
    ))
}

/// What two interfaces are compared by: every path cut to its last segment (with its generic
/// arguments), lifetimes and `for<..>` binders left out, as tokens (so `dyn crate::api::Service`
/// and `dyn Service`, `fn(&'a Runtime)` and `fn(&Runtime)` compare equal).
fn key(interface: &str) -> String {
    match syn::parse_str::<Type>(interface) {
        Ok(mut ty) => {
            cut_type(&mut ty);
            ty.to_token_stream().to_string()
        }
        Err(_) => interface.to_owned(),
    }
}

/// [`key`]'s cuts, on the kinds of types interfaces are written with (others are kept whole).
fn cut_type(ty: &mut Type) {
    match ty {
        Type::Path(p) if p.qself.is_none() => cut_path(&mut p.path),
        Type::Reference(r) => {
            r.lifetime = None;
            cut_type(&mut r.elem);
        }
        Type::TraitObject(t) => t.bounds.iter_mut().for_each(cut_bound),
        Type::ImplTrait(t) => t.bounds.iter_mut().for_each(cut_bound),
        Type::BareFn(f) => {
            f.lifetimes = None;
            f.inputs.iter_mut().for_each(|arg| cut_type(&mut arg.ty));
            if let ReturnType::Type(_, ty) = &mut f.output {
                cut_type(ty);
            }
        }
        Type::Paren(p) => cut_type(&mut p.elem),
        Type::Group(g) => cut_type(&mut g.elem),
        Type::Ptr(p) => cut_type(&mut p.elem),
        Type::Slice(s) => cut_type(&mut s.elem),
        Type::Array(a) => cut_type(&mut a.elem),
        Type::Tuple(t) => t.elems.iter_mut().for_each(cut_type),
        _ => {}
    }
}

fn cut_bound(bound: &mut syn::TypeParamBound) {
    if let syn::TypeParamBound::Trait(t) = bound {
        t.lifetimes = None;
        cut_path(&mut t.path);
    }
}

/// The last segment of `path`, its generic arguments cut too.
fn cut_path(path: &mut syn::Path) {
    path.leading_colon = None;
    if let Some(mut last) = path.segments.pop().map(syn::punctuated::Pair::into_value) {
        match &mut last.arguments {
            PathArguments::AngleBracketed(args) => {
                for arg in &mut args.args {
                    if let GenericArgument::Type(ty) = arg {
                        cut_type(ty);
                    }
                }
                // Lifetime arguments are left out like those of references.
                args.args = std::mem::take(&mut args.args)
                    .into_iter()
                    .filter(|arg| !matches!(arg, GenericArgument::Lifetime(_)))
                    .collect();
            }
            PathArguments::Parenthesized(args) => {
                args.inputs.iter_mut().for_each(cut_type);
                if let ReturnType::Type(_, ty) = &mut args.output {
                    cut_type(ty);
                }
            }
            PathArguments::None => {}
        }
        if matches!(&last.arguments, PathArguments::AngleBracketed(a) if a.args.is_empty()) {
            last.arguments = PathArguments::None;
        }
        path.segments.clear();
        path.segments.push(last);
    }
}

/// A warning for each namespace whose plugins in `decls` state different interfaces (compared
/// by the last segment of every path, with its generic arguments, without lifetimes: `dyn
/// crate::api::Service` is `dyn Service`; plugins whose [`Declaration::interface`] the source
/// does not state are left out). It is located
/// at the first plugin (by location) of an interface other than the one most of them state,
/// and notes every plugin with its interface and place. A warning, not an error: different
/// traits in one namespace can be on purpose (managers of several interfaces).
///
/// ```
/// use std::path::PathBuf;
/// use plux_build::{Declaration, Kind, Location};
///
/// let decl = |line: usize, name: &str, interface: &str| Declaration {
///     namespace: "ns".into(),
///     name: name.into(),
///     value: format!("k::{name}"),
///     kind: Kind::Spec,
///     cfg: Vec::new(),
///     cfg_module: None,
///     interface: Some(interface.into()),
///     location: Location { file: PathBuf::from("src/lib.rs"), line, column: 1 },
/// };
/// let decls = [
///     decl(1, "a", "dyn api::Service"),
///     decl(2, "b", "dyn Service"),
///     decl(3, "c", "dyn Cli"),
/// ];
/// let warnings = plux_build::scan::mixed_interfaces(&decls);
/// assert_eq!(warnings.len(), 1);
/// assert_eq!(warnings[0].location.as_ref().unwrap().line, 3);
/// assert_eq!(warnings[0].notes.len(), 3);
/// ```
pub fn mixed_interfaces<'a>(decls: impl IntoIterator<Item = &'a Declaration>) -> Vec<Diagnostic> {
    let mut by_namespace: BTreeMap<&str, Vec<Stated<'_>>> = BTreeMap::new();
    for decl in decls {
        if let Some(interface) = &decl.interface {
            by_namespace
                .entry(&decl.namespace)
                .or_default()
                .push(Stated {
                    decl,
                    interface,
                    key: String::new(),
                });
        }
    }
    let mut out = Vec::new();
    for (namespace, mut found) in by_namespace {
        // One text for all (the common case): nothing to parse.
        if found.iter().all(|s| s.interface == found[0].interface) {
            continue;
        }
        let mut keys: BTreeMap<&str, String> = BTreeMap::new();
        for stated in &mut found {
            stated.key = keys
                .entry(stated.interface)
                .or_insert_with(|| key(stated.interface))
                .clone();
        }
        found.sort_by(|a, b| {
            (&a.decl.location, &a.decl.name).cmp(&(&b.decl.location, &b.decl.name))
        });
        found.dedup_by(|a, b| a.decl.location == b.decl.location && a.decl.name == b.decl.name);
        // Each interface's plugins, in the order of their first place.
        let mut groups: Vec<Vec<&Stated<'_>>> = Vec::new();
        for stated in &found {
            match groups.iter_mut().find(|group| group[0].key == stated.key) {
                Some(group) => group.push(stated),
                None => groups.push(vec![stated]),
            }
        }
        if groups.len() < 2 {
            continue;
        }
        // The interface most plugins state (the first of them on a tie) is taken as meant.
        let most = groups
            .iter()
            .enumerate()
            .max_by(|(i, a), (j, b)| a.len().cmp(&b.len()).then(j.cmp(i)))
            .map_or(0, |(i, _)| i);
        let at: Option<Location> = found
            .iter()
            .find(|stated| stated.key != groups[most][0].key)
            .map(|stated| stated.decl.location.clone());
        let shown: Vec<String> = groups
            .iter()
            .map(|group| format!("`{}`", group[0].interface))
            .collect();
        let mut diagnostic = Diagnostic::warning(
            at,
            format!(
                "the plugins of namespace `{namespace}` declare {} different interfaces: {}",
                groups.len(),
                shown.join(", ")
            ),
        );
        for stated in groups.iter().flatten() {
            diagnostic = diagnostic.with_note(format!(
                "`{}` declares `{}` at {}",
                stated.decl.name, stated.interface, stated.decl.location
            ));
        }
        out.push(diagnostic.with_help(format!(
            "a `PluginManager` loads only the plugins of its own interface, and each other \
             plugin of the namespace is a resolve error; declare every plugin of `{namespace}` \
             for one interface, or give the others a namespace of their own (if the traits \
             differ on purpose, this warning can be ignored)"
        )));
    }
    super::sort_diagnostics(&mut out);
    out
}

/// A declaration with the interface it states, and what that compares by.
struct Stated<'a> {
    decl: &'a Declaration,
    interface: &'a str,
    key: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interfaces_compare_by_last_segments_and_generics() {
        assert_eq!(key("dyn crate::api::Service"), key("dyn Service"));
        assert_eq!(
            key("dyn ::api::Plugin<rt::Runtime>"),
            key("dyn Plugin<Runtime>")
        );
        assert_ne!(key("dyn Plugin<Runtime>"), key("dyn Plugin<Cli>"));
        assert_ne!(key("dyn Service"), key("dyn Cli"));
        assert_eq!(
            key("FunctionPlugin<for<'a> fn(&'a crate::Runtime) -> x::Out>"),
            key("FunctionPlugin<fn(&Runtime) -> Out>")
        );
        assert_ne!(
            key("FunctionPlugin<fn(&Runtime)>"),
            key("FunctionPlugin<fn(&Runtime) -> String>")
        );
        assert_ne!(key("dyn Service"), key("dyn Service + Send"));
    }

    fn sig(text: &str) -> syn::Signature {
        syn::parse_str::<syn::ItemFn>(text).unwrap().sig
    }

    #[test]
    fn what_each_form_states() {
        let ty = |t: &str| syn::parse_str::<Type>(t).unwrap();
        assert_eq!(
            of_spec(&ty("PluginSpec<dyn  api::Service>")).as_deref(),
            Some("dyn api::Service")
        );
        assert_eq!(of_spec(&ty("ServiceSpec")), None);
        let path = syn::parse_str::<syn::Path>("cli::CliPlugin<Runtime>").unwrap();
        assert_eq!(of_impl(&path), "dyn cli::CliPlugin<Runtime>");
        assert_eq!(
            of_fn(&sig("fn f(rt: &Runtime, n: u32) -> String {}")).as_deref(),
            Some("FunctionPlugin<fn(&Runtime, u32) -> String>")
        );
        assert_eq!(
            of_fn(&sig("unsafe extern \"C\" fn f() {}")).as_deref(),
            Some("FunctionPlugin<unsafe extern \"C\" fn()>")
        );
    }
}
