//! The on-disk cache holds provenance objects only: a warm run asks every project page again
//! and verifies everything again, corrupt entries are re-fetched, an offline run without a
//! vendored directory fails closed whatever the cache holds, and concurrent runs share one
//! cache safely.

mod index_common;

use index_common::*;
use pubgate::evidence::{History, InvalidReason, LockfileEvidence, ProvenanceStatus};
use pubgate::index::{gather_report_blocking, NoProgress};
use pubgate::lockfile::Lockfile;
use pubgate::testing::fake_pypi::{fixture_index, tamper, FakeFile, FakeIndex, FakePypi};
use pubgate::url::SecretUrl;
use std::path::{Path, PathBuf};

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
    files_under(&dir.join("v2"))
}

/// Rewrites a cache entry's body and recomputes its envelope (length, sha256), as whoever
/// can write the cache directory can.
fn rewrite_entry(path: &Path, edit: impl FnOnce(Vec<u8>) -> Vec<u8>) {
    let bytes = std::fs::read(path).unwrap();
    let magic_end = bytes.iter().position(|&b| b == b'\n').unwrap() + 1;
    let header_end = magic_end + bytes[magic_end..].iter().position(|&b| b == b'\n').unwrap();
    let mut header: serde_json::Value =
        serde_json::from_slice(&bytes[magic_end..header_end]).unwrap();
    let body = edit(bytes[header_end + 1..].to_vec());
    header["len"] = body.len().into();
    header["sha256"] = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&body)).into();
    let mut out = bytes[..magic_end].to_vec();
    out.extend(serde_json::to_vec(&header).unwrap());
    out.push(b'\n');
    out.extend(body);
    std::fs::write(path, out).unwrap();
}

#[test]
fn a_warm_run_asks_every_page_again_and_verifies_everything_again() {
    let (_dir, server, lock) = setup();
    let cache = tempfile::tempdir().unwrap();
    let options = cached_options(&server, cache.path());
    let cold = gather_report_blocking(std::slice::from_ref(&lock), &options, &NoProgress).unwrap();
    let cold_requests = server.request_count();
    let provenance_requests = server.count_matching("/integrity/**");
    assert!(provenance_requests >= 4, "{provenance_requests}");
    assert_eq!(cold.stats.network, cold_requests);
    assert!(cold.stats.verifications >= 4, "{:?}", cold.stats);
    server.clear_log();

    let warm = gather_report_blocking(std::slice::from_ref(&lock), &options, &NoProgress).unwrap();
    assert_eq!(warm.evidence, cold.evidence);
    // Pages (and what they say about absence, files and history) are always asked afresh;
    // provenance objects come from the cache and are verified again.
    assert_eq!(
        server.count_matching("/simple/**"),
        4,
        "{:?}",
        server.requests()
    );
    assert_eq!(server.count_matching("/integrity/**"), 0);
    assert_eq!(warm.stats.cache_hits, provenance_requests);
    assert_eq!(warm.stats.verifications, cold.stats.verifications);
    assert!(cache.path().join("CACHEDIR.TAG").exists());
    // Only provenance objects were stored.
    let entries = cache_entries(cache.path());
    assert_eq!(entries.len(), provenance_requests);
    assert!(entries
        .iter()
        .all(|p| p.starts_with(cache.path().join("v2/provenance"))));
}

#[test]
fn corrupt_or_tampered_entries_are_discarded_and_fetched_again() {
    let (_dir, server, lock) = setup();
    let cache = tempfile::tempdir().unwrap();
    let options = cached_options(&server, cache.path());
    let cold = gather(std::slice::from_ref(&lock), &options);
    let entries = cache_entries(cache.path());
    assert!(!entries.is_empty());
    // Damage every entry a different way: flipped byte, truncation, emptied.
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
    server.clear_log();
    let again = gather(std::slice::from_ref(&lock), &options);
    assert_eq!(again, cold);
    assert_eq!(
        server.count_matching("/integrity/**"),
        entries.len(),
        "each damaged answer was fetched once more"
    );
    // And the cache healed.
    server.clear_log();
    assert_eq!(gather(std::slice::from_ref(&lock), &options), cold);
    assert_eq!(server.count_matching("/integrity/**"), 0);
}

#[test]
fn provenance_replaced_in_the_cache_is_verified_as_what_it_is() {
    // Bytes with a rebuilt envelope are taken as the index's answer and verified afresh:
    // tampered, they are invalid; they never borrow the original's result.
    let (_dir, server, lock) = setup();
    let cache = tempfile::tempdir().unwrap();
    let options = cached_options(&server, cache.path());
    let cold = gather(std::slice::from_ref(&lock), &options);
    assert!(cold[0].packages[0].artifacts[0]
        .provenance
        .verified()
        .is_some());
    for path in cache_entries(cache.path()) {
        rewrite_entry(&path, |body| tamper(&body));
    }
    let again = gather(std::slice::from_ref(&lock), &options);
    let status = &again[0].packages[0].artifacts[0].provenance;
    assert!(
        matches!(
            status,
            ProvenanceStatus::Invalid {
                reason: InvalidReason::Verification(_),
                ..
            }
        ),
        "{status:?}"
    );
    assert_eq!(server.count_matching("/integrity/sampleproject/**"), 1);
}

#[test]
fn offline_without_a_vendored_directory_fails_closed_whatever_the_cache_holds() {
    let (_dir, server, lock) = setup();
    let cache = tempfile::tempdir().unwrap();
    let mut options = cached_options(&server, cache.path());
    // Fill the cache online.
    let online = gather(std::slice::from_ref(&lock), &options);
    assert!(online[0].packages[0].artifacts[0]
        .provenance
        .verified()
        .is_some());
    server.clear_log();
    options.offline = true;
    let offline = gather(std::slice::from_ref(&lock), &options);
    assert_eq!(server.request_count(), 0);
    for package in &offline[0].packages {
        for artifact in &package.artifacts {
            let cause = cause(&artifact.provenance);
            assert!(
                cause.contains("offline") && cause.contains("--provenance-dir"),
                "{cause}"
            );
        }
        assert!(matches!(package.history, History::Unavailable { .. }));
    }
}

#[test]
fn offline_cached_provenance_counts_when_a_vendored_page_names_it() {
    let (_dir, server, lock) = setup();
    let cache = tempfile::tempdir().unwrap();
    let vendor = tempfile::tempdir().unwrap();
    let mut options = cached_options(&server, cache.path());
    options.record_into = Some(vendor.path().to_path_buf());
    let online = gather(std::slice::from_ref(&lock), &options);
    // Keep the vendored pages, drop the vendored provenance: the cache has it.
    for path in files_under(vendor.path()) {
        if path.to_string_lossy().ends_with(".provenance") {
            std::fs::remove_file(path).unwrap();
        }
    }
    server.clear_log();
    options.record_into = None;
    options.offline = true;
    options.provenance_dir = Some(vendor.path().to_path_buf());
    let report =
        gather_report_blocking(std::slice::from_ref(&lock), &options, &NoProgress).unwrap();
    assert_eq!(report.evidence, online);
    assert!(report.stats.cache_hits >= 4, "{:?}", report.stats);
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
    assert_eq!(server.count_matching("/integrity/**"), 0);
}

#[test]
fn no_cache_means_nothing_is_written() {
    let (_dir, server, lock) = setup();
    let options = options(&server);
    assert_eq!(options.cache_dir, None);
    gather(std::slice::from_ref(&lock), &options);
    server.clear_log();
    gather(std::slice::from_ref(&lock), &options);
    assert!(server.count_matching("/integrity/**") >= 4);
}

#[test]
fn negative_answers_are_never_cached() {
    // "No such project" and the integrity API's "no provenance" both weaken a verdict: they
    // are asked on every run, never read back from a directory others can write.
    let mut index = FakeIndex::new().api_version("1.0");
    index.add("plain", FakeFile::new("plain-1.0.tar.gz", &sha("aa")));
    let (_dir, server) = serve(&index);
    let cache = tempfile::tempdir().unwrap();
    let mut options = cached_options(&server, cache.path());
    options.authoritative_integrity = vec![SecretUrl::new(server.index_url())];
    let missing = package("missing", "1.0", &server.index_url(), &[]);
    let plain = package(
        "plain",
        "1.0",
        &server.index_url(),
        &[("plain-1.0.tar.gz", Some(&sha("aa")))],
    );
    let first = gather_one(missing.clone(), &options);
    assert!(matches!(
        first.artifacts[0].provenance,
        ProvenanceStatus::Invalid {
            reason: InvalidReason::ReleaseNotOnIndex,
            ..
        }
    ));
    let absent = gather_one(plain.clone(), &options);
    assert_eq!(absent.artifacts[0].provenance, ProvenanceStatus::Absent);
    assert!(cache_entries(cache.path()).is_empty());
    server.clear_log();
    assert_eq!(gather_one(missing, &options), first);
    assert_eq!(gather_one(plain, &options), absent);
    assert_eq!(server.count_matching("/simple/**"), 2);
    assert_eq!(server.count_matching("/integrity/**"), 1);
}

#[test]
fn entries_of_the_first_layout_are_never_read() {
    // `v1` held pages, negative answers and verification results. A v1 directory full of
    // answers (as an older pubgate, or a forger, left it) changes nothing.
    let (_dir, server, lock) = setup();
    let cache = tempfile::tempdir().unwrap();
    let options = cached_options(&server, cache.path());
    let honest = gather(std::slice::from_ref(&lock), &options);
    let v1 = cache.path().join("v1");
    std::fs::create_dir_all(v1.join("verified/00")).unwrap();
    std::fs::create_dir_all(v1.join("pages/00")).unwrap();
    std::fs::rename(cache.path().join("v2"), v1.join("provenance")).unwrap();
    server.clear_log();
    assert_eq!(gather(std::slice::from_ref(&lock), &options), honest);
    assert!(
        server.count_matching("/integrity/**") >= 4,
        "v1 was not read"
    );
}
