//! Absence is not emptiness: kinds missing from an offline snapshot, empty untyped Lists, and an
//! honest clock (tests/fixtures/absence).

use assert_cmd::Command;

fn why(args: &[&str]) -> (i32, serde_json::Value) {
    let out = Command::cargo_bin("kubectl-storage")
        .unwrap()
        .env_remove("KUBECTL_STORAGE_NOW")
        .args(["why", "-o", "json"])
        .args(args)
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), json)
}

fn codes(r: &serde_json::Value) -> Vec<String> {
    r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

fn fixture(f: &str) -> String {
    format!("{}/tests/fixtures/absence/{f}", env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn no_default_class_fires_without_pv_objects_and_names_its_assumption() {
    let (code, r) = why(&[
        "pvc/data",
        "-n",
        "shop",
        "--snapshot",
        &fixture("no-pvs-no-class.json"),
        "--snapshot",
        &fixture("storageclasses.json"),
    ]);
    assert_eq!(code, 1);
    assert_eq!(codes(&r), ["no-default-storageclass"]);
    let evidence = r["findings"][0]["evidence"].to_string();
    assert!(
        evidence.contains("PersistentVolumes were not read"),
        "{evidence}"
    );
    let nc = r["summary"]["notChecked"].to_string();
    assert!(nc.contains("persistentvolumes:"), "{nc}");
}

#[test]
fn an_empty_untyped_list_counts_as_none_when_its_file_names_the_kind() {
    let dir = tempfile::tempdir().unwrap();
    for (from, to) in [
        ("no-pvs-no-class.json", "workload.json"),
        ("pvs.json", "pvs.json"),
        ("storageclasses.json", "unnamed.json"),
    ] {
        std::fs::copy(fixture(from), dir.path().join(to)).unwrap();
    }
    let (_, r) = why(&[
        "pvc/data",
        "-n",
        "shop",
        "--snapshot",
        dir.path().to_str().unwrap(),
    ]);
    let nc = r["summary"]["notChecked"].to_string();
    assert!(
        !nc.contains("persistentvolumes:"),
        "pvs.json says none: {nc}"
    );
    assert!(nc.contains("unnamed.json: an empty untyped List"), "{nc}");
    // The untyped empty List of classes proves nothing: the class hop is not checked.
    assert!(nc.contains("storageclasses:"), "{nc}");
}

#[test]
fn waiting_for_first_consumer_is_said_when_pods_were_not_dumped() {
    let (code, r) = why(&[
        "pvc/data-cache-0",
        "-n",
        "cache",
        "--snapshot",
        &fixture("wffc-no-pods.yaml"),
    ]);
    assert_eq!(code, 0);
    assert_eq!(codes(&r), ["waiting-for-first-consumer"]);
    assert!(r["findings"][0]["evidence"]
        .to_string()
        .contains("pods were not read"));
}

#[test]
fn the_offline_clock_counts_status_times_so_a_detach_stuck_for_hours_is_seen() {
    let (code, r) = why(&["pv/pv-a", "--snapshot", &fixture("detach-clock.yaml")]);
    assert_eq!(r["asOf"], "2026-11-25T09:31:00Z");
    assert_eq!(r["asOfSource"], "newest-timestamp");
    assert_eq!(code, 0, "a warning does not fail the default gate: {r}");
    assert_eq!(codes(&r), ["detach-stuck"]);
    assert!(r["findings"][0]["message"].to_string().contains("for 2h"));
}

#[test]
fn a_dump_records_its_capture_time_and_the_loader_reads_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = Command::cargo_bin("kubectl-storage")
        .unwrap()
        .env("KUBECTL_STORAGE_NOW", "2026-11-25T12:00:00Z")
        .args([
            "dump",
            dir.path().to_str().unwrap(),
            "--snapshot",
            &fixture("detach-clock.yaml"),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let capture = std::fs::read_to_string(dir.path().join("capture.yaml")).unwrap();
    assert!(capture.contains("kubectl-storage-capture"), "{capture}");
    let (_, r) = why(&["pv/pv-a", "--snapshot", dir.path().to_str().unwrap()]);
    assert_eq!(r["asOf"], "2026-11-25T12:00:00Z");
    assert_eq!(r["asOfSource"], "capture-file");
}
