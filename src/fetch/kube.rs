//! Live reads from the Kubernetes API into a [`Snapshot`], in parallel LISTs.
//!
//! One wave reads everything a `why` needs: the namespaced kinds (pods, claims, events,
//! StatefulSets) in the target's namespace and the cluster-scoped ones (PVs, classes, CSI
//! drivers, CSINodes, VolumeAttachments, nodes). Every LIST is paginated. A 403 on one kind
//! marks it forbidden and the diagnosis goes on; an unreachable server or a 401 stops it.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::path::PathBuf;
use std::time::Duration;

use crate::model::VolumeAttachment;
use crate::model::{PersistentVolume, Pod};
use k8s_openapi::api::apps::v1::{Deployment, StatefulSet};
use k8s_openapi::api::batch::v1::{CronJob, Job};
use k8s_openapi::api::core::v1::{Event, Node, PersistentVolumeClaim};
use k8s_openapi::api::storage::v1::{CSIDriver, CSINode, StorageClass};
use kube::api::{Api, ListParams};
use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};
use serde::de::DeserializeOwned;

use crate::error::{Error, Result};
use crate::snapshot::{Capture, ClockSource, Coverage, EventRecord, Kind, Scope, Snapshot};

/// Connection flags, as kubectl names them.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub impersonate: Option<String>,
    /// `--as-group` (repeatable; needs `--as`).
    pub impersonate_groups: Vec<String>,
    /// `--token`: a bearer token replacing the kubeconfig user's credentials.
    pub token: Option<String>,
    /// `-s/--server`: the API server address.
    pub server: Option<String>,
    /// `--certificate-authority`: a PEM file of CAs for the server's certificate.
    pub certificate_authority: Option<PathBuf>,
    /// `--insecure-skip-tls-verify`: do not check the server's certificate.
    pub insecure_skip_tls_verify: bool,
    /// `--tls-server-name`: the name the server's certificate is checked against.
    pub tls_server_name: Option<String>,
    pub request_timeout: Option<Duration>,
}

/// A connected client and the namespace the kubeconfig context selects.
pub struct Connection {
    pub client: Client,
    pub default_namespace: String,
    pub server: String,
    pub timeout: Duration,
    /// Which cluster this is, from the kubeconfig (the reports' `cluster`).
    pub identity: crate::identity::Identity,
    /// Whether a read has used the connection yet (see [`with_clock`]).
    pub opened: std::sync::atomic::AtomicBool,
}

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const PAGE: u32 = 500;

/// Every context name of the kubeconfig (`--kubeconfig`, else the merged `$KUBECONFIG`, else
/// `~/.kube/config`), in file order: `scan --all-contexts`.
pub fn context_names(kubeconfig: Option<&std::path::Path>) -> Result<Vec<String>> {
    let kc = match kubeconfig {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    }
    .map_err(|e| Error::Cluster {
        message: format!(
            "cannot load the kubeconfig: {}",
            crate::snapshot::load::one_line(&e.to_string())
        ),
        hint: Some("pass --kubeconfig PATH or set KUBECONFIG".into()),
    })?;
    Ok(kc.contexts.into_iter().map(|c| c.name).collect())
}

/// `--context`, `--cluster` and `--user` must name entries of the kubeconfig: kube-rs would
/// otherwise fall back silently (an unknown user becomes `system:anonymous`).
fn check_names(kc: &Kubeconfig, kopts: &KubeConfigOptions, origin: &str) -> Result<()> {
    let list = |names: Vec<&str>| {
        if names.is_empty() {
            "none".to_string()
        } else {
            crate::k8s::truncate(&names.join(", "), 120)
        }
    };
    let checks = [
        (
            "context",
            kopts.context.as_deref(),
            kc.contexts
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
        ),
        (
            "cluster",
            kopts.cluster.as_deref(),
            kc.clusters.iter().map(|c| c.name.as_str()).collect(),
        ),
        (
            "user",
            kopts.user.as_deref(),
            kc.auth_infos.iter().map(|u| u.name.as_str()).collect(),
        ),
    ];
    for (what, wanted, names) in checks {
        if let Some(w) = wanted {
            if !names.contains(&w) {
                return Err(Error::Usage(format!(
                    "--{what} {w:?}: no such {what} in {origin} ({what}s there: {})",
                    list(names)
                )));
            }
        }
    }
    Ok(())
}

/// The kubeconfig's cluster and user entries in use (by `--context`/`--cluster`/`--user`,
/// else the current context), with kubectl's override flags written into them.
/// Returns the cluster's `proxy-url`.
fn apply_overrides(
    kc: &mut Kubeconfig,
    kopts: &KubeConfigOptions,
    opts: &ConnectOptions,
) -> Option<String> {
    let ctx_name = kopts.context.clone().or_else(|| kc.current_context.clone());
    let ctx = ctx_name
        .as_deref()
        .and_then(|n| kc.contexts.iter().find(|c| c.name == n))
        .and_then(|c| c.context.clone());
    let cluster_name = kopts
        .cluster
        .clone()
        .or_else(|| ctx.as_ref().map(|c| c.cluster.clone()));
    let user_name = kopts
        .user
        .clone()
        .or_else(|| ctx.as_ref().and_then(|c| c.user.clone()));
    let mut proxy = None;
    if let Some(cluster) = kc
        .clusters
        .iter_mut()
        .find(|c| Some(&c.name) == cluster_name.as_ref())
        .and_then(|c| c.cluster.as_mut())
    {
        proxy = cluster.proxy_url.clone().filter(|p| !p.trim().is_empty());
        if let Some(s) = &opts.server {
            cluster.server = Some(s.clone());
        }
        if let Some(ca) = &opts.certificate_authority {
            cluster.certificate_authority = Some(ca.display().to_string());
            cluster.certificate_authority_data = None;
        }
        if opts.insecure_skip_tls_verify {
            cluster.insecure_skip_tls_verify = Some(true);
            cluster.certificate_authority = None;
            cluster.certificate_authority_data = None;
        }
        if let Some(n) = &opts.tls_server_name {
            cluster.tls_server_name = Some(n.clone());
        }
    }
    if let Some(t) = &opts.token {
        if let Some(user) = kc
            .auth_infos
            .iter_mut()
            .find(|u| Some(&u.name) == user_name.as_ref())
            .and_then(|u| u.auth_info.as_mut())
        {
            user.token = Some(t.clone().into());
            user.token_file = None;
            user.exec = None;
            user.auth_provider = None;
            user.username = None;
            user.password = None;
        }
    }
    proxy
}

/// A kubeconfig holding only `-s/--server` (and `--token`, the TLS flags): kubectl runs with
/// `-s` and no kubeconfig at all.
fn server_only_kubeconfig(server: &str) -> Kubeconfig {
    use kube::config::{AuthInfo, Cluster, Context, NamedAuthInfo, NamedCluster, NamedContext};
    Kubeconfig {
        clusters: vec![NamedCluster {
            name: "flags".into(),
            cluster: Some(Cluster {
                server: Some(server.to_string()),
                ..Default::default()
            }),
            other: Default::default(),
        }],
        auth_infos: vec![NamedAuthInfo {
            name: "flags".into(),
            auth_info: Some(AuthInfo::default()),
            other: Default::default(),
        }],
        contexts: vec![NamedContext {
            name: "flags".into(),
            context: Some(Context {
                cluster: "flags".into(),
                user: Some("flags".into()),
                ..Default::default()
            }),
            other: Default::default(),
        }],
        current_context: Some("flags".into()),
        ..Default::default()
    }
}

/// Builds a client from the kubeconfig (or in-cluster config), honouring the flags.
pub async fn connect(opts: &ConnectOptions) -> Result<Connection> {
    let kopts = KubeConfigOptions {
        context: opts.context.clone(),
        cluster: opts.cluster.clone(),
        user: opts.user.clone(),
    };
    let hint =
        Some("pass --kubeconfig or --context, or diagnose offline with --snapshot DIR".to_string());
    if !opts.impersonate_groups.is_empty() && opts.impersonate.is_none() {
        return Err(Error::Usage(
            "--as-group needs --as USER: kubectl refuses groups without a user to impersonate"
                .into(),
        ));
    }
    if let Some(t) = &opts.token {
        super::redact::register(t);
    }
    let loaded = match &opts.kubeconfig {
        Some(path) => {
            let kc = Kubeconfig::read_from(path).map_err(|e| Error::Cluster {
                message: format!(
                    "cannot load kubeconfig {}: {}",
                    path.display(),
                    crate::snapshot::load::one_line(&e.to_string())
                ),
                hint: hint.clone(),
            })?;
            check_names(&kc, &kopts, &path.display().to_string())?;
            Ok((kc, path.display().to_string()))
        }
        None => match Kubeconfig::read() {
            Ok(kc) => {
                if kopts.context.is_some() || kopts.user.is_some() || kopts.cluster.is_some() {
                    check_names(&kc, &kopts, "the kubeconfig")?;
                }
                Ok((kc, "the kubeconfig".to_string()))
            }
            Err(e) => Err(e),
        },
    };
    let loaded = match (loaded, &opts.server) {
        (Err(_), Some(server)) => Ok((server_only_kubeconfig(server), "--server".to_string())),
        (other, _) => other,
    };
    let mut kubeconfig_proxy = None;
    let mut config = match loaded {
        Ok((mut kc, origin)) => {
            kubeconfig_proxy = apply_overrides(&mut kc, &kopts, opts);
            let kopts = if origin == "--server" {
                KubeConfigOptions::default()
            } else {
                kopts.clone()
            };
            Config::from_custom_kubeconfig(kc, &kopts)
                .await
                .map_err(|e| Error::Cluster {
                    message: format!(
                        "invalid kubeconfig {origin}: {}",
                        crate::snapshot::load::one_line(&e.to_string())
                    ),
                    hint: hint.clone(),
                })?
        }
        Err(file_err) => {
            let mut c = Config::incluster().map_err(|_| Error::Cluster {
                message: format!(
                    "no usable kubeconfig: {}",
                    crate::snapshot::load::one_line(&file_err.to_string())
                ),
                hint: hint.clone(),
            })?;
            if let Some(t) = &opts.token {
                c.auth_info.token = Some(t.clone().into());
                c.auth_info.token_file = None;
            }
            if opts.insecure_skip_tls_verify {
                c.accept_invalid_certs = true;
            }
            if opts.tls_server_name.is_some() {
                c.tls_server_name = opts.tls_server_name.clone();
            }
            c
        }
    };
    let timeout = opts.request_timeout.unwrap_or(DEFAULT_TIMEOUT);
    config.connect_timeout = Some(timeout.min(Duration::from_secs(10)));
    config.read_timeout = Some(timeout);
    if let Some(who) = &opts.impersonate {
        config.auth_info.impersonate = Some(who.clone());
    }
    if !opts.impersonate_groups.is_empty() {
        config.auth_info.impersonate_groups = Some(opts.impersonate_groups.clone());
    }
    // kube-rs matches NO_PROXY against the proxy's address and ignores HTTP_PROXY: choose the
    // proxy as client-go does instead (see `transport::proxy_for`).
    config.proxy_url = super::transport::proxy_for(
        &config.cluster_url,
        kubeconfig_proxy.as_deref(),
        &super::transport::process_env,
    )
    .map_err(Error::Usage)?;
    // Our layer retries (429, 5xx, bounded by the request timeout); kube's would retry again.
    config.default_retry = false;
    let server = config.cluster_url.to_string();
    let identity = {
        let kc = match &opts.kubeconfig {
            Some(path) => Kubeconfig::read_from(path).ok(),
            None => Kubeconfig::read().ok(),
        };
        crate::identity::from_kubeconfig(
            kc.as_ref(),
            opts.context.as_deref(),
            opts.cluster.as_deref(),
            opts.user.as_deref(),
            &server,
        )
    };
    // The exec plugin runs once here, and its credential is reused by every request of the run
    // (kube-rs would run it up to three times while building the client, and tells it
    // `interactive: true` whatever standard input is).
    let exec = config.auth_info.exec.take();
    if let Some(e) = &exec {
        let e = e.clone();
        let cred = tokio::task::spawn_blocking(move || super::transport::exec_credential(&e))
            .await
            .map_err(|e| e.to_string())
            .and_then(|r| r)
            .map_err(|m| Error::Cluster {
                message: m,
                hint: Some(
                    "run the kubeconfig user's exec command yourself to see why, or pass --token"
                        .into(),
                ),
            })?;
        if let Some((cert, key)) = &cred.client_cert {
            config.auth_info.client_certificate_data = Some(super::transport::base64(cert));
            config.auth_info.client_key_data = Some(super::transport::base64(key).into());
        }
    }
    let exec = exec.filter(|_| config.auth_info.client_certificate_data.is_none());
    let layer = super::transport::RequestLayer::new(&server, timeout, exec);
    let client = super::client::build(&config, &layer).map_err(|e| Error::Cluster {
        message: format!(
            "cannot build a client for {server}: {}",
            crate::snapshot::load::one_line(&e)
        ),
        hint: None,
    })?;
    let default_namespace = client.default_namespace().to_string();
    Ok(Connection {
        client,
        default_namespace,
        server,
        timeout,
        identity,
        opened: Default::default(),
    })
}

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

pub(super) enum Outcome<T> {
    Ok(Vec<T>, usize),
    Err(Coverage, Option<Error>, usize),
}

pub(super) async fn list_all<K>(
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
pub(super) fn classify(e: &kube::Error, what: &str) -> (Coverage, Option<Error>) {
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
fn root_cause(e: &dyn std::error::Error) -> String {
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
/// The API server's clock: the `Date` header of a cheap request (`/version`), so ages are measured
/// against the cluster's time, not this machine's (a laptop's clock may be minutes off).
/// The server's clock (`Date` of its `/version` answer) and its `gitVersion`.
async fn server_clock(
    c: &Client,
    t: std::time::Duration,
) -> (Option<jiff::Timestamp>, Option<String>) {
    let Ok(req) = http::Request::get("/version").body(kube::client::Body::empty()) else {
        return (None, None);
    };
    let Some(res) = tokio::time::timeout(t, c.send(req))
        .await
        .ok()
        .and_then(|r| r.ok())
    else {
        return (None, None);
    };
    let clock = res
        .headers()
        .get(http::header::DATE)
        .and_then(|d| d.to_str().ok())
        .and_then(http_date);
    let body = tokio::time::timeout(t, res.into_body().collect_bytes())
        .await
        .ok()
        .and_then(|b| b.ok());
    let version = body
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("gitVersion")?.as_str().map(str::to_string));
    (clock, version)
}

/// When a live read was taken: the server's clock if it answered, else this machine's.
fn capture(server: Option<jiff::Timestamp>) -> Capture {
    match server {
        Some(at) => Capture {
            at,
            source: ClockSource::ServerClock,
        },
        None => Capture {
            at: jiff::Timestamp::now(),
            source: ClockSource::LocalClock,
        },
    }
}

/// How long the first read of a connection waits for the clock's request alone.
const OPENING: Duration = Duration::from_secs(2);

/// Runs `reads` beside the request for the server's clock, returning both: the capture time
/// (see [`server_clock`]) and the server's version.
///
/// On a connection's first use the clock's request goes first, alone, for up to [`OPENING`]: it
/// opens the one connection the reads then share over HTTP/2. Started together, every read would
/// open its own connection before ALPN could tell the client that the server speaks HTTP/2 (13
/// TLS handshakes for one `scan`, on the server's CPU as on ours). A server slow to answer costs
/// at most [`OPENING`] more than before.
pub(super) async fn with_clock<T>(
    conn: &Connection,
    reads: impl std::future::Future<Output = T>,
) -> (T, (Capture, Option<String>)) {
    let mut clock = std::pin::pin!(server_clock(&conn.client, conn.timeout));
    let first = !conn.opened.swap(true, std::sync::atomic::Ordering::Relaxed);
    let ((at, version), out) = match first {
        true => match tokio::time::timeout(OPENING.min(conn.timeout), &mut clock).await {
            Ok(c) => (c, reads.await),
            Err(_) => {
                let (out, c) = futures::join!(reads, clock);
                (c, out)
            }
        },
        false => {
            let (out, c) = futures::join!(reads, clock);
            (c, out)
        }
    };
    (out, (capture(at), version))
}

/// An HTTP `Date` (`Tue, 01 Dec 2026 21:30:00 GMT`, RFC 9110's IMF-fixdate).
fn http_date(s: &str) -> Option<jiff::Timestamp> {
    jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(s)
        .ok()
}

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
pub(super) async fn list_csi(
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
pub(super) struct Builder {
    pub(super) snap: Snapshot,
    pub(super) stats: FetchStats,
    pub(super) any_ok: usize,
    pub(super) fatal: Option<Error>,
}

impl Builder {
    /// The snapshot, or the error that made every read fail (or any read a 401).
    pub(super) fn finish(mut self) -> Result<(Snapshot, FetchStats)> {
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

    pub(super) fn take<K>(
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::io::{Read, Write};

    fn flag_config(opts: ConnectOptions) -> Config {
        let dir = tempfile::tempdir().expect("tempdir");
        let kc = dir.path().join("kubeconfig");
        std::fs::write(
            &kc,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://10.0.0.1:6443\n    certificate-authority-data: bm90IGEgY2VydA==\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: {token: from-file}\n",
        )
        .expect("write");
        let mut k = Kubeconfig::read_from(&kc).expect("read");
        let kopts = KubeConfigOptions::default();
        apply_overrides(&mut k, &kopts, &opts);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("rt");
        rt.block_on(Config::from_custom_kubeconfig(k, &kopts))
            .expect("config")
    }

    #[test]
    fn tls_flags_override_the_kubeconfig_cluster() {
        use secrecy::ExposeSecret;
        let c = flag_config(ConnectOptions {
            insecure_skip_tls_verify: true,
            tls_server_name: Some("api.internal".into()),
            server: Some("https://10.9.9.9:443".into()),
            token: Some("from-flag".into()),
            ..Default::default()
        });
        assert!(c.accept_invalid_certs);
        assert!(
            c.root_cert.is_none(),
            "the CA goes with --insecure-skip-tls-verify"
        );
        assert_eq!(c.tls_server_name.as_deref(), Some("api.internal"));
        assert_eq!(c.cluster_url.to_string(), "https://10.9.9.9:443/");
        assert_eq!(
            c.auth_info
                .token
                .as_ref()
                .map(|t| t.expose_secret().to_string()),
            Some("from-flag".to_string())
        );
        // --certificate-authority replaces the embedded CA with the file's.
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "not a pem").expect("write");
        let kc = dir.path().join("kubeconfig");
        std::fs::write(
            &kc,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://10.0.0.1:6443'}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: {token: t}\n",
        )
        .expect("write");
        let mut k = Kubeconfig::read_from(&kc).expect("read");
        apply_overrides(
            &mut k,
            &KubeConfigOptions::default(),
            &ConnectOptions {
                certificate_authority: Some(ca.clone()),
                ..Default::default()
            },
        );
        let cluster = k.clusters[0].cluster.as_ref().expect("cluster");
        assert_eq!(
            cluster.certificate_authority.as_deref(),
            Some(ca.display().to_string().as_str())
        );
        assert!(cluster.certificate_authority_data.is_none());
    }

    #[test]
    fn reads_an_http_date() {
        assert_eq!(
            super::http_date("Tue, 01 Dec 2026 21:30:05 GMT").map(|t| t.to_string()),
            Some("2026-12-01T21:30:05Z".to_string())
        );
        assert_eq!(super::http_date("yesterday"), None);
    }

    /// A stand-in API server answering GETs by path (query dropped) with canned JSON (the body
    /// `403`: a refusal), 404 for anything else; returns its address and the paths asked for.
    pub(crate) fn serve(
        routes: Vec<(&'static str, String)>,
    ) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = format!("http://{}", listener.local_addr().expect("addr"));
        let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = asked.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let routes = routes.clone();
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).to_string();
                    let target = head.split_whitespace().nth(1).unwrap_or_default();
                    let path = target.split('?').next().unwrap_or_default().to_string();
                    seen.lock().expect("lock").push(path.clone());
                    let (status, body) = match routes.iter().find(|(p, _)| *p == path) {
                        Some((_, body)) if body == "403" => (
                            "403 Forbidden",
                            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"forbidden","reason":"Forbidden","code":403}"#.to_string(),
                        ),
                        Some((_, body)) => ("200 OK", body.clone()),
                        None => (
                            "404 Not Found",
                            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","code":404}"#.to_string(),
                        ),
                    };
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        (addr, asked)
    }

    pub(crate) fn connection(addr: &str) -> Connection {
        let config = Config::new(addr.parse().expect("url"));
        Connection {
            client: Client::try_from(config).expect("client"),
            default_namespace: "default".into(),
            server: addr.into(),
            timeout: Duration::from_secs(5),
            identity: Default::default(),
            opened: Default::default(),
        }
    }

    pub(crate) fn empty_list(kind: &str, api_version: &str) -> String {
        format!(
            r#"{{"kind":"{kind}List","apiVersion":"{api_version}","metadata":{{}},"items":[]}}"#
        )
    }

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
