//! Whole-kind LISTs into a [`Snapshot`], all at once and paginated (`scan`, `dump`, and `why`'s
//! fallback when a GET is refused).
//!
//! A 403 on one kind marks it forbidden and the diagnosis goes on; an unreachable server or a
//! 401 stops it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::time::Duration;

use crate::model::{PersistentVolume, Pod, VolumeAttachment};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Event, Node, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::{CSIDriver, CSINode, StorageClass};
use kube::api::{Api, ListParams};
use kube::Client;
use serde::de::DeserializeOwned;

use super::{with_clock, Connection};
use crate::error::{Error, Result};
use crate::snapshot::{Coverage, EventRecord, Kind, Scope, Snapshot};

/// Items per LIST page.
pub(in crate::fetch) const PAGE: u32 = 500;

/// What to read.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Namespaces for the namespaced kinds; `None` means all namespaces.
    pub namespaces: Option<Vec<String>>,
    /// Whether StatefulSets are needed.
    pub statefulsets: bool,
    /// Whether Deployments, Jobs and CronJobs are needed (`scan`: the claims no pod template
    /// names, `pvc-unused`).
    pub workloads: bool,
    /// Whether to read the cluster-scoped kinds.
    pub cluster_scoped: bool,
}

/// Counts of the requests a fetch made, for `-v`.
#[derive(Debug, Default, Clone)]
pub struct FetchStats {
    pub requests: usize,
    pub waves: usize,
}

pub(in crate::fetch) enum Outcome<T> {
    Ok(Vec<T>, usize),
    Err(Coverage, Option<Error>, usize),
}

pub(in crate::fetch) async fn list_all<K>(
    api: Api<K>,
    timeout: Duration,
    what: &str,
    opts: &ListOptions<'_>,
    selected: bool,
) -> Outcome<K>
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + crate::model::Slim,
{
    let mut items = Vec::new();
    let mut requests = 0;
    let mut token: Option<String> = None;
    let mut restarted = false;
    loop {
        let mut lp = ListParams::default().limit(PAGE);
        if let Some(sel) = opts.label_selector.as_deref().filter(|_| selected) {
            lp = lp.labels(sel);
        }
        if let Some(sel) = opts.field_selector.as_deref() {
            lp = lp.fields(sel);
        }
        if let Some(t) = &token {
            lp = lp.continue_token(t);
        }
        requests += 1;
        let res = tokio::time::timeout(timeout, api.list(&lp)).await;
        let page = match res {
            Err(_) => {
                return Outcome::Err(
                    Coverage::Failed(format!("timed out after {}s", timeout.as_secs())),
                    Some(Error::Cluster {
                        message: format!("listing {what} timed out after {}s", timeout.as_secs()),
                        hint: Some(
                            "check the API server address or raise --request-timeout".into(),
                        ),
                    }),
                    requests,
                )
            }
            Ok(Err(kube::Error::Api(s))) if s.code == 410 && !restarted => {
                // The continue token expired: restart the list once from the beginning.
                restarted = true;
                token = None;
                items.clear();
                continue;
            }
            Ok(Err(e)) => {
                let (cov, fatal) = classify(&e, what);
                return Outcome::Err(cov, fatal, requests);
            }
            Ok(Ok(page)) => page,
        };
        if let Some(on_page) = opts.on_page {
            on_page(what, page.items.len());
        }
        items.extend(page.items.into_iter().map(|mut o| {
            o.slim();
            o
        }));
        match page.metadata.continue_.filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t),
            None => return Outcome::Ok(items, requests),
        }
    }
}

/// Sorts an error into "this kind is unknown" (coverage) and, for errors that mean the
/// cluster cannot be used at all, a fatal error.
///
/// By HTTP status, not kube's `Status::is_forbidden` / `is_not_found`: in kube-core 5 those
/// match the `reason` only (`reason_or_code` tests whether its own constant is a known reason,
/// which it always is), so a plain-text 403 or 404 from an authenticating proxy, whose `reason`
/// is empty, would read as a failure instead of "forbidden" / "not served".
pub(in crate::fetch) fn classify(e: &kube::Error, what: &str) -> (Coverage, Option<Error>) {
    match e {
        kube::Error::Api(s) if s.code == 403 => (Coverage::Forbidden(s.message.clone()), None),
        kube::Error::Api(s) if s.code == 404 => (Coverage::NotChecked(format!("the server does not serve {what}")), None),
        kube::Error::Api(s) if s.code == 401 => (
            Coverage::Failed("401 Unauthorized".into()),
            Some(Error::Cluster {
                message: "the API server rejected our credentials (401 Unauthorized)".into(),
                hint: Some("refresh your credentials (e.g. `aws eks update-kubeconfig`) or check --user/--context".into()),
            }),
        ),
        kube::Error::Api(s) => (Coverage::Failed(format!("{} {}", s.code, s.message)), None),
        other => {
            let msg = root_cause(other);
            (
                Coverage::Failed(msg.clone()),
                Some(Error::Cluster { message: format!("cannot reach the API server: {msg}"), hint: Some("check the kubeconfig's server address and your network, or use --snapshot".into()) }),
            )
        }
    }
}

/// The innermost message of an error chain (`Connection refused (os error 111)`).
pub(super) fn root_cause(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    crate::snapshot::load::one_line(&cur.to_string())
}

/// A per-page callback: the resource name and how many items the page held.
pub type OnPage<'a> = &'a (dyn Fn(&str, usize) + Sync);

/// How to LIST, beyond what a [`Plan`] says to read (for `scan`).
#[derive(Default)]
pub struct ListOptions<'a> {
    /// A label selector passed to the pod and claim LISTs (`-l`).
    pub label_selector: Option<String>,
    /// A field selector passed to every LIST made with these options.
    pub field_selector: Option<String>,
    /// Skip the event LISTs (a first wave that only finds the selected objects).
    pub skip_events: bool,
    /// Called after each page with the resource name and the number of items it held
    /// (drives the progress line).
    pub on_page: Option<OnPage<'a>>,
}

/// Reads what the plan asks for, all LISTs at once.
pub async fn fetch(conn: &Connection, plan: &Plan) -> Result<(Snapshot, FetchStats)> {
    fetch_with(conn, plan, &ListOptions::default()).await
}

/// [`fetch`] with list options: a label selector, no events, a per-page callback.
pub async fn fetch_with(
    conn: &Connection,
    plan: &Plan,
    opts: &ListOptions<'_>,
) -> Result<(Snapshot, FetchStats)> {
    let c = &conn.client;
    let t = conn.timeout;
    let nss: Vec<Option<String>> = match &plan.namespaces {
        None => vec![None],
        Some(list) => list.iter().cloned().map(Some).collect(),
    };
    let namespaced = async {
        let lists =
            futures::future::join_all(nss.iter().map(|ns| list_namespaced(c, t, ns, plan, opts)))
                .await;
        let mut namespaced: Vec<(Option<String>, NsLists)> = nss.into_iter().zip(lists).collect();
        let mut fallback = None;
        if matches!(namespaced.as_slice(), [(None, lists)] if forbidden(&lists.0) || forbidden(&lists.1))
        {
            let (names, requests, why) = namespaces_to_try(conn, opts).await;
            let lists = futures::future::join_all(
                names.iter().map(|ns| list_namespaced(c, t, ns, plan, opts)),
            )
            .await;
            namespaced = names.into_iter().zip(lists).collect();
            fallback = Some((requests, why));
        }
        (namespaced, fallback)
    };
    let cluster = async {
        if !plan.cluster_scoped {
            return None;
        }
        Some(futures::join!(
            list_all(
                Api::<PersistentVolume>::all(c.clone()),
                t,
                "persistentvolumes",
                opts,
                false
            ),
            list_all(
                Api::<StorageClass>::all(c.clone()),
                t,
                "storageclasses",
                opts,
                false
            ),
            list_csi(c, t, opts),
            list_all(
                Api::<VolumeAttachment>::all(c.clone()),
                t,
                "volumeattachments",
                opts,
                false
            ),
            list_all(Api::<Node>::all(c.clone()), t, "nodes", opts, false),
        ))
    };

    let (((namespaced, fallback), cluster), (at, version)) =
        with_clock(conn, async { futures::join!(namespaced, cluster) }).await;

    let mut b = Builder::default();
    b.snap.identity = conn.identity.clone();
    b.snap.identity.server_version = version;
    b.snap.captured = Some(at);
    if let Some((requests, why)) = fallback {
        // `-A` was refused: each namespace was read on its own instead.
        b.stats.requests += requests;
        b.snap.not_read.extend(why);
        let mut refused: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
        for (ns, (pods, pvcs, ..)) in &namespaced {
            for (what, refused_here) in [
                ("pods", forbidden(pods)),
                ("persistentvolumeclaims", forbidden(pvcs)),
            ] {
                if refused_here {
                    refused
                        .entry(what)
                        .or_default()
                        .push(ns.as_deref().unwrap_or_default());
                }
            }
        }
        for (what, nss) in refused {
            b.snap.not_read.push(format!(
                "{what} in namespaces {}: forbidden",
                nss.join(", ")
            ));
        }
    }
    for (ns, (pods, pvcs, events, sts, workloads)) in namespaced {
        let scope = match ns {
            Some(n) => Scope::Namespaces(BTreeSet::from([n])),
            None => Scope::All,
        };
        b.take(Kind::Pod, &scope, pods, |s, v| s.pods.extend(v));
        b.take(Kind::PersistentVolumeClaim, &scope, pvcs, |s, v| {
            s.pvcs.extend(v)
        });
        if let Some(events) = events {
            b.take(Kind::Event, &scope, events, |s, v: Vec<Event>| {
                s.events.extend(v.iter().map(EventRecord::from))
            });
        }
        if let Some(sts) = sts {
            b.take(Kind::StatefulSet, &scope, sts, |s, v| {
                s.statefulsets.extend(v)
            });
        }
        if let Some((deployments, jobs, cron_jobs)) = workloads {
            b.take(Kind::Deployment, &scope, deployments, |s, v| {
                s.deployments.extend(v)
            });
            b.take(Kind::Job, &scope, jobs, |s, v| s.jobs.extend(v));
            b.take(Kind::CronJob, &scope, cron_jobs, |s, v| {
                s.cron_jobs.extend(v)
            });
        }
    }
    if let Some((pvs, scs, ((drivers, csinodes), discovery), vas, nodes)) = cluster {
        b.stats.requests += discovery;
        b.take(Kind::PersistentVolume, &Scope::All, pvs, |s, v| {
            s.pvs.extend(v)
        });
        b.take(Kind::StorageClass, &Scope::All, scs, |s, v| {
            s.storage_classes.extend(v)
        });
        b.take(Kind::CSIDriver, &Scope::All, drivers, |s, v| {
            s.csi_drivers.extend(v)
        });
        b.take(Kind::CSINode, &Scope::All, csinodes, |s, v| {
            s.csi_nodes.extend(v)
        });
        b.take(Kind::VolumeAttachment, &Scope::All, vas, |s, v| {
            s.volume_attachments.extend(v)
        });
        b.take(Kind::Node, &Scope::All, nodes, |s, v| s.nodes.extend(v));
    }
    b.finish()
}

/// CSIDriver and CSINode are served as `storage.k8s.io/v1` from 1.18 and 1.17; older clusters
/// serve only `v1beta1`. One discovery request (`GET /apis/storage.k8s.io/v1`, run in the first
/// wave) says which of the two `v1` serves; the others are listed in `v1beta1` and converted.
/// Returns both lists and the number of discovery requests made.
pub(in crate::fetch) async fn list_csi(
    c: &Client,
    t: Duration,
    opts: &ListOptions<'_>,
) -> ((Outcome<CSIDriver>, Outcome<CSINode>), usize) {
    let served =
        match tokio::time::timeout(t, c.list_api_group_resources("storage.k8s.io/v1")).await {
            Ok(Ok(list)) => Some(list.resources.into_iter().map(|r| r.name).collect()),
            // No storage.k8s.io/v1 at all (before 1.6): only v1beta1.
            Ok(Err(kube::Error::Api(s))) if s.code == 404 => Some(BTreeSet::new()),
            // Discovery refused or failed: assume a current cluster, as without it.
            _ => None,
        };
    let v1 = |plural: &str| {
        served
            .as_ref()
            .is_none_or(|names: &BTreeSet<String>| names.contains(plural))
    };
    let drivers = async {
        if v1("csidrivers") {
            list_all(
                Api::<CSIDriver>::all(c.clone()),
                t,
                "csidrivers",
                opts,
                false,
            )
            .await
        } else {
            list_older(c, t, Kind::CSIDriver, opts).await
        }
    };
    let nodes = async {
        if v1("csinodes") {
            list_all(Api::<CSINode>::all(c.clone()), t, "csinodes", opts, false).await
        } else {
            list_older(c, t, Kind::CSINode, opts).await
        }
    };
    (futures::join!(drivers, nodes), 1)
}

/// Lists `kind` in `storage.k8s.io/v1beta1` and converts each object into the `v1` type.
async fn list_older<K>(c: &Client, t: Duration, kind: Kind, opts: &ListOptions<'_>) -> Outcome<K>
where
    K: DeserializeOwned + crate::model::Slim,
{
    use kube::core::{ApiResource, DynamicObject};
    const OLDER: &str = "storage.k8s.io/v1beta1";
    let resource = ApiResource {
        group: "storage.k8s.io".into(),
        version: "v1beta1".into(),
        api_version: OLDER.into(),
        kind: kind.name().into(),
        plural: kind.plural().into(),
    };
    let api = Api::<DynamicObject>::all_with(c.clone(), &resource);
    let what = format!("{} ({OLDER})", kind.plural());
    let current = crate::snapshot::versions::read_as(kind, OLDER).unwrap_or(OLDER);
    match list_all(api, t, &what, opts, false).await {
        Outcome::Err(cov, fatal, n) => Outcome::Err(cov, fatal, n),
        Outcome::Ok(items, n) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                let name = item.metadata.name.clone().unwrap_or_default();
                let converted = serde_json::to_value(item).and_then(|mut v| {
                    if let Some(m) = v.as_object_mut() {
                        m.insert("apiVersion".into(), OLDER.into());
                        m.insert("kind".into(), kind.name().into());
                    }
                    serde_json::from_value::<K>(crate::snapshot::versions::convert(
                        kind, current, v,
                    ))
                });
                match converted {
                    Ok(mut o) => {
                        o.slim();
                        out.push(o);
                    }
                    Err(e) => {
                        return Outcome::Err(
                            Coverage::Failed(format!(
                                "{} {name} ({OLDER}) could not be read: {e}",
                                kind.name()
                            )),
                            None,
                            n,
                        )
                    }
                }
            }
            Outcome::Ok(out, n)
        }
    }
}

/// Objects listed in an older version stay as they came until converted ([`list_older`]).
impl crate::model::Slim for kube::core::DynamicObject {
    fn slim(&mut self) {}
}

fn forbidden<K>(o: &Outcome<K>) -> bool {
    matches!(o, Outcome::Err(Coverage::Forbidden(_), ..))
}

/// The LISTs of the namespaced kinds in one namespace (`None`: all namespaces).
type NsLists = (
    Outcome<Pod>,
    Outcome<PersistentVolumeClaim>,
    Option<Outcome<Event>>,
    Option<Outcome<StatefulSet>>,
    Option<(Outcome<Deployment>, Outcome<Job>, Outcome<CronJob>)>,
);

async fn list_namespaced(
    c: &Client,
    t: Duration,
    ns: &Option<String>,
    plan: &Plan,
    opts: &ListOptions<'_>,
) -> NsLists {
    fn ns_api<K>(c: &Client, ns: &Option<String>) -> Api<K>
    where
        K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
    {
        match ns {
            Some(n) => Api::namespaced(c.clone(), n),
            None => Api::all(c.clone()),
        }
    }
    let events = async {
        if opts.skip_events {
            None
        } else {
            Some(list_all(ns_api::<Event>(c, ns), t, "events", opts, false).await)
        }
    };
    let sts = async {
        if plan.statefulsets {
            Some(list_all(ns_api::<StatefulSet>(c, ns), t, "statefulsets", opts, false).await)
        } else {
            None
        }
    };
    let workloads = async {
        if plan.workloads {
            Some(futures::join!(
                list_all(ns_api::<Deployment>(c, ns), t, "deployments", opts, false),
                list_all(ns_api::<Job>(c, ns), t, "jobs", opts, false),
                list_all(ns_api::<CronJob>(c, ns), t, "cronjobs", opts, false),
            ))
        } else {
            None
        }
    };
    futures::join!(
        list_all(ns_api::<Pod>(c, ns), t, "pods", opts, true),
        list_all(
            ns_api::<PersistentVolumeClaim>(c, ns),
            t,
            "persistentvolumeclaims",
            opts,
            true
        ),
        events,
        sts,
        workloads,
    )
}

/// When listing pods or claims in all namespaces is forbidden: the namespaces to read one by
/// one (every namespace when they may be listed, else the context's own), the requests that
/// took, and a not-checked line for what stays unread.
async fn namespaces_to_try(
    conn: &Connection,
    opts: &ListOptions<'_>,
) -> (Vec<Option<String>>, usize, Option<String>) {
    let api = Api::<k8s_openapi::api::core::v1::Namespace>::all(conn.client.clone());
    match list_all(api, conn.timeout, "namespaces", opts, false).await {
        Outcome::Ok(list, n) => (
            list.into_iter()
                .filter_map(|ns| ns.metadata.name)
                .map(Some)
                .collect(),
            n,
            None,
        ),
        Outcome::Err(cov, _, n) => {
            let own = conn.default_namespace.clone();
            let listing = match cov {
                Coverage::Forbidden(_) => "is forbidden too".to_string(),
                Coverage::Failed(r) | Coverage::NotChecked(r) => format!("failed ({r})"),
                Coverage::Read(_) => "failed".to_string(),
            };
            let line = format!(
                "namespaces other than {own}: not read (pods and claims may not be listed across namespaces, and listing namespaces {listing})"
            );
            (vec![Some(own)], n, Some(line))
        }
    }
}

#[derive(Default)]
pub(in crate::fetch) struct Builder {
    pub(in crate::fetch) snap: Snapshot,
    pub(in crate::fetch) stats: FetchStats,
    pub(in crate::fetch) any_ok: usize,
    pub(in crate::fetch) fatal: Option<Error>,
}

impl Builder {
    /// The snapshot, or the error that made every read fail (or any read a 401).
    pub(in crate::fetch) fn finish(mut self) -> Result<(Snapshot, FetchStats)> {
        if self.any_ok == 0 {
            if let Some(e) = self.fatal {
                return Err(e);
            }
        }
        if let Some(e @ Error::Cluster { .. }) = self
            .fatal
            .as_ref()
            .filter(|e| e.to_string().contains("401"))
        {
            return Err(Error::Cluster {
                message: e.to_string(),
                hint: e.hint().map(str::to_string),
            });
        }
        self.stats.waves = 1;
        Ok((self.snap, self.stats))
    }

    pub(in crate::fetch) fn take<K>(
        &mut self,
        kind: Kind,
        scope: &Scope,
        outcome: Outcome<K>,
        put: impl FnOnce(&mut Snapshot, Vec<K>),
    ) {
        match outcome {
            Outcome::Ok(items, n) => {
                self.stats.requests += n;
                self.any_ok += 1;
                put(&mut self.snap, items);
                self.snap.mark_read(kind, scope.clone());
            }
            Outcome::Err(cov, fatal, n) => {
                self.stats.requests += n;
                self.snap.mark_unread(kind, cov);
                if self.fatal.is_none() {
                    self.fatal = fatal;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::kube::tests::{connection, empty_list, serve};

    #[tokio::test]
    async fn a_1_17_cluster_lists_csidrivers_in_v1beta1_and_csinodes_in_v1() {
        let v1 = r#"{"kind":"APIResourceList","apiVersion":"v1","groupVersion":"storage.k8s.io/v1","resources":[
            {"name":"csinodes","singularName":"","namespaced":false,"kind":"CSINode","verbs":["get","list"]},
            {"name":"storageclasses","singularName":"","namespaced":false,"kind":"StorageClass","verbs":["get","list"]},
            {"name":"volumeattachments","singularName":"","namespaced":false,"kind":"VolumeAttachment","verbs":["get","list"]}]}"#;
        let drivers = r#"{"kind":"CSIDriverList","apiVersion":"storage.k8s.io/v1beta1","metadata":{"resourceVersion":"1"},"items":[
            {"metadata":{"name":"ebs.csi.aws.com","managedFields":[{"manager":"x"}]},"spec":{"attachRequired":true,"podInfoOnMount":false}}]}"#;
        let csinodes = r#"{"kind":"CSINodeList","apiVersion":"storage.k8s.io/v1","metadata":{},"items":[
            {"metadata":{"name":"n1"},"spec":{"drivers":[{"name":"ebs.csi.aws.com","nodeID":"i-1","topologyKeys":null}]}}]}"#;
        let (addr, asked) = serve(vec![
            ("/apis/storage.k8s.io/v1", v1.to_string()),
            (
                "/apis/storage.k8s.io/v1beta1/csidrivers",
                drivers.to_string(),
            ),
            ("/apis/storage.k8s.io/v1/csinodes", csinodes.to_string()),
            (
                "/api/v1/persistentvolumes",
                empty_list("PersistentVolume", "v1"),
            ),
            ("/api/v1/nodes", empty_list("Node", "v1")),
            (
                "/apis/storage.k8s.io/v1/storageclasses",
                empty_list("StorageClass", "storage.k8s.io/v1"),
            ),
            (
                "/apis/storage.k8s.io/v1/volumeattachments",
                empty_list("VolumeAttachment", "storage.k8s.io/v1"),
            ),
        ]);
        let plan = Plan {
            namespaces: Some(vec!["prod".into()]),
            statefulsets: false,
            workloads: false,
            cluster_scoped: true,
        };
        let (snap, stats) = fetch(&connection(&addr), &plan).await.expect("fetch");
        assert_eq!(snap.csi_drivers.len(), 1, "{:?}", snap.coverage);
        let driver = &snap.csi_drivers[0];
        assert_eq!(driver.metadata.name.as_deref(), Some("ebs.csi.aws.com"));
        assert_eq!(driver.spec.attach_required, Some(true));
        assert!(driver.metadata.managed_fields.is_none(), "slimmed");
        assert_eq!(snap.unknown_reason(Kind::CSIDriver, None), None);
        assert_eq!(snap.csi_nodes.len(), 1);
        assert_eq!(snap.unknown_reason(Kind::CSINode, None), None);
        let asked = asked.lock().expect("lock").clone();
        assert!(
            !asked.contains(&"/apis/storage.k8s.io/v1/csidrivers".to_string()),
            "v1 csidrivers is not served there: {asked:?}"
        );
        assert_eq!(
            asked
                .iter()
                .filter(|p| p.as_str() == "/apis/storage.k8s.io/v1")
                .count(),
            1,
            "one discovery request: {asked:?}"
        );
        assert!(stats.requests >= 7, "discovery counted: {}", stats.requests);
    }

    #[tokio::test]
    async fn without_storage_v1_csidrivers_are_read_in_v1beta1_and_a_refused_discovery_means_v1() {
        let plan = Plan {
            namespaces: Some(vec!["prod".into()]),
            statefulsets: false,
            workloads: false,
            cluster_scoped: true,
        };
        // No storage.k8s.io/v1 discovery document at all (404): v1beta1 is listed.
        let (addr, asked) = serve(vec![]);
        let (snap, _) = fetch(&connection(&addr), &plan).await.expect("fetch");
        let asked = asked.lock().expect("lock").clone();
        assert!(
            asked.contains(&"/apis/storage.k8s.io/v1beta1/csidrivers".to_string())
                && !asked.contains(&"/apis/storage.k8s.io/v1/csidrivers".to_string()),
            "{asked:?}"
        );
        let why = snap
            .unknown_reason(Kind::CSIDriver, None)
            .unwrap_or_default();
        assert!(why.contains("v1beta1"), "{why}");
        // Discovery refused (403): the v1 lists, as without discovery.
        let (addr, asked) = serve(vec![("/apis/storage.k8s.io/v1", "403".to_string())]);
        let _ = fetch(&connection(&addr), &plan).await.expect("fetch");
        let asked = asked.lock().expect("lock").clone();
        assert!(
            asked.contains(&"/apis/storage.k8s.io/v1/csidrivers".to_string()),
            "{asked:?}"
        );
    }
}
