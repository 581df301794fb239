//! Plugin packs as a manager sees them, without a real library (the end-to-end tests in
//! `tests/tests/e2e/packs.rs` build and load real ones): listing from `plux.json`, lazy
//! resolution, its hooks, filters, duplicates, and what a pack directory may hold.

use std::fs;
use std::path::Path;
use std::sync::{Arc, Mutex};

use plux_runtime::pack::{Fingerprint, PackErrorKind, PackFinder};
use plux_runtime::{
    CompositeFinder, Plugin, PluginEntry, PluginError, PluginLifecycleListener, PluginManager,
    PluginPattern, PluginSpec, global_plugin_filter,
};

struct Noop;
impl Plugin for Noop {}

static COMPILED: PluginSpec<dyn Plugin> =
    PluginSpec::new("demo.packs", "compiled", || Box::new(Noop));
static CLASH: PluginSpec<dyn Plugin> = PluginSpec::new("demo.clash", "same", || Box::new(Noop));

/// Writes a pack directory whose manifest has this binary's fingerprint (with `rustc`
/// replaced when given) and whose library is missing.
fn write_pack(dir: &Path, name: &str, index: &str, rustc: Option<&str>) {
    fs::create_dir_all(dir).unwrap();
    let fingerprint: serde_json::Map<String, serde_json::Value> = Fingerprint::host()
        .components()
        .map(|(k, v)| {
            let v = if k == "rustc" { rustc.unwrap_or(v) } else { v };
            (k.to_owned(), v.into())
        })
        .collect();
    let manifest = serde_json::json!({
        "format": 1,
        "name": name,
        "version": "1.2.3",
        "library": format!("lib{name}.so"),
        "library_hash": "xxh3-128:00000000000000000000000000000000",
        "fingerprint": fingerprint,
        "crates": [],
    });
    fs::write(dir.join("plux-pack.json"), manifest.to_string()).unwrap();
    fs::write(dir.join("plux.json"), index).unwrap();
}

/// Every hook call, as `hook:name`.
#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Recorder {
    fn calls(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

impl PluginLifecycleListener<dyn Plugin> for Recorder {
    fn on_resolve_exception(&self, _: &str, entry: &PluginEntry, _: &PluginError) {
        self.0
            .lock()
            .unwrap()
            .push(format!("resolve_exception:{}", entry.name()));
    }
    fn on_resolve_after(&self, spec: &PluginSpec<dyn Plugin>) {
        self.0
            .lock()
            .unwrap()
            .push(format!("resolve_after:{}", spec.name()));
    }
}

#[test]
fn a_pack_is_listed_without_loading_and_resolved_once_on_first_use() {
    let tmp = tempfile::tempdir().unwrap();
    write_pack(
        &tmp.path().join("ext"),
        "ext",
        r#"{"demo.packs": ["filtered=ext::Filtered", "lazy=ext::Lazy [type]"]}"#,
        None,
    );
    let packs = PackFinder::new().dir(tmp.path());
    assert!(packs.errors().is_empty(), "{:?}", packs.errors());
    let pack = packs.packs()[0];
    assert_eq!((pack.name(), pack.version()), ("ext", Some("1.2.3")));

    let recorder = Arc::new(Recorder::default());
    // The host's global filter applies to pack plugins (the pack's own copy is never used).
    global_plugin_filter()
        .add_pattern(
            PluginPattern::new()
                .namespace("demo.packs")
                .name("filtered"),
        )
        .unwrap();
    let manager = PluginManager::<dyn Plugin>::builder("demo.packs")
        .finder(
            CompositeFinder::new()
                .with(vec![PluginEntry::of(&COMPILED)])
                .with(packs.clone()),
        )
        .listener(recorder.clone())
        .build();

    // Listing, `exists` and containers read `plux.json` only.
    assert_eq!(manager.list_names(), ["compiled", "filtered", "lazy"]);
    assert!(manager.exists("lazy"));
    let lazy = manager.get_container("lazy").unwrap();
    assert_eq!(lazy.value(), "ext::Lazy");
    assert!(lazy.spec().is_none() && lazy.resolve_error().is_none());
    assert_eq!(recorder.calls(), ["resolve_after:compiled"]);
    assert!(!pack.is_loaded());

    // A filtered plugin is disabled from its entry: the library is not loaded for it.
    assert!(manager.load("filtered").err().unwrap().is_disabled());
    assert!(!pack.is_loaded());

    // The first use loads the library; here it is missing: a resolve error naming the pack,
    // reported once, kept in the container, and the plugin no longer "exists".
    let error = manager.load("lazy").err().unwrap();
    assert!(pack.is_loaded());
    let PluginError::Resolve { reason, .. } = &error else {
        panic!("{error:?}")
    };
    assert!(
        reason.starts_with("pack `ext` (`") && reason.contains("cannot read its library `"),
        "{reason}"
    );
    assert_eq!(
        recorder.calls(),
        ["resolve_after:compiled", "resolve_exception:lazy"]
    );
    assert_eq!(
        manager.load("lazy").err().unwrap().to_string(),
        error.to_string()
    );
    assert_eq!(recorder.calls().len(), 2);
    assert!(!manager.exists("lazy"));
    assert_eq!(lazy.resolve_error().unwrap().to_string(), error.to_string());
    assert!(!lazy.is_loaded());
    // Specs are those that resolve; the compiled-in plugin loads as ever.
    assert_eq!(manager.list_plugin_specs().len(), 1);
    assert!(manager.load("compiled").is_ok());
}

#[test]
fn a_pack_built_differently_is_refused_from_its_manifest_before_its_library_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    write_pack(
        &tmp.path().join("old"),
        "old",
        r#"{"demo.old": ["x=old::X"]}"#,
        Some("1.0.0 (0123456789abcdef0123 2015-05-15)"),
    );
    let manager = PluginManager::<dyn Plugin>::builder("demo.old")
        .finder(PackFinder::new().dir(tmp.path()))
        .build();
    let error = manager.load("x").err().unwrap().to_string();
    assert!(
        error
            .contains("it was built with rustc 1.0.0 (012345678 2015-05-15), the host with rustc ")
            && error.ends_with("; rebuild the pack with the host's toolchain"),
        "{error}"
    );
}

#[test]
fn a_pack_plugin_named_like_a_compiled_in_one_is_a_resolve_error_naming_the_pack() {
    let tmp = tempfile::tempdir().unwrap();
    write_pack(
        &tmp.path().join("dup"),
        "dup",
        r#"{"demo.clash": ["same=dup::Same"]}"#,
        None,
    );
    let recorder = Arc::new(Recorder::default());
    let manager = PluginManager::<dyn Plugin>::builder("demo.clash")
        .finder(
            CompositeFinder::new()
                .with(vec![PluginEntry::of(&CLASH)])
                .with(PackFinder::new().dir(tmp.path())),
        )
        .listener(recorder.clone())
        .build();
    assert_eq!(manager.list_names(), ["same"]);
    assert!(manager.load("same").is_ok());
    assert_eq!(
        recorder.calls(),
        ["resolve_after:same", "resolve_exception:same"]
    );
}

#[test]
fn what_a_pack_directory_holds_besides_packs_is_reported_and_the_first_pack_of_a_name_wins() {
    let tmp = tempfile::tempdir().unwrap();
    let (first, second) = (tmp.path().join("first"), tmp.path().join("second"));
    write_pack(
        &first.join("ext"),
        "ext",
        r#"{"demo.order": ["a=ext::A"]}"#,
        None,
    );
    write_pack(
        &second.join("ext"),
        "ext",
        r#"{"demo.order": ["b=ext::B"]}"#,
        None,
    );
    fs::create_dir_all(second.join("notes")).unwrap();
    write_pack(&second.join("broken"), "broken", "{not json", None);
    fs::write(second.join("README"), "files are ignored").unwrap();

    let packs = PackFinder::new().dirs([&first, &second, &tmp.path().join("missing")]);
    let names: Vec<_> = packs.packs().iter().map(|p| p.dir().to_owned()).collect();
    assert_eq!(names, [first.join("ext").canonicalize().unwrap()]);
    let kinds: Vec<_> = packs.errors().iter().map(|e| e.kind()).collect();
    assert_eq!(
        kinds,
        [
            PackErrorKind::Index,
            PackErrorKind::Shadowed,
            PackErrorKind::NotAPack,
            PackErrorKind::Dir
        ]
    );
    let text: Vec<_> = packs.errors().iter().map(ToString::to_string).collect();
    assert!(
        text[0].starts_with("pack `broken` (`") && text[0].contains("is not a plux index"),
        "{}",
        text[0]
    );
    assert!(
        text[1].contains("shadowed by the pack of the same name in `"),
        "{}",
        text[1]
    );
    assert!(
        text[2].contains("not a pack: it has no `plux-pack.json`"),
        "{}",
        text[2]
    );
    assert!(
        text[3].contains("cannot read the pack directory"),
        "{}",
        text[3]
    );

    let manager = PluginManager::<dyn Plugin>::builder("demo.order")
        .finder(packs)
        .build();
    assert_eq!(manager.list_names(), ["a"]);
}

#[test]
fn the_pack_path_variable_skips_empty_entries_and_unset_means_no_packs() {
    assert!(
        PackFinder::from_env("PLUX_TEST_PACK_PATH_NEVER_SET")
            .packs()
            .is_empty()
    );
    let tmp = tempfile::tempdir().unwrap();
    write_pack(
        &tmp.path().join("ext"),
        "ext",
        r#"{"demo.env": ["e=ext::E"]}"#,
        None,
    );
    let value = std::env::join_paths(["", tmp.path().to_str().unwrap(), ""]).unwrap();
    // SAFETY: no other test of this binary reads or writes this variable.
    #[allow(unsafe_code)]
    unsafe {
        std::env::set_var("PLUX_TEST_PACK_PATH", &value);
    }
    let packs = PackFinder::from_env("PLUX_TEST_PACK_PATH");
    assert_eq!(packs.packs().len(), 1);
    assert!(packs.errors().is_empty(), "{:?}", packs.errors());
}
