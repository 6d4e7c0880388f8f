//! The only code that talks to the network: the Kubernetes API (and, later, EC2).

pub mod kube;
