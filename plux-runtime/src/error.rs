//! Errors of the plugin manager, and the signals plugin code returns.

use std::any::Any;
use std::error::Error;
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Arc;

use crate::BoxError;

/// The cause of an init or load error: the error a factory, `load` or listener returned, or a
/// [`Panicked`] when it panicked. Shared, so a failed plugin returns the same error every time.
pub type Cause = Arc<dyn Error + Send + Sync + 'static>;

/// Why a plugin could not be found, resolved, initialized or loaded.
///
/// A failed step is settled for the lifetime of the manager: every later
/// [`load`](crate::PluginManager::load) of the plugin returns a clone of the same error (causes
/// are shared through an [`Arc`]).
///
/// ```
/// use plux_runtime::{Plugin, PluginEntry, PluginError, PluginManager, PluginSpec};
///
/// struct Off;
/// impl Plugin for Off {
///     fn should_load(&self) -> bool { false }
/// }
/// static OFF: PluginSpec<dyn Plugin> = PluginSpec::new("demo.errors", "off", || Box::new(Off));
///
/// let manager = PluginManager::<dyn Plugin>::builder("demo.errors")
///     .finder(vec![PluginEntry::of(&OFF)])
///     .build();
/// let error = manager.load("off").err().unwrap();
/// assert!(error.is_disabled());
/// assert_eq!(
///     error.to_string(),
///     "plugin demo.errors:off is disabled, reason: Load condition for plugin was false"
/// );
/// let missing = manager.load("nope").err().unwrap();
/// assert!(matches!(missing, PluginError::NotFound { .. }));
/// assert_eq!(missing.to_string(), "no plugin named nope in namespace demo.errors");
/// ```
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum PluginError {
    /// The namespace has no plugin with this name.
    NotFound {
        /// The manager's namespace.
        namespace: String,
        /// The name asked for.
        name: String,
    },
    /// The finder's entry could not be turned into a spec of the manager's interface.
    Resolve {
        /// The namespace of the entry.
        namespace: String,
        /// The name of the entry.
        name: String,
        /// The Rust path the entry was declared at (may be empty).
        value: String,
        /// What is wrong, and what to do.
        reason: String,
    },
    /// The plugin is disabled: its `should_load` said no, a filter matched it, or its code or a
    /// listener returned [`Disabled`].
    Disabled {
        /// The namespace of the plugin.
        namespace: String,
        /// The name of the plugin.
        name: String,
        /// Why it is disabled.
        reason: String,
    },
    /// The factory (or an `on_init_after` listener) failed or panicked.
    Init {
        /// The namespace of the plugin.
        namespace: String,
        /// The name of the plugin.
        name: String,
        /// What the factory or listener returned.
        cause: Cause,
    },
    /// `should_load`, `load`, or an `on_load_before`/`on_load_after` listener failed or panicked.
    Load {
        /// The namespace of the plugin.
        namespace: String,
        /// The name of the plugin.
        name: String,
        /// What `load` or the listener returned.
        cause: Cause,
    },
    /// The thread that is loading the plugin asked for it again (from a listener, the factory or
    /// `load`); the inner call gets this error and the outer load goes on.
    Recursive {
        /// The namespace of the plugin.
        namespace: String,
        /// The name of the plugin.
        name: String,
    },
}

// Display and Error by hand rather than derived: a proc-macro dependency here is compiled by
// every host, and thiserror 2.0.19+ brings a second major version of syn (plux-macros has
// syn 2).
impl fmt::Display for PluginError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotFound { namespace, name } => {
                write!(f, "no plugin named {name} in namespace {namespace}")
            }
            Self::Resolve {
                namespace,
                name,
                value,
                reason,
            } => write!(
                f,
                "cannot resolve plugin {namespace}:{name} (`{value}`): {reason}"
            ),
            Self::Disabled {
                namespace,
                name,
                reason,
            } => write!(f, "plugin {namespace}:{name} is disabled, reason: {reason}"),
            Self::Init {
                namespace,
                name,
                cause,
            } => write!(f, "plugin {namespace}:{name} failed to initialize: {cause}"),
            Self::Load {
                namespace,
                name,
                cause,
            } => write!(f, "plugin {namespace}:{name} failed to load: {cause}"),
            Self::Recursive { namespace, name } => write!(
                f,
                "plugin {namespace}:{name} is already being loaded by this thread; do not load a plugin from its own lifecycle"
            ),
        }
    }
}

impl Error for PluginError {}

impl PluginError {
    /// The namespace the error is about.
    pub fn namespace(&self) -> &str {
        match self {
            Self::NotFound { namespace, .. }
            | Self::Resolve { namespace, .. }
            | Self::Disabled { namespace, .. }
            | Self::Init { namespace, .. }
            | Self::Load { namespace, .. }
            | Self::Recursive { namespace, .. } => namespace,
        }
    }

    /// The plugin name the error is about.
    pub fn name(&self) -> &str {
        match self {
            Self::NotFound { name, .. }
            | Self::Resolve { name, .. }
            | Self::Disabled { name, .. }
            | Self::Init { name, .. }
            | Self::Load { name, .. }
            | Self::Recursive { name, .. } => name,
        }
    }

    /// Whether the plugin is disabled (as opposed to failing or missing).
    pub fn is_disabled(&self) -> bool {
        matches!(self, Self::Disabled { .. })
    }

    /// The reason a disabled plugin is disabled.
    pub fn disabled_reason(&self) -> Option<&str> {
        match self {
            Self::Disabled { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// The error a factory, `load` or listener returned, for init and load errors.
    ///
    /// ```
    /// use plux_runtime::{BoxError, Plugin, PluginEntry, PluginManager, PluginSpec};
    ///
    /// struct Broken;
    /// impl Plugin for Broken {
    ///     fn load(&self, _: &()) -> Result<(), BoxError> { Err("no database".into()) }
    /// }
    /// static BROKEN: PluginSpec<dyn Plugin> =
    ///     PluginSpec::new("demo.causes", "broken", || Box::new(Broken));
    ///
    /// let manager = PluginManager::<dyn Plugin>::builder("demo.causes")
    ///     .finder(vec![PluginEntry::of(&BROKEN)])
    ///     .build();
    /// let error = manager.load("broken").err().unwrap();
    /// assert_eq!(error.cause().unwrap().to_string(), "no database");
    /// assert_eq!(error.to_string(), "plugin demo.causes:broken failed to load: no database");
    /// ```
    pub fn cause(&self) -> Option<&(dyn Error + Send + Sync + 'static)> {
        match self {
            Self::Init { cause, .. } | Self::Load { cause, .. } => Some(&**cause),
            _ => None,
        }
    }
}

/// The signal a factory, `load` or listener hook returns to disable its plugin (Python plux's
/// `PluginDisabled` exception).
///
/// Return it boxed, as the error of a [`BoxError`] result; the manager then marks the plugin
/// disabled with this reason instead of failed, and `load` reports
/// [`PluginError::Disabled`].
///
/// ```
/// use plux_runtime::{BoxError, Disabled, Plugin, PluginEntry, PluginManager, PluginSpec};
///
/// struct NeedsDocker;
/// impl Plugin for NeedsDocker {
///     fn load(&self, _: &()) -> Result<(), BoxError> {
///         Err(Disabled::new("docker is not available").into())
///     }
/// }
/// static DOCKER: PluginSpec<dyn Plugin> =
///     PluginSpec::new("demo.disabled", "docker", || Box::new(NeedsDocker));
///
/// let manager = PluginManager::<dyn Plugin>::builder("demo.disabled")
///     .finder(vec![PluginEntry::of(&DOCKER)])
///     .build();
/// let error = manager.load("docker").err().unwrap();
/// assert_eq!(error.disabled_reason(), Some("docker is not available"));
/// assert_eq!(
///     Disabled::new("no docker").to_string(),
///     "plugin disabled: no docker"
/// );
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Disabled {
    reason: String,
}

impl fmt::Display for Disabled {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "plugin disabled: {}", self.reason)
    }
}

impl Error for Disabled {}

impl Disabled {
    /// A signal that disables the plugin for `reason`.
    pub fn new(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
        }
    }

    /// Why the plugin is disabled.
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// The cause of an init or load error when plugin code or a listener panicked.
///
/// ```
/// use plux_runtime::{Panicked, Plugin, PluginEntry, PluginManager, PluginSpec};
///
/// static BOOM: PluginSpec<dyn Plugin> =
///     PluginSpec::new("demo.panics", "boom", || panic!("factory exploded"));
///
/// let manager = PluginManager::<dyn Plugin>::builder("demo.panics")
///     .finder(vec![PluginEntry::of(&BOOM)])
///     .build();
/// let error = manager.load("boom").err().unwrap();
/// let panicked = error.cause().unwrap().downcast_ref::<Panicked>().unwrap();
/// assert_eq!(panicked.message(), "factory exploded");
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Panicked {
    what: &'static str,
    message: String,
}

impl fmt::Display for Panicked {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} panicked: {}", self.what, self.message)
    }
}

impl Error for Panicked {}

impl Panicked {
    /// Wraps a panic payload caught while running `what`, and drops the payload.
    ///
    /// Dropping runs the payload's `Drop`, which is plugin code too (`panic_any` takes any
    /// value): a payload whose `Drop` panics is leaked instead of unwinding through plux.
    pub(crate) fn new(what: &'static str, payload: Box<dyn Any + Send>) -> Self {
        Self {
            what,
            message: payload_message(payload),
        }
    }

    /// A panic whose payload was read where it was caught (inside a pack library).
    #[cfg(feature = "packs")]
    pub(crate) fn from_message(what: &'static str, message: String) -> Self {
        Self { what, message }
    }

    /// The panic message (`<non-string panic payload>` when it was not a string).
    pub fn message(&self) -> &str {
        &self.message
    }

    /// What panicked: `the factory`, `should_load`, `load` or a listener hook such as
    /// `on_load_after`.
    pub fn what(&self) -> &'static str {
        self.what
    }
}

/// The message of a panic payload (`<non-string panic payload>` when it is not a string); the
/// payload is dropped, and leaked instead when its `Drop` (plugin code: `panic_any` takes any
/// value) panics.
pub(crate) fn payload_message(payload: Box<dyn Any + Send>) -> String {
    let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "<non-string panic payload>".to_owned()
    };
    if let Err(again) = panic::catch_unwind(AssertUnwindSafe(move || drop(payload))) {
        std::mem::forget(again);
    }
    message
}

/// A glob pattern given to a [`MatchingPluginFilter`](crate::MatchingPluginFilter) is invalid.
///
/// ```
/// use plux_runtime::{MatchingPluginFilter, PluginPattern};
///
/// let filter = MatchingPluginFilter::new();
/// let error = filter.add_pattern(PluginPattern::new().name("a[")).unwrap_err();
/// assert_eq!(error.pattern(), "a[");
/// assert!(error.to_string().starts_with("invalid glob pattern `a[` for the plugin name"));
/// ```
#[derive(Clone, Debug)]
pub struct PatternError {
    pattern: String,
    field: &'static str,
    error: globset::Error,
}

impl fmt::Display for PatternError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid glob pattern `{}` for the plugin {}: {}",
            self.pattern, self.field, self.error
        )
    }
}

impl Error for PatternError {}

impl PatternError {
    pub(crate) fn new(pattern: &str, field: &'static str, source: globset::Error) -> Self {
        Self {
            pattern: pattern.to_owned(),
            field,
            error: source,
        }
    }

    /// The pattern as given.
    pub fn pattern(&self) -> &str {
        &self.pattern
    }
}

/// Turns an error returned by plugin code into a shared cause.
pub(crate) fn cause(error: BoxError) -> Cause {
    Arc::from(error)
}

/// The display of a plugin for log lines: `namespace:name`.
pub(crate) struct Id<'a>(pub &'a str, pub &'a str);

impl fmt::Display for Id<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.0, self.1)
    }
}
