//! The CLI end to end on snapshots: outputs (insta), exit codes, and bad input.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn example(name: &str) -> String {
    root().join("examples").join(name).display().to_string()
}

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"));
    c.env_remove("KUBECONFIG")
        .env("NO_COLOR", "1")
        .env("HOME", "/nonexistent-home");
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

fn json(args: &[&str]) -> (i32, Value) {
    let r = run(args);
    let v = serde_json::from_str(&r.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", r.stdout, r.stderr));
    (r.code, v)
}

fn codes(v: &Value) -> Vec<String> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn seed_human_output() {
    let r = run(&["why", "pod/task-pod", "--snapshot", &example("seed")]);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(
        r.stdout.starts_with("Pod default/task-pod is Pending"),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains('\u{1b}'), "no colour when piped");
    insta::assert_snapshot!("seed_human", r.stdout);
}

#[test]
fn seed_json_puts_the_root_cause_first() {
    let (code, v) = json(&[
        "why",
        "task-pod",
        "--snapshot",
        &example("seed"),
        "-o",
        "json",
    ]);
    assert_eq!(code, 1);
    assert_eq!(v["schemaVersion"], 1);
    let c = codes(&v);
    assert_eq!(
        c.first().map(String::as_str),
        Some("provisioner-missing"),
        "{c:?}"
    );
    assert!(c.contains(&"zone-mismatch".to_string()));
    assert!(c.contains(&"legacy-aws-ebs-provisioner".to_string()));
    let f = &v["findings"][0];
    assert_eq!(f["object"]["kind"], "PersistentVolumeClaim");
    assert_eq!(f["object"]["name"], "task-pvc");
    assert_eq!(f["severity"], "error");
    assert!(f["evidence"][0]
        .as_str()
        .unwrap()
        .starts_with("187× ExternalProvisioning"));
    assert_eq!(v["summary"]["errors"], 2);
    assert_eq!(v["summary"]["warnings"], 1);
    // Offline: no cluster is named, but the time the data describes is.
    let cluster = &v["cluster"];
    assert!(
        cluster["context"].is_null() && cluster["server"].is_null(),
        "{cluster}"
    );
    assert_eq!(cluster["asOf"], v["asOf"]);
    assert!(cluster["durationMs"].is_u64(), "{cluster}");
    let mut v = v;
    v["cluster"]["durationMs"] = serde_json::json!(0);
    insta::assert_json_snapshot!("seed_json", v);
}

#[test]
fn healthy_example_is_clean() {
    let r = run(&["why", "pod/task-pod", "--snapshot", &example("healthy")]);
    assert_eq!(r.code, 0, "{}{}", r.stdout, r.stderr);
    assert!(r.stdout.contains("No problems found"), "{}", r.stdout);
    insta::assert_snapshot!("healthy_human", r.stdout);
    let (code, v) = json(&[
        "why",
        "pvc/task-pvc",
        "--snapshot",
        &example("healthy"),
        "-o",
        "json",
        "--fail-on",
        "info",
    ]);
    assert_eq!(code, 0);
    assert!(codes(&v).is_empty(), "{v}");
}

#[test]
fn fail_on_controls_the_exit_code() {
    let seed = example("seed");
    assert_eq!(
        run(&["why", "task-pod", "--snapshot", &seed, "--fail-on", "never"]).code,
        0
    );
    assert_eq!(
        run(&[
            "why",
            "task-pod",
            "--snapshot",
            &seed,
            "--fail-on",
            "warning"
        ])
        .code,
        1
    );
}

#[test]
fn yaml_output_parses() {
    let r = run(&[
        "why",
        "task-pod",
        "--snapshot",
        &example("seed"),
        "-o",
        "yaml",
    ]);
    let v: Value = serde_saphyr::from_str(&r.stdout).expect("valid YAML");
    assert_eq!(v["findings"][0]["code"], "provisioner-missing");
}

#[test]
fn targets_pvc_pv_and_bare_names_resolve() {
    let healthy = example("healthy");
    for t in [
        "pvc/task-pvc",
        "pv/pvc-5f1c2a9e-0c4b-4f7e-9d7a-2b1e6c3d4a51",
        "task-pod",
        "pods/task-pod",
    ] {
        let (code, v) = json(&["why", t, "--snapshot", &healthy, "-o", "json"]);
        assert_eq!(code, 0, "{t}");
        assert_eq!(
            v["chain"][0]["children"].as_array().map(|c| !c.is_empty()),
            Some(true),
            "{t}: {v}"
        );
    }
}

#[test]
fn dump_round_trips_through_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("bundle");
    let r = run(&[
        "dump",
        out.to_str().unwrap(),
        "--snapshot",
        &example("seed"),
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(out.join("persistentvolumeclaims.yaml").is_file());
    assert!(
        out.join("csidrivers.yaml").is_file(),
        "empty kinds are written as typed lists"
    );
    let (_, before) = json(&[
        "why",
        "task-pod",
        "--snapshot",
        &example("seed"),
        "-o",
        "json",
    ]);
    let (_, after) = json(&[
        "why",
        "task-pod",
        "--snapshot",
        out.to_str().unwrap(),
        "-o",
        "json",
    ]);
    assert_eq!(before["findings"], after["findings"]);
}

#[test]
fn explain_prints_docs_and_lists_codes() {
    let r = run(&["explain", "zone-mismatch"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("What it detects") && r.stdout.contains("How to fix it"));
    let list = run(&["explain"]);
    assert!(list.stdout.lines().count() >= 4);
    let r = run(&["explain", "no-such-code"]);
    assert_eq!(r.code, 2);
    assert!(
        r.stderr.contains("unknown finding code \"no-such-code\""),
        "{}",
        r.stderr
    );
}

fn write(dir: &Path, name: &str, text: &str) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.display().to_string()
}

/// Bad input: one line on stderr (no panic, no backtrace), exit 2.
fn assert_clean_error(r: &Run, needle: &str) {
    assert_eq!(r.code, 2, "stdout: {}\nstderr: {}", r.stdout, r.stderr);
    assert!(
        r.stderr.contains(needle),
        "expected {needle:?} in {:?}",
        r.stderr
    );
    assert!(
        !r.stderr.contains("panicked") && !r.stderr.contains("RUST_BACKTRACE"),
        "{}",
        r.stderr
    );
    assert!(
        r.stderr.lines().count() <= 2,
        "one line plus an optional hint: {}",
        r.stderr
    );
}

#[test]
fn bad_input_is_one_line_and_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let bad_yaml = write(
        d,
        "bad.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x\n",
    );
    assert_clean_error(
        &run(&["why", "x", "--snapshot", &bad_yaml]),
        "bad.yaml:3:11: invalid YAML: unclosed bracket",
    );
    let bad_json = write(d, "bad.json", "{\"apiVersion\": \"v1\", \"kind\": ");
    assert_clean_error(
        &run(&["why", "x", "--snapshot", &bad_json]),
        "bad.json: invalid JSON",
    );
    let not_k8s = write(d, "config.yaml", "server:\n  port: 8080\n");
    assert_clean_error(
        &run(&["why", "x", "--snapshot", &not_k8s]),
        "config.yaml: document 1 has no kind/apiVersion",
    );
    let wrong_shape = write(
        d,
        "pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\nspec: {containers: 5}\n",
    );
    assert_clean_error(
        &run(&["why", "x", "--snapshot", &wrong_shape]),
        "pod.yaml: document 1 (Pod x)",
    );
    assert_clean_error(
        &run(&["why", "x", "--snapshot", "/no/such/dir"]),
        "/no/such/dir: cannot read: no such file or directory",
    );
    let empty = tempfile::tempdir().unwrap();
    assert_clean_error(
        &run(&["why", "x", "--snapshot", empty.path().to_str().unwrap()]),
        "no .yaml, .yml or .json files found",
    );
    let seed = example("seed");
    assert_clean_error(
        &run(&["why", "pod/Bad_Name", "--snapshot", &seed]),
        "invalid target \"pod/Bad_Name\"",
    );
    assert_clean_error(
        &run(&["why", "deploy/web", "--snapshot", &seed]),
        "unsupported target kind \"deploy\"",
    );
    assert_clean_error(
        &run(&["why", "pod/nope", "--snapshot", &seed]),
        "pod nope not found in namespace default",
    );
    assert_clean_error(
        &run(&["why", "pod/task-pod", "-n", "prod", "--snapshot", &seed]),
        "pod task-pod not found in namespace prod",
    );
}

#[test]
fn unknown_kinds_are_ignored_and_counted_at_v1() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("examples/healthy/workload.json"),
        dir.path().join("w.json"),
    )
    .unwrap();
    write(
        dir.path(),
        "svc.yaml",
        "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n",
    );
    let r = run(&[
        "why",
        "task-pod",
        "--snapshot",
        dir.path().to_str().unwrap(),
        "-v",
        "1",
        "--fail-on",
        "never",
    ]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stderr.contains("ignored 1 Service object(s)"),
        "{}",
        r.stderr
    );
    // Nothing but the workload: the other hops are not checked, never shown healthy.
    assert!(r.stdout.contains("not checked"), "{}", r.stdout);
}

#[test]
fn broken_or_missing_kubeconfig_is_a_clean_error() {
    let dir = tempfile::tempdir().unwrap();
    let kc = write(dir.path(), "kubeconfig", "this: [is not a kubeconfig");
    assert_clean_error(
        &run(&["why", "pod/db-0", "--kubeconfig", &kc]),
        "cannot load kubeconfig",
    );
    assert_clean_error(
        &run(&["why", "pod/db-0", "--kubeconfig", "/no/such/kubeconfig"]),
        "cannot load kubeconfig /no/such/kubeconfig",
    );
    let r = run(&["why", "pod/db-0"]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("no usable kubeconfig"), "{}", r.stderr);
}

#[test]
fn unreachable_api_server_fails_fast_with_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let kc = write(
        dir.path(),
        "kubeconfig",
        "apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: 'https://127.0.0.1:9'}}]\nusers: [{name: u, user: {token: abc}}]\ncontexts: [{name: x, context: {cluster: c, user: u}}]\ncurrent-context: x\n",
    );
    let started = std::time::Instant::now();
    let r = run(&[
        "why",
        "pod/db-0",
        "--kubeconfig",
        &kc,
        "--request-timeout",
        "5s",
    ]);
    assert_clean_error(&r, "cannot reach the API server");
    assert!(
        started.elapsed().as_secs() < 20,
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn help_has_examples_and_version_works() {
    let r = run(&["--help"]);
    assert_eq!(r.code, 0);
    assert!(r.stdout.contains("Examples:") && r.stdout.contains("kubectl storage why pod/db-0"));
    let r = run(&["why", "--help"]);
    assert!(r.stdout.contains("TARGET is pod/NAME"));
    let r = run(&["--version"]);
    assert!(r.stdout.starts_with("kubectl-storage "), "{}", r.stdout);
}

#[test]
fn help_groups_shared_flags_after_the_command_own_and_explain_has_examples() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .args(["import-ebs", "--help"])
        .output()
        .expect("runs");
    let text = String::from_utf8_lossy(&out.stdout);
    let at = |h: &str| {
        text.find(h)
            .unwrap_or_else(|| panic!("{h} missing: {text}"))
    };
    assert!(at("Options:") < at("Cluster connection:"), "{text}");
    assert!(at("Cluster connection:") < at("AWS:"), "{text}");
    assert!(at("Options:") < at("--claim"), "{text}");
    assert!(
        at("--claim") < at("Cluster connection:"),
        "own flags first: {text}"
    );
    assert!(at("Output:") < at("--no-color"), "{text}");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .args(["explain", "--help"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&out.stdout).contains("kubectl storage explain zone-mismatch"));
}

/// `why -l` / `why -A`: one report per matching pod, a summary line, JSON as a list; a TARGET
/// and a selector exclude each other (exit 2).
#[test]
fn why_many_pods_by_selector_or_all_namespaces() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(root().join("examples/seed")).unwrap() {
        let p = entry.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    let web = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-1","namespace":"web","labels":{"app":"web"},"creationTimestamp":"2026-01-01T00:00:00Z"},
        "spec":{"nodeName":"ip-10-0-1-17.ec2.internal","containers":[{"name":"c","image":"nginx"}]},
        "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}"#;
    std::fs::write(dir.path().join("web.json"), web).unwrap();
    let snap = dir.path().display().to_string();

    let (code, v) = json(&["why", "-A", "--snapshot", &snap, "-o", "json"]);
    let reports = v.as_array().expect("a list of reports");
    let targets: Vec<&str> = reports
        .iter()
        .map(|r| r["target"].as_str().unwrap())
        .collect();
    assert_eq!(targets, ["pod/task-pod", "pod/web-1"], "{v}");
    assert_eq!(code, 1, "the seed's pod has errors");
    assert_eq!(reports[1]["summary"]["errors"], 0);

    let r = run(&["why", "-A", "-l", "app=web", "--snapshot", &snap]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.trim_end().ends_with(
            "1 pod(s) matching app=web in any namespace: 0 with errors, 0 with warnings, 1 without"
        ),
        "{}",
        r.stdout
    );
    assert!(!r.stdout.contains("task-pod"), "{}", r.stdout);

    // Without -A: the namespace of -n (default "default").
    let (_, v) = json(&["why", "-l", "app=mysql", "--snapshot", &snap, "-o", "json"]);
    assert_eq!(v.as_array().map(Vec::len), Some(1), "{v}");
    let r = run(&["why", "-l", "app=nothing", "--snapshot", &snap]);
    assert_eq!(
        (r.code, r.stderr.trim()),
        (0, "No pods matching app=nothing in namespace default.")
    );

    let r = run(&["why", "pod/task-pod", "-l", "app=web", "--snapshot", &snap]);
    assert_eq!(r.code, 2, "{}", r.stderr);
}

/// On a terminal, tables fit the terminal's own width (asked of the terminal through the pty's
/// window size, with no $COLUMNS), and grow when the terminal is wider.
#[cfg(target_os = "linux")]
#[test]
fn tables_fit_the_terminal_width() {
    use std::io::Read;
    use std::os::fd::FromRawFd;
    fn widest_line_on_a_terminal(cols: u16) -> usize {
        let (mut master, mut slave) = (0, 0);
        let size = libc::winsize {
            ws_row: 50,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let rc = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                &size,
            )
        };
        assert_eq!(rc, 0, "openpty");
        let out = unsafe { std::fs::File::from_raw_fd(slave) };
        let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
            .args(["scan", "--snapshot", &example("seed"), "--color", "never"])
            .env_remove("COLUMNS")
            .env("HOME", "/nonexistent-home")
            .stdout(out.try_clone().unwrap())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("runs");
        drop(out);
        let mut master = unsafe { std::fs::File::from_raw_fd(master) };
        let mut text = Vec::new();
        let mut buf = [0u8; 4096];
        // The pty reports EIO once the child (the last writer) has exited.
        while let Ok(n) = master.read(&mut buf) {
            if n == 0 {
                break;
            }
            text.extend_from_slice(&buf[..n]);
        }
        child.wait().unwrap();
        let text = String::from_utf8_lossy(&text);
        // The summary table: its header row, down to the first empty line.
        let table: Vec<&str> = text
            .lines()
            .map(|l| l.trim_end_matches('\r'))
            .skip_while(|l| !l.contains("NAMESPACE"))
            .take_while(|l| !l.trim().is_empty())
            .collect();
        assert!(!table.is_empty(), "no table in: {text}");
        table.iter().map(|l| l.chars().count()).max().unwrap_or(0)
    }
    let narrow = widest_line_on_a_terminal(72);
    assert!(
        narrow <= 72,
        "a line of {narrow} columns on a 72-column terminal"
    );
    let wide = widest_line_on_a_terminal(200);
    assert!(
        wide > 72,
        "a 200-column terminal gets wider tables ({wide})"
    );
}
