//! The JSON audit report, schema 1 (`docs/audit-report-schema.json`). These wire structs are
//! the contract; findings have the same shape as in the check's JSON report.

use serde::Serialize;

use super::AuditReport;
use crate::audit::{FileEvidence, PageStatus, ProjectEvidence, ProjectSummary, ReleaseEvidence};
use crate::evaluate::Finding;
use crate::evidence::ProvenanceStatus;
use crate::lockfile::Location;
use crate::verify::{VerifiedAttestation, VerifiedPublisher};

/// The JSON audit report's schema number.
pub const SCHEMA: u32 = 1;

#[derive(Serialize)]
struct JsonAudit {
    schema: u32,
    /// Always `audit`: tells this report from a check's.
    report: &'static str,
    tool: Tool,
    outcome: &'static str,
    deny_warnings: bool,
    policy: JsonPolicy,
    window: JsonWindow,
    summary: JsonSummary,
    projects: Vec<JsonProject>,
    remediation: Vec<JsonRemediation>,
    findings: Vec<JsonFinding>,
}

#[derive(Serialize)]
struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
struct JsonPolicy {
    source: &'static str,
    path: Option<String>,
}

#[derive(Serialize)]
struct JsonWindow {
    since: Option<String>,
    last: Option<usize>,
}

#[derive(Serialize)]
struct JsonSummary {
    projects: usize,
    releases_examined: usize,
    releases_trusted_publishing: usize,
    files_examined: usize,
    files_verified: usize,
    findings: JsonCounts,
}

#[derive(Serialize)]
struct JsonCounts {
    deny: usize,
    warn: usize,
    exempted: usize,
}

#[derive(Serialize)]
struct JsonLocation {
    path: String,
    line: u32,
}

impl From<&Location> for JsonLocation {
    fn from(l: &Location) -> Self {
        JsonLocation {
            path: l.path.display().to_string(),
            line: l.line,
        }
    }
}

#[derive(Serialize)]
struct JsonProject {
    name: String,
    index: String,
    /// `found`, `not-found` or `unavailable`.
    page: &'static str,
    detail: Option<String>,
    declared: Option<JsonDeclared>,
    summary: Option<JsonProjectSummary>,
    /// The releases examined, newest first.
    releases: Vec<JsonRelease>,
}

#[derive(Serialize)]
struct JsonDeclared {
    location: JsonLocation,
    publishers: Vec<String>,
}

#[derive(Serialize)]
struct JsonProjectSummary {
    releases_listed: usize,
    releases_examined: usize,
    releases_trusted_publishing: usize,
    files_examined: usize,
    files_verified: usize,
    first_attested: Option<JsonFirst>,
    latest: Option<JsonLatest>,
}

#[derive(Serialize)]
struct JsonFirst {
    version: String,
    uploaded: Option<String>,
    verified: bool,
}

#[derive(Serialize)]
struct JsonLatest {
    version: String,
    uploaded: Option<String>,
    verdict: Option<&'static str>,
}

#[derive(Serialize)]
struct JsonRelease {
    version: String,
    uploaded: Option<String>,
    yanked: bool,
    /// `trusted-publishing`, `no-provenance`, `mixed`, `invalid` or `unavailable`.
    verdict: &'static str,
    files: Vec<JsonFile>,
}

#[derive(Serialize)]
struct JsonFile {
    filename: String,
    sha256: Option<String>,
    uploaded: Option<String>,
    yanked: bool,
    /// `verified`, `absent`, `invalid` or `unavailable`.
    provenance: &'static str,
    publisher: Option<JsonPublisher>,
    attestations: Vec<JsonAttestation>,
    reason: Option<&'static str>,
    detail: Option<String>,
}

#[derive(Serialize)]
struct JsonPublisher {
    kind: &'static str,
    repository: Option<String>,
    workflow: Option<String>,
    workflow_filepath: Option<String>,
    email: Option<String>,
    #[serde(rename = "ref")]
    git_ref: Option<String>,
    commit: Option<String>,
    project_id: Option<String>,
    pipeline_definition_id: Option<String>,
    /// PyPI's claim: the certificate does not carry the environment.
    environment: Option<String>,
}

impl From<&VerifiedPublisher> for JsonPublisher {
    fn from(p: &VerifiedPublisher) -> Self {
        JsonPublisher {
            kind: p.kind.as_str(),
            repository: p.repository.clone(),
            workflow: p.workflow.clone(),
            workflow_filepath: p.workflow_filepath.clone(),
            email: p.email.clone(),
            git_ref: p.git_ref.clone(),
            commit: p.commit.clone(),
            project_id: p.project_id.clone(),
            pipeline_definition_id: p.pipeline_definition_id.clone(),
            environment: p.environment.clone(),
        }
    }
}

#[derive(Serialize)]
struct JsonAttestation {
    certificate_identity: Option<String>,
    issuer: Option<String>,
    log_index: Option<u64>,
    integrated_time: String,
    predicate_type: String,
}

impl From<&VerifiedAttestation> for JsonAttestation {
    fn from(a: &VerifiedAttestation) -> Self {
        JsonAttestation {
            certificate_identity: a.publisher.san.clone(),
            issuer: a.publisher.issuer.clone(),
            log_index: a.log_index,
            integrated_time: seconds(a.signed_at),
            predicate_type: a.predicate_type.clone(),
        }
    }
}

#[derive(Serialize)]
struct JsonRemediation {
    project: String,
    latest_version: String,
    latest_uploaded: Option<String>,
    /// `never-attested` or `latest-without-provenance`.
    reason: &'static str,
    message: &'static str,
    help: &'static str,
}

#[derive(Serialize)]
struct JsonFinding {
    code: &'static str,
    rule: &'static str,
    level: &'static str,
    package: Option<String>,
    version: Option<String>,
    artifact: Option<String>,
    message: String,
    help: String,
    docs: String,
    location: JsonLocation,
    exempted_by: Option<JsonExemption>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related: Vec<JsonRelated>,
}

#[derive(Serialize)]
struct JsonRelated {
    location: JsonLocation,
    message: &'static str,
}

#[derive(Serialize)]
struct JsonExemption {
    location: JsonLocation,
    reason: String,
    expires: Option<String>,
}

/// RFC 3339 in UTC, to the second.
fn time(at: jiff::Timestamp) -> String {
    at.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// Unix seconds as RFC 3339 (UTC); the number itself when out of range.
pub(crate) fn seconds(at: i64) -> String {
    jiff::Timestamp::from_second(at).map_or_else(|_| at.to_string(), time)
}

fn file(f: &FileEvidence) -> JsonFile {
    let (publisher, attestations, reason, detail) = match &f.provenance {
        Some(ProvenanceStatus::Verified(v)) => (
            Some(JsonPublisher::from(&v.publisher)),
            v.attestations.iter().map(JsonAttestation::from).collect(),
            None,
            None,
        ),
        Some(ProvenanceStatus::Invalid { reason, detail }) => (
            None,
            Vec::new(),
            Some(reason.as_str()),
            Some(detail.clone()),
        ),
        Some(ProvenanceStatus::Unavailable { cause }) => {
            (None, Vec::new(), None, Some(cause.to_string()))
        }
        _ => (None, Vec::new(), None, None),
    };
    JsonFile {
        filename: f.filename.clone(),
        sha256: f.sha256.clone(),
        uploaded: f.uploaded.map(time),
        yanked: f.yanked,
        provenance: f
            .provenance
            .as_ref()
            .map_or("unavailable", ProvenanceStatus::slug),
        publisher,
        attestations,
        reason,
        detail,
    }
}

fn release(r: &ReleaseEvidence) -> JsonRelease {
    JsonRelease {
        version: r.version.clone(),
        uploaded: r.first_upload().map(time),
        yanked: r.yanked(),
        verdict: r.verdict().map_or("unavailable", |v| v.slug()),
        files: r.files.iter().map(file).collect(),
    }
}

fn project(p: &ProjectEvidence, declared: Option<&super::Declaration>) -> JsonProject {
    let (page, detail, summary, releases) = match &p.page {
        PageStatus::Found(listing) => {
            let s = ProjectSummary::of(listing);
            (
                "found",
                None,
                Some(JsonProjectSummary {
                    releases_listed: s.releases_listed,
                    releases_examined: s.releases_examined,
                    releases_trusted_publishing: s.releases_trusted,
                    files_examined: s.files_examined,
                    files_verified: s.files_verified,
                    first_attested: s.first_attested.map(|f| JsonFirst {
                        version: f.version,
                        uploaded: f.uploaded.map(time),
                        verified: f.verified,
                    }),
                    latest: s.latest.map(|l| JsonLatest {
                        version: l.version,
                        uploaded: l.uploaded.map(time),
                        verdict: l.verdict.map(|v| v.slug()),
                    }),
                }),
                listing
                    .releases
                    .iter()
                    .rev()
                    .filter(|r| r.examined)
                    .map(release)
                    .collect(),
            )
        }
        PageStatus::NotFound { index } => (
            "not-found",
            Some(format!(
                "the index `{}` has no such project",
                index.trimmed()
            )),
            None,
            Vec::new(),
        ),
        PageStatus::Unavailable(cause) => {
            ("unavailable", Some(cause.to_string()), None, Vec::new())
        }
    };
    JsonProject {
        name: p.name.to_string(),
        index: p.index_url.redacted(),
        page,
        detail,
        declared: declared.map(|d| JsonDeclared {
            location: JsonLocation::from(&d.location),
            publishers: d.publishers.clone(),
        }),
        summary,
        releases,
    }
}

fn finding(f: &Finding) -> JsonFinding {
    JsonFinding {
        code: f.rule.code(),
        rule: f.rule.slug(),
        level: f.level.as_str(),
        package: f.package.as_ref().map(ToString::to_string),
        version: f.version.clone(),
        artifact: f.artifact.clone(),
        message: f.message.clone(),
        help: f.fix.clone(),
        docs: f.rule.docs_url(),
        location: JsonLocation::from(&f.location),
        exempted_by: f.exempted_by.as_ref().map(|e| JsonExemption {
            location: JsonLocation::from(&e.location),
            reason: e.reason.clone(),
            expires: e.expires.map(|d| d.to_string()),
        }),
        related: f
            .related
            .iter()
            .map(|r| JsonRelated {
                location: JsonLocation::from(&r.location),
                message: r.role.describe(),
            })
            .collect(),
    }
}

/// Renders the JSON audit report (pretty-printed, trailing newline).
pub(super) fn render(report: &AuditReport) -> String {
    let s = report.summary();
    let policy = report.policy();
    let wire = JsonAudit {
        schema: SCHEMA,
        report: "audit",
        tool: Tool {
            name: "pubgate",
            version: env!("CARGO_PKG_VERSION"),
        },
        outcome: report.outcome().as_str(),
        deny_warnings: report.deny_warnings(),
        policy: JsonPolicy {
            source: policy.kind(),
            path: match policy {
                crate::policy::PolicySource::BuiltIn => None,
                _ => Some(policy.path().display().to_string()),
            },
        },
        window: JsonWindow {
            since: report.window().since.map(time),
            last: report.window().last,
        },
        summary: JsonSummary {
            projects: s.projects,
            releases_examined: s.releases_examined,
            releases_trusted_publishing: s.releases_trusted,
            files_examined: s.files_examined,
            files_verified: s.files_verified,
            findings: JsonCounts {
                deny: s.deny,
                warn: s.warn,
                exempted: s.exempted,
            },
        },
        projects: report
            .declared()
            .map(|(p, declared)| project(p, declared))
            .collect(),
        remediation: report
            .remediation()
            .into_iter()
            .map(|r| JsonRemediation {
                project: r.project.to_string(),
                latest_version: r.latest.version,
                latest_uploaded: r.latest.uploaded.map(time),
                reason: r.why.slug(),
                message: r.why.describe(),
                help: r.why.fix(),
            })
            .collect(),
        findings: report.findings().iter().map(finding).collect(),
    };
    let mut text = serde_json::to_string_pretty(&wire).unwrap_or_default();
    text.push('\n');
    text
}
