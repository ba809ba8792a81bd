//! `pubgate check`: load the policy, read the lockfiles, gather evidence, judge, render,
//! and turn the verdict into the exit code (0 pass, 1 fail; errors here are exit 2).

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use anyhow::{bail, Context};

use pubgate::evidence::{LockfileEvidence, PackageEvidence};
use pubgate::lockfile::{self, LockedPackage, Lockfile};
use pubgate::report::{self, Format, Report};

use super::emit;
use super::index_args::{apply_policy_sources, index_options, lockfile_paths};
use super::path_prefix::PathPrefix;
use crate::cli::{CheckArgs, IndexArgs, ReportFormat};

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let path_prefix = args
        .path_prefix
        .as_deref()
        .map(PathPrefix::parse)
        .transpose()?;
    if let (Some(output), Some(sarif)) = (&args.output, &args.sarif) {
        if output == sarif {
            bail!(
                "--output and --sarif both name `{}`: give the SARIF report a file of its own",
                sarif.display()
            );
        }
    }
    // The policy first: a broken policy is reported before any network traffic. A
    // discovered policy is named relative to the current directory (`pubgate.toml`), like
    // discovered lockfiles, so reports and annotations point into the repository.
    let policy = pubgate::policy::load(args.policy.as_deref(), Path::new(""))?;

    let paths = lockfile_paths(&args.lockfiles, &cwd)?;
    let lockfiles = paths
        .iter()
        .map(|path| lockfile::read(path, args.lock_format))
        .collect::<Result<Vec<_>, _>>()?;

    let progress = ProgressBar::on_stderr();
    let evidence = gather_evidence_under(&lockfiles, &args.index, Some(&policy), &progress);
    progress.finish();
    let report = Report::check(evidence?, &policy, today_utc(), args.deny_warnings);
    let report = match &path_prefix {
        Some(prefix) => prefix.rebase(&report),
        None => report,
    };

    emit::emit(
        &|format, view| report::render_view(&report, format, view),
        &emit::Target {
            format: format(args.format),
            output: args.output.as_deref(),
            sarif: args.sarif.as_deref(),
            verbose: args.index.verbose,
        },
    )?;
    Ok(ExitCode::from(report.outcome().exit_code()))
}

/// Lockfiles → evidence, drawing the progress bar as packages finish; with `--verbose`,
/// what it took on stderr.
pub(crate) fn gather_evidence(
    lockfiles: &[Lockfile],
    index: &IndexArgs,
    progress: &dyn pubgate::index::Progress,
) -> anyhow::Result<Vec<LockfileEvidence>> {
    gather_evidence_under(lockfiles, index, None, progress)
}

/// [`gather_evidence`] under a policy: its `[sources]` mirrors and provenance index, and
/// its `[environment]` and `[limits]` where the flags (`--python`, `--platform`,
/// `--max-page-size`) do not say otherwise.
#[allow(
    clippy::print_stderr,
    reason = "`--verbose` statistics and the scope note: diagnostics, on stderr"
)]
pub(crate) fn gather_evidence_under(
    lockfiles: &[Lockfile],
    index: &IndexArgs,
    policy: Option<&pubgate::policy::Policy>,
    progress: &dyn pubgate::index::Progress,
) -> anyhow::Result<Vec<LockfileEvidence>> {
    let mut options = index_options(index)?;
    if let Some(policy) = policy {
        apply_policy_sources(&mut options, &policy.sources);
        // `--python`/`--platform` win; without them, the policy's `[environment]`.
        if options.scope.everything() {
            options.scope = policy.environment.clone();
        }
        // Likewise `--max-page-size` over `[limits]`.
        if let (None, Some(mib)) = (index.max_page_size, policy.max_page_size) {
            options.page_limit = mib as usize * 1024 * 1024;
        }
    }
    let started = std::time::Instant::now();
    let gathered = pubgate::index::gather_report_blocking(lockfiles, &options, progress)?;
    if !options.scope.everything() {
        eprintln!(
            "note: only files that install on {} were examined (--python, --platform, or the policy's [environment]): {} locked file(s) left out",
            options.scope.describe(),
            gathered.stats.out_of_scope
        );
    }
    if index.verbose {
        let packages: usize = lockfiles.iter().map(|l| l.packages.len()).sum();
        let s = &gathered.stats;
        eprintln!(
            "pubgate: evidence for {} in {} ms: {} answers from the network, {} provenance objects from the cache, {} answers from the provenance directory, {} verifications",
            pubgate::report::plural(packages, "package"),
            started.elapsed().as_millis(),
            s.network,
            s.cache_hits,
            s.vendor_hits,
            s.verifications
        );
    }
    Ok(gathered.evidence)
}

/// Today's date in UTC: exemptions expire on the same day on every CI runner.
pub(crate) fn today_utc() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

pub(crate) fn format(format: ReportFormat) -> Format {
    match format {
        ReportFormat::Human => Format::Human,
        ReportFormat::Json => Format::Json,
        ReportFormat::Sarif => Format::Sarif,
        ReportFormat::Github => Format::Github,
        ReportFormat::Markdown => Format::Markdown,
        ReportFormat::Cyclonedx => Format::Cyclonedx,
    }
}

/// A one-line progress bar on stderr while evidence is gathered; silent unless stderr is
/// a terminal.
pub(crate) struct ProgressBar {
    enabled: bool,
    total: AtomicUsize,
    done: AtomicUsize,
}

impl pubgate::index::Progress for ProgressBar {
    fn planned(&self, packages: usize) {
        self.total.store(packages, Ordering::Relaxed);
        self.update(0, packages);
    }

    fn finished(&self, _package: &LockedPackage, _evidence: &PackageEvidence) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        self.update(done, self.total.load(Ordering::Relaxed));
    }
}

impl ProgressBar {
    pub(crate) fn on_stderr() -> ProgressBar {
        ProgressBar {
            enabled: std::io::stderr().is_terminal(),
            total: AtomicUsize::new(0),
            done: AtomicUsize::new(0),
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
    pub(crate) fn finish(&self) {
        if self.enabled {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }
}
