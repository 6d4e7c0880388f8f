//! A synthetic but realistic snapshot of a cluster with `n` stateful pods, written as the files
//! `kubectl get … -o json` and `aws ec2 describe-…` print (so `scan --snapshot DIR` reads it like
//! a real dump): pods with managedFields, owner references and projected token volumes, bound
//! claims and CSI PVs with zone affinity, VolumeAttachments, one EBS volume per PV attached to
//! the node's instance, normal events, and a mix of failures, one kind per residue mod 100:
//!
//! | i % 100 | failure | expected code |
//! |---|---|---|
//! | 0 | claim names a class that does not exist | storageclass-missing |
//! | 1 | provisioning fails with UnauthorizedOperation | provisioning-failed |
//! | 2 | the pod's mount times out | mount-failed |
//! | 3 | the PV's EBS volume does not exist | ebs-volume-not-found |
//! | 4 | the VolumeAttachment carries an attachError | attach-error |
//! | 5 | the claim is Lost (its PV is gone) | claim-lost |
//! | 6 | WaitForFirstConsumer claim without a pod | waiting-for-first-consumer (info) |
//! | 7 | a Released PV whose claim was deleted | pv-released |
//!
//! and `n / 100` orphaned EBS volumes (available, tagged for Kubernetes, no PV).
//!
//! [`Shape::focused`] puts every pod, claim and event in one namespace (`big`, scanned with
//! `scan -n big`) and adds the kubelet's stats summary of every node (one per node, in
//! `kubelet-stats.json`): each running pod's claim volume at 40% full, but 99.5% for
//! `i % 100 == 8` (`volume-full`).

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use serde_json::{json, Value};

const ZONES: [&str; 3] = ["us-east-1a", "us-east-1b", "us-east-1c"];
const PODS_PER_NODE: usize = 20;
const T0: &str = "2026-11-20T08:00:00Z";
const NOW: &str = "2026-11-25T12:00:00Z";

/// What the snapshot looks like beyond its size.
#[derive(Debug, Clone, Copy, Default)]
pub struct Shape {
    /// Every namespaced object in the namespace [`BIG_NS`] (else 100 pods per `team-NNN`).
    pub one_namespace: bool,
    /// Write the kubelet's stats summaries (`kubelet-stats.json`).
    pub kubelet_stats: bool,
}

impl Shape {
    /// One big namespace with kubelet stats: the shape of `scan -n big` on a large cluster.
    pub fn focused() -> Self {
        Shape {
            one_namespace: true,
            kubelet_stats: true,
        }
    }
}

/// The namespace of [`Shape::one_namespace`].
pub const BIG_NS: &str = "big";

/// Expected failures in a snapshot of `n` of `shape`, scanned in its namespace(s).
pub fn expected_shaped(n: usize, shape: Shape) -> Vec<(&'static str, usize)> {
    let per = |r: usize| (0..n).filter(|i| i % 100 == r).count();
    let mut v = vec![
        ("storageclass-missing", per(0)),
        ("provisioning-failed", per(1)),
        ("mount-failed", per(2)),
        ("ebs-volume-not-found", per(3)),
        ("attach-error", per(4)),
        ("claim-lost", per(5)),
        ("waiting-for-first-consumer", per(6)),
        ("pv-released", per(7)),
        ("orphaned-ebs-volume", n / 100),
    ];
    if shape.one_namespace {
        // A namespace scan is not cluster-wide: no orphans, and a Released PV whose claim
        // is gone belongs to no claim in the namespace.
        v.retain(|(c, _)| !matches!(*c, "orphaned-ebs-volume" | "pv-released"));
    }
    if shape.kubelet_stats {
        v.push(("volume-full", per(8)));
    }
    v
}

struct ListWriter {
    out: BufWriter<File>,
    first: bool,
    close: &'static str,
}

impl ListWriter {
    fn kube(dir: &Path, file: &str) -> Self {
        Self::open(
            dir,
            file,
            "{\"apiVersion\":\"v1\",\"kind\":\"List\",\"items\":[\n",
            "],\"metadata\":{\"resourceVersion\":\"\"}}\n",
        )
    }

    fn open(dir: &Path, file: &str, head: &str, close: &'static str) -> Self {
        let mut out = BufWriter::new(File::create(dir.join(file)).expect("create"));
        out.write_all(head.as_bytes()).expect("write");
        ListWriter {
            out,
            first: true,
            close,
        }
    }

    fn push(&mut self, v: &Value) {
        if !self.first {
            self.out.write_all(b",\n").expect("write");
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, v).expect("write");
    }

    fn finish(mut self) {
        self.out.write_all(self.close.as_bytes()).expect("write");
        self.out.flush().expect("flush");
    }
}

fn uid(kind: u32, i: usize) -> String {
    format!(
        "{kind:08x}-{:04x}-4{:03x}-8{:03x}-{:012x}",
        i >> 16,
        i & 0xfff,
        (i * 7) & 0xfff,
        i
    )
}

fn vol_id(i: usize) -> String {
    format!("vol-0{:016x}", 0x5ca1_0000_0000u64 + i as u64)
}

fn inst_id(node: usize) -> String {
    format!("i-0{:016x}", 0xfeed_0000_0000u64 + node as u64)
}

fn managed_fields(manager: &str) -> Value {
    json!([
        {"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": manager, "operation": "Update", "time": T0,
         "fieldsV1": {"f:metadata": {"f:labels": {".": {}, "f:app": {}, "f:controller-revision-hash": {}, "f:statefulset.kubernetes.io/pod-name": {}},
            "f:ownerReferences": {".": {}, "k:{\"uid\":\"x\"}": {}}},
            "f:spec": {"f:containers": {"k:{\"name\":\"db\"}": {".": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:name": {}, "f:ports": {}, "f:resources": {}, "f:volumeMounts": {}}},
            "f:dnsPolicy": {}, "f:enableServiceLinks": {}, "f:hostname": {}, "f:restartPolicy": {}, "f:schedulerName": {}, "f:securityContext": {}, "f:subdomain": {}, "f:terminationGracePeriodSeconds": {}, "f:volumes": {}}}},
        {"apiVersion": "v1", "fieldsType": "FieldsV1", "manager": "kubelet", "operation": "Update", "subresource": "status", "time": T0,
         "fieldsV1": {"f:status": {"f:conditions": {}, "f:containerStatuses": {}, "f:hostIP": {}, "f:phase": {}, "f:podIP": {}, "f:podIPs": {}, "f:startTime": {}}}}
    ])
}

/// Writes the snapshot of `n` stateful pods of `shape` into `dir` (created).
pub fn write_shaped(dir: &Path, n: usize, shape: Shape) {
    std::fs::create_dir_all(dir).expect("mkdir");
    let nodes = n.div_ceil(PODS_PER_NODE).max(3);
    let node_name = |k: usize| format!("ip-10-0-{}-{}.ec2.internal", k / 250, k % 250);
    let zone_of = |k: usize| ZONES[k % 3];

    // Cluster-scoped basics.
    let mut w = ListWriter::kube(dir, "storageclasses.json");
    w.push(&json!({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
        "metadata": {"name": "gp3", "uid": uid(1, 0), "creationTimestamp": T0,
            "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
        "provisioner": "ebs.csi.aws.com", "parameters": {"type": "gp3", "csi.storage.k8s.io/fstype": "ext4"},
        "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer", "allowVolumeExpansion": true}));
    w.finish();
    let mut w = ListWriter::kube(dir, "csidrivers.json");
    w.push(&json!({"apiVersion": "storage.k8s.io/v1", "kind": "CSIDriver",
        "metadata": {"name": "ebs.csi.aws.com", "uid": uid(2, 0), "creationTimestamp": T0},
        "spec": {"attachRequired": true, "podInfoOnMount": false, "fsGroupPolicy": "ReadWriteOnceWithFSType"}}));
    w.finish();

    // What the attach/detach controller records on each node: the volumes whose
    // VolumeAttachment is attached (see the pod loop below for the cases).
    let va_attached = |i: usize| !matches!(i % 100, 0 | 1 | 4 | 5 | 6 | 7);
    let mut wn = ListWriter::kube(dir, "nodes.json");
    let mut wc = ListWriter::kube(dir, "csinodes.json");
    for k in 0..nodes {
        let name = node_name(k);
        let zone = zone_of(k);
        let attached: Vec<Value> = (k * PODS_PER_NODE..n.min((k + 1) * PODS_PER_NODE))
            .filter(|&i| va_attached(i))
            .map(|i| json!({"name": format!("kubernetes.io/csi/ebs.csi.aws.com^{}", vol_id(i)), "devicePath": ""}))
            .collect();
        wn.push(&json!({"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "uid": uid(3, k), "creationTimestamp": T0,
                "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": "m5.4xlarge",
                    "topology.kubernetes.io/region": "us-east-1", "topology.kubernetes.io/zone": zone,
                    "topology.ebs.csi.aws.com/zone": zone, "eks.amazonaws.com/nodegroup": "stateful"}},
            "spec": {"providerID": format!("aws:///{zone}/{}", inst_id(k))},
            "status": {"capacity": {"cpu": "16", "memory": "64Gi", "pods": "110"},
                "allocatable": {"cpu": "15890m", "memory": "62Gi", "pods": "110"},
                "conditions": [{"type": "Ready", "status": "True", "reason": "KubeletReady", "lastHeartbeatTime": NOW, "lastTransitionTime": T0}],
                "nodeInfo": {"kubeletVersion": "v1.36.3", "osImage": "Amazon Linux 2023", "containerRuntimeVersion": "containerd://2.1.0"},
                "volumesAttached": attached}}));
        wc.push(&json!({"apiVersion": "storage.k8s.io/v1", "kind": "CSINode",
            "metadata": {"name": name, "uid": uid(4, k), "creationTimestamp": T0},
            "spec": {"drivers": [{"name": "ebs.csi.aws.com", "nodeID": inst_id(k), "allocatable": {"count": 25},
                "topologyKeys": ["kubernetes.io/os", "topology.ebs.csi.aws.com/zone", "topology.kubernetes.io/zone"]}]}}));
    }
    wn.finish();
    wc.finish();

    let mut pods = ListWriter::kube(dir, "pods.json");
    let mut pvcs = ListWriter::kube(dir, "pvcs.json");
    let mut pvs = ListWriter::kube(dir, "pvs.json");
    let mut vas = ListWriter::kube(dir, "volumeattachments.json");
    let mut events = ListWriter::kube(dir, "events.json");
    let mut vols = ListWriter::open(dir, "ec2-volumes.json", "{\"Volumes\":[\n", "]}\n");
    // Which volumes sit on which instance, for the instances' block-device mappings.
    let mut on_node: Vec<Vec<String>> = vec![Vec::new(); nodes];
    // The kubelet's per-pod volume stats, by node.
    let mut stats_of_node: Vec<Vec<Value>> = vec![Vec::new(); nodes];
    let mut ev = 0usize;
    let mut event = |w: &mut ListWriter,
                     ns: &str,
                     kind: &str,
                     name: &str,
                     reason: &str,
                     ty: &str,
                     msg: &str,
                     count: u32,
                     source: &str| {
        ev += 1;
        w.push(&json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": format!("{name}.{ev:016x}"), "namespace": ns, "uid": uid(9, ev), "creationTimestamp": T0},
            "involvedObject": {"kind": kind, "namespace": ns, "name": name, "apiVersion": "v1"},
            "reason": reason, "message": msg, "type": ty, "count": count,
            "firstTimestamp": T0, "lastTimestamp": NOW, "source": {"component": source}, "reportingComponent": source}));
    };

    for i in 0..n {
        let ns = if shape.one_namespace {
            BIG_NS.to_string()
        } else {
            format!("team-{:03}", i / 100)
        };
        let pod = format!("db-{i}");
        let claim = format!("data-db-{i}");
        let pv = format!("pvc-{}", uid(7, i));
        let k = i / PODS_PER_NODE;
        let node = node_name(k);
        let zone = zone_of(k);
        let vid = vol_id(i);
        let case = i % 100;
        let class = if case == 0 { "gp3-fast" } else { "gp3" };
        let bound = !matches!(case, 0 | 1 | 6);
        let lost = case == 5;
        let released = case == 7;
        let has_pod = case != 6 && !released;
        let running = bound && !lost && !matches!(case, 2 | 4);

        // The claim (for a Released PV, the claim is gone).
        if !released {
            let mut spec = json!({"accessModes": ["ReadWriteOnce"], "storageClassName": class,
                "resources": {"requests": {"storage": "20Gi"}}, "volumeMode": "Filesystem"});
            if bound {
                spec["volumeName"] = json!(pv);
            }
            let phase = if lost {
                "Lost"
            } else if bound {
                "Bound"
            } else {
                "Pending"
            };
            let mut status = json!({"phase": phase});
            if bound && !lost {
                status["accessModes"] = json!(["ReadWriteOnce"]);
                status["capacity"] = json!({"storage": "20Gi"});
            }
            let mut claim_obj = json!({"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                "metadata": {"name": claim, "namespace": ns, "uid": uid(6, i), "creationTimestamp": T0,
                    "labels": {"app": "db", "shard": format!("s{}", i % 8)},
                    "annotations": {"pv.kubernetes.io/bind-completed": "yes", "volume.kubernetes.io/storage-provisioner": "ebs.csi.aws.com",
                        "volume.kubernetes.io/selected-node": node},
                    "finalizers": ["kubernetes.io/pvc-protection"]},
                "spec": spec, "status": status});
            if case == 6 {
                // No pod was ever scheduled for it: the scheduler never selected a node.
                claim_obj["metadata"]["annotations"]
                    .as_object_mut()
                    .map(|a| a.remove("volume.kubernetes.io/selected-node"));
            }
            pvcs.push(&claim_obj);
        }
        if case == 1 {
            event(&mut events, &ns, "PersistentVolumeClaim", &claim, "ProvisioningFailed", "Warning",
                &format!("failed to provision volume with StorageClass \"gp3\": rpc error: code = Internal desc = Could not create volume \"{pv}\": could not create volume in EC2: UnauthorizedOperation: You are not authorized to perform this operation. User: arn:aws:sts::111122223333:assumed-role/ebs-csi/i-0 is not authorized to perform: ec2:CreateVolume"),
                14, "ebs.csi.aws.com_ebs-csi-controller-0");
        }

        // The PV and its EBS volume (for a Lost claim, the PV is gone).
        if (bound && !lost) || released {
            let phase = if released { "Released" } else { "Bound" };
            pvs.push(&json!({"apiVersion": "v1", "kind": "PersistentVolume",
                "metadata": {"name": pv, "uid": uid(8, i), "creationTimestamp": T0,
                    "annotations": {"pv.kubernetes.io/provisioned-by": "ebs.csi.aws.com", "volume.kubernetes.io/provisioner-deletion-secret-name": "", "volume.kubernetes.io/provisioner-deletion-secret-namespace": ""},
                    "finalizers": ["external-provisioner.volume.kubernetes.io/finalizer", "kubernetes.io/pv-protection"]},
                "spec": {"accessModes": ["ReadWriteOnce"], "capacity": {"storage": "20Gi"},
                    "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "namespace": ns, "name": claim, "uid": uid(6, i)},
                    "csi": {"driver": "ebs.csi.aws.com", "fsType": "ext4", "volumeHandle": vid,
                        "volumeAttributes": {"storage.kubernetes.io/csiProvisionerIdentity": "1700000000000-8081-ebs.csi.aws.com"}},
                    "nodeAffinity": {"required": {"nodeSelectorTerms": [{"matchExpressions": [{"key": "topology.kubernetes.io/zone", "operator": "In", "values": [zone]}]}]}},
                    "persistentVolumeReclaimPolicy": if released { "Retain" } else { "Delete" }, "storageClassName": "gp3", "volumeMode": "Filesystem"},
                "status": {"phase": phase, "lastPhaseTransitionTime": T0}}));
            let attached = !released && case != 4;
            if case != 3 {
                let mut v = json!({"VolumeId": vid, "AvailabilityZone": zone, "State": if attached { "in-use" } else { "available" },
                    "Size": 20, "VolumeType": "gp3", "Iops": 3000, "Throughput": 125, "Encrypted": true, "MultiAttachEnabled": false,
                    "CreateTime": "2026-11-20T08:00:05.000Z",
                    "Tags": [{"Key": "CSIVolumeName", "Value": pv}, {"Key": "ebs.csi.aws.com/cluster", "Value": "true"},
                        {"Key": "kubernetes.io/created-for/pv/name", "Value": pv},
                        {"Key": "kubernetes.io/created-for/pvc/name", "Value": claim},
                        {"Key": "kubernetes.io/created-for/pvc/namespace", "Value": ns}],
                    "Attachments": []});
                if attached {
                    v["Attachments"] = json!([{"VolumeId": vid, "InstanceId": inst_id(k), "Device": "/dev/xvdaa", "State": "attached",
                        "DeleteOnTermination": false, "AttachTime": "2026-11-20T08:01:00.000Z"}]);
                    on_node[k].push(vid.clone());
                }
                vols.push(&v);
            }
            if !released {
                let mut status = json!({"attached": case != 4});
                if case == 4 {
                    status["attachError"] = json!({"time": NOW, "message": format!("rpc error: code = Internal desc = Could not attach volume \"{vid}\" to node \"{}\": IncorrectState: vol is in state 'creating'", inst_id(k))});
                } else {
                    status["attachmentMetadata"] = json!({"devicePath": "/dev/xvdaa"});
                }
                vas.push(&json!({"apiVersion": "storage.k8s.io/v1", "kind": "VolumeAttachment",
                    "metadata": {"name": format!("csi-{:064x}", i), "uid": uid(10, i), "creationTimestamp": T0,
                        "annotations": {"csi.alpha.kubernetes.io/node-id": inst_id(k)}, "finalizers": ["external-attacher/ebs-csi-aws-com"]},
                    "spec": {"attacher": "ebs.csi.aws.com", "nodeName": node, "source": {"persistentVolumeName": pv}},
                    "status": status}));
            }
        }

        // The pod.
        if has_pod {
            let scheduled = bound && !lost;
            let phase = if running { "Running" } else { "Pending" };
            let mut spec = json!({
                "containers": [{"name": "db", "image": "postgres:17.2", "imagePullPolicy": "IfNotPresent",
                    "ports": [{"containerPort": 5432, "name": "pg", "protocol": "TCP"}],
                    "resources": {"limits": {"memory": "2Gi"}, "requests": {"cpu": "500m", "memory": "2Gi"}},
                    "env": [{"name": "PGDATA", "value": "/var/lib/postgresql/data/pgdata"}],
                    "volumeMounts": [{"mountPath": "/var/lib/postgresql/data", "name": "data"},
                        {"mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "name": "kube-api-access", "readOnly": true}],
                    "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}],
                "dnsPolicy": "ClusterFirst", "enableServiceLinks": true, "hostname": pod, "subdomain": "db",
                "restartPolicy": "Always", "schedulerName": "default-scheduler", "securityContext": {"fsGroup": 999},
                "serviceAccountName": "default", "terminationGracePeriodSeconds": 30,
                "tolerations": [{"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300}],
                "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}},
                    {"name": "kube-api-access", "projected": {"defaultMode": 420, "sources": [
                        {"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}},
                        {"configMap": {"name": "kube-root-ca.crt", "items": [{"key": "ca.crt", "path": "ca.crt"}]}}]}}]});
            if scheduled {
                spec["nodeName"] = json!(node);
            }
            let mut status = json!({"phase": phase, "qosClass": "Burstable",
                "conditions": [{"type": "PodScheduled", "status": if scheduled { "True" } else { "False" }, "lastTransitionTime": T0}]});
            if running {
                status["conditions"] = json!([{"type": "Initialized", "status": "True", "lastTransitionTime": T0},
                    {"type": "Ready", "status": "True", "lastTransitionTime": T0},
                    {"type": "ContainersReady", "status": "True", "lastTransitionTime": T0},
                    {"type": "PodScheduled", "status": "True", "lastTransitionTime": T0}]);
                status["hostIP"] = json!(format!("10.0.{}.{}", k / 250, k % 250));
                status["podIP"] = json!(format!("10.1.{}.{}", i / 250, i % 250));
                status["startTime"] = json!(T0);
                status["containerStatuses"] = json!([{"name": "db", "image": "postgres:17.2", "imageID": "docker.io/library/postgres@sha256:0123456789abcdef",
                    "containerID": format!("containerd://{:064x}", i), "ready": true, "restartCount": 0, "started": true,
                    "state": {"running": {"startedAt": T0}}}]);
            } else if scheduled {
                status["containerStatuses"] = json!([{"name": "db", "image": "postgres:17.2", "imageID": "", "ready": false, "restartCount": 0,
                    "state": {"waiting": {"reason": "ContainerCreating"}}}]);
            }
            pods.push(&json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": pod, "namespace": ns, "uid": uid(5, i), "creationTimestamp": T0, "generateName": "db-",
                    "labels": {"app": "db", "controller-revision-hash": "db-6d4f8b7c9", "statefulset.kubernetes.io/pod-name": pod,
                        "apps.kubernetes.io/pod-index": i.to_string()},
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "StatefulSet", "name": "db", "uid": uid(11, i / 100), "controller": true, "blockOwnerDeletion": true}],
                    "managedFields": managed_fields("kube-controller-manager")},
                "spec": spec, "status": status}));
            if running && shape.kubelet_stats {
                const GI: u64 = 1024 * 1024 * 1024;
                let cap = 20 * GI;
                let used = if case == 8 {
                    cap / 1000 * 995
                } else {
                    cap / 10 * 4
                };
                stats_of_node[k].push(json!({
                    "podRef": {"name": pod, "namespace": ns, "uid": uid(5, i)},
                    "startTime": T0,
                    "volume": [
                        {"time": NOW, "availableBytes": cap - used, "capacityBytes": cap, "usedBytes": used,
                         "inodesFree": 1_300_000 - 2_000, "inodes": 1_310_720, "inodesUsed": 2_000, "name": "data",
                         "pvcRef": {"name": claim, "namespace": ns}},
                        {"time": NOW, "availableBytes": 8_000_000_000u64, "capacityBytes": 8_000_000_000u64, "usedBytes": 12_288,
                         "inodesFree": 1_000_000, "inodes": 1_000_009, "inodesUsed": 9, "name": "kube-api-access"}]}));
            }
            if scheduled {
                event(
                    &mut events,
                    &ns,
                    "Pod",
                    &pod,
                    "Scheduled",
                    "Normal",
                    &format!("Successfully assigned {ns}/{pod} to {node}"),
                    1,
                    "default-scheduler",
                );
            }
            if running {
                event(
                    &mut events,
                    &ns,
                    "Pod",
                    &pod,
                    "SuccessfulAttachVolume",
                    "Normal",
                    &format!("AttachVolume.Attach succeeded for volume \"{pv}\" "),
                    1,
                    "attachdetach-controller",
                );
            }
            if case == 2 {
                event(&mut events, &ns, "Pod", &pod, "FailedMount", "Warning",
                    "Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[kube-api-access data]: timed out waiting for the condition",
                    37, "kubelet");
            }
            if case == 4 {
                event(&mut events, &ns, "Pod", &pod, "FailedAttachVolume", "Warning",
                    &format!("AttachVolume.Attach failed for volume \"{pv}\" : rpc error: code = Internal desc = Could not attach volume \"{vid}\" to node \"{}\": IncorrectState", inst_id(k)),
                    12, "attachdetach-controller");
            }
        }
    }
    // Orphans: available, tagged for Kubernetes, backing no PV.
    for j in 0..n / 100 {
        let vid = format!("vol-0{:016x}", 0x0bad_0000_0000u64 + j as u64);
        let (size, ty, iops) = [(20, "gp3", 3000), (100, "gp2", 300), (500, "io1", 1000)][j % 3];
        vols.push(&json!({"VolumeId": vid, "AvailabilityZone": ZONES[j % 3], "State": "available",
            "Size": size, "VolumeType": ty, "Iops": iops,
            "Encrypted": true, "MultiAttachEnabled": false, "CreateTime": "2026-06-01T00:00:00.000Z",
            "Tags": [{"Key": "CSIVolumeName", "Value": format!("pvc-old-{j}")}, {"Key": "ebs.csi.aws.com/cluster", "Value": "true"},
                {"Key": "kubernetes.io/created-for/pvc/name", "Value": format!("data-old-{j}")},
                {"Key": "kubernetes.io/created-for/pvc/namespace", "Value": "retired"}],
            "Attachments": []}));
    }
    pods.finish();
    pvcs.finish();
    pvs.finish();
    vas.finish();
    events.finish();
    vols.finish();

    let mut w = ListWriter::open(
        dir,
        "ec2-instances.json",
        "{\"Reservations\":[{\"Instances\":[\n",
        "]}]}\n",
    );
    for (k, vols) in on_node.iter().enumerate() {
        let mut bdm = vec![
            json!({"DeviceName": "/dev/xvda", "Ebs": {"VolumeId": format!("vol-0{:016x}", 0x7007_0000_0000u64 + k as u64), "Status": "attached", "DeleteOnTermination": true}}),
        ];
        bdm.extend(vols.iter().map(|v| json!({"DeviceName": "/dev/xvdaa", "Ebs": {"VolumeId": v, "Status": "attached", "DeleteOnTermination": false}})));
        w.push(&json!({"InstanceId": inst_id(k), "InstanceType": "m5.4xlarge", "Placement": {"AvailabilityZone": zone_of(k)},
            "State": {"Code": 16, "Name": "running"}, "BlockDeviceMappings": bdm,
            "NetworkInterfaces": [{"NetworkInterfaceId": format!("eni-0{:016x}", k)}],
            "Tags": [{"Key": "Name", "Value": node_name(k)}]}));
    }
    w.finish();

    if shape.kubelet_stats {
        // `kubectl get --raw /api/v1/nodes/NODE/proxy/stats/summary` for every node, concatenated.
        let mut out = BufWriter::new(File::create(dir.join("kubelet-stats.json")).expect("create"));
        for (k, pods) in stats_of_node.into_iter().enumerate() {
            let summary = json!({"node": {"nodeName": node_name(k), "startTime": T0,
                "fs": {"time": NOW, "availableBytes": 60_000_000_000u64, "capacityBytes": 85_000_000_000u64, "usedBytes": 25_000_000_000u64}},
                "pods": pods});
            serde_json::to_writer(&mut out, &summary).expect("write");
            out.write_all(b"\n").expect("write");
        }
        out.flush().expect("flush");
    }
}
