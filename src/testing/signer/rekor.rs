//! A Rekor v1 log in miniature: `dsse/0.0.1` entry bodies, a small RFC 6962 tree per entry
//! with its inclusion proof, a signed-note checkpoint and the signed entry timestamp.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::keys::SigningKey;

/// The checkpoint origin line and signer name of the test log.
const LOG_NAME: &str = "rekor.pubgate.test";
const TREE_ID: u64 = 4_242_424_242_424_242_424;

/// Which part of a log entry to break (at most one is set).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct EntryDefects {
    /// Flip a bit in the first inclusion-proof hash.
    pub bad_proof: bool,
    /// Sign the checkpoint over a different tree size than it states.
    pub bad_checkpoint: bool,
    /// Sign the SET over the shard-local index instead of the global one.
    pub bad_set: bool,
}

/// A `TransparencyLogEntry` in protobuf-JSON (camelCase, int64 as strings), key order as
/// PyPI serves it.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct TransparencyEntry {
    log_index: String,
    log_id: LogId,
    kind_version: KindVersion,
    integrated_time: String,
    inclusion_promise: InclusionPromise,
    inclusion_proof: InclusionProof,
    canonicalized_body: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct LogId {
    key_id: String,
}

#[derive(Debug, Clone, Serialize)]
struct KindVersion {
    kind: &'static str,
    version: &'static str,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct InclusionPromise {
    signed_entry_timestamp: String,
}

#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct InclusionProof {
    log_index: String,
    root_hash: String,
    tree_size: String,
    hashes: Vec<String>,
    checkpoint: Checkpoint,
}

#[derive(Debug, Clone, Serialize)]
struct Checkpoint {
    envelope: String,
}

/// The canonical Rekor `dsse/0.0.1` body for one signature over `payload`; `verifier_b64`
/// is base64 of the signing certificate's PEM.
///
/// `envelopeHash` hashes the envelope as sigstore-python submits it (`json.dumps` separators);
/// verifiers cannot and do not check it.
pub(crate) fn dsse_body(payload: &[u8], signature: &[u8], verifier_b64: &str) -> Vec<u8> {
    let payload_b64 = B64.encode(payload);
    let signature_b64 = B64.encode(signature);
    let envelope = format!(
        "{{\"payload\": \"{payload_b64}\", \"payloadType\": \"application/vnd.in-toto+json\", \
         \"signatures\": [{{\"sig\": \"{signature_b64}\"}}]}}"
    );
    // serde_json's maps are sorted, which is Rekor's canonical key order.
    let body = serde_json::json!({
        "apiVersion": "0.0.1",
        "kind": "dsse",
        "spec": {
            "envelopeHash": {"algorithm": "sha256", "value": hex::encode(Sha256::digest(envelope))},
            "payloadHash": {"algorithm": "sha256", "value": hex::encode(Sha256::digest(payload))},
            "signatures": [{"signature": signature_b64, "verifier": verifier_b64}],
        },
    });
    serde_json::to_vec(&body).unwrap_or_default()
}

/// Logs `body` as entry `global_index` at `integrated_time` and returns the entry with its
/// inclusion proof, checkpoint and SET, all signed by `rekor`.
pub(crate) fn log_entry(
    rekor: &SigningKey,
    body: &[u8],
    global_index: u64,
    integrated_time: u64,
    defects: EntryDefects,
) -> TransparencyEntry {
    // A small tree whose shape varies with the index, so proofs have 1–3 hashes and the
    // entry sits on the left, the right or the odd edge.
    let tree_size = 3 + global_index % 6;
    let local_index = global_index.wrapping_mul(7).wrapping_add(1) % tree_size;
    let leaves: Vec<[u8; 32]> = (0..tree_size)
        .map(|i| {
            if i == local_index {
                leaf_hash(body)
            } else {
                leaf_hash(format!("pubgate test log filler {global_index}/{i}").as_bytes())
            }
        })
        .collect();
    let root = tree_hash(&leaves);
    let mut proof = inclusion_path(local_index as usize, &leaves);
    if defects.bad_proof {
        if let Some(first) = proof.first_mut() {
            first[0] ^= 0x01;
        }
    }

    let key_id = rekor.key_id();
    let note = format!(
        "{LOG_NAME} - {TREE_ID}\n{tree_size}\n{}\n",
        B64.encode(root)
    );
    let signed_note = if defects.bad_checkpoint {
        format!(
            "{LOG_NAME} - {TREE_ID}\n{}\n{}\n",
            tree_size + 1,
            B64.encode(root)
        )
    } else {
        note.clone()
    };
    let mut hint_and_sig = key_id[..4].to_vec();
    hint_and_sig.extend(rekor.sign(signed_note.as_bytes()));
    let checkpoint = format!("{note}\n\u{2014} {LOG_NAME} {}\n", B64.encode(hint_and_sig));

    let body_b64 = B64.encode(body);
    let set_index = if defects.bad_set {
        local_index
    } else {
        global_index
    };
    // RFC 8785 for this payload: sorted keys, no whitespace, integers, base64 needs no escapes.
    let set_payload = serde_json::json!({
        "body": body_b64,
        "integratedTime": integrated_time,
        "logID": hex::encode(key_id),
        "logIndex": set_index,
    });
    let set = rekor.sign(&serde_json::to_vec(&set_payload).unwrap_or_default());

    TransparencyEntry {
        log_index: global_index.to_string(),
        log_id: LogId {
            key_id: B64.encode(key_id),
        },
        kind_version: KindVersion {
            kind: "dsse",
            version: "0.0.1",
        },
        integrated_time: integrated_time.to_string(),
        inclusion_promise: InclusionPromise {
            signed_entry_timestamp: B64.encode(set),
        },
        inclusion_proof: InclusionProof {
            log_index: local_index.to_string(),
            root_hash: B64.encode(root),
            tree_size: tree_size.to_string(),
            hashes: proof.iter().map(|h| B64.encode(h)).collect(),
            checkpoint: Checkpoint {
                envelope: checkpoint,
            },
        },
        canonicalized_body: body_b64,
    }
}

/// RFC 6962 leaf hash: SHA-256(0x00 ‖ data).
fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// RFC 6962 interior node: SHA-256(0x01 ‖ left ‖ right).
fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The largest power of two strictly below `n` (n ≥ 2).
fn split_point(n: usize) -> usize {
    let mut k = 1;
    while k * 2 < n {
        k *= 2;
    }
    k
}

/// RFC 6962 §2.1 MTH over leaf hashes (non-empty).
fn tree_hash(leaves: &[[u8; 32]]) -> [u8; 32] {
    match leaves {
        [] => Sha256::digest([]).into(),
        [one] => *one,
        _ => {
            let k = split_point(leaves.len());
            node_hash(&tree_hash(&leaves[..k]), &tree_hash(&leaves[k..]))
        }
    }
}

/// RFC 6962 §2.1.1 `PATH(m, D[n])`, leaf-to-root order.
fn inclusion_path(m: usize, leaves: &[[u8; 32]]) -> Vec<[u8; 32]> {
    if leaves.len() <= 1 {
        return Vec::new();
    }
    let k = split_point(leaves.len());
    if m < k {
        let mut path = inclusion_path(m, &leaves[..k]);
        path.push(tree_hash(&leaves[k..]));
        path
    } else {
        let mut path = inclusion_path(m - k, &leaves[k..]);
        path.push(tree_hash(&leaves[..k]));
        path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks every proof of every tree size used against an independent RFC 9162 verifier
    /// (sigstore-verify checks them end to end in `tests/signer_*.rs`).
    #[test]
    fn proofs_verify_with_sigstore_merkle() {
        use sigstore_verify::types::Sha256Hash;
        for size in 1..=9usize {
            let leaves: Vec<[u8; 32]> = (0..size)
                .map(|i| leaf_hash(format!("leaf {i}").as_bytes()))
                .collect();
            let root = Sha256Hash::new(tree_hash(&leaves));
            for m in 0..size {
                let proof: Vec<Sha256Hash> = inclusion_path(m, &leaves)
                    .into_iter()
                    .map(Sha256Hash::new)
                    .collect();
                assert!(
                    rfc9162_verify(&leaves[m], m as u64, size as u64, &proof, &root),
                    "size {size} index {m}"
                );
            }
        }
    }

    /// RFC 9162 §2.1.3.2: recompute the root from a leaf and its inclusion proof.
    fn rfc9162_verify(
        leaf: &[u8; 32],
        index: u64,
        size: u64,
        proof: &[sigstore_verify::types::Sha256Hash],
        root: &sigstore_verify::types::Sha256Hash,
    ) -> bool {
        let (mut fn_, mut sn) = (index, size - 1);
        let mut r = *leaf;
        for p in proof {
            if sn == 0 {
                return false;
            }
            if fn_ & 1 == 1 || fn_ == sn {
                r = node_hash(p.as_bytes(), &r);
                while fn_ & 1 == 0 && fn_ != 0 {
                    fn_ >>= 1;
                    sn >>= 1;
                }
            } else {
                r = node_hash(&r, p.as_bytes());
            }
            fn_ >>= 1;
            sn >>= 1;
        }
        sn == 0 && &r == root.as_bytes()
    }
}
