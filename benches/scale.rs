//! Evidence gathering at real-world scale: a 450-package lockfile locking ~8,000 files,
//! against project pages shaped like PyPI's (tens to hundreds of releases, up to thousands
//! of files a page), served by the fake PyPI with added latency. Wall time, requests
//! (against what the run must ask), verifications and peak memory; cold and warm.
//!
//! `cargo bench --bench scale` (env: `PACKAGES` (450), `LATENCY_MS` (20), `CONCURRENCY`
//! (16), `ROUNDS` (1); `CAPACITY` (none): the index answers 429 past that many requests
//! in flight; `SCOPE` (none): `PYTHON/PLATFORM`, e.g. `3.12/manylinux_2_28_x86_64`, examines
//! only the files that install there). Results: `BENCHMARKS.md` § Real-world scale.
//!
//! Each measured run is a child process (this executable with `--child`), so its peak RSS
//! (`VmHWM`) is its own.

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

/// A deterministic number in `0..n` for package `i` and purpose `salt`.
fn pick(i: usize, salt: u64, n: u64) -> u64 {
    let mut x = (i as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ salt.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 31;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 29;
    x % n.max(1)
}

/// The shape of one project: how many files its locked release has, how many releases it
/// lists, whether it is attested.
struct Shape {
    locked_files: usize,
    releases: usize,
    attested: bool,
}

/// Files per release and release counts drawn to match large real lockfiles: most
/// projects ship an sdist and one wheel, a quarter ship binary wheels for 10–30 targets, a
/// few ship 80–120; most list tens of releases, some hundreds. Pages stop at ~4,000 files.
fn shape(i: usize) -> Shape {
    let locked_files = match pick(i, 1, 100) {
        0..=54 => 2,
        55..=81 => 10 + pick(i, 2, 21) as usize,
        82..=93 => 40 + pick(i, 3, 21) as usize,
        _ => 80 + pick(i, 4, 41) as usize,
    };
    let releases = match pick(i, 5, 100) {
        0..=49 => 5 + pick(i, 6, 26) as usize,
        50..=84 => 30 + pick(i, 7, 51) as usize,
        85..=96 => 80 + pick(i, 8, 121) as usize,
        _ => 200 + pick(i, 9, 301) as usize,
    };
    // Older releases ship fewer wheels (see `release_files`): a page lists about
    // releases × locked files / 2, kept under ~4,000.
    let releases = releases.min((8000 / locked_files).max(2));
    Shape {
        locked_files,
        releases,
        attested: !i.is_multiple_of(10),
    }
}

fn name(i: usize) -> String {
    format!("proj-{i:03}")
}

fn version(release: usize) -> String {
    format!(
        "{}.{}.{}",
        1 + release / 100,
        (release / 10) % 10,
        release % 10
    )
}

/// The files of release `release` of project `i`: an sdist, then wheels for as many
/// targets as the shape says (the locked, newest release is release `releases - 1`).
fn release_files(i: usize, release: usize, count: usize) -> Vec<String> {
    let dist = format!("proj_{i:03}");
    let v = version(release);
    let mut files = vec![format!("{dist}-{v}.tar.gz")];
    const PLATFORMS: [&str; 6] = [
        "manylinux_2_17_x86_64.manylinux2014_x86_64",
        "manylinux_2_17_aarch64.manylinux2014_aarch64",
        "musllinux_1_2_x86_64",
        "macosx_11_0_arm64",
        "macosx_10_9_x86_64",
        "win_amd64",
    ];
    if count <= 2 {
        files.push(format!("{dist}-{v}-py3-none-any.whl"));
        return files;
    }
    let mut k = 0;
    while files.len() < count {
        let python = 8 + k / PLATFORMS.len();
        let platform = PLATFORMS[k % PLATFORMS.len()];
        files.push(format!("{dist}-{v}-cp3{python}-cp3{python}-{platform}.whl"));
        k += 1;
    }
    files
}

/// How many files release `release` ships: the locked (newest) one all of them, older
/// ones fewer, as wheel matrices grow over a project's life.
fn files_in(shape: &Shape, release: usize) -> usize {
    if shape.locked_files <= 2 {
        return 2;
    }
    (shape.locked_files * (release + 1) / shape.releases).max(2)
}

/// What the run must ask: every page, every attested locked file, and the attested files
/// of the release before (at most `history_max_files`, 8).
struct Expected {
    locked_files: usize,
    page_files: usize,
    requests: usize,
}

fn write_index(count: usize, root: &Path) -> (Option<Vec<u8>>, Expected) {
    let minter = default_minter();
    let mut index = FakeIndex::new();
    let mut expected = Expected {
        locked_files: 0,
        page_files: 0,
        requests: count,
    };
    for i in 0..count {
        let shape = shape(i);
        let name = name(i);
        let publisher = default_publisher(&name);
        expected.locked_files += shape.locked_files;
        for release in 0..shape.releases {
            let newest = release + 1 == shape.releases;
            let previous = release + 2 == shape.releases;
            // Older releases were uploaded before attestations existed.
            let attested = shape.attested && (newest || previous);
            let files = release_files(i, release, files_in(&shape, release));
            expected.page_files += files.len();
            if attested && newest {
                expected.requests += files.len();
            }
            if attested && previous {
                expected.requests += files.len().min(8);
            }
            for filename in files {
                let sha = synthetic_sha256(&filename);
                let mut file = FakeFile::new(&filename, &sha);
                if attested {
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
    (minter.trusted_root(), expected)
}

fn lockfile(count: usize, index_url: &str) -> Lockfile {
    let packages = (0..count)
        .map(|i| {
            let shape = shape(i);
            LockedPackage {
                name: name(i).into(),
                version: Some(version(shape.releases - 1)),
                source: Source::Index {
                    url: SecretUrl::new(index_url),
                },
                artifacts: release_files(i, shape.releases - 1, shape.locked_files)
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
                    line: 1 + i as u32 * 40,
                },
                attestation_identities: Vec::new(),
            }
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

fn child(args: &[String]) {
    let [index_url, cache, root_file, count, concurrency, scope] = args else {
        panic!("--child INDEX_URL CACHE ROOT_FILE COUNT CONCURRENCY SCOPE")
    };
    let lock = lockfile(count.parse().expect("count"), index_url);
    let mut options = child_options(index_url, cache, root_file, concurrency);
    if let Some(n) = std::env::var("PACKAGE_CONCURRENCY")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        options.package_concurrency = n;
    }
    if let Some((python, platform)) = scope.split_once('/') {
        options.scope = pubgate::index::scope::ArtifactScope {
            python: Some(python.parse().expect("SCOPE python")),
            platforms: vec![platform.parse().expect("SCOPE platform")],
        };
    }
    options.deadline = Duration::from_secs(900);
    options.http.overall_timeout = options.deadline;
    let start = Instant::now();
    let report =
        gather_report_blocking(std::slice::from_ref(&lock), &options, &NoProgress).expect("gather");
    let wall = start.elapsed();
    let artifacts: Vec<_> = report.evidence[0]
        .packages
        .iter()
        .flat_map(|p| &p.artifacts)
        .collect();
    let verified = artifacts
        .iter()
        .filter(|a| a.provenance.verified().is_some())
        .count();
    let not_fine = artifacts
        .iter()
        .filter(|a| !matches!(a.provenance.slug(), "verified" | "absent"))
        .count();
    println!(
        "{}",
        serde_json::json!({
            "wall_ms": wall.as_secs_f64() * 1000.0,
            "verifications": report.stats.verifications,
            "verified": verified,
            "not_fine": not_fine,
            "out_of_scope": report.stats.out_of_scope,
            "peak_kib": peak_rss_kib(),
        })
    );
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(at) = args.iter().position(|a| a == "--child") {
        return child(&args[at + 1..]);
    }
    let benchmarking = args.iter().any(|a| a == "--bench");
    let count = env_number("PACKAGES", if benchmarking { 450 } else { 12 }) as usize;
    let latency = Duration::from_millis(env_number("LATENCY_MS", 20));
    let concurrency = env_number("CONCURRENCY", 16);
    let rounds = env_number("ROUNDS", 1);
    let capacity = std::env::var("CAPACITY").ok().and_then(|v| v.parse().ok());
    let scope = std::env::var("SCOPE").unwrap_or_default();

    let dir = tempfile::Builder::new()
        .prefix("pubgate-scale-")
        .tempdir_in(if Path::new("/dev/shm").is_dir() {
            "/dev/shm"
        } else {
            "/tmp"
        })
        .expect("tempdir");
    let root = dir.path().join("index");
    std::fs::create_dir_all(&root).expect("index dir");
    let started = Instant::now();
    let (trust_root, expected) = write_index(count, &root);
    let root_file = match &trust_root {
        Some(json) => {
            let path = dir.path().join("trusted_root.json");
            std::fs::write(&path, json).expect("trust root");
            path.display().to_string()
        }
        None => String::new(),
    };
    let page_bytes: u64 = walk_sizes(&root.join("simple"), "index.json");
    let largest = (0..count)
        .map(|i| {
            let s = shape(i);
            (0..s.releases).map(|r| files_in(&s, r)).sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    println!(
        "real-world scale: {count} packages, {} locked files; pages list {} files ({:.1} MiB of JSON, the largest ~{largest} files); built in {:.1}s",
        expected.locked_files,
        expected.page_files,
        page_bytes as f64 / 1048576.0,
        started.elapsed().as_secs_f64()
    );
    let server = FakePypi::start(&root).expect("fake PyPI");
    server.set_latency(latency);
    server.set_capacity(capacity);
    let cache = dir.path().join("cache");
    let exe = std::env::current_exe().expect("current exe");
    println!(
        "latency {latency:?}/request, concurrency {concurrency}, index capacity {}, scope {}; expected requests (pages + attested locked files + history) {}",
        capacity.map_or("unlimited".to_string(), |c: usize| c.to_string()),
        if scope.is_empty() { "every file" } else { &scope },
        expected.requests
    );
    println!(
        "{:<6} {:>10} {:>9} {:>14} {:>9} {:>12} {:>10}",
        "run", "wall", "requests", "verifications", "verified", "peak RSS", "vs floor"
    );
    let run = |label: &str| {
        server.clear_log();
        // `CHILD_WRAPPER` runs each measured child under a tool (`valgrind --tool=massif`).
        let wrapper = std::env::var("CHILD_WRAPPER").unwrap_or_default();
        let mut words = wrapper.split_whitespace();
        let mut command = match words.next() {
            Some(tool) => {
                let mut command = Command::new(tool);
                command.args(words).arg(&exe);
                command
            }
            None => Command::new(&exe),
        };
        let output = command
            .arg("--child")
            .args([
                server.index_url(),
                cache.display().to_string(),
                root_file.clone(),
                count.to_string(),
                concurrency.to_string(),
                scope.clone(),
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
        // What latency alone costs: every request answered, at most this many in flight.
        let in_flight = capacity.map_or(concurrency, |c| (c as u64).min(concurrency));
        let floor = latency.as_secs_f64() * 1000.0 * requests as f64 / in_flight as f64;
        println!(
            "{:<6} {:>8.0}ms {:>9} {:>14} {:>9} {:>8} KiB {:>9.2}x",
            label,
            wall,
            requests,
            line["verifications"],
            line["verified"],
            line["peak_kib"],
            if floor > 0.0 { wall / floor } else { 0.0 },
        );
        if line["out_of_scope"] != 0 {
            println!(
                "       ({} locked files out of scope)",
                line["out_of_scope"]
            );
        }
        assert_eq!(line["not_fine"], 0, "every file verified or absent");
        requests
    };
    for _ in 0..rounds {
        let _ = std::fs::remove_dir_all(&cache);
        let cold = run("cold");
        let warm = run("warm");
        if capacity.is_none() && scope.is_empty() {
            assert_eq!(
                cold, expected.requests,
                "a cold run asks exactly what it must"
            );
            assert_eq!(warm, count, "a warm run asks only the pages");
        }
    }
}

/// The total size of every file named `name` under `dir`.
fn walk_sizes(dir: &Path, name: &str) -> u64 {
    let mut total = 0;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            total += walk_sizes(&path, name);
        } else if path.file_name().is_some_and(|n| n == name) {
            total += entry.metadata().map(|m| m.len()).unwrap_or(0);
        }
    }
    total
}
