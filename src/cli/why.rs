//! `why TARGET`: walk one chain and explain it.

use std::process::ExitCode;

use clap::Args;

use super::{print, runtime, GlobalArgs};
use crate::chain::Target;
use crate::error::Result;
use crate::fetch::aws;
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

/// The `-v` notes about what a snapshot load read: counts, ignored kinds, duplicates.
pub(super) fn note_load(global: &GlobalArgs, stats: &load::LoadStats) {
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
    for (kind, n) in &stats.duplicates {
        global.note(
                1,
                format!("{n} {kind} object(s) were given more than once (same namespace and name): the last one read is used"),
            );
    }
}

/// Reads the snapshot `target` needs: from files, or live in (at most two) parallel waves.
pub(super) fn snapshot_for(
    global: &GlobalArgs,
    target: Option<&Target>,
) -> Result<(Snapshot, String)> {
    if !global.snapshot.is_empty() {
        let (snap, stats) = load::load_paths(&global.snapshot)?;
        note_load(global, &stats);
        let mut snap = snap;
        let ns = global.namespace.clone().unwrap_or_else(|| "default".into());
        if global.no_aws || global.live_aws {
            // Either way the EC2 data the files held is not used.
            snap.ec2 = Default::default();
            snap.coverage.retain(|k, _| !k.is_ec2());
        }
        if global.no_aws {
            aws::skip(&mut snap, "--no-aws");
        } else if global.live_aws {
            let focus = focus(&snap, target, &ns);
            let rt = runtime()?;
            let fetched = rt.block_on(aws::fetch(
                focus.as_ref().map_or(&snap.pvs, |f| &f.pvs),
                &snap.nodes,
                &global.aws_options(),
                false,
            ));
            note_ec2(global, &fetched);
            fetched.apply(&mut snap);
        }
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
            workloads: false,
            cluster_scoped: true,
        };
        let started = std::time::Instant::now();
        let (mut snap, mut stats) = kfetch::fetch(&conn, &plan).await?;
        // Second wave, concurrently: EC2 for the PVs and nodes the first wave found, and a PV's
        // claim namespace when it differs from the one read.
        let claim_ns = match target {
            Some(Target::Pv(name)) => snap
                .pvs
                .iter()
                .find(|pv| pv.metadata.name.as_deref() == Some(name.as_str()))
                .and_then(|pv| pv.spec.as_ref()?.claim_ref.as_ref()?.namespace.clone())
                .filter(|cns| {
                    snap.unknown_reason(Kind::PersistentVolumeClaim, Some(cns))
                        .is_some()
                }),
            _ => None,
        };
        let more = async {
            match claim_ns {
                Some(cns) => {
                    let plan = kfetch::Plan {
                        namespaces: Some(vec![cns]),
                        statefulsets: false,
                        workloads: false,
                        cluster_scoped: false,
                    };
                    Some(kfetch::fetch(&conn, &plan).await)
                }
                None => None,
            }
        };
        let focus = focus(&snap, target, &ns);
        let ec2 = async {
            if global.no_aws {
                None
            } else {
                Some(
                    aws::fetch(
                        focus.as_ref().map_or(&snap.pvs, |f| &f.pvs),
                        &snap.nodes,
                        &global.aws_options(),
                        false,
                    )
                    .await,
                )
            }
        };
        // Opt-in: volume usage from the kubelets of the nodes the chain's pods run on.
        let kubelet_stats = async {
            if !global.kubelet_stats {
                return None;
            }
            let nodes: Vec<String> = match &focus {
                Some(f) => f.nodes.clone(),
                None => snap
                    .nodes
                    .iter()
                    .filter_map(|n| n.metadata.name.clone())
                    .collect(),
            };
            Some(kfetch::fetch_node_stats(&conn, &nodes).await)
        };
        let (more, ec2, kubelet_stats) = futures::join!(more, ec2, kubelet_stats);
        if let Some((summaries, coverage)) = kubelet_stats {
            stats.requests += summaries.len();
            crate::snapshot::load::add_node_stats(&mut snap, summaries, coverage);
        }
        if let Some(more) = more {
            let (more, more_stats) = more?;
            snap.absorb(more);
            stats.requests += more_stats.requests;
            stats.waves += 1;
        }
        match ec2 {
            Some(fetched) => {
                note_ec2(global, &fetched);
                fetched.apply(&mut snap);
            }
            None => aws::skip(&mut snap, "--no-aws"),
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

/// What a target's chain reaches: its PVs (so EC2 is asked only about their volumes: one call for
/// a pod instead of ⌈all PVs / 200⌉) and the nodes its pods run on (for kubelet stats). `None`
/// (ask about everything) without a target or when the chain cannot be resolved yet.
struct Focus {
    pvs: Vec<crate::model::PersistentVolume>,
    nodes: Vec<String>,
}

fn focus(snap: &Snapshot, target: Option<&Target>, ns: &str) -> Option<Focus> {
    let target = target?;
    let mut cx = crate::ctx::Ctx::new(snap, crate::report::reference_time(snap));
    crate::chain::resolve(&mut cx, target, ns).ok()?;
    let mut nodes: Vec<String> = cx
        .pods
        .iter()
        .filter_map(|p| p.spec.as_ref()?.node_name.clone())
        .collect();
    nodes.sort();
    nodes.dedup();
    Some(Focus {
        pvs: cx.pvs.iter().map(|pv| (*pv).clone()).collect(),
        nodes,
    })
}

/// `-v`: what the EC2 side read, with call counts and time.
pub(super) fn note_ec2(global: &GlobalArgs, f: &aws::Ec2Fetch) {
    let not_read: Vec<String> = f
        .coverage
        .iter()
        .filter_map(|(k, c)| match c {
            crate::snapshot::Coverage::Read(_) => None,
            crate::snapshot::Coverage::Forbidden(r)
            | crate::snapshot::Coverage::Failed(r)
            | crate::snapshot::Coverage::NotChecked(r) => Some(format!("{}: {r}", k.plural())),
        })
        .collect();
    if let (Some(region), Some(src)) = (&f.region, f.region_source) {
        global.note(
            1,
            format!(
                "EC2 region {region} (from {src}): {} calls ({}), {} ms",
                f.total_calls,
                f.calls,
                f.elapsed.as_millis()
            ),
        );
    }
    for line in not_read {
        global.note(1, format!("EC2 not checked: {line}"));
    }
}

pub fn run(global: &GlobalArgs, args: &WhyArgs) -> Result<ExitCode> {
    let target = Target::parse(&args.target)?;
    crate::render::sarif_needs_snapshot(global.output, &global.snapshot)?;
    let (snap, ns) = snapshot_for(global, Some(&target))?;
    let report = report::diagnose(&snap, &target, &ns)?;
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
