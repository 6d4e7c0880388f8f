//! `pv-released`: a PV is Released and still names its old claim, so nothing can bind it.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::k8s::Named;
use std::collections::HashMap;

use super::fit;
use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::Lookup;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;

pub static RULE: Rule = Rule {
    code: "pv-released",
    severity: Severity::Warning,
    category: Category::Binding,
    summary: "A PV is Released and still carries its old claimRef: nothing can bind it until that is cleared (error when a claim waits for it).",
    what: "A PersistentVolume with reclaim policy Retain lost its claim (the PVC was deleted) and is in phase Released. Its spec.claimRef still names the deleted claim, uid included. Severity is error when a claim under diagnosis is waiting for it: its spec.volumeName names the PV, or it binds statically and the PV would otherwise fit it.",
    why: "The PV controller never reuses a Released volume by itself: a new claim, even one with the same name, has another uid, so it is refused ('volume \"NAME\" already bound to a different claim.') or simply never matched. The data is still on the EBS volume, which keeps costing money. With reclaim policy Delete, external-provisioner 3.5+ deletes even hand-made Released PVs and their volume.",
    fix: "If the data should be reused, clear the stale claimRef: kubectl patch pv NAME --type json -p '[{\"op\":\"remove\",\"path\":\"/spec/claimRef\"}]' — the PV becomes Available and the next matching claim binds it (to reserve it for one claim, set claimRef to that claim's namespace and name instead). If not, delete the PV and then the EBS volume.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let pending: Vec<&PersistentVolumeClaim> = cx
        .pvcs()
        .iter()
        .copied()
        .filter(|pvc| k8s::pvc_phase(pvc) == "Pending")
        .collect();
    // The pending claims by the volume they name, and the ones that bind statically (with
    // their class and binding), gathered at the first Released PV: each PV is then matched
    // against its candidates, not every pending claim judged again.
    type Statics<'a> = Vec<(usize, &'a str, fit::Binding)>;
    let mut candidates: Option<(HashMap<&str, Vec<usize>>, Statics)> = None;
    for pv in &cx.snap.pvs {
        if k8s::pv_phase(pv) != "Released" {
            continue;
        }
        let Some(old) = fit::claim_ref_key(pv) else {
            continue;
        };
        let name = pv.name();
        let (named, statics) = candidates.get_or_insert_with(|| {
            let mut named: HashMap<&str, Vec<usize>> = HashMap::new();
            let mut statics = Vec::new();
            for (i, pvc) in pending.iter().enumerate() {
                match pvc.spec.as_ref().and_then(|s| s.volume_name.as_deref()) {
                    Some(v) if !v.is_empty() => named.entry(v).or_default().push(i),
                    _ => {
                        if let Some(class) = fit::static_class(cx, pvc) {
                            statics.push((i, class, fit::binding_of(cx, pvc)));
                        }
                    }
                }
            }
            (named, statics)
        });
        let mut waiting_idx: Vec<usize> = named.get(name).cloned().unwrap_or_default();
        waiting_idx.extend(
            statics
                .iter()
                .filter(|(i, class, binding)| {
                    fit::spec_misfits(cx, pending[*i], class, *binding, pv).is_empty()
                })
                .map(|(i, _, _)| *i),
        );
        waiting_idx.sort_unstable();
        let waiting_claims: Vec<&PersistentVolumeClaim> =
            waiting_idx.into_iter().map(|i| pending[i]).collect();
        let waiting: Vec<String> = waiting_claims.iter().map(|p| fit::claim_key(p)).collect();
        let in_focus = cx.pv_in_focus(pv);
        if !in_focus && waiting.is_empty() {
            continue;
        }
        let r = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref());
        let old_claim = r.map(|r| {
            cx.pvc(
                r.namespace.as_deref().unwrap_or_default(),
                r.name.as_deref().unwrap_or_default(),
            )
        });
        let recreated = matches!(
            (&old_claim, r),
            (Some(Lookup::Found(p)), Some(r)) if p.metadata.uid.is_some() && p.metadata.uid != r.uid
        );
        let old_state = if recreated || matches!(old_claim, Some(Lookup::Missing)) {
            "the deleted claim"
        } else {
            "its old claim"
        };
        let old_uid = r
            .and_then(|r| r.uid.as_deref())
            .map(|u| format!(" (uid {u})"))
            .unwrap_or_default();
        let recreated_note = if recreated {
            format!(", not the claim now called {old}")
        } else {
            String::new()
        };
        let size = k8s::pv_capacity(pv)
            .map(k8s::format_bytes)
            .unwrap_or_else(|| "?".into());
        let volume = k8s::pv_volume_id(pv)
            .map(|v| format!(", EBS {v}"))
            .unwrap_or_default();
        let mut message = format!(
            "PV {name} ({size}{volume}) is Released: its claimRef still names {old_state} {old}{old_uid}{recreated_note}, so nothing can bind it"
        );
        if !waiting.is_empty() {
            message.push_str(&format!("; claim {} is waiting for it", waiting.join(", ")));
        }
        let policy = pv
            .spec
            .as_ref()
            .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
            .unwrap_or("Retain");
        let mut f = Finding::new(&RULE, ObjectRef::of(pv), message).evidence(format!(
            "PV {name} status.phase: Released · spec.claimRef: {old}{} · reclaim policy {policy}",
            r.and_then(|r| r.uid.as_deref())
                .map(|u| format!(" (uid {u})"))
                .unwrap_or_default()
        ));
        if !waiting.is_empty() {
            f = f.severity(Severity::Error);
        }
        for e in cx
            .events_for("PersistentVolume", None, name)
            .into_iter()
            .rev()
            .take(1)
        {
            f = f.evidence(cx.event_evidence(e));
        }
        let refused = format!("volume \"{name}\" already bound to a different claim");
        for pvc in &waiting_claims {
            if let Some(e) = cx
                .pvc_events(pvc)
                .into_iter()
                .rev()
                .find(|e| e.message.contains(&refused))
            {
                f = f.evidence(cx.event_evidence(e));
            }
        }
        let patch = format!(
            "kubectl patch pv {name} --type json -p '[{{\"op\":\"remove\",\"path\":\"/spec/claimRef\"}}]'"
        );
        let retain = if policy == "Delete" {
            format!("first keep the volume: kubectl patch pv {name} -p '{{\"spec\":{{\"persistentVolumeReclaimPolicy\":\"Retain\"}}}}'; then ")
        } else {
            String::new()
        };
        let fix = match waiting.as_slice() {
            [] => format!("{retain}to reuse the data, clear the stale claimRef: {patch} (the PV becomes Available for the next matching claim); if the data is not needed, delete PV {name} and its EBS volume"),
            [one] => format!("{retain}{patch}: the PV becomes Available and {one} binds it"),
            many => format!("{retain}{patch}: the PV becomes Available; several claims could take it ({}), so to reserve it set spec.claimRef to the one that should", many.join(", ")),
        };
        out.push(f.fix(fix));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy, findings};
    use crate::rules::Severity;

    #[test]
    fn fires_as_error_when_a_recreated_claim_waits_for_it() {
        let f = assert_fires("pv-released");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].object.kind, "PersistentVolume");
        assert_eq!(f[0].object.name, "pv-mysql");
        assert_eq!(f[0].severity, Severity::Error);
        assert!(
            f[0].message.contains(
                "PV pv-mysql (50Gi, EBS vol-0d1d1d1d1d1d1d1d1) is Released: its claimRef still names the deleted claim shop/mysql-data (uid 1c1c1c1c-5555-4e4e-8e8e-000000000005), not the claim now called shop/mysql-data, so nothing can bind it"
            ),
            "{}",
            f[0].message
        );
        assert!(
            f[0].message
                .contains("claim shop/mysql-data is waiting for it"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("FailedBinding")
                    && e.contains("already bound to a different claim")),
            "{:?}",
            f[0].evidence
        );
        assert!(
            f[0].fix.contains(
                r#"kubectl patch pv pv-mysql --type json -p '[{"op":"remove","path":"/spec/claimRef"}]'"#
            ),
            "{}",
            f[0].fix
        );
    }

    #[test]
    fn is_a_warning_when_nobody_waits() {
        let all = findings("pv-released", "scan.yaml");
        let f: Vec<_> = all.iter().filter(|f| f.code == "pv-released").collect();
        assert_eq!(f.len(), 1, "{all:#?}");
        assert_eq!(f[0].object.name, "pv-old-reports");
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(
            f[0].message
                .contains("still names the deleted claim bi/reports"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].fix
                .contains("kubectl patch pv pv-old-reports --type json"),
            "{}",
            f[0].fix
        );
        assert!(!all.iter().any(|f| f.code == "pv-unclaimed"), "{all:#?}");
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("pv-released");
    }
}
