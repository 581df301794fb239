#!/usr/bin/env bash
# Cold `cargo plux discover --workspace` of the generated workspace (bench/gen_workspace.py,
# 10,000 files), this build against BEFORE, nothing else in between: each round removes both
# builds' scan caches and runs the two builds, the order alternating per round; prints the
# medians of the wall times and of the user + system CPU times (GNU time, 10 ms resolution;
# `cargo metadata` included) and the medians of the per-round ratios this / before.
#
#   BEFORE=path/to/older/cargo-plux bench/cold.sh
#   BEFORE=path/to/older/cargo-plux RUNS=31 bench/cold.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-25}
WS=$PWD/bench/work/scan-ws
: "${BEFORE:?set BEFORE to the cargo-plux build to compare with}"
source bench/common.sh
generated_workspace "$WS"
release_plux
times=$(mktemp)
trap 'rm -f "$times"' EXIT
now_us() { echo $(( $(date +%s%N) / 1000 )); }
# `run BINARY TARGET-DIR`: "wall-ms cpu-s" of one cold run (each build its own target dir).
run() {
    rm -rf "$2/plux"
    local t0; t0=$(now_us)
    CARGO_TARGET_DIR=$2 /usr/bin/time -f '%U %S' -o "$times" \
        "$1" plux discover --workspace --manifest-path "$WS/Cargo.toml" >/dev/null 2>&1 || true
    echo "$(echo "scale=1; ($(now_us) - $t0) / 1000" | bc) $(awk '{print $1 + $2}' "$times")"
}
median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
rounds=()
for ((i = 0; i < RUNS; i++)); do
    if ((i % 2)); then
        this=$(run "$PLUX" "$WS/target/cold-this"); before=$(run "$BEFORE" "$WS/target/cold-before")
    else
        before=$(run "$BEFORE" "$WS/target/cold-before"); this=$(run "$PLUX" "$WS/target/cold-this")
    fi
    rounds+=("$this $before")
done
column() { printf '%s\n' "${rounds[@]}" | awk "{print \$$1}" | median; }
ratio() { printf '%s\n' "${rounds[@]}" | awk "\$$2 > 0 {printf \"%.3f\\n\", \$$1 / \$$2}" | median; }
echo "   wall: this $(column 1) ms, before $(column 3) ms; this / before, median of the rounds: $(ratio 1 3)"
echo "   CPU:  this $(column 2) s, before $(column 4) s; this / before, median of the rounds: $(ratio 2 4)"
echo "   per-round wall ratios: $(printf '%s\n' "${rounds[@]}" | awk '{printf "%.2f ", $1 / $3}')"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$WS/target/cold-this" "$WS/target/cold-before"
