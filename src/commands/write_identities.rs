//! `pubgate write-identities pylock.toml`: gather evidence for a pylock.toml and record the
//! verified publisher of every package that has none recorded, as PEP 751
//! `attestation-identities`, keeping the rest of the file byte for byte. Identities already
//! recorded are never rewritten: they are checked like `pubgate check` checks them.

use std::fmt::Write as _;
use std::io::Write as _;
use std::process::ExitCode;

use anyhow::{bail, Context};

use pubgate::evaluate::evaluate;
use pubgate::lockfile::{self, IdentityAddition, LockFormat};
use pubgate::policy::baseline::attestation_identities;
use pubgate::policy::{self, PolicySource};
use pubgate::report::plural;
use pubgate::rules::Rule;

use super::check::{gather_evidence, today_utc, ProgressBar};
use super::init::write_atomically;
use crate::cli::WriteIdentitiesArgs;

pub fn run(args: WriteIdentitiesArgs) -> anyhow::Result<ExitCode> {
    let path = &args.lockfile;
    let lock = lockfile::read(path, None)?;
    if lock.format != LockFormat::Pylock {
        bail!(
            "`{}` is a {} lockfile: attestation identities are a pylock.toml (PEP 751) field",
            path.display(),
            lock.format
        );
    }
    let root = pubgate::input::tree_root(path);
    let text = String::from_utf8(
        pubgate::input::read(path, &root, lockfile::MAX_LOCKFILE_BYTES)
            .with_context(|| format!("cannot read `{}`", path.display()))?,
    )
    .with_context(|| format!("`{}` is not UTF-8 text", path.display()))?;

    let progress = ProgressBar::on_stderr();
    let evidence = gather_evidence(std::slice::from_ref(&lock), &args.index, &progress);
    progress.finish();
    let evidence = evidence?;

    let mut report = String::new();
    let mut additions = Vec::new();
    let mut written = Vec::new();
    let mut not_recorded = Vec::new();
    let mut kept = 0;
    for package in evidence.iter().flat_map(|l| &l.packages) {
        let spec = match &package.package.version {
            Some(v) => format!("{}=={v}", package.package.name),
            None => package.package.name.to_string(),
        };
        if !package.package.attestation_identities.is_empty() {
            kept += 1;
            continue;
        }
        match attestation_identities(package) {
            Ok(identities) => {
                let who: Vec<String> = identities
                    .iter()
                    .map(|fields| {
                        fields
                            .iter()
                            .map(|(k, v)| format!("{k} `{v}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    })
                    .collect();
                written.push(format!("  {spec}: {}", who.join("; ")));
                additions.push(IdentityAddition {
                    name_line: package.package.location.line,
                    identities,
                });
            }
            Err(reason) => not_recorded.push(format!("  {spec}: {reason}")),
        }
    }

    // Recorded identities are held like a policy requirement (PG201): judged under an
    // empty policy, only they can raise it.
    let empty = policy::from_str("schema = 1\n", PolicySource::BuiltIn)?;
    let mismatched: Vec<_> = evaluate(&evidence, &empty, today_utc())
        .into_iter()
        .filter(|f| f.rule == Rule::PublisherMismatch)
        .collect();

    let updated = lockfile::write_identities(&text, path, &additions)?;
    let verb = if args.dry_run { "would write" } else { "wrote" };
    let _ = writeln!(
        report,
        "{}: {verb} identities for {}; {} already recorded; {} not recorded",
        path.display(),
        plural(written.len(), "package"),
        kept,
        not_recorded.len()
    );
    for line in &written {
        let _ = writeln!(report, "{line}");
    }
    if !not_recorded.is_empty() {
        let _ = writeln!(report, "not recorded (no verified publisher to record):");
        for line in &not_recorded {
            let _ = writeln!(report, "{line}");
        }
    }
    if !mismatched.is_empty() {
        let _ = writeln!(
            report,
            "recorded identities that the verified publisher does not match ({}; kept as they are):",
            plural(mismatched.len(), "finding")
        );
        for f in &mismatched {
            let _ = writeln!(
                report,
                "  {} {}  {}  {}  {}",
                f.rule.code(),
                f.rule.slug(),
                f.package_spec(),
                f.location,
                f.message
            );
        }
    }
    if !args.dry_run && updated != text {
        write_atomically(path, &updated)?;
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(pubgate::report::sanitize_lines(&report).as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")?;
    Ok(if mismatched.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
