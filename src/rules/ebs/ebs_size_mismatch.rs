//! `ebs-size-mismatch`: the PV's capacity and the EBS volume's size disagree.

use super::super::{Category, Finding, Rule, Severity};
use super::{focused_ebs_pvs, found_volume, volume_ref};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;

const GIB: u128 = 1 << 30;

pub static RULE: Rule = Rule {
    code: "ebs-size-mismatch",
    severity: Severity::Warning,
    category: Category::Ebs,
    summary: "The PV's capacity differs from the EBS volume's real size.",
    what: "Compares each EBS-backed PV's spec.capacity.storage, rounded up to whole GiB as EBS sizes are, with the volume's Size in EC2.",
    why: "A volume resized outside Kubernetes (console, CLI) leaves the PV and claim reporting the old size: quotas, expansion and capacity planning are wrong, and a later resize through Kubernetes may be refused or shrink expectations. A PV larger than its volume promises space that is not there: the filesystem fills before the claim says it should.",
    fix: "Make them agree: expand the claim to the volume's size (allowVolumeExpansion on the class) so Kubernetes catches up, or, for a static PV, edit spec.capacity.storage to the EBS size.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (pv, id) in focused_ebs_pvs(cx) {
        let Some(v) = found_volume(cx, id) else {
            continue;
        };
        let Some(cap) = k8s::pv_capacity(pv) else {
            continue;
        };
        let pv_gib = cap.div_ceil(GIB);
        let ebs_gib = u128::try_from(v.size_gib).unwrap_or(0);
        if pv_gib == ebs_gib || ebs_gib == 0 {
            continue;
        }
        let name = pv.name();
        let shown = pv
            .spec
            .as_ref()
            .and_then(|s| s.capacity.as_ref())
            .and_then(|c| c.get("storage"))
            .map(|q| q.0.clone())
            .unwrap_or_else(|| k8s::format_bytes(cap));
        let fix = if ebs_gib > pv_gib {
            format!("expand the claim to {ebs_gib}Gi (the class must allow expansion), or set PV {name} spec.capacity.storage to {ebs_gib}Gi")
        } else {
            format!("set PV {name} spec.capacity.storage to {ebs_gib}Gi, or grow EBS volume {id} to {pv_gib}GiB and expand the filesystem")
        };
        out.push(
            Finding::new(
                &RULE,
                volume_ref(id),
                format!("PV {name} says {shown} but its EBS volume {id} is {ebs_gib}Gi"),
            )
            .evidence(format!("PV {name} spec.capacity.storage: {shown}"))
            .evidence(format!("DescribeVolumes {id}: Size={} (GiB)", v.size_gib))
            .fix(fix),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_when_resized_outside_kubernetes() {
        let f = assert_fires("ebs-size-mismatch");
        assert!(f[0].message.contains("says 100Gi"), "{}", f[0].message);
        assert!(f[0].message.contains("is 200Gi"), "{}", f[0].message);
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("ebs-size-mismatch");
    }
}
