//! Reading one chain by name, in waves: each wave asks for what the objects already read
//! name and nothing else. For `why pod/db-0`:
//!
//! 1. the pod; the StorageClasses and CSIDrivers (small kinds, listed whole); the server clock;
//! 2. its claims, its node and that node's CSINode, the events about the pod and the claims;
//! 3. the claims' PVs and their events, the VolumeAttachments by their deterministic names.
//!
//! A chain that is not plainly healthy also needs what a name cannot reach: the other pods of
//! the namespace (who else mounts the claim), every VolumeAttachment (a stale one on an old
//! node), every node and CSINode when a pod is not scheduled (zone and capacity rules), every
//! PV when a claim waits for a static volume. Those LISTs join the wave in which the trouble
//! shows. Everything asked by name is recorded as [`crate::snapshot::Scope::Named`], so rules
//! never take the absence of an unread object for its absence from the cluster.

use crate::k8s::Named;
use std::collections::BTreeSet;

use crate::chain::Target;
use crate::error::Result;
use crate::fetch::get::{attachment_name, wave, Ask};
use crate::fetch::kube::{self as kfetch, Connection, FetchStats};
use crate::k8s;
use crate::model::{PersistentVolume, Pod};
use crate::snapshot::{Kind, Snapshot};
use k8s_openapi::api::core::v1::PersistentVolumeClaim;

/// Waves stop here even if the last one named more objects (a chain is at most four hops
/// deep: pod → claim → PV → attachment).
const MAX_WAVES: usize = 4;

pub struct ChainRead {
    pub snap: Snapshot,
    pub stats: FetchStats,
    pub notes: Vec<(u8, String)>,
}

/// Reads the chain of `target` in namespace `ns`.
pub async fn read(
    conn: &Connection,
    target: &Target,
    ns: &str,
    kubelet_stats: bool,
) -> Result<ChainRead> {
    let mut asked: BTreeSet<Ask> = BTreeSet::new();
    let mut snap = Snapshot::default();
    let mut stats = FetchStats::default();
    let mut notes = Vec::new();
    let mut next = first_wave(target, ns);
    while !next.is_empty() && stats.waves < MAX_WAVES {
        let first = stats.waves == 0;
        let (got, s) = wave(conn, &next, first).await?;
        notes.push((
            2,
            format!(
                "wave {}: {} read(s), {} request(s)",
                stats.waves + 1,
                next.len(),
                s.requests
            ),
        ));
        asked.extend(next);
        snap.absorb(got);
        stats.requests += s.requests;
        stats.waves += 1;
        next = follow(&snap, target, ns)
            .into_iter()
            .filter(|a| !asked.contains(a) && !covered(&asked, a))
            .collect();
    }
    // A LIST may return an object a GET of the same wave or an earlier one already brought.
    snap.dedup();
    if kubelet_stats {
        let nodes: Vec<String> = chain_pods(&snap, target, ns)
            .iter()
            .filter_map(|p| p.spec.as_ref()?.node_name.clone())
            .collect::<BTreeSet<_>>()
            .into_iter()
            .collect();
        let (summaries, coverage) = kfetch::fetch_node_stats(conn, &nodes).await;
        stats.requests += summaries.len();
        crate::snapshot::load::add_node_stats(&mut snap, summaries, coverage);
    }
    Ok(ChainRead { snap, stats, notes })
}

/// Whether a whole-kind LIST already asked makes `ask` redundant.
fn covered(asked: &BTreeSet<Ask>, ask: &Ask) -> bool {
    match ask {
        Ask::Get(kind, ns, _) => {
            asked.contains(&Ask::List(*kind, None))
                || (kind.namespaced() && asked.contains(&Ask::List(*kind, ns.clone())))
        }
        Ask::Events(_, ns, _) => {
            asked.contains(&Ask::List(Kind::Event, None))
                || asked.contains(&Ask::List(Kind::Event, ns.clone()))
        }
        _ => false,
    }
}

fn first_wave(target: &Target, ns: &str) -> Vec<Ask> {
    let ns = Some(ns.to_string());
    let mut asks = vec![
        Ask::List(Kind::StorageClass, None),
        Ask::List(Kind::CSIDriver, None),
    ];
    match target {
        Target::Pod(name) => asks.push(Ask::Get(Kind::Pod, ns, name.clone())),
        Target::Pvc(name) => {
            // The pods that use a claim are found only by looking at every pod of its namespace.
            asks.push(Ask::Get(
                Kind::PersistentVolumeClaim,
                ns.clone(),
                name.clone(),
            ));
            asks.push(Ask::List(Kind::Pod, ns));
        }
        Target::Pv(name) => asks.push(Ask::Get(Kind::PersistentVolume, None, name.clone())),
        Target::Sts(name) => {
            // Replicas and their claims, whatever their number: the namespace's pods and claims.
            asks.push(Ask::Get(Kind::StatefulSet, ns.clone(), name.clone()));
            asks.push(Ask::List(Kind::Pod, ns.clone()));
            asks.push(Ask::List(Kind::PersistentVolumeClaim, ns));
        }
    }
    asks
}

/// The pods of the chain among those read.
fn chain_pods<'s>(snap: &'s Snapshot, target: &Target, ns: &str) -> Vec<&'s Pod> {
    let in_ns = |p: &&Pod| p.metadata.namespace.as_deref() == Some(ns);
    match target {
        Target::Pod(name) => snap
            .pods
            .iter()
            .filter(in_ns)
            .filter(|p| p.metadata.name.as_deref() == Some(name.as_str()))
            .collect(),
        Target::Pvc(name) => users(snap, ns, name),
        Target::Pv(name) => match pv_claim(snap, name) {
            Some((cns, claim)) => users(snap, &cns, &claim),
            None => Vec::new(),
        },
        Target::Sts(name) => snap
            .pods
            .iter()
            .filter(in_ns)
            .filter(|p| {
                p.metadata.name.as_deref().is_some_and(|n| {
                    n.strip_prefix(name.as_str())
                        .and_then(|rest| rest.strip_prefix('-'))
                        .is_some_and(|o| !o.is_empty() && o.bytes().all(|b| b.is_ascii_digit()))
                })
            })
            .collect(),
    }
}

fn users<'s>(snap: &'s Snapshot, ns: &str, claim: &str) -> Vec<&'s Pod> {
    snap.pods
        .iter()
        .filter(|p| p.metadata.namespace.as_deref() == Some(ns))
        .filter(|p| k8s::pod_claims(p).iter().any(|(_, c)| c == claim))
        .collect()
}

fn pv_claim(snap: &Snapshot, pv: &str) -> Option<(String, String)> {
    let pv = snap
        .pvs
        .iter()
        .find(|p| p.metadata.name.as_deref() == Some(pv))?;
    let c = pv.spec.as_ref()?.claim_ref.as_ref()?;
    Some((c.namespace.clone()?, c.name.clone()?))
}

/// The claims of the chain: `(namespace, name)`.
fn chain_claims(snap: &Snapshot, target: &Target, ns: &str) -> BTreeSet<(String, String)> {
    let mut out: BTreeSet<(String, String)> = chain_pods(snap, target, ns)
        .iter()
        .flat_map(|p| {
            let pns = p.metadata.namespace.clone().unwrap_or_default();
            k8s::pod_claims(p)
                .into_iter()
                .map(move |(_, c)| (pns.clone(), c))
        })
        .collect();
    match target {
        Target::Pvc(name) => {
            out.insert((ns.to_string(), name.clone()));
        }
        Target::Pv(name) => out.extend(pv_claim(snap, name)),
        Target::Sts(name) => {
            // Replicas not created yet still have (or will have) their template claims.
            if let Some(sts) = snap.statefulsets.iter().find(|s| {
                s.metadata.name.as_deref() == Some(name.as_str())
                    && s.metadata.namespace.as_deref() == Some(ns)
            }) {
                for t in k8s::sts_claim_templates(sts) {
                    for i in k8s::sts_ordinals(sts) {
                        out.insert((ns.to_string(), format!("{t}-{name}-{i}")));
                    }
                }
            }
        }
        Target::Pod(_) => {}
    }
    out
}

fn find_claim<'s>(snap: &'s Snapshot, ns: &str, name: &str) -> Option<&'s PersistentVolumeClaim> {
    snap.pvcs.iter().find(|c| {
        c.metadata.namespace.as_deref() == Some(ns) && c.metadata.name.as_deref() == Some(name)
    })
}

/// A claim that waits for a hand-made PV: no class, the empty class, a class that does not
/// exist, or a `no-provisioner` class. Only then can the binder's choice among every PV matter.
fn waits_for_static_pv(snap: &Snapshot, pvc: &PersistentVolumeClaim) -> bool {
    if k8s::pvc_phase(pvc) == "Bound"
        || pvc
            .spec
            .as_ref()
            .and_then(|s| s.volume_name.as_deref())
            .is_some_and(|v| !v.is_empty())
    {
        return false;
    }
    match k8s::pvc_class_name(pvc) {
        Some("") => true,
        Some(name) => snap
            .storage_classes
            .iter()
            .find(|sc| sc.metadata.name.as_deref() == Some(name))
            .is_none_or(|sc| sc.provisioner == k8s::NO_PROVISIONER),
        None => !snap.storage_classes.iter().any(k8s::is_default_class),
    }
}

/// What the objects read so far name, and (for a chain in trouble) the LISTs it needs.
fn follow(snap: &Snapshot, target: &Target, ns: &str) -> Vec<Ask> {
    let mut asks = Vec::new();
    let pods = chain_pods(snap, target, ns);
    let claims = chain_claims(snap, target, ns);
    let mut nodes: BTreeSet<String> = BTreeSet::new();
    let mut troubled = false;
    let mut unscheduled = false;
    for pod in &pods {
        let (pns, pname) = k8s::ns_name(*pod);
        asks.push(Ask::Events("Pod".into(), Some(pns.into()), pname.into()));
        match pod.spec.as_ref().and_then(|s| s.node_name.clone()) {
            Some(node) => {
                nodes.insert(node);
            }
            None => unscheduled = true,
        }
        troubled |= !plainly_running(pod);
    }
    if let Target::Pv(name) = target {
        asks.push(Ask::Events("PersistentVolume".into(), None, name.clone()));
        if let Some((cns, _)) = pv_claim(snap, name) {
            // Who mounts the claim is known only from every pod of its namespace.
            asks.push(Ask::List(Kind::Pod, Some(cns)));
        }
    }
    let mut pvs: BTreeSet<String> = BTreeSet::new();
    for (cns, claim) in &claims {
        asks.push(Ask::Get(
            Kind::PersistentVolumeClaim,
            Some(cns.clone()),
            claim.clone(),
        ));
        asks.push(Ask::Events(
            "PersistentVolumeClaim".into(),
            Some(cns.clone()),
            claim.clone(),
        ));
        let Some(pvc) = find_claim(snap, cns, claim) else {
            continue;
        };
        troubled |= k8s::pvc_phase(pvc) != "Bound" || pvc.metadata.deletion_timestamp.is_some();
        if waits_for_static_pv(snap, pvc) {
            asks.push(Ask::List(Kind::PersistentVolume, None));
        }
        if let Some(v) = pvc
            .spec
            .as_ref()
            .and_then(|s| s.volume_name.clone())
            .filter(|v| !v.is_empty())
        {
            pvs.insert(v);
        }
        if let Some(sel) = k8s::annotation(pvc, "volume.kubernetes.io/selected-node") {
            nodes.insert(sel.to_string());
        }
        if k8s::pvc_phase(pvc) != "Bound" {
            // Provisioning and binding depend on where nodes are and what they can run.
            unscheduled = true;
        }
    }
    if let Target::Pv(name) = target {
        pvs.insert(name.clone());
    }
    for pv in &pvs {
        asks.push(Ask::Get(Kind::PersistentVolume, None, pv.clone()));
        asks.push(Ask::Events("PersistentVolume".into(), None, pv.clone()));
    }
    for node in &nodes {
        asks.push(Ask::Get(Kind::Node, None, node.clone()));
        asks.push(Ask::Get(Kind::CSINode, None, node.clone()));
    }
    // The node each of the chain's attachments names: it may be gone (a replaced node), and
    // only a read of it by name can say so.
    for va in &snap.volume_attachments {
        let on_chain = va
            .spec
            .source
            .persistent_volume_name
            .as_ref()
            .is_some_and(|pv| pvs.contains(pv));
        if on_chain && !nodes.contains(&va.spec.node_name) {
            asks.push(Ask::Get(Kind::Node, None, va.spec.node_name.clone()));
        }
    }
    // VolumeAttachments by name: one per (PV, node of a pod using it).
    for pv in snap.pvs.iter().filter(|p| pvs.contains(p.name())) {
        // The claim the PV names, when it is not the chain's (a Released PV's old claim): its
        // existence decides what the PV is waiting for.
        if let Some(c) = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) {
            if let (Some(cns), Some(cname)) = (&c.namespace, &c.name) {
                if !claims.contains(&(cns.clone(), cname.clone())) {
                    asks.push(Ask::Get(
                        Kind::PersistentVolumeClaim,
                        Some(cns.clone()),
                        cname.clone(),
                    ));
                }
            }
        }
        let Some((handle, driver)) = attachment_source(pv) else {
            continue;
        };
        if nodes.is_empty() {
            // No pod places the volume: an attachment left on any node has a name no pod of
            // this chain gives (a pod deleted while its volume was detaching).
            asks.push(Ask::List(Kind::VolumeAttachment, None));
        }
        for node in &nodes {
            asks.push(Ask::Get(
                Kind::VolumeAttachment,
                None,
                attachment_name(handle, driver, node),
            ));
        }
    }
    if troubled {
        // Who else mounts these claims, what is attached where (a stale attachment on an old
        // node has a name no pod of this chain gives).
        asks.push(Ask::List(Kind::VolumeAttachment, None));
        for ns in claims.iter().map(|(n, _)| n).collect::<BTreeSet<_>>() {
            asks.push(Ask::List(Kind::Pod, Some(ns.clone())));
        }
    }
    if unscheduled {
        // Placement questions (zones, capacity, taints, drivers per node) need every node.
        asks.push(Ask::List(Kind::Node, None));
        asks.push(Ask::List(Kind::CSINode, None));
    }
    asks
}

/// The volume handle and driver the attach/detach controller names a PV's attachment after.
fn attachment_source(pv: &PersistentVolume) -> Option<(&str, &str)> {
    let spec = pv.spec.as_ref()?;
    match &spec.csi {
        Some(csi) => Some((csi.volume_handle.as_str(), csi.driver.as_str())),
        // In-tree EBS PVs attach through CSI migration, under the volume id.
        None => Some((k8s::pv_volume_id(pv)?, k8s::pv_driver(pv)?)),
    }
}

/// Running, Ready, not being deleted: the pod needs nothing beyond its own chain.
fn plainly_running(pod: &Pod) -> bool {
    let ready = pod
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .is_some_and(|c| c.iter().any(|c| c.type_ == "Ready" && c.status == "True"));
    k8s::pod_phase(pod) == "Running" && ready && pod.metadata.deletion_timestamp.is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::get::attachment_name;
    use crate::fetch::kube::tests::{connection, empty_list, serve};
    use crate::snapshot::{Coverage, Lookup, Scope};

    const ZONE: &str = r#"{"required":{"nodeSelectorTerms":[{"matchExpressions":[{"key":"topology.kubernetes.io/zone","operator":"In","values":["us-east-1a"]}]}]}}"#;

    fn pod(running: bool) -> String {
        let (node, status) = if running {
            (
                r#""nodeName":"n1","#,
                r#"{"phase":"Running","conditions":[{"type":"PodScheduled","status":"True"},{"type":"Ready","status":"True"}]}"#,
            )
        } else {
            (
                "",
                r#"{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","message":"0/3 nodes are available: 3 node(s) had volume node affinity conflict."}]}"#,
            )
        };
        format!(
            r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"db-0","namespace":"prod","creationTimestamp":"2026-12-01T00:00:00Z"}},
            "spec":{{{node}"containers":[{{"name":"c","image":"x"}}],"volumes":[{{"name":"data","persistentVolumeClaim":{{"claimName":"data-db-0"}}}}]}},
            "status":{status}}}"#
        )
    }

    /// The routes of one healthy chain, keyed by path, and the VolumeAttachment's name.
    fn chain_routes(running: bool) -> (Vec<(&'static str, String)>, String) {
        let va = attachment_name("vol-0123456789abcdef0", "ebs.csi.aws.com", "n1");
        let va_path: &'static str =
            Box::leak(format!("/apis/storage.k8s.io/v1/volumeattachments/{va}").into_boxed_str());
        let routes = vec![
            ("/api/v1/namespaces/prod/pods/db-0", pod(running)),
            (
                "/api/v1/namespaces/prod/persistentvolumeclaims/data-db-0",
                r#"{"apiVersion":"v1","kind":"PersistentVolumeClaim","metadata":{"name":"data-db-0","namespace":"prod"},
                "spec":{"accessModes":["ReadWriteOnce"],"storageClassName":"gp3","volumeName":"pv-1","resources":{"requests":{"storage":"10Gi"}}},
                "status":{"phase":"Bound","accessModes":["ReadWriteOnce"],"capacity":{"storage":"10Gi"}}}"#.to_string(),
            ),
            (
                "/api/v1/persistentvolumes/pv-1",
                format!(r#"{{"apiVersion":"v1","kind":"PersistentVolume","metadata":{{"name":"pv-1"}},
                "spec":{{"capacity":{{"storage":"10Gi"}},"accessModes":["ReadWriteOnce"],"storageClassName":"gp3",
                "claimRef":{{"namespace":"prod","name":"data-db-0"}},"persistentVolumeReclaimPolicy":"Delete",
                "csi":{{"driver":"ebs.csi.aws.com","volumeHandle":"vol-0123456789abcdef0","fsType":"ext4"}},"nodeAffinity":{ZONE}}},
                "status":{{"phase":"Bound"}}}}"#),
            ),
            (
                "/api/v1/nodes/n1",
                r#"{"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{"topology.kubernetes.io/zone":"us-east-1a"}},
                "spec":{"providerID":"aws:///us-east-1a/i-1"},
                "status":{"conditions":[{"type":"Ready","status":"True"}]}}"#.to_string(),
            ),
            (
                "/apis/storage.k8s.io/v1/csinodes/n1",
                r#"{"apiVersion":"storage.k8s.io/v1","kind":"CSINode","metadata":{"name":"n1"},
                "spec":{"drivers":[{"name":"ebs.csi.aws.com","nodeID":"i-1","topologyKeys":["topology.kubernetes.io/zone"]}]}}"#.to_string(),
            ),
            (
                va_path,
                format!(r#"{{"apiVersion":"storage.k8s.io/v1","kind":"VolumeAttachment","metadata":{{"name":"{va}"}},
                "spec":{{"attacher":"ebs.csi.aws.com","nodeName":"n1","source":{{"persistentVolumeName":"pv-1"}}}},
                "status":{{"attached":true}}}}"#),
            ),
            (
                "/apis/storage.k8s.io/v1/storageclasses",
                r#"{"kind":"StorageClassList","apiVersion":"storage.k8s.io/v1","metadata":{},"items":[
                {"metadata":{"name":"gp3"},"provisioner":"ebs.csi.aws.com","volumeBindingMode":"WaitForFirstConsumer"}]}"#.to_string(),
            ),
            (
                "/apis/storage.k8s.io/v1/csidrivers",
                r#"{"kind":"CSIDriverList","apiVersion":"storage.k8s.io/v1","metadata":{},"items":[
                {"metadata":{"name":"ebs.csi.aws.com"},"spec":{"attachRequired":true}}]}"#.to_string(),
            ),
            ("/api/v1/namespaces/prod/events", empty_list("Event", "v1")),
            ("/api/v1/namespaces/default/events", empty_list("Event", "v1")),
            ("/api/v1/namespaces/prod/pods", empty_list("Pod", "v1")),
            ("/api/v1/nodes", empty_list("Node", "v1")),
            ("/apis/storage.k8s.io/v1/csinodes", empty_list("CSINode", "storage.k8s.io/v1")),
            ("/apis/storage.k8s.io/v1/volumeattachments", empty_list("VolumeAttachment", "storage.k8s.io/v1")),
        ];
        (routes, va)
    }

    const WHOLE_CLUSTER: [&str; 4] = [
        "/api/v1/persistentvolumes",
        "/api/v1/nodes",
        "/apis/storage.k8s.io/v1/volumeattachments",
        "/apis/storage.k8s.io/v1/csinodes",
    ];

    #[tokio::test]
    async fn a_healthy_pod_is_read_by_name_and_never_lists_the_cluster() {
        let (routes, va) = chain_routes(true);
        let (addr, asked) = serve(routes);
        let target = Target::Pod("db-0".into());
        let read = read(&connection(&addr), &target, "prod", false)
            .await
            .expect("read");
        let asked = asked.lock().expect("lock").clone();
        for whole in WHOLE_CLUSTER
            .iter()
            .chain(&["/api/v1/namespaces/prod/pods"])
        {
            assert!(
                !asked.iter().any(|p| p == whole),
                "listed {whole}: {asked:?}"
            );
        }
        assert!(
            asked.iter().any(|p| p.ends_with(&va)),
            "the attachment is read by its name: {asked:?}"
        );
        assert!(read.stats.waves <= MAX_WAVES, "{} waves", read.stats.waves);
        let snap = &read.snap;
        assert_eq!(
            (
                snap.pods.len(),
                snap.pvcs.len(),
                snap.pvs.len(),
                snap.nodes.len()
            ),
            (1, 1, 1, 1)
        );
        assert_eq!(snap.volume_attachments.len(), 1);
        // Asked for by name: found; never asked: unknown, not missing.
        assert!(matches!(
            snap.lookup(&snap.pvs, Kind::PersistentVolume, None, "pv-1"),
            Lookup::Found(_)
        ));
        assert!(matches!(
            snap.lookup(&snap.pvs, Kind::PersistentVolume, None, "pv-other"),
            Lookup::Unknown(_)
        ));
        assert!(matches!(
            snap.coverage.get(&Kind::Node),
            Some(Coverage::Read(Scope::Named(_)))
        ));
        assert!(
            snap.unknown_reason(Kind::Node, None).is_some(),
            "not every node"
        );
        let report = crate::report::diagnose(snap, &target, "prod", crate::acquire::as_of(snap))
            .expect("diagnose");
        assert!(
            report
                .findings
                .iter()
                .all(|f| f.severity > crate::rules::Severity::Warning),
            "{:#?}",
            report.findings
        );
    }

    #[tokio::test]
    async fn an_unscheduled_pod_also_reads_what_placement_needs() {
        let (routes, _) = chain_routes(false);
        let (addr, asked) = serve(routes);
        let target = Target::Pod("db-0".into());
        let read = read(&connection(&addr), &target, "prod", false)
            .await
            .expect("read");
        let asked = asked.lock().expect("lock").clone();
        for whole in [
            "/api/v1/nodes",
            "/apis/storage.k8s.io/v1/volumeattachments",
            "/api/v1/namespaces/prod/pods",
        ] {
            assert!(
                asked.iter().any(|p| p == whole),
                "did not list {whole}: {asked:?}"
            );
        }
        assert!(
            !asked.iter().any(|p| p == "/api/v1/persistentvolumes"),
            "a bound claim needs no PV list: {asked:?}"
        );
        // The LIST and the GET of the same pod leave one pod.
        assert_eq!(read.snap.pods.len(), 1);
        assert!(read.snap.unknown_reason(Kind::Node, None).is_none());
    }
}
