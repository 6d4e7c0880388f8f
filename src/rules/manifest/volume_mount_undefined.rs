//! `volume-mount-undefined`: a container mounts a volume its Pod does not define.

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s::Named;

pub static RULE: Rule = Rule {
    code: "volume-mount-undefined",
    severity: Severity::Error,
    category: Category::Manifest,
    summary: "A container's volumeMounts or volumeDevices names a volume the Pod (or its template) does not define; the API server rejects the object.",
    what: "Compares every `volumeMounts[].name` and `volumeDevices[].name` of the containers and init containers of a Pod, or of a workload's Pod template, with the Pod's `volumes` (and, for a StatefulSet, its volumeClaimTemplates).",
    why: "The API server refuses the Pod (`spec.containers[0].volumeMounts[0].name: Not found: \"data\"`); for a Deployment, StatefulSet or Job the workload is accepted only if its template passes the same validation, so `kubectl apply` fails and nothing is created. In a chart it is usually a volume renamed in one template and not the other, or a volume behind an `if` that was switched off.",
    fix: "Add a volume of that name to the Pod spec (or a volumeClaimTemplate of that name to the StatefulSet), or correct the mount's name to one of the defined volumes.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pod in cx.pods() {
        let Some(spec) = pod.spec.as_ref() else {
            continue;
        };
        let defined: Vec<&str> = spec
            .volumes
            .iter()
            .flatten()
            .map(|v| v.name.as_str())
            .collect();
        let pod_name = pod.name();
        let groups = [
            ("containers", spec.containers.as_slice()),
            (
                "initContainers",
                spec.init_containers.as_deref().unwrap_or_default(),
            ),
        ];
        for (field, containers) in groups {
            for (ci, c) in containers.iter().enumerate() {
                let mounts = c
                    .volume_mounts
                    .iter()
                    .flatten()
                    .map(|m| ("volumeMounts", m.name.as_str()));
                let devices = c
                    .volume_devices
                    .iter()
                    .flatten()
                    .map(|d| ("volumeDevices", d.name.as_str()));
                let mut index = std::collections::HashMap::<&str, usize>::new();
                for (list, name) in mounts.chain(devices) {
                    let i = index.entry(list).or_default();
                    let at = format!("spec.{field}[{ci}].{list}[{i}].name");
                    *i += 1;
                    if defined.contains(&name) {
                        continue;
                    }
                    let known = if defined.is_empty() {
                        "the Pod defines no volumes".to_string()
                    } else {
                        format!("the Pod defines {}", defined.join(", "))
                    };
                    out.push(
                        Finding::new(
                            &RULE,
                            ObjectRef::of(*pod),
                            format!(
                                "Container {} of {pod_name} mounts volume \"{name}\", which the Pod does not define ({known}): the API server rejects it with {at}: Not found",
                                c.name
                            ),
                        )
                        .evidence(format!("{at}: {name}"))
                        .fix(format!(
                            "add a volume named \"{name}\" to the Pod's volumes, or rename the mount to one of the defined volumes"
                        )),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_on_a_mount_without_a_volume() {
        let f = assert_fires("volume-mount-undefined");
        assert_eq!(f.len(), 1, "{f:#?}");
        assert!(
            f[0].message.contains("mounts volume \"data\"")
                && f[0]
                    .message
                    .contains("spec.containers[0].volumeMounts[1].name: Not found"),
            "{}",
            f[0].message
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("volume-mount-undefined");
    }
}
