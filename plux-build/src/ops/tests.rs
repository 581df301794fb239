#![allow(clippy::unwrap_used)]

use std::fs;

use super::*;

/// A one-package workspace in a temp dir with one spec plugin.
fn workspace() -> (tempfile::TempDir, Options) {
    package(&[(
        "src/lib.rs",
        "pub static S3: PluginSpec<dyn S> = PluginSpec::new(\"ns\", \"s3\", f);\n",
    )])
}

/// A package `my-svc` (its own workspace) in a temp dir with `files`, and the options that
/// select it.
pub(super) fn package(files: &[(&str, &str)]) -> (tempfile::TempDir, Options) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    fs::write(
        root.join("Cargo.toml"),
        "[package]\nname = \"my-svc\"\nversion = \"0.1.0\"\nedition = \"2024\"\n[workspace]\n",
    )
    .unwrap();
    for (path, text) in files {
        let path = root.join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }
    let options = Options {
        selection: Selection {
            manifest_path: Some(root.join("Cargo.toml")),
            ..Selection::default()
        },
        ..Options::default()
    };
    (dir, options)
}

#[test]
fn entrypoints_checks_then_writes_then_is_fresh() {
    let (dir, options) = workspace();
    let index = dir.path().join("plux.json");
    let expected = "{\n  \"ns\": [\n    \"s3=my_svc::S3\"\n  ]\n}\n";

    let report = entrypoints(&options, true).unwrap();
    assert!(report.is_stale());
    assert_eq!(
        report.files[0].status,
        FileStatus::Stale {
            old: None,
            new: expected.to_owned()
        }
    );
    assert!(!index.exists(), "check mode wrote");

    let report = entrypoints(&options, false).unwrap();
    assert_eq!(report.files[0].status, FileStatus::Written);
    assert_eq!(report.plugins, 1);
    assert_eq!(fs::read_to_string(&index).unwrap(), expected);

    let report = entrypoints(&options, false).unwrap();
    assert_eq!(report.files[0].status, FileStatus::Unchanged);
    assert!(!entrypoints(&options, true).unwrap().is_stale());
}

#[test]
fn errors_fail_entrypoints_without_writing_and_discover_returns_what_it_read() {
    let (dir, options) = workspace();
    let lib = fs::read_to_string(dir.path().join("src/lib.rs")).unwrap();
    fs::write(
        dir.path().join("src/lib.rs"),
        format!("{lib}pub mod missing;\n"),
    )
    .unwrap();
    let Err(Error::Diagnostics(found)) = entrypoints(&options, false) else {
        panic!("expected diagnostics")
    };
    assert!(found.iter().any(Diagnostic::is_error));
    assert!(!dir.path().join("plux.json").exists());
    let discover_options = DiscoverOptions {
        options,
        ..DiscoverOptions::default()
    };
    let (index, diagnostics) = discover(&discover_options).unwrap();
    assert!(diagnostics.iter().any(Diagnostic::is_error));
    assert_eq!(
        index.render(),
        "{\n  \"ns\": [\n    \"s3=my_svc::S3\"\n  ]\n}\n"
    );
}

#[test]
fn discover_path_defaults_the_crate_name_to_the_package() {
    let (dir, _) = workspace();
    let options = DiscoverOptions {
        path: Some(dir.path().to_owned()),
        ..DiscoverOptions::default()
    };
    let (index, _) = discover(&options).unwrap();
    assert_eq!(
        index.render(),
        "{\n  \"ns\": [\n    \"s3=my_svc::S3\"\n  ]\n}\n"
    );
}
