//! The known wordings of the messages the rules read, by the component and the versions that
//! write them (see `shared/design/messages.md`). Messages change between releases; each form
//! here has a sample, and a test proves the rule's matcher recognises every one of them.

/// One wording of one message.
pub struct Form {
    /// Which message (what the rules call it).
    pub message: &'static str,
    /// The component that writes it, and the versions that write this form.
    pub component: &'static str,
    pub versions: &'static str,
    /// A sample as a cluster prints it.
    pub sample: &'static str,
    /// The matcher the rules use for this message.
    pub recognised: fn(&str) -> bool,
}

fn attach_limit(m: &str) -> bool {
    crate::rules::scheduling::attach_limit_reached::is_attach_limit(m)
}

fn node_affinity_conflict(m: &str) -> bool {
    crate::rules::scheduling::zone_mismatch::CONFLICT_TEXTS
        .iter()
        .any(|t| m.contains(t))
}

fn mount_timeout(m: &str) -> bool {
    crate::rules::mount::classify(m) == crate::rules::mount::MountProblem::Timeout
}

fn capability_refused(m: &str) -> bool {
    crate::rules::binding::access_mode_unsupported::DRIVER_TEXTS
        .iter()
        .any(|t| m.contains(t))
}

fn no_topology_key(m: &str) -> bool {
    crate::rules::attachment::csi_driver_not_registered::no_topology_key_node(m).is_some()
}

fn waiting_for_provisioner(m: &str) -> bool {
    external_provisioner(m).is_some()
}

/// The provisioner an `ExternalProvisioning` event waits for, in either wording (1.28+:
/// `external provisioner 'NAME'`; ≤ 1.27: `external provisioner "NAME"`).
pub fn external_provisioner(message: &str) -> Option<&str> {
    let lower = message.to_ascii_lowercase();
    let at = lower
        .find("by the external provisioner ")
        .map(|i| i + "by the external provisioner ".len())
        .or_else(|| {
            lower
                .find("by external provisioner ")
                .map(|i| i + "by external provisioner ".len())
        })?;
    let rest = &message[at..];
    let quote = rest.chars().next().filter(|c| *c == '\'' || *c == '"')?;
    let name = &rest[1..];
    name.find(quote).map(|end| &name[..end])
}

/// Every known form, oldest first within a message.
pub const FORMS: &[Form] = &[
    Form {
        message: "attach refused: the instance's attachment limit",
        component: "aws-ebs-csi-driver (ControllerPublishVolume, via external-attacher)",
        versions: "driver ≤ 1.44",
        sample: "AttachVolume.Attach failed for volume \"pvc-1\" : rpc error: code = Internal desc = Could not attach volume \"vol-0abc\" to node \"i-0abc\": could not attach volume \"vol-0abc\" to node \"i-0abc\": operation error EC2: AttachVolume, https response error StatusCode: 400, RequestID: 1, api error AttachmentLimitExceeded: You have reached the maximum number of volumes for this instance.",
        recognised: attach_limit,
    },
    Form {
        message: "attach refused: the instance's attachment limit",
        component: "aws-ebs-csi-driver (ControllerPublishVolume, via external-attacher)",
        versions: "driver 1.45+",
        sample: "AttachVolume.Attach failed for volume \"pvc-1\" : rpc error: code = ResourceExhausted desc = Attachment limit exceeded for volume \"vol-0abc\" on node \"i-0abc\": the node has no attachment slot left",
        recognised: attach_limit,
    },
    Form {
        message: "ProvisioningFailed: the selected node does not register the driver",
        component: "external-provisioner (controller/topology.go)",
        versions: "v1.2–v5.x",
        sample: "failed to provision volume with StorageClass \"gp3\": error generating accessibility requirements: no topology key found on CSINode ip-10-0-3-21.ec2.internal",
        recognised: no_topology_key,
    },
    Form {
        message: "ProvisioningFailed: the selected node does not register the driver",
        component: "external-provisioner (controller/topology.go)",
        versions: "v6.0+",
        sample: "failed to provision volume with StorageClass \"gp3\": error generating accessibility requirements: no topology key found for node ip-10-0-3-21.ec2.internal",
        recognised: no_topology_key,
    },
    Form {
        message: "ExternalProvisioning: waiting for the provisioner",
        component: "kube-controller-manager (persistentvolume-controller)",
        versions: "Kubernetes ≤ 1.27",
        sample: "waiting for a volume to be created, either by external provisioner \"ebs.csi.aws.com\" or manually created by system administrator",
        recognised: waiting_for_provisioner,
    },
    Form {
        message: "ExternalProvisioning: waiting for the provisioner",
        component: "kube-controller-manager (persistentvolume-controller)",
        versions: "Kubernetes 1.28+",
        sample: "Waiting for a volume to be created either by the external provisioner 'ebs.csi.aws.com' or manually by the system administrator. If volume creation is delayed, please verify that the provisioner is running and correctly registered.",
        recognised: waiting_for_provisioner,
    },
    Form {
        message: "FailedScheduling: the volume's node affinity excludes the nodes",
        component: "kube-scheduler (VolumeBinding)",
        versions: "Kubernetes ≤ 1.32",
        sample: "0/3 nodes are available: 3 node(s) had volume node affinity conflict. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
        recognised: node_affinity_conflict,
    },
    Form {
        message: "FailedScheduling: the volume's node affinity excludes the nodes",
        component: "kube-scheduler (VolumeBinding)",
        versions: "Kubernetes 1.33+",
        sample: "0/3 nodes are available: 3 node(s) didn't match PersistentVolume's node affinity. preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
        recognised: node_affinity_conflict,
    },
    Form {
        message: "FailedMount: attach or mount timed out",
        component: "kubelet",
        versions: "Kubernetes ≤ 1.27 (1.28+ writes no event for a plain timeout)",
        sample: "Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data kube-api-access-x]: timed out waiting for the condition",
        recognised: mount_timeout,
    },
    Form {
        message: "FailedMount: attach or mount timed out",
        component: "kubelet (log line only: no event)",
        versions: "Kubernetes 1.28+",
        sample: "Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[], failed to process volumes=[]: context deadline exceeded",
        recognised: mount_timeout,
    },
    Form {
        message: "shared access mode refused (RWX/ROX)",
        component: "aws-ebs-csi-driver (CreateVolume)",
        versions: "driver ≤ 1.24",
        sample: "failed to provision volume with StorageClass \"gp3\": rpc error: code = InvalidArgument desc = Volume capabilities [mount:<fs_type:\"ext4\" > access_mode:<mode:MULTI_NODE_MULTI_WRITER > ] not supported. Only AccessModes[ReadWriteOnce] supported.",
        recognised: capability_refused,
    },
    Form {
        message: "shared access mode refused (RWX/ROX)",
        component: "aws-ebs-csi-driver (CreateVolume / ControllerPublishVolume)",
        versions: "driver 1.25+",
        sample: "failed to provision volume with StorageClass \"gp3\": rpc error: code = InvalidArgument desc = Volume capabilities not supported",
        recognised: capability_refused,
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_known_form_is_recognised_by_its_rule() {
        for f in FORMS {
            assert!(
                (f.recognised)(f.sample),
                "{} ({}, {}) not recognised: {}",
                f.message,
                f.component,
                f.versions,
                f.sample
            );
        }
        // Each message has at least its old and its new form.
        for f in FORMS {
            assert!(
                FORMS.iter().filter(|g| g.message == f.message).count() >= 2,
                "{}",
                f.message
            );
        }
    }

    #[test]
    fn the_matchers_do_not_take_other_messages() {
        assert!(!attach_limit("rpc error: code = Internal desc = Could not attach volume \"vol-1\" to node \"i-1\": api error VolumeInUse"));
        assert!(!node_affinity_conflict(
            "0/3 nodes are available: 3 Insufficient cpu."
        ));
        assert!(!capability_refused(
            "rpc error: code = Internal desc = Could not create volume"
        ));
        assert!(!mount_timeout(
            "MountVolume.SetUp failed for volume \"x\" : permission denied"
        ));
    }

    #[test]
    fn the_waited_for_provisioner_is_read_from_both_wordings() {
        let names: Vec<Option<&str>> = FORMS
            .iter()
            .filter(|f| f.message.starts_with("ExternalProvisioning"))
            .map(|f| external_provisioner(f.sample))
            .collect();
        assert_eq!(
            names,
            vec![Some("ebs.csi.aws.com"), Some("ebs.csi.aws.com")]
        );
        assert_eq!(external_provisioner("waiting for first consumer"), None);
    }
}
