//! Renderers for `pubgate diff` ([`DiffReport`]): human (this module), JSON (schema 1,
//! `docs/diff-schema.json`), Markdown (a pull-request comment: a short table of what changed
//! in who publishes what, details collapsed) and GitHub annotations (on the changed
//! lockfile lines, most severe first). None decides anything: the verdict is
//! [`DiffReport::outcome`].

mod github;
mod json;
mod markdown;

use std::fmt::Write;

use super::human::finding_line;
use super::text::{plural, sanitize};
use super::{defuse_workflow_commands, Outcome};
use crate::diff::{ChangeKind, DiffReport, DiffSummary, PackageChange, ProvenanceShift};

/// The output formats of `pubgate diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DiffFormat {
    Human,
    Json,
    Markdown,
    Github,
}

/// Renders `report` in `format`; `color` only affects the human format. Like every
/// report, the text never carries a `##[`.
pub fn render(report: &DiffReport, format: DiffFormat, color: bool) -> String {
    let text = match format {
        DiffFormat::Human => human(report, color),
        DiffFormat::Json => json::render(report),
        DiffFormat::Markdown => markdown::render(report),
        DiffFormat::Github => github::render(report),
    };
    defuse_workflow_commands(&text, format == DiffFormat::Json)
}

/// `1.0 → 2.0`, `2.0` (added), `1.0` (removed).
pub(super) fn versions(change: &PackageChange) -> String {
    match (&change.before, &change.after) {
        (Some(b), Some(a)) if b.version_text() == a.version_text() => a.version_text(),
        (Some(b), Some(a)) => format!("{} → {}", b.version_text(), a.version_text()),
        (None, Some(a)) => a.version_text(),
        (Some(b), None) => b.version_text(),
        (None, None) => String::new(),
    }
}

/// Who publishes it, before → after, with what changed said first.
pub(super) fn who(change: &PackageChange) -> String {
    match (&change.before, &change.after) {
        (None, Some(a)) => a.publisher_text(),
        (Some(b), None) => format!("was {}", b.publisher_text()),
        (Some(b), Some(a)) => {
            let (before, after) = (b.publisher_text(), a.publisher_text());
            let what = if change.publisher_changed {
                "publisher changed: "
            } else {
                match change.provenance {
                    Some(ProvenanceShift::Lost) => "provenance lost: ",
                    Some(ProvenanceShift::Gained) => "provenance gained: ",
                    None => "",
                }
            };
            if what.is_empty() && b.publishers.keys().eq(a.publishers.keys()) {
                if b.publishers.is_empty() {
                    after
                } else {
                    format!("{after}, same publisher")
                }
            } else {
                format!("{what}{before} → {after}")
            }
        }
        (None, None) => String::new(),
    }
}

/// `3 packages changed: 2 upgraded, 1 added; 1 publisher change`.
pub(super) fn summary_line(s: &DiffSummary) -> String {
    let total = s.added + s.removed + s.upgraded + s.downgraded + s.changed;
    if total == 0 {
        return "no package changed".to_string();
    }
    let kinds: Vec<String> = [
        (s.upgraded, "upgraded"),
        (s.downgraded, "downgraded"),
        (s.added, "added"),
        (s.removed, "removed"),
        (s.changed, "changed otherwise"),
    ]
    .iter()
    .filter(|(n, _)| *n > 0)
    .map(|(n, what)| format!("{n} {what}"))
    .collect();
    let mut line = format!("{} changed: {}", plural(total, "package"), kinds.join(", "));
    let notes: Vec<String> = [
        (s.publisher_changed, "publisher change", "publisher changes"),
        (s.provenance_lost, "lost provenance", "lost provenance"),
        (
            s.provenance_gained,
            "gained provenance",
            "gained provenance",
        ),
    ]
    .iter()
    .filter(|(n, _, _)| *n > 0)
    .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
    .collect();
    if !notes.is_empty() {
        line.push_str(&format!("; {}", notes.join(", ")));
    }
    line
}

/// `FAIL: the change introduces 1 finding at deny`.
pub(super) fn verdict(report: &DiffReport) -> String {
    let s = report.summary();
    match (report.outcome(), report.deny_warnings()) {
        (Outcome::Fail, true) => format!(
            "the change introduces {} at deny or warn (--deny-warnings)",
            plural(s.deny + s.warn, "finding")
        ),
        (Outcome::Fail, false) => format!(
            "the change introduces {} at deny",
            plural(s.deny, "finding")
        ),
        (Outcome::Pass, _) => "the change introduces no finding at deny".to_string(),
    }
}

fn kind_label(kind: ChangeKind) -> &'static str {
    kind.as_str()
}

/// The human diff: per lockfile, one aligned line per changed package; the findings the
/// change introduces and resolves; a summary and the verdict.
fn human(report: &DiffReport, color: bool) -> String {
    let mut out = String::new();
    for lockfile in report.lockfiles() {
        let against = match &lockfile.old_path {
            Some(old) => format!("against {}", old.display()),
            None => "new: not in the base".to_string(),
        };
        let _ = writeln!(
            out,
            "{} ({}), {against}",
            sanitize(&lockfile.path.display().to_string()),
            lockfile.format,
        );
        if lockfile.packages.is_empty() {
            let _ = writeln!(out, "  no package changed");
        }
        let rows: Vec<(String, String, String)> = lockfile
            .packages
            .iter()
            .map(|c| {
                (
                    kind_label(c.kind).to_string(),
                    sanitize(&format!("{} {}", c.name, versions(c))),
                    sanitize(&who(c)),
                )
            })
            .collect();
        let width = rows
            .iter()
            .map(|(_, what, _)| what.chars().count())
            .max()
            .unwrap_or(0);
        for (kind, what, who) in rows {
            let _ = writeln!(out, "  {kind:<10}  {what:<width$}  {who}");
        }
        out.push('\n');
    }
    for (title, findings) in [
        ("findings the change introduces:", report.introduced()),
        ("findings the change resolves:", report.resolved()),
    ] {
        if findings.is_empty() {
            continue;
        }
        let _ = writeln!(out, "{title}");
        for f in findings {
            let _ = writeln!(out, "  {}", finding_line(f, color));
        }
        out.push('\n');
    }
    let s = report.summary();
    let _ = writeln!(out, "{}", summary_line(&s));
    let _ = writeln!(
        out,
        "findings: {} introduced ({} deny, {} warn, {} exempted), {} resolved; policy: {}",
        report.introduced().len(),
        s.deny,
        s.warn,
        s.exempted,
        s.resolved,
        sanitize(&report.policy().to_string())
    );
    let verdict_word = match report.outcome() {
        Outcome::Pass => "PASS",
        Outcome::Fail => "FAIL",
    };
    let _ = writeln!(out, "{verdict_word}: {}", verdict(report));
    out
}
