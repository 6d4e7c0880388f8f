//! `scan`: every claim, volume and pod in scope, plus orphaned EBS volumes, in one report.
//!
//! Live, it reads by LIST, never by GET: one paginated LIST per kind, all in parallel (plus, with
//! `-l`, a second wave for the namespaces the selection touches), then EC2 by batched id lookups
//! and one tag-filtered listing for orphans. Round trips grow with kinds and pages, not claims.

use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use clap::Args;

use super::{print, GlobalArgs};
use crate::acquire::{self, acquire, Need, Reach};
use crate::error::{Error, Result};
use crate::render::Format;
use crate::scan::price::Prices;
use crate::scan::selector::Selector;
use crate::scan::{self, KindFilter, Scope};
use crate::snapshot::Snapshot;

pub const AFTER_HELP: &str =
    "Scans all namespaces unless -n is given. Orphaned EBS volumes (available, created for
Kubernetes, backing no PV) are searched only in an unnarrowed scan (no -n, no -l).

Orphan costs use us-east-1 list prices per GB-month (gp3 $0.08, gp2 $0.10, io1/io2 $0.125 plus
provisioned IOPS, st1 $0.045, sc1 $0.015, standard $0.05); other regions: --price-per-gb gp3=0.0952.

Examples:
  kubectl storage scan                         every namespace, summary table
  kubectl storage scan -n prod --details       one namespace, with evidence and fixes
  kubectl storage scan -l app=postgres -o json selected pods and their claims, for machines
  kubectl storage scan --kind pv               only findings about volumes (and orphans)
  kubectl storage scan --snapshot ./bundle     offline, from `kubectl storage dump`
  kubectl storage scan -o prometheus           metrics, for a textfile collector or a Pushgateway
  kubectl storage scan --unused-after 7d       claims no pod or workload uses: warnings after 7 days
  kubectl storage scan --context prod-eu --context prod-us
                                               two clusters: one summary table, then each one's findings
  kubectl storage scan --all-contexts --parallel 8 -o json
                                               every kubeconfig context, 8 at a time, a list of reports
  kubectl storage scan --all-contexts --aws-profile-for prod-eu=eu-admin
                                               one context's EC2 reads with another AWS profile

With several contexts, a cluster that cannot be read is listed as unreachable or forbidden, with
its reason, and the others are still scanned. The exit code is the worst over the clusters; a
cluster that could not be read counts as an error finding (so --fail-on error exits 1), and 2
only when no cluster could be read.";

#[derive(Debug, Args)]
pub struct ScanArgs {
    /// Scan every namespace (the default unless -n is given; wins over -n).
    #[arg(short = 'A', long)]
    pub all_namespaces: bool,
    /// Label selector on pods and claims (k=v, k!=v, k in (a,b), …); a selected pod's claims are included.
    #[arg(short = 'l', long, value_name = "SELECTOR")]
    pub selector: Option<String>,
    /// Only report findings about this kind of object (every rule still runs).
    #[arg(long, value_enum, value_name = "KIND")]
    pub kind: Option<KindFilter>,
    /// Print every finding with its evidence and fix below the table.
    #[arg(long)]
    pub details: bool,
    /// Monthly price per GB for an EBS volume type, e.g. gp3=0.0952 (repeatable; default:
    /// us-east-1 list prices).
    #[arg(long, value_name = "TYPE=USD")]
    pub price_per_gb: Vec<String>,
    /// A claim no Pod or workload template uses is a warning once older than this (pvc-unused;
    /// e.g. 30d, 12h).
    #[arg(long, value_name = "AGE", default_value = "30d", value_parser = parse_age)]
    pub unused_after: i64,
    /// With -o prometheus: also one series per finding and per orphaned volume, naming the
    /// object (high cardinality; off by default).
    #[arg(long)]
    pub metrics_object_names: bool,
    /// Scan every context of the kubeconfig (merged from $KUBECONFIG), one cluster each.
    #[arg(long)]
    pub all_contexts: bool,
    /// With several contexts: how many clusters are read at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..))]
    pub parallel: u16,
    /// The AWS profile for one context's EC2 reads, CONTEXT=PROFILE (repeatable; others use
    /// --profile or the default chain).
    #[arg(long, value_name = "CONTEXT=PROFILE")]
    pub aws_profile_for: Vec<String>,
}

/// `30d`, `12h`, `90m`, `3600s` (or bare seconds) as seconds.
fn parse_age(s: &str) -> std::result::Result<i64, String> {
    let t = s.trim();
    let (num, unit) = t.split_at(t.find(|c: char| !c.is_ascii_digit()).unwrap_or(t.len()));
    let n: i64 = num
        .parse()
        .map_err(|_| format!("invalid age {s:?}: use e.g. 30d, 12h"))?;
    let per = match unit {
        "" | "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        "w" => 7 * 86_400,
        _ => return Err(format!("invalid age {s:?}: use e.g. 30d, 12h")),
    };
    n.checked_mul(per)
        .ok_or_else(|| format!("invalid age {s:?}: too large"))
}

/// The scope and price table the flags ask for.
pub(super) fn plan(global: &GlobalArgs, args: &ScanArgs) -> Result<(Scope, Prices)> {
    let selector = args
        .selector
        .as_deref()
        .map(Selector::parse)
        .transpose()
        .map_err(Error::Usage)?;
    let prices = Prices::default()
        .with_overrides(&args.price_per_gb)
        .map_err(Error::Usage)?;
    let scope = Scope {
        namespace: if args.all_namespaces {
            None
        } else {
            global.namespace.clone()
        },
        selector,
        kind: args.kind,
        unused_after: Some(args.unused_after),
    };
    Ok((scope, prices))
}

pub fn run(global: &GlobalArgs, args: &ScanArgs) -> Result<ExitCode> {
    if global.context.len() > 1 || args.all_contexts {
        return super::fleet::scan(global, args);
    }
    crate::render::sarif_needs_snapshot(global.output, &global.snapshot)?;
    let (scope, prices) = plan(global, args)?;
    let snap = read(global, &scope)?;
    let started = Instant::now();
    let report = scan::scan(&snap, &scope, &prices, acquire::as_of(&snap));
    global.note(
        1,
        format!(
            "scanned {} pods, {} claims, {} PVs in {} ms",
            report.scan.checked.pods,
            report.scan.checked.persistent_volume_claims,
            report.scan.checked.persistent_volumes,
            started.elapsed().as_millis()
        ),
    );
    let text = match global.output {
        Format::Human => crate::render::scan::render(&report, &global.style(), args.details),
        Format::Json => crate::render::to_json(&report)? + "\n",
        Format::Yaml => crate::render::to_yaml(&report)?,
        Format::Prometheus => {
            use crate::render::prometheus as prom;
            let cluster = prom::Cluster {
                label: prom::cluster_label(&report),
                outcome: prom::Outcome::Scanned(&report),
                duration: std::time::Duration::from_millis(
                    report.report.cluster.duration_ms.unwrap_or_default(),
                ),
            };
            prom::exposition(
                &[cluster],
                &prom::Options {
                    object_names: args.metrics_object_names,
                },
            )
        }
        f @ (Format::Sarif | Format::Junit | Format::Github) => crate::render::findings_ci_at(
            f,
            "scan",
            &report.report.findings,
            crate::rules::ObjectRef::new("Scan", None, "scope"),
            &if f == Format::Sarif {
                crate::render::snapshot_locations(&global.snapshot, &report.report.findings)
            } else {
                Vec::new()
            },
        ),
    };
    print(&text);
    Ok(global
        .fail_on
        .exit_code(report.report.findings.iter().map(|f| f.severity)))
}

/// Reads the snapshot for a scan: from files, or live (LISTs, then EC2), with progress.
fn read(global: &GlobalArgs, scope: &Scope) -> Result<Snapshot> {
    let progress = Progress::new(global);
    let on_page = |what: &str, n: usize| progress.page(what, n);
    let on_phase = |what: &str| progress.set(what);
    let mut need = Need::new(Reach::Namespaces(scope.namespace.clone().map(|n| vec![n])));
    need.selector = scope.selector.as_ref().map(|s| s.as_str().to_string());
    need.cluster_wide_ec2 = scope.cluster_wide();
    need.on_page = Some(&on_page);
    need.on_phase = Some(&on_phase);
    let got = acquire(&global.source(), &need);
    progress.finish();
    let got = got?;
    global.notes(&got.notes);
    Ok(got.snap)
}

/// The progress line on stderr: only on a terminal and with human output, never in pipes or
/// with machine formats (whose readers would see it as noise).
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    pages: AtomicUsize,
    objects: AtomicUsize,
}

impl Progress {
    fn new(global: &GlobalArgs) -> Self {
        let bar = (global.output == Format::Human && std::io::stderr().is_terminal()).then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                None,
                indicatif::ProgressDrawTarget::stderr(),
            );
            bar.set_style(
                indicatif::ProgressStyle::with_template("{spinner} {elapsed} {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar.enable_steady_tick(std::time::Duration::from_millis(120));
            bar.set_message("connecting");
            bar
        });
        Progress {
            bar,
            pages: Default::default(),
            objects: Default::default(),
        }
    }

    fn page(&self, what: &str, n: usize) {
        let pages = self.pages.fetch_add(1, Ordering::Relaxed) + 1;
        let objects = self.objects.fetch_add(n, Ordering::Relaxed) + n;
        if let Some(bar) = &self.bar {
            bar.set_message(format!(
                "reading the cluster: {pages} pages, {objects} objects (last: {n} {what})"
            ));
        }
    }

    fn set(&self, msg: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(msg.to_string());
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
