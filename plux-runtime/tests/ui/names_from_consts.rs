use plux_runtime::plugin;

const SPACED: &str = "my plugins";
const EMPTY: &str = "";
const BRACKET: &str = "[x";

#[plugin(namespace = SPACED)]
fn spaced_namespace() {}

#[plugin(namespace = "demo", name = EMPTY)]
fn empty_name() {}

#[plugin(namespace = "demo", name = BRACKET)]
fn bracket_name() {}

fn main() {}
