//! Many clusters in one run (`scan --context … --context …`, `--all-contexts`) and `serve`
//! (issue 18 items 1 and 4). Loopback only: each "cluster" is a stand-in API server written
//! here, one context points at a closed port, one at a server refusing every credential.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A stand-in API server: `/version`, empty LISTs, 404 discovery; `status` other than 200 makes
/// every answer that status.
fn api(status: u16) -> u16 {
    api_counted(status).0
}

/// [`api`], and the number of connections it has accepted.
fn api_counted(status: u16) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let accepted = Arc::new(AtomicUsize::new(0));
    let count = accepted.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            count.fetch_add(1, Ordering::SeqCst);
            std::thread::spawn(move || loop {
                let mut head = Vec::new();
                let mut b = [0u8; 4096];
                while !head.windows(4).any(|w| w == b"\r\n\r\n") {
                    match stream.read(&mut b) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => head.extend_from_slice(&b[..n]),
                    }
                }
                let text = String::from_utf8_lossy(&head).to_string();
                let path = text.split_whitespace().nth(1).unwrap_or("/");
                let path = path.split('?').next().unwrap_or("/");
                let depth = path.trim_matches('/').split('/').count();
                let (code, body) = if status != 200 {
                    (
                        status,
                        format!(
                            r#"{{"kind":"Status","apiVersion":"v1","status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":{status}}}"#
                        ),
                    )
                } else if path == "/version" {
                    (
                        200,
                        r#"{"major":"1","minor":"36","gitVersion":"v1.36.0"}"#.to_string(),
                    )
                } else if (path.starts_with("/api/") && depth <= 2)
                    || (path.starts_with("/apis/") && depth <= 3)
                {
                    (404, r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#.to_string())
                } else {
                    (200, r#"{"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}"#.to_string())
                };
                let msg = format!(
                    "HTTP/1.1 {code} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                    body.len()
                );
                if stream.write_all(msg.as_bytes()).is_err() {
                    return;
                }
            });
        }
    });
    (port, accepted)
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

/// A kubeconfig with one context per (name, port).
fn kubeconfig(dir: &Path, contexts: &[(&str, u16)]) -> PathBuf {
    let mut clusters = String::new();
    let mut ctxs = String::new();
    for (name, port) in contexts {
        clusters.push_str(&format!(
            "- name: {name}\n  cluster: {{server: 'http://127.0.0.1:{port}'}}\n"
        ));
        ctxs.push_str(&format!(
            "- name: {name}\n  context: {{cluster: {name}, user: u, namespace: default}}\n"
        ));
    }
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n{clusters}contexts:\n{ctxs}current-context: {}\nusers:\n- name: u\n  user: {{token: t}}\n",
        contexts[0].0
    );
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).expect("write");
    path
}

fn cmd() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"));
    for v in [
        "KUBECONFIG",
        "HTTP_PROXY",
        "HTTPS_PROXY",
        "http_proxy",
        "https_proxy",
        "ALL_PROXY",
        "AWS_PROFILE",
    ] {
        c.env_remove(v);
    }
    c.env("NO_COLOR", "1")
        .env("AWS_EC2_METADATA_DISABLED", "true");
    c
}

fn run(args: &[&str], kc: &Path) -> Output {
    cmd()
        .args(args)
        .args(["--no-aws", "--request-timeout", "5s", "--kubeconfig"])
        .arg(kc)
        .output()
        .expect("runs")
}

fn text(o: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        o.status.code(),
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn promtool(text: &str) {
    let Some(promtool) = std::env::var_os("PROMTOOL") else {
        eprintln!("PROMTOOL unset: promtool not run (scripts/test builds it)");
        return;
    };
    let mut child = Command::new(promtool)
        .args(["check", "metrics"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(text.as_bytes())
        .expect("write");
    let out = child.wait_with_output().expect("promtool");
    assert!(
        out.status.success() && out.stdout.is_empty() && out.stderr.is_empty(),
        "promtool check metrics: {}{}\n{text}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn every_context_is_scanned_and_a_dead_one_is_an_outcome_not_the_end() {
    let dir = tempfile::tempdir().expect("tmp");
    let kc = kubeconfig(
        dir.path(),
        &[
            ("east", api(200)),
            ("down", closed_port()),
            ("west", api(200)),
            ("locked", api(401)),
        ],
    );
    let out = run(&["scan", "--all-contexts", "-o", "json"], &kc);
    // An unread cluster counts as an error finding: --fail-on error trips.
    assert_eq!(out.status.code(), Some(1), "{}", text(&out));
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    let list = list.as_array().expect("a list");
    let got: Vec<(&str, &str)> = list
        .iter()
        .map(|r| {
            (
                r["cluster"]["context"].as_str().unwrap_or(""),
                r["outcome"].as_str().unwrap_or(""),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("east", "scanned"),
            ("down", "unreachable"),
            ("west", "scanned"),
            ("locked", "forbidden")
        ],
        "{}",
        text(&out)
    );
    schema_allows(&serde_json::Value::Array(list.clone()));
    let reason = list[1]["reason"].as_str().unwrap_or("");
    assert!(reason.contains("cannot reach the API server"), "{reason}");
    assert!(list[0]["findings"].is_array() && list[0]["scan"]["checked"].is_object());

    // Human: one summary table (a row per context), then each cluster under its own heading.
    let out = run(
        &[
            "scan",
            "--context",
            "west",
            "--context",
            "down",
            "--parallel",
            "1",
        ],
        &kc,
    );
    let s = String::from_utf8_lossy(&out.stdout);
    let table: Vec<&str> = s.lines().take(3).collect();
    assert!(
        table[0].starts_with("CONTEXT") && table[0].contains("ORPHANED EBS"),
        "{s}"
    );
    assert!(
        table[1].starts_with("west") && table[1].contains("scanned"),
        "{s}"
    );
    assert!(
        table[2].starts_with("down") && table[2].contains("unreachable"),
        "{s}"
    );
    assert!(
        s.contains("== west (scanned) ==") && s.contains("== down (unreachable) =="),
        "{s}"
    );

    // Prometheus: every cluster in one exposition.
    let out = run(&["scan", "--all-contexts", "-o", "prometheus"], &kc);
    let s = String::from_utf8_lossy(&out.stdout).to_string();
    for (c, v) in [("east", 1), ("down", 0), ("west", 1), ("locked", 0)] {
        assert!(
            s.contains(&format!(
                "kubectl_storage_scan_success{{cluster=\"{c}\"}} {v}\n"
            )),
            "{c}: {s}"
        );
    }
    assert_eq!(s.matches("# TYPE kubectl_storage_scan_success").count(), 1);
    promtool(&s);
}

/// Contexts that reach one API server the same way share its connections (as client-go's
/// transport cache): four of them, one after the other, open about what one scan opens.
#[test]
fn contexts_of_one_server_share_its_connections() {
    let (port, accepted) = api_counted(200);
    let dir = tempfile::tempdir().expect("tempdir");
    let o = run(&["scan", "-A"], &kubeconfig(dir.path(), &[("a", port)]));
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let single = accepted.swap(0, Ordering::SeqCst);
    assert!(single >= 1);
    let kc = kubeconfig(
        dir.path(),
        &[("a", port), ("b", port), ("c", port), ("d", port)],
    );
    let args = [
        "scan",
        "-A",
        "--parallel",
        "1",
        "--context",
        "a",
        "--context",
        "b",
    ];
    let o = run(
        &[&args[..], &["--context", "c", "--context", "d"]].concat(),
        &kc,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).matches("scanned").count() >= 4, "{}", text(&o));
    let fleet = accepted.load(Ordering::SeqCst);
    assert!(
        fleet < 2 * single,
        "4 contexts of one server opened {fleet} connections; one scan alone opens {single}"
    );
}

#[test]
fn exit_2_only_when_no_cluster_could_be_read() {
    let dir = tempfile::tempdir().expect("tmp");
    let kc = kubeconfig(dir.path(), &[("a", closed_port()), ("b", closed_port())]);
    let out = run(&["scan", "--all-contexts"], &kc);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    let kc = kubeconfig(dir.path(), &[("a", closed_port()), ("b", api(200))]);
    let out = run(&["scan", "--all-contexts", "--fail-on", "never"], &kc);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
}

#[test]
fn one_context_keeps_the_single_cluster_report() {
    let dir = tempfile::tempdir().expect("tmp");
    let kc = kubeconfig(dir.path(), &[("only", api(200)), ("other", closed_port())]);
    let out = run(&["scan", "--context", "only", "-o", "json"], &kc);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(v.is_object() && v.get("outcome").is_none(), "{v}");
    assert_eq!(v["cluster"]["context"], "only");
}

#[test]
fn fleet_flags_are_checked() {
    let dir = tempfile::tempdir().expect("tmp");
    let kc = kubeconfig(dir.path(), &[("a", closed_port()), ("b", closed_port())]);
    for (args, says) in [
        (
            &["scan", "--all-contexts", "--aws-profile-for", "a"][..],
            "CONTEXT=PROFILE",
        ),
        (
            &["scan", "--all-contexts", "--aws-profile-for", "zz=p"][..],
            "not one of the contexts",
        ),
        (
            &["why", "--context", "a", "--context", "b", "pod/x"][..],
            "only with scan and serve",
        ),
        (
            &["scan", "--all-contexts", "-o", "sarif"][..],
            "one cluster",
        ),
        (
            &["scan", "--all-contexts", "--parallel", "0"][..],
            "parallel",
        ),
    ] {
        let out = run(args, &kc);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains(says) && !err.contains("panick"),
            "{args:?}: {err}"
        );
    }
}

/// A running `serve` and the address it printed.
struct Served {
    child: Child,
    addr: String,
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve(args: &[&str]) -> Served {
    let mut child = cmd()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(args)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("serve starts");
    let mut err = child.stderr.take().expect("stderr");
    let mut seen = Vec::new();
    let mut b = [0u8; 256];
    let deadline = Instant::now() + Duration::from_secs(30);
    let addr = loop {
        let s = String::from_utf8_lossy(&seen).to_string();
        if let Some(rest) = s.split("http://").nth(1) {
            if let Some(a) = rest.split('/').next().filter(|_| rest.contains('\n')) {
                break a.to_string();
            }
        }
        assert!(Instant::now() < deadline, "serve printed no address: {s}");
        let n = err.read(&mut b).expect("read stderr");
        assert!(n > 0, "serve exited: {s}");
        seen.extend_from_slice(&b[..n]);
    };
    // Keep draining stderr so the child never blocks on it.
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut err, &mut std::io::sink());
    });
    Served { child, addr }
}

/// GET over plain HTTP/1.1: (status, content type, body).
fn get(addr: &str, path: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).expect("connect");
    write!(s, "GET {path} HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("send");
    let mut resp = String::new();
    s.read_to_string(&mut resp).expect("read");
    let (head, body) = resp.split_once("\r\n\r\n").expect("head");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let ctype = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Type: "))
        .unwrap_or("")
        .to_string();
    (status, ctype, body.to_string())
}

fn healthy_within(addr: &str, limit: Duration) {
    let deadline = Instant::now() + limit;
    while get(addr, "/healthz").0 != 200 {
        assert!(Instant::now() < deadline, "/healthz never 200");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_exposes_the_last_scan_over_http() {
    let s = serve(&["--snapshot", "examples/seed", "--interval", "200ms"]);
    healthy_within(&s.addr, Duration::from_secs(30));
    let (status, ctype, body) = get(&s.addr, "/metrics");
    assert_eq!(status, 200);
    assert_eq!(ctype, "text/plain; version=0.0.4; charset=utf-8");
    assert!(
        body.contains("kubectl_storage_scan_success{cluster=\"\"} 1\n"),
        "{body}"
    );
    let expected = cmd()
        .args(["scan", "--snapshot", "examples/seed", "-o", "prometheus"])
        .output()
        .expect("scan");
    // Same families as `scan -o prometheus` (durations differ).
    let names = |t: &str| -> Vec<String> {
        t.lines()
            .filter(|l| l.starts_with("# TYPE"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(
        names(&body),
        names(&String::from_utf8_lossy(&expected.stdout))
    );
    promtool(&body);
    assert_eq!(get(&s.addr, "/nope").0, 404);
    assert_eq!(get(&s.addr, "/healthz").2, "ok\n");
}

#[test]
fn serve_is_unhealthy_until_a_scan_completes_and_scans_a_fleet() {
    let dir = tempfile::tempdir().expect("tmp");
    // A cluster that never answers keeps the first scan running: /healthz says 503.
    let silent = TcpListener::bind("127.0.0.1:0").expect("bind");
    let kc = kubeconfig(
        dir.path(),
        &[("slow", silent.local_addr().expect("a").port())],
    );
    let s = serve(&[
        "--kubeconfig",
        kc.to_str().expect("utf-8"),
        "--no-aws",
        "--request-timeout",
        "20s",
    ]);
    assert_eq!(get(&s.addr, "/healthz").0, 503);
    assert_eq!(get(&s.addr, "/metrics").0, 503);
    drop(s);

    let kc = kubeconfig(dir.path(), &[("a", api(200)), ("gone", closed_port())]);
    let s = serve(&[
        "--kubeconfig",
        kc.to_str().expect("utf-8"),
        "--all-contexts",
        "--no-aws",
        "--request-timeout",
        "5s",
        "--interval",
        "100ms",
    ]);
    healthy_within(&s.addr, Duration::from_secs(30));
    let body = get(&s.addr, "/metrics").2;
    assert!(
        body.contains("kubectl_storage_scan_success{cluster=\"a\"} 1\n"),
        "{body}"
    );
    assert!(
        body.contains("kubectl_storage_scan_success{cluster=\"gone\"} 0\n"),
        "{body}"
    );
    promtool(&body);
}

/// Resident memory of a process, in KiB (Linux).
fn rss_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    s.lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
}

/// `serve` holds steady memory: RSS after 10 and after 100 intervals (100 ms each) against an
/// offline snapshot. Run: `cargo test --test fleet -- --ignored --nocapture serve_memory`.
#[test]
#[ignore]
fn serve_memory_is_steady_over_100_intervals() {
    let s = serve(&["--snapshot", "examples/seed", "--interval", "100ms"]);
    healthy_within(&s.addr, Duration::from_secs(30));
    let pid = s.child.id();
    let mut samples = Vec::new();
    let started = Instant::now();
    // ~100 ms sleep plus the scan per interval; a scrape each time, as Prometheus would.
    for i in 1..=100 {
        std::thread::sleep(Duration::from_millis(110));
        let _ = get(&s.addr, "/metrics");
        if i % 10 == 0 {
            samples.push((i, rss_kib(pid).unwrap_or(0)));
        }
    }
    eprintln!(
        "serve RSS (KiB) by interval over {:?}: {samples:?}",
        started.elapsed()
    );
    let first = samples[0].1;
    let last = samples[samples.len() - 1].1;
    assert!(
        last <= first + first / 5,
        "RSS grew from {first} KiB to {last} KiB: {samples:?}"
    );
}

/// The list fits `schema/report.schema.json`: each entry's keys are those of `scanReport` or
/// `fleetNotRead` (required present, no others); Python's jsonschema checks it whole when present.
fn schema_allows(list: &serde_json::Value) {
    let root = env!("CARGO_MANIFEST_DIR");
    let path = format!("{root}/schema/report.schema.json");
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).expect("schema")).expect("json");
    for entry in list.as_array().expect("list") {
        let def = if entry["outcome"] == "scanned" {
            "scanReport"
        } else {
            "fleetNotRead"
        };
        let d = &schema["$defs"][def];
        let keys: Vec<&String> = entry.as_object().expect("object").keys().collect();
        let props = d["properties"].as_object().expect("properties");
        for k in &keys {
            assert!(
                props.contains_key(k.as_str()),
                "{def}: {k} not in the schema"
            );
        }
        for r in d["required"].as_array().expect("required") {
            assert!(
                entry.get(r.as_str().expect("str")).is_some(),
                "{def}: {r} missing"
            );
        }
    }
    let dir = tempfile::tempdir().expect("tmp");
    let doc = dir.path().join("fleet.json");
    std::fs::write(&doc, list.to_string()).expect("write");
    let out = Command::new("python3")
        .arg("-c")
        .arg("import json,sys\ntry:\n    import jsonschema\nexcept ImportError:\n    sys.exit(0)\njsonschema.Draft202012Validator(json.load(open(sys.argv[1]))).validate(json.load(open(sys.argv[2])))")
        .arg(&path)
        .arg(&doc)
        .output();
    if let Ok(out) = out {
        assert!(
            out.status.success(),
            "jsonschema: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
