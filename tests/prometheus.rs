//! `scan -o prometheus`: the exposition is well formed on every example and a fixture with
//! unused claims, and Prometheus's own `promtool check metrics` (built by `scripts/test`, named
//! in `PROMTOOL`) accepts it: format and lint rules alike.

use std::io::Write;
use std::process::{Command, Stdio};

fn scan(path: &str, extra: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .args(["scan", "--snapshot", path, "-o", "prometheus"])
        .args(extra)
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .output()
        .expect("runs");
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

fn inputs() -> Vec<String> {
    let root = env!("CARGO_MANIFEST_DIR");
    [
        "examples/seed",
        "examples/healthy",
        "tests/fixtures/rules/pvc-unused/fires.yaml",
    ]
    .iter()
    .map(|p| format!("{root}/{p}"))
    .collect()
}

/// Each sample line is `name{label="value",…} number` under its family's `# TYPE`.
fn check_shape(text: &str) {
    let mut family: Option<String> = None;
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let mut it = rest.split(' ');
            family = it.next().map(str::to_string);
            assert_eq!(it.next(), Some("gauge"), "{line}");
            continue;
        }
        if line.starts_with("# HELP ") {
            continue;
        }
        let f = family.as_deref().expect("a sample before any # TYPE");
        let (series, value) = line.rsplit_once(' ').expect(line);
        assert!(
            value.parse::<f64>().is_ok() || value == "NaN",
            "value of {line}"
        );
        assert!(
            series.starts_with(&format!("{f}{{")) && series.ends_with('}'),
            "{line} is not of family {f}"
        );
    }
}

#[test]
fn exposition_is_well_formed_and_low_cardinality_by_default() {
    for input in inputs() {
        let text = scan(&input, &[]);
        check_shape(&text);
        assert!(
            text.contains("kubectl_storage_scan_success{cluster=\"\"} 1\n"),
            "{text}"
        );
        assert!(
            !text.contains("name=\""),
            "no object names by default: {text}"
        );
        let named = scan(&input, &["--metrics-object-names"]);
        check_shape(&named);
    }
    let unused = scan(&inputs()[2], &[]);
    assert!(
        unused.contains(
            "kubectl_storage_findings{cluster=\"\",code=\"pvc-unused\",severity=\"warning\",namespace=\"shop\"} 1\n"
        ),
        "{unused}"
    );
}

#[test]
fn promtool_check_metrics_accepts_it() {
    let Some(promtool) = std::env::var_os("PROMTOOL") else {
        eprintln!("PROMTOOL unset: promtool not run (scripts/test builds it)");
        return;
    };
    for input in inputs() {
        for extra in [&[][..], &["--metrics-object-names"][..]] {
            let text = scan(&input, extra);
            let mut child = Command::new(&promtool)
                .args(["check", "metrics"])
                .stdin(Stdio::piped())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("promtool runs");
            child
                .stdin
                .take()
                .unwrap()
                .write_all(text.as_bytes())
                .unwrap();
            let out = child.wait_with_output().unwrap();
            assert!(
                out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
                "promtool check metrics on {input} {extra:?}: {}{}\n{text}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
    }
}
