//! `import-already-imported`: a PV already names this EBS volume; the import is a no-op for it.

use crate::k8s::Named;
use crate::model::PersistentVolume;

use super::super::{Category, Finding, Rule, Severity};
use crate::k8s;
use crate::rules::ebs::volume_ref;

pub static RULE: Rule = Rule {
    code: "import-already-imported",
    severity: Severity::Info,
    category: Category::Import,
    summary: "A PV already has this EBS volume's handle: the import is a no-op for it.",
    what: "Before planning, `import-ebs` looks for an existing PV whose spec.csi.volumeHandle (driver ebs.csi.aws.com) or spec.awsElasticBlockStore.volumeID names the volume. When one exists (and, with a claim, the claim exists too) nothing is created for that volume.",
    why: "Two PVs for one EBS volume let two claims — and two pods on different nodes — believe they own the same disk. Re-running an import must therefore be a no-op, and a run killed half-way is completed (the missing claim created) rather than duplicated.",
    fix: "Nothing to do: use the existing PV (and its claim). To import under another name, delete the old PV first (its reclaim policy must be Retain, or the volume is deleted with it).",
    check: super::on_chains,
};

/// The finding for volume `id`, already represented by `pv` (and, when known, bound to a claim).
pub fn finding(id: &str, pv: &PersistentVolume) -> Finding {
    let name = pv.name();
    let claim = pv
        .spec
        .as_ref()
        .and_then(|s| s.claim_ref.as_ref())
        .map(|c| {
            format!(
                ", claimed by {}/{}",
                c.namespace.as_deref().unwrap_or_default(),
                c.name.as_deref().unwrap_or_default()
            )
        })
        .unwrap_or_default();
    Finding::new(
        &RULE,
        volume_ref(id),
        format!(
            "EBS volume {id} is already imported as PV {name} ({}{claim}): nothing to create",
            k8s::pv_phase(pv)
        ),
    )
    .evidence(format!(
        "PV {name} {} = {id}",
        crate::rules::ebs::id_field(pv)
    ))
    .fix(format!("nothing to do: use PV {name}"))
}

#[cfg(test)]
mod tests {
    use crate::import::plan::Outcome;
    use crate::rules::import::testing::{assert_fires, assert_healthy, plan_of};

    #[test]
    fn fires_when_a_pv_already_has_the_handle() {
        let f = assert_fires("import-already-imported");
        assert_eq!(
            f[0].message,
            "EBS volume vol-0aaaaaaaaaaaaaaa1 is already imported as PV data-old (Bound, claimed by shop/data): nothing to create"
        );
        let plan = plan_of("import-already-imported", "fires.yaml");
        assert!(matches!(plan.items[0].outcome, Outcome::Skipped { .. }));
        assert!(plan.objects().is_empty());
        assert_eq!(plan.refused(), 0);
    }

    #[test]
    fn healthy_twin_plans_the_volume() {
        assert_healthy("import-already-imported");
        let plan = plan_of("import-already-imported", "healthy.yaml");
        assert_eq!(plan.objects().len(), 2);
    }
}
