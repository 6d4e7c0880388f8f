//! Mount: what the kubelet reports.

use super::Rule;

/// This category's rules, root causes first.
pub static RULES: &[&Rule] = &[];
