//! `pubgate verify`: verify one `.provenance` object or attestation offline and print the
//! publisher identity (exit 0) or why it is invalid (exit 1). Unreadable input: exit 2.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;
use serde::Serialize;

use pubgate::dist::DistFilename;
use pubgate::verify::{
    detect_document, verify_document, ClaimedPublisher, DocumentKind, FailureReason, TrustRoot,
    VerifiedAttestation, VerifiedProvenance, VerifiedPublisher, VerifyError, MAX_DOCUMENT_BYTES,
};

use crate::cli::{SimpleFormat, VerifyArgs};

/// Loads `--trusted-root FILE`, else the embedded production root.
pub(crate) fn load_root(path: Option<&std::path::Path>) -> anyhow::Result<TrustRoot> {
    Ok(match path {
        Some(path) => TrustRoot::from_file(path)?,
        None => TrustRoot::production()?,
    })
}

/// Reads a file of at most `limit` bytes.
pub(crate) fn read_bounded(path: &std::path::Path, limit: usize) -> anyhow::Result<Vec<u8>> {
    use std::io::Read;
    let file =
        std::fs::File::open(path).with_context(|| format!("cannot read `{}`", path.display()))?;
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1)
        .read_to_end(&mut bytes)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    Ok(bytes)
}

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    DistFilename::parse(&args.filename)
        .with_context(|| "`--filename` must name an sdist or wheel")?;
    let sha256 = args.sha256.to_ascii_lowercase();
    if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        anyhow::bail!("`--sha256` must be 64 hex digits, got `{}`", args.sha256);
    }
    let root = load_root(args.trusted_root.as_deref())?;
    // Anything over the limit is refused as malformed by the verifier itself.
    let bytes = read_bounded(&args.file, MAX_DOCUMENT_BYTES)?;
    let outcome = verify_document(&bytes, &args.filename, &sha256, &root);
    let input = args.file.display().to_string();
    let kind = detect_document(&bytes);
    let mut out = std::io::stdout().lock();
    match args.format {
        // Details quote the attestation (subject names, claims): no terminal escapes or `##[`.
        SimpleFormat::Human => {
            let mut text = Vec::new();
            write_human(&mut text, &input, &args.filename, &outcome)?;
            let text = pubgate::report::sanitize_lines(&String::from_utf8_lossy(&text));
            out.write_all(text.as_bytes())?;
        }
        SimpleFormat::Json => {
            let report = Report::new(&input, kind, &args.filename, &sha256, &root, &outcome);
            let json = serde_json::to_string_pretty(&report)?;
            writeln!(
                out,
                "{}",
                pubgate::report::defuse_workflow_commands(&json, true)
            )?;
        }
    }
    Ok(match outcome {
        Ok(_) => ExitCode::SUCCESS,
        Err(_) => ExitCode::from(1),
    })
}

/// `1733354041` → `2024-12-04T23:14:01Z` (proleptic Gregorian, UTC).
fn rfc3339(unix: i64) -> String {
    let days = unix.div_euclid(86_400);
    let secs = unix.rem_euclid(86_400);
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

fn describe(p: &VerifiedPublisher) -> String {
    let mut s = p.kind.to_string();
    let mut push = |label: &str, value: &Option<String>| {
        if let Some(v) = value {
            s.push_str(&format!(" {label}`{v}`"));
        }
    };
    match p.kind {
        pubgate::verify::PublisherKind::Google | pubgate::verify::PublisherKind::Other => {
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
    claimed: Option<&'a ClaimedPublisher>,
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

#[derive(Serialize)]
struct Publisher<'a> {
    #[serde(flatten)]
    verified: &'a VerifiedPublisher,
    /// Always false: the environment is PyPI's claim, never in the certificate.
    environment_verified: bool,
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
        verified: p,
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
                claimed: v.claimed.as_ref(),
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
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
    }
}
