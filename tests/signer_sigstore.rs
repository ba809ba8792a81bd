//! The test signer against `sigstore-verify` itself: minted attestations verify under the
//! test root (and only there), each cryptographic variant is rejected for its own reason,
//! and each PEP 740-level variant passes Sigstore but carries exactly its defect.

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use pubgate::testing::signer::{
    self, MintRequest, Predicate, TestAuthority, TestPublisher, Variant, PUBLISH_V1,
    SLSA_PROVENANCE_V1, UNKNOWN_PREDICATE,
};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use sigstore_verify::trust_root::TrustedRoot;
use sigstore_verify::types::{Artifact, Bundle, Sha256Hash};
use sigstore_verify::{
    CertificateError, Error, TransparencyLogError, VerificationPolicy, VerificationResult, Verifier,
};

const PRODUCTION_ROOT: &str = include_str!("../src/verify/roots/trusted_root.production.json");

fn test_root() -> String {
    signer::global().trusted_root_json()
}

fn sha256_of(name: &str) -> String {
    hex::encode(Sha256::digest(name.as_bytes()))
}

/// PEP 740 attestation → Sigstore bundle v0.3, the reshape pypi-attestations' `to_bundle` does.
fn to_bundle(attestation: &[u8]) -> Bundle {
    let a: Value = serde_json::from_slice(attestation).unwrap();
    let vm = &a["verification_material"];
    serde_json::from_value(json!({
        "mediaType": "application/vnd.dev.sigstore.bundle.v0.3+json",
        "verificationMaterial": {
            "certificate": {"rawBytes": vm["certificate"]},
            "tlogEntries": vm["transparency_entries"],
        },
        "dsseEnvelope": {
            "payload": a["envelope"]["statement"],
            "payloadType": "application/vnd.in-toto+json",
            "signatures": [{"sig": a["envelope"]["signature"]}],
        },
    }))
    .unwrap()
}

fn sigstore_verify(
    root_json: &str,
    attestation: &[u8],
    sha256: &str,
    policy: &VerificationPolicy,
) -> Result<VerificationResult, Error> {
    let root = TrustedRoot::from_json(root_json).unwrap();
    let verifier = Verifier::new(&root).unwrap();
    let digest = Sha256Hash::from_hex(sha256).unwrap();
    verifier.verify(
        Artifact::from_digest(digest),
        &to_bundle(attestation),
        policy,
    )
}

fn statement(attestation: &[u8]) -> Value {
    let a: Value = serde_json::from_slice(attestation).unwrap();
    let raw = B64
        .decode(a["envelope"]["statement"].as_str().unwrap())
        .unwrap();
    serde_json::from_slice(&raw).unwrap()
}

fn publishers() -> Vec<TestPublisher> {
    vec![
        TestPublisher::github("octo-org/sample-project", "release.yml")
            .with_environment(Some("pypi")),
        TestPublisher::gitlab("group/sub/sample-project", ".gitlab-ci.yml"),
        TestPublisher::google("publisher@sample-project.iam.gserviceaccount.com"),
        TestPublisher::circleci(
            "0f6c1b0a-1111-4222-8333-444455556666",
            "9a8b7c6d-5e4f-4a3b-9c2d-1e0f11223344",
        ),
        TestPublisher::email("maintainer@example.com"),
    ]
}

/// Raw bytes of the leaf's Fulcio extension `1.3.6.1.4.1.57264.1.{arc}`.
fn fulcio_extension(attestation: &[u8], arc: u32) -> Option<Vec<u8>> {
    use x509_cert::der::asn1::ObjectIdentifier;
    use x509_cert::der::Decode;
    let a: Value = serde_json::from_slice(attestation).unwrap();
    let der = B64
        .decode(a["verification_material"]["certificate"].as_str().unwrap())
        .unwrap();
    let cert = x509_cert::Certificate::from_der(&der).unwrap();
    let oid = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1")
        .push_arc(arc)
        .unwrap();
    cert.tbs_certificate
        .extensions?
        .into_iter()
        .find(|e| e.extn_id == oid)
        .map(|e| e.extn_value.as_bytes().to_vec())
}

#[test]
fn valid_attestations_verify_with_requested_content() {
    let root = test_root();
    let files = [
        "sample_project-1.2.3.tar.gz",
        "sample_project-1.2.3-py3-none-any.whl",
    ];
    for publisher in publishers() {
        for filename in files {
            for predicate in [Predicate::PublishV1, Predicate::SlsaProvenanceV1] {
                let sha256 = sha256_of(filename);
                let request =
                    MintRequest::new(filename, &sha256, publisher.clone()).predicate(predicate);
                let attestation = signer::mint_attestation(&request);
                let policy = VerificationPolicy::new(publisher.identity(), publisher.issuer());
                let result = sigstore_verify(&root, &attestation, &sha256, &policy)
                    .unwrap_or_else(|e| panic!("{publisher} {filename} {predicate:?}: {e}"));
                assert!(result.certificate_verified() && result.sct_verified());
                assert!(result.tlog_verified());
                assert_eq!(
                    result.integrated_time().map(|t| t.as_second()),
                    Some(signer::DEFAULT_SIGNED_AT as i64)
                );

                let s = statement(&attestation);
                assert_eq!(s["_type"], "https://in-toto.io/Statement/v1");
                assert_eq!(s["subject"].as_array().unwrap().len(), 1);
                assert_eq!(s["subject"][0]["name"], filename);
                assert_eq!(s["subject"][0]["digest"]["sha256"], sha256.as_str());
                assert_eq!(s["predicateType"], predicate.type_uri());
                match predicate {
                    Predicate::PublishV1 => assert_eq!(s["predicate"], Value::Null),
                    Predicate::SlsaProvenanceV1 => assert!(s["predicate"].is_object()),
                }

                let claims = &result.certificate().unwrap().ci_claims;
                assert_eq!(result.issuer(), Some(publisher.issuer()));
                assert_eq!(
                    result.identity().map(|i| i.as_str().to_string()),
                    Some(publisher.identity())
                );
                assert_eq!(claims.build_config_uri, publisher.build_config_uri());
                assert_eq!(
                    claims.source_repository_uri,
                    publisher.source_repository_uri()
                );
                // The legacy issuer (.1.1) is raw bytes, not DER, for every kind.
                assert_eq!(
                    fulcio_extension(&attestation, 1).as_deref(),
                    Some(publisher.issuer().as_bytes())
                );
                match &publisher {
                    TestPublisher::GitHub { git_ref, .. }
                    | TestPublisher::GitLab { git_ref, .. } => {
                        assert_eq!(claims.source_repository_ref.as_ref(), Some(git_ref));
                        assert_eq!(claims.source_repository_digest, publisher.commit());
                        assert_eq!(claims.build_signer_uri, publisher.build_config_uri());
                        // .1.8 onwards are DER UTF8Strings (tag 0x0C).
                        assert_eq!(fulcio_extension(&attestation, 18).unwrap()[0], 0x0c);
                    }
                    TestPublisher::Google { email } | TestPublisher::Email { email, .. } => {
                        assert!(matches!(
                            result.identity(),
                            Some(sigstore_verify::SubjectAltName::Email(e)) if e == email
                        ));
                        assert!(claims.source_repository_uri.is_none());
                    }
                    TestPublisher::CircleCI { vcs_ref, .. } => {
                        assert_eq!(&claims.source_repository_ref, vcs_ref);
                        assert_eq!(claims.build_signer_uri, publisher.build_signer_uri());
                        assert!(claims.source_repository_digest.is_none());
                    }
                }
            }
        }
    }
}

#[test]
fn github_certificate_matches_pypi_policy_shape() {
    let publisher = TestPublisher::github("octo-org/demo", "publish.yml").with_ref("refs/tags/v2");
    let sha256 = sha256_of("demo");
    let attestation = signer::mint_attestation(&MintRequest::new(
        "demo-2.tar.gz",
        &sha256,
        publisher.clone(),
    ));
    let policy = VerificationPolicy::any_identity();
    let result = sigstore_verify(&test_root(), &attestation, &sha256, &policy).unwrap();
    let claims = &result.certificate().unwrap().ci_claims;
    assert_eq!(
        claims.build_config_uri.as_deref(),
        Some("https://github.com/octo-org/demo/.github/workflows/publish.yml@refs/tags/v2")
    );
    assert_eq!(
        claims.source_repository_uri.as_deref(),
        Some("https://github.com/octo-org/demo")
    );
    assert_eq!(
        claims.source_repository_ref.as_deref(),
        Some("refs/tags/v2")
    );
    assert_eq!(claims.runner_environment.as_deref(), Some("github-hosted"));
    assert_eq!(
        claims.deprecated_github.workflow_repository.as_deref(),
        Some("octo-org/demo")
    );
}

#[test]
fn gitlab_certificate_uses_double_slash_build_config() {
    let publisher = TestPublisher::gitlab("ns/proj", "ci/release.yml");
    let sha256 = sha256_of("proj");
    let attestation =
        signer::mint_attestation(&MintRequest::new("proj-1.0.tar.gz", &sha256, publisher));
    let result = sigstore_verify(
        &test_root(),
        &attestation,
        &sha256,
        &VerificationPolicy::any_identity(),
    )
    .unwrap();
    let claims = &result.certificate().unwrap().ci_claims;
    assert_eq!(
        claims.build_config_uri.as_deref(),
        Some("https://gitlab.com/ns/proj//ci/release.yml@refs/heads/main")
    );
    assert_eq!(
        claims.source_repository_ref.as_deref(),
        Some("refs/heads/main")
    );
    assert!(claims.source_repository_digest.is_some());
}

#[test]
fn provenance_has_pypi_shape_and_every_attestation_verifies() {
    let publisher = TestPublisher::github("octo-org/demo", "release.yml");
    let sha256 = sha256_of("demo-1.0.tar.gz");
    let requests = [
        MintRequest::new("demo-1.0.tar.gz", &sha256, publisher.clone()),
        MintRequest::new("demo-1.0.tar.gz", &sha256, publisher.clone())
            .predicate(Predicate::SlsaProvenanceV1),
    ];
    let provenance: Value = serde_json::from_slice(&signer::mint_provenance(&requests)).unwrap();
    assert_eq!(provenance["version"], 1);
    let bundles = provenance["attestation_bundles"].as_array().unwrap();
    assert_eq!(bundles.len(), 1);
    assert_eq!(
        bundles[0]["publisher"],
        json!({"kind": "GitHub", "repository": "octo-org/demo", "workflow": "release.yml", "environment": null})
    );
    let attestations = bundles[0]["attestations"].as_array().unwrap();
    assert_eq!(attestations.len(), 2);
    let mut types = Vec::new();
    for a in attestations {
        let bytes = serde_json::to_vec(a).unwrap();
        assert_eq!(a["version"], 1);
        let policy = VerificationPolicy::new(publisher.identity(), publisher.issuer());
        sigstore_verify(&test_root(), &bytes, &sha256, &policy).unwrap();
        types.push(
            statement(&bytes)["predicateType"]
                .as_str()
                .unwrap()
                .to_string(),
        );
    }
    assert_eq!(types, [PUBLISH_V1, SLSA_PROVENANCE_V1]);
    // Global log indexes are distinct and shard-local ones differ from them.
    let idx: Vec<_> = attestations
        .iter()
        .map(|a| &a["verification_material"]["transparency_entries"][0])
        .map(|e| {
            (
                e["logIndex"].clone(),
                e["inclusionProof"]["logIndex"].clone(),
            )
        })
        .collect();
    assert_ne!(idx[0].0, idx[1].0);
    assert_ne!(idx[0].0, idx[0].1);
}

#[test]
fn provenance_groups_bundles_by_claimed_publisher() {
    let a = TestPublisher::github("o/a", "release.yml");
    let b = TestPublisher::google("b@example.com");
    let sha = sha256_of("x");
    let provenance: Value = serde_json::from_slice(&signer::mint_provenance(&[
        MintRequest::new("x-1.tar.gz", &sha, a.clone()),
        MintRequest::new("x-1.tar.gz", &sha, b.clone()),
        MintRequest::new("x-1.tar.gz", &sha, a.clone()).predicate(Predicate::SlsaProvenanceV1),
    ]))
    .unwrap();
    let bundles = provenance["attestation_bundles"].as_array().unwrap();
    assert_eq!(bundles.len(), 2);
    assert_eq!(bundles[0]["publisher"], a.claimed_json());
    assert_eq!(bundles[0]["attestations"].as_array().unwrap().len(), 2);
    assert_eq!(bundles[1]["publisher"], b.claimed_json());
}

/// What sigstore-verify reports for each cryptographic variant: the category names the
/// defect (webpki's message distinguishes chain, EKU and expiry inside `ChainInvalid`).
fn assert_rejected_for(variant: Variant, err: &Error) {
    let text = err.to_string();
    let ok = match variant {
        Variant::CertificateChain => {
            matches!(err, Error::Certificate(CertificateError::ChainInvalid(_)))
                && text.contains("InvalidSignatureForPublicKey")
        }
        Variant::CertificateProfile => {
            matches!(err, Error::Certificate(CertificateError::ChainInvalid(_)))
                && text.contains("RequiredEkuNotFound")
        }
        Variant::TimeWindow => {
            matches!(err, Error::Certificate(CertificateError::ChainInvalid(_)))
                && text.contains("CertExpired")
        }
        Variant::Sct => matches!(err, Error::Certificate(CertificateError::Sct(_))),
        Variant::TlogInclusion => {
            matches!(
                err,
                Error::TransparencyLog(TransparencyLogError::InclusionProof(_))
            )
        }
        Variant::Checkpoint => {
            matches!(
                err,
                Error::TransparencyLog(TransparencyLogError::Checkpoint(_))
            )
        }
        Variant::SignedTimestamp => {
            matches!(
                err,
                Error::TransparencyLog(TransparencyLogError::InclusionPromise(_))
            )
        }
        Variant::TlogBodyMismatch => {
            matches!(
                err,
                Error::TransparencyLog(TransparencyLogError::EntryMismatch(_))
            )
        }
        Variant::Signature => matches!(err, Error::SignatureInvalid(_)),
        _ => false,
    };
    assert!(ok, "{variant}: unexpected rejection: {err:?}");
}

#[test]
fn cryptographic_variants_are_rejected_by_sigstore_for_their_own_reason() {
    let root = test_root();
    for publisher in publishers() {
        let filename = "sample_project-1.2.3-py3-none-any.whl";
        let sha256 = sha256_of(filename);
        let crypto: Vec<Variant> = Variant::ALL_BROKEN
            .into_iter()
            .filter(|v| v.fails_sigstore())
            .collect();
        assert_eq!(crypto.len(), 9);
        for variant in crypto {
            let request = MintRequest::new(filename, &sha256, publisher.clone()).variant(variant);
            let attestation = signer::mint_attestation(&request);
            // The statement is untouched: only the named crypto part is wrong.
            let s = statement(&attestation);
            assert_eq!(s["subject"][0]["name"], filename);
            assert_eq!(s["subject"][0]["digest"]["sha256"], sha256.as_str());
            let err = sigstore_verify(
                &root,
                &attestation,
                &sha256,
                &VerificationPolicy::new(publisher.identity(), publisher.issuer()),
            )
            .expect_err(variant.expected_reason());
            assert_rejected_for(variant, &err);
        }
    }
}

#[test]
fn time_window_variant_has_valid_set_outside_leaf_validity() {
    let sha256 = sha256_of("t");
    let publisher = TestPublisher::google("t@example.com");
    let attestation = signer::mint_attestation(
        &MintRequest::new("t-1.tar.gz", &sha256, publisher).variant(Variant::TimeWindow),
    );
    // Skipping the chain (where webpki sees the expiry first) reaches sigstore-verify's own
    // integrated-time window check: the SET and proof verified, the time is outside.
    let policy = VerificationPolicy::any_identity().skip_certificate_chain();
    let err = sigstore_verify(&test_root(), &attestation, &sha256, &policy).unwrap_err();
    assert!(
        matches!(err, Error::TransparencyLog(TransparencyLogError::IntegratedTime(ref m)) if m.contains("after certificate validity")),
        "{err:?}"
    );
}

#[test]
fn pep740_variants_pass_sigstore_and_carry_exactly_their_defect() {
    let root = test_root();
    for publisher in publishers() {
        let filename = "sample_project-1.2.3.tar.gz";
        let sha256 = sha256_of(filename);
        let policy = VerificationPolicy::new(publisher.identity(), publisher.issuer());
        let mint = |variant| {
            signer::mint_attestation(
                &MintRequest::new(filename, &sha256, publisher.clone()).variant(variant),
            )
        };

        // subject-digest: Sigstore accepts it for the digest it names, not for ours.
        let a = mint(Variant::SubjectDigest);
        let s = statement(&a);
        let named = s["subject"][0]["digest"]["sha256"].as_str().unwrap();
        assert_ne!(named, sha256);
        assert_eq!(s["subject"][0]["name"], filename);
        assert_eq!(s["predicateType"], PUBLISH_V1);
        sigstore_verify(&root, &a, named, &policy).unwrap();
        let err = sigstore_verify(&root, &a, &sha256, &policy).unwrap_err();
        assert!(matches!(err, Error::ArtifactMismatch(_)), "{err:?}");

        // subject-name: right digest, another distribution's name.
        let a = mint(Variant::SubjectName);
        let s = statement(&a);
        let name = s["subject"][0]["name"].as_str().unwrap();
        assert_eq!(name, format!("impostor_{filename}"));
        assert!(!pubgate::dist::same_distribution(name, filename));
        assert_eq!(s["subject"][0]["digest"]["sha256"], sha256.as_str());
        assert_eq!(s["predicateType"], PUBLISH_V1);
        sigstore_verify(&root, &a, &sha256, &policy).unwrap();

        // predicate-type: right subject, unknown predicate.
        let a = mint(Variant::PredicateType);
        let s = statement(&a);
        assert_eq!(s["predicateType"], UNKNOWN_PREDICATE);
        assert_eq!(s["subject"][0]["name"], filename);
        assert_eq!(s["subject"][0]["digest"]["sha256"], sha256.as_str());
        sigstore_verify(&root, &a, &sha256, &policy).unwrap();

        // publisher-mismatch: the attestation is the real publisher's; the claim is not.
        let request = MintRequest::new(filename, &sha256, publisher.clone())
            .variant(Variant::PublisherMismatch);
        let provenance: Value =
            serde_json::from_slice(&signer::mint_provenance(&[request])).unwrap();
        let bundle = &provenance["attestation_bundles"][0];
        let claimed = &bundle["publisher"];
        assert_eq!(claimed, &publisher.impostor().claimed_json());
        assert_ne!(claimed, &publisher.claimed_json());
        assert_eq!(claimed["kind"], publisher.kind());
        if let Some(repo) = claimed.get("repository") {
            // Same repository, another workflow: only .18 (build config URI) disagrees.
            assert_eq!(Some(repo), publisher.claimed_json().get("repository"));
            assert_ne!(
                publisher.impostor().build_config_uri(),
                publisher.build_config_uri()
            );
        }
        let inner = serde_json::to_vec(&bundle["attestations"][0]).unwrap();
        let result = sigstore_verify(&root, &inner, &sha256, &policy).unwrap();
        assert_eq!(
            result.identity().map(|i| i.as_str().to_string()),
            Some(publisher.identity())
        );
    }
}

#[test]
fn structural_variants_are_otherwise_valid() {
    let root = test_root();
    let publisher = TestPublisher::github("o/r", "release.yml");
    let sha256 = sha256_of("s");
    let policy = VerificationPolicy::new(publisher.identity(), publisher.issuer());

    let a: Value = serde_json::from_slice(&signer::mint_attestation(
        &MintRequest::new("s-1.tar.gz", &sha256, publisher.clone())
            .variant(Variant::UnsupportedVersion),
    ))
    .unwrap();
    assert_eq!(a["version"], 2);
    let mut fixed = a.clone();
    fixed["version"] = json!(1);
    sigstore_verify(
        &root,
        &serde_json::to_vec(&fixed).unwrap(),
        &sha256,
        &policy,
    )
    .unwrap();

    let a: Value = serde_json::from_slice(&signer::mint_attestation(
        &MintRequest::new("s-1.tar.gz", &sha256, publisher.clone()).variant(Variant::Malformed),
    ))
    .unwrap();
    assert_eq!(a["version"], 1);
    assert!(a.get("envelope").is_none());
    assert!(a["verification_material"]["transparency_entries"][0].is_object());
}

#[test]
fn minted_attestations_fail_under_the_production_root() {
    for publisher in publishers() {
        let sha256 = sha256_of("p");
        let attestation =
            signer::mint_attestation(&MintRequest::new("p-1.tar.gz", &sha256, publisher));
        let err = sigstore_verify(
            PRODUCTION_ROOT,
            &attestation,
            &sha256,
            &VerificationPolicy::any_identity(),
        )
        .unwrap_err();
        // The test Rekor key is unknown there, so not even a signing time can be established.
        assert!(
            matches!(
                err,
                Error::TransparencyLog(TransparencyLogError::InclusionPromise(_))
            ),
            "{err:?}"
        );
    }
}

/// Every valid production attestation in `fixtures/pep740/index.json`, with its subject sha256.
fn production_attestations() -> Vec<(String, Vec<u8>, String)> {
    let index: Value =
        serde_json::from_slice(&std::fs::read("fixtures/pep740/index.json").unwrap()).unwrap();
    let mut out = Vec::new();
    for entry in index["entries"].as_array().unwrap() {
        if entry["instance"] != "production" || entry["expect"] != "valid" {
            continue;
        }
        let file = entry["file"].as_str().unwrap();
        let sha = entry["subject_sha256"].as_str().unwrap().to_string();
        let bytes = std::fs::read(format!("fixtures/pep740/{file}")).unwrap();
        match entry["type"].as_str().unwrap() {
            "attestation" => out.push((file.to_string(), bytes, sha)),
            "provenance" => {
                let p: Value = serde_json::from_slice(&bytes).unwrap();
                for bundle in p["attestation_bundles"].as_array().unwrap() {
                    for a in bundle["attestations"].as_array().unwrap() {
                        out.push((
                            file.to_string(),
                            serde_json::to_vec(a).unwrap(),
                            sha.clone(),
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[test]
fn production_attestations_fail_under_the_test_root() {
    let cases = production_attestations();
    assert!(cases.len() >= 5, "{}", cases.len());
    let policy = VerificationPolicy::any_identity();
    for (file, attestation, sha256) in cases {
        // The harness is sound: the real production root accepts it …
        sigstore_verify(PRODUCTION_ROOT, &attestation, &sha256, &policy)
            .unwrap_or_else(|e| panic!("{file} under production: {e}"));
        // … and the test root does not.
        let err = sigstore_verify(&test_root(), &attestation, &sha256, &policy).unwrap_err();
        assert!(
            matches!(
                err,
                Error::TransparencyLog(TransparencyLogError::InclusionPromise(_))
            ),
            "{file}: {err:?}"
        );
    }
}

#[test]
fn variant_cases_cover_every_reason_once() {
    let authority = TestAuthority::new();
    let publisher = TestPublisher::gitlab("g/p", ".gitlab-ci.yml");
    let sha256 = sha256_of("c");
    let cases = authority.variant_cases("c-1.0-py3-none-any.whl", &sha256, &publisher);
    let reasons: Vec<_> = cases.iter().map(|c| c.expected_reason()).collect();
    let mut expected = vec!["valid"];
    expected.extend(
        pubgate::verify::FailureReason::ALL
            .iter()
            .map(|r| r.as_str()),
    );
    assert_eq!(reasons, expected);
    let root = authority.trusted_root_json();
    let policy = VerificationPolicy::new(publisher.identity(), publisher.issuer());
    for case in &cases {
        assert_eq!(case.filename, "c-1.0-py3-none-any.whl");
        assert_eq!(case.sha256, sha256);
        let provenance: Value = serde_json::from_slice(&case.provenance).unwrap();
        let inner =
            serde_json::to_vec(&provenance["attestation_bundles"][0]["attestations"][0]).unwrap();
        let lone: Value = serde_json::from_slice(&case.attestation).unwrap();
        assert_eq!(
            lone["version"],
            provenance["attestation_bundles"][0]["attestations"][0]["version"]
        );
        if case.variant == Variant::Valid || case.variant.needs_provenance() {
            sigstore_verify(&root, &inner, &sha256, &policy).unwrap();
            sigstore_verify(&root, &case.attestation, &sha256, &policy).unwrap();
        }
        if case.variant.fails_sigstore() {
            let err = sigstore_verify(&root, &inner, &sha256, &policy).unwrap_err();
            assert_rejected_for(case.variant, &err);
        }
    }
}

#[test]
fn identity_case_leaves_are_otherwise_valid() {
    // Every certificate shape the reference accepts passes sigstore-verify in full (chain,
    // SCT over the edited precertificate, log entry, signature): the edits change the
    // extensions and SANs and nothing else.
    let root = test_root();
    let sha256 = sha256_of("identity");
    let mut checked = 0;
    for case in signer::identity_cases()
        .into_iter()
        .filter(|c| c.reference_accepts)
    {
        let (attestation, _) =
            signer::global().mint_identity_case(&case, "demo-1.0.tar.gz", &sha256);
        sigstore_verify(
            &root,
            &attestation,
            &sha256,
            &VerificationPolicy::any_identity(),
        )
        .unwrap_or_else(|e| panic!("{}: {e:?}", case.name));
        checked += 1;
    }
    assert!(checked >= 30, "{checked}");
}
