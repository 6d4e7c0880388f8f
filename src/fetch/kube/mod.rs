//! Live reads from the Kubernetes API: [`connect`] once, then whole-kind LISTs ([`list`]) beside
//! the server's clock ([`clock`]), and the small reads of [`reads`]. Targeted GETs for one chain
//! are in [`super::get`].

mod clock;
mod connect;
mod list;
mod reads;

pub(in crate::fetch) use clock::with_clock;
pub use connect::{connect, context_names, ConnectOptions, Connection};
pub(in crate::fetch) use list::{classify, list_all, list_csi, Builder, Outcome};
pub use list::{fetch, fetch_with, FetchStats, ListOptions, OnPage, Plan};
pub use reads::{existing_namespaces, fetch_node_stats, list_claims, names};

#[cfg(test)]
pub(crate) mod tests {
    use super::Connection;
    use kube::{Client, Config};
    use std::io::{Read, Write};
    use std::time::Duration;

    /// A stand-in API server answering GETs by path (query dropped) with canned JSON (the body
    /// `403`: a refusal), 404 for anything else; returns its address and the paths asked for.
    pub(crate) fn serve(
        routes: Vec<(&'static str, String)>,
    ) -> (String, std::sync::Arc<std::sync::Mutex<Vec<String>>>) {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = format!("http://{}", listener.local_addr().expect("addr"));
        let asked = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let seen = asked.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let routes = routes.clone();
                let seen = seen.clone();
                std::thread::spawn(move || {
                    let mut buf = Vec::new();
                    let mut chunk = [0u8; 4096];
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match stream.read(&mut chunk) {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let head = String::from_utf8_lossy(&buf).to_string();
                    let target = head.split_whitespace().nth(1).unwrap_or_default();
                    let path = target.split('?').next().unwrap_or_default().to_string();
                    seen.lock().expect("lock").push(path.clone());
                    let (status, body) = match routes.iter().find(|(p, _)| *p == path) {
                        Some((_, body)) if body == "403" => (
                            "403 Forbidden",
                            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"forbidden","reason":"Forbidden","code":403}"#.to_string(),
                        ),
                        Some((_, body)) => ("200 OK", body.clone()),
                        None => (
                            "404 Not Found",
                            r#"{"kind":"Status","apiVersion":"v1","status":"Failure","message":"the server could not find the requested resource","reason":"NotFound","code":404}"#.to_string(),
                        ),
                    };
                    let _ = write!(
                        stream,
                        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                        body.len()
                    );
                });
            }
        });
        (addr, asked)
    }

    pub(crate) fn connection(addr: &str) -> Connection {
        let config = Config::new(addr.parse().expect("url"));
        Connection {
            client: Client::try_from(config).expect("client"),
            default_namespace: "default".into(),
            server: addr.into(),
            timeout: Duration::from_secs(5),
            identity: Default::default(),
            opened: Default::default(),
        }
    }

    pub(crate) fn empty_list(kind: &str, api_version: &str) -> String {
        format!(
            r#"{{"kind":"{kind}List","apiVersion":"{api_version}","metadata":{{}},"items":[]}}"#
        )
    }
}
