//! Reports readable at scale: one cause once, GitHub's annotation limit, "who publishes
//! what" folded, `--verbose`.

use std::sync::OnceLock;

use pubgate::testing::fake_pypi::{BuildOptions, Fault, FaultRule, SignerMinter};

use super::e2e_support::*;
use super::run_on;

/// `n` packages `pkg-00`… at 1.0.
fn many(n: usize) -> Vec<Pkg> {
    (0..n)
        .map(|i| Pkg::pypi(&format!("pkg-{i:02}"), "1.0"))
        .collect()
}

/// An index whose pages predate PEP 740 (simple API 1.1): nothing can be checked.
fn old_index() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let options = BuildOptions {
            api_version: "1.1".into(),
            ..BuildOptions::default()
        };
        Site::shared_for_lockfile(
            "e2e_review_old",
            "uv.lock",
            &uv_lock(&many(12)),
            &options,
            &SignerMinter,
        )
    })
}

/// An index of 45 packages without provenance.
fn unattested() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let options = BuildOptions {
            unattested: vec!["pkg-*".into()],
            previous_unattested: vec!["pkg-*".into()],
            ..BuildOptions::default()
        };
        Site::shared_for_lockfile(
            "e2e_review_many",
            "uv.lock",
            &uv_lock(&many(45)),
            &options,
            &SignerMinter,
        )
    })
}

#[test]
fn findings_that_share_one_cause_are_reported_once() {
    let dir = project(&[("uv.lock", &uv_lock(&many(12)))]);
    let human = run_on(old_index(), dir.path(), "check", &["uv.lock"]);
    human.expect_code(1);
    let out = &human.stdout;
    assert!(out.contains("   12 packages, one cause:\n"), "{out}");
    let index = old_index().index_url();
    assert!(
        out.contains(&format!("     deny   PG103 provenance-unavailable  12 packages  could not get provenance: the index `{index}` serves simple API 1.1, older than 1.3 (PEP 740): its pages cannot say whether a file has provenance; fix: ")),
        "{out}"
    );
    assert!(
        out.contains("       pkg-00==1.0 (uv.lock:6), pkg-01==1.0 (uv.lock:15), "),
        "{out}"
    );
    assert!(
        out.contains(", … and 4 more (`--verbose` lists each)\n"),
        "{out}"
    );
    // One line for the cause, not twelve.
    assert_eq!(out.matches("PG103").count(), 2, "{out}");
    assert!(
        out.contains("by rule: PG103 provenance-unavailable 12 deny\n"),
        "{out}"
    );
    // --verbose names every package.
    let verbose = run_on(old_index(), dir.path(), "check", &["uv.lock", "--verbose"]);
    assert!(
        verbose.stdout.contains("pkg-11==1.0 (uv.lock:105)\n"),
        "{}",
        verbose.stdout
    );
    // The JSON findings list and the verdict are untouched.
    let json = run_on(
        old_index(),
        dir.path(),
        "check",
        &["uv.lock", "--format", "json"],
    );
    json.expect_code(1);
    assert_eq!(json.findings().len(), 12);
    // GitHub: one annotation for the cause.
    let github = run_on(
        old_index(),
        dir.path(),
        "check",
        &["uv.lock", "--format", "github"],
    );
    github.expect_code(1);
    let annotations: Vec<&str> = github
        .stdout
        .lines()
        .filter(|l| l.starts_with("::"))
        .collect();
    assert_eq!(annotations.len(), 1, "{}", github.stdout);
    assert!(annotations[0].starts_with("::error file=uv.lock,line=6,title=PG103 provenance-unavailable (12 packages)::could not get provenance for 12 packages: "), "{}", annotations[0]);
    // Markdown: one row.
    let markdown = run_on(
        old_index(),
        dir.path(),
        "check",
        &["uv.lock", "--format", "markdown"],
    );
    assert_eq!(
        markdown.stdout.matches("| **deny** |").count(),
        1,
        "{}",
        markdown.stdout
    );
}

#[test]
fn requests_failing_the_same_way_across_packages_are_one_cause() {
    let lock = uv_lock(&many(4));
    let dir = project(&[("uv.lock", &lock)]);
    let site = &Site::for_lockfile("uv.lock", &lock, &BuildOptions::default(), &SignerMinter);
    // Every provenance request but pkg-03's fails the same way.
    for i in 0..3 {
        site.server.add_fault(
            FaultRule::new(
                &format!("/integrity/pkg-{i:02}/**"),
                Fault::Status {
                    status: 503,
                    retry_after: Some(0),
                },
            )
            .unwrap(),
        );
    }
    let run = run_on(site, dir.path(), "check", &["uv.lock"]);
    run.expect_code(1);
    let origin = site.index_url().trim_end_matches("/simple").to_string();
    assert!(
        run.stdout.contains(&format!("   3 packages, one cause:\n     deny   PG103 provenance-unavailable  3 packages  could not get provenance: requests to `{origin}` failed: HTTP 503 after 4 attempt(s); fix: ")),
        "{}",
        run.stdout
    );
    assert!(
        !run.stdout.contains("pkg-03==1.0 (uv.lock"),
        "{}",
        run.stdout
    );
}

#[test]
fn github_annotations_stay_within_the_limit_most_severe_first() {
    let dir = project(&[
        ("uv.lock", &uv_lock(&many(25))),
        (
            "pubgate.toml",
            "schema = 1\n[rules]\nmissing-provenance = \"deny\"\n",
        ),
    ]);
    let summary = dir.path().join("summary.md");
    let mut cmd = pubgate(dir.path());
    cmd.args([
        "check",
        "uv.lock",
        "--format",
        "github",
        "--no-cache",
        "--index-url",
    ])
    .arg(unattested().index_url())
    .arg("--trusted-root")
    .arg(&unattested().trusted_root)
    .env("GITHUB_STEP_SUMMARY", &summary);
    let run = Run::of(cmd);
    run.expect_code(1);
    let lines: Vec<&str> = run.stdout.lines().collect();
    let errors: Vec<&&str> = lines.iter().filter(|l| l.starts_with("::error")).collect();
    assert_eq!(errors.len(), 10, "{}", run.stdout);
    for error in &errors[..9] {
        assert!(
            error.contains("title=PG101 missing-provenance (pkg-"),
            "{error}"
        );
    }
    assert_eq!(
        *errors[9],
        "::error title=pubgate%3A 16 more findings at deny::GitHub shows 10 annotations of a kind per step: 16 findings at deny have no annotation of their own; each is listed in this step's log after the annotations"
    );
    // Those 16 are in the log as plain lines, not dropped.
    let plain: Vec<&&str> = lines
        .iter()
        .filter(|l| l.starts_with("  deny   PG101"))
        .collect();
    assert_eq!(plain.len(), 16, "{}", run.stdout);
    assert!(run
        .stdout
        .contains("pubgate: 16 findings without an annotation of their own"));
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(
        summary.contains("every finding is in this step's log"),
        "{summary}"
    );
    assert!(
        summary.contains("By rule: PG101 missing-provenance: 25 deny\n"),
        "{summary}"
    );
}

#[test]
fn who_publishes_what_folds_above_forty_packages() {
    let dir = project(&[("uv.lock", &uv_lock(&many(45)))]);
    let folded = run_on(unattested(), dir.path(), "check", &["uv.lock"]);
    folded.expect_code(0);
    assert!(
        folded.stdout.contains("  who publishes what: (45 packages, by publisher; `--verbose` lists each)\n    no provenance: 45 packages: pkg-00==1.0, pkg-01==1.0, pkg-02==1.0, pkg-03==1.0, pkg-04==1.0, pkg-05==1.0, pkg-06==1.0, pkg-07==1.0, … and 37 more\n"),
        "{}",
        folded.stdout
    );
    assert!(folded
        .stdout
        .contains("by rule: PG101 missing-provenance 45 warn\n"));
    let verbose = run_on(unattested(), dir.path(), "check", &["uv.lock", "-v"]);
    assert!(
        verbose
            .stdout
            .contains("    pkg-44==1.0  no provenance (2 of 2 files)\n"),
        "{}",
        verbose.stdout
    );
}

#[test]
fn verbose_logs_requests_retries_and_timings_on_stderr() {
    let lock = uv_lock(&many(1));
    let dir = project(&[("uv.lock", &lock)]);
    let site = &Site::for_lockfile("uv.lock", &lock, &BuildOptions::default(), &SignerMinter);
    site.server.add_fault(
        FaultRule::new(
            "/simple/pkg-00/",
            Fault::Status {
                status: 503,
                retry_after: None,
            },
        )
        .unwrap()
        .times(1),
    );
    let run = run_on(
        site,
        dir.path(),
        "check",
        &["uv.lock", "--verbose", "--format", "json"],
    );
    run.expect_code(0);
    let index = site.index_url();
    assert!(
        run.stderr.contains(&format!(
            "pubgate: GET {index}/pkg-00/ -> HTTP 503 after 1 attempt(s) after "
        )),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("(attempt 1); retrying in "),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains(&format!("pubgate: GET {index}/pkg-00/ -> 200 in ")),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("(attempt 2)"), "{}", run.stderr);
    assert!(
        run.stderr.contains("pubgate: evidence for 1 package in "),
        "{}",
        run.stderr
    );
    // stdout is the report alone.
    run.json();
    // Without --verbose, nothing on stderr.
    let quiet = run_on(site, dir.path(), "check", &["uv.lock", "--format", "json"]);
    assert_eq!(quiet.stderr, "");
}
