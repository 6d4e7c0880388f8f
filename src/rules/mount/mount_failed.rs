//! `mount-failed`: the kubelet cannot mount (or map) a pod's claim.

use crate::k8s::Named;
use crate::model::Pod;

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use super::{
    claim_volumes, classify, event_span, event_targets, listed_volumes, mount_event_evidence,
    mount_events, waiting_for_mount, ClaimVolume, MountProblem,
};
use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::EventRecord;

pub static RULE: Rule = Rule {
    code: "mount-failed",
    severity: Severity::Error,
    category: Category::Mount,
    summary: "The kubelet reports FailedMount / FailedMapVolume for a pod's claim: the pod stays in ContainerCreating.",
    what: "A scheduled pod is still Pending and the kubelet records FailedMount (filesystem volumes) or FailedMapVolume (block volumes) events for one of its claims: 'MountVolume.MountDevice failed for volume \"PV\" : …', 'MountVolume.SetUp failed for volume \"PV\" : …', 'MapVolume.… failed for volume …', or up to Kubernetes 1.27 'Unable to attach or mount volumes: unmounted volumes=[…], unattached volumes=[…], failed to process volumes=[…]: timed out waiting for the condition'. The finding quotes the message and sorts it: fsck errors, formatting failed, device not found on the node, permission denied, timeout, other. A wrong filesystem type is reported as fs-type-mismatch and a driver missing on the node as csi-driver-not-registered, not here.",
    why: "The kubelet starts no container until every volume is mounted, so the pod sits in ContainerCreating and retries forever; the reason is only in these events and the EBS CSI node plugin's logs. Since Kubernetes 1.28 a plain timeout produces no event at all, so silence does not mean the mount is fine: check the attachment findings too.",
    fix: "Act on the kubelet's message: for timeouts and missing devices check the VolumeAttachment and the EC2 attachment of the volume to the pod's node, and the EBS CSI node plugin on that node (kubectl logs -n kube-system -l app=ebs-csi-node -c ebs-plugin); for fsck errors snapshot the volume and repair it from a debug pod; for permission errors check the pod's securityContext (fsGroup, SELinux options).",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pod in cx.pods().iter().filter(|p| waiting_for_mount(p)) {
        let vols = claim_volumes(cx, pod);
        let events: Vec<(&EventRecord, MountProblem)> = mount_events(cx, pod)
            .into_iter()
            .map(|e| (e, classify(&e.message)))
            // Reported by its own rule: csi-driver-not-registered.
            .filter(|(_, p)| *p != MountProblem::DriverNotRegistered)
            .collect();
        for v in &vols {
            let mine: Vec<(&EventRecord, MountProblem)> = events
                .iter()
                .copied()
                .filter(|(e, _)| {
                    event_targets(&vols, &e.message)
                        .iter()
                        .any(|t| t.claim == v.claim)
                })
                // A wrong type is fs-type-mismatch's; the right type the kernel refuses is ours.
                .filter_map(|(e, p)| match p {
                    MountProblem::WrongFsType if v.kernel_cannot_mount(&e.message) => {
                        Some((e, MountProblem::KernelFeatures))
                    }
                    MountProblem::WrongFsType => None,
                    p => Some((e, p)),
                })
                .collect();
            let Some(&(latest, problem)) = mine.last() else {
                continue;
            };
            // A timeout behind a failed attach is the attach finding's story, not a mount one.
            if problem == MountProblem::Timeout && attach_failed(cx, pod, v) {
                continue;
            }
            out.push(finding(cx, pod, v, &mine, latest, problem));
        }
    }
}

fn finding(
    cx: &Ctx,
    pod: &Pod,
    v: &ClaimVolume,
    mine: &[(&EventRecord, MountProblem)],
    latest: &EventRecord,
    problem: MountProblem,
) -> Finding {
    let ns = pod.namespace_or_empty();
    let pod_name = pod.name();
    let node = pod
        .spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .unwrap_or("?");
    let pv_name = v.pv_name().unwrap_or("not bound");
    let evs: Vec<&EventRecord> = mine.iter().map(|(e, _)| *e).collect();
    let message = format!(
        "Pod {ns}/{pod_name} cannot mount claim {} (PV {pv_name}, volume {}) on node {node}: {} ({} {})",
        v.claim,
        v.volume,
        problem.label(),
        latest.reason,
        event_span(cx, &evs)
    );
    let mut f =
        Finding::new(&RULE, ObjectRef::of(pod), message).evidence(mount_event_evidence(cx, latest));
    // Older, different messages for the same volume (at most two more).
    let mut shown = vec![latest.message.as_str()];
    for (e, _) in mine.iter().rev() {
        if shown.len() >= 3 {
            break;
        }
        if !shown.contains(&e.message.as_str()) {
            shown.push(e.message.as_str());
            f = f.evidence(mount_event_evidence(cx, e));
        }
    }
    if listed_volumes(&latest.message, "unattached volumes").contains(&v.volume.as_str()) {
        f = f.evidence(format!(
            "the kubelet lists volume {} as not attached yet (unattached volumes=[…])",
            v.volume
        ));
    }
    if let Some(pv) = v.pv {
        let mut line = format!(
            "PV {pv_name}: {}",
            k8s::pv_driver(pv).unwrap_or("no CSI driver")
        );
        if let Some(id) = k8s::pv_volume_id(pv) {
            line.push_str(&format!(" volume {id}"));
        }
        if let Some(t) = k8s::pv_fs_type(pv) {
            line.push_str(&format!(", fsType {t}"));
        }
        f = f.evidence(line);
    }
    let id = v.pv.and_then(k8s::pv_volume_id).unwrap_or(pv_name);
    let plugin = format!(
        "kubectl logs -n kube-system -c ebs-plugin $(kubectl get pod -n kube-system -l app=ebs-csi-node --field-selector spec.nodeName={node} -o name)"
    );
    let fix = match problem {
        MountProblem::Timeout => format!(
            "check that {id} is attached to node {node} (kubectl get volumeattachment | grep {pv_name}; aws ec2 describe-volumes --volume-ids {id}) and read the EBS CSI node plugin's log there: {plugin}"
        ),
        MountProblem::DeviceNotFound => format!(
            "{id} is attached but its device did not appear on node {node}: check the EC2 attachment state (aws ec2 describe-volumes --volume-ids {id}), restart the EBS CSI node pod on {node}, or cordon and drain {node} so the pod lands elsewhere"
        ),
        MountProblem::Fsck => format!(
            "the filesystem on {id} is damaged: snapshot the volume first, then repair it (fsck / xfs_repair) from a debug pod on node {node} with the volume attached in block mode"
        ),
        MountProblem::Format => format!(
            "formatting {id} failed: check the class's format parameters (blockSize, inodeSize, ext4BigAlloc…) and the mkfs output in the message; an unformatted volume cannot be mounted read-only the first time"
        ),
        MountProblem::KernelFeatures => {
            let fs = v.pv.and_then(k8s::pv_fs_type).unwrap_or("the filesystem");
            let legacy = if fs == "xfs" {
                " For xfs, start the EBS CSI node plugin with --legacy-xfs=true (driver v1.35.0+; Helm value node.legacyXFS: true) so volumes are formatted with features kernels ≤ 5.4 can mount; volumes already formatted keep their features."
            } else {
                ""
            };
            format!(
                "{id} is {fs} as the PV says, but made with features node {node}'s kernel cannot mount: on the node run dmesg | grep -i -E 'xfs|ext4' (XFS says 'Superblock has unknown incompatible features', ext4 'unsupported optional features'); move the pod to nodes with a newer kernel (≥ 5.10, e.g. an AL2023 AMI) or upgrade {node}'s AMI.{legacy}"
            )
        }
        MountProblem::Permission => format!(
            "check pod {pod_name}'s securityContext (fsGroup, fsGroupChangePolicy, SELinux options) and the EBS CSI node plugin's log: {plugin}"
        ),
        _ => format!(
            "read the kubelet's message above and the EBS CSI node plugin's log on node {node}: {plugin}"
        ),
    };
    f.fix(fix)
}

/// Whether the volume's attachment failed (attach findings then explain the mount timeout).
fn attach_failed(cx: &Ctx, pod: &Pod, v: &ClaimVolume) -> bool {
    let failed_event = cx
        .pod_events(pod)
        .iter()
        .any(|e| e.reason == "FailedAttachVolume");
    let va_error = v.pv_name().is_some_and(|pv| {
        cx.attachments_of(pv)
            .iter()
            .any(|va| va.status.as_ref().is_some_and(|s| s.attach_error.is_some()))
    });
    failed_event || va_error
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy, findings};

    #[test]
    fn fires_on_an_xfs_the_kernel_cannot_mount_not_as_a_type_mismatch() {
        let all = findings("mount-failed", "kernel-xfs.yaml");
        assert!(all.iter().all(|f| f.code != "fs-type-mismatch"), "{all:#?}");
        let f = all
            .iter()
            .find(|f| f.code == "mount-failed")
            .expect("mount-failed");
        assert!(
            f.message
                .contains("on node node-a: filesystem features this kernel cannot mount"),
            "{}",
            f.message
        );
        assert!(f.fix.contains("dmesg"), "{}", f.fix);
        assert!(f.fix.contains("--legacy-xfs=true"), "{}", f.fix);
        assert!(
            f.fix
                .contains("vol-0a1b2c3d4e5f60001 is xfs as the PV says"),
            "{}",
            f.fix
        );
    }

    #[test]
    fn fires_on_a_missing_device_and_on_an_old_timeout() {
        let f = assert_fires("mount-failed");
        let device = f
            .iter()
            .find(|f| f.object.name == "db-0")
            .expect("finding for db-0");
        assert_eq!(device.object.kind, "Pod");
        assert!(
            device.message.contains(
                "Pod prod/db-0 cannot mount claim data-db-0 (PV pvc-7c1e, volume data) on node node-a: device not found on the node"
            ),
            "{}",
            device.message
        );
        assert!(device.message.contains("9× over 20m"), "{}", device.message);
        assert!(
            device
                .evidence
                .iter()
                .any(|e| e.contains("Failed to find device path /dev/xvdba")),
            "{:?}",
            device.evidence
        );
        assert!(
            device.fix.contains("vol-0c0ffee0c0ffee001"),
            "{}",
            device.fix
        );

        let timeout = f
            .iter()
            .find(|f| f.object.name == "db-1")
            .expect("finding for db-1");
        assert!(
            timeout.message.contains(
                "cannot mount claim data-db-1 (PV pvc-8d2f, volume data) on node node-a: timed out"
            ),
            "{}",
            timeout.message
        );
        assert!(
            timeout
                .evidence
                .iter()
                .any(|e| e.contains("not attached yet")),
            "{:?}",
            timeout.evidence
        );
        assert!(
            timeout
                .evidence
                .iter()
                .all(|e| !e.contains("permission denied")),
            "an event about the previous db-1 leaked in: {:?}",
            timeout.evidence
        );
        // The driver-not-registered event on db-2 is csi-driver-not-registered's, and the
        // configmap failure on db-0 is not about a claim.
        assert!(f.iter().all(|f| f.object.name != "db-2"), "{f:#?}");
        assert_eq!(f.len(), 2, "{f:#?}");
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("mount-failed");
    }
}
