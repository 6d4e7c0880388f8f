//! The EBS names Kubernetes uses: driver and provisioner names, the zone keys EBS volumes and
//! nodes carry, and the tags the provisioners put on the volumes they create. Every mention of
//! them in this crate goes through here.

/// The EBS CSI driver's name (the add-on, Helm chart or manifests: self-managed).
pub const EBS_CSI: &str = "ebs.csi.aws.com";

/// The EBS driver of EKS Auto Mode: the same driver, run by AWS outside the cluster's pods.
pub const EBS_AUTO_MODE: &str = "ebs.csi.eks.amazonaws.com";

/// Every driver name whose volumes are EBS volumes.
pub const EBS_DRIVERS: [&str; 2] = [EBS_CSI, EBS_AUTO_MODE];

/// The removed in-tree EBS provisioner, served through CSI migration by [`EBS_CSI`].
pub const IN_TREE_EBS: &str = "kubernetes.io/aws-ebs";

/// The zone key of Kubernetes itself, which new EBS CSI PVs use (driver 1.33+).
pub const ZONE_KEY: &str = "topology.kubernetes.io/zone";
/// The zone key older EBS CSI PVs (and the driver's node labels) use.
pub const EBS_ZONE_KEY: &str = "topology.ebs.csi.aws.com/zone";
/// The zone key of EKS Auto Mode's driver.
pub const AUTO_MODE_ZONE_KEY: &str = "topology.ebs.csi.eks.amazonaws.com/zone";
/// The deprecated beta zone label.
pub const BETA_ZONE_KEY: &str = "failure-domain.beta.kubernetes.io/zone";
/// Zone label keys a node or PV may carry, newest first.
pub const ZONE_KEYS: [&str; 4] = [ZONE_KEY, EBS_ZONE_KEY, AUTO_MODE_ZONE_KEY, BETA_ZONE_KEY];

/// The CSI driver that really serves a provisioner name (in-tree EBS migrates to the CSI driver).
pub fn effective_driver(provisioner: &str) -> &str {
    if provisioner == IN_TREE_EBS {
        EBS_CSI
    } else {
        provisioner
    }
}

/// Whether volumes of this provisioner are EBS volumes.
pub fn is_ebs_provisioner(provisioner: &str) -> bool {
    is_ebs_driver(provisioner) || provisioner == IN_TREE_EBS
}

/// Whether a CSI driver name is an EBS driver (self-managed or EKS Auto Mode).
pub fn is_ebs_driver(driver: &str) -> bool {
    EBS_DRIVERS.contains(&driver)
}

/// The EBS driver a cluster runs, from its CSIDrivers and CSINodes: [`EBS_AUTO_MODE`] when only
/// Auto Mode's is there, else [`EBS_CSI`] (also when neither is: the one to install).
pub fn cluster_ebs_driver(
    drivers: &[k8s_openapi::api::storage::v1::CSIDriver],
    csi_nodes: &[k8s_openapi::api::storage::v1::CSINode],
) -> &'static str {
    let seen = |name: &str| {
        drivers
            .iter()
            .any(|d| d.metadata.name.as_deref() == Some(name))
            || csi_nodes
                .iter()
                .any(|n| n.spec.drivers.iter().any(|d| d.name == name))
    };
    if seen(EBS_AUTO_MODE) && !seen(EBS_CSI) {
        EBS_AUTO_MODE
    } else {
        EBS_CSI
    }
}

/// Tag keys the EBS CSI drivers (self-managed and EKS Auto Mode) and the in-tree provisioner put
/// on volumes they create. (`CSIVolumeName` is set by both drivers, being one code base; the
/// Auto Mode cluster key follows its driver name.)
pub const KUBERNETES_TAG_KEYS: [&str; 4] = [
    "ebs.csi.aws.com/cluster",
    "ebs.csi.eks.amazonaws.com/cluster",
    TAG_CSI_VOLUME_NAME,
    TAG_PVC_NAME,
];
/// The prefix of the in-tree provisioner's `kubernetes.io/cluster/NAME` tag.
pub const TAG_CLUSTER_PREFIX: &str = "kubernetes.io/cluster/";
/// The tag naming the PV a driver created the volume as.
pub const TAG_CSI_VOLUME_NAME: &str = "CSIVolumeName";
/// The tags naming the claim (and PV) a volume was created for (`--extra-create-metadata`).
pub const TAG_PVC_NAME: &str = "kubernetes.io/created-for/pvc/name";
pub const TAG_PVC_NAMESPACE: &str = "kubernetes.io/created-for/pvc/namespace";
pub const TAG_PV_NAME: &str = "kubernetes.io/created-for/pv/name";
