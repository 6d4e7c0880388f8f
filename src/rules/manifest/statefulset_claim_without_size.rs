//! `statefulset-claim-without-size`: a StatefulSet volumeClaimTemplate that requests no storage.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s::Named;

pub static RULE: Rule = Rule {
    code: "statefulset-claim-without-size",
    severity: Severity::Error,
    category: Category::Manifest,
    summary: "A StatefulSet's volumeClaimTemplate has no resources.requests.storage, so no replica's claim can be created.",
    what: "Each volumeClaimTemplate of a StatefulSet becomes one PersistentVolumeClaim per replica. This fires when a template has no `spec.resources.requests.storage`.",
    why: "The API server accepts the StatefulSet, but every claim the controller creates from the template is invalid (\"spec.resources[storage]: Required value\"): the controller reports FailedCreate and no replica pod is ever created. Nothing is Pending to look at, so it is easy to miss.",
    fix: "Add spec.resources.requests.storage (e.g. 10Gi) to the volumeClaimTemplate. volumeClaimTemplates are immutable: delete the StatefulSet with --cascade=orphan and recreate it.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for sts in &cx.snap.statefulsets {
        let name = sts.name();
        let templates = sts
            .spec
            .as_ref()
            .and_then(|s| s.volume_claim_templates.as_deref())
            .unwrap_or_default();
        for (i, t) in templates.iter().enumerate() {
            let sized = t
                .spec
                .as_ref()
                .and_then(|s| s.resources.as_ref())
                .and_then(|r| r.requests.as_ref())
                .is_some_and(|r| r.contains_key("storage"));
            if sized {
                continue;
            }
            let t_name = t.metadata.name.as_deref().unwrap_or("(unnamed)");
            out.push(
                Finding::new(
                    &RULE,
                    ObjectRef::of(sts),
                    format!(
                        "StatefulSet {name}'s volumeClaimTemplate \"{t_name}\" requests no storage: claim {t_name}-{name}-0 cannot be created, so no replica starts"
                    ),
                )
                .evidence(format!(
                    "spec.volumeClaimTemplates[{i}]: no spec.resources.requests.storage"
                ))
                .fix(format!(
                    "add resources: {{requests: {{storage: 10Gi}}}} (your size) to volumeClaimTemplate \"{t_name}\" of StatefulSet {name}"
                )),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_on_a_template_without_size() {
        let f = assert_fires("statefulset-claim-without-size");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message
                .contains("volumeClaimTemplate \"data\" requests no storage")
                && f[0].message.contains("data-db-0"),
            "{}",
            f[0].message
        );
        assert_eq!(f[0].object.kind, "StatefulSet");
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("statefulset-claim-without-size");
    }
}
