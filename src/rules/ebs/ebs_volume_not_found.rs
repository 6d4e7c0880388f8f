//! `ebs-volume-not-found`: the PV names an EBS volume EC2 does not have.

use super::super::{Category, Finding, Rule, Severity};
use super::{focused_ebs_pvs, id_field, volume_ref};
use crate::ctx::Ctx;
use crate::k8s::Named;
use crate::snapshot::ec2::is_volume_id;
use crate::snapshot::Lookup;

pub static RULE: Rule = Rule {
    code: "ebs-volume-not-found",
    severity: Severity::Error,
    category: Category::Ebs,
    summary: "The PV's EBS volume id does not exist in EC2 (deleted, other region or account).",
    what: "Looks up every EBS-backed PV's volume id (CSI volumeHandle or in-tree awsElasticBlockStore.volumeID) with DescribeVolumes. Fires when EC2 answers InvalidVolume.NotFound, or the id is not an EBS volume id at all.",
    why: "Kubernetes keeps the PV and the claim Bound, but attach fails forever: the pod sits in ContainerCreating with FailedAttachVolume, or the attacher loops on 'InvalidVolume.NotFound'. Usual causes: the volume was deleted by hand or by a Delete reclaim policy elsewhere, the PV was copied from another cluster, region or account, or the volume's KMS key is unusable so EC2 hides it.",
    fix: "If the data is gone, delete the pod's claim and PV and let it provision again (or restore from an EBS snapshot and point a new PV at the restored volume id). If the volume lives in another region or account, check --region/--profile and the driver's credentials.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (pv, id) in focused_ebs_pvs(cx) {
        if !matches!(cx.ebs_volume(id), Lookup::Missing) {
            continue;
        }
        let name = pv.name();
        let region = cx.snap.ec2.region.as_deref().unwrap_or("the region read");
        let message = if is_volume_id(id) {
            format!("PV {name}'s EBS volume {id} does not exist in EC2 ({region})")
        } else {
            format!("PV {name} names volume \"{id}\", which is not an EBS volume id (vol-…)")
        };
        out.push(
            Finding::new(&RULE, volume_ref(id), message)
                .evidence(format!("PV {name} {}: {id}", id_field(pv)))
                .evidence(if cx.snap.ec2.not_found.contains(id) {
                    format!("DescribeVolumes in {region}: InvalidVolume.NotFound for {id}")
                } else {
                    format!("no volume {id} in the EC2 describe-volumes data")
                }),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_for_a_deleted_volume() {
        let f = assert_fires("ebs-volume-not-found");
        assert!(
            f[0].message.contains("vol-0dddddddddddddd01"),
            "{}",
            f[0].message
        );
        assert!(f[0].message.contains("PV pv-a"), "{}", f[0].message);
    }

    #[test]
    fn is_the_root_of_the_attach_error_it_causes_and_carries_it_as_evidence() {
        let all = crate::rules::testing::findings("ebs-volume-not-found", "attach-failed.yaml");
        let codes: Vec<&str> = all.iter().map(|f| f.code).collect();
        assert_eq!(codes.first(), Some(&"ebs-volume-not-found"), "{codes:?}");
        assert!(!codes.contains(&"attach-error"), "said once: {codes:?}");
        assert!(
            all[0]
                .evidence
                .iter()
                .any(|e| e.contains("attach-error") && e.contains("not found")),
            "{:?}",
            all[0].evidence
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("ebs-volume-not-found");
    }
}
