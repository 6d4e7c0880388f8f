//! Small, pure helpers over Kubernetes objects: quantities, zones, drivers, claims.
//! Nothing here allocates more than it returns or panics on odd data from a cluster.

use std::collections::BTreeMap;

use crate::model::{PersistentVolume, Pod};
use k8s_openapi::api::core::v1::{Node, NodeSelectorTerm, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::StorageClass;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;

/// The EBS CSI driver's name (the add-on, Helm chart or manifests: self-managed).
pub const EBS_CSI: &str = "ebs.csi.aws.com";
/// The EBS driver of EKS Auto Mode: the same driver, run by AWS outside the cluster's pods.
pub const EBS_AUTO_MODE: &str = "ebs.csi.eks.amazonaws.com";
/// Every driver name whose volumes are EBS volumes.
pub const EBS_DRIVERS: [&str; 2] = [EBS_CSI, EBS_AUTO_MODE];
/// The removed in-tree EBS provisioner, served through CSI migration by [`EBS_CSI`].
pub const IN_TREE_EBS: &str = "kubernetes.io/aws-ebs";
/// The provisioner name of classes for hand-made (static) PVs.
pub const NO_PROVISIONER: &str = "kubernetes.io/no-provisioner";
/// Zone label keys a node or PV may carry, newest first.
pub const ZONE_KEYS: [&str; 4] = [
    "topology.kubernetes.io/zone",
    "topology.ebs.csi.aws.com/zone",
    // EKS Auto Mode's driver labels its nodes with its own key too.
    "topology.ebs.csi.eks.amazonaws.com/zone",
    "failure-domain.beta.kubernetes.io/zone",
];
/// Annotations marking a default StorageClass.
pub const DEFAULT_CLASS_ANNOTATIONS: [&str; 2] = [
    "storageclass.kubernetes.io/is-default-class",
    "storageclass.beta.kubernetes.io/is-default-class",
];

/// Parses a Kubernetes quantity (`100Gi`, `1.5T`, `500M`, `1e9`) into bytes (or units).
pub fn quantity_bytes(q: &Quantity) -> Option<u128> {
    parse_quantity(&q.0)
}

/// Parses quantity text; `None` when it is not a quantity or is negative.
pub fn parse_quantity(s: &str) -> Option<u128> {
    check_quantity(s).ok()
}

/// Parses a quantity exactly as the API server's `resource.ParseQuantity` does and returns its
/// value rounded up to a whole unit (bytes), or why it is not one: `[+-]digits[.digits]`
/// followed by one suffix — binary `Ki Mi Gi Ti Pi Ei`, decimal `n u m "" k M G T P E`, or an
/// exponent `e`/`E` with a signed integer. No spaces inside (the API trims around), no unit
/// names such as `GB`, one suffix only (`1e3Gi` is refused). Negative values are refused here
/// too: every size this tool reads must be at least zero.
pub fn check_quantity(text: &str) -> Result<u128, String> {
    let s = text.trim();
    if s.is_empty() {
        return Err("is empty".into());
    }
    let (negative, rest) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
    let (int, after) = rest.split_at(int_len);
    let (frac, suffix) = match after.strip_prefix('.') {
        Some(r) => {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            r.split_at(n)
        }
        None => ("", after),
    };
    if int.is_empty() && frac.is_empty() {
        return Err("is not a number followed by a unit such as Gi".into());
    }
    // The value is digits × 2^bin × 10^dec.
    let (bin, dec): (u32, i64) = match suffix {
        "" => (0, 0),
        "Ki" => (10, 0),
        "Mi" => (20, 0),
        "Gi" => (30, 0),
        "Ti" => (40, 0),
        "Pi" => (50, 0),
        "Ei" => (60, 0),
        "n" => (0, -9),
        "u" => (0, -6),
        "m" => (0, -3),
        "k" => (0, 3),
        "M" => (0, 6),
        "G" => (0, 9),
        "T" => (0, 12),
        "P" => (0, 15),
        "E" => (0, 18),
        e if e.starts_with(['e', 'E']) => {
            let exp = &e[1..];
            let digits = exp.strip_prefix(['+', '-']).unwrap_or(exp);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("has the unit {suffix:?}, not a Kubernetes one"));
            }
            (0, exp.parse::<i64>().unwrap_or(i64::MAX))
        }
        _ => return Err(format!("has the unit {suffix:?}, not a Kubernetes one")),
    };
    if negative && (int.bytes().any(|b| b != b'0') || frac.bytes().any(|b| b != b'0')) {
        return Err("is negative".into());
    }
    let too_large = || "is too large to be a size".to_string();
    let digits = format!("{int}{frac}");
    let digits = digits.trim_start_matches('0');
    if digits.is_empty() {
        return Ok(0);
    }
    let mantissa: u128 = digits.parse().map_err(|_| too_large())?;
    let exp10 = dec - frac.len() as i64;
    let scaled = mantissa.checked_mul(1u128 << bin).ok_or_else(too_large)?;
    if exp10 >= 0 {
        let pow = u32::try_from(exp10)
            .ok()
            .and_then(|e| 10u128.checked_pow(e))
            .ok_or_else(too_large)?;
        scaled.checked_mul(pow).ok_or_else(too_large)
    } else {
        // Rounded up, as the API server rounds a fractional byte count.
        match u32::try_from(-exp10)
            .ok()
            .and_then(|e| 10u128.checked_pow(e))
        {
            Some(pow) => Ok(scaled.div_ceil(pow)),
            None => Ok(1),
        }
    }
}

/// Formats bytes the way people write sizes (`100Gi`, `1.5Ti`, `512Mi`).
pub fn format_bytes(bytes: u128) -> String {
    const UNITS: [&str; 6] = ["", "Ki", "Mi", "Gi", "Ti", "Pi"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if (value - value.round()).abs() < 0.05 {
        format!("{}{}", value.round() as u64, UNITS[unit])
    } else {
        format!("{value:.1}{}", UNITS[unit])
    }
}

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
        .or_else(|| {
            pvc.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class"))
                .map(String::as_str)
        })
}

/// The class a PV belongs to (`""` when none).
pub fn pv_class_name(pv: &PersistentVolume) -> &str {
    pv.spec
        .as_ref()
        .and_then(|s| s.storage_class_name.as_deref())
        .or_else(|| {
            pv.metadata
                .annotations
                .as_ref()
                .and_then(|a| a.get("volume.beta.kubernetes.io/storage-class"))
                .map(String::as_str)
        })
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

/// The CSI driver that really serves a provisioner name (in-tree EBS migrates to the CSI driver).
pub fn effective_driver(provisioner: &str) -> &str {
    if provisioner == IN_TREE_EBS {
        EBS_CSI
    } else {
        provisioner
    }
}

/// Whether volumes of this provisioner are EBS volumes.
pub fn is_ebs_provisioner(provisioner: &str) -> bool {
    is_ebs_driver(provisioner) || provisioner == IN_TREE_EBS
}

/// Whether a CSI driver name is an EBS driver (self-managed or EKS Auto Mode).
pub fn is_ebs_driver(driver: &str) -> bool {
    EBS_DRIVERS.contains(&driver)
}

/// The EBS driver a cluster runs, from its CSIDrivers and CSINodes: [`EBS_AUTO_MODE`] when only
/// Auto Mode's is there, else [`EBS_CSI`] (also when neither is: the one to install).
pub fn cluster_ebs_driver(
    drivers: &[k8s_openapi::api::storage::v1::CSIDriver],
    csi_nodes: &[k8s_openapi::api::storage::v1::CSINode],
) -> &'static str {
    let seen = |name: &str| {
        drivers
            .iter()
            .any(|d| d.metadata.name.as_deref() == Some(name))
            || csi_nodes
                .iter()
                .any(|n| n.spec.drivers.iter().any(|d| d.name == name))
    };
    if seen(EBS_AUTO_MODE) && !seen(EBS_CSI) {
        EBS_AUTO_MODE
    } else {
        EBS_CSI
    }
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

/// Whether `labels` satisfy a pod's `nodeSelector`.
pub fn selector_matches(
    selector: &BTreeMap<String, String>,
    labels: Option<&BTreeMap<String, String>>,
) -> bool {
    selector
        .iter()
        .all(|(k, v)| labels.and_then(|l| l.get(k)) == Some(v))
}

/// Whether node `labels` satisfy node selector terms (ORed terms, ANDed expressions).
pub fn terms_match(terms: &[NodeSelectorTerm], labels: Option<&BTreeMap<String, String>>) -> bool {
    terms.iter().any(|t| {
        t.match_expressions.iter().flatten().all(|e| {
            let value = labels.and_then(|l| l.get(&e.key));
            let values = e.values.as_deref().unwrap_or_default();
            match e.operator.as_str() {
                "In" => value.is_some_and(|v| values.contains(v)),
                "NotIn" => value.is_none_or(|v| !values.contains(v)),
                "Exists" => value.is_some(),
                "DoesNotExist" => value.is_none(),
                "Gt" | "Lt" => {
                    let (Some(v), Some(bound)) = (
                        value.and_then(|v| v.parse::<i64>().ok()),
                        values.first().and_then(|b| b.parse::<i64>().ok()),
                    ) else {
                        return false;
                    };
                    if e.operator == "Gt" {
                        v > bound
                    } else {
                        v < bound
                    }
                }
                _ => false,
            }
        })
    })
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
    let required = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        });
    required.is_none_or(|r| terms_match(&r.node_selector_terms, labels))
}

/// A short description of a pod's own node selection, for messages (`nodeSelector zone=us-east-1b`).
pub fn describe_pod_selection(pod: &Pod) -> Option<String> {
    let spec = pod.spec.as_ref()?;
    let mut parts = Vec::new();
    if let Some(sel) = spec.node_selector.as_ref().filter(|s| !s.is_empty()) {
        let kv: Vec<String> = sel.iter().map(|(k, v)| format!("{k}={v}")).collect();
        parts.push(format!("nodeSelector {}", kv.join(",")));
    }
    if let Some(terms) = spec
        .affinity
        .as_ref()
        .and_then(|a| a.node_affinity.as_ref())
        .and_then(|n| {
            n.required_during_scheduling_ignored_during_execution
                .as_ref()
        })
    {
        let zones = terms_zones(&terms.node_selector_terms);
        if zones.is_empty() {
            parts.push("required node affinity".to_string());
        } else {
            parts.push(format!("node affinity zone in {}", zones.join(",")));
        }
    }
    (!parts.is_empty()).then(|| parts.join(" and "))
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

/// Formats a duration as kubectl does (`45s`, `12m`, `3h12m`, `4d5h`).
pub fn format_age(seconds: i64) -> String {
    let s = seconds.max(0);
    match s {
        0..=119 => format!("{s}s"),
        120..=3599 => format!("{}m", s / 60),
        3600..=86_399 => {
            let m = (s % 3600) / 60;
            if m == 0 {
                format!("{}h", s / 3600)
            } else {
                format!("{}h{m}m", s / 3600)
            }
        }
        _ => {
            let h = (s % 86_400) / 3600;
            if h == 0 {
                format!("{}d", s / 86_400)
            } else {
                format!("{}d{h}h", s / 86_400)
            }
        }
    }
}

/// The informative part of an event message: without the scheduler's preemption tail, its
/// 1.36 DRA filler ("no new claims to deallocate,") and the bare " not found" a PreFilter
/// rejection leaves at the end.
pub fn event_gist(message: &str) -> String {
    let head = message.split(" preemption: ").next().unwrap_or(message);
    let mut s = head
        .replace(" no new claims to deallocate,", "")
        .trim_end()
        .trim_end_matches(',')
        .to_string();
    if s.ends_with(". not found") {
        s.truncate(s.len() - " not found".len());
    }
    s
}

/// A scheduler message without its "0/3 nodes are available: " lead and its tails.
pub fn scheduler_gist(message: &str) -> String {
    let gist = event_gist(message);
    let body = gist
        .split_once("are available: ")
        .map(|(_, r)| r)
        .unwrap_or(&gist);
    body.trim().trim_end_matches('.').to_string()
}

/// Shortens long text to `max` characters with `…`, on a char boundary.
pub fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// EC2 error codes the rules recognise inside driver messages, most specific first.
pub const AWS_ERROR_CODES: [&str; 18] = [
    "VolumeModificationRateExceeded",
    "AttachmentLimitExceeded",
    "InvalidVolume.ZoneMismatch",
    "InvalidVolume.NotFound",
    "VolumeInUse",
    "IncorrectState",
    "UnauthorizedOperation",
    "AccessDenied",
    "InvalidKMSKey.InvalidState",
    "KMSKeyNotAccessibleFault",
    "InsufficientVolumeCapacity",
    "VolumeLimitExceeded",
    "MaxIOPSLimitExceeded",
    "InvalidParameterValue",
    "InvalidParameterCombination",
    "InvalidParameter",
    "RequestLimitExceeded",
    "OptInRequired",
];

/// The AWS API error code inside a driver message: `api error CODE:` (AWS SDK v2 wording), else
/// the first known code of [`AWS_ERROR_CODES`] anywhere in the text (SDK v1: `CODE: …`).
pub fn aws_error_code(message: &str) -> Option<&str> {
    if let Some(i) = message.find("api error ") {
        let rest = message.get(i + "api error ".len()..).unwrap_or_default();
        let code = rest
            .split(|c: char| c == ':' || c.is_whitespace())
            .next()
            .unwrap_or_default();
        if !code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.') {
            return Some(code);
        }
    }
    AWS_ERROR_CODES
        .iter()
        .filter_map(|c| message.find(c).map(|i| (i, *c)))
        .min_by_key(|(i, _)| *i)
        .and_then(|(i, c)| message.get(i..i + c.len()))
}

/// The gRPC status code in a CSI error (`rpc error: code = NotFound desc = …` → `NotFound`).
pub fn grpc_code(message: &str) -> Option<&str> {
    let i = message.find("rpc error: code = ")?;
    let rest = message.get(i + "rpc error: code = ".len()..)?;
    rest.split_whitespace().next().filter(|c| !c.is_empty())
}

/// The driver's own words in a wrapped CSI error: the text after the last `desc = `, or the
/// whole message when there is no gRPC wrapper.
pub fn error_gist(message: &str) -> &str {
    message
        .rfind("desc = ")
        .and_then(|i| message.get(i + "desc = ".len()..))
        .unwrap_or(message)
        .trim()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        assert_eq!(parse_quantity("100Gi"), Some(100 * 1024 * 1024 * 1024));
        assert_eq!(parse_quantity("1G"), Some(1_000_000_000));
        assert_eq!(parse_quantity("1.5Gi"), Some(1_610_612_736));
        assert_eq!(parse_quantity("1e3"), Some(1000));
        assert_eq!(parse_quantity("10Qi"), None);
        // Exactly the API server's grammar.
        for (ok, bytes) in [
            ("0", 0),
            ("+1Ki", 1024),
            ("1.", 1),
            (".5Ki", 512),
            ("1500m", 2),
            ("1E", 1_000_000_000_000_000_000),
            ("1E3", 1000),
            ("5e-1", 1),
            (" 2Mi ", 2 * 1024 * 1024),
            ("-0", 0),
        ] {
            assert_eq!(check_quantity(ok), Ok(bytes), "{ok}");
        }
        for (bad, why) in [
            ("abc", "is not a number"),
            ("-5Gi", "is negative"),
            ("1e400Gi", "has the unit \"e400Gi\""),
            ("1e400", "is too large"),
            ("10GB", "has the unit \"GB\""),
            ("1 Gi", "has the unit \" Gi\""),
            ("Gi", "is not a number"),
            ("", "is empty"),
            ("1e", "has the unit \"e\""),
            ("1.2.3", "has the unit \".3\""),
        ] {
            let e = check_quantity(bad).expect_err(bad);
            assert!(e.starts_with(why), "{bad}: {e}");
        }
        assert_eq!(format_bytes(100 * 1024 * 1024 * 1024), "100Gi");
        assert_eq!(format_bytes(1_610_612_736), "1.5Gi");
    }

    #[test]
    fn aws_codes() {
        let v2 = "rpc error: code = Internal desc = Could not modify volume \"vol-1\": operation error EC2: ModifyVolume, https response error StatusCode: 400, RequestID: x, api error VolumeModificationRateExceeded: You've reached the maximum";
        assert_eq!(aws_error_code(v2), Some("VolumeModificationRateExceeded"));
        assert_eq!(grpc_code(v2), Some("Internal"));
        assert!(error_gist(v2).starts_with("Could not modify volume"));
        let v1 = "could not create volume in EC2: UnauthorizedOperation: You are not authorized";
        assert_eq!(aws_error_code(v1), Some("UnauthorizedOperation"));
        assert_eq!(aws_error_code("plain text"), None);
        assert_eq!(error_gist("plain text"), "plain text");
    }

    #[test]
    fn scheduler_tails_of_1_36_are_dropped() {
        let m =
            "0/3 nodes are available: pod has unbound immediate PersistentVolumeClaims. not found";
        assert_eq!(
            scheduler_gist(m),
            "pod has unbound immediate PersistentVolumeClaims"
        );
        let m = "0/3 nodes are available: 3 node(s) didn't match PersistentVolume's node affinity. no new claims to deallocate, preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.";
        assert_eq!(
            event_gist(m),
            "0/3 nodes are available: 3 node(s) didn't match PersistentVolume's node affinity."
        );
        let m = "0/3 nodes are available: persistentvolumeclaim \"x\" not found. not found";
        assert_eq!(scheduler_gist(m), "persistentvolumeclaim \"x\" not found");
    }

    #[test]
    fn ages() {
        assert_eq!(format_age(59), "59s");
        assert_eq!(format_age(11_520), "3h12m");
        assert_eq!(format_age(2 * 86_400 + 3600), "2d1h");
    }
}
