//! The objects `import-ebs` creates for a volume: their names (the PV's, the claim's) and the
//! PV and pre-bound claim themselves, built from the volume and the [`Options`].

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::{
    AWSElasticBlockStoreVolumeSource, CSIPersistentVolumeSource, NodeSelector,
    NodeSelectorRequirement, NodeSelectorTerm, ObjectReference, PersistentVolume,
    PersistentVolumeClaim, PersistentVolumeClaimSpec, PersistentVolumeSpec, VolumeNodeAffinity,
    VolumeResourceRequirements,
};
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;

use crate::error::{Error, Result};
use crate::snapshot::ec2::Volume;

/// The EBS CSI driver's name.
pub const DRIVER: &str = crate::k8s::EBS_CSI;

/// Label on imported objects: the EBS volume they came from.
pub const SOURCE_LABEL: &str = "storage.kubectl.io/source-volume";

/// Annotation on imported objects: which tool made them.
pub const IMPORTED_BY: &str = "storage.kubectl.io/imported-by";

/// Annotation on imported objects: when the plan was made.
pub const IMPORTED_AT: &str = "storage.kubectl.io/imported-at";

pub use crate::k8s::{is_dns_label, is_dns_subdomain, EBS_ZONE_KEY as LEGACY_ZONE_KEY, ZONE_KEY};

/// A claim's namespace and name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClaimName {
    pub namespace: String,
    pub name: String,
}

impl ClaimName {
    /// Parses `NAMESPACE/NAME` (or `NAME`, in `default_ns`), refusing names that are not DNS-1123.
    pub fn parse(s: &str, default_ns: &str) -> Result<Self> {
        let (ns, name) = match s.split_once('/') {
            Some((ns, name)) => (ns, name),
            None => (default_ns, s),
        };
        let c = ClaimName {
            namespace: ns.to_string(),
            name: name.to_string(),
        };
        c.validate().map_err(Error::Usage)?;
        Ok(c)
    }

    /// Why this is not a valid claim reference, if it is not.
    pub fn validate(&self) -> std::result::Result<(), String> {
        if !is_dns_label(&self.namespace) {
            return Err(format!(
                "invalid claim namespace {:?}: a namespace is a DNS-1123 label (lowercase letters, digits and '-', at most 63)",
                self.namespace
            ));
        }
        if !is_dns_subdomain(&self.name) {
            return Err(format!(
                "invalid claim name {:?}: a claim name is a DNS-1123 subdomain (lowercase letters, digits, '-' and '.', at most 253)",
                self.name
            ));
        }
        Ok(())
    }
}

impl std::fmt::Display for ClaimName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.namespace, self.name)
    }
}

/// How the objects are built.
#[derive(Debug, Clone)]
pub struct Options {
    /// `--fs-type` (ignored with `--block`).
    pub fs_type: String,
    /// `--block`: `volumeMode: Block`.
    pub block: bool,
    /// `--storage-class` (`""` by default: no provisioner interferes).
    pub storage_class: String,
    /// `--legacy-topology-key`: node affinity on `topology.ebs.csi.aws.com/zone`.
    pub legacy_topology_key: bool,
    /// `--legacy-in-tree`: the `awsElasticBlockStore` source instead of CSI.
    pub legacy_in_tree: bool,
    /// `--driver`: the EBS CSI driver the PVs name (`None`: the one the cluster runs, see
    /// [`crate::k8s::cluster_ebs_driver`]).
    pub driver: Option<String>,
    /// `--claim`: one claim for the one volume.
    pub claim: Option<ClaimName>,
    /// `--claims-from-tags`: claims from `kubernetes.io/created-for/pvc/{namespace,name}`.
    pub claims_from_tags: bool,
    /// `--name`: the PV name for the one volume.
    pub name: Option<String>,
    /// Recorded in the `imported-at` annotation.
    pub now: jiff::Timestamp,
    /// Recorded in the `imported-by` annotation.
    pub tool: String,
}

impl Options {
    /// Defaults with a fixed time, for tests and benches.
    pub fn for_test() -> Self {
        Options {
            fs_type: "ext4".into(),
            block: false,
            storage_class: String::new(),
            legacy_topology_key: false,
            legacy_in_tree: false,
            driver: None,
            claim: None,
            claims_from_tags: false,
            name: None,
            now: jiff::Timestamp::UNIX_EPOCH,
            tool: "kubectl-storage".into(),
        }
    }
}

/// The PV name for a volume: `--name`, else the name the driver gave it (tag `CSIVolumeName`,
/// then `kubernetes.io/created-for/pv/name`), else `imported-<volume id>`.
pub fn pv_name_for(vol: &Volume, opts: &Options) -> String {
    opts.name
        .clone()
        .or_else(|| {
            [crate::k8s::TAG_CSI_VOLUME_NAME, crate::k8s::TAG_PV_NAME]
                .iter()
                .filter_map(|k| vol.tag(k))
                .find(|n| is_dns_subdomain(n))
                .map(str::to_string)
        })
        .unwrap_or_else(|| format!("imported-{}", vol.id))
}

/// The claim planned for a volume, if any: `--claim`, or the `created-for/pvc` tags.
pub fn claim_for(vol: &Volume, opts: &Options) -> std::result::Result<Option<ClaimName>, String> {
    if let Some(c) = &opts.claim {
        return Ok(Some(c.clone()));
    }
    if !opts.claims_from_tags {
        return Ok(None);
    }
    match (
        vol.tag(crate::k8s::TAG_PVC_NAMESPACE),
        vol.tag(crate::k8s::TAG_PVC_NAME),
    ) {
        (Some(ns), Some(name)) => {
            let c = ClaimName {
                namespace: ns.to_string(),
                name: name.to_string(),
            };
            c.validate()
                .map_err(|e| format!("its kubernetes.io/created-for/pvc tags are unusable: {e}"))?;
            Ok(Some(c))
        }
        _ => Err("--claims-from-tags: it has no kubernetes.io/created-for/pvc/namespace and …/pvc/name tags; import it with --claim NAMESPACE/NAME".into()),
    }
}

fn meta(vol: &Volume, name: &str, namespace: Option<&str>, opts: &Options) -> ObjectMeta {
    ObjectMeta {
        name: Some(name.to_string()),
        namespace: namespace.map(str::to_string),
        labels: Some(BTreeMap::from([(SOURCE_LABEL.to_string(), vol.id.clone())])),
        annotations: Some(BTreeMap::from([
            (IMPORTED_BY.to_string(), opts.tool.clone()),
            (
                IMPORTED_AT.to_string(),
                opts.now.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
            ),
        ])),
        ..Default::default()
    }
}

fn volume_mode(opts: &Options) -> String {
    if opts.block { "Block" } else { "Filesystem" }.to_string()
}

fn capacity(vol: &Volume) -> Quantity {
    Quantity(format!("{}Gi", vol.size_gib))
}

/// The PV for `vol`: Retain always, `""` class unless told, zone affinity, pre-bound claimRef.
pub fn build_pv(
    vol: &Volume,
    name: &str,
    claim: Option<&ClaimName>,
    opts: &Options,
) -> PersistentVolume {
    let fs_type = (!opts.block).then(|| opts.fs_type.clone());
    let (csi, in_tree) = if opts.legacy_in_tree {
        (
            None,
            Some(AWSElasticBlockStoreVolumeSource {
                volume_id: format!("aws://{}/{}", vol.az, vol.id),
                fs_type,
                ..Default::default()
            }),
        )
    } else {
        (
            Some(CSIPersistentVolumeSource {
                driver: opts.driver.clone().unwrap_or_else(|| DRIVER.to_string()),
                volume_handle: vol.id.clone(),
                fs_type,
                ..Default::default()
            }),
            None,
        )
    };
    let key = if opts.legacy_topology_key {
        LEGACY_ZONE_KEY
    } else {
        ZONE_KEY
    };
    PersistentVolume {
        metadata: meta(vol, name, None, opts),
        spec: Some(PersistentVolumeSpec {
            capacity: Some(BTreeMap::from([("storage".to_string(), capacity(vol))])),
            access_modes: Some(vec!["ReadWriteOnce".to_string()]),
            volume_mode: Some(volume_mode(opts)),
            // Never Delete: a released imported PV must not take the data with it.
            persistent_volume_reclaim_policy: Some("Retain".to_string()),
            storage_class_name: Some(opts.storage_class.clone()),
            claim_ref: claim.map(|c| ObjectReference {
                namespace: Some(c.namespace.clone()),
                name: Some(c.name.clone()),
                ..Default::default()
            }),
            csi,
            aws_elastic_block_store: in_tree,
            node_affinity: Some(VolumeNodeAffinity {
                required: Some(NodeSelector {
                    node_selector_terms: vec![NodeSelectorTerm {
                        match_expressions: Some(vec![NodeSelectorRequirement {
                            key: key.to_string(),
                            operator: "In".to_string(),
                            values: Some(vec![vol.az.clone()]),
                        }]),
                        match_fields: None,
                    }],
                }),
            }),
            ..Default::default()
        }),
        status: None,
    }
}

/// The claim for `vol`, pre-bound to PV `pv_name` through `volumeName`.
pub fn build_pvc(
    vol: &Volume,
    pv_name: &str,
    claim: &ClaimName,
    opts: &Options,
) -> PersistentVolumeClaim {
    PersistentVolumeClaim {
        metadata: meta(vol, &claim.name, Some(&claim.namespace), opts),
        spec: Some(PersistentVolumeClaimSpec {
            access_modes: Some(vec!["ReadWriteOnce".to_string()]),
            storage_class_name: Some(opts.storage_class.clone()),
            volume_mode: Some(volume_mode(opts)),
            volume_name: Some(pv_name.to_string()),
            resources: Some(VolumeResourceRequirements {
                requests: Some(BTreeMap::from([("storage".to_string(), capacity(vol))])),
                ..Default::default()
            }),
            ..Default::default()
        }),
        status: None,
    }
}
