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
    let likely = || likely_cache(&options.selection).map(|cache| cache.dir().to_path_buf());
    if !configured {
        // No cache yet: nothing to read ahead.
        assert_eq!(likely(), None);
    }
    settle(root);
    assert_eq!(names(&options), ["a", "b"]);
    let (workspace, _) = scan_workspace(&options).unwrap();
    // (Unless `.cargo/config.toml` moves it: then there is no guess, and nothing read ahead.)
    if configured || workspace.target_dir == root.join("target") {
        let cache = scan::Cache::in_target_dir(&workspace.target_dir, &workspace.root);
        assert_eq!(likely(), Some(cache.dir().to_path_buf()));
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
    let cache_dir = scan_cache_dir(&options);
    let remembered = |ext: &str| {
        fs::read_dir(&cache_dir)
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

/// Every cache file (`*.bin`, `unreached.memo`) under `dir`, with its content and
/// modification time.
fn cache_files(dir: &Path) -> Vec<(PathBuf, Vec<u8>, std::time::SystemTime)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| Some(e.ok()?.into_path()))
        .filter(|p| {
            p.extension().is_some_and(|e| e == "bin")
                || p.file_name().is_some_and(|n| n == "unreached.memo")
        })
        .map(|p| {
            let modified = fs::metadata(&p).unwrap().modified().unwrap();
            (p.clone(), fs::read(&p).unwrap(), modified)
        })
        .collect();
    files.sort();
    files
}

/// Runs a scan of the workspace `options` select; the directory of its scan cache.
fn scan_cache_dir(options: &Options) -> PathBuf {
    let (workspace, _) = scan_workspace(options).unwrap();
    scan::Cache::in_target_dir(&workspace.target_dir, &workspace.root)
        .dir()
        .to_path_buf()
}

#[test]
fn workspaces_sharing_a_target_dir_keep_their_caches_apart() {
    // (`CARGO_TARGET_DIR`, when set, wins over `--config`: then that one is shared.)
    let shared = tempfile::tempdir().unwrap();
    let config = format!("build.target-dir={:?}", shared.path().to_str().unwrap());
    let (one, mut one_options) = workspace();
    let (two, mut two_options) = workspace();
    for (dir, options) in [(&one, &mut one_options), (&two, &mut two_options)] {
        options.selection.cargo_flags = vec!["--config".to_owned(), config.clone()];
        settle(dir.path());
    }
    let one_dir = scan_cache_dir(&one_options);
    let first = cache_files(&one_dir);
    assert!(!first.is_empty());
    assert_eq!(names(&two_options), ["a", "b"]);
    let two_dir = scan_cache_dir(&two_options);
    // The second workspace's runs neither read nor rewrote the first's files (one shared
    // `unreached.memo` was rewritten by every run with its own memos only), and its own are
    // in a directory of its own.
    assert_ne!(one_dir, two_dir);
    assert_eq!(cache_files(&one_dir), first);
    assert!(!cache_files(&two_dir).is_empty());
}

#[test]
fn a_run_removes_temporary_files_killed_runs_left_in_its_cache() {
    let (dir, options) = workspace();
    settle(dir.path());
    let cache_dir = scan_cache_dir(&options);
    // A run killed before it renamed its files into place: the cache files are not there, its
    // temporary file (an hour old) is; and one a running run is writing.
    for (path, ..) in cache_files(&cache_dir) {
        fs::remove_file(path).unwrap();
    }
    let (dead, live) = (cache_dir.join(".tmpdead01"), cache_dir.join(".tmplive01"));
    fs::write(&dead, b"partial").unwrap();
    fs::write(&live, b"partial").unwrap();
    crate::test_util::age(&[&dead]);
    assert_eq!(names(&options), ["a", "b"]);
    assert!(!dead.exists(), "a killed run's temporary file stays");
    assert!(live.exists(), "a running run's temporary file was removed");
}

#[test]
fn a_run_touches_the_cache_files_it_uses_and_prunes_those_no_run_used_for_a_week() {
    let (dir, options) = workspace();
    settle(dir.path());
    let cache_dir = scan_cache_dir(&options);
    let files = cache_files(&cache_dir);
    assert!(!files.is_empty());
    let days = |n: u64| std::time::SystemTime::now() - std::time::Duration::from_secs(n * 86_400);
    let set = |path: &Path, time| {
        fs::File::options()
            .write(true)
            .open(path)
            .unwrap()
            .set_modified(time)
            .unwrap();
    };
    // Used two days ago; a target's file unused for eight days; pruned two days ago.
    for (path, ..) in &files {
        set(path, days(2));
    }
    let gone = cache_dir.join("0123456789abcdef0123456789abcdef.bin");
    fs::write(&gone, b"an old target's cache").unwrap();
    set(&gone, days(8));
    let pruned = cache_dir.join("pruned");
    fs::write(&pruned, b"").unwrap();
    set(&pruned, days(2));
    assert_eq!(names(&options), ["a", "b"]);
    assert!(!gone.exists(), "unused for a week");
    for (path, ..) in &files {
        let modified = fs::metadata(path).unwrap().modified().unwrap();
        assert!(
            modified > days(1),
            "{} was used but not touched",
            path.display()
        );
    }
}
