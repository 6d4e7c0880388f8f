//! How full a claim-backed volume is, from the kubelet's stats, and the finding both volume
//! rules (`volume-full`, `volume-nearly-full`) build from it.

use crate::k8s::Named;
use crate::model::Pod;
use k8s_openapi::api::core::v1::PersistentVolumeClaim;

use super::super::{Finding, ObjectRef, Rule};
use crate::ctx::Ctx;
use crate::k8s;
use crate::snapshot::{Lookup, VolumeStats};

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
            let name = sc.name();
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
    let name = pod.name();
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

    fn stats(cap: u64, used: u64, avail: u64, inodes: u64, iused: u64) -> VolumeStats {
        crate::ctx::tests::volume_stats("prod", cap, used, avail, inodes, iused)
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
        let focus = crate::ctx::tests::in_namespace(&snap, "b");
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
