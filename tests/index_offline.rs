//! Vendoring: what `pubgate fetch --into DIR` records is everything an
//! `--offline --provenance-dir DIR` run needs to give the same evidence, in a layout people
//! can browse.

mod index_common;

use index_common::*;
use pubgate::evidence::{History, ProvenanceStatus};
use pubgate::index::{gather_report_blocking, NoProgress};
use pubgate::lockfile::Lockfile;
use pubgate::testing::fake_pypi::{fixture_index, FakeFile, FakeIndex, FakePypi};
use pubgate::url::SecretUrl;

fn setup() -> (tempfile::TempDir, FakePypi, Lockfile) {
    let mut index = fixture_index();
    index.add("plain", FakeFile::new("plain-1.0.tar.gz", &sha("aa")));
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
            package("gone", "1.0", &url, &[]),
        ],
    );
    (dir, server, lock)
}

fn host_dir(server: &FakePypi) -> String {
    format!("127.0.0.1_{}", server.addr().port())
}

#[test]
fn an_offline_run_from_a_fetched_directory_gives_the_same_evidence() {
    let (_dir, server, lock) = setup();
    let vendor = tempfile::tempdir().unwrap();
    let mut online = options(&server);
    online.record_into = Some(vendor.path().to_path_buf());
    let fetched =
        gather_report_blocking(std::slice::from_ref(&lock), &online, &NoProgress).unwrap();
    assert!(
        fetched.record_errors.is_empty(),
        "{:?}",
        fetched.record_errors
    );
    assert_eq!(fetched.stats.recorded, server.request_count());
    server.clear_log();

    let mut offline = options(&server);
    offline.offline = true;
    offline.provenance_dir = Some(vendor.path().to_path_buf());
    let replayed =
        gather_report_blocking(std::slice::from_ref(&lock), &offline, &NoProgress).unwrap();
    assert_eq!(server.request_count(), 0);
    assert_eq!(replayed.evidence, fetched.evidence);
    assert_eq!(replayed.stats.vendor_hits, fetched.stats.recorded);

    // The history was vendored too.
    let abi3 = &replayed.evidence[0].packages[1];
    assert!(matches!(&abi3.history, History::Previous(p) if p.version == "2024.10.3"));
}

#[test]
fn the_directory_is_laid_out_by_host_and_path() {
    let (_dir, server, lock) = setup();
    let vendor = tempfile::tempdir().unwrap();
    let mut online = options(&server);
    online.record_into = Some(vendor.path().to_path_buf());
    gather_report_blocking(std::slice::from_ref(&lock), &online, &NoProgress).unwrap();
    let host = vendor.path().join(host_dir(&server));
    for path in [
        "simple/sampleproject/index.json",
        "simple/abi3info/index.json",
        "simple/plain/index.json",
        "simple/gone/not-found",
        "integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz.provenance",
        "integrity/abi3info/2024.10.8/abi3info-2024.10.8.tar.gz.provenance",
        "integrity/abi3info/2024.10.8/abi3info-2024.10.8-py3-none-any.whl.provenance",
        "integrity/abi3info/2024.10.3/abi3info-2024.10.3-py3-none-any.whl.provenance",
    ] {
        assert!(host.join(path).is_file(), "missing {path}");
    }
    assert!(vendor.path().join("README.txt").is_file());
    // Provenance is stored byte for byte.
    assert_eq!(
        std::fs::read(
            host.join("integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz.provenance")
        )
        .unwrap(),
        fixture_provenance(SAMPLE_SDIST, SAMPLE_SHA)
    );
    assert!(
        !host.join("integrity/plain").exists(),
        "absent provenance needs no file"
    );
}

#[test]
fn a_missing_vendored_answer_is_unavailable_and_names_the_directory() {
    let (_dir, server, lock) = setup();
    let vendor = tempfile::tempdir().unwrap();
    let mut online = options(&server);
    online.record_into = Some(vendor.path().to_path_buf());
    gather_report_blocking(std::slice::from_ref(&lock), &online, &NoProgress).unwrap();
    let fetching_requests = server.request_count();
    std::fs::remove_file(
        vendor
            .path()
            .join(host_dir(&server))
            .join("integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz.provenance"),
    )
    .unwrap();
    let mut offline = options(&server);
    offline.offline = true;
    offline.provenance_dir = Some(vendor.path().to_path_buf());
    let evidence = gather(std::slice::from_ref(&lock), &offline);
    let cause = cause(&evidence[0].packages[0].artifacts[0].provenance);
    assert!(
        cause.contains("not in the provenance directory") && cause.contains("pubgate fetch"),
        "{cause}"
    );
    assert_eq!(
        server.request_count(),
        fetching_requests,
        "only the fetching run asked the index"
    );
}

#[test]
fn online_runs_read_the_directory_first_and_fill_gaps_from_the_index() {
    let (_dir, server, lock) = setup();
    let vendor = tempfile::tempdir().unwrap();
    let partial = lockfile("uv.lock", lock.packages[..1].to_vec());
    let mut online = options(&server);
    online.record_into = Some(vendor.path().to_path_buf());
    gather(std::slice::from_ref(&partial), &online);
    server.clear_log();
    let mut reading = options(&server);
    reading.provenance_dir = Some(vendor.path().to_path_buf());
    let evidence = gather(std::slice::from_ref(&lock), &reading);
    assert_eq!(server.count_matching("/simple/sampleproject/"), 0);
    assert_eq!(server.count_matching("/simple/abi3info/"), 1);
    assert_eq!(evidence[0].packages.len(), 5);
}

#[test]
fn integrity_answers_asked_directly_are_vendored_too() {
    let mut index = FakeIndex::new().api_version("1.0");
    index.add("plain", FakeFile::new("plain-1.0.tar.gz", &sha("aa")));
    index.add("plain", FakeFile::new("plain-0.9.tar.gz", &sha("ab")));
    let (_dir, server) = serve(&index);
    let lock = lockfile(
        "uv.lock",
        vec![package("plain", "1.0", &server.index_url(), &[])],
    );
    let vendor = tempfile::tempdir().unwrap();
    let mut online = options(&server);
    online.authoritative_integrity = vec![SecretUrl::new(server.index_url())];
    online.record_into = Some(vendor.path().to_path_buf());
    let fetched = gather(std::slice::from_ref(&lock), &online);
    assert_eq!(
        fetched[0].packages[0].artifacts[0].provenance,
        ProvenanceStatus::Absent
    );
    let marker = vendor
        .path()
        .join(host_dir(&server))
        .join("integrity/plain/1.0/plain-1.0.tar.gz.no-provenance");
    assert!(marker.is_file());

    let mut offline = online.clone();
    offline.record_into = None;
    offline.offline = true;
    offline.provenance_dir = Some(vendor.path().to_path_buf());
    server.clear_log();
    assert_eq!(gather(std::slice::from_ref(&lock), &offline), fetched);
    assert_eq!(server.request_count(), 0);
}

#[test]
fn recording_into_an_unwritable_place_is_reported() {
    let (_dir, server, lock) = setup();
    let file = tempfile::NamedTempFile::new().unwrap();
    let mut online = options(&server);
    // A regular file where the directory should be.
    online.record_into = Some(file.path().join("sub"));
    let report = gather_report_blocking(std::slice::from_ref(&lock), &online, &NoProgress).unwrap();
    assert!(!report.record_errors.is_empty());
    assert!(
        report.record_errors[0].contains("cannot write"),
        "{:?}",
        report.record_errors
    );
}
