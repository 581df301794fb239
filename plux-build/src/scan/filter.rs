//! `include` / `exclude` glob patterns, matched against file paths and module paths.

use std::path::{Component, Path, PathBuf};

use globset::{Glob, GlobSet, GlobSetBuilder};

use super::{ScanOptions, bad_pattern};
use crate::error::Result;

/// The compiled patterns of one scan.
#[derive(Debug)]
pub(crate) struct Filter {
    include: Option<GlobSet>,
    exclude: Option<GlobSet>,
    crate_name: String,
    package_root: PathBuf,
}

impl Filter {
    /// Compiles `options`' patterns; a bad one is `Error::Config` naming it.
    pub(crate) fn new(
        options: &ScanOptions,
        crate_name: &str,
        package_root: &Path,
    ) -> Result<Self> {
        Ok(Self {
            include: compile(&options.include)?,
            exclude: compile(&options.exclude)?,
            crate_name: crate_name.to_owned(),
            package_root: package_root.to_path_buf(),
        })
    }

    /// Whether the module at `segments` (below the crate root) is excluded by its path.
    pub(crate) fn excludes_module(&self, segments: &[String]) -> bool {
        self.exclude
            .as_ref()
            .is_some_and(|set| self.module_matches(set, segments))
    }

    /// Whether `file` is excluded by its path.
    pub(crate) fn excludes_file(&self, file: &Path) -> bool {
        self.exclude
            .as_ref()
            .is_some_and(|set| set.is_match(self.relative(file)))
    }

    /// Whether declarations of this module are kept (by its own path or its file's); always
    /// true without include patterns. Callers also keep submodules of a kept module.
    pub(crate) fn includes(&self, segments: &[String], file: Option<&Path>) -> bool {
        match &self.include {
            None => true,
            Some(set) => {
                self.module_matches(set, segments)
                    || file.is_some_and(|file| set.is_match(self.relative(file)))
            }
        }
    }

    /// Tries `crate::a::b`, `crate::a::b::` and the same with the crate's name, so that
    /// `crate::a::*` covers module `a` itself and everything below it.
    fn module_matches(&self, set: &GlobSet, segments: &[String]) -> bool {
        let mut tail = String::new();
        for segment in segments {
            tail.push_str("::");
            tail.push_str(segment.strip_prefix("r#").unwrap_or(segment));
        }
        ["crate", self.crate_name.as_str()].iter().any(|head| {
            let path = format!("{head}{tail}");
            set.is_match(&path) || set.is_match(format!("{path}::"))
        })
    }

    /// `file` relative to the package root with `/` separators (as given when outside it).
    fn relative(&self, file: &Path) -> String {
        let relative = file.strip_prefix(&self.package_root).unwrap_or(file);
        let mut out = String::new();
        for component in relative.components() {
            match component {
                Component::Normal(part) => {
                    if !out.is_empty() && !out.ends_with('/') {
                        out.push('/');
                    }
                    out.push_str(&part.to_string_lossy());
                }
                Component::RootDir => out.push('/'),
                Component::ParentDir => {
                    if !out.is_empty() && !out.ends_with('/') {
                        out.push('/');
                    }
                    out.push_str("..");
                }
                Component::CurDir | Component::Prefix(_) => {}
            }
        }
        out
    }
}

fn compile(patterns: &[String]) -> Result<Option<GlobSet>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        let glob = Glob::new(pattern).map_err(|err| bad_pattern(pattern, &err))?;
        builder.add(glob);
    }
    builder
        .build()
        .map(Some)
        .map_err(|err| bad_pattern(&patterns.join(", "), &err))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filter(include: &[&str], exclude: &[&str]) -> Filter {
        let options = ScanOptions {
            include: include.iter().map(|s| s.to_string()).collect(),
            exclude: exclude.iter().map(|s| s.to_string()).collect(),
            include_tests: false,
        };
        Filter::new(&options, "my_crate", Path::new("/pkg")).unwrap()
    }

    fn segs(path: &[&str]) -> Vec<String> {
        path.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn module_patterns_cover_the_module_and_its_subtree() {
        let f = filter(&[], &["crate::legacy::*"]);
        assert!(f.excludes_module(&segs(&["legacy"])));
        assert!(f.excludes_module(&segs(&["legacy", "old"])));
        assert!(!f.excludes_module(&segs(&["legacy_new"])));
        assert!(!f.excludes_module(&[]));
    }

    #[test]
    fn crate_name_works_in_place_of_crate() {
        let f = filter(&[], &["my_crate::legacy"]);
        assert!(f.excludes_module(&segs(&["legacy"])));
        assert!(!f.excludes_module(&segs(&["other"])));
    }

    #[test]
    fn file_patterns_are_relative_to_the_package_root() {
        let f = filter(&[], &["src/legacy/**"]);
        assert!(f.excludes_file(Path::new("/pkg/src/legacy/a.rs")));
        assert!(!f.excludes_file(Path::new("/pkg/src/legacy.rs")));
        assert!(!f.excludes_file(Path::new("/other/src/legacy/a.rs")));
    }

    #[test]
    fn include_is_everything_when_empty() {
        assert!(filter(&[], &[]).includes(&segs(&["x"]), None));
        let f = filter(&["crate::services"], &[]);
        assert!(f.includes(&segs(&["services"]), None));
        assert!(!f.includes(&segs(&["other"]), None));
        assert!(!f.includes(&[], Some(Path::new("/pkg/src/lib.rs"))));
    }

    #[test]
    fn bad_pattern_is_a_config_error_naming_it() {
        let options = ScanOptions {
            exclude: vec!["src/[oops".into()],
            ..ScanOptions::default()
        };
        let err = Filter::new(&options, "c", Path::new("/")).unwrap_err();
        assert!(matches!(err, crate::Error::Config(_)));
        assert!(err.to_string().contains("`src/[oops`"), "{err}");
    }
}
