//! The human format of `preflight`: one block per finding, `file:line:column` first (so editors
//! and terminals can jump to it), then a summary line.

use super::human::{severity_mark, Style};
use crate::preflight::PreflightReport;

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {one}s")
    }
}

/// Renders a preflight report for people.
pub fn human(r: &PreflightReport, style: &Style) -> String {
    let mut out = String::new();
    for lf in &r.findings {
        let f = &lf.finding;
        let at = lf
            .location
            .as_ref()
            .map(|l| format!("{}:{}:{}", l.file, l.line, l.column))
            .unwrap_or_else(|| "(cluster)".into());
        let head = format!("{} {}", severity_mark(f.severity), f.code);
        out.push_str(&format!(
            "{at}  {}  {} {}\n    {}\n",
            style.paint_severity(&head, f.severity),
            lf.source.kind,
            lf.source.display_name(),
            f.message
        ));
        for e in &f.evidence {
            out.push_str(&format!("    evidence  {e}\n"));
        }
        out.push_str(&format!("    fix       {}\n", f.fix));
    }
    if !r.findings.is_empty() {
        out.push('\n');
    }
    let s = &r.summary;
    let mut counts = vec![plural(s.errors, "error"), plural(s.warnings, "warning")];
    if s.infos > 0 {
        counts.push(format!("{} info", s.infos));
    }
    let mut line = format!(
        "Checked {} in {}: {}",
        plural(r.objects, "object"),
        plural(r.files, "file"),
        counts.join(", ")
    );
    if r.ignored > 0 {
        line.push_str(&format!(" ({} ignored)", r.ignored));
    }
    if r.findings.is_empty() {
        line.push_str(" · no storage problems found");
    }
    out.push_str(&line);
    out.push('\n');
    if !s.not_checked.is_empty() {
        out.push_str(&format!("not checked: {}\n", s.not_checked.join("; ")));
    }
    out
}
