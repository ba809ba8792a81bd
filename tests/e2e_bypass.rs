//! Routes to a wrong PASS, tried through the binary against a fake PyPI: each must end in
//! exit 1 (or the exact pass the policy's text allows). A required publisher never verified,
//! a dependency moved off the index, exemptions broader than they read, sources the policy
//! does not allow, and a lockfile that locks nothing.

mod e2e_support;

use std::sync::OnceLock;

use e2e_support::*;
use pubgate::testing::fake_pypi::{BuildOptions, Fault, FaultRule, SignerMinter};

/// - `good`: attested by `good-dev/good` `release.yml`;
/// - `legacy` (and its local-version twin `1.0+evil`): never attested;
/// - `flaky`: its integrity endpoint answers 503.
fn universe() -> Vec<Pkg> {
    vec![
        Pkg::pypi("good", "1.0"),
        Pkg::pypi("legacy", "1.0"),
        Pkg::pypi("legacy", "1.0+evil"),
        Pkg::pypi("flaky", "1.0"),
    ]
}

fn pkg(name: &str, version: &str) -> Pkg {
    universe()
        .into_iter()
        .find(|p| p.name == name && p.version == version)
        .unwrap()
}

fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let options = BuildOptions {
            unattested: vec!["legacy".into()],
            previous_unattested: vec!["legacy".into()],
            ..BuildOptions::default()
        };
        let site = Site::shared_for_lockfile(
            "e2e_bypass",
            "uv.lock",
            &uv_lock(&universe()),
            &options,
            &SignerMinter,
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

/// `pubgate check FILE --format json` in a project holding `files`.
fn check(files: &[(&str, &str)], lockfile: &str, args: &[&str]) -> Run {
    let dir = project(files);
    let mut all = vec![lockfile, "--format", "json"];
    all.extend_from_slice(args);
    site().check(dir.path(), &all)
}

fn check_uv(lock: &[Pkg], policy: &str) -> Run {
    check(
        &[("uv.lock", &uv_lock(lock)), ("pubgate.toml", policy)],
        "uv.lock",
        &[],
    )
}

/// The (rule, package, exempted) of every finding.
fn rules(run: &Run) -> Vec<(String, String, bool)> {
    run.findings()
}

fn has(run: &Run, rule: &str, package: &str, exempted: bool) -> bool {
    rules(run).contains(&(rule.to_string(), package.to_string(), exempted))
}

const REQUIRE_GOOD: &str = "[[package]]\nnames = [\"good\", \"flaky\"]\npublisher = { kind = \"github\", repository = \"good-dev/good\", workflow = \"release.yml\" }\n";

#[test]
fn a_required_publisher_is_verified_or_the_gate_fails() {
    // The happy path: verified from the required publisher.
    let run = check_uv(
        &[pkg("good", "1.0")],
        &format!("schema = 1\n{REQUIRE_GOOD}"),
    );
    run.expect_code(0);

    // Unavailable provenance with PG103 allowed everywhere still fails the requirement.
    let lenient = format!(
        "schema = 1\n[rules]\nprovenance-unavailable = \"allow\"\nmissing-provenance = \"allow\"\nnon-index-source = \"allow\"\nunused-exemption = \"allow\"\n{REQUIRE_GOOD}"
    );
    let run = check_uv(&[pkg("flaky", "1.0")], &lenient);
    run.expect_code(1);
    assert_eq!(
        rules(&run),
        [("publisher-mismatch".to_string(), "flaky".to_string(), false)]
    );
    let message = run.json()["findings"][0]["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        message.starts_with("Both files could not be checked (its provenance could not be fetched), but the policy requires GitHub `good-dev/good`"),
        "{message}"
    );
}

#[test]
fn a_required_publisher_cannot_be_dodged_by_moving_the_package_off_the_index() {
    let lenient = format!(
        "schema = 1\n[rules]\nnon-index-source = \"allow\"\nunused-exemption = \"allow\"\n{REQUIRE_GOOD}"
    );
    for source in [
        Src::Git {
            url: "https://github.com/attacker/good".into(),
            commit: "0123456789abcdef0123456789abcdef01234567".into(),
        },
        Src::Editable("../good".into()),
    ] {
        let mut moved = pkg("good", "1.0").on(source.clone());
        moved.files.clear();
        let run = check_uv(&[moved.clone()], &lenient);
        run.expect_code(1);
        assert_eq!(
            rules(&run),
            [("publisher-mismatch".to_string(), "good".to_string(), false)],
            "{source:?}"
        );
        // …and it stays in "who publishes what".
        let dir = project(&[("uv.lock", &uv_lock(&[moved])), ("pubgate.toml", &lenient)]);
        let human = site().check(dir.path(), &["uv.lock"]);
        assert!(
            human
                .stdout
                .contains("good==1.0  no provenance possible: installed from"),
            "{}",
            human.stdout
        );
    }
}

#[test]
fn an_exact_version_exemption_does_not_admit_a_local_version() {
    let policy = "schema = 1\n[rules]\nmissing-provenance = \"deny\"\nother-index = \"allow\"\n\n[[exemption]]\npackage = \"legacy\"\nversions = \"==1.0\"\nrule = \"missing-provenance\"\nreason = \"checked 1.0 by hand\"\n";
    let run = check_uv(&[pkg("legacy", "1.0")], policy);
    run.expect_code(0);
    assert!(has(&run, "missing-provenance", "legacy", true));

    let run = check_uv(&[pkg("legacy", "1.0+evil")], policy);
    run.expect_code(1);
    assert!(
        has(&run, "missing-provenance", "legacy", false),
        "{:?}",
        rules(&run)
    );
}

#[test]
fn a_version_exemption_does_not_admit_a_file_the_index_does_not_serve() {
    let mut swapped = pkg("good", "1.0");
    swapped.files[0].1 = Some("ab".repeat(32));
    let by_version = "schema = 1\n[[exemption]]\npackage = \"good\"\nversions = \"==1.0\"\nrule = \"invalid-provenance\"\nreason = \"re-signed upstream\"\n";
    let run = check_uv(&[swapped.clone()], by_version);
    run.expect_code(1);
    assert!(
        has(&run, "invalid-provenance", "good", false),
        "{:?}",
        rules(&run)
    );

    // Naming the exact digest is the only way to accept that file.
    let by_digest = format!(
        "schema = 1\n[[exemption]]\npackage = \"good\"\nhashes = [\"sha256:{}\"]\nrule = \"invalid-provenance\"\nreason = \"our own rebuild, checked\"\n",
        "ab".repeat(32)
    );
    let run = check_uv(&[swapped], &by_digest);
    run.expect_code(0);
    assert!(has(&run, "invalid-provenance", "good", true));
}

#[test]
fn sources_the_policy_does_not_list_fail_the_gate() {
    let good = pkg("good", "1.0");
    let requirements = format!(
        "--extra-index-url https://mirror.example.net/simple\n--trusted-host mirror.example.net\ngood==1.0 --hash=sha256:{} --hash=sha256:{}\n",
        good.sha(0),
        good.sha(1)
    );
    let run = check(
        &[("requirements.txt", &requirements)],
        "requirements.txt",
        &[],
    );
    run.expect_code(1);
    let pg006: Vec<_> = rules(&run)
        .into_iter()
        .filter(|(rule, _, _)| rule == "index-not-allowed")
        .collect();
    assert_eq!(pg006.len(), 2, "{:?}", rules(&run));

    let policy = "schema = 1\n[sources]\nallow-indexes = [\"https://mirror.example.net/simple\"]\nallow-trusted-hosts = [\"mirror.example.net\"]\n";
    let run = check(
        &[
            ("requirements.txt", &requirements),
            ("pubgate.toml", policy),
        ],
        "requirements.txt",
        &[],
    );
    run.expect_code(0);
    assert!(rules(&run).is_empty(), "{:?}", rules(&run));
}

#[test]
fn a_lockfile_that_locks_nothing_is_reported() {
    for (name, text) in [
        ("requirements.txt", "# pip-compile was interrupted\n"),
        (
            "uv.lock",
            "version = 1\nrevision = 3\nrequires-python = \">=3.9\"\n",
        ),
    ] {
        let run = check(&[(name, text)], name, &[]);
        run.expect_code(0);
        assert_eq!(
            rules(&run),
            [("empty-lockfile".to_string(), String::new(), false)],
            "{name}"
        );
        let strict = std::fs::read_to_string(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("policies/strict.toml"),
        )
        .unwrap();
        let run = check(
            &[(name, text), ("strict.toml", &strict)],
            name,
            &["--policy", "strict.toml"],
        );
        run.expect_code(1);
    }
}

#[test]
fn a_hash_in_another_algorithm_cannot_smuggle_in_a_file_nobody_examined() {
    // The attack: the genuine sha256 verifies, and the sha512 of another file would
    // let pip take that file from an extra index or a mirror.
    let good = pkg("good", "1.0");
    let other = "9f".repeat(64);
    let requirements = format!(
        "good==1.0 --hash=sha256:{} --hash=sha256:{} --hash=sha512:{other}\n",
        good.sha(0),
        good.sha(1)
    );
    let run = check(
        &[("requirements.txt", &requirements)],
        "requirements.txt",
        &[],
    );
    run.expect_code(1);
    assert_eq!(
        rules(&run),
        [("unverifiable-hash".to_string(), "good".to_string(), false)]
    );
    let report = run.json();
    let unbound: Vec<&serde_json::Value> = report["packages"][0]["artifacts"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a.get("unbound_hashes").is_some())
        .collect();
    assert_eq!(unbound.len(), 1, "{report:#}");
    assert_eq!(unbound[0]["unbound_hashes"][0], format!("sha512:{other}"));

    // No level, and no exemption by version, lets it through; only its exact digest does.
    let by_version = "schema = 1\n[[exemption]]\npackage = \"good\"\nversions = \"==1.0\"\nhashes = [\"sha256:0000000000000000000000000000000000000000000000000000000000000000\"]\nrule = \"unverifiable-hash\"\nreason = \"r\"\n";
    let run = check(
        &[
            ("requirements.txt", &requirements),
            ("pubgate.toml", by_version),
        ],
        "requirements.txt",
        &[],
    );
    run.expect_code(1);
    let by_digest = format!(
        "schema = 1\n[[exemption]]\npackage = \"good\"\nhashes = [\"sha512:{other}\"]\nrule = \"unverifiable-hash\"\nreason = \"our mirror's rebuild, checked by hand\"\n"
    );
    let run = check(
        &[
            ("requirements.txt", &requirements),
            ("pubgate.toml", &by_digest),
        ],
        "requirements.txt",
        &[],
    );
    run.expect_code(0);
}
