//! The gate fails closed: whatever goes wrong between `pubgate check` and the index (rate
//! limits, server errors, hangs, broken or wrong bodies, dropped connections), the run ends
//! with exit 1 and a PG103 `provenance-unavailable` denial, never exit 0, and within a
//! bounded time. One fake PyPI serves every test; each fault applies to its own packages.

mod e2e_support;

use std::sync::OnceLock;
use std::time::Duration;

use e2e_support::*;
use pubgate::testing::fake_pypi::{default_minter, BuildOptions, Fault, FaultRule};

/// Every fault, by the name its packages carry.
fn faults() -> Vec<(&'static str, Fault)> {
    vec![
        (
            "rate-limited",
            Fault::Status {
                status: 429,
                retry_after: Some(1),
            },
        ),
        (
            "server-error",
            Fault::Status {
                status: 500,
                retry_after: None,
            },
        ),
        (
            "unavailable",
            Fault::Status {
                status: 503,
                retry_after: None,
            },
        ),
        ("hang", Fault::Hang),
        ("truncated", Fault::Truncate),
        ("garbage", Fault::Garbage),
        ("wrong-type", Fault::ContentType("text/plain".into())),
        ("dropped", Fault::Drop),
    ]
}

/// Each fault hits two packages: `page-<fault>` on its project page, `prov-<fault>` on its
/// provenance; `history-<fault>` on the provenance of its previous release only.
fn faulty(fault: &str) -> [Pkg; 3] {
    [
        Pkg::pypi(&format!("page-{fault}"), "1.0"),
        Pkg::pypi(&format!("prov-{fault}"), "1.0"),
        Pkg::pypi(&format!("history-{fault}"), "1.0"),
    ]
}

fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let mut universe = vec![Pkg::pypi("good", "1.0"), Pkg::pypi("offline-only", "1.0")];
        for (name, _) in faults() {
            universe.extend(faulty(name));
        }
        let site = Site::shared_for_lockfile(
            "e2e_faults",
            "uv.lock",
            &uv_lock(&universe),
            &BuildOptions::default(),
            default_minter().as_ref(),
        );
        for (name, fault) in faults() {
            for pattern in [
                format!("/simple/page-{name}/"),
                format!("/integrity/prov-{name}/**"),
                // `1.0` → the synthesized previous release `0.0`.
                format!("/integrity/history-{name}/0.0/**"),
            ] {
                site.server
                    .add_fault(FaultRule::new(&pattern, fault.clone()).unwrap());
            }
        }
        site
    })
}

/// Runs `pubgate check` on `good` plus the packages hit by `fault`, and checks the run
/// fails closed: exit 1, PG103 at deny for every faulty package and for nothing else.
fn fails_closed(fault: &str) {
    let mut lock = vec![Pkg::pypi("good", "1.0")];
    lock.extend(faulty(fault));
    let dir = project(&[("uv.lock", &uv_lock(&lock))]);
    let run = site().check(
        dir.path(),
        &["uv.lock", "--format", "json", "--timeout", "2"],
    );
    run.expect_code(1);
    // The overall deadline for `--timeout 2` is 30 s (retries included); a hang must not
    // outlive it.
    assert!(
        run.elapsed < Duration::from_secs(30),
        "{fault}: took {:?}",
        run.elapsed
    );
    let report = run.json();
    assert_eq!(report["outcome"], "fail");
    let mut denied: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert_eq!(f["rule"], "provenance-unavailable", "{fault}: {f:#}");
            assert_eq!(f["level"], "deny", "{fault}: {f:#}");
            f["package"].as_str().unwrap().to_string()
        })
        .collect();
    denied.dedup();
    assert_eq!(
        denied,
        [
            format!("page-{fault}"),
            format!("prov-{fault}"),
            format!("history-{fault}")
        ],
        "{fault}: {report:#}"
    );
    assert_eq!(statuses(&report, "good"), ["verified", "verified"]);
    for package in [format!("page-{fault}"), format!("prov-{fault}")] {
        assert_eq!(
            statuses(&report, &package),
            ["unavailable", "unavailable"],
            "{fault}: {report:#}"
        );
    }
    // The locked files of `history-*` verified; only its history could not be checked.
    assert_eq!(
        statuses(&report, &format!("history-{fault}")),
        ["verified", "verified"]
    );
}

#[test]
fn a_429_with_retry_after_fails_closed() {
    fails_closed("rate-limited");
}

#[test]
fn a_500_fails_closed() {
    fails_closed("server-error");
}

#[test]
fn a_503_fails_closed() {
    fails_closed("unavailable");
}

#[test]
fn a_hang_past_the_timeout_fails_closed() {
    fails_closed("hang");
}

#[test]
fn a_truncated_body_fails_closed() {
    fails_closed("truncated");
}

#[test]
fn a_garbage_body_fails_closed() {
    fails_closed("garbage");
}

#[test]
fn a_wrong_content_type_fails_closed() {
    fails_closed("wrong-type");
}

#[test]
fn a_dropped_connection_fails_closed() {
    fails_closed("dropped");
}

#[test]
fn offline_with_an_empty_cache_fails_closed_without_asking() {
    let dir = project(&[("uv.lock", &uv_lock(&[Pkg::pypi("offline-only", "1.0")]))]);
    let cache = tempfile::tempdir().unwrap();
    let run = site().check(
        dir.path(),
        &[
            "uv.lock",
            "--format",
            "json",
            "--offline",
            "--cache-dir",
            cache.path().to_str().unwrap(),
        ],
    );
    run.expect_code(1);
    let report = run.json();
    assert_eq!(
        findings(&report),
        [(
            "provenance-unavailable".to_string(),
            "offline-only".to_string(),
            false
        )]
    );
    assert_eq!(
        statuses(&report, "offline-only"),
        ["unavailable", "unavailable"]
    );
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("offline"), "{message}");
    assert_eq!(site().server.count_matching("/*/offline-only/**"), 0);
}

#[test]
fn an_index_whose_pages_predate_pep_740_fails_closed() {
    // Pages declaring API 1.1 say nothing of provenance; a mirror's silence is not absence.
    let lock = uv_lock(&[Pkg::pypi("good", "1.0")]);
    let options = BuildOptions {
        api_version: "1.1".into(),
        ..BuildOptions::default()
    };
    let site = Site::for_lockfile("uv.lock", &lock, &options, default_minter().as_ref());
    let dir = project(&[("uv.lock", &lock)]);
    let run = site.check(dir.path(), &["uv.lock", "--format", "json"]);
    run.expect_code(1);
    let report = run.json();
    assert_eq!(
        findings(&report),
        [(
            "provenance-unavailable".to_string(),
            "good".to_string(),
            false
        )]
    );
    assert_eq!(statuses(&report, "good"), ["unavailable", "unavailable"]);
}
