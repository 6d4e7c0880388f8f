//! The one way in: a command says what it needs ([`Need`]) and where from ([`Source`]), and
//! gets back a [`Snapshot`] whose coverage records what was and was not read, plus the `-v`
//! notes about how. Offline files and live reads both go through here; only [`crate::fetch`]
//! talks to the network.
//!
//! A `why` reads its chain by name ([`chain`]): the target, then its claims, node, events and
//! the small kinds (classes, drivers), then its PVs, CSINodes and VolumeAttachments, so one
//! pod's question costs the same on a 50-node or a 5,000-node cluster. `scan` and `dump` LIST.

pub mod chain;

use std::path::PathBuf;
use std::time::Instant;

use crate::chain::Target;
use crate::error::Result;
use crate::fetch::aws;
use crate::fetch::kube as kfetch;
use crate::snapshot::{load, Capture, ClockSource, Coverage, Kind, Scope, Snapshot};

/// Where the data comes from, and the flags that shape every read.
#[derive(Debug, Clone, Default)]
pub struct Source {
    /// Snapshot files or directories; empty means live.
    pub snapshot: Vec<PathBuf>,
    pub connect: kfetch::ConnectOptions,
    pub aws: aws::AwsOptions,
    /// `-n`: the namespace of the target (or of the scan).
    pub namespace: Option<String>,
    /// `--no-aws`: no EC2 at all.
    pub no_aws: bool,
    /// `--live-aws`: Kubernetes from files, EC2 live.
    pub live_aws: bool,
    /// `--kubelet-stats`: volume usage from the kubelets of the chain's nodes.
    pub kubelet_stats: bool,
}

/// What a command reads.
pub enum Reach<'a> {
    /// One chain (`why`, `dump TARGET`): read by name, O(chain).
    Chain(&'a Target),
    /// Every namespaced kind in these namespaces (`None`: all), plus the cluster-scoped kinds
    /// (`scan`, `dump`).
    Namespaces(Option<Vec<String>>),
    /// Like [`Reach::Namespaces`] for the one namespace of `-n`, else the kubeconfig context's
    /// (`why -l`).
    OwnNamespace,
    /// Only the cluster-scoped kinds (`preflight` against a cluster, `import-ebs`).
    ClusterScoped,
}

/// What a command needs.
pub struct Need<'a> {
    pub reach: Reach<'a>,
    /// With [`Reach::Namespaces`]: a label selector on pods and claims (`scan -l`); the
    /// namespaces the selection touches are then read whole.
    pub selector: Option<String>,
    /// Whether EC2 is asked about every volume of the cluster (orphans), not only the PVs read.
    pub cluster_wide_ec2: bool,
    /// What EC2 data is wanted.
    pub ec2: Ec2Need,
    /// Progress: called after each LIST page with the resource and the items it held.
    pub on_page: Option<kfetch::OnPage<'a>>,
    /// Progress: called when a phase starts ("reading EC2 volumes and instances").
    pub on_phase: Option<&'a (dyn Fn(&str) + Sync)>,
}

impl<'a> Need<'a> {
    pub fn new(reach: Reach<'a>) -> Self {
        Need {
            reach,
            selector: None,
            cluster_wide_ec2: false,
            ec2: Ec2Need::Auto,
            on_page: None,
            on_phase: None,
        }
    }
}

/// What EC2 data a command wants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ec2Need {
    /// The cross-checks: EC2 live for the PVs and nodes read (or from the files offline),
    /// honouring `--no-aws` and `--live-aws`.
    Auto,
    /// Only what snapshot files hold, untouched (`import-ebs` reads EC2 itself).
    Files,
    /// None (`preflight`).
    None,
}

/// A snapshot and how it was read.
pub struct Acquired {
    pub snap: Snapshot,
    /// The namespace the target was looked up in (the context's when `-n` was not given).
    pub namespace: String,
    /// `-v` notes: (level, line).
    pub notes: Vec<(u8, String)>,
    /// The live connection, for commands that go on to write (`import-ebs --apply`).
    pub connection: Option<kfetch::Connection>,
    /// Offline: the namespaces the files hold Namespace objects for (`None`: no such object).
    pub namespaces: Option<std::collections::BTreeSet<String>>,
}

/// Reads what `need` asks for from `source`.
pub fn acquire(source: &Source, need: &Need) -> Result<Acquired> {
    if !source.snapshot.is_empty() {
        return offline(source, need);
    }
    runtime()?.block_on(live(source, need))
}

/// [`acquire`] from a cluster, inside a runtime the command already runs (its connection is
/// returned for the writes that follow).
pub async fn acquire_live(source: &Source, need: &Need<'_>) -> Result<Acquired> {
    live(source, need).await
}

/// The names of one resource (`pods`, `persistentvolumeclaims`, `persistentvolumes`,
/// `statefulsets`, `namespaces`) for shell completion: metadata-only LISTs, everything bounded
/// by `timeout`, any failure an empty list (a completion must never print an error).
pub fn names(
    connect: &kfetch::ConnectOptions,
    resource: &str,
    namespace: Option<&str>,
    timeout: std::time::Duration,
) -> Vec<String> {
    let Ok(rt) = runtime() else {
        return Vec::new();
    };
    rt.block_on(async {
        let read = async {
            let conn = kfetch::connect(connect).await.ok()?;
            let ns = namespace.map_or(conn.default_namespace.clone(), str::to_string);
            kfetch::names(&conn, resource, &ns).await
        };
        tokio::time::timeout(timeout, read).await.ok().flatten()
    })
    .unwrap_or_default()
}

/// A Tokio runtime for the live reads.
/// The reference time of a diagnosis and where it came from: `KUBECTL_STORAGE_NOW` if set;
/// else the capture time (the server's clock live, the capture file of a dump); else, offline,
/// the newest timestamp in the snapshot; else this machine's clock. Commands read it here and
/// pass it to the pure phase (`report::diagnose`, `scan::scan`, `preflight::check`).
pub fn as_of(snap: &Snapshot) -> Capture {
    if let Some(at) = std::env::var("KUBECTL_STORAGE_NOW")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        return Capture {
            at,
            source: ClockSource::Environment,
        };
    }
    if let Some(c) = snap.captured {
        return c;
    }
    if snap.offline {
        if let Some(at) = snap.newest_timestamp() {
            return Capture {
                at,
                source: ClockSource::NewestTimestamp,
            };
        }
    }
    Capture {
        at: jiff::Timestamp::now(),
        source: ClockSource::LocalClock,
    }
}

/// The runtime of one command: one thread (a command's reads are I/O-bound).
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    built(tokio::runtime::Builder::new_current_thread().enable_all())
}

/// A runtime for `jobs` clusters read at once: one worker per core, at most `jobs`, so each
/// cluster's decoding runs beside the others' instead of after them.
pub fn runtime_on(jobs: usize) -> Result<tokio::runtime::Runtime> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let workers = jobs.clamp(1, cores);
    if workers == 1 {
        return runtime();
    }
    built(
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(workers)
            .enable_all(),
    )
}

fn built(b: &mut tokio::runtime::Builder) -> Result<tokio::runtime::Runtime> {
    b.build()
        .map_err(|e| crate::error::Error::Usage(format!("cannot start the async runtime: {e}")))
}

fn offline(source: &Source, need: &Need) -> Result<Acquired> {
    let namespace = source.namespace.clone().unwrap_or_else(|| "default".into());
    // A chain needs its namespace and the cluster-scoped kinds: other namespaces' objects are
    // skipped unbuilt (and recorded as not read).
    let filter = match &need.reach {
        Reach::Chain(target) => load::LoadFilter::for_target(Some(target), &namespace),
        _ => load::LoadFilter::default(),
    };
    let (mut snap, stats) = load::load_paths_filtered(&source.snapshot, &filter)?;
    let mut notes = load_notes(&stats);
    let done = |snap, notes| Acquired {
        snap,
        namespace: namespace.clone(),
        notes,
        connection: None,
        namespaces: stats.namespaces.clone(),
    };
    if need.ec2 == Ec2Need::Files {
        return Ok(done(snap, notes));
    }
    if source.no_aws || source.live_aws || need.ec2 == Ec2Need::None {
        // Either way the EC2 data the files held is not used.
        snap.ec2 = Default::default();
        snap.coverage.retain(|k, _| !k.is_ec2());
    }
    if need.ec2 == Ec2Need::None {
        return Ok(done(snap, notes));
    }
    if source.no_aws {
        aws::skip(&mut snap, "--no-aws");
    } else if source.live_aws {
        let pvs = match &need.reach {
            Reach::Chain(target) => chain_pvs(&snap, target, &namespace),
            _ => None,
        };
        let fetched = runtime()?.block_on(aws::fetch(
            pvs.as_ref().unwrap_or(&snap.pvs),
            &snap.nodes,
            &source.aws,
            need.cluster_wide_ec2,
        ));
        notes.extend(ec2_notes(&fetched));
        fetched.apply(&mut snap);
    }
    Ok(done(snap, notes))
}

/// The PVs a target's chain reaches (so EC2 is asked only about their volumes), or `None` when
/// the chain cannot be resolved.
fn chain_pvs(
    snap: &Snapshot,
    target: &Target,
    ns: &str,
) -> Option<Vec<crate::model::PersistentVolume>> {
    let cx = crate::ctx::Ctx::new(snap, as_of(snap).at);
    let (_, focus) = crate::chain::resolve(&cx, target, ns).ok()?;
    Some(focus.pvs.iter().map(|pv| (*pv).clone()).collect())
}

async fn live(source: &Source, need: &Need<'_>) -> Result<Acquired> {
    let conn = kfetch::connect(&source.connect).await?;
    acquire_on(conn, source, need).await
}

/// [`acquire`] over a connection already made (`why --watch` reads again on the same one).
pub async fn acquire_on(
    conn: kfetch::Connection,
    source: &Source,
    need: &Need<'_>,
) -> Result<Acquired> {
    let namespace = source
        .namespace
        .clone()
        .unwrap_or_else(|| conn.default_namespace.clone());
    let mut notes = Vec::new();
    let started = Instant::now();
    let (mut snap, stats) = match &need.reach {
        Reach::Chain(target) => {
            notes.push((
                1,
                format!("reading from {} (namespace {namespace})", conn.server),
            ));
            let read = chain::read(&conn, target, &namespace, source.kubelet_stats).await?;
            notes.extend(read.notes);
            (read.snap, read.stats)
        }
        Reach::Namespaces(namespaces) => {
            notes.push((
                1,
                format!(
                    "reading from {} ({})",
                    conn.server,
                    match namespaces {
                        None => "all namespaces".to_string(),
                        Some(list) => format!("namespace {}", list.join(", ")),
                    }
                ),
            ));
            lists(&conn, namespaces.clone(), need).await?
        }
        Reach::OwnNamespace => {
            notes.push((
                1,
                format!("reading from {} (namespace {namespace})", conn.server),
            ));
            lists(&conn, Some(vec![namespace.clone()]), need).await?
        }
        Reach::ClusterScoped => {
            notes.push((1, format!("reading from {}", conn.server)));
            let plan = kfetch::Plan {
                namespaces: Some(Vec::new()),
                statefulsets: false,
                workloads: false,
                cluster_scoped: true,
            };
            kfetch::fetch(&conn, &plan).await?
        }
    };
    notes.push((
        1,
        format!(
            "{} Kubernetes requests in {} wave(s), {} ms",
            stats.requests,
            stats.waves,
            started.elapsed().as_millis()
        ),
    ));
    if need.ec2 == Ec2Need::Auto {
        if source.no_aws {
            aws::skip(&mut snap, "--no-aws");
        } else {
            if let Some(f) = need.on_phase {
                f("reading EC2 volumes and instances");
            }
            let pvs = match &need.reach {
                Reach::Chain(target) => chain_pvs(&snap, target, &namespace),
                _ => None,
            };
            let fetched = aws::fetch(
                pvs.as_ref().unwrap_or(&snap.pvs),
                &snap.nodes,
                &source.aws,
                need.cluster_wide_ec2,
            )
            .await;
            notes.extend(ec2_notes(&fetched));
            fetched.apply(&mut snap);
        }
    }
    Ok(Acquired {
        snap,
        namespace,
        notes,
        connection: Some(conn),
        namespaces: None,
    })
}

/// Whole-kind LISTs (`scan`, `dump`): one wave, and with a selector a second one for the
/// namespaces the selection touches.
async fn lists(
    conn: &kfetch::Connection,
    namespaces: Option<Vec<String>>,
    need: &Need<'_>,
) -> Result<(Snapshot, kfetch::FetchStats)> {
    use std::collections::BTreeSet;
    let plan = kfetch::Plan {
        namespaces,
        // The workloads whose templates may name a claim no pod uses (`pvc-unused`).
        statefulsets: true,
        workloads: true,
        cluster_scoped: true,
    };
    let opts = kfetch::ListOptions {
        label_selector: need.selector.clone(),
        // With a selector the first wave only finds the selection; events come with wave two.
        skip_events: need.selector.is_some(),
        on_page: need.on_page,
        ..Default::default()
    };
    let (mut snap, mut stats) = kfetch::fetch_with(conn, &plan, &opts).await?;
    if need.selector.is_some() {
        // Rules look at every pod and claim near a selected one (who else uses this claim?), so
        // the namespaces the selection touches are read whole, unfiltered, in a second wave.
        let touched: BTreeSet<String> = snap
            .pods
            .iter()
            .filter_map(|p| p.metadata.namespace.clone())
            .chain(
                snap.pvcs
                    .iter()
                    .filter_map(|c| c.metadata.namespace.clone()),
            )
            .collect();
        snap.pods.clear();
        snap.pvcs.clear();
        for kind in [Kind::Pod, Kind::PersistentVolumeClaim, Kind::Event] {
            if matches!(snap.coverage.get(&kind), Some(Coverage::Read(_)) | None) {
                snap.coverage.remove(&kind);
                snap.mark_read(kind, Scope::Namespaces(BTreeSet::new()));
            }
        }
        if !touched.is_empty() {
            let plan = kfetch::Plan {
                namespaces: Some(touched.into_iter().collect()),
                statefulsets: false,
                workloads: false,
                cluster_scoped: false,
            };
            let opts = kfetch::ListOptions {
                on_page: need.on_page,
                ..Default::default()
            };
            let (more, more_stats) = kfetch::fetch_with(conn, &plan, &opts).await?;
            snap.absorb(more);
            stats.requests += more_stats.requests;
            stats.waves += 1;
        }
    }
    Ok((snap, stats))
}

/// The `-v` notes about what a snapshot load read: counts, ignored kinds, duplicates.
pub fn load_notes(stats: &load::LoadStats) -> Vec<(u8, String)> {
    let mut notes = vec![(
        1,
        format!("read {} objects from {} files", stats.objects, stats.files),
    )];
    for (kind, n) in &stats.ignored {
        notes.push((
            1,
            format!("ignored {n} {kind} object(s): not used by the diagnosis"),
        ));
    }
    if stats.out_of_scope > 0 {
        notes.push((
            1,
            format!(
                "skipped {} object(s) in namespaces the target does not reach",
                stats.out_of_scope
            ),
        ));
    }
    for (kind, n) in &stats.duplicates {
        notes.push((1, format!("{n} {kind} object(s) were given more than once (same namespace and name): the last one read is used")));
    }
    notes
}

/// `-v`: what the EC2 side read, with call counts and time.
pub fn ec2_notes(f: &aws::Ec2Fetch) -> Vec<(u8, String)> {
    let mut notes = Vec::new();
    if let (Some(region), Some(src)) = (&f.region, f.region_source) {
        notes.push((
            1,
            format!(
                "EC2 region {region} (from {src}): {} calls ({}) in {} wave(s), {} ms",
                f.total_calls,
                f.calls,
                f.waves,
                f.elapsed.as_millis()
            ),
        ));
    }
    for (k, c) in &f.coverage {
        match c {
            Coverage::Read(_) => {}
            Coverage::Forbidden(r) | Coverage::Failed(r) | Coverage::NotChecked(r) => {
                notes.push((1, format!("EC2 not checked: {}: {r}", k.plural())))
            }
        }
    }
    notes
}
