//! `pvc-unused` (scan): a Bound claim that no Pod and no workload template references.

use std::collections::{HashMap, HashSet};

use k8s_openapi::api::core::v1::{PersistentVolumeClaim, PodTemplateSpec};

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::{Kind, Lookup, Snapshot};

pub static RULE: Rule = Rule {
    code: "pvc-unused",
    severity: Severity::Info,
    category: Category::Cluster,
    summary: "Scan: a Bound claim that no Pod and no workload template uses (a warning past --unused-after, default 30d).",
    what: "A PersistentVolumeClaim in phase Bound that no Pod's volumes name, that no pod template of a StatefulSet, Deployment, Job or CronJob names, and that is not a claim a StatefulSet's volumeClaimTemplates will use again (<template>-<statefulset>-<ordinal> with the ordinal below its replicas). A StatefulSet's claims above its replicas are named as retained after a scale-down. Info while the claim is younger than --unused-after (default 30d), a warning after. Reported by scan only, when pods and every workload kind were read in the claim's namespace (else the kinds are listed as not checked).",
    why: "The claim keeps its volume, and the volume costs money every month, for a workload that is gone or was scaled down: StatefulSets keep their claims when scaled down or deleted (persistentVolumeClaimRetentionPolicy defaults to Retain), and a deleted Deployment leaves its claim behind.",
    fix: "If the data is still wanted, keep it (or snapshot it); if not, delete the claim (kubectl delete pvc NAME -n NS): with reclaim policy Delete its volume goes too, with Retain the PV and volume stay for import or cleanup. For a StatefulSet, scaling back up reuses its retained claims.",
    check,
};

/// The kinds whose objects may name a claim.
const USERS: [Kind; 5] = [
    Kind::Pod,
    Kind::StatefulSet,
    Kind::Deployment,
    Kind::Job,
    Kind::CronJob,
];

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let Some(after) = cx.unused_after() else {
        return;
    };
    let candidates: Vec<&PersistentVolumeClaim> = cx
        .pvcs()
        .iter()
        .copied()
        .filter(|c| k8s::pvc_phase(c) == "Bound" && c.metadata.deletion_timestamp.is_none())
        .filter(|c| {
            let (ns, name) = k8s::ns_name(*c);
            cx.pods_using(ns, name).is_empty()
        })
        .collect();
    if candidates.is_empty() {
        return;
    }
    let templates = template_claims(cx.snap);
    let mut unknown_in: HashMap<&str, bool> = HashMap::new();
    for pvc in candidates {
        let (ns, name) = k8s::ns_name(pvc);
        // Every kind that may name the claim must be known in its namespace; `unknown` records
        // the ones that are not, so they are listed as not checked.
        let unknown = *unknown_in.entry(ns).or_insert_with(|| {
            USERS
                .iter()
                .filter(|k| cx.unknown(**k, Some(ns)).is_some())
                .count()
                > 0
        });
        if unknown || templates.contains(&(ns, name)) {
            continue;
        }
        let retained = match statefulset_of(cx.snap, ns, name) {
            Some(s) if s.ordinal >= s.start && s.ordinal < s.start + s.replicas => continue,
            other => other,
        };
        out.push(finding(cx, pvc, after, retained));
    }
}

/// The StatefulSet whose volumeClaimTemplates name a claim, with the claim's ordinal.
struct StsClaim<'a> {
    sts: &'a str,
    template: &'a str,
    ordinal: i64,
    replicas: i64,
    start: i64,
}

fn statefulset_of<'a>(snap: &'a Snapshot, ns: &str, claim: &str) -> Option<StsClaim<'a>> {
    snap.statefulsets
        .iter()
        .filter(|s| s.metadata.namespace.as_deref() == Some(ns))
        .find_map(|s| {
            let sts = s.metadata.name.as_deref()?;
            let spec = s.spec.as_ref()?;
            spec.volume_claim_templates.iter().flatten().find_map(|t| {
                let template = t.metadata.name.as_deref()?;
                let ordinal = claim
                    .strip_prefix(template)?
                    .strip_prefix('-')?
                    .strip_prefix(sts)?
                    .strip_prefix('-')?;
                // An ordinal is decimal digits only ("01" is not one the controller makes).
                if ordinal.is_empty()
                    || !ordinal.bytes().all(|b| b.is_ascii_digit())
                    || (ordinal.len() > 1 && ordinal.starts_with('0'))
                {
                    return None;
                }
                Some(StsClaim {
                    sts,
                    template,
                    ordinal: ordinal.parse().ok()?,
                    replicas: i64::from(spec.replicas.unwrap_or(1)),
                    start: spec
                        .ordinals
                        .as_ref()
                        .and_then(|o| o.start)
                        .map_or(0, i64::from),
                })
            })
        })
}

/// Every `(namespace, claim)` a workload's pod template names in its volumes.
fn template_claims(snap: &Snapshot) -> HashSet<(&str, &str)> {
    fn claims<'a>(
        ns: Option<&'a str>,
        t: Option<&'a PodTemplateSpec>,
    ) -> impl Iterator<Item = (&'a str, &'a str)> {
        t.and_then(|t| t.spec.as_ref())
            .into_iter()
            .flat_map(|s| s.volumes.iter().flatten())
            .filter_map(|v| v.persistent_volume_claim.as_ref())
            .map(move |c| (ns.unwrap_or_default(), c.claim_name.as_str()))
    }
    let sts = snap.statefulsets.iter().flat_map(|o| {
        claims(
            o.metadata.namespace.as_deref(),
            o.spec.as_ref().map(|s| &s.template),
        )
    });
    let deployments = snap.deployments.iter().flat_map(|o| {
        claims(
            o.metadata.namespace.as_deref(),
            o.spec.as_ref().map(|s| &s.template),
        )
    });
    let jobs = snap.jobs.iter().flat_map(|o| {
        claims(
            o.metadata.namespace.as_deref(),
            o.spec.as_ref().map(|s| &s.template),
        )
    });
    let cron_jobs = snap.cron_jobs.iter().flat_map(|o| {
        claims(
            o.metadata.namespace.as_deref(),
            o.spec.job_template.spec.as_ref().map(|s| &s.template),
        )
    });
    sts.chain(deployments)
        .chain(jobs)
        .chain(cron_jobs)
        .collect()
}

fn finding(
    cx: &Ctx,
    pvc: &PersistentVolumeClaim,
    after: i64,
    retained: Option<StsClaim>,
) -> Finding {
    let (ns, name) = k8s::ns_name(pvc);
    let pv = cx.pv_of(pvc).and_then(|l| match l {
        Lookup::Found(pv) => Some(pv),
        _ => None,
    });
    let size = pv
        .and_then(k8s::pv_capacity)
        .or_else(|| k8s::pvc_request(pvc))
        .map(k8s::format_bytes)
        .unwrap_or_else(|| "?".into());
    let class = k8s::pvc_class_name(pvc).unwrap_or_default();
    let created = pvc.metadata.creation_timestamp.as_ref().map(|t| t.0);
    let old = created.is_some_and(|t| cx.age_secs(t) >= after);
    let age = cx.age(created);
    let volume = pv.and_then(k8s::pv_volume_id);
    let pv_name = pvc
        .spec
        .as_ref()
        .and_then(|s| s.volume_name.as_deref())
        .unwrap_or("?");
    let what = format!(
        "PVC {ns}/{name} ({size}, class \"{class}\", PV {pv_name}{})",
        volume.map(|v| format!(", EBS {v}")).unwrap_or_default()
    );
    let policy = pv
        .and_then(|pv| pv.spec.as_ref())
        .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
        .unwrap_or("Delete");
    let delete = format!(
        "kubectl delete pvc {name} -n {ns} (reclaim policy {policy}: {})",
        if policy == "Delete" {
            "its volume is deleted with it"
        } else {
            "the PV and its volume stay"
        }
    );
    let (message, fix) = match &retained {
        Some(s) => (
            format!(
                "{what} is retained by StatefulSet {ns}/{} after a scale-down: ordinal {} of template \"{}\", the StatefulSet has {} replicas; no Pod uses it, created {age} ago",
                s.sts, s.ordinal, s.template, s.replicas
            ),
            format!(
                "scale StatefulSet {} back up (kubectl scale sts {} -n {ns} --replicas {}) to use it again, or, if its data is not wanted, {delete}",
                s.sts,
                s.sts,
                s.ordinal - s.start + 1
            ),
        ),
        None => (
            format!(
                "{what} is Bound but no Pod and no workload template uses it, created {age} ago"
            ),
            format!("if its data is still wanted, keep or snapshot it; otherwise {delete}"),
        ),
    };
    let mut f = Finding::new(&RULE, ObjectRef::of(pvc), message)
        .evidence(format!(
            "no Pod in namespace {ns} names claim {name} in its volumes"
        ))
        .evidence(format!(
            "no StatefulSet, Deployment, Job or CronJob pod template in namespace {ns} names it"
        ))
        .fix(fix);
    if let Some(s) = &retained {
        f = f.evidence(format!(
            "StatefulSet {ns}/{} spec.replicas: {} · volumeClaimTemplates[].name: {}",
            s.sts, s.replicas, s.template
        ));
    }
    if old {
        let days = after / 86_400;
        f = f
            .evidence(format!(
                "created {age} ago, over --unused-after {}",
                if after % 86_400 == 0 {
                    format!("{days}d")
                } else {
                    k8s::format_age(after)
                }
            ))
            .severity(Severity::Warning);
    }
    f
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};
    use crate::rules::Severity;

    #[test]
    fn fires_for_a_claim_nobody_uses_and_names_a_statefulsets_retained_claim() {
        let f = assert_fires("pvc-unused");
        let names: Vec<&str> = f.iter().map(|f| f.object.name.as_str()).collect();
        assert_eq!(names, ["data-db-2", "export-old"], "{f:#?}");
        let sts = &f[0];
        assert!(
            sts.message.contains(
                "PVC shop/data-db-2 (20Gi, class \"gp3\", PV pvc-db-2, EBS vol-0d2d2d2d2d2d2d2d2) is retained by StatefulSet shop/db after a scale-down: ordinal 2 of template \"data\", the StatefulSet has 2 replicas"
            ),
            "{}",
            sts.message
        );
        assert!(
            sts.fix
                .contains("kubectl scale sts db -n shop --replicas 3"),
            "{}",
            sts.fix
        );
        assert_eq!(sts.severity, Severity::Warning, "45d old, past 30d");
        let plain = &f[1];
        assert!(
            plain.message.contains(
                "PVC shop/export-old (5Gi, class \"gp3\", PV pvc-export-old, EBS vol-0e0e0e0e0e0e0e0e0) is Bound but no Pod and no workload template uses it, created 3d ago"
            ),
            "{}",
            plain.message
        );
        assert_eq!(plain.severity, Severity::Info, "3d old, under 30d");
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("pvc-unused");
    }
}
