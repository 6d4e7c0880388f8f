//! Patterns from real failure reports (issue 15), rebuilt on the bed: the real scheduler, PVC
//! protection and attach/detach controllers write their own part; the stand-ins write what only
//! the kubelet, the CSI sidecars or EC2 would. Each asserts the root finding's code, severity and
//! the concrete values of its message.

use crate::bed::{
    self, apply, check, contains_all, create_volume, get, kubectl, moto, namespace, storage,
    wait_event, wait_field, wait_va, Bed, Res,
};
use crate::scenarios::{class_name, running_pod_with_claim, static_pv, CONTAINER};

/// EKS Auto Mode's EBS driver: the same driver, run by AWS under another name.
const AUTO_MODE: &str = "ebs.csi.eks.amazonaws.com";

/// A pod with `spec_extra` (indented YAML lines of its spec), its one container `containers`
/// (busybox without requests when `None`) and, optionally, a claim.
fn pod_with(
    ns: &str,
    name: &str,
    claim: Option<&str>,
    spec_extra: &str,
    containers: Option<&str>,
) -> String {
    let volumes = claim
        .map(|c| {
            format!("\n  volumes: [{{name: data, persistentVolumeClaim: {{claimName: {c}}}}}]")
        })
        .unwrap_or_default();
    let containers = containers.unwrap_or(CONTAINER);
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n{spec_extra}  {containers}{volumes}\n"
    )
}

fn claim(ns: &str, name: &str, class: &str, size: &str) -> String {
    format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {name}, namespace: {ns}}}\nspec: {{accessModes: [ReadWriteOnce], storageClassName: {class}, resources: {{requests: {{storage: {size}}}}}}}\n"
    )
}

/// The root (first) finding, which must have `code` and `severity`.
fn root<'a>(out: &'a bed::Storage, code: &str, severity: &str) -> Res<&'a serde_json::Value> {
    let first = out.json["findings"]
        .as_array()
        .and_then(|a| a.first())
        .ok_or_else(|| format!("no findings (exit {}): {}", out.code, out.stderr))?;
    check(
        first["code"] == code && first["severity"] == severity,
        || {
            format!(
                "root should be {code} ({severity}); got {:?}: {}",
                out.codes(),
                first
            )
        },
    )?;
    Ok(first)
}

fn text(f: &serde_json::Value, field: &str) -> String {
    f[field].as_str().unwrap_or_default().to_string()
}

/// Zone conflict combined with capacity. An Immediate class created the volume in us-east-1a
/// before the pod was placed; the only node there is busy (a pod already placed on it requests
/// 1500m of its 1930m CPU). The real scheduler: `0/3 nodes are available: 1 Insufficient cpu,
/// 2 node(s) didn't match PersistentVolume's node affinity.` (1.33+ wording of the conflict).
pub fn zone_full_capacity(bed: &Bed, id: &str) -> Res {
    let ns = namespace("zonefull", id)?;
    let a = bed.node("us-east-1a").name.clone();
    let class = format!("e2e-gp3-now-{id}");
    apply(&format!(
        "apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {class}}}\nprovisioner: ebs.csi.aws.com\nparameters: {{type: gp3}}\nvolumeBindingMode: Immediate\n---\n{}",
        claim(&ns, "data", &class, "10Gi")
    ))?;
    bed.sim(
        "provisioner-sim",
        &["provision", "data", "-n", &ns, "--zone", "us-east-1a"],
    )?;
    let pv = wait_field(
        &["pvc", "data", "-n", &ns],
        "{.spec.volumeName}",
        "the claim to bind",
    )?;
    let result = (|| {
        apply(&pod_with(
            &ns,
            "batch",
            None,
            &format!("  nodeSelector: {{kubernetes.io/hostname: {a}}}\n"),
            Some("containers: [{name: c, image: busybox, resources: {requests: {cpu: 1500m}}}]"),
        ))?;
        wait_field(
            &["pod", "batch", "-n", &ns],
            "{.spec.nodeName}",
            "the busy pod to be placed on the zone's node",
        )?;
        apply(&pod_with(
            &ns,
            "db-0",
            Some("data"),
            "",
            Some("containers: [{name: c, image: busybox, resources: {requests: {cpu: \"1\"}}}]"),
        ))?;
        let event = wait_event(&ns, "Pod", "db-0", "FailedScheduling", "Insufficient cpu")?;
        contains_all(
            "the scheduler's event",
            &event,
            &[
                "0/3 nodes are available: 1 Insufficient cpu, 2 node(s) didn't match PersistentVolume's node affinity",
            ],
        )?;
        let out = storage(&["why", "pod/db-0", "-n", &ns])?;
        let f = root(&out, "zone-mismatch", "error")?;
        contains_all(
            "zone-mismatch",
            &text(f, "message"),
            &[
                &format!("Pod db-0 must run in us-east-1a next to PV {pv}"),
                &format!("that zone has nodes ({a})"),
                "but none has room: 1 Insufficient cpu",
                &format!("Class \"{class}\" is volumeBindingMode Immediate"),
            ],
        )?;
        contains_all(
            "zone-mismatch fix",
            &text(f, "fix"),
            &["free or add cpu in us-east-1a", "WaitForFirstConsumer"],
        )?;
        check(out.code == 1, || format!("exit {} (want 1)", out.code))
    })();
    // Free the node's CPU for whatever runs next (no kubelet: delete with grace 0).
    kubectl(&[
        "delete",
        "pod",
        "batch",
        "db-0",
        "-n",
        &ns,
        "--grace-period=0",
        "--force",
    ])?;
    result
}

/// A claim deleted while its pod runs: the real pvc-protection controller keeps it (finalizer
/// `kubernetes.io/pvc-protection`) and the real scheduler refuses a new pod naming it
/// (`persistentvolumeclaim "data" is being deleted`).
pub fn pvc_terminating(bed: &Bed, id: &str) -> Res {
    let ns = namespace("terminating", id)?;
    let (pv, _) = running_pod_with_claim(bed, id, &ns, "data", "app", "5Gi")?;
    kubectl(&["delete", "pvc", "data", "-n", &ns, "--wait=false"])?;
    wait_field(
        &["pvc", "data", "-n", &ns],
        "{.metadata.deletionTimestamp}",
        "the claim's deletionTimestamp",
    )?;
    let finalizers = wait_field(
        &["pvc", "data", "-n", &ns],
        "{.metadata.finalizers}",
        "the claim's finalizers",
    )?;
    contains_all("finalizers", &finalizers, &["kubernetes.io/pvc-protection"])?;
    apply(&pod_with(&ns, "app-2", Some("data"), "", None))?;
    wait_event(
        &ns,
        "Pod",
        "app-2",
        "FailedScheduling",
        "persistentvolumeclaim \"data\" is being deleted",
    )?;
    let out = storage(&["why", "pod/app-2", "-n", &ns])?;
    let f = root(&out, "pvc-terminating", "error")?;
    let msg = text(f, "message");
    contains_all(
        "pvc-terminating",
        &msg,
        &[
            &format!("Claim {ns}/data is being deleted"),
            "app-2",
            "need it",
        ],
    )?;
    check(
        msg.contains("pod(s) app, app-2 need it") || msg.contains("pod(s) app-2, app need it"),
        || format!("both pods named: {msg}"),
    )?;
    contains_all(
        "pvc-terminating evidence",
        &f["evidence"].to_string(),
        &[
            "kubernetes.io/pvc-protection",
            "persistentvolumeclaim \\\"data\\\" is being deleted",
        ],
    )?;
    contains_all(
        "pvc-terminating fix",
        &text(f, "fix"),
        &[
            &format!("kubectl patch pv {pv}"),
            "persistentVolumeReclaimPolicy",
            "it is Delete now",
            &format!("spec.volumeName: {pv}"),
        ],
    )
}

/// WaitForFirstConsumer: the scheduler picks node 1c (tainted `dedicated=db:NoSchedule`, which
/// the pod tolerates and the driver's node DaemonSet does not), whose CSINode lacks the driver.
/// provisioner-sim answers as external-provisioner does: `ProvisioningFailed … error generating
/// accessibility requirements: no topology key found on CSINode NODE`, keeping selected-node.
pub fn selected_node_without_driver(bed: &Bed, id: &str) -> Res {
    let ns = namespace("selnode", id)?;
    let c = bed.node("us-east-1c").name.clone();
    kubectl(&[
        "taint",
        "nodes",
        &c,
        "dedicated=db:NoSchedule",
        "--overwrite",
    ])?;
    bed.sim("kubelet-sim", &["driver", &c, "--unregister"])?;
    let result = (|| {
        apply(&format!(
            "{}---\n{}",
            claim(&ns, "data-db-0", &class_name(id), "20Gi"),
            pod_with(
                &ns,
                "db-0",
                Some("data-db-0"),
                &format!("  nodeSelector: {{kubernetes.io/hostname: {c}}}\n  tolerations: [{{key: dedicated, operator: Equal, value: db, effect: NoSchedule}}]\n"),
                None,
            )
        ))?;
        let selected = wait_field(
            &["pvc", "data-db-0", "-n", &ns],
            "{.metadata.annotations.volume\\.kubernetes\\.io/selected-node}",
            "the scheduler to select a node",
        )?;
        check(selected == c, || format!("selected {selected}, want {c}"))?;
        let refused = bed.sim("provisioner-sim", &["provision", "data-db-0", "-n", &ns]);
        check(
            refused
                .as_ref()
                .is_err_and(|e| e.contains("no topology key found on CSINode")),
            || format!("provisioner-sim must refuse: {refused:?}"),
        )?;
        let event = wait_event(
            &ns,
            "PersistentVolumeClaim",
            "data-db-0",
            "ProvisioningFailed",
            "no topology key",
        )?;
        contains_all(
            "ProvisioningFailed",
            &event,
            &[&format!(
                "failed to provision volume with StorageClass \"{}\": error generating accessibility requirements: no topology key found on CSINode {c}",
                class_name(id)
            )],
        )?;
        let out = storage(&["why", "pod/db-0", "-n", &ns])?;
        let f = root(&out, "csi-driver-not-registered", "error")?;
        check(f["object"]["name"] == c.as_str(), || {
            format!("about node {c}: {f}")
        })?;
        contains_all(
            "csi-driver-not-registered",
            &text(f, "message"),
            &[
                &format!("Node {c}, selected for claim {ns}/data-db-0, does not register CSI driver ebs.csi.aws.com (its CSINode lists no drivers)"),
                &format!("node {c} has taints dedicated=db:NoSchedule"),
                "pod db-0 tolerates dedicated=db:NoSchedule",
            ],
        )?;
        contains_all(
            "csi-driver-not-registered fix",
            &text(f, "fix"),
            &[
                "add tolerations for dedicated=db:NoSchedule",
                &format!("spec.nodeName={c}"),
            ],
        )?;
        check(
            !out.codes().iter().any(|c| c == "provisioning-failed"),
            || {
                format!(
                    "said once, not also as provisioning-failed: {:?}",
                    out.codes()
                )
            },
        )?;
        // external-provisioner v6 (the sidecar current drivers ship) words it "for node NODE".
        let refused = bed.sim_env(
            "provisioner-sim",
            &["provision", "data-db-0", "-n", &ns],
            &[("KSTOR_BED_EXTERNAL_PROVISIONER", "6.0")],
        );
        check(
            refused
                .as_ref()
                .is_err_and(|e| e.contains(&format!("no topology key found for node {c}"))),
            || format!("provisioner-sim v6 must refuse: {refused:?}"),
        )?;
        wait_event(
            &ns,
            "PersistentVolumeClaim",
            "data-db-0",
            "ProvisioningFailed",
            "no topology key found for node",
        )?;
        let out = storage(&["why", "pod/db-0", "-n", &ns])?;
        let f = root(&out, "csi-driver-not-registered", "error")?;
        contains_all(
            "csi-driver-not-registered (v6 wording)",
            &f.to_string(),
            &[
                &format!("Node {c}, selected for claim {ns}/data-db-0"),
                "2× ProvisioningFailed",
                "no topology key found for node",
            ],
        )
    })();
    kubectl(&["taint", "nodes", &c, "dedicated=db:NoSchedule-"])?;
    bed.sim("kubelet-sim", &["driver", &c, "--register"])?;
    // Nothing will provision it now: the pod must not be rescheduled onto the shared nodes.
    kubectl(&[
        "delete",
        "pod",
        "db-0",
        "-n",
        &ns,
        "--grace-period=0",
        "--force",
    ])?;
    result
}

/// A node replaced while a volume was attached: a fourth node (its own instance in moto) runs
/// db-0 with an EBS volume attached in EC2; then the instance is terminated (EC2 detaches the
/// volume), the Node object deleted (as the cloud node controller does) and the pod removed (as
/// the pod garbage collector does). The recreated db-0 on node 1a finds the VolumeAttachment
/// still naming the gone node: the real attach/detach controller reports Multi-Attach and keeps
/// the record for its 6-minute force-detach wait.
pub fn vanished_node_attachment(bed: &Bed, id: &str) -> Res {
    let ns = namespace("vanished", id)?;
    let a = bed.node("us-east-1a").name.clone();
    // A private IP of its own per run (the bed may be reused), in us-east-1a's 172.31.0.0/20.
    let host = 100 + u32::from_str_radix(id, 16).unwrap_or(0) % 150;
    let added = bed.sim(
        "seed",
        &[
            "--add-node",
            "us-east-1a",
            &format!("172.31.1.{host}"),
            "--taint",
            "kstor-e2e/replaced=true:NoSchedule",
        ],
    )?;
    let node: serde_json::Value = serde_json::from_str(added.lines().last().unwrap_or_default())
        .map_err(|e| format!("seed --add-node printed no node: {e}: {added}"))?;
    let (x, iid) = (
        node["node"].as_str().unwrap_or_default().to_string(),
        node["instanceId"].as_str().unwrap_or_default().to_string(),
    );
    let vol = create_volume("us-east-1a", 12, &[])?;
    let pv = format!("e2e-vanished-{id}");
    let toleration = "  tolerations: [{key: kstor-e2e/replaced, operator: Exists}]\n";
    apply(&format!(
        "{}---\n{}",
        static_pv(&ns, &pv, "data", &vol, "12Gi", Some("us-east-1a")),
        pod_with(
            &ns,
            "db-0",
            Some("data"),
            &format!("  nodeSelector: {{kubernetes.io/hostname: {x}}}\n{toleration}"),
            None,
        )
    ))?;
    let va = wait_va(&pv)?;
    bed.sim("attacher-sim", &["attach", &va])?;
    bed.sim("kubelet-sim", &["running", "db-0", "-n", &ns])?;
    bed.sim("kubelet-sim", &["in-use", &x, "--sync"])?;
    wait_field(
        &["node", &x],
        "{.status.volumesAttached[*].name}",
        "the controller to record the attachment",
    )?;
    // The node is replaced: EC2 terminates the instance and detaches its data volumes.
    let state = moto(&format!(
        "ec2.terminate_instances(InstanceIds=['{iid}']); \
         v = ec2.describe_volumes(VolumeIds=['{vol}'])['Volumes'][0]; \
         v['State'] == 'in-use' and ec2.detach_volume(VolumeId='{vol}', Force=True); \
         print(ec2.describe_volumes(VolumeIds=['{vol}'])['Volumes'][0]['State'])"
    ))?;
    check(state == "available", || {
        format!("EC2 should show {vol} available after the termination: {state}")
    })?;
    kubectl(&["delete", "node", &x])?;
    kubectl(&[
        "delete",
        "pod",
        "db-0",
        "-n",
        &ns,
        "--grace-period=0",
        "--force",
    ])?;
    bed::wait("the old db-0 to be gone", 60, || {
        get(&["pods", "-n", &ns])
            .ok()
            .filter(|v| v["items"].as_array().is_some_and(|a| a.is_empty()))
    })?;
    apply(&pod_with(
        &ns,
        "db-0",
        Some("data"),
        &format!("  nodeSelector: {{kubernetes.io/hostname: {a}}}\n"),
        None,
    ))?;
    wait_event(
        &ns,
        "Pod",
        "db-0",
        "FailedAttachVolume",
        "Multi-Attach error",
    )?;
    let still = wait_field(
        &["volumeattachment", &va],
        "{.spec.nodeName} {.status.attached}",
        "the stale VolumeAttachment",
    )?;
    check(still == format!("{x} true"), || {
        format!("VolumeAttachment {va} should still say attached to {x}: {still}")
    })?;
    let out = storage(&["why", "pod/db-0", "-n", &ns])?;
    // The catalog ranks the pod's Multi-Attach first (pod-level errors lead), worded for a gone
    // node; EC2's confirmation that the record is stale follows as ebs-attachment-drift.
    let m = root(&out, "multi-attach", "error")?;
    contains_all(
        "multi-attach",
        &text(m, "message"),
        &[
            &format!("PV {pv} ({vol}, RWO) is still attached to node {x} (node no longer exists)"),
            &format!("pod db-0 on {a} cannot attach it"),
        ],
    )?;
    let f = out.finding("ebs-attachment-drift")?;
    check(f["severity"] == "warning", || {
        format!("a warning, as the catalog has it: {f}")
    })?;
    contains_all(
        "ebs-attachment-drift",
        &text(f, "message"),
        &[
            &format!("VolumeAttachment {va}"),
            &format!("EBS volume {vol} (PV {pv}) is attached to node {x}"),
            &format!("node {x} no longer exists"),
            "EC2 shows the volume available",
        ],
    )?;
    for (code, fix, extra) in [
        (
            "multi-attach",
            text(m, "fix"),
            format!("then it attaches to {a}"),
        ),
        (
            "ebs-attachment-drift",
            text(f, "fix"),
            format!("spec.nodeName={x}"),
        ),
    ] {
        contains_all(
            &format!("{code} fix"),
            &fix,
            &[
                "6 minutes",
                &format!("kubectl delete volumeattachment {va}"),
                &extra,
            ],
        )?;
        check(!fix.contains("taint"), || {
            format!("{code}: a vanished node's fix, not a taint: {fix}")
        })?;
    }
    Ok(())
}

/// EKS Auto Mode: the nodes register `ebs.csi.eks.amazonaws.com` (and no `ebs.csi.aws.com`), its
/// CSIDriver object exists, the stand-ins play that driver (`KSTOR_BED_DRIVER`). A claim on an
/// Auto Mode class goes the whole way (the chain shows the EBS hop, EC2 cross-checked); a
/// chart's class naming `ebs.csi.aws.com` waits forever, and the fix names the Auto Mode driver.
pub fn eks_auto_mode(bed: &Bed, id: &str) -> Res {
    let ns = namespace("automode", id)?;
    let auto = [("KSTOR_BED_DRIVER", AUTO_MODE)];
    let zone_key = format!("topology.{AUTO_MODE}/zone");
    for n in &bed.nodes {
        bed.sim(
            "kubelet-sim",
            &["driver", &n.name, "--register", "--driver", AUTO_MODE],
        )?;
        kubectl(&[
            "label",
            "node",
            &n.name,
            &format!("{zone_key}={}", n.zone),
            "--overwrite",
        ])?;
    }
    let (auto_class, chart_class) = (format!("auto-ebs-{id}"), format!("gp2-chart-{id}"));
    let result = (|| {
        apply(&format!(
            "apiVersion: storage.k8s.io/v1\nkind: CSIDriver\nmetadata: {{name: {AUTO_MODE}}}\nspec: {{attachRequired: true, podInfoOnMount: false}}\n---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {auto_class}}}\nprovisioner: {AUTO_MODE}\nparameters: {{type: gp3, encrypted: \"true\"}}\nvolumeBindingMode: WaitForFirstConsumer\n---\napiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata: {{name: {chart_class}}}\nprovisioner: ebs.csi.aws.com\nparameters: {{type: gp2}}\nvolumeBindingMode: WaitForFirstConsumer\n---\n{}---\n{}---\n{}---\n{}",
            claim(&ns, "data", &auto_class, "8Gi"),
            pod_with(&ns, "app", Some("data"), "", None),
            claim(&ns, "chart-data", &chart_class, "8Gi"),
            pod_with(&ns, "chart", Some("chart-data"), "", None),
        ))?;
        wait_field(
            &["pvc", "data", "-n", &ns],
            "{.metadata.annotations.volume\\.kubernetes\\.io/selected-node}",
            "the scheduler to select a node",
        )?;
        bed.sim_env("provisioner-sim", &["provision", "data", "-n", &ns], &auto)?;
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
        let attacher = wait_field(&["volumeattachment", &va], "{.spec.attacher}", "the VA")?;
        check(attacher == AUTO_MODE, || {
            format!("the controller names the Auto Mode attacher: {attacher}")
        })?;
        bed.sim_env("attacher-sim", &["attach", &va], &auto)?;
        bed.sim("kubelet-sim", &["running", "app", "-n", &ns])?;
        bed.sim("kubelet-sim", &["in-use", &node, "--sync"])?;
        wait_field(
            &["node", &node],
            "{.status.volumesAttached[*].name}",
            "the controller to record the attachment",
        )?;
        let vol = wait_field(&["pv", &pv], "{.spec.csi.volumeHandle}", "the volume id")?;
        let out = storage(&["why", "pod/app", "-n", &ns])?;
        check(out.problems().is_empty() && out.code == 0, || {
            format!(
                "the Auto Mode chain is healthy: exit {} {:?}",
                out.code,
                out.problems()
            )
        })?;
        let chain = out.json["chain"].to_string();
        contains_all("Auto Mode chain", &chain, &[&vol, "in-use by i-", &node])?;

        wait_event(
            &ns,
            "PersistentVolumeClaim",
            "chart-data",
            "ExternalProvisioning",
            "ebs.csi.aws.com",
        )?;
        let out = storage(&["why", "pod/chart", "-n", &ns])?;
        let f = root(&out, "provisioner-missing", "error")?;
        contains_all(
            "provisioner-missing",
            &text(f, "message"),
            &[&format!(
                "Class \"{chart_class}\" provisions through ebs.csi.aws.com, which is not installed"
            )],
        )?;
        let fix = text(f, "fix");
        contains_all(
            "provisioner-missing fix",
            &fix,
            &["EKS Auto Mode", &format!("provisioner: {AUTO_MODE}")],
        )?;
        check(!fix.contains("add-on"), || {
            format!("not the add-on on Auto Mode: {fix}")
        })
    })();
    // Back to a cluster without any EBS driver (for the next scenario of this phase).
    kubectl(&[
        "delete",
        "pod",
        "app",
        "chart",
        "-n",
        &ns,
        "--grace-period=0",
        "--force",
    ])?;
    for n in &bed.nodes {
        bed.sim(
            "kubelet-sim",
            &["driver", &n.name, "--unregister", "--driver", AUTO_MODE],
        )?;
        kubectl(&["label", "node", &n.name, &format!("{zone_key}-")])?;
    }
    kubectl(&["delete", "csidriver", AUTO_MODE, "--ignore-not-found"])?;
    result
}
