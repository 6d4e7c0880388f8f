//! Import plan checks (`import-ebs`): they run on the volumes selected for import and the
//! cluster's existing objects, not on chains, so their catalog `check` is a no-op and the logic
//! lives in plain functions each file exports for [`crate::import::plan`].

pub mod import_already_imported;
pub mod import_name_conflict;
pub mod import_no_node_in_zone;
pub mod import_volume_in_use;

use super::{Finding, Rule};
use crate::ctx::Ctx;

/// This category's rules, in the order the plan checks them.
pub static RULES: &[&Rule] = &[
    &import_volume_in_use::RULE,
    &import_no_node_in_zone::RULE,
    &import_name_conflict::RULE,
    &import_already_imported::RULE,
];

/// The catalog `check` of an import rule: nothing to do on a chain.
pub(crate) fn on_chains(_cx: &Ctx, _out: &mut Vec<Finding>) {}

#[cfg(test)]
pub(crate) mod testing {
    //! Fixture harness for the import rules: `tests/fixtures/rules/<code>/{fires,healthy}.yaml`
    //! is a snapshot (Kubernetes objects and AWS CLI JSON as YAML) whose header names the run:
    //!
    //! ```yaml
    //! # import: vol-0abc vol-0def
    //! # claim: shop/data
    //! ```
    use std::path::PathBuf;

    use crate::import::plan::{self, ClaimName, Options, Plan, Selection};
    use crate::rules::{Finding, Severity};
    use crate::snapshot::load;

    /// The plan for one fixture.
    pub fn plan_of(code: &str, file: &str) -> Plan {
        let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/rules")
            .join(code)
            .join(file);
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        let header = |key: &str| crate::rules::testing::header(&text, key);
        let ids: Vec<String> = header("import:")
            .unwrap_or_default()
            .split_whitespace()
            .map(str::to_string)
            .collect();
        let (snap, stats) = load::load_str(&p, &text).unwrap_or_else(|e| panic!("{e}"));
        let mut opts = Options::for_test();
        opts.claim = header("claim:").map(|c| ClaimName::parse(&c, "default").expect("claim"));
        let vols = plan::select(&snap, &Selection::Ids(ids)).unwrap_or_else(|e| panic!("{e}"));
        plan::plan(&snap, &vols, &opts, stats.namespaces.as_ref())
    }

    /// Every finding of a fixture's plan.
    pub fn findings(code: &str, file: &str) -> Vec<Finding> {
        plan_of(code, file)
            .items
            .into_iter()
            .flat_map(|i| i.findings)
            .collect()
    }

    /// Asserts `code` fires on `fires.yaml`; returns its findings.
    pub fn assert_fires(code: &str) -> Vec<Finding> {
        let all = findings(code, "fires.yaml");
        let mine: Vec<Finding> = all.iter().filter(|f| f.code == code).cloned().collect();
        assert!(!mine.is_empty(), "{code} did not fire; got {all:#?}");
        mine
    }

    /// Asserts the healthy twin plans without `code` and without errors or warnings.
    pub fn assert_healthy(code: &str) {
        let all = findings(code, "healthy.yaml");
        let bad: Vec<&Finding> = all
            .iter()
            .filter(|f| f.code == code || f.severity != Severity::Info)
            .collect();
        assert!(bad.is_empty(), "healthy twin of {code}: {bad:#?}");
    }
}
