//! YAML (and JSON) documents with the line and column of every mapping key and sequence item.
//!
//! The snapshot loader parses straight to `serde_json::Value`, which forgets where a value came
//! from. CI annotations need the line of the offending field, so here each node is read through
//! serde-saphyr's [`Spanned`] wrapper into a small tree, then flattened into a JSON value (for the
//! typed k8s-openapi objects) plus an index `field path → position`.

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::{Location, Spanned};

use super::goyaml::{self, Scalar};

thread_local! {
    /// The text being parsed, so a plain scalar can be re-resolved from its source spelling.
    static SOURCE: RefCell<String> = const { RefCell::new(String::new()) };
}

/// The source text of a plain (unquoted, untagged, one-line) scalar at `loc`, if it is one.
fn plain_text(loc: &Location) -> Option<String> {
    let span = loc.span();
    let (off, len) = (span.byte_offset()? as usize, span.byte_len()? as usize);
    SOURCE.with(|s| {
        let s = s.borrow();
        let raw = s.get(off..off.checked_add(len)?)?;
        let first = *raw.as_bytes().first()?;
        let special = matches!(
            first,
            b'"' | b'\'' | b'|' | b'>' | b'!' | b'&' | b'*' | b'[' | b'{'
        );
        let plain = !special && !raw.contains('\n') && !after_block_indicator(&s[..off]);
        plain.then(|| raw.to_string())
    })
}

/// Whether text ending here is a block scalar's header (`key: |`, `- >-`): the span of a block
/// scalar starts at its content, on the line after the indicator.
fn after_block_indicator(before: &str) -> bool {
    let Some(line_start) = before.rfind('\n') else {
        return false;
    };
    if !before[line_start + 1..].trim().is_empty() {
        return false; // the scalar does not start its line
    }
    let mut prev = before[..line_start].lines().rev().map(str::trim_end);
    let Some(header) = prev.find(|l| !l.trim().is_empty()) else {
        return false;
    };
    let header = match header.find(" #") {
        Some(i) => header[..i].trim_end(),
        None => header,
    };
    let tail = header.trim_end_matches(|c: char| c == '-' || c == '+' || c.is_ascii_digit());
    tail.ends_with('|') || tail.ends_with('>')
}

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// A key given twice in one mapping: Kubernetes' decoder keeps the last value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Duplicate {
    /// The key's dotted path (`spec.replicas`).
    pub path: String,
    pub first: Pos,
    pub again: Pos,
}

/// One parsed document: its value and where each field path starts.
#[derive(Debug, Clone)]
pub struct Document {
    /// The position of the document's first node (its first key, for a mapping).
    pub start: Pos,
    pub value: Value,
    /// `spec.accessModes` / `spec.accessModes[0]` → position of that key or item.
    pub fields: HashMap<String, Pos>,
    /// Keys given twice (the later value is the one read).
    pub duplicates: Vec<Duplicate>,
}

/// A YAML node with its position.
struct Node {
    pos: Pos,
    value: Tree,
}

enum Tree {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Key, Node)>),
}

/// A mapping key: Kubernetes keys are strings, but YAML allows any scalar (`1: x`, `true: y`).
struct Key {
    pos: Pos,
    text: String,
}

fn pos_of<T>(s: &Spanned<T>) -> Pos {
    Pos {
        line: s.referenced.line() as u32,
        column: s.referenced.column() as u32,
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<Tree>::deserialize(d)?;
        let pos = pos_of(&s);
        // Most scalars are text that no rule would read otherwise (names, images): only those
        // that could resolve differently are looked up in the source.
        let scalar = match &s.value {
            Tree::Seq(_) | Tree::Map(_) => false,
            Tree::Str(text) => goyaml::may_not_be_text(text),
            _ => true,
        };
        let value = match scalar.then(|| plain_text(&s.referenced)).flatten() {
            Some(raw) => match goyaml::resolve(&raw) {
                Scalar::Null => Tree::Null,
                Scalar::Bool(b) => Tree::Bool(b),
                Scalar::Int(i) => Tree::Int(i),
                Scalar::UInt(u) => Tree::UInt(u),
                Scalar::Float(f) => Tree::Float(f),
                Scalar::Str => Tree::Str(raw),
            },
            None => s.value,
        };
        Ok(Node { pos, value })
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<KeyText>::deserialize(d)?;
        let pos = pos_of(&s);
        // sigs.k8s.io/yaml turns non-string keys into their JSON text: `on:` is "true".
        let raw = if goyaml::may_not_be_text(&s.value.0) {
            plain_text(&s.referenced)
        } else {
            None
        };
        let text = match raw {
            Some(raw) => match goyaml::resolve(&raw) {
                Scalar::Null => "null".to_string(),
                Scalar::Bool(b) => b.to_string(),
                Scalar::Int(i) => i.to_string(),
                Scalar::UInt(u) => u.to_string(),
                Scalar::Float(_) | Scalar::Str => raw,
            },
            None => s.value.0,
        };
        Ok(Key { pos, text })
    }
}

struct KeyText(String);

impl<'de> Deserialize<'de> for KeyText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = KeyText;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a scalar mapping key")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<KeyText, E> {
                Ok(KeyText(v))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<KeyText, E> {
                Ok(KeyText(v.to_string()))
            }
            fn visit_unit<E: de::Error>(self) -> Result<KeyText, E> {
                Ok(KeyText("null".into()))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Tree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Tree;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("any YAML value")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Tree, E> {
                Ok(Tree::Bool(v))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Tree, E> {
                Ok(Tree::Int(v))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Tree, E> {
                Ok(Tree::UInt(v))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Tree, E> {
                Ok(Tree::Float(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Tree, E> {
                Ok(Tree::Str(v.to_string()))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<Tree, E> {
                Ok(Tree::Str(v))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Tree, E> {
                Ok(Tree::Null)
            }
            fn visit_none<E: de::Error>(self) -> Result<Tree, E> {
                Ok(Tree::Null)
            }
            fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Tree, D::Error> {
                Tree::deserialize(d)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Tree, A::Error> {
                let mut items = Vec::new();
                while let Some(n) = seq.next_element::<Node>()? {
                    items.push(n);
                }
                Ok(Tree::Seq(items))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Tree, A::Error> {
                let mut entries = Vec::new();
                while let Some(k) = map.next_key::<Key>()? {
                    let v = map.next_value::<Node>()?;
                    entries.push((k, v));
                }
                Ok(Tree::Map(entries))
            }
        }
        d.deserialize_any(V)
    }
}

/// Why a text could not be parsed, with the position when the parser knows it.
#[derive(Debug)]
pub struct ParseError {
    pub pos: Option<Pos>,
    pub message: String,
}

/// Parses multi-document YAML (JSON is read as YAML's flow style) into documents with positions.
/// Empty documents (`---` alone, comments only) are skipped.
pub fn parse(text: &str) -> Result<Vec<Document>, ParseError> {
    let mut options = crate::yaml::options();
    // Repeated keys reach the tree, which keeps the last and records the first.
    options.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::PassThrough;
    options.legacy_octal_numbers = true;
    SOURCE.with(|s| {
        let mut s = s.borrow_mut();
        s.clear();
        s.push_str(text);
    });
    let parsed = serde_saphyr::from_multiple_with_options(text, options);
    SOURCE.with(|s| {
        let mut s = s.borrow_mut();
        s.clear();
        s.shrink_to(1 << 20);
    });
    let nodes: Vec<Option<Node>> = parsed.map_err(|e| {
        let e = crate::yaml::parse_error(&e);
        ParseError {
            pos: e.line.map(|line| Pos {
                line: line as u32,
                column: e.column.unwrap_or(1) as u32,
            }),
            message: e.reason,
        }
    })?;
    Ok(nodes
        .into_iter()
        .flatten()
        .filter(|n| !matches!(n.value, Tree::Null))
        .map(|n| {
            let mut fields = HashMap::new();
            let start = match &n.value {
                Tree::Map(entries) => entries.first().map_or(n.pos, |(k, _)| k.pos),
                _ => n.pos,
            };
            let mut duplicates = Vec::new();
            let value = flatten(n.value, &mut String::new(), &mut fields, &mut duplicates);
            Document {
                start,
                value,
                fields,
                duplicates,
            }
        })
        .collect())
}

/// Converts a tree to JSON, recording each key's and item's position under its dotted path.
/// Whole floats become integers, as Go's `encoding/json` writes them (`3.0` → `3`).
fn flatten(
    tree: Tree,
    path: &mut String,
    fields: &mut HashMap<String, Pos>,
    dups: &mut Vec<Duplicate>,
) -> Value {
    match tree {
        Tree::Null => Value::Null,
        Tree::Bool(b) => Value::Bool(b),
        Tree::Int(i) => Value::from(i),
        Tree::UInt(u) => Value::from(u),
        Tree::Float(f) if f.is_finite() && f.fract() == 0.0 && f.abs() < 9.0e15 => {
            Value::from(f as i64)
        }
        Tree::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        Tree::Str(s) => Value::String(s),
        Tree::Seq(items) => {
            let base = path.len();
            let mut out = Vec::with_capacity(items.len());
            for (i, n) in items.into_iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                fields.insert(path.clone(), n.pos);
                out.push(flatten(n.value, path, fields, dups));
                path.truncate(base);
            }
            Value::Array(out)
        }
        Tree::Map(entries) => {
            let base = path.len();
            let mut out = serde_json::Map::with_capacity(entries.len());
            for (k, n) in entries {
                if base > 0 {
                    path.push('.');
                }
                path.push_str(&k.text);
                if let Some(first) = fields.insert(path.clone(), k.pos) {
                    if out.contains_key(&k.text) {
                        dups.push(Duplicate {
                            path: path.clone(),
                            first,
                            again: k.pos,
                        });
                    }
                }
                let v = flatten(n.value, path, fields, dups);
                out.insert(k.text, v);
                path.truncate(base);
            }
            Value::Object(out)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_of_keys_and_items_across_documents() {
        let text = "# comment\napiVersion: v1\nkind: PersistentVolumeClaim\nspec:\n  accessModes:\n    - ReadWriteMany\n---\n---\nkind: StorageClass\nparameters:\n  type: io1\n";
        let docs = parse(text).expect("parses");
        assert_eq!(docs.len(), 2);
        assert_eq!(docs[0].start, Pos { line: 2, column: 1 });
        assert_eq!(docs[0].fields["spec.accessModes"].line, 5);
        assert_eq!(docs[0].fields["spec.accessModes[0]"].line, 6);
        assert_eq!(docs[1].start.line, 9);
        assert_eq!(
            docs[1].fields["parameters.type"],
            Pos {
                line: 11,
                column: 3
            }
        );
        assert_eq!(docs[1].value["parameters"]["type"], "io1");
    }

    #[test]
    fn json_is_read_with_lines_too() {
        let docs = parse("{\n  \"kind\": \"Pod\",\n  \"spec\": {\"x\": 1}\n}\n").expect("parses");
        assert_eq!(docs[0].fields["spec"].line, 3);
        assert_eq!(docs[0].value["spec"]["x"], 1);
    }

    #[test]
    fn scalars_resolve_as_kubernetes_decoder_does() {
        let text = "a: 0755\nb: 0o755\nc: '0755'\nd: \"0755\"\ne: yes\nf: 'yes'\ng: yEs\nh: on\ni: 08\nj: 3.0\nk: {m: 0550, q: [0555, off], n: 1}\non: 1\nl: |\n  0755\nr: >-\n  0755\ns:\n  0755\nm: 1e3\nsize: 10Gi\no: 2024-01-02\np: ~\n";
        let docs = parse(text).expect("parses");
        let v = &docs[0].value;
        assert_eq!(v["a"], 493);
        assert_eq!(v["b"], 493);
        assert_eq!(v["c"], "0755");
        assert_eq!(v["d"], "0755");
        assert_eq!(v["e"], true);
        assert_eq!(v["f"], "yes");
        assert_eq!(v["g"], "yEs");
        assert_eq!(v["h"], true);
        assert_eq!(v["i"], 8);
        assert_eq!(v["j"], 3);
        assert_eq!(v["k"]["m"], 360);
        assert_eq!(v["k"]["q"][0], 365);
        assert_eq!(v["k"]["q"][1], false);
        // Go resolves the key `n` as the boolean false, written "false" in JSON.
        assert_eq!(v["k"]["false"], 1, "{v}");
        assert_eq!(v["r"], "0755");
        assert_eq!(v["s"], 493);
        assert_eq!(v["true"], 1, "{v}");
        assert_eq!(v["l"], "0755\n");
        assert_eq!(v["m"], 1000);
        assert_eq!(v["size"], "10Gi");
        assert_eq!(v["o"], "2024-01-02");
        assert!(v["p"].is_null());
    }

    #[test]
    fn duplicate_keys_keep_the_last_and_are_recorded() {
        let text = "kind: Pod\nspec:\n  replicas: 1\n  x: 2\n  replicas: 3\n";
        let docs = parse(text).expect("parses");
        assert_eq!(docs[0].value["spec"]["replicas"], 3);
        assert_eq!(docs[0].fields["spec.replicas"].line, 5);
        assert_eq!(
            docs[0].duplicates,
            vec![Duplicate {
                path: "spec.replicas".into(),
                first: Pos { line: 3, column: 3 },
                again: Pos { line: 5, column: 3 },
            }]
        );
    }

    #[test]
    fn merge_keys_are_expanded() {
        let text = "base: &b {mode: 0755, name: x}\nvol:\n  <<: *b\n  name: z\n";
        let docs = parse(text).expect("parses");
        let vol = &docs[0].value["vol"];
        assert_eq!(vol["mode"], 493, "{vol}");
        assert_eq!(vol["name"], "z");
        assert!(docs[0].duplicates.is_empty(), "{:?}", docs[0].duplicates);
    }

    #[test]
    fn errors_carry_a_position() {
        let e = parse("kind: Pod\nspec: [\n").expect_err("fails");
        assert!(e.pos.is_some(), "{e:?}");
    }
}
