//! Mount: what the kubelet reports.
//!
//! The kubelet records mount failures as `FailedMount` (filesystem volumes) or
//! `FailedMapVolume` (block volumes) events on the Pod. The helpers here find a pod's claim
//! volumes and its mount events; `kubelet.rs` reads the kubelet's messages, `usage.rs` its volume
//! statistics; the rules decide what they mean.

pub mod fs_type_mismatch;
pub mod mount_failed;
pub mod volume_full;
pub mod volume_nearly_full;

mod kubelet;
mod usage;

pub(crate) use kubelet::{
    already_contains, classify, event_span, event_volume, listed_volumes, mount_args_type,
    mount_device, mount_event_evidence, MountProblem,
};
pub(crate) use usage::{focused_usage, usage_finding};
pub use usage::{usage, Usage};

use crate::k8s::Named;
use crate::model::{PersistentVolume, Pod};

use super::Rule;
use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::EventRecord;

/// This category's rules, root causes first.
pub static RULES: &[&Rule] = &[
    &fs_type_mismatch::RULE,
    &mount_failed::RULE,
    &volume_full::RULE,
    &volume_nearly_full::RULE,
];

/// Event reasons the kubelet uses for mount (filesystem) and map (block) failures.
const MOUNT_REASONS: [&str; 2] = ["FailedMount", "FailedMapVolume"];

/// A pod volume backed by a claim, with what it resolves to.
pub(crate) struct ClaimVolume<'a> {
    /// The pod's name for the volume (`spec.volumes[].name`).
    pub volume: String,
    /// The claim's name.
    pub claim: String,
    pub pv: Option<&'a PersistentVolume>,
}

impl ClaimVolume<'_> {
    /// The PV's name, if the claim is bound to one we know.
    pub fn pv_name(&self) -> Option<&str> {
        self.pv.and_then(|pv| pv.metadata.name.as_deref())
    }

    /// A `wrong fs type` mount error with no real type disagreement: a provisioned PV (the
    /// driver formatted the new volume itself, with the PV's fsType), mounted with `-t` equal
    /// to that fsType, and no legacy `it already contains` naming another type. The filesystem
    /// is the right kind but uses features the node's kernel lacks (xfs made by xfsprogs ≥ 5.x
    /// on a kernel ≤ 5.4; ext4 likewise). A hand-made PV, or one without fsType, stays a type
    /// question: the device may hold anything.
    pub fn kernel_cannot_mount(&self, message: &str) -> bool {
        let Some(pv) = self.pv else { return false };
        let pv_type = k8s::pv_fs_type(pv).filter(|t| !t.is_empty());
        let provisioned = k8s::annotation(pv, "pv.kubernetes.io/provisioned-by").is_some();
        provisioned
            && already_contains(message).is_none()
            && pv_type.is_some()
            && mount_args_type(message) == pv_type
    }
}

/// The claim-backed volumes of a pod.
pub(crate) fn claim_volumes<'a>(cx: &Ctx<'a>, pod: &Pod) -> Vec<ClaimVolume<'a>> {
    let ns = pod.namespace_or_empty();
    k8s::pod_claims(pod)
        .into_iter()
        .map(|(volume, claim)| {
            let pvc = cx.pvc(ns, &claim).found();
            let pv = pvc.and_then(|c| cx.pv_of(c)).and_then(|l| l.found());
            ClaimVolume { volume, claim, pv }
        })
        .collect()
}

/// The kubelet's mount/map failure events on a pod, oldest first. Events about an earlier pod
/// of the same name (a StatefulSet pod deleted and recreated) are left out when uids tell.
pub(crate) fn mount_events<'a>(cx: &Ctx<'a>, pod: &Pod) -> Vec<&'a EventRecord> {
    let uid = pod.metadata.uid.as_deref();
    cx.pod_events(pod)
        .into_iter()
        .filter(|e| MOUNT_REASONS.contains(&e.reason.as_str()))
        .filter(|e| match (uid, e.uid.as_deref()) {
            (Some(p), Some(u)) => p == u,
            _ => true,
        })
        .collect()
}

/// Whether the kubelet is still trying to mount: the pod is scheduled but not started.
/// Once a pod runs, every volume it uses was mounted, and old events are history.
pub(crate) fn waiting_for_mount(pod: &Pod) -> bool {
    k8s::pod_phase(pod) == "Pending"
        && pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .is_some_and(|n| !n.is_empty())
}

/// The claim volumes an event message is about: the one named by `for volume "…"` (PV name,
/// pod volume name or claim name), or the claim volumes in `unmounted volumes=[…]`.
pub(crate) fn event_targets<'v, 'a>(
    vols: &'v [ClaimVolume<'a>],
    message: &str,
) -> Vec<&'v ClaimVolume<'a>> {
    if let Some(name) = event_volume(message) {
        return vols
            .iter()
            .filter(|v| v.pv_name() == Some(name) || v.volume == name || v.claim == name)
            .collect();
    }
    let unmounted = listed_volumes(message, "unmounted volumes");
    vols.iter()
        .filter(|v| unmounted.contains(&v.volume.as_str()))
        .collect()
}
