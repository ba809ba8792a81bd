//! `pubgate fetch`: vendor the project pages and provenance a check needs into a directory,
//! for hermetic and offline checks (`pubgate check --offline --provenance-dir DIR`).

use std::process::ExitCode;

use anyhow::Context;
use pubgate::evidence::{History, ProvenanceStatus};
use pubgate::index::{self, NoProgress};

use super::index_args::{index_options, lockfile_paths};
use crate::cli::FetchArgs;

pub fn run(args: FetchArgs) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let paths = lockfile_paths(&args.lockfiles, &cwd)?;
    let lockfiles = paths
        .iter()
        .map(|path| pubgate::lockfile::read(path, args.lock_format))
        .collect::<Result<Vec<_>, _>>()?;
    let mut options = index_options(&args.index)?;
    std::fs::create_dir_all(&args.into)
        .with_context(|| format!("cannot create `{}`", args.into.display()))?;
    options.record_into = Some(args.into.clone());
    let report = index::gather_report_blocking(&lockfiles, &options, &NoProgress)?;

    if !report.record_errors.is_empty() {
        for error in &report.record_errors {
            eprintln!("error: {}", pubgate::report::sanitize(error));
        }
        anyhow::bail!(
            "`{}` is incomplete: {} file(s) could not be written",
            args.into.display(),
            report.record_errors.len()
        );
    }

    let mut packages = 0;
    let mut missing = Vec::new();
    for lock in &report.evidence {
        for package in &lock.packages {
            if package.index_url.is_none() {
                continue;
            }
            packages += 1;
            let version = package.package.version.as_deref().unwrap_or("");
            for artifact in &package.artifacts {
                if let ProvenanceStatus::Unavailable { cause } = &artifact.provenance {
                    let file = if artifact.filename.is_empty() {
                        String::new()
                    } else {
                        format!(" `{}`", artifact.filename)
                    };
                    missing.push(format!(
                        "{}: `{}` {version}{file}: {cause}",
                        package.package.location, package.package.name
                    ));
                }
            }
            if let History::Previous(previous) = &package.history {
                for artifact in &previous.artifacts {
                    if let ProvenanceStatus::Unavailable { cause } = &artifact.provenance {
                        missing.push(format!(
                            "{}: `{}` {version}: previous release `{}`: {cause}",
                            package.package.location, package.package.name, artifact.filename
                        ));
                    }
                }
            }
        }
    }
    missing.dedup();
    for line in &missing {
        eprintln!("error: {}", pubgate::report::sanitize(line));
    }
    eprintln!(
        "vendored {} answer(s) for {packages} index package(s) into `{}` ({} from the network, {} from the cache)",
        report.stats.recorded,
        args.into.display(),
        report.stats.network,
        report.stats.cache_hits,
    );
    if missing.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "error: {} answer(s) could not be fetched; an offline check would report them as unavailable; retry `pubgate fetch`",
            missing.len()
        );
        Ok(ExitCode::from(1))
    }
}
