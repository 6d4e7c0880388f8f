//! `scan` end to end on the example snapshots: rows, counts, exit codes, bad flags.

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn example(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("examples")
        .join(name)
        .display()
        .to_string()
}

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .env("HOME", "/nonexistent-home")
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> (i32, Value) {
    let (code, out, err) = run(args);
    let v = serde_json::from_str(&out).unwrap_or_else(|e| panic!("not JSON ({e}): {out}\n{err}"));
    (code, v)
}

#[test]
fn healthy_example_exits_0_with_no_rows() {
    let (code, out, err) = run(&["scan", "--snapshot", &example("healthy")]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with("No problems found in all namespaces: 1 claim, 1 volume, 1 pod checked."),
        "{out}"
    );
    assert!(
        !out.contains("NAMESPACE"),
        "no table when nothing is wrong: {out}"
    );
    assert!(err.is_empty(), "no progress line when piped: {err}");
    let (code, v) = json(&["scan", "--snapshot", &example("healthy"), "-o", "json"]);
    assert_eq!(code, 0);
    assert_eq!(v["schemaVersion"], 1);
    assert_eq!(v["scan"]["rows"].as_array().map(Vec::len), Some(0));
    assert_eq!(v["scan"]["healthy"], v["scan"]["checked"]);
    assert_eq!(v["summary"]["errors"], 0);
}

#[test]
fn seed_example_lists_the_stuck_claim_with_its_root_cause() {
    let (code, out, _) = run(&["scan", "--snapshot", &example("seed")]);
    assert_eq!(code, 1);
    let row = out
        .lines()
        .find(|l| l.contains("pvc/task-pvc"))
        .unwrap_or_else(|| panic!("no task-pvc row: {out}"));
    assert!(
        row.contains("default") && row.contains("provisioner-missing"),
        "{row}"
    );
    assert!(out.contains("healthy 0 of 1 claims"), "{out}");

    let (code, v) = json(&["scan", "--snapshot", &example("seed"), "-o", "json"]);
    assert_eq!(code, 1);
    let findings = v["findings"].as_array().expect("findings");
    let f = findings
        .iter()
        .find(|f| f["object"]["name"] == "task-pvc")
        .expect("finding on task-pvc");
    assert_eq!(f["code"], "provisioner-missing");
    for key in ["severity", "message", "evidence", "fix"] {
        assert!(!f[key].is_null(), "finding lacks {key}");
    }
    let rows = v["scan"]["rows"].as_array().expect("rows");
    let row = rows
        .iter()
        .find(|r| r["object"]["name"] == "task-pvc")
        .expect("row");
    assert_eq!(row["next"], "kubectl storage why pvc/task-pvc -n default");
    assert_eq!(row["hop"], "provisioning");
    let by_code = v["scan"]["byCode"].as_array().expect("byCode");
    assert!(by_code
        .iter()
        .any(|c| c["code"] == "provisioner-missing" && c["count"] == 1));
}

#[test]
fn scan_and_why_agree_on_the_seed_claim() {
    let (_, why) = json(&[
        "why",
        "pvc/task-pvc",
        "--snapshot",
        &example("seed"),
        "-o",
        "json",
    ]);
    let (_, scan) = json(&["scan", "--snapshot", &example("seed"), "-o", "json"]);
    let codes = |v: &Value| -> Vec<(String, String)> {
        v["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|f| {
                (
                    f["code"].as_str().unwrap_or_default().to_string(),
                    f["object"]["name"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect()
    };
    let in_scan = codes(&scan);
    for c in codes(&why) {
        assert!(
            in_scan.contains(&c),
            "why found {c:?}, scan did not: {in_scan:?}"
        );
    }
}

#[test]
fn kind_and_namespace_narrow_the_report() {
    let (_, v) = json(&[
        "scan",
        "--snapshot",
        &example("seed"),
        "--kind",
        "pvc",
        "-o",
        "json",
    ]);
    for f in v["findings"].as_array().expect("findings") {
        assert_eq!(f["object"]["kind"], "PersistentVolumeClaim", "{f}");
    }
    let (code, v) = json(&[
        "scan",
        "--snapshot",
        &example("seed"),
        "-n",
        "elsewhere",
        "-o",
        "json",
    ]);
    assert_eq!(v["scan"]["checked"]["persistentVolumeClaims"], 0);
    assert_eq!(v["scan"]["scope"], "namespace elsewhere");
    let _ = code;
}

#[test]
fn bad_flags_are_one_line_and_exit_2() {
    for args in [
        &["scan", "--snapshot", "x", "-l", "app in db"][..],
        &["scan", "--snapshot", "x", "--price-per-gb", "gp3"][..],
    ] {
        let (code, _, err) = run(args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with("error: invalid"), "{err}");
    }
}

#[test]
fn orphans_carry_a_monthly_cost_and_the_import_command() {
    let fixture = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules/orphaned-ebs-volume/fires.yaml")
        .display()
        .to_string();
    let (code, v) = json(&["scan", "--snapshot", &fixture, "-o", "json"]);
    assert_eq!(
        code, 0,
        "orphans are warnings: below the default --fail-on error"
    );
    let orphans = v["scan"]["orphans"].as_array().expect("orphans");
    assert_eq!(orphans.len(), 1, "{orphans:?}");
    let o = &orphans[0];
    assert_eq!(o["volumeId"], "vol-0fffffffffffff001");
    assert_eq!(o["sizeGib"], 50);
    assert_eq!(o["monthlyUsd"], 4.0, "50 GiB gp3 at $0.08");
    assert_eq!(
        o["importCommand"],
        "kubectl storage import-ebs vol-0fffffffffffff001"
    );
    assert_eq!(o["createdFor"], "shop/data-old-0");
    let f = v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .find(|f| f["code"] == "orphaned-ebs-volume")
        .expect("orphan finding");
    assert!(
        f["message"]
            .as_str()
            .unwrap_or_default()
            .ends_with("; about $4.00/month"),
        "{f}"
    );

    let (_, v) = json(&[
        "scan",
        "--snapshot",
        &fixture,
        "-o",
        "json",
        "--price-per-gb",
        "gp3=0.1",
    ]);
    assert_eq!(v["scan"]["orphans"][0]["monthlyUsd"], 5.0);
    let (_, human, _) = run(&["scan", "--snapshot", &fixture]);
    assert!(human.contains("Orphaned EBS volumes:"), "{human}");
    assert!(
        human.contains("vol-0fffffffffffff001 50Gi gp3 us-east-1a"),
        "{human}"
    );
}
