//! What the kubelet's mount messages say: the kind of failure, the volume, the device, the
//! filesystem type asked for and found, and the message as evidence.

use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::EventRecord;

/// What a kubelet mount error says went wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum MountProblem {
    /// The CSI driver is not registered on the node (`csi-driver-not-registered`).
    DriverNotRegistered,
    /// The device holds another (or a damaged) filesystem (`fs-type-mismatch`).
    WrongFsType,
    /// `wrong fs type` although `-t` is the PV's own fsType: the filesystem carries features
    /// the node's kernel cannot mount (set by `ClaimVolume::kernel_cannot_mount`).
    KernelFeatures,
    /// fsck found errors it could not correct.
    Fsck,
    /// mkfs failed, or an unformatted volume was asked for read-only.
    Format,
    /// The attached device did not show up on the node.
    DeviceNotFound,
    /// The mount point or device refused access.
    Permission,
    /// Mount or attach did not finish in time.
    Timeout,
    /// Anything else: the message says.
    Other,
}

impl MountProblem {
    /// A short label for messages.
    pub(crate) fn label(self) -> &'static str {
        match self {
            MountProblem::DriverNotRegistered => "CSI driver not registered on the node",
            MountProblem::WrongFsType => "wrong filesystem type",
            MountProblem::KernelFeatures => "filesystem features this kernel cannot mount",
            MountProblem::Fsck => "filesystem check (fsck) failed",
            MountProblem::Format => "formatting the volume failed",
            MountProblem::DeviceNotFound => "device not found on the node",
            MountProblem::Permission => "permission denied",
            MountProblem::Timeout => "timed out",
            MountProblem::Other => "mount error",
        }
    }
}

/// Sorts a kubelet mount message into what went wrong.
pub(crate) fn classify(message: &str) -> MountProblem {
    let lower = message.to_ascii_lowercase();
    let has = |s: &str| lower.contains(s);
    if has("not found in the list of registered csi drivers") {
        MountProblem::DriverNotRegistered
    } else if has("wrong fs type") || has("it already contains") {
        MountProblem::WrongFsType
    } else if has("'fsck' found errors") || has("'fsck' error") || has("fsck error") {
        MountProblem::Fsck
    } else if has("format of disk")
        || has("failed to mount unformatted volume as read only")
        || has("mkfs")
    {
        MountProblem::Format
    } else if has("failed to find device path")
        || has("not found in /dev")
        || has("no device path for device")
    {
        MountProblem::DeviceNotFound
    } else if has("permission denied") {
        MountProblem::Permission
    } else if has("context deadline exceeded")
        || has("timed out waiting for the condition")
        || has("deadlineexceeded")
    {
        MountProblem::Timeout
    } else {
        MountProblem::Other
    }
}

/// The quoted name after `for volume "…"`: the PV name for claim-backed volumes.
pub(crate) fn event_volume(message: &str) -> Option<&str> {
    quoted_after(message, "for volume \"")
}

/// The names in a `LABEL=[a b c]` list of the ≤ 1.27 `Unable to attach or mount volumes` event.
pub(crate) fn listed_volumes<'m>(message: &'m str, label: &str) -> Vec<&'m str> {
    let key = format!("{label}=[");
    let Some(start) = message.find(&key).map(|i| i + key.len()) else {
        return Vec::new();
    };
    let rest = message.get(start..).unwrap_or_default();
    let end = rest.find(']').unwrap_or(rest.len());
    rest.get(..end)
        .unwrap_or_default()
        .split([' ', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect()
}

/// The text between `prefix` and the next `"`.
fn quoted_after<'m>(message: &'m str, prefix: &str) -> Option<&'m str> {
    let start = message.find(prefix)? + prefix.len();
    let rest = message.get(start..)?;
    let end = rest.find('"')?;
    rest.get(..end).filter(|s| !s.is_empty())
}

/// The `-t TYPE` in a mount error's `Mounting arguments:` line.
pub(crate) fn mount_args_type(message: &str) -> Option<&str> {
    let start = message.find("Mounting arguments:")? + "Mounting arguments:".len();
    let line = message.get(start..)?.lines().next()?;
    let mut words = line.split_whitespace();
    while let Some(w) = words.next() {
        if w == "-t" {
            return words.next();
        }
    }
    None
}

/// The device a mount error is about: util-linux `bad superblock on /dev/…`, the EBS
/// driver's `could not format "/dev/…"`, or the `/dev/…` source in the mount arguments.
pub(crate) fn mount_device(message: &str) -> Option<&str> {
    if let Some(i) = message.find("bad superblock on ") {
        let rest = message.get(i + "bad superblock on ".len()..)?;
        let end = rest
            .find(|c: char| c == ',' || c.is_whitespace())
            .unwrap_or(rest.len());
        return rest.get(..end).filter(|s| !s.is_empty());
    }
    if let Some(d) = quoted_after(message, "could not format \"") {
        return Some(d);
    }
    let start = message.find("Mounting arguments:")? + "Mounting arguments:".len();
    message
        .get(start..)?
        .lines()
        .next()?
        .split_whitespace()
        .find(|w| w.starts_with("/dev/"))
}

/// The legacy `failed to mount the volume as "ext4", it already contains xfs`: (asked, found).
pub(crate) fn already_contains(message: &str) -> Option<(&str, &str)> {
    let asked = quoted_after(message, "failed to mount the volume as \"")?;
    let key = "it already contains ";
    let start = message.find(key)? + key.len();
    let rest = message.get(start..)?;
    let end = rest
        .find(". Mount error")
        .or_else(|| rest.find(['\n', ',']))
        .unwrap_or(rest.len());
    let found = rest.get(..end)?.trim().trim_end_matches('.');
    (!found.is_empty()).then_some((asked, found))
}

/// A kubelet mount event as evidence. Mount errors put the clue last (util-linux text after
/// `Output:`), past the point where plain event evidence is cut, so keep the head (which
/// operation, which volume) and the output, and drop the mount command in between.
pub(crate) fn mount_event_evidence(cx: &Ctx, e: &EventRecord) -> String {
    let Some(at) = e.message.find("Output:") else {
        return cx.event_evidence(e);
    };
    let head_end = e
        .message
        .find(" : ")
        .filter(|i| *i < at)
        .unwrap_or_else(|| e.message.find('\n').unwrap_or(at).min(at));
    let head = e.message.get(..head_end).unwrap_or_default().trim();
    let output = e
        .message
        .get(at + "Output:".len()..)
        .unwrap_or_default()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    // util-linux repeats the mount point first (`mount: /var/lib/kubelet/…: wrong fs type…`).
    let output = match output.strip_prefix("mount: ") {
        Some(rest) if rest.starts_with('/') => rest
            .split_once(": ")
            .map_or(rest.to_string(), |(_, msg)| msg.to_string()),
        _ => output,
    };
    cx.event_evidence_saying(
        e,
        &k8s::truncate(&format!("{head} : … Output: {output}"), 220),
    )
}

/// "14× over 25m, last 1m ago": how long and how often a set of events has been seen.
pub(crate) fn event_span(cx: &Ctx, events: &[&EventRecord]) -> String {
    let count: u64 = events.iter().map(|e| u64::from(e.count)).sum();
    let first = events.iter().filter_map(|e| e.first.or(e.last)).min();
    let last = events.iter().filter_map(|e| e.last).max();
    match (first, last) {
        (Some(f), Some(l)) if l > f => format!(
            "{count}× over {}, last {} ago",
            k8s::format_age(l.as_second() - f.as_second()),
            cx.age(Some(l))
        ),
        (_, Some(l)) => format!("{count}×, last {} ago", cx.age(Some(l))),
        _ => format!("{count}×"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EBS_WRONG_FS: &str = "MountVolume.MountDevice failed for volume \"pvc-5f0c\" : rpc error: code = Internal desc = could not format \"/dev/nvme1n1\" and mount it at \"/var/lib/kubelet/plugins/kubernetes.io/csi/ebs.csi.aws.com/abc/globalmount\": mount failed: exit status 32\nMounting command: mount\nMounting arguments: -t ext4 -o defaults /dev/nvme1n1 /var/lib/kubelet/plugins/kubernetes.io/csi/ebs.csi.aws.com/abc/globalmount\nOutput: mount: /var/lib/kubelet/plugins/kubernetes.io/csi/ebs.csi.aws.com/abc/globalmount: wrong fs type, bad option, bad superblock on /dev/nvme1n1, missing codepage or helper program, or other error.";

    #[test]
    fn parses_the_ebs_wrong_fs_message() {
        assert_eq!(classify(EBS_WRONG_FS), MountProblem::WrongFsType);
        assert_eq!(event_volume(EBS_WRONG_FS), Some("pvc-5f0c"));
        assert_eq!(mount_args_type(EBS_WRONG_FS), Some("ext4"));
        assert_eq!(mount_device(EBS_WRONG_FS), Some("/dev/nvme1n1"));
        assert_eq!(already_contains(EBS_WRONG_FS), None);
    }

    #[test]
    fn parses_the_legacy_already_contains_message() {
        let m = "MountVolume.MountDevice failed for volume \"pv-a\" : failed to mount the volume as \"ext4\", it already contains xfs. Mount error: mount failed: exit status 32";
        assert_eq!(already_contains(m), Some(("ext4", "xfs")));
        assert_eq!(classify(m), MountProblem::WrongFsType);
    }

    #[test]
    fn classifies_kubelet_messages() {
        let cases = [
            ("MountVolume.MountDevice failed for volume \"pv\" : kubernetes.io/csi: attacher.MountDevice failed to create newCsiDriverClient: driver name ebs.csi.aws.com not found in the list of registered CSI drivers", MountProblem::DriverNotRegistered),
            ("MountVolume.MountDevice failed for volume \"pv\" : rpc error: code = NotFound desc = Failed to find device path /dev/xvdba. no device path for device \"/dev/xvdba\" volume \"vol-1\" found", MountProblem::DeviceNotFound),
            ("MountVolume.MountDevice failed for volume \"pv\" : rpc error: code = DeadlineExceeded desc = context deadline exceeded", MountProblem::Timeout),
            ("Unable to attach or mount volumes: unmounted volumes=[data], unattached volumes=[data kube-api-access-x], failed to process volumes=[]: timed out waiting for the condition", MountProblem::Timeout),
            ("MountVolume.MountDevice failed for volume \"pv\" : rpc error: code = Internal desc = could not format \"/dev/nvme1n1\" and mount it at \"/x\": 'fsck' found errors on device /dev/nvme1n1 but could not correct them: fsck from util-linux", MountProblem::Fsck),
            ("MountVolume.SetUp failed for volume \"pv\" : mkdir /var/lib/kubelet/pods/x: permission denied", MountProblem::Permission),
            ("MountVolume.MountDevice failed for volume \"pv\" : rpc error: code = Internal desc = could not format \"/dev/nvme1n1\" and mount it at \"/x\": format of disk \"/dev/nvme1n1\" failed: type:(\"ext4\") target:(\"/x\") options:(\"defaults\") errcode:(exit status 1)", MountProblem::Format),
        ];
        for (m, want) in cases {
            assert_eq!(classify(m), want, "{m}");
        }
        assert_eq!(
            listed_volumes(cases[3].0, "unattached volumes"),
            vec!["data", "kube-api-access-x"]
        );
        assert_eq!(
            listed_volumes(cases[3].0, "unmounted volumes"),
            vec!["data"]
        );
    }
}
