//! Auth and TLS against the bed's real kube-apiserver (issue 17): a kubeconfig exec credential
//! plugin runs once per run and is told it is not interactive; kubectl's TLS flags
//! (`--certificate-authority`, `--insecure-skip-tls-verify`, `--tls-server-name`) and `--token`
//! mean what they mean to kubectl.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::bed::{apply, check, namespace, Bed, Res};
use crate::Scenario;

pub const SCENARIOS: &[Scenario] = &[
    Scenario {
        name: "exec_plugin_runs_once",
        run: exec_plugin_runs_once,
    },
    Scenario {
        name: "kubectl_tls_flags",
        run: kubectl_tls_flags,
    },
];

/// The bed's kubeconfig: its text, the admin token and the server address.
fn bed_kubeconfig() -> Res<(String, String, String)> {
    let path = std::env::var("KUBECONFIG").map_err(|_| "KUBECONFIG unset".to_string())?;
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{path}: {e}"))?;
    let field = |key: &str| {
        text.lines()
            .find_map(|l| l.trim().strip_prefix(key).map(|v| v.trim().to_string()))
            .ok_or_else(|| format!("no {key} in {path}"))
    };
    Ok((text.clone(), field("token:")?, field("server:")?))
}

fn scratch(name: &str, id: &str) -> Res<PathBuf> {
    let dir = std::env::temp_dir().join(format!("kstor-e2e-{name}-{id}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    Ok(dir)
}

/// `kubectl storage ARGS` with `KUBECONFIG=kubeconfig`, stdin not a terminal.
fn run(kubeconfig: &Path, args: &[&str]) -> Res<(i32, String, String)> {
    let out = Command::new("kubectl")
        .arg("storage")
        .args(args)
        .env("KUBECONFIG", kubeconfig)
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .map_err(|e| e.to_string())?;
    Ok((
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

fn pending_pod(ns: &str) -> Res {
    apply(&format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data, namespace: {ns}}}\nspec: {{accessModes: [ReadWriteOnce], storageClassName: no-such-class, resources: {{requests: {{storage: 1Gi}}}}}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {{name: db-0, namespace: {ns}}}\nspec:\n  containers: [{{name: c, image: busybox, volumeMounts: [{{name: d, mountPath: /d}}]}}]\n  volumes: [{{name: d, persistentVolumeClaim: {{claimName: data}}}}]\n"
    ))
}

/// A plugin shaped like `aws eks get-token` (0.4 s, then the bed's token) that counts its runs.
fn exec_plugin_runs_once(_bed: &Bed, id: &str) -> Res {
    let ns = namespace("execonce", id)?;
    pending_pod(&ns)?;
    let (text, token, _) = bed_kubeconfig()?;
    let dir = scratch("exec", id)?;
    let runs = dir.join("runs");
    let info = dir.join("info.json");
    let plugin = dir.join("get-token.sh");
    std::fs::write(
        &plugin,
        format!(
            "#!/bin/sh\necho run >> '{}'\nprintf '%s' \"$KUBERNETES_EXEC_INFO\" > '{}'\nsleep 0.4\nprintf '%s' '{{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"kind\":\"ExecCredential\",\"status\":{{\"token\":\"{token}\",\"expirationTimestamp\":\"2099-01-01T00:00:00Z\"}}}}'\n",
            runs.display(),
            info.display()
        ),
    )
    .map_err(|e| e.to_string())?;
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&plugin, std::fs::Permissions::from_mode(0o755))
        .map_err(|e| e.to_string())?;
    let kc = dir.join("kubeconfig");
    let exec = format!(
        "exec:\n      apiVersion: client.authentication.k8s.io/v1beta1\n      command: {}\n      interactiveMode: IfAvailable",
        plugin.display()
    );
    std::fs::write(&kc, text.replace(&format!("token: {token}"), &exec))
        .map_err(|e| e.to_string())?;
    let (code, stdout, stderr) = run(
        &kc,
        &["why", "pod/db-0", "-n", &ns, "--no-aws", "-o", "json"],
    )?;
    check(code == 1, || format!("exit {code}: {stdout} {stderr}"))?;
    check(stdout.contains("storageclass-missing"), || {
        format!("no diagnosis through the plugin's token: {stdout} {stderr}")
    })?;
    let n = std::fs::read_to_string(&runs)
        .unwrap_or_default()
        .lines()
        .count();
    check(n == 1, || format!("the plugin ran {n} times (want 1)"))?;
    let sent = std::fs::read_to_string(&info).map_err(|e| e.to_string())?;
    check(sent.contains("\"interactive\":false"), || {
        format!("stdin is not a terminal, yet the plugin was told: {sent}")
    })?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}

/// A kubeconfig without the embedded CA: kubectl's TLS flags decide whether the serving
/// certificate is trusted.
fn kubectl_tls_flags(_bed: &Bed, id: &str) -> Res {
    let ns = namespace("tlsflags", id)?;
    pending_pod(&ns)?;
    let (text, token, server) = bed_kubeconfig()?;
    let dir = scratch("tls", id)?;
    let ca_line = text
        .lines()
        .find(|l| l.trim().starts_with("certificate-authority-data:"))
        .ok_or("no certificate-authority-data in the bed's kubeconfig")?;
    let ca_b64 = ca_line
        .trim()
        .trim_start_matches("certificate-authority-data:")
        .trim();
    let ca = dir.join("ca.pem");
    let decoded = Command::new("base64")
        .arg("-d")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            use std::io::Write;
            c.stdin
                .take()
                .expect("stdin")
                .write_all(ca_b64.as_bytes())?;
            c.wait_with_output()
        })
        .map_err(|e| e.to_string())?;
    std::fs::write(&ca, decoded.stdout).map_err(|e| e.to_string())?;
    // No CA, and a wrong token: the flags must supply both.
    let kc = dir.join("kubeconfig");
    std::fs::write(
        &kc,
        text.replace(ca_line, "")
            .replace(&format!("token: {token}"), "token: not-the-token"),
    )
    .map_err(|e| e.to_string())?;
    let why = [
        "why",
        "pod/db-0",
        "-n",
        ns.as_str(),
        "--no-aws",
        "-o",
        "json",
    ];
    let with = |extra: &[&str]| {
        let mut a: Vec<&str> = why.to_vec();
        a.extend_from_slice(extra);
        a.extend_from_slice(&["--token", token.as_str()]);
        run(&kc, &a)
    };
    let (code, _, stderr) = with(&[])?;
    check(code == 2, || {
        format!("an untrusted certificate was accepted ({code}): {stderr}")
    })?;
    let ca_s = ca.display().to_string();
    for (flags, what) in [
        (
            vec!["--certificate-authority", ca_s.as_str()],
            "--certificate-authority",
        ),
        (
            vec!["--insecure-skip-tls-verify"],
            "--insecure-skip-tls-verify",
        ),
        (
            vec![
                "--certificate-authority",
                ca_s.as_str(),
                "--tls-server-name",
                "kubernetes.default.svc",
            ],
            "--tls-server-name of a SAN",
        ),
    ] {
        let (code, stdout, stderr) = with(&flags)?;
        check(code == 1 && stdout.contains("storageclass-missing"), || {
            format!("{what}: exit {code}: {stdout} {stderr}")
        })?;
    }
    let (code, _, stderr) = with(&[
        "--certificate-authority",
        &ca_s,
        "--tls-server-name",
        "wrong.invalid",
    ])?;
    check(code == 2, || {
        format!("--tls-server-name wrong.invalid was accepted ({code}): {stderr}")
    })?;
    // -s/--server gives the address (here the same server, with kubectl's other flags).
    let (code, stdout, stderr) = run(
        &kc,
        &[
            &why[..],
            &[
                "-s",
                server.as_str(),
                "--token",
                token.as_str(),
                "--insecure-skip-tls-verify",
            ],
        ]
        .concat(),
    )?;
    check(code == 1 && stdout.contains("storageclass-missing"), || {
        format!("-s: exit {code}: {stdout} {stderr}")
    })?;
    let _ = std::fs::remove_dir_all(&dir);
    Ok(())
}
