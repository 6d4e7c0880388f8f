//! `pv-failed`: a PV in phase Failed: its automatic reclamation failed.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;

pub static RULE: Rule = Rule {
    code: "pv-failed",
    severity: Severity::Error,
    category: Category::Binding,
    summary: "A PV is in phase Failed: its reclamation (delete or recycle) failed.",
    what: "A PersistentVolume lost its claim and the PV controller or the CSI provisioner could not reclaim it: deleting the backing volume failed (VolumeFailedDelete), or the plugin cannot delete or recycle it. status.message and the PV's events carry the reason.",
    why: "A Failed PV is never bound again and is not cleaned up: the EBS volume keeps existing and costing money, and whatever blocked the deletion (volume still attached: VolumeInUse, missing IAM permission ec2:DeleteVolume: UnauthorizedOperation, a KMS key that cannot be used) usually affects other volumes too.",
    fix: "Read status.message. If the data is needed, set persistentVolumeReclaimPolicy: Retain and keep the volume; otherwise fix the cause (detach the volume, grant ec2:DeleteVolume to the driver's role) and delete the PV and the EBS volume by hand.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pv in cx.pvs() {
        if k8s::pv_phase(pv) != "Failed" {
            continue;
        }
        let name = pv.name();
        let status = pv.status.as_ref();
        let reason = status.and_then(|s| s.reason.as_deref());
        let detail = status.and_then(|s| s.message.as_deref());
        let policy = pv
            .spec
            .as_ref()
            .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
            .unwrap_or("Retain");
        let volume = k8s::pv_volume_id(pv);
        let why = detail
            .map(|m| format!(": {}", k8s::truncate(m, 140)))
            .unwrap_or_default();
        let mut f = Finding::new(
            &RULE,
            ObjectRef::of(*pv),
            format!(
                "PV {name}{} is Failed: reclaim policy {policy} could not be carried out{why}",
                volume.map(|v| format!(" (EBS {v})")).unwrap_or_default()
            ),
        )
        .evidence(format!(
            "PV {name} status.phase: Failed{}{}",
            reason
                .map(|r| format!(" · status.reason: {r}"))
                .unwrap_or_default(),
            detail
                .map(|m| format!(" · status.message: \"{}\"", k8s::truncate(m, 200)))
                .unwrap_or_default()
        ));
        if let Some(c) = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) {
            f = f.evidence(format!(
                "former claim: {}/{}",
                c.namespace.as_deref().unwrap_or_default(),
                c.name.as_deref().unwrap_or_default()
            ));
        }
        for e in cx
            .events_for("PersistentVolume", None, name)
            .into_iter()
            .rev()
            .filter(|e| e.event_type == "Warning" || e.reason.starts_with("VolumeFailed"))
            .take(1)
        {
            f = f.evidence(cx.event_evidence(e));
        }
        let text = format!(
            "{} {}",
            reason.unwrap_or_default(),
            detail.unwrap_or_default()
        );
        let cause = if text.contains("UnauthorizedOperation") || text.contains("AccessDenied") {
            "grant ec2:DeleteVolume to the EBS CSI driver's IAM role"
        } else if text.contains("VolumeInUse") || text.contains("attached") {
            "detach the volume first (find its VolumeAttachment or the instance in EC2)"
        } else if text.contains("KMS") || text.contains("kms") {
            "make the volume's KMS key usable by the driver's role"
        } else {
            "fix what status.message names"
        };
        let fix = match volume {
            Some(v) => format!("if the data is needed, keep {v} and delete only the PV (kubectl patch pv {name} -p '{{\"spec\":{{\"persistentVolumeReclaimPolicy\":\"Retain\"}}}}', then kubectl delete pv {name}); otherwise {cause}, then delete PV {name} and EBS volume {v} (aws ec2 delete-volume --volume-id {v})"),
            None => format!("{cause}, then delete PV {name} and its backing volume by hand"),
        };
        out.push(f.fix(fix));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_with_the_reclaim_error() {
        let f = assert_fires("pv-failed");
        assert_eq!(f[0].object.name, "pvc-0f0f");
        assert!(
            f[0].message
                .contains("PV pvc-0f0f (EBS vol-0f0f0f0f0f0f0f0f0) is Failed")
                && f[0].message.contains("UnauthorizedOperation"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("VolumeFailedDelete")),
            "{:?}",
            f[0].evidence
        );
        assert!(f[0].fix.contains("ec2:DeleteVolume"), "{}", f[0].fix);
        assert!(
            f[0].fix
                .contains("aws ec2 delete-volume --volume-id vol-0f0f0f0f0f0f0f0f0"),
            "{}",
            f[0].fix
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("pv-failed");
    }
}
