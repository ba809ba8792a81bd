//! One module per subcommand. Each returns the process exit code; an `Err` means the
//! run could not be judged (exit 2).

use std::process::ExitCode;

use crate::cli::Command;

mod audit;
mod check;
mod diff;
mod emit;
mod fetch;
pub(crate) mod index_args;
mod init;
mod inspect;
mod lock;
mod path_prefix;
mod policy;
pub(crate) mod verify;
mod verify_bundle;
mod write_identities;

pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Check(args) => check::run(args),
        Command::Lock(args) => lock::run(args),
        Command::Verify(args) => verify::run(args),
        Command::VerifyBundle(args) => verify_bundle::run(args),
        Command::Fetch(args) => fetch::run(args),
        Command::Inspect(args) => inspect::run(args),
        Command::Audit(args) => audit::run(args),
        Command::Init(args) => init::run(args),
        Command::Policy(args) => policy::run(args),
        Command::Diff(args) => diff::run(args),
        Command::WriteIdentities(args) => write_identities::run(args),
    }
}
