//! `pubgate inspect`'s output: who published each file of one release (and of the release
//! it is compared with), for people and as JSON (schema 1) with its own wire types.

use std::fmt::Write as _;

use serde::Serialize;

use super::wire::Publisher;
use crate::evidence::{ArtifactEvidence, History, PackageEvidence, ProvenanceStatus};
use crate::verify::VerifiedPublisher;

/// The human form, sanitized (filenames and causes come from the index).
pub fn human(evidence: &PackageEvidence) -> String {
    super::sanitize_lines(&human_text(evidence))
}

/// The JSON form, pretty-printed with a trailing newline.
pub fn json(evidence: &PackageEvidence) -> Result<String, serde_json::Error> {
    let text = serde_json::to_string_pretty(&Inspect::from(evidence))?;
    Ok(format!(
        "{}\n",
        super::defuse_workflow_commands(&text, true)
    ))
}

fn status_line(status: &ProvenanceStatus) -> String {
    match status {
        ProvenanceStatus::Verified(_) => "verified".into(),
        ProvenanceStatus::Absent => "none (the index has no provenance for this file)".into(),
        ProvenanceStatus::Invalid { reason, detail } => {
            format!("INVALID ({}): {detail}", reason.as_str())
        }
        ProvenanceStatus::Unavailable { cause } => format!("unavailable: {cause}"),
        ProvenanceStatus::NotApplicable => "not applicable".into(),
    }
}

fn publisher_summary(publisher: &VerifiedPublisher) -> String {
    let mut parts = vec![publisher.kind.to_string()];
    for value in [
        &publisher.repository,
        &publisher.workflow,
        &publisher.workflow_filepath,
        &publisher.email,
    ]
    .into_iter()
    .flatten()
    {
        parts.push(value.clone());
    }
    parts.join(" ")
}

fn human_artifact(out: &mut String, artifact: &ArtifactEvidence) {
    let name = artifact.filename.as_deref().unwrap_or("(no file)");
    let _ = writeln!(out, "  {name}");
    let _ = writeln!(
        out,
        "    provenance   {}",
        status_line(&artifact.provenance)
    );
    let Some(verified) = artifact.provenance.verified() else {
        return;
    };
    let p = &verified.publisher;
    let _ = writeln!(out, "    publisher    {}", publisher_summary(p));
    let rows = [
        ("repository", &p.repository),
        ("workflow", &p.workflow),
        ("workflow file", &p.workflow_filepath),
        ("email", &p.email),
        ("ref", &p.git_ref),
        ("commit", &p.commit),
    ];
    for (label, value) in rows {
        if let Some(value) = value {
            let _ = writeln!(out, "    {label:<12} {value}");
        }
    }
    let environment = match p.environment.as_deref() {
        Some(env) if !env.is_empty() => {
            format!("{env} (claimed by the index; not in the certificate)")
        }
        _ => "none claimed".into(),
    };
    let _ = writeln!(out, "    environment  {environment}");
}

fn human_text(evidence: &PackageEvidence) -> String {
    let mut out = String::new();
    let version = evidence.package.version.as_deref().unwrap_or("");
    let index = evidence
        .index_url
        .as_ref()
        .map(|u| u.to_string())
        .unwrap_or_default();
    let _ = writeln!(out, "{} {version} on {index}", evidence.package.name);
    let verified = evidence
        .artifacts
        .iter()
        .filter(|a| a.provenance.verified().is_some())
        .count();
    let _ = writeln!(
        out,
        "{} file(s), {verified} with verified provenance\n",
        evidence.artifacts.len()
    );
    for artifact in &evidence.artifacts {
        human_artifact(&mut out, artifact);
    }
    match &evidence.history {
        History::Previous(previous) => {
            let yanked = if previous.yanked { " (yanked)" } else { "" };
            let _ = writeln!(
                out,
                "\nprevious release with provenance {}{yanked}",
                previous.version
            );
            if !previous.passed_over.is_empty() {
                let _ = writeln!(
                    out,
                    "  passed over, without provenance: {}",
                    previous.passed_over.join(", ")
                );
            }
            for artifact in &previous.artifacts {
                let publisher = artifact
                    .provenance
                    .verified()
                    .map(|v| format!("  {}", publisher_summary(&v.publisher)))
                    .unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  {}  {}{publisher}",
                    artifact.filename.as_deref().unwrap_or("(no file)"),
                    artifact.provenance.slug()
                );
            }
        }
        History::FirstRelease => {
            let _ = writeln!(out, "\nprevious release: none (this is the first release)");
        }
        History::NoAttestedRelease { passed_over } => {
            let _ = writeln!(
                out,
                "\nprevious release with provenance: none (earlier releases without provenance: {})",
                passed_over.join(", ")
            );
        }
        History::Unavailable { cause } => {
            let _ = writeln!(out, "\nprevious release: unknown ({cause})");
        }
        History::NotApplicable => {}
    }
    out
}

#[derive(Serialize)]
struct Inspect<'a> {
    schema: u32,
    name: &'a str,
    version: Option<&'a str>,
    index: Option<String>,
    files: Vec<File<'a>>,
    previous: Earlier<'a>,
}

#[derive(Serialize)]
struct File<'a> {
    filename: &'a str,
    sha256: Option<&'a str>,
    provenance: &'static str,
    reason: Option<&'static str>,
    publisher: Option<Publisher<'a>>,
    attestations: Option<usize>,
    detail: Option<String>,
}

#[derive(Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
enum Earlier<'a> {
    Previous {
        version: &'a str,
        yanked: bool,
        passed_over: &'a [String],
        files: Vec<File<'a>>,
    },
    FirstRelease,
    NoAttestedRelease {
        passed_over: &'a [String],
    },
    Unavailable {
        cause: String,
    },
    NotApplicable,
}

impl<'a> From<&'a ArtifactEvidence> for File<'a> {
    fn from(artifact: &'a ArtifactEvidence) -> Self {
        let (detail, reason) = match &artifact.provenance {
            ProvenanceStatus::Invalid { reason, detail } => {
                (Some(detail.clone()), Some(reason.as_str()))
            }
            ProvenanceStatus::Unavailable { cause } => (Some(cause.to_string()), None),
            _ => (None, None),
        };
        let verified = artifact.provenance.verified();
        File {
            filename: artifact.filename.as_deref().unwrap_or(""),
            sha256: artifact.sha256.as_deref(),
            provenance: artifact.provenance.slug(),
            reason,
            publisher: verified.map(|v| Publisher::from(&v.publisher)),
            attestations: verified.map(|v| v.attestations.len()),
            detail,
        }
    }
}

impl<'a> From<&'a PackageEvidence> for Inspect<'a> {
    fn from(evidence: &'a PackageEvidence) -> Self {
        let previous = match &evidence.history {
            History::Previous(previous) => Earlier::Previous {
                version: &previous.version,
                yanked: previous.yanked,
                passed_over: &previous.passed_over,
                files: previous.artifacts.iter().map(File::from).collect(),
            },
            History::FirstRelease => Earlier::FirstRelease,
            History::NoAttestedRelease { passed_over } => {
                Earlier::NoAttestedRelease { passed_over }
            }
            History::Unavailable { cause } => Earlier::Unavailable {
                cause: cause.to_string(),
            },
            History::NotApplicable => Earlier::NotApplicable,
        };
        Inspect {
            schema: 1,
            name: &evidence.package.name,
            version: evidence.package.version.as_deref(),
            index: evidence.index_url.as_ref().map(ToString::to_string),
            files: evidence.artifacts.iter().map(File::from).collect(),
            previous,
        }
    }
}
