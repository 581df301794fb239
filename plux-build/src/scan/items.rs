//! Declaration recognition in one parsed file: the three forms, string consts, and `mod` items.

use std::path::{Path, PathBuf};

use proc_macro2::Span;
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Expr, Item, Type, Visibility};

use super::attrs::{PLACEMENT_HELP, PluginAttr, first_plugin};
use super::cfg::{self, Cfgs};
use super::consts::Consts;
use super::interface;
use super::reexport::{ModRecord, UseRecord};
use super::tree::{Env, ModCtx, PrivateMod};
use crate::diagnostic::Diagnostic;
use crate::model::{Kind, Location};

/// A `namespace` or `name` argument as written.
#[derive(Clone, Debug)]
pub(crate) enum Arg {
    /// A string literal (or a name defaulted from a fn's identifier).
    Lit { value: String, location: Location },
    /// A path to a `const`, resolved once the whole crate is read.
    Const {
        path: Vec<String>,
        location: Location,
    },
    /// Anything else (`concat!`, a call, ...).
    Invalid { location: Location },
}

impl Arg {
    /// The identifier of the const this argument names (without `r#`), if it names one.
    pub(crate) fn const_ident(&self) -> Option<&str> {
        match self {
            Arg::Const { path, .. } => path.last().map(|s| s.strip_prefix("r#").unwrap_or(s)),
            _ => None,
        }
    }
}

/// A declaration whose namespace and name may still name consts.
#[derive(Clone, Debug)]
pub(crate) struct RawDecl {
    pub(crate) kind: Kind,
    pub(crate) namespace: Arg,
    pub(crate) name: Arg,
    pub(crate) value: String,
    pub(crate) module: Vec<String>,
    pub(crate) cfg: Vec<String>,
    /// The module of `value`'s path that `cfg` gates (see [`Declaration::cfg_module`]).
    pub(crate) cfg_module: Option<String>,
    /// The interface it states (see [`Declaration::interface`]).
    pub(crate) interface: Option<String>,
    pub(crate) location: Location,
    /// The non-`pub` modules on `value`'s path, outermost first, when the declaration is in a
    /// library: its public path (through `pub use` re-exports) is found once the whole crate
    /// is read (see the `reexport` module).
    pub(crate) private: Vec<PrivateMod>,
}

/// A module-level `const`, a candidate for namespace/name references.
#[derive(Clone, Debug)]
pub(crate) struct ConstDef {
    pub(crate) module: Vec<String>,
    /// The identifier without `r#`.
    pub(crate) ident: String,
    /// The string literal it holds, and where.
    pub(crate) value: Option<(String, Location)>,
    pub(crate) location: Location,
}

/// A `mod x;` to read next.
#[derive(Debug)]
pub(crate) struct Child {
    pub(crate) path: PathBuf,
    pub(crate) ctx: ModCtx,
    pub(crate) via: Location,
}

/// What one file holds.
#[derive(Debug, Default)]
pub(crate) struct FileItems {
    pub(crate) decls: Vec<RawDecl>,
    pub(crate) consts: Consts,
    pub(crate) children: Vec<Child>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    pub(crate) dirs: Vec<PathBuf>,
    /// Every module whose items this file holds (the file's own, and its inline ones).
    pub(crate) mods: Vec<ModRecord>,
    /// Its `pub use` items.
    pub(crate) uses: Vec<UseRecord>,
    /// Module files and directories not read on purpose (see `Extractor::skipped`).
    pub(crate) skipped: Vec<PathBuf>,
    /// Every path checked for a module file, and whether it was a file (the scan cache
    /// re-checks them before re-using this result).
    pub(crate) probes: Vec<(PathBuf, bool)>,
}

/// Scans a parsed file that is the module `ctx`.
pub(crate) fn extract(env: &Env, file: &Path, syntax: &syn::File, ctx: &ModCtx) -> FileItems {
    let mut extractor = Extractor::new(env, file);
    let cfgs = cfg::cfgs(&syntax.attrs);
    if !cfgs.test || env.include_tests {
        let mut ctx = ctx.clone();
        ctx.cfg.extend(cfgs.at(ctx.segments.len()));
        extractor.items(&syntax.items, &ctx);
        extractor.read(ctx);
    } else {
        extractor.out.skipped.push(ctx.child_dir());
    }
    extractor.out
}

pub(super) struct Extractor<'a> {
    pub(super) env: &'a Env,
    pub(super) file: &'a Path,
    pub(super) out: FileItems,
    /// Where the parsed text starts in the file: 1-based line and 0-based character column
    /// (`(1, 0)` for a whole file; elsewhere for an item the skimmer parsed on its own).
    pub(super) base: (usize, usize),
}

impl<'a> Extractor<'a> {
    pub(super) fn new(env: &'a Env, file: &'a Path) -> Self {
        Self {
            env,
            file,
            out: FileItems::default(),
            base: (1, 0),
        }
    }
}

impl Extractor<'_> {
    pub(super) fn loc(&self, span: Span) -> Location {
        let start = span.start();
        let (line, column) = self.base;
        Location {
            file: self.file.to_path_buf(),
            line: start.line + line - 1,
            column: start.column + 1 + if start.line == 1 { column } else { 0 },
        }
    }

    pub(super) fn error(&mut self, span: Span, message: impl Into<String>) -> &mut Diagnostic {
        let location = self.loc(span);
        self.out
            .diagnostics
            .push(Diagnostic::error(Some(location), message));
        let last = self.out.diagnostics.len() - 1;
        &mut self.out.diagnostics[last]
    }

    /// Reads items of the module `ctx`.
    pub(super) fn items(&mut self, items: &[Item], ctx: &ModCtx) {
        self.items_under(items, ctx, &Cfgs::default());
    }

    /// Reads items of the module `ctx` that are in the body of macro calls gated by `outer`
    /// (see the `macros` module), each also under its own `#[cfg]`s.
    pub(super) fn items_under(&mut self, items: &[Item], ctx: &ModCtx, outer: &Cfgs) {
        for item in items {
            if let Item::Macro(m) = item {
                let cfgs = outer.clone().with(cfg::cfgs(&m.attrs));
                if !cfgs.test || self.env.include_tests {
                    self.macro_items(m, &cfgs, ctx);
                }
                continue;
            }
            let Some(attrs) = attrs(item) else { continue };
            let cfgs = outer.clone().with(cfg::cfgs(attrs));
            if cfgs.test && !self.env.include_tests {
                if let Item::Mod(m) = item {
                    self.skipped(m, ctx);
                }
                continue;
            }
            if !ctx.included && !matches!(item, Item::Mod(_) | Item::Const(_) | Item::Use(_)) {
                // Only modules (which may be included), consts (which may be referenced) and
                // re-exports (which may make a plugin public).
                continue;
            }
            match item {
                Item::Mod(m) => {
                    if let (Some(child), Some((_, items))) = (self.module(m, cfgs, ctx), &m.content)
                    {
                        self.items(items, &child);
                        self.read(child);
                    }
                }
                Item::Use(u) => {
                    self.reexport(u, &cfgs, ctx);
                    if ctx.included {
                        self.not_here(attrs);
                    }
                }
                Item::Static(s) if is_spec_type(&s.ty) => {
                    let item = SpecItem {
                        ident: &s.ident,
                        vis: &s.vis,
                        what: "static",
                        ty: &s.ty,
                        expr: &s.expr,
                    };
                    self.spec(&item, &cfgs, ctx);
                }
                Item::Const(c) if is_spec_type(&c.ty) => {
                    let item = SpecItem {
                        ident: &c.ident,
                        vis: &c.vis,
                        what: "const",
                        ty: &c.ty,
                        expr: &c.expr,
                    };
                    self.spec(&item, &cfgs, ctx);
                }
                Item::Const(c) => {
                    if ctx.included {
                        self.not_here(attrs);
                    }
                    let value = str_lit(&c.expr).map(|lit| (lit.value(), self.loc(lit.span())));
                    let location = self.loc(c.ident.span());
                    let ident = c.ident.unraw().to_string();
                    self.out.consts.push(&ctx.segments, &ident, location, value);
                }
                Item::Impl(imp) => {
                    for inner in &imp.items {
                        if let syn::ImplItem::Fn(f) = inner {
                            if let Some(span) = first_plugin(&f.attrs) {
                                self.error(span, "`#[plugin]` on a method").help =
                                    Some(PLACEMENT_HELP.to_owned());
                            }
                            self.in_body(&f.block);
                        }
                    }
                    for attr in self.declared(&imp.attrs) {
                        self.impl_plugin(imp, &attr, &cfgs, ctx);
                    }
                }
                Item::Fn(f) => {
                    for attr in self.declared(&f.attrs) {
                        self.fn_plugin(f, &attr, &cfgs, ctx);
                    }
                    self.in_body(&f.block);
                }
                _ => self.not_here(attrs),
            }
        }
    }

    /// Declarations inside a function body: no path reaches them, so they are reported.
    fn in_body(&mut self, block: &syn::Block) {
        let mut finder = BodyItems::default();
        syn::visit::Visit::visit_block(&mut finder, block);
        for span in finder.found {
            let location = self.loc(span);
            self.out.diagnostics.push(
                Diagnostic::warning(
                    Some(location),
                    "plugin declared inside a function body cannot be reached; it is ignored",
                )
                .with_help("move it to module level"),
            );
        }
    }

    fn spec(&mut self, item: &SpecItem<'_>, cfgs: &Cfgs, ctx: &ModCtx) {
        let SpecItem {
            ident,
            vis,
            what,
            ty,
            expr,
        } = *item;
        if !ctx.included {
            return;
        }
        if ident == "_" {
            self.error(
                ident.span(),
                format!("plugin spec `{what} _` has no name to refer to"),
            )
            .help = Some("give it a name".to_owned());
            return;
        }
        let Some(args) = spec_args(expr) else {
            self.error(
                ident.span(),
                format!("cannot read the namespace and name of plugin spec `{ident}`"),
            )
            .help = Some(
                "initialise it with `PluginSpec::new(namespace, name, factory)` or \
                 `PluginSpec::fallible(namespace, name, factory)`"
                    .to_owned(),
            );
            return;
        };
        let location = self.loc(ident.span());
        let value = self.value(ctx, &ident.to_string());
        let public = matches!(vis, Visibility::Public(_));
        let private = self.private_mods(ctx, &value, &location, public);
        if self.env.check_visibility && !public {
            self.private_item(&location, &value, &format!("{what} {ident}"));
        }
        let Some((cfg, cfg_module)) = self.gate(ctx, &cfgs.predicates, &value, &location) else {
            return;
        };
        let decl = RawDecl {
            kind: Kind::Spec,
            namespace: self.arg(args.0),
            name: self.arg(args.1),
            value,
            module: ctx.segments.clone(),
            cfg,
            cfg_module,
            interface: interface::of_spec(ty),
            location,
            private,
        };
        self.out.decls.push(decl);
    }

    fn impl_plugin(&mut self, imp: &syn::ItemImpl, attr: &PluginAttr, cfgs: &Cfgs, ctx: &ModCtx) {
        if !ctx.included {
            return;
        }
        let span = attr.span;
        let Some((namespace, name)) = self.plugin_args(attr) else {
            return;
        };
        let Some((_, trait_path, _)) = &imp.trait_ else {
            self.error(span, "`#[plugin]` on an impl without a trait")
                .help = Some("write it on `impl Trait for Type`".to_owned());
            return;
        };
        if !imp.generics.params.is_empty() {
            self.error(span, "a plugin type cannot be generic").help =
                Some("implement the trait for a concrete type".to_owned());
            return;
        }
        let Some(name) = name else {
            self.error(span, "`#[plugin]` on an impl needs `name = \"...\"`");
            return;
        };
        let value = match self.type_value(&imp.self_ty, ctx) {
            Ok(value) => value,
            Err(message) => {
                self.error(imp.self_ty.span(), message).help =
                    Some("write the type as a path without generic arguments".to_owned());
                return;
            }
        };
        let location = self.loc(span);
        let private = match value.joined_to_module {
            true => self.private_mods(ctx, &value.path, &location, true),
            false => Vec::new(),
        };
        let own = own_gates(cfgs, attr);
        let Some((cfg, cfg_module)) = self.gate(ctx, &own, &value.path, &location) else {
            return;
        };
        self.out.decls.push(RawDecl {
            kind: Kind::Type,
            namespace,
            name,
            value: value.path,
            module: ctx.segments.clone(),
            cfg,
            cfg_module,
            interface: Some(interface::of_impl(trait_path)),
            location,
            private,
        });
    }

    fn fn_plugin(&mut self, f: &syn::ItemFn, attr: &PluginAttr, cfgs: &Cfgs, ctx: &ModCtx) {
        if !ctx.included {
            return;
        }
        let Some((namespace, name)) = self.plugin_args(attr) else {
            return;
        };
        let ident = &f.sig.ident;
        let name = name.unwrap_or_else(|| Arg::Lit {
            value: ident.unraw().to_string(),
            location: self.loc(ident.span()),
        });
        let location = self.loc(attr.span);
        let value = self.value(ctx, &ident.to_string());
        let public = matches!(f.vis, Visibility::Public(_));
        let private = self.private_mods(ctx, &value, &location, public);
        if self.env.check_visibility && !public {
            self.private_item(&location, &value, &format!("fn {ident}"));
        }
        let own = own_gates(cfgs, attr);
        let Some((cfg, cfg_module)) = self.gate(ctx, &own, &value, &location) else {
            return;
        };
        self.out.decls.push(RawDecl {
            kind: Kind::Function,
            namespace,
            name,
            value,
            module: ctx.segments.clone(),
            cfg,
            cfg_module,
            interface: interface::of_fn(&f.sig),
            location,
            private,
        });
    }
}

/// A `static` or `const` of type `PluginSpec<..>`.
#[derive(Clone, Copy)]
struct SpecItem<'a> {
    ident: &'a syn::Ident,
    vis: &'a Visibility,
    /// `static` or `const`.
    what: &'a str,
    ty: &'a Type,
    expr: &'a Expr,
}

/// The gates of a declaration's item: its `#[cfg]`s (and those of macro calls around it),
/// then the predicates of the `cfg_attr`s around its `plugin` attribute.
fn own_gates(cfgs: &Cfgs, attr: &PluginAttr) -> Vec<String> {
    cfgs.predicates
        .iter()
        .chain(&attr.gates.predicates)
        .cloned()
        .collect()
}

/// Finds declaration-like items nested in a block.
#[derive(Default)]
struct BodyItems {
    found: Vec<Span>,
}

impl<'ast> syn::visit::Visit<'ast> for BodyItems {
    fn visit_item(&mut self, item: &'ast Item) {
        if let Some(span) = attrs(item).and_then(first_plugin) {
            self.found.push(span);
        } else if let Item::Static(syn::ItemStatic { ty, ident, .. })
        | Item::Const(syn::ItemConst { ty, ident, .. }) = item
            && is_spec_type(ty)
        {
            self.found.push(ident.span());
        }
        syn::visit::visit_item(self, item);
    }

    fn visit_impl_item_fn(&mut self, f: &'ast syn::ImplItemFn) {
        if let Some(span) = first_plugin(&f.attrs) {
            self.found.push(span);
        }
        syn::visit::visit_impl_item_fn(self, f);
    }
}

/// The attributes of items that can carry declarations or modules (`None`: not looked at).
fn attrs(item: &Item) -> Option<&[Attribute]> {
    Some(match item {
        Item::Const(i) => &i.attrs,
        Item::Enum(i) => &i.attrs,
        Item::Fn(i) => &i.attrs,
        Item::Impl(i) => &i.attrs,
        Item::Mod(i) => &i.attrs,
        Item::Static(i) => &i.attrs,
        Item::Struct(i) => &i.attrs,
        Item::Trait(i) => &i.attrs,
        Item::TraitAlias(i) => &i.attrs,
        Item::Type(i) => &i.attrs,
        Item::Union(i) => &i.attrs,
        Item::Use(i) => &i.attrs,
        Item::ForeignMod(i) => &i.attrs,
        _ => return None,
    })
}

/// Whether the type's last path segment is `PluginSpec`.
fn is_spec_type(ty: &Type) -> bool {
    match ty {
        Type::Group(g) => is_spec_type(&g.elem),
        Type::Paren(p) => is_spec_type(&p.elem),
        Type::Path(p) => p
            .path
            .segments
            .last()
            .is_some_and(|s| s.ident == "PluginSpec"),
        _ => false,
    }
}

/// The first two arguments of `PluginSpec::new(..)` / `PluginSpec::fallible(..)`.
fn spec_args(expr: &Expr) -> Option<(&Expr, &Expr)> {
    match expr {
        Expr::Group(g) => spec_args(&g.expr),
        Expr::Paren(p) => spec_args(&p.expr),
        Expr::Call(call) => {
            let Expr::Path(func) = &*call.func else {
                return None;
            };
            let last = func.path.segments.last()?;
            if !(last.ident == "new" || last.ident == "fallible") {
                return None;
            }
            let mut args = call.args.iter();
            Some((args.next()?, args.next()?))
        }
        _ => None,
    }
}

pub(super) fn str_lit(expr: &Expr) -> Option<&syn::LitStr> {
    match expr {
        Expr::Group(g) => str_lit(&g.expr),
        Expr::Paren(p) => str_lit(&p.expr),
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Str(lit),
            ..
        }) => Some(lit),
        _ => None,
    }
}
