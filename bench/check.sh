#!/usr/bin/env bash
# CLI benchmark (issue 5): `cargo plux discover` and `entrypoints --check` end to end (the real
# binary, `cargo metadata` included), next to `cargo metadata` and `rg -l plugin` on the same
# workspace, measured in alternation (one run of each per round), medians of RUNS rounds.
#
#   bench/check.sh                 # the generated workspace (bench/gen_workspace.py, ~1M lines)
#   bench/check.sh DIR             # also a real cargo workspace at DIR (read-only but for
#                                  # DIR/target/plux, the scan cache)
#   RUNS=9 bench/check.sh
#   BEFORE=path/to/older/cargo-plux bench/check.sh   # also that build, in the same rounds
#                                  # (its scan cache in DIR/target/plux-before: the two builds
#                                  # would take each other's cache for a foreign one), and the
#                                  # median of the per-round ratios this / before
#
# Figures per workspace:
#   meta          cargo metadata --format-version 1 --no-deps (the baseline of the check goals)
#   rg            rg -l plugin over the workspace
#   discover-cold discover with no scan cache (removed before each run; the run writes it)
#   discover-warm discover with the cache of the previous run
#   check-nocache entrypoints --check with no scan cache
#   check-noop    entrypoints --check, nothing changed since the previous run
#   check-edit    entrypoints --check right after one source file changed (a line appended)
# Peak RSS (max RSS of the process, /usr/bin/time) of a cold discover.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
GEN=bench/work/scan-ws
command -v rg >/dev/null || { echo "rg missing: cargo install ripgrep" >&2; exit 1; }

source bench/common.sh
generated_workspace "$GEN"
# PLUX=path/to/cargo-plux measures another build (say, of an earlier commit) the same way.
release_plux

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now_us() { echo $(( $(date +%s%N) / 1000 )); }
# wall time of a command, in ms (its exit status is ignored: `--check` may report stale files)
wall() { local t0; t0=$(now_us); "$@" >/dev/null 2>&1 || true; echo "scale=1; ($(now_us) - $t0) / 1000" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }

bench() {
    local label=$1 dir=$2
    local manifest=$dir/Cargo.toml
    local cache; cache=$(cargo metadata --no-deps --offline --format-version 1 --manifest-path "$manifest" \
        | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/plux/scan-cache-v1
    local ws=(--workspace --manifest-path "$manifest")
    local edit; edit=$(rg -l --sort path 'plugin' "$dir" -g '*.rs' -g '!target' | head -1)
    ORIGINAL=$(mktemp); EDITED=$edit; cp "$edit" "$ORIGINAL"
    trap 'cp "$ORIGINAL" "$EDITED"; rm -f "$ORIGINAL"' EXIT   # restored below, or on failure
    echo "== $label: $dir ($(find "$dir" -name target -prune -o -name '*.rs' -type f -print | wc -l) .rs files)"
    echo "   plugins found: $("$PLUX" plux discover "${ws[@]}" 2>/dev/null | grep -c '=' || true); edited file: $edit"
    declare -A t=()
    local -a names=(meta rg discover-cold discover-warm check-nocache check-noop check-edit)
    local -a plux_names=("${names[@]:2}")
    [[ -n ${BEFORE:-} ]] && names+=("${plux_names[@]/#/before:}")
    for n in "${names[@]}"; do t[$n]=""; done
    # The plux figures of one build: `plux_round PREFIX BINARY CACHE [VAR=VALUE..]`.
    plux_round() {
        local p=$1 bin=$2 c=$3; shift 3
        rm -rf "$c"
        t[${p}discover-cold]+="$(wall env "$@" "$bin" plux discover "${ws[@]}") "
        t[${p}discover-warm]+="$(wall env "$@" "$bin" plux discover "${ws[@]}") "
        rm -rf "$c"
        t[${p}check-nocache]+="$(wall env "$@" "$bin" plux entrypoints --check "${ws[@]}") "
        t[${p}check-noop]+="$(wall env "$@" "$bin" plux entrypoints --check "${ws[@]}") "
        printf '// edit %s%s\n' "$p" "$i" >> "$edit"
        t[${p}check-edit]+="$(wall env "$@" "$bin" plux entrypoints --check "${ws[@]}") "
    }
    wall cargo metadata --format-version 1 --no-deps --manifest-path "$manifest" >/dev/null   # warm-up
    wall rg -l plugin "$dir" >/dev/null
    for ((i = 0; i < RUNS; i++)); do
        t[meta]+="$(wall cargo metadata --format-version 1 --no-deps --manifest-path "$manifest") "
        t[rg]+="$(wall rg -l plugin "$dir") "
        plux_round "" "$PLUX" "$cache"
        if [[ -n ${BEFORE:-} ]]; then
            plux_round before: "$BEFORE" "$dir/target/plux-before/plux/scan-cache-v1" \
                CARGO_TARGET_DIR="$dir/target/plux-before"
        fi
    done
    cp "$ORIGINAL" "$EDITED"; rm -f "$ORIGINAL"; trap - EXIT
    rm -rf "$cache"
    local rss; rss=$(/usr/bin/time -f '%M' -o /dev/stdout "$PLUX" plux discover "${ws[@]}" 2>/dev/null | tail -1)
    declare -A m=()
    for n in "${names[@]}"; do
        m[$n]=$(tr ' ' '\n' <<< "${t[$n]}" | grep . | median)
        printf '   %-14s median %8.1f ms   (runs: %s)\n' "$n" "${m[$n]}" "${t[$n]}"
    done
    echo "   peak RSS of a cold discover: ${rss} kB"
    local base; base=$(echo "${m[meta]} + ${m[rg]}" | bc)
    echo "   discover-cold / (metadata + rg): $(ratio "${m[discover-cold]}" "$base")   (goal <= 3.0)"
    echo "   discover-warm / (metadata + rg): $(ratio "${m[discover-warm]}" "$base")"
    echo "   check-noop / metadata:           $(ratio "${m[check-noop]}" "${m[meta]}")   (goal <= 1.5)"
    echo "   check-edit / metadata:           $(ratio "${m[check-edit]}" "${m[meta]}")   (goal <= 1.7)"
    echo "   check-nocache / metadata:        $(ratio "${m[check-nocache]}" "${m[meta]}")   (the cache's effect: check-nocache / check-noop = $(ratio "${m[check-nocache]}" "${m[check-noop]}"))"
    if [[ -n ${BEFORE:-} ]]; then
        echo "   BEFORE ($BEFORE), same rounds:"
        # Each round's figure over the before build's in the same round, then the median: a
        # load that changes during the run moves both figures of a round alike.
        for n in discover-cold discover-warm check-noop check-edit; do
            local paired; paired=$(paste -d' ' <(tr ' ' '\n' <<< "${t[$n]}" | grep .) \
                <(tr ' ' '\n' <<< "${t[before:$n]}" | grep .) \
                | awk '{printf "%.3f\n", $1 / $2}' | median)
            printf '   %-14s this / before, median of the rounds: %s\n' "$n" "$paired"
        done
        echo "   discover-cold / (metadata + rg): $(ratio "${m[before:discover-cold]}" "$base")"
        echo "   check-noop / metadata:           $(ratio "${m[before:check-noop]}" "${m[meta]}")"
        echo "   check-edit / metadata:           $(ratio "${m[before:check-edit]}" "${m[meta]}")"
        rm -rf "$dir/target/plux-before"
    fi
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)"
# the generated workspace needs its plux.json files for `--check` to pass
"$PLUX" plux entrypoints --workspace --manifest-path "$GEN/Cargo.toml" >/dev/null 2>&1
bench "generated workspace" "$GEN"
[[ $# -ge 1 ]] && bench "workspace" "$1"
exit 0
