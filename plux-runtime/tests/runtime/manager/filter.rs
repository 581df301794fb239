//! Filters: a manager's own, and the global one (Python plux's `TestGlobalPluginFilter`).

use super::*;
use plux_runtime::{MatchingPluginFilter, PluginPattern, global_plugin_filter};

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

#[test]
fn a_panicking_filter_is_ignored() {
    let ns = "test.filter.panics";
    let manager = PluginManager::<dyn Dummy, Args>::builder(ns)
        .finder(vec![PluginEntry::of(leak(Spec::new(ns, "a", good)))])
        .filter(|_: &PluginEntry| -> bool { panic!("filter exploded") })
        .filter(|entry: &PluginEntry| entry.name() == "b")
        .build();
    assert!(manager.load("a").is_ok());
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
