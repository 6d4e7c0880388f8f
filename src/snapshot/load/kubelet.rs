//! Kubelet stats summaries (`kubectl get --raw /api/v1/nodes/NODE/proxy/stats/summary`).

use std::path::Path;

use serde_json::Value;

use super::Loader;
use crate::error::{Error, Result};
use crate::snapshot::{Coverage, Kind, Scope, Snapshot, VolumeStats};

impl Loader {
    pub(super) fn load_node_stats(&mut self, origin: &Path, doc: Value) -> Result<()> {
        if self.filter.skip_cluster_scoped {
            return Ok(());
        }
        let stats = volume_stats_from_summary(&doc)
            .ok_or_else(|| Error::input(origin, "kubelet stats summary without node.nodeName"))?;
        self.snapshot.volume_stats.extend(stats);
        self.snapshot.raw_node_stats.push(doc);
        self.snapshot.mark_read(Kind::NodeStats, Scope::All);
        self.stats.objects += 1;
        Ok(())
    }
}

/// The volume statistics in one kubelet stats summary (`kubectl get --raw
/// /api/v1/nodes/NODE/proxy/stats/summary`): one entry per volume of each pod (`pods[].volume[]`),
/// with the claim when the volume is PVC-backed (`pvcRef`). `None` when the value is not a
/// summary (no `node.nodeName`). Pure: offline loading and the live fetch both use it.
pub fn volume_stats_from_summary(summary: &Value) -> Option<Vec<VolumeStats>> {
    let node = summary.pointer("/node/nodeName").and_then(Value::as_str)?;
    let text = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
    let mut out = Vec::new();
    for pod in summary
        .get("pods")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let pod_ns = text(pod, "/podRef/namespace").unwrap_or_default();
        let pod_name = text(pod, "/podRef/name").unwrap_or_default();
        for vol in pod
            .get("volume")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let num = |k: &str| vol.get(k).and_then(Value::as_u64);
            out.push(VolumeStats {
                node: node.to_string(),
                pod_namespace: pod_ns.clone(),
                pod_name: pod_name.clone(),
                volume_name: text(vol, "/name").unwrap_or_default(),
                pvc_namespace: text(vol, "/pvcRef/namespace"),
                pvc_name: text(vol, "/pvcRef/name"),
                capacity_bytes: num("capacityBytes"),
                used_bytes: num("usedBytes"),
                available_bytes: num("availableBytes"),
                inodes: num("inodes"),
                inodes_used: num("inodesUsed"),
            });
        }
    }
    Some(out)
}

/// Adds kubelet stats summaries read live ([`crate::fetch::kube::fetch_node_stats`]) to a
/// snapshot and records how they were read. Values that are not summaries are skipped.
pub fn add_node_stats(snap: &mut Snapshot, summaries: Vec<Value>, coverage: Coverage) {
    for summary in summaries {
        if let Some(stats) = volume_stats_from_summary(&summary) {
            snap.volume_stats.extend(stats);
            snap.raw_node_stats.push(summary);
        }
    }
    match coverage {
        Coverage::Read(scope) => snap.mark_read(Kind::NodeStats, scope),
        other => snap.mark_unread(Kind::NodeStats, other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::load::load_str;

    fn summary() -> Value {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stats-summary.json");
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn converts_a_stats_summary_into_volume_stats() {
        let stats = volume_stats_from_summary(&summary()).expect("a summary");
        assert_eq!(stats.len(), 4, "{stats:#?}");
        let data = stats
            .iter()
            .find(|s| s.pod_name == "db-0" && s.volume_name == "data")
            .expect("db-0 data volume");
        assert_eq!(
            data,
            &VolumeStats {
                node: "ip-10-0-1-23.ec2.internal".into(),
                pod_namespace: "prod".into(),
                pod_name: "db-0".into(),
                volume_name: "data".into(),
                pvc_namespace: Some("prod".into()),
                pvc_name: Some("data-db-0".into()),
                capacity_bytes: Some(21_003_583_488),
                used_bytes: Some(19_917_418_496),
                available_bytes: Some(8_314_880),
                inodes: Some(1_310_720),
                inodes_used: Some(1408),
            }
        );
        let projected = stats
            .iter()
            .find(|s| s.volume_name == "kube-api-access-7xq2m")
            .expect("projected token volume");
        assert_eq!(projected.pvc_name, None);
        assert_eq!(
            stats.iter().filter(|s| s.pvc_name.is_some()).count(),
            2,
            "only PVC-backed volumes carry a claim"
        );
    }

    #[test]
    fn rejects_values_that_are_not_summaries() {
        assert!(volume_stats_from_summary(&serde_json::json!({"pods": []})).is_none());
        let empty = volume_stats_from_summary(&serde_json::json!({"node": {"nodeName": "n"}}));
        assert_eq!(empty, Some(Vec::new()));
    }

    #[test]
    fn loads_a_summary_file_like_the_live_fetch_does() {
        let text = serde_json::to_string(&summary()).unwrap_or_default();
        let (snap, _) = load_str(Path::new("stats.json"), &text).expect("loads");
        assert_eq!(snap.volume_stats.len(), 4);
        assert_eq!(snap.raw_node_stats.len(), 1);
        assert_eq!(snap.unknown_reason(Kind::NodeStats, None), None);
    }
}
