// A host that includes the generated registry but has no build script to generate it.
plux_runtime::include_registry!();

fn main() {
    plux_runtime::install(&REGISTRY);
}
