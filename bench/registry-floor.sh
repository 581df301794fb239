#!/usr/bin/env bash
# Where build.rs mode's no-op cost goes (issue 4): the demo's committed-registry host next to
# variants of it that differ only in their build script and build dependencies, and the real
# build.rs host. No-op `cargo build -p <host>`, built in alternation (one run of each per round),
# median wall time of N rounds, ratio to `host`.
#
#   host            the committed registry, no build script
#   host-script     + `build.rs` = `fn main() {}`, no build dependency
#   host-named      + build dependencies the build.rs path cannot do without and DESIGN.md
#                   names or plux-build needs for its own work (syn, quote, proc-macro2, serde
#                   with derive, serde_json, globset, memchr, thiserror), script does nothing:
#                   plux-build as if it had dropped cargo_metadata, prettyplease and xxhash-rust
#   host-plux       + build dependency plux-build (as build scripts take it), script does nothing
#   host-buildrs    `plux_build::build()`
#
# Usage: bench/registry-floor.sh [runs]   (default 21; works offline)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-21}"
work=bench/work/registry-floor
rm -rf "$work" && mkdir -p "$work"
cp -r fixtures/demo "$work/demo" && rm -rf "$work/demo/target"
sed -i "s|path = \"../../plux-|path = \"$PWD/plux-|" "$work/demo/Cargo.toml"
cd "$work/demo"
export CARGO_TARGET_DIR="$PWD/target" CARGO_TERM_COLOR=never

# variant <name> <build-dependencies TOML>: a copy of `host` with an empty build script.
variant() {
  local name=$1 deps=$2
  cp -r host "$name"
  sed -i "s/^name = \"host\"/name = \"$name\"/; s/name = \"demo-host\"/name = \"demo-$name\"/" \
    "$name/Cargo.toml"
  echo 'fn main() {}' >"$name/build.rs"
  [[ -z $deps ]] || printf '\n[build-dependencies]\n%s\n' "$deps" >>"$name/Cargo.toml"
  sed -i "s/^members = \[\(.*\)\]/members = [\1, \"$name\"]/" Cargo.toml
}
variant host-script ""
# The same versions and features as plux-build takes them (keep in step with its Cargo.toml).
variant host-named 'globset = "0.4"
memchr = { version = "2", default-features = false, features = ["std"] }
proc-macro2 = { version = "1", features = ["span-locations"] }
quote = "1"
serde = { version = "1", features = ["derive"] }
serde_json = { version = "1", features = ["raw_value"] }
syn = { version = "2", features = ["full", "visit", "extra-traits"] }
thiserror = "2"'
variant host-plux 'plux-build.workspace = true'

hosts=(host host-script host-named host-plux host-buildrs)
cargo build -q --offline "${hosts[@]/#/-p=}"
times=$(mktemp -d)
for _ in $(seq "$runs"); do
  for h in "${hosts[@]}"; do
    t0=$(date +%s%N)
    cargo build -q --offline -p "$h"
    t1=$(date +%s%N)
    echo $(((t1 - t0) / 10000)) >>"$times/$h"
  done
done
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
base=$(median <"$times/host")
echo "runs per figure: $runs, alternating; load $(cut -d' ' -f1-3 /proc/loadavg)"
for h in "${hosts[@]}"; do
  m=$(median <"$times/$h")
  units=$(cargo build --offline -p "$h" -v 2>&1 | grep -c Fresh)
  awk -v h="$h" -v m="$m" -v b="$base" -v u="$units" \
    'BEGIN {printf "%-13s %6.1f ms  ratio %.2f  (%d packages Fresh)\n", h, m / 100, m / b, u}'
done
rm -rf "$times"
