//! Evidence gathering for a ~450-package lockfile against the fake PyPI with 20 ms of added
//! latency per request: cold and warm cache, wall time, requests, peak memory.
//!
//! `cargo bench --bench evidence` (env: `PACKAGES`, `LATENCY_MS`, `CONCURRENCY`).
//! Results are reported in `BENCHMARKS.md` § Evidence gathering.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use pubgate::index::{gather_report_blocking, GatherReport, IndexOptions, NoProgress};
use pubgate::lockfile::{Artifact, Location, LockFormat, LockedPackage, Lockfile, Source};
use pubgate::testing::fake_pypi::{
    default_minter, default_publisher, synthetic_sha256, FakeFile, FakeIndex, FakePypi,
    MintRequest, Minter, Variant,
};
use pubgate::url::SecretUrl;
use pubgate::verify::TrustRoot;

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident set size so far (VmHWM), in KiB.
fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets VmHWM to the current RSS (Linux: `5` into `/proc/self/clear_refs`).
fn reset_peak_rss() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// A fake index and a lockfile of `count` packages: each locked release has an sdist and a
/// wheel (both hashed), and an earlier release with the same two files. One package in ten
/// is unattested; the rest carry the minter's provenance.
fn build(count: usize, index_url: &str, minter: &dyn Minter) -> (FakeIndex, Lockfile) {
    let mut index = FakeIndex::new();
    let mut packages = Vec::with_capacity(count);
    for i in 0..count {
        let name = format!("pkg-{i:03}");
        let dist = name.replace('-', "_");
        let publisher = default_publisher(&name);
        let mut artifacts = Vec::new();
        for version in ["1.2.3", "1.2.2"] {
            for filename in [
                format!("{dist}-{version}.tar.gz"),
                format!("{dist}-{version}-py3-none-any.whl"),
            ] {
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
                if version == "1.2.3" {
                    artifacts.push(Artifact {
                        filename,
                        sha256: Some(sha),
                        url: None,
                    });
                }
            }
        }
        packages.push(LockedPackage {
            name,
            version: Some("1.2.3".into()),
            source: Source::Index {
                url: SecretUrl::new(index_url),
            },
            artifacts,
            marker: None,
            location: Location {
                path: PathBuf::from("uv.lock"),
                line: 1 + i as u32 * 12,
            },
        });
    }
    let lockfile = Lockfile {
        path: PathBuf::from("uv.lock"),
        format: LockFormat::Uv,
        packages,
        unpinned: Vec::new(),
        indexes: Vec::new(),
    };
    (index, lockfile)
}

struct Run {
    wall: Duration,
    requests: usize,
    report: GatherReport,
    peak_kib: Option<u64>,
}

fn run(server: &FakePypi, lockfile: &Lockfile, options: &IndexOptions) -> Run {
    server.clear_log();
    reset_peak_rss();
    let start = Instant::now();
    let report = gather_report_blocking(std::slice::from_ref(lockfile), options, &NoProgress)
        .expect("gather");
    let wall = start.elapsed();
    Run {
        wall,
        requests: server.request_count(),
        report,
        peak_kib: peak_rss_kib(),
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: keep that quick.
    let benchmarking = std::env::args().any(|a| a == "--bench");
    let count = env_number("PACKAGES", if benchmarking { 450 } else { 20 }) as usize;
    let latency = Duration::from_millis(env_number("LATENCY_MS", 20));
    let concurrency = env_number("CONCURRENCY", 16) as usize;

    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path().join("index");
    let cache = dir.path().join("cache");
    // The server is started first so its URL can go into the lockfile.
    std::fs::create_dir_all(&root).expect("index dir");
    let server = FakePypi::start(&root).expect("fake PyPI");
    let minter = default_minter();
    let (index, lockfile) = build(count, &server.index_url(), minter.as_ref());
    index.write(&root).expect("write index");
    server.set_latency(latency);

    // Minted provenance verifies under the minter's root (the test signer's, once plugged in).
    let trust_root = match minter.trusted_root() {
        Some(json) => TrustRoot::from_json(&json, "minter's trust root").expect("trust root"),
        None => TrustRoot::production().expect("trust root"),
    };
    let mut options = IndexOptions::new(trust_root);
    options.index_url = SecretUrl::new(server.index_url());
    options.cache_dir = Some(cache);
    options.http.concurrency = concurrency;

    let baseline_kib = peak_rss_kib();
    let cold = run(&server, &lockfile, &options);
    let warm = run(&server, &lockfile, &options);
    // For profiling the warm path: `WARM_REPEAT=20 perf record …`.
    for _ in 0..env_number("WARM_REPEAT", 0) {
        run(&server, &lockfile, &options);
    }
    let mut offline = options.clone();
    offline.offline = true;
    let warm_offline = run(&server, &lockfile, &offline);

    let artifacts: usize = cold.report.evidence[0]
        .packages
        .iter()
        .map(|p| p.artifacts.len())
        .sum();
    let floor = latency
        .mul_f64(cold.requests as f64 / concurrency as f64)
        .max(latency * 2);
    println!("evidence gathering: {count} packages, {artifacts} locked artifacts, {latency:?} latency/request, concurrency {concurrency}");
    println!("baseline RSS before the first run: {:?} KiB", baseline_kib);
    println!(
        "{:<14} {:>10} {:>9} {:>12} {:>14} {:>12}",
        "run", "wall", "requests", "cache hits", "verifications", "peak RSS"
    );
    for (label, r) in [
        ("cold", &cold),
        ("warm", &warm),
        ("warm offline", &warm_offline),
    ] {
        println!(
            "{:<14} {:>8.0}ms {:>9} {:>12} {:>14} {:>9} KiB",
            label,
            r.wall.as_secs_f64() * 1000.0,
            r.requests,
            r.report.stats.cache_hits,
            r.report.stats.verifications,
            r.peak_kib
                .map(|k| k.to_string())
                .unwrap_or_else(|| "?".into()),
        );
    }
    println!(
        "floor (requests x latency / concurrency): {:.0}ms; cold/floor = {:.2}",
        floor.as_secs_f64() * 1000.0,
        cold.wall.as_secs_f64() / floor.as_secs_f64()
    );
    assert_eq!(warm.requests, 0, "a warm run asks nothing");
    assert_eq!(warm.report.evidence, cold.report.evidence);
    assert_eq!(warm_offline.report.evidence, cold.report.evidence);
}
