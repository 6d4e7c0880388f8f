//! Connecting to EC2: the region, the HTTP client (ring-only rustls, the AWS CLI's proxy
//! variables), retries, timeouts, the credential chain and the request log.

use std::time::{Duration, Instant};

use aws_config::meta::region::ProvideRegion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_ec2::config::ProvideCredentials;
use k8s_openapi::api::core::v1::Node;

use super::call::CallStats;
use super::credentials::{self, Resolved};
use super::{AwsOptions, Unavailable, MAX_ATTEMPTS, MAX_IN_FLIGHT};
use crate::k8s;
use crate::snapshot::ec2;
use crate::snapshot::Coverage;

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// A connected EC2 client.
pub struct Ec2 {
    pub(super) client: aws_sdk_ec2::Client,
    /// The region in use.
    pub region: String,
    /// Where the region came from (`--region`, `environment`, `profile`, `node providerID`).
    pub region_source: &'static str,
    pub(super) timeout: Duration,
    /// Attempts per call (`AWS_MAX_ATTEMPTS`, else [`MAX_ATTEMPTS`]).
    pub(super) attempts: u32,
    /// Calls made so far.
    pub stats: CallStats,
    /// Bounds the calls in flight to [`MAX_IN_FLIGHT`].
    pub(super) in_flight: tokio::sync::Semaphore,
}

impl Ec2 {
    /// The underlying SDK client (for tests that set up EC2 state, and `import-ebs`).
    pub fn client(&self) -> &aws_sdk_ec2::Client {
        &self.client
    }
}

/// The retry settings: `AWS_RETRY_MODE` (`standard`, `adaptive`; `legacy` is read as standard)
/// and `AWS_MAX_ATTEMPTS` as the AWS CLI reads them, else standard mode with [`MAX_ATTEMPTS`].
pub fn retry_config(env: &dyn Fn(&str) -> Option<String>) -> (RetryConfig, u32) {
    let attempts = env("AWS_MAX_ATTEMPTS")
        .and_then(|v| v.trim().parse::<u32>().ok())
        .filter(|n| *n >= 1)
        .unwrap_or(MAX_ATTEMPTS);
    let base = match env("AWS_RETRY_MODE").as_deref().map(str::trim) {
        Some("adaptive") => RetryConfig::adaptive(),
        _ => RetryConfig::standard(),
    };
    (base.with_max_attempts(attempts), attempts)
}

/// Logs each EC2 attempt at `-v 6` (method, URL, status, latency) and its request body at `-v 8`.
#[derive(Debug)]
struct LogRequests;

#[derive(Debug, Clone)]
struct AttemptStart(Instant, String, String);

impl aws_smithy_types::config_bag::Storable for AttemptStart {
    type Storer = aws_smithy_types::config_bag::StoreReplace<Self>;
}

impl aws_sdk_ec2::config::Intercept for LogRequests {
    fn name(&self) -> &'static str {
        "kstor-request-log"
    }

    fn read_before_transmit(
        &self,
        ctx: &aws_sdk_ec2::config::interceptors::BeforeTransmitInterceptorContextRef<'_>,
        _rc: &aws_sdk_ec2::config::RuntimeComponents,
        cfg: &mut aws_sdk_ec2::config::ConfigBag,
    ) -> Result<(), aws_sdk_ec2::error::BoxError> {
        let req = ctx.request();
        let url = req.uri().to_string();
        if tracing::enabled!(target: "kstor::http::body", tracing::Level::DEBUG) {
            if let Some(b) = req.body().bytes() {
                tracing::debug!(target: "kstor::http::body", "request body: {}", crate::fetch::redact::body(&String::from_utf8_lossy(b)));
            }
        }
        let op = cfg
            .load::<aws_smithy_runtime_api::client::orchestrator::Metadata>()
            .map(|m| format!(" ({})", m.name()))
            .unwrap_or_default();
        cfg.interceptor_state().store_put(AttemptStart(
            Instant::now(),
            req.method().to_string(),
            format!("{url}{op}"),
        ));
        Ok(())
    }

    fn read_after_attempt(
        &self,
        ctx: &aws_sdk_ec2::config::interceptors::FinalizerInterceptorContextRef<'_>,
        _rc: &aws_sdk_ec2::config::RuntimeComponents,
        cfg: &mut aws_sdk_ec2::config::ConfigBag,
    ) -> Result<(), aws_sdk_ec2::error::BoxError> {
        let Some(AttemptStart(at, method, url)) = cfg.load::<AttemptStart>().cloned() else {
            return Ok(());
        };
        let ms = at.elapsed().as_millis();
        match ctx.response() {
            Some(r) => {
                let status = http::StatusCode::from_u16(r.status().as_u16())
                    .map_or_else(|_| r.status().to_string(), |s| s.to_string());
                tracing::info!(target: "kstor::http", "{method} {url} {status} in {ms} ms");
                if tracing::enabled!(target: "kstor::http::body", tracing::Level::DEBUG) {
                    if let Some(b) = r.body().bytes() {
                        tracing::debug!(target: "kstor::http::body", "response body: {}", crate::fetch::redact::body(&String::from_utf8_lossy(b)));
                    }
                }
            }
            None => tracing::info!(target: "kstor::http", "{method} {url} failed in {ms} ms"),
        }
        Ok(())
    }
}

/// Builds a client: region from `--region`, the nodes' `spec.providerID` / zone labels, the
/// environment or the profile; standard credential chain with a bounded metadata probe; the
/// proxy from `HTTP_PROXY`/`HTTPS_PROXY`/`NO_PROXY` as the AWS CLI reads them.
pub async fn connect(opts: &AwsOptions, nodes: &[Node]) -> Result<Ec2, Unavailable> {
    let timeout = opts.request_timeout.unwrap_or(DEFAULT_TIMEOUT);
    let creds_timeout = opts.credentials_timeout.unwrap_or(timeout);
    let (region, region_source) = resolve_region(opts, nodes).await.ok_or_else(|| {
        Unavailable(Coverage::NotChecked(
            "no AWS region: pass --region, set AWS_REGION, or give nodes a providerID aws:///<zone>/<instance-id>".into(),
        ))
    })?;
    // The high-level builder has no proxy setting: build each connector with the proxy from
    // HTTP_PROXY / HTTPS_PROXY / NO_PROXY (the AWS CLI's variables), the SDK's timeouts and sleep.
    let http = aws_smithy_http_client::Builder::new().build_with_connector_fn(|settings, rc| {
        let mut b = aws_smithy_http_client::Connector::builder()
            .proxy_config(aws_smithy_http_client::proxy::ProxyConfig::from_env());
        b.set_connector_settings(settings.cloned());
        if let Some(rc) = rc {
            b.set_sleep_impl(rc.sleep_impl());
        }
        b.tls_provider(aws_smithy_http_client::tls::Provider::Rustls(
            aws_smithy_http_client::tls::rustls_provider::CryptoMode::Ring,
        ))
        .build()
    });
    // The credential providers (SSO, STS, IMDS) must use the same ring-only HTTPS client.
    let provider_config = aws_config::provider_config::ProviderConfig::default()
        .with_http_client(http.clone())
        .with_region(Some(Region::new(region.clone())));
    let imds = aws_config::imds::Client::builder()
        .configure(&provider_config)
        .max_attempts(1)
        .connect_timeout(Duration::from_millis(500))
        .read_timeout(Duration::from_secs(1))
        .build();
    let mut chain = aws_config::default_provider::credentials::DefaultCredentialsChain::builder()
        .configure(provider_config)
        .imds_client(imds);
    if let Some(p) = &opts.profile {
        chain = chain.profile_name(p);
    }
    let (retry, attempts) = retry_config(&|n| std::env::var(n).ok());
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(http.clone())
        .region(Region::new(region.clone()))
        .retry_config(retry)
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(timeout.min(Duration::from_secs(5)))
                .operation_attempt_timeout(timeout)
                .operation_timeout(timeout)
                .build(),
        );
    if let Some(p) = &opts.profile {
        loader = loader.profile_name(p);
    }
    let chain = chain.build().await;
    // Resolve credentials once, bounded, so "no credentials" is one clear line, not a stall.
    let first = match tokio::time::timeout(creds_timeout, chain.provide_credentials()).await {
        Err(_) => {
            return Err(Unavailable(Coverage::Failed(format!(
                "no AWS credentials: the credential chain did not answer within {:?} (raise --aws-timeout for SSO or MFA prompts)",
                creds_timeout
            ))))
        }
        Ok(Err(e)) => {
            let reason = credentials::credentials_reason(&e);
            let profile = opts
                .profile
                .clone()
                .or_else(|| std::env::var("AWS_PROFILE").ok())
                .unwrap_or_else(|| "default".into());
            let reason = if credentials::is_sso_profile(&profile) && !reason.to_ascii_lowercase().contains("sso") {
                format!("SSO profile: {reason}")
            } else {
                reason
            };
            return Err(Unavailable(Coverage::Failed(credentials::credentials_failure(
                opts.profile.as_deref(),
                &region,
                &reason,
                &|n| std::env::var(n).ok(),
            ))));
        }
        Ok(Ok(c)) => c,
    };
    credentials::register_secrets(&first);
    let creds = Resolved {
        first: std::sync::Mutex::new(Some(first)),
        chain,
    };
    let config = loader.credentials_provider(creds).load().await;
    let ec2_config = aws_sdk_ec2::config::Builder::from(&config)
        .interceptor(LogRequests)
        .build();
    Ok(Ec2 {
        client: aws_sdk_ec2::Client::from_conf(ec2_config),
        region,
        region_source,
        timeout,
        attempts,
        stats: CallStats::default(),
        in_flight: tokio::sync::Semaphore::new(MAX_IN_FLIGHT),
    })
}

/// The region: `--region`, else where the cluster's nodes run (their providerID / zone labels:
/// the volumes live there, and a default profile pointing elsewhere would make every volume
/// look deleted), else `AWS_REGION`/`AWS_DEFAULT_REGION`, else the profile's region.
async fn resolve_region(opts: &AwsOptions, nodes: &[Node]) -> Option<(String, &'static str)> {
    if let Some(r) = opts.region.as_ref().filter(|r| !r.is_empty()) {
        return Some((r.clone(), "--region"));
    }
    if let Some(r) = region_from_nodes(nodes) {
        return Some((r, "node providerID"));
    }
    if let Some(r) = aws_config::environment::region::EnvironmentVariableRegionProvider::new()
        .region()
        .await
    {
        return Some((r.to_string(), "environment"));
    }
    let mut profile = aws_config::profile::ProfileFileRegionProvider::builder();
    if let Some(p) = &opts.profile {
        profile = profile.profile_name(p);
    }
    profile
        .build()
        .region()
        .await
        .map(|r| (r.to_string(), "profile"))
}

/// The region the nodes run in: from `spec.providerID` (`aws:///us-east-1a/i-…`), else from
/// zone labels (the zone minus its trailing letter).
pub fn region_from_nodes(nodes: &[Node]) -> Option<String> {
    let from_provider = nodes.iter().find_map(|n| {
        let id = n.spec.as_ref()?.provider_id.as_deref()?;
        let rest = id.strip_prefix("aws://")?;
        let zone = rest.trim_start_matches('/').split('/').next()?;
        ec2::region_of_zone(zone)
    });
    from_provider.or_else(|| {
        nodes
            .iter()
            .find_map(|n| k8s::node_zone(n).and_then(ec2::region_of_zone))
    })
}

#[cfg(test)]
mod tests {
    use super::super::test_env as env;
    use super::*;

    #[test]
    fn retry_settings_follow_aws_max_attempts_and_aws_retry_mode() {
        assert_eq!(retry_config(&env(&[])).1, MAX_ATTEMPTS);
        let (c, n) = retry_config(&env(&[
            ("AWS_MAX_ATTEMPTS", "7"),
            ("AWS_RETRY_MODE", "adaptive"),
        ]));
        assert_eq!((n, c.max_attempts()), (7, 7));
        assert_eq!(c.mode(), aws_config::retry::RetryMode::Adaptive);
        let (c, n) = retry_config(&env(&[
            ("AWS_MAX_ATTEMPTS", "0"),
            ("AWS_RETRY_MODE", "legacy"),
        ]));
        assert_eq!(n, MAX_ATTEMPTS, "0 attempts is not a setting");
        assert_eq!(c.mode(), aws_config::retry::RetryMode::Standard);
    }

    #[test]
    fn region_from_provider_id_or_zone_labels() {
        let node: Node = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "n"},
            "spec": {"providerID": "aws:///eu-west-1b/i-0abc"}
        }))
        .expect("node");
        assert_eq!(region_from_nodes(&[node]).as_deref(), Some("eu-west-1"));
        let labelled: Node = serde_json::from_value(serde_json::json!({
            "metadata": {"name": "n", "labels": {"topology.kubernetes.io/zone": "ap-south-1a"}}
        }))
        .expect("node");
        assert_eq!(
            region_from_nodes(&[labelled]).as_deref(),
            Some("ap-south-1")
        );
        assert_eq!(region_from_nodes(&[]), None);
    }
}
