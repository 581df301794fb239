#!/usr/bin/env python3
"""Deterministic workspace with a large committed registry (bench/registry-scale.sh).

    bench/gen_registry.py OUT_DIR PLUGINS PLUX_REPO

PLUGINS plugins in crates of 1,000 (10 modules of 100 each), the three declaration forms in
turn (a `static` spec, `#[plugin]` on an impl, `#[plugin]` on a fn), every tenth one behind a
`#[cfg]` of its crate (compiled in), in 10 namespaces. A host crate depends on every plugin crate
and compiles the committed registry `src/plux_registry.rs` (written by `cargo plux
entrypoints`); `host-empty` is the same host with an empty registry, the baseline. Same
arguments, same bytes.
"""
import os
import sys

PER_CRATE = 1000
PER_MODULE = 100


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if os.path.exists(path) and open(path).read() == text:
        return
    with open(path, "w") as f:
        f.write(text)


def plugin(i):
    """The source of plugin number `i`."""
    ns = f"bench.ns{i % 10}"
    gate = '#[cfg(not(feature = "trim"))]\n' if i % 10 == 9 else ""
    form = i % 3
    if form == 0:
        return (
            f"{gate}pub static S{i}: PluginSpec<dyn Api> =\n"
            f'    PluginSpec::new("{ns}", "s{i}", || Box::new(Noop));\n'
        )
    if form == 1:
        return (
            f"#[derive(Default)]\npub struct T{i};\nimpl Plugin for T{i} {{}}\n"
            f'{gate}#[plugin(namespace = "{ns}", name = "t{i}")]\nimpl Api for T{i} {{}}\n'
        )
    return f'{gate}#[plugin(namespace = "{ns}")]\npub fn f{i}() -> u32 {{\n    {i}\n}}\n'


def main():
    out, total, repo = sys.argv[1], int(sys.argv[2]), os.path.abspath(sys.argv[3])
    crates = (total + PER_CRATE - 1) // PER_CRATE
    names = [f"plugins{c}" for c in range(crates)]
    members = ", ".join(f'"{n}"' for n in names + ["host", "host-empty"])
    write(
        f"{out}/Cargo.toml",
        f'[workspace]\nresolver = "3"\nmembers = [{members}]\n\n'
        f"[workspace.dependencies]\n"
        f'plux-runtime = {{ path = "{repo}/plux-runtime" }}\n'
        + "".join(f'{n} = {{ path = "{n}" }}\n' for n in names),
    )
    for c, name in enumerate(names):
        write(
            f"{out}/{name}/Cargo.toml",
            f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2024"\n\n'
            f'[features]\ntrim = []\n\n[dependencies]\nplux-runtime.workspace = true\n',
        )
        lib = (
            "use plux_runtime::{Plugin, PluginSpec, plugin};\n\n"
            "pub trait Api: Plugin {}\n\npub struct Noop;\nimpl Plugin for Noop {}\n"
            "impl Api for Noop {}\n"
        )
        first = c * PER_CRATE
        for m in range(PER_CRATE // PER_MODULE):
            start = first + m * PER_MODULE
            if start >= total:
                break
            body = "".join(plugin(i) for i in range(start, min(start + PER_MODULE, total)))
            lib += f"\npub mod m{m} {{\n    use super::*;\n\n{body}}}\n"
        write(f"{out}/{name}/src/lib.rs", lib)
    deps = "".join(f"{n}.workspace = true\n" for n in names)
    main_rs = (
        "mod plux_registry;\n\nfn main() {\n    plux_runtime::install(&plux_registry::REGISTRY);\n"
        '    println!("{}", plux_registry::REGISTRY.entries().len());\n}\n'
    )
    for host in ["host", "host-empty"]:
        meta = '\n[package.metadata.plux]\nregistry = "src/plux_registry.rs"\n' if host == "host" else ""
        write(
            f"{out}/{host}/Cargo.toml",
            f'[package]\nname = "{host}"\nversion = "0.1.0"\nedition = "2024"\n{meta}\n'
            f"[dependencies]\nplux-runtime.workspace = true\n{deps}",
        )
        write(f"{out}/{host}/src/main.rs", main_rs)
    write(
        f"{out}/host-empty/src/plux_registry.rs",
        "// The baseline: the same host and dependencies, no plugins registered.\n"
        "::plux_runtime::registry! {}\n",
    )


if __name__ == "__main__":
    main()
