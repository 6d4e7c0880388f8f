//! `immediate-binding-single-zone`: a class pins its volumes to one zone and creates them before
//! the Pod is scheduled.

use crate::k8s::Named;
use k8s_openapi::api::storage::v1::StorageClass;

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;

pub static RULE: Rule = Rule {
    code: "immediate-binding-single-zone",
    severity: Severity::Warning,
    category: Category::Manifest,
    summary: "A StorageClass restricts volumes to one zone (zone, zones or allowedTopologies) with Immediate binding: volumes are created there before the Pod is scheduled, wherever the Pod can run.",
    what: "Checks every StorageClass on its own (preflight, scan). Fires on a StorageClass whose `volumeBindingMode` is Immediate (or unset, which means Immediate) and whose `parameters.zone`, `parameters.zones` or `allowedTopologies` name exactly one zone.",
    why: "With Immediate binding the volume is created as soon as the claim is, in the pinned zone, before the scheduler has chosen a node. A Pod that cannot run in that zone (no nodes there, a nodeSelector or affinity elsewhere, nodes full) never schedules: `node(s) had volume node affinity conflict`. With WaitForFirstConsumer the same restriction steers the Pod into the zone instead.",
    fix: "Set `volumeBindingMode: WaitForFirstConsumer` (StorageClasses are immutable: delete and recreate the class; existing volumes are not affected), and express the zone with allowedTopologies.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    // A chain's claims show the real failure instead (`zone-mismatch`); this is the warning
    // before any claim exists: classes checked on their own (preflight, scan).
    if !cx.cluster_wide() {
        return;
    }
    let classes: Vec<&StorageClass> = cx.snap.storage_classes.iter().collect();
    for sc in classes {
        if k8s::binding_mode(sc) != "Immediate" || sc.provisioner == k8s::NO_PROVISIONER {
            continue;
        }
        let zones = k8s::class_zones(sc);
        let [zone] = zones.as_slice() else { continue };
        let name = sc.name();
        let field = if sc.allowed_topologies.is_some() {
            "allowedTopologies"
        } else if sc
            .parameters
            .as_ref()
            .is_some_and(|p| p.contains_key("zone"))
        {
            "parameters.zone"
        } else {
            "parameters.zones"
        };
        out.push(
            Finding::new(
                &RULE,
                ObjectRef::of(sc),
                format!(
                    "Class \"{name}\" creates every volume in {zone} with Immediate binding, before the Pod is scheduled: a Pod that cannot run in {zone} never schedules (volume node affinity conflict)"
                ),
            )
            .evidence(format!("{field}: {zone}"))
            .evidence(format!(
                "volumeBindingMode: {}",
                sc.volume_binding_mode.as_deref().unwrap_or("(unset: Immediate)")
            ))
            .fix(format!(
                "recreate class \"{name}\" with volumeBindingMode: WaitForFirstConsumer (keep the zone in allowedTopologies)"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_on_one_zone_with_immediate_binding() {
        let f = assert_fires("immediate-binding-single-zone");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(f[0].message.contains("in us-east-1a"), "{}", f[0].message);
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("immediate-binding-single-zone");
    }
}
