//! Containment of panics, concurrent and re-entrant loads, and resolution errors.

use super::*;
use std::sync::{Barrier, OnceLock, Weak};
use std::thread;

use plux_runtime::Panicked;

// ---------------------------------------------------------------------------------------------
// Containment of panics.

fn panicking_factory() -> Box<dyn Dummy> {
    panic!("factory exploded")
}

struct PanicsInShouldLoad;
impl Plugin<Args> for PanicsInShouldLoad {
    fn should_load(&self) -> bool {
        panic!("should_load exploded")
    }
}
impl Dummy for PanicsInShouldLoad {
    fn kind(&self) -> &'static str {
        "panics"
    }
    fn load_calls(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

struct PanicsInLoad;
impl Plugin<Args> for PanicsInLoad {
    fn load(&self, _: &Args) -> Result<(), BoxError> {
        panic!("load exploded")
    }
}
impl Dummy for PanicsInLoad {
    fn kind(&self) -> &'static str {
        "panics"
    }
    fn load_calls(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

fn panic_message(error: &PluginError) -> &str {
    error
        .cause()
        .unwrap()
        .downcast_ref::<Panicked>()
        .unwrap()
        .message()
}

#[test]
fn panics_in_plugin_code_are_init_or_load_errors() {
    let ns = "test.panic.plugin";
    let recorder = Arc::new(Recorder::default());
    let manager = PluginManager::<dyn Dummy, Args>::builder(ns)
        .finder(vec![
            PluginEntry::of(leak(Spec::new(ns, "factory", panicking_factory))),
            PluginEntry::of(leak(Spec::new(ns, "load", || Box::new(PanicsInLoad)))),
            PluginEntry::of(leak(Spec::new(ns, "should_load", || {
                Box::new(PanicsInShouldLoad)
            }))),
            PluginEntry::of(leak(Spec::new(ns, "zgood", good))),
        ])
        .listener(recorder.clone())
        .build();

    assert_eq!(manager.load_all().len(), 1);

    let factory = unwrap_err(manager.load("factory"));
    assert!(matches!(factory, PluginError::Init { .. }));
    assert_eq!(panic_message(&factory), "factory exploded");
    assert_eq!(
        factory.to_string(),
        "plugin test.panic.plugin:factory failed to initialize: the factory panicked: factory exploded"
    );
    let should_load = unwrap_err(manager.load("should_load"));
    assert!(matches!(should_load, PluginError::Load { .. }));
    assert_eq!(panic_message(&should_load), "should_load exploded");
    let load = unwrap_err(manager.load("load"));
    assert_eq!(panic_message(&load), "load exploded");
    assert!(manager.is_loaded("zgood"));
    let events = recorder.events();
    for expected in [
        "init_exception factory",
        "load_exception load",
        "load_exception should_load",
    ] {
        assert!(
            events.contains(&expected.to_owned()),
            "{expected} in {events:?}"
        );
    }
}

/// Panics in every hook.
struct Panicker;
impl PluginLifecycleListener<dyn Dummy, Args> for Panicker {
    fn on_resolve_exception(&self, _: &str, _: &PluginEntry, _: &PluginError) {
        panic!("listener exploded");
    }
    fn on_resolve_after(&self, _: &Spec) {
        panic!("listener exploded");
    }
    fn on_init_exception(&self, _: &Spec, _: &PluginError) {
        panic!("listener exploded");
    }
    fn on_init_after(&self, _: &Spec, _: &Arc<dyn Dummy>) -> Result<(), BoxError> {
        panic!("listener exploded");
    }
    fn on_load_before(&self, _: &Spec, _: &Arc<dyn Dummy>, _: &Args) -> Result<(), BoxError> {
        panic!("listener exploded");
    }
    fn on_load_after(
        &self,
        _: &Spec,
        _: &Arc<dyn Dummy>,
        _: Option<&plux_runtime::LoadValue>,
    ) -> Result<(), BoxError> {
        panic!("listener exploded");
    }
    fn on_load_exception(&self, _: &Spec, _: &Arc<dyn Dummy>, _: &PluginError) {
        panic!("listener exploded");
    }
}

#[test]
fn a_panicking_listener_is_contained() {
    let ns = "test.panic.listener";
    let recorder = Arc::new(Recorder::default());
    let manager = Arc::new(
        PluginManager::<dyn Dummy, Args>::builder(ns)
            .finder(dummy_finder(ns))
            .listener(Panicker)
            .listener(recorder.clone())
            .build(),
    );
    // The same outcome as without the panicking listener, and the next listener saw it all.
    assert_eq!(manager.load_all().len(), 2);
    assert_eq!(recorder.events().len(), 16);
    // Nothing is poisoned: the manager keeps serving, also from other threads.
    let shared = manager.clone();
    thread::spawn(move || assert!(shared.load("shouldload").is_ok()))
        .join()
        .unwrap();
    assert!(
        unwrap_err(manager.load("load_errors"))
            .to_string()
            .ends_with("controlled load fail")
    );
    assert_eq!(manager.list_containers().len(), 5);
}

// ---------------------------------------------------------------------------------------------
// Concurrency and re-entrance.

static SLOW_LOADS: AtomicUsize = AtomicUsize::new(0);

struct Counted;
impl Plugin<Args> for Counted {
    fn load(&self, _: &Args) -> Result<(), BoxError> {
        SLOW_LOADS.fetch_add(1, Ordering::SeqCst);
        // Give the other threads time to pile up behind this load.
        thread::yield_now();
        Ok(())
    }
}
impl Dummy for Counted {
    fn kind(&self) -> &'static str {
        "counted"
    }
    fn load_calls(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

#[test]
fn concurrent_loads_run_the_lifecycle_once() {
    let ns = "test.concurrent";
    let recorder = Arc::new(Recorder::default());
    let manager = Arc::new(
        PluginManager::<dyn Dummy, Args>::builder(ns)
            .finder(vec![
                PluginEntry::of(leak(Spec::new(ns, "counted", || Box::new(Counted)))),
                PluginEntry::of(leak(Spec::new(ns, "load_errors", throws_on_load))),
            ])
            .listener(recorder.clone())
            .build(),
    );
    let barrier = Arc::new(Barrier::new(16));
    let handles: Vec<_> = (0..16)
        .map(|_| {
            let (manager, barrier) = (manager.clone(), barrier.clone());
            thread::spawn(move || {
                barrier.wait();
                let plugin = manager.load("counted").unwrap();
                let error = unwrap_err(manager.load("load_errors"));
                (plugin, error)
            })
        })
        .collect();
    let results: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();

    assert_eq!(SLOW_LOADS.load(Ordering::SeqCst), 1);
    let first = &results[0].0;
    assert!(results.iter().all(|(plugin, _)| Arc::ptr_eq(plugin, first)));
    let failed = manager
        .get_container("load_errors")
        .unwrap()
        .plugin()
        .unwrap();
    assert_eq!(failed.load_calls().len(), 1);
    let cause = results[0].1.cause().unwrap() as *const _ as *const u8;
    assert!(
        results
            .iter()
            .all(|(_, e)| std::ptr::eq(e.cause().unwrap() as *const _ as *const u8, cause))
    );
    let mut events = recorder.events();
    events.sort();
    assert_eq!(
        events,
        [
            "init_after counted",
            "init_after load_errors",
            "load_after counted",
            "load_before counted",
            "load_before load_errors",
            "load_exception load_errors",
            "resolve_after counted",
            "resolve_after load_errors",
        ]
    );
}

/// Loads `then` from `on_load_after` of `first`, and `first` again from its own hook.
struct Chain {
    manager: OnceLock<Weak<PluginManager<dyn Dummy, Args>>>,
    seen: Mutex<Vec<String>>,
}

impl PluginLifecycleListener<dyn Dummy, Args> for Chain {
    fn on_resolve_after(&self, spec: &Spec) {
        // Listing from a resolve hook sees the index being announced.
        let manager = self.manager.get().unwrap().upgrade().unwrap();
        if spec.name() == "first" {
            self.seen
                .lock()
                .unwrap()
                .push(format!("names {:?}", manager.list_names()));
        }
    }
    fn on_load_after(
        &self,
        spec: &Spec,
        _: &Arc<dyn Dummy>,
        _: Option<&plux_runtime::LoadValue>,
    ) -> Result<(), BoxError> {
        if spec.name() == "first" {
            let manager = self.manager.get().unwrap().upgrade().unwrap();
            let then = manager.load("then").map(|p| p.kind().to_owned());
            let me = manager.load("first").err().map(|e| e.to_string());
            let mut seen = self.seen.lock().unwrap();
            seen.push(format!("then {then:?}"));
            seen.push(format!("first {me:?}"));
        }
        Ok(())
    }
}

#[test]
fn listeners_may_call_back_into_their_manager() {
    let ns = "test.reentrant";
    let chain = Arc::new(Chain {
        manager: OnceLock::new(),
        seen: Mutex::new(Vec::new()),
    });
    let manager = Arc::new(
        PluginManager::<dyn Dummy, Args>::builder(ns)
            .finder(vec![
                PluginEntry::of(leak(Spec::new(ns, "first", good))),
                PluginEntry::of(leak(Spec::new(ns, "then", good))),
            ])
            .listener(chain.clone())
            .build(),
    );
    chain.manager.set(Arc::downgrade(&manager)).unwrap();

    manager.load("first").unwrap();

    assert!(manager.is_loaded("then"));
    assert_eq!(
        *chain.seen.lock().unwrap(),
        [
            r#"names ["first", "then"]"#.to_owned(),
            r#"then Ok("good")"#.to_owned(),
            format!(
                "first Some({:?})",
                "plugin test.reentrant:first is already being loaded by this thread; do not load a plugin from its own lifecycle"
            ),
        ]
    );
}

// ---------------------------------------------------------------------------------------------
// Resolution.

pub trait Other: Plugin {}
struct OtherPlugin;
impl Plugin for OtherPlugin {}
impl Other for OtherPlugin {}

static WRONG: PluginSpec<dyn Other> =
    PluginSpec::new("test.resolve", "wrong", || Box::new(OtherPlugin));

#[test]
fn a_spec_of_another_interface_is_a_resolve_error() {
    let ns = "test.resolve";
    let recorder = Arc::new(Recorder::default());
    let manager = PluginManager::<dyn Dummy, Args>::builder(ns)
        .finder(vec![
            PluginEntry::new("tests::WRONG", &WRONG),
            PluginEntry::of(leak(Spec::new(ns, "right", good))),
            PluginEntry::new("tests::DUPLICATE", leak(Spec::new(ns, "right", good))),
        ])
        .listener(recorder.clone())
        .build();

    assert_eq!(manager.list_names(), ["right"]);
    assert!(!manager.exists("wrong"));
    assert_eq!(
        recorder.events(),
        [
            "resolve_after right",
            "resolve_exception wrong",
            "resolve_exception right"
        ]
    );
    let error = unwrap_err(manager.load("wrong"));
    assert!(matches!(&error, PluginError::Resolve { value, .. } if value == "tests::WRONG"));
    let message = error.to_string();
    assert_eq!(
        message,
        format!(
            "cannot resolve plugin test.resolve:wrong (`tests::WRONG`): its interface is `{}`, not `{}`; declare it with the interface of this namespace",
            std::any::type_name::<dyn Other>(),
            std::any::type_name::<dyn Dummy>()
        )
    );
    // The first of two plugins with one name wins.
    assert!(manager.load("right").is_ok());
    assert_eq!(manager.get_container("right").unwrap().value(), "");
}

#[test]
fn the_default_finder_is_the_installed_registry() {
    // No test installs a registry holding this namespace.
    let manager = PluginManager::<dyn Dummy, Args>::new("test.default.finder");
    assert!(manager.list_names().is_empty());
    assert!(manager.load_all().is_empty());
}

#[test]
fn managers_can_be_shared_across_threads() {
    fn shared<T: Send + Sync + 'static>() {}
    shared::<PluginManager<dyn Dummy, Args>>();
    shared::<PluginManager<dyn Plugin>>();
    shared::<plux_runtime::PluginContainer<dyn Dummy>>();
    shared::<PluginError>();
}

// ---------------------------------------------------------------------------------------------
// Hostile panics and finders.

/// A panic payload whose `Drop` panics too (`panic_any` takes any value).
struct Bomb;
impl Drop for Bomb {
    fn drop(&mut self) {
        panic!("payload drop exploded");
    }
}

struct BombInLoad;
impl Plugin<Args> for BombInLoad {
    fn load(&self, _: &Args) -> Result<(), BoxError> {
        std::panic::panic_any(Bomb)
    }
}
impl Dummy for BombInLoad {
    fn kind(&self) -> &'static str {
        "bomb"
    }
    fn load_calls(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

struct BombListener;
impl PluginLifecycleListener<dyn Dummy, Args> for BombListener {
    fn on_load_after(
        &self,
        spec: &Spec,
        _: &Arc<dyn Dummy>,
        _: Option<&plux_runtime::LoadValue>,
    ) -> Result<(), BoxError> {
        if spec.name() == "good" {
            std::panic::panic_any(Bomb);
        }
        Ok(())
    }
}

#[test]
fn a_panic_payload_that_panics_when_dropped_is_contained() {
    let ns = "test.panic.payload";
    let manager = PluginManager::<dyn Dummy, Args>::builder(ns)
        .finder(vec![
            PluginEntry::of(leak(Spec::new(ns, "factory", || {
                std::panic::panic_any(Bomb)
            }))),
            PluginEntry::of(leak(Spec::new(ns, "good", good))),
            PluginEntry::of(leak(Spec::new(ns, "load", || Box::new(BombInLoad)))),
        ])
        .filter(|entry: &PluginEntry| -> bool {
            if entry.name() == "good" {
                std::panic::panic_any(Bomb);
            }
            false
        })
        .listener(BombListener)
        .build();

    let loaded: Vec<_> = manager.load_all().iter().map(|p| p.kind()).collect();
    assert_eq!(loaded, ["good"]);
    let factory = unwrap_err(manager.load("factory"));
    assert_eq!(
        factory.to_string(),
        "plugin test.panic.payload:factory failed to initialize: the factory panicked: <non-string panic payload>"
    );
    let load = unwrap_err(manager.load("load"));
    assert_eq!(panic_message(&load), "<non-string panic payload>");
}

type Manager = PluginManager<dyn Dummy, Args>;

/// Panics, or calls back into its manager, then returns `entries`.
struct HostileFinder {
    panics: bool,
    manager: Arc<OnceLock<Weak<Manager>>>,
    seen: Arc<Mutex<Vec<usize>>>,
    entries: Vec<PluginEntry>,
}

impl plux_runtime::PluginFinder for HostileFinder {
    fn find_plugins(&self, namespace: &str) -> Vec<PluginEntry> {
        if self.panics {
            std::panic::panic_any(Bomb);
        }
        if let Some(manager) = self.manager.get().and_then(Weak::upgrade) {
            let names = manager.list_names().len();
            self.seen.lock().unwrap().push(names);
        }
        self.entries.find_plugins(namespace)
    }
}

fn hostile_finder(ns: &'static str, panics: bool) -> (Arc<Manager>, Arc<Mutex<Vec<usize>>>) {
    let cell = Arc::new(OnceLock::new());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let manager = Arc::new(
        PluginManager::<dyn Dummy, Args>::builder(ns)
            .finder(HostileFinder {
                panics,
                manager: cell.clone(),
                seen: seen.clone(),
                entries: vec![PluginEntry::of(leak(Spec::new(ns, "good", good)))],
            })
            .build(),
    );
    cell.set(Arc::downgrade(&manager)).unwrap();
    (manager, seen)
}

#[test]
fn a_panicking_finder_leaves_its_namespace_empty() {
    let (manager, _) = hostile_finder("test.finder.panics", true);
    assert!(manager.list_names().is_empty());
    assert!(manager.load_all().is_empty());
    assert!(matches!(
        unwrap_err(manager.load("good")),
        PluginError::NotFound { .. }
    ));
}

#[test]
fn a_finder_that_calls_back_into_its_manager_sees_no_plugins() {
    let (manager, seen) = hostile_finder("test.finder.reentrant", false);
    // The finder's own call saw an empty namespace instead of waiting for itself.
    assert_eq!(manager.list_names(), ["good"]);
    assert_eq!(*seen.lock().unwrap(), [0]);
    assert!(manager.load("good").is_ok());
    // The finder was asked once.
    assert_eq!(manager.list_names(), ["good"]);
    assert_eq!(seen.lock().unwrap().len(), 1);
}

/// An error whose `Display` panics.
#[derive(Debug)]
struct Unprintable;
impl std::fmt::Display for Unprintable {
    fn fmt(&self, _: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        panic!("display exploded")
    }
}
impl std::error::Error for Unprintable {}

struct FailsUnprintably;
impl Plugin<Args> for FailsUnprintably {
    fn load(&self, _: &Args) -> Result<(), BoxError> {
        Err(Box::new(Unprintable))
    }
}
impl Dummy for FailsUnprintably {
    fn kind(&self) -> &'static str {
        "unprintable"
    }
    fn load_calls(&self) -> Vec<&'static str> {
        Vec::new()
    }
}

/// Formats every record, as real loggers do, and prints nothing; panics on records about the
/// namespace `test.panicking.logger`.
struct Formatting;
impl log::Log for Formatting {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }
    fn log(&self, record: &log::Record<'_>) {
        let text = record.args().to_string();
        assert!(
            !text.contains(PANICKING_LOGGER),
            "the logger exploded on: {text}"
        );
        if text.contains("did you mean") {
            SUGGESTIONS.lock().unwrap().push(text);
        }
    }
    fn flush(&self) {}
}

const PANICKING_LOGGER: &str = "test.panicking.logger";

/// The "did you mean" warnings logged.
static SUGGESTIONS: Mutex<Vec<String>> = Mutex::new(Vec::new());

#[test]
fn a_namespace_with_no_plugins_suggests_a_close_one() {
    let _ = log::set_logger(&Formatting);
    log::set_max_level(log::LevelFilter::Warn);
    let ns = "test.typo.services";
    let finder = vec![PluginEntry::of(leak(Spec::new(ns, "good", good)))];
    let typo = PluginManager::<dyn Dummy, Args>::builder("test.typo.service")
        .finder(finder.clone())
        .build();
    assert!(typo.list_names().is_empty());
    let far = PluginManager::<dyn Dummy, Args>::builder("test.elsewhere")
        .finder(finder)
        .build();
    assert!(far.list_names().is_empty());
    let lines: Vec<String> = SUGGESTIONS
        .lock()
        .unwrap()
        .iter()
        .filter(|l| l.contains("test.typo") || l.contains("test.elsewhere"))
        .cloned()
        .collect();
    assert_eq!(
        lines,
        ["namespace `test.typo.service` has no plugins; did you mean `test.typo.services`?"]
    );
}

#[test]
fn a_panicking_logger_is_contained() {
    let _ = log::set_logger(&Formatting);
    log::set_max_level(log::LevelFilter::Warn);
    let ns = PANICKING_LOGGER;
    let manager = PluginManager::<dyn Dummy, Args>::builder(ns)
        .finder(vec![
            PluginEntry::of(leak(Spec::new(ns, "good", good))),
            PluginEntry::of(leak(Spec::new(ns, "bad", || {
                DummyPlugin::boxed("bad", true, true)
            }))),
            PluginEntry::of(leak(Spec::new(ns, "bad", good))),
        ])
        .build();
    // Every warning about this namespace (the duplicate, the load error) makes the logger
    // panic: the records are lost, the manager goes on.
    let loaded: Vec<_> = manager.load_all().iter().map(|p| p.kind()).collect();
    assert_eq!(loaded, ["good"]);
    assert!(matches!(
        unwrap_err(manager.load("bad")),
        PluginError::Load { .. }
    ));
    assert!(manager.is_loaded("good"));
}

#[test]
fn an_error_whose_display_panics_is_contained_when_logged() {
    // The whole test binary logs through it from now on (other tests format their warnings too).
    let _ = log::set_logger(&Formatting);
    log::set_max_level(log::LevelFilter::Warn);
    let ns = "test.panic.display";
    let recorder = Arc::new(Recorder::default());
    let manager = PluginManager::<dyn Dummy, Args>::builder(ns)
        .finder(vec![
            PluginEntry::of(leak(Spec::new(ns, "good", good))),
            PluginEntry::of(leak(Spec::fallible(ns, "init", || {
                Err(Box::new(Unprintable))
            }))),
            PluginEntry::of(leak(Spec::new(ns, "load", || Box::new(FailsUnprintably)))),
        ])
        .listener(recorder.clone())
        .build();

    let loaded: Vec<_> = manager.load_all().iter().map(|p| p.kind()).collect();
    assert_eq!(loaded, ["good"]);
    let init = unwrap_err(manager.load("init"));
    assert!(matches!(init, PluginError::Init { .. }));
    assert!(
        init.cause()
            .unwrap()
            .downcast_ref::<Unprintable>()
            .is_some()
    );
    assert!(matches!(
        unwrap_err(manager.load("load")),
        PluginError::Load { .. }
    ));
    let events = recorder.events();
    assert!(
        events.contains(&"init_exception init".to_owned()),
        "{events:?}"
    );
    assert!(
        events.contains(&"load_exception load".to_owned()),
        "{events:?}"
    );
}
