//! EKS Auto Mode (driver ebs.csi.eks.amazonaws.com) is EBS: its chain has the EBS hop with the
//! EC2 cross-check, and a class naming the self-managed driver is told to use Auto Mode's.

use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;

fn why(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .env("HOME", "/nonexistent-home")
        .arg("why")
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

fn fixture(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/auto-mode")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn an_auto_mode_chain_has_the_ebs_hop_checked_against_ec2() {
    let (code, out) = why(&["task-pod", "--snapshot", &fixture("healthy"), "-o", "json"]);
    assert_eq!(code, 0, "{out}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let text = v["chain"].to_string();
    assert!(text.contains("ebs.csi.eks.amazonaws.com"), "{text}");
    assert!(
        text.contains("vol-0c3f5a7b9d1e2f4a6") && text.contains("in-use by i-0a1b2c3d4e5f60001"),
        "EBS hop with EC2's view: {text}"
    );
    assert_eq!(v["summary"]["notChecked"], serde_json::json!([]), "{v:#}");
}

#[test]
fn a_class_naming_the_self_managed_driver_on_auto_mode_is_told_to_use_auto_modes() {
    let (code, out) = why(&[
        "pod/db-0",
        "-n",
        "prod",
        "--snapshot",
        &fixture("wrong-driver-class.yaml"),
        "-o",
        "json",
    ]);
    assert_eq!(code, 1, "{out}");
    let v: Value = serde_json::from_str(&out).expect("json");
    let f = &v["findings"][0];
    assert_eq!(f["code"], "provisioner-missing", "{v:#}");
    let fix = f["fix"].as_str().unwrap_or_default();
    assert!(
        fix.contains("provisioner: ebs.csi.eks.amazonaws.com"),
        "{fix}"
    );
    assert!(!fix.contains("install the EBS CSI driver"), "{fix}");
}
