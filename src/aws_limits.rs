//! EC2's view of attachment slots: how many EBS volumes an instance can still take.
//!
//! Source: AWS, "Amazon EBS volume limits for Amazon EC2 instances"
//! (<https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/volume_limits.html>), checked 2026-11:
//! - **Shared limit** (most Nitro types: m5, m6i, c5, c6i, r5, r6i, t3, …): 28 attachments shared
//!   between EBS volumes, network interfaces and NVMe instance-store volumes. Every ENI the VPC
//!   CNI adds takes an EBS slot, which is why a node with many pods (many ENIs) runs out of
//!   volume slots long before the CSI driver's CSINode `allocatable.count` says so.
//! - **Dedicated EBS limit** (M7a, M7i, M7i-flex, C7a, C7i, C7i-flex, R7a, R7i, R7iz, and the
//!   Graviton 8th generation M8g, C8g, R8g): EBS volumes only, by size: up to 12xlarge 32,
//!   16xlarge 48, 24xlarge 64, 32xlarge 88, 48xlarge 128, metal-16xl/metal-24xl 39,
//!   metal-32xl/metal-48xl 79.
//! - Exceptions with their own documented numbers: `mac1.metal`, `mac2.metal` (16), `d3.8xlarge`,
//!   `d3en.12xlarge` (3 EBS volumes).
//!
//! Instance-store NVMe volumes also take shared slots but are not visible in
//! `DescribeInstances`; the used count is therefore a lower bound on shared-limit types.

use crate::snapshot::ec2::Instance;

/// How an instance type counts attachments.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttachLimit {
    /// Slots shared by EBS volumes, network interfaces and instance-store volumes.
    Shared(usize),
    /// Slots for EBS volumes only.
    Dedicated(usize),
}

impl AttachLimit {
    /// The number of slots.
    pub fn slots(self) -> usize {
        match self {
            AttachLimit::Shared(n) | AttachLimit::Dedicated(n) => n,
        }
    }
}

/// Families with the shared 28-slot Nitro limit that this table vouches for.
const SHARED_28: &[&str] = &[
    "m5", "m5a", "m5d", "m5n", "m6i", "m6a", "m6id", "m6g", "m6gd", "c5", "c5a", "c5d", "c5n",
    "c6i", "c6a", "c6id", "c6g", "c6gn", "r5", "r5a", "r5b", "r5d", "r5n", "r6i", "r6a", "r6id",
    "r6g", "t3", "t3a", "t4g",
];

/// Families with a dedicated EBS limit by size.
const DEDICATED: &[&str] = &[
    "m7a", "m7i", "m7i-flex", "c7a", "c7i", "c7i-flex", "r7a", "r7i", "r7iz", "m8g", "c8g", "r8g",
];

/// The attachment limit of an instance type (`m5.large`), if the table knows the type.
pub fn limit_for(instance_type: &str) -> Option<AttachLimit> {
    match instance_type {
        "mac1.metal" | "mac2.metal" => return Some(AttachLimit::Shared(16)),
        "d3.8xlarge" | "d3en.12xlarge" => return Some(AttachLimit::Dedicated(3)),
        _ => {}
    }
    let (family, size) = instance_type.split_once('.')?;
    if DEDICATED.contains(&family) {
        let n = match size {
            "medium" | "large" | "xlarge" | "2xlarge" | "4xlarge" | "8xlarge" | "12xlarge" => 32,
            "16xlarge" => 48,
            "24xlarge" => 64,
            "32xlarge" => 88,
            "48xlarge" => 128,
            "metal-16xl" | "metal-24xl" => 39,
            "metal-32xl" | "metal-48xl" => 79,
            _ => return None,
        };
        return Some(AttachLimit::Dedicated(n));
    }
    if SHARED_28.contains(&family) {
        return Some(AttachLimit::Shared(28));
    }
    None
}

/// EC2's view of an instance's slots: `(used, limit)`. On shared-limit types `used` counts the
/// EBS block-device mappings plus the network interfaces (instance-store volumes are not
/// visible, so it is a lower bound); on dedicated types only the EBS mappings. `None` for types
/// the table does not know.
pub fn ec2_attachment_view(instance: &Instance) -> Option<(usize, usize)> {
    let limit = limit_for(&instance.instance_type)?;
    let ebs = instance
        .block_device_mappings
        .iter()
        .filter(|b| b.volume_id().is_some())
        .count();
    let used = match limit {
        AttachLimit::Shared(_) => ebs + instance.network_interface_count(),
        AttachLimit::Dedicated(_) => ebs,
    };
    Some((used, limit.slots()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::ec2::{BlockDeviceMapping, EbsMapping, NetworkInterface};

    fn instance(t: &str, volumes: usize, enis: usize) -> Instance {
        Instance {
            id: "i-0abc".into(),
            placement: Default::default(),
            instance_type: t.into(),
            state: Default::default(),
            block_device_mappings: (0..volumes)
                .map(|i| BlockDeviceMapping {
                    device: format!("/dev/xvd{i}"),
                    ebs: Some(EbsMapping {
                        volume_id: format!("vol-{i:x}"),
                    }),
                })
                .collect(),
            network_interfaces: vec![NetworkInterface::default(); enis],
            tags: vec![],
        }
    }

    #[test]
    fn shared_nitro_types_count_enis() {
        assert_eq!(limit_for("m5.large"), Some(AttachLimit::Shared(28)));
        assert_eq!(limit_for("t3.medium"), Some(AttachLimit::Shared(28)));
        assert_eq!(limit_for("r6i.32xlarge"), Some(AttachLimit::Shared(28)));
        assert_eq!(
            ec2_attachment_view(&instance("m5.xlarge", 25, 3)),
            Some((28, 28))
        );
        assert_eq!(
            ec2_attachment_view(&instance("c6i.large", 1, 2)),
            Some((3, 28))
        );
    }

    #[test]
    fn dedicated_types_count_only_ebs() {
        assert_eq!(limit_for("m7i.large"), Some(AttachLimit::Dedicated(32)));
        assert_eq!(limit_for("c7i.48xlarge"), Some(AttachLimit::Dedicated(128)));
        assert_eq!(
            limit_for("r7i.metal-48xl"),
            Some(AttachLimit::Dedicated(79))
        );
        assert_eq!(
            limit_for("m7i.metal-24xl"),
            Some(AttachLimit::Dedicated(39))
        );
        assert_eq!(
            ec2_attachment_view(&instance("m7i.2xlarge", 10, 6)),
            Some((10, 32))
        );
    }

    #[test]
    fn exceptions_and_unknown_types() {
        assert_eq!(limit_for("mac1.metal"), Some(AttachLimit::Shared(16)));
        assert_eq!(limit_for("d3.8xlarge"), Some(AttachLimit::Dedicated(3)));
        assert_eq!(limit_for("x9z.large"), None);
        assert_eq!(limit_for("garbage"), None);
        assert_eq!(ec2_attachment_view(&instance("", 1, 1)), None);
    }
}
