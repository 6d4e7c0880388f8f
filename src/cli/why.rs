//! `why TARGET`: walk one chain and explain it.

use std::process::ExitCode;

use clap::Args;

use super::{print, GlobalArgs};
use crate::acquire::{self, Need, Reach};
use crate::chain::Target;
use crate::error::Result;
use crate::report;
use crate::snapshot::Snapshot;

pub const AFTER_HELP: &str =
    "TARGET is pod/NAME, pvc/NAME, pv/NAME, sts/NAME (every replica), or a bare NAME meaning a pod.
Without a TARGET, -l SELECTOR or -A diagnoses every matching pod: one report each, then a summary
line (JSON: a list of reports).

Examples:
  kubectl storage why pod/db-0 -n prod
  kubectl storage why sts/postgres -n prod -o json
  kubectl storage why -l app=postgres -n prod     every pod with that label
  kubectl storage why -A -l tier=db               in every namespace
  kubectl storage why task-pod --snapshot examples/seed/";

#[derive(Debug, Args)]
pub struct WhyArgs {
    /// What to diagnose: pod/NAME, pvc/NAME, pv/NAME, sts/NAME or a pod NAME.
    #[arg(required_unless_present_any = ["selector", "all_namespaces"])]
    pub target: Option<String>,
    /// Diagnose every pod matching this label selector (k=v, k!=v, k in (a,b), …) instead of one TARGET.
    #[arg(short = 'l', long, value_name = "SELECTOR", conflicts_with = "target")]
    pub selector: Option<String>,
    /// With -l (or alone: every pod), look in every namespace.
    #[arg(short = 'A', long, conflicts_with = "target")]
    pub all_namespaces: bool,
    /// Keep watching: diagnose again whenever the chain's objects or events change, print each
    /// change of verdict with its time; exit 0 once nothing trips --fail-on, 1 at --timeout.
    #[arg(short = 'w', long, requires = "target", conflicts_with = "snapshot")]
    pub watch: bool,
    /// With --watch: give up after this long (e.g. 90s, 10m, 1h) [default: 10m].
    #[arg(long, value_name = "DURATION", requires = "watch", value_parser = super::parse_duration)]
    pub timeout: Option<std::time::Duration>,
}

/// Reads the snapshot `target` needs (`None`: everything in scope, for `dump` without a target).
pub(super) fn snapshot_for(
    global: &GlobalArgs,
    target: Option<&Target>,
) -> Result<(Snapshot, String)> {
    let reach = match target {
        Some(t) => Reach::Chain(t),
        // `dump` without a target reads like `scan`: every namespace unless -n names one.
        None => Reach::Namespaces(global.namespace.clone().map(|n| vec![n])),
    };
    let got = acquire::acquire(&global.source(), &Need::new(reach))?;
    global.notes(&got.notes);
    Ok((got.snap, got.namespace))
}

pub fn run(global: &GlobalArgs, args: &WhyArgs) -> Result<ExitCode> {
    let Some(target) = &args.target else {
        return run_many(global, args);
    };
    let target = Target::parse(target)?;
    if args.watch {
        return watch(global, &target, args.timeout.unwrap_or(WATCH_TIMEOUT));
    }
    crate::render::sarif_needs_snapshot(global.output, &global.snapshot)?;
    let (snap, ns) = snapshot_for(global, Some(&target))?;
    let report = report::diagnose(&snap, &target, &ns, acquire::as_of(&snap))?;
    if global.output == crate::render::Format::Sarif {
        print(&crate::render::findings_ci_at(
            global.output,
            &format!("why {}", report.target),
            &report.findings,
            crate::rules::ObjectRef::new("Target", Some(&report.namespace), &report.target),
            &crate::render::snapshot_locations(&global.snapshot, &report.findings),
        ));
    } else {
        print(&crate::render::render(
            &report,
            global.output,
            &global.style(),
        )?);
    }
    Ok(global
        .fail_on
        .exit_code(report.findings.iter().map(|f| f.severity)))
}

const WATCH_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(600);

/// `why TARGET --watch`: the 3 a.m. loop (apply a fix, watch it come up). The first report in
/// full; then, each time the verdict changes, its time and the verdict's first line (`-o json`:
/// one compact report per line); the last report in full when it is healthy.
fn watch(global: &GlobalArgs, target: &Target, timeout: std::time::Duration) -> Result<ExitCode> {
    use crate::render::Format;
    if !matches!(global.output, Format::Human | Format::Json) {
        return Err(crate::error::Error::Usage(
            "--watch prints human output or JSON lines (-o json)".into(),
        ));
    }
    let source = global.source();
    let deadline = tokio::time::Instant::now() + timeout;
    let rt = super::runtime()?;
    rt.block_on(async {
        let mut conn = None;
        let mut last: Option<String> = None;
        loop {
            let need = Need::new(Reach::Chain(target));
            let got = match conn.take() {
                None => acquire::acquire_live(&source, &need).await?,
                Some(c) => acquire::acquire_on(c, &source, &need).await?,
            };
            global.notes(&got.notes);
            let report =
                report::diagnose(&got.snap, target, &got.namespace, acquire::as_of(&got.snap))?;
            let settled = !report
                .findings
                .iter()
                .any(|f| global.fail_on.trips(f.severity));
            let full = crate::render::render(&report, Format::Human, &global.style())?;
            let verdict = full.lines().next().unwrap_or_default().to_string();
            if last.as_deref() != Some(verdict.as_str()) {
                let at = jiff::Zoned::now().strftime("%H:%M:%S");
                match global.output {
                    Format::Json => print(
                        &(serde_json::to_string(&report).map_err(|e| {
                            crate::error::Error::Usage(format!("cannot serialise: {e}"))
                        })? + "\n"),
                    ),
                    _ if last.is_none() || settled => print(&format!("[{at}] {full}\n")),
                    _ => print(&format!("[{at}] {verdict}\n")),
                }
                last = Some(verdict);
            }
            if settled {
                return Ok(ExitCode::from(super::Exit::Clean));
            }
            let Some(c) = got.connection else {
                return Ok(ExitCode::from(super::Exit::Findings));
            };
            if !crate::fetch::watch::wait_for_change(&c, &got.namespace, deadline).await {
                eprintln!(
                    "still not healthy after {}: giving up (--timeout)",
                    crate::k8s::format_age(timeout.as_secs() as i64)
                );
                return Ok(ExitCode::from(super::Exit::Findings));
            }
            conn = Some(c);
        }
    })
}

/// `why -l SELECTOR` / `why -A`: one report per matching pod, read in one go (the namespaces
/// the selection touches, whole, like `scan -l`), then a summary line.
fn run_many(global: &GlobalArgs, args: &WhyArgs) -> Result<ExitCode> {
    use crate::render::Format;
    let selector = args
        .selector
        .as_deref()
        .map(crate::scan::selector::Selector::parse)
        .transpose()
        .map_err(crate::error::Error::Usage)?;
    if matches!(
        global.output,
        Format::Sarif | Format::Junit | Format::Github
    ) {
        return Err(crate::error::Error::Usage(format!(
            "-o {} takes one TARGET; for many pods use -o json, or `scan -l` for a CI gate",
            format!("{:?}", global.output).to_lowercase()
        )));
    }
    let reach = if args.all_namespaces {
        Reach::Namespaces(None)
    } else {
        Reach::OwnNamespace
    };
    let mut need = Need::new(reach);
    need.selector = selector.as_ref().map(|s| s.as_str().to_string());
    let got = acquire::acquire(&global.source(), &need)?;
    global.notes(&got.notes);
    let snap = got.snap;
    let namespaces = (!args.all_namespaces).then(|| vec![got.namespace.clone()]);
    let where_ = match &namespaces {
        None => "any namespace".to_string(),
        Some(n) => format!("namespace {}", n.join(", ")),
    };
    let mut pods: Vec<(String, String)> = snap
        .pods
        .iter()
        .filter(|p| {
            selector
                .as_ref()
                .is_none_or(|s| s.matches(p.metadata.labels.as_ref()))
        })
        .map(crate::k8s::ns_name)
        .filter(|(ns, _)| {
            namespaces
                .as_ref()
                .is_none_or(|list| list.iter().any(|n| n == ns))
        })
        .map(|(ns, name)| (ns.to_string(), name.to_string()))
        .collect();
    pods.sort();
    let matching = args
        .selector
        .as_deref()
        .map(|s| format!(" matching {s}"))
        .unwrap_or_default();
    let as_of = acquire::as_of(&snap);
    let mut reports = Vec::new();
    for (ns, name) in &pods {
        reports.push(report::diagnose(
            &snap,
            &Target::Pod(name.clone()),
            ns,
            as_of,
        )?);
    }
    let worst = reports
        .iter()
        .flat_map(|r| r.findings.iter().map(|f| f.severity));
    let code = global.fail_on.exit_code(worst);
    match global.output {
        Format::Json => print(&(crate::render::to_json(&reports)? + "\n")),
        Format::Yaml => print(&crate::render::to_yaml(&reports)?),
        _ => {
            if reports.is_empty() {
                eprintln!("No pods{matching} in {where_}.");
                return Ok(code);
            }
            let style = global.style();
            let mut out = String::new();
            for r in &reports {
                out.push_str(&crate::render::render(r, Format::Human, &style)?);
                out.push('\n');
            }
            let with =
                |pred: &dyn Fn(&report::Report) -> bool| reports.iter().filter(|r| pred(r)).count();
            let errors = with(&|r| r.summary.errors > 0);
            let warnings = with(&|r| r.summary.errors == 0 && r.summary.warnings > 0);
            out.push_str(&format!(
                "{} pod(s){matching} in {where_}: {errors} with errors, {warnings} with warnings, {} without\n",
                reports.len(),
                reports.len() - errors - warnings
            ));
            print(&out);
        }
    }
    Ok(code)
}
