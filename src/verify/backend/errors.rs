//! sigstore-verify's errors mapped onto pubgate's fixed [`FailureReason`] set.
//!
//! The mapping follows the error *kind* (the nested enums), never the prose, except where
//! one kind covers two of our reasons; those few string tests are named and unit-tested.

use sigstore_verify::bundle::Error as BundleError;
use sigstore_verify::{CertificateError, Error, TimestampError, TransparencyLogError};

use crate::verify::{FailureReason, VerifyError};

/// The reason and a one-line detail for a sigstore-verify error.
pub(crate) fn map_error(error: &Error) -> VerifyError {
    let reason = reason_for(error);
    VerifyError {
        reason,
        detail: detail_for(error),
    }
}

fn reason_for(error: &Error) -> FailureReason {
    use FailureReason as R;
    match error {
        Error::IdentityMismatch { .. } | Error::IssuerMismatch { .. } => R::PublisherMismatch,
        Error::SignatureInvalid(_) => R::Signature,
        // A DSSE payload hash that differs from a hashedrekord entry's digest means the log
        // entry is about another envelope; any other mismatch is the artifact's digest.
        Error::ArtifactMismatch(m) if m.contains("hashedrekord") => R::TlogBodyMismatch,
        Error::ArtifactMismatch(_) => R::SubjectDigest,
        Error::Certificate(c) => match c {
            CertificateError::Malformed(_) => R::Malformed,
            // webpki reports a missing code-signing EKU as a chain error.
            CertificateError::ChainInvalid(m) if m.contains("RequiredEku") => R::CertificateProfile,
            // webpki checks the leaf's validity at the signing time while building the chain:
            // a signing time outside the certificate's window is a time-window failure.
            CertificateError::ChainInvalid(m)
                if m.contains("CertExpired") || m.contains("CertNotValidYet") =>
            {
                R::TimeWindow
            }
            CertificateError::ChainInvalid(_) | CertificateError::NoValidAuthority { .. } => {
                R::CertificateChain
            }
            CertificateError::NotYetValid { .. } | CertificateError::Expired { .. } => {
                R::TimeWindow
            }
            CertificateError::Sct(_) => R::Sct,
            _ => R::CertificateChain,
        },
        Error::TransparencyLog(t) => match t {
            TransparencyLogError::UnknownLog { .. } | TransparencyLogError::InclusionProof(_) => {
                R::TlogInclusion
            }
            TransparencyLogError::Checkpoint(_) => R::Checkpoint,
            TransparencyLogError::InclusionPromise(_) => R::SignedTimestamp,
            TransparencyLogError::EntryMismatch(_) => R::TlogBodyMismatch,
            TransparencyLogError::IntegratedTime(_) => R::TimeWindow,
            TransparencyLogError::MalformedEntry(_) => R::Malformed,
            _ => R::TlogInclusion,
        },
        Error::Timestamp(t) => match t {
            TimestampError::Invalid(_)
            | TimestampError::OutsideAuthorityValidity { .. }
            | TimestampError::NoVerifiedTimestamp(_) => R::SignedTimestamp,
            _ => R::SignedTimestamp,
        },
        Error::Bundle(b) => match b {
            BundleError::MissingInclusionPromise(_) | BundleError::MissingSigningTimeEvidence => {
                R::SignedTimestamp
            }
            BundleError::MissingInclusionProof(_) | BundleError::LogIndexOutOfRange { .. } => {
                R::TlogInclusion
            }
            BundleError::MissingCheckpoint | BundleError::CheckpointRootMismatch => R::Checkpoint,
            _ => R::Malformed,
        },
        // The only trust-root error raised while verifying: no CT log key for the SCT.
        Error::InvalidTrustRoot(_) => R::Sct,
        Error::InvalidBundle(_)
        | Error::UnsupportedBundle(_)
        | Error::UnsupportedArtifact(_)
        | Error::Types(_)
        | Error::Crypto(_)
        | Error::TrustRoot(_)
        | Error::TrustedCertificate(_)
        | Error::ArtifactRead(_) => R::Malformed,
        _ => R::Malformed,
    }
}

fn detail_for(error: &Error) -> String {
    match error {
        Error::Certificate(CertificateError::NoValidAuthority { time }) => format!(
            "no Fulcio certificate authority of the trust root was valid at the signing time \
             {time}"
        ),
        Error::Certificate(CertificateError::ChainInvalid(m)) if m.contains("UnknownIssuer") => {
            "the signing certificate was not issued by a Fulcio CA of the trust root".into()
        }
        Error::Certificate(CertificateError::ChainInvalid(m)) if m.contains("RequiredEku") => {
            "the signing certificate is not for code signing (no codeSigning EKU)".into()
        }
        Error::Certificate(CertificateError::ChainInvalid(m))
            if m.contains("CertExpired") || m.contains("CertNotValidYet") =>
        {
            "the signing time is outside the signing certificate's validity window".into()
        }
        Error::TransparencyLog(TransparencyLogError::InclusionPromise(m))
            if m.contains("No log key valid") =>
        {
            format!("the signed entry timestamp is from a transparency log the trust root does not list at that time ({m})")
        }
        other => {
            let text = other.to_string();
            let mut chars = text.chars();
            let acronym = chars.clone().nth(1).is_some_and(char::is_uppercase);
            match chars.next() {
                // Lowercase the first letter (not an acronym's, as in `RFC 3161`) and drop a
                // trailing period, per our style.
                Some(first) if acronym => format!("{first}{}", chars.as_str())
                    .trim_end_matches('.')
                    .to_string(),
                Some(first) => format!("{}{}", first.to_lowercase(), chars.as_str())
                    .trim_end_matches('.')
                    .to_string(),
                None => "verification failed".into(),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use FailureReason as R;

    #[test]
    fn kinds_map_to_reasons() {
        let t = "2024-01-01T00:00:00Z".parse().unwrap();
        let cases: Vec<(Error, FailureReason)> = vec![
            (Error::SignatureInvalid("x".into()), R::Signature),
            (
                Error::Certificate(CertificateError::ChainInvalid(
                    "certificate chain validation failed: CertExpired { .. }".into(),
                )),
                R::TimeWindow,
            ),
            (
                Error::ArtifactMismatch("artifact hash does not match any subject".into()),
                R::SubjectDigest,
            ),
            (
                Error::ArtifactMismatch("artifact hash mismatch for hashedrekord entry".into()),
                R::TlogBodyMismatch,
            ),
            (CertificateError::Malformed("x".into()).into(), R::Malformed),
            (
                CertificateError::ChainInvalid(
                    "certificate chain validation failed: UnknownIssuer".into(),
                )
                .into(),
                R::CertificateChain,
            ),
            (
                CertificateError::ChainInvalid(
                    "certificate chain validation failed: RequiredEkuNotFound".into(),
                )
                .into(),
                R::CertificateProfile,
            ),
            (
                CertificateError::NoValidAuthority { time: t }.into(),
                R::CertificateChain,
            ),
            (
                CertificateError::Expired {
                    time: t,
                    not_after: t,
                }
                .into(),
                R::TimeWindow,
            ),
            (
                CertificateError::NotYetValid {
                    time: t,
                    not_before: t,
                }
                .into(),
                R::TimeWindow,
            ),
            (CertificateError::Sct("x".into()).into(), R::Sct),
            (
                TransparencyLogError::UnknownLog { log_id: "x".into() }.into(),
                R::TlogInclusion,
            ),
            (
                TransparencyLogError::InclusionProof("x".into()).into(),
                R::TlogInclusion,
            ),
            (
                TransparencyLogError::Checkpoint("x".into()).into(),
                R::Checkpoint,
            ),
            (
                TransparencyLogError::InclusionPromise("x".into()).into(),
                R::SignedTimestamp,
            ),
            (
                TransparencyLogError::EntryMismatch("x".into()).into(),
                R::TlogBodyMismatch,
            ),
            (
                TransparencyLogError::IntegratedTime("x".into()).into(),
                R::TimeWindow,
            ),
            (
                TransparencyLogError::MalformedEntry("x".into()).into(),
                R::Malformed,
            ),
            (
                TimestampError::Invalid("x".into()).into(),
                R::SignedTimestamp,
            ),
            (
                TimestampError::NoVerifiedTimestamp("x".into()).into(),
                R::SignedTimestamp,
            ),
            (Error::Bundle(BundleError::MissingCheckpoint), R::Checkpoint),
            (
                Error::Bundle(BundleError::CheckpointRootMismatch),
                R::Checkpoint,
            ),
            (
                Error::Bundle(BundleError::MissingSigningTimeEvidence),
                R::SignedTimestamp,
            ),
            (
                Error::Bundle(BundleError::UnsupportedVerificationMaterial),
                R::Malformed,
            ),
            (Error::InvalidBundle("x".into()), R::Malformed),
        ];
        for (error, reason) in cases {
            assert_eq!(map_error(&error).reason, reason, "{error:?}");
        }
    }

    #[test]
    fn details_are_lowercase_without_trailing_period() {
        let e = map_error(
            &TransparencyLogError::Checkpoint("No valid Rekor signature found.".into()).into(),
        );
        assert!(e.detail.starts_with("invalid checkpoint"), "{}", e.detail);
        assert!(!e.detail.ends_with('.'));
        // An acronym keeps its case.
        let e = map_error(&Error::UnsupportedBundle("RFC 3161 token.".into()));
        assert!(!e.detail.contains("rFC"), "{}", e.detail);
    }
}
