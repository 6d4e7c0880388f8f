//! The decisions of `import-ebs`: per volume, plan its objects, skip it (already imported) or
//! refuse it (a check failed).
//!
//! [`select`] picks volumes out of a snapshot's EC2 data (ids, tags, orphans: `select.rs`);
//! [`plan`] runs the import checks (src/rules/import/) against the snapshot's PVs, claims, nodes
//! and CSI drivers and has, for each volume that passes, a PV (and optionally a pre-bound claim)
//! built (`build.rs`). No I/O: the live command fetches into a [`Snapshot`] first, exactly like
//! `why`.

use crate::k8s::Named;
use std::collections::{BTreeMap, BTreeSet, HashMap};

use k8s_openapi::api::core::v1::{PersistentVolume, PersistentVolumeClaim};

pub use super::build::{
    build_pv, build_pvc, claim_for, is_dns_label, is_dns_subdomain, pv_name_for, ClaimName,
    Options, DRIVER, IMPORTED_AT, IMPORTED_BY, LEGACY_ZONE_KEY, SOURCE_LABEL, ZONE_KEY,
};
pub use super::select::{parse_tag, select, Selection};
use crate::k8s;
use crate::rules::import::{
    import_already_imported, import_name_conflict, import_no_node_in_zone, import_volume_in_use,
};
use crate::rules::{Finding, Severity};
use crate::snapshot::ec2::Volume;
use crate::snapshot::{Kind, Snapshot};

/// What happens to one volume.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Objects to create. `pv` is `None` when the PV already exists as planned (a run killed
    /// after the PV and before the claim): only the claim is left to create.
    Planned {
        pv_name: String,
        pv: Option<Box<PersistentVolume>>,
        claim: Option<ClaimName>,
        pvc: Option<Box<PersistentVolumeClaim>>,
    },
    /// Nothing to do (already imported). `existing`: the objects that stand for it
    /// (`persistentvolume/NAME`, `persistentvolumeclaim/NS/NAME`), for the apply report.
    Skipped {
        reason: String,
        existing: Vec<String>,
    },
    /// A check failed: nothing is created for this volume.
    Refused { reason: String },
}

/// One volume's plan.
#[derive(Debug, Clone)]
pub struct Item {
    pub volume_id: String,
    /// `100Gi io1, us-east-1d`.
    pub describe: String,
    pub outcome: Outcome,
    /// What the checks found (errors refuse the volume; info explains a skip).
    pub findings: Vec<Finding>,
}

impl Item {
    /// One line for the stderr summary.
    pub fn summary_line(&self) -> String {
        match &self.outcome {
            Outcome::Planned {
                pv_name,
                pv,
                claim,
                pvc,
            } => {
                let mut parts = Vec::new();
                if pv.is_some() {
                    parts.push(format!("PV {pv_name}"));
                } else {
                    parts.push(format!("(PV {pv_name} exists)"));
                }
                if let (Some(c), Some(_)) = (claim, pvc) {
                    parts.push(format!("PVC {c}"));
                }
                format!(
                    "planned  {} ({}) → {}",
                    self.volume_id,
                    self.describe,
                    parts.join(" + ")
                )
            }
            Outcome::Skipped { reason, .. } => format!("skipped  {}: {reason}", self.volume_id),
            Outcome::Refused { reason } => format!("refused  {}: {reason}", self.volume_id),
        }
    }
}

/// The whole plan.
#[derive(Debug, Clone, Default)]
pub struct Plan {
    pub items: Vec<Item>,
    /// Cluster-wide notes (no EBS CSI driver, checks that could not run).
    pub warnings: Vec<String>,
}

impl Plan {
    /// The objects to create, PV before its claim, as JSON values (apiVersion/kind included).
    pub fn objects(&self) -> Vec<serde_json::Value> {
        let mut out = Vec::new();
        for item in &self.items {
            if let Outcome::Planned { pv, pvc, .. } = &item.outcome {
                if let Some(pv) = pv {
                    out.push(serde_json::to_value(pv.as_ref()).unwrap_or_default());
                }
                if let Some(pvc) = pvc {
                    out.push(serde_json::to_value(pvc.as_ref()).unwrap_or_default());
                }
            }
        }
        out
    }

    /// How many volumes were refused.
    pub fn refused(&self) -> usize {
        self.items
            .iter()
            .filter(|i| matches!(i.outcome, Outcome::Refused { .. }))
            .count()
    }
}

/// The claims a plan may create, so a live run can read exactly those (and their namespaces).
pub fn claims_needed(volumes: &[&Volume], opts: &Options) -> Vec<ClaimName> {
    let mut out: Vec<ClaimName> = volumes
        .iter()
        .filter_map(|v| claim_for(v, opts).ok().flatten())
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Indexes the plan needs, built once (a plan over 1,000 volumes must not scan every PV for each).
struct Index<'a> {
    pv_by_handle: HashMap<&'a str, &'a crate::model::PersistentVolume>,
    pv_by_name: HashMap<&'a str, &'a crate::model::PersistentVolume>,
    pvc_by_name: HashMap<(&'a str, &'a str), &'a PersistentVolumeClaim>,
    node_of_instance: BTreeMap<&'a str, &'a str>,
}

impl<'a> Index<'a> {
    fn new(snap: &'a Snapshot) -> Self {
        let mut pv_by_handle = HashMap::new();
        let mut pv_by_name = HashMap::new();
        for pv in &snap.pvs {
            if let Some(id) = k8s::pv_volume_id(pv).filter(|_| k8s::pv_is_ebs(pv)) {
                pv_by_handle.entry(id).or_insert(pv);
            }
            if let Some(n) = pv.metadata.name.as_deref() {
                pv_by_name.insert(n, pv);
            }
        }
        let pvc_by_name = snap
            .pvcs
            .iter()
            .filter_map(|c| {
                Some((
                    (
                        c.metadata.namespace.as_deref()?,
                        c.metadata.name.as_deref()?,
                    ),
                    c,
                ))
            })
            .collect();
        let node_of_instance = snap
            .nodes
            .iter()
            .filter_map(|n| Some((k8s::node_instance_id(n)?, n.metadata.name.as_deref()?)))
            .collect();
        Index {
            pv_by_handle,
            pv_by_name,
            pvc_by_name,
            node_of_instance,
        }
    }
}

/// Whether an existing PV names this EBS volume and, when a claim is planned, is pre-bound (or
/// bound) to that claim. Being "the same volume" is not enough to adopt it: see
/// [`pv_differences`].
pub fn pv_holds(
    existing: &crate::model::PersistentVolume,
    volume_id: &str,
    claim: Option<&ClaimName>,
) -> bool {
    if k8s::pv_volume_id(existing) != Some(volume_id) || !k8s::pv_is_ebs(existing) {
        return false;
    }
    let Some(claim) = claim else { return true };
    existing
        .spec
        .as_ref()
        .and_then(|s| s.claim_ref.as_ref())
        .is_some_and(|r| {
            r.namespace.as_deref() == Some(claim.namespace.as_str())
                && r.name.as_deref() == Some(claim.name.as_str())
        })
}

/// How an existing PV differs from `planned`, the PV this import would create: one entry per
/// field, `FIELD EXISTING (planned PLANNED)`. Empty: it is the planned PV and may be adopted
/// as "already imported". Compared: the volume, the claim (when one is planned), the reclaim
/// policy, capacity, zone affinity, fsType, volume mode and class. A PV that differs in any of
/// them is not ours: a claim bound to a `Delete` PV would destroy the data when deleted.
pub fn pv_differences(
    existing: &crate::model::PersistentVolume,
    planned: &PersistentVolume,
) -> Vec<String> {
    let Ok(planned) = serde_json::to_value(planned)
        .and_then(serde_json::from_value::<crate::model::PersistentVolume>)
    else {
        return vec!["the planned PV could not be compared".into()];
    };
    let mut out = Vec::new();
    let mut differ = |field: &str, have: String, want: String| {
        if have != want {
            out.push(format!("{field} {have} (planned {want})"));
        }
    };
    let id = |pv: &crate::model::PersistentVolume| match (k8s::pv_is_ebs(pv), k8s::pv_volume_id(pv))
    {
        (true, Some(v)) => v.to_string(),
        _ => "not an EBS volume".into(),
    };
    differ("volume", id(existing), id(&planned));
    let claim_ref = |pv: &crate::model::PersistentVolume| {
        pv.spec
            .as_ref()
            .and_then(|s| s.claim_ref.as_ref())
            .map(|r| {
                format!(
                    "{}/{}",
                    r.namespace.as_deref().unwrap_or_default(),
                    r.name.as_deref().unwrap_or_default()
                )
            })
    };
    if let Some(want) = claim_ref(&planned) {
        differ(
            "claimRef",
            claim_ref(existing).unwrap_or_else(|| "none".into()),
            want,
        );
    }
    let policy = |pv: &crate::model::PersistentVolume| {
        pv.spec
            .as_ref()
            .and_then(|s| s.persistent_volume_reclaim_policy.clone())
            // The API server's default for a PV created without one.
            .unwrap_or_else(|| "Retain".into())
    };
    differ(
        "persistentVolumeReclaimPolicy",
        policy(existing),
        policy(&planned),
    );
    let capacity = |pv: &crate::model::PersistentVolume| {
        k8s::pv_capacity(pv).map_or_else(|| "none".into(), k8s::format_bytes)
    };
    differ("capacity", capacity(existing), capacity(&planned));
    let zones = |pv: &crate::model::PersistentVolume| {
        let z = k8s::terms_zones(k8s::pv_affinity_terms(pv));
        if z.is_empty() {
            "none".into()
        } else {
            z.join(",")
        }
    };
    differ("zone affinity", zones(existing), zones(&planned));
    let fs =
        |pv: &crate::model::PersistentVolume| k8s::pv_fs_type(pv).unwrap_or("none").to_string();
    differ("fsType", fs(existing), fs(&planned));
    let mode = |pv: &crate::model::PersistentVolume| {
        pv.spec
            .as_ref()
            .and_then(|s| s.volume_mode.clone())
            .unwrap_or_else(|| "Filesystem".into())
    };
    differ("volumeMode", mode(existing), mode(&planned));
    let class = |pv: &crate::model::PersistentVolume| format!("{:?}", k8s::pv_class_name(pv));
    differ("storageClassName", class(existing), class(&planned));
    out
}

/// Whether an existing claim is the planned one: it names the planned PV.
pub fn pvc_matches(existing: &PersistentVolumeClaim, pv_name: &str) -> bool {
    existing
        .spec
        .as_ref()
        .and_then(|s| s.volume_name.as_deref())
        == Some(pv_name)
}

/// Runs the checks and builds the objects for each selected volume. `namespaces` is the set of
/// namespaces known to exist (`None`: not known, the check is skipped).
pub fn plan(
    snap: &Snapshot,
    volumes: &[&Volume],
    opts: &Options,
    namespaces: Option<&BTreeSet<String>>,
) -> Plan {
    let resolved;
    let opts = if opts.driver.is_none() {
        let running = crate::k8s::cluster_ebs_driver(&snap.csi_drivers, &snap.csi_nodes);
        resolved = Options {
            driver: Some(running.to_string()),
            ..opts.clone()
        };
        &resolved
    } else {
        opts
    };
    let driver = opts.driver.as_deref().unwrap_or(DRIVER);
    let ix = Index::new(snap);
    let mut out = Plan::default();
    let nodes_unknown = snap.unknown_reason(Kind::Node, None);
    if let Some(r) = &nodes_unknown {
        out.warnings.push(format!(
            "nodes not read ({r}): zone and in-use checks were skipped"
        ));
    }
    let pvs_unknown = snap.unknown_reason(Kind::PersistentVolume, None);
    if let Some(r) = &pvs_unknown {
        out.warnings.push(format!(
            "PVs not read ({r}): already-imported and name checks were skipped"
        ));
    }
    match snap.unknown_reason(Kind::CSIDriver, None) {
        Some(r) => out.warnings.push(format!(
            "CSIDrivers not read ({r}): cannot tell whether {driver} is installed"
        )),
        None if !snap
            .csi_drivers
            .iter()
            .any(|d| d.metadata.name.as_deref() == Some(driver)) =>
        {
            out.warnings.push(format!(
                "the cluster has no CSIDriver {driver}: imported PVs will not attach until the EBS CSI driver is installed{}",
                if opts.legacy_in_tree { " (in-tree awsElasticBlockStore PVs are served by it through CSI migration)" } else { "" }
            ));
        }
        None => {}
    }
    // Names planned so far in this run (PV name → volume, claim → volume).
    let mut planned_pvs: HashMap<String, String> = HashMap::new();
    let mut planned_claims: HashMap<ClaimName, String> = HashMap::new();
    for vol in volumes {
        let item = plan_one(
            snap,
            &ix,
            vol,
            opts,
            namespaces,
            nodes_unknown.is_none(),
            &mut planned_pvs,
            &mut planned_claims,
        );
        out.items.push(item);
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn plan_one(
    snap: &Snapshot,
    ix: &Index,
    vol: &Volume,
    opts: &Options,
    namespaces: Option<&BTreeSet<String>>,
    nodes_known: bool,
    planned_pvs: &mut HashMap<String, String>,
    planned_claims: &mut HashMap<ClaimName, String>,
) -> Item {
    let describe = format!("{}, {}", vol.short(), vol.az);
    let refuse = |reason: String, findings: Vec<Finding>| Item {
        volume_id: vol.id.clone(),
        describe: describe.clone(),
        outcome: Outcome::Refused { reason },
        findings,
    };
    let pv_name = pv_name_for(vol, opts);
    if !is_dns_subdomain(&pv_name) {
        return refuse(
            format!("PV name {pv_name:?} is not a DNS-1123 subdomain"),
            vec![],
        );
    }
    let claim = match claim_for(vol, opts) {
        Ok(c) => c,
        Err(e) => return refuse(e, vec![]),
    };
    if let (Some(c), Some(known)) = (&claim, namespaces) {
        if !known.contains(&c.namespace) {
            return refuse(
                format!(
                    "namespace {} does not exist (create it first: kubectl create namespace {0})",
                    c.namespace
                ),
                vec![],
            );
        }
    }

    // Already imported: a no-op, or the completion of a run killed between PV and claim.
    let mut pv_exists = false;
    if let Some(existing) = ix.pv_by_handle.get(vol.id.as_str()) {
        let same_name = existing.metadata.name.as_deref() == Some(pv_name.as_str());
        if same_name && pv_holds(existing, &vol.id, claim.as_ref()) {
            // Same name, volume and claim: adopt it only if it is exactly what we would create.
            let planned = build_pv(vol, &pv_name, claim.as_ref(), opts);
            let diffs = pv_differences(existing, &planned);
            if !diffs.is_empty() {
                let f = import_name_conflict::pv_differs(&vol.id, &pv_name, existing, &diffs);
                return refuse(format!("{}: {}", f.code, f.message), vec![f]);
            }
            pv_exists = true;
        } else {
            let f = import_already_imported::finding(&vol.id, existing);
            return Item {
                volume_id: vol.id.clone(),
                describe,
                outcome: Outcome::Skipped {
                    reason: f.message.clone(),
                    existing: existing_refs(existing),
                },
                findings: vec![f],
            };
        }
    }

    let mut errors: Vec<Finding> = Vec::new();
    match vol.state.as_str() {
        "available" => {}
        "in-use" => {
            if nodes_known {
                errors.extend(import_volume_in_use::check(vol, &ix.node_of_instance));
            }
        }
        other => {
            return refuse(
                format!(
                    "EC2 state is {other}: only available volumes (or volumes in-use by this cluster's nodes) can be imported"
                ),
                vec![],
            )
        }
    }
    if nodes_known {
        errors.extend(import_no_node_in_zone::check(vol, &snap.nodes));
    }
    if !pv_exists {
        if let Some(existing) = ix.pv_by_name.get(pv_name.as_str()) {
            errors.push(import_name_conflict::pv(&vol.id, &pv_name, existing));
        } else if let Some(other) = planned_pvs.get(&pv_name) {
            errors.push(import_name_conflict::duplicate(
                &vol.id,
                &format!("PV {pv_name}"),
                other,
            ));
        }
    }
    let mut pvc_exists = false;
    if let Some(c) = &claim {
        match ix.pvc_by_name.get(&(c.namespace.as_str(), c.name.as_str())) {
            Some(existing) if pvc_matches(existing, &pv_name) => pvc_exists = true,
            Some(existing) => errors.push(import_name_conflict::pvc(&vol.id, &pv_name, existing)),
            None => {
                if let Some(other) = planned_claims.get(c) {
                    errors.push(import_name_conflict::duplicate(
                        &vol.id,
                        &format!("PVC {c}"),
                        other,
                    ));
                }
            }
        }
    }
    if pv_exists && (claim.is_none() || pvc_exists) {
        let existing = ix.pv_by_handle.get(vol.id.as_str());
        let f = existing.map(|pv| import_already_imported::finding(&vol.id, pv));
        return Item {
            volume_id: vol.id.clone(),
            describe,
            outcome: Outcome::Skipped {
                reason: f
                    .as_ref()
                    .map(|f| f.message.clone())
                    .unwrap_or_else(|| format!("already imported as PV {pv_name}")),
                existing: existing.map(|pv| existing_refs(pv)).unwrap_or_default(),
            },
            findings: f.into_iter().collect(),
        };
    }
    if let Some(first) = errors.iter().find(|f| f.severity == Severity::Error) {
        let reason = format!("{}: {}", first.code, first.message);
        return refuse(reason, errors);
    }
    planned_pvs.insert(pv_name.clone(), vol.id.clone());
    if let Some(c) = &claim {
        planned_claims.insert(c.clone(), vol.id.clone());
    }
    let pv = (!pv_exists).then(|| Box::new(build_pv(vol, &pv_name, claim.as_ref(), opts)));
    let pvc = claim
        .as_ref()
        .filter(|_| !pvc_exists)
        .map(|c| Box::new(build_pvc(vol, &pv_name, c, opts)));
    Item {
        volume_id: vol.id.clone(),
        describe,
        outcome: Outcome::Planned {
            pv_name,
            pv,
            claim,
            pvc,
        },
        findings: errors,
    }
}

/// `persistentvolume/NAME` and, when it is claimed, `persistentvolumeclaim/NS/NAME`.
fn existing_refs(pv: &crate::model::PersistentVolume) -> Vec<String> {
    let mut out = vec![format!("persistentvolume/{}", pv.name())];
    if let Some(c) = pv.spec.as_ref().and_then(|s| s.claim_ref.as_ref()) {
        out.push(format!(
            "persistentvolumeclaim/{}/{}",
            c.namespace.as_deref().unwrap_or_default(),
            c.name.as_deref().unwrap_or_default()
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::load;
    use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

    fn fixture(name: &str) -> (Snapshot, Option<BTreeSet<String>>) {
        let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/import")
            .join(name);
        let (snap, stats) = load::load_paths(&[p]).expect("fixture loads");
        (snap, stats.namespaces)
    }

    fn run(name: &str, sel: Selection, opts: &Options) -> Plan {
        let (snap, ns) = fixture(name);
        let vols = select(&snap, &sel).expect("selects");
        plan(&snap, &vols, opts, ns.as_ref())
    }

    fn ids(list: &[&str]) -> Selection {
        Selection::Ids(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn seed_like_volume_becomes_a_retained_csi_pv_with_zone_affinity_and_a_prebound_claim() {
        let mut opts = Options::for_test();
        opts.claim = Some(ClaimName::parse("default/task-pvc", "default").expect("claim"));
        let plan = run("cluster.yaml", ids(&["vol-0d1d1d1d1d1d1d1d1"]), &opts);
        assert_eq!(plan.refused(), 0, "{:#?}", plan.items);
        let objs = plan.objects();
        assert_eq!(objs.len(), 2);
        let pv = &objs[0];
        assert_eq!(pv["kind"], "PersistentVolume");
        assert_eq!(pv["apiVersion"], "v1");
        assert_eq!(pv["metadata"]["name"], "imported-vol-0d1d1d1d1d1d1d1d1");
        assert_eq!(
            pv["metadata"]["labels"][SOURCE_LABEL],
            "vol-0d1d1d1d1d1d1d1d1"
        );
        assert_eq!(
            pv["metadata"]["annotations"][IMPORTED_BY],
            "kubectl-storage"
        );
        let spec = &pv["spec"];
        assert_eq!(spec["csi"]["driver"], "ebs.csi.aws.com");
        assert_eq!(spec["csi"]["volumeHandle"], "vol-0d1d1d1d1d1d1d1d1");
        assert_eq!(spec["csi"]["fsType"], "ext4");
        assert_eq!(spec["capacity"]["storage"], "100Gi");
        assert_eq!(spec["accessModes"][0], "ReadWriteOnce");
        assert_eq!(spec["volumeMode"], "Filesystem");
        assert_eq!(spec["persistentVolumeReclaimPolicy"], "Retain");
        assert_eq!(spec["storageClassName"], "");
        assert_eq!(
            spec["claimRef"],
            serde_json::json!({"namespace": "default", "name": "task-pvc"})
        );
        let expr = &spec["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0];
        assert_eq!(expr["key"], "topology.kubernetes.io/zone");
        assert_eq!(expr["operator"], "In");
        assert_eq!(expr["values"][0], "us-east-1d");
        let pvc = &objs[1];
        assert_eq!(pvc["kind"], "PersistentVolumeClaim");
        assert_eq!(pvc["metadata"]["namespace"], "default");
        assert_eq!(pvc["metadata"]["name"], "task-pvc");
        assert_eq!(pvc["spec"]["volumeName"], "imported-vol-0d1d1d1d1d1d1d1d1");
        assert_eq!(pvc["spec"]["storageClassName"], "");
        assert_eq!(pvc["spec"]["resources"]["requests"]["storage"], "100Gi");
        assert_eq!(
            plan.items[0].summary_line(),
            "planned  vol-0d1d1d1d1d1d1d1d1 (100Gi io1, us-east-1d) → PV imported-vol-0d1d1d1d1d1d1d1d1 + PVC default/task-pvc"
        );
    }

    #[test]
    fn block_in_tree_legacy_key_class_and_name_flags() {
        let mut opts = Options::for_test();
        opts.block = true;
        opts.legacy_in_tree = true;
        opts.legacy_topology_key = true;
        opts.storage_class = "manual".into();
        opts.name = Some("mysql-data".into());
        let plan = run("cluster.yaml", ids(&["vol-0d1d1d1d1d1d1d1d1"]), &opts);
        let pv = &plan.objects()[0];
        assert_eq!(pv["metadata"]["name"], "mysql-data");
        assert_eq!(pv["spec"]["volumeMode"], "Block");
        assert_eq!(pv["spec"]["storageClassName"], "manual");
        assert_eq!(
            pv["spec"]["awsElasticBlockStore"],
            serde_json::json!({"volumeID": "aws://us-east-1d/vol-0d1d1d1d1d1d1d1d1"})
        );
        assert!(pv["spec"].get("csi").is_none());
        assert!(pv["spec"].get("claimRef").is_none());
        assert_eq!(
            pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]
                ["key"],
            "topology.ebs.csi.aws.com/zone"
        );
    }

    #[test]
    fn volumes_by_tag_with_claims_from_tags_each_get_their_driver_name_and_claim() {
        let mut opts = Options::for_test();
        opts.claims_from_tags = true;
        let sel = Selection::Tags(vec![("team".into(), "shop".into())]);
        let plan = run("cluster.yaml", sel, &opts);
        let lines: Vec<String> = plan.items.iter().map(Item::summary_line).collect();
        assert_eq!(
            lines,
            vec![
                "planned  vol-0a1a1a1a1a1a1a1a1 (20Gi gp3, us-east-1a) → PV pvc-1111 + PVC shop/data-db-0",
                "planned  vol-0a2a2a2a2a2a2a2a2 (20Gi gp3, us-east-1b) → PV pvc-2222 + PVC shop/data-db-1",
                "refused  vol-0a3a3a3a3a3a3a3a3: --claims-from-tags: it has no kubernetes.io/created-for/pvc/namespace and …/pvc/name tags; import it with --claim NAMESPACE/NAME",
            ]
        );
        assert_eq!(plan.objects().len(), 4);
        assert_eq!(plan.refused(), 1);
    }

    #[test]
    fn in_use_volume_and_name_conflict_are_refused_and_the_rest_proceed() {
        let opts = Options::for_test();
        let plan = run(
            "cluster.yaml",
            ids(&[
                "vol-0e1e1e1e1e1e1e1e1",
                "vol-0f1f1f1f1f1f1f1f1",
                "vol-0a1a1a1a1a1a1a1a1",
                "vol-0b0b0b0b0b0b0b0b1",
            ]),
            &opts,
        );
        let lines: Vec<String> = plan.items.iter().map(Item::summary_line).collect();
        assert_eq!(lines[0], "refused  vol-0e1e1e1e1e1e1e1e1: import-volume-in-use: EBS volume vol-0e1e1e1e1e1e1e1e1 is in-use by i-0999999999999999f (attached), which is not a node of this cluster");
        assert_eq!(lines[1], "refused  vol-0f1f1f1f1f1f1f1f1: import-name-conflict: PV imported-vol-0f1f1f1f1f1f1f1f1 already exists and holds EBS volume vol-0aaaaaaaaaaaaaaa2, not vol-0f1f1f1f1f1f1f1f1");
        assert_eq!(
            lines[2],
            "planned  vol-0a1a1a1a1a1a1a1a1 (20Gi gp3, us-east-1a) → PV pvc-1111"
        );
        // In use by one of our own nodes: fine (a lost PV object, the volume still attached).
        assert!(
            lines[3].starts_with("planned  vol-0b0b0b0b0b0b0b0b1"),
            "{}",
            lines[3]
        );
        assert_eq!(plan.refused(), 2);
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
    }

    #[test]
    fn a_run_killed_after_the_pv_is_completed_by_creating_only_the_claim() {
        let mut opts = Options::for_test();
        opts.claim = Some(ClaimName::parse("shop/half", "default").expect("claim"));
        let plan = run("cluster.yaml", ids(&["vol-0c0c0c0c0c0c0c0c1"]), &opts);
        let objs = plan.objects();
        assert_eq!(objs.len(), 1, "{objs:#?}");
        assert_eq!(objs[0]["kind"], "PersistentVolumeClaim");
        assert_eq!(
            objs[0]["spec"]["volumeName"],
            "imported-vol-0c0c0c0c0c0c0c0c1"
        );
        // And once the claim exists too, the run is a no-op.
        let plan = run("cluster.yaml", ids(&["vol-0c0c0c0c0c0c0c0c2"]), &{
            let mut o = Options::for_test();
            o.claim = Some(ClaimName::parse("shop/whole", "default").expect("claim"));
            o
        });
        assert!(plan.objects().is_empty());
        assert_eq!(plan.items[0].findings[0].code, "import-already-imported");
    }

    #[test]
    fn a_foreign_pv_with_the_planned_name_handle_and_claim_is_never_adopted() {
        // Hand-made: Delete, 5Gi, class gp2, zone us-east-1b, xfs; the plan: Retain, 10Gi,
        // "", us-east-1a, ext4. Adopting it would bind a claim whose deletion destroys the data.
        let mut opts = Options::for_test();
        opts.claim = Some(ClaimName::parse("shop/foreign", "default").expect("claim"));
        let plan = run("cluster.yaml", ids(&["vol-0c0c0c0c0c0c0c0c3"]), &opts);
        assert!(plan.objects().is_empty(), "{:#?}", plan.objects());
        assert_eq!(plan.refused(), 1);
        assert_eq!(
            plan.items[0].summary_line(),
            "refused  vol-0c0c0c0c0c0c0c0c3: import-name-conflict: PV imported-vol-0c0c0c0c0c0c0c0c3 already exists for vol-0c0c0c0c0c0c0c0c3 but is not the PV this import would create: persistentVolumeReclaimPolicy Delete (planned Retain), capacity 5Gi (planned 10Gi), zone affinity us-east-1b (planned us-east-1a), fsType xfs (planned ext4), storageClassName \"gp2\" (planned \"\")"
        );
        let f = &plan.items[0].findings[0];
        assert!(
            f.fix.starts_with("check that nothing uses PV imported-vol-0c0c0c0c0c0c0c0c3; kubectl patch pv imported-vol-0c0c0c0c0c0c0c0c3 -p '{\"spec\":{\"persistentVolumeReclaimPolicy\":\"Retain\"}}'"),
            "{}",
            f.fix
        );
        // The PV this import made itself (a killed run) still completes with only the claim.
        let (snap, _) = fixture("cluster.yaml");
        let ours = snap
            .pvs
            .iter()
            .find(|p| p.metadata.name.as_deref() == Some("imported-vol-0c0c0c0c0c0c0c0c1"))
            .expect("pv");
        let vol = snap.ec2.volume("vol-0c0c0c0c0c0c0c0c1").expect("vol");
        let claim = ClaimName::parse("shop/half", "default").expect("claim");
        let planned = build_pv(vol, "imported-vol-0c0c0c0c0c0c0c0c1", Some(&claim), &opts);
        assert_eq!(pv_differences(ours, &planned), Vec::<String>::new());
        let other = ClaimName::parse("shop/other", "default").expect("claim");
        let planned = build_pv(vol, "imported-vol-0c0c0c0c0c0c0c0c1", Some(&other), &opts);
        assert_eq!(
            pv_differences(ours, &planned),
            vec!["claimRef shop/half (planned shop/other)".to_string()]
        );
    }

    #[test]
    fn a_missing_namespace_refuses_the_volume() {
        let mut opts = Options::for_test();
        opts.claim = Some(ClaimName::parse("nope/data", "default").expect("claim"));
        let plan = run("cluster.yaml", ids(&["vol-0a1a1a1a1a1a1a1a1"]), &opts);
        assert_eq!(
            plan.items[0].summary_line(),
            "refused  vol-0a1a1a1a1a1a1a1a1: namespace nope does not exist (create it first: kubectl create namespace nope)"
        );
    }

    #[test]
    fn all_orphaned_selects_available_tagged_volumes_without_a_pv() {
        let (snap, _) = fixture("cluster.yaml");
        let vols = select(&snap, &Selection::AllOrphaned).expect("selects");
        let ids: Vec<&str> = vols.iter().map(|v| v.id.as_str()).collect();
        assert_eq!(ids, vec!["vol-0a1a1a1a1a1a1a1a1", "vol-0a2a2a2a2a2a2a2a2"]);
    }

    #[test]
    fn bad_input_is_one_clear_line() {
        let (snap, _) = fixture("cluster.yaml");
        let e = select(&snap, &ids(&["vol-0123456789abcdef0"])).expect_err("unknown");
        assert_eq!(
            e.to_string(),
            "EBS volume vol-0123456789abcdef0 not found: not in the snapshot's EC2 volumes; nothing was planned"
        );
        let e = select(&snap, &ids(&["pvc-1"])).expect_err("malformed");
        assert!(e.to_string().contains("not an EBS volume id"), "{e}");
        assert!(parse_tag("novalue").is_err());
        assert_eq!(parse_tag("a=b=c").expect("tag"), ("a".into(), "b=c".into()));
        let e = ClaimName::parse("shop/Data_1", "default").expect_err("bad name");
        assert!(
            e.to_string().starts_with("invalid claim name \"Data_1\""),
            "{e}"
        );
        assert!(ClaimName::parse("Shop/data", "default").is_err());
        assert_eq!(
            ClaimName::parse("data", "prod").expect("claim").to_string(),
            "prod/data"
        );
    }

    #[test]
    fn warns_without_the_ebs_csi_driver() {
        let (mut snap, ns) = fixture("cluster.yaml");
        snap.csi_drivers.clear();
        let vols = select(&snap, &ids(&["vol-0a1a1a1a1a1a1a1a1"])).expect("selects");
        let plan = plan(&snap, &vols, &Options::for_test(), ns.as_ref());
        assert_eq!(
            plan.warnings,
            vec!["the cluster has no CSIDriver ebs.csi.aws.com: imported PVs will not attach until the EBS CSI driver is installed".to_string()]
        );
    }

    #[test]
    fn on_eks_auto_mode_the_pvs_name_its_driver_unless_told_otherwise() {
        let (mut snap, ns) = fixture("cluster.yaml");
        snap.csi_drivers.clear();
        snap.csi_drivers
            .push(k8s_openapi::api::storage::v1::CSIDriver {
                metadata: ObjectMeta {
                    name: Some(crate::k8s::EBS_AUTO_MODE.into()),
                    ..Default::default()
                },
                ..Default::default()
            });
        for n in &mut snap.csi_nodes {
            for d in &mut n.spec.drivers {
                d.name = crate::k8s::EBS_AUTO_MODE.into();
            }
        }
        let vols = select(&snap, &ids(&["vol-0a1a1a1a1a1a1a1a1"])).expect("selects");
        let plan = plan(&snap, &vols, &Options::for_test(), ns.as_ref());
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
        let objs = plan.objects();
        assert_eq!(
            objs[0]["spec"]["csi"]["driver"],
            "ebs.csi.eks.amazonaws.com"
        );
        let told = Options {
            driver: Some(DRIVER.into()),
            ..Options::for_test()
        };
        let plan = super::plan(&snap, &vols, &told, ns.as_ref());
        assert_eq!(plan.objects()[0]["spec"]["csi"]["driver"], DRIVER);
        assert!(
            plan.warnings[0].contains("no CSIDriver ebs.csi.aws.com"),
            "{:?}",
            plan.warnings
        );
    }
}
