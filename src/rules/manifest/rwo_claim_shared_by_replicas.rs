//! `rwo-claim-shared-by-replicas`: a Deployment or ReplicaSet whose Pods share one ReadWriteOnce
//! EBS claim.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;
use crate::manifest::{WORKLOAD_KIND, WORKLOAD_REPLICAS, WORKLOAD_STRATEGY};

pub static RULE: Rule = Rule {
    code: "rwo-claim-shared-by-replicas",
    severity: Severity::Warning,
    category: Category::Manifest,
    summary: "A Deployment or ReplicaSet with more than one replica, or with the default RollingUpdate strategy, mounts a ReadWriteOnce claim on EBS: the second Pod waits on a Multi-Attach error.",
    what: "Fires on a Deployment or ReplicaSet whose Pod template mounts a claim that is ReadWriteOnce (or ReadWriteOncePod) and backed by EBS (its class is an EBS class, or it names an EBS PV), when `replicas` is above 1, or for a Deployment when its strategy is RollingUpdate (the default) with a maxSurge above 0.",
    why: "An EBS volume attaches to one node at a time. Every Pod of the workload uses the same claim: the second replica, or on every rollout the new Pod that RollingUpdate starts before the old one stops, lands on another node and waits in ContainerCreating with `Multi-Attach error for volume \"pvc-…\" Volume is already used by pod(s) …`. The rollout hangs until its progress deadline.",
    fix: "For one replica, set `strategy: {type: Recreate}` (or RollingUpdate with maxSurge: 0) so the old Pod releases the volume first. For several replicas each needing its own disk, use a StatefulSet with volumeClaimTemplates.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pod in cx.pods() {
        let Some(ann) = pod.metadata.annotations.as_ref() else {
            continue;
        };
        let Some(kind) = ann.get(WORKLOAD_KIND) else {
            continue;
        };
        let replicas: i64 = ann
            .get(WORKLOAD_REPLICAS)
            .and_then(|r| r.parse().ok())
            .unwrap_or(1);
        let strategy = ann.get(WORKLOAD_STRATEGY).map(String::as_str);
        let rolling = strategy == Some("RollingUpdate");
        if replicas <= 1 && !rolling {
            continue;
        }
        let ns = pod.namespace_or_empty();
        let name = pod.name();
        for (volume, claim) in k8s::pod_claims(pod) {
            let Some(pvc) = cx.pvc(ns, &claim).found() else {
                continue;
            };
            let modes = pvc
                .spec
                .as_ref()
                .and_then(|s| s.access_modes.as_deref())
                .unwrap_or_default();
            let single = modes
                .iter()
                .any(|m| m == "ReadWriteOnce" || m == "ReadWriteOncePod")
                && !modes
                    .iter()
                    .any(|m| m == "ReadWriteMany" || m == "ReadOnlyMany");
            if !single {
                continue;
            }
            let on_ebs = cx
                .class_of(pvc)
                .is_some_and(|sc| k8s::is_ebs_provisioner(&sc.provisioner))
                || cx
                    .pv_of(pvc)
                    .and_then(|l| l.found())
                    .is_some_and(k8s::pv_is_ebs);
            if !on_ebs {
                continue;
            }
            let why = if replicas > 1 {
                format!("its {replicas} replicas all mount it, and all but one wait")
            } else {
                "every rollout starts the new Pod before the old one stops (RollingUpdate), and the new one waits".into()
            };
            let fix = if replicas > 1 {
                format!("give each replica its own volume with a StatefulSet and volumeClaimTemplates, or set replicas: 1 and strategy: {{type: Recreate}} on {kind} {name}")
            } else {
                format!("set strategy: {{type: Recreate}} on {kind} {name} (or rollingUpdate.maxSurge: 0), or use a StatefulSet")
            };
            out.push(
                Finding::new(
                    &RULE,
                    ObjectRef::of(*pod),
                    format!(
                        "{kind} {ns}/{name} mounts ReadWriteOnce EBS claim {claim} (volume \"{volume}\"): {why} on another node with a Multi-Attach error"
                    ),
                )
                .evidence(format!("spec.replicas: {replicas}"))
                .evidence(format!(
                    "strategy: {}",
                    strategy.unwrap_or("(ReplicaSet: none)")
                ))
                .evidence(format!("claim {claim} accessModes: {}", modes.join(", ")))
                .fix(fix),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_on_replicas_and_on_the_default_rollout() {
        let f = assert_fires("rwo-claim-shared-by-replicas");
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f
            .iter()
            .any(|f| f.message.contains("its 3 replicas all mount it")));
        assert!(f
            .iter()
            .any(|f| f.message.contains("RollingUpdate") && f.fix.contains("Recreate")));
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("rwo-claim-shared-by-replicas");
    }
}
