//! Certificate identity, table-driven: every certificate shape of
//! `signer::identity_cases()` (extensions and SANs repeated, missing, extra, re-valued,
//! critical) goes through `pubgate verify` (with PyPI's claim and bare) and through
//! `pubgate check` against the fake PyPI. pubgate refuses exactly what pypi-attestations
//! refuses (the table's `reference_accepts`, confirmed by `scripts/identity_crosscheck.py`)
//! and, where it is stricter, says why; what it accepts, it reports as the identity checked.

mod e2e_support;

use std::path::Path;

use assert_cmd::Command;
use e2e_support::{project, uv_lock, Pkg, Site, Src};
use pubgate::testing::fake_pypi::{synthetic_sha256, FakeFile, FakeIndex};
use pubgate::testing::signer::{self, identity_cases, IdentityCase, MintRequest, TestPublisher};
use serde_json::Value;

const FILENAME: &str = "demo-1.0.tar.gz";
const SHA: &str = "2a97516c354b68848cdbd8f54a226a0a55b21ed138e207ad6c5cbb9c00aa5aea";

/// `pubgate verify FILE --format json` under the test root: (exit code, report).
fn verify(dir: &Path, bytes: &[u8], filename: &str, sha256: &str) -> (i32, Value) {
    let path = dir.join("input.json");
    std::fs::write(&path, bytes).unwrap();
    let out = Command::cargo_bin("pubgate")
        .unwrap()
        .args([
            "verify",
            "--format",
            "json",
            "--filename",
            filename,
            "--sha256",
            sha256,
        ])
        .arg(&path)
        .arg("--trusted-root")
        .arg(dir.join("trusted_root.json"))
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), report)
}

fn outcome(report: &Value) -> &str {
    if report["valid"] == true {
        "valid"
    } else {
        report["failure"]["reason"].as_str().unwrap()
    }
}

/// The reported publisher (verify's or check's JSON) names `expected`: kind and every
/// field PyPI's claim has.
fn assert_names(reported: &Value, expected: &TestPublisher, label: &str) {
    let claim = expected.claimed_json();
    match expected {
        TestPublisher::Email { issuer, email } => {
            assert_eq!(reported["kind"], "Other", "{label}");
            assert_eq!(reported["email"], email.as_str(), "{label}");
            if reported.get("issuer").is_some() {
                assert_eq!(reported["issuer"], issuer.as_str(), "{label}");
            }
        }
        TestPublisher::CircleCI { vcs_origin, .. } => {
            assert_eq!(reported["kind"], "CircleCI", "{label}");
            assert_eq!(reported["project_id"], claim["project_id"], "{label}");
            assert_eq!(
                reported["pipeline_definition_id"], claim["pipeline_definition_id"],
                "{label}"
            );
            assert_eq!(
                reported["repository"].as_str(),
                vcs_origin.as_deref(),
                "{label}"
            );
        }
        _ => {
            assert_eq!(reported["kind"], claim["kind"], "{label}");
            for field in ["repository", "workflow", "workflow_filepath", "email"] {
                if let Some(value) = claim.get(field) {
                    assert_eq!(&reported[field], value, "{label}: {field}");
                }
            }
        }
    }
}

/// A scratch directory holding the test root.
fn scratch() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("trusted_root.json"),
        signer::global().trusted_root_json(),
    )
    .unwrap();
    dir
}

#[test]
fn every_certificate_shape_through_pubgate_verify() {
    let dir = scratch();
    let mut problems = Vec::new();
    for case in identity_cases() {
        let (attestation, provenance) = signer::global().mint_identity_case(&case, FILENAME, SHA);
        for (what, bytes, expected) in [
            ("with claim", &provenance, case.with_claim),
            ("bare", &attestation, case.bare),
        ] {
            let label = format!("{} ({what})", case.name);
            let (code, report) = verify(dir.path(), bytes, FILENAME, SHA);
            let got = outcome(&report);
            if got != expected {
                problems.push(format!(
                    "{label}: `{got}`, expected `{expected}`: {}",
                    report["failure"]["detail"]
                ));
                continue;
            }
            assert_eq!(code, if expected == "valid" { 0 } else { 1 }, "{label}");
            if expected == "valid" {
                let identity = if what == "bare" {
                    case.expected_bare_identity()
                } else {
                    &case.claim
                };
                assert_names(&report["publisher"], identity, &label);
                // The reported SAN is the certificate's one SAN.
                assert!(report["publisher"]["san"].is_string(), "{label}");
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The package a case becomes on the fake index.
fn package(case: &IdentityCase) -> String {
    case.name.replace('/', "-")
}

/// The policy requirement naming the claimed publisher, if PyPI can claim it.
fn requirement(case: &IdentityCase) -> Option<String> {
    let name = package(case);
    let fields = match &case.claim {
        TestPublisher::GitHub {
            repository,
            workflow,
            ..
        } => format!("kind = \"github\", repository = \"{repository}\", workflow = \"{workflow}\""),
        TestPublisher::GitLab {
            repository,
            workflow_filepath,
            ..
        } => format!(
            "kind = \"gitlab\", repository = \"{repository}\", workflow_filepath = \"{workflow_filepath}\""
        ),
        TestPublisher::Google { email } => format!("kind = \"google\", email = \"{email}\""),
        TestPublisher::CircleCI {
            project_id,
            pipeline_definition_id,
            ..
        } => format!(
            "kind = \"circleci\", project_id = \"{project_id}\", pipeline_definition_id = \"{pipeline_definition_id}\""
        ),
        TestPublisher::Email { .. } => return None,
    };
    Some(format!(
        "[[package]]\nnames = [\"{name}\"]\npublisher = {{ {fields} }}\n"
    ))
}

#[test]
fn every_certificate_shape_through_pubgate_check() {
    let cases = identity_cases();
    let mut index = FakeIndex::new();
    let mut packages = Vec::new();
    let mut policy = String::from("schema = 1\n");
    for case in &cases {
        let name = package(case);
        let filename = format!("{}-1.0.tar.gz", name.replace('-', "_"));
        let sha = synthetic_sha256(&filename);
        let provenance = signer::mint_provenance(&[case.request(&filename, &sha)]);
        index.add(
            &name,
            FakeFile::new(&filename, &sha).with_provenance(provenance),
        );
        packages.push(Pkg {
            name: name.clone(),
            version: "1.0".into(),
            source: Src::Pypi,
            files: vec![(filename, Some(sha))],
        });
        policy.push_str(&requirement(case).unwrap_or_default());
    }
    let site = Site::serve(&index);
    let dir = project(&[("uv.lock", &uv_lock(&packages)), ("pubgate.toml", &policy)]);
    let run = site.check(dir.path(), &["uv.lock", "--format", "json"]);
    run.expect_code(1);
    let report = run.json();
    let findings = run.findings();
    let mut problems = Vec::new();
    for case in &cases {
        let name = package(case);
        let entry = report["packages"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name.as_str())
            .unwrap_or_else(|| panic!("{name} is not in the report"));
        let artifact = &entry["artifacts"][0];
        let status = artifact["provenance"].as_str().unwrap();
        let has = |rule: &str| findings.contains(&(rule.to_string(), name.clone(), false));
        if case.with_claim == "valid" {
            if status != "verified" || has("invalid-provenance") || has("publisher-mismatch") {
                problems.push(format!("{name}: `{status}` {}", artifact["detail"]));
                continue;
            }
            assert_names(&artifact["publisher"], &case.claim, &name);
        } else {
            if status != "invalid" || artifact["reason"] != case.with_claim {
                problems.push(format!(
                    "{name}: `{status}` ({}), expected invalid ({})",
                    artifact["reason"], case.with_claim
                ));
                continue;
            }
            assert!(has("invalid-provenance"), "{name}: {findings:?}");
            // A policy requiring the claimed publisher is never satisfied by it.
            if requirement(case).is_some() {
                assert!(has("publisher-mismatch"), "{name}: {findings:?}");
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The reason a lone attestation with `edits` is refused (bare verification).
fn bare_refusal(case_name: &str) -> String {
    let case = identity_cases()
        .into_iter()
        .find(|c| c.name == case_name)
        .unwrap();
    let (attestation, _) = signer::global().mint_identity_case(&case, FILENAME, SHA);
    let dir = scratch();
    let (code, report) = verify(dir.path(), &attestation, FILENAME, SHA);
    assert_eq!(code, 1, "{case_name}: {report}");
    report["failure"]["detail"].as_str().unwrap().to_string()
}

#[test]
fn bare_verification_never_falls_back_to_legacy_fields() {
    // The legacy issuer (.1) names GitHub, but .8 is gone.
    let detail = bare_refusal("github/no-issuer");
    assert!(detail.contains("no OIDC issuer (OID .8)"), "{detail}");
    // The legacy repository (.5) names it, but .12 is gone.
    let detail = bare_refusal("github/no-source-repository-uri");
    assert!(
        detail.contains("no source repository URI (OID .12)"),
        "{detail}"
    );
    // A Build Config URI whose ref is neither the source digest nor the source ref.
    let detail = bare_refusal("github/build-config-other-ref");
    assert!(
        detail.contains("ends in neither the source digest"),
        "{detail}"
    );
    // Two readings of the Build Config URI: refused rather than guessed.
    let detail = bare_refusal("github/ambiguous-build-config");
    assert!(detail.contains("names two workflows"), "{detail}");
}

#[test]
fn repeated_extensions_and_several_sans_are_named_as_such() {
    let detail = bare_refusal("github/repeat-source-repository-uri");
    assert!(
        detail.contains("repeats extension `1.3.6.1.4.1.57264.1.12`"),
        "{detail}"
    );
    let detail = bare_refusal("github/repeat-san");
    assert!(detail.contains("repeats extension `2.5.29.17`"), "{detail}");
    let detail = bare_refusal("google/two-emails-claim-second");
    assert!(detail.contains("2 subject alternative names"), "{detail}");
}

/// Raw bytes of the leaf's Fulcio extension `1.3.6.1.4.1.57264.1.{arc}`.
fn fulcio_extension(attestation: &[u8], arc: u32) -> Option<Vec<u8>> {
    use base64::Engine as _;
    use x509_cert::der::asn1::ObjectIdentifier;
    use x509_cert::der::Decode;
    let a: Value = serde_json::from_slice(attestation).unwrap();
    let der = base64::engine::general_purpose::STANDARD
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
fn the_reported_ref_and_commit_are_the_current_extensions_only() {
    // A certificate whose Build Config URI ends in the commit and has no .14: the ref is
    // unknown (the legacy .6 is never read), the commit is .13.
    let gh = TestPublisher::github("octo-org/demo", "release.yml");
    let commit = gh.commit().unwrap();
    let case = identity_cases()
        .into_iter()
        .find(|c| c.name == "github/digest-build-config")
        .unwrap();
    let (attestation, provenance) = signer::global().mint_identity_case(&case, FILENAME, SHA);
    let dir = scratch();
    for bytes in [&attestation, &provenance] {
        let (code, report) = verify(dir.path(), bytes, FILENAME, SHA);
        assert_eq!(code, 0, "{report}");
        assert_eq!(report["publisher"]["ref"], Value::Null);
        assert_eq!(report["publisher"]["commit"], commit.as_str());
    }
    // …although the legacy .6 in that certificate still says `refs/tags/v1.0.0`.
    assert_eq!(
        fulcio_extension(&attestation, 6).as_deref(),
        Some(b"refs/tags/v1.0.0".as_slice())
    );
    assert_eq!(fulcio_extension(&attestation, 14), None);

    // A person's identity: issuer .8 and the SAN, nothing else.
    let request = MintRequest::new(FILENAME, SHA, TestPublisher::email("me@example.com"));
    let (code, report) = verify(
        dir.path(),
        &signer::mint_attestation(&request),
        FILENAME,
        SHA,
    );
    assert_eq!(code, 0, "{report}");
    let p = &report["publisher"];
    assert_eq!(p["kind"], "Other");
    assert_eq!(p["issuer"], signer::GITHUB_OAUTH_ISSUER);
    assert_eq!(p["san"], "me@example.com");
    assert_eq!(p["ref"], Value::Null);
}
