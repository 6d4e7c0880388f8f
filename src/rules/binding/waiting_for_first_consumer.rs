//! `waiting-for-first-consumer`: a pending claim of a WaitForFirstConsumer class that no pod uses
//! yet. Normal, and often mistaken for a fault.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use super::fit;
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;
use crate::snapshot::Kind;

pub static RULE: Rule = Rule {
    code: "waiting-for-first-consumer",
    severity: Severity::Info,
    category: Category::Binding,
    summary: "A PVC is Pending because its class binds WaitForFirstConsumer and no Pod uses it yet: normal.",
    what: "A PersistentVolumeClaim is Pending, its StorageClass has volumeBindingMode: WaitForFirstConsumer, and no Pod in its namespace refers to it. The PV controller records WaitForFirstConsumer 'waiting for first consumer to be created before binding'.",
    why: "Nothing is wrong: with WaitForFirstConsumer the volume is created (or a static PV chosen) only once the scheduler has picked a node for a pod using the claim, so that the volume lands in that node's zone. The claim stays Pending until then, which looks like a failure in kubectl get pvc.",
    fix: "Nothing to fix. Create the pod (or scale up the StatefulSet or Deployment) that mounts the claim; if a pod should already exist, check why its controller has not created it.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pvc in cx.pvcs() {
        if k8s::pvc_phase(pvc) != "Pending" || cx.pv_of(pvc).is_some() {
            continue;
        }
        let Some(sc) = cx.class_of(pvc) else {
            continue;
        };
        if k8s::binding_mode(sc) != "WaitForFirstConsumer" {
            continue;
        }
        let ns = pvc.namespace_or_empty();
        let name = pvc.name();
        // Pods not read: the claim's own state still says it waits for one (no selected node).
        let pods_unknown = cx.unknown(Kind::Pod, Some(ns));
        if !cx.pods_using(ns, name).is_empty()
            || k8s::annotation(*pvc, "volume.kubernetes.io/selected-node").is_some()
        {
            continue;
        }
        let key = fit::claim_key(pvc);
        let class = sc.name();
        let mut f = Finding::new(
            &RULE,
            ObjectRef::of(*pvc),
            format!(
                "Claim {key} is Pending for {}: class \"{class}\" binds WaitForFirstConsumer and no pod uses the claim yet (normal)",
                cx.age(pvc.metadata.creation_timestamp.as_ref().map(|t| t.0))
            ),
        )
        .evidence(format!(
            "StorageClass {class} volumeBindingMode: WaitForFirstConsumer"
        ))
        .evidence(match &pods_unknown {
            None => format!("no pod in namespace {ns} mounts {name}"),
            Some(why) => format!(
                "no node selected for {name} (no volume.kubernetes.io/selected-node annotation), so no scheduled pod uses it; pods were not read ({why}): if a pod does use it, it is not scheduled yet"
            ),
        });
        if let Some(e) = cx
            .pvc_events(pvc)
            .into_iter()
            .rev()
            .find(|e| e.reason == "WaitForFirstConsumer")
        {
            f = f.evidence(cx.event_evidence(e));
        }
        out.push(f.fix(format!(
            "nothing to fix: create the pod (or scale up the StatefulSet) that mounts {name}; the volume is then created in the zone of the node the pod is scheduled to"
        )));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};
    use crate::rules::Severity;

    #[test]
    fn fires_as_info_for_a_claim_without_pods() {
        let f = assert_fires("waiting-for-first-consumer");
        assert_eq!(f[0].object.name, "data-cache-0");
        assert_eq!(f[0].severity, Severity::Info);
        assert!(
            f[0].message.contains(
                "Claim cache/data-cache-0 is Pending for 25m: class \"gp3\" binds WaitForFirstConsumer"
            ),
            "{}",
            f[0].message
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("waiting for first consumer to be created before binding")),
            "{:?}",
            f[0].evidence
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("waiting-for-first-consumer");
    }
}
