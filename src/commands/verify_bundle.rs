//! `pubgate verify-bundle`.

use std::process::ExitCode;

use crate::cli::VerifyBundleArgs;

pub fn run(args: VerifyBundleArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`pubgate verify-bundle` is not implemented yet")
}
