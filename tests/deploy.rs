//! What `deploy/` ships agrees with what the tool reads: the read-only ClusterRole of
//! `deploy/rbac-readonly.yaml`, the chart's (rendered as `deploy/kubernetes/kubectl-storage.yaml`)
//! and the kinds a scan lists are the same; the CronJob runs `scan -A -o json`; the README's k9s
//! plugins call `why` for pods, claims and volumes.

use std::collections::BTreeSet;

use kubectl_storage::snapshot::Kind;
use serde_json::Value;

fn docs(path: &str) -> Vec<Value> {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_saphyr::from_multiple::<Value>(&text)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .into_iter()
        .filter(|d| !d.is_null())
        .collect()
}

/// `(apiGroup, resource, verb)` of the first ClusterRole in `path` (the read-only one).
fn grants(path: &str) -> BTreeSet<(String, String, String)> {
    let role = docs(path)
        .into_iter()
        .find(|d| d["kind"] == "ClusterRole")
        .unwrap_or_else(|| panic!("{path} has a ClusterRole"));
    let mut out = BTreeSet::new();
    for rule in role["rules"].as_array().expect("rules") {
        for g in rule["apiGroups"].as_array().expect("apiGroups") {
            for r in rule["resources"].as_array().expect("resources") {
                for v in rule["verbs"].as_array().expect("verbs") {
                    out.insert((
                        g.as_str().unwrap().to_string(),
                        r.as_str().unwrap().to_string(),
                        v.as_str().unwrap().to_string(),
                    ));
                }
            }
        }
    }
    out
}

#[test]
fn the_chart_and_rbac_readonly_grant_the_same_reads_and_cover_every_kind_scan_lists() {
    let plain = grants("deploy/rbac-readonly.yaml");
    let chart = grants("deploy/kubernetes/kubectl-storage.yaml");
    assert_eq!(plain, chart);
    assert!(
        chart.iter().all(|(_, _, v)| v == "get" || v == "list"),
        "read-only: {chart:?}"
    );
    for kind in Kind::ALL {
        if kind.is_ec2() || kind == Kind::NodeStats {
            continue;
        }
        assert!(
            chart
                .iter()
                .any(|(_, r, v)| r == kind.plural() && v == "list"),
            "the role cannot list {}",
            kind.plural()
        );
    }
}

#[test]
fn the_cronjob_runs_a_json_scan_of_every_namespace_as_nonroot() {
    let all = docs("deploy/kubernetes/kubectl-storage.yaml");
    let cj = all
        .iter()
        .find(|d| d["kind"] == "CronJob")
        .expect("a CronJob");
    assert_eq!(cj["metadata"]["namespace"], "kubectl-storage");
    let pod = &cj["spec"]["jobTemplate"]["spec"]["template"]["spec"];
    let args: Vec<&str> = pod["containers"][0]["args"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a.as_str().unwrap())
        .collect();
    assert_eq!(&args[..4], ["scan", "-A", "-o", "json"], "{args:?}");
    assert_eq!(pod["securityContext"]["runAsNonRoot"], true);
    let sa = pod["serviceAccountName"].as_str().unwrap();
    assert!(
        all.iter()
            .any(|d| d["kind"] == "ServiceAccount" && d["metadata"]["name"] == sa),
        "its ServiceAccount {sa} ships"
    );
    let binding = all
        .iter()
        .find(|d| d["kind"] == "ClusterRoleBinding")
        .expect("binding");
    assert_eq!(binding["subjects"][0]["name"], sa);
}

#[test]
fn readme_k9s_plugins_call_why_for_pods_claims_and_volumes() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let start = readme
        .find("```yaml\nplugins:\n")
        .expect("a k9s plugins block")
        + 8;
    let block = &readme[start..start + readme[start..].find("```").unwrap()];
    let v: Value = serde_saphyr::from_str(block).expect("plugins.yaml is YAML");
    let mut scopes = BTreeSet::new();
    for (name, p) in v["plugins"].as_object().unwrap() {
        let line = p["args"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .as_str()
            .unwrap();
        assert!(line.contains("kubectl storage why "), "{name}: {line}");
        for s in p["scopes"].as_array().unwrap() {
            scopes.insert(s.as_str().unwrap().to_string());
        }
    }
    assert_eq!(
        scopes,
        BTreeSet::from(["persistentvolumeclaims", "persistentvolumes", "pods"].map(String::from))
    );
}
