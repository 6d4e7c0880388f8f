//! `multiple-default-storageclasses`: more than one StorageClass is marked default.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;
use crate::k8s::Named;

pub static RULE: Rule = Rule {
    code: "multiple-default-storageclasses",
    severity: Severity::Warning,
    category: Category::Binding,
    summary: "More than one StorageClass carries the is-default-class annotation.",
    what: "Several StorageClasses are annotated storageclass.kubernetes.io/is-default-class: \"true\" (or the beta storageclass.beta.kubernetes.io/is-default-class). In a diagnosis it is reported when a claim under diagnosis sets no storageClassName; a scan always reports it.",
    why: "Claims without a class get the newest default class (Kubernetes 1.26+; older releases rejected such claims outright), which is rarely a deliberate choice: installing an add-on or an EKS upgrade that brings its own default (gp2) silently changes which volume type, encryption and binding mode new claims get.",
    fix: "Keep exactly one default: kubectl annotate storageclass NAME storageclass.kubernetes.io/is-default-class- (and the beta annotation, if set) on every other class.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    let defaults = cx.default_classes();
    let [picked, others @ ..] = defaults.as_slice() else {
        return;
    };
    if others.is_empty() {
        return;
    }
    let classless: Vec<String> = cx
        .pvcs()
        .iter()
        .filter(|p| k8s::pvc_class_name(p).is_none())
        .map(|p| format!("{}/{}", p.namespace_or_empty(), p.name()))
        .collect();
    if !cx.cluster_wide() && classless.is_empty() {
        return;
    }
    let name = |sc: &k8s_openapi::api::storage::v1::StorageClass| {
        sc.metadata.name.clone().unwrap_or_default()
    };
    let picked_name = name(picked);
    let all: Vec<String> = defaults.iter().map(|sc| name(sc)).collect();
    let mut f = Finding::new(
        &RULE,
        ObjectRef::of(*picked),
        format!(
            "{} StorageClasses are marked default ({}); claims without a class get \"{picked_name}\", the newest",
            defaults.len(),
            all.join(", ")
        ),
    );
    for sc in &defaults {
        let key = k8s::DEFAULT_CLASS_ANNOTATIONS
            .iter()
            .find(|k| {
                sc.metadata
                    .annotations
                    .as_ref()
                    .and_then(|a| a.get(**k))
                    .is_some_and(|v| v == "true")
            })
            .copied()
            .unwrap_or(k8s::DEFAULT_CLASS_ANNOTATIONS[0]);
        f = f.evidence(format!(
            "StorageClass {} ({}, created {} ago): {key}: \"true\"",
            name(sc),
            sc.provisioner,
            cx.age(sc.metadata.creation_timestamp.as_ref().map(|t| t.0))
        ));
    }
    if !classless.is_empty() {
        f = f.evidence(format!(
            "claims without storageClassName: {}",
            classless.join(", ")
        ));
    }
    let unmark: Vec<String> = others
        .iter()
        .map(|sc| {
            format!(
                "kubectl annotate storageclass {} storageclass.kubernetes.io/is-default-class- storageclass.beta.kubernetes.io/is-default-class-",
                name(sc)
            )
        })
        .collect();
    out.push(f.fix(format!(
        "keep one default; to keep \"{picked_name}\": {} (or unmark \"{picked_name}\" instead if another class should be the default)",
        unmark.join(" && ")
    )));
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_and_names_the_class_kubernetes_picks() {
        let f = assert_fires("multiple-default-storageclasses");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert_eq!(f[0].object.kind, "StorageClass");
        assert_eq!(f[0].object.name, "gp3");
        assert!(
            f[0].message
                .contains("2 StorageClasses are marked default (gp3, gp2); claims without a class get \"gp3\""),
            "{}",
            f[0].message
        );
        assert!(
            f[0].evidence.iter().any(|e| e.contains("gp2")
                && e.contains("storageclass.beta.kubernetes.io/is-default-class")),
            "{:?}",
            f[0].evidence
        );
        assert!(
            f[0].fix.contains(
                "kubectl annotate storageclass gp2 storageclass.kubernetes.io/is-default-class-"
            ),
            "{}",
            f[0].fix
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("multiple-default-storageclasses");
    }
}
