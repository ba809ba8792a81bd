//! Offline verification of PEP 740 provenance against a Sigstore trust root.
//!
//! The public surface is small and backend-neutral: a [`TrustRoot`], the
//! [`verify_provenance`] / [`verify_attestation`] / [`verify_document`] entry points (and
//! [`verify_sigstore_bundle`] for standard bundles), and the evidence they return
//! ([`VerifiedProvenance`], [`VerifiedPublisher`]) or the precise reason they refused
//! ([`VerifyError`]). What each check is and who makes it: `docs/verification.md`.
//!
//! Submodules, one job each: `trust_root` (load and prepare `trusted_root.json`), `pep740`
//! (wire formats and bounds), `backend` (sigstore-verify adapter and the log, timestamp and
//! certificate-cache checks around it), `statement` (the in-toto statement), `identity`
//! (Fulcio extensions and SAN), `policy` (claimed publisher vs certificate).

mod backend;
mod identity;
mod pep740;
mod policy;
mod statement;
mod trust_root;

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::dist::DistFilename;

pub use backend::{verify_sigstore_bundle, BundleArtifact, BundleSigner, VerifiedBundle};
pub use pep740::{
    MAX_ATTESTATIONS_PER_BUNDLE, MAX_BUNDLES, MAX_DOCUMENT_BYTES, MAX_TIMESTAMPS, MAX_TLOG_ENTRIES,
};
pub use statement::{PUBLISH_V1, SLSA_PROVENANCE_V1};
pub use trust_root::{
    TrustRoot, TrustRootError, TrustRootSummary, TrustedEntity, TRUSTED_ROOT_MEDIA_TYPE,
};

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
/// display and policy; `pubgate verify --format json` marks it `environment_verified: false`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct VerifiedPublisher {
    pub kind: PublisherKind,
    /// `owner/repo` (GitHub), `group/…/project` (GitLab); CircleCI: the VCS origin when known.
    pub repository: Option<String>,
    /// GitHub workflow file name, e.g. `release.yml`.
    pub workflow: Option<String>,
    /// GitLab CI file path, e.g. `.gitlab-ci.yml`.
    pub workflow_filepath: Option<String>,
    /// Google service account (or, for `Other`, the email SAN).
    pub email: Option<String>,
    /// Source ref, e.g. `refs/tags/v1.2.3` (Fulcio OID .14; never the legacy .6).
    #[serde(rename = "ref")]
    pub git_ref: Option<String>,
    /// Source commit digest (Fulcio OID .13; never the legacy .3).
    pub commit: Option<String>,
    /// OIDC issuer: OID .8, except for Google, whose policy reads the legacy .1.
    pub issuer: Option<String>,
    /// The certificate's one subject alternative name (URI, email or username).
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

impl FailureReason {
    /// What the failure means for someone deciding whether to install the file.
    pub fn explanation(self) -> &'static str {
        match self {
            FailureReason::Malformed => {
                "the input is not well-formed provenance data, so it vouches for nothing"
            }
            FailureReason::UnsupportedVersion => {
                "the provenance uses a format version this pubgate does not know; upgrade pubgate"
            }
            FailureReason::CertificateChain => {
                "the signing certificate was not issued by the Sigstore instance of the trust \
                 root: a forgery, or the wrong `--trusted-root`"
            }
            FailureReason::CertificateProfile => {
                "the certificate is not a Sigstore code-signing certificate"
            }
            FailureReason::Sct => {
                "the certificate lacks valid proof of certificate transparency logging, as \
                 every Fulcio certificate has"
            }
            FailureReason::TlogInclusion => {
                "the signature is not proven to be in a transparency log the trust root lists"
            }
            FailureReason::Checkpoint => {
                "the transparency log checkpoint is not signed by the entry's trusted log"
            }
            FailureReason::SignedTimestamp => {
                "the signing time is not vouched for by a trusted log or timestamp authority"
            }
            FailureReason::TimeWindow => {
                "the signature was not made while its short-lived certificate was valid"
            }
            FailureReason::TlogBodyMismatch => {
                "the transparency log entry records a different signature, certificate or \
                 statement: the parts were put together from different signings"
            }
            FailureReason::Signature => {
                "the signature does not cover this statement with this certificate: the \
                 attestation was altered"
            }
            FailureReason::SubjectDigest => "the attestation is for a file with different contents",
            FailureReason::SubjectName => "the attestation is for a different file",
            FailureReason::PredicateType => "the attestation is not a kind PyPI accepts",
            FailureReason::PublisherMismatch => {
                "the certificate's identity is not the expected publisher (for provenance: the \
                 one PyPI shows); do not trust it"
            }
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

fn fail(reason: FailureReason, detail: impl Into<String>) -> VerifyError {
    VerifyError {
        reason,
        detail: detail.into(),
    }
}

/// The distribution a provenance must be for, checked and normalized once.
struct Distribution<'a> {
    filename: &'a str,
    parsed: DistFilename,
    sha256_hex: String,
    sha256: [u8; 32],
}

impl<'a> Distribution<'a> {
    fn new(filename: &'a str, sha256: &str) -> Result<Self, VerifyError> {
        let parsed = DistFilename::parse(filename)
            .map_err(|e| fail(FailureReason::SubjectName, e.to_string()))?;
        let sha256_hex = sha256.to_ascii_lowercase();
        let bytes = hex::decode(&sha256_hex)
            .ok()
            .and_then(|b| <[u8; 32]>::try_from(b).ok())
            .ok_or_else(|| {
                fail(
                    FailureReason::SubjectDigest,
                    format!("`{sha256}` is not a sha256 digest (64 hex digits)"),
                )
            })?;
        Ok(Distribution {
            filename,
            parsed,
            sha256_hex,
            sha256: bytes,
        })
    }
}

/// The leaf's identity, after the profile checks webpki leaves out (it checks the
/// code-signing EKU but ignores key usage, critical EKUs, missing authority key
/// identifiers, repeated extensions and the SAN). Runs before the signature checks, so a
/// certificate of the wrong shape is named for its shape. `Ok(None)` when the bytes are
/// not a certificate at all: the signature checks report that.
fn check_certificate_profile(
    der: &[u8],
) -> Result<Option<identity::CertificateIdentity>, VerifyError> {
    let cert = match identity::CertificateIdentity::from_der(der) {
        Ok(cert) => cert,
        Err(identity::IdentityError::Unparsable(_)) => return Ok(None),
        Err(e) => return Err(fail(FailureReason::CertificateProfile, e.to_string())),
    };
    cert.check_profile()
        .map_err(|e| fail(FailureReason::CertificateProfile, e.to_string()))?;
    Ok(Some(cert))
}

fn claim_error(kind: Option<&str>, e: policy::ClaimError) -> VerifyError {
    match e {
        policy::ClaimError::Incomplete(m) => fail(FailureReason::Malformed, m),
        policy::ClaimError::Certificate(m) => fail(FailureReason::CertificateProfile, m),
        policy::ClaimError::Mismatch(m) => match kind {
            Some(kind) => fail(
                FailureReason::PublisherMismatch,
                format!("PyPI names a `{kind}` publisher, but {m}"),
            ),
            None => fail(
                FailureReason::PublisherMismatch,
                format!("the certificate names no publisher PyPI's policies accept: {m}"),
            ),
        },
    }
}

/// Every check of DESIGN §8 on one attestation; `claim` is the bundle's publisher, if any.
/// Without one, the identity is derived from the certificate by the same policies.
fn verify_one(
    attestation: &pep740::Attestation,
    dist: &Distribution<'_>,
    root: &TrustRoot,
    claim: Option<&ClaimedPublisher>,
) -> Result<VerifiedAttestation, VerifyError> {
    let cert = check_certificate_profile(&attestation.certificate)?;
    let evidence = backend::verify_attestation_signature(root, attestation, dist.sha256).map_err(
        |mut e| {
            if e.reason == FailureReason::SubjectDigest {
                if let Some(signed) = statement::subject_sha256(&attestation.statement) {
                    e.detail = format!(
                        "the attestation is for sha256 `{signed}`, not `{}`",
                        dist.sha256_hex
                    );
                }
            }
            e
        },
    )?;
    let cert = cert.ok_or_else(|| {
        fail(
            FailureReason::Malformed,
            "the signing certificate is not a DER X.509 certificate",
        )
    })?;
    let predicate_type = statement::check_statement(
        &attestation.statement,
        &dist.parsed,
        dist.filename,
        &dist.sha256_hex,
    )?;
    // The claim that was checked is the identity reported: PyPI's, or the one the
    // certificate establishes under the same policies.
    let derived = match claim {
        Some(_) => None,
        None => policy::derive_claim(&cert).map_err(|e| claim_error(None, e))?,
    };
    let checked = claim.or(derived.as_ref());
    if let Some(checked) = checked {
        policy::check_claim(checked, &cert)
            .map_err(|e| claim_error(claim.map(|c| c.kind.as_str()), e))?;
    }
    let publisher =
        policy::reported_publisher(checked, &cert, claim.and_then(|c| c.environment.clone()))
            .map_err(|e| claim_error(None, e))?;
    Ok(VerifiedAttestation {
        predicate_type,
        publisher,
        signed_at: evidence.signed_at,
        log_index: evidence.log_index,
    })
}

fn verify_parsed_provenance(
    provenance: &pep740::Provenance,
    dist: &Distribution<'_>,
    root: &TrustRoot,
) -> Result<VerifiedProvenance, VerifyError> {
    // Sized exactly: a lockfile-scale run keeps thousands of these for its evidence.
    let count = provenance
        .bundles
        .iter()
        .map(|(_, bundle)| bundle.len())
        .sum();
    let mut attestations = Vec::with_capacity(count);
    for (claim, bundle) in &provenance.bundles {
        for attestation in bundle {
            attestations.push(verify_one(attestation, dist, root, Some(claim))?);
        }
    }
    let publisher = attestations
        .first()
        .map(|a| a.publisher.clone())
        .ok_or_else(|| {
            fail(
                FailureReason::Malformed,
                "the provenance has no attestation",
            )
        })?;
    // One upload has one Trusted Publisher: PyPI writes one bundle, and every attestation
    // in it is checked against that publisher. Provenance naming several publishers is not
    // something PyPI serves, and reporting only the first would hide the others from the
    // policy and from PG202/PG204.
    if let Some(other) = attestations
        .iter()
        .find(|a| !same_publisher(&a.publisher, &publisher))
    {
        return Err(fail(
            FailureReason::PublisherMismatch,
            format!(
                "the attestations name different publishers (`{}` and `{}`): one upload has one Trusted Publisher",
                publisher_label(&publisher),
                publisher_label(&other.publisher)
            ),
        ));
    }
    Ok(VerifiedProvenance {
        publisher,
        claimed: provenance.bundles.first().map(|(claim, _)| claim.clone()),
        attestations,
    })
}

/// Whether two verified identities are the same publisher: kind and, case-insensitively
/// where the forges are, repository, workflow, CI file, email, CircleCI project and
/// pipeline, and for other identities issuer and SAN. Refs and commits may differ.
fn same_publisher(a: &VerifiedPublisher, b: &VerifiedPublisher) -> bool {
    let ci = |x: &Option<String>, y: &Option<String>| match (x, y) {
        (Some(x), Some(y)) => x.eq_ignore_ascii_case(y),
        (x, y) => x == y,
    };
    a.kind == b.kind
        && ci(&a.repository, &b.repository)
        && a.workflow == b.workflow
        && a.workflow_filepath == b.workflow_filepath
        && ci(&a.email, &b.email)
        && a.project_id == b.project_id
        && a.pipeline_definition_id == b.pipeline_definition_id
        && (a.kind != PublisherKind::Other || (a.issuer == b.issuer && a.san == b.san))
}

/// `kind repository/email/project` for messages.
fn publisher_label(p: &VerifiedPublisher) -> String {
    let who = [&p.repository, &p.email, &p.project_id, &p.san]
        .into_iter()
        .flatten()
        .next()
        .map(String::as_str)
        .unwrap_or("?");
    match (&p.workflow, &p.workflow_filepath) {
        (Some(w), _) | (None, Some(w)) => format!("{} {who} {w}", p.kind),
        _ => format!("{} {who}", p.kind),
    }
}

fn verify_parsed_attestation(
    attestation: &pep740::Attestation,
    dist: &Distribution<'_>,
    root: &TrustRoot,
) -> Result<VerifiedProvenance, VerifyError> {
    let verified = verify_one(attestation, dist, root, None)?;
    Ok(VerifiedProvenance {
        publisher: verified.publisher.clone(),
        claimed: None,
        attestations: vec![verified],
    })
}

/// Verifies a PEP 740 provenance object (`{"version":1,"attestation_bundles":[…]}`) for the
/// distribution `filename` with hex `sha256`: every attestation of every bundle must
/// verify, and each certificate must agree with the publisher PyPI claims for its bundle.
pub fn verify_provenance(
    provenance: &[u8],
    filename: &str,
    sha256: &str,
    root: &TrustRoot,
) -> Result<VerifiedProvenance, VerifyError> {
    let dist = Distribution::new(filename, sha256)?;
    let provenance = pep740::parse_provenance(provenance)?;
    verify_parsed_provenance(&provenance, &dist, root)
}

/// A provenance object parsed for one file: [`verify_provenance`] in two steps, so a
/// caller can schedule the second (the signature checks) after seeing which certificate
/// it uses. The same checks, in the same order, as [`verify_provenance`].
#[derive(Debug, Clone)]
pub struct ParsedProvenance {
    provenance: pep740::Provenance,
    filename: String,
    sha256: String,
}

impl ParsedProvenance {
    /// The first step of [`verify_provenance`]: the file's name and digest are checked,
    /// then the document is parsed.
    pub fn parse(
        provenance: &[u8],
        filename: &str,
        sha256: &str,
    ) -> Result<ParsedProvenance, VerifyError> {
        Distribution::new(filename, sha256)?;
        Ok(ParsedProvenance {
            provenance: pep740::parse_provenance(provenance)?,
            filename: filename.to_string(),
            sha256: sha256.to_string(),
        })
    }

    /// The sha256 of the first attestation's leaf certificate (the bytes as given): the
    /// key under which its chain check is shared with siblings signed by the same leaf.
    pub fn first_certificate_digest(&self) -> Option<[u8; 32]> {
        use sha2::Digest;
        let (_, attestations) = self.provenance.bundles.first()?;
        let attestation = attestations.first()?;
        Some(sha2::Sha256::digest(&attestation.certificate).into())
    }

    /// The second step: every check [`verify_provenance`] makes after parsing.
    pub fn verify(&self, root: &TrustRoot) -> Result<VerifiedProvenance, VerifyError> {
        let dist = Distribution::new(&self.filename, &self.sha256)?;
        verify_parsed_provenance(&self.provenance, &dist, root)
    }
}

/// Verifies a single PEP 740 attestation object for `filename` / `sha256`. With no claim
/// to check, the identity is whatever the verified certificate says.
pub fn verify_attestation(
    attestation: &[u8],
    filename: &str,
    sha256: &str,
    root: &TrustRoot,
) -> Result<VerifiedProvenance, VerifyError> {
    let dist = Distribution::new(filename, sha256)?;
    let attestation = pep740::parse_attestation(attestation)?;
    verify_parsed_attestation(&attestation, &dist, root)
}

/// What [`verify_document`] found the input to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum DocumentKind {
    Provenance,
    Attestation,
}

/// What a document looks like (by its top-level keys), without verifying it.
pub fn detect_document(document: &[u8]) -> Option<DocumentKind> {
    if document.len() > MAX_DOCUMENT_BYTES {
        return None;
    }
    let value: serde_json::Value = serde_json::from_slice(document).ok()?;
    if value.get("attestation_bundles").is_some() {
        Some(DocumentKind::Provenance)
    } else if value.get("envelope").is_some() || value.get("verification_material").is_some() {
        Some(DocumentKind::Attestation)
    } else {
        None
    }
}

/// Verifies a document that is either a provenance object or a single attestation,
/// detected by its keys.
pub fn verify_document(
    document: &[u8],
    filename: &str,
    sha256: &str,
    root: &TrustRoot,
) -> Result<(DocumentKind, VerifiedProvenance), VerifyError> {
    let dist = Distribution::new(filename, sha256)?;
    match pep740::parse_document(document)? {
        pep740::Document::Provenance(p) => {
            verify_parsed_provenance(&p, &dist, root).map(|v| (DocumentKind::Provenance, v))
        }
        pep740::Document::Attestation(a) => {
            verify_parsed_attestation(&a, &dist, root).map(|v| (DocumentKind::Attestation, v))
        }
    }
}
