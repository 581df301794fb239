use plux_runtime::plugin;

struct A;

impl A {
    #[plugin(namespace = "demo")]
    fn associated() {}
}

fn main() {}
