//! Helpers shared by the `index_*` integration tests: lockfiles built by hand, options
//! pointed at a fake PyPI on loopback with short timeouts, real fixture data.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::time::Duration;

use pubgate::evidence::{
    FetchFailure, LockfileEvidence, PackageEvidence, ProvenanceStatus, UnavailableCause,
    UnavailableKind,
};
use pubgate::index::{gather_blocking, IndexOptions, NoProgress};
use pubgate::lockfile::{Artifact, Location, LockFormat, LockedPackage, Lockfile, Source};
use pubgate::testing::fake_pypi::{FakeFile, FakeIndex, FakePypi, FixtureMinter};
use pubgate::url::SecretUrl;
use pubgate::verify::TrustRoot;

pub const SAMPLE_SDIST: &str = "sampleproject-4.0.0.tar.gz";
pub const SAMPLE_SHA: &str = "0ace7980f82c5815ede4cd7bf9f6693684cec2ae47b9b7ade9add533b8627c6b";
pub const ABI3_WHEEL_NEW: &str = "abi3info-2024.10.8-py3-none-any.whl";
pub const ABI3_WHEEL_NEW_SHA: &str =
    "b0236c6707783f93971274101e119055192cef0925f5b7cebdad03c69dc5a499";
pub const ABI3_SDIST_NEW: &str = "abi3info-2024.10.8.tar.gz";
pub const ABI3_SDIST_NEW_SHA: &str =
    "f81f9513cba039a5231d6523ca58b071d1d96afe430cd576bfda3e73c8b4e55f";
pub const PA_WHEEL_30: &str = "pypi_attestations-0.0.30-py3-none-any.whl";
pub const PA_WHEEL_30_SHA: &str =
    "b3a9c53f6cb89e5e7b5b70e6cfca97cfc66008c1ed54087355e06e40071cef21";

/// A lowercase hex sha256 made of one repeated hex digit pair.
pub fn sha(byte: &str) -> String {
    byte.repeat(32)
}

/// The real provenance fixture for a (filename, sha256).
pub fn fixture_provenance(filename: &str, sha256: &str) -> Vec<u8> {
    FixtureMinter::load()
        .fixture(filename, sha256)
        .unwrap_or_else(|| panic!("no fixture provenance for {filename}"))
        .to_vec()
}

/// Writes `index` into a fresh directory and serves it.
pub fn serve(index: &FakeIndex) -> (tempfile::TempDir, FakePypi) {
    let dir = tempfile::tempdir().unwrap();
    index.write(dir.path()).unwrap();
    let server = FakePypi::start(dir.path()).unwrap();
    (dir, server)
}

/// A one-project index.
pub fn index_of(project: &str, files: Vec<FakeFile>) -> FakeIndex {
    let mut index = FakeIndex::new();
    for file in files {
        index.add(project, file);
    }
    index
}

/// Options for the fake index: no cache, short timeouts, quick retries.
pub fn options(server: &FakePypi) -> IndexOptions {
    let mut options = IndexOptions::new(TrustRoot::production().unwrap());
    options.index_url = SecretUrl::new(server.index_url());
    options.cache_dir = None;
    options.http.request_timeout = Duration::from_secs(2);
    options.http.overall_timeout = Duration::from_secs(20);
    options.http.retries = 2;
    options.http.backoff_base = Duration::from_millis(20);
    options.http.backoff_max = Duration::from_millis(200);
    options
}

/// Options with a cache in `dir`.
pub fn cached_options(server: &FakePypi, dir: &Path) -> IndexOptions {
    let mut options = options(server);
    options.cache_dir = Some(dir.to_path_buf());
    options
}

/// A locked index package on `index` with (filename, sha256) artifacts.
pub fn package(
    name: &str,
    version: &str,
    index: &str,
    artifacts: &[(&str, Option<&str>)],
) -> LockedPackage {
    LockedPackage {
        name: name.into(),
        version: Some(version.to_string()),
        source: Source::Index {
            url: SecretUrl::new(index),
        },
        artifacts: artifacts
            .iter()
            .map(|(filename, sha)| Artifact {
                filename: filename.to_string(),
                sha256: sha.map(str::to_string),
                other_hashes: Vec::new(),
                url: None,
            })
            .collect(),
        marker: None,
        location: Location {
            path: PathBuf::from("uv.lock"),
            line: 1,
        },
        attestation_identities: Vec::new(),
    }
}

/// A lockfile of these packages.
pub fn lockfile(path: &str, packages: Vec<LockedPackage>) -> Lockfile {
    Lockfile {
        path: PathBuf::from(path),
        format: LockFormat::Uv,
        packages,
        unpinned: Vec::new(),
        indexes: Vec::new(),
    }
}

/// Gathers evidence for one package.
pub fn gather_one(package: LockedPackage, options: &IndexOptions) -> PackageEvidence {
    let evidence =
        gather_blocking(&[lockfile("uv.lock", vec![package])], options, &NoProgress).unwrap();
    evidence
        .into_iter()
        .next()
        .unwrap()
        .packages
        .into_iter()
        .next()
        .unwrap()
}

/// Gathers evidence for lockfiles.
pub fn gather(lockfiles: &[Lockfile], options: &IndexOptions) -> Vec<LockfileEvidence> {
    gather_blocking(lockfiles, options, &NoProgress).unwrap()
}

/// (filename, status slug) for each artifact.
pub fn slugs(evidence: &PackageEvidence) -> Vec<(String, &'static str)> {
    evidence
        .artifacts
        .iter()
        .map(|a| (a.filename.clone().unwrap_or_default(), a.provenance.slug()))
        .collect()
}

/// The cause of an unavailable status.
pub fn unavailable_cause(status: &ProvenanceStatus) -> &UnavailableCause {
    match status {
        ProvenanceStatus::Unavailable { cause } => cause,
        other => panic!("expected unavailable, got {other:?}"),
    }
}

/// The message of an unavailable status.
pub fn cause(status: &ProvenanceStatus) -> String {
    unavailable_cause(status).to_string()
}

/// What failed, for an unavailable status whose fetch failed.
pub fn fetch_failure(status: &ProvenanceStatus) -> &FetchFailure {
    match unavailable_cause(status).kind() {
        UnavailableKind::Fetch(failure) => failure,
        other => panic!("expected a failed fetch, got {other:?}"),
    }
}

/// A file of `project` with a synthetic sha256 and provenance signed by the test signer for
/// GitHub `repository` (`release.yml`).
pub fn signed(filename: &str, repository: &str) -> FakeFile {
    use pubgate::testing::fake_pypi::{FakePublisher, MintRequest, Minter, SignerMinter, Variant};
    let sha256 = pubgate::testing::fake_pypi::synthetic_sha256(filename);
    let publisher = FakePublisher::github(repository, "release.yml", None);
    let provenance = SignerMinter.mint(&MintRequest {
        filename,
        sha256: &sha256,
        publisher: &publisher,
        variant: Variant::Valid,
    });
    FakeFile::new(filename, &sha256).with_provenance(provenance)
}

/// A file with a synthetic sha256 and no provenance.
pub fn unsigned(filename: &str) -> FakeFile {
    FakeFile::new(
        filename,
        &pubgate::testing::fake_pypi::synthetic_sha256(filename),
    )
}

/// [`options`] under the test signer's trust root.
pub fn signer_options(server: &FakePypi) -> IndexOptions {
    let mut options = options(server);
    let root = pubgate::testing::signer::global().trusted_root_json();
    options.trust_root =
        std::sync::Arc::new(TrustRoot::from_json(root.as_bytes(), "test signer").unwrap());
    options
}
