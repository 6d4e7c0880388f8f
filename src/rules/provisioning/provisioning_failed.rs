//! `provisioning-failed`: the provisioner tried to create the claim's volume and the driver refused.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;
use crate::snapshot::EventRecord;

pub static RULE: Rule = Rule {
    code: "provisioning-failed",
    severity: Severity::Error,
    category: Category::Provisioning,
    summary: "The claim's volume could not be created: the driver refused (parameters, IAM, KMS, capacity, access modes).",
    what: "A Pending PersistentVolumeClaim has ProvisioningFailed events from the external-provisioner ('failed to provision volume with StorageClass \"NAME\": rpc error: code = … desc = …'). The rule surfaces the driver's own message and classifies it: invalid StorageClass parameters (InvalidArgument, InvalidParameterValue), IAM (UnauthorizedOperation, AccessDenied), KMS key problems, insufficient EC2 capacity (InsufficientVolumeCapacity), account quotas (VolumeLimitExceeded), or access modes the driver does not support ('Volume capabilities not supported'). A missing class (storageclass-missing) or a driver that is not installed (provisioner-missing) are reported by their own rules.",
    why: "The provisioner retries with exponential backoff, so the claim and every pod using it stay Pending while the same error repeats; the pod only says 'unbound immediate PersistentVolumeClaims' or, with WaitForFirstConsumer, 'running PreBind plugin \"VolumeBinding\": binding volumes: provisioning failed for PVC …'. The cause is in the PVC's events, usually deep inside a long AWS error.",
    fix: "Fix what the driver names: correct the StorageClass parameters (type, iops, throughput, encrypted/kmsKeyId), give the driver's IAM role the AmazonEBSCSIDriverPolicy (and KMS grants for a customer key), pick another volume type or zone when EC2 lacks capacity, or request ReadWriteOnce from EBS. The provisioner retries on its own once the cause is gone.",
    check,
};

/// What kind of refusal a driver message is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cause {
    Kms,
    /// The driver predates io2 Multi-Attach (MULTI_NODE_MULTI_WRITER).
    OldDriver,
    Capabilities,
    Iam,
    Capacity,
    Quota,
    InvalidParameters,
    /// The controller cannot reach EC2: network path or credentials, not the volume.
    Unreachable,
    Other,
}

/// aws-ebs-csi-driver ≤ 1.24 refusing RWX Block: `Volume capabilities MULTI_NODE_MULTI_WRITER
/// not supported. Only AccessModes[ReadWriteOnce] supported.`; io2 Multi-Attach came in v1.25.0
/// (CHANGELOG: "Feature: Multi-Attach for io2 block devices", #1799).
const MULTI_WRITER_TEXT: &str = "MULTI_NODE_MULTI_WRITER not supported";
const MULTI_ATTACH_SINCE: &str = "v1.25.0";

/// The AWS SDK's words when a call never got an answer: aws-sdk-go v1 `RequestCanceled: request
/// context canceled` / v2 (driver ≥ 1.26) `request send failed`, `dial tcp IP:443: i/o timeout`,
/// and the gRPC deadline of the sidecar (`context deadline exceeded`, `DeadlineExceeded`).
const UNREACHABLE_TEXTS: [&str; 6] = [
    "RequestCanceled",
    "request send failed",
    "dial tcp",
    "i/o timeout",
    "context deadline exceeded",
    "DeadlineExceeded",
];

/// The KMS "ghost volume": CreateVolume returned an id, EC2 then knows no such volume (the
/// key could not be used, so EC2 deleted it at once), and the provisioner's retry with the
/// same client token is refused as inconsistent.
const GHOST_TEXTS: [&str; 2] = [
    "InvalidVolume.NotFound",
    "Parameters on this idempotent request are inconsistent with parameters used in previous request(s)",
];

impl Cause {
    fn of(message: &str) -> Self {
        let has = |s: &str| message.contains(s);
        if has("KMS") || has("kms:") || has("KmsKey") {
            Cause::Kms
        } else if has(MULTI_WRITER_TEXT) {
            Cause::OldDriver
        } else if has("Volume capabilities") && has("not supported") {
            Cause::Capabilities
        } else if has("UnauthorizedOperation")
            || has("AccessDenied")
            || has("not authorized to perform")
        {
            Cause::Iam
        } else if has("InsufficientVolumeCapacity") {
            Cause::Capacity
        } else if has("VolumeLimitExceeded") || has("MaxIOPSLimitExceeded") {
            Cause::Quota
        } else if has("InvalidParameter")
            || has("code = InvalidArgument")
            || has("Could not parse")
            || has("invalid parameter")
            || has("Invalid parameter")
        {
            Cause::InvalidParameters
        } else if UNREACHABLE_TEXTS.iter().any(|t| has(t)) {
            Cause::Unreachable
        } else {
            Cause::Other
        }
    }

    fn label(self) -> &'static str {
        match self {
            Cause::Kms => "KMS key problem",
            Cause::OldDriver => "the driver is too old for io2 Multi-Attach",
            Cause::Capabilities => "unsupported access mode",
            Cause::Iam => "IAM: the driver may not create volumes",
            Cause::Capacity => "EC2 has no capacity for this volume",
            Cause::Quota => "EC2 account limit reached",
            Cause::InvalidParameters => "invalid StorageClass parameters",
            Cause::Unreachable => {
                "the driver's controller cannot reach EC2 (network path or credentials), not a volume fault"
            }
            Cause::Other => "driver error",
        }
    }
}

/// Messages other rules own: a missing class, no plugin for the provisioner name, or the
/// selected node without the driver's node plugin (csi-driver-not-registered, on that node).
fn owned_elsewhere(message: &str) -> bool {
    (message.contains("storageclass.storage.k8s.io") && message.contains("not found"))
        || message.contains("no volume plugin matched")
        || crate::rules::attachment::csi_driver_not_registered::no_topology_key_node(message)
            .is_some()
}

/// "role eks-node-role, action ec2:CreateVolume" from an UnauthorizedOperation message: a node
/// role here means the driver has no IAM role of its own (IRSA / Pod Identity not set up).
fn iam_principal(message: &str) -> Option<String> {
    let role = message.find("assumed-role/").and_then(|i| {
        message
            .get(i + "assumed-role/".len()..)?
            .split(['/', ' '])
            .next()
    });
    let action = message.find("perform: ").and_then(|i| {
        message
            .get(i + "perform: ".len()..)?
            .split([' ', '"', ','])
            .next()
    });
    match (role, action) {
        (Some(r), Some(a)) => Some(format!("role {r} may not call {a}")),
        (Some(r), None) => Some(format!("role {r}")),
        (None, Some(a)) => Some(format!("not allowed to call {a}")),
        (None, None) => None,
    }
}

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pvc in cx.pvcs() {
        if k8s::pvc_phase(pvc) != "Pending" {
            continue;
        }
        let failures: Vec<&EventRecord> = cx
            .pvc_events(pvc)
            .into_iter()
            .filter(|e| e.reason == "ProvisioningFailed" && !owned_elsewhere(&e.message))
            .collect();
        let Some(latest) = failures.last() else {
            continue;
        };
        let sc = cx.class_of(pvc);
        let class_key = sc
            .and_then(|s| s.parameters.as_ref())
            .and_then(|p| p.get("kmsKeyId"));
        // A ghost volume: lead with the first, most telling error (the vanished volume id),
        // not the idempotency complaint every later retry repeats.
        let ghost = class_key.is_some()
            && failures
                .iter()
                .any(|e| GHOST_TEXTS.iter().any(|t| e.message.contains(t)));
        let last = if ghost {
            GHOST_TEXTS
                .iter()
                .find_map(|t| failures.iter().find(|e| e.message.contains(t)))
                .unwrap_or(latest)
        } else {
            latest
        };
        let ns = pvc.namespace_or_empty();
        let name = pvc.name();
        let sc_name = sc
            .and_then(|s| s.metadata.name.as_deref())
            .or_else(|| k8s::pvc_class_name(pvc))
            .unwrap_or("(none)");
        let cause = if ghost {
            Cause::Kms
        } else {
            Cause::of(&last.message)
        };
        // The AWS error text says most; the SDK wrapper around it ("operation error EC2: …,
        // https response error StatusCode: …, RequestID: …") says nothing.
        let gist = match last.message.find("api error ") {
            Some(i) => last
                .message
                .get(i + "api error ".len()..)
                .unwrap_or_default(),
            None => k8s::error_gist(&last.message),
        };
        // The v1 SDK puts "\n\tstatus code: 400, request id: …" after the text: noise.
        let gist = k8s::truncate(gist.lines().next().unwrap_or(gist).trim_end(), 160);
        let code = match k8s::aws_error_code(&last.message) {
            Some(c) if !gist.starts_with(c) => format!(" [{c}]"),
            _ => String::new(),
        };
        let count: u32 = failures.iter().map(|e| e.count).sum();
        let key_note = match class_key {
            Some(k) if ghost => {
                format!(" — EC2 dropped the new volume: the driver's role cannot use KMS key {k}")
            }
            _ => String::new(),
        };
        let mut f = Finding::new(
            &RULE,
            ObjectRef::of(*pvc),
            format!(
                "Creating the volume for claim {ns}/{name} (class \"{sc_name}\") failed {count}×: {}{code}: {gist}{key_note}",
                cause.label()
            ),
        )
        .evidence(cx.event_evidence(last));
        // Repeated events, said once: how many, since when, until when.
        let first_at = failures.iter().filter_map(|e| e.first.or(e.last)).min();
        let last_at = failures.iter().filter_map(|e| e.last.or(e.first)).max();
        if failures.len() > 1 || count > 1 {
            f = f.evidence(format!(
                "{count} ProvisioningFailed in {} event(s), first {} ago, last {} ago",
                failures.len(),
                cx.age(first_at),
                cx.age(last_at)
            ));
        }
        if ghost {
            let mut seen = vec![last.message.as_str()];
            for e in &failures {
                if !seen.contains(&e.message.as_str()) && seen.len() < 3 {
                    seen.push(e.message.as_str());
                    f = f.evidence(cx.event_evidence(e));
                }
            }
            f = f.evidence(
                "CreateVolume returned a volume id that EC2 then did not know (InvalidVolume.NotFound): EC2 deletes a new encrypted volume at once when the caller cannot use its KMS key; retries with the same token are refused ('Parameters on this idempotent request are inconsistent')".to_string(),
            );
        }
        if cause == Cause::Unreachable {
            // The SDK's long wrapper hides the network words at its end: say them.
            if let Some(i) = UNREACHABLE_TEXTS[..4]
                .iter()
                .filter_map(|t| last.message.find(t))
                .min()
            {
                let tail = last.message.get(i..).unwrap_or_default();
                f = f.evidence(format!(
                    "the call to EC2 got no answer: {}",
                    k8s::truncate(
                        tail.lines().next().unwrap_or(tail).trim_end_matches('"'),
                        120
                    )
                ));
            }
        }
        if cause == Cause::Iam {
            if let Some(who) = iam_principal(&last.message) {
                f = f.evidence(format!("EC2 refused the driver's credentials: {who}"));
            }
        }
        if let Some(sc) = sc {
            let params: Vec<String> = sc
                .parameters
                .iter()
                .flatten()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            f = f.evidence(format!(
                "StorageClass {sc_name}: provisioner {}, parameters {}",
                sc.provisioner,
                if params.is_empty() {
                    "(none)".to_string()
                } else {
                    params.join(", ")
                }
            ));
        }
        // With WaitForFirstConsumer the scheduler reports the failure on the pod too.
        for pod in cx.pods_using(ns, name) {
            if let Some(e) = cx.pod_events(pod).into_iter().rev().find(|e| {
                e.reason == "FailedScheduling" && e.message.contains("provisioning failed for PVC")
            }) {
                f = f.evidence(cx.event_evidence(e));
            }
        }
        let modes = pvc
            .spec
            .as_ref()
            .and_then(|s| s.access_modes.as_deref())
            .map(k8s::short_modes)
            .unwrap_or_default();
        let kms_key = sc
            .and_then(|s| s.parameters.as_ref())
            .and_then(|p| p.get("kmsKeyId"))
            .map(|k| format!(" {k}"))
            .unwrap_or_default();
        let fix = match cause {
            Cause::Kms => format!(
                "make the KMS key{kms_key} usable: it must exist in this region, be enabled, and its key policy must let the driver's IAM role kms:CreateGrant, kms:Decrypt and kms:GenerateDataKeyWithoutPlaintext (or drop kmsKeyId from class \"{sc_name}\" to use the account's default key){}",
                if ghost {
                    "; kms:CreateGrant needs the condition kms:GrantIsForAWSResource=true and kms:ListGrants, kms:RevokeGrant, kms:ReEncrypt* and kms:DescribeKey help the same role; then delete and recreate the claim, since its retries reuse the refused request"
                } else {
                    ""
                }
            ),
            Cause::OldDriver => format!(
                "the claim asks for {modes} (io2 Multi-Attach), which aws-ebs-csi-driver supports from {MULTI_ATTACH_SINCE}: upgrade the driver (EKS add-on or Helm chart) to {MULTI_ATTACH_SINCE} or later; the class must have type: io2 and the claim volumeMode: Block"
            ),
            Cause::Capabilities => format!(
                "the claim asks for {modes}, which EBS cannot provide: recreate it with accessModes [ReadWriteOnce] (or use EFS for shared storage)"
            ),
            Cause::Iam => "give the EBS CSI controller's IAM role (service account kube-system/ebs-csi-controller-sa, via IRSA or EKS Pod Identity) the AWS managed policy AmazonEBSCSIDriverPolicy, then restart the ebs-csi-controller pods".to_string(),
            Cause::Capacity => format!(
                "EC2 lacks capacity for this volume type in the zone: wait and let the provisioner retry, or use another volume type in class \"{sc_name}\" (e.g. gp3), or let the pod schedule to another zone"
            ),
            Cause::Quota => "raise the EC2 service quota for EBS storage/IOPS in this region (Service Quotas console), or delete unused volumes".to_string(),
            Cause::InvalidParameters => format!(
                "correct the parameters of class \"{sc_name}\" (type, iops, throughput, iopsPerGB, encrypted, fsType) to values the driver accepts; StorageClass parameters are immutable: create a fixed class and recreate the claim with it"
            ),
            Cause::Unreachable => "the volume is not at fault: the ebs-csi-controller cannot get an answer from EC2. Check its network path to ec2.<region>.amazonaws.com (an ec2 interface VPC endpoint on private subnets, security groups, HTTPS_PROXY/NO_PROXY on the controller), and its credentials (IRSA: eks.amazonaws.com/role-arn on service account ebs-csi-controller-sa and sts reachable, or an EKS Pod Identity association; IMDS hop limit 2 if it uses the node role); logs: kubectl logs -n kube-system deploy/ebs-csi-controller -c ebs-plugin. The provisioner retries on its own".to_string(),
            Cause::Other => format!(
                "read the driver's message above and the ebs-csi-controller logs (kubectl logs -n kube-system deploy/ebs-csi-controller -c ebs-plugin); fix class \"{sc_name}\" or the driver setup, the provisioner retries on its own"
            ),
        };
        out.push(f.fix(fix));
    }
}

#[cfg(test)]
mod tests {
    use super::Cause;
    use crate::rules::testing::{assert_fires, assert_healthy, findings};

    #[test]
    fn fires_with_the_driver_message_classified() {
        let f = assert_fires("provisioning-failed");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].object.kind, "PersistentVolumeClaim");
        assert_eq!(f[0].object.name, "data-db-0");
        let m = &f[0].message;
        assert!(m.contains("class \"gp3\""), "{m}");
        assert!(m.contains("IAM"), "{m}");
        assert!(
            m.contains("UnauthorizedOperation: You are not authorized"),
            "{m}"
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("role eks-node-role may not call ec2:CreateVolume")),
            "{:?}",
            f[0].evidence
        );
        assert!(m.contains("12×"), "{m}");
        assert!(
            f[0].fix.contains("AmazonEBSCSIDriverPolicy"),
            "{}",
            f[0].fix
        );
        assert!(
            f[0].evidence[0].contains("ProvisioningFailed"),
            "{:?}",
            f[0].evidence
        );
    }

    #[test]
    fn classifies_driver_messages() {
        let w = |s: &str| {
            format!("failed to provision volume with StorageClass \"gp3\": rpc error: code = {s}")
        };
        assert_eq!(
            Cause::of(&w(
                "InvalidArgument desc = Volume capabilities not supported"
            )),
            Cause::Capabilities
        );
        assert_eq!(
            Cause::of(&w("InvalidArgument desc = Could not parse invalid iops: x")),
            Cause::InvalidParameters
        );
        assert_eq!(Cause::of(&w("Internal desc = Could not create volume \"pvc-1\": could not create volume in EC2: operation error EC2: CreateVolume, api error InsufficientVolumeCapacity: There is not enough capacity")), Cause::Capacity);
        assert_eq!(Cause::of(&w("Internal desc = Could not create volume \"pvc-1\": api error InvalidParameterValue: Invalid KMS key")), Cause::Kms);
        assert_eq!(
            Cause::of(&w(
                "Internal desc = Could not create volume \"pvc-1\": api error AccessDenied: x"
            )),
            Cause::Iam
        );
    }

    #[test]
    fn leaves_missing_classes_and_missing_provisioners_to_their_rules() {
        for code in ["storageclass-missing", "provisioner-missing"] {
            let all = findings(code, "fires.yaml");
            assert!(
                all.iter().all(|f| f.code != "provisioning-failed"),
                "{code}: {all:#?}"
            );
        }
    }

    fn one(file: &str) -> crate::rules::Finding {
        let all = findings("provisioning-failed", file);
        all.into_iter()
            .find(|f| f.code == "provisioning-failed")
            .unwrap_or_else(|| panic!("provisioning-failed did not fire on {file}"))
    }

    #[test]
    fn kms_ghost_volume_leads_with_the_vanished_id_and_aggregates() {
        let f = one("kms-ghost.yaml");
        assert!(
            f.message.contains("failed 24×: KMS key problem"),
            "{}",
            f.message
        );
        assert!(
            f.message
                .contains("vol-0ghost00000000001' does not exist. — EC2 dropped"),
            "{}",
            f.message
        );
        assert!(
            f.message
                .contains("cannot use KMS key arn:aws:kms:us-east-1:111122223333:key/1234abcd"),
            "{}",
            f.message
        );
        assert!(
            f.evidence[0].starts_with("1× ProvisioningFailed"),
            "{:?}",
            f.evidence
        );
        assert!(
            f.message.contains("InvalidVolume.NotFound"),
            "{}",
            f.message
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("24 ProvisioningFailed in 2 event(s), first 1h9m ago")),
            "{:?}",
            f.evidence
        );
        assert!(
            f.evidence.iter().any(|e| e.contains("idempotent request")),
            "{:?}",
            f.evidence
        );
        for want in [
            "key/1234abcd-12ab-34cd-56ef-1234567890ab",
            "kms:CreateGrant",
            "kms:GenerateDataKeyWithoutPlaintext",
            "kms:Decrypt",
        ] {
            assert!(f.fix.contains(want), "{want}: {}", f.fix);
        }
    }

    #[test]
    fn multi_writer_on_an_old_driver_names_the_version_that_added_it() {
        let f = one("multi-writer.yaml");
        assert!(
            f.message.contains("too old for io2 Multi-Attach"),
            "{}",
            f.message
        );
        assert!(f.fix.contains("v1.25.0"), "{}", f.fix);
        assert!(!f.fix.contains("accessModes [ReadWriteOnce]"), "{}", f.fix);
    }

    #[test]
    fn unreachable_ec2_is_the_controller_not_the_volume() {
        let f = one("unreachable.yaml");
        assert!(
            f.message
                .contains("cannot reach EC2 (network path or credentials), not a volume fault"),
            "{}",
            f.message
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.starts_with("the call to EC2 got no answer:")
                    && e.ends_with("dial tcp 52.94.225.10:443: i/o timeout")),
            "{:?}",
            f.evidence
        );
        for want in ["VPC endpoint", "IRSA", "Pod Identity", "HTTPS_PROXY"] {
            assert!(f.fix.contains(want), "{want}: {}", f.fix);
        }
        assert_eq!(
            Cause::of("rpc error: code = Internal desc = Could not create volume \"pvc-1\": RequestCanceled: request context canceled"),
            Cause::Unreachable
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("provisioning-failed");
    }
}
