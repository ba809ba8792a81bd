//! GitHub Actions workflow-command annotations (`::error file=…,line=…,title=…::…`), one per
//! finding (findings that share one cause: one for all), then a plain summary line.
//!
//! GitHub shows at most [`ANNOTATIONS_PER_KIND`] annotations of each kind (error, warning,
//! notice) per step and drops the rest silently. So errors come first, then warnings, then
//! exempted findings as notices; a kind with more than the limit gets one annotation fewer
//! and a last one saying how many more there are; and every finding without an annotation
//! of its own is printed as a plain line of the log, where the step summary says to look.

use std::fmt::Write;

use super::group::{self, Item, SharedGroup};
use super::text::{plural, sanitize};
use super::{Report, View};
use crate::evaluate::Finding;
use crate::rules::Level;

/// Annotations of one kind GitHub shows per step (10 errors, 10 warnings, 10 notices; 50
/// per job).
pub const ANNOTATIONS_PER_KIND: usize = 10;

/// Escapes a workflow-command message: `%`, CR and LF.
pub fn escape_data(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            _ => out.push(c),
        }
    }
    out
}

/// Escapes a workflow-command property value: as data, plus `:` and `,`.
pub fn escape_property(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            ':' => out.push_str("%3A"),
            ',' => out.push_str("%2C"),
            _ => out.push(c),
        }
    }
    out
}

/// Other control characters (ESC, …) and bidirectional controls are made visible; CR and LF
/// are left for escaping.
fn clean(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\r' | '\n' => out.push(c),
            c if c.is_control()
                || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{2028}' | '\u{2029}') =>
            {
                out.extend(c.escape_default())
            }
            c => out.push(c),
        }
    }
    out
}

/// The annotation kind of a finding: `error` (deny), `warning` (warn), `notice` (exempted).
fn kind_of(exempted: bool, level: Level) -> Kind {
    match (exempted, level) {
        (true, _) => Kind::Notice,
        (false, Level::Deny) => Kind::Error,
        (false, _) => Kind::Warning,
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Error,
    Warning,
    Notice,
}

impl Kind {
    fn command(self) -> &'static str {
        match self {
            Kind::Error => "error",
            Kind::Warning => "warning",
            Kind::Notice => "notice",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Kind::Error => "at deny",
            Kind::Warning => "at warn",
            Kind::Notice => "exempted",
        }
    }
}

/// `PG101 missing-provenance (name==version) [exempted]`.
fn title(f: &Finding) -> String {
    let spec = f.package_spec();
    let mut title = format!("{} {}", f.rule.code(), f.rule.slug());
    if !spec.is_empty() {
        title.push_str(&format!(" ({spec})"));
    }
    if f.exempted_by.is_some() {
        title.push_str(" [exempted]");
    }
    title
}

/// What a finding says, with its fix or its exemption.
fn message(f: &Finding) -> String {
    match &f.exempted_by {
        Some(e) => format!(
            "{} ({}, exempted by {}:{}: {})",
            f.message,
            f.level,
            e.location.path.display(),
            e.location.line,
            e.reason
        ),
        None => format!("{}. Fix: {}", f.message, f.fix),
    }
}

fn command(
    kind: Kind,
    file: Option<(&std::path::Path, u32)>,
    title: &str,
    message: &str,
) -> String {
    let at = match file {
        Some((path, line)) => format!(
            "file={},line={},",
            escape_property(&clean(&path.display().to_string())),
            line.max(1)
        ),
        None => String::new(),
    };
    format!(
        "::{} {at}title={}::{}",
        kind.command(),
        escape_property(&clean(title)),
        escape_data(&clean(message))
    )
}

fn annotation(f: &Finding) -> String {
    command(
        kind_of(f.exempted_by.is_some(), f.level),
        Some((&f.location.path, f.location.line)),
        &title(f),
        &message(f),
    )
}

/// One annotation for findings that share a cause, on the first one's line.
fn shared_annotation(shared: &SharedGroup<'_>) -> String {
    let first = shared.findings[0];
    let count = plural(shared.findings.len(), "package");
    let (names, more) = group::members(shared, false, 20);
    let more = if more > 0 {
        format!(", … and {more} more")
    } else {
        String::new()
    };
    let tail = match &first.exempted_by {
        Some(e) => format!(
            " ({}, exempted by {}:{}: {})",
            shared.level,
            e.location.path.display(),
            e.location.line,
            e.reason
        ),
        None => format!(". Fix: {}", shared.fix),
    };
    command(
        kind_of(shared.exempted, shared.level),
        Some((&first.location.path, first.location.line)),
        &format!(
            "{} {} ({count}){}",
            shared.rule.code(),
            shared.rule.slug(),
            if shared.exempted { " [exempted]" } else { "" }
        ),
        &format!(
            "could not get provenance for {count}: {}{tail}. Packages: {}{more}",
            shared.cause,
            names.join(", ")
        ),
    )
}

/// A finding as a plain log line (no workflow command), for findings past the limit.
fn plain(f: &Finding) -> String {
    let label = match kind_of(f.exempted_by.is_some(), f.level) {
        Kind::Error => "deny",
        Kind::Warning => "warn",
        Kind::Notice => "exempt",
    };
    let spec = f.package_spec();
    let spec = if spec.is_empty() {
        String::new()
    } else {
        format!("  {spec}")
    };
    sanitize(&format!(
        "  {label:<6} {} {}{spec}  {}:{}  {}",
        f.rule.code(),
        f.rule.slug(),
        f.location.path.display(),
        f.location.line,
        message(f)
    ))
}

/// Renders the annotations and a summary line.
pub fn render(report: &Report) -> String {
    render_view(report, View::default())
}

/// Renders the annotations (at most [`ANNOTATIONS_PER_KIND`] of each kind), the findings
/// past that limit as plain lines, and a summary line.
pub fn render_view(report: &Report, _view: View) -> String {
    let findings: Vec<&Finding> = report.findings().iter().collect();
    let entries: Vec<Entry<'_>> = group::group(report, &findings)
        .into_iter()
        .map(|item| match item {
            Item::One(f) => Entry::of(f),
            Item::Shared(shared) => Entry {
                kind: kind_of(shared.exempted, shared.level),
                annotation: shared_annotation(&shared),
                findings: shared.findings.clone(),
            },
        })
        .collect();
    let mut out = annotate(entries);
    let s = report.summary();
    let _ = writeln!(
        out,
        "pubgate: {} ({} deny, {} warn, {} exempted; {} packages, {} files, {} verified; policy: {})",
        report.outcome().as_str().to_uppercase(),
        s.deny,
        s.warn,
        s.exempted,
        s.packages,
        s.artifacts,
        s.verified,
        sanitize(&report.policy().to_string())
    );
    out
}

/// One annotation to write and the findings it stands for.
pub(super) struct Entry<'r> {
    kind: Kind,
    annotation: String,
    findings: Vec<&'r Finding>,
}

impl<'r> Entry<'r> {
    /// One finding's own annotation.
    pub(super) fn of(f: &'r Finding) -> Entry<'r> {
        Entry {
            kind: kind_of(f.exempted_by.is_some(), f.level),
            annotation: annotation(f),
            findings: vec![f],
        }
    }
}

/// Writes the entries most severe first (errors, warnings, notices; within a kind, in the
/// order given), at most [`ANNOTATIONS_PER_KIND`] annotations of a kind: past it, one
/// annotation says how many more there are, and each of those findings is written after the
/// annotations as a plain line of the log.
pub(super) fn annotate(mut entries: Vec<Entry<'_>>) -> String {
    entries.sort_by_key(|e| e.kind);
    let mut out = String::new();
    let mut unannotated: Vec<&Finding> = Vec::new();
    for kind in [Kind::Error, Kind::Warning, Kind::Notice] {
        let of_kind: Vec<&Entry<'_>> = entries.iter().filter(|e| e.kind == kind).collect();
        let room = if of_kind.len() > ANNOTATIONS_PER_KIND {
            ANNOTATIONS_PER_KIND - 1
        } else {
            of_kind.len()
        };
        for entry in &of_kind[..room] {
            let _ = writeln!(out, "{}", entry.annotation);
        }
        let rest: Vec<&Finding> = of_kind[room..]
            .iter()
            .flat_map(|e| e.findings.iter().copied())
            .collect();
        if !rest.is_empty() {
            let _ = writeln!(
                out,
                "{}",
                command(
                    kind,
                    None,
                    &format!(
                        "pubgate: {} more {} {}",
                        rest.len(),
                        if rest.len() == 1 { "finding" } else { "findings" },
                        kind.what()
                    ),
                    &format!(
                        "GitHub shows {ANNOTATIONS_PER_KIND} annotations of a kind per step: {} {} have no annotation of their own; each is listed in this step's log after the annotations",
                        plural(rest.len(), "finding"),
                        kind.what()
                    ),
                )
            );
        }
        unannotated.extend(rest);
    }
    if !unannotated.is_empty() {
        let _ = writeln!(
            out,
            "pubgate: {} without an annotation of their own (GitHub's limit of {ANNOTATIONS_PER_KIND} per kind):",
            plural(unannotated.len(), "finding")
        );
        for f in unannotated {
            let _ = writeln!(out, "{}", plain(f));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_data_and_properties() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(
            escape_property("50% a\r\nb: c, d"),
            "50%25 a%0D%0Ab%3A c%2C d"
        );
        assert_eq!(escape_data("%0A"), "%250A");
    }
}
