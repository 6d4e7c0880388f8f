//! Provisioning: PVC → StorageClass → driver.

pub mod legacy_aws_ebs_provisioner;
pub mod provisioner_missing;

use super::Rule;

/// This category's rules, root causes first.
pub static RULES: &[&Rule] = &[
    &provisioner_missing::RULE,
    &legacy_aws_ebs_provisioner::RULE,
];
