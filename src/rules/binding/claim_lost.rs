//! `claim-lost`: a claim in phase Lost: the PV it was bound to is gone or no longer points back.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use super::fit;
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;
use crate::snapshot::Lookup;

pub static RULE: Rule = Rule {
    code: "claim-lost",
    severity: Severity::Error,
    category: Category::Binding,
    summary: "A PVC is in phase Lost: the PersistentVolume it was bound to is gone.",
    what: "A PersistentVolumeClaim was Bound, then its PersistentVolume was deleted (or lost its claimRef). The PV controller moved the claim to phase Lost with a ClaimLost event: 'Bound claim has lost reference to PersistentVolume. Data on the volume is lost!' or 'Bound claim has lost its PersistentVolume. Data on the volume is lost!'.",
    why: "Pods using the claim cannot start (the scheduler reports 'pvc(s) bound to non-existent pv(s)') and the data may be gone: with reclaim policy Delete the EBS volume was deleted with the PV. A Lost claim never recovers by itself unless a PV of the same name comes back.",
    fix: "If the EBS volume still exists (Retain policy, or a snapshot restored to a new volume), recreate a PV with the same name pointing at it, with claimRef to this claim: the PV controller binds the claim again. Otherwise delete the claim and recreate it (a new, empty volume) and restore the data from a backup.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pvc in cx.pvcs() {
        if k8s::pvc_phase(pvc) != "Lost" {
            continue;
        }
        let key = fit::claim_key(pvc);
        let volume = pvc
            .spec
            .as_ref()
            .and_then(|s| s.volume_name.as_deref())
            .unwrap_or_default();
        let state = match cx.pv_of(pvc) {
            Some(Lookup::Missing) => format!("PV {volume} no longer exists"),
            Some(Lookup::Found(pv)) => match fit::claim_ref_key(pv) {
                Some(c) if !fit::reserved_for(pv, pvc) => {
                    format!("PV {volume} now belongs to {c}")
                }
                Some(_) => format!("PV {volume} is {}", k8s::pv_phase(pv)),
                None => format!("PV {volume} has no claimRef"),
            },
            Some(Lookup::Unknown(r)) => format!("PV {volume} not checked: {r}"),
            None => "it names no volume".to_string(),
        };
        let size = pvc
            .status
            .as_ref()
            .and_then(|s| s.capacity.as_ref())
            .and_then(|c| c.get("storage"))
            .and_then(k8s::quantity_bytes)
            .or_else(|| k8s::pvc_request(pvc))
            .map(k8s::format_bytes)
            .unwrap_or_else(|| "?".into());
        let mut f = Finding::new(
            &RULE,
            ObjectRef::of(*pvc),
            format!("Claim {key} ({size}) is Lost: {state}; data on the volume may be gone"),
        )
        .evidence(format!("{key} status.phase: Lost"))
        .evidence(format!(
            "{key} spec.volumeName: {}",
            if volume.is_empty() { "(unset)" } else { volume }
        ));
        if let Some(e) = cx
            .pvc_events(pvc)
            .into_iter()
            .rev()
            .find(|e| e.reason == "ClaimLost" || e.message.contains("Bound claim has lost"))
        {
            f = f.evidence(cx.event_evidence(e));
        }
        let ns = pvc.namespace_or_empty();
        let name = pvc.name();
        let pods: Vec<&str> = cx
            .pods_using(ns, name)
            .iter()
            .filter_map(|p| p.metadata.name.as_deref())
            .collect();
        if !pods.is_empty() {
            f = f.evidence(format!("used by pod {}", pods.join(", ")));
        }
        let uid = pvc
            .metadata
            .uid
            .as_deref()
            .map(|u| format!(", uid: {u}"))
            .unwrap_or_default();
        out.push(f.fix(format!(
            "if the EBS volume (or a snapshot of it) survives, recreate PV {volume} pointing at it with persistentVolumeReclaimPolicy: Retain and claimRef {{namespace: {ns}, name: {name}{uid}}}: the claim binds again; otherwise delete {key}, recreate it and restore the data from a backup"
        )));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_when_the_pv_was_deleted() {
        let f = assert_fires("claim-lost");
        assert_eq!(f[0].object.name, "data-pg-0");
        assert!(
            f[0].message
                .contains("db/data-pg-0 (100Gi) is Lost: PV pvc-9c41 no longer exists"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("ClaimLost") && e.contains("Data on the volume is lost!")),
            "{:?}",
            f[0].evidence
        );
        assert!(f[0].fix.contains("recreate PV pvc-9c41"), "{}", f[0].fix);
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("claim-lost");
    }
}
