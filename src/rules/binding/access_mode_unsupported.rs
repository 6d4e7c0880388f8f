//! `access-mode-unsupported`: ReadWriteMany / ReadOnlyMany asked of EBS, which attaches a volume
//! to one node at a time (io2 multi-attach aside, for Block volumes only).

use crate::k8s::Named;
use crate::model::PersistentVolume;
use k8s_openapi::api::storage::v1::StorageClass;

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use super::fit;
use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::{EventRecord, Lookup};

pub static RULE: Rule = Rule {
    code: "access-mode-unsupported",
    severity: Severity::Error,
    category: Category::Binding,
    summary: "ReadWriteMany or ReadOnlyMany is requested from an EBS-backed class or PV.",
    what: "A PersistentVolumeClaim asks an EBS StorageClass (ebs.csi.aws.com, or in-tree kubernetes.io/aws-ebs) for ReadWriteMany or ReadOnlyMany, or an EBS PersistentVolume declares those modes. EBS volumes attach to a single node; the only exception is io2 Multi-Attach, which the driver offers for ReadWriteMany with volumeMode: Block.",
    why: "The driver rejects the request: ProvisioningFailed with 'Volume capabilities not supported' (CreateVolume, driver 1.25+; older drivers: 'Volume capabilities … not supported. Only AccessModes[ReadWriteOnce] supported.'), or at attach time 'Volume capability not supported'. The claim stays Pending, or a static PV that promises RWX fails as soon as a second node needs it.",
    fix: "Use ReadWriteOnce (or ReadWriteOncePod) and run one pod per volume (a StatefulSet gives each replica its own claim). For storage shared between nodes use EFS (efs.csi.aws.com). For real multi-writer block storage use an io2 class with volumeMode: Block and an application that coordinates writes.",
    check,
};

const SHARED: [&str; 2] = ["ReadWriteMany", "ReadOnlyMany"];

pub(crate) const DRIVER_TEXTS: [&str; 3] = [
    "Volume capabilities not supported",
    "Volume capability not supported",
    "Only AccessModes[ReadWriteOnce] supported",
];

fn shared_modes(modes: &[String]) -> Vec<String> {
    modes
        .iter()
        .filter(|m| SHARED.contains(&m.as_str()))
        .cloned()
        .collect()
}

/// The EBS volume type a class asks for (`type` parameter), if it names one.
fn class_type(sc: &StorageClass) -> Option<String> {
    sc.parameters
        .as_ref()
        .and_then(|p| p.get("type"))
        .map(|t| t.to_ascii_lowercase())
}

/// io2 Multi-Attach: ReadWriteMany of a Block volume.
fn multi_attach_ok(shared: &[String], volume_mode: &str, volume_type: Option<&str>) -> bool {
    volume_mode == "Block"
        && shared.iter().all(|m| m == "ReadWriteMany")
        && volume_type.is_none_or(|t| t == "io2")
}

fn driver_event(events: Vec<&EventRecord>) -> Option<&EventRecord> {
    events
        .into_iter()
        .rev()
        .find(|e| DRIVER_TEXTS.iter().any(|t| e.message.contains(t)))
}

fn fix_for(volume_mode: &str, shared: &[String]) -> String {
    let multi = if volume_mode == "Block" && shared.iter().all(|m| m == "ReadWriteMany") {
        "; or keep ReadWriteMany on a class with type: io2 (Multi-Attach, Block mode only)"
    } else {
        ""
    };
    format!("use accessModes: [ReadWriteOnce] (one pod per volume; a StatefulSet gives each replica its own claim), or use EFS (efs.csi.aws.com) for files shared between nodes{multi}")
}

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let mut reported_pvs = Vec::new();
    for pvc in cx.pvcs() {
        let shared = shared_modes(fit::claim_modes(pvc));
        if shared.is_empty() {
            continue;
        }
        let key = fit::claim_key(pvc);
        let volume_mode = fit::claim_volume_mode(pvc);
        let bound_pv = match cx.pv_of(pvc) {
            Some(Lookup::Found(pv)) => Some(pv),
            _ => None,
        };
        let class = cx
            .class_of(pvc)
            .filter(|sc| k8s::is_ebs_provisioner(&sc.provisioner));
        let (what, vtype) = match (class, bound_pv) {
            (Some(sc), _) => {
                let t = class_type(sc);
                (
                    format!(
                        "class \"{}\" ({}, {})",
                        sc.name(),
                        sc.provisioner,
                        t.as_deref()
                            .map(|t| format!("type {t}"))
                            .unwrap_or_else(|| "default volume type".into())
                    ),
                    // Without a type parameter the class does not create io2.
                    Some(t.unwrap_or_default()),
                )
            }
            (None, Some(pv)) if k8s::pv_is_ebs(pv) => (
                format!(
                    "EBS PV {} ({})",
                    pv.name(),
                    k8s::pv_volume_id(pv).unwrap_or("?")
                ),
                None,
            ),
            _ => continue,
        };
        if multi_attach_ok(&shared, volume_mode, vtype.as_deref()) {
            continue;
        }
        if let Some(pv) = bound_pv {
            reported_pvs.push(pv.metadata.name.clone());
        }
        let modes = k8s::short_modes(&shared);
        let mut f = Finding::new(
            &RULE,
            ObjectRef::of(*pvc),
            format!("Claim {key} asks for {modes} from {what}: EBS volumes attach to one node at a time"),
        )
        .evidence(format!(
            "{key} spec.accessModes: [{}], volumeMode: {volume_mode}",
            fit::claim_modes(pvc).join(", ")
        ))
        .fix(fix_for(volume_mode, &shared));
        if volume_mode == "Block" && vtype.as_deref().is_some_and(|t| t != "io2") {
            f = f.evidence(format!(
                "Multi-Attach needs type io2; the class creates {}",
                match vtype.as_deref() {
                    Some("") | None => "its default type",
                    Some(t) => t,
                }
            ));
        } else if volume_mode != "Block" && shared.iter().all(|m| m == "ReadWriteMany") {
            f = f.evidence("io2 Multi-Attach works only with volumeMode: Block".to_string());
        }
        let mut events = cx.pvc_events(pvc);
        let ns = pvc.namespace_or_empty();
        for pod in cx.pods_using(ns, pvc.name()) {
            events.extend(cx.pod_events(pod));
        }
        events.sort_by_key(|e| e.last);
        if let Some(e) = driver_event(events) {
            f = f.evidence(cx.event_evidence(e));
        }
        out.push(f);
    }
    for pv in cx.pvs() {
        if !k8s::pv_is_ebs(pv) || reported_pvs.contains(&pv.metadata.name) {
            continue;
        }
        let shared = shared_modes(fit::pv_modes(pv));
        if shared.is_empty() {
            continue;
        }
        // Unknown type (no class, or no type parameter): give Block RWX the benefit of the doubt.
        let vtype = class_of_pv(cx, pv).and_then(class_type);
        let volume_mode = fit::pv_volume_mode(pv);
        if multi_attach_ok(&shared, volume_mode, vtype.as_deref()) {
            continue;
        }
        let name = pv.name();
        let modes = k8s::short_modes(&shared);
        let mut f = Finding::new(
            &RULE,
            ObjectRef::of(*pv),
            format!(
                "PV {name} (EBS volume {}) declares {modes}, but EBS attaches to one node at a time",
                k8s::pv_volume_id(pv).unwrap_or("?")
            ),
        )
        .evidence(format!(
            "{name} spec.accessModes: [{}], volumeMode: {volume_mode}",
            fit::pv_modes(pv).join(", ")
        ))
        .fix(format!(
            "recreate PV {name} with accessModes: [ReadWriteOnce] (set persistentVolumeReclaimPolicy: Retain first so the EBS volume survives), and run one pod per volume"
        ));
        if let Some(e) = driver_event(cx.events_for("PersistentVolume", None, name)) {
            f = f.evidence(cx.event_evidence(e));
        }
        out.push(f);
    }
}

fn class_of_pv<'a>(cx: &Ctx<'a>, pv: &PersistentVolume) -> Option<&'a StorageClass> {
    let name = k8s::pv_class_name(pv);
    (!name.is_empty()).then(|| cx.class(name).found()).flatten()
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_for_rwx_on_gp3() {
        let f = assert_fires("access-mode-unsupported");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].object.name, "shared-uploads");
        assert!(
            f[0].message.contains("asks for RWX from class \"gp3\"")
                && f[0].message.contains("type gp3"),
            "{}",
            f[0].message
        );
        assert!(
            f[0].evidence
                .iter()
                .any(|e| e.contains("ProvisioningFailed")
                    && e.contains("Volume capabilities not supported")),
            "{:?}",
            f[0].evidence
        );
        assert!(f[0].fix.contains("efs.csi.aws.com"), "{}", f[0].fix);
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("access-mode-unsupported");
    }
}
