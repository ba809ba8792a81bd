//! Attestations verified per second on one core: a real production attestation, the trust
//! root loaded once. Run with `cargo bench --bench verify` (release profile); see
//! BENCHMARKS.md § Verification. `PUBGATE_BENCH_SECS` sets the time per measurement,
//! `PUBGATE_BENCH_FILTER` keeps only measurements whose label contains it.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark reports its measurements on stdout"
)]

use std::hint::black_box;
use std::time::{Duration, Instant};

use base64::Engine;
use pubgate::verify::{verify_attestation, verify_provenance, TrustRoot};
use sigstore_verify::crypto::{parse_certificate_info, verify_signature, SigningScheme};
use sigstore_verify::types::{DerCertificate, DerPublicKey, SignatureBytes};
use x509_cert::der::asn1::{AnyRef, BitString};
use x509_cert::der::{Decode, Encode, Reader, SliceReader};

const ATTESTATION: &[u8] = include_bytes!(
    "../fixtures/pep740/pypi-attestations/pypi_attestations-0.0.19.tar.gz.publish.attestation"
);
const PROVENANCE: &[u8] =
    include_bytes!("../fixtures/pep740/warehouse/sampleproject-4.0.0.tar.gz.provenance");
const REKOR_V2: &[u8] = include_bytes!(
    "../fixtures/pep740/extra/pypi+pypi-attestations/pypi_attestations-0.0.19.tar.gz.publish.attestation.with_rekor2_timestamp"
);
const STAGING_ROOT: &[u8] = include_bytes!("../fixtures/sigstore/trusted_root.staging.json");
const NAME: &str = "pypi_attestations-0.0.19.tar.gz";
const SHA: &str = "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3";

/// Runs `f` repeatedly for about `budget`; returns operations per second.
fn rate(budget: Duration, mut f: impl FnMut()) -> f64 {
    for _ in 0..20 {
        f(); // warm-up
    }
    let start = Instant::now();
    let mut n = 0u64;
    while start.elapsed() < budget {
        for _ in 0..50 {
            f();
        }
        n += 50;
    }
    n as f64 / start.elapsed().as_secs_f64()
}

/// Measures and prints one line, unless filtered out.
fn measure(label: &str, budget: Duration, f: impl FnMut()) {
    if let Ok(filter) = std::env::var("PUBGATE_BENCH_FILTER") {
        if !label.contains(&filter) {
            return;
        }
    }
    report(label, rate(budget, f));
}

fn report(label: &str, per_second: f64) {
    println!(
        "{label:<58} {per_second:>9.0}/s  {:>8.1} µs each",
        1e6 / per_second
    );
}

fn main() {
    let secs: u64 = std::env::var("PUBGATE_BENCH_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(3);
    let budget = Duration::from_secs(secs);
    let root = TrustRoot::production().expect("embedded root");
    let cold = root.clone().without_certificate_cache();
    let staging = TrustRoot::from_json(STAGING_ROOT, "staging")
        .expect("staging root")
        .without_certificate_cache();

    verify_attestation(ATTESTATION, NAME, SHA, &root).expect("fixture verifies");
    measure(
        "verify_attestation, new certificate each time (cold)",
        budget,
        || {
            black_box(verify_attestation(black_box(ATTESTATION), NAME, SHA, &cold)).ok();
        },
    );
    measure(
        "verify_attestation, certificate seen before (release sibling)",
        budget,
        || {
            black_box(verify_attestation(black_box(ATTESTATION), NAME, SHA, &root)).ok();
        },
    );
    measure(
        "verify_provenance, cold (sampleproject 4.0.0, policy)",
        budget,
        || {
            black_box(verify_provenance(
                black_box(PROVENANCE),
                "sampleproject-4.0.0.tar.gz",
                "0ace7980f82c5815ede4cd7bf9f6693684cec2ae47b9b7ade9add533b8627c6b",
                &cold,
            ))
            .ok();
        },
    );
    verify_attestation(REKOR_V2, NAME, SHA, &staging).expect("fixture verifies");
    measure(
        "verify_attestation, cold (Rekor v2 dsse + RFC 3161, staging)",
        budget,
        || {
            black_box(verify_attestation(black_box(REKOR_V2), NAME, SHA, &staging)).ok();
        },
    );
    let wrong = "0".repeat(64);
    measure("rejection, cold: wrong sha256", budget, || {
        black_box(verify_attestation(ATTESTATION, NAME, &wrong, &cold)).ok();
    });
    measure(
        "for comparison: TrustRoot::production() (load + prepare)",
        budget,
        || {
            black_box(TrustRoot::production()).ok();
        },
    );
    primitives(budget);
}

/// The ECDSA verifications every attestation needs, alone: the floor under the numbers above.
fn primitives(budget: Duration) {
    let b64 = |v: &serde_json::Value| {
        base64::engine::general_purpose::STANDARD
            .decode(v.as_str().expect("string"))
            .expect("base64")
    };
    let att: serde_json::Value = serde_json::from_slice(ATTESTATION).expect("json");
    let leaf_der = b64(&att["verification_material"]["certificate"]);
    let statement = b64(&att["envelope"]["statement"]);
    let signature = SignatureBytes::new(b64(&att["envelope"]["signature"]));
    let leaf = parse_certificate_info(&DerCertificate::new(leaf_der.clone())).expect("leaf");
    let pae = sigstore_verify::types::pae("application/vnd.in-toto+json", &statement);
    measure(
        "primitive: P-256 ECDSA verify (DSSE signature)",
        budget,
        || {
            verify_signature(
                &leaf.public_key,
                black_box(&pae),
                &signature,
                SigningScheme::EcdsaP256Sha256,
            )
            .expect("verifies");
        },
    );
    // The leaf's signature by the Fulcio intermediate (P-384): over the exact TBS bytes.
    let root: serde_json::Value = serde_json::from_slice(include_bytes!(
        "../src/verify/roots/trusted_root.production.json"
    ))
    .expect("json");
    let intermediate_der =
        b64(&root["certificateAuthorities"][1]["certChain"]["certificates"][0]["rawBytes"]);
    let intermediate = x509_cert::Certificate::from_der(&intermediate_der).expect("cert");
    let spki = DerPublicKey::new(
        intermediate
            .tbs_certificate
            .subject_public_key_info
            .to_der()
            .expect("spki"),
    );
    let mut reader = SliceReader::new(&leaf_der).expect("der");
    let (tbs, leaf_signature) = reader
        .sequence(|r| {
            let tbs: AnyRef<'_> = r.decode()?;
            let _algorithm: AnyRef<'_> = r.decode()?;
            let signature: BitString = r.decode()?;
            Ok((tbs.to_der()?, signature))
        })
        .expect("certificate");
    let leaf_signature = SignatureBytes::new(leaf_signature.raw_bytes().to_vec());
    measure(
        "primitive: P-384 ECDSA verify (certificate chain)",
        budget,
        || {
            verify_signature(
                &spki,
                black_box(&tbs),
                &leaf_signature,
                SigningScheme::EcdsaP384Sha384,
            )
            .expect("verifies");
        },
    );
}
