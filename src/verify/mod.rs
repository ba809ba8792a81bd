//! Offline verification of PEP 740 provenance against a Sigstore trust root.
//!
//! The public surface is small and backend-neutral: a [`TrustRoot`], the
//! [`verify_provenance`] / [`verify_attestation`] entry points, and the evidence they
//! return ([`VerifiedProvenance`], [`VerifiedPublisher`]) or the precise reason they
//! refused ([`VerifyError`]).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The CI system a Trusted Publisher runs on, as named by PyPI.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PublisherKind {
    GitHub,
    GitLab,
    Google,
    CircleCI,
    /// A certificate whose identity is not a Trusted Publisher (e.g. a personal email).
    Other,
}

impl PublisherKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PublisherKind::GitHub => "GitHub",
            PublisherKind::GitLab => "GitLab",
            PublisherKind::Google => "Google",
            PublisherKind::CircleCI => "CircleCI",
            PublisherKind::Other => "Other",
        }
    }
}

impl fmt::Display for PublisherKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A publisher identity read from a *verified* Fulcio certificate.
///
/// `environment` is never in the certificate: it is PyPI's claim, copied here for
/// display and policy, and `environment_verified` is always false.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct VerifiedPublisher {
    pub kind: PublisherKind,
    /// `owner/repo` (GitHub), `group/…/project` (GitLab); CircleCI: the VCS origin when known.
    pub repository: Option<String>,
    /// GitHub workflow file name, e.g. `release.yml`.
    pub workflow: Option<String>,
    /// GitLab CI file path, e.g. `.gitlab-ci.yml`.
    pub workflow_filepath: Option<String>,
    /// Google service account (or other email SAN).
    pub email: Option<String>,
    /// Source ref, e.g. `refs/tags/v1.2.3` (Fulcio OID .14 or legacy .6).
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// Source commit digest (Fulcio OID .13 or legacy .3).
    pub commit: Option<String>,
    /// OIDC issuer (OID .8, else legacy .1).
    pub issuer: Option<String>,
    /// The certificate's subject alternative name (URI or email).
    pub san: Option<String>,
    /// CircleCI project and pipeline definition ids.
    pub project_id: Option<String>,
    pub pipeline_definition_id: Option<String>,
    /// PyPI's claimed environment (unverifiable from the certificate).
    pub environment: Option<String>,
}

/// The publisher PyPI claims in a provenance object's bundle (unverified by itself).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClaimedPublisher {
    /// The `kind` string as PyPI wrote it (`GitHub`, `GitLab`, `Google`, `CircleCI`, …).
    pub kind: String,
    pub repository: Option<String>,
    pub workflow: Option<String>,
    pub workflow_filepath: Option<String>,
    pub email: Option<String>,
    pub environment: Option<String>,
    pub project_id: Option<String>,
    pub pipeline_definition_id: Option<String>,
    pub vcs_origin: Option<String>,
    pub vcs_ref: Option<String>,
}

/// One attestation that passed every check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedAttestation {
    pub predicate_type: String,
    pub publisher: VerifiedPublisher,
    /// The verified signing time (Rekor integrated time or RFC 3161 timestamp), Unix seconds.
    pub signed_at: i64,
    /// Rekor log index (global).
    pub log_index: Option<u64>,
}

/// A provenance object (or a lone attestation) that verified.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerifiedProvenance {
    /// The identity every attestation agrees on (the first bundle's, environment from the claim).
    pub publisher: VerifiedPublisher,
    /// What PyPI claimed, when verifying a provenance object.
    pub claimed: Option<ClaimedPublisher>,
    pub attestations: Vec<VerifiedAttestation>,
}

/// Why verification refused. The set is fixed: tools and policies match on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailureReason {
    Malformed,
    UnsupportedVersion,
    CertificateChain,
    CertificateProfile,
    Sct,
    TlogInclusion,
    Checkpoint,
    SignedTimestamp,
    TimeWindow,
    TlogBodyMismatch,
    Signature,
    SubjectDigest,
    SubjectName,
    PredicateType,
    PublisherMismatch,
}

impl FailureReason {
    pub const ALL: [FailureReason; 15] = [
        FailureReason::Malformed,
        FailureReason::UnsupportedVersion,
        FailureReason::CertificateChain,
        FailureReason::CertificateProfile,
        FailureReason::Sct,
        FailureReason::TlogInclusion,
        FailureReason::Checkpoint,
        FailureReason::SignedTimestamp,
        FailureReason::TimeWindow,
        FailureReason::TlogBodyMismatch,
        FailureReason::Signature,
        FailureReason::SubjectDigest,
        FailureReason::SubjectName,
        FailureReason::PredicateType,
        FailureReason::PublisherMismatch,
    ];

    /// The machine-readable slug, e.g. `certificate-chain`.
    pub fn as_str(self) -> &'static str {
        match self {
            FailureReason::Malformed => "malformed",
            FailureReason::UnsupportedVersion => "unsupported-version",
            FailureReason::CertificateChain => "certificate-chain",
            FailureReason::CertificateProfile => "certificate-profile",
            FailureReason::Sct => "sct",
            FailureReason::TlogInclusion => "tlog-inclusion",
            FailureReason::Checkpoint => "checkpoint",
            FailureReason::SignedTimestamp => "signed-timestamp",
            FailureReason::TimeWindow => "time-window",
            FailureReason::TlogBodyMismatch => "tlog-body-mismatch",
            FailureReason::Signature => "signature",
            FailureReason::SubjectDigest => "subject-digest",
            FailureReason::SubjectName => "subject-name",
            FailureReason::PredicateType => "predicate-type",
            FailureReason::PublisherMismatch => "publisher-mismatch",
        }
    }
}

impl fmt::Display for FailureReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Verification refused: a reason from the fixed set and a one-line explanation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}: {detail}")]
pub struct VerifyError {
    pub reason: FailureReason,
    pub detail: String,
}

/// A Sigstore trusted root (`trusted_root.json`), loaded once per run.
#[derive(Debug, Clone)]
pub struct TrustRoot {
    /// Lowercase hex sha256 of the JSON bytes: part of every verified-result cache key.
    digest: String,
    /// Where it came from: `embedded production root` or a path.
    origin: String,
}

/// A trust root that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct TrustRootError {
    pub origin: String,
    pub message: String,
}

impl TrustRoot {
    /// The embedded Sigstore public-good production root.
    pub fn production() -> Result<TrustRoot, TrustRootError> {
        Self::from_json(
            include_bytes!("roots/trusted_root.production.json"),
            "embedded production root",
        )
    }

    /// Loads a `trusted_root.json` file.
    pub fn from_file(path: &std::path::Path) -> Result<TrustRoot, TrustRootError> {
        let bytes = std::fs::read(path).map_err(|e| TrustRootError {
            origin: path.display().to_string(),
            message: format!("cannot read: {e}"),
        })?;
        Self::from_json(&bytes, &path.display().to_string())
    }

    /// Parses a `trusted_root.json` document.
    pub fn from_json(bytes: &[u8], origin: &str) -> Result<TrustRoot, TrustRootError> {
        use sha2::Digest;
        Ok(TrustRoot {
            digest: hex::encode(sha2::Sha256::digest(bytes)),
            origin: origin.to_string(),
        })
    }

    /// Lowercase hex sha256 of the root's JSON.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Where the root came from, for reports.
    pub fn origin(&self) -> &str {
        &self.origin
    }
}

/// Verifies a PEP 740 provenance object (`{"version":1,"attestation_bundles":[…]}`) for the
/// distribution `filename` with lowercase-hex `sha256`: every attestation of every bundle
/// must verify, and each certificate must agree with the publisher PyPI claims.
pub fn verify_provenance(
    provenance: &[u8],
    filename: &str,
    sha256: &str,
    root: &TrustRoot,
) -> Result<VerifiedProvenance, VerifyError> {
    let _ = (provenance, filename, sha256, root);
    Err(VerifyError {
        reason: FailureReason::Malformed,
        detail: "verification is not implemented yet".into(),
    })
}

/// Verifies a single PEP 740 attestation object for `filename` / `sha256`.
pub fn verify_attestation(
    attestation: &[u8],
    filename: &str,
    sha256: &str,
    root: &TrustRoot,
) -> Result<VerifiedProvenance, VerifyError> {
    let _ = (attestation, filename, sha256, root);
    Err(VerifyError {
        reason: FailureReason::Malformed,
        detail: "verification is not implemented yet".into(),
    })
}
