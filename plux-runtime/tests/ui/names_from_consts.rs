use plux_runtime::plugin;

const SPACED: &str = "my plugins";
const EMPTY: &str = "";
const BRACKET: &str = "[x";
const OVERRIDE: &str = "ab\u{202e}cd";
const MARKED: &str = "my\u{200e}plugins";

#[plugin(namespace = SPACED)]
fn spaced_namespace() {}

#[plugin(namespace = "demo", name = EMPTY)]
fn empty_name() {}

#[plugin(namespace = "demo", name = BRACKET)]
fn bracket_name() {}

#[plugin(namespace = "demo", name = OVERRIDE)]
fn bidi_name() {}

#[plugin(namespace = MARKED)]
fn bidi_namespace() {}

fn main() {}
