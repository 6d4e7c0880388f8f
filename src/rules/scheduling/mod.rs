//! Scheduling and topology.

pub mod attach_limit_reached;
pub mod zone_mismatch;

use super::Rule;

/// This category's rules, root causes first.
pub static RULES: &[&Rule] = &[&zone_mismatch::RULE, &attach_limit_reached::RULE];
