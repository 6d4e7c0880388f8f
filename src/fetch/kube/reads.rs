//! Small reads beside the snapshot: names for completion, namespaces' existence, one namespace's
//! claims whole (`import-ebs`), and the kubelet stats of nodes (opt-in).

use std::collections::BTreeSet;

use crate::model::{PersistentVolume, Pod};
use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;
use kube::api::{Api, ListParams};

use super::list::{root_cause, PAGE};
use super::Connection;
use crate::snapshot::{Coverage, Scope};

/// The names of one resource's objects (first page of a metadata-only LIST), for completion.
pub async fn names(conn: &Connection, resource: &str, ns: &str) -> Option<Vec<String>> {
    fn of<T: kube::Resource + Clone>(l: kube::core::ObjectList<T>) -> Vec<String> {
        l.items
            .iter()
            .filter_map(|o| o.meta().name.clone())
            .collect()
    }
    let lp = ListParams::default().limit(PAGE);
    let c = conn.client.clone();
    Some(match resource {
        "pods" => of(Api::<Pod>::namespaced(c, ns)
            .list_metadata(&lp)
            .await
            .ok()?),
        "persistentvolumeclaims" => of(Api::<PersistentVolumeClaim>::namespaced(c, ns)
            .list_metadata(&lp)
            .await
            .ok()?),
        "persistentvolumes" => of(Api::<PersistentVolume>::all(c)
            .list_metadata(&lp)
            .await
            .ok()?),
        "statefulsets" => of(Api::<StatefulSet>::namespaced(c, ns)
            .list_metadata(&lp)
            .await
            .ok()?),
        "namespaces" => of(Api::<k8s_openapi::api::core::v1::Namespace>::all(c)
            .list_metadata(&lp)
            .await
            .ok()?),
        _ => Vec::new(),
    })
}

/// Which of `wanted` exist as namespaces (one GET each), with `-v` notes for those that could
/// not be read; `None` when one could not (then existence is unknown).
pub async fn existing_namespaces(
    conn: &Connection,
    wanted: &BTreeSet<String>,
) -> (Option<BTreeSet<String>>, Vec<(u8, String)>) {
    let api = Api::<k8s_openapi::api::core::v1::Namespace>::all(conn.client.clone());
    let mut known = Some(BTreeSet::new());
    let mut notes = Vec::new();
    for ns in wanted {
        match api.get_opt(ns).await {
            Ok(Some(_)) => {
                if let Some(set) = known.as_mut() {
                    set.insert(ns.clone());
                }
            }
            Ok(None) => {}
            Err(e) => {
                notes.push((1, format!("cannot read namespace {ns}: {e}")));
                known = None;
            }
        }
    }
    (known, notes)
}

/// Every claim of one namespace, page by page, unslimmed (`import-ebs` compares them whole).
pub async fn list_claims(
    conn: &Connection,
    ns: &str,
) -> std::result::Result<Vec<PersistentVolumeClaim>, kube::Error> {
    let api: Api<PersistentVolumeClaim> = Api::namespaced(conn.client.clone(), ns);
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let mut lp = ListParams::default().limit(PAGE);
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        let page = api.list(&lp).await?;
        out.extend(page.items);
        match page.metadata.continue_.filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t),
            None => return Ok(out),
        }
    }
}

/// At most this many kubelet stats requests run at once (each is proxied to a node).
const STATS_PARALLEL: usize = 16;

/// Reads the kubelet stats summary (`GET /api/v1/nodes/NODE/proxy/stats/summary`) of each
/// node, in parallel. Opt-in: it needs `get` on `nodes/proxy`, a powerful permission (it
/// reaches the kubelet API), so it stays out of the default read-only role and the default run.
///
/// Returns the summaries that were read and how the kind was read: `Forbidden` when the API
/// server refused (403: the permission is missing, the same for every node), `Failed` naming
/// the nodes whose read failed (the summaries of the others are still returned and valid),
/// `Read` when every node answered. Add them to a snapshot with
/// [`crate::snapshot::load::add_node_stats`].
pub async fn fetch_node_stats(
    conn: &Connection,
    nodes: &[String],
) -> (Vec<serde_json::Value>, Coverage) {
    use futures::stream::{self, StreamExt};

    if nodes.is_empty() {
        return (
            Vec::new(),
            Coverage::NotChecked("no node to read volume stats from".into()),
        );
    }
    let base = kube::core::Request::new("/api/v1/nodes");
    let base = &base;
    // Owned names: a stream of futures borrowing them would not be `Send` (fleet scans run
    // each cluster in its own task).
    let results: Vec<(String, std::result::Result<serde_json::Value, Coverage>)> =
        stream::iter(nodes.iter().cloned())
            .map(|node| async move {
                let req = match base.get_subresource("proxy/stats/summary", &node) {
                    Ok(r) => r,
                    Err(e) => {
                        let why = format!("{node}: {e}");
                        return (node, Err(Coverage::Failed(why)));
                    }
                };
                let res = tokio::time::timeout(
                    conn.timeout,
                    conn.client.request::<serde_json::Value>(req),
                )
                .await;
                let out = match res {
                    Err(_) => Err(Coverage::Failed(format!(
                        "{node}: timed out after {}s",
                        conn.timeout.as_secs()
                    ))),
                    Ok(Err(kube::Error::Api(s))) if s.code == 403 => {
                        Err(Coverage::Forbidden(s.message.clone()))
                    }
                    Ok(Err(kube::Error::Api(s))) => Err(Coverage::Failed(format!(
                        "{node}: {} {}",
                        s.code, s.message
                    ))),
                    Ok(Err(e)) => Err(Coverage::Failed(format!("{node}: {}", root_cause(&e)))),
                    Ok(Ok(v)) => Ok(v),
                };
                (node, out)
            })
            .buffered(STATS_PARALLEL)
            .collect()
            .await;
    let mut summaries = Vec::new();
    let mut failed = Vec::new();
    for (_, r) in results {
        match r {
            Ok(v) => summaries.push(v),
            Err(forbidden @ Coverage::Forbidden(_)) => return (summaries, forbidden),
            Err(Coverage::Failed(why)) => failed.push(why),
            Err(other) => return (summaries, other),
        }
    }
    if failed.is_empty() {
        (summaries, Coverage::Read(Scope::All))
    } else {
        (
            summaries,
            Coverage::Failed(format!(
                "stats of {} of {} nodes: {}",
                failed.len(),
                nodes.len(),
                failed.join("; ")
            )),
        )
    }
}
