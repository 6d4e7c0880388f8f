//! Manifests to check before they are applied (`preflight -f PATH`): files, directories, stdin;
//! multi-document YAML, JSON, `List`s, `helm template` and `kustomize build` output.
//!
//! Unlike the snapshot loader this keeps where every field came from ([`yaml`]), so findings can
//! point at a file and line. [`to_snapshot`] then turns the manifests into the same `Snapshot` the
//! rules read, with workloads standing in as the Pods and claims they will create.

mod convert;
mod goyaml;
pub mod yaml;

use std::collections::{BTreeMap, HashMap};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde_json::Value;

pub use convert::{merge_cluster, to_snapshot, Origin, Origins};
pub use yaml::Pos;

use crate::error::{Error, Result};
use crate::snapshot::load::{data_entries, io_reason};

/// Files larger than this are refused: a manifest set this big is a mistake (a binary, a log),
/// and reading it whole would make memory use unbounded.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// The annotation that silences codes on one object: `storage.kubectl.io/ignore: "code1,code2"`.
pub const IGNORE_ANNOTATION: &str = "storage.kubectl.io/ignore";

/// The kinds preflight reads; anything else is skipped (and counted for `-v`).
pub const KINDS: [&str; 10] = [
    "Pod",
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "Job",
    "CronJob",
    "PersistentVolumeClaim",
    "PersistentVolume",
    "StorageClass",
];

/// One object read from a manifest.
#[derive(Debug, Clone)]
pub struct Object {
    /// The file as the user named it (`-` reads as `<stdin>`).
    pub file: Arc<str>,
    pub kind: String,
    pub namespace: Option<String>,
    pub name: String,
    /// Where the object starts.
    pub start: Pos,
    pub value: Value,
    /// Field path (relative to the object) → position.
    pub fields: HashMap<String, Pos>,
}

impl Object {
    /// The position of `path` (e.g. `spec.accessModes`), if the manifest spells that field.
    pub fn field(&self, path: &str) -> Option<Pos> {
        self.fields.get(path).copied()
    }

    /// The codes its `storage.kubectl.io/ignore` annotation silences.
    pub fn ignored_codes(&self) -> Vec<String> {
        self.value
            .pointer("/metadata/annotations")
            .and_then(|a| a.get(IGNORE_ANNOTATION))
            .and_then(Value::as_str)
            .map(|s| {
                s.split(',')
                    .map(|c| c.trim().to_string())
                    .filter(|c| !c.is_empty())
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Everything read from the inputs.
#[derive(Debug, Default)]
pub struct Manifests {
    pub objects: Vec<Object>,
    pub files: usize,
    pub documents: usize,
    /// Objects of kinds preflight does not check, by kind.
    pub skipped: BTreeMap<String, usize>,
    /// Things read but worth a word on stderr (a key given twice).
    pub warnings: Vec<String>,
}

/// Reads every input: `-` is stdin, a directory is read recursively (`.yaml`, `.yml`, `.json`).
pub fn read(inputs: &[PathBuf]) -> Result<Manifests> {
    let mut m = Manifests::default();
    for input in inputs {
        if input.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .take(MAX_FILE_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| Error::input("<stdin>", format!("cannot read: {e}")))?;
            m.read_bytes(Path::new("<stdin>"), bytes)?;
        } else {
            m.read_path(input)?;
        }
    }
    if m.objects.is_empty() && m.skipped.is_empty() {
        let shown: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::input(
            shown.join(", "),
            if m.files == 0 {
                "no .yaml, .yml or .json files found"
            } else {
                "no Kubernetes objects found (empty input)"
            },
        ));
    }
    Ok(m)
}

/// Reads manifests from one text (tests, benches).
pub fn read_str(origin: &str, text: &str) -> Result<Manifests> {
    let mut m = Manifests::default();
    m.read_text(origin, text)?;
    Ok(m)
}

impl Manifests {
    fn read_path(&mut self, path: &Path) -> Result<()> {
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::input(path, format!("cannot read: {}", io_reason(&e))))?;
        if meta.is_dir() {
            for entry in data_entries(path)? {
                let hidden = entry
                    .file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with('.'));
                if !hidden {
                    // .git, editor swap files
                    self.read_path(&entry)?;
                }
            }
            return Ok(());
        }
        if meta.len() > MAX_FILE_BYTES {
            return Err(Error::input(
                path,
                format!(
                    "file is {} MiB, over the {} MiB limit for one manifest file",
                    meta.len() / (1024 * 1024),
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
            ));
        }
        let bytes = std::fs::read(path)
            .map_err(|e| Error::input(path, format!("cannot read: {}", io_reason(&e))))?;
        self.read_bytes(path, bytes)
    }

    fn read_bytes(&mut self, path: &Path, bytes: Vec<u8>) -> Result<()> {
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(Error::input(
                path,
                format!(
                    "input is over the {} MiB limit for one manifest file",
                    MAX_FILE_BYTES / (1024 * 1024)
                ),
            ));
        }
        if bytes.contains(&0) {
            return Err(Error::input(path, "binary file, not YAML or JSON"));
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::input(path, "binary file (not UTF-8), not YAML or JSON"))?;
        self.read_text(&path.display().to_string(), &text)
    }

    fn read_text(&mut self, origin: &str, text: &str) -> Result<()> {
        self.files += 1;
        let file: Arc<str> = Arc::from(origin);
        let text = text.trim_start_matches('\u{feff}');
        let docs = match yaml::parse(text) {
            Ok(docs) => docs,
            Err(e) => {
                if let Some(line) = template_line(text) {
                    return Err(Error::input(
                        format!("{origin}:{line}"),
                        "looks like an unrendered Helm template ({{ … }}); run helm template first",
                    ));
                }
                let at = e
                    .pos
                    .map(|p| format!("{origin}:{}:{}", p.line, p.column))
                    .unwrap_or_else(|| origin.to_string());
                return Err(Error::input(at, format!("invalid YAML: {}", e.message)));
            }
        };
        for doc in docs {
            self.documents += 1;
            for d in &doc.duplicates {
                self.warnings.push(format!(
                    "{origin}:{}: key {} is given twice (first at line {}): Kubernetes' decoder keeps the later value and drops the first",
                    d.again.line, d.path, d.first.line
                ));
            }
            self.add(&file, doc.start, doc.value, doc.fields, "")?;
        }
        Ok(())
    }

    /// Adds one document (or a `List`'s items), with field paths relative to `prefix`.
    fn add(
        &mut self,
        file: &Arc<str>,
        start: Pos,
        value: Value,
        mut fields: HashMap<String, Pos>,
        prefix: &str,
    ) -> Result<()> {
        let at = |p: Pos| format!("{file}:{}", p.line);
        let Value::Object(map) = &value else {
            return Err(Error::input(
                at(start),
                "document is not a mapping: not a Kubernetes object",
            ));
        };
        let kind = map.get("kind").and_then(Value::as_str).unwrap_or_default();
        if kind.is_empty() || map.get("apiVersion").and_then(Value::as_str).is_none() {
            return Err(Error::input(
                at(start),
                "document has no kind/apiVersion: not a Kubernetes object",
            ));
        }
        if kind.ends_with("List") && map.contains_key("items") {
            let Some(Value::Array(items)) = map.get("items") else {
                return Ok(());
            };
            for (i, item) in items.iter().enumerate() {
                let item_prefix = format!("{prefix}items[{i}]");
                let item_start = fields.get(&item_prefix).copied().unwrap_or(start);
                let dotted = format!("{item_prefix}.");
                let item_fields: HashMap<String, Pos> = fields
                    .iter()
                    .filter_map(|(k, p)| k.strip_prefix(&dotted).map(|r| (r.to_string(), *p)))
                    .collect();
                self.add(file, item_start, item.clone(), item_fields, "")?;
            }
            return Ok(());
        }
        if !KINDS.contains(&kind) {
            *self.skipped.entry(kind.to_string()).or_default() += 1;
            return Ok(());
        }
        let name = value
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if name.contains("{{") {
            return Err(Error::input(
                at(start),
                "looks like an unrendered Helm template ({{ … }}); run helm template first",
            ));
        }
        if name.is_empty() {
            return Err(Error::input(
                at(start),
                format!("{kind} has no metadata.name"),
            ));
        }
        let namespace = value
            .pointer("/metadata/namespace")
            .and_then(Value::as_str)
            .map(str::to_string);
        fields.shrink_to_fit();
        self.objects.push(Object {
            file: file.clone(),
            kind: kind.to_string(),
            namespace,
            name,
            start,
            value,
            fields,
        });
        Ok(())
    }
}

/// The line of the first `{{` outside a comment: the sign of an unrendered Helm template.
fn template_line(text: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let code = l.split(" #").next().unwrap_or(l);
            !l.trim_start().starts_with('#') && code.contains("{{")
        })
        .map(|i| i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_lists_and_skips_unknown_kinds() {
        let text = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: PersistentVolumeClaim\n  metadata:\n    name: a\n  spec:\n    accessModes: [ReadWriteOnce]\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: c\n";
        let m = read_str("x.yaml", text).expect("reads");
        assert_eq!(m.objects.len(), 1);
        assert_eq!(m.objects[0].name, "a");
        assert_eq!(m.objects[0].start.line, 4);
        assert_eq!(
            m.objects[0].field("spec.accessModes").map(|p| p.line),
            Some(9)
        );
        assert_eq!(m.skipped.get("ConfigMap"), Some(&1));
    }

    #[test]
    fn unrendered_templates_are_named() {
        let text =
            "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: {{ .Values.name }}\n";
        let e = read_str("t.yaml", text).expect_err("refused").to_string();
        assert!(e.contains("t.yaml:4"), "{e}");
        assert!(e.contains("run helm template first"), "{e}");
    }

    #[test]
    fn invalid_yaml_names_file_and_line() {
        let e = read_str("bad.yaml", "kind: Pod\nmetadata:\n  name: [x\n")
            .expect_err("refused")
            .to_string();
        assert!(e.starts_with("bad.yaml:"), "{e}");
        assert!(e.contains("invalid YAML"), "{e}");
    }

    #[test]
    fn reads_the_ignore_annotation() {
        let text = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata:\n  name: a\n  annotations:\n    storage.kubectl.io/ignore: \"access-mode-unsupported, pvc-missing\"\n";
        let m = read_str("x.yaml", text).expect("reads");
        assert_eq!(
            m.objects[0].ignored_codes(),
            vec!["access-mode-unsupported", "pvc-missing"]
        );
    }
}
