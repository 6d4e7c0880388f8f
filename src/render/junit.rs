//! JUnit XML for CI systems that show test reports (GitLab, Jenkins, Azure DevOps).
//!
//! Hand-written rather than `quick-junit`: that crate pulls in chrono, uuid, newtype-uuid,
//! quick-xml and strip-ansi-escapes to write one element type; we write a handful of elements
//! with escaping.
//!
//! One test case per checked object and rule that found something (`CODE: Kind ns/name`), and one
//! passing test case per object with no findings. Errors and warnings are failures; info findings
//! pass with the message in `system-out`.

use std::collections::BTreeMap;

use super::{Item, Subject};
use crate::rules::{ObjectRef, Severity};

fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            // XML 1.0 forbids most control characters, even escaped.
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\r' | '\t') => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

fn subject_name(o: &ObjectRef) -> String {
    format!("{} {}", o.kind, o.display_name())
}

/// Renders a test suite named `suite`.
pub fn render(suite: &str, subjects: &[Subject], items: &[Item]) -> String {
    // Group findings by (subject, code), keeping subjects in input order.
    let mut by_subject: BTreeMap<&ObjectRef, Vec<&Item>> = BTreeMap::new();
    for it in items {
        by_subject.entry(&it.subject).or_default().push(it);
    }
    let mut cases = String::new();
    let (mut tests, mut failures) = (0usize, 0usize);
    let mut emitted: std::collections::HashSet<&ObjectRef> = Default::default();
    let all_subjects = subjects
        .iter()
        .map(|s| (&s.object, s.location.as_ref()))
        .chain(items.iter().map(|i| (&i.subject, i.location)));
    for (object, location) in all_subjects {
        if !emitted.insert(object) {
            continue;
        }
        let classname = esc(&location
            .map(|l| l.file.clone())
            .unwrap_or_else(|| object.kind.clone()));
        let file_attr = location
            .map(|l| format!(" file=\"{}\" line=\"{}\"", esc(&l.file), l.line))
            .unwrap_or_default();
        let Some(found) = by_subject.get(object) else {
            tests += 1;
            cases.push_str(&format!(
                "    <testcase name=\"{}\" classname=\"{classname}\"{file_attr}/>\n",
                esc(&subject_name(object))
            ));
            continue;
        };
        let mut codes: BTreeMap<&str, Vec<&Item>> = BTreeMap::new();
        for it in found {
            codes.entry(it.finding.code).or_default().push(it);
        }
        for (code, list) in codes {
            tests += 1;
            let loc = list.first().and_then(|i| i.location);
            let file_attr = loc
                .map(|l| format!(" file=\"{}\" line=\"{}\"", esc(&l.file), l.line))
                .unwrap_or_else(|| file_attr.clone());
            let name = esc(&format!("{code}: {}", subject_name(object)));
            let text: Vec<String> = list
                .iter()
                .map(|i| {
                    let f = i.finding;
                    let mut t = format!(
                        "{}: {} {}: {}",
                        f.severity.as_str(),
                        f.object.kind,
                        f.object.display_name(),
                        f.message
                    );
                    if let Some(l) = i.location {
                        t = format!("{}:{}: {t}", l.file, l.line);
                    }
                    for e in &f.evidence {
                        t.push_str(&format!("\n  evidence: {e}"));
                    }
                    t.push_str(&format!("\n  fix: {}", f.fix));
                    t
                })
                .collect();
            let worst = list
                .iter()
                .map(|i| i.finding.severity)
                .min()
                .unwrap_or(Severity::Info);
            if worst == Severity::Info {
                cases.push_str(&format!(
                    "    <testcase name=\"{name}\" classname=\"{classname}\"{file_attr}>\n      <system-out>{}</system-out>\n    </testcase>\n",
                    esc(&text.join("\n"))
                ));
            } else {
                failures += 1;
                let first = list
                    .first()
                    .map(|i| i.finding.message.as_str())
                    .unwrap_or("");
                cases.push_str(&format!(
                    "    <testcase name=\"{name}\" classname=\"{classname}\"{file_attr}>\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>\n",
                    worst.as_str(),
                    esc(first),
                    esc(&text.join("\n"))
                ));
            }
        }
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"kubectl-storage\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\">\n  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" skipped=\"0\">\n{cases}  </testsuite>\n</testsuites>\n",
        esc(suite)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_control_characters() {
        assert_eq!(esc("a<b & \"c\"\u{1}"), "a&lt;b &amp; &quot;c&quot; ");
    }
}
