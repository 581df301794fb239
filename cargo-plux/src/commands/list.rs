//! `cargo plux list` and `cargo plux resolve --namespace NS`.

use clap::Args;

use crate::args::GlobalArgs;
use crate::shell::Shell;
use plux_build::Kind;
use plux_build::ops::{self, Listed};

/// List all plugins by namespace.
#[derive(Debug, Args)]
pub struct ListArgs {}

/// List the plugins of one namespace.
#[derive(Debug, Args)]
pub struct ResolveArgs {
    /// The plugin namespace
    #[arg(long, value_name = "NS")]
    pub namespace: String,
}

/// Runs `list`.
pub fn exec(_args: &ListArgs, global: &GlobalArgs, shell: &Shell) -> anyhow::Result<i32> {
    print(global, shell, None)
}

/// Runs `resolve`.
pub fn exec_resolve(args: &ResolveArgs, global: &GlobalArgs, shell: &Shell) -> anyhow::Result<i32> {
    print(global, shell, Some(&args.namespace))
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
                "{}:{} = {} [{kind}] ({file}:{}:{})\n",
                d.namespace, d.name, d.value, d.location.line, d.location.column
            ));
        }
    }
    super::print(&text)?;
    if listed.is_empty() {
        match namespace {
            Some(ns) => shell.note(&format!("no plugins in namespace `{ns}`")),
            None => shell.note("no plugins found in the selected packages"),
        }
    }
    Ok(super::partial(shell, errors, "the list leaves out"))
}
