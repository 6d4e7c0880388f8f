//! Benchmark of `scan` from a snapshot (issue 8): the release binary scanning a synthetic
//! cluster of N stateful pods (claims, PVs, attachments, EBS volumes, events; see `gen.rs`).
//! Budget: N = 10,000 in under 1 s wall time and 200 MB peak RSS. Prints time and max RSS (from
//! `wait4`'s rusage of the child) for each N, and the in-process split load / think / render.
//!
//! Run: `cargo bench --bench scan` (sizes: `SCAN_BENCH_SIZES=1000,10000,50000`, the default;
//! `SCAN_BENCH_KEEP=DIR` writes the first size's snapshot to DIR and stops, for profiling).
//!
//! A second table (`SCAN_BENCH_SHAPES=spread,focused`, the default; `spread` alone is the
//! first table) scans the focused shape: every object in one namespace, scanned with
//! `scan -n big`, with the kubelet's stats of every node (see [`gen::Shape::focused`]). A
//! focus that is not "everything", and one stat per pod, are what made the rules phase
//! quadratic (issue 16).

mod gen;

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kubectl_storage::acquire;
use kubectl_storage::scan::{self, price::Prices, Scope};
use kubectl_storage::snapshot::load;

/// Runs the binary once; returns wall time and the child's max RSS in bytes.
// The child is reaped by `wait4` (which also gives its rusage), not `Child::wait`.
#[allow(clippy::zombie_processes)]
fn run_child(args: &[&str]) -> (Duration, u64, i32) {
    let started = Instant::now();
    let child = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .args(args)
        .env_remove("KUBECONFIG")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn kubectl-storage");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: a zeroed rusage is a valid out-parameter; wait4 reaps the child we spawned.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let wall = started.elapsed();
    assert_eq!(rc, pid, "wait4 failed");
    let code = if libc::WIFEXITED(status) {
        libc::WEXITSTATUS(status)
    } else {
        -1
    };
    // Linux reports ru_maxrss in KiB.
    (wall, usage.ru_maxrss as u64 * 1024, code)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1e6
}

fn main() {
    let sizes: Vec<usize> = std::env::var("SCAN_BENCH_SIZES")
        .unwrap_or_else(|_| "1000,10000,50000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let shapes = std::env::var("SCAN_BENCH_SHAPES").unwrap_or_else(|_| "spread,focused".into());
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    // SCAN_BENCH_KEEP=DIR: write the snapshot of the first size there and stop (for profiling).
    if let Ok(keep) = std::env::var("SCAN_BENCH_KEEP") {
        let shape = if shapes.starts_with("focused") {
            gen::Shape::focused()
        } else {
            gen::Shape::default()
        };
        std::fs::create_dir_all(&keep).expect("create SCAN_BENCH_KEEP");
        gen::write_shaped(std::path::Path::new(&keep), sizes[0], shape);
        println!("wrote a snapshot of {} pods to {keep}", sizes[0]);
        return;
    }
    let mut over_budget = Vec::new();
    for shape in shapes.split(',').map(str::trim) {
        let (shape, title) = match shape {
            "spread" => (gen::Shape::default(), "scan --snapshot benchmark"),
            "focused" => (
                gen::Shape::focused(),
                "scan -n big --snapshot benchmark (one namespace, kubelet stats)",
            ),
            other => panic!("unknown SCAN_BENCH_SHAPES entry {other:?}: spread or focused"),
        };
        println!("{title} · {cpus} CPUs · release binary, stdout to /dev/null, -o json");
        println!(
            "{:>7} {:>9} {:>10} {:>10} {:>10} {:>9} {:>9} {:>9} {:>8}",
            "N",
            "files MB",
            "wall ms",
            "(min)",
            "RSS MB",
            "load ms",
            "think ms",
            "json ms",
            "findings"
        );
        for &n in &sizes {
            bench_one(n, shape, &mut over_budget);
        }
    }
    if !over_budget.is_empty() {
        eprintln!("over budget: {}", over_budget.join("; "));
        std::process::exit(1);
    }
}

/// Generates, runs and prints one row: `n` pods of `shape`.
fn bench_one(n: usize, shape: gen::Shape, over_budget: &mut Vec<String>) {
    let dir = tempfile::tempdir().expect("tempdir");
    gen::write_shaped(dir.path(), n, shape);
    let bytes: u64 = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok()?.metadata().ok())
        .map(|m| m.len())
        .sum();
    let path = dir.path().display().to_string();
    let mut args = vec![
        "scan",
        "--snapshot",
        &path,
        "-o",
        "json",
        "--fail-on",
        "never",
    ];
    let mut scope = Scope::default();
    if shape.one_namespace {
        args.extend(["-n", gen::BIG_NS]);
        scope.namespace = Some(gen::BIG_NS.to_string());
    }
    let runs = if n <= 10_000 { 5 } else { 2 };
    let mut walls = Vec::new();
    let mut rss = 0;
    for _ in 0..runs {
        let (wall, r, code) = run_child(&args);
        assert_eq!(code, 0, "scan exited {code}");
        walls.push(wall);
        rss = rss.max(r);
    }
    walls.sort();
    let median = walls[walls.len() / 2];

    // In-process split, and a check that the generator's failures are what scan finds.
    let t = Instant::now();
    let (snap, _) = load::load_paths(&[dir.path().to_path_buf()]).expect("loads");
    let load_t = t.elapsed();
    let t = Instant::now();
    let report = scan::scan(&snap, &scope, &Prices::default(), acquire::as_of(&snap));
    let think_t = t.elapsed();
    let t = Instant::now();
    let json = kubectl_storage::render::to_json(&report).expect("json");
    let json_t = t.elapsed();
    drop(json);
    println!(
        "{n:>7} {:>9.1} {:>10.0} {:>10.0} {:>10.1} {:>9.0} {:>9.0} {:>9.0} {:>8}",
        mb(bytes),
        median.as_secs_f64() * 1e3,
        walls[0].as_secs_f64() * 1e3,
        mb(rss),
        load_t.as_secs_f64() * 1e3,
        think_t.as_secs_f64() * 1e3,
        json_t.as_secs_f64() * 1e3,
        report.report.findings.len()
    );
    let mut got: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &report.report.findings {
        *got.entry(f.code).or_default() += 1;
    }
    for (code, want) in gen::expected_shaped(n, shape) {
        let have = got.remove(code).unwrap_or(0);
        if have != want {
            println!("        note: {code}: expected {want}, scan found {have}");
        }
    }
    for (code, extra) in got {
        println!("        note: unexpected {code} ×{extra}");
    }
    if n == 10_000 && !shape.one_namespace && (median > Duration::from_secs(1) || rss > 200_000_000)
    {
        over_budget.push(format!(
            "N=10000: {:.0} ms, {:.1} MB (budget 1000 ms, 200 MB)",
            median.as_secs_f64() * 1e3,
            mb(rss)
        ));
    }
}
