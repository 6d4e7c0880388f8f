//! Scenarios about a volume's life after binding: released and failed PVs, expansion, a detach
//! that never finishes, size drift, orphans left in EC2, several default classes. As in
//! scenarios.rs, the real controllers act and the stand-ins write only what a kubelet or a CSI
//! sidecar would.

use crate::bed::{
    self, apply, check, contains_all, create_volume, get, kubectl, namespace, storage, storage_raw,
    wait_event, wait_field, wait_va, Bed, Res,
};
use crate::scenarios::{class_name, pod, running_pod_with_claim, static_pv};

/// A Retain PV whose claim was deleted stays Released with the old claimRef; a new claim naming
/// it waits forever (the binder's FailedBinding "already bound to a different claim"). A PV
/// with the deprecated Recycle policy fails when its claim goes: the real PV controller has no
/// recycler for CSI volumes and marks it Failed ("No recycler plugin found for the volume!").
pub fn pv_released_and_failed(_bed: &Bed, id: &str) -> Res {
    let ns = namespace("released", id)?;
    let kept = create_volume("us-east-1a", 4, &[])?;
    let recycled = create_volume("us-east-1a", 4, &[])?;
    let (pv_kept, pv_recycled) = (format!("e2e-kept-{id}"), format!("e2e-recycle-{id}"));
    apply(&format!(
        "{}---\n{}",
        static_pv(&ns, &pv_kept, "old", &kept, "4Gi", Some("us-east-1a")),
        static_pv(
            &ns,
            &pv_recycled,
            "scratch",
            &recycled,
            "4Gi",
            Some("us-east-1a")
        )
        .replace("Retain", "Recycle")
    ))?;
    for claim in ["old", "scratch"] {
        wait_phase("pvc", claim, Some(&ns), "Bound")?;
    }
    kubectl(&["delete", "pvc", "old", "scratch", "-n", &ns])?;
    wait_phase("pv", &pv_kept, None, "Released")?;
    wait_phase("pv", &pv_recycled, None, "Failed")?;
    apply(&format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: new, namespace: {ns}}}\nspec: {{accessModes: [ReadWriteOnce], storageClassName: \"\", volumeName: {pv_kept}, resources: {{requests: {{storage: 4Gi}}}}}}\n"
    ))?;
    wait_event(
        &ns,
        "PersistentVolumeClaim",
        "new",
        "FailedBinding",
        "already bound to a different claim",
    )?;
    let out = storage(&["why", "pvc/new", "-n", &ns])?;
    check(out.codes() == ["pv-released"], || {
        format!(
            "one root cause, not its FailedBinding symptom: {:?}",
            out.codes()
        )
    })?;
    let f = out.finding("pv-released")?;
    check(f["severity"] == "error", || {
        format!("a waiting claim makes it an error: {f}")
    })?;
    contains_all(
        "pv-released",
        &f.to_string(),
        &[
            &pv_kept,
            &kept,
            &format!("the deleted claim {ns}/old"),
            &format!("claim {ns}/new is waiting"),
            "remove",
            "/spec/claimRef",
        ],
    )?;
    let out = storage(&["why", &format!("pv/{pv_recycled}")])?;
    let f = out.finding("pv-failed")?;
    contains_all(
        "pv-failed",
        &f.to_string(),
        &[
            &recycled,
            "Recycle",
            "No recycler plugin found for the volume!",
            "VolumeFailedRecycle",
        ],
    )
}

fn wait_phase(kind: &str, name: &str, ns: Option<&str>, phase: &str) -> Res {
    let mut args = vec![kind, name];
    if let Some(ns) = ns {
        args.extend(["-n", ns]);
    }
    bed::wait(&format!("{kind} {name} to be {phase}"), 90, || {
        get(&args)
            .ok()
            .filter(|v| v["status"]["phase"] == phase)
            .map(|_| ())
    })
}

/// The EBS volume was grown in EC2 (console, or a resize the PV never heard of): 12 GiB in EC2,
/// 10Gi on the PV. Everything else is healthy, attached and running.
pub fn ebs_size_mismatch(bed: &Bed, id: &str) -> Res {
    let ns = namespace("size", id)?;
    let b = bed.node("us-east-1b").name.clone();
    let vol = create_volume("us-east-1b", 12, &[])?;
    let pv = format!("e2e-size-{id}");
    apply(&format!(
        "{}---\n{}",
        static_pv(&ns, &pv, "data", &vol, "10Gi", Some("us-east-1b")),
        pod(&ns, "cache-0", "data", Some(("kubernetes.io/hostname", &b)))
    ))?;
    let va = wait_va(&pv)?;
    bed.sim("attacher-sim", &["attach", &va])?;
    bed.sim("kubelet-sim", &["running", "cache-0", "-n", &ns])?;
    let out = storage(&["why", "pod/cache-0", "-n", &ns])?;
    check(out.codes() == ["ebs-size-mismatch"], || {
        format!("only the size drift: {:?}", out.problems())
    })?;
    let f = out.finding("ebs-size-mismatch")?;
    check(f["severity"] == "warning", || format!("a warning: {f}"))?;
    contains_all(
        "ebs-size-mismatch",
        &f.to_string(),
        &[&pv, &vol, "10Gi", "12Gi"],
    )
}

/// A claim of a WaitForFirstConsumer class with no pod yet: Pending is normal, and the tool
/// says so without a warning (exit 0).
pub fn waiting_for_first_consumer(_bed: &Bed, id: &str) -> Res {
    let ns = namespace("wffc", id)?;
    apply(&format!(
        "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: later, namespace: {ns}}}\nspec: {{accessModes: [ReadWriteOnce], storageClassName: {}, resources: {{requests: {{storage: 1Gi}}}}}}\n",
        class_name(id)
    ))?;
    wait_event(
        &ns,
        "PersistentVolumeClaim",
        "later",
        "WaitForFirstConsumer",
        "waiting for first consumer to be created before binding",
    )?;
    let out = storage(&["why", "pvc/later", "-n", &ns])?;
    check(out.code == 0 && out.problems().is_empty(), || {
        format!(
            "normal, not a problem: exit {}: {:?}",
            out.code,
            out.problems()
        )
    })?;
    let f = out.finding("waiting-for-first-consumer")?;
    check(f["severity"] == "info", || format!("info: {f}"))?;
    contains_all(
        "waiting-for-first-consumer",
        &f.to_string(),
        &[&class_name(id)],
    )
}

/// Two running databases ask for more space. The real expand controller hands both claims to
/// the driver (ExternalExpanding); resizer-sim grows one in EC2 and leaves the filesystem to
/// the kubelet (FileSystemResizePending), and fails the other the way EC2 does within six hours
/// of the last modification. resize-pending waits out its 2-minute grace first.
pub fn resize_pending_and_failed(bed: &Bed, id: &str) -> Res {
    let ns = namespace("resize", id)?;
    let (_, node) = running_pod_with_claim(bed, id, &ns, "grow", "db-0", "10Gi")?;
    running_pod_with_claim(bed, id, &ns, "stuck", "db-1", "10Gi")?;
    let started = std::time::Instant::now();
    for claim in ["grow", "stuck"] {
        kubectl(&[
            "patch",
            "pvc",
            claim,
            "-n",
            &ns,
            "-p",
            "{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"20Gi\"}}}}",
        ])?;
        wait_event(
            &ns,
            "PersistentVolumeClaim",
            claim,
            "ExternalExpanding",
            "waiting for an external controller to expand this PVC",
        )?;
    }
    bed.sim("resizer-sim", &["resize", "grow", "-n", &ns])?;
    let rate = "operation error EC2: ModifyVolume, https response error StatusCode: 400, RequestID: 5b6e1d2c-0d43-4e1c-9b0a-3f1c2e7d9a10, api error VolumeModificationRateExceeded: You've reached the maximum modification rate per volume limit. Wait at least 6 hours between modifications per EBS volume.";
    bed.sim(
        "resizer-sim",
        &["resize", "stuck", "-n", &ns, "--fail", rate],
    )?;

    let out = storage(&["why", "pvc/stuck", "-n", &ns])?;
    let f = out.finding("resize-failed")?;
    contains_all(
        "resize-failed",
        &f.to_string(),
        &["from 10Gi to 20Gi", "VolumeModificationRateExceeded"],
    )?;
    let early = storage(&["why", "pvc/grow", "-n", &ns])?;
    check(early.problems().is_empty(), || {
        format!(
            "a fresh FileSystemResizePending is not a problem yet: {:?}",
            early.problems()
        )
    })?;

    // The kubelet never restarts the pod here: after the grace the claim is reported.
    std::thread::sleep(std::time::Duration::from_secs(125).saturating_sub(started.elapsed()));
    let out = bed::wait("resize-pending after its grace", 60, || {
        storage(&["why", "pvc/grow", "-n", &ns])
            .ok()
            .filter(|o| o.codes().iter().any(|c| c == "resize-pending"))
    })?;
    let f = out.finding("resize-pending")?;
    check(f["severity"] == "warning", || format!("a warning: {f}"))?;
    contains_all("resize-pending", &f.to_string(), &["db-0", &node, "20Gi"])
}

/// The pod is gone, the attach/detach controller deleted its VolumeAttachment, and the driver's
/// DetachVolume keeps failing: the VolumeAttachment stays with its finalizer. After 5 minutes
/// it is detach-stuck (the scenario waits that long, in parallel with the others).
pub fn detach_stuck(bed: &Bed, id: &str) -> Res {
    let ns = namespace("detach", id)?;
    let b = bed.node("us-east-1b").name.clone();
    let vol = create_volume("us-east-1b", 6, &[])?;
    let pv = format!("e2e-detach-{id}");
    apply(&format!(
        "{}---\n{}",
        static_pv(&ns, &pv, "data", &vol, "6Gi", Some("us-east-1b")),
        pod(&ns, "worker", "data", Some(("kubernetes.io/hostname", &b)))
    ))?;
    let va = wait_va(&pv)?;
    bed.sim("attacher-sim", &["attach", &va])?;
    bed.sim("kubelet-sim", &["running", "worker", "-n", &ns])?;
    bed.sim("kubelet-sim", &["in-use", &b, "--sync"])?;
    kubectl(&["delete", "pod", "worker", "-n", &ns, "--wait=false"])?;
    bed.sim("kubelet-sim", &["reap", "-n", &ns])?;
    bed::wait("the pod to go", 60, || {
        kubectl(&["get", "pod", "worker", "-n", &ns]).err()
    })?;
    bed.sim("kubelet-sim", &["in-use", &b, "--sync"])?;
    wait_field(
        &["volumeattachment", &va],
        "{.metadata.deletionTimestamp}",
        "the attach/detach controller to delete the VolumeAttachment",
    )?;
    let instance = bed.node("us-east-1b").instance_id.clone();
    let err = format!(
        "rpc error: code = Internal desc = Could not detach volume \"{vol}\" from node \"{instance}\": operation error EC2: DetachVolume, https response error StatusCode: 400, RequestID: 0c7e4b8a-1f2d-4c3b-8e5a-6d9f0a1b2c3d, api error IncorrectState: Volume '{vol}' is in the 'busy' state."
    );
    bed.sim("attacher-sim", &["detach-fail", &va, "--message", &err])?;
    let early = storage(&["why", &format!("pv/{pv}")])?;
    check(!early.codes().contains(&"detach-stuck".to_string()), || {
        format!("not stuck after seconds: {:?}", early.codes())
    })?;
    let result = bed::wait("detach-stuck after 5 minutes", 360, || {
        storage(&["why", &format!("pv/{pv}")])
            .ok()
            .filter(|o| o.codes().iter().any(|c| c == "detach-stuck"))
    })
    .and_then(|out| {
        let f = out.finding("detach-stuck")?.to_string();
        contains_all("detach-stuck", &f, &[&pv, &b, "IncorrectState", &va])
    });
    // Let the detach finish so the node's slot is free for the node-wide phase.
    bed.sim("attacher-sim", &["detach", &va])?;
    result
}

/// A pod stuck mounting for a reason that is not the filesystem: the driver's NodeStage timed
/// out. mount-failed surfaces the kubelet's message and classifies it.
pub fn mount_failed(bed: &Bed, id: &str) -> Res {
    let ns = namespace("mount", id)?;
    let c = bed.node("us-east-1c").name.clone();
    let vol = create_volume("us-east-1c", 8, &[])?;
    let pv = format!("e2e-mount-{id}");
    apply(&format!(
        "{}---\n{}",
        static_pv(&ns, &pv, "data", &vol, "8Gi", Some("us-east-1c")),
        pod(&ns, "queue-0", "data", Some(("kubernetes.io/hostname", &c)))
    ))?;
    let va = wait_va(&pv)?;
    bed.sim("attacher-sim", &["attach", &va])?;
    bed.sim("kubelet-sim", &["container-creating", "queue-0", "-n", &ns])?;
    bed.sim(
        "kubelet-sim",
        &[
            "mount-failed",
            "queue-0",
            "-n",
            &ns,
            "--op",
            "MountVolume.MountDevice",
            "--error",
            "rpc error: code = DeadlineExceeded desc = context deadline exceeded",
        ],
    )?;
    let out = storage(&["why", "pod/queue-0", "-n", &ns])?;
    check(
        out.codes().first().map(String::as_str) == Some("mount-failed"),
        || format!("root cause first: {:?}", out.codes()),
    )?;
    let f = out.finding("mount-failed")?;
    contains_all(
        "mount-failed",
        &f.to_string(),
        &["MountVolume.MountDevice", "DeadlineExceeded", &pv],
    )
}

/// EC2 holds a volume the driver created for a claim that is gone (its PV deleted by hand with
/// Retain): scan finds it, prices it and prints the import-ebs line. A hand-made PV nobody
/// claims is reported as info. A volume in a zone without nodes cannot be imported.
pub fn orphans_and_unclaimed(_bed: &Bed, id: &str) -> Res {
    let pv_name = format!("pvc-0f3c-orphan-{id}");
    let ns_tag = format!("e2e-gone-{id}");
    let orphan = create_volume(
        "us-east-1a",
        50,
        &[
            ("CSIVolumeName", &pv_name),
            ("ebs.csi.aws.com/cluster", "true"),
            ("kubernetes.io/created-for/pvc/name", "data-mysql-0"),
            ("kubernetes.io/created-for/pvc/namespace", &ns_tag),
            ("kubernetes.io/created-for/pv/name", &pv_name),
        ],
    )?;
    let spare = create_volume("us-east-1b", 3, &[])?;
    let unclaimed = format!("e2e-spare-{id}");
    apply(&format!(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: {unclaimed}}}\nspec:\n  capacity: {{storage: 3Gi}}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Retain\n  storageClassName: \"\"\n  csi: {{driver: ebs.csi.aws.com, volumeHandle: {spare}, fsType: ext4}}\n"
    ))?;
    wait_phase("pv", &unclaimed, None, "Available")?;
    let scan = storage(&["scan", "-A"])?;
    let find = |code: &str, name: &str| {
        scan.json["findings"]
            .as_array()
            .and_then(|a| {
                a.iter()
                    .find(|f| f["code"] == code && f["object"]["name"] == name)
            })
            .cloned()
            .ok_or_else(|| format!("scan -A has no {code} on {name}: {:?}", scan.codes()))
    };
    let f = find("orphaned-ebs-volume", &orphan)?;
    contains_all(
        "orphaned-ebs-volume",
        &f.to_string(),
        &[
            "50Gi",
            "us-east-1a",
            &format!("created for PVC {ns_tag}/data-mysql-0"),
            &format!("kubectl storage import-ebs {orphan}"),
        ],
    )?;
    let (_, human, _) = storage_raw(&["scan", "-A", "--no-color"])?;
    contains_all("scan table", &human, &[&orphan, "/month"])?;
    let f = find("pv-unclaimed", &unclaimed)?;
    check(f["severity"] == "info", || format!("info: {f}"))?;
    contains_all("pv-unclaimed", &f.to_string(), &[&spare, "3Gi"])?;

    let far = create_volume("us-east-1d", 5, &[])?;
    let (code, _, err) = storage_raw(&["import-ebs", &far, "--apply"])?;
    check(code == 1, || {
        format!("import-no-node-in-zone exit {code}: {err}")
    })?;
    contains_all(
        "import-ebs refusal",
        &err,
        &[&far, "import-no-node-in-zone", "us-east-1d"],
    )?;
    check(
        kubectl(&["get", "pv", &format!("ebs-{far}")]).is_err(),
        || "a refused import created a PV".into(),
    )?;
    kubectl(&["delete", "pv", &unclaimed, "--wait=false"]).map(|_| ())
}

/// Two StorageClasses carry the default annotation (a second one installed by an add-on): scan
/// names both and which one new claims get. Node-wide: it changes what every classless claim
/// would get, so it runs alone and removes its classes.
pub fn multiple_default_storageclasses(_bed: &Bed, id: &str) -> Res {
    let class = |name: &str| {
        format!("apiVersion: storage.k8s.io/v1\nkind: StorageClass\nmetadata:\n  name: {name}\n  annotations: {{storageclass.kubernetes.io/is-default-class: \"true\"}}\nprovisioner: ebs.csi.aws.com\nparameters: {{type: gp3}}\nvolumeBindingMode: WaitForFirstConsumer\n")
    };
    let (first, second) = (format!("e2e-default-a-{id}"), format!("e2e-default-b-{id}"));
    apply(&class(&first))?;
    // Creation timestamps have a one-second resolution: make "the newest" unambiguous.
    std::thread::sleep(std::time::Duration::from_millis(1100));
    apply(&class(&second))?;
    let result = storage(&["scan", "-A"]).and_then(|scan| {
        let f = scan.finding("multiple-default-storageclasses")?;
        check(f["severity"] == "warning", || format!("a warning: {f}"))?;
        contains_all(
            "multiple-default-storageclasses",
            &f.to_string(),
            &[
                "2 StorageClasses are marked default",
                &first,
                &format!("get \\\"{second}\\\", the newest"),
            ],
        )
    });
    kubectl(&["delete", "storageclass", &first, &second])?;
    result
}

/// Two databases fill their volumes: the kubelet's stats summary (kubelet-sim serve-stats, read
/// through the real apiserver's node proxy) says 99.5% and 93% used. `--kubelet-stats` reads it.
pub fn volume_full(bed: &Bed, id: &str) -> Res {
    if !bed.kubelet_stats {
        println!(
            "e2e: volume_full: skipped: the bed has no kubelet stats endpoint (network namespaces not permitted here, see testbed/up)"
        );
        return Ok(());
    }
    let ns = namespace("full", id)?;
    let (_, node) = running_pod_with_claim(bed, id, &ns, "data-pg-0", "pg-0", "20Gi")?;
    running_pod_with_claim(bed, id, &ns, "data-pg-1", "pg-1", "20Gi")?;
    bed.sim(
        "kubelet-sim",
        &["stats", "pg-0", "-n", &ns, "--used", "99.5"],
    )?;
    bed.sim("kubelet-sim", &["stats", "pg-1", "-n", &ns, "--used", "93"])?;

    let plain = storage(&["why", "pod/pg-0", "-n", &ns])?;
    check(plain.problems().is_empty(), || {
        format!(
            "without --kubelet-stats usage is not read: {:?}",
            plain.problems()
        )
    })?;
    let out = storage(&["why", "pod/pg-0", "-n", &ns, "--kubelet-stats"])?;
    check(
        out.codes().first().map(String::as_str) == Some("volume-full"),
        || format!("volume-full first: {:?} {}", out.codes(), out.stderr),
    )?;
    let f = out.finding("volume-full")?;
    contains_all(
        "volume-full",
        &f.to_string(),
        &[
            &format!("Claim {ns}/data-pg-0 (pod {ns}/pg-0) is full"),
            &format!("kubelet stats on node {node}"),
            "30Gi",
        ],
    )?;
    let out = storage(&["why", "pod/pg-1", "-n", &ns, "--kubelet-stats"])?;
    let f = out.finding("volume-nearly-full")?;
    check(f["severity"] == "warning", || format!("a warning: {f}"))?;
    contains_all("volume-nearly-full", &f.to_string(), &["data-pg-1", "93"])
}
