//! PyPI's signals besides provenance, through the binary against the fake PyPI, in both
//! page forms (PEP 691 JSON and PEP 503 HTML): PEP 792 project status (archived is PG105,
//! quarantined makes every locked file `quarantined`, PG102), PEP 592 yanks with their
//! reason (PG104, `deny` under `policies/strict.toml`), and the page size limit
//! (`--max-page-size` or `[limits]`, named in the PG103 message); an index's overload, seen with `-v`.

mod e2e_support;

use e2e_support::*;
use pubgate::testing::fake_pypi::{
    default_publisher, FakeFile, FakeIndex, MintRequest, Minter, SignerMinter, Variant,
};
use serde_json::Value;

/// An index holding `packages` (each file attested by its default publisher), shaped by
/// `shape` (statuses, yanks) before it is written.
fn site(packages: &[Pkg], shape: impl Fn(&str, FakeFile) -> FakeFile) -> Site {
    let mut index = FakeIndex::new();
    for p in packages {
        let publisher = default_publisher(&p.name);
        for (filename, sha) in &p.files {
            let sha = sha.clone().unwrap();
            let provenance = SignerMinter.mint(&MintRequest {
                filename,
                sha256: &sha,
                publisher: &publisher,
                variant: Variant::Valid,
            });
            let file = FakeFile::new(filename, &sha).with_provenance(provenance);
            index.add(&p.name, shape(&p.name, file));
        }
    }
    mark_statuses(&mut index);
    Site::serve(&index)
}

/// The PEP 792 statuses of the universe below.
fn mark_statuses(index: &mut FakeIndex) {
    index.status(
        "archived",
        "archived",
        Some("moved to \"new-thing\"\u{1b}[2J"),
    );
    index.status("quarantined", "quarantined", Some("malware reported"));
    index.status("deprecated", "deprecated", None);
    index.status("odd", "frozen", None);
}

fn universe() -> Vec<Pkg> {
    vec![
        Pkg::pypi("good", "1.0"),
        Pkg::pypi("archived", "1.0"),
        Pkg::pypi("quarantined", "1.0"),
        Pkg::pypi("deprecated", "2.0"),
        Pkg::pypi("odd", "1.0"),
        Pkg::pypi("withdrawn", "1.0"),
        Pkg::pypi("half", "1.0"),
    ]
}

/// `withdrawn` is yanked (both files, with a reason); `half` has only its wheel yanked,
/// without a reason.
fn yanks(name: &str, file: FakeFile) -> FakeFile {
    match name {
        "withdrawn" => file.yanked_because("broken build, use 1.0.1"),
        "half" if file.filename.ends_with(".whl") => file.yanked(),
        _ => file,
    }
}

fn finding<'a>(report: &'a Value, rule: &str, package: &str) -> Option<&'a Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == rule && f["package"] == package)
}

fn reasons(report: &Value, package: &str) -> Vec<String> {
    report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == package)
        .flat_map(|p| p["artifacts"].as_array().unwrap().iter())
        .map(|a| a["reason"].as_str().unwrap_or("").to_string())
        .collect()
}

fn check_signals(html_only: bool) {
    let site = site(&universe(), yanks);
    site.server.set_html_only(html_only);
    let dir = project(&[("uv.lock", &uv_lock(&universe()))]);
    let run = site.check(dir.path(), &["uv.lock", "--format", "json"]);
    run.expect_code(1);
    let report = run.json();
    let form = if html_only { "html" } else { "json" };

    // Quarantined: every locked file is `quarantined`, a deny that says why.
    assert_eq!(
        reasons(&report, "quarantined"),
        ["quarantined", "quarantined"],
        "{form}"
    );
    let pg102 = finding(&report, "invalid-provenance", "quarantined").expect("PG102");
    let message = pg102["message"].as_str().unwrap();
    assert_eq!(pg102["level"], "deny");
    assert!(
        message.contains("has quarantined `quarantined`")
            && message.contains("no file of `1.0` is listed while the quarantine lasts")
            && message.contains("malware reported")
            && !message.contains("deleted, never uploaded"),
        "{form}: {message}"
    );

    // Archived, deprecated, unknown: PG105 at warn, with the reason (sanitized).
    let archived = finding(&report, "project-status", "archived").expect("PG105");
    assert_eq!(archived["level"], "warn");
    let message = archived["message"].as_str().unwrap();
    assert!(
        message.contains("archived") && message.contains("moved to \"new-thing\""),
        "{form}: {message}"
    );
    assert!(!message.contains('\u{1b}'), "{form}: {message}");
    assert!(finding(&report, "project-status", "deprecated").is_some());
    let odd = finding(&report, "project-status", "odd").expect("unknown status");
    assert!(
        odd["message"].as_str().unwrap().contains("`frozen`"),
        "{form}: {odd}"
    );
    assert!(finding(&report, "project-status", "good").is_none());
    assert!(
        finding(&report, "project-status", "quarantined").is_none(),
        "quarantine is PG102, not PG105"
    );
    // The archived project's files are still examined and verified.
    assert_eq!(
        statuses(&report, "archived"),
        ["verified", "verified"],
        "{form}"
    );

    // Yanked: one PG104 per package at warn, carrying the index's reason.
    let withdrawn = finding(&report, "yanked-release", "withdrawn").expect("PG104");
    assert_eq!(withdrawn["level"], "warn");
    let message = withdrawn["message"].as_str().unwrap();
    assert!(
        message.contains("the release `withdrawn==1.0` is yanked")
            && message.contains("broken build, use 1.0.1"),
        "{form}: {message}"
    );
    let half = finding(&report, "yanked-release", "half").expect("PG104 for one file");
    assert_eq!(half["artifact"], "half-1.0-py3-none-any.whl");
    assert!(
        half["message"]
            .as_str()
            .unwrap()
            .contains("the index gives no reason"),
        "{form}: {half}"
    );
    assert!(finding(&report, "yanked-release", "good").is_none());

    // Nothing else fails: the only deny is the quarantine.
    let denies: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] == "deny")
        .collect();
    assert_eq!(denies.len(), 2, "{form}: {denies:?}");
    assert!(denies.iter().all(|f| f["package"] == "quarantined"));
}

#[test]
fn project_status_and_yanks_from_json_pages() {
    check_signals(false);
}

#[test]
fn project_status_and_yanks_from_html_pages() {
    check_signals(true);
}

#[test]
fn a_yank_passes_by_default_and_fails_under_the_strict_policy() {
    let packages = [Pkg::pypi("withdrawn", "1.0")];
    let site = site(&packages, yanks);
    let dir = project(&[("uv.lock", &uv_lock(&packages))]);
    site.check(dir.path(), &["uv.lock", "--format", "json"])
        .expect_code(0);
    let strict = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/strict.toml");
    let run = site.check(
        dir.path(),
        &[
            "uv.lock",
            "--format",
            "json",
            "--policy",
            strict.to_str().unwrap(),
        ],
    );
    run.expect_code(1);
    let report = run.json();
    let pg104 = finding(&report, "yanked-release", "withdrawn").expect("PG104");
    assert_eq!(pg104["level"], "deny");
}

#[test]
fn an_archived_project_alone_passes_with_a_warning() {
    let packages = [Pkg::pypi("archived", "1.0")];
    let site = site(&packages, |_, f| f);
    let dir = project(&[("uv.lock", &uv_lock(&packages))]);
    let run = site.check(dir.path(), &["uv.lock"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("PG105") && run.stdout.contains("archived"),
        "{}",
        run.stdout
    );
}

#[test]
fn the_page_size_limit_is_a_flag_and_pg103_names_it() {
    let big = Pkg::pypi("big", "1.0");
    let mut index = FakeIndex::new();
    let publisher = default_publisher("big");
    for (filename, sha) in &big.files {
        let sha = sha.clone().unwrap();
        let provenance = SignerMinter.mint(&MintRequest {
            filename,
            sha256: &sha,
            publisher: &publisher,
            variant: Variant::Valid,
        });
        index.add(
            "big",
            FakeFile::new(filename, &sha).with_provenance(provenance),
        );
    }
    // About 1.5 MiB of page: 4,000 older releases.
    for i in 0..4000 {
        let filename = format!("big-0.{i}.tar.gz");
        index.add(
            "big",
            FakeFile::new(
                &filename,
                &pubgate::testing::fake_pypi::synthetic_sha256(&filename),
            ),
        );
    }
    let site = Site::serve(&index);
    let dir = project(&[("uv.lock", &uv_lock(std::slice::from_ref(&big)))]);

    let run = site.check(
        dir.path(),
        &["uv.lock", "--format", "json", "--max-page-size", "1"],
    );
    run.expect_code(1);
    let report = run.json();
    let pg103 = finding(&report, "provenance-unavailable", "big").expect("PG103");
    let message = pg103["message"].as_str().unwrap();
    assert!(
        message.contains("larger than the 1 MiB (1048576-byte) limit")
            && message.contains("--max-page-size"),
        "{message}"
    );

    // The default (64 MiB) reads it, and the locked files verify.
    let run = site.check(dir.path(), &["uv.lock", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(statuses(&run.json(), "big"), ["verified", "verified"]);

    // The policy's `[limits]` sets it too, and the flag wins over the policy.
    std::fs::write(
        dir.path().join("pubgate.toml"),
        "schema = 1\n[limits]\nmax-page-size = 1\n",
    )
    .unwrap();
    let run = site.check(dir.path(), &["uv.lock", "--format", "json"]);
    run.expect_code(1);
    let report = run.json();
    let pg103 = finding(&report, "provenance-unavailable", "big").expect("PG103 by policy");
    assert!(
        pg103["message"]
            .as_str()
            .unwrap()
            .contains("larger than the 1 MiB (1048576-byte) limit"),
        "{pg103}"
    );
    let run = site.check(
        dir.path(),
        &["uv.lock", "--format", "json", "--max-page-size", "2"],
    );
    run.expect_code(0);

    // A value out of range is refused before anything runs.
    std::fs::write(
        dir.path().join("pubgate.toml"),
        "schema = 1\n[limits]\nmax-page-size = 0\n",
    )
    .unwrap();
    let run = site.check(dir.path(), &["uv.lock"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("`[limits]` `max-page-size` is `0`"),
        "{}",
        run.stderr
    );
}

/// An index that answers 429 past 2 requests in flight: `-v` says how pubgate backs off
/// (and nothing is said without it).
#[test]
fn backing_off_an_overloaded_index_is_visible_with_v() {
    let packages: Vec<Pkg> = (0..24)
        .map(|i| Pkg::pypi(&format!("busy-{i:02}"), "1.0"))
        .collect();
    let site = site(&packages, |_, f| f);
    site.server
        .set_latency(std::time::Duration::from_millis(20));
    site.server.set_capacity(Some(2));
    let dir = project(&[("uv.lock", &uv_lock(&packages))]);
    let run = site.check(dir.path(), &["uv.lock", "--concurrency", "32", "-v"]);
    assert!(
        run.stderr
            .contains("HTTP 429 from `127.0.0.1`: backing off to 16 request(s) in flight"),
        "{}",
        run.stderr
    );
    let quiet = site.check(dir.path(), &["uv.lock", "--concurrency", "32"]);
    assert!(!quiet.stderr.contains("backing off"), "{}", quiet.stderr);
}
