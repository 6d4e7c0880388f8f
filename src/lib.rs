//! kubectl-storage: explains why stateful storage on Kubernetes (and AWS EBS) is stuck.
//!
//! Two phases: **fetch** ([`acquire`] plans the reads, [`fetch`] and [`snapshot::load`] make them)
//! fills a plain [`snapshot::Snapshot`];
//! **think** ([`chain`], [`rules`], [`report`], [`render`]) is pure and tested on fixtures.

pub mod acquire;
pub mod aws_limits;
pub mod chain;
pub mod cli;
pub mod complete;
pub mod ctx;
pub mod error;
pub mod fetch;
pub mod finding;
pub mod health;
pub mod identity;
pub mod import;
pub mod k8s;
pub mod manifest;
pub mod messages;
pub mod model;
pub mod preflight;
pub mod render;
pub mod report;
pub mod rules;
pub mod scan;
pub mod snapshot;
pub mod yaml;
