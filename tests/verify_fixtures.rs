//! Every real PEP 740 fixture verifies (or fails) as its index says, against the root of
//! its Sigstore instance; production attestations fail against the staging root.

use std::path::{Path, PathBuf};

use pubgate::verify::{
    verify_attestation, verify_document, verify_provenance, verify_sigstore_bundle, BundleArtifact,
    BundleSigner, DocumentKind, FailureReason, PublisherKind, TrustRoot, VerifiedProvenance,
    PUBLISH_V1, SLSA_PROVENANCE_V1,
};
use serde_json::{json, Value};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn root(instance: &str) -> TrustRoot {
    TrustRoot::from_file(&fixtures().join(format!("sigstore/trusted_root.{instance}.json")))
        .unwrap()
}

fn other(instance: &str) -> &'static str {
    if instance == "production" {
        "staging"
    } else {
        "production"
    }
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(fixtures().join("pep740").join(path)).unwrap()
}

/// The verified identity agrees with the publisher an index entry names.
fn assert_publisher(verified: &VerifiedProvenance, expected: &Value, file: &str) {
    let p = &verified.publisher;
    match expected["kind"].as_str() {
        Some("GitHub") => {
            assert_eq!(p.kind, PublisherKind::GitHub, "{file}");
            assert_eq!(
                p.repository.as_deref(),
                expected["repository"].as_str(),
                "{file}"
            );
            assert_eq!(
                p.workflow.as_deref(),
                expected["workflow"].as_str(),
                "{file}"
            );
        }
        Some("GitLab") => {
            assert_eq!(p.kind, PublisherKind::GitLab, "{file}");
            assert_eq!(
                p.repository.as_deref(),
                expected["repository"].as_str(),
                "{file}"
            );
            assert_eq!(
                p.workflow_filepath.as_deref(),
                expected["workflow_filepath"].as_str(),
                "{file}"
            );
        }
        Some("Google") => {
            assert_eq!(p.kind, PublisherKind::Google, "{file}");
            assert_eq!(p.email.as_deref(), expected["email"].as_str(), "{file}");
        }
        Some("CircleCI") => {
            assert_eq!(p.kind, PublisherKind::CircleCI, "{file}");
            assert_eq!(
                p.project_id.as_deref(),
                expected["project_id"].as_str(),
                "{file}"
            );
            assert_eq!(
                p.pipeline_definition_id.as_deref(),
                expected["pipeline_definition_id"].as_str(),
                "{file}"
            );
            assert_eq!(
                p.repository.as_deref(),
                expected["vcs_origin"].as_str(),
                "{file}"
            );
        }
        other => panic!("{file}: unexpected publisher kind {other:?}"),
    }
}

/// A provenance object wrapping a bare attestation under a claimed publisher.
fn wrap(attestation: &[u8], publisher: &Value) -> Vec<u8> {
    let attestation: Value = serde_json::from_slice(attestation).unwrap();
    json!({"version": 1, "attestation_bundles": [{"publisher": publisher, "attestations": [attestation]}]})
        .to_string()
        .into_bytes()
}

#[test]
fn upstream_index_entries_verify_as_expected() {
    let index: Value = serde_json::from_slice(&read("index.json")).unwrap();
    let mut checked = 0;
    for entry in index["entries"].as_array().unwrap() {
        let file = entry["file"].as_str().unwrap();
        let kind = entry["type"].as_str().unwrap();
        if kind.starts_with("x509-cert") {
            continue; // unit-tested in the identity and policy layers
        }
        let instance = entry["instance"].as_str().unwrap();
        let name = entry["subject_name"].as_str().unwrap();
        let sha = entry["subject_sha256"].as_str().unwrap();
        let bytes = read(file);
        assert!(
            entry["expect"].as_str().unwrap().starts_with("valid"),
            "{file}"
        );
        if kind.starts_with("sigstore-bundle") {
            let (identity, issuer) = match &entry["identity"] {
                Value::Null => (
                    format!(
                        "https://github.com/{}/.github/workflows/{}@refs/tags/v0.0.4a2",
                        entry["publisher"]["repository"].as_str().unwrap(),
                        entry["publisher"]["workflow"].as_str().unwrap()
                    ),
                    "https://token.actions.githubusercontent.com".to_string(),
                ),
                id => (
                    id["san"].as_str().unwrap().to_string(),
                    id["issuer"].as_str().unwrap().to_string(),
                ),
            };
            let digest: [u8; 32] = hex::decode(sha).unwrap().try_into().unwrap();
            let signer = BundleSigner::Identity { identity, issuer };
            let artifact = BundleArtifact::Sha256(digest);
            verify_sigstore_bundle(&bytes, &artifact, &signer, &root(instance))
                .unwrap_or_else(|e| panic!("{file}: {e}"));
            assert!(
                verify_sigstore_bundle(&bytes, &artifact, &signer, &root(other(instance))).is_err()
            );
            checked += 1;
            continue;
        }
        let (doc_kind, verified) = verify_document(&bytes, name, sha, &root(instance))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(
            doc_kind,
            if kind == "provenance" {
                DocumentKind::Provenance
            } else {
                DocumentKind::Attestation
            },
            "{file}"
        );
        let predicates: Vec<&str> = entry["predicate_types"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        let got: Vec<&str> = verified
            .attestations
            .iter()
            .map(|a| a.predicate_type.as_str())
            .collect();
        assert_eq!(got, predicates, "{file}");
        match &entry["publisher"] {
            Value::Null => {
                // Email identities (staging test signings): no Trusted Publisher.
                assert_eq!(verified.publisher.kind, PublisherKind::Other, "{file}");
                assert_eq!(
                    verified.publisher.san.as_deref(),
                    entry["identity"]["san"].as_str()
                );
                assert_eq!(
                    verified.publisher.issuer.as_deref(),
                    entry["identity"]["issuer"].as_str()
                );
            }
            publisher => {
                assert_publisher(&verified, publisher, file);
                if kind == "attestation" {
                    // The same attestation under the publisher PyPI would claim.
                    verify_provenance(&wrap(&bytes, publisher), name, sha, &root(instance))
                        .unwrap_or_else(|e| panic!("{file} wrapped: {e}"));
                } else {
                    let claimed = verified.claimed.as_ref().unwrap();
                    assert_eq!(claimed.kind, publisher["kind"].as_str().unwrap());
                    // The environment comes from the claim ("" read as none).
                    assert_eq!(verified.publisher.environment, None, "{file}");
                }
            }
        }
        let e = verify_document(&bytes, name, sha, &root(other(instance))).unwrap_err();
        assert!(
            matches!(
                e.reason,
                FailureReason::SignedTimestamp
                    | FailureReason::TlogInclusion
                    | FailureReason::CertificateChain
            ),
            "{file} against {}: {e}",
            other(instance)
        );
        checked += 1;
    }
    assert_eq!(checked, 15);
}

#[test]
fn extra_index_entries_verify_as_decided() {
    let index: Value = serde_json::from_slice(&read("extra/index.json")).unwrap();
    let mut checked = 0;
    for entry in index["entries"].as_array().unwrap() {
        let file = entry["file"].as_str().unwrap();
        let instance = entry["instance"].as_str().unwrap();
        let name = entry["subject_name"].as_str().unwrap();
        let sha = entry["subject_sha256"].as_str().unwrap();
        let bytes = read(file);
        // Decision (docs/verification.md): the Rekor v2 attestation is valid. The reference
        // refuses it only because pypi-attestations 0.0.30 drops the `timestamps` list and
        // sigstore-python 4.5.1 cannot read `dsse` 0.0.2 entries; its DSSE signature, RFC
        // 3161 timestamp, inclusion proof and signed checkpoint all verify.
        let expect_valid = entry["reference_result"] == "valid" || entry["rekor"] == "v2";
        assert!(expect_valid, "{file}");
        let (_, verified) = verify_document(&bytes, name, sha, &root(instance))
            .unwrap_or_else(|e| panic!("{file}: {e}"));
        assert_eq!(verified.attestations.len(), 1, "{file}");
        assert_eq!(
            verified.attestations[0].predicate_type,
            entry["predicate_type"].as_str().unwrap()
        );
        let san = entry["certificate_san"].as_str().unwrap();
        let san = san.split_once(':').unwrap().1;
        assert_eq!(verified.publisher.san.as_deref(), Some(san), "{file}");
        if let publisher @ Value::Object(_) = &entry["publisher"] {
            assert_publisher(&verified, publisher, file);
            assert_eq!(
                verified.publisher.environment.as_deref(),
                publisher["environment"].as_str().filter(|e| !e.is_empty()),
                "{file}"
            );
        }
        assert!(
            verify_document(&bytes, name, sha, &root(other(instance))).is_err(),
            "{file}"
        );
        checked += 1;
    }
    assert_eq!(checked, 17);
}

#[test]
fn rekor_v2_attestation_rests_on_its_rfc3161_timestamp() {
    let path = "extra/pypi+pypi-attestations/pypi_attestations-0.0.19.tar.gz.publish.attestation.with_rekor2_timestamp";
    let sha = "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3";
    let name = "pypi_attestations-0.0.19.tar.gz";
    let bytes = read(path);
    let verified = verify_attestation(&bytes, name, sha, &root("staging")).unwrap();
    // 2025-10-10T08:23:41Z, the TSA's genTime (the entry's integratedTime is 0).
    assert_eq!(verified.attestations[0].signed_at, 1_760_084_621);
    // Without its timestamp the entry has no trusted time at all.
    let mut value: Value = serde_json::from_slice(&bytes).unwrap();
    value["verification_material"]
        .as_object_mut()
        .unwrap()
        .remove("timestamps");
    let e =
        verify_attestation(value.to_string().as_bytes(), name, sha, &root("staging")).unwrap_err();
    assert_eq!(e.reason, FailureReason::SignedTimestamp, "{e}");
}

#[test]
fn production_attestations_verify_against_the_embedded_root() {
    let root = TrustRoot::production().unwrap();
    let v = verify_provenance(
        &read("pypi-attestations/pypi_attestations-0.0.19.tar.gz.provenance"),
        "pypi_attestations-0.0.19.tar.gz",
        "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3",
        &root,
    )
    .unwrap();
    assert_eq!(v.attestations[0].predicate_type, PUBLISH_V1);
    assert_eq!(v.attestations[0].log_index, Some(153_454_663));
    assert_eq!(v.publisher.git_ref.as_deref(), Some("refs/tags/v0.0.19"));
    let v = verify_attestation(
        &read("pypi-attestations/pypi_attestations-0.0.19.tar.gz.slsa.attestation"),
        "PyPI_Attestations-0.0.19.tar.gz",
        "9BB1ADD04B1B4E182BE6B0B80931593F7A291EB49D69B4FD728A5D4CBCDC4BD3",
        &root,
    )
    .unwrap();
    assert_eq!(v.attestations[0].predicate_type, SLSA_PROVENANCE_V1);
}

#[test]
fn files_of_a_release_share_a_certificate_and_the_cache_changes_no_result() {
    // sampleproject 4.0.0's sdist and wheel were signed with one certificate.
    let sdist = read("warehouse/sampleproject-4.0.0.tar.gz.provenance");
    let wheel = read("warehouse/sampleproject-4.0.0-py3-none-any.whl.publish.attestation");
    let (sdist_name, sdist_sha) = (
        "sampleproject-4.0.0.tar.gz",
        "0ace7980f82c5815ede4cd7bf9f6693684cec2ae47b9b7ade9add533b8627c6b",
    );
    let (wheel_name, wheel_sha) = (
        "sampleproject-4.0.0-py3-none-any.whl",
        "c23e447ea90d796d1e645c35c4b2de125040add12a845825546f91c93f391b6b",
    );
    let cached = root("production");
    let uncached = root("production").without_certificate_cache();
    for root in [&cached, &uncached] {
        let a = verify_provenance(&sdist, sdist_name, sdist_sha, root).unwrap();
        let b = verify_attestation(&wheel, wheel_name, wheel_sha, root).unwrap();
        assert_eq!(a.publisher.san, b.publisher.san);
        // Second time round (a cache hit for `cached`) the failures are the same too.
        let e = verify_attestation(&wheel, wheel_name, sdist_sha, root).unwrap_err();
        assert_eq!(e.reason, FailureReason::SubjectDigest);
        let e = verify_attestation(&wheel, sdist_name, wheel_sha, root).unwrap_err();
        assert_eq!(e.reason, FailureReason::SubjectName);
    }
    // Every fixture gives the same result with and without the cache, twice over.
    for index in ["index.json", "extra/index.json"] {
        let index: Value = serde_json::from_slice(&read(index)).unwrap();
        for entry in index["entries"].as_array().unwrap() {
            let kind = entry
                .get("type")
                .or(entry.get("shape"))
                .and_then(Value::as_str)
                .unwrap();
            if kind != "provenance" && kind != "attestation" {
                continue;
            }
            let bytes = read(entry["file"].as_str().unwrap());
            let (name, sha) = (
                entry["subject_name"].as_str().unwrap(),
                entry["subject_sha256"].as_str().unwrap(),
            );
            let root_name = entry["instance"].as_str().unwrap();
            let with = root(root_name);
            let without = root(root_name).without_certificate_cache();
            let first = verify_document(&bytes, name, sha, &with);
            let again = verify_document(&bytes, name, sha, &with);
            let plain = verify_document(&bytes, name, sha, &without);
            assert_eq!(first, again, "{}", entry["file"]);
            assert_eq!(first, plain, "{}", entry["file"]);
        }
    }
}

#[test]
fn a_claim_the_certificate_does_not_back_is_publisher_mismatch() {
    let attestation = read("pypi-attestations/pypi_attestations-0.0.19.tar.gz.publish.attestation");
    let (name, sha) = (
        "pypi_attestations-0.0.19.tar.gz",
        "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3",
    );
    let root = root("production");
    let good = json!({"kind": "GitHub", "repository": "trailofbits/pypi-attestations", "workflow": "release.yml"});
    verify_provenance(&wrap(&attestation, &good), name, sha, &root).unwrap();
    for claim in [
        json!({"kind": "GitHub", "repository": "trailofbits/other", "workflow": "release.yml"}),
        json!({"kind": "GitHub", "repository": "trailofbits/pypi-attestations", "workflow": "other.yml"}),
        json!({"kind": "GitLab", "repository": "trailofbits/pypi-attestations", "workflow_filepath": "release.yml"}),
        json!({"kind": "Google", "email": "someone@example.com"}),
        json!({"kind": "CircleCI", "project_id": "p", "pipeline_definition_id": "d"}),
        json!({"kind": "ActiveState"}),
    ] {
        let e = verify_provenance(&wrap(&attestation, &claim), name, sha, &root).unwrap_err();
        assert_eq!(e.reason, FailureReason::PublisherMismatch, "{claim}: {e}");
    }
    let incomplete = json!({"kind": "GitHub", "repository": "trailofbits/pypi-attestations"});
    let e = verify_provenance(&wrap(&attestation, &incomplete), name, sha, &root).unwrap_err();
    assert_eq!(e.reason, FailureReason::Malformed, "{e}");
    // The environment is carried from the claim, never checked.
    let with_env = json!({"kind": "GitHub", "repository": "trailofbits/pypi-attestations", "workflow": "release.yml", "environment": "release"});
    let v = verify_provenance(&wrap(&attestation, &with_env), name, sha, &root).unwrap();
    assert_eq!(v.publisher.environment.as_deref(), Some("release"));
    assert_eq!(v.claimed.unwrap().environment.as_deref(), Some("release"));
}

#[test]
fn every_attestation_of_every_bundle_must_verify() {
    let (name, sha) = (
        "pypi_attestations-0.0.19.tar.gz",
        "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3",
    );
    let publish: Value = serde_json::from_slice(&read(
        "pypi-attestations/pypi_attestations-0.0.19.tar.gz.publish.attestation",
    ))
    .unwrap();
    let slsa: Value = serde_json::from_slice(&read(
        "pypi-attestations/pypi_attestations-0.0.19.tar.gz.slsa.attestation",
    ))
    .unwrap();
    let publisher = json!({"kind": "GitHub", "repository": "trailofbits/pypi-attestations", "workflow": "release.yml"});
    let both = json!({"version": 1, "attestation_bundles": [{"publisher": publisher, "attestations": [publish, slsa]}]});
    let v = verify_provenance(both.to_string().as_bytes(), name, sha, &root("production")).unwrap();
    let types: Vec<&str> = v
        .attestations
        .iter()
        .map(|a| a.predicate_type.as_str())
        .collect();
    assert_eq!(types, [PUBLISH_V1, SLSA_PROVENANCE_V1]);
    // One bad attestation (here: another release's) sinks the whole provenance.
    let other: Value = serde_json::from_slice(&read(
        "extra/trailofbits+pypi-attestations/pypi_attestations-0.0.16.tar.gz.attestation",
    ))
    .unwrap();
    let mixed = json!({"version": 1, "attestation_bundles": [
        {"publisher": publisher, "attestations": [publish]},
        {"publisher": publisher, "attestations": [other]}]});
    let e = verify_provenance(mixed.to_string().as_bytes(), name, sha, &root("production"))
        .unwrap_err();
    assert_eq!(e.reason, FailureReason::SubjectDigest, "{e}");
}
