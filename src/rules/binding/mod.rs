//! Claim and binding: Pod → PVC → PV.

pub mod storageclass_missing;

use super::Rule;

/// This category's rules, root causes first.
pub static RULES: &[&Rule] = &[&storageclass_missing::RULE];
