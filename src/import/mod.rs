//! `import-ebs`: PVs (and pre-bound claims) for existing EBS volumes.
//!
//! [`plan`] is pure and tested on fixtures; [`apply`] is the only part that writes to the
//! cluster, create-only.

pub mod apply;
pub mod plan;
