//! `volume-nearly-full`: the kubelet's volume stats show a claim's filesystem 90% full or more.

use super::super::{Category, Finding, Rule, Severity};
use super::volume_full::FULL_PCT;
use super::{focused_usage, usage_finding};
use crate::ctx::Ctx;

/// At or above this fill level (percent of bytes or inodes) a volume is nearly full.
pub const NEARLY_FULL_PCT: f64 = 90.0;

pub static RULE: Rule = Rule {
    code: "volume-nearly-full",
    severity: Severity::Warning,
    category: Category::Mount,
    summary: "A claim's volume has 90% or more of its bytes or inodes used (kubelet volume stats).",
    what: "The kubelet's stats summary (kubectl get --raw /api/v1/nodes/NODE/proxy/stats/summary, pods[].volume[] with a pvcRef) shows a PVC-backed volume of a pod in focus with at least 90% (and under 99%, which is volume-full) of its bytes or inodes in use. The finding says how much is left and whether the claim's StorageClass allows expansion. Opt-in: reading the stats needs get on nodes/proxy, a powerful permission kept out of the default read-only role; without the stats this rule stays silent, which says nothing about free space.",
    why: "It still works, but the next burst of writes (a bulk load, a vacuum, a log spike, a backup written locally) ends in 'No space left on device' and a crash loop. Expanding takes time (EBS modification, filesystem resize) and is limited to one modification per volume every 6 hours, so act before it is full.",
    fix: "Expand the claim while there is room to act: with allowVolumeExpansion: true on the class, kubectl patch pvc NAME -p '{\"spec\":{\"resources\":{\"requests\":{\"storage\":\"NEWSIZE\"}}}}'; otherwise set allowVolumeExpansion: true on the class first. Or delete data the application no longer needs, and alert on kubelet_volume_stats_available_bytes.",
    check,
};

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for u in focused_usage(cx)
        .iter()
        .filter(|u| (NEARLY_FULL_PCT..FULL_PCT).contains(&u.pct()))
    {
        out.push(usage_finding(cx, &RULE, u, "nearly full"));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_on_a_volume_over_ninety_percent() {
        let f = assert_fires("volume-nearly-full");
        assert_eq!(f.len(), 1, "{f:#?}");
        let f = &f[0];
        assert_eq!(f.object.name, "data-db-0");
        assert!(
            f.message
                .contains("Claim prod/data-db-0 (pod prod/db-0) is nearly full: 93Gi of 100Gi used (93.0%), 7Gi left"),
            "{}",
            f.message
        );
        assert!(
            f.evidence
                .iter()
                .any(|e| e.contains("StorageClass gp2-legacy allowVolumeExpansion: unset")),
            "{:?}",
            f.evidence
        );
        assert!(
            f.fix.contains("class gp2-legacy does not allow expansion")
                && f.fix.contains("\"storage\":\"150Gi\""),
            "{}",
            f.fix
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("volume-nearly-full");
    }
}
