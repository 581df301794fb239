//! `mod` items: where rustc finds a module's file, and the module context of its items.

use std::path::{Path, PathBuf};

use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Attribute, Meta, Visibility};

use super::cfg::Cfgs;
use super::items::{Child, Extractor, str_lit};
use super::reexport;
use super::tree::{ModCtx, PrivateMod};
use crate::diagnostic::Diagnostic;
use crate::model::Location;
use crate::validate::MAX_MODULE_DEPTH;

impl Extractor<'_> {
    /// Handles a `mod` item: a file module becomes a child job; for an inline module the
    /// context of its items is returned (the caller reads them).
    pub(super) fn module(&mut self, m: &syn::ItemMod, cfgs: Cfgs, ctx: &ModCtx) -> Option<ModCtx> {
        if ctx.included {
            self.not_here(&m.attrs);
        }
        let name = m.ident.to_string();
        let file_name = m.ident.unraw().to_string();
        let location = self.mod_location(m);
        if ctx.segments.len() >= MAX_MODULE_DEPTH {
            self.out.diagnostics.push(
                Diagnostic::error(
                    Some(location),
                    format!("module `{name}` is nested deeper than {MAX_MODULE_DEPTH} modules"),
                )
                .with_note(format!(
                    "plux reads modules at most {MAX_MODULE_DEPTH} levels below the crate root \
                     (paths in generated code stay that short); this one and everything in it \
                     were not scanned"
                ))
                .with_help("flatten the module tree, or skip the module with `exclude`"),
            );
            self.skipped(m, ctx);
            return None;
        }
        let mut segments = ctx.segments.clone();
        segments.push(name.clone());
        if self.env.filter.excludes_module(&segments) {
            self.skipped(m, ctx);
            return None;
        }
        let mut private = ctx.private.clone();
        let public = matches!(m.vis, Visibility::Public(_));
        if !public {
            private.push(PrivateMod {
                name: name.clone(),
                path: format!("{}::{name}", ctx.display()),
                location: location.clone(),
            });
        }
        let own_cfg = !cfgs.predicates.is_empty();
        let mut cfg = ctx.cfg.clone();
        cfg.extend(cfgs.at(segments.len()));
        let Ok(path_attr) = self.path_attr(&m.attrs) else {
            return None;
        };
        let mut child = ModCtx {
            included: ctx.included || self.env.filter.includes(&segments, None),
            segments,
            cfg,
            private,
            public,
            dir: PathBuf::new(),
            relative: None,
        };
        if m.content.is_some() {
            child.dir = match &path_attr {
                Some(path) => ctx.dir.join(path),
                None => ctx.child_dir().join(&file_name),
            };
            return Some(child);
        }
        if !self.env.follow_mods {
            return None;
        }
        let path = match path_attr {
            Some(path) => {
                let path = ctx.dir.join(path);
                self.out.dirs.extend(path.parent().map(Path::to_path_buf));
                if !self.probe(&path) {
                    if !self.env.filter.excludes_file(&path) {
                        self.missing(m, own_cfg, &format!("`{}`", path.display()));
                    }
                    return None;
                }
                path
            }
            None => {
                let dir = ctx.child_dir();
                let default = dir.join(format!("{file_name}.rs"));
                let secondary = dir.join(&file_name).join("mod.rs");
                self.out.dirs.push(dir);
                match (self.probe(&default), self.probe(&secondary)) {
                    (true, false) => {
                        child.relative = Some(file_name);
                        default
                    }
                    (false, true) => secondary,
                    (false, false) => {
                        if !(self.env.filter.excludes_file(&default)
                            || self.env.filter.excludes_file(&secondary))
                        {
                            let wanted =
                                format!("`{}` or `{}`", default.display(), secondary.display());
                            self.missing(m, own_cfg, &wanted);
                        }
                        return None;
                    }
                    (true, true) => {
                        self.error(
                            m.ident.span(),
                            format!(
                                "file for module `{name}` found at both `{}` and `{}`",
                                default.display(),
                                secondary.display()
                            ),
                        )
                        .help = Some("delete or rename one of them".to_owned());
                        return None;
                    }
                }
            }
        };
        if self.env.filter.excludes_file(&path) {
            return None;
        }
        child.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        child.included = child.included || self.env.filter.includes(&child.segments, Some(&path));
        self.out.children.push(Child {
            path,
            ctx: child,
            via: location,
        });
        None
    }

    /// Notes where the files of a module that is not read on purpose (under `#[cfg(test)]`,
    /// excluded, too deep) are: its `#[path]`, or `x.rs` and the directory `x/`, so that they
    /// are not reported as files no module path reaches.
    pub(super) fn skipped(&mut self, m: &syn::ItemMod, ctx: &ModCtx) {
        let path = m.attrs.iter().find_map(|a| match &a.meta {
            Meta::NameValue(nv) if nv.path.is_ident("path") => str_lit(&nv.value),
            _ => None,
        });
        match path {
            Some(path) => self.out.skipped.push(ctx.dir.join(path.value())),
            None => {
                let name = m.ident.unraw().to_string();
                let dir = ctx.child_dir();
                self.out.skipped.push(dir.join(format!("{name}.rs")));
                self.out.skipped.push(dir.join(name));
            }
        }
    }

    /// Whether `path` is a file, recorded in the result (see `FileItems::probes`), answered from
    /// the listing of its directory where it can be (see the `listing` module). A path that
    /// cannot be looked at (a directory without permission) counts as found, so reading it
    /// reports "permission denied" instead of a misleading "file not found".
    fn probe(&mut self, path: &Path) -> bool {
        let found = self.env.listings.is_file(path);
        self.out.probes.push((path.to_path_buf(), found));
        found
    }

    /// Where a `mod` item starts (its visibility, or `mod`), as rustc points at it.
    fn mod_location(&self, m: &syn::ItemMod) -> Location {
        match &m.vis {
            Visibility::Inherited => self.loc(m.mod_token.span),
            vis => self.loc(vis.span()),
        }
    }

    fn missing(&mut self, m: &syn::ItemMod, own_cfg: bool, wanted: &str) {
        let location = self.mod_location(m);
        let message = format!("file not found for module `{}`", m.ident);
        let diagnostic = if own_cfg {
            Diagnostic::warning(Some(location), message)
                .with_note("the module is under `#[cfg]`; its declarations were not scanned")
        } else {
            Diagnostic::error(Some(location), message)
        };
        self.out
            .diagnostics
            .push(diagnostic.with_help(format!("create {wanted}, or remove the `mod` item")));
    }

    /// The first `#[path = ".."]`; `Err` (reported) when it is not a string.
    fn path_attr(&mut self, attrs: &[Attribute]) -> Result<Option<String>, ()> {
        let Some(attr) = attrs.iter().find(|a| a.path().is_ident("path")) else {
            return Ok(None);
        };
        if let Meta::NameValue(nv) = &attr.meta
            && let Some(lit) = str_lit(&nv.value)
        {
            return Ok(Some(lit.value()));
        }
        self.error(attr.span(), "`#[path]` must be `#[path = \"file.rs\"]`");
        Err(())
    }

    /// The private modules between the crate root and a library's plugin at `value`: its
    /// public path is looked for once the whole crate is read (see the `reexport` module).
    /// Without a public path the item cannot be re-exported, so then both are reported now.
    pub(super) fn private_mods(
        &mut self,
        ctx: &ModCtx,
        value: &str,
        location: &Location,
        item_public: bool,
    ) -> Vec<PrivateMod> {
        if !self.env.check_visibility || ctx.private.is_empty() {
            return Vec::new();
        }
        if item_public {
            return ctx.private.clone();
        }
        self.out
            .diagnostics
            .push(reexport::unreachable(value, location, &ctx.private));
        Vec::new()
    }

    pub(super) fn private_item(&mut self, location: &Location, value: &str, item: &str) {
        self.out.diagnostics.push(
            Diagnostic::error(
                Some(location.clone()),
                format!(
                    "plugin `{value}` is not reachable from other crates: `{item}` is not `pub`"
                ),
            )
            .with_help(format!("make `{item}` pub")),
        );
    }
}
