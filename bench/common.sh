# Sourced by the bench scripts (from the repository root).

# Generates the workspace of bench/gen_workspace.py (200 crates, 10,000 files) at $1 unless it
# is there.
generated_workspace() {
    if [[ ! -f $1/.generated-v1 ]]; then
        rm -rf "$1"
        python3 bench/gen_workspace.py "$1"
        touch "$1/.generated-v1"
    fi
}

# Sets PLUX to a release build of this tree, unless PLUX names another build (say, of an
# earlier commit) to measure the same way.
release_plux() {
    if [[ -z ${PLUX:-} ]]; then
        cargo build --release --quiet -p cargo-plux
        PLUX=$PWD/target/release/cargo-plux
    fi
}
