//! `pubgate policy explain`, and "did you mean" for names that match no locked package.

use super::e2e_support::*;
use super::{pkg, run};

const POLICY: &str = r#"schema = 1

[rules]
missing-provenance = "deny"
non-index-source = "allow"

[[package]]
names = ["good", "twin-*"]
publisher = { kind = "github", repository = "good-dev/good", workflow = "release.yml" }

[[package]]
names = ["twin-b"]
rules = { missing-provenance = "warn" }

[[exemption]]
package = "twin-*"
versions = "<2.0"
rule = "provenance-regression"
reason = "reviewed in #7"

[[exemption]]
package = "twin-b"
rule = "missing-provenance"
reason = "old releases"
expires = 2020-01-01
"#;

fn explain(args: &[&str]) -> Run {
    let dir = project(&[("pubgate.toml", POLICY)]);
    let mut cmd = pubgate(dir.path());
    cmd.args(["policy", "explain"]).args(args);
    Run::of(cmd)
}

#[test]
fn explain_shows_the_deciding_entry_each_level_and_why() {
    let run = explain(&["twin-b==1.0"]);
    run.expect_code(0);
    let out = &run.stdout;
    assert!(
        out.starts_with("`twin-b==1.0` under pubgate.toml\n"),
        "{out}"
    );
    assert!(
        out.contains("decided by: the `[[package]]` entry at pubgate.toml:11, through the name `twin-b` (pubgate.toml:12, exact name)\n"),
        "{out}"
    );
    assert!(
        out.contains("  also matches: `twin-*` (pubgate.toml:8), in the entry at pubgate.toml:7; a more specific name decides, so that entry does not apply\n"),
        "{out}"
    );
    assert!(
        out.contains("publisher: none required by the deciding entry\n"),
        "{out}"
    );
    assert!(
        out.contains("  PG101 missing-provenance        warn   the `[[package]]` entry's `rules` (pubgate.toml:13)\n"),
        "{out}"
    );
    assert!(
        out.contains("  PG003 non-index-source          allow  `[rules]` (pubgate.toml:5)\n"),
        "{out}"
    );
    assert!(
        out.contains("  PG001 unpinned-requirement      deny   the rule's default\n"),
        "{out}"
    );
    assert!(
        out.contains("  pubgate.toml:15  PG203 provenance-regression (versions `<2.0`): applies; reason: reviewed in #7\n"),
        "{out}"
    );
    assert!(
        out.contains("  pubgate.toml:21  PG101 missing-provenance (until 2020-01-01): does not apply: expired on 2020-01-01; reason: old releases\n"),
        "{out}"
    );
    // A version outside an exemption's range.
    let later = explain(&["twin-b==2.5"]);
    assert!(
        later.stdout.contains(
            "PG203 provenance-regression (versions `<2.0`): does not apply: `2.5` is not in `<2.0`"
        ),
        "{}",
        later.stdout
    );

    let glob = explain(&["twin-a", "--format", "json"]);
    glob.expect_code(0);
    let value = glob.json();
    assert_eq!(value["names"][0]["name"], "twin-*");
    assert_eq!(value["names"][0]["decides"], true);
    assert_eq!(
        value["publishers"][0]["requirement"],
        "GitHub `good-dev/good` workflow `release.yml`"
    );
    let unpinned = value["rules"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["rule"] == "missing-provenance")
        .unwrap();
    assert_eq!(unpinned["level"], "deny");
    assert_eq!(unpinned["origin"], "rules");
    assert_eq!(unpinned["line"], 4);

    let none = explain(&["requests"]);
    assert!(
        none.stdout
            .contains("decided by: no `[[package]]` entry names it"),
        "{}",
        none.stdout
    );
    let bad = explain(&["not a name"]);
    bad.expect_code(2);
}

#[test]
fn names_that_match_no_locked_package_suggest_the_closest() {
    let policy = "schema = 1\n\n[[package]]\nnames = [\"goood\"]\n\n[[exemption]]\npackage = \"legacyy\"\nrule = \"missing-provenance\"\nreason = \"x\"\n";
    let lock = uv_lock(&[pkg("good", "1.1"), pkg("legacy", "1.0")]);
    let dir = project(&[("uv.lock", &lock), ("pubgate.toml", policy)]);
    let check = run(dir.path(), "check", &["uv.lock", "--format", "json"]);
    let messages: Vec<String> = check.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "unused-exemption")
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        messages,
        [
            "`[[package]]` name `goood` matched no locked package; did you mean `good`?",
            "exemption for `legacyy` (missing-provenance) matched no finding: no locked package is named `legacyy`; did you mean `legacy`?",
        ]
    );
}
