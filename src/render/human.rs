//! The human format: verdict, chain tree, findings with evidence and fix, one summary line.
//! Marks (✓ ! ✗ i ·) carry the meaning; colour only repeats it, and only on a terminal.

use owo_colors::OwoColorize;

use crate::chain::{Hop, HopState};
use crate::report::{verdict, Report};
use crate::rules::Severity;

/// Output styling decided once from flags, `NO_COLOR` and the terminal.
#[derive(Debug, Clone)]
pub struct Style {
    pub color: bool,
    /// Wrap width for prose; `None` when piped (no line is lost or cut).
    pub width: Option<usize>,
}

impl Style {
    /// Plain text, no wrapping: what tests and pipes get.
    pub fn plain() -> Self {
        Style {
            color: false,
            width: None,
        }
    }

    fn paint(&self, s: &str, state: HopState) -> String {
        if !self.color {
            return s.to_string();
        }
        match state {
            HopState::Error => s.red().bold().to_string(),
            HopState::Warning => s.yellow().to_string(),
            HopState::Ok => s.green().to_string(),
            HopState::Info => s.cyan().to_string(),
            HopState::NotChecked | HopState::Absent => s.dimmed().to_string(),
        }
    }

    fn bold(&self, s: &str) -> String {
        if self.color {
            s.bold().to_string()
        } else {
            s.to_string()
        }
    }
}

fn mark(state: HopState) -> &'static str {
    match state {
        HopState::Ok => "✓",
        HopState::Info => "i",
        HopState::Warning => "!",
        HopState::Error => "✗",
        HopState::NotChecked | HopState::Absent => "·",
    }
}

/// The mark of a finding's severity (✗ ! i), as every renderer prints it.
pub fn severity_mark(s: Severity) -> &'static str {
    mark(severity_state(s))
}

impl Style {
    /// Paints `s` in the colour of a severity (only on a terminal).
    pub fn paint_severity(&self, s: &str, severity: Severity) -> String {
        self.paint(s, severity_state(severity))
    }
}

fn severity_state(s: Severity) -> HopState {
    match s {
        Severity::Error => HopState::Error,
        Severity::Warning => HopState::Warning,
        Severity::Info => HopState::Info,
    }
}

/// Renders the whole report.
pub fn render(report: &Report, style: &Style) -> String {
    let mut out = String::new();
    for line in wrap(&verdict(report), style.width.unwrap_or(usize::MAX)) {
        out.push_str(&style.bold(&line));
        out.push('\n');
    }
    if report.offline {
        out.push_str(&format!(
            "(offline snapshot, as of {})\n",
            report.as_of.strftime("%Y-%m-%d %H:%M:%SZ")
        ));
    }
    out.push('\n');
    let mut rows = Vec::new();
    for tree in &report.chain {
        tree_rows(tree, "", "", &mut rows);
    }
    // Long rows overflow rather than push every status far right.
    let left_width = rows
        .iter()
        .map(|(l, _)| l.chars().count())
        .filter(|w| *w <= 56)
        .max()
        .unwrap_or(0);
    for (left, hop) in &rows {
        let pad = left_width.saturating_sub(left.chars().count());
        let status = if hop.status.is_empty() {
            String::new()
        } else {
            format!(" {}", hop.status)
        };
        let right = format!("{}{status}", mark(hop.state));
        out.push_str(&format!(
            "  {left}{}  {}\n",
            " ".repeat(pad),
            style.paint(&right, hop.state)
        ));
    }
    if !report.findings.is_empty() {
        out.push('\n');
    }
    let code_width = report
        .findings
        .iter()
        .map(|f| f.code.len())
        .max()
        .unwrap_or(0);
    for f in &report.findings {
        let state = severity_state(f.severity);
        let head = format!("{} {:<code_width$}", mark(state), f.code);
        let indent = code_width + 4;
        let msg_width = style
            .width
            .map(|w| w.saturating_sub(indent).max(40))
            .unwrap_or(usize::MAX);
        let mut lines = wrap(&f.message, msg_width).into_iter();
        out.push_str(&format!(
            "{}  {}\n",
            style.paint(&head, state),
            lines.next().unwrap_or_default()
        ));
        for l in lines {
            out.push_str(&format!("{}{l}\n", " ".repeat(indent)));
        }
        let detail_width = style
            .width
            .map(|w| w.saturating_sub(14).max(40))
            .unwrap_or(usize::MAX);
        for (i, e) in f.evidence.iter().enumerate() {
            let label = if i == 0 { "evidence" } else { "" };
            for (j, l) in wrap(e, detail_width).into_iter().enumerate() {
                let label = if j == 0 { label } else { "" };
                out.push_str(&format!("    {label:<9} {l}\n"));
            }
        }
        if !f.fix.is_empty() && f.severity != Severity::Info
            || !f.fix.is_empty() && f.evidence.is_empty()
        {
            for (j, l) in wrap(&f.fix, detail_width).into_iter().enumerate() {
                out.push_str(&format!("    {:<9} {l}\n", if j == 0 { "fix" } else { "" }));
            }
        }
    }
    if !report.summary.not_checked.is_empty() {
        out.push('\n');
        out.push_str(&style.paint("not checked:", HopState::NotChecked));
        out.push('\n');
        for n in &report.summary.not_checked {
            out.push_str(&format!("  · {n}\n"));
        }
    }
    out.push('\n');
    out.push_str(&summary_line(report));
    out.push('\n');
    out
}

fn summary_line(report: &Report) -> String {
    let s = &report.summary;
    let plural = |n: usize, w: &str| format!("{n} {w}{}", if n == 1 { "" } else { "s" });
    let mut parts = Vec::new();
    if s.errors + s.warnings + s.infos == 0 {
        parts.push("No problems found".to_string());
    } else {
        let mut counts = vec![plural(s.errors, "error"), plural(s.warnings, "warning")];
        if s.infos > 0 {
            counts.push(format!("{} info", s.infos));
        }
        parts.push(counts.join(", "));
        if let Some(f) = report.findings.first() {
            parts.push(format!("`kubectl storage explain {}`", f.code));
        }
    }
    parts.push("`-o json` for machines".to_string());
    parts.join(" · ")
}

fn tree_rows<'a>(
    hop: &'a Hop,
    prefix: &str,
    child_prefix: &str,
    rows: &mut Vec<(String, &'a Hop)>,
) {
    let detail = if hop.detail.is_empty() {
        String::new()
    } else {
        format!(" · {}", hop.detail)
    };
    rows.push((
        format!("{prefix}{:<4} {}{detail}", hop.label, hop.name),
        hop,
    ));
    let n = hop.children.len();
    for (i, c) in hop.children.iter().enumerate() {
        let last = i + 1 == n;
        let (p, cp) = if last {
            ("└ ", "  ")
        } else {
            ("├ ", "│ ")
        };
        tree_rows(
            c,
            &format!("{child_prefix}{p}"),
            &format!("{child_prefix}{cp}"),
            rows,
        );
    }
}

/// Wraps text on spaces to `width` columns (words longer than a line stay whole).
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = Vec::new();
    for para in text.split('\n') {
        let mut line = String::new();
        for word in para.split(' ') {
            if !line.is_empty() && line.chars().count() + 1 + word.chars().count() > width {
                lines.push(std::mem::take(&mut line));
            }
            if !line.is_empty() {
                line.push(' ');
            }
            line.push_str(word);
        }
        lines.push(line);
    }
    lines
}
