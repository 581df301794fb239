use plux_runtime::{Plugin, plugin};

fn number() -> i32 {
    1
}

fn takes_argument(_: u8) -> bool {
    true
}

#[plugin(namespace = "demo", load = number)]
fn load_returns_number() {}

#[plugin(namespace = "demo", should_load = takes_argument)]
fn should_load_takes_argument() {}

struct A;
impl Plugin for A {}
trait MyPlugin: Plugin {}

#[plugin(namespace = "demo", name = "a", factory = number)]
impl MyPlugin for A {}

#[plugin(namespace = "demo", name = "b", try_factory = make)]
impl Plugin<u8> for A {}

fn make() -> A {
    A
}

struct NoDefault;
impl Plugin for NoDefault {}

#[plugin(namespace = "demo", name = "no-default")]
impl MyPlugin for NoDefault {}

fn bad_error() -> Result<A, i32> {
    Ok(A)
}

#[plugin(namespace = "demo", name = "bad-error", try_factory = bad_error)]
impl Plugin<u16> for A {}

const ENABLED: bool = true;

#[plugin(namespace = "demo", should_load = ENABLED)]
fn should_load_is_a_const() {}

fn main() {}
