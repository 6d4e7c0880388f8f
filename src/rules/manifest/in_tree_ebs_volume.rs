//! `in-tree-ebs-volume`: a PV uses the removed in-tree `awsElasticBlockStore` source.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s::Named;

pub static RULE: Rule = Rule {
    code: "in-tree-ebs-volume",
    severity: Severity::Warning,
    category: Category::Manifest,
    summary: "A PersistentVolume uses awsElasticBlockStore, the in-tree EBS plugin removed in Kubernetes 1.27; it works only through CSI migration.",
    what: "Fires on every PersistentVolume with a `spec.awsElasticBlockStore` source, and gives the equivalent `spec.csi` form (driver ebs.csi.aws.com, the same volume id and fsType).",
    why: "The in-tree EBS plugin is gone since Kubernetes 1.27. Such a PV is still served by CSI migration, which hands every attach and mount to the EBS CSI driver: on a cluster without the driver (or with migration off) the Pod never attaches. The in-tree form also hides the driver from people reading the manifest.",
    fix: "Write the PV with `csi: {driver: ebs.csi.aws.com, volumeHandle: vol-…, fsType: …}` and a zone nodeAffinity, and make sure the EBS CSI driver is installed.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pv in cx.pvs() {
        let Some(a) = pv
            .spec
            .as_ref()
            .and_then(|s| s.aws_elastic_block_store.as_ref())
        else {
            continue;
        };
        let name = pv.name();
        let id = a.volume_id.rsplit('/').next().unwrap_or(&a.volume_id);
        let fs = a.fs_type.as_deref().unwrap_or("ext4");
        out.push(
            Finding::new(
                &RULE,
                ObjectRef::of(*pv),
                format!(
                    "PV {name} uses the in-tree awsElasticBlockStore plugin (removed in Kubernetes 1.27): it attaches only through CSI migration with the EBS CSI driver installed"
                ),
            )
            .evidence(format!("spec.awsElasticBlockStore.volumeID: {}", a.volume_id))
            .fix(format!(
                "replace awsElasticBlockStore in PV {name} with csi: {{driver: ebs.csi.aws.com, volumeHandle: {id}, fsType: {fs}}}{}",
                if a.read_only == Some(true) { " (and readOnly: true)" } else { "" }
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn suggests_the_csi_form_with_the_same_id() {
        let f = assert_fires("in-tree-ebs-volume");
        assert!(
            f[0].fix.contains(
                "csi: {driver: ebs.csi.aws.com, volumeHandle: vol-0a1b2c3d4e5f60718, fsType: xfs}"
            ),
            "{}",
            f[0].fix
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("in-tree-ebs-volume");
    }
}
