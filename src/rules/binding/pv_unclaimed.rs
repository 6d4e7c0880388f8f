//! `pv-unclaimed` (scan): an Available PV that no claim uses or reserves.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;

pub static RULE: Rule = Rule {
    code: "pv-unclaimed",
    severity: Severity::Info,
    category: Category::Cluster,
    summary: "Scan: an Available PersistentVolume that no claim uses or reserves.",
    what: "A PersistentVolume in phase Available with no spec.claimRef, and no PersistentVolumeClaim names it in spec.volumeName. Reported by scan only.",
    why: "Such a PV waits for a claim that matches it; often none ever comes (a leftover of an import, a restore, or a claimRef cleared by hand), and its EBS volume keeps costing money. It can also be bound by surprise by the next claim of its class that fits.",
    fix: "If it is meant for a workload, create the claim (or pre-bind it: spec.volumeName on the claim and claimRef on the PV). If not, delete the PV and, after checking the data, its EBS volume.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    if !cx.cluster_wide() {
        return;
    }
    for pv in cx.pvs() {
        if k8s::pv_phase(pv) != "Available"
            || pv
                .spec
                .as_ref()
                .and_then(|s| s.claim_ref.as_ref())
                .is_some()
        {
            continue;
        }
        let name = pv.name();
        if cx
            .snap
            .pvcs
            .iter()
            .any(|c| c.spec.as_ref().and_then(|s| s.volume_name.as_deref()) == Some(name))
        {
            continue;
        }
        let size = k8s::pv_capacity(pv)
            .map(k8s::format_bytes)
            .unwrap_or_else(|| "?".into());
        let class = k8s::pv_class_name(pv);
        let zones = k8s::pv_zones(pv);
        let zone = if zones.is_empty() {
            "no zone".to_string()
        } else {
            zones.join(",")
        };
        let age = cx.age(pv.metadata.creation_timestamp.as_ref().map(|t| t.0));
        let volume = k8s::pv_volume_id(pv);
        let f = Finding::new(
            &RULE,
            ObjectRef::of(*pv),
            format!(
                "PV {name} ({size}, class \"{class}\", {zone}{}) is Available and unclaimed, created {age} ago",
                volume.map(|v| format!(", EBS {v}")).unwrap_or_default()
            ),
        )
        .evidence(format!(
            "PV {name} status.phase: Available · no spec.claimRef · no claim's spec.volumeName names it"
        ))
        .evidence(format!(
            "PV {name} capacity {size} · accessModes {} · reclaim policy {}",
            k8s::short_modes(
                pv.spec
                    .as_ref()
                    .and_then(|s| s.access_modes.as_deref())
                    .unwrap_or_default()
            ),
            pv.spec
                .as_ref()
                .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
                .unwrap_or("Retain")
        ));
        let delete = match volume {
            Some(v) => format!("kubectl delete pv {name}, then (after checking the data) aws ec2 delete-volume --volume-id {v}"),
            None => format!("kubectl delete pv {name} and clean up its backing storage"),
        };
        out.push(f.fix(format!(
            "if a workload should use it, create a claim of class \"{class}\" with spec.volumeName: {name}; otherwise {delete}"
        )));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_in_scan_for_an_unclaimed_pv() {
        let f = assert_fires("pv-unclaimed");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].object.name, "pv-restore-7");
        assert!(
            f[0].message.contains(
                "PV pv-restore-7 (80Gi, class \"\", us-east-1b, EBS vol-07a7a7a7a7a7a7a7a) is Available and unclaimed, created 9d ago"
            ),
            "{}",
            f[0].message
        );
        assert!(
            f[0].fix
                .contains("aws ec2 delete-volume --volume-id vol-07a7a7a7a7a7a7a7a"),
            "{}",
            f[0].fix
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("pv-unclaimed");
    }
}
