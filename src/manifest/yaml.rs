//! YAML (and JSON) documents with the line and column of every mapping key and sequence item.
//!
//! The snapshot loader parses straight to `serde_json::Value`, which forgets where a value came
//! from. CI annotations need the line of the offending field, so here each node is read through
//! serde-saphyr's [`Spanned`] wrapper into a small tree, then flattened into a JSON value (for the
//! typed k8s-openapi objects) plus an index `field path → position`.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use serde_saphyr::Spanned;

/// A 1-based line and column in a source file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// One parsed document: its value and where each field path starts.
#[derive(Debug, Clone)]
pub struct Document {
    /// The position of the document's first node (its first key, for a mapping).
    pub start: Pos,
    pub value: Value,
    /// `spec.accessModes` / `spec.accessModes[0]` → position of that key or item.
    pub fields: HashMap<String, Pos>,
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
        Ok(Node {
            pos: pos_of(&s),
            value: s.value,
        })
    }
}

impl<'de> Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<KeyText>::deserialize(d)?;
        Ok(Key {
            pos: pos_of(&s),
            text: s.value.0,
        })
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
    let nodes: Vec<Option<Node>> =
        serde_saphyr::from_multiple_with_options(text, crate::yaml::options()).map_err(|e| {
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
            let value = flatten(n.value, &mut String::new(), &mut fields);
            Document {
                start,
                value,
                fields,
            }
        })
        .collect())
}

/// Converts a tree to JSON, recording each key's and item's position under its dotted path.
fn flatten(tree: Tree, path: &mut String, fields: &mut HashMap<String, Pos>) -> Value {
    match tree {
        Tree::Null => Value::Null,
        Tree::Bool(b) => Value::Bool(b),
        Tree::Int(i) => Value::from(i),
        Tree::UInt(u) => Value::from(u),
        Tree::Float(f) => serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number),
        Tree::Str(s) => Value::String(s),
        Tree::Seq(items) => {
            let base = path.len();
            let mut out = Vec::with_capacity(items.len());
            for (i, n) in items.into_iter().enumerate() {
                path.push_str(&format!("[{i}]"));
                fields.insert(path.clone(), n.pos);
                out.push(flatten(n.value, path, fields));
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
                fields.insert(path.clone(), k.pos);
                out.insert(k.text, flatten(n.value, path, fields));
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
    fn errors_carry_a_position() {
        let e = parse("kind: Pod\nspec: [\n").expect_err("fails");
        assert!(e.pos.is_some(), "{e:?}");
    }
}
