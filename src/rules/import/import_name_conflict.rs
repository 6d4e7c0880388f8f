//! `import-name-conflict`: a PV or PVC with the planned name exists and is something else.

use crate::k8s::Named;
use crate::model::PersistentVolume;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;

use super::super::{Category, Finding, Rule, Severity};
use crate::k8s;
use crate::rules::ebs::volume_ref;

pub static RULE: Rule = Rule {
    code: "import-name-conflict",
    severity: Severity::Error,
    category: Category::Import,
    summary: "A PV or PVC with the planned name exists and differs from the planned one.",
    what: "`import-ebs` names the PV imported-<volume id> (or after the volume's CSIVolumeName / kubernetes.io/created-for/pv/name tag, or --name) and the claim after --claim or the volume's kubernetes.io/created-for/pvc tags. It fires when an object of that name exists but is not the planned one: a PV for another volume; a PV for this very volume and claim that differs from the planned PV in reclaim policy, capacity, zone affinity, fsType, volume mode or class (a hand-made or foreign PV is never adopted as \"already imported\"); or a claim bound (or pre-bound) to another PV.",
    why: "The import is create-only: it never updates or deletes what exists, because overwriting a PV or claim can detach a running workload from its data or hand its data to another workload. Adopting a PV that is not the planned one is as dangerous: a claim bound to a PV with reclaimPolicy Delete destroys the EBS volume when the claim is deleted. A conflicting name stops the import of that volume.",
    fix: "Pick another name (--name for the PV, --claim NAMESPACE/NAME for the claim), or inspect the existing object and delete it yourself if it is stale; for a PV, set its reclaim policy to Retain before deleting it, so the EBS volume survives.",
    check: super::on_chains,
};

/// PV `existing` has the planned name `name` but another volume source.
pub fn pv(id: &str, name: &str, existing: &PersistentVolume) -> Finding {
    let other = k8s::pv_volume_id(existing)
        .map(|v| format!("EBS volume {v}"))
        .or_else(|| k8s::pv_driver(existing).map(|d| format!("a {d} volume")))
        .unwrap_or_else(|| "a non-EBS volume".into());
    Finding::new(
        &RULE,
        volume_ref(id),
        format!("PV {name} already exists and holds {other}, not {id}"),
    )
    .evidence(format!(
        "PV {name}: {}, phase {}",
        other,
        k8s::pv_phase(existing)
    ))
    .fix(format!(
        "import {id} under another name: --name imported-{id} (or another free name)"
    ))
}

/// PV `name` exists for this very volume `id` (and claim) but is not the PV the import would
/// create; `diffs` are [`crate::import::plan::pv_differences`].
pub fn pv_differs(id: &str, name: &str, existing: &PersistentVolume, diffs: &[String]) -> Finding {
    let deletes = existing
        .spec
        .as_ref()
        .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
        == Some("Delete");
    let retain_first = if deletes {
        format!(
            "kubectl patch pv {name} -p '{{\"spec\":{{\"persistentVolumeReclaimPolicy\":\"Retain\"}}}}' (so deleting it cannot delete {id}), then "
        )
    } else {
        String::new()
    };
    Finding::new(
        &RULE,
        volume_ref(id),
        format!(
            "PV {name} already exists for {id} but is not the PV this import would create: {}",
            diffs.join(", ")
        ),
    )
    .evidence(format!(
        "PV {name}: {} = {id}, reclaimPolicy {}, phase {}",
        crate::rules::ebs::id_field(existing),
        existing
            .spec
            .as_ref()
            .and_then(|s| s.persistent_volume_reclaim_policy.as_deref())
            .unwrap_or("Retain"),
        k8s::pv_phase(existing)
    ))
    .fix(format!(
        "check that nothing uses PV {name}; {retain_first}kubectl delete pv {name} and run import-ebs again"
    ))
}

/// PVC `namespace/name` exists and is not (pre-)bound to the planned PV `pv_name`.
pub fn pvc(id: &str, pv_name: &str, existing: &PersistentVolumeClaim) -> Finding {
    let ns = existing.namespace_or_empty();
    let name = existing.name();
    let bound = existing
        .spec
        .as_ref()
        .and_then(|s| s.volume_name.as_deref())
        .filter(|v| !v.is_empty());
    let state = match bound {
        Some(v) => format!("bound to PV {v}"),
        None => format!("{} without a volume", k8s::pvc_phase(existing)),
    };
    Finding::new(
        &RULE,
        volume_ref(id),
        format!("PVC {ns}/{name} already exists, {state}, not PV {pv_name}"),
    )
    .evidence(format!(
        "PVC {ns}/{name}: spec.volumeName={}, phase {}",
        bound.unwrap_or("(empty)"),
        k8s::pvc_phase(existing)
    ))
    .fix(format!(
        "choose a free claim name: --claim {ns}/<new name>, or delete PVC {ns}/{name} yourself if it is stale"
    ))
}

/// Two volumes of one run would get the same PV or claim name.
pub fn duplicate(id: &str, what: &str, other: &str) -> Finding {
    Finding::new(
        &RULE,
        volume_ref(id),
        format!("{what} is also planned for {other} in this run"),
    )
    .fix("import these volumes one at a time with --name / --claim".to_string())
}

#[cfg(test)]
mod tests {
    use crate::rules::import::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_for_a_pv_and_a_claim_that_exist_and_differ() {
        let f = assert_fires("import-name-conflict");
        let msgs: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        assert!(
            msgs.contains(
                &"PV imported-vol-0ccccccccccccccc1 already exists and holds EBS volume vol-0ccccccccccccccc9, not vol-0ccccccccccccccc1"
            ),
            "{msgs:?}"
        );
        assert!(
            msgs.contains(
                &"PVC shop/data already exists, bound to PV other-pv, not PV imported-vol-0ccccccccccccccc1"
            ),
            "{msgs:?}"
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("import-name-conflict");
    }
}
