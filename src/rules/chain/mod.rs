//! Rules about a chain as a whole, run after every other rule.

pub mod stuck_unexplained;

/// The rules of this category, in causal order.
pub const RULES: &[&crate::rules::Rule] = &[&stuck_unexplained::RULE];
