//! The [`Snapshot`]: every object a diagnosis may read, plus a record of how each kind was read.
//!
//! Live fetching and offline loading both produce this one plain value; everything after it
//! (chain resolution, rules, rendering) is pure and never touches the network.

pub mod ec2;
mod events;
pub mod load;
pub mod versions;
pub mod write;

use std::collections::{BTreeMap, BTreeSet};

use crate::model::VolumeAttachment;
use crate::model::{PersistentVolume, Pod};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Node, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::{CSIDriver, CSINode, StorageClass};
use serde::Serialize;

pub use events::EventRecord;

/// The kinds of data a snapshot holds, in the order they are listed and dumped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub enum Kind {
    Pod,
    PersistentVolumeClaim,
    PersistentVolume,
    StorageClass,
    CSIDriver,
    CSINode,
    VolumeAttachment,
    Node,
    StatefulSet,
    Event,
    /// Kubelet volume statistics (`/api/v1/nodes/NODE/proxy/stats/summary`).
    NodeStats,
    /// EBS volumes (EC2 `DescribeVolumes`).
    EbsVolume,
    /// EC2 instances behind the nodes (EC2 `DescribeInstances`).
    Ec2Instance,
}

impl Kind {
    /// Every kind, in listing order.
    pub const ALL: [Kind; 13] = [
        Kind::Pod,
        Kind::PersistentVolumeClaim,
        Kind::PersistentVolume,
        Kind::StorageClass,
        Kind::CSIDriver,
        Kind::CSINode,
        Kind::VolumeAttachment,
        Kind::Node,
        Kind::StatefulSet,
        Kind::Event,
        Kind::NodeStats,
        Kind::EbsVolume,
        Kind::Ec2Instance,
    ];

    /// The Kubernetes kind name (`PersistentVolumeClaim`, …).
    pub fn name(self) -> &'static str {
        match self {
            Kind::Pod => "Pod",
            Kind::PersistentVolumeClaim => "PersistentVolumeClaim",
            Kind::PersistentVolume => "PersistentVolume",
            Kind::StorageClass => "StorageClass",
            Kind::CSIDriver => "CSIDriver",
            Kind::CSINode => "CSINode",
            Kind::VolumeAttachment => "VolumeAttachment",
            Kind::Node => "Node",
            Kind::StatefulSet => "StatefulSet",
            Kind::Event => "Event",
            Kind::NodeStats => "NodeStats",
            Kind::EbsVolume => "EbsVolume",
            Kind::Ec2Instance => "Ec2Instance",
        }
    }

    /// The plural resource name kubectl uses (`persistentvolumeclaims`, …).
    pub fn plural(self) -> &'static str {
        match self {
            Kind::Pod => "pods",
            Kind::PersistentVolumeClaim => "persistentvolumeclaims",
            Kind::PersistentVolume => "persistentvolumes",
            Kind::StorageClass => "storageclasses",
            Kind::CSIDriver => "csidrivers",
            Kind::CSINode => "csinodes",
            Kind::VolumeAttachment => "volumeattachments",
            Kind::Node => "nodes",
            Kind::StatefulSet => "statefulsets",
            Kind::Event => "events",
            Kind::NodeStats => "nodes/proxy (stats/summary)",
            Kind::EbsVolume => "EBS volumes",
            Kind::Ec2Instance => "EC2 instances",
        }
    }

    /// Whether this kind is read from EC2 rather than the Kubernetes API.
    pub fn is_ec2(self) -> bool {
        matches!(self, Kind::EbsVolume | Kind::Ec2Instance)
    }

    /// Whether objects of this kind live in a namespace.
    pub fn namespaced(self) -> bool {
        matches!(
            self,
            Kind::Pod | Kind::PersistentVolumeClaim | Kind::StatefulSet | Kind::Event
        )
    }
}

/// Which namespaces a namespaced kind was read in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Scope {
    /// Every namespace (or a cluster-scoped kind).
    All,
    /// Only these namespaces.
    Namespaces(BTreeSet<String>),
}

impl Scope {
    /// Whether `namespace` is covered.
    pub fn covers(&self, namespace: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Namespaces(set) => set.contains(namespace),
        }
    }
}

/// How one kind was read: the "lookup record" every hop's status rests on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", content = "detail", rename_all = "kebab-case")]
pub enum Coverage {
    /// Read completely within the scope: an object absent from the snapshot is missing.
    Read(Scope),
    /// The API server refused (HTTP 403): absent objects are unknown.
    Forbidden(String),
    /// The request failed (timeout, 5xx, …): absent objects are unknown.
    Failed(String),
    /// Not looked at (offline snapshot without this kind, opt-in data not asked for, …).
    NotChecked(String),
}

impl Coverage {
    /// The not-checked line for `kind` read this way ("volumeattachments: forbidden (…)"), or
    /// `None` when it was read.
    pub fn not_checked_line(&self, kind: Kind) -> Option<String> {
        match self {
            Coverage::Read(_) => None,
            Coverage::Forbidden(r) => Some(format!("{}: forbidden ({r})", kind.plural())),
            Coverage::Failed(r) => Some(format!("{}: failed ({r})", kind.plural())),
            Coverage::NotChecked(r) => Some(format!("{}: {r}", kind.plural())),
        }
    }
}

/// The result of looking one object up by name.
#[derive(Debug)]
pub enum Lookup<'a, T> {
    /// The object exists.
    Found(&'a T),
    /// The kind was read in this scope and the object is not there.
    Missing,
    /// We cannot tell: the reason says why (forbidden, failed, not checked).
    Unknown(String),
}

impl<'a, T> Lookup<'a, T> {
    /// The object, if found.
    pub fn found(&self) -> Option<&'a T> {
        match self {
            Lookup::Found(t) => Some(t),
            _ => None,
        }
    }
}

/// Kubelet volume statistics for one PVC-backed volume of one pod.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct VolumeStats {
    pub node: String,
    pub pod_namespace: String,
    pub pod_name: String,
    pub volume_name: String,
    pub pvc_namespace: Option<String>,
    pub pvc_name: Option<String>,
    pub capacity_bytes: Option<u64>,
    pub used_bytes: Option<u64>,
    pub available_bytes: Option<u64>,
    pub inodes: Option<u64>,
    pub inodes_used: Option<u64>,
}

/// Everything a diagnosis reads, fetched live or loaded from files.
#[derive(Debug, Clone, Default)]
pub struct Snapshot {
    pub pods: Vec<Pod>,
    pub pvcs: Vec<PersistentVolumeClaim>,
    pub pvs: Vec<PersistentVolume>,
    pub storage_classes: Vec<StorageClass>,
    pub csi_drivers: Vec<CSIDriver>,
    pub csi_nodes: Vec<CSINode>,
    pub volume_attachments: Vec<VolumeAttachment>,
    pub nodes: Vec<Node>,
    pub statefulsets: Vec<StatefulSet>,
    pub events: Vec<EventRecord>,
    pub volume_stats: Vec<VolumeStats>,
    /// EC2 data (volumes, instances, zones); its coverage is under [`Kind::EbsVolume`] and
    /// [`Kind::Ec2Instance`].
    pub ec2: ec2::Ec2Data,
    /// Raw kubelet stats summaries, kept only so `dump` can write them back.
    pub raw_node_stats: Vec<serde_json::Value>,
    /// How each kind was read; a kind absent here was not checked.
    pub coverage: BTreeMap<Kind, Coverage>,
    /// Parts of kinds read only in some namespaces, one line each for the not-checked list
    /// ("pods in namespaces a, b: forbidden").
    pub not_read: Vec<String>,
    /// True when loaded from files (`--snapshot`), false when fetched live.
    pub offline: bool,
}

impl Snapshot {
    /// One line per kind that was not read, and why ("volumeattachments: forbidden (…)"), then
    /// the namespaces a kind was not read in.
    pub fn not_checked(&self) -> Vec<String> {
        self.coverage
            .iter()
            .filter_map(|(k, c)| c.not_checked_line(*k))
            .chain(self.not_read.iter().cloned())
            .collect()
    }

    /// Adds the objects and coverage of `other` (a later file, a later wave) after this one's.
    pub fn absorb(&mut self, other: Snapshot) {
        fn append<T>(to: &mut Vec<T>, mut more: Vec<T>) {
            if to.is_empty() {
                *to = more;
            } else {
                to.append(&mut more);
            }
        }
        // Destructured whole, so a new field cannot be forgotten here.
        let Snapshot {
            pods,
            pvcs,
            pvs,
            storage_classes,
            csi_drivers,
            csi_nodes,
            volume_attachments,
            nodes,
            statefulsets,
            events,
            volume_stats,
            ec2,
            raw_node_stats,
            coverage,
            not_read,
            offline,
        } = other;
        append(&mut self.pods, pods);
        append(&mut self.pvcs, pvcs);
        append(&mut self.pvs, pvs);
        append(&mut self.storage_classes, storage_classes);
        append(&mut self.csi_drivers, csi_drivers);
        append(&mut self.csi_nodes, csi_nodes);
        append(&mut self.volume_attachments, volume_attachments);
        append(&mut self.nodes, nodes);
        append(&mut self.statefulsets, statefulsets);
        append(&mut self.events, events);
        append(&mut self.volume_stats, volume_stats);
        append(&mut self.raw_node_stats, raw_node_stats);
        let ec2::Ec2Data {
            volumes,
            instances,
            zones,
            not_found,
            region,
        } = ec2;
        append(&mut self.ec2.volumes, volumes);
        append(&mut self.ec2.instances, instances);
        append(&mut self.ec2.zones, zones);
        self.ec2.not_found.extend(not_found);
        self.ec2.region = self.ec2.region.take().or(region);
        for (kind, c) in coverage {
            match c {
                Coverage::Read(scope) => self.mark_read(kind, scope),
                other => self.mark_unread(kind, other),
            }
        }
        self.not_read.extend(not_read);
        self.offline |= offline;
    }

    /// How `kind` was read in `namespace` (ignored for cluster-scoped kinds).
    pub fn coverage_in(&self, kind: Kind, namespace: Option<&str>) -> Coverage {
        match self.coverage.get(&kind) {
            None => Coverage::NotChecked(if self.offline && kind.is_ec2() {
                format!(
                    "the snapshot holds no {} (aws ec2 {} JSON)",
                    kind.plural(),
                    if kind == Kind::EbsVolume {
                        "describe-volumes"
                    } else {
                        "describe-instances"
                    }
                )
            } else if self.offline {
                format!("the snapshot holds no {} objects", kind.name())
            } else {
                format!("{} were not read", kind.plural())
            }),
            Some(Coverage::Read(scope)) => match namespace {
                Some(ns) if kind.namespaced() && !scope.covers(ns) => Coverage::NotChecked(
                    format!("{} in namespace {ns} were not read", kind.plural()),
                ),
                _ => Coverage::Read(scope.clone()),
            },
            Some(other) => other.clone(),
        }
    }

    /// Why `kind` cannot be trusted to be complete in `namespace`, or `None` when it can.
    pub fn unknown_reason(&self, kind: Kind, namespace: Option<&str>) -> Option<String> {
        match self.coverage_in(kind, namespace) {
            Coverage::Read(_) => None,
            Coverage::Forbidden(r) => Some(format!("{} forbidden: {r}", kind.plural())),
            Coverage::Failed(r) => Some(format!("reading {} failed: {r}", kind.plural())),
            Coverage::NotChecked(r) => Some(r),
        }
    }

    /// Marks `kind` as read in `scope`, merging namespaces with an earlier read.
    pub fn mark_read(&mut self, kind: Kind, scope: Scope) {
        let merged = match (self.coverage.remove(&kind), scope) {
            (Some(Coverage::Read(Scope::All)), _) | (_, Scope::All) => Scope::All,
            (Some(Coverage::Read(Scope::Namespaces(mut a))), Scope::Namespaces(b)) => {
                a.extend(b);
                Scope::Namespaces(a)
            }
            (_, s) => s,
        };
        self.coverage.insert(kind, Coverage::Read(merged));
    }

    /// Records a failed read of `kind` unless it was already read.
    pub fn mark_unread(&mut self, kind: Kind, coverage: Coverage) {
        if !matches!(self.coverage.get(&kind), Some(Coverage::Read(_))) {
            self.coverage.insert(kind, coverage);
        }
    }

    /// Looks up a namespaced or cluster-scoped object by name in a list of this snapshot.
    pub fn lookup<'a, T: kube::Resource>(
        &self,
        items: &'a [T],
        kind: Kind,
        namespace: Option<&str>,
        name: &str,
    ) -> Lookup<'a, T> {
        let found = items.iter().find(|o| {
            let m = o.meta();
            m.name.as_deref() == Some(name)
                && (!kind.namespaced() || m.namespace.as_deref() == namespace)
        });
        match (found, self.unknown_reason(kind, namespace)) {
            (Some(o), _) => Lookup::Found(o),
            (None, None) => Lookup::Missing,
            (None, Some(reason)) => Lookup::Unknown(reason),
        }
    }

    /// Looks up an EBS volume by id: found, missing (EC2 said it does not exist, or a complete
    /// listing lacks it), or unknown (EC2 not read, with the reason).
    pub fn ebs_volume(&self, id: &str) -> Lookup<'_, ec2::Volume> {
        if let Some(v) = self.ec2.volume(id) {
            return Lookup::Found(v);
        }
        if self.ec2.not_found.contains(id) {
            return Lookup::Missing;
        }
        match self.unknown_reason(Kind::EbsVolume, None) {
            None => Lookup::Missing,
            Some(r) => Lookup::Unknown(r),
        }
    }

    /// Looks up an EC2 instance by id.
    pub fn ec2_instance(&self, id: &str) -> Lookup<'_, ec2::Instance> {
        if let Some(i) = self.ec2.instance(id) {
            return Lookup::Found(i);
        }
        match self.unknown_reason(Kind::Ec2Instance, None) {
            None => Lookup::Missing,
            Some(r) => Lookup::Unknown(r),
        }
    }

    /// The newest timestamp anywhere in the snapshot: "now" for an offline diagnosis, so that
    /// ages read as they did when the snapshot was taken and outputs are reproducible.
    pub fn newest_timestamp(&self) -> Option<jiff::Timestamp> {
        fn created<T: kube::Resource>(items: &[T]) -> impl Iterator<Item = jiff::Timestamp> + '_ {
            items
                .iter()
                .filter_map(|o| o.meta().creation_timestamp.as_ref().map(|t| t.0))
        }
        let events = self.events.iter().filter_map(|e| e.last);
        let deleting = self
            .volume_attachments
            .iter()
            .filter_map(|o| o.metadata.deletion_timestamp.as_ref().map(|t| t.0));
        created(&self.pods)
            .chain(created(&self.pvcs))
            .chain(created(&self.pvs))
            .chain(created(&self.volume_attachments))
            .chain(events)
            .chain(deleting)
            .max()
    }
}
