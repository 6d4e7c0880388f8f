//! `ebs-volume-id-invalid`: an EBS PV names a volume id EC2 cannot parse.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s::is_ebs_driver;
use crate::k8s::Named;

pub static RULE: Rule = Rule {
    code: "ebs-volume-id-invalid",
    severity: Severity::Error,
    category: Category::Manifest,
    summary: "An EBS PersistentVolume's volumeID or volumeHandle is not an EBS volume id (vol- and 8 or 17 hex digits, optionally aws://ZONE/).",
    what: "Checks `spec.awsElasticBlockStore.volumeID` and, for the EBS CSI drivers, `spec.csi.volumeHandle` of every PersistentVolume: an EBS volume id is `vol-` followed by 8 or 17 lowercase hexadecimal digits; the in-tree form may carry an `aws://ZONE/` prefix.",
    why: "Kubernetes accepts any string there. Every attach then fails (`InvalidVolumeID.Malformed: Invalid id: \"…\"`) and the Pod waits in ContainerCreating with FailedAttachVolume events. Usually the id was copied with a typo, a trailing space, the volume's Name tag, or an ARN.",
    fix: "Set the volume id exactly as EC2 shows it (`aws ec2 describe-volumes --volume-ids vol-…`); a PV's volume source is immutable, so delete and recreate the PV (with persistentVolumeReclaimPolicy Retain the volume is kept).",
    check,
};

/// Whether `id` is an EBS volume id: `vol-` and 8 or 17 lowercase hex digits.
pub fn valid_volume_id(id: &str) -> bool {
    id.strip_prefix("vol-").is_some_and(|hex| {
        (hex.len() == 8 || hex.len() == 17)
            && hex
                .bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
    })
}

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pv in cx.pvs() {
        let Some(spec) = pv.spec.as_ref() else {
            continue;
        };
        let (field, raw, id) = if let Some(a) = &spec.aws_elastic_block_store {
            let raw = a.volume_id.as_str();
            // aws://us-east-1a/vol-…, aws:///vol-… or vol-…
            let id = match raw.strip_prefix("aws://") {
                Some(rest) => rest.rsplit('/').next().unwrap_or(rest),
                None => raw,
            };
            ("spec.awsElasticBlockStore.volumeID", raw, id)
        } else if let Some(c) = spec.csi.as_ref().filter(|c| is_ebs_driver(&c.driver)) {
            let raw = c.volume_handle.as_str();
            ("spec.csi.volumeHandle", raw, raw)
        } else {
            continue;
        };
        if valid_volume_id(id) {
            continue;
        }
        let name = pv.name();
        out.push(
            Finding::new(
                &RULE,
                ObjectRef::of(*pv),
                format!(
                    "PV {name} names EBS volume \"{raw}\", which is not a volume id (vol- and 8 or 17 hex digits): every attach fails with InvalidVolumeID.Malformed"
                ),
            )
            .evidence(format!("{field}: \"{raw}\""))
            .fix(format!(
                "set {field} of PV {name} to the id EC2 shows (aws ec2 describe-volumes), e.g. vol-0123456789abcdef0, and recreate the PV"
            )),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn volume_id_shapes() {
        assert!(valid_volume_id("vol-0123456789abcdef0"));
        assert!(valid_volume_id("vol-0a1b2c3d"));
        for bad in [
            "vol-0123456789ABCDEF0",
            "vol-123",
            "vol-0123456789abcdef0 ",
            "data-volume",
            "",
        ] {
            assert!(!valid_volume_id(bad), "{bad:?}");
        }
    }

    #[test]
    fn fires_on_malformed_ids_in_both_forms() {
        let f = assert_fires("ebs-volume-id-invalid");
        assert_eq!(f.len(), 2, "{f:#?}");
        assert!(f
            .iter()
            .any(|f| f.message.contains("\"aws://us-east-1a/vol-12345\"")));
        assert!(f
            .iter()
            .any(|f| f.evidence[0] == "spec.csi.volumeHandle: \"mysql-data\""));
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("ebs-volume-id-invalid");
    }
}
