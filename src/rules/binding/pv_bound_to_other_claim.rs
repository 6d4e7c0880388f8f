//! `pv-bound-to-other-claim`: a claim asks for a PV (spec.volumeName) that belongs to another claim.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use super::fit;
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;
use crate::snapshot::Lookup;

pub static RULE: Rule = Rule {
    code: "pv-bound-to-other-claim",
    severity: Severity::Error,
    category: Category::Binding,
    summary: "A PVC's spec.volumeName names a PV whose claimRef is another claim (or a stale uid).",
    what: "A PersistentVolumeClaim is pre-bound to a PersistentVolume by spec.volumeName, but that PV's spec.claimRef names a different claim: another namespace or name, or the same name with another uid (a claim that was deleted and recreated).",
    why: "A PV binds exactly one claim. The PV controller refuses: FailedBinding 'volume \"NAME\" already bound to a different claim.' and the claim stays Pending (or, if both say Bound, ClaimMisbound 'Two claims are bound to the same volume, this one is bound incorrectly'). Typical after copying manifests between clusters or namespaces, or recreating a claim that pointed at a hand-made PV.",
    fix: "If the PV's current claim is obsolete and its data is what this claim needs, remove the PV's claimRef (or set it to this claim's namespace/name) so it can bind; otherwise point the claim at another PV (volumeName is immutable: recreate the claim).",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pvc in cx.pvcs() {
        let Some(Lookup::Found(pv)) = cx.pv_of(pvc) else {
            continue;
        };
        // A Released PV still naming its old claim is pv-released's case.
        if k8s::pv_phase(pv) == "Released" {
            continue;
        }
        let Some(r) = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) else {
            continue;
        };
        if fit::reserved_for(pv, pvc) {
            continue;
        }
        let key = fit::claim_key(pvc);
        let other = fit::claim_ref_key(pv).unwrap_or_default();
        let pv_name = pv.name();
        let same_name = other == key;
        let message = if same_name {
            format!(
                "Claim {key} asks for PV {pv_name}, whose claimRef names {other} with another uid ({}): a claim of that name that was deleted",
                r.uid.as_deref().unwrap_or("?")
            )
        } else {
            format!(
                "Claim {key} asks for PV {pv_name}, which is {} to {other}",
                if k8s::pv_phase(pv) == "Bound" {
                    "bound"
                } else {
                    "reserved"
                }
            )
        };
        let mut f = Finding::new(&RULE, ObjectRef::of(*pvc), message)
            .evidence(format!("{key} spec.volumeName: {pv_name}"))
            .evidence(format!(
                "PV {pv_name} spec.claimRef: {other}{} · status.phase: {}",
                r.uid
                    .as_deref()
                    .map(|u| format!(" (uid {u})"))
                    .unwrap_or_default(),
                k8s::pv_phase(pv)
            ));
        if let Some(uid) = pvc.metadata.uid.as_deref() {
            f = f.evidence(format!("{key} metadata.uid: {uid}"));
        }
        if let Some(e) = cx.pvc_events(pvc).into_iter().rev().find(|e| {
            e.message.contains("already bound to a different claim") || e.reason == "ClaimMisbound"
        }) {
            f = f.evidence(cx.event_evidence(e));
        }
        let holder = r.namespace.as_deref().unwrap_or_default();
        let holder_exists = matches!(
            cx.pvc(holder, r.name.as_deref().unwrap_or_default()),
            Lookup::Found(p) if fit::reserved_for(pv, p)
        );
        let fix = if holder_exists {
            format!("PV {pv_name} is in use by {other}: recreate {key} without volumeName (or naming a free PV); to move the data, snapshot the EBS volume {} and create a new PV for {key} from it", k8s::pv_volume_id(pv).unwrap_or("?"))
        } else {
            format!("{other} no longer holds PV {pv_name}: free it for {key} with kubectl patch pv {pv_name} --type json -p '[{{\"op\":\"remove\",\"path\":\"/spec/claimRef\"}}]' (the PV controller then binds it to {key}, which names it)")
        };
        out.push(f.fix(fix));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_when_the_pv_belongs_to_another_namespace() {
        let f = assert_fires("pv-bound-to-other-claim");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].object.name, "data-db-0");
        assert!(
            f[0].message.contains(
                "staging/data-db-0 asks for PV pv-import-1, which is bound to prod/data-db-0"
            ),
            "{}",
            f[0].message
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("already bound to a different claim")),
            "{:?}",
            f[0].evidence
        );
        assert!(
            f[0].fix.contains("in use by prod/data-db-0"),
            "{}",
            f[0].fix
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("pv-bound-to-other-claim");
    }
}
