//! `pubgate fetch`: vendor the project pages and provenance a check needs into a directory,
//! for hermetic and offline checks (`pubgate check --offline --provenance-dir DIR`).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};
use pubgate::evidence::{History, ProvenanceStatus};
use pubgate::index::{self, NoProgress};

use super::index_args::{index_options, lockfile_paths};
use crate::cli::FetchArgs;

/// The directory to write into, created when missing. It must be a real directory: a
/// symlink there (planted by the change under review, say) could point anywhere, so it is
/// refused like any symlink below it (`pubgate::index::vendor` writes through none).
fn target_directory(into: &Path) -> anyhow::Result<PathBuf> {
    // Without a trailing `/` or `/.`, which would resolve a symlinked last component.
    let clean: PathBuf = into.components().collect();
    let clean = if clean.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        clean
    };
    match std::fs::symlink_metadata(&clean) {
        Ok(meta) if meta.file_type().is_symlink() => {
            let target = std::fs::read_link(&clean)
                .map(|t| format!(" (to `{}`)", t.display()))
                .unwrap_or_default();
            bail!(
                "--into `{}` is a symlink{target}: pubgate writes only into a real directory, never through a symlink; pass the directory it points to if that is where the files belong",
                into.display()
            )
        }
        Ok(meta) if meta.is_dir() => Ok(clean),
        Ok(_) => bail!(
            "--into `{}` is not a directory: name a directory to write into",
            into.display()
        ),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            std::fs::create_dir_all(&clean)
                .with_context(|| format!("cannot create `{}`", into.display()))?;
            Ok(clean)
        }
        Err(e) => Err(e).with_context(|| format!("cannot read `{}`", into.display())),
    }
}

#[allow(
    clippy::print_stderr,
    reason = "output point: what was vendored and what is missing, on stderr"
)]
pub fn run(args: FetchArgs) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let paths = lockfile_paths(&args.lockfiles, &cwd)?;
    let lockfiles = paths
        .iter()
        .map(|path| pubgate::lockfile::read(path, args.lock_format))
        .collect::<Result<Vec<_>, _>>()?;
    let mut options = index_options(&args.index)?;
    options.record_into = Some(target_directory(&args.into)?);
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
                    let file = artifact
                        .filename
                        .as_ref()
                        .map(|f| format!(" `{f}`"))
                        .unwrap_or_default();
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
                            package.package.location,
                            package.package.name,
                            artifact.filename.as_deref().unwrap_or("(no file)")
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
