//! The only code that talks to EC2: batched, bounded reads into [`Ec2Data`].
//!
//! - `DescribeVolumes` by id in chunks of at most [`VOLUME_CHUNK`] ids (no `MaxResults` with
//!   ids: EC2 refuses the combination). A missing id fails the whole batch with
//!   `InvalidVolume.NotFound`; the batch is then asked once more with a `volume-id` filter
//!   (which ignores unknown ids), and the ids it does not return are recorded as not found.
//! - `DescribeInstances` for the nodes' instance ids in one call (chunks of [`INSTANCE_CHUNK`]).
//! - A tag-filtered, paginated `DescribeVolumes` for orphan search ([`kubernetes_volumes`]) and
//!   for `import-ebs --tag` ([`volumes_by_tags`]).
//!
//! Never one call per volume. Every call is bounded by the request timeout, retries are the
//! SDK's standard mode with [`MAX_ATTEMPTS`] attempts, and the credential chain's instance
//! metadata probe is cut short so a machine without credentials answers in about a second.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::model::PersistentVolume;
use aws_config::meta::region::ProvideRegion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region};
use aws_sdk_ec2::config::ProvideCredentials;
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_ec2::primitives::{DateTime, DateTimeFormat};
use aws_sdk_ec2::types::Filter;
use k8s_openapi::api::core::v1::Node;

use crate::k8s;
use crate::snapshot::ec2::{self, Ec2Data};
use crate::snapshot::{Coverage, Kind, Scope, Snapshot};

/// The most volume ids in one `DescribeVolumes` call.
pub const VOLUME_CHUNK: usize = 200;
/// The most instance ids in one `DescribeInstances` call.
pub const INSTANCE_CHUNK: usize = 1000;
/// Attempts per call (standard retry mode: throttling and 5xx are retried with backoff).
pub const MAX_ATTEMPTS: u32 = 3;
/// The most EC2 calls of one client in flight at once (EC2 refills its `Describe*` request
/// bucket at about 20 a second: more at once only buys `RequestLimitExceeded`).
pub const MAX_IN_FLIGHT: usize = 16;
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// AWS flags.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    /// `--region`.
    pub region: Option<String>,
    /// `--profile`.
    pub profile: Option<String>,
    /// `--request-timeout`: bounds every EC2 call.
    pub request_timeout: Option<Duration>,
    /// `--aws-timeout` (else `--request-timeout`): bounds the credential chain (SSO, MFA,
    /// `credential_process`).
    pub credentials_timeout: Option<Duration>,
}

/// Counts of EC2 calls, for `-v`.
#[derive(Debug, Default)]
pub struct CallStats {
    pub describe_volumes: AtomicUsize,
    pub describe_instances: AtomicUsize,
    pub describe_zones: AtomicUsize,
    /// Sequential round trips so far.
    pub waves: Waves,
}

/// Sequential round trips, counted from the calls' order, not their timing: a call's depth is
/// one more than the deepest call that had ended when it started, and the waves are the deepest
/// depth. Calls started together (`join`) share a depth; a call that waits for another's answer
/// (a page's next page, a fallback, a call queued behind [`MAX_IN_FLIGHT`]) is one deeper.
#[derive(Debug, Default)]
pub struct Waves {
    ended: AtomicUsize,
    deepest: AtomicUsize,
}

impl Waves {
    /// A call starts: its depth.
    pub fn start(&self) -> usize {
        self.ended.load(Ordering::SeqCst) + 1
    }

    /// The call of `depth` has its answer.
    pub fn end(&self, depth: usize) {
        self.ended.fetch_max(depth, Ordering::SeqCst);
        self.deepest.fetch_max(depth, Ordering::SeqCst);
    }

    /// Sequential round trips so far.
    pub fn count(&self) -> usize {
        self.deepest.load(Ordering::SeqCst)
    }
}

impl CallStats {
    /// `DescribeVolumes ×2, DescribeInstances ×1`.
    pub fn summary(&self) -> String {
        format!(
            "DescribeVolumes ×{}, DescribeInstances ×{}, DescribeAvailabilityZones ×{}",
            self.describe_volumes.load(Ordering::Relaxed),
            self.describe_instances.load(Ordering::Relaxed),
            self.describe_zones.load(Ordering::Relaxed)
        )
    }

    /// Every call made.
    pub fn total(&self) -> usize {
        self.describe_volumes.load(Ordering::Relaxed)
            + self.describe_instances.load(Ordering::Relaxed)
            + self.describe_zones.load(Ordering::Relaxed)
    }
}

/// A connected EC2 client.
pub struct Ec2 {
    client: aws_sdk_ec2::Client,
    /// The region in use.
    pub region: String,
    /// Where the region came from (`--region`, `environment`, `profile`, `node providerID`).
    pub region_source: &'static str,
    timeout: Duration,
    /// Attempts per call (`AWS_MAX_ATTEMPTS`, else [`MAX_ATTEMPTS`]).
    attempts: u32,
    /// Calls made so far.
    pub stats: CallStats,
    /// Bounds the calls in flight to [`MAX_IN_FLIGHT`].
    in_flight: tokio::sync::Semaphore,
}

impl Ec2 {
    /// The underlying SDK client (for tests that set up EC2 state, and `import-ebs`).
    pub fn client(&self) -> &aws_sdk_ec2::Client {
        &self.client
    }
}

/// Why EC2 could not be read, as a snapshot coverage record (one line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unavailable(pub Coverage);

/// The AWS config and credentials files the SDK reads (`AWS_CONFIG_FILE`,
/// `AWS_SHARED_CREDENTIALS_FILE`, else `~/.aws/config` and `~/.aws/credentials`).
fn profile_files() -> Vec<std::path::PathBuf> {
    let home = std::env::var_os("HOME").map(std::path::PathBuf::from);
    let file = |env: &str, default: &str| {
        std::env::var_os(env)
            .map(std::path::PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
    };
    [
        file("AWS_CONFIG_FILE", "config"),
        file("AWS_SHARED_CREDENTIALS_FILE", "credentials"),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Profile names of an AWS config (`[default]`, `[profile NAME]`) or credentials (`[NAME]`)
/// file's text.
pub fn profile_names(text: &str, is_config: bool) -> Vec<String> {
    text.lines()
        .filter_map(|l| l.trim().strip_prefix('[')?.strip_suffix(']'))
        .filter_map(|h| {
            let h = h.trim();
            if !is_config || h == "default" {
                return Some(h.to_string());
            }
            h.strip_prefix("profile")
                .filter(|r| r.starts_with(char::is_whitespace))
                .map(|r| r.trim().to_string())
        })
        .collect()
}

/// `--profile NAME` must name a profile of the AWS config or credentials file: the SDK would
/// otherwise go on without it.
pub fn check_profile(name: &str) -> crate::error::Result<()> {
    let files = profile_files();
    let mut names: Vec<String> = Vec::new();
    for (i, f) in files.iter().enumerate() {
        if let Ok(text) = std::fs::read_to_string(f) {
            names.extend(profile_names(&text, i == 0));
        }
    }
    if names.iter().any(|n| n == name) {
        return Ok(());
    }
    names.sort();
    names.dedup();
    let shown: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    Err(crate::error::Error::Usage(format!(
        "--profile {name:?}: no such AWS profile in {} (profiles there: {})",
        shown.join(" or "),
        if names.is_empty() {
            "none".to_string()
        } else {
            crate::k8s::truncate(&names.join(", "), 100)
        }
    )))
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

/// Credentials resolved once (bounded, so "no credentials" is one clear line) and handed to
/// every call of the run: the chain (and a `credential_process`, an SSO token read, an STS
/// call) runs again only when they expire.
#[derive(Debug)]
struct Resolved {
    first: std::sync::Mutex<Option<aws_sdk_ec2::config::Credentials>>,
    chain: aws_config::default_provider::credentials::DefaultCredentialsChain,
}

impl ProvideCredentials for Resolved {
    fn provide_credentials<'a>(
        &'a self,
    ) -> aws_credential_types::provider::future::ProvideCredentials<'a>
    where
        Self: 'a,
    {
        aws_credential_types::provider::future::ProvideCredentials::new(async move {
            let cached = self
                .first
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone()
                .filter(|c| {
                    c.expiry()
                        .is_none_or(|t| t > std::time::SystemTime::now() + Duration::from_secs(60))
                });
            if let Some(c) = cached {
                return Ok(c);
            }
            let c = self.chain.provide_credentials().await?;
            register_secrets(&c);
            *self.first.lock().unwrap_or_else(|e| e.into_inner()) = Some(c.clone());
            Ok(c)
        })
    }
}

fn register_secrets(c: &aws_sdk_ec2::config::Credentials) {
    super::redact::register(c.secret_access_key());
    if let Some(t) = c.session_token() {
        super::redact::register(t);
    }
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
                tracing::debug!(target: "kstor::http::body", "request body: {}", super::redact::body(&String::from_utf8_lossy(b)));
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
                        tracing::debug!(target: "kstor::http::body", "response body: {}", super::redact::body(&String::from_utf8_lossy(b)));
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
            let reason = credentials_reason(&e);
            let profile = opts
                .profile
                .clone()
                .or_else(|| std::env::var("AWS_PROFILE").ok())
                .unwrap_or_else(|| "default".into());
            let reason = if is_sso_profile(&profile) && !reason.to_ascii_lowercase().contains("sso") {
                format!("SSO profile: {reason}")
            } else {
                reason
            };
            return Err(Unavailable(Coverage::Failed(credentials_failure(
                opts.profile.as_deref(),
                &region,
                &reason,
                &|n| std::env::var(n).ok(),
            ))));
        }
        Ok(Ok(c)) => c,
    };
    register_secrets(&first);
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

/// Whether profile `name` of the AWS config file signs in with IAM Identity Center (SSO):
/// its section has `sso_session` or `sso_start_url`.
fn is_sso_profile(name: &str) -> bool {
    let Some(config) = profile_files().into_iter().next() else {
        return false;
    };
    let Ok(text) = std::fs::read_to_string(config) else {
        return false;
    };
    sso_in_config(&text, name)
}

fn sso_in_config(text: &str, name: &str) -> bool {
    let mut inside = false;
    for line in text.lines().map(str::trim) {
        if let Some(h) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            let h = h.trim();
            inside = if name == "default" {
                h == "default" || h == "profile default"
            } else {
                h.strip_prefix("profile")
                    .is_some_and(|r| r.starts_with(char::is_whitespace) && r.trim() == name)
            };
            continue;
        }
        if inside {
            let key = line.split('=').next().unwrap_or_default().trim();
            if key == "sso_session" || key == "sso_start_url" {
                return true;
            }
        }
    }
    false
}

/// The line for a credential chain that failed, naming the real next step: `aws sso login`
/// for an SSO profile whose token is missing or expired, the IRSA token file or STS for web
/// identity, else a profile or `--no-aws`.
pub fn credentials_failure(
    profile: Option<&str>,
    region: &str,
    reason: &str,
    env: &dyn Fn(&str) -> Option<String>,
) -> String {
    let for_profile = profile
        .map(|p| format!(" for profile {p}"))
        .unwrap_or_default();
    let lower = reason.to_ascii_lowercase();
    let profile_name = profile
        .map(str::to_string)
        .or_else(|| env("AWS_PROFILE"))
        .unwrap_or_else(|| "default".into());
    if lower.contains("sso") || lower.contains("token cache") || lower.contains("refresh token") {
        return format!(
            "no AWS credentials{for_profile} ({reason}); run `aws sso login --profile {profile_name}`, or pass --no-aws"
        );
    }
    if let Some(file) = env("AWS_WEB_IDENTITY_TOKEN_FILE").filter(|f| !f.is_empty()) {
        if std::fs::metadata(&file).is_err() || std::fs::read(&file).is_err() {
            return format!(
                "no AWS credentials{for_profile}: IRSA: the web identity token file {file} is not readable (is the service account's token projected into this pod?), or pass --no-aws"
            );
        }
        if lower.contains("dispatch")
            || lower.contains("connect")
            || lower.contains("timed out")
            || lower.contains("timeout")
            || lower.contains("dns")
        {
            return format!(
                "no AWS credentials{for_profile}: IRSA: STS unreachable ({reason}); check the network path to sts.{region}.amazonaws.com (a proxy? NO_PROXY?), or pass --no-aws"
            );
        }
        return format!(
            "no AWS credentials{for_profile}: IRSA: STS refused the web identity token from {file} ({reason}); check the role's trust policy and AWS_ROLE_ARN, or pass --no-aws"
        );
    }
    format!(
        "no AWS credentials{for_profile} ({reason}); configure a profile (--profile, AWS_PROFILE) or pass --no-aws"
    )
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

/// Why a call failed, in one line, as coverage: forbidden for IAM denials, failed otherwise.
fn classify<E>(
    err: &SdkError<E, aws_sdk_ec2::config::http::HttpResponse>,
    call: &str,
    ec2: &Ec2,
) -> Coverage
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let c = classify_full(err, call, ec2);
    // One short line, whatever the endpoint answered (a proxy's HTML page, a 5xx body).
    let cut = |s: String| k8s::truncate(&s, 200);
    match c {
        Coverage::Failed(s) => Coverage::Failed(cut(s)),
        Coverage::Forbidden(s) => Coverage::Forbidden(cut(s)),
        other => other,
    }
}

fn classify_full<E>(
    err: &SdkError<E, aws_sdk_ec2::config::http::HttpResponse>,
    call: &str,
    ec2: &Ec2,
) -> Coverage
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let status = err.raw_response().map(|r| r.status().as_u16());
    let code = err.code().unwrap_or_default();
    let msg = err
        .message()
        .map(crate::snapshot::load::one_line)
        .unwrap_or_default();
    match err {
        SdkError::TimeoutError(_) => Coverage::Failed(format!(
            "{call} timed out after {}s (raise --request-timeout)",
            ec2.timeout.as_secs()
        )),
        SdkError::DispatchFailure(d) => Coverage::Failed(format!(
            "cannot reach EC2 in region {}: {}",
            ec2.region,
            dispatch_reason(d.as_connector_error())
        )),
        _ if code == "UnauthorizedOperation" || code.starts_with("AccessDenied") => {
            Coverage::Forbidden(format!("{code}: {call} not allowed: {msg}"))
        }
        _ if matches!(
            code,
            "AuthFailure" | "ExpiredToken" | "RequestExpired" | "InvalidClientTokenId"
        ) || code.contains("Expired") =>
        {
            Coverage::Failed(format!("AWS credentials rejected ({code}): {msg}"))
        }
        _ if code.contains("Throttl") || code == "RequestLimitExceeded" => Coverage::Failed(
            format!("{call} throttled ({code}) after {} attempts", ec2.attempts),
        ),
        _ if !code.is_empty() => Coverage::Failed(format!("{call}: {code}: {msg}")),
        SdkError::ResponseError(_) | SdkError::ServiceError(_)
            if status.is_none_or(|s| s < 400) =>
        {
            Coverage::Failed(format!(
                "{call}: the answer{} is not an EC2 response (a proxy or a wrong endpoint?)",
                status.map(|s| format!(" (HTTP {s})")).unwrap_or_default()
            ))
        }
        SdkError::ServiceError(_) if status.is_some_and(|s| s >= 500) => {
            Coverage::Failed(format!(
                "{call}: EC2 answered HTTP {} without an EC2 error code, after {} attempts (an AWS outage, a proxy or a wrong endpoint?)",
                status.unwrap_or_default(),
                ec2.attempts
            ))
        }
        SdkError::ServiceError(_) => Coverage::Failed(format!(
            "{call}: EC2 answered HTTP {} without an EC2 error code (a proxy or a wrong endpoint?)",
            status.map_or_else(|| "?".to_string(), |s| s.to_string())
        )),
        _ => Coverage::Failed(format!(
            "{call}: {}",
            crate::snapshot::load::one_line(&DisplayErrorContext(err).to_string())
        )),
    }
}

/// The useful line of a credential-chain error: the first cause under "an error occurred while
/// loading credentials", without the SDK's debug dump.
fn credentials_reason<E: std::error::Error>(e: &E) -> String {
    let mut levels = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(c) = cur {
        levels.push(c.to_string());
        cur = c.source();
    }
    tracing::debug!(target: "kstor::http", "credential chain error: {levels:?}");
    let generic = |l: &str| l.contains("an error occurred while loading credentials");
    // The deepest cause that still says something of its own (not a bare OS error).
    let pick = levels
        .iter()
        .skip(1)
        .rev()
        .find(|l| !generic(l) && !l.contains("(os error"))
        .or(levels.get(1))
        .unwrap_or(&levels[0]);
    let line = crate::snapshot::load::one_line(pick);
    let line = line.split(" (").next().unwrap_or(&line).to_string();
    k8s::truncate(&line, 120)
}

fn dispatch_reason(d: Option<&aws_sdk_ec2::error::ConnectorError>) -> String {
    let Some(d) = d else {
        return "the request could not be sent".into();
    };
    let mut cur: &dyn std::error::Error = d;
    while let Some(next) = cur.source() {
        cur = next;
    }
    let s = crate::snapshot::load::one_line(&cur.to_string());
    if d.is_timeout() {
        format!("timed out ({s})")
    } else if s.contains("lookup address") || s.contains("dns error") {
        format!("{s} (is the region name right?)")
    } else {
        s
    }
}

/// Runs one EC2 call: at most [`MAX_IN_FLIGHT`] at once, bounded by the request timeout (on
/// top of the SDK's own operation timeout), counted in [`CallStats::waves`].
async fn bounded<T>(
    ec2: &Ec2,
    call: &str,
    fut: impl std::future::Future<Output = Result<T, Coverage>>,
) -> Result<T, Coverage> {
    // Never closed, so a permit always comes.
    let _permit = ec2.in_flight.acquire().await.ok();
    let depth = ec2.stats.waves.start();
    let res = tokio::time::timeout(ec2.timeout + Duration::from_secs(1), fut).await;
    ec2.stats.waves.end(depth);
    match res {
        Ok(r) => r,
        Err(_) => Err(Coverage::Failed(format!(
            "{call} timed out after {}s",
            ec2.timeout.as_secs()
        ))),
    }
}

/// Volumes read by id: the ones EC2 returned and the ids it does not know.
#[derive(Debug, Default)]
pub struct VolumesById {
    pub volumes: Vec<ec2::Volume>,
    pub not_found: BTreeSet<String>,
}

/// `DescribeVolumes` for `ids` in chunks of [`VOLUME_CHUNK`]. Ids that are not `vol-…` are
/// reported not found without asking EC2.
pub async fn volumes_by_id(ec2: &Ec2, ids: &[String]) -> Result<VolumesById, Coverage> {
    let mut out = VolumesById::default();
    let mut wanted: Vec<String> = Vec::new();
    for id in ids {
        if !ec2::is_volume_id(id) {
            out.not_found.insert(id.clone());
        } else if !wanted.contains(id) {
            wanted.push(id.clone());
        }
    }
    let chunks: Vec<Vec<String>> = wanted.chunks(VOLUME_CHUNK).map(<[_]>::to_vec).collect();
    let results =
        futures::future::join_all(chunks.into_iter().map(|c| describe_chunk(ec2, c))).await;
    for r in results {
        let r = r?;
        out.volumes.extend(r.volumes);
        out.not_found.extend(r.not_found);
    }
    Ok(out)
}

/// One batch by `VolumeIds`. A missing id fails the whole batch with `InvalidVolume.NotFound`
/// (and EC2's message does not reliably name only the missing ids: moto names the whole batch),
/// so the batch is asked once more with a `volume-id` filter, which ignores unknown ids: the
/// ids it does not return are the missing ones. At most two calls per batch.
async fn describe_chunk(ec2: &Ec2, ids: Vec<String>) -> Result<VolumesById, Coverage> {
    let mut out = VolumesById::default();
    if ids.is_empty() {
        return Ok(out);
    }
    ec2.stats.describe_volumes.fetch_add(1, Ordering::Relaxed);
    let res = bounded(ec2, "DescribeVolumes", async {
        ec2.client
            .describe_volumes()
            .set_volume_ids(Some(ids.clone()))
            .send()
            .await
            .map_err(|e| {
                let code = e.code().unwrap_or_default();
                if code == "InvalidVolume.NotFound" || code == "InvalidVolumeID.Malformed" {
                    Coverage::NotChecked(String::new())
                } else {
                    classify(&e, "DescribeVolumes", ec2)
                }
            })
    })
    .await;
    match res {
        Ok(o) => {
            out.volumes.extend(o.volumes().iter().map(volume_from_sdk));
            return Ok(out);
        }
        Err(Coverage::NotChecked(s)) if s.is_empty() => {}
        Err(cov) => return Err(cov),
    }
    let mut token: Option<String> = None;
    loop {
        ec2.stats.describe_volumes.fetch_add(1, Ordering::Relaxed);
        let o = bounded(ec2, "DescribeVolumes", async {
            ec2.client
                .describe_volumes()
                .filters(
                    Filter::builder()
                        .name("volume-id")
                        .set_values(Some(ids.clone()))
                        .build(),
                )
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| classify(&e, "DescribeVolumes", ec2))
        })
        .await?;
        out.volumes.extend(o.volumes().iter().map(volume_from_sdk));
        match o.next_token().filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    let found: BTreeSet<&str> = out.volumes.iter().map(|v| v.id.as_str()).collect();
    let missing: Vec<String> = ids
        .iter()
        .filter(|id| !found.contains(id.as_str()))
        .cloned()
        .collect();
    out.not_found.extend(missing);
    Ok(out)
}

/// `DescribeInstances` for `ids` (one call per [`INSTANCE_CHUNK`] ids, pages followed).
pub async fn instances_by_id(ec2: &Ec2, ids: &[String]) -> Result<Vec<ec2::Instance>, Coverage> {
    let mut out = Vec::new();
    let wanted: Vec<String> = ids
        .iter()
        .filter(|i| i.starts_with("i-"))
        .cloned()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    for chunk in wanted.chunks(INSTANCE_CHUNK) {
        let mut token: Option<String> = None;
        loop {
            ec2.stats.describe_instances.fetch_add(1, Ordering::Relaxed);
            let res = bounded(ec2, "DescribeInstances", async {
                ec2.client
                    .describe_instances()
                    .set_instance_ids(Some(chunk.to_vec()))
                    .set_next_token(token.clone())
                    .send()
                    .await
                    .map_err(|e| {
                        // A terminated node's instance may be gone: that is data, not a failure.
                        if e.code() == Some("InvalidInstanceID.NotFound") {
                            Coverage::NotChecked(String::new())
                        } else {
                            classify(&e, "DescribeInstances", ec2)
                        }
                    })
            })
            .await;
            let o = match res {
                Ok(o) => o,
                Err(Coverage::NotChecked(s)) if s.is_empty() => {
                    // Fall back to a filter, which ignores unknown ids instead of failing.
                    ec2.stats.describe_instances.fetch_add(1, Ordering::Relaxed);
                    let f = Filter::builder()
                        .name("instance-id")
                        .set_values(Some(chunk.to_vec()))
                        .build();
                    bounded(ec2, "DescribeInstances", async {
                        ec2.client
                            .describe_instances()
                            .filters(f)
                            .send()
                            .await
                            .map_err(|e| classify(&e, "DescribeInstances", ec2))
                    })
                    .await?
                }
                Err(c) => return Err(c),
            };
            out.extend(
                o.reservations()
                    .iter()
                    .flat_map(|r| r.instances())
                    .map(instance_from_sdk),
            );
            match o.next_token().filter(|t| !t.is_empty()) {
                Some(t) => token = Some(t.to_string()),
                None => break,
            }
        }
    }
    Ok(out)
}

/// Orphan search for `scan`: every `available` volume carrying a Kubernetes tag key
/// (`ebs.csi.aws.com/cluster`, `CSIVolumeName`, `kubernetes.io/created-for/pvc/name`), paginated.
/// One paginated query per tag key (EC2 ANDs filters, so the keys cannot share one query).
pub async fn kubernetes_volumes(ec2: &Ec2) -> Result<Vec<ec2::Volume>, Coverage> {
    let searches = ec2::KUBERNETES_TAG_KEYS.iter().map(|key| {
        let filters = vec![
            Filter::builder().name("tag-key").values(*key).build(),
            Filter::builder().name("status").values("available").build(),
        ];
        volumes_by_filters(ec2, filters)
    });
    // Concurrently; merged in key order, the first failure (in key order) failing the search.
    let mut out: Vec<ec2::Volume> = Vec::new();
    let mut seen: BTreeSet<String> = BTreeSet::new();
    for found in futures::future::join_all(searches).await {
        for v in found? {
            if seen.insert(v.id.clone()) {
                out.push(v);
            }
        }
    }
    Ok(out)
}

/// One paginated `DescribeVolumes` with these filters (EC2 ANDs them).
async fn volumes_by_filters(ec2: &Ec2, filters: Vec<Filter>) -> Result<Vec<ec2::Volume>, Coverage> {
    let mut out: Vec<ec2::Volume> = Vec::new();
    let mut token: Option<String> = None;
    loop {
        ec2.stats.describe_volumes.fetch_add(1, Ordering::Relaxed);
        let o = bounded(ec2, "DescribeVolumes", async {
            ec2.client
                .describe_volumes()
                .set_filters(Some(filters.clone()))
                .max_results(500)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| classify(&e, "DescribeVolumes", ec2))
        })
        .await?;
        out.extend(o.volumes().iter().map(volume_from_sdk));
        match o.next_token().filter(|t| !t.is_empty()) {
            Some(t) => token = Some(t.to_string()),
            None => break,
        }
    }
    Ok(out)
}

/// Volumes carrying every `KEY=VALUE` tag (for `import-ebs --tag`): one paginated
/// `DescribeVolumes` with a `tag:KEY` filter per tag (EC2 ANDs filters), never one call per volume.
pub async fn volumes_by_tags(
    ec2: &Ec2,
    tags: &[(String, String)],
) -> Result<Vec<ec2::Volume>, Coverage> {
    let filters: Vec<Filter> = tags
        .iter()
        .map(|(k, v)| Filter::builder().name(format!("tag:{k}")).values(v).build())
        .collect();
    volumes_by_filters(ec2, filters).await
}

/// `DescribeAvailabilityZones` for the region (optional context for zone messages).
pub async fn zones(ec2: &Ec2) -> Result<Vec<ec2::AvailabilityZone>, Coverage> {
    ec2.stats.describe_zones.fetch_add(1, Ordering::Relaxed);
    let o = bounded(ec2, "DescribeAvailabilityZones", async {
        ec2.client
            .describe_availability_zones()
            .send()
            .await
            .map_err(|e| classify(&e, "DescribeAvailabilityZones", ec2))
    })
    .await?;
    Ok(o.availability_zones()
        .iter()
        .map(|z| ec2::AvailabilityZone {
            zone_name: z.zone_name().unwrap_or_default().to_string(),
            zone_id: z.zone_id().map(str::to_string),
            state: z.state().map(|s| s.as_str().to_string()),
            region_name: z.region_name().map(str::to_string),
        })
        .collect())
}

fn time(t: Option<&DateTime>) -> Option<String> {
    t.and_then(|t| t.fmt(DateTimeFormat::DateTime).ok())
}

fn tags(t: &[aws_sdk_ec2::types::Tag]) -> Vec<ec2::Tag> {
    t.iter()
        .map(|t| ec2::Tag {
            key: t.key().unwrap_or_default().to_string(),
            value: t.value().unwrap_or_default().to_string(),
        })
        .collect()
}

/// Converts an SDK volume into our model.
pub fn volume_from_sdk(v: &aws_sdk_ec2::types::Volume) -> ec2::Volume {
    ec2::Volume {
        id: v.volume_id().unwrap_or_default().to_string(),
        az: v.availability_zone().unwrap_or_default().to_string(),
        state: v
            .state()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default(),
        size_gib: v.size().map(i64::from).unwrap_or_default(),
        volume_type: v.volume_type().map(|t| t.as_str().to_string()),
        iops: v.iops(),
        throughput: v.throughput(),
        encrypted: v.encrypted().unwrap_or(false),
        kms_key_id: v.kms_key_id().map(str::to_string),
        multi_attach: v.multi_attach_enabled().unwrap_or(false),
        create_time: time(v.create_time()),
        tags: tags(v.tags()),
        attachments: v
            .attachments()
            .iter()
            .map(|a| ec2::VolumeAttachment {
                instance_id: a.instance_id().unwrap_or_default().to_string(),
                device: a.device().map(str::to_string),
                state: a
                    .state()
                    .map(|s| s.as_str().to_string())
                    .unwrap_or_default(),
                delete_on_termination: a.delete_on_termination(),
                attach_time: time(a.attach_time()),
            })
            .collect(),
    }
}

/// Converts an SDK instance into our model.
pub fn instance_from_sdk(i: &aws_sdk_ec2::types::Instance) -> ec2::Instance {
    ec2::Instance {
        id: i.instance_id().unwrap_or_default().to_string(),
        placement: ec2::Placement {
            availability_zone: i
                .placement()
                .and_then(|p| p.availability_zone())
                .unwrap_or_default()
                .to_string(),
        },
        instance_type: i
            .instance_type()
            .map(|t| t.as_str().to_string())
            .unwrap_or_default(),
        state: ec2::InstanceState {
            name: i
                .state()
                .and_then(|s| s.name())
                .map(|n| n.as_str().to_string())
                .unwrap_or_default(),
        },
        block_device_mappings: i
            .block_device_mappings()
            .iter()
            .map(|b| ec2::BlockDeviceMapping {
                device: b.device_name().unwrap_or_default().to_string(),
                ebs: b.ebs().map(|e| ec2::EbsMapping {
                    volume_id: e.volume_id().unwrap_or_default().to_string(),
                }),
            })
            .collect(),
        network_interfaces: i
            .network_interfaces()
            .iter()
            .map(|n| ec2::NetworkInterface {
                network_interface_id: n.network_interface_id().map(str::to_string),
            })
            .collect(),
        tags: tags(i.tags()),
    }
}

/// What [`fetch`] read: the data, how each EC2 kind was read, and call figures for `-v`.
#[derive(Debug, Default)]
pub struct Ec2Fetch {
    pub data: Ec2Data,
    /// Coverage of [`Kind::EbsVolume`] and [`Kind::Ec2Instance`].
    pub coverage: Vec<(Kind, Coverage)>,
    pub region: Option<String>,
    pub region_source: Option<&'static str>,
    /// `DescribeVolumes ×1, DescribeInstances ×1, …`.
    pub calls: String,
    pub total_calls: usize,
    /// Sequential round trips ([`Waves`]).
    pub waves: usize,
    pub elapsed: Duration,
}

impl Ec2Fetch {
    /// Adds the data and coverage to a snapshot (replacing EC2 data loaded from files).
    pub fn apply(self, snap: &mut Snapshot) {
        snap.ec2.volumes.extend(self.data.volumes);
        snap.ec2.instances.extend(self.data.instances);
        snap.ec2.zones.extend(self.data.zones);
        snap.ec2.not_found.extend(self.data.not_found);
        if self.data.region.is_some() {
            snap.ec2.region = self.data.region;
        }
        snap.ec2.dedup();
        for (kind, cov) in self.coverage {
            match cov {
                Coverage::Read(scope) => snap.mark_read(kind, scope),
                other => {
                    snap.coverage.remove(&kind);
                    snap.mark_unread(kind, other)
                }
            }
        }
    }
}

/// The EBS volume ids of every EBS-backed PV.
pub fn pv_volume_ids(pvs: &[PersistentVolume]) -> Vec<String> {
    let mut ids: Vec<String> = pvs
        .iter()
        .filter(|pv| k8s::pv_is_ebs(pv))
        .filter_map(k8s::pv_volume_id)
        .map(str::to_string)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// The EC2 instance ids of the nodes.
pub fn node_instance_ids(nodes: &[Node]) -> Vec<String> {
    let mut ids: Vec<String> = nodes
        .iter()
        .filter_map(k8s::node_instance_id)
        .map(str::to_string)
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Reads the EC2 side for these PVs and nodes: the PVs' volumes, the nodes' instances and (for
/// `scan`, `orphans`) the Kubernetes-tagged available volumes, all concurrently (one wave, a
/// second only for a batch that names a deleted volume, and one more per further page). Never
/// fails: what cannot be read is recorded as coverage with a one-line reason.
pub async fn fetch(
    pvs: &[PersistentVolume],
    nodes: &[Node],
    opts: &AwsOptions,
    orphans: bool,
) -> Ec2Fetch {
    let started = Instant::now();
    let mut out = Ec2Fetch::default();
    let vol_ids = pv_volume_ids(pvs);
    let inst_ids = node_instance_ids(nodes);
    if vol_ids.is_empty() && inst_ids.is_empty() && !orphans {
        // Nothing on AWS in view (another cloud, or no volumes yet): no EBS hop to explain,
        // so no call and no "not checked" noise.
        return out;
    }
    let ec2 = match connect(opts, nodes).await {
        Ok(c) => c,
        Err(Unavailable(cov)) => {
            out.coverage = vec![(Kind::EbsVolume, cov.clone()), (Kind::Ec2Instance, cov)];
            out.elapsed = started.elapsed();
            return out;
        }
    };
    out.region = Some(ec2.region.clone());
    out.region_source = Some(ec2.region_source);
    out.data.region = Some(ec2.region.clone());
    // Every read at once: the by-id lookups and the orphan search do not wait for each other.
    let orphan_search = async {
        if orphans {
            kubernetes_volumes(&ec2).await
        } else {
            Ok(Vec::new())
        }
    };
    let (by_id, extra, instances) = futures::join!(
        volumes_by_id(&ec2, &vol_ids),
        orphan_search,
        instances_by_id(&ec2, &inst_ids)
    );
    // The by-id failure names the volumes' coverage first, as when they ran in turn.
    match by_id.and_then(|by_id| Ok((by_id, extra?))) {
        Ok((by_id, extra)) => {
            out.data.volumes.extend(by_id.volumes);
            out.data.volumes.extend(extra);
            out.data.not_found.extend(by_id.not_found);
            out.coverage
                .push((Kind::EbsVolume, Coverage::Read(Scope::All)));
        }
        Err(cov) => out.coverage.push((Kind::EbsVolume, cov)),
    }
    match instances {
        Ok(list) => {
            out.data.instances.extend(list);
            out.coverage
                .push((Kind::Ec2Instance, Coverage::Read(Scope::All)));
        }
        Err(cov) => out.coverage.push((Kind::Ec2Instance, cov)),
    }
    out.data.dedup();
    out.calls = ec2.stats.summary();
    out.total_calls = ec2.stats.total();
    out.waves = ec2.stats.waves.count();
    out.elapsed = started.elapsed();
    out
}

/// Marks the EC2 kinds not checked with `reason` (`--no-aws`, offline without EC2 files).
pub fn skip(snap: &mut Snapshot, reason: &str) {
    snap.mark_unread(Kind::EbsVolume, Coverage::NotChecked(reason.to_string()));
    snap.mark_unread(Kind::Ec2Instance, Coverage::NotChecked(reason.to_string()));
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

    #[test]
    fn waves_count_only_calls_that_wait_for_another_answer() {
        let w = Waves::default();
        // Three calls started together, answered in any order: one wave.
        let (a, b, c) = (w.start(), w.start(), w.start());
        w.end(b);
        w.end(a);
        w.end(c);
        assert_eq!(w.count(), 1);
        // A next page (started once `d` answered) while `e` is still out: `e` stays in wave 2.
        let (d, e) = (w.start(), w.start());
        w.end(d);
        let next_page = w.start();
        w.end(e);
        w.end(next_page);
        assert_eq!(w.count(), 3);
        // A call started but never answered (a stream with no further page) adds nothing.
        let _ = w.start();
        assert_eq!(w.count(), 3);
    }

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
    fn sso_profiles_are_recognised() {
        let text = "[default]\nregion = us-east-1\n[profile corp]\nsso_session = s\n[profile old]\nsso_start_url = https://x\n[profile keys]\naws_access_key_id = A\n[sso-session s]\nsso_start_url = https://x\n";
        assert!(sso_in_config(text, "corp"));
        assert!(sso_in_config(text, "old"));
        assert!(!sso_in_config(text, "keys"));
        assert!(!sso_in_config(text, "default"));
        assert!(!sso_in_config(text, "s"));
    }

    #[test]
    fn credential_failures_name_the_next_step() {
        let sso = credentials_failure(
            Some("dev"),
            "us-east-1",
            "the SSO session has expired or is invalid",
            &env(&[]),
        );
        assert!(sso.contains("aws sso login --profile dev"), "{sso}");
        let sso = credentials_failure(
            None,
            "us-east-1",
            "failed to load SSO token cache",
            &env(&[("AWS_PROFILE", "corp")]),
        );
        assert!(sso.contains("aws sso login --profile corp"), "{sso}");
        let irsa = credentials_failure(
            None,
            "us-east-1",
            "failed to read token file",
            &env(&[("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/kstor/token")]),
        );
        assert!(
            irsa.contains(
                "IRSA: the web identity token file /nonexistent/kstor/token is not readable"
            ),
            "{irsa}"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("token");
        std::fs::write(&file, "jwt").expect("write");
        let file: &'static str = Box::leak(file.display().to_string().into_boxed_str());
        let pairs: &'static [(&'static str, &'static str)] =
            Box::leak(vec![("AWS_WEB_IDENTITY_TOKEN_FILE", file)].into_boxed_slice());
        let sts = credentials_failure(
            None,
            "us-east-1",
            "dispatch failure: connection refused",
            &env(pairs),
        );
        assert!(sts.contains("IRSA: STS unreachable"), "{sts}");
        assert!(sts.contains("sts.us-east-1.amazonaws.com"), "{sts}");
        let plain = credentials_failure(
            None,
            "us-east-1",
            "no providers in chain provided credentials",
            &env(&[]),
        );
        assert!(plain.contains("configure a profile"), "{plain}");
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
