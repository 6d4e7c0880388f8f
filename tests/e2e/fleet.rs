//! Issue 18 on the bed: `pvc-unused` through a live scan (the new Deployment/Job/CronJob LISTs),
//! the report's `cluster` identity, and `scan -o prometheus` live (checked by promtool when
//! `PROMTOOL` is set).

use crate::bed::{
    apply, check, contains_all, kubectl, namespace, storage, storage_raw, wait, Bed, Res,
};

/// A static PV and the claim pre-bound to it (bound by the real PV binder).
fn bound_claim(ns: &str, id: &str, claim: &str, vol: &str) -> String {
    format!(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: {claim}-{id}}}\nspec:\n  capacity: {{storage: 5Gi}}\n  accessModes: [ReadWriteOnce]\n  storageClassName: \"\"\n  persistentVolumeReclaimPolicy: Retain\n  claimRef: {{namespace: {ns}, name: {claim}}}\n  csi: {{driver: ebs.csi.aws.com, volumeHandle: {vol}, fsType: ext4}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {claim}, namespace: {ns}}}\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: \"\"\n  volumeName: {claim}-{id}\n  resources: {{requests: {{storage: 5Gi}}}}\n---\n"
    )
}

/// Claims nobody uses: one left behind, one a StatefulSet scaled to 0 retained, one only a
/// suspended CronJob's template names (in use), one a Deployment at 0 replicas names (in use).
pub fn pvc_unused_live(_bed: &Bed, id: &str) -> Res {
    let ns = namespace("unused", id)?;
    let mut yaml = String::new();
    for (claim, vol) in [
        ("leftover", "vol-0e18e18e18e18e181"),
        ("data-web-1", "vol-0e18e18e18e18e182"),
        ("nightly-data", "vol-0e18e18e18e18e183"),
        ("cache", "vol-0e18e18e18e18e184"),
    ] {
        yaml.push_str(&bound_claim(&ns, id, claim, vol));
    }
    yaml.push_str(&format!(
        "apiVersion: apps/v1\nkind: StatefulSet\nmetadata: {{name: web, namespace: {ns}}}\nspec:\n  replicas: 0\n  serviceName: web\n  selector: {{matchLabels: {{app: web}}}}\n  template:\n    metadata: {{labels: {{app: web}}}}\n    spec: {{containers: [{{name: web, image: nginx}}]}}\n  volumeClaimTemplates:\n  - metadata: {{name: data}}\n    spec: {{accessModes: [ReadWriteOnce], storageClassName: \"\", resources: {{requests: {{storage: 5Gi}}}}}}\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: nightly, namespace: {ns}}}\nspec:\n  schedule: \"0 3 * * *\"\n  suspend: true\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          restartPolicy: OnFailure\n          containers: [{{name: c, image: busybox}}]\n          volumes: [{{name: d, persistentVolumeClaim: {{claimName: nightly-data}}}}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: cache, namespace: {ns}}}\nspec:\n  replicas: 0\n  selector: {{matchLabels: {{app: cache}}}}\n  template:\n    metadata: {{labels: {{app: cache}}}}\n    spec:\n      containers: [{{name: c, image: redis}}]\n      volumes: [{{name: d, persistentVolumeClaim: {{claimName: cache}}}}]\n"
    ));
    apply(&yaml)?;
    for claim in ["leftover", "data-web-1", "nightly-data", "cache"] {
        wait(&format!("claim {claim} Bound"), 90, || {
            kubectl(&[
                "get",
                "pvc",
                claim,
                "-n",
                &ns,
                "-o",
                "jsonpath={.status.phase}",
            ])
            .ok()
            .filter(|s| s.trim() == "Bound")
        })?;
    }
    let out = storage(&[
        "scan",
        "-n",
        &ns,
        "--no-aws",
        "--unused-after",
        "0s",
        "--fail-on",
        "never",
    ])?;
    let unused: Vec<(String, String, String)> = out.json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|f| f["code"] == "pvc-unused")
        .map(|f| {
            (
                f["object"]["name"].as_str().unwrap_or_default().to_string(),
                f["severity"].as_str().unwrap_or_default().to_string(),
                f["message"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    let names: Vec<&str> = unused.iter().map(|u| u.0.as_str()).collect();
    check(names == ["data-web-1", "leftover"], || {
        format!("pvc-unused on {names:?}, expected data-web-1 and leftover: {unused:?}")
    })?;
    check(unused.iter().all(|u| u.1 == "warning"), || {
        format!("past --unused-after 0s every one is a warning: {unused:?}")
    })?;
    contains_all(
        "data-web-1",
        &unused[0].2,
        &[
            &format!("retained by StatefulSet {ns}/web after a scale-down"),
            "the StatefulSet has 0 replicas",
        ],
    )?;
    let cluster = &out.json["cluster"];
    check(
        cluster["context"].is_string()
            && cluster["server"]
                .as_str()
                .is_some_and(|s| s.starts_with("https://"))
            && cluster["serverVersion"]
                .as_str()
                .is_some_and(|v| v.starts_with("v1.")),
        || format!("live identity: {cluster}"),
    )?;
    // The same scan as metrics.
    let (code, text, stderr) = storage_raw(&[
        "scan",
        "-n",
        &ns,
        "--no-aws",
        "--fail-on",
        "never",
        "-o",
        "prometheus",
    ])?;
    check(code == 0, || {
        format!("scan -o prometheus: exit {code}: {stderr}")
    })?;
    contains_all(
        "exposition",
        &text,
        &[
            &format!("code=\"pvc-unused\",severity=\"info\",namespace=\"{ns}\"}} 2\n"),
            "kubectl_storage_scan_success{cluster=\"",
        ],
    )?;
    if let Some(promtool) = std::env::var_os("PROMTOOL") {
        use std::io::Write;
        let mut child = std::process::Command::new(promtool)
            .args(["check", "metrics"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .map_err(|e| e.to_string())?;
        child
            .stdin
            .take()
            .ok_or("stdin")?
            .write_all(text.as_bytes())
            .map_err(|e| e.to_string())?;
        let out = child.wait_with_output().map_err(|e| e.to_string())?;
        check(out.status.success(), || {
            format!(
                "promtool check metrics: {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    }
    Ok(())
}

/// The plain manifests (`deploy/kubernetes/`, the chart rendered) install on the bed, and a scan
/// as their ServiceAccount reads every kind: the ClusterRole grants all that scan lists.
pub fn deploy_manifests_grant_what_scan_reads(_bed: &Bed, _id: &str) -> Res {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/kubernetes/kubectl-storage.yaml"
    );
    kubectl(&["apply", "-f", path])?;
    let sa = "system:serviceaccount:kubectl-storage:kubectl-storage";
    let mut refused = Vec::new();
    for r in [
        "pods",
        "persistentvolumeclaims",
        "persistentvolumes",
        "nodes",
        "events",
        "events.events.k8s.io",
        "storageclasses",
        "csidrivers",
        "csinodes",
        "volumeattachments",
        "statefulsets",
        "deployments",
        "jobs",
        "cronjobs",
    ] {
        let can = kubectl(&["auth", "can-i", "list", r, "-A", "--as", sa]).unwrap_or_default();
        if can.trim() != "yes" {
            refused.push(r);
        }
    }
    // `can-i` exits 1 for "no": read its answer, not its status.
    let writes = std::process::Command::new("kubectl")
        .args([
            "auth",
            "can-i",
            "delete",
            "persistentvolumeclaims",
            "-A",
            "--as",
            sa,
        ])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let out = storage(&[
        "scan",
        "-A",
        "--no-aws",
        "--fail-on",
        "never",
        "--as",
        "system:serviceaccount:kubectl-storage:kubectl-storage",
    ]);
    let cleanup = kubectl(&["delete", "-f", path, "--wait=false"]);
    let out = out?;
    cleanup?;
    check(refused.is_empty(), || {
        format!("the ClusterRole cannot list {refused:?}")
    })?;
    check(writes.trim() == "no", || {
        format!("the ClusterRole may delete claims: {writes}")
    })?;
    check(out.code == 0, || {
        format!(
            "scan as the CronJob's ServiceAccount: exit {}: {}",
            out.code, out.stderr
        )
    })?;
    let nc = out.json["summary"]["notChecked"].to_string();
    check(!nc.contains("forbidden"), || {
        format!("the ClusterRole leaves reads forbidden: {nc}")
    })
}

/// Several contexts in one scan (two naming the bed, one a closed port), then `serve` over the
/// same kubeconfig scraped over HTTP: `/healthz` 200 after the first scan, `/metrics` with each
/// context's `scan_success` (checked by promtool when `PROMTOOL` is set).
pub fn fleet_scan_and_serve_live(_bed: &Bed, id: &str) -> Res {
    use std::io::{Read, Write};
    let ns = namespace("fleet", id)?;
    let dir = std::env::temp_dir().join(format!("kstor-fleet-{id}"));
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let kc = dir.join("kubeconfig");
    let raw = kubectl(&["config", "view", "--raw", "--minify", "--flatten"])?;
    std::fs::write(&kc, raw).map_err(|e| e.to_string())?;
    let kcs = kc.to_str().ok_or("utf-8 path")?;
    let field = |path: &str| {
        kubectl(&[
            "--kubeconfig",
            kcs,
            "config",
            "view",
            "-o",
            &format!("jsonpath={path}"),
        ])
        .map(|s| s.trim().to_string())
    };
    let (first, cluster, user) = (
        field("{.contexts[0].name}")?,
        field("{.contexts[0].context.cluster}")?,
        field("{.contexts[0].context.user}")?,
    );
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| e.to_string())?
        .port();
    let server = format!("--server=https://127.0.0.1:{closed}");
    let (cl, us) = (format!("--cluster={cluster}"), format!("--user={user}"));
    for args in [
        vec!["config", "set-context", "again", cl.as_str(), us.as_str()],
        vec![
            "config",
            "set-cluster",
            "down",
            server.as_str(),
            "--insecure-skip-tls-verify",
        ],
        vec![
            "config",
            "set-context",
            "down",
            "--cluster=down",
            us.as_str(),
        ],
    ] {
        let mut a = vec!["--kubeconfig", kcs];
        a.extend(args);
        kubectl(&a)?;
    }
    let (code, text, stderr) = storage_raw(&[
        "scan",
        "--kubeconfig",
        kcs,
        "--all-contexts",
        "-n",
        &ns,
        "--no-aws",
        "--fail-on",
        "never",
        "-o",
        "json",
    ])?;
    check(code == 0, || format!("fleet scan: exit {code}: {stderr}"))?;
    let list: serde_json::Value = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    let got: Vec<(String, String)> = list
        .as_array()
        .ok_or("not a list")?
        .iter()
        .map(|r| {
            (
                r["cluster"]["context"].as_str().unwrap_or("").to_string(),
                r["outcome"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    let want: Vec<(String, String)> = [
        (first.as_str(), "scanned"),
        ("again", "scanned"),
        ("down", "unreachable"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    // kubectl writes contexts sorted by name; the report keeps the kubeconfig's order.
    let (mut got, mut want) = (got, want);
    got.sort();
    want.sort();
    check(got == want, || {
        format!("fleet outcomes {got:?}, want {want:?}")
    })?;

    // serve, scraped over HTTP.
    let mut child = std::process::Command::new("kubectl")
        .args([
            "storage",
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--interval",
            "2s",
            "--kubeconfig",
            kcs,
        ])
        .args(["--all-contexts", "-n", &ns, "--no-aws"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let result = (|| -> Res {
        let mut err = child.stderr.take().ok_or("stderr")?;
        let mut seen = Vec::new();
        let mut b = [0u8; 256];
        let addr = loop {
            let s = String::from_utf8_lossy(&seen).to_string();
            if let Some(rest) = s.split("http://").nth(1).filter(|r| r.contains('\n')) {
                break rest.split('/').next().unwrap_or("").to_string();
            }
            let n = err.read(&mut b).map_err(|e| e.to_string())?;
            check(n > 0, || format!("serve exited: {s}"))?;
            seen.extend_from_slice(&b[..n]);
        };
        std::thread::spawn(move || {
            let _ = std::io::copy(&mut err, &mut std::io::sink());
        });
        let get = |path: &str| -> Res<(String, String)> {
            let mut s = std::net::TcpStream::connect(&addr).map_err(|e| e.to_string())?;
            write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").map_err(|e| e.to_string())?;
            let mut r = String::new();
            s.read_to_string(&mut r).map_err(|e| e.to_string())?;
            let (head, body) = r.split_once("\r\n\r\n").ok_or("no head")?;
            Ok((head.to_string(), body.to_string()))
        };
        wait("serve /healthz 200", 60, || {
            get("/healthz")
                .ok()
                .filter(|(h, _)| h.starts_with("HTTP/1.1 200"))
        })?;
        let (head, body) = get("/metrics")?;
        check(head.contains("text/plain; version=0.0.4"), || head.clone())?;
        contains_all(
            "serve exposition",
            &body,
            &[
                &format!("kubectl_storage_scan_success{{cluster=\"{first}\"}} 1\n"),
                "kubectl_storage_scan_success{cluster=\"again\"} 1\n",
                "kubectl_storage_scan_success{cluster=\"down\"} 0\n",
            ],
        )?;
        if let Some(promtool) = std::env::var_os("PROMTOOL") {
            let mut p = std::process::Command::new(promtool)
                .args(["check", "metrics"])
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .map_err(|e| e.to_string())?;
            p.stdin
                .take()
                .ok_or("stdin")?
                .write_all(body.as_bytes())
                .map_err(|e| e.to_string())?;
            let out = p.wait_with_output().map_err(|e| e.to_string())?;
            check(out.status.success(), || {
                format!(
                    "promtool: {}{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                )
            })?;
        }
        Ok(())
    })();
    let _ = child.kill();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);
    result
}
