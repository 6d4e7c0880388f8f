//! The scenarios, one function each. The comment on each says which component wrote what.

use crate::bed::{
    self, apply, check, contains_all, create_volume, kubectl, namespace, storage, storage_env,
    wait_event, wait_field, wait_va, Bed, Res,
};
use crate::Scenario;

pub const PHASE_NO_DRIVER: &[Scenario] = &[
    Scenario {
        name: "seed_no_ebs_driver",
        run: seed_no_ebs_driver,
    },
    Scenario {
        name: "eks_auto_mode",
        run: crate::real_threads::eks_auto_mode,
    },
];

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
        name: "pv_bound_to_other_claim",
        run: pv_bound_to_other_claim,
    },
    Scenario {
        name: "provisioning_failed",
        run: provisioning_failed,
    },
    Scenario {
        name: "access_mode_unsupported",
        run: access_mode_unsupported,
    },
    Scenario {
        name: "no_default_storageclass",
        run: no_default_storageclass,
    },
    Scenario {
        name: "ebs_attached_elsewhere",
        run: ebs_attached_elsewhere,
    },
    Scenario {
        name: "ebs_attachment_drift",
        run: ebs_attachment_drift,
    },
    Scenario {
        name: "bad_credentials_exit_2",
        run: bad_credentials,
    },
    Scenario {
        name: "preflight_cluster_check",
        run: preflight_cluster_check,
    },
    Scenario {
        name: "pv_released_and_failed",
        run: crate::lifecycle::pv_released_and_failed,
    },
    Scenario {
        name: "ebs_size_mismatch",
        run: crate::lifecycle::ebs_size_mismatch,
    },
    Scenario {
        name: "waiting_for_first_consumer",
        run: crate::lifecycle::waiting_for_first_consumer,
    },
    Scenario {
        name: "resize_pending_and_failed",
        run: crate::lifecycle::resize_pending_and_failed,
    },
    Scenario {
        name: "detach_stuck",
        run: crate::lifecycle::detach_stuck,
    },
    Scenario {
        name: "mount_failed",
        run: crate::lifecycle::mount_failed,
    },
    Scenario {
        name: "volume_full",
        run: crate::lifecycle::volume_full,
    },
    Scenario {
        name: "orphans_and_unclaimed",
        run: crate::lifecycle::orphans_and_unclaimed,
    },
    Scenario {
        name: "import_ebs_binds_and_schedules",
        run: crate::import_ebs::binds_and_schedules,
    },
    Scenario {
        name: "import_ebs_half_way_refusals_and_rbac",
        run: crate::import_ebs::half_way_refusals_and_rbac,
    },
    Scenario {
        name: "import_ebs_refuses_a_foreign_pv",
        run: crate::import_ebs::refuses_a_foreign_pv,
    },
    Scenario {
        name: "zone_full_capacity",
        run: crate::real_threads::zone_full_capacity,
    },
    Scenario {
        name: "pvc_terminating",
        run: crate::real_threads::pvc_terminating,
    },
];

pub const PHASE_NODE_WIDE: &[Scenario] = &[
    Scenario {
        name: "attach_limit_reached",
        run: attach_limit,
    },
    Scenario {
        name: "csi_driver_not_registered",
        run: csi_driver_not_registered,
    },
    Scenario {
        name: "multiple_default_storageclasses",
        run: crate::lifecycle::multiple_default_storageclasses,
    },
    Scenario {
        name: "selected_node_without_driver",
        run: crate::real_threads::selected_node_without_driver,
    },
    Scenario {
        name: "vanished_node_attachment",
        run: crate::real_threads::vanished_node_attachment,
    },
    Scenario {
        name: "why_watch_sees_the_fix",
        run: why_watch,
    },
    // Last: it reads what every earlier scenario left behind.
    Scenario {
        name: "scan_matches_why",
        run: scan_matches_why,
    },
];

/// `why --watch` on a claim whose class does not exist yet: the first verdict names the missing
/// class; creating it (what the user does at 3 a.m.) wakes the watch on StorageClasses, the claim
/// now just waits for its first consumer, and the command exits 0 with the healthy verdict.
fn why_watch(_bed: &Bed, id: &str) -> Res {
    use std::io::BufRead;
    let ns = namespace("watch", id)?;
    let class = format!("e2e-late-{id}");
    apply(&format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data, namespace: {ns}}}\nspec: {{accessModes: [ReadWriteOnce], storageClassName: {class}, resources: {{requests: {{storage: 1Gi}}}}}}\n"
    ))?;
    let mut child = std::process::Command::new("kubectl")
        .args([
            "storage",
            "why",
            "pvc/data",
            "-n",
            &ns,
            "--watch",
            "--timeout",
            "90s",
        ])
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| e.to_string())?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout)
            .lines()
            .map_while(Result::ok)
        {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = rx
        .recv_timeout(std::time::Duration::from_secs(60))
        .map_err(|_| "no first verdict within 60s".to_string())?;
    contains_all("first verdict", &first, &["[", "]", "data"])?;
    // Let the watches start, then fix the chain.
    std::thread::sleep(std::time::Duration::from_secs(2));
    let fixed_at = std::time::Instant::now();
    apply(&format!(
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {class}}}\nprovisioner: ebs.csi.aws.com\nparameters: {{type: gp3}}\nvolumeBindingMode: WaitForFirstConsumer\n"
    ))?;
    let status = bed::wait("the watch to exit", 60, || child.try_wait().ok().flatten());
    let _ = kubectl(&["delete", "storageclass", &class, "--wait=false"]);
    let status = status.inspect_err(|_| {
        let _ = child.kill();
    })?;
    let rest: Vec<String> = rx.try_iter().collect();
    let all = format!("{first}\n{}", rest.join("\n"));
    check(status.code() == Some(0), || {
        format!("exit {:?} after the fix: {all}", status.code())
    })?;
    check(
        fixed_at.elapsed() < std::time::Duration::from_secs(30),
        || {
            format!(
                "the fix was seen only after {:?} (a watch, not a poll)",
                fixed_at.elapsed()
            )
        },
    )?;
    contains_all("watch output", &all, &[&class, "No problems found"])?;
    let stamped = all.lines().filter(|l| l.starts_with('[')).count();
    check(stamped >= 2, || format!("two timestamped verdicts: {all}"))
}

pub fn class_name(id: &str) -> String {
    format!("e2e-gp3-{id}")
}

pub const CONTAINER: &str = "containers: [{name: c, image: busybox}]";

/// A static, pre-bound CSI PV and its claim (what `import-ebs` or a hand-made PV looks like).
pub fn static_pv(
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

pub fn pod(ns: &str, name: &str, claim: &str, node_selector: Option<(&str, &str)>) -> String {
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
    check(out.json["asOfSource"] == "server-clock", || {
        format!(
            "live ages are measured by the API server's clock: {}",
            out.json["asOfSource"]
        )
    })?;
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
    )?;
    // The next morning: the events expired, the state did not. The same root, from state alone.
    let out = next_morning(&ns, &["why", "pod/task-pod", "-n", &ns])?;
    check(out.code == 1, || format!("exit {} (want 1)", out.code))?;
    check(
        out.codes().first().map(String::as_str) == Some("provisioner-missing"),
        || format!("root cause without events: {:?}", out.codes()),
    )
}

/// The chain as found the next morning: the namespace's events gone (the API server keeps them
/// for 1 h by default) and the diagnosis an hour later (`KUBECTL_STORAGE_NOW`).
pub fn next_morning(ns: &str, args: &[&str]) -> Res<bed::Storage> {
    kubectl(&["delete", "events", "--all", "-n", ns])?;
    let later = (jiff::Timestamp::now() + jiff::SignedDuration::from_hours(1)).to_string();
    storage_env(args, &[("KUBECTL_STORAGE_NOW", &later)])
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
    let (_, node) = running_pod_with_claim(bed, id, &ns, "data", "app", "10Gi")?;
    let out = storage(&["why", "pod/app", "-n", &ns])?;
    check(out.problems().is_empty(), || {
        format!("healthy chain has problems: {:?}", out.problems())
    })?;
    check(out.code == 0, || format!("exit {}", out.code))?;
    let text = out.json["chain"].to_string();
    contains_all("chain", &text, &["in-use by i-", &node])
}

/// A claim of the scenario class and a pod using it, carried through the happy path (see
/// healthy_dynamic_volume). Returns the PV and node names.
pub fn running_pod_with_claim(
    bed: &Bed,
    id: &str,
    ns: &str,
    claim: &str,
    pod_name: &str,
    size: &str,
) -> Res<(String, String)> {
    claim_with_pod(id, ns, claim, "ReadWriteOnce", pod_name, size)?;
    bed.sim("provisioner-sim", &["provision", claim, "-n", ns])?;
    let pv = wait_field(
        &["pvc", claim, "-n", ns],
        "{.spec.volumeName}",
        "the claim to bind",
    )?;
    let node = wait_field(
        &["pod", pod_name, "-n", ns],
        "{.spec.nodeName}",
        "the pod to be scheduled",
    )?;
    let va = wait_va(&pv)?;
    bed.sim("attacher-sim", &["attach", &va])?;
    bed.sim("kubelet-sim", &["running", pod_name, "-n", ns])?;
    bed.sim("kubelet-sim", &["in-use", &node, "--sync"])?;
    wait_field(
        &["node", &node],
        "{.status.volumesAttached[*].name}",
        "the controller to record the attachment",
    )?;
    Ok((pv, node))
}

/// A claim of the scenario class (WaitForFirstConsumer) and a pod using it, once the scheduler
/// has picked the pod's node (the claim's selected-node annotation).
fn claim_with_pod(id: &str, ns: &str, claim: &str, mode: &str, pod_name: &str, size: &str) -> Res {
    apply(&format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {claim}, namespace: {ns}}}\nspec: {{accessModes: [{mode}], storageClassName: {}, resources: {{requests: {{storage: {size}}}}}}}\n---\n{}",
        class_name(id),
        pod(ns, pod_name, claim, None)
    ))?;
    wait_field(
        &["pvc", claim, "-n", ns],
        "{.metadata.annotations.volume\\.kubernetes\\.io/selected-node}",
        "the scheduler to select a node",
    )
    .map(|_| ())
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
    // EC2 confirms the cause: it is the root, said once, and the attach error is its evidence.
    check(
        out.codes().first().map(String::as_str) == Some("ebs-volume-not-found")
            && !out.codes().iter().any(|c| c == "attach-error"),
        || format!("EC2's cause first and alone: {:?}", out.codes()),
    )?;
    let nf = out.finding("ebs-volume-not-found")?;
    contains_all(
        "ebs-volume-not-found",
        &nf.to_string(),
        &[&missing, "attach-error", "not found"],
    )
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
    })?;
    forbidden_kinds_never_read_as_healthy(&ns, id)?;
    // The next morning the kubelet's event is gone: only its log names the cause now.
    let out = next_morning(&ns, &["why", "pod/pg-0", "-n", &ns])?;
    check(out.code == 1, || format!("exit {} (want 1)", out.code))?;
    let su = out.finding("stuck-unexplained")?;
    contains_all(
        "stuck-unexplained",
        &su.to_string(),
        &[
            "ContainerCreating",
            "keeps events for 1 h",
            "journalctl -u kubelet",
            &a,
        ],
    )
}

/// The documented read-only role minus events, or minus CSINodes, on a Pod stuck
/// ContainerCreating with a real FailedMount: never "No problems found", the refused kind listed.
fn forbidden_kinds_never_read_as_healthy(ns: &str, id: &str) -> Res {
    let mut yaml = String::new();
    for (who, core, storage_kinds) in [
        (
            "no-events",
            "pods, persistentvolumeclaims, persistentvolumes, nodes",
            "storageclasses, csidrivers, csinodes, volumeattachments",
        ),
        (
            "no-csinodes",
            "pods, persistentvolumeclaims, persistentvolumes, nodes, events",
            "storageclasses, csidrivers, volumeattachments",
        ),
    ] {
        yaml.push_str(&format!(
            "apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: {who}, namespace: {ns}}}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: e2e-{who}-{id}}}\nrules:\n- {{apiGroups: [\"\"], resources: [{core}], verbs: [get, list]}}\n- {{apiGroups: [storage.k8s.io], resources: [{storage_kinds}], verbs: [get, list]}}\n- {{apiGroups: [events.k8s.io], resources: [events], verbs: [get, list]}}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: e2e-{who}-{id}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: e2e-{who}-{id}}}\nsubjects: [{{kind: ServiceAccount, name: {who}, namespace: {ns}}}]\n---\n"
        ));
    }
    apply(&yaml)?;
    for (who, refused, root) in [
        ("no-events", "events: forbidden", "stuck-unexplained"),
        ("no-csinodes", "csinodes: forbidden", "fs-type-mismatch"),
    ] {
        let user = format!("system:serviceaccount:{ns}:{who}");
        for cmd in [vec!["why", "pod/pg-0"], vec!["scan"]] {
            let mut args = cmd.clone();
            args.extend(["-n", ns, "--as", &user]);
            let out = storage(&args)?;
            check(out.code == 1, || {
                format!("{who} {cmd:?}: exit {} (want 1): {}", out.code, out.stderr)
            })?;
            check(out.codes().iter().any(|c| c == root), || {
                format!("{who} {cmd:?}: want {root}: {:?}", out.codes())
            })?;
            contains_all(
                &format!("{who} {cmd:?} notChecked"),
                &out.json["summary"]["notChecked"].to_string(),
                &[refused],
            )?;
        }
    }
    Ok(())
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
    contains_all("notChecked", &nc, &["events: forbidden"])?;
    scan_with_namespace_rights(&ns, id)
}

/// `scan -A` by someone who may read pods and claims in one namespace only (a RoleBinding) but
/// may list namespaces: each namespace is read on its own, the refused ones are listed as not
/// checked, and the readable one is still diagnosed.
fn scan_with_namespace_rights(ns: &str, id: &str) -> Res {
    apply(&format!(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: ns-only, namespace: {ns}}}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {{name: ns-reader, namespace: {ns}}}\nrules:\n- {{apiGroups: [\"\"], resources: [pods, persistentvolumeclaims, events], verbs: [get, list]}}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {{name: ns-reader, namespace: {ns}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: Role, name: ns-reader}}\nsubjects: [{{kind: ServiceAccount, name: ns-only, namespace: {ns}}}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {{name: e2e-cluster-kinds-{id}}}\nrules:\n- {{apiGroups: [\"\"], resources: [namespaces, persistentvolumes, nodes], verbs: [get, list]}}\n- {{apiGroups: [storage.k8s.io], resources: [storageclasses, csidrivers, csinodes, volumeattachments], verbs: [get, list]}}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: e2e-cluster-kinds-{id}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: e2e-cluster-kinds-{id}}}\nsubjects: [{{kind: ServiceAccount, name: ns-only, namespace: {ns}}}]\n"
    ))?;
    let who = format!("system:serviceaccount:{ns}:ns-only");
    let out = storage(&["scan", "-A", "--as", &who, "--fail-on", "never"])?;
    check(out.code == 0, || {
        format!("scan -A as {who}: exit {}: {}", out.code, out.stderr)
    })?;
    let nc = out.json["summary"]["notChecked"].to_string();
    contains_all(
        "notChecked",
        &nc,
        &[
            "pods in namespaces ",
            "default",
            "persistentvolumeclaims in namespaces ",
        ],
    )?;
    check(
        !nc.contains(&format!("{ns},")) && !nc.contains(&format!("{ns}\"")),
        || format!("{ns} was readable but is listed as not checked: {nc}"),
    )?;
    out.finding("waiting-for-first-consumer").map(|_| ())
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

/// Node 1c may hold one EBS attachment (CSINode allocatable.count 1, as kubelet-sim registers
/// it). Two pods with EBS volumes are pinned there; the real scheduler refuses at least one with
/// "exceed max volume count" (both, when earlier scenarios already left a volume on the node).
fn attach_limit(bed: &Bed, id: &str) -> Res {
    let ns = namespace("limit", id)?;
    let c = bed.node("us-east-1c").name.clone();
    bed.sim(
        "kubelet-sim",
        &["driver", &c, "--register", "--allocatable", "1"],
    )?;
    let result = (|| {
        for (claim, pod_name) in [("one", "first"), ("two", "second")] {
            let vol = create_volume("us-east-1c", 2, &[])?;
            let pv = format!("e2e-{claim}-{id}");
            apply(&format!(
                "{}---\n{}",
                static_pv(&ns, &pv, claim, &vol, "2Gi", None),
                pod(&ns, pod_name, claim, Some(("kubernetes.io/hostname", &c)))
            ))?;
            if pod_name == "first" {
                // Attach it if it got the slot (a fresh node), so the node is really full; an
                // earlier scenario's volume may have taken the slot already (then this waits out
                // its timeout and the refusal below is what counts).
                if wait_field(
                    &["pod", "first", "-n", &ns],
                    "{.spec.nodeName}",
                    "first to be scheduled",
                )
                .is_ok()
                {
                    let va = wait_va(&pv)?;
                    bed.sim("attacher-sim", &["attach", &va])?;
                }
            }
        }
        let refused = bed::wait("a pod refused with exceed max volume count", 90, || {
            ["second", "first"]
                .into_iter()
                .find(|p| wait_event_once(&ns, p))
        })?;
        let out = storage(&["why", &format!("pod/{refused}"), "-n", &ns])?;
        let f = out.finding("attach-limit-reached")?;
        contains_all(
            "attach-limit-reached",
            &f.to_string(),
            &[&c, "allocatable.count 1", "exceed max volume count"],
        )
    })();
    bed.sim(
        "kubelet-sim",
        &["driver", &c, "--register", "--allocatable", "25"],
    )?;
    result
}

fn wait_event_once(ns: &str, pod: &str) -> bool {
    bed::get(&["events", "-n", ns]).ok().is_some_and(|v| {
        v["items"].as_array().is_some_and(|items| {
            items.iter().any(|e| {
                e["involvedObject"]["name"] == pod
                    && e["reason"] == "FailedScheduling"
                    && e["message"]
                        .as_str()
                        .unwrap_or_default()
                        .contains("exceed max volume count")
            })
        })
    })
}

/// A claim names (spec.volumeName) a PV that another claim holds: the binder's FailedBinding.
fn pv_bound_to_other_claim(_bed: &Bed, id: &str) -> Res {
    let ns = namespace("taken", id)?;
    let vol = create_volume("us-east-1a", 5, &[])?;
    let pv = format!("e2e-taken-{id}");
    apply(&static_pv(&ns, &pv, "owner", &vol, "5Gi", None))?;
    wait_field(
        &["pvc", "owner", "-n", &ns],
        "{.status.phase}",
        "the owner claim to bind",
    )?;
    apply(&format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: intruder, namespace: {ns}}}\nspec: {{accessModes: [ReadWriteOnce], storageClassName: \"\", volumeName: {pv}, resources: {{requests: {{storage: 5Gi}}}}}}\n"
    ))?;
    wait_event(
        &ns,
        "PersistentVolumeClaim",
        "intruder",
        "FailedBinding",
        "already bound to a different claim",
    )?;
    let out = storage(&["why", "pvc/intruder", "-n", &ns])?;
    let f = out.finding("pv-bound-to-other-claim")?;
    contains_all("pv-bound-to-other-claim", &f.to_string(), &[&pv, "owner"])
}

/// The driver refuses to create the volume (IAM): provisioner-sim writes external-provisioner's
/// ProvisioningFailed with the driver's error.
fn provisioning_failed(bed: &Bed, id: &str) -> Res {
    let ns = namespace("provfail", id)?;
    claim_with_pod(id, &ns, "data", "ReadWriteOnce", "app", "10Gi")?;
    let msg = "rpc error: code = Internal desc = Could not create volume \"pvc-1\": could not create volume in EC2: operation error EC2: CreateVolume, https response error StatusCode: 403, RequestID: 0e6c3a2b, api error UnauthorizedOperation: You are not authorized to perform this operation. User: arn:aws:sts::123456789012:assumed-role/eks-node-role/i-0abc is not authorized to perform: ec2:CreateVolume";
    bed.sim(
        "provisioner-sim",
        &["fail", "data", "-n", &ns, "--message", msg],
    )?;
    wait_event(
        &ns,
        "PersistentVolumeClaim",
        "data",
        "ProvisioningFailed",
        "UnauthorizedOperation",
    )?;
    let out = storage(&["why", "pod/app", "-n", &ns])?;
    let f = out.finding("provisioning-failed")?;
    contains_all(
        "provisioning-failed",
        &f.to_string(),
        &["UnauthorizedOperation", "ec2:CreateVolume"],
    )
}

/// ReadWriteMany from an EBS class: nothing will ever provision it.
fn access_mode_unsupported(_bed: &Bed, id: &str) -> Res {
    let ns = namespace("rwx", id)?;
    claim_with_pod(id, &ns, "shared", "ReadWriteMany", "web", "10Gi")?;
    let out = storage(&["why", "pvc/shared", "-n", &ns])?;
    let f = out.finding("access-mode-unsupported")?;
    contains_all(
        "access-mode-unsupported",
        &f.to_string(),
        &["RWX", &class_name(id)],
    )
}

/// No class named and none is the default: the binder waits for a class-less PV forever.
fn no_default_storageclass(_bed: &Bed, id: &str) -> Res {
    let ns = namespace("nodefault", id)?;
    apply(&format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: data, namespace: {ns}}}\nspec: {{accessModes: [ReadWriteOnce], resources: {{requests: {{storage: 7Gi}}}}}}\n"
    ))?;
    wait_event(
        &ns,
        "PersistentVolumeClaim",
        "data",
        "FailedBinding",
        "no storage class is set",
    )?;
    let out = storage(&["why", "pvc/data", "-n", &ns])?;
    out.finding("no-default-storageclass").map(|_| ())
}

/// EC2 says the volume is attached to another instance than the pod's node: someone attached
/// it by hand (boto3 here). attacher-sim then gets the driver's VolumeInUse.
fn ebs_attached_elsewhere(bed: &Bed, id: &str) -> Res {
    let ns = namespace("elsewhere", id)?;
    let (a, b) = (bed.node("us-east-1a"), bed.node("us-east-1b"));
    let vol = create_volume("us-east-1a", 6, &[])?;
    let other = &b.instance_id;
    let script = format!("import boto3; boto3.client('ec2').attach_volume(VolumeId='{vol}', InstanceId='{other}', Device='/dev/xvdf')");
    std::process::Command::new("python3")
        .args(["-c", &script])
        .output()
        .map_err(|e| e.to_string())?;
    let pv = format!("e2e-elsewhere-{id}");
    apply(&format!(
        "{}---\n{}",
        static_pv(&ns, &pv, "data", &vol, "6Gi", None),
        pod(
            &ns,
            "db-0",
            "data",
            Some(("kubernetes.io/hostname", &a.name))
        )
    ))?;
    let va = wait_va(&pv)?;
    let _ = bed.sim("attacher-sim", &["attach", &va]);
    let out = storage(&["why", "pod/db-0", "-n", &ns])?;
    let f = out.finding("ebs-attached-elsewhere")?;
    contains_all("ebs-attached-elsewhere", &f.to_string(), &[&vol, other])
}

/// A wrong token: the API server answers 401 and the tool says so in one line, exit 2.
fn bad_credentials(_bed: &Bed, id: &str) -> Res {
    let kc = std::env::var("KUBECONFIG").map_err(|e| e.to_string())?;
    let text = std::fs::read_to_string(&kc).map_err(|e| e.to_string())?;
    let bad = std::env::temp_dir().join(format!("e2e-bad-kubeconfig-{id}"));
    let re_token = text
        .lines()
        .map(|l| {
            if l.trim_start().starts_with("token:") {
                "    token: not-a-valid-token".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    std::fs::write(&bad, re_token).map_err(|e| e.to_string())?;
    let out = std::process::Command::new("kubectl")
        .args(["storage", "why", "pod/x", "-n", "default", "--kubeconfig"])
        .arg(&bad)
        .output()
        .map_err(|e| e.to_string())?;
    let _ = std::fs::remove_file(&bad);
    let err = String::from_utf8_lossy(&out.stderr);
    check(out.status.code() == Some(2), || {
        format!("exit {:?}: {err}", out.status.code())
    })?;
    contains_all("stderr", &err, &["401 Unauthorized"])?;
    check(err.lines().count() <= 2, || {
        format!("one line plus a hint: {err}")
    })
}

/// The EBS node plugin is not registered on node 1c (its CSINode lacks the driver) while a pod
/// with an EBS volume is scheduled there.
fn csi_driver_not_registered(bed: &Bed, id: &str) -> Res {
    let ns = namespace("noplugin", id)?;
    let c = bed.node("us-east-1c").name.clone();
    let vol = create_volume("us-east-1c", 3, &[])?;
    let pv = format!("e2e-noplugin-{id}");
    bed.sim("kubelet-sim", &["driver", &c, "--unregister"])?;
    let result = (|| {
        apply(&format!(
            "{}---\n{}",
            static_pv(&ns, &pv, "data", &vol, "3Gi", None),
            pod(&ns, "cache-0", "data", Some(("kubernetes.io/hostname", &c)))
        ))?;
        wait_field(
            &["pod", "cache-0", "-n", &ns],
            "{.spec.nodeName}",
            "the pod to be scheduled",
        )?;
        let out = storage(&["why", "pod/cache-0", "-n", &ns])?;
        let f = out.finding("csi-driver-not-registered")?;
        contains_all(
            "csi-driver-not-registered",
            &f.to_string(),
            &[&c, "ebs.csi.aws.com"],
        )
    })();
    bed.sim("kubelet-sim", &["driver", &c, "--register"])?;
    result
}

/// `preflight --cluster-check` against the bed: classes, CSI drivers and node zones come from the
/// real API server; the manifests are never applied. Offline, the same file reports nothing
/// about the class it cannot see.
fn preflight_cluster_check(_bed: &Bed, id: &str) -> Res {
    let typo = class_name(id).replace("gp3", "gp4");
    let manifest = format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: ok, namespace: pf-{id}}}\nspec:\n  storageClassName: {good}\n  accessModes: [ReadWriteOnce]\n  resources: {{requests: {{storage: 5Gi}}}}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: typo, namespace: pf-{id}}}\nspec:\n  storageClassName: {typo}\n  accessModes: [ReadWriteOnce]\n  resources: {{requests: {{storage: 5Gi}}}}\n---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: pf-{id}-1d}}\nprovisioner: ebs.csi.aws.com\nallowedTopologies:\n- matchLabelExpressions: [{{key: topology.kubernetes.io/zone, values: [us-east-1d]}}]\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: far, namespace: pf-{id}}}\nspec:\n  storageClassName: pf-{id}-1d\n  accessModes: [ReadWriteOnce]\n  resources: {{requests: {{storage: 5Gi}}}}\n",
        good = class_name(id),
    );
    let path = std::env::temp_dir().join(format!("kstor-e2e-preflight-{id}.yaml"));
    std::fs::write(&path, manifest).map_err(|e| e.to_string())?;
    let file = path.display().to_string();
    let offline = storage(&["preflight", "-f", &file])?;
    // Offline only the shipped class itself can be judged (pinned to one zone, Immediate).
    check(offline.codes() == ["immediate-binding-single-zone"], || {
        format!("offline, absent classes are unknown: {:?}", offline.codes())
    })?;
    let out = storage(&["preflight", "-f", &file, "--cluster-check"])?;
    let _ = std::fs::remove_file(&path);
    check(out.code == 1, || {
        format!("exit {}: {}", out.code, out.stderr)
    })?;
    let missing = out.finding("storageclass-missing")?;
    check(
        missing["object"]["name"] == "typo" && missing["location"]["line"] == 13,
        || format!("storageclass-missing on typo at line 13: {missing}"),
    )?;
    contains_all("storageclass-missing", &missing.to_string(), &[&typo])?;
    let zone = out.finding("zone-mismatch")?;
    contains_all("zone-mismatch", &zone.to_string(), &["us-east-1d"])?;
    check(
        !out.json["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|f| f["object"]["name"] == "ok"),
        || format!("no finding on the valid claim: {:?}", out.problems()),
    )
}

/// `scan -A` over everything the earlier scenarios left, against `why` on their targets: for
/// each object `why` reports about, scan reports at least the same codes on that object.
fn scan_matches_why(_bed: &Bed, id: &str) -> Res {
    let scan = storage(&["scan", "-A"])?;
    check(scan.json["schemaVersion"] == 1, || {
        format!("scan: no schemaVersion 1: {}", scan.stderr)
    })?;
    let key = |f: &serde_json::Value| {
        format!(
            "{} {}/{}/{}",
            f["code"].as_str().unwrap_or_default(),
            f["object"]["kind"].as_str().unwrap_or_default(),
            f["object"]["namespace"].as_str().unwrap_or("-"),
            f["object"]["name"].as_str().unwrap_or_default()
        )
    };
    let keys = |json: &serde_json::Value| -> std::collections::BTreeSet<String> {
        json["findings"]
            .as_array()
            .into_iter()
            .flatten()
            .map(key)
            .collect()
    };
    let mut in_scan = keys(&scan.json);
    // Some findings start at an age (e.g. provisioner-missing after 10 minutes of waiting), and
    // the scenarios' clocks run on: a finding that appeared between the scan and a `why` is
    // looked for in one more scan.
    let mut rescanned = false;
    let mut compared = 0;
    for (scenario, target) in [
        ("seed", "pod/task-pod"),
        ("zone", "pod/db-0"),
        ("scmissing", "pod/web-0"),
        ("pvcmissing", "pod/api-0"),
        ("multi", "pod/writer-b"),
        ("attacherr", "pod/job-0"),
        ("fstype", "pod/pg-0"),
        ("lost", "pvc/data"),
        ("healthy", "pod/app"),
    ] {
        let ns = format!("e2e-{scenario}-{id}");
        let why = storage(&["why", target, "-n", &ns])?;
        for f in why.json["findings"].as_array().into_iter().flatten() {
            let k = key(f);
            if !in_scan.contains(&k) && !rescanned {
                in_scan.extend(keys(&storage(&["scan", "-A"])?.json));
                rescanned = true;
            }
            check(in_scan.contains(&k), || {
                format!(
                    "why {target} -n {ns} found {k}; scan -A did not (scan has {} findings)",
                    in_scan.len()
                )
            })?;
            compared += 1;
        }
    }
    check(compared >= 8, || {
        format!("too few findings compared ({compared}): did the earlier scenarios run?")
    })?;
    let rows = scan.json["scan"]["rows"].as_array().map_or(0, Vec::len);
    check(rows > 0, || "scan -A listed no row".to_string())
}

/// Kubernetes believes the volume is attached (the external-attacher wrote attached: true) but
/// EC2 says it is `available`: attacher-sim attaches without touching EC2.
fn ebs_attachment_drift(bed: &Bed, id: &str) -> Res {
    let ns = namespace("drift", id)?;
    let a = bed.node("us-east-1a").name.clone();
    let vol = create_volume("us-east-1a", 9, &[])?;
    let pv = format!("e2e-drift-{id}");
    apply(&format!(
        "{}---\n{}",
        static_pv(&ns, &pv, "data", &vol, "9Gi", Some("us-east-1a")),
        pod(&ns, "api-0", "data", Some(("kubernetes.io/hostname", &a)))
    ))?;
    let va = wait_va(&pv)?;
    bed.sim("attacher-sim", &["attach", &va, "--no-ec2"])?;
    let out = storage(&["why", "pod/api-0", "-n", &ns])?;
    let f = out.finding("ebs-attachment-drift")?;
    contains_all("ebs-attachment-drift", &f.to_string(), &[&vol, "available"])
}
