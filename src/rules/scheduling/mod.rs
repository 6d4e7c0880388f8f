//! Scheduling and topology.

pub mod zone_mismatch;

use super::Rule;

/// This category's rules, root causes first.
pub static RULES: &[&Rule] = &[&zone_mismatch::RULE];
