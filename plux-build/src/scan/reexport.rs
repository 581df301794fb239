//! `pub use` re-exports: a library's plugin in a private module is reachable by other crates
//! when a `pub use` (or a chain of them, or a glob `pub use m::*`) makes it public. The walk
//! records every module (with its visibility and gates) and every `pub use`; once the whole
//! crate is read, each plugin whose declared path goes through a private module gets its
//! shortest public path: fewest segments, then the first in alphabetical order of segments.
//!
//! Names are resolved the way rustc resolves `use` paths, within the crate only: `crate::`,
//! `self::`, `super::`, or a name of the current module (2015-edition paths, relative to the
//! crate root, are tried next). A name of a module is one of its child modules, a name a
//! `pub use` in it brings in, a name a glob re-export in it brings in, or the declared plugin
//! item. `pub(crate)` and other restricted `use`s and `mod`s make nothing public; paths into
//! other crates are not followed.
//!
//! The gates of a re-exported plugin are those of the levels of its public path: a public
//! module's own `#[cfg]`s (a module reached through a re-export also takes that `pub use`'s),
//! and on the item, the `#[cfg]`s of the `pub use` that names it together with every gate the
//! plugin had where it is declared. As for a declared path, they must all be on one level.

use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::rc::Rc;

use syn::{UseTree, Visibility};

use super::cfg::Cfgs;
use super::items::{Extractor, RawDecl};
use super::tree::{ModCtx, PrivateMod};
use crate::diagnostic::Diagnostic;
use crate::model::Location;
use crate::validate::MAX_MODULE_DEPTH;

/// A module whose items the walk read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct ModRecord {
    /// Its path below the crate root, as written.
    pub(crate) segments: Vec<String>,
    /// Its `mod` item is `pub`.
    pub(crate) public: bool,
    /// The gates on its own level (its `mod` item's, its file's, the macro calls around it).
    pub(crate) gates: Vec<String>,
}

/// One name a `pub use` item makes public in its module.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct UseRecord {
    /// The module the `pub use` is in.
    pub(crate) module: Vec<String>,
    /// The path it names, as written (it may start with `crate`, `self` or `super`).
    pub(crate) path: Vec<String>,
    /// The name it makes public (the last segment, or the `as` name); `None` for a glob.
    pub(crate) alias: Option<String>,
    /// The gates of the `pub use` item.
    pub(crate) gates: Vec<String>,
}

impl Extractor<'_> {
    /// Records that the items of the module `ctx` were read (taking its path, so that a
    /// module costs no copy of it).
    pub(super) fn read(&mut self, ctx: ModCtx) {
        let depth = ctx.segments.len();
        self.out.mods.push(ModRecord {
            gates: ctx
                .cfg
                .into_iter()
                .filter(|c| c.depth == depth)
                .map(|c| c.predicate)
                .collect(),
            public: ctx.public,
            segments: ctx.segments,
        });
    }

    /// Records the names a `pub use` item makes public (restricted ones make none, and one
    /// with a path deeper than [`MAX_USE_DEPTH`] none: it cannot name a plugin).
    pub(super) fn reexport(&mut self, item: &syn::ItemUse, cfgs: &Cfgs, ctx: &ModCtx) {
        if !matches!(item.vis, Visibility::Public(_)) || item.leading_colon.is_some() {
            return;
        }
        let mut names = Vec::new();
        if !flatten(&item.tree, &mut Vec::new(), &mut names) {
            return;
        }
        for (path, alias) in names {
            self.out.uses.push(UseRecord {
                module: ctx.segments.clone(),
                path,
                alias,
                gates: cfgs.predicates.clone(),
            });
        }
    }
}

/// The most `::` a path of a recorded `pub use` may have. A module path plux reads has at most
/// [`MAX_MODULE_DEPTH`] + 2 segments, so a deeper use names no plugin; the bound also keeps
/// the skimmer from handing syn (which parses use paths recursively) an unbounded one.
pub(crate) const MAX_USE_DEPTH: usize = MAX_MODULE_DEPTH + 2;

/// The paths a use tree names, each with the name it brings in (`None`: a glob); `false`
/// when a path has more than [`MAX_USE_DEPTH`] `::` (then `out` is incomplete).
fn flatten(
    tree: &UseTree,
    prefix: &mut Vec<String>,
    out: &mut Vec<(Vec<String>, Option<String>)>,
) -> bool {
    match tree {
        UseTree::Path(p) => {
            if prefix.len() == MAX_USE_DEPTH {
                return false;
            }
            prefix.push(p.ident.to_string());
            let fits = flatten(&p.tree, prefix, out);
            prefix.pop();
            return fits;
        }
        UseTree::Name(n) if n.ident == "self" => {
            out.extend(
                prefix
                    .last()
                    .map(|last| (prefix.clone(), Some(last.clone()))),
            );
        }
        UseTree::Name(n) => {
            let mut path = prefix.clone();
            path.push(n.ident.to_string());
            out.push((path, Some(n.ident.to_string())));
        }
        UseTree::Rename(r) if r.rename == "_" => {}
        UseTree::Rename(r) => {
            let mut path = prefix.clone();
            if r.ident != "self" {
                path.push(r.ident.to_string());
            }
            out.push((path, Some(r.rename.to_string())));
        }
        UseTree::Glob(_) => out.push((prefix.clone(), None)),
        UseTree::Group(g) => {
            return g.items.iter().all(|tree| flatten(tree, prefix, out));
        }
    }
    true
}

/// A name as rustc compares it (`r#type` is `type`).
fn key(name: &str) -> &str {
    name.strip_prefix("r#").unwrap_or(name)
}

type Path = Vec<String>;

/// What a name resolves to.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Target {
    /// A module (its path, by [`key`]).
    Module(Path),
    /// A declared plugin item: its module (by [`key`]) and name.
    Item(Path, String),
}

/// A module, for name resolution.
#[derive(Default)]
struct Module<'a> {
    /// Its `mod` item is `pub`.
    public: bool,
    /// The gates of its own level.
    gates: &'a [String],
    /// Its child modules: key → spelling.
    children: BTreeMap<String, String>,
    /// The plugin items looked for that are declared here: key → spelling.
    items: BTreeMap<String, String>,
    /// Its `pub use` names.
    uses: Vec<&'a UseRecord>,
}

/// The crate's modules and re-exports, for name resolution.
struct Crate<'a> {
    /// By path (of keys).
    modules: HashMap<Path, Module<'a>>,
    /// The public names of each module computed so far.
    names: RefCell<HashMap<Path, Rc<[Name]>>>,
}

/// A public name of a module: its spelling, what it names, and the gates of that level.
type Name = (String, Target, Vec<String>);

fn keys(segments: &[String]) -> Path {
    segments.iter().map(|s| key(s).to_owned()).collect()
}

impl<'a> Crate<'a> {
    fn new(mods: &'a [ModRecord], uses: &'a [UseRecord], items: &[(Path, String)]) -> Self {
        let mut modules: HashMap<Path, Module<'a>> = HashMap::new();
        for m in mods {
            let module = modules.entry(keys(&m.segments)).or_default();
            module.public = m.public;
            if module.gates.is_empty() {
                module.gates = &m.gates;
            }
            if let Some((last, parent)) = m.segments.split_last() {
                modules
                    .entry(keys(parent))
                    .or_default()
                    .children
                    .insert(key(last).to_owned(), last.clone());
            }
        }
        for u in uses {
            modules.entry(keys(&u.module)).or_default().uses.push(u);
        }
        for (module, item) in items {
            modules
                .entry(module.clone())
                .or_default()
                .items
                .insert(key(item).to_owned(), item.clone());
        }
        Self {
            modules,
            names: RefCell::new(HashMap::new()),
        }
    }

    /// What `path`, written in `module`, names.
    fn resolve(
        &self,
        module: &[String],
        path: &[String],
        seen: &mut HashSet<Target>,
    ) -> Option<Target> {
        let first = path.first()?;
        let module = keys(module);
        let (start, rest) = match first.as_str() {
            "crate" => (Vec::new(), &path[1..]),
            "self" => (module, &path[1..]),
            "super" => {
                let mut start = module;
                let mut rest = path;
                while rest.first().is_some_and(|s| s == "super") {
                    start.pop()?;
                    rest = &rest[1..];
                }
                (start, rest)
            }
            _ => {
                // 2018 paths start in the current module; 2015 ones at the crate root.
                return self
                    .walk(Target::Module(module), path, seen)
                    .or_else(|| self.walk(Target::Module(Vec::new()), path, seen));
            }
        };
        self.walk(Target::Module(start), rest, seen)
    }

    fn walk(&self, mut at: Target, path: &[String], seen: &mut HashSet<Target>) -> Option<Target> {
        for segment in path {
            let Target::Module(module) = at else {
                return None;
            };
            at = self.lookup(&module, key(segment), seen)?;
        }
        Some(at)
    }

    /// The name `name` of `module`: a child module, the plugin item, a `pub use` name, a
    /// name of a glob re-export (in that order, as explicit names shadow glob imports).
    fn lookup(&self, module: &Path, name: &str, seen: &mut HashSet<Target>) -> Option<Target> {
        let here = self.modules.get(module)?;
        if here.children.contains_key(name) {
            let mut child = module.clone();
            child.push(name.to_owned());
            return Some(Target::Module(child));
        }
        if here.items.contains_key(name) {
            return Some(Target::Item(module.clone(), name.to_owned()));
        }
        // A use that leads back here would loop.
        if !seen.insert(Target::Item(module.clone(), name.to_owned())) {
            return None;
        }
        let named = here
            .uses
            .iter()
            .filter(|u| u.alias.as_deref().map(key) == Some(name))
            .find_map(|u| self.resolve(&u.module, &u.path, seen));
        named.or_else(|| {
            here.uses
                .iter()
                .filter(|u| u.alias.is_none())
                .find_map(|u| match self.resolve(&u.module, &u.path, seen)? {
                    Target::Module(from) => self.lookup(&from, name, seen),
                    Target::Item(..) => None,
                })
        })
    }

    /// The public names of `module`, sorted by key (`seen`: the modules whose names are being
    /// computed, which a glob cycle leads back to).
    fn public_names(&self, module: &Path, seen: &mut HashSet<Path>) -> Rc<[Name]> {
        if let Some(names) = self.names.borrow().get(module) {
            return Rc::clone(names);
        }
        let Some(here) = self.modules.get(module) else {
            return Rc::from([]);
        };
        if !seen.insert(module.clone()) {
            return Rc::from([]);
        }
        let mut names: BTreeMap<String, Name> = BTreeMap::new();
        for (k, written) in &here.children {
            let mut child = module.clone();
            child.push(k.clone());
            if let Some(m) = self.modules.get(&child).filter(|m| m.public) {
                let gates = m.gates.to_vec();
                names.insert(k.clone(), (written.clone(), Target::Module(child), gates));
            }
        }
        for (k, written) in &here.items {
            let target = Target::Item(module.clone(), k.clone());
            names.insert(k.clone(), (written.clone(), target, Vec::new()));
        }
        for u in &here.uses {
            let Some(alias) = &u.alias else { continue };
            if names.contains_key(key(alias)) {
                continue;
            }
            if let Some(target) = self.resolve(&u.module, &u.path, &mut HashSet::new()) {
                let mut gates = u.gates.clone();
                if let Target::Module(m) = &target {
                    gates.extend(
                        self.modules
                            .get(m)
                            .map(|m| m.gates.to_vec())
                            .unwrap_or_default(),
                    );
                }
                names.insert(key(alias).to_owned(), (alias.clone(), target, gates));
            }
        }
        for u in here.uses.iter().filter(|u| u.alias.is_none()) {
            let Some(Target::Module(from)) = self.resolve(&u.module, &u.path, &mut HashSet::new())
            else {
                continue;
            };
            for (written, target, gates) in self.public_names(&from, seen).iter() {
                let gates = u.gates.iter().chain(gates).cloned().collect();
                names
                    .entry(key(written).to_owned())
                    .or_insert_with(|| (written.clone(), target.clone(), gates));
            }
        }
        seen.remove(module);
        let names: Rc<[Name]> = names.into_values().collect();
        self.names
            .borrow_mut()
            .insert(module.clone(), Rc::clone(&names));
        names
    }
}

/// A step of a public path: the name, the gates of that level, the step before.
struct Step {
    name: String,
    gates: Vec<String>,
    parent: Option<usize>,
}

/// A public path: each level's spelling and gates.
type Levels = Vec<(String, Vec<String>)>;

/// The shortest public path to each plugin item (by module and item key).
fn public_paths(krate: &Crate<'_>) -> HashMap<(Path, String), Levels> {
    let mut steps: Vec<Step> = Vec::new();
    let mut found: HashMap<(Path, String), usize> = HashMap::new();
    let mut visited: HashSet<Path> = HashSet::from([Vec::new()]);
    let mut queue: VecDeque<(Path, Option<usize>, usize)> = VecDeque::from([(Vec::new(), None, 0)]);
    while let Some((module, parent, depth)) = queue.pop_front() {
        if depth > MAX_MODULE_DEPTH {
            continue;
        }
        for (name, target, gates) in krate.public_names(&module, &mut HashSet::new()).iter() {
            let (name, target, gates) = (name.clone(), target.clone(), gates.clone());
            steps.push(Step {
                name,
                gates,
                parent,
            });
            let step = steps.len() - 1;
            match target {
                Target::Module(m) => {
                    if visited.insert(m.clone()) {
                        queue.push_back((m, Some(step), depth + 1));
                    }
                }
                Target::Item(m, item) => {
                    found.entry((m, item)).or_insert(step);
                }
            }
        }
    }
    found
        .into_iter()
        .map(|(item, mut step)| {
            let mut path = Vec::new();
            loop {
                let s = &steps[step];
                path.push((s.name.clone(), s.gates.clone()));
                match s.parent {
                    Some(parent) => step = parent,
                    None => break,
                }
            }
            path.reverse();
            (item, path)
        })
        .collect()
}

/// Gives every declaration in a private module its shortest public path, or reports that it
/// has none; `prefix` is the crate name values start with.
pub(crate) fn reexported(
    decls: &mut Vec<RawDecl>,
    mods: &[ModRecord],
    uses: &[UseRecord],
    prefix: &str,
    diagnostics: &mut Vec<Diagnostic>,
) {
    if decls.iter().all(|d| d.private.is_empty()) {
        return;
    }
    let wanted: Vec<(Path, String)> = decls
        .iter()
        .filter(|d| !d.private.is_empty())
        .filter_map(|d| item_of(&d.value))
        .collect();
    let krate = Crate::new(mods, uses, &wanted);
    let root_gates: Vec<String> = krate
        .modules
        .get(&Vec::new())
        .map(|m| m.gates.to_vec())
        .unwrap_or_default();
    let paths = public_paths(&krate);
    decls.retain_mut(|decl| {
        if decl.private.is_empty() {
            return true;
        }
        let found = item_of(&decl.value).and_then(|(module, item)| paths.get(&(module, key(&item).to_owned())));
        let Some(levels) = found else {
            // Kept, like any declaration with an error (which fails `entrypoints`).
            diagnostics.push(unreachable(&decl.value, &decl.location, &decl.private));
            return true;
        };
        let mut levels = levels.clone();
        if let Some(first) = levels.first_mut() {
            first.1.splice(0..0, root_gates.iter().cloned());
        }
        if let Some(last) = levels.last_mut() {
            last.1.extend(decl.cfg.iter().cloned());
        }
        let value = std::iter::once(prefix.to_owned())
            .chain(levels.iter().map(|(name, _)| name.clone()))
            .collect::<Vec<_>>()
            .join("::");
        match one_level(&levels) {
            Ok((cfg, level)) => {
                decl.cfg_module = level.map(|level| {
                    std::iter::once(prefix)
                        .chain(levels[..=level].iter().map(|(name, _)| name.as_str()))
                        .collect::<Vec<_>>()
                        .join("::")
                });
                decl.cfg = cfg;
                decl.value = value;
                decl.private.clear();
                true
            }
            Err(()) => {
                diagnostics.push(
                    Diagnostic::error(
                        Some(decl.location.clone()),
                        format!(
                            "plugin `{}` is re-exported as `{value}`, which is under `#[cfg]` on two levels of its path",
                            decl.value
                        ),
                    )
                    .with_note("generated registration code checks whether one level of the path was compiled")
                    .with_help("put the `#[cfg]`s of the public path on one level: the `pub use`, or one public module"),
                );
                false
            }
        }
    });
}

/// The gates of the one gated level of a public path (deduplicated), and which level it is
/// when it is a module; `Err` when two levels are gated.
fn one_level(levels: &Levels) -> Result<(Vec<String>, Option<usize>), ()> {
    let gated: Vec<usize> = (0..levels.len())
        .filter(|&i| !levels[i].1.is_empty())
        .collect();
    match gated.as_slice() {
        [] => Ok((Vec::new(), None)),
        [level] => {
            let mut gates: Vec<String> = Vec::new();
            for gate in &levels[*level].1 {
                if !gates.contains(gate) {
                    gates.push(gate.clone());
                }
            }
            let module = (*level + 1 < levels.len()).then_some(*level);
            Ok((gates, module))
        }
        _ => Err(()),
    }
}

/// The module (by key) and item (as written) of a value `prefix::a::b::Item`.
fn item_of(value: &str) -> Option<(Path, String)> {
    let segments: Vec<&str> = value.split("::").collect();
    let (item, rest) = segments.split_last()?;
    let module = rest.get(1..)?.iter().map(|s| key(s).to_owned()).collect();
    Some((module, (*item).to_owned()))
}

/// The error of a library's plugin at `value` that no public path reaches: `private` are the
/// private modules on its path (at least one).
pub(super) fn unreachable(value: &str, location: &Location, private: &[PrivateMod]) -> Diagnostic {
    let first = private.first().map_or("", |m| m.path.as_str());
    let mut diagnostic = Diagnostic::error(
        Some(location.clone()),
        format!(
            "plugin `{value}` is not reachable from other crates: module `{first}` is private, and no `pub use` re-exports the plugin"
        ),
    );
    for private in private {
        diagnostic = diagnostic.with_note(format!(
            "`mod {}` is declared at {}",
            private.name, private.location
        ));
    }
    diagnostic.with_help(private_help(private))
}

/// "make `mod a` and `mod b` pub, or re-export the plugin with `pub use`".
fn private_help(private: &[PrivateMod]) -> String {
    let names: Vec<String> = private
        .iter()
        .map(|m| format!("`mod {}`", m.name))
        .collect();
    let mods = match names.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => names.join(""),
    };
    format!("make {mods} pub, or re-export the plugin with `pub use`")
}
