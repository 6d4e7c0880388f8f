//! JSON files streamed: a List's items (or an AWS CLI list's elements) loaded as they are
//! parsed, each item read as text and built straight into its type.

use std::io::Read;
use std::path::Path;

use serde_json::Value;

use super::aws::EC2_LISTS;
use super::head::ScopedHead;
use super::kube::{known_kind, Source};
use super::stream::{Pieces, Step, Unread};
use super::{in_runs, Loader};
use crate::error::{Error, Result};

/// A JSON syntax error as one line naming where it is.
pub(super) fn json_syntax_error(origin: &Path, e: &serde_json::Error) -> Error {
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

pub(super) fn json_reason(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

impl Loader {
    /// JSON objects (one or several concatenated), streamed: a List's items are loaded one at a
    /// time as they are parsed, so a 50,000-item dump never exists as one JSON tree.
    pub(super) fn load_json(&mut self, origin: &Path, text: &str) -> Result<()> {
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
        let parts = in_runs(items, runs, |run| {
            let mut part = Loader::with(filter.clone());
            let rest = part.load_run(origin, index, run, ec2_key)?;
            Ok((part, rest))
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
}

impl Loader {
    /// [`Self::load_json`] on a file read piece by piece ([`Pieces`]): the same documents, the
    /// same calls in the same order, a List's items in batches as they are read. `Err` when the
    /// text is not what the pieces expect or any loading step fails: what this loader holds is
    /// then to be dropped and the file loaded whole, which reports the error as usual.
    pub(super) fn stream_json<R: Read>(&mut self, origin: &Path, p: &mut Pieces<R>) -> Step<()> {
        self.snapshot.offline = true;
        let mut index = 0;
        while let Some(b) = p.peek()? {
            if b != b'{' {
                return Err(Unread);
            }
            p.expect(b'{')?;
            index += 1;
            let mut fields = serde_json::Map::new();
            let mut items_seen = None;
            let mut more = p.peek()? != Some(b'}');
            while more {
                if p.peek()? != Some(b'"') {
                    return Err(Unread);
                }
                let key: String = serde_json::from_str(p.value()?).map_err(|_| Unread)?;
                p.expect(b':')?;
                let ec2_key = EC2_LISTS.iter().copied().find(|l| *l == key);
                let value = if key == "items" || ec2_key.is_some() {
                    let mut rest = Vec::new();
                    let seen = p.list(|items| {
                        let more = self.load_items(origin, index, items, ec2_key);
                        rest.extend(more.map_err(|_| Unread)?);
                        Ok(())
                    })?;
                    items_seen = Some(seen);
                    Value::Array(rest)
                } else {
                    serde_json::from_str(p.value()?).map_err(|_| Unread)?
                };
                fields.insert(key, value);
                more = p.peek()? == Some(b',');
                if more {
                    p.expect(b',')?;
                }
            }
            p.expect(b'}')?;
            if items_seen == Some(0) && fields.get("kind").and_then(Value::as_str) == Some("List") {
                self.empty_untyped_list(origin);
            }
            self.load_document(origin, index, Value::Object(fields))
                .map_err(|_| Unread)?;
        }
        Ok(())
    }
}

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

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::snapshot::load::load_str;
    use crate::snapshot::Kind;

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
