//! The audit report (`pubgate audit`): the audited projects, the findings and the verdict
//! (decided as for a check, by [`Report::new`]), and its renderers. SARIF and the GitHub
//! annotations are the check's renderers over the same findings.

mod human;
mod json;
mod markdown;

use super::{defuse_workflow_commands, Format, Outcome, Report};
use crate::audit::{remediation, PageStatus, ProjectEvidence, ProjectSummary, Remediation, Window};
use crate::evaluate::{evaluate_audit, Finding};
use crate::lockfile::Location;
use crate::policy::{Policy, PolicySource};
use crate::rules::Level;

pub(crate) use json::seconds;
pub use json::SCHEMA;

/// Everything an audit renderer needs, and the verdict.
#[derive(Debug, Clone)]
pub struct AuditReport {
    projects: Vec<ProjectEvidence>,
    /// Per project (same order), its `[[project]]` declaration, when the policy has one.
    declarations: Vec<Option<Declaration>>,
    window: Window,
    /// The findings as a check report without lockfiles: the verdict is decided there, and
    /// SARIF and GitHub annotations render from it.
    findings: Report,
}

/// Where a project is declared and the publishers declared for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declaration {
    pub location: Location,
    /// Each declared publisher as the policy would say it.
    pub publishers: Vec<String>,
}

/// Counts over the audited projects and the findings.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AuditSummary {
    pub projects: usize,
    pub releases_examined: usize,
    pub releases_trusted: usize,
    pub files_examined: usize,
    pub files_verified: usize,
    pub deny: usize,
    pub warn: usize,
    pub exempted: usize,
}

impl AuditReport {
    /// Judges `projects` against `policy` on `today` (UTC) and builds the report.
    pub fn audit(
        projects: Vec<ProjectEvidence>,
        policy: &Policy,
        today: jiff::civil::Date,
        window: Window,
        deny_warnings: bool,
    ) -> AuditReport {
        let findings = evaluate_audit(&projects, policy, today, &window);
        let declarations = projects
            .iter()
            .map(|project| {
                policy
                    .project(&project.name)
                    .map(|(entry, name)| Declaration {
                        location: Location {
                            path: policy.source.path(),
                            line: name.position.line,
                        },
                        publishers: entry.publishers.iter().map(ToString::to_string).collect(),
                    })
            })
            .collect();
        AuditReport {
            projects,
            declarations,
            window,
            findings: Report::new(Vec::new(), policy.source.clone(), findings, deny_warnings),
        }
    }

    /// The verdict. Every renderer and the exit code read this.
    pub fn outcome(&self) -> Outcome {
        self.findings.outcome()
    }

    pub fn projects(&self) -> &[ProjectEvidence] {
        &self.projects
    }

    /// Each project with its declaration, in audit order.
    pub fn declared(&self) -> impl Iterator<Item = (&ProjectEvidence, Option<&Declaration>)> {
        self.projects
            .iter()
            .zip(self.declarations.iter().map(Option::as_ref))
    }

    pub fn window(&self) -> &Window {
        &self.window
    }

    pub fn findings(&self) -> &[Finding] {
        self.findings.findings()
    }

    pub fn policy(&self) -> &PolicySource {
        self.findings.policy()
    }

    pub fn deny_warnings(&self) -> bool {
        self.findings.deny_warnings()
    }

    /// Projects still publishing with tokens, the most recent release first.
    pub fn remediation(&self) -> Vec<Remediation> {
        remediation(&self.projects)
    }

    /// The findings about `project` (by PEP 503 name).
    pub fn findings_about<'a>(
        &'a self,
        project: &'a ProjectEvidence,
    ) -> impl Iterator<Item = &'a Finding> {
        self.findings()
            .iter()
            .filter(move |f| f.package.as_ref() == Some(&project.name))
    }

    pub fn summary(&self) -> AuditSummary {
        let mut s = AuditSummary {
            projects: self.projects.len(),
            ..AuditSummary::default()
        };
        for project in &self.projects {
            if let PageStatus::Found(listing) = &project.page {
                let p = ProjectSummary::of(listing);
                s.releases_examined += p.releases_examined;
                s.releases_trusted += p.releases_trusted;
                s.files_examined += p.files_examined;
                s.files_verified += p.files_verified;
            }
        }
        for finding in self.findings() {
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

/// Renders `report` in `format`; `color` only affects the human format. As for a check,
/// no text carries a `##[` workflow command.
pub fn render(report: &AuditReport, format: Format, color: bool) -> String {
    let text = match format {
        Format::Human => human::render(report, color),
        Format::Json => json::render(report),
        Format::Sarif => super::sarif::render(&report.findings),
        Format::Github => github(report),
        Format::Markdown => markdown::render(report),
        Format::Cyclonedx => super::cyclonedx::render_audit(report),
    };
    defuse_workflow_commands(
        &text,
        matches!(format, Format::Json | Format::Sarif | Format::Cyclonedx),
    )
}

/// The check's annotations over the audit's findings, then an audit summary line.
fn github(report: &AuditReport) -> String {
    let annotations = super::github::render(&report.findings);
    // The check's last line counts packages; an audit counts projects and releases.
    let mut lines: Vec<&str> = annotations.lines().collect();
    lines.pop();
    let s = report.summary();
    let mut out: String = lines.iter().map(|l| format!("{l}\n")).collect();
    out.push_str(&format!(
        "pubgate audit: {} ({} deny, {} warn, {} exempted; {}, {} examined, {} through Trusted Publishing; policy: {})\n",
        report.outcome().as_str().to_uppercase(),
        s.deny,
        s.warn,
        s.exempted,
        super::text::plural(s.projects, "project"),
        super::text::plural(s.releases_examined, "release"),
        s.releases_trusted,
        super::sanitize(&report.policy().to_string())
    ));
    out
}

/// `n%` of `part` in `whole` (rounded down), `–` when `whole` is zero.
pub(crate) fn percent(part: usize, whole: usize) -> String {
    match whole {
        0 => "–".to_string(),
        _ => format!("{}%", part * 100 / whole),
    }
}
