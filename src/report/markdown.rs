//! A Markdown report fit for a pull-request comment or a GitHub step summary: the verdict,
//! a count per rule, a findings table (findings that share one cause in one row) and who
//! publishes what. Every cell is escaped: names, paths and messages come from lockfiles and
//! indexes and may carry Markdown or HTML.

use std::fmt::Write;

use super::group::{self, Item, SharedGroup};
use super::text::{package_spec, plural, publishers, sanitize};
use super::{Outcome, Report, View};
use crate::evaluate::Finding;
use crate::rules::Level;

/// Rows shown per table before the rest is summarized (comments are size-limited).
const MAX_ROWS: usize = 200;

/// Escapes text for a table cell: backslash-escapes the punctuation that makes inline
/// markup (code, emphasis, links, strikethrough, cell breaks), turns `<`, `>` and `&` into entities (no HTML), and newlines into spaces.
pub fn escape_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in sanitize(text).chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '~' => {
                out.push('\\');
                out.push(c);
            }
            _ => out.push(c),
        }
    }
    out
}

fn level_cell(f: &Finding) -> String {
    match (&f.exempted_by, f.level) {
        (Some(_), level) => format!("exempted ({level})"),
        (None, Level::Deny) => "**deny**".to_string(),
        (None, level) => level.to_string(),
    }
}

/// The header of a findings table.
pub(super) const FINDINGS_HEADER: &str =
    "| Level | Rule | Package | Where | Problem | Fix |\n|---|---|---|---|---|---|";

/// One finding as a table row.
pub(super) fn finding_row(f: &Finding) -> String {
    let fix = match &f.exempted_by {
        Some(e) => format!(
            "exempted by {}:{}: {}",
            e.location.path.display(),
            e.location.line,
            e.reason
        ),
        None => f.fix.clone(),
    };
    format!(
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
    )
}

/// One table row for findings that share a cause.
fn shared_row(shared: &SharedGroup<'_>) -> String {
    let first = shared.findings[0];
    let count = plural(shared.findings.len(), "package");
    let (names, more) = group::members(shared, false, 20);
    let more = if more > 0 {
        format!(", … and {more} more")
    } else {
        String::new()
    };
    let level = match (shared.exempted, shared.level) {
        (true, level) => format!("exempted ({level})"),
        (false, Level::Deny) => "**deny**".to_string(),
        (false, level) => level.to_string(),
    };
    let fix = match &first.exempted_by {
        Some(e) => format!(
            "exempted by {}:{}: {}",
            e.location.path.display(),
            e.location.line,
            e.reason
        ),
        None => shared.fix.clone(),
    };
    format!(
        "| {level} | [{}]({}) {} | {} | {} | {} | {} |",
        shared.rule.code(),
        shared.rule.docs_url(),
        escape_cell(shared.rule.slug()),
        escape_cell(&count),
        escape_cell(&format!(
            "{}:{}",
            first.location.path.display(),
            first.location.line
        )),
        escape_cell(&format!(
            "could not get provenance for {count}: {}. Packages: {}{more}",
            shared.cause,
            names.join(", ")
        )),
        escape_cell(&fix),
    )
}

/// Renders the Markdown report.
pub fn render(report: &Report) -> String {
    render_view(report, View::default())
}

/// Renders the Markdown report; as a step summary it says where every finding is.
pub fn render_view(report: &Report, view: View) -> String {
    let mut out = String::new();
    let s = report.summary();
    let verdict = match report.outcome() {
        Outcome::Pass => "✅ pass",
        Outcome::Fail => "❌ fail",
    };
    let _ = writeln!(out, "## pubgate: {verdict}\n");
    let _ = writeln!(
        out,
        "{} deny, {} warn, {} exempted{} · {}, {}: {} verified, {} without provenance, {} invalid, {} unavailable · policy: {}\n",
        s.deny,
        s.warn,
        s.exempted,
        if report.deny_warnings() { " (warnings fail: `--deny-warnings`)" } else { "" },
        plural(s.packages, "package"),
        plural(s.artifacts, "file"),
        s.verified,
        s.absent,
        s.invalid,
        s.unavailable,
        escape_cell(&report.policy().to_string()),
    );

    let by_rule: Vec<String> = report
        .rule_counts()
        .iter()
        .map(|(rule, count)| {
            format!(
                "{} {}: {}",
                rule.code(),
                escape_cell(rule.slug()),
                count.describe()
            )
        })
        .collect();
    if !by_rule.is_empty() {
        let _ = writeln!(out, "By rule: {}\n", by_rule.join(" · "));
    }

    let findings: Vec<&Finding> = report.findings().iter().collect();
    if findings.is_empty() {
        let _ = writeln!(out, "No findings.\n");
    } else {
        let items = group::group(report, &findings);
        let rows = items.len();
        let _ = writeln!(out, "### Findings\n");
        let _ = writeln!(out, "{FINDINGS_HEADER}");
        for item in items.into_iter().take(MAX_ROWS) {
            let f = match item {
                Item::Shared(shared) => {
                    let _ = writeln!(out, "{}", shared_row(&shared));
                    continue;
                }
                Item::One(f) => f,
            };
            let _ = writeln!(out, "{}", finding_row(f));
        }
        if rows > MAX_ROWS {
            let where_ = if view.step_summary {
                "every finding is in this step's log"
            } else {
                "run `pubgate check` for the full report"
            };
            let _ = writeln!(
                out,
                "\n{} more rows are not shown; {where_}.",
                rows - MAX_ROWS
            );
        }
        out.push('\n');
        if view.step_summary {
            let _ = writeln!(
                out,
                "GitHub shows {} annotations of a kind per step: every finding is in this step's log, as an annotation or, past that limit, as a plain line.\n",
                super::github::ANNOTATIONS_PER_KIND
            );
        }
    }

    let packages: Vec<_> = report
        .lockfiles()
        .iter()
        .flat_map(|l| &l.packages)
        .collect();
    if !packages.is_empty() {
        let _ = writeln!(
            out,
            "<details><summary>Who publishes what ({})</summary>\n",
            plural(packages.len(), "package")
        );
        let _ = writeln!(out, "| Package | Source | Publisher |");
        let _ = writeln!(out, "|---|---|---|");
        for p in packages.iter().take(MAX_ROWS) {
            let _ = writeln!(
                out,
                "| {} | {} | {} |",
                escape_cell(&package_spec(p)),
                escape_cell(p.package.source.kind()),
                escape_cell(&publishers(p)),
            );
        }
        if packages.len() > MAX_ROWS {
            let _ = writeln!(
                out,
                "\n{} more packages are not shown.",
                packages.len() - MAX_ROWS
            );
        }
        let _ = writeln!(out, "\n</details>");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_cells() {
        assert_eq!(escape_cell("a|b"), "a\\|b");
        assert_eq!(escape_cell("<script>"), "&lt;script&gt;");
        assert_eq!(escape_cell("[x](javascript:1)"), "\\[x\\](javascript:1)");
        assert_eq!(escape_cell("`a_b*`"), "\\`a\\_b\\*\\`");
        assert_eq!(escape_cell("line\nbreak"), "line\\\\nbreak");
    }
}
