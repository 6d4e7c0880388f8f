//! Whether a PV can bind a claim, and if not why: the checks the PV controller
//! (`FindMatchingVolume`) and the scheduler's volume binding make, each turned into a reason a
//! person can act on. Shared by `no-matching-pv`, `no-default-storageclass` and `pv-released`.

use crate::k8s::Named;
use crate::model::PersistentVolume;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

use crate::ctx::{ClaimClass, Ctx};
use crate::k8s;

/// How a claim binds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Binding {
    /// The PV controller binds at once (node affinity is not looked at).
    Immediate,
    /// The scheduler binds for the pod's node (`WaitForFirstConsumer`).
    Delayed,
}

/// The class name a claim binds PVs of (`""` for the empty class and for "no class, no
/// default"), when the claim binds statically: empty class, no default, or a class whose
/// provisioner is `kubernetes.io/no-provisioner`. `None` for dynamic or unresolved classes.
pub(super) fn static_class<'a>(cx: &Ctx<'a>, pvc: &'a PersistentVolumeClaim) -> Option<&'a str> {
    match cx.claim_class(pvc) {
        ClaimClass::Empty | ClaimClass::NoDefault => Some(""),
        ClaimClass::Named(name, l) => l
            .found()
            .filter(|sc| sc.provisioner == k8s::NO_PROVISIONER)
            .map(|_| name),
        ClaimClass::Default(sc) if sc.provisioner == k8s::NO_PROVISIONER => {
            sc.metadata.name.as_deref()
        }
        _ => None,
    }
}

/// The binding mode of the claim's class (`Immediate` when it has none).
pub(super) fn binding_of<'a>(cx: &Ctx<'a>, pvc: &'a PersistentVolumeClaim) -> Binding {
    match cx.class_of(pvc) {
        Some(sc) if k8s::binding_mode(sc) == "WaitForFirstConsumer" => Binding::Delayed,
        _ => Binding::Immediate,
    }
}

/// `ns/name` of a claim.
pub(super) fn claim_key(pvc: &PersistentVolumeClaim) -> String {
    format!("{}/{}", pvc.namespace_or_empty(), pvc.name())
}

/// The claim's access modes.
pub(super) fn claim_modes(pvc: &PersistentVolumeClaim) -> &[String] {
    pvc.spec
        .as_ref()
        .and_then(|s| s.access_modes.as_deref())
        .unwrap_or_default()
}

/// The claim's volumeMode (`Filesystem` when unset).
pub(super) fn claim_volume_mode(pvc: &PersistentVolumeClaim) -> &str {
    pvc.spec
        .as_ref()
        .and_then(|s| s.volume_mode.as_deref())
        .unwrap_or("Filesystem")
}

/// The PV's access modes.
pub(super) fn pv_modes(pv: &PersistentVolume) -> &[String] {
    pv.spec
        .as_ref()
        .and_then(|s| s.access_modes.as_deref())
        .unwrap_or_default()
}

/// The PV's volumeMode (`Filesystem` when unset).
pub(super) fn pv_volume_mode(pv: &PersistentVolume) -> &str {
    pv.spec
        .as_ref()
        .and_then(|s| s.volume_mode.as_deref())
        .unwrap_or("Filesystem")
}

/// `ns/name` the PV's claimRef names, if any.
pub(super) fn claim_ref_key(pv: &PersistentVolume) -> Option<String> {
    let r = pv.spec.as_ref()?.claim_ref.as_ref()?;
    Some(format!(
        "{}/{}",
        r.namespace.as_deref().unwrap_or_default(),
        r.name.as_deref().unwrap_or_default()
    ))
}

/// Whether the PV's claimRef is this very claim (name, namespace, and uid when both have one).
pub(super) fn reserved_for(pv: &PersistentVolume, pvc: &PersistentVolumeClaim) -> bool {
    let Some(r) = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) else {
        return false;
    };
    r.namespace == pvc.metadata.namespace
        && r.name == pvc.metadata.name
        && match (r.uid.as_deref(), pvc.metadata.uid.as_deref()) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        }
}

/// Short facts about a PV for evidence: `5Gi RWO, class "local", Available`.
pub(super) fn describe_pv(pv: &PersistentVolume) -> String {
    let size = k8s::pv_capacity(pv)
        .map(k8s::format_bytes)
        .unwrap_or_else(|| "?".into());
    format!(
        "{size} {}, class \"{}\", {}",
        k8s::short_modes(pv_modes(pv)),
        k8s::pv_class_name(pv),
        k8s::pv_phase(pv)
    )
}

/// Why the claim cannot be satisfied by this PV looking only at the volume's own properties
/// (class, size, access modes, volumeMode, selector, node affinity): empty when it fits.
pub(super) fn spec_misfits(
    cx: &Ctx,
    pvc: &PersistentVolumeClaim,
    class: &str,
    binding: Binding,
    pv: &PersistentVolume,
) -> Vec<String> {
    let mut why = Vec::new();
    let pv_class = k8s::pv_class_name(pv);
    if pv_class != class {
        why.push(format!("class \"{pv_class}\", claim wants \"{class}\""));
    }
    if let (Some(want), Some(have)) = (k8s::pvc_request(pvc), k8s::pv_capacity(pv)) {
        if have < want {
            why.push(format!(
                "too small: {} < {} requested",
                k8s::format_bytes(have),
                k8s::format_bytes(want)
            ));
        }
    }
    let have = pv_modes(pv);
    let missing: Vec<String> = claim_modes(pvc)
        .iter()
        .filter(|m| !have.contains(m))
        .cloned()
        .collect();
    if !missing.is_empty() {
        why.push(format!(
            "access modes {} lack {}",
            if have.is_empty() {
                "(none)".to_string()
            } else {
                k8s::short_modes(have)
            },
            k8s::short_modes(&missing)
        ));
    }
    let (pm, cm) = (pv_volume_mode(pv), claim_volume_mode(pvc));
    if pm != cm {
        why.push(format!("volumeMode {pm}, claim wants {cm}"));
    }
    if let Some(sel) = pvc.spec.as_ref().and_then(|s| s.selector.as_ref()) {
        if !k8s::label_selector_matches(sel, pv.metadata.labels.as_ref()) {
            why.push(format!(
                "labels do not match the claim's selector ({})",
                describe_selector(sel)
            ));
        }
    }
    if binding == Binding::Delayed && !k8s::pv_affinity_terms(pv).is_empty() {
        if let Some(text) = affinity_misfit(cx, pvc, pv) {
            why.push(text);
        }
    }
    why
}

/// Why this PV is not free for the claim (phase, claimRef, deletion): empty when it is.
pub(super) fn state_misfits(pv: &PersistentVolume, pvc: &PersistentVolumeClaim) -> Vec<String> {
    let mut why = Vec::new();
    if pv.metadata.deletion_timestamp.is_some() {
        why.push("being deleted".to_string());
    }
    let phase = k8s::pv_phase(pv);
    let other = claim_ref_key(pv).filter(|_| !reserved_for(pv, pvc));
    match (phase, other) {
        ("Released", Some(c)) => why.push(format!(
            "Released: claimRef still names the old claim {c} (see pv-released)"
        )),
        ("Bound", Some(c)) => why.push(format!("Bound to {c}")),
        ("Available" | "Pending", Some(c)) => why.push(format!("reserved for {c} by its claimRef")),
        (p, Some(c)) => why.push(format!("{p}, claimRef {c}")),
        ("Available", None) => {}
        (p, None) => why.push(format!("phase {p}, not Available")),
    }
    why
}

/// Every reason a PV cannot bind the claim: empty when it can.
pub(super) fn misfits(
    cx: &Ctx,
    pvc: &PersistentVolumeClaim,
    class: &str,
    binding: Binding,
    pv: &PersistentVolume,
) -> Vec<String> {
    let mut why = state_misfits(pv, pvc);
    why.extend(spec_misfits(cx, pvc, class, binding, pv));
    why
}

/// Evidence lines for the candidates, those closest to fitting first (same class, fewest
/// reasons), at most `max`, plus a count of the rest. `same_class_only` leaves out PVs of
/// other classes.
pub(super) fn candidate_evidence(
    cx: &Ctx,
    pvc: &PersistentVolumeClaim,
    class: &str,
    binding: Binding,
    max: usize,
    same_class_only: bool,
) -> Vec<String> {
    let mut rows: Vec<(bool, usize, String)> = cx
        .snap
        .pvs
        .iter()
        .filter(|pv| !same_class_only || k8s::pv_class_name(pv) == class)
        .map(|pv| {
            let why = misfits(cx, pvc, class, binding, pv);
            let text = format!(
                "PV {} ({}): {}",
                pv.name(),
                describe_pv(pv),
                if why.is_empty() {
                    "fits".to_string()
                } else {
                    why.join("; ")
                }
            );
            (k8s::pv_class_name(pv) != class, why.len(), text)
        })
        .collect();
    rows.sort();
    let total = rows.len();
    let mut out: Vec<String> = rows.into_iter().take(max).map(|(_, _, t)| t).collect();
    if total > max {
        out.push(format!("… and {} more PVs", total - max));
    }
    out
}

/// Whether some PV in the snapshot can bind the claim right now.
pub(super) fn any_fits(
    cx: &Ctx,
    pvc: &PersistentVolumeClaim,
    class: &str,
    binding: Binding,
) -> bool {
    cx.snap
        .pvs
        .iter()
        .any(|pv| misfits(cx, pvc, class, binding, pv).is_empty())
}

/// With delayed binding: no schedulable node (that the claim's pods may use) satisfies the
/// PV's node affinity.
fn affinity_misfit(cx: &Ctx, pvc: &PersistentVolumeClaim, pv: &PersistentVolume) -> Option<String> {
    if cx.unknown(crate::snapshot::Kind::Node, None).is_some() {
        return None;
    }
    let ns = pvc.namespace_or_empty();
    let pods = cx.pods_using(ns, pvc.name());
    let fits = cx
        .schedulable_nodes()
        .any(|n| k8s::pv_admits_node(pv, n) && pods.iter().all(|p| k8s::pod_admits_node(p, n)));
    if fits {
        return None;
    }
    let zones = k8s::pv_zones(pv);
    let wants = if zones.is_empty() {
        "its node affinity".to_string()
    } else {
        format!("node affinity zone {}", zones.join(","))
    };
    Some(format!(
        "{wants} fits no schedulable node{} (nodes: {})",
        if pods.is_empty() {
            ""
        } else {
            " the pod may use"
        },
        cx.node_zone_summary()
    ))
}

/// `app=db, tier in (a,b)`: a selector as people write it.
pub(super) fn describe_selector(sel: &LabelSelector) -> String {
    let mut parts: Vec<String> = sel
        .match_labels
        .iter()
        .flatten()
        .map(|(k, v)| format!("{k}={v}"))
        .collect();
    for e in sel.match_expressions.iter().flatten() {
        let values = e.values.as_deref().unwrap_or_default().join(",");
        parts.push(match e.operator.as_str() {
            "Exists" => e.key.clone(),
            "DoesNotExist" => format!("!{}", e.key),
            op => format!("{} {} ({values})", e.key, op.to_ascii_lowercase()),
        });
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelectorRequirement;

    #[test]
    fn selectors() {
        let labels: std::collections::BTreeMap<String, String> = [
            ("app".to_string(), "db".to_string()),
            ("tier".to_string(), "gold".to_string()),
        ]
        .into_iter()
        .collect();
        let sel = |ml: &[(&str, &str)], ex: Vec<LabelSelectorRequirement>| LabelSelector {
            match_labels: Some(
                ml.iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ),
            match_expressions: Some(ex),
        };
        let req = |k: &str, op: &str, v: &[&str]| LabelSelectorRequirement {
            key: k.into(),
            operator: op.into(),
            values: Some(v.iter().map(|s| s.to_string()).collect()),
        };
        assert!(k8s::label_selector_matches(
            &sel(&[("app", "db")], vec![]),
            Some(&labels)
        ));
        assert!(!k8s::label_selector_matches(
            &sel(&[("app", "web")], vec![]),
            Some(&labels)
        ));
        assert!(k8s::label_selector_matches(
            &sel(&[], vec![req("tier", "In", &["gold", "silver"])]),
            Some(&labels)
        ));
        assert!(!k8s::label_selector_matches(
            &sel(&[], vec![req("tier", "NotIn", &["gold"])]),
            Some(&labels)
        ));
        assert!(!k8s::label_selector_matches(
            &sel(&[], vec![req("zone", "Exists", &[])]),
            Some(&labels)
        ));
        assert!(k8s::label_selector_matches(
            &sel(&[], vec![req("zone", "DoesNotExist", &[])]),
            None
        ));
        assert_eq!(
            describe_selector(&sel(&[("app", "db")], vec![req("tier", "In", &["gold"])])),
            "app=db, tier in (gold)"
        );
    }
}
