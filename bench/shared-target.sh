#!/usr/bin/env bash
# Issue 14: a 1-plugin workspace whose target directory is shared (CARGO_TARGET_DIR) with large
# ones. Each round discovers COPIES copies of the generated workspace (bench/gen_workspace.py,
# 10,000 files each; the first copy's run is timed: "big", warm but for what the small one's run
# did to the shared cache), then the small one (timed), so that each meets the others' scan
# caches in the shared directory. Wall time and peak RSS (/usr/bin/time), medians of RUNS rounds.
#
#   bench/shared-target.sh
#   RUNS=15 COPIES=4 bench/shared-target.sh
#   BEFORE=path/to/older/cargo-plux bench/shared-target.sh   # also that build, in the same
#                                  # rounds (a shared directory of its own), and the medians of
#                                  # the per-round ratios this / before
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-9}
COPIES=${COPIES:-1}
BIG=bench/work/scan-ws
SMALL=$PWD/bench/work/small-ws
SHARED=$PWD/bench/work/shared-target

source bench/common.sh
generated_workspace "$BIG"
for ((c = 2; c <= COPIES; c++)); do
    [[ -f $BIG-$c/.generated-v1 ]] || { rm -rf "$BIG-$c"; cp -r "$BIG" "$BIG-$c"; rm -rf "$BIG-$c/target"; }
done
if [[ ! -f $SMALL/src/lib.rs ]]; then
    mkdir -p "$SMALL/src"
    printf '[package]\nname = "small"\nversion = "0.1.0"\nedition = "2024"\n\n[workspace]\n' > "$SMALL/Cargo.toml"
    printf 'pub static ONE: PluginSpec<dyn Service> = PluginSpec::new("small.services", "one", make);\n' \
        > "$SMALL/src/lib.rs"
fi
release_plux

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now_us() { echo $(( $(date +%s%N) / 1000 )); }

declare -A t=() r=()
# Runs `cargo-plux plux ARGS..` as `PREFIX:LABEL` of one build: `timed PREFIX LABEL BINARY DIR ARGS..`.
timed() {
    local key=$1:$2 bin=$3 dir=$4; shift 4
    local t0 rss; t0=$(now_us)
    rss=$(CARGO_TARGET_DIR=$dir /usr/bin/time -f '%M' -o /dev/stdout "$bin" plux "$@" 2>/dev/null | tail -1)
    t[$key]+="$(echo "scale=1; ($(now_us) - $t0) / 1000" | bc) "
    r[$key]+="$rss "
}
# One round of one build: `round PREFIX BINARY SHARED-DIR`.
round() {
    local p=$1 bin=$2 dir=$3
    timed "$p" big "$bin" "$dir" discover --workspace --manifest-path "$BIG/Cargo.toml"
    for ((c = 2; c <= COPIES; c++)); do
        CARGO_TARGET_DIR=$dir "$bin" plux discover --workspace --manifest-path "$BIG-$c/Cargo.toml" >/dev/null 2>&1
    done
    timed "$p" small "$bin" "$dir" discover --manifest-path "$SMALL/Cargo.toml"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "$COPIES large workspace(s) of $(find "$BIG" -name "*.rs" | wc -l) files; small workspace: $("$PLUX" plux discover --manifest-path "$SMALL/Cargo.toml" 2>/dev/null | grep -c '=') plugin(s)"
rm -rf "$SHARED" "$SHARED-before"
for ((i = 0; i < RUNS; i++)); do
    round this "$PLUX" "$SHARED"
    [[ -n ${BEFORE:-} ]] && round before "$BEFORE" "$SHARED-before"
done
for p in this ${BEFORE:+before}; do
    for w in small big; do
        printf '   %-6s %-5s discover: median %7.1f ms, peak RSS %7d kB   (runs: %s)\n' "$p" "$w" \
            "$(tr ' ' '\n' <<< "${t[$p:$w]}" | grep . | median)" \
            "$(tr ' ' '\n' <<< "${r[$p:$w]}" | grep . | median)" "${t[$p:$w]}"
    done
done
if [[ -n ${BEFORE:-} ]]; then
    paired() { paste -d' ' <(tr ' ' '\n' <<< "$1" | grep .) <(tr ' ' '\n' <<< "$2" | grep .) \
        | awk '{printf "%.3f\n", $1 / $2}' | median; }
    for w in small big; do
        echo "   $w: this / before, median of the rounds: time $(paired "${t[this:$w]}" "${t[before:$w]}"), peak RSS $(paired "${r[this:$w]}" "${r[before:$w]}")"
    done
fi
echo "   cache directory: $(du -sh "$SHARED/plux" | cut -f1) in $(find "$SHARED/plux" -type f | wc -l) files"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$SHARED" "$SHARED-before"
