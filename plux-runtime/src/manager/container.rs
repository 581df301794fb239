//! Per-plugin state: a small state machine behind a mutex, and the public read-only view.

use std::any::type_name;
use std::fmt;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};

use crate::boundary::Boundary;
use crate::{LoadValue, PluginEntry, PluginError, PluginSpec};

use super::index::Index;

/// Identifies the current thread among live threads: the address of a thread-local (cheaper
/// than `thread::current().id()`, which clones the thread handle). A thread that runs a
/// lifecycle is alive until the run settles, so no other thread can share its address meanwhile.
pub(crate) fn thread_marker() -> usize {
    thread_local! {
        static MARKER: u8 = const { 0 };
    }
    MARKER.with(|marker| std::ptr::from_ref(marker) as usize)
}

/// How long a thread waits for another thread's lifecycle run of a plugin before it logs a
/// warning (a run that waits for a thread loading the same plugin never ends).
#[cfg(not(test))]
const SLOW_WAIT: std::time::Duration = std::time::Duration::from_secs(10);
#[cfg(test)]
const SLOW_WAIT: std::time::Duration = std::time::Duration::from_millis(50);

/// Where a plugin is in its one and only lifecycle run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Resolved, nobody has loaded it yet.
    Idle,
    /// A thread (its [`thread_marker`]) is running the lifecycle, without holding the lock.
    Running(usize),
    /// The outcome is decided for good.
    Settled,
}

struct State<P: ?Sized> {
    phase: Phase,
    plugin: Option<Arc<P>>,
    /// What the plugin's load produced.
    value: Option<LoadValue>,
    /// The init error, load error or disabled error; the variant says which. Boxed: errors are
    /// rare, and a small state keeps the index (one allocation for all containers) small.
    error: Option<Box<PluginError>>,
    loaded: bool,
    /// Threads waiting in [`Container::begin`] for the run to settle.
    waiters: usize,
}

impl<P: ?Sized> State<P> {
    fn outcome(&self) -> Result<Arc<P>, PluginError> {
        match (&self.error, &self.plugin) {
            (Some(error), _) => Err(PluginError::clone(error)),
            (None, Some(plugin)) if self.loaded => Ok(plugin.clone()),
            // Unreachable by construction; reported rather than panicking.
            _ => Err(PluginError::Load {
                namespace: String::new(),
                name: String::new(),
                cause: Arc::new(Interrupted),
            }),
        }
    }

    fn init_error(&self) -> Option<&PluginError> {
        self.error
            .as_deref()
            .filter(|e| matches!(e, PluginError::Init { .. }))
    }

    fn load_error(&self) -> Option<&PluginError> {
        self.error
            .as_deref()
            .filter(|e| matches!(e, PluginError::Load { .. }))
    }

    fn disabled(&self) -> Option<&PluginError> {
        self.error.as_deref().filter(|e| e.is_disabled())
    }
}

/// The cause when a lifecycle run ended without settling (only if plux itself panicked).
#[derive(Debug)]
struct Interrupted;

impl fmt::Display for Interrupted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the plugin lifecycle was interrupted")
    }
}

impl std::error::Error for Interrupted {}

/// A spec at hand, with the panic boundary of its plugin code.
pub(crate) type Spec<P> = (&'static PluginSpec<P>, Boundary);

/// Where a container's spec comes from.
enum Slot<P: ?Sized + 'static> {
    /// Resolved when the index was built (compiled-in plugins).
    Ready(&'static PluginSpec<P>),
    /// Resolved on first use (plugins of packs: resolving loads the library).
    Deferred(OnceLock<Result<Spec<P>, PluginError>>),
}

/// Turns `entry` into a spec of interface `P`, or the resolve error saying why it cannot be.
pub(crate) fn resolve<P: ?Sized + 'static>(entry: &PluginEntry) -> Result<Spec<P>, PluginError> {
    let failed = |reason: String| PluginError::Resolve {
        namespace: entry.namespace().to_owned(),
        name: entry.name().to_owned(),
        value: entry.value().to_owned(),
        reason,
    };
    let resolved = entry.resolve().map_err(failed)?;
    match resolved.entry.spec::<P>() {
        Some(spec) => Ok((spec, resolved.boundary)),
        None => Err(failed(entry.interface_mismatch(
            resolved.entry.interface_type_name(),
            type_name::<P>(),
        ))),
    }
}

/// One plugin of a manager's index.
pub(crate) struct Container<P: ?Sized + 'static> {
    pub(crate) entry: PluginEntry,
    slot: Slot<P>,
    state: Mutex<State<P>>,
    settled: Condvar,
}

/// What [`Container::begin`] found.
pub(crate) enum Begin<'a, P: ?Sized + 'static> {
    /// The outcome is known (or the caller is the thread running the lifecycle).
    Done(Result<Arc<P>, PluginError>),
    /// The caller must run the lifecycle and settle the run.
    Run(Run<'a, P>),
}

impl<P: ?Sized + 'static> Container<P> {
    /// A container of a resolved plugin.
    pub(crate) fn new(entry: PluginEntry, spec: &'static PluginSpec<P>) -> Self {
        Self::with_slot(entry, Slot::Ready(spec))
    }

    /// A container of a plugin resolved on first use.
    pub(crate) fn deferred(entry: PluginEntry) -> Self {
        Self::with_slot(entry, Slot::Deferred(OnceLock::new()))
    }

    fn with_slot(entry: PluginEntry, slot: Slot<P>) -> Self {
        Self {
            entry,
            slot,
            state: Mutex::new(State {
                phase: Phase::Idle,
                plugin: None,
                value: None,
                error: None,
                loaded: false,
                waiters: 0,
            }),
            settled: Condvar::new(),
        }
    }

    /// The spec, when it is at hand (resolved; never loads anything).
    pub(crate) fn spec(&self) -> Option<&'static PluginSpec<P>> {
        match &self.slot {
            Slot::Ready(spec) => Some(spec),
            Slot::Deferred(cell) => cell.get().and_then(|r| r.as_ref().ok()).map(|(s, _)| *s),
        }
    }

    /// The spec, resolving it on first use; `true` along with the outcome for the one call
    /// that resolved it (which fires the resolve hooks).
    pub(crate) fn resolve(&self) -> (Result<Spec<P>, &PluginError>, bool) {
        match &self.slot {
            Slot::Ready(spec) => (Ok((spec, Boundary::Host)), false),
            Slot::Deferred(cell) => {
                let mut first = false;
                let outcome = cell.get_or_init(|| {
                    first = true;
                    resolve(&self.entry)
                });
                (outcome.as_ref().map(|s| *s), first)
            }
        }
    }

    /// Why the plugin could not be resolved, when it was tried and failed.
    pub(crate) fn resolve_error(&self) -> Option<&PluginError> {
        match &self.slot {
            Slot::Ready(_) => None,
            Slot::Deferred(cell) => cell.get().and_then(|r| r.as_ref().err()),
        }
    }

    // The lock is only ever held for plain field accesses, never across user code, so a
    // poisoned lock (impossible in practice) still holds consistent data.
    fn lock(&self) -> MutexGuard<'_, State<P>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Claims the lifecycle run, or waits for the thread that has it and returns its outcome.
    pub(crate) fn begin(&self) -> Begin<'_, P> {
        let me = thread_marker();
        let mut warned = false;
        let mut state = self.lock();
        loop {
            match state.phase {
                Phase::Settled => return Begin::Done(state.outcome()),
                Phase::Running(owner) if owner == me => {
                    return Begin::Done(Err(PluginError::Recursive {
                        namespace: self.entry.namespace().to_owned(),
                        name: self.entry.name().to_owned(),
                    }));
                }
                Phase::Running(_) => {
                    state.waiters += 1;
                    let (next, waited) = self
                        .settled
                        .wait_timeout(state, SLOW_WAIT)
                        .unwrap_or_else(PoisonError::into_inner);
                    state = next;
                    state.waiters -= 1;
                    if waited.timed_out() && !warned {
                        // Logged without the lock (a logger is user code); one line per wait.
                        warned = true;
                        drop(state);
                        crate::log_contained!(
                            log::Level::Warn,
                            "still waiting after {:?} for another thread to finish loading plugin {}:{}; a plugin whose lifecycle waits for a thread that loads the same plugin never finishes",
                            SLOW_WAIT,
                            self.entry.namespace(),
                            self.entry.name()
                        );
                        state = self.lock();
                    }
                }
                Phase::Idle => {
                    state.phase = Phase::Running(me);
                    return Begin::Run(Run {
                        container: self,
                        settled: false,
                    });
                }
            }
        }
    }

    pub(crate) fn plugin(&self) -> Option<Arc<P>> {
        self.lock().plugin.clone()
    }

    pub(crate) fn is_loaded(&self) -> bool {
        self.lock().loaded
    }

    /// Marks the run settled and wakes the waiters, if any (a wake-up is a system call).
    fn settle(&self, mut state: MutexGuard<'_, State<P>>) -> Result<Arc<P>, PluginError> {
        state.phase = Phase::Settled;
        let outcome = state.outcome();
        let waiters = state.waiters > 0;
        drop(state);
        if waiters {
            self.settled.notify_all();
        }
        outcome
    }
}

/// The right (and duty) to run one plugin's lifecycle; settles it when dropped.
pub(crate) struct Run<'a, P: ?Sized + 'static> {
    container: &'a Container<P>,
    settled: bool,
}

impl<P: ?Sized + 'static> Run<'_, P> {
    pub(crate) fn set_plugin(&self, plugin: Arc<P>) {
        self.container.lock().plugin = Some(plugin);
    }

    /// Records what the plugin's load produced.
    pub(crate) fn set_value(&self, value: Option<LoadValue>) {
        self.container.lock().value = value;
    }

    /// Records the init or load error (the run is settled later, after the hooks fired).
    pub(crate) fn set_error(&self, error: PluginError) {
        self.container.lock().error = Some(Box::new(error));
    }

    /// Settles a disabled plugin.
    pub(crate) fn disable(mut self, error: PluginError) -> Result<Arc<P>, PluginError> {
        self.settled = true;
        let mut state = self.container.lock();
        state.error = Some(Box::new(error));
        self.container.settle(state)
    }

    /// Settles a loaded plugin.
    pub(crate) fn loaded(mut self) -> Result<Arc<P>, PluginError> {
        self.settled = true;
        let mut state = self.container.lock();
        state.loaded = true;
        self.container.settle(state)
    }

    /// Settles with the error recorded by [`set_error`](Self::set_error).
    pub(crate) fn failed(mut self) -> Result<Arc<P>, PluginError> {
        self.settled = true;
        self.container.settle(self.container.lock())
    }
}

impl<P: ?Sized + 'static> Drop for Run<'_, P> {
    fn drop(&mut self) {
        if !self.settled {
            // Only reached if plux's own code panicked mid-run: never leave waiters hanging.
            let entry = self.container.entry;
            let mut state = self.container.lock();
            if state.error.is_none() {
                state.error = Some(Box::new(PluginError::Load {
                    namespace: entry.namespace().to_owned(),
                    name: entry.name().to_owned(),
                    cause: Arc::new(Interrupted),
                }));
            }
            let _ = self.container.settle(state);
        }
    }
}

/// A read-only view of one plugin of a [`PluginManager`](crate::PluginManager): its spec and
/// where it is in its lifecycle (Python plux's `PluginContainer`).
///
/// The view is live: it reads the current state on every call, so a container taken before
/// [`load_all`](crate::PluginManager::load_all) shows the outcome afterwards.
///
/// ```
/// use plux_runtime::{BoxError, Plugin, PluginEntry, PluginManager, PluginSpec};
///
/// struct Flaky;
/// impl Plugin for Flaky {
///     fn load(&self, _: &()) -> Result<(), BoxError> { Err("flaked".into()) }
/// }
/// static FLAKY: PluginSpec<dyn Plugin> = PluginSpec::new("demo.containers", "flaky", || Box::new(Flaky));
///
/// let manager = PluginManager::<dyn Plugin>::builder("demo.containers")
///     .finder(vec![PluginEntry::of(&FLAKY)])
///     .build();
/// let container = manager.get_container("flaky")?;
/// assert!(!container.is_init());
/// manager.load_all();
/// assert!(container.is_init() && !container.is_loaded());
/// assert!(container.init_error().is_none());
/// assert_eq!(container.load_error().unwrap().cause().unwrap().to_string(), "flaked");
/// # Ok::<(), plux_runtime::PluginError>(())
/// ```
pub struct PluginContainer<P: ?Sized + 'static> {
    index: Arc<Index<P>>,
    position: usize,
}

impl<P: ?Sized + 'static> PluginContainer<P> {
    pub(crate) fn new(index: Arc<Index<P>>, position: usize) -> Self {
        Self { index, position }
    }

    fn container(&self) -> &Container<P> {
        &self.index.containers[self.position]
    }

    fn read<T>(&self, f: impl FnOnce(&State<P>) -> T) -> T {
        f(&self.container().lock())
    }

    /// The plugin's namespace.
    pub fn namespace(&self) -> &'static str {
        self.container().entry.namespace()
    }

    /// The plugin's name.
    pub fn name(&self) -> &'static str {
        self.container().entry.name()
    }

    /// The Rust path the plugin was declared at, as the finder gave it (may be empty).
    pub fn value(&self) -> &'static str {
        self.container().entry.value()
    }

    /// The resolved spec, or `None` for a plugin of a plugin pack (feature `packs`) that was not resolved
    /// yet (loading the plugin, or [`PluginManager::list_plugin_specs`], resolves it) or failed
    /// to resolve.
    ///
    /// [`PluginManager::list_plugin_specs`]: crate::PluginManager::list_plugin_specs
    pub fn spec(&self) -> Option<&'static PluginSpec<P>> {
        self.container().spec()
    }

    /// Why the plugin could not be resolved: a plugin of a plugin pack (feature `packs`) whose library
    /// failed a check, or whose interface is not the manager's (`None` until it is tried).
    pub fn resolve_error(&self) -> Option<PluginError> {
        self.container().resolve_error().cloned()
    }

    /// The plugin, once its factory made it (also when it later failed to load).
    pub fn plugin(&self) -> Option<Arc<P>> {
        self.container().plugin()
    }

    /// What the plugin's load produced ([`Plugin::load_value`](crate::Plugin::load_value);
    /// Python plux's `load_value`), once it loaded.
    pub fn load_value(&self) -> Option<LoadValue> {
        self.read(|s| s.value.clone())
    }

    /// Whether the factory made the plugin.
    pub fn is_init(&self) -> bool {
        self.read(|s| s.plugin.is_some())
    }

    /// Whether the plugin was loaded successfully.
    pub fn is_loaded(&self) -> bool {
        self.read(|s| s.loaded)
    }

    /// Whether a thread is running the plugin's lifecycle right now.
    pub fn is_loading(&self) -> bool {
        self.read(|s| matches!(s.phase, Phase::Running(_)))
    }

    /// Whether the plugin is disabled.
    pub fn is_disabled(&self) -> bool {
        self.read(|s| s.disabled().is_some())
    }

    /// Why the plugin is disabled, if it is.
    pub fn disabled_reason(&self) -> Option<String> {
        self.read(|s| {
            s.disabled()
                .and_then(|e| e.disabled_reason().map(str::to_owned))
        })
    }

    /// The error that kept the factory from making the plugin.
    pub fn init_error(&self) -> Option<PluginError> {
        self.read(|s| s.init_error().cloned())
    }

    /// The error that kept the plugin from loading.
    pub fn load_error(&self) -> Option<PluginError> {
        self.read(|s| s.load_error().cloned())
    }
}

impl<P: ?Sized + 'static> Clone for PluginContainer<P> {
    fn clone(&self) -> Self {
        Self {
            index: self.index.clone(),
            position: self.position,
        }
    }
}

impl<P: ?Sized + 'static> fmt::Debug for PluginContainer<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Snapshot first: errors are formatted (user `Display` code) without the lock held.
        let (is_init, is_loaded, disabled, init_error, load_error) = self.read(|s| {
            (
                s.plugin.is_some(),
                s.loaded,
                s.disabled().cloned(),
                s.init_error().cloned(),
                s.load_error().cloned(),
            )
        });
        f.debug_struct("PluginContainer")
            .field("namespace", &self.namespace())
            .field("name", &self.name())
            .field("value", &self.value())
            .field("is_init", &is_init)
            .field("is_loaded", &is_loaded)
            .field(
                "disabled",
                &disabled.as_ref().and_then(PluginError::disabled_reason),
            )
            .field("init_error", &init_error.as_ref().map(ToString::to_string))
            .field("load_error", &load_error.as_ref().map(ToString::to_string))
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::{Begin, Container};
    use crate::{Plugin, PluginEntry, PluginSpec};

    struct Noop;
    impl Plugin for Noop {}
    static SLOW: PluginSpec<dyn Plugin> =
        PluginSpec::new("test.slow.wait", "slow", || Box::new(Noop));

    static LINES: Mutex<Vec<String>> = Mutex::new(Vec::new());
    struct Capture;
    impl log::Log for Capture {
        fn enabled(&self, _: &log::Metadata<'_>) -> bool {
            true
        }
        fn log(&self, record: &log::Record<'_>) {
            let text = record.args().to_string();
            if text.contains("test.slow.wait") {
                LINES.lock().unwrap().push(text);
            }
        }
        fn flush(&self) {}
    }

    #[test]
    fn a_thread_waiting_long_for_another_threads_run_says_so_once() {
        let _ = log::set_logger(&Capture);
        log::set_max_level(log::LevelFilter::Warn);
        let container: Container<dyn Plugin> = Container::new(PluginEntry::of(&SLOW), &SLOW);
        let Begin::Run(run) = container.begin() else {
            panic!("the first caller runs the lifecycle")
        };
        std::thread::scope(|scope| {
            let waiter = scope.spawn(|| matches!(container.begin(), Begin::Done(_)));
            std::thread::sleep(super::SLOW_WAIT * 5);
            run.set_plugin(std::sync::Arc::new(Noop));
            let _ = run.loaded();
            assert!(waiter.join().unwrap());
        });
        let lines = LINES.lock().unwrap();
        assert_eq!(lines.len(), 1, "{lines:?}");
        assert!(lines[0].starts_with("still waiting after 50ms for another thread to finish loading plugin test.slow.wait:slow"), "{lines:?}");
    }
}
