//! `pvc-missing`: a pod's volume names a PersistentVolumeClaim that does not exist.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;
use crate::snapshot::Lookup;

pub static RULE: Rule = Rule {
    code: "pvc-missing",
    severity: Severity::Error,
    category: Category::Binding,
    summary: "A pod volume names a PersistentVolumeClaim that does not exist.",
    what: "A Pod's spec.volumes[].persistentVolumeClaim.claimName (or the claim a generic ephemeral volume should have created, POD-VOLUME) is not in the pod's namespace.",
    why: "The scheduler will not place the pod (FailedScheduling 'persistentvolumeclaim \"NAME\" not found'), or, if it was already placed, the kubelet cannot mount the volume: the pod stays Pending or ContainerCreating for ever. Usual causes: a typo in claimName, the claim created in another namespace, or a claim deleted (by hand, or by a StatefulSet's persistentVolumeClaimRetentionPolicy) while the pod still refers to it.",
    fix: "Create the claim in the pod's namespace with the exact name, or correct claimName in the pod template. For a StatefulSet pod, the controller creates TEMPLATE-STS-ORDINAL from volumeClaimTemplates when it creates the pod: delete the pod so it is recreated with its claim.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pod in cx.pods() {
        let ns = pod.namespace_or_empty();
        let pod_name = pod.name();
        let ephemeral: Vec<&str> = pod
            .spec
            .iter()
            .flat_map(|s| s.volumes.iter().flatten())
            .filter(|v| v.ephemeral.is_some())
            .map(|v| v.name.as_str())
            .collect();
        let sts = pod
            .metadata
            .owner_references
            .iter()
            .flatten()
            .find(|o| o.kind == "StatefulSet")
            .map(|o| o.name.as_str());
        for (volume, claim) in k8s::pod_claims(pod) {
            // Only an absence we saw: a claim we could not read is "not checked", not missing.
            if !matches!(cx.pvc(ns, &claim), Lookup::Missing) {
                continue;
            }
            let is_ephemeral = ephemeral.contains(&volume.as_str());
            let message = if is_ephemeral {
                format!("Pod {ns}/{pod_name} uses generic ephemeral volume \"{volume}\", but its claim {ns}/{claim} was never created")
            } else {
                format!("Pod {ns}/{pod_name} volume \"{volume}\" names claim {ns}/{claim}, which does not exist")
            };
            let mut f = Finding::new(&RULE, ObjectRef::of(*pod), message).evidence(if is_ephemeral {
                format!("{ns}/{pod_name} spec.volumes[{volume}].ephemeral → expected claim {claim}")
            } else {
                format!("{ns}/{pod_name} spec.volumes[{volume}].persistentVolumeClaim.claimName: {claim}")
            });
            let needle = format!("persistentvolumeclaim \"{claim}\" not found");
            if let Some(e) = cx
                .pod_events(pod)
                .into_iter()
                .rev()
                .find(|e| e.message.contains(&needle))
            {
                f = f.evidence(cx.event_evidence(e));
            }
            let others: Vec<String> = cx
                .snap
                .pvcs
                .iter()
                .filter(|p| p.metadata.name.as_deref() == Some(claim.as_str()))
                .filter_map(|p| p.metadata.namespace.clone())
                .collect();
            if !others.is_empty() {
                f = f.evidence(format!(
                    "a claim named {claim} exists in namespace {}",
                    others.join(", ")
                ));
            }
            let fix = if is_ephemeral {
                format!("the ephemeral volume controller in kube-controller-manager creates {ns}/{claim}; check its logs, and that no other claim of that name blocks it; deleting pod {pod_name} retries")
            } else if let Some(sts) =
                sts.filter(|s| claim.ends_with(&format!("-{pod_name}")) && pod_name.starts_with(s))
            {
                format!("delete pod {ns}/{pod_name} so StatefulSet {sts} recreates it and creates {claim} from its volumeClaimTemplates (a new, empty volume: to keep old data, first create {claim} with spec.volumeName set to the old PV)")
            } else if !others.is_empty() {
                format!("create claim {claim} in namespace {ns} (claims are namespaced: the one in {} cannot be used), or fix claimName in the pod's template", others.join(", "))
            } else {
                format!("create claim {claim} in namespace {ns}, or fix spec.volumes[{volume}].persistentVolumeClaim.claimName in the pod's template")
            };
            out.push(f.fix(fix));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_for_a_pod_naming_a_missing_claim() {
        let f = assert_fires("pvc-missing");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].object.kind, "Pod");
        assert_eq!(f[0].object.name, "web-0");
        assert!(
            f[0].message.contains("volume \"data\"") && f[0].message.contains("shop/data-web"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("claimName: data-web")),
            "{:?}",
            f[0].evidence
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("FailedScheduling") && e.contains("\"data-web\" not found")),
            "{:?}",
            f[0].evidence
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("namespace default")),
            "{:?}",
            f[0].evidence
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("pvc-missing");
    }
}
