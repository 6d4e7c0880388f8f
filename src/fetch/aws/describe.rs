//! The Describe* calls: by id in chunks, by filters, paginated by the SDK's paginators; never
//! one call per volume.

use std::collections::BTreeSet;

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::types::Filter;

use super::call::{bounded, classify, pages, Describe};
use super::convert::{instance_from_sdk, volume_from_sdk, zone_from_sdk};
use super::{Ec2, INSTANCE_CHUNK, VOLUME_CHUNK};
use crate::snapshot::ec2;
use crate::snapshot::Coverage;

/// Volumes read by id: the ones EC2 returned and the ids it does not know.
#[derive(Debug, Default)]
pub struct VolumesById {
    pub volumes: Vec<ec2::Volume>,
    pub not_found: BTreeSet<String>,
}

/// `DescribeVolumes` for `ids` in chunks of [`VOLUME_CHUNK`]. Ids that are not `vol-…` are
/// reported not found without asking EC2.
pub async fn volumes_by_id(ec2: &Ec2, ids: &[String]) -> Result<VolumesById, Coverage> {
    let mut out = VolumesById::default();
    let mut wanted: Vec<String> = Vec::new();
    for id in ids {
        if !ec2::is_volume_id(id) {
            out.not_found.insert(id.clone());
        } else if !wanted.contains(id) {
            wanted.push(id.clone());
        }
    }
    let chunks: Vec<Vec<String>> = wanted.chunks(VOLUME_CHUNK).map(<[_]>::to_vec).collect();
    let results =
        futures::future::join_all(chunks.into_iter().map(|c| describe_chunk(ec2, c))).await;
    for r in results {
        let r = r?;
        out.volumes.extend(r.volumes);
        out.not_found.extend(r.not_found);
    }
    Ok(out)
}

/// One batch by `VolumeIds`. A missing id fails the whole batch with `InvalidVolume.NotFound`
/// (and EC2's message does not reliably name only the missing ids: moto names the whole batch),
/// so the batch is asked once more with a `volume-id` filter, which ignores unknown ids: the
/// ids it does not return are the missing ones. At most two calls per batch (and the filter's
/// further pages).
async fn describe_chunk(ec2: &Ec2, ids: Vec<String>) -> Result<VolumesById, Coverage> {
    let mut out = VolumesById::default();
    if ids.is_empty() {
        return Ok(out);
    }
    let res = bounded(ec2, Describe::Volumes, async {
        ec2.client
            .describe_volumes()
            .set_volume_ids(Some(ids.clone()))
            .send()
            .await
            .map_err(|e| {
                let code = e.code().unwrap_or_default();
                if code == "InvalidVolume.NotFound" || code == "InvalidVolumeID.Malformed" {
                    Coverage::NotChecked(String::new())
                } else {
                    classify(&e, Describe::Volumes.name(), ec2)
                }
            })
    })
    .await;
    match res {
        Ok(o) => {
            out.volumes.extend(o.volumes().iter().map(volume_from_sdk));
            return Ok(out);
        }
        Err(Coverage::NotChecked(s)) if s.is_empty() => {}
        Err(cov) => return Err(cov),
    }
    let stream = ec2
        .client
        .describe_volumes()
        .filters(any_of("volume-id", &ids))
        .into_paginator()
        .send();
    for page in pages(
        ec2,
        Describe::Volumes,
        stream,
        failed(ec2, Describe::Volumes),
    )
    .await?
    {
        out.volumes
            .extend(page.volumes().iter().map(volume_from_sdk));
    }
    let found: BTreeSet<&str> = out.volumes.iter().map(|v| v.id.as_str()).collect();
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !found.contains(id.as_str()))
        .cloned()
        .collect();
    out.not_found.extend(missing);
    Ok(out)
}

/// `DescribeInstances` for `ids` (one paginated call per [`INSTANCE_CHUNK`] ids, the chunks at
/// once). An id EC2 does not know (a terminated node's instance may be gone: that is data, not a
/// failure) fails its chunk with `InvalidInstanceID.NotFound`; the chunk is then asked with an
/// `instance-id` filter, which ignores unknown ids.
pub async fn instances_by_id(ec2: &Ec2, ids: &[String]) -> Result<Vec<ec2::Instance>, Coverage> {
    let wanted: Vec<String> = ids
        .iter()
        .filter(|i| i.starts_with("i-"))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let chunks = wanted.chunks(INSTANCE_CHUNK).map(|chunk| async move {
        let by_id = ec2
            .client
            .describe_instances()
            .set_instance_ids(Some(chunk.to_vec()))
            .into_paginator()
            .send();
        let not_found = |e: &SdkError<_, _>| {
            if e.code() == Some("InvalidInstanceID.NotFound") {
                Coverage::NotChecked(String::new())
            } else {
                classify(e, Describe::Instances.name(), ec2)
            }
        };
        match pages(ec2, Describe::Instances, by_id, not_found).await {
            Err(Coverage::NotChecked(s)) if s.is_empty() => {
                let by_filter = ec2
                    .client
                    .describe_instances()
                    .filters(any_of("instance-id", chunk))
                    .into_paginator()
                    .send();
                pages(
                    ec2,
                    Describe::Instances,
                    by_filter,
                    failed(ec2, Describe::Instances),
                )
                .await
            }
            other => other,
        }
    });
    let mut out = Vec::new();
    for chunk in futures::future::join_all(chunks).await {
        for page in chunk? {
            out.extend(
                page.reservations()
                    .iter()
                    .flat_map(|r| r.instances())
                    .map(instance_from_sdk),
            );
        }
    }
    Ok(out)
}

/// Orphan search for `scan`: every `available` volume carrying a Kubernetes tag key
/// (`ebs.csi.aws.com/cluster`, `CSIVolumeName`, `kubernetes.io/created-for/pvc/name`), paginated.
/// One paginated query per tag key (EC2 ANDs filters, so the keys cannot share one query), the
/// queries at once.
pub async fn kubernetes_volumes(ec2: &Ec2) -> Result<Vec<ec2::Volume>, Coverage> {
    let searches = ec2::KUBERNETES_TAG_KEYS.iter().map(|key| {
        let filters = vec![
            Filter::builder().name("tag-key").values(*key).build(),
            Filter::builder().name("status").values("available").build(),
        ];
        volumes_by_filters(ec2, filters)
    });
    // Merged in key order, the first failure (in key order) failing the search.
    let mut out: Vec<ec2::Volume> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for found in futures::future::join_all(searches).await {
        for v in found? {
            if seen.insert(v.id.clone()) {
                out.push(v);
            }
        }
    }
    Ok(out)
}

/// One paginated `DescribeVolumes` with these filters (EC2 ANDs them), 500 a page.
async fn volumes_by_filters(ec2: &Ec2, filters: Vec<Filter>) -> Result<Vec<ec2::Volume>, Coverage> {
    let stream = ec2
        .client
        .describe_volumes()
        .set_filters(Some(filters))
        .into_paginator()
        .page_size(500)
        .send();
    let found = pages(
        ec2,
        Describe::Volumes,
        stream,
        failed(ec2, Describe::Volumes),
    )
    .await?;
    Ok(found
        .iter()
        .flat_map(|page| page.volumes())
        .map(volume_from_sdk)
        .collect())
}

/// Volumes carrying every `KEY=VALUE` tag (for `import-ebs --tag`): one paginated
/// `DescribeVolumes` with a `tag:KEY` filter per tag (EC2 ANDs filters), never one call per volume.
pub async fn volumes_by_tags(
    ec2: &Ec2,
    tags: &[(String, String)],
) -> Result<Vec<ec2::Volume>, Coverage> {
    let filters: Vec<Filter> = tags
        .iter()
        .map(|(k, v)| Filter::builder().name(format!("tag:{k}")).values(v).build())
        .collect();
    volumes_by_filters(ec2, filters).await
}

/// `DescribeAvailabilityZones` for the region (optional context for zone messages).
pub async fn zones(ec2: &Ec2) -> Result<Vec<ec2::AvailabilityZone>, Coverage> {
    let o = bounded(ec2, Describe::AvailabilityZones, async {
        ec2.client
            .describe_availability_zones()
            .send()
            .await
            .map_err(|e| classify(&e, Describe::AvailabilityZones.name(), ec2))
    })
    .await?;
    Ok(o.availability_zones().iter().map(zone_from_sdk).collect())
}

/// A filter matching any of `values`: unlike a list of ids, it ignores the ones EC2 does not know.
fn any_of(name: &str, values: &[String]) -> Filter {
    Filter::builder()
        .name(name)
        .set_values(Some(values.to_vec()))
        .build()
}

/// A failed call as coverage (see [`classify`]).
fn failed<E>(ec2: &Ec2, op: Describe) -> impl Fn(&SdkError<E, HttpResponse>) -> Coverage + '_
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    move |e| classify(e, op.name(), ec2)
}
