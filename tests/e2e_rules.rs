//! `pubgate check` through the binary against a fake PyPI, with evidence gathered for
//! real: a clean lockfile passes in every format, and each rule fails the run (exit 1)
//! under the default policy or a small test policy. One fake PyPI serves every test here.

mod e2e_support;

use std::sync::OnceLock;

use e2e_support::*;
use pubgate::testing::fake_pypi::{
    default_publisher, BuildOptions, FakePublisher, Fault, FaultRule, MintRequest, Minter,
    SignerMinter,
};

/// Every package the tests below lock, and what the fake PyPI does with it:
/// - `good`, `good-two`: attested by `<name>-dev/<name>` `release.yml`, as before;
/// - `legacy`: never attested (nor its previous release);
/// - `regressed`: not attested, its previous release was;
/// - `evil`: provenance with a broken signature;
/// - `moved`: the previous release came from `someone-else/moved`;
/// - `mixed`: wheels from another workflow than the sdist (both releases);
/// - `flaky`: its integrity endpoint answers 503 (a fault on this path only).
fn universe() -> Vec<Pkg> {
    vec![
        Pkg::pypi("good", "1.0"),
        Pkg::pypi("good-two", "2.1.0"),
        Pkg::pypi("legacy", "1.0"),
        Pkg::pypi("regressed", "3.1"),
        Pkg::pypi("evil", "1.0"),
        Pkg::pypi("moved", "2.0"),
        Pkg::pypi("mixed", "1.0"),
        Pkg::pypi("flaky", "1.0"),
    ]
}

fn pkg(name: &str) -> Pkg {
    universe().into_iter().find(|p| p.name == name).unwrap()
}

/// The wheels of `mixed` come from another workflow of the same repository.
fn mixed_wheels_publisher() -> FakePublisher {
    FakePublisher::github("mixed-dev/mixed", "wheels.yml", Some("pypi"))
}

fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let options = BuildOptions {
            unattested: vec!["legacy".into(), "regressed".into()],
            previous_unattested: vec!["legacy".into()],
            tampered: vec!["evil".into()],
            publisher_change: vec!["moved".into()],
            ..BuildOptions::default()
        };
        let wheels = mixed_wheels_publisher();
        let minter = move |request: &MintRequest<'_>| {
            let mixed_wheel =
                request.filename.starts_with("mixed-") && request.filename.ends_with(".whl");
            if mixed_wheel {
                SignerMinter.mint(&MintRequest {
                    publisher: &wheels,
                    ..request.clone()
                })
            } else {
                SignerMinter.mint(request)
            }
        };
        let site = Site::shared_for_lockfile(
            "e2e_rules",
            "uv.lock",
            &uv_lock(&universe()),
            &options,
            &minter,
        );
        site.server.add_fault(
            FaultRule::new(
                "/integrity/flaky/**",
                Fault::Status {
                    status: 503,
                    retry_after: None,
                },
            )
            .unwrap(),
        );
        site
    })
}

/// `pubgate check uv.lock ARGS…` in a project holding `lock` (and `pubgate.toml` when given).
fn check_uv(lock: &[Pkg], policy: Option<&str>, args: &[&str]) -> Run {
    let mut files = vec![("uv.lock", uv_lock(lock))];
    if let Some(policy) = policy {
        files.push(("pubgate.toml", policy.to_string()));
    }
    let files: Vec<(&str, &str)> = files.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let dir = project(&files);
    let mut all = vec!["uv.lock", "--format", "json"];
    all.extend_from_slice(args);
    site().check(dir.path(), &all)
}

/// The (rule, package) of every finding that is not exempted.
fn active(run: &Run) -> Vec<(String, String)> {
    run.findings()
        .into_iter()
        .filter(|(_, _, exempted)| !exempted)
        .map(|(rule, package, _)| (rule, package))
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

const STRICT_POLICY_HEAD: &str = "schema = 1\n[rules]\n";

#[test]
fn a_lockfile_attested_by_the_expected_publishers_passes_in_every_format() {
    let lock = uv_lock(&[pkg("good"), pkg("good-two")]);
    let good = default_publisher("good");
    let policy = format!(
        "schema = 1\n\n[[package]]\nnames = [\"good\"]\npublisher = {{ kind = \"github\", repository = \"{}\", workflow = \"{}\" }}\n\n[[package]]\nnames = [\"good-two\"]\npublisher = {{ kind = \"github\", repository = \"good-two-dev/good-two\", workflow = \"release.yml\", environment = \"pypi\" }}\n",
        good.repository, good.workflow
    );
    let dir = project(&[("uv.lock", &lock), ("pubgate.toml", &policy)]);
    for format in ["human", "json", "sarif", "github", "markdown"] {
        let run = site().check(dir.path(), &["uv.lock", "--format", format]);
        run.expect_code(0);
        assert!(!run.stdout.is_empty(), "{format}: nothing on stdout");
        if format == "json" {
            let report = run.json();
            assert_eq!(report["outcome"], "pass");
            assert_eq!(report["policy"]["source"], "file");
            assert!(findings(&report).is_empty(), "{report:#}");
            assert_eq!(report["summary"]["packages"], 2);
            assert_eq!(report["summary"]["artifacts"], 4);
            assert_eq!(report["summary"]["verified"], 4);
            for package in report["packages"].as_array().unwrap() {
                let name = package["name"].as_str().unwrap();
                for artifact in package["artifacts"].as_array().unwrap() {
                    assert_eq!(artifact["provenance"], "verified", "{artifact:#}");
                    assert_eq!(
                        artifact["publisher"]["repository"],
                        format!("{name}-dev/{name}")
                    );
                    assert_eq!(artifact["publisher"]["workflow"], "release.yml");
                }
            }
        }
    }
}

#[test]
fn an_unpinned_requirement_fails() {
    let good = pkg("good");
    let requirements = format!(
        "good==1.0 \\\n    --hash=sha256:{} \\\n    --hash=sha256:{}\nflask>=2.0\n",
        good.sha(0),
        good.sha(1)
    );
    let dir = project(&[("requirements.txt", &requirements)]);
    let run = site().check(dir.path(), &["requirements.txt", "--format", "json"]);
    run.expect_code(1);
    assert_eq!(active(&run), pairs(&[("unpinned-requirement", "flask")]));
    let report = run.json();
    assert_eq!(report["findings"][0]["location"]["line"], 4);
    assert_eq!(statuses(&report, "good"), ["verified", "verified"]);
}

#[test]
fn an_unhashed_artifact_warns_and_fails_with_deny_warnings() {
    let dir = project(&[("requirements.txt", "good==1.0\n")]);
    let run = site().check(dir.path(), &["requirements.txt", "--format", "json"]);
    run.expect_code(0);
    assert_eq!(active(&run), pairs(&[("unhashed-artifact", "good")]));
    // Without a locked hash the index's files are judged: both verified.
    assert_eq!(statuses(&run.json(), "good"), ["verified", "verified"]);
    let run = site().check(
        dir.path(),
        &["requirements.txt", "--format", "json", "--deny-warnings"],
    );
    run.expect_code(1);
    assert_eq!(run.json()["deny_warnings"], true);
}

#[test]
fn a_non_index_source_warns_and_fails_when_denied() {
    let git = Pkg {
        name: "gitdep".into(),
        version: "0.3.0".into(),
        source: Src::Git {
            url: "https://github.com/example/gitdep".into(),
            commit: "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432".into(),
        },
        files: vec![],
    };
    let url = Pkg {
        name: "urldep".into(),
        version: "1.0".into(),
        source: Src::Url("https://example.invalid/urldep-1.0-py3-none-any.whl".into()),
        files: vec![("urldep-1.0-py3-none-any.whl".into(), Some("ab".repeat(32)))],
    };
    let lock = [pkg("good"), git, url];
    let run = check_uv(&lock, None, &[]);
    run.expect_code(0);
    assert_eq!(
        active(&run),
        pairs(&[
            ("non-index-source", "gitdep"),
            ("non-index-source", "urldep")
        ])
    );
    assert_eq!(statuses(&run.json(), "urldep"), ["not-applicable"]);

    let policy = format!("{STRICT_POLICY_HEAD}non-index-source = \"deny\"\n");
    check_uv(&lock, Some(&policy), &[]).expect_code(1);
}

#[test]
fn another_index_warns_and_fails_when_denied() {
    // The lockfile names the fake index itself: not PyPI, but it answers.
    let lock = [pkg("good").on(Src::Registry(site().index_url()))];
    // An index the policy does not list is denied (PG006), whatever it serves.
    let run = check_uv(&lock, None, &[]);
    run.expect_code(1);
    assert_eq!(
        run.json()["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap())
            .collect::<Vec<_>>(),
        ["index-not-allowed", "other-index"]
    );
    // Listed under [sources], it is only another index.
    let allowed = format!(
        "schema = 1\n[sources]\nallow-indexes = [\"{}\"]\n",
        site().index_url()
    );
    let run = check_uv(&lock, Some(&allowed), &[]);
    run.expect_code(0);
    assert_eq!(active(&run), pairs(&[("other-index", "good")]));
    let report = run.json();
    assert_eq!(statuses(&report, "good"), ["verified", "verified"]);
    assert_eq!(
        report["packages"][0]["source"]["url"],
        site().index_url(),
        "{report:#}"
    );

    let policy = format!("{allowed}[rules]\nother-index = \"deny\"\n");
    check_uv(&lock, Some(&policy), &[]).expect_code(1);
}

#[test]
fn missing_provenance_warns_and_fails_when_the_policy_denies_it() {
    let lock = [pkg("good"), pkg("legacy")];
    let run = check_uv(&lock, None, &[]);
    run.expect_code(0);
    assert_eq!(active(&run), pairs(&[("missing-provenance", "legacy")]));
    assert_eq!(statuses(&run.json(), "legacy"), ["absent", "absent"]);

    let policy = format!("{STRICT_POLICY_HEAD}missing-provenance = \"deny\"\n");
    let run = check_uv(&lock, Some(&policy), &[]);
    run.expect_code(1);
    assert_eq!(run.json()["findings"][0]["level"], "deny");

    // Requiring a publisher denies it for that package (PG201), whatever PG101's level.
    let policy = "schema = 1\n[[package]]\nnames = [\"legacy\"]\npublisher = { kind = \"github\", repository = \"legacy-dev/legacy\" }\n";
    let run = check_uv(&lock, Some(policy), &[]);
    run.expect_code(1);
    assert_eq!(
        active(&run),
        pairs(&[
            ("missing-provenance", "legacy"),
            ("publisher-mismatch", "legacy")
        ])
    );
}

#[test]
fn tampered_provenance_is_invalid_and_fails() {
    let run = check_uv(&[pkg("good"), pkg("evil")], None, &[]);
    run.expect_code(1);
    // Invalid provenance is reported file by file.
    assert_eq!(
        active(&run),
        pairs(&[
            ("invalid-provenance", "evil"),
            ("invalid-provenance", "evil")
        ])
    );
    let report = run.json();
    assert_eq!(statuses(&report, "evil"), ["invalid", "invalid"]);
    let artifact = &report["packages"][1]["artifacts"][0];
    assert_eq!(artifact["reason"], "signature", "{artifact:#}");
    assert_eq!(report["summary"]["invalid"], 2);
}

#[test]
fn a_locked_hash_the_index_does_not_serve_is_invalid() {
    let mut good = pkg("good");
    good.files[0].1 = Some("0f".repeat(32));
    let run = check_uv(&[good], None, &[]);
    run.expect_code(1);
    assert_eq!(active(&run), pairs(&[("invalid-provenance", "good")]));
    let report = run.json();
    let sdist = &report["packages"][0]["artifacts"][0];
    assert_eq!(sdist["filename"], "good-1.0.tar.gz");
    assert_eq!(sdist["provenance"], "invalid");
    assert_eq!(sdist["reason"], "index-hash-mismatch", "{sdist:#}");
    assert_eq!(
        report["packages"][0]["artifacts"][1]["provenance"],
        "verified"
    );
    assert!(
        report["findings"][0]["message"]
            .as_str()
            .unwrap()
            .contains("good-1.0.tar.gz"),
        "{report:#}"
    );
}

#[test]
fn an_index_that_cannot_answer_makes_provenance_unavailable() {
    let run = check_uv(&[pkg("good"), pkg("flaky")], None, &["--timeout", "2"]);
    run.expect_code(1);
    assert_eq!(active(&run), pairs(&[("provenance-unavailable", "flaky")]));
    let report = run.json();
    assert_eq!(statuses(&report, "flaky"), ["unavailable", "unavailable"]);
    assert_eq!(statuses(&report, "good"), ["verified", "verified"]);
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(message.contains("503"), "{message}");
}

#[test]
fn a_publisher_the_policy_does_not_allow_fails() {
    let policy = "schema = 1\n[[package]]\nnames = [\"good\"]\npublisher = { kind = \"github\", repository = \"good-org/good\" }\n";
    let run = check_uv(&[pkg("good"), pkg("good-two")], Some(policy), &[]);
    run.expect_code(1);
    assert_eq!(active(&run), pairs(&[("publisher-mismatch", "good")]));
    let message = run.json()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("good-dev/good") && message.contains("good-org/good"),
        "{message}"
    );
    // A list of publishers: any one matches.
    let policy = "schema = 1\n[[package]]\nnames = [\"good\"]\npublisher = [{ kind = \"github\", repository = \"good-org/good\" }, { kind = \"GitHub\", repository = \"Good-Dev/Good\", workflow = \"release.yml\" }]\n";
    check_uv(&[pkg("good")], Some(policy), &[]).expect_code(0);
}

#[test]
fn a_new_publisher_since_the_previous_release_fails() {
    let run = check_uv(&[pkg("good"), pkg("moved")], None, &[]);
    run.expect_code(1);
    assert_eq!(active(&run), pairs(&[("publisher-change", "moved")]));
    let message = run.json()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.contains("someone-else/moved") && message.contains("1.0"),
        "{message}"
    );
}

#[test]
fn losing_provenance_the_previous_release_had_fails() {
    let run = check_uv(&[pkg("regressed")], None, &[]);
    run.expect_code(1);
    assert_eq!(
        active(&run),
        pairs(&[
            ("missing-provenance", "regressed"),
            ("provenance-regression", "regressed")
        ])
    );
    let report = run.json();
    let regression = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "provenance-regression")
        .unwrap();
    assert_eq!(regression["level"], "deny");
    assert!(
        regression["message"].as_str().unwrap().contains("3.0"),
        "{regression:#}"
    );
}

#[test]
fn files_of_one_release_from_different_publishers_warn_and_fail_when_denied() {
    let run = check_uv(&[pkg("mixed")], None, &[]);
    run.expect_code(0);
    assert_eq!(active(&run), pairs(&[("mixed-publishers", "mixed")]));
    let report = run.json();
    assert_eq!(statuses(&report, "mixed"), ["verified", "verified"]);
    let message = report["findings"][0]["message"].as_str().unwrap();
    assert!(
        message.contains("release.yml") && message.contains("wheels.yml"),
        "{message}"
    );
    let policy = format!("{STRICT_POLICY_HEAD}mixed-publishers = \"deny\"\n");
    check_uv(&[pkg("mixed")], Some(&policy), &[]).expect_code(1);
}

#[test]
fn an_expired_exemption_no_longer_covers_and_is_reported() {
    let policy = "schema = 1\n\n[[exemption]]\npackage = \"evil\"\nversions = \"==1.0\"\nrule = \"invalid-provenance\"\nreason = \"checked by hand\"\nexpires = 2020-01-01\n";
    let run = check_uv(&[pkg("evil")], Some(policy), &[]);
    run.expect_code(1);
    assert_eq!(
        active(&run),
        pairs(&[
            ("invalid-provenance", "evil"),
            ("invalid-provenance", "evil"),
            ("expired-exemption", "")
        ])
    );
    let report = run.json();
    let expired = &report["findings"][2];
    assert_eq!(expired["level"], "warn");
    assert_eq!(expired["location"]["path"], "pubgate.toml");
    assert_eq!(expired["location"]["line"], 3);

    // On its own it warns; denied, it fails the run.
    let policy = "schema = 1\n[rules]\nexpired-exemption = \"deny\"\n\n[[exemption]]\npackage = \"legacy\"\nrule = \"missing-provenance\"\nreason = \"old\"\nexpires = 2020-01-01\n";
    let run = check_uv(&[pkg("good"), pkg("legacy")], Some(policy), &[]);
    run.expect_code(1);
    assert_eq!(
        active(&run),
        pairs(&[("missing-provenance", "legacy"), ("expired-exemption", "")])
    );
}

#[test]
fn an_unused_exemption_warns_and_fails_when_denied() {
    let policy = "schema = 1\n\n[[exemption]]\npackage = \"ghost\"\nrule = \"missing-provenance\"\nreason = \"gone\"\n";
    let run = check_uv(&[pkg("good")], Some(policy), &[]);
    run.expect_code(0);
    assert_eq!(active(&run), pairs(&[("unused-exemption", "")]));
    let policy = format!(
        "schema = 1\n[rules]\nunused-exemption = \"deny\"\n{}",
        &policy[10..]
    );
    check_uv(&[pkg("good")], Some(&policy), &[]).expect_code(1);
}

#[test]
fn exempted_findings_are_reported_but_do_not_fail() {
    let policy = "schema = 1\n\n[[exemption]]\npackage = \"evil\"\nversions = \"==1.0\"\nrule = \"invalid-provenance\"\nreason = \"rebuilt and compared by hand\"\nexpires = 2099-01-01\n\n[[exemption]]\npackage = \"moved\"\nrule = \"PG202\"\nreason = \"repository transferred\"\n";
    let run = check_uv(&[pkg("evil"), pkg("moved")], Some(policy), &[]);
    run.expect_code(0);
    assert!(active(&run).is_empty(), "{}", run.stdout);
    let report = run.json();
    assert_eq!(report["outcome"], "pass");
    assert_eq!(report["summary"]["findings"]["exempted"], 3);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 3, "{report:#}");
    for finding in findings {
        let by = &finding["exempted_by"];
        assert!(by.is_object(), "{finding:#}");
        let reason = by["reason"].as_str().unwrap();
        match finding["rule"].as_str().unwrap() {
            "invalid-provenance" => assert_eq!(reason, "rebuilt and compared by hand"),
            "publisher-change" => assert_eq!(reason, "repository transferred"),
            other => panic!("unexpected {other}"),
        }
    }
    // The human report marks them too.
    let dir = project(&[
        ("uv.lock", &uv_lock(&[pkg("evil")])),
        ("pubgate.toml", policy),
    ]);
    let run = site().check(dir.path(), &["uv.lock"]);
    run.expect_code(0);
    assert!(
        run.stdout.contains("rebuilt and compared by hand"),
        "{}",
        run.stdout
    );
}
