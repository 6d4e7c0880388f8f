//! The state of each object of a chain, read from the object itself (phase, conditions,
//! container states, status fields), never from events alone: events expire after an hour, the
//! object's status does not. The chain's marks and the `stuck-unexplained` rule both read this
//! one judgement, so the tree and the findings cannot disagree about what is stuck.

use crate::k8s::Named;
use jiff::Timestamp;
use k8s_openapi::api::core::v1::{ContainerState, Node, PersistentVolumeClaim};

use crate::ctx::Ctx;
use crate::k8s;
use crate::model::{PersistentVolume, Pod, VolumeAttachment};
use crate::rules::ObjectRef;
use crate::snapshot::Lookup;

/// How long a scheduled Pod may stay Pending (pulling images, attaching, mounting) before it is
/// stuck.
pub const POD_START_GRACE_SECS: i64 = 300;
/// How long a Pod may wait for a node, or a Running Pod stay not Ready, before it is stuck.
pub const POD_WAIT_GRACE_SECS: i64 = 120;
/// How long a claim may stay Pending (binding, provisioning) before it is stuck.
pub const CLAIM_BIND_GRACE_SECS: i64 = 120;
/// How long a VolumeAttachment may wait for `attached`, or a resize run, before it is stuck.
pub const ATTACH_GRACE_SECS: i64 = 120;
/// How long a VolumeAttachment may be deleting (detaching) before it is stuck.
pub const DETACH_GRACE_SECS: i64 = 300;
/// How long an object may stay deleting (a Pod terminating) before it is stuck.
pub const TERMINATING_GRACE_SECS: i64 = 600;

/// Container waiting reasons that are failures at once, whatever their age.
const FAILED_WAITING: [&str; 8] = [
    "CrashLoopBackOff",
    "ImagePullBackOff",
    "ErrImagePull",
    "CreateContainerConfigError",
    "CreateContainerError",
    "RunContainerError",
    "InvalidImageName",
    "ErrImageNeverPull",
];

/// The judgement on one object.
#[derive(Debug, Clone, PartialEq)]
pub enum Health {
    /// Working as intended.
    Healthy,
    /// A normal wait that is not a fault (WaitForFirstConsumer with no pod yet, a cordoned node
    /// still running its pods).
    Waiting(String),
    /// Not there yet, but within the time it normally takes (a claim provisioning for 20 s).
    Starting(String),
    /// Not healthy, past any grace: something must explain it.
    Stuck(Stuck),
}

/// What is stuck, since when, and the facts read from the object that show it.
#[derive(Debug, Clone, PartialEq)]
pub struct Stuck {
    /// `Pending 3h10m, unschedulable: …`, `container mysql CrashLoopBackOff (14 restarts)`.
    pub what: String,
    /// When it became stuck, when the object says so (condition transition, error time,
    /// deletion or creation time).
    pub since: Option<Timestamp>,
    /// Facts from the object's status: conditions, last termination, status fields.
    pub facts: Vec<String>,
}

impl Health {
    fn stuck(what: impl Into<String>, since: Option<Timestamp>, facts: Vec<String>) -> Self {
        Health::Stuck(Stuck {
            what: what.into(),
            since,
            facts,
        })
    }

    /// The stuck details, if stuck.
    pub fn as_stuck(&self) -> Option<&Stuck> {
        match self {
            Health::Stuck(s) => Some(s),
            _ => None,
        }
    }
}

fn ts(t: Option<&k8s_openapi::apimachinery::pkg::apis::meta::v1::Time>) -> Option<Timestamp> {
    t.map(|t| t.0)
}

/// The object whose events would show a failure within the grace (kind, namespace, name), or
/// `None` when they land elsewhere (a VolumeAttachment's on its pod): then any readable events do.
type About<'s> = Option<(&'s str, Option<&'s str>, &'s str)>;

/// `stuck` when older than `grace` (or of unknown age), else `starting`. The grace rests on the
/// events: a failure within it would show as an event, so without readable events (forbidden,
/// not dumped) a hop that is not there yet cannot be told from a failing one and counts as stuck.
fn past_grace(
    cx: &Ctx,
    about: About,
    since: Option<Timestamp>,
    grace: i64,
    what: String,
    mut facts: Vec<String>,
) -> Health {
    let young = since.is_some_and(|t| cx.age_secs(t) < grace);
    if !young {
        return Health::stuck(what, since, facts);
    }
    let unknown = match about {
        Some((kind, ns, name)) => cx.events_unknown(kind, ns, name),
        None => cx.events_unreadable(),
    };
    match unknown {
        None => Health::Starting(what),
        Some(why) => {
            facts.push(format!(
                "events were not read ({why}), so this wait cannot be told from a failure"
            ));
            Health::stuck(what, since, facts)
        }
    }
}

/// A Pod: scheduled, running, ready, not crash-looping.
pub fn pod(cx: &Ctx, pod: &Pod) -> Health {
    if pod_plainly_healthy(pod) {
        // The common case, decided without building any text (a scan judges every pod).
        return Health::Healthy;
    }
    // Where a failure within a grace would show: the pod's own events.
    let about: About = Some((
        "Pod",
        pod.metadata.namespace.as_deref(),
        k8s::ns_name(pod).1,
    ));
    let phase = k8s::pod_phase(pod);
    let created = ts(pod.metadata.creation_timestamp.as_ref());
    let status = pod.status.as_ref();
    let conditions = status
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    let condition = |t: &str| conditions.iter().find(|c| c.type_ == t);
    let mut facts = vec![format!("phase {phase}")];
    facts.extend(conditions.iter().filter(|c| c.status != "True").map(|c| {
        let why = [c.reason.as_deref(), c.message.as_deref()]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(": ");
        let since = ts(c.last_transition_time.as_ref())
            .map(|t| format!(" for {}", k8s::format_age(cx.age_secs(t))))
            .unwrap_or_default();
        format!(
            "condition {}={}{since}{}",
            c.type_,
            c.status,
            if why.is_empty() {
                String::new()
            } else {
                format!(" ({})", k8s::truncate(&why, 160))
            }
        )
    }));
    let containers = status
        .and_then(|s| s.container_statuses.as_deref())
        .unwrap_or_default();
    for c in containers {
        if let Some(t) = last_termination(c.last_state.as_ref()) {
            facts.push(format!(
                "container {} restarted {}×, last {t}",
                c.name, c.restart_count
            ));
        }
    }
    if let Some(deleted) = ts(pod.metadata.deletion_timestamp.as_ref()) {
        let what = format!("Terminating for {}", k8s::format_age(cx.age_secs(deleted)));
        return past_grace(
            cx,
            about,
            Some(deleted),
            TERMINATING_GRACE_SECS,
            what,
            facts,
        );
    }
    if phase == "Succeeded" {
        return Health::Healthy;
    }
    if let Some(c) = condition("PodScheduled").filter(|c| c.status == "False") {
        let since = ts(c.last_transition_time.as_ref()).or(created);
        let why = c
            .message
            .as_deref()
            .map(|m| {
                format!(
                    " · unschedulable: {}",
                    k8s::truncate(&k8s::scheduler_gist(m), 90)
                )
            })
            .unwrap_or_else(|| " · unschedulable".to_string());
        let what = format!("Pending {}{why}", cx.age(created));
        return past_grace(cx, about, since, POD_WAIT_GRACE_SECS, what, facts);
    }
    if phase == "Failed" || phase == "Unknown" {
        let why = [
            status.and_then(|s| s.reason.as_deref()),
            status.and_then(|s| s.message.as_deref()),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(": ");
        let what = if why.is_empty() {
            phase.to_string()
        } else {
            format!("{phase}: {}", k8s::truncate(&why, 120))
        };
        return Health::stuck(what, created, facts);
    }
    if let Some((c, reason)) = containers.iter().find_map(|c| {
        let w = c.state.as_ref()?.waiting.as_ref()?;
        let r = w.reason.as_deref()?;
        FAILED_WAITING.contains(&r).then_some((c, r))
    }) {
        let what = format!(
            "{phase}, container {} {reason} ({} restarts)",
            c.name, c.restart_count
        );
        let since = ts(c
            .last_state
            .as_ref()
            .and_then(|s| s.terminated.as_ref())
            .and_then(|t| t.finished_at.as_ref()));
        return Health::stuck(what, since.or(created), facts);
    }
    let node = pod.spec.as_ref().and_then(|s| s.node_name.as_deref());
    if phase == "Running" {
        match condition("Ready").filter(|c| c.status != "True") {
            None => return Health::Healthy,
            Some(c) => {
                let not_ready: Vec<&str> = containers
                    .iter()
                    .filter(|c| !c.ready)
                    .map(|c| c.name.as_str())
                    .collect();
                let since = ts(c.last_transition_time.as_ref()).or(created);
                let what = format!(
                    "Running but not Ready for {}{}",
                    cx.age(since),
                    if not_ready.is_empty() {
                        String::new()
                    } else {
                        format!(" (containers not ready: {})", not_ready.join(", "))
                    }
                );
                return past_grace(cx, about, since, POD_WAIT_GRACE_SECS, what, facts);
            }
        }
    }
    // Pending on a node: images, volumes (attach, mount), init containers.
    let waiting = containers
        .iter()
        .find_map(|c| c.state.as_ref()?.waiting.as_ref()?.reason.clone());
    let since = condition("PodScheduled")
        .and_then(|c| ts(c.last_transition_time.as_ref()))
        .or(created);
    let what = format!(
        "{phase} {}{}{}",
        cx.age(created),
        node.map(|n| format!(" on {n}")).unwrap_or_default(),
        waiting.map(|w| format!(" · {w}")).unwrap_or_default()
    );
    past_grace(cx, about, since, POD_START_GRACE_SECS, what, facts)
}

/// Running and Ready (or Succeeded), not deleting, no container failing to start.
fn pod_plainly_healthy(pod: &Pod) -> bool {
    let status = pod.status.as_ref();
    let phase = k8s::pod_phase(pod);
    let ready = status
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
    let failing = status
        .and_then(|s| s.container_statuses.as_ref())
        .is_some_and(|cs| {
            cs.iter().any(|c| {
                c.state
                    .as_ref()
                    .and_then(|s| s.waiting.as_ref())
                    .and_then(|w| w.reason.as_deref())
                    .is_some_and(|r| FAILED_WAITING.contains(&r))
            })
        });
    pod.metadata.deletion_timestamp.is_none()
        && (phase == "Succeeded" || (phase == "Running" && ready && !failing))
}

/// "exit code 1 (Error) at 09:12:03Z: No space left on device".
fn last_termination(state: Option<&ContainerState>) -> Option<String> {
    let t = state?.terminated.as_ref()?;
    let mut s = format!("exit code {}", t.exit_code);
    if let Some(r) = &t.reason {
        s.push_str(&format!(" ({r})"));
    }
    if let Some(at) = &t.finished_at {
        s.push_str(&format!(" at {}", at.0.strftime("%Y-%m-%d %H:%M:%SZ")));
    }
    if let Some(m) = t.message.as_deref().filter(|m| !m.trim().is_empty()) {
        s.push_str(&format!(
            ": \"{}\"",
            k8s::truncate(&k8s::event_gist(m), 160)
        ));
    }
    Some(s)
}

/// A claim: Bound, not lost, not deleting, no resize left unfinished.
pub fn pvc(cx: &Ctx, pvc: &PersistentVolumeClaim) -> Health {
    // Where a failure within a grace would show: the claim's own events.
    let about: About = Some((
        "PersistentVolumeClaim",
        pvc.metadata.namespace.as_deref(),
        k8s::ns_name(pvc).1,
    ));
    let phase = k8s::pvc_phase(pvc);
    let capacity = || {
        pvc.status
            .as_ref()
            .and_then(|s| s.capacity.as_ref())
            .and_then(|c| c.get("storage"))
            .and_then(k8s::quantity_bytes)
    };
    if phase == "Bound"
        && pvc.metadata.deletion_timestamp.is_none()
        && pvc
            .status
            .as_ref()
            .is_none_or(|s| s.modify_volume_status.is_none())
        && k8s::pvc_request(pvc)
            .zip(capacity())
            .is_none_or(|(r, c)| r <= c)
    {
        return Health::Healthy;
    }
    let created = ts(pvc.metadata.creation_timestamp.as_ref());
    let status = pvc.status.as_ref();
    let conditions = status
        .and_then(|s| s.conditions.as_deref())
        .unwrap_or_default();
    let mut facts = vec![format!("phase {phase}")];
    for c in conditions {
        let msg = c
            .message
            .as_deref()
            .map(|m| format!(" ({})", k8s::truncate(m, 120)))
            .unwrap_or_default();
        facts.push(format!("condition {}={}{msg}", c.type_, c.status));
    }
    if let Some(states) = status.and_then(|s| s.allocated_resource_statuses.as_ref()) {
        for (res, state) in states {
            facts.push(format!("allocatedResourceStatuses {res}: {state}"));
        }
    }
    if let Some(deleted) = ts(pvc.metadata.deletion_timestamp.as_ref()) {
        let finalizers = pvc.metadata.finalizers.as_deref().unwrap_or_default();
        return Health::stuck(
            format!(
                "being deleted for {}{}",
                k8s::format_age(cx.age_secs(deleted)),
                if finalizers.is_empty() {
                    String::new()
                } else {
                    format!(" (finalizers: {})", finalizers.join(", "))
                }
            ),
            Some(deleted),
            facts,
        );
    }
    match phase {
        "Lost" => return Health::stuck("Lost: its PersistentVolume is gone", created, facts),
        "Bound" => {}
        _ => {
            if let Some(sc) = cx.class_of(pvc) {
                if k8s::binding_mode(sc) == "WaitForFirstConsumer"
                    && k8s::annotation(pvc, "volume.kubernetes.io/selected-node").is_none()
                {
                    let (ns, name) = k8s::ns_name(pvc);
                    if cx.pods_using(ns, name).is_empty() {
                        return Health::Waiting("waiting for first consumer".to_string());
                    }
                }
            }
            let what = format!("{phase} {}", cx.age(created));
            return past_grace(cx, about, created, CLAIM_BIND_GRACE_SECS, what, facts);
        }
    }
    // Bound: has a requested change of VolumeAttributesClass finished?
    if let Some(m) = status.and_then(|s| s.modify_volume_status.as_ref()) {
        let what = format!(
            "change to VolumeAttributesClass {} {}",
            m.target_volume_attributes_class_name
                .as_deref()
                .unwrap_or("?"),
            m.status
        );
        facts.push(format!(
            "status.modifyVolumeStatus: {} (current class {})",
            m.status,
            status
                .and_then(|s| s.current_volume_attributes_class_name.as_deref())
                .unwrap_or("none")
        ));
        if m.status == "Infeasible" {
            return Health::stuck(what, None, facts);
        }
        let since = conditions
            .iter()
            .filter_map(|c| ts(c.last_transition_time.as_ref()))
            .min();
        return past_grace(cx, about, since, ATTACH_GRACE_SECS, what, facts);
    }
    // Bound: has a requested resize finished?
    let (Some(req), Some(cap)) = (k8s::pvc_request(pvc), capacity()) else {
        return Health::Healthy;
    };
    if req <= cap {
        return Health::Healthy;
    }
    let what = format!(
        "resize to {} requested, capacity still {}",
        k8s::format_bytes(req),
        k8s::format_bytes(cap)
    );
    let infeasible = status
        .and_then(|s| s.allocated_resource_statuses.as_ref())
        .is_some_and(|m| m.values().any(|v| v.ends_with("Infeasible")));
    if infeasible {
        return Health::stuck(what, None, facts);
    }
    let since = conditions
        .iter()
        .filter_map(|c| ts(c.last_transition_time.as_ref()))
        .min();
    past_grace(cx, about, since, ATTACH_GRACE_SECS, what, facts)
}

/// A PersistentVolume: not Failed.
pub fn pv(_cx: &Ctx, pv: &PersistentVolume) -> Health {
    match k8s::pv_phase(pv) {
        "Failed" => {
            let msg = pv
                .status
                .as_ref()
                .and_then(|s| s.message.as_deref())
                .map(|m| format!(": {}", k8s::truncate(m, 120)))
                .unwrap_or_default();
            Health::stuck(
                format!("Failed{msg}"),
                ts(pv.metadata.creation_timestamp.as_ref()),
                vec!["phase Failed".to_string()],
            )
        }
        _ => Health::Healthy,
    }
}

/// A VolumeAttachment: attached, no error, not stuck detaching.
pub fn attachment(cx: &Ctx, va: &VolumeAttachment) -> Health {
    let st = va.status.as_ref();
    if va.metadata.deletion_timestamp.is_none()
        && st.is_some_and(|s| s.attached && s.attach_error.is_none() && s.detach_error.is_none())
    {
        return Health::Healthy;
    }
    let node = &va.spec.node_name;
    let mut facts = vec![format!(
        "VolumeAttachment {} node {node} attached={}",
        va.name(),
        st.map(|s| s.attached).unwrap_or(false)
    )];
    for (field, e) in [
        ("attachError", st.and_then(|s| s.attach_error.as_ref())),
        ("detachError", st.and_then(|s| s.detach_error.as_ref())),
    ] {
        if let Some(e) = e {
            facts.push(format!(
                "status.{field}: \"{}\"",
                k8s::truncate(e.message.as_deref().unwrap_or_default(), 200)
            ));
        }
    }
    let error = st.and_then(|s| s.attach_error.as_ref().or(s.detach_error.as_ref()));
    if let Some(deleted) = ts(va.metadata.deletion_timestamp.as_ref()) {
        let what = format!(
            "detaching from {node} for {}",
            k8s::format_age(cx.age_secs(deleted))
        );
        return past_grace(cx, None, Some(deleted), DETACH_GRACE_SECS, what, facts);
    }
    if let Some(e) = error {
        return Health::stuck(
            format!(
                "error on {node}: {}",
                k8s::truncate(e.message.as_deref().unwrap_or_default(), 100)
            ),
            ts(e.time.as_ref()),
            facts,
        );
    }
    if st.is_some_and(|s| s.attached) {
        return Health::Healthy;
    }
    let created = ts(va.metadata.creation_timestamp.as_ref());
    let what = format!("not attached to {node} after {}", cx.age(created));
    past_grace(cx, None, created, ATTACH_GRACE_SECS, what, facts)
}

/// An EBS volume as EC2 reports it.
pub fn ebs(volume: &crate::snapshot::ec2::Volume) -> Health {
    let facts = vec![format!("EC2 {} state {}", volume.id, volume.state)];
    match volume.state.as_str() {
        "error" | "deleting" | "deleted" => {
            Health::stuck(format!("EC2 state {}", volume.state), None, facts)
        }
        "creating" => Health::Starting("creating".to_string()),
        _ => Health::Healthy,
    }
}

/// A node a Pod runs on: Ready.
pub fn node(cx: &Ctx, node: &Node) -> Health {
    let ready = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"));
    match ready {
        Some(c) if c.status == "True" => {
            if node
                .spec
                .as_ref()
                .and_then(|s| s.unschedulable)
                .unwrap_or(false)
            {
                Health::Waiting("Ready, cordoned".to_string())
            } else {
                Health::Healthy
            }
        }
        Some(c) => {
            let since = ts(c.last_transition_time.as_ref());
            Health::stuck(
                format!(
                    "Ready={} for {}{}",
                    c.status,
                    cx.age(since),
                    c.message
                        .as_deref()
                        .map(|m| format!(": {}", k8s::truncate(m, 100)))
                        .unwrap_or_default()
                ),
                since,
                vec![],
            )
        }
        None => Health::stuck("no Ready condition", None, vec![]),
    }
}

/// One object of a chain as `stuck-unexplained` sees it: what it is and its judgement.
#[derive(Debug, Clone)]
pub struct Member {
    /// `Pod`, `PVC`, `PV`, `Attach`, `EBS`, `Node` (as the tree labels them).
    pub label: &'static str,
    pub object: ObjectRef,
    pub health: Health,
}

/// Every object of one chain (a Pod's, or a claim's or volume's without a Pod in focus) and the
/// judgement on each; the objects a finding may be about to explain a stuck member.
#[derive(Debug, Clone, Default)]
pub struct ChainView {
    pub members: Vec<Member>,
    /// Objects in the chain that have no judgement of their own (classes, CSI drivers, CSINodes).
    pub others: Vec<ObjectRef>,
    /// Only which objects are in it: every member's health is left `Healthy` unjudged.
    shape_only: bool,
}

impl ChainView {
    /// Whether a finding about `object` is about this chain.
    pub fn contains(&self, object: &ObjectRef) -> bool {
        self.members.iter().any(|m| &m.object == object) || self.others.contains(object)
    }

    /// The members that are stuck.
    pub fn stuck(&self) -> impl Iterator<Item = (&Member, &Stuck)> {
        self.members
            .iter()
            .filter_map(|m| m.health.as_stuck().map(|s| (m, s)))
    }

    fn push(&mut self, label: &'static str, object: ObjectRef, health: impl FnOnce() -> Health) {
        if !self.contains(&object) {
            let health = if self.shape_only {
                Health::Healthy
            } else {
                health()
            };
            self.members.push(Member {
                label,
                object,
                health,
            });
        }
    }

    fn other(&mut self, object: ObjectRef) {
        if !self.contains(&object) {
            self.others.push(object);
        }
    }

    fn add_pod(&mut self, cx: &Ctx, pod: &Pod) {
        self.push("Pod", ObjectRef::of(pod), || self::pod(cx, pod));
        if let Some(n) = pod.spec.as_ref().and_then(|s| s.node_name.as_deref()) {
            let object = ObjectRef::new("Node", None, n);
            match cx.node(n) {
                Lookup::Found(node) => self.push("Node", object, || self::node(cx, node)),
                Lookup::Missing => self.push("Node", object, || {
                    Health::stuck(format!("node {n} does not exist"), None, vec![])
                }),
                Lookup::Unknown(_) => self.other(object),
            }
            self.other(ObjectRef::new("CSINode", None, n));
        }
        let ns = pod.namespace_or_empty();
        for (_, claim) in k8s::pod_claims(pod) {
            match cx.pvc(ns, &claim) {
                Lookup::Found(c) => self.add_pvc(cx, c),
                _ => self.other(ObjectRef::new("PersistentVolumeClaim", Some(ns), &claim)),
            }
        }
    }

    fn add_pvc(&mut self, cx: &Ctx, pvc: &PersistentVolumeClaim) {
        self.push("PVC", ObjectRef::of(pvc), || self::pvc(cx, pvc));
        if let Some(sc) = k8s::pvc_class_name(pvc).filter(|c| !c.is_empty()) {
            self.other(ObjectRef::new("StorageClass", None, sc));
        }
        if let Some(sc) = cx.class_of(pvc) {
            self.other(ObjectRef::of(sc));
            let driver = k8s::effective_driver(&sc.provisioner);
            self.other(ObjectRef::new("CSIDriver", None, driver));
        }
        match cx.pv_of(pvc) {
            Some(Lookup::Found(pv)) => self.add_pv(cx, pv),
            Some(_) => {
                let name = pvc
                    .spec
                    .as_ref()
                    .and_then(|s| s.volume_name.as_deref())
                    .unwrap_or_default();
                self.other(ObjectRef::new("PersistentVolume", None, name));
            }
            None => {}
        }
    }

    fn add_pv(&mut self, cx: &Ctx, pv: &PersistentVolume) {
        self.push("PV", ObjectRef::of(pv), || self::pv(cx, pv));
        let name = pv.name();
        if let Some(d) = k8s::pv_driver(pv) {
            self.other(ObjectRef::new("CSIDriver", None, d));
        }
        for va in cx.attachments_of(name) {
            self.push("Attach", ObjectRef::of(va), || attachment(cx, va));
            self.other(ObjectRef::new("Node", None, &va.spec.node_name));
        }
        if let Some(id) = k8s::pv_volume_id(pv).filter(|_| k8s::pv_is_ebs(pv)) {
            let object = ObjectRef::new(crate::rules::ebs::KIND, None, id);
            match cx.ebs_volume(id) {
                Lookup::Found(v) => self.push("EBS", object, || ebs(v)),
                Lookup::Missing => self.push("EBS", object, || {
                    Health::stuck(format!("{id} not found in EC2"), None, vec![])
                }),
                Lookup::Unknown(_) => self.other(object),
            }
        }
    }
}

/// The chains in focus, one at a time (a scan's ten thousand chains are never all held): one per
/// focused Pod, then one per focused claim no focused Pod uses, then one per focused volume no
/// focused claim is bound to.
pub fn for_each_chain(cx: &Ctx, each: impl FnMut(ChainView)) {
    walk_chains(cx, false, each);
}

/// [`for_each_chain`] without judging the members (all left `Healthy`): for a caller that
/// needs only which objects each chain holds, at a fraction of the cost.
pub fn for_each_chain_shape(cx: &Ctx, each: impl FnMut(ChainView)) {
    walk_chains(cx, true, each);
}

fn walk_chains(cx: &Ctx, shape_only: bool, mut each: impl FnMut(ChainView)) {
    let new = || ChainView {
        shape_only,
        ..ChainView::default()
    };
    // Hashed, so a scan of every claim stays linear; only the claims and volumes are kept.
    let mut covered: std::collections::HashSet<ObjectRef> = Default::default();
    let mut keep = |c: ChainView, covered: &mut std::collections::HashSet<ObjectRef>| {
        covered.extend(
            c.members
                .iter()
                .filter(|m| m.label == "PVC" || m.label == "PV")
                .map(|m| m.object.clone()),
        );
        each(c);
    };
    for pod in cx.pods() {
        let mut c = new();
        c.add_pod(cx, pod);
        keep(c, &mut covered);
    }
    for pvc in cx.pvcs() {
        if covered.contains(&ObjectRef::of(*pvc)) {
            continue;
        }
        let mut c = new();
        c.add_pvc(cx, pvc);
        keep(c, &mut covered);
    }
    for pv in cx.pvs() {
        if covered.contains(&ObjectRef::of(*pv)) {
            continue;
        }
        let mut c = new();
        c.add_pv(cx, pv);
        keep(c, &mut covered);
    }
}

/// Every chain in focus (see [`for_each_chain`]).
pub fn chains(cx: &Ctx) -> Vec<ChainView> {
    let mut out = Vec::new();
    for_each_chain(cx, |c| out.push(c));
    out
}
