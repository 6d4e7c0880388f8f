//! [`Ctx`]: the snapshot seen from one diagnosis — which objects are in focus, what "now" is,
//! and indexed lookups the rules share.

use crate::k8s::Named;
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap, HashSet};

use crate::model::VolumeAttachment;
use crate::model::{PersistentVolume, Pod};
use k8s_openapi::api::core::v1::{Node, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::{CSIDriver, CSINode, StorageClass};

use crate::k8s;
use crate::snapshot::{EventRecord, Kind, Lookup, Snapshot, VolumeStats};

/// The class a claim ends up with.
#[derive(Debug)]
pub enum ClaimClass<'a> {
    /// `storageClassName: ""`: static binding only, no provisioning.
    Empty,
    /// A named class (looked up).
    Named(&'a str, Lookup<'a, StorageClass>),
    /// No class named and no default class: the claim waits for a class-less PV.
    NoDefault,
    /// No class named; the (newest) default class applies.
    Default(&'a StorageClass),
    /// No class named, and whether a default exists is unknown.
    Unknown(String),
}

/// How many nodes register a CSI driver (in their CSINode), out of how many: one count for the
/// chain's driver hop and the rules that judge it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Registration {
    /// CSINodes listing the driver.
    pub registered: usize,
    /// Nodes known (Node or CSINode objects, whichever are more).
    pub nodes: usize,
    /// Whether CSINodes were read completely (else `registered` is a lower bound).
    pub known: bool,
    /// Whether only the chain's nodes' CSINodes were read (a targeted read): `registered` and
    /// `nodes` then count those.
    pub chain_only: bool,
}

/// The objects under diagnosis, and how far findings reach: what [`crate::chain::resolve`]
/// (a target's chain), `scan` (a namespace, a selector) or [`Focus::all`] decide, given to a
/// [`Ctx`] once. Every object is a reference into the snapshot the context is built on.
#[derive(Debug, Clone, Default)]
pub struct Focus<'a> {
    /// Pods in focus.
    pub pods: Vec<&'a Pod>,
    /// Claims in focus.
    pub pvcs: Vec<&'a PersistentVolumeClaim>,
    /// Volumes in focus.
    pub pvs: Vec<&'a PersistentVolume>,
    /// True for `scan`: cluster-wide findings (orphans, unclaimed PVs, duplicate defaults) apply.
    pub cluster_wide: bool,
    /// `scan` without a label selector: claims that no pod or workload template names are
    /// reported (`pvc-unused`), as warnings once older than this many seconds. `None` outside
    /// a scan, and when pods were read by selector (the claims' users are not all known).
    pub unused_after: Option<i64>,
}

impl<'a> Focus<'a> {
    /// Every object of the snapshot, cluster-wide findings included (`scan` of everything).
    pub fn all(snap: &'a Snapshot) -> Self {
        Focus {
            pods: snap.pods.iter().collect(),
            pvcs: snap.pvcs.iter().collect(),
            pvs: snap.pvs.iter().collect(),
            cluster_wide: true,
            unused_after: Some(DEFAULT_UNUSED_AFTER),
        }
    }

    /// Drops repeated objects (one object reached twice), keeping the first.
    pub fn dedup(&mut self) {
        fn dedup<T>(v: &mut Vec<&T>) {
            let mut seen = HashSet::new();
            v.retain(|x| seen.insert(addr(*x)));
        }
        dedup(&mut self.pods);
        dedup(&mut self.pvcs);
        dedup(&mut self.pvs);
    }
}

/// Positions of `items` by `key` (the snapshot holds each object once: no key repeats).
fn index<'a, T, K: std::hash::Hash + Eq>(
    items: &'a [T],
    key: impl Fn(&'a T) -> K,
) -> HashMap<K, usize> {
    items.iter().enumerate().map(|(i, o)| (key(o), i)).collect()
}

/// An object's address: its identity in the snapshot, for focus sets.
fn addr<T>(x: &T) -> usize {
    std::ptr::from_ref(x) as usize
}

/// The snapshot, the objects under diagnosis and fast lookups. Built once per diagnosis.
pub struct Ctx<'a> {
    pub snap: &'a Snapshot,
    /// The reference time for ages ("stuck for 3h").
    pub now: jiff::Timestamp,
    /// The objects under diagnosis: given once ([`Ctx::with_focus`]), read-only for the rules.
    focus: Focus<'a>,
    /// The addresses of the focused objects: membership in O(1) whatever the focus.
    focused_pods: HashSet<usize>,
    focused_pvcs: HashSet<usize>,
    focused_pvs: HashSet<usize>,
    pod_idx: HashMap<(&'a str, &'a str), usize>,
    pvc_idx: HashMap<(&'a str, &'a str), usize>,
    pv_idx: HashMap<&'a str, usize>,
    node_idx: HashMap<&'a str, usize>,
    events_idx: HashMap<(&'a str, &'a str, &'a str), Vec<usize>>,
    /// Pods by the claims their volumes use (`(namespace, claim)`): `pods_using` in O(1), which
    /// keeps a scan of every claim linear rather than quadratic.
    pods_by_claim: HashMap<(&'a str, String), Vec<usize>>,
    /// VolumeAttachments by PV name.
    va_idx: HashMap<&'a str, Vec<usize>>,
    /// VolumeAttachments by node name.
    va_by_node: HashMap<&'a str, Vec<usize>>,
    /// Claims by the PV their `spec.volumeName` names.
    claims_by_volume: HashMap<&'a str, Vec<usize>>,
    /// Node names by EC2 instance id (from `spec.providerID`).
    node_by_instance: HashMap<&'a str, &'a str>,
    /// Kubelet volume stats by `(pod namespace, pod, claim)`, first wins.
    stats_by_claim: HashMap<(&'a str, &'a str, &'a str), usize>,
    /// EC2 volumes by id.
    ebs_idx: HashMap<&'a str, usize>,
    /// CSINodes by name.
    csi_node_idx: HashMap<&'a str, usize>,
    /// How many CSINodes list each driver: [`Ctx::registration`] in O(1), not O(nodes).
    registered_by_driver: HashMap<&'a str, usize>,
    /// Kinds a lookup or a rule needed and could not see, with the reason: every one of them is
    /// listed under "not checked", so no rule goes quiet for lack of data.
    gaps: RefCell<BTreeMap<Kind, String>>,
}

use crate::k8s::ns_name;

/// `scan --unused-after`'s default: 30 days.
pub const DEFAULT_UNUSED_AFTER: i64 = 30 * 86_400;

impl<'a> Ctx<'a> {
    /// A context over `snap` with nothing in focus yet.
    pub fn new(snap: &'a Snapshot, now: jiff::Timestamp) -> Self {
        let pod_idx = index(&snap.pods, ns_name);
        let mut stats_by_claim = HashMap::new();
        for (i, v) in snap.volume_stats.iter().enumerate() {
            if let Some(claim) = v.pvc_name.as_deref() {
                let key = (v.pod_namespace.as_str(), v.pod_name.as_str(), claim);
                stats_by_claim.entry(key).or_insert(i);
            }
        }
        let pvc_idx = index(&snap.pvcs, ns_name);
        let pv_idx = index(&snap.pvs, |o| ns_name(o).1);
        let node_idx = index(&snap.nodes, |o| ns_name(o).1);
        let mut events_idx: HashMap<_, Vec<usize>> = HashMap::new();
        for (i, e) in snap.events.iter().enumerate() {
            let key = (
                e.kind.as_str(),
                e.namespace.as_deref().unwrap_or_default(),
                e.name.as_str(),
            );
            events_idx.entry(key).or_default().push(i);
        }
        let mut pods_by_claim: HashMap<_, Vec<usize>> = HashMap::new();
        for (i, p) in snap.pods.iter().enumerate() {
            let ns = p.namespace_or_empty();
            for (_, claim) in k8s::pod_claims(p) {
                let e = pods_by_claim.entry((ns, claim)).or_default();
                // A pod mounting one claim twice is still one user of it.
                if e.last() != Some(&i) {
                    e.push(i);
                }
            }
        }
        let mut va_idx: HashMap<_, Vec<usize>> = HashMap::new();
        let mut va_by_node: HashMap<_, Vec<usize>> = HashMap::new();
        for (i, va) in snap.volume_attachments.iter().enumerate() {
            if let Some(pv) = va.spec.source.persistent_volume_name.as_deref() {
                va_idx.entry(pv).or_default().push(i);
            }
            va_by_node
                .entry(va.spec.node_name.as_str())
                .or_default()
                .push(i);
        }
        let mut node_by_instance = HashMap::new();
        for n in &snap.nodes {
            if let (Some(id), Some(name)) = (k8s::node_instance_id(n), n.metadata.name.as_deref()) {
                node_by_instance.entry(id).or_insert(name);
            }
        }
        let mut claims_by_volume: HashMap<_, Vec<usize>> = HashMap::new();
        for (i, pvc) in snap.pvcs.iter().enumerate() {
            if let Some(pv) = pvc
                .spec
                .as_ref()
                .and_then(|s| s.volume_name.as_deref())
                .filter(|v| !v.is_empty())
            {
                claims_by_volume.entry(pv).or_default().push(i);
            }
        }
        // First wins, as the linear searches did.
        let mut ebs_idx = HashMap::new();
        for (i, v) in snap.ec2.volumes.iter().enumerate() {
            ebs_idx.entry(v.id.as_str()).or_insert(i);
        }
        let mut csi_node_idx = HashMap::new();
        let mut registered_by_driver: HashMap<&str, usize> = HashMap::new();
        for (i, n) in snap.csi_nodes.iter().enumerate() {
            csi_node_idx.entry(ns_name(n).1).or_insert(i);
            let mut names: Vec<&str> = n.spec.drivers.iter().map(|d| d.name.as_str()).collect();
            names.sort_unstable();
            names.dedup();
            for d in names {
                *registered_by_driver.entry(d).or_default() += 1;
            }
        }
        Ctx {
            snap,
            now,
            focus: Focus::default(),
            focused_pods: HashSet::new(),
            focused_pvcs: HashSet::new(),
            focused_pvs: HashSet::new(),
            pod_idx,
            pvc_idx,
            pv_idx,
            node_idx,
            events_idx,
            pods_by_claim,
            va_idx,
            va_by_node,
            claims_by_volume,
            node_by_instance,
            stats_by_claim,
            ebs_idx,
            csi_node_idx,
            registered_by_driver,
            gaps: RefCell::default(),
        }
    }

    /// Why `kind` cannot be trusted to be complete in `namespace` (`None` when it can), recorded
    /// as a gap of this diagnosis. Rules ask this instead of the snapshot, so every rule that
    /// skips for lack of data leaves a not-checked line behind.
    pub fn unknown(&self, kind: Kind, namespace: Option<&str>) -> Option<String> {
        let reason = self.snap.unknown_reason(kind, namespace)?;
        self.gaps
            .borrow_mut()
            .entry(kind)
            .or_insert_with(|| reason.clone());
        Some(reason)
    }

    /// The kinds this diagnosis needed and could not see: `(kind, reason)`.
    pub fn gaps(&self) -> Vec<(Kind, String)> {
        self.gaps
            .borrow()
            .iter()
            .map(|(k, r)| (*k, r.clone()))
            .collect()
    }

    /// This context with `focus` as the objects under diagnosis.
    pub fn with_focus(mut self, focus: Focus<'a>) -> Self {
        self.focus_on(focus);
        self
    }

    /// Gives the context its focus, once, before any rule runs (a context starts with nothing
    /// in focus); the membership sets are built here, so every focus test is O(1).
    pub fn focus_on(&mut self, focus: Focus<'a>) {
        debug_assert!(
            self.focused_pods.is_empty() && self.focused_pvcs.is_empty(),
            "a context's focus is given once"
        );
        self.focused_pods = focus.pods.iter().map(|p| addr(*p)).collect();
        self.focused_pvcs = focus.pvcs.iter().map(|c| addr(*c)).collect();
        self.focused_pvs = focus.pvs.iter().map(|v| addr(*v)).collect();
        self.focus = focus;
    }

    /// The objects under diagnosis.
    pub fn focus(&self) -> &Focus<'a> {
        &self.focus
    }

    /// Pods in focus.
    pub fn pods(&self) -> &[&'a Pod] {
        &self.focus.pods
    }

    /// Claims in focus.
    pub fn pvcs(&self) -> &[&'a PersistentVolumeClaim] {
        &self.focus.pvcs
    }

    /// Volumes in focus.
    pub fn pvs(&self) -> &[&'a PersistentVolume] {
        &self.focus.pvs
    }

    /// Whether cluster-wide findings apply (see [`Focus::cluster_wide`]).
    pub fn cluster_wide(&self) -> bool {
        self.focus.cluster_wide
    }

    /// See [`Focus::unused_after`].
    pub fn unused_after(&self) -> Option<i64> {
        self.focus.unused_after
    }

    /// Whether a pod of the snapshot is in focus.
    pub fn pod_in_focus(&self, pod: &Pod) -> bool {
        self.focused_pods.contains(&addr(pod))
    }

    /// Whether the pod `namespace/name` is in focus.
    pub fn pod_named_in_focus(&self, namespace: &str, name: &str) -> bool {
        self.pod_idx
            .get(&(namespace, name))
            .is_some_and(|&i| self.pod_in_focus(&self.snap.pods[i]))
    }

    /// Whether the claim `namespace/name` is in focus.
    pub fn pvc_in_focus(&self, namespace: &str, name: &str) -> bool {
        self.pvc_idx
            .get(&(namespace, name))
            .is_some_and(|&i| self.focused_pvcs.contains(&addr(&self.snap.pvcs[i])))
    }

    /// Whether a PV of the snapshot is in focus.
    pub fn pv_in_focus(&self, pv: &PersistentVolume) -> bool {
        self.focused_pvs.contains(&addr(pv))
    }

    /// Pods in focus whose claims are bound (`spec.volumeName`) to the PV `pv_name`, in
    /// snapshot order.
    pub fn focused_pods_on_pv(&self, pv_name: &str) -> Vec<&'a Pod> {
        let mut out: Vec<(usize, &'a Pod)> = Vec::new();
        for &c in self.claims_by_volume.get(pv_name).into_iter().flatten() {
            let (ns, name) = ns_name(&self.snap.pvcs[c]);
            for &i in self
                .pods_by_claim
                .get(&(ns, name.to_string()))
                .into_iter()
                .flatten()
            {
                let pod = &self.snap.pods[i];
                if self.pod_in_focus(pod) && !out.iter().any(|(j, _)| *j == i) {
                    out.push((i, pod));
                }
            }
        }
        out.sort_by_key(|(i, _)| *i);
        out.into_iter().map(|(_, p)| p).collect()
    }

    /// Looks up a claim.
    pub fn pvc(&self, namespace: &str, name: &str) -> Lookup<'a, PersistentVolumeClaim> {
        match self.pvc_idx.get(&(namespace, name)) {
            Some(&i) => Lookup::Found(&self.snap.pvcs[i]),
            None => self.absent(Kind::PersistentVolumeClaim, Some(namespace), name),
        }
    }

    /// Looks up a pod.
    pub fn pod(&self, namespace: &str, name: &str) -> Lookup<'a, Pod> {
        match self.pod_idx.get(&(namespace, name)) {
            Some(&i) => Lookup::Found(&self.snap.pods[i]),
            None => self.absent(Kind::Pod, Some(namespace), name),
        }
    }

    /// The kubelet's stats of the volume through which a pod uses `claim`, if read.
    pub fn volume_stats(&self, pod: &Pod, claim: &str) -> Option<&'a VolumeStats> {
        let (ns, name) = ns_name(pod);
        let &i = self.stats_by_claim.get(&(ns, name, claim))?;
        Some(&self.snap.volume_stats[i])
    }

    /// Looks up a PV.
    pub fn pv(&self, name: &str) -> Lookup<'a, PersistentVolume> {
        match self.pv_idx.get(name) {
            Some(&i) => Lookup::Found(&self.snap.pvs[i]),
            None => self.absent(Kind::PersistentVolume, None, name),
        }
    }

    /// Looks up a node.
    pub fn node(&self, name: &str) -> Lookup<'a, Node> {
        match self.node_idx.get(name) {
            Some(&i) => Lookup::Found(&self.snap.nodes[i]),
            None => self.absent(Kind::Node, None, name),
        }
    }

    /// Looks up a StorageClass.
    pub fn class(&self, name: &str) -> Lookup<'a, StorageClass> {
        self.recorded(
            self.snap
                .lookup(&self.snap.storage_classes, Kind::StorageClass, None, name),
            Kind::StorageClass,
            None,
        )
    }

    /// A lookup of the snapshot, its unknown outcome recorded as a gap.
    fn recorded<T>(&self, l: Lookup<'a, T>, kind: Kind, namespace: Option<&str>) -> Lookup<'a, T> {
        if let Lookup::Unknown(_) = l {
            self.unknown(kind, namespace);
        }
        l
    }

    /// Looks up a CSIDriver object.
    pub fn csi_driver(&self, name: &str) -> Lookup<'a, CSIDriver> {
        self.recorded(
            self.snap
                .lookup(&self.snap.csi_drivers, Kind::CSIDriver, None, name),
            Kind::CSIDriver,
            None,
        )
    }

    /// Looks up a node's CSINode.
    pub fn csi_node(&self, node: &str) -> Lookup<'a, CSINode> {
        match self.csi_node_idx.get(node) {
            Some(&i) => Lookup::Found(&self.snap.csi_nodes[i]),
            None => self.absent(Kind::CSINode, None, node),
        }
    }

    /// How many nodes register `driver` in their CSINode.
    pub fn registration(&self, driver: &str) -> Registration {
        let chain_only = matches!(
            self.snap.coverage.get(&Kind::CSINode),
            Some(crate::snapshot::Coverage::Read(
                crate::snapshot::Scope::Named(_)
            ))
        );
        Registration {
            registered: self.registered_by_driver.get(driver).copied().unwrap_or(0),
            nodes: self.snap.nodes.len().max(self.snap.csi_nodes.len()),
            known: !chain_only && self.unknown(Kind::CSINode, None).is_none(),
            chain_only,
        }
    }

    /// Looks up an EBS volume by id, like [`Snapshot::ebs_volume`] but hash-indexed.
    pub fn ebs_volume(&self, id: &str) -> Lookup<'a, crate::snapshot::ec2::Volume> {
        if let Some(&i) = self.ebs_idx.get(id) {
            return Lookup::Found(&self.snap.ec2.volumes[i]);
        }
        if self.snap.ec2.not_found.contains(id) {
            return Lookup::Missing;
        }
        self.absent(Kind::EbsVolume, None, id)
    }

    fn absent<T>(&self, kind: Kind, namespace: Option<&str>, name: &str) -> Lookup<'a, T> {
        let key = crate::snapshot::object_key(namespace, name);
        match self.unknown_object(kind, namespace, &key) {
            None => Lookup::Missing,
            Some(r) => Lookup::Unknown(r),
        }
    }

    /// Like [`Ctx::unknown`], for what is known of one object (`key`: see
    /// [`crate::snapshot::object_key`]): a targeted read that asked for it knows it.
    pub fn unknown_object(&self, kind: Kind, namespace: Option<&str>, key: &str) -> Option<String> {
        let reason = self.snap.unknown_object(kind, namespace, key)?;
        self.gaps
            .borrow_mut()
            .entry(kind)
            .or_insert_with(|| reason.clone());
        Some(reason)
    }

    /// Why no events could be read at all, as a gap; `None` when some were (every namespace,
    /// some namespaces, or the chain's objects').
    pub fn events_unreadable(&self) -> Option<String> {
        match self.snap.coverage.get(&Kind::Event) {
            Some(crate::snapshot::Coverage::Read(_)) => None,
            _ => self.unknown(Kind::Event, None),
        }
    }

    /// Why the events about one object may be incomplete (never read, or not read for it), as
    /// a gap; `None` when they were read (and an absent event is absent or expired).
    pub fn events_unknown(
        &self,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Option<String> {
        let key = crate::snapshot::events_key(kind, namespace, name);
        self.unknown_object(Kind::Event, namespace, &key)
    }

    /// Events about one object, newest last.
    pub fn events_for(
        &self,
        kind: &str,
        namespace: Option<&str>,
        name: &str,
    ) -> Vec<&'a EventRecord> {
        // Events that were never read are a gap; events read and absent (expired) are not.
        self.events_unknown(kind, namespace, name);
        let key = (kind, namespace.unwrap_or_default(), name);
        let mut out: Vec<&EventRecord> = self
            .events_idx
            .get(&key)
            .into_iter()
            .flatten()
            .map(|&i| &self.snap.events[i])
            .collect();
        out.sort_by_key(|e| e.last);
        out
    }

    /// Events about a pod.
    pub fn pod_events(&self, pod: &Pod) -> Vec<&'a EventRecord> {
        let (ns, name) = ns_name(pod);
        self.events_for("Pod", Some(ns), name)
    }

    /// Events about a claim.
    pub fn pvc_events(&self, pvc: &PersistentVolumeClaim) -> Vec<&'a EventRecord> {
        let (ns, name) = ns_name(pvc);
        self.events_for("PersistentVolumeClaim", Some(ns), name)
    }

    /// Pods (in the snapshot) whose volumes use the claim `namespace/name`.
    pub fn pods_using(&self, namespace: &str, name: &str) -> Vec<&'a Pod> {
        self.pods_by_claim
            .get(&(namespace, name.to_string()))
            .into_iter()
            .flatten()
            .map(|&i| &self.snap.pods[i])
            .collect()
    }

    /// The PV a claim is bound to (by `spec.volumeName`), if it names one.
    pub fn pv_of(&self, pvc: &PersistentVolumeClaim) -> Option<Lookup<'a, PersistentVolume>> {
        let name = pvc
            .spec
            .as_ref()?
            .volume_name
            .as_deref()
            .filter(|n| !n.is_empty())?;
        Some(self.pv(name))
    }

    /// Default StorageClasses, newest first (the one Kubernetes picks comes first).
    pub fn default_classes(&self) -> Vec<&'a StorageClass> {
        let mut defaults: Vec<&StorageClass> = self
            .snap
            .storage_classes
            .iter()
            .filter(|sc| k8s::is_default_class(sc))
            .collect();
        defaults.sort_by(|a, b| {
            let t = |s: &StorageClass| s.metadata.creation_timestamp.as_ref().map(|t| t.0);
            t(b).cmp(&t(a))
                .then_with(|| a.metadata.name.cmp(&b.metadata.name))
        });
        defaults
    }

    /// The class a claim uses: named, default, empty, or none.
    pub fn claim_class(&self, pvc: &'a PersistentVolumeClaim) -> ClaimClass<'a> {
        match k8s::pvc_class_name(pvc) {
            Some("") => ClaimClass::Empty,
            Some(name) => ClaimClass::Named(name, self.class(name)),
            None => {
                if let Some(reason) = self.unknown(Kind::StorageClass, None) {
                    return ClaimClass::Unknown(reason);
                }
                match self.default_classes().first() {
                    Some(sc) => ClaimClass::Default(sc),
                    None => ClaimClass::NoDefault,
                }
            }
        }
    }

    /// The StorageClass object a claim uses, when it resolves to one.
    pub fn class_of(&self, pvc: &'a PersistentVolumeClaim) -> Option<&'a StorageClass> {
        match self.claim_class(pvc) {
            ClaimClass::Named(_, l) => l.found(),
            ClaimClass::Default(sc) => Some(sc),
            _ => None,
        }
    }

    /// VolumeAttachments for a PV.
    pub fn attachments_of(&self, pv_name: &str) -> Vec<&'a VolumeAttachment> {
        self.va_idx
            .get(pv_name)
            .into_iter()
            .flatten()
            .map(|&i| &self.snap.volume_attachments[i])
            .collect()
    }

    /// The node running an EC2 instance (by `spec.providerID`), if the snapshot has it.
    pub fn node_of_instance(&self, instance_id: &str) -> Option<&'a str> {
        self.node_by_instance.get(instance_id).copied()
    }

    /// VolumeAttachments on a node.
    pub fn attachments_on(&self, node: &str) -> Vec<&'a VolumeAttachment> {
        self.va_by_node
            .get(node)
            .into_iter()
            .flatten()
            .map(|&i| &self.snap.volume_attachments[i])
            .collect()
    }

    /// The nodes a new pod could land on (Ready, not cordoned).
    pub fn schedulable_nodes(&self) -> impl Iterator<Item = &'a Node> {
        self.snap.nodes.iter().filter(|n| k8s::node_schedulable(n))
    }

    /// "us-east-1a ×2, us-east-1b ×1": where schedulable nodes are, for messages.
    pub fn node_zone_summary(&self) -> String {
        let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
        for n in self.schedulable_nodes() {
            *counts
                .entry(k8s::node_zone(n).unwrap_or("no zone label"))
                .or_default() += 1;
        }
        if counts.is_empty() {
            return "no schedulable nodes".into();
        }
        counts
            .iter()
            .map(|(z, c)| format!("{z} ×{c}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Seconds since `t` (0 if in the future).
    pub fn age_secs(&self, t: jiff::Timestamp) -> i64 {
        (self.now.as_second() - t.as_second()).max(0)
    }

    /// kubectl-style age of an object or event time.
    pub fn age(&self, t: Option<jiff::Timestamp>) -> String {
        t.map(|t| k8s::format_age(self.age_secs(t)))
            .unwrap_or_else(|| "?".into())
    }

    /// "187× ExternalProvisioning, last 2m ago: \"…\"": an event as evidence.
    pub fn event_evidence(&self, e: &EventRecord) -> String {
        self.event_evidence_saying(e, &k8s::truncate(&k8s::event_gist(&e.message), 160))
    }

    /// [`Ctx::event_evidence`] with the message put as `text` (a shortened or reworded one).
    pub fn event_evidence_saying(&self, e: &EventRecord, text: &str) -> String {
        format!(
            "{}× {} on {}/{}, last {} ago: \"{text}\"",
            e.count,
            e.reason,
            e.namespace.as_deref().unwrap_or("-"),
            e.name,
            self.age(e.last),
        )
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::snapshot::load;

    /// Two namespaces, a pod and its claim in each, and the kubelet's stats of both volumes.
    pub(crate) fn two_namespaces() -> Snapshot {
        let mut text = String::new();
        for ns in ["a", "b"] {
            text.push_str(&format!(
                "---\napiVersion: v1\nkind: Pod\nmetadata: {{name: db-0, namespace: {ns}}}\nspec:\n  nodeName: n1\n  containers: [{{name: db, image: pg}}]\n  volumes: [{{name: data, persistentVolumeClaim: {{claimName: data-db-0}}}}]\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data-db-0, namespace: {ns}}}\nspec: {{accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 1Gi}}}}}}\n"
            ));
        }
        let (mut snap, _) = load::load_str(std::path::Path::new("two.yaml"), &text).expect("loads");
        for (ns, used) in [("a", 10), ("b", 20)] {
            let mut s = volume_stats(ns, 100, used, 100 - used, 1000, 10);
            s.available_bytes = None;
            snap.volume_stats.push(s);
        }
        snap
    }

    /// The pods and claims of one namespace, as `scan -n` focuses.
    pub(crate) fn in_namespace<'a>(snap: &'a Snapshot, ns: &str) -> Focus<'a> {
        let here = |m: &k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta| {
            m.namespace.as_deref() == Some(ns)
        };
        Focus {
            pods: snap.pods.iter().filter(|p| here(&p.metadata)).collect(),
            pvcs: snap.pvcs.iter().filter(|c| here(&c.metadata)).collect(),
            ..Focus::default()
        }
    }

    /// The kubelet's stats of pod `NS/db-0`'s volume `data` (claim `data-db-0`).
    pub(crate) fn volume_stats(
        ns: &str,
        cap: u64,
        used: u64,
        avail: u64,
        inodes: u64,
        iused: u64,
    ) -> VolumeStats {
        VolumeStats {
            node: "node-a".into(),
            pod_namespace: ns.into(),
            pod_name: "db-0".into(),
            volume_name: "data".into(),
            pvc_namespace: Some(ns.into()),
            pvc_name: Some("data-db-0".into()),
            capacity_bytes: Some(cap),
            used_bytes: Some(used),
            available_bytes: Some(avail),
            inodes: Some(inodes),
            inodes_used: Some(iused),
        }
    }

    #[test]
    fn focus_membership_is_what_the_focus_holds() {
        let snap = two_namespaces();
        let cx = Ctx::new(&snap, jiff::Timestamp::UNIX_EPOCH).with_focus(in_namespace(&snap, "a"));
        let (a, b) = (&snap.pods[0], &snap.pods[1]);
        assert_eq!(ns_name(a), ("a", "db-0"));
        assert!(cx.pod_in_focus(a) && !cx.pod_in_focus(b));
        // The same name in another namespace is another object.
        assert!(cx.pod_named_in_focus("a", "db-0") && !cx.pod_named_in_focus("b", "db-0"));
        assert!(cx.pvc_in_focus("a", "data-db-0") && !cx.pvc_in_focus("b", "data-db-0"));
        assert!(!cx.pvc_in_focus("a", "nope"));
        assert!(!cx.cluster_wide() && cx.unused_after().is_none());
        // A copy of a focused pod is not the snapshot's object: identity, as before.
        assert!(!cx.pod_in_focus(&a.clone()));

        let all = Ctx::new(&snap, jiff::Timestamp::UNIX_EPOCH).with_focus(Focus::all(&snap));
        assert!(all.pod_in_focus(b) && all.pvc_in_focus("b", "data-db-0"));
        assert!(all.cluster_wide());
        assert_eq!(all.unused_after(), Some(DEFAULT_UNUSED_AFTER));
        assert_eq!(all.pods().len(), 2);
    }

    #[test]
    fn volume_stats_are_found_by_pod_and_claim() {
        let snap = two_namespaces();
        let cx = Ctx::new(&snap, jiff::Timestamp::UNIX_EPOCH);
        let s = cx.volume_stats(&snap.pods[1], "data-db-0").expect("stats");
        assert_eq!((s.pod_namespace.as_str(), s.used_bytes), ("b", Some(20)));
        assert!(cx.volume_stats(&snap.pods[1], "other").is_none());
    }
}
