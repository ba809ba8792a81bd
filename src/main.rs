#![forbid(unsafe_code)]
#![warn(clippy::unwrap_used, clippy::expect_used)]
//! The `pubgate` binary: parse arguments, run one command, map its outcome to an exit code.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

#[allow(
    clippy::print_stderr,
    reason = "output point: the `error:` message of a failed command"
)]
fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli.command) {
        Ok(code) => code,
        Err(err) => {
            // Errors quote lockfile and policy text: no terminal escapes, no `##[`.
            eprintln!(
                "error: {}",
                pubgate::report::sanitize_lines(&format!("{err:#}"))
            );
            // A lockfile syntax error shows its line with a caret under the column.
            let lock_error = err
                .chain()
                .find_map(|cause| cause.downcast_ref::<pubgate::lockfile::LockError>());
            if let Some(excerpt) = lock_error.and_then(pubgate::report::excerpt::lock_error) {
                eprint!("{excerpt}");
            }
            ExitCode::from(2)
        }
    }
}
