//! The test authority: fixed Fulcio CA, CT log and Rekor keys, the trust root that names
//! them, and a cache of leaf certificates so minting thousands of attestations stays cheap.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};
use x509_cert::name::Name;

use super::keys::{Curve, SigningKey};
use super::material;
use super::x509::{leaf_certificate, pem, subject_of, LeafProfile};

/// Start of every validity window in the trust root: 2020-01-01T00:00:00Z.
const VALID_FROM: &str = "2020-01-01T00:00:00Z";
/// Global log indexes start here, well apart from the shard-local ones (< 10).
const FIRST_LOG_INDEX: u64 = 100_000_000;
/// Leaf certificates live 10 minutes, like Fulcio's. One is issued a minute before each
/// 5-minute slot, so every signing time in the slot is strictly inside its validity.
const LEAF_LIFETIME: u64 = 600;
const LEAF_SLOT: u64 = 300;
const LEAF_LEAD: u64 = 60;

/// A Fulcio-like CA, a CT log, a Rekor v1 log and a TSA, with fixed test-only keys.
#[derive(Debug)]
pub struct TestAuthority {
    intermediate: SigningKey,
    intermediate_name: Name,
    root_cert: Vec<u8>,
    intermediate_cert: Vec<u8>,
    tsa_root_cert: Vec<u8>,
    tsa_leaf_cert: Vec<u8>,
    ct: SigningKey,
    pub(crate) rekor: SigningKey,
    /// Signs leaves for the certificate-chain variant: same name as the intermediate, a key
    /// no trust root has. Generated on first use.
    rogue: OnceLock<SigningKey>,
    leaves: Mutex<HashMap<(LeafProfile, bool), Arc<Leaf>>>,
    next_index: AtomicU64,
}

/// A leaf certificate with its key, and its encodings minting needs every time.
#[derive(Debug)]
pub(crate) struct Leaf {
    pub key: SigningKey,
    pub der_b64: String,
    /// base64 of the PEM, as Rekor's `dsse` body records the verifier.
    pub pem_b64: String,
}

/// The authority every [`mint_attestation`](super::mint_attestation) call shares.
pub fn global() -> &'static TestAuthority {
    static GLOBAL: OnceLock<TestAuthority> = OnceLock::new();
    GLOBAL.get_or_init(TestAuthority::new)
}

impl Default for TestAuthority {
    fn default() -> Self {
        Self::new()
    }
}

impl TestAuthority {
    /// Loads the fixed keys and certificates of [`material`].
    pub fn new() -> TestAuthority {
        let cert = |b64: &str| B64.decode(b64).expect("fixed test certificate is base64");
        let intermediate_cert = cert(material::FULCIO_INTERMEDIATE_CERT);
        TestAuthority {
            intermediate: SigningKey::from_pkcs8_base64(
                Curve::P384,
                material::FULCIO_INTERMEDIATE_KEY,
            ),
            intermediate_name: subject_of(&intermediate_cert),
            root_cert: cert(material::FULCIO_ROOT_CERT),
            intermediate_cert,
            tsa_root_cert: cert(material::TSA_ROOT_CERT),
            tsa_leaf_cert: cert(material::TSA_LEAF_CERT),
            ct: SigningKey::from_pkcs8_base64(Curve::P256, material::CT_LOG_KEY),
            rekor: SigningKey::from_pkcs8_base64(Curve::P256, material::REKOR_KEY),
            rogue: OnceLock::new(),
            leaves: Mutex::new(HashMap::new()),
            next_index: AtomicU64::new(FIRST_LOG_INDEX),
        }
    }

    /// The `trusted_root.json` (media type `application/vnd.dev.sigstore.trustedroot+json;version=0.1`)
    /// naming this authority's Rekor log, Fulcio chain, CT log and TSA. Stable across runs.
    pub fn trusted_root_json(&self) -> String {
        let log = |url: &str, key: &SigningKey| TransparencyLog {
            base_url: url.to_string(),
            hash_algorithm: "SHA2_256",
            public_key: PublicKey {
                raw_bytes: B64.encode(key.spki()),
                key_details: "PKIX_ECDSA_P256_SHA_256",
                valid_for: ValidFor { start: VALID_FROM },
            },
            log_id: LogId {
                key_id: B64.encode(key.key_id()),
            },
        };
        let chain = |certs: &[&[u8]]| CertChain {
            certificates: certs
                .iter()
                .map(|der| RawBytes {
                    raw_bytes: B64.encode(der),
                })
                .collect(),
        };
        let root = TrustedRoot {
            media_type: "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            tlogs: vec![log("https://rekor.pubgate.test", &self.rekor)],
            certificate_authorities: vec![Authority {
                subject: Subject {
                    organization: "pubgate.test",
                    common_name: "pubgate-test-fulcio-root",
                },
                uri: "https://fulcio.pubgate.test",
                cert_chain: chain(&[&self.intermediate_cert, &self.root_cert]),
                valid_for: ValidFor { start: VALID_FROM },
            }],
            ctlogs: vec![log("https://ctfe.pubgate.test/test", &self.ct)],
            timestamp_authorities: vec![Authority {
                subject: Subject {
                    organization: "pubgate.test",
                    common_name: "pubgate-test-tsa-root",
                },
                uri: "https://timestamp.pubgate.test/api/v1/timestamp",
                cert_chain: chain(&[&self.tsa_leaf_cert, &self.tsa_root_cert]),
                valid_for: ValidFor { start: VALID_FROM },
            }],
        };
        let mut json = serde_json::to_string_pretty(&root).unwrap_or_default();
        json.push('\n');
        json
    }

    /// The leaf certificate for `profile`, issued by the test intermediate (or, when
    /// `rogue`, by a CA outside the trust root), created on first use.
    pub(crate) fn leaf(&self, profile: &LeafProfile, rogue: bool) -> Arc<Leaf> {
        let key = (profile.clone(), rogue);
        let mut leaves = self.leaves.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(leaf) = leaves.get(&key) {
            return Arc::clone(leaf);
        }
        let issuer_key = if rogue {
            self.rogue
                .get_or_init(|| SigningKey::generate(Curve::P384).0)
        } else {
            &self.intermediate
        };
        let (leaf_key, _) = SigningKey::generate(Curve::P256);
        let mut serial: [u8; 16] = Sha256::digest(format!("{key:?}").as_bytes())[..16]
            .try_into()
            .unwrap_or([1; 16]);
        serial[0] = (serial[0] & 0x7f) | 0x01;
        let der = leaf_certificate(
            profile,
            &serial,
            leaf_key.spki(),
            &self.intermediate_name,
            issuer_key,
            &self.ct,
        );
        let leaf = Arc::new(Leaf {
            key: leaf_key,
            der_b64: B64.encode(&der),
            pem_b64: B64.encode(pem(&der)),
        });
        leaves.insert(key, Arc::clone(&leaf));
        leaf
    }

    /// The validity window of the leaf that covers signing time `t`.
    pub(crate) fn leaf_window(t: u64) -> (u64, u64) {
        let not_before = (t - t % LEAF_SLOT).saturating_sub(LEAF_LEAD);
        (not_before, not_before + LEAF_LIFETIME)
    }

    /// The next global Rekor log index.
    pub(crate) fn next_log_index(&self) -> u64 {
        self.next_index.fetch_add(1, Ordering::Relaxed)
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TrustedRoot {
    media_type: &'static str,
    tlogs: Vec<TransparencyLog>,
    certificate_authorities: Vec<Authority>,
    ctlogs: Vec<TransparencyLog>,
    timestamp_authorities: Vec<Authority>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct TransparencyLog {
    base_url: String,
    hash_algorithm: &'static str,
    public_key: PublicKey,
    log_id: LogId,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PublicKey {
    raw_bytes: String,
    key_details: &'static str,
    valid_for: ValidFor,
}

#[derive(Serialize)]
struct ValidFor {
    start: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LogId {
    key_id: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Authority {
    subject: Subject,
    uri: &'static str,
    cert_chain: CertChain,
    valid_for: ValidFor,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Subject {
    organization: &'static str,
    common_name: &'static str,
}

#[derive(Serialize)]
struct CertChain {
    certificates: Vec<RawBytes>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RawBytes {
    raw_bytes: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use x509_cert::der::Decode;
    use x509_cert::Certificate;

    fn spki_of(der: &[u8]) -> Vec<u8> {
        use x509_cert::der::Encode;
        Certificate::from_der(der)
            .unwrap()
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .unwrap()
    }

    /// The fixed keys and certificates belong together.
    #[test]
    fn material_keys_match_certificates() {
        let a = TestAuthority::new();
        let key = |curve, b64| SigningKey::from_pkcs8_base64(curve, b64);
        assert_eq!(spki_of(&a.intermediate_cert), a.intermediate.spki());
        let root = key(Curve::P384, material::FULCIO_ROOT_KEY);
        assert_eq!(spki_of(&a.root_cert), root.spki());
        let tsa_root = key(Curve::P384, material::TSA_ROOT_KEY);
        assert_eq!(spki_of(&a.tsa_root_cert), tsa_root.spki());
        let tsa_leaf = key(Curve::P384, material::TSA_LEAF_KEY);
        assert_eq!(spki_of(&a.tsa_leaf_cert), tsa_leaf.spki());
    }

    #[test]
    fn trusted_root_is_stable_and_loads() {
        let json = TestAuthority::new().trusted_root_json();
        assert_eq!(json, TestAuthority::new().trusted_root_json());
        let root = sigstore_verify::trust_root::TrustedRoot::from_json(&json).unwrap();
        sigstore_verify::Verifier::new(&root).unwrap();
    }

    #[test]
    fn leaves_are_cached_per_profile() {
        let a = TestAuthority::new();
        let (not_before, not_after) = TestAuthority::leaf_window(super::super::DEFAULT_SIGNED_AT);
        let profile = LeafProfile {
            publisher: super::super::TestPublisher::github("o/r", "release.yml"),
            not_before,
            not_after,
            code_signing: true,
            corrupt_sct: false,
            edits: Vec::new(),
        };
        let one = a.leaf(&profile, false);
        assert!(Arc::ptr_eq(&one, &a.leaf(&profile, false)));
        assert!(!Arc::ptr_eq(&one, &a.leaf(&profile, true)));
    }
}
