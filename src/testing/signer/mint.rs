//! Minting: the in-toto statement, its DSSE signature, the Rekor entry, and the PEP 740
//! attestation and provenance JSON around them, with each variant's one defect applied.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::authority::TestAuthority;
use super::publisher::{ClaimedPublisherJson, TestPublisher};
use super::rekor::{dsse_body, log_entry, EntryDefects, TransparencyEntry};
use super::x509::LeafProfile;
use super::{MintRequest, Predicate, Variant, UNKNOWN_PREDICATE};

const PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";
/// How long before the signing time the time-window variant's leaf was issued: long
/// enough that the 10-minute certificate had expired.
const EXPIRED_BY: u64 = 3600;

/// A PEP 740 attestation object, keys in PyPI's order.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct AttestationJson {
    version: u32,
    verification_material: VerificationMaterial,
    #[serde(skip_serializing_if = "Option::is_none")]
    envelope: Option<Envelope>,
}

#[derive(Debug, Clone, Serialize)]
struct VerificationMaterial {
    certificate: String,
    transparency_entries: Vec<TransparencyEntry>,
}

#[derive(Debug, Clone, Serialize)]
struct Envelope {
    statement: String,
    signature: String,
}

#[derive(Serialize)]
struct Provenance<'a> {
    version: u32,
    attestation_bundles: Vec<Bundle<'a>>,
}

#[derive(Serialize)]
struct Bundle<'a> {
    publisher: ClaimedPublisherJson<'a>,
    attestations: Vec<AttestationJson>,
}

#[derive(Serialize)]
struct Statement<'a> {
    #[serde(rename = "_type")]
    type_: &'static str,
    subject: [Subject<'a>; 1],
    #[serde(rename = "predicateType")]
    predicate_type: &'static str,
    predicate: serde_json::Value,
}

#[derive(Serialize)]
struct Subject<'a> {
    name: &'a str,
    digest: Digest256<'a>,
}

#[derive(Serialize)]
struct Digest256<'a> {
    sha256: &'a str,
}

impl TestAuthority {
    /// Mints one PEP 740 attestation (`{"version":1,"verification_material":…,"envelope":…}`)
    /// as PyPI serves it. A [`Variant::PublisherMismatch`] request yields a valid attestation:
    /// that defect lives in the provenance's claim.
    pub fn mint_attestation(&self, request: &MintRequest) -> Vec<u8> {
        serde_json::to_vec(&self.attestation(request)).unwrap_or_default()
    }

    /// Mints a provenance object (`{"version":1,"attestation_bundles":[…]}`): one bundle per
    /// distinct claimed publisher, in request order, each claiming its requests' publisher
    /// (an impostor of it for [`Variant::PublisherMismatch`] requests), or the request's
    /// [`MintRequest::claiming`] publisher when it sets one.
    pub fn mint_provenance(&self, requests: &[MintRequest]) -> Vec<u8> {
        let claims: Vec<TestPublisher> = requests
            .iter()
            .map(|r| match (&r.claimed, r.variant) {
                (Some(claimed), _) => claimed.clone(),
                (None, Variant::PublisherMismatch) => r.publisher.impostor(),
                (None, _) => r.publisher.clone(),
            })
            .collect();
        let mut groups: Vec<(&TestPublisher, Vec<AttestationJson>)> = Vec::new();
        for (request, claim) in requests.iter().zip(&claims) {
            let attestation = self.attestation(request);
            match groups.iter_mut().find(|(p, _)| *p == claim) {
                Some((_, list)) => list.push(attestation),
                None => groups.push((claim, vec![attestation])),
            }
        }
        let provenance = Provenance {
            version: 1,
            attestation_bundles: groups
                .into_iter()
                .map(|(publisher, attestations)| Bundle {
                    publisher: publisher.claimed(),
                    attestations,
                })
                .collect(),
        };
        serde_json::to_vec(&provenance).unwrap_or_default()
    }

    pub(crate) fn attestation(&self, request: &MintRequest) -> AttestationJson {
        let variant = request.variant;
        let signed_at = request.signed_at;
        let issued_at = if variant == Variant::TimeWindow {
            signed_at.saturating_sub(EXPIRED_BY)
        } else {
            signed_at
        };
        let (not_before, not_after) = TestAuthority::leaf_window(issued_at);
        let leaf = self.leaf(
            &LeafProfile {
                publisher: request.publisher.clone(),
                not_before,
                not_after,
                code_signing: variant != Variant::CertificateProfile,
                corrupt_sct: variant == Variant::Sct,
                edits: request.cert_edits.clone(),
            },
            variant == Variant::CertificateChain,
        );

        let other_digest = hex::encode(Sha256::digest(
            format!("pubgate-other:{}", request.sha256).as_bytes(),
        ));
        let impostor_name = format!("impostor_{}", request.filename);
        let signed_statement = request.statement.clone().unwrap_or_else(|| {
            statement(
                match variant {
                    Variant::SubjectName => &impostor_name,
                    _ => &request.filename,
                },
                match variant {
                    Variant::SubjectDigest => &other_digest,
                    _ => &request.sha256,
                },
                match variant {
                    Variant::PredicateType => None,
                    _ => Some(request.predicate),
                },
                &request.publisher,
            )
        });
        // What the envelope carries vs. what the log entry describes: they differ only in the
        // signature and tlog-body-mismatch variants.
        let other_statement = || {
            statement(
                &request.filename,
                &other_digest,
                Some(request.predicate),
                &request.publisher,
            )
        };
        let signature = match variant {
            Variant::Signature => leaf.key.sign(&pae(&other_statement())),
            _ => leaf.key.sign(&pae(&signed_statement)),
        };
        let body = match variant {
            Variant::TlogBodyMismatch => {
                let other = other_statement();
                dsse_body(&other, &leaf.key.sign(&pae(&other)), &leaf.pem_b64)
            }
            _ => dsse_body(&signed_statement, &signature, &leaf.pem_b64),
        };
        let entry = log_entry(
            &self.rekor,
            &body,
            self.next_log_index(),
            signed_at,
            EntryDefects {
                bad_proof: variant == Variant::TlogInclusion,
                bad_checkpoint: variant == Variant::Checkpoint,
                bad_set: variant == Variant::SignedTimestamp,
            },
        );

        AttestationJson {
            version: if variant == Variant::UnsupportedVersion {
                2
            } else {
                1
            },
            verification_material: VerificationMaterial {
                certificate: leaf.der_b64.clone(),
                transparency_entries: vec![entry],
            },
            envelope: (variant != Variant::Malformed).then(|| Envelope {
                statement: B64.encode(&signed_statement),
                signature: B64.encode(&signature),
            }),
        }
    }
}

/// The raw in-toto v1 statement bytes (compact JSON, PyPI's key order). `None` as the
/// predicate means the unknown predicate type of the predicate-type variant.
fn statement(
    name: &str,
    sha256: &str,
    predicate: Option<Predicate>,
    publisher: &TestPublisher,
) -> Vec<u8> {
    let (predicate_type, predicate) = match predicate {
        Some(Predicate::PublishV1) => (Predicate::PublishV1.type_uri(), serde_json::Value::Null),
        Some(Predicate::SlsaProvenanceV1) => (
            Predicate::SlsaProvenanceV1.type_uri(),
            slsa_predicate(publisher),
        ),
        None => (UNKNOWN_PREDICATE, serde_json::json!({})),
    };
    serde_json::to_vec(&Statement {
        type_: "https://in-toto.io/Statement/v1",
        subject: [Subject {
            name,
            digest: Digest256 { sha256 },
        }],
        predicate_type,
        predicate,
    })
    .unwrap_or_default()
}

/// A minimal SLSA v1 predicate naming the build the certificate describes.
fn slsa_predicate(publisher: &TestPublisher) -> serde_json::Value {
    serde_json::json!({
        "buildDefinition": {
            "buildType": "https://pubgate.test/buildtypes/ci/v1",
            "externalParameters": {
                "buildConfig": publisher.build_config_uri(),
                "source": publisher.source_repository_uri(),
            },
            "resolvedDependencies": [],
        },
        "runDetails": {
            "builder": {"id": publisher.identity()},
            "metadata": {},
        },
    })
}

/// DSSE v1 pre-authentication encoding of an in-toto payload.
fn pae(payload: &[u8]) -> Vec<u8> {
    let mut out = format!(
        "DSSEv1 {} {} {} ",
        PAYLOAD_TYPE.len(),
        PAYLOAD_TYPE,
        payload.len()
    )
    .into_bytes();
    out.extend_from_slice(payload);
    out
}
