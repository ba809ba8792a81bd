//! Exemptions (active, expired, version-scoped, unused), `[[package]]` matching by
//! specificity, and the policy findings PG301/PG302.

mod gate_support;

use gate_support::*;
use pubgate::evaluate::evaluate;
use pubgate::rules::Level;

fn legacy(version: &str, line: u32) -> pubgate::evidence::PackageEvidence {
    pkg(
        "legacy-lib",
        version,
        line,
        vec![artifact(&format!("legacy_lib-{version}.tar.gz"), absent())],
    )
}

#[test]
fn allows_an_exempted_finding_but_keeps_it_marked() {
    let pol = policy(
        r#"schema = 1
[rules]
missing-provenance = "deny"

[[exemption]]
package = "Legacy_Lib"
rule = "missing-provenance"
reason = "publishes from a laptop; upstream issue #123"
expires = 2027-03-01
"#,
    );
    let findings = eval(&[lockfile("uv.lock", vec![legacy("1.2.0", 7)])], &pol);
    assert_eq!(summary(&findings), [("PG101", Level::Deny, true)]);
    let by = findings[0].exempted_by.as_ref().unwrap();
    assert_eq!(by.reason, "publishes from a laptop; upstream issue #123");
    assert_eq!(by.location.path, std::path::Path::new("pubgate.toml"));
    assert_eq!(by.location.line, 5);
    assert_eq!(by.expires, Some(date("2027-03-01")));

    let report = pubgate::report::Report::check(
        vec![lockfile("uv.lock", vec![legacy("1.2.0", 7)])],
        &pol,
        today(),
        true,
    );
    assert_eq!(report.outcome(), pubgate::report::Outcome::Pass);
    assert_eq!(report.summary().exempted, 1);
}

#[test]
fn exemptions_name_rules_by_code_too() {
    let pol = policy(
        "schema = 1\n[[exemption]]\npackage = \"legacy-lib\"\nrule = \"PG101\"\nreason = \"known\"\n",
    );
    let findings = eval(&[lockfile("uv.lock", vec![legacy("1.2.0", 7)])], &pol);
    assert_eq!(summary(&findings), [("PG101", Level::Warn, true)]);
}

#[test]
fn denies_again_once_an_exemption_expires_and_reports_the_expiry() {
    let text = r#"schema = 1
[rules]
missing-provenance = "deny"

[[exemption]]
package = "legacy-lib"
rule = "missing-provenance"
reason = "until the maintainers move to Trusted Publishing"
expires = 2026-06-01
"#;
    let pol = policy(text);
    let lock = [lockfile("uv.lock", vec![legacy("1.2.0", 7)])];
    // The day before expiry it applies; on `expires` it no longer does.
    let before = evaluate(&lock, &pol, date("2026-05-31"));
    assert_eq!(summary(&before), [("PG101", Level::Deny, true)]);
    let on = evaluate(&lock, &pol, date("2026-06-01"));
    assert_eq!(
        summary(&on),
        [("PG101", Level::Deny, false), ("PG301", Level::Warn, false)]
    );
    let expired = &on[1];
    assert_eq!(expired.location.line, 5);
    assert_eq!(
        expired.message,
        "exemption for `legacy-lib` (missing-provenance) expired on 2026-06-01 and no longer applies"
    );
    assert_eq!(expired.package, None);
}

#[test]
fn exemptions_scoped_to_versions_cover_only_those_versions() {
    let pol = policy(
        r#"schema = 1
[[exemption]]
package = "legacy-lib"
versions = "<2.0"
rule = "missing-provenance"
reason = "2.x publishes with attestations"
"#,
    );
    let findings = eval(
        &[lockfile(
            "uv.lock",
            vec![legacy("1.9.3", 7), legacy("2.0.0", 20)],
        )],
        &pol,
    );
    assert_eq!(
        summary(&findings),
        [("PG101", Level::Warn, true), ("PG101", Level::Warn, false)]
    );
    assert_eq!(findings[0].version.as_deref(), Some("1.9.3"));
}

#[test]
fn version_scoped_exemptions_never_cover_findings_without_a_version() {
    let pol = policy(
        "schema = 1\n[[exemption]]\npackage = \"flask\"\nversions = \">=0\"\nrule = \"unpinned-requirement\"\nreason = \"r\"\n",
    );
    let mut lock = lockfile("requirements.txt", vec![]);
    lock.unpinned = vec![unpinned("flask", ">=2", "requirements.txt", 1)];
    let findings = eval(&[lock], &pol);
    assert_eq!(
        summary(&findings),
        [("PG001", Level::Deny, false), ("PG302", Level::Warn, false)]
    );
}

#[test]
fn exemptions_match_globs() {
    let pol = policy(
        "schema = 1\n[[exemption]]\npackage = \"legacy-*\"\nrule = \"missing-provenance\"\nreason = \"internal\"\n",
    );
    let findings = eval(&[lockfile("uv.lock", vec![legacy("1.0", 1)])], &pol);
    assert_eq!(summary(&findings), [("PG101", Level::Warn, true)]);
}

#[test]
fn invalid_provenance_can_be_exempted_for_a_named_version_only() {
    let pol = policy(
        r#"schema = 1
[[exemption]]
package = "urllib3"
versions = "==2.2.2"
rule = "invalid-provenance"
reason = "PyPI re-signed this release; confirmed with the maintainers in issue #42"
expires = 2026-09-01
"#,
    );
    let file = |v: &str| {
        pkg(
            "urllib3",
            v,
            3,
            vec![artifact(&format!("urllib3-{v}.tar.gz"), bad_signature())],
        )
    };
    let findings = eval(
        &[lockfile("uv.lock", vec![file("2.2.2"), file("2.2.3")])],
        &pol,
    );
    assert_eq!(
        summary(&findings),
        [("PG102", Level::Deny, true), ("PG102", Level::Deny, false)]
    );
}

#[test]
fn warns_unused_exemption() {
    let pol = policy(
        r#"schema = 1
[[exemption]]
package = "ghost"
rule = "missing-provenance"
reason = "removed long ago"
"#,
    );
    let findings = eval(&[lockfile("uv.lock", vec![legacy("1.0", 1)])], &pol);
    assert_eq!(
        summary(&findings),
        [("PG101", Level::Warn, false), ("PG302", Level::Warn, false)]
    );
    assert_eq!(findings[1].location.line, 2);
    assert_eq!(
        findings[1].message,
        "exemption for `ghost` (missing-provenance) matched no finding: no locked package is named `ghost`"
    );
}

#[test]
fn an_exemption_covering_an_allowed_rule_is_unused() {
    let pol = policy(
        r#"schema = 1
[rules]
missing-provenance = "allow"
[[exemption]]
package = "legacy-lib"
rule = "missing-provenance"
reason = "redundant"
"#,
    );
    let findings = eval(&[lockfile("uv.lock", vec![legacy("1.0", 1)])], &pol);
    assert_eq!(summary(&findings), [("PG302", Level::Warn, false)]);
}

#[test]
fn warns_unused_package_names_and_allows_the_warning_to_be_silenced() {
    let text = r#"schema = 1
[[package]]
names = ["legacy-lib", "django-*", "not-installed"]
rules = { missing-provenance = "warn" }
"#;
    let findings = eval(
        &[lockfile("uv.lock", vec![legacy("1.0", 1)])],
        &policy(text),
    );
    assert_eq!(
        summary(&findings),
        [
            ("PG101", Level::Warn, false),
            ("PG302", Level::Warn, false),
            ("PG302", Level::Warn, false)
        ]
    );
    assert_eq!(
        findings[1].message,
        "`[[package]]` name `django-*` matched no locked package"
    );
    assert_eq!(findings[1].location.line, 3);

    let silenced = format!("{text}[rules]\nunused-exemption = \"allow\"\n");
    let findings = eval(
        &[lockfile("uv.lock", vec![legacy("1.0", 1)])],
        &policy(&silenced),
    );
    assert_eq!(codes(&findings), ["PG101"]);
}

#[test]
fn the_most_specific_package_entry_wins_regardless_of_order() {
    let entries = [
        "[[package]]\nnames = [\"*\"]\nrules = { missing-provenance = \"allow\" }\n",
        "[[package]]\nnames = [\"legacy-*\"]\nrules = { missing-provenance = \"warn\" }\n",
        "[[package]]\nnames = [\"legacy-lib\"]\nrules = { missing-provenance = \"deny\" }\n",
        "[[package]]\nnames = [\"legacy-l?b\"]\nrules = { missing-provenance = \"allow\" }\n",
    ];
    // Every order of the four entries gives the same answer: the exact name decides.
    let orders = [[0, 1, 2, 3], [3, 2, 1, 0], [2, 0, 3, 1], [1, 3, 0, 2]];
    for order in orders {
        let text: String =
            std::iter::once("schema = 1\n[rules]\nunused-exemption = \"allow\"\n".to_string())
                .chain(order.iter().map(|i| entries[*i].to_string()))
                .collect();
        let findings = eval(
            &[lockfile(
                "uv.lock",
                vec![
                    legacy("1.0", 1),
                    pkg(
                        "legacy-other",
                        "1.0",
                        2,
                        vec![artifact("legacy_other-1.0.tar.gz", absent())],
                    ),
                    pkg("zzz", "1.0", 3, vec![artifact("zzz-1.0.tar.gz", absent())]),
                ],
            )],
            &policy(&text),
        );
        // legacy-lib: exact → deny; legacy-other: `legacy-*` (more literal than `*`) → warn;
        // zzz: `*` → allow.
        assert_eq!(
            findings
                .iter()
                .map(|f| (f.package.as_ref().unwrap().to_string(), f.level))
                .collect::<Vec<_>>(),
            [
                ("legacy-lib".to_string(), Level::Deny),
                ("legacy-other".to_string(), Level::Warn)
            ],
            "order {order:?}"
        );
    }
}

#[test]
fn glob_specificity_prefers_more_literal_then_fewer_stars() {
    let pol = policy(
        r#"schema = 1
[[package]]
names = ["django-*"]
rules = { missing-provenance = "warn" }
[[package]]
names = ["django-rest-*"]
rules = { missing-provenance = "deny" }
[[package]]
names = ["django-rest-framewor?"]
rules = { missing-provenance = "allow" }
"#,
    );
    let m = pol.package_entry(&"django-rest-framework".into()).unwrap();
    assert_eq!(m.entry_index, 2);
    let m = pol.package_entry(&"django-rest-auth".into()).unwrap();
    assert_eq!(m.entry_index, 1);
    let m = pol.package_entry(&"django-cors".into()).unwrap();
    assert_eq!(m.entry_index, 0);
    assert!(pol.package_entry(&"flask".into()).is_none());
}

#[test]
fn a_name_outranked_everywhere_is_reported_as_unused() {
    let pol = policy(
        r#"schema = 1
[[package]]
names = ["legacy-lib"]
rules = { missing-provenance = "allow" }
[[package]]
names = ["legacy-*"]
rules = { missing-provenance = "deny" }
"#,
    );
    let findings = eval(&[lockfile("uv.lock", vec![legacy("1.0", 1)])], &pol);
    assert_eq!(summary(&findings), [("PG302", Level::Warn, false)]);
    assert!(findings[0]
        .message
        .contains("only matches packages a more specific entry decides"));
}

// ---- an exemption admits exactly what its text says (issue: the gate cannot be talked past)

#[test]
fn an_exact_version_exemption_never_covers_a_local_label() {
    let pol = policy(
        "schema = 1\n[rules]\nmissing-provenance = \"deny\"\n[[exemption]]\npackage = \"legacy-lib\"\nversions = \"==1.2.0\"\nrule = \"missing-provenance\"\nreason = \"checked\"\n",
    );
    let findings = eval(
        &[lockfile(
            "uv.lock",
            vec![legacy("1.2.0", 3), legacy("1.2.0+evil", 9)],
        )],
        &pol,
    );
    assert_eq!(
        summary(&findings),
        [("PG101", Level::Deny, true), ("PG101", Level::Deny, false)],
        "{findings:#?}"
    );
    // Naming the local version covers exactly it; a range covers by PEP 440 order.
    for versions in ["==1.2.0+evil", "<2.0", ">=1.2.0,<1.3"] {
        let pol = policy(&format!(
            "schema = 1\n[rules]\nmissing-provenance = \"deny\"\n[[exemption]]\npackage = \"legacy-lib\"\nversions = \"{versions}\"\nrule = \"missing-provenance\"\nreason = \"checked\"\n"
        ));
        let findings = eval(&[lockfile("uv.lock", vec![legacy("1.2.0+evil", 9)])], &pol);
        assert_eq!(
            summary(&findings),
            [("PG101", Level::Deny, true)],
            "{versions}"
        );
    }
    assert!(pubgate::policy::versions_match(
        &"==1.2.0".parse().unwrap(),
        "1.2.0"
    ));
    assert!(!pubgate::policy::versions_match(
        &"==1.2.0".parse().unwrap(),
        "1.2.0+cpu"
    ));
    assert!(pubgate::policy::versions_match(
        &"==1.2.*".parse().unwrap(),
        "1.2.0+cpu"
    ));
    assert!(!pubgate::policy::versions_match(
        &"===1.2.0".parse().unwrap(),
        "1.2.0+cpu"
    ));
}

fn not_the_index_file(
    version: &str,
    reason: pubgate::evidence::InvalidReason,
) -> pubgate::evidence::PackageEvidence {
    pkg(
        "sampleproject",
        version,
        4,
        vec![artifact(
            &format!("sampleproject-{version}.tar.gz"),
            invalid(reason, "the index lists another sha256"),
        )],
    )
}

#[test]
fn a_version_never_covers_a_file_that_is_not_the_index_file() {
    use pubgate::evidence::InvalidReason::*;
    let pol = policy(
        "schema = 1\n[[exemption]]\npackage = \"sampleproject\"\nversions = \"==4.0.0\"\nrule = \"invalid-provenance\"\nreason = \"re-signed upstream\"\n",
    );
    for reason in [IndexHashMismatch, NotOnIndex, ReleaseNotOnIndex] {
        let findings = eval(
            &[lockfile(
                "uv.lock",
                vec![not_the_index_file("4.0.0", reason)],
            )],
            &pol,
        );
        assert_eq!(
            summary(&findings),
            [("PG102", Level::Deny, false), ("PG302", Level::Warn, false)],
            "{reason:?}"
        );
    }
    // A verification failure of that exact release is what such an exemption is for.
    let findings = eval(
        &[lockfile(
            "uv.lock",
            vec![pkg(
                "sampleproject",
                "4.0.0",
                4,
                vec![artifact("sampleproject-4.0.0.tar.gz", bad_signature())],
            )],
        )],
        &pol,
    );
    assert_eq!(summary(&findings), [("PG102", Level::Deny, true)]);
}

#[test]
fn an_exact_digest_covers_the_file_it_names_and_no_other() {
    use pubgate::evidence::InvalidReason::*;
    let file = not_the_index_file("4.0.0", NotOnIndex);
    let digest = format!("sha256:{}", sha("sampleproject-4.0.0.tar.gz"));
    let pol = policy(&format!(
        "schema = 1\n[[exemption]]\npackage = \"sampleproject\"\nhashes = [\"{}\"]\nrule = \"invalid-provenance\"\nreason = \"vendored build, checked by hand\"\n",
        digest.to_uppercase().replacen("SHA256", "sha256", 1)
    ));
    let findings = eval(&[lockfile("uv.lock", vec![file])], &pol);
    assert_eq!(summary(&findings), [("PG102", Level::Deny, true)]);

    let other = pkg(
        "sampleproject",
        "4.0.0",
        4,
        vec![artifact(
            "sampleproject-4.0.0-py3-none-any.whl",
            invalid(NotOnIndex, "x"),
        )],
    );
    let findings = eval(&[lockfile("uv.lock", vec![other])], &pol);
    assert_eq!(
        summary(&findings),
        [("PG102", Level::Deny, false), ("PG302", Level::Warn, false)]
    );
}

#[test]
fn digest_scoped_exemptions_cover_a_grouped_finding_only_when_every_file_is_named() {
    let files = vec![
        artifact("legacy_lib-1.0.tar.gz", absent()),
        artifact("legacy_lib-1.0-py3-none-any.whl", absent()),
    ];
    let one = format!("sha256:{}", sha("legacy_lib-1.0.tar.gz"));
    let two = format!("sha256:{}", sha("legacy_lib-1.0-py3-none-any.whl"));
    for (hashes, covered) in [(vec![one.clone()], false), (vec![one, two], true)] {
        let list: Vec<String> = hashes.iter().map(|h| format!("\"{h}\"")).collect();
        let pol = policy(&format!(
            "schema = 1\n[rules]\nmissing-provenance = \"deny\"\nunused-exemption = \"allow\"\n[[exemption]]\npackage = \"legacy-lib\"\nhashes = [{}]\nrule = \"missing-provenance\"\nreason = \"r\"\n",
            list.join(", ")
        ));
        let findings = eval(
            &[lockfile(
                "uv.lock",
                vec![pkg("legacy-lib", "1.0", 2, files.clone())],
            )],
            &pol,
        );
        assert_eq!(summary(&findings), [("PG101", Level::Deny, covered)]);
    }
}
