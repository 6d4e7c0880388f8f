//! `ebs-volume-error`: EC2 reports the volume in state `error`, or being deleted while a PV uses it.

use super::super::{Category, Finding, Rule, Severity};
use super::{focused_ebs_pvs, found_volume, volume_ref};
use crate::ctx::Ctx;
use crate::k8s::Named;

pub static RULE: Rule = Rule {
    code: "ebs-volume-error",
    severity: Severity::Error,
    category: Category::Ebs,
    summary: "EC2 reports the PV's EBS volume in state error, or deleting/deleted while a PV uses it.",
    what: "Reads the EC2 state of every EBS-backed PV's volume. Fires on `error` (the underlying storage failed) and on `deleting`/`deleted` while a PV still points at the volume.",
    why: "A volume in `error` cannot be attached or read: its data may be lost. A volume being deleted under a PV means the data is going away while Kubernetes still believes in it; pods will fail to attach with no clear Kubernetes-side cause.",
    fix: "For `error`: restore the latest EBS snapshot into a new volume in the same zone and point a new PV at it (kubectl storage import-ebs). For `deleting`/`deleted`: find who deleted it (CloudTrail DeleteVolume), restore from a snapshot, and set the PV's reclaim policy to Retain.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for (pv, id) in focused_ebs_pvs(cx) {
        let Some(v) = found_volume(cx, id) else {
            continue;
        };
        if !matches!(v.state.as_str(), "error" | "deleting" | "deleted") {
            continue;
        }
        let name = pv.name();
        out.push(
            Finding::new(
                &RULE,
                volume_ref(id),
                format!(
                    "EBS volume {id} ({}, {}) behind PV {name} is in state \"{}\"",
                    v.short(),
                    v.az,
                    v.state
                ),
            )
            .evidence(format!("DescribeVolumes {id}: State={}", v.state))
            .evidence(format!(
                "PV {name} reclaimPolicy {}",
                pv.spec
                    .as_ref()
                    .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
                    .unwrap_or("?")
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_on_error_state() {
        let f = assert_fires("ebs-volume-error");
        assert!(f[0].message.contains("\"error\""), "{}", f[0].message);
        assert!(
            f[0].message.contains("vol-0eeeeeeeeeeeeee01"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("ebs-volume-error");
    }
}
