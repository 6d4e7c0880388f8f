//! Manifest checks: mistakes visible in the objects themselves, before anything is applied
//! (`preflight`), that the cluster would only report later as a failed provisioning.
//!
//! EBS limits below are from the aws-ebs-csi-driver (`pkg/cloud/cloud.go` constants, docs/
//! parameters.md) and the EC2 volume-type table; where AWS has raised a ceiling since (gp3 up to
//! 80,000 IOPS and 2,000 MiB/s, io2 Block Express 1,000 IOPS/GiB) the newer, larger value is used
//! so that a valid class is never reported.

pub mod claim_below_minimum_size;
pub mod claim_gets_default_class;
pub mod ebs_class_invalid_parameters;
pub mod ebs_volume_id_invalid;
pub mod immediate_binding_single_zone;
pub mod in_tree_ebs_volume;
pub mod invalid_quantity;
pub mod rwo_claim_shared_by_replicas;
pub mod statefulset_claim_without_size;
pub mod static_pv_without_zone_affinity;
pub mod volume_mount_undefined;

use k8s_openapi::api::storage::v1::StorageClass;

use super::Rule;
use crate::k8s;

/// The manifest rules, in causal order: a broken class before the claims that use it.
pub const RULES: &[&Rule] = &[
    &volume_mount_undefined::RULE,
    &ebs_class_invalid_parameters::RULE,
    &invalid_quantity::RULE,
    &immediate_binding_single_zone::RULE,
    &statefulset_claim_without_size::RULE,
    &claim_below_minimum_size::RULE,
    &claim_gets_default_class::RULE,
    &ebs_volume_id_invalid::RULE,
    &in_tree_ebs_volume::RULE,
    &static_pv_without_zone_affinity::RULE,
    &rwo_claim_shared_by_replicas::RULE,
];

/// One EBS volume type's limits.
#[derive(Debug, Clone, Copy)]
pub struct EbsType {
    pub name: &'static str,
    /// Smallest size EC2 accepts, GiB.
    pub min_gib: u64,
    /// Total provisioned IOPS range, when the type takes an IOPS setting.
    pub iops: Option<(u64, u64)>,
    /// Highest IOPS per GiB, when the type takes an IOPS setting.
    pub max_iops_per_gib: Option<u64>,
    /// Throughput range in MiB/s, when the type takes a throughput setting (gp3 only).
    pub throughput: Option<(u64, u64)>,
}

/// Every EBS type the driver accepts.
pub const EBS_TYPES: [EbsType; 7] = [
    EbsType {
        name: "gp3",
        min_gib: 1,
        iops: Some((3000, 80_000)),
        max_iops_per_gib: Some(500),
        throughput: Some((125, 2000)),
    },
    EbsType {
        name: "gp2",
        min_gib: 1,
        iops: None,
        max_iops_per_gib: None,
        throughput: None,
    },
    EbsType {
        name: "io1",
        min_gib: 4,
        iops: Some((100, 64_000)),
        max_iops_per_gib: Some(50),
        throughput: None,
    },
    EbsType {
        name: "io2",
        min_gib: 4,
        iops: Some((100, 256_000)),
        max_iops_per_gib: Some(1000),
        throughput: None,
    },
    EbsType {
        name: "st1",
        min_gib: 125,
        iops: None,
        max_iops_per_gib: None,
        throughput: None,
    },
    EbsType {
        name: "sc1",
        min_gib: 125,
        iops: None,
        max_iops_per_gib: None,
        throughput: None,
    },
    EbsType {
        name: "standard",
        min_gib: 1,
        iops: None,
        max_iops_per_gib: None,
        throughput: None,
    },
];

/// A class parameter, matched case-insensitively as the EBS driver does.
pub fn param<'a>(sc: &'a StorageClass, key: &str) -> Option<(&'a str, &'a str)> {
    sc.parameters
        .as_ref()?
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(key))
        .map(|(k, v)| (k.as_str(), v.as_str()))
}

/// The EBS type a class creates: its `type` parameter, else the driver's default (gp3 for the
/// CSI driver, gp2 for the in-tree provisioner). `None` for classes that do not create EBS
/// volumes, and for unknown types (reported by `ebs-class-invalid-parameters`).
pub fn class_ebs_type(sc: &StorageClass) -> Option<&'static EbsType> {
    if !k8s::is_ebs_provisioner(&sc.provisioner) {
        return None;
    }
    let name = match param(sc, "type") {
        Some((_, t)) => t.to_ascii_lowercase(),
        None if sc.provisioner == k8s::IN_TREE_EBS => "gp2".into(),
        None => "gp3".into(),
    };
    EBS_TYPES.iter().find(|t| t.name == name)
}
