//! Where the fake index's provenance bytes come from: a pluggable [`Minter`].
//!
//! [`default_minter`] signs with the test signer ([`SignerMinter`]); [`FixtureMinter`] serves
//! the real provenance objects in `fixtures/pep740/` for the (filename, sha256) pairs they
//! attest, and a well-formed but unsigned placeholder for anything else (it fails
//! verification, as it should).

use std::collections::HashMap;
use std::path::Path;

use base64::Engine;
use serde_json::{json, Value};

/// A Trusted Publisher identity for minted provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakePublisher {
    /// `GitHub`, `GitLab`, `Google`, …
    pub kind: String,
    pub repository: String,
    pub workflow: String,
    pub environment: Option<String>,
}

impl FakePublisher {
    pub fn github(repository: &str, workflow: &str, environment: Option<&str>) -> FakePublisher {
        FakePublisher {
            kind: "GitHub".into(),
            repository: repository.into(),
            workflow: workflow.into(),
            environment: environment.map(str::to_string),
        }
    }

    /// The `publisher` object PyPI puts in a provenance bundle.
    pub fn claim(&self) -> Value {
        json!({
            "kind": self.kind,
            "repository": self.repository,
            "workflow": self.workflow,
            "environment": self.environment,
        })
    }
}

/// Which provenance to mint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// Provenance that should verify.
    Valid,
    /// Provenance whose signature is broken: it must verify as invalid.
    Tampered,
}

/// What to mint provenance for.
#[derive(Debug, Clone)]
pub struct MintRequest<'a> {
    pub filename: &'a str,
    /// Lowercase hex.
    pub sha256: &'a str,
    pub publisher: &'a FakePublisher,
    pub variant: Variant,
}

/// A source of provenance bytes for the fake index.
pub trait Minter: Send + Sync {
    /// The provenance object (JSON bytes) for one file.
    fn mint(&self, request: &MintRequest<'_>) -> Vec<u8>;

    /// The `trusted_root.json` under which minted provenance verifies; `None` means the
    /// Sigstore production root (real fixtures).
    fn trusted_root(&self) -> Option<Vec<u8>> {
        None
    }
}

impl<F> Minter for F
where
    F: Fn(&MintRequest<'_>) -> Vec<u8> + Send + Sync,
{
    fn mint(&self, request: &MintRequest<'_>) -> Vec<u8> {
        self(request)
    }
}

/// The minter `examples/fake_pypi.rs build`, the benchmark and most tests use: the test
/// signer, valid under its test trust root for any filename, sha256 and publisher.
pub fn default_minter() -> Box<dyn Minter> {
    Box::new(SignerMinter)
}

/// Provenance signed by [`crate::testing::signer`], valid under its test root
/// ([`Minter::trusted_root`]); `Tampered` gets a broken DSSE signature.
#[derive(Debug, Clone, Copy, Default)]
pub struct SignerMinter;

impl SignerMinter {
    fn publisher(publisher: &FakePublisher) -> crate::testing::signer::TestPublisher {
        use crate::testing::signer::TestPublisher;
        let environment = publisher.environment.as_deref();
        match publisher.kind.as_str() {
            "GitLab" => TestPublisher::gitlab(&publisher.repository, &publisher.workflow)
                .with_environment(environment),
            // A Google publisher is an email; the fake keeps it in `repository`.
            "Google" => TestPublisher::google(&publisher.repository),
            _ => TestPublisher::github(&publisher.repository, &publisher.workflow)
                .with_environment(environment),
        }
    }
}

impl Minter for SignerMinter {
    fn mint(&self, request: &MintRequest<'_>) -> Vec<u8> {
        use crate::testing::signer as s;
        let variant = match request.variant {
            Variant::Valid => s::Variant::Valid,
            Variant::Tampered => s::Variant::Signature,
        };
        let mint = s::MintRequest::new(
            request.filename,
            request.sha256,
            Self::publisher(request.publisher),
        )
        .variant(variant);
        s::mint_provenance(std::slice::from_ref(&mint))
    }

    fn trusted_root(&self) -> Option<Vec<u8>> {
        Some(
            crate::testing::signer::global()
                .trusted_root_json()
                .into_bytes(),
        )
    }
}

/// Real provenance from `fixtures/pep740/` where it exists, a placeholder otherwise.
#[derive(Debug, Clone, Default)]
pub struct FixtureMinter {
    /// sha256 → (subject filename, provenance bytes).
    by_sha256: HashMap<String, (String, Vec<u8>)>,
}

impl FixtureMinter {
    /// Indexes every provenance object under the repository's `fixtures/pep740/`.
    pub fn load() -> FixtureMinter {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/pep740");
        let mut minter = FixtureMinter::default();
        minter.scan(&dir);
        minter
    }

    fn scan(&mut self, dir: &Path) {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok()).map(|e| e.path()).collect();
        paths.sort();
        for path in paths {
            if path.is_dir() {
                self.scan(&path);
            } else if let Ok(bytes) = std::fs::read(&path) {
                if let Some((name, sha256)) = provenance_subject(&bytes) {
                    self.by_sha256.entry(sha256).or_insert((name, bytes));
                }
            }
        }
    }

    /// The real provenance attesting (`filename`, `sha256`), if a fixture has it.
    pub fn fixture(&self, filename: &str, sha256: &str) -> Option<&[u8]> {
        self.by_sha256
            .get(sha256)
            .filter(|(name, _)| crate::dist::same_distribution(name, filename))
            .map(|(_, bytes)| bytes.as_slice())
    }

    /// Every (subject filename, sha256) a fixture attests.
    pub fn subjects(&self) -> Vec<(String, String)> {
        let mut subjects: Vec<_> = self
            .by_sha256
            .iter()
            .map(|(sha, (name, _))| (name.clone(), sha.clone()))
            .collect();
        subjects.sort();
        subjects
    }
}

impl Minter for FixtureMinter {
    fn mint(&self, request: &MintRequest<'_>) -> Vec<u8> {
        let valid = match self.fixture(request.filename, request.sha256) {
            Some(bytes) => bytes.to_vec(),
            None => placeholder(request),
        };
        match request.variant {
            Variant::Valid => valid,
            Variant::Tampered => tamper(&valid),
        }
    }
}

/// The subject (name, sha256) of a provenance object's first attestation.
pub fn provenance_subject(bytes: &[u8]) -> Option<(String, String)> {
    let value: Value = serde_json::from_slice(bytes).ok()?;
    let attestation = value
        .get("attestation_bundles")?
        .get(0)?
        .get("attestations")?
        .get(0)?;
    let statement = attestation.get("envelope")?.get("statement")?.as_str()?;
    let statement = base64::engine::general_purpose::STANDARD
        .decode(statement)
        .ok()?;
    let statement: Value = serde_json::from_slice(&statement).ok()?;
    let subject = statement.get("subject")?.get(0)?;
    Some((
        subject.get("name")?.as_str()?.to_string(),
        subject
            .get("digest")?
            .get("sha256")?
            .as_str()?
            .to_ascii_lowercase(),
    ))
}

/// A provenance object of the right shape for `request` whose attestation carries no real
/// certificate or signature: verification must refuse it.
pub fn placeholder(request: &MintRequest<'_>) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let statement = json!({
        "_type": "https://in-toto.io/Statement/v1",
        "subject": [{"name": request.filename, "digest": {"sha256": request.sha256}}],
        "predicateType": "https://docs.pypi.org/attestations/publish/v1",
        "predicate": null,
    });
    let provenance = json!({
        "version": 1,
        "attestation_bundles": [{
            "publisher": request.publisher.claim(),
            "attestations": [{
                "version": 1,
                "verification_material": {
                    "certificate": b64.encode(b"placeholder: no certificate until the test signer is plugged in"),
                    "transparency_entries": [{}],
                },
                "envelope": {
                    "statement": b64.encode(statement.to_string()),
                    "signature": b64.encode([0u8; 64]),
                },
            }],
        }],
    });
    serde_json::to_vec_pretty(&provenance).unwrap_or_default()
}

/// The same provenance with every attestation's signature corrupted (one bit flipped).
pub fn tamper(provenance: &[u8]) -> Vec<u8> {
    let b64 = base64::engine::general_purpose::STANDARD;
    let Ok(mut value) = serde_json::from_slice::<Value>(provenance) else {
        let mut bytes = provenance.to_vec();
        if let Some(last) = bytes.last_mut() {
            *last ^= 1;
        }
        return bytes;
    };
    if let Some(bundles) = value
        .get_mut("attestation_bundles")
        .and_then(Value::as_array_mut)
    {
        for bundle in bundles {
            let Some(attestations) = bundle.get_mut("attestations").and_then(Value::as_array_mut)
            else {
                continue;
            };
            for attestation in attestations {
                let Some(signature) = attestation.pointer_mut("/envelope/signature") else {
                    continue;
                };
                let mut raw = signature
                    .as_str()
                    .and_then(|s| b64.decode(s).ok())
                    .unwrap_or_default();
                match raw.last_mut() {
                    Some(last) => *last ^= 0x01,
                    None => raw.push(0),
                }
                *signature = Value::String(b64.encode(raw));
            }
        }
    }
    serde_json::to_vec_pretty(&value).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE_SHA: &str = "0ace7980f82c5815ede4cd7bf9f6693684cec2ae47b9b7ade9add533b8627c6b";

    #[test]
    fn serves_real_fixtures_for_their_subjects() {
        let minter = FixtureMinter::load();
        let publisher = FakePublisher::github("pypa/sampleproject", "release.yml", None);
        let request = MintRequest {
            filename: "sampleproject-4.0.0.tar.gz",
            sha256: SAMPLE_SHA,
            publisher: &publisher,
            variant: Variant::Valid,
        };
        let bytes = minter.mint(&request);
        assert_eq!(
            provenance_subject(&bytes),
            Some(("sampleproject-4.0.0.tar.gz".into(), SAMPLE_SHA.into()))
        );
        assert!(minter.subjects().len() >= 8, "{:?}", minter.subjects());
    }

    #[test]
    fn placeholders_name_their_subject_and_tampering_changes_the_signature() {
        let minter = FixtureMinter::load();
        let publisher = FakePublisher::github("o/r", "release.yml", Some("pypi"));
        let request = MintRequest {
            filename: "a-1.0.tar.gz",
            sha256: &"ab".repeat(32),
            publisher: &publisher,
            variant: Variant::Valid,
        };
        let bytes = minter.mint(&request);
        assert_eq!(
            provenance_subject(&bytes),
            Some(("a-1.0.tar.gz".into(), "ab".repeat(32)))
        );
        let tampered = minter.mint(&MintRequest {
            variant: Variant::Tampered,
            ..request
        });
        assert_ne!(bytes, tampered);
        assert_eq!(provenance_subject(&tampered), provenance_subject(&bytes));
    }
}
