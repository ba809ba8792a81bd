//! Evidence outcomes against a fake PyPI on loopback: verified, absent, invalid, hash
//! mismatch, missing releases, requirements-style hashes, unhashed pins, HTML-only and
//! old-API indexes, ordering and progress.

mod index_common;

use std::sync::Mutex;

use index_common::*;
use pubgate::evidence::{History, InvalidReason, PackageEvidence, ProvenanceStatus};
use pubgate::index::{gather_blocking, Progress};
use pubgate::lockfile::{LockedPackage, Source};
use pubgate::testing::fake_pypi::{fixture_index, tamper, FakeFile, FakeIndex};
use pubgate::url::SecretUrl;
use pubgate::verify::{FailureReason, PublisherKind};

#[test]
fn real_attestation_served_by_the_index_verifies() {
    let (_dir, server) = serve(&fixture_index());
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &server.index_url(),
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
    );
    let evidence = gather_one(pkg, &options(&server));
    let verified = evidence.artifacts[0]
        .provenance
        .verified()
        .expect("verified");
    assert_eq!(verified.publisher.kind, PublisherKind::GitHub);
    assert_eq!(
        verified.publisher.repository.as_deref(),
        Some("pypa/sampleproject")
    );
    assert_eq!(verified.publisher.workflow.as_deref(), Some("release.yml"));
}

#[test]
fn real_provenance_is_fetched_from_the_link_the_page_gives_and_verified() {
    let (_dir, server) = serve(&fixture_index());
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &server.index_url(),
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
    );
    let evidence = gather_one(pkg, &options(&server));
    // Whatever the verifier says, the provenance was fetched and handed to it: the status
    // is verified or invalid, never absent or unavailable.
    assert!(
        matches!(
            evidence.artifacts[0].provenance,
            ProvenanceStatus::Verified(_)
                | ProvenanceStatus::Invalid {
                    reason: InvalidReason::Verification(_),
                    ..
                }
        ),
        "{:?}",
        evidence.artifacts[0].provenance
    );
    assert_eq!(
        server
            .count_matching("/integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz/provenance"),
        1
    );
    let requests = server.requests();
    let page = requests
        .iter()
        .find(|r| r.path == "/simple/sampleproject/")
        .unwrap();
    assert!(page
        .accept
        .as_deref()
        .unwrap()
        .starts_with("application/vnd.pypi.simple.v1+json"));
    assert!(page.user_agent.as_deref().unwrap().starts_with("pubgate/"));
}

#[test]
fn a_file_the_page_lists_without_provenance_is_absent_without_asking_further() {
    let index = index_of("plain", vec![FakeFile::new("plain-1.0.tar.gz", &sha("aa"))]);
    let (_dir, server) = serve(&index);
    let pkg = package(
        "plain",
        "1.0",
        &server.index_url(),
        &[("plain-1.0.tar.gz", Some(&sha("aa")))],
    );
    let evidence = gather_one(pkg, &options(&server));
    assert_eq!(
        slugs(&evidence),
        vec![("plain-1.0.tar.gz".to_string(), "absent")]
    );
    assert_eq!(server.count_matching("/integrity/**"), 0);
    assert_eq!(evidence.history, History::FirstRelease);
    assert!(evidence.artifacts[0].locked_hash);
}

#[test]
fn tampered_provenance_is_invalid() {
    let tampered = tamper(&fixture_provenance(SAMPLE_SDIST, SAMPLE_SHA));
    let index = index_of(
        "sampleproject",
        vec![FakeFile::new(SAMPLE_SDIST, SAMPLE_SHA).with_provenance(tampered)],
    );
    let (_dir, server) = serve(&index);
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &server.index_url(),
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
    );
    let evidence = gather_one(pkg, &options(&server));
    match &evidence.artifacts[0].provenance {
        ProvenanceStatus::Invalid {
            reason: InvalidReason::Verification(_),
            detail,
        } => {
            assert!(!detail.is_empty())
        }
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn tampered_provenance_fails_on_its_signature() {
    let tampered = tamper(&fixture_provenance(SAMPLE_SDIST, SAMPLE_SHA));
    let index = index_of(
        "sampleproject",
        vec![FakeFile::new(SAMPLE_SDIST, SAMPLE_SHA).with_provenance(tampered)],
    );
    let (_dir, server) = serve(&index);
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &server.index_url(),
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
    );
    let evidence = gather_one(pkg, &options(&server));
    // The flipped signature byte breaks the DSSE signature, and with it the match against
    // the signature Rekor logged; a verifier may report either first.
    assert!(
        matches!(
            evidence.artifacts[0].provenance,
            ProvenanceStatus::Invalid {
                reason: InvalidReason::Verification(
                    FailureReason::Signature | FailureReason::TlogBodyMismatch
                ),
                ..
            }
        ),
        "{:?}",
        evidence.artifacts[0].provenance
    );
}

#[test]
fn a_locked_hash_the_index_contradicts_is_invalid_and_its_provenance_is_not_fetched() {
    let (_dir, server) = serve(&fixture_index());
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &server.index_url(),
        &[(SAMPLE_SDIST, Some(&sha("ee")))],
    );
    let evidence = gather_one(pkg, &options(&server));
    match &evidence.artifacts[0].provenance {
        ProvenanceStatus::Invalid {
            reason: InvalidReason::IndexHashMismatch,
            detail,
        } => {
            assert!(
                detail.contains(&sha("ee")) && detail.contains(SAMPLE_SHA),
                "{detail}"
            );
        }
        other => panic!("expected a hash mismatch, got {other:?}"),
    }
    assert_eq!(
        evidence.artifacts[0].sha256.as_deref(),
        Some(sha("ee").as_str())
    );
    assert_eq!(
        server.count_matching("/integrity/sampleproject/4.0.0/**"),
        0
    );
}

#[test]
fn requirements_hashes_without_filenames_are_matched_by_sha256() {
    let index = index_of(
        "plain",
        vec![
            FakeFile::new("plain-1.0.tar.gz", &sha("aa")),
            FakeFile::new("plain-1.0-py3-none-any.whl", &sha("bb")),
        ],
    );
    let (_dir, server) = serve(&index);
    let pkg = package(
        "plain",
        "1.0",
        &server.index_url(),
        &[("", Some(&sha("bb"))), ("", Some(&sha("cc")))],
    );
    let evidence = gather_one(pkg, &options(&server));
    assert_eq!(
        evidence.artifacts[0].filename.as_deref().unwrap_or(""),
        "plain-1.0-py3-none-any.whl"
    );
    assert_eq!(evidence.artifacts[0].provenance, ProvenanceStatus::Absent);
    assert_eq!(evidence.artifacts[1].filename, None);
    assert!(matches!(
        evidence.artifacts[1].provenance,
        ProvenanceStatus::Invalid {
            reason: InvalidReason::NotOnIndex,
            ..
        }
    ));
}

#[test]
fn an_unhashed_pin_checks_every_file_of_the_release() {
    let (_dir, server) = serve(&fixture_index());
    let pkg = package("abi3info", "2024.10.8", &server.index_url(), &[]);
    let evidence = gather_one(pkg, &options(&server));
    let files: Vec<_> = evidence
        .artifacts
        .iter()
        .map(|a| {
            (
                a.filename.as_deref().unwrap_or(""),
                a.locked_hash,
                a.sha256.clone(),
            )
        })
        .collect();
    assert_eq!(
        files,
        vec![
            (ABI3_WHEEL_NEW, false, Some(ABI3_WHEEL_NEW_SHA.to_string())),
            (ABI3_SDIST_NEW, false, Some(ABI3_SDIST_NEW_SHA.to_string())),
        ]
    );
    assert_eq!(server.count_matching("/integrity/abi3info/2024.10.8/**"), 2);
}

#[test]
fn a_release_or_project_missing_from_the_index_is_its_own_outcome() {
    let (_dir, server) = serve(&fixture_index());
    let missing_release = package(
        "sampleproject",
        "9.9.9",
        &server.index_url(),
        &[("sampleproject-9.9.9.tar.gz", Some(&sha("aa")))],
    );
    let evidence = gather_one(missing_release, &options(&server));
    assert!(matches!(
        &evidence.artifacts[0].provenance,
        ProvenanceStatus::Invalid { reason: InvalidReason::ReleaseNotOnIndex, detail } if detail.contains("9.9.9")
    ));

    let missing_project = package("no-such-project", "1.0", &server.index_url(), &[]);
    let evidence = gather_one(missing_project, &options(&server));
    assert_eq!(
        evidence.artifacts.len(),
        1,
        "a package never ends up without evidence"
    );
    assert!(matches!(
        &evidence.artifacts[0].provenance,
        ProvenanceStatus::Invalid { reason: InvalidReason::ReleaseNotOnIndex, detail } if detail.contains("no project `no-such-project`")
    ));
    assert!(matches!(evidence.history, History::Unavailable { .. }));
}

#[test]
fn versions_match_after_pep440_normalization() {
    let index = index_of(
        "norm",
        vec![FakeFile::new("norm-1.0.0rc1.tar.gz", &sha("aa"))],
    );
    let (_dir, server) = serve(&index);
    let pkg = package("norm", "1.0-RC1", &server.index_url(), &[]);
    let evidence = gather_one(pkg, &options(&server));
    assert_eq!(
        slugs(&evidence),
        vec![("norm-1.0.0rc1.tar.gz".to_string(), "absent")]
    );
}

#[test]
fn non_index_sources_are_not_applicable_and_ask_nothing() {
    let (_dir, server) = serve(&FakeIndex::new());
    let mut pkg = package(
        "local",
        "1.0",
        &server.index_url(),
        &[("local-1.0.tar.gz", None)],
    );
    pkg.source = Source::Path {
        path: "./local".into(),
    };
    let evidence = gather_one(pkg, &options(&server));
    assert_eq!(
        evidence.artifacts[0].provenance,
        ProvenanceStatus::NotApplicable
    );
    assert_eq!(evidence.history, History::NotApplicable);
    assert_eq!(evidence.index_url, None);
    assert_eq!(server.request_count(), 0);
}

#[test]
fn an_html_only_index_gives_the_same_evidence_as_json() {
    let mut index = fixture_index();
    index.add("plain", FakeFile::new("plain-1.0.tar.gz", &sha("aa")));
    let (_dir, server) = serve(&index);
    let lock = lockfile(
        "uv.lock",
        vec![
            package(
                "sampleproject",
                "4.0.0",
                &server.index_url(),
                &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
            ),
            package("plain", "1.0", &server.index_url(), &[]),
            package("abi3info", "2024.10.8", &server.index_url(), &[]),
        ],
    );
    let json = gather(std::slice::from_ref(&lock), &options(&server));
    server.set_html_only(true);
    let html = gather(std::slice::from_ref(&lock), &options(&server));
    assert_eq!(json, html);
    assert!(server.count_matching("/integrity/**") >= 2);
}

#[test]
fn an_old_api_page_cannot_prove_absence_on_another_index() {
    let index = FakeIndex::new().api_version("1.1");
    let mut index = index;
    index.add("plain", FakeFile::new("plain-1.0.tar.gz", &sha("aa")));
    let (_dir, server) = serve(&index);
    let pkg = package(
        "plain",
        "1.0",
        &server.index_url(),
        &[("plain-1.0.tar.gz", Some(&sha("aa")))],
    );
    let evidence = gather_one(pkg, &options(&server));
    let cause = cause(&evidence.artifacts[0].provenance);
    assert!(
        cause.contains("simple API 1.1") && cause.contains("PEP 740"),
        "{cause}"
    );
    assert_eq!(server.count_matching("/integrity/**"), 0);

    // The same page as HTML without `pypi:repository-version` (1.0).
    server.set_html_only(true);
    let evidence = gather_one(
        package("plain", "1.0", &server.index_url(), &[]),
        &options(&server),
    );
    assert!(matches!(
        evidence.artifacts[0].provenance,
        ProvenanceStatus::Unavailable { .. }
    ));
}

#[test]
fn an_old_api_page_on_pypi_asks_the_integrity_api_directly() {
    let mut index = FakeIndex::new().api_version("1.0");
    index.add("plain", FakeFile::new("plain-1.0.tar.gz", &sha("aa")));
    index.add(
        "sampleproject",
        FakeFile::new(SAMPLE_SDIST, SAMPLE_SHA)
            .with_provenance(fixture_provenance(SAMPLE_SDIST, SAMPLE_SHA)),
    );
    let (_dir, server) = serve(&index);
    let mut opts = options(&server);
    opts.authoritative_integrity = vec![SecretUrl::new(server.index_url())];
    let lock = lockfile(
        "uv.lock",
        vec![
            package(
                "plain",
                "1.0",
                &server.index_url(),
                &[("plain-1.0.tar.gz", Some(&sha("aa")))],
            ),
            package(
                "sampleproject",
                "4.0.0",
                &server.index_url(),
                &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
            ),
        ],
    );
    let evidence = gather(&[lock], &opts);
    let packages = &evidence[0].packages;
    // "No provenance available" from PyPI's integrity API proves absence.
    assert_eq!(
        packages[0].artifacts[0].provenance,
        ProvenanceStatus::Absent
    );
    // Present provenance is fetched and verified.
    assert!(matches!(
        packages[1].artifacts[0].provenance,
        ProvenanceStatus::Verified(_)
            | ProvenanceStatus::Invalid {
                reason: InvalidReason::Verification(_),
                ..
            }
    ));
    assert_eq!(
        server.count_matching("/integrity/plain/1.0/plain-1.0.tar.gz/provenance"),
        1
    );
    assert_eq!(
        server
            .count_matching("/integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz/provenance"),
        1
    );
}

#[test]
fn a_provenance_link_that_answers_404_is_unavailable_not_absent() {
    let index = index_of(
        "plain",
        vec![FakeFile::new("plain-1.0.tar.gz", &sha("aa")).with_provenance(b"{}".to_vec())],
    );
    let (dir, server) = serve(&index);
    std::fs::remove_dir_all(dir.path().join("integrity")).unwrap();
    let evidence = gather_one(
        package("plain", "1.0", &server.index_url(), &[]),
        &options(&server),
    );
    let cause = cause(&evidence.artifacts[0].provenance);
    assert!(cause.contains("answers 404"), "{cause}");
}

#[test]
fn files_without_any_sha256_cannot_be_bound_to_their_provenance() {
    let provenance = fixture_provenance(SAMPLE_SDIST, SAMPLE_SHA);
    let index = index_of(
        "sampleproject",
        vec![FakeFile::new(SAMPLE_SDIST, SAMPLE_SHA)
            .without_hash()
            .with_provenance(provenance)],
    );
    let (_dir, server) = serve(&index);
    let evidence = gather_one(
        package("sampleproject", "4.0.0", &server.index_url(), &[]),
        &options(&server),
    );
    assert!(cause(&evidence.artifacts[0].provenance).contains("cannot be bound"));
    // With the hash locked, the lock's hash binds it.
    let evidence = gather_one(
        package(
            "sampleproject",
            "4.0.0",
            &server.index_url(),
            &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
        ),
        &options(&server),
    );
    assert!(!matches!(
        evidence.artifacts[0].provenance,
        ProvenanceStatus::Unavailable { .. }
    ));
}

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Progress for Recorder {
    fn planned(&self, packages: usize) {
        self.0.lock().unwrap().push(format!("planned {packages}"));
    }
    fn started(&self, package: &LockedPackage) {
        self.0
            .lock()
            .unwrap()
            .push(format!("started {}", package.name));
    }
    fn finished(&self, package: &LockedPackage, evidence: &PackageEvidence) {
        assert_eq!(package.name, evidence.package.name);
        self.0
            .lock()
            .unwrap()
            .push(format!("finished {}", package.name));
    }
}

#[test]
fn output_follows_lockfile_order_and_progress_sees_every_package() {
    let mut index = FakeIndex::new();
    let names: Vec<String> = (0..30).map(|i| format!("pkg{i:02}")).collect();
    for name in &names {
        index.add(
            name,
            FakeFile::new(&format!("{name}-1.0.tar.gz"), &sha("ab")),
        );
    }
    let (_dir, server) = serve(&index);
    // Later packages answer faster, so completion order differs from lockfile order.
    server.add_fault(
        pubgate::testing::fake_pypi::FaultRule::new(
            "/simple/pkg0*/",
            pubgate::testing::fake_pypi::Fault::Latency(std::time::Duration::from_millis(150)),
        )
        .unwrap(),
    );
    let url = server.index_url();
    let first = lockfile(
        "a/uv.lock",
        names[..20]
            .iter()
            .rev()
            .map(|n| package(n, "1.0", &url, &[]))
            .collect(),
    );
    let second = lockfile(
        "b/uv.lock",
        names[20..]
            .iter()
            .map(|n| package(n, "1.0", &url, &[]))
            .collect(),
    );
    let recorder = Recorder::default();
    let evidence = gather_blocking(
        &[first.clone(), second.clone()],
        &options(&server),
        &recorder,
    )
    .unwrap();
    assert_eq!(evidence.len(), 2);
    assert_eq!(evidence[0].path, first.path);
    let order: Vec<_> = evidence[0]
        .packages
        .iter()
        .map(|p| p.package.name.to_string())
        .collect();
    let expected: Vec<_> = first.packages.iter().map(|p| p.name.to_string()).collect();
    assert_eq!(order, expected);
    assert_eq!(evidence[1].packages.len(), 10);
    {
        let events = recorder.0.lock().unwrap();
        assert_eq!(events[0], "planned 30");
        assert_eq!(
            events.iter().filter(|e| e.starts_with("started")).count(),
            30
        );
        assert_eq!(
            events.iter().filter(|e| e.starts_with("finished")).count(),
            30
        );
    }
    // Running again gives the same evidence.
    let again = gather_blocking(&[first, second], &options(&server), &recorder).unwrap();
    assert_eq!(again, evidence);
}

#[test]
fn the_same_page_and_provenance_are_fetched_once_per_run() {
    let (_dir, server) = serve(&fixture_index());
    let url = server.index_url();
    let pkg = || {
        package(
            "abi3info",
            "2024.10.8",
            &url,
            &[(ABI3_WHEEL_NEW, Some(ABI3_WHEEL_NEW_SHA))],
        )
    };
    let lock_a = lockfile("a/uv.lock", vec![pkg(), pkg()]);
    let lock_b = lockfile("b/uv.lock", vec![pkg()]);
    let evidence = gather(&[lock_a, lock_b], &options(&server));
    assert_eq!(evidence[0].packages[0], evidence[1].packages[0]);
    assert_eq!(server.count_matching("/simple/abi3info/"), 1);
    assert_eq!(
        server.count_matching(
            "/integrity/abi3info/2024.10.8/abi3info-2024.10.8-py3-none-any.whl/provenance"
        ),
        1
    );
}

#[test]
fn the_default_index_stands_in_for_pypi_and_other_indexes_are_used_as_named() {
    let (_dir, pypi) = serve(&index_of(
        "plain",
        vec![FakeFile::new("plain-1.0.tar.gz", &sha("aa"))],
    ));
    let (_dir2, other) = serve(&index_of(
        "private",
        vec![FakeFile::new("private-2.0.tar.gz", &sha("bb"))],
    ));
    let lock = lockfile(
        "uv.lock",
        vec![
            package("plain", "1.0", "https://pypi.org/simple/", &[]),
            package("private", "2.0", &other.index_url(), &[]),
        ],
    );
    let evidence = gather(&[lock], &options(&pypi));
    assert_eq!(
        evidence[0].packages[0].index_url,
        Some(SecretUrl::new(pypi.index_url()))
    );
    assert_eq!(
        evidence[0].packages[0].artifacts[0].provenance,
        ProvenanceStatus::Absent
    );
    assert_eq!(
        evidence[0].packages[1].index_url,
        Some(SecretUrl::new(other.index_url()))
    );
    assert_eq!(
        evidence[0].packages[1].artifacts[0].provenance,
        ProvenanceStatus::Absent
    );
    assert_eq!(pypi.count_matching("/simple/private/"), 0);
    assert_eq!(other.count_matching("/simple/private/"), 1);
}

#[tokio::test]
async fn the_async_api_runs_on_the_callers_runtime() {
    let (_dir, server) = serve(&fixture_index());
    let lock = lockfile(
        "uv.lock",
        vec![package("abi3info", "2024.10.8", &server.index_url(), &[])],
    );
    let evidence = pubgate::index::gather(&[lock], &options(&server), &pubgate::index::NoProgress)
        .await
        .unwrap();
    assert_eq!(evidence[0].packages[0].artifacts.len(), 2);
    // Dropping a gather midway stops its work instead of leaving requests running.
    server.add_fault(
        pubgate::testing::fake_pypi::FaultRule::new(
            "/simple/sampleproject/",
            pubgate::testing::fake_pypi::Fault::Hang,
        )
        .unwrap(),
    );
    let hanging = lockfile(
        "uv.lock",
        vec![package("sampleproject", "4.0.0", &server.index_url(), &[])],
    );
    let opts = options(&server);
    let cut_short = tokio::time::timeout(
        std::time::Duration::from_millis(200),
        pubgate::index::gather(
            std::slice::from_ref(&hanging),
            &opts,
            &pubgate::index::NoProgress,
        ),
    )
    .await;
    assert!(cut_short.is_err());
    tokio::time::sleep(std::time::Duration::from_millis(2500)).await;
    assert_eq!(
        server.count_matching("/simple/sampleproject/"),
        1,
        "no retry ran after the gather was dropped"
    );
}
