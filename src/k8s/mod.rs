//! Small, pure helpers over Kubernetes objects, by concern: [`objects`] (accessors: claims,
//! phases, classes, zones, drivers, names), [`quantity`] (resource quantities), [`selectors`]
//! (label and node selector matching), [`messages`] (ages, event and driver message gists) and
//! [`ebs`] (the EBS driver names, zone keys and tags). Everything is re-exported here: callers
//! write `k8s::pod_claims`, `k8s::EBS_CSI`.
//! Nothing here allocates more than it returns or panics on odd data from a cluster.

pub mod ebs;
pub mod messages;
pub mod objects;
pub mod quantity;
pub mod selectors;

pub use ebs::*;
pub use messages::*;
pub use objects::*;
pub use quantity::*;
pub use selectors::*;
