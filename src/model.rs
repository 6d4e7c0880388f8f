//! Compact forms of the three kinds a cluster holds by the thousand: Pods, PersistentVolumes and
//! VolumeAttachments.
//!
//! k8s-openapi's structs carry every field of the API inline: a `Volume` is 3.2 KB because its
//! source is ~30 `Option`s side by side, a `PersistentVolumeSpec` 3.4 KB, a `Container` 2.1 KB.
//! At 10,000 pods that alone is ~200 MB. These types keep the fields the diagnosis reads, with
//! the same names and (mostly) the same types as k8s-openapi, so rules read them the same way;
//! everything else is skipped while parsing. They serialize in the API's JSON shape (`dump`).

use std::borrow::Cow;
use std::collections::BTreeMap;

use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::storage::v1 as storage;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::{Deserialize, Serialize};

/// A Pod: its claims, where it may and does run, and its status.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Pod {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<PodSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<PodStatus>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affinity: Option<core::Affinity>,
    #[serde(default)]
    pub containers: Vec<Container>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub init_containers: Option<Vec<Container>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_selector: Option<BTreeMap<String, String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerations: Option<Vec<core::Toleration>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volumes: Option<Vec<Volume>>,
}

/// A container: only what ties it to volumes.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_devices: Option<Vec<core::VolumeDevice>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_mounts: Option<Vec<core::VolumeMount>>,
}

/// A pod volume backed by a claim (named, or generic ephemeral); other sources are kept as
/// their names only, since no rule looks inside a config map or a token projection.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Volume {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ephemeral: Option<Box<core::EphemeralVolumeSource>>,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_volume_claim: Option<core::PersistentVolumeClaimVolumeSource>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditions: Option<Vec<core::PodCondition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_statuses: Option<Vec<ContainerStatus>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// A container's state and restarts (not its image, ids or resources).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerStatus {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_state: Option<core::ContainerState>,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub ready: bool,
    #[serde(default)]
    pub restart_count: i32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<core::ContainerState>,
}

/// A PersistentVolume: its claim, class, topology and the source kinds the rules tell apart.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PersistentVolume {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub spec: Option<PersistentVolumeSpec>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<core::PersistentVolumeStatus>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PersistentVolumeSpec {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_modes: Option<Vec<String>>,
    #[serde(
        default,
        rename = "awsElasticBlockStore",
        skip_serializing_if = "Option::is_none"
    )]
    pub aws_elastic_block_store: Option<core::AWSElasticBlockStoreVolumeSource>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capacity: Option<BTreeMap<String, Quantity>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub claim_ref: Option<core::ObjectReference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csi: Option<Box<core::CSIPersistentVolumeSource>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mount_options: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub node_affinity: Option<core::VolumeNodeAffinity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_volume_reclaim_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage_class_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_mode: Option<String>,
}

/// A VolumeAttachment (its spec is required by the API, as in k8s-openapi).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct VolumeAttachment {
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: VolumeAttachmentSpec,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<storage::VolumeAttachmentStatus>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeAttachmentSpec {
    #[serde(default)]
    pub attacher: String,
    #[serde(default)]
    pub node_name: String,
    #[serde(default)]
    pub source: VolumeAttachmentSource,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeAttachmentSource {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub inline_volume_spec: Option<Box<PersistentVolumeSpec>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub persistent_volume_name: Option<String>,
}

/// `kube::Resource` for a compact type, borrowing kind, group, version and plural from the
/// k8s-openapi type it stands for, so `kube::Api` lists it like the full type.
macro_rules! resource {
    ($t:ty, $full:ty) => {
        impl kube::Resource for $t {
            type DynamicType = ();
            type Scope = <$full as k8s_openapi::Resource>::Scope;

            fn kind(_: &()) -> Cow<'_, str> {
                <$full as k8s_openapi::Resource>::KIND.into()
            }
            fn group(_: &()) -> Cow<'_, str> {
                <$full as k8s_openapi::Resource>::GROUP.into()
            }
            fn version(_: &()) -> Cow<'_, str> {
                <$full as k8s_openapi::Resource>::VERSION.into()
            }
            fn api_version(_: &()) -> Cow<'_, str> {
                <$full as k8s_openapi::Resource>::API_VERSION.into()
            }
            fn plural(_: &()) -> Cow<'_, str> {
                <$full as k8s_openapi::Resource>::URL_PATH_SEGMENT.into()
            }
            fn meta(&self) -> &ObjectMeta {
                &self.metadata
            }
            fn meta_mut(&mut self) -> &mut ObjectMeta {
                &mut self.metadata
            }
        }
    };
}

resource!(Pod, core::Pod);
resource!(PersistentVolume, core::PersistentVolume);
resource!(VolumeAttachment, storage::VolumeAttachment);

/// Trims a freshly parsed object of what no rule reads and what costs memory by the thousand:
/// managedFields, the last-applied annotation, and the spare capacity of serde's growing lists
/// (a one-element list keeps room for four: ~3 KB per pod across its small lists).
pub trait Slim {
    fn slim(&mut self);
}

fn tight<T>(list: &mut Option<Vec<T>>) {
    if let Some(l) = list {
        l.shrink_to_fit();
    }
}

fn slim_meta(m: &mut ObjectMeta) {
    m.managed_fields = None;
    if let Some(a) = m.annotations.as_mut() {
        a.remove("kubectl.kubernetes.io/last-applied-configuration");
    }
    tight(&mut m.owner_references);
    tight(&mut m.finalizers);
}

fn slim_containers(list: &mut Vec<Container>) {
    list.shrink_to_fit();
    for c in list {
        tight(&mut c.volume_mounts);
        tight(&mut c.volume_devices);
    }
}

impl Slim for Pod {
    fn slim(&mut self) {
        slim_meta(&mut self.metadata);
        if let Some(spec) = self.spec.as_mut() {
            slim_containers(&mut spec.containers);
            if let Some(init) = spec.init_containers.as_mut() {
                slim_containers(init);
            }
            tight(&mut spec.volumes);
            tight(&mut spec.tolerations);
        }
        if let Some(status) = self.status.as_mut() {
            tight(&mut status.conditions);
            tight(&mut status.container_statuses);
        }
    }
}

impl Slim for PersistentVolume {
    fn slim(&mut self) {
        slim_meta(&mut self.metadata);
        if let Some(spec) = self.spec.as_mut() {
            tight(&mut spec.access_modes);
            tight(&mut spec.mount_options);
            // The driver's own key-value notes (provisioner identity, …): no rule reads them.
            if let Some(csi) = spec.csi.as_mut() {
                csi.volume_attributes = None;
            }
            if let Some(sel) = spec
                .node_affinity
                .as_mut()
                .and_then(|a| a.required.as_mut())
            {
                sel.node_selector_terms.shrink_to_fit();
                for term in &mut sel.node_selector_terms {
                    tight(&mut term.match_expressions);
                    for r in term.match_expressions.iter_mut().flatten() {
                        tight(&mut r.values);
                    }
                }
            }
        }
    }
}

impl Slim for core::PersistentVolumeClaim {
    fn slim(&mut self) {
        slim_meta(&mut self.metadata);
        if let Some(spec) = self.spec.as_mut() {
            tight(&mut spec.access_modes);
        }
        if let Some(status) = self.status.as_mut() {
            tight(&mut status.access_modes);
            tight(&mut status.conditions);
        }
    }
}

impl Slim for core::Node {
    fn slim(&mut self) {
        slim_meta(&mut self.metadata);
        // The images a node has pulled: often hundreds of names, never read.
        if let Some(status) = self.status.as_mut() {
            status.images = None;
        }
    }
}

/// Kinds kept whole but for their metadata: few per cluster, or converted right away (events).
macro_rules! slim_meta_only {
    ($($t:ty),*) => {
        $(impl Slim for $t {
            fn slim(&mut self) {
                slim_meta(&mut self.metadata);
            }
        })*
    };
}

slim_meta_only!(
    VolumeAttachment,
    storage::StorageClass,
    storage::CSIDriver,
    storage::CSINode,
    k8s_openapi::api::apps::v1::StatefulSet,
    k8s_openapi::api::apps::v1::Deployment,
    k8s_openapi::api::batch::v1::Job,
    k8s_openapi::api::batch::v1::CronJob,
    core::Event,
    core::Namespace,
    k8s_openapi::api::events::v1::Event
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compact_types_are_a_fraction_of_the_full_ones() {
        use std::mem::size_of;
        assert!(size_of::<Pod>() * 2 < size_of::<core::Pod>());
        assert!(size_of::<Volume>() * 10 < size_of::<core::Volume>());
        assert!(size_of::<PersistentVolume>() * 3 < size_of::<core::PersistentVolume>());
        assert!(size_of::<VolumeAttachment>() * 4 < size_of::<storage::VolumeAttachment>());
    }

    #[test]
    fn a_pod_keeps_its_claims_and_drops_what_no_rule_reads() {
        let pod: Pod = serde_json::from_value(serde_json::json!({
            "apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": "db-0", "namespace": "prod"},
            "spec": {
                "nodeName": "n1",
                "containers": [{"name": "db", "image": "postgres", "env": [{"name": "PASSWORD", "value": "secret"}],
                                "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
                "volumes": [
                    {"name": "data", "persistentVolumeClaim": {"claimName": "data-db-0"}},
                    {"name": "token", "projected": {"sources": []}}
                ]
            },
            "status": {"phase": "Running", "podIP": "10.0.0.1"}
        }))
        .expect("parses");
        let spec = pod.spec.as_ref().expect("spec");
        let claims: Vec<_> = spec
            .volumes
            .iter()
            .flatten()
            .filter_map(|v| v.persistent_volume_claim.as_ref())
            .map(|c| c.claim_name.as_str())
            .collect();
        assert_eq!(claims, ["data-db-0"]);
        let back = serde_json::to_string(&pod).expect("serializes");
        assert!(back.contains(r#""claimName":"data-db-0""#), "{back}");
        assert!(back.contains(r#""mountPath":"/data""#), "{back}");
        assert!(
            !back.contains("secret") && !back.contains("podIP"),
            "{back}"
        );
    }
}
