//! Attestations verified per second on one core: a real production attestation, the trust
//! root loaded once. Run with `cargo bench --bench verify` (release profile); see
//! BENCHMARKS.md § Verification. `PUBGATE_BENCH_SECS` sets the time per measurement.

use std::hint::black_box;
use std::time::{Duration, Instant};

use pubgate::verify::{verify_attestation, verify_provenance, TrustRoot};

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
    report(
        "verify_attestation, new certificate each time (cold)",
        rate(budget, || {
            black_box(verify_attestation(black_box(ATTESTATION), NAME, SHA, &cold)).ok();
        }),
    );
    report(
        "verify_attestation, certificate seen before (release sibling)",
        rate(budget, || {
            black_box(verify_attestation(black_box(ATTESTATION), NAME, SHA, &root)).ok();
        }),
    );
    report(
        "verify_provenance, cold (sampleproject 4.0.0, policy)",
        rate(budget, || {
            black_box(verify_provenance(
                black_box(PROVENANCE),
                "sampleproject-4.0.0.tar.gz",
                "0ace7980f82c5815ede4cd7bf9f6693684cec2ae47b9b7ade9add533b8627c6b",
                &cold,
            ))
            .ok();
        }),
    );
    verify_attestation(REKOR_V2, NAME, SHA, &staging).expect("fixture verifies");
    report(
        "verify_attestation, cold (Rekor v2 dsse + RFC 3161, staging)",
        rate(budget, || {
            black_box(verify_attestation(black_box(REKOR_V2), NAME, SHA, &staging)).ok();
        }),
    );
    let wrong = "0".repeat(64);
    report(
        "rejection, cold: wrong sha256",
        rate(budget, || {
            black_box(verify_attestation(ATTESTATION, NAME, &wrong, &cold)).ok();
        }),
    );
    report(
        "for comparison: TrustRoot::production() (load + prepare)",
        rate(budget, || {
            black_box(TrustRoot::production()).ok();
        }),
    );
}
