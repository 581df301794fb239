//! Configuration from `[package.metadata.plux]` and `[workspace.metadata.plux]`, mirroring
//! Python plux's `[tool.plux]`.
//!
//! | key | type | meaning |
//! |---|---|---|
//! | `include` | array of globs | only scan files matching one of them (command-line values add to them) |
//! | `exclude` | array of globs | do not scan matching files (command-line values add to them) |
//! | `registry` | path | the committed registry file, relative to the package |
//! | `mode` | `"committed"` or `"build"` | how the host gets its registry (default: `committed` when `registry` is set, else `build`) |
//! | `include_tests` | bool | also scan `#[cfg(test)]` code |
//!
//! Lists from the workspace table come first, then the package's; single values of the package
//! win over the workspace's. Unknown keys are warnings; wrong types are [`Error::Config`].
//!
//! ```
//! use plux_build::config::{Config, Mode};
//!
//! let package = serde_json::json!({ "plux": { "exclude": ["src/legacy/**"], "registry": "src/plux_registry.rs" } });
//! let workspace = serde_json::json!({ "plux": { "exclude": ["**/generated/**"] } });
//! let (config, warnings) =
//!     Config::from_metadata(&package, &workspace, "Cargo.toml".as_ref(), None).unwrap();
//! assert_eq!(config.exclude, ["**/generated/**", "src/legacy/**"]);
//! assert_eq!(config.mode(), Mode::Committed);
//! assert!(warnings.is_empty());
//! ```

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::diagnostic::Diagnostic;
use crate::error::{Error, Result};
use crate::model::Location;

/// How a host package gets its registration code.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// `cargo plux entrypoints` writes it to the `registry` path, which is committed.
    Committed,
    /// The host's `build.rs` writes it to `OUT_DIR`.
    Build,
}

/// The plux configuration of one package (workspace table merged in).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Config {
    /// Globs of files to scan (empty: all).
    pub include: Vec<String>,
    /// Globs of files not to scan.
    pub exclude: Vec<String>,
    /// The committed registry file, relative to the package root.
    pub registry: Option<PathBuf>,
    /// The explicit mode, if any; see [`Config::mode`].
    pub explicit_mode: Option<Mode>,
    /// Also scan `#[cfg(test)]` code.
    pub include_tests: bool,
}

const KEYS: [&str; 5] = ["include", "exclude", "registry", "mode", "include_tests"];

impl Config {
    /// The mode: the configured one, else `committed` when a `registry` path is set, else `build`.
    pub fn mode(&self) -> Mode {
        self.explicit_mode.unwrap_or(if self.registry.is_some() {
            Mode::Committed
        } else {
            Mode::Build
        })
    }

    /// Reads the `plux` tables out of a package's and the workspace's `metadata` values (as
    /// cargo metadata reports them; `null` when absent). `manifest` names the package's
    /// `Cargo.toml` in messages, `workspace_manifest` the workspace's. Returns the merged config
    /// and warnings for unknown keys.
    pub fn from_metadata(
        package_metadata: &Value,
        workspace_metadata: &Value,
        manifest: &Path,
        workspace_manifest: Option<&Path>,
    ) -> Result<(Self, Vec<Diagnostic>)> {
        let mut config = Self::default();
        let mut warnings = Vec::new();
        let tables = [
            (
                workspace_metadata,
                "workspace.metadata.plux",
                workspace_manifest.unwrap_or(manifest),
            ),
            (package_metadata, "package.metadata.plux", manifest),
        ];
        for (metadata, table, file) in tables {
            let Some(plux) = metadata.get("plux") else {
                continue;
            };
            let Some(plux) = plux.as_object() else {
                return Err(config_error(file, table, None, "must be a table"));
            };
            for (key, value) in plux {
                match key.as_str() {
                    "include" => config.include.extend(globs(value, file, table, key)?),
                    "exclude" => config.exclude.extend(globs(value, file, table, key)?),
                    "registry" => {
                        let path = value.as_str().filter(|s| !s.is_empty()).ok_or_else(|| {
                            config_error(file, table, Some(key), "must be a relative path string")
                        })?;
                        let path = PathBuf::from(path);
                        if path.is_absolute()
                            || path
                                .components()
                                .any(|c| c == std::path::Component::ParentDir)
                        {
                            let leads_to =
                                lexical(&file.parent().unwrap_or(Path::new("")).join(&path));
                            return Err(config_error(
                                file,
                                table,
                                Some(key),
                                &format!(
                                    "must be a path inside the package (relative, no `..`), not `{}` (which leads to `{}`)",
                                    path.display(),
                                    leads_to.display()
                                ),
                            ));
                        }
                        config.registry = Some(path);
                    }
                    "mode" => {
                        config.explicit_mode = Some(match value.as_str() {
                            Some("committed") => Mode::Committed,
                            Some("build") => Mode::Build,
                            _ => {
                                return Err(config_error(
                                    file,
                                    table,
                                    Some(key),
                                    "must be \"committed\" or \"build\"",
                                ));
                            }
                        });
                    }
                    "include_tests" => {
                        config.include_tests = value.as_bool().ok_or_else(|| {
                            config_error(file, table, Some(key), "must be `true` or `false`")
                        })?;
                    }
                    _ => warnings.push(
                        Diagnostic::warning(
                            Some(key_location(file, key)),
                            format!("unknown key `{}` in `[{table}]`", key.escape_debug()),
                        )
                        .with_help(format!(
                            "known keys: {}",
                            KEYS.map(|k| format!("`{k}`")).join(", ")
                        )),
                    ),
                }
            }
        }
        Ok((config, warnings))
    }

    /// The globs of files the scanner skips: `exclude`, and the committed `registry` file.
    /// The registry is generated code that declares no plugins, and it may not exist yet: the
    /// first `cargo plux entrypoints` writes it, while `main.rs` already has `mod plux_registry;`.
    ///
    /// ```
    /// use plux_build::config::Config;
    ///
    /// let config = Config { registry: Some("src/[gen]/reg.rs".into()), ..Config::default() };
    /// assert_eq!(config.scan_exclude(), ["src/[[]gen[]]/reg.rs"]);
    /// ```
    pub fn scan_exclude(&self) -> Vec<String> {
        let mut exclude = self.exclude.clone();
        if let Some(registry) = &self.registry {
            let path = registry.to_string_lossy().replace('\\', "/");
            exclude.push(globset::escape(&path));
        }
        exclude
    }

    /// Adds command-line globs to the configured ones, checking that they parse.
    pub fn add_globs(&mut self, include: &[String], exclude: &[String]) -> Result<()> {
        for glob in include.iter().chain(exclude) {
            check_glob(glob).map_err(|e| {
                Error::Config(format!(
                    "bad glob `{}` on the command line: {e}",
                    glob.escape_debug()
                ))
            })?;
        }
        self.include.extend(include.iter().cloned());
        self.exclude.extend(exclude.iter().cloned());
        Ok(())
    }
}

/// `path` with `.` and `..` applied lexically (for messages only).
fn lexical(path: &Path) -> PathBuf {
    let mut out = PathBuf::new();
    for component in path.components() {
        match component {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                if !out.pop() {
                    out.push("..");
                }
            }
            other => out.push(other),
        }
    }
    out
}

fn config_error(file: &Path, table: &str, key: Option<&str>, what: &str) -> Error {
    let subject = match key {
        Some(key) => format!("`{}` in `[{table}]`", key.escape_debug()),
        None => format!("`[{table}]`"),
    };
    Error::Config(format!(
        "{subject} of `{}` {what}; fix the manifest",
        file.display()
    ))
}

fn check_glob(glob: &str) -> std::result::Result<(), globset::Error> {
    globset::GlobBuilder::new(glob)
        .literal_separator(true)
        .build()
        .map(drop)
}

fn globs(value: &Value, file: &Path, table: &str, key: &str) -> Result<Vec<String>> {
    let list = value
        .as_array()
        .and_then(|items| {
            items
                .iter()
                .map(|v| v.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
        })
        .ok_or_else(|| config_error(file, table, Some(key), "must be an array of glob strings"))?;
    for glob in &list {
        if let Err(e) = check_glob(glob) {
            return Err(config_error(
                file,
                table,
                Some(key),
                &format!("has a bad glob `{}` ({e})", glob.escape_debug()),
            ));
        }
    }
    Ok(list)
}

/// Best effort: the line of `key =` in the manifest (after a `plux` table header), else line 1.
fn key_location(file: &Path, key: &str) -> Location {
    let text = std::fs::read_to_string(file).unwrap_or_default();
    let mut in_plux = false;
    let mut found = (1, 1);
    for (i, line) in text.lines().enumerate() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('[') {
            in_plux = trimmed.contains("metadata.plux");
        } else if in_plux
            && trimmed
                .strip_prefix(key)
                .is_some_and(|rest| rest.trim_start().starts_with('='))
        {
            found = (i + 1, line.len() - trimmed.len() + 1);
            break;
        }
    }
    Location {
        file: file.to_owned(),
        line: found.0,
        column: found.1,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use serde_json::json;

    use super::*;

    fn read(package: Value) -> Result<(Config, Vec<Diagnostic>)> {
        Config::from_metadata(
            &json!({ "plux": package }),
            &Value::Null,
            "Cargo.toml".as_ref(),
            None,
        )
    }

    #[test]
    fn all_keys_are_read() {
        let (config, warnings) = read(json!({
            "include": ["src/**"], "exclude": ["src/old.rs"], "registry": "src/reg.rs",
            "mode": "build", "include_tests": true
        }))
        .unwrap();
        assert!(warnings.is_empty());
        assert_eq!(config.include, ["src/**"]);
        assert_eq!(config.exclude, ["src/old.rs"]);
        assert_eq!(config.registry.as_deref(), Some(Path::new("src/reg.rs")));
        assert_eq!(config.mode(), Mode::Build);
        assert!(config.include_tests);
    }

    #[test]
    fn default_mode_follows_registry() {
        assert_eq!(read(json!({})).unwrap().0.mode(), Mode::Build);
        assert_eq!(
            read(json!({"registry": "r.rs"})).unwrap().0.mode(),
            Mode::Committed
        );
    }

    #[test]
    fn unknown_keys_warn() {
        let (_, warnings) = read(json!({"exclued": ["x"]})).unwrap();
        assert_eq!(warnings.len(), 1);
        assert_eq!(
            warnings[0].message,
            "unknown key `exclued` in `[package.metadata.plux]`"
        );
    }

    #[test]
    fn wrong_types_are_config_errors() {
        for (bad, expect) in [
            (
                json!({"include": "src/**"}),
                "`include` in `[package.metadata.plux]` of `Cargo.toml` must be an array of glob strings; fix the manifest",
            ),
            (
                json!({"mode": "manual"}),
                "`mode` in `[package.metadata.plux]` of `Cargo.toml` must be \"committed\" or \"build\"; fix the manifest",
            ),
            (
                json!({"include_tests": "yes"}),
                "`include_tests` in `[package.metadata.plux]` of `Cargo.toml` must be `true` or `false`; fix the manifest",
            ),
            (
                json!({"registry": "../x.rs"}),
                "`registry` in `[package.metadata.plux]` of `Cargo.toml` must be a path inside the package (relative, no `..`), not `../x.rs` (which leads to `../x.rs`); fix the manifest",
            ),
            (json!({"exclude": ["a[b"]}), "bad glob"),
            (
                json!(3),
                "`[package.metadata.plux]` of `Cargo.toml` must be a table",
            ),
        ] {
            let Err(Error::Config(message)) = read(bad) else {
                panic!("expected a config error")
            };
            assert!(message.contains(expect), "{message}");
        }
    }

    #[test]
    fn command_line_globs_add_to_config() {
        let mut config = read(json!({"exclude": ["a/**"]})).unwrap().0;
        config
            .add_globs(&["src/**".into()], &["b/**".into()])
            .unwrap();
        assert_eq!(config.exclude, ["a/**", "b/**"]);
        assert_eq!(config.include, ["src/**"]);
        assert!(matches!(
            config.add_globs(&["{".into()], &[]),
            Err(Error::Config(_))
        ));
    }
}
