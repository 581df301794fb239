use plux_runtime::plugin;

#[plugin(namespace = "demo", name = "")]
fn empty() {}

#[plugin(namespace = "demo", name = "a=b")]
fn equals() {}

#[plugin(namespace = "demo", name = " padded")]
fn leading_space() {}

#[plugin(namespace = "demo", name = "trailing\u{3000}")]
fn trailing_space() {}

#[plugin(namespace = "demo", name = "tab\tinside")]
fn control() {}

#[plugin(namespace = "demo", name = "[type]")]
fn bracket() {}

#[plugin(namespace = "demo", name = "ab\u{202e}cd")]
fn bidi_override() {}

#[plugin(namespace = "demo", name = "\u{2066}isolated\u{2069}")]
fn bidi_isolate() {}

#[plugin(namespace = "", name = "ok")]
fn empty_namespace() {}

#[plugin(namespace = "my plugins")]
fn namespace_space() {}

#[plugin(namespace = "my/plugins")]
fn namespace_slash() {}

#[plugin(namespace = "my\u{200f}plugins")]
fn namespace_bidi_mark() {}

fn main() {}
