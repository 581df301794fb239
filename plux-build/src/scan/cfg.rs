//! `#[cfg(..)]` attributes: which items are test-only, and the predicates to record.

use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::punctuated::Punctuated;
use syn::{Attribute, Meta, Token};

/// The `cfg`s of one item (or file, via its inner attributes).
#[derive(Debug, Default)]
pub(crate) struct Cfgs {
    /// A predicate requires `test` (`cfg(test)` or `cfg(all(.., test, ..))`).
    pub(crate) test: bool,
    /// Every predicate, rendered (`feature = "x"`, `all(unix, not(test))`).
    pub(crate) predicates: Vec<String>,
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
fn requires_test(meta: &Meta) -> bool {
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

    #[test]
    fn predicates_render_as_written_in_order() {
        let c = of(r#"#[doc = "x"] #[cfg(feature = "a")] #[cfg(all(unix,not( test )))]"#);
        assert_eq!(c.predicates, ["feature = \"a\"", "all(unix, not(test))"]);
    }
}
