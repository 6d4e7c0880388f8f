//! The only code that talks to EC2: batched, bounded reads into [`Ec2Data`].
//!
//! - `DescribeVolumes` by id in chunks of at most [`VOLUME_CHUNK`] ids (no `MaxResults` with
//!   ids: EC2 refuses the combination). A missing id fails the whole batch with
//!   `InvalidVolume.NotFound`; the batch is then asked once more with a `volume-id` filter
//!   (which ignores unknown ids), and the ids it does not return are recorded as not found.
//! - `DescribeInstances` for the nodes' instance ids in one call (chunks of [`INSTANCE_CHUNK`]).
//! - A tag-filtered, paginated `DescribeVolumes` for orphan search ([`kubernetes_volumes`]) and
//!   for `import-ebs --tag` ([`volumes_by_tags`]).
//!
//! Never one call per volume, and the calls of one [`fetch`] all at once (at most
//! [`MAX_IN_FLIGHT`] in flight). Every call is bounded by the request timeout, retries are the
//! SDK's standard mode with [`MAX_ATTEMPTS`] attempts, and the credential chain's instance
//! metadata probe is cut short so a machine without credentials answers in about a second.
//!
//! By concern: `client` connects (region, HTTP client, retries, request log), `credentials`
//! resolves and explains credentials, `call` runs one call (bounds, counts, waves, errors as
//! coverage), `describe` holds the Describe* calls (the SDK's paginators), `convert` turns SDK
//! types into the snapshot's model; this module reads what a snapshot needs ([`fetch`]).

mod call;
mod client;
mod convert;
mod credentials;
mod describe;

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Node;

pub use call::{CallStats, Waves};
pub use client::{connect, region_from_nodes, retry_config, Ec2};
pub use convert::{instance_from_sdk, volume_from_sdk};
pub use credentials::{check_profile, credentials_failure, profile_names};
pub use describe::{
    instances_by_id, kubernetes_volumes, volumes_by_id, volumes_by_tags, zones, VolumesById,
};

use crate::k8s;
use crate::model::PersistentVolume;
use crate::snapshot::ec2::Ec2Data;
use crate::snapshot::{Coverage, Kind, Scope, Snapshot};

/// The most volume ids in one `DescribeVolumes` call.
pub const VOLUME_CHUNK: usize = 200;

/// The most instance ids in one `DescribeInstances` call.
pub const INSTANCE_CHUNK: usize = 1000;

/// Attempts per call (standard retry mode: throttling and 5xx are retried with backoff).
pub const MAX_ATTEMPTS: u32 = 3;

/// The most EC2 calls of one client in flight at once (EC2 refills its `Describe*` request
/// bucket at about 20 a second: more at once only buys `RequestLimitExceeded`).
pub const MAX_IN_FLIGHT: usize = 16;

/// AWS flags.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// `--region`.
    pub region: Option<String>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--request-timeout`: bounds every EC2 call.
    pub request_timeout: Option<Duration>,
    /// `--aws-timeout` (else `--request-timeout`): bounds the credential chain (SSO, MFA,
    /// `credential_process`).
    pub credentials_timeout: Option<Duration>,
}

/// Why EC2 could not be read, as a snapshot coverage record (one line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub Coverage);

/// What [`fetch`] read: the data, how each EC2 kind was read, and call figures for `-v`.
#[derive(Debug, Default)]
pub struct Ec2Fetch {
    pub data: Ec2Data,
    /// Coverage of [`Kind::EbsVolume`] and [`Kind::Ec2Instance`].
    pub coverage: Vec<(Kind, Coverage)>,
    pub region: Option<String>,
    pub region_source: Option<&'static str>,
    /// `DescribeVolumes ×1, DescribeInstances ×1, …`.
    pub calls: String,
    pub total_calls: usize,
    /// Sequential round trips ([`Waves`]).
    pub waves: usize,
    pub elapsed: Duration,
}

impl Ec2Fetch {
    /// Adds the data and coverage to a snapshot (replacing EC2 data loaded from files).
    pub fn apply(self, snap: &mut Snapshot) {
        snap.ec2.volumes.extend(self.data.volumes);
        snap.ec2.instances.extend(self.data.instances);
        snap.ec2.zones.extend(self.data.zones);
        snap.ec2.not_found.extend(self.data.not_found);
        if self.data.region.is_some() {
            snap.ec2.region = self.data.region;
        }
        snap.ec2.dedup();
        for (kind, cov) in self.coverage {
            match cov {
                Coverage::Read(scope) => snap.mark_read(kind, scope),
                other => {
                    snap.coverage.remove(&kind);
                    snap.mark_unread(kind, other)
                }
            }
        }
    }
}

/// The EBS volume ids of every EBS-backed PV.
pub fn pv_volume_ids(pvs: &[PersistentVolume]) -> Vec<String> {
    let mut ids: Vec<String> = pvs
        .iter()
        .filter(|pv| k8s::pv_is_ebs(pv))
        .filter_map(k8s::pv_volume_id)
        .map(str::to_string)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The EC2 instance ids of the nodes.
pub fn node_instance_ids(nodes: &[Node]) -> Vec<String> {
    let mut ids: Vec<String> = nodes
        .iter()
        .filter_map(k8s::node_instance_id)
        .map(str::to_string)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Reads the EC2 side for these PVs and nodes: the PVs' volumes, the nodes' instances and (for
/// `scan`, `orphans`) the Kubernetes-tagged available volumes, all concurrently (one wave, a
/// second only for a batch that names a deleted volume, and one more per further page). Never
/// fails: what cannot be read is recorded as coverage with a one-line reason.
pub async fn fetch(
    pvs: &[PersistentVolume],
    nodes: &[Node],
    opts: &AwsOptions,
    orphans: bool,
) -> Ec2Fetch {
    let started = Instant::now();
    let mut out = Ec2Fetch::default();
    let vol_ids = pv_volume_ids(pvs);
    let inst_ids = node_instance_ids(nodes);
    if vol_ids.is_empty() && inst_ids.is_empty() && !orphans {
        // Nothing on AWS in view (another cloud, or no volumes yet): no EBS hop to explain,
        // so no call and no "not checked" noise.
        return out;
    }
    let ec2 = match connect(opts, nodes).await {
        Ok(c) => c,
        Err(Unavailable(cov)) => {
            out.coverage = vec![(Kind::EbsVolume, cov.clone()), (Kind::Ec2Instance, cov)];
            out.elapsed = started.elapsed();
            return out;
        }
    };
    out.region = Some(ec2.region.clone());
    out.region_source = Some(ec2.region_source);
    out.data.region = Some(ec2.region.clone());
    // Every read at once: the by-id lookups and the orphan search do not wait for each other.
    let orphan_search = async {
        if orphans {
            kubernetes_volumes(&ec2).await
        } else {
            Ok(Vec::new())
        }
    };
    let (by_id, extra, instances) = futures::join!(
        volumes_by_id(&ec2, &vol_ids),
        orphan_search,
        instances_by_id(&ec2, &inst_ids)
    );
    // The by-id failure names the volumes' coverage first, as when they ran in turn.
    match by_id.and_then(|by_id| Ok((by_id, extra?))) {
        Ok((by_id, extra)) => {
            out.data.volumes.extend(by_id.volumes);
            out.data.volumes.extend(extra);
            out.data.not_found.extend(by_id.not_found);
            out.coverage
                .push((Kind::EbsVolume, Coverage::Read(Scope::All)));
        }
        Err(cov) => out.coverage.push((Kind::EbsVolume, cov)),
    }
    match instances {
        Ok(list) => {
            out.data.instances.extend(list);
            out.coverage
                .push((Kind::Ec2Instance, Coverage::Read(Scope::All)));
        }
        Err(cov) => out.coverage.push((Kind::Ec2Instance, cov)),
    }
    out.data.dedup();
    out.calls = ec2.stats.summary();
    out.total_calls = ec2.stats.total();
    out.waves = ec2.stats.waves.count();
    out.elapsed = started.elapsed();
    out
}

/// Marks the EC2 kinds not checked with `reason` (`--no-aws`, offline without EC2 files).
pub fn skip(snap: &mut Snapshot, reason: &str) {
    snap.mark_unread(Kind::EbsVolume, Coverage::NotChecked(reason.to_string()));
    snap.mark_unread(Kind::Ec2Instance, Coverage::NotChecked(reason.to_string()));
}

/// A fake environment for tests: `pairs` are its only variables.
#[cfg(test)]
fn test_env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
    move |n| {
        pairs
            .iter()
            .find(|(k, _)| *k == n)
            .map(|(_, v)| v.to_string())
    }
}
