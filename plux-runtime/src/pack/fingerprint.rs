//! Build fingerprints: how a binary's copy of plux-runtime was compiled, compared between a host
//! and a pack before any of the pack's Rust code or data is used.

use std::fmt;

/// One component of a fingerprint, in the order they are compared, with what a user does when
/// the pack's differs from the host's.
struct Component {
    key: &'static str,
    what: &'static str,
    fix: &'static str,
}

/// The components, most telling first: the first one that differs is the one reported.
const COMPONENTS: &[Component] = &[
    Component {
        key: "rustc",
        what: "rustc",
        fix: "rebuild the pack with the host's toolchain",
    },
    Component {
        key: "llvm",
        what: "LLVM",
        fix: "rebuild the pack with the host's toolchain",
    },
    Component {
        key: "target",
        what: "target",
        fix: "rebuild the pack for the host's target (`--target`)",
    },
    Component {
        key: "panic",
        what: "panic strategy",
        fix: "rebuild the pack with the host's `panic` setting in its profile",
    },
    Component {
        key: "profile",
        what: "profile",
        fix: "rebuild the pack with the host's profile (`cargo plux pack --release` for a release host)",
    },
    Component {
        key: "opt-level",
        what: "opt-level",
        fix: "rebuild the pack with the host's profile settings",
    },
    Component {
        key: "debug-assertions",
        what: "debug-assertions",
        fix: "rebuild the pack with the host's profile settings",
    },
    Component {
        key: "target-features",
        what: "target features",
        fix: "rebuild the pack with the host's `-C target-cpu` / `-C target-feature` flags",
    },
    Component {
        key: "plux-runtime",
        what: "plux-runtime",
        fix: "rebuild the pack against the host's version of plux-runtime",
    },
    Component {
        key: "plux-runtime-features",
        what: "plux-runtime features",
        fix: "enable the same features of plux-runtime in the pack as in the host",
    },
];

/// How a binary's copy of plux-runtime was compiled: the toolchain (rustc release, commit,
/// LLVM), target and target features, panic strategy, profile (name, opt-level,
/// debug-assertions) and plux-runtime's version and features.
///
/// A pack embeds its fingerprint in its library and writes it into its manifest; a host
/// refuses a pack whose fingerprint is not its own, naming the first component that differs.
///
/// ```
/// # #[cfg(feature = "packs")] {
/// let host = plux_runtime::pack::Fingerprint::host();
/// assert!(host.get("rustc").is_some());
/// assert_eq!(host.get("plux-runtime"), Some(env!("CARGO_PKG_VERSION")));
/// # }
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fingerprint {
    components: Vec<(String, String)>,
}

/// The first component in which a pack's fingerprint differs from the host's.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Mismatch {
    what: &'static str,
    pack: String,
    host: String,
    fix: &'static str,
}

impl Mismatch {
    /// The component that differs, as messages name it (`rustc`, `profile`, ...).
    pub(crate) fn component(&self) -> &'static str {
        self.what
    }
}

impl fmt::Display for Mismatch {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "it was built with {} {}, the host with {} {}; {}",
            self.what, self.pack, self.what, self.host, self.fix
        )
    }
}

impl Fingerprint {
    /// The fingerprint of this binary.
    pub fn host() -> &'static Fingerprint {
        static HOST: std::sync::OnceLock<Fingerprint> = std::sync::OnceLock::new();
        HOST.get_or_init(|| Self::parse(super::abi::FINGERPRINT))
    }

    /// Reads the encoded form (`key=value` pairs joined by `;`, as plux-runtime's build script
    /// writes it into `PLUX_PACK_FINGERPRINT`); a part without `=` is kept as a key with an
    /// empty value, so that it differs from any real fingerprint.
    ///
    /// ```
    /// use plux_runtime::pack::Fingerprint;
    ///
    /// let fingerprint = Fingerprint::parse("rustc=1.95.0 (59807616e 2026-04-14);panic=unwind");
    /// assert_eq!(fingerprint.get("panic"), Some("unwind"));
    /// ```
    pub fn parse(encoded: &str) -> Self {
        let components = encoded
            .split(';')
            .filter(|part| !part.is_empty())
            .map(|part| match part.split_once('=') {
                Some((key, value)) => (key.to_owned(), value.to_owned()),
                None => (part.to_owned(), String::new()),
            })
            .collect();
        Self { components }
    }

    /// A fingerprint from `(key, value)` pairs (a manifest's).
    pub(crate) fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Self {
        Self {
            components: pairs.into_iter().collect(),
        }
    }

    /// The value of one component (`rustc`, `target`, `profile`, `plux-runtime`, ...).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.components
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Every component, in the order it was written.
    pub fn components(&self) -> impl Iterator<Item = (&str, &str)> {
        self.components
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// How `self` (a pack's) differs from `host`: the first differing known component, else
    /// any other difference; `None` when they are equal.
    pub(crate) fn mismatch(&self, host: &Fingerprint) -> Option<Mismatch> {
        for component in COMPONENTS {
            let (pack, ours) = (self.get(component.key), host.get(component.key));
            if pack != ours {
                return Some(Mismatch {
                    what: component.what,
                    pack: shown(component.key, pack),
                    host: shown(component.key, ours),
                    fix: component.fix,
                });
            }
        }
        let mut pack: Vec<_> = self.components().collect();
        let mut ours: Vec<_> = host.components().collect();
        pack.sort_unstable();
        ours.sort_unstable();
        (pack != ours).then(|| Mismatch {
            what: "fingerprint",
            pack: format!("`{}`", encode(&pack)),
            host: format!("`{}`", encode(&ours)),
            fix: "rebuild the pack with the host's plux-runtime and toolchain",
        })
    }
}

fn encode(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join(";")
}

/// A component's value as messages show it: rustc like `rustc -V` does (short commit hash).
fn shown(key: &str, value: Option<&str>) -> String {
    let Some(value) = value else {
        return "(none recorded)".to_owned();
    };
    if key == "rustc"
        && let Some((release, rest)) = value.split_once(" (")
        && let Some((commit, date)) = rest.trim_end_matches(')').split_once(' ')
    {
        let short = commit.get(..9).unwrap_or(commit);
        return format!("{release} ({short} {date})");
    }
    if value.is_empty() {
        "(none)".to_owned()
    } else {
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::Fingerprint;

    const HOST: &str = "rustc=1.96.0 (0123456789abcdef 2026-06-01);llvm=20.1;target=x86_64-unknown-linux-gnu;target-features=sse,sse2;panic=unwind;profile=debug;opt-level=0;debug-assertions=on;plux-runtime=0.1.0;plux-runtime-features=packs";

    #[test]
    fn equal_fingerprints_do_not_mismatch_whatever_their_order() {
        let host = Fingerprint::parse(HOST);
        let mut parts: Vec<_> = HOST.split(';').collect();
        parts.reverse();
        assert_eq!(Fingerprint::parse(&parts.join(";")).mismatch(&host), None);
    }

    #[test]
    fn the_first_differing_component_is_named_with_both_values_and_the_fix() {
        let host = Fingerprint::parse(HOST);
        let pack = Fingerprint::parse(
            &HOST
                .replace("1.96.0 (0123456789abcdef", "1.95.0 (fedcba9876543210")
                .replace("debug", "release"),
        );
        assert_eq!(
            pack.mismatch(&host).unwrap().to_string(),
            "it was built with rustc 1.95.0 (fedcba987 2026-06-01), the host with rustc 1.96.0 (012345678 2026-06-01); rebuild the pack with the host's toolchain"
        );
        let pack = Fingerprint::parse(&HOST.replace("profile=debug", "profile=release"));
        assert_eq!(
            pack.mismatch(&host).unwrap().to_string(),
            "it was built with profile release, the host with profile debug; rebuild the pack with the host's profile (`cargo plux pack --release` for a release host)"
        );
    }

    #[test]
    fn a_missing_or_unknown_component_is_a_mismatch() {
        let host = Fingerprint::parse(HOST);
        let pack = Fingerprint::parse(&HOST.replace(";panic=unwind", ""));
        assert!(
            pack.mismatch(&host)
                .unwrap()
                .to_string()
                .contains("panic strategy (none recorded), the host with panic strategy unwind")
        );
        let pack = Fingerprint::parse(&format!("{HOST};allocator=custom"));
        assert!(
            pack.mismatch(&host)
                .unwrap()
                .to_string()
                .starts_with("it was built with fingerprint `allocator=custom;")
        );
    }
}
