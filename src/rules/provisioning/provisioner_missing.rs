//! `provisioner-missing`: the claim's class provisions through a driver that is not running.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;
use crate::snapshot::Lookup;

pub static RULE: Rule = Rule {
    code: "provisioner-missing",
    severity: Severity::Error,
    category: Category::Provisioning,
    summary: "The claim's StorageClass names a provisioner that has no running driver.",
    what: "A PersistentVolumeClaim is waiting for a volume from its StorageClass's provisioner, but that provisioner is not installed: no CSIDriver object, no node registers the driver in its CSINode, and the PV controller keeps recording ExternalProvisioning 'Waiting for a volume to be created either by the external provisioner …'. Classes using the in-tree kubernetes.io/aws-ebs provisioner are served by ebs.csi.aws.com through CSI migration, so they need that driver too.",
    why: "Nothing will ever create the volume: the claim stays Pending and pods using it stay unschedulable ('pod has unbound immediate PersistentVolumeClaims') or, with WaitForFirstConsumer, stuck after scheduling. The PV controller's message only says it is waiting, which reads like a slow provisioner rather than a missing one.",
    fix: "Install the CSI driver the class names (for EBS: the aws-ebs-csi-driver EKS add-on or Helm chart, with an IAM role allowed to create and attach volumes), or move the claim to a class whose provisioner is installed.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let mut seen = std::collections::HashSet::new();
    for pvc in cx.pvcs() {
        if k8s::pvc_phase(pvc) == "Bound" {
            continue;
        }
        let Some(sc) = cx.class_of(pvc) else { continue };
        if sc.provisioner == k8s::NO_PROVISIONER {
            continue;
        }
        let driver = k8s::effective_driver(&sc.provisioner);
        let crate::ctx::Registration {
            registered,
            nodes,
            known: csinodes_known,
            ..
        } = cx.registration(driver);
        let waiting: Vec<_> = cx
            .pvc_events(pvc)
            .into_iter()
            .filter(|e| {
                e.reason == "ExternalProvisioning" || e.message.contains("no volume plugin matched")
            })
            .collect();
        let mut evidence = Vec::new();
        let installed = match cx.csi_driver(driver) {
            Lookup::Found(_) => true,
            Lookup::Missing => {
                evidence.push(format!("no CSIDriver \"{driver}\""));
                false
            }
            Lookup::Unknown(r) => {
                evidence.push(format!("CSIDriver not checked: {r}"));
                // Without the CSIDriver list, only long-persisting "waiting" events can tell.
                let long_wait = waiting.iter().any(|e| {
                    e.first
                        .zip(e.last)
                        .is_some_and(|(a, b)| b.as_second() - a.as_second() >= 300)
                });
                if !long_wait {
                    // Nothing says the driver is absent: unknown is not missing.
                    continue;
                }
                false
            }
        };
        if installed || registered > 0 {
            // The driver is there, but its controller may not be: a claim that has waited for
            // the external provisioner for a long time with no word from it says so.
            if let Some(f) = controller_silent(cx, pvc, sc, driver, &waiting, registered) {
                out.push(f);
            }
            continue;
        }
        if csinodes_known {
            evidence.push(format!(
                "CSINode: {registered} of {nodes} nodes list the driver"
            ));
        }
        let sc_name = sc.metadata.name.clone().unwrap_or_default();
        if !seen.insert((sc_name.clone(), pvc.metadata.name.clone())) {
            continue;
        }
        for e in waiting.iter().rev().take(1) {
            evidence.insert(0, cx.event_evidence(e));
        }
        let via = if driver != sc.provisioner {
            format!(" (CSI migration of {})", sc.provisioner)
        } else {
            String::new()
        };
        let running = k8s::cluster_ebs_driver(&cx.snap.csi_drivers, &cx.snap.csi_nodes);
        let fix = if driver == k8s::EBS_CSI && running == k8s::EBS_AUTO_MODE {
            format!("this is an EKS Auto Mode cluster: its EBS driver is {running}, and {} is not installed; use (or create) a class with provisioner: {running} and recreate the claim with it (a claim's class cannot be changed)", k8s::EBS_CSI)
        } else if driver == k8s::EBS_CSI {
            "install the EBS CSI driver (EKS add-on aws-ebs-csi-driver, or its Helm chart) with an IAM role that may create and attach volumes; the in-tree provisioner was removed in Kubernetes 1.27".to_string()
        } else {
            format!("install and start the CSI driver {driver} (its controller runs the external-provisioner), or move the claim to a class whose provisioner is installed")
        };
        let mut f = Finding::new(
            &RULE,
            ObjectRef::of(*pvc),
            format!("Class \"{sc_name}\" provisions through {driver}{via}, which is not installed"),
        )
        .fix(fix);
        f.evidence = evidence;
        out.push(f);
    }
}

/// How long the PV controller may wait on an installed driver before we call it silent.
const SILENT_AFTER_SECS: i64 = 600;

fn controller_silent(
    cx: &Ctx,
    pvc: &k8s_openapi::api::core::v1::PersistentVolumeClaim,
    sc: &k8s_openapi::api::storage::v1::StorageClass,
    driver: &str,
    waiting: &[&crate::snapshot::EventRecord],
    registered: usize,
) -> Option<Finding> {
    let e = waiting
        .iter()
        .rev()
        .find(|e| e.reason == "ExternalProvisioning")?;
    let waited = e
        .first
        .zip(e.last)
        .map(|(a, b)| b.as_second() - a.as_second())?;
    let driver_spoke = cx.pvc_events(pvc).iter().any(|e| {
        matches!(
            e.reason.as_str(),
            "Provisioning" | "ProvisioningFailed" | "ProvisioningSucceeded"
        )
    });
    if waited < SILENT_AFTER_SECS || driver_spoke {
        return None;
    }
    let sc_name = sc.name();
    let (ns, name) = (pvc.namespace_or_empty(), pvc.name());
    Some(
        Finding::new(
            &RULE,
            ObjectRef::of(pvc),
            format!(
                "Class \"{sc_name}\" provisions through {driver}, but its controller has not acted on claim {ns}/{name} in {}: the external-provisioner is not running",
                crate::k8s::format_age(waited)
            ),
        )
        .evidence(cx.event_evidence(e))
        .evidence(format!("no Provisioning event from {driver} on {ns}/{name}; {registered} node(s) register the driver's node plugin"))
        .fix(format!(
            "check the {driver} controller pods (e.g. `kubectl -n kube-system get pods -l app=ebs-csi-controller`) and the logs of their csi-provisioner container: crash loops, IAM errors, or leader election stuck"
        )),
    )
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_for_in_tree_ebs_without_the_csi_driver() {
        let f = assert_fires("provisioner-missing");
        assert_eq!(f[0].object.name, "task-pvc");
        assert!(
            f[0].message.contains("\"slow\"") && f[0].message.contains("ebs.csi.aws.com"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].evidence.iter().any(|e| e.contains("0 of 3 nodes")),
            "{:?}",
            f[0].evidence
        );
        assert!(
            f[0].evidence[0].contains("ExternalProvisioning"),
            "{:?}",
            f[0].evidence
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("provisioner-missing");
    }

    #[test]
    fn fires_when_the_driver_is_installed_but_its_controller_is_silent() {
        let all = crate::rules::testing::findings("provisioner-missing", "controller-down.yaml");
        let f = all
            .iter()
            .find(|f| f.code == "provisioner-missing")
            .expect("fires");
        assert!(
            f.message
                .contains("has not acted on claim default/task-pvc in 3h9m"),
            "{}",
            f.message
        );
        assert!(
            f.evidence.iter().any(|e| e.contains("2 node(s) register")),
            "{:?}",
            f.evidence
        );
    }
}
