//! `pubgate init`: read the lockfiles, gather evidence, and write a starting policy that pins
//! each package to the publisher that verifies now; `--update` brings an existing policy up
//! to date, reporting (never silently rewriting) a pinned publisher that changed.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context};

use pubgate::dist::PackageName;
use pubgate::evaluate::evaluate;
use pubgate::evidence::LockfileEvidence;
use pubgate::lockfile;
use pubgate::policy::baseline::{starting_policy, Baseline};
use pubgate::policy::{self, update, PolicySource};
use pubgate::report::plural;
use pubgate::rules::Level;

use super::check::{gather_evidence, today_utc, ProgressBar};
use super::index_args::lockfile_paths;
use crate::cli::InitArgs;

pub fn run(args: InitArgs) -> anyhow::Result<ExitCode> {
    let cwd = std::env::current_dir().context("cannot read the current directory")?;
    let to_stdout = args.output == Path::new("-");
    if args.update && to_stdout {
        bail!("--update edits a policy file: name it with --output FILE (default `pubgate.toml`)");
    }
    // Refuse before any network traffic.
    let existing = if args.update {
        Some(read_policy_to_update(&args.output)?)
    } else {
        if !to_stdout && !args.force {
            refuse_to_replace(&args.output)?;
        }
        None
    };

    let paths = lockfile_paths(&args.lockfiles, &cwd)?;
    let lockfiles = paths
        .iter()
        .map(|path| lockfile::read(path, args.lock_format))
        .collect::<Result<Vec<_>, _>>()?;
    let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    let progress = ProgressBar::on_stderr();
    let evidence = gather_evidence(&lockfiles, &args.index, &progress);
    progress.finish();
    let evidence = evidence?;
    let baseline = Baseline::from_evidence(&evidence);

    match existing {
        None => write_new(&args, &baseline, &evidence, &names),
        Some((text, policy)) => write_update(&args, &text, &policy, &baseline, &evidence, &names),
    }
}

/// The policy at `path` and its text, for `--update`: a dedicated policy file only.
fn read_policy_to_update(path: &Path) -> anyhow::Result<(String, policy::Policy)> {
    if path.file_name().is_some_and(|n| n == "pyproject.toml") {
        bail!(
            "--update edits a dedicated policy file, not `{}`: move `[tool.pubgate]` to `pubgate.toml`, or edit it by hand",
            path.display()
        );
    }
    if !path.is_file() {
        bail!(
            "there is no policy at `{}` to update: write one with `pubgate init`, or name it with --output FILE",
            path.display()
        );
    }
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read `{}`", path.display()))?;
    let policy = policy::from_str(&text, PolicySource::File(path.to_path_buf()))?;
    Ok((text, policy))
}

/// Refuses to replace a policy: the file itself, or another policy `pubgate check` would
/// find beside it (two policy files are an error; `[tool.pubgate]` would silently lose).
fn refuse_to_replace(output: &Path) -> anyhow::Result<()> {
    if output.exists() {
        bail!(
            "`{}` exists: `pubgate init --update` adds newly locked packages to it; `--force` replaces it",
            output.display()
        );
    }
    let dir = match output.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let names_a_policy = output
        .file_name()
        .is_some_and(|n| n == "pubgate.toml" || n == ".pubgate.toml");
    if names_a_policy {
        match policy::discover(&dir) {
            Ok(PolicySource::BuiltIn) => {}
            Ok(found) => bail!(
                "a policy already exists in `{}` ({found}): `pubgate init --update --output {}` updates a policy file; `--force` writes `{}` anyway",
                dir.display(),
                found.path().display(),
                output.display()
            ),
            Err(err) => return Err(err.into()),
        }
    }
    Ok(())
}

/// `pubgate init`: the starting policy, checked to load, written; what it pins and what
/// `pubgate check` would still deny under it reported.
fn write_new(
    args: &InitArgs,
    baseline: &Baseline,
    evidence: &[LockfileEvidence],
    lockfiles: &[String],
) -> anyhow::Result<ExitCode> {
    let text = starting_policy(baseline, lockfiles);
    let source = PolicySource::File(args.output.clone());
    let policy = policy::from_str(&text, source)
        .context("internal error: the policy `pubgate init` wrote does not load")?;
    let mut report = String::new();
    let entries = policy.packages.len();
    let target = if args.output == Path::new("-") {
        "the policy".to_string()
    } else {
        format!("`{}`", args.output.display())
    };
    let _ = writeln!(
        report,
        "wrote {target}: {} pinned in {}, {} not pinned (no verified provenance; listed in the file)",
        plural(baseline.pins.len(), "package"),
        if entries == 1 {
            "1 entry".to_string()
        } else {
            format!("{entries} entries")
        },
        plural(baseline.not_pinned.len(), "package")
    );
    still_denied(&mut report, evidence, &policy, &[]);
    deliver(&args.output, &text, &report, true)?;
    Ok(ExitCode::SUCCESS)
}

/// What `pubgate check` would still deny under `policy`: findings to review (a publisher
/// change, lost provenance) that no policy written from today's evidence settles. Findings
/// about `skip` (publisher changes reported already) are left out.
fn still_denied(
    report: &mut String,
    evidence: &[LockfileEvidence],
    policy: &policy::Policy,
    skip: &[&PackageName],
) {
    let denied: Vec<_> = evaluate(evidence, policy, today_utc())
        .into_iter()
        .filter(|f| f.is_active() && f.level == Level::Deny)
        .filter(|f| f.package.as_ref().is_none_or(|p| !skip.contains(&p)))
        .collect();
    if denied.is_empty() {
        return;
    }
    let _ = writeln!(
        report,
        "`pubgate check` still denies {} under it; review each, then fix it or exempt it with a reason:",
        plural(denied.len(), "finding")
    );
    for f in denied {
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

/// `pubgate init --update`.
fn write_update(
    args: &InitArgs,
    text: &str,
    policy: &policy::Policy,
    baseline: &Baseline,
    evidence: &[LockfileEvidence],
    lockfiles: &[String],
) -> anyhow::Result<ExitCode> {
    let plan = update::plan(policy, baseline);
    let accept: Vec<PackageName> = args.accept.iter().map(|n| PackageName::new(n)).collect();
    let updated = update::apply(text, &plan, &accept, lockfiles)?;
    let reloaded = policy::from_str(&updated, PolicySource::File(args.output.clone()))
        .context("internal error: the updated policy does not load")?;

    let mut report = String::new();
    let added: Vec<String> = plan.added.iter().map(|p| p.name.to_string()).collect();
    let _ = writeln!(
        report,
        "`{}`: {} added{}, {} unchanged",
        args.output.display(),
        plural(added.len(), "package"),
        if added.is_empty() {
            String::new()
        } else {
            format!(" ({})", added.join(", "))
        },
        plural(plan.unchanged, "package")
    );
    let open: Vec<_> = plan
        .changed
        .iter()
        .filter(|c| !accept.contains(&c.name))
        .collect();
    for change in plan.changed.iter().filter(|c| accept.contains(&c.name)) {
        let now: Vec<&str> = change.now.iter().map(|t| t.description.as_str()).collect();
        let _ = writeln!(
            report,
            "accepted: {} now pinned to {}",
            change.name,
            now.join(" or ")
        );
    }
    if !open.is_empty() {
        let _ = writeln!(
            report,
            "the pinned publisher changed for {} (not accepted: the policy still pins the old one, and `pubgate check` denies the new one):",
            plural(open.len(), "package")
        );
        for change in &open {
            let pinned: Vec<String> = change
                .entry
                .publishers
                .iter()
                .map(|r| format!("{r} ({}:{})", args.output.display(), r.position.line))
                .collect();
            let now: Vec<&str> = change.now.iter().map(|t| t.description.as_str()).collect();
            let specs: Vec<&str> = change.specs.iter().map(String::as_str).collect();
            let _ = writeln!(
                report,
                "  {}: pinned {}, now published by {}",
                specs.join(", "),
                pinned.join(" or "),
                now.join(" or ")
            );
        }
        let names: Vec<String> = open
            .iter()
            .map(|c| format!("--accept {}", c.name))
            .collect();
        let _ = writeln!(
            report,
            "after confirming the change with the project: pubgate init --update {}",
            names.join(" ")
        );
    }
    if !plan.not_pinned.is_empty() {
        let _ = writeln!(
            report,
            "not pinned (no verified provenance), {}:",
            plural(plan.not_pinned.len(), "package")
        );
        for n in &plan.not_pinned {
            let _ = writeln!(report, "  {}  {}", n.spec, n.reason);
        }
    }
    let skip: Vec<&PackageName> = open.iter().map(|c| &c.name).collect();
    still_denied(&mut report, evidence, &reloaded, &skip);
    deliver(&args.output, &updated, &report, updated != text)?;
    Ok(if open.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Writes the policy (atomically, when `changed`) or prints it for `-`, and the report: on
/// stdout, or on stderr when the policy itself goes to stdout.
#[allow(
    clippy::print_stderr,
    reason = "output point: the report goes to stderr when the policy goes to stdout"
)]
fn deliver(output: &Path, text: &str, report: &str, changed: bool) -> anyhow::Result<()> {
    let report = pubgate::report::sanitize_lines(report);
    if output == Path::new("-") {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
            .context("cannot write to stdout")?;
        eprint!("{report}");
        return Ok(());
    }
    if changed {
        write_atomically(output, text)?;
    }
    let mut stdout = std::io::stdout().lock();
    stdout
        .write_all(report.as_bytes())
        .and_then(|()| stdout.flush())
        .context("cannot write to stdout")?;
    Ok(())
}

/// Writes `text` to a temporary file beside `path`, then renames it over `path`: a reader
/// never sees half a policy, and a symlink at `path` is replaced, not written through.
pub(crate) fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_else(|| "pubgate.toml".into());
    let temp = dir.join(format!(".{name}.pubgate-{}.tmp", std::process::id()));
    std::fs::write(&temp, text).with_context(|| format!("cannot write `{}`", temp.display()))?;
    std::fs::rename(&temp, path).with_context(|| {
        let _ = std::fs::remove_file(&temp);
        format!("cannot write `{}`", path.display())
    })?;
    Ok(())
}
