//! The API server's clock and version, read beside the first wave (see [`with_clock`]).

use std::time::Duration;

use kube::Client;

use super::Connection;
use crate::snapshot::{Capture, ClockSource};

/// The server's clock (`Date` of its `/version` answer) and its `gitVersion`: ages are measured
/// against the cluster's time, not this machine's (a laptop's clock may be minutes off).
async fn server_clock(
    c: &Client,
    t: std::time::Duration,
) -> (Option<jiff::Timestamp>, Option<String>) {
    let Ok(req) = http::Request::get("/version").body(kube::client::Body::empty()) else {
        return (None, None);
    };
    let Some(res) = tokio::time::timeout(t, c.send(req))
        .await
        .ok()
        .and_then(|r| r.ok())
    else {
        return (None, None);
    };
    let clock = res
        .headers()
        .get(http::header::DATE)
        .and_then(|d| d.to_str().ok())
        .and_then(http_date);
    let body = tokio::time::timeout(t, res.into_body().collect_bytes())
        .await
        .ok()
        .and_then(|b| b.ok());
    let version = body
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .and_then(|v| v.get("gitVersion")?.as_str().map(str::to_string));
    (clock, version)
}

/// When a live read was taken: the server's clock if it answered, else this machine's.
fn capture(server: Option<jiff::Timestamp>) -> Capture {
    match server {
        Some(at) => Capture {
            at,
            source: ClockSource::ServerClock,
        },
        None => Capture {
            at: jiff::Timestamp::now(),
            source: ClockSource::LocalClock,
        },
    }
}

/// How long the first read of a connection waits for the clock's request alone.
const OPENING: Duration = Duration::from_secs(2);

/// Runs `reads` beside the request for the server's clock, returning both: the capture time
/// (see [`server_clock`]) and the server's version.
///
/// On a connection's first use the clock's request goes first, alone, for up to [`OPENING`]: it
/// opens the one connection the reads then share over HTTP/2. Started together, every read would
/// open its own connection before ALPN could tell the client that the server speaks HTTP/2 (13
/// TLS handshakes for one `scan`, on the server's CPU as on ours). A server slow to answer costs
/// at most [`OPENING`] more than before.
pub(in crate::fetch) async fn with_clock<T>(
    conn: &Connection,
    reads: impl std::future::Future<Output = T>,
) -> (T, (Capture, Option<String>)) {
    let mut clock = std::pin::pin!(server_clock(&conn.client, conn.timeout));
    let first = !conn.opened.swap(true, std::sync::atomic::Ordering::Relaxed);
    let ((at, version), out) = match first {
        true => match tokio::time::timeout(OPENING.min(conn.timeout), &mut clock).await {
            Ok(c) => (c, reads.await),
            Err(_) => {
                let (out, c) = futures::join!(reads, clock);
                (c, out)
            }
        },
        false => {
            let (out, c) = futures::join!(reads, clock);
            (c, out)
        }
    };
    (out, (capture(at), version))
}

/// An HTTP `Date` (`Tue, 01 Dec 2026 21:30:00 GMT`, RFC 9110's IMF-fixdate).
fn http_date(s: &str) -> Option<jiff::Timestamp> {
    jiff::fmt::rfc2822::DateTimeParser::new()
        .parse_timestamp(s)
        .ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn reads_an_http_date() {
        assert_eq!(
            super::http_date("Tue, 01 Dec 2026 21:30:05 GMT").map(|t| t.to_string()),
            Some("2026-12-01T21:30:05Z".to_string())
        );
        assert_eq!(super::http_date("yesterday"), None);
    }
}
