//! `orphaned-ebs-volume`: an available, Kubernetes-created EBS volume that backs no PV (scan only).

use super::super::{Category, Finding, Rule, Severity};
use super::{age_of, volume_ref};
use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::Kind;

pub static RULE: Rule = Rule {
    code: "orphaned-ebs-volume",
    severity: Severity::Warning,
    category: Category::Cluster,
    summary: "An available EBS volume created for Kubernetes backs no PV: paying for nothing, or data to re-import.",
    what: "In `scan`, lists EBS volumes in state available that carry the tags the EBS CSI driver or the in-tree provisioner set (ebs.csi.aws.com/cluster, CSIVolumeName, kubernetes.io/created-for/pvc/name) and compares them with every PV's volume id.",
    why: "PVs with reclaim policy Retain leave their volume behind when deleted; clusters torn down without deleting claims leave many. Each costs money every month, and some hold data someone will look for later.",
    fix: "If the data is wanted, re-import it: kubectl storage import-ebs VOL_ID; otherwise snapshot it (aws ec2 create-snapshot) and delete it (aws ec2 delete-volume).",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    if !cx.cluster_wide() || cx.unknown(Kind::PersistentVolume, None).is_some() {
        return;
    }
    let used: std::collections::HashSet<&str> =
        cx.snap.pvs.iter().filter_map(k8s::pv_volume_id).collect();
    for v in &cx.snap.ec2.volumes {
        if v.state != "available" || !v.has_kubernetes_tags() || used.contains(v.id.as_str()) {
            continue;
        }
        let age = age_of(cx, v.create_time.as_deref());
        let origin = match (
            v.tag(crate::k8s::TAG_PVC_NAMESPACE),
            v.tag(crate::k8s::TAG_PVC_NAME),
            v.tag(crate::k8s::TAG_CSI_VOLUME_NAME),
        ) {
            (Some(ns), Some(n), _) => format!("; created for PVC {ns}/{n}"),
            (None, Some(n), _) => format!("; created for PVC {n}"),
            (_, _, Some(pv)) => format!("; created as PV {pv}"),
            _ => String::new(),
        };
        let mut f = Finding::new(
            &RULE,
            volume_ref(&v.id),
            format!(
                "EBS volume {} ({}, {}, {age} old) is available and backs no PV{origin}",
                v.id,
                v.short(),
                v.az
            ),
        )
        .fix(format!(
            "re-import it with `kubectl storage import-ebs {}`, or snapshot and delete it: aws ec2 create-snapshot --volume-id {0} && aws ec2 delete-volume --volume-id {0}",
            v.id
        ));
        for t in v.tags.iter().filter(|t| {
            t.key.starts_with("kubernetes.io/")
                || crate::k8s::EBS_DRIVERS
                    .iter()
                    .any(|d| t.key.strip_prefix(d).is_some_and(|r| r.starts_with('/')))
                || t.key == crate::k8s::TAG_CSI_VOLUME_NAME
        }) {
            f = f.evidence(format!("tag {}={}", t.key, t.value));
        }
        out.push(f);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_in_scan_mode_for_an_unused_tagged_volume() {
        let f = assert_fires("orphaned-ebs-volume");
        let m = &f[0].message;
        assert!(
            m.contains("vol-0fffffffffffff001 (50Gi gp3, us-east-1a"),
            "{m}"
        );
        assert!(m.contains("created for PVC shop/data-old-0"), "{m}");
        assert!(f[0]
            .fix
            .contains("kubectl storage import-ebs vol-0fffffffffffff001"));
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("orphaned-ebs-volume");
    }
}
