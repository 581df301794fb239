//! Property-based fuzzing of the scanner and the `plux.json` reader (issue 6): random and
//! mutated inputs never panic, and the prefilter never changes the result of a file that
//! parses.
//!
//! `PLUX_FUZZ_CASES` sets the number of cases per target (default 256, a few seconds in
//! debug). A long run, for example:
//!
//! ```text
//! PLUX_FUZZ_CASES=250000 cargo test --release -p plux-build --test fuzz
//! ```

// Helpers outside `#[test]` fns set up fixtures; a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plux_build::index::Index;
use plux_build::scan::{CrateTarget, ScanOptions, ScanOutput, TargetKind, scan_target_with};
use proptest::prelude::*;

fn cases() -> u32 {
    std::env::var("PLUX_FUZZ_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256)
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: cases(),
        // Failures are reported with the shrunk input; no files are written next to the test.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// The real sources mutations start from: the fixtures' and plux-build's own.
fn seeds() -> &'static [Vec<u8>] {
    static SEEDS: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    SEEDS.get_or_init(|| {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut files = Vec::new();
        collect(&manifest.join("src"), &mut files);
        collect(&manifest.join("../fixtures"), &mut files);
        files.sort();
        assert!(files.len() > 10, "seed files not found: {files:?}");
        files.iter().map(|f| std::fs::read(f).unwrap()).collect()
    })
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() && !path.ends_with("target") {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Scans `bytes` as a crate root with the prefilter on and off and checks the property.
fn check_scan(bytes: &[u8]) -> Result<(), TestCaseError> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("src")).unwrap();
    std::fs::write(dir.path().join("src/lib.rs"), bytes).unwrap();
    let target = CrateTarget {
        crate_name: "fuzzed".into(),
        kind: TargetKind::Lib,
        root: dir.path().join("src/lib.rs"),
        package_root: dir.path().to_path_buf(),
    };
    let options = ScanOptions::default();
    let fast = scan_target_with(&target, &options, true).unwrap();
    let full = scan_target_with(&target, &options, false).unwrap();
    // The documented difference (`skim` module): text that syn rejects, in items that do not
    // mention plugins, is not reported with the prefilter on. When a full parse succeeds the
    // results must be the same.
    if !gave_up(&full) {
        prop_assert_eq!(&fast, &full, "the prefilter changed the result");
    }
    // The lexer reports what does not tokenize without syn (so a huge file is never parsed
    // whole for it): it must never refuse text that syn accepts.
    let lexical = [
        "unclosed delimiter",
        "unexpected closing delimiter",
        "mismatched closing delimiter",
        "unterminated ",
    ];
    let refused = full.diagnostics.iter().any(|d| {
        d.message.starts_with("cannot parse") && lexical.iter().any(|m| d.message.contains(m))
    });
    if let (true, Ok(text)) = (refused, std::str::from_utf8(bytes)) {
        let text = text.to_owned();
        let syn_accepts = std::thread::Builder::new()
            .stack_size(64 << 20)
            .spawn(move || syn::parse_file(&text).is_ok())
            .unwrap()
            .join()
            .unwrap();
        prop_assert!(
            !syn_accepts,
            "the lexer refused text syn accepts: {:?}",
            full.diagnostics
        );
    }
    // Every diagnostic is located in the scanned file, at a line it has.
    let lines = bytes.split(|&b| b == b'\n').count();
    for d in fast.diagnostics.iter().chain(&full.diagnostics) {
        if let Some(l) = &d.location {
            prop_assert!(l.line >= 1 && l.line <= lines, "{d}");
            prop_assert!(l.column >= 1, "{d}");
        }
        prop_assert!(!d.message.is_empty());
    }
    Ok(())
}

fn gave_up(out: &ScanOutput) -> bool {
    out.diagnostics
        .iter()
        .any(|d| d.message.starts_with("cannot parse"))
}

/// Pieces of Rust that scanning cares about, to build token soup from.
const TOKENS: &[&str] = &[
    "#[plugin(",
    "namespace = ",
    "name = ",
    "\"ns\"",
    "\"a=b\"",
    ")]",
    "pub ",
    "fn f() {}",
    "impl Tr for T {}",
    "static S: PluginSpec<dyn P> = PluginSpec::new(\"ns\", \"s\", f);",
    "const NS: &str = \"ns\";",
    "mod m",
    "mod m;",
    "#[path = \"x.rs\"]",
    "#[cfg(test)]",
    "#[cfg(feature = \"x\")]",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ";",
    "\"",
    "'",
    "r#\"",
    "\"#",
    "/*",
    "*/",
    "//",
    "\n",
    "\r\n",
    " ",
    "\u{feff}",
    "#!",
    "ident",
    "r#type",
    "::",
    "'a",
    "b'x'",
    "é",
    "\0",
    "macro_rules! m { () => {} }",
    "NS",
];

/// A random mutation of `seed`.
#[derive(Clone, Debug)]
enum Mutation {
    Delete(usize, usize),
    Duplicate(usize, usize),
    Swap(usize, usize, usize),
    Insert(usize, &'static str),
    Byte(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let at = any::<usize>();
    prop_oneof![
        (at, 0..64usize).prop_map(|(a, n)| Mutation::Delete(a, n)),
        (at, 0..64usize).prop_map(|(a, n)| Mutation::Duplicate(a, n)),
        (at, any::<usize>(), 0..64usize).prop_map(|(a, b, n)| Mutation::Swap(a, b, n)),
        (at, prop::sample::select(TOKENS)).prop_map(|(a, t)| Mutation::Insert(a, t)),
        (at, any::<u8>()).prop_map(|(a, b)| Mutation::Byte(a, b)),
    ]
}

fn apply(bytes: &mut Vec<u8>, m: &Mutation) {
    let len = bytes.len();
    let pos = |at: usize| if len == 0 { 0 } else { at % (len + 1) };
    let range = |at: usize, n: usize| {
        let start = pos(at);
        start..(start + n).min(len)
    };
    match *m {
        Mutation::Delete(a, n) => {
            bytes.drain(range(a, n));
        }
        Mutation::Duplicate(a, n) => {
            let r = range(a, n);
            let copy = bytes[r.clone()].to_vec();
            bytes.splice(r.start..r.start, copy);
        }
        Mutation::Swap(a, b, n) => {
            let (x, y) = (range(a, n), range(b, n));
            if x.end <= y.start || y.end <= x.start {
                let (first, second) = if x.start < y.start { (x, y) } else { (y, x) };
                let one = bytes[first.clone()].to_vec();
                let two = bytes[second.clone()].to_vec();
                bytes.splice(second, one);
                bytes.splice(first, two);
            }
        }
        Mutation::Insert(a, text) => {
            let p = pos(a);
            bytes.splice(p..p, text.bytes());
        }
        Mutation::Byte(a, b) => {
            if len > 0 {
                bytes[a % len] = b;
            }
        }
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn random_bytes_scan_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        check_scan(&bytes)?;
    }

    #[test]
    fn token_soup_scans_without_panic(
        soup in prop::collection::vec(prop::sample::select(TOKENS), 0..48)
    ) {
        check_scan(soup.concat().as_bytes())?;
    }

    #[test]
    fn mutated_real_files_scan_without_panic(
        seed in any::<prop::sample::Index>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let mut bytes = seed.get(seeds()).clone();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        check_scan(&bytes)?;
    }

    #[test]
    fn random_and_mutated_index_json_parses_without_panic(
        text in prop_oneof![
            any::<String>(),
            prop::collection::vec(
                prop::sample::select(&[
                    "{", "}", "[", "]", ":", ",", "\"ns\"", "\"a=b.c\"", "\"n=m::p [type]\"",
                    "\"x=y [cfg(unix), fn]\"", "\"\\n\"", "\"=\"", "1", "null", " ", "\"\\u0000\"",
                ][..]),
                0..40,
            ).prop_map(|v| v.concat()),
        ],
        mutations in prop::collection::vec(mutation(), 0..4),
    ) {
        let mut bytes = text.into_bytes();
        for m in &mutations {
            apply(&mut bytes, m);
        }
        let text = String::from_utf8_lossy(&bytes);
        let path = Path::new("dep/plux.json");
        match Index::parse(&text, path) {
            // What parses renders and parses back to the same index.
            Ok(index) => {
                let again = Index::parse(&index.render(), path);
                prop_assert_eq!(again.ok(), Some(index));
            }
            Err(diagnostics) => {
                prop_assert!(!diagnostics.is_empty());
                for d in &diagnostics {
                    let l = d.location.as_ref();
                    prop_assert!(l.is_some_and(|l| l.file == path), "{}", d);
                }
            }
        }
    }
}
