//! `pubgate verify`.

use std::process::ExitCode;

use crate::cli::VerifyArgs;

pub fn run(args: VerifyArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`pubgate verify` is not implemented yet")
}
