//! `PluginManager`, listeners and filters: the behaviour of Python plux's `tests/test_manager.py`
//! and `tests/test_listener.py`, plus containment, concurrency and re-entrance.
//!
//! Every test uses its own namespace: the global filter is shared by the whole test binary.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier, Mutex, OnceLock, Weak};
use std::thread;

use plux_runtime::{
    BoxError, Disabled, MatchingPluginFilter, Panicked, Plugin, PluginEntry, PluginError,
    PluginLifecycleListener, PluginManager, PluginPattern, PluginSpec, global_plugin_filter,
};

// ---------------------------------------------------------------------------------------------
// The dummy plugins of Python plux's tests.

/// The load arguments (Python's `load_kwargs={"foo": "bar"}`).
#[derive(Debug, Default)]
pub struct Args {
    pub foo: &'static str,
}

/// The namespace interface of the tests.
pub trait Dummy: Plugin<Args> {
    fn kind(&self) -> &'static str;
    /// The `foo` of every `load` call.
    fn load_calls(&self) -> Vec<&'static str>;
}

pub struct DummyPlugin {
    kind: &'static str,
    should_load: bool,
    fail_load: bool,
    calls: Mutex<Vec<&'static str>>,
}

impl DummyPlugin {
    fn boxed(kind: &'static str, should_load: bool, fail_load: bool) -> Box<dyn Dummy> {
        Box::new(Self {
            kind,
            should_load,
            fail_load,
            calls: Mutex::new(Vec::new()),
        })
    }
}

impl Plugin<Args> for DummyPlugin {
    fn should_load(&self) -> bool {
        self.should_load
    }

    fn load(&self, args: &Args) -> Result<(), BoxError> {
        self.calls.lock().unwrap().push(args.foo);
        if self.fail_load {
            return Err("controlled load fail".into());
        }
        Ok(())
    }
}

impl Dummy for DummyPlugin {
    fn kind(&self) -> &'static str {
        self.kind
    }
    fn load_calls(&self) -> Vec<&'static str> {
        self.calls.lock().unwrap().clone()
    }
}

fn good() -> Box<dyn Dummy> {
    DummyPlugin::boxed("good", true, false)
}
fn should_not_load() -> Box<dyn Dummy> {
    DummyPlugin::boxed("should_not_load", false, false)
}
fn throws_on_load() -> Box<dyn Dummy> {
    DummyPlugin::boxed("throws_on_load", true, true)
}
fn throws_on_init() -> Result<Box<dyn Dummy>, BoxError> {
    Err("controlled init fail".into())
}

type Spec = PluginSpec<dyn Dummy>;

fn leak(spec: Spec) -> &'static Spec {
    Box::leak(Box::new(spec))
}

/// Python's `dummy_plugin_finder` fixture, in namespace `ns` (plus one plugin of another one).
fn dummy_finder(ns: &'static str) -> Vec<PluginEntry> {
    vec![
        PluginEntry::of(leak(Spec::new(ns, "shouldload", good))),
        PluginEntry::of(leak(Spec::new(ns, "shouldnotload", should_not_load))),
        PluginEntry::of(leak(Spec::new(ns, "load_errors", throws_on_load))),
        PluginEntry::of(leak(Spec::fallible(ns, "init_errors", throws_on_init))),
        PluginEntry::of(leak(Spec::new(ns, "shouldalsoload", good))),
        PluginEntry::of(leak(Spec::new("test.plugins.others", "shouldload", good))),
    ]
}

fn manager(ns: &'static str) -> PluginManager<dyn Dummy, Args> {
    PluginManager::builder(ns).finder(dummy_finder(ns)).build()
}

fn unwrap_err<T>(result: Result<T, PluginError>) -> PluginError {
    match result {
        Ok(_) => panic!("expected an error"),
        Err(error) => error,
    }
}

// ---------------------------------------------------------------------------------------------
// A listener that records every hook as "hook name".

#[derive(Default)]
struct Recorder {
    events: Mutex<Vec<String>>,
}

impl Recorder {
    fn record(&self, hook: &str, name: &str) {
        self.events.lock().unwrap().push(format!("{hook} {name}"));
    }
    fn events(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }
}

impl<P: ?Sized + 'static, A> PluginLifecycleListener<P, A> for Recorder {
    fn on_resolve_exception(&self, _: &str, entry: &PluginEntry, _: &PluginError) {
        self.record("resolve_exception", entry.name());
    }
    fn on_resolve_after(&self, spec: &PluginSpec<P>) {
        self.record("resolve_after", spec.name());
    }
    fn on_init_exception(&self, spec: &PluginSpec<P>, _: &PluginError) {
        self.record("init_exception", spec.name());
    }
    fn on_init_after(&self, spec: &PluginSpec<P>, _: &Arc<P>) -> Result<(), BoxError> {
        self.record("init_after", spec.name());
        Ok(())
    }
    fn on_load_before(&self, spec: &PluginSpec<P>, _: &Arc<P>, _: &A) -> Result<(), BoxError> {
        self.record("load_before", spec.name());
        Ok(())
    }
    fn on_load_after(&self, spec: &PluginSpec<P>, _: &Arc<P>) -> Result<(), BoxError> {
        self.record("load_after", spec.name());
        Ok(())
    }
    fn on_load_exception(&self, spec: &PluginSpec<P>, _: &Arc<P>, _: &PluginError) {
        self.record("load_exception", spec.name());
    }
}

// ---------------------------------------------------------------------------------------------
// test_manager.py

#[test]
fn load_all_returns_the_good_plugins_in_name_order() {
    let manager = manager("test.manager.load_all");
    for name in [
        "shouldload",
        "shouldalsoload",
        "shouldnotload",
        "load_errors",
        "init_errors",
    ] {
        assert!(!manager.is_loaded(name), "{name}");
    }

    let plugins = manager.load_all();

    assert!(manager.is_loaded("shouldload"));
    assert!(manager.is_loaded("shouldalsoload"));
    for name in ["shouldnotload", "load_errors", "init_errors"] {
        assert!(!manager.is_loaded(name), "{name}");
    }
    let kinds: Vec<_> = plugins.iter().map(|p| p.kind()).collect();
    assert_eq!(kinds, ["good", "good"]);
    // Sorted by name: shouldalsoload before shouldload.
    assert!(Arc::ptr_eq(
        &plugins[0],
        &manager.load("shouldalsoload").unwrap()
    ));
    assert!(Arc::ptr_eq(
        &plugins[1],
        &manager.load("shouldload").unwrap()
    ));
}

#[test]
fn list_names_and_exists_cover_the_namespace_only() {
    let manager = manager("test.manager.list");
    assert_eq!(
        manager.list_names(),
        [
            "init_errors",
            "load_errors",
            "shouldalsoload",
            "shouldload",
            "shouldnotload"
        ]
    );
    let specs: Vec<_> = manager
        .list_plugin_specs()
        .iter()
        .map(|s| s.name())
        .collect();
    assert_eq!(specs, manager.list_names());
    for name in manager.list_names() {
        assert!(manager.exists(name));
    }
    assert!(!manager.exists("foobar"));
    let containers: Vec<_> = manager.list_containers().iter().map(|c| c.name()).collect();
    assert_eq!(containers, manager.list_names());
    // Nothing was made by listing.
    assert!(manager.list_containers().iter().all(|c| !c.is_init()));
}

#[test]
fn load_runs_once_with_the_load_args() {
    let ns = "test.manager.load_once";
    let manager = PluginManager::<dyn Dummy, Args>::builder_with_args(ns, Args { foo: "bar" })
        .finder(vec![
            PluginEntry::of(leak(Spec::new(ns, "shouldload", good))),
            PluginEntry::of(leak(Spec::new(ns, "shouldalsoload", good))),
        ])
        .build();

    let plugins = manager.load_all();
    assert_eq!(plugins.len(), 2);
    assert_eq!(plugins[0].load_calls(), ["bar"]);
    assert_eq!(plugins[1].load_calls(), ["bar"]);

    let again = manager.load_all();
    assert!(Arc::ptr_eq(&plugins[0], &again[0]));
    assert_eq!(plugins[0].load_calls(), ["bar"]);
    assert_eq!(plugins[1].load_calls(), ["bar"]);
    assert_eq!(manager.load("shouldload").unwrap().load_calls(), ["bar"]);
}

#[test]
fn unknown_names_are_not_found() {
    let manager = PluginManager::<dyn Dummy, Args>::builder("test.plugins.dummy")
        .finder(Vec::new())
        .build();
    let error = unwrap_err(manager.load("foo"));
    assert!(matches!(&error, PluginError::NotFound { name, .. } if name == "foo"));
    assert_eq!(
        error.to_string(),
        "no plugin named foo in namespace test.plugins.dummy"
    );
    assert_eq!(
        unwrap_err(manager.get_container("foo")).to_string(),
        error.to_string()
    );
    assert!(!manager.is_loaded("foo"));
    assert!(manager.list_names().is_empty());
}

#[test]
fn containers_record_init_and_load_errors() {
    let manager = manager("test.manager.containers");
    let container = |name| manager.get_container(name).unwrap();
    let (shouldload, shouldnotload, load_errors, init_errors, shouldalsoload) = (
        container("shouldload"),
        container("shouldnotload"),
        container("load_errors"),
        container("init_errors"),
        container("shouldalsoload"),
    );

    manager.load_all();

    for c in [&shouldload, &shouldnotload, &load_errors, &shouldalsoload] {
        assert!(c.init_error().is_none(), "{c:?}");
        assert!(c.is_init(), "{c:?}");
    }
    let init_error = init_errors.init_error().unwrap();
    assert!(matches!(init_error, PluginError::Init { .. }));
    assert_eq!(
        init_error.cause().unwrap().to_string(),
        "controlled init fail"
    );
    assert!(!init_errors.is_init() && init_errors.plugin().is_none());

    for c in [&shouldload, &shouldnotload, &init_errors, &shouldalsoload] {
        assert!(c.load_error().is_none(), "{c:?}");
    }
    let load_error = load_errors.load_error().unwrap();
    assert!(matches!(load_error, PluginError::Load { .. }));
    assert_eq!(
        load_error.to_string(),
        "plugin test.manager.containers:load_errors failed to load: controlled load fail"
    );
    assert_eq!(load_errors.plugin().unwrap().load_calls().len(), 1);

    assert!(shouldnotload.is_disabled());
    assert_eq!(
        shouldnotload.disabled_reason().as_deref(),
        Some("Load condition for plugin was false")
    );
    assert!(!shouldload.is_disabled() && !shouldload.is_loading());
    assert_eq!(shouldload.namespace(), "test.manager.containers");
    assert!(Arc::ptr_eq(
        &shouldload.plugin().unwrap(),
        &manager.load("shouldload").unwrap()
    ));
}

#[test]
fn try_load_all_returns_the_first_failure() {
    let ns = "test.manager.propagate";
    let manager = PluginManager::<dyn Dummy, Args>::builder(ns)
        .finder(vec![
            PluginEntry::of(leak(Spec::new(ns, "a_disabled", should_not_load))),
            PluginEntry::of(leak(Spec::new(ns, "load_errors", throws_on_load))),
            PluginEntry::of(leak(Spec::new(ns, "z_good", good))),
        ])
        .build();
    let error = unwrap_err(manager.try_load_all());
    assert!(
        error.to_string().ends_with("controlled load fail"),
        "{error}"
    );
    assert_eq!(error.name(), "load_errors");
    // It stopped there, as Python's `load_all(propagate_exceptions=True)` does.
    assert!(!manager.is_loaded("z_good"));
    assert_eq!(manager.load_all().len(), 1);
}

static OFF_FACTORY_CALLS: AtomicUsize = AtomicUsize::new(0);

#[test]
fn a_disabled_plugin_errors_with_its_reason_every_time() {
    let ns = "test.manager.disabled";
    fn off() -> Box<dyn Dummy> {
        OFF_FACTORY_CALLS.fetch_add(1, Ordering::SeqCst);
        should_not_load()
    }
    let manager = PluginManager::<dyn Dummy, Args>::builder(ns)
        .finder(vec![PluginEntry::of(leak(Spec::new(
            ns,
            "shouldnotload",
            off,
        )))])
        .build();
    for _ in 0..2 {
        let error = unwrap_err(manager.load("shouldnotload"));
        assert!(
            matches!(&error, PluginError::Disabled { namespace, name, reason }
            if namespace == ns && name == "shouldnotload" && reason == "Load condition for plugin was false")
        );
        assert_eq!(
            error.to_string(),
            "plugin test.manager.disabled:shouldnotload is disabled, reason: Load condition for plugin was false"
        );
    }
    assert_eq!(OFF_FACTORY_CALLS.load(Ordering::SeqCst), 1);
    assert!(manager.load_all().is_empty());
}

#[test]
fn listener_hooks_fire_in_lifecycle_order() {
    let recorder = Arc::new(Recorder::default());
    let ns = "test.manager.listener";
    let manager = PluginManager::<dyn Dummy, Args>::builder(ns)
        .finder(dummy_finder(ns))
        .listener(recorder.clone())
        .build();
    manager.load_all();
    manager.load_all();
    assert_eq!(
        recorder.events(),
        [
            "resolve_after init_errors",
            "resolve_after load_errors",
            "resolve_after shouldalsoload",
            "resolve_after shouldload",
            "resolve_after shouldnotload",
            "init_exception init_errors",
            "init_after load_errors",
            "load_before load_errors",
            "load_exception load_errors",
            "init_after shouldalsoload",
            "load_before shouldalsoload",
            "load_after shouldalsoload",
            "init_after shouldload",
            "load_before shouldload",
            "load_after shouldload",
            "init_after shouldnotload",
        ]
    );
}

#[test]
fn listeners_added_later_see_later_hooks_and_every_listener_is_called() {
    let ns = "test.manager.add_listener";
    let first = Arc::new(Recorder::default());
    let second = Arc::new(Recorder::default());
    let manager = PluginManager::<dyn Dummy, Args>::builder(ns)
        .finder(vec![
            PluginEntry::of(leak(Spec::new(ns, "a", good))),
            PluginEntry::of(leak(Spec::new(ns, "b", good))),
        ])
        .listener(first.clone())
        .build();
    manager.load("a").unwrap();
    manager.add_listener(second.clone());
    manager.load("b").unwrap();
    assert_eq!(first.events().len(), 2 + 3 + 3);
    assert_eq!(
        second.events(),
        ["init_after b", "load_before b", "load_after b"]
    );
}

// ---------------------------------------------------------------------------------------------
// test_listener.py: listeners that disable or fail plugins.

/// Returns `error()` from `hook` for `plugin2`.
struct Veto {
    hook: &'static str,
    error: fn() -> BoxError,
}

impl Veto {
    fn check(&self, hook: &str, spec: &Spec) -> Result<(), BoxError> {
        if hook == self.hook && spec.name() == "plugin2" {
            return Err((self.error)());
        }
        Ok(())
    }
}

impl PluginLifecycleListener<dyn Dummy, Args> for Veto {
    fn on_init_after(&self, spec: &Spec, _: &Arc<dyn Dummy>) -> Result<(), BoxError> {
        self.check("init_after", spec)
    }
    fn on_load_before(&self, spec: &Spec, _: &Arc<dyn Dummy>, _: &Args) -> Result<(), BoxError> {
        self.check("load_before", spec)
    }
    fn on_load_after(&self, spec: &Spec, _: &Arc<dyn Dummy>) -> Result<(), BoxError> {
        self.check("load_after", spec)
    }
}

fn vetoed(ns: &'static str, veto: Veto) -> (PluginManager<dyn Dummy, Args>, Arc<Recorder>) {
    let recorder = Arc::new(Recorder::default());
    let manager = PluginManager::builder(ns)
        .finder(vec![
            PluginEntry::of(leak(Spec::new(ns, "plugin1", good))),
            PluginEntry::of(leak(Spec::new(ns, "plugin2", good))),
        ])
        .listener(veto)
        .listener(recorder.clone())
        .build();
    (manager, recorder)
}

#[test]
fn on_init_after_can_disable_a_plugin() {
    let veto = Veto {
        hook: "init_after",
        error: || Disabled::new("decided during init").into(),
    };
    let (manager, recorder) = vetoed("test.listener.init_disable", veto);
    assert_eq!(manager.load_all().len(), 1);
    let error = unwrap_err(manager.load("plugin2"));
    assert_eq!(error.disabled_reason(), Some("decided during init"));
    // The first listener vetoed: the recorder never saw plugin2's `on_init_after`.
    assert!(
        !recorder
            .events()
            .iter()
            .any(|e| e.ends_with("plugin2") && !e.starts_with("resolve"))
    );
}

#[test]
fn on_load_before_can_disable_a_plugin() {
    let veto = Veto {
        hook: "load_before",
        error: || Disabled::new("decided during load").into(),
    };
    let (manager, _) = vetoed("test.listener.load_disable", veto);
    assert_eq!(manager.load_all().len(), 1);
    let error = unwrap_err(manager.load("plugin2"));
    assert!(
        error.to_string().ends_with("reason: decided during load"),
        "{error}"
    );
}

#[test]
fn an_error_from_on_load_after_fails_the_load() {
    let veto = Veto {
        hook: "load_after",
        error: || "error loading plugin 2".into(),
    };
    let (manager, recorder) = vetoed("test.listener.load_after_error", veto);
    assert_eq!(manager.load_all().len(), 1);
    let error = unwrap_err(manager.load("plugin2"));
    assert!(matches!(error, PluginError::Load { .. }));
    assert!(
        error.to_string().ends_with("error loading plugin 2"),
        "{error}"
    );
    assert!(
        recorder
            .events()
            .contains(&"load_exception plugin2".to_owned())
    );
}

#[test]
fn an_error_from_on_init_after_fails_the_init() {
    let veto = Veto {
        hook: "init_after",
        error: || "no".into(),
    };
    let (manager, recorder) = vetoed("test.listener.init_error", veto);
    assert!(matches!(
        unwrap_err(manager.load("plugin2")),
        PluginError::Init { .. }
    ));
    assert_eq!(recorder.events().last().unwrap(), "init_exception plugin2");
}

// ---------------------------------------------------------------------------------------------
// Filters.

static FILTERED_FACTORY_CALLS: AtomicUsize = AtomicUsize::new(0);

#[test]
fn filters_disable_plugins_before_their_factory_runs() {
    let ns = "test.filter.own";
    fn counted() -> Box<dyn Dummy> {
        FILTERED_FACTORY_CALLS.fetch_add(1, Ordering::SeqCst);
        good()
    }
    let recorder = Arc::new(Recorder::default());
    let matching = MatchingPluginFilter::new();
    matching
        .add_pattern(PluginPattern::new().name("matched"))
        .unwrap();
    let manager = PluginManager::<dyn Dummy, Args>::builder(ns)
        .finder(vec![
            PluginEntry::of(leak(Spec::new(ns, "closure", counted))),
            PluginEntry::of(leak(Spec::new(ns, "kept", good))),
            PluginEntry::of(leak(Spec::new(ns, "matched", counted))),
        ])
        .filter(|entry: &PluginEntry| entry.name() == "closure")
        .filter(matching)
        .listener(recorder.clone())
        .build();

    let loaded: Vec<_> = manager.load_all().iter().map(|p| p.kind()).collect();
    assert_eq!(loaded, ["good"]);
    assert_eq!(FILTERED_FACTORY_CALLS.load(Ordering::SeqCst), 0);
    let reason = unwrap_err(manager.load("matched"))
        .disabled_reason()
        .unwrap()
        .to_owned();
    assert!(
        reason.starts_with("A plugin filter disabled this plugin before it was initialized"),
        "{reason}"
    );
    assert!(reason.contains("MatchingPluginFilter"), "{reason}");
    let events = recorder.events();
    assert!(
        !events
            .iter()
            .any(|e| e.starts_with("init") && !e.ends_with("kept")),
        "{events:?}"
    );
}

/// Python's `TestGlobalPluginFilter`, each case on namespaces no other test uses.
#[test]
fn the_global_filter_disables_by_namespace_name_and_value() {
    let global = global_plugin_filter();

    let disabled_ns = manager("test.global.namespace.dummy");
    global
        .add_pattern(PluginPattern::new().namespace("test.global.namespace.*"))
        .unwrap();
    disabled_ns.load_all();
    assert!(!disabled_ns.is_loaded("shouldload") && !disabled_ns.is_loaded("shouldalsoload"));
    let reason = unwrap_err(disabled_ns.load("shouldload"))
        .disabled_reason()
        .unwrap()
        .to_owned();
    assert!(
        reason.contains("`global_plugin_filter`, namespace `test.global.namespace.*`"),
        "{reason}"
    );

    let other_ns = manager("test.global.nomatch.dummy");
    global
        .add_pattern(PluginPattern::new().namespace("test.global.nomatch.dummy.*"))
        .unwrap();
    other_ns.load_all();
    assert!(other_ns.is_loaded("shouldload") && other_ns.is_loaded("shouldalsoload"));

    let by_name = manager("test.global.name.dummy");
    global
        .add_pattern(
            PluginPattern::new()
                .namespace("test.global.name.*")
                .name("*also*"),
        )
        .unwrap();
    by_name.load_all();
    assert!(by_name.is_loaded("shouldload") && !by_name.is_loaded("shouldalsoload"));

    let ns = "test.global.value.dummy";
    let by_value = PluginManager::<dyn Dummy, Args>::builder(ns)
        .finder(vec![
            PluginEntry::new(
                "global_value_test::plugins::A",
                leak(Spec::new(ns, "shouldload", good)),
            ),
            PluginEntry::new(
                "global_value_test::plugins::B",
                leak(Spec::new(ns, "shouldalsoload", good)),
            ),
            PluginEntry::new("elsewhere::C", leak(Spec::new(ns, "other", good))),
        ])
        .build();
    global
        .add_pattern(PluginPattern::new().value("global_value_test::*"))
        .unwrap();
    by_value.load_all();
    assert!(!by_value.is_loaded("shouldload") && !by_value.is_loaded("shouldalsoload"));
    assert!(by_value.is_loaded("other"));
}

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
    fn on_load_after(&self, _: &Spec, _: &Arc<dyn Dummy>) -> Result<(), BoxError> {
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
    fn on_load_after(&self, spec: &Spec, _: &Arc<dyn Dummy>) -> Result<(), BoxError> {
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
