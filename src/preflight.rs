//! `preflight`: run the rules over manifests and point each finding at the file and line that
//! causes it. Pure: the manifests and any cluster data are read by the caller.

use crate::k8s::Named;
use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use crate::ctx::{Ctx, Focus};
use crate::manifest::{Manifests, Object, Origins};
use crate::render::SourceLocation;
use crate::report::Summary;
use crate::rules::{self, Category, Finding, ObjectRef};
use crate::snapshot::Snapshot;

/// The codes whose logic holds for objects not yet applied (besides every manifest rule). Rules
/// about events, attachments, mounts and EC2 describe a running cluster and are left out.
pub const OFFLINE_CODES: [&str; 10] = [
    "access-mode-unsupported",
    "storageclass-missing",
    "no-default-storageclass",
    "multiple-default-storageclasses",
    "no-matching-pv",
    "pv-bound-to-other-claim",
    "pvc-missing",
    "legacy-aws-ebs-provisioner",
    "provisioner-missing",
    "zone-mismatch",
];

/// Fields a finding of each code is about, relative to the object (first present wins), for
/// locations when the evidence names no field.
pub(crate) const FIELD_HINTS: &[(&str, &[&str])] = &[
    ("access-mode-unsupported", &["spec.accessModes"]),
    ("storageclass-missing", &["spec.storageClassName"]),
    ("no-default-storageclass", &["spec"]),
    ("multiple-default-storageclasses", &["metadata.annotations"]),
    (
        "no-matching-pv",
        &["spec.storageClassName", "spec.resources.requests.storage"],
    ),
    ("pv-bound-to-other-claim", &["spec.volumeName"]),
    ("pvc-missing", &["spec.volumes"]),
    (
        "legacy-aws-ebs-provisioner",
        &["provisioner", "spec.storageClassName"],
    ),
    (
        "provisioner-missing",
        &["provisioner", "spec.storageClassName"],
    ),
    (
        "zone-mismatch",
        &[
            "spec.nodeSelector",
            "spec.affinity",
            "allowedTopologies",
            "parameters.zones",
            "spec.nodeAffinity",
        ],
    ),
    (
        "claim-below-minimum-size",
        &["spec.resources.requests.storage"],
    ),
    (
        "statefulset-claim-without-size",
        &["spec.volumeClaimTemplates"],
    ),
    (
        "static-pv-without-zone-affinity",
        &["spec.csi", "spec.awsElasticBlockStore", "spec"],
    ),
    ("rwo-claim-shared-by-replicas", &["spec.volumes", "spec"]),
    ("claim-gets-default-class", &["spec"]),
];

/// Rules about a StorageClass that, in a chain, look only at the classes its claims use. In
/// manifests every class is checked on its own: charts often ship the class, others the claims.
const CLASS_CODES: [&str; 2] = [
    "legacy-aws-ebs-provisioner",
    "immediate-binding-single-zone",
];

/// One finding with where it is written.
#[derive(Debug, Clone, Serialize)]
pub struct LocatedFinding {
    #[serde(flatten)]
    pub finding: Finding,
    /// The manifest object the finding traces back to (a StatefulSet for its replicas' claims).
    pub source: ObjectRef,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<SourceLocation>,
}

/// The result of a preflight run.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PreflightReport {
    pub schema_version: u32,
    /// The cluster the manifests were checked against, if any (`null`s offline but `asOf`).
    pub cluster: crate::identity::Identity,
    pub files: usize,
    pub objects: usize,
    /// Objects of kinds preflight does not check, by kind.
    pub skipped: BTreeMap<String, usize>,
    pub findings: Vec<LocatedFinding>,
    /// Findings silenced by `--ignore` or the `storage.kubectl.io/ignore` annotation.
    pub ignored: usize,
    pub summary: Summary,
    /// Every checked manifest object with its location (JUnit's passing cases).
    #[serde(skip)]
    pub subjects: Vec<(ObjectRef, SourceLocation)>,
}

/// Checks the manifests. `snap` is [`crate::manifest::to_snapshot`] of them, possibly merged with
/// cluster data; `ignore` holds codes already validated against the catalog.
pub fn check(
    m: &Manifests,
    snap: &Snapshot,
    origins: &Origins,
    ignore: &[String],
    as_of: jiff::Timestamp,
) -> PreflightReport {
    // `scan`-only findings (unclaimed PVs, orphans) are about a running cluster.
    let manifests = Focus {
        cluster_wide: false,
        unused_after: None,
        ..Focus::all(snap)
    };
    let cx = Ctx::new(snap, as_of).with_focus(manifests);
    let mut all = rules::run(&cx);
    let classes = Ctx::new(snap, cx.now).with_focus(Focus::all(snap));
    let mut more = Vec::new();
    for code in CLASS_CODES {
        if let Some(rule) = rules::find(code) {
            (rule.check)(&classes, &mut more);
        }
    }
    all.extend(more);
    let mut ignored = 0;
    let mut findings = Vec::new();
    let mut seen = HashSet::new();
    for f in all {
        let offline = OFFLINE_CODES.contains(&f.code)
            || rules::find(f.code).is_some_and(|r| r.category == Category::Manifest);
        if !offline {
            continue;
        }
        let origin = origins.get(&(
            f.object.kind.clone(),
            f.object.namespace.clone(),
            f.object.name.clone(),
        ));
        let object = origin.and_then(|o| m.objects.get(o.object));
        // Findings about cluster objects alone (a class that only the cluster has) concern the
        // manifests only through the objects that use them: keep those, which have an origin.
        let Some((origin, object)) = origin.zip(object) else {
            continue;
        };
        if ignore.iter().any(|c| c == f.code) || object.ignored_codes().iter().any(|c| c == f.code)
        {
            ignored += 1;
            continue;
        }
        let location = locate(&f, object, &origin.prefix);
        let source = ObjectRef::new(&object.kind, object.namespace.as_deref(), &object.name);
        if !seen.insert((f.code, f.message.clone(), location.clone())) {
            continue; // two replicas' worth of one template mistake
        }
        findings.push(LocatedFinding {
            finding: f,
            source,
            location: Some(location),
        });
    }
    let mut not_checked = snap.not_checked();
    not_checked.extend(unresolved_claims(&cx, m, origins));
    PreflightReport {
        schema_version: 1,
        cluster: crate::identity::Identity::of(snap, cx.now),
        files: m.files,
        objects: m.objects.len(),
        skipped: m.skipped.clone(),
        summary: Summary::of(findings.iter().map(|l| &l.finding), not_checked),
        findings,
        ignored,
        subjects: m
            .objects
            .iter()
            .map(|o| {
                (
                    ObjectRef::new(&o.kind, o.namespace.as_deref(), &o.name),
                    at(o, o.start),
                )
            })
            .collect(),
    }
}

/// Claims a Pod or template names (`claimName`, charts' `existingClaim`) that neither the
/// manifests nor the cluster data hold, and that could not be looked up: one not-checked line
/// each, so an unresolved name is never silent. (With cluster data that lacks it, `pvc-missing`
/// reports it instead.)
fn unresolved_claims(cx: &Ctx, m: &Manifests, origins: &Origins) -> Vec<String> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    for pod in &cx.snap.pods {
        let ns = pod.namespace_or_empty();
        let pod_name = pod.name();
        for (volume, claim) in crate::k8s::pod_claims(pod) {
            let crate::snapshot::Lookup::Unknown(_) = cx.pvc(ns, &claim) else {
                continue;
            };
            let by = origins
                .get(&(
                    "Pod".to_string(),
                    Some(ns.to_string()),
                    pod_name.to_string(),
                ))
                .and_then(|o| m.objects.get(o.object))
                .map(|o| format!("{} {} in {}", o.kind, o.name, o.file))
                .unwrap_or_else(|| format!("Pod {pod_name}"));
            let line = format!(
                "claim {ns}/{claim} (volume \"{volume}\" of {by}): not in the manifests; add --snapshot DIR or --cluster-check to check that it exists"
            );
            if seen.insert(line.clone()) {
                out.push(line);
            }
        }
    }
    out
}

fn at(o: &Object, p: crate::manifest::Pos) -> SourceLocation {
    SourceLocation {
        file: o.file.to_string(),
        line: p.line,
        column: p.column,
    }
}

/// The line a finding is about: a field its evidence names (`parameters.iopsPerGB: "60"`), else
/// the usual field for its code, else the part of the object it came from, else the object.
fn locate(f: &Finding, o: &Object, prefix: &str) -> SourceLocation {
    let join = |path: &str| {
        if prefix.is_empty() {
            path.to_string()
        } else {
            format!("{prefix}.{path}")
        }
    };
    let from_evidence = f.evidence.iter().find_map(|e| {
        let token = e.split([':', ' ']).next()?;
        o.field(&join(token))
    });
    let from_hint = || {
        FIELD_HINTS
            .iter()
            .find(|(c, _)| *c == f.code)
            .and_then(|(_, paths)| paths.iter().find_map(|p| o.field(&join(p))))
    };
    let pos = from_evidence
        .or_else(from_hint)
        .or_else(|| (!prefix.is_empty()).then(|| o.field(prefix)).flatten())
        .unwrap_or(o.start);
    at(o, pos)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{read_str, to_snapshot};

    const TEXT: &str = "\
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: fast
provisioner: ebs.csi.aws.com
parameters:
  type: io1
  iopsPerGB: \"60\"
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  serviceName: db
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec:
      containers: [{name: db, image: pg, volumeMounts: [{name: data, mountPath: /d}]}]
  volumeClaimTemplates:
  - metadata: {name: data}
    spec:
      storageClassName: fast
      accessModes:
      - ReadWriteMany
      resources: {requests: {storage: 2Gi}}
";

    fn run(text: &str, ignore: &[String]) -> PreflightReport {
        let m = read_str("m.yaml", text).expect("reads");
        let (snap, origins) = to_snapshot(&m, "default").expect("converts");
        check(&m, &snap, &origins, ignore, crate::acquire::as_of(&snap).at)
    }

    #[test]
    fn findings_point_at_the_offending_lines_across_documents() {
        let r = run(TEXT, &[]);
        let line = |code: &str| {
            r.findings
                .iter()
                .find(|f| f.finding.code == code)
                .and_then(|f| f.location.as_ref())
                .map(|l| l.line)
                .unwrap_or_else(|| panic!("no {code}: {:#?}", r.findings))
        };
        assert_eq!(line("ebs-class-invalid-parameters"), 8);
        assert_eq!(line("access-mode-unsupported"), 25);
        assert_eq!(line("claim-below-minimum-size"), 27);
        let claim = r
            .findings
            .iter()
            .find(|f| f.finding.code == "access-mode-unsupported")
            .expect("rwx");
        assert_eq!(claim.source.kind, "StatefulSet");
    }

    #[test]
    fn ignore_flag_and_annotation_silence_codes() {
        let r = run(TEXT, &["access-mode-unsupported".to_string()]);
        assert!(r
            .findings
            .iter()
            .all(|f| f.finding.code != "access-mode-unsupported"));
        assert_eq!(r.ignored, 1);
        let annotated = TEXT.replace(
            "  name: fast\n",
            "  name: fast\n  annotations: {storage.kubectl.io/ignore: ebs-class-invalid-parameters}\n",
        );
        let r = run(&annotated, &[]);
        assert!(r
            .findings
            .iter()
            .all(|f| f.finding.code != "ebs-class-invalid-parameters"));
    }

    #[test]
    fn absent_cluster_objects_are_not_findings() {
        // The class is not in the input and no cluster was read: unknown, not missing.
        let text = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: a}\nspec:\n  storageClassName: gp3\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n";
        let r = run(text, &[]);
        assert!(r.findings.is_empty(), "{:#?}", r.findings);
    }
}
