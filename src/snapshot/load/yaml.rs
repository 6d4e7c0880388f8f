//! A large YAML List as `kubectl get -o yaml` and `dump` print it, parsed item by item on all
//! cores instead of as one document: YAML parsing is the slow part of loading YAML (about 4 s
//! for 10,000 pods on one core), and the items of such a List are independent texts.

use serde_json::Value;

/// Below this size a file is parsed whole: splitting would not pay.
const MIN_BYTES: usize = 1 << 20;

/// The one document of `text` when it is a List of that shape, parsed in pieces: root keys at
/// column 0, each a plain `word:`; `items:` once, its elements each starting with `- ` at column
/// 0 (the items' own lines are indented: a line at column 0 always ends a YAML node). `None`
/// for anything else, or when a piece does not parse alone (an alias to another item, bad
/// syntax): the caller then parses the text whole, which reports errors with their lines.
pub(super) fn list_in_pieces(text: &str) -> Option<Value> {
    if text.len() < MIN_BYTES || text.contains('\0') {
        return None;
    }
    let mut head = String::new();
    let mut items: Vec<&str> = Vec::new();
    // Where the item being read starts; `Some` while inside `items:`.
    let mut item_start: Option<usize> = None;
    let mut seen_items = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let at = offset;
        offset += line.len();
        if let Some(start) = item_start {
            if line.starts_with("- ") {
                if at > start {
                    items.push(&text[start..at]);
                }
                item_start = Some(at);
                continue;
            }
            if line.starts_with([' ', '#']) || line.trim().is_empty() {
                continue;
            }
            items.push(&text[start..at]);
            item_start = None;
        }
        if line.trim_end() == "items:" && !seen_items {
            seen_items = true;
            if !text[offset..].starts_with("- ") {
                return None;
            }
            item_start = Some(offset);
            continue;
        }
        let key = line.split_once(':').map(|(k, _)| k);
        let plain_key = key.is_some_and(|k| {
            k.starts_with(|c: char| c.is_ascii_alphabetic())
                && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        });
        let continued = line.starts_with([' ', '#']) || line.trim().is_empty();
        if !(plain_key || (continued && !head.is_empty())) {
            return None;
        }
        head.push_str(line);
    }
    if let Some(start) = item_start {
        items.push(&text[start..]);
    }
    if items.len() < 2 {
        return None;
    }
    let options = crate::yaml::options;
    let Ok(Value::Object(mut doc)) = serde_saphyr::from_str_with_options(&head, options()) else {
        return None;
    };
    if doc.contains_key("items") {
        return None;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let parsed = super::in_runs(&items, cores, |run| {
        run.iter()
            .map(
                |piece| match serde_saphyr::from_str_with_options(piece, options()) {
                    Ok(Value::Array(mut one)) if one.len() == 1 => one.pop(),
                    _ => None,
                },
            )
            .collect::<Option<Vec<Value>>>()
    });
    let mut all = Vec::with_capacity(items.len());
    for run in parsed {
        all.extend(run?);
    }
    doc.insert("items".into(), Value::Array(all));
    Some(Value::Object(doc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(items: usize, tail: &str) -> String {
        let mut text = String::from("apiVersion: v1\nitems:\n");
        let filler = "x".repeat(MIN_BYTES / items + 1);
        for i in 0..items {
            text.push_str(&format!(
                "- kind: Pod\n  metadata:\n    name: p{i}\n    annotations:\n      a: |\n        {filler}\n\n        more\n# a comment\n"
            ));
        }
        text.push_str(tail);
        text
    }

    fn whole(text: &str) -> Value {
        let mut docs: Vec<Value> =
            serde_saphyr::from_multiple_with_options(text, crate::yaml::options()).expect("parses");
        docs.pop().expect("one document")
    }

    #[test]
    fn a_big_list_in_pieces_is_the_list_parsed_whole() {
        let text = list(40, "kind: PodList\nmetadata:\n  resourceVersion: \"\"\n");
        let pieces = list_in_pieces(&text).expect("the shape kubectl prints");
        assert_eq!(pieces, whole(&text));
        assert_eq!(pieces["items"].as_array().map(Vec::len), Some(40));
    }

    #[test]
    fn other_shapes_or_pieces_that_do_not_stand_alone_are_parsed_whole() {
        let tail = "kind: PodList\n";
        for text in [
            format!("---\n{}", list(40, tail)),
            list(40, "kind: PodList\n- stray\n"),
            list(40, "items:\n- again\n"),
            list(40, tail).replacen("name: p1\n", "name: *p0\n", 1),
            list(40, tail).replacen("name: p3\n", "name: [p3\n", 1),
            list(1, tail),
        ] {
            assert_eq!(list_in_pieces(&text), None, "{}", &text[..60]);
        }
    }
}
