//! Tampering with any signed or logged part of a real attestation is rejected, with the
//! reason one would expect where it is unambiguous. Zero false accepts.

use std::path::{Path, PathBuf};

use base64::Engine;
use pubgate::verify::{verify_attestation, FailureReason, TrustRoot};
use serde_json::Value;

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// One real attestation with the distribution and root it verifies for.
struct Case {
    label: String,
    attestation: Value,
    filename: String,
    sha256: String,
    instance: String,
}

fn root(instance: &str) -> TrustRoot {
    TrustRoot::from_file(&fixtures().join(format!("sigstore/trusted_root.{instance}.json")))
        .unwrap()
}

/// Every real attestation in both fixture indexes (a provenance object's first attestation).
fn cases() -> Vec<Case> {
    let mut out = Vec::new();
    for index in ["index.json", "extra/index.json"] {
        let index: Value =
            serde_json::from_slice(&std::fs::read(fixtures().join("pep740").join(index)).unwrap())
                .unwrap();
        for entry in index["entries"].as_array().unwrap() {
            let shape = entry
                .get("type")
                .or(entry.get("shape"))
                .and_then(Value::as_str)
                .unwrap();
            if shape != "provenance" && shape != "attestation" {
                continue;
            }
            let file = entry["file"].as_str().unwrap();
            let doc: Value = serde_json::from_slice(
                &std::fs::read(fixtures().join("pep740").join(file)).unwrap(),
            )
            .unwrap();
            let attestation = match doc.get("attestation_bundles") {
                Some(bundles) => bundles[0]["attestations"][0].clone(),
                None => doc,
            };
            out.push(Case {
                label: file.to_string(),
                attestation,
                filename: entry["subject_name"].as_str().unwrap().to_string(),
                sha256: entry["subject_sha256"].as_str().unwrap().to_string(),
                instance: entry["instance"].as_str().unwrap().to_string(),
            });
        }
    }
    assert_eq!(out.len(), 30, "every real attestation is a tamper subject");
    out
}

/// A spread of positions over `len` bytes: both ends and evenly in between.
fn positions(len: usize) -> Vec<usize> {
    let mut p: Vec<usize> = (0..12).map(|i| i * len / 12).collect();
    p.extend([1, len.saturating_sub(2), len - 1]);
    p.sort_unstable();
    p.dedup();
    p
}

/// Base64 field at `pointer`, decoded, with byte `pos` XOR `mask`, re-encoded.
fn flip_b64(value: &mut Value, pointer: &str, pos: usize, mask: u8) {
    let slot = value.pointer_mut(pointer).unwrap();
    let text = slot.as_str().unwrap().replace('\n', "");
    let mut bytes = B64.decode(text).unwrap();
    bytes[pos] ^= mask;
    *slot = Value::String(B64.encode(bytes));
}

fn b64_len(value: &Value, pointer: &str) -> usize {
    B64.decode(
        value
            .pointer(pointer)
            .unwrap()
            .as_str()
            .unwrap()
            .replace('\n', ""),
    )
    .unwrap()
    .len()
}

/// Verifies every mutant; returns the failures: false accepts and unexpected reasons.
fn check_mutants(
    case: &Case,
    root: &TrustRoot,
    what: &str,
    mutants: Vec<(String, Value)>,
    expected: &[FailureReason],
) -> Vec<String> {
    let mut problems = Vec::new();
    for (label, mutant) in mutants {
        let bytes = serde_json::to_vec(&mutant).unwrap();
        match verify_attestation(&bytes, &case.filename, &case.sha256, root) {
            Ok(_) => problems.push(format!("FALSE ACCEPT {} {what} {label}", case.label)),
            Err(e) if !expected.is_empty() && !expected.contains(&e.reason) => {
                problems.push(format!(
                    "{} {what} {label}: got {e}, expected one of {expected:?}",
                    case.label
                ))
            }
            Err(_) => {}
        }
    }
    problems
}

fn b64_mutants(case: &Case, pointer: &str) -> Vec<(String, Value)> {
    let len = b64_len(&case.attestation, pointer);
    let mut out = Vec::new();
    for pos in positions(len) {
        for mask in [0x01, 0xff] {
            let mut m = case.attestation.clone();
            flip_b64(&mut m, pointer, pos, mask);
            out.push((format!("{pointer}[{pos}]^{mask:#x}"), m));
        }
    }
    out
}

/// Runs `f` over every case and fails with the full list of problems.
fn for_each_case(f: impl Fn(&Case, &TrustRoot) -> Vec<String>) {
    let mut problems = Vec::new();
    let mut mutants = 0;
    for case in cases() {
        let root = root(&case.instance);
        // The pristine attestation verifies: every rejection below is the tamper's doing.
        verify_attestation(
            &serde_json::to_vec(&case.attestation).unwrap(),
            &case.filename,
            &case.sha256,
            &root,
        )
        .unwrap_or_else(|e| panic!("{}: {e}", case.label));
        problems.extend(f(&case, &root));
        mutants += 1;
    }
    assert!(mutants > 0);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn certificate_flips_are_rejected() {
    for_each_case(|case, root| {
        let m = b64_mutants(case, "/verification_material/certificate");
        check_mutants(case, root, "certificate", m, &[])
    });
}

#[test]
fn signature_flips_fail_the_signature() {
    for_each_case(|case, root| {
        let m = b64_mutants(case, "/envelope/signature");
        check_mutants(case, root, "signature", m, &[FailureReason::Signature])
    });
}

#[test]
fn statement_flips_fail_the_signature() {
    for_each_case(|case, root| {
        let m = b64_mutants(case, "/envelope/statement");
        check_mutants(case, root, "statement", m, &[FailureReason::Signature])
    });
}

#[test]
fn signed_entry_timestamp_flips_fail_the_timestamp() {
    for_each_case(|case, root| {
        let pointer =
            "/verification_material/transparency_entries/0/inclusionPromise/signedEntryTimestamp";
        if case.attestation.pointer(pointer).is_none() {
            return Vec::new(); // Rekor v2: no SET
        }
        let m = b64_mutants(case, pointer);
        check_mutants(case, root, "SET", m, &[FailureReason::SignedTimestamp])
    });
}

#[test]
fn inclusion_proof_flips_fail_inclusion() {
    for_each_case(|case, root| {
        let proof = "/verification_material/transparency_entries/0/inclusionProof";
        let count = case
            .attestation
            .pointer(&format!("{proof}/hashes"))
            .unwrap()
            .as_array()
            .unwrap()
            .len();
        assert!(count > 0, "{}", case.label);
        let mut problems = Vec::new();
        for i in 0..count {
            let m = b64_mutants(case, &format!("{proof}/hashes/{i}"));
            problems.extend(check_mutants(
                case,
                root,
                "proof hash",
                m,
                &[FailureReason::TlogInclusion],
            ));
        }
        let m = b64_mutants(case, &format!("{proof}/rootHash"));
        problems.extend(check_mutants(
            case,
            root,
            "proof root",
            m,
            &[FailureReason::Checkpoint, FailureReason::TlogInclusion],
        ));
        // Index and size: off by one either way.
        for field in ["logIndex", "treeSize"] {
            let pointer = format!("{proof}/{field}");
            let n: u64 = case
                .attestation
                .pointer(&pointer)
                .unwrap()
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            let mut mutants = Vec::new();
            for delta in [-1i64, 1] {
                let mut m = case.attestation.clone();
                *m.pointer_mut(&pointer).unwrap() = Value::String((n as i64 + delta).to_string());
                mutants.push((format!("{field}{delta:+}"), m));
            }
            problems.extend(check_mutants(
                case,
                root,
                "proof field",
                mutants,
                &[FailureReason::TlogInclusion, FailureReason::Checkpoint],
            ));
        }
        problems
    });
}

#[test]
fn checkpoint_flips_fail_the_checkpoint() {
    for_each_case(|case, root| {
        let pointer =
            "/verification_material/transparency_entries/0/inclusionProof/checkpoint/envelope";
        let text = case
            .attestation
            .pointer(pointer)
            .unwrap()
            .as_str()
            .unwrap()
            .to_string();
        let bytes = text.as_bytes();
        let mut mutants = Vec::new();
        // Every ASCII position (the note is short), each flipped in its low bit.
        for (pos, &b) in bytes.iter().enumerate() {
            if !b.is_ascii() {
                continue;
            }
            let mut flipped = bytes.to_vec();
            flipped[pos] ^= 0x01;
            let mut m = case.attestation.clone();
            *m.pointer_mut(pointer).unwrap() = Value::String(String::from_utf8(flipped).unwrap());
            mutants.push((format!("checkpoint[{pos}]"), m));
        }
        // Appended text is not signed: still refused. (A well-formed extra signature line
        // by an unknown key is a witness cosignature and is ignored, per the signed-note spec.)
        for extra in ["\nextra\n", "extra\n", "\n"] {
            let mut m = case.attestation.clone();
            *m.pointer_mut(pointer).unwrap() = Value::String(format!("{text}{extra}"));
            mutants.push((format!("appended {extra:?}"), m));
        }
        assert!(mutants.len() > 100, "{}", case.label);
        check_mutants(
            case,
            root,
            "checkpoint",
            mutants,
            &[FailureReason::Checkpoint],
        )
    });
}

#[test]
fn log_entry_flips_are_rejected() {
    for_each_case(|case, root| {
        let entry = "/verification_material/transparency_entries/0";
        let mut problems = Vec::new();
        let m = b64_mutants(case, &format!("{entry}/canonicalizedBody"));
        problems.extend(check_mutants(case, root, "body", m, &[]));
        let m = b64_mutants(case, &format!("{entry}/logId/keyId"));
        problems.extend(check_mutants(case, root, "log id", m, &[]));
        let mut mutants = Vec::new();
        for field in ["logIndex", "integratedTime"] {
            let pointer = format!("{entry}/{field}");
            let n: i64 = case
                .attestation
                .pointer(&pointer)
                .unwrap()
                .as_str()
                .unwrap()
                .parse()
                .unwrap();
            if field == "integratedTime" && n == 0 {
                continue; // Rekor v2: no integrated time, nothing to tamper with
            }
            for delta in [-1i64, 1] {
                let mut m = case.attestation.clone();
                *m.pointer_mut(&pointer).unwrap() = Value::String((n + delta).to_string());
                mutants.push((format!("{field}{delta:+}"), m));
            }
        }
        let mut m = case.attestation.clone();
        *m.pointer_mut(&format!("{entry}/kindVersion/kind")).unwrap() = "hashedrekord".into();
        mutants.push(("kind".into(), m));
        problems.extend(check_mutants(case, root, "entry field", mutants, &[]));
        if case
            .attestation
            .pointer("/verification_material/timestamps/0")
            .is_some()
        {
            // Every byte of the RFC 3161 token, embedded certificates included.
            let pointer = "/verification_material/timestamps/0";
            let token = B64
                .decode(case.attestation.pointer(pointer).unwrap().as_str().unwrap())
                .unwrap();
            // Byte 8 is the TimeStampResp's PKIStatus: granted (0) ↔ grantedWithMods (1) are
            // both successful responses, the one unsigned change that stays valid.
            assert_eq!(&token[4..9], &[0x30, 0x03, 0x02, 0x01, 0x00]);
            let m = (0..token.len())
                .filter(|&pos| pos != 8)
                .map(|pos| {
                    let mut m = case.attestation.clone();
                    flip_b64(&mut m, pointer, pos, 0x01);
                    (format!("timestamp[{pos}]"), m)
                })
                .collect();
            problems.extend(check_mutants(
                case,
                root,
                "timestamp",
                m,
                &[FailureReason::SignedTimestamp],
            ));
        }
        problems
    });
}

#[test]
fn wrong_digest_or_filename_is_rejected() {
    for_each_case(|case, root| {
        let bytes = serde_json::to_vec(&case.attestation).unwrap();
        let mut problems = Vec::new();
        let mut wrong = case.sha256.clone().into_bytes();
        for pos in [0, 31, 63] {
            let mut w = wrong.clone();
            w[pos] = if w[pos] == b'0' { b'1' } else { b'0' };
            let w = String::from_utf8(w).unwrap();
            match verify_attestation(&bytes, &case.filename, &w, root) {
                Err(e) if e.reason == FailureReason::SubjectDigest => {}
                other => problems.push(format!("{} sha256 {w}: {other:?}", case.label)),
            }
        }
        wrong.truncate(10);
        // A filename with another version (same project, same kind of file).
        let other_name = bump_version(&case.filename);
        match verify_attestation(&bytes, &other_name, &case.sha256, root) {
            Err(e) if e.reason == FailureReason::SubjectName => {}
            other => problems.push(format!("{} name {other_name}: {other:?}", case.label)),
        }
        problems
    });
}

/// `name-1.2.3…` → `name-1.2.3.post99…` (a different PEP 440 version).
fn bump_version(filename: &str) -> String {
    let (stem, ext) = if let Some(s) = filename.strip_suffix(".tar.gz") {
        (s, ".tar.gz")
    } else {
        (filename.strip_suffix(".whl").unwrap(), ".whl")
    };
    let mut parts: Vec<String> = stem.split('-').map(str::to_string).collect();
    if ext == ".tar.gz" {
        let last = parts.len() - 1;
        parts[last].push_str(".post99");
    } else {
        parts[1].push_str(".post99");
    }
    format!("{}{ext}", parts.join("-"))
}
