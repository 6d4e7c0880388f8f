//! GitHub Actions workflow commands: one `::error file=…,line=…,title=CODE::message` line per
//! finding, which the Actions runner turns into annotations on the pull request.

use super::Item;
use crate::rules::Severity;

/// Escapes a command's message (`%`, CR, LF), as the Actions toolkit does.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (also `:` and `,`, which delimit properties).
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// Renders one workflow command per finding: `error`, `warning` or `notice` by severity.
pub fn render(items: &[Item]) -> String {
    let mut out = String::new();
    for it in items {
        let f = it.finding;
        let command = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "notice",
        };
        let mut props = Vec::new();
        if let Some(l) = it.location {
            props.push(format!("file={}", escape_property(&l.file)));
            props.push(format!("line={}", l.line.max(1)));
            props.push(format!("col={}", l.column.max(1)));
        }
        props.push(format!("title={}", escape_property(f.code)));
        // The subject is what the reader wrote (for preflight, the StatefulSet behind a claim).
        let message = format!(
            "{} {}: {} (fix: {})",
            it.subject.kind,
            it.subject.display_name(),
            f.message,
            f.fix
        );
        out.push_str(&format!(
            "::{command} {}::{}\n",
            props.join(","),
            escape_data(&message)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_the_actions_toolkit() {
        assert_eq!(escape_data("50% a\nb"), "50%25 a%0Ab");
        assert_eq!(escape_property("a:b,c"), "a%3Ab%2Cc");
    }
}
