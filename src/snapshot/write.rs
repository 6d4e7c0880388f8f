//! `dump`: writes a snapshot as files kubectl users can read back (`kubectl get -o yaml` style
//! typed lists, one file per kind), which `--snapshot DIR` loads again.

use std::path::Path;

use serde::Serialize;
use serde_json::{json, Value};

use super::{Coverage, Kind, Snapshot};
use crate::error::{Error, Result};

/// Writes every kind that was read into `dir` (created if needed). Returns the files written.
pub fn write_dir(snap: &Snapshot, dir: &Path) -> Result<Vec<String>> {
    std::fs::create_dir_all(dir).map_err(|source| Error::Write {
        path: dir.to_path_buf(),
        source,
    })?;
    let mut written = Vec::new();
    let crate::snapshot::Capture { at, source: clock } = crate::acquire::as_of(snap);
    let capture = json!({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": super::CAPTURE_NAME},
        "data": capture_data(snap, &at.to_string(), clock),
    });
    let text = serde_saphyr::to_string(&capture)
        .map_err(|e| Error::input(dir.join("capture.yaml"), format!("cannot serialise: {e}")))?;
    write(&dir.join("capture.yaml"), &text)?;
    written.push("capture.yaml".to_string());
    let read = |k: Kind| matches!(snap.coverage.get(&k), Some(Coverage::Read(_)));
    let mut put = |kind: Kind, api_version: &str, mut items: Vec<Value>| -> Result<()> {
        if !read(kind) {
            return Ok(());
        }
        // The compact types (crate::model) do not carry their kind; kubectl wants it per item.
        for item in items.iter_mut().filter_map(Value::as_object_mut) {
            item.entry("apiVersion")
                .or_insert_with(|| api_version.into());
            item.entry("kind").or_insert_with(|| kind.name().into());
        }
        let list = json!({
            "apiVersion": api_version,
            "kind": format!("{}List", kind.name()),
            "metadata": {},
            "items": items,
        });
        let file = format!("{}.yaml", kind.plural());
        let text = serde_saphyr::to_string(&list)
            .map_err(|e| Error::input(dir.join(&file), format!("cannot serialise: {e}")))?;
        write(&dir.join(&file), &text)?;
        written.push(file);
        Ok(())
    };
    put(Kind::Pod, "v1", values(&snap.pods)?)?;
    put(Kind::PersistentVolumeClaim, "v1", values(&snap.pvcs)?)?;
    put(Kind::PersistentVolume, "v1", values(&snap.pvs)?)?;
    put(
        Kind::StorageClass,
        "storage.k8s.io/v1",
        values(&snap.storage_classes)?,
    )?;
    put(
        Kind::CSIDriver,
        "storage.k8s.io/v1",
        values(&snap.csi_drivers)?,
    )?;
    put(Kind::CSINode, "storage.k8s.io/v1", values(&snap.csi_nodes)?)?;
    put(
        Kind::VolumeAttachment,
        "storage.k8s.io/v1",
        values(&snap.volume_attachments)?,
    )?;
    put(Kind::Node, "v1", values(&snap.nodes)?)?;
    put(Kind::StatefulSet, "apps/v1", values(&snap.statefulsets)?)?;
    put(Kind::Deployment, "apps/v1", values(&snap.deployments)?)?;
    put(Kind::Job, "batch/v1", values(&snap.jobs)?)?;
    put(Kind::CronJob, "batch/v1", values(&snap.cron_jobs)?)?;
    let events: Vec<_> = snap
        .events
        .iter()
        .enumerate()
        .map(|(i, e)| e.to_core(i))
        .collect();
    put(Kind::Event, "v1", values(&events)?)?;
    for stats in &snap.raw_node_stats {
        let node = stats
            .pointer("/node/nodeName")
            .and_then(Value::as_str)
            .unwrap_or("node");
        let file = format!("stats-summary-{node}.json");
        let text = serde_json::to_string_pretty(stats).unwrap_or_default();
        write(&dir.join(&file), &text)?;
        written.push(file);
    }
    // EC2 data in the AWS CLI's own shapes, so `aws` users can read it and `--snapshot` loads it.
    if read(Kind::EbsVolume) || !snap.ec2.volumes.is_empty() {
        let doc = super::ec2::VolumesDoc {
            volumes: snap.ec2.volumes.clone(),
        };
        written.push(write_json(dir, "ec2-volumes.json", &doc)?);
    }
    if read(Kind::Ec2Instance) || !snap.ec2.instances.is_empty() {
        let doc = super::ec2::ReservationsDoc {
            reservations: vec![super::ec2::Reservation {
                instances: snap.ec2.instances.clone(),
            }],
        };
        written.push(write_json(dir, "ec2-instances.json", &doc)?);
    }
    if !snap.ec2.zones.is_empty() {
        let doc = super::ec2::ZonesDoc {
            availability_zones: snap.ec2.zones.clone(),
        };
        written.push(write_json(dir, "ec2-availability-zones.json", &doc)?);
    }
    let mut notes = String::from(
        "Written by kubectl-storage dump. Load with: kubectl storage why TARGET --snapshot DIR\n",
    );
    for (kind, cov) in &snap.coverage {
        if !matches!(cov, Coverage::Read(_)) {
            notes.push_str(&format!("{}: {:?}\n", kind.plural(), cov));
        }
    }
    if !snap.ec2.not_found.is_empty() {
        let ids: Vec<&str> = snap.ec2.not_found.iter().map(String::as_str).collect();
        notes.push_str(&format!(
            "EBS volumes EC2 reported as not found: {}\n",
            ids.join(", ")
        ));
    }
    write(&dir.join("DUMP-INFO.txt"), &notes)?;
    Ok(written)
}

/// The capture file's data: when, by which clock, and (for a targeted or namespaced read) the
/// scope of each kind read only in part, so loading the dump back never takes a partial read
/// for the whole cluster.
fn capture_data(snap: &Snapshot, at: &str, clock: impl Serialize) -> Value {
    let mut data = json!({"capturedAt": at, "clock": clock});
    let partial: serde_json::Map<String, Value> = snap
        .coverage
        .iter()
        .filter_map(|(k, c)| match c {
            Coverage::Read(scope @ (super::Scope::Namespaces(_) | super::Scope::Named(_))) => {
                Some((k.plural().to_string(), serde_json::to_value(scope).ok()?))
            }
            _ => None,
        })
        .collect();
    if !partial.is_empty() {
        data["coverage"] = Value::String(Value::Object(partial).to_string());
    }
    data
}

fn values<T: Serialize>(items: &[T]) -> Result<Vec<Value>> {
    items
        .iter()
        .map(|o| {
            serde_json::to_value(o).map_err(|e| Error::Usage(format!("cannot serialise: {e}")))
        })
        .collect()
}

fn write_json<T: Serialize>(dir: &Path, file: &str, doc: &T) -> Result<String> {
    let text = serde_json::to_string_pretty(doc)
        .map_err(|e| Error::input(dir.join(file), format!("cannot serialise: {e}")))?;
    write(&dir.join(file), &text)?;
    Ok(file.to_string())
}

fn write(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).map_err(|source| Error::Write {
        path: path.to_path_buf(),
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::super::{load, Scope};
    use super::*;
    use std::collections::BTreeSet;

    /// A targeted read written out and read back stays partial: the one node dumped is not
    /// taken for every node of the cluster.
    #[test]
    fn a_targeted_dump_loads_back_as_partial() {
        let mut snap = Snapshot::default();
        let node: k8s_openapi::api::core::v1::Node =
            serde_json::from_value(json!({"metadata": {"name": "n1"}})).expect("node");
        snap.nodes.push(node);
        snap.mark_read(Kind::Node, Scope::Named(BTreeSet::from(["n1".to_string()])));
        snap.mark_read(
            Kind::Pod,
            Scope::Namespaces(BTreeSet::from(["prod".to_string()])),
        );
        snap.mark_read(Kind::StorageClass, Scope::All);
        let dir = tempfile::tempdir().expect("tempdir");
        write_dir(&snap, dir.path()).expect("write");
        let (back, _) = load::load_paths(&[dir.path().to_path_buf()]).expect("load");
        assert_eq!(back.nodes.len(), 1);
        assert!(
            back.unknown_reason(Kind::Node, None).is_some(),
            "{:?}",
            back.coverage
        );
        assert!(matches!(
            back.lookup(&back.nodes, Kind::Node, None, "n1"),
            super::super::Lookup::Found(_)
        ));
        assert!(back.unknown_reason(Kind::Pod, Some("prod")).is_none());
        assert!(back.unknown_reason(Kind::Pod, Some("other")).is_some());
        assert!(back.unknown_reason(Kind::StorageClass, None).is_none());
    }
}
