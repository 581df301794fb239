//! Reading a dependency's shipped `plux.json` for a registry: the index's strict parse, plus
//! the rules generated code needs (every value is a path into the package's own crate).

use std::path::Path;

use crate::codegen::entry::{Origin, RegistryEntry};
use crate::diagnostic::Diagnostic;
use crate::index::Index;
use crate::validate::{Root, validate_value};

/// Parses the text of the `plux.json` of the package whose library crate is `crate_name`.
///
/// Returns its entries, or one located error diagnostic per problem: anything
/// [`Index::parse`] rejects, and values that are not paths into `crate_name` (a package may
/// only register its own items, so a hostile index cannot point generated code elsewhere).
pub fn parse_index(
    text: &str,
    file: &Path,
    crate_name: &str,
    origin: &Origin,
) -> Result<Vec<RegistryEntry>, Vec<Diagnostic>> {
    let (_, located) = Index::parse_located(text, file)?;
    let mut entries = Vec::new();
    let mut diagnostics = Vec::new();
    for (namespace, entry, location) in &located {
        match validate_value(&entry.value, Root::Crate(crate_name)) {
            Ok(_) => entries.push(RegistryEntry {
                namespace: namespace.to_owned(),
                name: entry.name.clone(),
                value: entry.value.clone(),
                path: entry.value.clone(),
                kind: entry.kind,
                cfg: entry.cfg.clone(),
                cfg_module: entry.cfg_module.clone(),
                host_cfg: Vec::new(),
                origin: origin.clone(),
            }),
            Err(message) => {
                diagnostics.push(
                    Diagnostic::error(
                        Some(location.clone()),
                        format!("invalid entry `{}` in namespace `{namespace}`: {message}", entry.name.escape_debug()),
                    )
                    .with_help(format!(
                        "regenerate the index with `cargo plux entrypoints` in package `{}`, or report it to its authors",
                        origin.package
                    )),
                );
            }
        }
    }
    if diagnostics.is_empty() {
        Ok(entries)
    } else {
        Err(diagnostics)
    }
}
