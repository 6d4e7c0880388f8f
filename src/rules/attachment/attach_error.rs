//! `attach-error`: attaching (or detaching) a volume failed, or never happened.

use crate::k8s::Named;
use crate::model::VolumeAttachment;
use crate::model::{PersistentVolume, Pod};

use super::super::scheduling::attach_limit_reached::is_attach_limit;
use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use super::{aws_gist, pod_node, pod_started, pv_label, va_attached, va_name};
use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::EventRecord;

pub static RULE: Rule = Rule {
    code: "attach-error",
    severity: Severity::Error,
    category: Category::Attachment,
    summary: "Attaching a volume failed (VolumeAttachment attachError/detachError, FailedAttachVolume), or it is not attached minutes later.",
    what: "A VolumeAttachment of a PV in focus carries status.attachError or status.detachError, or a pod using it has FailedAttachVolume events 'AttachVolume.Attach failed for volume \"PV\" : ERROR'. The rule surfaces the driver's message and names what is inside: EC2 VolumeInUse (attached to another instance), InvalidVolume.ZoneMismatch (volume and instance in different AZs), NotFound ('Volume \"vol-…\" not found'), UnauthorizedOperation, or 'timed out waiting for external-attacher of DRIVER CSI driver to attach volume'. It also fires when a VolumeAttachment has stayed unattached for more than 2 minutes with no error at all: since Kubernetes 1.28 a plain attach timeout produces no event, which usually means the driver's external-attacher is not running. Multi-Attach errors (multi-attach) and attachment limits (attach-limit-reached) are left to their own rules.",
    why: "The pod stays ContainerCreating with nothing on the claim or the PV to say why; the message sits on the VolumeAttachment object, which few people look at, or in an event that expires after an hour.",
    fix: "Act on the driver's message: for VolumeInUse detach the volume from the other instance; for ZoneMismatch make the PV's nodeAffinity name the volume's real zone (or restore the data in the node's zone); for NotFound check the volume id, region and account; for IAM errors give the driver's role ec2:AttachVolume/ec2:DetachVolume; when nothing answers, check the csi-attacher container of the driver's controller (kubectl logs -n kube-system deploy/ebs-csi-controller -c csi-attacher).",
    check,
};

/// A VolumeAttachment that is not attached after this long, with no error, is stuck.
const UNATTACHED_GRACE_SECS: i64 = 120;

/// What an attach error means, and the fix.
fn classify(message: &str, pv: &PersistentVolume, node: &str) -> (String, String) {
    let vol = k8s::pv_volume_id(pv)
        .or(pv.metadata.name.as_deref())
        .unwrap_or_default();
    let code = k8s::aws_error_code(message);
    let has = |s: &str| message.contains(s);
    if code == Some("VolumeInUse") {
        (
            "EC2 says the volume is in use by another instance [VolumeInUse]".into(),
            format!("find the instance holding {vol} (aws ec2 describe-volumes --volume-ids {vol}); stop the pod using it there, or detach it once no pod uses it; then the attach to {node} is retried"),
        )
    } else if code == Some("InvalidVolume.ZoneMismatch") {
        (
            "the volume and the node's instance are in different availability zones [InvalidVolume.ZoneMismatch]".into(),
            format!("give PV {} nodeAffinity for the zone of {vol} (recreate the PV with the right topology.kubernetes.io/zone) so the pod is scheduled there, or snapshot {vol} and restore it in the zone of {node}", pv.name()),
        )
    } else if code == Some("InvalidVolume.NotFound")
        || (k8s::grpc_code(message) == Some("NotFound") && has("not found"))
    {
        (
            format!("the EBS volume {vol} does not exist (deleted, or in another region or account)"),
            format!("check the PV's volume id {vol} against EC2 in the cluster's region and account; if the volume was deleted, restore it from a snapshot and point a new PV at it"),
        )
    } else if has("timed out waiting for external-attacher") {
        (
            "the driver's external-attacher never answered".into(),
            format!("check the external-attacher of {}: kubectl logs -n kube-system deploy/ebs-csi-controller -c csi-attacher (it must be running and hold the leader lease)", k8s::pv_driver(pv).unwrap_or("the driver")),
        )
    } else if matches!(code, Some("UnauthorizedOperation" | "AccessDenied")) {
        (
            "the driver's IAM role may not attach volumes [UnauthorizedOperation]".into(),
            "give the EBS CSI controller's IAM role ec2:AttachVolume and ec2:DetachVolume (the AmazonEBSCSIDriverPolicy has both); for an encrypted volume also kms:CreateGrant on its key".into(),
        )
    } else if [
        "RequestCanceled",
        "request send failed",
        "dial tcp",
        "i/o timeout",
        "context deadline exceeded",
    ]
    .iter()
    .any(|t| has(t))
    {
        (
            "the driver's controller cannot reach EC2 (network path or credentials), not a volume fault".into(),
            format!("{vol} is not at fault: the ebs-csi-controller gets no answer from EC2. Check its path to ec2.<region>.amazonaws.com (ec2 interface VPC endpoint on private subnets, security groups, HTTPS_PROXY/NO_PROXY) and its credentials (IRSA role on service account ebs-csi-controller-sa with sts reachable, or an EKS Pod Identity association); logs: kubectl logs -n kube-system deploy/ebs-csi-controller -c ebs-plugin. The attach to {node} is retried on its own"),
        )
    } else if code == Some("IncorrectState") {
        (
            "the volume is not in a state that allows attaching [IncorrectState]".into(),
            format!("check the state of {vol} (aws ec2 describe-volumes --volume-ids {vol}): it must be 'available'; wait for a pending detach or modification to finish"),
        )
    } else {
        (
            match code {
                Some(c) => format!("the driver reported an error [{c}]"),
                None => "the driver reported an error".to_string(),
            },
            "read the driver's message and the controller's logs (kubectl logs -n kube-system deploy/ebs-csi-controller -c ebs-plugin and -c csi-attacher); the attach is retried on its own once the cause is gone".into(),
        )
    }
}

/// Messages other rules own.
fn owned_elsewhere(message: &str) -> bool {
    message.contains("Multi-Attach error") || is_attach_limit(message)
}

fn va_error(va: &VolumeAttachment) -> Option<(&'static str, &str)> {
    let st = va.status.as_ref()?;
    st.attach_error
        .as_ref()
        .and_then(|e| e.message.as_deref())
        .map(|m| ("attachError", m))
        .or_else(|| {
            st.detach_error
                .as_ref()
                .and_then(|e| e.message.as_deref())
                .map(|m| ("detachError", m))
        })
}

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pv in cx.pvs() {
        let pv_name = pv.name();
        // Deleting attachments are detach-stuck's.
        let vas: Vec<&VolumeAttachment> = cx
            .attachments_of(pv_name)
            .into_iter()
            .filter(|va| va.metadata.deletion_timestamp.is_none())
            .collect();
        let pods: Vec<&Pod> = cx
            .focused_pods_on_pv(pv_name)
            .into_iter()
            .filter(|p| !pod_started(p))
            .collect();

        // 1. An error recorded on the VolumeAttachment.
        let with_error = vas.iter().find_map(|va| {
            let (field, msg) = va_error(va)?;
            // An attachError left on an attachment that did attach in the end is history.
            let resolved = field == "attachError" && va_attached(va);
            let mine = !owned_elsewhere(msg) && !resolved;
            mine.then_some((*va, field, msg))
        });
        // 2. FailedAttachVolume on a pod still waiting for this PV on a node where it is not attached.
        let event: Option<&EventRecord> = pods
            .iter()
            .filter(|p| {
                let node = pod_node(p);
                !vas.iter()
                    .any(|va| Some(va.spec.node_name.as_str()) == node && va_attached(va))
            })
            .flat_map(|p| cx.pod_events(p))
            .filter(|e| {
                e.reason == "FailedAttachVolume"
                    && e.message.contains(&format!("\"{pv_name}\""))
                    && !owned_elsewhere(&e.message)
            })
            .max_by_key(|e| e.last);

        if with_error.is_some() || event.is_some() {
            let (va, text) = match (with_error, event) {
                (Some((va, _, msg)), _) => (Some(va), msg),
                (None, Some(e)) => (
                    vas.iter().copied().find(|va| {
                        pods.iter()
                            .any(|p| pod_node(p) == Some(va.spec.node_name.as_str()))
                    }),
                    e.message.as_str(),
                ),
                (None, None) => continue,
            };
            let node = va
                .map(|v| v.spec.node_name.as_str())
                .or_else(|| pods.iter().find_map(|p| pod_node(p)))
                .unwrap_or("its node");
            let (cause, fix) = classify(text, pv, node);
            let verb = if with_error.is_some_and(|(_, f, _)| f == "detachError") {
                "Detaching"
            } else {
                "Attaching"
            };
            // "[CODE]" is in the cause already: keep only the text after it.
            let gist = aws_gist(text);
            let gist = k8s::aws_error_code(text)
                .and_then(|c| gist.strip_prefix(c))
                .map(|rest| rest.trim_start_matches(':').trim_start())
                .unwrap_or(gist);
            let object = match (va, pods.first()) {
                (Some(va), _) => ObjectRef::of(va),
                (None, Some(p)) => ObjectRef::of(*p),
                (None, None) => ObjectRef::of(*pv),
            };
            let mut f = Finding::new(
                &RULE,
                object,
                format!(
                    "{verb} PV {} {} node {node} failed: {cause}: {}",
                    pv_label(pv),
                    if verb == "Attaching" { "to" } else { "from" },
                    k8s::truncate(gist, 160)
                ),
            );
            if let Some((va, field, msg)) = with_error {
                f = f.evidence(format!(
                    "VolumeAttachment {} status.{field}.message: \"{}\"",
                    va_name(va),
                    k8s::truncate(msg, 200)
                ));
            }
            if let Some(e) = event {
                f = f.evidence(cx.event_evidence(e));
            }
            out.push(f.fix(fix));
            continue;
        }

        // 3. Not attached minutes later and nobody says why (no event since Kubernetes 1.28).
        for va in vas
            .iter()
            .filter(|va| !va_attached(va) && va_error(va).is_none())
        {
            let Some(created) = va.metadata.creation_timestamp.as_ref().map(|t| t.0) else {
                continue;
            };
            let age = cx.age_secs(created);
            if age < UNATTACHED_GRACE_SECS {
                continue;
            }
            let driver = va.spec.attacher.as_str();
            let node = va.spec.node_name.as_str();
            let waiting: Vec<&str> = pods
                .iter()
                .filter(|p| pod_node(p) == Some(node))
                .filter_map(|p| p.metadata.name.as_deref())
                .collect();
            let who = if waiting.is_empty() {
                String::new()
            } else {
                format!(" (pod {} waits for it)", waiting.join(", "))
            };
            let mut f = Finding::new(
                &RULE,
                ObjectRef::of(*va),
                format!(
                    "PV {} is not attached to node {node} after {}, with no error recorded{who}: the external-attacher of {driver} may not be running",
                    pv_label(pv),
                    k8s::format_age(age)
                ),
            )
            .evidence(format!(
                "VolumeAttachment {} created {} ago, status.attached: false, no attachError",
                va_name(va),
                k8s::format_age(age)
            ));
            if let Some(fin) = va.metadata.finalizers.as_ref().filter(|f| !f.is_empty()) {
                f = f.evidence(format!(
                    "VolumeAttachment {} finalizers: {}",
                    va_name(va),
                    fin.join(", ")
                ));
            } else {
                f = f.evidence(format!(
                    "VolumeAttachment {} has no finalizer: no external-attacher has picked it up",
                    va_name(va)
                ));
            }
            let how = if driver == k8s::EBS_CSI {
                "kubectl get pods -n kube-system -l app=ebs-csi-controller; kubectl logs -n kube-system deploy/ebs-csi-controller -c csi-attacher".to_string()
            } else {
                format!("check the controller pods of {driver} and their csi-attacher container")
            };
            out.push(f.fix(format!(
                "make sure the external-attacher of {driver} runs and holds its leader lease: {how}; the kubelet's log on {node} shows the attach timeout ('context deadline exceeded')"
            )));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy, findings};

    #[test]
    fn fires_with_the_ec2_code_picked_out() {
        let f = assert_fires("attach-error");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].object.kind, "VolumeAttachment");
        let m = &f[0].message;
        assert!(
            m.contains("Attaching PV pv-imported-db (vol-0a9a9a9a9a9a9a9a9) to node ip-10-0-2-20.ec2.internal failed"),
            "{m}"
        );
        assert!(
            m.contains("different availability zones [InvalidVolume.ZoneMismatch]: The volume 'vol-0a9a9a9a9a9a9a9a9' is not in the same availability zone"),
            "{m}"
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("status.attachError.message")),
            "{:?}",
            f[0].evidence
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("FailedAttachVolume")),
            "{:?}",
            f[0].evidence
        );
        assert!(f[0].fix.contains("nodeAffinity"), "{}", f[0].fix);
    }

    #[test]
    fn an_unreachable_ec2_is_the_controller_not_the_volume() {
        let all = findings("attach-error", "unreachable.yaml");
        let f = all
            .iter()
            .find(|f| f.code == "attach-error")
            .expect("attach-error");
        assert!(
            f.message
                .contains("cannot reach EC2 (network path or credentials), not a volume fault"),
            "{}",
            f.message
        );
        for want in ["VPC endpoint", "IRSA", "Pod Identity"] {
            assert!(f.fix.contains(want), "{want}: {}", f.fix);
        }
    }

    #[test]
    fn fires_when_nothing_attaches_and_nothing_says_why() {
        let all = findings("attach-error", "no-attacher.yaml");
        let f: Vec<_> = all.iter().filter(|f| f.code == "attach-error").collect();
        assert_eq!(f.len(), 1, "{all:#?}");
        let m = &f[0].message;
        assert!(
            m.contains("not attached to node ip-10-0-1-10.ec2.internal after 9m"),
            "{m}"
        );
        assert!(m.contains("pod db-0 waits for it"), "{m}");
        assert!(
            m.contains("external-attacher of ebs.csi.aws.com may not be running"),
            "{m}"
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("attach-error");
    }
}
