//! `explain CODE`: a finding's documentation.

use std::process::ExitCode;

use clap::Args;
use serde::Serialize;

use super::{print, GlobalArgs};
use crate::error::{Error, Result};
use crate::render::{to_json, to_yaml, Format};
use crate::rules::{self, Rule};

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The finding code (e.g. zone-mismatch); omit to list every code.
    pub code: Option<String>,
}

#[derive(Serialize)]
struct Doc<'a> {
    code: &'a str,
    severity: &'a str,
    category: &'a str,
    summary: &'a str,
    what: &'a str,
    why: &'a str,
    fix: &'a str,
}

fn doc(r: &'static Rule) -> Doc<'static> {
    Doc {
        code: r.code,
        severity: r.severity.as_str(),
        category: r.category.title(),
        summary: r.summary,
        what: r.what,
        why: r.why,
        fix: r.fix,
    }
}

pub fn run(global: &GlobalArgs, args: &ExplainArgs) -> Result<ExitCode> {
    let rules: Vec<&'static Rule> = match &args.code {
        Some(code) => vec![rules::find(code).ok_or_else(|| {
            Error::Usage(format!(
                "unknown finding code {code:?}: `kubectl storage explain` lists them all"
            ))
        })?],
        None => rules::REGISTRY.to_vec(),
    };
    let docs: Vec<Doc> = rules.iter().map(|r| doc(r)).collect();
    let text = match global.output {
        Format::Json => to_json(&docs)? + "\n",
        Format::Yaml => to_yaml(&docs)?,
        Format::Prometheus => return Err(crate::render::not_metrics("explain")),
        Format::Sarif | Format::Junit | Format::Github => {
            return Err(Error::Usage(
                "explain prints the catalog as human, json or yaml; sarif, junit and github are for findings"
                    .into(),
            ))
        }
        Format::Human if args.code.is_none() => {
            let w = docs.iter().map(|d| d.code.len()).max().unwrap_or(0);
            docs.iter()
                .map(|d| format!("{:<w$}  {:<7}  {}\n", d.code, d.severity, d.summary))
                .collect()
        }
        Format::Human => {
            let d = &docs[0];
            let para = |text: &str| {
                crate::render::human::wrap(text, 96)
                    .iter()
                    .map(|l| format!("  {l}\n"))
                    .collect::<String>()
            };
            format!(
                "{} ({}, {})\n\n{}\nWhat it detects\n{}\nWhy it matters\n{}\nHow to fix it\n{}",
                d.code,
                d.severity,
                d.category,
                crate::render::human::wrap(d.summary, 98).join("\n") + "\n",
                para(d.what),
                para(d.why),
                para(d.fix)
            )
        }
    };
    print(&text);
    Ok(ExitCode::from(super::Exit::Clean))
}
