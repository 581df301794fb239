//! Where output goes: results on stdout, status and diagnostics on stderr (or JSON lines on
//! stdout with `--message-format json`), colored as `--color` says.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};

use plux_build::{Diagnostic, Severity};

use crate::args::{ColorChoice, GlobalArgs, MessageFormat};

/// Output settings and helpers.
pub struct Shell {
    color: bool,
    verbose: u8,
    quiet: bool,
    json: bool,
    cwd: Option<PathBuf>,
}

const RESET: &str = "\x1b[0m";
const BOLD: &str = "\x1b[1m";
const RED: &str = "\x1b[1;31m";
const GREEN: &str = "\x1b[1;32m";

impl Shell {
    /// A shell without color, for tests.
    #[cfg(test)]
    pub fn plain() -> Self {
        Self {
            color: false,
            verbose: 0,
            quiet: false,
            json: false,
            cwd: None,
        }
    }

    /// The shell the global flags ask for.
    pub fn new(global: &GlobalArgs) -> Self {
        let color = match global.color.or_else(color_from_env) {
            Some(ColorChoice::Always) => true,
            Some(ColorChoice::Never) => false,
            Some(ColorChoice::Auto) | None => {
                io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
            }
        };
        Self {
            color,
            verbose: global.verbose,
            quiet: global.quiet,
            json: global.message_format == MessageFormat::Json,
            cwd: std::env::current_dir().ok(),
        }
    }

    /// Whether `--message-format json` is on.
    pub fn json(&self) -> bool {
        self.json
    }

    /// Whether `-v` was given.
    pub fn verbose(&self) -> bool {
        self.verbose > 0
    }

    /// `path` relative to the current directory when it is below it.
    pub fn shown(&self, path: &Path) -> String {
        let relative = self
            .cwd
            .as_deref()
            .and_then(|cwd| path.strip_prefix(cwd).ok())
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(path);
        relative.display().to_string()
    }

    fn paint(&self, style: &str, text: &str) -> String {
        if self.color {
            format!("{style}{text}{RESET}")
        } else {
            text.to_owned()
        }
    }

    /// A cargo-style status line on stderr (`       Wrote path`); not with `-q` or JSON.
    pub fn status(&self, verb: &str, message: &str) {
        if self.quiet || self.json {
            return;
        }
        let verb = self.paint(GREEN, &format!("{verb:>12}"));
        let _ = writeln!(io::stderr(), "{verb} {}", safe(message));
    }

    /// A status line shown only with `-v`.
    pub fn verbose_status(&self, verb: &str, message: &str) {
        if self.verbose() {
            self.status(verb, message);
        }
    }

    /// A `note: ...` on stderr (not with `-q` or JSON).
    pub fn note(&self, message: &str) {
        if !self.quiet && !self.json {
            let _ = writeln!(
                io::stderr(),
                "{}: {}",
                self.paint(BOLD, "note"),
                safe(message)
            );
        }
    }

    /// A JSON line on stdout.
    pub fn json_line(&self, value: &serde_json::Value) -> io::Result<()> {
        writeln!(io::stdout().lock(), "{value}")
    }

    /// Prints diagnostics: rustc's format on stderr (with the source line and a caret when the
    /// file can be read), or JSON lines on stdout. Paths are shown relative to the current
    /// directory; on the terminal, control characters in any part are escaped (JSON escapes them
    /// itself).
    pub fn diagnostics(&self, diagnostics: &[Diagnostic]) -> io::Result<()> {
        for diagnostic in diagnostics {
            let source = diagnostic.location.as_ref().map(|l| l.file.clone());
            let mut diagnostic = diagnostic.clone();
            if let Some(location) = &mut diagnostic.location {
                location.file = PathBuf::from(self.shown(&location.file));
            }
            if let Some(cwd) = &self.cwd {
                // notes name other places (`also declared at /abs/path:1:1`)
                let prefix = format!("{}{}", cwd.display(), std::path::MAIN_SEPARATOR);
                for note in &mut diagnostic.notes {
                    *note = note.replace(&prefix, "");
                }
            }
            if self.json {
                self.json_line(&diagnostic.to_json())?;
                continue;
            }
            diagnostic.message = safe(&diagnostic.message).into_owned();
            for note in &mut diagnostic.notes {
                *note = safe(note).into_owned();
            }
            if let Some(help) = &mut diagnostic.help {
                *help = safe(help).into_owned();
            }
            if let Some(location) = &mut diagnostic.location {
                location.file =
                    PathBuf::from(safe_line(&location.file.display().to_string()).as_ref());
            }
            let _ = writeln!(
                io::stderr(),
                "{}\n",
                self.render(&diagnostic, source.as_deref())
            );
        }
        Ok(())
    }

    /// A diagnostic as rustc renders one: the message, ` --> file:line:col`, the source line
    /// with a caret under the column (read from `source`, when it is a readable regular file
    /// and the line is plain text of a reasonable length), notes and help.
    fn render(&self, diagnostic: &Diagnostic, source: Option<&Path>) -> String {
        use annotate_snippets::{AnnotationKind, Group, Level, Origin, Snippet};

        let level = match diagnostic.severity {
            Severity::Error => Level::ERROR,
            Severity::Warning => Level::WARNING,
        };
        let title = level.primary_title(diagnostic.message.as_str());
        let mut group = match &diagnostic.location {
            None => Group::with_title(title),
            Some(location) => {
                let path = location.file.display().to_string();
                match source.and_then(|file| source_line(file, location.line)) {
                    Some(line) => {
                        let start = line
                            .char_indices()
                            .nth(location.column.saturating_sub(1))
                            .map_or(line.len(), |(i, _)| i);
                        // The word at the column (an identifier, a key), else one character.
                        let word: usize = line[start..]
                            .chars()
                            .take_while(|c| c.is_alphanumeric() || *c == '_')
                            .map(char::len_utf8)
                            .sum();
                        let end = match word {
                            0 => line[start..]
                                .chars()
                                .next()
                                .map_or(start, |c| start + c.len_utf8()),
                            n => start + n,
                        };
                        title.element(
                            Snippet::source(line)
                                .line_start(location.line)
                                .path(path)
                                .annotation(AnnotationKind::Primary.span(start..end)),
                        )
                    }
                    None => title.element(
                        Origin::path(path)
                            .line(location.line)
                            .char_column(location.column),
                    ),
                }
            }
        };
        for note in &diagnostic.notes {
            group = group.element(Level::NOTE.message(note.as_str()));
        }
        if let Some(help) = &diagnostic.help {
            group = group.element(Level::HELP.message(help.as_str()));
        }
        let renderer = if self.color {
            annotate_snippets::Renderer::styled()
        } else {
            annotate_snippets::Renderer::plain()
        };
        renderer.render(&[group])
    }

    /// `error: message` and the `Caused by:` chain on stderr.
    pub fn error(&self, error: &anyhow::Error) {
        let _ = writeln!(io::stderr(), "{}", self.error_text(error));
    }

    /// The text [`Shell::error`] prints.
    pub fn error_text(&self, error: &anyhow::Error) -> String {
        let mut text = format!("{}: {}", self.paint(RED, "error"), safe(&error.to_string()));
        // A cause whose text its parent already shows (`cannot read x: <io error>`) adds nothing.
        let messages: Vec<String> = error
            .chain()
            .map(|cause| safe(&cause.to_string()).into_owned())
            .collect();
        let causes: Vec<&String> = messages
            .windows(2)
            .filter(|pair| !pair[0].contains(pair[1].as_str()))
            .map(|pair| &pair[1])
            .collect();
        if !causes.is_empty() {
            text.push_str("\n\nCaused by:");
            for cause in causes {
                text.push_str(&format!("\n  {cause}"));
            }
        }
        text
    }
}

/// Line `line` (1-based) of the source file at `path`, when the file is a regular file of at
/// most 16 MiB and the line is at most 500 characters of text without control characters (a
/// minified or binary file shows no snippet, the location is enough).
fn source_line(path: &Path, line: usize) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    if !meta.is_file() || meta.len() > 16 << 20 {
        return None;
    }
    let text = std::fs::read_to_string(path).ok()?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(&text);
    let found = text.lines().nth(line.checked_sub(1)?)?;
    (found.chars().count() <= 500 && !found.chars().any(|c| c.is_control() && c != '\t'))
        .then(|| found.to_owned())
}

/// `text` with the characters that would act on a terminal escaped as Rust does (`\u{1b}`):
/// control characters other than line breaks (an escape sequence in a file name could recolor
/// or rewrite the screen) and the invisible bidirectional controls (U+202E makes text read
/// backwards), as rustc and cargo escape them. Line breaks stay (messages of other tools span
/// lines); [`safe_line`] escapes them too.
pub fn safe(text: &str) -> std::borrow::Cow<'_, str> {
    escape(text, |c| c == '\n')
}

/// [`safe`], with line breaks escaped too: for a file name or a plugin name.
pub fn safe_line(text: &str) -> std::borrow::Cow<'_, str> {
    escape(text, |_| false)
}

fn escape(text: &str, keep: impl Fn(char) -> bool) -> std::borrow::Cow<'_, str> {
    let acts = |c: char| {
        !keep(c)
            && (c.is_control()
                || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'))
    };
    if !text.chars().any(acts) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if acts(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// cargo's `CARGO_TERM_COLOR`, which cargo passes on to subcommands.
fn color_from_env() -> Option<ColorChoice> {
    match std::env::var("CARGO_TERM_COLOR").ok()?.as_str() {
        "always" => Some(ColorChoice::Always),
        "never" => Some(ColorChoice::Never),
        "auto" => Some(ColorChoice::Auto),
        _ => None,
    }
}
