//! Attachment: PV → VolumeAttachment → Node.

pub mod attach_error;
pub mod csi_driver_not_registered;
pub mod detach_stuck;
pub mod multi_attach;

use crate::k8s::Named;
use crate::model::VolumeAttachment;
use crate::model::{PersistentVolume, Pod};
use k8s_openapi::api::core::v1::PersistentVolumeClaim;

use super::Rule;
use crate::ctx::Ctx;
use crate::k8s;

/// This category's rules, root causes first.
pub static RULES: &[&Rule] = &[
    &csi_driver_not_registered::RULE,
    &multi_attach::RULE,
    &attach_error::RULE,
    &detach_stuck::RULE,
];

/// A pod's claims that are bound to a PV in the snapshot: `(claim, PV)`.
fn pod_pvs<'a>(cx: &Ctx<'a>, pod: &Pod) -> Vec<(&'a PersistentVolumeClaim, &'a PersistentVolume)> {
    let ns = pod.namespace_or_empty();
    k8s::pod_claims(pod)
        .iter()
        .filter_map(|(_, c)| cx.pvc(ns, c).found())
        .filter_map(|pvc| Some((pvc, cx.pv_of(pvc)?.found()?)))
        .collect()
}

/// The node a pod is scheduled to.
fn pod_node(pod: &Pod) -> Option<&str> {
    pod.spec
        .as_ref()
        .and_then(|s| s.node_name.as_deref())
        .filter(|n| !n.is_empty())
}

/// Whether a pod has finished starting (or finished): attachment problems no longer block it.
fn pod_started(pod: &Pod) -> bool {
    matches!(k8s::pod_phase(pod), "Running" | "Succeeded" | "Failed")
}

/// Whether a VolumeAttachment reports the volume attached.
fn va_attached(va: &VolumeAttachment) -> bool {
    va.status.as_ref().is_some_and(|s| s.attached)
}

/// The VolumeAttachment's name, for messages.
fn va_name(va: &VolumeAttachment) -> &str {
    va.name()
}

/// The PV's name and, for EBS, its volume id: `pvc-… (vol-…)`.
fn pv_label(pv: &PersistentVolume) -> String {
    let name = pv.name();
    match k8s::pv_volume_id(pv) {
        Some(id) => format!("{name} ({id})"),
        None => name.to_string(),
    }
}

/// How a node stands, for messages: `NotReady`, `cordoned`, `gone`, or `Ready`.
fn node_state(cx: &Ctx, node: &str) -> &'static str {
    match cx.node(node) {
        crate::snapshot::Lookup::Found(n) => {
            let ready = n
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_ref())
                .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
                .is_some_and(|c| c.status == "True");
            if !ready {
                "NotReady"
            } else if n.spec.as_ref().and_then(|s| s.unschedulable) == Some(true) {
                "cordoned"
            } else {
                "Ready"
            }
        }
        crate::snapshot::Lookup::Missing => "gone",
        crate::snapshot::Lookup::Unknown(_) => "unknown",
    }
}

/// The useful part of a driver error: the AWS error (`CODE: text`) when there is one, else the
/// driver's own words after the gRPC wrapper.
fn aws_gist(message: &str) -> &str {
    match message.find("api error ") {
        Some(i) => message.get(i + "api error ".len()..).unwrap_or(message),
        None => k8s::error_gist(message),
    }
}
