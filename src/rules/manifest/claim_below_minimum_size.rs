//! `claim-below-minimum-size`: a claim smaller than the smallest volume its EBS type allows.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use super::class_ebs_type;
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;

pub static RULE: Rule = Rule {
    code: "claim-below-minimum-size",
    severity: Severity::Error,
    category: Category::Manifest,
    summary: "A claim requests less than the minimum size of its class's EBS volume type (io1/io2 4 GiB, st1/sc1 125 GiB).",
    what: "Compares a Pending claim's storage request with the smallest volume EC2 creates for the class's type: 4 GiB for io1 and io2, 125 GiB for st1 and sc1, 1 GiB for gp2, gp3 and standard. Error for io1/io2/st1/sc1; info for gp2/gp3/standard, where the driver rounds the request up to 1 GiB.",
    why: "EC2 refuses to create the volume (\"InvalidParameterValue: Volume of 2GiB is too small; minimum is 4GiB\"); the claim stays Pending with ProvisioningFailed events and its pod never schedules.",
    fix: "Request at least the type's minimum (io1/io2: 4Gi, st1/sc1: 125Gi), or use a class of another type (gp3 takes 1 GiB and up).",
    check,
};

const GIB: u128 = 1024 * 1024 * 1024;

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pvc in cx.pvcs().iter().filter(|p| k8s::pvc_phase(p) != "Bound") {
        let Some(sc) = cx.class_of(pvc) else { continue };
        let Some(ty) = class_ebs_type(sc) else {
            continue;
        };
        let Some(request) = k8s::pvc_request(pvc) else {
            continue;
        };
        let min = u128::from(ty.min_gib) * GIB;
        if request >= min {
            continue;
        }
        let name = pvc.name();
        let class = sc.name();
        let asked = pvc
            .spec
            .as_ref()
            .and_then(|s| s.resources.as_ref())
            .and_then(|r| r.requests.as_ref())
            .and_then(|r| r.get("storage"))
            .map(|q| q.0.clone())
            .unwrap_or_default();
        let f = Finding::new(
            &RULE,
            ObjectRef::of(*pvc),
            if ty.min_gib > 1 {
                format!(
                    "Claim {name} requests {asked} but class \"{class}\" creates {} volumes, whose minimum is {} GiB: EC2 refuses to create it",
                    ty.name, ty.min_gib
                )
            } else {
                format!(
                    "Claim {name} requests {asked}; {} volumes of class \"{class}\" come in whole GiB, so it gets 1 GiB",
                    ty.name
                )
            },
        )
        .evidence(format!("spec.resources.requests.storage: {asked}"))
        .evidence(format!("StorageClass {class}: type {}", ty.name))
        .fix(format!(
            "request at least {}Gi for claim {name}, or use a class of another type",
            ty.min_gib
        ));
        out.push(if ty.min_gib > 1 {
            f
        } else {
            f.severity(Severity::Info)
        });
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};
    use crate::rules::Severity;

    #[test]
    fn fires_below_the_io1_minimum() {
        let f = assert_fires("claim-below-minimum-size");
        let io1 = f
            .iter()
            .find(|f| f.object.name == "small-io1")
            .expect("io1 claim");
        assert_eq!(io1.severity, Severity::Error);
        assert!(
            io1.message.contains("requests 2Gi")
                && io1.message.contains("io1 volumes, whose minimum is 4 GiB"),
            "{}",
            io1.message
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("claim-below-minimum-size");
    }
}
