//! The EBS side offline: AWS CLI JSON in the snapshot drives the EBS hop and the rules;
//! `--no-aws` and snapshots without EC2 data say "not checked", never healthy.

use assert_cmd::Command;
use serde_json::Value;

fn fixture(code: &str, file: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules")
        .join(code)
        .join(file)
}

fn why(args: &[&str], snapshot: &std::path::Path) -> (Option<i32>, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .args(["why", "pod/db-0", "-n", "prod", "-o", "json", "--snapshot"])
        .arg(snapshot)
        .args(args)
        .env_remove("AWS_ENDPOINT_URL_EC2")
        .output()
        .expect("run");
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code(), json)
}

fn ebs_hop(json: &Value) -> Value {
    fn walk(h: &Value) -> Option<Value> {
        if h["label"] == "EBS" {
            return Some(h.clone());
        }
        h["children"].as_array()?.iter().find_map(walk)
    }
    json["chain"]
        .as_array()
        .and_then(|c| c.iter().find_map(walk))
        .unwrap_or_else(|| panic!("no EBS hop: {json:#}"))
}

#[test]
fn ebs_hop_from_aws_cli_json() {
    let (code, json) = why(&[], &fixture("ebs-volume-not-found", "healthy.yaml"));
    assert_eq!(code, Some(0), "{json:#}");
    let hop = ebs_hop(&json);
    assert_eq!(hop["state"], "ok");
    assert_eq!(hop["detail"], "20Gi gp3 · us-east-1a");
    assert_eq!(hop["status"], "in-use by i-000000000000000a1 (node node-a)");
}

#[test]
fn missing_volume_fails_the_gate() {
    let (code, json) = why(&[], &fixture("ebs-volume-not-found", "fires.yaml"));
    assert_eq!(code, Some(1), "{json:#}");
    assert_eq!(ebs_hop(&json)["state"], "error");
    assert_eq!(json["findings"][0]["code"], "ebs-volume-not-found");
    assert_eq!(json["findings"][0]["object"]["kind"], "EBSVolume");
}

#[test]
fn no_aws_marks_the_hop_not_checked_and_keeps_the_kubernetes_diagnosis() {
    let (code, json) = why(
        &["--no-aws"],
        &fixture("ebs-volume-not-found", "fires.yaml"),
    );
    assert_eq!(code, Some(0), "{json:#}");
    let hop = ebs_hop(&json);
    assert_eq!(hop["state"], "not-checked");
    assert_eq!(hop["status"], "not checked: --no-aws");
    let not_checked = json["summary"]["notChecked"].to_string();
    assert!(
        not_checked.contains("EBS volumes: --no-aws"),
        "{not_checked}"
    );
}

#[test]
fn snapshot_without_ec2_data_is_not_checked() {
    let (code, json) = why(&[], &fixture("zone-mismatch", "healthy.yaml"));
    assert_eq!(code, Some(0), "{json:#}");
    let hop = ebs_hop(&json);
    assert_eq!(hop["state"], "not-checked");
    assert!(
        hop["status"]
            .as_str()
            .unwrap_or_default()
            .contains("describe-volumes"),
        "{hop}"
    );
}

#[test]
fn live_aws_needs_a_snapshot() {
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .args(["why", "pod/db-0", "--live-aws"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2));
}
