//! A test Sigstore authority that mints PEP 740 attestations and provenance objects which
//! verify under its own `trusted_root.json` — and broken variants that fail for exactly one
//! reason. TEST-ONLY: its private keys are in the source, so what it signs proves nothing.
//!
//! ```
//! use pubgate::testing::signer::{self, MintRequest, TestPublisher, Variant};
//!
//! let root_json = signer::global().trusted_root_json();
//! let publisher = TestPublisher::github("octo/demo", "release.yml");
//! let sha256 = "0".repeat(64);
//! let request = MintRequest::new("demo-1.0.tar.gz", &sha256, publisher);
//! let attestation = signer::mint_attestation(&request);
//! let provenance = signer::mint_provenance(&[request.clone().variant(Variant::Signature)]);
//! # let _ = (root_json, attestation, provenance);
//! ```
//!
//! See `docs/test-signer.md` for the formats, the variants and the `mint` example command.

mod authority;
mod cases;
mod edit;
#[cfg(test)]
mod generate;
mod identity_cases;
mod keys;
pub mod material;
mod mint;
mod publisher;
mod rekor;
mod variant;
mod x509;

pub use authority::{global, TestAuthority};
pub use cases::VariantCase;
pub use edit::{CertEdit, Ext, ExtValue, SanEntry};
pub use identity_cases::{identity_cases, IdentityCase};
pub use publisher::{
    InvalidPublisher, TestPublisher, CIRCLECI_ISSUER, GITHUB_ISSUER, GITHUB_OAUTH_ISSUER,
    GITLAB_ISSUER, GOOGLE_ISSUER,
};
pub use variant::{UnknownVariant, Variant};

/// The PyPI publish attestation predicate type.
pub const PUBLISH_V1: &str = "https://docs.pypi.org/attestations/publish/v1";
/// The SLSA provenance v1 predicate type.
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";
/// The predicate type the predicate-type variant signs (no verifier knows it).
pub const UNKNOWN_PREDICATE: &str = "https://pubgate.test/attestations/unknown/v1";

/// The default signing (Rekor integrated) time: 2025-06-01T12:00:00Z. Fixed so reports
/// that show it are reproducible; inside every validity window of the test root.
pub const DEFAULT_SIGNED_AT: u64 = 1_748_779_200;

/// Which in-toto predicate a minted statement carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Predicate {
    /// `https://docs.pypi.org/attestations/publish/v1` with a `null` predicate.
    #[default]
    PublishV1,
    /// `https://slsa.dev/provenance/v1` with a small build definition.
    SlsaProvenanceV1,
}

impl Predicate {
    /// The `predicateType` URI.
    pub fn type_uri(self) -> &'static str {
        match self {
            Predicate::PublishV1 => PUBLISH_V1,
            Predicate::SlsaProvenanceV1 => SLSA_PROVENANCE_V1,
        }
    }
}

/// One attestation to mint: for which file, by whom, and how (valid or broken).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MintRequest {
    /// The distribution filename the statement's subject names (any string).
    pub filename: String,
    /// The subject's sha256, as given (lowercase hex expected by verifiers).
    pub sha256: String,
    pub publisher: TestPublisher,
    pub predicate: Predicate,
    pub variant: Variant,
    /// Unix seconds of the Rekor integrated time; must be between 2020 and now to verify.
    pub signed_at: u64,
    /// Exact statement bytes to sign instead of the generated statement (for parser
    /// differentials: duplicate keys, odd encodings). Signed and logged as given.
    pub statement: Option<Vec<u8>>,
    /// Changes to the leaf certificate's extensions and SANs (repeated, missing, extra,
    /// re-valued), applied in order; empty for a certificate shaped like Fulcio's.
    pub cert_edits: Vec<CertEdit>,
    /// The publisher the provenance claims instead of `publisher` (its impostor for
    /// [`Variant::PublisherMismatch`]).
    pub claimed: Option<TestPublisher>,
}

impl MintRequest {
    /// A valid publish attestation signed at [`DEFAULT_SIGNED_AT`].
    pub fn new(filename: &str, sha256: &str, publisher: TestPublisher) -> Self {
        MintRequest {
            filename: filename.to_string(),
            sha256: sha256.to_string(),
            publisher,
            predicate: Predicate::PublishV1,
            variant: Variant::Valid,
            signed_at: DEFAULT_SIGNED_AT,
            statement: None,
            cert_edits: Vec::new(),
            claimed: None,
        }
    }

    /// The same request with its leaf certificate changed by `edits` (see [`CertEdit`]).
    pub fn cert_edits(mut self, edits: Vec<CertEdit>) -> Self {
        self.cert_edits = edits;
        self
    }

    /// The same request, its provenance claiming `publisher` whatever the certificate says.
    pub fn claiming(mut self, publisher: TestPublisher) -> Self {
        self.claimed = Some(publisher);
        self
    }

    /// The same request signing exactly these statement bytes.
    pub fn with_statement(mut self, statement: impl Into<Vec<u8>>) -> Self {
        self.statement = Some(statement.into());
        self
    }

    /// The same request with another variant.
    pub fn variant(mut self, variant: Variant) -> Self {
        self.variant = variant;
        self
    }

    /// The same request with another predicate.
    pub fn predicate(mut self, predicate: Predicate) -> Self {
        self.predicate = predicate;
        self
    }

    /// The same request signed at another Unix time.
    pub fn signed_at(mut self, unix_seconds: u64) -> Self {
        self.signed_at = unix_seconds;
        self
    }
}

/// Mints one PEP 740 attestation with the shared [`global`] authority.
pub fn mint_attestation(request: &MintRequest) -> Vec<u8> {
    global().mint_attestation(request)
}

/// Mints a PEP 740 provenance object with the shared [`global`] authority.
pub fn mint_provenance(requests: &[MintRequest]) -> Vec<u8> {
    global().mint_provenance(requests)
}
