//! Whole workflows through the binary against a fake PyPI: `pubgate check` with no paths
//! finds every lockfile of a project and the `[tool.pubgate]` policy in `pyproject.toml`;
//! `pubgate fetch` vendors what an `--offline --provenance-dir` check needs, which then
//! gives the online report with the index gone.

mod e2e_support;

use std::path::Path;

use e2e_support::*;
use pubgate::lockfile::Lockfile;
use pubgate::testing::fake_pypi::{default_minter, index_from_lockfiles, BuildOptions};
use serde_json::Value;

/// Real fixture lockfiles copied into a project under the names discovery looks for.
const PROJECT_LOCKFILES: [(&str, &str); 5] = [
    ("uv/built-by-uv.uv.lock", "uv.lock"),
    ("pdm/pdm-demo.pdm.lock", "pdm.lock"),
    ("pylock/spec-example.pylock.toml", "pylock.toml"),
    (
        "requirements/uv-testdata-poetry-with-hashes.txt",
        "requirements.txt",
    ),
    ("pipfile/pipenv-examples.Pipfile.lock", "Pipfile.lock"),
];

fn fixture(path: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/lockfiles")
            .join(path),
    )
    .unwrap()
}

fn read(dir: &Path, name: &str) -> Lockfile {
    pubgate::lockfile::read(&dir.join(name), None).unwrap()
}

#[test]
fn check_without_paths_checks_every_lockfile_of_the_project() {
    let files: Vec<(&str, String)> = PROJECT_LOCKFILES
        .iter()
        .map(|(fixture_path, name)| (*name, fixture(fixture_path)))
        .chain([
            // Not lockfiles: discovery must leave them alone.
            ("notes.txt", "requests\n".to_string()),
            ("pyproject.toml", "[project]\nname = \"demo\"\n".to_string()),
        ])
        .collect();
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let dir = project(&files);
    let lockfiles: Vec<Lockfile> = PROJECT_LOCKFILES
        .iter()
        .map(|(_, name)| read(dir.path(), name))
        .collect();
    let site = Site::serve(
        &index_from_lockfiles(
            &lockfiles,
            &BuildOptions::default(),
            default_minter().as_ref(),
        )
        .unwrap(),
    );

    let run = site.check(dir.path(), &["--format", "json"]);
    run.expect_code(0);
    let report = run.json();
    let mut checked: Vec<(String, String)> = report["lockfiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["path"].as_str().unwrap().to_string(),
                l["format"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    checked.sort();
    assert_eq!(
        checked,
        [
            ("Pipfile.lock", "pipfile"),
            ("pdm.lock", "pdm"),
            ("pylock.toml", "pylock"),
            ("requirements.txt", "requirements"),
            ("uv.lock", "uv"),
        ]
        .map(|(p, f)| (p.to_string(), f.to_string()))
    );
    // Every index package of every lockfile was looked up and verified.
    let expected: usize = lockfiles
        .iter()
        .map(|l| l.packages.iter().filter(|p| p.source.is_index()).count())
        .sum();
    let verified_packages = report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| {
            let artifacts = p["artifacts"].as_array().unwrap();
            !artifacts.is_empty() && artifacts.iter().all(|a| a["provenance"] == "verified")
        })
        .count();
    assert_eq!(verified_packages, expected, "{report:#}");
    assert_eq!(report["summary"]["invalid"], 0);
    assert_eq!(report["summary"]["unavailable"], 0);
    assert_eq!(report["policy"]["source"], "built-in");
}

#[test]
fn a_tool_pubgate_table_in_pyproject_is_the_policy() {
    let lock = uv_lock(&[Pkg::pypi("legacy", "1.0"), Pkg::pypi("good", "1.0")]);
    let pyproject = "[project]\nname = \"demo\"\nversion = \"0.1.0\"\n\n[tool.pubgate]\nschema = 1\n\n[tool.pubgate.rules]\nmissing-provenance = \"deny\"\n\n[[tool.pubgate.exemption]]\npackage = \"ghost\"\nrule = \"missing-provenance\"\nreason = \"left over\"\n";
    let dir = project(&[("uv.lock", &lock), ("pyproject.toml", pyproject)]);
    let options = BuildOptions {
        unattested: vec!["legacy".into()],
        previous_unattested: vec!["legacy".into()],
        ..BuildOptions::default()
    };
    let site = Site::for_lockfile("uv.lock", &lock, &options, default_minter().as_ref());

    let run = site.check(dir.path(), &["--format", "json"]);
    run.expect_code(1);
    let report = run.json();
    assert_eq!(report["policy"]["source"], "pyproject");
    assert_eq!(report["policy"]["path"], "pyproject.toml");
    assert_eq!(
        findings(&report),
        [
            (
                "missing-provenance".to_string(),
                "legacy".to_string(),
                false
            ),
            ("unused-exemption".to_string(), String::new(), false),
        ]
    );
    assert_eq!(report["findings"][0]["level"], "deny");
    // Policy findings point into pyproject.toml, at the exemption's line.
    assert_eq!(report["findings"][1]["location"]["path"], "pyproject.toml");
    assert_eq!(report["findings"][1]["location"]["line"], 11);

    // A dedicated policy file beside it does not silently replace it: which one rules would
    // be a guess, so the check stops naming both (`--policy` settles it).
    std::fs::write(dir.path().join("pubgate.toml"), "schema = 1\n").unwrap();
    let run = site.check(dir.path(), &["--format", "json"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("`pubgate.toml`") && run.stderr.contains("[tool.pubgate]"),
        "{}",
        run.stderr
    );
    let run = site.check(
        dir.path(),
        &["--format", "json", "--policy", "pubgate.toml"],
    );
    run.expect_code(0);
    assert_eq!(run.json()["policy"]["path"], "pubgate.toml");
}

/// The JSON report of `pubgate check` in `dir` with `args`, against `index_url` (which may
/// be down) with the test signer's root at `root`.
fn check_json(dir: &Path, index_url: &str, root: &Path, args: &[&str]) -> Run {
    let mut cmd = pubgate(dir);
    cmd.args(["check", "uv.lock", "--format", "json", "--timeout", "2"])
        .args(["--index-url", index_url])
        .arg("--trusted-root")
        .arg(root)
        .args(args);
    Run::of(cmd)
}

#[test]
fn a_vendored_directory_gives_the_online_report_with_the_index_gone() {
    let lock = uv_lock(&[
        Pkg::pypi("good", "1.0"),
        Pkg::pypi("legacy", "1.0"),
        Pkg::pypi("evil", "1.0"),
        Pkg::pypi("moved", "2.0"),
        Pkg::pypi("regressed", "3.1"),
        Pkg::pypi("first", "0.1"),
    ]);
    let options = BuildOptions {
        unattested: vec!["legacy".into(), "regressed".into()],
        previous_unattested: vec!["legacy".into()],
        tampered: vec!["evil".into()],
        publisher_change: vec!["moved".into()],
        ..BuildOptions::default()
    };
    let dir = project(&[("uv.lock", &lock)]);
    let site = Site::for_lockfile("uv.lock", &lock, &options, default_minter().as_ref());
    let index_url = site.index_url();
    let root = dir.path().join("trusted_root.json");
    std::fs::copy(&site.trusted_root, &root).unwrap();

    let online = check_json(dir.path(), &index_url, &root, &["--no-cache"]);
    online.expect_code(1);
    let online_report = online.json();
    assert_eq!(
        findings(&online_report)
            .into_iter()
            .map(|(rule, package, _)| format!("{rule} {package}"))
            .collect::<Vec<_>>(),
        [
            "missing-provenance legacy",
            "invalid-provenance evil",
            "invalid-provenance evil",
            "publisher-change moved",
            "missing-provenance regressed",
            "provenance-regression regressed",
        ]
    );

    let mut fetch = pubgate(dir.path());
    fetch
        .args(["fetch", "uv.lock", "--into", "vendor", "--no-cache"])
        .args(["--index-url", &index_url, "--timeout", "2"])
        .arg("--trusted-root")
        .arg(&root);
    let fetched = Run::of(fetch);
    fetched.expect_code(0);
    assert_eq!(fetched.stdout, "");
    let host = format!("127.0.0.1_{}", site.port());
    assert!(dir
        .path()
        .join("vendor")
        .join(&host)
        .join("simple/good/index.json")
        .is_file());
    drop(site);

    // The index is gone: the vendored directory alone gives the same report.
    let offline = check_json(
        dir.path(),
        &index_url,
        &root,
        &["--offline", "--provenance-dir", "vendor", "--no-cache"],
    );
    offline.expect_code(1);
    assert_eq!(offline.json(), online_report);

    // Without the directory, the same offline run can see nothing: it fails closed.
    let blind = check_json(dir.path(), &index_url, &root, &["--offline", "--no-cache"]);
    blind.expect_code(1);
    let blind_report: Value = blind.json();
    assert!(findings(&blind_report)
        .iter()
        .all(|(rule, _, _)| rule == "provenance-unavailable"));
    assert_eq!(blind_report["summary"]["unavailable"], 12);
}

#[test]
fn a_warm_cache_saves_provenance_requests_and_changes_nothing() {
    let lock = uv_lock(&[
        Pkg::pypi("good", "1.0"),
        Pkg::pypi("legacy", "1.0"),
        Pkg::pypi("moved", "2.0"),
    ]);
    let options = BuildOptions {
        unattested: vec!["legacy".into()],
        previous_unattested: vec!["legacy".into()],
        publisher_change: vec!["moved".into()],
        ..BuildOptions::default()
    };
    let dir = project(&[("uv.lock", &lock)]);
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap();
    let site = Site::for_lockfile("uv.lock", &lock, &options, default_minter().as_ref());
    let args = ["uv.lock", "--format", "json", "--cache-dir", cache_dir];

    let cold = site.check(dir.path(), &args);
    cold.expect_code(1);
    assert!(site.server.request_count() > 0);
    site.server.clear_log();
    let warm = site.check(dir.path(), &args);
    warm.expect_code(1);
    // The cache holds provenance objects (verified again); pages are always asked.
    assert_eq!(
        site.server.count_matching("/integrity/**"),
        0,
        "{:?}",
        site.server.requests()
    );
    assert_eq!(site.server.count_matching("/simple/**"), 3);
    assert_eq!(warm.json(), cold.json());

    // Offline, a cache alone is no evidence: every package is unavailable.
    site.server.clear_log();
    let mut offline_args = args.to_vec();
    offline_args.push("--offline");
    let offline = site.check(dir.path(), &offline_args);
    offline.expect_code(1);
    assert!(findings(&offline.json())
        .iter()
        .all(|(rule, _, _)| rule == "provenance-unavailable"));
    assert_eq!(site.server.request_count(), 0);
}
