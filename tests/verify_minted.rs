//! The test signer and the verifier agree: every minted attestation verifies under the test
//! root (and only there), and every broken variant fails with its own reason.

use pubgate::testing::signer::{self, MintRequest, TestPublisher, Variant};
use pubgate::verify::{self, PublisherKind, TrustRoot};

fn test_root() -> TrustRoot {
    TrustRoot::from_json(signer::global().trusted_root_json().as_bytes(), "test root").unwrap()
}

fn publishers() -> Vec<TestPublisher> {
    vec![
        TestPublisher::github("octo-org/widget", "release.yml").with_environment(Some("pypi")),
        TestPublisher::gitlab("group/sub/widget", ".gitlab-ci.yml"),
        TestPublisher::google("builder@widget.iam.gserviceaccount.com"),
    ]
}

const SHA: &str = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";

#[test]
fn every_variant_fails_with_its_own_reason() {
    let root = test_root();
    for publisher in publishers() {
        for filename in ["widget-1.0.tar.gz", "widget-1.0-py3-none-any.whl"] {
            for case in signer::global().variant_cases(filename, SHA, &publisher) {
                let label = format!("{:?} {} {}", case.variant, publisher.kind(), filename);
                let got = verify::verify_provenance(
                    &case.provenance,
                    &case.filename,
                    &case.sha256,
                    &root,
                );
                match (&got, case.expected_reason()) {
                    (Ok(_), "valid") => {}
                    (Err(e), expected) => assert_eq!(e.reason.as_str(), expected, "{label}: {e}"),
                    (Ok(_), expected) => panic!("{label}: accepted, expected {expected}"),
                }
                if !case.variant.needs_provenance() {
                    let lone = verify::verify_attestation(
                        &case.attestation,
                        &case.filename,
                        &case.sha256,
                        &root,
                    );
                    match (&lone, case.expected_reason()) {
                        (Ok(_), "valid") => {}
                        (Err(e), expected) => {
                            assert_eq!(e.reason.as_str(), expected, "{label} (lone): {e}")
                        }
                        (Ok(_), expected) => {
                            panic!("{label} (lone): accepted, expected {expected}")
                        }
                    }
                }
            }
        }
    }
}

#[test]
fn minted_identity_is_what_was_requested() {
    let root = test_root();
    let publisher = TestPublisher::github("Octo-Org/Widget", "release.yml")
        .with_ref("refs/tags/v2.0")
        .with_environment(Some("release"));
    let bytes = signer::mint_provenance(&[MintRequest::new("widget-2.0.tar.gz", SHA, publisher)]);
    let verified = verify::verify_provenance(&bytes, "widget-2.0.tar.gz", SHA, &root).unwrap();
    let who = &verified.publisher;
    assert_eq!(who.kind, PublisherKind::GitHub);
    assert_eq!(who.repository.as_deref(), Some("Octo-Org/Widget"));
    assert_eq!(who.workflow.as_deref(), Some("release.yml"));
    assert_eq!(who.git_ref.as_deref(), Some("refs/tags/v2.0"));
    assert_eq!(who.environment.as_deref(), Some("release"));
    assert_eq!(verified.attestations.len(), 1);
}

#[test]
fn minted_provenance_fails_against_the_production_root() {
    let production = TrustRoot::production().unwrap();
    let publisher = TestPublisher::github("octo-org/widget", "release.yml");
    let bytes = signer::mint_provenance(&[MintRequest::new("widget-1.0.tar.gz", SHA, publisher)]);
    let err = verify::verify_provenance(&bytes, "widget-1.0.tar.gz", SHA, &production).unwrap_err();
    // Whichever check notices first, the test instance's log or CA, is named.
    assert!(
        matches!(
            err.reason,
            verify::FailureReason::CertificateChain | verify::FailureReason::TlogInclusion
        ),
        "{err}"
    );
}

#[test]
fn a_wrong_file_for_a_valid_attestation_is_refused() {
    let root = test_root();
    let publisher = TestPublisher::gitlab("group/widget", ".gitlab-ci.yml");
    let bytes = signer::mint_provenance(&[MintRequest::new("widget-1.0.tar.gz", SHA, publisher)]);
    let other_sha = "0".repeat(64);
    let err =
        verify::verify_provenance(&bytes, "widget-1.0.tar.gz", &other_sha, &root).unwrap_err();
    assert_eq!(err.reason, verify::FailureReason::SubjectDigest);
    let err = verify::verify_provenance(&bytes, "widget-1.1.tar.gz", SHA, &root).unwrap_err();
    assert_eq!(err.reason, verify::FailureReason::SubjectName);
    assert!(Variant::ALL_BROKEN.len() >= 15);
}
