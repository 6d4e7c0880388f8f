//! The only code that talks to the network: the Kubernetes API ([`kube`] for whole-kind LISTs,
//! [`get`] for targeted reads, [`watch`] to wait for a change, [`write`] for the create-only
//! writes of `import-ebs --apply`) and EC2 ([`aws`]).

pub mod aws;
pub mod client;
pub mod get;
pub mod kube;
pub mod redact;
pub mod transport;
pub mod watch;
pub mod write;
