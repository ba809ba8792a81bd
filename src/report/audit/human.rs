//! The human audit report: per project, where it is declared and by whom, the shares
//! through Trusted Publishing, the first attested release, each examined release (newest
//! first) with its verdict and publishers, and its findings; then the remediation list,
//! findings about the policy, and the summary.

use std::fmt::Write;

use super::super::human::{line, write_policy_findings, Painter, BOLD, DENY, PASS};
use super::super::text::{location, plural, sanitize};
use super::{percent, AuditReport, Declaration};
use crate::audit::{PageStatus, ProjectEvidence, ProjectSummary, ReleaseEvidence, Verdict};
use crate::evaluate::{day, Finding};
use crate::report::Outcome;

pub(super) fn render(report: &AuditReport, color: bool) -> String {
    let p = Painter { color };
    let mut out = String::new();
    if let Some(window) = window(report) {
        let _ = writeln!(out, "{window}\n");
    }
    for (project, declared) in report.declared() {
        write_project(&mut out, &p, report, project, declared);
        out.push('\n');
    }

    let remediation = report.remediation();
    if !remediation.is_empty() {
        let _ = writeln!(
            out,
            "{}",
            p.paint(
                BOLD,
                "remediation (projects still publishing with tokens, most recent first):"
            )
        );
        for r in &remediation {
            let when = r
                .latest
                .uploaded
                .map(|at| format!(", {}", day(at)))
                .unwrap_or_default();
            let _ = writeln!(
                out,
                "  {}  latest {}{when}: {}; fix: {}",
                p.paint(BOLD, &sanitize(&r.project)),
                sanitize(&r.latest.version),
                r.why.describe(),
                r.why.fix()
            );
        }
        out.push('\n');
    }

    let about_policy: Vec<&Finding> = report
        .findings()
        .iter()
        .filter(|f| f.package.is_none())
        .collect();
    write_policy_findings(&mut out, &p, report.policy(), &about_policy);

    let s = report.summary();
    let _ = writeln!(
        out,
        "{}: {} examined, {} through Trusted Publishing; {}, {} verified",
        plural(s.projects, "project"),
        plural(s.releases_examined, "release"),
        s.releases_trusted,
        plural(s.files_examined, "file"),
        s.files_verified
    );
    let _ = writeln!(
        out,
        "findings: {} deny, {} warn, {} exempted; policy: {}",
        s.deny,
        s.warn,
        s.exempted,
        sanitize(&report.policy().to_string())
    );
    let verdict = match report.outcome() {
        Outcome::Pass => p.paint(PASS, "PASS"),
        Outcome::Fail => p.paint(DENY, "FAIL"),
    };
    let why = match (report.outcome(), report.deny_warnings()) {
        (Outcome::Fail, true) => format!(
            "{} at deny or warn (--deny-warnings)",
            plural(s.deny + s.warn, "finding")
        ),
        (Outcome::Fail, false) => format!("{} at deny", plural(s.deny, "finding")),
        (Outcome::Pass, _) if s.warn > 0 => {
            format!("no finding at deny, {}", plural(s.warn, "warning"))
        }
        (Outcome::Pass, _) => "no finding at deny".to_string(),
    };
    let _ = writeln!(out, "{verdict}: {why}");
    out
}

/// `releases uploaded since 2025-06-01, at most the last 5`, when a window was asked for.
pub(super) fn window(report: &AuditReport) -> Option<String> {
    let window = report.window();
    let mut parts = Vec::new();
    if let Some(since) = window.since {
        parts.push(format!("uploaded since {}", since));
    }
    if let Some(last) = window.last {
        parts.push(format!("at most the {last} most recently uploaded"));
    }
    (!parts.is_empty()).then(|| format!("examining releases {}", parts.join(", ")))
}

fn write_project(
    out: &mut String,
    p: &Painter,
    report: &AuditReport,
    project: &ProjectEvidence,
    declared: Option<&Declaration>,
) {
    let findings: Vec<&Finding> = report.findings_about(project).collect();
    let _ = writeln!(
        out,
        "{} (index {})",
        p.paint(BOLD, &sanitize(&project.name)),
        sanitize(&project.index_url.redacted())
    );
    let declared = match declared {
        None => "not in the policy: no publisher declared".to_string(),
        Some(d) if d.publishers.is_empty() => {
            format!("at {}, no publisher declared", location(&d.location))
        }
        Some(d) => format!("at {}: {}", location(&d.location), d.publishers.join("; ")),
    };
    let _ = writeln!(out, "  declared {}", sanitize(&declared));
    match &project.page {
        PageStatus::NotFound { .. } => {
            let _ = writeln!(out, "  not on the index");
        }
        PageStatus::Unavailable(_) => {
            let _ = writeln!(out, "  the project page could not be had");
        }
        PageStatus::Found(listing) => {
            let s = ProjectSummary::of(listing);
            let _ = writeln!(
                out,
                "  releases: {} listed, {} examined, {} of them through Trusted Publishing ({}); files: {} of {} verified ({})",
                s.releases_listed,
                s.releases_examined,
                s.releases_trusted,
                percent(s.releases_trusted, s.releases_examined),
                s.files_verified,
                s.files_examined,
                percent(s.files_verified, s.files_examined)
            );
            let first = match &s.first_attested {
                Some(first) => format!(
                    "{}{}{}",
                    sanitize(&first.version),
                    first
                        .uploaded
                        .map(|at| format!(" ({})", day(at)))
                        .unwrap_or_default(),
                    if first.verified {
                        ""
                    } else {
                        ", as the index lists it (not examined in this run)"
                    }
                ),
                None => "none".to_string(),
            };
            let _ = writeln!(out, "  first release with attestations: {first}");
            let examined: Vec<&ReleaseEvidence> = listing
                .releases
                .iter()
                .rev()
                .filter(|r| r.examined)
                .collect();
            if !examined.is_empty() {
                let rows: Vec<(String, String, String, String)> = examined
                    .iter()
                    .map(|r| {
                        (
                            sanitize(&r.version),
                            r.first_upload().map(day).unwrap_or_else(|| "-".into()),
                            r.verdict().map_or("", Verdict::describe).to_string(),
                            sanitize(&who(r)),
                        )
                    })
                    .collect();
                let width = |f: fn(&(String, String, String, String)) -> &String| {
                    rows.iter().map(|r| f(r).chars().count()).max().unwrap_or(0)
                };
                let (w0, w1, w2) = (width(|r| &r.0), width(|r| &r.1), width(|r| &r.2));
                let _ = writeln!(out, "  {}", p.paint(BOLD, "releases, newest first:"));
                for (version, date, verdict, who) in rows {
                    let _ = writeln!(
                        out,
                        "    {version:<w0$}  {date:<w1$}  {verdict:<w2$}  {who}"
                    );
                }
            }
        }
    }
    if findings.is_empty() {
        let _ = writeln!(out, "  no findings");
    } else {
        let _ = writeln!(out, "  {}", p.paint(BOLD, "findings:"));
        for finding in findings {
            let _ = writeln!(out, "    {}", line(p, finding));
        }
    }
}

/// Who published a release's files: each verified publisher with its file count, then the
/// other files by status.
pub(super) fn who(release: &ReleaseEvidence) -> String {
    use crate::evidence::ProvenanceStatus;
    let total = release.files.len();
    let mut parts: Vec<(String, usize)> = Vec::new();
    let mut add = |label: String| match parts.iter_mut().find(|(l, _)| *l == label) {
        Some((_, n)) => *n += 1,
        None => parts.push((label, 1)),
    };
    for file in &release.files {
        let label = match &file.provenance {
            Some(ProvenanceStatus::Verified(v)) => {
                let mut label = crate::policy::describe(&v.publisher);
                if let Some(git_ref) = &v.publisher.git_ref {
                    label.push_str(&format!(" ref `{git_ref}`"));
                }
                label
            }
            Some(ProvenanceStatus::Absent) => "no provenance".into(),
            Some(ProvenanceStatus::Invalid { .. }) => "invalid provenance".into(),
            Some(ProvenanceStatus::Unavailable { .. }) | None => "unavailable".into(),
            Some(ProvenanceStatus::NotApplicable) => "not applicable".into(),
        };
        add(label);
    }
    parts
        .into_iter()
        .map(|(label, n)| match (n, total) {
            (1, 1) => format!("{label} (the only file)"),
            _ => format!("{label} ({n} of {total} files)"),
        })
        .collect::<Vec<_>>()
        .join("; ")
}
