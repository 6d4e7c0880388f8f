//! SARIF 2.1.0 for GitHub code scanning and other SARIF consumers.
//!
//! Hand-written serde structs rather than the `serde-sarif` crate: we emit a dozen fields of a
//! schema with hundreds, and the crate brings `typed-builder`, `strum` and `strum_macros`
//! (proc-macro builds) for them. The output is checked against the official schema in
//! `tests/sarif_schema.rs`.

use serde::Serialize;

use super::Item;
use crate::rules::{Severity, REGISTRY};

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: Vec<Run<'a>>,
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool,
    results: Vec<SarifResult<'a>>,
    #[serde(rename = "columnKind")]
    column_kind: &'static str,
    #[serde(rename = "originalUriBaseIds", skip_serializing_if = "Option::is_none")]
    original_uri_base_ids: Option<serde_json::Value>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver {
    name: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    information_uri: &'static str,
    rules: Vec<RuleDescriptor>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleDescriptor {
    id: &'static str,
    name: String,
    short_description: Text,
    full_description: Text,
    help: Text,
    default_configuration: Configuration,
    properties: RuleProperties,
}

#[derive(Serialize)]
struct RuleProperties {
    category: &'static str,
    tags: Vec<&'static str>,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'static str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: Vec<Location<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    properties: Option<ResultProperties<'a>>,
}

#[derive(Serialize)]
struct ResultProperties<'a> {
    evidence: &'a [String],
    fix: &'a str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<Physical<'a>>,
    logical_locations: Vec<Logical>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical<'a> {
    artifact_location: Artifact<'a>,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact<'a> {
    uri: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    uri_base_id: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Logical {
    name: String,
    fully_qualified_name: String,
    kind: &'static str,
}

/// The SARIF level of a severity.
pub fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// Renders findings as one SARIF 2.1.0 log with one run. Rule metadata comes from the catalog;
/// findings with a source location get a physical location (file, line, column; paths relative to
/// `%SRCROOT%` when relative), every finding a logical one (`Kind/namespace/name`).
pub fn render(items: &[Item]) -> String {
    let rules: Vec<RuleDescriptor> = REGISTRY
        .iter()
        .map(|r| RuleDescriptor {
            id: r.code,
            name: pascal(r.code),
            short_description: Text {
                text: r.summary.to_string(),
            },
            full_description: Text {
                text: format!("{} {}", r.what, r.why),
            },
            help: Text {
                text: r.fix.to_string(),
            },
            default_configuration: Configuration {
                level: level(r.severity),
            },
            properties: RuleProperties {
                category: r.category.title(),
                tags: vec!["kubernetes", "storage"],
            },
        })
        .collect();
    let results = items
        .iter()
        .map(|it| {
            let f = it.finding;
            let o = &f.object;
            let physical = it.location.map(|l| Physical {
                artifact_location: Artifact {
                    uri: &l.file,
                    uri_base_id: (!l.file.starts_with('/')).then_some("%SRCROOT%"),
                },
                region: Region {
                    start_line: l.line.max(1),
                    start_column: l.column.max(1),
                },
            });
            SarifResult {
                rule_id: f.code,
                rule_index: REGISTRY.iter().position(|r| r.code == f.code).unwrap_or(0),
                level: level(f.severity),
                message: Text {
                    text: format!("{} ({} {})", f.message, o.kind, o.display_name()),
                },
                locations: vec![Location {
                    physical_location: physical,
                    logical_locations: vec![Logical {
                        name: o.name.clone(),
                        fully_qualified_name: format!(
                            "{}/{}",
                            o.kind,
                            o.namespace
                                .as_ref()
                                .map(|ns| format!("{ns}/{}", o.name))
                                .unwrap_or_else(|| o.name.clone())
                        ),
                        kind: "resource",
                    }],
                }],
                properties: Some(ResultProperties {
                    evidence: &f.evidence,
                    fix: &f.fix,
                }),
            }
        })
        .collect();
    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: vec![Run {
            tool: Tool {
                driver: Driver {
                    name: "kubectl-storage",
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    information_uri: env!("CARGO_PKG_REPOSITORY"),
                    rules,
                },
            },
            results,
            column_kind: "unicodeCodePoints",
            original_uri_base_ids: None,
        }],
    };
    serde_json::to_string_pretty(&log).unwrap_or_default() + "\n"
}

/// `access-mode-unsupported` → `AccessModeUnsupported` (SARIF's human-readable rule name).
fn pascal(code: &str) -> String {
    code.split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect()
}
