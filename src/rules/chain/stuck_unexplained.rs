//! `stuck-unexplained`: a hop of the chain is not healthy and no other finding explains it.
//!
//! This rule runs last (a registry test keeps it there): the `out` it is given already holds
//! every other rule's findings, and it adds one only for a chain none of them is about.

use super::super::{Category, Finding, Rule, Severity};
use crate::ctx::Ctx;
use crate::health::{self, ChainView, Member};
use crate::k8s;

pub static RULE: Rule = Rule {
    code: "stuck-unexplained",
    severity: Severity::Error,
    category: Category::Chain,
    summary: "A hop of the chain is stuck (Pod not running or crash-looping, claim not bound, attachment failing, volume in a bad state) and no other rule explains it.",
    what: "Some object of the chain is not healthy by its own status (a Pod unscheduled, Pending past its start-up time, not Ready or crash-looping; a claim Pending past its binding time, Lost, being deleted or left mid-resize; a VolumeAttachment with an error, unattached or detaching for minutes; a node NotReady; an EBS volume in error or missing), and none of the specific rules found its cause in what could be read. The finding says what is stuck and since when, every fact that was read, what could not be read, and where to look next.",
    why: "The cause usually lives somewhere the snapshot does not reach: in an event that expired (the API server keeps events for one hour by default), in a kind that was forbidden or not dumped, or only in a log (kubelet, CSI driver, CloudTrail). Calling the chain healthy would send the on-call engineer away from a Pod that is really stuck; saying exactly what is known and unknown points at the next place to look.",
    fix: "Follow the next steps in the finding: read the kubelet's log on the Pod's node and the CSI driver's logs (controller for provisioning and attaching, node plugin for mounting), `kubectl describe` the stuck object while its events are fresh, and CloudTrail for the EBS API calls; re-run with the missing kinds readable (events, CSINodes, VolumeAttachments) or with --kubelet-stats for volume usage.",
    check,
};

/// Findings that describe a risk or a cost, not a cause: they never explain a stuck hop.
pub const ADVISORY: &[&str] = &[
    "legacy-aws-ebs-provisioner",
    "ebs-size-mismatch",
    "volume-nearly-full",
    "multiple-default-storageclasses",
    "pv-unclaimed",
    "orphaned-ebs-volume",
    "in-tree-ebs-volume",
    "static-pv-without-zone-affinity",
    "immediate-binding-single-zone",
];

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    // Objects findings are about, hashed: a scan's chains are checked in linear time.
    let explaining: std::collections::HashSet<&crate::rules::ObjectRef> = out
        .iter()
        .filter(|f| f.severity != Severity::Info && !ADVISORY.contains(&f.code))
        .map(|f| &f.object)
        .collect();
    let mut found = Vec::new();
    health::for_each_chain(cx, |chain| {
        if chain.stuck().next().is_none() {
            return;
        }
        let explained = chain
            .members
            .iter()
            .map(|m| &m.object)
            .chain(&chain.others)
            .any(|o| explaining.contains(o));
        if !explained {
            found.push(finding(cx, &chain));
        }
    });
    out.extend(found);
}

fn finding(cx: &Ctx, chain: &ChainView) -> Finding {
    let stuck: Vec<_> = chain.stuck().collect();
    let (first, what) = stuck[0];
    let subject = format!("{} {}", first.object.kind, first.object.display_name());
    let since = what
        .since
        .map(|t| {
            format!(
                " (since {}, {} ago)",
                t.strftime("%Y-%m-%d %H:%M:%SZ"),
                k8s::format_age(cx.age_secs(t))
            )
        })
        .unwrap_or_default();
    let mut f = Finding::new(
        &RULE,
        first.object.clone(),
        format!(
            "{subject} is stuck: {}{since}; no rule found the cause in what could be read",
            what.what
        ),
    );
    for (m, s) in &stuck[1..] {
        f = f.evidence(format!(
            "also stuck: {} {}: {}",
            m.object.kind,
            m.object.display_name(),
            s.what
        ));
    }
    let mut facts: Vec<String> = Vec::new();
    for (m, s) in &stuck {
        for fact in &s.facts {
            let line = format!("{} {}: {fact}", m.label, m.object.display_name());
            if !facts.contains(&line) {
                facts.push(line);
            }
        }
    }
    for fact in facts {
        f = f.evidence(fact);
    }
    let states: Vec<String> = chain
        .members
        .iter()
        .map(|m| format!("{} {}", m.label, state_word(m)))
        .collect();
    f = f.evidence(format!("hops: {}", states.join(", ")));
    let events_read = cx
        .events_unknown(
            &first.object.kind,
            first.object.namespace.as_deref(),
            &first.object.name,
        )
        .is_none();
    let mut any_event = false;
    for (m, _) in &stuck {
        let events = cx.events_for(
            &m.object.kind,
            m.object.namespace.as_deref(),
            &m.object.name,
        );
        for e in events.iter().rev().take(3) {
            any_event = true;
            f = f.evidence(cx.event_evidence(e));
        }
    }
    if events_read && !any_event {
        f = f.evidence(
            "no events about the stuck objects in what was read: the API server keeps events for 1 h by default (--event-ttl), so a chain stuck longer has usually lost the message that named the cause",
        );
    }
    for (kind, reason) in cx.gaps() {
        f = f.evidence(format!("not read: {}: {reason}", kind.plural()));
    }
    f.fix(next_steps(cx, first, chain))
}

fn state_word(m: &Member) -> String {
    match &m.health {
        health::Health::Healthy => "ok".to_string(),
        health::Health::Waiting(w) => format!("waiting ({w})"),
        health::Health::Starting(s) => format!("starting ({s})"),
        health::Health::Stuck(_) => "stuck".to_string(),
    }
}

/// Where to look next, for the first stuck member and the chain it is in.
fn next_steps(cx: &Ctx, first: &Member, chain: &ChainView) -> String {
    let o = &first.object;
    let ns = o.namespace.as_deref().unwrap_or("default");
    let node = chain
        .members
        .iter()
        .find(|m| m.label == "Node")
        .map(|m| m.object.name.clone());
    let ebs = chain.members.iter().find(|m| m.label == "EBS").map(|m| {
        format!(
            "; CloudTrail (AttachVolume/DetachVolume/CreateVolume on {}) and aws ec2 describe-volumes --volume-ids {}",
            m.object.name, m.object.name
        )
    });
    let mut steps = match first.label {
        "Pod" => {
            let crash = first
                .health
                .as_stuck()
                .is_some_and(|s| s.what.contains("CrashLoopBackOff") || s.what.contains("not Ready"));
            if crash {
                let mut s = format!(
                    "read the container's last log: kubectl logs -n {ns} {} --previous; if it says \"No space left on device\", check volume usage with kubectl storage why pod/{} -n {ns} --kubelet-stats",
                    o.name, o.name
                );
                if let Some(n) = &node {
                    s.push_str(&format!(
                        " (or kubectl get --raw /api/v1/nodes/{n}/proxy/stats/summary)"
                    ));
                }
                s
            } else {
                let mut s = format!(
                    "kubectl describe pod -n {ns} {} while its events are fresh",
                    o.name
                );
                if let Some(n) = &node {
                    s.push_str(&format!(
                        "; the kubelet's log on node {n} (journalctl -u kubelet | grep -E 'MountVolume|AttachVolume|{}') and the CSI node plugin's log on that node (kubectl logs -n kube-system -l app=ebs-csi-node -c ebs-plugin --field-selector spec.nodeName={n})",
                        o.name
                    ));
                }
                s
            }
        }
        "PVC" => format!(
            "kubectl describe pvc -n {ns} {}; the provisioner's log (kubectl logs -n kube-system deploy/ebs-csi-controller -c csi-provisioner, or the class's driver's controller); kubectl get --raw /api/v1/namespaces/{ns}/persistentvolumeclaims/{} for its full status",
            o.name, o.name
        ),
        "Attach" => format!(
            "kubectl get volumeattachment {} -o yaml; the attacher's log (kubectl logs -n kube-system deploy/ebs-csi-controller -c csi-attacher)",
            o.name
        ),
        "Node" => format!(
            "kubectl describe node {}; the node's kubelet and container runtime",
            o.name
        ),
        _ => format!("kubectl describe {} {}", o.kind.to_lowercase(), o.name),
    };
    if let Some(e) = ebs {
        steps.push_str(&e);
    }
    if !cx.gaps().is_empty() {
        steps.push_str("; re-run with read access to what was not read (see evidence)");
    }
    steps
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_on_a_crash_looping_database_with_no_other_finding() {
        let f = assert_fires("stuck-unexplained");
        let m = &f[0];
        assert_eq!(m.object.name, "db-0");
        assert!(
            m.message
                .contains("container postgres CrashLoopBackOff (14 restarts)"),
            "{}",
            m.message
        );
        assert!(
            m.evidence
                .iter()
                .any(|e| e.contains("No space left on device") && e.contains("exit code 1")),
            "{:?}",
            m.evidence
        );
        assert!(
            m.evidence
                .iter()
                .any(|e| e.contains("keeps events for 1 h")),
            "{:?}",
            m.evidence
        );
        assert!(m.fix.contains("--kubelet-stats"), "{}", m.fix);
        assert!(
            m.fix.contains(
                "kubectl get --raw /api/v1/nodes/ip-10-0-1-17.ec2.internal/proxy/stats/summary"
            ),
            "{}",
            m.fix
        );
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("stuck-unexplained");
    }
}
