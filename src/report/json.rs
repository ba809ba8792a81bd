//! The JSON report, schema 1 (DESIGN §6, `docs/report-schema.json`). These wire structs are
//! the contract: they are separate from the internal types, and changing them is a
//! breaking change that bumps `schema`.

use serde::Serialize;

use super::Report;
use crate::evaluate::Finding;
use crate::evidence::{ArtifactEvidence, PackageEvidence, ProvenanceStatus};
use crate::lockfile::{Location, Source};
use crate::verify::VerifiedPublisher;

/// The JSON report's schema number.
pub const SCHEMA: u32 = 1;

#[derive(Serialize)]
struct JsonReport {
    schema: u32,
    tool: Tool,
    outcome: &'static str,
    deny_warnings: bool,
    policy: JsonPolicy,
    summary: JsonSummary,
    lockfiles: Vec<JsonLockfile>,
    packages: Vec<JsonPackage>,
    findings: Vec<JsonFinding>,
}

#[derive(Serialize)]
pub(super) struct Tool {
    name: &'static str,
    version: &'static str,
}

#[derive(Serialize)]
pub(super) struct JsonPolicy {
    /// `built-in`, `file` or `pyproject`.
    source: &'static str,
    path: Option<String>,
}

#[derive(Serialize)]
struct JsonSummary {
    packages: usize,
    artifacts: usize,
    verified: usize,
    absent: usize,
    invalid: usize,
    unavailable: usize,
    not_applicable: usize,
    findings: JsonCounts,
}

#[derive(Serialize)]
struct JsonCounts {
    deny: usize,
    warn: usize,
    exempted: usize,
}

#[derive(Serialize)]
struct JsonLockfile {
    path: String,
    format: &'static str,
    packages: usize,
}

#[derive(Serialize)]
pub(super) struct JsonLocation {
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
struct JsonSource {
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    commit: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

impl From<&Source> for JsonSource {
    fn from(source: &Source) -> Self {
        let mut s = JsonSource {
            kind: source.kind(),
            url: None,
            commit: None,
            path: None,
        };
        match source {
            Source::Index { url } | Source::Url { url } => s.url = Some(url.redacted()),
            Source::Git { url, commit } => {
                s.url = Some(url.redacted());
                s.commit = commit.clone();
            }
            Source::Path { path } | Source::Editable { path } | Source::Virtual { path } => {
                s.path = Some(path.clone())
            }
        }
        s
    }
}

#[derive(Serialize)]
struct JsonPackage {
    name: String,
    version: Option<String>,
    source: JsonSource,
    location: JsonLocation,
    artifacts: Vec<JsonArtifact>,
}

#[derive(Serialize)]
struct JsonArtifact {
    filename: String,
    sha256: Option<String>,
    locked_hash: bool,
    /// `verified`, `absent`, `invalid`, `unavailable` or `not-applicable`.
    provenance: &'static str,
    publisher: Option<JsonPublisher>,
    /// Why invalid (a failure slug, `index-hash-mismatch`, `not-on-index` or `release-not-on-index`).
    reason: Option<&'static str>,
    detail: Option<String>,
    /// Locked hashes in other algorithms that bind to no examined file (`sha512:<hex>`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unbound_hashes: Vec<String>,
}

#[derive(Serialize)]
pub(super) struct JsonPublisher {
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
pub(super) struct JsonFinding {
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
    /// Other places that explain the finding (present only when there are some).
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

fn artifact(a: &ArtifactEvidence) -> JsonArtifact {
    let (publisher, reason, detail) = match &a.provenance {
        ProvenanceStatus::Verified(v) => (Some(JsonPublisher::from(&v.publisher)), None, None),
        ProvenanceStatus::Absent | ProvenanceStatus::NotApplicable => (None, None, None),
        ProvenanceStatus::Invalid { reason, detail } => {
            (None, Some(reason.as_str()), Some(detail.clone()))
        }
        ProvenanceStatus::Unavailable { cause } => (None, None, Some(cause.to_string())),
    };
    JsonArtifact {
        filename: a.filename.clone().unwrap_or_default(),
        sha256: a.sha256.clone(),
        locked_hash: a.locked_hash,
        provenance: a.provenance.slug(),
        publisher,
        reason,
        detail,
        unbound_hashes: a.unbound_hashes.iter().map(ToString::to_string).collect(),
    }
}

fn package(p: &PackageEvidence) -> JsonPackage {
    JsonPackage {
        name: p.package.name.to_string(),
        version: p.package.version.clone(),
        source: JsonSource::from(&p.package.source),
        location: JsonLocation::from(&p.package.location),
        artifacts: p.artifacts.iter().map(artifact).collect(),
    }
}

pub(super) fn finding(f: &Finding) -> JsonFinding {
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

impl JsonPolicy {
    pub(super) fn of(policy: &crate::policy::PolicySource) -> JsonPolicy {
        JsonPolicy {
            source: policy.kind(),
            path: match policy {
                crate::policy::PolicySource::BuiltIn => None,
                _ => Some(policy.path().display().to_string()),
            },
        }
    }
}

impl Tool {
    pub(super) fn pubgate() -> Tool {
        Tool {
            name: "pubgate",
            version: env!("CARGO_PKG_VERSION"),
        }
    }
}

/// Renders the JSON report (pretty-printed, trailing newline).
pub fn render(report: &Report) -> String {
    let s = report.summary();
    let policy = report.policy();
    let wire = JsonReport {
        schema: SCHEMA,
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
        summary: JsonSummary {
            packages: s.packages,
            artifacts: s.artifacts,
            verified: s.verified,
            absent: s.absent,
            invalid: s.invalid,
            unavailable: s.unavailable,
            not_applicable: s.not_applicable,
            findings: JsonCounts {
                deny: s.deny,
                warn: s.warn,
                exempted: s.exempted,
            },
        },
        lockfiles: report
            .lockfiles()
            .iter()
            .map(|l| JsonLockfile {
                path: l.path.display().to_string(),
                format: l.format.as_str(),
                packages: l.packages.len(),
            })
            .collect(),
        packages: report
            .lockfiles()
            .iter()
            .flat_map(|l| &l.packages)
            .map(package)
            .collect(),
        findings: report.findings().iter().map(finding).collect(),
    };
    // Serializing plain structs of strings and numbers cannot fail.
    let mut text = serde_json::to_string_pretty(&wire).unwrap_or_default();
    text.push('\n');
    text
}
