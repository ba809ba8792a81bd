//! `pubgate inspect`.

use std::process::ExitCode;

use crate::cli::InspectArgs;

pub fn run(args: InspectArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`pubgate inspect` is not implemented yet")
}
