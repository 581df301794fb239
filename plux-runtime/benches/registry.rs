//! Run-time cost of the plugin manager, as ratios to baselines measured in the same run.
//!
//! `cargo bench -p plux-runtime --bench registry`
//!
//! A registry of 10,000 plugins in 100 namespaces (specs built at run time and leaked, as
//! generated code would hold them in statics):
//!
//! - (a) manager creation + `list_names` for one 100-plugin namespace, against the same on a
//!   registry holding only those 100 plugins (the cost of the other 9,900);
//! - (b) manager creation + `load_all` of the 100 trivial plugins, against calling their 100
//!   factories, `should_load` and `load` directly (the cost of the manager);
//! - (c) the same 100 plugins registered with `inventory` and iterated, for reference.
//!
//! A small harness (criterion's reports do not give ratios): each case is calibrated to about
//! 2 ms per sample, subject and baseline samples alternate, and the figures are medians of
//! `SAMPLES` samples.
#![allow(missing_docs, clippy::unwrap_used)]

use std::hint::black_box;
use std::sync::Arc;
use std::time::{Duration, Instant};

use plux_runtime::{
    BoxError, Plugin, PluginEntry, PluginLifecycleListener, PluginManager, PluginSpec, Registry,
};

const NAMESPACES: usize = 100;
const PER_NAMESPACE: usize = 100;
const SAMPLES: usize = 41;
const TARGET: Duration = Duration::from_millis(2);

pub trait Bench: Plugin {
    fn id(&self) -> u32;
}

struct Trivial(u32);

impl Plugin for Trivial {
    fn load(&self, _: &()) -> Result<(), BoxError> {
        black_box(self.0);
        Ok(())
    }
}

impl Bench for Trivial {
    fn id(&self) -> u32 {
        self.0
    }
}

/// A listener with only the default (empty) hooks.
struct Quiet;
impl PluginLifecycleListener<dyn Bench> for Quiet {}

fn make() -> Box<dyn Bench> {
    Box::new(Trivial(black_box(7)))
}

fn leak_str(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

/// Entries of `namespaces` namespaces of `per_namespace` plugins, sorted as generated code
/// sorts them.
fn entries(namespaces: usize, per_namespace: usize) -> Vec<PluginEntry> {
    let mut entries = Vec::with_capacity(namespaces * per_namespace);
    for n in 0..namespaces {
        let namespace = leak_str(format!("bench.plugins.ns{n:03}"));
        for p in 0..per_namespace {
            let name = leak_str(format!("plugin-{p:03}"));
            let value = leak_str(format!("bench_crate::ns{n:03}::PLUGIN_{p:03}"));
            let spec: &'static PluginSpec<dyn Bench> =
                Box::leak(Box::new(PluginSpec::new(namespace, name, make)));
            entries.push(PluginEntry::new(value, spec));
        }
    }
    entries.sort_by_key(|e| (e.namespace(), e.name()));
    entries
}

fn registry(entries: Vec<PluginEntry>) -> Registry {
    Registry::new(Box::leak(entries.into_boxed_slice()))
}

// (c) The same 100 plugins through `inventory`.
pub struct InventoryItem {
    name: &'static str,
    factory: fn() -> Box<dyn Bench>,
}

inventory::collect!(InventoryItem);

macro_rules! submit {
    ($($tens:literal)*) => { $( submit!(@ $tens 0 1 2 3 4 5 6 7 8 9); )* };
    (@ $tens:literal $($ones:literal)*) => {
        $(
            inventory::submit! {
                InventoryItem { name: concat!("plugin-0", $tens, $ones), factory: make }
            }
        )*
    };
}

submit!(0 1 2 3 4 5 6 7 8 9);

/// Runs `f` `n` times, returning the time per call.
fn time(f: &mut dyn FnMut(), n: u32) -> Duration {
    let start = Instant::now();
    for _ in 0..n {
        f();
    }
    start.elapsed() / n
}

fn calibrate(f: &mut dyn FnMut()) -> u32 {
    f();
    let mut n = 1u32;
    loop {
        let start = Instant::now();
        for _ in 0..n {
            f();
        }
        if start.elapsed() >= TARGET || n >= 1 << 24 {
            return n;
        }
        n *= 2;
    }
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

/// Median time per call of each function, sampled alternately.
fn measure(cases: &mut [&mut dyn FnMut()]) -> Vec<Duration> {
    let n: Vec<u32> = cases.iter_mut().map(|f| calibrate(*f)).collect();
    let mut samples = vec![Vec::with_capacity(SAMPLES); cases.len()];
    for _ in 0..SAMPLES {
        for (i, f) in cases.iter_mut().enumerate() {
            samples[i].push(time(*f, n[i]));
        }
    }
    samples.into_iter().map(median).collect()
}

fn micros(d: Duration) -> String {
    format!("{:.2} µs", d.as_secs_f64() * 1e6)
}

fn ratio(subject: Duration, baseline: Duration) -> f64 {
    subject.as_secs_f64() / baseline.as_secs_f64()
}

fn main() {
    let namespace = "bench.plugins.ns042";
    let big = registry(entries(NAMESPACES, PER_NAMESPACE));
    let small = registry(big.namespace(namespace).to_vec());
    assert_eq!(big.entries().len(), NAMESPACES * PER_NAMESPACE);
    assert_eq!(small.entries().len(), PER_NAMESPACE);
    assert_eq!(
        inventory::iter::<InventoryItem>.into_iter().count(),
        PER_NAMESPACE
    );
    let specs: Vec<&'static PluginSpec<dyn Bench>> =
        small.entries().iter().map(|e| e.spec().unwrap()).collect();

    let manager = |registry: Registry| {
        PluginManager::<dyn Bench>::builder(namespace)
            .finder(registry)
            .build()
    };

    // (a) creation + list_names: 10,000-plugin registry against a 100-plugin one.
    let [list_big, list_small, list_inventory] = measure(&mut [
        &mut || {
            black_box(manager(big).list_names());
        },
        &mut || {
            black_box(manager(small).list_names());
        },
        &mut || {
            let names: Vec<&'static str> = inventory::iter::<InventoryItem>
                .into_iter()
                .map(|i| i.name)
                .collect();
            black_box(names);
        },
    ])[..] else {
        unreachable!()
    };

    // (b) creation + load_all against the factories and loads called directly.
    let direct = || {
        let mut plugins: Vec<Arc<dyn Bench>> = Vec::with_capacity(specs.len());
        for spec in &specs {
            let plugin: Arc<dyn Bench> = Arc::from(spec.create().unwrap());
            if plugin.should_load() {
                plugin.load(&()).unwrap();
                plugins.push(plugin);
            }
        }
        plugins
    };
    let loaded = manager(big);
    assert_eq!(loaded.load_all().len(), PER_NAMESPACE);
    let [
        load_all,
        load_direct,
        load_inventory,
        load_again,
        load_listener,
    ] = measure(&mut [
        &mut || {
            let plugins = manager(big).load_all();
            assert_eq!(plugins.len(), PER_NAMESPACE);
            black_box(plugins);
        },
        &mut || {
            black_box(direct());
        },
        &mut || {
            let mut plugins: Vec<Arc<dyn Bench>> = Vec::with_capacity(PER_NAMESPACE);
            for item in inventory::iter::<InventoryItem> {
                let plugin: Arc<dyn Bench> = Arc::from((item.factory)());
                if plugin.should_load() {
                    plugin.load(&()).unwrap();
                    plugins.push(plugin);
                }
            }
            black_box(plugins);
        },
        &mut || {
            black_box(loaded.load_all());
        },
        &mut || {
            let manager = PluginManager::<dyn Bench>::builder(namespace)
                .finder(big)
                .listener(Quiet)
                .build();
            black_box(manager.load_all());
        },
    ])[..]
    else {
        unreachable!()
    };

    println!(
        "plux-runtime registry bench: {NAMESPACES} namespaces x {PER_NAMESPACE} plugins, median of {SAMPLES} samples"
    );
    println!();
    println!("(a) manager creation + list_names, one 100-plugin namespace");
    println!(
        "    registry of 10,000 plugins        {:>12}",
        micros(list_big)
    );
    println!(
        "    registry of those 100 only        {:>12}",
        micros(list_small)
    );
    println!(
        "    inventory, 100 names collected    {:>12}",
        micros(list_inventory)
    );
    println!(
        "    ratio 10,000 / 100                {:>12.2}   (goal <= 1.5)",
        ratio(list_big, list_small)
    );
    println!();
    println!("(b) manager creation + load_all of 100 trivial plugins");
    println!(
        "    PluginManager::load_all           {:>12}",
        micros(load_all)
    );
    println!(
        "    factories + loads called directly {:>12}",
        micros(load_direct)
    );
    println!(
        "    inventory, iterated + loaded      {:>12}",
        micros(load_inventory)
    );
    println!(
        "    load_all again (all loaded)       {:>12}",
        micros(load_again)
    );
    println!(
        "    load_all with a no-op listener    {:>12}",
        micros(load_listener)
    );
    println!(
        "    ratio load_all / direct           {:>12.2}   (goal <= 3)",
        ratio(load_all, load_direct)
    );
    println!(
        "    ratio inventory / direct          {:>12.2}",
        ratio(load_inventory, load_direct)
    );
}
