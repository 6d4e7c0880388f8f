//! `csi-driver-not-registered`: the pod's node does not run the CSI driver its volume needs.

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
    for pod in &cx.pods {
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

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};
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
    fn healthy_twin() {
        assert_healthy("csi-driver-not-registered");
    }
}
