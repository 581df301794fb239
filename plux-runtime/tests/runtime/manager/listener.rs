//! Listeners that disable or fail plugins (Python plux's `tests/test_listener.py`).

use super::*;
use plux_runtime::Disabled;

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
    fn on_load_after(
        &self,
        spec: &Spec,
        _: &Arc<dyn Dummy>,
        _: Option<&plux_runtime::LoadValue>,
    ) -> Result<(), BoxError> {
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

/// What a plugin's load produced reaches `on_load_after` and stays in its container (Python
/// plux's `load_result` / `load_value`); a plugin that only implements `load` produces none.
#[test]
fn the_load_value_reaches_on_load_after_and_the_container() {
    struct Valued;
    impl Plugin<Args> for Valued {
        fn load_value(&self, args: &Args) -> Result<Option<plux_runtime::LoadValue>, BoxError> {
            Ok(Some(Arc::new(format!("loaded with {}", args.foo))))
        }
    }
    impl Dummy for Valued {
        fn kind(&self) -> &'static str {
            "valued"
        }
        fn load_calls(&self) -> Vec<&'static str> {
            Vec::new()
        }
    }
    #[derive(Default)]
    struct Values(Mutex<Vec<Option<String>>>);
    impl PluginLifecycleListener<dyn Dummy, Args> for Values {
        fn on_load_after(
            &self,
            _: &Spec,
            _: &Arc<dyn Dummy>,
            value: Option<&plux_runtime::LoadValue>,
        ) -> Result<(), BoxError> {
            let value = value.and_then(|v| v.downcast_ref::<String>()).cloned();
            self.0.lock().unwrap().push(value);
            Ok(())
        }
    }
    let ns = "test.load_value";
    let values = Arc::new(Values::default());
    let manager = PluginManager::builder_with_args(ns, Args { foo: "bar" })
        .finder(vec![
            PluginEntry::of(leak(Spec::new(ns, "plain", good))),
            PluginEntry::of(leak(Spec::new(ns, "valued", || Box::new(Valued)))),
        ])
        .listener(values.clone())
        .build();
    assert_eq!(manager.load_all().len(), 2);
    assert_eq!(
        *values.0.lock().unwrap(),
        [None, Some("loaded with bar".to_owned())]
    );
    let container = manager.get_container("valued").unwrap();
    let value = container.load_value().unwrap();
    assert_eq!(value.downcast_ref::<String>().unwrap(), "loaded with bar");
    assert!(
        manager
            .get_container("plain")
            .unwrap()
            .load_value()
            .is_none()
    );
}
