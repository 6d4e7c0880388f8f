//! `why TARGET`: walk one chain and explain it.

use std::process::ExitCode;

use clap::Args;

use super::{print, runtime, GlobalArgs};
use crate::chain::Target;
use crate::error::Result;
use crate::fetch::kube as kfetch;
use crate::report::{self};
use crate::snapshot::{load, Kind, Snapshot};

pub const AFTER_HELP: &str =
    "TARGET is pod/NAME, pvc/NAME, pv/NAME, sts/NAME (every replica), or a bare NAME meaning a pod.

Examples:
  kubectl storage why pod/db-0 -n prod
  kubectl storage why sts/postgres -n prod -o json
  kubectl storage why task-pod --snapshot examples/seed/";

#[derive(Debug, Args)]
pub struct WhyArgs {
    /// What to diagnose: pod/NAME, pvc/NAME, pv/NAME, sts/NAME or a pod NAME.
    pub target: String,
}

/// Reads the snapshot `target` needs: from files, or live in (at most two) parallel waves.
pub(super) fn snapshot_for(
    global: &GlobalArgs,
    target: Option<&Target>,
) -> Result<(Snapshot, String)> {
    if !global.snapshot.is_empty() {
        let (snap, stats) = load::load_paths(&global.snapshot)?;
        global.note(
            1,
            format!("read {} objects from {} files", stats.objects, stats.files),
        );
        for (kind, n) in &stats.ignored {
            global.note(
                1,
                format!("ignored {n} {kind} object(s): not used by the diagnosis"),
            );
        }
        let ns = global.namespace.clone().unwrap_or_else(|| "default".into());
        return Ok((snap, ns));
    }
    let rt = runtime()?;
    rt.block_on(async {
        let conn = kfetch::connect(&global.connect_options()).await?;
        let ns = global
            .namespace
            .clone()
            .unwrap_or_else(|| conn.default_namespace.clone());
        global.note(1, format!("reading from {} (namespace {ns})", conn.server));
        let plan = kfetch::Plan {
            namespaces: Some(vec![ns.clone()]),
            statefulsets: matches!(target, Some(Target::Sts(_))),
            cluster_scoped: true,
        };
        let started = std::time::Instant::now();
        let (mut snap, mut stats) = kfetch::fetch(&conn, &plan).await?;
        // A PV's claim may live in another namespace: read that one in a second wave.
        if let Some(Target::Pv(name)) = target {
            let claim_ns = snap
                .pvs
                .iter()
                .find(|pv| pv.metadata.name.as_deref() == Some(name.as_str()))
                .and_then(|pv| pv.spec.as_ref()?.claim_ref.as_ref()?.namespace.clone())
                .filter(|cns| {
                    snap.unknown_reason(Kind::PersistentVolumeClaim, Some(cns))
                        .is_some()
                });
            if let Some(cns) = claim_ns {
                let plan = kfetch::Plan {
                    namespaces: Some(vec![cns]),
                    statefulsets: false,
                    cluster_scoped: false,
                };
                let (more, more_stats) = kfetch::fetch(&conn, &plan).await?;
                kfetch::merge(&mut snap, more);
                stats.requests += more_stats.requests;
                stats.waves += 1;
            }
        }
        global.note(
            1,
            format!(
                "{} requests in {} wave(s), {} ms",
                stats.requests,
                stats.waves,
                started.elapsed().as_millis()
            ),
        );
        Ok((snap, ns))
    })
}

pub fn run(global: &GlobalArgs, args: &WhyArgs) -> Result<ExitCode> {
    let target = Target::parse(&args.target)?;
    let (snap, ns) = snapshot_for(global, Some(&target))?;
    let report = report::diagnose(&snap, &target, &ns)?;
    print(&crate::render::render(
        &report,
        global.output,
        &global.style(),
    )?);
    let failed = report
        .findings
        .iter()
        .any(|f| global.fail_on.trips(f.severity));
    Ok(if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
