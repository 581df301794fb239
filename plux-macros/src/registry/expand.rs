//! The expansion of `registry!`.
//!
//! Entries are grouped by the module their probe glob-imports (the item's parent module, or
//! for a plugin behind a `#[cfg]` on a module, that module's parent) and by the host's
//! `#[cfg]`s. Each group is one `static` array whose initializer declares a fallback of type
//! `Absent` named like each item in an outer block, glob-imports the module in an inner block
//! (where a real item shadows its fallback) and probes every item there:
//!
//! ```text
//! static __PLUX_G0: [PluginEntry; 2] = {
//!     pub static S3: Absent = Absent;
//!     pub type Start = Absent;
//!     {
//!         use ::services::*;
//!         use ::plux_runtime::__private::NotDeclared as _;
//!         [
//!             required(SpecProbe(&S3).entry("services::S3"), "ns", "s3", "stale plux registry: .."),
//!             required(with_value(<DeclaredProbe<Start, 0x..>>::ENTRY, "services::Start"), ..),
//!         ]
//!     }
//! };
//! static __PLUX_ALL: [PluginEntry; 2] = [__PLUX_G0[0], __PLUX_G0[1]];
//! pub static REGISTRY: Registry = Registry::new(&__PLUX_ALL);
//! ```
//!
//! An ungated plugin that is gone, or no longer declares the plugin the registry lists, makes
//! `required` panic while rustc evaluates the group: a compile error whose first line names
//! the plugin and the fix. A gated one is `None` when its crate compiled it out; registries
//! with gated plugins (or host `#[cfg]`s) keep `Option`s and collect the present entries on
//! first use (`Gapped`), so nothing here loops over all entries in a constant: compile time
//! grows linearly with the number of plugins, and each module is glob-imported once.
//!
//! Nothing here recurses on the input: fallback modules (one per path segment below a gated
//! module) are built bottom-up from a flat arena.

use std::collections::HashMap;

use proc_macro2::{Literal, Span, TokenStream};
use quote::{quote, quote_spanned};
use syn::Ident;

use super::parse::{Entry, Input, Kind, join};

/// Where generated code finds its helpers.
fn private() -> TokenStream {
    quote!(::plux_runtime::__private)
}

pub(super) fn expand(input: &Input) -> TokenStream {
    let p = private();
    let doc = quote! {
        /// Every plugin of this package and its dependency graph, sorted by namespace then name.
    };
    if input.entries.is_empty() {
        return quote! {
            #doc
            pub static REGISTRY: #p::Registry = #p::Registry::empty();
        };
    }
    let gapped = input
        .entries
        .iter()
        .any(|e| e.gate.is_some() || !e.host_cfg.is_empty());
    let (groups, positions) = group(&input.entries);
    let element = if gapped {
        quote!(::core::option::Option<#p::PluginEntry>)
    } else {
        quote!(#p::PluginEntry)
    };
    let mut out = TokenStream::new();
    for (g, group) in groups.iter().enumerate() {
        out.extend(group_static(g, group, &input.entries, &element, gapped));
    }
    let n = input.entries.len();
    let all: Vec<TokenStream> = positions
        .iter()
        .map(|&(g, i)| {
            let group = group_ident(g);
            quote!(#group[#i])
        })
        .collect();
    out.extend(quote! {
        static __PLUX_ALL: [#element; #n] = [#(#all),*];
    });
    out.extend(if gapped {
        quote! {
            static __PLUX_GAPPED: #p::Gapped = #p::Gapped::new(&__PLUX_ALL);
            #doc
            pub static REGISTRY: #p::Registry = #p::Registry::gapped(&__PLUX_GAPPED);
        }
    } else {
        quote! {
            #doc
            pub static REGISTRY: #p::Registry = #p::Registry::new(&__PLUX_ALL);
        }
    });
    out
}

/// Entries probed through one glob import, under one set of host `#[cfg]`s.
struct Group<'a> {
    /// The module glob-imported.
    glob: &'a [Ident],
    host_cfg: &'a [TokenStream],
    /// Indices into the entries, in input order.
    members: Vec<usize>,
}

/// How many leading segments of `entry.path` the glob import names.
fn glob_len(entry: &Entry) -> usize {
    match entry.gate {
        // The gated level's parent (the crate root at least).
        Some(level) => level.clamp(1, entry.path.len() - 1),
        None => entry.path.len() - 1,
    }
}

/// The groups in order of first appearance, and each entry's (group, index in group).
fn group(entries: &[Entry]) -> (Vec<Group<'_>>, Vec<(usize, usize)>) {
    let mut groups: Vec<Group<'_>> = Vec::new();
    let mut index: HashMap<(String, String), usize> = HashMap::new();
    let mut positions = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let glob = &entry.path[..glob_len(entry)];
        let host: Vec<String> = entry.host_cfg.iter().map(ToString::to_string).collect();
        let key = (join(glob), host.join("\u{0}"));
        let g = *index.entry(key).or_insert_with(|| {
            groups.push(Group {
                glob,
                host_cfg: &entry.host_cfg,
                members: Vec::new(),
            });
            groups.len() - 1
        });
        positions.push((g, groups[g].members.len()));
        groups[g].members.push(i);
    }
    (groups, positions)
}

fn group_ident(g: usize) -> Ident {
    Ident::new(&format!("__PLUX_G{g}"), Span::call_site())
}

/// The `static` of one group (and, when the host may compile it out, its empty stand-in).
fn group_static(
    g: usize,
    group: &Group<'_>,
    entries: &[Entry],
    element: &TokenStream,
    gapped: bool,
) -> TokenStream {
    let p = private();
    let name = group_ident(g);
    let len = group.members.len();
    let glob = &group.glob;
    let glob = if glob[0] == "crate" {
        quote!(#(#glob)::*)
    } else {
        quote!(:: #(#glob)::*)
    };
    let fallbacks = fallbacks(group, entries);
    let elements = group
        .members
        .iter()
        .map(|&i| element_of(&entries[i], group.glob.len(), gapped));
    let host = match group.host_cfg {
        [] => None,
        [one] => Some(quote!(#one)),
        many => Some(quote!(all(#(#many),*))),
    };
    let (cfg, stand_in) = match &host {
        None => (None, None),
        Some(predicate) => (
            Some(quote!(#[cfg(#predicate)])),
            Some(quote! {
                #[cfg(not(#predicate))]
                static #name: [#element; #len] = [::core::option::Option::None; #len];
            }),
        ),
    };
    quote! {
        #cfg
        #[allow(non_upper_case_globals, non_camel_case_types, non_snake_case, dead_code)]
        static #name: [#element; #len] = {
            #fallbacks
            {
                #[allow(unused_imports, clippy::wildcard_imports)]
                use #glob::*;
                #[allow(unused_imports)]
                use #p::NotDeclared as _;
                [#(#elements),*]
            }
        };
        #stand_in
    }
}

/// One element of a group: the probe of the entry's item below the glob-imported module.
fn element_of(entry: &Entry, glob_len: usize, gapped: bool) -> TokenStream {
    // Every token carries the span of the entry's name, so that rustc points at the line.
    let span = entry.span;
    let p = quote_spanned!(span=> ::plux_runtime::__private);
    let below = &entry.path[glob_len..];
    let item = quote!(#(#below)::*);
    let literal = |text: &str| {
        let mut literal = Literal::string(text);
        literal.set_span(span);
        literal
    };
    let value = literal(&entry.value());
    let probe = match entry.kind {
        Kind::Spec => quote_spanned!(span=> #p::SpecProbe(&#item).entry(#value)),
        Kind::Type | Kind::Function => {
            let mut key = Literal::u64_suffixed(super::key(&entry.namespace, &entry.name));
            key.set_span(span);
            quote_spanned!(span=> #p::with_value(<#p::DeclaredProbe<#item, #key>>::ENTRY, #value))
        }
    };
    if entry.gate.is_some() {
        return probe;
    }
    let (namespace, name) = (literal(&entry.namespace), literal(&entry.name));
    let message = literal(&format!(
        "stale plux registry: plugin `{}:{}` is no longer declared at `{}`; run `cargo plux entrypoints`",
        entry.namespace,
        entry.name,
        entry.value()
    ));
    let required = quote_spanned!(span=> #p::required(#probe, #namespace, #name, #message));
    if gapped {
        quote_spanned!(span=> ::core::option::Option::Some(#required))
    } else {
        required
    }
}

/// A node of a group's fallback tree: a module (with children) or an item.
struct Node {
    ident: Ident,
    /// `Some` for an item (its kind), `None` for a module.
    item: Option<Kind>,
    children: Vec<usize>,
}

/// The fallbacks of a group's items: `pub static ITEM: Absent = Absent;` for a spec,
/// `pub type Item = Absent;` for a type or function, inside `pub mod`s named like the modules
/// between the glob-imported module and the item. Built without recursion: nodes are created
/// parents first, so walking the arena backwards finishes every child before its parent.
fn fallbacks(group: &Group<'_>, entries: &[Entry]) -> TokenStream {
    let p = private();
    let mut nodes: Vec<Node> = Vec::new();
    let mut roots: Vec<usize> = Vec::new();
    // (parent or usize::MAX for the top, name, is value namespace) -> node
    let mut seen: HashMap<(usize, String, bool), usize> = HashMap::new();
    for &i in &group.members {
        let entry = &entries[i];
        let below = &entry.path[group.glob.len()..];
        let Some((item, modules)) = below.split_last() else {
            continue;
        };
        let mut parent = usize::MAX;
        for (depth, segment) in modules.iter().chain(std::iter::once(item)).enumerate() {
            let is_item = depth == modules.len();
            let value_namespace = is_item && entry.kind == Kind::Spec;
            let key = (parent, segment.to_string(), value_namespace);
            let node = match seen.get(&key) {
                Some(&node) => node,
                None => {
                    nodes.push(Node {
                        ident: segment.clone(),
                        item: is_item.then_some(entry.kind),
                        children: Vec::new(),
                    });
                    let node = nodes.len() - 1;
                    seen.insert(key, node);
                    match nodes.get_mut(parent) {
                        Some(parent) => parent.children.push(node),
                        None => roots.push(node),
                    }
                    node
                }
            };
            if nodes[node].item.is_some() {
                break;
            }
            parent = node;
        }
    }
    let mut done: Vec<Option<TokenStream>> = (0..nodes.len()).map(|_| None).collect();
    for n in (0..nodes.len()).rev() {
        let node = &nodes[n];
        let ident = &node.ident;
        let tokens = match node.item {
            Some(Kind::Spec) => quote!(pub static #ident: #p::Absent = #p::Absent;),
            Some(Kind::Type | Kind::Function) => quote!(pub type #ident = #p::Absent;),
            None => {
                let children = node.children.iter().filter_map(|&c| done[c].take());
                quote!(pub mod #ident { #(#children)* })
            }
        };
        done[n] = Some(tokens);
    }
    roots.iter().filter_map(|&r| done[r].take()).collect()
}
