//! AWS credentials: the profiles of the config and credentials files, the credential chain
//! resolved once per run, and the line that names the next step when it fails (`aws sso
//! login`, the IRSA token file, STS).

use std::time::Duration;

use aws_sdk_ec2::config::ProvideCredentials;

use crate::k8s;

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

/// Credentials resolved once (bounded, so "no credentials" is one clear line) and handed to
/// every call of the run: the chain (and a `credential_process`, an SSO token read, an STS
/// call) runs again only when they expire.
#[derive(Debug)]
pub(super) struct Resolved {
    pub(super) first: std::sync::Mutex<Option<aws_sdk_ec2::config::Credentials>>,
    pub(super) chain: aws_config::default_provider::credentials::DefaultCredentialsChain,
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

pub(super) fn register_secrets(c: &aws_sdk_ec2::config::Credentials) {
    crate::fetch::redact::register(c.secret_access_key());
    if let Some(t) = c.session_token() {
        crate::fetch::redact::register(t);
    }
}

/// Whether profile `name` of the AWS config file signs in with IAM Identity Center (SSO):
/// its section has `sso_session` or `sso_start_url`.
pub(super) fn is_sso_profile(name: &str) -> bool {
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

/// The useful line of a credential-chain error: the first cause under "an error occurred while
/// loading credentials", without the SDK's debug dump.
pub(super) fn credentials_reason<E: std::error::Error>(e: &E) -> String {
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

#[cfg(test)]
mod tests {
    use super::super::test_env as env;
    use super::*;

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
}
