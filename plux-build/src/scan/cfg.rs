//! `#[cfg(..)]` attributes: which items are test-only, and the predicates to record.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Attribute, Meta, Token};

/// The `cfg`s of one item (or file, via its inner attributes).
#[derive(Clone, Debug, Default)]
pub(crate) struct Cfgs {
    /// A predicate requires `test` (`cfg(test)` or `cfg(all(.., test, ..))`).
    pub(crate) test: bool,
    /// Every predicate, rendered (`feature = "x"`, `all(unix, not(test))`).
    pub(crate) predicates: Vec<String>,
}

/// A `cfg` predicate of an enclosing module, and where that module is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ModCfg {
    /// The module's depth below the crate root: 0 for the root file's `#![cfg]`, `n` for the
    /// module `segments[..n]` (its `#[cfg] mod` item or its file's `#![cfg]`).
    pub(crate) depth: usize,
    /// The predicate, rendered.
    pub(crate) predicate: String,
}

impl Cfgs {
    /// These gates, then `inner`'s (an item's own, inside a macro call that gates it).
    pub(crate) fn with(mut self, inner: Cfgs) -> Cfgs {
        self.test |= inner.test;
        self.predicates.extend(inner.predicates);
        self
    }

    /// The predicates as those of the module at `depth`.
    pub(crate) fn at(self, depth: usize) -> impl Iterator<Item = ModCfg> {
        self.predicates
            .into_iter()
            .map(move |predicate| ModCfg { depth, predicate })
    }
}

/// Two `cfg` predicates of one declaration that gate different levels of its path.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct TwoLevels {
    /// A predicate and the path it gates, outermost first.
    pub(crate) outer: (String, String),
    /// Another predicate, and the deeper path it gates.
    pub(crate) inner: (String, String),
}

/// The `cfg` predicates of a declaration at `value` declared in the module `segments` (its
/// modules' `cfg`, outermost first, then `own`, the item's), and the one level of `value`'s
/// path they gate: `None` for the item itself, `Some(path)` for a module on the way.
///
/// A module's predicates gate that module when it is on `value`'s path (the crate root's gate
/// the first segment below the root), and only the item otherwise (an `impl` in a gated module
/// for a type declared elsewhere). Generated code checks whether that one level was compiled,
/// so predicates on two levels are an error.
pub(crate) fn gate(
    segments: &[String],
    cfg: &[ModCfg],
    own: &[String],
    value: &str,
) -> Result<(Vec<String>, Option<String>), TwoLevels> {
    let path: Vec<&str> = value.split("::").collect();
    let last = path.len().saturating_sub(1);
    let on_path = |depth: usize| {
        depth + 1 < path.len()
            && segments.len() >= depth
            && path[1..=depth]
                .iter()
                .zip(&segments[..depth])
                .all(|(a, b)| a == b)
    };
    let levels = cfg
        .iter()
        .map(|c| {
            let level = if on_path(c.depth) {
                c.depth.max(1).min(last)
            } else {
                last
            };
            (level, &c.predicate)
        })
        .chain(own.iter().map(|p| (last, p)));
    let mut gated: Option<(usize, &String)> = None;
    let mut predicates = Vec::new();
    for (level, predicate) in levels {
        match gated {
            Some((at, first)) if at != level => {
                let described = |level: usize, predicate: &String| {
                    (predicate.clone(), path[..=level].join("::"))
                };
                let (outer, inner) = if at < level {
                    (described(at, first), described(level, predicate))
                } else {
                    (described(level, predicate), described(at, first))
                };
                return Err(TwoLevels { outer, inner });
            }
            Some(_) => {}
            None => gated = Some((level, predicate)),
        }
        predicates.push(predicate.clone());
    }
    let module = gated
        .filter(|(level, _)| *level < last)
        .map(|(level, _)| path[..=level].join("::"));
    Ok((predicates, module))
}

/// Reads the `#[cfg(..)]` attributes among `attrs` (in order).
pub(crate) fn cfgs(attrs: &[Attribute]) -> Cfgs {
    let mut out = Cfgs::default();
    for attr in attrs {
        if !attr.path().is_ident("cfg") {
            continue;
        }
        let Meta::List(list) = &attr.meta else {
            continue;
        };
        match syn::parse2::<Meta>(list.tokens.clone()) {
            Ok(meta) => {
                out.test |= requires_test(&meta);
                out.predicates.push(render(&meta));
            }
            Err(_) => out.predicates.push(list.tokens.to_string()),
        }
    }
    out
}

/// Whether `meta` can only hold in test builds.
pub(crate) fn requires_test(meta: &Meta) -> bool {
    match meta {
        Meta::Path(path) => path.is_ident("test"),
        Meta::List(list) if list.path.is_ident("all") => {
            nested(&list.tokens).is_some_and(|items| items.iter().any(requires_test))
        }
        _ => false,
    }
}

fn nested(tokens: &TokenStream) -> Option<Punctuated<Meta, Token![,]>> {
    syn::parse::Parser::parse2(Punctuated::parse_terminated, tokens.clone()).ok()
}

/// Renders a predicate the way people write it: `feature = "x"`, `all(unix, not(test))`.
pub(crate) fn render(meta: &Meta) -> String {
    match meta {
        Meta::Path(path) => path_text(path),
        Meta::NameValue(nv) => format!("{} = {}", path_text(&nv.path), nv.value.to_token_stream()),
        Meta::List(list) => {
            let inner = match nested(&list.tokens) {
                Some(items) => items.iter().map(render).collect::<Vec<_>>().join(", "),
                None => list.tokens.to_string(),
            };
            format!("{}({inner})", path_text(&list.path))
        }
    }
}

/// `a::b::c` (with a leading `::` when written so).
pub(crate) fn path_text(path: &syn::Path) -> String {
    let mut out = String::new();
    if path.leading_colon.is_some() {
        out.push_str("::");
    }
    let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
    out.push_str(&segments.join("::"));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn of(src: &str) -> Cfgs {
        let item: syn::ItemStruct = syn::parse_str(&format!("{src} struct S;")).unwrap();
        cfgs(&item.attrs)
    }

    #[test]
    fn test_only_predicates() {
        assert!(of("#[cfg(test)]").test);
        assert!(of("#[cfg(all(unix, test))]").test);
        assert!(!of("#[cfg(any(unix, test))]").test);
        assert!(!of("#[cfg(not(test))]").test);
        assert!(!of("#[cfg_attr(test, derive(Debug))]").test);
    }

    fn at(depth: usize, predicate: &str) -> ModCfg {
        ModCfg {
            depth,
            predicate: predicate.to_owned(),
        }
    }

    fn segs(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn the_gated_level_is_the_item_or_the_module_on_its_path() {
        let own = ["unix".to_owned()];
        // On the item.
        assert_eq!(
            gate(&segs(&["a"]), &[], &own, "dep::a::X"),
            Ok((own.to_vec(), None))
        );
        // On module `a` (depth 1), and twice on it (its `mod` item and its file).
        let cfg = [at(1, "feature = \"x\""), at(1, "unix")];
        let (predicates, module) = gate(&segs(&["a", "b"]), &cfg, &[], "dep::a::b::X").unwrap();
        assert_eq!(predicates, ["feature = \"x\"", "unix"]);
        assert_eq!(module.as_deref(), Some("dep::a"));
        // The crate root's `#![cfg]` gates the first segment below it.
        let root = [at(0, "unix")];
        assert_eq!(
            gate(&segs(&["a"]), &root, &[], "dep::a::X")
                .unwrap()
                .1
                .as_deref(),
            Some("dep::a")
        );
        assert_eq!(gate(&[], &root, &[], "dep::X").unwrap().1, None);
        // An impl in a gated module for a type declared elsewhere: the gate is the impl's.
        let cfg = [at(1, "unix")];
        assert_eq!(
            gate(&segs(&["imp"]), &cfg, &[], "dep::types::T").unwrap().1,
            None
        );
    }

    #[test]
    fn predicates_on_two_levels_are_reported_outermost_first() {
        let cfg = [at(1, "feature = \"x\"")];
        let own = ["unix".to_owned()];
        let err = gate(&segs(&["a"]), &cfg, &own, "dep::a::X").unwrap_err();
        assert_eq!(
            err.outer,
            ("feature = \"x\"".to_owned(), "dep::a".to_owned())
        );
        assert_eq!(err.inner, ("unix".to_owned(), "dep::a::X".to_owned()));
    }

    #[test]
    fn predicates_render_as_written_in_order() {
        let c = of(r#"#[doc = "x"] #[cfg(feature = "a")] #[cfg(all(unix,not( test )))]"#);
        assert_eq!(c.predicates, ["feature = \"a\"", "all(unix, not(test))"]);
    }
}
