//! `no-matching-pv`: a claim that binds only to existing PVs, and none fits: says per candidate why.

use crate::k8s::Named;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use super::fit::{self, Binding};
use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::{Kind, Lookup};

pub static RULE: Rule = Rule {
    code: "no-matching-pv",
    severity: Severity::Error,
    category: Category::Binding,
    summary: "A claim binds statically (class \"\" or kubernetes.io/no-provisioner, or a spec.volumeName) and no PersistentVolume fits it.",
    what: "A pending PersistentVolumeClaim can only bind an existing PersistentVolume: its class is \"\" or uses the kubernetes.io/no-provisioner provisioner, or it names one PV in spec.volumeName. No PV passes the PV controller's checks: same class, capacity at least the request, every requested access mode, the same volumeMode, labels matching the claim's selector, free (Available, no claimRef to another claim) and, with WaitForFirstConsumer, node affinity that some node the pod may use satisfies. The finding lists the closest candidates and what is wrong with each.",
    why: "Nothing will create a volume for such a claim: it stays Pending (FailedBinding 'no persistent volumes available for this claim and no storage class is set', VolumeMismatch 'Cannot bind to requested volume …' for a named PV, or the scheduler's 'node(s) didn't find available persistent volumes to bind') and its pods never start. A hand-made PV that is a little too small, has RWX where RWO is asked (or the reverse), or sits in a zone without nodes is the usual cause.",
    fix: "Create a PV that satisfies the claim (class, size, access modes, volumeMode, labels, zone with nodes), or correct the candidate PV the finding names, or change the claim (recreate it: most of its spec is immutable).",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pvc in cx.pvcs() {
        if k8s::pvc_phase(pvc) != "Pending" {
            continue;
        }
        match cx.pv_of(pvc) {
            Some(Lookup::Missing) => out.push(named_missing(cx, pvc)),
            Some(Lookup::Found(pv)) => {
                let class = k8s::pvc_class_name(pvc)
                    .map(str::to_string)
                    .or_else(|| cx.class_of(pvc).and_then(|sc| sc.metadata.name.clone()))
                    .unwrap_or_default();
                let why = fit::spec_misfits(cx, pvc, &class, fit::binding_of(cx, pvc), pv);
                if why.is_empty() {
                    continue;
                }
                let key = fit::claim_key(pvc);
                let name = pv.name();
                let mut f = Finding::new(
                    &RULE,
                    ObjectRef::of(*pvc),
                    format!(
                        "Claim {key} ({}) asks for PV {name} by spec.volumeName, but it does not fit: {}",
                        describe_claim(pvc, &class),
                        why.join("; ")
                    ),
                )
                .evidence(format!("{key} spec.volumeName: {name}"))
                .evidence(format!("PV {name} ({})", fit::describe_pv(pv)));
                if let Some(e) = cx.pvc_events(pvc).into_iter().rev().find(|e| {
                    e.reason == "VolumeMismatch"
                        || e.message.contains("Cannot bind to requested volume")
                }) {
                    f = f.evidence(cx.event_evidence(e));
                }
                out.push(f.fix(format!(
                    "change PV {name} so it fits ({}), or recreate {key} naming a PV that does",
                    why.join("; ")
                )));
            }
            Some(Lookup::Unknown(_)) => {}
            None => {
                // No class and no default class is no-default-storageclass's case.
                if matches!(cx.claim_class(pvc), crate::ctx::ClaimClass::NoDefault) {
                    continue;
                }
                let Some(class) = fit::static_class(cx, pvc) else {
                    continue;
                };
                // Only a claim that binds statically needs every PV (a targeted read has only
                // the chain's).
                if cx.unknown(Kind::PersistentVolume, None).is_some() {
                    continue;
                }
                let binding = fit::binding_of(cx, pvc);
                let ns = pvc.namespace_or_empty();
                let name = pvc.name();
                let pods = cx.pods_using(ns, name);
                if binding == Binding::Delayed
                    && (pods.is_empty() || cx.unknown(Kind::Pod, Some(ns)).is_some())
                {
                    // Nothing is matched before a pod exists: waiting-for-first-consumer.
                    continue;
                }
                if fit::any_fits(cx, pvc, class, binding) {
                    continue;
                }
                let key = fit::claim_key(pvc);
                let same_class = cx
                    .snap
                    .pvs
                    .iter()
                    .filter(|pv| k8s::pv_class_name(pv) == class)
                    .count();
                let message = if same_class == 0 {
                    format!(
                        "Claim {key} ({}) binds only to existing PVs, and no PV of class \"{class}\" exists",
                        describe_claim(pvc, class)
                    )
                } else if same_class == 1 {
                    format!(
                        "Claim {key} ({}) binds only to existing PVs, and the only PV of class \"{class}\" does not fit",
                        describe_claim(pvc, class)
                    )
                } else {
                    format!(
                        "Claim {key} ({}) binds only to existing PVs, and none of the {same_class} PVs of class \"{class}\" fits",
                        describe_claim(pvc, class)
                    )
                };
                let mut f = Finding::new(&RULE, ObjectRef::of(*pvc), message);
                let mut events = cx.pvc_events(pvc);
                for p in &pods {
                    events.extend(cx.pod_events(p));
                }
                events.sort_by_key(|e| e.last);
                if let Some(e) = events.into_iter().rev().find(|e| {
                    e.reason == "FailedBinding"
                        || e.message
                            .contains("didn't find available persistent volumes to bind")
                }) {
                    f = f.evidence(cx.event_evidence(e));
                }
                if cx.snap.pvs.is_empty() {
                    f = f.evidence("the cluster has no PersistentVolumes");
                } else {
                    for line in fit::candidate_evidence(cx, pvc, class, binding, 5, false) {
                        f = f.evidence(line);
                    }
                }
                out.push(f.fix(create_fix(cx, pvc, class, binding)));
            }
        }
    }
}

/// `10Gi RWO, class "local"`.
fn describe_claim(pvc: &PersistentVolumeClaim, class: &str) -> String {
    let size = k8s::pvc_request(pvc)
        .map(k8s::format_bytes)
        .unwrap_or_else(|| "?".into());
    let mode = match fit::claim_volume_mode(pvc) {
        "Filesystem" => String::new(),
        m => format!(" {m}"),
    };
    format!(
        "{size} {}{mode}, class \"{class}\"",
        k8s::short_modes(fit::claim_modes(pvc))
    )
}

fn named_missing(cx: &Ctx, pvc: &PersistentVolumeClaim) -> Finding {
    let key = fit::claim_key(pvc);
    let name = pvc
        .spec
        .as_ref()
        .and_then(|s| s.volume_name.as_deref())
        .unwrap_or_default();
    let mut f = Finding::new(
        &RULE,
        ObjectRef::of(pvc),
        format!("Claim {key} asks for PV {name} by spec.volumeName, which does not exist"),
    )
    .evidence(format!("{key} spec.volumeName: {name}"))
    .evidence(format!("no PersistentVolume \"{name}\""));
    if let Some(e) = cx.pvc_events(pvc).into_iter().last() {
        f = f.evidence(cx.event_evidence(e));
    }
    f.fix(format!(
        "create PV {name} (for an existing EBS volume: csi.driver ebs.csi.aws.com, volumeHandle vol-…, and claimRef to {key}), or recreate {key} without volumeName"
    ))
}

/// What a PV must look like to bind the claim, as a fix.
fn create_fix(cx: &Ctx, pvc: &PersistentVolumeClaim, class: &str, binding: Binding) -> String {
    let size = k8s::pvc_request(pvc)
        .map(k8s::format_bytes)
        .unwrap_or_else(|| "the requested size".into());
    let modes = fit::claim_modes(pvc).join(", ");
    let mut wants = vec![
        format!("storageClassName: \"{class}\""),
        format!("capacity ≥ {size}"),
        format!("accessModes [{modes}]"),
        format!("volumeMode {}", fit::claim_volume_mode(pvc)),
    ];
    if let Some(sel) = pvc.spec.as_ref().and_then(|s| s.selector.as_ref()) {
        wants.push(format!("labels {}", fit::describe_selector(sel)));
    }
    if binding == Binding::Delayed {
        wants.push(format!(
            "node affinity to a zone with schedulable nodes ({})",
            cx.node_zone_summary()
        ));
    }
    format!(
        "create a PV with {}, or fix the closest candidate listed, or recreate {} to match an existing PV",
        wants.join(", "),
        fit::claim_key(pvc)
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy, findings};

    #[test]
    fn fires_and_says_why_each_candidate_does_not_fit() {
        let f = assert_fires("no-matching-pv");
        assert_eq!(f.len(), 1, "{f:#?}");
        let f = &f[0];
        assert_eq!(f.object.name, "data-es-0");
        assert!(
            f.message.contains(
                "logs/data-es-0 (100Gi RWO, class \"local-nvme\") binds only to existing PVs, and none of the 5 PVs of class \"local-nvme\" fits"
            ),
            "{}",
            f.message
        );
        let line = |pv: &str| {
            f.evidence
                .iter()
                .find(|e| e.starts_with(&format!("PV {pv} ")))
                .unwrap_or_else(|| panic!("no evidence for {pv}: {:?}", f.evidence))
                .clone()
        };
        assert!(line("local-pv-small").contains("too small: 50Gi < 100Gi requested"));
        assert!(line("local-pv-rox").contains("access modes ROX lack RWO"));
        assert!(line("local-pv-block").contains("volumeMode Block, claim wants Filesystem"));
        assert!(line("local-pv-taken").contains("Bound to logs/data-es-1"));
        assert!(
            line("local-pv-c").contains("node affinity zone us-east-1c fits no schedulable node"),
            "{}",
            line("local-pv-c")
        );
        assert!(
            f.evidence.iter().any(|e| e == "… and 1 more PVs"),
            "{:?}",
            f.evidence
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("didn't find available persistent volumes to bind")),
            "{:?}",
            f.evidence
        );
        assert!(f.fix.contains("capacity ≥ 100Gi"), "{}", f.fix);
    }

    #[test]
    fn names_the_misfit_of_a_requested_pv_and_of_a_selector() {
        let all = findings("no-matching-pv", "scan.yaml");
        let mine = |name: &str| {
            all.iter()
                .find(|f| f.code == "no-matching-pv" && f.object.name == name)
                .unwrap_or_else(|| panic!("no finding for {name}: {all:#?}"))
        };
        let legacy = mine("legacy-data");
        assert!(
            legacy.message.contains(
                "asks for PV pv-legacy-10g by spec.volumeName, but it does not fit: too small: 10Gi < 20Gi requested"
            ),
            "{}",
            legacy.message
        );
        assert!(
            legacy.evidence.iter().any(|e| e.contains("VolumeMismatch")),
            "{:?}",
            legacy.evidence
        );
        let archive = mine("archive");
        assert!(
            archive.evidence.iter().any(|e| e.contains(
                "PV pv-legacy-10g (10Gi RWO, class \"\", Available): labels do not match the claim's selector (app=archive, tier in (cold))"
            )),
            "{:?}",
            archive.evidence
        );
        assert!(
            archive.fix.contains("labels app=archive, tier in (cold)"),
            "{}",
            archive.fix
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("no-matching-pv");
    }
}
