//! Command-line definitions (clap). Parsing only; each subcommand runs in `commands/`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use pubgate::lockfile::LockFormat;

#[derive(Debug, Parser)]
#[command(
    name = "pubgate",
    version,
    about = "Check who published your locked Python dependencies, verified offline from PEP 740 attestations",
    long_about = None,
    after_help = "Exit codes: 0 pass, 1 the policy failed, 2 the run could not be judged.\n\
                  Docs: https://github.com/pubgate/pubgate/tree/main/docs"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check lockfiles against the policy (the main job)
    #[command(
        after_help = "Example:\n  pubgate check uv.lock --policy pubgate.toml --format github"
    )]
    Check(CheckArgs),
    /// Show what the lockfile parser sees: packages, sources, artifacts
    #[command(after_help = "Example:\n  pubgate lock uv.lock --format json")]
    Lock(LockArgs),
    /// Verify one provenance object or attestation offline
    #[command(
        after_help = "Example:\n  pubgate verify sampleproject-4.0.0.tar.gz.provenance \\\n    --filename sampleproject-4.0.0.tar.gz --sha256 0ace7980f82c5815ede4cd7bf9f6693684cec2ae47b9b7ade9add533b8627c6b\n\n\
                      Exit codes: 0 valid, 1 invalid, 2 the input could not be read."
    )]
    Verify(VerifyArgs),
    /// Verify a standard Sigstore bundle (sigstore-conformance interface)
    #[command(
        name = "verify-bundle",
        after_help = "Example:\n  pubgate verify-bundle --bundle a.txt.sigstore.json \\\n    --certificate-identity https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1 \\\n    --certificate-oidc-issuer https://token.actions.githubusercontent.com a.txt"
    )]
    VerifyBundle(VerifyBundleArgs),
    /// Vendor everything a check needs (project pages, provenance) into a directory
    #[command(
        after_help = "Example:\n  pubgate fetch uv.lock --into vendor/provenance\n  pubgate check uv.lock --offline --provenance-dir vendor/provenance"
    )]
    Fetch(FetchArgs),
    /// Show who published each file of a release
    #[command(after_help = "Example:\n  pubgate inspect sampleproject==4.0.0")]
    Inspect(InspectArgs),
    /// Audit how your own projects are published: every release, its provenance and publisher
    #[command(
        after_help = "Examples:\n  pubgate audit                      every `[[project]]` of the policy, every release\n  pubgate audit my-project --since 2d --format github\n\n\
                      Exit codes: 0 pass, 1 the policy failed, 2 the run could not be judged.\n\
                      Docs: https://github.com/pubgate/pubgate/blob/main/docs/audit.md"
    )]
    Audit(AuditArgs),
    /// Write a starting policy that pins each package to the publisher that verifies now
    #[command(
        after_help = "Examples:\n  pubgate init uv.lock                          write pubgate.toml\n  pubgate init uv.lock --update                 pin new packages; report changed publishers\n  pubgate init uv.lock --update --accept NAME   accept NAME's new publisher, after review\n\n\
                      Exit codes: 0 written, 1 (--update) a pinned publisher changed and was not accepted,\n2 the policy could not be written."
    )]
    Init(InitArgs),
    /// Work with the policy (explain how it judges a package)
    Policy(PolicyArgs),
    /// Show what a lockfile change does to who publishes your dependencies
    #[command(
        after_help = "Examples:\n  pubgate diff old/uv.lock uv.lock\n  pubgate diff --base origin/main uv.lock --format markdown\n\n\
                      Exit codes: 0 the change introduces no finding at deny, 1 it does, 2 it could not be judged."
    )]
    Diff(DiffArgs),
    /// Record each package's verified publisher in a pylock.toml (PEP 751 attestation-identities)
    #[command(
        name = "write-identities",
        after_help = "Example:\n  pubgate write-identities pylock.toml\n\n\
                      Only the new `[[packages.attestation-identities]]` tables are added: the rest of the file\n\
                      is kept byte for byte. Identities already recorded are kept and checked.\n\
                      Exit codes: 0 written (or nothing to write), 1 a recorded identity does not match the\n\
                      verified publisher, 2 the file could not be read or written."
    )]
    WriteIdentities(WriteIdentitiesArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SimpleFormat {
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiffFormat {
    Human,
    Json,
    Markdown,
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    Human,
    Json,
    Sarif,
    Github,
    Markdown,
    Cyclonedx,
}

/// Options shared by every command that asks an index.
#[derive(Debug, Clone, Args)]
pub struct IndexArgs {
    /// The package index (simple API root) that stands in for PyPI [default: the index
    /// `UV_DEFAULT_INDEX`, `UV_INDEX_URL` or `PIP_INDEX_URL` names, else https://pypi.org/simple]
    #[arg(long, env = "PUBGATE_INDEX_URL", value_name = "URL")]
    pub index_url: Option<String>,
    /// Where files from a mirror get their provenance, bound by their locked sha256
    /// [default: the policy's `[sources] provenance-index`, else https://pypi.org/simple]
    #[arg(long, value_name = "URL")]
    pub provenance_index: Option<String>,
    /// An index that mirrors the provenance index (repeatable; adds to the policy's
    /// `[sources] mirrors`): its packages get their evidence from the provenance index
    #[arg(long = "mirror", value_name = "URL")]
    pub mirrors: Vec<String>,
    /// Make no network request: pages come from --provenance-dir only (the cache holds provenance objects, not pages)
    #[arg(long)]
    pub offline: bool,
    /// Read project pages and provenance from a directory written by `pubgate fetch`
    #[arg(long, value_name = "DIR")]
    pub provenance_dir: Option<PathBuf>,
    /// Sigstore trusted_root.json (default: the embedded public-good root)
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
    /// Cache directory for provenance objects, verified again on every run (default: $XDG_CACHE_HOME/pubgate)
    #[arg(long, value_name = "DIR", conflicts_with = "no_cache")]
    pub cache_dir: Option<PathBuf>,
    /// Do not read or write the cache
    #[arg(long)]
    pub no_cache: bool,
    /// Requests in flight at once
    #[arg(long, default_value_t = 16, value_name = "N", value_parser = clap::value_parser!(u16).range(1..=256))]
    pub concurrency: u16,
    /// Per-request timeout, in seconds
    #[arg(long, default_value_t = 30, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub timeout: u64,
    /// Deadline for the whole gathering (network, page parsing, verification), in seconds;
    /// what is unfinished then is unavailable [default: 10 × --timeout, within 30–900]
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..=86400))]
    pub deadline: Option<u64>,
    /// Largest project page accepted, in MiB (after decompression); a larger page makes
    /// its package's files unavailable (PG103) [default: the policy's `[limits]`
    /// `max-page-size`, else 64]
    #[arg(long, value_name = "MIB", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub max_page_size: Option<u32>,
    /// Examine only the locked files that install on this CPython version (e.g. `3.12`);
    /// sdists are always examined [default: every locked file]
    #[arg(long, value_name = "X.Y")]
    pub python: Option<pubgate::index::scope::PythonVersion>,
    /// Examine only the locked files that install on one of these platforms (a wheel
    /// platform tag such as `manylinux_2_28_x86_64`, `macosx_14_0_arm64`, `win_amd64`;
    /// repeat for several) [default: every locked file]
    #[arg(long, value_name = "TAG")]
    pub platform: Vec<pubgate::index::scope::Platform>,
    /// Show everything: each package where a report folds them, and every request, retry,
    /// timing and back-off from an overloaded index (429, 503, timeouts) on stderr
    #[arg(short, long)]
    pub verbose: bool,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Lockfiles to check (default: every supported lockfile in the current directory)
    pub lockfiles: Vec<PathBuf>,
    /// Policy file (default: pubgate.toml, .pubgate.toml, [tool.pubgate] in pyproject.toml, else the built-in default)
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Report format
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Write the report to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a SARIF 2.1.0 report to FILE, from the same run as the --format report
    /// (e.g. annotations in the log and SARIF for code scanning)
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Name files in reports as PREFIX/PATH: the current directory relative to the
    /// repository root, so annotations and SARIF point into the repository (the GitHub
    /// Action sets it from `working-directory`)
    #[arg(long, value_name = "PREFIX")]
    pub path_prefix: Option<PathBuf>,
    /// Treat warnings as failures
    #[arg(long)]
    pub deny_warnings: bool,
    /// Force the lockfile format instead of detecting it
    #[arg(long, value_name = "FORMAT")]
    pub lock_format: Option<LockFormat>,
    #[command(flatten)]
    pub index: IndexArgs,
}

#[derive(Debug, Args)]
pub struct LockArgs {
    /// The lockfile to read
    pub lockfile: PathBuf,
    /// Output format
    #[arg(long, value_enum, default_value_t = SimpleFormat::Human)]
    pub format: SimpleFormat,
    /// Force the lockfile format instead of detecting it
    #[arg(long, value_name = "FORMAT")]
    pub lock_format: Option<LockFormat>,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// A `.provenance` object or a single attestation (JSON)
    pub file: PathBuf,
    /// The distribution filename the provenance must be for
    #[arg(long, value_name = "NAME")]
    pub filename: String,
    /// The distribution's sha256 (hex)
    #[arg(long, value_name = "HEX")]
    pub sha256: String,
    /// Sigstore trusted_root.json (default: the embedded public-good root)
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = SimpleFormat::Human)]
    pub format: SimpleFormat,
}

#[derive(Debug, Args)]
pub struct VerifyBundleArgs {
    /// The Sigstore bundle (JSON)
    #[arg(long, value_name = "FILE")]
    pub bundle: PathBuf,
    /// Expected certificate identity (SAN)
    #[arg(
        long,
        value_name = "IDENTITY",
        requires = "certificate_oidc_issuer",
        conflicts_with = "key"
    )]
    pub certificate_identity: Option<String>,
    /// Expected OIDC issuer
    #[arg(long, value_name = "URL", requires = "certificate_identity")]
    pub certificate_oidc_issuer: Option<String>,
    /// Verify with this public key (PEM) instead of a certificate identity
    #[arg(long, value_name = "PEM")]
    pub key: Option<PathBuf>,
    /// Sigstore trusted_root.json (default: the embedded public-good root)
    #[arg(long, value_name = "FILE")]
    pub trusted_root: Option<PathBuf>,
    /// Default to the embedded Sigstore staging root instead of production
    /// (`--trusted-root` still wins)
    #[arg(long)]
    pub staging: bool,
    /// The artifact file, or `sha256:HEX`
    pub artifact: String,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// Lockfiles whose packages to vendor (default: every supported lockfile in the current directory)
    pub lockfiles: Vec<PathBuf>,
    /// Directory to write into
    #[arg(long, value_name = "DIR")]
    pub into: PathBuf,
    /// Force the lockfile format instead of detecting it
    #[arg(long, value_name = "FORMAT")]
    pub lock_format: Option<LockFormat>,
    #[command(flatten)]
    pub index: IndexArgs,
}

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The release, as NAME==VERSION
    pub release: String,
    /// Output format
    #[arg(long, value_enum, default_value_t = SimpleFormat::Human)]
    pub format: SimpleFormat,
    #[command(flatten)]
    pub index: IndexArgs,
}

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// Projects to audit (default: every `[[project]]` entry of the policy)
    pub projects: Vec<String>,
    /// Policy file (default: pubgate.toml, .pubgate.toml, [tool.pubgate] in pyproject.toml, else the built-in default)
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Only releases with a file uploaded since WHEN: a UTC date (2025-06-01), an RFC 3339
    /// time, or a span back from now (36h, 2d)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Only the N most recently uploaded releases of each project
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub last: Option<u32>,
    /// Report format
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,
    /// Write the report to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Also write a SARIF 2.1.0 report to FILE, from the same run
    #[arg(long, value_name = "FILE")]
    pub sarif: Option<PathBuf>,
    /// Treat warnings as failures
    #[arg(long)]
    pub deny_warnings: bool,
    #[command(flatten)]
    pub index: IndexArgs,
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Lockfiles whose packages to pin (default: every supported lockfile in the current directory)
    pub lockfiles: Vec<PathBuf>,
    /// The policy file to write, or `-` for stdout
    #[arg(long, value_name = "FILE", default_value = "pubgate.toml")]
    pub output: PathBuf,
    /// Replace an existing policy
    #[arg(long, conflicts_with = "update")]
    pub force: bool,
    /// Update the policy at --output: pin newly locked packages, and report (never rewrite)
    /// a pinned publisher that changed
    #[arg(long)]
    pub update: bool,
    /// With --update: write NAME's new publisher into the policy (repeat for more); review
    /// the change first
    #[arg(long, value_name = "NAME", requires = "update")]
    pub accept: Vec<String>,
    /// Force the lockfile format instead of detecting it
    #[arg(long, value_name = "FORMAT")]
    pub lock_format: Option<LockFormat>,
    #[command(flatten)]
    pub index: IndexArgs,
}

#[derive(Debug, Args)]
pub struct PolicyArgs {
    #[command(subcommand)]
    pub command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
pub enum PolicyCommand {
    /// Show which entries apply to a package, the level of each rule and why, and its exemptions
    #[command(
        after_help = "Example:\n  pubgate policy explain requests==2.32.3 --policy pubgate.toml"
    )]
    Explain(ExplainArgs),
}

#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The package, as NAME or NAME==VERSION (a version decides which exemptions apply)
    pub package: String,
    /// Policy file (default: pubgate.toml, .pubgate.toml, [tool.pubgate] in pyproject.toml, else the built-in default)
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Output format
    #[arg(long, value_enum, default_value_t = SimpleFormat::Human)]
    pub format: SimpleFormat,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// OLD NEW (two lockfiles); with --base, the lockfiles to compare with their version at
    /// REF (default: every supported lockfile in the current directory)
    pub lockfiles: Vec<PathBuf>,
    /// Compare each lockfile with its version at this git revision (`git show REF:path`, no
    /// checkout), e.g. `origin/main`
    #[arg(long, value_name = "REF")]
    pub base: Option<String>,
    /// Policy file (default: pubgate.toml, .pubgate.toml, [tool.pubgate] in pyproject.toml, else the built-in default)
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// Report format
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
    /// Write the report to FILE instead of stdout
    #[arg(long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// Treat warnings the change introduces as failures
    #[arg(long)]
    pub deny_warnings: bool,
    /// Force the lockfile format instead of detecting it
    #[arg(long, value_name = "FORMAT")]
    pub lock_format: Option<LockFormat>,
    #[command(flatten)]
    pub index: IndexArgs,
}

#[derive(Debug, Args)]
pub struct WriteIdentitiesArgs {
    /// The pylock.toml to fill in
    pub lockfile: PathBuf,
    /// Print what would be written, and write nothing
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub index: IndexArgs,
}
