//! Waiting for a chain to change (`why --watch`): metadata-only watches, started at the current
//! resourceVersion, on the kinds a chain's verdict rests on. No polling: the API server tells us.

use std::fmt::Debug;
use std::time::Duration;

use futures::stream::{self, BoxStream, StreamExt};
use k8s_openapi::api::core::v1::{Event, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::StorageClass;
use kube::api::{Api, ListParams, WatchEvent, WatchParams};
use serde::de::DeserializeOwned;
use tokio::time::Instant;

use super::kube::Connection;
use crate::model::{PersistentVolume, Pod, VolumeAttachment};

/// One kind's changes from now on: `true` for each add, change or delete. Ends when the watch
/// ends (server timeout, dropped connection); the caller starts it again.
async fn changes<K>(api: Api<K>, timeout: Duration) -> BoxStream<'static, bool>
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + Send + 'static,
{
    let lp = ListParams::default().limit(1);
    let Ok(Ok(list)) = tokio::time::timeout(timeout, api.list_metadata(&lp)).await else {
        return stream::empty().boxed();
    };
    let version = list.metadata.resource_version.unwrap_or_default();
    // Shorter than the client's read timeout, so a quiet watch ends cleanly and is restarted.
    let wp = WatchParams::default().timeout(timeout.as_secs().clamp(1, 290) as u32 - 1);
    match api.watch_metadata(&wp, &version).await {
        Ok(events) => events
            .filter_map(|e| async move {
                match e {
                    Ok(WatchEvent::Added(_) | WatchEvent::Modified(_) | WatchEvent::Deleted(_)) => {
                        Some(true)
                    }
                    _ => None,
                }
            })
            .boxed(),
        Err(_) => stream::empty().boxed(),
    }
}

/// Waits until a Pod, claim or event of `namespace`, or a PV, StorageClass or VolumeAttachment
/// changes, then a short quiet period (changes come in bursts). Returns `false` at `deadline`.
pub async fn wait_for_change(conn: &Connection, namespace: &str, deadline: Instant) -> bool {
    const SETTLE: Duration = Duration::from_millis(500);
    let c = &conn.client;
    let t = conn.timeout;
    loop {
        if Instant::now() >= deadline {
            return false;
        }
        let streams = futures::join!(
            changes(Api::<Pod>::namespaced(c.clone(), namespace), t),
            changes(
                Api::<PersistentVolumeClaim>::namespaced(c.clone(), namespace),
                t
            ),
            changes(Api::<Event>::namespaced(c.clone(), namespace), t),
            changes(Api::<PersistentVolume>::all(c.clone()), t),
            changes(Api::<StorageClass>::all(c.clone()), t),
            changes(Api::<VolumeAttachment>::all(c.clone()), t),
        );
        let (a, b, c2, d, e, f) = streams;
        let mut all = stream::select_all([a, b, c2, d, e, f]);
        match tokio::time::timeout_at(deadline, all.next()).await {
            Err(_) => return false,
            Ok(Some(_)) => {
                // Let the burst finish (a controller's update and its event), within the deadline.
                let quiet = (Instant::now() + SETTLE).min(deadline);
                while let Ok(Some(_)) = tokio::time::timeout_at(quiet, all.next()).await {}
                return true;
            }
            // Every watch ended (or none could start): start again, without spinning.
            Ok(None) => {
                tokio::time::sleep(
                    Duration::from_millis(200)
                        .min(deadline.saturating_duration_since(Instant::now())),
                )
                .await
            }
        }
    }
}
