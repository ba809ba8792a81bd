//! The on-disk cache: a warm run asks nothing, pages expire, corrupt entries are re-fetched,
//! offline runs use the cache only, and concurrent runs share one cache safely.

mod index_common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use index_common::*;
use pubgate::evidence::{InvalidReason, LockfileEvidence, ProvenanceStatus};
use pubgate::index::{gather_report_blocking, NoProgress};
use pubgate::lockfile::Lockfile;
use pubgate::testing::fake_pypi::{fixture_index, FakeFile, FakePypi};

fn setup() -> (tempfile::TempDir, FakePypi, Lockfile) {
    let mut index = fixture_index();
    index.add("plain", FakeFile::new("plain-1.0.tar.gz", &sha("aa")));
    index.add("plain", FakeFile::new("plain-0.9.tar.gz", &sha("ab")));
    let (dir, server) = serve(&index);
    let url = server.index_url();
    let lock = lockfile(
        "uv.lock",
        vec![
            package(
                "sampleproject",
                "4.0.0",
                &url,
                &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
            ),
            package("abi3info", "2024.10.8", &url, &[]),
            package(
                "plain",
                "1.0",
                &url,
                &[("plain-1.0.tar.gz", Some(&sha("aa")))],
            ),
            package(
                "pypi-attestations",
                "0.0.30",
                &url,
                &[(PA_WHEEL_30, Some(PA_WHEEL_30_SHA))],
            ),
        ],
    );
    (dir, server, lock)
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn cache_entries(dir: &Path) -> Vec<PathBuf> {
    files_under(&dir.join("v1"))
}

#[test]
fn a_warm_run_makes_no_request_and_gives_the_same_evidence() {
    let (_dir, server, lock) = setup();
    let cache = tempfile::tempdir().unwrap();
    let options = cached_options(&server, cache.path());
    let cold = gather_report_blocking(std::slice::from_ref(&lock), &options, &NoProgress).unwrap();
    let cold_requests = server.request_count();
    assert!(cold_requests >= 8, "{cold_requests}");
    assert_eq!(cold.stats.network, cold_requests);
    server.clear_log();

    let warm = gather_report_blocking(std::slice::from_ref(&lock), &options, &NoProgress).unwrap();
    assert_eq!(server.request_count(), 0, "{:?}", server.requests());
    assert_eq!(warm.evidence, cold.evidence);
    assert_eq!(warm.stats.network, 0);
    assert_eq!(warm.stats.cache_hits, cold_requests);
    assert!(cache.path().join("CACHEDIR.TAG").exists());
}

#[test]
fn expired_pages_are_asked_again_but_provenance_is_kept() {
    let (_dir, server, lock) = setup();
    let cache = tempfile::tempdir().unwrap();
    let mut options = cached_options(&server, cache.path());
    options.page_ttl = Duration::ZERO;
    let cold = gather(std::slice::from_ref(&lock), &options);
    server.clear_log();
    let warm = gather(std::slice::from_ref(&lock), &options);
    assert_eq!(warm, cold);
    assert_eq!(server.count_matching("/simple/**"), 4);
    assert_eq!(
        server.count_matching("/integrity/**"),
        0,
        "{:?}",
        server.requests()
    );
}

#[test]
fn corrupt_or_tampered_entries_are_discarded_and_fetched_again() {
    let (_dir, server, lock) = setup();
    let cache = tempfile::tempdir().unwrap();
    let options = cached_options(&server, cache.path());
    let cold = gather(std::slice::from_ref(&lock), &options);
    let entries = cache_entries(cache.path());
    assert!(!entries.is_empty());
    // Damage every entry a different way: flipped byte, truncation, emptied, swapped.
    for (i, path) in entries.iter().enumerate() {
        let mut bytes = std::fs::read(path).unwrap();
        match i % 3 {
            0 => {
                let last = bytes.len() - 1;
                bytes[last] ^= 0x20;
            }
            1 => bytes.truncate(bytes.len() / 2),
            _ => bytes.clear(),
        }
        std::fs::write(path, bytes).unwrap();
    }
    let fetched_entries = entries
        .iter()
        .filter(|p| !p.starts_with(cache.path().join("v1/verified")))
        .count();
    server.clear_log();
    let again = gather(std::slice::from_ref(&lock), &options);
    assert_eq!(again, cold);
    assert_eq!(
        server.request_count(),
        fetched_entries,
        "each damaged answer was fetched once more"
    );
    // And the cache healed.
    server.clear_log();
    assert_eq!(gather(std::slice::from_ref(&lock), &options), cold);
    assert_eq!(server.request_count(), 0);
}

#[test]
fn a_provenance_entry_replaced_by_other_bytes_cannot_pass_for_the_original() {
    // Tampered bytes with a recomputed envelope are taken as the index's answer, so they are
    // verified afresh; they can never borrow the original's verification result.
    let (_dir, server, lock) = setup();
    let cache = tempfile::tempdir().unwrap();
    let options = cached_options(&server, cache.path());
    let cold = gather(std::slice::from_ref(&lock), &options);
    let sample_status = cold[0].packages[0].artifacts[0].provenance.clone();
    for path in cache_entries(cache.path()) {
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        if text.contains("\"kind\":\"provenance\"") && text.contains("pypa/sampleproject") {
            let tampered = text.replace("pypa/sampleproject", "evil/sampleproject");
            std::fs::write(&path, tampered).unwrap();
        }
    }
    let again = gather(std::slice::from_ref(&lock), &options);
    let status = &again[0].packages[0].artifacts[0].provenance;
    // The edited entry fails its digest check: the original is fetched again.
    assert_eq!(status, &sample_status);
    assert_eq!(server.count_matching("/integrity/sampleproject/**"), 2);
}

#[test]
fn offline_runs_use_the_cache_and_never_the_network() {
    let (_dir, server, lock) = setup();
    let cache = tempfile::tempdir().unwrap();
    let mut options = cached_options(&server, cache.path());
    options.offline = true;
    // Cold and offline: everything unavailable, no request.
    let cold = gather(std::slice::from_ref(&lock), &options);
    assert_eq!(server.request_count(), 0);
    for package in &cold[0].packages {
        for artifact in &package.artifacts {
            assert!(
                cause(&artifact.provenance).contains("offline"),
                "{:?}",
                artifact.provenance
            );
        }
    }
    // Fill the cache online, then go offline with pages long expired.
    options.offline = false;
    let online = gather(std::slice::from_ref(&lock), &options);
    server.clear_log();
    options.offline = true;
    options.page_ttl = Duration::ZERO;
    assert_eq!(gather(std::slice::from_ref(&lock), &options), online);
    assert_eq!(server.request_count(), 0);
}

#[test]
fn two_runs_sharing_a_cache_at_once_both_succeed() {
    let (_dir, server, lock) = setup();
    let cache = tempfile::tempdir().unwrap();
    let options = cached_options(&server, cache.path());
    let expected = {
        let mut uncached = options.clone();
        uncached.cache_dir = None;
        gather(std::slice::from_ref(&lock), &uncached)
    };
    let runs: Vec<Vec<LockfileEvidence>> = std::thread::scope(|scope| {
        let handles: Vec<_> = (0..4)
            .map(|_| scope.spawn(|| gather(std::slice::from_ref(&lock), &options)))
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    for run in runs {
        assert_eq!(run, expected);
    }
    let leftovers: Vec<_> = files_under(cache.path())
        .into_iter()
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains(".tmp."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    server.clear_log();
    assert_eq!(gather(std::slice::from_ref(&lock), &options), expected);
    assert_eq!(server.request_count(), 0);
}

#[test]
fn no_cache_means_nothing_is_written() {
    let (_dir, server, lock) = setup();
    let options = options(&server);
    assert_eq!(options.cache_dir, None);
    gather(std::slice::from_ref(&lock), &options);
    server.clear_log();
    gather(std::slice::from_ref(&lock), &options);
    assert!(server.request_count() >= 8);
}

#[test]
fn not_found_projects_are_cached_briefly() {
    let (_dir, server, _) = setup();
    let cache = tempfile::tempdir().unwrap();
    let mut options = cached_options(&server, cache.path());
    let missing = package("missing", "1.0", &server.index_url(), &[]);
    let first = gather_one(missing.clone(), &options);
    assert!(matches!(
        first.artifacts[0].provenance,
        ProvenanceStatus::Invalid {
            reason: InvalidReason::ReleaseNotOnIndex,
            ..
        }
    ));
    server.clear_log();
    assert_eq!(gather_one(missing.clone(), &options), first);
    assert_eq!(server.request_count(), 0);
    options.negative_ttl = Duration::ZERO;
    assert_eq!(gather_one(missing, &options), first);
    assert_eq!(server.request_count(), 1);
}

#[test]
fn a_warm_run_verifies_nothing_again() {
    let (_dir, server, lock) = setup();
    let cache = tempfile::tempdir().unwrap();
    let options = cached_options(&server, cache.path());
    let cold = gather_report_blocking(std::slice::from_ref(&lock), &options, &NoProgress).unwrap();
    assert!(cold.stats.verifications >= 4, "{:?}", cold.stats);
    assert!(cold.evidence[0].packages[0].artifacts[0]
        .provenance
        .verified()
        .is_some());
    let warm = gather_report_blocking(std::slice::from_ref(&lock), &options, &NoProgress).unwrap();
    assert_eq!(warm.stats.verifications, 0, "{:?}", warm.stats);
    assert_eq!(warm.stats.verification_cache_hits, cold.stats.verifications);
    assert_eq!(warm.evidence, cold.evidence);
}
