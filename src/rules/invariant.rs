//! The contract every diagnosis keeps, checked over every fixture and example and over variants
//! of them (events expired, each kind missing):
//! - a chain with a stuck hop always gets an error or warning about that chain;
//! - "No problems found" is never said over a hop marked ✗ or !;
//! - a finding that disappears when a kind is missing leaves that kind under "not checked".

use std::path::{Path, PathBuf};

use crate::chain::{self, HopState, Target};
use crate::ctx::{Ctx, Focus};
use crate::health;
use crate::report;
use crate::rules::{self, chain::stuck_unexplained::ADVISORY, Finding, Severity};
use crate::scan;
use crate::snapshot::{load, Coverage, Kind, Snapshot};

struct Case {
    path: PathBuf,
    target: Option<(Target, String)>,
    snap: Snapshot,
}

fn cases() -> Vec<Case> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root.join("tests/fixtures/rules"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    dirs.sort();
    for dir in dirs {
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
            .collect();
        files.sort();
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let header = |key: &str| crate::rules::testing::header(&text, key);
            let Ok((snap, _)) = load::load_str(&path, &text) else {
                continue; // fixtures of other loaders (EC2 views merged by their tests)
            };
            let target = header("target:").map(|t| {
                (
                    Target::parse(&t).unwrap(),
                    header("namespace:").unwrap_or_else(|| "default".into()),
                )
            });
            out.push(Case { path, target, snap });
        }
    }
    for (dir, pod) in [
        ("examples/seed", "task-pod"),
        ("examples/healthy", "task-pod"),
    ] {
        let (snap, _) = load::load_paths(&[root.join(dir)]).unwrap();
        out.push(Case {
            path: root.join(dir),
            target: Some((Target::Pod(pod.into()), "default".into())),
            snap,
        });
    }
    out
}

/// Findings, the chains judged, the not-checked lines and (for `why`) whether the verdict said
/// "No problems found" while a hop was marked ✗ or !.
struct Outcome {
    findings: Vec<Finding>,
    stuck_unexplained_chains: Vec<String>,
    not_checked: Vec<String>,
    clean_verdict_over_bad_hop: Option<String>,
}

fn run(case: &Case, snap: &Snapshot) -> Outcome {
    let (findings, not_checked, bad) = match &case.target {
        Some((target, ns)) => {
            let r = report::diagnose(snap, target, ns, crate::acquire::as_of(snap)).unwrap();
            let verdict = report::verdict(&r);
            let bad = r
                .chain
                .iter()
                .flat_map(chain::Hop::walk)
                .find(|h| matches!(h.state, HopState::Error | HopState::Warning))
                .filter(|_| verdict.starts_with("No problems found"))
                .map(|h| format!("{verdict} / {} {} {}", h.label, h.name, h.status));
            (r.findings, r.summary.not_checked, bad)
        }
        None => {
            let r = scan::scan(
                snap,
                &scan::Scope::default(),
                &Default::default(),
                crate::acquire::as_of(snap),
            );
            (r.report.findings, r.report.summary.not_checked, None)
        }
    };
    // Judge the chains again, independently of the rule that promises to cover them.
    let mut cx = Ctx::new(snap, crate::acquire::as_of(snap).at);
    let focus = match &case.target {
        Some((t, ns)) => chain::resolve(&cx, t, ns).unwrap().1,
        None => Focus::all(snap),
    };
    cx.focus_on(focus);
    let unexplained = health::chains(&cx)
        .into_iter()
        .filter(|c| c.stuck().next().is_some())
        .filter(|c| {
            !findings.iter().any(|f| {
                f.severity != Severity::Info && !ADVISORY.contains(&f.code) && c.contains(&f.object)
            })
        })
        .map(|c| {
            c.stuck()
                .map(|(m, s)| format!("{} {}: {}", m.label, m.object.display_name(), s.what))
                .collect::<Vec<_>>()
                .join("; ")
        })
        .collect();
    Outcome {
        findings,
        stuck_unexplained_chains: unexplained,
        not_checked,
        clean_verdict_over_bad_hop: bad,
    }
}

/// The snapshot an hour later, its events expired (the API server's default --event-ttl): read,
/// and empty. The clock moves on with it (in a real dump the node heartbeats are fresh), so what
/// was starting is now stuck.
fn expired(snap: &Snapshot) -> Snapshot {
    let mut s = without(
        snap,
        Kind::Event,
        Coverage::Read(crate::snapshot::Scope::All),
    );
    s.captured = Some(crate::snapshot::Capture {
        at: crate::acquire::as_of(snap).at + jiff::SignedDuration::from_hours(1),
        source: crate::snapshot::ClockSource::CaptureFile,
    });
    s
}

/// The snapshot without any object of `kind`, recorded as `coverage` (not checked, or read and
/// empty).
fn without(snap: &Snapshot, kind: Kind, coverage: Coverage) -> Snapshot {
    let mut s = snap.clone();
    match kind {
        Kind::Pod => s.pods.clear(),
        Kind::PersistentVolumeClaim => s.pvcs.clear(),
        Kind::PersistentVolume => s.pvs.clear(),
        Kind::StorageClass => s.storage_classes.clear(),
        Kind::CSIDriver => s.csi_drivers.clear(),
        Kind::CSINode => s.csi_nodes.clear(),
        Kind::VolumeAttachment => s.volume_attachments.clear(),
        Kind::Node => s.nodes.clear(),
        Kind::StatefulSet => s.statefulsets.clear(),
        Kind::Deployment => s.deployments.clear(),
        Kind::Job => s.jobs.clear(),
        Kind::CronJob => s.cron_jobs.clear(),
        Kind::Event => s.events.clear(),
        Kind::NodeStats => s.volume_stats.clear(),
        Kind::EbsVolume => {
            s.ec2.volumes.clear();
            s.ec2.not_found.clear();
        }
        Kind::Ec2Instance => s.ec2.instances.clear(),
    }
    s.coverage.insert(kind, coverage);
    s
}

fn check_invariant(case: &Case, variant: &str, o: &Outcome, failures: &mut Vec<String>) {
    let name = case.path.display();
    for c in &o.stuck_unexplained_chains {
        failures.push(format!(
            "{name} [{variant}]: stuck with no error or warning: {c}"
        ));
    }
    if let Some(b) = &o.clean_verdict_over_bad_hop {
        failures.push(format!("{name} [{variant}]: {b}"));
    }
}

#[test]
fn a_stuck_chain_never_reads_as_healthy_in_any_fixture_or_variant() {
    let mut failures = Vec::new();
    for case in cases() {
        // Targets that do not resolve once a kind is gone are refused (exit 2), not misread.
        let original = run(&case, &case.snap);
        check_invariant(&case, "as is", &original, &mut failures);
        let later = run(&case, &expired(&case.snap));
        check_invariant(&case, "events expired", &later, &mut failures);
        // The events-stripped twin keeps its root, or says the cause lived only in an event.
        let root = |o: &Outcome| {
            o.findings
                .iter()
                .find(|f| f.severity != Severity::Info)
                .map(|f| f.code)
        };
        if let (Some(was), now) = (root(&original), root(&later)) {
            if now != Some(was) && now != Some("stuck-unexplained") && case.target.is_some() {
                failures.push(format!(
                    "{} [events expired]: root {was} became {now:?}",
                    case.path.display()
                ));
            }
        }
        for kind in Kind::ALL {
            let Some(target_kind) = case.target.as_ref().map(|(t, _)| match t {
                Target::Pod(_) => Kind::Pod,
                Target::Pvc(_) => Kind::PersistentVolumeClaim,
                Target::Pv(_) => Kind::PersistentVolume,
                Target::Sts(_) => Kind::StatefulSet,
            }) else {
                continue;
            };
            if kind == target_kind {
                continue;
            }
            let v = without(
                &case.snap,
                kind,
                Coverage::NotChecked("dropped by the test".into()),
            );
            check_invariant(
                &case,
                &format!("no {}", kind.plural()),
                &run(&case, &v),
                &mut failures,
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_finding_lost_for_lack_of_a_kind_leaves_that_kind_under_not_checked() {
    let mut failures = Vec::new();
    for case in cases() {
        let original = run(&case, &case.snap);
        let target_kind = case.target.as_ref().map(|(t, _)| match t {
            Target::Pod(_) => Kind::Pod,
            Target::Pvc(_) => Kind::PersistentVolumeClaim,
            Target::Pv(_) => Kind::PersistentVolume,
            Target::Sts(_) => Kind::StatefulSet,
        });
        for kind in Kind::ALL {
            if Some(kind) == target_kind {
                continue;
            }
            let v = without(
                &case.snap,
                kind,
                Coverage::NotChecked("dropped by the test".into()),
            );
            let o = run(&case, &v);
            let lost: Vec<&Finding> = original
                .findings
                .iter()
                .filter(|f| f.severity != Severity::Info)
                // A finding about an object of the dropped kind went with its object.
                .filter(|f| f.object.kind != kind.name())
                .filter(|f| {
                    !o.findings
                        .iter()
                        .any(|g| g.code == f.code && g.object == f.object)
                })
                .collect();
            let listed = o
                .not_checked
                .iter()
                .any(|l| l.starts_with(&format!("{}:", kind.plural())));
            if !lost.is_empty() && !listed {
                failures.push(format!(
                    "{} without {}: lost {} and not-checked says {:?}",
                    case.path.display(),
                    kind.plural(),
                    lost.iter().map(|f| f.code).collect::<Vec<_>>().join(", "),
                    o.not_checked
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_code_named_in_a_rule_table_is_registered() {
    for code in ADVISORY
        .iter()
        .chain(rules::SUPERSEDES.iter().flat_map(|(a, b)| [a, b]))
        .chain(rules::CONFIRMED_BY_EC2.iter().flat_map(|(a, b)| [a, b]))
        .chain(crate::preflight::OFFLINE_CODES.iter())
        .chain(crate::preflight::FIELD_HINTS.iter().map(|(c, _)| c))
    {
        assert!(
            rules::find(code).is_some(),
            "{code} is not a registered code"
        );
    }
    let last = rules::REGISTRY.last().unwrap();
    assert_eq!(
        last.code, "stuck-unexplained",
        "stuck-unexplained must run last: it reads every other rule's findings"
    );
}

/// Prints, per fixture, the root finding as is and with its events expired (for the team's notes:
/// which rules decide from state, which only from events). `cargo test --lib roots_table -- --ignored --nocapture`.
#[test]
#[ignore]
fn roots_table() {
    for case in cases() {
        if !case.path.ends_with("fires.yaml") {
            continue;
        }
        let root = |o: &Outcome| {
            o.findings
                .iter()
                .find(|f| f.severity != Severity::Info)
                .map(|f| f.code)
                .unwrap_or("-")
        };
        let a = run(&case, &case.snap);
        let b = run(&case, &expired(&case.snap));
        let dir = case
            .path
            .parent()
            .unwrap()
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_string();
        println!("{dir}\t{}\t{}", root(&a), root(&b));
    }
}
