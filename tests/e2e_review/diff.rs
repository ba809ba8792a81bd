//! `pubgate diff OLD NEW` and `pubgate diff --base REF`.

use std::path::Path;
use std::process::Command as Process;

use serde_json::Value;

use super::e2e_support::*;
use super::{pkg, repo_file, run};

/// `pubgate diff old.lock new.lock --format json ARGS…` in a project holding both (and a
/// policy when given).
fn diff(old: &[Pkg], new: &[Pkg], policy: Option<&str>, args: &[&str]) -> (Run, tempfile::TempDir) {
    let old = uv_lock(old);
    let new = uv_lock(new);
    let mut files = vec![("old/uv.lock", old.as_str()), ("uv.lock", new.as_str())];
    if let Some(policy) = policy {
        files.push(("pubgate.toml", policy));
    }
    let dir = project(&files);
    let mut all = vec!["old/uv.lock", "uv.lock"];
    all.extend_from_slice(args);
    (run(dir.path(), "diff", &all), dir)
}

fn json_diff(old: &[Pkg], new: &[Pkg], policy: Option<&str>) -> (Run, Value) {
    let (run, _dir) = diff(old, new, policy, &["--format", "json"]);
    let value = run.json();
    validate(&value);
    (run, value)
}

/// The diff JSON validates against `docs/diff-schema.json` (findings against
/// `docs/report-schema.json`, which it refers to).
fn validate(value: &Value) {
    /// Serves `report-schema.json` from the repository, and nothing else.
    struct Docs;
    impl jsonschema::Retrieve for Docs {
        fn retrieve(
            &self,
            uri: &jsonschema::Uri<String>,
        ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
            let path = uri.path().as_str();
            if path.ends_with("/docs/report-schema.json") {
                Ok(serde_json::from_str(&repo_file("docs/report-schema.json"))?)
            } else {
                Err(format!("no schema at {uri}").into())
            }
        }
    }
    let schema: Value = serde_json::from_str(&repo_file("docs/diff-schema.json")).unwrap();
    let validator = jsonschema::options()
        .with_retriever(Docs)
        .build(&schema)
        .unwrap();
    let errors: Vec<String> = validator
        .iter_errors(value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}\n{value:#}", errors.join("\n"));
}

/// `(name, change, publisher_changed, provenance)` of every package change.
fn changes(value: &Value) -> Vec<(String, String, bool, Option<String>)> {
    value["lockfiles"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|l| l["packages"].as_array().unwrap())
        .map(|c| {
            (
                c["name"].as_str().unwrap().to_string(),
                c["change"].as_str().unwrap().to_string(),
                c["publisher_changed"].as_bool().unwrap(),
                c["provenance"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// `(rule, package, level)` of the introduced (or resolved) findings.
fn introduced(value: &Value, key: &str) -> Vec<(String, String, String)> {
    value[key]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["package"].as_str().unwrap_or("").to_string(),
                if f["exempted_by"].is_null() {
                    f["level"].as_str().unwrap().to_string()
                } else {
                    "exempted".to_string()
                },
            )
        })
        .collect()
}

fn owned(list: &[(&str, &str, &str)]) -> Vec<(String, String, String)> {
    list.iter()
        .map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string()))
        .collect()
}

#[test]
fn an_upgrade_with_the_same_publisher_passes() {
    let (run, value) = json_diff(&[pkg("good", "1.0")], &[pkg("good", "1.1")], None);
    run.expect_code(0);
    assert_eq!(
        changes(&value),
        [("good".into(), "upgraded".into(), false, None)]
    );
    assert!(introduced(&value, "introduced").is_empty(), "{value:#}");
    let after = &value["lockfiles"][0]["packages"][0]["after"];
    assert_eq!(after["versions"][0], "1.1");
    assert_eq!(after["publishers"][0]["repository"], "good-dev/good");
    assert_eq!(value["outcome"], "pass");

    let (human, _dir) = diff(&[pkg("good", "1.0")], &[pkg("good", "1.1")], None, &[]);
    human.expect_code(0);
    assert!(
        human.stdout.contains("upgraded    good 1.0 → 1.1  GitHub `good-dev/good` workflow `release.yml`, same publisher"),
        "{}",
        human.stdout
    );
    assert!(human
        .stdout
        .ends_with("PASS: the change introduces no finding at deny\n"));
    // A downgrade says so.
    let (run, value) = json_diff(&[pkg("good", "1.1")], &[pkg("good", "1.0")], None);
    run.expect_code(0);
    assert_eq!(
        changes(&value),
        [("good".into(), "downgraded".into(), false, None)]
    );
}

#[test]
fn a_publisher_change_fails() {
    let (run, value) = json_diff(&[pkg("moved", "2.0")], &[pkg("moved", "2.1")], None);
    run.expect_code(1);
    assert_eq!(
        changes(&value),
        [("moved".into(), "upgraded".into(), true, None)]
    );
    let change = &value["lockfiles"][0]["packages"][0];
    assert_eq!(
        change["before"]["publishers"][0]["repository"],
        "someone-else/moved"
    );
    assert_eq!(
        change["after"]["publishers"][0]["repository"],
        "moved-dev/moved"
    );
    assert_eq!(
        introduced(&value, "introduced"),
        owned(&[("publisher-change", "moved", "deny")])
    );
    assert_eq!(value["summary"]["publisher_changed"], 1);
    assert_eq!(value["outcome"], "fail");
}

#[test]
fn a_publisher_change_across_unlocked_releases_is_caught_against_the_old_lockfile() {
    // skip 1.0 (someone-else) → 3.0 (skip-dev, like 2.0 before it): the index history shows
    // no change, the old lockfile does.
    let (run, value) = json_diff(&[pkg("skip", "1.0")], &[pkg("skip", "3.0")], None);
    run.expect_code(1);
    assert_eq!(
        changes(&value),
        [("skip".into(), "upgraded".into(), true, None)]
    );
    let found = &value["introduced"][0];
    assert_eq!(found["rule"], "publisher-change");
    assert_eq!(
        found["message"],
        "the lockfile change moves `skip` from `1.0`, published by GitHub `someone-else/skip` workflow `publish.yml`, to `3.0`, published by GitHub `skip-dev/skip` workflow `release.yml`"
    );
    // Exempting that version, with a reason, passes the review.
    let policy = "schema = 1\n\n[[exemption]]\npackage = \"skip\"\nversions = \"==3.0\"\nrule = \"publisher-change\"\nreason = \"moved to the skip-dev organisation; see release notes\"\n";
    let (run, value) = json_diff(&[pkg("skip", "1.0")], &[pkg("skip", "3.0")], Some(policy));
    run.expect_code(0);
    assert_eq!(
        introduced(&value, "introduced"),
        owned(&[("publisher-change", "skip", "exempted")])
    );
}

#[test]
fn lost_provenance_fails() {
    let (run, value) = json_diff(&[pkg("regressed", "3.0")], &[pkg("regressed", "3.1")], None);
    run.expect_code(1);
    assert_eq!(
        changes(&value),
        [(
            "regressed".into(),
            "upgraded".into(),
            false,
            Some("lost".into())
        )]
    );
    let found = introduced(&value, "introduced");
    assert!(
        found.contains(&(
            "provenance-regression".into(),
            "regressed".into(),
            "deny".into()
        )),
        "{found:?}"
    );
    assert_eq!(value["summary"]["provenance_lost"], 1);
}

#[test]
fn a_new_package_without_provenance_warns_and_fails_when_the_policy_denies_it() {
    let (run, value) = json_diff(
        &[pkg("good", "1.1")],
        &[pkg("good", "1.1"), pkg("fresh", "1.0")],
        None,
    );
    run.expect_code(0);
    assert_eq!(
        changes(&value),
        [("fresh".into(), "added".into(), false, None)]
    );
    assert_eq!(
        value["lockfiles"][0]["packages"][0]["after"]["provenance"],
        "absent"
    );
    assert_eq!(
        introduced(&value, "introduced"),
        owned(&[("missing-provenance", "fresh", "warn")])
    );
    let strict = "schema = 1\n[rules]\nmissing-provenance = \"deny\"\n";
    let (run, value) = json_diff(
        &[pkg("good", "1.1")],
        &[pkg("good", "1.1"), pkg("fresh", "1.0")],
        Some(strict),
    );
    run.expect_code(1);
    assert_eq!(
        introduced(&value, "introduced"),
        owned(&[("missing-provenance", "fresh", "deny")])
    );
    // --deny-warnings fails on the warning too.
    let (run, _dir) = diff(
        &[pkg("good", "1.1")],
        &[pkg("good", "1.1"), pkg("fresh", "1.0")],
        None,
        &["--deny-warnings"],
    );
    run.expect_code(1);
}

#[test]
fn a_removed_package_passes_and_resolves_its_findings() {
    let (run, value) = json_diff(
        &[pkg("good", "1.1"), pkg("legacy", "1.0")],
        &[pkg("good", "1.1")],
        None,
    );
    run.expect_code(0);
    assert_eq!(
        changes(&value),
        [("legacy".into(), "removed".into(), false, None)]
    );
    assert!(value["lockfiles"][0]["packages"][0]["after"].is_null());
    assert_eq!(
        introduced(&value, "resolved"),
        owned(&[("missing-provenance", "legacy", "warn")])
    );
    assert_eq!(value["resolved"][0]["location"]["path"], "old/uv.lock");
    let (human, _dir) = diff(
        &[pkg("good", "1.1"), pkg("gone", "0.5")],
        &[pkg("good", "1.1")],
        None,
        &[],
    );
    human.expect_code(0);
    assert!(
        human
            .stdout
            .contains("removed     gone 0.5  was GitHub `gone-dev/gone` workflow `release.yml`"),
        "{}",
        human.stdout
    );
}

#[test]
fn markdown_and_github_formats() {
    let old = [
        pkg("good", "1.0"),
        pkg("moved", "2.0"),
        pkg("legacy", "1.0"),
    ];
    let new = [pkg("good", "1.1"), pkg("moved", "2.1"), pkg("fresh", "1.0")];
    let (markdown, _dir) = diff(&old, &new, None, &["--format", "markdown"]);
    markdown.expect_code(1);
    let md = &markdown.stdout;
    assert!(
        md.starts_with("## pubgate diff: ❌ the change introduces 1 finding at deny\n"),
        "{md}"
    );
    assert!(
        md.contains("| Package | Change | Publisher before | Publisher after |"),
        "{md}"
    );
    assert!(
        md.contains("| moved | upgraded 2.0 → 2.1 | GitHub \\`someone-else/moved\\` workflow \\`publish.yml\\` | **publisher changed:** GitHub \\`moved-dev/moved\\`"),
        "{md}"
    );
    assert!(
        md.contains("<details open><summary>Findings the change introduces (2)</summary>"),
        "{md}"
    );
    assert!(
        md.contains("<details><summary>Findings the change resolves (1)</summary>"),
        "{md}"
    );

    let (github, _dir) = diff(&old, &new, None, &["--format", "github"]);
    github.expect_code(1);
    let lines: Vec<&str> = github.stdout.lines().collect();
    // Annotations on the new lockfile's changed lines, most severe first.
    assert!(
        lines[0].starts_with("::error file=uv.lock,line="),
        "{}",
        github.stdout
    );
    assert!(lines[0].contains("title=PG202 publisher-change (moved==2.1)"));
    assert!(
        lines[1].starts_with("::warning file=uv.lock,line="),
        "{}",
        github.stdout
    );
    assert!(lines[1].contains("PG101 missing-provenance (fresh==1.0)"));
    assert_eq!(lines.len(), 3, "{}", github.stdout);
    assert!(lines[2].starts_with("pubgate diff: FAIL (4 packages changed: 2 upgraded, 1 added, 1 removed; 1 publisher change; findings: 2 introduced"), "{}", lines[2]);
}

/// `git ARGS…` in `dir`, which must succeed.
fn git(dir: &Path, args: &[&str]) {
    let status = Process::new("git")
        .current_dir(dir)
        .args([
            "-c",
            "user.name=pubgate",
            "-c",
            "user.email=pubgate@example.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .status()
        .unwrap();
    assert!(status.success(), "git {args:?}");
}

#[test]
fn base_reads_the_old_lockfile_from_git() {
    let dir = project(&[(
        "app/uv.lock",
        &uv_lock(&[pkg("good", "1.0"), pkg("moved", "2.0")]),
    )]);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "."]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    std::fs::write(
        dir.path().join("app/uv.lock"),
        uv_lock(&[pkg("good", "1.1"), pkg("moved", "2.0")]),
    )
    .unwrap();
    let app = dir.path().join("app");

    // From a subdirectory: the path is taken from the repository root.
    let same = run(
        &app,
        "diff",
        &["--base", "HEAD", "uv.lock", "--format", "json"],
    );
    same.expect_code(0);
    let value = same.json();
    validate(&value);
    assert_eq!(value["base"], "HEAD");
    assert_eq!(value["lockfiles"][0]["old_path"], "HEAD:app/uv.lock");
    assert_eq!(
        changes(&value),
        [("good".into(), "upgraded".into(), false, None)]
    );

    // The change now moves `moved` to a new publisher: exit 1. With no path, the lockfiles
    // of the current directory.
    std::fs::write(
        app.join("uv.lock"),
        uv_lock(&[pkg("good", "1.1"), pkg("moved", "2.1")]),
    )
    .unwrap();
    let moved = run(&app, "diff", &["--base", "HEAD"]);
    moved.expect_code(1);
    assert!(
        moved
            .stdout
            .contains("uv.lock (uv), against HEAD:app/uv.lock"),
        "{}",
        moved.stdout
    );
    assert!(
        moved
            .stdout
            .contains("publisher changed: GitHub `someone-else/moved`"),
        "{}",
        moved.stdout
    );

    // A lockfile the base does not have: every package is added.
    std::fs::write(
        app.join("requirements.txt"),
        format!(
            "good==1.1 \\\n    --hash=sha256:{} \\\n    --hash=sha256:{}\n",
            pkg("good", "1.1").sha(0),
            pkg("good", "1.1").sha(1)
        ),
    )
    .unwrap();
    let added = run(
        &app,
        "diff",
        &["--base", "HEAD", "requirements.txt", "--format", "json"],
    );
    added.expect_code(0);
    let value = added.json();
    assert!(value["lockfiles"][0]["old_path"].is_null());
    assert_eq!(
        changes(&value),
        [("good".into(), "added".into(), false, None)]
    );

    // Can't judge: an unknown revision, a revision that could be an option, no repository.
    let unknown = run(&app, "diff", &["--base", "no-such-branch", "uv.lock"]);
    unknown.expect_code(2);
    assert!(
        unknown
            .stderr
            .contains("git does not know the revision `no-such-branch`"),
        "{}",
        unknown.stderr
    );
    let option = run(&app, "diff", &["--base=--output=/tmp/x", "uv.lock"]);
    option.expect_code(2);
    assert!(
        option.stderr.contains("is not a revision pubgate accepts"),
        "{}",
        option.stderr
    );
    let outside = project(&[("uv.lock", &uv_lock(&[pkg("good", "1.1")]))]);
    let not_repo = run(outside.path(), "diff", &["--base", "HEAD", "uv.lock"]);
    not_repo.expect_code(2);
    assert!(
        not_repo.stderr.contains("is not inside a git repository"),
        "{}",
        not_repo.stderr
    );
}

#[test]
fn it_cannot_judge_without_two_lockfiles_or_a_base() {
    let dir = project(&[("uv.lock", &uv_lock(&[pkg("good", "1.1")]))]);
    let one = run(dir.path(), "diff", &["uv.lock"]);
    one.expect_code(2);
    assert!(
        one.stderr.contains("compares two lockfiles"),
        "{}",
        one.stderr
    );
    let broken = project(&[
        ("uv.lock", &uv_lock(&[pkg("good", "1.1")])),
        ("old.lock", "version = 99\n"),
    ]);
    run(
        broken.path(),
        "diff",
        &["old.lock", "uv.lock", "--lock-format", "uv"],
    )
    .expect_code(2);
}

#[test]
fn every_lockfile_format_can_be_compared() {
    // A requirements file against a uv.lock of the same packages, one upgraded.
    let good = pkg("good", "1.1");
    let requirements = format!(
        "good==1.1 \\\n    --hash=sha256:{} \\\n    --hash=sha256:{}\n",
        good.sha(0),
        good.sha(1)
    );
    let dir = project(&[
        ("old/uv.lock", &uv_lock(&[pkg("good", "1.0")])),
        ("requirements.txt", &requirements),
    ]);
    let run = run(
        dir.path(),
        "diff",
        &["old/uv.lock", "requirements.txt", "--format", "json"],
    );
    run.expect_code(0);
    let value = run.json();
    assert_eq!(value["lockfiles"][0]["format"], "requirements");
    assert_eq!(
        changes(&value),
        [("good".into(), "upgraded".into(), false, None)]
    );
}
