//! Chain resolution: from a target (`pod/db-0`, `pvc/data`, `pv/pv-1`, `sts/db`) to the objects
//! under diagnosis and a tree of hops Pod → PVC → (StorageClass → CSI driver) / (PV → attachment,
//! node, EBS volume), each with a status.

use crate::k8s::Named;
use crate::model::{PersistentVolume, Pod};
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use serde::Serialize;

use crate::ctx::{ClaimClass, Ctx, Focus};
use crate::error::{Error, Result};
use crate::health::{self, Health};
use crate::k8s;
use crate::rules::{Finding, ObjectRef, Severity};
use crate::snapshot::{Kind, Lookup};

/// What the user asked about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "name", rename_all = "lowercase")]
pub enum Target {
    Pod(String),
    Pvc(String),
    Pv(String),
    Sts(String),
}

impl Target {
    /// Parses `pod/NAME`, `pvc/NAME`, `pv/NAME`, `sts/NAME` (and kubectl's long names), or a bare
    /// NAME meaning a pod.
    pub fn parse(s: &str) -> Result<Self> {
        let (kind, name) = match s.split_once('/') {
            Some((k, n)) => (k.to_ascii_lowercase(), n),
            None => ("pod".to_string(), s),
        };
        if name.is_empty() || name.contains('/') || !k8s::is_dns_subdomain(name) {
            return Err(Error::Usage(format!(
                "invalid target {s:?}: expected pod/NAME, pvc/NAME, pv/NAME, sts/NAME or a pod NAME"
            )));
        }
        let name = name.to_string();
        Ok(match kind.as_str() {
            "pod" | "pods" | "po" => Target::Pod(name),
            "pvc" | "pvcs" | "persistentvolumeclaim" | "persistentvolumeclaims" => {
                Target::Pvc(name)
            }
            "pv" | "pvs" | "persistentvolume" | "persistentvolumes" => Target::Pv(name),
            "sts" | "statefulset" | "statefulsets" => Target::Sts(name),
            other => {
                return Err(Error::Usage(format!(
                    "unsupported target kind {other:?} in {s:?}: use pod/, pvc/, pv/ or sts/"
                )))
            }
        })
    }

    /// `pod/db-0`.
    pub fn display(&self) -> String {
        match self {
            Target::Pod(n) => format!("pod/{n}"),
            Target::Pvc(n) => format!("pvc/{n}"),
            Target::Pv(n) => format!("pv/{n}"),
            Target::Sts(n) => format!("sts/{n}"),
        }
    }
}

/// How a hop looks: drives the mark (✓ ! ✗ ·) and colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum HopState {
    Ok,
    Info,
    Warning,
    Error,
    /// Not looked at, or could not be: never reads as healthy.
    NotChecked,
    /// Does not exist yet (a PV before provisioning): neutral.
    Absent,
}

/// One hop of the chain, with its children.
#[derive(Debug, Clone, Serialize)]
pub struct Hop {
    /// Short label: `Pod`, `PVC`, `PV`, `SC`, `CSI driver`, `Attach`, `Node`, `EBS`.
    pub label: &'static str,
    /// The object's name as shown.
    pub name: String,
    /// Key facts (`100Gi RWO`, `io1 · zones us-east-1d`).
    pub detail: String,
    pub state: HopState,
    /// Status text (`Pending 3h12m · 187× ExternalProvisioning`).
    pub status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub object: Option<ObjectRef>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Hop>,
}

impl Hop {
    fn new(
        label: &'static str,
        name: impl Into<String>,
        state: HopState,
        status: impl Into<String>,
    ) -> Self {
        Hop {
            label,
            name: name.into(),
            detail: String::new(),
            state,
            status: status.into(),
            object: None,
            children: Vec::new(),
        }
    }

    fn detail(mut self, d: impl Into<String>) -> Self {
        self.detail = d.into();
        self
    }

    fn object(mut self, o: ObjectRef) -> Self {
        self.object = Some(o);
        self
    }

    /// Raises hop states to match the findings about their objects.
    pub fn apply_findings(&mut self, findings: &[Finding]) {
        if let Some(obj) = &self.object {
            for f in findings.iter().filter(|f| &f.object == obj) {
                let s = match f.severity {
                    Severity::Error => HopState::Error,
                    Severity::Warning => HopState::Warning,
                    Severity::Info => HopState::Info,
                };
                if self.state < s || self.state >= HopState::NotChecked && s != HopState::Info {
                    self.state = s;
                }
            }
        }
        for c in &mut self.children {
            c.apply_findings(findings);
        }
    }

    /// Every hop of this tree, depth first.
    pub fn walk(&self) -> Vec<&Hop> {
        let mut out = vec![self];
        for c in &self.children {
            out.extend(c.walk());
        }
        out
    }
}

/// Resolves a target on `cx` (which has nothing in focus yet): one tree per root (one per pod;
/// several for a StatefulSet), and the objects the trees reach, the focus to diagnose them with
/// ([`Ctx::with_focus`]).
pub fn resolve<'a>(
    cx: &Ctx<'a>,
    target: &Target,
    namespace: &str,
) -> Result<(Vec<Hop>, Focus<'a>)> {
    let snap = cx.snap;
    let mut trees = Vec::new();
    let mut focus = Focus::default();
    match target {
        Target::Pod(name) => {
            let pod = match cx.pod(namespace, name) {
                Lookup::Found(p) => p,
                Lookup::Missing => {
                    return Err(Error::NotFound(format!(
                        "pod {name} not found in namespace {namespace}"
                    )))
                }
                Lookup::Unknown(r) => {
                    return Err(Error::NotFound(format!(
                        "cannot look up pod {namespace}/{name}: {r}"
                    )))
                }
            };
            trees.push(pod_tree(cx, &mut focus, pod));
        }
        Target::Pvc(name) => match cx.pvc(namespace, name) {
            Lookup::Found(pvc) => {
                let mut tree = pvc_tree(cx, &mut focus, pvc);
                for pod in cx.pods_using(namespace, name) {
                    focus.pods.push(pod);
                    tree.children.insert(0, pod_hop(cx, pod));
                }
                trees.push(tree);
            }
            Lookup::Missing => {
                return Err(Error::NotFound(format!(
                    "persistentvolumeclaim {name} not found in namespace {namespace}"
                )))
            }
            Lookup::Unknown(r) => {
                return Err(Error::NotFound(format!(
                    "cannot look up pvc {namespace}/{name}: {r}"
                )))
            }
        },
        Target::Pv(name) => match cx.pv(name) {
            Lookup::Found(pv) => {
                let claim = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref());
                let bound_claim = claim.and_then(|c| {
                    cx.pvc(
                        c.namespace.as_deref().unwrap_or_default(),
                        c.name.as_deref().unwrap_or_default(),
                    )
                    .found()
                });
                match bound_claim {
                    Some(pvc) => {
                        let (ns, n) = (
                            pvc.metadata.namespace.clone().unwrap_or_default(),
                            pvc.metadata.name.clone().unwrap_or_default(),
                        );
                        let mut tree = pvc_tree(cx, &mut focus, pvc);
                        for pod in cx.pods_using(&ns, &n) {
                            focus.pods.push(pod);
                            tree.children.insert(0, pod_hop(cx, pod));
                        }
                        trees.push(tree);
                    }
                    None => trees.push(pv_tree(cx, &mut focus, pv)),
                }
            }
            Lookup::Missing => {
                return Err(Error::NotFound(format!(
                    "persistentvolume {name} not found"
                )))
            }
            Lookup::Unknown(r) => {
                return Err(Error::NotFound(format!("cannot look up pv {name}: {r}")))
            }
        },
        Target::Sts(name) => {
            let sts =
                match snap.lookup(&snap.statefulsets, Kind::StatefulSet, Some(namespace), name) {
                    Lookup::Found(s) => s,
                    Lookup::Missing => {
                        return Err(Error::NotFound(format!(
                            "statefulset {name} not found in namespace {namespace}"
                        )))
                    }
                    Lookup::Unknown(r) => {
                        return Err(Error::NotFound(format!(
                            "cannot look up sts {namespace}/{name}: {r}"
                        )))
                    }
                };
            let templates = k8s::sts_claim_templates(sts);
            for ordinal in k8s::sts_ordinals(sts) {
                let pod_name = format!("{name}-{ordinal}");
                match snap
                    .lookup(&snap.pods, Kind::Pod, Some(namespace), &pod_name)
                    .found()
                {
                    Some(pod) => trees.push(pod_tree(cx, &mut focus, pod)),
                    None => {
                        let mut hop = Hop::new(
                            "Pod",
                            format!("{namespace}/{pod_name}"),
                            HopState::Absent,
                            "not created yet",
                        )
                        .object(ObjectRef::new(
                            "Pod",
                            Some(namespace),
                            &pod_name,
                        ));
                        for t in &templates {
                            let claim = format!("{t}-{name}-{ordinal}");
                            hop.children
                                .push(claim_hop(cx, &mut focus, namespace, &claim));
                        }
                        trees.push(hop);
                    }
                }
            }
        }
    }
    focus.dedup();
    Ok((trees, focus))
}

fn pod_hop(cx: &Ctx, pod: &Pod) -> Hop {
    let (ns, name) = k8s::ns_name(pod);
    let phase = k8s::pod_phase(pod);
    let health = health::pod(cx, pod);
    let text = match &health {
        Health::Stuck(s) => s.what.clone(),
        Health::Starting(s) | Health::Waiting(s) => s.clone(),
        Health::Healthy => format!(
            "{phase} on {}",
            pod.spec
                .as_ref()
                .and_then(|s| s.node_name.as_deref())
                .unwrap_or("?")
        ),
    };
    Hop::new("Pod", format!("{ns}/{name}"), mark(&health), text).object(ObjectRef::of(pod))
}

/// The mark a judgement gives a hop before findings raise it.
fn mark(h: &Health) -> HopState {
    match h {
        Health::Healthy => HopState::Ok,
        Health::Waiting(_) => HopState::Info,
        Health::Starting(_) => HopState::Warning,
        Health::Stuck(_) => HopState::Error,
    }
}

fn pod_tree<'a>(cx: &Ctx<'a>, focus: &mut Focus<'a>, pod: &'a Pod) -> Hop {
    focus.pods.push(pod);
    let mut hop = pod_hop(cx, pod);
    let ns = pod.metadata.namespace.clone().unwrap_or_default();
    let stuck = hop.state == HopState::Error;
    for (_, claim) in k8s::pod_claims(pod) {
        let mut claim_hop = claim_hop(cx, focus, &ns, &claim);
        if let Some(u) = usage_hop(cx, pod, &claim, stuck) {
            claim_hop.children.push(u);
        }
        hop.children.push(claim_hop);
    }
    if let Some(node) = pod.spec.as_ref().and_then(|s| s.node_name.clone()) {
        hop.children.push(node_hop(cx, &node));
    }
    hop
}

/// How full a pod's claim-backed volume is, from the kubelet's stats: shown when they were read,
/// and marked not checked when they were not and the pod is stuck (a full volume is the classic
/// cause of a database's crash loop).
fn usage_hop(cx: &Ctx, pod: &Pod, claim: &str, stuck: bool) -> Option<Hop> {
    use crate::rules::mount::{usage, volume_full::FULL_PCT, volume_nearly_full::NEARLY_FULL_PCT};
    match cx.volume_stats(pod, claim).and_then(usage) {
        Some(u) => {
            let pct = u.pct();
            let state = if pct >= FULL_PCT {
                HopState::Error
            } else if pct >= NEARLY_FULL_PCT {
                HopState::Warning
            } else {
                HopState::Ok
            };
            Some(Hop::new("Usage", "", state, u.describe()))
        }
        None if stuck && pod.spec.as_ref().is_some_and(|s| s.node_name.is_some()) => {
            let why = cx.unknown(Kind::NodeStats, None).unwrap_or_else(|| {
                "the kubelet's stats have no figures for this volume".to_string()
            });
            Some(Hop::new(
                "Usage",
                "",
                HopState::NotChecked,
                format!("not checked: {why}"),
            ))
        }
        None => None,
    }
}

fn claim_hop<'a>(cx: &Ctx<'a>, focus: &mut Focus<'a>, namespace: &str, name: &str) -> Hop {
    match cx.pvc(namespace, name) {
        Lookup::Found(pvc) => pvc_tree(cx, focus, pvc),
        Lookup::Missing => Hop::new("PVC", name, HopState::Error, "does not exist").object(
            ObjectRef::new("PersistentVolumeClaim", Some(namespace), name),
        ),
        Lookup::Unknown(r) => Hop::new(
            "PVC",
            name,
            HopState::NotChecked,
            format!("not checked: {r}"),
        ),
    }
}

fn pvc_tree<'a>(cx: &Ctx<'a>, focus: &mut Focus<'a>, pvc: &'a PersistentVolumeClaim) -> Hop {
    focus.pvcs.push(pvc);
    let name = pvc.metadata.name.clone().unwrap_or_default();
    let phase = k8s::pvc_phase(pvc);
    let size = k8s::pvc_request(pvc)
        .map(k8s::format_bytes)
        .unwrap_or_else(|| "?".into());
    let modes = k8s::short_modes(
        pvc.spec
            .as_ref()
            .and_then(|s| s.access_modes.as_deref())
            .unwrap_or_default(),
    );
    let mut status = phase.to_string();
    if phase != "Bound" {
        status.push(' ');
        status.push_str(&cx.age(pvc.metadata.creation_timestamp.as_ref().map(|t| t.0)));
        if let Some(e) = cx.pvc_events(pvc).last() {
            status.push_str(&format!(" · {}× {}", e.count, e.reason));
        }
    }
    let health = health::pvc(cx, pvc);
    let what = match &health {
        Health::Stuck(s) => Some(&s.what),
        Health::Starting(s) => Some(s),
        _ => None,
    };
    if let Some(what) =
        what.filter(|_| phase == "Bound" || pvc.metadata.deletion_timestamp.is_some())
    {
        status.push_str(&format!(" · {what}"));
    }
    let mut hop = Hop::new("PVC", name, mark(&health), status)
        .detail(format!("{size} {modes}"))
        .object(ObjectRef::of(pvc));
    hop.children.push(class_hop(cx, pvc));
    match cx.pv_of(pvc) {
        Some(Lookup::Found(pv)) => hop.children.push(pv_tree(cx, focus, pv)),
        Some(Lookup::Missing) => {
            let pv = pvc
                .spec
                .as_ref()
                .and_then(|s| s.volume_name.clone())
                .unwrap_or_default();
            hop.children.push(
                Hop::new("PV", pv.clone(), HopState::Error, "does not exist")
                    .object(ObjectRef::new("PersistentVolume", None, &pv)),
            )
        }
        Some(Lookup::Unknown(r)) => hop.children.push(Hop::new(
            "PV",
            "?",
            HopState::NotChecked,
            format!("not checked: {r}"),
        )),
        None => hop
            .children
            .push(Hop::new("PV", "(none yet)", HopState::Absent, "")),
    }
    hop
}

fn class_hop(cx: &Ctx, pvc: &PersistentVolumeClaim) -> Hop {
    match cx.claim_class(pvc) {
        ClaimClass::Empty => Hop::new(
            "SC",
            "\"\"",
            HopState::Ok,
            "static binding only (no provisioning)",
        ),
        ClaimClass::NoDefault => Hop::new(
            "SC",
            "(none)",
            HopState::Warning,
            "no class set and no default class",
        ),
        ClaimClass::Unknown(r) => Hop::new(
            "SC",
            "(default)",
            HopState::NotChecked,
            format!("not checked: {r}"),
        ),
        ClaimClass::Named(name, Lookup::Missing) => {
            Hop::new("SC", name, HopState::Error, "does not exist").object(ObjectRef::new(
                "StorageClass",
                None,
                name,
            ))
        }
        ClaimClass::Named(name, Lookup::Unknown(r)) => Hop::new(
            "SC",
            name,
            HopState::NotChecked,
            format!("not checked: {r}"),
        ),
        ClaimClass::Named(_, Lookup::Found(sc)) | ClaimClass::Default(sc) => {
            let name = sc.metadata.name.clone().unwrap_or_default();
            let driver = k8s::effective_driver(&sc.provisioner);
            let mut facts = vec![if driver != sc.provisioner {
                format!("{} → {driver} (CSI migration)", sc.provisioner)
            } else {
                sc.provisioner.clone()
            }];
            let params = sc.parameters.clone().unwrap_or_default();
            if let Some(t) = params.get("type") {
                facts.push(t.clone());
            }
            let zones = k8s::class_zones(sc);
            if !zones.is_empty() {
                facts.push(format!("zones {}", zones.join(",")));
            }
            facts.push(k8s::binding_mode(sc).to_string());
            let default = if k8s::pvc_class_name(pvc).is_none() {
                " (default)"
            } else {
                ""
            };
            let mut hop = Hop::new("SC", format!("{name}{default}"), HopState::Ok, "")
                .detail(facts.join(" · "))
                .object(ObjectRef::of(sc));
            if sc.provisioner != k8s::NO_PROVISIONER {
                hop.children.push(driver_hop(cx, driver));
            }
            hop
        }
    }
}

fn driver_hop(cx: &Ctx, driver: &str) -> Hop {
    let crate::ctx::Registration {
        registered,
        nodes,
        known: csinodes_known,
        chain_only,
    } = cx.registration(driver);
    let on_nodes = if csinodes_known {
        format!("{registered} of {nodes} nodes register it")
    } else if chain_only && nodes > 0 {
        format!("{registered} of {nodes} node(s) of this chain register it")
    } else {
        "node registration not checked".to_string()
    };
    let hop = |state, status: String| {
        Hop::new("CSI driver", driver, state, status).object(ObjectRef::new(
            "CSIDriver",
            None,
            driver,
        ))
    };
    match cx.csi_driver(driver) {
        Lookup::Found(_) if registered > 0 || (!csinodes_known && !chain_only) => {
            hop(HopState::Ok, format!("installed · {on_nodes}"))
        }
        Lookup::Found(_) => hop(HopState::Error, format!("CSIDriver exists but {on_nodes}")),
        Lookup::Missing if registered > 0 => {
            hop(HopState::Ok, format!("no CSIDriver object · {on_nodes}"))
        }
        Lookup::Missing => hop(
            HopState::Error,
            format!("not installed: no CSIDriver, {on_nodes}"),
        ),
        Lookup::Unknown(r) => hop(HopState::NotChecked, format!("not checked: {r}")),
    }
}

fn pv_tree<'a>(cx: &Ctx<'a>, focus: &mut Focus<'a>, pv: &'a PersistentVolume) -> Hop {
    focus.pvs.push(pv);
    let name = pv.metadata.name.clone().unwrap_or_default();
    let phase = k8s::pv_phase(pv);
    let size = k8s::pv_capacity(pv)
        .map(k8s::format_bytes)
        .unwrap_or_else(|| "?".into());
    let mut facts = vec![size];
    if let Some(d) = k8s::pv_driver(pv) {
        facts.push(d.to_string());
    }
    if let Some(id) = k8s::pv_volume_id(pv) {
        facts.push(id.to_string());
    }
    let zones = k8s::pv_zones(pv);
    if !zones.is_empty() {
        facts.push(format!("zone {}", zones.join(",")));
    }
    let mut hop = Hop::new("PV", name.clone(), mark(&health::pv(cx, pv)), phase)
        .detail(facts.join(" · "))
        .object(ObjectRef::of(pv));
    for va in cx.attachments_of(&name) {
        let node = va.spec.node_name.clone();
        let st = va.status.as_ref();
        let attached = st.map(|s| s.attached).unwrap_or(false);
        let err = st
            .and_then(|s| s.attach_error.as_ref().or(s.detach_error.as_ref()))
            .and_then(|e| e.message.clone());
        let text = if let Some(e) = err {
            format!("error: {}", k8s::truncate(&e, 80))
        } else if va.metadata.deletion_timestamp.is_some() {
            format!(
                "detaching for {}",
                cx.age(va.metadata.deletion_timestamp.as_ref().map(|t| t.0))
            )
        } else if attached {
            "attached".to_string()
        } else {
            format!(
                "not attached yet ({})",
                cx.age(va.metadata.creation_timestamp.as_ref().map(|t| t.0))
            )
        };
        let state = mark(&health::attachment(cx, va));
        hop.children.push(
            Hop::new("Attach", format!("→ {node}"), state, text)
                .detail(k8s::truncate(va.name(), 20))
                .object(ObjectRef::of(va)),
        );
    }
    if cx.attachments_of(&name).is_empty() && cx.unknown(Kind::VolumeAttachment, None).is_some() {
        let r = cx.unknown(Kind::VolumeAttachment, None).unwrap_or_default();
        hop.children.push(Hop::new(
            "Attach",
            "?",
            HopState::NotChecked,
            format!("not checked: {r}"),
        ));
    }
    if k8s::pv_is_ebs(pv) {
        if let Some(id) = k8s::pv_volume_id(pv) {
            hop.children.push(ebs_hop(cx, id));
        }
    }
    hop
}

/// The EC2 side of a PV: `EBS vol-… · 100Gi io1 · us-east-1a · in-use by i-… (node X)`.
fn ebs_hop(cx: &Ctx, id: &str) -> Hop {
    let object = ObjectRef::new(crate::rules::ebs::KIND, None, id);
    match cx.ebs_volume(id) {
        Lookup::Found(v) => {
            let attached: Vec<String> = v
                .live_attachments()
                .map(|a| {
                    let node = cx
                        .node_of_instance(&a.instance_id)
                        .map(|n| format!(" (node {n})"))
                        .unwrap_or_else(|| " (not a cluster node)".into());
                    let state = if a.state == "attached" {
                        String::new()
                    } else {
                        format!(" [{}]", a.state)
                    };
                    format!("{}{node}{state}", a.instance_id)
                })
                .collect();
            let status = if attached.is_empty() {
                v.state.clone()
            } else {
                format!("{} by {}", v.state, attached.join(", "))
            };
            Hop::new("EBS", id, mark(&health::ebs(v)), status)
                .detail(format!("{} · {}", v.short(), v.az))
                .object(object)
        }
        Lookup::Missing => {
            let region = cx
                .snap
                .ec2
                .region
                .as_deref()
                .map(|r| format!(" in {r}"))
                .unwrap_or_default();
            Hop::new(
                "EBS",
                id,
                HopState::Error,
                format!("not found in EC2{region}"),
            )
            .object(object)
        }
        Lookup::Unknown(r) => {
            Hop::new("EBS", id, HopState::NotChecked, format!("not checked: {r}"))
        }
    }
}

fn node_hop(cx: &Ctx, name: &str) -> Hop {
    match cx.node(name) {
        Lookup::Found(node) => {
            let zone = k8s::node_zone(node).unwrap_or("no zone label");
            let mut facts = vec![zone.to_string()];
            if let Some(id) = k8s::node_instance_id(node) {
                facts.push(id.to_string());
            }
            let csi = match cx.csi_node(name) {
                Lookup::Found(cn) => {
                    let drivers: Vec<String> = cn
                        .spec
                        .drivers
                        .iter()
                        .map(|d| match d.allocatable.as_ref().and_then(|a| a.count) {
                            Some(c) => format!("{} (max {c})", d.name),
                            None => d.name.clone(),
                        })
                        .collect();
                    if drivers.is_empty() {
                        "CSINode lists no drivers".to_string()
                    } else {
                        format!("CSINode: {}", drivers.join(", "))
                    }
                }
                Lookup::Missing => "no CSINode".to_string(),
                Lookup::Unknown(r) => format!("CSINode not checked: {r}"),
            };
            let health = health::node(cx, node);
            let text = match &health {
                Health::Healthy => "Ready".to_string(),
                Health::Waiting(s) | Health::Starting(s) => s.clone(),
                Health::Stuck(s) => s.what.clone(),
            };
            Hop::new("Node", name, mark(&health), text)
                .detail(format!("{} · {csi}", facts.join(" · ")))
                .object(ObjectRef::of(node))
        }
        Lookup::Missing => Hop::new("Node", name, HopState::Error, "does not exist")
            .object(ObjectRef::new("Node", None, name)),
        Lookup::Unknown(r) => Hop::new(
            "Node",
            name,
            HopState::NotChecked,
            format!("not checked: {r}"),
        ),
    }
}
