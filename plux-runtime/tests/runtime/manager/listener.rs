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
