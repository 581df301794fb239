//! Hostile configuration and hostile dependency indexes, through the real binary: writes never
//! leave the package, and a dependency's bad `plux.json` is a clear error naming the file, with
//! nothing written. Nothing here compiles a project: only `cargo metadata` and the scanner run.

use std::fs;
use std::process::Output;

use plux_e2e::{Project, assert_code, stderr};

const DEP_INDEX: &str = "{\n  \"ns\": [\n    \"a=dep::a [fn]\"\n  ]\n}\n";

/// A workspace with member `host` (a committed registry at `registry`) that depends on the
/// non-member `vendor/dep`, whose shipped `plux.json` is `dep_index`.
fn workspace(registry: &str, dep_index: &str) -> Project {
    let project = Project::empty();
    project.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"host\"]\nexclude = [\"vendor\"]\nresolver = \"3\"\n",
    );
    project.write(
        "host/Cargo.toml",
        &format!(
            "[package]\nname = \"host\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
             [dependencies]\ndep = {{ path = \"../vendor/dep\" }}\n\n\
             [package.metadata.plux]\nregistry = {registry:?}\n"
        ),
    );
    project.write("host/src/main.rs", "fn main() {}\n");
    project.write(
        "vendor/dep/Cargo.toml",
        "[package]\nname = \"dep\"\nversion = \"0.1.0\"\nedition = \"2024\"\n",
    );
    project.write("vendor/dep/src/lib.rs", "pub fn a() {}\n");
    project.write("vendor/dep/plux.json", dep_index);
    project
}

fn entrypoints(project: &Project) -> Output {
    project
        .plux(["entrypoints", "--workspace"])
        .output()
        .unwrap()
}

/// Every file under the project except the ones the test wrote, relative (nothing written).
fn files(project: &Project) -> Vec<String> {
    let mut out: Vec<String> = walkdir::WalkDir::new(project.root())
        .into_iter()
        .filter_entry(|e| e.file_name() != "target")
        .filter_map(Result::ok)
        .filter(|e| !e.file_type().is_dir())
        .map(|e| {
            e.path()
                .strip_prefix(project.root())
                .unwrap()
                .display()
                .to_string()
        })
        .collect();
    out.sort();
    out
}

#[test]
fn the_valid_workspace_writes_its_registry() {
    // The control for every test below: the same workspace with a sane path and index works.
    let project = workspace("src/plux_registry.rs", DEP_INDEX);
    let output = entrypoints(&project);
    assert_code(&output, 0);
    let registry = project.read("host/src/plux_registry.rs");
    assert!(registry.contains("\"a\" = dep::a [fn],"), "{registry}");
}

#[test]
fn registry_paths_leaving_the_package_are_refused_with_nothing_written() {
    let outside = tempfile::tempdir().unwrap();
    let absolute = outside.path().join("reg.rs").display().to_string();
    for (registry, leads_to) in [
        (absolute.as_str(), absolute.clone()),
        ("../outside.rs", "outside.rs".to_owned()),
        ("src/../../../escape.rs", "escape.rs".to_owned()),
    ] {
        let project = workspace(registry, DEP_INDEX);
        let before = files(&project);
        let output = entrypoints(&project);
        assert_code(&output, 2);
        let message = stderr(&output);
        let manifest = project.join("host/Cargo.toml").display().to_string();
        assert!(message.contains("`registry`"), "{message}");
        assert!(message.contains(&manifest), "{message}");
        assert!(message.contains(&leads_to), "{registry}: {message}");
        assert_eq!(files(&project), before, "{registry}: something was written");
        assert!(!outside.path().join("reg.rs").exists());
    }
}

#[test]
fn a_registry_naming_a_file_plux_did_not_generate_is_refused() {
    for registry in ["src/main.rs", "Cargo.toml"] {
        let project = workspace(registry, DEP_INDEX);
        let original = project.read(format!("host/{registry}"));
        let output = entrypoints(&project);
        assert_code(&output, 2);
        let message = stderr(&output);
        assert!(message.contains("`registry`"), "{message}");
        assert!(message.contains("did not generate"), "{message}");
        assert_eq!(project.read(format!("host/{registry}")), original);
    }
    // An empty file (created to be filled) is fine.
    let project = workspace("src/reg.rs", DEP_INDEX);
    project.write("host/src/reg.rs", "");
    assert_code(&entrypoints(&project), 0);
    assert!(
        project
            .read("host/src/reg.rs")
            .contains("\"a\" = dep::a [fn],")
    );
}

#[cfg(unix)]
#[test]
fn registry_through_a_symlink_leaving_the_package_is_refused() {
    use std::os::unix::fs::symlink;
    let outside = tempfile::tempdir().unwrap();
    let outside_dir = outside.path().canonicalize().unwrap();
    // A directory link (`host/gen` -> outside) and a file link (`host/src/reg.rs` -> outside).
    for (registry, link, target) in [
        ("gen/reg.rs", "host/gen", outside_dir.clone()),
        ("src/reg.rs", "host/src/reg.rs", outside_dir.join("reg.rs")),
    ] {
        let project = workspace(registry, DEP_INDEX);
        symlink(&target, project.join(link)).unwrap();
        let output = entrypoints(&project);
        assert_code(&output, 2);
        let message = stderr(&output);
        assert!(message.contains("`registry`"), "{message}");
        assert!(message.contains("host/Cargo.toml"), "{message}");
        assert!(
            message.contains(&outside_dir.display().to_string()),
            "{message}"
        );
        assert_eq!(
            fs::read_dir(&outside_dir).unwrap().count(),
            0,
            "{registry}: written outside"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_plux_json_symlink_leaving_the_package_is_not_written_through() {
    let project = workspace("src/plux_registry.rs", DEP_INDEX);
    project.write(
        "host/src/main.rs",
        "#[plugin(namespace = \"app\")]\npub fn local() {}\nfn main() {}\n",
    );
    project.write("outside.json", "precious\n");
    std::os::unix::fs::symlink(project.join("outside.json"), project.join("host/plux.json"))
        .unwrap();
    let output = entrypoints(&project);
    assert_code(&output, 2);
    let message = stderr(&output);
    assert!(message.contains("host/plux.json"), "{message}");
    assert!(message.contains("outside.json"), "{message}");
    assert_eq!(project.read("outside.json"), "precious\n");
    assert!(!project.exists("host/src/plux_registry.rs"));
}

/// Each hostile `plux.json` of a dependency: exit 1, an error naming the file (and the
/// position or entry where there is one), no registry written.
#[test]
fn hostile_dependency_indexes_are_clear_errors_with_nothing_written() {
    let deep = format!("{{\"ns\": {}{}}}", "[".repeat(10_000), "]".repeat(10_000));
    let deep_objects = format!("{}1{}", "{\"ns\": ".repeat(10_000), "}".repeat(10_000));
    let mut huge = String::from("{");
    huge.push_str(&" ".repeat(50 << 20));
    huge.push('}');
    let cases: Vec<(&str, String, &str)> = vec![
        ("not json", "{\"ns\": [".into(), "plux.json:1:8"),
        ("array at the top", "[\"a=dep::a\"]".into(), ":1:1"),
        ("a number", "42".into(), ":1:"),
        (
            "nested object",
            "{\"ns\": {\"a\": \"dep::a\"}}".into(),
            "`ns`",
        ),
        ("number entry", "{\"ns\": [1]}".into(), "not a string"),
        ("deep arrays", deep, "not a string"),
        ("deep objects", deep_objects, "must map to an array"),
        ("huge", huge, "larger than"),
        (
            "statement in a value",
            "{\"ns\": [\"a=dep::a; std::process::exit(1)\"]}".into(),
            "dep::a; std::process::exit(1)",
        ),
        ("cast", "{\"ns\": [\"a=dep::a as Bar\"]}".into(), "as Bar"),
        (
            "qualified path",
            "{\"ns\": [\"a=<T>::x\"]}".into(),
            "<T>::x",
        ),
        (
            "quotes and newline in a value",
            "{\"ns\": [\"a=dep::a\\\"); fn x() {\\n\"]}".into(),
            "invalid entry",
        ),
        (
            "newline in a name",
            "{\"ns\": [\"a\\nb=dep::a\"]}".into(),
            "invalid entry",
        ),
        (
            "`=` in a name",
            "{\"ns\": [\"a=b=dep::a\"]}".into(),
            "invalid entry",
        ),
        (
            "newline in a namespace",
            "{\"ns\\n}\": [\"a=dep::a\"]}".into(),
            ":1:",
        ),
        (
            "duplicate namespaces",
            "{\"ns\": [\"a=dep::a\"],\n \"ns\": [\"b=dep::a\"]}".into(),
            "appears twice",
        ),
        (
            "duplicate names",
            "{\"ns\": [\"a=dep::a\", \"a=dep::b\"]}".into(),
            "duplicate plugin `a`",
        ),
        (
            "a path outside the package",
            "{\"ns\": [\"a=std::process::exit\"]}".into(),
            "std::process::exit",
        ),
    ];
    let project = workspace("src/plux_registry.rs", DEP_INDEX);
    for (case, index, expect) in cases {
        project.write("vendor/dep/plux.json", &index);
        let output = entrypoints(&project);
        assert_code(&output, 1);
        let message = stderr(&output);
        assert!(
            message.contains("vendor/dep/plux.json"),
            "{case}: {message}"
        );
        assert!(message.contains(expect), "{case}: {message}");
        assert!(message.len() < 4096, "{case}: message too long");
        assert!(
            !project.exists("host/src/plux_registry.rs"),
            "{case}: registry written"
        );
    }
}

#[test]
fn three_thousand_nested_modules_under_a_cfg_are_an_error_not_a_stack_overflow() {
    // Their 3,001-segment path once reached the registry generator, which overflowed its
    // stack (SIGABRT). Modules nest at most 64 deep: the 65th is a located error.
    let deep = "pub mod m {\n".repeat(3_000)
        + "#[plugin(namespace = \"ns\")]\npub fn f() {}\n"
        + &"}\n".repeat(3_000);
    let project = workspace("src/registry.rs", DEP_INDEX);
    project.write(
        "host/Cargo.toml",
        "[package]\nname = \"host\"\nversion = \"0.1.0\"\nedition = \"2024\"\n\n\
         [package.metadata.plux]\nregistry = \"src/registry.rs\"\n",
    );
    project.write(
        "host/src/lib.rs",
        &format!("#[cfg(feature = \"x\")]\n{deep}"),
    );
    let output = entrypoints(&project);
    assert_code(&output, 1);
    let err = stderr(&output);
    assert!(
        err.contains("error: module `m` is nested deeper than 64 modules\n")
            && err.contains("--> host/src/lib.rs:66:1\n"),
        "{err}"
    );
    assert!(!project.exists("host/src/registry.rs"));
}
