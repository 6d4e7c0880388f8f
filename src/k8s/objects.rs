//! Accessors over Kubernetes objects: a pod's claims, phases, sizes, classes, a PV's driver,
//! volume id and zones, a node's zone and instance, StatefulSet replicas, object names.

use super::ebs::{is_ebs_driver, EBS_CSI, ZONE_KEYS};
use super::quantity::quantity_bytes;
use super::selectors::{selector_matches, terms_match};
use crate::model::{PersistentVolume, Pod};
use k8s_openapi::api::core::v1::{Node, NodeSelectorTerm, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::StorageClass;

/// The provisioner name of classes for hand-made (static) PVs.
pub const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";

/// Annotations marking a default StorageClass.
pub const DEFAULT_CLASS_ANNOTATIONS: [&str; 2] = [
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
];

/// Names of the PVCs a pod's volumes use, with the pod volume name: `(volume, claim)`.
/// Generic ephemeral volumes use the claim `<pod>-<volume>`.
pub fn pod_claims(pod: &Pod) -> Vec<(String, String)> {
    let pod_name = pod.metadata.name.as_deref().unwrap_or_default();
    pod.spec
        .iter()
        .flat_map(|s| s.volumes.iter().flatten())
        .filter_map(|v| {
            if let Some(c) = &v.persistent_volume_claim {
                Some((v.name.clone(), c.claim_name.clone()))
            } else {
                v.ephemeral
                    .as_ref()
                    .map(|_| (v.name.clone(), format!("{pod_name}-{}", v.name)))
            }
        })
        .collect()
}

/// The requested storage of a claim, in bytes.
pub fn pvc_request(pvc: &PersistentVolumeClaim) -> Option<u128> {
    pvc.spec
        .as_ref()?
        .resources
        .as_ref()?
        .requests
        .as_ref()?
        .get("storage")
        .and_then(quantity_bytes)
}

/// The capacity of a PV, in bytes.
pub fn pv_capacity(pv: &PersistentVolume) -> Option<u128> {
    pv.spec
        .as_ref()?
        .capacity
        .as_ref()?
        .get("storage")
        .and_then(quantity_bytes)
}

/// A claim's phase (`Pending`, `Bound`, `Lost`), `Pending` when unset.
pub fn pvc_phase(pvc: &PersistentVolumeClaim) -> &str {
    pvc.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Pending")
}

/// A PV's phase (`Available`, `Bound`, `Released`, `Failed`, `Pending`).
pub fn pv_phase(pv: &PersistentVolume) -> &str {
    pv.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Pending")
}

/// A pod's phase.
pub fn pod_phase(pod: &Pod) -> &str {
    pod.status
        .as_ref()
        .and_then(|s| s.phase.as_deref())
        .unwrap_or("Pending")
}

/// Access modes as kubectl abbreviates them (`RWO`, `RWX`, `ROX`, `RWOP`).
pub fn short_modes(modes: &[String]) -> String {
    modes
        .iter()
        .map(|m| match m.as_str() {
            "ReadWriteOnce" => "RWO",
            "ReadWriteMany" => "RWX",
            "ReadOnlyMany" => "ROX",
            "ReadWriteOncePod" => "RWOP",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The class a claim names explicitly: `Some("")` for the empty class (static binding only),
/// `None` when unset (the default class applies).
pub fn pvc_class_name(pvc: &PersistentVolumeClaim) -> Option<&str> {
    pvc.spec
        .as_ref()
        .and_then(|s| s.storage_class_name.as_deref())
        .or_else(|| annotation(pvc, BETA_CLASS_ANNOTATION))
}

/// The class annotation older objects carry instead of `storageClassName`.
const BETA_CLASS_ANNOTATION: &str = "volume.beta.kubernetes.io/storage-class";

/// The class a PV belongs to (`""` when none).
pub fn pv_class_name(pv: &PersistentVolume) -> &str {
    pv.spec
        .as_ref()
        .and_then(|s| s.storage_class_name.as_deref())
        .or_else(|| annotation(pv, BETA_CLASS_ANNOTATION))
        .unwrap_or("")
}

/// Whether a StorageClass carries the default annotation.
pub fn is_default_class(sc: &StorageClass) -> bool {
    sc.metadata.annotations.as_ref().is_some_and(|a| {
        DEFAULT_CLASS_ANNOTATIONS
            .iter()
            .any(|k| a.get(*k).is_some_and(|v| v == "true"))
    })
}

/// A class's `volumeBindingMode` (`Immediate` when unset).
pub fn binding_mode(sc: &StorageClass) -> &str {
    sc.volume_binding_mode.as_deref().unwrap_or("Immediate")
}

/// The zones a StorageClass restricts new volumes to: `allowedTopologies` on a zone key, or the
/// in-tree `zone`/`zones` parameters. Empty when unrestricted.
pub fn class_zones(sc: &StorageClass) -> Vec<String> {
    let params = sc.parameters.as_ref();
    let mut zones: Vec<String> = sc
        .allowed_topologies
        .iter()
        .flatten()
        .flat_map(|t| t.match_label_expressions.iter().flatten())
        .filter(|e| ZONE_KEYS.contains(&e.key.as_str()))
        .flat_map(|e| e.values.iter().cloned())
        .chain(
            ["zones", "zone"]
                .iter()
                .filter_map(|k| params.and_then(|p| p.get(*k)))
                .flat_map(|z| z.split(',').map(|s| s.trim().to_string()))
                .filter(|z| !z.is_empty()),
        )
        .collect();
    zones.sort();
    zones.dedup();
    zones
}

/// The required node affinity terms of a PV (empty: no constraint).
pub fn pv_affinity_terms(pv: &PersistentVolume) -> &[NodeSelectorTerm] {
    pv.spec
        .as_ref()
        .and_then(|s| s.node_affinity.as_ref())
        .and_then(|a| a.required.as_ref())
        .map(|r| r.node_selector_terms.as_slice())
        .unwrap_or_default()
}

/// Whether a node satisfies a PV's node affinity (true when it has none).
pub fn pv_admits_node(pv: &PersistentVolume, node: &Node) -> bool {
    let terms = pv_affinity_terms(pv);
    terms.is_empty() || terms_match(terms, node.metadata.labels.as_ref())
}

/// The driver name of a PV (`csi.driver`, or the CSI driver an in-tree EBS PV migrates to).
pub fn pv_driver(pv: &PersistentVolume) -> Option<&str> {
    let spec = pv.spec.as_ref()?;
    if let Some(csi) = &spec.csi {
        return Some(csi.driver.as_str());
    }
    spec.aws_elastic_block_store.as_ref().map(|_| EBS_CSI)
}

/// Whether a PV is backed by EBS (CSI or in-tree form).
pub fn pv_is_ebs(pv: &PersistentVolume) -> bool {
    pv_driver(pv).is_some_and(is_ebs_driver)
}

/// The EBS volume id of a PV: CSI `volumeHandle`, or in-tree `aws://zone/vol-…` / `vol-…`.
pub fn pv_volume_id(pv: &PersistentVolume) -> Option<&str> {
    let spec = pv.spec.as_ref()?;
    if let Some(csi) = spec.csi.as_ref().filter(|c| is_ebs_driver(&c.driver)) {
        return Some(csi.volume_handle.as_str());
    }
    let id = spec.aws_elastic_block_store.as_ref()?.volume_id.as_str();
    Some(id.rsplit('/').next().unwrap_or(id))
}

/// The filesystem type a PV asks for, if any.
pub fn pv_fs_type(pv: &PersistentVolume) -> Option<&str> {
    let spec = pv.spec.as_ref()?;
    spec.csi
        .as_ref()
        .and_then(|c| c.fs_type.as_deref())
        .or_else(|| {
            spec.aws_elastic_block_store
                .as_ref()
                .and_then(|a| a.fs_type.as_deref())
        })
}

/// The zones a PV's `nodeAffinity` allows (values of any zone key, `In` expressions).
pub fn pv_zones(pv: &PersistentVolume) -> Vec<String> {
    let terms = pv
        .spec
        .as_ref()
        .and_then(|s| s.node_affinity.as_ref())
        .and_then(|a| a.required.as_ref())
        .map(|r| r.node_selector_terms.as_slice())
        .unwrap_or_default();
    let mut zones = terms_zones(terms);
    if zones.is_empty() {
        // In-tree PVs carry the zone in the volume id (`aws://us-east-1d/vol-…`) and labels.
        if let Some(z) = pv
            .spec
            .as_ref()
            .and_then(|s| s.aws_elastic_block_store.as_ref())
            .and_then(|a| a.volume_id.strip_prefix("aws://"))
            .and_then(|rest| rest.split('/').next())
            .filter(|z| !z.is_empty())
        {
            zones.push(z.to_string());
        }
    }
    if zones.is_empty() {
        if let Some(labels) = &pv.metadata.labels {
            zones.extend(ZONE_KEYS.iter().filter_map(|k| labels.get(*k)).cloned());
        }
    }
    zones.sort();
    zones.dedup();
    zones
}

/// Zone values named by `In` expressions on zone keys in node selector terms.
pub fn terms_zones(terms: &[NodeSelectorTerm]) -> Vec<String> {
    let mut zones: Vec<String> = terms
        .iter()
        .flat_map(|t| t.match_expressions.iter().flatten())
        .filter(|e| ZONE_KEYS.contains(&e.key.as_str()) && e.operator == "In")
        .flat_map(|e| e.values.iter().flatten().cloned())
        .collect();
    zones.sort();
    zones.dedup();
    zones
}

/// A node's zone label, whichever key carries it.
pub fn node_zone(node: &Node) -> Option<&str> {
    let labels = node.metadata.labels.as_ref()?;
    ZONE_KEYS
        .iter()
        .find_map(|k| labels.get(*k))
        .map(String::as_str)
}

/// Whether a node could take new pods: Ready, not cordoned.
pub fn node_schedulable(node: &Node) -> bool {
    let cordoned = node
        .spec
        .as_ref()
        .and_then(|s| s.unschedulable)
        .unwrap_or(false);
    let ready = node
        .status
        .as_ref()
        .and_then(|s| s.conditions.as_ref())
        .and_then(|c| c.iter().find(|c| c.type_ == "Ready"))
        .map(|c| c.status == "True")
        .unwrap_or(false);
    ready && !cordoned
}

/// The EC2 instance id in a node's `spec.providerID` (`aws:///us-east-1a/i-0abc…`).
pub fn node_instance_id(node: &Node) -> Option<&str> {
    let id = node.spec.as_ref()?.provider_id.as_deref()?;
    let last = id.rsplit('/').next()?;
    last.starts_with("i-").then_some(last)
}

/// Whether a pod's own node selection (nodeSelector + required node affinity) admits a node.
pub fn pod_admits_node(pod: &Pod, node: &Node) -> bool {
    let Some(spec) = pod.spec.as_ref() else {
        return true;
    };
    let labels = node.metadata.labels.as_ref();
    if let Some(sel) = &spec.node_selector {
        if !selector_matches(sel, labels) {
            return false;
        }
    }
    let terms = pod_required_terms(pod);
    terms.is_empty() || terms_match(terms, labels)
}

/// The terms of a pod's required node affinity (empty: none).
pub fn pod_required_terms(pod: &Pod) -> &[NodeSelectorTerm] {
    pod.spec
        .as_ref()
        .and_then(|s| s.affinity.as_ref())
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
        .map(|r| r.node_selector_terms.as_slice())
        .unwrap_or_default()
}

/// A short description of a pod's own node selection, for messages (`nodeSelector zone=us-east-1b`).
pub fn describe_pod_selection(pod: &Pod) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    let mut parts = Vec::new();
    if let Some(sel) = spec.node_selector.as_ref().filter(|s| !s.is_empty()) {
        let kv: Vec<String> = sel.iter().map(|(k, v)| format!("{k}={v}")).collect();
        parts.push(format!("nodeSelector {}", kv.join(",")));
    }
    let terms = pod_required_terms(pod);
    if !terms.is_empty() {
        let zones = terms_zones(terms);
        if zones.is_empty() {
            parts.push("required node affinity".to_string());
        } else {
            parts.push(format!("node affinity zone in {}", zones.join(",")));
        }
    }
    (!parts.is_empty()).then(|| parts.join(" and "))
}

/// An object's name and namespace as plain strings (empty when unset), for any Kubernetes
/// object: `pod.name()` instead of `pod.metadata.name.as_deref().unwrap_or_default()`.
pub trait Named {
    fn name(&self) -> &str;
    fn namespace_or_empty(&self) -> &str;
}

impl<T: kube::Resource> Named for T {
    fn name(&self) -> &str {
        self.meta().name.as_deref().unwrap_or_default()
    }
    fn namespace_or_empty(&self) -> &str {
        self.meta().namespace.as_deref().unwrap_or_default()
    }
}

/// An object's `(namespace, name)`, empty strings when unset.
pub fn ns_name<T: kube::Resource>(o: &T) -> (&str, &str) {
    let m = o.meta();
    (
        m.namespace.as_deref().unwrap_or_default(),
        m.name.as_deref().unwrap_or_default(),
    )
}

/// An annotation's value on an object.
pub fn annotation<'a, T: kube::Resource>(o: &'a T, key: &str) -> Option<&'a str> {
    o.meta().annotations.as_ref()?.get(key).map(String::as_str)
}

/// The ordinals of a StatefulSet's replicas: `spec.replicas` of them (1 when unset) from
/// `spec.ordinals.start` (0 when unset).
pub fn sts_ordinals(sts: &k8s_openapi::api::apps::v1::StatefulSet) -> std::ops::Range<i32> {
    let spec = sts.spec.as_ref();
    let replicas = spec.and_then(|s| s.replicas).unwrap_or(1).max(0);
    let start = spec
        .and_then(|s| s.ordinals.as_ref())
        .and_then(|o| o.start)
        .unwrap_or(0);
    start..start + replicas
}

/// The names of a StatefulSet's volumeClaimTemplates (replica N's claim is `TEMPLATE-STS-N`).
pub fn sts_claim_templates(sts: &k8s_openapi::api::apps::v1::StatefulSet) -> Vec<&str> {
    sts.spec
        .as_ref()
        .and_then(|s| s.volume_claim_templates.as_ref())
        .into_iter()
        .flatten()
        .filter_map(|t| t.metadata.name.as_deref())
        .collect()
}

/// A DNS-1123 label: `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters (a namespace).
pub fn is_dns_label(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 63
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && s.starts_with(|c: char| c.is_ascii_alphanumeric())
        && s.ends_with(|c: char| c.is_ascii_alphanumeric())
}

/// A DNS-1123 subdomain: labels joined by dots, at most 253 characters (most object names).
pub fn is_dns_subdomain(s: &str) -> bool {
    s.len() <= 253 && s.split('.').all(is_dns_label)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dns_names() {
        for ok in ["db-0", "data.db-0", "a", "0a"] {
            assert!(is_dns_subdomain(ok), "{ok}");
        }
        for bad in [
            "",
            "Db",
            "-a",
            "a-",
            "a..b",
            "a_b",
            &"a".repeat(64),
            &"a.".repeat(127),
        ] {
            assert!(!is_dns_subdomain(bad), "{bad}");
        }
        assert!(is_dns_label("shop") && !is_dns_label("shop.prod"));
    }
}
