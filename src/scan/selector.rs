//! Label selectors (`-l`): [`crate::k8s::Selector`], here under its old path.

pub use crate::k8s::Selector;
