//! `mint`: the test signer from the command line — print the test trust root, mint a PEP 740
//! attestation or provenance object (valid or broken), or time minting. TEST-ONLY output.
//!
//! ```text
//! cargo run --example mint -- root > trusted_root.json
//! cargo run --example mint -- --filename demo-1.0.tar.gz --sha256 <hex> \
//!     --publisher github:octo/demo/release.yml [--variant signature] [--provenance]
//! cargo run --release --example mint -- bench 10000
//! ```

use std::io::Write as _;
use std::time::Instant;

use anyhow::{bail, Context as _};
use clap::{Parser, Subcommand, ValueEnum};
use pubgate::testing::signer::{self, MintRequest, Predicate, TestPublisher, Variant};

#[derive(Parser)]
#[command(about = "Mint PEP 740 attestations under pubgate's TEST-ONLY Sigstore root")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    /// Distribution filename the statement's subject names.
    #[arg(long, value_name = "FILE")]
    filename: Option<String>,
    /// The distribution's sha256 (64 lowercase hex digits).
    #[arg(long, value_name = "HEX")]
    sha256: Option<String>,
    /// `github:OWNER/REPO/WORKFLOW.yml`, `gitlab:GROUP/PROJECT/.gitlab-ci.yml`
    /// (`gitlab:GROUP/PROJECT//PATH/TO/CI.yml` for a nested path) or `google:EMAIL`.
    #[arg(long, value_name = "SPEC")]
    publisher: Option<String>,
    /// Source ref in the certificate (default `refs/tags/v1.0.0` on GitHub, `refs/heads/main` on GitLab).
    #[arg(long = "ref", value_name = "REF")]
    git_ref: Option<String>,
    /// PyPI's claimed environment in a provenance object.
    #[arg(long, value_name = "NAME")]
    environment: Option<String>,
    /// `valid` or a failure reason, e.g. `certificate-chain` (see `mint variants`).
    #[arg(long, default_value = "valid", value_name = "NAME")]
    variant: String,
    /// Statement predicate.
    #[arg(long, value_enum, default_value_t = PredicateArg::Publish)]
    predicate: PredicateArg,
    /// Rekor integrated time, Unix seconds (default 2025-06-01T12:00:00Z).
    #[arg(long, value_name = "UNIX", default_value_t = signer::DEFAULT_SIGNED_AT)]
    signed_at: u64,
    /// Wrap the attestation in a provenance object, as the Integrity API serves it.
    #[arg(long)]
    provenance: bool,
}

#[derive(Subcommand)]
enum Command {
    /// Print the test `trusted_root.json`.
    Root,
    /// List the variant names and the reason each must fail with.
    Variants,
    /// Write every certificate-shape case (`IdentityCase`) to DIR: `NAME.attestation`,
    /// `NAME.provenance` (NAME with `/` as `__`), `trusted_root.json` and `manifest.json`.
    IdentityCases {
        /// Directory to write into (created if missing).
        #[arg(long, value_name = "DIR")]
        out: std::path::PathBuf,
        /// Distribution filename the statements name.
        #[arg(long, default_value = "demo-1.0.tar.gz")]
        filename: String,
        /// Its sha256.
        #[arg(
            long,
            default_value = "2a97516c354b68848cdbd8f54a226a0a55b21ed138e207ad6c5cbb9c00aa5aea"
        )]
        sha256: String,
    },
    /// Mint N attestations (in memory) and print the time taken.
    Bench {
        #[arg(default_value_t = 10_000)]
        count: u64,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum PredicateArg {
    Publish,
    Slsa,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let mut out = std::io::stdout().lock();
    match cli.command {
        Some(Command::Root) => out.write_all(signer::global().trusted_root_json().as_bytes())?,
        Some(Command::Variants) => {
            for v in std::iter::once(Variant::Valid).chain(Variant::ALL_BROKEN) {
                let note = if v.needs_provenance() {
                    "  (shows only with --provenance)"
                } else {
                    ""
                };
                writeln!(out, "{}{note}", v.expected_reason())?;
            }
        }
        Some(Command::Bench { count }) => bench(count, &mut out)?,
        Some(Command::IdentityCases {
            out: dir,
            filename,
            sha256,
        }) => identity_cases(&dir, &filename, &sha256)?,
        None => {
            let (Some(filename), Some(sha256), Some(spec)) =
                (cli.filename, cli.sha256, cli.publisher)
            else {
                bail!("minting needs `--filename`, `--sha256` and `--publisher`; or run `mint root`, `mint variants` or `mint bench`");
            };
            let mut publisher: TestPublisher = spec.parse()?;
            if let Some(reference) = &cli.git_ref {
                publisher = publisher.with_ref(reference);
            }
            publisher = publisher.with_environment(cli.environment.as_deref());
            let variant: Variant = cli.variant.parse()?;
            let request = MintRequest::new(&filename, &sha256, publisher)
                .variant(variant)
                .signed_at(cli.signed_at)
                .predicate(match cli.predicate {
                    PredicateArg::Publish => Predicate::PublishV1,
                    PredicateArg::Slsa => Predicate::SlsaProvenanceV1,
                });
            let bytes = if cli.provenance {
                signer::mint_provenance(&[request])
            } else {
                signer::mint_attestation(&request)
            };
            out.write_all(&bytes)?;
            out.write_all(b"\n")?;
        }
    }
    Ok(())
}

/// Writes every identity case and a manifest the cross-check script reads.
fn identity_cases(dir: &std::path::Path, filename: &str, sha256: &str) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("create `{}`", dir.display()))?;
    let authority = signer::global();
    let write = |name: &str, bytes: &[u8]| {
        let path = dir.join(name);
        std::fs::write(&path, bytes).with_context(|| format!("write `{}`", path.display()))
    };
    write(
        "trusted_root.json",
        authority.trusted_root_json().as_bytes(),
    )?;
    let mut manifest = Vec::new();
    for case in signer::identity_cases() {
        let stem = case.name.replace('/', "__");
        let (attestation, provenance) = authority.mint_identity_case(&case, filename, sha256);
        write(&format!("{stem}.attestation"), &attestation)?;
        write(&format!("{stem}.provenance"), &provenance)?;
        manifest.push(serde_json::json!({
            "name": case.name,
            "attestation": format!("{stem}.attestation"),
            "provenance": format!("{stem}.provenance"),
            "edits": case.edits.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>(),
            "claim": case.claim.claimed_json(),
            "reference_accepts": case.reference_accepts,
            "with_claim": case.with_claim,
            "bare": case.bare,
            "bare_identity": case.expected_bare_identity().claimed_json(),
            "stricter": case.stricter,
        }));
    }
    let manifest = serde_json::json!({
        "filename": filename,
        "sha256": sha256,
        "cases": manifest,
    });
    write(
        "manifest.json",
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )
}

/// Mints `count` attestations over 450 projects × 3 publisher kinds, reusing leaves as
/// a test suite would, and reports wall time per attestation.
fn bench(count: u64, out: &mut impl std::io::Write) -> anyhow::Result<()> {
    let authority = signer::global();
    let publishers: Vec<TestPublisher> = (0..450)
        .map(|i| match i % 3 {
            0 => TestPublisher::github(&format!("org{i}/project{i}"), "release.yml"),
            1 => TestPublisher::gitlab(&format!("group{i}/project{i}"), ".gitlab-ci.yml"),
            _ => TestPublisher::google(&format!("svc{i}@project{i}.iam.gserviceaccount.com")),
        })
        .collect();
    let sha = "ab".repeat(32);
    let requests: Vec<MintRequest> = (0..count)
        .map(|i| {
            let p = (i % 450) as usize;
            let file = if i % 2 == 0 {
                format!("project{p}-1.{i}.tar.gz")
            } else {
                format!("project{p}-1.{i}-py3-none-any.whl")
            };
            MintRequest::new(&file, &sha, publishers[p].clone())
        })
        .collect();

    // First pass issues one leaf per publisher; the second is the steady state.
    let cold = Instant::now();
    let mut bytes = 0usize;
    for r in &requests {
        bytes += authority.mint_attestation(r).len();
    }
    let cold = cold.elapsed();
    let warm = Instant::now();
    for r in &requests {
        bytes += authority.mint_attestation(r).len();
    }
    let warm = warm.elapsed();
    if bytes == 0 {
        bail!("minted nothing");
    }
    let per = |d: std::time::Duration| d.as_secs_f64() * 1e6 / count.max(1) as f64;
    writeln!(
        out,
        "minted {count} attestations ({} publishers): first pass {:.0} ms ({:.1} µs each, \
         incl. {} leaf certificates), cached leaves {:.0} ms ({:.1} µs each), avg {} bytes",
        publishers.len().min(count as usize),
        cold.as_secs_f64() * 1e3,
        per(cold),
        publishers.len().min(count as usize),
        warm.as_secs_f64() * 1e3,
        per(warm),
        bytes / (2 * count.max(1) as usize),
    )
    .context("write to stdout")?;
    Ok(())
}
