//! Request logs on stderr (`tracing` + `tracing-subscriber`), with every secret taken out.
//!
//! `-v` maps to kubectl's levels: 6 logs each request's method, URL, status and latency
//! (Kubernetes and EC2), 8 adds bodies, 9 adds kube's and the AWS SDK's own debug events.
//! `RUST_LOG` replaces the mapping. Every line goes through [`line`] before it is written:
//! secrets this run handled (bearer tokens, exec plugin credentials, AWS secret keys and session
//! tokens) are registered with [`register`] and replaced, and bearer/basic `Authorization`
//! values, `X-Amz-Security-Token` values and JSON fields named like secrets are masked whatever
//! they hold.

use std::io::Write;
use std::sync::Mutex;

const MASK: &str = "[redacted]";

static SECRETS: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// Registers a secret: it never appears in a log line.
pub fn register(secret: &str) {
    let s = secret.trim();
    if s.len() < 4 {
        return;
    }
    let mut v = SECRETS.lock().unwrap_or_else(|e| e.into_inner());
    if !v.iter().any(|x| x == s) {
        v.push(s.to_string());
        // Longest first, so a secret containing another is masked whole.
        v.sort_by_key(|x| std::cmp::Reverse(x.len()));
    }
}

/// Masks the value after each (case-insensitive) `marker`, up to the next quote, comma,
/// whitespace or `end` character.
fn mask_after(text: &str, marker: &str) -> String {
    let lower = text.to_ascii_lowercase();
    let m = marker.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    let mut from = 0;
    while let Some(i) = lower[from..].find(&m) {
        let start = from + i + m.len();
        let rest = &text[start..];
        let len = rest
            .find(|c: char| c == '"' || c == '\'' || c == ',' || c == '}' || c.is_whitespace())
            .unwrap_or(rest.len());
        out.push_str(&text[last..start]);
        if len > 0 {
            out.push_str(MASK);
        }
        last = start + len;
        from = last.max(start);
        if from >= text.len() {
            break;
        }
    }
    out.push_str(&text[last..]);
    out
}

/// A log line with every known secret and secret-shaped value masked.
pub fn line(text: &str) -> String {
    let mut s = text.to_string();
    for secret in SECRETS.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        if s.contains(secret.as_str()) {
            s = s.replace(secret.as_str(), MASK);
        }
    }
    for marker in [
        "bearer ",
        "basic ",
        "x-amz-security-token: ",
        "x-amz-security-token=",
        "\"x-amz-security-token\": \"",
        "\"authorization\": \"",
        "authorization: ",
        "aws_secret_access_key=",
        "aws_session_token=",
        "secret_access_key: ",
        "session_token: ",
    ] {
        if s.to_ascii_lowercase().contains(marker) {
            s = mask_after(&s, marker);
        }
    }
    s
}

/// A request or response body: [`line`] plus JSON/XML fields named like secrets.
pub fn body(text: &str) -> String {
    let mut s = line(text);
    for marker in [
        "\"token\":\"",
        "\"token\": \"",
        "\"secretaccesskey\":\"",
        "\"secretaccesskey\": \"",
        "\"sessiontoken\":\"",
        "\"sessiontoken\": \"",
        "\"clientkeydata\":\"",
        "\"clientkeydata\": \"",
        "<secretaccesskey>",
        "<sessiontoken>",
    ] {
        if s.to_ascii_lowercase().contains(marker) {
            s = mask_after(&s, marker);
        }
    }
    s
}

/// Writes each log event to stderr once, redacted.
struct RedactingWriter(Vec<u8>);

impl Write for RedactingWriter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Drop for RedactingWriter {
    fn drop(&mut self) {
        if self.0.is_empty() {
            return;
        }
        let text = line(&String::from_utf8_lossy(&self.0));
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
    }
}

/// The filter directives for `-v N` (kubectl's levels).
pub fn directives(verbosity: u8) -> &'static str {
    match verbosity {
        0..=5 => "off",
        6 | 7 => "kstor::http=info",
        8 => "kstor::http=debug",
        _ => "kstor::http=debug,kube=debug,kube_client=debug,aws_smithy_runtime=debug,aws_config=debug,aws_sdk_ec2=debug",
    }
}

/// Installs the stderr subscriber: `RUST_LOG` when set, else the `-v` mapping. Once per process.
pub fn init(verbosity: u8) {
    use tracing_subscriber::EnvFilter;
    let filter = match std::env::var("RUST_LOG") {
        Ok(v) if !v.trim().is_empty() => EnvFilter::new(v),
        _ => EnvFilter::new(directives(verbosity)),
    };
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(|| RedactingWriter(Vec::new()))
        .with_ansi(false)
        .with_target(false)
        .without_time()
        .try_init();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_registered_secrets_and_secret_shaped_values() {
        register("s3cr3t-registered-value");
        let l = line("GET x Authorization: Bearer abc.def.ghi token s3cr3t-registered-value end");
        assert!(
            !l.contains("abc.def.ghi") && !l.contains("s3cr3t-registered-value"),
            "{l}"
        );
        assert!(l.contains("GET x"), "{l}");
        let b = body(r#"{"status":{"token":"k8s-aws-v1.zzz","expirationTimestamp":"x"}}"#);
        assert!(
            !b.contains("k8s-aws-v1.zzz") && b.contains("expirationTimestamp"),
            "{b}"
        );
        let x = body("<SessionToken>FQoGZX</SessionToken>");
        assert!(!x.contains("FQoGZX"), "{x}");
        assert_eq!(line("nothing here"), "nothing here");
    }

    #[test]
    fn verbosity_maps_like_kubectl() {
        assert_eq!(directives(2), "off");
        assert!(directives(6).contains("kstor::http=info"));
        assert!(directives(8).contains("kstor::http=debug"));
        assert!(directives(9).contains("aws_smithy_runtime=debug"));
    }
}
