//! `pubgate policy explain NAME[==VERSION]`: what the policy says about one package, read
//! from the policy alone.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{bail, Context};

use super::check::today_utc;
use crate::cli::{PolicyArgs, PolicyCommand, SimpleFormat};

pub fn run(args: PolicyArgs) -> anyhow::Result<ExitCode> {
    match args.command {
        PolicyCommand::Explain(args) => {
            let (name, version) = match args.package.split_once("==") {
                Some((name, version)) => (name.trim(), Some(version.trim())),
                None => (args.package.trim(), None),
            };
            if !pubgate::dist::is_valid_name(name) {
                bail!(
                    "`{}` is not a package name: give NAME or NAME==VERSION, e.g. `requests==2.32.3`",
                    args.package
                );
            }
            let policy = pubgate::policy::load(args.policy.as_deref(), Path::new(""))?;
            let explanation =
                pubgate::policy::explain::explain(&policy, name, version, today_utc());
            let text = match args.format {
                SimpleFormat::Human => pubgate::report::explain::human(&explanation, &policy),
                SimpleFormat::Json => pubgate::report::explain::json(&explanation, &policy),
            };
            let mut stdout = std::io::stdout().lock();
            stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
                .context("cannot write to stdout")?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
