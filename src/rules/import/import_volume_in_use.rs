//! `import-volume-in-use`: the EBS volume is attached to an instance that is not a node of this
//! cluster.

use std::collections::BTreeMap;

use super::super::{Category, Finding, Rule, Severity};
use crate::rules::ebs::volume_ref;
use crate::snapshot::ec2::Volume;

pub static RULE: Rule = Rule {
    code: "import-volume-in-use",
    severity: Severity::Error,
    category: Category::Import,
    summary: "The EBS volume to import is in-use by an instance the cluster does not know.",
    what: "Before planning a PV, `import-ebs` reads the volume's EC2 attachments and compares their instance ids with the instance ids in the cluster's nodes' spec.providerID (aws:///<zone>/<instance-id>). It fires when the volume is attached to any other instance: an EC2 machine outside the cluster, a node of another cluster, a terminated node's replacement.",
    why: "EBS volumes (except io2 multi-attach) attach to one instance at a time. A PV for a volume another machine is using can never attach here ('VolumeInUse'), and if that machine still writes to it, mounting it a second time corrupts the filesystem. Importing such a volume usually means the migration's cut-over step was skipped.",
    fix: "Stop the workload on that instance and detach the volume (aws ec2 detach-volume --volume-id VOL), wait until it is `available`, then run the import again.",
    check: super::on_chains,
};

/// Fires when `vol` has a live attachment to an instance not in `node_of_instance`
/// (instance id → node name).
pub fn check(vol: &Volume, node_of_instance: &BTreeMap<&str, &str>) -> Option<Finding> {
    let foreign: Vec<String> = vol
        .live_attachments()
        .filter(|a| !node_of_instance.contains_key(a.instance_id.as_str()))
        .map(|a| format!("{} ({})", a.instance_id, a.state))
        .collect();
    if foreign.is_empty() {
        return None;
    }
    let mut f = Finding::new(
        &RULE,
        volume_ref(&vol.id),
        format!(
            "EBS volume {} is in-use by {}, which is not a node of this cluster",
            vol.id,
            foreign.join(", ")
        ),
    )
    .fix(format!(
        "stop what uses it there and detach it (aws ec2 detach-volume --volume-id {}), then import it again",
        vol.id
    ));
    for a in vol.live_attachments() {
        f = f.evidence(format!(
            "DescribeVolumes {}: State={}, Attachments[].InstanceId={} ({}{})",
            vol.id,
            vol.state,
            a.instance_id,
            a.state,
            a.device
                .as_deref()
                .map(|d| format!(", {d}"))
                .unwrap_or_default()
        ));
    }
    Some(f)
}

#[cfg(test)]
mod tests {
    use crate::rules::import::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_for_a_volume_attached_outside_the_cluster() {
        let f = assert_fires("import-volume-in-use");
        assert_eq!(f[0].object.name, "vol-0bbbbbbbbbbbbbb01");
        assert!(
            f[0].message
                .contains("in-use by i-0fffffffffffff999 (attached)"),
            "{}",
            f[0].message
        );
        assert!(f[0]
            .fix
            .contains("detach-volume --volume-id vol-0bbbbbbbbbbbbbb01"));
    }

    #[test]
    fn healthy_twin_attached_to_our_own_node() {
        assert_healthy("import-volume-in-use");
    }
}
