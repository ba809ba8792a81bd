//! One realistic evidence set rendered in every format (insta snapshots), the JSON report
//! validated against `docs/report-schema.json`, SARIF against the official 2.1.0 schema,
//! and the verdict identical whatever the format.

mod cyclonedx_support;
mod gate_support;

use gate_support::*;
use pubgate::report::{render, Format, Outcome, Report};
use serde_json::Value;

fn realistic_report(deny_warnings: bool) -> Report {
    let (lockfiles, policy) = realistic();
    Report::check(lockfiles, &policy, today(), deny_warnings)
}

fn passing_report() -> Report {
    let lock = lockfile(
        "uv.lock",
        vec![pkg(
            "abi3info",
            "2024.10.8",
            8,
            vec![artifact(
                "abi3info-2024.10.8.tar.gz",
                verified(github("woodruffw/abi3info", "release.yml")),
            )],
        )],
    );
    Report::check(vec![lock], &default_policy(), today(), false)
}

fn json_file(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn assert_valid(schema: &Value, validator: &jsonschema::Validator, instance: &Value, what: &str) {
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "{what} does not validate against {}:\n{}",
        schema["title"],
        errors.join("\n")
    );
}

#[test]
fn human_report() {
    insta::assert_snapshot!(
        "human",
        render(&realistic_report(false), Format::Human, false)
    );
}

#[test]
fn human_report_passing() {
    insta::assert_snapshot!(
        "human_pass",
        render(&passing_report(), Format::Human, false)
    );
}

#[test]
fn human_report_colour_is_explicit() {
    let plain = render(&realistic_report(false), Format::Human, false);
    let coloured = render(&realistic_report(false), Format::Human, true);
    assert!(!plain.contains('\x1b'));
    assert!(coloured.contains("\x1b[1m\x1b[31mdeny  \x1b[0m") || coloured.contains("\x1b[31m"));
    // Stripping the styles gives back the plain report.
    let stripped: String = {
        let mut out = String::new();
        let mut chars = coloured.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' {
                for d in chars.by_ref() {
                    if d == 'm' {
                        break;
                    }
                }
            } else {
                out.push(c);
            }
        }
        out
    };
    assert_eq!(stripped, plain);
}

#[test]
fn json_report() {
    let text = render(&realistic_report(false), Format::Json, false);
    let mut value: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(value["tool"]["version"], env!("CARGO_PKG_VERSION"));
    value["tool"]["version"] = Value::from("[version]");
    insta::assert_json_snapshot!("json", value);
}

#[test]
fn json_report_validates_against_the_documented_schema() {
    let schema = json_file("docs/report-schema.json");
    let validator = jsonschema::validator_for(&schema).unwrap();
    for (name, report) in [
        ("realistic", realistic_report(false)),
        ("realistic --deny-warnings", realistic_report(true)),
        ("passing", passing_report()),
        (
            "empty",
            Report::check(vec![], &default_policy(), today(), false),
        ),
    ] {
        let value: Value = serde_json::from_str(&render(&report, Format::Json, false)).unwrap();
        assert_valid(&schema, &validator, &value, name);
    }
    // The schema is strict enough to catch drift.
    let mut value: Value =
        serde_json::from_str(&render(&realistic_report(false), Format::Json, false)).unwrap();
    value["findings"][0]["level"] = Value::from("error");
    assert!(!validator.is_valid(&value));
    value["findings"][0]["level"] = Value::from("deny");
    value["surprise"] = Value::from(1);
    assert!(!validator.is_valid(&value));
}

#[test]
fn json_schema_enums_match_the_code() {
    let schema = json_file("docs/report-schema.json");
    let enum_of = |pointer: &str| -> Vec<String> {
        schema
            .pointer(pointer)
            .unwrap()
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect()
    };
    let rules: Vec<String> = pubgate::rules::Rule::ALL
        .iter()
        .map(|r| r.slug().to_string())
        .collect();
    assert_eq!(enum_of("/definitions/finding/properties/rule/enum"), rules);
    let mut reasons: Vec<String> = pubgate::verify::FailureReason::ALL
        .iter()
        .map(|r| r.as_str().to_string())
        .collect();
    reasons.extend(
        pubgate::evidence::InvalidReason::INDEX_REASONS
            .iter()
            .map(|r| r.as_str().to_string()),
    );
    assert_eq!(
        enum_of("/definitions/artifact/properties/reason/oneOf/0/enum"),
        reasons
    );
}

#[test]
fn json_report_never_shows_credentials() {
    let text = render(&realistic_report(false), Format::Json, false);
    assert!(!text.contains("t0ken"), "index credentials leaked");
    assert!(text.contains("https://****@pkgs.acme.example/simple"));
}

#[test]
fn sarif_report() {
    let text = render(&realistic_report(false), Format::Sarif, false);
    let mut value: Value = serde_json::from_str(&text).unwrap();
    let driver = &mut value["runs"][0]["tool"]["driver"];
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    driver["version"] = Value::from("[version]");
    driver["semanticVersion"] = Value::from("[version]");
    insta::assert_json_snapshot!("sarif", value);
}

#[test]
fn sarif_report_validates_against_the_official_schema() {
    let schema = json_file("fixtures/sarif/sarif-schema-2.1.0.json");
    let validator = jsonschema::draft4::new(&schema).unwrap();
    for (name, report) in [
        ("realistic", realistic_report(false)),
        ("passing", passing_report()),
        (
            "empty",
            Report::check(vec![], &default_policy(), today(), false),
        ),
    ] {
        let value: Value = serde_json::from_str(&render(&report, Format::Sarif, false)).unwrap();
        assert_valid(&schema, &validator, &value, name);
        let rules = value["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap();
        assert_eq!(rules.len(), pubgate::rules::Rule::ALL.len());
        for result in value["runs"][0]["results"].as_array().unwrap() {
            let index = result["ruleIndex"].as_u64().unwrap() as usize;
            assert_eq!(rules[index]["id"], result["ruleId"]);
        }
    }
    // The validator does reject a broken log.
    let mut value: Value =
        serde_json::from_str(&render(&realistic_report(false), Format::Sarif, false)).unwrap();
    value["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&value));
}

#[test]
fn github_report() {
    insta::assert_snapshot!(
        "github",
        render(&realistic_report(false), Format::Github, false)
    );
}

#[test]
fn markdown_report() {
    insta::assert_snapshot!(
        "markdown",
        render(&realistic_report(false), Format::Markdown, false)
    );
}

#[test]
fn markdown_report_passing() {
    insta::assert_snapshot!(
        "markdown_pass",
        render(&passing_report(), Format::Markdown, false)
    );
}

/// What each format says the verdict is.
fn verdict_in(format: Format, text: &str) -> Outcome {
    let parse = |s: &str| match s {
        "pass" => Outcome::Pass,
        "fail" => Outcome::Fail,
        other => panic!("unexpected outcome {other}"),
    };
    match format {
        Format::Human => {
            let last = text.lines().last().unwrap();
            parse(&last.split(':').next().unwrap().to_lowercase())
        }
        Format::Json => {
            let v: Value = serde_json::from_str(text).unwrap();
            parse(v["outcome"].as_str().unwrap())
        }
        Format::Sarif => {
            let v: Value = serde_json::from_str(text).unwrap();
            parse(
                v["runs"][0]["invocations"][0]["properties"]["outcome"]
                    .as_str()
                    .unwrap(),
            )
        }
        Format::Github => {
            let last = text.lines().last().unwrap();
            let word = last
                .strip_prefix("pubgate: ")
                .unwrap()
                .split(' ')
                .next()
                .unwrap();
            parse(&word.to_lowercase())
        }
        Format::Markdown => {
            let first = text.lines().next().unwrap();
            if first.ends_with("✅ pass") {
                Outcome::Pass
            } else if first.ends_with("❌ fail") {
                Outcome::Fail
            } else {
                panic!("no verdict in {first}")
            }
        }
        Format::Cyclonedx => {
            let v: Value = serde_json::from_str(text).unwrap();
            let outcome = v["metadata"]["properties"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == "pubgate:outcome")
                .unwrap();
            parse(outcome["value"].as_str().unwrap())
        }
    }
}

#[test]
fn cyclonedx_validates_against_the_official_schema() {
    for (name, report) in [
        ("realistic", realistic_report(false)),
        ("passing", passing_report()),
        (
            "empty",
            Report::check(vec![], &default_policy(), today(), false),
        ),
    ] {
        let text = render(&report, Format::Cyclonedx, false);
        let bom: Value = serde_json::from_str(&text).unwrap();
        cyclonedx_support::assert_valid(&bom, name);
        // Deterministic: the same report renders the same bytes.
        assert_eq!(text, render(&report, Format::Cyclonedx, false), "{name}");
    }
    // Every source kind, status and finding of the realistic set is in there, and valid.
    let bom: Value =
        serde_json::from_str(&render(&realistic_report(false), Format::Cyclonedx, false)).unwrap();
    let text = bom.to_string();
    for needle in [
        "\"pubgate:provenance\",\"value\":\"invalid\"",
        "\"pubgate:provenance\",\"value\":\"unavailable\"",
        "\"pubgate:provenance\",\"value\":\"not-applicable\"",
        "\"pubgate:finding\"",
        "vcs_url=",
    ] {
        assert!(text.contains(needle), "no {needle} in {text}");
    }
    // The schema is strict enough to catch drift.
    let mut broken = bom.clone();
    broken["components"][0]["hashes"] = serde_json::json!([{"alg": "SHA256", "content": "x"}]);
    assert!(!cyclonedx_support::violations(&broken).is_empty());
}

#[test]
fn cyclonedx_report() {
    let text = render(&realistic_report(false), Format::Cyclonedx, false);
    let mut value: Value = serde_json::from_str(&text).unwrap();
    value["metadata"]["tools"]["components"][0]["version"] = Value::from("[version]");
    value["serialNumber"] = Value::from("[serial]");
    insta::assert_json_snapshot!("cyclonedx", value);
}

#[test]
fn output_format_never_changes_the_verdict() {
    let cases = [
        (realistic_report(false), Outcome::Fail),
        (passing_report(), Outcome::Pass),
        // Only warnings: passes, unless warnings are denied.
        (
            Report::check(
                vec![lockfile(
                    "uv.lock",
                    vec![pkg(
                        "tinyhttp",
                        "1.4.0",
                        3,
                        vec![artifact("tinyhttp-1.4.0.tar.gz", absent())],
                    )],
                )],
                &default_policy(),
                today(),
                false,
            ),
            Outcome::Pass,
        ),
        (
            Report::check(
                vec![lockfile(
                    "uv.lock",
                    vec![pkg(
                        "tinyhttp",
                        "1.4.0",
                        3,
                        vec![artifact("tinyhttp-1.4.0.tar.gz", absent())],
                    )],
                )],
                &default_policy(),
                today(),
                true,
            ),
            Outcome::Fail,
        ),
    ];
    for (report, expected) in cases {
        assert_eq!(report.outcome(), expected);
        for format in Format::ALL {
            for color in [false, true] {
                let text = render(&report, format, color);
                let text = if color && format == Format::Human {
                    text.replace("\x1b[1m", "")
                        .replace("\x1b[32m", "")
                        .replace("\x1b[31m", "")
                        .replace("\x1b[0m", "")
                } else {
                    text
                };
                assert_eq!(verdict_in(format, &text), expected, "{format:?}");
            }
            assert_eq!(report.outcome(), expected, "rendering changed the verdict");
        }
        assert_eq!(
            report.outcome().exit_code(),
            if expected == Outcome::Pass { 0 } else { 1 }
        );
    }
}

#[test]
fn summary_counts_every_status() {
    let s = realistic_report(false).summary();
    assert_eq!(
        (
            s.lockfiles,
            s.packages,
            s.artifacts,
            s.verified,
            s.absent,
            s.invalid,
            s.unavailable,
            s.not_applicable
        ),
        (2, 12, 18, 8, 6, 2, 1, 1)
    );
    assert_eq!((s.deny, s.warn, s.exempted), (8, 10, 2));
}
