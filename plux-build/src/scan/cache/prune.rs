//! Keeping cache directories to what runs use: the temporary files of killed runs, files no
//! run has used for a week and the directories of workspaces no run has scanned for a week are
//! removed at the end of a run ([`Cache::tidy`]).
//!
//! The rules:
//!
//! - **Temporary files** (`.tmp…`) in the run's cache directory whose last write is more than
//!   [`LEFTOVER`] ago are removed by a run that wrote to the directory (a killed run leaves its
//!   cache unwritten, so the next run writes), and by the daily pruning: a run writes a cache
//!   file in one go and renames it at once, so such a file is what a killed run left (removing
//!   a live run's file would only cost it that cache write, whose errors are ignored). A run
//!   that wrote nothing lists nothing: a warm run costs one `stat` here.
//! - **Use** is a file's modification time: a cache file a run used without rewriting it is
//!   touched when it was last written more than [`REFRESH`] ago.
//! - **Pruning**, at most once per [`REFRESH`] per cache directory (the mtime of its `pruned`
//!   file says when it last happened): its cache files (`*.bin`, `unreached.memo`) that this
//!   run did not use and that were not written or touched for [`UNUSED`] are removed. Under
//!   `<target-dir>/plux/scan-cache-v1`, where each workspace has a directory of its own (its
//!   scope), the directory of another workspace whose `pruned` file (or, without one, the
//!   directory) is older than [`UNUSED`] is removed whole: every run refreshes its own
//!   workspace's `pruned` file at least once a day. Cache files of the layout before scopes
//!   (directly in `scan-cache-v1`) are removed: no run of this build reads them.
//!
//! Every error is ignored: a cache that cannot be tidied is still correct.

use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::{Cache, lock};

/// How long after its last write a temporary file counts as a killed run's.
pub(crate) const LEFTOVER: Duration = Duration::from_secs(60);
/// How old a used file's mtime may get before a run touches it, and how often a cache
/// directory is pruned.
pub(crate) const REFRESH: Duration = Duration::from_secs(24 * 3600);
/// How long a cache file, or a workspace's cache directory, may go unused before it is
/// removed.
pub(crate) const UNUSED: Duration = Duration::from_secs(7 * 24 * 3600);

/// The file whose mtime says when a cache directory was last pruned.
const PRUNED: &str = "pruned";

/// The cache files a run used: each with its modification time when it was read, or `None`
/// when the run wrote it (or its time is unknown).
#[derive(Debug, Default)]
pub(crate) struct Used(Mutex<HashMap<PathBuf, Option<SystemTime>>>);

impl Used {
    /// Notes that the run used `file`, last modified at `modified` (`None`: just written).
    pub(crate) fn note(&self, file: &Path, modified: Option<SystemTime>) {
        let mut used = lock(&self.0);
        let entry = used.entry(file.to_path_buf()).or_insert(modified);
        if modified.is_none() {
            *entry = None;
        }
    }
}

/// Whether `time` is more than `age` before `now` (a time in the future is not).
fn older(time: SystemTime, now: SystemTime, age: Duration) -> bool {
    now.duration_since(time).is_ok_and(|elapsed| elapsed > age)
}

fn modified(path: &Path) -> Option<SystemTime> {
    fs::symlink_metadata(path).ok()?.modified().ok()
}

/// A cache file name of this layout (or of the one before scopes).
fn cache_file(name: &str) -> bool {
    name.ends_with(".bin") || name == "unreached.memo"
}

/// A workspace scope's directory name: 16 hexadecimal digits.
pub(crate) fn scope_name(name: &str) -> bool {
    name.len() == 16 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

impl Cache {
    /// Tidies the cache directory at the end of a run (see the module docs): touches the files
    /// this run used, removes killed runs' temporary files and, once a day, what no run used
    /// for a week. Errors are ignored.
    pub fn tidy(&self) {
        self.tidy_at(SystemTime::now());
    }

    pub(crate) fn tidy_at(&self, now: SystemTime) {
        let used = std::mem::take(&mut *lock(&self.used.0));
        for (file, modified) in &used {
            if modified.is_some_and(|m| older(m, now, REFRESH)) {
                let _ = crate::fsx::touch(file);
            }
        }
        let wrote = used.values().any(Option::is_none);
        let marker = self.dir.join(PRUNED);
        let prune = modified(&marker).is_none_or(|m| older(m, now, REFRESH));
        if !(wrote || prune) {
            return;
        }
        let Ok(entries) = fs::read_dir(&self.dir) else {
            return;
        };
        if prune {
            // Written first: a run starting now need not prune too.
            let _ = fs::write(&marker, b"");
        }
        for entry in entries.flatten() {
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let path = entry.path();
            let stale = if name.starts_with(".tmp") {
                modified(&path).is_some_and(|m| older(m, now, LEFTOVER))
            } else {
                prune
                    && cache_file(name)
                    && !used.contains_key(&path)
                    && modified(&path).is_some_and(|m| older(m, now, UNUSED))
            };
            if stale && entry.file_type().is_ok_and(|t| t.is_file()) {
                let _ = fs::remove_file(&path);
            }
        }
        if prune && self.scoped {
            self.prune_scopes(now);
        }
    }

    /// Removes other workspaces' directories unused for [`UNUSED`], and cache files of the
    /// layout before scopes, from the directory above this scope.
    fn prune_scopes(&self, now: SystemTime) {
        let Some(all) = self.dir.parent() else {
            return;
        };
        let Ok(entries) = fs::read_dir(all) else {
            return;
        };
        for entry in entries.flatten() {
            let Ok(kind) = entry.file_type() else {
                continue;
            };
            let name = entry.file_name();
            let Some(name) = name.to_str() else { continue };
            let path = entry.path();
            if kind.is_dir() && scope_name(name) && path != self.dir {
                let last = modified(&path.join(PRUNED)).or_else(|| modified(&path));
                if last.is_some_and(|m| older(m, now, UNUSED)) {
                    let _ = fs::remove_dir_all(&path);
                }
            } else if kind.is_file() && (cache_file(name) || name.starts_with(".tmp")) {
                let _ = fs::remove_file(&path);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    fn set_mtime(path: &Path, time: SystemTime) {
        let file = match path.is_dir() {
            true => fs::File::open(path).unwrap(),
            false => fs::File::options().write(true).open(path).unwrap(),
        };
        file.set_modified(time).unwrap();
    }

    /// A file at `path` last written `age` ago.
    fn file(path: &Path, age: Duration) {
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, b"x").unwrap();
        set_mtime(path, SystemTime::now() - age);
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    const MINUTE: Duration = Duration::from_secs(60);
    const DAY: Duration = Duration::from_secs(24 * 3600);

    #[test]
    fn temporary_files_of_killed_runs_are_removed_and_a_live_runs_are_kept() {
        let target = tempfile::tempdir().unwrap();
        let cache = Cache::in_target_dir(target.path(), Path::new("/ws"));
        file(&cache.dir().join(".tmpkilled"), 2 * MINUTE);
        file(&cache.dir().join(".tmplive"), Duration::ZERO);
        file(&cache.dir().join(PRUNED), Duration::ZERO);
        // A run that wrote nothing does not look.
        cache.tidy();
        assert_eq!(names(cache.dir()), [".tmpkilled", ".tmplive", PRUNED]);
        // One that wrote removes them, pruning or not.
        file(&cache.dir().join("new.bin"), Duration::ZERO);
        cache.used.note(&cache.dir().join("new.bin"), None);
        cache.tidy();
        assert_eq!(names(cache.dir()), [".tmplive", "new.bin", PRUNED]);
    }

    #[test]
    fn what_no_run_used_for_a_week_is_removed_once_a_day() {
        let target = tempfile::tempdir().unwrap();
        let cache = Cache::in_target_dir(target.path(), Path::new("/ws"));
        let all = cache.dir().parent().unwrap().to_path_buf();
        let dir = cache.dir();
        file(&dir.join("used.bin"), 8 * DAY);
        file(&dir.join("unused.bin"), 8 * DAY);
        file(&dir.join("recent.bin"), 6 * DAY);
        file(&dir.join("unreached.memo"), 8 * DAY);
        file(&dir.join("notes.txt"), 30 * DAY);
        // Other workspaces: one used yesterday, one a week ago, one without a `pruned` file.
        let (recent, old, bare) = ("00000000000000aa", "00000000000000bb", "00000000000000cc");
        file(&all.join(recent).join(PRUNED), DAY);
        file(&all.join(recent).join("x.bin"), 30 * DAY);
        file(&all.join(old).join(PRUNED), 8 * DAY);
        file(&all.join(bare).join("x.bin"), 8 * DAY);
        set_mtime(&all.join(bare), SystemTime::now() - 8 * DAY);
        fs::create_dir(all.join("not-a-scope")).unwrap();
        // The layout before scopes.
        file(&all.join("0123.bin"), Duration::ZERO);
        file(&all.join("unreached.memo"), Duration::ZERO);

        cache
            .used
            .note(&dir.join("used.bin"), Some(SystemTime::now() - 8 * DAY));
        cache.tidy();
        let mut kept = names(dir);
        kept.retain(|n| n != PRUNED);
        assert_eq!(kept, ["notes.txt", "recent.bin", "used.bin"]);
        let touched = fs::metadata(dir.join("used.bin"))
            .unwrap()
            .modified()
            .unwrap();
        assert!(!older(touched, SystemTime::now(), MINUTE), "used: touched");
        assert_eq!(
            names(&all),
            [
                recent,
                dir.file_name().unwrap().to_str().unwrap(),
                "not-a-scope"
            ]
        );
        assert_eq!(names(&all.join(recent)), ["pruned", "x.bin"]);

        // Pruned today already: a file that ages past the week stays until tomorrow.
        set_mtime(&dir.join("recent.bin"), SystemTime::now() - 8 * DAY);
        cache.tidy();
        assert!(dir.join("recent.bin").exists());
        set_mtime(&dir.join(PRUNED), SystemTime::now() - 2 * DAY);
        cache.tidy();
        assert!(!dir.join("recent.bin").exists());
    }

    #[test]
    fn a_used_file_is_touched_when_its_mtime_is_a_day_old() {
        let target = tempfile::tempdir().unwrap();
        let cache = Cache::new(target.path());
        let (fresh, stale) = (target.path().join("a.bin"), target.path().join("b.bin"));
        let hour_ago = SystemTime::now() - Duration::from_secs(3600);
        file(&fresh, Duration::from_secs(3600));
        file(&stale, 2 * DAY);
        cache.used.note(&fresh, Some(hour_ago));
        cache.used.note(&stale, Some(SystemTime::now() - 2 * DAY));
        cache.tidy();
        let mtime = |p: &Path| fs::metadata(p).unwrap().modified().unwrap();
        assert!(
            older(mtime(&fresh), SystemTime::now(), MINUTE),
            "not touched"
        );
        assert!(!older(mtime(&stale), SystemTime::now(), MINUTE), "touched");
    }
}
