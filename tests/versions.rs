//! Snapshots in the API versions real clusters print: older versions load and diagnose, an
//! unknown version of a known kind is skipped and listed as not checked.

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn why_json(args: &[&str]) -> (i32, Value, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .env("HOME", "/nonexistent-home")
        .arg("why")
        .args(args)
        .args(["-o", "json"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let v = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
    (out.status.code().unwrap_or(-1), v, stderr)
}

#[test]
fn a_1_17_dump_with_v1beta1_csi_objects_and_events_loads_and_diagnoses() {
    let dir = root().join("tests/fixtures/versions/k8s-1.17");
    let (code, v, stderr) = why_json(&[
        "pod/db-0",
        "-n",
        "prod",
        "--snapshot",
        dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "{stderr}");
    let root_finding = &v["findings"][0];
    assert_eq!(root_finding["code"], "csi-driver-not-registered", "{v:#}");
    let text = root_finding.to_string();
    // The v1beta1 CSINode (drivers: null) and CSIDriver were read, and the
    // events.k8s.io/v1beta1 event is its evidence, with its deprecatedCount.
    assert!(text.contains("ip-10-0-1-11.ec2.internal"), "{text}");
    assert!(text.contains("1 of 2 nodes register it"), "{text}");
    assert!(
        text.contains("10×") && text.contains("FailedMount"),
        "{text}"
    );
    // Every Kubernetes kind of this dump was read; only what it does not hold (EC2, kubelet
    // stats, which the stuck pod's chain asks for) is listed.
    let nc = v["summary"]["notChecked"].to_string();
    for kind in [
        "csidrivers",
        "csinodes",
        "events",
        "volumeattachments",
        "statefulsets",
    ] {
        assert!(!nc.contains(&format!("\"{kind}:")), "{kind} was read: {nc}");
    }
}

#[test]
fn an_unknown_version_of_a_known_kind_is_skipped_and_listed_not_refused() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root().join("examples/healthy")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    std::fs::copy(
        root().join("tests/fixtures/versions/csidrivers-v9.json"),
        dir.path().join("csidrivers.json"),
    )
    .unwrap();
    let (code, v, stderr) = why_json(&["task-pod", "--snapshot", dir.path().to_str().unwrap()]);
    assert_eq!(code, 0, "the rest of the snapshot is diagnosed: {stderr}");
    let all = v.to_string();
    assert!(
        all.contains(
            "csidrivers: 1 skipped, in storage.k8s.io/v9, an API version this tool does not read (ebs.csi.aws.com)"
        ),
        "listed as not checked: {v:#}"
    );
    // The driver is unknown, not missing: no finding says it is not installed.
    let codes: Vec<&str> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["code"].as_str())
        .collect();
    assert!(!codes.contains(&"provisioner-missing"), "{codes:?}");
}
