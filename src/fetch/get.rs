//! Targeted reads: one wave of GETs by name, field-selected event LISTs and small whole-kind
//! LISTs, all at once, into a [`Snapshot`] whose coverage says exactly what was asked
//! ([`Scope::Named`] for objects asked by name, so a 404 reads as "missing" and nothing is
//! assumed about the objects not asked for).
//!
//! A `why` plans its waves in [`crate::acquire`]; this module only runs one.

use std::collections::BTreeSet;
use std::fmt::Debug;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use k8s_openapi::api::apps::v1::StatefulSet;
use k8s_openapi::api::core::v1::{Event, Node, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::{CSINode, StorageClass};
use kube::api::Api;
use kube::Client;
use serde::de::DeserializeOwned;

use super::kube::{
    classify, list_all, list_csi, Builder, Connection, FetchStats, ListOptions, Outcome,
};
use crate::error::{Error, Result};
use crate::model::{PersistentVolume, Pod, VolumeAttachment};
use crate::snapshot::{events_key, object_key, Coverage, EventRecord, Kind, Scope, Snapshot};

/// One read of a wave.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Ask {
    /// GET one object: a Pod, claim or StatefulSet (namespaced), or a PV, Node, CSINode or
    /// VolumeAttachment.
    Get(Kind, Option<String>, String),
    /// The events about one object (`involvedObject` kind and name): those of a cluster-scoped
    /// object are stored in namespace `default`.
    Events(String, Option<String>, String),
    /// LIST a kind whole: in one namespace, or (`None`) everywhere / cluster-scoped. The CSI
    /// kinds are listed in the version the server serves.
    List(Kind, Option<String>),
    /// LIST nodes carrying a label (`topology.kubernetes.io/zone=us-east-1a`).
    NodesLabelled(String),
}

/// One finished read, waiting to be put into the snapshot.
type Apply = Box<dyn FnOnce(&mut Builder) + Send>;
type Pending<'a> = Pin<Box<dyn Future<Output = Apply> + Send + 'a>>;

enum Got<K> {
    Found(K),
    Missing,
    Failed(Coverage, Option<Error>),
}

async fn get_one<K>(api: Api<K>, name: &str, t: Duration, what: &str) -> Got<K>
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + crate::model::Slim,
{
    match tokio::time::timeout(t, api.get_opt(name)).await {
        Err(_) => Got::Failed(
            Coverage::Failed(format!("timed out after {}s", t.as_secs())),
            Some(Error::Cluster {
                message: format!("reading {what} {name} timed out after {}s", t.as_secs()),
                hint: Some("check the API server address or raise --request-timeout".into()),
            }),
        ),
        Ok(Ok(Some(mut o))) => {
            o.slim();
            Got::Found(o)
        }
        Ok(Ok(None)) => Got::Missing,
        Ok(Err(e)) => {
            let (cov, fatal) = classify(&e, what);
            Got::Failed(cov, fatal)
        }
    }
}

/// The future of a GET and how its object joins the snapshot.
fn get<'a, K>(
    api: Api<K>,
    t: Duration,
    kind: Kind,
    namespace: Option<String>,
    name: &'a str,
    put: fn(&mut Snapshot, K),
) -> Pending<'a>
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + crate::model::Slim + Send + 'static,
{
    Box::pin(async move {
        let mut got = get_one(api.clone(), name, t, kind.plural()).await;
        if matches!(got, Got::Failed(Coverage::Forbidden(_), _)) {
            // Some roles grant list but not get (or get on named objects only): a LIST of the
            // kind finds the object as well.
            if let Outcome::Ok(items, _) =
                list_all(api, t, kind.plural(), &ListOptions::default(), false).await
            {
                got = match items
                    .into_iter()
                    .find(|o| o.meta().name.as_deref() == Some(name))
                {
                    Some(o) => Got::Found(o),
                    None => Got::Missing,
                };
            }
        }
        let key = object_key(namespace.as_deref(), name);
        let name = name.to_string();
        Box::new(move |b: &mut Builder| {
            b.stats.requests += 1;
            match got {
                Got::Found(o) => {
                    b.any_ok += 1;
                    put(&mut b.snap, o);
                    b.snap.mark_read(kind, Scope::Named(BTreeSet::from([key])));
                }
                Got::Missing => {
                    b.any_ok += 1;
                    b.snap.mark_read(kind, Scope::Named(BTreeSet::from([key])));
                }
                Got::Failed(cov, fatal) => {
                    if let Some(line) = cov.not_checked_line(kind) {
                        b.snap
                            .not_read
                            .push(format!("{line}: {} {name}", kind.name()));
                    }
                    b.snap.mark_unread(kind, cov);
                    if b.fatal.is_none() {
                        b.fatal = fatal;
                    }
                }
            }
        }) as Apply
    })
}

fn ns_api<K>(c: &Client, ns: Option<&str>) -> Api<K>
where
    K: kube::Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
{
    match ns {
        Some(n) => Api::namespaced(c.clone(), n),
        None => Api::all(c.clone()),
    }
}

fn pending<'a>(conn: &'a Connection, ask: &'a Ask) -> Pending<'a> {
    let c = &conn.client;
    let t = conn.timeout;
    match ask {
        Ask::Get(kind, ns, name) => {
            let n = ns.as_deref().unwrap_or_default();
            let ns = ns.clone();
            match kind {
                Kind::Pod => get(
                    Api::<Pod>::namespaced(c.clone(), n),
                    t,
                    *kind,
                    ns,
                    name,
                    |s, o| s.pods.push(o),
                ),
                Kind::PersistentVolumeClaim => get(
                    Api::<PersistentVolumeClaim>::namespaced(c.clone(), n),
                    t,
                    *kind,
                    ns,
                    name,
                    |s, o| s.pvcs.push(o),
                ),
                Kind::StatefulSet => get(
                    Api::<StatefulSet>::namespaced(c.clone(), n),
                    t,
                    *kind,
                    ns,
                    name,
                    |s, o| s.statefulsets.push(o),
                ),
                Kind::PersistentVolume => get(
                    Api::<PersistentVolume>::all(c.clone()),
                    t,
                    *kind,
                    None,
                    name,
                    |s, o| s.pvs.push(o),
                ),
                Kind::Node => get(Api::<Node>::all(c.clone()), t, *kind, None, name, |s, o| {
                    s.nodes.push(o)
                }),
                Kind::CSINode => get(
                    Api::<CSINode>::all(c.clone()),
                    t,
                    *kind,
                    None,
                    name,
                    |s, o| s.csi_nodes.push(o),
                ),
                Kind::VolumeAttachment => get(
                    Api::<VolumeAttachment>::all(c.clone()),
                    t,
                    *kind,
                    None,
                    name,
                    |s, o| s.volume_attachments.push(o),
                ),
                other => {
                    let other = *other;
                    Box::pin(async move {
                        Box::new(move |b: &mut Builder| {
                            b.snap
                                .mark_unread(other, Coverage::NotChecked("not read by name".into()))
                        }) as Apply
                    })
                }
            }
        }
        Ask::Events(kind, ns, name) => Box::pin(async move {
            let opts = ListOptions {
                field_selector: Some(format!(
                    "involvedObject.kind={kind},involvedObject.name={name}"
                )),
                ..Default::default()
            };
            // Events about a cluster-scoped object are recorded in namespace "default".
            let stored_in = ns.as_deref().unwrap_or("default");
            let outcome = list_all(
                ns_api::<Event>(c, Some(stored_in)),
                t,
                "events",
                &opts,
                false,
            )
            .await;
            let key = events_key(kind, ns.as_deref(), name);
            Box::new(move |b: &mut Builder| {
                b.take(
                    Kind::Event,
                    &Scope::Named(BTreeSet::from([key])),
                    outcome,
                    |s, v: Vec<Event>| s.events.extend(v.iter().map(EventRecord::from)),
                )
            }) as Apply
        }),
        Ask::List(kind, ns) => {
            let opts = ListOptions::default();
            let scope = match ns {
                Some(n) if kind.namespaced() => Scope::Namespaces(BTreeSet::from([n.clone()])),
                _ => Scope::All,
            };
            let ns = ns.as_deref();
            match kind {
                Kind::CSIDriver | Kind::CSINode => {
                    let kind = *kind;
                    Box::pin(async move {
                        let ((drivers, nodes), discovery) = list_csi(c, t, &opts).await;
                        Box::new(move |b: &mut Builder| {
                            b.stats.requests += discovery;
                            if kind == Kind::CSIDriver {
                                b.take(kind, &scope, drivers, |s, v| s.csi_drivers.extend(v));
                            } else {
                                b.take(kind, &scope, nodes, |s, v| s.csi_nodes.extend(v));
                            }
                        }) as Apply
                    })
                }
                Kind::StorageClass => listed(
                    Api::<StorageClass>::all(c.clone()),
                    t,
                    *kind,
                    scope,
                    |s, v| s.storage_classes.extend(v),
                ),
                Kind::PersistentVolume => listed(
                    Api::<PersistentVolume>::all(c.clone()),
                    t,
                    *kind,
                    scope,
                    |s, v| s.pvs.extend(v),
                ),
                Kind::VolumeAttachment => listed(
                    Api::<VolumeAttachment>::all(c.clone()),
                    t,
                    *kind,
                    scope,
                    |s, v| s.volume_attachments.extend(v),
                ),
                Kind::Node => listed(Api::<Node>::all(c.clone()), t, *kind, scope, |s, v| {
                    s.nodes.extend(v)
                }),
                Kind::Pod => listed(ns_api::<Pod>(c, ns), t, *kind, scope, |s, v| {
                    s.pods.extend(v)
                }),
                Kind::PersistentVolumeClaim => listed(
                    ns_api::<PersistentVolumeClaim>(c, ns),
                    t,
                    *kind,
                    scope,
                    |s, v| s.pvcs.extend(v),
                ),
                Kind::Event => listed(ns_api::<Event>(c, ns), t, *kind, scope, |s, v| {
                    s.events.extend(v.iter().map(EventRecord::from))
                }),
                other => {
                    let other = *other;
                    Box::pin(async move {
                        Box::new(move |b: &mut Builder| {
                            b.snap
                                .mark_unread(other, Coverage::NotChecked("not listed".into()))
                        }) as Apply
                    })
                }
            }
        }
        Ask::NodesLabelled(selector) => Box::pin(async move {
            let opts = ListOptions {
                label_selector: Some(selector.clone()),
                ..Default::default()
            };
            let outcome = list_all(Api::<Node>::all(c.clone()), t, "nodes", &opts, true).await;
            Box::new(move |b: &mut Builder| {
                // Nodes found by label are known by name; nodes without it are not known.
                let keys = match &outcome {
                    Outcome::Ok(items, _) => items
                        .iter()
                        .filter_map(|n| n.metadata.name.clone())
                        .collect(),
                    _ => BTreeSet::new(),
                };
                b.take(Kind::Node, &Scope::Named(keys), outcome, |s, v| {
                    s.nodes.extend(v)
                });
            }) as Apply
        }),
    }
}

fn listed<'a, K>(
    api: Api<K>,
    t: Duration,
    kind: Kind,
    scope: Scope,
    put: fn(&mut Snapshot, Vec<K>),
) -> Pending<'a>
where
    K: kube::Resource + Clone + DeserializeOwned + Debug + crate::model::Slim + Send + 'static,
{
    Box::pin(async move {
        let outcome = list_all(api, t, kind.plural(), &ListOptions::default(), false).await;
        Box::new(move |b: &mut Builder| b.take(kind, &scope, outcome, put)) as Apply
    })
}

/// Runs every read of one wave at once (each ask once, in a stable order) and builds the
/// snapshot they make. With `clock`, the wave also reads the API server's clock.
pub async fn wave(conn: &Connection, asks: &[Ask], clock: bool) -> Result<(Snapshot, FetchStats)> {
    let asks: BTreeSet<&Ask> = asks.iter().collect();
    let reads = futures::future::join_all(asks.iter().map(|a| pending(conn, a)));
    let (applies, clock) = if clock {
        let (applies, c) = super::kube::with_clock(conn, reads).await;
        (applies, Some(c))
    } else {
        (reads.await, None)
    };
    let mut b = Builder::default();
    if let Some((at, version)) = clock {
        b.snap.captured = Some(at);
        b.snap.identity = conn.identity.clone();
        b.snap.identity.server_version = version;
    }
    for apply in applies {
        apply(&mut b);
    }
    b.finish()
}

/// The name the attach/detach controller gives the VolumeAttachment of a CSI volume on a node:
/// `csi-` and the hex SHA-256 of volume handle, driver name and node name, concatenated.
pub fn attachment_name(volume_handle: &str, driver: &str, node: &str) -> String {
    let digest = ring::digest::digest(
        &ring::digest::SHA256,
        format!("{volume_handle}{driver}{node}").as_bytes(),
    );
    let mut out = String::with_capacity(68);
    out.push_str("csi-");
    for b in digest.as_ref() {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fetch::kube::tests::{connection, serve};

    #[tokio::test]
    async fn a_refused_get_falls_back_to_a_list_that_is_allowed() {
        let list = r#"{"kind":"PodList","apiVersion":"v1","metadata":{},"items":[
            {"metadata":{"name":"other","namespace":"prod"}},{"metadata":{"name":"db-0","namespace":"prod"}}]}"#;
        let (addr, asked) = serve(vec![
            ("/api/v1/namespaces/prod/pods/db-0", "403".to_string()),
            ("/api/v1/namespaces/prod/pods/gone", "403".to_string()),
            ("/api/v1/namespaces/prod/pods", list.to_string()),
        ]);
        let asks = [
            Ask::Get(Kind::Pod, Some("prod".into()), "db-0".into()),
            Ask::Get(Kind::Pod, Some("prod".into()), "gone".into()),
        ];
        let (snap, _) = wave(&connection(&addr), &asks, false).await.expect("wave");
        let names: Vec<_> = snap
            .pods
            .iter()
            .filter_map(|p| p.metadata.name.clone())
            .collect();
        assert_eq!(names, ["db-0"], "{:?}", asked.lock().expect("lock"));
        assert!(matches!(
            snap.lookup(&snap.pods, Kind::Pod, Some("prod"), "gone"),
            crate::snapshot::Lookup::Missing
        ));
        assert!(matches!(
            snap.lookup(&snap.pods, Kind::Pod, Some("prod"), "other"),
            crate::snapshot::Lookup::Unknown(_)
        ));
    }

    #[test]
    fn attachment_names_follow_the_attach_detach_controller() {
        // sha256("vol-0123456789abcdef0" + "ebs.csi.aws.com" + "ip-10-0-1-10.ec2.internal"),
        // computed independently with sha256sum.
        let name = attachment_name(
            "vol-0123456789abcdef0",
            "ebs.csi.aws.com",
            "ip-10-0-1-10.ec2.internal",
        );
        assert_eq!(
            name,
            "csi-490bd4a8f541479450cac78bad329a01664af355ea597fb390adbd5591fef83f"
        );
    }
}
