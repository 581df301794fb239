//! Stress (issue 6): 64 threads loading, listing and filtering across 1,000 plugins, some of
//! which fail or panic in their factory, `should_load` or `load`, with filters and listeners
//! that panic or call back into the manager.
//!
//! Each plugin's behaviour is drawn from a seeded generator, so its outcome is known whatever
//! the interleaving: every operation's result is checked against it as it happens, and at the
//! end every factory, `should_load`, `load`, filter call and listener hook must have run
//! exactly as often as the lifecycle says (once, or never). The work is a fixed number of
//! operations per thread, not a duration. A deadlock shows up as the watchdog's failure.

mod world;

use std::sync::atomic::Ordering;
use std::sync::mpsc;
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::Duration;

use plux_runtime::{
    MatchingPluginFilter, PluginEntry, PluginError, PluginFilter, PluginPattern,
    global_plugin_filter,
};

use world::{
    Behaviour, Counter, CountingFinder, HOOKS, Hostile, Manager, Outcome, PLUGINS, Reentrant, Rng,
    Step, UNRESOLVABLE, World, id_of, name,
};

const THREADS: usize = 64;
const OPS_PER_THREAD: usize = 1200;
/// Turns a hang into a failure; far above the second or so the tests take.
const WATCHDOG: Duration = Duration::from_secs(120);

/// The operations the workers run, for the counts in the test output.
const OPS: [&str; 11] = [
    "load",
    "load (unknown or unresolvable)",
    "list_names",
    "list_containers",
    "get_container",
    "is_loaded",
    "exists",
    "list_plugin_specs",
    "add_pattern",
    "load_all",
    "add_listener",
];

/// A manager over world `w`'s plugins, with the counting filter (which panics for some
/// plugins) and a shared `MatchingPluginFilter`, and the global filter set for its namespace.
fn manager(
    world: &'static World,
    w: usize,
    seed: u64,
    listeners: bool,
) -> (Arc<Manager>, Arc<MatchingPluginFilter>) {
    let namespace = world.namespace;
    global_plugin_filter()
        .add_pattern(
            PluginPattern::new()
                .namespace(namespace)
                .value("stress::global::*"),
        )
        .unwrap();
    let matching = Arc::new(MatchingPluginFilter::new());
    matching
        .add_pattern(PluginPattern::new().value("stress::filtered::*"))
        .unwrap();
    let shared = matching.clone();
    let mut builder = Manager::builder(namespace)
        .finder(CountingFinder {
            world,
            entries: world.entries(w, seed),
        })
        .filter(move |entry: &PluginEntry| {
            let id = id_of(entry.name());
            world.count(id, Step::Filter);
            assert!(!world.filter_panics[id], "filter exploded");
            false
        })
        .filter(move |entry: &PluginEntry| shared.disables(entry));
    if listeners {
        builder = builder
            .listener(Hostile(world))
            .listener(Counter(world))
            .listener(Reentrant(world));
    }
    let manager = Arc::new(builder.build());
    world.manager.set(Arc::downgrade(&manager)).unwrap();
    (manager, matching)
}

/// With late listeners, the last `RESERVED` plugins are loaded only after a listener was
/// added (and `load_all` waits for the aftermath), so some runs surely see listeners.
const RESERVED: usize = 10;

/// How the workers of a storm add listeners: every one runs with `late`, and the adders call
/// it every 100 operations.
#[derive(Clone, Copy)]
struct Late {
    add: fn(&Manager),
    adder: bool,
}

/// What a worker thread does, `OPS_PER_THREAD` times; returns its operation counts.
fn work(
    world: &'static World,
    manager: &Manager,
    filter: &MatchingPluginFilter,
    seed: u64,
    late: Option<Late>,
) -> [u64; OPS.len()] {
    let mut rng = Rng::new(seed);
    let loadable = if late.is_some() {
        PLUGINS - RESERVED
    } else {
        PLUGINS
    };
    let mut ops = [0; OPS.len()];
    let check = |result: Result<(), String>| {
        if let Err(problem) = result {
            panic!("{problem}");
        }
    };
    for step in 0..OPS_PER_THREAD {
        let id = rng.below(PLUGINS);
        let mut op = rng.below(1000);
        if op >= 995 && late.is_some() {
            op = 0;
        }
        let op = match op {
            0..400 => {
                let id = rng.below(loadable);
                let outcome = manager.load(&name(id));
                check(world.check_outcome(id, &outcome));
                assert_eq!(manager.is_loaded(&name(id)), outcome.is_ok());
                0
            }
            400..450 => {
                let x = rng.below(UNRESOLVABLE);
                let error = manager.load(&format!("x{x:02}")).err().unwrap();
                assert!(matches!(error, PluginError::Resolve { .. }), "{error}");
                let error = manager.load("nope").err().unwrap();
                assert!(matches!(error, PluginError::NotFound { .. }), "{error}");
                1
            }
            450..520 => {
                let names = manager.list_names();
                assert_eq!(names.len(), PLUGINS);
                assert!(names.windows(2).all(|w| w[0] < w[1]));
                2
            }
            520..570 => {
                let containers = manager.list_containers();
                assert_eq!(containers.len(), PLUGINS);
                check(world.check_container(&containers[id]));
                3
            }
            570..720 => {
                check(world.check_container(&manager.get_container(&name(id)).unwrap()));
                4
            }
            720..820 => {
                if manager.is_loaded(&name(id)) {
                    assert_eq!(world.behaviours[id], Behaviour::Good, "{}", name(id));
                }
                5
            }
            820..930 => {
                assert!(manager.exists(&name(id)));
                assert!(!manager.exists(&format!("x{:02}", id % UNRESOLVABLE)));
                6
            }
            930..980 => {
                assert_eq!(manager.list_plugin_specs().len(), PLUGINS);
                7
            }
            980..995 => {
                // Patterns that match nothing here, added while other threads read the filter.
                filter
                    .add_pattern(
                        PluginPattern::new().value(format!("stress::none::{seed}::{step}")),
                    )
                    .unwrap();
                8
            }
            _ => {
                let loaded = manager.load_all();
                assert!(loaded.windows(2).all(|w| w[0].id() < w[1].id()));
                for plugin in &loaded {
                    assert_eq!(world.behaviours[plugin.id()], Behaviour::Good);
                }
                9
            }
        };
        ops[op] += 1;
        if step % 100 == 50
            && let Some(late) = late.filter(|late| late.adder)
        {
            (late.add)(manager);
            ops[10] += 1;
            for id in PLUGINS - RESERVED..PLUGINS {
                check(world.check_outcome(id, &manager.load(&name(id))));
            }
        }
    }
    ops
}

/// Runs `THREADS` workers released together (so the first use of the manager is contended),
/// failing if they do not all finish before the watchdog fires.
fn storm(
    world: &'static World,
    manager: &Arc<Manager>,
    filter: &Arc<MatchingPluginFilter>,
    seed: u64,
    add: Option<fn(&Manager)>,
) -> [u64; OPS.len()] {
    let barrier = Arc::new(Barrier::new(THREADS));
    let (done, finished) = mpsc::channel::<()>();
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (manager, filter, barrier) = (manager.clone(), filter.clone(), barrier.clone());
            let done = Done(done.clone());
            thread::spawn(move || {
                let _done = done;
                barrier.wait();
                // Only some threads add listeners.
                let late = add.map(|add| Late {
                    add,
                    adder: t % 8 == 0,
                });
                work(world, &manager, &filter, seed ^ ((t as u64) << 32), late)
            })
        })
        .collect();
    drop(done);
    for _ in 0..THREADS {
        if finished.recv_timeout(WATCHDOG).is_err() {
            panic!("workers still running after {WATCHDOG:?}: deadlock");
        }
    }
    let mut total = [0; OPS.len()];
    for handle in handles {
        let ops = handle.join().unwrap();
        for (sum, n) in total.iter_mut().zip(ops) {
            *sum += n;
        }
    }
    total
}

/// Tells the watchdog a worker ended, also when it panicked.
struct Done(mpsc::Sender<()>);

impl Drop for Done {
    fn drop(&mut self) {
        let _ = self.0.send(());
    }
}

/// After the storm: every plugin, loaded again from fresh threads in another order, has the
/// same outcome and error as before, and `load_all`/`try_load_all` agree with the behaviours.
fn aftermath(world: &'static World, manager: &Arc<Manager>) {
    let handles: Vec<_> = (0..4)
        .map(|t| {
            let manager = manager.clone();
            thread::spawn(move || {
                for i in 0..PLUGINS {
                    let id = if t % 2 == 0 { i } else { PLUGINS - 1 - i };
                    let outcome: Outcome = manager.load(&name(id));
                    if let Err(problem) = world.check_outcome(id, &outcome) {
                        panic!("{problem}");
                    }
                }
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    let good: Vec<_> = (0..PLUGINS)
        .filter(|&id| world.behaviours[id] == Behaviour::Good)
        .collect();
    let loaded: Vec<_> = manager.load_all().iter().map(|p| p.id()).collect();
    assert_eq!(loaded, good);
    // The unresolvable entries (`x00`, ...) fail it before any plugin loads.
    let error = manager.try_load_all().err().unwrap();
    assert_eq!(error.name(), "x00");
    assert!(matches!(error, PluginError::Resolve { .. }), "{error}");
}

/// Every piece of plugin code ran as often as the lifecycle says.
fn assert_exact_counts(world: &World, hooks: bool) {
    assert_eq!(world.finder_calls.load(Ordering::SeqCst), 1);
    for id in 0..PLUGINS {
        let behaviour = world.behaviours[id];
        let calls = world.calls[id].each_ref().map(|c| c.load(Ordering::SeqCst));
        assert_eq!(
            calls,
            behaviour.calls(),
            "{} ({behaviour:?}): factory, should_load, load, filter",
            name(id)
        );
        if hooks {
            let fired = world.hooks[id].each_ref().map(|c| c.load(Ordering::SeqCst));
            assert_eq!(
                fired,
                behaviour.hooks(),
                "{} ({behaviour:?}): {HOOKS:?}",
                name(id)
            );
        }
    }
    if hooks {
        for (x, fired) in world.unresolved_hooks.iter().enumerate() {
            assert_eq!(
                fired.load(Ordering::SeqCst),
                1,
                "x{x:02}: on_resolve_exception"
            );
        }
    }
}

fn report(test: &str, ops: &[u64; OPS.len()]) {
    let total: u64 = ops.iter().sum();
    println!("{test}: {total} operations by {THREADS} threads on {PLUGINS} plugins");
    for (name, n) in OPS.iter().zip(ops) {
        println!("  {name}: {n}");
    }
}

#[test]
fn sixty_four_threads_load_list_and_filter_1000_plugins_exactly_once() {
    let seed = 0x5eed_0001;
    let world = World::create(0, "test.stress.main", seed);
    let (manager, filter) = manager(world, 0, seed, true);

    let ops = storm(world, &manager, &filter, seed, None);
    report("stress", &ops);

    let problems = world.problems();
    assert!(
        problems.is_empty(),
        "{} problems: {:#?}",
        problems.len(),
        &problems[..problems.len().min(20)]
    );
    aftermath(world, &manager);
    // Nothing ran twice, not even after the second round of loads.
    assert_exact_counts(world, true);
    // The draw covers every behaviour, panicking listeners, filters and re-entrant loads.
    for behaviour in [
        Behaviour::Good,
        Behaviour::FactoryPanics,
        Behaviour::FactoryFails,
        Behaviour::ShouldLoadFalse,
        Behaviour::ShouldLoadPanics,
        Behaviour::LoadPanics,
        Behaviour::LoadFails,
        Behaviour::Filtered,
        Behaviour::GlobalFiltered,
    ] {
        assert!(world.behaviours.contains(&behaviour), "{behaviour:?}");
    }
    let good = |id: &usize| world.behaviours[*id] == Behaviour::Good;
    assert!(
        (0..PLUGINS)
            .filter(good)
            .any(|id| world.reenter[id].is_some())
    );
    assert!(
        (0..PLUGINS)
            .filter(good)
            .any(|id| world.listener_panics[id])
    );
    assert!((0..PLUGINS).filter(good).any(|id| world.filter_panics[id]));
}

/// A listener added while other threads load sees, for each plugin, either every hook of its
/// lifecycle or none (each run takes one snapshot of the listeners).
#[test]
fn listeners_added_under_load_see_whole_lifecycles() {
    let seed = 0x5eed_0002;
    let world = World::create(1, "test.stress.late", seed);
    let (manager, filter) = manager(world, 1, seed, false);

    // Workers add counting listeners as they go; all of them count into the world's hooks, so
    // per plugin the count of each hook is the number of listeners that saw its run.
    let add: fn(&Manager) = |m| m.add_listener(Counter(world::world(1)));
    let ops = storm(world, &manager, &filter, seed, Some(add));
    report("late listeners", &ops);
    aftermath(world, &manager);
    assert_exact_counts(world, false);

    let problems = world.problems();
    assert!(problems.is_empty(), "{problems:#?}");
    let mut seen = 0;
    for id in 0..PLUGINS {
        let fired = world.hooks[id][2..]
            .iter()
            .map(|c| c.load(Ordering::SeqCst))
            .collect::<Vec<_>>();
        let listeners = *fired.iter().max().unwrap();
        let whole: Vec<_> = world.behaviours[id].hooks()[2..]
            .iter()
            .map(|n| n * listeners)
            .collect();
        assert_eq!(fired, whole, "{} ({:?})", name(id), world.behaviours[id]);
        seen += usize::from(listeners > 0);
        // No listener existed when the index was built.
        assert_eq!(world.hooks[id][1].load(Ordering::SeqCst), 0);
    }
    // Some plugins ran before the first listener came (those the first adder loaded before it
    // added it, at least), some after (the reserved ones, at least).
    assert!((RESERVED..PLUGINS).contains(&seen), "{seen}");
    println!("late listeners: {seen} of {PLUGINS} lifecycles ran with listeners");
}
