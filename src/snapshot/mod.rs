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
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
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
    Deployment,
    Job,
    CronJob,
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
    pub const ALL: [Kind; 16] = [
        Kind::Pod,
        Kind::PersistentVolumeClaim,
        Kind::PersistentVolume,
        Kind::StorageClass,
        Kind::CSIDriver,
        Kind::CSINode,
        Kind::VolumeAttachment,
        Kind::Node,
        Kind::StatefulSet,
        Kind::Deployment,
        Kind::Job,
        Kind::CronJob,
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
            Kind::Deployment => "Deployment",
            Kind::Job => "Job",
            Kind::CronJob => "CronJob",
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
            Kind::Deployment => "deployments",
            Kind::Job => "jobs",
            Kind::CronJob => "cronjobs",
            Kind::Event => "events",
            Kind::NodeStats => "nodes/proxy (stats/summary)",
            Kind::EbsVolume => "EBS volumes",
            Kind::Ec2Instance => "EC2 instances",
        }
    }

    /// kubectl's short and singular names for the kind (`pv`, `pvs`, `persistentvolume`).
    pub fn short_names(self) -> &'static [&'static str] {
        match self {
            Kind::Pod => &["pod", "po"],
            Kind::PersistentVolumeClaim => &["pvc", "pvcs", "persistentvolumeclaim"],
            Kind::PersistentVolume => &["pv", "pvs", "persistentvolume"],
            Kind::StorageClass => &["sc", "storageclass"],
            Kind::CSIDriver => &["csidriver"],
            Kind::CSINode => &["csinode"],
            Kind::VolumeAttachment => &["volumeattachment"],
            Kind::Node => &["node", "no"],
            Kind::StatefulSet => &["sts", "statefulset"],
            Kind::Deployment => &["deploy", "deployment"],
            Kind::Job => &["job"],
            Kind::CronJob => &["cj", "cronjob"],
            Kind::Event => &["event", "ev"],
            Kind::NodeStats | Kind::EbsVolume | Kind::Ec2Instance => &[],
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
            Kind::Pod
                | Kind::PersistentVolumeClaim
                | Kind::StatefulSet
                | Kind::Deployment
                | Kind::Job
                | Kind::CronJob
                | Kind::Event
        )
    }
}

/// Which namespaces a namespaced kind was read in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub enum Scope {
    /// Every namespace (or a cluster-scoped kind).
    All,
    /// Only these namespaces.
    Namespaces(BTreeSet<String>),
    /// Only these objects, asked for by name (a targeted `why`): each was found or is known to
    /// be absent, and nothing is known about any other object of the kind. Keys are
    /// [`object_key`]s.
    Named(BTreeSet<String>),
}

impl Scope {
    /// Whether every object of the kind in `namespace` was read.
    pub fn covers(&self, namespace: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Namespaces(set) => set.contains(namespace),
            Scope::Named(_) => false,
        }
    }
}

/// The key of one object in a [`Scope::Named`]: `NAMESPACE/NAME`, or `NAME` when cluster-scoped.
/// Events are keyed by the object they are about: `KIND/NAMESPACE/NAME`.
pub fn object_key(namespace: Option<&str>, name: &str) -> String {
    match namespace {
        Some(ns) => format!("{ns}/{name}"),
        None => name.to_string(),
    }
}

/// The [`Scope::Named`] key of the events about one object.
pub fn events_key(kind: &str, namespace: Option<&str>, name: &str) -> String {
    format!("{kind}/{}", object_key(namespace, name))
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

/// Where the reference time ("as of") of a diagnosis came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClockSource {
    /// `KUBECTL_STORAGE_NOW` set by the caller.
    Environment,
    /// The capture file `dump` writes (its `capturedAt`).
    CaptureFile,
    /// The newest timestamp of any object in an offline snapshot.
    NewestTimestamp,
    /// The API server's clock (`Date` of its answer), live.
    ServerClock,
    /// This machine's clock (live, when the server sent no `Date`).
    LocalClock,
}

/// When a snapshot was taken, and by whose clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capture {
    pub at: jiff::Timestamp,
    pub source: ClockSource,
}

/// The name of the ConfigMap `dump` writes (`capture.yaml`) to record when it read the objects: a
/// ConfigMap, so kubectl reads the directory back as it is. `data.capturedAt` is RFC 3339.
pub const CAPTURE_NAME: &str = "kubectl-storage-capture";

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
    /// Workloads whose pod templates may name claims (`pvc-unused`); read by `scan`.
    pub deployments: Vec<Deployment>,
    pub jobs: Vec<Job>,
    pub cron_jobs: Vec<CronJob>,
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
    /// When it was read: the server's clock live, the capture file offline (if any).
    pub captured: Option<Capture>,
    /// What the files left unknown (an empty untyped List), one not-checked line each.
    pub unknown_files: Vec<String>,
    /// The newest time of the objects a filtered load passed over (another namespace's): they
    /// still date the snapshot ([`Snapshot::newest_timestamp`]).
    pub newest_unloaded: Option<jiff::Timestamp>,
    /// Which cluster it was read from (live; empty offline): the reports' `cluster`.
    pub identity: crate::identity::Identity,
}

/// The later of two captures (a snapshot merged from several dumps is as of its newest).
pub(crate) fn later(a: Option<Capture>, b: Option<Capture>) -> Option<Capture> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if b.at > a.at { b } else { a }),
        (a, b) => a.or(b),
    }
}

impl Snapshot {
    /// One line per kind that was not read, and why ("volumeattachments: forbidden (…)"), then
    /// the namespaces a kind was not read in.
    pub fn not_checked(&self) -> Vec<String> {
        self.coverage
            .iter()
            .filter_map(|(k, c)| c.not_checked_line(*k))
            .chain(self.not_read.iter().cloned())
            .chain(self.unknown_files.iter().cloned())
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
            deployments,
            jobs,
            cron_jobs,
            events,
            volume_stats,
            ec2,
            raw_node_stats,
            coverage,
            not_read,
            offline,
            captured,
            unknown_files,
            newest_unloaded,
            identity,
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
        append(&mut self.deployments, deployments);
        append(&mut self.jobs, jobs);
        append(&mut self.cron_jobs, cron_jobs);
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
        self.captured = later(self.captured, captured);
        self.unknown_files.extend(unknown_files);
        self.newest_unloaded = self.newest_unloaded.max(newest_unloaded);
        if self.identity.server.is_none() {
            self.identity = identity;
        }
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
            } else if kind == Kind::NodeStats {
                if self.offline {
                    "the snapshot holds no kubelet stats (kubectl get --raw /api/v1/nodes/NODE/proxy/stats/summary)".to_string()
                } else {
                    "volume usage was not read (pass --kubelet-stats; it needs get on nodes/proxy)"
                        .to_string()
                }
            } else if self.offline {
                format!("the snapshot holds no {} objects", kind.name())
            } else {
                format!("{} were not read", kind.plural())
            }),
            Some(Coverage::Read(Scope::Named(_))) => Coverage::NotChecked(format!(
                "only the {} of this chain were read (a targeted read), not every one{}",
                kind.plural(),
                match namespace {
                    Some(ns) if kind.namespaced() => format!(" in namespace {ns}"),
                    _ => String::new(),
                }
            )),
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

    /// Why what is known of one object (`key`: an [`object_key`] or [`events_key`]) may be
    /// incomplete: `None` when its kind was read whole in the namespace or the object itself
    /// was asked for by name.
    pub fn unknown_object(&self, kind: Kind, namespace: Option<&str>, key: &str) -> Option<String> {
        match self.coverage.get(&kind) {
            Some(Coverage::Read(Scope::Named(keys))) if keys.contains(key) => None,
            _ => self.unknown_reason(kind, namespace),
        }
    }

    /// Marks `kind` as read in `scope`, merging namespaces (or named objects) with an earlier
    /// read. A whole namespace outranks objects named in it.
    pub fn mark_read(&mut self, kind: Kind, scope: Scope) {
        let merged = match (self.coverage.remove(&kind), scope) {
            (Some(Coverage::Read(Scope::All)), _) | (_, Scope::All) => Scope::All,
            (Some(Coverage::Read(Scope::Namespaces(mut a))), Scope::Namespaces(b)) => {
                a.extend(b);
                Scope::Namespaces(a)
            }
            (Some(Coverage::Read(Scope::Named(mut a))), Scope::Named(b)) => {
                a.extend(b);
                Scope::Named(a)
            }
            (Some(Coverage::Read(s @ Scope::Namespaces(_))), Scope::Named(_)) => s,
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
        let key = object_key(namespace.filter(|_| kind.namespaced()), name);
        match (found, self.unknown_object(kind, namespace, &key)) {
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

    /// The newest timestamp anywhere in the snapshot: the best estimate of when an offline
    /// snapshot was taken, so ages read as they did then and outputs are reproducible. Every
    /// time an object carries counts: node heartbeats (the kubelet renews them every few
    /// seconds, so a real dump's newest heartbeat is within seconds of the dump), condition
    /// transitions, container start and finish times, attach and detach error times, events,
    /// creation and deletion times, and the kubelet's stats times.
    pub fn newest_timestamp(&self) -> Option<jiff::Timestamp> {
        use k8s_openapi::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
        fn t(x: Option<&Time>) -> Option<jiff::Timestamp> {
            x.map(|t| t.0)
        }
        fn meta(m: &ObjectMeta) -> [Option<jiff::Timestamp>; 2] {
            [
                t(m.creation_timestamp.as_ref()),
                t(m.deletion_timestamp.as_ref()),
            ]
        }
        fn container(
            s: Option<&k8s_openapi::api::core::v1::ContainerState>,
        ) -> [Option<jiff::Timestamp>; 3] {
            [
                t(s.and_then(|s| s.running.as_ref())
                    .and_then(|r| r.started_at.as_ref())),
                t(s.and_then(|s| s.terminated.as_ref())
                    .and_then(|r| r.started_at.as_ref())),
                t(s.and_then(|s| s.terminated.as_ref())
                    .and_then(|r| r.finished_at.as_ref())),
            ]
        }
        let mut all: Vec<Option<jiff::Timestamp>> = Vec::new();
        for p in &self.pods {
            all.extend(meta(&p.metadata));
            let st = p.status.as_ref();
            for c in st.and_then(|s| s.conditions.as_deref()).unwrap_or_default() {
                all.push(t(c.last_transition_time.as_ref()));
                all.push(t(c.last_probe_time.as_ref()));
            }
            for c in st
                .and_then(|s| s.container_statuses.as_deref())
                .unwrap_or_default()
            {
                all.extend(container(c.state.as_ref()));
                all.extend(container(c.last_state.as_ref()));
            }
        }
        for c in &self.pvcs {
            all.extend(meta(&c.metadata));
            for c in c
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_deref())
                .unwrap_or_default()
            {
                all.push(t(c.last_transition_time.as_ref()));
                all.push(t(c.last_probe_time.as_ref()));
            }
        }
        for v in &self.pvs {
            all.extend(meta(&v.metadata));
            all.push(t(v
                .status
                .as_ref()
                .and_then(|s| s.last_phase_transition_time.as_ref())));
        }
        for n in &self.nodes {
            all.extend(meta(&n.metadata));
            for c in n
                .status
                .as_ref()
                .and_then(|s| s.conditions.as_deref())
                .unwrap_or_default()
            {
                all.push(t(c.last_heartbeat_time.as_ref()));
                all.push(t(c.last_transition_time.as_ref()));
            }
        }
        for va in &self.volume_attachments {
            all.extend(meta(&va.metadata));
            let st = va.status.as_ref();
            all.push(t(st
                .and_then(|s| s.attach_error.as_ref())
                .and_then(|e| e.time.as_ref())));
            all.push(t(st
                .and_then(|s| s.detach_error.as_ref())
                .and_then(|e| e.time.as_ref())));
        }
        for o in &self.storage_classes {
            all.extend(meta(&o.metadata));
        }
        for o in &self.csi_drivers {
            all.extend(meta(&o.metadata));
        }
        for o in &self.csi_nodes {
            all.extend(meta(&o.metadata));
        }
        for o in &self.statefulsets {
            all.extend(meta(&o.metadata));
        }
        for o in &self.deployments {
            all.extend(meta(&o.metadata));
        }
        for o in &self.jobs {
            all.extend(meta(&o.metadata));
        }
        for o in &self.cron_jobs {
            all.extend(meta(&o.metadata));
        }
        for e in &self.events {
            all.push(e.first);
            all.push(e.last);
        }
        for summary in &self.raw_node_stats {
            for ptr in ["/node/fs/time", "/node/cpu/time", "/node/memory/time"] {
                all.push(
                    summary
                        .pointer(ptr)
                        .and_then(serde_json::Value::as_str)
                        .and_then(|s| s.parse().ok()),
                );
            }
        }
        all.push(self.newest_unloaded);
        all.into_iter().flatten().max()
    }
}
