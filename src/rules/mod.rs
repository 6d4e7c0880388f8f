//! The finding catalog: one rule per file, each with its What / Why / Fix text and fixtures.
//!
//! [`REGISTRY`] lists the rules in causal order: a root cause comes before the symptoms it
//! produces, so sorting findings by (severity, registry position) puts the root cause first.

use std::collections::HashMap;

use serde::Serialize;

use crate::ctx::Ctx;

pub mod attachment;
pub mod binding;
pub mod chain;
pub mod ebs;
pub mod import;
#[cfg(test)]
mod invariant;
pub mod manifest;
pub mod mount;
pub mod provisioning;
pub mod scheduling;
#[cfg(test)]
pub mod testing;

pub use crate::finding::{Finding, ObjectRef, Severity};

/// Which hop of the chain a rule is about (groups the catalog).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    Binding,
    Provisioning,
    Scheduling,
    Attachment,
    /// EC2 cross-checks of the EBS volume behind a PV.
    Ebs,
    Mount,
    Cluster,
    /// Mistakes visible in manifests before they are applied (`preflight`).
    Manifest,
    /// Checks `import-ebs` runs on its plan (not on chains).
    Import,
    /// The chain as a whole (runs after every other rule).
    Chain,
}

impl Category {
    /// A title for listings.
    pub fn title(self) -> &'static str {
        match self {
            Category::Binding => "Claim and binding",
            Category::Provisioning => "Provisioning",
            Category::Scheduling => "Scheduling and topology",
            Category::Attachment => "Attachment",
            Category::Ebs => "EBS (EC2 cross-checks)",
            Category::Mount => "Mount",
            Category::Cluster => "Cluster-wide",
            Category::Manifest => "Manifests",
            Category::Import => "Import plan (import-ebs)",
            Category::Chain => "Whole chain",
        }
    }
}

/// A rule: its stable code, documentation and check.
pub struct Rule {
    /// Stable, public identifier (`pvc-missing`).
    pub code: &'static str,
    /// The usual severity (a rule may raise or lower it for one finding, as documented).
    pub severity: Severity,
    pub category: Category,
    /// One line: when it fires.
    pub summary: &'static str,
    /// What it detects.
    pub what: &'static str,
    /// Why it matters.
    pub why: &'static str,
    /// How to fix it, in general.
    pub fix: &'static str,
    /// The check: reads the context, pushes findings. `out` holds the findings of the rules
    /// before this one in [`REGISTRY`] (only the last rule, `stuck-unexplained`, reads them).
    pub check: fn(&Ctx, &mut Vec<Finding>),
}

impl Finding {
    /// A finding of `rule` at its usual severity.
    pub fn new(rule: &Rule, object: ObjectRef, message: impl Into<String>) -> Self {
        Finding {
            code: rule.code,
            severity: rule.severity,
            object,
            message: message.into(),
            evidence: Vec::new(),
            fix: rule.fix.to_string(),
        }
    }
}

/// Every rule, in causal order: categories from claim to mount, and within a category as
/// each `RULES` list orders them (root causes first).
pub static REGISTRY: std::sync::LazyLock<Vec<&'static Rule>> = std::sync::LazyLock::new(|| {
    [
        binding::RULES,
        provisioning::RULES,
        scheduling::RULES,
        attachment::RULES,
        ebs::RULES,
        mount::RULES,
        manifest::RULES,
        import::RULES,
        // Last: it reads every other rule's findings.
        chain::RULES,
    ]
    .concat()
});

/// The rule with this code.
pub fn find(code: &str) -> Option<&'static Rule> {
    REGISTRY.iter().copied().find(|r| r.code == code)
}

/// Runs every rule over the context and returns the findings, root cause first.
pub fn run(cx: &Ctx) -> Vec<Finding> {
    let mut out = Vec::new();
    let mut ranks: Vec<usize> = Vec::new();
    for (rank, rule) in REGISTRY.iter().enumerate() {
        (rule.check)(cx, &mut out);
        ranks.resize(out.len(), rank);
    }
    let mut ranked: Vec<(usize, Finding)> = ranks.into_iter().zip(out).collect();
    ranked.sort_by(|(ra, a), (rb, b)| a.severity.cmp(&b.severity).then(ra.cmp(rb)));
    let mut findings: Vec<Finding> = ranked.into_iter().map(|(_, f)| f).collect();
    findings.dedup();
    // Hashed by (object, code): a scan's thousands of findings stay linear here.
    let present: std::collections::HashSet<(&ObjectRef, &str)> =
        findings.iter().map(|f| (&f.object, f.code)).collect();
    let superseded: Vec<bool> = findings
        .iter()
        .map(|f| {
            SUPERSEDES
                .iter()
                .any(|(root, sym)| *sym == f.code && present.contains(&(&f.object, *root)))
        })
        .collect();
    let mut keep = superseded.into_iter();
    findings.retain(|_| !keep.next().unwrap_or(false));
    fold_confirmed_symptoms(cx, &mut findings);
    findings
}

/// `(cause EC2 confirms, symptom)`: when both are reported on one chain (on different objects:
/// the EBS volume, its VolumeAttachment or Pod), the cause is the root and the symptom is kept
/// only as its evidence, so the cause is said once and first.
pub(crate) const CONFIRMED_BY_EC2: &[(&str, &str)] = &[
    ("ebs-volume-not-found", "attach-error"),
    ("ebs-attached-elsewhere", "attach-error"),
    ("ebs-volume-error", "attach-error"),
];

fn fold_confirmed_symptoms(cx: &Ctx, findings: &mut Vec<Finding>) {
    let has = |code: &str| findings.iter().any(|f| f.code == code);
    if !CONFIRMED_BY_EC2
        .iter()
        .any(|(root, sym)| has(root) && has(sym))
    {
        return;
    }
    // Which chain each object of a root or symptom finding is in (the first one, as a pod's
    // chain comes first), hashed; only those objects are kept, so a scan stays light.
    let wanted: std::collections::HashSet<ObjectRef> = findings
        .iter()
        .filter(|f| {
            CONFIRMED_BY_EC2
                .iter()
                .any(|(r, s)| f.code == *r || f.code == *s)
        })
        .map(|f| f.object.clone())
        .collect();
    let mut chain_of: HashMap<ObjectRef, usize> = HashMap::new();
    let mut n = 0;
    crate::health::for_each_chain_shape(cx, |c| {
        for o in c.members.into_iter().map(|m| m.object).chain(c.others) {
            if wanted.contains(&o) {
                chain_of.entry(o).or_insert(n);
            }
        }
        n += 1;
    });
    let mut folded = vec![false; findings.len()];
    for (root, sym) in CONFIRMED_BY_EC2 {
        let roots: HashMap<usize, usize> = findings
            .iter()
            .enumerate()
            .filter(|(_, f)| f.code == *root)
            .filter_map(|(j, f)| Some((*chain_of.get(&f.object)?, j)))
            .collect();
        for i in 0..findings.len() {
            if findings[i].code != *sym || folded[i] {
                continue;
            }
            let Some(&j) = chain_of.get(&findings[i].object).and_then(|c| roots.get(c)) else {
                continue;
            };
            let line = format!(
                "{} ({sym}, {}): {}",
                findings[i].object.display_name(),
                findings[i].object.kind,
                findings[i].message
            );
            let first = findings[i].evidence.first().cloned();
            findings[j].evidence.push(line);
            findings[j].evidence.extend(first);
            folded[i] = true;
        }
    }
    let mut keep = folded.into_iter();
    findings.retain(|_| !keep.next().unwrap_or(false));
}

/// `(root cause, symptom)`: when both are reported on the same object, only the root cause is
/// kept. The symptom rule stays generic; this table says which specific diagnosis explains it.
pub(crate) const SUPERSEDES: &[(&str, &str)] = &[
    // The driver refuses ReadWriteMany: "Volume capabilities not supported".
    ("access-mode-unsupported", "provisioning-failed"),
    // Nothing provisions at all, or the class is missing: any failure is a consequence.
    ("provisioner-missing", "provisioning-failed"),
    ("storageclass-missing", "provisioning-failed"),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_unique_kebab_case_and_documented() {
        let mut seen = std::collections::HashSet::new();
        for r in REGISTRY.iter() {
            assert!(seen.insert(r.code), "duplicate code {}", r.code);
            assert!(
                r.code.chars().all(|c| c.is_ascii_lowercase() || c == '-'),
                "code {} is not kebab-case",
                r.code
            );
            for (part, text) in [
                ("what", r.what),
                ("why", r.why),
                ("fix", r.fix),
                ("summary", r.summary),
            ] {
                assert!(text.len() > 20, "{}: {part} text is too short", r.code);
            }
        }
    }

    #[test]
    fn every_rule_has_a_firing_fixture_and_a_healthy_twin() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules");
        for r in REGISTRY.iter() {
            for f in ["fires.yaml", "healthy.yaml"] {
                let p = root.join(r.code).join(f);
                assert!(p.is_file(), "missing fixture {}", p.display());
            }
        }
    }
}
