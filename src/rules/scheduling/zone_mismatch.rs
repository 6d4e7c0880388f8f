//! `zone-mismatch`: a volume's zone and the nodes a pod may use do not meet.

use crate::k8s::Named;
use crate::model::PersistentVolume;
use k8s_openapi::api::core::v1::Node;

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::Lookup;

pub static RULE: Rule = Rule {
    code: "zone-mismatch",
    severity: Severity::Error,
    category: Category::Scheduling,
    summary: "A volume's zone has no schedulable node that also fits the pod's own node selection.",
    what: "An EBS volume lives in one availability zone and can only attach to instances there, so its PV carries node affinity to that zone. This fires when no schedulable node satisfies both the volume's zone and the pod's nodeSelector/affinity, when two volumes of one pod sit in different zones, or when a StorageClass restricts new volumes to zones where no node runs.",
    why: "The scheduler can never place the pod: it reports 'node(s) had volume node affinity conflict' (Kubernetes ≤ 1.32) or 'node(s) didn't match PersistentVolume's node affinity' (1.33+), which names neither the zone nor the volume. Typical causes: a node group scaled to zero or moved to other zones, a restored volume created in the wrong AZ, a zone-pinned StorageClass with volumeBindingMode Immediate.",
    fix: "Run a node in the volume's zone (or relax the pod's node selection to allow it); for new volumes use a class with volumeBindingMode: WaitForFirstConsumer and no zone restriction; to move data, snapshot the volume and restore it in the right zone.",
    check,
};

pub(crate) const CONFLICT_TEXTS: [&str; 3] = [
    "volume node affinity conflict",
    "didn't match PersistentVolume's node affinity",
    "node affinity doesn't match node",
];

fn zones_of(nodes: &[&Node]) -> String {
    let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
    for n in nodes {
        *counts
            .entry(k8s::node_zone(n).unwrap_or("no zone label"))
            .or_default() += 1;
    }
    counts
        .iter()
        .map(|(z, c)| format!("{z} ×{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Whether any placement question is open: a claim not bound yet, a pod not scheduled, or a PV
/// whose pods do not all run on nodes it admits. A chain running where its volumes are needs no
/// other node (and a targeted read has none).
fn placement_open(cx: &Ctx) -> bool {
    let scheduled =
        |p: &crate::model::Pod| p.spec.as_ref().and_then(|s| s.node_name.as_ref()).is_some();
    if cx.pvcs().iter().any(|p| k8s::pvc_phase(p) != "Bound")
        || cx.pods().iter().any(|p| !scheduled(p))
    {
        return true;
    }
    cx.pvs().iter().any(|pv| {
        let name = pv.name();
        let pods = cx.focused_pods_on_pv(name);
        pods.is_empty()
            || pods.iter().any(|p| {
                let node = p
                    .spec
                    .as_ref()
                    .and_then(|s| s.node_name.as_deref())
                    .unwrap_or_default();
                !matches!(cx.node(node), Lookup::Found(n) if admits(pv, n))
            })
    })
}

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    ebs_zone_disagrees(cx, out);
    class_excludes_pod_zones(cx, out);
    if !placement_open(cx) {
        return;
    }
    let nodes: Vec<&Node> = cx.schedulable_nodes().collect();
    let nodes_known = cx.unknown(crate::snapshot::Kind::Node, None).is_none();
    if !nodes_known {
        return;
    }
    let node_summary = if nodes.is_empty() {
        "no schedulable nodes".to_string()
    } else {
        zones_of(&nodes)
    };

    // 1. A class that can only create volumes where no node runs.
    let mut seen_classes = std::collections::HashSet::new();
    for pvc in cx.pvcs().iter().filter(|p| k8s::pvc_phase(p) != "Bound") {
        let Some(sc) = cx.class_of(pvc) else { continue };
        let zones = k8s::class_zones(sc);
        if zones.is_empty() || !seen_classes.insert(sc.metadata.name.clone()) {
            continue;
        }
        if nodes
            .iter()
            .any(|n| k8s::node_zone(n).is_some_and(|z| zones.iter().any(|c| c == z)))
        {
            continue;
        }
        let name = sc.name();
        out.push(
            Finding::new(
                &RULE,
                ObjectRef::of(sc),
                format!(
                    "Class \"{name}\" creates volumes only in {}; no node runs there (nodes: {node_summary}). Once provisioning works, pods using it will be unschedulable: volume node affinity conflict",
                    zones.join(", ")
                ),
            )
            .evidence(format!("StorageClass {name} restricts zones to {}", zones.join(", ")))
            .fix(format!(
                "use a class without a zone restriction and volumeBindingMode: WaitForFirstConsumer, or add nodes in {}",
                zones.join(", ")
            )),
        );
    }

    // 2. A PV no schedulable node can reach.
    let mut unreachable = std::collections::HashSet::new();
    for pv in cx.pvs() {
        if k8s::pv_affinity_terms(pv).is_empty() && k8s::pv_zones(pv).is_empty() {
            continue;
        }
        if nodes.iter().any(|n| admits(pv, n)) {
            continue;
        }
        let name = pv.metadata.name.clone().unwrap_or_default();
        unreachable.insert(name.clone());
        let zones = k8s::pv_zones(pv);
        let mut f = Finding::new(
            &RULE,
            ObjectRef::of(*pv),
            format!(
                "PV {name} is in {}, where no schedulable node runs (nodes: {node_summary})",
                if zones.is_empty() { "a topology no node matches".to_string() } else { zones.join(", ") }
            ),
        )
        .evidence(format!("PV {name} nodeAffinity: {}", describe_affinity(pv)))
        .fix(format!(
            "add a node in {} (e.g. scale a node group there), or snapshot the volume and restore it in a zone with nodes",
            if zones.is_empty() { "that topology".to_string() } else { zones.join(", ") }
        ));
        for pod in cx.focused_pods_on_pv(&name) {
            if let Some(e) = scheduling_conflict(cx, pod) {
                f = f.evidence(e);
            }
        }
        out.push(f);
    }

    // 3. A pod whose own node selection, or whose other volumes, exclude the volume's zone.
    for pod in cx.pods() {
        if matches!(k8s::pod_phase(pod), "Running" | "Succeeded")
            || pod
                .spec
                .as_ref()
                .and_then(|s| s.node_name.as_ref())
                .is_some()
        {
            continue;
        }
        let ns = pod.namespace_or_empty();
        let pvs: Vec<&PersistentVolume> = k8s::pod_claims(pod)
            .iter()
            .filter_map(|(_, c)| cx.pvc(ns, c).found())
            .filter_map(|pvc| cx.pv_of(pvc).and_then(|l| l.found()))
            .filter(|pv| !unreachable.contains(pv.name()))
            .collect();
        if pvs.is_empty() {
            continue;
        }
        let fits = |n: &&Node| pvs.iter().all(|pv| admits(pv, n));
        if nodes
            .iter()
            .any(|n| fits(n) && k8s::pod_admits_node(pod, n))
        {
            zone_full(cx, pod, &pvs, &nodes, out);
            continue;
        }
        let pod_name = pod.name();
        let describe = |pv: &PersistentVolume| {
            format!("PV {} is in {}", pv.name(), k8s::pv_zones(pv).join(","))
        };
        let message = if !nodes.iter().any(fits) {
            let parts: Vec<String> = pvs.iter().map(|pv| describe(pv)).collect();
            format!(
                "Pod {pod_name}'s volumes sit in different zones ({}): no node can attach them all",
                parts.join("; ")
            )
        } else {
            let selection =
                k8s::describe_pod_selection(pod).unwrap_or_else(|| "its node selection".into());
            let allowed: Vec<&Node> = nodes
                .iter()
                .copied()
                .filter(|n| k8s::pod_admits_node(pod, n))
                .collect();
            let pod_zones = if allowed.is_empty() {
                "no schedulable node".to_string()
            } else {
                zones_of(&allowed)
            };
            let pv_text: Vec<String> = pvs.iter().map(|pv| describe(pv)).collect();
            format!(
                "{} but pod {pod_name} may only run on {pod_zones} ({selection})",
                pv_text.join("; ")
            )
        };
        let mut f = Finding::new(&RULE, ObjectRef::of(*pod), message).fix(
            "make the pod's nodeSelector/affinity allow the volume's zone, or move the data: snapshot the volume and restore it in a zone the pod may use",
        );
        if let Some(e) = scheduling_conflict(cx, pod) {
            f = f.evidence(e);
        }
        for pv in &pvs {
            f = f.evidence(format!(
                "PV {} nodeAffinity: {}",
                pv.name(),
                describe_affinity(pv)
            ));
        }
        out.push(f);
    }
}

/// Case 5 (needs no nodes, so it also runs on manifests): an unscheduled pod pinned to zones by
/// its own node selection, with an unbound claim whose class creates volumes only elsewhere.
fn class_excludes_pod_zones(cx: &Ctx, out: &mut Vec<Finding>) {
    for pod in cx.pods() {
        let spec = pod.spec.as_ref();
        if spec.and_then(|s| s.node_name.as_ref()).is_some() {
            continue;
        }
        let pod_zones = pod_required_zones(pod);
        if pod_zones.is_empty() {
            continue;
        }
        let ns = pod.namespace_or_empty();
        for (_, claim) in k8s::pod_claims(pod) {
            let Lookup::Found(pvc) = cx.pvc(ns, &claim) else {
                continue;
            };
            if cx.pv_of(pvc).is_some() {
                continue;
            }
            let Some(sc) = cx.class_of(pvc) else { continue };
            let class_zones = k8s::class_zones(sc);
            if class_zones.is_empty() || class_zones.iter().any(|z| pod_zones.contains(z)) {
                continue;
            }
            let pod_name = pod.name();
            let class = sc.name();
            let selection =
                k8s::describe_pod_selection(pod).unwrap_or_else(|| "its node selection".into());
            out.push(
                Finding::new(
                    &RULE,
                    ObjectRef::of(*pod),
                    format!(
                        "Pod {pod_name} may only run in {} ({selection}), but claim {claim} uses class \"{class}\", which creates volumes only in {}: the pod can never schedule next to its volume",
                        pod_zones.join(", "),
                        class_zones.join(", ")
                    ),
                )
                .evidence(format!("StorageClass {class} restricts zones to {}", class_zones.join(", ")))
                .evidence(format!("spec.nodeSelector / spec.affinity: zones {}", pod_zones.join(", ")))
                .fix(format!(
                    "make the pod's node selection allow {} or give class \"{class}\" allowedTopologies that include {}",
                    class_zones.join(", "),
                    pod_zones.join(", ")
                )),
            );
        }
    }
}

/// The zones a pod's own node selection pins it to: a nodeSelector on a zone key, or required
/// node affinity whose every term has a zone `In` expression. Empty when not zone-restricted.
fn pod_required_zones(pod: &crate::model::Pod) -> Vec<String> {
    let Some(spec) = pod.spec.as_ref() else {
        return Vec::new();
    };
    if let Some(z) = spec
        .node_selector
        .as_ref()
        .and_then(|sel| k8s::ZONE_KEYS.iter().find_map(|k| sel.get(*k)))
    {
        return vec![z.clone()];
    }
    let terms = k8s::pod_required_terms(pod);
    let every_term_zoned = !terms.is_empty()
        && terms.iter().all(|t| {
            t.match_expressions
                .iter()
                .flatten()
                .any(|e| k8s::ZONE_KEYS.contains(&e.key.as_str()) && e.operator == "In")
        });
    if every_term_zoned {
        k8s::terms_zones(terms)
    } else {
        Vec::new()
    }
}

/// Case 4: a PV whose node affinity names a zone other than its EBS volume's real AZ. Pods land
/// in the PV's zone and the attach can never succeed there.
fn ebs_zone_disagrees(cx: &Ctx, out: &mut Vec<Finding>) {
    for pv in cx.pvs() {
        if !k8s::pv_is_ebs(pv) {
            continue;
        }
        let Some(id) = k8s::pv_volume_id(pv) else {
            continue;
        };
        let Lookup::Found(vol) = cx.ebs_volume(id) else {
            continue;
        };
        let zones = k8s::pv_zones(pv);
        if zones.is_empty() || vol.az.is_empty() || zones.contains(&vol.az) {
            continue;
        }
        let name = pv.name();
        out.push(
            Finding::new(
                &RULE,
                ObjectRef::of(*pv),
                format!(
                    "PV {name} is pinned to {} by its node affinity, but its EBS volume {id} is in {}: pods are placed where the volume cannot attach",
                    zones.join(", "),
                    vol.az
                ),
            )
            .evidence(format!("PV {name} nodeAffinity: {}", describe_affinity(pv)))
            .evidence(format!("DescribeVolumes {id}: AvailabilityZone={}", vol.az))
            .fix(format!(
                "recreate PV {name} with node affinity for {} (the volume's real zone), keeping the claimRef; or snapshot {id} and restore it in {}",
                vol.az,
                zones.join(", ")
            )),
        );
    }
}

/// Resources the scheduler names when a node lacks room (noderesources Fit plugin, every
/// release since 1.19): `Insufficient <resource>` and `Too many pods`.
fn capacity_reasons(message: &str) -> Vec<String> {
    let head = message.split(" preemption:").next().unwrap_or(message);
    let Some((_, pairs)) = head.split_once("nodes are available: ") else {
        return Vec::new();
    };
    pairs
        .trim_end_matches('.')
        .split(", ")
        .filter(|p| p.contains("Insufficient ") || p.contains("Too many pods"))
        .map(|p| p.trim_end_matches('.').to_string())
        .collect()
}

/// Case 6: the volume's zone has nodes the pod may use, but the scheduler found none of them
/// with room (`0/3 nodes are available: 1 Insufficient pods, 2 node(s) had volume node affinity
/// conflict`): the conflict counts the other zones, the capacity reason the volume's own.
fn zone_full(
    cx: &Ctx,
    pod: &crate::model::Pod,
    pvs: &[&PersistentVolume],
    nodes: &[&Node],
    out: &mut Vec<Finding>,
) {
    let Some(event) = cx.pod_events(pod).into_iter().rev().find(|e| {
        e.reason == "FailedScheduling"
            && CONFLICT_TEXTS.iter().any(|t| e.message.contains(t))
            && !capacity_reasons(&e.message).is_empty()
    }) else {
        return;
    };
    let reasons = capacity_reasons(&event.message);
    let pod_name = pod.name();
    let ns = pod.namespace_or_empty();
    let in_zone: Vec<&str> = nodes
        .iter()
        .filter(|n| pvs.iter().all(|pv| admits(pv, n)) && k8s::pod_admits_node(pod, n))
        .filter_map(|n| n.metadata.name.as_deref())
        .collect();
    let zones: Vec<String> = pvs.iter().flat_map(|pv| k8s::pv_zones(pv)).collect();
    let zone_text = if zones.is_empty() {
        "the volume's topology".to_string()
    } else {
        zones.join(", ")
    };
    let pv_names: Vec<&str> = pvs
        .iter()
        .filter_map(|pv| pv.metadata.name.as_deref())
        .collect();
    let mut message = format!(
        "Pod {pod_name} must run in {zone_text} next to PV {}, and that zone has nodes ({}), but none has room: {}",
        pv_names.join(", "),
        in_zone.join(", "),
        reasons.join(", ")
    );
    let immediate: Vec<String> = k8s::pod_claims(pod)
        .iter()
        .filter_map(|(_, c)| cx.pvc(ns, c).found())
        .filter_map(|pvc| cx.class_of(pvc))
        .filter(|sc| k8s::binding_mode(sc) == "Immediate")
        .filter_map(|sc| sc.metadata.name.clone())
        .collect();
    if let Some(class) = immediate.first() {
        message.push_str(&format!(
            ". Class \"{class}\" is volumeBindingMode Immediate: it created the volume in {zone_text} before the pod was placed, so the pod cannot use free room elsewhere"
        ));
    }
    let mut f = Finding::new(&RULE, ObjectRef::of(pod), message)
        .evidence(cx.event_evidence(event))
        .fix(format!(
            "free or add {} in {zone_text} (scale the node group there, or lower the pod's requests){}",
            reasons
                .iter()
                .map(|r| r.trim_start_matches(|c: char| c.is_ascii_digit() || c == ' '))
                .collect::<Vec<_>>()
                .join(", ")
                .replace("Insufficient ", "")
                .replace("Too many pods", "pod slots"),
            if immediate.is_empty() {
                String::new()
            } else {
                "; for new claims use a class with volumeBindingMode: WaitForFirstConsumer so the volume follows the pod".to_string()
            }
        ));
    for pv in pvs {
        f = f.evidence(format!(
            "PV {} nodeAffinity: {}",
            pv.name(),
            describe_affinity(pv)
        ));
    }
    out.push(f);
}

fn admits(pv: &PersistentVolume, node: &Node) -> bool {
    if !k8s::pv_affinity_terms(pv).is_empty() {
        return k8s::pv_admits_node(pv, node);
    }
    let zones = k8s::pv_zones(pv);
    zones.is_empty() || k8s::node_zone(node).is_some_and(|z| zones.iter().any(|v| v == z))
}

/// The scheduler's FailedScheduling event naming a volume affinity conflict, as evidence.
fn scheduling_conflict(cx: &Ctx, pod: &crate::model::Pod) -> Option<String> {
    cx.pod_events(pod)
        .into_iter()
        .rev()
        .find(|e| {
            e.reason == "FailedScheduling" && CONFLICT_TEXTS.iter().any(|t| e.message.contains(t))
        })
        .map(|e| cx.event_evidence(e))
}

fn describe_affinity(pv: &PersistentVolume) -> String {
    let parts: Vec<String> = k8s::pv_affinity_terms(pv)
        .iter()
        .flat_map(|t| t.match_expressions.iter().flatten())
        .map(|e| {
            format!(
                "{} {} {}",
                e.key,
                e.operator,
                e.values.as_deref().unwrap_or_default().join(",")
            )
        })
        .collect();
    if parts.is_empty() {
        format!("zone {}", k8s::pv_zones(pv).join(","))
    } else {
        parts.join(" and ")
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy, findings};

    #[test]
    fn fires_when_the_pod_selection_excludes_the_volume_zone() {
        let f = assert_fires("zone-mismatch");
        let pod = f
            .iter()
            .find(|f| f.object.kind == "Pod")
            .expect("pod finding");
        assert!(
            pod.message.contains("PV pv-a is in us-east-1a"),
            "{}",
            pod.message
        );
        assert!(pod.message.contains("us-east-1b"), "{}", pod.message);
        assert!(
            pod.message
                .contains("nodeSelector topology.kubernetes.io/zone=us-east-1b"),
            "{}",
            pod.message
        );
        assert!(
            pod.evidence
                .iter()
                .any(|e| e.contains("volume node affinity conflict")),
            "{:?}",
            pod.evidence
        );
    }

    #[test]
    fn fires_when_the_volume_zone_is_full() {
        let all = findings("zone-mismatch", "capacity.yaml");
        let f = all
            .iter()
            .find(|f| f.code == "zone-mismatch" && f.object.name == "db-0")
            .expect("zone-mismatch on the pod");
        assert!(
            f.message.contains("must run in us-east-1a")
                && f.message.contains("(node-a1)")
                && f.message.contains("1 Insufficient cpu"),
            "{}",
            f.message
        );
        assert!(
            f.message.contains("\"gp2\" is volumeBindingMode Immediate"),
            "{}",
            f.message
        );
        assert!(f.fix.contains("free or add cpu in us-east-1a"), "{}", f.fix);
        assert_eq!(all[0].code, "zone-mismatch", "{all:#?}");
    }

    #[test]
    fn capacity_reasons_in_every_wording() {
        use super::capacity_reasons;
        // 1.33+: volumebinding says "didn't match PersistentVolume's node affinity".
        assert_eq!(
            capacity_reasons("0/3 nodes are available: 1 Too many pods, 2 node(s) didn't match PersistentVolume's node affinity. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling."),
            vec!["1 Too many pods"]
        );
        assert_eq!(
            capacity_reasons("0/3 nodes are available: 1 Insufficient memory, 1 Insufficient pods, 2 node(s) had volume node affinity conflict."),
            vec!["1 Insufficient memory", "1 Insufficient pods"]
        );
        assert!(capacity_reasons(
            "0/2 nodes are available: 2 node(s) had volume node affinity conflict."
        )
        .is_empty());
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("zone-mismatch");
    }

    #[test]
    fn fires_when_the_class_zones_exclude_the_pod_selection_without_nodes() {
        let all = findings("zone-mismatch", "fires-class-vs-pod.yaml");
        let f = all
            .iter()
            .find(|f| f.code == "zone-mismatch" && f.object.name == "web")
            .expect("zone-mismatch on the pod");
        assert!(
            f.message.contains("may only run in us-east-1b")
                && f.message.contains("only in us-east-1a"),
            "{}",
            f.message
        );
    }

    #[test]
    fn fires_when_pv_affinity_disagrees_with_the_ebs_volume_zone() {
        let all = findings("zone-mismatch", "fires-ebs-az.yaml");
        let f = all
            .iter()
            .find(|f| f.code == "zone-mismatch" && f.object.kind == "PersistentVolume")
            .expect("zone-mismatch on the PV");
        assert!(
            f.message.contains("pinned to us-east-1a")
                && f.message.contains("vol-0aaaaaaaaaaaaaaa1 is in us-east-1c"),
            "{}",
            f.message
        );
        let healthy = findings("zone-mismatch", "healthy-ebs-az.yaml");
        assert!(
            healthy.iter().all(|f| f.code != "zone-mismatch"),
            "{healthy:#?}"
        );
    }
}
