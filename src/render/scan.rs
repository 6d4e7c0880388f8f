//! The human format of a scan: one verdict line, a table with one row per object that has a
//! problem (root cause first), counts per code, what was healthy and what was not checked.
//! `--details` adds every finding with its evidence and fix.

use comfy_table::{presets, Cell, ContentArrangement, Table};

use super::human::{severity_mark, wrap, Style};
use crate::scan::{price, Counts, ScanReport};

fn n(x: usize) -> String {
    let d = x.to_string();
    let mut out = String::new();
    for (i, c) in d.chars().enumerate() {
        if i > 0 && (d.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(x: usize, word: &str) -> String {
    format!("{} {word}{}", n(x), if x == 1 { "" } else { "s" })
}

/// Renders a scan for people.
pub fn render(r: &ScanReport, style: &Style, details: bool) -> String {
    let s = &r.scan;
    let mut out = String::new();
    let problems = s.with_problems.persistent_volume_claims;
    let nothing = s.checked.persistent_volume_claims == 0
        && s.checked.persistent_volumes == 0
        && s.checked.pods == 0
        && s.checked.ebs_volumes == 0;
    let verdict = if s.rows.is_empty() && nothing {
        format!(
            "Nothing to scan in {}: no claims, volumes or pods were found (nothing was checked).",
            s.scope
        )
    } else if s.rows.is_empty() {
        format!(
            "No problems found in {}: {}, {}, {} checked.",
            s.scope,
            plural(s.checked.persistent_volume_claims, "claim"),
            plural(s.checked.persistent_volumes, "volume"),
            plural(s.checked.pods, "pod"),
        )
    } else {
        format!(
            "{} of {} in {} {} problems; {} with problems in all.",
            n(problems),
            plural(s.checked.persistent_volume_claims, "claim"),
            s.scope,
            if problems == 1 { "has" } else { "have" },
            plural(s.rows.len(), "object"),
        )
    };
    for line in wrap(&verdict, style.width.unwrap_or(usize::MAX)) {
        out.push_str(&line);
        out.push('\n');
    }
    if r.report.offline {
        out.push_str(&format!(
            "(offline snapshot, as of {})\n",
            r.report.as_of.strftime("%Y-%m-%d %H:%M:%SZ")
        ));
    }
    if !s.rows.is_empty() {
        out.push('\n');
        let mut t = Table::new();
        t.load_preset(presets::NOTHING);
        match style.width {
            Some(w) => {
                t.set_content_arrangement(ContentArrangement::Dynamic);
                t.set_width(u16::try_from(w).unwrap_or(u16::MAX));
            }
            // Piped: no wrapping, so no line is cut and grep sees whole rows.
            None => {
                t.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        t.set_header(["", "NAMESPACE", "OBJECT", "HOP", "CODE", "MESSAGE"]);
        for row in &s.rows {
            let kind = match row.object.kind.as_str() {
                "PersistentVolumeClaim" => "pvc",
                "PersistentVolume" => "pv",
                "Pod" => "pod",
                "StorageClass" => "sc",
                "EBSVolume" => "ebs",
                "Node" => "node",
                "VolumeAttachment" => "va",
                other => other,
            };
            let code = if row.also.is_empty() {
                row.code.to_string()
            } else {
                format!("{} (+{})", row.code, row.also.join(", "))
            };
            t.add_row(vec![
                Cell::new(style.paint_severity(severity_mark(row.severity), row.severity)),
                Cell::new(row.object.namespace.as_deref().unwrap_or("-")),
                Cell::new(format!("{kind}/{}", row.object.name)),
                Cell::new(format!("{:?}", row.hop).to_ascii_lowercase()),
                Cell::new(code),
                Cell::new(&row.message),
            ]);
        }
        for line in t.to_string().lines() {
            out.push_str(line.trim_end());
            out.push('\n');
        }
    }
    if !s.by_code.is_empty() {
        out.push_str("\nBy code:\n");
        let w = s.by_code.iter().map(|c| c.code.len()).max().unwrap_or(0);
        for c in &s.by_code {
            let extra = if c.code == "orphaned-ebs-volume" && s.orphans_monthly_usd > 0.0 {
                format!(
                    "   about {}/month (us-east-1 list prices unless --price-per-gb)",
                    price::format_usd(s.orphans_monthly_usd)
                )
            } else {
                String::new()
            };
            out.push_str(&format!(
                "  {} {:<w$} {:>7}{extra}\n",
                style.paint_severity(severity_mark(c.severity), c.severity),
                c.code,
                n(c.count)
            ));
        }
    }
    if !s.orphans.is_empty() {
        out.push_str("\nOrphaned EBS volumes:\n");
        for o in &s.orphans {
            let cost = o
                .monthly_usd
                .map(|u| format!("{}/month", price::format_usd(u)))
                .unwrap_or_else(|| "cost unknown".into());
            let origin = o
                .created_for
                .as_deref()
                .map(|c| format!(", made for {c}"))
                .unwrap_or_default();
            out.push_str(&format!(
                "  {} {}Gi {} {} {} old{origin} · {cost} · {}\n",
                o.volume_id,
                o.size_gib,
                o.volume_type.as_deref().unwrap_or("?"),
                o.availability_zone,
                o.age,
                o.import_command
            ));
        }
    }
    out.push_str(&format!(
        "\nChecked {}: healthy {} of {} claims, {} of {} volumes, {} of {} pods{}.\n",
        s.scope,
        n(s.healthy.persistent_volume_claims),
        n(s.checked.persistent_volume_claims),
        n(s.healthy.persistent_volumes),
        n(s.checked.persistent_volumes),
        n(s.healthy.pods),
        n(s.checked.pods),
        ebs_part(&s.checked, &s.healthy),
    ));
    if !r.report.summary.not_checked.is_empty() {
        out.push_str("\nnot checked:\n");
        for line in &r.report.summary.not_checked {
            out.push_str(&format!("  · {line}\n"));
        }
    }
    if details {
        details_section(r, style, &mut out);
    }
    let sum = &r.report.summary;
    let mut parts = Vec::new();
    if sum.errors + sum.warnings + sum.infos == 0 && nothing {
        parts.push("Nothing scanned".to_string());
    } else if sum.errors + sum.warnings + sum.infos == 0 {
        parts.push("No problems found".to_string());
    } else {
        let mut counts = vec![plural(sum.errors, "error"), plural(sum.warnings, "warning")];
        if sum.infos > 0 {
            counts.push(format!("{} info", n(sum.infos)));
        }
        parts.push(counts.join(", "));
        if let Some(row) = s.rows.first() {
            parts.push(format!("`{}`", row.next));
        }
        if !details {
            parts.push("`--details` for evidence and fixes".into());
        }
    }
    parts.push("`-o json` for machines".into());
    out.push('\n');
    out.push_str(&parts.join(" · "));
    out.push('\n');
    out
}

fn ebs_part(checked: &Counts, healthy: &Counts) -> String {
    if checked.ebs_volumes == 0 {
        String::new()
    } else {
        format!(
            ", {} of {} EBS volumes",
            n(healthy.ebs_volumes),
            n(checked.ebs_volumes)
        )
    }
}

fn details_section(r: &ScanReport, style: &Style, out: &mut String) {
    out.push_str("\nFindings:\n");
    let width = style
        .width
        .map(|w| w.saturating_sub(14).max(40))
        .unwrap_or(usize::MAX);
    for f in &r.report.findings {
        out.push_str(&format!(
            "{} {} {}  {}\n",
            style.paint_severity(severity_mark(f.severity), f.severity),
            f.code,
            f.object.display_name(),
            f.message
        ));
        for (i, e) in f.evidence.iter().enumerate() {
            for (j, l) in wrap(e, width).into_iter().enumerate() {
                let label = if i == 0 && j == 0 { "evidence" } else { "" };
                out.push_str(&format!("    {label:<9} {l}\n"));
            }
        }
        if !f.fix.is_empty() {
            for (j, l) in wrap(&f.fix, width).into_iter().enumerate() {
                out.push_str(&format!("    {:<9} {l}\n", if j == 0 { "fix" } else { "" }));
            }
        }
    }
}
