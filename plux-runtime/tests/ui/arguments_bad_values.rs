use plux_runtime::{Plugin, plugin};

#[derive(Default)]
struct A;
impl Plugin for A {}
trait MyPlugin: Plugin {}

#[plugin(namespace = 1, name = concat!("a", "b"), factory = "make")]
impl MyPlugin for A {}

#[plugin(namespace = "demo", should_load = 1, load = || ())]
fn closure_hook() {}

#[plugin(namespace = "demo", name = b"bytes", should_load = "yes")]
fn byte_name() {}

#[plugin(namespace = "demo", name = "a", factory = make, try_factory = make)]
impl Plugin<u8> for A {}

fn make() -> A {
    A
}

fn main() {}
