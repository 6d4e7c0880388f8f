//! `static-pv-without-zone-affinity`: a PV for an existing EBS volume does not say its zone.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::is_ebs_driver;
use crate::k8s::Named;

pub static RULE: Rule = Rule {
    code: "static-pv-without-zone-affinity",
    severity: Severity::Warning,
    category: Category::Manifest,
    summary: "A PersistentVolume for an existing EBS volume has no zone nodeAffinity, so its Pod may be scheduled in a zone where the volume can never attach.",
    what: "Fires on an EBS PersistentVolume (CSI `volumeHandle` or in-tree `volumeID`) whose `spec.nodeAffinity` names no zone (topology.kubernetes.io/zone or topology.ebs.csi.aws.com/zone) and, for the in-tree form, that carries no zone label either. Volumes the driver provisions always get one; a hand-written PV for a restored or imported volume often does not.",
    why: "An EBS volume lives in one Availability Zone and attaches only to instances there. Without the PV telling the scheduler, the Pod is placed on any node; in another zone the attach fails (\"is in a different Availability Zone\" / FailedAttachVolume) and the Pod hangs in ContainerCreating.",
    fix: "Add `nodeAffinity.required.nodeSelectorTerms[].matchExpressions: [{key: topology.kubernetes.io/zone, operator: In, values: [ZONE]}]` with the volume's zone (`aws ec2 describe-volumes --volume-ids … --query 'Volumes[].AvailabilityZone'`); nodeAffinity is immutable, so recreate the PV.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pv in cx.pvs() {
        let Some(spec) = pv.spec.as_ref() else {
            continue;
        };
        let in_tree = spec.aws_elastic_block_store.as_ref();
        let csi = spec.csi.as_ref().filter(|c| is_ebs_driver(&c.driver));
        let id = match (in_tree, csi) {
            (Some(a), _) => a.volume_id.as_str(),
            (None, Some(c)) => c.volume_handle.as_str(),
            _ => continue,
        };
        // The zone in an in-tree `aws://ZONE/vol-…` id does not steer the scheduler; node
        // affinity does, and so do zone labels (the VolumeZone plugin; CSI migration turns an
        // in-tree PV's labels into node affinity).
        if !k8s::terms_zones(k8s::pv_affinity_terms(pv)).is_empty() {
            continue;
        }
        let labelled = pv.metadata.labels.as_ref().is_some_and(|l| {
            k8s::ZONE_KEYS
                .iter()
                .chain(["failure-domain.beta.kubernetes.io/zone"].iter())
                .any(|k| l.contains_key(*k))
        });
        if labelled {
            continue;
        }
        let name = pv.name();
        // aws://us-east-1a/vol-… names the zone.
        let zone = id
            .strip_prefix("aws://")
            .and_then(|r| r.split('/').next())
            .filter(|z| !z.is_empty());
        out.push(
            Finding::new(
                &RULE,
                ObjectRef::of(*pv),
                format!(
                    "PV {name} is an existing EBS volume ({id}) but has no zone nodeAffinity: its Pod may be scheduled in another zone, where the volume can never attach"
                ),
            )
            .evidence(format!(
                "PV {name}: no spec.nodeAffinity on topology.kubernetes.io/zone"
            ))
            .fix(format!(
                "add to PV {name}: nodeAffinity: {{required: {{nodeSelectorTerms: [{{matchExpressions: [{{key: topology.kubernetes.io/zone, operator: In, values: [{}]}}]}}]}}}}",
                zone.unwrap_or("THE-VOLUME'S-ZONE")
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_and_names_the_zone_when_the_id_carries_it() {
        let f = assert_fires("static-pv-without-zone-affinity");
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(
            f.iter().any(|f| f.fix.contains("values: [us-east-1b]")),
            "{f:#?}"
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("static-pv-without-zone-affinity");
    }
}
