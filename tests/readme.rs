//! The README stays true: every finding code is in its catalog, and its first command runs.

use std::process::Command;

#[test]
fn readme_lists_every_finding_code() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .args(["explain", "-o", "json"])
        .output()
        .unwrap();
    let docs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let missing: Vec<&str> = docs
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["code"].as_str())
        .filter(|code| !readme.contains(&format!("| `{code}` |")))
        .collect();
    assert!(
        missing.is_empty(),
        "README catalog lacks {missing:?}: regenerate it with scripts/catalog-md"
    );
}

#[test]
fn readme_first_command_diagnoses_the_bundled_example() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.contains("cargo run -q -- why pod/task-pod --snapshot examples/seed"));
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .args([
            "why",
            "pod/task-pod",
            "--snapshot",
            concat!(env!("CARGO_MANIFEST_DIR"), "/examples/seed"),
        ])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let first = text.lines().next().unwrap_or_default();
    assert!(
        readme.contains(first),
        "README shows stale output; first line now: {first}"
    );
}

#[test]
fn readme_import_ebs_example_runs_on_files_the_repo_ships() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let line = readme
        .lines()
        .find(|l| l.starts_with("$ kubectl storage import-ebs "))
        .expect("README shows an import-ebs example");
    let args: Vec<&str> = line
        .trim_start_matches("$ kubectl storage ")
        .split_whitespace()
        .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .args(&args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{line}: {err}");
    let first = err.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("planned") && readme.contains(first),
        "README shows stale import-ebs output; first line now: {first}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("persistentVolumeReclaimPolicy: Retain"));
}
