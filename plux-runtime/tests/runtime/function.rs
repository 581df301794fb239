//! Function plugins: `#[plugin]` on a `fn` and `FunctionPlugin` (the behaviour of Python
//! plux's `@plugin` and `FunctionPlugin`, `tests/test_function_plugin.py`).
// The tests spell out interface types the way users write them.
#![allow(clippy::type_complexity)]

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use plux_runtime::__private::{Declared, DeclaredProbe, NotDeclared as _, key, with_value};
use plux_runtime::{
    BoxError, FunctionPlugin, Plugin, PluginEntry, PluginFinder, PluginManager, PluginSpec, plugin,
};

pub struct Runtime {
    pub name: &'static str,
}

/// The entry generated registry code makes for an attribute-declared plugin.
fn entry<T: Declared<KEY> + ?Sized, const KEY: u64>() -> PluginEntry {
    with_value(DeclaredProbe::<T, KEY>::ENTRY, "").unwrap()
}

/// The plugins of `namespace` a finder has, made by their specs, with their names.
fn create_all<P: ?Sized + 'static>(
    finder: &dyn PluginFinder,
    namespace: &str,
) -> Vec<(&'static str, Arc<P>)> {
    finder
        .find_plugins(namespace)
        .iter()
        .map(|entry| {
            (
                entry.name(),
                Arc::from(entry.spec::<P>().unwrap().create().unwrap()),
            )
        })
        .collect()
}

// The two function plugins of Python plux's `namespace_3`.
mod sample {
    use super::plugin;

    #[plugin(namespace = "namespace_3")]
    pub fn plugin_3() -> String {
        "foobar".into()
    }

    #[plugin(namespace = "namespace_3", name = "plugin_4")]
    pub fn another_function() -> String {
        "another".into()
    }
}

type Nullary = FunctionPlugin<fn() -> String>;

#[test]
fn function_plugins_are_callable_like_the_function() {
    let finder = vec![
        entry::<sample::plugin_3, { key("namespace_3", "plugin_3") }>(),
        entry::<sample::another_function, { key("namespace_3", "plugin_4") }>(),
    ];
    let plugins = create_all::<Nullary>(&finder, "namespace_3");
    let names: Vec<_> = plugins.iter().map(|(name, _)| *name).collect();
    assert_eq!(names, ["plugin_3", "plugin_4"]);
    assert_eq!((plugins[0].1)(), "foobar");
    assert_eq!((plugins[1].1)(), "another");
    let plugin_3: &Arc<Nullary> = &plugins[0].1;
    assert_eq!(plugin_3(), "foobar");
    assert_eq!(plugin_3.function()(), "foobar");
}

#[plugin(namespace = "localstack.configurators")]
pub fn configure_logging(runtime: &Runtime) -> String {
    format!("logging for {}", runtime.name)
}

#[test]
fn elided_lifetimes_give_the_interface_written_by_hand() {
    let entry =
        entry::<configure_logging, { key("localstack.configurators", "configure_logging") }>();
    assert_eq!(entry.name(), "configure_logging");
    // The interface a user names for `fn configure_logging(runtime: &Runtime) -> String`:
    let spec: &PluginSpec<FunctionPlugin<fn(&Runtime) -> String>> = entry.spec().unwrap();
    let plugin: Arc<FunctionPlugin<fn(&Runtime) -> String>> = Arc::from(spec.create().unwrap());
    assert_eq!(plugin(&Runtime { name: "demo" }), "logging for demo");
}

#[plugin(namespace = "demo.lifetimes")]
fn first<'a>(bytes: &'a [u8], _fallback: &u8) -> Option<&'a u8> {
    bytes.first()
}

#[test]
fn lifetime_parameters_become_higher_ranked() {
    let spec: &PluginSpec<FunctionPlugin<for<'a> fn(&'a [u8], &u8) -> Option<&'a u8>>> =
        entry::<first, { key("demo.lifetimes", "first") }>()
            .spec()
            .unwrap();
    assert_eq!(spec.create().unwrap()(b"xy", &0), Some(&b'x'));
}

#[plugin(namespace = "demo.keywords")]
pub fn r#type() -> &'static str {
    "raw"
}

#[test]
fn raw_identifier_names_the_plugin_without_r_hash() {
    let entry = entry::<r#type, { key("demo.keywords", "type") }>();
    assert_eq!(entry.name(), "type");
    let spec: &PluginSpec<FunctionPlugin<fn() -> &'static str>> = entry.spec().unwrap();
    assert_eq!(spec.create().unwrap()(), "raw");
}

#[plugin(namespace = "demo.conditions", should_load = false)]
fn disabled() {}

#[plugin(namespace = "demo.conditions", should_load = true)]
fn enabled() {}

static ASKED: AtomicUsize = AtomicUsize::new(0);

fn ask() -> bool {
    ASKED.fetch_add(1, Ordering::SeqCst).is_multiple_of(2)
}

#[plugin(namespace = "demo.conditions", should_load = ask)]
fn conditional() {}

#[test]
fn should_load_honours_a_bool_or_asks_the_function_each_time() {
    let finder = vec![
        entry::<conditional, { key("demo.conditions", "conditional") }>(),
        entry::<disabled, { key("demo.conditions", "disabled") }>(),
        entry::<enabled, { key("demo.conditions", "enabled") }>(),
    ];
    let plugins = create_all::<FunctionPlugin<fn()>>(&finder, "demo.conditions");
    let answers: Vec<_> = plugins
        .iter()
        .map(|(name, plugin)| (*name, Plugin::<()>::should_load(&**plugin)))
        .collect();
    assert_eq!(
        answers,
        [
            ("conditional", true),
            ("disabled", false),
            ("enabled", true)
        ]
    );
    let conditional = &plugins[0].1;
    assert!(!Plugin::<Runtime>::should_load(&**conditional));
    assert_eq!(ASKED.load(Ordering::SeqCst), 2);
}

static LOADED: AtomicUsize = AtomicUsize::new(0);

fn count_load() {
    LOADED.fetch_add(1, Ordering::SeqCst);
}

fn refuse_load() -> Result<(), BoxError> {
    Err("license missing".into())
}

fn refuse_with_string() -> Result<(), String> {
    Err("disk full".to_owned())
}

#[plugin(namespace = "demo.hooks", load = count_load)]
fn counted(runtime: &Runtime) -> &'static str {
    runtime.name
}

#[plugin(namespace = "demo.hooks", load = refuse_load)]
fn refused(runtime: &Runtime) -> &'static str {
    runtime.name
}

#[plugin(namespace = "demo.hooks", name = "string-error", load = refuse_with_string)]
fn refused_with_string(runtime: &Runtime) -> &'static str {
    runtime.name
}

#[plugin(namespace = "demo.hooks")]
fn no_hook(runtime: &Runtime) -> &'static str {
    runtime.name
}

#[test]
fn load_hook_runs_when_the_plugin_loads_and_its_error_is_the_load_error() {
    let finder = vec![
        entry::<counted, { key("demo.hooks", "counted") }>(),
        entry::<no_hook, { key("demo.hooks", "no_hook") }>(),
        entry::<refused, { key("demo.hooks", "refused") }>(),
        entry::<refused_with_string, { key("demo.hooks", "string-error") }>(),
    ];
    let plugins = create_all::<FunctionPlugin<fn(&Runtime) -> &'static str>>(&finder, "demo.hooks");
    let runtime = Runtime { name: "rt" };
    let results: Vec<_> = plugins
        .iter()
        .map(|(name, plugin)| (*name, plugin.load(&runtime).map_err(|e| e.to_string())))
        .collect();
    assert_eq!(
        results,
        [
            ("counted", Ok(())),
            ("no_hook", Ok(())),
            ("refused", Err("license missing".to_owned())),
            ("string-error", Err("disk full".to_owned())),
        ]
    );
    assert_eq!(LOADED.load(Ordering::SeqCst), 1);
    assert!(plugins.iter().all(|(_, plugin)| plugin(&runtime) == "rt"));
}

pub mod hooks {
    use super::plugin;

    pub const NAMESPACE: &str = "demo.consts";

    /// Visible from outside the module under the function's path, as generated code needs.
    #[plugin(namespace = NAMESPACE, name = super::NAME)]
    pub fn from_consts(x: u32) -> u32 {
        x + 1
    }

    #[plugin(namespace = "demo.cfg")]
    #[cfg(any())]
    pub fn compiled_out() {}
}

const NAME: &str = "renamed";

#[test]
fn namespace_and_name_may_be_consts_and_the_path_is_the_functions() {
    let entry = entry::<hooks::from_consts, { key("demo.consts", "renamed") }>();
    assert_eq!(
        (entry.namespace(), entry.name()),
        ("demo.consts", "renamed")
    );
    let spec: &PluginSpec<FunctionPlugin<fn(u32) -> u32>> = entry.spec().unwrap();
    assert_eq!(spec.create().unwrap()(1), 2);
    assert_eq!(hooks::from_consts(2), 3);
}

#[plugin(namespace = "demo.first")]
#[plux_runtime::plugin(namespace = "demo.second", name = "twice", should_load = false)]
fn declared_twice() -> u8 {
    2
}

#[test]
fn one_function_may_be_declared_in_several_namespaces() {
    let first = entry::<declared_twice, { key("demo.first", "declared_twice") }>();
    let second = entry::<declared_twice, { key("demo.second", "twice") }>();
    let first = first
        .spec::<FunctionPlugin<fn() -> u8>>()
        .unwrap()
        .create()
        .unwrap();
    let second = second
        .spec::<FunctionPlugin<fn() -> u8>>()
        .unwrap()
        .create()
        .unwrap();
    assert_eq!((first(), second()), (2, 2));
    assert!(Plugin::<()>::should_load(&*first));
    assert!(!Plugin::<()>::should_load(&*second));
}

#[test]
fn a_compiled_out_function_leaves_no_plugin() {
    // Generated code probes like this: a fallback of the item's name in an outer block, the
    // item's module glob-imported in an inner one, which shadows the fallback only when the
    // attribute's hidden struct exists (its `#[cfg]` is the function's).
    use plux_runtime::__private::Absent as compiled_out;
    #[allow(unused_imports)]
    use plux_runtime::__private::Absent as from_consts;
    let (absent, present) = {
        #[allow(unused_imports)]
        use crate::function::hooks::*;
        (
            with_value(
                DeclaredProbe::<compiled_out, { key("demo.cfg", "compiled_out") }>::ENTRY,
                "",
            ),
            with_value(
                DeclaredProbe::<from_consts, { key("demo.consts", "renamed") }>::ENTRY,
                "",
            ),
        )
    };
    assert!(absent.is_none());
    assert_eq!(present.unwrap().name(), "renamed");
}

#[plugin(namespace = "demo.abi")]
extern "C" fn c_abi(x: u32) -> u32 {
    x * 3
}

#[test]
fn the_abi_is_part_of_the_interface() {
    let spec: &PluginSpec<FunctionPlugin<extern "C" fn(u32) -> u32>> =
        entry::<c_abi, { key("demo.abi", "c_abi") }>()
            .spec()
            .unwrap();
    assert_eq!(spec.create().unwrap()(2), 6);
}

#[test]
fn function_plugin_built_by_hand_behaves_the_same() {
    fn greet(runtime: &Runtime) -> String {
        format!("hi {}", runtime.name)
    }
    static GREET: PluginSpec<FunctionPlugin<fn(&Runtime) -> String>> =
        PluginSpec::new("demo", "greet", || {
            Box::new(FunctionPlugin::new(greet as fn(&Runtime) -> String).with_should_load(false))
        });
    let plugin = GREET.create().unwrap();
    assert!(!Plugin::<Runtime>::should_load(&*plugin));
    assert_eq!(plugin(&Runtime { name: "you" }), "hi you");
}

/// Python plux's `test_load_functional_plugins`, and the attribute's `should_load` and `load`,
/// through a `PluginManager`.
#[test]
fn function_plugins_load_through_a_manager_and_honour_should_load() {
    let manager = PluginManager::<Nullary>::builder("namespace_3")
        .finder(vec![
            entry::<sample::another_function, { key("namespace_3", "plugin_4") }>(),
            entry::<sample::plugin_3, { key("namespace_3", "plugin_3") }>(),
        ])
        .build();
    let plugins = manager.load_all();
    assert_eq!(plugins.len(), 2);
    assert_eq!(
        (plugins[0](), plugins[1]()),
        ("foobar".into(), "another".into())
    );

    let conditions = PluginManager::<FunctionPlugin<fn()>>::builder("demo.conditions")
        .finder(vec![
            entry::<disabled, { key("demo.conditions", "disabled") }>(),
            entry::<enabled, { key("demo.conditions", "enabled") }>(),
        ])
        .build();
    assert_eq!(conditions.load_all().len(), 1);
    assert!(conditions.is_loaded("enabled"));
    assert_eq!(
        conditions.load("disabled").err().unwrap().to_string(),
        "plugin demo.conditions:disabled is disabled, reason: Load condition for plugin was false"
    );

    type Hooked = FunctionPlugin<fn(&Runtime) -> &'static str>;
    let hooks =
        PluginManager::<Hooked, Runtime>::builder_with_args("demo.hooks", Runtime { name: "rt" })
            .finder(vec![
                entry::<no_hook, { key("demo.hooks", "no_hook") }>(),
                entry::<refused, { key("demo.hooks", "refused") }>(),
            ])
            .build();
    let loaded = hooks.load_all();
    assert_eq!(loaded.len(), 1);
    assert_eq!(loaded[0](hooks.load_args()), "rt");
    assert_eq!(
        hooks.load("refused").err().unwrap().to_string(),
        "plugin demo.hooks:refused failed to load: license missing"
    );
}

/// A `load` hook that takes the manager's load arguments, as Python plux passes them.
fn remember(runtime: &Runtime) -> Result<(), BoxError> {
    SEEN.lock().unwrap().push(runtime.name);
    if runtime.name == "broken" {
        return Err("the runtime is broken".into());
    }
    Ok(())
}

static SEEN: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());

#[plugin(namespace = "demo.load_args", load = remember)]
pub fn with_args(runtime: &Runtime) -> &'static str {
    runtime.name
}

#[test]
fn a_load_hook_gets_the_managers_load_arguments_and_other_types_are_a_load_error() {
    type Hooked = FunctionPlugin<fn(&Runtime) -> &'static str>;
    let finder = || vec![entry::<with_args, { key("demo.load_args", "with_args") }>()];
    let manager = PluginManager::<Hooked, Runtime>::builder_with_args(
        "demo.load_args",
        Runtime { name: "given" },
    )
    .finder(finder())
    .build();
    assert!(manager.load("with_args").is_ok());
    assert_eq!(*SEEN.lock().unwrap(), ["given"]);

    let broken = PluginManager::<Hooked, Runtime>::builder_with_args(
        "demo.load_args",
        Runtime { name: "broken" },
    )
    .finder(finder())
    .build();
    assert_eq!(
        broken.load("with_args").err().unwrap().to_string(),
        "plugin demo.load_args:with_args failed to load: the runtime is broken"
    );

    // A manager whose load arguments are another type.
    let other = PluginManager::<Hooked, u32>::builder_with_args("demo.load_args", 7)
        .finder(finder())
        .build();
    let error = other.load("with_args").err().unwrap().to_string();
    assert!(
        error.ends_with(
            "the plugin's load hook takes `&runtime::function::Runtime`, and this manager's load arguments are another type"
        ),
        "{error}"
    );
}
