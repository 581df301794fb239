//! The scanner on small crates written to temp dirs.

// Helpers outside `#[test]` fns set up fixtures; a failure there is a test failure.
#![allow(clippy::unwrap_used)]
// `scan_dir` (loose directories, `cargo plux discover --path`) comes with the `cli` feature.
#![cfg(feature = "cli")]

use std::path::Path;

use plux_build::scan::{
    CrateTarget, ScanOptions, ScanOutput, TargetKind, duplicates, scan_dir_with, scan_target_with,
};
use plux_build::{Diagnostic, Severity};

/// Module paths the scanner follows beyond plain `mod` items, and what it says about the
/// files it does not reach (issue 12).
#[path = "scan/reach.rs"]
mod reach;

/// A package in a temp dir.
struct Pkg {
    dir: tempfile::TempDir,
}

impl Pkg {
    fn new(files: &[(&str, &str)]) -> Self {
        let pkg = Self {
            dir: tempfile::tempdir().unwrap(),
        };
        for (path, text) in files {
            pkg.write(path, text.as_bytes());
        }
        pkg
    }

    fn write(&self, path: &str, bytes: &[u8]) {
        let path = self.dir.path().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn target(&self, kind: TargetKind) -> CrateTarget {
        let root = match kind {
            TargetKind::Lib => "src/lib.rs",
            TargetKind::Bin => "src/main.rs",
        };
        CrateTarget {
            crate_name: "demo".into(),
            kind,
            root: self.root().join(root),
            package_root: self.root().to_path_buf(),
        }
    }

    fn scan_with(&self, options: &ScanOptions) -> ScanOutput {
        scan_target(&self.target(TargetKind::Lib), options).unwrap()
    }

    fn scan(&self) -> ScanOutput {
        self.scan_with(&ScanOptions::default())
    }

    fn rel(&self, path: &Path) -> String {
        path.strip_prefix(self.root())
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// `ns name=value Kind [cfg(..)]* [on module] @ file:line:col`
    fn decls(&self, out: &ScanOutput) -> Vec<String> {
        out.declarations
            .iter()
            .map(|d| {
                let mut cfg: String = d
                    .cfg
                    .iter()
                    .map(|c| match c.starts_with("macro(") {
                        true => format!(" {c}"),
                        false => format!(" cfg({c})"),
                    })
                    .collect();
                if let Some(module) = &d.cfg_module {
                    cfg.push_str(&format!(" on {module}"));
                }
                format!(
                    "{} {}={} {:?}{cfg} @ {}:{}:{}",
                    d.namespace,
                    d.name,
                    d.value,
                    d.kind,
                    self.rel(&d.location.file),
                    d.location.line,
                    d.location.column
                )
            })
            .collect()
    }

    /// `error file:line:col message`
    fn diags(&self, diagnostics: &[Diagnostic]) -> Vec<String> {
        diagnostics
            .iter()
            .map(|d| {
                let level = match d.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                };
                let at = d.location.as_ref().map_or("-".to_owned(), |l| {
                    format!("{}:{}:{}", self.rel(&l.file), l.line, l.column)
                });
                format!("{level} {at} {}", d.message)
            })
            .collect()
    }

    /// Scans, checks that nothing was reported, and returns the declarations (see `decls`).
    fn clean_decls(&self) -> Vec<String> {
        let out = self.scan();
        clean(self, &out);
        self.decls(&out)
    }

    fn files(&self, out: &ScanOutput) -> Vec<String> {
        out.files.iter().map(|f| self.rel(f)).collect()
    }
}

/// `scan::scan_target`, checked against a scan that parses every file with syn: the prefilter
/// must never change a result. Every fixture in this file goes through here.
fn scan_target(target: &CrateTarget, options: &ScanOptions) -> plux_build::Result<ScanOutput> {
    let fast = scan_target_with(target, options, true);
    let full = scan_target_with(target, options, false);
    match (&fast, &full) {
        (Ok(fast), Ok(full)) => assert_eq!(fast, full, "the prefilter changed the result"),
        (Err(fast), Err(full)) => assert_eq!(fast.to_string(), full.to_string()),
        _ => panic!("the prefilter changed the result: {fast:?} / {full:?}"),
    }
    fast
}

/// `scan::scan_dir`, checked like [`scan_target`].
fn scan_dir(dir: &Path, crate_name: &str, options: &ScanOptions) -> plux_build::Result<ScanOutput> {
    let fast = scan_dir_with(dir, crate_name, options, true)?;
    let full = scan_dir_with(dir, crate_name, options, false)?;
    assert_eq!(fast, full, "the prefilter changed the result");
    Ok(fast)
}

fn clean(pkg: &Pkg, out: &ScanOutput) {
    assert!(
        out.diagnostics.is_empty(),
        "unexpected diagnostics: {:#?}",
        pkg.diags(&out.diagnostics)
    );
}

#[test]
fn each_form_is_found_with_its_value_path() {
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        r#"
use plux_runtime::{plugin, PluginSpec};

pub static S3: PluginSpec<dyn Service> = PluginSpec::new("ls.services", "s3", || Box::new(S3Service));
pub const SQS: plux_runtime::PluginSpec<dyn Service> =
    PluginSpec::fallible("ls.services", "sqs", make_sqs);

#[plugin(namespace = "my.plugins.cli", name = "my")]
impl CliPlugin for MyCliPlugin {}

#[plugin(namespace = "ls.hooks")]
pub fn configure_logging(rt: &Runtime) {}

#[plugin(namespace = "ls.hooks", name = "renamed")]
pub fn other() {}
"#,
    )]);
    let out = pkg.scan();
    clean(&pkg, &out);
    assert_eq!(
        pkg.decls(&out),
        [
            "ls.hooks configure_logging=demo::configure_logging Function @ src/lib.rs:11:1",
            "ls.hooks renamed=demo::other Function @ src/lib.rs:14:1",
            "ls.services s3=demo::S3 Spec @ src/lib.rs:4:12",
            "ls.services sqs=demo::SQS Spec @ src/lib.rs:5:11",
            "my.plugins.cli my=demo::MyCliPlugin Type @ src/lib.rs:8:1",
        ]
    );
    assert_eq!(pkg.files(&out), ["src/lib.rs"]);
}

#[test]
fn binary_targets_use_crate_paths_and_need_no_pub() {
    let pkg = Pkg::new(&[
        ("src/main.rs", "mod hooks;\nfn main() {}\n"),
        (
            "src/hooks.rs",
            "#[plugin(namespace = \"ns\")]\nfn setup() {}\n",
        ),
    ]);
    let out = scan_target(&pkg.target(TargetKind::Bin), &ScanOptions::default()).unwrap();
    clean(&pkg, &out);
    assert_eq!(
        pkg.decls(&out),
        ["ns setup=crate::hooks::setup Function @ src/hooks.rs:1:1"]
    );
}

#[test]
fn nested_file_layouts() {
    let pkg = Pkg::new(&[
        ("src/lib.rs", "pub mod a;\npub mod x;\n"),
        ("src/a.rs", "pub mod b;\n"),
        (
            "src/a/b.rs",
            "pub static B: PluginSpec<dyn P> = PluginSpec::new(\"ns\", \"b\", f);\n",
        ),
        ("src/x/mod.rs", "pub mod y;\n"),
        (
            "src/x/y.rs",
            "pub static Y: PluginSpec<dyn P> = PluginSpec::new(\"ns\", \"y\", f);\n",
        ),
    ]);
    let out = pkg.scan();
    clean(&pkg, &out);
    assert_eq!(
        pkg.decls(&out),
        [
            "ns b=demo::a::b::B Spec @ src/a/b.rs:1:12",
            "ns y=demo::x::y::Y Spec @ src/x/y.rs:1:12",
        ]
    );
    assert_eq!(
        pkg.files(&out),
        [
            "src/a/b.rs",
            "src/a.rs",
            "src/lib.rs",
            "src/x/mod.rs",
            "src/x/y.rs"
        ]
    );
    let dirs: Vec<String> = out.dirs.iter().map(|d| pkg.rel(d)).collect();
    assert_eq!(dirs, ["src", "src/a", "src/x"]);
}

#[test]
fn path_attributes_and_inline_modules_follow_rustc() {
    let spec = |name: &str| {
        format!(
            "pub static {0}: PluginSpec<dyn P> = PluginSpec::new(\"ns\", \"{0}\", f);\n",
            name
        )
    };
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            r#"
#[path = "elsewhere/thing.rs"]
pub mod thing;
pub mod outer {
    pub mod inner;
    #[path = "special"]
    pub mod dir {
        pub mod deep;
    }
}
pub mod a;
"#,
        ),
        // `#[path]` files are like mod.rs: their children are siblings.
        ("src/elsewhere/thing.rs", "pub mod sibling;\n"),
        ("src/elsewhere/sibling.rs", &spec("SIBLING")),
        ("src/outer/inner.rs", &spec("INNER")),
        ("src/outer/special/deep.rs", &spec("DEEP")),
        (
            "src/a.rs",
            "#[path = \"other.rs\"]\npub mod p;\npub mod inl {\n    #[path = \"x.rs\"]\n    pub mod q;\n}\n",
        ),
        // In non-mod-rs `a.rs`, a top-level `#[path]` is relative to `a.rs`' directory ...
        ("src/other.rs", &spec("P")),
        // ... and inside an inline module it is relative to `a/inl/`.
        ("src/a/inl/x.rs", &spec("Q")),
    ]);
    let out = pkg.scan();
    clean(&pkg, &out);
    assert_eq!(
        pkg.decls(&out),
        [
            "ns DEEP=demo::outer::dir::deep::DEEP Spec @ src/outer/special/deep.rs:1:12",
            "ns INNER=demo::outer::inner::INNER Spec @ src/outer/inner.rs:1:12",
            "ns P=demo::a::p::P Spec @ src/other.rs:1:12",
            "ns Q=demo::a::inl::q::Q Spec @ src/a/inl/x.rs:1:12",
            "ns SIBLING=demo::thing::sibling::SIBLING Spec @ src/elsewhere/sibling.rs:1:12",
        ]
    );
}

#[test]
fn files_no_mod_reaches_are_not_read() {
    let pkg = Pkg::new(&[
        ("src/lib.rs", "pub mod used;\n"),
        (
            "src/used.rs",
            "#[plugin(namespace = \"ns\")]\npub fn used() {}\n",
        ),
        (
            "src/orphan.rs",
            "#[plugin(namespace = \"ns\")]\npub fn orphan() {}\n",
        ),
        ("src/broken.rs", "fn (\n"),
        ("not-a-mod/x.rs", "pub fn x() {}\n"),
        ("not-a-mod/y.rs", "pub fn y() {}\n"),
        (
            "tests/it.rs",
            "#[plugin(namespace = \"ns\")]\npub fn t() {}\n",
        ),
    ]);
    let out = pkg.scan();
    clean(&pkg, &out);
    assert_eq!(
        pkg.decls(&out),
        ["ns used=demo::used::used Function @ src/used.rs:1:1"]
    );
    assert_eq!(pkg.files(&out), ["src/lib.rs", "src/used.rs"]);
}

#[test]
fn cfg_test_is_skipped_and_other_cfgs_are_recorded() {
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            r#"
#[cfg(test)]
mod tests;
#[cfg(feature = "extra")]
pub mod extra;

#[cfg(test)]
#[plugin(namespace = "ns")]
pub fn only_in_tests() {}

#[cfg(all(unix, test))]
#[plugin(namespace = "ns")]
pub fn also_only_in_tests() {}

#[cfg(not(test))]
#[plugin(namespace = "ns")]
pub fn not_in_tests() {}

pub mod inline {
    #![cfg(feature = "inner")]
    #[plugin(namespace = "ns")]
    pub fn in_inline() {}
}
"#,
        ),
        (
            "src/tests.rs",
            "#[plugin(namespace = \"ns\")]\npub fn in_test_module() {}\n",
        ),
        (
            "src/extra.rs",
            "#![cfg(unix)]\n#[plugin(namespace = \"ns\")]\npub fn extra() {}\n",
        ),
    ]);
    let out = pkg.scan();
    clean(&pkg, &out);
    assert_eq!(
        pkg.decls(&out),
        [
            "ns extra=demo::extra::extra Function cfg(feature = \"extra\") cfg(unix) on demo::extra @ src/extra.rs:2:1",
            "ns in_inline=demo::inline::in_inline Function cfg(feature = \"inner\") on demo::inline @ src/lib.rs:21:5",
            "ns not_in_tests=demo::not_in_tests Function cfg(not(test)) @ src/lib.rs:16:1",
        ]
    );
    assert!(!pkg.files(&out).contains(&"src/tests.rs".to_owned()));

    let with_tests = pkg.scan_with(&ScanOptions {
        include_tests: true,
        ..ScanOptions::default()
    });
    let names: Vec<&str> = with_tests
        .declarations
        .iter()
        .map(|d| d.name.as_str())
        .collect();
    assert_eq!(
        names,
        [
            "also_only_in_tests",
            "extra",
            "in_inline",
            "in_test_module",
            "not_in_tests",
            "only_in_tests"
        ]
    );
    // Under `include_tests` the test-only ones say so (except through the private `mod tests`,
    // which is reported as unreachable).
    let only = &with_tests.declarations[5];
    assert_eq!(only.cfg, ["test"]);
}

#[test]
fn a_cfg_gates_the_item_or_one_module_on_its_path() {
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        r#"#![cfg(unix)]
pub mod a {
    #[cfg(feature = "b")]
    pub mod b {
        pub mod c {
            #[plugin(namespace = "ns")]
            pub fn deep() {}
            #[plugin(namespace = "ns", name = "outside")]
            impl Trait for crate::types::T {}
        }
    }
    #[cfg(feature = "x")]
    #[plugin(namespace = "ns")]
    pub fn item() {}
}
pub mod types { pub struct T; }
#[plugin(namespace = "ns")]
pub fn root() {}
"#,
    )]);
    let out = pkg.scan();
    // Two levels: the crate root's `unix` (gating `demo::a`, `demo::types`) and another.
    assert_eq!(
        pkg.diags(&out.diagnostics),
        [
            "error src/lib.rs:6:13 plugin `demo::a::b::c::deep` is under `#[cfg]` on two levels of its path: `unix` on `demo::a` and `feature = \"b\"` on `demo::a::b`",
            "error src/lib.rs:8:13 plugin `demo::types::T` is under `#[cfg]` on two levels of its path: `unix` on `demo::types` and `feature = \"b\"` on `demo::types::T`",
            "error src/lib.rs:13:5 plugin `demo::a::item` is under `#[cfg]` on two levels of its path: `unix` on `demo::a` and `feature = \"x\"` on `demo::a::item`",
        ]
    );
    assert_eq!(
        out.diagnostics[0].help.as_deref(),
        Some(
            "put the `#[cfg]`s on one level: the item, or one enclosing module (combine them with `all(..)`)"
        )
    );
    // Under the root's `#![cfg]` alone, an item in the root is gated itself.
    assert_eq!(
        pkg.decls(&out),
        ["ns root=demo::root Function cfg(unix) @ src/lib.rs:17:1"]
    );

    // An impl in a gated module for a type declared elsewhere: the cfg gates the impl (the
    // item), not the type's path.
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        "#[cfg(feature = \"b\")]\npub mod imp {\n    #[plugin(namespace = \"ns\", name = \"t\")]\n    impl Trait for crate::types::T {}\n}\npub mod types {\n    pub struct T;\n}\n",
    )]);
    let out = pkg.scan();
    clean(&pkg, &out);
    assert_eq!(
        pkg.decls(&out),
        ["ns t=demo::types::T Type cfg(feature = \"b\") @ src/lib.rs:3:5"]
    );
}

#[test]
fn attribute_through_any_path_ending_in_plugin() {
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        r#"
#[plux_runtime::plugin(namespace = "ns")]
pub fn a() {}
#[::x::y::plugin(namespace = "ns")]
pub fn b() {}
#[plugins(namespace = "ns")]
pub fn not_ours() {}
#[plugin::other(namespace = "ns")]
pub fn not_ours_either() {}
"#,
    )]);
    let out = pkg.scan();
    clean(&pkg, &out);
    assert_eq!(
        pkg.decls(&out),
        [
            "ns a=demo::a Function @ src/lib.rs:2:1",
            "ns b=demo::b Function @ src/lib.rs:4:1",
        ]
    );
}

#[test]
fn lookalikes_are_not_declarations() {
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        r##"
//! ```
//! #[plugin(namespace = "doc")]
//! pub fn in_crate_doc() {}
//! ```

macro_rules! declare {
    () => {
        #[plugin(namespace = "macro")]
        pub fn in_macro() {}
        pub static M: PluginSpec<dyn P> = PluginSpec::new("macro", "m", f);
    };
}

/// #[plugin(namespace = "doc")]
/// pub fn in_doc() {}
pub const TEXT: &str = r#"#[plugin(namespace = "str")] pub fn in_string() {}"#;

pub fn body() {
    let _ = "#[plugin(namespace = \"str\")] pub fn in_string() {}";
    println!("#[plugin(namespace = \"str\")]");
}
"##,
    )]);
    let out = pkg.scan();
    clean(&pkg, &out);
    assert!(out.declarations.is_empty(), "{:#?}", pkg.decls(&out));
}

#[test]
fn declarations_in_function_bodies_are_warned_about() {
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        r#"
pub fn body() {
    #[plugin(namespace = "ns")]
    fn in_body() {}
    static S: PluginSpec<dyn P> = PluginSpec::new("ns", "s", f);
    if true {
        mod m {
            #[plugin(namespace = "ns", name = "t")]
            impl P for T {}
        }
    }
}
pub struct T;
impl T {
    pub fn method() {
        #[plugin(namespace = "ns")]
        fn nested() {}
    }
}
"#,
    )]);
    let out = pkg.scan();
    assert!(out.declarations.is_empty());
    let warning = "plugin declared inside a function body cannot be reached; it is ignored";
    assert_eq!(
        pkg.diags(&out.diagnostics),
        [
            format!("warning src/lib.rs:3:5 {warning}"),
            format!("warning src/lib.rs:5:12 {warning}"),
            format!("warning src/lib.rs:8:13 {warning}"),
            format!("warning src/lib.rs:16:9 {warning}"),
        ]
    );
}

#[test]
fn raw_identifiers() {
    let pkg = Pkg::new(&[
        ("src/lib.rs", "pub mod r#type;\n"),
        (
            "src/type.rs",
            "#[plugin(namespace = \"ns\")]\npub fn r#match() {}\n#[plugin(namespace = \"ns\", name = \"impl\")]\nimpl P for r#struct {}\n",
        ),
    ]);
    let out = pkg.scan();
    clean(&pkg, &out);
    assert_eq!(
        pkg.decls(&out),
        [
            "ns impl=demo::r#type::r#struct Type @ src/type.rs:3:1",
            "ns match=demo::r#type::r#match Function @ src/type.rs:1:1",
        ]
    );
}

#[test]
fn type_paths_as_written() {
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            "pub mod m;\npub mod types { pub struct T; }\n",
        ),
        (
            "src/m.rs",
            r#"
pub mod inner { pub struct U; }
#[plugin(namespace = "ns", name = "a")]
impl P for crate::types::T {}
#[plugin(namespace = "ns", name = "b")]
impl P for super::types::T {}
#[plugin(namespace = "ns", name = "c")]
impl P for inner::U {}
#[plugin(namespace = "ns", name = "d")]
impl P for self::inner::U {}
#[plugin(namespace = "ns", name = "e")]
impl P for Vec<u8> {}
#[plugin(namespace = "ns", name = "f")]
impl P {}
#[plugin(namespace = "ns")]
impl P for NoName {}
"#,
        ),
    ]);
    let out = pkg.scan();
    assert_eq!(
        pkg.decls(&out),
        [
            "ns a=demo::types::T Type @ src/m.rs:3:1",
            "ns b=demo::types::T Type @ src/m.rs:5:1",
            "ns c=demo::m::inner::U Type @ src/m.rs:7:1",
            "ns d=demo::m::inner::U Type @ src/m.rs:9:1",
        ]
    );
    assert_eq!(
        pkg.diags(&out.diagnostics),
        [
            "error src/m.rs:12:12 a plugin type cannot have generic arguments",
            "error src/m.rs:13:1 `#[plugin]` on an impl without a trait",
            "error src/m.rs:15:1 `#[plugin]` on an impl needs `name = \"...\"`",
        ]
    );
}

#[test]
fn namespaces_and_names_from_consts() {
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            r#"
pub mod consts;
pub mod a;
pub mod b;
const LOCAL: &str = "local.ns";

#[plugin(namespace = consts::NS, name = NAME)]
pub fn ok() {}
#[plugin(namespace = crate::consts::NS)]
pub fn ok_full_path() {}
#[plugin(namespace = MISSING)]
pub fn missing() {}
#[plugin(namespace = DUP)]
pub fn ambiguous() {}
#[plugin(namespace = a::DUP)]
pub fn disambiguated() {}
#[plugin(namespace = LOCAL)]
pub fn local() {}
#[plugin(namespace = NOT_A_STR)]
pub fn not_a_str() {}
#[plugin(namespace = concat!("a", "b"))]
pub fn concat() {}
pub static S: PluginSpec<dyn P> = PluginSpec::new(consts::NS, make_name(), f);
"#,
        ),
        (
            "src/consts.rs",
            "pub const NS: &str = \"const.ns\";\npub const NAME: &'static str = \"from_const\";\npub const NOT_A_STR: &str = concat!(\"x\");\n",
        ),
        ("src/a.rs", "pub const DUP: &str = \"a.ns\";\n"),
        ("src/b.rs", "pub const DUP: &str = \"b.ns\";\n"),
    ]);
    let out = pkg.scan();
    assert_eq!(
        pkg.decls(&out),
        [
            "a.ns disambiguated=demo::disambiguated Function @ src/lib.rs:15:1",
            "const.ns from_const=demo::ok Function @ src/lib.rs:7:1",
            "const.ns ok_full_path=demo::ok_full_path Function @ src/lib.rs:9:1",
            "local.ns local=demo::local Function @ src/lib.rs:17:1",
        ]
    );
    assert_eq!(
        pkg.diags(&out.diagnostics),
        [
            "error src/lib.rs:11:22 cannot find `const MISSING` in this crate",
            "error src/lib.rs:13:22 `DUP` is ambiguous: several consts `DUP` exist",
            "error src/lib.rs:19:22 namespace must be a string literal or a const holding one",
            "error src/lib.rs:21:22 namespace must be a string literal or a const holding one",
            "error src/lib.rs:23:63 name must be a string literal or a const holding one",
        ]
    );
    let ambiguous = &out.diagnostics[1];
    assert_eq!(ambiguous.notes.len(), 2, "{ambiguous}");
    assert!(ambiguous.notes[0].starts_with("`crate::a::DUP` at "));
    assert!(ambiguous.notes[1].starts_with("`crate::b::DUP` at "));
    assert!(out.diagnostics[2].notes[0].contains("does not hold a string literal"));
}

#[test]
fn private_module_on_the_way_is_an_error_at_the_declaration() {
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            "pub mod open;\nmod hidden;\npub(crate) mod semi;\n",
        ),
        (
            "src/open.rs",
            "#[plugin(namespace = \"ns\")]\npub fn fine() {}\n",
        ),
        (
            "src/hidden.rs",
            "\n  #[plugin(namespace = \"ns\")]\n  pub fn unreachable() {}\n",
        ),
        (
            "src/semi.rs",
            "pub static S: PluginSpec<dyn P> = PluginSpec::new(\"ns\", \"s\", f);\n",
        ),
    ]);
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out.diagnostics),
        [
            "error src/hidden.rs:2:3 plugin `demo::hidden::unreachable` is not reachable from other crates: module `crate::hidden` is private, and no `pub use` re-exports the plugin",
            "error src/semi.rs:1:12 plugin `demo::semi::S` is not reachable from other crates: module `crate::semi` is private, and no `pub use` re-exports the plugin",
        ]
    );
    let d = &out.diagnostics[0];
    assert_eq!(
        d.help.as_deref(),
        Some("make `mod hidden` pub, or re-export the plugin with `pub use`")
    );
    assert_eq!(
        d.notes,
        [format!(
            "`mod hidden` is declared at {}:2:1",
            pkg.root().join("src/lib.rs").display()
        )]
    );
    assert!(
        d.to_string().contains(&format!(
            " --> {}:2:3",
            pkg.root().join("src/hidden.rs").display()
        )),
        "{d}"
    );
}

#[test]
fn private_items_are_errors_in_libraries() {
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        r#"
#[plugin(namespace = "ns")]
fn private_fn() {}
#[plugin(namespace = "ns")]
pub(crate) fn crate_fn() {}
static PRIVATE: PluginSpec<dyn P> = PluginSpec::new("ns", "p", f);
#[plugin(namespace = "ns", name = "t")]
impl P for PrivateTypeIsFine {}
"#,
    )]);
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out.diagnostics),
        [
            "error src/lib.rs:2:1 plugin `demo::private_fn` is not reachable from other crates: `fn private_fn` is not `pub`",
            "error src/lib.rs:4:1 plugin `demo::crate_fn` is not reachable from other crates: `fn crate_fn` is not `pub`",
            "error src/lib.rs:6:8 plugin `demo::PRIVATE` is not reachable from other crates: `static PRIVATE` is not `pub`",
        ]
    );
}

#[test]
fn unparsable_file_is_located_and_the_rest_is_still_scanned() {
    let pkg = Pkg::new(&[
        ("src/lib.rs", "pub mod bad;\npub mod good;\n"),
        ("src/bad.rs", "pub fn ok() {}\n\npub fn broken( {\n"),
        (
            "src/good.rs",
            "#[plugin(namespace = \"ns\")]\npub fn good() {}\n",
        ),
    ]);
    let out = pkg.scan();
    assert_eq!(
        pkg.decls(&out),
        ["ns good=demo::good::good Function @ src/good.rs:1:1"]
    );
    assert_eq!(
        out.diagnostics.len(),
        1,
        "{:#?}",
        pkg.diags(&out.diagnostics)
    );
    let d = &out.diagnostics[0];
    let location = d.location.as_ref().unwrap();
    assert_eq!(
        (
            pkg.rel(&location.file).as_str(),
            location.line,
            location.column
        ),
        ("src/bad.rs", 3, 16)
    );
    assert!(d.message.starts_with("cannot parse `"), "{d}");
    assert!(d.help.as_deref().unwrap().contains("`exclude`"), "{d}");
    assert!(pkg.files(&out).contains(&"src/bad.rs".to_owned()));
}

#[test]
fn unreadable_and_non_utf8_files_are_diagnostics() {
    let pkg = Pkg::new(&[("src/lib.rs", "pub mod latin1;\npub mod gone;\n")]);
    pkg.write("src/latin1.rs", b"// ok\n// caf\xe9\n");
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out.diagnostics),
        [
            "error src/latin1.rs:2:7 `".to_owned()
                + &pkg.root().join("src/latin1.rs").display().to_string()
                + "` is not valid UTF-8",
            "error src/lib.rs:2:1 file not found for module `gone`".to_owned(),
        ]
    );
    let help = out.diagnostics[1].help.as_deref().unwrap();
    assert!(
        help.contains("gone.rs") && help.contains("mod.rs"),
        "{help}"
    );
}

#[test]
fn ambiguous_or_missing_module_files_are_errors_at_the_mod_item() {
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            "pub mod both;\n#[path = \"nowhere.rs\"]\nmod gone;\n#[cfg(test)]\nmod tests;\n",
        ),
        ("src/both.rs", ""),
        ("src/both/mod.rs", ""),
    ]);
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out.diagnostics),
        [
            "error src/lib.rs:1:9 file for module `both` found at both `".to_owned()
                + &pkg.root().join("src/both.rs").display().to_string()
                + "` and `"
                + &pkg.root().join("src/both/mod.rs").display().to_string()
                + "`",
            "error src/lib.rs:3:1 file not found for module `gone`".to_owned(),
        ]
    );
}

#[test]
fn missing_crate_root_is_a_diagnostic() {
    let pkg = Pkg::new(&[("Cargo.toml", "")]);
    let out = pkg.scan();
    assert!(out.declarations.is_empty() && out.files.is_empty());
    assert_eq!(out.diagnostics.len(), 1);
    assert!(out.diagnostics[0].message.starts_with("cannot read `"));
    assert!(out.diagnostics[0].message.contains("lib.rs"));
}

#[test]
fn missing_file_under_cfg_is_a_warning() {
    let pkg = Pkg::new(&[("src/lib.rs", "#[cfg(windows)]\npub mod win;\n")]);
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out.diagnostics),
        ["warning src/lib.rs:2:1 file not found for module `win`"]
    );
}

#[test]
fn bad_names_and_namespaces_are_reported_at_the_literal() {
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        r#"
pub static A: PluginSpec<dyn P> = PluginSpec::new("ns", "a=b", f);
pub static B: PluginSpec<dyn P> = PluginSpec::new("ns", " b", f);
pub static C: PluginSpec<dyn P> = PluginSpec::new("ns", "", f);
pub static D: PluginSpec<dyn P> = PluginSpec::new("ns", "[d", f);
pub static E: PluginSpec<dyn P> = PluginSpec::new("ns", "e\u{7}", f);
pub static F: PluginSpec<dyn P> = PluginSpec::new("bad ns", "f", f);
pub static G: PluginSpec<dyn P> = PluginSpec::new("", "g", f);
pub static H: PluginSpec<dyn P> = PluginSpec::new("ns", "fine name", f);
pub static I: PluginSpec<dyn P> = make();
"#,
    )]);
    let out = pkg.scan();
    assert_eq!(
        pkg.decls(&out),
        ["ns fine name=demo::H Spec @ src/lib.rs:9:12"]
    );
    assert_eq!(
        pkg.diags(&out.diagnostics),
        [
            "error src/lib.rs:2:57 plugin name `a=b` contains `=`",
            "error src/lib.rs:3:57 plugin name ` b` has leading or trailing whitespace",
            "error src/lib.rs:4:57 plugin name is empty",
            "error src/lib.rs:5:57 plugin name `[d` starts with `[`",
            "error src/lib.rs:6:57 plugin name `e\\u{7}` contains a control character",
            "error src/lib.rs:7:51 namespace `bad ns` contains ` `",
            "error src/lib.rs:8:51 namespace is empty",
            "error src/lib.rs:10:12 cannot read the namespace and name of plugin spec `I`",
        ]
    );
}

#[test]
fn duplicates_name_both_places() {
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            "pub mod a;\npub mod b;\n#[cfg(unix)]\npub mod c;\n#[cfg(windows)]\npub mod d;\n",
        ),
        (
            "src/a.rs",
            "#[plugin(namespace = \"ns\")]\npub fn dup() {}\n",
        ),
        (
            "src/b.rs",
            "\npub static DUP: PluginSpec<dyn P> = PluginSpec::new(\"ns\", \"dup\", f);\n",
        ),
        (
            "src/c.rs",
            "#[plugin(namespace = \"ns\")]\npub fn per_os() {}\n",
        ),
        (
            "src/d.rs",
            "#[plugin(namespace = \"ns\")]\npub fn per_os() {}\n",
        ),
    ]);
    let out = pkg.scan();
    clean(&pkg, &out);
    let found = duplicates(&out.declarations);
    assert_eq!(
        pkg.diags(&found),
        [
            "error src/a.rs:1:1 duplicate plugin `dup` in namespace `ns`",
            "warning src/c.rs:1:1 duplicate plugin `per_os` in namespace `ns`",
        ]
    );
    assert_eq!(
        found[0].notes,
        [format!(
            "also declared at {}:2:12 (`demo::b::DUP`)",
            pkg.root().join("src/b.rs").display()
        )]
    );
}

#[test]
fn exclude_skips_files_and_modules_with_their_subtrees() {
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            "pub mod legacy;\npub mod old;\npub mod keep;\npub mod gen;\n",
        ),
        (
            "src/legacy/mod.rs",
            "pub mod deeper;\nthis does not parse\n",
        ),
        (
            "src/legacy/deeper.rs",
            "#[plugin(namespace = \"ns\")]\npub fn deeper() {}\n",
        ),
        (
            "src/old.rs",
            "pub mod inner { #[plugin(namespace = \"ns\")] pub fn old() {} }\n",
        ),
        (
            "src/keep.rs",
            "#[plugin(namespace = \"ns\")]\npub fn keep() {}\n",
        ),
    ]);
    let options = ScanOptions {
        exclude: vec![
            "src/legacy/**".into(),
            "crate::old::*".into(),
            "src/gen.rs".into(),
        ],
        ..ScanOptions::default()
    };
    let out = pkg.scan_with(&options);
    clean(&pkg, &out);
    assert_eq!(
        pkg.decls(&out),
        ["ns keep=demo::keep::keep Function @ src/keep.rs:1:1"]
    );
    assert_eq!(pkg.files(&out), ["src/keep.rs", "src/lib.rs"]);

    let by_crate_name = pkg.scan_with(&ScanOptions {
        exclude: vec![
            "demo::legacy".into(),
            "demo::old::inner".into(),
            "crate::gen".into(),
        ],
        ..ScanOptions::default()
    });
    clean(&pkg, &by_crate_name);
    assert_eq!(by_crate_name.declarations.len(), 1);
    assert!(by_crate_name.files.contains(&pkg.root().join("src/old.rs")));
}

#[test]
fn include_limits_which_declarations_are_kept() {
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            "pub mod services;\npub mod other;\n#[plugin(namespace = \"ns\")]\npub fn root() {}\n",
        ),
        (
            "src/services.rs",
            "pub mod s3;\npub const NS: &str = \"ns\";\n",
        ),
        (
            "src/services/s3.rs",
            "#[plugin(namespace = crate::other::NS2)]\npub fn s3() {}\n",
        ),
        (
            "src/other.rs",
            "pub const NS2: &str = \"ns2\";\n#[plugin(namespace = \"ns\")]\npub struct Misplaced;\nfn f() { #[plugin(namespace = \"ns\")] fn g() {} }\n#[plugin(namespace = \"ns\")]\npub fn other() {}\n",
        ),
    ]);
    for pattern in ["crate::services", "src/services.rs"] {
        let out = pkg.scan_with(&ScanOptions {
            include: vec![pattern.into()],
            ..ScanOptions::default()
        });
        clean(&pkg, &out);
        assert_eq!(
            pkg.decls(&out),
            ["ns2 s3=demo::services::s3::s3 Function @ src/services/s3.rs:1:1"],
            "{pattern}"
        );
    }
}

#[test]
fn bad_pattern_is_a_config_error() {
    let pkg = Pkg::new(&[("src/lib.rs", "")]);
    let err = scan_target(
        &pkg.target(TargetKind::Lib),
        &ScanOptions {
            include: vec!["crate::{a".into()],
            ..ScanOptions::default()
        },
    )
    .unwrap_err();
    assert!(matches!(err, plux_build::Error::Config(_)), "{err}");
    assert!(err.to_string().contains("`crate::{a`"), "{err}");
}

/// A crate with enough files that parallel order varies, and problems in several of them.
fn wide_pkg() -> Pkg {
    let mut files: Vec<(String, String)> = Vec::new();
    let mut lib = String::new();
    for i in 0..40 {
        lib.push_str(&format!("pub mod m{i};\n"));
        let text = if i % 7 == 3 {
            "fn broken(\n".to_owned()
        } else {
            format!(
                "#[plugin(namespace = \"ns{}\", name = \"p{}\")]\nimpl P for T{i} {{}}\n#[plugin(namespace = \"ns\")]\nfn private_{i}() {{}}\npub static S: PluginSpec<dyn P> = PluginSpec::new(\"ns\", \"s\", f);\n",
                i % 3,
                i % 5
            )
        };
        files.push((format!("src/m{i}.rs"), text));
    }
    files.push(("src/lib.rs".into(), lib));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    Pkg::new(&refs)
}

#[test]
fn output_is_deterministic_across_runs_and_thread_counts() {
    let pkg = wide_pkg();
    let first = pkg.scan();
    assert!(first.declarations.len() > 60);
    assert!(first.diagnostics.len() > 30);
    let second = pkg.scan();
    assert_eq!(first, second);
    let single = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| pkg.scan());
    assert_eq!(first, single);
    let dups = duplicates(&first.declarations);
    assert_eq!(dups, duplicates(&single.declarations));
    assert!(!dups.is_empty());
}

#[test]
fn module_cycles_do_not_hang() {
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            "#[path = \"lib.rs\"]\npub mod again;\npub mod a;\n",
        ),
        (
            "src/a.rs",
            "#[path = \"a.rs\"]\npub mod a;\n#[plugin(namespace = \"ns\")]\npub fn f() {}\n",
        ),
    ]);
    let out = pkg.scan();
    let diags = pkg.diags(&out.diagnostics);
    assert_eq!(diags.len(), 2, "{diags:#?}");
    assert!(
        diags.iter().all(|d| d.contains("circular modules")),
        "{diags:#?}"
    );
    assert_eq!(pkg.decls(&out), ["ns f=demo::a::f Function @ src/a.rs:3:1"]);
}

#[cfg(unix)]
#[test]
fn symlink_loops_do_not_hang() {
    let pkg = Pkg::new(&[
        ("src/lib.rs", "pub mod a;\n"),
        (
            "src/a/mod.rs",
            "pub mod l;\n#[plugin(namespace = \"ns\")]\npub fn f() {}\n",
        ),
    ]);
    // src/a/l -> src/a: `mod l;` finds `l/mod.rs`, which is `a/mod.rs` again.
    std::os::unix::fs::symlink(pkg.root().join("src/a"), pkg.root().join("src/a/l")).unwrap();
    let out = pkg.scan();
    assert_eq!(
        pkg.decls(&out),
        ["ns f=demo::a::f Function @ src/a/mod.rs:2:1"]
    );
    assert_eq!(out.diagnostics.len(), 1);
    assert!(out.diagnostics[0].message.contains("circular modules"));

    // Loose files: the walk does not follow the link at all.
    let loose = Pkg::new(&[("x/a.rs", "#[plugin(namespace = \"ns\")]\npub fn f() {}\n")]);
    std::os::unix::fs::symlink(loose.root().join("x"), loose.root().join("x/loop")).unwrap();
    let out = scan_dir(loose.root(), "loose", &ScanOptions::default()).unwrap();
    assert_eq!(
        loose.decls(&out),
        ["ns f=loose::x::a::f Function @ x/a.rs:1:1"]
    );
}

#[test]
fn scan_dir_uses_a_crate_root_when_there_is_one() {
    let pkg = Pkg::new(&[
        ("src/lib.rs", "pub mod a;\n"),
        ("src/a.rs", "#[plugin(namespace = \"ns\")]\npub fn f() {}\n"),
        (
            "src/unreached.rs",
            "#[plugin(namespace = \"ns\")]\npub fn g() {}\n",
        ),
    ]);
    let out = scan_dir(pkg.root(), "pkg", &ScanOptions::default()).unwrap();
    assert_eq!(pkg.decls(&out), ["ns f=pkg::a::f Function @ src/a.rs:1:1"]);
    // The file no module path reaches is not scanned, and said so.
    assert_eq!(
        pkg.diags(&out.diagnostics),
        [
            "warning src/unreached.rs:1:3 this file mentions plugins, but no module path reaches it: it was not scanned"
        ]
    );
}

#[test]
fn scan_dir_without_a_root_scans_every_file() {
    let pkg = Pkg::new(&[
        (
            "one.rs",
            "#[plugin(namespace = \"ns\")]\nfn private_is_fine_here() {}\n",
        ),
        (
            "sub/mod.rs",
            "mod not_followed;\n#[plugin(namespace = \"ns\")]\npub fn in_sub() {}\n",
        ),
        (
            "sub/two.rs",
            "pub static S: PluginSpec<dyn P> = PluginSpec::new(\"ns\", \"two\", f);\n",
        ),
        (
            "target/debug/skip.rs",
            "#[plugin(namespace = \"ns\")]\npub fn skipped() {}\n",
        ),
        (
            ".hidden/skip.rs",
            "#[plugin(namespace = \"ns\")]\npub fn skipped2() {}\n",
        ),
        (
            "bad-name.rs",
            "#[plugin(namespace = \"ns\")]\npub fn bad() {}\n",
        ),
        ("not-a-mod/x.rs", "pub fn x() {}\n"),
        ("not-a-mod/y.rs", "pub fn y() {}\n"),
        (
            "tests/it.rs",
            "#[plugin(namespace = \"ns\")]\npub fn in_tests_dir() {}\n",
        ),
    ]);
    let out = scan_dir(pkg.root(), "dir", &ScanOptions::default()).unwrap();
    assert_eq!(
        pkg.decls(&out),
        [
            "ns in_sub=dir::sub::in_sub Function @ sub/mod.rs:2:1",
            "ns private_is_fine_here=dir::one::private_is_fine_here Function @ one.rs:1:1",
            "ns two=dir::sub::two::S Spec @ sub/two.rs:1:12",
        ]
    );
    assert_eq!(
        pkg.diags(&out.diagnostics),
        [
            format!(
                "warning - skipped `{}`: `bad-name` is not a module name",
                pkg.root().join("bad-name.rs").display()
            ),
            format!(
                "warning - skipped `{}`: `not-a-mod` is not a module name",
                pkg.root().join("not-a-mod").display()
            ),
        ]
    );

    let with_tests = scan_dir(
        pkg.root(),
        "dir",
        &ScanOptions {
            include_tests: true,
            ..ScanOptions::default()
        },
    )
    .unwrap();
    assert!(
        with_tests
            .declarations
            .iter()
            .any(|d| d.value == "dir::tests::it::in_tests_dir")
    );
}

#[test]
fn scan_dir_with_main_rs_is_a_binary() {
    let pkg = Pkg::new(&[
        ("src/main.rs", "mod cli;\nfn main() {}\n"),
        (
            "src/cli.rs",
            "#[plugin(namespace = \"ns\")]\nfn private_is_fine() {}\n",
        ),
    ]);
    let out = scan_dir(pkg.root(), "app", &ScanOptions::default()).unwrap();
    clean(&pkg, &out);
    assert_eq!(
        pkg.decls(&out),
        ["ns private_is_fine=crate::cli::private_is_fine Function @ src/cli.rs:1:1"]
    );
}

#[test]
fn misplaced_attributes_are_reported() {
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        r#"
#[plugin(namespace = "ns")]
pub struct S;
pub struct T;
impl T {
    #[plugin(namespace = "ns")]
    pub fn method() {}
}
#[plugin]
pub fn no_namespace() {}
#[plugin(namespace: "ns")]
pub fn bad_syntax() {}
"#,
    )]);
    let out = pkg.scan();
    assert!(out.declarations.is_empty());
    assert_eq!(
        pkg.diags(&out.diagnostics),
        [
            "error src/lib.rs:2:1 `#[plugin]` on an item that cannot be a plugin",
            "error src/lib.rs:6:5 `#[plugin]` on a method",
            "error src/lib.rs:9:1 `#[plugin]` needs `namespace = \"...\"`",
            "error src/lib.rs:11:19 cannot read `#[plugin]` arguments: expected `,`",
        ]
    );
}

#[test]
fn several_private_modules_are_all_named_in_the_help() {
    let pkg = Pkg::new(&[
        ("src/lib.rs", "mod a;\n"),
        ("src/a.rs", "pub mod b;\nmod c;\n"),
        (
            "src/a/c.rs",
            "#[plugin(namespace = \"ns\")]\npub fn f() {}\n",
        ),
        ("src/a/b.rs", ""),
    ]);
    let out = pkg.scan();
    assert_eq!(
        out.diagnostics.len(),
        1,
        "{:#?}",
        pkg.diags(&out.diagnostics)
    );
    assert_eq!(
        out.diagnostics[0].help.as_deref(),
        Some("make `mod a` and `mod c` pub, or re-export the plugin with `pub use`")
    );
}

/// Parentheses `depth` deep, in the body of a plugin fn (`in_plugin`, so that syn must parse
/// them) or in a const of a file that also declares a plugin.
fn nested_file(depth: usize, in_plugin: bool) -> String {
    let nested = format!("{}1{}", "(".repeat(depth), ")".repeat(depth));
    let plugin = "#[plugin(namespace = \"ns\")]\npub fn before() -> u32 {\n";
    if in_plugin {
        format!("pub mod inner;\n{plugin}    {nested}\n}}\n")
    } else {
        format!("pub mod inner;\n{plugin}    1\n}}\npub const DEEP: u32 = {nested};\n")
    }
}

fn nested_pkg(deep: &str) -> Pkg {
    let plugin = |name: &str| format!("#[plugin(namespace = \"ns\")]\npub fn {name}() {{}}\n");
    Pkg::new(&[
        ("src/lib.rs", "pub mod deep;\npub mod after;\n"),
        ("src/deep.rs", deep),
        ("src/deep/inner.rs", &plugin("inner")),
        ("src/after.rs", &plugin("after")),
    ])
}

#[test]
fn deeply_nested_code_is_a_located_diagnostic_not_a_crash() {
    // Within the limit: parsed with syn on the scan threads' large stacks.
    let pkg = nested_pkg(&nested_file(255, true));
    let out = pkg.scan();
    clean(&pkg, &out);
    assert_eq!(out.declarations.len(), 3);

    // Pathological, where syn must read it: a located error, and the rest of the crate is
    // still scanned.
    let pkg = nested_pkg(&nested_file(5_000, true));
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out.diagnostics),
        ["error src/deep.rs:4:260 cannot parse `".to_owned()
            + &pkg.root().join("src/deep.rs").display().to_string()
            + "`: delimiters nest deeper than 256 levels"]
    );
    assert!(
        out.diagnostics[0]
            .help
            .as_deref()
            .unwrap()
            .contains("exclude")
    );
    assert_eq!(
        pkg.decls(&out),
        ["ns after=demo::after::after Function @ src/after.rs:1:1"]
    );

    // Elsewhere the skimmer reads the file without syn: declarations and `mod` items count.
    // (Parsing every file with syn, the file is reported as above.)
    let pkg = nested_pkg(&nested_file(5_000, false));
    let out =
        scan_target_with(&pkg.target(TargetKind::Lib), &ScanOptions::default(), true).unwrap();
    clean(&pkg, &out);
    assert_eq!(
        pkg.decls(&out),
        [
            "ns after=demo::after::after Function @ src/after.rs:1:1",
            "ns before=demo::deep::before Function @ src/deep.rs:2:1",
            "ns inner=demo::deep::inner::inner Function @ src/deep/inner.rs:1:1",
        ]
    );
    let full = scan_target_with(&pkg.target(TargetKind::Lib), &ScanOptions::default(), false);
    assert!(
        full.unwrap().diagnostics[0]
            .message
            .contains("nest deeper than 256")
    );
}

#[test]
fn deep_recursion_without_delimiters_does_not_overflow() {
    // `- - - … 1` and `else if` chains recurse in syn without nesting delimiters.
    let mut text = String::from("#[plugin(namespace = \"ns\")]\npub fn f() -> i32 {\n");
    text.push_str(&"- ".repeat(3_000));
    text.push_str("1\n}\n#[plugin(namespace = \"ns\")]\npub fn g(x: i32) -> i32 {\n");
    for i in 0..1_000 {
        text.push_str(&format!("if x == {i} {{ {i} }} else "));
    }
    text.push_str("{ 0 }\n}\n");
    let pkg = Pkg::new(&[("src/lib.rs", text.as_str())]);
    let out = pkg.scan();
    clean(&pkg, &out);
    assert_eq!(out.declarations.len(), 2);
}

/// Module-level text the skimmer must read exactly like syn: every kind of `mod` and `const`,
/// and lexing traps around them. `{i}` is the file's index; none mentions plugins.
const SKIM_PIECES: &[&str] = &[
    "pub const NS{i}: &str = \"ns.{i}\";\n",
    "const PAREN{i}: &str = ((\"paren\"));\n",
    "pub const RAW{i}: &'static str = r#\"raw \"mod x;\" }\"#;\n",
    "const NUM{i}: usize = 3 + (4 * 2);\nconst _: () = ();\n",
    "pub const fn cf{i}() -> u8 { 1 }\npub const unsafe fn cu{i}() {}\n",
    "const CMP{i}: bool = 1 == 2;\nconst NOT{i}: &str = concat!(\"a\", \"b\");\n",
    "#[cfg(test)]\nconst TEST_ONLY{i}: &str = \"test\";\n",
    "#[cfg(feature = \"x\")]\n#[doc = \"d\"]\npub(crate) const FEAT{i}: &str = \"feat\";\n",
    "impl<const N: usize> Tr for [u8; N] { const C: &'static str = \"in impl\"; }\n",
    "struct G{i}<const N: usize = { 3 }>;\ntype A{i} = dyn Iterator<Item = u8>;\n",
    "const ASSOC{i}: Option<Box<dyn Fn() -> u8>> = None;\n",
    "fn f{i}() { let _ = \"mod fake;\"; let _c = '{'; let _q = '\"'; }\n",
    "/* mod commented; /* nested */ } */\n// mod line_comment;\n",
    "static S{i}: &[u8] = b\"}\";\nconst B{i}: u8 = b'}';\n",
    "fn lt{i}<'a>(x: &'a str) -> &'a str { 'outer: loop { break 'outer x; } }\n",
    "macro_rules! m{i} { () => { mod in_macro; const IN_MACRO: &str = \"m\"; }; }\n",
    "other_macro! { mod in_invocation; }\n",
    "use std::{fmt, io};\nconst AFTER_USE{i}: &str = \"after use\";\n",
    "pub /* comment */ const /* c */ SPACED{i} /* c */ : &str = /* c */ \"spaced\" /* c */ ;\n",
    "const r#const{i}: &str = \"raw ident\";\n",
    "const UNI{i}: &str = \"ünï {{\"; const AFTER_UNI{i}: &str = \"x\";\n",
    "pub const SHARED: &str = \"shared.{i}\";\n",
];

/// The consts a piece declares at module level (named with `{i}`, or `SHARED`).
fn piece_consts(piece: &str) -> Vec<String> {
    let piece = piece.replace("/* c */ ", "");
    piece
        .split("const ")
        .skip(1)
        .map(|rest| {
            rest.chars()
                .take_while(|c| c.is_alphanumeric() || "_#{}".contains(*c))
                .collect::<String>()
        })
        .filter(|name| name.contains("{i}") || name == "SHARED")
        .collect()
}

/// Plugin text among ordinary items: the skimmer parses just the items that mention it.
const PLUGIN_PIECES: &[&str] = &[
    "use plux_runtime::{plugin, PluginSpec};\n",
    "/// The plugin of {i}; PluginSpec.\n#[plugin(namespace = \"in.file\")]\npub fn f{i}() {}\n",
    "pub static SPEC{i}: PluginSpec<dyn P> = PluginSpec::new(NS{i}, \"spec{i}\", || Box::new(S {}));\n",
    "pub const CSPEC{i}: PluginSpec<dyn P> = PluginSpec::new(\"ns\", \"c{i}\", f);\n",
    "#[plugin(namespace = \"ns\")]\npub struct Misplaced{i};\n",
    "pub fn body{i}() { #[plugin(namespace = \"ns\")] fn inner() {} }\n",
    "#[plugin(namespace = \"ns\", name = \"t{i}\")]\nimpl P for crate::T<{ 1 }> {}\n",
    "#[plugin(namespace = \"ns\", name = \"u{i}\")]\nunsafe impl P for U {}\n",
    "mod plugin_mod_{i} { #![cfg(test)] #[plugin(namespace = \"ns\")] pub fn t() {} }\n",
    "// plugin in a comment only\n",
    "pub static BRACED{i}: PluginSpec<dyn P> = { PluginSpec::new(\"ns\", \"b{i}\", f) };\n",
];

/// A generated crate: a tree of modules in every layout, with consts, traps and plugins.
fn generated_pkg() -> Pkg {
    let mut files: Vec<(String, String)> = Vec::new();
    let mut lib = String::from("//! Generated.\n#![allow(dead_code)]\n");
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for i in 0..60 {
        let mut text = String::new();
        let mut consts = Vec::new();
        for _ in 0..4 {
            let piece = SKIM_PIECES[(next() % SKIM_PIECES.len() as u64) as usize];
            text.push_str(&piece.replace("{i}", &i.to_string()));
            consts.extend(
                piece_consts(piece)
                    .iter()
                    .map(|c| c.replace("{i}", &i.to_string())),
            );
        }
        // Children: a file module, an inline module with a file module inside, a `#[path]`.
        text.push_str(&format!(
            "pub mod c{i};\n/// Docs.\n#[cfg(unix)]\npub mod inl{i} {{\n    #![cfg(feature = \"inner\")]\n    \
             pub const IN{i}: &str = \"inner.{i}\";\n    pub mod leaf;\n}}\n#[path = \"shared/p{i}.rs\"]\npub mod p{i};\n"
        ));
        if i % 9 == 4 {
            text.push_str("#[cfg(test)]\nmod tests {\n    mod not_followed;\n}\n");
        }
        if i % 3 == 2 {
            text.push_str(&format!("pub const NS{i}: &str = \"ns.{i}\";\n"));
            for _ in 0..3 {
                let piece = PLUGIN_PIECES[(next() % PLUGIN_PIECES.len() as u64) as usize];
                text.push_str(&piece.replace("{i}", &i.to_string()));
            }
        }
        if i % 11 == 7 {
            text.push_str("pub fn broken( {\n");
        }
        let vis = if i % 13 == 5 { "" } else { "pub " };
        let (dir, file) = match i % 3 {
            0 => (format!("src/m{i}"), format!("src/m{i}.rs")),
            1 => (format!("src/m{i}"), format!("src/m{i}/mod.rs")),
            _ => (format!("src/m{i}"), format!("src/m{i}.rs")),
        };
        lib.push_str(&format!("{vis}mod m{i};\n"));
        files.push((file, text));
        let plugin = match i % 4 {
            0 => format!("#[plugin(namespace = super::NS{i}, name = \"c{i}\")]\npub fn c() {{}}\n"),
            1 => format!("#[plugin(namespace = crate::m{i}::inl{i}::IN{i})]\npub fn c() {{}}\n"),
            2 => {
                format!("pub static C: PluginSpec<dyn P> = PluginSpec::new(\"ns\", \"c{i}\", f);\n")
            }
            _ => format!(
                "pub const Q: &str = \"q{i}\";\n#[plugin(namespace = Q)]\npub fn c() {{}}\n"
            ),
        };
        // Every const of the parent, named from here: resolved, or reported the same way.
        let mut refs = plugin;
        for (k, name) in consts.iter().enumerate() {
            refs.push_str(&format!(
                "#[plugin(namespace = super::{name}, name = \"k{k}\")]\npub fn k{k}() {{}}\n"
            ));
        }
        files.push((format!("{dir}/c{i}.rs"), refs));
        files.push((format!("{dir}/inl{i}/leaf.rs"), "pub mod deeper;\n".into()));
        files.push((
            format!("{dir}/inl{i}/leaf/deeper.rs"),
            format!("#[plugin(namespace = \"deep\")]\npub fn d{i}() {{}}\n"),
        ));
        files.push((
            format!("src/shared/p{i}.rs"),
            format!("pub const P{i}: &str = \"p\";\n"),
        ));
    }
    lib.push_str("#[plugin(namespace = m0::NS0)]\npub fn root() {}\n");
    lib.push_str("#[plugin(namespace = SHARED)]\npub fn ambiguous() {}\n");
    files.push(("src/lib.rs".into(), lib));
    let refs: Vec<(&str, &str)> = files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    Pkg::new(&refs)
}

#[test]
fn prefilter_changes_nothing_on_a_generated_tree() {
    let pkg = generated_pkg();
    for options in [
        ScanOptions::default(),
        ScanOptions {
            include_tests: true,
            ..ScanOptions::default()
        },
        ScanOptions {
            include: vec!["crate::m1*".into()],
            exclude: vec!["src/shared/p3.rs".into()],
            ..ScanOptions::default()
        },
    ] {
        // `scan_target` here compares with and without the prefilter.
        let out = pkg.scan_with(&options);
        assert!(out.files.len() > 200, "{}", out.files.len());
        assert!(!out.declarations.is_empty());
    }
    let out = pkg.scan();
    assert!(out.declarations.len() > 80, "{:#?}", pkg.decls(&out));
    // Broken files without plugin text are still reported (the skimmer hands them to syn).
    let diags = pkg.diags(&out.diagnostics);
    assert!(
        diags.iter().any(|d| d.contains("cannot parse")),
        "{diags:#?}"
    );
    assert!(
        diags.iter().any(|d| d.contains("`SHARED` is ambiguous")),
        "{diags:#?}"
    );
    assert!(
        diags
            .iter()
            .any(|d| d.contains("namespace must be a string literal")),
        "{diags:#?}"
    );
    assert!(
        diags.iter().any(|d| d.contains("cannot be a plugin")),
        "{diags:#?}"
    );
    assert!(
        diags.iter().any(|d| d.contains("inside a function body")),
        "{diags:#?}"
    );
    assert!(out.declarations.iter().any(|d| d.name.starts_with("spec")));
    let out = scan_dir(&pkg.root().join("src"), "loose", &ScanOptions::default()).unwrap();
    assert!(out.declarations.len() > 80);
}
