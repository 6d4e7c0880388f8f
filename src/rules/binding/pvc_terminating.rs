//! `pvc-terminating`: a claim a Pod needs is being deleted.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use super::fit;
use crate::ctx::Ctx;
use crate::k8s;

pub static RULE: Rule = Rule {
    code: "pvc-terminating",
    severity: Severity::Error,
    category: Category::Binding,
    summary: "A PVC a Pod needs carries a deletionTimestamp: it is being deleted, held only by the kubernetes.io/pvc-protection finalizer.",
    what: "Someone deleted a PersistentVolumeClaim while Pods still use it (a `kubectl delete` of a namespace's claims, a Helm uninstall, a StatefulSet's claim cleanup). The API server set its deletionTimestamp; the pvc-protection controller keeps the object until no Pod uses it. Meanwhile the scheduler refuses new Pods that name it ('persistentvolumeclaim \"X\" is being deleted') and the kubelet will not mount it for them.",
    why: "A claim being deleted never comes back: when its last Pod stops, the claim goes away and, with reclaim policy Delete, its PersistentVolume and the EBS volume with the data are deleted too. A StatefulSet replica that restarts waits forever on the vanishing claim.",
    fix: "Protect the data first: set the PV's reclaim policy to Retain (kubectl patch pv PV -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}'). Then let the claim go (stop the Pods using it), clear the PV's claimRef and create the claim again bound to that PV (spec.volumeName).",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pvc in cx.pvcs() {
        let Some(deleted) = pvc.metadata.deletion_timestamp.as_ref() else {
            continue;
        };
        let (ns, name) = k8s::ns_name(*pvc);
        let pods = cx.pods_using(ns, name);
        if pods.is_empty() {
            continue;
        }
        let key = fit::claim_key(pvc);
        let names: Vec<&str> = pods.iter().map(|p| k8s::ns_name(*p).1).collect();
        let finalizers = pvc.metadata.finalizers.as_deref().unwrap_or_default();
        let mut f = Finding::new(
            &RULE,
            ObjectRef::of(*pvc),
            format!(
                "Claim {key} is being deleted (for {}) while pod(s) {} need it: no new pod can use it, and it goes away when they stop",
                k8s::format_age(cx.age_secs(deleted.0)),
                names.join(", ")
            ),
        )
        .evidence(format!(
            "{key} metadata.deletionTimestamp: {}{}",
            deleted.0,
            if finalizers.is_empty() {
                String::new()
            } else {
                format!(", finalizers: {}", finalizers.join(", "))
            }
        ));
        for pod in &pods {
            for e in cx
                .pod_events(pod)
                .into_iter()
                .rev()
                .filter(|e| e.message.contains("is being deleted"))
                .take(1)
            {
                f = f.evidence(cx.event_evidence(e));
            }
            let scheduler = pod
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .and_then(|c| {
                    c.iter()
                        .find(|c| c.type_ == "PodScheduled" && c.status == "False")
                })
                .and_then(|c| c.message.as_deref())
                .filter(|m| m.contains("is being deleted"));
            if let Some(m) = scheduler {
                f = f.evidence(format!(
                    "pod {} condition PodScheduled=False: \"{}\"",
                    k8s::ns_name(*pod).1,
                    k8s::truncate(m, 160)
                ));
            }
        }
        let fix = match cx.pv_of(pvc).and_then(|l| l.found()) {
            Some(pv) => {
                let pv_name = k8s::ns_name(pv).1;
                let policy = pv
                    .spec
                    .as_ref()
                    .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
                    .unwrap_or("Delete");
                let keep = if policy == "Retain" {
                    format!("PV {pv_name} is already Retain, so its volume survives")
                } else {
                    format!("first keep the data: kubectl patch pv {pv_name} -p '{{\"spec\":{{\"persistentVolumeReclaimPolicy\":\"Retain\"}}}}' (it is {policy} now, so the volume is deleted with the claim)")
                };
                format!("{keep}; then stop the pods using {key}, clear the PV's claimRef (kubectl patch pv {pv_name} --type json -p '[{{\"op\":\"remove\",\"path\":\"/spec/claimRef\"}}]') and recreate the claim with spec.volumeName: {pv_name}")
            }
            None => RULE.fix.to_string(),
        };
        out.push(f.fix(fix));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_for_a_claim_deleted_under_its_pod() {
        let f = assert_fires("pvc-terminating");
        assert_eq!(f[0].object.name, "data-db-1");
        assert!(
            f[0].message.contains("pod(s) db-1 need it"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("persistentvolumeclaim \"data-db-1\" is being deleted")),
            "{:?}",
            f[0].evidence
        );
        assert!(
            f[0].fix
                .contains(r#""persistentVolumeReclaimPolicy":"Retain""#),
            "{}",
            f[0].fix
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("pvc-terminating");
    }
}
