//! `import-ebs` offline, through the binary: the plan on stdout (YAML or a kubectl List), the
//! summary on stderr, exit codes, and bad input as one line.

use assert_cmd::Command;
use serde_json::Value;

const CLUSTER: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/import/cluster.yaml"
);

fn import(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .arg("import-ebs")
        .args(args)
        .args(["--snapshot", CLUSTER])
        .env_remove("AWS_ENDPOINT_URL_EC2")
        .env("NO_COLOR", "1")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn prints_multi_document_yaml_for_kubectl_apply_and_a_summary_on_stderr() {
    let (code, stdout, stderr) = import(&["vol-0d1d1d1d1d1d1d1d1", "--claim", "default/task-pvc"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout.matches("---\n").count(), 2, "{stdout}");
    for needle in [
        "kind: PersistentVolume\n",
        "kind: PersistentVolumeClaim\n",
        "volumeHandle: vol-0d1d1d1d1d1d1d1d1",
        "persistentVolumeReclaimPolicy: Retain",
        "storageClassName: \"\"",
        "- us-east-1d",
        "volumeName: imported-vol-0d1d1d1d1d1d1d1d1",
        "storage.kubectl.io/source-volume: vol-0d1d1d1d1d1d1d1d1",
    ] {
        assert!(stdout.contains(needle), "{needle:?} missing: {stdout}");
    }
    assert!(stderr.contains(
        "planned  vol-0d1d1d1d1d1d1d1d1 (100Gi io1, us-east-1d) → PV imported-vol-0d1d1d1d1d1d1d1d1 + PVC default/task-pvc"
    ), "{stderr}");
    assert!(
        stderr.contains("1 planned, 0 skipped (already imported), 0 refused"),
        "{stderr}"
    );
}

#[test]
fn json_is_a_kubectl_list_and_refusals_exit_1() {
    let (code, stdout, stderr) =
        import(&["--tag", "team=shop", "--claims-from-tags", "-o", "json"]);
    assert_eq!(code, 1, "one volume has no claim tags: {stderr}");
    let v: Value = serde_json::from_str(&stdout).expect("JSON");
    assert_eq!(v["kind"], "List");
    let kinds: Vec<&str> = v["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|i| i["kind"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        kinds,
        [
            "PersistentVolume",
            "PersistentVolumeClaim",
            "PersistentVolume",
            "PersistentVolumeClaim"
        ]
    );
    assert_eq!(v["items"][1]["metadata"]["name"], "data-db-0");
    assert!(
        stderr.contains("refused  vol-0a3a3a3a3a3a3a3a3"),
        "{stderr}"
    );
}

#[test]
fn an_in_use_volume_is_refused_with_evidence_and_fix_and_nothing_is_printed() {
    let (code, stdout, stderr) = import(&["vol-0e1e1e1e1e1e1e1e1"]);
    assert_eq!(code, 1);
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("refused  vol-0e1e1e1e1e1e1e1e1: import-volume-in-use"),
        "{stderr}"
    );
    assert!(
        stderr.contains("fix       stop what uses it there"),
        "{stderr}"
    );
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    for (args, want) in [
        (
            vec!["vol-0123456789abcdef0"],
            "error: EBS volume vol-0123456789abcdef0 not found",
        ),
        (
            vec!["pvc-123"],
            "error: \"pvc-123\" is not an EBS volume id",
        ),
        (
            vec!["--tag", "team"],
            "error: invalid --tag \"team\": use KEY=VALUE",
        ),
        (
            vec!["vol-0a1a1a1a1a1a1a1a1", "--claim", "shop/Data_0"],
            "error: invalid claim name \"Data_0\"",
        ),
        (
            vec!["vol-0a1a1a1a1a1a1a1a1", "--claim", "nope/data"],
            "error: namespace nope does not exist",
        ),
        (
            vec![
                "vol-0a1a1a1a1a1a1a1a1",
                "vol-0a2a2a2a2a2a2a2a2",
                "--claim",
                "shop/x",
            ],
            "error: --claim and --name apply to one volume",
        ),
        (vec![], "error: name the volumes to import"),
        (
            vec!["vol-0a1a1a1a1a1a1a1a1", "--apply"],
            "error: --apply and --dry-run=server write to a cluster",
        ),
    ] {
        let (code, stdout, stderr) = import(&args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stdout.is_empty(), "{args:?}: {stdout}");
        assert!(stderr.starts_with(want), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
    }
}

#[test]
fn explain_knows_the_import_codes() {
    for code in [
        "import-volume-in-use",
        "import-no-node-in-zone",
        "import-already-imported",
        "import-name-conflict",
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
            .args(["explain", code])
            .output()
            .expect("runs");
        assert!(out.status.success(), "{code}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.starts_with(code) && text.contains("Import plan (import-ebs)"),
            "{text}"
        );
    }
}
