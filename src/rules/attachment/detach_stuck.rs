//! `detach-stuck`: a VolumeAttachment has been deleting (detaching) for too long.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use super::{aws_gist, node_state, pv_label, va_name};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;

pub static RULE: Rule = Rule {
    code: "detach-stuck",
    severity: Severity::Warning,
    category: Category::Attachment,
    summary: "A VolumeAttachment has been detaching (deletionTimestamp set) for more than 5 minutes.",
    what: "When a volume is no longer needed on a node, the attach/detach controller deletes its VolumeAttachment; the driver's external-attacher detaches the volume (ControllerUnpublishVolume → EC2 DetachVolume) and then removes its finalizer (external-attacher/ebs-csi-aws-com). This fires when a VolumeAttachment of a PV in focus has carried a deletionTimestamp for more than 5 minutes, and says for how long, on which node, and whether status.detachError says why.",
    why: "Until the detach completes the volume cannot attach anywhere else: the next pod using it gets 'Multi-Attach error' and stays ContainerCreating. Typical causes: the node is gone or NotReady and the kubelet never confirmed the unmount, the external-attacher is not running, the driver's IAM role may not detach, or EC2 keeps the volume 'detaching' because the instance still has it mounted (busy).",
    fix: "Read status.detachError and the csi-attacher logs. If the node is gone, make sure its pods are deleted (or taint it node.kubernetes.io/out-of-service) so the detach proceeds. If EC2 already shows the volume 'available' (aws ec2 describe-volumes), the VolumeAttachment is only waiting for its finalizer: remove it. Force-detach in EC2 only when the instance is stopped or gone.",
    check,
};

/// How long a detach may take before it counts as stuck.
const STUCK_AFTER_SECS: i64 = 300;

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pv in cx.pvs() {
        let pv_name = pv.name();
        for va in cx.attachments_of(pv_name) {
            let Some(since) = va.metadata.deletion_timestamp.as_ref().map(|t| t.0) else {
                continue;
            };
            let age = cx.age_secs(since);
            if age < STUCK_AFTER_SECS {
                continue;
            }
            let node = va.spec.node_name.as_str();
            let driver = va.spec.attacher.as_str();
            let detach_error = va
                .status
                .as_ref()
                .and_then(|s| s.detach_error.as_ref())
                .and_then(|e| e.message.as_deref());
            let state = node_state(cx, node);
            let node_text = match state {
                "gone" => format!("node {node} (which no longer exists)"),
                "NotReady" => format!("node {node} (NotReady)"),
                _ => format!("node {node}"),
            };
            let why = match detach_error {
                Some(m) => format!(
                    "detachError: \"{}\"",
                    k8s::truncate(aws_gist(m), 140)
                ),
                None => format!(
                    "no detachError recorded: the external-attacher of {driver} may not be running, or is waiting for the node to confirm the unmount"
                ),
            };
            let mut f = Finding::new(
                &RULE,
                ObjectRef::of(va),
                format!(
                    "PV {} has been detaching from {node_text} for {}; {why}",
                    pv_label(pv),
                    k8s::format_age(age)
                ),
            )
            .evidence(format!(
                "VolumeAttachment {} metadata.deletionTimestamp: {since} ({} ago), status.attached: {}",
                va_name(va),
                k8s::format_age(age),
                va.status.as_ref().is_some_and(|s| s.attached)
            ));
            if let Some(fin) = va.metadata.finalizers.as_ref().filter(|f| !f.is_empty()) {
                f = f.evidence(format!(
                    "VolumeAttachment {} finalizers: {}",
                    va_name(va),
                    fin.join(", ")
                ));
            }
            if let Some(m) = detach_error {
                f = f.evidence(format!(
                    "VolumeAttachment {} status.detachError.message: \"{}\"",
                    va_name(va),
                    k8s::truncate(m, 200)
                ));
            }
            let vol = k8s::pv_volume_id(pv).unwrap_or(pv_name);
            let fix = match state {
                "gone" | "NotReady" => format!(
                    "node {node} is {}: delete the pods still scheduled there (kubectl delete pod --force --grace-period=0) or taint it node.kubernetes.io/out-of-service=nodeshutdown:NoExecute; if EC2 shows {vol} 'available' (aws ec2 describe-volumes --volume-ids {vol}), remove the finalizer from VolumeAttachment {}",
                    if state == "gone" { "gone" } else { "NotReady" },
                    va_name(va)
                ),
                _ => format!(
                    "check the external-attacher of {driver} (kubectl logs -n kube-system deploy/ebs-csi-controller -c csi-attacher) and EC2's view of {vol} (aws ec2 describe-volumes --volume-ids {vol}); if it is already 'available', remove the finalizer from VolumeAttachment {}; force-detach in EC2 only when the instance no longer uses it",
                    va_name(va)
                ),
            };
            let iam = detach_error
                .and_then(k8s::aws_error_code)
                .is_some_and(|c| c == "UnauthorizedOperation" || c == "AccessDenied");
            let fix = if iam {
                format!("give the {driver} controller's IAM role ec2:DetachVolume (the AmazonEBSCSIDriverPolicy has it); the external-attacher then retries and removes its finalizer. Otherwise: {fix}")
            } else {
                fix
            };
            out.push(f.fix(fix));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_with_duration_node_and_detach_error() {
        let f = assert_fires("detach-stuck");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].object.kind, "VolumeAttachment");
        let m = &f[0].message;
        assert!(m.contains("(vol-0f6f6f6f6f6f6f6f6)"), "{m}");
        assert!(
            m.contains("detaching from node ip-10-0-1-10.ec2.internal for 14m"),
            "{m}"
        );
        assert!(
            m.contains("detachError: \"UnauthorizedOperation: You are not authorized"),
            "{m}"
        );
        assert!(f[0].fix.contains("ec2:DetachVolume"), "{}", f[0].fix);
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("external-attacher/ebs-csi-aws-com")),
            "{:?}",
            f[0].evidence
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("detach-stuck");
    }
}
