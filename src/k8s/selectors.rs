//! Label selectors, one way to match them: [`Requirement`] (a key and what it asks of its
//! value), built from a parsed `-l` selector ([`Selector`]), a `LabelSelector` (claims' and
//! PVs' `spec.selector`), a `nodeSelector` or node selector terms (node affinity).

use std::collections::BTreeMap;

use k8s_openapi::api::core::v1::NodeSelectorTerm;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::LabelSelector;

/// Labels as objects carry them.
pub type Labels = BTreeMap<String, String>;

/// What a requirement asks of a label's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op<'a> {
    Equals(&'a str),
    NotEquals(&'a str),
    In(&'a [String]),
    NotIn(&'a [String]),
    Exists,
    DoesNotExist,
    /// Node affinity only: the value, an integer, above the bound.
    Gt(&'a str),
    /// Node affinity only: the value, an integer, below the bound.
    Lt(&'a str),
    /// An operator the API does not define: matches nothing.
    Unknown,
}

/// One requirement on one label.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Requirement<'a> {
    pub key: &'a str,
    pub op: Op<'a>,
}

impl<'a> Requirement<'a> {
    /// A requirement as the API writes it (`matchExpressions[]`: `In`, `NotIn`, `Exists`,
    /// `DoesNotExist`, and for nodes `Gt`, `Lt` with one value).
    pub fn from_api(key: &'a str, operator: &str, values: &'a [String]) -> Self {
        let first = || values.first().map_or("", String::as_str);
        let op = match operator {
            "In" => Op::In(values),
            "NotIn" => Op::NotIn(values),
            "Exists" => Op::Exists,
            "DoesNotExist" => Op::DoesNotExist,
            "Gt" => Op::Gt(first()),
            "Lt" => Op::Lt(first()),
            _ => Op::Unknown,
        };
        Requirement { key, op }
    }

    /// Whether labels satisfy it.
    pub fn matches(&self, labels: Option<&Labels>) -> bool {
        let value = labels.and_then(|l| l.get(self.key)).map(String::as_str);
        let int = |s: &str| s.parse::<i64>().ok();
        match self.op {
            Op::Equals(v) => value == Some(v),
            Op::NotEquals(v) => value != Some(v),
            Op::In(vs) => value.is_some_and(|x| vs.iter().any(|v| v == x)),
            Op::NotIn(vs) => value.is_none_or(|x| !vs.iter().any(|v| v == x)),
            Op::Exists => value.is_some(),
            Op::DoesNotExist => value.is_none(),
            Op::Gt(b) => matches!((value.and_then(int), int(b)), (Some(v), Some(b)) if v > b),
            Op::Lt(b) => matches!((value.and_then(int), int(b)), (Some(v), Some(b)) if v < b),
            Op::Unknown => false,
        }
    }
}

/// Whether labels satisfy every requirement.
pub fn all_match<'a>(
    reqs: impl IntoIterator<Item = Requirement<'a>>,
    labels: Option<&Labels>,
) -> bool {
    reqs.into_iter().all(|r| r.matches(labels))
}

/// Whether `labels` satisfy a pod's `nodeSelector` (every pair equal).
pub fn selector_matches(selector: &Labels, labels: Option<&Labels>) -> bool {
    all_match(
        selector.iter().map(|(k, v)| Requirement {
            key: k,
            op: Op::Equals(v),
        }),
        labels,
    )
}

/// Whether node `labels` satisfy node selector terms (ORed terms, ANDed expressions).
pub fn terms_match(terms: &[NodeSelectorTerm], labels: Option<&Labels>) -> bool {
    terms.iter().any(|t| {
        all_match(
            t.match_expressions.iter().flatten().map(|e| {
                Requirement::from_api(&e.key, &e.operator, e.values.as_deref().unwrap_or_default())
            }),
            labels,
        )
    })
}

/// Whether labels satisfy a label selector (matchLabels and matchExpressions, ANDed).
pub fn label_selector_matches(sel: &LabelSelector, labels: Option<&Labels>) -> bool {
    let equal = sel.match_labels.iter().flatten().map(|(k, v)| Requirement {
        key: k,
        op: Op::Equals(v),
    });
    let exprs = sel.match_expressions.iter().flatten().map(|e| {
        Requirement::from_api(&e.key, &e.operator, e.values.as_deref().unwrap_or_default())
    });
    all_match(equal.chain(exprs), labels)
}

/// One requirement of a parsed `-l` selector.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Req {
    Eq(String, String),
    NotEq(String, String),
    Exists(String),
    NotExists(String),
    In(String, Vec<String>),
    NotIn(String, Vec<String>),
}

impl Req {
    fn requirement(&self) -> Requirement<'_> {
        let (key, op) = match self {
            Req::Eq(k, v) => (k, Op::Equals(v)),
            Req::NotEq(k, v) => (k, Op::NotEquals(v)),
            Req::Exists(k) => (k, Op::Exists),
            Req::NotExists(k) => (k, Op::DoesNotExist),
            Req::In(k, vs) => (k, Op::In(vs)),
            Req::NotIn(k, vs) => (k, Op::NotIn(vs)),
        };
        Requirement { key, op }
    }
}

/// A parsed label selector (`-l`), for filtering offline snapshots the way the API server
/// filters a LIST: `k=v`, `k==v`, `k!=v`, `k`, `!k`, `k in (a,b)`, `k notin (a,b)`, comma = AND.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selector {
    reqs: Vec<Req>,
    text: String,
}

impl Selector {
    /// Parses the `-l` syntax kubectl accepts; the error says what is wrong in one line.
    pub fn parse(s: &str) -> Result<Self, String> {
        let mut reqs = Vec::new();
        for part in split_top(s) {
            let part = part.trim();
            if part.is_empty() {
                return Err(format!("invalid label selector {s:?}: empty requirement"));
            }
            reqs.push(parse_req(part).ok_or_else(|| {
                format!("invalid label selector {s:?}: cannot parse {part:?} (use k=v, k!=v, k, !k, k in (a,b), k notin (a,b))")
            })?);
        }
        Ok(Selector {
            reqs,
            text: s.trim().to_string(),
        })
    }

    /// The selector as given (for the API's `labelSelector`).
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether an object with these labels is selected.
    pub fn matches(&self, labels: Option<&Labels>) -> bool {
        all_match(self.reqs.iter().map(Req::requirement), labels)
    }
}

/// Splits on commas outside parentheses.
fn split_top(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in s.char_indices() {
        match c {
            '(' => depth += 1,
            ')' => depth -= 1,
            ',' if depth == 0 => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn valid_key(k: &str) -> bool {
    !k.is_empty()
        && k.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
}

fn valid_value(v: &str) -> bool {
    v.chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
}

fn parse_req(p: &str) -> Option<Req> {
    if let Some(k) = p.strip_prefix('!') {
        let k = k.trim();
        return valid_key(k).then(|| Req::NotExists(k.to_string()));
    }
    for (op, neg) in [("!=", true), ("==", false), ("=", false)] {
        if let Some((k, v)) = p.split_once(op) {
            let (k, v) = (k.trim(), v.trim());
            if !valid_key(k) || !valid_value(v) {
                return None;
            }
            return Some(if neg {
                Req::NotEq(k.into(), v.into())
            } else {
                Req::Eq(k.into(), v.into())
            });
        }
    }
    let words: Vec<&str> = p.splitn(2, char::is_whitespace).collect();
    if let [k, rest] = words.as_slice() {
        let rest = rest.trim();
        let (neg, list) = if let Some(l) = rest.strip_prefix("notin") {
            (true, l)
        } else if let Some(l) = rest.strip_prefix("in") {
            (false, l)
        } else {
            return None;
        };
        let inner = list.trim().strip_prefix('(')?.strip_suffix(')')?;
        let vals: Vec<String> = inner.split(',').map(|v| v.trim().to_string()).collect();
        if !valid_key(k) || vals.iter().any(|v| !valid_value(v)) {
            return None;
        }
        return Some(if neg {
            Req::NotIn(k.to_string(), vals)
        } else {
            Req::In(k.to_string(), vals)
        });
    }
    valid_key(p).then(|| Req::Exists(p.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn equality_set_and_existence_requirements() {
        let l = labels(&[("app", "db"), ("tier", "data")]);
        let m = |s: &str| Selector::parse(s).expect(s).matches(Some(&l));
        assert!(m("app=db"));
        assert!(m("app==db,tier=data"));
        assert!(!m("app!=db"));
        assert!(m("app in (web, db)"));
        assert!(!m("app notin (web,db)"));
        assert!(m("tier"));
        assert!(m("!owner"));
        assert!(!m("!app"));
        assert!(m("env notin (prod)"));
        assert!(!Selector::parse("app=db").expect("ok").matches(None));
    }

    #[test]
    fn bad_selectors_are_refused() {
        for bad in ["", "app=db,", "a b c", "app in db", "=x", "app=(x)"] {
            assert!(Selector::parse(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn api_requirements_and_node_terms() {
        let l = labels(&[("zone", "a"), ("size", "8")]);
        let vals = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (ab, four) = (vals(&["a", "b"]), vals(&["4"]));
        let m = |k, op, v| Requirement::from_api(k, op, v).matches(Some(&l));
        assert!(m("zone", "In", &ab) && !m("zone", "NotIn", &ab));
        assert!(m("size", "Gt", &four) && !m("size", "Lt", &four));
        assert!(!m("zone", "Gt", &four), "not an integer");
        assert!(!m("zone", "Near", &ab), "unknown operator");
        assert!(m("gpu", "DoesNotExist", &[]) && !m("gpu", "Exists", &[]));
        assert!(selector_matches(&labels(&[("zone", "a")]), Some(&l)));
        assert!(!selector_matches(&labels(&[("zone", "b")]), Some(&l)));
    }
}
