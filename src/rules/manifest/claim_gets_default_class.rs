//! `claim-gets-default-class`: a class-less claim meant for a class-less PV that the default
//! class will capture instead.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;
use crate::snapshot::{Coverage, Kind};

pub static RULE: Rule = Rule {
    code: "claim-gets-default-class",
    severity: Severity::Warning,
    category: Category::Manifest,
    summary: "A claim without storageClassName would fit a class-less PV of the same manifests, but on a cluster with a default class it is given that class and provisions a new, empty volume instead.",
    what: "Fires on a PersistentVolumeClaim that has no `storageClassName` at all (not `\"\"`) and no `volumeName`, when a PersistentVolume of the same manifests has no class and fits it (size, access modes, volume mode, no claimRef to another claim). With cluster data (--snapshot, --cluster-check) it names the default class, and stays silent when the cluster has none.",
    why: "The DefaultStorageClass admission plugin writes the default class into every claim created without `storageClassName`. The claim then only binds PVs of that class: the PV written for it (a restore, an imported volume) stays Available, and the default class provisions a new, empty volume. The data seems lost.",
    fix: "Set `storageClassName: \"\"` on the claim (the empty class: bind only class-less PVs), or name the PV with `volumeName`; or give the PV and the claim the same class.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let classes_known = matches!(
        cx.snap.coverage.get(&Kind::StorageClass),
        Some(Coverage::Read(_))
    );
    let default = cx.default_classes().first().copied();
    if classes_known && default.is_none() {
        return; // no default class: the claim keeps no class and binds the PV
    }
    // The PVs a class-less claim could bind, found once (few, even in a large set).
    let candidates: Vec<_> = cx
        .snap
        .pvs
        .iter()
        .filter(|pv| k8s::pv_class_name(pv).is_empty() && k8s::pv_phase(pv) != "Bound")
        .collect();
    if candidates.is_empty() {
        return;
    }
    for pvc in cx.pvcs() {
        let Some(spec) = pvc.spec.as_ref() else {
            continue;
        };
        if k8s::pvc_class_name(pvc).is_some()
            || spec.volume_name.as_deref().is_some_and(|v| !v.is_empty())
            || k8s::pvc_phase(pvc) == "Bound"
        {
            continue;
        }
        let ns = pvc.namespace_or_empty();
        let name = pvc.name();
        let modes = spec.access_modes.as_deref().unwrap_or_default();
        let request = k8s::pvc_request(pvc).unwrap_or(0);
        let mode = spec.volume_mode.as_deref().unwrap_or("Filesystem");
        let fits = candidates.iter().copied().find(|pv| {
            let Some(s) = pv.spec.as_ref() else {
                return false;
            };
            let pv_modes = s.access_modes.as_deref().unwrap_or_default();
            let free = s.claim_ref.as_ref().is_none_or(|r| {
                r.name.as_deref() == Some(name) && r.namespace.as_deref().is_none_or(|n| n == ns)
            });
            free && k8s::pv_capacity(pv).unwrap_or(0) >= request
                && modes.iter().all(|m| pv_modes.contains(m))
                && s.volume_mode.as_deref().unwrap_or("Filesystem") == mode
        });
        let Some(pv) = fits else { continue };
        let pv_name = pv.name();
        let cluster = match default {
            Some(sc) => format!(
                "the cluster's default class \"{}\" is written into it",
                sc.name()
            ),
            None => "on a cluster with a default class, that class is written into it".into(),
        };
        out.push(
            Finding::new(
                &RULE,
                ObjectRef::of(*pvc),
                format!(
                    "Claim {ns}/{name} sets no storageClassName, so {cluster}: it provisions a new, empty volume instead of binding class-less PV {pv_name}"
                ),
            )
            .evidence(format!("claim {ns}/{name}: no spec.storageClassName, no spec.volumeName"))
            .evidence(format!(
                "PV {pv_name}: no storageClassName, {}",
                k8s::pv_capacity(pv).map(k8s::format_bytes).unwrap_or_else(|| "?".into())
            ))
            .fix(format!(
                "set storageClassName: \"\" on claim {name} (or volumeName: {pv_name})"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_on_a_class_less_claim_with_a_fitting_pv() {
        let f = assert_fires("claim-gets-default-class");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message.contains("default class \"gp3\"")
                && f[0].message.contains("class-less PV restore-pv"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("claim-gets-default-class");
    }
}
