//! EBS: the PV's volume as EC2 sees it (existence, state, attachment, size), and orphans.
//!
//! These rules read [`crate::snapshot::Snapshot::ec2`]; when EC2 was not read (`--no-aws`, no
//! credentials, denied) they stay silent and the chain's EBS hop says why it was not checked.

pub mod ebs_attached_elsewhere;
pub mod ebs_attachment_drift;
pub mod ebs_size_mismatch;
pub mod ebs_volume_error;
pub mod ebs_volume_not_found;
pub mod orphaned_ebs_volume;

use crate::model::{PersistentVolume, Pod};
use k8s_openapi::api::core::v1::Node;

use super::{ObjectRef, Rule};
use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::ec2::Volume;
use crate::snapshot::Lookup;

/// The `object.kind` of findings about an EBS volume (name: the volume id).
pub const KIND: &str = "EBSVolume";

/// This category's rules, root causes first.
pub static RULES: &[&Rule] = &[
    &ebs_volume_not_found::RULE,
    &ebs_volume_error::RULE,
    &ebs_attached_elsewhere::RULE,
    &ebs_attachment_drift::RULE,
    &ebs_size_mismatch::RULE,
    &orphaned_ebs_volume::RULE,
];

/// A reference to an EBS volume for findings.
pub fn volume_ref(id: &str) -> ObjectRef {
    ObjectRef::new(KIND, None, id)
}

/// EBS-backed PVs in focus with their volume id.
pub fn focused_ebs_pvs<'a>(cx: &Ctx<'a>) -> Vec<(&'a PersistentVolume, &'a str)> {
    cx.pvs()
        .iter()
        .copied()
        .filter(|pv| k8s::pv_is_ebs(pv))
        .filter_map(|pv| k8s::pv_volume_id(pv).map(|id| (pv, id)))
        .collect()
}

/// The EBS volume of a PV in focus, when EC2 knows it.
pub fn found_volume<'a>(cx: &Ctx<'a>, id: &str) -> Option<&'a Volume> {
    match cx.ebs_volume(id) {
        Lookup::Found(v) => Some(v),
        _ => None,
    }
}

/// The instance id of a node, by name.
pub fn instance_of_node<'a>(cx: &Ctx<'a>, node: &str) -> Option<&'a str> {
    cx.node(node).found().and_then(k8s::node_instance_id)
}

/// Pods in focus that use this PV (through a bound claim), with their node if scheduled.
pub fn pods_on_pv<'a>(cx: &Ctx<'a>, pv: &PersistentVolume) -> Vec<(&'a Pod, Option<&'a Node>)> {
    let Some(claim) = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) else {
        return Vec::new();
    };
    let (ns, name) = (
        claim.namespace.as_deref().unwrap_or_default(),
        claim.name.as_deref().unwrap_or_default(),
    );
    cx.pods_using(ns, name)
        .into_iter()
        .filter(|p| cx.pod_in_focus(p))
        .map(|p| {
            let node = p
                .spec
                .as_ref()
                .and_then(|s| s.node_name.as_deref())
                .and_then(|n| cx.node(n).found());
            (p, node)
        })
        .collect()
}

/// `spec.csi.volumeHandle` or `spec.awsElasticBlockStore.volumeID`: where a PV names its volume.
pub fn id_field(pv: &PersistentVolume) -> &'static str {
    if pv.spec.as_ref().and_then(|s| s.csi.as_ref()).is_some() {
        "spec.csi.volumeHandle"
    } else {
        "spec.awsElasticBlockStore.volumeID"
    }
}

/// `2026-11-20T10:00:00Z` → `5d` ago, for messages.
pub fn age_of(cx: &Ctx, time: Option<&str>) -> String {
    cx.age(time.and_then(crate::snapshot::ec2::parse_time))
}

#[cfg(test)]
mod tests {
    use crate::model::PersistentVolume;

    use crate::k8s;

    fn pv(spec: serde_json::Value) -> PersistentVolume {
        serde_json::from_value(serde_json::json!({"metadata": {"name": "pv"}, "spec": spec}))
            .expect("pv")
    }

    #[test]
    fn volume_id_from_every_pv_form() {
        let csi = pv(
            serde_json::json!({"csi": {"driver": "ebs.csi.aws.com", "volumeHandle": "vol-0abc"}}),
        );
        assert_eq!(k8s::pv_volume_id(&csi), Some("vol-0abc"));
        let in_tree = pv(
            serde_json::json!({"awsElasticBlockStore": {"volumeID": "aws://us-east-1d/vol-0def"}}),
        );
        assert_eq!(k8s::pv_volume_id(&in_tree), Some("vol-0def"));
        assert!(k8s::pv_is_ebs(&in_tree));
        assert_eq!(k8s::pv_zones(&in_tree), vec!["us-east-1d".to_string()]);
        let bare = pv(serde_json::json!({"awsElasticBlockStore": {"volumeID": "vol-0123"}}));
        assert_eq!(k8s::pv_volume_id(&bare), Some("vol-0123"));
        // A migrated in-tree PV keeps its awsElasticBlockStore source (the CSI translation is
        // internal), annotated with the migrated-to driver: same id.
        let migrated: PersistentVolume = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "pv", "annotations": {
                "pv.kubernetes.io/provisioned-by": "kubernetes.io/aws-ebs",
                "pv.kubernetes.io/migrated-to": "ebs.csi.aws.com"}},
            "spec": {"awsElasticBlockStore": {"volumeID": "aws://us-east-1a/vol-0999", "fsType": "ext4"}}
        }))
        .expect("pv");
        assert_eq!(k8s::pv_volume_id(&migrated), Some("vol-0999"));
        let other =
            pv(serde_json::json!({"csi": {"driver": "efs.csi.aws.com", "volumeHandle": "fs-1"}}));
        assert_eq!(k8s::pv_volume_id(&other), None);
        assert!(!k8s::pv_is_ebs(&other));
    }
}
