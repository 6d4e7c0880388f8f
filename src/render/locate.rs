//! Physical locations for findings of a cluster diagnosis read from `--snapshot` files: the file
//! and line where each object is written, so SARIF results point somewhere a reader can open.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::SourceLocation;
use crate::rules::Finding;

/// `name` → places it is written as `(kind, file, line)`, in file order.
#[derive(Debug, Default)]
pub struct SnapshotIndex {
    names: HashMap<String, Vec<(String, usize, u32)>>,
    files: Vec<String>,
}

fn files_under(path: &Path, out: &mut Vec<PathBuf>) {
    if path.is_dir() {
        if let Ok(entries) = crate::snapshot::load::data_entries(path) {
            for e in entries {
                files_under(&e, out);
            }
        }
    } else {
        out.push(path.to_path_buf());
    }
}

/// The value after `key` on a line (`name: x`, `"name": "x"`, `{name: x, …}`), unquoted.
fn value_after<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    for pat in [format!("{key}: "), format!("\"{key}\": ")] {
        if let Some(i) = line.find(&pat) {
            let rest = line[i + pat.len()..].trim_start();
            let end = rest.find([',', '}', ' ', '\n']).unwrap_or(rest.len());
            let v = rest[..end].trim_matches(|c| c == '"' || c == '\'');
            if !v.is_empty() {
                return Some(v);
            }
        }
    }
    None
}

impl SnapshotIndex {
    /// Reads every snapshot file once, noting where each `name:` is written and under which
    /// `kind:` (the last one seen before it in the file).
    pub fn build(paths: &[PathBuf]) -> Self {
        let mut files = Vec::new();
        for p in paths {
            files_under(p, &mut files);
        }
        let mut ix = SnapshotIndex::default();
        for path in files {
            let Ok(text) = std::fs::read_to_string(&path) else {
                continue;
            };
            let file = ix.files.len();
            ix.files.push(path.display().to_string());
            let mut kind = String::new();
            for (n, line) in text.lines().enumerate() {
                if let Some(k) = value_after(line, "kind") {
                    kind = k.to_string();
                }
                if let Some(name) = value_after(line, "name") {
                    ix.names.entry(name.to_string()).or_default().push((
                        kind.clone(),
                        file,
                        n as u32 + 1,
                    ));
                }
            }
        }
        ix
    }

    /// Where a finding's object is written: its kind and name, else its name, else the first
    /// snapshot file.
    pub fn locate(&self, f: &Finding) -> Option<SourceLocation> {
        let places = self.names.get(&f.object.name);
        let place = places
            .and_then(|p| p.iter().find(|(k, _, _)| *k == f.object.kind))
            .or_else(|| places.and_then(|p| p.first()));
        let (file, line) = match place {
            Some((_, file, line)) => (*file, *line),
            None => (0, 1),
        };
        Some(SourceLocation {
            file: self.files.get(file)?.clone(),
            line,
            column: 1,
        })
    }
}
