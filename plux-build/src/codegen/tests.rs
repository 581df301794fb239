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
    ];
    let source = registry_source(entries, None).unwrap();
    syn::parse_file(&source).unwrap();
    insta::assert_snapshot!(source);
}

#[test]
fn registry_without_gated_entries_is_one_plain_slice() {
    let entries = vec![
        entry("b", "x", "ls_b::X", Kind::Spec, &[], Some("b/plux.json")),
        entry("a", "y", "ls_a::Y", Kind::Type, &[], Some("a/plux.json")),
    ];
    let source = registry_source(entries, None).unwrap();
    insta::assert_snapshot!(source);
}

#[test]
fn empty_registry_compiles_to_an_empty_slice() {
    let source = registry_source(Vec::new(), None).unwrap();
    insta::assert_snapshot!(source);
}

#[test]
fn library_host_names_its_own_items_through_crate() {
    let entries = vec![entry("a", "y", "host_lib::Y", Kind::Spec, &[], None)];
    let source = registry_source(entries, Some("host_lib")).unwrap();
    assert!(
        source.contains("pub(super) use crate::Y as e0;"),
        "{source}"
    );
}

#[test]
fn renamed_dependency_is_named_as_the_host_names_it() {
    let mut e = entry("a", "y", "ls_a::Y", Kind::Spec, &[], Some("a/plux.json"));
    e.path = "renamed::Y".into();
    let source = registry_source(vec![e], None).unwrap();
    assert!(
        source.contains("pub(super) use ::renamed::Y as e0;"),
        "{source}"
    );
    assert!(source.contains("PluginEntry::new(\"ls_a::Y\""), "{source}");
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
    // Nothing but the registry module, the check-free registry static: no injected items.
    assert_eq!(file.items.len(), 2, "{source}");
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
    ];
    let diagnostics = registry_source(entries, None).unwrap_err();
    assert_eq!(diagnostics.len(), 5, "{}", errors(&diagnostics));
    insta::assert_snapshot!(errors(&diagnostics));
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
    "my=ls_services::My [type]",
    "s3=ls_services::S3"
  ]
}
"#;
    let entries = parse(text).unwrap();
    let summary: Vec<_> = entries
        .iter()
        .map(|e| (e.name.as_str(), e.kind, e.cfg.clone()))
        .collect();
    assert_eq!(
        summary,
        [
            ("debug", Kind::Spec, vec!["feature = \"debug\"".to_owned()]),
            ("my", Kind::Type, vec![]),
            ("s3", Kind::Spec, vec![]),
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
