//! History: the nearest earlier release (PEP 440 order, yanked and pre-releases skipped) and
//! the provenance of its files, with the extra requests bounded.

mod index_common;

use index_common::*;
use pubgate::evidence::{
    History, InvalidReason, PackageEvidence, PreviousRelease, ProvenanceStatus,
};
use pubgate::testing::fake_pypi::{fixture_index, FakeFile, FakeIndex};

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
        previous.artifacts[0].filename,
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
        previous.artifacts[0].filename,
        "pypi_attestations-0.0.19.tar.gz"
    );
    assert!(fetched(&previous.artifacts[0].provenance));
}

#[test]
fn an_unattested_previous_release_is_absent() {
    let (_dir, server) = serve(&fixture_index());
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &server.index_url(),
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
    );
    let evidence = gather_one(pkg, &options(&server));
    let previous = previous(&evidence);
    assert_eq!(previous.version, "3.0.0");
    assert_eq!(previous.artifacts[0].provenance, ProvenanceStatus::Absent);
}

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
        );
        index.add("demo", if yanked { file.yanked() } else { file });
    }
    index
}

#[test]
fn yanked_and_pre_releases_are_skipped() {
    let (_dir, server) = serve(&release_index());
    let evidence = gather_one(
        package("demo", "2.0", &server.index_url(), &[]),
        &options(&server),
    );
    assert_eq!(
        previous(&evidence).version,
        "1.0",
        "1.2rc1/1.2.dev3 are pre-releases, 1.1 is yanked"
    );
}

#[test]
fn a_pre_release_may_follow_a_pre_release() {
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
        "1.0",
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
    assert!(
        matches!(&evidence.history, History::Unavailable { cause } if cause.contains("not a PEP 440 version"))
    );
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
        .map(|a| a.filename.as_str())
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
    assert!(matches!(evidence.history, History::Unavailable { .. }));
    assert_eq!(server.count_matching("/integrity/abi3info/2024.10.3/**"), 0);
}
