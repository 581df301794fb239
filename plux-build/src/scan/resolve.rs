//! Turning raw declarations into [`Declaration`]s: const references resolved across the
//! crate, names and namespaces validated.

use std::collections::HashMap;

use super::items::{Arg, ConstDef, RawDecl};
use crate::diagnostic::Diagnostic;
use crate::model::{Declaration, Location};
use crate::validate::{NAME_HELP, NAMESPACE_HELP, validate_name, validate_namespace};

/// Resolves and validates; a declaration with a problem is reported and left out.
pub(crate) fn resolve(
    decls: Vec<RawDecl>,
    consts: &[ConstDef],
    diagnostics: &mut Vec<Diagnostic>,
) -> Vec<Declaration> {
    let mut table: HashMap<&str, Vec<&ConstDef>> = HashMap::new();
    for def in consts {
        table.entry(def.ident.as_str()).or_default().push(def);
    }
    let mut out = Vec::with_capacity(decls.len());
    for decl in decls {
        let namespace = arg(
            &decl,
            &decl.namespace,
            Field::Namespace,
            &table,
            diagnostics,
        );
        let name = arg(&decl, &decl.name, Field::Name, &table, diagnostics);
        let (Some(namespace), Some(name)) = (namespace, name) else {
            continue;
        };
        let mut ok = true;
        for (field, (text, location)) in [(Field::Namespace, &namespace), (Field::Name, &name)] {
            let checked = match field {
                Field::Namespace => validate_namespace(text),
                Field::Name => validate_name(text),
            };
            if let Err(message) = checked {
                ok = false;
                let help = match field {
                    Field::Namespace => NAMESPACE_HELP,
                    Field::Name => NAME_HELP,
                };
                let mut diagnostic =
                    Diagnostic::error(Some(location.clone()), message).with_help(help);
                let raw = match field {
                    Field::Namespace => &decl.namespace,
                    Field::Name => &decl.name,
                };
                if matches!(raw, Arg::Const { .. }) {
                    diagnostic =
                        diagnostic.with_note(format!("used by the plugin at {}", decl.location));
                }
                diagnostics.push(diagnostic);
            }
        }
        if ok {
            out.push(Declaration {
                namespace: namespace.0,
                name: name.0,
                value: decl.value,
                kind: decl.kind,
                cfg: decl.cfg,
                cfg_module: decl.cfg_module,
                interface: decl.interface,
                location: decl.location,
            });
        }
    }
    out
}

#[derive(Clone, Copy)]
enum Field {
    Namespace,
    Name,
}

impl Field {
    fn as_str(self) -> &'static str {
        match self {
            Field::Namespace => "namespace",
            Field::Name => "name",
        }
    }
}

/// The text of an argument and where its literal is.
fn arg(
    decl: &RawDecl,
    arg: &Arg,
    field: Field,
    table: &HashMap<&str, Vec<&ConstDef>>,
    diagnostics: &mut Vec<Diagnostic>,
) -> Option<(String, Location)> {
    let what = format!(
        "{} must be a string literal or a const holding one",
        field.as_str()
    );
    let help = format!(
        "`{}` must be a string literal or a const holding one",
        field.as_str()
    );
    let (path, location) = match arg {
        Arg::Lit { value, location } => return Some((value.clone(), location.clone())),
        Arg::Invalid { location } => {
            diagnostics.push(
                Diagnostic::error(Some(location.clone()), what.clone())
                    .with_help("write a string literal, or a path to a `const` of this crate"),
            );
            return None;
        }
        Arg::Const { path, location } => (path, location),
    };
    let last = path.last().map(|s| s.strip_prefix("r#").unwrap_or(s))?;
    let candidates = table.get(last).map(Vec::as_slice).unwrap_or_default();
    let chosen = match candidates {
        [] => {
            diagnostics.push(
                Diagnostic::error(
                    Some(location.clone()),
                    format!("cannot find `const {last}` in this crate"),
                )
                .with_help(help),
            );
            return None;
        }
        [one] => *one,
        many => {
            let expected = expected_modules(&decl.module, path);
            let matching: Vec<&&ConstDef> = many
                .iter()
                .filter(|c| expected.contains(&c.module))
                .collect();
            if let [one] = matching.as_slice() {
                **one
            } else {
                let mut diagnostic = Diagnostic::error(
                    Some(location.clone()),
                    format!(
                        "`{}` is ambiguous: several consts `{last}` exist",
                        path.join("::")
                    ),
                );
                for candidate in many {
                    diagnostic = diagnostic.with_note(format!(
                        "`crate{}::{last}` at {}",
                        candidate
                            .module
                            .iter()
                            .map(|s| format!("::{s}"))
                            .collect::<String>(),
                        candidate.location
                    ));
                }
                diagnostics.push(diagnostic.with_help(
                    "write the string literal, or a path such as `crate::module::CONST`",
                ));
                return None;
            }
        }
    };
    match &chosen.value {
        Some(value) => Some(value.clone()),
        None => {
            diagnostics.push(
                Diagnostic::error(Some(location.clone()), what.clone())
                    .with_note(format!(
                        "`const {last}` at {} does not hold a string literal",
                        chosen.location
                    ))
                    .with_help(help),
            );
            None
        }
    }
}

/// The modules a path written in `module` may name its last segment from.
fn expected_modules(module: &[String], path: &[String]) -> Vec<Vec<String>> {
    let prefix = &path[..path.len().saturating_sub(1)];
    match prefix.first().map(String::as_str) {
        None => vec![module.to_vec()],
        Some("crate") => vec![prefix[1..].to_vec()],
        Some("self") => vec![[module, &prefix[1..]].concat()],
        Some("super") => {
            let mut base = module.to_vec();
            let mut rest = prefix;
            while rest.first().is_some_and(|s| s == "super") {
                base.pop();
                rest = &rest[1..];
            }
            vec![[base.as_slice(), rest].concat()]
        }
        Some(_) => vec![[module, prefix].concat(), prefix.to_vec()],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &[&str]) -> Vec<String> {
        s.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn expected_modules_follow_rust_paths() {
        let m = v(&["a", "b"]);
        assert_eq!(expected_modules(&m, &v(&["X"])), [v(&["a", "b"])]);
        assert_eq!(expected_modules(&m, &v(&["crate", "c", "X"])), [v(&["c"])]);
        assert_eq!(
            expected_modules(&m, &v(&["self", "c", "X"])),
            [v(&["a", "b", "c"])]
        );
        assert_eq!(expected_modules(&m, &v(&["super", "X"])), [v(&["a"])]);
        assert_eq!(
            expected_modules(&m, &v(&["c", "X"])),
            [v(&["a", "b", "c"]), v(&["c"])]
        );
    }
}
