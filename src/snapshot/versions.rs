//! The API versions of each kind that real clusters print, and how an older one becomes the
//! version the model reads.
//!
//! Clusters still in use serve kinds in versions the model's types no longer name: a 1.17
//! cluster prints CSIDrivers as `storage.k8s.io/v1beta1`, a 1.16 one CSINodes too, and
//! `kubectl get events.events.k8s.io` on old releases prints `events.k8s.io/v1beta1`. Those
//! versions hold the same fields as the current one for everything the diagnosis reads, so
//! converting them is renaming the version (plus the defaults the older API applied, where the
//! current one requires a field). A version this table does not know is not guessed at: its
//! objects are skipped and the kind is reported as not checked.

use serde_json::Value;

use super::Kind;

/// For each kind: the version the model reads, then the older versions converted into it.
/// (Events have two current versions, two different types: core `v1` and `events.k8s.io/v1`.)
const VERSIONS: &[(Kind, &str, &[&str])] = &[
    (Kind::Pod, "v1", &[]),
    (Kind::PersistentVolumeClaim, "v1", &[]),
    (Kind::PersistentVolume, "v1", &[]),
    (Kind::Node, "v1", &[]),
    // v1beta1 served up to 1.21 (v1 since 1.6).
    (
        Kind::StorageClass,
        "storage.k8s.io/v1",
        &["storage.k8s.io/v1beta1"],
    ),
    // v1beta1 is the only version up to 1.17, served up to 1.21.
    (
        Kind::CSIDriver,
        "storage.k8s.io/v1",
        &["storage.k8s.io/v1beta1"],
    ),
    // v1beta1 is the only version up to 1.16 (no `allocatable` before 1.17), served up to 1.21.
    (
        Kind::CSINode,
        "storage.k8s.io/v1",
        &["storage.k8s.io/v1beta1"],
    ),
    // v1alpha1 and v1beta1 hold v1's fields (v1 since 1.13).
    (
        Kind::VolumeAttachment,
        "storage.k8s.io/v1",
        &["storage.k8s.io/v1beta1", "storage.k8s.io/v1alpha1"],
    ),
    // apps/v1beta1 and v1beta2 served up to 1.15; v1beta1 defaulted the selector.
    (
        Kind::StatefulSet,
        "apps/v1",
        &["apps/v1beta1", "apps/v1beta2"],
    ),
    // Deployments: apps/v1 since 1.9; the betas (gone in 1.16) hold the template the same way.
    (
        Kind::Deployment,
        "apps/v1",
        &["apps/v1beta1", "apps/v1beta2"],
    ),
    (Kind::Job, "batch/v1", &[]),
    // batch/v1beta1 CronJobs (up to 1.24) hold v1's fields.
    (Kind::CronJob, "batch/v1", &["batch/v1beta1"]),
    (Kind::Event, "v1", &[]),
    // events.k8s.io/v1beta1 (1.8 to 1.24) has v1's fields plus a deprecated `series.state`.
    (Kind::Event, "events.k8s.io/v1", &["events.k8s.io/v1beta1"]),
];

/// The version an object of `kind` printed as `api_version` is read as: itself when current,
/// the current one when it is a known older version, `None` when this tool does not know it.
pub fn read_as(kind: Kind, api_version: &str) -> Option<&'static str> {
    VERSIONS
        .iter()
        .filter(|(k, ..)| *k == kind)
        .find(|(_, current, older)| *current == api_version || older.contains(&api_version))
        .map(|(_, current, _)| *current)
}

/// The versions of `kind` this tool reads, newest first, for messages.
pub fn known(kind: Kind) -> Vec<&'static str> {
    VERSIONS
        .iter()
        .filter(|(k, ..)| *k == kind)
        .flat_map(|(_, current, older)| std::iter::once(*current).chain(older.iter().copied()))
        .collect()
}

/// Converts an object of a known older version (`doc`, a JSON object) into `current`
/// ([`read_as`]): the version renamed, and the defaults the older API applied filled in.
pub fn convert(kind: Kind, current: &str, mut doc: Value) -> Value {
    let Value::Object(map) = &mut doc else {
        return doc;
    };
    let older = map.insert("apiVersion".into(), Value::String(current.into()));
    let from = older.as_ref().and_then(Value::as_str).unwrap_or_default();
    if matches!(kind, Kind::StatefulSet | Kind::Deployment) && from == "apps/v1beta1" {
        // apps/v1beta1 defaulted `spec.selector` to the template's labels; v1 requires it.
        if let Some(Value::Object(spec)) = map.get_mut("spec") {
            if spec.get("selector").is_none_or(Value::is_null) {
                let labels = spec
                    .get("template")
                    .and_then(|t| t.pointer("/metadata/labels"))
                    .cloned()
                    .unwrap_or_else(|| Value::Object(Default::default()));
                spec.insert(
                    "selector".into(),
                    serde_json::json!({ "matchLabels": labels }),
                );
            }
        }
    }
    doc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn older_versions_read_as_the_current_one_and_unknown_ones_are_refused() {
        assert_eq!(
            read_as(Kind::CSIDriver, "storage.k8s.io/v1beta1"),
            Some("storage.k8s.io/v1")
        );
        assert_eq!(
            read_as(Kind::CSINode, "storage.k8s.io/v1"),
            Some("storage.k8s.io/v1")
        );
        assert_eq!(read_as(Kind::CSIDriver, "storage.k8s.io/v9"), None);
        assert_eq!(read_as(Kind::Pod, "v2"), None);
        assert_eq!(read_as(Kind::Event, "v1"), Some("v1"));
        assert_eq!(
            read_as(Kind::Event, "events.k8s.io/v1beta1"),
            Some("events.k8s.io/v1")
        );
        assert_eq!(read_as(Kind::StatefulSet, "apps/v1beta2"), Some("apps/v1"));
        assert_eq!(
            known(Kind::CSINode),
            vec!["storage.k8s.io/v1", "storage.k8s.io/v1beta1"]
        );
    }

    #[test]
    fn a_v1beta1_statefulset_gets_the_selector_its_api_defaulted() {
        let doc = serde_json::json!({
            "apiVersion": "apps/v1beta1", "kind": "StatefulSet",
            "metadata": {"name": "db"},
            "spec": {"template": {"metadata": {"labels": {"app": "db"}}}}
        });
        let v1 = convert(Kind::StatefulSet, "apps/v1", doc);
        assert_eq!(v1["apiVersion"], "apps/v1");
        assert_eq!(v1["spec"]["selector"]["matchLabels"]["app"], "db");
    }
}
