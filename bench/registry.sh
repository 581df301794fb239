#!/usr/bin/env bash
# Registration modes compared on the demo workspace: a no-op `cargo build` of the host in
# build.rs mode (`host-buildrs`) vs the same host with a committed registry (`host`), and the
# rebuild after a one-file edit of a plugin crate. Prints medians and ratios (goal for the
# no-op ratio: <= 1.10). The no-op build is also given as cargo's CPU time (user + system).
#
# Usage: bench/registry.sh [runs]   (default 15; works offline)
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-15}"
work=bench/work/registry
rm -rf "$work" && mkdir -p "$work"
cp -r fixtures/demo "$work/demo" && rm -rf "$work/demo/target"
# Point the copy's plux paths back at this repository.
sed -i "s|path = \"../../plux-|path = \"$PWD/plux-|" "$work/demo/Cargo.toml"
cd "$work/demo"
export CARGO_TARGET_DIR="$PWD/target" CARGO_TERM_COLOR=never

now() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR+1)/2] : (a[NR/2] + a[NR/2+1]) / 2}'; }
# one_build <package> [prepare command]: wall time and CPU time (user + system, ms) of one
# `cargo build -p <package>`. The CPU figure is steadier than wall time on a loaded machine.
one_build() {
  local package=$1 prepare=${2:-true} t0 t1 cpu
  eval "$prepare"
  t0=$(now)
  cpu=$( { TIMEFORMAT='%3U %3S'; time cargo build -q --offline -p "$package" 2>&3; } 3>&2 2>&1 )
  t1=$(now)
  echo "$(( (t1 - t0) / 1000000 )) $(awk '{printf "%d", ($1 + $2) * 1000}' <<<"$cpu")"
}
# alternate <file-a> <file-b> <package-a> <package-b> [prepare]: the two hosts built in
# alternation, one run of each per round, so load drift hits both alike.
alternate() {
  local a=$1 b=$2 pa=$3 pb=$4 prepare=${5:-true}
  : >"$a"; : >"$b"
  for _ in $(seq "$runs"); do
    one_build "$pa" "$prepare" >>"$a"
    one_build "$pb" "$prepare" >>"$b"
  done
}

cargo build -q --offline -p host -p host-buildrs
edit='echo "// edit $RANDOM" >> services/src/lib.rs'
times=$(mktemp -d)
alternate "$times/nc" "$times/nb" host host-buildrs
alternate "$times/ec" "$times/eb" host host-buildrs "$edit"
wall() { cut -d' ' -f1 <"$1" | median; }
cpu() { cut -d' ' -f2 <"$1" | median; }
noop_committed=$(wall "$times/nc")
noop_buildrs=$(wall "$times/nb")
edit_committed=$(wall "$times/ec")
edit_buildrs=$(wall "$times/eb")
noop_committed_cpu=$(cpu "$times/nc")
noop_buildrs_cpu=$(cpu "$times/nb")
rm -rf "$times"

ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
echo "runs per figure: $runs, alternating (median wall time, ms)"
echo "no-op build:        committed ${noop_committed} ms, build.rs ${noop_buildrs} ms, ratio $(ratio "$noop_buildrs" "$noop_committed")"
echo "no-op build, CPU:   committed ${noop_committed_cpu} ms, build.rs ${noop_buildrs_cpu} ms, ratio $(ratio "$noop_buildrs_cpu" "$noop_committed_cpu")"
echo "one-file edit:      committed ${edit_committed} ms, build.rs ${edit_buildrs} ms, ratio $(ratio "$edit_buildrs" "$edit_committed")"
