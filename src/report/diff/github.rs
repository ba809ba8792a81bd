//! The diff as GitHub annotations: one per finding the change introduces in a lockfile (on
//! its changed line), most severe first, within GitHub's limit per kind; findings about
//! the policy and resolved findings are counted in the summary line, not annotated.

use std::fmt::Write;

use super::super::github::{annotate, Entry};
use super::super::text::sanitize;
use super::summary_line;
use crate::diff::DiffReport;

pub(super) fn render(report: &DiffReport) -> String {
    let entries: Vec<Entry<'_>> = report
        .introduced()
        .iter()
        .filter(|f| f.lockfile.is_some())
        .map(Entry::of)
        .collect();
    let mut out = annotate(entries);
    let s = report.summary();
    let _ = writeln!(
        out,
        "pubgate diff: {} ({}; findings: {} introduced: {} deny, {} warn, {} exempted; {} resolved; policy: {})",
        report.outcome().as_str().to_uppercase(),
        summary_line(&s),
        report.introduced().len(),
        s.deny,
        s.warn,
        s.exempted,
        s.resolved,
        sanitize(&report.policy().to_string())
    );
    out
}
