//! Ordinary large inputs load: a 2,000-pod `kubectl get pods -o yaml`, the tool's own YAML
//! `dump` of a 10,000-object cluster, and `preflight` reading the same pods (YAML and JSON).
//! serde-saphyr's default budgets (1,024 documents, 250,000 nodes) refused all of them.

use assert_cmd::Command;
use serde_json::{json, Value};

fn run(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("KUBECONFIG")
        .env_remove("AWS_ENDPOINT_URL_EC2")
        .output()
        .expect("runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A Pod as `kubectl get -o yaml` prints it: managedFields, owner, token volume (~150 nodes).
fn pod(i: usize) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {
            "name": format!("web-{i}"), "namespace": "shop", "uid": format!("uid-{i}"),
            "creationTimestamp": "2026-11-20T08:00:00Z", "resourceVersion": format!("{}", 1000 + i),
            "labels": {"app": "web", "controller-revision-hash": "web-5d9c", "statefulset.kubernetes.io/pod-name": format!("web-{i}")},
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "web", "uid": "sts-uid", "controller": true, "blockOwnerDeletion": true}],
            "managedFields": [{"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kube-controller-manager", "operation": "Update", "time": "2026-11-20T08:00:00Z",
                "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}, "f:controller-revision-hash": {}}, "f:ownerReferences": {".": {}, "k:{\"uid\":\"sts-uid\"}": {}}},
                    "f:spec": {"f:containers": {"k:{\"name\":\"web\"}": {".": {}, "f:image": {}, "f:name": {}, "f:volumeMounts": {".": {}, "k:{\"mountPath\":\"/data\"}": {".": {}, "f:mountPath": {}, "f:name": {}}}}}, "f:volumes": {".": {}, "k:{\"name\":\"data\"}": {".": {}, "f:name": {}, "f:persistentVolumeClaim": {".": {}, "f:claimName": {}}}}}}}]
        },
        "spec": {
            "nodeName": format!("node-{}", i % 50),
            "containers": [{"name": "web", "image": "nginx:1.27", "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                "volumeMounts": [{"name": "data", "mountPath": "/data"}, {"name": "kube-api-access", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true}]}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": format!("data-web-{i}")}},
                {"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}, {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}, {"downwardAPI": {"items": [{"path": "namespace", "fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}}],
            "tolerations": [{"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}, {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300}]
        },
        "status": {
            "phase": "Running", "podIP": "10.0.0.1", "startTime": "2026-11-20T08:00:05Z",
            "conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}, {"type": "Initialized", "status": "True"}, {"type": "ContainersReady", "status": "True"}],
            "containerStatuses": [{"name": "web", "ready": true, "restartCount": 0, "image": "nginx:1.27", "imageID": "sha", "containerID": "containerd://x", "state": {"running": {"startedAt": "2026-11-20T08:00:09Z"}}}]
        }
    })
}

fn list(items: Vec<Value>) -> Value {
    json!({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items})
}

fn yaml(v: &Value) -> String {
    serde_saphyr::to_string(v).expect("serializes")
}

#[test]
fn a_2000_pod_kubectl_yaml_list_loads_in_scan_and_preflight() {
    let dir = tempfile::tempdir().expect("tmp");
    let pods = list((0..2_000).map(pod).collect());
    let y = dir.path().join("pods.yaml");
    std::fs::write(&y, yaml(&pods)).expect("write");
    let j = dir.path().join("pods.json");
    std::fs::write(&j, serde_json::to_string_pretty(&pods).expect("json")).expect("write");

    let (code, out, err) = run(&["scan", "-A", "--snapshot", y.to_str().expect("utf-8")]);
    assert!(code == 0 || code == 1, "exit {code}: {err}");
    assert!(!err.contains("invalid YAML"), "{err}");
    assert!(
        out.contains("2000 pods") || out.contains("2,000 pods"),
        "{out}"
    );

    for f in [&y, &j] {
        let (code, out, err) = run(&["preflight", "-f", f.to_str().expect("utf-8"), "-v", "1"]);
        assert!(
            code == 0 || code == 1,
            "{}: exit {code}: {err}",
            f.display()
        );
        assert!(!err.contains("invalid YAML"), "{err}");
        assert!(
            err.contains("read 2000 objects") || out.contains("2000"),
            "{}: {out} {err}",
            f.display()
        );
    }
}

#[test]
fn a_yaml_dump_of_10000_objects_reads_back() {
    let dir = tempfile::tempdir().expect("tmp");
    let n = 3_400;
    let pods: Vec<Value> = (0..n).map(pod).collect();
    let pvcs: Vec<Value> = (0..n).map(|i| json!({
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"name": format!("data-web-{i}"), "namespace": "shop", "creationTimestamp": "2026-11-20T08:00:00Z"},
        "spec": {"accessModes": ["ReadWriteOnce"], "storageClassName": "gp3", "volumeName": format!("pv-{i}"), "resources": {"requests": {"storage": "10Gi"}}},
        "status": {"phase": "Bound", "capacity": {"storage": "10Gi"}}
    })).collect();
    let pvs: Vec<Value> = (0..n).map(|i| json!({
        "apiVersion": "v1", "kind": "PersistentVolume",
        "metadata": {"name": format!("pv-{i}"), "creationTimestamp": "2026-11-20T08:00:00Z"},
        "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"], "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "gp3",
            "claimRef": {"namespace": "shop", "name": format!("data-web-{i}")},
            "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": format!("vol-{i:017x}"), "fsType": "ext4"}},
        "status": {"phase": "Bound"}
    })).collect();
    let input = dir.path().join("in");
    std::fs::create_dir(&input).expect("dir");
    for (name, items) in [("pods", pods), ("pvcs", pvcs), ("pvs", pvs)] {
        std::fs::write(
            input.join(format!("{name}.json")),
            serde_json::to_string(&list(items)).expect("json"),
        )
        .expect("write");
    }
    let out_dir = dir.path().join("out");
    let (code, _, err) = run(&[
        "dump",
        out_dir.to_str().expect("utf-8"),
        "--snapshot",
        input.to_str().expect("utf-8"),
    ]);
    assert_eq!(code, 0, "{err}");
    let scan = |d: &std::path::Path| {
        let (code, out, err) = run(&[
            "scan",
            "-A",
            "--snapshot",
            d.to_str().expect("utf-8"),
            "-o",
            "json",
        ]);
        assert!(
            code == 0 || code == 1,
            "{}: exit {code}: {err}",
            d.display()
        );
        let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{e}: {out} {err}"));
        v["scan"]["checked"].clone()
    };
    let before = scan(&input);
    let after = scan(&out_dir);
    assert_eq!(
        before, after,
        "the YAML dump reads back as the same cluster"
    );
    assert_eq!(after["pods"], n, "{after}");
}

/// Unbounded input is refused in one line, exit 2, at once: devices, FIFOs, files over the cap.
#[test]
fn special_files_and_files_over_the_cap_are_refused_in_one_line() {
    let dir = tempfile::tempdir().expect("tmp");
    let fifo = dir.path().join("pipe.yaml");
    let c = std::ffi::CString::new(fifo.to_str().expect("utf-8")).expect("path");
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
    let big = dir.path().join("big.yaml");
    std::fs::write(
        &big,
        "---\nkind: List\napiVersion: v1\nitems: []\n".repeat(90),
    )
    .expect("write");
    let started = std::time::Instant::now();
    for (args, want) in [
        (
            vec!["why", "pod/x", "--snapshot", "/dev/zero"],
            "error: /dev/zero: is a character device, not a regular file",
        ),
        (
            vec!["scan", "--snapshot", fifo.to_str().expect("utf-8")],
            "is a FIFO (named pipe), not a regular file",
        ),
        (
            vec!["preflight", "-f", "/dev/zero"],
            "error: /dev/zero: is a character device, not a regular file",
        ),
        (
            vec!["scan", "--snapshot", big.to_str().expect("utf-8"), "--max-file-size", "1Ki"],
            "file is 3,600 bytes, over the 1,024-byte limit for one file (raise it with --max-file-size)",
        ),
    ] {
        let (code, _, err) = run(&args);
        assert_eq!(code, 2, "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    }
    assert!(started.elapsed().as_secs() < 20, "refused at once");
    let (code, _, err) = run(&["scan", "--max-file-size", "lots"]);
    assert!(code == 2 && err.contains("\"lots\" is not a size"), "{err}");
    // Raised, the same file reads.
    let (code, _, err) = run(&[
        "scan",
        "--snapshot",
        big.to_str().expect("utf-8"),
        "--max-file-size",
        "1Mi",
    ]);
    assert_eq!(code, 0, "{err}");
}
