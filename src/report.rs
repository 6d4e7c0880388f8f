//! A [`Report`]: the chains and findings of one diagnosis, ready to render.

use serde::Serialize;

use crate::chain::{self, Hop, HopState, Target};
use crate::ctx::Ctx;
use crate::error::Result;
pub use crate::finding::Summary;
use crate::rules::{self, Finding, Severity};
use crate::snapshot::{Capture, ClockSource, Snapshot};

/// The result of one diagnosis.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub schema_version: u32,
    pub target: String,
    pub namespace: String,
    /// The time ages are measured against (the newest timestamp of an offline snapshot).
    pub as_of: jiff::Timestamp,
    /// Where `as_of` came from.
    pub as_of_source: ClockSource,
    pub offline: bool,
    /// Which cluster, when, and how long the run took (`null`s offline but `asOf`).
    pub cluster: crate::identity::Identity,
    pub chain: Vec<Hop>,
    pub findings: Vec<Finding>,
    pub summary: Summary,
}

impl Report {
    /// The most severe finding's severity, if any.
    pub fn worst(&self) -> Option<Severity> {
        self.findings.iter().map(|f| f.severity).min()
    }
}

/// Diagnoses one target on a snapshot: resolve the chain, run the rules, mark the hops. Ages
/// are measured from `as_of`, which the command chose ([`crate::acquire::as_of`]): nothing here
/// reads a clock or the environment.
pub fn diagnose(
    snap: &Snapshot,
    target: &Target,
    namespace: &str,
    as_of: Capture,
) -> Result<Report> {
    let mut cx = Ctx::new(snap, as_of.at);
    let (mut chain, focus) = chain::resolve(&cx, target, namespace)?;
    cx.focus_on(focus);
    let findings = rules::run(&cx);
    for hop in &mut chain {
        hop.apply_findings(&findings);
    }
    Ok(Report {
        schema_version: 1,
        target: target.display(),
        namespace: namespace.to_string(),
        as_of: cx.now,
        as_of_source: as_of.source,
        offline: snap.offline,
        cluster: crate::identity::Identity::of(snap, cx.now),
        summary: summarize(snap, &cx, &findings),
        chain,
        findings,
    })
}

fn summarize(snap: &Snapshot, cx: &Ctx, findings: &[Finding]) -> Summary {
    let mut not_checked = snap.not_checked();
    add_gaps(&mut not_checked, cx);
    not_checked.dedup();
    Summary::of(findings, not_checked)
}

/// Adds the kinds this diagnosis needed and could not see (a kind absent from an offline
/// snapshot is in no coverage record, but a rule that needed it left a gap) to `lines`, once each.
pub fn add_gaps(lines: &mut Vec<String>, cx: &Ctx) {
    for (kind, reason) in cx.gaps() {
        let prefix = format!("{}:", kind.plural());
        if !lines.iter().any(|l| l.starts_with(&prefix)) {
            lines.push(format!("{prefix} {reason}"));
        }
    }
}

/// The verdict: the first line a tired reader sees.
pub fn verdict(report: &Report) -> String {
    let root = report.chain.first();
    let subject = root
        .map(|h| format!("{} {}", long_label(h.label), h.name))
        .unwrap_or_else(|| report.target.clone());
    match report
        .findings
        .iter()
        .find(|f| f.severity != Severity::Info)
    {
        None => {
            let hops: Vec<&Hop> = report.chain.iter().flat_map(Hop::walk).collect();
            if let Some(h) = hops.iter().find(|h| h.state == HopState::Warning) {
                // Within its normal start-up time (a claim provisioning for 20 s): not a fault,
                // not healthy yet either.
                return format!(
                    "Nothing wrong found yet on {subject}'s chain: {} {} is {}, which is still within the time it normally takes; run again in a minute.",
                    long_label(h.label),
                    h.name,
                    h.status
                );
            }
            if hops.iter().any(|h| h.state == HopState::NotChecked) {
                format!("No problems found on the parts of {subject}'s chain that could be checked; some hops were not checked.")
            } else {
                format!("No problems found on this chain: {subject}.")
            }
        }
        Some(f) if f.message.starts_with(&subject) => f.message.clone(),
        Some(f) => {
            let status = root
                .filter(|h| h.state != HopState::Ok)
                .map(|h| format!(" is {}", h.status.split(" · ").next().unwrap_or(&h.status)))
                .unwrap_or_default();
            format!("{subject}{status}: {}", f.message)
        }
    }
}

fn long_label(label: &str) -> &str {
    match label {
        "PVC" => "PersistentVolumeClaim",
        "PV" => "PersistentVolume",
        other => other,
    }
}
