//! `provisioning-failed`: the provisioner tried to create the claim's volume and the driver refused.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
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
    Capabilities,
    Iam,
    Capacity,
    Quota,
    InvalidParameters,
    Timeout,
    Other,
}

impl Cause {
    fn of(message: &str) -> Self {
        let has = |s: &str| message.contains(s);
        if has("KMS") || has("kms:") || has("KmsKey") {
            Cause::Kms
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
        } else if has("DeadlineExceeded") || has("context deadline exceeded") {
            Cause::Timeout
        } else {
            Cause::Other
        }
    }

    fn label(self) -> &'static str {
        match self {
            Cause::Kms => "KMS key problem",
            Cause::Capabilities => "unsupported access mode",
            Cause::Iam => "IAM: the driver may not create volumes",
            Cause::Capacity => "EC2 has no capacity for this volume",
            Cause::Quota => "EC2 account limit reached",
            Cause::InvalidParameters => "invalid StorageClass parameters",
            Cause::Timeout => "the create call timed out",
            Cause::Other => "driver error",
        }
    }
}

/// Messages other rules own: a missing class, no plugin for the provisioner name, or the
/// selected node without the driver's node plugin (csi-driver-not-registered, on that node).
fn owned_elsewhere(message: &str) -> bool {
    (message.contains("storageclass.storage.k8s.io") && message.contains("not found"))
        || message.contains("no volume plugin matched")
        || message.contains(crate::rules::attachment::csi_driver_not_registered::NO_TOPOLOGY_KEY)
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
    for pvc in &cx.pvcs {
        if k8s::pvc_phase(pvc) != "Pending" {
            continue;
        }
        let failures: Vec<&EventRecord> = cx
            .pvc_events(pvc)
            .into_iter()
            .filter(|e| e.reason == "ProvisioningFailed" && !owned_elsewhere(&e.message))
            .collect();
        let Some(last) = failures.last() else {
            continue;
        };
        let sc = cx.class_of(pvc);
        let ns = pvc.metadata.namespace.as_deref().unwrap_or_default();
        let name = pvc.metadata.name.as_deref().unwrap_or_default();
        let sc_name = sc
            .and_then(|s| s.metadata.name.as_deref())
            .or_else(|| k8s::pvc_class_name(pvc))
            .unwrap_or("(none)");
        let cause = Cause::of(&last.message);
        // The AWS error text says most; the SDK wrapper around it ("operation error EC2: …,
        // https response error StatusCode: …, RequestID: …") says nothing.
        let gist = match last.message.find("api error ") {
            Some(i) => last
                .message
                .get(i + "api error ".len()..)
                .unwrap_or_default(),
            None => k8s::error_gist(&last.message),
        };
        let gist = k8s::truncate(gist, 160);
        let code = match k8s::aws_error_code(&last.message) {
            Some(c) if !gist.starts_with(c) => format!(" [{c}]"),
            _ => String::new(),
        };
        let count: u32 = failures.iter().map(|e| e.count).sum();
        let mut f = Finding::new(
            &RULE,
            ObjectRef::of(*pvc),
            format!(
                "Creating the volume for claim {ns}/{name} (class \"{sc_name}\") failed {count}×: {}{code}: {gist}",
                cause.label()
            ),
        )
        .evidence(cx.event_evidence(last));
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
                "make the KMS key{kms_key} usable: it must exist in this region, be enabled, and its key policy must let the driver's IAM role kms:CreateGrant, kms:Decrypt and kms:GenerateDataKeyWithoutPlaintext (or drop kmsKeyId from class \"{sc_name}\" to use the account's default key)"
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
            Cause::Timeout => "check the ebs-csi-controller pods (csi-provisioner and ebs-plugin containers) and their access to the EC2 API (VPC endpoint, proxy, IAM credentials); the provisioner retries on its own".to_string(),
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

    #[test]
    fn healthy_twin() {
        assert_healthy("provisioning-failed");
    }
}
