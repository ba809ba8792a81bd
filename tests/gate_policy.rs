//! Policy loading: strictness (every error names file:line:column with a hint), discovery,
//! `[tool.pubgate]` in pyproject.toml, and every shipped policy.

mod gate_support;

use std::path::{Path, PathBuf};

use pubgate::policy::{self, PolicyError, PolicySource, Position};
use pubgate::rules::{Level, Rule};

fn load_err(text: &str) -> PolicyError {
    match policy::from_str(text, PolicySource::File(PathBuf::from("pubgate.toml"))) {
        Ok(_) => panic!("policy should be refused:\n{text}"),
        Err(e) => e,
    }
}

/// (policy text, line, column, part of the message)
const MALFORMED: &[(&str, u32, u32, &str)] = &[
    // schema is checked first, before any other key.
    ("[rules]\nmissing-provenance = \"warn\"\n", 1, 1, "the policy has no `schema` key"),
    ("unknown = 1\nschema = 2\n", 2, 10, "unsupported policy schema `2`"),
    ("schema = \"1\"\n", 1, 10, "`schema` must be the integer 1, not string"),
    // TOML syntax
    ("schema = 1\n[rules\n", 2, 7, "unclosed table"),
    ("schema = 1\nschema = 1\n", 2, 1, "duplicate key"),
    // unknown keys, anywhere
    ("schema = 1\npolicy = \"strict\"\n", 2, 1, "unknown field `policy`"),
    ("schema = 1\n[[package]]\nnmaes = [\"a\"]\n", 3, 1, "unknown field `nmaes`"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"PG101\"\nreason = \"r\"\nuntil = 2027-01-01\n", 6, 1, "unknown field `until`"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\npublisher = { kind = \"github\", repository = \"o/r\", workfow = \"x.yml\" }\n", 4, 52, "unknown field `workfow`"),
    // rules and levels
    ("schema = 1\n[rules]\nmissing-provenence = \"warn\"\n", 3, 1, "unknown rule `missing-provenence`"),
    ("schema = 1\n[rules]\nmissing-provenance = \"error\"\n", 3, 22, "unknown level `error`"),
    ("schema = 1\n[rules]\nmissing-provenance = 3\n", 3, 22, "invalid type: integer `3`, expected a string"),
    ("schema = 1\n[rules]\ninvalid-provenance = \"warn\"\n", 3, 22, "`invalid-provenance` cannot be set below `deny`"),
    ("schema = 1\n[rules]\nPG101 = \"warn\"\nmissing-provenance = \"deny\"\n", 4, 1, "is set twice"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\nrules = { invalid-provenance = \"allow\" }\n", 4, 32, "`invalid-provenance` cannot be set below `deny`"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\nrules = { unused-exemption = \"allow\" }\n", 4, 11, "`unused-exemption` is about the policy itself"),
    // names
    ("schema = 1\n[[package]]\n", 2, 1, "missing field `names`"),
    ("schema = 1\n[[package]]\nnames = \"requests\"\n", 3, 9, "expected a sequence"),
    ("schema = 1\n[[package]]\nnames = []\n", 3, 9, "`names` is empty"),
    ("schema = 1\n[[package]]\nnames = [\"ok\", \"bad name\"]\n", 3, 16, "`bad name` is not a valid package name"),
    ("schema = 1\n[[package]]\nnames = [\"django-[\"]\n", 3, 10, "is not a valid glob"),
    ("schema = 1\n[[package]]\nnames = [\"Django\"]\n[[package]]\nnames = [\"django\"]\n", 5, 10, "`django` is already named at line 3"),
    // publishers
    ("schema = 1\n[[package]]\nnames = [\"a\"]\npublisher = { repository = \"o/r\" }\n", 4, 13, "missing field `kind`"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\npublisher = { kind = \"activestate\", repository = \"o/r\" }\n", 4, 22, "unknown publisher kind `activestate`"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\npublisher = { kind = \"github\" }\n", 4, 13, "a github publisher requirement needs `repository`"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\npublisher = { kind = \"github\", repository = \"https://github.com/o/r\" }\n", 4, 45, "is not a github repository path"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\npublisher = { kind = \"github\", repository = \"o/r\", workflow = \".github/workflows/release.yml\" }\n", 4, 63, "is not a workflow file name"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\npublisher = { kind = \"github\", repository = \"o/r\", workflow_filepath = \"x.yml\" }\n", 4, 72, "`workflow_filepath` does not apply to a github publisher"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\npublisher = { kind = \"gitlab\", repository = \"g/p\", workflow = \"x.yml\" }\n", 4, 63, "`workflow` does not apply to a gitlab publisher"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\npublisher = { kind = \"google\", email = \"a@b.c\", ref = \"refs/tags/*\" }\n", 4, 55, "`ref` does not apply to a google publisher"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\npublisher = { kind = \"github\", repository = \"o/r\", ref = \"refs/{tags\" }\n", 4, 58, "is not a valid ref glob"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\npublisher = { kind = \"github\", repository = \"o/r\", environment = \"  \" }\n", 4, 66, "`environment` is empty"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\npublisher = []\n", 4, 13, "`publisher` is an empty list"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\npublisher = [{ kind = \"github\", repository = \"o/r\" },\n  { kind = \"gitlab\" }]\n", 5, 3, "a gitlab publisher requirement needs `repository`"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\npublisher = \"psf/requests\"\n", 4, 13, "expected a publisher table or a list of publisher tables"),
    // exemptions
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"missing-provenance\"\n", 2, 1, "missing field `reason`"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"missing-provenance\"\nreason = \"\"\n", 5, 10, "`reason` is empty"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nreason = \"r\"\n", 2, 1, "missing field `rule`"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"unused-exemption\"\nreason = \"r\"\n", 4, 8, "cannot be exempted"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"missing-provenance\"\nreason = \"r\"\nversions = \"<<2\"\n", 6, 12, "is not a PEP 440 version specifier"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"missing-provenance\"\nreason = \"r\"\nversions = \"\"\n", 6, 12, "`versions` is empty"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"missing-provenance\"\nreason = \"r\"\nexpires = \"2027-03-01\"\n", 6, 11, "expected a TOML datetime"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"missing-provenance\"\nreason = \"r\"\nexpires = 2027-02-30\n", 6, 11, "invalid date"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"missing-provenance\"\nreason = \"r\"\nexpires = 2027-03-01T10:00:00Z\n", 6, 11, "is not a date"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"invalid-provenance\"\nreason = \"r\"\n", 2, 1, "must name the exact versions (or `hashes`) it covers"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"invalid-provenance\"\nreason = \"r\"\nversions = \">=1\"\n", 6, 12, "must name the exact versions (or `hashes`) it covers"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"publisher-mismatch\"\nreason = \"r\"\n", 2, 1, "exemption for `publisher-mismatch` must name the exact versions (or `hashes`)"),
    ("schema = 1\n[[exemption]]\npackage = \"a-*\"\nrule = \"PG201\"\nreason = \"r\"\nversions = \"==1\"\n", 3, 11, "must name one package, not the glob `a-*`"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"unverifiable-hash\"\nreason = \"r\"\nversions = \"==1.0\"\n", 6, 12, "must list the exact `hashes` it accepts"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"index-not-allowed\"\nreason = \"r\"\n", 4, 8, "is about a lockfile as a whole and cannot be exempted"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"PG101\"\nreason = \"r\"\nhashes = []\n", 6, 10, "`hashes` is empty"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"PG101\"\nreason = \"r\"\nhashes = [\"sha256:abc\"]\n", 6, 11, "`sha256:abc` is not a file digest"),
    ("schema = 1\n[[exemption]]\npackage = \"a\"\nrule = \"PG101\"\nreason = \"r\"\nhashes = [\"crc32:00000000\"]\n", 6, 11, "is not a file digest"),
    // non-lowerable and lockfile-scoped rules
    ("schema = 1\n[rules]\npublisher-mismatch = \"warn\"\n", 3, 22, "`publisher-mismatch` cannot be set below `deny`"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\nrules = { PG201 = \"allow\" }\n", 4, 19, "`publisher-mismatch` cannot be set below `deny`"),
    ("schema = 1\n[rules]\nunverifiable-hash = \"allow\"\n", 3, 21, "`unverifiable-hash` cannot be set below `deny`"),
    ("schema = 1\n[rules]\nindex-not-allowed = \"warn\"\n", 3, 21, "`index-not-allowed` cannot be set below `deny`"),
    ("schema = 1\n[[package]]\nnames = [\"a\"]\nrules = { empty-lockfile = \"allow\" }\n", 4, 11, "`empty-lockfile` is about a lockfile as a whole"),
    // sources
    ("schema = 1\n[sources]\nallow-index = [\"https://x.example/simple\"]\n", 3, 1, "unknown field `allow-index`"),
    ("schema = 1\n[sources]\nallow-indexes = [\"\"]\n", 3, 18, "an entry of `allow-indexes` is empty"),
    ("schema = 1\n[sources]\nallow-indexes = [\"https://u:t@x.example/simple\"]\n", 3, 18, "carries credentials"),
    ("schema = 1\n[sources]\nallow-indexes = [\"https://x.example/simple\", \"https://X.example/simple/\"]\n", 3, 46, "is already allowed at line 3"),
    ("schema = 1\n[sources]\nallow-trusted-hosts = \"x.example\"\n", 3, 23, "expected a sequence"),
    ("schema = 1\n[[exemption]]\npackage = \"not valid!\"\nrule = \"PG101\"\nreason = \"r\"\n", 3, 11, "is not a valid package name"),
    ("schema = 1\nexemption = { package = \"a\" }\n", 2, 13, "expected a sequence"),
];

#[test]
fn every_policy_error_names_file_line_and_column_with_a_hint() {
    let mut failures = Vec::new();
    for (text, line, column, message) in MALFORMED {
        let err = load_err(text);
        let display = err.to_string();
        let expected = Some(Position {
            line: *line,
            column: *column,
        });
        let ok = err.path == Path::new("pubgate.toml")
            && err.position == expected
            && err.message.contains(message)
            && err.hint.as_deref().is_some_and(|h| !h.is_empty())
            && display.starts_with(&format!("pubgate.toml:{line}:{column}: "));
        if !ok {
            failures.push(format!(
                "policy:\n{text}expected {line}:{column} `{message}`, got:\n{display}\n"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn policy_errors_show_the_line_and_a_caret() {
    let err = load_err("schema = 1\n[rules]\nmissing-provenance = \"error\"\n");
    insta::assert_snapshot!(err.to_string(), @r#"
    pubgate.toml:3:22: unknown level `error`: expected `deny`, `warn` or `allow`
      |
    3 | missing-provenance = "error"
      |                      ^
      hint: levels are `deny`, `warn` or `allow`
    "#);
}

#[test]
fn unknown_rules_suggest_the_closest_slug() {
    let err = load_err("schema = 1\n[rules]\nmissing-provenence = \"warn\"\n");
    assert!(err
        .hint
        .unwrap()
        .starts_with("did you mean `missing-provenance`?"));
}

#[test]
fn a_policy_loads_into_its_model() {
    let p = gate_support::policy(
        r#"schema = 1
[rules]
missing-provenance = "deny"
PG004 = "allow"

[[package]]
names = ["Requests", "django-*"]
rules = { publisher-change = "warn" }
publisher = { kind = "GitHub", repository = "psf/requests", workflow = "publish.yml", ref = "refs/tags/v*" }

[[exemption]]
package = "legacy-lib"
versions = "<2.0"
rule = "missing-provenance"
reason = "upstream issue #123"
expires = 2027-03-01
"#,
    );
    assert_eq!(p.rules[&Rule::MissingProvenance].level, Level::Deny);
    assert_eq!(
        p.rules[&Rule::MissingProvenance].position,
        Position { line: 3, column: 1 }
    );
    assert_eq!(p.rules[&Rule::OtherIndex].level, Level::Allow);
    let entry = &p.packages[0];
    assert_eq!(entry.position.line, 6);
    assert_eq!(entry.names[0].pattern.as_str(), "requests");
    assert_eq!(
        entry.names[1].position,
        Position {
            line: 7,
            column: 22
        }
    );
    assert_eq!(entry.publishers.len(), 1);
    assert_eq!(
        entry.publishers[0].kind,
        pubgate::verify::PublisherKind::GitHub
    );
    let e = &p.exemptions[0];
    assert_eq!(e.position.line, 11);
    assert_eq!(e.versions.as_ref().unwrap().0, "<2.0");
    assert_eq!(e.expires, Some(gate_support::date("2027-03-01")));
    let today = gate_support::today();
    let resolve = |rule, package: &str, version| {
        let package = pubgate::dist::PackageName::new(package);
        let subject = pubgate::policy::Subject {
            package: &package,
            version,
            digests: &[],
            by_digest_only: false,
        };
        p.resolve(rule, Some(&subject), today)
    };
    assert_eq!(
        resolve(Rule::PublisherChange, "django-cors", None).level,
        Level::Warn
    );
    assert_eq!(
        resolve(Rule::PublisherChange, "flask", None).level,
        Level::Deny
    );
    let r = resolve(Rule::MissingProvenance, "flask", Some("2.0"));
    assert_eq!(r.level, Level::Deny);
    assert!(matches!(r.origin, pubgate::policy::LevelOrigin::Rules(p) if p.line == 3));
    // A publisher requirement no longer raises PG101: PG201 denies anything but verified
    // provenance from the publisher, whatever PG101's level.
    let r = resolve(Rule::MissingProvenance, "requests", Some("2.0"));
    assert_eq!(r.level, Level::Deny);
    assert!(matches!(r.origin, pubgate::policy::LevelOrigin::Rules(p) if p.line == 3));
    let r = resolve(Rule::MissingProvenance, "legacy-lib", Some("1.9"));
    assert_eq!(r.exemptions.len(), 1);
    assert!(resolve(Rule::MissingProvenance, "legacy-lib", Some("2.0"))
        .exemptions
        .is_empty());
    let legacy = pubgate::dist::PackageName::new("legacy-lib");
    let subject = pubgate::policy::Subject {
        package: &legacy,
        version: Some("1.9"),
        digests: &[],
        by_digest_only: false,
    };
    assert!(p
        .resolve(
            Rule::MissingProvenance,
            Some(&subject),
            gate_support::date("2027-03-01")
        )
        .exemptions
        .is_empty());
}

#[test]
fn the_default_policy_spells_out_every_rule_default() {
    let p = gate_support::default_policy();
    assert_eq!(p.source, PolicySource::BuiltIn);
    for &rule in Rule::ALL {
        let setting = p
            .rules
            .get(&rule)
            .unwrap_or_else(|| panic!("{rule} missing from default.toml"));
        assert_eq!(setting.level, rule.default_level(), "{rule}");
    }
    assert!(p.packages.is_empty() && p.exemptions.is_empty());
}

#[test]
fn every_shipped_policy_loads() {
    let mut paths = Vec::new();
    for dir in ["policies", "policies/examples"] {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                paths.push(path);
            }
        }
    }
    paths.sort();
    assert!(paths.len() >= 5, "{paths:?}");
    for path in &paths {
        if let Err(e) = policy::read_file(path) {
            panic!("{} does not load:\n{e}", path.display());
        }
    }
    let strict = policy::read_file(Path::new("policies/strict.toml")).unwrap();
    assert_eq!(strict.rules[&Rule::MissingProvenance].level, Level::Deny);
    assert_eq!(strict.rules[&Rule::UnhashedArtifact].level, Level::Deny);
}

// ---- discovery --------------------------------------------------------------------------

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).unwrap();
}

#[test]
fn discovery_falls_back_to_the_built_in_default() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(policy::discover(dir.path()).unwrap(), PolicySource::BuiltIn);
    write(
        dir.path(),
        "pyproject.toml",
        "[project]\nname = \"x\"\n[tool.ruff]\nline-length = 100\n",
    );
    assert_eq!(policy::discover(dir.path()).unwrap(), PolicySource::BuiltIn);
    let p = policy::load(None, dir.path()).unwrap();
    assert_eq!(p.source, PolicySource::BuiltIn);
}

#[test]
fn discovery_takes_the_one_policy_present_and_refuses_several() {
    for (name, text, source) in [
        ("pubgate.toml", "schema = 1\n", "file"),
        (".pubgate.toml", "schema = 1\n", "file"),
        (
            "pyproject.toml",
            "[tool.pubgate]\nschema = 1\n",
            "pyproject",
        ),
    ] {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), name, text);
        let found = policy::discover(dir.path()).unwrap();
        assert_eq!(found.kind(), source, "{name}");
        assert_eq!(found.path(), dir.path().join(name));
    }
    // any two (or all three) is an error naming every one: a change adding a second
    // policy must not silently replace the first
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pyproject.toml", "[tool.pubgate]\nschema = 1\n");
    write(dir.path(), ".pubgate.toml", "schema = 1\n");
    let err = policy::discover(dir.path()).unwrap_err();
    assert!(err.message.contains("2 policies are present"), "{err}");
    assert!(
        err.message.contains(".pubgate.toml") && err.message.contains("[tool.pubgate]"),
        "{err}"
    );
    write(dir.path(), "pubgate.toml", "schema = 1\n");
    let err = policy::load(None, dir.path()).unwrap_err();
    assert!(err.message.contains("3 policies are present"), "{err}");
    // a pyproject.toml without `[tool.pubgate]` is not a policy
    std::fs::remove_file(dir.path().join(".pubgate.toml")).unwrap();
    write(dir.path(), "pyproject.toml", "[project]\nname = \"x\"\n");
    assert_eq!(
        policy::discover(dir.path()).unwrap(),
        PolicySource::File(dir.path().join("pubgate.toml"))
    );
}

#[test]
fn explicit_policy_wins_and_a_missing_file_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pubgate.toml", "schema = 1\n");
    write(
        dir.path(),
        "other.toml",
        "schema = 1\n[rules]\nmissing-provenance = \"deny\"\n",
    );
    let p = policy::load(Some(&dir.path().join("other.toml")), dir.path()).unwrap();
    assert_eq!(p.rules[&Rule::MissingProvenance].level, Level::Deny);
    let err = policy::load(Some(&dir.path().join("nope.toml")), dir.path()).unwrap_err();
    assert!(err.message.starts_with("cannot read the policy"), "{err}");
}

#[test]
fn pyproject_errors_point_into_pyproject_toml() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[project]\nname = \"demo\"\nversion = \"1.0\"\n\n[tool.pubgate]\nschema = 1\n\n[tool.pubgate.rules]\nmissing-provenance = \"loud\"\n";
    write(dir.path(), "pyproject.toml", text);
    let err = policy::load(None, dir.path()).unwrap_err();
    assert_eq!(err.path, dir.path().join("pyproject.toml"));
    assert_eq!(
        err.position,
        Some(Position {
            line: 9,
            column: 22
        })
    );
    assert!(err.message.contains("unknown level `loud`"));

    let text = "[project]\nname = \"demo\"\n\n[tool.pubgate]\nrules = {}\n";
    write(dir.path(), "pyproject.toml", text);
    let err = policy::load(None, dir.path()).unwrap_err();
    assert_eq!(err.position, Some(Position { line: 4, column: 1 }));
    assert!(err.message.contains("no `schema` key"));

    let text = "[project]\nname = \"demo\"\n\n[tool.pubgate]\nschema = 1\nextra = true\n";
    write(dir.path(), "pyproject.toml", text);
    let err = policy::load(None, dir.path()).unwrap_err();
    assert_eq!(err.position, Some(Position { line: 6, column: 1 }));
}

#[test]
fn pyproject_policies_keep_pyproject_lines() {
    let dir = tempfile::tempdir().unwrap();
    let text = "[project]\nname = \"demo\"\n\n[tool.pubgate]\nschema = 1\n\n[[tool.pubgate.exemption]]\npackage = \"ghost\"\nrule = \"missing-provenance\"\nreason = \"r\"\n";
    write(dir.path(), "pyproject.toml", text);
    let p = policy::load(None, dir.path()).unwrap();
    assert_eq!(
        p.source,
        PolicySource::Pyproject(dir.path().join("pyproject.toml"))
    );
    assert_eq!(p.exemptions[0].position.line, 7);
    let findings = gate_support::eval(&[], &p);
    assert_eq!(findings[0].location.path, dir.path().join("pyproject.toml"));
    assert_eq!(findings[0].location.line, 7);
}

#[test]
fn explicit_pyproject_without_a_table_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "pyproject.toml", "[project]\nname = \"demo\"\n");
    let err = policy::load(Some(&dir.path().join("pyproject.toml")), dir.path()).unwrap_err();
    assert!(err.message.contains("no `[tool.pubgate]`"), "{err}");
    assert_eq!(err.position, Some(Position { line: 1, column: 1 }));
}

#[test]
fn crlf_policies_report_the_same_positions() {
    let text = "schema = 1\r\n[rules]\r\nmissing-provenance = \"error\"\r\n";
    let err = load_err(text);
    assert_eq!(
        err.position,
        Some(Position {
            line: 3,
            column: 22
        })
    );
    assert!(!err.to_string().contains('\r'));
}

#[test]
fn every_error_in_a_policy_is_reported_at_once() {
    let text = "schema = 1\n[rules]\nmissing-provenence = \"warn\"\ninvalid-provenance = \"warn\"\n\n[[package]]\nnames = [\"a\"]\npublisher = { kind = \"github\" }\n\n[[exemption]]\npackage = \"b\"\nrule = \"invalid-provenance\"\nreason = \"r\"\n\n[sources]\nallow-indexes = [\"\"]\n";
    let err =
        pubgate::policy::from_str(text, PolicySource::File("pubgate.toml".into())).unwrap_err();
    let lines: Vec<u32> = std::iter::once(&err)
        .chain(&err.others)
        .map(|e| e.position.unwrap().line)
        .collect();
    assert_eq!(lines, [3, 4, 8, 10, 16], "{err}");
    let shown = err.to_string();
    assert_eq!(shown.matches("pubgate.toml:").count(), 5, "{shown}");
    assert!(shown.contains("unknown rule `missing-provenence`"));
    assert!(shown.contains("`invalid-provenance` cannot be set below `deny`"));
    assert!(shown.contains("a github publisher requirement needs `repository`"));
}
