//! `pubgate audit` end to end: the binary against a fake PyPI serving release histories
//! signed by the test signer. A project that adopted Trusted Publishing at release N, a token
//! upload after adoption (deny), a publisher not declared (deny), a workflow ref that drifted
//! (deny), a mixed release (warn), a project never attested (remediation), `--since` and
//! `--last` (only recent releases examined, and only their provenance fetched), a missing
//! project, every format, and exit codes.

mod cyclonedx_support;
mod e2e_support;

use std::path::Path;

use e2e_support::{pubgate, Run};
use pubgate::testing::fake_pypi::{synthetic_sha256, FakeFile, FakeIndex, FakePypi};
use pubgate::testing::signer::{self, MintRequest, TestPublisher};
use serde_json::Value;

/// A file signed by GitHub `repository` (`workflow`) from `git_ref`, uploaded at `at`.
fn signed(filename: &str, repository: &str, workflow: &str, git_ref: &str, at: &str) -> FakeFile {
    let sha256 = synthetic_sha256(filename);
    let publisher = TestPublisher::github(repository, workflow)
        .with_ref(git_ref)
        .with_environment(Some("pypi"));
    let provenance = signer::mint_provenance(&[MintRequest::new(filename, &sha256, publisher)]);
    FakeFile::new(filename, &sha256)
        .with_provenance(provenance)
        .uploaded(Some(at))
}

/// A file without provenance, uploaded at `at`.
fn unsigned(filename: &str, at: &str) -> FakeFile {
    FakeFile::new(filename, &synthetic_sha256(filename)).uploaded(Some(at))
}

/// The sdist and wheel of a release, both signed by `acme/<project>` `release.yml` from
/// `refs/tags/v<version>`.
fn release(project: &str, version: &str, at: &str) -> Vec<FakeFile> {
    let repository = format!("acme/{project}");
    let git_ref = format!("refs/tags/v{version}");
    vec![
        signed(
            &format!("{project}-{version}.tar.gz"),
            &repository,
            "release.yml",
            &git_ref,
            at,
        ),
        signed(
            &format!("{project}-{version}-py3-none-any.whl"),
            &repository,
            "release.yml",
            &git_ref,
            at,
        ),
    ]
}

/// The histories every test audits.
fn histories() -> FakeIndex {
    let mut index = FakeIndex::new();
    let mut add = |project: &str, files: Vec<FakeFile>| {
        for file in files {
            index.add(project, file);
        }
    };
    // Adopted Trusted Publishing at 2.0 (release N = 3 of 4).
    add(
        "adopter",
        vec![
            unsigned("adopter-1.0.tar.gz", "2024-01-10T10:00:00Z"),
            unsigned("adopter-1.1.tar.gz", "2024-06-01T10:00:00Z"),
        ],
    );
    add("adopter", release("adopter", "2.0", "2025-01-15T10:00:00Z"));
    add("adopter", release("adopter", "2.1", "2025-03-01T10:00:00Z"));
    // Attested, then a wheel uploaded with a token.
    add("leaky", release("leaky", "1.0", "2025-01-01T10:00:00Z"));
    add(
        "leaky",
        vec![unsigned(
            "leaky-1.1-py3-none-any.whl",
            "2025-06-02T08:00:00Z",
        )],
    );
    // A release from a repository nobody declared.
    add(
        "hijacked",
        release("hijacked", "1.0", "2025-01-01T10:00:00Z"),
    );
    add(
        "hijacked",
        vec![signed(
            "hijacked-1.1.tar.gz",
            "evil/hijacked",
            "release.yml",
            "refs/tags/v1.1",
            "2025-06-05T08:00:00Z",
        )],
    );
    // The declared repository and workflow, but from a branch.
    add("drifted", release("drifted", "1.0", "2025-01-01T10:00:00Z"));
    add(
        "drifted",
        vec![signed(
            "drifted-1.1.tar.gz",
            "acme/drifted",
            "release.yml",
            "refs/heads/main",
            "2025-06-03T08:00:00Z",
        )],
    );
    // Adopted in 1.0, whose sdist was uploaded by hand first.
    add(
        "mixed",
        vec![
            unsigned("mixed-1.0.tar.gz", "2025-02-01T09:00:00Z"),
            signed(
                "mixed-1.0-py3-none-any.whl",
                "acme/mixed",
                "release.yml",
                "refs/tags/v1.0",
                "2025-02-01T10:00:00Z",
            ),
        ],
    );
    // Never attested.
    add(
        "legacy",
        vec![
            unsigned("legacy-0.1.tar.gz", "2023-03-01T10:00:00Z"),
            unsigned("legacy-0.2.tar.gz", "2025-04-01T10:00:00Z"),
        ],
    );
    index
}

/// One `[[project]]` per project; line numbers matter to the assertions below.
const POLICY: &str = r#"schema = 1

[[project]]
names = ["adopter"]
publisher = { kind = "github", repository = "acme/adopter", workflow = "release.yml" }

[[project]]
names = ["leaky"]
publisher = { kind = "github", repository = "acme/leaky", workflow = "release.yml" }

[[project]]
names = ["mixed"]
publisher = { kind = "github", repository = "acme/mixed", workflow = "release.yml" }

[[project]]
names = ["legacy"]
publisher = { kind = "github", repository = "acme/legacy", workflow = "release.yml" }

[[project]]
names = ["hijacked"]
publisher = { kind = "github", repository = "acme/hijacked", workflow = "release.yml" }

[[project]]
names = ["drifted"]
publisher = { kind = "github", repository = "acme/drifted", workflow = "release.yml", ref = "refs/tags/v*", environment = "pypi" }
"#;

struct Site {
    _pages: tempfile::TempDir,
    server: FakePypi,
    dir: tempfile::TempDir,
}

fn site() -> Site {
    let pages = tempfile::tempdir().unwrap();
    histories().write(pages.path()).unwrap();
    let server = FakePypi::start(pages.path()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("trusted_root.json"),
        signer::global().trusted_root_json(),
    )
    .unwrap();
    std::fs::write(dir.path().join("pubgate.toml"), POLICY).unwrap();
    Site {
        _pages: pages,
        server,
        dir,
    }
}

impl Site {
    fn audit(&self, args: &[&str]) -> Run {
        let mut cmd = pubgate(self.dir.path());
        cmd.arg("audit")
            .args(args)
            .args(["--index-url", &self.server.index_url()])
            .args(["--trusted-root", "trusted_root.json", "--no-cache"]);
        Run::of(cmd)
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }
}

/// `(code, project, version)` of every finding.
fn codes(report: &Value) -> Vec<(String, String, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["code"].as_str().unwrap().to_string(),
                f["package"].as_str().unwrap_or("").to_string(),
                f["version"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn project<'a>(report: &'a Value, name: &str) -> &'a Value {
    report["projects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("no project {name}"))
}

/// `(version, verdict)` of a project's examined releases, newest first.
fn verdicts(report: &Value, name: &str) -> Vec<(String, String)> {
    project(report, name)["releases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["version"].as_str().unwrap().to_string(),
                r["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(a: &str, b: &str) -> (String, String) {
    (a.to_string(), b.to_string())
}

#[test]
fn a_project_that_adopted_trusted_publishing_at_release_n_passes() {
    let site = site();
    let run = site.audit(&["adopter", "--format", "json"]);
    run.expect_code(0);
    let report = run.json();
    assert_eq!(codes(&report), []);
    assert_eq!(
        verdicts(&report, "adopter"),
        [
            pair("2.1", "trusted-publishing"),
            pair("2.0", "trusted-publishing"),
            pair("1.1", "no-provenance"),
            pair("1.0", "no-provenance"),
        ]
    );
    let summary = &project(&report, "adopter")["summary"];
    assert_eq!(summary["releases_examined"], 4);
    assert_eq!(summary["releases_trusted_publishing"], 2);
    assert_eq!(summary["files_verified"], 4);
    assert_eq!(summary["first_attested"]["version"], "2.0");
    assert_eq!(
        summary["first_attested"]["uploaded"],
        "2025-01-15T10:00:00Z"
    );
    assert_eq!(summary["first_attested"]["verified"], true);
    // Who published, with the evidence.
    let file = &project(&report, "adopter")["releases"][0]["files"][0];
    assert_eq!(file["publisher"]["repository"], "acme/adopter");
    assert_eq!(file["publisher"]["ref"], "refs/tags/v2.1");
    let attestation = &file["attestations"][0];
    assert_eq!(
        attestation["certificate_identity"],
        "https://github.com/acme/adopter/.github/workflows/release.yml@refs/tags/v2.1"
    );
    assert_eq!(
        attestation["issuer"],
        "https://token.actions.githubusercontent.com"
    );
    assert!(attestation["log_index"].is_u64());
    assert_eq!(attestation["integrated_time"], "2025-06-01T12:00:00Z");
    // Adopted: not on the remediation list.
    assert_eq!(report["remediation"], serde_json::json!([]));

    // The human report says the same.
    let run = site.audit(&["adopter"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains(
            "releases: 4 listed, 4 examined, 2 of them through Trusted Publishing (50%); files: 4 of 6 verified (66%)"
        ),
        "{}",
        run.stdout
    );
    assert!(run
        .stdout
        .contains("first release with attestations: 2.0 (2025-01-15)"));
    assert!(
        run.stdout.ends_with("PASS: no finding at deny\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_token_upload_after_adoption_is_denied() {
    let site = site();
    let run = site.audit(&["leaky", "--format", "json"]);
    run.expect_code(1);
    let report = run.json();
    assert_eq!(
        codes(&report),
        [("PG401".to_string(), "leaky".to_string(), "1.1".to_string())]
    );
    let finding = &report["findings"][0];
    assert_eq!(finding["level"], "deny");
    assert_eq!(finding["artifact"], "leaky-1.1-py3-none-any.whl");
    assert_eq!(
        finding["message"],
        "`leaky-1.1-py3-none-any.whl` was uploaded without provenance on 2025-06-02, but `leaky` has published with attestations since `1.0` (uploaded 2025-01-01): an upload with an API token, or a release pipeline that stopped attesting"
    );
    assert_eq!(finding["location"]["path"], "pubgate.toml");
    assert_eq!(verdicts(&report, "leaky")[0], pair("1.1", "no-provenance"));
    // Still publishing with tokens: on the remediation list.
    assert_eq!(report["remediation"][0]["project"], "leaky");
    assert_eq!(
        report["remediation"][0]["reason"],
        "latest-without-provenance"
    );

    // An exemption for that version (with a reason) accepts it, as everywhere.
    let policy = std::fs::read_to_string(site.path().join("pubgate.toml")).unwrap();
    std::fs::write(
        site.path().join("pubgate.toml"),
        format!("{policy}\n[[exemption]]\npackage = \"leaky\"\nversions = \"==1.1\"\nrule = \"unattested-upload\"\nreason = \"uploaded by hand during the CI outage, #42\"\n"),
    )
    .unwrap();
    let run = site.audit(&["leaky", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(
        run.findings(),
        [("unattested-upload".into(), "leaky".into(), true)]
    );
}

#[test]
fn a_publisher_not_declared_is_denied() {
    let site = site();
    let run = site.audit(&["hijacked", "--format", "json"]);
    run.expect_code(1);
    let report = run.json();
    assert_eq!(
        codes(&report),
        [(
            "PG402".to_string(),
            "hijacked".to_string(),
            "1.1".to_string()
        )]
    );
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert_eq!(
        message,
        "`hijacked-1.1.tar.gz` was published by GitHub `evil/hijacked` workflow `release.yml` ref `refs/tags/v1.1` environment `pypi` (as PyPI claims), which is not a declared publisher of `hijacked` (declared: GitHub `acme/hijacked` workflow `release.yml`)"
    );
    // Releases from a publisher the project moved away from can be exempted by range.
    let policy = std::fs::read_to_string(site.path().join("pubgate.toml")).unwrap();
    std::fs::write(
        site.path().join("pubgate.toml"),
        format!("{policy}\n[[exemption]]\npackage = \"hijacked\"\nversions = \"<2\"\nrule = \"undeclared-publisher\"\nreason = \"published from the old repository\"\n"),
    )
    .unwrap();
    let run = site.audit(&["hijacked", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(
        run.findings(),
        [("undeclared-publisher".into(), "hijacked".into(), true)]
    );
}

#[test]
fn a_ref_outside_the_declared_glob_is_drift() {
    let site = site();
    let run = site.audit(&["drifted", "--format", "json"]);
    run.expect_code(1);
    let report = run.json();
    assert_eq!(
        codes(&report),
        [(
            "PG403".to_string(),
            "drifted".to_string(),
            "1.1".to_string()
        )]
    );
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.ends_with("(pubgate.toml:25): the ref differs"),
        "{message}"
    );
    assert!(message.contains("ref `refs/heads/main`"), "{message}");
    assert_eq!(
        report["findings"][0]["related"][0]["location"]["line"], 25,
        "points at the declared publisher"
    );
}

#[test]
fn a_mixed_release_is_a_warning() {
    let site = site();
    let run = site.audit(&["mixed", "--format", "json"]);
    run.expect_code(0);
    let report = run.json();
    assert_eq!(verdicts(&report, "mixed"), [pair("1.0", "mixed")]);
    assert_eq!(
        codes(&report),
        [("PG404".to_string(), "mixed".to_string(), "1.0".to_string())]
    );
    assert_eq!(report["findings"][0]["level"], "warn");
    // --deny-warnings makes it fail, as everywhere.
    site.audit(&["mixed", "--deny-warnings"]).expect_code(1);
}

#[test]
fn a_project_never_attested_is_on_the_remediation_list() {
    let site = site();
    let run = site.audit(&["legacy", "adopter", "--format", "json"]);
    run.expect_code(0);
    let report = run.json();
    assert_eq!(
        codes(&report),
        [("PG405".to_string(), "legacy".to_string(), String::new())]
    );
    assert_eq!(
        report["remediation"],
        serde_json::json!([{
            "project": "legacy",
            "latest_version": "0.2",
            "latest_uploaded": "2025-04-01T10:00:00Z",
            "reason": "never-attested",
            "message": "no release has provenance: it is published with API tokens",
            "help": "add a Trusted Publisher on PyPI (https://docs.pypi.org/trusted-publishers/) and publish from CI with `pypa/gh-action-pypi-publish`, which attests by default; then revoke the project's API tokens"
        }])
    );
    let human = site.audit(&["legacy"]).stdout;
    assert!(
        human.contains("remediation (projects still publishing with tokens, most recent first):\n  legacy  latest 0.2, 2025-04-01: no release has provenance"),
        "{human}"
    );
}

#[test]
fn the_remediation_list_puts_the_most_recent_first() {
    let site = site();
    let run = site.audit(&["--format", "json"]);
    run.expect_code(1);
    let report = run.json();
    let listed: Vec<(&str, &str)> = report["remediation"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["project"].as_str().unwrap(),
                r["reason"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        listed,
        [
            ("leaky", "latest-without-provenance"),
            ("legacy", "never-attested"),
            // Its one release has an sdist uploaded by hand.
            ("mixed", "latest-without-provenance"),
        ]
    );
    // With no project named, every `[[project]]` of the policy is audited, in policy order.
    let names: Vec<&str> = report["projects"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["adopter", "leaky", "mixed", "legacy", "hijacked", "drifted"]
    );
}

#[test]
fn since_examines_only_recent_releases_and_fetches_only_their_provenance() {
    let site = site();
    site.server.clear_log();
    let run = site.audit(&["--since", "2025-06-01", "--format", "json"]);
    run.expect_code(1);
    let report = run.json();
    assert_eq!(report["window"]["since"], "2025-06-01T00:00:00Z");
    // Every new release arriving from a bad identity (or a token) is still caught.
    assert_eq!(
        codes(&report),
        [
            ("PG401".to_string(), "leaky".to_string(), "1.1".to_string()),
            // Never attested: known from the page alone, whatever the window.
            ("PG405".to_string(), "legacy".to_string(), String::new()),
            (
                "PG402".to_string(),
                "hijacked".to_string(),
                "1.1".to_string()
            ),
            (
                "PG403".to_string(),
                "drifted".to_string(),
                "1.1".to_string()
            ),
        ]
    );
    assert_eq!(verdicts(&report, "adopter"), []);
    assert_eq!(verdicts(&report, "leaky"), [pair("1.1", "no-provenance")]);
    // Only the provenance of the two attested recent files was fetched.
    assert_eq!(site.server.count_matching("/integrity/**"), 2);
    // Adoption before the window is still known (from the page).
    assert_eq!(
        project(&report, "adopter")["summary"]["first_attested"]["verified"],
        false
    );

    // A full audit asks for every attested file.
    site.server.clear_log();
    site.audit(&["--format", "json"]).expect_code(1);
    assert_eq!(site.server.count_matching("/integrity/**"), 13);

    // A span back from now works too: nothing was uploaded in the last day.
    let run = site.audit(&["--since", "1d", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(
        codes(&run.json()),
        [("PG405".to_string(), "legacy".to_string(), String::new())]
    );
}

#[test]
fn last_examines_the_most_recently_uploaded_releases() {
    let site = site();
    let run = site.audit(&["adopter", "--last", "1", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(
        verdicts(&run.json(), "adopter"),
        [pair("2.1", "trusted-publishing")]
    );
}

#[test]
fn a_project_the_index_does_not_have_fails_closed() {
    let site = site();
    let run = site.audit(&["no-such-project", "--format", "json"]);
    run.expect_code(1);
    let report = run.json();
    assert_eq!(
        codes(&report),
        [(
            "PG103".to_string(),
            "no-such-project".to_string(),
            String::new()
        )]
    );
    assert_eq!(project(&report, "no-such-project")["page"], "not-found");
    assert_eq!(report["findings"][0]["location"]["path"], "<command line>");
}

#[test]
fn arguments_and_policies_that_cannot_be_judged_exit_2() {
    let site = site();
    let run = site.audit(&["not a name"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("`not a name` is not a project name"),
        "{}",
        run.stderr
    );
    let run = site.audit(&["adopter", "--since", "yesterday"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("--since `yesterday` is not a date"),
        "{}",
        run.stderr
    );
    // No project named and none declared.
    std::fs::write(site.path().join("pubgate.toml"), "schema = 1\n").unwrap();
    let run = site.audit(&[]);
    run.expect_code(2);
    assert!(run.stderr.contains("no project to audit"), "{}", run.stderr);
    // `[[project]]` is strict like the rest of the policy.
    std::fs::write(
        site.path().join("pubgate.toml"),
        "schema = 1\n[[project]]\nnames = [\"acme-*\"]\n",
    )
    .unwrap();
    let run = site.audit(&[]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("pubgate.toml:3:10: `acme-*` is not a project name"),
        "{}",
        run.stderr
    );
}

#[test]
fn every_format_gives_the_same_verdict() {
    let site = site();
    for format in ["human", "json", "sarif", "github", "markdown", "cyclonedx"] {
        let run = site.audit(&["hijacked", "--format", format]);
        run.expect_code(1);
        assert!(run.stdout.contains("PG402"), "{format}: {}", run.stdout);
        let run = site.audit(&["adopter", "--format", format]);
        run.expect_code(0);
    }
    let github = site.audit(&["hijacked", "--format", "github"]).stdout;
    assert!(
        github.starts_with(
            "::error file=pubgate.toml,line=20,title=PG402 undeclared-publisher (hijacked==1.1)::"
        ),
        "{github}"
    );
    assert!(
        github.ends_with("pubgate audit: FAIL (1 deny, 0 warn, 0 exempted; 1 project, 2 releases examined, 2 through Trusted Publishing; policy: pubgate.toml)\n"),
        "{github}"
    );
}

fn repo_json(path: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

#[test]
fn the_json_report_validates_against_its_documented_schema() {
    let site = site();
    let registry = jsonschema::Registry::new()
        .add(
            "https://github.com/pubgate/pubgate/blob/main/docs/report-schema.json",
            repo_json("docs/report-schema.json"),
        )
        .unwrap()
        .prepare()
        .unwrap();
    let validator = jsonschema::options()
        .with_registry(&registry)
        .build(&repo_json("docs/audit-report-schema.json"))
        .unwrap();
    for args in [
        &["--format", "json"][..],
        &["--format", "json", "--since", "2025-06-01", "--last", "3"],
        &["no-such-project", "--format", "json"],
    ] {
        let report = site.audit(args).json();
        let errors: Vec<String> = validator
            .iter_errors(&report)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{args:?}: {errors:#?}");
    }
    // The schema is strict enough to catch drift.
    let mut report = site.audit(&["adopter", "--format", "json"]).json();
    report["projects"][0]["releases"][0]["verdict"] = Value::from("fine");
    assert!(!validator.is_valid(&report));
}

#[test]
fn the_cyclonedx_report_is_valid_cyclonedx_1_6_and_deterministic() {
    let site = site();
    let run = site.audit(&["--format", "cyclonedx"]);
    run.expect_code(1);
    let bom = run.json();
    cyclonedx_support::assert_valid(&bom, "audit");
    assert_eq!(run.stdout, site.audit(&["--format", "cyclonedx"]).stdout);
    // Project → examined releases → files, with the evidence of each verified file.
    let hijacked = bom["components"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "hijacked")
        .unwrap();
    assert_eq!(hijacked["purl"], "pkg:pypi/hijacked");
    let release = &hijacked["components"][1];
    assert_eq!(release["purl"], "pkg:pypi/hijacked@1.1");
    assert_eq!(
        release["publisher"],
        "GitHub evil/hijacked workflow release.yml"
    );
    let finding = release["properties"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "pubgate:finding")
        .unwrap();
    assert!(finding["value"]
        .as_str()
        .unwrap()
        .starts_with("deny PG402 undeclared-publisher pubgate.toml:20: "));
    let file = &release["components"][0];
    assert_eq!(
        file["purl"],
        "pkg:pypi/hijacked@1.1?file_name=hijacked-1.1.tar.gz"
    );
    assert_eq!(file["hashes"][0]["alg"], "SHA-256");
    assert_eq!(
        file["hashes"][0]["content"],
        synthetic_sha256("hijacked-1.1.tar.gz")
    );
    let identity = &file["evidence"]["identity"][0];
    assert_eq!(identity["field"], "hash");
    assert_eq!(identity["methods"][0]["technique"], "attestation");
    let property = |name: &str| -> Vec<&str> {
        file["properties"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["name"] == name)
            .map(|p| p["value"].as_str().unwrap())
            .collect()
    };
    assert_eq!(
        property("pubgate:attestation:certificate-identity"),
        ["https://github.com/evil/hijacked/.github/workflows/release.yml@refs/tags/v1.1"]
    );
    assert_eq!(
        property("pubgate:attestation:issuer"),
        ["https://token.actions.githubusercontent.com"]
    );
    assert_eq!(
        property("pubgate:attestation:integrated-time"),
        ["2025-06-01T12:00:00Z"]
    );
    assert_eq!(property("pubgate:attestation:log-index").len(), 1);
    assert_eq!(property("pubgate:upload-time"), ["2025-06-05T08:00:00Z"]);
}

#[test]
fn output_and_sarif_files_come_from_the_same_run() {
    let site = site();
    let run = site.audit(&[
        "hijacked",
        "--format",
        "json",
        "--output",
        "audit.json",
        "--sarif",
        "audit.sarif",
    ]);
    run.expect_code(1);
    assert_eq!(run.stdout, "");
    let report: Value =
        serde_json::from_str(&std::fs::read_to_string(site.path().join("audit.json")).unwrap())
            .unwrap();
    assert_eq!(report["outcome"], "fail");
    let sarif: Value =
        serde_json::from_str(&std::fs::read_to_string(site.path().join("audit.sarif")).unwrap())
            .unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "PG402");
    assert_eq!(
        results[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "pubgate.toml"
    );
}

#[test]
fn offline_without_the_project_page_fails_closed() {
    let site = site();
    let mut cmd = pubgate(site.path());
    cmd.args([
        "audit",
        "adopter",
        "--offline",
        "--no-cache",
        "--format",
        "json",
    ]);
    let run = Run::of(cmd);
    run.expect_code(1);
    let report = run.json();
    assert_eq!(
        codes(&report),
        [("PG103".to_string(), "adopter".to_string(), String::new())]
    );
    assert_eq!(project(&report, "adopter")["page"], "unavailable");
}
