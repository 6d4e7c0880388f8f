//! The YAML parser settings both loaders share (`--snapshot` files, `preflight` manifests), and
//! its errors in plain words.
//!
//! serde-saphyr's default budgets (1,024 documents, 250,000 nodes, 64 MiB of text) refuse an
//! ordinary `kubectl get pods -A -o yaml` of a few thousand pods. These budgets are sized for
//! what real clusters print — at least 100,000 objects in one file — while the file size cap
//! (`--max-file-size`) bounds the text itself. What stays tight is what only a hostile file
//! needs: alias expansion (the "billion laughs" bomb) and nesting depth. Kubernetes never
//! prints anchors or aliases.

use serde_saphyr::budget::BudgetBreach;

/// YAML documents (`---`) one file may hold: a multi-document dump of 100,000 objects and more.
pub const MAX_DOCUMENTS: usize = 1_000_000;
/// YAML nodes (scalars, lists and maps) one file may hold: about 500 per object for 200,000
/// objects (a Pod with managedFields is 150–400).
pub const MAX_NODES: usize = 100_000_000;
/// Parser events (every node and every end of a list or map).
pub const MAX_EVENTS: usize = 3 * MAX_NODES;
/// Nesting depth (lists and maps within each other): CRD schemas reach 30.
pub const MAX_DEPTH: usize = 128;
/// Alias uses (`*name`) one file may hold.
pub const MAX_ALIASES: usize = 10_000;
/// Values alias expansion may replay in one file: the limit against "billion laughs" bombs.
pub const MAX_REPLAYED: usize = 1_000_000;

/// The parser options both loaders use.
pub fn options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_documents = MAX_DOCUMENTS;
    budget.max_nodes = MAX_NODES;
    budget.max_events = MAX_EVENTS;
    budget.max_depth = MAX_DEPTH;
    budget.max_aliases = MAX_ALIASES;
    budget.max_anchors = MAX_ALIASES;
    // The text is bounded by the file size cap; these must not refuse less than it allows.
    budget.max_total_scalar_bytes = usize::MAX;
    budget.max_reader_input_bytes = None;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.alias_limits.max_total_replayed_events = MAX_REPLAYED;
    options
}

/// A YAML parser error: where (1-based line and column, when known) and what, in one short line
/// without the parser's code frame or its advice to the calling program.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    pub line: Option<u64>,
    pub column: Option<u64>,
    pub reason: String,
}

impl ParseError {
    /// `line L, column C: REASON` (or just the reason when the position is unknown).
    pub fn describe(&self) -> String {
        match (self.line, self.column) {
            (Some(l), Some(c)) => format!("line {l}, column {c}: {}", self.reason),
            (Some(l), None) => format!("line {l}: {}", self.reason),
            _ => self.reason.clone(),
        }
    }
}

/// The longest reason kept from the parser (the whole line stays under 200 characters).
const MAX_REASON: usize = 120;

/// Turns a serde-saphyr error into a [`ParseError`].
pub fn parse_error(e: &serde_saphyr::Error) -> ParseError {
    let mut inner = e;
    while let serde_saphyr::Error::AliasError { error, .. }
    | serde_saphyr::Error::WithSnippet { error, .. } = inner
    {
        inner = error;
    }
    let location = inner.location().or_else(|| e.location());
    let (line, column) = match location {
        Some(l) if l.line() > 0 => (Some(l.line()), (l.column() > 0).then(|| l.column())),
        _ => (None, None),
    };
    ParseError {
        line,
        column,
        reason: reason(inner),
    }
}

fn reason(e: &serde_saphyr::Error) -> String {
    use serde_saphyr::Error as E;
    match e {
        E::Budget { breach, .. } => breach_reason(breach),
        E::AliasReplayLimitExceeded { .. } | E::AliasReplayCounterOverflow { .. } => format!(
            "aliases (*name) expand to more than {} values, the limit against alias bombs",
            thousands(MAX_REPLAYED)
        ),
        E::AliasExpansionLimitExceeded { .. } | E::AliasReplayStackDepthExceeded { .. } => {
            "aliases (*name) expand too often or too deep, the limit against alias bombs".into()
        }
        E::DuplicateMappingKey { key: Some(k), .. } => {
            format!("duplicate key {:?} in one map", crate::k8s::truncate(k, 40))
        }
        E::DuplicateMappingKey { key: None, .. } => "duplicate key in one map".into(),
        other => {
            let mut render = serde_saphyr::RenderOptions::new(&serde_saphyr::UserMessageFormatter);
            render.snippets = serde_saphyr::SnippetMode::Off;
            let text = other.render_with_options(render);
            let line = text
                .lines()
                .map(str::trim)
                .find(|l| !l.is_empty())
                .unwrap_or("not valid YAML");
            // The position is reported separately.
            let line = match line.find(" at line ") {
                Some(i) => &line[..i],
                None => line,
            };
            crate::k8s::truncate(line, MAX_REASON)
        }
    }
}

fn breach_reason(breach: &BudgetBreach) -> String {
    match breach {
        BudgetBreach::Documents { .. } => format!(
            "more than {} YAML documents in one file, the most it may hold; split the file",
            thousands(MAX_DOCUMENTS)
        ),
        BudgetBreach::Nodes { .. } => format!(
            "more than {} YAML values in one file, the most it may hold; split the file",
            thousands(MAX_NODES)
        ),
        BudgetBreach::Events { .. } => format!(
            "more than {} YAML parser events in one file, the most it may hold; split the file",
            thousands(MAX_EVENTS)
        ),
        BudgetBreach::Depth { .. } => format!(
            "lists and maps nested more than {MAX_DEPTH} deep, the most a file may nest"
        ),
        BudgetBreach::RecordedAnchorEvents { .. } | BudgetBreach::RecordedAnchorBytes { .. } => {
            "anchors (&name) nested to inflate the file, the limit against alias bombs; Kubernetes never prints them".into()
        }
        BudgetBreach::Aliases { .. } | BudgetBreach::Anchors { .. } => format!(
            "more than {} anchors or aliases (&name, *name), the limit against alias bombs; Kubernetes never prints them",
            thousands(MAX_ALIASES)
        ),
        _ => "the YAML is too large or too complex to read (aliases or anchors used to inflate it)"
            .into(),
    }
}

/// `1000000` → `1,000,000`.
pub fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Value;

    fn err(text: &str) -> ParseError {
        let e = serde_saphyr::from_multiple_with_options::<Value>(text, options())
            .expect_err("must fail");
        parse_error(&e)
    }

    #[test]
    fn the_default_budgets_are_raised_for_real_clusters() {
        // 2,000 documents and 300,000 nodes: both past serde-saphyr's defaults.
        let mut text = String::new();
        for i in 0..2_000 {
            text.push_str(&format!(
                "---\nkind: Pod\nmetadata: {{name: p{i}}}\nitems:\n"
            ));
            for j in 0..75 {
                text.push_str(&format!("- {j}\n"));
            }
        }
        assert!(serde_saphyr::from_multiple::<Value>(&text).is_err());
        let docs =
            serde_saphyr::from_multiple_with_options::<Value>(&text, options()).expect("reads");
        assert_eq!(docs.len(), 2_000);
    }

    #[test]
    fn alias_bombs_are_refused_in_plain_words() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 1..12 {
            let p = i - 1;
            text.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let e = err(&text);
        assert!(e.reason.contains("the limit against alias bombs"), "{e:?}");
        assert!(!e.describe().contains('{'), "{e:?}");
    }

    #[test]
    fn errors_are_one_short_line_with_a_position_and_no_internals() {
        for text in [
            "kind: Pod\nspec: [\n",
            "a: 1\na: 2\n",
            "key: \"unterminated\n",
            "a:\n\tb: 1\n",
            "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        ] {
            let e = err(text);
            let d = e.describe();
            assert!(d.len() <= 170, "{text:?}: {d}");
            assert!(!d.contains('\n'), "{text:?}: {d}");
            assert!(!d.contains("Options"), "{text:?}: {d}");
            assert!(!d.contains("Budget"), "{text:?}: {d}");
            assert!(e.line.is_some(), "{text:?}: {e:?}");
        }
        assert_eq!(err("a: 1\na: 2\n").reason, "duplicate key \"a\" in one map");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(1_000_000), "1,000,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
    }
}
