#!/usr/bin/env python3
"""Deterministic benchmark workspace for the scanner (bench/scan.sh).

    bench/gen_workspace.py OUT_DIR [CRATES]

CRATES (default 200) packages, each 50 files (lib.rs, 7 modules with 6 submodules each), about
100 lines per file: 10,000 files and ~1M lines by default. 10 files per crate (2,000 in all)
declare plugins (one of the three forms each); the rest is ordinary code with `mod`, `const`,
`#[cfg(test)]` test modules, strings and comments, so the scanner's prefilter has work to do.
Same arguments, same bytes: no randomness.
"""
import os
import sys

FILLER = '''
/// Settings of {ty}.
#[derive(Debug, Clone, Default)]
pub struct {ty}Settings {{
    pub name: String,
    pub retries: u32,
    pub endpoints: Vec<String>,
    pub labels: std::collections::BTreeMap<String, String>,
}}

pub const {ty_upper}_LIMIT: usize = {n};
const {ty_upper}_PREFIX: &str = "{ty}:";

impl {ty}Settings {{
    /// Builds settings with defaults.
    pub fn new(name: &str) -> Self {{
        let mut endpoints = Vec::new();
        for i in 0..{n} {{
            endpoints.push(format!("http://localhost:{{}}/{{}}", 4566 + i, name));
        }}
        Self {{ name: name.to_owned(), retries: {n}, endpoints, labels: Default::default() }}
    }}

    /// Whether the settings are usable (the name is not "}}" or a /* comment */).
    pub fn is_valid(&self) -> bool {{
        !self.name.is_empty()
            && self.retries < 100
            && self.endpoints.iter().all(|e| e.starts_with("http"))
            && self.name != "}}"
    }}

    pub fn describe(&self) -> String {{
        let mut out = String::from({ty_upper}_PREFIX);
        for (k, v) in &self.labels {{
            out.push_str(&format!("{{k}}={{v}};"));
        }}
        match self.retries {{
            0 => out.push_str(" never"),
            1..=3 => out.push_str(" a few times"),
            _ => out.push_str(" often"),
        }}
        out
    }}
}}

// A comment with a brace {{ and a quote " that the skimmer must not trip over.
pub fn helper_{m}(values: &[u64]) -> u64 {{
    values
        .iter()
        .copied()
        .filter(|v| v % 3 == 0)
        .map(|v| v.wrapping_mul(2))
        .fold(0u64, |acc, v| acc.wrapping_add(v))
}}

pub enum {ty}Event {{
    Started {{ at: u64 }},
    Stopped(u64, String),
    Failed {{ reason: String, code: i32 }},
}}

impl std::fmt::Display for {ty}Event {{
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{
        match self {{
            Self::Started {{ at }} => write!(f, "started at {{at}}"),
            Self::Stopped(at, why) => write!(f, "stopped at {{at}}: {{why}}"),
            Self::Failed {{ reason, code }} => write!(f, "failed ({{code}}): {{reason}}"),
        }}
    }}
}}

/// Parses `key=value` pairs, one per line; `#` starts a comment.
pub fn parse_{m}(text: &str) -> Result<Vec<(String, String)>, String> {{
    let mut out = Vec::new();
    for (number, line) in text.lines().enumerate() {{
        let line = match line.split_once('#') {{
            Some((before, _)) => before,
            None => line,
        }}
        .trim();
        if line.is_empty() {{
            continue;
        }}
        let Some((key, value)) = line.split_once('=') else {{
            return Err(format!("line {{}}: expected `key=value`", number + 1));
        }};
        if key.trim().is_empty() {{
            return Err(format!("line {{}}: empty key", number + 1));
        }}
        out.push((key.trim().to_owned(), value.trim().to_owned()));
    }}
    out.sort();
    out.dedup_by(|a, b| a.0 == b.0);
    Ok(out)
}}

pub const fn {ty_lower}_default_port() -> u16 {{
    4566 + {n} as u16
}}
'''

TESTS = '''
#[cfg(test)]
mod tests {{
    use super::*;

    #[test]
    fn settings_are_valid() {{
        assert!({ty}Settings::new("x").is_valid());
        assert_eq!(helper_{m}(&[3, 6, 7]), 18);
    }}
}}
'''

PLUGINS = [
    '''
#[plux_runtime::plugin(namespace = "bench.ns{ns}", name = "p{c}_{k}")]
impl ServicePlugin for {ty}Settings {{}}
''',
    '''
pub static SPEC_{c}_{k}: plux_runtime::PluginSpec<dyn ServicePlugin> =
    plux_runtime::PluginSpec::new("bench.ns{ns}", "p{c}_{k}", || Box::new({ty}Settings::default()));
''',
    '''
#[plux_runtime::plugin(namespace = "bench.hooks{ns}", name = "p{c}_{k}")]
pub fn hook_{c}_{k}() {{}}
''',
]


def main():
    out = sys.argv[1]
    crates = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "Cargo.toml"), "w") as f:
        f.write('[workspace]\nresolver = "3"\nmembers = ["crates/*"]\n')
    for c in range(crates):
        root = os.path.join(out, "crates", f"gen-{c:03}")
        src = os.path.join(root, "src")
        os.makedirs(src, exist_ok=True)
        with open(os.path.join(root, "Cargo.toml"), "w") as f:
            f.write(f'[package]\nname = "gen-{c:03}"\nversion = "0.1.0"\nedition = "2021"\n\n[dependencies]\n')
        files = {}
        lib = "//! Generated crate.\n" + "".join(f"pub mod a{i};\n" for i in range(7))
        files["lib.rs"] = lib
        leaves = []
        for i in range(7):
            # Alternate both layouts: `a0/mod.rs` and `a1.rs` + `a1/`.
            parent = f"a{i}/mod.rs" if i % 2 == 0 else f"a{i}.rs"
            files[parent] = "".join(f"pub mod b{j};\n" for j in range(6))
            for j in range(6):
                leaves.append(f"a{i}/b{j}.rs")
        files_with_plugins = set(range(0, 49, 5))  # 10 of the 49 non-root files
        for n, path in enumerate(list(files)[1:] + leaves):
            ty = f"T{c}x{n}"
            body = files.get(path, "") + FILLER.format(
                ty=ty, ty_upper=ty.upper(), ty_lower=ty.lower(), n=n + 1, m=n)
            if n % 3 == 0:
                body += TESTS.format(ty=ty, m=n)
            if n in files_with_plugins:
                k = n // 5
                body += PLUGINS[(c + k) % 3].format(ns=c % 5, c=c, k=k, ty=ty)
            files[path] = body
        for path, text in files.items():
            full = os.path.join(src, path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(text)


if __name__ == "__main__":
    main()
