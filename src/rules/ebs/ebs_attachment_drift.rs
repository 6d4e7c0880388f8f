//! `ebs-attachment-drift`: Kubernetes and EC2 disagree about where a volume is attached.

use super::super::{Category, Finding, Rule, Severity};
use super::{focused_ebs_pvs, found_volume, instance_of_node, volume_ref};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;
use crate::snapshot::Kind;

pub static RULE: Rule = Rule {
    code: "ebs-attachment-drift",
    severity: Severity::Warning,
    category: Category::Ebs,
    summary: "Kubernetes and EC2 disagree about a volume's attachment.",
    what: "Cross-checks three records of one attachment: the VolumeAttachment (external-attacher), the node's status.volumesAttached (attach-detach controller) and EC2's Attachments. Fires when a VolumeAttachment says attached but EC2 shows the volume not attached to that node's instance, when EC2 shows it attached to a cluster node with no VolumeAttachment, or when both agree but the node's status.volumesAttached does not list it.",
    why: "Drift is how 'stuck attaching' and 'stuck detaching' look from the inside: controllers act on their own record, so a VolumeAttachment that lies keeps a pod waiting for a mount that never comes, and an attachment EC2 holds without a VolumeAttachment blocks the volume from attaching anywhere else.",
    fix: "Let the controllers reconcile: delete the stale VolumeAttachment (the attacher recreates a true one), or detach the volume in EC2 when no VolumeAttachment wants it; restart the EBS CSI controller if its state is stuck.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (pv, id) in focused_ebs_pvs(cx) {
        let Some(v) = found_volume(cx, id) else {
            continue;
        };
        let vas_known = cx.unknown(Kind::VolumeAttachment, None).is_none();
        let pv_name = pv.name();
        let vas = cx.attachments_of(pv_name);
        let ec2_instances: Vec<&str> = v
            .live_attachments()
            .filter(|a| a.state == "attached")
            .map(|a| a.instance_id.as_str())
            .collect();
        // 1. VolumeAttachment says attached; EC2 does not.
        for va in &vas {
            let attached = va.status.as_ref().map(|s| s.attached).unwrap_or(false);
            if !attached || va.metadata.deletion_timestamp.is_some() {
                continue;
            }
            let node = va.spec.node_name.as_str();
            // The node was replaced (scaled in, recycled) while the volume was attached.
            if matches!(cx.node(node), crate::snapshot::Lookup::Missing) {
                if ec2_instances.is_empty() {
                    out.push(vanished_node(cx, va, v, id, pv_name));
                }
                continue;
            }
            let Some(inst) = instance_of_node(cx, node) else {
                continue;
            };
            // Attached to another instance is `ebs-attached-elsewhere`'s finding, not drift.
            if ec2_instances.contains(&inst) || !ec2_instances.is_empty() {
                continue;
            }
            let va_name = va.name();
            let ec2_view = format!("EC2 shows it {}", v.state);
            out.push(
                Finding::new(
                    &RULE,
                    volume_ref(id),
                    format!(
                        "VolumeAttachment {va_name} says EBS volume {id} (PV {pv_name}) is attached to node {node} ({inst}), but {ec2_view}"
                    ),
                )
                .evidence(format!("VolumeAttachment {va_name} status.attached: true, nodeName {node}"))
                .evidence(format!("DescribeVolumes {id}: State={}, attachments: {}", v.state, describe(v)))
                .fix(format!(
                    "delete VolumeAttachment {va_name} so the attacher attaches {id} again (kubectl delete volumeattachment {va_name})"
                )),
            );
        }
        // 2. EC2 attached to a cluster node, no VolumeAttachment for it.
        if vas_known {
            for inst in &ec2_instances {
                let Some(node) = cx.node_of_instance(inst) else {
                    continue;
                };
                if vas.iter().any(|va| va.spec.node_name == node) {
                    continue;
                }
                out.push(
                    Finding::new(
                        &RULE,
                        volume_ref(id),
                        format!(
                            "EC2 shows EBS volume {id} (PV {pv_name}) attached to {inst} (node {node}), but no VolumeAttachment exists for it"
                        ),
                    )
                    .evidence(format!("DescribeVolumes {id}: attachments: {}", describe(v)))
                    .evidence(format!("no VolumeAttachment for PV {pv_name} on node {node}"))
                    .fix(format!(
                        "if no pod on {node} uses PV {pv_name}, detach it: aws ec2 detach-volume --volume-id {id} --instance-id {inst}"
                    )),
                );
            }
        }
        // 3. Both agree, but the node's status.volumesAttached does not list it.
        for va in &vas {
            let attached = va.status.as_ref().map(|s| s.attached).unwrap_or(false);
            let node_name = va.spec.node_name.as_str();
            let Some(node) = cx.node(node_name).found() else {
                continue;
            };
            let Some(inst) = instance_of_node(cx, node_name) else {
                continue;
            };
            // A deleted VolumeAttachment is a detach under way: the controller drops the volume
            // from the node's list when it starts detaching, before the attacher is done.
            if !attached
                || va.metadata.deletion_timestamp.is_some()
                || !ec2_instances.contains(&inst)
            {
                continue;
            }
            let listed = node
                .status
                .as_ref()
                .and_then(|s| s.volumes_attached.as_ref())
                .is_some_and(|l| l.iter().any(|a| a.name.ends_with(id)));
            if listed {
                continue;
            }
            out.push(
                Finding::new(
                    &RULE,
                    volume_ref(id),
                    format!(
                        "EBS volume {id} (PV {pv_name}) is attached to node {node_name} ({inst}) per EC2 and its VolumeAttachment, but the node's status.volumesAttached does not list it"
                    ),
                )
                .evidence(format!(
                    "node {node_name} status.volumesAttached lacks kubernetes.io/csi/{}^{id}",
                    k8s::pv_driver(pv).unwrap_or(k8s::EBS_CSI)
                ))
                .fix("the attach-detach controller has lost track: check kube-controller-manager logs; restarting it rebuilds the node's attached list"),
            );
        }
    }
}

/// A VolumeAttachment still names a Node that no longer exists, and EC2 has the volume free:
/// the instance went away with the node. Nothing can detach from it any more, so the record
/// only has to go: the attach-detach controller force-detaches after its 6-minute
/// maxWaitForUnmountDuration once no pod on the gone node uses the volume.
fn vanished_node(
    cx: &Ctx,
    va: &crate::model::VolumeAttachment,
    v: &crate::snapshot::ec2::Volume,
    id: &str,
    pv_name: &str,
) -> Finding {
    let va_name = va.name();
    let node = va.spec.node_name.as_str();
    let age = va
        .metadata
        .creation_timestamp
        .as_ref()
        .map(|t| format!(" (created {} ago)", cx.age(Some(t.0))))
        .unwrap_or_default();
    Finding::new(
        &RULE,
        volume_ref(id),
        format!(
            "VolumeAttachment {va_name}{age} says EBS volume {id} (PV {pv_name}) is attached to node {node}, but node {node} no longer exists and EC2 shows the volume {}: the node was replaced while the volume was attached",
            v.state
        ),
    )
    .evidence(format!("VolumeAttachment {va_name} status.attached: true, nodeName {node}"))
    .evidence(format!("no Node \"{node}\""))
    .evidence(format!("DescribeVolumes {id}: State={}, attachments: {}", v.state, describe(v)))
    .fix(format!(
        "the attach-detach controller force-detaches a volume from a gone node after 6 minutes (maxWaitForUnmountDuration) once no pod there uses it: delete any pod still bound to {node} (kubectl get pods -A -o wide --field-selector spec.nodeName={node}); if VolumeAttachment {va_name} still stays, remove it by hand: kubectl patch volumeattachment {va_name} --type=merge -p '{{\"metadata\":{{\"finalizers\":null}}}}' && kubectl delete volumeattachment {va_name}"
    ))
}

fn describe(v: &crate::snapshot::ec2::Volume) -> String {
    let parts: Vec<String> = v
        .attachments
        .iter()
        .map(|a| format!("{} {}", a.instance_id, a.state))
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy, findings};

    fn drift(file: &str) -> Vec<String> {
        findings("ebs-attachment-drift", file)
            .into_iter()
            .filter(|f| f.code == "ebs-attachment-drift")
            .map(|f| f.message)
            .collect()
    }

    #[test]
    fn fires_when_ec2_holds_the_volume_without_a_volumeattachment() {
        let m = drift("fires-no-volumeattachment.yaml");
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(
            m[0].contains("attached to i-000000000000000a1 (node node-a), but no VolumeAttachment"),
            "{m:?}"
        );
    }

    #[test]
    fn fires_when_the_node_status_misses_the_volume() {
        let m = drift("fires-node-status.yaml");
        assert_eq!(m.len(), 1, "{m:?}");
        assert!(
            m[0].contains("status.volumesAttached does not list it"),
            "{m:?}"
        );
    }

    #[test]
    fn a_detach_under_way_is_not_drift() {
        let m = drift("detaching.yaml");
        assert!(m.is_empty(), "{m:?}");
        let all = findings("ebs-attachment-drift", "detaching.yaml");
        assert!(all.iter().any(|f| f.code == "detach-stuck"), "{all:#?}");
    }

    #[test]
    fn fires_when_the_attachment_says_attached_but_ec2_says_available() {
        let f = assert_fires("ebs-attachment-drift");
        let m = &f[0].message;
        assert!(m.contains("EC2 shows it available"), "{m}");
        assert!(m.contains("node node-a (i-000000000000000a1)"), "{m}");
    }

    #[test]
    fn fires_with_a_vanished_node_fix_when_the_node_was_replaced() {
        let all = findings("ebs-attachment-drift", "vanished-node.yaml");
        let f = all
            .iter()
            .find(|f| f.code == "ebs-attachment-drift")
            .expect("ebs-attachment-drift");
        let m = &f.message;
        assert!(
            m.contains("node ip-10-0-1-17.ec2.internal no longer exists"),
            "{m}"
        );
        assert!(m.contains("EC2 shows the volume available"), "{m}");
        assert!(f.fix.contains("6 minutes"), "{}", f.fix);
        assert!(f.fix.contains("finalizers"), "{}", f.fix);
        assert!(!f.fix.contains("taint"), "{}", f.fix);
        let multi = all
            .iter()
            .find(|f| f.code == "multi-attach")
            .expect("multi-attach on the waiting pod");
        assert!(multi.fix.contains("no longer exists"), "{}", multi.fix);
        assert!(!multi.fix.contains("taint"), "{}", multi.fix);
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("ebs-attachment-drift");
    }
}
