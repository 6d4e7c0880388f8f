//! Prometheus text exposition (format 0.0.4) of scans: `scan -o prometheus` prints one
//! cluster's; a long-running exporter renders the same families for each cluster it scans.
//!
//! Low cardinality by default: counts by code, severity and namespace, never object names;
//! `--metrics-object-names` adds one series per finding and per orphaned volume. Every family
//! is a gauge (the state at the last scan), written whole under its `# HELP` and `# TYPE`.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::time::Duration;

use crate::rules::Severity;
use crate::scan::ScanReport;

/// What to expose.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// One series per finding (`kind`, `name` labels) and per orphaned volume.
    pub object_names: bool,
}

/// One cluster's last scan: its report, or why there is none.
pub enum Outcome<'a> {
    Scanned(&'a ScanReport),
    /// Unreachable, forbidden, …: the reason is logged by the caller, not exposed as a label.
    Failed,
}

/// One cluster's entry in the exposition.
pub struct Cluster<'a> {
    /// The `cluster` label: [`cluster_label`] of the report, or the context asked for.
    pub label: String,
    pub outcome: Outcome<'a>,
    /// How long the scan took (reading included).
    pub duration: Duration,
}

/// The `cluster` label of a report: the EKS cluster name, else the context, else the server,
/// else empty (offline).
pub fn cluster_label(r: &ScanReport) -> String {
    let c = &r.report.cluster;
    c.eks_cluster_name
        .clone()
        .or_else(|| c.context.clone())
        .or_else(|| c.server.clone())
        .unwrap_or_default()
}

/// A label value, escaped as the text format wants (backslash, double quote, newline).
fn esc(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for ch in v.chars() {
        match ch {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out
}

/// A sample value: integers as integers, others with enough digits.
fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// One metric family being written.
struct Family<'o> {
    out: &'o mut String,
    name: &'static str,
}

impl<'o> Family<'o> {
    fn new(out: &'o mut String, name: &'static str, help: &str) -> Self {
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} gauge");
        Family { out, name }
    }

    fn sample(&mut self, labels: &[(&str, &str)], value: f64) {
        let labels: Vec<String> = labels
            .iter()
            .map(|(k, v)| format!("{k}=\"{}\"", esc(v)))
            .collect();
        let _ = writeln!(
            self.out,
            "{}{{{}}} {}",
            self.name,
            labels.join(","),
            num(value)
        );
    }
}

fn scanned<'a>(clusters: &'a [Cluster<'a>]) -> impl Iterator<Item = (&'a str, &'a ScanReport)> {
    clusters.iter().filter_map(|c| match c.outcome {
        Outcome::Scanned(r) => Some((c.label.as_str(), r)),
        Outcome::Failed => None,
    })
}

/// The exposition of the clusters' last scans.
pub fn exposition(clusters: &[Cluster], opts: &Options) -> String {
    let mut out = String::new();
    {
        let mut f = Family::new(
            &mut out,
            "kubectl_storage_scan_success",
            "Whether the last scan of the cluster read it (1) or failed (0).",
        );
        for c in clusters {
            let ok = matches!(c.outcome, Outcome::Scanned(_));
            f.sample(&[("cluster", &c.label)], if ok { 1.0 } else { 0.0 });
        }
    }
    {
        let mut f = Family::new(
            &mut out,
            "kubectl_storage_scan_duration_seconds",
            "How long the last scan took, reading included.",
        );
        for c in clusters {
            f.sample(&[("cluster", &c.label)], c.duration.as_secs_f64());
        }
    }
    {
        let mut f = Family::new(
            &mut out,
            "kubectl_storage_scan_timestamp_seconds",
            "The time the last scan's data describes (Unix seconds).",
        );
        for (label, r) in scanned(clusters) {
            f.sample(&[("cluster", label)], r.report.as_of.as_second() as f64);
        }
    }
    {
        let mut f = Family::new(
            &mut out,
            "kubectl_storage_findings",
            "Findings of the last scan by code, severity and namespace (empty for cluster-scoped objects).",
        );
        for (label, r) in scanned(clusters) {
            let mut by: BTreeMap<(&str, Severity, &str), usize> = BTreeMap::new();
            for x in &r.report.findings {
                let ns = x.object.namespace.as_deref().unwrap_or_default();
                *by.entry((x.code, x.severity, ns)).or_default() += 1;
            }
            for ((code, sev, ns), n) in by {
                f.sample(
                    &[
                        ("cluster", label),
                        ("code", code),
                        ("severity", sev.as_str()),
                        ("namespace", ns),
                    ],
                    n as f64,
                );
            }
        }
    }
    for (name, help, kind) in [
        (
            "kubectl_storage_stuck_claims",
            "PersistentVolumeClaims with an error finding (pending, lost, failing), by namespace.",
            "PersistentVolumeClaim",
        ),
        (
            "kubectl_storage_stuck_pods",
            "Pods with an error finding about their storage, by namespace.",
            "Pod",
        ),
    ] {
        let mut f = Family::new(&mut out, name, help);
        for (label, r) in scanned(clusters) {
            let mut by: BTreeMap<&str, usize> = BTreeMap::new();
            for row in r
                .scan
                .rows
                .iter()
                .filter(|row| row.severity == Severity::Error && row.object.kind == kind)
            {
                *by.entry(row.object.namespace.as_deref().unwrap_or_default())
                    .or_default() += 1;
            }
            for (ns, n) in by {
                f.sample(&[("cluster", label), ("namespace", ns)], n as f64);
            }
        }
    }
    for (name, help, pick) in [
        (
            "kubectl_storage_objects_checked",
            "Objects the last scan looked at, by kind.",
            0,
        ),
        (
            "kubectl_storage_objects_with_problems",
            "Objects with at least one error or warning, by kind.",
            1,
        ),
    ] {
        let mut f = Family::new(&mut out, name, help);
        for (label, r) in scanned(clusters) {
            let c = if pick == 0 {
                &r.scan.checked
            } else {
                &r.scan.with_problems
            };
            for (kind, n) in [
                ("pod", c.pods),
                ("persistentvolumeclaim", c.persistent_volume_claims),
                ("persistentvolume", c.persistent_volumes),
                ("ebsvolume", c.ebs_volumes),
            ] {
                f.sample(&[("cluster", label), ("kind", kind)], n as f64);
            }
        }
    }
    {
        let mut f = Family::new(
            &mut out,
            "kubectl_storage_orphaned_ebs_volumes",
            "Available EBS volumes created for Kubernetes that back no PersistentVolume.",
        );
        for (label, r) in scanned(clusters) {
            f.sample(&[("cluster", label)], r.scan.orphans.len() as f64);
        }
    }
    {
        let mut f = Family::new(
            &mut out,
            "kubectl_storage_orphaned_ebs_monthly_usd",
            "Estimated monthly cost of the orphaned EBS volumes, in US dollars (volumes without a price excluded).",
        );
        for (label, r) in scanned(clusters) {
            f.sample(&[("cluster", label)], r.scan.orphans_monthly_usd);
        }
    }
    {
        let mut f = Family::new(
            &mut out,
            "kubectl_storage_not_checked",
            "Kinds or namespaces the last scan could not read (forbidden, failed, absent): its findings may be incomplete.",
        );
        for (label, r) in scanned(clusters) {
            f.sample(
                &[("cluster", label)],
                r.report.summary.not_checked.len() as f64,
            );
        }
    }
    if opts.object_names {
        {
            let mut f = Family::new(
                &mut out,
                "kubectl_storage_finding_info",
                "One series per finding of the last scan, naming its object.",
            );
            for (label, r) in scanned(clusters) {
                for x in &r.report.findings {
                    f.sample(
                        &[
                            ("cluster", label),
                            ("code", x.code),
                            ("severity", x.severity.as_str()),
                            (
                                "namespace",
                                x.object.namespace.as_deref().unwrap_or_default(),
                            ),
                            ("kind", &x.object.kind),
                            ("name", &x.object.name),
                        ],
                        1.0,
                    );
                }
            }
        }
        let mut f = Family::new(
            &mut out,
            "kubectl_storage_orphaned_ebs_volume_monthly_usd",
            "Estimated monthly cost of one orphaned EBS volume, in US dollars (NaN without a price).",
        );
        for (label, r) in scanned(clusters) {
            for o in &r.scan.orphans {
                f.sample(
                    &[
                        ("cluster", label),
                        ("volume_id", &o.volume_id),
                        ("volume_type", o.volume_type.as_deref().unwrap_or_default()),
                        ("availability_zone", &o.availability_zone),
                    ],
                    o.monthly_usd.unwrap_or(f64::NAN),
                );
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::{price::Prices, scan, Scope};
    use crate::snapshot::load;

    fn report(name: &str) -> ScanReport {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let snap = load::load_paths(&[root.join(name)]).expect("example").0;
        scan(
            &snap,
            &Scope::default(),
            &Prices::default(),
            crate::acquire::as_of(&snap),
        )
    }

    #[test]
    fn counts_findings_by_code_severity_and_namespace_without_names() {
        let r = report("seed");
        let text = exposition(
            &[Cluster {
                label: "prod".into(),
                outcome: Outcome::Scanned(&r),
                duration: Duration::from_millis(1500),
            }],
            &Options::default(),
        );
        assert!(
            text.contains(
                "kubectl_storage_findings{cluster=\"prod\",code=\"provisioner-missing\",severity=\"error\",namespace=\"default\"} 1\n"
            ),
            "{text}"
        );
        assert!(
            text.contains(
                "kubectl_storage_stuck_claims{cluster=\"prod\",namespace=\"default\"} 1\n"
            ),
            "{text}"
        );
        assert!(text.contains("kubectl_storage_scan_duration_seconds{cluster=\"prod\"} 1.5\n"));
        assert!(text.contains("kubectl_storage_scan_success{cluster=\"prod\"} 1\n"));
        assert!(!text.contains("task-pvc"), "no object names by default");
    }

    #[test]
    fn object_names_only_behind_the_option_and_failed_clusters_report_success_0() {
        let r = report("seed");
        let text = exposition(
            &[
                Cluster {
                    label: "a\"b".into(),
                    outcome: Outcome::Scanned(&r),
                    duration: Duration::ZERO,
                },
                Cluster {
                    label: "down".into(),
                    outcome: Outcome::Failed,
                    duration: Duration::from_secs(30),
                },
            ],
            &Options { object_names: true },
        );
        assert!(text.contains("name=\"task-pvc\""), "{text}");
        assert!(text.contains("cluster=\"a\\\"b\""), "escaped: {text}");
        assert!(text.contains("kubectl_storage_scan_success{cluster=\"down\"} 0\n"));
        assert!(!text.contains("kubectl_storage_findings{cluster=\"down\""));
        // Each family once, samples right under it.
        let types = text.lines().filter(|l| l.starts_with("# TYPE ")).count();
        let helps = text.lines().filter(|l| l.starts_with("# HELP ")).count();
        assert_eq!(types, helps);
        assert_eq!(types, 13, "{text}");
    }
}
