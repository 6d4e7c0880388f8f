//! Offline loading: `kubectl get … -o yaml|json` output (single objects, `List`s, multi-document
//! YAML) and kubelet stats summaries, into a [`Snapshot`].

use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::path::{Path, PathBuf};

use std::borrow::Cow;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::{ec2, Coverage, EventRecord, Kind, Scope, Snapshot, VolumeStats};
use crate::error::{Error, Result};
use crate::model::Slim;

/// What a load saw besides the objects it kept: for `-v` notes.
#[derive(Debug, Default)]
pub struct LoadStats {
    pub files: usize,
    pub objects: usize,
    /// Objects of kinds the diagnosis does not use, by kind.
    pub ignored: BTreeMap<String, usize>,
    /// Objects given more than once (same kind, namespace and name; the last one is kept), by
    /// kind: for a `-v` note.
    pub duplicates: BTreeMap<String, usize>,
    /// Names of the Namespace objects the files held (`None`: none at all), for `import-ebs`.
    pub namespaces: Option<std::collections::BTreeSet<String>>,
    /// Objects passed over because they are in a namespace the [`LoadFilter`] does not keep.
    pub out_of_scope: usize,
}

/// Which objects a load keeps. The default keeps everything (`scan`, `dump` without a target).
/// With `namespaces`, the namespaced kinds (pods, claims, StatefulSets, and events about
/// namespaced objects) are kept only in those namespaces: the other namespaces' objects are
/// passed over before they are built (a JSON List item is only scanned for its kind and
/// namespace), and their kinds are recorded as read in those namespaces alone, so a rule asking
/// about another namespace is told it was not read. Cluster-scoped kinds are all kept. The
/// reference time stays the one the whole snapshot gives: the times of the objects passed over
/// still count ([`Snapshot::newest_timestamp`]).
#[derive(Debug, Clone, Default)]
pub struct LoadFilter {
    /// The namespaces whose objects are kept; `None`: all.
    pub namespaces: Option<BTreeSet<String>>,
    /// Also keep the namespace of the claim PersistentVolume NAME is bound to (read after the
    /// cluster-scoped objects, in a second pass over the files), as `why pv/NAME` needs.
    pub claim_of_pv: Option<String>,
    /// The second pass of `claim_of_pv`: only namespaced objects, the rest was kept already.
    skip_cluster_scoped: bool,
}

impl LoadFilter {
    /// What `why TARGET` (or `dump DIR TARGET`) reads of a snapshot in `namespace`: its
    /// namespace and, for a PV, its claim's; everything without a target.
    pub fn for_target(target: Option<&crate::chain::Target>, namespace: &str) -> LoadFilter {
        use crate::chain::Target;
        let Some(target) = target else {
            return LoadFilter::default();
        };
        LoadFilter {
            namespaces: Some(BTreeSet::from([namespace.to_string()])),
            claim_of_pv: match target {
                Target::Pv(name) => Some(name.clone()),
                Target::Pod(_) | Target::Pvc(_) | Target::Sts(_) => None,
            },
            skip_cluster_scoped: false,
        }
    }

    /// Whether an object whose namespace part is `namespace` is kept (`None`: it belongs with
    /// the cluster-scoped objects: a cluster-scoped kind, an event about one, or no namespace).
    fn keeps(&self, namespace: Option<&str>) -> bool {
        match (namespace, &self.namespaces) {
            (None, _) => !self.skip_cluster_scoped,
            (Some(_), None) => true,
            (Some(ns), Some(set)) => set.contains(ns),
        }
    }
}

/// Loads every path (files, or directories read recursively) into one snapshot, one file at a
/// time (only one file's text is held at once: the largest is a third of a dump), each List's
/// items on all cores.
pub fn load_paths(paths: &[PathBuf]) -> Result<(Snapshot, LoadStats)> {
    load_paths_filtered(paths, &LoadFilter::default())
}

/// [`load_paths`], keeping only what `filter` keeps.
pub fn load_paths_filtered(
    paths: &[PathBuf],
    filter: &LoadFilter,
) -> Result<(Snapshot, LoadStats)> {
    let mut files = Vec::new();
    for path in paths {
        collect_files(path, &mut files)?;
    }
    if files.is_empty() {
        let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::input(
            shown.join(", "),
            "no .yaml, .yml or .json files found",
        ));
    }
    let mut all = Loader::with(filter.clone());
    for file in &files {
        all.load_file(file)?;
    }
    // `why pv/NAME`: its claim's namespace, once the PV has been read.
    let claim_ns = filter.claim_of_pv.as_deref().and_then(|name| {
        let pv = all
            .snapshot
            .pvs
            .iter()
            .rfind(|pv| pv.metadata.name.as_deref() == Some(name))?;
        let ns = pv.spec.as_ref()?.claim_ref.as_ref()?.namespace.clone()?;
        (!filter.keeps(Some(&ns))).then_some(ns)
    });
    if let Some(ns) = claim_ns {
        let mut more = Loader::with(LoadFilter {
            namespaces: Some(BTreeSet::from([ns])),
            claim_of_pv: None,
            skip_cluster_scoped: true,
        });
        for file in &files {
            more.load_file(file)?;
        }
        // The first pass counted the files, the version skips and these objects as passed over.
        all.stats.out_of_scope = all.stats.out_of_scope.saturating_sub(more.stats.objects);
        all.stats.objects += more.stats.objects;
        all.snapshot.absorb(more.snapshot);
    }
    Ok(all.finish())
}

/// The data files under `path` (itself, or a directory's, recursively, in name order).
fn collect_files(path: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::input(path, format!("cannot read: {}", io_reason(&e))))?;
    if meta.is_dir() {
        for entry in data_entries(path)? {
            collect_files(&entry, out)?;
        }
    } else {
        out.push(path.to_path_buf());
    }
    Ok(())
}

/// Loads one document set from text (used for stdin and tests); `origin` names it in errors.
pub fn load_str(origin: &Path, text: &str) -> Result<(Snapshot, LoadStats)> {
    let mut loader = Loader::default();
    loader.load_text(origin, text)?;
    loader.stats.files = 1;
    Ok(loader.finish())
}

/// Parses a file's text into its documents: JSON when it looks like JSON, else (multi-document) YAML.
pub fn parse_documents(origin: &Path, text: &str) -> Result<Vec<Value>> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') || trimmed.starts_with('[') {
        // Both `kubectl -o json` and the AWS CLI print one JSON value per file; tolerate
        // several concatenated values (`kubectl get a -o json; kubectl get b -o json`).
        let mut docs = Vec::new();
        for value in serde_json::Deserializer::from_str(trimmed).into_iter::<Value>() {
            docs.push(value.map_err(|e| json_syntax_error(origin, &e))?);
        }
        return Ok(docs);
    }
    if text.contains('\0') {
        return Err(Error::input(origin, "binary file, not YAML or JSON"));
    }
    serde_saphyr::from_multiple_with_options::<Value>(text, crate::yaml::options()).map_err(|e| {
        let e = crate::yaml::parse_error(&e);
        let at = match (e.line, e.column) {
            (Some(l), Some(c)) => format!("{}:{l}:{c}", origin.display()),
            (Some(l), None) => format!("{}:{l}", origin.display()),
            _ => origin.display().to_string(),
        };
        Error::input(at, format!("invalid YAML: {}", e.reason))
    })
}

/// A JSON syntax error as one line naming where it is.
fn json_syntax_error(origin: &Path, e: &serde_json::Error) -> Error {
    Error::input(
        origin,
        format!(
            "invalid JSON at line {}, column {}: {}",
            e.line(),
            e.column(),
            json_reason(e)
        ),
    )
}

fn json_reason(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// Folds a multi-line parser message into one line.
pub fn one_line(s: &str) -> String {
    s.split('\n')
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The default cap on one snapshot file: a 100,000-object dump fits; `/dev/zero` does not.
pub const DEFAULT_MAX_FILE_SIZE: u64 = 2 * 1024 * 1024 * 1024;

/// `--max-file-size`, 0 when not given.
static MAX_FILE_SIZE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// Sets the cap on one input file (`--max-file-size`), for snapshots and manifests alike.
pub fn set_max_file_size(bytes: u64) {
    MAX_FILE_SIZE.store(bytes, std::sync::atomic::Ordering::Relaxed);
}

/// The cap on one input file: `--max-file-size` when given, else `default`.
pub fn max_file_size(default: u64) -> u64 {
    match MAX_FILE_SIZE.load(std::sync::atomic::Ordering::Relaxed) {
        0 => default,
        n => n,
    }
}

/// Reads one input file whole, refusing what is not a regular file (devices such as
/// `/dev/zero`, FIFOs, sockets: they never end or block) and anything over `max` bytes (read
/// through a limit, so a file that grows while read stays bounded too). `flag` names the
/// setting that raises the limit.
pub fn read_file(path: &Path, max: u64, flag: &str) -> Result<Vec<u8>> {
    use std::io::Read;
    let meta = std::fs::metadata(path)
        .map_err(|e| Error::input(path, format!("cannot read: {}", io_reason(&e))))?;
    if !meta.is_file() {
        let what = special_kind(&meta);
        return Err(Error::input(
            path,
            format!("is {what}, not a regular file: save the output to a file first"),
        ));
    }
    let too_big = |size: u64| {
        Error::input(
            path,
            format!(
                "file is {} bytes, over the {}-byte limit for one file (raise it with {flag})",
                crate::yaml::thousands(size as usize),
                crate::yaml::thousands(max as usize)
            ),
        )
    };
    if meta.len() > max {
        return Err(too_big(meta.len()));
    }
    let file = std::fs::File::open(path)
        .map_err(|e| Error::input(path, format!("cannot read: {}", io_reason(&e))))?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::input(path, format!("cannot read: {}", io_reason(&e))))?;
    if bytes.len() as u64 > max {
        return Err(too_big(bytes.len() as u64));
    }
    Ok(bytes)
}

/// "a FIFO", "a character device", … for a path that is not a regular file or directory.
fn special_kind(meta: &std::fs::Metadata) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        let t = meta.file_type();
        if t.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if t.is_char_device() {
            return "a character device";
        }
        if t.is_block_device() {
            return "a block device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    if meta.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

#[derive(Default)]
struct Loader {
    snapshot: Snapshot,
    stats: LoadStats,
    /// Objects skipped because their API version is not one this tool reads: by kind, by
    /// version, their names.
    skipped: BTreeMap<Kind, BTreeMap<String, Vec<String>>>,
    /// Kinds the capture file says were read only in part (a targeted or one-namespace dump).
    partial: BTreeMap<Kind, Scope>,
    /// What to keep.
    filter: LoadFilter,
}

impl Loader {
    fn with(filter: LoadFilter) -> Loader {
        Loader {
            filter,
            ..Default::default()
        }
    }

    /// Records `kind` as read: in the kept namespaces when it is namespaced and filtered.
    fn mark(&mut self, kind: Kind) {
        if matches!(self.snapshot.coverage.get(&kind), Some(Coverage::Read(_))) {
            return; // the scope is the same for every object of a load
        }
        let scope = match &self.filter.namespaces {
            Some(set) if kind.namespaced() => Scope::Namespaces(set.clone()),
            _ => Scope::All,
        };
        self.snapshot.mark_read(kind, scope);
    }

    /// The snapshot read, repeated objects dropped; a kind with objects skipped for their
    /// version is not checked (an object it lacks may be one of them), saying which.
    fn finish(mut self) -> (Snapshot, LoadStats) {
        self.stats.duplicates = self.snapshot.dedup();
        for (kind, scope) in std::mem::take(&mut self.partial) {
            if matches!(self.snapshot.coverage.get(&kind), Some(Coverage::Read(_))) {
                self.snapshot.coverage.insert(kind, Coverage::Read(scope));
            }
        }
        for (kind, by_version) in self.skipped {
            let parts: Vec<String> = by_version
                .iter()
                .map(|(version, names)| {
                    let n = names.len();
                    let shown: Vec<&str> = names.iter().take(3).map(String::as_str).collect();
                    let more = if n > 3 { format!(", {} more", n - 3) } else { String::new() };
                    format!(
                        "{n} skipped, in {version}, an API version this tool does not read ({}{more})",
                        shown.join(", ")
                    )
                })
                .collect();
            self.snapshot.coverage.insert(
                kind,
                Coverage::NotChecked(format!(
                    "{}; it reads {}",
                    parts.join("; "),
                    super::versions::known(kind).join(", ")
                )),
            );
        }
        (self.snapshot, self.stats)
    }

    fn load_file(&mut self, path: &Path) -> Result<()> {
        let bytes = read_file(
            path,
            max_file_size(DEFAULT_MAX_FILE_SIZE),
            "--max-file-size",
        )?;
        let text = String::from_utf8(bytes)
            .map_err(|_| Error::input(path, "binary file, not YAML or JSON"))?;
        self.stats.files += 1;
        self.load_text(path, &text)
    }

    /// Adds what another loader read (a later file) after what this one holds.
    fn merge(&mut self, other: Loader) {
        self.snapshot.absorb(other.snapshot);
        let (t, o) = (&mut self.stats, other.stats);
        t.files += o.files;
        t.objects += o.objects;
        t.out_of_scope += o.out_of_scope;
        for (kind, n) in o.ignored {
            *t.ignored.entry(kind).or_default() += n;
        }
        if let Some(names) = o.namespaces {
            t.namespaces
                .get_or_insert_with(Default::default)
                .extend(names);
        }
        for (kind, by_version) in other.skipped {
            for (version, names) in by_version {
                self.skipped
                    .entry(kind)
                    .or_default()
                    .entry(version)
                    .or_default()
                    .extend(names);
            }
        }
    }

    fn load_text(&mut self, origin: &Path, text: &str) -> Result<()> {
        self.snapshot.offline = true;
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with('{') {
            return self.load_json(origin, trimmed);
        }
        let docs = parse_documents(origin, text)?;
        for (i, doc) in docs.into_iter().enumerate() {
            let empty_list = doc.get("kind").and_then(Value::as_str) == Some("List")
                && doc
                    .get("items")
                    .and_then(Value::as_array)
                    .is_none_or(Vec::is_empty);
            if empty_list {
                self.empty_untyped_list(origin);
            }
            self.load_document(origin, i + 1, doc)?;
        }
        Ok(())
    }

    /// JSON objects (one or several concatenated), streamed: a List's items are loaded one at a
    /// time as they are parsed, so a 50,000-item dump never exists as one JSON tree.
    fn load_json(&mut self, origin: &Path, text: &str) -> Result<()> {
        use serde::de::DeserializeSeed;
        let mut de = serde_json::Deserializer::from_str(text);
        let mut index = 0;
        loop {
            // Only whitespace left: done; anything else is the next document.
            if de.end().is_ok() {
                return Ok(());
            }
            index += 1;
            let mut failed = None;
            let seed = JsonDoc {
                loader: self,
                origin,
                index,
                failed: &mut failed,
            };
            if let Err(e) = seed.deserialize(&mut de) {
                return Err(failed.unwrap_or_else(|| json_syntax_error(origin, &e)));
            }
        }
    }

    fn load_document(&mut self, origin: &Path, index: usize, mut doc: Value) -> Result<()> {
        let Value::Object(map) = &doc else {
            if doc.is_null() {
                return Ok(());
            }
            return Err(Error::input(
                origin,
                format!("document {index} is not an object: not kubectl or AWS CLI output"),
            ));
        };
        if map.contains_key("node") && map.contains_key("pods") {
            return self.load_node_stats(origin, doc);
        }
        if !map.contains_key("kind") && EC2_LISTS.iter().any(|k| map.contains_key(*k)) {
            return self.load_ec2(origin, index, doc);
        }
        let kind = map
            .get("kind")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        let api_version = map
            .get("apiVersion")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string();
        if kind == "ConfigMap"
            && doc.pointer("/metadata/name").and_then(Value::as_str) == Some(super::CAPTURE_NAME)
        {
            return self.load_capture(origin, &doc);
        }
        if kind.is_empty() || api_version.is_empty() {
            return Err(Error::input(
                origin,
                format!(
                    "document {index} has no kind/apiVersion: not Kubernetes objects (kubectl get -o yaml|json) or AWS CLI output"
                ),
            ));
        }
        if kind == "List" || (kind.ends_with("List") && map.contains_key("items")) {
            let item_kind = kind
                .strip_suffix("List")
                .filter(|k| !k.is_empty())
                .map(str::to_string);
            // A typed List of a version this tool does not read says nothing of the kind.
            if let Some(k) = item_kind.as_deref().and_then(known_kind) {
                if super::versions::read_as(k, &api_version).is_some() {
                    self.mark(k);
                }
            }
            // Taken, not cloned: a 50,000-item List is never held twice.
            let Some(Value::Array(items)) = doc.as_object_mut().and_then(|m| m.remove("items"))
            else {
                return Ok(());
            };
            for mut item in items {
                if let (Some(k), Value::Object(m)) = (&item_kind, &mut item) {
                    m.entry("kind").or_insert_with(|| Value::String(k.clone()));
                    m.entry("apiVersion")
                        .or_insert_with(|| Value::String(api_version.clone()));
                }
                self.load_document(origin, index, item)?;
            }
            return Ok(());
        }
        let name = doc
            .pointer("/metadata/name")
            .and_then(Value::as_str)
            .unwrap_or("?")
            .to_string();
        self.load_object(
            origin,
            index,
            &kind,
            &api_version,
            &name,
            Source::Value(doc),
            None,
        )
    }

    /// `kubectl get KIND -o json|yaml` prints an untyped `List` when there are none, so an empty
    /// one says nothing of its kind: the file's name may (`pvs.json`, `persistentvolumes.yaml`);
    /// otherwise it is noted as unknown, never taken as "none of anything".
    fn empty_untyped_list(&mut self, origin: &Path) {
        let stem = origin
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        match kind_of_file_name(&stem) {
            Some(k) => self.mark(k),
            None if self.filter.skip_cluster_scoped => {}
            None => self.snapshot.unknown_files.push(format!(
                "{}: an empty untyped List (kubectl prints one for a kind with no objects); name the file after its kind (e.g. pvs.json) to count it as \"none\"",
                origin.display()
            )),
        }
    }

    /// The capture file `dump` writes: when the snapshot was read.
    fn load_capture(&mut self, origin: &Path, doc: &Value) -> Result<()> {
        if self.filter.skip_cluster_scoped {
            return Ok(());
        }
        let at = doc
            .pointer("/data/capturedAt")
            .and_then(Value::as_str)
            .and_then(|s| s.parse::<jiff::Timestamp>().ok())
            .ok_or_else(|| {
                Error::input(
                    origin,
                    "capture file without a valid data.capturedAt (an RFC 3339 time)",
                )
            })?;
        let capture = super::Capture {
            at,
            source: super::ClockSource::CaptureFile,
        };
        self.snapshot.captured = super::later(self.snapshot.captured, Some(capture));
        if let Some(text) = doc.pointer("/data/coverage").and_then(Value::as_str) {
            let scopes: BTreeMap<String, Scope> = serde_json::from_str(text).map_err(|e| {
                Error::input(
                    origin,
                    format!("capture file with an unreadable data.coverage: {e}"),
                )
            })?;
            for (plural, scope) in scopes {
                if let Some(kind) = Kind::ALL.into_iter().find(|k| k.plural() == plural) {
                    self.partial.insert(kind, scope);
                }
            }
        }
        Ok(())
    }

    // One argument per part of the object already known; grouping them would only rename them.
    #[allow(clippy::too_many_arguments)]
    fn load_object(
        &mut self,
        origin: &Path,
        index: usize,
        kind: &str,
        api_version: &str,
        name: &str,
        doc: Source,
        head: Option<&ScopedHead>,
    ) -> Result<()> {
        let at = || format!("document {index} ({kind} {name})");
        if kind == "Namespace" {
            self.stats
                .namespaces
                .get_or_insert_with(Default::default)
                .insert(name.to_string());
        }
        let Some(k) = known_kind(kind) else {
            if !self.filter.skip_cluster_scoped {
                *self.stats.ignored.entry(kind.to_string()).or_default() += 1;
            }
            return Ok(());
        };
        if self.filter.skip_cluster_scoped && !k.namespaced() {
            return Ok(());
        }
        let Some(read_as) = super::versions::read_as(k, api_version) else {
            self.skipped
                .entry(k)
                .or_default()
                .entry(api_version.to_string())
                .or_default()
                .push(name.to_string());
            return Ok(());
        };
        if !self.in_scope(k, api_version, head, &doc) {
            return Ok(());
        }
        let doc = if read_as == api_version {
            doc
        } else {
            let value = doc.value(origin, &at)?;
            Source::Value(super::versions::convert(k, read_as, value))
        };
        let s = &mut self.snapshot;
        match k {
            Kind::Pod => s.pods.push(doc.typed(origin, &at)?),
            Kind::PersistentVolumeClaim => s.pvcs.push(doc.typed(origin, &at)?),
            Kind::PersistentVolume => s.pvs.push(doc.typed(origin, &at)?),
            Kind::StorageClass => s.storage_classes.push(doc.typed(origin, &at)?),
            Kind::CSIDriver => s.csi_drivers.push(doc.typed(origin, &at)?),
            Kind::CSINode => s.csi_nodes.push(doc.typed(origin, &at)?),
            Kind::VolumeAttachment => s.volume_attachments.push(doc.typed(origin, &at)?),
            Kind::Node => s.nodes.push(doc.typed(origin, &at)?),
            Kind::StatefulSet => s.statefulsets.push(doc.typed(origin, &at)?),
            Kind::Deployment => s.deployments.push(doc.typed(origin, &at)?),
            Kind::Job => s.jobs.push(doc.typed(origin, &at)?),
            Kind::CronJob => s.cron_jobs.push(doc.typed(origin, &at)?),
            Kind::Event => {
                let record = if read_as.starts_with("events.k8s.io/") {
                    let e: k8s_openapi::api::events::v1::Event = doc.typed(origin, &at)?;
                    EventRecord::from(&e)
                } else {
                    let e: k8s_openapi::api::core::v1::Event = doc.typed(origin, &at)?;
                    EventRecord::from(&e)
                };
                s.events.push(record);
            }
            Kind::NodeStats | Kind::EbsVolume | Kind::Ec2Instance => {
                unreachable!("known_kind never returns kinds without a Kubernetes kind")
            }
        }
        self.mark(k);
        self.stats.objects += 1;
        Ok(())
    }

    /// Whether the filter keeps this object of namespaced kind `k` (always, unfiltered). One
    /// passed over still marks its kind read (in the kept namespaces) and leaves its times.
    fn in_scope(
        &mut self,
        k: Kind,
        api_version: &str,
        head: Option<&ScopedHead>,
        doc: &Source,
    ) -> bool {
        let filtered = self.filter.namespaces.is_some() || self.filter.skip_cluster_scoped;
        if !filtered || !k.namespaced() {
            return true;
        }
        let parsed;
        let head = match head {
            Some(h) => h,
            None => {
                parsed = match doc {
                    Source::Value(v) => ScopedHead::deserialize(v).ok(),
                    Source::Raw(text) => serde_json::from_str(text).ok(),
                };
                // Not the shape expected: kept, so the usual parse reports what is wrong.
                match &parsed {
                    Some(h) => h,
                    None => return true,
                }
            }
        };
        if self.filter.keeps(head.namespace_part(k).as_deref()) {
            return true;
        }
        if !self.filter.skip_cluster_scoped {
            let newest = head.newest(k, api_version);
            self.snapshot.newest_unloaded = self.snapshot.newest_unloaded.max(newest);
        }
        self.mark(k);
        self.stats.out_of_scope += 1;
        false
    }

    /// The items of a JSON List (or of an AWS CLI list: `ec2_key`), as text, loaded in order;
    /// a long list is cut in one run per core, each loaded on its own and merged in order.
    /// Returns the items that do not name their kind (see [`Self::load_raw`]).
    fn load_items(
        &mut self,
        origin: &Path,
        index: usize,
        items: &[&str],
        ec2_key: Option<&str>,
    ) -> Result<Vec<Value>> {
        const MIN_RUN: usize = 500;
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let runs = cores.min(items.len() / MIN_RUN).max(1);
        if runs == 1 {
            return self.load_run(origin, index, items, ec2_key);
        }
        let filter = &self.filter;
        let parts: Vec<Result<(Loader, Vec<Value>)>> = std::thread::scope(|scope| {
            let handles: Vec<_> = items
                .chunks(items.len().div_ceil(runs))
                .map(|run| {
                    scope.spawn(move || {
                        let mut part = Loader::with(filter.clone());
                        let rest = part.load_run(origin, index, run, ec2_key)?;
                        Ok((part, rest))
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e)))
                .collect()
        });
        let mut rest = Vec::new();
        for part in parts {
            let (loader, more) = part?;
            self.merge(loader);
            rest.extend(more);
        }
        Ok(rest)
    }

    fn load_run(
        &mut self,
        origin: &Path,
        index: usize,
        items: &[&str],
        ec2_key: Option<&str>,
    ) -> Result<Vec<Value>> {
        let mut rest = Vec::new();
        for item in items {
            match ec2_key {
                Some(key) => self.ec2_item(origin, index, key, Source::Raw(item))?,
                None => rest.extend(self.load_raw(origin, index, item)?),
            }
        }
        Ok(rest)
    }

    /// One item of a JSON List, still as its text: the Kubernetes kinds the diagnosis keeps are
    /// parsed straight into their types (no intermediate JSON tree); anything else, and items
    /// that do not name their kind, go through [`Value`] like YAML does. `Ok(Some)` hands such
    /// an item back for the List to finish.
    fn load_raw(&mut self, origin: &Path, index: usize, raw: &str) -> Result<Option<Value>> {
        if self.filter.namespaces.is_some() || self.filter.skip_cluster_scoped {
            // One scan of the item gives its kind, namespace and times: one passed over is
            // never built.
            if let Ok(head) = serde_json::from_str::<ScopedHead>(raw) {
                if let (Some(kind), Some(api_version)) =
                    (head.kind.as_deref(), head.api_version.as_deref())
                {
                    if known_kind(kind).is_some() {
                        let name = head.metadata.as_ref().and_then(|m| m.name.as_deref());
                        let name = name.unwrap_or("?");
                        let source = Source::Raw(raw);
                        self.load_object(
                            origin,
                            index,
                            kind,
                            api_version,
                            name,
                            source,
                            Some(&head),
                        )?;
                        return Ok(None);
                    }
                }
            }
        }
        let head: Head = serde_json::from_str(raw).unwrap_or_default();
        match (head.kind.as_deref(), head.api_version.as_deref()) {
            (Some(kind), Some(api_version)) if known_kind(kind).is_some() => {
                let name = head.metadata.and_then(|m| m.name);
                let name = name.as_deref().unwrap_or("?");
                self.load_object(
                    origin,
                    index,
                    kind,
                    api_version,
                    name,
                    Source::Raw(raw),
                    None,
                )?;
                Ok(None)
            }
            (kind, api_version) => {
                let doc = serde_json::from_str::<Value>(raw).map_err(|e| {
                    Error::input(origin, format!("invalid JSON: {}", json_reason(&e)))
                })?;
                if kind.is_some() && api_version.is_some() {
                    self.load_document(origin, index, doc)?;
                    Ok(None)
                } else {
                    Ok(Some(doc))
                }
            }
        }
    }

    /// AWS CLI JSON: `describe-volumes`, `describe-instances`, `describe-availability-zones`.
    fn load_ec2(&mut self, origin: &Path, index: usize, mut doc: Value) -> Result<()> {
        if self.filter.skip_cluster_scoped {
            return Ok(());
        }
        for key in EC2_LISTS {
            let Some(Value::Array(items)) = doc.get_mut(key).map(Value::take) else {
                continue;
            };
            for item in items {
                self.ec2_item(origin, index, key, Source::Value(item))?;
            }
            match key {
                "Volumes" => self.snapshot.mark_read(Kind::EbsVolume, Scope::All),
                "Reservations" => self.snapshot.mark_read(Kind::Ec2Instance, Scope::All),
                _ => {}
            }
        }
        Ok(())
    }

    /// One element of an AWS CLI `describe-*` list (`key` names the list).
    fn ec2_item(&mut self, origin: &Path, index: usize, key: &str, item: Source) -> Result<()> {
        if self.filter.skip_cluster_scoped {
            return Ok(());
        }
        let bad = |what: &str, e: serde_json::Error| {
            Error::input(
                origin,
                format!(
                    "document {index}: invalid AWS CLI {what} output: {}",
                    one_line(&e.to_string())
                ),
            )
        };
        let ec2 = &mut self.snapshot.ec2;
        match key {
            "Volumes" => {
                let v: ec2::Volume = item.parse().map_err(|e| bad("describe-volumes", e))?;
                ec2.volumes.push(v);
                self.stats.objects += 1;
            }
            "Reservations" => {
                let r: ec2::Reservation = item.parse().map_err(|e| bad("describe-instances", e))?;
                self.stats.objects += r.instances.len();
                ec2.instances.extend(r.instances);
            }
            _ => {
                let z: ec2::AvailabilityZone = item
                    .parse()
                    .map_err(|e| bad("describe-availability-zones", e))?;
                ec2.zones.push(z);
                self.stats.objects += 1;
            }
        }
        Ok(())
    }

    fn load_node_stats(&mut self, origin: &Path, doc: Value) -> Result<()> {
        if self.filter.skip_cluster_scoped {
            return Ok(());
        }
        let stats = volume_stats_from_summary(&doc)
            .ok_or_else(|| Error::input(origin, "kubelet stats summary without node.nodeName"))?;
        self.snapshot.volume_stats.extend(stats);
        self.snapshot.raw_node_stats.push(doc);
        self.snapshot.mark_read(Kind::NodeStats, Scope::All);
        self.stats.objects += 1;
        Ok(())
    }
}

/// The volume statistics in one kubelet stats summary (`kubectl get --raw
/// /api/v1/nodes/NODE/proxy/stats/summary`): one entry per volume of each pod (`pods[].volume[]`),
/// with the claim when the volume is PVC-backed (`pvcRef`). `None` when the value is not a
/// summary (no `node.nodeName`). Pure: offline loading and the live fetch both use it.
pub fn volume_stats_from_summary(summary: &Value) -> Option<Vec<VolumeStats>> {
    let node = summary.pointer("/node/nodeName").and_then(Value::as_str)?;
    let text = |v: &Value, p: &str| v.pointer(p).and_then(Value::as_str).map(str::to_string);
    let mut out = Vec::new();
    for pod in summary
        .get("pods")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let pod_ns = text(pod, "/podRef/namespace").unwrap_or_default();
        let pod_name = text(pod, "/podRef/name").unwrap_or_default();
        for vol in pod
            .get("volume")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let num = |k: &str| vol.get(k).and_then(Value::as_u64);
            out.push(VolumeStats {
                node: node.to_string(),
                pod_namespace: pod_ns.clone(),
                pod_name: pod_name.clone(),
                volume_name: text(vol, "/name").unwrap_or_default(),
                pvc_namespace: text(vol, "/pvcRef/namespace"),
                pvc_name: text(vol, "/pvcRef/name"),
                capacity_bytes: num("capacityBytes"),
                used_bytes: num("usedBytes"),
                available_bytes: num("availableBytes"),
                inodes: num("inodes"),
                inodes_used: num("inodesUsed"),
            });
        }
    }
    Some(out)
}

/// Adds kubelet stats summaries read live ([`crate::fetch::kube::fetch_node_stats`]) to a
/// snapshot and records how they were read. Values that are not summaries are skipped.
pub fn add_node_stats(snap: &mut Snapshot, summaries: Vec<Value>, coverage: Coverage) {
    for summary in summaries {
        if let Some(stats) = volume_stats_from_summary(&summary) {
            snap.volume_stats.extend(stats);
            snap.raw_node_stats.push(summary);
        }
    }
    match coverage {
        Coverage::Read(scope) => snap.mark_read(Kind::NodeStats, scope),
        other => snap.mark_unread(Kind::NodeStats, other),
    }
}

/// The lists of AWS CLI `describe-volumes`, `describe-instances` and
/// `describe-availability-zones` output.
const EC2_LISTS: [&str; 3] = ["Volumes", "Reservations", "AvailabilityZones"];

/// One top-level JSON document, loaded as it is parsed (see `Loader::load_json`).
struct JsonDoc<'l, 'p> {
    loader: &'l mut Loader,
    origin: &'p Path,
    index: usize,
    /// The loading error (not a syntax error) that stopped the parse.
    failed: &'l mut Option<Error>,
}

impl JsonDoc<'_, '_> {
    fn load(&mut self, doc: Value) -> std::result::Result<(), String> {
        let r = self.loader.load_document(self.origin, self.index, doc);
        self.record(r)
    }

    fn load_items(
        &mut self,
        items: &[&str],
        ec2_key: Option<&str>,
    ) -> std::result::Result<Vec<Value>, String> {
        let r = self
            .loader
            .load_items(self.origin, self.index, items, ec2_key);
        self.record(r)
    }

    fn record<T>(&mut self, r: Result<T>) -> std::result::Result<T, String> {
        r.map_err(|e| {
            let m = e.to_string();
            *self.failed = Some(e);
            m
        })
    }
}

impl<'de> serde::de::DeserializeSeed<'de> for JsonDoc<'_, '_> {
    type Value = ();

    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> std::result::Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for JsonDoc<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(
        mut self,
        mut map: A,
    ) -> std::result::Result<(), A::Error> {
        use serde::de::Error as _;
        let mut fields = serde_json::Map::new();
        let mut items_seen = None;
        while let Some(key) = map.next_key::<String>()? {
            // A List's items, or an AWS CLI list, load as they are parsed; typed items wait
            // for the List's own kind when they lack theirs (kubectl prints `items` first).
            let ec2_key = EC2_LISTS.iter().copied().find(|l| *l == key);
            let value = if key == "items" || ec2_key.is_some() {
                let (seen, rest) = map.next_value_seed(JsonItems {
                    doc: &mut self,
                    ec2_key,
                })?;
                items_seen = Some(seen);
                Value::Array(rest.map_err(A::Error::custom)?)
            } else {
                map.next_value::<Value>()?
            };
            fields.insert(key, value);
        }
        if items_seen == Some(0) && fields.get("kind").and_then(Value::as_str) == Some("List") {
            self.loader.empty_untyped_list(self.origin);
        }
        self.load(Value::Object(fields)).map_err(A::Error::custom)
    }
}

/// A List's `items` (items naming their kind are loaded as they are parsed; the rest are
/// returned), or an AWS CLI list (`ec2_key`: every element loaded as parsed). A loading error
/// is returned as `Err` (and recorded in the document).
struct JsonItems<'d, 'l, 'p> {
    doc: &'d mut JsonDoc<'l, 'p>,
    ec2_key: Option<&'static str>,
}

impl<'de> serde::de::DeserializeSeed<'de> for JsonItems<'_, '_, '_> {
    /// How many items the list held, and the ones left to load.
    type Value = (usize, std::result::Result<Vec<Value>, String>);

    fn deserialize<D: serde::Deserializer<'de>>(
        self,
        d: D,
    ) -> std::result::Result<Self::Value, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for JsonItems<'_, '_, '_> {
    type Value = (usize, std::result::Result<Vec<Value>, String>);

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of objects")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(
        self,
        mut seq: A,
    ) -> std::result::Result<Self::Value, A::Error> {
        // Items stay text until their kind is known (see `Loader::load_raw`); the text is
        // only sliced here, then parsed into objects on all cores.
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<&'de serde_json::value::RawValue>()? {
            items.push(item.get());
        }
        Ok((items.len(), self.doc.load_items(&items, self.ec2_key)))
    }
}

/// The kind a file is named after (`pvs`, `persistentvolumes`, `pv`, `kubectl-get-pvc`, …).
fn kind_of_file_name(stem: &str) -> Option<Kind> {
    let last = stem.rsplit(['-', '_', '.']).next().unwrap_or(stem);
    Kind::ALL.into_iter().find(|k| {
        !k.is_ec2()
            && *k != Kind::NodeStats
            && (last == k.plural() || k.short_names().contains(&last))
    })
}

/// The snapshot kind for a Kubernetes kind name, if the diagnosis uses it.
pub fn known_kind(kind: &str) -> Option<Kind> {
    Kind::ALL
        .into_iter()
        .find(|k| *k != Kind::NodeStats && !k.is_ec2() && k.name() == kind)
}

/// An object to convert into its type: a parsed document (YAML, or JSON read whole), or the
/// text of a JSON List item.
enum Source<'a> {
    Value(Value),
    Raw(&'a str),
}

impl Source<'_> {
    fn parse<T: DeserializeOwned>(self) -> serde_json::Result<T> {
        match self {
            Source::Value(v) => serde_json::from_value(v),
            Source::Raw(text) => serde_json::from_str(text),
        }
    }

    /// The object as a JSON tree.
    fn value(self, origin: &Path, at: &dyn Fn() -> String) -> Result<Value> {
        match self {
            Source::Value(v) => Ok(v),
            Source::Raw(text) => serde_json::from_str(text).map_err(|e| {
                Error::input(origin, format!("{}: {}", at(), one_line(&json_reason(&e))))
            }),
        }
    }

    /// The object as `T`, trimmed ([`Slim`]).
    fn typed<T: DeserializeOwned + Slim>(
        self,
        origin: &Path,
        at: &dyn Fn() -> String,
    ) -> Result<T> {
        let mut object: T = self.parse().map_err(|e| {
            Error::input(origin, format!("{}: {}", at(), one_line(&json_reason(&e))))
        })?;
        object.slim();
        Ok(object)
    }
}

/// The first fields of a List item: enough to pick its type before parsing it.
#[derive(Default, serde::Deserialize)]
struct Head<'a> {
    #[serde(borrow, default)]
    kind: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default, rename = "apiVersion")]
    api_version: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    metadata: Option<HeadMeta<'a>>,
}

#[derive(Default, serde::Deserialize)]
struct HeadMeta<'a> {
    #[serde(borrow, default)]
    name: Option<std::borrow::Cow<'a, str>>,
}

/// What a filtered load reads of an object before deciding to keep it: its kind, its
/// namespace (for an event, its object's) and the times [`Snapshot::newest_timestamp`] counts.
#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScopedHead<'a> {
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    api_version: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    metadata: Option<ScopedMeta<'a>>,
    #[serde(borrow, default)]
    status: Option<StampedStatus<'a>>,
    #[serde(borrow, default)]
    involved_object: Option<Involved<'a>>,
    #[serde(borrow, default)]
    regarding: Option<Involved<'a>>,
    #[serde(borrow, default)]
    series: Option<Series<'a>>,
    #[serde(borrow, default)]
    first_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    last_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    event_time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    deprecated_first_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    deprecated_last_timestamp: Option<Cow<'a, str>>,
}

#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct ScopedMeta<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    namespace: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    creation_timestamp: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    deletion_timestamp: Option<Cow<'a, str>>,
}

#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StampedStatus<'a> {
    #[serde(borrow, default)]
    conditions: Option<Vec<StampedCondition<'a>>>,
    #[serde(borrow, default)]
    container_statuses: Option<Vec<StampedContainer<'a>>>,
}

#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StampedCondition<'a> {
    #[serde(borrow, default)]
    last_transition_time: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    last_probe_time: Option<Cow<'a, str>>,
}

#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct StampedContainer<'a> {
    #[serde(borrow, default)]
    state: Option<StampedState<'a>>,
    #[serde(borrow, default)]
    last_state: Option<StampedState<'a>>,
}

#[derive(Default, serde::Deserialize)]
struct StampedState<'a> {
    #[serde(borrow, default)]
    running: Option<Started<'a>>,
    #[serde(borrow, default)]
    terminated: Option<Started<'a>>,
}

#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Started<'a> {
    #[serde(borrow, default)]
    started_at: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    finished_at: Option<Cow<'a, str>>,
}

#[derive(Default, serde::Deserialize)]
struct Involved<'a> {
    #[serde(borrow, default)]
    kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    namespace: Option<Cow<'a, str>>,
}

#[derive(Default, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Series<'a> {
    #[serde(borrow, default)]
    last_observed_time: Option<Cow<'a, str>>,
}

impl ScopedHead<'_> {
    /// The namespace that decides whether a filtered load keeps the object (`None`: it goes
    /// with the cluster-scoped objects): its own; for an event, its object's, as
    /// [`EventRecord`] records it.
    fn namespace_part(&self, k: Kind) -> Option<String> {
        let own = self.metadata.as_ref().and_then(|m| m.namespace.as_deref());
        if k != Kind::Event {
            return own.filter(|n| !n.is_empty()).map(str::to_string);
        }
        let object = self.involved_object.as_ref().or(self.regarding.as_ref());
        super::events::involved_namespace(
            object.and_then(|o| o.kind.as_deref()),
            object.and_then(|o| o.namespace.as_deref()),
            own,
        )
    }

    /// The newest of the times [`Snapshot::newest_timestamp`] would read from this object.
    fn newest(&self, k: Kind, api_version: &str) -> Option<jiff::Timestamp> {
        fn t(s: &Option<Cow<'_, str>>) -> Option<jiff::Timestamp> {
            s.as_deref()?.parse().ok()
        }
        let meta = self.metadata.as_ref();
        let mut all = vec![
            meta.and_then(|m| t(&m.creation_timestamp)),
            meta.and_then(|m| t(&m.deletion_timestamp)),
        ];
        let status = self.status.as_ref();
        match k {
            Kind::Pod | Kind::PersistentVolumeClaim => {
                for c in status
                    .and_then(|s| s.conditions.as_deref())
                    .unwrap_or_default()
                {
                    all.push(t(&c.last_transition_time));
                    all.push(t(&c.last_probe_time));
                }
            }
            Kind::Event => {
                // As `EventRecord` takes `first` and `last`.
                let series = self.series.as_ref().and_then(|s| t(&s.last_observed_time));
                let (last, first) = if api_version.starts_with("events.k8s.io/") {
                    let last = series
                        .or_else(|| t(&self.deprecated_last_timestamp))
                        .or_else(|| t(&self.event_time));
                    let first = t(&self.deprecated_first_timestamp)
                        .or_else(|| t(&self.event_time))
                        .or(last);
                    (last, first)
                } else {
                    let last = series
                        .or_else(|| t(&self.last_timestamp))
                        .or_else(|| t(&self.event_time))
                        .or_else(|| meta.and_then(|m| t(&m.creation_timestamp)));
                    let first = t(&self.first_timestamp)
                        .or_else(|| t(&self.event_time))
                        .or(last);
                    (last, first)
                };
                return first.max(last);
            }
            _ => {}
        }
        if k == Kind::Pod {
            for c in status
                .and_then(|s| s.container_statuses.as_deref())
                .unwrap_or_default()
            {
                for s in [&c.state, &c.last_state].into_iter().flatten() {
                    all.push(s.running.as_ref().and_then(|r| t(&r.started_at)));
                    all.push(s.terminated.as_ref().and_then(|r| t(&r.started_at)));
                    all.push(s.terminated.as_ref().and_then(|r| t(&r.finished_at)));
                }
            }
        }
        all.into_iter().flatten().max()
    }
}

/// The entries of directory `dir` worth reading, sorted: subdirectories and `.yaml`, `.yml`,
/// `.json` files. Shared by the snapshot loader and the manifest reader.
pub(crate) fn data_entries(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| Error::input(dir, format!("cannot read directory: {}", io_reason(&e))))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.is_dir()
                || p.extension()
                    .and_then(|e| e.to_str())
                    .is_some_and(|e| matches!(e, "yaml" | "yml" | "json"))
        })
        .collect();
    entries.sort();
    Ok(entries)
}

/// An I/O error as a short reason for a one-line message.
pub(crate) fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file or directory".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        _ => e.to_string(),
    }
}

impl Snapshot {
    /// Drops repeated objects (the same file given twice, a dir holding two dumps): last wins.
    /// Returns how many were dropped, by kind.
    pub(crate) fn dedup(&mut self) -> BTreeMap<String, usize> {
        fn by_key<T: kube::Resource<DynamicType = ()>>(
            items: &mut Vec<T>,
            dropped: &mut BTreeMap<String, usize>,
        ) {
            let mut seen = HashSet::new();
            let mut keep: Vec<bool> = items
                .iter()
                .rev()
                .map(|o| {
                    let m = o.meta();
                    seen.insert((m.namespace.clone(), m.name.clone()))
                })
                .collect();
            keep.reverse();
            let gone = keep.iter().filter(|k| !**k).count();
            if gone > 0 {
                *dropped.entry(T::kind(&()).to_string()).or_default() += gone;
            }
            let mut it = keep.into_iter();
            items.retain(|_| it.next().unwrap_or(true));
        }
        let mut dropped = BTreeMap::new();
        by_key(&mut self.pods, &mut dropped);
        by_key(&mut self.pvcs, &mut dropped);
        by_key(&mut self.pvs, &mut dropped);
        by_key(&mut self.storage_classes, &mut dropped);
        by_key(&mut self.csi_drivers, &mut dropped);
        by_key(&mut self.csi_nodes, &mut dropped);
        by_key(&mut self.volume_attachments, &mut dropped);
        by_key(&mut self.nodes, &mut dropped);
        by_key(&mut self.statefulsets, &mut dropped);
        by_key(&mut self.deployments, &mut dropped);
        by_key(&mut self.jobs, &mut dropped);
        by_key(&mut self.cron_jobs, &mut dropped);
        self.ec2.dedup();
        dropped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn summary() -> Value {
        let p = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/stats-summary.json");
        let text = std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
    }

    #[test]
    fn converts_a_stats_summary_into_volume_stats() {
        let stats = volume_stats_from_summary(&summary()).expect("a summary");
        assert_eq!(stats.len(), 4, "{stats:#?}");
        let data = stats
            .iter()
            .find(|s| s.pod_name == "db-0" && s.volume_name == "data")
            .expect("db-0 data volume");
        assert_eq!(
            data,
            &VolumeStats {
                node: "ip-10-0-1-23.ec2.internal".into(),
                pod_namespace: "prod".into(),
                pod_name: "db-0".into(),
                volume_name: "data".into(),
                pvc_namespace: Some("prod".into()),
                pvc_name: Some("data-db-0".into()),
                capacity_bytes: Some(21_003_583_488),
                used_bytes: Some(19_917_418_496),
                available_bytes: Some(8_314_880),
                inodes: Some(1_310_720),
                inodes_used: Some(1408),
            }
        );
        let projected = stats
            .iter()
            .find(|s| s.volume_name == "kube-api-access-7xq2m")
            .expect("projected token volume");
        assert_eq!(projected.pvc_name, None);
        assert_eq!(
            stats.iter().filter(|s| s.pvc_name.is_some()).count(),
            2,
            "only PVC-backed volumes carry a claim"
        );
    }

    #[test]
    fn rejects_values_that_are_not_summaries() {
        assert!(volume_stats_from_summary(&serde_json::json!({"pods": []})).is_none());
        let empty = volume_stats_from_summary(&serde_json::json!({"node": {"nodeName": "n"}}));
        assert_eq!(empty, Some(Vec::new()));
    }

    #[test]
    fn loads_a_summary_file_like_the_live_fetch_does() {
        let text = serde_json::to_string(&summary()).unwrap_or_default();
        let (snap, _) = load_str(Path::new("stats.json"), &text).expect("loads");
        assert_eq!(snap.volume_stats.len(), 4);
        assert_eq!(snap.raw_node_stats.len(), 1);
        assert_eq!(snap.unknown_reason(Kind::NodeStats, None), None);
    }
}

#[cfg(test)]
mod json_stream_tests {
    use super::*;

    const POD: &str = r#"{"metadata":{"name":"db-0","namespace":"prod","managedFields":[{"manager":"kubectl"}],
        "annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{}","keep":"me"}},"spec":{"containers":[]}}"#;

    #[test]
    fn a_typed_list_whose_items_come_before_its_kind_loads_them_as_that_kind() {
        let text =
            format!(r#"{{"apiVersion":"v1","items":[{POD}],"kind":"PodList","metadata":{{}}}}"#);
        let (snap, stats) = load_str(Path::new("pods.json"), &text).expect("loads");
        assert_eq!(snap.pods.len(), 1);
        assert!(snap.unknown_reason(Kind::Pod, None).is_none(), "pods read");
        assert_eq!(stats.objects, 1);
        let meta = &snap.pods[0].metadata;
        assert!(meta.managed_fields.is_none(), "managedFields dropped");
        let ann = meta.annotations.as_ref().expect("annotations");
        assert!(!ann.contains_key("kubectl.kubernetes.io/last-applied-configuration"));
        assert_eq!(ann.get("keep").map(String::as_str), Some("me"));
    }

    #[test]
    fn concatenated_lists_and_objects_all_load() {
        let pod = POD.replacen('{', r#"{"apiVersion":"v1","kind":"Pod","#, 1);
        let text = format!(
            r#"{{"apiVersion":"v1","kind":"List","items":[{pod}]}}
            {{"apiVersion":"v1","kind":"PersistentVolumeList","items":[]}} {pod}"#
        );
        let (snap, _) = load_str(Path::new("all.json"), &text).expect("loads");
        assert_eq!(snap.pods.len(), 1, "the same pod twice is one");
        assert!(snap.pvs.is_empty());
        assert!(
            snap.unknown_reason(Kind::PersistentVolume, None).is_none(),
            "an empty typed List means there are none"
        );
    }

    #[test]
    fn a_long_list_loaded_on_several_cores_keeps_its_order_and_its_first_error() {
        let pods: Vec<String> = (0..1500)
            .map(|i| format!(r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"p{i}","namespace":"ns"}}}}"#))
            .collect();
        let text = format!(
            r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
            pods.join(",")
        );
        let (snap, stats) = load_str(Path::new("pods.json"), &text).expect("loads");
        assert_eq!(stats.objects, 1500);
        let names: Vec<&str> = snap
            .pods
            .iter()
            .filter_map(|p| p.metadata.name.as_deref())
            .collect();
        let want: Vec<String> = (0..1500).map(|i| format!("p{i}")).collect();
        assert_eq!(names, want, "merged in list order");

        let mut bad = pods.clone();
        bad[800] = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"late"},"spec":{"containers":"nope"}}"#.into();
        bad[700] =
            r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"early"},"spec":{"volumes":7}}"#
                .into();
        let text = format!(
            r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
            bad.join(",")
        );
        let e = load_str(Path::new("pods.json"), &text)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("Pod early"),
            "the first bad item is reported: {e}"
        );
    }

    #[test]
    fn a_bad_item_or_bad_syntax_in_a_stream_is_one_clear_error() {
        let text = r#"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":"nope"}}]}"#;
        let e = load_str(Path::new("bad.json"), text)
            .unwrap_err()
            .to_string();
        assert!(e.contains("bad.json") && e.contains("Pod x"), "{e}");
        let e = load_str(Path::new("cut.json"), r#"{"items":[{"a":1},"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("invalid JSON at line 1"), "{e}");
    }
}

#[cfg(test)]
mod filter_tests {
    use super::*;

    fn pod(ns: &str, name: &str, started: &str) -> String {
        format!(
            r#"{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"{name}","namespace":"{ns}","creationTimestamp":"2026-11-20T08:00:00Z"}},
            "spec":{{"containers":[]}},"status":{{"containerStatuses":[{{"name":"c","image":"i","imageID":"","ready":true,"restartCount":0,"state":{{"running":{{"startedAt":"{started}"}}}}}}]}}}}"#
        )
    }

    fn event(ns: &str, kind: &str, object_ns: Option<&str>, name: &str, last: &str) -> String {
        let object_ns = object_ns.map_or(String::new(), |n| format!(r#","namespace":"{n}""#));
        format!(
            r#"{{"apiVersion":"v1","kind":"Event","metadata":{{"name":"{name}.1","namespace":"{ns}"}},
            "involvedObject":{{"kind":"{kind}","name":"{name}"{object_ns}}},"reason":"R","message":"m","lastTimestamp":"{last}"}}"#
        )
    }

    const PV: &str = r#"{"apiVersion":"v1","kind":"PersistentVolume","metadata":{"name":"pv-1"},
        "spec":{"claimRef":{"namespace":"b","name":"data"}}}"#;

    fn files(dir: &Path) -> Vec<PathBuf> {
        let items = [
            pod("a", "p-a", "2026-11-21T00:00:00Z"),
            pod("b", "p-b", "2026-11-22T00:00:00Z"),
            event("a", "Pod", Some("a"), "p-a", "2026-11-21T00:00:00Z"),
            event("b", "Pod", Some("b"), "p-b", "2026-11-23T00:00:00Z"),
            event(
                "default",
                "PersistentVolume",
                None,
                "pv-1",
                "2026-11-20T09:00:00Z",
            ),
            PV.to_string(),
        ];
        let json = format!(
            r#"{{"apiVersion":"v1","kind":"List","items":[{}]}}"#,
            items.join(",")
        );
        std::fs::write(dir.join("all.json"), json).expect("write");
        let claims = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: b}\n---\napiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: data, namespace: a}\n";
        std::fs::write(dir.join("pvcs.yaml"), claims).expect("write");
        vec![dir.to_path_buf()]
    }

    fn names<T: kube::Resource>(items: &[T]) -> Vec<String> {
        items
            .iter()
            .map(|o| {
                let m = o.meta();
                format!(
                    "{}/{}",
                    m.namespace.as_deref().unwrap_or("-"),
                    m.name.as_deref().unwrap_or("?")
                )
            })
            .collect()
    }

    #[test]
    fn a_namespace_filter_keeps_that_namespace_and_the_cluster_and_says_so() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = files(dir.path());
        let (whole, _) = load_paths(&paths).expect("loads");
        let filter = LoadFilter {
            namespaces: Some(BTreeSet::from(["a".to_string()])),
            ..Default::default()
        };
        let (snap, stats) = load_paths_filtered(&paths, &filter).expect("loads");
        assert_eq!(names(&snap.pods), ["a/p-a"]);
        assert_eq!(names(&snap.pvcs), ["a/data"]);
        assert_eq!(names(&snap.pvs), ["-/pv-1"]);
        let events: Vec<&str> = snap.events.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(
            events,
            ["p-a", "pv-1"],
            "events about a's objects and the PV"
        );
        assert_eq!(stats.out_of_scope, 3, "b's pod, event and claim");
        assert_eq!(stats.objects, 5);
        // Read in a, not read in b: a rule asking about b is told so.
        assert_eq!(snap.unknown_reason(Kind::Pod, Some("a")), None);
        assert_eq!(
            snap.unknown_reason(Kind::PersistentVolumeClaim, Some("b"))
                .as_deref(),
            Some("persistentvolumeclaims in namespace b were not read")
        );
        assert_eq!(snap.unknown_reason(Kind::PersistentVolume, None), None);
        // b's event is the newest time of all: the snapshot is still dated by it.
        assert_eq!(snap.newest_timestamp(), whole.newest_timestamp());
        assert_eq!(
            snap.newest_timestamp().map(|t| t.to_string()).as_deref(),
            Some("2026-11-23T00:00:00Z")
        );
    }

    #[test]
    fn a_pv_target_also_reads_its_claims_namespace_once() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = files(dir.path());
        let target = crate::chain::Target::Pv("pv-1".into());
        let filter = LoadFilter::for_target(Some(&target), "a");
        let (snap, stats) = load_paths_filtered(&paths, &filter).expect("loads");
        assert_eq!(names(&snap.pods), ["a/p-a", "b/p-b"]);
        // The claim's namespace is read in the second pass, after the target's.
        assert_eq!(names(&snap.pvcs), ["a/data", "b/data"]);
        assert_eq!(
            names(&snap.pvs),
            ["-/pv-1"],
            "cluster-scoped objects read once"
        );
        assert_eq!(snap.events.len(), 3, "{:?}", snap.events);
        assert_eq!((stats.objects, stats.out_of_scope, stats.files), (8, 0, 2));
        assert_eq!(snap.unknown_reason(Kind::Pod, Some("b")), None);
        assert!(snap.unknown_reason(Kind::Pod, Some("c")).is_some());
    }

    #[test]
    fn no_target_reads_everything() {
        let dir = tempfile::tempdir().expect("tempdir");
        let paths = files(dir.path());
        let (snap, stats) =
            load_paths_filtered(&paths, &LoadFilter::for_target(None, "a")).expect("loads");
        assert_eq!(snap.pods.len(), 2);
        assert_eq!(stats.out_of_scope, 0);
        assert_eq!(snap.unknown_reason(Kind::Pod, Some("zzz")), None);
    }
}
