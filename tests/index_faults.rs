//! Injected faults end as `unavailable` (never `absent`), with the retries visible in the
//! fake index's request log and the run ending within its timeouts.

mod index_common;

use std::time::{Duration, Instant};

use index_common::*;
use pubgate::evidence::{
    Expected, FetchFailure, InvalidReason, ProvenanceStatus, UnavailableCause, UnavailableKind,
};
use pubgate::index::IndexOptions;
use pubgate::lockfile::LockedPackage;
use pubgate::testing::fake_pypi::{fixture_index, FakeFile, FakeIndex, FakePypi, Fault, FaultRule};

const PAGE: &str = "/simple/plain/";
const PROVENANCE: &str = "/integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz/provenance";

fn setup() -> (tempfile::TempDir, FakePypi) {
    let mut index = fixture_index();
    index.add("plain", FakeFile::new("plain-1.0.tar.gz", &sha("aa")));
    serve(&index)
}

fn plain(server: &FakePypi) -> LockedPackage {
    package(
        "plain",
        "1.0",
        &server.index_url(),
        &[("plain-1.0.tar.gz", Some(&sha("aa")))],
    )
}

fn sample(server: &FakePypi) -> LockedPackage {
    package(
        "sampleproject",
        "4.0.0",
        &server.index_url(),
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
    )
}

fn fault(server: &FakePypi, pattern: &str, fault: Fault) {
    server.add_fault(FaultRule::new(pattern, fault).unwrap());
}

/// Gathers `package` and returns the cause of its (required) unavailability and the time taken.
fn unavailable(package: LockedPackage, options: &IndexOptions) -> (UnavailableCause, Duration) {
    let start = Instant::now();
    let evidence = gather_one(package, options);
    let elapsed = start.elapsed();
    (
        unavailable_cause(&evidence.artifacts[0].provenance).clone(),
        elapsed,
    )
}

/// What failed, when fetching failed.
fn failure(cause: &UnavailableCause) -> &FetchFailure {
    match cause.kind() {
        UnavailableKind::Fetch(failure) => failure,
        other => panic!("expected a failed fetch, got {other:?}"),
    }
}

#[test]
fn server_errors_are_retried_then_reported_unavailable() {
    let (_dir, server) = setup();
    fault(
        &server,
        PAGE,
        Fault::Status {
            status: 503,
            retry_after: None,
        },
    );
    let (cause, _) = unavailable(plain(&server), &options(&server));
    assert_eq!(
        *failure(&cause),
        FetchFailure::Status {
            status: 503,
            attempts: 3
        }
    );
    assert_eq!(
        cause.to_string(),
        format!(
            "`{}/plain/`: HTTP 503 after 3 attempt(s)",
            server.index_url()
        )
    );
    assert_eq!(
        server.count_matching(PAGE),
        3,
        "one attempt and two retries"
    );
}

#[test]
fn transient_errors_recover_after_a_retry() {
    let (_dir, server) = setup();
    server.add_fault(
        FaultRule::new(
            PAGE,
            Fault::Status {
                status: 500,
                retry_after: None,
            },
        )
        .unwrap()
        .times(2),
    );
    let evidence = gather_one(plain(&server), &options(&server));
    assert_eq!(evidence.artifacts[0].provenance, ProvenanceStatus::Absent);
    assert_eq!(server.count_matching(PAGE), 3);
}

#[test]
fn retry_after_is_honoured() {
    let (_dir, server) = setup();
    server.add_fault(
        FaultRule::new(
            PAGE,
            Fault::Status {
                status: 429,
                retry_after: Some(1),
            },
        )
        .unwrap()
        .times(1),
    );
    let mut opts = options(&server);
    opts.http.backoff_max = Duration::from_secs(5);
    let start = Instant::now();
    let evidence = gather_one(plain(&server), &opts);
    assert!(
        start.elapsed() >= Duration::from_millis(950),
        "{:?}",
        start.elapsed()
    );
    assert_eq!(evidence.artifacts[0].provenance, ProvenanceStatus::Absent);
    assert_eq!(server.count_matching(PAGE), 2);
}

#[test]
fn a_long_retry_after_is_capped() {
    let (_dir, server) = setup();
    fault(
        &server,
        PAGE,
        Fault::Status {
            status: 429,
            retry_after: Some(3600),
        },
    );
    let (cause, elapsed) = unavailable(plain(&server), &options(&server));
    assert_eq!(
        *failure(&cause),
        FetchFailure::Status {
            status: 429,
            attempts: 3
        }
    );
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(server.count_matching(PAGE), 3);
}

#[test]
fn a_hanging_index_times_out_and_the_run_ends_in_time() {
    let (_dir, server) = setup();
    fault(&server, PAGE, Fault::Hang);
    let mut opts = options(&server);
    opts.http.request_timeout = Duration::from_millis(300);
    let (cause, elapsed) = unavailable(plain(&server), &opts);
    assert_eq!(*failure(&cause), FetchFailure::Timeout { attempts: 3 });
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    assert_eq!(server.count_matching(PAGE), 3);
}

#[test]
fn the_overall_deadline_bounds_every_request() {
    let (_dir, server) = setup();
    fault(&server, "/**", Fault::Hang);
    let mut opts = options(&server);
    opts.http.request_timeout = Duration::from_secs(10);
    opts.http.overall_timeout = Duration::from_millis(800);
    opts.http.retries = 10;
    let lock = lockfile("uv.lock", vec![plain(&server), sample(&server)]);
    let start = Instant::now();
    let evidence = gather(&[lock], &opts);
    assert!(
        start.elapsed() < Duration::from_secs(3),
        "{:?}",
        start.elapsed()
    );
    for package in &evidence[0].packages {
        let cause = unavailable_cause(&package.artifacts[0].provenance);
        assert!(
            matches!(
                cause.kind(),
                UnavailableKind::Fetch(FetchFailure::NetworkDeadline { .. })
                    | UnavailableKind::Deadline { .. }
            ),
            "{cause}"
        );
    }
}

#[test]
fn the_deadline_covers_work_that_needs_no_network() {
    // Vendored answers ask nothing, but reading, parsing and verifying them is work the
    // deadline bounds too: with none left, every index package is unavailable, naming it.
    let (_dir, server) = setup();
    let vendor = tempfile::tempdir().unwrap();
    let lock = lockfile("uv.lock", vec![plain(&server), sample(&server)]);
    let mut online = options(&server);
    online.record_into = Some(vendor.path().to_path_buf());
    gather(std::slice::from_ref(&lock), &online);
    let mut offline = options(&server);
    offline.offline = true;
    offline.provenance_dir = Some(vendor.path().to_path_buf());
    let replayed = gather(std::slice::from_ref(&lock), &offline);
    assert!(replayed[0].packages[1].artifacts[0]
        .provenance
        .verified()
        .is_some());
    offline.deadline = Duration::ZERO;
    let evidence = gather(std::slice::from_ref(&lock), &offline);
    for package in &evidence[0].packages {
        for artifact in &package.artifacts {
            let cause = cause(&artifact.provenance);
            assert!(
                cause.contains("deadline") && cause.contains("--deadline"),
                "{cause}"
            );
        }
        assert!(matches!(
            &package.history,
            pubgate::evidence::History::Unavailable {
                cause: pubgate::evidence::HistoryUnavailable::Release(cause)
            } if matches!(cause.kind(), pubgate::evidence::UnavailableKind::Deadline { .. })
        ));
    }
}

#[test]
fn a_slow_trickle_times_out() {
    let (_dir, server) = setup();
    fault(
        &server,
        PAGE,
        Fault::Trickle {
            chunk: 8,
            interval: Duration::from_millis(100),
        },
    );
    let mut opts = options(&server);
    opts.http.request_timeout = Duration::from_millis(400);
    opts.http.retries = 1;
    let (cause, elapsed) = unavailable(plain(&server), &opts);
    assert_eq!(*failure(&cause), FetchFailure::Timeout { attempts: 2 });
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
}

#[test]
fn truncated_bodies_are_retried_then_unavailable() {
    let (_dir, server) = setup();
    fault(&server, PAGE, Fault::Truncate);
    fault(&server, PROVENANCE, Fault::Truncate);
    let (cause, _) = unavailable(plain(&server), &options(&server));
    assert!(
        matches!(
            failure(&cause),
            FetchFailure::BrokenBody { attempts: 3, .. }
        ),
        "{cause}"
    );
    assert_eq!(server.count_matching(PAGE), 3);
    let (cause, _) = unavailable(sample(&server), &options(&server));
    assert!(
        matches!(failure(&cause), FetchFailure::BrokenBody { .. }),
        "{cause}"
    );
}

#[test]
fn garbage_bodies_are_unavailable_not_absent_or_invalid() {
    let (_dir, server) = setup();
    fault(&server, PAGE, Fault::Garbage);
    fault(&server, PROVENANCE, Fault::Garbage);
    let (cause, _) = unavailable(plain(&server), &options(&server));
    assert!(
        matches!(failure(&cause), FetchFailure::MalformedPage(_)),
        "{cause}"
    );
    let (cause, _) = unavailable(sample(&server), &options(&server));
    assert!(
        matches!(failure(&cause), FetchFailure::MalformedProvenance(_)),
        "{cause}"
    );
    assert_eq!(cause.file(), Some(SAMPLE_SDIST));
}

#[test]
fn a_wrong_content_type_is_unavailable() {
    let (_dir, server) = setup();
    fault(&server, PAGE, Fault::ContentType("text/plain".into()));
    fault(&server, PROVENANCE, Fault::ContentType("text/html".into()));
    let (cause, _) = unavailable(plain(&server), &options(&server));
    assert_eq!(
        *failure(&cause),
        FetchFailure::WrongContentType {
            content_type: "text/plain".into(),
            expected: Expected::Page
        }
    );
    let (cause, _) = unavailable(sample(&server), &options(&server));
    assert_eq!(
        cause.to_string(),
        format!(
            "`{}{PROVENANCE}`: unexpected content type `text/html` for provenance",
            server.url()
        )
    );
}

#[test]
fn dropped_connections_are_retried_then_unavailable() {
    let (_dir, server) = setup();
    fault(&server, PAGE, Fault::Drop);
    let (cause, _) = unavailable(plain(&server), &options(&server));
    assert!(
        matches!(
            failure(&cause),
            FetchFailure::Connection { attempts: 3, .. }
        ),
        "{cause}"
    );
    assert_eq!(server.count_matching(PAGE), 3);
}

#[test]
fn disabled_attestations_and_refused_credentials_are_unavailable() {
    let (_dir, server) = setup();
    server.add_fault(
        FaultRule::new(
            PROVENANCE,
            Fault::Respond {
                status: 403,
                content_type: "application/json".into(),
                body: br#"{"message": "Attestations temporarily disabled"}"#.to_vec(),
            },
        )
        .unwrap(),
    );
    fault(
        &server,
        PAGE,
        Fault::Status {
            status: 401,
            retry_after: None,
        },
    );
    let (cause, _) = unavailable(sample(&server), &options(&server));
    assert_eq!(
        *failure(&cause),
        FetchFailure::Refused {
            status: 403,
            message: Some("Attestations temporarily disabled".into())
        }
    );
    assert_eq!(server.count_matching(PROVENANCE), 1, "a 403 is not retried");
    let (cause, _) = unavailable(plain(&server), &options(&server));
    assert_eq!(*failure(&cause), FetchFailure::Unauthorized { status: 401 });
    assert!(
        cause.to_string().contains("check the credentials"),
        "{cause}"
    );
}

#[test]
fn oversized_responses_are_refused() {
    let (_dir, server) = setup();
    let mut opts = options(&server);
    opts.page_limit = 200;
    let (cause, _) = unavailable(plain(&server), &opts);
    assert_eq!(
        *failure(&cause),
        FetchFailure::TooLarge {
            limit: 200,
            of: Expected::Page
        }
    );
    assert!(
        cause
            .to_string()
            .contains("the project page is larger than the 200-byte limit")
            && cause.to_string().contains("--max-page-size"),
        "{cause}"
    );
    let mut opts = options(&server);
    opts.provenance_limit = 1000;
    let (cause, _) = unavailable(sample(&server), &opts);
    assert_eq!(
        *failure(&cause),
        FetchFailure::TooLarge {
            limit: 1000,
            of: Expected::Provenance
        }
    );
}

#[test]
fn an_index_error_body_cannot_inject_control_characters() {
    let (_dir, server) = setup();
    server.add_fault(
        FaultRule::new(
            PAGE,
            Fault::Respond {
                status: 418,
                content_type: "application/json".into(),
                body: b"{\"message\": \"evil \\u001b[31mred\\u0007\"}".to_vec(),
            },
        )
        .unwrap(),
    );
    let (cause, _) = unavailable(plain(&server), &options(&server));
    assert_eq!(
        *failure(&cause),
        FetchFailure::Refused {
            status: 418,
            message: Some("evil [31mred".into())
        }
    );
    assert!(
        !cause.to_string().chars().any(char::is_control),
        "{cause:?}"
    );
}

#[test]
fn requests_in_flight_never_exceed_the_concurrency_limit() {
    let mut index = pubgate::testing::fake_pypi::FakeIndex::new();
    let names: Vec<String> = (0..40).map(|i| format!("p{i}")).collect();
    for name in &names {
        index.add(
            name,
            FakeFile::new(&format!("{name}-1.0.tar.gz"), &sha("cd")),
        );
    }
    let (_dir, server) = serve(&index);
    server.set_latency(Duration::from_millis(40));
    let mut opts = options(&server);
    opts.http.concurrency = 4;
    let lock = lockfile(
        "uv.lock",
        names
            .iter()
            .map(|n| package(n, "1.0", &server.index_url(), &[]))
            .collect(),
    );
    let evidence = gather(&[lock], &opts);
    assert!(evidence[0]
        .packages
        .iter()
        .all(|p| p.artifacts[0].provenance == ProvenanceStatus::Absent));
    assert!(server.max_in_flight() <= 4, "{}", server.max_in_flight());
    assert!(
        server.max_in_flight() >= 2,
        "requests do run concurrently: {}",
        server.max_in_flight()
    );
}

#[test]
fn a_failed_history_fetch_leaves_the_locked_evidence_intact() {
    let (_dir, server) = setup();
    fault(
        &server,
        "/integrity/abi3info/2024.10.3/**",
        Fault::Status {
            status: 502,
            retry_after: None,
        },
    );
    let pkg = package(
        "abi3info",
        "2024.10.8",
        &server.index_url(),
        &[(ABI3_WHEEL_NEW, Some(ABI3_WHEEL_NEW_SHA))],
    );
    let evidence = gather_one(pkg, &options(&server));
    assert!(matches!(
        evidence.artifacts[0].provenance,
        ProvenanceStatus::Verified(_)
            | ProvenanceStatus::Invalid {
                reason: InvalidReason::Verification(_),
                ..
            }
    ));
    let pubgate::evidence::History::Previous(previous) = &evidence.history else {
        panic!("{:?}", evidence.history)
    };
    assert!(cause(&previous.artifacts[0].provenance).contains("HTTP 502"));
}

#[test]
fn redirects_are_followed_but_limited() {
    let (_dir, server) = setup();
    fault(
        &server,
        "/simple/moved/",
        Fault::Redirect("/simple/plain/".into()),
    );
    let evidence = gather_one(
        package("moved", "1.0", &server.index_url(), &[]),
        &options(&server),
    );
    assert!(
        matches!(
            &evidence.artifacts[0].provenance,
            ProvenanceStatus::Invalid {
                reason: InvalidReason::ReleaseNotOnIndex,
                ..
            }
        ),
        "the redirect was followed to a page without `moved` files: {:?}",
        evidence.artifacts[0].provenance
    );
    fault(
        &server,
        "/simple/loop*/",
        Fault::Redirect("/simple/loop2/".into()),
    );
    let (cause, _) = unavailable(
        package("loop1", "1.0", &server.index_url(), &[]),
        &options(&server),
    );
    assert!(
        matches!(failure(&cause), FetchFailure::Redirect { message } if message.contains("more than 5 redirects")),
        "{cause}"
    );
    assert!(
        server.count_matching("/simple/loop2/") <= 6,
        "{}",
        server.count_matching("/simple/loop2/")
    );
}

/// A front that answers 429 past 6 requests in flight: with `--concurrency 32` the client
/// backs off to what the index takes instead of hammering it, and every file is verified.
/// Without the back-off most attempts would be 429s (26 of every 32) and files would run
/// out of retries.
#[test]
fn concurrency_backs_off_to_what_a_rate_limiting_index_takes() {
    let mut index = FakeIndex::new();
    let mut packages = Vec::new();
    for i in 0..150 {
        let name = format!("busy-{i:03}");
        let file = signed(&format!("busy_{i:03}-1.0.tar.gz"), &format!("owner/{name}"));
        packages.push(package(
            &name,
            "1.0",
            "https://pypi.org/simple",
            &[(file.filename.as_str(), file.sha256.as_deref())],
        ));
        index.add(&name, file);
    }
    let (_dir, server) = serve(&index);
    server.set_latency(Duration::from_millis(20));
    server.set_capacity(Some(6));
    let mut options = signer_options(&server);
    options.http.concurrency = 32;
    options.http.retries = 5;
    options.http.backoff_base = Duration::from_millis(50);
    options.http.backoff_max = Duration::from_millis(400);
    let evidence = gather(&[lockfile("uv.lock", packages)], &options);
    let statuses: Vec<&str> = evidence[0]
        .packages
        .iter()
        .map(|p| p.artifacts[0].provenance.slug())
        .collect();
    assert!(statuses.iter().all(|s| *s == "verified"), "{statuses:?}");
    let refused = server
        .requests()
        .iter()
        .filter(|r| {
            r.fault
                .as_deref()
                .is_some_and(|f| f.starts_with("(over capacity)"))
        })
        .count();
    let total = server.request_count();
    assert!(
        refused * 3 < total,
        "{refused} of {total} requests were refused: the client kept the index overloaded"
    );
}
