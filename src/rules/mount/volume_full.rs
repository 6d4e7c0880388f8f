//! `volume-full`: the kubelet's volume stats show a claim's filesystem (bytes or inodes) full.

use super::super::{Category, Finding, Rule, Severity};
use super::{focused_usage, usage_finding};
use crate::ctx::Ctx;

/// At or above this fill level (percent of bytes or inodes) a volume is full.
pub const FULL_PCT: f64 = 99.0;

pub static RULE: Rule = Rule {
    code: "volume-full",
    severity: Severity::Error,
    category: Category::Mount,
    summary: "A claim's volume has 99% or more of its bytes or inodes used (kubelet volume stats).",
    what: "The kubelet's stats summary (kubectl get --raw /api/v1/nodes/NODE/proxy/stats/summary, pods[].volume[] with a pvcRef) shows a PVC-backed volume of a pod in focus with at least 99% of its bytes or of its inodes in use. Bytes in use are counted as capacity minus what the application may still write (availableBytes), so ext4's reserved blocks count as used. Opt-in: reading the stats needs get on nodes/proxy, a powerful permission kept out of the default read-only role; without the stats (offline snapshot without summaries, or not asked for) this rule stays silent, which says nothing about free space.",
    why: "A full filesystem fails every write with 'No space left on device' (ENOSPC): databases stop accepting writes, fail their checkpoint or WAL and crash-loop (CrashLoopBackOff), and some corrupt their files. Running out of inodes (many small files) fails the same way while bytes remain free.",
    fix: "Expand the claim when its StorageClass has allowVolumeExpansion: true (kubectl patch pvc NAME -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"NEWSIZE\"}}}}'; the EBS volume and the filesystem grow online, one modification per volume every 6 hours); if the class does not allow it, set allowVolumeExpansion: true on the class first (the one field a class may change). Or delete data the application no longer needs.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for u in focused_usage(cx).iter().filter(|u| u.pct() >= FULL_PCT) {
        out.push(usage_finding(cx, &RULE, u, "full"));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_on_a_full_database_volume() {
        let f = assert_fires("volume-full");
        assert_eq!(f.len(), 1, "{f:#?}");
        let f = &f[0];
        assert_eq!(f.object.kind, "PersistentVolumeClaim");
        assert_eq!(f.object.name, "data-db-0");
        assert!(
            f.message.contains(
                "Claim prod/data-db-0 (pod prod/db-0) is full: 20Gi of 20Gi used (100.0%), nothing left"
            ),
            "{}",
            f.message
        );
        assert!(
            f.evidence.iter().any(|e| e
                .contains("container postgres: CrashLoopBackOff, 14 restarts")
                && e.contains("No space left on device")),
            "{:?}",
            f.evidence
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("StorageClass gp3 allowVolumeExpansion: true")),
            "{:?}",
            f.evidence
        );
        assert!(
            f.fix.contains(
                "kubectl patch pvc data-db-0 -n prod -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"30Gi\"}}}}'"
            ),
            "{}",
            f.fix
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("volume-full");
    }
}
