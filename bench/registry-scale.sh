#!/usr/bin/env bash
# How a committed registry's compile time grows with the number of plugins: for each N, a
# generated workspace (bench/gen_registry.py: N plugins in crates of 1,000, the three forms,
# every tenth behind a `#[cfg]`) whose host compiles the registry `cargo plux entrypoints`
# wrote. Per N: the time `entrypoints` takes, then `cargo build -p host` after touching the
# registry (only the host recompiles), against the same host with an empty registry
# (`host-empty`), built in alternation. Prints medians of wall and CPU time (user + system) and
# rustc's peak RSS; the registry's cost is host minus host-empty.
#
# Usage: bench/registry-scale.sh [runs] [N ...]   (default 5 runs; 1000 10000 100000; offline)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-5}"
shift || true
sizes=("${@:-1000 10000 100000}")
read -r -a sizes <<<"${sizes[*]}"
repo=$PWD
cargo build -q --offline --release -p cargo-plux
plux=$repo/target/release/cargo-plux
export CARGO_TERM_COLOR=never

median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# one_build <package>: wall ms, CPU ms and peak RSS (KiB) of `cargo build -p <package>` after
# touching its registry.
one_build() {
  touch "$1/src/plux_registry.rs"
  /usr/bin/time -f '%e %U %S %M' -o "$times/time" cargo build -q --offline -p "$1"
  awk '{printf "%d %d %d\n", $1 * 1000, ($2 + $3) * 1000, $4}' "$times/time"
}

printf '%-8s %-12s %-26s %-26s %-22s %s\n' plugins entrypoints "host wall / CPU (ms)" \
  "empty wall / CPU (ms)" "registry CPU (ms)" "peak RSS host / empty (MiB)"
for n in "${sizes[@]}"; do
  work=bench/work/registry-scale/n$n
  python3 bench/gen_registry.py "$work" "$n" "$repo"
  t0=$(date +%s%N)
  (cd "$work" && "$plux" plux entrypoints -q)
  t1=$(date +%s%N)
  entrypoints_ms=$(((t1 - t0) / 1000000))
  (cd "$work" && export CARGO_TARGET_DIR=$PWD/target && cargo build -q --offline -p host -p host-empty)
  times=$(mktemp -d)
  : >"$times/host"
  : >"$times/empty"
  for _ in $(seq "$runs"); do
    (cd "$work" && export CARGO_TARGET_DIR=$PWD/target && one_build host) >>"$times/host"
    (cd "$work" && export CARGO_TARGET_DIR=$PWD/target && one_build host-empty) >>"$times/empty"
  done
  col() { cut -d' ' -f"$2" <"$times/$1" | median; }
  hw=$(col host 1) hc=$(col host 2) hr=$(col host 3)
  ew=$(col empty 1) ec=$(col empty 2) er=$(col empty 3)
  per=$(awk -v h="$hc" -v e="$ec" -v n="$n" 'BEGIN {printf "%d (%.1f us/plugin)", h - e, (h - e) * 1000 / n}')
  printf '%-8s %-12s %-26s %-26s %-22s %s\n' "$n" "${entrypoints_ms} ms" "$hw / $hc" "$ew / $ec" \
    "$per" "$((hr / 1024)) / $((er / 1024))"
  rm -rf "$times"
done
