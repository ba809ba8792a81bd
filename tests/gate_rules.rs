//! Every rule: a case that triggers it (`denies_…` / `warns_…`) and cases where it stays
//! quiet (`allows_…`). Evidence is built by hand: no network, no crypto.

mod gate_support;

use gate_support::*;
use pubgate::evidence::{
    ArtifactEvidence, History, InvalidReason, PackageEvidence, ProvenanceStatus,
};
use pubgate::lockfile::Source;
use pubgate::rules::Level;
use pubgate::url::SecretUrl;

fn clean_package() -> pubgate::evidence::PackageEvidence {
    pkg(
        "requests",
        "2.32.3",
        10,
        vec![
            artifact(
                "requests-2.32.3-py3-none-any.whl",
                verified(github("psf/requests", "publish.yml")),
            ),
            artifact(
                "requests-2.32.3.tar.gz",
                verified(github("psf/requests", "publish.yml")),
            ),
        ],
    )
}

#[test]
fn allows_a_clean_attested_package_under_every_shipped_policy() {
    let lock = lockfile("uv.lock", vec![clean_package()]);
    assert!(eval(std::slice::from_ref(&lock), &default_policy()).is_empty());
    let strict = pubgate::policy::read_file(std::path::Path::new("policies/strict.toml")).unwrap();
    assert!(eval(&[lock], &strict).is_empty());
}

// ---- PG001 unpinned-requirement ----------------------------------------------------------

#[test]
fn denies_unpinned_requirement() {
    let mut lock = lockfile("requirements.txt", vec![]);
    lock.unpinned = vec![
        unpinned("Flask", ">=2", "requirements.txt", 3),
        unpinned("rich", "", "requirements.txt", 4),
    ];
    let findings = eval(&[lock], &default_policy());
    assert_eq!(
        summary(&findings),
        [("PG001", Level::Deny, false), ("PG001", Level::Deny, false)]
    );
    assert_eq!(findings[0].package.as_deref(), Some("flask"));
    assert_eq!(findings[0].location.line, 3);
    assert!(findings[0]
        .message
        .contains("`Flask>=2` is not an exact `==` pin"));
    assert!(findings[1].message.contains("`rich` has no version pin"));
}

#[test]
fn allows_unpinned_requirement_when_the_policy_allows_it() {
    let mut lock = lockfile("requirements.txt", vec![]);
    lock.unpinned = vec![unpinned("flask", ">=2", "requirements.txt", 3)];
    let p = policy("schema = 1\n[rules]\nunpinned-requirement = \"allow\"\n");
    assert!(eval(&[lock], &p).is_empty());
}

// ---- PG002 unhashed-artifact -------------------------------------------------------------

#[test]
fn warns_unhashed_artifact_per_file_when_some_are_hashed() {
    let p = pkg(
        "six",
        "1.16.0",
        5,
        vec![
            artifact(
                "six-1.16.0.tar.gz",
                verified(github("benjaminp/six", "release.yml")),
            ),
            unhashed(artifact(
                "six-1.16.0-py2.py3-none-any.whl",
                verified(github("benjaminp/six", "release.yml")),
            )),
        ],
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
    let f = only(&findings, "PG002");
    assert_eq!(f.level, Level::Warn);
    assert_eq!(
        f.artifact.as_deref(),
        Some("six-1.16.0-py2.py3-none-any.whl")
    );
}

#[test]
fn warns_unhashed_artifact_once_when_nothing_is_locked() {
    let mut p = pkg("six", "1.16.0", 5, vec![]);
    p.package.artifacts.clear();
    let findings = eval(&[lockfile("requirements.txt", vec![p])], &default_policy());
    let f = only(&findings, "PG002");
    assert_eq!(f.artifact, None);
    assert!(f.message.contains("no sha256 is locked for any file"));
}

#[test]
fn allows_hashed_artifacts() {
    let findings = eval(
        &[lockfile("uv.lock", vec![clean_package()])],
        &default_policy(),
    );
    assert!(findings.is_empty(), "{findings:#?}");
}

// ---- PG003 non-index-source --------------------------------------------------------------

#[test]
fn warns_non_index_sources_git_url_and_path() {
    let git = with_source(
        pkg("gitdep", "1.0", 1, vec![]),
        Source::Git {
            url: SecretUrl::new("https://github.com/o/gitdep"),
            commit: Some("abc123".into()),
        },
    );
    let url = with_source(
        pkg("urldep", "1.0", 2, vec![]),
        Source::Url {
            url: SecretUrl::new("https://user:secret@example.com/urldep-1.0.tar.gz"),
        },
    );
    let path = with_source(
        pkg("pathdep", "1.0", 3, vec![]),
        Source::Path {
            path: "vendor/pathdep-1.0.whl".into(),
        },
    );
    let findings = eval(
        &[lockfile("uv.lock", vec![git, url, path])],
        &default_policy(),
    );
    let pg003: Vec<_> = findings
        .iter()
        .filter(|f| f.rule.code() == "PG003")
        .collect();
    assert_eq!(pg003.len(), 3, "{findings:#?}");
    assert!(pg003.iter().all(|f| f.level == Level::Warn));
    assert!(pg003[0]
        .message
        .contains("git `https://github.com/o/gitdep` at commit `abc123`"));
    assert!(pg003[1]
        .message
        .contains("https://****@example.com/urldep-1.0.tar.gz"));
    assert!(
        !pg003[1].message.contains("secret"),
        "credentials never shown"
    );
    assert!(pg003[2].message.contains("vendor/pathdep-1.0.whl"));
}

#[test]
fn warns_editable_and_virtual_sources_too() {
    let editable = with_source(
        pkg("app", "0.1", 1, vec![]),
        Source::Editable { path: ".".into() },
    );
    let virt = with_source(
        pkg("ws", "0.1", 2, vec![]),
        Source::Virtual {
            path: "packages/ws".into(),
        },
    );
    let findings = eval(
        &[lockfile("uv.lock", vec![editable, virt])],
        &default_policy(),
    );
    assert_eq!(codes(&findings), ["PG003", "PG003"], "{findings:#?}");
    assert!(findings.iter().all(|f| f.level == Level::Warn));
    assert_eq!(
        findings[0].message,
        "installed from the editable local tree `.`: local files carry no attestations"
    );
    assert_eq!(
        findings[1].message,
        "installed from the virtual workspace entry `packages/ws`: local files carry no attestations"
    );
}

// ---- PG004 other-index -------------------------------------------------------------------

#[test]
fn warns_other_index_with_credentials_redacted() {
    let p = with_source(
        pkg("internal", "1.0", 4, vec![]),
        Source::Index {
            url: SecretUrl::new("https://__token__:s3cr3t@pkgs.example.com/simple"),
        },
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
    let f = only(&findings, "PG004");
    assert_eq!(f.level, Level::Warn);
    assert!(f.message.contains("https://****@pkgs.example.com/simple"));
    assert!(!f.message.contains("s3cr3t"));
}

#[test]
fn allows_every_spelling_of_pypi() {
    for url in [
        "https://pypi.org/simple",
        "https://pypi.org/simple/",
        "https://pypi.python.org/simple",
        "https://pypi.python.org/simple/",
    ] {
        let p = with_source(
            clean_package(),
            Source::Index {
                url: SecretUrl::new(url),
            },
        );
        let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
        assert!(findings.is_empty(), "{url}: {findings:#?}");
    }
}

// ---- PG101 missing-provenance ------------------------------------------------------------

#[test]
fn warns_missing_provenance_once_per_package_when_every_file_lacks_it() {
    let p = pkg(
        "certifi",
        "2024.8.30",
        20,
        vec![
            artifact("certifi-2024.8.30-py3-none-any.whl", absent()),
            artifact("certifi-2024.8.30.tar.gz", absent()),
        ],
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
    assert_eq!(summary(&findings), [("PG101", Level::Warn, false)]);
    assert_eq!(findings[0].artifact, None);
    assert!(findings[0]
        .message
        .contains("none of the 2 files has provenance"));
}

#[test]
fn warns_missing_provenance_naming_the_one_file_without_it() {
    let p = pkg(
        "certifi",
        "2024.8.30",
        20,
        vec![
            artifact(
                "certifi-2024.8.30-py3-none-any.whl",
                verified(github("certifi/python-certifi", "release.yml")),
            ),
            artifact("certifi-2024.8.30.tar.gz", absent()),
        ],
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
    let f = only(&findings, "PG101");
    assert_eq!(f.artifact.as_deref(), Some("certifi-2024.8.30.tar.gz"));
    assert!(f
        .message
        .contains("1 of 2 files (`certifi-2024.8.30.tar.gz`) has no provenance"));
}

#[test]
fn denies_a_required_publisher_without_provenance_whatever_pg101_says() {
    let p = pkg(
        "certifi",
        "2024.8.30",
        20,
        vec![artifact("certifi-2024.8.30.tar.gz", absent())],
    );
    for rules in ["", "rules = { missing-provenance = \"allow\" }\n"] {
        let pol = policy(&format!(
            r#"schema = 1
[[package]]
names = ["certifi"]
{rules}publisher = {{ kind = "github", repository = "certifi/python-certifi", workflow = "release.yml" }}
"#
        ));
        let findings = eval(&[lockfile("uv.lock", vec![p.clone()])], &pol);
        let f = only(&findings, "PG201");
        assert_eq!(f.level, Level::Deny);
        let line = 4 + usize::from(!rules.is_empty());
        assert_eq!(
            f.message,
            format!("`certifi-2024.8.30.tar.gz` has no provenance, but the policy requires GitHub `certifi/python-certifi` workflow `release.yml` (pubgate.toml:{line})")
        );
        // PG101 keeps its own level: the requirement no longer leans on it.
        let pg101: Vec<_> = findings
            .iter()
            .filter(|f| f.rule.code() == "PG101")
            .collect();
        assert_eq!(pg101.len(), usize::from(rules.is_empty()), "{findings:#?}");
    }
}

#[test]
fn denies_missing_provenance_for_named_packages_only() {
    let a = pkg(
        "certifi",
        "1.0",
        1,
        vec![artifact("certifi-1.0.tar.gz", absent())],
    );
    let b = pkg(
        "idna",
        "1.0",
        2,
        vec![artifact("idna-1.0.tar.gz", absent())],
    );
    let pol = policy(
        "schema = 1\n[rules]\nmissing-provenance = \"allow\"\n[[package]]\nnames = [\"certifi\"]\nrules = { missing-provenance = \"deny\" }\n",
    );
    let findings = eval(&[lockfile("uv.lock", vec![a, b])], &pol);
    assert_eq!(summary(&findings), [("PG101", Level::Deny, false)]);
    assert_eq!(findings[0].package.as_deref(), Some("certifi"));
}

#[test]
fn allows_missing_provenance_when_files_are_verified_or_not_applicable() {
    let p = pkg(
        "x",
        "1.0",
        1,
        vec![artifact(
            "x-1.0.tar.gz",
            pubgate::evidence::ProvenanceStatus::NotApplicable,
        )],
    );
    assert!(eval(
        &[lockfile("uv.lock", vec![p, clean_package()])],
        &default_policy()
    )
    .is_empty());
}

// ---- PG102 invalid-provenance ------------------------------------------------------------

#[test]
fn denies_invalid_provenance_per_file_saying_why() {
    let p = pkg(
        "urllib3",
        "2.2.2",
        30,
        vec![
            artifact("urllib3-2.2.2-py3-none-any.whl", bad_signature()),
            artifact(
                "urllib3-2.2.2.tar.gz",
                invalid(InvalidReason::IndexHashMismatch, "index sha256 is `ffff…`"),
            ),
        ],
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
    assert_eq!(
        summary(&findings),
        [("PG102", Level::Deny, false), ("PG102", Level::Deny, false)]
    );
    assert!(findings[0]
        .message
        .contains("failed verification (signature)"));
    assert!(findings[1]
        .message
        .contains("(index hash mismatch): index sha256 is `ffff…`"));
}

#[test]
fn denies_invalid_provenance_not_on_index() {
    let p = pkg(
        "urllib3",
        "2.2.2",
        30,
        vec![artifact(
            "urllib3-2.2.2.tar.gz",
            invalid(InvalidReason::NotOnIndex, ""),
        )],
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
    let f = only(&findings, "PG102");
    assert!(f
        .message
        .ends_with("matches no file of this release on the index (not on index)"));
}

#[test]
fn denies_invalid_provenance_even_under_a_permissive_package_entry() {
    // Lowering is refused at load time; an entry that allows everything else cannot touch it.
    let p = pkg(
        "urllib3",
        "2.2.2",
        30,
        vec![artifact("urllib3-2.2.2.tar.gz", bad_signature())],
    );
    let pol = policy(
        "schema = 1\n[[package]]\nnames = [\"*\"]\nrules = { missing-provenance = \"allow\", invalid-provenance = \"deny\" }\n",
    );
    assert_eq!(
        summary(&eval(&[lockfile("uv.lock", vec![p])], &pol)),
        [("PG102", Level::Deny, false)]
    );
}

#[test]
fn allows_invalid_provenance_only_for_an_exempted_exact_version() {
    let p = pkg(
        "urllib3",
        "2.2.2",
        30,
        vec![artifact("urllib3-2.2.2.tar.gz", bad_signature())],
    );
    let pol = policy(
        "schema = 1\n[[exemption]]\npackage = \"urllib3\"\nversions = \"==2.2.2\"\nrule = \"invalid-provenance\"\nreason = \"checked by hand\"\n",
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &pol);
    assert_eq!(summary(&findings), [("PG102", Level::Deny, true)]);
    let report = pubgate::report::Report::new(
        vec![],
        pubgate::policy::PolicySource::BuiltIn,
        findings,
        false,
    );
    assert_eq!(report.outcome(), pubgate::report::Outcome::Pass);
}

// ---- PG103 provenance-unavailable --------------------------------------------------------

#[test]
fn denies_provenance_unavailable_grouped_by_cause() {
    let p = pkg(
        "tomli",
        "2.0.1",
        40,
        vec![
            artifact(
                "tomli-2.0.1-py3-none-any.whl",
                unavailable("timed out after 30 s"),
            ),
            artifact("tomli-2.0.1.tar.gz", unavailable("timed out after 30 s")),
        ],
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
    assert_eq!(summary(&findings), [("PG103", Level::Deny, false)]);
    assert_eq!(
        findings[0].message,
        "could not get provenance for both files: timed out after 30 s"
    );
}

#[test]
fn allows_provenance_unavailable_only_when_the_policy_says_so() {
    let p = pkg(
        "tomli",
        "2.0.1",
        40,
        vec![artifact("tomli-2.0.1.tar.gz", unavailable("HTTP 503"))],
    );
    let pol = policy("schema = 1\n[rules]\nprovenance-unavailable = \"warn\"\n");
    let findings = eval(&[lockfile("uv.lock", vec![p])], &pol);
    assert_eq!(summary(&findings), [("PG103", Level::Warn, false)]);
}

#[test]
fn denies_provenance_unavailable_on_another_index_saying_how_to_accept_it() {
    let p = with_source(
        pkg(
            "torch",
            "2.5.1",
            40,
            vec![artifact(
                "torch-2.5.1-cp312-cp312-linux_x86_64.whl",
                unavailable("the index serves simple API 1.0, older than 1.3 (PEP 740)"),
            )],
        ),
        Source::Index {
            url: SecretUrl::new("https://download.pytorch.org/whl/cpu"),
        },
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
    let pg103 = only(&findings, "PG103");
    assert_eq!(pg103.level, Level::Deny);
    assert!(
        pg103.fix.contains("allow `provenance-unavailable`"),
        "{}",
        pg103.fix
    );
    // On PyPI the usual advice stands.
    let p = pkg(
        "tomli",
        "2.0.1",
        40,
        vec![artifact("tomli-2.0.1.tar.gz", unavailable("HTTP 503"))],
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
    assert!(!only(&findings, "PG103")
        .fix
        .contains("allow `provenance-unavailable`"));
}

// ---- PG201 publisher-mismatch ------------------------------------------------------------

const REQUIRE_REQUESTS: &str = r#"schema = 1
[[package]]
names = ["requests"]
publisher = { kind = "github", repository = "psf/requests", workflow = "publish.yml" }
"#;

#[test]
fn denies_publisher_mismatch_for_a_different_workflow() {
    let p = pkg(
        "requests",
        "2.32.3",
        10,
        vec![artifact(
            "requests-2.32.3.tar.gz",
            verified(github("psf/requests", "release.yml")),
        )],
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &policy(REQUIRE_REQUESTS));
    let f = only(&findings, "PG201");
    assert_eq!(f.level, Level::Deny);
    assert_eq!(
        f.message,
        "`requests-2.32.3.tar.gz` was published by GitHub `psf/requests` workflow `release.yml`, but the policy requires GitHub `psf/requests` workflow `publish.yml` (pubgate.toml:4)"
    );
}

fn recorded(kind: &str, repository: &str, workflow: &str) -> pubgate::lockfile::LockedIdentity {
    pubgate::lockfile::LockedIdentity {
        kind: kind.into(),
        repository: Some(repository.into()),
        workflow: Some(workflow.into()),
        workflow_filepath: None,
        environment: None,
        email: None,
        location: pubgate::lockfile::Location {
            path: "pylock.toml".into(),
            line: 18,
        },
    }
}

#[test]
fn denies_publisher_mismatch_against_the_identity_a_pylock_records() {
    let mut p = pkg(
        "attrs",
        "25.1.0",
        12,
        vec![artifact(
            "attrs-25.1.0.tar.gz",
            verified(github("attacker/attrs", "pypi-package.yml")),
        )],
    );
    p.package.attestation_identities =
        vec![recorded("GitHub", "python-attrs/attrs", "pypi-package.yml")];
    let findings = eval(&[lockfile("pylock.toml", vec![p])], &default_policy());
    let f = only(&findings, "PG201");
    assert_eq!(f.level, Level::Deny);
    assert_eq!(
        f.message,
        "`attrs-25.1.0.tar.gz` was published by GitHub `attacker/attrs` workflow `pypi-package.yml`, but the lockfile records GitHub `python-attrs/attrs` workflow `pypi-package.yml` (pylock.toml:18)"
    );
    assert!(f.fix.contains("re-lock"), "{}", f.fix);
}

#[test]
fn allows_the_publisher_a_pylock_records_in_any_repository_case() {
    let mut p = pkg(
        "attrs",
        "25.1.0",
        12,
        vec![artifact(
            "attrs-25.1.0.tar.gz",
            verified(github("Python-Attrs/attrs", "pypi-package.yml")),
        )],
    );
    p.package.attestation_identities = vec![
        recorded("ActiveState", "whatever", "x"),
        recorded("github", "python-attrs/attrs", "pypi-package.yml"),
    ];
    let findings = eval(
        &[lockfile("pylock.toml", vec![p.clone()])],
        &default_policy(),
    );
    assert!(codes(&findings).is_empty(), "{findings:?}");
    // An identity of a kind pubgate cannot compare checks nothing.
    p.package.attestation_identities = vec![recorded("ActiveState", "whatever", "x")];
    let findings = eval(&[lockfile("pylock.toml", vec![p])], &default_policy());
    assert!(codes(&findings).is_empty(), "{findings:?}");
}

#[test]
fn denies_publisher_mismatch_from_a_fork_even_if_pypi_claims_otherwise() {
    // The claim says psf/requests; the verified certificate says a fork. The certificate wins.
    let mut status = verified(github("attacker/requests", "publish.yml"));
    if let pubgate::evidence::ProvenanceStatus::Verified(v) = &mut status {
        std::sync::Arc::make_mut(v)
            .claimed
            .as_mut()
            .unwrap()
            .repository = Some("psf/requests".into());
    }
    let p = pkg(
        "requests",
        "2.32.3",
        10,
        vec![artifact("requests-2.32.3.tar.gz", status)],
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &policy(REQUIRE_REQUESTS));
    assert!(only(&findings, "PG201")
        .message
        .contains("`attacker/requests`"));
}

#[test]
fn allows_required_publisher_with_different_repository_case() {
    let p = pkg(
        "requests",
        "2.32.3",
        10,
        vec![artifact(
            "requests-2.32.3.tar.gz",
            verified(github("PSF/Requests", "publish.yml")),
        )],
    );
    assert!(eval(&[lockfile("uv.lock", vec![p])], &policy(REQUIRE_REQUESTS)).is_empty());
}

#[test]
fn allows_any_one_of_a_list_of_publishers() {
    let pol = policy(
        r#"schema = 1
[[package]]
names = ["requests"]
publisher = [
  { kind = "gitlab", repository = "psf/requests", workflow_filepath = ".gitlab-ci.yml" },
  { kind = "github", repository = "psf/requests", workflow = "publish.yml" },
]
"#,
    );
    assert!(eval(&[lockfile("uv.lock", vec![clean_package()])], &pol).is_empty());
}

#[test]
fn denies_publisher_mismatch_on_ref_and_environment() {
    let mut publisher = github("psf/requests", "publish.yml");
    publisher.git_ref = Some("refs/heads/main".into());
    let p = pkg(
        "requests",
        "2.32.3",
        10,
        vec![artifact(
            "requests-2.32.3.tar.gz",
            verified(publisher.clone()),
        )],
    );
    let pol = policy(
        r#"schema = 1
[[package]]
names = ["requests"]
publisher = { kind = "github", repository = "psf/requests", ref = "refs/tags/v*", environment = "pypi" }
"#,
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &pol);
    let f = only(&findings, "PG201");
    assert!(
        f.message.contains("from ref `refs/heads/main`"),
        "{}",
        f.message
    );
    assert!(f.message.contains("with no environment"), "{}", f.message);

    publisher.git_ref = Some("refs/tags/v2.32.3".into());
    publisher.environment = Some("PyPI".into());
    let p = pkg(
        "requests",
        "2.32.3",
        10,
        vec![artifact("requests-2.32.3.tar.gz", verified(publisher))],
    );
    assert!(eval(&[lockfile("uv.lock", vec![p])], &pol).is_empty());
}

#[test]
fn allows_packages_without_a_publisher_requirement() {
    let p = pkg(
        "idna",
        "3.8",
        1,
        vec![artifact(
            "idna-3.8.tar.gz",
            verified(github("someone/idna", "x.yml")),
        )],
    );
    let findings = eval(
        &[lockfile("uv.lock", vec![p, clean_package()])],
        &policy(REQUIRE_REQUESTS),
    );
    assert!(findings.is_empty(), "{findings:#?}");
}

// ---- PG202 publisher-change --------------------------------------------------------------

#[test]
fn denies_publisher_change_from_the_previous_release() {
    let p = with_previous(
        pkg(
            "pypi-attestations",
            "0.0.20",
            50,
            vec![artifact(
                "pypi_attestations-0.0.20.tar.gz",
                verified(github("someone/fork", "release.yml")),
            )],
        ),
        "0.0.19",
        vec![artifact(
            "pypi_attestations-0.0.19.tar.gz",
            verified(github("trailofbits/pypi-attestations", "release.yml")),
        )],
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
    let f = only(&findings, "PG202");
    assert_eq!(f.level, Level::Deny);
    assert_eq!(
        f.message,
        "`pypi_attestations-0.0.20.tar.gz` was published by GitHub `someone/fork` workflow `release.yml`, but the last attested earlier release `0.0.19` was published by GitHub `trailofbits/pypi-attestations` workflow `release.yml`"
    );
}

#[test]
fn denies_publisher_change_across_kinds() {
    let p = with_previous(
        pkg(
            "x",
            "2.0",
            1,
            vec![artifact(
                "x-2.0.tar.gz",
                verified(gitlab("group/x", ".gitlab-ci.yml")),
            )],
        ),
        "1.0",
        vec![artifact(
            "x-1.0.tar.gz",
            verified(github("group/x", "release.yml")),
        )],
    );
    assert_eq!(
        codes(&eval(&[lockfile("uv.lock", vec![p])], &default_policy())),
        ["PG202"]
    );
}

#[test]
fn allows_same_publisher_with_new_ref_commit_environment_and_case() {
    let mut now = github("Trailofbits/PyPI-Attestations", "release.yml");
    now.git_ref = Some("refs/tags/v0.0.20".into());
    now.commit = Some("ffffffffffffffffffffffffffffffffffffffff".into());
    now.environment = Some("release".into());
    let p = with_previous(
        pkg(
            "pypi-attestations",
            "0.0.20",
            50,
            vec![artifact("pypi_attestations-0.0.20.tar.gz", verified(now))],
        ),
        "0.0.19",
        vec![artifact(
            "pypi_attestations-0.0.19.tar.gz",
            verified(github("trailofbits/pypi-attestations", "release.yml")),
        )],
    );
    assert!(eval(&[lockfile("uv.lock", vec![p])], &default_policy()).is_empty());
}

#[test]
fn allows_publisher_change_rules_to_stay_quiet_without_a_verified_previous_release() {
    let p = with_previous(
        pkg(
            "x",
            "2.0",
            1,
            vec![artifact(
                "x-2.0.tar.gz",
                verified(github("o/x", "release.yml")),
            )],
        ),
        "1.0",
        vec![artifact("x-1.0.tar.gz", absent())],
    );
    assert!(eval(&[lockfile("uv.lock", vec![p])], &default_policy()).is_empty());
}

// ---- PG203 provenance-regression ---------------------------------------------------------

#[test]
fn denies_provenance_regression() {
    let p = with_previous(
        pkg(
            "idna",
            "3.8",
            60,
            vec![artifact("idna-3.8.tar.gz", absent())],
        ),
        "3.7",
        vec![artifact(
            "idna-3.7.tar.gz",
            verified(github("kjd/idna", "deploy.yml")),
        )],
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
    assert_eq!(
        summary(&findings),
        [("PG101", Level::Warn, false), ("PG203", Level::Deny, false)]
    );
    assert_eq!(
        findings[1].message,
        "`idna-3.8.tar.gz` has no provenance, but the last attested earlier release `3.7` was attested by GitHub `kjd/idna` workflow `deploy.yml`"
    );
}

#[test]
fn allows_no_regression_for_a_first_release_or_one_with_no_attested_predecessor() {
    for history in [
        History::FirstRelease,
        History::NoAttestedRelease {
            passed_over: vec!["3.7".into()],
        },
        History::NotApplicable,
    ] {
        let mut p = pkg(
            "idna",
            "3.8",
            60,
            vec![artifact("idna-3.8.tar.gz", absent())],
        );
        p.history = history;
        assert_eq!(
            codes(&eval(&[lockfile("uv.lock", vec![p])], &default_policy())),
            ["PG101"]
        );
    }
}

#[test]
fn denies_when_the_earlier_releases_could_not_be_examined() {
    let mut p = pkg(
        "idna",
        "3.8",
        60,
        vec![artifact("idna-3.8.tar.gz", absent())],
    );
    p.history = History::Unavailable {
        cause: pubgate::evidence::HistoryUnavailable::WalkBound {
            index: pubgate::url::CleanUrl::parse("https://pypi.org/simple").unwrap(),
            api_version: "1.0".into(),
            bound: pubgate::evidence::WalkBound::Releases { max: 8 },
        },
    };
    let findings = eval(&[lockfile("uv.lock", vec![p.clone()])], &default_policy());
    assert_eq!(codes(&findings), ["PG101", "PG103"]);
    assert_eq!(
        only(&findings, "PG103").message,
        "the earlier releases could not be examined, so a publisher change or lost provenance cannot be ruled out: the index `https://pypi.org/simple` serves simple API 1.0, older than 1.3 (PEP 740), so each earlier release's provenance has to be asked for file by file: the 8 nearest earlier releases have no provenance and pubgate asks no further, so the last attested release is unknown"
    );
    // When the locked file already fails, that one denial is enough.
    p.artifacts[0].provenance = unavailable("HTTP 503");
    let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
    assert_eq!(codes(&findings), ["PG103"]);
}

#[test]
fn allows_no_regression_when_provenance_is_merely_unavailable() {
    let p = with_previous(
        pkg(
            "idna",
            "3.8",
            60,
            vec![artifact("idna-3.8.tar.gz", unavailable("HTTP 429"))],
        ),
        "3.7",
        vec![artifact(
            "idna-3.7.tar.gz",
            verified(github("kjd/idna", "deploy.yml")),
        )],
    );
    assert_eq!(
        codes(&eval(&[lockfile("uv.lock", vec![p])], &default_policy())),
        ["PG103"]
    );
}

// ---- PG204 mixed-publishers --------------------------------------------------------------

#[test]
fn warns_mixed_publishers_in_one_release() {
    let p = pkg(
        "flask",
        "3.0.3",
        70,
        vec![
            artifact(
                "flask-3.0.3-py3-none-any.whl",
                verified(github("pallets/flask", "publish.yml")),
            ),
            artifact(
                "flask-3.0.3.tar.gz",
                verified(google("release@flask.iam.gserviceaccount.com")),
            ),
        ],
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
    let f = only(&findings, "PG204");
    assert_eq!(f.level, Level::Warn);
    assert!(
        f.message.contains("2 different publishers"),
        "{}",
        f.message
    );
}

#[test]
fn allows_one_publisher_across_files_with_different_refs() {
    let mut a = github("pallets/flask", "publish.yml");
    a.git_ref = Some("refs/tags/3.0.3".into());
    let p = pkg(
        "flask",
        "3.0.3",
        70,
        vec![
            artifact("flask-3.0.3-py3-none-any.whl", verified(a)),
            artifact(
                "flask-3.0.3.tar.gz",
                verified(github("Pallets/Flask", "publish.yml")),
            ),
        ],
    );
    assert!(eval(&[lockfile("uv.lock", vec![p])], &default_policy()).is_empty());
}

// ---- levels and --deny-warnings ----------------------------------------------------------

#[test]
fn deny_warnings_fails_on_warnings_only() {
    use pubgate::report::{Outcome, Report};
    let p = pkg(
        "certifi",
        "1.0",
        1,
        vec![artifact("certifi-1.0.tar.gz", absent())],
    );
    let lock = vec![lockfile("uv.lock", vec![p])];
    let pol = default_policy();
    assert_eq!(
        Report::check(lock.clone(), &pol, today(), false).outcome(),
        Outcome::Pass
    );
    assert_eq!(
        Report::check(lock, &pol, today(), true).outcome(),
        Outcome::Fail
    );
}

// ---- the gate cannot be talked past ---------------------------------------------------

const REQUIRES_GITHUB: &str = r#"schema = 1
[rules]
provenance-unavailable = "allow"
missing-provenance = "allow"
non-index-source = "allow"
[[package]]
names = ["sampleproject"]
publisher = { kind = "github", repository = "pypa/sampleproject", workflow = "release.yml" }
"#;

#[test]
fn denies_a_required_publisher_that_was_never_verified_whatever_other_levels_say() {
    let pol = policy(REQUIRES_GITHUB);
    let cases: Vec<(ProvenanceStatus, &str)> = vec![
        (absent(), "`sampleproject-4.0.0.tar.gz` has no provenance, but the policy requires"),
        (
            unavailable("`https://pypi.org/integrity/…`: HTTP 503 after 4 attempt(s)"),
            "`sampleproject-4.0.0.tar.gz` could not be checked (its provenance could not be fetched), but the policy requires",
        ),
        (bad_signature(), "`sampleproject-4.0.0.tar.gz` has provenance that failed verification, but the policy requires"),
        (
            ProvenanceStatus::NotApplicable,
            "`sampleproject-4.0.0.tar.gz` was not examined (a locked hash binds to no file on the index), but the policy requires",
        ),
    ];
    for (status, expected) in cases {
        let p = pkg(
            "sampleproject",
            "4.0.0",
            7,
            vec![artifact("sampleproject-4.0.0.tar.gz", status)],
        );
        let findings = eval(&[lockfile("uv.lock", vec![p])], &pol);
        let f = only(&findings, "PG201");
        assert_eq!(f.level, Level::Deny);
        assert!(f.message.starts_with(expected), "{}", f.message);
        assert!(
            f.message
                .ends_with("GitHub `pypa/sampleproject` workflow `release.yml` (pubgate.toml:8)"),
            "{}",
            f.message
        );
    }
    // Nothing examined at all.
    let mut p = pkg("sampleproject", "4.0.0", 7, vec![]);
    p.package.artifacts.clear();
    let findings = eval(&[lockfile("uv.lock", vec![p])], &pol);
    assert!(only(&findings, "PG201")
        .message
        .starts_with("no file of this release was examined"));
    // Verified from that publisher: nothing to say.
    let p = pkg(
        "sampleproject",
        "4.0.0",
        7,
        vec![artifact(
            "sampleproject-4.0.0.tar.gz",
            verified(github("pypa/sampleproject", "release.yml")),
        )],
    );
    assert!(eval(&[lockfile("uv.lock", vec![p])], &pol).is_empty());
}

#[test]
fn denies_a_required_publisher_moved_to_a_source_that_cannot_meet_it() {
    let pol = policy(REQUIRES_GITHUB);
    let sources = [
        Source::Git {
            url: SecretUrl::new("https://github.com/evil/sampleproject"),
            commit: Some("abc".into()),
        },
        Source::Url {
            url: SecretUrl::new("https://evil.example/sampleproject-4.0.0.tar.gz"),
        },
        Source::Path {
            path: "vendor/sampleproject-4.0.0.tar.gz".into(),
        },
        Source::Editable {
            path: "../sampleproject".into(),
        },
        Source::Virtual {
            path: "sampleproject".into(),
        },
    ];
    for source in sources {
        let p = with_source(pkg("sampleproject", "4.0.0", 7, vec![]), source.clone());
        let findings = eval(&[lockfile("uv.lock", vec![p])], &pol);
        let f = only(&findings, "PG201");
        assert_eq!(f.level, Level::Deny, "{source:?}");
        assert!(
            f.message.starts_with("installed from ") && f.message.contains("which can carry no attestation, but the policy requires GitHub `pypa/sampleproject`"),
            "{}",
            f.message
        );
    }
}

#[test]
fn denies_a_source_without_provenance_when_the_policy_requires_provenance() {
    let pol = policy(
        "schema = 1\n[rules]\nmissing-provenance = \"deny\"\nnon-index-source = \"allow\"\n",
    );
    let p = with_source(
        pkg("mylib", "1.0", 3, vec![]),
        Source::Git {
            url: SecretUrl::new("https://github.com/o/mylib"),
            commit: None,
        },
    );
    let findings = eval(&[lockfile("uv.lock", vec![p.clone()])], &pol);
    let f = only(&findings, "PG101");
    assert_eq!(f.level, Level::Deny);
    assert_eq!(
        f.message,
        "installed from git `https://github.com/o/mylib` without a locked commit, which can carry no provenance, but the policy requires provenance for this package"
    );
    // At the default level (warn) only PG003 speaks.
    let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
    assert_eq!(codes(&findings), ["PG003"]);
}

#[test]
fn denies_a_pylock_identity_that_nothing_verified() {
    let mut p = pkg(
        "attrs",
        "25.1.0",
        12,
        vec![artifact("attrs-25.1.0.tar.gz", absent())],
    );
    p.package.attestation_identities =
        vec![recorded("GitHub", "python-attrs/attrs", "pypi-package.yml")];
    let findings = eval(&[lockfile("pylock.toml", vec![p])], &default_policy());
    let f = only(&findings, "PG201");
    assert_eq!(
        f.message,
        "`attrs-25.1.0.tar.gz` has no provenance, but the lockfile records GitHub `python-attrs/attrs` workflow `pypi-package.yml` (pylock.toml:18)"
    );
}

fn with_history(
    p: PackageEvidence,
    version: &str,
    yanked: bool,
    passed_over: &[&str],
    artifacts: Vec<ArtifactEvidence>,
) -> PackageEvidence {
    let mut p = with_previous(p, version, artifacts);
    if let History::Previous(previous) = &mut p.history {
        previous.yanked = yanked;
        previous.passed_over = passed_over.iter().map(|v| v.to_string()).collect();
    }
    p
}

#[test]
fn history_names_the_last_attested_release_past_unattested_and_yanked_ones() {
    let locked = pkg(
        "idna",
        "3.9",
        5,
        vec![artifact("idna-3.9.tar.gz", absent())],
    );
    let p = with_history(
        locked,
        "3.7",
        true,
        &["3.8.1", "3.8"],
        vec![artifact(
            "idna-3.7.tar.gz",
            verified(github("kjd/idna", "deploy.yml")),
        )],
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &default_policy());
    assert_eq!(
        only(&findings, "PG203").message,
        "`idna-3.9.tar.gz` has no provenance, but the last attested earlier release `3.7` (yanked; 2 releases in between have no provenance: `3.8.1`, `3.8`) was attested by GitHub `kjd/idna` workflow `deploy.yml`"
    );
}

#[test]
fn denies_an_earlier_release_whose_provenance_fails_verification() {
    let locked = pkg(
        "idna",
        "3.9",
        5,
        vec![artifact(
            "idna-3.9.tar.gz",
            verified(github("attacker/idna", "deploy.yml")),
        )],
    );
    let p = with_history(
        locked,
        "3.8",
        false,
        &[],
        vec![artifact("idna-3.8.tar.gz", bad_signature())],
    );
    let findings = eval(&[lockfile("uv.lock", vec![p.clone()])], &default_policy());
    let f = only(&findings, "PG102");
    assert_eq!(f.level, Level::Deny);
    assert!(f.message.starts_with("in the earlier release `3.8`, which this one is compared with, the provenance of `idna-3.8.tar.gz` failed verification"), "{}", f.message);
    // A version-scoped exemption for the locked release does not cover the earlier file.
    let pol = policy(
        "schema = 1\n[[exemption]]\npackage = \"idna\"\nversions = \"==3.9\"\nrule = \"invalid-provenance\"\nreason = \"r\"\n",
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &pol);
    assert!(only(&findings, "PG102").exempted_by.is_none());
}

#[test]
fn denies_a_hash_nothing_binds_and_only_its_digest_exempts_it() {
    let mut a = artifact("", ProvenanceStatus::NotApplicable);
    a.sha256 = None;
    a.unbound_hashes = vec![pubgate::lockfile::LockedHash {
        algorithm: "sha512".into(),
        digest: "ab".repeat(64),
    }];
    let p = pkg(
        "sampleproject",
        "4.0.0",
        3,
        vec![
            artifact(
                "sampleproject-4.0.0.tar.gz",
                verified(github("pypa/sampleproject", "release.yml")),
            ),
            a,
        ],
    );
    let lock = || vec![lockfile("requirements.txt", vec![p.clone()])];
    let findings = eval(&lock(), &default_policy());
    let f = only(&findings, "PG005");
    assert_eq!(f.level, Level::Deny);
    assert_eq!(f.artifact.as_deref(), Some("sha512:abababababab…"));
    assert!(f.message.starts_with("the locked hash `sha512:abababababababab…` matches no file of this release that pubgate examined"), "{}", f.message);

    let by_version = policy(
        "schema = 1\n[[exemption]]\npackage = \"sampleproject\"\nversions = \"==4.0.0\"\nhashes = [\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"]\nrule = \"unverifiable-hash\"\nreason = \"r\"\n",
    );
    assert!(only(&eval(&lock(), &by_version), "PG005")
        .exempted_by
        .is_none());
    let by_digest = policy(&format!(
        "schema = 1\n[[exemption]]\npackage = \"sampleproject\"\nhashes = [\"sha512:{}\"]\nrule = \"unverifiable-hash\"\nreason = \"r\"\n",
        "ab".repeat(64)
    ));
    assert!(only(&eval(&lock(), &by_digest), "PG005")
        .exempted_by
        .is_some());
}

fn named(
    url: &str,
    kind: pubgate::lockfile::IndexKind,
    line: u32,
) -> pubgate::lockfile::NamedIndex {
    pubgate::lockfile::NamedIndex {
        url: SecretUrl::new(url),
        kind,
        location: pubgate::lockfile::Location {
            path: "requirements.txt".into(),
            line,
        },
    }
}

#[test]
fn denies_package_sources_the_policy_does_not_allow() {
    use pubgate::lockfile::IndexKind::*;
    let mut lock = lockfile("requirements.txt", vec![clean_package()]);
    lock.indexes = vec![
        named("https://pypi.org/simple", Index, 1),
        named("https://u:secret@pkgs.example.net/simple/", ExtraIndex, 2),
        named("https://wheels.example.net/", FindLinks, 3),
        named("pkgs.example.net", TrustedHost, 4),
    ];
    let findings = eval(std::slice::from_ref(&lock), &default_policy());
    let pg006: Vec<_> = findings
        .iter()
        .filter(|f| f.rule.code() == "PG006")
        .collect();
    assert_eq!(pg006.len(), 3, "{findings:#?}");
    assert!(pg006
        .iter()
        .all(|f| f.level == Level::Deny && f.package.is_none()));
    assert_eq!(
        pg006.iter().map(|f| f.location.line).collect::<Vec<_>>(),
        [2, 3, 4]
    );
    assert!(pg006[0]
        .message
        .contains("`https://****@pkgs.example.net/simple/`"));
    assert!(!pg006[0].message.contains("secret"));

    let pol = policy(
        "schema = 1\n[sources]\nallow-indexes = [\"https://PKGS.example.net/simple\", \"https://wheels.example.net\", \"https://unused.example/simple\"]\nallow-trusted-hosts = [\"pkgs.example.net\"]\n",
    );
    let findings = eval(std::slice::from_ref(&lock), &pol);
    assert_eq!(codes(&findings), ["PG302"], "{findings:#?}");
    assert_eq!(
        findings[0].message,
        "allowed source `https://unused.example/simple` is named by no checked lockfile"
    );
}

#[test]
fn denies_a_package_locked_from_an_index_the_policy_does_not_allow() {
    let p = with_source(
        pkg("torch", "2.3.0+cpu", 9, vec![]),
        Source::Index {
            url: SecretUrl::new("https://download.pytorch.org/whl/cpu"),
        },
    );
    let findings = eval(&[lockfile("uv.lock", vec![p.clone()])], &default_policy());
    assert_eq!(only(&findings, "PG006").location.line, 9);
    let pol = policy(
        "schema = 1\n[sources]\nallow-indexes = [\"https://download.pytorch.org/whl/cpu/\"]\n",
    );
    let findings = eval(&[lockfile("uv.lock", vec![p])], &pol);
    assert!(!codes(&findings).contains(&"PG006"), "{findings:#?}");
}

#[test]
fn warns_an_empty_lockfile_and_strict_denies_it() {
    let empty = lockfile("requirements.txt", vec![]);
    let findings = eval(std::slice::from_ref(&empty), &default_policy());
    let f = only(&findings, "PG007");
    assert_eq!(f.level, Level::Warn);
    assert_eq!(f.location.line, 1);
    let strict = policy(include_str!("../policies/strict.toml"));
    assert_eq!(only(&eval(&[empty], &strict), "PG007").level, Level::Deny);
}
