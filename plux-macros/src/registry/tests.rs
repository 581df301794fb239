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
