//! `resize-failed`: expanding (or modifying) a claim's volume failed and the claim is still short.

use crate::k8s::Named;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::EventRecord;

pub static RULE: Rule = Rule {
    code: "resize-failed",
    severity: Severity::Error,
    category: Category::Provisioning,
    summary: "Expanding or modifying a claim's volume failed (VolumeResizeFailed, VolumeModifyFailed).",
    what: "A PersistentVolumeClaim asks for more storage than it has (spec.resources.requests.storage > status.capacity.storage), or for a VolumeAttributesClass it does not have yet, and the external-resizer or the kubelet reports the attempt failed: VolumeResizeFailed 'resize volume \"PV\" by resizer \"ebs.csi.aws.com\" failed: … Could not resize volume \"vol-…\": …', FileSystemResizeFailed from the kubelet, VolumeModifyFailed, or the claim conditions ControllerResizeError / NodeResizeError / ModifyVolumeError. The AWS code inside is picked out; VolumeModificationRateExceeded means EBS allows one modification per volume about every 6 hours, and the rule says when a retry can succeed.",
    why: "The application keeps running out of space while the claim looks 'resized' in Git: the request was accepted by the API server but the volume never grew. EBS refuses a second ModifyVolume within ~6 hours of the previous one (size, type, IOPS or throughput change all count) and while a previous modification is still optimizing, so two quick resizes leave the claim stuck until the window passes.",
    fix: "For VolumeModificationRateExceeded or IncorrectModificationState: wait until the window passes (the resizer retries with backoff on its own), and batch size and performance changes into one modification next time. For IAM errors give the driver's role ec2:ModifyVolume. For filesystem errors read the kubelet message (resize2fs/xfs_growfs) and restart the pod on a healthy node.",
    check,
};

/// Six hours: the EBS limit between two modifications of one volume.
const MODIFY_WINDOW_SECS: i64 = 6 * 3600;

fn storage_of(
    map: Option<
        &std::collections::BTreeMap<
            String,
            k8s_openapi::apimachinery::pkg::api::resource::Quantity,
        >,
    >,
) -> Option<u128> {
    map?.get("storage").and_then(k8s::quantity_bytes)
}

fn condition<'a>(pvc: &'a PersistentVolumeClaim, types: &[&str]) -> Option<(&'a str, String)> {
    pvc.status
        .as_ref()?
        .conditions
        .iter()
        .flatten()
        .find(|c| types.contains(&c.type_.as_str()) && c.status == "True")
        .map(|c| {
            (
                c.type_.as_str(),
                c.message
                    .clone()
                    .unwrap_or_else(|| c.reason.clone().unwrap_or_default()),
            )
        })
}

/// What the failure message says, with a matching fix.
fn classify(message: &str) -> (&'static str, &'static str) {
    let code = k8s::aws_error_code(message).unwrap_or_default();
    if code == "VolumeModificationRateExceeded" {
        (
            "EBS allows one modification per volume about every 6 hours [VolumeModificationRateExceeded]",
            "wait for the window to pass (the external-resizer retries with backoff on its own); batch size, type, IOPS and throughput changes into one modification next time",
        )
    } else if message.contains("IncorrectModificationState") {
        (
            "a previous modification of this volume is still in progress [IncorrectModificationState]",
            "wait until the previous modification leaves the 'optimizing' state (aws ec2 describe-volumes-modifications --volume-ids VOL); the resizer retries on its own",
        )
    } else if code == "UnauthorizedOperation" || code == "AccessDenied" {
        (
            "the driver's IAM role may not modify volumes [UnauthorizedOperation]",
            "give the EBS CSI controller's IAM role ec2:ModifyVolume and ec2:DescribeVolumesModifications (the AmazonEBSCSIDriverPolicy has both)",
        )
    } else if code.starts_with("InvalidParameter") {
        (
            "EC2 rejected the new size or settings [InvalidParameterValue]",
            "request a size and IOPS/throughput the volume type allows (gp2/gp3 up to 16 TiB, io2 Block Express up to 64 TiB) in the claim or its VolumeAttributesClass",
        )
    } else if message.contains("NodeExpandVolume")
        || message.contains("resize2fs")
        || message.contains("xfs_growfs")
    {
        (
            "the kubelet could not grow the filesystem",
            "read the kubelet message (resize2fs / xfs_growfs output); fix the filesystem (fsck) if it reports corruption, then restart the pod so the kubelet retries",
        )
    } else {
        (
            "the resizer reported an error",
            "read the driver's message and the ebs-csi-controller logs (container csi-resizer and ebs-plugin); the resizer retries on its own once the cause is gone",
        )
    }
}

/// When a refused modification can succeed: 6 h after the last successful modification if the
/// events show it, else at the latest 6 h after the first refusal (the previous modification was
/// less than 6 h before it). Empty when the time is unknown.
fn retry_hint(cx: &Ctx, failures: &[&EventRecord], successes: &[&EventRecord]) -> String {
    let first_refusal = failures
        .iter()
        .filter(|e| k8s::aws_error_code(&e.message) == Some("VolumeModificationRateExceeded"))
        .filter_map(|e| e.first.or(e.last))
        .min();
    let Some(first_refusal) = first_refusal else {
        return String::new();
    };
    let last_success = successes
        .iter()
        .filter_map(|e| e.last)
        .filter(|t| *t <= first_refusal)
        .max();
    let (base, bound) = match last_success {
        Some(t) => (t, ""),
        None => (first_refusal, "at the latest "),
    };
    let retry_at = base.as_second() + MODIFY_WINDOW_SECS;
    let Ok(when) = jiff::Timestamp::from_second(retry_at) else {
        return String::new();
    };
    let stamp = when.strftime("%Y-%m-%d %H:%M UTC").to_string();
    let wait = retry_at - cx.now.as_second();
    if wait > 0 {
        format!(
            "; it can be retried {bound}from {stamp} (in {})",
            k8s::format_age(wait)
        )
    } else {
        format!("; the 6-hour window ended {stamp}, so the next retry should succeed")
    }
}

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pvc in cx.pvcs() {
        let ns = pvc.namespace_or_empty();
        let name = pvc.name();
        let status = pvc.status.as_ref();
        let requested = k8s::pvc_request(pvc);
        let current = storage_of(status.and_then(|s| s.capacity.as_ref()));
        let pods = cx.pods_using(ns, name);
        let mut events: Vec<&EventRecord> = cx.pvc_events(pvc);
        for pod in &pods {
            events.extend(cx.pod_events(pod));
        }
        events.sort_by_key(|e| e.last);

        // Expansion.
        let short = matches!((requested, current), (Some(r), Some(c)) if r > c);
        let infeasible = status
            .and_then(|s| s.allocated_resource_statuses.as_ref())
            .and_then(|m| m.get("storage"))
            .filter(|v| v.ends_with("Infeasible"))
            .cloned();
        let cond = condition(pvc, &["ControllerResizeError", "NodeResizeError"]);
        let failures: Vec<&EventRecord> = events
            .iter()
            .copied()
            .filter(|e| e.reason == "VolumeResizeFailed" || e.reason == "FileSystemResizeFailed")
            .collect();
        if (short && !failures.is_empty()) || cond.is_some() || infeasible.is_some() {
            let successes: Vec<&EventRecord> = events
                .iter()
                .copied()
                .filter(|e| {
                    matches!(
                        e.reason.as_str(),
                        "VolumeResizeSuccessful"
                            | "FileSystemResizeSuccessful"
                            | "VolumeModifySuccessful"
                    )
                })
                .collect();
            let text = failures
                .last()
                .map(|e| e.message.clone())
                .or_else(|| cond.as_ref().map(|(_, m)| m.clone()))
                .unwrap_or_default();
            let (cause, fix) = classify(&text);
            let sizes = match (current, requested) {
                (Some(c), Some(r)) => {
                    format!(" from {} to {}", k8s::format_bytes(c), k8s::format_bytes(r))
                }
                _ => String::new(),
            };
            let mut f = Finding::new(
                &RULE,
                ObjectRef::of(*pvc),
                format!(
                    "Expanding claim {ns}/{name}{sizes} failed: {cause}{}",
                    retry_hint(cx, &failures, &successes)
                ),
            );
            if let Some(e) = failures.last() {
                f = f.evidence(cx.event_evidence(e));
            }
            if let Some((t, m)) = &cond {
                f = f.evidence(format!(
                    "{ns}/{name} condition {t}: \"{}\"",
                    k8s::truncate(m, 160)
                ));
            }
            if let Some(v) = &infeasible {
                f = f.evidence(format!(
                    "{ns}/{name} status.allocatedResourceStatuses.storage: {v}"
                ));
            }
            if let (Some(c), Some(r)) = (current, requested) {
                f = f.evidence(format!(
                    "{ns}/{name} spec.resources.requests.storage: {}, status.capacity.storage: {}",
                    k8s::format_bytes(r),
                    k8s::format_bytes(c)
                ));
            }
            out.push(f.fix(fix));
        }

        // Modification through a VolumeAttributesClass.
        let wanted = pvc
            .spec
            .as_ref()
            .and_then(|s| s.volume_attributes_class_name.as_deref());
        let have = status.and_then(|s| s.current_volume_attributes_class_name.as_deref());
        let modify_infeasible = status
            .and_then(|s| s.modify_volume_status.as_ref())
            .filter(|m| m.status == "Infeasible");
        let pending_modify = wanted.is_some() && wanted != have;
        let mod_cond = condition(pvc, &["ModifyVolumeError"]);
        let mod_failures: Vec<&EventRecord> = events
            .iter()
            .copied()
            .filter(|e| e.reason == "VolumeModifyFailed")
            .collect();
        if (pending_modify && !mod_failures.is_empty())
            || mod_cond.is_some()
            || modify_infeasible.is_some()
        {
            let text = mod_failures
                .last()
                .map(|e| e.message.clone())
                .or_else(|| mod_cond.as_ref().map(|(_, m)| m.clone()))
                .unwrap_or_default();
            let (cause, fix) = if text.contains("VAC") && text.contains("does not exist") {
                (
                    "its VolumeAttributesClass does not exist",
                    "create the VolumeAttributesClass the claim names, then touch the claim (add an annotation) so the resizer picks it up again",
                )
            } else {
                classify(&text)
            };
            let successes: Vec<&EventRecord> = events
                .iter()
                .copied()
                .filter(|e| {
                    matches!(
                        e.reason.as_str(),
                        "VolumeResizeSuccessful" | "VolumeModifySuccessful"
                    )
                })
                .collect();
            let mut f = Finding::new(
                &RULE,
                ObjectRef::of(*pvc),
                format!(
                    "Modifying claim {ns}/{name} to VolumeAttributesClass \"{}\" (now \"{}\") failed: {cause}{}",
                    wanted.unwrap_or("?"),
                    have.unwrap_or("none"),
                    retry_hint(cx, &mod_failures, &successes)
                ),
            );
            if let Some(e) = mod_failures.last() {
                f = f.evidence(cx.event_evidence(e));
            }
            if let Some((t, m)) = &mod_cond {
                f = f.evidence(format!(
                    "{ns}/{name} condition {t}: \"{}\"",
                    k8s::truncate(m, 160)
                ));
            }
            if let Some(m) = modify_infeasible {
                f = f.evidence(format!(
                    "{ns}/{name} status.modifyVolumeStatus: {} (target {})",
                    m.status,
                    m.target_volume_attributes_class_name
                        .as_deref()
                        .unwrap_or("?")
                ));
            }
            out.push(f.fix(fix));
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy, findings};

    #[test]
    fn fires_on_the_modification_rate_limit_with_a_retry_time() {
        let f = assert_fires("resize-failed");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].object.name, "data-db-0");
        let m = &f[0].message;
        assert!(m.contains("from 100Gi to 200Gi"), "{m}");
        assert!(m.contains("VolumeModificationRateExceeded"), "{m}");
        // The previous expansion succeeded at 13:50; the window ends 6 h later.
        assert!(m.contains("from 2026-11-25 19:50 UTC"), "{m}");
        assert!(m.contains("in 5h10m"), "{m}");
        assert!(
            f[0].evidence[0].contains("VolumeResizeFailed"),
            "{:?}",
            f[0].evidence
        );
    }

    #[test]
    fn fires_on_a_refused_volume_attributes_class_change() {
        let all = findings("resize-failed", "modify-vac.yaml");
        let f: Vec<_> = all.iter().filter(|f| f.code == "resize-failed").collect();
        assert_eq!(f.len(), 1, "{all:#?}");
        let m = &f[0].message;
        assert!(
            m.contains("to VolumeAttributesClass \"gp3-fast\" (now \"gp3-standard\")"),
            "{m}"
        );
        assert!(m.contains("VolumeModificationRateExceeded"), "{m}");
        assert!(m.contains("from 2026-11-25 20:05 UTC (in 5h25m)"), "{m}");
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("resize-failed");
    }
}
