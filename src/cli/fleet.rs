//! Many clusters at once: `scan --context A --context B …` / `--all-contexts`, and `serve`
//! (scan on an interval, expose the last scan over HTTP for Prometheus).
//!
//! Each context is read by [`acquire::acquire_live`] with its own [`acquire::Source`] inside
//! one runtime, at most `--parallel` at a time; a cluster that cannot be read is an outcome
//! (unreachable / forbidden, with its reason), never the end of the run.

use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;
use futures::StreamExt;
use serde::Serialize;

use super::scan::{plan, ScanArgs};
use super::{print, GlobalArgs};
use crate::acquire::{self, Need, Reach};
use crate::error::{Error, Result};
use crate::render::prometheus as prom;
use crate::render::Format;
use crate::rules::Severity;
use crate::scan::price::Prices;
use crate::scan::{self, ScanReport, Scope};
use crate::snapshot::{Coverage, Kind};

pub const SERVE_HELP: &str =
    "Scans like `scan` (same flags, several --context or --all-contexts too), then again every
--interval, and serves the last scan over HTTP:
  GET /metrics   the Prometheus text exposition (as `scan -o prometheus`), text/plain; version=0.0.4
  GET /healthz   200 once a scan has completed, 503 before
Stops on ctrl-c or SIGTERM. --listen 127.0.0.1:0 picks a free port (printed on stderr).

Examples:
  kubectl storage serve                              the current context, :9090, every 5m
  kubectl storage serve --all-contexts --interval 15m --listen 127.0.0.1:9100
  kubectl storage serve --snapshot ./bundle --interval 30s   offline, for demos and tests";

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub scan: ScanArgs,
    /// Address to listen on: HOST:PORT, or :PORT for every interface.
    #[arg(long, value_name = "ADDR:PORT", default_value = ":9090")]
    pub listen: String,
    /// Time between the end of one scan and the start of the next (e.g. 5m, 30s, 100ms).
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = super::parse_duration)]
    pub interval: Duration,
    /// Stop after this many scans (tests and benchmarks; 0: never).
    #[arg(long, value_name = "N", default_value_t = 0, hide = true)]
    pub max_scans: u64,
}

/// How one cluster's scan went.
pub enum Outcome {
    Scanned(Box<ScanReport>),
    Unreachable(String),
    Forbidden(String),
}

/// One cluster's result.
pub struct ClusterResult {
    pub context: String,
    pub outcome: Outcome,
    pub duration: Duration,
}

impl ClusterResult {
    fn outcome_name(&self) -> &'static str {
        match self.outcome {
            Outcome::Scanned(_) => "scanned",
            Outcome::Unreachable(_) => "unreachable",
            Outcome::Forbidden(_) => "forbidden",
        }
    }
}

/// Everything a fleet run needs besides the contexts.
struct Job {
    source: acquire::Source,
    scope: Scope,
    prices: Prices,
    profiles: BTreeMap<String, String>,
    parallel: usize,
}

fn job(global: &GlobalArgs, args: &ScanArgs) -> Result<(Job, Vec<String>)> {
    let (scope, prices) = plan(global, args)?;
    let mut profiles = BTreeMap::new();
    for spec in &args.aws_profile_for {
        let Some((ctx, profile)) = spec
            .split_once('=')
            .filter(|(c, p)| !c.is_empty() && !p.is_empty())
        else {
            return Err(Error::Usage(format!(
                "--aws-profile-for {spec:?}: use CONTEXT=PROFILE"
            )));
        };
        if !global.no_aws {
            crate::fetch::aws::check_profile(profile)?;
        }
        profiles.insert(ctx.to_string(), profile.to_string());
    }
    let contexts = if global.snapshot.is_empty() {
        let mut contexts = if args.all_contexts {
            crate::fetch::kube::context_names(global.kubeconfig.as_deref())?
        } else {
            Vec::new()
        };
        for c in &global.context {
            if !contexts.contains(c) {
                contexts.push(c.clone());
            }
        }
        if args.all_contexts && contexts.is_empty() {
            return Err(Error::Usage(
                "--all-contexts: the kubeconfig has no contexts".into(),
            ));
        }
        contexts
    } else if global.context.len() > 1 || args.all_contexts {
        return Err(Error::Usage(
            "several contexts read live clusters: drop --snapshot, or give one --context".into(),
        ));
    } else {
        Vec::new()
    };
    for ctx in profiles.keys() {
        if !contexts.is_empty() && !contexts.contains(ctx) {
            return Err(Error::Usage(format!(
                "--aws-profile-for {ctx:?}: not one of the contexts scanned ({})",
                contexts.join(", ")
            )));
        }
    }
    let mut source = global.source();
    // Contexts of one API server share its connection (and `serve` keeps it between scans
    // while it is fresh: the pool drops a connection idle for 90 s).
    source.connect.transports = Some(Default::default());
    Ok((
        Job {
            source,
            scope,
            prices,
            profiles,
            parallel: usize::from(args.parallel),
        },
        contexts,
    ))
}

/// Why a cluster could not be read, as an outcome.
fn failed(e: &Error) -> Outcome {
    // Classified on the error line alone: a hint may name a server whose port holds "401".
    let low = e.to_string().to_ascii_lowercase();
    let msg = match e.hint() {
        Some(h) => format!("{e} (hint: {h})"),
        None => e.to_string(),
    };
    if low.contains("forbidden") || low.contains("unauthorized") {
        Outcome::Forbidden(msg)
    } else {
        Outcome::Unreachable(msg)
    }
}

/// Reads and scans one context.
async fn one(job: Arc<Job>, context: Option<String>) -> ClusterResult {
    let started = Instant::now();
    let mut source = job.source.clone();
    if let Some(c) = &context {
        source.connect.context = Some(c.clone());
        if let Some(p) = job.profiles.get(c) {
            source.aws.profile = Some(p.clone());
        }
    }
    let name = context
        .clone()
        .or_else(|| job.source.connect.context.clone())
        .unwrap_or_default();
    let scope = job.scope.clone();
    let snap = if source.snapshot.is_empty() {
        let mut need = Need::new(Reach::Namespaces(scope.namespace.clone().map(|n| vec![n])));
        need.selector = scope.selector.as_ref().map(|s| s.as_str().to_string());
        need.cluster_wide_ec2 = scope.cluster_wide();
        acquire::acquire_live(&source, &need).await.map(|a| a.snap)
    } else {
        // Offline reads block (and may start their own runtime for --live-aws): off this thread.
        let scope = scope.clone();
        tokio::task::spawn_blocking(move || {
            let mut need = Need::new(Reach::Namespaces(scope.namespace.clone().map(|n| vec![n])));
            need.selector = scope.selector.as_ref().map(|s| s.as_str().to_string());
            need.cluster_wide_ec2 = scope.cluster_wide();
            acquire::acquire(&source, &need).map(|a| a.snap)
        })
        .await
        .unwrap_or_else(|e| Err(Error::Usage(format!("the snapshot read stopped: {e}"))))
    };
    let outcome = match snap {
        Err(e) => failed(&e),
        Ok(snap) => match (
            snap.coverage.get(&Kind::Pod),
            snap.coverage.get(&Kind::PersistentVolumeClaim),
        ) {
            (Some(Coverage::Forbidden(r)), Some(Coverage::Forbidden(_))) => {
                Outcome::Forbidden(format!("listing pods and claims is forbidden: {r}"))
            }
            _ => {
                // The rules are CPU work: on the blocking pool, so the other clusters' reads go
                // on meanwhile, on every core.
                let prices = job.prices.clone();
                let done = tokio::task::spawn_blocking(move || {
                    scan::scan(&snap, &scope, &prices, acquire::as_of(&snap))
                })
                .await;
                match done {
                    Ok(mut report) => {
                        report.report.cluster.duration_ms =
                            Some(u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX));
                        Outcome::Scanned(Box::new(report))
                    }
                    Err(e) => Outcome::Unreachable(format!("the scan stopped: {e}")),
                }
            }
        },
    };
    ClusterResult {
        context: name,
        outcome,
        duration: started.elapsed(),
    }
}

/// Scans every context, `job.parallel` at a time, each in its own task (so clusters decode
/// on every worker of the runtime); results in the order of `contexts`.
async fn scan_all(job: &Arc<Job>, contexts: &[String]) -> Vec<ClusterResult> {
    if contexts.is_empty() {
        return vec![one(job.clone(), None).await];
    }
    let mut results: Vec<(usize, ClusterResult)> =
        futures::stream::iter(contexts.iter().enumerate().map(|(i, c)| {
            let (job, context) = (job.clone(), c.clone());
            async move {
                let result = match tokio::spawn(one(job, Some(context.clone()))).await {
                    Ok(r) => r,
                    Err(e) => ClusterResult {
                        context,
                        outcome: Outcome::Unreachable(format!("the scan stopped: {e}")),
                        duration: Duration::ZERO,
                    },
                };
                (i, result)
            }
        }))
        .buffer_unordered(job.parallel.max(1))
        .collect()
        .await;
    results.sort_by_key(|(i, _)| *i);
    results.into_iter().map(|(_, r)| r).collect()
}

/// `scan` with several contexts.
pub fn scan(global: &GlobalArgs, args: &ScanArgs) -> Result<ExitCode> {
    let (job, contexts) = job(global, args)?;
    let job = Arc::new(job);
    let results = acquire::runtime_on(job.parallel)?.block_on(scan_all(&job, &contexts));
    for r in &results {
        if let Outcome::Unreachable(why) | Outcome::Forbidden(why) = &r.outcome {
            global.note(
                1,
                format!("context {}: {}: {why}", r.context, r.outcome_name()),
            );
        }
    }
    let text = match global.output {
        Format::Human => human(&results, global, args.details),
        Format::Json => crate::render::to_json(&machine(&results)?)? + "\n",
        Format::Yaml => crate::render::to_yaml(&machine(&results)?)?,
        Format::Prometheus => exposition(&results, args.metrics_object_names),
        f => {
            return Err(Error::Usage(format!(
                "-o {} reports one cluster: give one --context (or use -o json)",
                format!("{f:?}").to_ascii_lowercase()
            )))
        }
    };
    print(&text);
    Ok(exit_code(global, &results))
}

/// The worst over clusters: a cluster not read counts as an error finding; 2 when none was read.
fn exit_code(global: &GlobalArgs, results: &[ClusterResult]) -> ExitCode {
    if results
        .iter()
        .all(|r| !matches!(r.outcome, Outcome::Scanned(_)))
    {
        return ExitCode::from(super::Exit::Usage);
    }
    global.fail_on.exit_code(results.iter().flat_map(|r| {
        match &r.outcome {
            Outcome::Scanned(rep) => rep
                .report
                .findings
                .iter()
                .map(|f| f.severity)
                .collect::<Vec<_>>(),
            _ => vec![Severity::Error],
        }
    }))
}

fn counts(r: &ScanReport) -> (usize, usize) {
    let n = |s| r.report.findings.iter().filter(|f| f.severity == s).count();
    (n(Severity::Error), n(Severity::Warning))
}

/// The summary table across clusters, then each cluster's own report.
fn human(results: &[ClusterResult], global: &GlobalArgs, details: bool) -> String {
    let mut rows = vec![[
        "CONTEXT".to_string(),
        "OUTCOME".into(),
        "ERRORS".into(),
        "WARNINGS".into(),
        "ORPHANED EBS".into(),
        "DURATION".into(),
    ]];
    for r in results {
        let dur = format!("{:.1}s", r.duration.as_secs_f64());
        rows.push(match &r.outcome {
            Outcome::Scanned(rep) => {
                let (e, w) = counts(rep);
                [
                    r.context.clone(),
                    "scanned".into(),
                    e.to_string(),
                    w.to_string(),
                    format!(
                        "{} (${:.2}/month)",
                        rep.scan.orphans.len(),
                        rep.scan.orphans_monthly_usd
                    ),
                    dur,
                ]
            }
            _ => [
                r.context.clone(),
                r.outcome_name().into(),
                "-".into(),
                "-".into(),
                "-".into(),
                dur,
            ],
        });
    }
    let widths: Vec<usize> = (0..6)
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    let mut out = String::new();
    for row in &rows {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        out.push_str(line.join("  ").trim_end());
        out.push('\n');
    }
    let style = global.style();
    for r in results {
        out.push_str(&format!("\n== {} ({}) ==\n", r.context, r.outcome_name()));
        match &r.outcome {
            Outcome::Scanned(rep) => {
                out.push_str(&crate::render::scan::render(rep, &style, details))
            }
            Outcome::Unreachable(why) | Outcome::Forbidden(why) => {
                out.push_str(why);
                out.push('\n');
            }
        }
    }
    out
}

/// A cluster that could not be read, in the JSON list.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotRead<'a> {
    schema_version: u32,
    outcome: &'a str,
    reason: &'a str,
    cluster: NotReadCluster<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct NotReadCluster<'a> {
    context: &'a str,
    duration_ms: u64,
}

/// `-o json`/`yaml`: a list of per-cluster reports, each with `outcome` (and `reason` when not
/// scanned) and its `cluster` identity.
fn machine(results: &[ClusterResult]) -> Result<Vec<serde_json::Value>> {
    results
        .iter()
        .map(|r| {
            let v = match &r.outcome {
                Outcome::Scanned(rep) => {
                    let mut v = serde_json::to_value(rep.as_ref());
                    if let Ok(serde_json::Value::Object(m)) = &mut v {
                        m.insert("outcome".into(), "scanned".into());
                    }
                    v
                }
                Outcome::Unreachable(why) | Outcome::Forbidden(why) => {
                    serde_json::to_value(NotRead {
                        schema_version: 1,
                        outcome: r.outcome_name(),
                        reason: why,
                        cluster: NotReadCluster {
                            context: &r.context,
                            duration_ms: u64::try_from(r.duration.as_millis()).unwrap_or(u64::MAX),
                        },
                    })
                }
            };
            v.map_err(|e| Error::Usage(format!("cannot render JSON: {e}")))
        })
        .collect()
}

/// All clusters in one exposition.
fn exposition(results: &[ClusterResult], object_names: bool) -> String {
    let clusters: Vec<prom::Cluster> = results
        .iter()
        .map(|r| match &r.outcome {
            Outcome::Scanned(rep) => prom::Cluster {
                label: Some(prom::cluster_label(rep))
                    .filter(|l| !l.is_empty())
                    .unwrap_or_else(|| r.context.clone()),
                outcome: prom::Outcome::Scanned(rep),
                duration: r.duration,
            },
            _ => prom::Cluster {
                label: r.context.clone(),
                outcome: prom::Outcome::Failed,
                duration: r.duration,
            },
        })
        .collect();
    prom::exposition(&clusters, &prom::Options { object_names })
}

/// What `serve` answers with.
#[derive(Default)]
struct Served {
    metrics: Option<String>,
    scans: u64,
}

/// `serve`: scan, publish, sleep, again; HTTP alongside.
pub fn serve(global: &GlobalArgs, args: &ServeArgs) -> Result<ExitCode> {
    if !matches!(global.output, Format::Human | Format::Prometheus) {
        return Err(Error::Usage(
            "serve exposes Prometheus metrics: -o does not apply".into(),
        ));
    }
    let (job, contexts) = job(global, &args.scan)?;
    let listen = match args.listen.strip_prefix(':') {
        Some(port) => format!("0.0.0.0:{port}"),
        None => args.listen.clone(),
    };
    let job = Arc::new(job);
    let rt = acquire::runtime_on(job.parallel)?;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&listen)
            .await
            .map_err(|e| Error::Usage(format!("--listen {}: {e}", args.listen)))?;
        let addr = listener
            .local_addr()
            .map_err(|e| Error::Usage(format!("--listen {}: {e}", args.listen)))?;
        eprintln!("serving on http://{addr}/metrics");
        let state = Arc::new(Mutex::new(Served::default()));
        let scanner = async {
            loop {
                let results = scan_all(&job, &contexts).await;
                for r in &results {
                    if let Outcome::Unreachable(why) | Outcome::Forbidden(why) = &r.outcome {
                        global.note(
                            0,
                            format!("context {}: {}: {why}", r.context, r.outcome_name()),
                        );
                    }
                }
                let text = exposition(&results, args.scan.metrics_object_names);
                drop(results);
                let scans = {
                    let mut s = state.lock().unwrap_or_else(|p| p.into_inner());
                    s.metrics = Some(text);
                    s.scans += 1;
                    s.scans
                };
                global.note(1, format!("scan {scans} done"));
                if args.max_scans != 0 && scans >= args.max_scans {
                    return;
                }
                tokio::time::sleep(args.interval).await;
            }
        };
        let server = async {
            loop {
                let Ok((conn, _)) = listener.accept().await else {
                    continue;
                };
                let state = state.clone();
                tokio::spawn(async move {
                    let _ =
                        tokio::time::timeout(Duration::from_secs(10), answer(conn, state)).await;
                });
            }
        };
        tokio::select! {
            _ = scanner => {}
            _ = server => {}
            _ = stop() => { eprintln!("stopping"); }
        }
        Ok::<_, Error>(())
    })?;
    Ok(ExitCode::from(super::Exit::Clean))
}

/// Resolves on ctrl-c or SIGTERM.
async fn stop() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

/// One HTTP/1.1 exchange: read the request head, answer, close.
async fn answer(mut conn: tokio::net::TcpStream, state: Arc<Mutex<Served>>) -> std::io::Result<()> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = Vec::with_capacity(1024);
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 16 * 1024 {
        let n = conn.read(&mut buf).await?;
        if n == 0 {
            break;
        }
        head.extend_from_slice(&buf[..n]);
    }
    let line = String::from_utf8_lossy(&head);
    let mut parts = line.lines().next().unwrap_or("").split_whitespace();
    let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = target.split('?').next().unwrap_or("");
    let (status, ctype, body) = match (method, path) {
        ("GET" | "HEAD", "/metrics") => {
            let s = state.lock().unwrap_or_else(|p| p.into_inner());
            match &s.metrics {
                Some(m) => (
                    "200 OK",
                    "text/plain; version=0.0.4; charset=utf-8",
                    m.clone(),
                ),
                None => (
                    "503 Service Unavailable",
                    "text/plain; charset=utf-8",
                    "no scan has completed yet\n".to_string(),
                ),
            }
        }
        ("GET" | "HEAD", "/healthz") => {
            let done = state.lock().unwrap_or_else(|p| p.into_inner()).scans > 0;
            if done {
                ("200 OK", "text/plain; charset=utf-8", "ok\n".to_string())
            } else {
                (
                    "503 Service Unavailable",
                    "text/plain; charset=utf-8",
                    "no scan has completed yet\n".to_string(),
                )
            }
        }
        ("GET" | "HEAD", _) => (
            "404 Not Found",
            "text/plain; charset=utf-8",
            "not found: try /metrics or /healthz\n".to_string(),
        ),
        _ => (
            "405 Method Not Allowed",
            "text/plain; charset=utf-8",
            "only GET\n".to_string(),
        ),
    };
    let mut resp = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .into_bytes();
    if method != "HEAD" {
        resp.extend_from_slice(body.as_bytes());
    }
    conn.write_all(&resp).await?;
    conn.shutdown().await
}

#[cfg(test)]
mod tests {
    use super::{failed, Error, Outcome};

    #[test]
    fn refused_credentials_are_forbidden_and_a_port_holding_401_is_not() {
        let e = |message: &str, hint: Option<&str>| Error::Cluster {
            message: message.into(),
            hint: hint.map(str::to_string),
        };
        let down = e(
            "cannot reach the API server: Connection refused (os error 111)",
            Some("is https://127.0.0.1:40123 up?"),
        );
        assert!(matches!(failed(&down), Outcome::Unreachable(r) if r.contains("40123")));
        let locked = e(
            "the API server rejected our credentials (401 Unauthorized)",
            None,
        );
        assert!(matches!(failed(&locked), Outcome::Forbidden(_)));
    }
}
