//! The paths declarations are named by, and the level of that path their `cfg`s gate.

use syn::Type;

use super::cfg;
use super::items::Extractor;
use super::tree::ModCtx;
use crate::diagnostic::Diagnostic;
use crate::model::Location;

impl Extractor<'_> {
    /// `prefix::module::item`.
    pub(super) fn value(&self, ctx: &ModCtx, item: &str) -> String {
        let mut parts = vec![self.env.prefix.as_str()];
        parts.extend(ctx.segments.iter().map(String::as_str));
        parts.push(item);
        parts.join("::")
    }

    /// The `cfg` predicates of a declaration at `value` and the module they gate (see
    /// [`cfg::gate`]); `None` when reported (predicates on two levels of the path).
    pub(super) fn gate(
        &mut self,
        ctx: &ModCtx,
        own: &[String],
        value: &str,
        location: &Location,
    ) -> Option<(Vec<String>, Option<String>)> {
        match cfg::gate(&ctx.segments, &ctx.cfg, own, value) {
            Ok(gated) => Some(gated),
            Err(two) => {
                let message = format!(
                    "plugin `{value}` is under `#[cfg]` on two levels of its path: `{}` on `{}` and `{}` on `{}`",
                    two.outer.0, two.outer.1, two.inner.0, two.inner.1
                );
                self.out.diagnostics.push(
                    Diagnostic::error(Some(location.clone()), message)
                        .with_note(
                            "generated registration code checks whether one level of the path was compiled",
                        )
                        .with_help(
                            "put the `#[cfg]`s on one level: the item, or one enclosing module (combine them with `all(..)`)",
                        ),
                );
                None
            }
        }
    }

    /// The path of an impl's self type, as the host names it.
    pub(super) fn type_value(&self, ty: &Type, ctx: &ModCtx) -> Result<TypeValue, String> {
        let path = match ty {
            Type::Group(g) => return self.type_value(&g.elem, ctx),
            Type::Paren(p) => return self.type_value(&p.elem, ctx),
            Type::Path(p) if p.qself.is_none() => &p.path,
            _ => return Err("a plugin type must be a named type".to_owned()),
        };
        if path.segments.iter().any(|s| !s.arguments.is_none()) {
            return Err("a plugin type cannot have generic arguments".to_owned());
        }
        let written: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        if path.leading_colon.is_some() {
            return Ok(TypeValue {
                path: written.join("::"),
                joined_to_module: false,
            });
        }
        let mut module = ctx.segments.clone();
        let mut rest = written.as_slice();
        let mut joined_to_module = true;
        match rest.first().map(String::as_str) {
            Some("crate") => {
                module.clear();
                rest = &rest[1..];
                joined_to_module = false;
            }
            Some("self") => rest = &rest[1..],
            Some("Self") => return Err("a plugin type must be named, not `Self`".to_owned()),
            _ => {}
        }
        while rest.first().is_some_and(|s| s == "super") {
            if module.pop().is_none() {
                return Err("too many `super`s in the plugin type's path".to_owned());
            }
            rest = &rest[1..];
        }
        let mut parts = vec![self.env.prefix.clone()];
        parts.extend(module);
        parts.extend(rest.iter().cloned());
        Ok(TypeValue {
            path: parts.join("::"),
            joined_to_module,
        })
    }
}

/// An impl's self type, as the host names it.
pub(super) struct TypeValue {
    /// `prefix::module::Type`.
    pub(super) path: String,
    /// Relative to the impl's module (so the module's privacy matters).
    pub(super) joined_to_module: bool,
}
