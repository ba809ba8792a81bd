//! Transparency log checks sigstore-verify 0.15 does not make: inclusion proofs required
//! (not just SETs), the checkpoint signed by the entry's own log, the checkpoint's tree size
//! equal to the proof's, Rekor v2's duplicated proof fields consistent with the checkpoint,
//! and the whole of Rekor v2 `dsse` 0.0.2 entries.

use serde::Deserialize;
use serde_json::Value;
use sha2::Digest;
use sigstore_verify::rekor::body::RekorEntryBody;
use sigstore_verify::types::bundle::InclusionProof;
use sigstore_verify::types::{Checkpoint, HashAlgorithm, KindVersion, TransparencyLogEntry};

use super::fail;
use crate::verify::trust_root::{Prepared, RekorLog};
use crate::verify::{FailureReason, VerifyError};

/// Every entry must carry an inclusion proof with a checkpoint: offline, a promise (SET)
/// alone does not show the entry was ever added to the log.
pub(super) fn require_inclusion_proof(entry: &TransparencyLogEntry) -> Result<(), VerifyError> {
    match &entry.inclusion_proof {
        Some(proof) if proof.checkpoint.checkpoint().is_some() => Ok(()),
        Some(_) => Err(fail(
            FailureReason::Checkpoint,
            "the inclusion proof has no checkpoint",
        )),
        None => Err(fail(
            FailureReason::TlogInclusion,
            "the transparency log entry has no inclusion proof (only a promise); offline \
             verification needs the proof",
        )),
    }
}

pub(super) fn log_for<'a>(
    prepared: &'a Prepared,
    log_id: &[u8],
) -> Result<&'a RekorLog, VerifyError> {
    prepared.log(log_id).ok_or_else(|| {
        use base64::Engine;
        fail(
            FailureReason::TlogInclusion,
            format!(
                "the entry is in transparency log `{}`, which the trust root does not list \
                 (signed on another Sigstore instance?)",
                base64::engine::general_purpose::STANDARD.encode(log_id)
            ),
        )
    })
}

/// The checkpoint must be a well-formed signed note carrying a valid signature by the
/// entry's own log: key hint = first four bytes of the log ID (Rekor v1 and v2 alike), and
/// signer name = the log name in the origin line. The note must be byte-for-byte the
/// canonical rendering of what was parsed, so no unsigned byte of it is malleable.
fn check_checkpoint(
    envelope: &str,
    checkpoint: &Checkpoint,
    log: &RekorLog,
) -> Result<(), VerifyError> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut canonical = checkpoint.signed_data().to_vec();
    canonical.push(b'\n');
    for sig in checkpoint.signatures() {
        let mut raw = sig.key_id.as_bytes().to_vec();
        raw.extend_from_slice(sig.signature.as_bytes());
        canonical
            .extend_from_slice(format!("\u{2014} {} {}\n", sig.name, b64.encode(raw)).as_bytes());
    }
    if canonical != envelope.as_bytes() {
        return Err(fail(
            FailureReason::Checkpoint,
            "the checkpoint is not a well-formed signed note",
        ));
    }
    let log_name = checkpoint
        .origin()
        .split_once(" - ")
        .map_or(checkpoint.origin(), |(name, _)| name);
    let hint = log.log_id.get(..4).unwrap_or_default();
    let signed = checkpoint.signatures().iter().any(|sig| {
        sig.key_id.as_bytes().as_slice() == hint
            && sig.name == log_name
            && log
                .key
                .verify(checkpoint.signed_data(), &sig.signature)
                .is_ok()
    });
    if signed {
        Ok(())
    } else {
        Err(fail(
            FailureReason::Checkpoint,
            format!(
                "the checkpoint is not signed by the entry's log `{}`",
                log.base_url
            ),
        ))
    }
}

/// Inclusion of an entry sigstore-verify parsed (Rekor v1 kinds, `hashedrekord` 0.0.2).
/// sigstore-verify runs with its own tlog step off: it verified the SET already, and its
/// checkpoint check is looser than ours (see `verify_inclusion`).
pub(super) fn verify_sigstore_entry(
    prepared: &Prepared,
    entry: &TransparencyLogEntry,
) -> Result<(), VerifyError> {
    require_inclusion_proof(entry)?;
    let Some(proof) = &entry.inclusion_proof else {
        return Ok(());
    };
    let v2_index =
        (entry.kind_version == KindVersion::HashedRekordV002).then(|| entry.log_index.get());
    verify_inclusion(
        prepared,
        entry.log_id.key_id.as_bytes(),
        v2_index,
        proof,
        entry.canonicalized_body.as_bytes(),
    )
}

/// Verifies that `body` is in the entry's log: the checkpoint is a canonical signed note
/// signed by that log, the proof's tree matches the checkpoint (Rekor v1: same size and
/// root; Rekor v2, `v2_index` given: the copies agree with the entry and checkpoint) and
/// the RFC 6962 path leads from the body's leaf hash to the checkpoint's root.
fn verify_inclusion(
    prepared: &Prepared,
    log_id: &[u8],
    v2_index: Option<u64>,
    proof: &InclusionProof,
    body: &[u8],
) -> Result<(), VerifyError> {
    let log = log_for(prepared, log_id)?;
    let checkpoint = proof.checkpoint.checkpoint().ok_or_else(|| {
        fail(
            FailureReason::Checkpoint,
            "the inclusion proof has no checkpoint",
        )
    })?;
    check_checkpoint(proof.checkpoint.envelope(), checkpoint, log)?;
    let leaf_index = match v2_index {
        Some(index) => {
            check_v2_duplicates(proof, checkpoint, index)?;
            index
        }
        None => {
            if proof.tree_size != checkpoint.tree_size()
                || proof.root_hash != *checkpoint.root_hash()
            {
                return Err(fail(
                    FailureReason::TlogInclusion,
                    format!(
                        "the inclusion proof is for a tree of {} entries, the signed checkpoint \
                         for {} (or their roots differ)",
                        proof.tree_size,
                        checkpoint.tree_size()
                    ),
                ));
            }
            proof.log_index.get()
        }
    };
    let leaf = sigstore_merkle::hash_leaf(body);
    sigstore_merkle::verify_inclusion_proof(
        &leaf,
        leaf_index,
        checkpoint.tree_size(),
        &proof.hashes,
        checkpoint.root_hash(),
    )
    .map_err(|e| {
        fail(
            FailureReason::TlogInclusion,
            format!("the inclusion proof does not lead to the checkpoint's root: {e}"),
        )
    })
}

/// Rekor v2 repeats the index, tree size and root hash outside the signed checkpoint:
/// verification uses the checkpoint's, and a disagreeing copy means the entry was altered.
fn check_v2_duplicates(
    proof: &InclusionProof,
    checkpoint: &Checkpoint,
    log_index: u64,
) -> Result<(), VerifyError> {
    if proof.log_index.get() != log_index
        || proof.tree_size != checkpoint.tree_size()
        || proof.root_hash != *checkpoint.root_hash()
    {
        return Err(fail(
            FailureReason::TlogInclusion,
            "the inclusion proof's index, tree size or root disagrees with the entry and its \
             signed checkpoint",
        ));
    }
    Ok(())
}

/// Who signed, as the log entry must record it.
#[derive(Clone, Copy)]
pub(super) enum LoggedSigner<'a> {
    /// DER leaf certificate.
    Certificate(&'a [u8]),
    /// DER SubjectPublicKeyInfo of a managed key.
    Key(&'a [u8]),
}

/// A DSSE envelope's signed parts.
pub(super) struct SignedEnvelope<'a> {
    pub payload: &'a [u8],
    pub signature: &'a [u8],
    pub signer: LoggedSigner<'a>,
}

fn u64_field(entry: &Value, pointer: &str) -> Option<u64> {
    let v = entry.pointer(pointer)?;
    v.as_str().and_then(|s| s.parse().ok()).or(v.as_u64())
}

/// Fully verifies a Rekor v2 `dsse` 0.0.2 entry: log known, body consistent with the
/// envelope and certificate, Merkle inclusion under the signed checkpoint, checkpoint signed
/// by that log, and the log valid at every verified signing time (RFC 3161 timestamps).
pub(super) fn verify_dsse_v2_entry(
    prepared: &Prepared,
    signed: &SignedEnvelope<'_>,
    entry: &Value,
    signed_times: &[jiff::Timestamp],
) -> Result<(), VerifyError> {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let malformed = |what: &str| fail(FailureReason::Malformed, format!("Rekor v2 entry: {what}"));
    let log_id = entry
        .pointer("/logId/keyId")
        .and_then(Value::as_str)
        .and_then(|s| b64.decode(s).ok())
        .ok_or_else(|| malformed("no valid `logId`"))?;
    let log_index =
        u64_field(entry, "/logIndex").ok_or_else(|| malformed("no valid `logIndex`"))?;
    let body = entry
        .get("canonicalizedBody")
        .and_then(Value::as_str)
        .and_then(|s| b64.decode(s).ok())
        .ok_or_else(|| malformed("no valid `canonicalizedBody`"))?;
    let proof: InclusionProof = match entry.get("inclusionProof") {
        Some(p) => InclusionProof::deserialize(p)
            .map_err(|e| malformed(&format!("bad inclusion proof: {e}")))?,
        None => {
            return Err(fail(
                FailureReason::TlogInclusion,
                "the Rekor v2 entry has no inclusion proof",
            ))
        }
    };
    let log = log_for(prepared, &log_id)?;

    // The body must describe this envelope: payload hash, the one signature, the leaf.
    let parsed = RekorEntryBody::from_json(&body, "dsse", "0.0.2")
        .map_err(|e| malformed(&format!("bad body: {e}")))?;
    let RekorEntryBody::DsseV002(dsse) = parsed else {
        return Err(malformed("the body is not a dsse 0.0.2 entry"));
    };
    let data = &dsse.spec.dsse_v002;
    let payload_hash = sha2::Sha256::digest(signed.payload);
    if data.payload_hash.algorithm != HashAlgorithm::Sha2256
        || data.payload_hash.digest.as_bytes() != payload_hash.as_slice()
    {
        return Err(fail(
            FailureReason::TlogBodyMismatch,
            "the log entry's payload hash is not the statement's sha256",
        ));
    }
    let [signature] = data.signatures.as_slice() else {
        return Err(fail(
            FailureReason::TlogBodyMismatch,
            format!(
                "the log entry has {} signatures, the envelope one",
                data.signatures.len()
            ),
        ));
    };
    if signature.content.as_bytes() != signed.signature {
        return Err(fail(
            FailureReason::TlogBodyMismatch,
            "the log entry's signature is not the envelope's",
        ));
    }
    let logged = &signature.verifier;
    let same_signer = match signed.signer {
        LoggedSigner::Certificate(der) => {
            logged
                .x509_certificate
                .as_ref()
                .map(|c| c.raw_bytes.as_bytes())
                == Some(der)
        }
        LoggedSigner::Key(spki) => {
            logged.public_key.as_ref().map(|k| k.raw_bytes.as_bytes()) == Some(spki)
        }
    };
    if !same_signer {
        return Err(fail(
            FailureReason::TlogBodyMismatch,
            "the log entry's certificate or key is not the one that signed",
        ));
    }

    // Inclusion under the signed checkpoint (its size and root, never the copies).
    verify_inclusion(prepared, &log_id, Some(log_index), &proof, &body)?;

    if signed_times.is_empty() {
        return Err(fail(
            FailureReason::SignedTimestamp,
            "a Rekor v2 entry needs an RFC 3161 timestamp, and none verified",
        ));
    }
    // A closed interval, compared at full precision (a TSA time may carry fractions).
    if let Some(window) = log.valid_for {
        if let Some(t) = signed_times.iter().find(|&&t| !window.contains(t)) {
            return Err(fail(
                FailureReason::TimeWindow,
                format!(
                    "signed at {t}, outside the validity of transparency log `{}`",
                    log.base_url
                ),
            ));
        }
    }
    Ok(())
}
