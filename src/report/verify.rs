//! `pubgate verify`'s output: one line per attestation for people, and a JSON document
//! (schema 1, documented in docs/verification.md) whose wire types are declared here, apart
//! from the verifier's own types.

use std::io::Write;

use serde::Serialize;

use crate::verify::{
    ClaimedPublisher, DocumentKind, FailureReason, TrustRoot, VerifiedAttestation,
    VerifiedProvenance, VerifiedPublisher, VerifyError,
};

/// What `pubgate verify` checked and found.
pub struct VerifyOutcome<'a> {
    /// The input file as given.
    pub input: &'a str,
    /// What the input looked like before verification (for a failure).
    pub detected: Option<DocumentKind>,
    pub filename: &'a str,
    pub sha256: &'a str,
    pub root: &'a TrustRoot,
    pub outcome: &'a Result<(DocumentKind, VerifiedProvenance), VerifyError>,
}

impl VerifyOutcome<'_> {
    /// The human form: `valid: …` or `invalid: …`, sanitized (details quote the
    /// attestation: no terminal escapes or `##[`).
    pub fn human(&self) -> String {
        let mut text = Vec::new();
        // Writing to a Vec cannot fail.
        let _ = write_human(&mut text, self.input, self.filename, self.outcome);
        super::sanitize_lines(&String::from_utf8_lossy(&text))
    }

    /// The JSON form, pretty-printed with a trailing newline.
    pub fn json(&self) -> Result<String, serde_json::Error> {
        let report = Report::new(
            self.input,
            self.detected,
            self.filename,
            self.sha256,
            self.root,
            self.outcome,
        );
        let json = serde_json::to_string_pretty(&report)?;
        Ok(format!(
            "{}\n",
            super::defuse_workflow_commands(&json, true)
        ))
    }
}

/// Unix seconds as RFC 3339 UTC, `2024-12-04T23:14:01Z`.
pub fn rfc3339(unix: i64) -> String {
    jiff::Timestamp::from_second(unix)
        .map(|t| t.to_string())
        .unwrap_or_else(|_| format!("@{unix}"))
}

fn describe(p: &VerifiedPublisher) -> String {
    let mut s = p.kind.to_string();
    let mut push = |label: &str, value: &Option<String>| {
        if let Some(v) = value {
            s.push_str(&format!(" {label}`{v}`"));
        }
    };
    match p.kind {
        crate::verify::PublisherKind::Google | crate::verify::PublisherKind::Other => {
            push("", &p.san);
            push("issuer ", &p.issuer);
        }
        _ => {
            push("", &p.repository);
            push("workflow ", &p.workflow);
            push("workflow ", &p.workflow_filepath);
            push("project ", &p.project_id);
            push("pipeline ", &p.pipeline_definition_id);
        }
    }
    s
}

fn write_human(
    out: &mut impl Write,
    input: &str,
    filename: &str,
    outcome: &Result<(DocumentKind, VerifiedProvenance), VerifyError>,
) -> anyhow::Result<()> {
    match outcome {
        Err(e) => writeln!(
            out,
            "invalid: `{input}` is not valid provenance for `{filename}` ({}): {}; {}",
            e.reason,
            e.detail,
            e.reason.explanation()
        )?,
        Ok((kind, v)) => {
            let what = match kind {
                DocumentKind::Provenance => "provenance",
                DocumentKind::Attestation => "attestation",
            };
            writeln!(
                out,
                "valid: `{filename}` was published by {} ({what}, {} attestation{})",
                describe(&v.publisher),
                v.attestations.len(),
                if v.attestations.len() == 1 { "" } else { "s" }
            )?;
            for (i, a) in v.attestations.iter().enumerate() {
                let mut line = format!(
                    "  attestation {}: `{}` signed {}",
                    i + 1,
                    a.predicate_type,
                    rfc3339(a.signed_at)
                );
                if let Some(index) = a.log_index {
                    line.push_str(&format!(", Rekor log index {index}"));
                }
                if let Some(r) = &a.publisher.git_ref {
                    line.push_str(&format!(", ref `{r}`"));
                }
                if let Some(c) = &a.publisher.commit {
                    line.push_str(&format!(", commit `{c}`"));
                }
                writeln!(out, "{line}")?;
            }
            if let Some(claim) = &v.claimed {
                writeln!(
                    out,
                    "  PyPI's claim `{}` agrees with the certificate; environment {} (PyPI's \
                     word only: certificates do not carry it)",
                    claim.kind,
                    claim
                        .environment
                        .as_deref()
                        .map_or("none".to_string(), |e| format!("`{e}`"))
                )?;
            }
        }
    }
    Ok(())
}

/// `pubgate verify --format json`, schema 1 (documented in docs/verification.md).
#[derive(Serialize)]
struct Report<'a> {
    schema: u32,
    valid: bool,
    input: Input<'a>,
    distribution: Distribution<'a>,
    trusted_root: Root<'a>,
    publisher: Option<Publisher<'a>>,
    claimed: Option<Claimed<'a>>,
    attestations: Vec<Attestation<'a>>,
    failure: Option<Failure<'a>>,
}

#[derive(Serialize)]
struct Input<'a> {
    path: &'a str,
    kind: Option<DocumentKind>,
}

#[derive(Serialize)]
struct Distribution<'a> {
    filename: &'a str,
    sha256: &'a str,
}

#[derive(Serialize)]
struct Root<'a> {
    origin: &'a str,
    sha256: &'a str,
}

/// The verified publisher as the JSON shows it.
#[derive(Serialize)]
struct Publisher<'a> {
    #[serde(flatten)]
    identity: super::wire::Publisher<'a>,
    /// Always false: the environment is PyPI's claim, never in the certificate.
    environment_verified: bool,
}

/// PyPI's claim, as the JSON shows it.
#[derive(Serialize)]
struct Claimed<'a> {
    kind: &'a str,
    repository: Option<&'a str>,
    workflow: Option<&'a str>,
    workflow_filepath: Option<&'a str>,
    email: Option<&'a str>,
    environment: Option<&'a str>,
    project_id: Option<&'a str>,
    pipeline_definition_id: Option<&'a str>,
    vcs_origin: Option<&'a str>,
    vcs_ref: Option<&'a str>,
}

fn claimed(c: &ClaimedPublisher) -> Claimed<'_> {
    Claimed {
        kind: &c.kind,
        repository: c.repository.as_deref(),
        workflow: c.workflow.as_deref(),
        workflow_filepath: c.workflow_filepath.as_deref(),
        email: c.email.as_deref(),
        environment: c.environment.as_deref(),
        project_id: c.project_id.as_deref(),
        pipeline_definition_id: c.pipeline_definition_id.as_deref(),
        vcs_origin: c.vcs_origin.as_deref(),
        vcs_ref: c.vcs_ref.as_deref(),
    }
}

#[derive(Serialize)]
struct Attestation<'a> {
    predicate_type: &'a str,
    signed_at: String,
    log_index: Option<u64>,
    publisher: Publisher<'a>,
}

#[derive(Serialize)]
struct Failure<'a> {
    reason: FailureReason,
    detail: &'a str,
    explanation: &'static str,
}

fn publisher(p: &VerifiedPublisher) -> Publisher<'_> {
    Publisher {
        identity: super::wire::Publisher::from(p),
        environment_verified: false,
    }
}

impl<'a> Report<'a> {
    fn new(
        input: &'a str,
        detected: Option<DocumentKind>,
        filename: &'a str,
        sha256: &'a str,
        root: &'a TrustRoot,
        outcome: &'a Result<(DocumentKind, VerifiedProvenance), VerifyError>,
    ) -> Self {
        let base = |valid, kind| Report {
            schema: 1,
            valid,
            input: Input { path: input, kind },
            distribution: Distribution { filename, sha256 },
            trusted_root: Root {
                origin: root.origin(),
                sha256: root.digest(),
            },
            publisher: None,
            claimed: None,
            attestations: Vec::new(),
            failure: None,
        };
        match outcome {
            Err(e) => Report {
                failure: Some(Failure {
                    reason: e.reason,
                    detail: &e.detail,
                    explanation: e.reason.explanation(),
                }),
                ..base(false, detected)
            },
            Ok((kind, v)) => Report {
                publisher: Some(publisher(&v.publisher)),
                claimed: v.claimed.as_ref().map(claimed),
                attestations: v.attestations.iter().map(attestation).collect(),
                ..base(true, Some(*kind))
            },
        }
    }
}

fn attestation(a: &VerifiedAttestation) -> Attestation<'_> {
    Attestation {
        predicate_type: &a.predicate_type,
        signed_at: rfc3339(a.signed_at),
        log_index: a.log_index,
        publisher: publisher(&a.publisher),
    }
}

#[cfg(test)]
mod tests {
    use super::rfc3339;

    #[test]
    fn formats_unix_times_as_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_733_354_041), "2024-12-04T23:14:01Z");
    }
}
