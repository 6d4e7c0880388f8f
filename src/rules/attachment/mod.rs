//! Attachment: PV → VolumeAttachment → Node.

use super::Rule;

/// This category's rules, root causes first.
pub static RULES: &[&Rule] = &[];
