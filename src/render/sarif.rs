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
    help_uri: String,
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
    locations: Vec<Location>,
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
struct Location {
    #[serde(skip_serializing_if = "Option::is_none")]
    physical_location: Option<Physical>,
    logical_locations: Vec<Logical>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Physical {
    artifact_location: Artifact,
    region: Region,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Artifact {
    uri: String,
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
            help_uri: help_uri(r.code),
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
                    uri: relative_uri(&l.file),
                    uri_base_id: Some("%SRCROOT%"),
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

/// The README catalog entry of a code.
pub fn help_uri(code: &str) -> String {
    format!(
        "{}/blob/main/README.md#{code}",
        env!("CARGO_PKG_REPOSITORY")
    )
}

/// A file as a URI reference relative to `%SRCROOT%` (the directory the tool ran in): `./` and
/// absolute prefixes under it dropped, other absolute paths walked up to with `../`, stdin named
/// `stdin`, and characters a URI cannot hold percent-encoded.
pub fn relative_uri(file: &str) -> String {
    let file = file.replace('\\', "/");
    let rel = if file == "<stdin>" || file == "-" {
        "stdin".to_string()
    } else if file.starts_with('/') {
        let cwd = std::env::current_dir()
            .map(|p| p.display().to_string().replace('\\', "/"))
            .unwrap_or_default();
        relative_to(&file, &cwd)
    } else {
        file
    };
    let rel = rel.trim_start_matches("./");
    let mut out = String::with_capacity(rel.len());
    for b in rel.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~/!$&'()*+,;=:@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    // A first segment with ':' would read as a scheme.
    if out.split('/').next().is_some_and(|s| s.contains(':')) {
        out = format!("./{out}");
    }
    out
}

/// `path` (absolute) relative to the directory `base` (absolute).
fn relative_to(path: &str, base: &str) -> String {
    let p: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let b: Vec<&str> = base.split('/').filter(|s| !s.is_empty()).collect();
    let common = p.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let mut parts: Vec<&str> = std::iter::repeat_n("..", b.len() - common).collect();
    parts.extend(&p[common..]);
    parts.join("/")
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_relative_and_valid() {
        assert_eq!(relative_uri("<stdin>"), "stdin");
        assert_eq!(relative_uri("./k8s/a b.yaml"), "k8s/a%20b.yaml");
        assert_eq!(relative_to("/repo/k8s/a.yaml", "/repo"), "k8s/a.yaml");
        assert_eq!(relative_to("/tmp/x.yaml", "/repo/sub"), "../../tmp/x.yaml");
        let cwd = std::env::current_dir().expect("cwd");
        let abs = cwd.join("deploy/x.yaml").display().to_string();
        assert_eq!(relative_uri(&abs), "deploy/x.yaml");
        assert_eq!(relative_uri("c:weird.yaml"), "./c:weird.yaml");
    }
}
