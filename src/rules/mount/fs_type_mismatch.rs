//! `fs-type-mismatch`: the PV asks for one filesystem, the device holds another (or a damaged one).

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use super::{
    already_contains, claim_volumes, classify, event_targets, mount_args_type, mount_device,
    mount_events, waiting_for_mount, MountProblem,
};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;
use crate::snapshot::EventRecord;

pub static RULE: Rule = Rule {
    code: "fs-type-mismatch",
    severity: Severity::Error,
    category: Category::Mount,
    summary: "The PV's fsType disagrees with the filesystem the kubelet found on the device.",
    what: "A pod waits in ContainerCreating and the kubelet's FailedMount / FailedMapVolume events say the device could not be mounted with the filesystem type the PV asks for: util-linux 'wrong fs type, bad option, bad superblock on /dev/…' in the mount error's Output (the EBS driver wraps it in 'could not format \"/dev/…\" and mount it at \"…\"'; the -t TYPE of 'Mounting arguments:' is the type asked for), or the legacy 'failed to mount the volume as \"ext4\", it already contains xfs'. The type asked for is the PV's csi.fsType (awsElasticBlockStore.fsType in-tree); when unset, the EBS CSI driver uses ext4.",
    why: "The kubelet never reformats a device that already holds a filesystem (that would destroy data), so the mount fails on every retry and the pod never starts. Typical causes: a static PV written by hand for an EBS volume (or a restored snapshot) formatted as xfs while the PV says ext4 or leaves fsType unset (ext4 by default); a StorageClass csi.storage.k8s.io/fstype changed after volumes were created; an xfs snapshot restored next to its original on one node (duplicate XFS UUID: same 'wrong fs type, bad option, bad superblock' text, fixed with the nouuid mount option); or a damaged superblock.",
    fix: "Find what the device really holds (on the node: lsblk -f, or blkid on the device), then make the PV say so: recreate it with csi.fsType set to that type (spec.csi is immutable: set persistentVolumeReclaimPolicy: Retain, delete the PV and claim, recreate them pointing at the same volume id). Never reformat a volume holding data. For duplicate XFS UUIDs add mountOptions: [nouuid]; for a damaged filesystem, snapshot the volume first and repair it (xfs_repair / fsck) from a debug pod.",
    check,
};

/// What one failing volume's events say about its filesystem.
struct Clue<'a> {
    event: &'a EventRecord,
    asked: Option<&'a str>,
    found: Option<&'a str>,
    device: Option<&'a str>,
}

fn clue(e: &EventRecord) -> Clue<'_> {
    let legacy = already_contains(&e.message);
    Clue {
        event: e,
        asked: legacy
            .map(|(a, _)| a)
            .or_else(|| mount_args_type(&e.message)),
        found: legacy.map(|(_, f)| f),
        device: mount_device(&e.message),
    }
}

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pod in cx.pods().iter().filter(|p| waiting_for_mount(p)) {
        let pod_name = pod.name();
        let node = pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .unwrap_or("?");
        let vols = claim_volumes(cx, pod);
        let events: Vec<&EventRecord> = mount_events(cx, pod)
            .into_iter()
            .filter(|e| classify(&e.message) == MountProblem::WrongFsType)
            .collect();
        for v in &vols {
            let mine: Vec<&EventRecord> = events
                .iter()
                .copied()
                .filter(|e| {
                    event_targets(&vols, &e.message)
                        .iter()
                        .any(|t| t.claim == v.claim)
                })
                .collect();
            let Some(latest) = mine.last() else { continue };
            // The types agree: mount-failed reports the kernel that cannot mount it.
            if v.kernel_cannot_mount(&latest.message) {
                continue;
            }
            let c = clue(latest);
            let pv_name = v.pv_name().unwrap_or("(unknown PV)");
            // What the PV asks for: its fsType, else the EBS driver's default, else the `-t` used.
            let pv_type = v.pv.and_then(k8s::pv_fs_type).filter(|t| !t.is_empty());
            let ebs_default = pv_type.is_none() && v.pv.is_some_and(k8s::pv_is_ebs);
            let asked = pv_type
                .or(ebs_default.then_some("ext4"))
                .or(c.asked)
                .unwrap_or("its filesystem type");
            let device = c.device.unwrap_or("the device");
            let message = match c.found {
                Some(found) => format!(
                    "PV {pv_name} asks for {asked} but the device already holds {found}: pod {pod_name} cannot mount claim {} on node {node}",
                    v.claim
                ),
                None => format!(
                    "PV {pv_name} asks for {asked} but node {node} cannot mount {device} as {}: wrong fs type, bad option or bad superblock (the device holds another filesystem, or a damaged one); pod {pod_name} waits for claim {}",
                    c.asked.unwrap_or(asked),
                    v.claim
                ),
            };
            let object =
                v.pv.map(ObjectRef::of)
                    .unwrap_or_else(|| ObjectRef::of(*pod));
            let first = mine.iter().filter_map(|e| e.first.or(e.last)).min();
            let mut evidence = super::mount_event_evidence(cx, c.event);
            if let Some(t) = first {
                evidence.push_str(&format!(", first {} ago", cx.age(Some(t))));
            }
            let mut f = Finding::new(&RULE, object, message).evidence(evidence);
            f = f.evidence(match (pv_type, ebs_default) {
                (Some(t), _) => format!("PV {pv_name} spec.csi.fsType: {t}"),
                (None, true) => format!(
                    "PV {pv_name} has no fsType: the EBS CSI driver formats and mounts it as ext4"
                ),
                (None, false) => format!("PV {pv_name} has no fsType"),
            });
            if let (Some(t), Some(p)) = (c.asked, pv_type) {
                if t != p {
                    f = f.evidence(format!(
                        "the mount used -t {t} although PV {pv_name} asks for {p}"
                    ));
                }
            }
            let id = v.pv.and_then(k8s::pv_volume_id).unwrap_or("its volume");
            let fix = match c.found {
                Some(found) => format!(
                    "recreate PV {pv_name} with csi.fsType: {found} for {id} (spec.csi is immutable: set persistentVolumeReclaimPolicy: Retain, delete the PV and claim {}, recreate both); never reformat a volume holding data",
                    v.claim
                ),
                None => format!(
                    "on node {node} run lsblk -f {device} (or blkid) to see what {id} holds; if it is another filesystem, recreate PV {pv_name} with that csi.fsType (set persistentVolumeReclaimPolicy: Retain, delete and recreate PV and claim {}); for an xfs snapshot restored beside its original add mountOptions: [nouuid]; if the filesystem is damaged, snapshot {id} before repairing it",
                    v.claim
                ),
            };
            out.push(f.fix(fix));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_on_wrong_fs_type_and_on_the_legacy_form() {
        let f = assert_fires("fs-type-mismatch");
        let modern = f
            .iter()
            .find(|f| f.object.name == "pv-data")
            .expect("finding for pv-data");
        assert_eq!(modern.object.kind, "PersistentVolume");
        assert!(
            modern.message.contains(
                "PV pv-data asks for ext4 but node node-a cannot mount /dev/nvme1n1 as ext4"
            ),
            "{}",
            modern.message
        );
        assert!(
            modern.message.contains("claim data-db-0"),
            "{}",
            modern.message
        );
        assert!(
            modern
                .evidence
                .iter()
                .any(|e| e.contains("12× FailedMount") && e.contains("wrong fs type")),
            "{:?}",
            modern.evidence
        );
        assert!(
            modern
                .evidence
                .iter()
                .any(|e| e.contains("no fsType: the EBS CSI driver formats and mounts it as ext4")),
            "{:?}",
            modern.evidence
        );
        assert!(
            modern.fix.contains("lsblk -f /dev/nvme1n1"),
            "{}",
            modern.fix
        );

        let legacy = f
            .iter()
            .find(|f| f.object.name == "pv-logs")
            .expect("finding for pv-logs");
        assert!(
            legacy
                .message
                .contains("PV pv-logs asks for ext4 but the device already holds xfs"),
            "{}",
            legacy.message
        );
        assert!(legacy.fix.contains("csi.fsType: xfs"), "{}", legacy.fix);
    }

    #[test]
    fn does_not_double_report_as_mount_failed() {
        let all = crate::rules::testing::findings("fs-type-mismatch", "fires.yaml");
        assert!(all.iter().all(|f| f.code != "mount-failed"), "{all:#?}");
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("fs-type-mismatch");
    }
}
