//! GitHub Actions workflow-command annotations (`::error file=…,line=…,title=…::…`), one per
//! finding, then a plain summary line. GitHub shows only the first few annotations of each
//! kind per step, so errors come first, then warnings, then exempted findings as notices.

use std::fmt::Write;

use super::text::sanitize;
use super::Report;
use crate::evaluate::Finding;
use crate::rules::Level;

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

fn annotation(f: &Finding) -> String {
    let command = match (&f.exempted_by, f.level) {
        (Some(_), _) => "notice",
        (None, Level::Deny) => "error",
        (None, _) => "warning",
    };
    let spec = f.package_spec();
    let mut title = format!("{} {}", f.rule.code(), f.rule.slug());
    if !spec.is_empty() {
        title.push_str(&format!(" ({spec})"));
    }
    if f.exempted_by.is_some() {
        title.push_str(" [exempted]");
    }
    let message = match &f.exempted_by {
        Some(e) => format!(
            "{} ({}, exempted by {}:{}: {})",
            f.message,
            f.level,
            e.location.path.display(),
            e.location.line,
            e.reason
        ),
        None => format!("{}. Fix: {}", f.message, f.fix),
    };
    format!(
        "::{command} file={},line={},title={}::{}",
        escape_property(&clean(&f.location.path.display().to_string())),
        f.location.line.max(1),
        escape_property(&clean(&title)),
        escape_data(&clean(&message))
    )
}

/// Renders the annotations and a summary line.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let rank = |f: &&Finding| match (&f.exempted_by, f.level) {
        (None, Level::Deny) => 0,
        (None, _) => 1,
        (Some(_), _) => 2,
    };
    let mut findings: Vec<&Finding> = report.findings().iter().collect();
    findings.sort_by_key(rank);
    for f in findings {
        let _ = writeln!(out, "{}", annotation(f));
    }
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
