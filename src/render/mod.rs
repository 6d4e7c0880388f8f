//! Renderers: human (tree + findings), JSON and YAML.

pub mod human;
pub mod scan;

use crate::error::{Error, Result};
use crate::report::Report;

/// The `-o` formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// The chain as a tree, then findings (default).
    Human,
    /// One JSON object, schemaVersion 1.
    Json,
    /// The same object as YAML.
    Yaml,
}

/// Serialises any report-like value as pretty JSON.
pub fn to_json<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_json::to_string_pretty(value)
        .map_err(|e| Error::Usage(format!("cannot render JSON: {e}")))
}

/// Serialises any report-like value as YAML.
pub fn to_yaml<T: serde::Serialize>(value: &T) -> Result<String> {
    serde_saphyr::to_string(value).map_err(|e| Error::Usage(format!("cannot render YAML: {e}")))
}

/// Renders a report in the chosen format.
pub fn render(report: &Report, format: Format, style: &human::Style) -> Result<String> {
    match format {
        Format::Human => Ok(human::render(report, style)),
        Format::Json => to_json(report).map(|s| s + "\n"),
        Format::Yaml => to_yaml(report),
    }
}
