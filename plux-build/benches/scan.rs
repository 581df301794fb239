//! Scanner benchmark: scans every package under a directory the way `cargo plux discover`
//! does (packages in parallel, each crate's module tree from `src/lib.rs`).
//!
//! ```sh
//! cargo bench -p plux-build --bench scan -- [--threads N] [--runs N] [--no-prefilter] DIR
//! cargo bench -p plux-build --bench scan -- --compare DIR   # prefilter on vs off, per crate
//! cargo bench -p plux-build --bench scan -- --cache CACHE_DIR DIR   # with the scan cache
//! ```
//!
//! A package is a directory (at most three levels below `DIR`, not under `target`) with a
//! `Cargo.toml` and a `src/lib.rs`. Prints one line of `key=value` figures; `vmhwm_kb` is the
//! process's peak resident memory (`VmHWM` of `/proc/self/status`).

// A benchmark binary: bad input is a panic with a message.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::path::{Path, PathBuf};
use std::time::Instant;

use plux_build::scan::{
    Cache, CrateTarget, ScanOptions, ScanOutput, TargetKind, scan_target_cached_with,
    scan_target_with,
};
use rayon::prelude::*;

struct Args {
    dir: PathBuf,
    threads: Option<usize>,
    runs: usize,
    prefilter: bool,
    compare: bool,
    cache: Option<Cache>,
}

fn args() -> Args {
    let mut out = Args {
        dir: PathBuf::new(),
        threads: None,
        runs: 5,
        prefilter: true,
        compare: false,
        cache: None,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--threads" => out.threads = Some(it.next().unwrap().parse().unwrap()),
            "--runs" => out.runs = it.next().unwrap().parse().unwrap(),
            "--no-prefilter" => out.prefilter = false,
            "--compare" => out.compare = true,
            "--cache" => out.cache = Some(Cache::new(it.next().unwrap())),
            "--bench" => {}
            dir => out.dir = PathBuf::from(dir),
        }
    }
    assert!(out.dir.is_dir(), "usage: scan [options] DIR");
    out
}

fn packages(dir: &Path) -> Vec<CrateTarget> {
    let mut out = Vec::new();
    let mut walker = walkdir::WalkDir::new(dir)
        .max_depth(3)
        .sort_by_file_name()
        .into_iter();
    while let Some(entry) = walker.next() {
        let Ok(entry) = entry else { continue };
        if !entry.file_type().is_dir() {
            continue;
        }
        if entry.file_name() == "target" {
            walker.skip_current_dir();
            continue;
        }
        let root = entry.path().join("src/lib.rs");
        if entry.path().join("Cargo.toml").is_file() && root.is_file() {
            let name = entry.file_name().to_string_lossy().replace(['-', '.'], "_");
            out.push(CrateTarget {
                crate_name: name,
                kind: TargetKind::Lib,
                root,
                package_root: entry.path().to_path_buf(),
            });
            walker.skip_current_dir();
        }
    }
    out
}

fn scan_all(targets: &[CrateTarget], prefilter: bool, cache: Option<&Cache>) -> Vec<ScanOutput> {
    let options = ScanOptions::default();
    targets
        .par_iter()
        .map(|t| match cache {
            Some(cache) => scan_target_cached_with(t, &options, prefilter, cache).unwrap(),
            None => scan_target_with(t, &options, prefilter).unwrap(),
        })
        .collect()
}

fn vmhwm_kb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn main() {
    let args = args();
    let targets = packages(&args.dir);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(args.threads.unwrap_or(0))
        .build()
        .unwrap();
    if args.compare {
        let (fast, full) = pool.install(|| {
            (
                scan_all(&targets, true, args.cache.as_ref()),
                scan_all(&targets, false, None),
            )
        });
        let mut differ = 0;
        for ((target, fast), full) in targets.iter().zip(&fast).zip(&full) {
            if fast != full {
                differ += 1;
                eprintln!("differs: {}", target.package_root.display());
                for (a, b) in fast.diagnostics.iter().zip(&full.diagnostics) {
                    if a != b {
                        eprintln!("  prefilter: {a}\n  full:      {b}");
                        break;
                    }
                }
                eprintln!(
                    "  decls {} / {}, diagnostics {} / {}, files {} / {}",
                    fast.declarations.len(),
                    full.declarations.len(),
                    fast.diagnostics.len(),
                    full.diagnostics.len(),
                    fast.files.len(),
                    full.files.len()
                );
            }
        }
        let files: usize = fast.iter().map(|o| o.files.len()).sum();
        println!("crates={} files={files} differ={differ}", targets.len());
        std::process::exit(i32::from(differ > 0));
    }
    let mut times = Vec::new();
    let mut last = Vec::new();
    for _ in 0..args.runs {
        let start = Instant::now();
        last = pool.install(|| scan_all(&targets, args.prefilter, args.cache.as_ref()));
        times.push(start.elapsed().as_secs_f64() * 1000.0);
    }
    let mut sorted = times.clone();
    sorted.sort_by(f64::total_cmp);
    let files: usize = last.iter().map(|o| o.files.len()).sum();
    let bytes: u64 = last
        .iter()
        .flat_map(|o| &o.files)
        .map(|f| std::fs::metadata(f).map_or(0, |m| m.len()))
        .sum();
    let decls: usize = last.iter().map(|o| o.declarations.len()).sum();
    let diags: usize = last.iter().map(|o| o.diagnostics.len()).sum();
    let median = sorted[sorted.len() / 2];
    println!(
        "crates={} files={files} mb={:.1} decls={decls} diags={diags} threads={} prefilter={} \
         median_ms={median:.1} mb_per_s={:.0} runs_ms={:?} vmhwm_kb={}",
        targets.len(),
        bytes as f64 / 1e6,
        pool.current_num_threads(),
        args.prefilter,
        bytes as f64 / 1e6 / (median / 1000.0),
        times
            .iter()
            .map(|t| (t * 10.0).round() / 10.0)
            .collect::<Vec<_>>(),
        vmhwm_kb()
    );
}
