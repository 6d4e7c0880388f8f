//! Which cluster a report describes, and when: the `cluster` object of every JSON report.
//!
//! A platform team collects reports from many clusters; each must say which one it is. Live,
//! the kubeconfig names the context and the server, and for EKS its exec credential plugin
//! (`aws eks get-token --cluster-name NAME --region REGION`) or the context's ARN name
//! (`arn:aws:eks:REGION:ACCOUNT:cluster/NAME`, what `aws eks update-kubeconfig` writes) name
//! the cluster; the API server's `/version` gives its version. Offline, none of that is known
//! and stays `null`; the time the data describes (`asOf`) is always there.

use std::sync::OnceLock;
use std::time::Instant;

use serde::Serialize;

/// The `cluster` object of a report.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Identity {
    /// The kubeconfig context (`null` offline, and in-cluster).
    pub context: Option<String>,
    /// The API server URL (`null` offline).
    pub server: Option<String>,
    /// The EKS cluster's name, from the exec plugin's arguments, the ARN, or
    /// `KUBECTL_STORAGE_CLUSTER_NAME` (in-cluster).
    pub eks_cluster_name: Option<String>,
    /// `arn:aws:eks:REGION:ACCOUNT:cluster/NAME`, when the account is known.
    pub eks_cluster_arn: Option<String>,
    pub aws_account: Option<String>,
    pub aws_region: Option<String>,
    /// The API server's `gitVersion` (`v1.36.3`), live only.
    pub server_version: Option<String>,
    /// The time the data describes (the report's reference time).
    pub as_of: Option<jiff::Timestamp>,
    /// Wall time from the start of the process to the report, in milliseconds.
    pub duration_ms: Option<u64>,
}

static STARTED: OnceLock<Instant> = OnceLock::new();

/// Marks the start of the process (called first thing in `main`).
pub fn mark_start() {
    STARTED.get_or_init(Instant::now);
}

fn elapsed_ms() -> Option<u64> {
    STARTED
        .get()
        .map(|t| u64::try_from(t.elapsed().as_millis()).unwrap_or(u64::MAX))
}

impl Identity {
    /// The identity for a report on `snap` as of `as_of`: what the live read recorded, the
    /// region of the EC2 data when nothing else named one, and the time taken so far.
    pub fn of(snap: &crate::snapshot::Snapshot, as_of: jiff::Timestamp) -> Identity {
        let mut id = snap.identity.clone();
        if id.aws_region.is_none() {
            id.aws_region = snap.ec2.region.clone();
        }
        id.complete_arn();
        id.as_of = Some(as_of);
        id.duration_ms = elapsed_ms();
        id
    }

    /// Builds the ARN from name, region and account when all three are known.
    fn complete_arn(&mut self) {
        if self.eks_cluster_arn.is_some() {
            return;
        }
        if let (Some(name), Some(region), Some(account)) =
            (&self.eks_cluster_name, &self.aws_region, &self.aws_account)
        {
            self.eks_cluster_arn = Some(format!(
                "arn:{}:eks:{region}:{account}:cluster/{name}",
                partition(region)
            ));
        }
    }
}

/// The AWS partition of a region.
fn partition(region: &str) -> &'static str {
    if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    }
}

/// `arn:aws:eks:us-east-1:123456789012:cluster/prod` → (region, account, name).
pub fn parse_eks_arn(s: &str) -> Option<(&str, &str, &str)> {
    let rest = s.strip_prefix("arn:")?;
    let mut parts = rest.splitn(5, ':');
    let _partition = parts.next()?;
    if parts.next()? != "eks" {
        return None;
    }
    let region = parts.next()?;
    let account = parts.next()?;
    let name = parts.next()?.strip_prefix("cluster/")?;
    (!region.is_empty()
        && account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !name.is_empty())
    .then_some((region, account, name))
}

/// The value of `--flag VALUE` or `--flag=VALUE` among exec arguments.
fn flag<'a>(args: &'a [String], names: &[&str]) -> Option<&'a str> {
    let mut it = args.iter();
    while let Some(a) = it.next() {
        for n in names {
            if a == n {
                return it.next().map(String::as_str);
            }
            if let Some(v) = a.strip_prefix(n).and_then(|r| r.strip_prefix('=')) {
                return Some(v);
            }
        }
    }
    None
}

/// The region of an EKS endpoint (`https://ABC.gr7.us-east-1.eks.amazonaws.com`).
fn region_of_eks_server(server: &str) -> Option<String> {
    let host = server
        .split("://")
        .nth(1)
        .unwrap_or(server)
        .split(['/', ':'])
        .next()?;
    let before = host
        .strip_suffix(".eks.amazonaws.com")
        .or_else(|| host.strip_suffix(".eks.amazonaws.com.cn"))?;
    before.rsplit('.').next().map(str::to_string)
}

/// What a kubeconfig says about the cluster a context points at: `context` (or the current
/// one), with `--cluster` / `--user` overriding the context's entries. `server` is the URL the
/// client connected to (also right in-cluster, where there is no kubeconfig).
pub fn from_kubeconfig(
    kc: Option<&kube::config::Kubeconfig>,
    context: Option<&str>,
    cluster: Option<&str>,
    user: Option<&str>,
    server: &str,
) -> Identity {
    let mut id = Identity {
        server: Some(server.trim_end_matches('/').to_string()),
        ..Identity::default()
    };
    let mut exec_args: Vec<String> = Vec::new();
    let mut exec_env: Vec<(String, String)> = Vec::new();
    let mut arn_candidates: Vec<String> = Vec::new();
    if let Some(kc) = kc {
        let ctx_name = context
            .map(str::to_string)
            .or_else(|| kc.current_context.clone());
        let ctx = ctx_name
            .as_deref()
            .and_then(|n| kc.contexts.iter().find(|c| c.name == n))
            .and_then(|c| c.context.as_ref());
        let cluster_name = cluster
            .map(str::to_string)
            .or_else(|| ctx.map(|c| c.cluster.clone()));
        let user_name = user
            .map(str::to_string)
            .or_else(|| ctx.and_then(|c| c.user.clone()));
        if let Some(exec) = user_name
            .as_deref()
            .and_then(|n| kc.auth_infos.iter().find(|u| u.name == n))
            .and_then(|u| u.auth_info.as_ref())
            .and_then(|a| a.exec.as_ref())
        {
            exec_args = exec.args.clone().unwrap_or_default();
            exec_env = exec
                .env
                .iter()
                .flatten()
                .filter_map(|e| Some((e.get("name")?.clone(), e.get("value")?.clone())))
                .collect();
        }
        arn_candidates.extend(ctx_name.clone());
        arn_candidates.extend(cluster_name);
        id.context = ctx_name;
    }
    // `aws eks get-token --cluster-name NAME`, `aws-iam-authenticator token -i NAME`.
    id.eks_cluster_name = flag(&exec_args, &["--cluster-name"])
        .or_else(|| flag(&exec_args, &["-i", "--cluster-id"]))
        .map(str::to_string);
    id.aws_region = flag(&exec_args, &["--region"])
        .map(str::to_string)
        .or_else(|| {
            exec_env
                .iter()
                .find(|(k, _)| k == "AWS_REGION" || k == "AWS_DEFAULT_REGION")
                .map(|(_, v)| v.clone())
        });
    if let Some((region, account, name)) = arn_candidates.iter().find_map(|s| parse_eks_arn(s)) {
        id.eks_cluster_arn = Some(
            arn_candidates
                .iter()
                .find(|s| parse_eks_arn(s).is_some())
                .cloned()
                .unwrap_or_default(),
        );
        id.aws_account = Some(account.to_string());
        id.aws_region.get_or_insert_with(|| region.to_string());
        id.eks_cluster_name.get_or_insert_with(|| name.to_string());
    }
    if id.aws_account.is_none() {
        // `--role-arn arn:aws:iam::ACCOUNT:role/…` names the account.
        id.aws_account = flag(&exec_args, &["--role-arn", "-r"])
            .and_then(|arn| arn.split(':').nth(4))
            .filter(|a| a.len() == 12 && a.bytes().all(|b| b.is_ascii_digit()))
            .map(str::to_string);
    }
    if id.aws_region.is_none() {
        id.aws_region = region_of_eks_server(server);
    }
    if id.eks_cluster_name.is_none() {
        // In-cluster there is no kubeconfig: the deployment may name the cluster.
        id.eks_cluster_name = std::env::var("KUBECTL_STORAGE_CLUSTER_NAME")
            .ok()
            .filter(|s| !s.is_empty());
    }
    if kc.is_none() && id.aws_region.is_none() {
        // In-cluster, IRSA and Pod Identity set the region of the pod's credentials.
        id.aws_region = std::env::var("AWS_REGION")
            .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
            .ok()
            .filter(|s| !s.is_empty());
    }
    id.complete_arn();
    id
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kc(yaml: &str) -> kube::config::Kubeconfig {
        kube::config::Kubeconfig::from_yaml(yaml).expect("kubeconfig")
    }

    #[test]
    fn eks_exec_args_name_the_cluster_and_region() {
        let k = kc(r#"
apiVersion: v1
kind: Config
clusters: [{name: prod-cluster, cluster: {server: "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com"}}]
users:
- name: prod-user
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args: [--region, eu-west-1, eks, get-token, --cluster-name, prod, --output, json, --role-arn, "arn:aws:iam::123456789012:role/ops"]
contexts: [{name: prod, context: {cluster: prod-cluster, user: prod-user}}]
current-context: prod
"#);
        let id = from_kubeconfig(
            Some(&k),
            None,
            None,
            None,
            "https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com/",
        );
        assert_eq!(id.context.as_deref(), Some("prod"));
        assert_eq!(
            id.server.as_deref(),
            Some("https://ABCDEF.gr7.eu-west-1.eks.amazonaws.com")
        );
        assert_eq!(id.eks_cluster_name.as_deref(), Some("prod"));
        assert_eq!(id.aws_region.as_deref(), Some("eu-west-1"));
        assert_eq!(id.aws_account.as_deref(), Some("123456789012"));
        assert_eq!(
            id.eks_cluster_arn.as_deref(),
            Some("arn:aws:eks:eu-west-1:123456789012:cluster/prod")
        );
    }

    #[test]
    fn an_arn_named_context_gives_account_region_and_name() {
        let arn = "arn:aws:eks:us-east-1:210987654321:cluster/shop";
        let k = kc(&format!(
            r#"
apiVersion: v1
kind: Config
clusters: [{{name: "{arn}", cluster: {{server: "https://127.0.0.1:6443"}}}}]
users: [{{name: "{arn}", user: {{token: x}}}}]
contexts: [{{name: "{arn}", context: {{cluster: "{arn}", user: "{arn}"}}}}]
current-context: "{arn}"
"#
        ));
        let id = from_kubeconfig(Some(&k), None, None, None, "https://127.0.0.1:6443");
        assert_eq!(id.eks_cluster_arn.as_deref(), Some(arn));
        assert_eq!(id.aws_account.as_deref(), Some("210987654321"));
        assert_eq!(id.aws_region.as_deref(), Some("us-east-1"));
        assert_eq!(id.eks_cluster_name.as_deref(), Some("shop"));
    }

    #[test]
    fn a_plain_context_names_only_itself_and_the_server() {
        let k = kc(r#"
apiVersion: v1
kind: Config
clusters: [{name: kind, cluster: {server: "https://127.0.0.1:6443"}}]
users: [{name: u, user: {token: x}}]
contexts: [{name: kind-dev, context: {cluster: kind, user: u}}, {name: other, context: {cluster: kind, user: u}}]
current-context: kind-dev
"#);
        let id = from_kubeconfig(
            Some(&k),
            Some("other"),
            None,
            None,
            "https://127.0.0.1:6443",
        );
        assert_eq!(id.context.as_deref(), Some("other"));
        assert_eq!(id.eks_cluster_name, None);
        assert_eq!(id.eks_cluster_arn, None);
        assert_eq!(id.aws_region, None);
        assert!(parse_eks_arn("arn:aws:eks:us-east-1:12345:cluster/x").is_none());
        assert_eq!(partition("cn-north-1"), "aws-cn");
    }
}
