//! Verification semantics under attack, with attestations minted by the test signer: a
//! provenance naming several publishers, attestations for another file of the release,
//! statements with duplicate keys, claims in odd spellings, times in the future.

use pubgate::testing::signer::{self, MintRequest, TestPublisher};
use pubgate::verify::{self, FailureReason, TrustRoot};
use serde_json::Value;

const SHA: &str = "5e884898da28047151d0e56f8dc6292773603d0d6aabbdd62a11ef721d1542d8";
const OTHER_SHA: &str = "0000000000000000000000000000000000000000000000000000000000000001";
const SDIST: &str = "widget-1.0.tar.gz";

fn root() -> TrustRoot {
    TrustRoot::from_json(signer::global().trusted_root_json().as_bytes(), "test root").unwrap()
}

fn owner() -> TestPublisher {
    TestPublisher::github("octo-org/widget", "release.yml")
}

fn reason(result: Result<verify::VerifiedProvenance, verify::VerifyError>) -> FailureReason {
    match result {
        Ok(v) => panic!("accepted: {:?}", v.publisher),
        Err(e) => e.reason,
    }
}

#[test]
fn provenance_whose_bundles_name_different_publishers_is_refused() {
    // Anyone can sign any digest with their own CI identity. A hostile index appending (or
    // prepending) such a bundle must not have pubgate report one publisher and hide the
    // other from the policy.
    let stranger = TestPublisher::github("someone-else/fork", "publish.yml");
    for order in [[owner(), stranger.clone()], [stranger.clone(), owner()]] {
        let requests: Vec<MintRequest> = order
            .iter()
            .map(|p| MintRequest::new(SDIST, SHA, p.clone()))
            .collect();
        let provenance = signer::mint_provenance(&requests);
        let bundles = serde_json::from_slice::<Value>(&provenance).unwrap()["attestation_bundles"]
            .as_array()
            .unwrap()
            .len();
        assert_eq!(bundles, 2);
        let err = verify::verify_provenance(&provenance, SDIST, SHA, &root()).unwrap_err();
        assert_eq!(err.reason, FailureReason::PublisherMismatch, "{err}");
        assert!(err.detail.contains("different publishers"), "{err}");
    }
}

#[test]
fn a_bundle_repeated_for_the_same_publisher_still_verifies() {
    let provenance = signer::mint_provenance(&[MintRequest::new(SDIST, SHA, owner())]);
    let mut value: Value = serde_json::from_slice(&provenance).unwrap();
    let bundle = value["attestation_bundles"][0].clone();
    value["attestation_bundles"]
        .as_array_mut()
        .unwrap()
        .push(bundle);
    let verified =
        verify::verify_provenance(value.to_string().as_bytes(), SDIST, SHA, &root()).unwrap();
    assert_eq!(verified.attestations.len(), 2);
}

#[test]
fn an_attestation_for_another_file_of_the_release_is_refused() {
    let wheel = "widget-1.0-py3-none-any.whl";
    let provenance = signer::mint_provenance(&[MintRequest::new(wheel, SHA, owner())]);
    // Same digest claimed for another file name: the sdist, other tags, another version.
    for other in [
        SDIST,
        "widget-1.0-py2.py3-none-any.whl",
        "widget-1.0-py3-none-manylinux1_x86_64.whl",
        "widget-1.0-1-py3-none-any.whl",
        "widget-1.0.1-py3-none-any.whl",
        "widgets-1.0-py3-none-any.whl",
    ] {
        assert_eq!(
            reason(verify::verify_provenance(&provenance, other, SHA, &root())),
            FailureReason::SubjectName,
            "{other}"
        );
    }
    // Same name, other bytes.
    assert_eq!(
        reason(verify::verify_provenance(
            &provenance,
            wheel,
            OTHER_SHA,
            &root()
        )),
        FailureReason::SubjectDigest
    );
    // Tag order and name spelling do not matter (pypi-attestations compares parsed names).
    assert!(
        verify::verify_provenance(&provenance, "Widget-1.0-py3-none-any.whl", SHA, &root()).is_ok()
    );
}

/// A signed statement whose text the signer takes verbatim.
fn signed(statement: &str) -> Vec<u8> {
    signer::mint_provenance(&[MintRequest::new(SDIST, SHA, owner()).with_statement(statement)])
}

#[test]
fn statements_with_duplicate_keys_are_refused_whichever_copy_names_the_file() {
    // JSON parsers disagree on duplicate keys (first wins, last wins, error). A signed
    // statement that names one file to one parser and another to the next must not verify.
    let subject =
        |name: &str, sha: &str| format!(r#"[{{"name":"{name}","digest":{{"sha256":"{sha}"}}}}]"#);
    let head = r#"{"_type":"https://in-toto.io/Statement/v1""#;
    let tail =
        r#""predicateType":"https://docs.pypi.org/attestations/publish/v1","predicate":null}"#;
    let good = subject(SDIST, SHA);
    let evil = subject("evil-6.6.6.tar.gz", OTHER_SHA);
    let cases = [
        format!(r#"{head},"subject":{evil},"subject":{good},{tail}"#),
        format!(r#"{head},"subject":{good},"subject":{evil},{tail}"#),
        format!(
            r#"{head},"subject":[{{"name":"{SDIST}","digest":{{"sha256":"{OTHER_SHA}","sha256":"{SHA}"}}}}],{tail}"#
        ),
        format!(
            r#"{head},"subject":[{{"name":"evil-6.6.6.tar.gz","name":"{SDIST}","digest":{{"sha256":"{SHA}"}}}}],{tail}"#
        ),
        format!(
            r#"{head},"subject":{good},"predicateType":"https://example.com/evil","predicateType":"https://docs.pypi.org/attestations/publish/v1","predicate":null}}"#
        ),
    ];
    for statement in cases {
        assert!(
            serde_json::from_str::<Value>(&statement).is_ok(),
            "well-formed JSON apart from the duplicates: {statement}"
        );
        let result = verify::verify_provenance(&signed(&statement), SDIST, SHA, &root());
        assert!(result.is_err(), "accepted: {statement}");
    }
    // The same statement without duplicates verifies: the refusal is about the duplicates.
    let clean = format!(r#"{head},"subject":{good},{tail}"#);
    assert!(verify::verify_provenance(&signed(&clean), SDIST, SHA, &root()).is_ok());
}

#[test]
fn a_claimed_kind_is_matched_against_the_certificate_whatever_its_spelling() {
    let provenance = signer::mint_provenance(&[MintRequest::new(SDIST, SHA, owner())]);
    let with_claim = |edit: &dyn Fn(&mut Value)| {
        let mut value: Value = serde_json::from_slice(&provenance).unwrap();
        edit(&mut value["attestation_bundles"][0]["publisher"]);
        verify::verify_provenance(value.to_string().as_bytes(), SDIST, SHA, &root())
    };
    // Another case still names GitHub, and the GitHub policy is applied to the certificate.
    assert!(with_claim(&|p| p["kind"] = "github".into()).is_ok());
    // A kind no policy exists for cannot be checked: refused, never trusted.
    assert_eq!(
        reason(with_claim(&|p| p["kind"] = "GitHubActions".into())),
        FailureReason::PublisherMismatch
    );
    // Another kind whose policy the certificate fails.
    assert_eq!(
        reason(with_claim(&|p| {
            p["kind"] = "GitLab".into();
            p["workflow_filepath"] = ".gitlab-ci.yml".into();
        })),
        FailureReason::PublisherMismatch
    );
    // Extra fields in the claim change nothing (pydantic ignores them too); a claim for
    // another repository is refused.
    assert!(with_claim(&|p| p["email"] = "x@example.com".into()).is_ok());
    assert_eq!(
        reason(with_claim(&|p| p["repository"] = "octo-org/other".into())),
        FailureReason::PublisherMismatch
    );
}

#[test]
fn an_integrated_time_in_the_future_is_refused() {
    // The SET is valid (the test log signs whatever time it is given): only the clock
    // check stands between a future-dated entry and a pass.
    let future = jiff::Timestamp::now().as_second() as u64 + 86_400 * 30;
    let provenance =
        signer::mint_provenance(&[MintRequest::new(SDIST, SHA, owner()).signed_at(future)]);
    let err = verify::verify_provenance(&provenance, SDIST, SHA, &root()).unwrap_err();
    assert!(
        matches!(
            err.reason,
            FailureReason::TimeWindow | FailureReason::SignedTimestamp
        ),
        "{err}"
    );
}

#[test]
fn huge_or_negative_log_indexes_are_refused_not_wrapped() {
    let provenance = signer::mint_provenance(&[MintRequest::new(SDIST, SHA, owner())]);
    for index in [
        "18446744073709551616",
        "-1",
        "99999999999999999999999999",
        "1e9",
    ] {
        let mut value: Value = serde_json::from_slice(&provenance).unwrap();
        let entry = &mut value["attestation_bundles"][0]["attestations"][0]
            ["verification_material"]["transparency_entries"][0];
        entry["logIndex"] = index.into();
        let result = verify::verify_provenance(value.to_string().as_bytes(), SDIST, SHA, &root());
        assert!(result.is_err(), "logIndex {index} accepted");
    }
}

#[test]
fn non_canonical_base64_is_refused_or_decodes_to_the_same_bytes() {
    // Base64 with trailing bits set (non-canonical) must not verify as if it were other
    // bytes; either it is refused, or it decodes to exactly the signed statement.
    let provenance = signer::mint_provenance(&[MintRequest::new(SDIST, SHA, owner())]);
    let value: Value = serde_json::from_slice(&provenance).unwrap();
    let statement = value["attestation_bundles"][0]["attestations"][0]["envelope"]["statement"]
        .as_str()
        .unwrap()
        .to_string();
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let padding = statement.len() - statement.trim_end_matches('=').len();
    if padding == 0 {
        return; // no slack bits in this encoding
    }
    let body = statement.trim_end_matches('=');
    let last = body.chars().last().unwrap();
    let position = alphabet.find(last).unwrap();
    let tweaked_last = alphabet.as_bytes()[position | 1] as char;
    if tweaked_last == last {
        return;
    }
    let tweaked = format!(
        "{}{tweaked_last}{}",
        &body[..body.len() - 1],
        "=".repeat(padding)
    );
    let mut edited = value.clone();
    edited["attestation_bundles"][0]["attestations"][0]["envelope"]["statement"] = tweaked.into();
    let result = verify::verify_provenance(edited.to_string().as_bytes(), SDIST, SHA, &root());
    assert_eq!(reason(result), FailureReason::Malformed);
}
