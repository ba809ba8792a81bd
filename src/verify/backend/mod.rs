//! The Sigstore backend: sigstore-verify behind a backend-neutral interface.
//!
//! [`verify_attestation_signature`] turns a PEP 740 attestation into a Sigstore v0.3 bundle
//! (as pypi-attestations' `to_bundle()` does, plus the proposed `timestamps` list), lets
//! sigstore-verify check chain, SCT, SET, inclusion, checkpoint, DSSE signature and entry
//! consistency, then adds what sigstore-verify leaves out (see `tlog` and
//! `docs/verification.md`). No sigstore type leaves this module.

pub(crate) mod chain_cache;
mod errors;
mod timestamps;
mod tlog;

use serde::Deserialize;
use serde_json::Value;
use sha2::Digest;
use sigstore_verify::types::{
    Bundle, CertificateContent, DerCertificate, DerPublicKey, DsseEnvelope, DsseSignature, KeyId,
    MediaType, PayloadBytes, Rfc3161Timestamp, Sha256Hash, SignatureBytes, SignatureContent,
    TimestampToken, TimestampVerificationData, TransparencyLogEntry, VerificationMaterial,
    VerificationMaterialContent,
};
use sigstore_verify::{IdentityMatcher, PublicKeyVerificationPolicy, VerificationPolicy};

use super::pep740::Attestation;
use super::statement::IN_TOTO_STATEMENT_V1;
use super::trust_root::TrustRoot;
use super::{FailureReason, VerifyError};

pub(crate) use errors::map_error;

/// The DSSE payload type of every PEP 740 attestation.
pub(crate) const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// What the backend proved about a signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignatureEvidence {
    /// Earliest verified signing time (SET-authenticated integrated time or RFC 3161), Unix s.
    pub signed_at: i64,
    /// Global log index of the first transparency log entry.
    pub log_index: Option<u64>,
}

fn fail(reason: FailureReason, detail: impl Into<String>) -> VerifyError {
    VerifyError {
        reason,
        detail: detail.into(),
    }
}

/// A Rekor entry split by who verifies it: sigstore-verify, or pubgate (`dsse` 0.0.2,
/// which sigstore-verify 0.15 cannot represent in a bundle).
enum Entry {
    Sigstore(Box<TransparencyLogEntry>),
    DsseV2(Value),
}

fn split_entry(raw: &Value) -> Result<Entry, VerifyError> {
    // A checkpoint that does not parse is a checkpoint problem, not a shapeless entry.
    if let Some(envelope) = raw
        .pointer("/inclusionProof/checkpoint/envelope")
        .and_then(Value::as_str)
    {
        if let Err(e) = sigstore_verify::types::Checkpoint::from_text(envelope) {
            return Err(fail(
                FailureReason::Checkpoint,
                format!("the checkpoint does not parse: {e}"),
            ));
        }
    }
    let kind = raw.pointer("/kindVersion/kind").and_then(Value::as_str);
    let version = raw.pointer("/kindVersion/version").and_then(Value::as_str);
    match (kind, version) {
        (Some("dsse"), Some("0.0.2")) => Ok(Entry::DsseV2(raw.clone())),
        (Some(kind), Some(version)) => TransparencyLogEntry::deserialize(raw)
            .map(|entry| Entry::Sigstore(Box::new(entry)))
            .map_err(|e| {
                fail(
                    FailureReason::Malformed,
                    format!("bad transparency log entry ({kind} {version}): {e}"),
                )
            }),
        _ => Err(fail(
            FailureReason::Malformed,
            "a transparency log entry has no `kindVersion`",
        )),
    }
}

/// Verifies an attestation's signature, certificate and log evidence for an artifact whose
/// sha256 is `artifact_sha256`. Statement contents and identity are checked by the caller.
pub(crate) fn verify_attestation_signature(
    root: &TrustRoot,
    attestation: &Attestation,
    artifact_sha256: [u8; 32],
) -> Result<SignatureEvidence, VerifyError> {
    let prepared = root.prepared();
    let mut sigstore_entries = Vec::new();
    let mut dsse_v2_entries = Vec::new();
    for raw in &attestation.tlog_entries {
        match split_entry(raw)? {
            Entry::Sigstore(entry) => sigstore_entries.push(*entry),
            Entry::DsseV2(value) => dsse_v2_entries.push(value),
        }
    }
    // Offline verification needs a proof of inclusion for every entry (a SET alone is a
    // promise, not a proof).
    for entry in &sigstore_entries {
        tlog::log_for(prepared, entry.log_id.key_id.as_bytes())?;
        tlog::require_inclusion_proof(entry)?;
    }
    let first_log_index = attestation
        .tlog_entries
        .first()
        .and_then(|e| e.get("logIndex"))
        .and_then(|v| v.as_str().and_then(|s| s.parse().ok()).or(v.as_u64()));

    let bundle = Bundle::new(
        MediaType::Bundle0_3,
        VerificationMaterial::new(VerificationMaterialContent::Certificate(
            CertificateContent::new(DerCertificate::new(attestation.certificate.clone())),
        ))
        .with_tlog_entries(sigstore_entries)
        .with_timestamp_verification_data(TimestampVerificationData::new(
            attestation
                .timestamps
                .iter()
                .map(|t| Rfc3161Timestamp::new(TimestampToken::new(t.clone())))
                .collect(),
        )),
        SignatureContent::DsseEnvelope(DsseEnvelope::new(
            IN_TOTO_PAYLOAD_TYPE,
            PayloadBytes::new(attestation.statement.clone()),
            DsseSignature::new(
                SignatureBytes::new(attestation.signature.clone()),
                KeyId::default(),
            ),
        )),
    );
    // Inclusion proofs and checkpoints are verified by pubgate below (stricter, and once:
    // sigstore-verify would verify each SET twice). With its tlog step off sigstore-verify
    // still verifies SETs and RFC 3161 timestamps (the signing times), chain, SCT, time
    // windows, signature and entry consistency.
    let policy = VerificationPolicy::any_identity().skip_tlog_unsafe();
    let leaf_digest: [u8; 32] = sha2::Sha256::digest(&attestation.certificate).into();
    let cache = root.certificate_cache();
    let cached = cache.and_then(|c| c.get(&leaf_digest));
    let artifact = Sha256Hash::new(artifact_sha256);
    let mut outcome = match cached {
        // This leaf's chain and SCT verified before: skip them, then re-check the only
        // time-dependent parts (see chain_cache); anything else runs in full.
        Some(_) => {
            prepared
                .verifier
                .verify(artifact, &bundle, &policy.clone().skip_certificate_chain())
        }
        None => prepared.verifier.verify(artifact, &bundle, &policy),
    };
    if let (Some(leaf), Some(cache), Ok(result)) = (cached, cache, &outcome) {
        let times: Vec<i128> = result
            .verified_timestamps()
            .iter()
            .map(|t| t.as_nanosecond())
            .collect();
        if !cache.covers(&leaf, &times) {
            outcome = prepared.verifier.verify(artifact, &bundle, &policy);
        }
    }
    let result = outcome.map_err(|e| diagnose(&e, attestation, &bundle))?;
    if let (None, Some(cache)) = (cached, cache) {
        let times: Vec<i128> = result
            .verified_timestamps()
            .iter()
            .map(|t| t.as_nanosecond())
            .collect();
        cache.insert(leaf_digest, &attestation.certificate, &times);
    }
    let times: Vec<i64> = result
        .verified_timestamps()
        .iter()
        .map(|t| t.as_second())
        .collect();
    for entry in &bundle.verification_material.tlog_entries {
        tlog::verify_sigstore_entry(prepared, entry)?;
    }
    for token in &attestation.timestamps {
        timestamps::check_embedded_certificates(prepared, token)?;
    }
    let signed = tlog::SignedEnvelope {
        payload: &attestation.statement,
        signature: &attestation.signature,
        signer: tlog::LoggedSigner::Certificate(&attestation.certificate),
    };
    for entry in &dsse_v2_entries {
        tlog::verify_dsse_v2_entry(prepared, &signed, entry, result.verified_timestamps())?;
    }
    let signed_at = times.iter().copied().min().ok_or_else(|| {
        fail(
            FailureReason::SignedTimestamp,
            "no verified signing time (neither a signed entry timestamp nor an RFC 3161 timestamp)",
        )
    })?;
    Ok(SignatureEvidence {
        signed_at,
        log_index: first_log_index,
    })
}

/// Maps a sigstore-verify error, reporting a bad DSSE signature first: a tampered envelope
/// can trip an earlier check (an RFC 3161 timestamp covers the signature; the statement
/// must parse) and "the signature does not verify" is the truer reason.
fn diagnose(
    error: &sigstore_verify::Error,
    attestation: &Attestation,
    bundle: &Bundle,
) -> VerifyError {
    let mapped = map_error(error);
    let signature_first = matches!(
        mapped.reason,
        FailureReason::SignedTimestamp | FailureReason::Malformed
    );
    if signature_first && !dsse_signature_verifies(attestation, bundle) {
        return fail(
            FailureReason::Signature,
            "the DSSE signature does not verify over the statement with the certificate's key",
        );
    }
    mapped
}

fn dsse_signature_verifies(attestation: &Attestation, bundle: &Bundle) -> bool {
    use sigstore_verify::crypto::{parse_certificate_info, verify_signature};
    let SignatureContent::DsseEnvelope(envelope) = &bundle.content else {
        return false;
    };
    let Ok(info) = parse_certificate_info(&DerCertificate::new(attestation.certificate.clone()))
    else {
        // An unparseable certificate is its own (earlier) problem.
        return true;
    };
    verify_signature(
        &info.public_key,
        &envelope.pae(),
        &envelope.signature.sig,
        info.key_algorithm.default_signing_scheme(),
    )
    .is_ok()
}

/// A v0.1/v0.2 `x509CertificateChain` must not carry a root (self-issued) certificate: trust
/// anchors come from the trust root, never from the bundle (protobuf-specs; the conformance
/// case `bundle-with-root-cert_fail`). sigstore-verify only ignores such a certificate.
fn reject_root_in_chain(bundle: &Bundle) -> Result<(), VerifyError> {
    use x509_cert::der::Decode;
    let VerificationMaterialContent::X509CertificateChain { certificates } =
        &bundle.verification_material.content
    else {
        return Ok(());
    };
    for certificate in certificates {
        let parsed =
            x509_cert::Certificate::from_der(certificate.raw_bytes.as_bytes()).map_err(|e| {
                fail(
                    FailureReason::Malformed,
                    format!("a certificate of the bundle's chain does not parse: {e}"),
                )
            })?;
        let tbs = &parsed.tbs_certificate;
        if tbs.subject == tbs.issuer {
            return Err(fail(
                FailureReason::CertificateChain,
                format!(
                    "the bundle's certificate chain includes the root certificate `{}`; a \
                     bundle must not carry its own trust anchor",
                    tbs.subject
                ),
            ));
        }
    }
    Ok(())
}

/// The message-signature twin of a DSSE bundle whose log entries are `hashedrekord`, at least
/// one of them 0.0.1, and the PAE bytes it signs. The client spec allows logging a DSSE
/// envelope as a `hashedrekord` of sha256(PAE); sigstore-verify 0.15 accepts that only for
/// Rekor v2 (0.0.2). To the log such an entry *is* a message signature over the PAE, so
/// sigstore-verify checks exactly that (signature, entry digest, certificate, SET, TSA over
/// the same signature bytes); the statement is then bound to the artifact by
/// [`check_statement_binding`].
fn pae_message_signature(bundle: &Bundle) -> Option<(Bundle, Vec<u8>)> {
    use sigstore_verify::types::bundle::MessageSignature;
    use sigstore_verify::types::KindVersion;
    let SignatureContent::DsseEnvelope(envelope) = &bundle.content else {
        return None;
    };
    let entries = &bundle.verification_material.tlog_entries;
    let all_hashedrekord = entries.iter().all(|e| {
        matches!(
            e.kind_version,
            KindVersion::HashedRekordV001 | KindVersion::HashedRekordV002
        )
    });
    let any_v001 = entries
        .iter()
        .any(|e| e.kind_version == KindVersion::HashedRekordV001);
    if !(all_hashedrekord && any_v001) {
        return None;
    }
    let mut message = bundle.clone();
    // No messageDigest: the signing scheme is the key's default, as for the DSSE signature.
    message.content =
        SignatureContent::MessageSignature(MessageSignature::new(envelope.signature.sig.clone()));
    Some((message, envelope.pae()))
}

/// The in-toto statement of a DSSE envelope must name the artifact: some subject's sha256 (or
/// sha512, when the artifact's bytes are at hand) is the artifact's, as sigstore-verify
/// requires of DSSE bundles it binds itself.
fn check_statement_binding(
    envelope: &DsseEnvelope,
    artifact: &BundleArtifact,
) -> Result<(), VerifyError> {
    use sigstore_verify::types::{Sha512Hash, Statement};
    if envelope.payload_type != IN_TOTO_PAYLOAD_TYPE {
        return Err(fail(
            FailureReason::Malformed,
            format!(
                "the DSSE payload type is `{}`, not an in-toto statement that could name the \
                 artifact",
                envelope.payload_type
            ),
        ));
    }
    let statement: Statement =
        serde_json::from_slice(envelope.payload.as_bytes()).map_err(|e| {
            fail(
                FailureReason::Malformed,
                format!("bad in-toto statement: {e}"),
            )
        })?;
    let matches = match artifact {
        BundleArtifact::Bytes(bytes) => {
            statement.matches_sha256(&Sha256Hash::new(sha2::Sha256::digest(bytes).into()))
                || statement.matches_sha512(&Sha512Hash::new(sha2::Sha512::digest(bytes).into()))
        }
        BundleArtifact::Sha256(digest) => statement.matches_sha256(&Sha256Hash::new(*digest)),
    };
    if matches {
        Ok(())
    } else {
        Err(fail(
            FailureReason::SubjectDigest,
            "no subject of the statement has the artifact's digest",
        ))
    }
}

/// A managed-key bundle with no log entry and no timestamp: valid only under a trust root that
/// lists no transparency log and no timestamp authority (a key-only trust domain, as the
/// conformance case `managed-key-and-trusted-root`), and then only as a v0.3 bundle whose
/// signature verifies with the key and binds the artifact. Under a root that has logs or TSAs
/// a missing log entry is refused, as `cosign verify-blob --key` refuses it.
fn verify_key_signature_alone(
    prepared: &super::trust_root::Prepared,
    bundle: &Bundle,
    key: &DerPublicKey,
    artifact: &BundleArtifact,
) -> Result<VerifiedBundle, VerifyError> {
    use sigstore_verify::crypto::{verify_signature, verify_signature_prehashed, KeyAlgorithm};
    use sigstore_verify::types::HashAlgorithm;
    if !prepared.logs.is_empty() || !prepared.tsa_certificates.is_empty() {
        return Err(fail(
            FailureReason::TlogInclusion,
            "the bundle has no transparency log entry and no timestamp, though the trust root \
             lists logs or timestamp authorities to vouch for the signature",
        ));
    }
    if bundle.media_type() != MediaType::Bundle0_3 {
        return Err(fail(
            FailureReason::TlogInclusion,
            "a v0.1 or v0.2 bundle must carry a transparency log entry",
        ));
    }
    let algorithm = KeyAlgorithm::from_spki(key).map_err(|e| {
        fail(
            FailureReason::Malformed,
            format!("unusable public key: {e}"),
        )
    })?;
    let bad_signature = |e: sigstore_verify::crypto::Error| {
        fail(
            FailureReason::Signature,
            format!("the signature does not verify with the given key: {e}"),
        )
    };
    match &bundle.content {
        SignatureContent::MessageSignature(message) => {
            let scheme = match &message.message_digest {
                Some(d) => algorithm.resolve_signing_scheme(d.algorithm),
                None => Ok(algorithm.default_signing_scheme()),
            }
            .map_err(|e| fail(FailureReason::Malformed, e.to_string()))?;
            let digest_of = |alg: HashAlgorithm| -> Option<Vec<u8>> {
                match (alg, artifact) {
                    (HashAlgorithm::Sha2256, BundleArtifact::Sha256(d)) => Some(d.to_vec()),
                    (HashAlgorithm::Sha2256, BundleArtifact::Bytes(b)) => {
                        Some(sha2::Sha256::digest(b).to_vec())
                    }
                    (HashAlgorithm::Sha2384, BundleArtifact::Bytes(b)) => {
                        Some(sha2::Sha384::digest(b).to_vec())
                    }
                    (HashAlgorithm::Sha2512, BundleArtifact::Bytes(b)) => {
                        Some(sha2::Sha512::digest(b).to_vec())
                    }
                    _ => None,
                }
            };
            let cannot_hash = || {
                fail(
                    FailureReason::Malformed,
                    "the artifact's digest in the bundle's algorithm cannot be computed from a \
                     sha256 digest; give the artifact file",
                )
            };
            if let Some(declared) = &message.message_digest {
                let actual = digest_of(declared.algorithm).ok_or_else(cannot_hash)?;
                if actual != declared.digest.as_bytes() {
                    return Err(fail(
                        FailureReason::SubjectDigest,
                        "the bundle's message digest is not the artifact's",
                    ));
                }
            }
            match (scheme.hash_algorithm(), artifact) {
                (Some(alg), _) => {
                    let digest = digest_of(alg).ok_or_else(cannot_hash)?;
                    verify_signature_prehashed(key, &digest, &message.signature, scheme)
                }
                (None, BundleArtifact::Bytes(b)) => {
                    verify_signature(key, b, &message.signature, scheme)
                }
                (None, BundleArtifact::Sha256(_)) => return Err(cannot_hash()),
            }
            .map_err(bad_signature)?;
        }
        SignatureContent::DsseEnvelope(envelope) => {
            verify_signature(
                key,
                &envelope.pae(),
                &envelope.signature.sig,
                algorithm.default_signing_scheme(),
            )
            .map_err(bad_signature)?;
            check_statement_binding(envelope, artifact)?;
        }
        _ => {
            return Err(fail(
                FailureReason::Malformed,
                "the bundle has neither a message signature nor a DSSE envelope",
            ))
        }
    }
    Ok(VerifiedBundle {
        identity: None,
        issuer: None,
        signed_at: None,
    })
}

/// The artifact a standard Sigstore bundle is checked against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleArtifact {
    /// The artifact's bytes.
    Bytes(Vec<u8>),
    /// Only the artifact's sha256.
    Sha256([u8; 32]),
}

/// Who must have signed a standard Sigstore bundle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleSigner {
    /// A Fulcio certificate with this exact SAN and OIDC issuer.
    Identity { identity: String, issuer: String },
    /// A managed key (PEM SubjectPublicKeyInfo).
    Key(String),
}

/// A standard Sigstore bundle that verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifiedBundle {
    /// The certificate SAN (keyless bundles).
    pub identity: Option<String>,
    /// The certificate's OIDC issuer (keyless bundles).
    pub issuer: Option<String>,
    /// Earliest verified signing time, Unix seconds, when one was established.
    pub signed_at: Option<i64>,
}

/// Verifies a standard Sigstore bundle (v0.1–v0.3, message signature or DSSE) against an
/// artifact and an expected signer, with pubgate's extra transparency log checks.
pub fn verify_sigstore_bundle(
    bundle_json: &[u8],
    artifact: &BundleArtifact,
    signer: &BundleSigner,
    root: &TrustRoot,
) -> Result<VerifiedBundle, VerifyError> {
    if bundle_json.len() > super::pep740::MAX_DOCUMENT_BYTES {
        return Err(fail(FailureReason::Malformed, "the bundle is too large"));
    }
    let prepared = root.prepared();
    let mut value: Value = serde_json::from_slice(bundle_json).map_err(|e| {
        fail(
            FailureReason::Malformed,
            format!("the bundle is not JSON: {e}"),
        )
    })?;
    // Rekor v2 `dsse` entries are verified by pubgate; the rest go to sigstore-verify.
    let mut dsse_v2_entries = Vec::new();
    if let Some(entries) = value
        .pointer_mut("/verificationMaterial/tlogEntries")
        .and_then(Value::as_array_mut)
    {
        if entries.len() > super::pep740::MAX_TLOG_ENTRIES {
            return Err(fail(
                FailureReason::Malformed,
                "too many transparency log entries",
            ));
        }
        let mut kept = Vec::new();
        for raw in entries.drain(..) {
            match split_entry(&raw)? {
                Entry::DsseV2(v) => dsse_v2_entries.push(v),
                Entry::Sigstore(_) => kept.push(raw),
            }
        }
        *entries = kept;
    }
    let bundle: Bundle = serde_json::from_value(value).map_err(|e| {
        fail(
            FailureReason::Malformed,
            format!("not a Sigstore bundle: {e}"),
        )
    })?;
    if let SignatureContent::DsseEnvelope(envelope) = &bundle.content {
        if envelope.payload_type == IN_TOTO_PAYLOAD_TYPE {
            let statement: Value =
                serde_json::from_slice(envelope.payload.as_bytes()).map_err(|e| {
                    fail(
                        FailureReason::Malformed,
                        format!("the statement is not JSON: {e}"),
                    )
                })?;
            if statement.get("_type").and_then(Value::as_str) != Some(IN_TOTO_STATEMENT_V1) {
                return Err(fail(
                    FailureReason::Malformed,
                    format!("the statement is not an in-toto `{IN_TOTO_STATEMENT_V1}` statement"),
                ));
            }
        }
    }
    reject_root_in_chain(&bundle)?;
    for entry in &bundle.verification_material.tlog_entries {
        tlog::log_for(prepared, entry.log_id.key_id.as_bytes())?;
        tlog::require_inclusion_proof(entry)?;
    }
    // A DSSE envelope logged as `hashedrekord` 0.0.1 is checked as the message signature over
    // its PAE that the log recorded; the statement is bound to the artifact afterwards.
    let pae_message = pae_message_signature(&bundle);
    let (checked_bundle, artifact_input) = match &pae_message {
        Some((message_bundle, pae)) => (
            message_bundle,
            sigstore_verify::types::Artifact::from(pae.as_slice()),
        ),
        None => (
            &bundle,
            match artifact {
                BundleArtifact::Bytes(bytes) => {
                    sigstore_verify::types::Artifact::from(bytes.as_slice())
                }
                BundleArtifact::Sha256(digest) => Sha256Hash::new(*digest).into(),
            },
        ),
    };
    // The leaf's shape first, as for PEP 740 attestations: a repeated extension or a second
    // SAN is named as such, not as whatever the chain builder trips over.
    if let Some(cert) = bundle.signing_certificate() {
        super::check_certificate_profile(cert.as_bytes())?;
    }
    let verifier = &prepared.verifier;
    let managed_key;
    let result = match signer {
        BundleSigner::Identity { identity, issuer } => {
            managed_key = None;
            let policy = VerificationPolicy::new(IdentityMatcher::Exact(identity.clone()), issuer)
                .skip_tlog_unsafe();
            verifier.verify(artifact_input, checked_bundle, &policy)
        }
        BundleSigner::Key(pem) => {
            let key = DerPublicKey::from_pem(pem).map_err(|e| {
                fail(
                    FailureReason::Malformed,
                    format!("the public key is not PEM: {e}"),
                )
            })?;
            let material = &bundle.verification_material;
            if material.tlog_entries.is_empty()
                && dsse_v2_entries.is_empty()
                && material
                    .timestamp_verification_data
                    .rfc3161_timestamps
                    .is_empty()
            {
                // Nothing for sigstore-verify to check but the signature, which its bundle
                // validation refuses to do alone.
                return verify_key_signature_alone(prepared, &bundle, &key, artifact);
            }
            // The managed-key path uses SETs only when sigstore-verify's tlog step runs, so
            // keep it on, unless it has no entry to check (pubgate verifies Rekor v2 `dsse`
            // entries itself; with timestamps alone its tlog step would refuse the bundle).
            let mut policy = PublicKeyVerificationPolicy::new(key.clone());
            if material.tlog_entries.is_empty() {
                policy = policy.skip_tlog_unsafe();
            }
            managed_key = Some(key);
            verifier.verify(artifact_input, checked_bundle, &policy)
        }
    }
    .map_err(|e| map_error(&e))?;
    if let (Some(_), SignatureContent::DsseEnvelope(envelope)) = (&pae_message, &bundle.content) {
        check_statement_binding(envelope, artifact)?;
    }
    for entry in &bundle.verification_material.tlog_entries {
        tlog::verify_sigstore_entry(prepared, entry)?;
    }
    for token in &bundle
        .verification_material
        .timestamp_verification_data
        .rfc3161_timestamps
    {
        timestamps::check_embedded_certificates(prepared, token.signed_timestamp.as_bytes())?;
    }
    if !dsse_v2_entries.is_empty() {
        let SignatureContent::DsseEnvelope(envelope) = &bundle.content else {
            return Err(fail(
                FailureReason::TlogBodyMismatch,
                "a Rekor `dsse` entry cannot log a message signature",
            ));
        };
        let signer = match (&managed_key, bundle.signing_certificate()) {
            (Some(key), _) => tlog::LoggedSigner::Key(key.as_bytes()),
            (None, Some(cert)) => tlog::LoggedSigner::Certificate(cert.as_bytes()),
            (None, None) => {
                return Err(fail(
                    FailureReason::Malformed,
                    "the bundle has no signing certificate",
                ))
            }
        };
        let signed = tlog::SignedEnvelope {
            payload: envelope.payload.as_bytes(),
            signature: envelope.signature.sig.as_bytes(),
            signer,
        };
        for entry in &dsse_v2_entries {
            tlog::verify_dsse_v2_entry(prepared, &signed, entry, result.verified_timestamps())?;
        }
    }
    Ok(VerifiedBundle {
        identity: result.identity().map(|san| san.as_str().to_string()),
        issuer: result.issuer().map(str::to_string),
        signed_at: result
            .verified_timestamps()
            .iter()
            .map(|t| t.as_second())
            .min(),
    })
}
