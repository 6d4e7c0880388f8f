//! `scan`: every claim, volume and pod in scope at once, plus orphaned EBS volumes.
//!
//! Pure, like the rest of the "think" step: a [`Scope`] picks the objects in focus, every rule
//! runs once over them (the context's lookups are hash-indexed, so this is linear in the
//! snapshot), and the findings are summarised into a [`ScanReport`]: one row per object with a
//! problem, counts per code and severity, healthy objects counted rather than listed, and the
//! orphans with a monthly cost estimate.

pub mod price;
pub mod selector;

use crate::k8s::Named;
use std::collections::{BTreeMap, HashMap, HashSet};

use serde::Serialize;

use crate::ctx::{Ctx, Focus};
use crate::k8s;
use crate::report::{self, Report, Summary};
use crate::rules::{self, Finding, ObjectRef, Severity};
use crate::snapshot::{Capture, Kind, Snapshot};
use price::Prices;
use selector::Selector;

/// Which kind of object the report lists (`--kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum KindFilter {
    /// Findings about PersistentVolumeClaims.
    Pvc,
    /// Findings about PersistentVolumes and their EBS volumes (orphans included).
    Pv,
    /// Findings about Pods.
    Pod,
}

impl KindFilter {
    fn keeps(self, kind: &str) -> bool {
        match self {
            KindFilter::Pvc => kind == "PersistentVolumeClaim",
            KindFilter::Pv => kind == "PersistentVolume" || kind == rules::ebs::KIND,
            KindFilter::Pod => kind == "Pod",
        }
    }
}

/// What a scan covers.
#[derive(Debug, Clone, Default)]
pub struct Scope {
    /// One namespace, or `None` for all namespaces (`-A`, the default).
    pub namespace: Option<String>,
    /// A label selector on pods and claims (`-l`).
    pub selector: Option<Selector>,
    /// Only list findings about this kind (`--kind`); every rule still runs.
    pub kind: Option<KindFilter>,
    /// `--unused-after` in seconds: an unused claim older than this is a warning (default 30d).
    pub unused_after: Option<i64>,
}

impl Scope {
    /// Whether cluster-wide checks (orphans, unclaimed PVs, duplicate defaults) apply: only
    /// when nothing narrows the scope, since an orphan is only an orphan against every PV.
    pub fn cluster_wide(&self) -> bool {
        self.namespace.is_none() && self.selector.is_none()
    }

    /// "all namespaces", "namespace shop, selector app=db".
    pub fn describe(&self) -> String {
        let mut parts = vec![match &self.namespace {
            None => "all namespaces".to_string(),
            Some(ns) => format!("namespace {ns}"),
        }];
        if let Some(s) = &self.selector {
            parts.push(format!("selector {}", s.as_str()));
        }
        if let Some(k) = self.kind {
            parts.push(format!("kind {}", format!("{k:?}").to_ascii_lowercase()));
        }
        parts.join(", ")
    }
}

/// Objects counted in a scan, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Counts {
    pub pods: usize,
    pub persistent_volume_claims: usize,
    pub persistent_volumes: usize,
    pub ebs_volumes: usize,
}

/// One object with a problem: the table row.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Row {
    pub object: ObjectRef,
    /// Where in the chain the root cause sits (the rule's category: `provisioning`, …).
    pub hop: rules::Category,
    /// The root cause: the object's first finding (findings are ordered root cause first).
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    /// Other codes on the same object.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also: Vec<&'static str>,
    /// The command that shows this object's chain (or re-adopts an orphan).
    pub next: String,
}

/// How many findings of one code.
#[derive(Debug, Clone, Serialize)]
pub struct CodeCount {
    pub code: &'static str,
    pub severity: Severity,
    pub count: usize,
}

/// An orphaned EBS volume with its cost estimate.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Orphan {
    pub volume_id: String,
    pub size_gib: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub volume_type: Option<String>,
    pub availability_zone: String,
    /// Age at the report's reference time (`42d`).
    pub age: String,
    /// `shop/data-old-0` from the provisioner's tags, when set.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_for: Option<String>,
    /// USD per month; `None` for a type the price table lacks (see `--price-per-gb`).
    pub monthly_usd: Option<f64>,
    pub price_basis: String,
    /// The command line that would re-adopt it as a PV.
    pub import_command: String,
}

/// What a scan adds to the shared report shape.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanSummary {
    pub scope: String,
    /// Objects in scope.
    pub checked: Counts,
    /// Objects in scope with at least one error or warning about them.
    pub with_problems: Counts,
    /// Objects in scope with no error and no warning (counted, not listed).
    pub healthy: Counts,
    pub by_code: Vec<CodeCount>,
    pub rows: Vec<Row>,
    pub orphans: Vec<Orphan>,
    pub orphans_monthly_usd: f64,
}

/// A scan's result: the shared [`Report`] shape (`schemaVersion`, `findings[]`, `summary`,
/// with an empty `chain`) so every output format applies to it, plus the `scan` summary.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ScanReport {
    #[serde(flatten)]
    pub report: Report,
    pub scan: ScanSummary,
}

/// Scans a snapshot: focus on everything in scope, run every rule once, summarise.
pub fn scan(snap: &Snapshot, scope: &Scope, prices: &Prices, as_of: Capture) -> ScanReport {
    let mut focus = focus(snap, scope);
    if focus.unused_after.is_some() {
        focus.unused_after = Some(
            scope
                .unused_after
                .unwrap_or(crate::ctx::DEFAULT_UNUSED_AFTER),
        );
    }
    let cx = Ctx::new(snap, as_of.at).with_focus(focus);
    let mut findings = rules::run(&cx);
    if let Some(k) = scope.kind {
        findings.retain(|f| k.keeps(&f.object.kind));
    }
    let orphans = price_orphans(&cx, &mut findings, prices);
    price_unused_claims(&cx, &mut findings, prices);
    let rows = rows(&findings);
    let problem_objects: HashSet<&ObjectRef> = findings
        .iter()
        .filter(|f| f.severity != Severity::Info)
        .map(|f| &f.object)
        .collect();
    let count_problems = |kind: &str| problem_objects.iter().filter(|o| o.kind == kind).count();
    let ebs_checked = ebs_volumes_checked(&cx);
    let checked = Counts {
        pods: cx.pods().len(),
        persistent_volume_claims: cx.pvcs().len(),
        persistent_volumes: cx.pvs().len(),
        ebs_volumes: ebs_checked,
    };
    let with_problems = Counts {
        pods: count_problems("Pod"),
        persistent_volume_claims: count_problems("PersistentVolumeClaim"),
        persistent_volumes: count_problems("PersistentVolume"),
        ebs_volumes: count_problems(rules::ebs::KIND),
    };
    let healthy = Counts {
        pods: checked.pods.saturating_sub(with_problems.pods),
        persistent_volume_claims: checked
            .persistent_volume_claims
            .saturating_sub(with_problems.persistent_volume_claims),
        persistent_volumes: checked
            .persistent_volumes
            .saturating_sub(with_problems.persistent_volumes),
        ebs_volumes: checked
            .ebs_volumes
            .saturating_sub(with_problems.ebs_volumes),
    };
    let mut by_code: BTreeMap<(Severity, &'static str), usize> = BTreeMap::new();
    for f in &findings {
        *by_code.entry((f.severity, f.code)).or_default() += 1;
    }
    let mut gaps = not_checked(snap, scope);
    report::add_gaps(&mut gaps, &cx);
    let summary = Summary::of(&findings, gaps);
    let orphans_monthly_usd = orphans.iter().filter_map(|o| o.monthly_usd).sum();
    ScanReport {
        report: Report {
            schema_version: 1,
            target: "scan".into(),
            namespace: scope.namespace.clone().unwrap_or_default(),
            as_of: cx.now,
            as_of_source: as_of.source,
            offline: snap.offline,
            cluster: crate::identity::Identity::of(snap, cx.now),
            chain: Vec::new(),
            findings,
            summary,
        },
        scan: ScanSummary {
            scope: if snap.not_read.is_empty() {
                scope.describe()
            } else {
                format!("{} (those readable: see not checked)", scope.describe())
            },
            checked,
            with_problems,
            healthy,
            by_code: by_code
                .into_iter()
                .map(|((severity, code), count)| CodeCount {
                    code,
                    severity,
                    count,
                })
                .collect(),
            rows,
            orphans,
            orphans_monthly_usd,
        },
    }
}

/// The objects in scope.
fn focus<'a>(snap: &'a Snapshot, scope: &Scope) -> Focus<'a> {
    if scope.namespace.is_none() && scope.selector.is_none() {
        return Focus::all(snap);
    }
    let in_ns = |ns: Option<&str>| match &scope.namespace {
        None => true,
        Some(want) => ns == Some(want.as_str()),
    };
    let selected = |labels| scope.selector.as_ref().is_none_or(|s| s.matches(labels));
    let pods: Vec<_> = snap
        .pods
        .iter()
        .filter(|p| in_ns(p.metadata.namespace.as_deref()) && selected(p.metadata.labels.as_ref()))
        .collect();
    // A selected pod's claims are in scope even when their labels differ (StatefulSet claims
    // carry the claim template's labels, not the pod's).
    let claimed: HashSet<(String, String)> = pods
        .iter()
        .flat_map(|p| {
            let ns = p.metadata.namespace.clone().unwrap_or_default();
            k8s::pod_claims(p)
                .into_iter()
                .map(move |(_, c)| (ns.clone(), c))
        })
        .collect();
    let pvcs: Vec<_> = snap
        .pvcs
        .iter()
        .filter(|c| in_ns(c.metadata.namespace.as_deref()))
        .filter(|c| {
            selected(c.metadata.labels.as_ref())
                || claimed.contains(&(
                    c.metadata.namespace.clone().unwrap_or_default(),
                    c.metadata.name.clone().unwrap_or_default(),
                ))
        })
        .collect();
    // PVs are cluster-scoped: in a narrowed scan, those bound (or named by) a claim in focus.
    let claims: HashSet<(&str, &str)> = pvcs
        .iter()
        .map(|c| (c.namespace_or_empty(), c.name()))
        .collect();
    let named: HashSet<&str> = pvcs
        .iter()
        .filter_map(|c| c.spec.as_ref()?.volume_name.as_deref())
        .collect();
    let pvs = snap
        .pvs
        .iter()
        .filter(|pv| {
            let by_ref = pv
                .spec
                .as_ref()
                .and_then(|s| s.claim_ref.as_ref())
                .is_some_and(|r| {
                    claims.contains(&(
                        r.namespace.as_deref().unwrap_or_default(),
                        r.name.as_deref().unwrap_or_default(),
                    ))
                });
            by_ref || named.contains(pv.name())
        })
        .collect();
    Focus {
        pods,
        pvcs,
        pvs,
        cluster_wide: false,
        // Pods read by selector are not all the claims' users: no claim is called unused then.
        unused_after: scope
            .selector
            .is_none()
            .then_some(crate::ctx::DEFAULT_UNUSED_AFTER),
    }
}

/// EBS volumes looked at: those of the PVs in focus that EC2 returned, plus (cluster-wide) the
/// Kubernetes-tagged available volumes searched for orphans.
fn ebs_volumes_checked(cx: &Ctx) -> usize {
    let ids: HashSet<&str> = cx
        .pvs()
        .iter()
        .filter_map(|pv| k8s::pv_volume_id(pv))
        .collect();
    cx.snap
        .ec2
        .volumes
        .iter()
        .filter(|v| {
            ids.contains(v.id.as_str())
                || (cx.cluster_wide() && v.state == "available" && v.has_kubernetes_tags())
        })
        .count()
}

/// Adds the cost to each orphan finding and lists the orphans.
fn price_orphans(cx: &Ctx, findings: &mut [Finding], prices: &Prices) -> Vec<Orphan> {
    let by_id: HashMap<&str, &crate::snapshot::ec2::Volume> = cx
        .snap
        .ec2
        .volumes
        .iter()
        .map(|v| (v.id.as_str(), v))
        .collect();
    let mut out = Vec::new();
    for f in findings
        .iter_mut()
        .filter(|f| f.code == rules::ebs::orphaned_ebs_volume::RULE.code)
    {
        let Some(v) = by_id.get(f.object.name.as_str()) else {
            continue;
        };
        let estimate = prices.estimate(v);
        let price_basis = match &estimate {
            Some(e) => {
                f.message.push_str(&format!(
                    "; about {}/month",
                    price::format_usd(e.monthly_usd)
                ));
                f.evidence.push(format!(
                    "cost ≈ {}/month: {}",
                    price::format_usd(e.monthly_usd),
                    e.basis
                ));
                e.basis.clone()
            }
            None => format!(
                "no price for type {}: pass --price-per-gb {}=USD",
                v.volume_type.as_deref().unwrap_or("?"),
                v.volume_type.as_deref().unwrap_or("TYPE")
            ),
        };
        let created_for = match (v.tag(k8s::TAG_PVC_NAMESPACE), v.tag(k8s::TAG_PVC_NAME)) {
            (Some(ns), Some(n)) => Some(format!("{ns}/{n}")),
            (None, Some(n)) => Some(n.to_string()),
            _ => None,
        };
        out.push(Orphan {
            volume_id: v.id.clone(),
            size_gib: v.size_gib,
            volume_type: v.volume_type.clone(),
            availability_zone: v.az.clone(),
            age: cx.age(v.created()),
            created_for,
            monthly_usd: estimate.map(|e| (e.monthly_usd * 100.0).round() / 100.0),
            price_basis,
            import_command: import_command(v),
        });
    }
    out
}

/// Adds the monthly cost of its EBS volume to each `pvc-unused` finding, when EC2 was read.
fn price_unused_claims(cx: &Ctx, findings: &mut [Finding], prices: &Prices) {
    for f in findings
        .iter_mut()
        .filter(|f| f.code == rules::binding::pvc_unused::RULE.code)
    {
        let ns = f.object.namespace.as_deref().unwrap_or_default();
        let crate::snapshot::Lookup::Found(pvc) = cx.pvc(ns, &f.object.name) else {
            continue;
        };
        let Some(crate::snapshot::Lookup::Found(pv)) = cx.pv_of(pvc) else {
            continue;
        };
        let Some(v) = k8s::pv_volume_id(pv).and_then(|id| cx.snap.ec2.volume(id)) else {
            continue;
        };
        if let Some(e) = prices.estimate(v) {
            let usd = price::format_usd(e.monthly_usd);
            f.message.push_str(&format!("; about {usd}/month"));
            f.evidence.push(format!("cost ≈ {usd}/month: {}", e.basis));
        }
    }
}

/// The `import-ebs` command line that re-adopts an orphan (the same one the rule's fix names).
pub fn import_command(v: &crate::snapshot::ec2::Volume) -> String {
    format!("kubectl storage import-ebs {}", v.id)
}

/// One row per object with an error or warning, its first finding as the root cause.
fn rows(findings: &[Finding]) -> Vec<Row> {
    let mut idx: HashMap<&ObjectRef, usize> = HashMap::new();
    let mut rows: Vec<Row> = Vec::new();
    for f in findings.iter().filter(|f| f.severity != Severity::Info) {
        if let Some(&i) = idx.get(&f.object) {
            if !rows[i].also.contains(&f.code) && rows[i].code != f.code {
                rows[i].also.push(f.code);
            }
            continue;
        }
        idx.insert(&f.object, rows.len());
        rows.push(Row {
            object: f.object.clone(),
            hop: rules::find(f.code).map_or(rules::Category::Cluster, |r| r.category),
            code: f.code,
            severity: f.severity,
            message: f.message.clone(),
            also: Vec::new(),
            next: next_command(f),
        });
    }
    rows.sort_by(|a, b| {
        a.severity
            .cmp(&b.severity)
            .then_with(|| a.object.namespace.cmp(&b.object.namespace))
            .then_with(|| a.object.kind.cmp(&b.object.kind))
            .then_with(|| a.object.name.cmp(&b.object.name))
    });
    rows
}

fn next_command(f: &Finding) -> String {
    let ns = f
        .object
        .namespace
        .as_deref()
        .map(|n| format!(" -n {n}"))
        .unwrap_or_default();
    match f.object.kind.as_str() {
        "Pod" => format!("kubectl storage why pod/{}{ns}", f.object.name),
        "PersistentVolumeClaim" => format!("kubectl storage why pvc/{}{ns}", f.object.name),
        "PersistentVolume" => format!("kubectl storage why pv/{}", f.object.name),
        _ => format!("kubectl storage explain {}", f.code),
    }
}

/// What could not be read in this scope, in the report's words.
fn not_checked(snap: &Snapshot, scope: &Scope) -> Vec<String> {
    let mut out = Vec::new();
    for kind in Kind::ALL {
        if matches!(
            kind,
            Kind::NodeStats | Kind::StatefulSet | Kind::Deployment | Kind::Job | Kind::CronJob
        ) {
            // Opt-in data, and the workloads only `pvc-unused` reads: that rule lists them as
            // not checked when it needed them (a claim no pod uses), so silence stays honest.
            continue;
        }
        let ns = if kind.namespaced() {
            scope.namespace.as_deref()
        } else {
            None
        };
        out.extend(snap.coverage_in(kind, ns).not_checked_line(kind));
    }
    out.extend(snap.not_read.iter().cloned());
    out.extend(snap.unknown_files.iter().cloned());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::load;

    fn scanned(snap: &Snapshot, scope: &Scope) -> ScanReport {
        scan(snap, scope, &Prices::default(), crate::acquire::as_of(snap))
    }

    fn example(name: &str) -> Snapshot {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        load::load_paths(&[root.join(name)]).expect("example").0
    }

    #[test]
    fn namespaces_a_live_scan_was_refused_are_listed_as_not_checked() {
        let mut snap = example("healthy");
        snap.not_read
            .push("pods in namespaces kube-system: forbidden".into());
        let r = scanned(&snap, &Scope::default());
        assert!(
            r.report
                .summary
                .not_checked
                .contains(&"pods in namespaces kube-system: forbidden".to_string()),
            "{:?}",
            r.report.summary.not_checked
        );
        assert!(r.scan.scope.contains("those readable"), "{}", r.scan.scope);
    }

    #[test]
    fn an_unused_claims_monthly_cost_comes_from_its_ebs_volume() {
        let dir = tempfile::tempdir().expect("tmp");
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        std::fs::copy(
            root.join("tests/fixtures/rules/pvc-unused/fires.yaml"),
            dir.path().join("cluster.yaml"),
        )
        .expect("copy");
        std::fs::write(
            dir.path().join("ec2-volumes.json"),
            r#"{"Volumes": [{"VolumeId": "vol-0d2d2d2d2d2d2d2d2", "Size": 20, "VolumeType": "gp3",
                "AvailabilityZone": "us-east-1a", "State": "in-use", "Iops": 3000, "Throughput": 125,
                "CreateTime": "2026-10-16T12:00:00+00:00", "Attachments": [], "Tags": []}]}"#,
        )
        .expect("write");
        let snap = load::load_paths(&[dir.path().to_path_buf()])
            .expect("load")
            .0;
        let scope = Scope {
            unused_after: Some(60 * 86_400),
            ..Scope::default()
        };
        let r = scanned(&snap, &scope);
        let f = r
            .report
            .findings
            .iter()
            .find(|f| f.object.name == "data-db-2")
            .expect("data-db-2 is unused");
        assert!(f.message.ends_with("; about $1.60/month"), "{}", f.message);
        assert_eq!(
            f.severity,
            Severity::Info,
            "45d old, under --unused-after 60d"
        );
        let other = r
            .report
            .findings
            .iter()
            .find(|f| f.object.name == "export-old")
            .expect("export-old is unused");
        assert!(!other.message.contains("/month"), "no EC2 data for it");
    }

    #[test]
    fn healthy_example_has_no_rows_and_counts_everything_healthy() {
        let r = scanned(&example("healthy"), &Scope::default());
        assert!(r.scan.rows.is_empty(), "{:?}", r.scan.rows);
        assert_eq!(r.report.summary.errors, 0);
        assert_eq!(r.scan.healthy, r.scan.checked);
        assert!(r.scan.checked.persistent_volume_claims >= 1);
    }

    #[test]
    fn seed_example_lists_the_claim_with_its_root_cause() {
        let r = scanned(&example("seed"), &Scope::default());
        let row = r
            .scan
            .rows
            .iter()
            .find(|row| row.object.name == "task-pvc")
            .expect("task-pvc row");
        assert_eq!(row.code, "provisioner-missing");
        assert_eq!(row.next, "kubectl storage why pvc/task-pvc -n default");
    }

    #[test]
    fn a_namespace_scope_leaves_other_namespaces_out() {
        let scope = Scope {
            namespace: Some("nowhere".into()),
            ..Scope::default()
        };
        let r = scanned(&example("seed"), &scope);
        assert_eq!(r.scan.checked.persistent_volume_claims, 0);
        assert!(r
            .report
            .findings
            .iter()
            .all(|f| f.object.namespace.as_deref() != Some("default")));
    }
}
