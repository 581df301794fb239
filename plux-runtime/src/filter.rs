//! Plugin filters: rules that disable plugins before they are made.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{OnceLock, RwLock};

use globset::{Glob, GlobMatcher};

use crate::{PatternError, PluginEntry};

/// A rule that disables plugins before their factory runs (Python plux's `PluginFilter`).
///
/// A manager asks the [`global_plugin_filter`] and then its own filters when a plugin is loaded
/// for the first time; the first that answers `true` disables the plugin, with a reason naming
/// the filter. Closures `Fn(&PluginEntry) -> bool` are filters. A filter that panics is logged
/// and ignored for that plugin (as if it had answered `false`).
///
/// ```
/// use plux_runtime::{Plugin, PluginEntry, PluginManager, PluginSpec};
///
/// struct Noop;
/// impl Plugin for Noop {}
/// static EXPERIMENTAL: PluginSpec<dyn Plugin> =
///     PluginSpec::new("demo.filters", "experimental-x", || Box::new(Noop));
///
/// let manager = PluginManager::<dyn Plugin>::builder("demo.filters")
///     .finder(vec![PluginEntry::of(&EXPERIMENTAL)])
///     .filter(|entry: &PluginEntry| entry.name().starts_with("experimental-"))
///     .build();
/// assert!(manager.load("experimental-x").err().unwrap().is_disabled());
/// ```
pub trait PluginFilter: Send + Sync {
    /// Whether the plugin of `entry` (namespace, name and value) must be disabled.
    fn disables(&self, entry: &PluginEntry) -> bool;
}

impl<F> PluginFilter for F
where
    F: Fn(&PluginEntry) -> bool + Send + Sync,
{
    fn disables(&self, entry: &PluginEntry) -> bool {
        self(entry)
    }
}

/// Glob patterns on a plugin's namespace, name and value, combined with "and"; a part left out
/// matches everything.
///
/// Patterns use [`globset`] syntax, which agrees with Python's `fnmatch` on what plux filters
/// use: `*` matches any run of characters (including `.` and `:`), `?` one character, `[ab]`
/// a class. Matching is case-sensitive.
///
/// ```
/// use plux_runtime::PluginPattern;
///
/// // Every plugin of the `localstack.aws.*` namespaces whose name ends in `-legacy`.
/// let pattern = PluginPattern::new().namespace("localstack.aws.*").name("*-legacy");
/// # let _ = pattern;
/// ```
#[derive(Clone, Debug, Default)]
pub struct PluginPattern {
    namespace: Option<String>,
    name: Option<String>,
    value: Option<String>,
}

impl PluginPattern {
    /// A pattern that matches every plugin until parts are added.
    pub fn new() -> Self {
        Self::default()
    }

    /// Only plugins whose namespace matches the glob `pattern`.
    pub fn namespace(mut self, pattern: impl Into<String>) -> Self {
        self.namespace = Some(pattern.into());
        self
    }

    /// Only plugins whose name matches the glob `pattern`.
    pub fn name(mut self, pattern: impl Into<String>) -> Self {
        self.name = Some(pattern.into());
        self
    }

    /// Only plugins whose value (the Rust path they were declared at, e.g.
    /// `my_crate::plugins::S3`) matches the glob `pattern`.
    pub fn value(mut self, pattern: impl Into<String>) -> Self {
        self.value = Some(pattern.into());
        self
    }

    fn compile(&self) -> Result<Matcher, PatternError> {
        fn glob(
            pattern: Option<&String>,
            field: &'static str,
        ) -> Result<Option<GlobMatcher>, PatternError> {
            pattern
                .map(|p| {
                    Glob::new(p)
                        .map(|g| g.compile_matcher())
                        .map_err(|e| PatternError::new(p, field, e))
                })
                .transpose()
        }
        Ok(Matcher {
            pattern: self.clone(),
            namespace: glob(self.namespace.as_ref(), "namespace")?,
            name: glob(self.name.as_ref(), "name")?,
            value: glob(self.value.as_ref(), "value")?,
        })
    }
}

impl fmt::Display for PluginPattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts = [
            ("namespace", &self.namespace),
            ("name", &self.name),
            ("value", &self.value),
        ];
        let mut first = true;
        for (field, pattern) in parts {
            if let Some(pattern) = pattern {
                if !first {
                    f.write_str(" and ")?;
                }
                write!(f, "{field} `{pattern}`")?;
                first = false;
            }
        }
        if first {
            f.write_str("any plugin")?;
        }
        Ok(())
    }
}

#[derive(Debug)]
struct Matcher {
    pattern: PluginPattern,
    namespace: Option<GlobMatcher>,
    name: Option<GlobMatcher>,
    value: Option<GlobMatcher>,
}

impl Matcher {
    fn matches(&self, entry: &PluginEntry) -> bool {
        let part =
            |glob: &Option<GlobMatcher>, text: &str| glob.as_ref().is_none_or(|g| g.is_match(text));
        part(&self.namespace, entry.namespace())
            && part(&self.name, entry.name())
            && part(&self.value, entry.value())
    }
}

/// A filter that disables every plugin matching one of its [`PluginPattern`]s (Python plux's
/// `MatchingPluginFilter`).
///
/// Patterns can be added while managers use the filter (it locks internally); a plugin is
/// checked once, when it is first loaded.
///
/// ```
/// use plux_runtime::{MatchingPluginFilter, Plugin, PluginEntry, PluginManager, PluginPattern, PluginSpec};
///
/// struct Noop;
/// impl Plugin for Noop {}
/// static SQS: PluginSpec<dyn Plugin> = PluginSpec::new("demo.matching", "sqs", || Box::new(Noop));
/// static SNS: PluginSpec<dyn Plugin> = PluginSpec::new("demo.matching", "sns", || Box::new(Noop));
///
/// let filter = MatchingPluginFilter::new();
/// filter.add_pattern(PluginPattern::new().namespace("demo.*").name("sq?"))?;
///
/// let manager = PluginManager::<dyn Plugin>::builder("demo.matching")
///     .finder(vec![PluginEntry::of(&SNS), PluginEntry::of(&SQS)])
///     .filter(filter)
///     .build();
/// assert_eq!(manager.load_all().len(), 1);
/// assert!(manager.is_loaded("sns"));
/// assert!(manager.load("sqs").err().unwrap().is_disabled());
/// # Ok::<(), plux_runtime::PatternError>(())
/// ```
#[derive(Debug, Default)]
pub struct MatchingPluginFilter {
    matchers: RwLock<Vec<Matcher>>,
    // Lets managers skip the lock when the filter is empty (the common case of the global one).
    len: AtomicUsize,
}

impl MatchingPluginFilter {
    /// A filter with no patterns (it disables nothing).
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a pattern; plugins that match it and are loaded afterwards are disabled.
    ///
    /// Fails, adding nothing, when a glob of the pattern is invalid.
    pub fn add_pattern(&self, pattern: PluginPattern) -> Result<(), PatternError> {
        let matcher = pattern.compile()?;
        let mut matchers = self.matchers.write().unwrap_or_else(|e| e.into_inner());
        matchers.push(matcher);
        self.len.store(matchers.len(), Ordering::Release);
        Ok(())
    }

    /// Removes every pattern.
    pub fn clear(&self) {
        let mut matchers = self.matchers.write().unwrap_or_else(|e| e.into_inner());
        matchers.clear();
        self.len.store(0, Ordering::Release);
    }

    /// The number of patterns.
    pub fn len(&self) -> usize {
        self.len.load(Ordering::Acquire)
    }

    /// Whether the filter has no patterns.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The first pattern that matches `entry`, if any.
    pub fn matching(&self, entry: &PluginEntry) -> Option<PluginPattern> {
        if self.is_empty() {
            return None;
        }
        let matchers = self.matchers.read().unwrap_or_else(|e| e.into_inner());
        let found = matchers.iter().find(|m| m.matches(entry))?;
        crate::log_contained!(
            log::Level::Debug,
            "filter rule {} matched plugin {}:{}",
            found.pattern,
            entry.namespace(),
            entry.name()
        );
        Some(found.pattern.clone())
    }
}

impl PluginFilter for MatchingPluginFilter {
    fn disables(&self, entry: &PluginEntry) -> bool {
        self.matching(entry).is_some()
    }
}

/// The process-wide filter every [`PluginManager`](crate::PluginManager) consults before its own
/// filters (Python plux's `global_plugin_filter`).
///
/// ```
/// use plux_runtime::{global_plugin_filter, PluginPattern};
///
/// // Disable every plugin of the `demo.experimental` namespace, in every manager.
/// global_plugin_filter().add_pattern(PluginPattern::new().namespace("demo.experimental"))?;
/// # Ok::<(), plux_runtime::PatternError>(())
/// ```
pub fn global_plugin_filter() -> &'static MatchingPluginFilter {
    static GLOBAL: OnceLock<MatchingPluginFilter> = OnceLock::new();
    GLOBAL.get_or_init(MatchingPluginFilter::new)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Plugin, PluginSpec};

    struct Noop;
    impl Plugin for Noop {}
    static SPEC: PluginSpec<dyn Plugin> =
        PluginSpec::new("test.plugins.dummy", "shouldalsoload", || Box::new(Noop));

    fn entry() -> PluginEntry {
        PluginEntry::new("tests::manager::GoodPlugin", &SPEC)
    }

    fn matches(pattern: PluginPattern) -> bool {
        let filter = MatchingPluginFilter::new();
        filter.add_pattern(pattern).unwrap();
        filter.disables(&entry())
    }

    #[test]
    fn globs_match_like_fnmatch() {
        assert!(matches(PluginPattern::new().namespace("test.plugins.*")));
        assert!(!matches(
            PluginPattern::new().namespace("test.plugins.dummy.*")
        ));
        assert!(matches(PluginPattern::new().name("*also*")));
        assert!(matches(PluginPattern::new().value("tests::manager::*")));
        assert!(!matches(PluginPattern::new().value("tests::other::*")));
        assert!(!matches(PluginPattern::new().name("SHOULDALSOLOAD")));
        assert!(matches(PluginPattern::new()));
    }

    #[test]
    fn parts_combine_with_and() {
        assert!(matches(
            PluginPattern::new().namespace("test.*").name("should*")
        ));
        assert!(!matches(
            PluginPattern::new().namespace("test.*").name("other")
        ));
    }

    #[test]
    fn invalid_patterns_add_nothing() {
        let filter = MatchingPluginFilter::new();
        assert!(
            filter
                .add_pattern(PluginPattern::new().namespace("ok").value("["))
                .is_err()
        );
        assert!(filter.is_empty());
        filter.add_pattern(PluginPattern::new().name("x")).unwrap();
        assert_eq!(filter.len(), 1);
        filter.clear();
        assert!(!filter.disables(&entry()));
    }

    #[test]
    fn patterns_display_their_parts() {
        let pattern = PluginPattern::new().namespace("a.*").value("b::*");
        assert_eq!(pattern.to_string(), "namespace `a.*` and value `b::*`");
        assert_eq!(PluginPattern::new().to_string(), "any plugin");
    }
}
