//! `scan_workspace` with the scan cache read ahead of `cargo metadata`, and the `plux.json`
//! symlink check of `entrypoints`.

#![allow(clippy::unwrap_used)]

use std::fs;

use super::*;

/// A one-package workspace in a temp dir with one spec plugin per module file.
fn workspace() -> (tempfile::TempDir, Options) {
    let spec = |m: &str| {
        format!("pub static S: PluginSpec<dyn S> = PluginSpec::new(\"ns\", \"{m}\", f);\n")
    };
    let (a, b) = (spec("a"), spec("b"));
    super::tests::package(&[
        ("src/lib.rs", "pub mod a;\npub mod b;\n"),
        ("src/a.rs", &a),
        ("src/b.rs", &b),
    ])
}

/// Sets the mtime of the sources an hour back, so that the cache trusts their stamps.
fn settle(root: &Path) {
    let (a, b, src) = (
        root.join("src/a.rs"),
        root.join("src/b.rs"),
        root.join("src"),
    );
    crate::test_util::age(&[&a, &b, &src]);
}

fn names(options: &Options) -> Vec<String> {
    let (_, scans) = scan_workspace(options).unwrap();
    scans[0].lib.iter().map(|d| d.name.clone()).collect()
}

#[test]
fn the_cache_read_ahead_is_that_of_the_target_dir_and_sees_edits() {
    let (dir, options) = workspace();
    let root = dir.path();
    let configured = ["CARGO_TARGET_DIR", "CARGO_BUILD_TARGET_DIR"]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    if !configured {
        // No cache yet: nothing to read ahead.
        assert_eq!(likely_target_dir(&options.selection), None);
    }
    settle(root);
    assert_eq!(names(&options), ["a", "b"]);
    let (workspace, _) = scan_workspace(&options).unwrap();
    // (Unless `.cargo/config.toml` moves it: then there is no guess, and nothing read ahead.)
    if configured || workspace.target_dir == root.join("target") {
        assert_eq!(
            likely_target_dir(&options.selection),
            Some(workspace.target_dir)
        );
    }
    // Warm (the memo read ahead), then an edit of the same size and mtime.
    assert_eq!(names(&options), ["a", "b"]);
    crate::test_util::edit_keeping_mtime(&root.join("src/b.rs"), "\"b\"", "\"c\"");
    assert_eq!(names(&options), ["a", "c"]);
    assert_eq!(names(&options), ["a", "c"]);
}

#[cfg(unix)]
#[test]
fn a_plux_json_symlink_is_followed_inside_the_package_and_refused_outside() {
    use std::os::unix::fs::symlink;
    let (dir, options) = workspace();
    let root = dir.path();
    fs::write(root.join("index.json"), "{}\n").unwrap();
    symlink(root.join("index.json"), root.join("plux.json")).unwrap();
    let report = entrypoints(&options, true).unwrap();
    assert!(report.is_stale(), "the link's target is compared");

    let outside = tempfile::tempdir().unwrap();
    fs::write(outside.path().join("plux.json"), "{}\n").unwrap();
    fs::remove_file(root.join("plux.json")).unwrap();
    symlink(outside.path().join("plux.json"), root.join("plux.json")).unwrap();
    let Err(Error::Config(message)) = entrypoints(&options, true) else {
        panic!("expected a config error")
    };
    assert!(message.contains("outside package `my-svc`"), "{message}");
}

/// The messages of the warnings about files no module path reaches.
fn unreached_files(options: &Options) -> Vec<String> {
    let (_, scans) = scan_workspace(options).unwrap();
    scans[0]
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("no module path reaches it"))
        .filter_map(|d| d.location.as_ref())
        .map(|l| l.file.file_name().unwrap().to_string_lossy().into_owned())
        .collect()
}

#[test]
fn unreached_files_are_remembered_while_their_directories_do_not_change() {
    let (dir, options) = workspace();
    let root = dir.path();
    let orphan = root.join("src/orphan.rs");
    fs::write(&orphan, "#[plugin(namespace = \"ns\")]\npub fn f() {}\n").unwrap();
    settle(root);
    crate::test_util::age(&[&orphan]);
    assert_eq!(unreached_files(&options), ["orphan.rs"]);
    let cache = scan::Cache::in_target_dir(&root.join("target"));
    let remembered = |ext: &str| {
        fs::read_dir(cache.dir())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .path()
                    .extension()
                    .is_some_and(|x| x == ext)
            })
            .count()
    };
    assert_eq!(remembered("memo"), 1);
    // From the memo, then after a file appears (its directory's stamp changes) and goes.
    assert_eq!(unreached_files(&options), ["orphan.rs"]);
    let second = root.join("src/second.rs");
    fs::write(&second, "// a plugin\n").unwrap();
    assert_eq!(unreached_files(&options), ["orphan.rs", "second.rs"]);
    fs::remove_file(&second).unwrap();
    crate::test_util::age(&[&root.join("src")]);
    assert_eq!(unreached_files(&options), ["orphan.rs"]);
    // The orphan's text changes, its directory does not: its own stamp shows it.
    fs::write(&orphan, "// nothing here any more\n").unwrap();
    assert_eq!(unreached_files(&options), Vec::<String>::new());
}
