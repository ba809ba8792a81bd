//! `pubgate init` and `pubgate init --update`.

use super::e2e_support::*;
use super::{pkg, run};

#[test]
fn init_pins_what_verifies_and_then_check_passes() {
    let lock = uv_lock(&[
        pkg("good", "1.1"),
        pkg("twin-a", "1.0"),
        pkg("twin-b", "1.0"),
        pkg("legacy", "1.0"),
    ]);
    let dir = project(&[("uv.lock", &lock)]);
    let init = run(dir.path(), "init", &["uv.lock"]);
    init.expect_code(0);
    assert!(
        init.stdout.starts_with(
            "wrote `pubgate.toml`: 3 packages pinned in 2 entries, 1 package not pinned"
        ),
        "{}",
        init.stdout
    );
    let policy = std::fs::read_to_string(dir.path().join("pubgate.toml")).unwrap();
    // Deterministic, commented: the exact text.
    assert_eq!(
        policy,
        "# pubgate policy: who may publish each locked package (docs/policy.md).
# Started by `pubgate init` from uv.lock: each [[package]] pins the
# publisher its verified PEP 740 provenance names today, and a file without verified
# provenance from that publisher fails the check (PG201). Review changes to this file
# like code: an entry here decides whom you trust.
schema = 1

# GitHub `good-dev/good` workflow `release.yml` environment `pypi`
[[package]]
names = [\"good\"]
publisher = { kind = \"github\", repository = \"good-dev/good\", workflow = \"release.yml\", environment = \"pypi\" }

# GitHub `twins-dev/twins` workflow `release.yml` environment `pypi`
[[package]]
names = [\"twin-a\", \"twin-b\"]
publisher = { kind = \"github\", repository = \"twins-dev/twins\", workflow = \"release.yml\", environment = \"pypi\" }

# Not pinned: no verified provenance to pin. `missing-provenance` (PG101) warns about
# files without provenance; pin these once they publish with Trusted Publishing.
#   legacy==1.0  no provenance (2 of 2 files)
"
    );
    // The same evidence writes the same file.
    let again = run(dir.path(), "init", &["uv.lock", "--output", "-"]);
    again.expect_code(0);
    assert_eq!(again.stdout, policy);

    let check = run(dir.path(), "check", &["uv.lock", "--format", "json"]);
    check.expect_code(0);
    let findings: Vec<(String, String)> = check
        .findings()
        .into_iter()
        .map(|(rule, package, _)| (rule, package))
        .collect();
    assert_eq!(
        findings,
        [("missing-provenance".to_string(), "legacy".to_string())]
    );
}

#[test]
fn init_never_overwrites_without_force() {
    let lock = uv_lock(&[pkg("good", "1.1")]);
    let dir = project(&[("uv.lock", &lock), ("pubgate.toml", "schema = 1\n")]);
    let refused = run(dir.path(), "init", &["uv.lock"]);
    refused.expect_code(2);
    assert!(
        refused.stderr.contains("`pubgate.toml` exists"),
        "{}",
        refused.stderr
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("pubgate.toml")).unwrap(),
        "schema = 1\n"
    );
    // Another policy beside it is refused too: two policy files would be an error.
    let dir = project(&[("uv.lock", &lock), (".pubgate.toml", "schema = 1\n")]);
    let refused = run(dir.path(), "init", &["uv.lock"]);
    refused.expect_code(2);
    assert!(
        refused.stderr.contains("a policy already exists"),
        "{}",
        refused.stderr
    );
    assert!(!dir.path().join("pubgate.toml").exists());
    // --force replaces; --output writes elsewhere.
    let dir = project(&[("uv.lock", &lock), ("pubgate.toml", "schema = 1\n")]);
    run(dir.path(), "init", &["uv.lock", "--force"]).expect_code(0);
    assert!(std::fs::read_to_string(dir.path().join("pubgate.toml"))
        .unwrap()
        .contains("names = [\"good\"]"));
    run(
        dir.path(),
        "init",
        &["uv.lock", "--output", "policy/pins.toml"],
    )
    .expect_code(2);
    std::fs::create_dir(dir.path().join("policy")).unwrap();
    run(
        dir.path(),
        "init",
        &["uv.lock", "--output", "policy/pins.toml"],
    )
    .expect_code(0);
    assert!(dir.path().join("policy/pins.toml").is_file());
}

#[test]
fn a_publisher_change_after_init_fails_and_update_reports_it_without_accepting() {
    let before = uv_lock(&[pkg("good", "1.1"), pkg("hop", "2.0")]);
    let dir = project(&[("uv.lock", &before)]);
    run(dir.path(), "init", &["uv.lock"]).expect_code(0);
    let policy = std::fs::read_to_string(dir.path().join("pubgate.toml")).unwrap();
    assert!(
        policy.contains("names = [\"hop\"]\npublisher = { kind = \"github\", repository = \"someone-else/hop\", workflow = \"publish.yml\" }"),
        "{policy}"
    );
    run(dir.path(), "check", &["uv.lock"]).expect_code(0);

    // hop 2.1 comes from another publisher; a new package is locked too.
    let after = uv_lock(&[pkg("good", "1.1"), pkg("hop", "2.1"), pkg("twin-a", "1.0")]);
    std::fs::write(dir.path().join("uv.lock"), &after).unwrap();
    let check = run(dir.path(), "check", &["uv.lock", "--format", "json"]);
    check.expect_code(1);
    assert!(check.findings().contains(&(
        "publisher-mismatch".to_string(),
        "hop".to_string(),
        false
    )));

    let update = run(dir.path(), "init", &["uv.lock", "--update"]);
    update.expect_code(1);
    assert!(
        update
            .stdout
            .contains("`pubgate.toml`: 1 package added (twin-a), 1 package unchanged"),
        "{}",
        update.stdout
    );
    assert!(
        update.stdout.contains(
            "hop==2.1: pinned GitHub `someone-else/hop` workflow `publish.yml` (pubgate.toml:"
        ),
        "{}",
        update.stdout
    );
    assert!(
        update.stdout.contains(
            "now published by GitHub `hop-dev/hop` workflow `release.yml` environment `pypi`"
        ),
        "{}",
        update.stdout
    );
    assert!(update.stdout.contains("pubgate init --update --accept hop"));
    // The new package is appended; the rest of the file is kept byte for byte, and the
    // changed pin is not touched.
    let updated = std::fs::read_to_string(dir.path().join("pubgate.toml")).unwrap();
    assert!(updated.starts_with(&policy), "{updated}");
    assert_eq!(
        &updated[policy.len()..],
        "\n# Added by `pubgate init --update` from uv.lock:\n# GitHub `twins-dev/twins` workflow `release.yml` environment `pypi`\n[[package]]\nnames = [\"twin-a\"]\npublisher = { kind = \"github\", repository = \"twins-dev/twins\", workflow = \"release.yml\", environment = \"pypi\" }\n"
    );
    // Running it again changes nothing and still reports the change.
    let again = run(dir.path(), "init", &["uv.lock", "--update"]);
    again.expect_code(1);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("pubgate.toml")).unwrap(),
        updated
    );

    // Accepting names the package: only its entry changes.
    let accept = run(
        dir.path(),
        "init",
        &["uv.lock", "--update", "--accept", "hop"],
    );
    accept.expect_code(0);
    assert!(
        accept
            .stdout
            .contains("accepted: hop now pinned to GitHub `hop-dev/hop`"),
        "{}",
        accept.stdout
    );
    let accepted = std::fs::read_to_string(dir.path().join("pubgate.toml")).unwrap();
    assert_eq!(
        accepted,
        updated.replace(
            "publisher = { kind = \"github\", repository = \"someone-else/hop\", workflow = \"publish.yml\" }",
            "publisher = { kind = \"github\", repository = \"hop-dev/hop\", workflow = \"release.yml\", environment = \"pypi\" }"
        )
    );
    // The pin now holds; the publisher change itself still needs its review (PG202).
    let check = run(dir.path(), "check", &["uv.lock", "--format", "json"]);
    check.expect_code(1);
    let active: Vec<(String, String, bool)> = check.findings();
    assert_eq!(
        active,
        [("publisher-change".to_string(), "hop".to_string(), false)]
    );
    // Accepting a package that did not change is refused.
    let wrong = run(
        dir.path(),
        "init",
        &["uv.lock", "--update", "--accept", "good"],
    );
    wrong.expect_code(2);
    assert!(wrong
        .stderr
        .contains("`good` is not a package whose pinned publisher changed"));
}

#[test]
fn accepting_a_change_in_a_shared_entry_moves_the_package_to_its_own() {
    let lock = uv_lock(&[pkg("twin-a", "1.0"), pkg("twin-b", "1.0")]);
    let policy = "schema = 1\n\n[[package]]\n# the twins\nnames = [\"twin-a\", \"twin-b\"]\npublisher = { kind = \"github\", repository = \"twins-dev/twins\", workflow = \"old.yml\" }\n";
    let dir = project(&[("uv.lock", &lock), ("pubgate.toml", policy)]);
    let update = run(
        dir.path(),
        "init",
        &["uv.lock", "--update", "--accept", "twin-a"],
    );
    update.expect_code(1);
    assert!(
        update.stdout.contains("accepted: twin-a"),
        "{}",
        update.stdout
    );
    assert!(
        update.stdout.contains("twin-b==1.0: pinned"),
        "{}",
        update.stdout
    );
    let updated = std::fs::read_to_string(dir.path().join("pubgate.toml")).unwrap();
    assert_eq!(
        updated,
        "schema = 1\n\n[[package]]\n# the twins\nnames = [\"twin-b\"]\npublisher = { kind = \"github\", repository = \"twins-dev/twins\", workflow = \"old.yml\" }\n\n# Added by `pubgate init --update` from uv.lock:\n# GitHub `twins-dev/twins` workflow `release.yml` environment `pypi`\n[[package]]\nnames = [\"twin-a\"]\npublisher = { kind = \"github\", repository = \"twins-dev/twins\", workflow = \"release.yml\", environment = \"pypi\" }\n"
    );
}
