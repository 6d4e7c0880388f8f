//! End-to-end scenarios on the real test bed (`testbed/up`): a real kube-apiserver, etcd,
//! controller-manager and scheduler, and moto for EC2. Each scenario builds its objects the way
//! a user would, lets the real controllers act, adds what only a kubelet or CSI sidecar would
//! write (through the `testbed/*-sim` stand-ins), then runs `kubectl storage` — found by
//! kubectl's own plugin discovery — and checks the diagnosis.
//!
//! Phases: 1 runs on a cluster with no EBS CSI driver; then the driver is "installed"
//! (CSINodes register it, CSIDriver created); 2 runs scenarios in parallel, one namespace each;
//! 3 changes node-wide attachment limits, alone.
//!
//! Without a running bed (`KSTOR_BED_DIR`) this binary skips; `scripts/test` starts the bed.
//! `KSTOR_E2E_ONLY=name,name` runs only the named scenarios (while working on them).

mod auth;
mod bed;
mod fleet;
mod import_ebs;
mod lifecycle;
mod real_threads;
mod scenarios;

use std::time::Instant;

use bed::Bed;

/// A scenario: its name and body (given the bed and a unique suffix for cluster-scoped names).
pub struct Scenario {
    pub name: &'static str,
    pub run: fn(&Bed, &str) -> bed::Res,
}

fn run_all(bed: &Bed, id: &str, list: &[Scenario], parallel: bool) -> Vec<(String, bed::Res, f64)> {
    let only = std::env::var("KSTOR_E2E_ONLY").unwrap_or_default();
    let list: Vec<&Scenario> = list
        .iter()
        .filter(|s| only.is_empty() || only.split(',').any(|n| n == s.name))
        .collect();
    let go = |s: &Scenario| {
        let t = Instant::now();
        let r = (s.run)(bed, id);
        (s.name.to_string(), r, t.elapsed().as_secs_f64())
    };
    if !parallel {
        return list.into_iter().map(go).collect();
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = list
            .into_iter()
            .map(|s| scope.spawn(move || go(s)))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join()
                    .unwrap_or_else(|_| ("?".into(), Err("scenario panicked".into()), 0.0))
            })
            .collect()
    })
}

fn main() {
    let Some(bed) = Bed::from_env() else {
        println!("e2e: skipped: no test bed (KSTOR_BED_DIR unset); `scripts/test` starts one");
        return;
    };
    let id = format!("{:x}", std::process::id() % 0xfff);
    let started = Instant::now();
    let mut results = Vec::new();
    if let Err(e) = scenarios::uninstall_driver(&bed) {
        println!("e2e: cannot prepare a cluster without the EBS CSI driver: {e}");
        std::process::exit(1);
    }
    results.extend(run_all(&bed, &id, scenarios::PHASE_NO_DRIVER, false));
    if let Err(e) = scenarios::install_driver(&bed, &id) {
        println!("e2e: cannot install the EBS CSI driver on the bed: {e}");
        std::process::exit(1);
    }
    results.extend(run_all(&bed, &id, scenarios::PHASE_PARALLEL, true));
    results.extend(run_all(&bed, &id, auth::SCENARIOS, true));
    results.extend(run_all(
        &bed,
        &id,
        &[
            Scenario {
                name: "pvc_unused_live",
                run: fleet::pvc_unused_live,
            },
            Scenario {
                name: "deploy_manifests_grant_what_scan_reads",
                run: fleet::deploy_manifests_grant_what_scan_reads,
            },
            Scenario {
                name: "fleet_scan_and_serve_live",
                run: fleet::fleet_scan_and_serve_live,
            },
        ],
        false,
    ));
    results.extend(run_all(&bed, &id, scenarios::PHASE_NODE_WIDE, false));
    let mut failed = 0;
    for (name, r, secs) in &results {
        match r {
            Ok(()) => println!("test e2e::{name} ... ok ({secs:.1}s)"),
            Err(e) => {
                failed += 1;
                println!("test e2e::{name} ... FAILED ({secs:.1}s)\n    {e}");
            }
        }
    }
    println!(
        "\ne2e suite: {:.1}s on the bed",
        started.elapsed().as_secs_f64()
    );
    println!("{} passed, {failed} failed", results.len() - failed);
    if failed > 0 {
        std::process::exit(1);
    }
}
