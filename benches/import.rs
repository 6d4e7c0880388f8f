//! Benchmark of `import-ebs` planning from a snapshot: 1,000 EBS volumes (AWS CLI JSON) against
//! a cluster with 1,000 existing PVs and claims, 30 nodes. Target (issue 6): well under a second
//! for loading, selecting and planning all of them. Prints the figures; run with
//! `cargo bench --bench import`.

use std::hint::black_box;
use std::time::{Duration, Instant};

use kubectl_storage::import::plan::{self, Options, Selection};
use kubectl_storage::snapshot::load;
use serde_json::{json, Value};

const VOLUMES: usize = 1000;
const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];

fn measure(name: &str, iterations: usize, mut f: impl FnMut()) -> Duration {
    f();
    let mut samples: Vec<Duration> = (0..iterations)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    samples.sort();
    let median = samples[samples.len() / 2];
    let max = samples[samples.len() - 1];
    println!(
        "{name:<52} median {:>8.2} ms   max {:>8.2} ms   ({iterations} runs)",
        median.as_secs_f64() * 1e3,
        max.as_secs_f64() * 1e3
    );
    median
}

/// A cluster snapshot: nodes in three zones, the driver, 1,000 PVs with claims (for other
/// volumes), and 1,000 volumes to import, tagged like the EBS CSI driver tags them.
fn write_snapshot(dir: &std::path::Path) {
    let nodes: Vec<Value> = (0..30)
        .map(|i| {
            let z = ZONES[i % 3];
            json!({"apiVersion": "v1", "kind": "Node",
                "metadata": {"name": format!("node-{i}"), "labels": {"topology.kubernetes.io/zone": z}},
                "spec": {"providerID": format!("aws:///{z}/i-{i:017x}")},
                "status": {"conditions": [{"type": "Ready", "status": "True"}]}})
        })
        .collect();
    let pvs: Vec<Value> = (0..VOLUMES)
        .map(|i| {
            json!({"apiVersion": "v1", "kind": "PersistentVolume",
                "metadata": {"name": format!("existing-{i}")},
                "spec": {"capacity": {"storage": "10Gi"}, "accessModes": ["ReadWriteOnce"],
                    "csi": {"driver": "ebs.csi.aws.com", "volumeHandle": format!("vol-1{i:016x}")},
                    "claimRef": {"namespace": "prod", "name": format!("old-{i}")}},
                "status": {"phase": "Bound"}})
        })
        .collect();
    let pvcs: Vec<Value> = (0..VOLUMES)
        .map(|i| {
            json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": format!("old-{i}"), "namespace": "prod"},
                "spec": {"volumeName": format!("existing-{i}")}, "status": {"phase": "Bound"}})
        })
        .collect();
    let k8s = json!({"apiVersion": "v1", "kind": "List", "items":
        nodes.into_iter().chain(pvs).chain(pvcs)
            .chain([json!({"apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver", "metadata": {"name": "ebs.csi.aws.com"}}),
                    json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "prod"}})])
            .collect::<Vec<_>>()});
    let volumes: Vec<Value> = (0..VOLUMES)
        .map(|i| {
            json!({"VolumeId": format!("vol-2{i:016x}"), "Size": 20, "VolumeType": "gp3",
                "AvailabilityZone": ZONES[i % 3], "State": "available", "Attachments": [],
                "Tags": [{"Key": "CSIVolumeName", "Value": format!("pvc-{i:08}")},
                         {"Key": "kubernetes.io/created-for/pvc/namespace", "Value": "prod"},
                         {"Key": "kubernetes.io/created-for/pvc/name", "Value": format!("data-{i}")},
                         {"Key": "team", "Value": "shop"}]})
        })
        .collect();
    std::fs::write(dir.join("cluster.json"), k8s.to_string()).expect("write");
    std::fs::write(
        dir.join("ec2-volumes.json"),
        json!({"Volumes": volumes}).to_string(),
    )
    .expect("write");
}

fn main() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_snapshot(dir.path());
    let paths = vec![dir.path().to_path_buf()];
    let mut opts = Options::for_test();
    opts.claims_from_tags = true;
    let sel = Selection::Tags(vec![("team".into(), "shop".into())]);

    let (snap, stats) = load::load_paths(&paths).expect("loads");
    let vols = plan::select(&snap, &sel).expect("selects");
    let p = plan::plan(&snap, &vols, &opts, stats.namespaces.as_ref());
    assert_eq!(p.items.len(), VOLUMES);
    assert_eq!(
        p.refused(),
        0,
        "{:?}",
        p.items.first().map(|i| i.summary_line())
    );
    assert_eq!(p.objects().len(), 2 * VOLUMES);

    println!("import-ebs planning, {VOLUMES} volumes by tag with claims, against {VOLUMES} PVs + claims:");
    measure("plan only (checks + PV and claim objects)", 30, || {
        let vols = plan::select(&snap, &sel).expect("selects");
        black_box(plan::plan(&snap, &vols, &opts, stats.namespaces.as_ref()));
    });
    measure("plan + render objects to JSON values", 30, || {
        let vols = plan::select(&snap, &sel).expect("selects");
        black_box(plan::plan(&snap, &vols, &opts, stats.namespaces.as_ref()).objects());
    });
    let ids = Selection::Ids(snap.ec2.volumes.iter().map(|v| v.id.clone()).collect());
    measure("plan by 1,000 volume ids", 30, || {
        let vols = plan::select(&snap, &ids).expect("selects");
        black_box(plan::plan(&snap, &vols, &opts, stats.namespaces.as_ref()));
    });
    let total = measure(
        "load snapshot files + select + plan (end to end)",
        10,
        || {
            let (snap, stats) = load::load_paths(&paths).expect("loads");
            let vols = plan::select(&snap, &sel).expect("selects");
            black_box(plan::plan(&snap, &vols, &opts, stats.namespaces.as_ref()));
        },
    );
    println!(
        "target: well under 1 s for 1,000 volumes → {}",
        if total < Duration::from_millis(500) {
            "met"
        } else {
            "NOT met"
        }
    );
}
