//! The HTTP client under kube's `Client`: the same stack kube builds (proxy, TLS from the
//! kubeconfig, connect/read timeouts, the base URI, gzip, authentication and impersonation
//! headers), except that TLS offers HTTP/2 by ALPN as kubectl does. An API server that accepts
//! it multiplexes every request of a run over one connection; one that does not (an HTTP/1.1
//! proxy in front of it, a plain `http://` server) gets HTTP/1.1 as before.

use std::collections::HashMap;
use std::sync::Mutex;

use http::{HeaderValue, Uri};
use hyper_rustls::{FixedServerNameResolver, HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::connect::proxy::{SocksV5, Tunnel};
use hyper_util::client::legacy::connect::{Connection, HttpConnector};
use hyper_util::rt::TokioExecutor;
use kube::client::{Body, ConfigExt, DynBody};
use kube::Config;
use tower::{BoxError, Service, ServiceBuilder, ServiceExt};
use tower_http::decompression::DecompressionLayer;

use super::transport::RequestLayer;

/// The part of a client that holds connections: connector, TLS and pool, without credentials.
type Http = tower::util::BoxCloneSyncService<
    http::Request<Body>,
    http::Response<hyper::body::Incoming>,
    hyper_util::client::legacy::Error,
>;

/// Connection pools shared by the clusters of one run (`scan --context …`, `serve`), as
/// client-go's transport cache shares them: contexts that reach one API server the same way
/// (same address, proxy, CA, client certificate, TLS settings and timeouts) share its HTTP/2
/// connection instead of a TLS handshake each. What differs between such contexts (namespace,
/// bearer token, impersonation) is sent per request, above the pool.
#[derive(Default)]
pub struct Transports(Mutex<HashMap<String, Http>>);

impl std::fmt::Debug for Transports {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let n = self.0.lock().map(|m| m.len()).unwrap_or_default();
        write!(f, "Transports({n} pools)")
    }
}

impl Transports {
    /// The pool for `config`, built on first use.
    fn pool(&self, config: &Config) -> Result<Http, String> {
        let key = transport_key(config);
        let mut pools = self.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(http) = pools.get(&key) {
            return Ok(http.clone());
        }
        let http = pool(config)?;
        pools.insert(key, http.clone());
        Ok(http)
    }
}

/// Everything a connection depends on (never printed: it holds the client key).
fn transport_key(config: &Config) -> String {
    use secrecy::ExposeSecret;
    let a = &config.auth_info;
    format!(
        "{}\n{:?}\n{:?}\n{:?}\n{}\n{:?}\n{:?} {:?} {:?}\n{:?}\n{:?}\n{:?}\n{:?}",
        config.cluster_url,
        config.proxy_url,
        config.root_cert,
        config.root_cert_file,
        config.accept_invalid_certs,
        config.tls_server_name,
        config.connect_timeout,
        config.read_timeout,
        config.write_timeout,
        a.client_certificate,
        a.client_certificate_data,
        a.client_key,
        a.client_key_data.as_ref().map(|k| k.expose_secret()),
    )
}

/// Builds the client for `config`, with `layer` (retries, credentials, request logs) outermost;
/// its connections come from `shared` when given.
pub fn build(
    config: &Config,
    layer: &RequestLayer,
    shared: Option<&Transports>,
) -> Result<kube::Client, String> {
    let http = match shared {
        Some(t) => t.pool(config)?,
        None => pool(config)?,
    };
    stack(config, http, layer)
}

/// A new pool for `config`'s server, through its proxy if any.
fn pool(config: &Config) -> Result<Http, String> {
    let mut tcp = HttpConnector::new();
    tcp.enforce_http(false);
    // As Go's net package does: without it, Nagle's algorithm holds a small HTTP/2 frame until
    // the server's delayed ACK (40 ms on Linux), which stalled one read in five on the bed.
    tcp.set_nodelay(true);
    match config.proxy_url.as_ref() {
        None => pool_over(config, tcp),
        Some(p) if p.scheme_str() == Some("socks5") => {
            pool_over(config, SocksV5::new(p.clone(), tcp))
        }
        Some(p) if p.scheme_str() == Some("http") => pool_over(config, tunnel(p, tcp)),
        Some(p) if p.scheme_str() == Some("https") => {
            // TLS to the proxy (HTTP/1.1 for its CONNECT), then TLS to the server through it.
            let to_proxy = tls(config, tcp, false)?;
            pool_over(config, tunnel(p, to_proxy))
        }
        Some(p) => Err(format!(
            "proxy {p}: only http://, https:// and socks5:// proxies are supported"
        )),
    }
}

/// An HTTP CONNECT tunnel through `proxy`, with `Proxy-Authorization` from its user info.
fn tunnel<C>(proxy: &Uri, inner: C) -> Tunnel<C> {
    let t = Tunnel::new(proxy.clone(), inner);
    let Some((user_info, _)) = proxy.authority().and_then(|a| a.as_str().split_once('@')) else {
        return t;
    };
    let plain = percent_decode(user_info);
    let value = format!(
        "Basic {}",
        super::transport::base64(&String::from_utf8_lossy(&plain))
    );
    match HeaderValue::from_str(&value) {
        Ok(mut v) => {
            v.set_sensitive(true);
            t.with_auth(v)
        }
        Err(_) => t,
    }
}

/// `%XX` escapes decoded (a proxy URL's user info is percent-encoded; the header is not).
fn percent_decode(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = |c: u8| (c as char).to_digit(16);
        if b[i] == b'%' && i + 2 < b.len() {
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    out
}

/// TLS over `inner` with the kubeconfig's CA, client certificate and server name; `h2` offers
/// HTTP/2 by ALPN.
fn tls<H>(config: &Config, inner: H, h2: bool) -> Result<HttpsConnector<H>, String> {
    let rustls = config.rustls_client_config().map_err(|e| e.to_string())?;
    let mut b = HttpsConnectorBuilder::new()
        .with_tls_config(rustls)
        .https_or_http();
    if let Some(name) = &config.tls_server_name {
        let name = rustls::pki_types::ServerName::try_from(name.clone())
            .map_err(|e| format!("tls-server-name {name}: {e}"))?;
        b = b.with_server_name_resolver(FixedServerNameResolver::new(name));
    }
    Ok(if h2 {
        b.enable_all_versions().wrap_connector(inner)
    } else {
        b.enable_http1().wrap_connector(inner)
    })
}

/// TLS (offering HTTP/2) and timeouts over `inner`, pooled.
fn pool_over<H>(config: &Config, inner: H) -> Result<Http, String>
where
    H: Service<Uri> + Clone + Send + Sync + 'static,
    H::Response: Connection + hyper::rt::Read + hyper::rt::Write + Send + Unpin + 'static,
    H::Future: Send + 'static,
    H::Error: Into<BoxError>,
{
    let mut timed = hyper_timeout::TimeoutConnector::new(tls(config, inner, true)?);
    timed.set_connect_timeout(config.connect_timeout);
    timed.set_read_timeout(config.read_timeout);
    timed.set_write_timeout(config.write_timeout);
    Ok(Http::new(
        hyper_util::client::legacy::Client::builder(TokioExecutor::new()).build(timed),
    ))
}

/// kube's layers over the pool: base URI, gzip, authentication and extra headers; then ours.
fn stack(config: &Config, http: Http, layer: &RequestLayer) -> Result<kube::Client, String> {
    let auth = config.auth_layer().map_err(|e| e.to_string())?;
    let headers = config.extra_headers_layer().map_err(|e| e.to_string())?;
    let service = ServiceBuilder::new()
        .layer(config.base_uri_layer())
        .layer(
            DecompressionLayer::new()
                .no_br()
                .no_deflate()
                .no_zstd()
                .gzip(!config.disable_compression),
        )
        .option_layer(auth)
        .layer(headers)
        .map_err(BoxError::from)
        .service(http)
        .map_response(|r: http::Response<_>| {
            r.map(|body| {
                Box::new(http_body_util::BodyExt::map_err(body, BoxError::from)) as Box<DynBody>
            })
        });
    // The exec plugin was taken out of `config` (see `kube::connect`), so no credential here
    // expires: `layer` renews the plugin's token itself.
    Ok(
        kube::client::ClientBuilder::new(service.boxed(), config.default_namespace.clone())
            .with_layer(layer)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_user_info() {
        assert_eq!(percent_decode("u:pa%40ss%3Aw"), b"u:pa@ss:w");
        assert_eq!(percent_decode("u:100%"), b"u:100%");
        assert_eq!(percent_decode("u:%zz%4"), b"u:%zz%4");
    }
}
