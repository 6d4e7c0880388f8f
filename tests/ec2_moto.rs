//! EC2 cross-checks against a real EC2 API (moto_server): Kubernetes from snapshot files, EC2
//! live (`--snapshot DIR --live-aws`). Ignored by default so `cargo test` stays offline; the
//! project's test script starts moto and runs them with `--ignored`:
//!
//! ```sh
//! moto_server -H 127.0.0.1 -p 5000 &
//! AWS_ENDPOINT_URL_EC2=http://127.0.0.1:5000 AWS_ACCESS_KEY_ID=testing \
//!   AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 cargo test --test ec2_moto -- --ignored
//! ```

use std::path::Path;
use std::process::Output;

use assert_cmd::Command;
use aws_sdk_ec2::types::{InstanceType, Tag, TagSpecification, VolumeType};
use kubectl_storage::fetch::aws::{self, AwsOptions, Ec2};
use serde_json::Value;

const REGION: &str = "us-east-1";

fn endpoint() -> String {
    std::env::var("AWS_ENDPOINT_URL_EC2")
        .expect("AWS_ENDPOINT_URL_EC2 must point at a moto_server (see the module docs)")
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn ec2() -> Ec2 {
    let _ = endpoint();
    let opts = AwsOptions {
        region: Some(REGION.into()),
        ..Default::default()
    };
    aws::connect(&opts, &[])
        .await
        .unwrap_or_else(|e| panic!("cannot connect to moto: {e:?}"))
}

async fn instance(ec2: &Ec2, zone: &str) -> String {
    let out = ec2
        .client()
        .run_instances()
        .image_id("ami-12c6146b")
        .instance_type(InstanceType::M5Large)
        .min_count(1)
        .max_count(1)
        .placement(
            aws_sdk_ec2::types::Placement::builder()
                .availability_zone(zone)
                .build(),
        )
        .send()
        .await
        .expect("run-instances");
    out.instances()[0]
        .instance_id()
        .expect("instance id")
        .to_string()
}

async fn volume(ec2: &Ec2, zone: &str, size: i32, pv: &str) -> String {
    let out = ec2
        .client()
        .create_volume()
        .availability_zone(zone)
        .size(size)
        .volume_type(VolumeType::Gp3)
        .tag_specifications(
            TagSpecification::builder()
                .resource_type(aws_sdk_ec2::types::ResourceType::Volume)
                .tags(Tag::builder().key("CSIVolumeName").value(pv).build())
                .tags(
                    Tag::builder()
                        .key("ebs.csi.aws.com/cluster")
                        .value("true")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .expect("create-volume");
    out.volume_id().expect("volume id").to_string()
}

/// An instance in us-east-1a and a `size` GiB volume (for PV pv-a) attached to it.
fn attached_volume(size: i32) -> (String, String) {
    rt().block_on(async {
        let ec2 = ec2().await;
        let inst = instance(&ec2, "us-east-1a").await;
        let vol = volume(&ec2, "us-east-1a", size, "pv-a").await;
        attach(&ec2, &vol, &inst).await;
        (inst, vol)
    })
}

async fn attach(ec2: &Ec2, vol: &str, inst: &str) {
    ec2.client()
        .attach_volume()
        .volume_id(vol)
        .instance_id(inst)
        .device("/dev/xvdba")
        .send()
        .await
        .expect("attach-volume");
}

/// A running pod prod/db-0 on node-a (instance `inst`) using PV pv-a on volume `vol`, plus
/// `extra` more bound PVs (to exercise batching).
fn write_snapshot(dir: &Path, inst: &str, vol: &str, capacity: &str, extra: &[String]) {
    let mut y = format!(
        r#"apiVersion: v1
kind: Node
metadata:
  name: node-a
  labels: {{topology.kubernetes.io/zone: us-east-1a}}
spec: {{providerID: "aws:///us-east-1a/{inst}"}}
status:
  conditions: [{{type: Ready, status: "True"}}]
  volumesAttached: [{{name: "kubernetes.io/csi/ebs.csi.aws.com^{vol}", devicePath: /dev/xvdba}}]
---
apiVersion: storage.k8s.io/v1
kind: CSINode
metadata: {{name: node-a}}
spec:
  drivers: [{{name: ebs.csi.aws.com, nodeID: {inst}, allocatable: {{count: 25}}}}]
---
apiVersion: storage.k8s.io/v1
kind: CSIDriver
metadata: {{name: ebs.csi.aws.com}}
spec: {{attachRequired: true}}
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {{name: gp3}}
provisioner: ebs.csi.aws.com
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: v1
kind: PersistentVolume
metadata: {{name: pv-a}}
spec:
  capacity: {{storage: {capacity}}}
  accessModes: [ReadWriteOnce]
  storageClassName: gp3
  claimRef: {{namespace: prod, name: data-db-0}}
  csi: {{driver: ebs.csi.aws.com, volumeHandle: {vol}}}
status: {{phase: Bound}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {{name: data-db-0, namespace: prod}}
spec: {{accessModes: [ReadWriteOnce], storageClassName: gp3, volumeName: pv-a, resources: {{requests: {{storage: {capacity}}}}}}}
status: {{phase: Bound}}
---
apiVersion: v1
kind: Pod
metadata: {{name: db-0, namespace: prod, creationTimestamp: "2026-11-25T12:00:00Z"}}
spec:
  nodeName: node-a
  containers: [{{name: db, image: postgres}}]
  volumes: [{{name: data, persistentVolumeClaim: {{claimName: data-db-0}}}}]
status: {{phase: Running}}
---
apiVersion: storage.k8s.io/v1
kind: VolumeAttachment
metadata: {{name: csi-a}}
spec: {{attacher: ebs.csi.aws.com, nodeName: node-a, source: {{persistentVolumeName: pv-a}}}}
status: {{attached: true}}
"#
    );
    for (i, v) in extra.iter().enumerate() {
        y.push_str(&format!(
            "---\napiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: pv-x{i}}}\nspec: {{capacity: {{storage: 1Gi}}, accessModes: [ReadWriteOnce], storageClassName: gp3, csi: {{driver: ebs.csi.aws.com, volumeHandle: {v}}}}}\nstatus: {{phase: Available}}\n"
        ));
    }
    std::fs::write(dir.join("cluster.yaml"), y).expect("write snapshot");
}

fn why(dir: &Path) -> (Output, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .args(["why", "pod/db-0", "-n", "prod", "--snapshot"])
        .arg(dir)
        .args(["--live-aws", "-o", "json", "-v", "1"])
        .env("AWS_REGION", REGION)
        .output()
        .expect("run binary");
    let json: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}); stderr: {}",
            String::from_utf8_lossy(&out.stderr)
        )
    });
    (out, json)
}

fn codes(json: &Value) -> Vec<String> {
    json["findings"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|f| f["code"].as_str().map(str::to_string))
        .collect()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
#[ignore = "needs moto: run via scripts/test"]
fn healthy_chain_matches_ec2_with_one_call_each() {
    let (inst, vol) = attached_volume(20);
    let dir = tempfile::tempdir().expect("tempdir");
    write_snapshot(dir.path(), &inst, &vol, "20Gi", &[]);
    let (out, json) = why(dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(0), "{json:#}\n{err}");
    assert!(
        codes(&json).iter().all(|c| !c.starts_with("ebs-")),
        "{json:#}"
    );
    assert!(
        err.contains("DescribeVolumes ×1, DescribeInstances ×1"),
        "{err}"
    );
    let text = json.to_string();
    assert!(
        text.contains(&format!("in-use by {inst} (node node-a)")),
        "{text}"
    );
}

#[test]
#[ignore = "needs moto: run via scripts/test"]
fn missing_volume_is_ebs_volume_not_found() {
    let rt = rt();
    let (inst, real) = rt.block_on(async {
        let ec2 = ec2().await;
        let inst = instance(&ec2, "us-east-1a").await;
        let real = volume(&ec2, "us-east-1a", 5, "pv-x0").await;
        (inst, real)
    });
    let dir = tempfile::tempdir().expect("tempdir");
    // pv-a names a volume that never existed; pv-x0 a real one in the same batch.
    write_snapshot(
        dir.path(),
        &inst,
        "vol-0123456789abcdef0",
        "20Gi",
        std::slice::from_ref(&real),
    );
    let (out, json) = why(dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{json:#}\n{err}");
    let f = json["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == "ebs-volume-not-found"))
        .unwrap_or_else(|| panic!("no ebs-volume-not-found: {json:#}"));
    let msg = f["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("vol-0123456789abcdef0") && msg.contains("us-east-1"),
        "{msg}"
    );
    // One batch that fails with InvalidVolume.NotFound, then one filtered retry.
    assert!(
        err.contains("DescribeVolumes ×2, DescribeInstances ×1"),
        "{err}"
    );
    // With every PV in scope (dump without a target) the real volume shares the failing batch:
    // it is kept, and only the missing id is recorded as not found.
    let bundle = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .arg("dump")
        .arg(bundle.path())
        .arg("--snapshot")
        .arg(dir.path())
        .args(["--live-aws", "-v", "1"])
        .env("AWS_REGION", REGION)
        .output()
        .expect("run binary");
    let err = stderr(&out);
    assert!(
        err.contains("DescribeVolumes ×2, DescribeInstances ×1"),
        "{err}"
    );
    let vols = std::fs::read_to_string(bundle.path().join("ec2-volumes.json")).expect("dump");
    assert!(vols.contains(&real), "{vols}");
    let info = std::fs::read_to_string(bundle.path().join("DUMP-INFO.txt")).expect("info");
    assert!(info.contains("not found: vol-0123456789abcdef0"), "{info}");
}

#[test]
#[ignore = "needs moto: run via scripts/test"]
fn volume_held_by_another_instance_is_ebs_attached_elsewhere() {
    let rt = rt();
    let (mine, other, vol) = rt.block_on(async {
        let ec2 = ec2().await;
        let mine = instance(&ec2, "us-east-1a").await;
        let other = instance(&ec2, "us-east-1a").await;
        let vol = volume(&ec2, "us-east-1a", 20, "pv-a").await;
        attach(&ec2, &vol, &other).await;
        (mine, other, vol)
    });
    let dir = tempfile::tempdir().expect("tempdir");
    write_snapshot(dir.path(), &mine, &vol, "20Gi", &[]);
    let (out, json) = why(dir.path());
    assert_eq!(out.status.code(), Some(1), "{json:#}");
    let f = json["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == "ebs-attached-elsewhere"))
        .unwrap_or_else(|| panic!("no ebs-attached-elsewhere: {json:#}"));
    let msg = f["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains(&format!("attached to {other} (not a cluster node)"))
            && msg.contains(&format!("node node-a ({mine})")),
        "{msg}"
    );
}

#[test]
#[ignore = "needs moto: run via scripts/test"]
fn grown_volume_is_ebs_size_mismatch() {
    let (inst, vol) = attached_volume(200);
    let dir = tempfile::tempdir().expect("tempdir");
    write_snapshot(dir.path(), &inst, &vol, "100Gi", &[]);
    let (out, json) = why(dir.path());
    // A warning only: the default --fail-on error passes.
    assert_eq!(out.status.code(), Some(0), "{json:#}");
    let f = json["findings"]
        .as_array()
        .and_then(|a| a.iter().find(|f| f["code"] == "ebs-size-mismatch"))
        .unwrap_or_else(|| panic!("no ebs-size-mismatch: {json:#}"));
    assert_eq!(f["severity"], "warning");
    let msg = f["message"].as_str().unwrap_or_default();
    assert!(
        msg.contains("says 100Gi") && msg.contains(&format!("{vol} is 200Gi")),
        "{msg}"
    );
}

#[test]
#[ignore = "needs moto: run via scripts/test"]
fn many_volumes_are_read_in_batches_of_200() {
    const N: usize = 449;
    let rt = rt();
    let started = std::time::Instant::now();
    let (inst, vols) = rt.block_on(async {
        let ec2 = ec2().await;
        let inst = instance(&ec2, "us-east-1a").await;
        let mut vols = Vec::new();
        for i in 0..N {
            vols.push(volume(&ec2, "us-east-1a", 1, &format!("pv-x{i}")).await);
        }
        let first = volume(&ec2, "us-east-1a", 20, "pv-a").await;
        attach(&ec2, &first, &inst).await;
        vols.insert(0, first);
        (inst, vols)
    });
    eprintln!("created {} volumes in {:?}", N + 1, started.elapsed());
    let dir = tempfile::tempdir().expect("tempdir");
    write_snapshot(dir.path(), &inst, &vols[0], "20Gi", &vols[1..]);
    // `why` asks only about the volumes its chain reaches: one call for one pod.
    let started = std::time::Instant::now();
    let (out, json) = why(dir.path());
    let err = stderr(&out);
    eprintln!(
        "why pod/db-0 among {} PVs: {:?}; {err}",
        N + 1,
        started.elapsed()
    );
    assert_eq!(out.status.code(), Some(0), "{json:#}\n{err}");
    assert!(
        err.contains("DescribeVolumes ×1, DescribeInstances ×1"),
        "{err}"
    );
    // `dump` without a target reads every PV's volume: ⌈450 / 200⌉ = 3 DescribeVolumes.
    let bundle = tempfile::tempdir().expect("tempdir");
    let started = std::time::Instant::now();
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .arg("dump")
        .arg(bundle.path())
        .arg("--snapshot")
        .arg(dir.path())
        .args(["--live-aws", "-v", "1"])
        .env("AWS_REGION", REGION)
        .output()
        .expect("run binary");
    let err = stderr(&out);
    eprintln!("dump of {} PVs: {:?}; {err}", N + 1, started.elapsed());
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(
        err.contains("DescribeVolumes ×3, DescribeInstances ×1"),
        "{err}"
    );
    let dumped = std::fs::read_to_string(bundle.path().join("ec2-volumes.json")).expect("dump");
    let doc: Value = serde_json::from_str(&dumped).expect("json");
    assert_eq!(doc["Volumes"].as_array().map(Vec::len), Some(N + 1));
}

#[test]
#[ignore = "needs moto: run via scripts/test"]
fn orphan_search_finds_tagged_available_volumes() {
    let rt = rt();
    let (found, vol) = rt.block_on(async {
        let ec2 = ec2().await;
        let vol = volume(&ec2, "us-east-1b", 7, "pv-orphan").await;
        (aws::kubernetes_volumes(&ec2).await, vol)
    });
    let found = found.unwrap_or_else(|e| panic!("{e:?}"));
    let v = found
        .iter()
        .find(|v| v.id == vol)
        .expect("the tagged volume is found");
    assert_eq!(v.state, "available");
    assert_eq!(v.size_gib, 7);
    assert_eq!(v.tag("CSIVolumeName"), Some("pv-orphan"));
}

/// `scan` asks EC2 everything at once: the by-id lookups and the four orphan searches (one per
/// Kubernetes tag key) are one wave, not five in a row. (A search of more than 500 volumes has a
/// second page, so other tests' volumes may add one wave, never four.)
#[test]
#[ignore = "needs moto: run via scripts/test"]
fn scan_reads_ec2_in_one_wave() {
    let (inst, vol) = attached_volume(20);
    let dir = tempfile::tempdir().expect("tempdir");
    write_snapshot(dir.path(), &inst, &vol, "20Gi", &[]);
    let out = Command::new(env!("CARGO_BIN_EXE_kubectl-storage"))
        .arg("scan")
        .arg("--snapshot")
        .arg(dir.path())
        .args(["--live-aws", "-o", "json", "-v", "1"])
        .env("AWS_REGION", REGION)
        .output()
        .expect("run binary");
    let err = stderr(&out);
    let line = err
        .lines()
        .find(|l| l.contains("EC2 region"))
        .unwrap_or_else(|| panic!("no EC2 line: {err}"));
    let count = |after: &str, before: &str| -> usize {
        let rest = &line[line.find(after).unwrap_or_else(|| panic!("{line}")) + after.len()..];
        rest[..rest.find(before).unwrap_or(rest.len())]
            .parse()
            .unwrap_or_else(|e| panic!("{e}: {line}"))
    };
    let volumes = count("DescribeVolumes ×", ",");
    let waves = count(" in ", " wave(s)");
    assert!(volumes >= 5, "one by id, one per tag key: {line}");
    assert!(waves <= 2, "{line}");
}
