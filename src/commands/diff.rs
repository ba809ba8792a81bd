//! `pubgate diff OLD NEW` and `pubgate diff --base REF [LOCKFILE…]`: read both sides (the
//! base with `git show REF:path`), gather evidence for both in one run, compare under the
//! current policy, render; exit 1 when the change introduces a finding at deny.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};

use pubgate::diff::{git, DiffReport, Pair};
use pubgate::lockfile::{self, Location, Lockfile};
use pubgate::report::diff::{render, DiffFormat};

use super::check::{gather_evidence_under, today_utc, ProgressBar};
use super::index_args::lockfile_paths;
use crate::cli::{self, DiffArgs};

pub fn run(args: DiffArgs) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let policy = pubgate::policy::load(args.policy.as_deref(), Path::new(""))?;

    let sides: Vec<(Option<Lockfile>, Lockfile)> = match &args.base {
        None => {
            let [old, new] = args.lockfiles.as_slice() else {
                bail!(
                    "`pubgate diff` compares two lockfiles, `pubgate diff OLD NEW`, or each lockfile with a git revision, `pubgate diff --base REF [LOCKFILE…]`"
                );
            };
            vec![(
                Some(lockfile::read(old, args.lock_format)?),
                lockfile::read(new, args.lock_format)?,
            )]
        }
        Some(rev) => {
            git::check_revision(rev)?;
            let paths = lockfile_paths(&args.lockfiles, &cwd)?;
            let mut sides = Vec::new();
            for path in paths {
                let new = lockfile::read(&path, args.lock_format)?;
                let old = base_version(&path, rev, args.lock_format)?;
                sides.push((old, new));
            }
            sides
        }
    };

    let mut all: Vec<Lockfile> = Vec::new();
    for (old, new) in &sides {
        all.extend(old.iter().cloned());
        all.push(new.clone());
    }
    let progress = ProgressBar::on_stderr();
    let evidence = gather_evidence_under(&all, &args.index, Some(&policy), &progress);
    progress.finish();
    let mut evidence = evidence?.into_iter();
    let mut pairs = Vec::new();
    for (old, _) in &sides {
        let old = match old {
            Some(_) => Some(
                evidence
                    .next()
                    .context("internal error: evidence missing")?,
            ),
            None => None,
        };
        let new = evidence
            .next()
            .context("internal error: evidence missing")?;
        pairs.push(Pair { old, new });
    }

    let report = DiffReport::compare(
        pairs,
        &policy,
        today_utc(),
        args.deny_warnings,
        args.base.clone(),
    );
    emit(&report, &args)?;
    Ok(ExitCode::from(report.outcome().exit_code()))
}

/// The lockfile at `path` as it was at `rev`, named `REV:PATH` (the path from the
/// repository root, as `git show` takes it); `None` when it did not exist there.
fn base_version(
    path: &Path,
    rev: &str,
    format: Option<lockfile::LockFormat>,
) -> anyhow::Result<Option<Lockfile>> {
    let repo = git::repository_path(path)?;
    let Some(bytes) = git::show(&repo.root, rev, &repo.path)? else {
        return Ok(None);
    };
    let label = PathBuf::from(format!("{rev}:{}", repo.path));
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("`{}` is not UTF-8 text", label.display()))?;
    // Parsed under its own name (format detection by name), then named as the base.
    let parsed = lockfile::parse_str(&text, Path::new(&repo.path), format)
        .with_context(|| format!("cannot read `{}`", label.display()))?;
    Ok(Some(relabel(parsed, Path::new(&repo.path), &label)))
}

/// The lockfile with every location in `from` moved to `to`.
fn relabel(mut lockfile: Lockfile, from: &Path, to: &Path) -> Lockfile {
    let fix = |location: &mut Location| {
        if location.path == from {
            location.path = to.to_path_buf();
        }
    };
    lockfile.path = to.to_path_buf();
    for package in &mut lockfile.packages {
        fix(&mut package.location);
        for identity in &mut package.attestation_identities {
            fix(&mut identity.location);
        }
    }
    for unpinned in &mut lockfile.unpinned {
        fix(&mut unpinned.location);
    }
    for index in &mut lockfile.indexes {
        fix(&mut index.location);
    }
    lockfile
}

fn format(format: cli::DiffFormat) -> DiffFormat {
    match format {
        cli::DiffFormat::Human => DiffFormat::Human,
        cli::DiffFormat::Json => DiffFormat::Json,
        cli::DiffFormat::Markdown => DiffFormat::Markdown,
        cli::DiffFormat::Github => DiffFormat::Github,
    }
}

/// Writes the report to `--output` or stdout; with `--format github` on GitHub Actions, the
/// Markdown report to the step summary too.
fn emit(report: &DiffReport, args: &DiffArgs) -> anyhow::Result<()> {
    let format = format(args.format);
    let stdout = std::io::stdout();
    let color = pubgate::report::use_color(
        if format == DiffFormat::Human {
            pubgate::report::Format::Human
        } else {
            pubgate::report::Format::Json
        },
        args.output.is_some(),
        stdout.is_terminal(),
        std::env::var_os("NO_COLOR").as_deref(),
    );
    match &args.output {
        Some(path) => std::fs::write(path, render(report, format, false))
            .with_context(|| format!("cannot write the report to `{}`", path.display()))?,
        None => {
            let mut out = stdout.lock();
            out.write_all(render(report, format, color).as_bytes())
                .and_then(|()| out.flush())
                .context("cannot write the report to stdout")?;
        }
    }
    let summary = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|v| !v.is_empty());
    if let (DiffFormat::Github, Some(path)) = (format, summary) {
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .with_context(|| {
                format!(
                    "cannot append the step summary to `{}`",
                    Path::new(&path).display()
                )
            })?;
        file.write_all(render(report, DiffFormat::Markdown, false).as_bytes())
            .context("cannot append the step summary")?;
    }
    Ok(())
}
