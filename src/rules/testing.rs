//! Fixture harness for rule tests. A fixture is a YAML snapshot under
//! `tests/fixtures/rules/<code>/{fires,healthy}.yaml`; its first lines may name the target:
//!
//! ```yaml
//! # target: pod/db-0
//! # namespace: prod
//! ```
//!
//! Without a target line the whole snapshot is in focus (`scan` mode).

use std::path::PathBuf;

use crate::chain::{self, Target};
use crate::ctx::{Ctx, Focus};
use crate::rules::{self, Finding, Severity};
use crate::snapshot::load;

fn path(code: &str, file: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/rules")
        .join(code)
        .join(file)
}

/// A fixture's header value (`# target: pod/db-0` → `header(text, "target:")`).
pub fn header(text: &str, key: &str) -> Option<String> {
    text.lines()
        .take_while(|l| l.starts_with('#'))
        .find_map(|l| {
            l.trim_start_matches('#')
                .trim()
                .strip_prefix(key)
                .map(|v| v.trim().to_string())
        })
}

/// Every finding for a fixture (all rules), root cause first.
pub fn findings(code: &str, file: &str) -> Vec<Finding> {
    let p = path(code, file);
    let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    let header = |key: &str| crate::rules::testing::header(&text, key);
    let (snap, _) = load::load_str(&p, &text).unwrap_or_else(|e| panic!("{e}"));
    let mut cx = Ctx::new(&snap, crate::acquire::as_of(&snap).at);
    let focus = match header("target:") {
        Some(t) => {
            let target = Target::parse(&t).unwrap_or_else(|e| panic!("{e}"));
            let ns = header("namespace:").unwrap_or_else(|| "default".into());
            chain::resolve(&cx, &target, &ns)
                .unwrap_or_else(|e| panic!("{}: {e}", p.display()))
                .1
        }
        None => Focus::all(&snap),
    };
    cx.focus_on(focus);
    rules::run(&cx)
}

/// Asserts `code` fires on its `fires.yaml` and returns its findings for further checks.
pub fn assert_fires(code: &str) -> Vec<Finding> {
    let all = findings(code, "fires.yaml");
    let mine: Vec<Finding> = all.iter().filter(|f| f.code == code).cloned().collect();
    assert!(
        !mine.is_empty(),
        "{code} did not fire on fires.yaml; got: {all:#?}"
    );
    mine
}

/// Asserts the healthy twin yields no finding of `code` and no error or warning at all.
pub fn assert_healthy(code: &str) {
    let all = findings(code, "healthy.yaml");
    let bad: Vec<&Finding> = all
        .iter()
        .filter(|f| f.code == code || f.severity != Severity::Info)
        .collect();
    assert!(
        bad.is_empty(),
        "healthy twin of {code} is not healthy: {bad:#?}"
    );
}
