//! Renderers: human (tree + findings), JSON and YAML; and for every command that reports
//! findings, the CI formats SARIF, JUnit and GitHub annotations.

pub mod github;
pub mod human;
pub mod junit;
pub mod locate;
pub mod preflight;
pub mod prometheus;
pub mod sarif;
pub mod scan;

use crate::error::{Error, Result};
pub use crate::finding::SourceLocation;
use crate::report::Report;

/// The `-o` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The chain as a tree, then findings (default).
    Human,
    /// One JSON object, schemaVersion 1.
    Json,
    /// The same object as YAML.
    Yaml,
    /// SARIF 2.1.0 (GitHub code scanning): findings with rule metadata and locations.
    Sarif,
    /// JUnit XML: one test case per object and rule.
    Junit,
    /// GitHub Actions annotations (`::error file=…,line=…::…`).
    Github,
    /// Prometheus text exposition (`scan` only): for a textfile collector or a Pushgateway.
    Prometheus,
}

/// `-o prometheus` is a scan's metrics; other commands refuse it in one line.
pub fn not_metrics(command: &str) -> Error {
    Error::Usage(format!(
        "-o prometheus is for `scan` (metrics of the whole cluster); {command} prints human, json, yaml, sarif, junit or github"
    ))
}

/// A finding as the CI formats see it: the object a reader recognises (for `preflight`, the
/// manifest object, e.g. the StatefulSet behind a replica's claim) and where it is written.
#[derive(Debug, Clone)]
pub struct Item<'a> {
    pub finding: &'a crate::rules::Finding,
    pub subject: crate::rules::ObjectRef,
    pub location: Option<&'a SourceLocation>,
}

/// An object that was checked, found or not (JUnit lists the clean ones as passing cases).
#[derive(Debug, Clone)]
pub struct Subject {
    pub object: crate::rules::ObjectRef,
    pub location: Option<SourceLocation>,
}

/// Renders findings in one of the CI formats; `None` for the formats each command renders itself.
pub fn render_ci(
    format: Format,
    suite: &str,
    subjects: &[Subject],
    items: &[Item],
) -> Option<String> {
    match format {
        Format::Sarif => Some(sarif::render(items)),
        Format::Junit => Some(junit::render(suite, subjects, items)),
        Format::Github => Some(github::render(items)),
        Format::Human | Format::Json | Format::Yaml | Format::Prometheus => None,
    }
}

/// `-o sarif` of a cluster diagnosis needs files to point at: refused for a live cluster.
pub fn sarif_needs_snapshot(format: Format, snapshot: &[std::path::PathBuf]) -> Result<()> {
    if format == Format::Sarif && snapshot.is_empty() {
        return Err(Error::Usage(
            "-o sarif needs a file to point each result at, and a live cluster has none: read a snapshot (kubectl storage dump DIR, then --snapshot DIR), or use -o json".into(),
        ));
    }
    Ok(())
}

/// Locations in the `--snapshot` files for each finding (empty when there are none).
pub fn snapshot_locations(
    snapshot: &[std::path::PathBuf],
    findings: &[crate::rules::Finding],
) -> Vec<Option<SourceLocation>> {
    if snapshot.is_empty() {
        return Vec::new();
    }
    let ix = locate::SnapshotIndex::build(snapshot);
    findings.iter().map(|f| ix.locate(f)).collect()
}

/// Serialises any report-like value as pretty JSON.
pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map_err(|e| Error::Usage(format!("cannot render JSON: {e}")))
}

/// Serialises any report-like value as YAML.
pub fn to_yaml<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_saphyr::to_string(value).map_err(|e| Error::Usage(format!("cannot render YAML: {e}")))
}

/// Renders a report in the chosen format.
pub fn render(report: &Report, format: Format, style: &human::Style) -> Result<String> {
    match format {
        Format::Human => Ok(human::render(report, style)),
        Format::Json => to_json(report).map(|s| s + "\n"),
        Format::Yaml => to_yaml(report),
        Format::Prometheus => Err(not_metrics("why")),
        Format::Sarif | Format::Junit | Format::Github => Ok(findings_ci(
            format,
            &format!("why {}", report.target),
            &report.findings,
            crate::rules::ObjectRef::new("Target", Some(&report.namespace), &report.target),
        )),
    }
}

/// Findings of a cluster diagnosis (`why`, `scan`) in a CI format. They have no file, so their
/// locations are logical (kind/namespace/name); `scope` is the one passing JUnit case when there
/// is no finding at all.
pub fn findings_ci(
    format: Format,
    suite: &str,
    findings: &[crate::rules::Finding],
    scope: crate::rules::ObjectRef,
) -> String {
    findings_ci_at(format, suite, findings, scope, &[])
}

/// [`findings_ci`] with a location per finding (the snapshot file and line of its object).
pub fn findings_ci_at(
    format: Format,
    suite: &str,
    findings: &[crate::rules::Finding],
    scope: crate::rules::ObjectRef,
    locations: &[Option<SourceLocation>],
) -> String {
    let items: Vec<Item> = findings
        .iter()
        .enumerate()
        .map(|(i, f)| Item {
            finding: f,
            subject: f.object.clone(),
            location: locations.get(i).and_then(Option::as_ref),
        })
        .collect();
    let subjects = [Subject {
        object: scope,
        location: None,
    }];
    let subjects = if items.is_empty() { &subjects[..] } else { &[] };
    render_ci(format, suite, subjects, &items).unwrap_or_default()
}
