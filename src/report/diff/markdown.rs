//! The diff as a pull-request comment: the verdict, a short table of what changed in who
//! publishes what, and the findings introduced and resolved, collapsed. Every cell is
//! escaped (names and messages come from lockfiles and indexes).

use std::fmt::Write;

use super::super::markdown::{escape_cell, finding_row, FINDINGS_HEADER};
use super::super::text::plural;
use super::super::Outcome;
use super::{summary_line, verdict, versions};
use crate::diff::{DiffReport, PackageChange, ProvenanceShift};
use crate::evaluate::Finding;

/// Rows shown per table (a comment is size-limited).
const MAX_ROWS: usize = 100;

/// The "after" cell: what changed said first, in bold.
fn after_cell(change: &PackageChange) -> String {
    let Some(after) = &change.after else {
        return "—".to_string();
    };
    let text = escape_cell(&after.publisher_text());
    if change.publisher_changed {
        format!("**publisher changed:** {text}")
    } else {
        match change.provenance {
            Some(ProvenanceShift::Lost) => format!("**provenance lost:** {text}"),
            Some(ProvenanceShift::Gained) => format!("provenance gained: {text}"),
            None => text,
        }
    }
}

fn findings_block(out: &mut String, title: &str, findings: &[Finding], open: bool) {
    if findings.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "<details{}><summary>{title} ({})</summary>\n",
        if open { " open" } else { "" },
        findings.len()
    );
    let _ = writeln!(out, "{FINDINGS_HEADER}");
    for f in findings.iter().take(MAX_ROWS) {
        let _ = writeln!(out, "{}", finding_row(f));
    }
    if findings.len() > MAX_ROWS {
        let _ = writeln!(
            out,
            "\n{} more are not shown; run `pubgate diff` for the full report.",
            findings.len() - MAX_ROWS
        );
    }
    let _ = writeln!(out, "\n</details>\n");
}

pub(super) fn render(report: &DiffReport) -> String {
    let mut out = String::new();
    let mark = match report.outcome() {
        Outcome::Pass => "✅",
        Outcome::Fail => "❌",
    };
    let _ = writeln!(out, "## pubgate diff: {mark} {}\n", verdict(report));
    let s = report.summary();
    let base = report
        .base()
        .map(|b| format!("against `{}` · ", escape_cell(b)))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "{base}{} · findings: {} introduced ({} deny, {} warn, {} exempted), {} resolved · policy: {}\n",
        escape_cell(&summary_line(&s)),
        report.introduced().len(),
        s.deny,
        s.warn,
        s.exempted,
        s.resolved,
        escape_cell(&report.policy().to_string())
    );

    let changes: Vec<(&std::path::Path, &PackageChange)> = report
        .lockfiles()
        .iter()
        .flat_map(|l| l.packages.iter().map(move |c| (l.path.as_path(), c)))
        .collect();
    if !changes.is_empty() {
        let several = report.lockfiles().len() > 1;
        let _ = writeln!(
            out,
            "| Package | Change | Publisher before | Publisher after |{}",
            if several { " Lockfile |" } else { "" }
        );
        let _ = writeln!(
            out,
            "|---|---|---|---|{}",
            if several { "---|" } else { "" }
        );
        for (path, change) in changes.iter().take(MAX_ROWS) {
            let before = change
                .before
                .as_ref()
                .map(|b| escape_cell(&b.publisher_text()))
                .unwrap_or_else(|| "—".into());
            let lockfile = if several {
                format!(" {} |", escape_cell(&path.display().to_string()))
            } else {
                String::new()
            };
            let _ = writeln!(
                out,
                "| {} | {} {} | {before} | {} |{lockfile}",
                escape_cell(change.name.as_str()),
                change.kind.as_str(),
                escape_cell(&versions(change)),
                after_cell(change),
            );
        }
        if changes.len() > MAX_ROWS {
            let _ = writeln!(
                out,
                "\n{} more are not shown; run `pubgate diff` for the full report.",
                plural(changes.len() - MAX_ROWS, "package change")
            );
        }
        out.push('\n');
    }
    findings_block(
        &mut out,
        "Findings the change introduces",
        report.introduced(),
        report.outcome() == Outcome::Fail,
    );
    findings_block(
        &mut out,
        "Findings the change resolves",
        report.resolved(),
        false,
    );
    out
}
