//! Under `panic = "abort"` containment is impossible (it needs unwinding): a panicking plugin
//! kills the process with SIGABRT after printing its panic message, as `lib.rs` documents, and
//! an error returned instead of a panic is still reported. Checked on a real binary: a tiny
//! crate with `[profile.dev] panic = "abort"` that depends on this one by path, built with
//! cargo (offline) into `target/abort-test`, so only the first run compiles the dependencies
//! (about 10 s); later runs rebuild nothing.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const MANIFEST: &str = r#"[package]
name = "plux-abort-probe"
version = "0.0.0"
edition = "2024"
publish = false

[dependencies]
plux-runtime = { path = "RUNTIME" }

[profile.dev]
panic = "abort"
debug = false

# Not part of any enclosing workspace.
[workspace]
"#;

const MAIN: &str = r#"use plux_runtime::{BoxError, Plugin, PluginEntry, PluginManager, PluginSpec};

struct Boom;

impl Plugin for Boom {
    fn load(&self, _: &()) -> Result<(), BoxError> {
        if std::env::args().any(|arg| arg == "return-error") {
            return Err("load failed without panicking".into());
        }
        panic!("load exploded under panic = abort");
    }
}

static BOOM: PluginSpec<dyn Plugin> = PluginSpec::new("abort.probe", "boom", || Box::new(Boom));

fn main() {
    let manager = PluginManager::<dyn Plugin>::builder("abort.probe")
        .finder(vec![PluginEntry::of(&BOOM)])
        .build();
    println!("loading");
    let error = manager.load("boom").err().map(|e| e.to_string());
    println!("contained: {error:?}");
}
"#;

/// Writes `contents` unless the file already has them (keeps cargo's fingerprints fresh).
fn write(path: &Path, contents: &str) {
    if fs::read_to_string(path).ok().as_deref() != Some(contents) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, contents).unwrap();
    }
}

/// Builds the probe crate and returns the path of its binary.
fn build_probe() -> PathBuf {
    let runtime = Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .unwrap()
        .join("abort-test");
    let probe = base.join("probe");
    let manifest = MANIFEST.replace("RUNTIME", &runtime.display().to_string());
    write(&probe.join("Cargo.toml"), &manifest);
    write(&probe.join("src/main.rs"), MAIN);
    // The workspace's lock file pins the versions already in the local registry cache.
    if !probe.join("Cargo.lock").exists()
        && let Ok(lock) = fs::read_to_string(runtime.join("../Cargo.lock"))
    {
        write(&probe.join("Cargo.lock"), &lock);
    }
    let target = base.join("target");
    let output = Command::new(env!("CARGO"))
        .args(["build", "--offline", "--quiet", "--manifest-path"])
        .arg(probe.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(&target)
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_MAKEFLAGS")
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "building the probe failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    target
        .join("debug")
        .join(format!("plux-abort-probe{}", std::env::consts::EXE_SUFFIX))
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn run(binary: &Path, args: &[&str]) -> Output {
    Command::new(binary)
        .args(args)
        .env("RUST_BACKTRACE", "0")
        .output()
        .unwrap()
}

#[test]
fn under_panic_abort_a_panicking_plugin_aborts_the_process() {
    use std::os::unix::process::ExitStatusExt;
    /// SIGABRT on every Unix plux supports (Linux, macOS, the BSDs).
    const SIGABRT: i32 = 6;

    let binary = build_probe();

    let aborted = run(&binary, &[]);
    let (stdout, stderr) = (text(&aborted.stdout), text(&aborted.stderr));
    assert_eq!(
        aborted.status.signal(),
        Some(SIGABRT),
        "{:?}\nstdout: {stdout}\nstderr: {stderr}",
        aborted.status
    );
    assert!(
        stderr.contains("panicked at") && stderr.contains("load exploded under panic = abort"),
        "{stderr}"
    );
    // The manager never got to report it.
    assert_eq!(stdout, "loading\n");

    // Returning an error instead works the same as with unwinding.
    let reported = run(&binary, &["return-error"]);
    assert!(reported.status.success(), "{:?}", reported.status);
    assert_eq!(
        text(&reported.stdout),
        "loading\ncontained: Some(\"plugin abort.probe:boom failed to load: load failed without panicking\")\n"
    );
}
