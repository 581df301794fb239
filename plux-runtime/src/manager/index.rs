//! A manager's index: the resolved plugins of its namespace, built lazily, exactly once.

use std::panic::{self, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, OnceLock, PoisonError};

use crate::error::Panicked;
use crate::{PluginEntry, PluginError, PluginFinder};

use super::container::{Container, resolve, thread_marker};

/// The plugins of one namespace, sorted by name, and the entries that failed to resolve.
pub(crate) struct Index<P: ?Sized + 'static> {
    pub(crate) containers: Vec<Container<P>>,
    pub(crate) unresolved: Vec<(PluginEntry, PluginError)>,
}

impl<P: ?Sized + 'static> Index<P> {
    fn empty() -> Self {
        Self {
            containers: Vec::new(),
            unresolved: Vec::new(),
        }
    }

    /// Asks the finder for `namespace` and resolves every entry to a `PluginSpec<P>`.
    pub(crate) fn build(namespace: &str, finder: &dyn PluginFinder) -> Self {
        let found = panic::catch_unwind(AssertUnwindSafe(|| finder.find_plugins(namespace)));
        let entries = match found {
            Ok(entries) => entries,
            Err(payload) => {
                let panicked = Panicked::new("the plugin finder", payload);
                crate::log_contained!(
                    log::Level::Warn,
                    "{panicked}; namespace {namespace} has no plugins"
                );
                return Self::empty();
            }
        };
        if entries.is_empty() {
            suggest(namespace, finder);
        }
        // A finder may return more than asked for (Python plux's finders do); skip quietly.
        let mut entries: Vec<PluginEntry> = entries
            .into_iter()
            .filter(|e| e.namespace() == namespace)
            .collect();
        // In name order (a registry is; a composite of finders is not): the entries are sorted,
        // which is cheaper than sorting the containers. Stable: of two entries with one name,
        // the finder's first comes first.
        if !entries.is_sorted_by(|a, b| a.name() <= b.name()) {
            entries.sort_by_key(PluginEntry::name);
        }
        let mut index = Self {
            containers: Vec::with_capacity(entries.len()),
            unresolved: Vec::new(),
        };
        for entry in entries {
            if !entry.is_compiled_in() {
                // A pack's plugin: listed now, resolved (its library loaded) on first use.
                index.containers.push(Container::deferred(entry));
                continue;
            }
            match resolve::<P>(&entry) {
                Ok((spec, _)) => index.containers.push(Container::new(entry, spec)),
                Err(error) => index.unresolve(entry, error),
            }
        }
        // The containers are in name order; a duplicate name (of a resolved plugin) keeps the
        // finder's first, and the others are reported.
        let unique = index
            .containers
            .windows(2)
            .all(|w| w[0].entry.name() < w[1].entry.name());
        if !unique {
            let containers = std::mem::take(&mut index.containers);
            for container in containers {
                match index.containers.last() {
                    Some(kept) if kept.entry.name() == container.entry.name() => {
                        let reason = format!(
                            "{}the namespace already has a plugin with this name (`{}`{}); rename one of them",
                            container
                                .entry
                                .origin()
                                .map(|o| format!("{o}: "))
                                .unwrap_or_default(),
                            kept.entry.value(),
                            kept.entry
                                .origin()
                                .map(|o| format!(", from {o}"))
                                .unwrap_or_default(),
                        );
                        index.unresolve(container.entry, duplicate(&container.entry, reason));
                    }
                    _ => index.containers.push(container),
                }
            }
        }
        index
    }

    fn unresolve(&mut self, entry: PluginEntry, error: PluginError) {
        crate::log_contained!(log::Level::Warn, "{error}");
        self.unresolved.push((entry, error));
    }

    /// The position of the plugin called `name`.
    pub(crate) fn position(&self, name: &str) -> Option<usize> {
        self.containers
            .binary_search_by(|c| c.entry.name().cmp(name))
            .ok()
    }

    /// Why `name` is not in the index although the finder has it.
    pub(crate) fn resolve_error(&self, name: &str) -> Option<&PluginError> {
        self.unresolved
            .iter()
            .find(|(e, _)| e.name() == name)
            .map(|(_, error)| error)
    }
}

/// Logs a warning naming the finder's namespace closest to `namespace` (which has no plugins),
/// when one is close enough to be a typo on either side.
fn suggest(namespace: &str, finder: &dyn PluginFinder) {
    if !log::log_enabled!(log::Level::Warn) {
        return;
    }
    let close = panic::catch_unwind(AssertUnwindSafe(|| finder.namespaces()))
        .unwrap_or_default()
        .into_iter()
        .map(|known| (strsim::osa_distance(namespace, known), known))
        .filter(|(distance, known)| *distance <= namespace.len().max(known.len()) / 4 + 1)
        .min();
    if let Some((_, known)) = close {
        crate::log_contained!(
            log::Level::Warn,
            "namespace `{namespace}` has no plugins; did you mean `{known}`?"
        );
    }
}

fn duplicate(entry: &PluginEntry, reason: String) -> PluginError {
    PluginError::Resolve {
        namespace: entry.namespace().to_owned(),
        name: entry.name().to_owned(),
        value: entry.value().to_owned(),
        reason,
    }
}

enum Pending<P: ?Sized + 'static> {
    Idle,
    /// A thread is asking the finder.
    Building(usize),
    /// A thread is firing the resolve hooks; it (and only it) may use the index meanwhile.
    Announcing(usize, Arc<Index<P>>),
}

/// Builds the index once, on first use, without holding a lock while user code (the finder,
/// resolve hooks) runs; other threads wait until the resolve hooks have fired.
pub(crate) struct Resolver<P: ?Sized + 'static> {
    index: OnceLock<Arc<Index<P>>>,
    pending: Mutex<Pending<P>>,
    ready: Condvar,
}

impl<P: ?Sized + 'static> Resolver<P> {
    pub(crate) fn new() -> Self {
        Self {
            index: OnceLock::new(),
            pending: Mutex::new(Pending::Idle),
            ready: Condvar::new(),
        }
    }

    pub(crate) fn get(
        &self,
        build: impl FnOnce() -> Index<P>,
        announce: impl FnOnce(&Index<P>),
    ) -> Arc<Index<P>> {
        if let Some(index) = self.index.get() {
            return index.clone();
        }
        let me = thread_marker();
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            if let Some(index) = self.index.get() {
                return index.clone();
            }
            match &*pending {
                Pending::Idle => break,
                Pending::Building(owner) if *owner == me => {
                    crate::log_contained!(
                        log::Level::Warn,
                        "the plugin finder called back into its manager; it sees no plugins"
                    );
                    return Arc::new(Index::empty());
                }
                Pending::Announcing(owner, index) if *owner == me => return index.clone(),
                _ => {
                    pending = self
                        .ready
                        .wait(pending)
                        .unwrap_or_else(PoisonError::into_inner)
                }
            }
        }
        *pending = Pending::Building(me);
        drop(pending);

        // Should plux's own code panic below, waiters wake up and the next caller retries.
        let reset = Reset(self);
        let index = Arc::new(build());
        self.set(Pending::Announcing(me, index.clone()));
        announce(&index);
        let published = self.index.get_or_init(|| index).clone();
        drop(reset);
        published
    }

    fn set(&self, state: Pending<P>) {
        *self.pending.lock().unwrap_or_else(PoisonError::into_inner) = state;
    }
}

struct Reset<'a, P: ?Sized + 'static>(&'a Resolver<P>);

impl<P: ?Sized + 'static> Drop for Reset<'_, P> {
    fn drop(&mut self) {
        self.0.set(Pending::Idle);
        self.0.ready.notify_all();
    }
}
