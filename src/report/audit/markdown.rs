//! The Markdown audit report (a step summary or an issue body): the verdict, a table of
//! projects with their shares through Trusted Publishing, the remediation list, the
//! findings, and each project's releases. Every cell is escaped.

use std::fmt::Write;

use super::super::markdown::escape_cell;
use super::super::text::plural;
use super::human::who;
use super::{percent, AuditReport};
use crate::audit::{PageStatus, ProjectSummary, Verdict};
use crate::evaluate::{day, Finding};
use crate::report::Outcome;
use crate::rules::Level;

/// Rows shown per table before the rest is summarized.
const MAX_ROWS: usize = 200;

fn level_cell(f: &Finding) -> String {
    match (&f.exempted_by, f.level) {
        (Some(_), level) => format!("exempted ({level})"),
        (None, Level::Deny) => "**deny**".to_string(),
        (None, level) => level.to_string(),
    }
}

pub(super) fn render(report: &AuditReport) -> String {
    let mut out = String::new();
    let s = report.summary();
    let verdict = match report.outcome() {
        Outcome::Pass => "✅ pass",
        Outcome::Fail => "❌ fail",
    };
    let _ = writeln!(out, "## pubgate audit: {verdict}\n");
    let _ = writeln!(
        out,
        "{} deny, {} warn, {} exempted{} · {}: {} examined, {} through Trusted Publishing · policy: {}\n",
        s.deny,
        s.warn,
        s.exempted,
        if report.deny_warnings() { " (warnings fail: `--deny-warnings`)" } else { "" },
        plural(s.projects, "project"),
        plural(s.releases_examined, "release"),
        s.releases_trusted,
        escape_cell(&report.policy().to_string()),
    );
    if let Some(window) = super::human::window(report) {
        let _ = writeln!(out, "{}\n", escape_cell(&window));
    }

    let _ = writeln!(
        out,
        "| Project | Releases through Trusted Publishing | Files verified | First attested release | Latest release |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    for project in report.projects().iter().take(MAX_ROWS) {
        let (releases, files, first, latest) = match &project.page {
            PageStatus::Found(listing) => {
                let p = ProjectSummary::of(listing);
                (
                    format!(
                        "{} of {} ({})",
                        p.releases_trusted,
                        p.releases_examined,
                        percent(p.releases_trusted, p.releases_examined)
                    ),
                    format!(
                        "{} of {} ({})",
                        p.files_verified,
                        p.files_examined,
                        percent(p.files_verified, p.files_examined)
                    ),
                    p.first_attested
                        .map(|f| dated(&f.version, f.uploaded))
                        .unwrap_or_else(|| "none".into()),
                    p.latest
                        .map(|l| {
                            let verdict = l.verdict.map_or("not examined", Verdict::describe);
                            format!("{} ({verdict})", dated(&l.version, l.uploaded))
                        })
                        .unwrap_or_else(|| "none".into()),
                )
            }
            PageStatus::NotFound { .. } => (
                "not on the index".into(),
                "—".into(),
                "—".into(),
                "—".into(),
            ),
            PageStatus::Unavailable(_) => {
                ("unavailable".into(), "—".into(), "—".into(), "—".into())
            }
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            escape_cell(&project.name),
            escape_cell(&releases),
            escape_cell(&files),
            escape_cell(&first),
            escape_cell(&latest)
        );
    }
    out.push('\n');

    let remediation = report.remediation();
    if !remediation.is_empty() {
        let _ = writeln!(
            out,
            "### Remediation (projects still publishing with tokens, most recent first)\n"
        );
        let _ = writeln!(out, "| Project | Latest release | Why | Fix |");
        let _ = writeln!(out, "|---|---|---|---|");
        for r in remediation.iter().take(MAX_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                escape_cell(&r.project),
                escape_cell(&dated(&r.latest.version, r.latest.uploaded)),
                escape_cell(r.why.describe()),
                escape_cell(r.why.fix())
            );
        }
        out.push('\n');
    }

    let findings = report.findings();
    if findings.is_empty() {
        let _ = writeln!(out, "No findings.\n");
    } else {
        let _ = writeln!(out, "### Findings\n");
        let _ = writeln!(out, "| Level | Rule | Release | Where | Problem | Fix |");
        let _ = writeln!(out, "|---|---|---|---|---|---|");
        for f in findings.iter().take(MAX_ROWS) {
            let fix = match &f.exempted_by {
                Some(e) => format!(
                    "exempted by {}:{}: {}",
                    e.location.path.display(),
                    e.location.line,
                    e.reason
                ),
                None => f.fix.clone(),
            };
            let _ = writeln!(
                out,
                "| {} | [{}]({}) {} | {} | {} | {} | {} |",
                level_cell(f),
                f.rule.code(),
                f.rule.docs_url(),
                escape_cell(f.rule.slug()),
                if f.package.is_some() {
                    escape_cell(&f.package_spec())
                } else {
                    "—".to_string()
                },
                escape_cell(&format!(
                    "{}:{}",
                    f.location.path.display(),
                    f.location.line
                )),
                escape_cell(&f.message),
                escape_cell(&fix),
            );
        }
        if findings.len() > MAX_ROWS {
            let _ = writeln!(
                out,
                "\n{} more findings are not shown; run `pubgate audit` for the full report.",
                findings.len() - MAX_ROWS
            );
        }
        out.push('\n');
    }

    for project in report.projects() {
        let PageStatus::Found(listing) = &project.page else {
            continue;
        };
        let examined: Vec<_> = listing
            .releases
            .iter()
            .rev()
            .filter(|r| r.examined)
            .collect();
        if examined.is_empty() {
            continue;
        }
        let _ = writeln!(
            out,
            "<details><summary>{} ({} examined)</summary>\n",
            escape_cell(&project.name),
            plural(examined.len(), "release")
        );
        let _ = writeln!(out, "| Release | Uploaded | Verdict | Who published |");
        let _ = writeln!(out, "|---|---|---|---|");
        for r in examined.iter().take(MAX_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} | {} |",
                escape_cell(&r.version),
                r.first_upload().map(day).unwrap_or_else(|| "—".into()),
                r.verdict().map_or("", Verdict::describe),
                escape_cell(&who(r))
            );
        }
        if examined.len() > MAX_ROWS {
            let _ = writeln!(
                out,
                "\n{} more releases are not shown.",
                examined.len() - MAX_ROWS
            );
        }
        let _ = writeln!(out, "\n</details>\n");
    }
    out
}

/// `4.0.0 (2024-06-25)`, or the version alone when the index gives no time.
fn dated(version: &str, uploaded: Option<jiff::Timestamp>) -> String {
    match uploaded {
        Some(at) => format!("{version} ({})", day(at)),
        None => version.to_string(),
    }
}
