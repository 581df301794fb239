//! Pathological and hostile sources (issue 6, build time): each one is a located diagnostic
//! or the correct result, never a panic or a hang. Every scan here runs with the prefilter on
//! and off, and both must agree.

// Helpers outside `#[test]` fns set up fixtures; a failure there is a test failure.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};

use plux_build::scan::{CrateTarget, ScanOptions, ScanOutput, TargetKind, scan_target_with};
use plux_build::{Diagnostic, Severity};

/// A package in a temp dir (`<tmp>/pkg`, so a test can put files beside it).
struct Pkg {
    tmp: tempfile::TempDir,
}

impl Pkg {
    fn new(files: &[(&str, &[u8])]) -> Self {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("pkg")).unwrap();
        let pkg = Self { tmp };
        for (path, bytes) in files {
            pkg.write(path, bytes);
        }
        pkg
    }

    /// A package of generated files.
    fn generated(files: &[(String, String)]) -> Self {
        let files: Vec<(&str, &[u8])> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_bytes()))
            .collect();
        Self::new(&files)
    }

    fn write(&self, path: &str, bytes: &[u8]) {
        let path = self.root().join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    fn root(&self) -> PathBuf {
        self.tmp.path().join("pkg")
    }

    fn target(&self) -> CrateTarget {
        CrateTarget {
            crate_name: "demo".into(),
            kind: TargetKind::Lib,
            root: self.root().join("src/lib.rs"),
            package_root: self.root(),
        }
    }

    /// Scans with the prefilter on and off; both must give the same output.
    fn scan(&self) -> ScanOutput {
        same_either_way(&self.target())
    }

    fn rel(&self, path: &Path) -> String {
        path.strip_prefix(self.root())
            .unwrap_or(path)
            .display()
            .to_string()
    }

    /// `name=value @ file:line:col`
    fn decls(&self, out: &ScanOutput) -> Vec<String> {
        out.declarations
            .iter()
            .map(|d| {
                let l = &d.location;
                format!(
                    "{}={} @ {}:{}:{}",
                    d.name,
                    d.value,
                    self.rel(&l.file),
                    l.line,
                    l.column
                )
            })
            .collect()
    }

    /// `error file:line:col message`, with the package root shown as `<pkg>`.
    fn diags(&self, out: &ScanOutput) -> Vec<String> {
        out.diagnostics
            .iter()
            .map(|d| self.diag(d))
            .collect::<Vec<_>>()
    }

    fn diag(&self, d: &Diagnostic) -> String {
        let level = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let at = d.location.as_ref().map_or("-".to_owned(), |l| {
            format!("{}:{}:{}", self.rel(&l.file), l.line, l.column)
        });
        let root = self.root().display().to_string();
        format!("{level} {at} {}", d.message.replace(&root, "<pkg>"))
    }
}

fn same_either_way(target: &CrateTarget) -> ScanOutput {
    let options = ScanOptions::default();
    let fast = scan_target_with(target, &options, true).unwrap();
    let full = scan_target_with(target, &options, false).unwrap();
    assert_eq!(fast, full, "the prefilter changed the result");
    fast
}

const PLUGIN: &str = "#[plugin(namespace = \"ns\")]\npub fn f() {}\n";

/// Whether this process can read a file that has mode 000 (it can as root).
#[cfg(unix)]
fn reads_anything(path: &Path) -> bool {
    std::fs::read(path).is_ok()
}

#[cfg(unix)]
fn chmod(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn ten_megabyte_file_is_scanned_completely() {
    // 10 MB of ordinary items with one plugin at the very end: nothing is cut off.
    let chunk = "/// Adds.\npub fn add(a: u32, b: u32) -> u32 {\n    a.wrapping_add(b)\n}\n";
    let copies = 10_000_000 / chunk.len() + 1;
    let mut text = chunk.repeat(copies);
    text = text.replace("pub fn add(", "fn add_");
    let mut numbered = String::with_capacity(text.len() + 64);
    for (i, piece) in text.split("fn add_").enumerate() {
        if i > 0 {
            numbered.push_str(&format!("fn add_{i}("));
        }
        numbered.push_str(piece);
    }
    let lines = numbered.lines().count();
    numbered.push_str(PLUGIN);
    assert!(numbered.len() >= 10_000_000);
    let pkg = Pkg::new(&[("src/lib.rs", numbered.as_bytes())]);
    let out = pkg.scan();
    assert_eq!(pkg.diags(&out), Vec::<String>::new());
    assert_eq!(
        pkg.decls(&out),
        [format!("f=demo::f @ src/lib.rs:{}:1", lines + 1)]
    );
}

#[test]
fn one_megabyte_line_is_scanned_in_linear_time() {
    // Minified or generated code: 50,000 items on one line, then a plugin. Locations of items
    // on a long line used to cost the whole line each (minutes for a few MB); now the scan
    // takes about as long as for the same text on many lines.
    let mut text: String = (0..50_000)
        .map(|i| format!("pub const C{i}: &str = \"x\";"))
        .collect();
    text.push_str("#[plugin(namespace = \"ns\", name = C49999)] pub fn f() {}\n");
    let pkg = Pkg::new(&[("src/lib.rs", text.as_bytes())]);
    let out = pkg.scan();
    assert_eq!(pkg.diags(&out), Vec::<String>::new());
    let column = text.find("#[plugin").unwrap() + 1;
    assert_eq!(
        pkg.decls(&out),
        [format!("x=demo::f @ src/lib.rs:1:{column}")]
    );
}

/// `depth` levels of `open`…`close` around `1`.
fn nest(depth: usize, open: &str, close: &str) -> String {
    format!("{}1{}", open.repeat(depth), close.repeat(depth))
}

#[test]
fn ten_thousand_deep_nesting_in_a_plugin_item_is_a_located_error() {
    for (open, close) in [("(", ")"), ("{", "}"), ("[", "]")] {
        let deep = format!(
            "pub fn ok() {{}}\n#[plugin(namespace = \"ns\")]\npub fn g() {{\n    {}\n}}\n",
            nest(10_000, open, close)
        );
        let pkg = Pkg::new(&[
            ("src/lib.rs", b"pub mod deep;\npub mod ok;\n"),
            ("src/deep.rs", deep.as_bytes()),
            ("src/ok.rs", PLUGIN.as_bytes()),
        ]);
        let out = pkg.scan();
        // At the 257th opening delimiter: `fn g`'s brace, then 256 more from column 5.
        assert_eq!(
            pkg.diags(&out),
            [
                "error src/deep.rs:4:260 cannot parse `<pkg>/src/deep.rs`: delimiters nest \
              deeper than 256 levels"
            ],
            "{open}{close}"
        );
        assert!(
            out.diagnostics[0]
                .help
                .as_deref()
                .unwrap()
                .contains("`exclude`")
        );
        // The rest of the crate is still scanned.
        assert_eq!(pkg.decls(&out), ["f=demo::ok::f @ src/ok.rs:1:1"]);
    }
}

#[test]
fn modules_nested_deeper_than_the_limit_are_a_located_error_in_linear_memory() {
    // 100,000 nested inline modules (1.4 MB) around a plugin: the skimmer reads inline module
    // bodies with a stack of frames, and keeps a module context only for the 64 levels it
    // reads (10,000 levels took 1.8 GB, 100,000 exhausted memory). Parsing the whole file with
    // syn (prefilter off) stops at the delimiter limit first (the documented difference).
    let mut text = "pub mod m {\n".repeat(100_000);
    text.push_str(PLUGIN);
    text.push_str(&"}\n".repeat(100_000));
    let pkg = Pkg::new(&[("src/lib.rs", text.as_bytes())]);
    let fast = scan_target_with(&pkg.target(), &ScanOptions::default(), true).unwrap();
    assert_eq!(
        pkg.diags(&fast),
        ["error src/lib.rs:65:1 module `m` is nested deeper than 64 modules"]
    );
    assert!(fast.declarations.is_empty());
    let full = scan_target_with(&pkg.target(), &ScanOptions::default(), false).unwrap();
    assert_eq!(
        pkg.diags(&full),
        [
            "error src/lib.rs:257:11 cannot parse `<pkg>/src/lib.rs`: delimiters nest deeper \
          than 256 levels"
        ]
    );

    // 3,000 nested `pub mod` files under one `#[cfg]` (their paths overflowed the stack of
    // the registry generator): the 65th is an error at its `mod` item, in both modes.
    let mut files = vec![(
        "src/lib.rs".to_owned(),
        "#[cfg(feature = \"x\")]\n#[path = \"f1.rs\"]\npub mod m;\n".to_owned(),
    )];
    for i in 1..=3_000 {
        let next = format!("#[path = \"f{}.rs\"]\npub mod m;\n", i + 1);
        files.push((format!("src/f{i}.rs"), format!("{next}{PLUGIN}")));
    }
    let pkg = Pkg::generated(&files);
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out),
        ["error src/f64.rs:2:1 module `m` is nested deeper than 64 modules"]
    );
    assert_eq!(out.declarations.len(), 64);
    assert!(
        out.declarations
            .iter()
            .all(|d| d.cfg == ["feature = \"x\""])
    );
}

#[test]
fn ten_thousand_deep_nesting_outside_plugin_items_is_read_by_the_prefilter() {
    // Nesting in items that do not mention plugins (a const, inline modules around no plugin)
    // never reaches syn with the prefilter on: the file scans clean, with its declarations.
    // Parsing every file with syn (prefilter off) gives up on the file with a located error.
    // This is the documented difference of the `skim` module; every other scan in this file
    // is compared with the prefilter off.
    let cases = [
        (
            format!(
                "{PLUGIN}pub const DEEP: u32 = {};\n",
                nest(10_000, "(", ")")
            ),
            "3:279",
        ),
        (
            format!(
                "{PLUGIN}pub mod m {{ fn f() {{ {} }} }}\n",
                nest(10_000, "[", "]")
            ),
            "3:276",
        ),
    ];
    for (text, at) in cases {
        let pkg = Pkg::new(&[("src/lib.rs", text.as_bytes())]);
        let fast = scan_target_with(&pkg.target(), &ScanOptions::default(), true).unwrap();
        assert_eq!(pkg.diags(&fast), Vec::<String>::new());
        assert_eq!(pkg.decls(&fast), ["f=demo::f @ src/lib.rs:1:1"]);
        let full = scan_target_with(&pkg.target(), &ScanOptions::default(), false).unwrap();
        assert_eq!(
            pkg.diags(&full),
            [format!(
                "error src/lib.rs:{at} cannot parse `<pkg>/src/lib.rs`: delimiters nest \
                 deeper than 256 levels"
            )]
        );
    }

    // Unbalanced and deep, no plugin text and no `mod`: one located warning (nothing can be
    // missing from the index), no panic.
    let unbalanced = "fn x() ".to_owned() + &"{".repeat(10_000);
    let pkg = Pkg::new(&[
        ("src/lib.rs", b"pub mod a;\n"),
        ("src/a.rs", unbalanced.as_bytes()),
    ]);
    let out = pkg.scan();
    assert_eq!(out.diagnostics.len(), 1, "{:#?}", pkg.diags(&out));
    assert!(pkg.diags(&out)[0].starts_with("warning src/a.rs:1:"));
}

#[test]
fn a_file_included_twice_at_every_level_is_stopped_at_64_modules_per_file() {
    // 22 files, each the file of two `mod` items of the one before (`#[path]`): rustc would
    // compile 2^21 modules, and the walk made them all (55 s, 4 GB). It stops at 64 modules
    // per file, with an error at the first `mod` item past that, in the same place whatever
    // order the files were read in.
    let mut files = vec![(
        "src/lib.rs".to_owned(),
        "#[path = \"f1.rs\"] pub mod a;\n#[path = \"f1.rs\"] pub mod b;\n".to_owned(),
    )];
    for i in 1..22 {
        let next = if i < 21 {
            format!(
                "#[path = \"f{0}.rs\"] pub mod a;\n#[path = \"f{0}.rs\"] pub mod b;\n",
                i + 1
            )
        } else {
            String::new()
        };
        let plugin = format!("#[plugin(namespace = \"ns\", name = \"p{i}\")]\npub fn f() {{}}\n");
        files.push((format!("src/f{i}.rs"), format!("{next}{plugin}")));
    }
    let pkg = Pkg::generated(&files);
    for threads in [1, 2] {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let out = pool.install(|| pkg.scan());
        let too_many = pkg.diags(&out);
        // f7.rs would be the file of 2^7 = 128 modules, the first file past the limit: its
        // 65th is `a` in the 33rd copy of f6.rs. Each file below is reached from the 64 copies
        // of the one above that were read, 128 times, and stops at 64 too.
        let mut expected: Vec<String> = (6..21)
            .map(|i| {
                let column = if i + 1 < 10 { 19 } else { 20 };
                format!(
                    "error src/f{i}.rs:1:{column} `<pkg>/src/f{}.rs` is the file of more than \
                     64 modules of this crate",
                    i + 1
                )
            })
            .collect();
        expected.sort();
        assert_eq!(too_many, expected, "{threads} thread(s)");
        // f1..=f6: 2 + 4 + .. + 64 modules, every one read; f7..=f21: 64 each.
        let modules: usize = (1..7).map(|i| 1usize << i).sum::<usize>() + 15 * 64;
        assert_eq!(out.declarations.len(), modules);
        assert_eq!(
            out.declarations.iter().filter(|d| d.name == "p21").count(),
            64
        );
    }
}

#[test]
fn a_file_larger_than_the_parse_limit_is_never_parsed_whole() {
    // A file the skimmer cannot read is parsed with syn as a whole (about 26 bytes of memory
    // per byte: a 200 MB file ending in an unclosed `{` took 5.3 GB). A lexical problem is
    // now located by the lexer alone, and syn never parses a file over 16 MiB.
    let chunk = "pub fn add(a: u32, b: u32) -> u32 {\n    a.wrapping_add(b)\n}\n";
    let body = chunk.repeat((17 << 20) / chunk.len());
    let lines = body.lines().count();
    let unclosed = format!("{PLUGIN}{body}fn open() {{\n");
    let pkg = Pkg::new(&[("src/lib.rs", unclosed.as_bytes())]);
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out),
        [format!(
            "error src/lib.rs:{}:11 cannot parse `<pkg>/src/lib.rs`: unclosed delimiter `{{`",
            lines + 3
        )]
    );
    // Lexically fine, but a plugin item syn rejects: the skimmer falls back to a full parse,
    // which a file this large does not get.
    let broken = format!("{body}#[plugin(namespace = \"ns\")]\npub fn f() -> {{}}\n");
    let pkg = Pkg::new(&[("src/lib.rs", broken.as_bytes())]);
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out),
        [
            "error src/lib.rs:1:1 cannot parse `<pkg>/src/lib.rs` as a whole: it is larger than \
          16 MiB"
        ]
    );
}

#[test]
fn a_pub_use_deeper_than_any_module_path_is_not_followed() {
    // syn parses `use` paths recursively: the skimmer, which parses every `pub use` to find
    // re-exported plugins, leaves a path with more `::` than any module path alone.
    let use_of = |depth: usize| format!("pub use {}X;\n", "a::".repeat(depth));
    let private = "mod hidden {\n    #[plugin(namespace = \"ns\")]\n    pub fn f() {}\n}\n";
    let text = format!("{private}{}", use_of(1_000));
    let pkg = Pkg::new(&[("src/lib.rs", text.as_bytes())]);
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out),
        [
            "error src/lib.rs:2:5 plugin `demo::hidden::f` is not reachable from other crates: \
          module `crate::hidden` is private, and no `pub use` re-exports the plugin"
        ]
    );
    // 200,000 segments (1.4 MB on one line), with the prefilter as scans run.
    let text = format!("{private}pub use hidden::f;\n{}", use_of(200_000));
    let pkg = Pkg::new(&[("src/lib.rs", text.as_bytes())]);
    let fast = scan_target_with(&pkg.target(), &ScanOptions::default(), true).unwrap();
    assert_eq!(pkg.diags(&fast), Vec::<String>::new());
    assert_eq!(pkg.decls(&fast), ["f=demo::f @ src/lib.rs:2:5"]);
}

#[test]
fn non_utf8_bytes_are_located_at_the_first_bad_byte() {
    let pkg = Pkg::new(&[
        ("src/lib.rs", b"pub mod bad;\npub mod ok;\n"),
        ("src/bad.rs", b"// fine\r\nconst S: &str = \"caf\xe9\";\n"),
        ("src/ok.rs", PLUGIN.as_bytes()),
    ]);
    let out = pkg.scan();
    // Line 2, after `const S: &str = "caf` (20 characters).
    assert_eq!(
        pkg.diags(&out),
        ["error src/bad.rs:2:21 `<pkg>/src/bad.rs` is not valid UTF-8"]
    );
    assert!(
        out.diagnostics[0]
            .help
            .as_deref()
            .unwrap()
            .contains("must be UTF-8")
    );
    assert_eq!(pkg.decls(&out), ["f=demo::ok::f @ src/ok.rs:1:1"]);
    assert!(out.files.contains(&pkg.root().join("src/bad.rs")));
}

#[test]
fn nul_bytes_outside_literals_are_a_located_error_and_inside_are_fine() {
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            b"pub mod bare;\npub mod quoted;\npub mod comment;\n",
        ),
        ("src/bare.rs", b"pub fn a() {}\npub fn b() {} \0\n"),
        (
            "src/quoted.rs",
            b"pub const Q: &str = \"a\0b\";\n#[plugin(namespace = \"ns\")]\npub fn q() {}\n",
        ),
        (
            "src/comment.rs",
            b"// a \0 in a comment\n#[plugin(namespace = \"ns\")]\npub fn c() {}\n",
        ),
    ]);
    let out = pkg.scan();
    let diags = pkg.diags(&out);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    // `bare.rs` mentions no plugin and has no `mod`: nothing can be missing, so a warning.
    assert!(
        diags[0].starts_with("warning src/bare.rs:2:15 cannot parse `<pkg>/src/bare.rs`: "),
        "{diags:#?}"
    );
    assert_eq!(
        pkg.decls(&out),
        [
            "c=demo::comment::c @ src/comment.rs:2:1",
            "q=demo::quoted::q @ src/quoted.rs:2:1",
        ]
    );
}

#[test]
fn a_file_ending_inside_a_string_after_a_backslash_is_a_located_error() {
    // Found by the fuzz target: the lexer stepped past the end of the file (a panic).
    for tail in ["\"open\\", "b\"\\", "\"\\"] {
        let text = format!("{PLUGIN}const S: &str = {tail}");
        let pkg = Pkg::new(&[("src/lib.rs", text.as_bytes())]);
        let out = pkg.scan();
        let diags = pkg.diags(&out);
        assert_eq!(diags.len(), 1, "{diags:#?}");
        assert!(
            diags[0].starts_with("error src/lib.rs:3:17 cannot parse `<pkg>/src/lib.rs`: "),
            "{diags:#?}"
        );
    }
}

#[test]
fn crlf_line_endings_keep_locations_right() {
    let crlf = |s: &str| s.replace('\n', "\r\n");
    let plugins = crlf(
        "//! Docs.\n\npub mod broken;\n\n#[plugin(namespace = \"ns\")]\npub fn f() {}\n\n\
         pub static S: PluginSpec<dyn P> = PluginSpec::new(\"ns\", \"s\", make);\n",
    );
    let broken = crlf("pub fn ok() {}\n\npub fn broken( {\n");
    let pkg = Pkg::new(&[
        ("src/lib.rs", plugins.as_bytes()),
        ("src/broken.rs", broken.as_bytes()),
    ]);
    let out = pkg.scan();
    assert_eq!(
        pkg.decls(&out),
        ["f=demo::f @ src/lib.rs:5:1", "s=demo::S @ src/lib.rs:8:12"]
    );
    let diags = pkg.diags(&out);
    assert_eq!(
        diags,
        ["warning src/broken.rs:3:16 cannot parse `<pkg>/src/broken.rs`: unclosed delimiter `{`"]
    );

    // A deep-nesting error is located right on a CRLF line too.
    let deep = crlf(&format!("{PLUGIN}\n   {}\n", nest(300, "(", ")")));
    let pkg = Pkg::new(&[("src/lib.rs", deep.as_bytes())]);
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out),
        [
            "error src/lib.rs:4:260 cannot parse `<pkg>/src/lib.rs`: delimiters nest deeper \
          than 256 levels"
        ]
    );
}

#[test]
fn a_byte_order_mark_is_skipped_and_keeps_locations_right() {
    let bom = |s: &str| format!("\u{feff}{s}");
    let pkg = Pkg::new(&[
        (
            "src/lib.rs",
            bom("pub mod a;\npub mod broken;\n").as_bytes(),
        ),
        (
            "src/a.rs",
            bom("#[plugin(namespace = \"ns\")] pub fn f() {}\n").as_bytes(),
        ),
        ("src/broken.rs", bom("pub fn broken( {\n").as_bytes()),
    ]);
    let out = pkg.scan();
    // rustc counts columns after the BOM: the attribute is at 1:1.
    assert_eq!(pkg.decls(&out), ["f=demo::a::f @ src/a.rs:1:1"]);
    let diags = pkg.diags(&out);
    assert_eq!(
        diags,
        ["warning src/broken.rs:1:16 cannot parse `<pkg>/src/broken.rs`: unclosed delimiter `{`"]
    );

    // A BOM anywhere but the start is not whitespace to rustc: a located error.
    let pkg = Pkg::new(&[("src/lib.rs", bom(&format!("{PLUGIN}\u{feff}")).as_bytes())]);
    let out = pkg.scan();
    let diags = pkg.diags(&out);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(
        diags[0].starts_with("error src/lib.rs:3:1 cannot parse"),
        "{diags:#?}"
    );
}

#[cfg(unix)]
#[test]
fn unreadable_file_is_an_error_at_its_mod_item() {
    let pkg = Pkg::new(&[
        ("src/lib.rs", b"pub mod a;\npub mod secret;\n"),
        ("src/a.rs", PLUGIN.as_bytes()),
        ("src/secret.rs", PLUGIN.as_bytes()),
    ]);
    let secret = pkg.root().join("src/secret.rs");
    chmod(&secret, 0o000);
    let root = reads_anything(&secret);
    let out = pkg.scan();
    chmod(&secret, 0o644);
    let mut decls = vec!["f=demo::a::f @ src/a.rs:1:1"];
    if root {
        // Root reads anything: the file is scanned like any other.
        decls.push("f=demo::secret::f @ src/secret.rs:1:1");
        assert_eq!(pkg.diags(&out), Vec::<String>::new());
    } else {
        assert_eq!(
            pkg.diags(&out),
            [
                "error src/lib.rs:2:1 cannot read `<pkg>/src/secret.rs`: Permission denied \
              (os error 13)"
            ]
        );
        let help = out.diagnostics[0].help.as_deref().unwrap();
        assert!(
            help.contains("readable") && help.contains("`exclude`"),
            "{help}"
        );
    }
    assert_eq!(pkg.decls(&out), decls);
}

#[cfg(unix)]
#[test]
fn unreadable_directory_is_an_error_at_its_mod_item() {
    let pkg = Pkg::new(&[
        ("src/lib.rs", b"pub mod a;\npub mod locked;\n"),
        ("src/a.rs", PLUGIN.as_bytes()),
        ("src/locked/mod.rs", PLUGIN.as_bytes()),
    ]);
    let locked = pkg.root().join("src/locked");
    chmod(&locked, 0o000);
    let root = reads_anything(&locked.join("mod.rs"));
    let out = pkg.scan();
    chmod(&locked, 0o755);
    if root {
        assert_eq!(pkg.diags(&out), Vec::<String>::new());
        assert_eq!(out.declarations.len(), 2);
    } else {
        // Not "file not found": the directory is there, it cannot be looked into.
        assert_eq!(
            pkg.diags(&out),
            [
                "error src/lib.rs:2:1 cannot read `<pkg>/src/locked/mod.rs`: Permission denied \
              (os error 13)"
            ]
        );
        assert_eq!(pkg.decls(&out), ["f=demo::a::f @ src/a.rs:1:1"]);
    }
}

#[cfg(unix)]
#[test]
fn symlink_loop_in_the_source_tree_is_walked_once() {
    // src/a/up -> src: a loop. `mod` items reach through it to a real file (scanned, under the
    // path that reached it) and back to a module above (a cycle, reported).
    let pkg = Pkg::new(&[
        ("src/lib.rs", b"pub mod a;\npub mod other;\n"),
        (
            "src/a/mod.rs",
            b"#[path = \"up/a/up/other.rs\"]\npub mod via;\n\
              #[path = \"up/a/up/a/mod.rs\"]\npub mod again;\n"
                .as_slice(),
        ),
        ("src/other.rs", PLUGIN.as_bytes()),
    ]);
    std::os::unix::fs::symlink(pkg.root().join("src"), pkg.root().join("src/a/up")).unwrap();
    let out = pkg.scan();
    assert_eq!(
        pkg.decls(&out),
        [
            "f=demo::a::via::f @ src/a/up/a/up/other.rs:1:1",
            "f=demo::other::f @ src/other.rs:1:1",
        ]
    );
    let diags = pkg.diags(&out);
    assert_eq!(
        diags,
        ["error src/a/mod.rs:4:1 circular modules: `<pkg>/src/a/up/a/up/a/mod.rs` includes itself"]
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_or_device_as_module_file_does_not_block() {
    // Reading a FIFO would wait for a writer forever; it is not a file, so the module is
    // missing (rustc: "file not found"), and a FIFO as the crate root is an error too.
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        b"#[path = \"/dev/zero\"]\npub mod zero;\npub mod fifo;\n",
    )]);
    let fifo = pkg.root().join("src/fifo.rs");
    let made = std::process::Command::new("mkfifo").arg(&fifo).status();
    if !made.is_ok_and(|s| s.success()) {
        return; // no mkfifo here; nothing to test
    }
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out),
        [
            "error src/lib.rs:2:1 file not found for module `zero`",
            "error src/lib.rs:3:1 file not found for module `fifo`",
        ]
    );
    let mut target = pkg.target();
    target.root = fifo;
    let out = same_either_way(&target);
    let diags = pkg.diags(&out);
    assert_eq!(diags.len(), 1, "{diags:#?}");
    assert!(
        diags[0].starts_with("error - cannot read `<pkg>/src/fifo.rs`: "),
        "{diags:#?}"
    );
}

#[test]
fn path_attribute_leaving_the_package_is_indexed_and_nothing_is_written_outside() {
    // Decision: rustc compiles `#[path]` modules from anywhere (code shared between crates does
    // this), so the scanner follows them too and indexes what it finds; the file is listed for
    // `rerun-if-changed`. Scanning never writes: the outside directory is left untouched (plux
    // writes only `plux.json` and generated code, whose paths are checked on their own).
    let pkg = Pkg::new(&[(
        "src/lib.rs",
        b"#[path = \"../../outside.rs\"]\npub mod outside;\n",
    )]);
    let outside = pkg.tmp.path().join("outside.rs");
    std::fs::write(&outside, PLUGIN).unwrap();
    let listing = || {
        let mut names: Vec<_> = std::fs::read_dir(pkg.tmp.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        names.sort();
        names
    };
    let before = listing();
    let out = pkg.scan();
    assert_eq!(pkg.diags(&out), Vec::<String>::new());
    assert_eq!(
        pkg.decls(&out),
        ["f=demo::outside::f @ src/../../outside.rs:1:1"]
    );
    assert!(out.files.contains(&pkg.root().join("src/../../outside.rs")));
    assert_eq!(listing(), before);
    assert_eq!(std::fs::read_to_string(&outside).unwrap(), PLUGIN);
}

#[test]
fn module_file_in_both_places_is_e0761() {
    let pkg = Pkg::new(&[
        ("src/lib.rs", b"pub mod x;\n"),
        ("src/x.rs", PLUGIN.as_bytes()),
        ("src/x/mod.rs", PLUGIN.as_bytes()),
    ]);
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out),
        [
            "error src/lib.rs:1:9 file for module `x` found at both `<pkg>/src/x.rs` and \
          `<pkg>/src/x/mod.rs`"
        ]
    );
    assert_eq!(
        out.diagnostics[0].help.as_deref(),
        Some("delete or rename one of them")
    );
    // Neither file is guessed at.
    assert!(out.declarations.is_empty());
}

#[test]
fn missing_module_file_is_an_error_at_the_mod_item() {
    let pkg = Pkg::new(&[("src/lib.rs", b"pub mod a;\n\n    pub mod gone;\n")]);
    pkg.write("src/a.rs", PLUGIN.as_bytes());
    let out = pkg.scan();
    assert_eq!(
        pkg.diags(&out),
        ["error src/lib.rs:3:5 file not found for module `gone`"]
    );
    let help = out.diagnostics[0].help.as_deref().unwrap();
    assert!(
        help.starts_with("create `") && help.contains("gone.rs") && help.contains("gone/mod.rs"),
        "{help}"
    );
    assert_eq!(pkg.decls(&out), ["f=demo::a::f @ src/a.rs:1:1"]);
}

#[test]
fn plugin_names_with_bidirectional_controls_are_located_errors() {
    // Trojan Source: U+202E (right-to-left override) makes `ab\u{202e}cd` display as `abdc`;
    // the name would reach `plux.json`, generated code and JSON output as it is. As escapes
    // (rustc denies the raw characters in literals), as a `const` (located at its value), and
    // written raw.
    let text = "pub static S: PluginSpec<dyn S> = PluginSpec::new(\"ns\", \"ab\\u{202e}cd\", f);\n\
                #[plugin(namespace = \"ns\", name = \"x\\u{2066}y\\u{2069}\")]\n\
                pub fn g() {}\n\
                const N: &str = \"n\\u{200f}\";\n\
                #[plugin(namespace = \"ns\", name = N)]\n\
                pub fn h() {}\n\
                #[plugin(namespace = \"ns\", name = \"raw\u{202b}\")]\n\
                pub fn i() {}\n\
                #[plugin(namespace = \"ns\\u{202a}\")]\n\
                pub fn j() {}\n";
    let pkg = Pkg::new(&[("src/lib.rs", text.as_bytes())]);
    let out = pkg.scan();
    assert_eq!(pkg.decls(&out), Vec::<String>::new());
    assert_eq!(
        pkg.diags(&out),
        [
            "error src/lib.rs:1:57 plugin name `ab\\u{202e}cd` contains the invisible \
             bidirectional control U+202E",
            "error src/lib.rs:2:35 plugin name `x\\u{2066}y\\u{2069}` contains the invisible \
             bidirectional control U+2066",
            "error src/lib.rs:4:17 plugin name `n\\u{200f}` contains the invisible \
             bidirectional control U+200F",
            "error src/lib.rs:7:35 plugin name `raw\\u{202b}` contains the invisible \
             bidirectional control U+202B",
            "error src/lib.rs:9:22 namespace `ns\\u{202a}` contains `\\u{202a}`",
        ]
    );
    let all: String = out.diagnostics.iter().map(ToString::to_string).collect();
    assert!(
        !all.contains(['\u{202a}', '\u{202b}', '\u{202e}', '\u{2066}', '\u{200f}']),
        "{all}"
    );
}
