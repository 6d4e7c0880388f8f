//! `preflight` end to end: every output format on manifests with known mistakes, line numbers on
//! multi-document input, SARIF checked against the SARIF 2.1.0 JSON schema, gate controls and bad
//! input.

use std::path::PathBuf;
use std::process::Stdio;

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixtures() -> PathBuf {
    root().join("tests/fixtures/preflight")
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"));
    c.env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .env("HOME", "/nonexistent-home")
        .current_dir(fixtures());
    c
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run(args: &[&str]) -> Run {
    let out = bin().args(args).output().expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn run_stdin(args: &[&str], input: &str) -> Run {
    let out = bin()
        .args(args)
        .write_stdin(input.as_bytes().to_vec())
        .output()
        .expect("runs");
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// (code, file, line) of every finding in the JSON output.
fn located(v: &Value) -> Vec<(String, String, u64)> {
    v["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap_or_default().to_string(),
                f["location"]["file"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                f["location"]["line"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn human_output_names_file_line_and_exits_1() {
    let r = run(&["preflight", "-f", "bad/db.yaml", "-f", "bad/storage.yaml"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    insta::assert_snapshot!("preflight_human_bad", r.stdout);
}

#[test]
fn json_locations_on_multi_document_input() {
    let r = run(&["preflight", "-f", "bad/", "-o", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let found = located(&v);
    for expected in [
        ("ebs-class-invalid-parameters", "bad/storage.yaml", 13),
        ("access-mode-unsupported", "bad/db.yaml", 26),
        ("zone-mismatch", "bad/db.yaml", 14),
        ("claim-below-minimum-size", "bad/db.yaml", 30),
    ] {
        assert!(
            found
                .iter()
                .any(|(c, f, l)| (c.as_str(), f.as_str(), *l) == expected),
            "{expected:?} not in {found:?}"
        );
    }
    assert_eq!(v["skipped"]["ConfigMap"], 1);
}

#[test]
fn sarif_is_valid_against_the_schema_and_points_at_lines() {
    let r = run(&["preflight", "-f", "bad/", "-o", "sarif"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    validate_sarif(&r.stdout);
    let run0 = &v["runs"][0];
    let rules = run0["tool"]["driver"]["rules"].as_array().expect("rules");
    let rule = rules
        .iter()
        .find(|r| r["id"] == "ebs-class-invalid-parameters")
        .expect("rule metadata");
    assert_eq!(rule["defaultConfiguration"]["level"], "error");
    assert!(rule["help"]["text"].as_str().is_some_and(|t| !t.is_empty()));
    let result = run0["results"]
        .as_array()
        .expect("results")
        .iter()
        .find(|r| r["ruleId"] == "ebs-class-invalid-parameters")
        .expect("result");
    let phys = &result["locations"][0]["physicalLocation"];
    assert_eq!(phys["artifactLocation"]["uri"], "bad/storage.yaml");
    assert_eq!(phys["region"]["startLine"], 13);
    assert_eq!(
        rules[result["ruleIndex"].as_u64().expect("index") as usize]["id"],
        "ebs-class-invalid-parameters"
    );
}

#[test]
fn why_and_scan_sarif_point_at_the_snapshot_file_and_are_valid() {
    let seed = root().join("examples/seed").display().to_string();
    for args in [
        vec!["why", "task-pod", "--snapshot", &seed, "-o", "sarif"],
        vec!["scan", "--snapshot", &seed, "-o", "sarif"],
    ] {
        let r = run(&args);
        assert_eq!(r.code, 1, "{}", r.stderr);
        validate_sarif(&r.stdout);
        let v: Value = serde_json::from_str(&r.stdout).expect("json");
        let results = v["runs"][0]["results"].as_array().expect("results");
        assert!(!results.is_empty());
        for res in results {
            let loc = &res["locations"][0];
            let uri = loc["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap_or_else(|| panic!("no physical location: {res}"));
            assert!(
                !uri.starts_with('/') && uri.contains("examples/seed/"),
                "{uri}"
            );
            assert_eq!(
                loc["physicalLocation"]["artifactLocation"]["uriBaseId"],
                "%SRCROOT%"
            );
            assert!(loc["physicalLocation"]["region"]["startLine"].as_u64() >= Some(1));
            assert!(loc["logicalLocations"][0]["fullyQualifiedName"]
                .as_str()
                .is_some_and(|s| s.contains('/')));
        }
    }
}

#[test]
fn live_sarif_is_refused_with_a_pointer_to_json() {
    for cmd in [
        &["why", "pod/x", "-o", "sarif"][..],
        &["scan", "-o", "sarif"][..],
    ] {
        let r = run(cmd);
        assert_eq!(r.code, 2, "{cmd:?}: {}", r.stderr);
        assert!(
            r.stderr.contains("-o sarif needs a file") && r.stderr.contains("-o json"),
            "{}",
            r.stderr
        );
    }
}

#[test]
fn sarif_uris_are_repo_relative_for_stdin_absolute_paths_and_helm_sources() {
    let abs = fixtures().join("bad/storage.yaml").display().to_string();
    let r = run(&["preflight", "-f", &abs, "-o", "sarif"]);
    validate_sarif(&r.stdout);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let art = &v["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(art["uri"], "bad/storage.yaml", "{art}");
    assert_eq!(art["uriBaseId"], "%SRCROOT%");
    // helm template output: each result points at its template and the line within it.
    let rendered = "---\n# Source: db/templates/storageclass.yaml\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: fast\nprovisioner: ebs.csi.aws.com\nparameters:\n  type: gp4\n---\n# Source: db/templates/pvc.yaml\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  storageClassName: fast\n  accessModes: [ReadWriteMany]\n  resources: {requests: {storage: 1Gi}}\n";
    let r = run_stdin(&["preflight", "-f", "-", "-o", "sarif"], rendered);
    validate_sarif(&r.stdout);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let places: Vec<(String, u64)> = v["runs"][0]["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|res| {
            let p = &res["locations"][0]["physicalLocation"];
            (
                p["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                p["region"]["startLine"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert!(
        places.contains(&("db/templates/storageclass.yaml".into(), 7)),
        "{places:?}"
    );
    assert!(
        places.contains(&("db/templates/pvc.yaml".into(), 7)),
        "{places:?}"
    );
    assert!(!r.stdout.contains("<stdin>"));
    // Without # Source: comments, stdin is "stdin", a valid relative reference.
    let r = run_stdin(
        &["preflight", "-f", "-", "-o", "sarif"],
        &rendered.replace("# Source: ", "# was: "),
    );
    validate_sarif(&r.stdout);
    assert!(r.stdout.contains("\"uri\": \"stdin\""), "{}", r.stdout);
    let rule = &v["runs"][0]["tool"]["driver"]["rules"][0];
    assert!(
        rule["helpUri"]
            .as_str()
            .is_some_and(|u| u.ends_with(&format!(
                "README.md#{}",
                rule["id"].as_str().unwrap_or_default()
            ))),
        "{rule}"
    );
}

#[test]
fn one_run_writes_annotations_sarif_and_junit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let sarif = dir.path().join("out.sarif");
    let junit = dir.path().join("out.xml");
    let r = run(&[
        "preflight",
        "-f",
        "bad/storage.yaml",
        "-o",
        "github",
        "--sarif-file",
        &sarif.display().to_string(),
        "--junit-file",
        &junit.display().to_string(),
    ]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("::error file=bad/storage.yaml"),
        "{}",
        r.stdout
    );
    let s = std::fs::read_to_string(&sarif).expect("sarif written");
    validate_sarif(&s);
    assert!(s.contains("\"ruleId\": \"ebs-class-invalid-parameters\""));
    let x = std::fs::read_to_string(&junit).expect("junit written");
    assert!(x.starts_with("<?xml") && x.contains("<failure"), "{x}");
}

/// Validates with Python's `jsonschema` against the vendored official SARIF 2.1.0 schema
/// (tests/sarif/sarif-schema-2.1.0.json, from the OASIS sarif-spec repository).
fn validate_sarif(text: &str) {
    let dir = tempfile::tempdir().expect("tempdir");
    let doc = dir.path().join("out.sarif");
    std::fs::write(&doc, text).expect("write");
    let schema = root().join("tests/sarif/sarif-schema-2.1.0.json");
    let out = std::process::Command::new("python3")
        .arg("-c")
        .arg(
            "import json,sys,jsonschema\n\
             schema=json.load(open(sys.argv[1]))\n\
             doc=json.load(open(sys.argv[2]))\n\
             jsonschema.Draft7Validator(schema).validate(doc)\n\
             print('valid')",
        )
        .arg(&schema)
        .arg(&doc)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .output()
        .expect("python3 with jsonschema (pip install jsonschema) validates SARIF");
    assert!(
        out.status.success(),
        "SARIF does not validate: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    multitool_validate(&doc);
}

/// The SARIF Multitool's own validation rules (SARIF1001…, the ones code scanning applies), when
/// scripts/test could install it (`SARIF_MULTITOOL`, npm @microsoft/sarif-multitool); an error
/// or warning result fails the test.
fn multitool_validate(doc: &std::path::Path) {
    let Some(tool) = std::env::var_os("SARIF_MULTITOOL") else {
        return;
    };
    let log = doc.with_extension("validation.sarif");
    let out = std::process::Command::new(&tool)
        .arg("validate")
        .arg(doc)
        .arg("--output")
        .arg(&log)
        .arg("--log")
        .arg("ForceOverwrite")
        .output()
        .expect("runs the SARIF Multitool");
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    let v: Value = serde_json::from_str(&text).unwrap_or_else(|_| {
        panic!(
            "no validation log from the Multitool: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    let bad: Vec<String> = v["runs"][0]["results"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| matches!(r["level"].as_str(), Some("error") | Some("warning") | None))
        .map(|r| format!("{}: {}", r["ruleId"], r["message"]))
        .collect();
    assert!(bad.is_empty(), "SARIF Multitool: {bad:#?}");
}

#[test]
fn junit_has_a_case_per_object_and_rule() {
    let r = run(&["preflight", "-f", "bad/", "-f", "good/", "-o", "junit"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stdout.starts_with("<?xml"));
    assert!(r
        .stdout
        .contains("<testcase name=\"access-mode-unsupported: StatefulSet prod/db\" classname=\"bad/db.yaml\" file=\"bad/db.yaml\" line=\"26\">"), "{}", r.stdout);
    // A clean object is a passing case.
    assert!(
        r.stdout
            .contains("<testcase name=\"StorageClass gp3\" classname=\"good/app.yaml\""),
        "{}",
        r.stdout
    );
    // Well-formed XML.
    let out = std::process::Command::new("python3")
        .args([
            "-c",
            "import sys,xml.etree.ElementTree as E;E.fromstring(sys.stdin.read())",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .expect("stdin")
                .write_all(r.stdout.as_bytes())?;
            c.wait_with_output()
        })
        .expect("python3");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn github_annotations_carry_file_and_line() {
    let r = run(&["preflight", "-f", "bad/storage.yaml", "-o", "github"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.starts_with(
            "::error file=bad/storage.yaml,line=13,col=3,title=ebs-class-invalid-parameters::StorageClass fast: "
        ),
        "{}",
        r.stdout
    );
}

#[test]
fn cluster_snapshot_resolves_classes_and_drivers() {
    let offline = run(&["preflight", "-f", "bad/web.yaml", "-o", "json"]);
    assert_eq!(offline.code, 0, "{}", offline.stderr);
    let with_cluster = run(&[
        "preflight",
        "-f",
        "bad/web.yaml",
        "--snapshot",
        "cluster/",
        "-o",
        "json",
    ]);
    assert_eq!(with_cluster.code, 1, "{}", with_cluster.stderr);
    let v: Value = serde_json::from_str(&with_cluster.stdout).expect("json");
    let found = located(&v);
    assert!(
        found.contains(&("storageclass-missing".into(), "bad/web.yaml".into(), 9)),
        "{found:?}"
    );
    assert!(
        found.iter().any(|(c, _, _)| c == "provisioner-missing"),
        "{found:?}"
    );
}

#[test]
fn gate_controls() {
    let r = run(&["preflight", "-f", "bad/", "--fail-on", "never"]);
    assert_eq!(r.code, 0);
    let r = run(&[
        "preflight",
        "-f",
        "bad/storage.yaml",
        "--ignore",
        "ebs-class-invalid-parameters",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
    assert!(r.stdout.contains("(1 ignored)"), "{}", r.stdout);
    let r = run(&["preflight", "-f", "bad/", "--ignore", "no-such-code"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("unknown finding code"), "{}", r.stderr);
    let r = run(&["preflight", "-f", "good/"]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let cases: [(&str, &str); 4] = [
        ("", "no Kubernetes objects found"),
        (
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Values.name }}\n",
            "<stdin>:4: looks like an unrendered Helm template",
        ),
        ("apiVersion: v1\nkind: Pod\n  bad: [\n", "<stdin>:3"),
        ("just a string\n", "not a mapping"),
    ];
    for (input, expected) in cases {
        let r = run_stdin(&["preflight", "-f", "-"], input);
        assert_eq!(r.code, 2, "{input:?}: {}", r.stderr);
        assert!(r.stderr.contains(expected), "{input:?}: {}", r.stderr);
        assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let binary = dir.path().join("x.yaml");
    std::fs::write(&binary, [0u8, 1, 2, 255]).expect("write");
    let r = run(&["preflight", "-f", &binary.display().to_string()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("binary file"), "{}", r.stderr);
}

#[test]
fn helm_style_stdin_with_unknown_kinds() {
    let text = "---\n# Source: chart/templates/cm.yaml\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\n# Source: chart/templates/pvc.yaml\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n";
    let r = run_stdin(&["preflight", "-f", "-", "-v", "1"], text);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("skipped 1 ConfigMap"), "{}", r.stderr);
}

#[test]
fn sizes_the_api_server_refuses_are_errors_with_their_line() {
    let text = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: a, namespace: default}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: abc}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: b, namespace: default}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: \"-5Gi\"}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c, namespace: default}\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1e400Gi}}\n---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db, namespace: default}\nspec:\n  serviceName: db\n  selector: {matchLabels: {app: db}}\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: db, image: postgres:16}]}\n  volumeClaimTemplates:\n  - metadata: {name: data}\n    spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 10GB}}}\n";
    let r = run_stdin(&["preflight", "-f", "-"], text);
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    for want in [
        "Claim a's spec.resources.requests.storage \"abc\" is not a number",
        "Claim b's spec.resources.requests.storage \"-5Gi\" is negative",
        "Claim c's spec.resources.requests.storage \"1e400Gi\" has the unit \"e400Gi\"",
        "Claim data-db-0's spec.resources.requests.storage \"10GB\" has the unit \"GB\"",
    ] {
        assert!(r.stdout.contains(want), "{want}: {}", r.stdout);
    }
    assert_eq!(
        r.stdout.matches("✗ invalid-quantity").count(),
        4,
        "{}",
        r.stdout
    );
}

/// Chart-shaped renders with YAML 1.1 octals (`defaultMode: 0755`, `0550`, `0555`, `0o400`),
/// `yes`/`off` booleans and a unitless `cpu: 1`: read as the API server reads them.
#[test]
fn yaml_1_1_octals_in_chart_renders_load() {
    let dir = fixtures().join("yaml11");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("yaml11 fixtures")
        .map(|e| e.expect("entry").path())
        .collect();
    files.sort();
    assert!(files.len() >= 3, "{files:?}");
    for f in files {
        let r = run(&["preflight", "-f", &f.display().to_string()]);
        assert_eq!(r.code, 0, "{}: {}{}", f.display(), r.stdout, r.stderr);
        assert!(
            r.stdout.contains("no storage problems found"),
            "{}",
            r.stdout
        );
    }
}

#[test]
fn duplicate_keys_warn_and_keep_the_last() {
    let text = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteMany]\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n";
    let r = run_stdin(&["preflight", "-f", "-", "-o", "json"], text);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("<stdin>:7: key spec.accessModes is given twice (first at line 6)"),
        "{}",
        r.stderr
    );
}

fn write(dir: &std::path::Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().expect("parent")).expect("mkdir");
    std::fs::write(p, text).expect("write");
}

const PVC: &str = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: data\nspec:\n  accessModes: [ReadWriteOnce]\n  resources: {requests: {storage: 1Gi}}\n";

/// A repository as CI checks it out: charts, compose files, package manifests, CI config,
/// kustomizations, ignored and excluded paths, a symlink loop, and one real manifest.
fn repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path();
    write(
        d,
        "charts/db/Chart.yaml",
        "apiVersion: v2\nname: db\nversion: 0.1.0\n",
    );
    write(d, "charts/db/values.yaml", "persistence:\n  size: 8Gi\n");
    write(d, "charts/db/values-prod.yaml", "replicas: 3\n");
    write(
        d,
        "charts/db/templates/pvc.yaml",
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {{ .Release.Name }}-data\n",
    );
    write(
        d,
        "docker-compose.yml",
        "services:\n  db:\n    image: postgres\n",
    );
    write(
        d,
        "package.json",
        "{\"name\": \"app\", \"version\": \"1.0.0\"}\n",
    );
    write(d, "tsconfig.json", "{\"compilerOptions\": {}}\n");
    write(d, "ci/pipeline.yml", "on:\n  push: {}\njobs: {}\n");
    write(
        d,
        "renovate-config.json",
        "{\"extends\": [\"config:base\"]}\n",
    );
    write(d, "deploy/kustomization.yaml", "resources: [pvc.yaml]\n");
    write(d, "deploy/pvc.yaml", PVC);
    write(d, "k8s/app.yaml", &PVC.replace("name: data", "name: app"));
    write(d, ".gitignore", "build/\n");
    write(
        d,
        "build/broken.yaml",
        "apiVersion: v1\nkind: Pod\n  bad: [\n",
    );
    write(d, "vendor/x/bad-class.yaml", "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: x}\nprovisioner: ebs.csi.aws.com\nparameters: {type: gp9}\n");
    #[cfg(unix)]
    std::os::unix::fs::symlink(".", d.join("k8s/loop")).expect("symlink");
    dir
}

#[test]
fn a_repository_is_walked_like_ci_linters_do() {
    let dir = repo();
    let out = bin()
        .current_dir(dir.path())
        .env("PATH", "/nonexistent")
        .args([
            "preflight",
            "-f",
            ".",
            "--exclude",
            "vendor/**",
            "-v",
            "1",
            "-o",
            "json",
        ])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    // deploy/pvc.yaml and k8s/app.yaml, each once despite the loop and the second -f; nothing
    // from build/ or vendor/.
    assert_eq!(v["files"], 2, "{stderr}");
    assert_eq!(v["objects"], 2, "{stderr}");
    for skipped in [
        "charts/db/Chart.yaml: Helm chart file",
        "charts/db/values-prod.yaml: Helm chart file",
        "docker-compose.yml: compose file",
        "package.json: package or tool configuration",
        "tsconfig.json: package or tool configuration",
        "ci/pipeline.yml: no document has kind and apiVersion",
        "renovate-config.json: no document has kind and apiVersion",
        "deploy/kustomization.yaml: kustomization: not rendered (add --kustomize)",
    ] {
        assert!(stderr.contains(skipped), "{skipped:?} not in {stderr}");
    }
    assert!(
        stderr.contains(
            "skipped 1 unrendered Helm template file(s) (first: charts/db/templates/pvc.yaml:4)"
        ) && stderr.contains("helm template RELEASE CHART | kubectl storage preflight -f -"),
        "{stderr}"
    );
    assert!(
        !stderr.contains("build/") && !stderr.contains("vendor/"),
        "{stderr}"
    );
    // Without the exclusion the vendored class is read and found.
    let out = bin()
        .current_dir(dir.path())
        .args(["preflight", "-f", "."])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).contains("vendor/x/bad-class.yaml:5"));
}

#[test]
fn kustomize_without_kubectl_is_a_hint_not_a_failure() {
    let dir = repo();
    let out = bin()
        .current_dir(dir.path())
        .env("PATH", "/nonexistent")
        .args(["preflight", "-f", "deploy", "--kustomize", "-v", "1"])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("not rendered (kubectl is not on PATH)"),
        "{stderr}"
    );
    assert!(
        stderr.contains("kubectl kustomize deploy | kubectl storage preflight -f -"),
        "{stderr}"
    );
}

#[cfg(unix)]
#[test]
fn kustomize_renders_with_kubectl_when_present() {
    use std::os::unix::fs::PermissionsExt;
    let dir = repo();
    // A stand-in kubectl that prints a rendered kustomization with one mistake.
    let bin_dir = tempfile::tempdir().expect("tempdir");
    let kubectl = bin_dir.path().join("kubectl");
    std::fs::write(
        &kubectl,
        "#!/bin/sh\n[ \"$1\" = kustomize ] || exit 3\n/bin/cat <<'Y'\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: prod-data\nspec:\n  accessModes: [ReadWriteMany]\n  storageClassName: gp3\n  resources: {requests: {storage: 1Gi}}\n---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: gp3}\nprovisioner: ebs.csi.aws.com\nY\n",
    )
    .expect("write");
    std::fs::set_permissions(&kubectl, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    let out = bin()
        .current_dir(dir.path())
        .env("PATH", bin_dir.path())
        .args([
            "preflight",
            "-f",
            "deploy",
            "--kustomize",
            "-o",
            "json",
            "-v",
            "1",
        ])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("rendered deploy with kubectl kustomize"),
        "{stderr}"
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    // The rendered claim, not deploy/pvc.yaml (an input of the render).
    assert_eq!(v["objects"], 2);
    let found = located(&v);
    assert!(
        found.contains(&(
            "access-mode-unsupported".into(),
            "deploy/kustomization.yaml".into(),
            1
        )),
        "{found:?}"
    );
}

/// The classic static-EBS set is no longer "no storage problems found"; its corrected twin is.
#[test]
fn classic_static_ebs_set_is_caught_and_its_twin_is_clean() {
    let r = run(&["preflight", "-f", "static-ebs/classic.yaml", "-o", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let found = located(&v);
    for expected in [
        ("volume-mount-undefined", 47),
        ("claim-gets-default-class", 31),
        ("in-tree-ebs-volume", 24),
        ("static-pv-without-zone-affinity", 23),
        ("legacy-aws-ebs-provisioner", 9),
    ] {
        assert!(
            found
                .iter()
                .any(|(c, f, l)| (c.as_str(), *l) == expected && f == "static-ebs/classic.yaml"),
            "{expected:?} not in {found:?}"
        );
    }
    let r = run(&[
        "preflight",
        "-f",
        "static-ebs/healthy.yaml",
        "--fail-on",
        "warning",
    ]);
    assert_eq!(r.code, 0, "{}", r.stdout);
}

/// A class shipped alone (no claim uses it) is still checked.
#[test]
fn a_class_shipped_alone_is_checked_on_its_own() {
    let text = "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {name: old}\nprovisioner: kubernetes.io/aws-ebs\nparameters: {type: io1, iopsPerGB: \"80\", zone: us-east-1a}\n";
    let r = run_stdin(&["preflight", "-f", "-", "-o", "json"], text);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let codes: Vec<String> = located(&v).into_iter().map(|(c, _, _)| c).collect();
    for code in [
        "legacy-aws-ebs-provisioner",
        "ebs-class-invalid-parameters",
        "immediate-binding-single-zone",
    ] {
        assert!(codes.iter().any(|c| c == code), "{code} not in {codes:?}");
    }
}

#[test]
fn an_unresolved_existing_claim_is_not_checked_offline_and_missing_with_cluster_data() {
    let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: app, namespace: prod}\nspec:\n  strategy: {type: Recreate}\n  selector: {matchLabels: {a: b}}\n  template:\n    metadata: {labels: {a: b}}\n    spec:\n      containers: [{name: c, image: x, volumeMounts: [{name: data, mountPath: /d}]}]\n      volumes: [{name: data, persistentVolumeClaim: {claimName: app-existing}}]\n";
    let r = run_stdin(&["preflight", "-f", "-"], text);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("claim prod/app-existing (volume \"data\" of Deployment app in <stdin>): not in the manifests"),
        "{}",
        r.stdout
    );
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("pvcs.yaml"),
        "apiVersion: v1\nkind: PersistentVolumeClaimList\nitems: []\n",
    )
    .expect("write");
    let snap = dir.path().display().to_string();
    let r = run_stdin(
        &["preflight", "-f", "-", "--snapshot", &snap, "-o", "json"],
        text,
    );
    assert_eq!(r.code, 1, "{}{}", r.stdout, r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    let found = located(&v);
    assert!(
        found.iter().any(|(c, _, _)| c == "pvc-missing"),
        "{found:?}"
    );
}

/// Chart-shaped sets (a StatefulSet database, a Deployment with a claim, a static-PV restore):
/// each chart directory is skipped as a chart, each render is checked with its findings at the
/// template and line `# Source:` names, and each healthy twin yields nothing at all.
/// (code, template, line) a render's finding points at.
type Expected = &'static [(&'static str, &'static str, u64)];

#[test]
fn chart_shaped_sets_and_their_healthy_twins() {
    let expected: [(&str, Expected); 3] = [
        (
            "postgres",
            &[
                (
                    "access-mode-unsupported",
                    "postgres/templates/statefulset.yaml",
                    42,
                ),
                (
                    "volume-mount-undefined",
                    "postgres/templates/statefulset.yaml",
                    28,
                ),
                (
                    "ebs-class-invalid-parameters",
                    "postgres/templates/storageclass.yaml",
                    8,
                ),
                (
                    "legacy-aws-ebs-provisioner",
                    "postgres/templates/storageclass.yaml",
                    5,
                ),
            ],
        ),
        (
            "webapp",
            &[(
                "rwo-claim-shared-by-replicas",
                "webapp/templates/deployment.yaml",
                25,
            )],
        ),
        (
            "restore",
            &[
                ("ebs-volume-id-invalid", "restore/templates/pv.yaml", 13),
                (
                    "static-pv-without-zone-affinity",
                    "restore/templates/pv.yaml",
                    11,
                ),
                ("claim-gets-default-class", "restore/templates/pvc.yaml", 5),
            ],
        ),
    ];
    for (chart, findings) in expected {
        let bad = format!("charts/{chart}/rendered.yaml");
        let r = run(&[
            "preflight",
            "-f",
            &bad,
            "--fail-on",
            "warning",
            "-o",
            "json",
        ]);
        assert_eq!(r.code, 1, "{bad}: {}", r.stderr);
        let v: Value = serde_json::from_str(&r.stdout).expect("json");
        let found = located(&v);
        assert_eq!(found.len(), findings.len(), "{bad}: {found:?}");
        for (code, file, line) in findings {
            assert!(
                found.contains(&(code.to_string(), file.to_string(), *line)),
                "{bad}: {code} {file}:{line} not in {found:?}"
            );
        }
        let healthy = format!("charts/{chart}/rendered-healthy.yaml");
        let r = run(&[
            "preflight",
            "-f",
            &healthy,
            "--fail-on",
            "info",
            "-o",
            "json",
        ]);
        assert_eq!(r.code, 0, "{healthy}: {}", r.stdout);
        let v: Value = serde_json::from_str(&r.stdout).expect("json");
        assert_eq!(v["findings"].as_array().map(Vec::len), Some(0), "{healthy}");
        // The same render piped in as `helm template … | preflight -f -` points the same way.
        let text = std::fs::read_to_string(fixtures().join(&bad)).expect("render");
        let r = run_stdin(&["preflight", "-f", "-", "-o", "json"], &text);
        let v: Value = serde_json::from_str(&r.stdout).expect("json");
        assert_eq!(located(&v), found, "{chart} from stdin");
    }
    // The whole tree: chart sources skipped (Chart.yaml, values.yaml, templates), renders read.
    let r = run(&["preflight", "-f", "charts", "-v", "1", "-o", "json"]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    let v: Value = serde_json::from_str(&r.stdout).expect("json");
    assert_eq!(v["files"], 6, "{}", r.stderr);
    assert!(
        r.stderr
            .contains("skipped 6 file(s) that are not Kubernetes manifests"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr
            .contains("skipped 3 unrendered Helm template file(s)"),
        "{}",
        r.stderr
    );
}
