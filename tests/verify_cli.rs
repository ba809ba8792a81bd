//! `pubgate verify` and `pubgate verify-bundle` through the binary: exit codes 0/1/2 and
//! both output formats.

use assert_cmd::Command;

const SAMPLE: &str = "fixtures/pep740/warehouse/sampleproject-4.0.0.tar.gz.provenance";
const SAMPLE_NAME: &str = "sampleproject-4.0.0.tar.gz";
const SAMPLE_SHA: &str = "0ace7980f82c5815ede4cd7bf9f6693684cec2ae47b9b7ade9add533b8627c6b";
const STAGING: &str = "fixtures/sigstore/trusted_root.staging.json";

fn pubgate() -> Command {
    let mut cmd = Command::cargo_bin("pubgate").unwrap();
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"));
    cmd
}

/// Runs the command; returns (exit code, stdout, stderr).
fn run(args: &[&str]) -> (i32, String, String) {
    let out = pubgate().args(args).output().unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn valid_provenance_exits_0_with_the_publisher() {
    let (code, stdout, stderr) = run(&[
        "verify",
        SAMPLE,
        "--filename",
        SAMPLE_NAME,
        "--sha256",
        SAMPLE_SHA,
    ]);
    assert_eq!(code, 0, "{stderr}");
    insta::assert_snapshot!(stdout, @r"
    valid: `sampleproject-4.0.0.tar.gz` was published by GitHub `pypa/sampleproject` workflow `release.yml` (provenance, 1 attestation)
      attestation 1: `https://docs.pypi.org/attestations/publish/v1` signed 2024-11-06T22:37:07Z, Rekor log index 147137139, ref `refs/heads/main`, commit `621e4974ca25ce531773def586ba3ed8e736b3fc`
      PyPI's claim `GitHub` agrees with the certificate; environment none (PyPI's word only: certificates do not carry it)
    ");
}

#[test]
fn valid_provenance_as_json() {
    let (code, stdout, _) = run(&[
        "verify",
        "fixtures/extra-not-used",
        "--filename",
        SAMPLE_NAME,
        "--sha256",
        SAMPLE_SHA,
    ]);
    assert_eq!(code, 2, "a missing file cannot be judged");
    assert!(stdout.is_empty());
    let (code, stdout, _) = run(&[
        "verify",
        "fixtures/pep740/extra/nimbus-agent+nimbus-sdk/provenance-0.1.0.json",
        "--filename",
        "nimbus_dev_sdk-0.1.0-py3-none-any.whl",
        "--sha256",
        "4b53c834a36b565d4334218238749601f0988bdef7bbcf674f57f8c523351f11",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    insta::assert_json_snapshot!(value);
}

#[test]
fn invalid_provenance_exits_1_with_one_line() {
    let (code, stdout, _) = run(&[
        "verify",
        SAMPLE,
        "--filename",
        SAMPLE_NAME,
        "--sha256",
        SAMPLE_SHA,
        "--trusted-root",
        STAGING,
    ]);
    assert_eq!(code, 1);
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    insta::assert_snapshot!(stdout, @"invalid: `fixtures/pep740/warehouse/sampleproject-4.0.0.tar.gz.provenance` is not valid provenance for `sampleproject-4.0.0.tar.gz` (tlog-inclusion): the entry is in transparency log `wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0=`, which the trust root does not list (signed on another Sigstore instance?); the signature is not proven to be in a transparency log the trust root lists");

    let (code, stdout, _) = run(&[
        "verify",
        SAMPLE,
        "--filename",
        "sampleproject-4.0.1.tar.gz",
        "--sha256",
        SAMPLE_SHA,
    ]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout, @"invalid: `fixtures/pep740/warehouse/sampleproject-4.0.0.tar.gz.provenance` is not valid provenance for `sampleproject-4.0.1.tar.gz` (subject-name): the attestation is for `sampleproject-4.0.0.tar.gz`, not `sampleproject-4.0.1.tar.gz`; the attestation is for a different file");
}

#[test]
fn invalid_provenance_as_json() {
    let wrong = format!("{}0", &SAMPLE_SHA[..63]);
    let (code, stdout, _) = run(&[
        "verify",
        SAMPLE,
        "--filename",
        SAMPLE_NAME,
        "--sha256",
        &wrong,
        "--format",
        "json",
    ]);
    assert_eq!(code, 1);
    let value: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    insta::assert_json_snapshot!(value);
}

#[test]
fn a_format_mixup_is_malformed_not_an_attack() {
    // A Sigstore bundle handed to `verify` (which wants PEP 740 JSON).
    let (code, stdout, _) = run(&[
        "verify",
        "fixtures/pep740/pypi-attestations/pypi_attestation_models-0.0.4a2.tar.gz.sigstore",
        "--filename",
        "pypi_attestation_models-0.0.4a2.tar.gz",
        "--sha256",
        "c9709ce6fd5b67b59b4a28758cf14d3f411803c4b89b6068b1f1a8e4ee94c8ef",
    ]);
    assert_eq!(code, 1);
    insta::assert_snapshot!(stdout, @"invalid: `fixtures/pep740/pypi-attestations/pypi_attestation_models-0.0.4a2.tar.gz.sigstore` is not valid provenance for `pypi_attestation_models-0.0.4a2.tar.gz` (malformed): neither a PEP 740 provenance object (`attestation_bundles`) nor an attestation (`envelope`, `verification_material`); the input is not well-formed provenance data, so it vouches for nothing");
}

#[test]
fn unreadable_input_exits_2() {
    for args in [
        vec![
            "verify",
            "no-such-file",
            "--filename",
            SAMPLE_NAME,
            "--sha256",
            SAMPLE_SHA,
        ],
        vec![
            "verify",
            SAMPLE,
            "--filename",
            "not-a-dist.txt",
            "--sha256",
            SAMPLE_SHA,
        ],
        vec![
            "verify",
            SAMPLE,
            "--filename",
            SAMPLE_NAME,
            "--sha256",
            "abc",
        ],
        vec![
            "verify",
            SAMPLE,
            "--filename",
            SAMPLE_NAME,
            "--sha256",
            SAMPLE_SHA,
            "--trusted-root",
            "no-root.json",
        ],
        vec![
            "verify",
            SAMPLE,
            "--filename",
            SAMPLE_NAME,
            "--sha256",
            SAMPLE_SHA,
            "--trusted-root",
            SAMPLE,
        ],
    ] {
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
        assert!(stdout.is_empty(), "{args:?}");
        assert!(stderr.starts_with("error: "), "{args:?}: {stderr}");
    }
    let (_, _, stderr) = run(&[
        "verify",
        SAMPLE,
        "--filename",
        SAMPLE_NAME,
        "--sha256",
        SAMPLE_SHA,
        "--trusted-root",
        SAMPLE,
    ]);
    insta::assert_snapshot!(stderr.trim_end(), @"error: fixtures/pep740/warehouse/sampleproject-4.0.0.tar.gz.provenance: no `mediaType`: not a Sigstore trusted root (expected `application/vnd.dev.sigstore.trustedroot+json;version=0.1`)");
}

const SP: &str = "fixtures/sigstore/sigstore-python";

/// (bundle, artifact or digest, identity, issuer, staging, valid)
const BUNDLES: &[(&str, &str, &str, &str, bool, bool)] = &[
    ("bundle.txt.sigstore", "bundle.txt", "a@tny.town", "https://github.com/login/oauth", true, true),
    ("bundle_v3.txt.sigstore", "bundle_v3.txt", "william@yossarian.net", "https://github.com/login/oauth", true, true),
    ("bundle_v3_alt.txt.sigstore", "bundle_v3_alt.txt", "william@yossarian.net", "https://github.com/login/oauth", true, true),
    ("staging-rekor-v2.txt.sigstore.json", "staging-rekor-v2.txt", "jku@goto.fi", "https://github.com/login/oauth", true, true),
    (
        "a.dsse.staging-rekor-v2.txt.sigstore.json",
        "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf",
        "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main",
        "https://token.actions.githubusercontent.com",
        true,
        true,
    ),
    (
        "bundle_v3_github.whl.sigstore",
        "sha256:c4e92e9ecc828bef2aa7dba1de8ac983511f7532a0df11c770d39099a25cf201",
        "https://github.com/trailofbits/rfc8785.py/.github/workflows/release.yml@refs/tags/v0.1.2",
        "https://token.actions.githubusercontent.com",
        false,
        true,
    ),
    ("bundle_cve_2022_36056.txt.sigstore", "bundle_cve_2022_36056.txt", "william@yossarian.net", "https://github.com/login/oauth", true, false),
    ("bundle_invalid_version.txt.sigstore", "bundle_invalid_version.txt", "william@yossarian.net", "https://github.com/login/oauth", true, false),
    ("bundle_no_cert_v1.txt.sigstore", "bundle_no_cert_v1.txt", "william@yossarian.net", "https://github.com/login/oauth", false, false),
    ("bundle_no_log_entry.txt.sigstore", "bundle_no_log_entry.txt", "alex.cameron@trailofbits.com", "https://accounts.google.com", false, false),
    ("bundle_no_log_entry.txt.sigstore", "bundle_no_log_entry.txt", "alex.cameron@trailofbits.com", "https://accounts.google.com", true, false),
    ("bundle_no_checkpoint.txt.sigstore", "bundle_no_checkpoint.txt", "william@yossarian.net", "https://github.com/login/oauth", true, false),
    ("bundle_v3_no_signed_time.txt.sigstore.json", "bundle_v3_no_signed_time.txt", "william@yossarian.net", "https://github.com/login/oauth", false, false),
    (
        "Python-3.12.5.tgz.sigstore",
        "sha256:38dc4e2c261d49c661196066edbfb70fdb16be4a79cc8220c224dfeb5636d405",
        "thomas@python.org",
        "https://accounts.google.com",
        false,
        false,
    ),
];

#[test]
fn sigstore_python_bundles_verify_as_the_reference_says() {
    for &(bundle, artifact, identity, issuer, staging, valid) in BUNDLES {
        let bundle_path = format!("{SP}/{bundle}");
        let artifact = if artifact.starts_with("sha256:") {
            artifact.to_string()
        } else {
            format!("{SP}/{artifact}")
        };
        let mut args = vec![
            "verify-bundle",
            "--bundle",
            &bundle_path,
            "--certificate-identity",
            identity,
            "--certificate-oidc-issuer",
            issuer,
        ];
        if staging {
            args.push("--staging");
        }
        args.push(&artifact);
        let (code, stdout, stderr) = run(&args);
        assert_eq!(
            code,
            if valid { 0 } else { 1 },
            "{bundle}: {stdout}{stderr}"
        );
        if valid {
            // The right bundle under the wrong instance, identity or artifact fails.
            let mut other = args.clone();
            other.retain(|a| *a != "--staging");
            if !staging {
                other.insert(1, "--staging");
            }
            assert_eq!(run(&other).0, 1, "{bundle} on the other instance");
            let mut wrong_identity = args.clone();
            wrong_identity[4] = "someone@example.com";
            assert_eq!(run(&wrong_identity).0, 1, "{bundle} with another identity");
            let mut wrong_artifact = args.clone();
            let last = wrong_artifact.len() - 1;
            wrong_artifact[last] =
                "sha256:0000000000000000000000000000000000000000000000000000000000000000";
            assert_eq!(run(&wrong_artifact).0, 1, "{bundle} with another artifact");
        }
    }
}

const BEACON: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const A_TXT: &str = "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf";

/// The sigstore-conformance `bundle-verify` cases kept in fixtures, invoked as the suite does.
#[test]
fn conformance_rekor_v2_dsse_cases() {
    for (case, expected) in [
        ("rekor2-dsse-happy-path", 0),
        ("rekor2-dsse-mismatch-envelope_fail", 1),
    ] {
        let bundle = format!("fixtures/sigstore/conformance/{case}/bundle.sigstore.json");
        let (code, stdout, stderr) = run(&[
            "verify-bundle",
            "--staging",
            "--bundle",
            &bundle,
            "--certificate-identity",
            BEACON,
            "--certificate-oidc-issuer",
            "https://token.actions.githubusercontent.com",
            A_TXT,
        ]);
        assert_eq!(code, expected, "{case}: {stdout}{stderr}");
        if expected == 1 {
            assert!(stdout.contains("(tlog-body-mismatch)"), "{stdout}");
        }
        // Production does not list the staging Rekor v2 log.
        let (code, _, _) = run(&[
            "verify-bundle",
            "--bundle",
            &bundle,
            "--certificate-identity",
            BEACON,
            "--certificate-oidc-issuer",
            "https://token.actions.githubusercontent.com",
            A_TXT,
        ]);
        assert_eq!(code, 1, "{case} against production");
    }
}

/// Managed-key conformance cases (custom trust roots): `intoto` 0.0.2 and Rekor v2
/// `hashedrekord` logging a DSSE envelope.
#[test]
fn conformance_managed_key_cases() {
    let dir = "fixtures/sigstore/conformance";
    let run_case = |case: &str, key_flag: bool| {
        let bundle = format!("{dir}/{case}/bundle.sigstore.json");
        let key = format!("{dir}/{case}/key.pub");
        let root = format!("{dir}/{case}/trusted_root.json");
        let mut args = vec!["verify-bundle", "--bundle", &bundle];
        if key_flag {
            args.extend(["--key", &key]);
        } else {
            // A managed-key bundle checked against a certificate identity.
            args.extend([
                "--certificate-identity",
                BEACON,
                "--certificate-oidc-issuer",
                "https://token.actions.githubusercontent.com",
            ]);
        }
        args.extend(["--trusted-root", &root, A_TXT]);
        run(&args)
    };
    let (code, stdout, _) = run_case("intoto-canonical-log-entry", true);
    assert_eq!(code, 0, "{stdout}");
    // `managed-key-and-client-identity_fail`: the same bundle with an identity policy.
    let (code, _, _) = run_case("intoto-canonical-log-entry", false);
    assert_eq!(code, 1);
    let (code, stdout, _) = run_case("dsse-statement-unknown-type_fail", true);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("in-toto `https://in-toto.io/Statement/v1`"),
        "{stdout}"
    );
    // Another key than the one that signed.
    let other_key = tempfile::NamedTempFile::new().unwrap();
    std::fs::copy(
        format!("{dir}/dsse-statement-unknown-type_fail/key.pub"),
        other_key.path(),
    )
    .unwrap();
    let bundle = format!("{dir}/intoto-canonical-log-entry/bundle.sigstore.json");
    let root = format!("{dir}/intoto-canonical-log-entry/trusted_root.json");
    let (code, _, _) = run(&[
        "verify-bundle",
        "--bundle",
        &bundle,
        "--key",
        other_key.path().to_str().unwrap(),
        "--trusted-root",
        &root,
        A_TXT,
    ]);
    assert_eq!(code, 1);
}

#[test]
fn verify_bundle_argument_errors_exit_2() {
    let (code, _, stderr) = run(&[
        "verify-bundle",
        "--bundle",
        "no-such-bundle",
        "--certificate-identity",
        "a",
        "--certificate-oidc-issuer",
        "b",
        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
    ]);
    assert_eq!(code, 2, "{stderr}");
    let (code, _, _) = run(&[
        "verify-bundle",
        "--bundle",
        "x",
        "--certificate-identity",
        "a",
        "artifact",
    ]);
    assert_eq!(code, 2, "clap refuses an identity without an issuer");
}
