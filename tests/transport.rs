//! How the binary reaches the cluster and EC2 (issue 17): proxies, exec credential plugins,
//! `credential_process`, throttling, request logs and kubectl's connection flags. Everything
//! runs on loopback against stand-ins written here: a Kubernetes API server, an EC2 endpoint
//! and an HTTP proxy (CONNECT tunnels and forwarded requests) that counts what it carried.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Output;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use assert_cmd::Command;

/// One request a stand-in saw.
#[derive(Debug, Clone)]
struct Seen {
    method: String,
    path: String,
    headers: String,
    status: u16,
}

/// What a stand-in answers: (status, extra headers, body) for a method and path.
type Answer = dyn Fn(&str, &str, usize) -> (u16, String, String) + Send + Sync;

struct StandIn {
    port: u16,
    seen: Arc<Mutex<Vec<Seen>>>,
}

impl StandIn {
    fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

fn read_request(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => return None,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let len = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse::<usize>().ok())?
        })
        .unwrap_or(0);
    let mut body = buf[head_end..].to_vec();
    while body.len() < len {
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    Some((head, body))
}

/// An HTTP/1.1 server on 127.0.0.1 (keep-alive) answering with `answer(method, path, n)`,
/// `n` counting the requests so far.
fn stand_in(answer: Box<Answer>) -> StandIn {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let answer: Arc<Answer> = Arc::from(answer);
    let count = Arc::new(AtomicUsize::new(0));
    let log = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { return };
            let (answer, log, count) = (answer.clone(), log.clone(), count.clone());
            std::thread::spawn(move || {
                while let Some((head, body)) = read_request(&mut stream) {
                    let mut first = head.lines().next().unwrap_or_default().split_whitespace();
                    let method = first.next().unwrap_or_default().to_string();
                    let target = first.next().unwrap_or_default().to_string();
                    let path = if method == "POST" {
                        // EC2's Query API: the action is in the form body.
                        String::from_utf8_lossy(&body)
                            .split('&')
                            .find_map(|kv| kv.strip_prefix("Action="))
                            .unwrap_or("/")
                            .to_string()
                    } else {
                        target.split('?').next().unwrap_or_default().to_string()
                    };
                    let n = count.fetch_add(1, Ordering::SeqCst);
                    let (status, extra, body) = answer(&method, &path, n);
                    log.lock().expect("lock").push(Seen {
                        method: method.clone(),
                        path,
                        headers: head.clone(),
                        status,
                    });
                    let reason = match status {
                        200 => "OK",
                        404 => "Not Found",
                        429 => "Too Many Requests",
                        500 => "Internal Server Error",
                        502 => "Bad Gateway",
                        503 => "Service Unavailable",
                        _ => "Other",
                    };
                    let date = "Wed, 02 Dec 2026 00:00:00 GMT";
                    let ctype = if body.starts_with('<') {
                        "text/xml"
                    } else {
                        "application/json"
                    };
                    let msg = format!(
                        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nDate: {date}\r\nContent-Length: {}\r\n{extra}\r\n{body}",
                        body.len()
                    );
                    if stream.write_all(msg.as_bytes()).is_err() {
                        return;
                    }
                }
            });
        }
    });
    StandIn { port, seen }
}

/// A Kubernetes API server with no objects: every LIST is empty, discovery documents are 404.
fn kube_answer(_method: &str, path: &str, _n: usize) -> (u16, String, String) {
    if path == "/version" {
        return (
            200,
            String::new(),
            r#"{"major":"1","minor":"36","gitVersion":"v1.36.0"}"#.into(),
        );
    }
    let segments = path.trim_matches('/').split('/').count();
    // /api/v1, /apis/GROUP/VERSION: discovery (not served); longer paths are collections.
    if (path.starts_with("/api/") && segments <= 2) || (path.starts_with("/apis/") && segments <= 3)
    {
        return (
            404,
            String::new(),
            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404}"#
                .into(),
        );
    }
    (
        200,
        String::new(),
        r#"{"kind":"List","apiVersion":"v1","metadata":{"resourceVersion":"1"},"items":[]}"#.into(),
    )
}

fn empty_cluster() -> StandIn {
    stand_in(Box::new(kube_answer))
}

/// An EC2 endpoint that knows no volume and no instance.
fn ec2_answer(_method: &str, action: &str, _n: usize) -> (u16, String, String) {
    let body = match action {
        "DescribeInstances" => "<DescribeInstancesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId><reservationSet/></DescribeInstancesResponse>".to_string(),
        "DescribeAvailabilityZones" => "<DescribeAvailabilityZonesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId><availabilityZoneInfo/></DescribeAvailabilityZonesResponse>".to_string(),
        _ => "<DescribeVolumesResponse xmlns=\"http://ec2.amazonaws.com/doc/2016-11-15/\"><requestId>r</requestId><volumeSet/></DescribeVolumesResponse>".to_string(),
    };
    (200, String::new(), body)
}

/// An HTTP proxy on 127.0.0.1: CONNECT tunnels and absolute-form requests, counted.
struct Proxy {
    port: u16,
    tunnels: Arc<AtomicUsize>,
    forwarded: Arc<AtomicUsize>,
}

impl Proxy {
    fn carried(&self) -> usize {
        self.tunnels.load(Ordering::SeqCst) + self.forwarded.load(Ordering::SeqCst)
    }
}

fn pipe(mut a: TcpStream, mut b: TcpStream) {
    let (mut a2, mut b2) = (a.try_clone().expect("clone"), b.try_clone().expect("clone"));
    std::thread::spawn(move || {
        let _ = std::io::copy(&mut a2, &mut b2);
        let _ = b2.shutdown(std::net::Shutdown::Write);
    });
    let _ = std::io::copy(&mut b, &mut a);
    let _ = a.shutdown(std::net::Shutdown::Write);
}

fn proxy() -> Proxy {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let tunnels = Arc::new(AtomicUsize::new(0));
    let forwarded = Arc::new(AtomicUsize::new(0));
    let (t, f) = (tunnels.clone(), forwarded.clone());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut client) = stream else { return };
            let (t, f) = (t.clone(), f.clone());
            std::thread::spawn(move || {
                let Some((head, body)) = read_request(&mut client) else {
                    return;
                };
                let mut first = head.lines().next().unwrap_or_default().split_whitespace();
                let method = first.next().unwrap_or_default().to_string();
                let target = first.next().unwrap_or_default().to_string();
                if method == "CONNECT" {
                    let Ok(upstream) = TcpStream::connect(&target) else {
                        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                        return;
                    };
                    t.fetch_add(1, Ordering::SeqCst);
                    let _ = client.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n");
                    pipe(client, upstream);
                } else if let Some(rest) = target.strip_prefix("http://") {
                    // Forward one absolute-form request (Connection: close upstream).
                    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
                    let Ok(mut upstream) = TcpStream::connect(authority) else {
                        let _ = client.write_all(b"HTTP/1.1 502 Bad Gateway\r\n\r\n");
                        return;
                    };
                    f.fetch_add(1, Ordering::SeqCst);
                    let path = if path.is_empty() { "/" } else { path };
                    let mut lines = head.lines();
                    let _ = lines.next();
                    let mut out = format!("{method} {path} HTTP/1.1\r\n");
                    for l in lines.filter(|l| !l.is_empty()) {
                        let lower = l.to_ascii_lowercase();
                        if lower.starts_with("connection:") || lower.starts_with("proxy-") {
                            continue;
                        }
                        out.push_str(l);
                        out.push_str("\r\n");
                    }
                    out.push_str("Connection: close\r\n\r\n");
                    let _ = upstream.write_all(out.as_bytes());
                    let _ = upstream.write_all(&body);
                    let mut resp = Vec::new();
                    let _ = upstream.read_to_end(&mut resp);
                    // Tell the client the connection closes too (one request per connection).
                    let text = String::from_utf8_lossy(&resp).replacen(
                        "\r\n",
                        "\r\nConnection: close\r\n",
                        1,
                    );
                    let _ = client.write_all(text.as_bytes());
                }
            });
        }
    });
    Proxy {
        port,
        tunnels,
        forwarded,
    }
}

/// A kubeconfig for `server`, with `user` (YAML mapping text) and a cluster `proxy-url`.
fn kubeconfig(dir: &Path, server: &str, user: &str, proxy_url: Option<&str>) -> PathBuf {
    let proxy = proxy_url
        .map(|p| format!("\n    proxy-url: {p}"))
        .unwrap_or_default();
    let text = format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}{proxy}\ncontexts:\n- name: x\n  context: {{cluster: c, user: u, namespace: default}}\ncurrent-context: x\nusers:\n- name: u\n  user: {user}\n"
    );
    let path = dir.join("kubeconfig");
    std::fs::write(&path, text).expect("write kubeconfig");
    path
}

/// The binary, with no proxy, AWS or kubeconfig settings inherited from this environment.
fn cmd() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"));
    for v in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
        "KUBECONFIG",
        "RUST_LOG",
        "AWS_PROFILE",
        "AWS_ENDPOINT_URL",
        "AWS_ENDPOINT_URL_EC2",
        "AWS_MAX_ATTEMPTS",
        "AWS_RETRY_MODE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_ROLE_ARN",
    ] {
        c.env_remove(v);
    }
    c.env("AWS_EC2_METADATA_DISABLED", "true");
    c.timeout(Duration::from_secs(60));
    c
}

fn scan(kubeconfig: &Path) -> Command {
    let mut c = cmd();
    c.args(["scan", "--no-aws", "-n", "default", "--kubeconfig"])
        .arg(kubeconfig);
    c
}

fn text(out: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

// ----------------------------------------------------------------------------------- proxies

#[test]
fn kubernetes_requests_go_through_the_environment_proxy() {
    let api = empty_cluster();
    let p = proxy();
    let dir = tempfile::tempdir().expect("tempdir");
    // 0.0.0.0 reaches the stand-in on loopback, but is not a loopback name: client-go would
    // proxy it (it never proxies localhost or 127.0.0.0/8).
    let kc = kubeconfig(
        dir.path(),
        &format!("http://0.0.0.0:{}", api.port),
        "{token: t}",
        None,
    );
    let out = scan(&kc)
        .env("HTTP_PROXY", format!("http://127.0.0.1:{}", p.port))
        .env("HTTPS_PROXY", format!("http://127.0.0.1:{}", p.port))
        .output()
        .expect("run");
    assert!(out.status.code() == Some(0), "{}", text(&out));
    assert!(
        p.tunnels.load(Ordering::SeqCst) >= 1,
        "no tunnel: {}",
        text(&out)
    );
    assert!(!api.seen().is_empty());
}

#[test]
fn no_proxy_covering_the_api_server_bypasses_the_proxy() {
    let api = empty_cluster();
    let p = proxy();
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = kubeconfig(
        dir.path(),
        &format!("http://0.0.0.0:{}", api.port),
        "{token: t}",
        None,
    );
    let out = scan(&kc)
        .env("HTTP_PROXY", format!("http://127.0.0.1:{}", p.port))
        .env("HTTPS_PROXY", format!("http://127.0.0.1:{}", p.port))
        .env("NO_PROXY", "example.com,0.0.0.0")
        .output()
        .expect("run");
    assert!(out.status.code() == Some(0), "{}", text(&out));
    assert_eq!(p.carried(), 0, "went through the proxy: {}", text(&out));
    assert!(!api.seen().is_empty());
}

#[test]
fn the_kubeconfig_proxy_url_is_used() {
    let api = empty_cluster();
    let p = proxy();
    let dir = tempfile::tempdir().expect("tempdir");
    // proxy-url applies to every server, loopback ones too (as in client-go).
    let kc = kubeconfig(
        dir.path(),
        &format!("http://127.0.0.1:{}", api.port),
        "{token: t}",
        Some(&format!("http://127.0.0.1:{}", p.port)),
    );
    let out = scan(&kc).output().expect("run");
    assert!(out.status.code() == Some(0), "{}", text(&out));
    assert!(
        p.tunnels.load(Ordering::SeqCst) >= 1,
        "no tunnel: {}",
        text(&out)
    );
}

/// A SOCKS5 proxy on 127.0.0.1 (no auth, CONNECT only) counting the connections it carried.
fn socks5() -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("addr").port();
    let carried = Arc::new(AtomicUsize::new(0));
    let c = carried.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut client) = stream else { return };
            let c = c.clone();
            std::thread::spawn(move || {
                let mut b = [0u8; 262];
                // Greeting: VER NMETHODS METHODS…; answer "no authentication".
                if client.read_exact(&mut b[..2]).is_err() {
                    return;
                }
                let methods = usize::from(b[1]);
                if client.read_exact(&mut b[..methods]).is_err()
                    || client.write_all(&[5, 0]).is_err()
                {
                    return;
                }
                // Request: VER CMD RSV ATYP ADDR PORT.
                if client.read_exact(&mut b[..4]).is_err() {
                    return;
                }
                let host = match b[3] {
                    1 => {
                        let mut a = [0u8; 4];
                        let _ = client.read_exact(&mut a);
                        std::net::Ipv4Addr::from(a).to_string()
                    }
                    3 => {
                        let mut n = [0u8; 1];
                        let _ = client.read_exact(&mut n);
                        let mut name = vec![0u8; usize::from(n[0])];
                        let _ = client.read_exact(&mut name);
                        String::from_utf8_lossy(&name).to_string()
                    }
                    _ => {
                        let mut a = [0u8; 16];
                        let _ = client.read_exact(&mut a);
                        format!("[{}]", std::net::Ipv6Addr::from(a))
                    }
                };
                let mut p = [0u8; 2];
                if client.read_exact(&mut p).is_err() {
                    return;
                }
                let Ok(upstream) = TcpStream::connect(format!("{host}:{}", u16::from_be_bytes(p)))
                else {
                    let _ = client.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]);
                    return;
                };
                c.fetch_add(1, Ordering::SeqCst);
                let _ = client.write_all(&[5, 0, 0, 1, 0, 0, 0, 0, 0, 0]);
                pipe(client, upstream);
            });
        }
    });
    (port, carried)
}

#[test]
fn a_socks5_proxy_url_is_used() {
    let api = empty_cluster();
    let (port, carried) = socks5();
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = kubeconfig(
        dir.path(),
        &format!("http://127.0.0.1:{}", api.port),
        "{token: t}",
        Some(&format!("socks5://127.0.0.1:{port}")),
    );
    let out = scan(&kc).output().expect("run");
    assert!(out.status.code() == Some(0), "{}", text(&out));
    assert!(
        carried.load(Ordering::SeqCst) >= 1,
        "nothing through SOCKS5: {}",
        text(&out)
    );
}

/// `why` of the fixture whose PV names an EBS volume: Kubernetes from the file, EC2 live.
fn why_live_ec2(ec2_port: u16) -> Command {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules/ebs-volume-not-found/fires.yaml");
    let mut c = cmd();
    c.args(["why", "pod/db-0", "-n", "prod", "--snapshot"])
        .arg(fixture)
        .args(["--live-aws", "-o", "json"])
        .env("AWS_REGION", "us-east-1")
        .env(
            "AWS_ENDPOINT_URL_EC2",
            format!("http://127.0.0.1:{ec2_port}"),
        );
    c
}

fn static_aws(c: &mut Command) -> &mut Command {
    c.env("AWS_ACCESS_KEY_ID", "AKIAKSTORTEST0000001")
        .env(
            "AWS_SECRET_ACCESS_KEY",
            "kstorSecretKey/DoNotLog+0123456789abcdef",
        )
        .env(
            "AWS_SESSION_TOKEN",
            "kstorSessionTokenDoNotLogFQoGZXIvYXdzE",
        )
}

#[test]
fn ec2_requests_go_through_the_proxy_unless_no_proxy_covers_the_endpoint() {
    let ec2 = stand_in(Box::new(ec2_answer));
    let p = proxy();
    let mut c = why_live_ec2(ec2.port);
    let out = static_aws(&mut c)
        .env("HTTP_PROXY", format!("http://127.0.0.1:{}", p.port))
        .output()
        .expect("run");
    let calls = ec2.seen().len();
    assert!(calls >= 1, "no EC2 call: {}", text(&out));
    assert!(
        p.carried() >= calls,
        "{} of {calls} EC2 requests went through the proxy: {}",
        p.carried(),
        text(&out)
    );

    let ec2 = stand_in(Box::new(ec2_answer));
    let p = proxy();
    let mut c = why_live_ec2(ec2.port);
    let out = static_aws(&mut c)
        .env("HTTP_PROXY", format!("http://127.0.0.1:{}", p.port))
        .env("NO_PROXY", "127.0.0.1")
        .output()
        .expect("run");
    assert!(!ec2.seen().is_empty(), "no EC2 call: {}", text(&out));
    assert_eq!(p.carried(), 0, "NO_PROXY ignored: {}", text(&out));
}

// -------------------------------------------------------------------------------------- auth

/// A shell script credential plugin that appends a line to `counter` per run, saves the
/// ExecCredential request it was given, sleeps `delay`, and prints a token.
fn exec_plugin(dir: &Path, delay: &str) -> (PathBuf, PathBuf, PathBuf) {
    let counter = dir.join("runs");
    let info = dir.join("exec-info.json");
    let script = dir.join("plugin.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho run >> '{}'\nprintf '%s' \"$KUBERNETES_EXEC_INFO\" > '{}'\nsleep {delay}\nprintf '%s' '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"kstor-exec-token-0123456789\",\"expirationTimestamp\":\"2099-01-01T00:00:00Z\"}}}}'\n",
            counter.display(),
            info.display()
        ),
    )
    .expect("write plugin");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    (script, counter, info)
}

fn exec_user(script: &Path) -> String {
    format!(
        "{{exec: {{apiVersion: client.authentication.k8s.io/v1, command: '{}', interactiveMode: IfAvailable}}}}",
        script.display()
    )
}

#[test]
fn the_exec_plugin_runs_once_per_run_and_is_told_it_is_not_interactive() {
    let api = empty_cluster();
    let dir = tempfile::tempdir().expect("tempdir");
    let (script, counter, info) = exec_plugin(dir.path(), "0");
    let kc = kubeconfig(
        dir.path(),
        &format!("http://127.0.0.1:{}", api.port),
        &exec_user(&script),
        None,
    );
    let out = scan(&kc).output().expect("run");
    assert!(out.status.code() == Some(0), "{}", text(&out));
    let runs = std::fs::read_to_string(&counter).unwrap_or_default();
    assert_eq!(runs.lines().count(), 1, "plugin runs: {runs:?}");
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&info).expect("info")).expect("json");
    assert_eq!(info["spec"]["interactive"], false, "{info}");
    assert_eq!(info["kind"], "ExecCredential");
    let seen = api.seen();
    assert!(seen.len() > 3);
    for s in &seen {
        assert!(
            s.headers
                .to_ascii_lowercase()
                .contains("authorization: bearer kstor-exec-token-0123456789"),
            "{} {} without the plugin's token",
            s.method,
            s.path
        );
    }
}

/// With a terminal on standard input (a pty here), the plugin is told it may prompt.
#[cfg(target_os = "linux")]
#[test]
fn the_exec_plugin_is_told_it_is_interactive_on_a_terminal() {
    use std::os::fd::FromRawFd;
    let api = empty_cluster();
    let dir = tempfile::tempdir().expect("tempdir");
    let (script, counter, info) = exec_plugin(dir.path(), "0");
    let kc = kubeconfig(
        dir.path(),
        &format!("http://127.0.0.1:{}", api.port),
        &exec_user(&script),
        None,
    );
    let (mut master, mut slave) = (0, 0);
    let rc = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            std::ptr::null(),
        )
    };
    assert_eq!(rc, 0, "openpty");
    // Held open (and closed at the end) so the terminal stays up while the command runs.
    let _master = unsafe { std::fs::File::from_raw_fd(master) };
    let terminal = unsafe { std::fs::File::from_raw_fd(slave) };
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_kubectl-storage"));
    c.args(["scan", "--no-aws", "-n", "default", "--kubeconfig"])
        .arg(&kc)
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .stdin(std::process::Stdio::from(terminal));
    for v in [
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "KUBECONFIG",
        "RUST_LOG",
    ] {
        c.env_remove(v);
    }
    let out = c.output().expect("run");
    assert!(out.status.code() == Some(0), "{}", text(&out));
    let runs = std::fs::read_to_string(&counter).unwrap_or_default();
    assert_eq!(runs.lines().count(), 1, "plugin runs: {runs:?}");
    let info: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&info).expect("info")).expect("json");
    assert_eq!(info["spec"]["interactive"], true, "{info}");
}

#[test]
fn an_expiring_exec_credential_is_fetched_again() {
    let api = empty_cluster();
    let dir = tempfile::tempdir().expect("tempdir");
    let counter = dir.path().join("runs");
    let script = dir.path().join("plugin.sh");
    // Expires within the 10 s safety margin: every request needs a fresh one.
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho run >> '{}'\nexp=$(date -u -d '+5 seconds' +%Y-%m-%dT%H:%M:%SZ)\nprintf '{{\"apiVersion\":\"client.authentication.k8s.io/v1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"short-lived\",\"expirationTimestamp\":\"%s\"}}}}' \"$exp\"\n",
            counter.display()
        ),
    )
    .expect("write plugin");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let kc = kubeconfig(
        dir.path(),
        &format!("http://127.0.0.1:{}", api.port),
        &exec_user(&script),
        None,
    );
    let out = scan(&kc).output().expect("run");
    assert!(out.status.code() == Some(0), "{}", text(&out));
    let runs = std::fs::read_to_string(&counter)
        .unwrap_or_default()
        .lines()
        .count();
    assert!(runs > 1, "an expiring credential was reused: {runs} run(s)");
}

/// An AWS config whose profile `p` runs a counting `credential_process`.
fn credential_process(dir: &Path) -> (PathBuf, PathBuf) {
    let counter = dir.join("aws-runs");
    let script = dir.join("creds.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\necho run >> '{}'\nprintf '%s' '{{\"Version\":1,\"AccessKeyId\":\"AKIAKSTORPROCESS0001\",\"SecretAccessKey\":\"kstorProcessSecret/DoNotLog0123456789\",\"SessionToken\":\"kstorProcessSessionDoNotLog\",\"Expiration\":\"2099-01-01T00:00:00Z\"}}'\n",
            counter.display()
        ),
    )
    .expect("write script");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).expect("chmod");
    }
    let config = dir.join("aws-config");
    std::fs::write(
        &config,
        format!(
            "[profile p]\nregion = us-east-1\ncredential_process = {}\n",
            script.display()
        ),
    )
    .expect("write config");
    (config, counter)
}

#[test]
fn credential_process_runs_once_per_run() {
    let ec2 = stand_in(Box::new(ec2_answer));
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, counter) = credential_process(dir.path());
    let out = why_live_ec2(ec2.port)
        .args(["--profile", "p"])
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .expect("run");
    assert!(ec2.seen().len() >= 2, "EC2 calls: {}", text(&out));
    let runs = std::fs::read_to_string(&counter).unwrap_or_default();
    assert_eq!(
        runs.lines().count(),
        1,
        "credential_process runs: {}",
        text(&out)
    );
}

#[test]
fn the_aws_credential_chain_may_take_the_request_timeout() {
    // A credential_process slower than the old fixed 5 s cut (an MFA or SSO step).
    let ec2 = stand_in(Box::new(ec2_answer));
    let dir = tempfile::tempdir().expect("tempdir");
    let (config, counter) = credential_process(dir.path());
    let script = dir.path().join("creds.sh");
    let body = std::fs::read_to_string(&script).expect("script");
    std::fs::write(&script, body.replacen("echo run", "sleep 6\necho run", 1)).expect("write");
    let run = |extra: &[&str]| {
        why_live_ec2(ec2.port)
            .args(["--profile", "p"])
            .args(extra)
            .env("AWS_CONFIG_FILE", &config)
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .output()
            .expect("run")
    };
    let out = run(&["--request-timeout", "20s"]);
    assert!(
        !ec2.seen().is_empty(),
        "no EC2 call after a 6 s credential_process: {}",
        text(&out)
    );
    assert_eq!(
        std::fs::read_to_string(&counter)
            .unwrap_or_default()
            .lines()
            .count(),
        1
    );
    // --aws-timeout bounds the chain on its own.
    let before = ec2.seen().len();
    let out = run(&["--aws-timeout", "1s"]);
    assert_eq!(ec2.seen().len(), before, "{}", text(&out));
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("did not answer within 1s"),
        "{}",
        text(&out)
    );
}

#[test]
fn an_sso_profile_without_a_login_names_aws_sso_login() {
    let ec2 = stand_in(Box::new(ec2_answer));
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config");
    std::fs::write(
        &config,
        "[profile corp]\nsso_session = s\nsso_account_id = 111122223333\nsso_role_name = ReadOnly\nregion = us-east-1\n\n[sso-session s]\nsso_start_url = https://example.awsapps.com/start\nsso_region = us-east-1\n",
    )
    .expect("write");
    let out = why_live_ec2(ec2.port)
        .args(["--profile", "corp"])
        .env("HOME", dir.path())
        .env("AWS_CONFIG_FILE", &config)
        .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .env_remove("AWS_SESSION_TOKEN")
        .output()
        .expect("run");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("aws sso login --profile corp"),
        "{}",
        text(&out)
    );
    assert!(ec2.seen().is_empty());
}

#[test]
fn irsa_failures_name_the_token_file_or_sts() {
    let ec2 = stand_in(Box::new(ec2_answer));
    let dir = tempfile::tempdir().expect("tempdir");
    let run = |token_file: &Path| {
        let out = why_live_ec2(ec2.port)
            .env("HOME", dir.path())
            .env("AWS_CONFIG_FILE", dir.path().join("none"))
            .env("AWS_SHARED_CREDENTIALS_FILE", dir.path().join("none"))
            .env("AWS_WEB_IDENTITY_TOKEN_FILE", token_file)
            .env("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/kstor")
            .env("AWS_ENDPOINT_URL_STS", "http://127.0.0.1:9")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .output()
            .expect("run");
        (String::from_utf8_lossy(&out.stdout).to_string(), text(&out))
    };
    let missing = dir.path().join("no-token");
    let (stdout, all) = run(&missing);
    assert!(
        stdout.contains(&format!(
            "IRSA: the web identity token file {} is not readable",
            missing.display()
        )),
        "{all}"
    );
    let token = dir.path().join("token");
    std::fs::write(&token, "eyJhbGciOiJSUzI1NiJ9.e30.sig").expect("write");
    let (stdout, all) = run(&token);
    assert!(stdout.contains("IRSA: STS unreachable"), "{all}");
    assert!(ec2.seen().is_empty());
}

#[test]
fn aws_max_attempts_is_honoured() {
    for (attempts, want) in [("1", 1), ("2", 2)] {
        let ec2 = stand_in(Box::new(|_: &str, _: &str, _| {
            (
                503,
                String::new(),
                "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow down</Message></Error></Errors><RequestID>r</RequestID></Response>".to_string(),
            )
        }));
        let mut c = why_live_ec2(ec2.port);
        let out = static_aws(&mut c)
            .env("AWS_MAX_ATTEMPTS", attempts)
            .env("AWS_RETRY_MODE", "standard")
            .output()
            .expect("run");
        let volumes = ec2
            .seen()
            .iter()
            .filter(|s| s.path == "DescribeVolumes")
            .count();
        assert_eq!(volumes, want, "AWS_MAX_ATTEMPTS={attempts}: {}", text(&out));
    }
}

// -------------------------------------------------------------------------------- throttling

#[test]
fn throttled_and_failed_requests_are_retried_honouring_retry_after() {
    // The first requests are refused: 429 with Retry-After, then 500, 502 and 503.
    let api = stand_in(Box::new(|m: &str, p: &str, n| match n {
        0 => (429, "Retry-After: 1\r\n".to_string(), "{}".to_string()),
        1 => (500, String::new(), "{}".to_string()),
        2 => (502, String::new(), "{}".to_string()),
        3 => (503, "Retry-After: 0\r\n".to_string(), "{}".to_string()),
        _ => kube_answer(m, p, n),
    }));
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = kubeconfig(
        dir.path(),
        &format!("http://127.0.0.1:{}", api.port),
        "{token: t}",
        None,
    );
    let started = Instant::now();
    let out = scan(&kc).args(["-o", "json"]).output().expect("run");
    assert!(out.status.code() == Some(0), "{}", text(&out));
    let seen = api.seen();
    // Every path refused was asked again and answered.
    for s in seen.iter().filter(|s| s.status >= 429) {
        assert!(
            seen.iter()
                .any(|t| t.path == s.path && (t.status < 400 || t.status == 404)),
            "{} was refused ({}) and never retried: {seen:?}",
            s.path,
            s.status
        );
    }
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After: 1 not waited"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !stdout.contains("500") && !stdout.contains("429"),
        "{stdout}"
    );
}

#[test]
fn retries_stop_at_the_request_timeout() {
    let api = stand_in(Box::new(|m: &str, p: &str, n| {
        if p.ends_with("/persistentvolumeclaims") {
            (429, "Retry-After: 1\r\n".to_string(), "{}".to_string())
        } else {
            kube_answer(m, p, n)
        }
    }));
    let dir = tempfile::tempdir().expect("tempdir");
    let kc = kubeconfig(
        dir.path(),
        &format!("http://127.0.0.1:{}", api.port),
        "{token: t}",
        None,
    );
    let started = Instant::now();
    let _ = scan(&kc)
        .args(["--request-timeout", "3s"])
        .output()
        .expect("run");
    let took = started.elapsed();
    let asked = api
        .seen()
        .iter()
        .filter(|s| s.path.ends_with("/persistentvolumeclaims"))
        .count();
    assert!(asked >= 2, "not retried: {asked}");
    assert!(
        took < Duration::from_secs(10),
        "retries went past the timeout: {took:?}"
    );
}

// ------------------------------------------------------------------------------ request logs

#[test]
fn v6_logs_each_request_and_no_secret_appears_at_any_level() {
    let api = empty_cluster();
    let dir = tempfile::tempdir().expect("tempdir");
    let (script, _, _) = exec_plugin(dir.path(), "0");
    let kc = kubeconfig(
        dir.path(),
        &format!("http://127.0.0.1:{}", api.port),
        &exec_user(&script),
        None,
    );
    let secrets = [
        "kstor-exec-token-0123456789",
        "kstor-flag-token-0123456789",
        "kstorSecretKey/DoNotLog+0123456789abcdef",
        "kstorSessionTokenDoNotLogFQoGZXIvYXdzE",
    ];
    let check = |out: &Output, what: &str| {
        let all = text(out);
        for s in secrets {
            assert!(!all.contains(s), "{what}: a secret in the output: {all}");
        }
    };
    let out = scan(&kc).args(["-v", "6"]).output().expect("run");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    let line = format!(
        "GET http://127.0.0.1:{}/api/v1/namespaces/default/pods",
        api.port
    );
    assert!(
        err.lines()
            .any(|l| l.contains(&line) && l.contains("200 OK") && l.contains(" ms")),
        "-v 6 has no line for {line}: {err}"
    );
    check(&out, "-v 6");
    let out = scan(&kc).args(["-v", "8"]).output().expect("run");
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert!(
        err.contains("response body: {"),
        "-v 8 has no bodies: {err}"
    );
    check(&out, "-v 8");
    for level in ["trace", "debug"] {
        let out = scan(&kc)
            .args(["-v", "9"])
            .env("RUST_LOG", level)
            .output()
            .expect("run");
        assert!(
            String::from_utf8_lossy(&out.stderr).lines().count() > 10,
            "RUST_LOG={level} logged nothing"
        );
        check(&out, level);
    }
    let out = scan(&kc)
        .args(["--token", "kstor-flag-token-0123456789", "-v", "9"])
        .env("RUST_LOG", "trace")
        .output()
        .expect("run");
    assert!(api
        .seen()
        .iter()
        .any(|s| s.headers.contains("kstor-flag-token-0123456789")));
    check(&out, "--token");

    // EC2: request lines at -v 6; the AWS secret key and session token nowhere.
    let ec2 = stand_in(Box::new(ec2_answer));
    for (v, rust_log) in [("6", None), ("8", None), ("9", Some("trace"))] {
        let mut c = why_live_ec2(ec2.port);
        static_aws(&mut c).args(["-v", v]);
        if let Some(l) = rust_log {
            c.env("RUST_LOG", l);
        }
        let out = c.output().expect("run");
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        if v == "6" {
            assert!(
                err.lines().any(|l| l.contains("POST http://127.0.0.1:")
                    && l.contains("200 OK")
                    && l.contains(" ms")),
                "-v 6 has no EC2 request line: {err}"
            );
        }
        check(&out, &format!("EC2 -v {v}"));
    }
}

// ------------------------------------------------------------------------------ kubectl flags

#[test]
fn token_server_and_as_group_flags() {
    let api = empty_cluster();
    let dir = tempfile::tempdir().expect("tempdir");
    // The kubeconfig points nowhere; -s/--server and --token take over.
    let kc = kubeconfig(dir.path(), "http://127.0.0.1:9", "{token: wrong}", None);
    let out = scan(&kc)
        .args(["-s", &format!("http://127.0.0.1:{}", api.port)])
        .args([
            "--token",
            "flag-token",
            "--as",
            "jane",
            "--as-group",
            "devs",
        ])
        .args(["--as-group", "ops", "--request-timeout", "1m30s"])
        .output()
        .expect("run");
    assert!(out.status.code() == Some(0), "{}", text(&out));
    let seen = api.seen();
    let h = seen[0].headers.to_ascii_lowercase();
    assert!(h.contains("authorization: bearer flag-token"), "{h}");
    assert!(h.contains("impersonate-user: jane"), "{h}");
    assert!(
        h.contains("impersonate-group: devs") && h.contains("impersonate-group: ops"),
        "{h}"
    );

    // -s with no kubeconfig at all, as kubectl allows.
    let api = empty_cluster();
    let out = cmd()
        .args(["scan", "--no-aws", "-n", "default"])
        .args(["--server", &format!("http://127.0.0.1:{}", api.port)])
        .env("HOME", dir.path())
        .output()
        .expect("run");
    assert!(out.status.code() == Some(0), "{}", text(&out));

    let out = scan(&kc)
        .args(["--as-group", "devs"])
        .output()
        .expect("run");
    assert_eq!(out.status.code(), Some(2), "{}", text(&out));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--as-group needs --as"));
}

#[test]
fn request_timeout_takes_go_durations() {
    for ok in ["1m30s", "500ms", "30", "1.5s", "2h45m"] {
        let out = cmd()
            .args(["explain", "zone-mismatch", "--request-timeout", ok])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(0), "{ok}: {}", text(&out));
    }
    for bad in ["1x", "m", "-5s", "abc"] {
        let out = cmd()
            .args(["explain", "zone-mismatch", "--request-timeout", bad])
            .output()
            .expect("run");
        assert_eq!(out.status.code(), Some(2), "{bad}: {}", text(&out));
    }
}

#[test]
fn color_can_be_forced_or_refused() {
    let seed = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/seed");
    let run = |args: &[&str], no_color: bool| {
        let mut c = cmd();
        c.args(["why", "task-pod", "--snapshot"])
            .arg(&seed)
            .args(args);
        if no_color {
            c.env("NO_COLOR", "1");
        } else {
            c.env_remove("NO_COLOR");
        }
        String::from_utf8_lossy(&c.output().expect("run").stdout).to_string()
    };
    assert!(
        run(&["--color=always"], false).contains("\x1b["),
        "no colour with --color=always"
    );
    assert!(
        run(&["--color=always"], true).contains("\x1b["),
        "--color=always beats NO_COLOR"
    );
    assert!(!run(&["--color=never"], false).contains("\x1b["));
    assert!(
        !run(&["--color=auto"], false).contains("\x1b["),
        "stdout is not a terminal"
    );
    assert!(!run(&["--color=always", "--no-color"], false).contains("\x1b["));
}
