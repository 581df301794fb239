use plux_runtime::{Plugin, plugin};

#[plugin(namespace = "demo", name = "s")]
struct NotAPlugin;

#[plugin(namespace = "demo", name = "t")]
trait AlsoNot {}

#[plugin(namespace = "demo", name = "e")]
enum Nope {}

#[plugin(namespace = "demo", name = "m")]
mod module {}

#[plugin(namespace = "demo", name = "st")]
static SPEC: u8 = 0;

#[derive(Default)]
struct A;
impl Plugin for A {}

#[plugin(namespace = "demo", name = "inherent")]
impl A {
    fn helper(&self) {}
}

impl A {
    #[plugin(namespace = "demo")]
    fn method(&self) {}
}

fn main() {}
