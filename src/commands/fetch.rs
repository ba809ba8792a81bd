//! `pubgate fetch`.

use std::process::ExitCode;

use crate::cli::FetchArgs;

pub fn run(args: FetchArgs) -> anyhow::Result<ExitCode> {
    let _ = args;
    anyhow::bail!("`pubgate fetch` is not implemented yet")
}
