//! `no-default-storageclass`: a claim names no class, the cluster has no default class, and no
//! class-less PV can bind it.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use super::fit;
use crate::ctx::{ClaimClass, Ctx};
use crate::k8s;
use crate::snapshot::Kind;

pub static RULE: Rule = Rule {
    code: "no-default-storageclass",
    severity: Severity::Error,
    category: Category::Binding,
    summary: "A pending PVC sets no storageClassName, no StorageClass is the default, and no class-less PV fits it.",
    what: "A PersistentVolumeClaim without spec.storageClassName was created while no StorageClass carried the annotation storageclass.kubernetes.io/is-default-class: \"true\", so it may only bind an existing PersistentVolume without a class, and none of those fits.",
    why: "Nothing provisions a volume for a claim without a class: the PV controller records FailedBinding 'no persistent volumes available for this claim and no storage class is set' and the claim, and every pod using it ('pod has unbound immediate PersistentVolumeClaims'), waits. EKS clusters created since Kubernetes 1.30 no longer mark gp2 as the default, so manifests that relied on a default class break there.",
    fix: "Mark a StorageClass as the default (kubectl annotate storageclass NAME storageclass.kubernetes.io/is-default-class=true); since Kubernetes 1.28 pending claims without a class pick it up. Or recreate the claim with an explicit storageClassName.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    // Without the PVs, the PV controller's own word (FailedBinding "no persistent volumes
    // available … no storage class is set") or a wait past the binding time stands for them.
    if !cx.pvcs().iter().any(|pvc| {
        k8s::pvc_phase(pvc) == "Pending" && matches!(cx.claim_class(pvc), ClaimClass::NoDefault)
    }) {
        return;
    }
    let pvs_unknown = cx.unknown(Kind::PersistentVolume, None);
    for pvc in cx.pvcs() {
        if k8s::pvc_phase(pvc) != "Pending" || !matches!(cx.claim_class(pvc), ClaimClass::NoDefault)
        {
            continue;
        }
        // Pre-bound claims are about that one PV (no-matching-pv, pv-bound-to-other-claim).
        if cx.pv_of(pvc).is_some() {
            continue;
        }
        let controller_says =
            cx.pvc_events(pvc).into_iter().rev().find(|e| {
                e.reason == "FailedBinding" && e.message.contains("no storage class is set")
            });
        let waited = pvc
            .metadata
            .creation_timestamp
            .as_ref()
            .is_none_or(|t| cx.age_secs(t.0) >= crate::health::CLAIM_BIND_GRACE_SECS);
        if pvs_unknown.is_some() && controller_says.is_none() && !waited {
            continue;
        }
        let binding = fit::binding_of(cx, pvc);
        if fit::any_fits(cx, pvc, "", binding) {
            continue;
        }
        let key = fit::claim_key(pvc);
        let size = k8s::pvc_request(pvc)
            .map(k8s::format_bytes)
            .unwrap_or_else(|| "?".into());
        let modes = k8s::short_modes(fit::claim_modes(pvc));
        let classes: Vec<&str> = cx
            .snap
            .storage_classes
            .iter()
            .filter_map(|sc| sc.metadata.name.as_deref())
            .collect();
        let mut f = Finding::new(
            &RULE,
            ObjectRef::of(*pvc),
            format!("Claim {key} ({size} {modes}) sets no storageClassName and the cluster has no default StorageClass, so nothing will provision it"),
        )
        .evidence(format!("{key} spec.storageClassName: (unset)"))
        .evidence(if classes.is_empty() {
            "the cluster has no StorageClasses".to_string()
        } else {
            format!(
                "no StorageClass has is-default-class \"true\"; classes: {}",
                classes.join(", ")
            )
        });
        if let Some(e) = controller_says {
            f = f.evidence(cx.event_evidence(e));
        }
        if let Some(why) = &pvs_unknown {
            f = f.evidence(format!(
                "PersistentVolumes were not read ({why}): this assumes none without a class fits {key}, as the claim's wait of {} suggests",
                cx.age(pvc.metadata.creation_timestamp.as_ref().map(|t| t.0))
            ));
        }
        let class_less = cx
            .snap
            .pvs
            .iter()
            .filter(|pv| k8s::pv_class_name(pv).is_empty())
            .count();
        if pvs_unknown.is_none() && class_less == 0 {
            f = f.evidence("no PersistentVolume without a class exists to bind statically");
        } else if pvs_unknown.is_none() {
            for line in fit::candidate_evidence(cx, pvc, "", binding, 5, true) {
                f = f.evidence(line);
            }
        }
        let ebs: Vec<&str> = cx
            .snap
            .storage_classes
            .iter()
            .filter(|sc| k8s::is_ebs_provisioner(&sc.provisioner))
            .filter_map(|sc| sc.metadata.name.as_deref())
            .collect();
        let fix = match ebs.first().or(classes.first()) {
            Some(c) => format!("mark a class as the default: kubectl annotate storageclass {c} storageclass.kubernetes.io/is-default-class=true (since Kubernetes 1.28 the pending claim {key} then gets it), or recreate {key} with storageClassName: {c}"),
            None => format!("create a StorageClass for {} annotated storageclass.kubernetes.io/is-default-class: \"true\" (since Kubernetes 1.28 the pending claim {key} then gets it), or recreate {key} with an explicit storageClassName", k8s::cluster_ebs_driver(&cx.snap.csi_drivers, &cx.snap.csi_nodes)),
        };
        out.push(f.fix(fix));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_without_a_default_class() {
        let f = assert_fires("no-default-storageclass");
        assert_eq!(f[0].object.name, "data-db-0");
        assert!(
            f[0].message.contains("prod/data-db-0 (20Gi RWO)"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].evidence.iter().any(|e| e.contains("classes: gp2")),
            "{:?}",
            f[0].evidence
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("FailedBinding") && e.contains("no storage class is set")),
            "{:?}",
            f[0].evidence
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("PV pv-small") && e.contains("too small: 5Gi < 20Gi")),
            "{:?}",
            f[0].evidence
        );
        assert!(
            f[0].fix
                .contains("kubectl annotate storageclass gp2 storageclass.kubernetes.io/is-default-class=true"),
            "{}",
            f[0].fix
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("no-default-storageclass");
    }
}
