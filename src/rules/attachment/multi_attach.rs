//! `multi-attach`: a single-node volume is still attached to another node than the pod's.

use crate::k8s::Named;
use crate::model::PersistentVolume;

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use super::{node_state, pod_node, pod_pvs, pod_started, va_attached, va_name};
use crate::ctx::Ctx;
use crate::k8s;

pub static RULE: Rule = Rule {
    code: "multi-attach",
    severity: Severity::Error,
    category: Category::Attachment,
    summary: "A single-node volume is still attached to another node than the one the pod runs on (Multi-Attach error).",
    what: "A ReadWriteOnce / ReadWriteOncePod volume (every EBS volume except io2 multi-attach in Block mode) can be attached to one node at a time. This fires when a pod is scheduled to one node while a VolumeAttachment (attached or pending) holds its PV on another, or when the attach/detach controller reports FailedAttachVolume 'Multi-Attach error for volume \"PV\" Volume is already exclusively attached to one node and can't be attached to another' (or '… Volume is already used by pod(s) NAME'). It names both nodes, the pods still using the claim, and whether the old attachment is already being deleted. A normal move (the old attachment started detaching less than 2 minutes ago and no other pod uses the claim) is not reported.",
    why: "The pod stays ContainerCreating until the volume is detached from the other node. The controller sends the Multi-Attach event only once, so it scrolls away. Usual causes: a Deployment with a RWO claim doing a RollingUpdate (old and new pod on different nodes), two workloads sharing a claim, or a node that died: the controller waits up to 6 minutes for the old pod to unmount (maxWaitForUnmountDuration) and never detaches while the dead node's pod still exists.",
    fix: "Let only one pod use the claim: stop the other pod (for a Deployment use strategy Recreate, or give each replica its own claim with a StatefulSet). If the old node is dead, delete its pod (kubectl delete pod --force --grace-period=0) or taint the node node.kubernetes.io/out-of-service=nodeshutdown:NoExecute so the volume is detached.",
    check,
};

/// The attach/detach controller's wording.
const EVENT_TEXT: &str = "Multi-Attach error for volume";

/// How long a detach from the old node may take during a normal move before it counts.
const MOVE_GRACE_SECS: i64 = 120;

/// Whether a PV may be attached to only one node at a time.
fn single_node(pv: &PersistentVolume) -> bool {
    let spec = pv.spec.as_ref();
    let modes = spec
        .and_then(|s| s.access_modes.as_deref())
        .unwrap_or_default();
    let shared = modes
        .iter()
        .any(|m| m == "ReadWriteMany" || m == "ReadOnlyMany");
    if !shared {
        return true;
    }
    // EBS io2 multi-attach works only for raw block volumes; a shared filesystem EBS PV still
    // attaches to one node.
    let block = spec.and_then(|s| s.volume_mode.as_deref()) == Some("Block");
    k8s::pv_is_ebs(pv) && !block
}

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pod in cx.pods() {
        if pod_started(pod) {
            continue;
        }
        let Some(node) = pod_node(pod) else { continue };
        let ns = pod.namespace_or_empty();
        let pod_name = pod.name();
        let events = cx.pod_events(pod);
        for (pvc, pv) in pod_pvs(cx, pod) {
            if !single_node(pv) {
                continue;
            }
            let pv_name = pv.name();
            let vas = cx.attachments_of(pv_name);
            // Attached here already: whatever the event said is over.
            if vas
                .iter()
                .any(|va| va.spec.node_name == node && va_attached(va))
            {
                continue;
            }
            let elsewhere: Vec<_> = vas.iter().filter(|va| va.spec.node_name != node).collect();
            let event = events.iter().rev().find(|e| {
                e.reason == "FailedAttachVolume"
                    && e.message.contains(EVENT_TEXT)
                    && e.message.contains(&format!("\"{pv_name}\""))
            });
            if elsewhere.is_empty() && event.is_none() {
                continue;
            }
            let claim = pvc.name();
            let others: Vec<_> = cx
                .pods_using(ns, claim)
                .into_iter()
                .filter(|p| p.metadata.name.as_deref() != Some(pod_name))
                .collect();
            // A normal move (drain, StatefulSet reschedule): the old attachment started detaching
            // moments ago and no other pod holds the claim. Give the detach time to finish.
            let moving = !elsewhere.is_empty()
                && others.is_empty()
                && elsewhere.iter().all(|va| {
                    va.metadata
                        .deletion_timestamp
                        .as_ref()
                        .is_some_and(|t| cx.age_secs(t.0) < MOVE_GRACE_SECS)
                });
            if moving {
                continue;
            }
            let users: Vec<String> = others
                .into_iter()
                .map(|p| {
                    format!(
                        "{} ({} on {})",
                        p.name(),
                        k8s::pod_phase(p),
                        pod_node(p).unwrap_or("no node")
                    )
                })
                .collect();
            let modes = pv
                .spec
                .as_ref()
                .and_then(|s| s.access_modes.as_deref())
                .map(k8s::short_modes)
                .unwrap_or_default();
            let label = match k8s::pv_volume_id(pv) {
                Some(id) => format!("{pv_name} ({id}, {modes})"),
                None => format!("{pv_name} ({modes})"),
            };
            let mut parts = Vec::new();
            let mut dead_node = false;
            let mut deleting = false;
            for va in &elsewhere {
                let other = va.spec.node_name.as_str();
                let state = node_state(cx, other);
                dead_node |= matches!(state, "NotReady" | "gone");
                let mut s = format!(
                    "{} to node {other} ({})",
                    if va_attached(va) {
                        "attached"
                    } else {
                        "being attached"
                    },
                    match state {
                        "gone" => "node no longer exists",
                        other_state => other_state,
                    }
                );
                if let Some(t) = va.metadata.deletion_timestamp.as_ref() {
                    deleting = true;
                    s.push_str(&format!(
                        ", its VolumeAttachment being deleted for {}",
                        cx.age(Some(t.0))
                    ));
                }
                parts.push(s);
            }
            let mut message = if parts.is_empty() {
                format!(
                    "PV {label} is attached to another node, so pod {pod_name} on {node} cannot attach it"
                )
            } else {
                format!(
                    "PV {label} is still {}, so pod {pod_name} on {node} cannot attach it",
                    parts.join("; ")
                )
            };
            if !users.is_empty() {
                message.push_str(&format!(
                    "; claim {claim} is also used by pod {}",
                    users.join(", ")
                ));
            }
            if dead_node {
                message.push_str(
                    "; the old node is down: the volume is detached only once its pod is deleted",
                );
            } else if deleting {
                message.push_str("; the old attachment is being detached");
            }
            let mut f = Finding::new(&RULE, ObjectRef::of(*pod), message);
            if let Some(e) = event {
                f = f.evidence(cx.event_evidence(e));
            }
            for va in &elsewhere {
                f = f.evidence(format!(
                    "VolumeAttachment {} spec.nodeName: {}, status.attached: {}{}",
                    va_name(va),
                    va.spec.node_name,
                    va_attached(va),
                    va.metadata
                        .deletion_timestamp
                        .as_ref()
                        .map(|t| format!(", deletionTimestamp: {}", t.0))
                        .unwrap_or_default()
                ));
            }
            let other_pods: Vec<&str> = users
                .iter()
                .map(|u| u.split(' ').next().unwrap_or_default())
                .collect();
            let gone = elsewhere.first().filter(|va| {
                matches!(
                    cx.node(&va.spec.node_name),
                    crate::snapshot::Lookup::Missing
                )
            });
            let fix = if let Some(va) = gone {
                // Nothing to taint: the node and its instance are gone, only the record stays.
                let (old, name) = (va.spec.node_name.as_str(), va_name(va));
                format!(
                    "node {old} no longer exists: the attach-detach controller force-detaches after 6 minutes (maxWaitForUnmountDuration) once no pod is bound to it; delete any pod still bound there (kubectl get pods -A -o wide --field-selector spec.nodeName={old}); if VolumeAttachment {name} still stays and EC2 shows the volume available, remove it: kubectl patch volumeattachment {name} --type=merge -p '{{\"metadata\":{{\"finalizers\":null}}}}' && kubectl delete volumeattachment {name}; then it attaches to {node}"
                )
            } else if dead_node {
                let old = elsewhere
                    .first()
                    .map(|va| va.spec.node_name.as_str())
                    .unwrap_or("the old node");
                format!(
                    "node {old} is down: delete the pods still bound to it ({}) with kubectl delete pod -n {ns} NAME --force --grace-period=0, or taint it node.kubernetes.io/out-of-service=nodeshutdown:NoExecute, so the volume is detached and can attach to {node}",
                    if other_pods.is_empty() { "if any".to_string() } else { other_pods.join(", ") }
                )
            } else if !other_pods.is_empty() {
                format!(
                    "let only one pod use claim {ns}/{claim}: stop {} (for a Deployment set strategy: Recreate; for replicas with their own data use a StatefulSet with volumeClaimTemplates)",
                    other_pods.join(", ")
                )
            } else {
                format!(
                    "wait for the volume to detach from the other node; if it does not within a few minutes, check the VolumeAttachment there (detach-stuck) and the external-attacher of {}",
                    k8s::pv_driver(pv).unwrap_or("the driver")
                )
            };
            out.push(f.fix(fix));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy, findings};

    #[test]
    fn fires_during_a_rolling_update_with_a_rwo_claim() {
        let f = assert_fires("multi-attach");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].object.kind, "Pod");
        assert_eq!(f[0].object.name, "web-5c8b9d7f4-xk2lp");
        let m = &f[0].message;
        assert!(
            m.contains("still attached to node ip-10-0-1-10.ec2.internal (Ready)"),
            "{m}"
        );
        assert!(
            m.contains("on ip-10-0-1-11.ec2.internal cannot attach"),
            "{m}"
        );
        assert!(
            m.contains(
                "also used by pod web-7d9f8b6c5-q8zrt (Running on ip-10-0-1-10.ec2.internal)"
            ),
            "{m}"
        );
        assert!(m.contains("(vol-0f6f6f6f6f6f6f6f6, RWO)"), "{m}");
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("Multi-Attach error")),
            "{:?}",
            f[0].evidence
        );
        assert!(f[0].fix.contains("strategy: Recreate"), "{}", f[0].fix);
    }

    #[test]
    fn fires_when_the_old_node_died_and_says_the_attachment_is_being_deleted() {
        let all = findings("multi-attach", "old-node-died.yaml");
        let f: Vec<_> = all.iter().filter(|f| f.code == "multi-attach").collect();
        assert_eq!(f.len(), 1, "{all:#?}");
        let m = &f[0].message;
        assert!(
            m.contains("still attached to node ip-10-0-1-10.ec2.internal (NotReady), its VolumeAttachment being deleted for 3m"),
            "{m}"
        );
        assert!(m.contains("the old node is down"), "{m}");
        assert!(f[0].fix.contains("out-of-service"), "{}", f[0].fix);
        // Deleting for 3 minutes is not yet stuck.
        assert!(all.iter().all(|f| f.code != "detach-stuck"), "{all:#?}");
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("multi-attach");
    }
}
