#!/usr/bin/env bash
# Plugin packs on the demo workspace, release builds:
#
# 1. listing: a host process that lists the plugin names of three namespaces from 100
#    installed packs (4 plugins each, read from their plux.json, no library loaded) vs the same
#    host with the same 400 plugins compiled into its registry and no packs; both processes
#    run in alternation, median wall time of each, and their ratio (goal: <= 3).
# 2. first use: in one process, the time to load one pack's library and its first plugin
#    (`load` of a pack plugin: manifest checks, content hash, dlopen, header, registry check,
#    factory, load), next to loading a compiled-in plugin; medians over the runs.
#
# Usage: bench/packs.sh [runs]   (default 31; works offline)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-31}"
repo=$PWD
work=bench/work/packs
rm -rf "$work" && mkdir -p "$work"
cp -r fixtures/demo "$work/demo" && rm -rf "$work/demo/target"
sed -i "s|path = \"../../plux-|path = \"$repo/plux-|" "$work/demo/Cargo.toml"
cd "$work/demo"
export CARGO_TARGET_DIR="$PWD/target" CARGO_TERM_COLOR=never

# `many`: the 400 plugins as compiled-in specs (the names the packs list).
mkdir -p many/src bench-host/src
cat >many/Cargo.toml <<'EOF'
[package]
name = "many"
version.workspace = true
edition.workspace = true
publish.workspace = true

[dependencies]
api.workspace = true
plux-runtime.workspace = true
EOF
{
  echo "use api::{Service, ServicePlugin};"
  echo "use plux_runtime::PluginSpec;"
  for p in $(seq -w 0 99); do
    for k in a b c d; do
      echo "pub static P${p}_${k^^}: PluginSpec<dyn ServicePlugin> = PluginSpec::new(\"localstack.plugins.services\", \"p${p}-${k}\", || Box::new(Service::new(\"p${p}-${k}\")));"
    done
  done
} >many/src/lib.rs

# `bench-host`: lists or loads; with feature `static`, `many` is in its registry.
cat >bench-host/Cargo.toml <<'EOF'
[package]
name = "bench-host"
version.workspace = true
edition.workspace = true
publish.workspace = true

[features]
static = ["dep:many"]

[dependencies]
api.workspace = true
many = { path = "../many", optional = true }
plux-runtime = { workspace = true, features = ["packs"] }
services.workspace = true

[build-dependencies]
plux-build.workspace = true
EOF
echo 'fn main() { plux_build::build(); }' >bench-host/build.rs
cat >bench-host/src/main.rs <<'EOF'
use std::time::Instant;

use api::{CliPlugin, Configurator, Runtime, ServicePlugin};
use plux_runtime::PluginManager;
use plux_runtime::pack::PackFinder;

plux_runtime::include_registry!();

fn main() {
    plux_runtime::install(&REGISTRY);
    let start = Instant::now();
    plux_runtime::pack::install(PackFinder::from_env("PLUX_PACK_PATH"));
    let services = PluginManager::<dyn ServicePlugin, Runtime>::new(api::SERVICES);
    let cli = PluginManager::<dyn CliPlugin, Runtime>::new(api::CLI);
    let configurators = PluginManager::<Configurator, Runtime>::new(api::CONFIGURATORS);
    let names = services.list_names().len() + cli.list_names().len() + configurators.list_names().len();
    let listed = start.elapsed();
    match std::env::args().nth(1).as_deref() {
        Some("first") => {
            let t = Instant::now();
            services.load("s3").ok();
            let compiled = t.elapsed();
            let t = Instant::now();
            let loaded = services.load("stepfunctions").is_ok();
            let packed = t.elapsed();
            println!("{} {} {} {loaded}", listed.as_micros(), compiled.as_micros(), packed.as_micros());
        }
        _ => println!("{names}"),
    }
}
EOF
sed -i 's|members = \[|members = ["many", "bench-host", |' Cargo.toml

cargo build -q --offline --release -p bench-host --features static
cp target/release/bench-host bench-static
cargo build -q --offline --release -p bench-host
cp target/release/bench-host bench-packs
env -u CARGO_TARGET_DIR cargo run -q --offline -p cargo-plux --manifest-path "$repo/Cargo.toml" -- \
  plux pack --manifest-path Cargo.toml -p ext --release --offline --out one >/dev/null 2>&1

# 100 packs: copies of the real pack, each listing 4 plugins of its own (never loaded here).
for p in $(seq -w 0 99); do
  dir=packs/pack-$p
  mkdir -p "$dir"
  cp one/ext/libext.so "$dir/"
  sed "s/\"name\": \"ext\"/\"name\": \"pack-$p\"/" one/ext/plux-pack.json >"$dir/plux-pack.json"
  printf '{\n  "localstack.plugins.services": [\n    "p%s-a=ext::A",\n    "p%s-b=ext::B",\n    "p%s-c=ext::C",\n    "p%s-d=ext::D"\n  ]\n}\n' "$p" "$p" "$p" "$p" >"$dir/plux.json"
done
test "$(PLUX_PACK_PATH=packs ./bench-packs)" = "$(./bench-static)"

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
times=$(mktemp -d)
for _ in $(seq "$runs"); do
  t0=$(now); PLUX_PACK_PATH=packs ./bench-packs >/dev/null; t1=$(now)
  echo $(( (t1 - t0) / 1000 )) >>"$times/packs"
  t0=$(now); ./bench-static >/dev/null; t1=$(now)
  echo $(( (t1 - t0) / 1000 )) >>"$times/static"
  PLUX_PACK_PATH=one ./bench-packs first >>"$times/first"
done
packs=$(median <"$times/packs")
static=$(median <"$times/static")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "runs: $runs, alternating (median wall time of the whole process, µs)"
echo "list 400 names from 100 packs: ${packs} µs; same names compiled in: ${static} µs; ratio $(ratio "$packs" "$static")"
echo "in one process (median µs): list $(cut -d' ' -f1 "$times/first" | median), load a compiled-in plugin $(cut -d' ' -f2 "$times/first" | median), load a pack's library and its first plugin $(cut -d' ' -f3 "$times/first" | median) (loaded: $(cut -d' ' -f4 "$times/first" | sort -u))"
echo "library: $(du -h one/ext/libext.so | cut -f1) (release)"
rm -rf "$times"
