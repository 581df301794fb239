//! With the `packs` feature: records how this copy of plux-runtime is being compiled (the
//! toolchain, target, panic strategy, profile and plux-runtime's own version and features) in
//! `PLUX_PACK_FINGERPRINT`, which hosts and packs compare before a pack's code is used (see
//! `src/pack/fingerprint.rs`). Without the feature it does nothing.

use std::env;
use std::process::{self, Command};

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    if env::var_os("CARGO_FEATURE_PACKS").is_none() {
        return;
    }
    let rustc = env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let output = match Command::new(&rustc).arg("-vV").output() {
        Ok(output) if output.status.success() => output,
        Ok(output) => fail(&format!(
            "`{} -vV` failed: {}",
            rustc.to_string_lossy(),
            String::from_utf8_lossy(&output.stderr).trim()
        )),
        Err(error) => fail(&format!(
            "cannot run `{} -vV`: {error}",
            rustc.to_string_lossy()
        )),
    };
    let verbose = String::from_utf8_lossy(&output.stdout);
    let field = |key: &str| {
        verbose
            .lines()
            .find_map(|line| line.strip_prefix(key))
            .map(|v| v.trim().to_owned())
    };
    let Some(release) = field("release:") else {
        fail(&format!(
            "`{} -vV` printed no `release:` line",
            rustc.to_string_lossy()
        ))
    };
    let commit = field("commit-hash:").unwrap_or_else(|| "unknown".into());
    let date = field("commit-date:").unwrap_or_else(|| "unknown".into());
    let llvm = field("LLVM version:").unwrap_or_else(|| "none".into());

    let var = |name: &str| env::var(name).unwrap_or_default();
    let mut features: Vec<String> = env::vars()
        .filter_map(|(k, _)| k.strip_prefix("CARGO_FEATURE_").map(str::to_lowercase))
        .collect();
    features.sort();
    let on_off = |name: &str| {
        if env::var_os(name).is_some() {
            "on"
        } else {
            "off"
        }
    };
    // Keep the keys in step with `src/pack/fingerprint.rs`, which reads them back.
    let components = [
        ("rustc", format!("{release} ({commit} {date})")),
        ("llvm", llvm),
        ("target", var("TARGET")),
        ("target-features", var("CARGO_CFG_TARGET_FEATURE")),
        ("panic", var("CARGO_CFG_PANIC")),
        ("profile", var("PROFILE")),
        ("opt-level", var("OPT_LEVEL")),
        (
            "debug-assertions",
            on_off("CARGO_CFG_DEBUG_ASSERTIONS").to_owned(),
        ),
        ("plux-runtime", var("CARGO_PKG_VERSION")),
        ("plux-runtime-features", features.join(",")),
    ];
    let encoded: Vec<String> = components
        .iter()
        .map(|(key, value)| format!("{key}={}", value.replace([';', '\n', '\r'], " ")))
        .collect();
    println!(
        "cargo:rustc-env=PLUX_PACK_FINGERPRINT={}",
        encoded.join(";")
    );
}

fn fail(message: &str) -> ! {
    eprintln!(
        "plux-runtime (feature `packs`): {message}; plugin packs need the compiler's version"
    );
    process::exit(1);
}
