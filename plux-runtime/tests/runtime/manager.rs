//! `PluginManager`, listeners and filters: the behaviour of Python plux's `tests/test_manager.py`
//! and `tests/test_listener.py`, plus containment, concurrency and re-entrance.
//!
//! Every test uses its own namespace: the global filter is shared by the whole test binary.

mod filter;
mod listener;
mod robustness;

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use plux_runtime::{
    BoxError, Plugin, PluginEntry, PluginError, PluginLifecycleListener, PluginManager, PluginSpec,
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
    fn on_load_after(
        &self,
        spec: &PluginSpec<P>,
        _: &Arc<P>,
        _: Option<&plux_runtime::LoadValue>,
    ) -> Result<(), BoxError> {
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

/// What `on_load_after` was given: the name, the spec's address and the plugin.
type Call = (&'static str, usize, Arc<dyn Dummy>);

/// Keeps what `on_load_after` was given.
#[derive(Default)]
struct Captured(Mutex<Vec<Call>>);

impl PluginLifecycleListener<dyn Dummy, Args> for Captured {
    fn on_load_after(
        &self,
        spec: &Spec,
        plugin: &Arc<dyn Dummy>,
        _: Option<&plux_runtime::LoadValue>,
    ) -> Result<(), BoxError> {
        let address = std::ptr::from_ref(spec) as usize;
        self.0
            .lock()
            .unwrap()
            .push((spec.name(), address, plugin.clone()));
        Ok(())
    }
}

/// Python's `listener.on_load_after.assert_called_with(container.plugin_spec, container.plugin)`.
#[test]
fn hooks_get_the_containers_spec_and_plugin() {
    let ns = "test.manager.hook_args";
    let captured = Arc::new(Captured::default());
    let manager = PluginManager::<dyn Dummy, Args>::builder(ns)
        .finder(dummy_finder(ns))
        .listener(captured.clone())
        .build();
    manager.load_all();
    let calls = captured.0.lock().unwrap();
    let names: Vec<_> = calls.iter().map(|(name, _, _)| *name).collect();
    assert_eq!(names, ["shouldalsoload", "shouldload"]);
    for (name, spec, plugin) in calls.iter() {
        let container = manager.get_container(name).unwrap();
        assert_eq!(
            *spec,
            std::ptr::from_ref(container.spec().unwrap()) as usize
        );
        assert!(Arc::ptr_eq(plugin, &container.plugin().unwrap()));
    }
}
