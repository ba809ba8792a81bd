//! The deliberate defects the signer can mint, one per verification failure reason.

use std::fmt;
use std::str::FromStr;

/// What to mint: a valid attestation or one broken in exactly one way.
///
/// Each broken variant carries a single defect, so a verifier that checks everything
/// fails it for that reason and no other. The slugs match
/// [`FailureReason::as_str`](crate::verify::FailureReason::as_str).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Variant {
    /// Passes every check under the test root.
    Valid,
    /// The attestation object lacks its `envelope`.
    Malformed,
    /// The attestation says `"version": 2`.
    UnsupportedVersion,
    /// The leaf is signed by a CA outside the trust root (same name as the test
    /// intermediate, different key); everything else, SCT included, is consistent.
    CertificateChain,
    /// The leaf chains correctly but its extended key usage is serverAuth, not codeSigning.
    CertificateProfile,
    /// The embedded SCT's signature does not cover the precertificate.
    Sct,
    /// One hash of the Merkle inclusion proof is wrong.
    TlogInclusion,
    /// The checkpoint's signature (right key hint) does not cover its text.
    Checkpoint,
    /// The signed entry timestamp was computed over the shard-local log index.
    SignedTimestamp,
    /// The integrated time (with a valid SET) is after the leaf certificate expired.
    TimeWindow,
    /// The log entry is a correctly logged body for another statement and signature.
    TlogBodyMismatch,
    /// The DSSE signature does not cover the statement (the log entry records it as is).
    Signature,
    /// The signed statement's subject digest is not the requested sha256.
    SubjectDigest,
    /// The signed statement names another distribution (`impostor_` + filename).
    SubjectName,
    /// The signed statement has an unknown predicate type.
    PredicateType,
    /// The certificate is for the requested publisher, but the provenance's bundle claims
    /// another one (GitHub/GitLab: another workflow; Google: another email). An attestation
    /// minted alone with this variant is valid: the defect needs a provenance object.
    PublisherMismatch,
}

impl Variant {
    /// Every broken variant, in the order of [`FailureReason::ALL`](crate::verify::FailureReason::ALL).
    pub const ALL_BROKEN: [Variant; 15] = [
        Variant::Malformed,
        Variant::UnsupportedVersion,
        Variant::CertificateChain,
        Variant::CertificateProfile,
        Variant::Sct,
        Variant::TlogInclusion,
        Variant::Checkpoint,
        Variant::SignedTimestamp,
        Variant::TimeWindow,
        Variant::TlogBodyMismatch,
        Variant::Signature,
        Variant::SubjectDigest,
        Variant::SubjectName,
        Variant::PredicateType,
        Variant::PublisherMismatch,
    ];

    /// The slug of the failure reason this variant must produce (`"valid"` for [`Variant::Valid`]).
    pub fn expected_reason(&self) -> &'static str {
        match self {
            Variant::Valid => "valid",
            Variant::Malformed => "malformed",
            Variant::UnsupportedVersion => "unsupported-version",
            Variant::CertificateChain => "certificate-chain",
            Variant::CertificateProfile => "certificate-profile",
            Variant::Sct => "sct",
            Variant::TlogInclusion => "tlog-inclusion",
            Variant::Checkpoint => "checkpoint",
            Variant::SignedTimestamp => "signed-timestamp",
            Variant::TimeWindow => "time-window",
            Variant::TlogBodyMismatch => "tlog-body-mismatch",
            Variant::Signature => "signature",
            Variant::SubjectDigest => "subject-digest",
            Variant::SubjectName => "subject-name",
            Variant::PredicateType => "predicate-type",
            Variant::PublisherMismatch => "publisher-mismatch",
        }
    }

    /// True when the defect only shows in a provenance object (the claimed publisher);
    /// the lone attestation of such a variant verifies.
    pub fn needs_provenance(&self) -> bool {
        matches!(self, Variant::PublisherMismatch)
    }

    /// True when the defect is cryptographic or structural, so `sigstore-verify` itself
    /// rejects the bundle; false for the PEP 740-level defects (statement content and
    /// publisher claim), which only pubgate's own checks catch.
    pub fn fails_sigstore(&self) -> bool {
        matches!(
            self,
            Variant::CertificateChain
                | Variant::CertificateProfile
                | Variant::Sct
                | Variant::TlogInclusion
                | Variant::Checkpoint
                | Variant::SignedTimestamp
                | Variant::TimeWindow
                | Variant::TlogBodyMismatch
                | Variant::Signature
        )
    }
}

impl fmt::Display for Variant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.expected_reason())
    }
}

/// A variant name that is not `valid` or a failure-reason slug.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown variant `{0}`: expected `valid` or a failure reason such as `certificate-chain`")]
pub struct UnknownVariant(pub String);

impl FromStr for Variant {
    type Err = UnknownVariant;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        std::iter::once(Variant::Valid)
            .chain(Variant::ALL_BROKEN)
            .find(|v| v.expected_reason() == s)
            .ok_or_else(|| UnknownVariant(s.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::FailureReason;

    #[test]
    fn broken_variants_mirror_failure_reasons_in_order() {
        let slugs: Vec<_> = Variant::ALL_BROKEN
            .iter()
            .map(|v| v.expected_reason())
            .collect();
        let reasons: Vec<_> = FailureReason::ALL.iter().map(|r| r.as_str()).collect();
        assert_eq!(slugs, reasons);
    }

    #[test]
    fn slugs_parse_back() {
        for v in std::iter::once(Variant::Valid).chain(Variant::ALL_BROKEN) {
            assert_eq!(v.expected_reason().parse::<Variant>(), Ok(v));
        }
        assert!("bogus".parse::<Variant>().is_err());
    }
}
