//! `ebs-class-invalid-parameters`: an EBS StorageClass whose parameters the driver or EC2 refuse.

use crate::k8s::Named;
use k8s_openapi::api::storage::v1::StorageClass;

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use super::{class_ebs_type, param, EBS_TYPES};
use crate::ctx::Ctx;
use crate::k8s;

pub static RULE: Rule = Rule {
    code: "ebs-class-invalid-parameters",
    severity: Severity::Error,
    category: Category::Manifest,
    summary: "An EBS StorageClass has a parameter the EBS CSI driver or EC2 rejects (type, iops, iopsPerGB, throughput, fsType, encrypted, kmsKeyId).",
    what: "Checks the parameters of classes provisioned by ebs.csi.aws.com (or the in-tree kubernetes.io/aws-ebs): `type` is one of gp3, gp2, io1, io2, st1, sc1, standard; `iops` and `iopsPerGB` are whole numbers within the type's range (gp3 3,000–80,000 IOPS; io1 100–64,000 and at most 50 IOPS per GiB; io2 100–256,000 and at most 1,000 per GiB) and only on types that take them, never both at once; `throughput` only on gp3, 125–2,000 MiB/s; `csi.storage.k8s.io/fstype` (or `fsType`) is ext2, ext3, ext4 or xfs; `encrypted` is true or false; `kmsKeyId` is a KMS key ARN, alias or key id. A `kmsKeyId` without `encrypted: \"true\"` is a warning: the driver ignores it.",
    why: "A StorageClass is accepted by the API server whatever its parameters say; the mistake only shows when a claim is provisioned, as a ProvisioningFailed event (\"InvalidParameterValue\", \"InvalidParameterCombination\", \"Volume capabilities not supported\") on a Pending claim, often in production first. A class is shared by many claims, so every workload using it is stuck.",
    fix: "Correct the parameter to a value the driver documents (see the aws-ebs-csi-driver parameters page); StorageClass parameters are immutable, so delete and recreate the class (existing volumes are not affected).",
    check,
};

const FS_TYPES: [&str; 4] = ["ext2", "ext3", "ext4", "xfs"];

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for sc in &cx.snap.storage_classes {
        if k8s::is_ebs_provisioner(&sc.provisioner) {
            check_class(sc, out);
        }
    }
}

fn check_class(sc: &StorageClass, out: &mut Vec<Finding>) {
    let name = sc.name();
    let mut bad = |key: &str, value: &str, problem: String, fix: String| {
        out.push(
            Finding::new(
                &RULE,
                ObjectRef::of(sc),
                format!("Class \"{name}\": {problem}"),
            )
            .evidence(format!("parameters.{key}: \"{value}\""))
            .fix(fix),
        );
    };
    if let Some((key, t)) = param(sc, "type") {
        if !EBS_TYPES.iter().any(|e| e.name.eq_ignore_ascii_case(t)) {
            let known: Vec<&str> = EBS_TYPES.iter().map(|e| e.name).collect();
            bad(
                key,
                t,
                format!(
                    "type \"{t}\" is not an EBS volume type ({}): every claim of this class fails to provision",
                    known.join(", ")
                ),
                "set type to one of gp3, gp2, io1, io2, st1, sc1, standard (gp3 is the usual choice)"
                    .into(),
            );
            return;
        }
    }
    let Some(ty) = class_ebs_type(sc) else { return };
    let iops = param(sc, "iops");
    let per_gb = param(sc, "iopsPerGB");
    if let (Some((k1, v1)), Some((k2, _))) = (iops, per_gb) {
        bad(
            k1,
            v1,
            format!("sets both {k1} and {k2}: the driver accepts one or the other, and refuses the class"),
            format!("keep either {k1} (total IOPS) or {k2} (IOPS per GiB), not both"),
        );
    }
    if let Some((key, v)) = iops {
        match (v.trim().parse::<u64>(), ty.iops) {
            (Err(_), _) => bad(
                key,
                v,
                format!("{key} \"{v}\" is not a whole number"),
                format!("set {key} to a whole number of IOPS, e.g. \"3000\""),
            ),
            (Ok(_), None) => bad(
                key,
                v,
                format!(
                    "{key} is set but {} volumes do not take provisioned IOPS: EC2 rejects the request",
                    ty.name
                ),
                format!("remove {key}, or use type gp3, io1 or io2 to provision IOPS"),
            ),
            (Ok(n), Some((lo, hi))) if n < lo || n > hi => bad(
                key,
                v,
                format!(
                    "{key} {n} is outside {}'s range of {lo}–{hi} IOPS: EC2 rejects the volume",
                    ty.name
                ),
                format!("set {key} between {lo} and {hi}"),
            ),
            _ => {}
        }
    }
    if let Some((key, v)) = per_gb {
        match (v.trim().parse::<u64>(), ty.max_iops_per_gib) {
            (Err(_), _) => bad(
                key,
                v,
                format!("{key} \"{v}\" is not a whole number"),
                format!("set {key} to a whole number of IOPS per GiB"),
            ),
            (Ok(_), None) => bad(
                key,
                v,
                format!(
                    "{key} is set but {} volumes do not take provisioned IOPS",
                    ty.name
                ),
                format!("remove {key}, or use type io1, io2 or gp3"),
            ),
            (Ok(n), Some(max)) if n == 0 || n > max => bad(
                key,
                v,
                format!(
                    "{key} {n} is {} {}'s maximum of {max} IOPS per GiB: EBS rejects the volume",
                    if n == 0 { "below 1, outside" } else { "above" },
                    ty.name
                ),
                format!("set {key} between 1 and {max} (or use iops for a fixed total)"),
            ),
            _ => {}
        }
    }
    if let Some((key, v)) = param(sc, "throughput") {
        match (v.trim().parse::<u64>(), ty.throughput) {
            (Err(_), _) => bad(
                key,
                v,
                format!("{key} \"{v}\" is not a whole number of MiB/s"),
                format!("set {key} to a whole number of MiB/s, e.g. \"125\""),
            ),
            (Ok(_), None) => bad(
                key,
                v,
                format!("{key} is set but only gp3 volumes take a throughput setting (type is {})", ty.name),
                format!("remove {key}, or use type gp3"),
            ),
            (Ok(n), Some((lo, hi))) if n < lo || n > hi => bad(
                key,
                v,
                format!("{key} {n} MiB/s is outside gp3's range of {lo}–{hi} MiB/s: EC2 rejects the volume"),
                format!("set {key} between {lo} and {hi}"),
            ),
            _ => {}
        }
    }
    for fs_key in ["csi.storage.k8s.io/fstype", "fsType"] {
        if let Some((key, v)) = param(sc, fs_key) {
            if !FS_TYPES.contains(&v) {
                bad(
                    key,
                    v,
                    format!("{key} \"{v}\" is not a filesystem the EBS driver formats (ext2, ext3, ext4, xfs): volumes provision but never mount"),
                    format!("set {key} to ext4 or xfs (the value is case-sensitive)"),
                );
            }
        }
    }
    let encrypted = param(sc, "encrypted");
    if let Some((key, v)) = encrypted {
        if !v.eq_ignore_ascii_case("true") && !v.eq_ignore_ascii_case("false") {
            bad(
                key,
                v,
                format!("{key} \"{v}\" is neither \"true\" nor \"false\""),
                format!("set {key}: \"true\" (or \"false\")"),
            );
        }
    }
    if let Some((key, v)) = param(sc, "kmsKeyId") {
        if !valid_kms_key(v) {
            bad(
                key,
                v,
                format!(
                    "{key} \"{v}\" is not a KMS key ARN, alias or key id: EC2 rejects the volume"
                ),
                format!("set {key} to the key's full ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)"),
            );
        } else if !encrypted.is_some_and(|(_, e)| e.eq_ignore_ascii_case("true")) {
            out.push(
                Finding::new(
                    &RULE,
                    ObjectRef::of(sc),
                    format!("Class \"{name}\": {key} is set but encrypted is not \"true\": the driver ignores the key and the volumes use the account's default encryption setting"),
                )
                .severity(Severity::Warning)
                .evidence(format!("parameters.{key}: \"{v}\""))
                .fix("add encrypted: \"true\" to the class parameters"),
            );
        }
    }
}

/// A KMS key reference EC2 accepts: key ARN, alias ARN, `alias/NAME` or a key id (UUID or
/// multi-Region `mrk-…`).
fn valid_kms_key(v: &str) -> bool {
    let v = v.trim();
    if let Some(rest) = v.strip_prefix("arn:") {
        let parts: Vec<&str> = rest.splitn(5, ':').collect();
        return parts.len() == 5
            && parts[0].starts_with("aws")
            && parts[1] == "kms"
            && !parts[2].is_empty()
            && parts[3].len() == 12
            && parts[3].chars().all(|c| c.is_ascii_digit())
            && (parts[4].strip_prefix("key/").is_some_and(is_key_id)
                || parts[4].strip_prefix("alias/").is_some_and(is_alias_name));
    }
    if let Some(name) = v.strip_prefix("alias/") {
        return is_alias_name(name);
    }
    is_key_id(v)
}

fn is_key_id(id: &str) -> bool {
    let hex = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_hexdigit());
    if let Some(mrk) = id.strip_prefix("mrk-") {
        return hex(mrk, 32);
    }
    let parts: Vec<&str> = id.split('-').collect();
    parts.len() == 5 && [8, 4, 4, 4, 12].iter().zip(&parts).all(|(n, p)| hex(p, *n))
}

fn is_alias_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_on_each_bad_parameter_with_its_value() {
        let f = assert_fires("ebs-class-invalid-parameters");
        let msg = |needle: &str| {
            f.iter()
                .find(|f| f.message.contains(needle))
                .unwrap_or_else(|| panic!("no finding mentioning {needle}: {f:#?}"))
        };
        let io1 = msg("iopsPerGB 60");
        assert!(
            io1.message.contains("io1's maximum of 50"),
            "{}",
            io1.message
        );
        assert_eq!(io1.evidence[0], "parameters.iopsPerGB: \"60\"");
        assert!(msg("type \"gp4\"")
            .message
            .contains("not an EBS volume type"));
        assert!(msg("throughput 4000 MiB/s").message.contains("125–2000"));
        assert!(msg("fsType \"ntfs\"").message.contains("ext4"));
        assert!(msg("kmsKeyId \"my-key\"").message.contains("not a KMS key"));
        let warn = msg("the driver ignores the key");
        assert_eq!(warn.severity, Severity::Warning);
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("ebs-class-invalid-parameters");
    }

    #[test]
    fn kms_key_formats() {
        assert!(valid_kms_key(
            "arn:aws:kms:us-east-1:012345678910:key/abcd1234-a123-456a-a12b-a123b4cd56ef"
        ));
        assert!(valid_kms_key(
            "arn:aws:kms:us-east-1:012345678910:alias/ebs"
        ));
        assert!(valid_kms_key("alias/aws/ebs"));
        assert!(valid_kms_key("1234abcd-12ab-34cd-56ef-1234567890ab"));
        assert!(valid_kms_key("mrk-1234abcd12ab34cd56ef1234567890ab"));
        assert!(!valid_kms_key("my-key"));
        assert!(!valid_kms_key("arn:aws:kms:us-east-1:123:key/x"));
    }
}
