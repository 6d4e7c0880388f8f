//! Provisioning: PVC → StorageClass → driver.

pub mod legacy_aws_ebs_provisioner;
pub mod provisioner_missing;
pub mod provisioning_failed;
pub mod resize_failed;
pub mod resize_pending;

use super::Rule;

/// This category's rules, root causes first.
pub static RULES: &[&Rule] = &[
    &provisioner_missing::RULE,
    &provisioning_failed::RULE,
    &resize_failed::RULE,
    &legacy_aws_ebs_provisioner::RULE,
    &resize_pending::RULE,
];
