#!/usr/bin/env bash
# Scanner benchmark (issue 5): the plux-build scanner next to `cat` and `rg -l plugin` on the
# same files, measured in alternation (one run of each per round), medians of RUNS rounds.
#
#   bench/scan.sh              # (a) generated workspace, (b) ~/.cargo/registry/src crates
#   RUNS=9 bench/scan.sh
#
# (a) bench/gen_workspace.py: 200 crates, 10,000 files, ~1M lines, 2,000 files with plugins;
#     also `cargo metadata --no-deps` on it, and the goal ratio scan / (metadata + rg).
# (b) every registry package with a src/lib.rs (read-only; the scan follows module trees, so it
#     reads fewer files than cat/rg, which get every .rs file; both byte counts are printed).
# Scanner figures come from the bench binary (plux-build/benches/scan.rs): wall time of the
# scan inside the process (packages in parallel, as `cargo plux discover` does), and its peak
# RSS (VmHWM). Variants: prefilter on/off, 2 and 1 threads.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
WORK=bench/work
GEN=$WORK/scan-ws
REGISTRY=${REGISTRY:-$(ls -d "$HOME"/.cargo/registry/src/*/ 2>/dev/null | head -1)}
command -v rg >/dev/null || { echo "rg missing: cargo install ripgrep" >&2; exit 1; }

if [[ ! -f $GEN/.generated-v1 ]]; then
    rm -rf "$GEN"
    python3 bench/gen_workspace.py "$GEN"
    touch "$GEN/.generated-v1"
fi
BIN=$(cargo bench -p plux-build --bench scan --no-run 2>&1 \
    | grep -o 'target/release/deps/scan-[0-9a-f]*' | tail -1)
[[ -x $BIN ]] || { echo "cannot build the scan bench" >&2; exit 1; }

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
now_us() { echo $(( $(date +%s%N) / 1000 )); }
# wall time of a command, in ms
wall() { local t0; t0=$(now_us); "$@" >/dev/null 2>&1; echo "scale=1; ($(now_us) - $t0) / 1000" | bc; }
# the scan's own figure (median_ms of one run), and its peak RSS
scan_ms() { "$BIN" --runs 1 "$@" | sed -E 's/.*median_ms=([0-9.]+).*vmhwm_kb=([0-9]+).*/\1 \2/'; }
ratio() { echo "scale=2; $1 / $2" | bc; }

bench() {
    local label=$1 dir=$2 manifest=${3:-}
    local list; list=$(mktemp)
    find "$dir" -name target -prune -o -name '*.rs' -type f -print0 > "$list"
    local files bytes; files=$(tr -cd '\0' < "$list" | wc -c)
    bytes=$(xargs -0 cat < "$list" | wc -c)
    echo "== $label: $dir"
    echo "   cat/rg input: $files .rs files, $((bytes / 1000000)) MB"
    "$BIN" --runs 1 "$dir" | sed -E 's/^/   scan input: /; s/ decls=.*//'
    declare -A t=()
    local -a names=(cat rg meta fast2 fast1 full2 full1)
    for n in "${names[@]}"; do t[$n]=""; done
    local rss2="" rss1="" rssfull=""
    wall xargs -0 cat < "$list" >/dev/null; wall rg -l plugin "$dir" >/dev/null   # warm-up
    for ((i = 0; i < RUNS; i++)); do
        t[cat]+="$(wall bash -c 'xargs -0 cat < "$1"' _ "$list") "
        t[rg]+="$(wall rg -l plugin "$dir") "
        [[ -n $manifest ]] && t[meta]+="$(wall cargo metadata --no-deps --offline --format-version 1 --manifest-path "$manifest") "
        read -r ms rss2 < <(scan_ms --threads 2 "$dir"); t[fast2]+="$ms "
        read -r ms rss1 < <(scan_ms --threads 1 "$dir"); t[fast1]+="$ms "
        read -r ms rssfull < <(scan_ms --threads 2 --no-prefilter "$dir"); t[full2]+="$ms "
        read -r ms _ < <(scan_ms --threads 1 --no-prefilter "$dir"); t[full1]+="$ms "
    done
    declare -A m=()
    for n in "${names[@]}"; do
        [[ -z ${t[$n]// /} ]] && continue
        m[$n]=$(tr ' ' '\n' <<< "${t[$n]}" | grep . | median)
        printf '   %-6s median %8.1f ms   (runs: %s)\n' "$n" "${m[$n]}" "${t[$n]}"
    done
    echo "   peak RSS (VmHWM): prefilter 2 threads ${rss2} kB, 1 thread ${rss1} kB; no prefilter 2 threads ${rssfull} kB"
    echo "   scan / cat:               $(ratio "${m[fast2]}" "${m[cat]}")"
    echo "   scan / rg -l plugin:      $(ratio "${m[fast2]}" "${m[rg]}")"
    [[ -n ${m[meta]:-} ]] && echo "   scan / (metadata + rg):   $(ratio "${m[fast2]}" "$(echo "${m[meta]} + ${m[rg]}" | bc)")   (goal <= 3.0)"
    [[ -n ${m[meta]:-} ]] && echo "   (metadata + scan) / (metadata + rg): $(ratio "$(echo "${m[meta]} + ${m[fast2]}" | bc)" "$(echo "${m[meta]} + ${m[rg]}" | bc)")"
    echo "   prefilter speed-up:       $(ratio "${m[full2]}" "${m[fast2]}") (2 threads), $(ratio "${m[full1]}" "${m[fast1]}") (1 thread)"
    echo "   2 threads vs 1:           $(ratio "${m[fast1]}" "${m[fast2]}") (prefilter), $(ratio "${m[full1]}" "${m[full2]}") (no prefilter)"
    rm -f "$list"
}

echo "machine: $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg) (shared with other builds)"
bench "generated workspace" "$GEN" "$GEN/Cargo.toml"
[[ -n $REGISTRY ]] && bench "cargo registry crates" "$REGISTRY"
echo "prefilter check (every crate scanned with and without it must be identical):"
"$BIN" --compare "$GEN" | sed 's/^/   generated: /'
[[ -n $REGISTRY ]] && "$BIN" --compare "$REGISTRY" | sed 's/^/   registry:  /'
