//! Connecting: the kubeconfig (or `-s/--server`, or the in-cluster config) with kubectl's
//! override flags, the exec credential run once, the client built on our transport.

use std::path::PathBuf;
use std::time::Duration;

use kube::config::{KubeConfigOptions, Kubeconfig};
use kube::{Client, Config};

use crate::error::{Error, Result};

/// Connection flags, as kubectl names them.
#[derive(Debug, Clone, Default)]
pub struct ConnectOptions {
    pub kubeconfig: Option<PathBuf>,
    pub context: Option<String>,
    pub cluster: Option<String>,
    pub user: Option<String>,
    pub impersonate: Option<String>,
    /// `--as-group` (repeatable; needs `--as`).
    pub impersonate_groups: Vec<String>,
    /// `--token`: a bearer token replacing the kubeconfig user's credentials.
    pub token: Option<String>,
    /// `-s/--server`: the API server address.
    pub server: Option<String>,
    /// `--certificate-authority`: a PEM file of CAs for the server's certificate.
    pub certificate_authority: Option<PathBuf>,
    /// `--insecure-skip-tls-verify`: do not check the server's certificate.
    pub insecure_skip_tls_verify: bool,
    /// `--tls-server-name`: the name the server's certificate is checked against.
    pub tls_server_name: Option<String>,
    pub request_timeout: Option<Duration>,
    /// Connection pools shared with the other contexts of the run (`scan --context …`).
    pub transports: Option<std::sync::Arc<crate::fetch::client::Transports>>,
}

/// A connected client and the namespace the kubeconfig context selects.
pub struct Connection {
    pub client: Client,
    pub default_namespace: String,
    pub server: String,
    pub timeout: Duration,
    /// Which cluster this is, from the kubeconfig (the reports' `cluster`).
    pub identity: crate::identity::Identity,
    /// Whether a read has used the connection yet (see [`with_clock`]).
    pub opened: std::sync::atomic::AtomicBool,
}

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// Every context name of the kubeconfig (`--kubeconfig`, else the merged `$KUBECONFIG`, else
/// `~/.kube/config`), in file order: `scan --all-contexts`.
pub fn context_names(kubeconfig: Option<&std::path::Path>) -> Result<Vec<String>> {
    let kc = match kubeconfig {
        Some(path) => Kubeconfig::read_from(path),
        None => Kubeconfig::read(),
    }
    .map_err(|e| Error::Cluster {
        message: format!(
            "cannot load the kubeconfig: {}",
            crate::snapshot::load::one_line(&e.to_string())
        ),
        hint: Some("pass --kubeconfig PATH or set KUBECONFIG".into()),
    })?;
    Ok(kc.contexts.into_iter().map(|c| c.name).collect())
}

/// `--context`, `--cluster` and `--user` must name entries of the kubeconfig: kube-rs would
/// otherwise fall back silently (an unknown user becomes `system:anonymous`).
fn check_names(kc: &Kubeconfig, kopts: &KubeConfigOptions, origin: &str) -> Result<()> {
    let list = |names: Vec<&str>| {
        if names.is_empty() {
            "none".to_string()
        } else {
            crate::k8s::truncate(&names.join(", "), 120)
        }
    };
    let checks = [
        (
            "context",
            kopts.context.as_deref(),
            kc.contexts
                .iter()
                .map(|c| c.name.as_str())
                .collect::<Vec<_>>(),
        ),
        (
            "cluster",
            kopts.cluster.as_deref(),
            kc.clusters.iter().map(|c| c.name.as_str()).collect(),
        ),
        (
            "user",
            kopts.user.as_deref(),
            kc.auth_infos.iter().map(|u| u.name.as_str()).collect(),
        ),
    ];
    for (what, wanted, names) in checks {
        if let Some(w) = wanted {
            if !names.contains(&w) {
                return Err(Error::Usage(format!(
                    "--{what} {w:?}: no such {what} in {origin} ({what}s there: {})",
                    list(names)
                )));
            }
        }
    }
    Ok(())
}

/// The kubeconfig's cluster and user entries in use (by `--context`/`--cluster`/`--user`,
/// else the current context), with kubectl's override flags written into them.
/// Returns the cluster's `proxy-url`.
fn apply_overrides(
    kc: &mut Kubeconfig,
    kopts: &KubeConfigOptions,
    opts: &ConnectOptions,
) -> Option<String> {
    let ctx_name = kopts.context.clone().or_else(|| kc.current_context.clone());
    let ctx = ctx_name
        .as_deref()
        .and_then(|n| kc.contexts.iter().find(|c| c.name == n))
        .and_then(|c| c.context.clone());
    let cluster_name = kopts
        .cluster
        .clone()
        .or_else(|| ctx.as_ref().map(|c| c.cluster.clone()));
    let user_name = kopts
        .user
        .clone()
        .or_else(|| ctx.as_ref().and_then(|c| c.user.clone()));
    let mut proxy = None;
    if let Some(cluster) = kc
        .clusters
        .iter_mut()
        .find(|c| Some(&c.name) == cluster_name.as_ref())
        .and_then(|c| c.cluster.as_mut())
    {
        proxy = cluster.proxy_url.clone().filter(|p| !p.trim().is_empty());
        if let Some(s) = &opts.server {
            cluster.server = Some(s.clone());
        }
        if let Some(ca) = &opts.certificate_authority {
            cluster.certificate_authority = Some(ca.display().to_string());
            cluster.certificate_authority_data = None;
        }
        if opts.insecure_skip_tls_verify {
            cluster.insecure_skip_tls_verify = Some(true);
            cluster.certificate_authority = None;
            cluster.certificate_authority_data = None;
        }
        if let Some(n) = &opts.tls_server_name {
            cluster.tls_server_name = Some(n.clone());
        }
    }
    if let Some(t) = &opts.token {
        if let Some(user) = kc
            .auth_infos
            .iter_mut()
            .find(|u| Some(&u.name) == user_name.as_ref())
            .and_then(|u| u.auth_info.as_mut())
        {
            user.token = Some(t.clone().into());
            user.token_file = None;
            user.exec = None;
            user.auth_provider = None;
            user.username = None;
            user.password = None;
        }
    }
    proxy
}

/// A kubeconfig holding only `-s/--server` (and `--token`, the TLS flags): kubectl runs with
/// `-s` and no kubeconfig at all.
fn server_only_kubeconfig(server: &str) -> Kubeconfig {
    use kube::config::{AuthInfo, Cluster, Context, NamedAuthInfo, NamedCluster, NamedContext};
    Kubeconfig {
        clusters: vec![NamedCluster {
            name: "flags".into(),
            cluster: Some(Cluster {
                server: Some(server.to_string()),
                ..Default::default()
            }),
            other: Default::default(),
        }],
        auth_infos: vec![NamedAuthInfo {
            name: "flags".into(),
            auth_info: Some(AuthInfo::default()),
            other: Default::default(),
        }],
        contexts: vec![NamedContext {
            name: "flags".into(),
            context: Some(Context {
                cluster: "flags".into(),
                user: Some("flags".into()),
                ..Default::default()
            }),
            other: Default::default(),
        }],
        current_context: Some("flags".into()),
        ..Default::default()
    }
}

/// Builds a client from the kubeconfig (or in-cluster config), honouring the flags.
pub async fn connect(opts: &ConnectOptions) -> Result<Connection> {
    let kopts = KubeConfigOptions {
        context: opts.context.clone(),
        cluster: opts.cluster.clone(),
        user: opts.user.clone(),
    };
    let hint =
        Some("pass --kubeconfig or --context, or diagnose offline with --snapshot DIR".to_string());
    if !opts.impersonate_groups.is_empty() && opts.impersonate.is_none() {
        return Err(Error::Usage(
            "--as-group needs --as USER: kubectl refuses groups without a user to impersonate"
                .into(),
        ));
    }
    if let Some(t) = &opts.token {
        crate::fetch::redact::register(t);
    }
    let loaded = match &opts.kubeconfig {
        Some(path) => {
            let kc = Kubeconfig::read_from(path).map_err(|e| Error::Cluster {
                message: format!(
                    "cannot load kubeconfig {}: {}",
                    path.display(),
                    crate::snapshot::load::one_line(&e.to_string())
                ),
                hint: hint.clone(),
            })?;
            check_names(&kc, &kopts, &path.display().to_string())?;
            Ok((kc, path.display().to_string()))
        }
        None => match Kubeconfig::read() {
            Ok(kc) => {
                if kopts.context.is_some() || kopts.user.is_some() || kopts.cluster.is_some() {
                    check_names(&kc, &kopts, "the kubeconfig")?;
                }
                Ok((kc, "the kubeconfig".to_string()))
            }
            Err(e) => Err(e),
        },
    };
    let loaded = match (loaded, &opts.server) {
        (Err(_), Some(server)) => Ok((server_only_kubeconfig(server), "--server".to_string())),
        (other, _) => other,
    };
    let mut kubeconfig_proxy = None;
    let mut config = match loaded {
        Ok((mut kc, origin)) => {
            kubeconfig_proxy = apply_overrides(&mut kc, &kopts, opts);
            let kopts = if origin == "--server" {
                KubeConfigOptions::default()
            } else {
                kopts.clone()
            };
            Config::from_custom_kubeconfig(kc, &kopts)
                .await
                .map_err(|e| Error::Cluster {
                    message: format!(
                        "invalid kubeconfig {origin}: {}",
                        crate::snapshot::load::one_line(&e.to_string())
                    ),
                    hint: hint.clone(),
                })?
        }
        Err(file_err) => {
            let mut c = Config::incluster().map_err(|_| Error::Cluster {
                message: format!(
                    "no usable kubeconfig: {}",
                    crate::snapshot::load::one_line(&file_err.to_string())
                ),
                hint: hint.clone(),
            })?;
            if let Some(t) = &opts.token {
                c.auth_info.token = Some(t.clone().into());
                c.auth_info.token_file = None;
            }
            if opts.insecure_skip_tls_verify {
                c.accept_invalid_certs = true;
            }
            if opts.tls_server_name.is_some() {
                c.tls_server_name = opts.tls_server_name.clone();
            }
            c
        }
    };
    let timeout = opts.request_timeout.unwrap_or(DEFAULT_TIMEOUT);
    config.connect_timeout = Some(timeout.min(Duration::from_secs(10)));
    config.read_timeout = Some(timeout);
    if let Some(who) = &opts.impersonate {
        config.auth_info.impersonate = Some(who.clone());
    }
    if !opts.impersonate_groups.is_empty() {
        config.auth_info.impersonate_groups = Some(opts.impersonate_groups.clone());
    }
    // kube-rs matches NO_PROXY against the proxy's address and ignores HTTP_PROXY: choose the
    // proxy as client-go does instead (see `transport::proxy_for`).
    config.proxy_url = crate::fetch::transport::proxy_for(
        &config.cluster_url,
        kubeconfig_proxy.as_deref(),
        &crate::fetch::transport::process_env,
    )
    .map_err(Error::Usage)?;
    // Our layer retries (429, 5xx, bounded by the request timeout); kube's would retry again.
    config.default_retry = false;
    let server = config.cluster_url.to_string();
    let identity = {
        let kc = match &opts.kubeconfig {
            Some(path) => Kubeconfig::read_from(path).ok(),
            None => Kubeconfig::read().ok(),
        };
        crate::identity::from_kubeconfig(
            kc.as_ref(),
            opts.context.as_deref(),
            opts.cluster.as_deref(),
            opts.user.as_deref(),
            &server,
        )
    };
    // The exec plugin runs once here, and its credential is reused by every request of the run
    // (kube-rs would run it up to three times while building the client, and tells it
    // `interactive: true` whatever standard input is).
    let exec = config.auth_info.exec.take();
    if let Some(e) = &exec {
        let e = e.clone();
        let cred =
            tokio::task::spawn_blocking(move || crate::fetch::transport::exec_credential(&e))
                .await
                .map_err(|e| e.to_string())
                .and_then(|r| r)
                .map_err(|m| {
                    Error::Cluster {
                message: m,
                hint: Some(
                    "run the kubeconfig user's exec command yourself to see why, or pass --token"
                        .into(),
                ),
            }
                })?;
        if let Some((cert, key)) = &cred.client_cert {
            config.auth_info.client_certificate_data = Some(crate::fetch::transport::base64(cert));
            config.auth_info.client_key_data = Some(crate::fetch::transport::base64(key).into());
        }
    }
    let exec = exec.filter(|_| config.auth_info.client_certificate_data.is_none());
    let layer = crate::fetch::transport::RequestLayer::new(&server, timeout, exec);
    let client =
        crate::fetch::client::build(&config, &layer, opts.transports.as_deref()).map_err(|e| {
            Error::Cluster {
                message: format!(
                    "cannot build a client for {server}: {}",
                    crate::snapshot::load::one_line(&e)
                ),
                hint: None,
            }
        })?;
    let default_namespace = client.default_namespace().to_string();
    Ok(Connection {
        client,
        default_namespace,
        server,
        timeout,
        identity,
        opened: Default::default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flag_config(opts: ConnectOptions) -> Config {
        let dir = tempfile::tempdir().expect("tempdir");
        let kc = dir.path().join("kubeconfig");
        std::fs::write(
            &kc,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://10.0.0.1:6443\n    certificate-authority-data: bm90IGEgY2VydA==\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: {token: from-file}\n",
        )
        .expect("write");
        let mut k = Kubeconfig::read_from(&kc).expect("read");
        let kopts = KubeConfigOptions::default();
        apply_overrides(&mut k, &kopts, &opts);
        let rt = tokio::runtime::Builder::new_current_thread()
            .build()
            .expect("rt");
        rt.block_on(Config::from_custom_kubeconfig(k, &kopts))
            .expect("config")
    }

    #[test]
    fn tls_flags_override_the_kubeconfig_cluster() {
        use secrecy::ExposeSecret;
        let c = flag_config(ConnectOptions {
            insecure_skip_tls_verify: true,
            tls_server_name: Some("api.internal".into()),
            server: Some("https://10.9.9.9:443".into()),
            token: Some("from-flag".into()),
            ..Default::default()
        });
        assert!(c.accept_invalid_certs);
        assert!(
            c.root_cert.is_none(),
            "the CA goes with --insecure-skip-tls-verify"
        );
        assert_eq!(c.tls_server_name.as_deref(), Some("api.internal"));
        assert_eq!(c.cluster_url.to_string(), "https://10.9.9.9:443/");
        assert_eq!(
            c.auth_info
                .token
                .as_ref()
                .map(|t| t.expose_secret().to_string()),
            Some("from-flag".to_string())
        );
        // --certificate-authority replaces the embedded CA with the file's.
        let dir = tempfile::tempdir().expect("tempdir");
        let ca = dir.path().join("ca.pem");
        std::fs::write(&ca, "not a pem").expect("write");
        let kc = dir.path().join("kubeconfig");
        std::fs::write(
            &kc,
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {server: 'https://10.0.0.1:6443'}\ncontexts:\n- name: x\n  context: {cluster: c, user: u}\ncurrent-context: x\nusers:\n- name: u\n  user: {token: t}\n",
        )
        .expect("write");
        let mut k = Kubeconfig::read_from(&kc).expect("read");
        apply_overrides(
            &mut k,
            &KubeConfigOptions::default(),
            &ConnectOptions {
                certificate_authority: Some(ca.clone()),
                ..Default::default()
            },
        );
        let cluster = k.clusters[0].cluster.as_ref().expect("cluster");
        assert_eq!(
            cluster.certificate_authority.as_deref(),
            Some(ca.display().to_string().as_str())
        );
        assert!(cluster.certificate_authority_data.is_none());
    }
}
