//! `import-ebs`: PVs (and pre-bound claims) for existing EBS volumes.
//!
//! [`select`] (which volumes), [`plan`] (what to do with each) and [`build`] (the objects) are
//! pure and tested on fixtures; [`apply`] creates the planned objects, create-only, through
//! [`crate::fetch::write`].

pub mod apply;
pub mod build;
pub mod plan;
pub mod select;
