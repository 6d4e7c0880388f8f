//! `resize-pending`: the volume grew, the filesystem on it has not yet.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;

pub static RULE: Rule = Rule {
    code: "resize-pending",
    severity: Severity::Warning,
    category: Category::Provisioning,
    summary: "A claim's volume was expanded but its filesystem waits for a pod (re)start (FileSystemResizePending).",
    what: "The PersistentVolumeClaim carries the condition FileSystemResizePending ('Waiting for user to (re-)start a pod to finish file system resize of volume on node.'): the controller side of the expansion is done (the EBS volume and the PV have the new size), but the kubelet has not yet grown the filesystem, so status.capacity.storage still shows the old size. The rule names the requested and current sizes and the pod to restart.",
    why: "The application still sees the old, full filesystem. Drivers that support online expansion (EBS does) finish within a minute on a running pod; a condition that persists means no pod mounts the claim, or the kubelet's NodeExpandVolume keeps failing, and the space the user paid for stays unusable.",
    fix: "Restart (delete) the pod that mounts the claim, or start one if none does: the kubelet grows the filesystem when it mounts the volume. If the condition stays, look for FileSystemResizeFailed events on the pod (resize-failed).",
    check,
};

/// The condition must have persisted this long: online expansion normally finishes sooner.
const GRACE_SECS: i64 = 120;

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pvc in cx.pvcs() {
        let Some(cond) = pvc
            .status
            .as_ref()
            .and_then(|s| s.conditions.as_ref())
            .and_then(|c| {
                c.iter()
                    .find(|c| c.type_ == "FileSystemResizePending" && c.status == "True")
            })
        else {
            continue;
        };
        let since = cond.last_transition_time.as_ref().map(|t| t.0);
        if since.is_some_and(|t| cx.age_secs(t) < GRACE_SECS) {
            continue;
        }
        let ns = pvc.namespace_or_empty();
        let name = pvc.name();
        let pods = cx.pods_using(ns, name);
        // A failing filesystem expansion is resize-failed's finding, the root cause.
        let failing = pods.iter().any(|p| {
            cx.pod_events(p).iter().any(|e| {
                e.reason == "FileSystemResizeFailed"
                    && e.last.zip(since).is_none_or(|(last, since)| last >= since)
            })
        });
        if failing {
            continue;
        }
        let requested = k8s::pvc_request(pvc);
        let current = pvc
            .status
            .as_ref()
            .and_then(|s| s.capacity.as_ref())
            .and_then(|c| c.get("storage"))
            .and_then(k8s::quantity_bytes);
        let size = |b: Option<u128>| b.map(k8s::format_bytes).unwrap_or_else(|| "?".into());
        let node_of = |p: &crate::model::Pod| {
            p.spec
                .as_ref()
                .and_then(|s| s.node_name.clone())
                .unwrap_or_else(|| "no node".into())
        };
        let (what, fix) = match pods.as_slice() {
            [] => (
                "no pod mounts the claim: start one to finish".to_string(),
                format!(
                    "start a pod (or scale up the workload) that mounts claim {ns}/{name}; the kubelet grows the filesystem when it mounts the volume"
                ),
            ),
            pods => {
                let names: Vec<String> = pods
                    .iter()
                    .map(|p| {
                        format!(
                            "{} (on {})",
                            p.name(),
                            node_of(p)
                        )
                    })
                    .collect();
                let first = pods
                    .first()
                    .and_then(|p| p.metadata.name.as_deref())
                    .unwrap_or_default();
                (
                    format!("restart pod {} to finish", names.join(", ")),
                    format!(
                        "restart the pod: kubectl delete pod -n {ns} {first} (its controller recreates it; the kubelet grows the filesystem on mount)"
                    ),
                )
            }
        };
        let mut f = Finding::new(
            &RULE,
            ObjectRef::of(*pvc),
            format!(
                "Claim {ns}/{name} was expanded to {} but its filesystem still has {} (pending {}): {what}",
                size(requested),
                size(current),
                cx.age(since)
            ),
        )
        .evidence(format!(
            "{ns}/{name} condition FileSystemResizePending since {}: \"{}\"",
            cx.age(since),
            cond.message.as_deref().unwrap_or_default()
        ))
        .evidence(format!(
            "{ns}/{name} spec.resources.requests.storage: {}, status.capacity.storage: {}",
            size(requested),
            size(current)
        ));
        if let Some(e) = cx
            .pvc_events(pvc)
            .into_iter()
            .rev()
            .find(|e| e.reason == "FileSystemResizeRequired")
        {
            f = f.evidence(cx.event_evidence(e));
        }
        out.push(f.fix(fix));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_with_sizes_and_the_pod_to_restart() {
        let f = assert_fires("resize-pending");
        assert_eq!(f[0].object.name, "data-db-0");
        let m = &f[0].message;
        assert!(m.contains("expanded to 200Gi"), "{m}");
        assert!(m.contains("still has 100Gi"), "{m}");
        assert!(
            m.contains("restart pod db-0 (on ip-10-0-1-10.ec2.internal)"),
            "{m}"
        );
        assert!(m.contains("pending 25m"), "{m}");
        assert!(
            f[0].fix.contains("kubectl delete pod -n prod db-0"),
            "{}",
            f[0].fix
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("resize-pending");
    }
}
