//! The scenarios, one function each. The comment on each says which component wrote what.

use crate::bed::{
    self, apply, check, contains_all, create_volume, kubectl, namespace, storage, wait_event,
    wait_field, wait_va, Bed, Res,
};
use crate::Scenario;

pub const PHASE_NO_DRIVER: &[Scenario] = &[Scenario {
    name: "seed_no_ebs_driver",
    run: seed_no_ebs_driver,
}];

pub const PHASE_PARALLEL: &[Scenario] = &[
    Scenario {
        name: "healthy_dynamic_volume",
        run: healthy_dynamic_volume,
    },
    Scenario {
        name: "zone_mismatch",
        run: zone_mismatch,
    },
    Scenario {
        name: "storageclass_missing",
        run: storageclass_missing,
    },
    Scenario {
        name: "pvc_missing",
        run: pvc_missing,
    },
    Scenario {
        name: "no_matching_pv",
        run: no_matching_pv,
    },
    Scenario {
        name: "multi_attach",
        run: multi_attach,
    },
    Scenario {
        name: "attach_error_and_volume_not_found",
        run: attach_error,
    },
    Scenario {
        name: "fs_type_mismatch",
        run: fs_type_mismatch,
    },
    Scenario {
        name: "claim_lost",
        run: claim_lost,
    },
    Scenario {
        name: "rbac_readonly_and_events_forbidden",
        run: rbac,
    },
    Scenario {
        name: "plugin_discovery",
        run: plugin_discovery,
    },
    Scenario {
        name: "import_ebs_binds_and_schedules",
        run: crate::import_ebs::binds_and_schedules,
    },
    Scenario {
        name: "import_ebs_half_way_refusals_and_rbac",
        run: crate::import_ebs::half_way_refusals_and_rbac,
    },
];

pub const PHASE_NODE_WIDE: &[Scenario] = &[Scenario {
    name: "attach_limit_reached",
    run: attach_limit,
}];

fn class_name(id: &str) -> String {
    format!("e2e-gp3-{id}")
}

const CONTAINER: &str = "containers: [{name: c, image: busybox}]";

/// A static, pre-bound CSI PV and its claim (what `import-ebs` or a hand-made PV looks like).
fn static_pv(
    ns: &str,
    pv: &str,
    claim: &str,
    volume: &str,
    size: &str,
    zone: Option<&str>,
) -> String {
    let affinity = zone
        .map(|z| format!("\n  nodeAffinity:\n    required:\n      nodeSelectorTerms: [{{matchExpressions: [{{key: topology.kubernetes.io/zone, operator: In, values: [{z}]}}]}}]"))
        .unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: {pv}}}\nspec:\n  capacity: {{storage: {size}}}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Retain\n  storageClassName: \"\"\n  claimRef: {{namespace: {ns}, name: {claim}}}\n  csi: {{driver: ebs.csi.aws.com, volumeHandle: {volume}, fsType: ext4}}{affinity}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {claim}, namespace: {ns}}}\nspec: {{accessModes: [ReadWriteOnce], storageClassName: \"\", volumeName: {pv}, resources: {{requests: {{storage: {size}}}}}}}\n"
    )
}

fn pod(ns: &str, name: &str, claim: &str, node_selector: Option<(&str, &str)>) -> String {
    let sel = node_selector
        .map(|(k, v)| format!("\n  nodeSelector: {{{k}: {v}}}"))
        .unwrap_or_default();
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:{sel}\n  {CONTAINER}\n  volumes: [{{name: data, persistentVolumeClaim: {{claimName: {claim}}}}}]\n"
    )
}

/// The seed scenario on a cluster without the EBS CSI driver: in-tree class `slow` (io1, zone
/// us-east-1d), MySQL pod. Real PV controller (ExternalProvisioning) and scheduler (unbound
/// immediate claims) write the evidence.
fn seed_no_ebs_driver(_bed: &Bed, id: &str) -> Res {
    let ns = namespace("seed", id)?;
    apply(&format!(
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: slow-{id}}}\nprovisioner: kubernetes.io/aws-ebs\nparameters: {{type: io1, iopsPerGB: \"10\", fsType: ext4, zones: us-east-1d}}\nvolumeBindingMode: Immediate\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: task-pvc, namespace: {ns}}}\nspec: {{accessModes: [ReadWriteOnce], storageClassName: slow-{id}, resources: {{requests: {{storage: 100Gi}}}}}}\n---\n{}",
        pod(&ns, "task-pod", "task-pvc", None)
    ))?;
    wait_event(
        &ns,
        "PersistentVolumeClaim",
        "task-pvc",
        "ExternalProvisioning",
        "ebs.csi.aws.com",
    )?;
    wait_event(
        &ns,
        "Pod",
        "task-pod",
        "FailedScheduling",
        "unbound immediate PersistentVolumeClaims",
    )?;
    let out = storage(&["why", "pod/task-pod", "-n", &ns])?;
    check(out.code == 1, || format!("exit {} (want 1)", out.code))?;
    check(
        out.codes().first().map(String::as_str) == Some("provisioner-missing"),
        || format!("root cause first: {:?}", out.codes()),
    )?;
    let pm = out.finding("provisioner-missing")?;
    contains_all(
        "provisioner-missing",
        &pm.to_string(),
        &["ebs.csi.aws.com", "ExternalProvisioning", "0 of 3 nodes"],
    )?;
    let zm = out.finding("zone-mismatch")?;
    contains_all(
        "zone-mismatch",
        zm["message"].as_str().unwrap_or_default(),
        &[
            "us-east-1d",
            "us-east-1a ×1",
            "us-east-1b ×1",
            "us-east-1c ×1",
        ],
    )?;
    check(
        out.finding("legacy-aws-ebs-provisioner")?["severity"] == "warning",
        || "legacy is a warning".into(),
    )
}

/// A cluster without the EBS CSI driver: no node registers it, no CSIDriver object (the state a
/// fresh bed starts in; also restores it on a reused bed).
pub fn uninstall_driver(bed: &Bed) -> Res {
    for n in &bed.nodes {
        bed.sim("kubelet-sim", &["driver", &n.name, "--unregister"])?;
    }
    kubectl(&[
        "delete",
        "csidriver",
        "ebs.csi.aws.com",
        "--ignore-not-found",
    ])
    .map(|_| ())
}

/// "Installs" the EBS CSI driver: the node plugin registers in every CSINode (kubelet-sim) and the
/// Helm chart's CSIDriver object appears; a gp3 WaitForFirstConsumer class for the scenarios.
pub fn install_driver(bed: &Bed, id: &str) -> Res {
    for n in &bed.nodes {
        bed.sim("kubelet-sim", &["driver", &n.name, "--register"])?;
    }
    apply(&format!(
        "apiVersion: storage.k8s.io/v1\nkind: CSIDriver\nmetadata: {{name: ebs.csi.aws.com}}\nspec: {{attachRequired: true, podInfoOnMount: false}}\n---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {}}}\nprovisioner: ebs.csi.aws.com\nparameters: {{type: gp3, encrypted: \"true\"}}\nallowVolumeExpansion: true\nvolumeBindingMode: WaitForFirstConsumer\n",
        class_name(id)
    ))
}

/// The whole happy path: scheduler picks a node, provisioner-sim creates the EBS volume (moto)
/// and PV, the real binder binds, the attach/detach controller creates the VolumeAttachment,
/// attacher-sim attaches in EC2, kubelet-sim reports the pod Running. No warning may appear.
fn healthy_dynamic_volume(bed: &Bed, id: &str) -> Res {
    let ns = namespace("healthy", id)?;
    apply(&format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data, namespace: {ns}}}\nspec: {{accessModes: [ReadWriteOnce], storageClassName: {}, resources: {{requests: {{storage: 10Gi}}}}}}\n---\n{}",
        class_name(id),
        pod(&ns, "app", "data", None)
    ))?;
    wait_field(
        &["pvc", "data", "-n", &ns],
        "{.metadata.annotations.volume\\.kubernetes\\.io/selected-node}",
        "the scheduler to select a node",
    )?;
    bed.sim("provisioner-sim", &["provision", "data", "-n", &ns])?;
    let pv = wait_field(
        &["pvc", "data", "-n", &ns],
        "{.spec.volumeName}",
        "the claim to bind",
    )?;
    let node = wait_field(
        &["pod", "app", "-n", &ns],
        "{.spec.nodeName}",
        "the pod to be scheduled",
    )?;
    let va = wait_va(&pv)?;
    bed.sim("attacher-sim", &["attach", &va])?;
    bed.sim("kubelet-sim", &["running", "app", "-n", &ns])?;
    bed.sim("kubelet-sim", &["in-use", &node, "--sync"])?;
    wait_field(
        &["node", &node],
        "{.status.volumesAttached[*].name}",
        "the controller to record the attachment",
    )?;
    let out = storage(&["why", "pod/app", "-n", &ns])?;
    check(out.problems().is_empty(), || {
        format!("healthy chain has problems: {:?}", out.problems())
    })?;
    check(out.code == 0, || format!("exit {}", out.code))?;
    let text = out.json["chain"].to_string();
    contains_all("chain", &text, &["in-use by i-", &node])
}

/// Static PV in us-east-1a, pod pinned to us-east-1b: the real scheduler says "didn't match
/// PersistentVolume's node affinity".
fn zone_mismatch(bed: &Bed, id: &str) -> Res {
    let ns = namespace("zone", id)?;
    let vol = create_volume("us-east-1a", 20, &[])?;
    let pv = format!("e2e-zone-{id}");
    apply(&format!(
        "{}---\n{}",
        static_pv(&ns, &pv, "data", &vol, "20Gi", Some("us-east-1a")),
        pod(
            &ns,
            "db-0",
            "data",
            Some(("topology.kubernetes.io/zone", "us-east-1b"))
        )
    ))?;
    wait_event(
        &ns,
        "Pod",
        "db-0",
        "FailedScheduling",
        "didn't match PersistentVolume's node affinity",
    )?;
    let out = storage(&["why", "db-0", "-n", &ns])?;
    let f = out.finding("zone-mismatch")?;
    check(f["object"]["kind"] == "Pod", || {
        format!("about the pod: {f}")
    })?;
    contains_all(
        "zone-mismatch",
        &f.to_string(),
        &[
            &format!("PV {pv} is in us-east-1a"),
            "us-east-1b",
            "nodeSelector topology.kubernetes.io/zone=us-east-1b",
            "didn't match PersistentVolume's node affinity",
        ],
    )?;
    check(
        out.codes().first().map(String::as_str) == Some("zone-mismatch"),
        || format!("root cause first: {:?}", out.codes()),
    )?;
    let _ = bed;
    Ok(())
}

/// A typo in the class name: the real PV controller reports ProvisioningFailed "not found".
fn storageclass_missing(_bed: &Bed, id: &str) -> Res {
    let ns = namespace("scmissing", id)?;
    let typo = class_name(id).replace("gp3", "gp4");
    apply(&format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data, namespace: {ns}}}\nspec: {{accessModes: [ReadWriteOnce], storageClassName: {typo}, resources: {{requests: {{storage: 5Gi}}}}}}\n---\n{}",
        pod(&ns, "web-0", "data", None)
    ))?;
    wait_event(
        &ns,
        "PersistentVolumeClaim",
        "data",
        "ProvisioningFailed",
        "not found",
    )?;
    let out = storage(&["why", "pod/web-0", "-n", &ns])?;
    check(
        out.codes().first().map(String::as_str) == Some("storageclass-missing"),
        || format!("root cause first: {:?}", out.codes()),
    )?;
    let f = out.finding("storageclass-missing")?;
    contains_all(
        "storageclass-missing",
        &f.to_string(),
        &[
            &typo,
            &format!("did you mean \\\"{}\\\"", class_name(id)),
            "ProvisioningFailed",
        ],
    )
}

/// The pod names a claim that was never created: the scheduler says so.
fn pvc_missing(_bed: &Bed, id: &str) -> Res {
    let ns = namespace("pvcmissing", id)?;
    apply(&pod(&ns, "api-0", "does-not-exist", None))?;
    wait_event(
        &ns,
        "Pod",
        "api-0",
        "FailedScheduling",
        "persistentvolumeclaim \"does-not-exist\" not found",
    )?;
    let out = storage(&["why", "pod/api-0", "-n", &ns])?;
    let f = out.finding("pvc-missing")?;
    contains_all("pvc-missing", &f.to_string(), &["does-not-exist"])?;
    check(out.code == 1, || format!("exit {}", out.code))
}

/// Static binding with class "": the only PV is too small. Real FailedBinding from the binder.
fn no_matching_pv(_bed: &Bed, id: &str) -> Res {
    let ns = namespace("nomatch", id)?;
    apply(&format!(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: e2e-small-{id}, labels: {{e2e: nomatch-{id}}}}}\nspec:\n  capacity: {{storage: 5Gi}}\n  accessModes: [ReadWriteOnce]\n  storageClassName: \"\"\n  persistentVolumeReclaimPolicy: Retain\n  csi: {{driver: ebs.csi.aws.com, volumeHandle: vol-0feedfacefeedface}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data, namespace: {ns}}}\nspec:\n  accessModes: [ReadWriteOnce]\n  storageClassName: \"\"\n  selector: {{matchLabels: {{e2e: nomatch-{id}}}}}\n  resources: {{requests: {{storage: 10Gi}}}}\n"
    ))?;
    wait_event(
        &ns,
        "PersistentVolumeClaim",
        "data",
        "FailedBinding",
        "no persistent volumes available",
    )?;
    let out = storage(&["why", "pvc/data", "-n", &ns, "--no-aws"])?;
    let f = out.finding("no-matching-pv")?;
    contains_all(
        "no-matching-pv",
        &f.to_string(),
        &[&format!("e2e-small-{id}"), "5Gi", "10Gi"],
    )
}

/// RWO volume in use on node 1a; a second pod lands on node 1b. The real attach/detach
/// controller emits "Multi-Attach error"; attacher-sim attached the volume in EC2 for pod a.
fn multi_attach(bed: &Bed, id: &str) -> Res {
    let ns = namespace("multi", id)?;
    let (a, b) = (
        bed.node("us-east-1a").name.clone(),
        bed.node("us-east-1b").name.clone(),
    );
    let vol = create_volume("us-east-1a", 8, &[])?;
    let pv = format!("e2e-shared-{id}");
    apply(&format!(
        "{}---\n{}",
        static_pv(&ns, &pv, "shared", &vol, "8Gi", None),
        pod(
            &ns,
            "writer-a",
            "shared",
            Some(("kubernetes.io/hostname", &a))
        )
    ))?;
    let va = wait_va(&pv)?;
    bed.sim("attacher-sim", &["attach", &va])?;
    bed.sim("kubelet-sim", &["running", "writer-a", "-n", &ns])?;
    apply(&pod(
        &ns,
        "writer-b",
        "shared",
        Some(("kubernetes.io/hostname", &b)),
    ))?;
    wait_event(
        &ns,
        "Pod",
        "writer-b",
        "FailedAttachVolume",
        "Multi-Attach error",
    )?;
    let out = storage(&["why", "pod/writer-b", "-n", &ns])?;
    let f = out.finding("multi-attach")?;
    contains_all("multi-attach", &f.to_string(), &[&a, &b, "writer-a"])
}

/// The PV names an EBS volume that does not exist. attacher-sim writes the driver's NotFound
/// attachError; the real controller turns it into FailedAttachVolume; EC2 (moto) confirms.
fn attach_error(bed: &Bed, id: &str) -> Res {
    let ns = namespace("attacherr", id)?;
    let c = bed.node("us-east-1c").name.clone();
    let pv = format!("e2e-gone-{id}");
    // A well-formed id that EC2 has never seen (unique per run: the bed may be reused).
    let missing = format!("vol-0dead{id:0>12}");
    apply(&format!(
        "{}---\n{}",
        static_pv(&ns, &pv, "data", &missing, "4Gi", None),
        pod(&ns, "job-0", "data", Some(("kubernetes.io/hostname", &c)))
    ))?;
    let va = wait_va(&pv)?;
    let _ = bed.sim("attacher-sim", &["attach", &va]);
    wait_event(&ns, "Pod", "job-0", "FailedAttachVolume", "not found")?;
    let out = storage(&["why", "pod/job-0", "-n", &ns])?;
    let nf = out.finding("ebs-volume-not-found")?;
    contains_all("ebs-volume-not-found", &nf.to_string(), &[&missing])?;
    let ae = out.finding("attach-error")?;
    contains_all("attach-error", &ae.to_string(), &["not found"])
}

/// The device already holds xfs; the PV says ext4. kubelet-sim writes kubelet's FailedMount.
fn fs_type_mismatch(bed: &Bed, id: &str) -> Res {
    let ns = namespace("fstype", id)?;
    let a = bed.node("us-east-1a").name.clone();
    let vol = create_volume("us-east-1a", 16, &[])?;
    let pv = format!("e2e-xfs-{id}");
    apply(&format!(
        "{}---\n{}",
        static_pv(&ns, &pv, "data", &vol, "16Gi", Some("us-east-1a")),
        pod(&ns, "pg-0", "data", Some(("kubernetes.io/hostname", &a)))
    ))?;
    let va = wait_va(&pv)?;
    bed.sim("attacher-sim", &["attach", &va])?;
    bed.sim("kubelet-sim", &["container-creating", "pg-0", "-n", &ns])?;
    let mount =
        format!("/var/lib/kubelet/plugins/kubernetes.io/csi/ebs.csi.aws.com/{id}/globalmount");
    let err = format!(
        "rpc error: code = Internal desc = could not format \"/dev/nvme1n1\" and mount it at \"{mount}\": mount failed: exit status 32\nMounting command: mount\nMounting arguments: -t ext4 -o defaults /dev/nvme1n1 {mount}\nOutput: mount: {mount}: wrong fs type, bad option, bad superblock on /dev/nvme1n1, missing codepage or helper program, or other error."
    );
    bed.sim(
        "kubelet-sim",
        &["mount-failed", "pg-0", "-n", &ns, "--error", &err],
    )?;
    let out = storage(&["why", "pod/pg-0", "-n", &ns])?;
    let f = out.finding("fs-type-mismatch")?;
    contains_all(
        "fs-type-mismatch",
        &f.to_string(),
        &[&pv, "ext4", "/dev/nvme1n1"],
    )?;
    check(!out.codes().contains(&"mount-failed".to_string()), || {
        format!("wrong fs type is reported once: {:?}", out.codes())
    })
}

/// The bound PV is deleted out from under its claim: the binder marks the claim Lost.
fn claim_lost(bed: &Bed, id: &str) -> Res {
    let ns = namespace("lost", id)?;
    let vol = create_volume("us-east-1b", 3, &[])?;
    let pv = format!("e2e-lost-{id}");
    apply(&static_pv(&ns, &pv, "data", &vol, "3Gi", None))?;
    wait(&ns, "Bound")?;
    // PV protection keeps a bound PV while it is deleted; someone removing the finalizer by
    // hand is how claims get Lost in real life.
    kubectl(&["delete", "pv", &pv, "--wait=false"])?;
    kubectl(&[
        "patch",
        "pv",
        &pv,
        "--type",
        "merge",
        "-p",
        "{\"metadata\":{\"finalizers\":null}}",
    ])?;
    wait(&ns, "Lost")?;
    let out = storage(&["why", "pvc/data", "-n", &ns])?;
    let f = out.finding("claim-lost")?;
    contains_all("claim-lost", &f.to_string(), &[&pv])?;
    let _ = bed;
    Ok(())
}

fn wait(ns: &str, phase: &str) -> Res {
    bed::wait(&format!("claim data to be {phase}"), 90, || {
        kubectl(&[
            "get",
            "pvc",
            "data",
            "-n",
            ns,
            "-o",
            "jsonpath={.status.phase}",
        ])
        .ok()
        .filter(|p| p == phase)
    })
    .map(|_| ())
}

/// The read-only ClusterRole from deploy/ is enough; with events forbidden the diagnosis still
/// runs and says what it could not check.
fn rbac(_bed: &Bed, id: &str) -> Res {
    let ns = namespace("rbac", id)?;
    let role = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/deploy/rbac-readonly.yaml"
    ))
    .map_err(|e| e.to_string())?;
    apply(&role)?;
    apply(&format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data, namespace: {ns}}}\nspec: {{accessModes: [ReadWriteOnce], storageClassName: {}, resources: {{requests: {{storage: 1Gi}}}}}}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: reader, namespace: {ns}}}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: no-events, namespace: {ns}}}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: e2e-reader-{id}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubectl-storage-readonly}}\nsubjects: [{{kind: ServiceAccount, name: reader, namespace: {ns}}}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: e2e-no-events-{id}}}\nrules:\n- {{apiGroups: [\"\"], resources: [pods, persistentvolumeclaims, persistentvolumes, nodes], verbs: [get, list]}}\n- {{apiGroups: [storage.k8s.io], resources: [storageclasses, csidrivers, csinodes, volumeattachments], verbs: [get, list]}}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: e2e-no-events-{id}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: e2e-no-events-{id}}}\nsubjects: [{{kind: ServiceAccount, name: no-events, namespace: {ns}}}]\n",
        class_name(id)
    ))?;
    wait_event(
        &ns,
        "PersistentVolumeClaim",
        "data",
        "WaitForFirstConsumer",
        "waiting for first consumer",
    )?;
    let reader = format!("system:serviceaccount:{ns}:reader");
    let out = storage(&["why", "pvc/data", "-n", &ns, "--as", &reader])?;
    check(out.code == 0, || {
        format!("exit {}: {}", out.code, out.stderr)
    })?;
    out.finding("waiting-for-first-consumer")?;
    check(
        out.json["summary"]["notChecked"]
            .as_array()
            .is_some_and(|a| a.is_empty()),
        || {
            format!(
                "the read-only role reads everything: {}",
                out.json["summary"]
            )
        },
    )?;
    let limited = format!("system:serviceaccount:{ns}:no-events");
    let out = storage(&["why", "pvc/data", "-n", &ns, "--as", &limited])?;
    check(out.code == 0, || {
        format!("exit {}: {}", out.code, out.stderr)
    })?;
    let nc = out.json["summary"]["notChecked"].to_string();
    contains_all("notChecked", &nc, &["events: forbidden"])
}

/// kubectl finds the plugin on PATH and lists it (it warns, and exits 1, about unrelated PATH
/// entries it cannot read: only the listing and warnings about us matter).
fn plugin_discovery(_bed: &Bed, _id: &str) -> Res {
    let out = std::process::Command::new("kubectl")
        .args(["plugin", "list"])
        .output()
        .map_err(|e| e.to_string())?;
    let (list, warnings) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    contains_all("kubectl plugin list", &list, &["kubectl-storage"])?;
    check(
        !warnings
            .lines()
            .any(|l| l.contains("kubectl-storage") && l.contains("warning")),
        || format!("kubectl warns about the plugin: {warnings}"),
    )?;
    let v = kubectl(&["storage", "--version"])?;
    contains_all("kubectl storage --version", &v, &["kubectl-storage "])
}

/// Node 1c may hold one more EBS attachment than it has (CSINode allocatable.count, as
/// kubelet-sim registers it); the second pod pinned there gets the real scheduler's "exceed max
/// volume count".
fn attach_limit(bed: &Bed, id: &str) -> Res {
    let ns = namespace("limit", id)?;
    let c = bed.node("us-east-1c").name.clone();
    let vas = bed::get(&["volumeattachments"])?;
    let on_c = vas["items"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter(|v| v["spec"]["nodeName"] == c.as_str())
                .count()
        })
        .unwrap_or(0);
    let limit = (on_c + 1).to_string();
    bed.sim(
        "kubelet-sim",
        &["driver", &c, "--register", "--allocatable", &limit],
    )?;
    let result = (|| {
        let (v1, v2) = (
            create_volume("us-east-1c", 2, &[])?,
            create_volume("us-east-1c", 2, &[])?,
        );
        let (p1, p2) = (format!("e2e-lim1-{id}"), format!("e2e-lim2-{id}"));
        apply(&format!(
            "{}---\n{}",
            static_pv(&ns, &p1, "one", &v1, "2Gi", None),
            pod(&ns, "first", "one", Some(("kubernetes.io/hostname", &c)))
        ))?;
        let va = wait_va(&p1)?;
        bed.sim("attacher-sim", &["attach", &va])?;
        apply(&format!(
            "{}---\n{}",
            static_pv(&ns, &p2, "two", &v2, "2Gi", None),
            pod(&ns, "second", "two", Some(("kubernetes.io/hostname", &c)))
        ))?;
        wait_event(
            &ns,
            "Pod",
            "second",
            "FailedScheduling",
            "exceed max volume count",
        )?;
        let out = storage(&["why", "pod/second", "-n", &ns])?;
        let f = out.finding("attach-limit-reached")?;
        contains_all(
            "attach-limit-reached",
            &f.to_string(),
            &[
                &c,
                &format!("{limit} of {limit}"),
                "exceed max volume count",
            ],
        )
    })();
    bed.sim(
        "kubelet-sim",
        &["driver", &c, "--register", "--allocatable", "25"],
    )?;
    result
}
