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

pub use convert::{
    merge_cluster, to_snapshot, Origin, Origins, WORKLOAD_KIND, WORKLOAD_REPLICAS,
    WORKLOAD_STRATEGY,
};
pub use yaml::Pos;

use crate::error::{Error, Result};
use crate::snapshot::load::io_reason;

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
    /// Files found in a directory that are not Kubernetes manifests, with why (for `-v`).
    pub not_manifests: Vec<(String, String)>,
    /// Unrendered Helm templates found in a directory (`file:line` of the first `{{`).
    pub templates: Vec<String>,
    /// What the walk did worth a `-v` line (a symlink loop, a kustomize render).
    pub notes: Vec<String>,
    /// Files read so far (canonical paths): one named twice, or reached again through a
    /// symlink or another input, is read once.
    seen: std::collections::HashSet<PathBuf>,
}

/// How the inputs are walked.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Globs of paths to leave out (`--exclude`), matched against paths under each directory.
    pub exclude: Vec<String>,
    /// Render directories holding a kustomization with `kubectl kustomize` (`--kustomize`).
    pub kustomize: bool,
    /// The name stdin's documents are reported under when no `# Source:` comment names them.
    pub stdin_name: String,
}

/// How one text came in: named (`-f file`, stdin) or found by walking a directory. Found files
/// that are not Kubernetes manifests are skipped rather than refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Named,
    Walked,
    /// `kubectl kustomize` output: positions mean nothing in the kustomization file.
    Rendered,
}

/// Names of YAML/JSON files that are never Kubernetes objects: Helm chart metadata and values,
/// compose files, package manifests, CI and tool configuration.
fn not_manifest_by_name(name: &str) -> Option<&'static str> {
    let lower = name.to_ascii_lowercase();
    let stem = lower
        .trim_end_matches(".yaml")
        .trim_end_matches(".yml")
        .trim_end_matches(".json");
    if matches!(stem, "chart" | "requirements") || stem == "values" || stem.starts_with("values") {
        return Some("Helm chart file");
    }
    if stem.starts_with("docker-compose") || stem.starts_with("compose") {
        return Some("compose file");
    }
    if matches!(
        lower.as_str(),
        "package.json" | "package-lock.json" | "composer.json" | "tsconfig.json" | "renovate.json"
    ) {
        return Some("package or tool configuration");
    }
    None
}

fn is_kustomization(name: &str) -> bool {
    matches!(
        name,
        "kustomization.yaml" | "kustomization.yml" | "Kustomization"
    )
}

/// Reads every input: `-` is stdin, a directory is walked as CI linters do (`.gitignore`
/// honoured, hidden entries skipped, symlinks followed without loops, `--exclude` globs).
pub fn read(inputs: &[PathBuf], opts: &ReadOptions) -> Result<Manifests> {
    let mut m = Manifests::default();
    for input in inputs {
        if input.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::stdin()
                .lock()
                .take(crate::snapshot::load::max_file_size(MAX_FILE_BYTES) + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| Error::input("<stdin>", format!("cannot read: {e}")))?;
            let name = if opts.stdin_name.is_empty() {
                "<stdin>"
            } else {
                &opts.stdin_name
            };
            m.read_bytes(Path::new(name), bytes, Mode::Named)?;
        } else {
            let meta = std::fs::metadata(input)
                .map_err(|e| Error::input(input, format!("cannot read: {}", io_reason(&e))))?;
            if meta.is_dir() {
                m.walk(input, opts)?;
            } else {
                m.read_file(input, Mode::Named)?;
            }
        }
    }
    if m.objects.is_empty() && m.skipped.is_empty() {
        let shown: Vec<String> = inputs.iter().map(|p| p.display().to_string()).collect();
        let why = if !m.templates.is_empty() {
            format!(
                "no Kubernetes objects found: {} unrendered Helm template file(s) skipped; render the chart first: helm template RELEASE CHART | kubectl storage preflight -f -",
                m.templates.len()
            )
        } else if !m.not_manifests.is_empty() {
            format!(
                "no Kubernetes objects found: {} file(s) are not Kubernetes manifests ({})",
                m.not_manifests.len(),
                m.not_manifests
                    .iter()
                    .take(3)
                    .map(|(f, _)| f.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        } else if m.files == 0 {
            "no .yaml, .yml or .json files found".to_string()
        } else {
            "no Kubernetes objects found (empty input)".to_string()
        };
        return Err(Error::input(shown.join(", "), why));
    }
    Ok(m)
}

/// Reads manifests from one text (tests, benches).
pub fn read_str(origin: &str, text: &str) -> Result<Manifests> {
    let mut m = Manifests::default();
    m.read_text(origin, text, Mode::Named)?;
    Ok(m)
}

/// A path as shown and reported: `./a/b.yaml` → `a/b.yaml`.
fn shown(path: &Path) -> PathBuf {
    path.strip_prefix(".").unwrap_or(path).to_path_buf()
}

impl Manifests {
    fn walk(&mut self, root: &Path, opts: &ReadOptions) -> Result<()> {
        let mut overrides = ignore::overrides::OverrideBuilder::new(root);
        for glob in &opts.exclude {
            overrides
                .add(&format!("!{glob}"))
                .map_err(|e| Error::Usage(format!("--exclude {glob:?}: {e}")))?;
        }
        let overrides = overrides
            .build()
            .map_err(|e| Error::Usage(format!("--exclude: {e}")))?;
        let walker = ignore::WalkBuilder::new(root)
            .hidden(true)
            .git_ignore(true)
            .git_exclude(true)
            .git_global(false)
            .require_git(false)
            .ignore(false)
            .parents(true)
            .follow_links(true)
            .overrides(overrides)
            .sort_by_file_name(|a, b| a.cmp(b))
            .build();
        let mut files = Vec::new();
        let mut kustomized: Vec<PathBuf> = Vec::new();
        for entry in walker {
            let entry = match entry {
                Ok(e) => e,
                Err(e) => {
                    // A symlink loop or an unreadable directory: say so, go on.
                    self.notes.push(format!("skipped: {e}"));
                    continue;
                }
            };
            if !entry.file_type().is_some_and(|t| t.is_file()) {
                continue;
            }
            let path = entry.path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if is_kustomization(name) {
                let dir = path.parent().unwrap_or(Path::new("."));
                if opts.kustomize && self.kustomize(dir, path)? {
                    kustomized.push(dir.to_path_buf());
                } else {
                    let hint = if opts.kustomize {
                        "kubectl is not on PATH"
                    } else {
                        "add --kustomize"
                    };
                    self.not_manifests.push((
                        shown(path).display().to_string(),
                        format!(
                            "kustomization: not rendered ({hint}); or run: kubectl kustomize {} | kubectl storage preflight -f -",
                            shown(dir).display()
                        ),
                    ));
                }
                continue;
            }
            let ext = path
                .extension()
                .and_then(|e| e.to_str())
                .unwrap_or_default();
            if !matches!(ext, "yaml" | "yml" | "json") {
                continue;
            }
            if let Some(what) = not_manifest_by_name(name) {
                self.not_manifests
                    .push((shown(path).display().to_string(), what.to_string()));
                continue;
            }
            files.push(path.to_path_buf());
        }
        for path in files {
            // The files of a rendered kustomization are its inputs, already read through it.
            if kustomized
                .iter()
                .any(|d| path.parent() == Some(d.as_path()))
            {
                continue;
            }
            self.read_file(&path, Mode::Walked)?;
        }
        Ok(())
    }

    /// Renders a kustomization directory with `kubectl kustomize`; false when kubectl is absent.
    fn kustomize(&mut self, dir: &Path, file: &Path) -> Result<bool> {
        let out = match std::process::Command::new("kubectl")
            .arg("kustomize")
            .arg(dir)
            .stdin(std::process::Stdio::null())
            .output()
        {
            Ok(out) => out,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => {
                return Err(Error::input(
                    dir,
                    format!("cannot run kubectl kustomize: {e}"),
                ));
            }
        };
        if !out.status.success() {
            let err = String::from_utf8_lossy(&out.stderr);
            return Err(Error::input(
                file,
                format!(
                    "kubectl kustomize {} failed: {}",
                    shown(dir).display(),
                    err.lines()
                        .find(|l| !l.trim().is_empty())
                        .unwrap_or("no message")
                ),
            ));
        }
        self.notes.push(format!(
            "rendered {} with kubectl kustomize",
            shown(dir).display()
        ));
        self.read_bytes(&shown(file), out.stdout, Mode::Rendered)?;
        Ok(true)
    }

    fn read_file(&mut self, path: &Path, mode: Mode) -> Result<()> {
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if !self.seen.insert(real) {
            return Ok(());
        }
        let bytes = crate::snapshot::load::read_file(
            path,
            crate::snapshot::load::max_file_size(MAX_FILE_BYTES),
            "--max-file-size",
        )?;
        self.read_bytes(&shown(path), bytes, mode)
    }

    fn read_bytes(&mut self, path: &Path, bytes: Vec<u8>, mode: Mode) -> Result<()> {
        let max = crate::snapshot::load::max_file_size(MAX_FILE_BYTES);
        if bytes.len() as u64 > max {
            return Err(Error::input(
                path,
                format!(
                    "input is over the {}-byte limit for one manifest file (raise it with --max-file-size)",
                    crate::yaml::thousands(max as usize)
                ),
            ));
        }
        if bytes.contains(&0) {
            return Err(Error::input(path, "binary file, not YAML or JSON"));
        }
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::input(path, "binary file (not UTF-8), not YAML or JSON"))?;
        self.read_text(&path.display().to_string(), &text, mode)
    }

    fn read_text(&mut self, origin: &str, text: &str, mode: Mode) -> Result<()> {
        self.files += 1;
        let file: Arc<str> = Arc::from(origin);
        let text = text.trim_start_matches('\u{feff}');
        if mode == Mode::Walked {
            if let Some(line) = template_line(text) {
                self.files -= 1;
                self.templates.push(format!("{origin}:{line}"));
                return Ok(());
            }
        }
        let docs = match yaml::parse(text) {
            Ok(docs) => docs,
            Err(e) => {
                if let Some(line) = template_line(text) {
                    return Err(Error::input(
                        format!("{origin}:{line}"),
                        "looks like an unrendered Helm template ({{ … }}); render it first: helm template RELEASE CHART | kubectl storage preflight -f -",
                    ));
                }
                let at = e
                    .pos
                    .map(|p| format!("{origin}:{}:{}", p.line, p.column))
                    .unwrap_or_else(|| origin.to_string());
                if mode == Mode::Walked && !looks_like_manifest(text) {
                    self.files -= 1;
                    self.not_manifests
                        .push((origin.to_string(), format!("invalid YAML at {at}")));
                    return Ok(());
                }
                return Err(Error::input(at, format!("invalid YAML: {}", e.message)));
            }
        };
        let sources = helm_sources(text);
        let before = self.objects.len();
        let mut any = false;
        for doc in docs {
            self.documents += 1;
            for d in &doc.duplicates {
                self.warnings.push(format!(
                    "{origin}:{}: key {} is given twice (first at line {}): Kubernetes' decoder keeps the later value and drops the first",
                    d.again.line, d.path, d.first.line
                ));
            }
            if mode == Mode::Walked && !is_object(&doc.value) {
                continue;
            }
            any = true;
            // `helm template` output: point at the template the document came from.
            let (doc_file, shift) = match source_of(&sources, doc.start.line) {
                Some((line, path)) => (Arc::from(path), line),
                None => (file.clone(), 0),
            };
            let start = shift_pos(doc.start, shift);
            let fields = if shift > 0 {
                doc.fields
                    .into_iter()
                    .map(|(k, p)| (k, shift_pos(p, shift)))
                    .collect()
            } else {
                doc.fields
            };
            self.add(&doc_file, start, doc.value, fields, "")?;
        }
        if mode == Mode::Walked && !any {
            self.files -= 1;
            self.not_manifests.push((
                origin.to_string(),
                "no document has kind and apiVersion".to_string(),
            ));
        }
        if mode == Mode::Rendered {
            for o in &mut self.objects[before..] {
                o.start = Pos { line: 1, column: 1 };
                o.fields.clear();
            }
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
            // One pass over the field positions, bucketed by item (`items[3].spec…` → item 3):
            // a 2,000-item List must not scan every position once per item.
            let list_prefix = format!("{prefix}items[");
            let mut per_item: Vec<HashMap<String, Pos>> = vec![HashMap::new(); items.len()];
            let mut starts: Vec<Option<Pos>> = vec![None; items.len()];
            for (k, p) in fields.drain() {
                let Some(rest) = k.strip_prefix(&list_prefix) else {
                    continue;
                };
                let Some((index, tail)) = rest.split_once(']') else {
                    continue;
                };
                let Some(i) = index.parse::<usize>().ok().filter(|i| *i < items.len()) else {
                    continue;
                };
                if tail.is_empty() {
                    starts[i] = Some(p);
                } else if let Some(field) = tail.strip_prefix('.') {
                    per_item[i].insert(field.to_string(), p);
                }
            }
            for ((item, item_fields), item_start) in items.iter().zip(per_item).zip(starts) {
                self.add(
                    file,
                    item_start.unwrap_or(start),
                    item.clone(),
                    item_fields,
                    "",
                )?;
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

/// Whether a parsed document is a Kubernetes object (a mapping with `kind` and `apiVersion`).
fn is_object(v: &Value) -> bool {
    v.get("kind")
        .and_then(Value::as_str)
        .is_some_and(|k| !k.is_empty())
        && v.get("apiVersion").and_then(Value::as_str).is_some()
}

/// Whether a text that failed to parse still looks meant for Kubernetes (so its error matters).
fn looks_like_manifest(text: &str) -> bool {
    let has = |key: &str| text.lines().any(|l| l.trim_start().starts_with(key));
    has("apiVersion:") && has("kind:")
}

/// `# Source: chart/templates/x.yaml` comments in `helm template` output: (line, path).
fn helm_sources(text: &str) -> Vec<(u32, String)> {
    if !text.contains("# Source: ") {
        return Vec::new();
    }
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let path = l.strip_prefix("# Source: ")?.trim();
            (!path.is_empty()).then(|| (i as u32 + 1, path.to_string()))
        })
        .collect()
}

/// The `# Source:` comment that heads the document starting at `line`: the last one before it.
fn source_of(sources: &[(u32, String)], line: u32) -> Option<(u32, &str)> {
    sources
        .iter()
        .rev()
        .find(|(l, _)| *l < line)
        .map(|(l, p)| (*l, p.as_str()))
}

/// A position in a rendered stream as a line of the template document (the line after the
/// `# Source:` comment is line 1).
fn shift_pos(p: Pos, shift: u32) -> Pos {
    Pos {
        line: p.line.saturating_sub(shift).max(1),
        column: p.column,
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
        assert!(e.contains("helm template"), "{e}");
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
