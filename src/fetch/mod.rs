//! The only code that talks to the network: the Kubernetes API ([`kube`]) and EC2 ([`aws`]).

pub mod aws;
pub mod kube;
pub mod redact;
pub mod transport;
