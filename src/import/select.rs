//! Which volumes `import-ebs` imports: by id, by tags, or every orphan, out of a snapshot's EC2
//! data.

use std::collections::BTreeSet;

use crate::error::{Error, Result};
use crate::k8s;
use crate::snapshot::ec2::{self, Volume};
use crate::snapshot::{Kind, Snapshot};

/// Which volumes to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// These volume ids.
    Ids(Vec<String>),
    /// Volumes carrying every one of these `KEY=VALUE` tags.
    Tags(Vec<(String, String)>),
    /// The `orphaned-ebs-volume` set: available, Kubernetes-tagged, backing no PV.
    AllOrphaned,
}

/// Picks the volumes to import from the snapshot's EC2 data. Unknown or malformed ids are bad
/// input: the whole run is refused before anything is planned.
pub fn select<'a>(snap: &'a Snapshot, selection: &Selection) -> Result<Vec<&'a Volume>> {
    match selection {
        Selection::Ids(ids) => {
            let mut out: Vec<&Volume> = Vec::new();
            let mut missing = Vec::new();
            for id in ids {
                if !ec2::is_volume_id(id) {
                    return Err(Error::Usage(format!(
                        "{id:?} is not an EBS volume id (vol- followed by hex digits)"
                    )));
                }
                match snap.ec2.volume(id) {
                    Some(v) if !out.iter().any(|o| o.id == v.id) => out.push(v),
                    Some(_) => {}
                    None => missing.push(id.as_str()),
                }
            }
            if !missing.is_empty() {
                let region = snap
                    .ec2
                    .region
                    .as_deref()
                    .map(|r| format!(" in region {r}"))
                    .unwrap_or_default();
                let source = if snap.offline && !snap.coverage.contains_key(&Kind::EbsVolume) {
                    "the snapshot holds no EC2 volumes (aws ec2 describe-volumes JSON)".to_string()
                } else if snap.offline {
                    format!("not in the snapshot's EC2 volumes{region}")
                } else {
                    format!("EC2 does not know it{region} (deleted, or in another region or account: --region, --profile)")
                };
                return Err(Error::NotFound(format!(
                    "EBS volume {} not found: {source}; nothing was planned",
                    missing.join(", ")
                )));
            }
            Ok(out)
        }
        Selection::Tags(tags) => {
            let mut out: Vec<&Volume> = snap
                .ec2
                .volumes
                .iter()
                .filter(|v| tags.iter().all(|(k, val)| v.tag(k) == Some(val.as_str())))
                .collect();
            out.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(out)
        }
        Selection::AllOrphaned => {
            let used: BTreeSet<&str> = snap.pvs.iter().filter_map(k8s::pv_volume_id).collect();
            let mut out: Vec<&Volume> = snap
                .ec2
                .volumes
                .iter()
                .filter(|v| {
                    v.state == "available"
                        && v.has_kubernetes_tags()
                        && !used.contains(v.id.as_str())
                })
                .collect();
            out.sort_by(|a, b| a.id.cmp(&b.id));
            Ok(out)
        }
    }
}

/// Parses `KEY=VALUE` for `--tag`.
pub fn parse_tag(s: &str) -> Result<(String, String)> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.to_string(), v.to_string())),
        _ => Err(Error::Usage(format!(
            "invalid --tag {s:?}: use KEY=VALUE, e.g. --tag kubernetes.io/created-for/pvc/namespace=shop"
        ))),
    }
}
