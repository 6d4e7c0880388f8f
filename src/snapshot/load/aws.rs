//! The AWS CLI's `aws ec2 describe-volumes`, `describe-instances` and
//! `describe-availability-zones` JSON output.

use std::path::Path;

use serde_json::Value;

use super::kube::Source;
use super::{one_line, Loader};
use crate::error::{Error, Result};
use crate::snapshot::{ec2, Kind, Scope};

/// The lists of AWS CLI `describe-volumes`, `describe-instances` and
/// `describe-availability-zones` output.
pub(super) const EC2_LISTS: [&str; 3] = ["Volumes", "Reservations", "AvailabilityZones"];

impl Loader {
    /// AWS CLI JSON: `describe-volumes`, `describe-instances`, `describe-availability-zones`.
    pub(super) fn load_ec2(&mut self, origin: &Path, index: usize, mut doc: Value) -> Result<()> {
        if self.filter.skip_cluster_scoped {
            return Ok(());
        }
        for key in EC2_LISTS {
            let Some(Value::Array(items)) = doc.get_mut(key).map(Value::take) else {
                continue;
            };
            for item in items {
                self.ec2_item(origin, index, key, Source::Value(item))?;
            }
            match key {
                "Volumes" => self.snapshot.mark_read(Kind::EbsVolume, Scope::All),
                "Reservations" => self.snapshot.mark_read(Kind::Ec2Instance, Scope::All),
                _ => {}
            }
        }
        Ok(())
    }

    /// One element of an AWS CLI `describe-*` list (`key` names the list).
    pub(super) fn ec2_item(
        &mut self,
        origin: &Path,
        index: usize,
        key: &str,
        item: Source,
    ) -> Result<()> {
        if self.filter.skip_cluster_scoped {
            return Ok(());
        }
        let bad = |what: &str, e: serde_json::Error| {
            Error::input(
                origin,
                format!(
                    "document {index}: invalid AWS CLI {what} output: {}",
                    one_line(&e.to_string())
                ),
            )
        };
        let ec2 = &mut self.snapshot.ec2;
        match key {
            "Volumes" => {
                let v: ec2::Volume = item.parse().map_err(|e| bad("describe-volumes", e))?;
                ec2.volumes.push(v);
                self.stats.objects += 1;
            }
            "Reservations" => {
                let r: ec2::Reservation = item.parse().map_err(|e| bad("describe-instances", e))?;
                self.stats.objects += r.instances.len();
                ec2.instances.extend(r.instances);
            }
            _ => {
                let z: ec2::AvailabilityZone = item
                    .parse()
                    .map_err(|e| bad("describe-availability-zones", e))?;
                ec2.zones.push(z);
                self.stats.objects += 1;
            }
        }
        Ok(())
    }
}
