//! `invalid-quantity`: a storage size that is not a Kubernetes quantity the API server accepts.

use crate::k8s::Named;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use std::collections::BTreeMap;

use super::super::{Category, Finding, ObjectRef, Rule, Severity};
use crate::ctx::Ctx;
use crate::k8s;

pub static RULE: Rule = Rule {
    code: "invalid-quantity",
    severity: Severity::Error,
    category: Category::Manifest,
    summary: "A storage size (claim request or limit (also a StatefulSet's claim templates, in preflight), PV capacity) is not a quantity the API server accepts.",
    what: "Parses every storage size of claims (in preflight also the claims StatefulSet volumeClaimTemplates make) and PVs with the API server's own rules (resource.ParseQuantity): a number with an optional sign and fraction, then exactly one suffix — Ki Mi Gi Ti Pi Ei, n u m k M G T P E, or an exponent such as e9. Fires on anything else (\"abc\", \"10GB\", \"1e400Gi\", \"1 Gi\") and on negative sizes.",
    why: "`kubectl apply` fails with \"quantities must match the regular expression\" (or, for a negative request, \"must be greater than zero\"), so nothing is created; a file that once applied with a typo in a template makes every replica's claim fail. In a snapshot, a size the tool cannot read means capacity and size checks on that object were skipped.",
    fix: "Write the size as a number and a unit, no space: 10Gi (GiB, binary) or 10G (GB, decimal).",
    check,
};

fn sizes<'a>(
    map: Option<&'a BTreeMap<String, Quantity>>,
    field: &'static str,
) -> impl Iterator<Item = (String, &'a str)> + 'a {
    map.and_then(|m| m.get("storage"))
        .map(|q| (field.to_string(), q.0.as_str()))
        .into_iter()
}

fn finding(object: ObjectRef, what: &str, field: &str, value: &str, why: &str) -> Finding {
    Finding::new(
        &RULE,
        object,
        format!("{what} {field} {value:?} {why}: the API server refuses it"),
    )
    .evidence(format!("{field}: {value:?}"))
    .fix(format!(
        "write {field} as a number and one unit, no space — Ki Mi Gi Ti Pi Ei, k M G T P E or an exponent such as e9: e.g. 10Gi, not {value:?}"
    ))
}

fn check(cx: &Ctx, out: &mut Vec<Finding>) {
    for pvc in cx.pvcs() {
        let name = pvc.name();
        let r = pvc.spec.as_ref().and_then(|s| s.resources.as_ref());
        let fields = sizes(
            r.and_then(|r| r.requests.as_ref()),
            "spec.resources.requests.storage",
        )
        .chain(sizes(
            r.and_then(|r| r.limits.as_ref()),
            "spec.resources.limits.storage",
        ));
        for (field, value) in fields {
            if let Err(why) = k8s::check_quantity(value) {
                let what = format!("Claim {name}'s");
                out.push(finding(ObjectRef::of(*pvc), &what, &field, value, &why));
            }
        }
    }
    for pv in cx.pvs() {
        let name = pv.name();
        let cap = pv.spec.as_ref().and_then(|s| s.capacity.as_ref());
        for (field, value) in sizes(cap, "spec.capacity.storage") {
            if let Err(why) = k8s::check_quantity(value) {
                let what = format!("PV {name}'s");
                out.push(finding(ObjectRef::of(*pv), &what, &field, value, &why));
            }
        }
    }
    // StatefulSet templates: preflight checks the claims it derives from them (data-db-0).
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::{assert_fires, assert_healthy};

    #[test]
    fn fires_on_each_size_the_api_server_refuses() {
        let f = assert_fires("invalid-quantity");
        let msgs: Vec<&str> = f.iter().map(|f| f.message.as_str()).collect();
        for want in [
            "Claim word's spec.resources.requests.storage \"abc\" is not a number",
            "Claim negative's spec.resources.requests.storage \"-5Gi\" is negative",
            "Claim huge's spec.resources.requests.storage \"1e400Gi\" has the unit \"e400Gi\"",
        ] {
            assert!(
                msgs.iter().any(|m| m.starts_with(want)),
                "{want}: {msgs:#?}"
            );
        }
        assert_eq!(f.len(), 3, "{msgs:#?}");
    }

    #[test]
    fn healthy_twin() {
        assert_healthy("invalid-quantity");
    }
}
