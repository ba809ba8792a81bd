//! The JSON audit report, schema 1 (`docs/audit-report-schema.json`). These wire structs are
//! the contract; findings have the same shape as in the check's JSON report.

use serde::Serialize;

use super::AuditReport;
use crate::audit::{FileEvidence, PageStatus, ProjectEvidence, ProjectSummary, ReleaseEvidence};
use crate::evidence::ProvenanceStatus;
use crate::report::json::{finding, JsonFinding, JsonLocation, JsonPolicy, JsonPublisher, Tool};
use crate::verify::VerifiedAttestation;

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

/// Renders the JSON audit report (pretty-printed, trailing newline).
pub(super) fn render(report: &AuditReport) -> String {
    let s = report.summary();
    let policy = report.policy();
    let wire = JsonAudit {
        schema: SCHEMA,
        report: "audit",
        tool: Tool::pubgate(),
        outcome: report.outcome().as_str(),
        deny_warnings: report.deny_warnings(),
        policy: JsonPolicy::of(policy),
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
