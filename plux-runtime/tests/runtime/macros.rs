//! `#[plugin]` on `impl Trait for Type`, and the attribute's compile errors (trybuild).

use std::sync::Mutex;

use plux_runtime::__private::{Declared, DeclaredProbe, key, with_value};
use plux_runtime::{BoxError, Plugin, PluginEntry, PluginSpec, plugin};

pub struct Cli {
    pub commands: Mutex<Vec<String>>,
}

/// A namespace interface with load arguments: `dyn CliPlugin`.
pub trait CliPlugin: Plugin<Cli> {
    fn command(&self) -> String;
}

/// The spec the attribute declared for `T` under `KEY`, reached the way generated registry
/// code reaches it.
fn declared_spec<T: Declared<KEY> + ?Sized, const KEY: u64>() -> &'static PluginSpec<T::Interface> {
    with_value(DeclaredProbe::<T, KEY>::ENTRY, "")
        .unwrap()
        .spec()
        .unwrap()
}

#[derive(Default)]
pub struct Hello;

impl Plugin<Cli> for Hello {
    fn load(&self, cli: &Cli) -> Result<(), BoxError> {
        cli.commands.lock().unwrap().push(self.command());
        Ok(())
    }
}

#[plugin(namespace = "my.plugins.cli", name = "hello")]
impl CliPlugin for Hello {
    fn command(&self) -> String {
        "hello".into()
    }
}

#[test]
fn type_plugin_with_default_makes_the_type() {
    let spec = declared_spec::<Hello, { key("my.plugins.cli", "hello") }>();
    assert_eq!((spec.namespace(), spec.name()), ("my.plugins.cli", "hello"));
    let plugin: Box<dyn CliPlugin> = spec.create().unwrap();
    assert_eq!(plugin.command(), "hello");
    let cli = Cli {
        commands: Mutex::new(Vec::new()),
    };
    plugin.load(&cli).unwrap();
    assert_eq!(*cli.commands.lock().unwrap(), ["hello"]);
}

#[test]
fn type_plugin_spec_is_found_as_an_entry_of_its_interface() {
    let entry = PluginEntry::of(declared_spec::<Hello, { key("my.plugins.cli", "hello") }>());
    assert_eq!(
        (entry.namespace(), entry.name()),
        ("my.plugins.cli", "hello")
    );
    assert!(entry.spec::<dyn CliPlugin>().is_some());
    assert!(entry.spec::<dyn Plugin<Cli>>().is_none());
}

pub struct Greeter {
    greeting: &'static str,
}

impl Plugin<Cli> for Greeter {}

fn make_greeter() -> Greeter {
    Greeter { greeting: "hi" }
}

#[plugin(namespace = "my.plugins.cli", name = "greeter", factory = make_greeter)]
impl CliPlugin for Greeter {
    fn command(&self) -> String {
        self.greeting.into()
    }
}

#[test]
fn type_plugin_with_factory_uses_it() {
    let spec = declared_spec::<Greeter, { key("my.plugins.cli", "greeter") }>();
    assert_eq!(spec.create().unwrap().command(), "hi");
}

pub struct Store {
    url: String,
}

impl Plugin<Cli> for Store {}

#[derive(Debug, thiserror::Error)]
#[error("database `{0}` is unreachable")]
pub struct Unreachable(&'static str);

mod stores {
    use super::{Store, Unreachable};

    pub fn open() -> Result<Store, Unreachable> {
        Ok(Store {
            url: "memory:".into(),
        })
    }

    pub fn fail_with_string() -> Result<Store, String> {
        Err("no disk".to_owned())
    }
}

#[plugin(namespace = "my.plugins.cli", name = "store", try_factory = stores::open)]
impl CliPlugin for Store {
    fn command(&self) -> String {
        self.url.clone()
    }
}

pub struct Broken;
impl Plugin<Cli> for Broken {}

fn broken() -> Result<Broken, Unreachable> {
    Err(Unreachable("db.example"))
}

#[plugin(namespace = "my.plugins.cli", name = "broken", try_factory = broken)]
impl CliPlugin for Broken {
    fn command(&self) -> String {
        unreachable!("never made")
    }
}

#[test]
fn type_plugin_with_try_factory_makes_the_type_or_reports_the_error() {
    let spec = declared_spec::<Store, { key("my.plugins.cli", "store") }>();
    assert_eq!(spec.create().unwrap().command(), "memory:");

    let spec = declared_spec::<Broken, { key("my.plugins.cli", "broken") }>();
    let error = spec.create().err().unwrap();
    assert_eq!(error.to_string(), "database `db.example` is unreachable");
    assert!(error.downcast_ref::<Unreachable>().is_some());
}

/// One type may be declared in several namespaces, and `try_factory` errors may be any
/// `Into<BoxError>` (here `String`).
pub trait Other: Plugin {}
impl Plugin for Store {}

#[plugin(namespace = "my.other", name = "store", try_factory = stores::fail_with_string)]
impl Other for Store {}

#[test]
fn try_factory_error_may_be_a_string() {
    let spec = declared_spec::<Store, { key("my.other", "store") }>();
    assert_eq!(spec.create().err().unwrap().to_string(), "no disk");
}

const NAMESPACE: &str = "my.consts";
mod names {
    pub const NAME: &str = "from-const";
}

#[derive(Default)]
pub struct Constant;
impl Plugin for Constant {}

#[plugin(namespace = NAMESPACE, name = names::NAME)]
impl Other for Constant {}

#[test]
fn namespace_and_name_may_be_consts() {
    let spec = declared_spec::<Constant, { key("my.consts", "from-const") }>();
    assert_eq!((spec.namespace(), spec.name()), ("my.consts", "from-const"));
    assert!(spec.create().is_ok());
}

/// The trait may be any path, with generic arguments: the interface is `dyn Plugin<Cli>`.
#[derive(Default)]
pub struct Bare;

#[plugin(namespace = "my.bare", name = "bare")]
impl plux_runtime::Plugin<Cli> for Bare {
    fn should_load(&self) -> bool {
        false
    }
}

#[test]
fn trait_may_have_generic_arguments() {
    let spec: &PluginSpec<dyn Plugin<Cli>> = declared_spec::<Bare, { key("my.bare", "bare") }>();
    assert!(!spec.create().unwrap().should_load());
}

/// `#[cfg]` on the impl is copied to the `Declared` impl: a compiled-out impl leaves no
/// `Declared` impl behind (this would not compile otherwise: `Gone` does not implement `Other`).
#[derive(Default)]
#[allow(dead_code)]
pub struct Gone;
impl Plugin for Gone {}

#[plugin(namespace = "my.other", name = "gone")]
#[cfg(any())]
impl Other for Gone {}

#[test]
fn attribute_errors_are_compile_errors() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}

/// Types declared with the attribute, driven by a `PluginManager` with load arguments.
#[test]
fn type_plugins_load_through_a_manager() {
    let manager = plux_runtime::PluginManager::<dyn CliPlugin, Cli>::builder_with_args(
        "my.plugins.cli",
        Cli {
            commands: Mutex::new(Vec::new()),
        },
    )
    .finder(vec![
        with_value(
            DeclaredProbe::<Hello, { key("my.plugins.cli", "hello") }>::ENTRY,
            "tests::Hello",
        )
        .unwrap(),
        with_value(
            DeclaredProbe::<Greeter, { key("my.plugins.cli", "greeter") }>::ENTRY,
            "tests::Greeter",
        )
        .unwrap(),
        with_value(
            DeclaredProbe::<Broken, { key("my.plugins.cli", "broken") }>::ENTRY,
            "tests::Broken",
        )
        .unwrap(),
    ])
    .build();
    let commands: Vec<_> = manager.load_all().iter().map(|p| p.command()).collect();
    assert_eq!(commands, ["hi", "hello"]);
    assert_eq!(*manager.load_args().commands.lock().unwrap(), ["hello"]);
    let broken = manager.load("broken").err().unwrap();
    assert_eq!(
        broken.to_string(),
        "plugin my.plugins.cli:broken failed to initialize: database `db.example` is unreachable"
    );
    assert_eq!(
        manager.get_container("hello").unwrap().value(),
        "tests::Hello"
    );
}
