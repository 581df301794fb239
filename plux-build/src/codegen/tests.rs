use std::path::Path;

use super::*;
use crate::model::Kind;

fn entry(
    ns: &str,
    name: &str,
    value: &str,
    kind: Kind,
    cfg: &[&str],
    index: Option<&str>,
) -> RegistryEntry {
    let package = value
        .split("::")
        .next()
        .unwrap_or_default()
        .replace('_', "-");
    RegistryEntry {
        namespace: ns.into(),
        name: name.into(),
        value: value.into(),
        path: value.into(),
        kind,
        cfg: cfg.iter().map(|c| (*c).to_owned()).collect(),
        cfg_module: None,
        host_cfg: Vec::new(),
        origin: Origin {
            package,
            index: index.map(str::to_owned),
        },
    }
}

fn origin(package: &str) -> Origin {
    Origin {
        package: package.into(),
        index: Some(format!("{package}/plux.json")),
    }
}

fn errors(diagnostics: &[crate::Diagnostic]) -> String {
    diagnostics.iter().map(|d| format!("{d}\n")).collect()
}

#[test]
fn registry_of_every_declaration_form() {
    let entries = vec![
        entry(
            "localstack.plugins.services",
            "s3",
            "ls_services::S3",
            Kind::Spec,
            &[],
            Some("services/plux.json"),
        ),
        entry(
            "localstack.plugins.cli",
            "my",
            "my_cli::MyCli",
            Kind::Type,
            &[],
            Some("cli/plux.json"),
        ),
        entry(
            "localstack.configurators",
            "configure_logging",
            "ls_hooks::configure_logging",
            Kind::Function,
            &[],
            Some("hooks/plux.json"),
        ),
        entry(
            "localstack.configurators",
            "dump",
            "ls_hooks::debug::dump",
            Kind::Function,
            &["feature = \"debug\""],
            Some("hooks/plux.json"),
        ),
        entry(
            "localstack.plugins.services",
            "dynamodb",
            "ls_services::DYNAMODB",
            Kind::Spec,
            &["feature = \"ddb\""],
            Some("services/plux.json"),
        ),
        entry(
            "localstack.plugins.cli",
            "local",
            "crate::commands::Local",
            Kind::Type,
            &[],
            None,
        ),
        entry(
            "localstack.plugins.services",
            "r#type",
            "ls_services::r#type::TYPE",
            Kind::Spec,
            &[],
            Some("services/plux.json"),
        ),
        RegistryEntry {
            cfg_module: Some("ls_services::aws::r#in".into()),
            ..entry(
                "localstack.plugins.services",
                "sqs",
                "ls_services::aws::r#in::queue::SQS",
                Kind::Spec,
                &["feature = \"aws\""],
                Some("services/plux.json"),
            )
        },
        RegistryEntry {
            cfg_module: Some("ls_hooks::unix".into()),
            ..entry(
                "localstack.configurators",
                "signals",
                "ls_hooks::unix::signals",
                Kind::Function,
                &["unix"],
                Some("hooks/plux.json"),
            )
        },
    ];
    let source = registry_source(entries, None).unwrap();
    syn::parse_file(&source).unwrap();
    insta::assert_snapshot!(source);
}

#[test]
fn registry_has_one_line_per_plugin_grouped_by_namespace() {
    let entries = vec![
        entry("b", "x", "ls_b::X", Kind::Spec, &[], Some("b/plux.json")),
        entry("a", "y", "ls_a::Y", Kind::Type, &[], Some("a/plux.json")),
    ];
    let source = registry_source(entries, None).unwrap();
    insta::assert_snapshot!(source);
}

#[test]
fn empty_registry_is_an_empty_invocation() {
    let source = registry_source(Vec::new(), None).unwrap();
    insta::assert_snapshot!(source);
}

#[test]
fn library_host_names_its_own_items_through_crate() {
    let entries = vec![entry("a", "y", "host_lib::Y", Kind::Spec, &[], None)];
    let source = registry_source(entries, Some("host_lib")).unwrap();
    assert!(
        source.contains("\"y\" = crate::Y [value = host_lib::Y],"),
        "{source}"
    );
}

#[test]
fn renamed_dependency_is_named_as_the_host_names_it() {
    let mut e = entry("a", "y", "ls_a::Y", Kind::Spec, &[], Some("a/plux.json"));
    e.path = "renamed::Y".into();
    let source = registry_source(vec![e], None).unwrap();
    assert!(
        source.contains("\"y\" = renamed::Y [value = ls_a::Y],"),
        "{source}"
    );
}

#[test]
fn optional_and_platform_dependencies_are_gated_by_the_host() {
    let mut e = entry(
        "ns",
        "lambda",
        "extras::LAMBDA",
        Kind::Spec,
        &[],
        Some("extras/plux.json"),
    );
    e.host_cfg = vec!["any(feature = \"lambda\")".into(), "any(unix)".into()];
    let source = registry_source(vec![e], None).unwrap();
    syn::parse_file(&source).unwrap();
    insta::assert_snapshot!(source);
}

#[test]
fn same_plugin_in_two_packages_is_an_error_naming_both() {
    let entries = vec![
        entry(
            "ns",
            "s3",
            "ls_one::S3",
            Kind::Spec,
            &[],
            Some("one/plux.json"),
        ),
        entry(
            "ns",
            "s3",
            "ls_two::S3",
            Kind::Spec,
            &[],
            Some("two/plux.json"),
        ),
    ];
    let diagnostics = registry_source(entries, None).unwrap_err();
    insta::assert_snapshot!(errors(&diagnostics));
}

#[test]
fn hostile_names_become_escaped_literals_only() {
    let evil = r#"x"); std::process::exit(1); //"#;
    let entries = vec![entry(
        "ns",
        evil,
        "ls_a::X",
        Kind::Type,
        &[],
        Some("a/plux.json\nfn evil() {}"),
    )];
    let source = registry_source(entries, None).unwrap();
    let file = syn::parse_file(&source).unwrap();
    // Nothing but the `registry!` invocation: no injected items.
    assert_eq!(file.items.len(), 1, "{source}");
    assert!(!source.contains("\nfn evil"), "{source}");
    assert!(
        source.contains(r#""x\"); std::process::exit(1); //""#),
        "{source}"
    );
}

#[test]
fn invalid_entries_are_refused_before_rendering() {
    let entries = vec![
        entry("ns", "a", "ls_a::X; fn evil() {}", Kind::Spec, &[], None),
        entry("n s", "b", "ls_a::X", Kind::Spec, &[], None),
        entry("ns", "c=d", "ls_a::X", Kind::Spec, &[], None),
        entry("ns", "e", "ls_a::X", Kind::Spec, &["feature = "], None),
        entry("ns", "f", "crate::X", Kind::Spec, &[], Some("a/plux.json")),
        RegistryEntry {
            cfg_module: Some("ls_a::m::{evil}".into()),
            ..entry("ns", "g", "ls_a::m::X", Kind::Spec, &["unix"], None)
        },
        RegistryEntry {
            cfg_module: Some("ls_a::m".into()),
            ..entry("ns", "h", "ls_a::m::X", Kind::Spec, &[], None)
        },
    ];
    let diagnostics = registry_source(entries, None).unwrap_err();
    assert_eq!(diagnostics.len(), 7, "{}", errors(&diagnostics));
    insta::assert_snapshot!(errors(&diagnostics));
}

/// Runs `f` on a thread with a small stack: recursion on the size of the input overflows it.
fn on_small_stack(f: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap();
}

/// Issue 14: a dependency's index with one `cfg`-gated entry of 2,000 path segments (12 KB), or
/// an ungated one of 100,000, overflowed the stack of `entrypoints` and of build scripts
/// (the registry was built as a syntax tree nested once per segment). Now long paths are
/// written flat, and a gated one whose fallback would nest deeper than rustc can parse is a
/// clear error.
#[test]
fn long_paths_in_a_dependency_index_are_rendered_without_recursion() {
    on_small_stack(|| {
        let path = |n: usize| -> String {
            let segments: Vec<String> = (0..n).map(|i| format!("m{i}")).collect();
            format!("ls_services::{}", segments.join("::"))
        };
        let flat = path(100_000);
        let gated = path(2_000);
        let module = "ls_services::m0";
        let text = format!(
            "{{\n  \"ns\": [\n    \"flat={flat}\",\n    \"item=${gated} [cfg(unix)]\"\n  ]\n}}\n"
        )
        .replace('$', "");
        let entries = parse(&text).unwrap();
        let source = registry_source(entries, None).unwrap();
        assert!(source.contains(&format!("\"flat\" = {flat},")));
        assert!(source.contains(&format!("\"item\" = {gated} [cfg(unix)],")));

        let text =
            format!("{{\n  \"ns\": [\n    \"deep={gated} [cfg(unix) on {module}]\"\n  ]\n}}\n");
        let entries = parse(&text).unwrap();
        let diagnostics = registry_source(entries, None).unwrap_err();
        assert!(
            errors(&diagnostics).contains(
                "its path has 2000 segments below the level its `cfg` is on; generated code nests at most 128"
            ),
            "{}",
            errors(&diagnostics)
        );
    });
}

/// `cfg` predicates are read without recursion, and nest at most `MAX_CFG_DEPTH` levels.
#[test]
fn deep_cfg_predicates_are_an_error_not_a_stack_overflow() {
    on_small_stack(|| {
        let deep = format!("{}unix{}", "not(".repeat(100_000), ")".repeat(100_000));
        let message = crate::validate::validate_cfg(&deep).unwrap_err();
        assert!(message.contains("nests deeper than 64 levels"), "{message}");
        assert!(message.len() < 200, "{message}");
        let ok = format!("{}unix{}", "not(".repeat(64), ")".repeat(64));
        assert!(crate::validate::validate_cfg(&ok).is_ok());
        let mut e = entry("ns", "a", "ls_a::X", Kind::Spec, &[], None);
        e.cfg = vec![deep];
        let diagnostics = registry_source(vec![e], None).unwrap_err();
        assert!(errors(&diagnostics).contains("nests deeper than 64 levels"));
    });
}

fn parse(text: &str) -> Result<Vec<RegistryEntry>, String> {
    parse_index(
        text,
        Path::new("services/plux.json"),
        "ls_services",
        &origin("services"),
    )
    .map_err(|d| errors(&d))
}

#[test]
fn shipped_index_is_read_with_kinds_and_cfgs() {
    let text = r#"{
  "localstack.plugins.services": [
    "debug=ls_services::DEBUG [cfg(feature = \"debug\")]",
    "gated=ls_services::m::GATED [cfg(unix) on ls_services::m]",
    "my=ls_services::My [type]",
    "s3=ls_services::S3"
  ]
}
"#;
    let entries = parse(text).unwrap();
    let summary: Vec<_> = entries
        .iter()
        .map(|e| {
            (
                e.name.as_str(),
                e.kind,
                e.cfg.clone(),
                e.cfg_module.as_deref(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (
                "debug",
                Kind::Spec,
                vec!["feature = \"debug\"".to_owned()],
                None
            ),
            (
                "gated",
                Kind::Spec,
                vec!["unix".to_owned()],
                Some("ls_services::m")
            ),
            ("my", Kind::Type, vec![], None),
            ("s3", Kind::Spec, vec![], None),
        ]
    );
}

#[test]
fn malformed_index_not_json() {
    insta::assert_snapshot!(parse("{\n  \"ns\": [\n").unwrap_err());
}

#[test]
fn malformed_index_wrong_shape() {
    insta::assert_snapshot!(parse("[\"s3=ls_services::S3\"]\n").unwrap_err());
}

#[test]
fn malformed_index_value_not_a_path() {
    insta::assert_snapshot!(
        parse("{\n  \"ns\": [\n    \"s3=ls_services::S3; fn evil() {}\"\n  ]\n}\n").unwrap_err()
    );
}

#[test]
fn malformed_index_value_outside_the_package() {
    insta::assert_snapshot!(
        parse("{\n  \"ns\": [\n    \"exit=std::process::exit [fn]\"\n  ]\n}\n").unwrap_err()
    );
}

#[test]
fn malformed_index_crate_relative_value() {
    insta::assert_snapshot!(parse("{\n  \"ns\": [\n    \"s3=crate::S3\"\n  ]\n}\n").unwrap_err());
}

#[test]
fn malformed_index_hostile_namespace_and_extra() {
    let text = "{\n  \"ns\\\"); evil(); (\\\"\": [\n    \"s3=ls_services::S3\"\n  ],\n  \"ok\": [\n    \"s3=ls_services::S3 [cfg(x)); evil((]\"\n  ]\n}\n";
    insta::assert_snapshot!(parse(text).unwrap_err());
}

#[test]
fn deeply_nested_index_is_an_error_not_a_stack_overflow() {
    let depth = 1_000_000;
    let arrays = format!("{{\"ns\": {}{}}}", "[".repeat(depth), "]".repeat(depth));
    let objects = format!("{}1{}", "{\"ns\": ".repeat(depth), "}".repeat(depth));
    for (text, expect) in [
        (arrays, "services/plux.json:1:9"),
        (objects, "must map to an array of entry strings"),
    ] {
        let message = parse(&text).unwrap_err();
        assert!(message.contains(expect), "{message}");
        assert!(message.len() < 1024, "{message}");
    }
}

#[test]
fn oversized_and_non_utf8_indexes_are_located_errors() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plux.json");
    // Exactly at the limit is read; one byte more is refused.
    let mut huge = vec![b' '; crate::index::MAX_INDEX_BYTES as usize];
    huge[0] = b'{';
    huge[1] = b'}';
    std::fs::write(&path, &huge).unwrap();
    assert!(crate::index::read_text(&path).is_ok());
    huge.push(b' ');
    std::fs::write(&path, &huge).unwrap();
    let Err(crate::Error::Diagnostics(found)) = crate::index::read_text(&path) else {
        panic!("an oversized index was read")
    };
    assert!(
        errors(&found).contains("plux.json:1:1"),
        "{}",
        errors(&found)
    );
    assert!(errors(&found).contains("larger than 8388608 bytes"));

    std::fs::write(&path, b"{\n  \"ns\": [\"a=x\xff\"]\n}\n").unwrap();
    let Err(crate::Error::Diagnostics(found)) = crate::index::read_text(&path) else {
        panic!("a non-UTF-8 index was read")
    };
    assert!(
        errors(&found).contains("plux.json:2:14") && errors(&found).contains("not valid UTF-8"),
        "{}",
        errors(&found)
    );
}

#[cfg(unix)]
#[test]
fn write_targets_resolve_through_symlinks() {
    use crate::index::resolve_inside;
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("pkg");
    let outside = dir.path().join("outside");
    std::fs::create_dir_all(root.join("src")).unwrap();
    std::fs::create_dir_all(&outside).unwrap();
    symlink(&outside, root.join("out")).unwrap();
    symlink(root.join("src"), root.join("also_src")).unwrap();
    symlink(root.join("loop"), root.join("loop")).unwrap();
    symlink("../../outside/x.rs", root.join("src/dangling.rs")).unwrap();
    let outside = outside.canonicalize().unwrap();
    assert!(resolve_inside(&root, "src/new/reg.rs".as_ref()).is_ok());
    assert!(resolve_inside(&root, "also_src/reg.rs".as_ref()).is_ok());
    assert_eq!(
        resolve_inside(&root, "out/reg.rs".as_ref()),
        Err(outside.join("reg.rs"))
    );
    // `..` after a symlink is the OS's `..`: from `outside`, not from `pkg`.
    assert!(resolve_inside(&root, "out/../pkg/src/reg.rs".as_ref()).is_ok());
    assert!(resolve_inside(&root, "also_src/../../x.rs".as_ref()).is_err());
    assert!(resolve_inside(&root, "loop/reg.rs".as_ref()).is_err());
    let dangling = resolve_inside(&root, "src/dangling.rs".as_ref()).unwrap_err();
    assert!(dangling.ends_with("src/../../outside/x.rs"), "{dangling:?}");
    assert!(resolve_inside(&root, "/etc/reg.rs".as_ref()).is_err());
    assert!(resolve_inside(&root, ".".as_ref()).is_err());
}

/// Generated code names plugins only by validated paths and escaped literals, whatever a
/// dependency's `plux.json` holds.
mod generated_code_property {
    use std::collections::BTreeSet;

    use proc_macro2::{TokenStream, TokenTree};
    use proptest::prelude::*;

    use super::*;
    use crate::index::{Index, IndexEntry};

    #[derive(Default)]
    struct Tokens {
        idents: BTreeSet<String>,
        strings: Vec<String>,
        others: Vec<String>,
    }

    fn walk(stream: TokenStream, out: &mut Tokens) {
        for tree in stream {
            match tree {
                TokenTree::Group(group) => walk(group.stream(), out),
                TokenTree::Ident(ident) => {
                    out.idents.insert(ident.to_string());
                }
                TokenTree::Literal(literal) => {
                    match syn::parse_str::<syn::LitStr>(&literal.to_string()) {
                        Ok(s) => out.strings.push(s.value()),
                        Err(_) => out.others.push(literal.to_string()),
                    }
                }
                TokenTree::Punct(_) => {}
            }
        }
    }

    fn tokens(source: &str) -> Tokens {
        // Comments are not tokens: anything escaping one would show up here.
        let stream: TokenStream = source.parse().unwrap();
        let mut out = Tokens::default();
        walk(stream, &mut out);
        out
    }

    /// Identifiers and strings of the code shape itself, from a fixed registry of every form.
    fn template() -> Tokens {
        let mut entries = Vec::new();
        for (i, kind) in [Kind::Spec, Kind::Type, Kind::Function]
            .into_iter()
            .enumerate()
        {
            for cfg in [&[][..], &["unix"][..]] {
                let name = format!("n{i}{}", cfg.len());
                let value = format!("dep::m::I{i}{}", cfg.len());
                entries.push(entry("ns", &name, &value, kind, cfg, Some("plux.json")));
            }
        }
        let source = registry_source(entries, None).unwrap();
        tokens(&source)
    }

    fn text() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z_][a-z0-9_.-]{0,8}",
            "[a-z_:]{0,6}(::|;|\"|\\\\|\n|=| |\\[|\\]|\\(|\\)|\\{|\\}|<|>|#|/|\\*)[a-z_:]{0,6}",
            "\\PC{0,10}",
            ".{0,10}",
        ]
    }

    fn value() -> impl Strategy<Value = String> {
        prop_oneof![
            "dep(::(r#)?[A-Za-z_][A-Za-z0-9_]{0,4}){1,3}",
            text().prop_map(|t| format!("dep::{t}")),
            text(),
        ]
    }

    fn cfg() -> impl Strategy<Value = Vec<String>> {
        prop_oneof![
            Just(Vec::new()),
            "[a-z_]{1,6}".prop_map(|p| vec![p]),
            "[a-z]{1,6}".prop_map(|f| vec![format!("feature = \"{f}\"")]),
            text().prop_map(|t| vec![format!("feature = \"{}\"", t.escape_debug())]),
            text().prop_map(|t| vec![t]),
        ]
    }

    fn kind() -> impl Strategy<Value = Kind> {
        prop_oneof![Just(Kind::Spec), Just(Kind::Type), Just(Kind::Function)]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn registry_of_random_index_has_only_validated_paths_and_escaped_literals(
            namespace in text(),
            entries in proptest::collection::vec((text(), value(), kind(), cfg()), 1..3),
        ) {
            let mut index = Index::new();
            for (name, value, kind, cfg) in &entries {
                let mut entry = IndexEntry::new(name.clone(), value.clone(), *kind);
                entry.cfg = cfg.clone();
                index.insert(&namespace, entry);
            }
            let origin = Origin { package: "dep".into(), index: Some("plux.json of dep 0.1.0".into()) };
            let Ok(parsed) = parse_index(&index.render(), Path::new("dep/plux.json"), "dep", &origin) else {
                return Ok(());
            };
            let Ok(source) = registry_source(parsed.clone(), None) else {
                return Ok(());
            };
            prop_assert!(syn::parse_file(&source).is_ok(), "{}", source);
            let found = tokens(&source);

            let template = template();
            let mut idents = template.idents;
            let mut strings: BTreeSet<String> = template.strings.into_iter().collect();
            for e in &parsed {
                // Every accepted entry is one of the inputs, unchanged.
                let is_input = entries.iter().any(|(n, v, k, c)| {
                    *n == e.name && *v == e.value && *k == e.kind && *c == e.cfg
                });
                prop_assert!(is_input, "entry `{}` is not an input", e.name);
                prop_assert_eq!(&e.namespace, &namespace);
                idents.extend(e.value.split("::").map(str::to_owned));
                for cfg in &e.cfg {
                    let cfg_tokens = tokens(cfg);
                    idents.extend(cfg_tokens.idents);
                    strings.extend(cfg_tokens.strings);
                }
                strings.insert(e.namespace.clone());
                strings.insert(e.name.clone());
            }
            for ident in &found.idents {
                prop_assert!(idents.contains(ident), "identifier `{}` leaked into\n{}", ident, source);
            }
            for string in &found.strings {
                prop_assert!(strings.contains(string), "string {:?} leaked into\n{}", string, source);
            }
            prop_assert!(found.others.is_empty(), "literals {:?} in\n{}", found.others, source);
        }
    }
}

#[test]
fn names_with_bidirectional_controls_are_refused_before_rendering() {
    let named = |(ns, name): (&str, &str)| entry(ns, name, "ls_a::X", Kind::Spec, &[], None);
    let entries = [("ns", "ab\u{202e}cd"), ("n\u{2066}s", "b"), ("ns", "c")].map(named);
    let diagnostics = registry_source(entries.to_vec(), None).unwrap_err();
    let text = errors(&diagnostics);
    assert_eq!(diagnostics.len(), 2, "{text}");
    assert!(
        text.contains("invalid plugin `ab\\u{202e}cd` in namespace `ns`: plugin name `ab\\u{202e}cd` contains the invisible bidirectional control U+202E"),
        "{text}"
    );
    assert!(
        text.contains("namespace `n\\u{2066}s` contains `\\u{2066}`"),
        "{text}"
    );
    assert!(!text.contains(['\u{202e}', '\u{2066}']), "{text}");
}
