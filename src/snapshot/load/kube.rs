//! Kubernetes documents: lists, single objects, multi-document YAML, the capture file; each
//! object converted to its type (or passed over when the filter does not keep it).

use std::collections::BTreeMap;
use std::path::Path;

use serde::de::DeserializeOwned;
use serde::Deserialize;
use serde_json::Value;

use super::aws::EC2_LISTS;
use super::head::ScopedHead;
use super::json::{json_reason, json_syntax_error};
use super::{one_line, Loader};
use crate::error::{Error, Result};
use crate::model::Slim;
use crate::snapshot::{EventRecord, Kind, Scope};

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

impl Loader {
    pub(super) fn load_text(&mut self, origin: &Path, text: &str) -> Result<()> {
        self.snapshot.offline = true;
        let trimmed = text.trim_start_matches('\u{feff}').trim_start();
        if trimmed.starts_with('{') {
            return self.load_json(origin, trimmed);
        }
        let docs = match super::yaml::list_in_pieces(text) {
            Some(list) => vec![list],
            None => parse_documents(origin, text)?,
        };
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

    pub(super) fn load_document(
        &mut self,
        origin: &Path,
        index: usize,
        mut doc: Value,
    ) -> Result<()> {
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
            && doc.pointer("/metadata/name").and_then(Value::as_str)
                == Some(crate::snapshot::CAPTURE_NAME)
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
                if crate::snapshot::versions::read_as(k, &api_version).is_some() {
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
    pub(super) fn empty_untyped_list(&mut self, origin: &Path) {
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
        let capture = crate::snapshot::Capture {
            at,
            source: crate::snapshot::ClockSource::CaptureFile,
        };
        self.snapshot.captured = crate::snapshot::later(self.snapshot.captured, Some(capture));
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
    pub(super) fn load_object(
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
        let Some(read_as) = crate::snapshot::versions::read_as(k, api_version) else {
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
            Source::Value(crate::snapshot::versions::convert(k, read_as, value))
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
pub(super) enum Source<'a> {
    Value(Value),
    Raw(&'a str),
}

impl Source<'_> {
    pub(super) fn parse<T: DeserializeOwned>(self) -> serde_json::Result<T> {
        match self {
            Source::Value(v) => serde_json::from_value(v),
            Source::Raw(text) => serde_json::from_str(text),
        }
    }

    /// The object as a JSON tree.
    pub(super) fn value(self, origin: &Path, at: &dyn Fn() -> String) -> Result<Value> {
        match self {
            Source::Value(v) => Ok(v),
            Source::Raw(text) => serde_json::from_str(text).map_err(|e| {
                Error::input(origin, format!("{}: {}", at(), one_line(&json_reason(&e))))
            }),
        }
    }

    /// The object as `T`, trimmed ([`Slim`]).
    pub(super) fn typed<T: DeserializeOwned + Slim>(
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
