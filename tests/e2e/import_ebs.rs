//! `import-ebs` on the real bed: volumes made in moto, objects created through the real API
//! server, bound by the real PV controller, pods placed by the real scheduler.

use crate::bed::{
    apply, check, contains_all, create_volume, get, kubectl, moto, namespace, storage, storage_raw,
    wait, wait_field, Bed, Res,
};

fn pod(ns: &str, name: &str, claim: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: {name}, namespace: {ns}}}\nspec:\n  containers: [{{name: c, image: busybox}}]\n  volumes: [{{name: data, persistentVolumeClaim: {{claimName: {claim}}}}}]\n"
    )
}

/// The volume-id PV name the plan gives a volume without driver tags.
fn pv_of(vol: &str) -> String {
    format!("imported-{vol}")
}

/// Import with `--claim … --apply`: the real PV controller binds the claim to exactly that PV,
/// the real scheduler puts a pod using it only on the node in the volume's zone, and a re-run
/// creates nothing and says "already imported".
pub fn binds_and_schedules(bed: &Bed, id: &str) -> Res {
    let ns = namespace("import", id)?;
    let vol = create_volume("us-east-1b", 8, &[])?;
    let claim = format!("{ns}/data");
    let out = storage(&["import-ebs", &vol, "--claim", &claim, "--apply"])?;
    check(out.code == 0, || {
        format!("exit {}: {}", out.code, out.stderr)
    })?;
    let results = out.json["results"].to_string();
    contains_all(
        "apply results",
        &results,
        &[
            &format!("persistentvolume/{}", pv_of(&vol)),
            &format!("persistentvolumeclaim/{claim}"),
        ],
    )?;
    check(
        out.json["results"]
            .as_array()
            .is_some_and(|a| a.len() == 2 && a.iter().all(|r| r["result"] == "created")),
        || format!("two objects created: {results}"),
    )?;
    // The real PV controller binds the pre-bound pair.
    let bound = wait_field(
        &["pvc", "data", "-n", &ns],
        "{.status.phase}={.spec.volumeName}",
        "claim bound",
    )?;
    wait("claim Bound", 60, || {
        kubectl(&[
            "get",
            "pvc",
            "data",
            "-n",
            &ns,
            "-o",
            "jsonpath={.status.phase}",
        ])
        .ok()
        .filter(|p| p.trim() == "Bound")
    })?;
    check(bound.ends_with(&format!("={}", pv_of(&vol))), || {
        format!("claim bound to the imported PV: {bound}")
    })?;
    let pv = get(&["pv", &pv_of(&vol)])?;
    check(
        pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
            && pv["spec"]["csi"]["volumeHandle"] == vol.as_str()
            && pv["spec"]["claimRef"]["name"] == "data"
            && pv["metadata"]["labels"]["storage.kubectl.io/source-volume"] == vol.as_str(),
        || format!("imported PV: {pv}"),
    )?;
    // The real scheduler honours the PV's zone affinity: only the us-east-1b node fits.
    apply(&pod(&ns, "app", "data"))?;
    let node = wait_field(
        &["pod", "app", "-n", &ns],
        "{.spec.nodeName}",
        "pod scheduled",
    )?;
    let want = &bed.node("us-east-1b").name;
    check(&node == want, || {
        format!("pod placed on {node}, want {want} (us-east-1b)")
    })?;
    // Re-running is a no-op.
    let again = storage(&["import-ebs", &vol, "--claim", &claim, "--apply"])?;
    check(again.code == 0, || {
        format!("re-run exit {}: {}", again.code, again.stderr)
    })?;
    check(
        again.json["results"]
            .as_array()
            .is_some_and(|a| !a.is_empty() && a.iter().all(|r| r["result"] == "already-imported")),
        || format!("re-run creates nothing: {}", again.json),
    )?;
    contains_all(
        "re-run summary",
        &again.stderr,
        &["skipped", "already imported", "0 object(s) created"],
    )
}

/// A run killed after the PV is completed by re-running; refusals create nothing: in-use by a
/// foreign instance, a PV name taken by another volume, a missing namespace, an unknown id; a
/// server dry run persists nothing; RBAC without create reports exactly what was not created,
/// and deploy/rbac-import.yaml is enough.
pub fn half_way_refusals_and_rbac(_bed: &Bed, id: &str) -> Res {
    let ns = namespace("import-edge", id)?;
    // 1. Killed half-way: only the PV exists (first document of the plan).
    let vol = create_volume("us-east-1a", 5, &[])?;
    let claim = format!("{ns}/half");
    let (code, plan, err) = storage_raw(&["import-ebs", &vol, "--claim", &claim])?;
    check(code == 0, || format!("dry run exit {code}: {err}"))?;
    let pv_doc = plan
        .split("---\n")
        .find(|d| d.contains("kind: PersistentVolume\n"))
        .ok_or_else(|| format!("no PV in the plan: {plan}"))?;
    apply(pv_doc)?;
    let out = storage(&["import-ebs", &vol, "--claim", &claim, "--apply"])?;
    check(out.code == 0, || {
        format!("completion exit {}: {}", out.code, out.stderr)
    })?;
    let results = out.json["results"].to_string();
    check(
        out.json["results"].as_array().is_some_and(|a| {
            a.len() == 1
                && a[0]["object"] == format!("persistentvolumeclaim/{claim}")
                && a[0]["result"] == "created"
        }),
        || format!("only the claim is created: {results}"),
    )?;
    wait("completed claim Bound", 60, || {
        kubectl(&[
            "get",
            "pvc",
            "half",
            "-n",
            &ns,
            "-o",
            "jsonpath={.status.phase}/{.spec.volumeName}",
        ])
        .ok()
        .filter(|p| p.trim() == format!("Bound/{}", pv_of(&vol)))
    })?;

    // 2. In use by an instance that is not a node: refused, exit 1, nothing created.
    let foreign = create_volume("us-east-1a", 5, &[])?;
    moto(&format!(
        "img = sorted(ec2.describe_images()['Images'], key=lambda i: i['ImageId'])[0]['ImageId']; \
         i = ec2.run_instances(ImageId=img, MinCount=1, MaxCount=1, Placement={{'AvailabilityZone': 'us-east-1a'}})['Instances'][0]['InstanceId']; \
         ec2.attach_volume(VolumeId='{foreign}', InstanceId=i, Device='/dev/xvdf')"
    ))?;
    let (code, stdout, err) = storage_raw(&["import-ebs", &foreign, "--apply"])?;
    check(code == 1, || format!("in-use exit {code}: {err}"))?;
    contains_all(
        "in-use refusal",
        &err,
        &[
            &format!("refused  {foreign}: import-volume-in-use"),
            "detach-volume",
        ],
    )?;
    check(stdout.trim().is_empty(), || {
        format!("nothing created: {stdout}")
    })?;
    check(kubectl(&["get", "pv", &pv_of(&foreign)]).is_err(), || {
        "no PV for the in-use volume".into()
    })?;

    // 3. A PV name taken by another volume: import-name-conflict, nothing created.
    let other = create_volume("us-east-1a", 5, &[])?;
    let (code, _, err) = storage_raw(&["import-ebs", &other, "--name", &pv_of(&vol), "--apply"])?;
    check(code == 1, || format!("conflict exit {code}: {err}"))?;
    contains_all(
        "name conflict",
        &err,
        &[
            "import-name-conflict",
            &format!(
                "PV {} already exists and holds EBS volume {vol}",
                pv_of(&vol)
            ),
        ],
    )?;

    // 4. Bad input: one line, exit 2, nothing created.
    let (code, _, err) = storage_raw(&[
        "import-ebs",
        &other,
        "--claim",
        "no-such-ns-e2e/x",
        "--apply",
    ])?;
    check(
        code == 2 && err.contains("namespace no-such-ns-e2e does not exist"),
        || format!("missing namespace: exit {code}: {err}"),
    )?;
    let (code, _, err) = storage_raw(&["import-ebs", "vol-0123456789abcdef0", "--apply"])?;
    check(
        code == 2 && err.contains("vol-0123456789abcdef0 not found") && err.contains("us-east-1"),
        || format!("unknown id: exit {code}: {err}"),
    )?;
    check(kubectl(&["get", "pv", &pv_of(&other)]).is_err(), || {
        "bad input created nothing".into()
    })?;

    // 5. Server dry run: admitted by the API server, nothing persists.
    let out = storage(&[
        "import-ebs",
        &other,
        "--claim",
        &format!("{ns}/dry"),
        "--dry-run=server",
    ])?;
    check(
        out.code == 0
            && out.json["dryRun"] == true
            && out.json["results"]
                .as_array()
                .is_some_and(|a| a.len() == 2 && a.iter().all(|r| r["result"] == "created")),
        || {
            format!(
                "server dry run: exit {}: {} {}",
                out.code, out.json, out.stderr
            )
        },
    )?;
    check(kubectl(&["get", "pv", &pv_of(&other)]).is_err(), || {
        "server dry run persisted a PV".into()
    })?;

    // 6. RBAC: read-only may not create; deploy/rbac-import.yaml may.
    for file in ["rbac-readonly.yaml", "rbac-import.yaml"] {
        let text = std::fs::read_to_string(format!("{}/deploy/{file}", env!("CARGO_MANIFEST_DIR")))
            .map_err(|e| e.to_string())?;
        apply(&text)?;
    }
    apply(&format!(
        "apiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: reader, namespace: {ns}}}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {{name: importer, namespace: {ns}}}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: e2e-import-reader-{id}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubectl-storage-readonly}}\nsubjects: [{{kind: ServiceAccount, name: reader, namespace: {ns}}}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {{name: e2e-importer-{id}}}\nroleRef: {{apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: kubectl-storage-import}}\nsubjects: [{{kind: ServiceAccount, name: importer, namespace: {ns}}}]\n"
    ))?;
    let reader = format!("system:serviceaccount:{ns}:reader");
    let (code, stdout, err) = storage_raw(&[
        "import-ebs",
        &other,
        "--claim",
        &format!("{ns}/ro"),
        "--apply",
        "--as",
        &reader,
    ])?;
    check(code == 1, || {
        format!("read-only apply exit {code}: {stdout} {err}")
    })?;
    contains_all(
        "forbidden report",
        &stdout,
        &[
            &format!("persistentvolume/{} NOT created: forbidden", pv_of(&other)),
            &format!(
                "persistentvolumeclaim/{ns}/ro NOT created: its PV {} was not created",
                pv_of(&other)
            ),
        ],
    )?;
    let importer = format!("system:serviceaccount:{ns}:importer");
    let (code, stdout, err) = storage_raw(&[
        "import-ebs",
        &other,
        "--claim",
        &format!("{ns}/rw"),
        "--apply",
        "--as",
        &importer,
    ])?;
    check(code == 0, || {
        format!("importer apply exit {code}: {stdout} {err}")
    })?;
    contains_all(
        "importer report",
        &stdout,
        &[
            &format!("persistentvolume/{} created", pv_of(&other)),
            &format!("persistentvolumeclaim/{ns}/rw created"),
        ],
    )
}

/// A hand-made PV with the planned name, the volume's handle and the planned claimRef, but
/// `Delete`, the wrong size, class and zone, is never adopted: the import is refused with
/// `import-name-conflict` naming each differing field, and no claim is created (one bound to
/// that PV would destroy the volume when deleted).
pub fn refuses_a_foreign_pv(_bed: &Bed, id: &str) -> Res {
    let ns = namespace("import-foreign", id)?;
    let vol = create_volume("us-east-1a", 8, &[])?;
    let name = pv_of(&vol);
    apply(&format!(
        "apiVersion: v1\nkind: PersistentVolume\nmetadata: {{name: {name}}}\nspec:\n  capacity: {{storage: 3Gi}}\n  accessModes: [ReadWriteOnce]\n  persistentVolumeReclaimPolicy: Delete\n  storageClassName: foreign-{id}\n  claimRef: {{namespace: {ns}, name: data}}\n  csi: {{driver: ebs.csi.aws.com, volumeHandle: {vol}, fsType: ext4}}\n  nodeAffinity:\n    required:\n      nodeSelectorTerms: [{{matchExpressions: [{{key: topology.kubernetes.io/zone, operator: In, values: [us-east-1b]}}]}}]\n"
    ))?;
    let (code, stdout, err) = storage_raw(&[
        "import-ebs",
        &vol,
        "--claim",
        &format!("{ns}/data"),
        "--apply",
    ])?;
    check(code == 1, || {
        format!("foreign PV: exit {code}: {stdout} {err}")
    })?;
    contains_all(
        "foreign PV refusal",
        &err,
        &[
            &format!("refused  {vol}: import-name-conflict: PV {name} already exists for {vol} but is not the PV this import would create"),
            "persistentVolumeReclaimPolicy Delete (planned Retain)",
            "capacity 3Gi (planned 8Gi)",
            "zone affinity us-east-1b (planned us-east-1a)",
            &format!("storageClassName \"foreign-{id}\" (planned \"\")"),
            "kubectl patch pv",
        ],
    )?;
    check(kubectl(&["get", "pvc", "data", "-n", &ns]).is_err(), || {
        "a claim was created for the foreign PV".into()
    })?;
    let pv = get(&["pv", &name])?;
    check(
        pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete",
        || format!("the foreign PV was changed: {pv}"),
    )
}
