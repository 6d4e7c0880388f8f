//! Claim and binding: Pod → PVC → PV.

pub mod access_mode_unsupported;
pub mod claim_lost;
mod fit;
pub mod multiple_default_storageclasses;
pub mod no_default_storageclass;
pub mod no_matching_pv;
pub mod pv_bound_to_other_claim;
pub mod pv_failed;
pub mod pv_released;
pub mod pv_unclaimed;
pub mod pvc_missing;
pub mod pvc_terminating;
pub mod pvc_unused;
pub mod storageclass_missing;
pub mod waiting_for_first_consumer;

use super::Rule;

/// This category's rules, root causes first.
pub static RULES: &[&Rule] = &[
    &pvc_missing::RULE,
    &pvc_terminating::RULE,
    &storageclass_missing::RULE,
    &no_default_storageclass::RULE,
    &access_mode_unsupported::RULE,
    &claim_lost::RULE,
    &pv_bound_to_other_claim::RULE,
    &pv_released::RULE,
    &pv_failed::RULE,
    &no_matching_pv::RULE,
    &multiple_default_storageclasses::RULE,
    &waiting_for_first_consumer::RULE,
    &pv_unclaimed::RULE,
    &pvc_unused::RULE,
];
