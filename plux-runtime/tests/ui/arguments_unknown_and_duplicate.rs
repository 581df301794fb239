use plux_runtime::{Plugin, plugin};

#[derive(Default)]
struct A;
impl Plugin for A {}

#[plugin(
    namespace = "demo",
    nmae = "a",
    name = "a",
    name = "b",
    crate::path = "x"
)]
impl MyPlugin for A {}

#[plugin(namespace = "demo", factory = make, namespace = "other")]
fn hook() {}

#[plugin(namespace = "demo", name = "c", should_load = false, load = hook)]
impl MyPlugin for C {}

#[plugin(namespace, name("x"))]
fn bare() {}

#[derive(Default)]
struct C;
impl Plugin for C {}

trait MyPlugin: Plugin {}

fn main() {}
