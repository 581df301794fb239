use plux_runtime::{Plugin, plugin};

#[derive(Default)]
struct A;
impl Plugin for A {}
trait MyPlugin: Plugin {}

#[plugin]
fn no_arguments() {}

#[plugin(name = "a")]
impl MyPlugin for A {}

#[plugin(namespace = "demo")]
fn only_namespace_is_enough() {}

#[plugin(namespace = "demo")]
impl Plugin<u8> for A {}

fn main() {}
