//! `pubgate audit`: load the policy, pick the projects (named, else the policy's
//! `[[project]]` entries), gather every release's evidence, judge, render, and turn the
//! verdict into the exit code (0 pass, 1 fail; errors here are exit 2).

use std::collections::BTreeSet;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};

use pubgate::audit::Window;
use pubgate::dist::PackageName;
use pubgate::report::{self, audit::AuditReport};

use super::check::format;
use super::emit;
use super::index_args::index_options;
use crate::cli::AuditArgs;

pub fn run(args: AuditArgs) -> anyhow::Result<ExitCode> {
    if let (Some(output), Some(sarif)) = (&args.output, &args.sarif) {
        if output == sarif {
            bail!(
                "--output and --sarif both name `{}`: give the SARIF report a file of its own",
                sarif.display()
            );
        }
    }
    // The policy first: a broken policy is reported before any network traffic.
    let policy = pubgate::policy::load(args.policy.as_deref(), Path::new(""))?;
    let projects = projects(&args.projects, &policy)?;
    let now = jiff::Timestamp::now();
    let window = Window {
        since: args.since.as_deref().map(|s| since(s, now)).transpose()?,
        last: args.last.map(|n| n as usize),
    };
    let options = index_options(&args.index)?;
    let evidence = pubgate::index::releases::gather_blocking(&projects, &window, &options)?;
    let today = now.to_zoned(jiff::tz::TimeZone::UTC).date();
    let report = AuditReport::audit(evidence, &policy, today, window, args.deny_warnings);
    emit::emit(
        &|format, view: report::View| report::audit::render(&report, format, view.color),
        &emit::Target {
            format: format(args.format),
            output: args.output.as_deref(),
            sarif: args.sarif.as_deref(),
            verbose: args.index.verbose,
        },
    )
    .context("cannot deliver the audit report")?;
    Ok(ExitCode::from(report.outcome().exit_code()))
}

/// The projects named (validated, PEP 503-normalized, each once), else the policy's.
fn projects(
    named: &[String],
    policy: &pubgate::policy::Policy,
) -> anyhow::Result<Vec<PackageName>> {
    let mut seen = BTreeSet::new();
    let mut out = Vec::new();
    if named.is_empty() {
        for entry in &policy.projects {
            for name in &entry.names {
                if seen.insert(name.name.clone()) {
                    out.push(name.name.clone());
                }
            }
        }
        if out.is_empty() {
            bail!(
                "no project to audit: name one (`pubgate audit my-project`), or list yours in the policy ({}) with `[[project]]` entries (docs/audit.md)",
                policy.source
            );
        }
        return Ok(out);
    }
    for text in named {
        let text = text.trim();
        if !pubgate::dist::is_valid_name(text) {
            bail!("`{text}` is not a project name: write the name of a project on the index, e.g. `sampleproject`");
        }
        let name = PackageName::new(text);
        if seen.insert(name.clone()) {
            out.push(name);
        }
    }
    Ok(out)
}

/// `--since`: a UTC date (its start), an RFC 3339 time, or a span back from `now` (`36h`,
/// `2d`).
fn since(text: &str, now: jiff::Timestamp) -> anyhow::Result<jiff::Timestamp> {
    let text = text.trim();
    let bad = || {
        anyhow::anyhow!(
            "--since `{text}` is not a date (`2025-06-01`), an RFC 3339 time (`2025-06-01T12:00:00Z`) or a span back from now (`36h`, `2d`)"
        )
    };
    if let Some((digits, unit)) = text
        .char_indices()
        .last()
        .map(|(at, unit)| (&text[..at], unit))
        .filter(|(digits, unit)| {
            !digits.is_empty()
                && digits.bytes().all(|b| b.is_ascii_digit())
                && matches!(unit, 'h' | 'd')
        })
    {
        let n: i64 = digits.parse().map_err(|_| bad())?;
        let hours = if unit == 'd' {
            n.checked_mul(24)
        } else {
            Some(n)
        };
        let span = hours
            .filter(|h| *h <= 24 * 366 * 100)
            .map(jiff::SignedDuration::from_hours)
            .ok_or_else(bad)?;
        return now.checked_sub(span).map_err(|_| bad());
    }
    if let Ok(at) = text.parse::<jiff::Timestamp>() {
        return Ok(at);
    }
    let date: jiff::civil::Date = text.parse().map_err(|_| bad())?;
    date.to_zoned(jiff::tz::TimeZone::UTC)
        .map(|z| z.timestamp())
        .map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_reads_dates_times_and_spans() {
        let now: jiff::Timestamp = "2025-06-10T12:00:00Z".parse().unwrap();
        assert_eq!(
            since("2025-06-01", now).unwrap().to_string(),
            "2025-06-01T00:00:00Z"
        );
        assert_eq!(
            since("2025-06-01T08:30:00+02:00", now).unwrap().to_string(),
            "2025-06-01T06:30:00Z"
        );
        assert_eq!(
            since("36h", now).unwrap().to_string(),
            "2025-06-09T00:00:00Z"
        );
        assert_eq!(
            since("2d", now).unwrap().to_string(),
            "2025-06-08T12:00:00Z"
        );
        for bad in [
            "yesterday",
            "2d3h",
            "-2d",
            "d",
            "2025-13-01",
            "99999999999999999999d",
        ] {
            assert!(since(bad, now).is_err(), "{bad}");
        }
    }
}
