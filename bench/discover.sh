#!/usr/bin/env bash
# Build-time benchmark: `cargo plux discover` on a generated workspace (~200 crates, 5,000 files,
# 2,000 plugins) next to two baselines measured in the same run on the same files:
#   cat  - reading every .rs file once (`xargs cat`),
#   rg   - `rg -l plugin` (ripgrep, parallel, the "just grep it" lower bound).
# Each command runs once to warm the page cache, then RUNS times (default 5); the median counts.
#
#   bench/discover.sh          # the generated workspace
#   bench/discover.sh DIR      # also `discover --path DIR` on any directory
#   RUNS=9 bench/discover.sh
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-5}
WORK=$ROOT/bench/work
WS=$WORK/ws
GEN_VERSION=2

# --- generate (deterministic: no randomness, same bytes every time)
if [[ ! -f $WS/.generated-v$GEN_VERSION ]]; then
    rm -rf "$WS"
    mkdir -p "$WS"
    python3 - "$WS" <<'PY'
import os, sys
ws = sys.argv[1]
CRATES, MODULES, PLUGINS_PER_CRATE = 200, 24, 10   # 200 * (24 modules + lib.rs) = 5,000 files
FILLER = '''
/// Configuration of {ty}.
#[derive(Debug, Clone, Default)]
pub struct {ty}Config {{
    pub name: String,
    pub retries: u32,
    pub endpoints: Vec<String>,
}}

impl {ty}Config {{
    /// Builds a config with defaults.
    pub fn new(name: &str) -> Self {{
        let mut endpoints = Vec::new();
        for i in 0..{n} {{
            endpoints.push(format!("http://localhost:{{}}/{{}}", 4566 + i, name));
        }}
        Self {{ name: name.to_owned(), retries: {n}, endpoints }}
    }}

    /// Whether the config is usable.
    pub fn is_valid(&self) -> bool {{
        !self.name.is_empty() && self.retries < 100 && self.endpoints.iter().all(|e| e.starts_with("http"))
    }}
}}

fn helper_{m}(values: &[u64]) -> u64 {{
    values.iter().copied().filter(|v| v % 3 == 0).map(|v| v * 2).sum()
}}
'''
with open(os.path.join(ws, "Cargo.toml"), "w") as f:
    f.write('[workspace]\nresolver = "3"\nmembers = ["crates/*"]\n')
plugin = 0
for c in range(CRATES):
    name = f"bench-crate-{c:03}"
    crate = name.replace("-", "_")
    root = os.path.join(ws, "crates", name)
    os.makedirs(os.path.join(root, "src"), exist_ok=True)
    with open(os.path.join(root, "Cargo.toml"), "w") as f:
        f.write(f'[package]\nname = "{name}"\nversion = "0.1.0"\nedition = "2024"\npublish = false\n')
    with open(os.path.join(root, "src", "lib.rs"), "w") as f:
        f.write(f"//! Generated crate {c}.\n\n")
        f.write("".join(f"pub mod m{m:02};\n" for m in range(MODULES)))
        f.write(FILLER.format(ty="Crate", n=c % 7 + 1, m="root"))
    for m in range(MODULES):
        # 10 plugins per crate on the first 10 modules, cycling through the three forms
        # only modules that declare a plugin mention plux (as in a real code base)
        body = [f"//! Module {m} of crate {c}.\n"]
        if m < PLUGINS_PER_CRATE:
            body.append("use plux_runtime::{plugin, Plugin, PluginSpec};\n")
        body.append(FILLER.format(ty=f"M{m:02}", n=m % 5 + 1, m=m))
        if m < PLUGINS_PER_CRATE:
            form = plugin % 3
            pname = f"p{plugin:04}"
            if form == 0:
                body.append(f'\npub static SPEC_{m:02}: PluginSpec<dyn Service> =\n'
                            f'    PluginSpec::new("bench.services", "{pname}", || Box::new(Svc));\n')
            elif form == 1:
                body.append(f'\n#[derive(Default)]\npub struct Cmd{m:02};\n\n'
                            f'#[plugin(namespace = "bench.cli", name = "{pname}")]\n'
                            f'impl CliPlugin for Cmd{m:02} {{\n    fn run(&self) {{}}\n}}\n')
            else:
                body.append(f'\n#[plugin(namespace = "bench.hooks", name = "{pname}")]\n'
                            f'pub fn hook_{m:02}(value: u64) -> u64 {{\n    helper_{m}(&[value])\n}}\n')
            plugin += 1
        with open(os.path.join(root, "src", f"m{m:02}.rs"), "w") as f:
            f.write("".join(body))
print(f"generated {CRATES} crates, {CRATES * (MODULES + 1)} files, {plugin} plugins")
PY
    touch "$WS/.generated-v$GEN_VERSION"
fi

# --- build
cargo build --release --quiet -p cargo-plux
PLUX=$ROOT/target/release/cargo-plux

# --- timing helpers
now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
# time_cmd LABEL CMD...: warm-up once, then RUNS timed runs; prints and records the median (ms)
declare -A MEDIAN
time_cmd() {
    local label=$1; shift
    "$@" >/dev/null 2>&1 || { echo "command failed: $*" >&2; "$@" >/dev/null; }
    local samples=()
    for ((i = 0; i < RUNS; i++)); do
        local t0; t0=$(now_ns)
        "$@" >/dev/null 2>&1
        local t1; t1=$(now_ns)
        samples+=($(( (t1 - t0) / 1000 )))
    done
    local med; med=$(printf '%s\n' "${samples[@]}" | median)
    MEDIAN[$label]=$med
    printf '  %-34s median %9.1f ms   (runs: %s us)\n' "$label" "$(echo "$med / 1000" | bc -l)" "${samples[*]}"
}
ratio() { echo "scale=2; ${MEDIAN[$1]} / ${MEDIAN[$2]}" | bc -l; }

bench_dir() {  # bench_dir TITLE DIR PLUX-ARGS...
    local title=$1 dir=$2; shift 2
    local list; list=$(mktemp)
    find "$dir" -name target -prune -o -name '*.rs' -type f -print0 > "$list"
    local files; files=$(tr -cd '\0' < "$list" | wc -c)
    local bytes; bytes=$(xargs -0 cat < "$list" | wc -c)
    local plugins; plugins=$("$PLUX" plux discover "$@" 2>/dev/null | grep -c '=' || true)
    echo "== $title: $files .rs files, $((bytes / 1024)) KiB, $plugins plugins; $RUNS runs each, $(nproc) cores"
    time_cmd "cargo plux discover" "$PLUX" plux discover "$@"
    time_cmd "cat (read every .rs file)" bash -c 'xargs -0 cat < "$1"' _ "$list"
    if command -v rg >/dev/null; then
        time_cmd "rg -l plugin" rg -l plugin "$dir"
    fi
    echo "  ratio discover / cat: $(ratio "cargo plux discover" "cat (read every .rs file)")"
    if command -v rg >/dev/null; then
        echo "  ratio discover / rg:  $(ratio "cargo plux discover" "rg -l plugin")"
    else
        echo "  rg: not installed (cargo install ripgrep, or apt-get install ripgrep); skipped"
    fi
    rm -f "$list"
}

bench_dir "generated workspace (bench/work/ws)" "$WS" --workspace --manifest-path "$WS/Cargo.toml"
if [[ $# -ge 1 ]]; then
    echo
    bench_dir "directory $1" "$1" --path "$1"
fi
