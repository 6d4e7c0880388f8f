//! `legacy-aws-ebs-provisioner`: a class still uses the removed in-tree EBS provisioner.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;

pub static RULE: Rule = Rule {
    code: "legacy-aws-ebs-provisioner",
    severity: Severity::Warning,
    category: Category::Provisioning,
    summary: "A StorageClass uses the in-tree kubernetes.io/aws-ebs provisioner, removed in Kubernetes 1.27.",
    what: "A StorageClass in use names the provisioner kubernetes.io/aws-ebs. The in-tree EBS plugin was removed in Kubernetes 1.27; such classes keep working only through CSI migration, which hands every operation to the ebs.csi.aws.com driver.",
    why: "Without the EBS CSI driver installed, claims of this class never provision or attach. With it, the class works but hides the real driver from people reading it, and some parameters differ between the in-tree and CSI forms.",
    fix: "Create an equivalent class with provisioner: ebs.csi.aws.com (same type/iops parameters, volumeBindingMode: WaitForFirstConsumer) and use it for new claims; existing PVs keep working through migration.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let mut classes: Vec<_> = if cx.cluster_wide() {
        cx.snap.storage_classes.iter().collect()
    } else {
        cx.pvcs().iter().filter_map(|p| cx.class_of(p)).collect()
    };
    classes.sort_by_key(|sc| sc.metadata.name.clone());
    classes.dedup_by_key(|sc| sc.metadata.name.clone());
    for sc in classes
        .into_iter()
        .filter(|sc| sc.provisioner == k8s::IN_TREE_EBS)
    {
        let name = sc.name();
        let params = sc.parameters.clone().unwrap_or_default();
        // Zones move to allowedTopologies (or away: WaitForFirstConsumer picks the zone).
        let kept: Vec<String> = params
            .iter()
            .filter(|(k, _)| {
                matches!(
                    k.as_str(),
                    "type" | "iopsPerGB" | "iops" | "throughput" | "encrypted" | "kmsKeyId"
                )
            })
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        // On EKS Auto Mode the migration target (ebs.csi.aws.com) is not there: name its driver.
        let driver = k8s::cluster_ebs_driver(&cx.snap.csi_drivers, &cx.snap.csi_nodes);
        out.push(
            Finding::new(&RULE, ObjectRef::of(sc), format!("Class \"{name}\" uses kubernetes.io/aws-ebs; switch to {driver}"))
                .evidence(format!("StorageClass {name} provisioner: kubernetes.io/aws-ebs"))
                .fix(format!(
                    "create a class with provisioner: {driver}{} and volumeBindingMode: WaitForFirstConsumer, and use it for new claims",
                    if kept.is_empty() { String::new() } else { format!(" (parameters {})", kept.join(", ")) }
                )),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_on_the_in_tree_class() {
        let f = assert_fires("legacy-aws-ebs-provisioner");
        assert_eq!(f[0].object.kind, "StorageClass");
        assert!(f[0].fix.contains("type=io1"), "{}", f[0].fix);
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("legacy-aws-ebs-provisioner");
    }
}
