//! The report: evidence, findings and the verdict (computed once, here), and the
//! renderers that present it to people (human, markdown), machines (json, sarif) and
//! GitHub (workflow-command annotations). Renderers only read a [`Report`].

pub mod explain;
pub mod github;
pub mod human;
pub mod json;
pub mod markdown;
mod output;
pub mod sarif;
mod text;

pub use output::{deliver, use_color, Destination, OutputError};
pub use text::{defuse_workflow_commands, sanitize, sanitize_lines};

use std::fmt;

use crate::evaluate::{evaluate, Finding};
use crate::evidence::{LockfileEvidence, ProvenanceStatus};
use crate::policy::{Policy, PolicySource};
use crate::rules::Level;

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

/// The output formats of `pubgate check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Human,
    Json,
    Sarif,
    Github,
    Markdown,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Markdown,
    ];
}

/// Renders `report` in `format`. `color` only affects the human format.
///
/// Whatever the format, the text never carries a `##[` (a legacy workflow command the
/// GitHub Actions runner would run from any line of a log): see
/// [`defuse_workflow_commands`].
pub fn render(report: &Report, format: Format, color: bool) -> String {
    let text = match format {
        Format::Human => human::render(report, color),
        Format::Json => json::render(report),
        Format::Sarif => sarif::render(report),
        Format::Github => github::render(report),
        Format::Markdown => markdown::render(report),
    };
    defuse_workflow_commands(&text, matches!(format, Format::Json | Format::Sarif))
}
