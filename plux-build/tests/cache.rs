//! The scan cache never changes a result: cold, warm, after edits, with new module files,
//! and with a corrupt or foreign cache file. Also: the output does not depend on the number of
//! scan threads, and build.rs mode keeps its cache in `$OUT_DIR`.

// Helpers outside `#[test]` fns set up fixtures; a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use plux_build::index::Index;
use plux_build::scan::{
    Cache, CrateTarget, ScanOptions, ScanOutput, TargetKind, scan_target, scan_target_cached,
};

/// A crate in a temp dir, with its cache in `<dir>/target`.
struct Crate {
    dir: tempfile::TempDir,
}

const LIB: &str = r#"
//! A crate with every kind of thing the walk needs from a file.
pub mod services;
pub mod hooks;
#[cfg(feature = "extra")]
pub mod extra;
mod missing_later;
pub const NS: &str = "demo.services";
"#;

const SERVICES: &str = r#"
use plux_runtime::PluginSpec;
pub mod inner {
    pub static SQS: PluginSpec<dyn crate::Service> = PluginSpec::new(crate::NS, "sqs", make);
}
pub static S3: PluginSpec<dyn crate::Service> = PluginSpec::new(crate::NS, "s3", make);
fn make() -> Box<dyn crate::Service> { todo!() }
"#;

const HOOKS: &str = r#"
use plux_runtime::plugin;
/// No plugin text in this item.
pub struct Cmd;
#[plugin(namespace = "demo.cli", name = "cmd")]
impl CliPlugin for Cmd {}
#[plugin(namespace = "demo.hooks")]
pub fn on_start() {}
fn broken( { }
"#;

const FILLER: &str = "pub fn helper(v: u64) -> u64 { v * 2 }\n";

impl Crate {
    fn new() -> Self {
        let krate = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        krate.write("src/lib.rs", LIB);
        krate.write("src/services.rs", SERVICES);
        krate.write("src/hooks/mod.rs", &HOOKS.replace("fn broken( { }", ""));
        krate.write("src/extra.rs", "pub mod deep;\n");
        krate.write("src/extra/deep.rs", FILLER);
        krate
    }

    fn write(&self, path: &str, text: &str) {
        let path = self.dir.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    }

    fn target(&self) -> CrateTarget {
        CrateTarget {
            crate_name: "demo".into(),
            kind: TargetKind::Lib,
            root: self.dir.path().join("src/lib.rs"),
            package_root: self.dir.path().to_path_buf(),
        }
    }

    fn cache(&self) -> Cache {
        Cache::in_target_dir(&self.dir.path().join("target"), self.dir.path())
    }

    fn fresh(&self) -> ScanOutput {
        scan_target(&self.target(), &ScanOptions::default()).unwrap()
    }

    fn cached(&self) -> ScanOutput {
        scan_target_cached(&self.target(), &ScanOptions::default(), &self.cache()).unwrap()
    }

    /// Scans with the cache (twice: the second run re-uses what the first stored) and checks
    /// both against a scan without it; returns that scan.
    fn check(&self) -> ScanOutput {
        let fresh = self.fresh();
        assert_eq!(self.cached(), fresh, "first cached scan");
        assert_eq!(self.cached(), fresh, "second cached scan");
        fresh
    }

    fn cache_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = fs::read_dir(self.cache().dir())
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        files
    }

    /// Sets the mtime of every source file and directory an hour back, so the cache trusts
    /// their stat stamps.
    fn settle(&self) {
        let past = SystemTime::now() - Duration::from_secs(3600);
        for entry in walkdir::WalkDir::new(self.dir.path().join("src")) {
            set_mtime(entry.unwrap().path(), past);
        }
    }
}

fn set_mtime(path: &Path, time: SystemTime) {
    let file = match path.is_dir() {
        true => fs::File::open(path).unwrap(),
        false => fs::File::options().write(true).open(path).unwrap(),
    };
    file.set_modified(time).unwrap();
}

fn values(out: &ScanOutput) -> Vec<String> {
    let mut values: Vec<String> = out.declarations.iter().map(|d| d.value.clone()).collect();
    values.sort();
    values
}

#[test]
fn cold_warm_and_edited_scans_equal_uncached_ones() {
    let krate = Crate::new();
    let first = krate.check();
    assert_eq!(
        values(&first),
        [
            "demo::hooks::Cmd",
            "demo::hooks::on_start",
            "demo::services::S3",
            "demo::services::inner::SQS"
        ]
    );
    assert_eq!(krate.cache_files().len(), 1, "one cache file per target");

    // Trusted stat stamps, then edits: each must be seen.
    krate.settle();
    assert_eq!(krate.check(), first);
    krate.write(
        "src/services.rs",
        &SERVICES.replace("\"s3\"", "\"s4\"").replace("S3", "S4"),
    );
    let edited = krate.check();
    assert!(values(&edited).contains(&"demo::services::S4".to_owned()));
    assert!(!values(&edited).contains(&"demo::services::S3".to_owned()));

    // A parse error appears, and goes away again.
    krate.write("src/hooks/mod.rs", HOOKS);
    let parse_errors = |out: &ScanOutput| {
        out.diagnostics
            .iter()
            .filter(|d| d.message.starts_with("cannot parse"))
            .count()
    };
    assert_eq!(parse_errors(&krate.check()), 1);
    krate.write("src/hooks/mod.rs", &HOOKS.replace("fn broken( { }", ""));
    assert_eq!(parse_errors(&krate.check()), 0);

    // A const other files name changes.
    krate.write("src/lib.rs", &LIB.replace("demo.services", "demo.other"));
    let renamed = krate.check();
    assert!(
        renamed
            .declarations
            .iter()
            .any(|d| d.namespace == "demo.other")
    );
}

#[test]
fn reexported_plugins_come_out_of_the_cache_as_from_a_fresh_scan() {
    // A plugin in a private module, public through a glob `pub use`: its path is found from
    // every file's modules and re-exports, which the records and the memo keep.
    let krate = Crate::new();
    let lib = format!("{LIB}mod private_hooks;\npub use private_hooks::*;\n");
    krate.write("src/lib.rs", &lib);
    krate.write(
        "src/private_hooks.rs",
        "#[plugin(namespace = \"demo.hooks\")]\npub fn late_hook() {}\n",
    );
    krate.settle();
    let first = krate.check();
    assert!(values(&first).contains(&"demo::late_hook".to_owned()));
    assert_eq!(krate.check(), first);
    // Without the re-export the plugin has no public path, cached or not.
    krate.write("src/lib.rs", &format!("{LIB}mod private_hooks;\n"));
    let gone = krate.check();
    assert!(values(&gone).contains(&"demo::private_hooks::late_hook".to_owned()));
    assert!(
        gone.diagnostics
            .iter()
            .any(|d| d.message.contains("no `pub use` re-exports the plugin"))
    );
}

#[test]
fn same_size_edit_with_restored_mtime_is_seen() {
    let krate = Crate::new();
    krate.settle();
    let before = krate.check();
    let path = krate.dir.path().join("src/services.rs");
    let mtime = fs::metadata(&path).unwrap().modified().unwrap();
    // Same length, same mtime: only the content (and the ctime) differ.
    krate.write("src/services.rs", &SERVICES.replace("\"s3\"", "\"s9\""));
    set_mtime(&path, mtime);
    let after = krate.check();
    assert_ne!(after, before);
    assert!(after.declarations.iter().any(|d| d.name == "s9"));
}

#[test]
fn new_and_removed_module_files_are_seen() {
    let krate = Crate::new();
    krate.settle();
    let before = krate.check();
    assert!(before.has_errors(), "`mod missing_later;` has no file yet");

    // The file appears: its plugin is found although `lib.rs` did not change.
    krate.write(
        "src/missing_later.rs",
        "#[plugin(namespace = \"demo.late\")]\npub fn late() {}\n",
    );
    let found = krate.check();
    assert!(found.declarations.iter().any(|d| d.name == "late"));

    // A second candidate file makes the module ambiguous.
    krate.write("src/missing_later/mod.rs", FILLER);
    let ambiguous = krate.check();
    assert!(
        ambiguous
            .diagnostics
            .iter()
            .any(|d| d.message.contains("found at both"))
    );

    // Both go: back to the first result.
    fs::remove_file(krate.dir.path().join("src/missing_later.rs")).unwrap();
    fs::remove_dir_all(krate.dir.path().join("src/missing_later")).unwrap();
    assert_eq!(krate.check(), before);
}

#[test]
fn corrupt_truncated_and_foreign_caches_are_rebuilt() {
    let krate = Crate::new();
    krate.settle();
    let expected = krate.check();
    let [file] = krate.cache_files().try_into().unwrap();
    let good = fs::read(&file).unwrap();

    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x20;
    let mut foreign = good.clone();
    foreign[..8].copy_from_slice(b"NOTPLUX!");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("truncated", good[..good.len() / 3].to_vec()),
        ("one byte flipped", flipped),
        ("foreign magic", foreign),
        ("garbage", vec![0xff; 4096]),
        ("json", br#"{"version": 1, "files": {}}"#.to_vec()),
    ];
    for (what, bytes) in cases {
        fs::write(&file, &bytes).unwrap();
        assert_eq!(krate.cached(), expected, "{what}");
        // Rebuilt: the file is a valid cache again.
        assert_eq!(fs::read(&file).unwrap(), good, "{what}: rewritten");
        assert_eq!(krate.cached(), expected, "{what}: warm after rebuild");
    }

    // A cache path that cannot be written (a file where the directory should be) only costs
    // time.
    let blocked = Crate::new();
    fs::create_dir_all(blocked.cache().dir().parent().unwrap()).unwrap();
    fs::write(blocked.cache().dir(), "not a directory").unwrap();
    assert_eq!(blocked.cached(), blocked.fresh());
}

#[test]
fn options_are_part_of_the_key() {
    let krate = Crate::new();
    krate.write(
        "src/services.rs",
        &format!("{SERVICES}\n#[cfg(test)]\nmod tests {{ pub static T: PluginSpec<dyn crate::Service> = PluginSpec::new(\"t\", \"t\", make); }}\n"),
    );
    let with_tests = ScanOptions {
        include_tests: true,
        ..ScanOptions::default()
    };
    let cache = krate.cache();
    let target = krate.target();
    let plain = scan_target_cached(&target, &ScanOptions::default(), &cache).unwrap();
    let tests = scan_target_cached(&target, &with_tests, &cache).unwrap();
    assert_eq!(tests, scan_target(&target, &with_tests).unwrap());
    assert_ne!(plain, tests);
    assert_eq!(
        scan_target_cached(&target, &ScanOptions::default(), &cache).unwrap(),
        plain
    );
}

/// Scans a generated crate of many files with `threads` scan threads.
#[cfg(feature = "parallel")]
fn scan_on(threads: usize, target: &CrateTarget) -> ScanOutput {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| scan_target(target, &ScanOptions::default()).unwrap())
}

#[cfg(feature = "parallel")]
#[test]
fn output_does_not_depend_on_thread_count() {
    let krate = Crate::new();
    let mut lib = String::from(LIB);
    for m in 0..60 {
        lib.push_str(&format!("pub mod gen{m:02};\n"));
        let body = match m % 3 {
            0 => format!(
                "pub static P{m}: PluginSpec<dyn S> = PluginSpec::new(\"gen\", \"p{m}\", f);\n"
            ),
            1 => format!("#[plugin(namespace = \"gen\", name = \"dup\")]\npub fn f{m}() {{}}\n"),
            _ => format!(
                "{FILLER}mod private{m} {{ #[plugin(namespace = \"gen\")] pub fn g() {{}} }}\n"
            ),
        };
        krate.write(&format!("src/gen{m:02}.rs"), &body);
    }
    krate.write("src/lib.rs", &lib);
    let target = krate.target();
    let one = scan_on(1, &target);
    let two = scan_on(2, &target);
    assert_eq!(one, two);
    assert!(one.declarations.len() > 40 && one.has_errors());
    // The rendered index is byte-identical too.
    let render = |out: &ScanOutput| Index::from_declarations(&out.declarations).render();
    assert_eq!(render(&one), render(&two));
    let four = scan_on(4, &target);
    assert_eq!(render(&one), render(&four));
    assert_eq!(one.diagnostics, four.diagnostics);
}

/// The files of a cache directory with their bytes and mtimes (a rewrite changes the mtime).
fn cache_state(dir: &Path) -> Vec<(PathBuf, Vec<u8>, SystemTime)> {
    let mut files: Vec<_> = fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let path = e.unwrap().path();
            let modified = fs::metadata(&path).unwrap().modified().unwrap();
            (path.clone(), fs::read(&path).unwrap(), modified)
        })
        .collect();
    files.sort();
    files
}

#[test]
fn build_script_mode_caches_scans_in_out_dir_and_reuses_them() {
    // A workspace of a host binary and a plugin library member (no registry dependencies, so
    // its lock file is generated offline).
    let ws = tempfile::tempdir().unwrap();
    let write = |path: &str, text: &str| {
        let path = ws.path().join(path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write(
        "Cargo.toml",
        "[workspace]\nresolver = \"3\"\nmembers = [\"host\", \"plugins\"]\n",
    );
    let package = |name: &str| {
        format!("[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2024\"\n")
    };
    write(
        "host/Cargo.toml",
        &format!(
            "{}[dependencies]\nplugins = {{ path = \"../plugins\" }}\n",
            package("host")
        ),
    );
    write("host/src/main.rs", "fn main() {}\n");
    write("plugins/Cargo.toml", &package("plugins"));
    write("plugins/src/lib.rs", "pub mod hooks;\n");
    let hooks =
        "use plux_runtime::plugin;\n#[plugin(namespace = \"demo.hooks\")]\npub fn on_start() {}\n";
    write("plugins/src/hooks.rs", hooks);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let status = std::process::Command::new(&cargo)
        .args(["generate-lockfile", "--offline"])
        .current_dir(ws.path())
        .status()
        .unwrap();
    assert!(status.success());
    let past = SystemTime::now() - Duration::from_secs(3600);
    for entry in walkdir::WalkDir::new(ws.path()) {
        set_mtime(entry.unwrap().path(), past);
    }

    let out = tempfile::tempdir().unwrap();
    let builder = plux_build::Builder::new()
        .manifest_dir(ws.path().join("host"))
        .out_dir(out.path())
        .cargo(&cargo);
    let first = builder.generate().unwrap();
    let registry = fs::read_to_string(&first.registry).unwrap();
    assert!(registry.contains("on_start"), "{registry}");
    let cache = out.path().join("plux").join("scan-cache-v1");
    // One cache file per scanned target: the host's binary and the member's library (and the
    // file that says when the directory was last pruned).
    let cached = cache_state(&cache);
    let bins = cached
        .iter()
        .filter(|(p, ..)| p.extension().is_some_and(|e| e == "bin"));
    assert_eq!(bins.count(), 2, "{cached:?}");
    assert_eq!(cached.len(), 3, "{cached:?}");
    // The cache is no input of the build script.
    assert!(first.inputs.iter().all(|p| !p.starts_with(out.path())));

    // A second run re-uses every record: same registry, cache files not rewritten.
    let second = builder.generate().unwrap();
    assert!(!second.written);
    assert_eq!(fs::read_to_string(&second.registry).unwrap(), registry);
    assert_eq!(second.inputs, first.inputs);
    assert_eq!(cache_state(&cache), cached);

    // An edit is seen through the warm cache, with the result of a cold run.
    write(
        "plugins/src/hooks.rs",
        &format!("{hooks}#[plugin(namespace = \"demo.hooks\")]\npub fn on_stop() {{}}\n"),
    );
    let third = builder.generate().unwrap();
    assert!(third.written);
    let warm = fs::read_to_string(&third.registry).unwrap();
    assert!(warm.contains("on_stop"), "{warm}");
    let cold_out = tempfile::tempdir().unwrap();
    let cold = builder.clone().out_dir(cold_out.path()).generate().unwrap();
    assert_eq!(fs::read_to_string(&cold.registry).unwrap(), warm);
    assert_ne!(cache_state(&cache), cached);
}

#[cfg(unix)]
#[test]
fn file_replaced_with_same_size_and_mtime_is_seen() {
    // A new inode (an editor's save-by-rename) with the old size and mtime: the memo of the
    // whole crate and the file's record must both see it.
    let krate = Crate::new();
    krate.settle();
    let before = krate.check();
    let path = krate.dir.path().join("src/services.rs");
    let mtime = fs::metadata(&path).unwrap().modified().unwrap();
    let staged = krate.dir.path().join("services.rs.new");
    fs::write(&staged, SERVICES.replace("\"s3\"", "\"s7\"")).unwrap();
    set_mtime(&staged, mtime);
    fs::rename(&staged, &path).unwrap();
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), mtime);
    let after = krate.check();
    assert_ne!(after, before);
    assert!(after.declarations.iter().any(|d| d.name == "s7"));
}

#[test]
fn a_missing_path_file_that_appears_is_seen() {
    // A `#[path]` module whose file (and directory) is missing: an error that the cache must
    // not keep once the file appears.
    let krate = Crate::new();
    krate.write(
        "src/lib.rs",
        &format!("{LIB}#[path = \"later/gone.rs\"]\npub mod gone;\n"),
    );
    krate.settle();
    let missing = krate.check();
    assert!(
        missing
            .diagnostics
            .iter()
            .any(|d| d.message == "file not found for module `gone`"),
        "{:?}",
        missing.diagnostics
    );
    krate.write(
        "src/later/gone.rs",
        "#[plugin(namespace = \"demo.late\")]\npub fn back() {}\n",
    );
    krate.settle();
    let found = krate.check();
    assert!(found.declarations.iter().any(|d| d.name == "back"));
    assert!(
        !found
            .diagnostics
            .iter()
            .any(|d| d.message.contains("`gone`"))
    );
}

#[test]
fn an_unchanged_crate_is_not_rewritten_and_a_touched_one_is_checked() {
    let krate = Crate::new();
    krate.settle();
    let expected = krate.check();
    let cache = krate.cache();
    let state = cache_state(cache.dir());
    // Warm runs re-use the whole crate: the cache file keeps its bytes and mtime.
    assert_eq!(krate.cached(), expected);
    assert_eq!(cache_state(cache.dir()), state);
    // Touching a file (same content, new mtime) costs a hash, not a different result.
    set_mtime(
        &krate.dir.path().join("src/hooks/mod.rs"),
        SystemTime::now() - Duration::from_secs(60),
    );
    assert_eq!(krate.check(), expected);
}

/// The cache files a cold cached scan with `threads` scan threads writes, and its output.
#[cfg(feature = "parallel")]
fn cached_on(threads: usize, krate: &Crate) -> (ScanOutput, Vec<Vec<u8>>) {
    let _ = fs::remove_dir_all(krate.cache().dir());
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let out = pool.install(|| krate.cached());
    let files = cache_state(krate.cache().dir())
        .into_iter()
        .map(|(_, bytes, _)| bytes)
        .collect();
    (out, files)
}

#[cfg(feature = "parallel")]
#[test]
fn cache_files_do_not_depend_on_thread_count() {
    let krate = Crate::new();
    let mut lib = String::from(LIB);
    for m in 0..40 {
        lib.push_str(&format!("pub mod gen{m:02};\n"));
        krate.write(
            &format!("src/gen{m:02}.rs"),
            &format!(
                "pub const N{m}: &str = \"n{m}\";\n#[plugin(namespace = \"gen\", name = N{m})]\npub fn f() {{}}\n{FILLER}"
            ),
        );
    }
    krate.write("src/lib.rs", &lib);
    krate.settle();
    let (one, one_files) = cached_on(1, &krate);
    let (two, two_files) = cached_on(2, &krate);
    assert_eq!(one, krate.fresh());
    assert_eq!(one, two);
    assert_eq!(one_files, two_files, "byte-identical cache files");
    // And the memo they hold gives the same result again.
    assert_eq!(krate.cached(), one);
    assert_eq!(one.declarations.len(), 44);
}

#[cfg(unix)]
#[test]
fn a_symlinked_module_file_whose_target_goes_is_seen() {
    // Removing a link's target changes no directory the link is in: the cache must not take
    // the link's directory as proof that the module file is still there.
    let krate = Crate::new();
    krate.write(
        "shared/linked.rs",
        "#[plugin(namespace = \"demo.link\")]\npub fn linked() {}\n",
    );
    let root = krate.dir.path();
    std::os::unix::fs::symlink(root.join("shared/linked.rs"), root.join("src/linked.rs")).unwrap();
    krate.write("src/lib.rs", &format!("{LIB}pub mod linked;\n"));
    krate.settle();
    let before = krate.check();
    assert!(before.declarations.iter().any(|d| d.name == "linked"));
    fs::remove_file(root.join("shared/linked.rs")).unwrap();
    let after = krate.check();
    assert!(!after.declarations.iter().any(|d| d.name == "linked"));
}
