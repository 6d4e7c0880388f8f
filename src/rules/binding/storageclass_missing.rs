//! `storageclass-missing`: a pending claim names a StorageClass that does not exist.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::{ClaimClass, Ctx};
use crate::k8s;
use crate::k8s::Named;
use crate::snapshot::Lookup;

pub static RULE: Rule = Rule {
    code: "storageclass-missing",
    severity: Severity::Error,
    category: Category::Binding,
    summary: "A pending PVC names a StorageClass that does not exist, and no PV of that class can bind it.",
    what: "A PersistentVolumeClaim is Pending, its storageClassName names a class that is not in the cluster, and no PersistentVolume of that class is Available to bind it statically.",
    why: "The PV controller can neither bind the claim to an existing volume nor ask a provisioner for a new one: it records ProvisioningFailed 'storageclass.storage.k8s.io \"NAME\" not found' and the claim, and every pod using it, waits forever. A typo in the class name or a class that was never installed (or was renamed) is the usual cause.",
    fix: "Point the claim at an existing class (storageClassName is immutable: recreate the PVC, or fix the StatefulSet's volumeClaimTemplates and delete the pending claim), or create the missing StorageClass.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    // The classes some Available PV has, gathered once (at the first claim that needs them): a
    // scan's pending claims are not each checked against every PV.
    let mut available: Option<std::collections::HashSet<&str>> = None;
    for pvc in cx.pvcs() {
        if k8s::pvc_phase(pvc) == "Bound" {
            continue;
        }
        let ClaimClass::Named(name, Lookup::Missing) = cx.claim_class(pvc) else {
            continue;
        };
        // A static PV of that class can still bind it: the class object is then not needed.
        let available = available.get_or_insert_with(|| {
            cx.snap
                .pvs
                .iter()
                .filter(|pv| k8s::pv_phase(pv) == "Available")
                .map(k8s::pv_class_name)
                .collect()
        });
        if available.contains(name) {
            continue;
        }
        let ns = pvc.namespace_or_empty();
        let pvc_name = pvc.name();
        let existing: Vec<String> = cx
            .snap
            .storage_classes
            .iter()
            .map(|sc| {
                let n = sc.metadata.name.clone().unwrap_or_default();
                if k8s::is_default_class(sc) {
                    format!("{n} (default)")
                } else {
                    n
                }
            })
            .collect();
        let mut f = Finding::new(
            &RULE,
            ObjectRef::of(*pvc),
            format!("Claim {ns}/{pvc_name} names StorageClass \"{name}\", which does not exist"),
        )
        .evidence(format!("{ns}/{pvc_name} spec.storageClassName: {name}"))
        .evidence(if existing.is_empty() {
            "the cluster has no StorageClasses".to_string()
        } else {
            format!("existing classes: {}", existing.join(", "))
        });
        if let Some(e) = cx
            .pvc_events(pvc)
            .into_iter()
            .rev()
            .find(|e| e.reason == "ProvisioningFailed" && e.message.contains("not found"))
        {
            f = f.evidence(cx.event_evidence(e));
        }
        let closest = closest_name(
            name,
            cx.snap
                .storage_classes
                .iter()
                .filter_map(|s| s.metadata.name.as_deref()),
        );
        f = f.fix(match closest {
            Some(c) => format!("did you mean \"{c}\"? Recreate the claim with storageClassName: {c} (the field is immutable), or create StorageClass \"{name}\""),
            None => format!("recreate the claim with an existing storageClassName (the field is immutable), or create StorageClass \"{name}\""),
        });
        out.push(f);
    }
}

/// The existing name nearest to `name` by edit distance, when it is a plausible typo.
fn closest_name<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .map(|c| (distance(name, c), c))
        .filter(|(d, c)| *d <= 2.max(c.len() / 4))
        .min()
        .map(|(_, c)| c)
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_on_a_typo_and_suggests_the_real_class() {
        let f = assert_fires("storageclass-missing");
        assert_eq!(f[0].object.name, "data-db-0");
        assert!(
            f[0].message.contains("\"gp3-encryptd\""),
            "{}",
            f[0].message
        );
        assert!(
            f[0].fix.contains("did you mean \"gp3-encrypted\""),
            "{}",
            f[0].fix
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("storageclass-missing");
    }
}
