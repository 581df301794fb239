//! `cargo plux list` and `cargo plux resolve --namespace NS`.

use std::path::PathBuf;

use clap::Args;

use crate::args::GlobalArgs;
use crate::shell::{Shell, safe_line};
use plux_build::Kind;
use plux_build::ops::{self, Listed};

/// List all plugins by namespace.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// List the plugins of the packs installed in DIR instead (a pack directory, or a
    /// directory of packs; repeatable, read in order like `PLUX_PACK_PATH`); no library is loaded
    #[arg(long, value_name = "DIR")]
    pub packs: Vec<PathBuf>,
}

/// List the plugins of one namespace.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The plugin namespace
    #[arg(long, value_name = "NS")]
    pub namespace: String,
    /// Resolve among the plugins of the packs installed in DIR instead (repeatable)
    #[arg(long, value_name = "DIR")]
    pub packs: Vec<PathBuf>,
}

/// Runs `list`.
pub fn exec(args: &ListArgs, global: &GlobalArgs, shell: &Shell) -> anyhow::Result<i32> {
    if args.packs.is_empty() {
        print(global, shell, None)
    } else {
        print_packs(&args.packs, shell, None)
    }
}

/// Runs `resolve`.
pub fn exec_resolve(args: &ResolveArgs, global: &GlobalArgs, shell: &Shell) -> anyhow::Result<i32> {
    if args.packs.is_empty() {
        print(global, shell, Some(&args.namespace))
    } else {
        print_packs(&args.packs, shell, Some(&args.namespace))
    }
}

/// Lists the plugins of installed packs from their `plux.json` (as a host lists them); a
/// directory or pack that cannot be read is an error (exit 1), the others are still listed.
fn print_packs(dirs: &[PathBuf], shell: &Shell, namespace: Option<&str>) -> anyhow::Result<i32> {
    let finder = ops::installed_packs(dirs);
    let mut text = String::new();
    let mut count = 0;
    for pack in finder.packs() {
        let dir = shell.shown(pack.dir());
        let manifest = pack.manifest();
        let fingerprint = manifest.as_ref().map(|m| m.fingerprint()).ok();
        let built = |key| {
            fingerprint
                .as_ref()
                .and_then(|f| f.get(key))
                .unwrap_or("?")
                .to_owned()
        };
        let version = pack.version().unwrap_or("?");
        for (ns, name, value) in pack.plugins() {
            if namespace.is_some_and(|wanted| wanted != ns) {
                continue;
            }
            count += 1;
            if shell.json() {
                shell.json_line(&serde_json::json!({
                    "reason": "plux-pack-plugin",
                    "pack": pack.name(),
                    "version": version,
                    "dir": dir,
                    "namespace": ns,
                    "name": name,
                    "value": value,
                    "rustc": built("rustc"),
                    "target": built("target"),
                    "profile": built("profile"),
                }))?;
            } else {
                text.push_str(&format!(
                    "{ns}:{} = {value} [pack {} {}] ({})\n",
                    safe_line(name),
                    safe_line(pack.name()),
                    version,
                    safe_line(&dir)
                ));
            }
        }
    }
    super::print(&text)?;
    let manifests = finder.packs().iter().filter_map(|p| p.manifest().err());
    let errors: Vec<_> = finder.errors().iter().cloned().chain(manifests).collect();
    for error in &errors {
        shell.error(&anyhow::anyhow!("{error}"));
    }
    if count == 0 && errors.is_empty() {
        match namespace {
            Some(ns) => shell.note(&format!("no pack plugins in namespace `{ns}`")),
            None => shell.note("no packs found"),
        }
    }
    Ok(i32::from(!errors.is_empty()))
}

fn print(global: &GlobalArgs, shell: &Shell, namespace: Option<&str>) -> anyhow::Result<i32> {
    let (listed, diagnostics) = ops::list(&global.options(), namespace)?;
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    shell.diagnostics(&diagnostics)?;
    let mut text = String::new();
    for Listed {
        package,
        declaration: d,
    } in &listed
    {
        let kind = match d.kind {
            Kind::Spec => "spec",
            Kind::Type => "type",
            Kind::Function => "fn",
        };
        let file = shell.shown(&d.location.file);
        if shell.json() {
            shell.json_line(&serde_json::json!({
                "reason": "plux-plugin",
                "package": package,
                "namespace": d.namespace,
                "name": d.name,
                "value": d.value,
                "kind": kind,
                "cfg": d.cfg,
                "cfg_module": d.cfg_module,
                "file": file,
                "line": d.location.line,
                "column": d.location.column,
            }))?;
        } else {
            text.push_str(&format!(
                "{}:{} = {} [{kind}] ({}:{}:{})\n",
                d.namespace,
                safe_line(&d.name),
                d.value,
                safe_line(&file),
                d.location.line,
                d.location.column
            ));
        }
    }
    super::print(&text)?;
    if listed.is_empty() {
        match namespace {
            Some(ns) => {
                let (all, _) = ops::list(&global.options(), None)?;
                let close = all
                    .iter()
                    .map(|l| l.declaration.namespace.as_str())
                    .map(|known| (strsim::osa_distance(ns, known), known))
                    .filter(|(d, known)| *d <= ns.len().max(known.len()) / 4 + 1)
                    .min();
                match close {
                    Some((_, known)) => shell.note(&format!(
                        "no plugins in namespace `{ns}`; did you mean `{known}`?"
                    )),
                    None => shell.note(&format!("no plugins in namespace `{ns}`")),
                }
            }
            None => shell.note("no plugins found in the selected packages"),
        }
    }
    Ok(super::partial(shell, errors, "the list leaves out"))
}
