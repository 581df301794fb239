//! Reading one module file: bytes to text, then to what it holds (skimmed, or parsed whole
//! with syn), within the limits that keep hostile input from costing more than a linear
//! amount of time and memory.

use std::fs;
use std::path::Path;

use super::items::{self, FileItems};
use super::lex::{self, Lines, Problem};
use super::skim;
use super::tree::{Env, Job, ModCtx};
use crate::diagnostic::{Diagnostic, Severity};
use crate::model::Location;

/// How deep delimiters may nest in a file that is parsed with syn. syn parses nested groups
/// recursively; real code stays far below this, and the scan threads' stacks
/// ([`threads::SCAN_STACK`](super::threads::SCAN_STACK)) hold it with room to spare even in
/// debug builds.
pub(crate) const MAX_NESTING: usize = 256;

/// The largest file syn parses as a whole (16 MiB). syn needs about 26 bytes of memory per
/// byte of source, so a larger file the skimmer cannot read item by item is reported instead
/// of parsed (a 200 MB file took 5.3 GB). Files the skimmer reads have no size limit.
pub(crate) const MAX_PARSE_BYTES: usize = 16 << 20;

const SYNTAX_HELP: &str =
    "fix the syntax error, or skip the file with `exclude` in `[package.metadata.plux]`";

/// Reads (unless `bytes` holds it already) and scans one file: its text and what it holds,
/// or the diagnostic of a file that cannot be read as text.
pub(crate) fn read_and_scan(
    env: &Env,
    job: &Job,
    bytes: Option<Vec<u8>>,
) -> Result<(String, FileItems), Diagnostic> {
    let path = &job.path;
    let read = match bytes {
        Some(bytes) => Ok(bytes),
        None => fs::read(path),
    };
    let bytes = match read {
        Ok(bytes) => bytes,
        Err(err) => {
            return Err(Diagnostic::error(
                job.via.clone(),
                format!("cannot read `{}`: {err}", path.display()),
            )
            .with_help("make the file readable, or skip it with `exclude`"));
        }
    };
    let full = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let valid = &err.as_bytes()[..err.utf8_error().valid_up_to()];
            return Err(Diagnostic::error(
                Some(byte_location(path, valid)),
                format!("`{}` is not valid UTF-8", path.display()),
            )
            .with_help("Rust sources must be UTF-8; fix the file, or skip it with `exclude`"));
        }
    };
    let text = skim::strip_preamble(&full);
    let skimmed = match env.prefilter {
        true => skim::skim(env, path, text, &job.ctx).ok(),
        false => None,
    };
    let found = match skimmed {
        Some(found) => found,
        None => parse(env, path, text, &job.ctx).unwrap_or_else(|diagnostics| FileItems {
            diagnostics,
            ..FileItems::default()
        }),
    };
    Ok((full, found))
}

/// syn's message for a syntax error, with proc-macro2's lexer error (which names no cause)
/// spelled out.
fn syntax_message(err: &syn::Error) -> String {
    let message = err.to_string();
    if message == "cannot parse string into token stream" {
        "unbalanced delimiters, or an unterminated string, character literal or block comment"
            .to_owned()
    } else {
        message
    }
}

/// Parses a file with syn and extracts what it holds; `Err` holds the diagnostics of a file
/// that cannot be parsed.
///
/// syn only sees text that tokenizes, nests at most [`MAX_NESTING`] deep and is at most
/// [`MAX_PARSE_BYTES`] long; anything else is reported from one pass of the lexer. A file that
/// cannot be read this way but can declare nothing (no plugin text, no `mod` item) gets a
/// warning instead of an error: rustc reports its syntax, and no plugin can be missing.
fn parse(env: &Env, path: &Path, text: &str, ctx: &ModCtx) -> Result<FileItems, Vec<Diagnostic>> {
    let bytes = text.as_bytes();
    let at = |offset: usize| {
        let (line, column) = Lines::new(bytes).at(offset);
        Location {
            file: path.to_path_buf(),
            line,
            column: column + 1,
        }
    };
    let shown = path.display();
    let mut diagnostics = if let Some((offset, problem)) = lex::survey(bytes, MAX_NESTING) {
        let reason = match problem {
            Problem::TooDeep => format!("delimiters nest deeper than {MAX_NESTING} levels"),
            other => other.describe(),
        };
        let mut diagnostic = Diagnostic::error(
            Some(at(offset)),
            format!("cannot parse `{shown}`: {reason}"),
        );
        if let Problem::Mismatched { open, open_at, .. } = problem {
            let opened = at(open_at);
            diagnostic = diagnostic.with_note(format!(
                "the `{}` it would close opens at {}:{}",
                char::from(open),
                opened.line,
                opened.column
            ));
        }
        vec![diagnostic.with_help(match problem {
            Problem::TooDeep => {
                "flatten the nesting, or skip the file with `exclude` in `[package.metadata.plux]`"
            }
            _ => SYNTAX_HELP,
        })]
    } else if text.len() > MAX_PARSE_BYTES {
        vec![
            Diagnostic::error(
                Some(at(0)),
                format!(
                    "cannot parse `{shown}` as a whole: it is larger than {} MiB",
                    MAX_PARSE_BYTES >> 20
                ),
            )
            .with_note(
                "larger files are only read item by item, and an item here mentioning plugins, \
                 a `mod` or a `const` does not parse",
            )
            .with_help(SYNTAX_HELP),
        ]
    } else {
        // `text` is without its preamble already, so this is `syn::parse_file`.
        match syn::parse_str::<syn::File>(text) {
            Ok(syntax) => return Ok(items::extract(env, path, &syntax, ctx)),
            Err(errors) => errors
                .into_iter()
                .map(|err| {
                    let start = err.span().start();
                    let location = Location {
                        file: path.to_path_buf(),
                        line: start.line,
                        column: start.column + 1,
                    };
                    Diagnostic::error(
                        Some(location),
                        format!("cannot parse `{shown}`: {}", syntax_message(&err)),
                    )
                    .with_help(SYNTAX_HELP)
                })
                .collect(),
        }
    };
    if !could_declare(bytes) {
        for diagnostic in &mut diagnostics {
            diagnostic.severity = Severity::Warning;
            diagnostic.notes.push(
                "the file mentions no plugins and has no `mod` item, so no plugin is missing \
                 from the index; rustc reports its syntax"
                    .to_owned(),
            );
        }
    }
    Err(diagnostics)
}

/// Whether a file can declare a plugin or a module: it mentions plugins, or has the word `mod`
/// (anywhere: in a comment or string too, so this errs on the safe side).
pub(crate) fn could_declare(bytes: &[u8]) -> bool {
    let ident = |b: &u8| b.is_ascii_alphanumeric() || *b == b'_' || *b >= 0x80;
    skim::mentions_plugins(bytes)
        || memchr::memmem::find_iter(bytes, b"mod").any(|i| {
            !(i.checked_sub(1)
                .and_then(|j| bytes.get(j))
                .is_some_and(ident)
                || bytes.get(i + 3).is_some_and(ident))
        })
}

/// The line and column just after `prefix`, the valid start of a file.
fn byte_location(file: &Path, prefix: &[u8]) -> Location {
    let line_start = prefix
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&prefix[line_start..])
        .chars()
        .count()
        + 1;
    Location {
        file: file.to_path_buf(),
        line: memchr::memchr_iter(b'\n', prefix).count() + 1,
        column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_after_valid_prefix() {
        let loc = byte_location(Path::new("f.rs"), "ab\ncdé".as_bytes());
        assert_eq!((loc.line, loc.column), (2, 4));
    }

    #[test]
    fn files_that_can_declare_something() {
        assert!(could_declare(b"mod x;"));
        assert!(could_declare(b"pub(crate) mod x { }"));
        assert!(could_declare(b"#[plugin(namespace = \"x\")] fn f() {}"));
        assert!(!could_declare(b"fn modify(model: u8) { let _modx = 1; }"));
        assert!(!could_declare(b"fn f() {"));
    }
}
