//! How requests to the Kubernetes API travel: the proxy (chosen as kubectl chooses it), the
//! exec credential plugin (run once per run, reused until it expires), retries of throttled and
//! failed requests (429, 5xx, honouring `Retry-After`, bounded by the request timeout), and the
//! request log lines of `-v 6` / `-v 8`.

use std::net::IpAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use http::{HeaderValue, Request, Response, StatusCode, Uri};
use kube::client::{Body, DynBody};
use kube::config::{ExecConfig, ExecInteractiveMode};
use tower::{BoxError, Service, ServiceExt};

use super::redact;

// ---------------------------------------------------------------------------------------------
// Proxies

/// The proxy for requests to `server`, as client-go picks it: the kubeconfig cluster's
/// `proxy-url` when set (it applies to every request); else `HTTPS_PROXY` for an `https://`
/// server or `HTTP_PROXY` for an `http://` one (either case), unless `NO_PROXY` covers the
/// server or the server is `localhost` / a loopback address. `env` reads a variable.
pub fn proxy_for(
    server: &Uri,
    kubeconfig_proxy: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Option<Uri>, String> {
    let parse = |s: &str| -> Result<Uri, String> {
        let s = s.trim();
        let with_scheme = if s.contains("://") {
            s.to_string()
        } else {
            format!("http://{s}")
        };
        with_scheme
            .parse::<Uri>()
            .map_err(|e| format!("invalid proxy URL {s:?}: {e}"))
    };
    if let Some(p) = kubeconfig_proxy.filter(|p| !p.trim().is_empty()) {
        return parse(p).map(Some);
    }
    let var = |names: [&str; 2]| names.iter().find_map(|n| env(n).filter(|v| !v.is_empty()));
    let proxy = if server.scheme_str() == Some("http") {
        var(["HTTP_PROXY", "http_proxy"])
    } else {
        var(["HTTPS_PROXY", "https_proxy"])
    };
    let Some(proxy) = proxy else {
        return Ok(None);
    };
    let host = server
        .host()
        .unwrap_or_default()
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_ascii_lowercase();
    if host == "localhost" || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback()) {
        return Ok(None);
    }
    let port = server.port_u16().unwrap_or(match server.scheme_str() {
        Some("http") => 80,
        _ => 443,
    });
    if let Some(no) = var(["NO_PROXY", "no_proxy"]) {
        if no_proxy_covers(&no, &host, port) {
            return Ok(None);
        }
    }
    parse(&proxy).map(Some)
}

/// Whether a `NO_PROXY` list (comma-separated: `*`, host names with or without a leading dot
/// or `*.`, IP addresses, CIDR blocks, each optionally with `:port`) covers `host:port`.
pub fn no_proxy_covers(list: &str, host: &str, port: u16) -> bool {
    let ip = host.parse::<IpAddr>().ok();
    list.split(',')
        .map(|e| e.trim().to_ascii_lowercase())
        .filter(|e| !e.is_empty())
        .any(|entry| {
            if entry == "*" {
                return true;
            }
            if let Some((net, bits)) = entry.split_once('/') {
                return match (net.parse::<IpAddr>(), bits.parse::<u32>(), ip) {
                    (Ok(net), Ok(bits), Some(ip)) => in_cidr(ip, net, bits),
                    _ => false,
                };
            }
            if let Ok(e) = entry
                .trim_start_matches('[')
                .trim_end_matches(']')
                .parse::<IpAddr>()
            {
                return Some(e) == ip;
            }
            // host[:port]
            let (name, want_port) = match entry.rsplit_once(':') {
                Some((n, p)) if !n.contains(':') => match p.parse::<u16>() {
                    Ok(p) => (n.to_string(), Some(p)),
                    Err(_) => (entry.clone(), None),
                },
                _ => (entry.clone(), None),
            };
            if want_port.is_some_and(|p| p != port) {
                return false;
            }
            if let Ok(e) = name.parse::<IpAddr>() {
                return Some(e) == ip;
            }
            let name = name.strip_prefix('*').unwrap_or(&name);
            match name.strip_prefix('.') {
                Some(suffix) => host.ends_with(&format!(".{suffix}")) || host == suffix,
                None => host == name || host.ends_with(&format!(".{name}")),
            }
        })
}

fn in_cidr(ip: IpAddr, net: IpAddr, bits: u32) -> bool {
    match (ip, net) {
        (IpAddr::V4(a), IpAddr::V4(n)) if bits <= 32 => {
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            (u32::from(a) & mask) == (u32::from(n) & mask)
        }
        (IpAddr::V6(a), IpAddr::V6(n)) if bits <= 128 => {
            let mask = if bits == 0 {
                0
            } else {
                u128::MAX << (128 - bits)
            };
            (u128::from(a) & mask) == (u128::from(n) & mask)
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// Exec credential plugins

/// What an exec plugin returned.
#[derive(Clone)]
pub struct ExecCredential {
    pub token: Option<String>,
    /// PEM client certificate and key.
    pub client_cert: Option<(String, String)>,
    pub expires: Option<jiff::Timestamp>,
}

impl ExecCredential {
    fn fresh(&self) -> bool {
        self.expires
            .is_none_or(|t| jiff::Timestamp::now() + jiff::SignedDuration::from_secs(10) < t)
    }
}

/// Credentials from plugins already run in this process, by plugin configuration: every
/// client of a run shares them.
static EXEC_CACHE: Mutex<Vec<(String, ExecCredential)>> = Mutex::new(Vec::new());

fn cache_key(exec: &ExecConfig) -> String {
    format!(
        "{:?}|{:?}|{:?}|{:?}|{:?}",
        exec.command, exec.args, exec.env, exec.api_version, exec.cluster
    )
}

/// The cached credential of `exec`, when it has not expired.
pub fn cached_credential(exec: &ExecConfig) -> Option<ExecCredential> {
    let key = cache_key(exec);
    let cache = EXEC_CACHE.lock().unwrap_or_else(|e| e.into_inner());
    cache
        .iter()
        .find(|(k, c)| *k == key && c.fresh())
        .map(|(_, c)| c.clone())
}

/// Forgets the credential of `exec` (the server refused it: 401).
pub fn forget_credential(exec: &ExecConfig) {
    let key = cache_key(exec);
    EXEC_CACHE
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|(k, _)| *k != key);
}

/// The credential of `exec`: from this run's cache while it has not expired, else by running
/// the plugin (once).
pub fn exec_credential(exec: &ExecConfig) -> Result<ExecCredential, String> {
    let key = cache_key(exec);
    let mut cache = EXEC_CACHE.lock().unwrap_or_else(|e| e.into_inner());
    if let Some((_, c)) = cache.iter().find(|(k, c)| *k == key && c.fresh()) {
        return Ok(c.clone());
    }
    let cred = run_exec(exec)?;
    cache.retain(|(k, _)| *k != key);
    cache.push((key, cred.clone()));
    Ok(cred)
}

/// Runs an exec credential plugin as client-go does: `KUBERNETES_EXEC_INFO` carries the
/// ExecCredential request with `interactive` true only when standard input is a terminal (and
/// the plugin's `interactiveMode` is not `Never`); the plugin's stderr goes to ours.
pub fn run_exec(exec: &ExecConfig) -> Result<ExecCredential, String> {
    use std::io::IsTerminal;
    let command = exec
        .command
        .as_deref()
        .ok_or("the kubeconfig user's exec plugin has no command")?;
    let tty = std::io::stdin().is_terminal();
    let interactive = match exec.interactive_mode {
        Some(ExecInteractiveMode::Never) => false,
        Some(ExecInteractiveMode::Always) if !tty => {
            return Err(format!(
                "exec plugin {command} needs a terminal (interactiveMode: Always) and standard input is not one"
            ))
        }
        _ => tty,
    };
    let mut spec = serde_json::json!({ "interactive": interactive });
    if exec.provide_cluster_info {
        if let Some(c) = &exec.cluster {
            spec["cluster"] = serde_json::to_value(c).unwrap_or_default();
        }
    }
    let info = serde_json::json!({
        "apiVersion": exec.api_version.as_deref().unwrap_or("client.authentication.k8s.io/v1"),
        "kind": "ExecCredential",
        "spec": spec,
    });
    let mut cmd = std::process::Command::new(command);
    cmd.args(exec.args.iter().flatten());
    for e in exec.env.iter().flatten() {
        if let (Some(n), Some(v)) = (e.get("name"), e.get("value")) {
            cmd.env(n, v);
        }
    }
    for n in exec.drop_env.iter().flatten() {
        cmd.env_remove(n);
    }
    cmd.env("KUBERNETES_EXEC_INFO", info.to_string());
    cmd.stdin(if interactive {
        std::process::Stdio::inherit()
    } else {
        std::process::Stdio::null()
    });
    cmd.stderr(std::process::Stdio::inherit());
    let started = Instant::now();
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run the exec credential plugin {command}: {e}"))?;
    tracing::info!(target: "kstor::http", "exec credential plugin {command} ran in {} ms (interactive: {interactive})", started.elapsed().as_millis());
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!(
            "the exec credential plugin {command} failed ({}){}",
            out.status,
            err.lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .map(|l| format!(": {}", crate::k8s::truncate(l.trim(), 160)))
                .unwrap_or_default()
        ));
    }
    parse_exec_output(&out.stdout).map_err(|e| format!("exec credential plugin {command}: {e}"))
}

fn parse_exec_output(stdout: &[u8]) -> Result<ExecCredential, String> {
    let v: serde_json::Value = serde_json::from_slice(stdout)
        .or_else(|_| serde_saphyr::from_slice(stdout))
        .map_err(|_| "its output is not an ExecCredential (JSON)".to_string())?;
    let status = v.get("status").ok_or("its ExecCredential has no status")?;
    let s = |k: &str| status.get(k).and_then(|x| x.as_str()).map(str::to_string);
    let expires = match s("expirationTimestamp") {
        Some(t) => Some(
            t.parse::<jiff::Timestamp>()
                .map_err(|e| format!("bad expirationTimestamp {t:?}: {e}"))?,
        ),
        None => None,
    };
    let token = s("token").filter(|t| !t.is_empty());
    if let Some(t) = &token {
        redact::register(t);
    }
    let client_cert = match (s("clientCertificateData"), s("clientKeyData")) {
        (Some(c), Some(k)) => {
            redact::register(&k);
            Some((c, k))
        }
        _ => None,
    };
    if token.is_none() && client_cert.is_none() {
        return Err("its ExecCredential has neither a token nor a client certificate".into());
    }
    Ok(ExecCredential {
        token,
        client_cert,
        expires,
    })
}

// ---------------------------------------------------------------------------------------------
// The request layer: bearer from the plugin, retries, log lines

/// Statuses retried (for requests whose body can be replayed).
fn retryable(s: StatusCode) -> bool {
    matches!(s.as_u16(), 429 | 500 | 502 | 503 | 504)
}

/// The `Retry-After` delay: seconds or an HTTP date.
pub fn retry_after(v: &HeaderValue) -> Option<Duration> {
    let s = v.to_str().ok()?.trim();
    if let Ok(secs) = s.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(s)
        .ok()?;
    let d = at.duration_since(jiff::Timestamp::now());
    Some(Duration::try_from(d).unwrap_or(Duration::ZERO))
}

/// Our layer around kube's stack.
#[derive(Clone)]
pub struct RequestLayer {
    shared: Arc<Shared>,
}

struct Shared {
    server: String,
    timeout: Duration,
    exec: Option<ExecConfig>,
}

impl RequestLayer {
    /// `server` prefixes the logged paths; `timeout` bounds a request and its retries; `exec`
    /// is the plugin whose token goes in every request's `Authorization` header.
    pub fn new(server: &str, timeout: Duration, exec: Option<ExecConfig>) -> Self {
        RequestLayer {
            shared: Arc::new(Shared {
                server: server.trim_end_matches('/').to_string(),
                timeout,
                exec,
            }),
        }
    }
}

impl<S> tower::Layer<S> for RequestLayer {
    type Service = RequestService<S>;
    fn layer(&self, inner: S) -> RequestService<S> {
        RequestService {
            inner: Arc::new(tokio::sync::Mutex::new(inner)),
            shared: self.shared.clone(),
        }
    }
}

pub struct RequestService<S> {
    inner: Arc<tokio::sync::Mutex<S>>,
    shared: Arc<Shared>,
}

type Resp = Response<Box<DynBody>>;

fn copy_request(req: &Request<Body>) -> Option<Request<Body>> {
    let body = req.body().try_clone()?;
    let mut out = Request::new(body);
    *out.method_mut() = req.method().clone();
    *out.uri_mut() = req.uri().clone();
    *out.version_mut() = req.version();
    *out.headers_mut() = req.headers().clone();
    Some(out)
}

impl<S> Service<Request<Body>> for RequestService<S>
where
    S: Service<Request<Body>, Response = Resp, Error = BoxError> + Send + 'static,
    S::Future: Send + 'static,
{
    type Response = Resp;
    type Error = BoxError;
    type Future = BoxFuture<'static, Result<Resp, BoxError>>;

    fn poll_ready(
        &mut self,
        _cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), BoxError>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, mut req: Request<Body>) -> Self::Future {
        let inner = self.inner.clone();
        let shared = self.shared.clone();
        Box::pin(async move {
            if let Some(exec) = &shared.exec {
                bearer(exec, &mut req).await?;
            }
            let deadline = Instant::now() + shared.timeout;
            let url = format!("{}{}", shared.server, req.uri());
            let method = req.method().clone();
            if tracing::enabled!(target: "kstor::http::body", tracing::Level::DEBUG) {
                if let Some(b) = req.body().try_clone() {
                    if let Ok(bytes) = b.collect_bytes().await {
                        if !bytes.is_empty() {
                            tracing::debug!(target: "kstor::http::body", "request body: {}", body_text(&bytes));
                        }
                    }
                }
            }
            let mut attempt = 0u32;
            loop {
                attempt += 1;
                let spare = copy_request(&req);
                let started = Instant::now();
                let fut = {
                    let mut svc = inner.lock().await;
                    svc.ready().await?.call(req)
                };
                let res = fut.await;
                let ms = started.elapsed().as_millis();
                let res = match res {
                    Err(e) => {
                        tracing::info!(target: "kstor::http", "{method} {url} failed in {ms} ms: {}", redact::line(&e.to_string()));
                        return Err(e);
                    }
                    Ok(r) => r,
                };
                let status = res.status();
                tracing::info!(target: "kstor::http", "{method} {url} {status} in {ms} ms");
                if status == StatusCode::UNAUTHORIZED && attempt == 1 {
                    // As client-go: a refused plugin credential is fetched anew, once.
                    if let (Some(exec), Some(mut next)) = (&shared.exec, spare) {
                        forget_credential(exec);
                        bearer(exec, &mut next).await?;
                        req = next;
                        continue;
                    }
                    return Ok(res);
                }
                if retryable(status) {
                    if let Some(next) = spare {
                        let backoff =
                            Duration::from_millis(200u64.saturating_mul(1 << attempt.min(5)))
                                .min(Duration::from_secs(5));
                        let wait = res
                            .headers()
                            .get(http::header::RETRY_AFTER)
                            .and_then(retry_after)
                            .unwrap_or(backoff);
                        if Instant::now() + wait < deadline {
                            tracing::info!(target: "kstor::http", "{method} {url}: {status}, retrying in {} ms (attempt {})", wait.as_millis(), attempt + 1);
                            tokio::time::sleep(wait).await;
                            req = next;
                            continue;
                        }
                    }
                }
                if tracing::enabled!(target: "kstor::http::body", tracing::Level::DEBUG) {
                    return Ok(log_body(res).await);
                }
                return Ok(res);
            }
        })
    }
}

/// Puts the exec plugin's token in the request's `Authorization` header (running the plugin
/// on the blocking pool only when the cached credential is missing or expired).
async fn bearer(exec: &ExecConfig, req: &mut Request<Body>) -> Result<(), BoxError> {
    let cred = match cached_credential(exec) {
        Some(c) => c,
        None => {
            let exec = exec.clone();
            tokio::task::spawn_blocking(move || exec_credential(&exec))
                .await
                .map_err(|e| BoxError::from(format!("exec plugin: {e}")))??
        }
    };
    if let Some(t) = cred.token {
        let mut v = HeaderValue::try_from(format!("Bearer {t}"))?;
        v.set_sensitive(true);
        req.headers_mut().insert(http::header::AUTHORIZATION, v);
    }
    Ok(())
}

/// A body for a log line: UTF-8, redacted, cut at 10 KB (kubectl's -v 8 truncates too).
fn body_text(bytes: &[u8]) -> String {
    let text = String::from_utf8_lossy(bytes);
    let text = redact::body(&text);
    if text.len() > 10_240 {
        let mut cut = 10_240;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        format!("{} [truncated {} bytes]", &text[..cut], text.len() - cut)
    } else {
        text
    }
}

async fn log_body(res: Resp) -> Resp {
    use http_body_util::BodyExt;
    let (parts, body) = res.into_parts();
    match body.collect().await {
        Ok(c) => {
            let bytes = c.to_bytes();
            tracing::debug!(target: "kstor::http::body", "response body: {}", body_text(&bytes));
            let b: Box<DynBody> = Box::new(
                http_body_util::Full::new(bytes).map_err(|never| -> BoxError { match never {} }),
            );
            Response::from_parts(parts, b)
        }
        Err(e) => {
            let b: Box<DynBody> = Box::new(
                http_body_util::Full::new(bytes::Bytes::new())
                    .map_err(|never| -> BoxError { match never {} }),
            );
            tracing::debug!(target: "kstor::http::body", "response body unreadable: {e}");
            Response::from_parts(parts, b)
        }
    }
}

/// Standard base64 (the kubeconfig's `client-certificate-data` form of a PEM).
pub fn base64(text: &str) -> String {
    const A: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let b = text.as_bytes();
    let mut out = String::with_capacity(b.len().div_ceil(3) * 4);
    for c in b.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// A map for [`proxy_for`]'s `env` from the process environment.
pub fn process_env(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |n| {
            pairs
                .iter()
                .find(|(k, _)| *k == n)
                .map(|(_, v)| v.to_string())
        }
    }

    fn pick(
        server: &str,
        kc: Option<&str>,
        e: &'static [(&'static str, &'static str)],
    ) -> Option<String> {
        proxy_for(&server.parse().expect("uri"), kc, &env(e))
            .expect("valid")
            .map(|u| u.to_string())
    }

    #[test]
    fn picks_the_proxy_as_client_go_does() {
        let e: &[(&str, &str)] = &[("HTTPS_PROXY", "http://p:3128"), ("HTTP_PROXY", "h:8080")];
        assert_eq!(
            pick("https://api.example.com", None, e).as_deref(),
            Some("http://p:3128/")
        );
        assert_eq!(
            pick("http://api.example.com", None, e).as_deref(),
            Some("http://h:8080/")
        );
        // Loopback servers are never proxied (kind clusters behind a corporate proxy).
        assert_eq!(pick("https://127.0.0.1:6443", None, e), None);
        assert_eq!(pick("https://localhost:6443", None, e), None);
        // The kubeconfig's proxy-url wins, for any server.
        assert_eq!(
            pick("https://127.0.0.1:6443", Some("socks5://s:1080"), e).as_deref(),
            Some("socks5://s:1080/")
        );
        // NO_PROXY covers the API server (not the proxy).
        let n: &[(&str, &str)] = &[
            ("HTTPS_PROXY", "http://p:3128"),
            ("NO_PROXY", "10.0.0.0/8,.eks.amazonaws.com"),
        ];
        assert_eq!(pick("https://10.1.2.3", None, n), None);
        assert_eq!(
            pick("https://x.gr7.us-east-1.eks.amazonaws.com", None, n),
            None
        );
        assert_eq!(
            pick("https://api.example.com", None, n).as_deref(),
            Some("http://p:3128/")
        );
        let lower: &[(&str, &str)] = &[("https_proxy", "http://p:1"), ("no_proxy", "*")];
        assert_eq!(pick("https://api.example.com", None, lower), None);
    }

    #[test]
    fn no_proxy_entries() {
        assert!(no_proxy_covers("example.com", "example.com", 443));
        assert!(no_proxy_covers("example.com", "api.example.com", 443));
        assert!(!no_proxy_covers("example.com", "badexample.com", 443));
        assert!(no_proxy_covers("*.example.com", "api.example.com", 443));
        assert!(no_proxy_covers(
            "api.example.com:6443",
            "api.example.com",
            6443
        ));
        assert!(!no_proxy_covers(
            "api.example.com:6443",
            "api.example.com",
            443
        ));
        assert!(no_proxy_covers(" 192.168.0.0/16 ", "192.168.4.5", 443));
        assert!(!no_proxy_covers("192.168.0.0/16", "192.169.4.5", 443));
        assert!(no_proxy_covers("fd00::/8", "fd12::1", 443));
        assert!(no_proxy_covers("10.0.0.1", "10.0.0.1", 443));
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        assert_eq!(
            retry_after(&HeaderValue::from_static("2")),
            Some(Duration::from_secs(2))
        );
        let soon = jiff::Timestamp::now() + jiff::SignedDuration::from_secs(30);
        let date = jiff::fmt::rfc2822::DateTimePrinter::new()
            .timestamp_to_rfc9110_string(&soon)
            .expect("date");
        let d = retry_after(&HeaderValue::from_str(&date).expect("hv")).expect("parsed");
        assert!(
            d > Duration::from_secs(25) && d <= Duration::from_secs(30),
            "{d:?}"
        );
        assert_eq!(retry_after(&HeaderValue::from_static("soon")), None);
    }

    #[test]
    fn base64_encodes() {
        assert_eq!(base64("Man"), "TWFu");
        assert_eq!(base64("Ma"), "TWE=");
        assert_eq!(base64("M"), "TQ==");
        assert_eq!(base64(""), "");
    }

    #[test]
    fn reads_an_exec_credential() {
        let c = parse_exec_output(br#"{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"k8s-aws-v1.abc","expirationTimestamp":"2026-12-02T01:00:00Z"}}"#).expect("parsed");
        assert_eq!(c.token.as_deref(), Some("k8s-aws-v1.abc"));
        assert!(c.expires.is_some());
        assert!(parse_exec_output(b"{\"status\":{}}").is_err());
        assert!(parse_exec_output(b"not json").is_err());
    }
}
