//! `attach-limit-reached`: the pod's node (or every node it could use) has no volume attachment
//! slot left for the driver of its volumes.

use crate::k8s::Named;
use std::collections::BTreeSet;

use crate::model::{PersistentVolume, Pod};

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::{EventRecord, Kind, Lookup};

pub static RULE: Rule = Rule {
    code: "attach-limit-reached",
    severity: Severity::Error,
    category: Category::Scheduling,
    summary: "The node has no volume attachment slot left for the pod's volumes (CSINode allocatable.count, or the driver's AttachmentLimitExceeded).",
    what: "Every EC2 instance can attach only so many EBS volumes; the EBS CSI driver reports the node's share in its CSINode (spec.drivers[].allocatable.count) and the scheduler refuses nodes where it is used up ('node(s) exceed max volume count'). This fires when the pod's node (or, for an unscheduled pod, every node it could run on) has as many VolumeAttachments of the driver, attached or pending, as allocatable.count, when the scheduler says so, or when the driver refuses the attach itself ('Attachment limit exceeded for volume … on node …', EC2 AttachmentLimitExceeded) — the case where CSINode still shows room but EC2 counts more (ENIs and other block devices share the instance's limit).",
    why: "The pod stays Pending (unschedulable) or ContainerCreating (attach keeps failing) although the volume, the class and the driver are fine. Nitro instances share one limit between EBS volumes, network interfaces and NVMe instance store, so nodes running many pods with many ENIs, or many small volumes per node, hit it without any visible error on the claim.",
    fix: "Spread the volumes: add nodes (or a larger/other instance type with more attachment slots), cap volumes per node with topologySpreadConstraints or pod anti-affinity, or delete pods/VolumeAttachments that hold slots on that node. For the driver's own view, set the EBS CSI node's --volume-attach-limit (or reservedVolumeAttachments) to match what EC2 allows.",
    check,
};

/// The scheduler's NodeVolumeLimits filter reason.
const SCHEDULER_TEXT: &str = "exceed max volume count";

/// Whether a driver or EC2 message says the attachment limit is reached (driver ≥ 1.45 wording,
/// or the EC2 code). Used by `attach-error` to leave these messages to this rule.
pub(crate) fn is_attach_limit(message: &str) -> bool {
    message.contains("AttachmentLimitExceeded") || message.contains("Attachment limit exceeded")
}

/// Kubernetes' view of one node's slots for one driver.
#[derive(Clone)]
struct Slots {
    limit: i64,
    /// VolumeAttachments of the driver on the node (attached or pending), other than the pod's.
    used: usize,
}

/// CSINode `allocatable.count` for `driver` on `node` against the VolumeAttachments there, not
/// counting `own` PVs. `None` when the CSINode, its count or the VolumeAttachments are unknown.
fn slots(cx: &Ctx, node: &str, driver: &str, own: &BTreeSet<&str>) -> Option<Slots> {
    if cx.unknown(Kind::VolumeAttachment, None).is_some() {
        return None;
    }
    let Lookup::Found(cn) = cx.csi_node(node) else {
        return None;
    };
    let limit = cn
        .spec
        .drivers
        .iter()
        .find(|d| d.name == driver)?
        .allocatable
        .as_ref()?
        .count?;
    let used = cx
        .attachments_on(node)
        .into_iter()
        .filter(|va| va.spec.attacher == driver)
        .filter(|va| {
            !va.spec
                .source
                .persistent_volume_name
                .as_deref()
                .is_some_and(|pv| own.contains(pv))
        })
        .count();
    Some(Slots {
        limit: i64::from(limit),
        used,
    })
}

/// EC2's view of a node's attachment slots: the instance's block-device mappings plus its ENIs
/// against the instance type's attachment limit (see `aws_limits`). This catches the "stuck
/// attaching while CSINode still shows room" case. `None` without EC2 data for the node.
fn ec2_view(cx: &Ctx, node: &str) -> Option<Ec2Slots> {
    let instance_id = cx.node(node).found().and_then(k8s::node_instance_id)?;
    let instance = cx.snap.ec2_instance(instance_id).found()?;
    let (used, limit) = crate::aws_limits::ec2_attachment_view(instance)?;
    let ebs = instance
        .block_device_mappings
        .iter()
        .filter(|b| b.volume_id().is_some())
        .count();
    Some(Ec2Slots {
        used,
        limit,
        detail: format!(
            "{instance_id} {}: {ebs} EBS volumes + {} network interfaces",
            instance.instance_type,
            instance.network_interface_count()
        ),
    })
}

/// What [`ec2_view`] reports.
struct Ec2Slots {
    /// Block-device mappings plus ENIs attached to the instance.
    used: usize,
    /// The instance type's attachment limit.
    limit: usize,
    /// How the numbers break down ("i-0… m5.large: 24 EBS volumes + 4 network interfaces").
    detail: String,
}

/// The pod's PVs (bound claims) and the drivers it needs, including classes of unbound claims.
fn pod_needs<'a>(cx: &Ctx<'a>, pod: &Pod) -> (Vec<&'a PersistentVolume>, BTreeSet<String>) {
    let ns = pod.namespace_or_empty();
    let mut pvs = Vec::new();
    let mut drivers = BTreeSet::new();
    for (_, claim) in k8s::pod_claims(pod) {
        let Some(pvc) = cx.pvc(ns, &claim).found() else {
            continue;
        };
        match cx.pv_of(pvc).and_then(|l| l.found()) {
            Some(pv) => {
                if let Some(d) = k8s::pv_driver(pv) {
                    drivers.insert(d.to_string());
                }
                pvs.push(pv);
            }
            None => {
                if let Some(sc) = cx.class_of(pvc) {
                    if sc.provisioner != k8s::NO_PROVISIONER {
                        drivers.insert(k8s::effective_driver(&sc.provisioner).to_string());
                    }
                }
            }
        }
    }
    (pvs, drivers)
}

fn driver_label(driver: &str) -> &str {
    if k8s::is_ebs_driver(driver) {
        "EBS"
    } else {
        driver
    }
}

fn slots_text(node: &str, driver: &str, s: &Slots) -> String {
    format!(
        "node {node} has {} of {} {} attachment slots used (CSINode allocatable.count {}, {} VolumeAttachments)",
        s.used,
        s.limit,
        driver_label(driver),
        s.limit,
        s.used
    )
}

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pod in cx.pods() {
        if k8s::pod_phase(pod) != "Pending" {
            continue;
        }
        let (pvs, drivers) = pod_needs(cx, pod);
        if drivers.is_empty() {
            continue;
        }
        let own: BTreeSet<&str> = pvs
            .iter()
            .filter_map(|pv| pv.metadata.name.as_deref())
            .collect();
        let pod_name = pod.name();
        let events = cx.pod_events(pod);
        match pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
            Some(node) => scheduled(cx, pod, pod_name, node, &pvs, &drivers, &own, &events, out),
            None => unscheduled(cx, pod, pod_name, &pvs, &drivers, &own, &events, out),
        }
    }
}

/// A scheduled pod whose volumes cannot attach to its node.
#[allow(clippy::too_many_arguments)]
fn scheduled(
    cx: &Ctx,
    pod: &Pod,
    pod_name: &str,
    node: &str,
    pvs: &[&PersistentVolume],
    drivers: &BTreeSet<String>,
    own: &BTreeSet<&str>,
    events: &[&EventRecord],
    out: &mut Vec<Finding>,
) {
    // PVs that still need an attachment on this node.
    let waiting: Vec<&PersistentVolume> = pvs
        .iter()
        .copied()
        .filter(|pv| {
            let name = pv.name();
            !cx.attachments_of(name).iter().any(|va| {
                va.spec.node_name == node && va.status.as_ref().is_some_and(|s| s.attached)
            })
        })
        .collect();
    if waiting.is_empty() {
        return;
    }
    let driver_event = events
        .iter()
        .rev()
        .find(|e| e.reason == "FailedAttachVolume" && is_attach_limit(&e.message));
    let va_error: Vec<(String, String)> = waiting
        .iter()
        .flat_map(|pv| cx.attachments_of(pv.name()))
        .filter(|va| va.spec.node_name == node)
        .filter_map(|va| {
            let msg = va.status.as_ref()?.attach_error.as_ref()?.message.clone()?;
            is_attach_limit(&msg).then(|| (va.metadata.name.clone().unwrap_or_default(), msg))
        })
        .collect();
    let mut full: Vec<(String, Slots)> = Vec::new();
    let mut room: Vec<(String, Slots)> = Vec::new();
    for d in drivers {
        if !waiting
            .iter()
            .any(|pv| k8s::pv_driver(pv) == Some(d.as_str()))
        {
            continue;
        }
        if let Some(s) = slots(cx, node, d, own) {
            if s.used as i64 >= s.limit {
                full.push((d.clone(), s));
            } else {
                room.push((d.clone(), s));
            }
        }
    }
    let ec2 = ec2_view(cx, node).filter(|e| e.used >= e.limit);
    if full.is_empty() && driver_event.is_none() && va_error.is_empty() && ec2.is_none() {
        return;
    }
    let vols: Vec<String> = waiting
        .iter()
        .map(|pv| {
            k8s::pv_volume_id(pv)
                .or(pv.metadata.name.as_deref())
                .unwrap_or_default()
                .to_string()
        })
        .collect();
    let message = if let Some((d, s)) = full.first() {
        format!(
            "Pod {pod_name} cannot attach {}: {} (Kubernetes view)",
            vols.join(", "),
            slots_text(node, d, s)
        )
    } else if let Some(e) = &ec2 {
        format!(
            "Pod {pod_name} cannot attach {}: instance of node {node} has {} of {} attachment slots used (EC2 view: {})",
            vols.join(", "),
            e.used,
            e.limit,
            e.detail
        )
    } else {
        let k8s_view = room
            .first()
            .map(|(d, s)| {
                format!(
                    ", although CSINode still shows room ({} of {} {} slots used): EC2 counts more (ENIs and other block devices share the instance's limit)",
                    s.used,
                    s.limit,
                    driver_label(d)
                )
            })
            .unwrap_or_default();
        format!(
            "Pod {pod_name} cannot attach {}: the driver reports the attachment limit of node {node} exceeded (driver view){k8s_view}",
            vols.join(", ")
        )
    };
    let mut f = Finding::new(&RULE, ObjectRef::new("Node", None, node), message);
    for (d, s) in full.iter().chain(room.iter()) {
        f = f.evidence(format!(
            "CSINode {node} spec.drivers[{d}].allocatable.count: {}; VolumeAttachments of {d} on {node} (other pods): {}",
            s.limit, s.used
        ));
    }
    if let Some(e) = driver_event {
        f = f.evidence(cx.event_evidence(e));
    }
    for (va, msg) in &va_error {
        f = f.evidence(format!(
            "VolumeAttachment {va} status.attachError: \"{}\"",
            k8s::truncate(msg, 160)
        ));
    }
    let ns = pod.namespace_or_empty();
    out.push(f.fix(format!(
        "free a slot on {node} (move pods with volumes off it, or delete stale VolumeAttachments there), or let pod {ns}/{pod_name} run elsewhere: delete it so the scheduler picks a node with room; add nodes or use an instance type with more attachment slots, and spread volume-heavy pods with topologySpreadConstraints"
    )));
}

/// An unscheduled pod: the scheduler reports the limit, or every candidate node is full.
#[allow(clippy::too_many_arguments)]
fn unscheduled(
    cx: &Ctx,
    pod: &Pod,
    pod_name: &str,
    pvs: &[&PersistentVolume],
    drivers: &BTreeSet<String>,
    own: &BTreeSet<&str>,
    events: &[&EventRecord],
    out: &mut Vec<Finding>,
) {
    // The scheduler's latest word: the last FailedScheduling, else the PodScheduled condition.
    let sched_event = events
        .iter()
        .rev()
        .find(|e| e.reason == "FailedScheduling")
        .filter(|e| e.message.contains(SCHEDULER_TEXT));
    let condition = pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "PodScheduled"))
        .and_then(|c| c.message.as_deref())
        .filter(|m| m.contains(SCHEDULER_TEXT));
    // Walked lazily: without the scheduler's word the first node with room ends the search, so
    // a scan's pending pods are not each tried against every node.
    let candidates = cx
        .schedulable_nodes()
        .filter(|n| k8s::pod_admits_node(pod, n))
        .filter(|n| pvs.iter().all(|pv| k8s::pv_admits_node(pv, n)));
    let scheduler_says = sched_event.is_some() || condition.is_some();
    let mut full = Vec::new();
    let mut known = 0;
    let mut n_candidates = 0;
    for n in candidates {
        n_candidates += 1;
        let name = n.name();
        let per_driver: Vec<(String, Slots)> = drivers
            .iter()
            .filter_map(|d| slots(cx, name, d, own).map(|s| (d.clone(), s)))
            .collect();
        let found_full = per_driver
            .iter()
            .find(|(_, s)| s.used as i64 >= s.limit)
            .cloned();
        if !per_driver.is_empty() {
            known += 1;
        }
        match found_full {
            Some((d, s)) => full.push((name.to_string(), d, s)),
            // One node with room (or unknown) and no word from the scheduler: nothing to report,
            // and no need to count the other nodes (a scan has hundreds).
            None if !scheduler_says => return,
            None => {}
        }
    }
    let all_full = n_candidates > 0 && known == n_candidates && full.len() == known;
    if !all_full && !scheduler_says {
        return;
    }
    let listed: Vec<String> = full.iter().map(|(n, d, s)| slots_text(n, d, s)).collect();
    let message = if all_full {
        format!(
            "Pod {pod_name} cannot be scheduled: none of the {} nodes it may use has a free attachment slot: {} (Kubernetes view)",
            n_candidates,
            listed.join("; ")
        )
    } else {
        let count = sched_event
            .map(|e| e.message.as_str())
            .or(condition)
            .and_then(scheduler_count)
            .map(|c| format!("{c} node(s)"))
            .unwrap_or_else(|| "some nodes".into());
        let detail = if listed.is_empty() {
            String::new()
        } else {
            format!(": {}", listed.join("; "))
        };
        format!(
            "Pod {pod_name} cannot be scheduled: the scheduler reports {count} with every attachment slot used (CSINode allocatable.count){detail}"
        )
    };
    let mut f = Finding::new(&RULE, ObjectRef::of(pod), message);
    if let Some(e) = sched_event {
        f = f.evidence(cx.event_evidence(e));
    } else if let Some(m) = condition {
        f = f.evidence(format!(
            "pod condition PodScheduled=False: \"{}\"",
            k8s::truncate(m, 160)
        ));
    }
    for (n, d, s) in &full {
        f = f.evidence(format!(
            "CSINode {n} spec.drivers[{d}].allocatable.count: {}; VolumeAttachments of {d} on {n}: {}",
            s.limit, s.used
        ));
    }
    out.push(f.fix(
        "add nodes (or a node group with an instance type that has more attachment slots), free slots by moving volume-heavy pods off the full nodes, and spread such pods with topologySpreadConstraints or pod anti-affinity",
    ));
}

/// `3` from "0/5 nodes are available: 3 node(s) exceed max volume count, …".
fn scheduler_count(message: &str) -> Option<u32> {
    let i = message.find(&format!("node(s) {SCHEDULER_TEXT}"))?;
    message
        .get(..i)?
        .trim_end()
        .rsplit([' ', ','])
        .next()?
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    use super::{is_attach_limit, scheduler_count};
    use crate::rules::testing::{assert_fires, assert_healthy, findings};

    #[test]
    fn fires_when_the_node_has_no_slot_left() {
        let f = assert_fires("attach-limit-reached");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].object.kind, "Node");
        assert_eq!(f[0].object.name, "ip-10-0-1-10.ec2.internal");
        let m = &f[0].message;
        assert!(
            m.contains("node ip-10-0-1-10.ec2.internal has 25 of 25 EBS attachment slots used (CSINode allocatable.count 25, 25 VolumeAttachments)"),
            "{m}"
        );
        assert!(m.contains("vol-0e5e5e5e5e5e5e5e5"), "{m}");
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("Attachment limit exceeded")),
            "{:?}",
            f[0].evidence
        );
    }

    #[test]
    fn reads_the_scheduler_count_and_driver_wording() {
        assert_eq!(
            scheduler_count("0/5 nodes are available: 2 node(s) had untolerated taint {a: b}, 3 node(s) exceed max volume count. preemption: …"),
            Some(3)
        );
        assert!(is_attach_limit("rpc error: code = ResourceExhausted desc = Attachment limit exceeded for volume \"vol-1\" on node \"i-1\": …"));
        assert!(is_attach_limit(
            "api error AttachmentLimitExceeded: Cannot attach"
        ));
    }

    #[test]
    fn fires_for_an_unscheduled_pod_whose_only_candidate_node_is_full() {
        let all = findings("attach-limit-reached", "unscheduled.yaml");
        let f: Vec<_> = all
            .iter()
            .filter(|f| f.code == "attach-limit-reached")
            .collect();
        assert_eq!(f.len(), 1, "{all:#?}");
        assert_eq!(f[0].object.kind, "Pod");
        let m = &f[0].message;
        assert!(
            m.contains("none of the 1 nodes it may use has a free attachment slot: node ip-10-0-1-10.ec2.internal has 25 of 25 EBS attachment slots used"),
            "{m}"
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("exceed max volume count")),
            "{:?}",
            f[0].evidence
        );
        assert!(all.iter().all(|f| f.code != "zone-mismatch"), "{all:#?}");
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("attach-limit-reached");
    }

    #[test]
    fn ec2_view_fires_where_csinode_still_shows_room() {
        let all = crate::rules::testing::findings("attach-limit-reached", "ec2-view.yaml");
        let f = all
            .iter()
            .find(|f| f.code == "attach-limit-reached")
            .expect("fires");
        assert!(f.message.contains("28 of 28 attachment slots used (EC2 view: i-0a1a1a1a1a1a1a1a1 m5.large: 25 EBS volumes + 3 network interfaces)"), "{}", f.message);
    }
}
