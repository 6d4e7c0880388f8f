//! `csi-driver-not-registered`: the pod's node does not run the CSI driver its volume needs.

use crate::k8s::Named;
use std::collections::BTreeMap;

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use super::{pod_node, pod_pvs, pod_started, pv_label};
use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::{EventRecord, Lookup};

pub static RULE: Rule = Rule {
    code: "csi-driver-not-registered",
    severity: Severity::Error,
    category: Category::Attachment,
    summary: "The pod's node does not register the CSI driver of its volume (CSINode lacks it).",
    what: "A pod is scheduled to a node whose CSINode object does not list the driver of one of its PersistentVolumes (for EBS: ebs.csi.aws.com, also for in-tree kubernetes.io/aws-ebs PVs through CSI migration), or the kubelet reports FailedMount 'kubernetes.io/csi: attacher.MountDevice failed to create newCsiDriverClient: driver name NAME not found in the list of registered CSI drivers' (or 'mounter.SetUpAt failed to get CSI client: …'). The driver's node plugin (the ebs-csi-node DaemonSet pod, whose node-driver-registrar writes the CSINode entry) is not running on that node. Severity drops to warning while the pod is already running: it works now, but the next mount or unmount on that node will fail.",
    why: "The kubelet can only mount a CSI volume through the driver's node plugin. Without it the pod stays ContainerCreating (the volume may even be attached fine), and since Kubernetes 1.28 plain mount timeouts produce no event, so the cause is easy to miss. The usual reasons: the DaemonSet does not tolerate the node's taints, its nodeSelector excludes the node (e.g. a new OS or architecture), or its pod is crash-looping.",
    fix: "Make the driver's node plugin run on that node: check the DaemonSet pod there (for EBS: kubectl get pods -n kube-system -l app=ebs-csi-node -o wide), add tolerations for the node's taints or widen its nodeSelector, and fix a crash-loop from its logs (containers ebs-plugin and node-driver-registrar). The CSINode entry appears as soon as it registers.",
    check,
};

/// The kubelet's wording when a driver is not registered on its node.
const KUBELET_TEXT: &str = "not found in the list of registered CSI drivers";

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    // One finding per (node, driver), naming every pod and volume it blocks.
    struct Hit<'a> {
        pods: Vec<String>,
        volumes: Vec<String>,
        events: Vec<&'a EventRecord>,
        running_only: bool,
        listed: Option<Vec<String>>,
    }
    let mut hits: BTreeMap<(String, String), Hit> = BTreeMap::new();
    for pod in cx.pods() {
        let Some(node) = pod_node(pod) else { continue };
        if matches!(k8s::pod_phase(pod), "Succeeded" | "Failed") {
            continue;
        }
        // A node that is gone is another problem; its CSINode is gone too.
        if matches!(cx.node(node), Lookup::Missing) {
            continue;
        }
        let events: Vec<&EventRecord> = cx
            .pod_events(pod)
            .into_iter()
            .filter(|e| e.message.contains(KUBELET_TEXT))
            .collect();
        for (_, pv) in pod_pvs(cx, pod) {
            let Some(driver) = k8s::pv_driver(pv) else {
                continue;
            };
            let (lacks, listed) = match cx.csi_node(node) {
                Lookup::Found(cn) => {
                    let names: Vec<String> =
                        cn.spec.drivers.iter().map(|d| d.name.clone()).collect();
                    (!names.iter().any(|n| n == driver), Some(names))
                }
                Lookup::Missing => (true, None),
                // Absence cannot be judged; only the kubelet's own report counts.
                Lookup::Unknown(_) => (false, None),
            };
            let mine: Vec<&EventRecord> = events
                .iter()
                .copied()
                .filter(|e| e.message.contains(driver))
                .collect();
            let unknown = matches!(cx.csi_node(node), Lookup::Unknown(_));
            // With the CSINode unknown, only the kubelet's own report of a waiting pod counts.
            let reported = unknown && !mine.is_empty() && !pod_started(pod);
            if !(lacks || reported) {
                continue;
            }
            let hit = hits
                .entry((node.to_string(), driver.to_string()))
                .or_insert_with(|| Hit {
                    pods: Vec::new(),
                    volumes: Vec::new(),
                    events: Vec::new(),
                    running_only: true,
                    listed: listed.clone(),
                });
            let pod_name = pod.metadata.name.clone().unwrap_or_default();
            if !hit.pods.contains(&pod_name) {
                hit.pods.push(pod_name);
            }
            hit.volumes.push(pv_label(pv));
            hit.events.extend(mine);
            hit.running_only &= pod_started(pod);
        }
    }
    let reported: std::collections::HashSet<(String, String)> = hits.keys().cloned().collect();
    selected_node_lacks_plugin(cx, &reported, out);
    for ((node, driver), hit) in hits {
        let registered = cx.registration(&driver).registered;
        let lists = match &hit.listed {
            Some(names) if names.is_empty() => "its CSINode lists no drivers".to_string(),
            Some(names) => format!("its CSINode lists only {}", names.join(", ")),
            None if hit.events.is_empty() => "it has no CSINode".to_string(),
            None => "the kubelet says so".to_string(),
        };
        let others = if cx.snap.csi_nodes.is_empty() {
            String::new()
        } else {
            format!(
                "; {registered} of {} nodes register it",
                cx.snap.csi_nodes.len()
            )
        };
        let pods = hit.pods.join(", ");
        let volumes = hit.volumes.join(", ");
        let consequence = if hit.running_only {
            format!(
                "pod {pods} runs now, but mounting or unmounting {volumes} on that node will fail"
            )
        } else {
            format!("pod {pods} cannot mount {volumes}")
        };
        let mut f = Finding::new(
            &RULE,
            ObjectRef::new("Node", None, &node),
            format!(
                "Node {node} does not register CSI driver {driver} ({lists}{others}): {consequence}"
            ),
        );
        if hit.running_only {
            f = f.severity(Severity::Warning);
        }
        match &hit.listed {
            Some(names) => {
                f = f.evidence(format!(
                    "CSINode {node} spec.drivers: [{}]",
                    names.join(", ")
                ))
            }
            None if hit.events.is_empty() => f = f.evidence(format!("no CSINode \"{node}\"")),
            None => {}
        }
        if let Some(e) = hit.events.iter().max_by_key(|e| e.last) {
            f = f.evidence(cx.event_evidence(e));
        }
        let how = if driver == k8s::EBS_CSI {
            format!(
                "kubectl get pods -n kube-system -l app=ebs-csi-node -o wide --field-selector spec.nodeName={node}"
            )
        } else {
            format!("kubectl get pods -A -o wide --field-selector spec.nodeName={node} (look for the {driver} node plugin)")
        };
        out.push(f.fix(format!(
            "get the {driver} node plugin running on {node}: {how}; if there is no pod, make its DaemonSet tolerate the node's taints and match its labels; if it crash-loops, read its logs (node-driver-registrar registers the driver in CSINode)"
        )));
    }
}

/// external-provisioner (`controller/topology.go`) with WaitForFirstConsumer, when the
/// scheduler's selected node has no topology keys for the driver in its CSINode: `… on CSINode
/// NODE` up to v5.x, `… for node NODE` from v6.0 (its in-memory PVC/node cache, 2025-08).
pub(crate) const NO_TOPOLOGY_KEY: [&str; 2] = [
    "no topology key found on CSINode ",
    "no topology key found for node ",
];

/// The selected node a "no topology key found" message names, in either wording.
pub(crate) fn no_topology_key_node(message: &str) -> Option<String> {
    NO_TOPOLOGY_KEY.iter().find_map(|form| {
        message
            .split(form)
            .nth(1)
            .and_then(|t| t.split([' ', ',', '"']).next())
            .map(|t| t.trim_end_matches('.').to_string())
            .filter(|t| !t.is_empty())
    })
}

/// An event's evidence line with the count of every event like it (the line starts `N× `).
fn with_count(evidence: &str, count: u32) -> String {
    match evidence.split_once("× ") {
        Some((_, rest)) => format!("{count}× {rest}"),
        None => format!("{count}× {evidence}"),
    }
}

/// A taint the pod's tolerations cover (same key, or an `Exists` toleration without a key).
fn tolerates(pod: &crate::model::Pod, taint: &k8s_openapi::api::core::v1::Taint) -> bool {
    pod.spec
        .as_ref()
        .and_then(|s| s.tolerations.as_ref())
        .into_iter()
        .flatten()
        .any(|t| {
            let key_ok = match t.key.as_deref() {
                None | Some("") => t.operator.as_deref() == Some("Exists"),
                Some(k) => k == taint.key,
            };
            let value_ok = t.operator.as_deref() == Some("Exists")
                || t.value.as_deref().unwrap_or_default()
                    == taint.value.as_deref().unwrap_or_default();
            let effect_ok = t
                .effect
                .as_deref()
                .is_none_or(|e| e.is_empty() || e == taint.effect);
            key_ok && value_ok && effect_ok
        })
}

/// Provisioning time: the claim's pod was placed on a node (the PVC's `selected-node`) where the
/// driver's node plugin never registered, so the provisioner cannot learn the node's zone.
fn selected_node_lacks_plugin(
    cx: &Ctx,
    reported: &std::collections::HashSet<(String, String)>,
    out: &mut Vec<Finding>,
) {
    let mut seen = std::collections::HashSet::new();
    for pvc in cx.pvcs() {
        if k8s::pvc_phase(pvc) != "Pending" {
            continue;
        }
        let events: Vec<&EventRecord> = cx
            .pvc_events(pvc)
            .into_iter()
            .filter(|e| {
                e.reason == "ProvisioningFailed" && no_topology_key_node(&e.message).is_some()
            })
            .collect();
        let Some(last) = events.last() else { continue };
        let Some(node) = no_topology_key_node(&last.message) else {
            continue;
        };
        let driver = cx
            .class_of(pvc)
            .map(|sc| sc.provisioner.clone())
            .or_else(|| {
                k8s::annotation(*pvc, "volume.kubernetes.io/storage-provisioner")
                    .map(str::to_string)
            })
            .unwrap_or_else(|| k8s::EBS_CSI.to_string());
        let key = (node.clone(), driver.clone());
        if reported.contains(&key) || !seen.insert(key) {
            continue;
        }
        let ns = pvc.namespace_or_empty();
        let claim = pvc.name();
        let lists = match cx.csi_node(&node) {
            Lookup::Found(cn) => match cn.spec.drivers.iter().find(|d| d.name == driver) {
                Some(_) => format!("its CSINode lists {driver} without topology keys"),
                None if cn.spec.drivers.is_empty() => "its CSINode lists no drivers".to_string(),
                None => format!(
                    "its CSINode lists only {}",
                    cn.spec
                        .drivers
                        .iter()
                        .map(|d| d.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            },
            Lookup::Missing => "it has no CSINode".to_string(),
            Lookup::Unknown(_) => "the provisioner says so".to_string(),
        };
        let pods = cx.pods_using(ns, claim);
        let pod_names: Vec<&str> = pods
            .iter()
            .filter_map(|p| p.metadata.name.as_deref())
            .collect();
        let taints: Vec<&k8s_openapi::api::core::v1::Taint> = match cx.node(&node) {
            Lookup::Found(n) => n
                .spec
                .as_ref()
                .and_then(|s| s.taints.as_ref())
                .map(|t| {
                    t.iter()
                        .filter(|t| t.effect != "PreferNoSchedule")
                        .collect()
                })
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let describe = |t: &k8s_openapi::api::core::v1::Taint| match t.value.as_deref() {
            Some(v) if !v.is_empty() => format!("{}={v}:{}", t.key, t.effect),
            _ => format!("{}:{}", t.key, t.effect),
        };
        let mut message = format!(
            "Node {node}, selected for claim {ns}/{claim}, does not register CSI driver {driver} ({lists}): the provisioner cannot learn its zone, so the volume is never created"
        );
        if !taints.is_empty() {
            let tolerated: Vec<String> = taints
                .iter()
                .filter(|t| pods.iter().any(|p| tolerates(p, t)))
                .map(|t| describe(t))
                .collect();
            let all: Vec<String> = taints.iter().map(|t| describe(t)).collect();
            message.push_str(&format!("; node {node} has taints {}", all.join(", ")));
            if !tolerated.is_empty() {
                message.push_str(&format!(
                    " — pod {} tolerates {}, the driver's node DaemonSet must too",
                    pod_names.join(", "),
                    tolerated.join(", ")
                ));
            }
        }
        let count: u32 = events.iter().map(|e| e.count).sum();
        let how = if k8s::is_ebs_provisioner(&driver) {
            format!("kubectl get pods -n kube-system -l app=ebs-csi-node -o wide --field-selector spec.nodeName={node}")
        } else {
            format!("kubectl get pods -A -o wide --field-selector spec.nodeName={node}")
        };
        let tolerate = if taints.is_empty() {
            String::new()
        } else {
            format!(
                "add tolerations for {} to the driver's node DaemonSet, ",
                taints
                    .iter()
                    .map(|t| describe(t))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        };
        let mut f = Finding::new(&RULE, ObjectRef::new("Node", None, &node), message)
            .evidence(with_count(&cx.event_evidence(last), count));
        if let Some(sel) = k8s::annotation(*pvc, "volume.kubernetes.io/selected-node") {
            f = f.evidence(format!(
                "PVC {ns}/{claim} annotation volume.kubernetes.io/selected-node={sel}"
            ));
        }
        out.push(f.fix(format!(
            "get the {driver} node plugin running on {node}: {how}; {tolerate}or let the pod avoid {node}; once it registers, the provisioner's next retry creates the volume"
        )));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy, findings};
    use crate::rules::Severity;

    #[test]
    fn fires_when_the_node_lacks_the_driver() {
        let f = assert_fires("csi-driver-not-registered");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].object.kind, "Node");
        assert_eq!(f[0].object.name, "ip-10-0-1-11.ec2.internal");
        assert_eq!(f[0].severity, Severity::Error);
        let m = &f[0].message;
        assert!(m.contains("driver ebs.csi.aws.com"), "{m}");
        assert!(m.contains("its CSINode lists no drivers"), "{m}");
        assert!(m.contains("2 of 3 nodes register it"), "{m}");
        assert!(m.contains("pod db-0 cannot mount pvc-"), "{m}");
        assert!(m.contains("(vol-0f6f6f6f6f6f6f6f6)"), "{m}");
        assert!(
            f[0].evidence.iter().any(|e| e.contains("FailedMount")),
            "{:?}",
            f[0].evidence
        );
    }

    #[test]
    fn fires_for_the_selected_node_at_provisioning_time() {
        let all = findings("csi-driver-not-registered", "selected-node.yaml");
        let f = all
            .iter()
            .find(|f| f.code == "csi-driver-not-registered")
            .expect("csi-driver-not-registered");
        assert_eq!(f.object.name, "ip-10-0-3-21.ec2.internal");
        let m = &f.message;
        assert!(m.contains("selected for claim prod/data-db-0"), "{m}");
        assert!(m.contains("its CSINode lists no drivers"), "{m}");
        assert!(m.contains("taints dedicated=db:NoSchedule"), "{m}");
        assert!(
            m.contains("pod db-0 tolerates dedicated=db:NoSchedule"),
            "{m}"
        );
        assert!(
            f.fix
                .contains("add tolerations for dedicated=db:NoSchedule"),
            "{}",
            f.fix
        );
        assert!(
            f.evidence[0].starts_with("6× ProvisioningFailed on prod/data-db-0"),
            "{:?}",
            f.evidence
        );
        assert!(
            all.iter().all(|f| f.code != "provisioning-failed"),
            "provisioning-failed must leave it to csi-driver-not-registered: {all:#?}"
        );
        assert_eq!(all[0].code, "csi-driver-not-registered", "{all:#?}");
    }

    #[test]
    fn reads_the_selected_node_from_external_provisioner_v6_wording() {
        let all = findings("csi-driver-not-registered", "selected-node-v6.yaml");
        assert_eq!(all[0].code, "csi-driver-not-registered", "{all:#?}");
        assert_eq!(all[0].object.name, "ip-10-0-3-21.ec2.internal");
        assert!(
            all[0].message.contains("selected for claim prod/data-db-0"),
            "{}",
            all[0].message
        );
        assert!(
            all.iter().all(|f| f.code != "provisioning-failed"),
            "{all:#?}"
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("csi-driver-not-registered");
    }
}
