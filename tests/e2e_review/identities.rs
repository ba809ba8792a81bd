//! PEP 751 `attestation-identities`: checked by `pubgate check` (matched, mismatched) and
//! filled in by `pubgate write-identities`, the rest of the pylock.toml kept byte for byte.

use super::e2e_support::*;
use super::{pkg, run};

/// A `[[packages]]` entry for `p` (from PyPI), with `identity` lines after it when given.
fn entry(p: &Pkg, identity: Option<&str>) -> String {
    let url = |f: &str| format!("https://files.pythonhosted.org/packages/ab/cd/{f}");
    let mut out = format!(
        "[[packages]]\nname = \"{}\"\nversion = \"{}\"\nindex = \"https://pypi.org/simple\"\nsdist = {{ name = \"{}\", url = \"{}\", hashes = {{ sha256 = \"{}\" }} }}\n\n[[packages.wheels]]\nname = \"{}\"\nurl = \"{}\"\nhashes = {{ sha256 = \"{}\" }}\n",
        p.name,
        p.version,
        p.files[0].0,
        url(&p.files[0].0),
        p.sha(0),
        p.files[1].0,
        url(&p.files[1].0),
        p.sha(1)
    );
    if let Some(identity) = identity {
        out.push_str(&format!(
            "\n[[packages.attestation-identities]]\n{identity}"
        ));
    }
    out
}

fn pylock(entries: &[String]) -> String {
    format!(
        "lock-version = \"1.0\"\ncreated-by = \"hand\"\nrequires-python = \">=3.9\"\n\n{}",
        entries.join("\n")
    )
}

const GOOD_IDENTITY: &str =
    "kind = \"GitHub\"\nrepository = \"good-dev/good\"\nworkflow = \"release.yml\"\n";

#[test]
fn recorded_identities_are_checked_matched_and_mismatched() {
    let matched = pylock(&[entry(&pkg("good", "1.1"), Some(GOOD_IDENTITY))]);
    let dir = project(&[("pylock.toml", &matched)]);
    run(dir.path(), "check", &["pylock.toml"]).expect_code(0);

    let wrong = "kind = \"GitHub\"\nrepository = \"good-dev/good\"\nworkflow = \"publish.yml\"\n";
    let mismatched = pylock(&[entry(&pkg("good", "1.1"), Some(wrong))]);
    let dir = project(&[("pylock.toml", &mismatched)]);
    let check = run(dir.path(), "check", &["pylock.toml", "--format", "json"]);
    check.expect_code(1);
    let report = check.json();
    let finding = &report["findings"][0];
    assert_eq!(finding["rule"], "publisher-mismatch");
    assert!(
        finding["message"].as_str().unwrap().contains(
            "but the lockfile records GitHub `good-dev/good` workflow `publish.yml` (pylock.toml:"
        ),
        "{finding:#}"
    );
    // write-identities keeps a recorded identity and reports the mismatch.
    let write = run(dir.path(), "write-identities", &["pylock.toml"]);
    write.expect_code(1);
    assert!(
        write.stdout.contains("1 already recorded"),
        "{}",
        write.stdout
    );
    assert!(
        write
            .stdout
            .contains("recorded identities that the verified publisher does not match"),
        "{}",
        write.stdout
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("pylock.toml")).unwrap(),
        mismatched
    );
}

#[test]
fn write_identities_fills_them_in_and_keeps_the_rest_byte_for_byte() {
    let entries = [
        entry(&pkg("good", "1.1"), None),
        entry(&pkg("legacy", "1.0"), None),
        entry(&pkg("twin-a", "1.0"), None),
    ];
    let text = format!(
        "# locked by hand\n{}\n[tool.other]\nkeep = \"me\"\n",
        pylock(&entries)
    );
    let dir = project(&[("pylock.toml", &text)]);

    let dry = run(
        dir.path(),
        "write-identities",
        &["pylock.toml", "--dry-run"],
    );
    dry.expect_code(0);
    assert!(
        dry.stdout.contains("would write identities for 2 packages"),
        "{}",
        dry.stdout
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("pylock.toml")).unwrap(),
        text
    );

    let write = run(dir.path(), "write-identities", &["pylock.toml"]);
    write.expect_code(0);
    assert!(
        write
            .stdout
            .contains("wrote identities for 2 packages; 0 already recorded; 1 not recorded"),
        "{}",
        write.stdout
    );
    assert!(
        write
            .stdout
            .contains("  legacy==1.0: no provenance (2 of 2 files)"),
        "{}",
        write.stdout
    );
    let written = std::fs::read_to_string(dir.path().join("pylock.toml")).unwrap();
    let good_block = "\n[[packages.attestation-identities]]\nkind = \"GitHub\"\nrepository = \"good-dev/good\"\nworkflow = \"release.yml\"\nenvironment = \"pypi\"\n";
    let twin_block = "\n[[packages.attestation-identities]]\nkind = \"GitHub\"\nrepository = \"twins-dev/twins\"\nworkflow = \"release.yml\"\nenvironment = \"pypi\"\n";
    // Exactly the original with the two blocks inserted at the end of their sections.
    let good_end = text.find("\n[[packages]]\nname = \"legacy\"").unwrap();
    let twin_end = text.find("\n[tool.other]").unwrap();
    let mut expected = text.clone();
    expected.insert_str(twin_end, twin_block);
    expected.insert_str(good_end, good_block);
    assert_eq!(written, expected);

    // They read back, and the check holds the packages to them.
    run(dir.path(), "check", &["pylock.toml"]).expect_code(0);
    let lock = pubgate::lockfile::read(&dir.path().join("pylock.toml"), None).unwrap();
    let recorded: Vec<usize> = lock
        .packages
        .iter()
        .map(|p| p.attestation_identities.len())
        .collect();
    assert_eq!(recorded, [1, 0, 1]);
    // A second run has nothing to add.
    let again = run(dir.path(), "write-identities", &["pylock.toml"]);
    again.expect_code(0);
    assert!(
        again
            .stdout
            .contains("wrote identities for 0 packages; 2 already recorded"),
        "{}",
        again.stdout
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("pylock.toml")).unwrap(),
        expected
    );
}

#[test]
fn write_identities_refuses_other_formats() {
    let dir = project(&[("uv.lock", &uv_lock(&[pkg("good", "1.1")]))]);
    let run = run(dir.path(), "write-identities", &["uv.lock"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("attestation identities are a pylock.toml (PEP 751) field"),
        "{}",
        run.stderr
    );
}
