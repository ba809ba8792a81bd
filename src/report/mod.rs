//! The report: evidence, findings and the verdict (computed once, here), and the
//! renderers that present it to people (human, markdown), machines (json, sarif) and
//! GitHub (workflow-command annotations). Renderers only read a [`Report`].

pub mod audit;
pub mod cyclonedx;
pub mod diff;
pub mod excerpt;
pub mod explain;
pub mod github;
pub mod group;
pub mod human;
pub mod inspect;
pub mod json;
pub mod lock;
pub mod markdown;
mod output;
pub mod sarif;
mod text;
pub mod verify;
mod wire;

pub use output::{deliver, deliver_rendered, use_color, write_stdout, Destination, OutputError};
pub use text::{defuse_workflow_commands, sanitize, sanitize_lines};
pub use text::{plural, publisher_label, publishers};

use std::fmt;

use crate::evaluate::{evaluate, Finding};
use crate::evidence::{LockfileEvidence, ProvenanceStatus};
use crate::policy::{Policy, PolicySource};
use crate::rules::{Level, Rule};

/// The verdict of a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// No finding at `deny` (nor at `warn` under `--deny-warnings`) outside exemptions.
    Pass,
    /// At least one such finding.
    Fail,
}

impl Outcome {
    /// `pass` or `fail`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
        }
    }

    /// The process exit code: 0 pass, 1 fail (2, could not judge, never comes from a report).
    pub fn exit_code(self) -> u8 {
        match self {
            Outcome::Pass => 0,
            Outcome::Fail => 1,
        }
    }
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Counts over the evidence and the findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Summary {
    pub lockfiles: usize,
    pub packages: usize,
    pub artifacts: usize,
    pub verified: usize,
    pub absent: usize,
    pub invalid: usize,
    pub unavailable: usize,
    pub not_applicable: usize,
    /// Findings at `deny`, not exempted.
    pub deny: usize,
    /// Findings at `warn`, not exempted.
    pub warn: usize,
    /// Findings covered by an exemption.
    pub exempted: usize,
}

/// Everything a renderer needs, and the verdict.
#[derive(Debug, Clone)]
pub struct Report {
    policy: PolicySource,
    lockfiles: Vec<LockfileEvidence>,
    findings: Vec<Finding>,
    deny_warnings: bool,
    outcome: Outcome,
}

impl Report {
    /// Evaluates `lockfiles` against `policy` on `today` (UTC) and builds the report.
    pub fn check(
        lockfiles: Vec<LockfileEvidence>,
        policy: &Policy,
        today: jiff::civil::Date,
        deny_warnings: bool,
    ) -> Report {
        let findings = evaluate(&lockfiles, policy, today);
        Report::new(lockfiles, policy.source.clone(), findings, deny_warnings)
    }

    /// Builds a report from findings already evaluated; the verdict is decided here, once.
    pub fn new(
        lockfiles: Vec<LockfileEvidence>,
        policy: PolicySource,
        findings: Vec<Finding>,
        deny_warnings: bool,
    ) -> Report {
        let fails = |f: &Finding| {
            f.is_active() && (f.level == Level::Deny || (deny_warnings && f.level == Level::Warn))
        };
        let outcome = if findings.iter().any(fails) {
            Outcome::Fail
        } else {
            Outcome::Pass
        };
        Report {
            policy,
            lockfiles,
            findings,
            deny_warnings,
            outcome,
        }
    }

    /// The verdict. Every renderer and the exit code read this.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    pub fn policy(&self) -> &PolicySource {
        &self.policy
    }

    pub fn lockfiles(&self) -> &[LockfileEvidence] {
        &self.lockfiles
    }

    /// Every reported finding, exempted ones included, in evaluation order.
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    pub fn deny_warnings(&self) -> bool {
        self.deny_warnings
    }

    pub fn summary(&self) -> Summary {
        let mut s = Summary {
            lockfiles: self.lockfiles.len(),
            ..Summary::default()
        };
        for package in self.lockfiles.iter().flat_map(|l| &l.packages) {
            s.packages += 1;
            for artifact in &package.artifacts {
                s.artifacts += 1;
                match artifact.provenance {
                    ProvenanceStatus::Verified(_) => s.verified += 1,
                    ProvenanceStatus::Absent => s.absent += 1,
                    ProvenanceStatus::Invalid { .. } => s.invalid += 1,
                    ProvenanceStatus::Unavailable { .. } => s.unavailable += 1,
                    ProvenanceStatus::NotApplicable => s.not_applicable += 1,
                }
            }
        }
        for finding in &self.findings {
            match (finding.is_active(), finding.level) {
                (false, _) => s.exempted += 1,
                (true, Level::Deny) => s.deny += 1,
                (true, Level::Warn) => s.warn += 1,
                (true, Level::Allow) => {}
            }
        }
        s
    }
}

/// Findings of one rule, by how they count.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RuleCount {
    pub deny: usize,
    pub warn: usize,
    pub exempted: usize,
}

impl RuleCount {
    /// `449 deny, 2 exempted` (the non-zero counts).
    pub fn describe(&self) -> String {
        let parts: Vec<String> = [
            (self.deny, "deny"),
            (self.warn, "warn"),
            (self.exempted, "exempted"),
        ]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
        parts.join(", ")
    }
}

impl Report {
    /// The findings counted per rule, in code order (rules without findings left out).
    pub fn rule_counts(&self) -> Vec<(Rule, RuleCount)> {
        let mut counts: std::collections::BTreeMap<Rule, RuleCount> = Default::default();
        for f in &self.findings {
            let count = counts.entry(f.rule).or_default();
            match (f.is_active(), f.level) {
                (false, _) => count.exempted += 1,
                (true, Level::Deny) => count.deny += 1,
                (true, Level::Warn) => count.warn += 1,
                (true, Level::Allow) => {}
            }
        }
        counts.into_iter().collect()
    }
}

/// How a report is shown: never what it decides.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct View {
    /// ANSI styles (the human format only).
    pub color: bool,
    /// Show everything: every package of "who publishes what" and of a shared cause, and
    /// every finding as an annotation line of its own where a format would fold them.
    pub verbose: bool,
    /// The Markdown is a GitHub step summary written beside `--format github` annotations
    /// (it then says that the step's log holds every finding).
    pub step_summary: bool,
}

/// The output formats of `pubgate check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Markdown,
    /// CycloneDX 1.6 JSON (`docs/cyclonedx.md`).
    Cyclonedx,
}

impl Format {
    pub const ALL: [Format; 6] = [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Markdown,
        Format::Cyclonedx,
    ];
}

/// Renders `report` in `format`. `color` only affects the human format.
///
/// Whatever the format, the text never carries a `##[` (a legacy workflow command the
/// GitHub Actions runner would run from any line of a log): see
/// [`defuse_workflow_commands`].
pub fn render(report: &Report, format: Format, color: bool) -> String {
    render_view(
        report,
        format,
        View {
            color,
            ..View::default()
        },
    )
}

/// [`render`] with every presentation choice of a [`View`].
pub fn render_view(report: &Report, format: Format, view: View) -> String {
    let text = match format {
        Format::Human => human::render_view(report, view),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render_view(report, view),
        Format::Markdown => markdown::render_view(report, view),
        Format::Cyclonedx => cyclonedx::render(report),
    };
    defuse_workflow_commands(
        &text,
        matches!(format, Format::Json | Format::Sarif | Format::Cyclonedx),
    )
}
