//! Benchmark of the pure "think" step of `why`: resolve one pod's chain and run every rule.
//! Target (issue 3): under 1 ms per pod chain. Prints the figures; run with
//! `cargo bench --bench why`.

use std::hint::black_box;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use kubectl_storage::acquire;
use kubectl_storage::chain::Target;
use kubectl_storage::report;
use kubectl_storage::snapshot::load;

fn measure(name: &str, iterations: usize, mut f: impl FnMut()) -> Duration {
    for _ in 0..iterations / 10 {
        f();
    }
    let mut samples: Vec<Duration> = (0..iterations)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    samples.sort();
    let median = samples[samples.len() / 2];
    let p99 = samples[samples.len() * 99 / 100];
    println!(
        "{name:<44} median {:>9.1} µs   p99 {:>9.1} µs   ({iterations} runs)",
        median.as_secs_f64() * 1e6,
        p99.as_secs_f64() * 1e6
    );
    median
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("examples");
    let target = Target::parse("pod/task-pod").expect("target");
    for example in ["seed", "healthy"] {
        let (snap, _) = load::load_paths(&[root.join(example)]).expect("example loads");
        let median = measure(
            &format!("why pod/task-pod ({example}): resolve + rules"),
            2000,
            || {
                black_box(
                    report::diagnose(black_box(&snap), &target, "default", acquire::as_of(&snap))
                        .expect("diagnoses"),
                );
            },
        );
        assert!(
            median < Duration::from_millis(1),
            "{example}: {median:?} is over the 1 ms budget"
        );
        measure(&format!("load examples/{example} from disk"), 500, || {
            black_box(load::load_paths(&[root.join(example)]).expect("loads"));
        });
    }
}
