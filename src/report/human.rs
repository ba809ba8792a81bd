//! The human report, per lockfile: who publishes each index package (the verified
//! identity; folded by publisher above [`FOLD_ABOVE`] packages unless verbose), then
//! findings that share one cause (once, with the packages they cover), then the others
//! grouped by package, one self-contained line each (level, code and slug,
//! `name==version`, file:line, what is wrong, what to do); then a summary with a count per
//! rule. Colour is an explicit argument so output is deterministic in tests.

use std::fmt::Write;

use anstyle::{AnsiColor, Style};

use super::group::{self, Item, SharedGroup};
use super::text::{location, package_spec, path, plural, publisher_label, publishers, sanitize};
use super::{Outcome, Report, View};
use crate::evaluate::{Finding, RelatedRole};
use crate::evidence::LockfileEvidence;
use crate::rules::Level;

pub(super) const DENY: Style = AnsiColor::Red.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const EXEMPT: Style = Style::new().dimmed();
pub(super) const BOLD: Style = Style::new().bold();
pub(super) const PASS: Style = AnsiColor::Green.on_default().bold();

pub(super) struct Painter {
    pub(super) color: bool,
}

impl Painter {
    pub(super) fn paint(&self, style: Style, text: &str) -> String {
        if self.color {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_string()
        }
    }
}

/// "Who publishes what" lists each package up to this many packages in a lockfile; above,
/// it folds them by publisher (`--verbose` lists each).
pub const FOLD_ABOVE: usize = 40;

/// Packages named per folded publisher or shared cause before "… and N more".
const NAMES_SHOWN: usize = 8;

/// Renders the human report; `color` adds ANSI styles.
pub fn render(report: &Report, color: bool) -> String {
    render_view(
        report,
        View {
            color,
            ..View::default()
        },
    )
}

/// Renders the human report as `view` says.
pub fn render_view(report: &Report, view: View) -> String {
    let p = Painter { color: view.color };
    let mut out = String::new();
    let findings = report.findings();

    let mut lockfiles: Vec<_> = report.lockfiles().iter().collect();
    lockfiles.sort_by(|a, b| a.path.cmp(&b.path));
    lockfiles.dedup_by(|a, b| a.path == b.path);
    for lockfile in lockfiles {
        let own: Vec<&Finding> = findings
            .iter()
            .filter(|f| f.lockfile.as_deref() == Some(lockfile.path.as_path()))
            .collect();
        let _ = writeln!(
            out,
            "{} ({}, {})",
            p.paint(BOLD, &sanitize(&path(&lockfile.path))),
            lockfile.format,
            plural(lockfile.packages.len(), "package")
        );
        write_publishers(&mut out, &p, lockfile, view.verbose);
        if own.is_empty() {
            let _ = writeln!(out, "  no findings");
        } else {
            let _ = writeln!(out, "  {}", p.paint(BOLD, "findings:"));
        }
        let mut current: Option<String> = None;
        let mut singles = Vec::new();
        for item in group::group(report, &own) {
            match item {
                Item::Shared(shared) => write_shared(&mut out, &p, &shared, view.verbose),
                Item::One(finding) => singles.push(finding),
            }
        }
        for finding in singles {
            let spec = finding.package_spec();
            if current.as_deref() != Some(spec.as_str()) {
                // Findings about the lockfile as a whole (its sources, its emptiness) have
                // no package to head them.
                let header = if spec.is_empty() {
                    "(the lockfile)".to_string()
                } else {
                    sanitize(&spec)
                };
                let _ = writeln!(out, "   {}", p.paint(BOLD, &header));
                current = Some(spec);
            }
            let _ = writeln!(out, "     {}", line(&p, finding));
        }
        out.push('\n');
    }

    let about_policy: Vec<&Finding> = findings.iter().filter(|f| f.lockfile.is_none()).collect();
    write_policy_findings(&mut out, &p, report.policy(), &about_policy);

    let s = report.summary();
    let _ = writeln!(
        out,
        "{}, {}: {} verified, {} without provenance, {} invalid, {} unavailable, {} not applicable",
        plural(s.packages, "package"),
        plural(s.artifacts, "file"),
        s.verified,
        s.absent,
        s.invalid,
        s.unavailable,
        s.not_applicable
    );
    let _ = writeln!(
        out,
        "findings: {} deny, {} warn, {} exempted; policy: {}",
        s.deny,
        s.warn,
        s.exempted,
        sanitize(&report.policy().to_string())
    );
    let by_rule: Vec<String> = report
        .rule_counts()
        .iter()
        .map(|(rule, count)| format!("{} {} {}", rule.code(), rule.slug(), count.describe()))
        .collect();
    if !by_rule.is_empty() {
        let _ = writeln!(out, "by rule: {}", by_rule.join("; "));
    }
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

/// Who publishes each package of a lockfile, one aligned line per release: the verified
/// identity (from the certificate), or what stands instead of one (a package moved to git or
/// a local path says so here rather than vanishing from the list). Above [`FOLD_ABOVE`]
/// packages, unless `verbose`, one line per publisher with the packages it publishes.
fn write_publishers(out: &mut String, p: &Painter, lockfile: &LockfileEvidence, verbose: bool) {
    if lockfile.packages.len() > FOLD_ABOVE && !verbose {
        write_folded_publishers(out, p, lockfile);
        return;
    }
    let mut rows: Vec<(String, String)> = lockfile
        .packages
        .iter()
        .map(|package| {
            (
                sanitize(&package_spec(package)),
                sanitize(&publishers(package)),
            )
        })
        .collect();
    if rows.is_empty() {
        return;
    }
    rows.sort();
    rows.dedup();
    let width = rows
        .iter()
        .map(|(spec, _)| spec.chars().count())
        .max()
        .unwrap_or(0);
    let _ = writeln!(out, "  {}", p.paint(BOLD, "who publishes what:"));
    for (spec, who) in rows {
        let _ = writeln!(out, "    {spec:<width$}  {who}");
    }
}

/// "Who publishes what" folded: one line per publisher (or status), the largest first.
fn write_folded_publishers(out: &mut String, p: &Painter, lockfile: &LockfileEvidence) {
    let mut by_label: std::collections::BTreeMap<String, Vec<String>> = Default::default();
    for package in &lockfile.packages {
        by_label
            .entry(sanitize(&publisher_label(package)))
            .or_default()
            .push(sanitize(&package_spec(package)));
    }
    let mut rows: Vec<(String, Vec<String>)> = by_label.into_iter().collect();
    for (_, specs) in &mut rows {
        specs.sort();
        specs.dedup();
    }
    rows.sort_by(|a, b| b.1.len().cmp(&a.1.len()).then_with(|| a.0.cmp(&b.0)));
    let _ = writeln!(
        out,
        "  {} ({}, by publisher; `--verbose` lists each)",
        p.paint(BOLD, "who publishes what:"),
        plural(lockfile.packages.len(), "package")
    );
    for (label, specs) in rows {
        let shown: Vec<&str> = specs.iter().take(NAMES_SHOWN).map(String::as_str).collect();
        let more = match specs.len().saturating_sub(NAMES_SHOWN) {
            0 => String::new(),
            n => format!(", … and {n} more"),
        };
        let _ = writeln!(
            out,
            "    {label}: {}: {}{more}",
            plural(specs.len(), "package"),
            shown.join(", ")
        );
    }
}

/// Findings that share one cause: one line for all, then the packages they cover.
fn write_shared(out: &mut String, p: &Painter, shared: &SharedGroup<'_>, verbose: bool) {
    let (label, style) = match (shared.exempted, shared.level) {
        (true, _) => ("exempt", EXEMPT),
        (false, Level::Deny) => ("deny", DENY),
        (false, _) => ("warn", WARN),
    };
    let count = plural(shared.findings.len(), "package");
    let _ = writeln!(out, "   {}", p.paint(BOLD, &format!("{count}, one cause:")));
    let tail = match shared.findings.first().and_then(|f| f.exempted_by.as_ref()) {
        Some(e) => format!(
            " ({}, exempted by {}: {})",
            shared.level,
            sanitize(&location(&e.location)),
            sanitize(&e.reason)
        ),
        None => format!("; fix: {}", sanitize(&shared.fix)),
    };
    let _ = writeln!(
        out,
        "     {} {} {}  {count}  could not get provenance: {}{tail}",
        p.paint(style, &format!("{label:<6}")),
        p.paint(BOLD, shared.rule.code()),
        shared.rule.slug(),
        sanitize(&shared.cause),
    );
    let (names, more) = group::members(shared, verbose, NAMES_SHOWN);
    let more = match more {
        0 => String::new(),
        n => format!(", … and {n} more (`--verbose` lists each)"),
    };
    let _ = writeln!(out, "       {}{more}", sanitize(&names.join(", ")));
}

/// The findings about the policy file itself, under a heading that names it.
pub(super) fn write_policy_findings(
    out: &mut String,
    p: &Painter,
    policy: &crate::policy::PolicySource,
    findings: &[&Finding],
) {
    if findings.is_empty() {
        return;
    }
    let heading = format!("policy ({})", sanitize(&policy.to_string()));
    let _ = writeln!(out, "{}", p.paint(BOLD, &heading));
    for finding in findings {
        let _ = writeln!(out, "    {}", line(p, finding));
    }
    out.push('\n');
}

/// One finding on one line, as the human report shows it.
pub(super) fn finding_line(f: &Finding, color: bool) -> String {
    line(&Painter { color }, f)
}

/// One finding on one line.
pub(super) fn line(p: &Painter, f: &Finding) -> String {
    let (label, style) = match (&f.exempted_by, f.level) {
        (Some(_), _) => ("exempt", EXEMPT),
        (None, Level::Deny) => ("deny", DENY),
        (None, _) => ("warn", WARN),
    };
    let mut text = format!(
        "{} {} {}",
        p.paint(style, &format!("{label:<6}")),
        p.paint(BOLD, f.rule.code()),
        f.rule.slug()
    );
    let spec = f.package_spec();
    if !spec.is_empty() {
        text.push_str(&format!("  {}", sanitize(&spec)));
    }
    text.push_str(&format!(
        "  {}  {}",
        sanitize(&location(&f.location)),
        sanitize(&f.message)
    ));
    match &f.exempted_by {
        Some(e) => text.push_str(&format!(
            " ({}, exempted by {}: {})",
            f.level,
            sanitize(&location(&e.location)),
            sanitize(&e.reason)
        )),
        None => {
            // Where a level other than the rule's default came from, so a reader can
            // tell a policy choice from pubgate's default.
            if let Some(level) = f.related.iter().find(|r| r.role == RelatedRole::Level) {
                text.push_str(&format!(
                    " [{} set at {}]",
                    f.level,
                    sanitize(&location(&level.location))
                ));
            }
            text.push_str(&format!("; fix: {}", sanitize(&f.fix)))
        }
    }
    text
}
