//! `ebs-attached-elsewhere`: EC2 says the volume is attached to another instance than the pod's node.

use super::super::{Category, Finding, Rule, Severity};
use super::{focused_ebs_pvs, found_volume, pods_on_pv, volume_ref};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;

pub static RULE: Rule = Rule {
    code: "ebs-attached-elsewhere",
    severity: Severity::Error,
    category: Category::Ebs,
    summary: "EC2 says the volume is attached to an instance other than the pod's node's instance.",
    what: "For each pod on an EBS-backed PV, compares the instance in the pod's node's spec.providerID with the instances EC2 lists in the volume's Attachments. Fires when the volume is attached (or attaching) only to other instances.",
    why: "An EBS volume (without io2 Multi-Attach) attaches to one instance at a time. While EC2 holds it on another instance — a node that was replaced, a stuck detach, a hand-made attachment, a node the cluster no longer knows — the attach for the pod's node fails ('VolumeInUse' / 'Multi-Attach error') and the pod stays in ContainerCreating.",
    fix: "Find why the other instance still holds it: if that node is gone or drained, detach the volume in EC2 (aws ec2 detach-volume; --force only if the instance is dead) and delete any stale VolumeAttachment; if a pod there still uses it, stop that pod first.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (pv, id) in focused_ebs_pvs(cx) {
        let Some(v) = found_volume(cx, id) else {
            continue;
        };
        let holders: Vec<&str> = v
            .live_attachments()
            .filter(|a| matches!(a.state.as_str(), "attached" | "attaching" | "busy"))
            .map(|a| a.instance_id.as_str())
            .collect();
        if holders.is_empty() {
            continue;
        }
        for (pod, node) in pods_on_pv(cx, pv) {
            let Some(node) = node else { continue };
            let Some(mine) = k8s::node_instance_id(node) else {
                continue;
            };
            if holders.contains(&mine) {
                continue;
            }
            let node_name = node.name();
            let pod_name = format!("{}/{}", pod.namespace_or_empty(), pod.name());
            let others: Vec<String> = holders
                .iter()
                .map(|i| match cx.node_of_instance(i) {
                    Some(n) => format!("{i} (node {n})"),
                    None => format!("{i} (not a cluster node)"),
                })
                .collect();
            let mut f = Finding::new(
                &RULE,
                volume_ref(id),
                format!(
                    "EBS volume {id} is attached to {}, but pod {pod_name} runs on node {node_name} ({mine})",
                    others.join(", ")
                ),
            )
            .evidence(format!(
                "node {node_name} spec.providerID: {}",
                node.spec
                    .as_ref()
                    .and_then(|s| s.provider_id.as_deref())
                    .unwrap_or("?")
            ));
            for a in v.live_attachments() {
                f = f.evidence(format!(
                    "DescribeVolumes {id}: attached to {} as {} ({}) since {}",
                    a.instance_id,
                    a.device.as_deref().unwrap_or("?"),
                    a.state,
                    a.attach_time.as_deref().unwrap_or("?")
                ));
            }
            f = f.fix(format!(
                "if {} no longer needs it, detach: aws ec2 detach-volume --volume-id {id} (add --force only for a dead instance), then delete stale VolumeAttachments for PV {}",
                holders.join(", "),
                pv.name()
            ));
            out.push(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_when_another_instance_holds_the_volume() {
        let f = assert_fires("ebs-attached-elsewhere");
        let m = &f[0].message;
        assert!(
            m.contains("i-0000000000000ffff (not a cluster node)"),
            "{m}"
        );
        assert!(m.contains("node node-a (i-000000000000000a1)"), "{m}");
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("ebs-attached-elsewhere");
    }
}
