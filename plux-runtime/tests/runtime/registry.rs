//! `registry!`: what generated registration code expands to, for every declaration form, with
//! plugins behind `#[cfg]`s of their own crate and of the host.

use plux_runtime::{FunctionPlugin, Plugin, PluginEntry, PluginSpec, Registry, plugin};

pub trait Service: Plugin {
    fn id(&self) -> &'static str;
}

pub struct Named(&'static str);
impl Plugin for Named {}
impl Service for Named {
    fn id(&self) -> &'static str {
        self.0
    }
}

/// Plugins of every form, some compiled out by their own `#[cfg]`s.
pub mod plugins {
    use super::*;

    pub static S3: PluginSpec<dyn Service> = PluginSpec::new("svc", "s3", || Box::new(Named("s3")));
    pub const SQS: PluginSpec<dyn Service> =
        PluginSpec::new("svc", "sqs", || Box::new(Named("sqs")));

    #[cfg(any())]
    pub static OFF: PluginSpec<dyn Service> =
        PluginSpec::new("svc", "off", || Box::new(Named("off")));

    #[derive(Default)]
    pub struct Start;
    impl Plugin for Start {}

    #[plugin(namespace = "svc", name = "start")]
    impl Service for Start {
        fn id(&self) -> &'static str {
            "start"
        }
    }

    /// The type exists, its plugin is compiled out.
    #[derive(Default)]
    pub struct Quiet;
    impl Plugin for Quiet {}

    #[cfg(any())]
    #[plugin(namespace = "svc", name = "quiet")]
    impl Service for Quiet {
        fn id(&self) -> &'static str {
            "quiet"
        }
    }

    #[plugin(namespace = "hooks")]
    pub fn configure() -> u32 {
        7
    }

    #[cfg(any())]
    #[plugin(namespace = "hooks")]
    pub fn never() -> u32 {
        0
    }

    /// A module compiled out with everything in it.
    #[cfg(any())]
    pub mod debug {
        pub mod deep {
            #[plux_runtime::plugin(namespace = "hooks")]
            pub fn trace() -> u32 {
                1
            }
        }
    }

    /// A module compiled in, gated the same way.
    #[cfg(test)]
    pub mod platform {
        #[plux_runtime::plugin(namespace = "hooks")]
        pub fn signals() -> u32 {
            2
        }
    }
}

mod ungated {
    plux_runtime::registry! {
        "hooks" {
            "configure" = crate::registry::plugins::configure [fn],
        }
        "svc" {
            "s3" = crate::registry::plugins::S3,
            "sqs" = crate::registry::plugins::SQS,
            "start" = crate::registry::plugins::Start [type],
        }
    }
}

mod gated {
    plux_runtime::registry! {
        "hooks" {
            "configure" = crate::registry::plugins::configure [fn],
            "never" = crate::registry::plugins::never [fn, cfg(any())],
            "signals" = crate::registry::plugins::platform::signals [fn, cfg(test) on crate::registry::plugins::platform],
            "trace" = crate::registry::plugins::debug::deep::trace [fn, cfg(any()) on crate::registry::plugins::debug],
        }
        "svc" {
            #[cfg(any())]
            "host_off" = crate::registry::plugins::S3 [value = elsewhere::S3],
            "off" = crate::registry::plugins::OFF [cfg(any())],
            "quiet" = crate::registry::plugins::Quiet [type, cfg(any())],
            "s3" = crate::registry::plugins::S3 [value = services::S3],
            #[cfg(test)]
            #[cfg(not(any()))]
            "sqs" = crate::registry::plugins::SQS,
            "start" = crate::registry::plugins::Start [type],
        }
    }
}

mod empty {
    plux_runtime::registry! {}
}

fn summary(registry: &Registry) -> Vec<(&'static str, &'static str, &'static str)> {
    registry
        .entries()
        .iter()
        .map(|e| (e.namespace(), e.name(), e.value()))
        .collect()
}

#[test]
fn every_form_is_registered_in_the_order_written() {
    assert_eq!(
        summary(&ungated::REGISTRY),
        [
            ("hooks", "configure", "crate::registry::plugins::configure"),
            ("svc", "s3", "crate::registry::plugins::S3"),
            ("svc", "sqs", "crate::registry::plugins::SQS"),
            ("svc", "start", "crate::registry::plugins::Start"),
        ]
    );
    let entries: &[PluginEntry] = ungated::REGISTRY.namespace("svc");
    let ids: Vec<_> = entries
        .iter()
        .map(|e| e.spec::<dyn Service>().unwrap().create().unwrap().id())
        .collect();
    assert_eq!(ids, ["s3", "sqs", "start"]);
    let hook = ungated::REGISTRY.namespace("hooks")[0]
        .spec::<FunctionPlugin<fn() -> u32>>()
        .unwrap()
        .create()
        .unwrap();
    assert_eq!(hook(), 7);
}

#[test]
fn plugins_compiled_out_by_their_crate_or_the_host_are_left_out() {
    assert_eq!(
        summary(&gated::REGISTRY),
        [
            ("hooks", "configure", "crate::registry::plugins::configure"),
            (
                "hooks",
                "signals",
                "crate::registry::plugins::platform::signals"
            ),
            ("svc", "s3", "services::S3"),
            ("svc", "sqs", "crate::registry::plugins::SQS"),
            ("svc", "start", "crate::registry::plugins::Start"),
        ]
    );
}

#[test]
fn an_empty_registry_has_no_entries() {
    assert!(empty::REGISTRY.entries().is_empty());
}
