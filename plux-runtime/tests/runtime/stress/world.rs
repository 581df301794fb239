//! The plugins of the stress tests: 1,000 specs whose behaviour is drawn from a seeded
//! generator, counters for every piece of code the manager runs, and the listeners.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, OnceLock, Weak};

use plux_runtime::{
    BoxError, Panicked, Plugin, PluginContainer, PluginEntry, PluginError, PluginFinder,
    PluginLifecycleListener, PluginManager, PluginSpec,
};

pub const PLUGINS: usize = 1000;
/// Entries of another interface: resolve errors.
pub const UNRESOLVABLE: usize = 16;

/// The interface of the stress namespaces.
pub trait Stressed: Plugin {
    fn id(&self) -> usize;
}

pub type Manager = PluginManager<dyn Stressed>;
type Spec = PluginSpec<dyn Stressed>;
type Factory = fn() -> Result<Box<dyn Stressed>, BoxError>;
pub type Outcome = Result<Arc<dyn Stressed>, PluginError>;

/// A small deterministic generator (splitmix64).
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// What one plugin does.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Behaviour {
    Good,
    FactoryPanics,
    FactoryFails,
    ShouldLoadFalse,
    ShouldLoadPanics,
    LoadPanics,
    LoadFails,
    /// Disabled by the manager's `MatchingPluginFilter` (on its value).
    Filtered,
    /// Disabled by the global filter (on its namespace and value).
    GlobalFiltered,
}

use Behaviour::*;

/// How often each piece of plugin code runs: factory, `should_load`, `load`, the own filter.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Factory = 0,
    ShouldLoad = 1,
    Load = 2,
    Filter = 3,
}

/// The hooks, in the order of [`Behaviour::hooks`].
pub const HOOKS: [&str; 7] = [
    "on_resolve_exception",
    "on_resolve_after",
    "on_init_exception",
    "on_init_after",
    "on_load_before",
    "on_load_after",
    "on_load_exception",
];

impl Behaviour {
    fn draw(r: u64) -> Self {
        match r % 100 {
            0..60 => Good,
            60..65 => FactoryPanics,
            65..70 => FactoryFails,
            70..75 => ShouldLoadFalse,
            75..80 => ShouldLoadPanics,
            80..85 => LoadPanics,
            85..90 => LoadFails,
            90..95 => Filtered,
            _ => GlobalFiltered,
        }
    }

    fn value_prefix(self) -> &'static str {
        match self {
            Filtered => "stress::filtered",
            GlobalFiltered => "stress::global",
            _ => "stress::plugins",
        }
    }

    fn makes_plugin(self) -> bool {
        !matches!(
            self,
            FactoryPanics | FactoryFails | Filtered | GlobalFiltered
        )
    }

    /// How often the factory, `should_load`, `load` and the counting filter run, in total.
    pub fn calls(self) -> [u32; 4] {
        let filter = u32::from(self != GlobalFiltered);
        let made = u32::from(self.makes_plugin());
        let factory = u32::from(!matches!(self, Filtered | GlobalFiltered));
        let load = u32::from(matches!(self, Good | LoadPanics | LoadFails));
        [factory, made, load, filter]
    }

    /// How often each hook of [`HOOKS`] fires for the plugin.
    pub fn hooks(self) -> [u32; 7] {
        match self {
            Good => [0, 1, 0, 1, 1, 1, 0],
            FactoryPanics | FactoryFails => [0, 1, 1, 0, 0, 0, 0],
            ShouldLoadFalse => [0, 1, 0, 1, 0, 0, 0],
            ShouldLoadPanics => [0, 1, 0, 1, 0, 0, 1],
            LoadPanics | LoadFails => [0, 1, 0, 1, 1, 0, 1],
            Filtered | GlobalFiltered => [0, 1, 0, 0, 0, 0, 0],
        }
    }
}

pub fn name(id: usize) -> String {
    format!("p{id:03}")
}

/// The index of a plugin (`p123`) or unresolvable entry (`x07`) from its name.
pub fn id_of(name: &str) -> usize {
    name[1..].parse().unwrap_or(usize::MAX)
}

/// Everything one stress test's plugins share. Plugin code and listeners cannot panic to
/// report a broken expectation (that would be contained), so they record problems instead.
pub struct World {
    pub namespace: &'static str,
    pub behaviours: Vec<Behaviour>,
    /// The plugin whose `on_load_after` loads another one loads this one (a higher id, so
    /// chains never form a cycle across threads, which would wait forever as documented).
    pub reenter: Vec<Option<usize>>,
    pub listener_panics: Vec<bool>,
    pub filter_panics: Vec<bool>,
    pub calls: Vec<[AtomicU32; 4]>,
    pub hooks: Vec<[AtomicU32; 7]>,
    pub unresolved_hooks: Vec<AtomicU32>,
    pub finder_calls: AtomicU32,
    first_errors: Vec<OnceLock<PluginError>>,
    problems: Mutex<Vec<String>>,
    pub manager: OnceLock<Weak<Manager>>,
}

static WORLDS: [OnceLock<World>; 2] = [const { OnceLock::new() }; 2];

pub fn world(w: usize) -> &'static World {
    WORLDS[w].get().unwrap()
}

impl World {
    /// Creates world `w` (each test its own) with plugin behaviours drawn from `seed`.
    pub fn create(w: usize, namespace: &'static str, seed: u64) -> &'static World {
        let mut rng = Rng::new(seed);
        let mut world = World {
            namespace,
            behaviours: Vec::new(),
            reenter: Vec::new(),
            listener_panics: Vec::new(),
            filter_panics: Vec::new(),
            calls: (0..PLUGINS).map(|_| Default::default()).collect(),
            hooks: (0..PLUGINS).map(|_| Default::default()).collect(),
            unresolved_hooks: (0..UNRESOLVABLE).map(|_| AtomicU32::new(0)).collect(),
            finder_calls: AtomicU32::new(0),
            first_errors: (0..PLUGINS).map(|_| OnceLock::new()).collect(),
            problems: Mutex::new(Vec::new()),
            manager: OnceLock::new(),
        };
        for id in 0..PLUGINS {
            world.behaviours.push(Behaviour::draw(rng.next()));
            world.listener_panics.push(rng.below(10) == 0);
            world.filter_panics.push(rng.below(20) == 0);
            let target = id + 1 + rng.below(37);
            world
                .reenter
                .push((rng.below(4) == 0 && target < PLUGINS).then_some(target));
        }
        assert!(WORLDS[w].set(world).is_ok(), "world {w} made twice");
        self::world(w)
    }

    pub fn count(&self, id: usize, step: Step) {
        self.calls[id][step as usize].fetch_add(1, Ordering::SeqCst);
    }

    fn hook(&self, name: &str, hook: usize) {
        match (name.as_bytes().first(), id_of(name)) {
            (Some(b'p'), id) if id < PLUGINS => self.hooks[id][hook].fetch_add(1, Ordering::SeqCst),
            (Some(b'x'), id) if id < UNRESOLVABLE && hook == 0 => {
                self.unresolved_hooks[id].fetch_add(1, Ordering::SeqCst)
            }
            _ => {
                self.problem(format!("hook {} for unexpected plugin {name}", HOOKS[hook]));
                0
            }
        };
    }

    pub fn problem(&self, problem: String) {
        self.problems.lock().unwrap().push(problem);
    }

    pub fn problems(&self) -> Vec<String> {
        self.problems.lock().unwrap().clone()
    }

    pub fn manager(&self) -> Option<Arc<Manager>> {
        self.manager.get().and_then(Weak::upgrade)
    }

    /// The finder's entries: the plugins in a seeded shuffle (the manager sorts them), the
    /// unresolvable entries, and a plugin of another namespace.
    pub fn entries(&self, w: usize, seed: u64) -> Vec<PluginEntry> {
        let factories = factories(w);
        let mut entries: Vec<PluginEntry> = (0..PLUGINS)
            .map(|id| {
                let name = leak_str(name(id));
                let value = leak_str(format!("{}::{name}", self.behaviours[id].value_prefix()));
                let spec = leak(Spec::fallible(self.namespace, name, factories[id]));
                PluginEntry::new(value, spec)
            })
            .collect();
        let mut rng = Rng::new(seed);
        for i in (1..entries.len()).rev() {
            entries.swap(i, rng.below(i + 1));
        }
        for x in 0..UNRESOLVABLE {
            let name = leak_str(format!("x{x:02}"));
            let spec = leak(PluginSpec::<dyn Plugin>::new(self.namespace, name, || {
                Box::new(Instance { world: 0, id: 0 })
            }));
            entries.push(PluginEntry::new("stress::other_interface", spec));
        }
        let elsewhere = leak(Spec::fallible(
            "test.stress.elsewhere",
            "p000",
            factories[0],
        ));
        entries.push(PluginEntry::of(elsewhere));
        entries
    }

    /// Checks a `load` result against the plugin's behaviour, and that an error is the same
    /// (message and shared cause) every time.
    pub fn check_outcome(&self, id: usize, outcome: &Outcome) -> Result<(), String> {
        let behaviour = self.behaviours[id];
        let name = name(id);
        let fail = |what: &str| Err(format!("{name} ({behaviour:?}): {what}"));
        let error = match (behaviour, outcome) {
            (Good, Ok(plugin)) if plugin.id() == id => return Ok(()),
            (_, Ok(_)) => return fail("loaded"),
            (_, Err(error)) => error,
        };
        if error.namespace() != self.namespace || error.name() != name {
            return fail(&format!("error about another plugin: {error}"));
        }
        let panicked = error.cause().and_then(|c| c.downcast_ref::<Panicked>());
        let cause = error.cause().map(ToString::to_string);
        let ok = match (behaviour, error) {
            (Filtered, PluginError::Disabled { reason, .. }) => {
                reason.starts_with("A plugin filter disabled this plugin before it was initialized")
            }
            (GlobalFiltered, PluginError::Disabled { reason, .. }) => {
                reason.contains("(`global_plugin_filter`, namespace `test.stress.")
            }
            (ShouldLoadFalse, PluginError::Disabled { reason, .. }) => {
                reason == "Load condition for plugin was false"
            }
            (FactoryPanics, PluginError::Init { .. }) => panicked.is_some_and(|p| {
                p.what() == "the factory" && p.message() == format!("factory of {name} exploded")
            }),
            (FactoryFails, PluginError::Init { .. }) => {
                cause == Some(format!("factory of {name} failed"))
            }
            (ShouldLoadPanics, PluginError::Load { .. }) => panicked.is_some_and(|p| {
                p.what() == "should_load"
                    && p.message() == format!("should_load of {name} exploded")
            }),
            (LoadPanics, PluginError::Load { .. }) => panicked.is_some_and(|p| {
                p.what() == "load" && p.message() == format!("load of {name} exploded")
            }),
            (LoadFails, PluginError::Load { .. }) => {
                cause == Some(format!("load of {name} failed"))
            }
            _ => false,
        };
        if !ok {
            return fail(&format!("unexpected error: {error}"));
        }
        let first = self.first_errors[id].get_or_init(|| error.clone());
        let same_cause = match (first.cause(), error.cause()) {
            (Some(a), Some(b)) => std::ptr::addr_eq(a, b),
            (a, b) => a.is_none() && b.is_none(),
        };
        if first.to_string() != error.to_string() || !same_cause {
            return fail(&format!("error changed: `{first}` then `{error}`"));
        }
        Ok(())
    }

    /// Checks what a container shows against the plugin's behaviour (only states that, once
    /// reached, stay: the container may be mid-run).
    pub fn check_container(&self, container: &PluginContainer<dyn Stressed>) -> Result<(), String> {
        let id = id_of(container.name());
        let Some(&behaviour) = self.behaviours.get(id) else {
            return Err(format!("container of unknown plugin {}", container.name()));
        };
        let value = format!("{}::{}", behaviour.value_prefix(), name(id));
        let disabled = matches!(behaviour, ShouldLoadFalse | Filtered | GlobalFiltered);
        let init_failed = matches!(behaviour, FactoryPanics | FactoryFails);
        let load_failed = matches!(behaviour, ShouldLoadPanics | LoadPanics | LoadFails);
        let wrong = container.namespace() != self.namespace
            || container.value() != value
            || container.spec().map(|s| s.name()) != Some(container.name())
            || (container.is_loaded() && behaviour != Good)
            || (container.is_disabled() && !disabled)
            || (container.init_error().is_some() && !init_failed)
            || (container.load_error().is_some() && !load_failed)
            || (container.is_init() && !behaviour.makes_plugin())
            || container.plugin().is_some_and(|p| p.id() != id);
        if wrong {
            return Err(format!("{behaviour:?}: {container:?}"));
        }
        Ok(())
    }
}

fn leak_str(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

/// A finder that counts how often it is asked.
pub struct CountingFinder {
    pub world: &'static World,
    pub entries: Vec<PluginEntry>,
}

impl PluginFinder for CountingFinder {
    fn find_plugins(&self, namespace: &str) -> Vec<PluginEntry> {
        self.world.finder_calls.fetch_add(1, Ordering::SeqCst);
        self.entries.find_plugins(namespace)
    }
}

// ---------------------------------------------------------------------------------------------
// The plugins. A spec's factory is a plain `fn`, so each plugin gets its own: `make::<W, ID>`.

struct Instance {
    world: usize,
    id: usize,
}

impl Plugin for Instance {
    fn should_load(&self) -> bool {
        let world = world(self.world);
        world.count(self.id, Step::ShouldLoad);
        match world.behaviours[self.id] {
            ShouldLoadFalse => false,
            ShouldLoadPanics => panic!("should_load of {} exploded", name(self.id)),
            _ => true,
        }
    }

    fn load(&self, _: &()) -> Result<(), BoxError> {
        let world = world(self.world);
        world.count(self.id, Step::Load);
        match world.behaviours[self.id] {
            LoadPanics => panic!("load of {} exploded", name(self.id)),
            LoadFails => Err(format!("load of {} failed", name(self.id)).into()),
            _ => Ok(()),
        }
    }
}

impl Stressed for Instance {
    fn id(&self) -> usize {
        self.id
    }
}

fn create(w: usize, id: usize) -> Result<Box<dyn Stressed>, BoxError> {
    let world = world(w);
    world.count(id, Step::Factory);
    match world.behaviours[id] {
        FactoryPanics => panic!("factory of {} exploded", name(id)),
        FactoryFails => Err(format!("factory of {} failed", name(id)).into()),
        _ => Ok(Box::new(Instance { world: w, id })),
    }
}

fn make<const W: usize, const ID: usize>() -> Result<Box<dyn Stressed>, BoxError> {
    create(W, ID)
}

/// `[make::<W, 0>, ..., make::<W, 999>]`, as digits: hundreds, tens, units.
macro_rules! factories {
    ($w:ident) => {
        factories!(@h $w [0 1 2 3 4 5 6 7 8 9])
    };
    (@h $w:ident [$($h:tt)*]) => {
        [$(factories!(@t $w $h [0 1 2 3 4 5 6 7 8 9])),*]
    };
    (@t $w:ident $h:tt [$($t:tt)*]) => {
        [$(factories!(@u $w $h $t [0 1 2 3 4 5 6 7 8 9])),*]
    };
    (@u $w:ident $h:tt $t:tt [$($u:tt)*]) => {
        [$(make::<$w, { $h * 100 + $t * 10 + $u }> as Factory),*]
    };
}

fn table<const W: usize>() -> Vec<Factory> {
    let table: [[[Factory; 10]; 10]; 10] = factories!(W);
    table.as_flattened().as_flattened().to_vec()
}

fn factories(w: usize) -> Vec<Factory> {
    match w {
        0 => table::<0>(),
        _ => table::<1>(),
    }
}

// ---------------------------------------------------------------------------------------------
// Listeners.

/// Counts every hook per plugin.
pub struct Counter(pub &'static World);

impl PluginLifecycleListener<dyn Stressed> for Counter {
    fn on_resolve_exception(&self, _: &str, entry: &PluginEntry, _: &PluginError) {
        self.0.hook(entry.name(), 0);
    }
    fn on_resolve_after(&self, spec: &Spec) {
        self.0.hook(spec.name(), 1);
    }
    fn on_init_exception(&self, spec: &Spec, _: &PluginError) {
        self.0.hook(spec.name(), 2);
    }
    fn on_init_after(&self, spec: &Spec, _: &Arc<dyn Stressed>) -> Result<(), BoxError> {
        self.0.hook(spec.name(), 3);
        Ok(())
    }
    fn on_load_before(&self, spec: &Spec, _: &Arc<dyn Stressed>, _: &()) -> Result<(), BoxError> {
        self.0.hook(spec.name(), 4);
        Ok(())
    }
    fn on_load_after(
        &self,
        spec: &Spec,
        _: &Arc<dyn Stressed>,
        _: Option<&plux_runtime::LoadValue>,
    ) -> Result<(), BoxError> {
        self.0.hook(spec.name(), 5);
        Ok(())
    }
    fn on_load_exception(&self, spec: &Spec, _: &Arc<dyn Stressed>, _: &PluginError) {
        self.0.hook(spec.name(), 6);
    }
}

/// Panics in every hook of the plugins drawn for it (and of every unresolvable entry).
pub struct Hostile(pub &'static World);

impl Hostile {
    fn strike(&self, name: &str, hook: &str) {
        let id = id_of(name);
        if name.starts_with('x') || self.0.listener_panics.get(id) == Some(&true) {
            panic!("{hook} of {name} exploded");
        }
    }
}

impl PluginLifecycleListener<dyn Stressed> for Hostile {
    fn on_resolve_exception(&self, _: &str, entry: &PluginEntry, _: &PluginError) {
        self.strike(entry.name(), "on_resolve_exception");
    }
    fn on_resolve_after(&self, spec: &Spec) {
        self.strike(spec.name(), "on_resolve_after");
    }
    fn on_init_exception(&self, spec: &Spec, _: &PluginError) {
        self.strike(spec.name(), "on_init_exception");
    }
    fn on_init_after(&self, spec: &Spec, _: &Arc<dyn Stressed>) -> Result<(), BoxError> {
        self.strike(spec.name(), "on_init_after");
        Ok(())
    }
    fn on_load_before(&self, spec: &Spec, _: &Arc<dyn Stressed>, _: &()) -> Result<(), BoxError> {
        self.strike(spec.name(), "on_load_before");
        Ok(())
    }
    fn on_load_after(
        &self,
        spec: &Spec,
        _: &Arc<dyn Stressed>,
        _: Option<&plux_runtime::LoadValue>,
    ) -> Result<(), BoxError> {
        self.strike(spec.name(), "on_load_after");
        Ok(())
    }
    fn on_load_exception(&self, spec: &Spec, _: &Arc<dyn Stressed>, _: &PluginError) {
        self.strike(spec.name(), "on_load_exception");
    }
}

/// Calls back into the manager: lists from `on_resolve_after` and `on_init_after`, loads another
/// plugin from `on_load_after`.
pub struct Reentrant(pub &'static World);

impl Reentrant {
    fn manager(&self) -> Option<Arc<Manager>> {
        let manager = self.0.manager();
        if manager.is_none() {
            self.0.problem("listener without a manager".to_owned());
        }
        manager
    }
}

impl PluginLifecycleListener<dyn Stressed> for Reentrant {
    fn on_resolve_after(&self, spec: &Spec) {
        // The first resolve hook runs while the index is being announced.
        if spec.name() == "p000"
            && let Some(manager) = self.manager()
            && manager.list_names().len() != PLUGINS
        {
            self.0
                .problem("list_names from on_resolve_after".to_owned());
        }
    }

    fn on_init_after(&self, spec: &Spec, plugin: &Arc<dyn Stressed>) -> Result<(), BoxError> {
        let Some(manager) = self.manager() else {
            return Ok(());
        };
        let name = spec.name();
        let loading = manager
            .get_container(name)
            .is_ok_and(|c| c.is_loading() && c.plugin().is_some_and(|p| Arc::ptr_eq(&p, plugin)));
        if manager.list_names().len() != PLUGINS || !loading || manager.is_loaded(name) {
            self.0
                .problem(format!("{name}: inconsistent view from on_init_after"));
        }
        Ok(())
    }

    fn on_load_after(
        &self,
        spec: &Spec,
        _: &Arc<dyn Stressed>,
        _: Option<&plux_runtime::LoadValue>,
    ) -> Result<(), BoxError> {
        let id = id_of(spec.name());
        if let Some(target) = self.0.reenter[id]
            && let Some(manager) = self.manager()
        {
            let outcome = manager.load(&name(target));
            if let Err(problem) = self.0.check_outcome(target, &outcome) {
                self.0
                    .problem(format!("from on_load_after of {}: {problem}", spec.name()));
            }
        }
        Ok(())
    }
}
