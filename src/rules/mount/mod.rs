//! Mount: what the kubelet reports.
//!
//! The kubelet records mount failures as `FailedMount` (filesystem volumes) or
//! `FailedMapVolume` (block volumes) events on the Pod. The helpers here read those events
//! and the kubelet's volume statistics; the rules decide what they mean.

pub mod fs_type_mismatch;
pub mod mount_failed;
pub mod volume_full;
pub mod volume_nearly_full;

use crate::model::{PersistentVolume, Pod};
use k8s_openapi::api::core::v1::PersistentVolumeClaim;

use super::{Finding, ObjectRef, Rule};
use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::{EventRecord, Lookup, VolumeStats};

/// This category's rules, root causes first.
pub static RULES: &[&Rule] = &[
    &fs_type_mismatch::RULE,
    &mount_failed::RULE,
    &volume_full::RULE,
    &volume_nearly_full::RULE,
];

/// Event reasons the kubelet uses for mount (filesystem) and map (block) failures.
const MOUNT_REASONS: [&str; 2] = ["FailedMount", "FailedMapVolume"];

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

/// A pod volume backed by a claim, with what it resolves to.
pub(crate) struct ClaimVolume<'a> {
    /// The pod's name for the volume (`spec.volumes[].name`).
    pub volume: String,
    /// The claim's name.
    pub claim: String,
    pub pv: Option<&'a PersistentVolume>,
}

impl ClaimVolume<'_> {
    /// The PV's name, if the claim is bound to one we know.
    pub fn pv_name(&self) -> Option<&str> {
        self.pv.and_then(|pv| pv.metadata.name.as_deref())
    }

    /// A `wrong fs type` mount error with no real type disagreement: a provisioned PV (the
    /// driver formatted the new volume itself, with the PV's fsType), mounted with `-t` equal
    /// to that fsType, and no legacy `it already contains` naming another type. The filesystem
    /// is the right kind but uses features the node's kernel lacks (xfs made by xfsprogs ≥ 5.x
    /// on a kernel ≤ 5.4; ext4 likewise). A hand-made PV, or one without fsType, stays a type
    /// question: the device may hold anything.
    pub fn kernel_cannot_mount(&self, message: &str) -> bool {
        let Some(pv) = self.pv else { return false };
        let pv_type = k8s::pv_fs_type(pv).filter(|t| !t.is_empty());
        let provisioned = k8s::annotation(pv, "pv.kubernetes.io/provisioned-by").is_some();
        provisioned
            && already_contains(message).is_none()
            && pv_type.is_some()
            && mount_args_type(message) == pv_type
    }
}

/// The claim-backed volumes of a pod.
pub(crate) fn claim_volumes<'a>(cx: &Ctx<'a>, pod: &Pod) -> Vec<ClaimVolume<'a>> {
    let ns = pod.metadata.namespace.as_deref().unwrap_or_default();
    k8s::pod_claims(pod)
        .into_iter()
        .map(|(volume, claim)| {
            let pvc = cx.pvc(ns, &claim).found();
            let pv = pvc.and_then(|c| cx.pv_of(c)).and_then(|l| l.found());
            ClaimVolume { volume, claim, pv }
        })
        .collect()
}

/// The kubelet's mount/map failure events on a pod, oldest first. Events about an earlier pod
/// of the same name (a StatefulSet pod deleted and recreated) are left out when uids tell.
pub(crate) fn mount_events<'a>(cx: &Ctx<'a>, pod: &Pod) -> Vec<&'a EventRecord> {
    let uid = pod.metadata.uid.as_deref();
    cx.pod_events(pod)
        .into_iter()
        .filter(|e| MOUNT_REASONS.contains(&e.reason.as_str()))
        .filter(|e| match (uid, e.uid.as_deref()) {
            (Some(p), Some(u)) => p == u,
            _ => true,
        })
        .collect()
}

/// Whether the kubelet is still trying to mount: the pod is scheduled but not started.
/// Once a pod runs, every volume it uses was mounted, and old events are history.
pub(crate) fn waiting_for_mount(pod: &Pod) -> bool {
    k8s::pod_phase(pod) == "Pending"
        && pod
            .spec
            .as_ref()
            .and_then(|s| s.node_name.as_deref())
            .is_some_and(|n| !n.is_empty())
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

/// The claim volumes an event message is about: the one named by `for volume "…"` (PV name,
/// pod volume name or claim name), or the claim volumes in `unmounted volumes=[…]`.
pub(crate) fn event_targets<'v, 'a>(
    vols: &'v [ClaimVolume<'a>],
    message: &str,
) -> Vec<&'v ClaimVolume<'a>> {
    if let Some(name) = event_volume(message) {
        return vols
            .iter()
            .filter(|v| v.pv_name() == Some(name) || v.volume == name || v.claim == name)
            .collect();
    }
    let unmounted = listed_volumes(message, "unmounted volumes");
    vols.iter()
        .filter(|v| unmounted.contains(&v.volume.as_str()))
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
    format!(
        "{}× {} on {}/{}, last {} ago: \"{}\"",
        e.count,
        e.reason,
        e.namespace.as_deref().unwrap_or("-"),
        e.name,
        cx.age(e.last),
        k8s::truncate(&format!("{head} : … Output: {output}"), 220)
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

/// The fill level of a volume from the kubelet's stats.
pub struct Usage<'a> {
    pub stats: &'a VolumeStats,
    pub capacity: u64,
    /// Bytes not available to the application (`capacity - available`: includes ext4's
    /// reserved blocks, which is why "No space left on device" comes before 100% used).
    pub used: u64,
    pub left: u64,
    pub bytes_pct: f64,
    pub inodes: Option<(u64, u64, f64)>,
}

impl Usage<'_> {
    /// The higher of the byte and inode fill levels, in percent.
    pub fn pct(&self) -> f64 {
        self.inodes
            .map_or(self.bytes_pct, |(_, _, p)| p.max(self.bytes_pct))
    }

    /// Whether inodes, not bytes, are what runs out.
    pub fn inode_bound(&self) -> bool {
        self.inodes.is_some_and(|(_, _, p)| p > self.bytes_pct)
    }

    /// "19.9Gi of 20Gi used (99.6%), 82Mi left" (and the inode figures when they matter).
    pub fn describe(&self) -> String {
        let left = if self.left == 0 {
            "nothing left".to_string()
        } else {
            format!("{} left", k8s::format_bytes(u128::from(self.left)))
        };
        let bytes = format!(
            "{} of {} used ({:.1}%), {left}",
            k8s::format_bytes(u128::from(self.used)),
            k8s::format_bytes(u128::from(self.capacity)),
            self.bytes_pct,
        );
        match self.inodes {
            Some((used, total, p)) if self.inode_bound() => format!(
                "inodes {used} of {total} used ({p:.1}%), {} left; bytes {bytes}",
                total.saturating_sub(used)
            ),
            _ => bytes,
        }
    }
}

/// The fill level of a claim-backed volume, when the stats say enough to compute it.
pub fn usage(stats: &VolumeStats) -> Option<Usage<'_>> {
    stats.pvc_name.as_ref()?;
    let capacity = stats.capacity_bytes.filter(|c| *c > 0)?;
    let by_available = stats.available_bytes.map(|a| capacity.saturating_sub(a));
    let used = match (stats.used_bytes, by_available) {
        (Some(u), Some(a)) => u.max(a),
        (Some(u), None) => u,
        (None, Some(a)) => a,
        (None, None) => return None,
    }
    .min(capacity);
    let left = stats
        .available_bytes
        .unwrap_or(capacity - used)
        .min(capacity - used);
    let inodes = match (stats.inodes_used, stats.inodes) {
        (Some(u), Some(t)) if t > 0 => Some((u, t, u as f64 * 100.0 / t as f64)),
        _ => None,
    };
    Some(Usage {
        stats,
        capacity,
        used,
        left,
        bytes_pct: used as f64 * 100.0 / capacity as f64,
        inodes,
    })
}

/// Volume stats for claims in focus (a focused pod's volume, or a focused claim), one per
/// claim, with their fill level. Empty when the kubelet stats were not read (opt-in).
pub(crate) fn focused_usage<'a>(cx: &Ctx<'a>) -> Vec<Usage<'a>> {
    let mut seen = std::collections::HashSet::new();
    let mut out = Vec::new();
    for s in &cx.snap.volume_stats {
        let (Some(pvc_ns), Some(pvc_name)) = (s.pvc_namespace.as_deref(), s.pvc_name.as_deref())
        else {
            continue;
        };
        let in_focus = cx.pvc_in_focus(pvc_ns, pvc_name)
            || cx.pod_named_in_focus(&s.pod_namespace, &s.pod_name);
        if !in_focus || !seen.insert((pvc_ns, pvc_name)) {
            continue;
        }
        if let Some(u) = usage(s) {
            out.push(u);
        }
    }
    out
}

/// Builds the finding both volume rules share: message, evidence and a concrete fix.
pub(crate) fn usage_finding(cx: &Ctx, rule: &Rule, u: &Usage, adjective: &str) -> Finding {
    let s = u.stats;
    let ns = s.pvc_namespace.as_deref().unwrap_or_default();
    let claim = s.pvc_name.as_deref().unwrap_or_default();
    let pvc = cx.pvc(ns, claim).found();
    let object = pvc
        .map(ObjectRef::of)
        .unwrap_or_else(|| ObjectRef::new("PersistentVolumeClaim", Some(ns), claim));
    let what = if u.inode_bound() { "out of inodes" } else { "" };
    let message = format!(
        "Claim {ns}/{claim} (pod {}/{}) is {adjective}{}: {}",
        s.pod_namespace,
        s.pod_name,
        if what.is_empty() {
            String::new()
        } else {
            format!(", {what}")
        },
        u.describe()
    );
    let mut f = Finding::new(rule, object, message).evidence(format!(
        "kubelet stats on node {} for pod {}/{} volume {}: usedBytes {}, availableBytes {}, capacityBytes {}, inodesUsed {}, inodes {}",
        s.node,
        s.pod_namespace,
        s.pod_name,
        s.volume_name,
        opt(s.used_bytes),
        opt(s.available_bytes),
        opt(s.capacity_bytes),
        opt(s.inodes_used),
        opt(s.inodes),
    ));
    if let Lookup::Found(pod) = cx.pod(&s.pod_namespace, &s.pod_name) {
        for line in crash_loop_evidence(pod) {
            f = f.evidence(line);
        }
    }
    let (expand, note) = expansion(cx, pvc, u);
    if let Some(n) = note {
        f = f.evidence(n);
    }
    let cleanup = if u.inode_bound() {
        "delete files the application no longer needs (many small files: logs, temp or WAL segments)"
    } else {
        "delete data the application no longer needs (old logs, backups, WAL/binlog files)"
    };
    f.fix(format!("{expand}; or {cleanup}"))
}

fn opt(v: Option<u64>) -> String {
    v.map_or_else(|| "?".into(), |v| v.to_string())
}

/// The suggested new size: +50%, rounded up to whole Gi.
pub(crate) fn suggested_size(current: u128) -> String {
    const GI: u128 = 1024 * 1024 * 1024;
    let target = current + current.div_ceil(2);
    format!("{}Gi", target.div_ceil(GI).max(1))
}

/// The expansion advice and, when it matters, a line of evidence about the class.
fn expansion(cx: &Ctx, pvc: Option<&PersistentVolumeClaim>, u: &Usage) -> (String, Option<String>) {
    let s = u.stats;
    let ns = s.pvc_namespace.as_deref().unwrap_or_default();
    let claim = s.pvc_name.as_deref().unwrap_or_default();
    let current = pvc
        .and_then(k8s::pvc_request)
        .unwrap_or(u128::from(u.capacity))
        .max(u128::from(u.capacity));
    let size = suggested_size(current);
    let patch = format!(
        "kubectl patch pvc {claim} -n {ns} -p '{{\"spec\":{{\"resources\":{{\"requests\":{{\"storage\":\"{size}\"}}}}}}}}'"
    );
    let class = pvc.and_then(|c| cx.class_of(c));
    match class {
        Some(sc) => {
            let name = sc.metadata.name.as_deref().unwrap_or_default();
            if sc.allow_volume_expansion == Some(true) {
                (
                    format!(
                        "expand the claim (class {name} allows expansion; EBS grows online, one modification per volume every 6 hours): {patch}"
                    ),
                    Some(format!("StorageClass {name} allowVolumeExpansion: true")),
                )
            } else {
                (
                    format!(
                        "class {name} does not allow expansion: set allowVolumeExpansion: true on it (kubectl patch storageclass {name} -p '{{\"allowVolumeExpansion\":true}}'), then expand the claim: {patch}"
                    ),
                    Some(format!(
                        "StorageClass {name} allowVolumeExpansion: {}: the claim cannot be expanded as is",
                        sc.allow_volume_expansion
                            .map_or("unset".to_string(), |b| b.to_string())
                    )),
                )
            }
        }
        None => (
            format!("expand the claim if its StorageClass allows expansion (allowVolumeExpansion: true; not checked): {patch}"),
            None,
        ),
    }
}

/// The classic symptom of a full volume: a container crash-looping, ideally saying
/// "No space left on device" in its last termination message.
fn crash_loop_evidence(pod: &Pod) -> Vec<String> {
    let name = pod.metadata.name.as_deref().unwrap_or_default();
    pod.status
        .iter()
        .flat_map(|s| s.container_statuses.iter().flatten())
        .filter_map(|c| {
            let waiting = c
                .state
                .as_ref()
                .and_then(|s| s.waiting.as_ref())
                .and_then(|w| w.reason.as_deref());
            let last = c.last_state.as_ref().and_then(|s| s.terminated.as_ref());
            let no_space = last
                .and_then(|t| t.message.as_deref())
                .filter(|m| m.contains("No space left on device"));
            if waiting != Some("CrashLoopBackOff") && no_space.is_none() {
                return None;
            }
            let mut line = format!(
                "pod {name} container {}: {}, {} restarts",
                c.name,
                waiting.unwrap_or("restarting"),
                c.restart_count
            );
            if let Some(t) = last {
                line.push_str(&format!(", last exit code {}", t.exit_code));
            }
            if let Some(m) = no_space {
                let at = m.find("No space left on device").unwrap_or(0);
                let start = m.get(..at).and_then(|p| p.rfind('\n')).map_or(0, |i| i + 1);
                line.push_str(&format!(
                    ": \"{}\"",
                    k8s::truncate(m.get(start..).unwrap_or(m).trim(), 120)
                ));
            }
            Some(line)
        })
        .collect()
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

    fn stats(cap: u64, used: u64, avail: u64, inodes: u64, iused: u64) -> VolumeStats {
        VolumeStats {
            node: "node-a".into(),
            pod_namespace: "prod".into(),
            pod_name: "db-0".into(),
            volume_name: "data".into(),
            pvc_namespace: Some("prod".into()),
            pvc_name: Some("data-db-0".into()),
            capacity_bytes: Some(cap),
            used_bytes: Some(used),
            available_bytes: Some(avail),
            inodes: Some(inodes),
            inodes_used: Some(iused),
        }
    }

    #[test]
    fn usage_counts_reserved_blocks_and_inodes() {
        const GI: u64 = 1024 * 1024 * 1024;
        // ext4 keeps 5% for root: 95% used by usedBytes, but nothing available to the app.
        let s = stats(20 * GI, 19 * GI, 0, 1000, 10);
        let u = usage(&s).expect("usage");
        assert!(u.pct() >= 99.9, "{}", u.pct());
        assert_eq!(u.describe(), "20Gi of 20Gi used (100.0%), nothing left");
        // Inodes run out first.
        let s = stats(20 * GI, 2 * GI, 18 * GI, 1_000_000, 995_000);
        let u = usage(&s).expect("usage");
        assert!(u.inode_bound());
        assert!(
            u.describe()
                .starts_with("inodes 995000 of 1000000 used (99.5%), 5000 left"),
            "{}",
            u.describe()
        );
        // Volumes that are not PVC-backed, or have no capacity, are not judged.
        let mut s = stats(20 * GI, 19 * GI, 0, 1000, 10);
        s.pvc_name = None;
        assert!(usage(&s).is_none());
    }

    #[test]
    fn focused_usage_keeps_the_focus_namespace_only() {
        let snap = crate::ctx::tests::two_namespaces();
        let focus = crate::ctx::Focus {
            pods: snap
                .pods
                .iter()
                .filter(|p| p.metadata.namespace.as_deref() == Some("b"))
                .collect(),
            ..Default::default()
        };
        let cx = Ctx::new(&snap, jiff::Timestamp::UNIX_EPOCH).with_focus(focus);
        let got: Vec<_> = focused_usage(&cx)
            .iter()
            .map(|u| (u.stats.pod_namespace.clone(), u.used))
            .collect();
        assert_eq!(got, vec![("b".to_string(), 20)]);
        let all =
            Ctx::new(&snap, jiff::Timestamp::UNIX_EPOCH).with_focus(crate::ctx::Focus::all(&snap));
        assert_eq!(focused_usage(&all).len(), 2);
    }

    #[test]
    fn suggests_half_again_rounded_up_to_gi() {
        const GI: u128 = 1024 * 1024 * 1024;
        assert_eq!(suggested_size(20 * GI), "30Gi");
        assert_eq!(suggested_size(5 * GI), "8Gi");
        assert_eq!(suggested_size(100 * 1024 * 1024), "1Gi");
    }
}
