//! The `#[plugin]` attribute of plux. Use it through `plux_runtime::plugin`: the expansion
//! refers to `::plux_runtime`, so a crate that declares plugins depends on plux-runtime.

mod args;
mod check;
mod errors;
mod expand;
mod function_plugin;
mod listing;
mod registry;
mod static_plugin;
mod type_plugin;

use proc_macro::TokenStream;

/// Declares a plugin: a plugin type (on `impl Trait for Type`) or a function plugin (on a
/// `fn`). `cargo plux` finds the attribute by reading the source and lists the plugin in the
/// package's `plux.json`; the attribute itself makes the spec that the generated registry
/// hands to `PluginManager`s.
///
/// # On `impl Trait for Type`: a plugin type
///
/// The trait is the namespace's interface (`dyn Trait`); generic arguments are fine
/// (`impl Plugin<Cli> for Hello`). Arguments:
///
/// | argument | value |
/// |---|---|
/// | `namespace` | required: a string literal, or the path of a `const` of the same crate holding one |
/// | `name` | required: the same |
/// | `factory` | optional: the path of a `fn() -> Type` making the plugin; by default `Type::default()` |
/// | `try_factory` | optional, instead of `factory`: the path of a `fn() -> Result<Type, E>` with `E: Into<BoxError>`; an error is reported as an init error |
///
/// ```
/// use plux_runtime::{BoxError, Plugin, plugin};
/// # use plux_runtime::{__private::Declared, PluginSpec};
///
/// pub struct Cli;
///
/// /// The interface of the `my.plugins.cli` namespace.
/// pub trait CliPlugin: Plugin<Cli> {
///     fn command(&self) -> &str;
/// }
///
/// #[derive(Default)]
/// pub struct Hello;
///
/// impl Plugin<Cli> for Hello {}
///
/// #[plugin(namespace = "my.plugins.cli", name = "hello")]
/// impl CliPlugin for Hello {
///     fn command(&self) -> &str {
///         "hello"
///     }
/// }
///
/// const NAMESPACE: &str = "my.plugins.cli";
///
/// pub struct Db { url: String }
///
/// impl Plugin<Cli> for Db {}
///
/// fn connect() -> Result<Db, BoxError> {
///     Ok(Db { url: "memory:".into() })
/// }
///
/// #[plugin(namespace = NAMESPACE, name = "db", try_factory = connect)]
/// impl CliPlugin for Db {
///     fn command(&self) -> &str {
///         &self.url
///     }
/// }
/// # let spec: &PluginSpec<dyn CliPlugin> =
/// #     <Hello as Declared<{ plux_runtime::__private::key("my.plugins.cli", "hello") }>>::SPEC;
/// # assert_eq!(spec.create().unwrap().command(), "hello");
/// # let spec: &PluginSpec<dyn CliPlugin> =
/// #     <Db as Declared<{ plux_runtime::__private::key(NAMESPACE, "db") }>>::SPEC;
/// # assert_eq!(spec.create().unwrap().command(), "memory:");
/// ```
///
/// # On a `fn`: a function plugin
///
/// The plugin is a `FunctionPlugin<fn(..) -> R>` with the function's signature, so the
/// namespace's manager is a `PluginManager<FunctionPlugin<fn(&Runtime)>>` for
/// `fn configure(runtime: &Runtime)`. A loaded function plugin is called like the function:
/// `plugin(&runtime)`. The function must be a free `fn` with one concrete signature: not
/// `async`, not generic (lifetime parameters are fine), no `impl Trait`. Arguments:
///
/// | argument | value |
/// |---|---|
/// | `namespace` | required: a string literal, or the path of a `const` of the same crate holding one |
/// | `name` | optional: the same; by default the function's name (`r#type` is named `type`) |
/// | `should_load` | optional: `true`, `false` or the path of a `fn() -> bool`; false disables the plugin |
/// | `load` | optional: the path of a `fn()` or `fn() -> Result<(), E>` (`E: Into<BoxError>`) the manager runs when it loads the plugin |
///
/// The `load` hook takes no arguments: a function plugin's type does not name the manager's
/// load-argument type, so any manager may load it and there is nothing typed to pass. A
/// plugin that needs the load arguments is better written as a plugin type.
///
/// ```
/// use plux_runtime::{FunctionPlugin, Plugin, plugin};
/// # use plux_runtime::{__private::Declared, PluginSpec};
///
/// pub struct Runtime {
///     pub log_level: &'static str,
/// }
///
/// #[plugin(namespace = "localstack.configurators")]
/// pub fn configure_logging(runtime: &Runtime) -> String {
///     format!("logging at {}", runtime.log_level)
/// }
///
/// fn on_ci() -> bool {
///     std::env::var_os("CI").is_some()
/// }
///
/// #[plugin(namespace = "localstack.configurators", name = "ci", should_load = on_ci)]
/// pub fn configure_ci(runtime: &Runtime) -> String {
///     format!("ci at {}", runtime.log_level)
/// }
///
/// // The interface of the namespace, as a manager names it:
/// type Configurator = FunctionPlugin<fn(&Runtime) -> String>;
/// # let spec: &PluginSpec<Configurator> = &<configure_logging as Declared<
/// #     { plux_runtime::__private::key("localstack.configurators", "configure_logging") },
/// # >>::SPEC;
/// # let plugin = spec.create().unwrap();
/// # assert!(Plugin::<()>::should_load(&*plugin));
/// # assert_eq!(plugin(&Runtime { log_level: "debug" }), "logging at debug");
/// ```
///
/// One item may carry several `#[plugin]` attributes, to declare it in several namespaces
/// (or under several names).
///
/// # On a `static` or `const` `PluginSpec`: optional
///
/// A spec is found by its type; `#[plugin]` without arguments on it changes nothing but adds
/// the index check below, which the compiler cannot do for a spec otherwise.
///
/// ```
/// use plux_runtime::{Plugin, PluginSpec, plugin};
///
/// pub struct Service;
/// impl Plugin for Service {}
///
/// #[plugin]
/// pub static S3: PluginSpec<dyn Plugin> =
///     PluginSpec::new("localstack.plugins.services", "s3", || Box::new(Service));
/// # assert_eq!(S3.name(), "s3");
/// ```
///
/// # The index check
///
/// In a package that commits its index, a plugin added without running `cargo plux
/// entrypoints` fails to compile: the attribute checks that the package's `plux.json` lists
/// it (for a binary's plugin: the committed registry the package's `registry` key names), and
/// otherwise reports, as the lint `deprecated` denied at the attribute, `plugin `ns:name`
/// (`Item`) is not listed in `plux.json` of package `p`; run `cargo plux entrypoints``. A
/// package without `plux.json`, a packaged copy (from a registry or `cargo vendor`), code under
/// `cfg(test)` and other crates of the package (doc tests, integration tests, examples) are not
/// checked, and cargo caps the lint for dependencies it does not build from a path. A listed
/// plugin adds nothing to the expansion; nothing runs at run time.
///
/// # Errors
///
/// Bad arguments fail to compile, pointing at the argument: an unknown or repeated key, a
/// missing `namespace` (or `name` on a type), a value that is not a literal or a path, and a
/// malformed literal namespace (letters, digits, `_`, `-`, `.` only) or name (not empty, no
/// `=`, no control characters or invisible bidirectional controls, no leading or trailing
/// whitespace, not starting with `[`).
/// A namespace or name given as a `const` is checked when the crate compiles.
///
/// # Expansion
///
/// The item is kept unchanged. Beside it the attribute implements
/// `plux_runtime::__private::Declared<{ key(namespace, name) }>` (a hidden trait) for the
/// plugin type, or for a hidden `struct` named like the function (the function and the
/// struct share the path `module::function`, one a value, the other a type). The registry
/// that `cargo plux` generates reads each plugin's spec through that impl (a reference to a
/// `static` emitted beside it). The item's `#[cfg]` attributes are copied to what the attribute
/// emits.
#[proc_macro_attribute]
pub fn plugin(args: TokenStream, item: TokenStream) -> TokenStream {
    expand::plugin(args.into(), item.into()).into()
}

/// The registry of a host: every plugin of the package and of its dependency graph, as
/// `cargo plux entrypoints` (committed mode) or `plux_build::build()` (build.rs mode) lists
/// them. Defines `pub static REGISTRY: plux_runtime::Registry` for `plux_runtime::install`.
///
/// The input is generated, one line per plugin grouped by namespace, in the order the
/// registry keeps (sorted by namespace, then name). Each line reads like the plugin's
/// `plux.json` entry: `"name" = path::to::Item`, then optional extras in brackets: `type` or
/// `fn` (declared with `#[plugin]` on an impl or a function; a `PluginSpec` otherwise),
/// `cfg(..)` (the item is behind a `#[cfg]` of its own crate), `cfg(..) on path::to::module`
/// (a module of its path is), `macro(path)` in place of `cfg(..)` (behind the `cfg` a macro call
/// adds, which the scanner cannot see), `value = path` (the path `plux.json` writes, when the registry
/// names the item by another one). `#[cfg(..)]` lines before an entry are evaluated by the
/// host (an optional or platform-specific dependency).
///
/// ```
/// # mod services {
/// #     use plux_runtime::{Plugin, PluginSpec};
/// #     pub trait ServicePlugin: Plugin {}
/// #     pub struct Service;
/// #     impl Plugin for Service {}
/// #     impl ServicePlugin for Service {}
/// #     pub static S3: PluginSpec<dyn ServicePlugin> =
/// #         PluginSpec::new("localstack.plugins.services", "s3", || Box::new(Service));
/// #     #[derive(Default)]
/// #     pub struct Sqs;
/// #     impl Plugin for Sqs {}
/// #     #[plux_runtime::plugin(namespace = "localstack.plugins.services", name = "sqs")]
/// #     impl ServicePlugin for Sqs {}
/// # }
/// plux_runtime::registry! {
///     "localstack.plugins.services" {
///         "s3" = crate::services::S3,
///         "sqs" = crate::services::Sqs [type],
///     }
/// }
///
/// fn main() {
///     plux_runtime::install(&REGISTRY);
/// #   let names: Vec<_> = REGISTRY.entries().iter().map(|e| e.name()).collect();
/// #   assert_eq!(names, ["s3", "sqs"]);
/// }
/// ```
///
/// # Checks
///
/// The registry compiles only while it is current. An entry whose item is gone, or no longer
/// declares the plugin the line names, fails the build with
/// `stale plux registry: plugin `namespace:name` is no longer declared at `path`; run
/// `cargo plux entrypoints``, pointing at the line. An entry with a `cfg(..)` extra is left
/// out when its crate compiled the item out, and the host builds either way. A module of a
/// path that is gone fails with rustc's `unresolved import` at the line.
#[proc_macro]
pub fn registry(input: TokenStream) -> TokenStream {
    registry::registry(input.into()).into()
}
