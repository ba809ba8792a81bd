//! `pubgate lock`.

use std::process::ExitCode;

use crate::cli::LockArgs;

pub fn run(args: LockArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`pubgate lock` is not implemented yet")
}
