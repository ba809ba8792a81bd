//! `pubgate lock`: print what the lockfile parser sees (packages, sources, artifacts,
//! unpinned requirements, indexes), as an aligned table or as JSON (schema 1); both are
//! rendered by `pubgate::report::lock`.

use std::process::ExitCode;

use anyhow::Context;

use crate::cli::{LockArgs, SimpleFormat};
use pubgate::lockfile;

pub fn run(args: LockArgs) -> anyhow::Result<ExitCode> {
    let lockfile = lockfile::read(&args.lockfile, args.lock_format)?;
    let output = match args.format {
        SimpleFormat::Json => {
            pubgate::report::lock::json(&lockfile).context("cannot render the lockfile as JSON")?
        }
        SimpleFormat::Human => pubgate::report::lock::human(&lockfile),
    };
    pubgate::report::write_stdout(&output)?;
    Ok(ExitCode::SUCCESS)
}
