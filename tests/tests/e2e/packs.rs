//! Plugin packs on the demo: `host-packs` is built once, then the `ext` crate is built as a pack
//! with the real `cargo plux pack`, installed into a directory in `PLUX_PACK_PATH`, and
//! mismatched or damaged on purpose: each is refused with its reason while the host's own
//! plugins still load.
//!
//! `host-packs` has a checking global allocator that aborts on freeing a block it did not
//! allocate: every test that loads a pack plugin also shows that the pack allocates from the
//! host's allocator (a `Box` made by a pack's factory is freed by the host).
//!
//! Builds share `target/e2e-fixtures` with the registry tests; each test's demo copy has a
//! version of its own, and the host binary is copied out of the target directory under a lock
//! right after it is built.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use plux_e2e::{Project, assert_code, fixture_lock, fixture_target_dir, stderr, stdout};

fn target_dir() -> PathBuf {
    fixture_target_dir()
}

fn demo(id: u32) -> Project {
    Project::demo(id)
}

/// Builds `host-packs` and copies its binary to `<project>/bin/`.
fn build_host(project: &Project) -> PathBuf {
    let _guard = fixture_lock();
    let output = project
        .fixture_cargo(["build", "-q", "-p", "host-packs"])
        .output()
        .unwrap();
    assert_code(&output, 0);
    let name = format!("demo-host-packs{}", std::env::consts::EXE_SUFFIX);
    let bin = project.join("bin");
    fs::create_dir_all(&bin).unwrap();
    fs::copy(target_dir().join("debug").join(&name), bin.join(&name)).unwrap();
    bin.join(name)
}

/// `cargo plux pack -p ext --out <out>` (offline, in the shared target directory).
fn pack(project: &Project, out: &str) -> Output {
    project
        .plux(["pack", "-p", "ext", "--offline", "--out", out])
        .env("CARGO_TARGET_DIR", target_dir())
        .env_remove("RUSTFLAGS")
        .output()
        .unwrap()
}

fn pack_ok(project: &Project, out: &str) {
    let output = pack(project, out);
    assert_code(&output, 0);
}

/// Runs the host with `PLUX_PACK_PATH` set to `dirs` (joined like `PATH`).
fn host(bin: &Path, dirs: &[PathBuf], args: &[&str]) -> Output {
    let path = std::env::join_paths(dirs).unwrap();
    Command::new(bin)
        .args(args)
        .env("PLUX_PACK_PATH", path)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

/// The `<status> <namespace:name>` of each plugin line (the demo hosts' lines, without
/// `host-packs`' own `warning` and `pack libraries` lines), as a set.
fn outcomes(text: &str) -> BTreeSet<String> {
    let plugin_lines: String = text
        .lines()
        .filter(|l| !l.starts_with("pack libraries") && !l.starts_with("warning"))
        .map(|l| format!("{l}\n"))
        .collect();
    crate::registry::outcomes(&plugin_lines)
        .into_iter()
        .collect()
}

fn set(items: &[&str]) -> BTreeSet<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

/// What the host's own plugins do, with or without packs: the demo's every namespace.
const HOST_OWN: &[&str] = crate::registry::EVERY_NAMESPACE;

const EXT: &[&str] = &[
    "localstack.plugins.services:flaky",
    "localstack.plugins.services:stepfunctions",
    "localstack.plugins.cli:extensions",
    "localstack.configurators:pack_banner",
];

/// The host's own outcomes plus `status` for every plugin of `ext`.
fn with_ext(status: &str) -> BTreeSet<String> {
    let mut expected = set(HOST_OWN);
    expected.extend(EXT.iter().map(|id| format!("{status} {id}")));
    expected
}

/// The line of the host's output about plugin `id`.
fn line<'a>(text: &'a str, id: &str) -> &'a str {
    text.lines()
        .find(|l| l.split_whitespace().nth(1).map(|w| w.trim_end_matches(':')) == Some(id))
        .unwrap_or_else(|| panic!("no line for {id} in:\n{text}"))
}

/// Replaces `from` with `to` (same length) everywhere in a file, which must contain it.
fn patch(path: &Path, from: &str, to: &str) {
    assert_eq!(from.len(), to.len());
    let mut bytes = fs::read(path).unwrap();
    let mut found = 0;
    let mut i = 0;
    while i + from.len() <= bytes.len() {
        if &bytes[i..i + from.len()] == from.as_bytes() {
            bytes[i..i + from.len()].copy_from_slice(to.as_bytes());
            found += 1;
            i += from.len();
        } else {
            i += 1;
        }
    }
    assert!(found > 0, "{} has no {from:?}", path.display());
    fs::write(path, bytes).unwrap();
}

/// Copies a pack directory.
fn copy_pack(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for entry in fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
    }
}

fn library(pack: &Path) -> PathBuf {
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(pack.join("plux-pack.json")).unwrap()).unwrap();
    pack.join(manifest["library"].as_str().unwrap())
}

/// Records the library's current content hash in the manifest (as if it had been packed so).
fn rehash(pack: &Path) {
    let path = pack.join("plux-pack.json");
    let mut manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(&path).unwrap()).unwrap();
    manifest["library_hash"] = plux_runtime::pack::library_hash(&library(pack))
        .unwrap()
        .into();
    fs::write(&path, serde_json::to_string_pretty(&manifest).unwrap()).unwrap();
}

/// The rustc version this test suite runs with, as the fingerprint records it.
fn rustc_release(pack: &Path) -> String {
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(pack.join("plux-pack.json")).unwrap()).unwrap();
    let rustc = manifest["fingerprint"]["rustc"].as_str().unwrap();
    rustc.split_whitespace().next().unwrap().to_owned()
}

#[test]
fn a_pack_installed_after_the_host_is_listed_without_loading_and_loaded_on_first_use() {
    let project = demo(60);
    let bin = build_host(&project);
    let packs = project.join("packs");
    fs::create_dir_all(&packs).unwrap();

    // Before the pack is installed: the host's own plugins, no pack.
    let output = host(&bin, std::slice::from_ref(&packs), &[]);
    assert_code(&output, 0);
    assert_eq!(
        outcomes(&stdout(&output)),
        set(HOST_OWN),
        "{}",
        stdout(&output)
    );

    // Build the pack after the host, with the real command, and install it.
    let output = pack(&project, "packs");
    assert_code(&output, 0);
    assert!(
        stderr(&output).contains("Packed ext 0.1.60 (4 plugins) in packs/ext"),
        "{}",
        stderr(&output)
    );
    let installed = packs.join("ext");
    for file in ["plux.json", "plux-pack.json"] {
        assert!(installed.join(file).is_file(), "{file}");
    }
    assert_eq!(
        fs::read_to_string(installed.join("plux.json")).unwrap(),
        project.read("ext/plux.json")
    );

    // Listing reads `plux.json` only: the library is not loaded.
    let output = host(&bin, std::slice::from_ref(&packs), &["list"]);
    assert_code(&output, 0);
    let text = stdout(&output);
    assert!(
        text.contains("localstack.plugins.services: dynamodb flaky kinesis s3 sqs stepfunctions"),
        "{text}"
    );
    assert!(
        text.contains("localstack.plugins.cli: extensions start status version"),
        "{text}"
    );
    assert!(text.contains("pack libraries loaded: 0"), "{text}");

    // `cargo plux list --packs` lists them the same way.
    let output = project.plux(["list", "--packs", "packs"]).output().unwrap();
    assert_code(&output, 0);
    assert!(
        stdout(&output).contains(
            "localstack.plugins.services:stepfunctions = ext::STEPFUNCTIONS [pack ext 0.1.60] (packs/ext)"
        ),
        "{}",
        stdout(&output)
    );

    // Loading: the pack's plugins next to the host's, with no rebuild of the host. The
    // panicking `load` of `flaky` is contained inside the pack.
    let output = host(&bin, std::slice::from_ref(&packs), &[]);
    assert_code(&output, 0);
    let text = stdout(&output);
    let mut expected = with_ext("loaded");
    expected.remove("loaded localstack.plugins.services:flaky");
    expected.insert("error localstack.plugins.services:flaky".to_owned());
    assert_eq!(outcomes(&text), expected, "{text}");
    assert!(
        line(&text, "localstack.plugins.services:flaky")
            .ends_with("failed to load: load panicked: flaky exploded while loading"),
        "{text}"
    );
    assert!(
        text.contains("log: service stepfunctions started"),
        "{text}"
    );
    assert!(text.contains("log: extension pack configured"), "{text}");
    assert!(text.contains("pack libraries loaded: 1"), "{text}");

    // Listing never opens the library: a damaged one is still listed.
    let library = library(&installed);
    let bytes = fs::read(&library).unwrap();
    fs::write(&library, &bytes[..bytes.len() / 3]).unwrap();
    let output = host(&bin, std::slice::from_ref(&packs), &["list"]);
    assert!(
        stdout(&output).contains("stepfunctions"),
        "{}",
        stdout(&output)
    );
    assert!(
        stdout(&output).contains("pack libraries loaded: 0"),
        "{}",
        stdout(&output)
    );

    // Loading it is refused with the reason, for each plugin; the host's plugins still load.
    let output = host(&bin, std::slice::from_ref(&packs), &[]);
    assert_code(&output, 0);
    let text = stdout(&output);
    assert_eq!(outcomes(&text), with_ext("error"), "{text}");
    assert!(
        line(&text, "localstack.plugins.services:stepfunctions").contains("pack `ext` (`"),
        "{text}"
    );
    assert!(
        line(&text, "localstack.plugins.services:stepfunctions").contains(&format!(
            "): its library `{}` is not the one its manifest describes (its content hash differs: damaged, truncated or replaced after packing); reinstall the pack",
            library.display()
        )),
        "{text}"
    );

    // Removing the pack removes its plugins.
    fs::remove_dir_all(&installed).unwrap();
    let output = host(&bin, std::slice::from_ref(&packs), &[]);
    assert_eq!(
        outcomes(&stdout(&output)),
        set(HOST_OWN),
        "{}",
        stdout(&output)
    );
}

#[test]
fn mismatched_and_damaged_packs_are_refused_with_their_reason_and_the_host_plugins_load() {
    let project = demo(61);
    let bin = build_host(&project);
    pack_ok(&project, "built");
    let good = project.join("built").join("ext");
    let release = rustc_release(&good);
    let other = {
        // Another release of the same length, so the library can be patched in place.
        let (major, rest) = release.split_once('.').unwrap();
        format!("{}.{rest}", if major == "1" { "2" } else { "1" })
    };

    // Each case: a pack directory made from the good one, and what every plugin of it says.
    let case = |name: &str, damage: &dyn Fn(&Path), reason: &str| {
        let dir = project.join("cases").join(name);
        let pack = dir.join("ext");
        copy_pack(&good, &pack);
        damage(&pack);
        let output = host(&bin, &[dir], &[]);
        assert_code(&output, 0);
        let text = stdout(&output);
        // The index case lists one plugin more (which fails like the others).
        let listed: BTreeSet<String> = outcomes(&text)
            .into_iter()
            .filter(|o| o != "error localstack.plugins.services:ghost")
            .collect();
        assert_eq!(listed, with_ext("error"), "{name}:\n{text}");
        for id in EXT {
            let line = line(&text, id);
            assert!(
                line.contains("pack `ext` (`") && line.contains(reason),
                "{name}: {id} says\n{line}\nnot {reason:?}"
            );
        }
    };

    // Another toolchain: refused from the manifest, before the library is opened (here it is
    // not even a library).
    case(
        "toolchain",
        &|pack| {
            patch(
                &pack.join("plux-pack.json"),
                &format!("\"rustc\": \"{release}"),
                &format!("\"rustc\": \"{other}"),
            );
            fs::write(library(pack), b"not a library").unwrap();
        },
        &format!("it was built with rustc {other} ("),
    );
    case(
        "toolchain-message",
        &|pack| {
            patch(
                &pack.join("plux-pack.json"),
                &format!("\"rustc\": \"{release}"),
                &format!("\"rustc\": \"{other}"),
            );
            patch(
                &library(pack),
                &format!("rustc={release}"),
                &format!("rustc={other}"),
            );
        },
        &format!("the host with rustc {release} ("),
    );
    // Another plux-runtime version, recorded alike in the manifest and the library.
    case(
        "runtime",
        &|pack| {
            patch(
                &pack.join("plux-pack.json"),
                "\"plux-runtime\": \"0.1.0\"",
                "\"plux-runtime\": \"0.1.9\"",
            );
            patch(&library(pack), "plux-runtime=0.1.0", "plux-runtime=0.1.9");
        },
        "it was built with plux-runtime 0.1.9, the host with plux-runtime 0.1.0; rebuild the pack against the host's version of plux-runtime",
    );
    // A library changed after packing.
    case(
        "changed",
        &|pack| {
            patch(
                &library(pack),
                &format!("rustc={release}"),
                &format!("rustc={other}"),
            )
        },
        "is not the one its manifest describes (its content hash differs",
    );
    // A truncated library (which would crash the process if it were opened).
    case(
        "truncated",
        &|pack| {
            let library = library(pack);
            let bytes = fs::read(&library).unwrap();
            fs::write(&library, &bytes[..4096]).unwrap();
        },
        "is not the one its manifest describes (its content hash differs",
    );
    // A library whose hash the manifest records but which embeds another fingerprint than the
    // manifest's: checked again from the library itself once it is opened.
    case(
        "manifest",
        &|pack| {
            patch(
                &library(pack),
                &format!("rustc={release}"),
                &format!("rustc={other}"),
            );
            rehash(pack);
        },
        "its library does not match its manifest (`plux-pack.json`): the library's fingerprint differs in rustc",
    );
    // A file that is not a library at all, recorded as the library.
    case(
        "not-a-library",
        &|pack| {
            fs::write(library(pack), b"not a library").unwrap();
            rehash(pack);
        },
        "cannot load its library",
    );
    // A `plux.json` that does not list what the library exports.
    case(
        "index",
        &|pack| {
            let index = pack.join("plux.json");
            let text = fs::read_to_string(&index).unwrap();
            fs::write(
                &index,
                text.replace(
                    "\"flaky=ext::FLAKY\",",
                    "\"flaky=ext::FLAKY\", \"ghost=ext::GHOST\",",
                ),
            )
            .unwrap();
        },
        "its `plux.json` lists `localstack.plugins.services:ghost=ext::GHOST` that the library does not export; the index does not match the library",
    );
}

#[test]
fn packs_built_against_other_crates_or_without_the_pack_symbol_are_refused() {
    let project = demo(62);
    let bin = build_host(&project);

    // The interface crate at another version than the host's.
    project.edit(
        "api/Cargo.toml",
        "version.workspace = true",
        "version = \"0.1.99\"",
    );
    pack_ok(&project, "other-api");
    let output = host(&bin, &[project.join("other-api")], &[]);
    assert_code(&output, 0);
    let text = stdout(&output);
    assert_eq!(outcomes(&text), with_ext("error"), "{text}");
    assert!(
        line(&text, "localstack.plugins.services:stepfunctions").contains(
            "its interface `dyn api::ServicePlugin` is not the host's `dyn api::ServicePlugin`: a crate that defines it differs between the pack and the host (version, source, enabled features or build profile); the pack was built with api 0.1.99 (path); rebuild the pack against the host's versions of these crates"
        ),
        "{text}"
    );

    // A pack whose plugin has the name of one of the host's: the host's wins, the pack's is
    // reported, the pack's other plugins load.
    project.edit(
        "api/Cargo.toml",
        "version = \"0.1.99\"",
        "version.workspace = true",
    );
    let source = project.read("ext/src/lib.rs");
    project.write(
        "ext/src/lib.rs",
        &format!(
            "{source}\n/// Clashes with the host's `s3`.\npub static S3: PluginSpec<dyn ServicePlugin> =\n    PluginSpec::new(\"localstack.plugins.services\", \"s3\", || Box::new(Service::new(\"pack-s3\")));\n"
        ),
    );
    assert_code(
        &project.plux(["entrypoints", "-p", "ext"]).output().unwrap(),
        0,
    );
    pack_ok(&project, "duplicate");
    let output = host(&bin, &[project.join("duplicate")], &[]);
    assert_code(&output, 0);
    let text = stdout(&output);
    assert!(
        text.contains("loaded   localstack.plugins.services:s3 (services::S3)"),
        "{text}"
    );
    assert!(
        text.contains("loaded   localstack.plugins.services:stepfunctions"),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("error    localstack.plugins.services:s3: cannot resolve plugin localstack.plugins.services:s3 (`ext::S3`): pack `ext` (`")
            && l.ends_with("the namespace already has a plugin with this name (`services::S3`); rename one of them")),
        "{text}"
    );

    // A cdylib without `include_pack!()`: no pack symbol.
    project.write(
        "ext/src/lib.rs",
        &source.replace("plux_runtime::include_pack!();", ""),
    );
    assert_code(
        &project.plux(["entrypoints", "-p", "ext"]).output().unwrap(),
        0,
    );
    pack_ok(&project, "no-symbol");
    let output = host(&bin, &[project.join("no-symbol")], &[]);
    let text = stdout(&output);
    assert_eq!(outcomes(&text), with_ext("error"), "{text}");
    assert!(
        line(&text, "localstack.configurators:pack_banner")
            .contains("has no `plux_pack_v1` symbol: it was not built as a plux pack; add `plux_runtime::include_pack!();`"),
        "{text}"
    );

    // A pack that allocates when its library is loaded, before the host connects its
    // allocator: its memory cannot be shared with the host, so it is refused.
    #[cfg(target_os = "linux")]
    {
        project.write(
            "ext/src/lib.rs",
            &format!(
                "{source}\n#[used]\n#[unsafe(link_section = \".init_array\")]\nstatic ALLOCATE_AT_LOAD: extern \"C\" fn() = {{\n    extern \"C\" fn allocate() {{\n        std::hint::black_box(vec![1u8; 64]);\n    }}\n    allocate\n}};\n"
            ),
        );
        pack_ok(&project, "allocates");
        let output = host(&bin, &[project.join("allocates")], &[]);
        let text = stdout(&output);
        assert_eq!(outcomes(&text), with_ext("error"), "{text}");
        assert!(
            line(&text, "localstack.plugins.cli:extensions")
                .contains("the library allocated memory before the host connected its allocator"),
            "{text}"
        );
    }

    // A panic in a pack plugin's own method, which the host calls directly (here the
    // configurator function), cannot be contained by the host: the process aborts.
    project.write(
        "ext/src/lib.rs",
        &source.replace(
            "runtime.record(\"extension pack configured\");",
            "panic!(\"pack banner exploded\");",
        ),
    );
    pack_ok(&project, "panics");
    let output = host(&bin, &[project.join("panics")], &[]);
    #[cfg(unix)]
    {
        use std::os::unix::process::ExitStatusExt;
        assert_eq!(output.status.signal(), Some(6), "{}", stderr(&output));
    }
    assert!(
        stderr(&output).contains("pack banner exploded"),
        "{}",
        stderr(&output)
    );
    assert!(
        stdout(&output).contains("loaded   localstack.configurators:pack_banner"),
        "{}",
        stdout(&output)
    );
}

#[test]
fn the_pack_path_is_read_in_order_and_what_is_not_a_pack_is_reported() {
    let project = demo(63);
    let bin = build_host(&project);
    pack_ok(&project, "first");
    pack_ok(&project, "second");
    fs::create_dir_all(project.join("second").join("notes")).unwrap();

    let output = host(&bin, &[project.join("first"), project.join("second")], &[]);
    assert_code(&output, 0);
    let text = stdout(&output);
    let mut expected = with_ext("loaded");
    expected.remove("loaded localstack.plugins.services:flaky");
    expected.insert("error localstack.plugins.services:flaky".to_owned());
    assert_eq!(outcomes(&text), expected, "{text}");
    assert!(
        text.lines().any(|l| l.starts_with("warning  pack `ext` (`")
            && l.contains("second/ext`): shadowed by the pack of the same name in `")
            && l.contains("first/ext`")),
        "{text}"
    );
    assert!(
        text.lines().any(|l| l.starts_with("warning  `")
            && l.contains("second/notes`: not a pack: it has no `plux-pack.json`")),
        "{text}"
    );

    // A pack path naming no directory that exists, and empty entries, load no pack.
    let output = host(&bin, &[project.join("missing"), PathBuf::new()], &[]);
    assert_code(&output, 0);
    assert_eq!(
        outcomes(&stdout(&output)),
        set(HOST_OWN),
        "{}",
        stdout(&output)
    );
    assert!(
        stdout(&output).contains("cannot read the pack directory"),
        "{}",
        stdout(&output)
    );

    // Without `--out`, packs go to `<target-dir>/plux-packs`.
    let guard = fixture_lock();
    let default = target_dir().join("plux-packs").join("ext");
    let _ = fs::remove_dir_all(&default);
    assert_code(
        &project
            .plux(["pack", "-p", "ext", "--offline"])
            .env("CARGO_TARGET_DIR", target_dir())
            .env_remove("RUSTFLAGS")
            .output()
            .unwrap(),
        0,
    );
    assert!(default.join("plux-pack.json").is_file());
    drop(guard);

    // `cargo plux pack` refuses what cannot be a pack.
    let output = project
        .plux(["pack", "-p", "services", "--offline"])
        .output()
        .unwrap();
    assert_code(&output, 2);
    assert!(
        stderr(&output).contains("package `services` is not built as a `cdylib`, so it cannot be a plugin pack; add `[lib] crate-type = [\"cdylib\"]`"),
        "{}",
        stderr(&output)
    );
    project.write("ext/plux.json", "{}\n");
    let output = project
        .plux(["pack", "-p", "ext", "--offline"])
        .output()
        .unwrap();
    assert_code(&output, 1);
    assert!(
        stderr(&output)
            .contains("the `plux.json` of package `ext` is missing or stale, and a pack ships it"),
        "{}",
        stderr(&output)
    );
}
