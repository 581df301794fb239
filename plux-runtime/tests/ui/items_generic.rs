use plux_runtime::{Plugin, plugin};

struct Wrapper<T>(T);
impl<T: Send + Sync + 'static> Plugin for Wrapper<T> {}

#[plugin(namespace = "demo", name = "w")]
impl<T: Send + Sync + Default + 'static> Plugin<u8> for Wrapper<T> {}

#[plugin(namespace = "demo")]
fn generic<T>(_: T) {}

#[plugin(namespace = "demo")]
fn bounded<'a, 'b: 'a>(x: &'a str, _: &'b str) -> &'a str {
    x
}

#[plugin(namespace = "demo")]
fn with_where<'a>(x: &'a str) -> &'a str
where
    'a: 'static,
{
    x
}

#[plugin(namespace = "demo")]
fn impl_arg(_: impl Fn()) {}

#[plugin(namespace = "demo")]
fn impl_ret() -> Option<impl Fn()> {
    Some(|| ())
}

#[plugin(namespace = "demo")]
async fn not_async() {}

fn main() {}
