#![allow(clippy::unwrap_used)]

use std::path::Path;

use super::*;
use crate::Kind;

fn p() -> &'static Path {
    Path::new("dep/plux.json")
}

fn errors(text: &str) -> Vec<String> {
    Index::parse(text, p())
        .unwrap_err()
        .iter()
        .map(|d| {
            let loc = d.location.as_ref().unwrap();
            format!("{}:{}: {}", loc.line, loc.column, d.message)
        })
        .collect()
}

#[test]
fn entries_render_with_extras_in_contract_order() {
    let mut e = IndexEntry::new("x", "a::X", Kind::Function);
    e.cfg = vec!["feature = \"x\"".into(), "any(unix, windows)".into()];
    assert_eq!(
        e.to_string(),
        "x=a::X [fn, cfg(feature = \"x\"), cfg(any(unix, windows))]"
    );
    assert_eq!(IndexEntry::parse(&e.to_string()).unwrap(), e);
    assert_eq!(
        IndexEntry::new("t", "a::T", Kind::Type).to_string(),
        "t=a::T [type]"
    );
    let mut spec = IndexEntry::new("s", "a::S", Kind::Spec);
    spec.cfg.push("unix".into());
    assert_eq!(spec.to_string(), "s=a::S [cfg(unix)]");
}

#[test]
fn a_gated_module_is_named_after_each_cfg_and_round_trips() {
    let mut e = IndexEntry::new("d", "a::m::n::D", Kind::Function);
    e.cfg = vec!["feature = \"x)\"".into(), "unix".into()];
    e.cfg_module = Some("a::m".into());
    let text = e.to_string();
    assert_eq!(
        text,
        "d=a::m::n::D [fn, cfg(feature = \"x)\") on a::m, cfg(unix) on a::m]"
    );
    assert_eq!(IndexEntry::parse(&text).unwrap(), e);
}

#[test]
fn a_macro_gate_renders_as_is_and_round_trips() {
    let mut rt = IndexEntry::new("rt", "tokio::runtime::Rt", Kind::Type);
    rt.cfg = vec!["macro(cfg_rt)".into(), "unix".into()];
    rt.cfg_module = Some("tokio::runtime".into());
    assert_eq!(
        rt.to_string(),
        "rt=tokio::runtime::Rt [type, macro(cfg_rt) on tokio::runtime, cfg(unix) on tokio::runtime]"
    );
    assert_eq!(IndexEntry::parse(&rt.to_string()).unwrap(), rt);
    let mut item = IndexEntry::new("s", "b::S", Kind::Spec);
    item.cfg = vec!["macro(b::cfg::std)".into()];
    assert_eq!(item.to_string(), "s=b::S [macro(b::cfg::std)]");
    assert_eq!(IndexEntry::parse(&item.to_string()).unwrap(), item);
}

#[test]
fn entries_sort_as_strings_not_by_field() {
    let mut index = Index::new();
    index.insert("ns", IndexEntry::new("a", "c::X", Kind::Spec));
    index.insert("ns", IndexEntry::new("a.b", "c::Y", Kind::Spec));
    // "a.b=" < "a=" as strings ('.' < '=') although "a" < "a.b" as names.
    let names: Vec<_> = index.entries("ns").map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["a.b", "a"]);
}

#[test]
fn render_is_python_json_shape() {
    let mut index = Index::new();
    index.insert("b.ns", IndexEntry::new("z", "k::Z", Kind::Spec));
    index.insert("a.ns", IndexEntry::new("y", "k::Y", Kind::Type));
    index.insert("a.ns", IndexEntry::new("x", "k::X", Kind::Spec));
    assert_eq!(
        index.render(),
        r#"{
  "a.ns": [
    "x=k::X",
    "y=k::Y [type]"
  ],
  "b.ns": [
    "z=k::Z"
  ]
}
"#
    );
    assert_eq!(Index::new().render(), "{}\n");
}

#[test]
fn render_ini_has_sections_and_name_equals_value_lines() {
    let mut index = Index::new();
    index.insert("b.ns", IndexEntry::new("z", "k::Z", Kind::Spec));
    index.insert("a.ns", IndexEntry::new("y", "k::y", Kind::Function));
    assert_eq!(
        index.render_ini(),
        "[a.ns]\ny = k::y [fn]\n\n[b.ns]\nz = k::Z\n\n"
    );
}

#[test]
fn parse_round_trips_and_keeps_empty_namespaces() {
    let text = "{\n  \"a\": [],\n  \"b\": [\n    \"n=k::r#type [fn, cfg(not(test))]\"\n  ]\n}\n";
    let index = Index::parse(text, p()).unwrap();
    assert_eq!(index.len(), 1);
    assert_eq!(index.render(), text);
}

#[test]
fn invalid_json_is_located() {
    let errs = errors("{\n  \"a\": [\n    \"x=k::X\",\n  ]\n}\n");
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].starts_with("4:3: index is not valid JSON"),
        "{errs:?}"
    );
}

#[test]
fn wrong_shapes_are_errors() {
    assert!(errors("[]")[0].contains("malformed index"));
    assert!(errors("{\"a\": \"x=k::X\"}")[0].contains("namespace `a` must map to an array"));
    assert_eq!(
        errors("{\n  \"a\": [\n    1\n  ]\n}"),
        ["3:5: entry in namespace `a` is not a string"]
    );
}

#[test]
fn bad_names_namespaces_values_and_extras_are_named() {
    let text = r#"{
  "ok": [
    "=k::X",
    " sp=k::X",
    "[x=k::X",
    "ctl\u0007=k::X",
    "v=k::X; drop",
    "w=k::fn",
    "x=::k::X",
    "y=k::X [evil]",
    "z=k::X [cfg(unix]",
    "q=k::X [cfg(foo(bar))]",
    "r=k::X [cfg(feature = 1)]",
    "s=k::X[type]",
    "t=k::X [cfg(unix), type]",
    "u=k::X  [type]",
    "o1=k::m::X [cfg(unix) on k::n]",
    "o2=k::m::X [cfg(unix) on k]",
    "o3=k::m::X [cfg(unix) on k::m, cfg(windows)]",
    "o4=k::m::X [cfg(unix) in k::m]",
    "o5=k::m::X [cfg(unix) on k::m::X]",
    "m1=k::X [macro(a b)]",
    "m2=k::m::X [macro(cfg_rt) on k::n]",
    "m3=k::m::X [macro(cfg_rt)) on k::m]",
    "m4=k::m::X [macro(cfg_rt) on k::m, cfg(unix)]",
    "m5=k::X [cfg(macro(cfg_rt))]"
  ],
  "bad ns": [],
  "": []
}"#;
    let errs = errors(text);
    let expected = [
        "3:5: invalid entry `=k::X` in namespace `ok`: plugin name is empty",
        "4:5: invalid entry ` sp=k::X` in namespace `ok`: plugin name ` sp` has leading or trailing whitespace",
        "5:5: invalid entry `[x=k::X` in namespace `ok`: plugin name `[x` starts with `[`",
        "6:5: invalid entry `ctl\\u{7}=k::X` in namespace `ok`: plugin name `ctl\\u{7}` contains a control character",
        "7:5: invalid entry `v=k::X; drop` in namespace `ok`: value `k::X;` is not a Rust path like `crate_name::module::Item`",
        "8:5: invalid entry `w=k::fn` in namespace `ok`: value `k::fn` is not a Rust path like `crate_name::module::Item`",
        "9:5: invalid entry `x=::k::X` in namespace `ok`: value `::k::X` is not a Rust path like `crate_name::module::Item`",
        "10:5: invalid entry `y=k::X [evil]` in namespace `ok`: unknown extra `evil`; expected `type`, `fn`, `cfg(..)` or `macro(..)`, optionally followed by ` on <module>`",
        "11:5: invalid entry `z=k::X [cfg(unix]` in namespace `ok`: unbalanced extras",
        "12:5: invalid entry `q=k::X [cfg(foo(bar))]` in namespace `ok`: `cfg(foo(bar))` is not a cfg predicate",
        "13:5: invalid entry `r=k::X [cfg(feature = 1)]` in namespace `ok`: `cfg(feature = 1)` is not a cfg predicate",
        "14:5: invalid entry `s=k::X[type]` in namespace `ok`: value `k::X[type]` is not a Rust path like `crate_name::module::Item`",
        "15:5: invalid entry `t=k::X [cfg(unix), type]` in namespace `ok`: the extra `type` or `fn` must come before `cfg(..)`",
        "16:5: invalid entry `u=k::X  [type]` in namespace `ok`: expected extras as ` [extra, ...]` after the value",
        "17:5: invalid entry `o1=k::m::X [cfg(unix) on k::n]` in namespace `ok`: `cfg(..) on k::n`: `k::n` is not a module on the path `k::m::X`",
        "18:5: invalid entry `o2=k::m::X [cfg(unix) on k]` in namespace `ok`: `cfg(..) on k`: `k` is not a module on the path `k::m::X`",
        "19:5: invalid entry `o3=k::m::X [cfg(unix) on k::m, cfg(windows)]` in namespace `ok`: the `cfg(..)` extras are on different levels of the path; plux supports `cfg` on one level (the item or one module)",
        "20:5: invalid entry `o4=k::m::X [cfg(unix) in k::m]` in namespace `ok`: unknown extra `cfg(unix) in k::m`; expected `type`, `fn`, `cfg(..)` or `macro(..)`, optionally followed by ` on <module>`",
        "21:5: invalid entry `o5=k::m::X [cfg(unix) on k::m::X]` in namespace `ok`: `cfg(..) on k::m::X`: `k::m::X` is not a module on the path `k::m::X`",
        "22:5: invalid entry `m1=k::X [macro(a b)]` in namespace `ok`: `macro(a b)` is not a macro path",
        "23:5: invalid entry `m2=k::m::X [macro(cfg_rt) on k::n]` in namespace `ok`: `cfg(..) on k::n`: `k::n` is not a module on the path `k::m::X`",
        "24:5: invalid entry `m3=k::m::X [macro(cfg_rt)) on k::m]` in namespace `ok`: unbalanced `)` in extras",
        "25:5: invalid entry `m4=k::m::X [macro(cfg_rt) on k::m, cfg(unix)]` in namespace `ok`: the `cfg(..)` extras are on different levels of the path; plux supports `cfg` on one level (the item or one module)",
        "26:5: invalid entry `m5=k::X [cfg(macro(cfg_rt))]` in namespace `ok`: `cfg(macro(cfg_rt))` is not a cfg predicate",
        "28:13: namespace `bad ns` contains ` `",
        "29:7: namespace is empty",
    ];
    assert_eq!(errs, expected);
}

#[test]
fn duplicates_are_errors_with_the_first_place() {
    let text = "{\n  \"a\": [\"x=k::X\", \"x=k::Y [type]\"],\n  \"a\": []\n}";
    let diags = Index::parse(text, p()).unwrap_err();
    let shown: Vec<String> = diags.iter().map(ToString::to_string).collect();
    assert_eq!(shown.len(), 2, "{shown:#?}");
    assert!(shown[0].contains("duplicate plugin `x` in namespace `a`"));
    assert!(shown[0].contains("--> dep/plux.json:2:19"));
    assert!(shown[0].contains("first at dep/plux.json:2:9"));
    assert!(shown[1].contains("namespace `a` appears twice"));
}

#[test]
fn unsorted_entries_only_warn() {
    let text = "{\"a\": [\"y=k::Y\", \"x=k::X\"]}";
    let index = Index::parse(text, p()).unwrap();
    assert_eq!(index.len(), 2);
}

#[test]
fn write_if_changed_skips_equal_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/plux.json");
    assert!(write_if_changed(&path, b"{}\n").unwrap());
    let before = fs::metadata(&path).unwrap().modified().unwrap();
    assert!(!write_if_changed(&path, b"{}\n").unwrap());
    assert_eq!(fs::metadata(&path).unwrap().modified().unwrap(), before);
    assert!(write_if_changed(&path, b"{\"a\": []}\n").unwrap());
    assert_eq!(fs::read(&path).unwrap(), b"{\"a\": []}\n");
    // no temp files left behind
    assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
}

#[cfg(unix)]
#[test]
fn written_files_are_not_private_and_keep_their_mode() {
    use std::os::unix::fs::PermissionsExt as _;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plux.json");
    write_if_changed(&path, b"{}\n").unwrap();
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // group/other can read unless the umask forbids it; never the temp file's 0600
    assert_ne!(mode(&path), 0o600);
    fs::set_permissions(&path, fs::Permissions::from_mode(0o640)).unwrap();
    write_if_changed(&path, b"{\"a\": []}\n").unwrap();
    assert_eq!(mode(&path), 0o640);
}

#[test]
fn namespaces_take_letters_and_digits_of_any_script_like_the_attribute_does() {
    assert!(validate_namespace("plugins.é").is_ok());
    assert!(validate_namespace("plugins.\u{200b}").is_err());
    assert!(validate_namespace("a-b_c.D9").is_ok());
}

/// 100,000 bad entries (a 2.3 MB index): each error is located on its own line. Locating them
/// took a scan of the text up to each entry (quadratic: 300,000 took 233 s); a line table found
/// once makes it linear.
#[test]
fn many_bad_entries_are_each_located_in_linear_time() {
    const N: usize = 100_000;
    let mut text = String::from("{\n  \"ns\": [\n");
    for i in 0..N {
        let comma = if i + 1 < N { "," } else { "" };
        text.push_str(&format!("    \"no-equals-{i:06}\"{comma}\n"));
    }
    text.push_str("  ]\n}\n");
    let diagnostics = Index::parse(&text, p()).unwrap_err();
    assert_eq!(diagnostics.len(), N);
    for i in [0, 1, N / 2, N - 1] {
        let at = diagnostics[i].location.as_ref().unwrap();
        assert_eq!(
            (at.line, at.column),
            (i + 3, 5),
            "{}",
            diagnostics[i].message
        );
    }

    // Entries of another crate in a dependency's index, located the same way.
    let mut text = String::from("{\n  \"ns\": [\n");
    for i in 0..N {
        let comma = if i + 1 < N { "," } else { "" };
        text.push_str(&format!("    \"p{i:06}=other::P{i:06}\"{comma}\n"));
    }
    text.push_str("  ]\n}\n");
    let origin = crate::codegen::Origin {
        package: "dep".into(),
        index: Some("dep/plux.json".into()),
    };
    let diagnostics = crate::codegen::parse_index(&text, p(), "dep", &origin).unwrap_err();
    assert_eq!(diagnostics.len(), N);
    let last = diagnostics[N - 1].location.as_ref().unwrap();
    assert_eq!((last.line, last.column), (N + 2, 5));
}

#[test]
fn names_with_bidirectional_controls_are_refused_and_shown_escaped() {
    // A dependency's index: `\u202e` is JSON's escape of U+202E, which the name then holds.
    let errs = errors(
        "{\n  \"ns\": [\n    \"ab\\u202ecd=k::X\",\n    \"ok=k::Y\"\n  ],\n  \"n\\u2067s\": []\n}\n",
    );
    assert_eq!(errs.len(), 2, "{errs:?}");
    assert!(
        errs.iter().any(|e| e.starts_with("3:5: ")
            && e.contains(
                "plugin name `ab\\u{202e}cd` contains the invisible bidirectional control U+202E"
            )),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.contains("namespace `n\\u{2067}s` contains `\\u{2067}`")),
        "{errs:?}"
    );
    assert!(
        !errs.concat().contains(['\u{202e}', '\u{2067}']),
        "{errs:?}"
    );
}

/// A directory on the way to a planned file replaced by a symlink leading out of the package
/// after planning (the race of issue 14): the write is refused when it happens, and nothing,
/// not even a temp file, is left outside.
#[cfg(unix)]
#[test]
fn a_directory_swapped_for_a_symlink_after_planning_is_not_written_through() {
    let dir = tempfile::tempdir().unwrap();
    let (root, outside) = (dir.path().join("pkg"), dir.path().join("outside"));
    fs::create_dir_all(root.join("src")).unwrap();
    fs::create_dir_all(&outside).unwrap();
    let target = root.join("src").join("plux_registry.rs");
    let planned = [(target.clone(), "// registry\n".to_owned())];
    // As planned: written.
    assert_eq!(
        write_files_inside(&planned, std::slice::from_ref(&root), &mut |_, _| false).unwrap(),
        [true]
    );
    // Swapped after planning.
    fs::remove_dir_all(root.join("src")).unwrap();
    std::os::unix::fs::symlink(&outside, root.join("src")).unwrap();
    let error = write_files_inside(&planned, std::slice::from_ref(&root), &mut |_, _| false)
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("now leads to") && error.contains("nothing was written there"),
        "{error}"
    );
    assert_eq!(
        fs::read_dir(&outside).unwrap().count(),
        0,
        "written outside"
    );
}
