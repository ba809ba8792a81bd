//! Every output format of `pubgate check`, from one real run with several findings against
//! a fake PyPI: snapshots (the loopback port redacted; paths are relative because the run
//! happens in a project directory), JSON and SARIF validated against their schemas,
//! `--output`, the GitHub step summary, and the exit code the same in every format.

mod e2e_support;

use std::sync::OnceLock;

use e2e_support::*;
use pubgate::testing::fake_pypi::{default_minter, BuildOptions};
use serde_json::Value;

const FORMATS: [&str; 5] = ["human", "json", "sarif", "github", "markdown"];

/// The packages of the run, and what the fake PyPI does with them.
fn universe() -> Vec<Pkg> {
    vec![
        Pkg::pypi("good", "1.0"),
        Pkg::pypi("legacy", "1.0"),
        Pkg::pypi("evil", "1.0"),
        Pkg::pypi("moved", "2.0"),
        Pkg::pypi("internal", "0.4.1"),
    ]
}

fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let options = BuildOptions {
            unattested: vec!["legacy".into()],
            previous_unattested: vec!["legacy".into()],
            tampered: vec!["evil".into()],
            publisher_change: vec!["moved".into()],
            ..BuildOptions::default()
        };
        Site::shared_for_lockfile(
            "e2e_formats",
            "uv.lock",
            &uv_lock(&universe()),
            &options,
            default_minter().as_ref(),
        )
    })
}

const POLICY: &str = r#"schema = 1

[rules]
unused-exemption = "warn"

[[exemption]]
package = "moved"
versions = "==2.0"
rule = "publisher-change"
reason = "the repository moved to a new organisation (announced in the 2.0 notes)"
expires = 2099-12-31

[[exemption]]
package = "ghost"
rule = "missing-provenance"
reason = "no longer a dependency"

[[exemption]]
package = "legacy"
rule = "missing-provenance"
reason = "upstream will adopt Trusted Publishing"
expires = 2021-01-01
"#;

/// A project with a uv.lock (verified, unattested, tampered, moved, git and another-index
/// packages), a requirements.txt (a verified pin and an unpinned requirement) and a policy
/// with a used, an unused and an expired exemption.
fn several_findings() -> tempfile::TempDir {
    let mut lock: Vec<Pkg> = universe()
        .into_iter()
        .filter(|p| p.name != "internal")
        .collect();
    lock.push(Pkg {
        name: "gitdep".into(),
        version: "0.3.0".into(),
        source: Src::Git {
            url: "https://github.com/example/gitdep".into(),
            commit: "9f8e7d6c5b4a39281706f5e4d3c2b1a098765432".into(),
        },
        files: vec![],
    });
    lock.push(
        universe()
            .into_iter()
            .find(|p| p.name == "internal")
            .unwrap()
            .on(Src::Registry(site().index_url())),
    );
    let good = Pkg::pypi("good", "1.0");
    let requirements = format!(
        "# pinned and hashed\ngood==1.0 \\\n    --hash=sha256:{} \\\n    --hash=sha256:{}\nflask>=2.0\n",
        good.sha(0),
        good.sha(1)
    );
    project(&[
        ("uv.lock", &uv_lock(&lock)),
        ("requirements.txt", &requirements),
        ("pubgate.toml", POLICY),
    ])
}

/// The check of [`several_findings`] in `format`, run once per format for the whole file.
fn report(format: &str) -> &'static Run {
    static RUNS: OnceLock<Vec<(&'static str, Run)>> = OnceLock::new();
    let runs = RUNS.get_or_init(|| {
        let dir = several_findings();
        FORMATS
            .iter()
            .map(|format| {
                let run = site().check(
                    dir.path(),
                    &["uv.lock", "requirements.txt", "--format", format],
                );
                (*format, run)
            })
            .collect()
    });
    &runs.iter().find(|(f, _)| *f == format).unwrap().1
}

/// Output with what varies between runs replaced: the fake index's port, pubgate's version.
fn stable(text: &str) -> String {
    text.replace(&format!("127.0.0.1:{}", site().port()), "127.0.0.1:PORT")
        .replace(env!("CARGO_PKG_VERSION"), "[version]")
}

#[test]
fn human() {
    let run = report("human");
    run.expect_code(1);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    insta::assert_snapshot!("human", stable(&run.stdout));
}

#[test]
fn json() {
    let run = report("json");
    run.expect_code(1);
    assert!(run.stderr.is_empty(), "{}", run.stderr);
    let value: Value = serde_json::from_str(&stable(&run.stdout)).unwrap();
    insta::assert_json_snapshot!("json", value);
}

#[test]
fn sarif() {
    let run = report("sarif");
    run.expect_code(1);
    let value: Value = serde_json::from_str(&stable(&run.stdout)).unwrap();
    insta::assert_json_snapshot!("sarif", value);
}

#[test]
fn github() {
    let run = report("github");
    run.expect_code(1);
    insta::assert_snapshot!("github", stable(&run.stdout));
}

#[test]
fn markdown() {
    let run = report("markdown");
    run.expect_code(1);
    insta::assert_snapshot!("markdown", stable(&run.stdout));
}

#[test]
fn the_exit_code_is_the_same_in_every_format() {
    for format in FORMATS {
        assert_eq!(report(format).code, Some(1), "{format}");
    }
    // And a passing run passes in every format (see e2e_rules for the clean lockfile);
    // `--deny-warnings` moves every format together too.
    let dir = project(&[("uv.lock", &uv_lock(&[Pkg::pypi("legacy", "1.0")]))]);
    for format in FORMATS {
        let run = site().check(dir.path(), &["uv.lock", "--format", format]);
        run.expect_code(0);
        let run = site().check(
            dir.path(),
            &["uv.lock", "--format", format, "--deny-warnings"],
        );
        run.expect_code(1);
    }
}

#[test]
fn json_validates_against_the_documented_schema() {
    let schema = repo_json("docs/report-schema.json");
    let validator = jsonschema::validator_for(&schema).unwrap();
    let value = report("json").json();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    // The validator does reject drift.
    let mut broken = value.clone();
    broken["packages"][0]["artifacts"][0]["provenance"] = Value::from("probably");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema = repo_json("fixtures/sarif/sarif-schema-2.1.0.json");
    let validator = jsonschema::draft4::new(&schema).unwrap();
    let value: Value = serde_json::from_str(&report("sarif").stdout).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{}", errors.join("\n"));
    let mut broken = value.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn every_format_tells_the_same_findings() {
    let json = report("json").json();
    let findings = json["findings"].as_array().unwrap();
    let sarif: Value = serde_json::from_str(&report("sarif").stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), findings.len());
    for (finding, result) in findings.iter().zip(results) {
        assert_eq!(result["ruleId"], finding["code"]);
        let suppressed = result["suppressions"]
            .as_array()
            .is_some_and(|s| !s.is_empty());
        assert_eq!(suppressed, !finding["exempted_by"].is_null(), "{result:#}");
    }
    for format in ["human", "github", "markdown"] {
        let text = &report(format).stdout;
        for finding in findings {
            let code = finding["code"].as_str().unwrap();
            assert!(text.contains(code), "{format} lacks {code}");
        }
    }
}

#[test]
fn output_writes_the_file_and_nothing_to_stdout() {
    let dir = several_findings();
    for format in FORMATS {
        let file = format!("report.{format}");
        let run = site().check(
            dir.path(),
            &[
                "uv.lock",
                "requirements.txt",
                "--format",
                format,
                "--output",
                &file,
            ],
        );
        run.expect_code(1);
        assert_eq!(run.stdout, "", "{format}");
        let written = std::fs::read_to_string(dir.path().join(&file)).unwrap();
        assert_eq!(stable(&written), stable(&report(format).stdout), "{format}");
    }
}

#[test]
fn github_appends_a_markdown_summary_to_the_step_summary() {
    let dir = several_findings();
    let summary = dir.path().join("step-summary.md");
    std::fs::write(&summary, "# earlier step\n").unwrap();
    let mut cmd = pubgate(dir.path());
    cmd.args(["check", "uv.lock", "requirements.txt", "--format", "github"])
        .args([
            "--index-url",
            &site().index_url(),
            "--no-cache",
            "--timeout",
            "10",
        ])
        .arg("--trusted-root")
        .arg(&site().trusted_root)
        .env("GITHUB_STEP_SUMMARY", &summary);
    let run = Run::of(cmd);
    run.expect_code(1);
    assert_eq!(stable(&run.stdout), stable(&report("github").stdout));
    let written = std::fs::read_to_string(&summary).unwrap();
    // The Markdown report, plus where every finding is (the step's log).
    let note = "GitHub shows 10 annotations of a kind per step: every finding is in this step's log, as an annotation or, past that limit, as a plain line.\n\n";
    assert!(written.contains(note), "{written}");
    assert_eq!(
        stable(&written.replace(note, "")),
        format!("# earlier step\n{}", stable(&report("markdown").stdout))
    );
    // Other formats leave it alone.
    let mut cmd = pubgate(dir.path());
    cmd.args(["check", "uv.lock", "--format", "json"])
        .args(["--index-url", &site().index_url(), "--no-cache"])
        .arg("--trusted-root")
        .arg(&site().trusted_root)
        .env("GITHUB_STEP_SUMMARY", &summary);
    Run::of(cmd).expect_code(1);
    assert_eq!(std::fs::read_to_string(&summary).unwrap(), written);
}
