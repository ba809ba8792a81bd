//! `attestation_corpus`: a corpus of real-shaped PEP 740 provenance for side-by-side
//! benchmarks (`scripts/bench_vs_reference.py`). TEST-ONLY signatures (the test signer).
//!
//! ```text
//! cargo run --release --example attestation_corpus -- write DIR [PACKAGES]
//! cargo run --release --example attestation_corpus -- serve DIR
//! ```
//!
//! `write` mints PACKAGES (default 450) packages of two files each — an sdist and a wheel
//! signed with one leaf certificate, as one CI job signs a release — and writes into DIR:
//! `index/` (what the fake PyPI serves), `vendor/` (the same answers as `pubgate fetch`
//! writes them, recorded through pubgate), `requirements.txt` (every file hashed),
//! `trusted_root.json` (the test root), `index_url.txt` (the URL `vendor/` was recorded
//! from) and `manifest.json` (`[{provenance, filename, sha256}]`, paths relative to DIR)
//! for the reference verifier. `serve` serves `DIR/index` on the port of `index_url.txt`,
//! prints the index URL and runs until its standard input closes.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool: it reports what it wrote and the URL it serves on stdout"
)]

use std::io::Read as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context as _};
use pubgate::index::{gather_report_blocking, IndexOptions, NoProgress};
use pubgate::lockfile::{Artifact, Location, LockFormat, LockedPackage, Lockfile, Source};
use pubgate::testing::fake_pypi::{
    default_publisher, synthetic_sha256, FakeFile, FakeIndex, FakePypi, MintRequest, Minter,
    SignerMinter, Variant,
};
use pubgate::url::SecretUrl;
use pubgate::verify::TrustRoot;

const VERSION: &str = "1.2.3";

fn files(i: usize) -> [String; 2] {
    let dist = format!("pkg_{i:04}");
    [
        format!("{dist}-{VERSION}.tar.gz"),
        format!("{dist}-{VERSION}-py3-none-any.whl"),
    ]
}

fn write(dir: &Path, count: usize) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)?;
    let minter = SignerMinter;
    let mut index = FakeIndex::new();
    let mut manifest = Vec::new();
    let mut requirements = String::new();
    for i in 0..count {
        let name = format!("pkg-{i:04}");
        let publisher = default_publisher(&name);
        requirements.push_str(&format!("{name}=={VERSION}"));
        for filename in files(i) {
            let sha = synthetic_sha256(&filename);
            let provenance = minter.mint(&MintRequest {
                filename: &filename,
                sha256: &sha,
                publisher: &publisher,
                variant: Variant::Valid,
            });
            index.add(
                &name,
                FakeFile::new(&filename, &sha).with_provenance(provenance),
            );
            requirements.push_str(&format!(" \\\n    --hash=sha256:{sha}"));
            manifest.push(serde_json::json!({
                "provenance": format!("index/integrity/{name}/{VERSION}/{filename}/provenance"),
                "filename": filename,
                "sha256": sha,
            }));
        }
        requirements.push('\n');
    }
    let root_json = minter
        .trusted_root()
        .context("the test signer has a trust root")?;
    std::fs::write(dir.join("trusted_root.json"), &root_json)?;
    std::fs::write(dir.join("requirements.txt"), requirements)?;
    std::fs::write(
        dir.join("manifest.json"),
        serde_json::to_vec_pretty(&manifest)?,
    )?;
    let index_dir = dir.join("index");
    index.write(&index_dir)?;

    // Record the vendored answers through pubgate itself, as `pubgate fetch` does.
    let server = FakePypi::start(&index_dir)?;
    let vendor = dir.join("vendor");
    std::fs::create_dir_all(&vendor)?;
    let mut options = IndexOptions::new(TrustRoot::from_json(&root_json, "the test signer")?);
    options.index_url = SecretUrl::new(server.index_url());
    options.cache_dir = None;
    options.record_into = Some(vendor);
    let lock = lockfile(count, &server.index_url());
    let report = gather_report_blocking(std::slice::from_ref(&lock), &options, &NoProgress)?;
    if !report.record_errors.is_empty() {
        bail!("recording failed: {:?}", report.record_errors);
    }
    let verified = report.evidence[0]
        .packages
        .iter()
        .flat_map(|p| &p.artifacts)
        .filter(|a| a.provenance.verified().is_some())
        .count();
    if verified != 2 * count {
        bail!("only {verified} of {} files verified", 2 * count);
    }
    std::fs::write(dir.join("index_url.txt"), server.index_url())?;
    println!(
        "{} attestations for {count} packages in {}",
        2 * count,
        dir.display()
    );
    Ok(())
}

fn lockfile(count: usize, index_url: &str) -> Lockfile {
    let packages = (0..count)
        .map(|i| LockedPackage {
            name: format!("pkg-{i:04}").into(),
            version: Some(VERSION.into()),
            source: Source::Index {
                url: SecretUrl::new(index_url),
            },
            artifacts: files(i)
                .into_iter()
                .map(|filename| Artifact {
                    sha256: Some(synthetic_sha256(&filename)),
                    filename,
                    other_hashes: Vec::new(),
                    url: None,
                })
                .collect(),
            marker: None,
            location: Location {
                path: PathBuf::from("requirements.txt"),
                line: 1 + i as u32 * 3,
            },
            attestation_identities: Vec::new(),
        })
        .collect();
    Lockfile {
        path: PathBuf::from("requirements.txt"),
        format: LockFormat::Requirements,
        packages,
        unpinned: Vec::new(),
        indexes: Vec::new(),
    }
}

fn serve(dir: &Path) -> anyhow::Result<()> {
    let url = std::fs::read_to_string(dir.join("index_url.txt"))?;
    let port: u16 = url
        .trim()
        .rsplit_once(':')
        .and_then(|(_, rest)| rest.split('/').next())
        .and_then(|p| p.parse().ok())
        .context("a port in index_url.txt")?;
    let server = FakePypi::start_on(dir.join("index"), port)
        .or_else(|_| FakePypi::start(dir.join("index")))?;
    println!("{}", server.index_url());
    let mut sink = Vec::new();
    std::io::stdin().read_to_end(&mut sink)?;
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["write", dir] => write(Path::new(dir), 450),
        ["write", dir, count] => write(Path::new(dir), count.parse()?),
        ["serve", dir] => serve(Path::new(dir)),
        _ => bail!("usage: attestation_corpus write DIR [PACKAGES] | serve DIR"),
    }
}
