//! `pubgate inspect NAME==VERSION`: for each file of a release, whether it has provenance
//! and who published it, as the verified certificate says.
//!
//! Exit codes: 0 every file verified or without provenance, 1 some provenance is invalid,
//! 2 the release could not be looked at (not on the index, index unavailable, bad input).

use std::fmt::Write as _;
use std::process::ExitCode;

use anyhow::{bail, Context};
use pubgate::evidence::{
    ArtifactEvidence, History, InvalidReason, PackageEvidence, ProvenanceStatus,
};
use pubgate::verify::VerifiedPublisher;
use serde_json::json;

use super::index_args::index_options;
use crate::cli::{InspectArgs, SimpleFormat};

pub fn run(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let (name, version) = parse_release(&args.release)?;
    let options = index_options(&args.index)?;
    let runtime = pubgate::index::runtime()?;
    let evidence = runtime.block_on(pubgate::index::inspect(&name, &version, &options));
    // Work the deadline cut off (a page still being parsed) is not waited for.
    runtime.shutdown_background();
    let evidence = evidence.context("cannot inspect the release")?;
    let statuses: Vec<&ProvenanceStatus> =
        evidence.artifacts.iter().map(|a| &a.provenance).collect();
    let unjudgeable = |s: &ProvenanceStatus| {
        matches!(
            s,
            ProvenanceStatus::Unavailable { .. }
                | ProvenanceStatus::Invalid {
                    reason: InvalidReason::ReleaseNotOnIndex | InvalidReason::Quarantined,
                    ..
                }
        )
    };
    // Nothing to show when the release itself could not be looked at.
    if !statuses.iter().all(|s| unjudgeable(s)) {
        let text = match args.format {
            // Filenames and causes come from the index: no terminal escapes, no `##[`.
            SimpleFormat::Human => pubgate::report::sanitize_lines(&human(&evidence)),
            SimpleFormat::Json => {
                let mut text = serde_json::to_string_pretty(&to_json(&evidence))?;
                text.push('\n');
                pubgate::report::defuse_workflow_commands(&text, true)
            }
        };
        print!("{text}");
    }
    if statuses.iter().any(|s| unjudgeable(s)) {
        let mut messages: Vec<String> = statuses
            .iter()
            .filter_map(|status| match status {
                ProvenanceStatus::Unavailable { cause } => Some(cause.to_string()),
                ProvenanceStatus::Invalid {
                    reason: InvalidReason::ReleaseNotOnIndex,
                    detail,
                } => Some(format!("{detail}; check the name and version")),
                ProvenanceStatus::Invalid {
                    reason: InvalidReason::Quarantined,
                    detail,
                } => Some(detail.clone()),
                _ => None,
            })
            .collect();
        messages.dedup();
        for message in messages {
            eprintln!("error: {}", pubgate::report::sanitize(&message));
        }
        return Ok(ExitCode::from(2));
    }
    if statuses
        .iter()
        .any(|s| matches!(s, ProvenanceStatus::Invalid { .. }))
    {
        return Ok(ExitCode::from(1));
    }
    Ok(ExitCode::SUCCESS)
}

/// `NAME==VERSION` or `NAME===VERSION`.
fn parse_release(text: &str) -> anyhow::Result<(String, String)> {
    let (name, version) = text
        .split_once("===")
        .or_else(|| text.split_once("=="))
        .with_context(|| format!("`{text}` is not NAME==VERSION, e.g. `sampleproject==4.0.0`"))?;
    let (name, version) = (name.trim(), version.trim());
    if !pubgate::dist::is_valid_name(name) {
        bail!("`{name}` is not a valid project name (letters, digits, `-`, `_`, `.`)");
    }
    if version.is_empty() || version.contains(char::is_whitespace) {
        bail!("`{text}` has no version after `==`, e.g. `sampleproject==4.0.0`");
    }
    Ok((name.to_string(), version.to_string()))
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

fn human(evidence: &PackageEvidence) -> String {
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

fn artifact_json(artifact: &ArtifactEvidence) -> serde_json::Value {
    let (detail, reason) = match &artifact.provenance {
        ProvenanceStatus::Invalid { reason, detail } => {
            (Some(detail.clone()), Some(reason.as_str()))
        }
        ProvenanceStatus::Unavailable { cause } => (Some(cause.to_string()), None),
        _ => (None, None),
    };
    json!({
        "filename": artifact.filename,
        "sha256": artifact.sha256,
        "provenance": artifact.provenance.slug(),
        "reason": reason,
        "publisher": artifact.provenance.verified().map(|v| &v.publisher),
        "attestations": artifact.provenance.verified().map(|v| v.attestations.len()),
        "detail": detail,
    })
}

fn to_json(evidence: &PackageEvidence) -> serde_json::Value {
    let previous = match &evidence.history {
        History::Previous(previous) => json!({
            "status": "previous",
            "version": previous.version,
            "yanked": previous.yanked,
            "passed_over": previous.passed_over,
            "files": previous.artifacts.iter().map(artifact_json).collect::<Vec<_>>(),
        }),
        History::FirstRelease => json!({"status": "first-release"}),
        History::NoAttestedRelease { passed_over } => {
            json!({"status": "no-attested-release", "passed_over": passed_over})
        }
        History::Unavailable { cause } => json!({"status": "unavailable", "cause": cause}),
        History::NotApplicable => json!({"status": "not-applicable"}),
    };
    json!({
        "schema": 1,
        "name": evidence.package.name,
        "version": evidence.package.version,
        "index": evidence.index_url,
        "files": evidence.artifacts.iter().map(artifact_json).collect::<Vec<_>>(),
        "previous": previous,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_releases() {
        assert_eq!(
            parse_release("sampleproject==4.0.0").unwrap(),
            ("sampleproject".into(), "4.0.0".into())
        );
        assert_eq!(
            parse_release("weird===1.0-custom").unwrap(),
            ("weird".into(), "1.0-custom".into())
        );
        assert!(parse_release("sampleproject").is_err());
        assert!(parse_release("bad name==1").is_err());
        assert!(parse_release("ok==").is_err());
    }
}
