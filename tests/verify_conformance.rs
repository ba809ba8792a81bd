//! The sigstore-conformance `bundle-verify` cases in `fixtures/sigstore/conformance/`, each
//! run through the binary exactly as the suite's harness runs a client (`test_verify`): the
//! case's `trusted_root.json` and `key.pub` when present, its `artifact` or the suite's
//! `a.txt`, once as a path and once as `sha256:HEX`. A `_fail` case must be refused, any
//! other accepted; here each also names *why* it is refused, so a case cannot pass for the
//! wrong reason. Origins: `fixtures/sigstore/conformance/SOURCES.md`.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use sha2::Digest;

const DIR: &str = "fixtures/sigstore/conformance";
/// The suite's fixed identity and issuer (`test/client.py`).
const IDENTITY: &str = "https://github.com/sigstore-conformance/extremely-dangerous-public-oidc-beacon/.github/workflows/extremely-dangerous-oidc-beacon.yml@refs/heads/main";
const ISSUER: &str = "https://token.actions.githubusercontent.com";

/// What pubgate must do with a case.
#[derive(Debug, Clone, Copy)]
enum Expect {
    /// Exit 0.
    Valid,
    /// Exit 1, for this failure reason.
    Invalid(&'static str),
    /// Exit 2 (the input is unusable): the message contains this.
    Unusable(&'static str),
}

use Expect::{Invalid, Unusable, Valid};

/// Every case directory, with the outcome pubgate gives it.
#[rustfmt::skip]
const CASES: &[(&str, Expect)] = &[
    ("cve-2022-36056-swapped-tlog-entry_fail", Invalid("malformed")),
    ("dsse-statement-missing-type_fail", Invalid("malformed")),
    ("dsse-statement-unknown-type_fail", Invalid("malformed")),
    ("dsse-with-hashedrekord-happy-path", Valid),
    ("dsse-with-hashedrekord-invalid-sig_fail", Invalid("signature")),
    ("dsse-with-hashedrekord-mismatch-envelope_fail", Invalid("tlog-body-mismatch")),
    ("dsse-with-hashedrekord-mismatch-sig_fail", Invalid("tlog-body-mismatch")),
    ("intoto-canonical-log-entry", Valid),
    ("managed-key-and-client-identity_fail", Unusable("cannot be used with")),
    ("managed-key-and-trusted-root", Valid),
    ("message-digest-mismatch_fail", Invalid("subject-digest")),
    ("rekor2-dsse-happy-path", Valid),
    // The envelope's RFC 3161 timestamp (from the other signing) is after the certificate
    // expired: refused for that before the signature is checked.
    ("rekor2-dsse-invalid-sig_fail", Invalid("time-window")),
    ("rekor2-dsse-mismatch-envelope_fail", Invalid("tlog-body-mismatch")),
    ("rekor2-dsse-mismatch-sig_fail", Invalid("tlog-body-mismatch")),
    ("rekor2-multiple-timestamps-one-outside-cert-validity_fail", Invalid("time-window")),
    ("rekor2-timestamp-wrong-tsa-validity-borrow_fail", Invalid("signed-timestamp")),
    ("sct-duplicate-intermediate-name", Valid),
    ("trust-root-tlog-missing-validity-start_fail", Unusable("missing field `start`")),
    ("trust-root-tlog-validity-end-inclusive", Valid),
    ("trust-root-tsa-validity-end-inclusive", Valid),
];

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs pubgate; returns (exit code, stdout, stderr).
fn run(args: &[String]) -> (i32, String, String) {
    let out = Command::cargo_bin("pubgate")
        .unwrap()
        .current_dir(root())
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

fn sha256_arg(path: &Path) -> String {
    format!(
        "sha256:{}",
        hex::encode(sha2::Sha256::digest(std::fs::read(path).unwrap()))
    )
}

/// The suite's `verify-bundle` arguments for a case directory, without the artifact, in the
/// protocol's order: `--bundle`, the identity (unless the case has a `key.pub`; both for the
/// `client-identity` case, as the suite passes both there), `--key`, `--trusted-root`.
fn suite_args(case: &Path) -> Vec<String> {
    let name = case.file_name().unwrap().to_str().unwrap();
    let path = |file: &str| case.join(file).to_str().unwrap().to_string();
    let mut args = vec![
        "verify-bundle".to_string(),
        "--bundle".into(),
        path("bundle.sigstore.json"),
    ];
    let key = case.join("key.pub").exists();
    if !key || name.contains("client-identity") {
        args.extend([
            "--certificate-identity".into(),
            IDENTITY.into(),
            "--certificate-oidc-issuer".into(),
            ISSUER.into(),
        ]);
    }
    if key {
        args.extend(["--key".into(), path("key.pub")]);
    }
    if case.join("trusted_root.json").exists() {
        args.extend(["--trusted-root".into(), path("trusted_root.json")]);
    }
    args
}

/// The case's artifact: its own `artifact` file, else the suite's `a.txt`.
fn artifact(case: &Path) -> PathBuf {
    let own = case.join("artifact");
    if own.exists() {
        own
    } else {
        Path::new(DIR).join("a.txt")
    }
}

/// Runs the case as the suite does (artifact path, then digest) and checks `expect`.
fn check(label: &str, args: &[String], artifact: &Path, expect: Expect) {
    for input in [artifact.to_str().unwrap().to_string(), sha256_arg(artifact)] {
        let mut full = args.to_vec();
        full.push(input.clone());
        let (code, stdout, stderr) = run(&full);
        let context = format!("{label} with {input}: exit {code}\n{stdout}{stderr}");
        match expect {
            Valid => {
                assert_eq!(code, 0, "{context}");
                assert!(stdout.starts_with("valid: "), "{context}");
            }
            Invalid(reason) => {
                assert_eq!(code, 1, "{context}");
                assert!(stdout.contains(&format!("({reason})")), "{context}");
            }
            Unusable(message) => {
                assert_eq!(code, 2, "{context}");
                assert!(stderr.contains(message), "{context}");
            }
        }
    }
}

#[test]
fn every_ported_case_gets_the_suite_outcome() {
    let mut on_disk: Vec<String> = std::fs::read_dir(root().join(DIR))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    on_disk.sort();
    let listed: Vec<&str> = CASES.iter().map(|(name, _)| *name).collect();
    assert_eq!(
        on_disk, listed,
        "every case directory is listed once, in order"
    );
    a_txt_is_the_suites();
    for &(name, expect) in CASES {
        // The suite's rule: a directory is expected to fail iff its name ends in `_fail`.
        assert_eq!(
            name.ends_with("_fail"),
            !matches!(expect, Valid),
            "{name}: outcome disagrees with its name"
        );
        let case = Path::new(DIR).join(name);
        check(name, &suite_args(&case), &artifact(&case), expect);
    }
}

/// `a.txt` (kept here as the suite's default artifact) is the file whose digest every case's
/// signature covers.
fn a_txt_is_the_suites() {
    assert_eq!(
        sha256_arg(&root().join(DIR).join("a.txt")),
        "sha256:a0cfc71271d6e278e57cd332ff957c3f7043fdda354c4cbb190a30d56efa01bf"
    );
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(root().join(path)).unwrap()).unwrap()
}

fn write_json(dir: &Path, name: &str, value: &Value) -> String {
    let path = dir.join(name);
    std::fs::write(&path, serde_json::to_vec_pretty(value).unwrap()).unwrap();
    path.to_str().unwrap().to_string()
}

/// Replaces the `--trusted-root` argument's value.
fn with_root(args: &[String], root: &str) -> Vec<String> {
    let mut args = args.to_vec();
    let at = args.iter().position(|a| a == "--trusted-root").unwrap();
    args[at + 1] = root.to_string();
    args
}

/// Each reconstructed validity-window case next to its twin one second the other side of
/// the bound: the closed interval is what makes the case pass, not a loose check.
#[test]
fn validity_window_ends_are_inclusive_and_no_more() {
    let tmp = tempfile::tempdir().unwrap();
    let case = Path::new(DIR).join("trust-root-tlog-validity-end-inclusive");
    let mut root_json = read_json(&case.join("trusted_root.json"));
    root_json["tlogs"][0]["publicKey"]["validFor"]["end"] = "2026-05-13T19:47:32Z".into();
    let early = write_json(tmp.path(), "tlog-early.json", &root_json);
    check(
        "log validity ending a second before the integrated time",
        &with_root(&suite_args(&case), &early),
        &artifact(&case),
        Invalid("signed-timestamp"),
    );

    // pubgate's own check of a Rekor v2 `dsse` entry: its log valid at the timestamp.
    let case = Path::new(DIR).join("rekor2-dsse-happy-path");
    for (end, expect) in [
        ("2025-07-25T19:53:04Z", Valid),
        ("2025-07-25T19:53:03Z", Invalid("time-window")),
    ] {
        let mut root_json = read_json(&case.join("trusted_root.json"));
        let log = root_json["tlogs"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|l| l["baseUrl"] == "https://log2025-alpha1.rekor.sigstage.dev")
            .unwrap();
        log["publicKey"]["validFor"]["end"] = end.into();
        let path = write_json(tmp.path(), &format!("log-{end}.json"), &root_json);
        check(
            &format!("Rekor v2 log valid until {end}, timestamp 2025-07-25T19:53:04Z"),
            &with_root(&suite_args(&case), &path),
            &artifact(&case),
            expect,
        );
    }

    let case = Path::new(DIR).join("trust-root-tsa-validity-end-inclusive");
    let mut root_json = read_json(&case.join("trusted_root.json"));
    root_json["timestampAuthorities"][0]["validFor"]["end"] = "2025-06-12T12:02:19Z".into();
    let early = write_json(tmp.path(), "tsa-early.json", &root_json);
    check(
        "TSA validity ending a second before the timestamp",
        &with_root(&suite_args(&case), &early),
        &artifact(&case),
        Invalid("signed-timestamp"),
    );
}

/// The TSA-borrow and multiple-timestamp cases fail for their stated reason only: the same
/// signing verifies under the plain staging root, and with its first timestamp alone.
#[test]
fn timestamp_cases_fail_only_for_their_defect() {
    let staging = "fixtures/sigstore/trusted_root.staging.json";
    let case = Path::new(DIR).join("rekor2-timestamp-wrong-tsa-validity-borrow_fail");
    check(
        "the borrow case's bundle under the staging root",
        &with_root(&suite_args(&case), staging),
        &artifact(&case),
        Valid,
    );
    let tmp = tempfile::tempdir().unwrap();
    let case = Path::new(DIR).join("rekor2-multiple-timestamps-one-outside-cert-validity_fail");
    let mut bundle = read_json(&case.join("bundle.sigstore.json"));
    let stamps = bundle["verificationMaterial"]["timestampVerificationData"]["rfc3161Timestamps"]
        .as_array_mut()
        .unwrap();
    assert_eq!(stamps.len(), 2);
    stamps.truncate(1);
    let first_only = write_json(tmp.path(), "bundle.json", &bundle);
    let mut args = suite_args(&case);
    args[2] = first_only;
    check("the first timestamp alone", &args, &artifact(&case), Valid);
}

/// A DSSE envelope logged as `hashedrekord`: the statement must still name the artifact, and
/// the entry must record this envelope's PAE.
#[test]
fn dsse_over_hashedrekord_binds_the_statement() {
    let case = Path::new(DIR).join("dsse-with-hashedrekord-happy-path");
    check(
        "another artifact than the statement's subject",
        &suite_args(&case),
        &Path::new(DIR).join("a.txt"),
        Invalid("subject-digest"),
    );
    // The right bundle under the decoy root of `sct-duplicate-intermediate-name`, and under
    // the embedded production root: the decoy intermediate changes nothing.
    let mut args = suite_args(&case);
    args.extend([
        "--trusted-root".into(),
        format!("{DIR}/sct-duplicate-intermediate-name/trusted_root.json"),
    ]);
    check("under the decoy root", &args, &artifact(&case), Valid);
}

/// Managed keys: a bundle with neither log entry nor timestamp verifies only under a root
/// that lists no log and no TSA, and only with the key that signed it.
#[test]
fn key_only_bundles_need_a_key_only_root() {
    let case = Path::new(DIR).join("managed-key-and-trusted-root");
    let args = suite_args(&case);
    check(
        "under the production root",
        &with_root(&args, "fixtures/sigstore/trusted_root.production.json"),
        &artifact(&case),
        Invalid("tlog-inclusion"),
    );
    let mut other_key = args.clone();
    let at = other_key.iter().position(|a| a == "--key").unwrap();
    other_key[at + 1] = format!("{DIR}/intoto-canonical-log-entry/key.pub");
    check(
        "with another key",
        &other_key,
        &artifact(&case),
        Invalid("signature"),
    );
    check(
        "for another artifact",
        &args,
        &Path::new(DIR).join("dsse-with-hashedrekord-happy-path/artifact"),
        Invalid("subject-digest"),
    );
}

/// `bundle-with-root-cert_fail`'s rule (the case itself is not in the stored copy): a chain
/// that carries a root certificate is refused, one that carries only the intermediate is not.
#[test]
fn a_root_certificate_in_the_bundle_chain_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let mut bundle = read_json(Path::new(
        "fixtures/sigstore/sigstore-python/bundle.txt.sigstore",
    ));
    let staging = read_json(Path::new("fixtures/sigstore/trusted_root.staging.json"));
    let fulcio = &staging["certificateAuthorities"][0]["certChain"]["certificates"];
    let (intermediate, root_cert) = (fulcio[0].clone(), fulcio[1].clone());
    let chain = bundle["verificationMaterial"]["x509CertificateChain"]["certificates"]
        .as_array_mut()
        .unwrap();
    assert_eq!(chain.len(), 1);
    chain.push(intermediate);
    let with_intermediate = write_json(tmp.path(), "intermediate.json", &bundle);
    bundle["verificationMaterial"]["x509CertificateChain"]["certificates"]
        .as_array_mut()
        .unwrap()
        .push(root_cert);
    let with_root_cert = write_json(tmp.path(), "root.json", &bundle);
    let artifact = Path::new("fixtures/sigstore/sigstore-python/bundle.txt");
    for (bundle, expect) in [
        (with_intermediate, Valid),
        (with_root_cert, Invalid("certificate-chain")),
    ] {
        let args: Vec<String> = [
            "verify-bundle",
            "--staging",
            "--bundle",
            &bundle,
            "--certificate-identity",
            "a@tny.town",
            "--certificate-oidc-issuer",
            "https://github.com/login/oauth",
        ]
        .map(String::from)
        .to_vec();
        check(&bundle, &args, artifact, expect);
    }
}

/// The shapes the suite's `rekor2-checkpoint-*` cases exercise (not in the stored copy),
/// built on `rekor2-dsse-happy-path`'s checkpoint: witness cosignatures before or after the
/// log's signature, several of them, an invalid signature under the log's name and key hint
/// before the valid one — all valid; cosignatures without the log's signature are not.
#[test]
fn checkpoint_cosignatures_and_extra_signatures() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let case = Path::new(DIR).join("rekor2-dsse-happy-path");
    let bundle = read_json(&case.join("bundle.sigstore.json"));
    let pointer = "/verificationMaterial/tlogEntries/0/inclusionProof/checkpoint/envelope";
    let envelope = bundle
        .pointer(pointer)
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    let (note, log_line) = envelope.split_once("\n\n").unwrap();
    let cosignature = |name: &str, byte: u8| {
        // A C2SP cosignature: key hash, 8-byte timestamp, Ed25519 signature.
        let mut raw = vec![byte; 4];
        raw.extend([0; 8]);
        raw.extend([byte; 64]);
        format!("\u{2014} {name} {}\n", b64.encode(raw))
    };
    let (log_name, log_sig) = log_line
        .trim_end()
        .trim_start_matches("\u{2014} ")
        .split_once(' ')
        .unwrap();
    let mut forged = b64.decode(log_sig).unwrap()[..4].to_vec();
    forged.extend([7; 64]);
    let forged = format!("\u{2014} {log_name} {}\n", b64.encode(forged));
    let w1 = cosignature("witness.example/w1", 1);
    let w2 = cosignature("witness.example/w2", 2);
    let tmp = tempfile::tempdir().unwrap();
    for (label, signatures, expect) in [
        ("cosigned", format!("{log_line}{w1}"), Valid),
        ("cosignature first", format!("{w1}{log_line}"), Valid),
        ("two cosignatures", format!("{log_line}{w1}{w2}"), Valid),
        (
            "a bad log signature first",
            format!("{forged}{log_line}"),
            Valid,
        ),
        (
            "cosignatures only",
            format!("{w1}{w2}"),
            Invalid("checkpoint"),
        ),
    ] {
        let mut bundle = bundle.clone();
        *bundle.pointer_mut(pointer).unwrap() = format!("{note}\n\n{signatures}").into();
        let path = write_json(tmp.path(), &format!("{label}.json"), &bundle);
        let mut args = suite_args(&case);
        args[2] = path;
        check(label, &args, &artifact(&case), expect);
    }
}
