//! History: the most recent earlier release whose files carry provenance (PEP 440 order,
//! yanked, pre- and dev releases included; unattested releases in between passed over) and
//! the provenance of its files, with the extra requests bounded.

mod index_common;

use index_common::*;
use pubgate::evidence::{
    History, HistoryUnavailable, InvalidReason, PackageEvidence, PreviousRelease, ProvenanceStatus,
    WalkBound, PASSED_OVER_MAX,
};
use pubgate::index::resolve::LEGACY_RELEASES_MAX;
use pubgate::testing::fake_pypi::{fixture_index, tamper, FakeFile, FakeIndex};
use pubgate::url::SecretUrl;

fn previous(evidence: &PackageEvidence) -> &PreviousRelease {
    match &evidence.history {
        History::Previous(previous) => previous,
        other => panic!("expected a previous release, got {other:?}"),
    }
}

fn fetched(status: &ProvenanceStatus) -> bool {
    matches!(
        status,
        ProvenanceStatus::Verified(_)
            | ProvenanceStatus::Invalid {
                reason: InvalidReason::Verification(_),
                ..
            }
    )
}

#[test]
fn the_previous_release_and_its_provenance_are_examined() {
    let (_dir, server) = serve(&fixture_index());
    let pkg = package(
        "abi3info",
        "2024.10.8",
        &server.index_url(),
        &[(ABI3_WHEEL_NEW, Some(ABI3_WHEEL_NEW_SHA))],
    );
    let evidence = gather_one(pkg, &options(&server));
    let previous = previous(&evidence);
    assert_eq!(previous.version, "2024.10.3");
    assert_eq!(previous.artifacts.len(), 1);
    assert_eq!(
        previous.artifacts[0].filename.as_deref().unwrap_or(""),
        "abi3info-2024.10.3-py3-none-any.whl"
    );
    assert!(!previous.artifacts[0].locked_hash);
    assert!(
        fetched(&previous.artifacts[0].provenance),
        "{:?}",
        previous.artifacts[0].provenance
    );
}

#[test]
fn a_previous_release_by_the_same_publisher_verifies_alike() {
    let (_dir, server) = serve(&fixture_index());
    let pkg = package(
        "abi3info",
        "2024.10.8",
        &server.index_url(),
        &[(ABI3_WHEEL_NEW, Some(ABI3_WHEEL_NEW_SHA))],
    );
    let evidence = gather_one(pkg, &options(&server));
    let now = evidence.artifacts[0]
        .provenance
        .verified()
        .expect("verified");
    let before = previous(&evidence).artifacts[0]
        .provenance
        .verified()
        .expect("verified");
    assert_eq!(
        now.publisher.repository.as_deref(),
        Some("woodruffw/abi3info")
    );
    assert_eq!(before.publisher.repository, now.publisher.repository);
    assert_eq!(before.publisher.workflow, now.publisher.workflow);
}

#[test]
fn a_previous_release_by_another_publisher_shows_the_change() {
    let (_dir, server) = serve(&fixture_index());
    let pkg = package(
        "pypi-attestations",
        "0.0.30",
        &server.index_url(),
        &[(PA_WHEEL_30, Some(PA_WHEEL_30_SHA))],
    );
    let evidence = gather_one(pkg, &options(&server));
    let now = evidence.artifacts[0]
        .provenance
        .verified()
        .expect("verified");
    let previous = previous(&evidence);
    assert_eq!(previous.version, "0.0.19");
    let before = previous.artifacts[0]
        .provenance
        .verified()
        .expect("verified");
    assert_eq!(
        now.publisher.repository.as_deref(),
        Some("pypi/pypi-attestations")
    );
    assert_eq!(
        before.publisher.repository.as_deref(),
        Some("trailofbits/pypi-attestations")
    );
}

#[test]
fn a_previous_release_by_another_publisher_is_fetched() {
    let (_dir, server) = serve(&fixture_index());
    let pkg = package(
        "pypi-attestations",
        "0.0.30",
        &server.index_url(),
        &[(PA_WHEEL_30, Some(PA_WHEEL_30_SHA))],
    );
    let evidence = gather_one(pkg, &options(&server));
    let previous = previous(&evidence);
    assert_eq!(previous.version, "0.0.19");
    assert_eq!(
        previous.artifacts[0].filename.as_deref().unwrap_or(""),
        "pypi_attestations-0.0.19.tar.gz"
    );
    assert!(fetched(&previous.artifacts[0].provenance));
}

#[test]
fn an_unattested_previous_release_is_passed_over() {
    let (_dir, server) = serve(&fixture_index());
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &server.index_url(),
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
    );
    let evidence = gather_one(pkg, &options(&server));
    assert_eq!(
        evidence.history,
        History::NoAttestedRelease {
            passed_over: vec!["3.0.0".into()]
        }
    );
    assert_eq!(
        server.count_matching("/integrity/sampleproject/3.0.0/**"),
        0
    );
}

/// The verified publisher repository of every examined file of the previous release.
fn previous_publishers(evidence: &PackageEvidence) -> Vec<Option<String>> {
    previous(evidence)
        .artifacts
        .iter()
        .map(|a| {
            a.provenance
                .verified()
                .and_then(|v| v.publisher.repository.clone())
        })
        .collect()
}

#[test]
fn unattested_releases_in_between_are_passed_over_without_a_request() {
    // The stolen-token move: attested 1.0, then unattested uploads, then the locked release.
    let index = index_of(
        "demo",
        vec![
            signed("demo-1.0.tar.gz", "owner/demo"),
            unsigned("demo-1.1.tar.gz"),
            unsigned("demo-1.1-py3-none-any.whl"),
            unsigned("demo-1.1.post1.tar.gz"),
            unsigned("demo-1.2.tar.gz"),
        ],
    );
    let (_dir, server) = serve(&index);
    let evidence = gather_one(
        package(
            "demo",
            "1.2",
            &server.index_url(),
            &[("demo-1.2.tar.gz", None)],
        ),
        &signer_options(&server),
    );
    let previous = previous(&evidence);
    assert_eq!(previous.version, "1.0");
    assert_eq!(previous.passed_over, vec!["1.1.post1", "1.1"]);
    assert!(!previous.yanked);
    assert_eq!(
        previous_publishers(&evidence),
        vec![Some("owner/demo".into())]
    );
    assert_eq!(server.count_matching("/integrity/demo/1.1*/**"), 0);
    assert_eq!(server.count_matching("/integrity/**"), 1);
}

#[test]
fn a_yanked_last_attested_release_still_counts() {
    let index = index_of(
        "demo",
        vec![
            signed("demo-0.9.tar.gz", "owner/demo"),
            signed("demo-1.0.tar.gz", "owner/demo").yanked(),
            signed("demo-1.0-py3-none-any.whl", "owner/demo").yanked(),
            unsigned("demo-1.1.tar.gz").yanked(),
            signed("demo-2.0.tar.gz", "someone-else/demo"),
        ],
    );
    let (_dir, server) = serve(&index);
    let evidence = gather_one(
        package("demo", "2.0", &server.index_url(), &[]),
        &signer_options(&server),
    );
    let previous = previous(&evidence);
    assert_eq!(previous.version, "1.0");
    assert!(previous.yanked);
    assert_eq!(previous.passed_over, vec!["1.1"]);
    assert_eq!(
        previous_publishers(&evidence),
        vec![Some("owner/demo".into()), Some("owner/demo".into())]
    );
}

#[test]
fn pre_and_dev_releases_count_as_earlier_releases() {
    let index = index_of(
        "demo",
        vec![
            signed("demo-1.0.tar.gz", "owner/demo"),
            signed("demo-2.0rc1.tar.gz", "rc-owner/demo"),
            unsigned("demo-2.0rc2.tar.gz"),
            signed("demo-2.1.dev1.tar.gz", "dev-owner/demo"),
            unsigned("demo-2.0.tar.gz"),
            unsigned("demo-2.1.tar.gz"),
        ],
    );
    let (_dir, server) = serve(&index);
    let opts = signer_options(&server);
    let evidence = gather_one(package("demo", "2.0", &server.index_url(), &[]), &opts);
    assert_eq!(previous(&evidence).version, "2.0rc1");
    assert_eq!(previous(&evidence).passed_over, vec!["2.0rc2"]);
    assert_eq!(
        previous_publishers(&evidence),
        vec![Some("rc-owner/demo".into())]
    );
    let evidence = gather_one(package("demo", "2.1", &server.index_url(), &[]), &opts);
    assert_eq!(previous(&evidence).version, "2.1.dev1");
}

#[test]
fn an_earlier_release_whose_provenance_is_tampered_is_kept_as_invalid() {
    let tampered = {
        let file = signed("demo-1.1.tar.gz", "owner/demo");
        let bytes = tamper(file.provenance.as_deref().unwrap());
        FakeFile {
            provenance: Some(bytes),
            ..file
        }
    };
    let index = index_of(
        "demo",
        vec![
            signed("demo-1.0.tar.gz", "owner/demo"),
            tampered,
            unsigned("demo-1.2.tar.gz"),
        ],
    );
    let (_dir, server) = serve(&index);
    let evidence = gather_one(
        package("demo", "1.2", &server.index_url(), &[]),
        &signer_options(&server),
    );
    let previous = previous(&evidence);
    assert_eq!(
        previous.version, "1.1",
        "never skipped for failing verification"
    );
    assert!(
        matches!(
            previous.artifacts[0].provenance,
            ProvenanceStatus::Invalid {
                reason: InvalidReason::Verification(_),
                ..
            }
        ),
        "{:?}",
        previous.artifacts[0].provenance
    );
}

#[test]
fn an_earlier_release_whose_provenance_cannot_be_fetched_is_unavailable() {
    let index = index_of(
        "demo",
        vec![
            signed("demo-1.0.tar.gz", "owner/demo"),
            unsigned("demo-1.1.tar.gz"),
        ],
    );
    let (_dir, server) = serve(&index);
    server.add_fault(
        pubgate::testing::fake_pypi::FaultRule::new(
            "/integrity/demo/1.0/**",
            pubgate::testing::fake_pypi::Fault::Status {
                status: 503,
                retry_after: None,
            },
        )
        .unwrap(),
    );
    let evidence = gather_one(
        package("demo", "1.1", &server.index_url(), &[]),
        &signer_options(&server),
    );
    let previous = previous(&evidence);
    assert_eq!(previous.version, "1.0");
    assert!(cause(&previous.artifacts[0].provenance).contains("503"));
}

#[test]
fn no_attested_earlier_release_is_its_own_outcome_and_the_first_release_is_the_first() {
    let index = index_of(
        "demo",
        vec![
            unsigned("demo-0.9.tar.gz").yanked(),
            unsigned("demo-1.0.tar.gz"),
            signed("demo-1.1.tar.gz", "owner/demo"),
        ],
    );
    let (_dir, server) = serve(&index);
    let opts = signer_options(&server);
    let evidence = gather_one(package("demo", "1.1", &server.index_url(), &[]), &opts);
    assert_eq!(
        evidence.history,
        History::NoAttestedRelease {
            passed_over: vec!["1.0".into(), "0.9".into()]
        }
    );
    // A yanked earlier release is still an earlier release.
    let evidence = gather_one(package("demo", "1.0", &server.index_url(), &[]), &opts);
    assert_eq!(
        evidence.history,
        History::NoAttestedRelease {
            passed_over: vec!["0.9".into()]
        }
    );
    let evidence = gather_one(package("demo", "0.9", &server.index_url(), &[]), &opts);
    assert_eq!(evidence.history, History::FirstRelease);
}

#[test]
fn the_passed_over_list_is_capped_at_the_nearest_releases() {
    let mut files: Vec<FakeFile> = (0..PASSED_OVER_MAX + 10)
        .map(|i| unsigned(&format!("demo-1.{i}.tar.gz")))
        .collect();
    files.push(signed("demo-0.1.tar.gz", "owner/demo"));
    files.push(unsigned("demo-2.0.tar.gz"));
    let (_dir, server) = serve(&index_of("demo", files));
    let evidence = gather_one(
        package("demo", "2.0", &server.index_url(), &[]),
        &signer_options(&server),
    );
    let previous = previous(&evidence);
    assert_eq!(previous.version, "0.1", "found past the cap");
    assert_eq!(previous.passed_over.len(), PASSED_OVER_MAX);
    assert_eq!(
        previous.passed_over[0],
        format!("1.{}", PASSED_OVER_MAX + 9)
    );
    assert_eq!(previous.passed_over[PASSED_OVER_MAX - 1], "1.10");
}

#[test]
fn attested_files_of_the_previous_release_are_examined_first() {
    let mut files: Vec<FakeFile> = (0..12)
        .map(|i| {
            unsigned(&format!(
                "demo-1.0-cp3{i:02}-cp3{i:02}-manylinux_2_17_x86_64.whl"
            ))
        })
        .collect();
    files.push(signed("demo-1.0-py3-none-any.whl", "owner/demo"));
    files.push(unsigned("demo-2.0-cp300-cp300-manylinux_2_17_x86_64.whl"));
    let (_dir, server) = serve(&index_of("demo", files));
    let mut opts = signer_options(&server);
    opts.history_max_files = 2;
    let evidence = gather_one(
        package(
            "demo",
            "2.0",
            &server.index_url(),
            &[("demo-2.0-cp300-cp300-manylinux_2_17_x86_64.whl", None)],
        ),
        &opts,
    );
    let files: Vec<(&str, &str)> = previous(&evidence)
        .artifacts
        .iter()
        .map(|a| (a.filename.as_deref().unwrap_or(""), a.provenance.slug()))
        .collect();
    assert_eq!(
        files,
        vec![
            ("demo-1.0-cp300-cp300-manylinux_2_17_x86_64.whl", "absent"),
            ("demo-1.0-py3-none-any.whl", "verified"),
        ]
    );
}

#[test]
fn pages_older_than_pep740_walk_back_through_the_integrity_api_when_it_is_authoritative() {
    let mut index = FakeIndex::new().api_version("1.0");
    index.add("demo", signed("demo-1.0.tar.gz", "owner/demo"));
    index.add("demo", unsigned("demo-1.1.tar.gz"));
    index.add("demo", unsigned("demo-1.2.tar.gz"));
    let (_dir, server) = serve(&index);
    let mut opts = signer_options(&server);
    opts.authoritative_integrity = vec![SecretUrl::new(server.index_url())];
    let evidence = gather_one(package("demo", "1.2", &server.index_url(), &[]), &opts);
    let attested = previous(&evidence);
    assert_eq!(attested.version, "1.0");
    assert_eq!(attested.passed_over, vec!["1.1"]);
    assert_eq!(
        previous_publishers(&evidence),
        vec![Some("owner/demo".into())]
    );

    // Elsewhere such a page cannot say: the nearest release is examined, unavailable.
    opts.authoritative_integrity.clear();
    let evidence = gather_one(package("demo", "1.2", &server.index_url(), &[]), &opts);
    let nearest = previous(&evidence);
    assert_eq!(nearest.version, "1.1");
    assert!(cause(&nearest.artifacts[0].provenance).contains("older than 1.3"));
}

#[test]
fn the_walk_through_the_integrity_api_is_bounded() {
    let mut index = FakeIndex::new().api_version("1.0");
    index.add("demo", signed("demo-0.1.tar.gz", "owner/demo"));
    for i in 0..LEGACY_RELEASES_MAX + 2 {
        index.add("demo", unsigned(&format!("demo-1.{i}.tar.gz")));
    }
    index.add("demo", unsigned("demo-2.0.tar.gz"));
    let (_dir, server) = serve(&index);
    let mut opts = signer_options(&server);
    opts.authoritative_integrity = vec![SecretUrl::new(server.index_url())];
    let evidence = gather_one(package("demo", "2.0", &server.index_url(), &[]), &opts);
    match &evidence.history {
        History::Unavailable {
            cause:
                HistoryUnavailable::WalkBound {
                    api_version,
                    bound: WalkBound::Releases { max },
                    ..
                },
        } => {
            assert_eq!(api_version, "1.0");
            assert_eq!(*max, LEGACY_RELEASES_MAX);
        }
        other => panic!("expected unavailable history, got {other:?}"),
    }
    // The locked file and the releases walked, nothing more.
    assert_eq!(
        server.count_matching("/integrity/**"),
        1 + LEGACY_RELEASES_MAX
    );
}

/// Every file has provenance (placeholders that fail verification): only the order counts.
fn release_index() -> FakeIndex {
    let mut index = FakeIndex::new();
    let files = [
        ("demo-0.9.tar.gz", false),
        ("demo-1.0.tar.gz", false),
        ("demo-1.1.tar.gz", true),
        ("demo-1.2rc1.tar.gz", false),
        ("demo-1.2.dev3.tar.gz", false),
        ("demo-not.a.version.tar.gz", false),
        ("demo-2.0.tar.gz", false),
        ("demo-2.0+cpu.tar.gz", false),
        ("demo-3.0a1.tar.gz", false),
    ];
    for (filename, yanked) in files {
        let file = FakeFile::new(
            filename,
            &pubgate::testing::fake_pypi::synthetic_sha256(filename),
        )
        .with_provenance(b"{\"version\": 1, \"attestation_bundles\": []}".to_vec());
        index.add("demo", if yanked { file.yanked() } else { file });
    }
    index
}

#[test]
fn the_nearest_earlier_release_in_pep440_order_is_taken() {
    let (_dir, server) = serve(&release_index());
    let evidence = gather_one(
        package("demo", "2.0", &server.index_url(), &[]),
        &options(&server),
    );
    assert_eq!(previous(&evidence).version, "1.2rc1");
    let evidence = gather_one(
        package("demo", "1.2rc1", &server.index_url(), &[]),
        &options(&server),
    );
    assert_eq!(previous(&evidence).version, "1.2.dev3");
    let evidence = gather_one(
        package("demo", "1.2.dev3", &server.index_url(), &[]),
        &options(&server),
    );
    assert_eq!(previous(&evidence).version, "1.1", "yanked");
    assert!(previous(&evidence).yanked);
}

#[test]
fn a_local_version_looks_before_its_public_version() {
    let (_dir, server) = serve(&release_index());
    let evidence = gather_one(
        package("demo", "3.0a1", &server.index_url(), &[]),
        &options(&server),
    );
    assert_eq!(
        previous(&evidence).version,
        "2.0+cpu",
        "local versions sort after their public one"
    );
    let evidence = gather_one(
        package("demo", "2.0+cpu", &server.index_url(), &[]),
        &options(&server),
    );
    assert_eq!(
        previous(&evidence).version,
        "1.2rc1",
        "a local version's predecessor is before its public version"
    );
}

#[test]
fn the_first_release_has_no_history_and_a_non_pep440_version_has_none_known() {
    let (_dir, server) = serve(&release_index());
    let evidence = gather_one(
        package("demo", "0.9", &server.index_url(), &[]),
        &options(&server),
    );
    assert_eq!(evidence.history, History::FirstRelease);
    let evidence = gather_one(
        package("demo", "not.a.version", &server.index_url(), &[]),
        &options(&server),
    );
    assert_eq!(evidence.artifacts.len(), 1, "matched literally");
    assert!(matches!(&evidence.history, History::NotApplicable),);
}

#[test]
fn history_requests_are_bounded_and_prefer_files_like_the_locked_ones() {
    let mut index = FakeIndex::new();
    let provenance = || b"{\"version\": 1, \"attestation_bundles\": []}".to_vec();
    for i in 0..20 {
        let old = format!("wide-1.0-cp3{i:02}-cp3{i:02}-manylinux_2_17_x86_64.whl");
        index.add(
            "wide",
            FakeFile::new(&old, &pubgate::testing::fake_pypi::synthetic_sha256(&old))
                .with_provenance(provenance()),
        );
    }
    index.add(
        "wide",
        FakeFile::new("wide-1.0.tar.gz", &sha("01")).with_provenance(provenance()),
    );
    let locked = "wide-2.0-cp319-cp319-manylinux_2_17_x86_64.whl";
    index.add("wide", FakeFile::new(locked, &sha("02")));
    let (_dir, server) = serve(&index);
    let mut opts = options(&server);
    opts.history_max_files = 3;
    let evidence = gather_one(
        package(
            "wide",
            "2.0",
            &server.index_url(),
            &[(locked, Some(&sha("02")))],
        ),
        &opts,
    );
    let files: Vec<_> = previous(&evidence)
        .artifacts
        .iter()
        .map(|a| a.filename.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(files.len(), 3);
    assert!(
        files.contains(&"wide-1.0-cp319-cp319-manylinux_2_17_x86_64.whl"),
        "{files:?}"
    );
    assert!(files.contains(&"wide-1.0.tar.gz"), "{files:?}");
    assert_eq!(server.count_matching("/integrity/wide/1.0/**"), 3);
}

#[test]
fn history_can_be_turned_off() {
    let (_dir, server) = serve(&fixture_index());
    let mut opts = options(&server);
    opts.history = false;
    let evidence = gather_one(
        package("abi3info", "2024.10.8", &server.index_url(), &[]),
        &opts,
    );
    assert!(matches!(evidence.history, History::NotApplicable));
    assert_eq!(server.count_matching("/integrity/abi3info/2024.10.3/**"), 0);
}
