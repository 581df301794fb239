use proc_macro2::{TokenStream, TokenTree};
use quote::quote;

use super::registry;

fn expand(input: TokenStream) -> String {
    prettyplease::unparse(&syn::parse2(registry(input)).unwrap())
}

#[test]
fn key_is_the_runtime_key() {
    for (ns, name) in [
        ("ns", "x"),
        ("localstack.plugins.cli", "start"),
        ("ü", "ä b"),
    ] {
        assert_eq!(super::key(ns, name), plux_runtime::__private::key(ns, name));
    }
}

/// Every form ungated: one group per module, `PluginEntry` arrays, a plain registry.
#[test]
fn registry_of_ungated_plugins() {
    insta::assert_snapshot!(expand(quote! {
        "hooks" {
            "configure" = hooks::configure [fn],
        }
        "svc" {
            "s3" = services::S3,
            "sqs" = services::SQS,
            "start" = cli::Start [type],
            "version" = crate::app::Version [type],
        }
    }));
}

/// Gated by the declaring crate (on the item, on a module) and by the host: `Option`s, the
/// host's stand-in, a gapped registry.
#[test]
fn registry_of_gated_plugins() {
    insta::assert_snapshot!(expand(quote! {
        "hooks" {
            "dump" = hooks::dump [fn, cfg(feature = "debug")],
            "trace" = hooks::diag::deep::trace [fn, cfg(feature = "debug") on hooks::diag],
        }
        "svc" {
            #[cfg(feature = "lambda")]
            #[cfg(unix)]
            "lambda" = extras::LAMBDA,
            "s3" = renamed::S3 [value = services::S3],
        }
    }));
}

#[test]
fn empty_registry() {
    insta::assert_snapshot!(expand(quote! {}));
}

#[test]
fn malformed_input_is_a_located_compile_error() {
    for (input, message) in [
        (quote!("ns" { "a" = x }), "a plugin path has a crate"),
        (quote!("ns" { "a" = x::A [typo] }), "unknown extra `typo`"),
        (
            quote!("ns" { "a" = x::m::A [cfg(unix) on y::m] }),
            "not a module on the path",
        ),
        (
            quote!("ns" { "a" = x::m::A [cfg(unix), cfg(unix) on x::m] }),
            "one level of its path",
        ),
        (quote!("ns" { #[test] "a" = x::A }), "only `#[cfg(..)]`"),
        (quote!("ns" { "a" = x::A "b" = x::B }), "expected `,`"),
        (quote!(ns {}), "expected string literal"),
    ] {
        let out = registry(input).to_string();
        assert!(
            out.contains("compile_error") && out.contains(message),
            "{message}: {out}"
        );
    }
}

/// Counts the tokens of a stream and its deepest group nesting, without recursion.
fn measure(stream: TokenStream) -> (usize, usize) {
    let mut stack = vec![(stream.into_iter(), 0)];
    let (mut tokens, mut deepest) = (0, 0);
    while let Some((iter, depth)) = stack.last_mut() {
        let depth = *depth;
        match iter.next() {
            None => {
                stack.pop();
            }
            Some(TokenTree::Group(group)) => {
                tokens += 1;
                deepest = deepest.max(depth + 1);
                stack.push((group.stream().into_iter(), depth + 1));
            }
            Some(_) => tokens += 1,
        }
    }
    (tokens, deepest)
}

/// Long paths and deep fallback modules are read and built without recursion (a thread with
/// a small stack would overflow otherwise).
#[test]
fn long_paths_are_expanded_without_recursion() {
    let handle = std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(|| {
            let segments: Vec<String> = (0..100_000).map(|i| format!("m{i}")).collect();
            let path = segments.join("::");
            let input = format!(
                "\"ns\" {{ \"flat\" = dep::{path}::ITEM, \"deep\" = dep::{path}::ITEM [cfg(unix) on dep::m0] }}"
            );
            let out = registry(input.parse().unwrap());
            let (tokens, deepest) = measure(out);
            assert!(tokens > 400_000, "{tokens}");
            // One fallback module per segment below `dep::m0`.
            assert!(deepest > 100_000, "{deepest}");
        })
        .unwrap();
    handle.join().unwrap();
}

/// What `registry!` expands a registry `cargo plux` wrote to holds only validated paths and
/// escaped literals, whatever a dependency's `plux.json` holds (the file's own property is
/// tested in plux-build).
mod expansion_property {
    use std::collections::BTreeSet;
    use std::path::Path;

    use plux_build::Kind;
    use plux_build::codegen::{Origin, parse_index, registry_source};
    use plux_build::index::{Index, IndexEntry};
    use proc_macro2::{TokenStream, TokenTree};
    use proptest::prelude::*;

    #[derive(Default)]
    struct Tokens {
        idents: BTreeSet<String>,
        strings: BTreeSet<String>,
        others: Vec<String>,
    }

    /// The tokens of a stream, walked without recursion.
    fn tokens(stream: TokenStream) -> Tokens {
        let mut out = Tokens::default();
        let mut stack = vec![stream.into_iter()];
        while let Some(iter) = stack.last_mut() {
            match iter.next() {
                None => {
                    stack.pop();
                }
                Some(TokenTree::Group(group)) => stack.push(group.stream().into_iter()),
                Some(TokenTree::Ident(ident)) => {
                    out.idents.insert(ident.to_string());
                }
                Some(TokenTree::Literal(literal)) => {
                    match syn::parse_str::<syn::LitStr>(&literal.to_string()) {
                        Ok(s) => {
                            out.strings.insert(s.value());
                        }
                        Err(_) => out.others.push(literal.to_string()),
                    }
                }
                Some(TokenTree::Punct(_)) => {}
            }
        }
        out
    }

    /// The `registry!` input of a registry file, expanded.
    fn expansion(source: &str) -> TokenStream {
        let file: TokenStream = source.parse().unwrap();
        let group = file
            .into_iter()
            .find_map(|t| match t {
                TokenTree::Group(g) => Some(g.stream()),
                _ => None,
            })
            .unwrap_or_default();
        super::registry(group)
    }

    fn origin() -> Origin {
        Origin {
            package: "dep".into(),
            index: Some("plux.json of dep 0.1.0".into()),
        }
    }

    /// The identifiers of the expansion's own shape, from a registry of every form.
    fn template() -> BTreeSet<String> {
        let text = "{\n  \"ns\": [\n    \"a=dep::m::A\",\n    \"b=dep::m::B [type]\",\n    \"c=dep::m::c [fn]\",\n    \"d=dep::m::D [cfg(unix)]\",\n    \"e=dep::m::n::E [type, cfg(unix) on dep::m::n]\"\n  ]\n}\n";
        let entries = parse_index(text, Path::new("plux.json"), "dep", &origin()).unwrap();
        let mut vocabulary = tokens(expansion(&registry_source(entries, None).unwrap())).idents;
        vocabulary.retain(|i| !i.starts_with("__PLUX_G") || i == "__PLUX_GAPPED");
        vocabulary
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z_][a-z0-9_.-]{0,8}",
            "[a-z_:]{0,6}(::|;|\"|\\\\|\n|=| |\\[|\\]|\\(|\\)|\\{|\\}|<|>|#|/|\\*)[a-z_:]{0,6}",
            "\\PC{0,10}",
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            "dep(::(r#)?[A-Za-z_][A-Za-z0-9_]{0,4}){1,3}",
            text().prop_map(|t| format!("dep::{t}")),
        ]
    }

    fn kind() -> impl Strategy<Value = Kind> {
        prop_oneof![Just(Kind::Spec), Just(Kind::Type), Just(Kind::Function)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn expansion_of_random_index_has_only_validated_paths_and_escaped_literals(
            namespace in text(),
            entries in proptest::collection::vec((text(), value(), kind(), any::<bool>()), 1..4),
        ) {
            let mut index = Index::new();
            for (name, value, kind, gated) in &entries {
                let mut entry = IndexEntry::new(name.clone(), value.clone(), *kind);
                if *gated {
                    entry.cfg = vec!["feature = \"x\"".into()];
                }
                index.insert(&namespace, entry);
            }
            let Ok(parsed) = parse_index(&index.render(), Path::new("plux.json"), "dep", &origin()) else {
                return Ok(());
            };
            let Ok(source) = registry_source(parsed.clone(), None) else {
                return Ok(());
            };
            let expanded = expansion(&source);
            prop_assert!(!expanded.to_string().contains("compile_error"), "{}", source);
            let found = tokens(expanded);
            let mut idents = template();
            // The doc comment of `REGISTRY`.
            let mut strings = BTreeSet::from([
                " Every plugin of this package and its dependency graph, sorted by namespace then name."
                    .to_owned(),
            ]);
            for e in &parsed {
                idents.extend(e.value.split("::").map(str::to_owned));
                strings.insert(e.namespace.clone());
                strings.insert(e.name.clone());
                strings.insert(e.value.clone());
                strings.insert(format!(
                    "stale plux registry: plugin `{}:{}` is no longer declared at `{}`; run `cargo plux entrypoints`",
                    e.namespace, e.name, e.value
                ));
            }
            for ident in &found.idents {
                let group = ident.strip_prefix("__PLUX_G").is_some_and(|n| n.parse::<usize>().is_ok());
                prop_assert!(group || idents.contains(ident), "identifier `{}` leaked from\n{}", ident, source);
            }
            for string in &found.strings {
                prop_assert!(strings.contains(string), "string {:?} leaked from\n{}", string, source);
            }
            for other in &found.others {
                prop_assert!(syn::parse_str::<syn::LitInt>(other).is_ok(), "literal {} from\n{}", other, source);
            }
        }
    }
}
