//! `pubgate check`: load the policy, read the lockfiles, gather evidence, judge, render,
//! and turn the verdict into the exit code (0 pass, 1 fail; errors here are exit 2).

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;

use pubgate::evidence::LockfileEvidence;
use pubgate::lockfile::{self, Lockfile};
use pubgate::report::{self, Format, Report};

use crate::cli::{CheckArgs, IndexArgs, ReportFormat};

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    // The policy first: a broken policy is reported before any network traffic.
    let policy = pubgate::policy::load(args.policy.as_deref(), &cwd)?;

    let paths = if args.lockfiles.is_empty() {
        discover_lockfiles(&cwd)?
    } else {
        args.lockfiles.clone()
    };
    if paths.is_empty() {
        anyhow::bail!(
            "no supported lockfile in `{}`: pass one, e.g. `pubgate check uv.lock`",
            cwd.display()
        );
    }
    let lockfiles = paths
        .iter()
        .map(|path| lockfile::read(path, args.lock_format))
        .collect::<Result<Vec<_>, _>>()?;

    let progress = ProgressBar::on_stderr();
    let evidence = gather_evidence(&lockfiles, &args.index, &progress);
    progress.finish();
    let report = Report::check(evidence?, &policy, today_utc(), args.deny_warnings);

    emit(&report, &args)?;
    Ok(ExitCode::from(report.outcome().exit_code()))
}

/// Lockfiles → evidence: the one seam to the index stage.
///
/// NOTE(lead): wire `pubgate::index::gather` here, passing `args` (index URL, offline,
/// provenance dir, trust root, cache, concurrency, timeout) and
/// `|done, total| progress.update(done, total)` as its progress callback.
fn gather_evidence(
    lockfiles: &[Lockfile],
    index: &IndexArgs,
    progress: &ProgressBar,
) -> anyhow::Result<Vec<LockfileEvidence>> {
    let total = lockfiles.iter().map(|l| l.packages.len()).sum();
    progress.update(0, total);
    let _ = index;
    anyhow::bail!(
        "evidence gathering (`index::gather`) is not wired into `pubgate check` yet: this build cannot judge lockfiles"
    )
}

/// Every supported lockfile in `dir`, shown relative to it as a user would type them.
fn discover_lockfiles(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    Ok(lockfile::discover(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).map(Path::to_path_buf).unwrap_or(p))
        .collect())
}

/// Today's date in UTC: exemptions expire on the same day on every CI runner.
fn today_utc() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

fn format(format: ReportFormat) -> Format {
    match format {
        ReportFormat::Human => Format::Human,
        ReportFormat::Json => Format::Json,
        ReportFormat::Sarif => Format::Sarif,
        ReportFormat::Github => Format::Github,
        ReportFormat::Markdown => Format::Markdown,
    }
}

/// Writes the report where asked, and the step summary for `--format github`.
fn emit(report: &Report, args: &CheckArgs) -> anyhow::Result<()> {
    let format = format(args.format);
    let stdout = std::io::stdout();
    let color = report::use_color(
        format,
        args.output.is_some(),
        stdout.is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    let step_summary = std::env::var_os("GITHUB_STEP_SUMMARY")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from);
    let destination = report::Destination {
        format,
        file: args.output.as_deref(),
        step_summary: step_summary.as_deref(),
        color,
    };
    let choice = if color {
        anstream::ColorChoice::Always
    } else {
        anstream::ColorChoice::Never
    };
    let mut out = anstream::AutoStream::new(stdout.lock(), choice);
    report::deliver(report, &destination, &mut out)?;
    Ok(())
}

/// A one-line progress bar on stderr while evidence is gathered; silent unless stderr is
/// a terminal.
struct ProgressBar {
    enabled: bool,
}

impl ProgressBar {
    fn on_stderr() -> ProgressBar {
        ProgressBar {
            enabled: std::io::stderr().is_terminal(),
        }
    }

    /// Redraws the bar: `done` of `total` packages examined.
    fn update(&self, done: usize, total: usize) {
        if !self.enabled || total == 0 {
            return;
        }
        const WIDTH: usize = 30;
        let filled = (done.min(total) * WIDTH) / total;
        let mut err = std::io::stderr().lock();
        let _ = write!(
            err,
            "\r  checking provenance [{}{}] {done}/{total}",
            "#".repeat(filled),
            " ".repeat(WIDTH - filled)
        );
        let _ = err.flush();
    }

    /// Clears the bar's line.
    fn finish(&self) {
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}
