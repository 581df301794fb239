//! Module paths the scanner follows beyond plain `mod` items (macro calls, `pub use`
//! re-exports, `#[cfg_attr(.., plugin(..))]`), and what it says about files it does not reach.

use super::Pkg;

/// A module file declaring the function plugin `name` in namespace `ns`.
fn hook(name: &str) -> String {
    format!("#[plugin(namespace = \"ns\")]\npub fn {name}() {{}}\n")
}

/// tokio's layout: `cfg_rt! { pub mod runtime; }`, with `cfg_rt` a crate-local `macro_rules!`
/// that adds a `#[cfg]` the scanner cannot see (the `reach` fixture's copy of tokio's).
const TOKIO_MACROS: &str = include_str!("../../../fixtures/reach/rt/src/macros.rs");

#[test]
fn modules_in_macro_calls_are_followed_under_the_macros_gate() {
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            r#"#[macro_use]
mod macros;

cfg_rt! {
    pub mod runtime;
}
cfg_net!(
    pub mod net {
        #[plugin(namespace = "ns", name = "tcp")]
        impl Listener for Tcp {}
        pub mod udp;
    }
);
crate::cfg_rt![
    #[plugin(namespace = "ns")]
    pub fn spawn() {}
    pub const NS: &str = "from.macro";
];
#[plugin(namespace = NS)]
pub fn uses_the_const() {}
"#,
        ),
        ("src/macros.rs", TOKIO_MACROS),
        ("src/runtime.rs", &hook("block_on")),
        ("src/net/udp.rs", &hook("udp")),
    ]);
    assert_eq!(
        pkg.clean_decls(),
        [
            "from.macro uses_the_const=demo::uses_the_const Function @ src/lib.rs:19:1",
            "ns block_on=demo::runtime::block_on Function macro(cfg_rt) on demo::runtime @ src/runtime.rs:1:1",
            "ns spawn=demo::spawn Function macro(crate::cfg_rt) @ src/lib.rs:15:5",
            "ns tcp=demo::net::Tcp Type macro(cfg_net) on demo::net @ src/lib.rs:9:9",
            "ns udp=demo::net::udp::udp Function macro(cfg_net) on demo::net @ src/net/udp.rs:1:1",
        ]
    );
    assert!(
        pkg.files(&pkg.scan())
            .contains(&"src/runtime.rs".to_owned())
    );
}

#[test]
fn cfg_if_branches_are_gated_by_their_real_predicates() {
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            r#"cfg_if::cfg_if! {
    if #[cfg(unix)] {
        pub mod unix;
    } else if #[cfg(windows)] {
        pub mod windows;
    } else {
        pub mod other;
        #[plugin(namespace = "ns")]
        pub fn fallback() {}
    }
}
cfg_if! {
    if #[cfg(test)] {
        mod tests;
    } else if #[cfg(feature = "x")] {
        cfg_net! { pub mod both; }
    }
}
"#,
        ),
        ("src/unix.rs", &hook("u")),
        ("src/windows.rs", &hook("w")),
        ("src/other.rs", &hook("o")),
        ("src/both.rs", &hook("b")),
        ("src/tests.rs", &hook("t")),
    ]);
    assert_eq!(
        pkg.clean_decls(),
        [
            "ns b=demo::both::b Function cfg(all(feature = \"x\", not(any(test)))) macro(cfg_net) on demo::both @ src/both.rs:1:1",
            "ns fallback=demo::fallback Function cfg(not(any(unix, windows))) @ src/lib.rs:8:9",
            "ns o=demo::other::o Function cfg(not(any(unix, windows))) on demo::other @ src/other.rs:1:1",
            "ns u=demo::unix::u Function cfg(unix) on demo::unix @ src/unix.rs:1:1",
            "ns w=demo::windows::w Function cfg(all(windows, not(any(unix)))) on demo::windows @ src/windows.rs:1:1",
        ]
    );
    // The `test` branch is test code: not read.
    assert!(!pkg.files(&pkg.scan()).contains(&"src/tests.rs".to_owned()));
}

#[test]
fn macro_bodies_that_are_not_items_are_reported_when_they_mention_plugins() {
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        r#"lazy_static! {
    static ref S: PluginSpec<dyn P> = PluginSpec::new("ns", "s", make);
}
my_macro!(#[plugin(namespace = "ns")] fn => broken);
other! { "a plugin in a string" => x }
macro_rules! defines {
    () => { #[plugin(namespace = "ns")] pub fn f() {} };
}
cfg_if::cfg_if! {
    if #[cfg(unix)] { #[plugin(namespace = "ns")] fn => } else { pub mod fine; }
}
"#,
    )]);
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out.diagnostics),
        [
            "warning src/lib.rs:1:1 `lazy_static!` mentions plugins, but its body is not a list of items; declarations in it are not indexed",
            "warning src/lib.rs:4:1 `my_macro!` mentions plugins, but its body is not a list of items; declarations in it are not indexed",
            "warning src/lib.rs:9:1 `cfg_if::cfg_if!` mentions plugins, but its body is not a list of items; declarations in it are not indexed",
            // The other branch is read; its module is gated, so a missing file is a warning.
            "warning src/lib.rs:10:66 file not found for module `fine`",
        ]
    );
}

#[test]
fn cfg_attr_plugin_is_a_declaration_gated_by_its_predicate() {
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        r#"
#[cfg_attr(feature = "cli", plugin(namespace = "ns", name = "cli"))]
impl Cli for Tool {}

#[cfg_attr(all(unix, feature = "x"), derive(Debug), plux_runtime::plugin(namespace = "ns"))]
pub fn hook() {}

#[cfg(feature = "outer")]
#[cfg_attr(feature = "a", cfg_attr(feature = "b", plugin(namespace = "ns")))]
pub fn nested() {}

#[cfg_attr(test, plugin(namespace = "ns"))]
pub fn test_only() {}

#[cfg_attr(feature = "x", derive(Debug))]
pub fn not_a_plugin() {}

pub mod m {
    #[cfg_attr(unix, plugin(namespace = "ns"))]
    pub struct Misplaced;
}
"#,
    )]);
    let out = pkg.scan();
    assert_eq!(
        pkg.decls(&out),
        [
            "ns cli=demo::Tool Type cfg(feature = \"cli\") @ src/lib.rs:2:1",
            "ns hook=demo::hook Function cfg(all(unix, feature = \"x\")) @ src/lib.rs:5:1",
            "ns nested=demo::nested Function cfg(feature = \"outer\") cfg(feature = \"a\") cfg(feature = \"b\") @ src/lib.rs:9:1",
        ]
    );
    assert_eq!(
        pkg.diags(&out.diagnostics),
        ["error src/lib.rs:19:5 `#[plugin]` on an item that cannot be a plugin"]
    );
}

#[test]
fn declarations_directly_in_a_macro_body_are_gated_on_the_item() {
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        r#"
cfg_rt! {
    #[plugin(namespace = "ns")]
    pub fn spawn() {}
    pub static S: PluginSpec<dyn P> = PluginSpec::new("ns", "s", make);
}
"#,
    )]);
    assert_eq!(
        pkg.clean_decls(),
        [
            "ns s=demo::S Spec macro(cfg_rt) @ src/lib.rs:5:16",
            "ns spawn=demo::spawn Function macro(cfg_rt) @ src/lib.rs:3:5",
        ]
    );
}

#[test]
fn plugins_in_private_modules_are_indexed_at_their_shortest_public_path() {
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            r#"mod s3;
pub use s3::S3Service;
mod sqs;
pub use sqs::Queue as SqsQueue;
mod hooks;
pub use hooks::*;
mod a {
    pub use super::b::Chained;
}
mod b {
    pub use crate::c::Chained;
}
mod c {
    #[plugin(namespace = "ns", name = "chained")]
    impl P for Chained {}
    pub struct Chained;
}
pub use a::Chained;
mod inner {
    pub mod services {
        pub static LAMBDA: PluginSpec<dyn P> = PluginSpec::new("ns", "lambda", make);
    }
    pub static TWICE: PluginSpec<dyn P> = PluginSpec::new("ns", "twice", make);
}
pub use inner::services;
pub mod api {
    pub use crate::inner::TWICE;
}
pub use inner::TWICE as Beta;
pub use inner::TWICE as Alpha;
pub mod public {
    #[plugin(namespace = "ns")]
    pub fn already_public() {}
}
pub use public::already_public as shorter;
"#,
        ),
        (
            "src/s3.rs",
            "#[derive(Default)]\npub struct S3Service;\n#[plugin(namespace = \"ns\", name = \"s3\")]\nimpl P for S3Service {}\n",
        ),
        (
            "src/sqs.rs",
            "pub static Queue: PluginSpec<dyn P> = PluginSpec::new(\"ns\", \"sqs\", make);\n",
        ),
        ("src/hooks.rs", &hook("on_start")),
    ]);
    assert_eq!(
        pkg.clean_decls(),
        [
            // A declared path that is public is kept, though a re-export is shorter.
            "ns already_public=demo::public::already_public Function @ src/lib.rs:32:5",
            "ns chained=demo::Chained Type @ src/lib.rs:14:5",
            "ns lambda=demo::services::LAMBDA Spec @ src/lib.rs:21:20",
            "ns on_start=demo::on_start Function @ src/hooks.rs:1:1",
            "ns s3=demo::S3Service Type @ src/s3.rs:3:1",
            "ns sqs=demo::SqsQueue Spec @ src/sqs.rs:1:12",
            // Three public paths: the shortest, then the first in alphabetical order.
            "ns twice=demo::Alpha Spec @ src/lib.rs:23:16",
        ]
    );
}

#[test]
fn a_private_module_without_a_public_path_is_an_error_that_says_so() {
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        r#"mod hidden {
    #[plugin(namespace = "ns")]
    pub fn f() {}
}
pub(crate) use hidden::f;
pub mod a {
    pub use crate::b::*;
}
pub mod b {
    pub use crate::a::*;
    pub use self::undeclared::g;
}
"#,
    )]);
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out.diagnostics),
        [
            "error src/lib.rs:2:5 plugin `demo::hidden::f` is not reachable from other crates: module `crate::hidden` is private, and no `pub use` re-exports the plugin"
        ]
    );
    assert_eq!(
        out.diagnostics[0].help.as_deref(),
        Some("make `mod hidden` pub, or re-export the plugin with `pub use`")
    );
}

#[test]
fn a_reexported_plugin_is_gated_by_the_levels_of_its_public_path() {
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        r#"#[cfg(feature = "s3")]
mod s3 {
    #[plugin(namespace = "ns")]
    pub fn s3() {}
}
#[cfg(feature = "s3")]
pub use s3::s3;
mod inner {
    #[plugin(namespace = "ns")]
    pub fn unix_only() {}
    #[plugin(namespace = "ns")]
    pub fn two_levels() {}
}
#[cfg(unix)]
pub mod api {
    pub use crate::inner::unix_only;
    #[cfg(feature = "x")]
    pub use crate::inner::two_levels;
}
cfg_rt! {
    mod runtime {
        #[plugin(namespace = "ns", name = "rt")]
        impl P for Runtime {}
        pub struct Runtime;
    }
    pub use runtime::Runtime;
}
"#,
    )]);
    let out = pkg.scan();
    assert_eq!(
        pkg.decls(&out),
        [
            "ns rt=demo::Runtime Type macro(cfg_rt) @ src/lib.rs:22:9",
            "ns s3=demo::s3 Function cfg(feature = \"s3\") @ src/lib.rs:3:5",
            "ns unix_only=demo::api::unix_only Function cfg(unix) on demo::api @ src/lib.rs:9:5",
        ]
    );
    assert_eq!(
        pkg.diags(&out.diagnostics),
        [
            "error src/lib.rs:11:5 plugin `demo::inner::two_levels` is re-exported as `demo::api::two_levels`, which is under `#[cfg]` on two levels of its path"
        ]
    );
}

#[test]
fn files_no_module_path_reaches_are_reported_when_they_mention_plugins() {
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            r#"pub mod used;
#[path = "sub/../other.rs"]
pub mod other;
#[cfg(test)]
mod tests;
mod legacy;
include!("included.rs");
"#,
        ),
        ("src/main.rs", "mod cli;\nfn main() {}\n"),
        ("src/cli.rs", &hook("in_the_binary")),
        ("src/used.rs", &hook("used")),
        (
            "src/other.rs",
            "// a plugin, through a normalized #[path]\n",
        ),
        ("src/sub/unused.rs", "\n"),
        ("src/tests.rs", "mod helpers;\n"),
        ("src/tests/helpers.rs", &hook("test_helper")),
        ("src/legacy.rs", "pub mod old;\n"),
        ("src/legacy/old.rs", &hook("excluded")),
        (
            "src/included.rs",
            "\n\n    pub static S: PluginSpec<dyn P> = todo!();\n",
        ),
        (
            "src/orphan.rs",
            "//! Not declared anywhere.\n#[plugin(namespace = \"ns\")]\npub fn orphan() {}\n",
        ),
        ("src/quiet_orphan.rs", "pub fn helper() {}\n"),
        ("src/nested/Cargo.toml", "[package]\nname = \"nested\"\n"),
        ("src/nested/src/lib.rs", &hook("other_package")),
        ("src/.hidden/x.rs", &hook("hidden")),
    ]);
    let options = plux_build::scan::ScanOptions {
        exclude: vec!["src/legacy/**".into()],
        ..Default::default()
    };
    let targets = [
        pkg.target(plux_build::scan::TargetKind::Lib),
        pkg.target(plux_build::scan::TargetKind::Bin),
    ];
    let scans: Vec<_> = targets
        .iter()
        .map(|t| super::scan_target(t, &options).unwrap())
        .collect();
    assert!(scans.iter().all(|s| s.diagnostics.is_empty()), "{scans:#?}");
    let refs: Vec<_> = scans.iter().collect();
    let warnings = plux_build::scan::unreached(&targets, &options, &refs).unwrap();
    assert_eq!(
        pkg.diags(&warnings),
        [
            "warning src/included.rs:3:19 this file mentions plugins, but no module path reaches it: it was not scanned",
            "warning src/orphan.rs:2:3 this file mentions plugins, but no module path reaches it: it was not scanned",
        ]
    );
    assert_eq!(
        warnings[0].help.as_deref(),
        Some("declare its module with a `mod` item, or silence this with `exclude`")
    );
}
