#!/usr/bin/env bash
# Python plux next to ours (issue 5): `python -m plux discover` on a sample of 1,000 plugins in
# 200 modules (the three forms: PluginSpec, Plugin subclass, @plugin function), and
# `cargo plux discover --path` on the same plugins written in Rust. Alternating runs, medians.
#
#   bench/python.sh            # installs plux from PyPI into bench/work/venv on first use
#   RUNS=9 bench/python.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-7}
WORK=$PWD/bench/work/python
VENV=$PWD/bench/work/venv
[[ -x $VENV/bin/python ]] || { python3 -m venv "$VENV" && "$VENV/bin/pip" install -q plux; }
# PLUX=path/to/cargo-plux measures another build (say, of an earlier commit) the same way.
if [[ -z ${PLUX:-} ]]; then
    cargo build --release --quiet -p cargo-plux
    PLUX=$PWD/target/release/cargo-plux
fi

if [[ ! -f $WORK/.generated-v1 ]]; then
    rm -rf "$WORK"
    mkdir -p "$WORK/py/bench_plugins" "$WORK/rs/src"
    python3 - "$WORK" <<'PY'
import os, sys
work = sys.argv[1]
MODS, PER = 200, 5
open(f"{work}/py/bench_plugins/__init__.py", "w").write("")
open(f"{work}/py/pyproject.toml", "w").write(
    '[build-system]\nrequires = ["setuptools", "plux"]\nbuild-backend = "setuptools.build_meta"\n\n'
    '[project]\nname = "bench-plugins"\nversion = "0.1.0"\n\n'
    '[tool.setuptools.packages.find]\ninclude = ["bench_plugins*"]\n')
open(f"{work}/rs/Cargo.toml", "w").write(
    '[package]\nname = "bench_plugins"\nversion = "0.1.0"\nedition = "2024"\n\n[workspace]\n')
n = 0
lib = []
for m in range(MODS):
    py = ["from plux import Plugin, PluginSpec, plugin\n\n", "def make():\n    return None\n\n"]
    rs = ["use plux_runtime::{plugin, Plugin, PluginSpec};\n\nfn make() -> Box<dyn Service> { todo!() }\n\n"]
    for k in range(PER):
        name = f"p{n:04}"
        if n % 3 == 0:
            py.append(f'spec_{k} = PluginSpec("bench.services", "{name}", make)\n\n')
            rs.append(f'pub static SPEC_{k}: PluginSpec<dyn Service> = '
                      f'PluginSpec::new("bench.services", "{name}", make);\n\n')
        elif n % 3 == 1:
            py.append(f'class Cmd{k}(Plugin):\n    namespace = "bench.cli"\n    name = "{name}"\n\n')
            rs.append(f'#[derive(Default)]\npub struct Cmd{k};\n\n'
                      f'#[plugin(namespace = "bench.cli", name = "{name}")]\n'
                      f'impl CliPlugin for Cmd{k} {{}}\n\n')
        else:
            py.append(f'@plugin(namespace="bench.hooks", name="{name}")\ndef hook_{k}():\n    pass\n\n')
            rs.append(f'#[plugin(namespace = "bench.hooks", name = "{name}")]\npub fn hook_{k}() {{}}\n\n')
        n += 1
    open(f"{work}/py/bench_plugins/m{m:03}.py", "w").write("".join(py))
    open(f"{work}/rs/src/m{m:03}.rs", "w").write("".join(rs))
    lib.append(f"pub mod m{m:03};\n")
open(f"{work}/rs/src/lib.rs", "w").write("".join(lib))
PY
    touch "$WORK/.generated-v1"
fi

count_py=$(cd "$WORK/py" && "$VENV/bin/python" -m plux discover --path . 2>/dev/null | grep -c '=')
count_rs=$("$PLUX" plux discover --path "$WORK/rs" | grep -c '=')
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); python plux $("$VENV/bin/pip" show plux | sed -n 's/^Version: //p')"
echo "plugins found: python $count_py, ours $count_rs"
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
py=(); rs=()
for ((i = 0; i < RUNS; i++)); do
    t0=$(date +%s%N)
    (cd "$WORK/py" && "$VENV/bin/python" -m plux discover --path . >/dev/null 2>&1)
    t1=$(date +%s%N)
    "$PLUX" plux discover --path "$WORK/rs" >/dev/null
    t2=$(date +%s%N)
    py+=($(( (t1 - t0) / 1000 ))); rs+=($(( (t2 - t1) / 1000 )))
done
mpy=$(printf '%s\n' "${py[@]}" | median); mrs=$(printf '%s\n' "${rs[@]}" | median)
echo "python -m plux discover:        median $((mpy / 1000)) ms (runs, us: ${py[*]})"
echo "cargo plux discover --path:     median $((mrs / 1000)) ms (runs, us: ${rs[*]})"
echo "ours faster by: $(echo "scale=1; $mpy / $mrs" | bc)x   (goal >= 20)"
