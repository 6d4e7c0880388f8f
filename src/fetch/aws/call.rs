//! Running one EC2 call: at most [`MAX_IN_FLIGHT`](super::MAX_IN_FLIGHT) at once, bounded by the request timeout,
//! counted (calls per operation and sequential waves, for `-v`), and its failure told in one
//! line as coverage.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use aws_sdk_ec2::config::http::HttpResponse;
use aws_sdk_ec2::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_async::future::pagination_stream::PaginationStream;

use super::Ec2;
use crate::k8s;
use crate::snapshot::Coverage;

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
/// (a page's next page, a fallback, a call queued behind [`MAX_IN_FLIGHT`](super::MAX_IN_FLIGHT)) is one deeper.
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

/// Why a call failed, in one line, as coverage: forbidden for IAM denials, failed otherwise.
pub(super) fn classify<E>(err: &SdkError<E, HttpResponse>, call: &str, ec2: &Ec2) -> Coverage
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

fn classify_full<E>(err: &SdkError<E, HttpResponse>, call: &str, ec2: &Ec2) -> Coverage
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

/// The EC2 operations this crate calls (each counted apart in [`CallStats`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Describe {
    Volumes,
    Instances,
    AvailabilityZones,
}

impl Describe {
    /// The operation's name, as EC2 spells it.
    pub(super) fn name(self) -> &'static str {
        match self {
            Describe::Volumes => "DescribeVolumes",
            Describe::Instances => "DescribeInstances",
            Describe::AvailabilityZones => "DescribeAvailabilityZones",
        }
    }
}

impl CallStats {
    fn counter(&self, op: Describe) -> &AtomicUsize {
        match op {
            Describe::Volumes => &self.describe_volumes,
            Describe::Instances => &self.describe_instances,
            Describe::AvailabilityZones => &self.describe_zones,
        }
    }
}

/// Runs one EC2 call: at most [`MAX_IN_FLIGHT`](super::MAX_IN_FLIGHT) at once, bounded by the request timeout (on
/// top of the SDK's own operation timeout), counted in [`CallStats`].
pub(super) async fn bounded<T>(
    ec2: &Ec2,
    op: Describe,
    fut: impl Future<Output = Result<T, Coverage>>,
) -> Result<T, Coverage> {
    match asked(ec2, op, async { Some(fut.await) }).await {
        Some(Ok(r)) => r,
        Some(Err(timed_out)) => Err(timed_out),
        None => Err(Coverage::Failed(format!("{}: no answer", op.name()))),
    }
}

/// Every page of one of the SDK's paginators (`into_paginator().send()`), in order: each page
/// bounded and counted like one call, and a wave deeper than the page before it. `on_error`
/// tells a failed page as coverage.
pub(super) async fn pages<T, E>(
    ec2: &Ec2,
    op: Describe,
    mut stream: PaginationStream<Result<T, SdkError<E, HttpResponse>>>,
    on_error: impl Fn(&SdkError<E, HttpResponse>) -> Coverage,
) -> Result<Vec<T>, Coverage> {
    let mut out = Vec::new();
    while let Some(page) = asked(ec2, op, stream.next()).await {
        out.push(page?.map_err(|e| on_error(&e))?);
    }
    Ok(out)
}

/// Runs `fut` within the bounds; `None` from it means nothing was asked (a paginator past its
/// last page), which is neither counted nor a wave.
async fn asked<R>(
    ec2: &Ec2,
    op: Describe,
    fut: impl Future<Output = Option<R>>,
) -> Option<Result<R, Coverage>> {
    // Never closed, so a permit always comes.
    let _permit = ec2.in_flight.acquire().await.ok();
    let depth = ec2.stats.waves.start();
    let res = match tokio::time::timeout(ec2.timeout + Duration::from_secs(1), fut).await {
        Ok(None) => return None,
        Ok(Some(r)) => Ok(r),
        Err(_) => Err(Coverage::Failed(format!(
            "{} timed out after {}s",
            op.name(),
            ec2.timeout.as_secs()
        ))),
    };
    ec2.stats.counter(op).fetch_add(1, Ordering::Relaxed);
    ec2.stats.waves.end(depth);
    Some(res)
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
