//! Module-level consts as the walk collects them: compactly, since a crate can have hundreds
//! of thousands (`linux-raw-sys`), and only the few that declarations name are looked at.

use std::collections::HashSet;
use std::path::PathBuf;

use super::items::ConstDef;
use crate::model::Location;

/// Consts, grouped by module and file.
#[derive(Debug, Default)]
pub(crate) struct Consts(Vec<Group>);

#[derive(Debug)]
struct Group {
    module: Vec<String>,
    file: PathBuf,
    consts: Vec<Compact>,
}

#[derive(Debug)]
struct Compact {
    ident: Box<str>,
    line: usize,
    column: usize,
    value: Option<Box<(String, Location)>>,
}

impl Consts {
    /// Records `const ident` of `module`, declared at `location`.
    pub(crate) fn push(
        &mut self,
        module: &[String],
        ident: &str,
        location: Location,
        value: Option<(String, Location)>,
    ) {
        let Location { file, line, column } = location;
        let same = self
            .0
            .last()
            .is_some_and(|g| g.module == module && g.file == file);
        if !same {
            self.0.push(Group {
                module: module.to_vec(),
                file,
                consts: Vec::new(),
            });
        }
        if let Some(group) = self.0.last_mut() {
            group.consts.push(Compact {
                ident: ident.into(),
                line,
                column,
                value: value.map(Box::new),
            });
        }
    }

    /// Calls `f(module, file, ident, (line, column), value)` for every const, in order (the
    /// scan cache stores them this way and rebuilds them with [`Consts::push`]).
    pub(crate) fn for_each(
        &self,
        mut f: impl FnMut(
            &[String],
            &std::path::Path,
            &str,
            (usize, usize),
            Option<&(String, Location)>,
        ),
    ) {
        for group in &self.0 {
            for c in &group.consts {
                f(
                    &group.module,
                    &group.file,
                    &c.ident,
                    (c.line, c.column),
                    c.value.as_deref(),
                );
            }
        }
    }

    pub(crate) fn append(&mut self, other: &mut Consts) {
        self.0.append(&mut other.0);
    }

    /// The consts whose identifier is among `idents`.
    pub(crate) fn named(self, idents: &HashSet<&str>) -> Vec<ConstDef> {
        let mut out = Vec::new();
        for group in self.0 {
            for c in group.consts {
                if idents.contains(&*c.ident) {
                    out.push(ConstDef {
                        module: group.module.clone(),
                        ident: c.ident.into(),
                        value: c.value.map(|v| *v),
                        location: Location {
                            file: group.file.clone(),
                            line: c.line,
                            column: c.column,
                        },
                    });
                }
            }
        }
        out
    }
}
