//! Evidence gathering for a ~450-package lockfile against the fake PyPI with 20 ms of added
//! latency per request: cold and warm cache, recording a vendored directory, offline from it;
//! wall time, requests, peak memory.
//!
//! `cargo bench --bench evidence` (env: `PACKAGES`, `LATENCY_MS`, `CONCURRENCY`).
//! Results are reported in `BENCHMARKS.md` § Evidence gathering.
//!
//! The parent process builds the fake index and serves it; each measured run is a child
//! process (this same executable with `--child`), so its peak RSS (`VmHWM`) is its own:
//! not the server's, not the index model's, not an earlier run's.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark reports its measurements on stdout"
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

mod support;

use pubgate::index::{gather_report_blocking, NoProgress};
use pubgate::lockfile::{Artifact, Location, LockFormat, LockedPackage, Lockfile, Source};
use pubgate::testing::fake_pypi::{
    default_minter, default_publisher, synthetic_sha256, FakeFile, FakeIndex, FakePypi,
    MintRequest, Variant,
};
use pubgate::url::SecretUrl;
use support::{child_options, env_number, peak_rss_kib};

const VERSIONS: [&str; 2] = ["1.2.3", "1.2.2"];

fn files(i: usize, version: &str) -> [String; 2] {
    let dist = format!("pkg_{i:03}");
    [
        format!("{dist}-{version}.tar.gz"),
        format!("{dist}-{version}-py3-none-any.whl"),
    ]
}

/// A lockfile of `count` packages, each locking an sdist and a wheel (both hashed).
fn lockfile(count: usize, index_url: &str) -> Lockfile {
    let packages = (0..count)
        .map(|i| LockedPackage {
            name: format!("pkg-{i:03}").into(),
            version: Some(VERSIONS[0].into()),
            source: Source::Index {
                url: SecretUrl::new(index_url),
            },
            artifacts: files(i, VERSIONS[0])
                .into_iter()
                .map(|filename| Artifact {
                    sha256: Some(synthetic_sha256(&filename)),
                    filename,
                    other_hashes: Vec::new(),
                    url: None,
                })
                .collect(),
            marker: None,
            location: Location {
                path: PathBuf::from("uv.lock"),
                line: 1 + i as u32 * 12,
            },
            attestation_identities: Vec::new(),
        })
        .collect();
    Lockfile {
        path: PathBuf::from("uv.lock"),
        format: LockFormat::Uv,
        packages,
        unpinned: Vec::new(),
        indexes: Vec::new(),
    }
}

/// The index for [`lockfile`]: each package also has an earlier release with the same two
/// files; one package in ten is unattested, the rest carry the default minter's provenance.
/// Returns the trust root minted provenance verifies under (`None`: production).
fn write_index(count: usize, root: &Path) -> Option<Vec<u8>> {
    let minter = default_minter();
    let mut index = FakeIndex::new();
    for i in 0..count {
        let name = format!("pkg-{i:03}");
        let publisher = default_publisher(&name);
        for version in VERSIONS {
            for filename in files(i, version) {
                let sha = synthetic_sha256(&filename);
                let mut file = FakeFile::new(&filename, &sha);
                if i % 10 != 0 {
                    file = file.with_provenance(minter.mint(&MintRequest {
                        filename: &filename,
                        sha256: &sha,
                        publisher: &publisher,
                        variant: Variant::Valid,
                    }));
                }
                index.add(&name, file);
            }
        }
    }
    index.write(root).expect("write the index");
    minter.trusted_root()
}

/// One measured run, in this (child) process; prints one line of JSON.
fn child(args: &[String]) {
    let [index_url, cache, root_file, count, concurrency, mode, vendor] = args else {
        panic!("--child INDEX_URL CACHE ROOT_FILE COUNT CONCURRENCY MODE VENDOR_DIR")
    };
    let lock = lockfile(count.parse().expect("count"), index_url);
    let mut options = child_options(index_url, cache, root_file, concurrency);
    match mode.as_str() {
        "record" => {
            // As `pubgate fetch` does: the recorder writes only into an existing directory.
            std::fs::create_dir_all(vendor).expect("vendor dir");
            options.record_into = Some(PathBuf::from(vendor));
        }
        "offline" => {
            options.offline = true;
            options.provenance_dir = Some(PathBuf::from(vendor));
        }
        _ => {}
    }
    let before = peak_rss_kib();
    let start = Instant::now();
    let report =
        gather_report_blocking(std::slice::from_ref(&lock), &options, &NoProgress).expect("gather");
    let wall = start.elapsed();
    assert!(
        report.record_errors.is_empty(),
        "recording failed: {:?}",
        report.record_errors
    );
    let verified = report.evidence[0]
        .packages
        .iter()
        .flat_map(|p| &p.artifacts)
        .filter(|a| a.provenance.verified().is_some())
        .count();
    let digest = {
        use sha2::Digest;
        hex::encode(sha2::Sha256::digest(
            serde_json::to_vec(&report.evidence).expect("json"),
        ))
    };
    println!(
        "{}",
        serde_json::json!({
            "wall_ms": wall.as_secs_f64() * 1000.0,
            "network": report.stats.network,
            "cache_hits": report.stats.cache_hits,
            "verifications": report.stats.verifications,
            "verified_artifacts": verified,
            "rss_before_kib": before,
            "peak_kib": peak_rss_kib(),
            "evidence_sha256": digest,
        })
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        return child(&args[at + 1..]);
    }
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: keep that quick.
    let benchmarking = args.iter().any(|a| a == "--bench");
    let count = env_number("PACKAGES", if benchmarking { 450 } else { 20 }) as usize;
    let latency = Duration::from_millis(env_number("LATENCY_MS", 20));
    let concurrency = env_number("CONCURRENCY", 16);

    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("index");
    std::fs::create_dir_all(&root).expect("index dir");
    let trust_root = write_index(count, &root);
    let root_file = match &trust_root {
        Some(json) => {
            let path = dir.path().join("trusted_root.json");
            std::fs::write(&path, json).expect("trust root");
            path.display().to_string()
        }
        None => String::new(),
    };
    let server = FakePypi::start(&root).expect("fake PyPI");
    server.set_latency(latency);
    let cache = dir.path().join("cache");
    let vendor = dir.path().join("vendor");
    let exe = std::env::current_exe().expect("current exe");

    println!(
        "evidence gathering: {count} packages, {} locked artifacts, {latency:?} latency/request, concurrency {concurrency}",
        2 * count
    );
    println!(
        "{:<16} {:>10} {:>9} {:>11} {:>14} {:>9} {:>14}",
        "run", "wall", "requests", "cache hits", "verifications", "verified", "peak RSS"
    );
    let mut digests = Vec::new();
    let mut cold_requests = 0;
    let mut cold_wall = 0.0;
    for (label, mode) in [
        ("cold", "online"),
        ("warm", "online"),
        ("fetch --into", "record"),
        ("offline vendored", "offline"),
    ] {
        server.clear_log();
        let output = Command::new(&exe)
            .arg("--child")
            .args([
                server.index_url(),
                cache.display().to_string(),
                root_file.clone(),
                count.to_string(),
                concurrency.to_string(),
                mode.to_string(),
                vendor.display().to_string(),
            ])
            .output()
            .expect("run a child");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let line: serde_json::Value = serde_json::from_slice(&output.stdout).expect("child output");
        let requests = server.request_count();
        let wall = line["wall_ms"].as_f64().unwrap_or(0.0);
        if label == "cold" {
            cold_requests = requests;
            cold_wall = wall;
        }
        println!(
            "{:<16} {:>8.0}ms {:>9} {:>11} {:>14} {:>9} {:>10} KiB",
            label,
            wall,
            requests,
            line["cache_hits"].as_u64().unwrap_or(0),
            line["verifications"].as_u64().unwrap_or(0),
            line["verified_artifacts"].as_u64().unwrap_or(0),
            line["peak_kib"].as_u64().unwrap_or(0),
        );
        digests.push(line["evidence_sha256"].clone());
    }
    let floor = latency
        .mul_f64(cold_requests as f64 / concurrency as f64)
        .max(latency * 2);
    println!(
        "floor (requests x latency / concurrency): {:.0}ms; cold/floor = {:.2}",
        floor.as_secs_f64() * 1000.0,
        cold_wall / 1000.0 / floor.as_secs_f64()
    );
    assert!(
        digests.windows(2).all(|w| w[0] == w[1]),
        "every run gives the same evidence"
    );
}
