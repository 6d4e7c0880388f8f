//! `import-no-node-in-zone`: no schedulable node runs in the EBS volume's availability zone.

use k8s_openapi::api::core::v1::Node;

use super::super::{Category, Finding, Rule, Severity};
use crate::k8s;
use crate::rules::ebs::volume_ref;
use crate::snapshot::ec2::Volume;

pub static RULE: Rule = Rule {
    code: "import-no-node-in-zone",
    severity: Severity::Error,
    category: Category::Import,
    summary: "No schedulable node runs in the availability zone of the EBS volume to import.",
    what: "An imported PV carries node affinity to its volume's availability zone, because EBS volumes only attach to instances in their own zone. `import-ebs` compares the volume's AZ with the zone labels (topology.kubernetes.io/zone, topology.ebs.csi.aws.com/zone) of the Ready, uncordoned nodes.",
    why: "With no node in that zone the PV can be created and even bound, but every pod using it stays Pending with 'node(s) didn't match PersistentVolume's node affinity'. Restored snapshots land in the wrong zone easily: create-volume takes any AZ of the region.",
    fix: "Add (or uncordon) a node in the volume's zone, or move the data: snapshot the volume and create a new one from the snapshot in a zone where nodes run, then import that one.",
    check: super::on_chains,
};

/// Fires when none of `nodes` is schedulable in `vol`'s zone.
pub fn check(vol: &Volume, nodes: &[Node]) -> Option<Finding> {
    let schedulable: Vec<&Node> = nodes.iter().filter(|n| k8s::node_schedulable(n)).collect();
    if schedulable
        .iter()
        .any(|n| k8s::node_zone(n) == Some(vol.az.as_str()))
    {
        return None;
    }
    let mut zones: std::collections::BTreeMap<&str, usize> = Default::default();
    for n in &schedulable {
        *zones
            .entry(k8s::node_zone(n).unwrap_or("no zone label"))
            .or_default() += 1;
    }
    let summary = if zones.is_empty() {
        "no schedulable nodes".to_string()
    } else {
        zones
            .iter()
            .map(|(z, c)| format!("{z} ×{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut f = Finding::new(
        &RULE,
        volume_ref(&vol.id),
        format!(
            "EBS volume {} is in {}, where no schedulable node runs (nodes: {summary})",
            vol.id, vol.az
        ),
    )
    .evidence(format!("DescribeVolumes {}: AvailabilityZone={}", vol.id, vol.az))
    .fix(format!(
        "add a node in {}, or snapshot {} and create a volume from it in a zone with nodes ({}), then import that one",
        vol.az,
        vol.id,
        zones.keys().copied().collect::<Vec<_>>().join(", ")
    ));
    let unschedulable: Vec<&str> = nodes
        .iter()
        .filter(|n| k8s::node_zone(n) == Some(vol.az.as_str()) && !k8s::node_schedulable(n))
        .filter_map(|n| n.metadata.name.as_deref())
        .collect();
    if !unschedulable.is_empty() {
        f = f.evidence(format!(
            "nodes in {} that are not Ready or are cordoned: {}",
            vol.az,
            unschedulable.join(", ")
        ));
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::rules::import::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_for_the_seed_like_volume_in_us_east_1d() {
        let f = assert_fires("import-no-node-in-zone");
        assert_eq!(
            f[0].message,
            "EBS volume vol-0ddddddddddddddd1 is in us-east-1d, where no schedulable node runs (nodes: us-east-1a ×1, us-east-1b ×1, us-east-1c ×1)"
        );
    }

    #[test]
    fn healthy_twin_with_a_node_in_the_zone() {
        assert_healthy("import-no-node-in-zone");
    }
}
