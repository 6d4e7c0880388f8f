//! Manifests → [`Snapshot`]: workloads become the Pods (and StatefulSet claims) they will create,
//! so the same rules that diagnose a live cluster check the manifests.

use std::collections::HashMap;

use serde::de::DeserializeOwned;
use serde_json::{json, Value};

use super::{Manifests, Object};
use crate::error::{Error, Result};
use crate::snapshot::{Kind, Scope, Snapshot};

/// Annotations on the Pod a Deployment or ReplicaSet stands in for, telling rules how many of it
/// there will be and how it is rolled out (a Pod has no such fields). Internal to preflight.
pub const WORKLOAD_KIND: &str = "preflight.kubectl-storage.internal/workload-kind";
pub const WORKLOAD_REPLICAS: &str = "preflight.kubectl-storage.internal/replicas";
/// `Recreate`, `RollingUpdate`, or `RollingUpdate/maxSurge=0` (the old Pod goes first).
pub const WORKLOAD_STRATEGY: &str = "preflight.kubectl-storage.internal/strategy";

/// Where a snapshot object came from: the manifest object and the path of its part in it
/// (`spec.template` for a workload's Pod, `spec.volumeClaimTemplates[0]` for a replica's claim).
#[derive(Debug, Clone)]
pub struct Origin {
    /// Index into [`Manifests::objects`].
    pub object: usize,
    /// Path prefix inside that object; empty for the object itself.
    pub prefix: String,
}

/// Snapshot object `(kind, namespace, name)` → its origin in the manifests.
pub type Origins = HashMap<(String, Option<String>, String), Origin>;

/// Builds the snapshot the rules read. Objects without a namespace land in `namespace`.
/// Coverage: only PVs are taken as complete, and only when the input brings PVs of its own (its
/// static-binding set); everything else the manifests do not hold stays unknown until cluster
/// data is merged in, so no rule fires on the mere absence of an object.
pub fn to_snapshot(m: &Manifests, namespace: &str) -> Result<(Snapshot, Origins)> {
    let mut snap = Snapshot {
        offline: true,
        ..Default::default()
    };
    let mut origins = Origins::new();
    for (i, o) in m.objects.iter().enumerate() {
        let ns = o.namespace.clone().unwrap_or_else(|| namespace.to_string());
        let mut origin = |kind: &str, ns: Option<&str>, name: String, prefix: &str| {
            origins.insert(
                (kind.to_string(), ns.map(str::to_string), name),
                Origin {
                    object: i,
                    prefix: prefix.to_string(),
                },
            );
        };
        match o.kind.as_str() {
            "PersistentVolumeClaim" => {
                snap.pvcs.push(typed(o, with_namespace(&o.value, &ns))?);
                origin(&o.kind, Some(&ns), o.name.clone(), "");
            }
            "PersistentVolume" => {
                snap.pvs.push(typed(o, o.value.clone())?);
                origin(&o.kind, None, o.name.clone(), "");
            }
            "StorageClass" => {
                snap.storage_classes.push(typed(o, o.value.clone())?);
                origin(&o.kind, None, o.name.clone(), "");
            }
            "Pod" => {
                snap.pods.push(typed(o, with_namespace(&o.value, &ns))?);
                origin("Pod", Some(&ns), o.name.clone(), "");
            }
            kind => {
                let prefix = if kind == "CronJob" {
                    "spec.jobTemplate.spec.template"
                } else {
                    "spec.template"
                };
                let pointer = format!("/{}", prefix.replace('.', "/"));
                let Some(template) = o.value.pointer(&pointer) else {
                    continue;
                };
                let pod_name = if kind == "StatefulSet" {
                    format!("{}-0", o.name)
                } else {
                    o.name.clone()
                };
                let mut pod = json!({
                    "apiVersion": "v1",
                    "kind": "Pod",
                    "metadata": {
                        "name": pod_name,
                        "namespace": ns,
                        "labels": template.pointer("/metadata/labels").cloned().unwrap_or(Value::Null),
                    },
                    "spec": template.get("spec").cloned().unwrap_or_else(|| json!({})),
                });
                if kind == "Deployment" || kind == "ReplicaSet" {
                    let replicas = o
                        .value
                        .pointer("/spec/replicas")
                        .and_then(Value::as_i64)
                        .unwrap_or(1);
                    let mut annotations = serde_json::Map::new();
                    annotations.insert(WORKLOAD_KIND.into(), kind.into());
                    annotations.insert(WORKLOAD_REPLICAS.into(), replicas.to_string().into());
                    if kind == "Deployment" {
                        annotations.insert(WORKLOAD_STRATEGY.into(), strategy(&o.value).into());
                    }
                    pod["metadata"]["annotations"] = Value::Object(annotations);
                }
                if kind == "StatefulSet" {
                    snap.statefulsets
                        .push(typed(o, with_namespace(&o.value, &ns))?);
                    origin("StatefulSet", Some(&ns), o.name.clone(), "");
                    let templates = o
                        .value
                        .pointer("/spec/volumeClaimTemplates")
                        .and_then(Value::as_array)
                        .cloned()
                        .unwrap_or_default();
                    for (t_idx, t) in templates.iter().enumerate() {
                        let Some(t_name) = t.pointer("/metadata/name").and_then(Value::as_str)
                        else {
                            continue;
                        };
                        let claim = format!("{t_name}-{pod_name}");
                        let pvc = json!({
                            "apiVersion": "v1",
                            "kind": "PersistentVolumeClaim",
                            "metadata": {"name": claim, "namespace": ns},
                            "spec": t.get("spec").cloned().unwrap_or_else(|| json!({})),
                        });
                        snap.pvcs.push(typed(o, pvc)?);
                        origin(
                            "PersistentVolumeClaim",
                            Some(&ns),
                            claim.clone(),
                            &format!("spec.volumeClaimTemplates[{t_idx}]"),
                        );
                        add_claim_volume(&mut pod, t_name, &claim);
                    }
                }
                snap.pods.push(typed(o, pod)?);
                origin("Pod", Some(&ns), pod_name, prefix);
            }
        }
    }
    if !snap.pvs.is_empty() {
        snap.mark_read(Kind::PersistentVolume, Scope::All);
    }
    Ok((snap, origins))
}

/// Merges what a cluster (live or a `--snapshot`) knows about the cluster-scoped kinds the
/// manifests depend on. The manifests win where both define an object: they are what will be
/// applied.
pub fn merge_cluster(snap: &mut Snapshot, cluster: Snapshot) {
    fn add<T: kube::Resource>(mine: &mut Vec<T>, theirs: Vec<T>) {
        let names: std::collections::HashSet<String> =
            mine.iter().filter_map(|o| o.meta().name.clone()).collect();
        mine.extend(
            theirs
                .into_iter()
                .filter(|o| o.meta().name.as_ref().is_none_or(|n| !names.contains(n))),
        );
    }
    add(&mut snap.storage_classes, cluster.storage_classes);
    add(&mut snap.pvs, cluster.pvs);
    add(&mut snap.csi_drivers, cluster.csi_drivers);
    add(&mut snap.csi_nodes, cluster.csi_nodes);
    add(&mut snap.nodes, cluster.nodes);
    // Claims the manifests name but do not hold (`existingClaim`): the cluster's, by namespace.
    let mine: std::collections::HashSet<(Option<String>, Option<String>)> = snap
        .pvcs
        .iter()
        .map(|p| (p.metadata.namespace.clone(), p.metadata.name.clone()))
        .collect();
    snap.pvcs.extend(
        cluster
            .pvcs
            .into_iter()
            .filter(|p| !mine.contains(&(p.metadata.namespace.clone(), p.metadata.name.clone()))),
    );
    for kind in [
        Kind::PersistentVolumeClaim,
        Kind::StorageClass,
        Kind::PersistentVolume,
        Kind::CSIDriver,
        Kind::CSINode,
        Kind::Node,
    ] {
        match cluster.coverage.get(&kind) {
            Some(crate::snapshot::Coverage::Read(scope)) => snap.mark_read(kind, scope.clone()),
            Some(other) => snap.mark_unread(kind, other.clone()),
            None => {}
        }
    }
}

/// Gives a workload's Pod a volume for each claim template its containers mount by name, as the
/// StatefulSet controller does.
fn add_claim_volume(pod: &mut Value, template: &str, claim: &str) {
    let Some(spec) = pod.get_mut("spec").and_then(Value::as_object_mut) else {
        return;
    };
    let volumes = spec
        .entry("volumes")
        .or_insert_with(|| Value::Array(Vec::new()));
    let Some(list) = volumes.as_array_mut() else {
        return;
    };
    list.retain(|v| v.get("name").and_then(Value::as_str) != Some(template));
    list.push(json!({"name": template, "persistentVolumeClaim": {"claimName": claim}}));
}

/// A Deployment's rollout: `Recreate`, `RollingUpdate` (the default, new Pod first), or
/// `RollingUpdate/maxSurge=0` (old Pod first).
fn strategy(deployment: &Value) -> String {
    let s = deployment.pointer("/spec/strategy");
    let ty = s
        .and_then(|s| s.get("type"))
        .and_then(Value::as_str)
        .unwrap_or("RollingUpdate");
    if ty != "RollingUpdate" {
        return ty.to_string();
    }
    let surge = s.and_then(|s| s.pointer("/rollingUpdate/maxSurge"));
    let zero = match surge {
        Some(Value::Number(n)) => n.as_i64() == Some(0),
        Some(Value::String(p)) => p.trim_end_matches('%').trim() == "0",
        _ => false,
    };
    if zero {
        "RollingUpdate/maxSurge=0".into()
    } else {
        "RollingUpdate".into()
    }
}

fn with_namespace(value: &Value, ns: &str) -> Value {
    let mut v = value.clone();
    if let Some(meta) = v.get_mut("metadata").and_then(Value::as_object_mut) {
        meta.entry("namespace")
            .or_insert_with(|| Value::String(ns.to_string()));
    }
    v
}

fn typed<T: DeserializeOwned>(o: &Object, value: Value) -> Result<T> {
    serde_json::from_value(value).map_err(|e| {
        Error::input(
            format!("{}:{}", o.file, o.start.line),
            format!("{} {} is not a valid {}: {e}", o.kind, o.name, o.kind),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::read_str;

    #[test]
    fn a_statefulset_becomes_its_first_replica_and_claims() {
        let text = "apiVersion: apps/v1\nkind: StatefulSet\nmetadata:\n  name: db\nspec:\n  selector: {matchLabels: {app: db}}\n  serviceName: db\n  template:\n    metadata: {labels: {app: db}}\n    spec:\n      containers:\n      - name: c\n        image: x\n        volumeMounts: [{name: data, mountPath: /d}]\n  volumeClaimTemplates:\n  - metadata: {name: data}\n    spec:\n      accessModes: [ReadWriteMany]\n      resources: {requests: {storage: 1Gi}}\n";
        let m = read_str("sts.yaml", text).expect("reads");
        let (snap, origins) = to_snapshot(&m, "prod").expect("converts");
        assert_eq!(snap.pods[0].metadata.name.as_deref(), Some("db-0"));
        assert_eq!(snap.pvcs[0].metadata.name.as_deref(), Some("data-db-0"));
        assert_eq!(snap.pvcs[0].metadata.namespace.as_deref(), Some("prod"));
        let claims = crate::k8s::pod_claims(&snap.pods[0]);
        assert_eq!(claims[0].1, "data-db-0");
        let o = &origins[&(
            "PersistentVolumeClaim".to_string(),
            Some("prod".to_string()),
            "data-db-0".to_string(),
        )];
        assert_eq!(o.prefix, "spec.volumeClaimTemplates[0]");
    }

    #[test]
    fn yaml_1_1_octal_modes_reach_the_pod_as_the_api_server_reads_them() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: w}\nspec:\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: c, image: x}]\n      volumes:\n      - name: s\n        secret: {secretName: s, defaultMode: 0755}\n      - name: t\n        configMap: {name: t, defaultMode: 0o550}\n";
        let m = read_str("d.yaml", text).expect("reads");
        to_snapshot(&m, "default").expect("converts");
        let v = &m.objects[0].value;
        let mode = |i: usize, k: &str| {
            v.pointer(&format!("/spec/template/spec/volumes/{i}/{k}/defaultMode"))
                .and_then(Value::as_i64)
        };
        let (secret, cm) = (mode(0, "secret"), mode(1, "configMap"));
        assert_eq!((secret, cm), (Some(493), Some(360)));
    }
}
