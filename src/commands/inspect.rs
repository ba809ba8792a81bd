//! `pubgate inspect NAME==VERSION`: for each file of a release, whether it has provenance
//! and who published it, as the verified certificate says.
//!
//! Exit codes: 0 every file verified or without provenance, 1 some provenance is invalid,
//! 2 the release could not be looked at (not on the index, index unavailable, bad input).

use std::process::ExitCode;

use anyhow::{bail, Context};
use pubgate::evidence::{InvalidReason, ProvenanceStatus};

use super::index_args::index_options;
use crate::cli::{InspectArgs, SimpleFormat};

#[allow(
    clippy::print_stderr,
    reason = "output point: why the release could not be looked at"
)]
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
            SimpleFormat::Human => pubgate::report::inspect::human(&evidence),
            SimpleFormat::Json => pubgate::report::inspect::json(&evidence)?,
        };
        pubgate::report::write_stdout(&text)?;
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
