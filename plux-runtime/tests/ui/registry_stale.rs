//! A registry that lists plugins the sources no longer declare fails to compile, naming each
//! plugin and the fix.

use plux_runtime::{Plugin, PluginSpec, plugin};

pub trait Service: Plugin {}

pub struct Named;
impl Plugin for Named {}
impl Service for Named {}

/// `S3` was removed.
pub mod removed {}

/// `S3` now declares plugin `s4`.
pub mod renamed_spec {
    pub static S3: plux_runtime::PluginSpec<dyn super::Service> =
        super::PluginSpec::new("svc", "s4", || Box::new(super::Named));
}

/// `Start` now declares plugin `begin`.
pub mod renamed_type {
    use super::*;

    #[derive(Default)]
    pub struct Start;
    impl Plugin for Start {}

    #[plugin(namespace = "svc", name = "begin")]
    impl Service for Start {}
}

/// `configure` was renamed `setup`.
pub mod renamed_fn {
    #[plux_runtime::plugin(namespace = "hooks")]
    pub fn setup() {}
}

plux_runtime::registry! {
    "hooks" {
        "configure" = crate::renamed_fn::configure [fn],
    }
    "svc" {
        "s3" = crate::removed::S3,
        "s3-spec" = crate::renamed_spec::S3,
        "start" = crate::renamed_type::Start [type],
    }
}

fn main() {}
