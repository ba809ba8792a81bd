//! What the GitHub Action relies on: one check writes the annotations and the SARIF
//! (`--sarif FILE` beside `--format`), and `--path-prefix` makes a check run in a
//! subdirectory name files as a check from the repository root does.

use std::path::Path;

use assert_cmd::Command;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// `pubgate check ARGS --offline --no-cache`, run from `dir` (relative to the repository
/// root); callers add arguments and run it.
fn check(dir: &str, args: &[&str]) -> Command {
    let mut command = Command::cargo_bin("pubgate").unwrap();
    command
        .current_dir(Path::new(ROOT).join(dir))
        .env("NO_COLOR", "1")
        .envs(
            pubgate::index::network::INDEX_VARIABLES
                .iter()
                .map(|v| (v, "")),
        )
        .env_remove("PUBGATE_INDEX_URL")
        .env_remove("GITHUB_STEP_SUMMARY")
        .arg("check")
        .args(args)
        .args(["--offline", "--no-cache"]);
    command
}

fn stdout(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

fn stderr(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stderr.clone()).unwrap()
}

const FROM_ROOT: [&str; 5] = [
    "fixtures/demo/requirements.txt",
    "--policy",
    "fixtures/demo/pubgate.toml",
    "--provenance-dir",
    "fixtures/demo/vendor",
];

const FROM_DEMO: [&str; 5] = [
    "requirements.txt",
    "--policy",
    "pubgate.toml",
    "--provenance-dir",
    "vendor",
];

#[test]
fn one_run_writes_the_annotations_and_the_same_sarif_as_format_sarif() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("pubgate.sarif");
    let run = check("", &FROM_ROOT)
        .args(["--format", "github", "--sarif"])
        .arg(&sarif)
        .assert()
        .code(0);
    let log = stdout(&run);
    assert!(
        log.contains("::warning file=fixtures/demo/requirements.txt,line=14,title=PG101"),
        "{log}"
    );
    assert!(
        log.contains("pubgate: PASS (0 deny, 2 warn, 1 exempted;"),
        "{log}"
    );

    let written = std::fs::read_to_string(&sarif).unwrap();
    let alone = stdout(
        &check("", &FROM_ROOT)
            .args(["--format", "sarif"])
            .assert()
            .code(0),
    );
    assert_eq!(written, alone);
    let log: serde_json::Value = serde_json::from_str(&written).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 3);
}

#[test]
fn the_sarif_file_does_not_change_the_verdict_of_a_failing_check() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("pubgate.sarif");
    check(
        "",
        &[
            "fixtures/demo/requirements.txt",
            "--policy",
            "policies/strict.toml",
            "--provenance-dir",
            "fixtures/demo/vendor",
            "--format",
            "github",
        ],
    )
    .arg("--sarif")
    .arg(&sarif)
    .assert()
    .code(1);
    let log: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sarif).unwrap()).unwrap();
    let errors = log["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["level"] == "error")
        .count();
    assert_eq!(errors, 3);
}

#[test]
fn a_prefixed_check_in_a_subdirectory_reports_what_a_check_from_the_root_reports() {
    for format in ["github", "sarif", "json", "human", "markdown"] {
        let from_root = stdout(
            &check("", &FROM_ROOT)
                .args(["--format", format])
                .assert()
                .code(0),
        );
        let from_demo = stdout(
            &check("fixtures/demo", &FROM_DEMO)
                .args(["--format", format, "--path-prefix", "fixtures/demo"])
                .assert()
                .code(0),
        );
        assert_eq!(from_demo, from_root, "--format {format}");
    }
}

#[test]
fn without_the_prefix_a_subdirectory_check_names_files_relative_to_itself() {
    // The difference the prefix makes: without it, GitHub would look for `requirements.txt`
    // at the repository root.
    let log = stdout(
        &check("fixtures/demo", &FROM_DEMO)
            .args(["--format", "github"])
            .assert()
            .code(0),
    );
    assert!(
        log.contains("::warning file=requirements.txt,line=14"),
        "{log}"
    );
}

#[test]
fn the_prefix_resolves_paths_that_leave_the_subdirectory() {
    let dir = tempfile::tempdir().unwrap();
    let sarif = dir.path().join("pubgate.sarif");
    let run = check(
        "fixtures/demo",
        &[
            "requirements.txt",
            "--policy",
            "../../policies/strict.toml",
            "--provenance-dir",
            "vendor",
            "--format",
            "github",
            "--path-prefix",
            "fixtures/demo",
        ],
    )
    .arg("--sarif")
    .arg(&sarif)
    .assert()
    .code(1);
    let log = stdout(&run);
    assert!(
        log.contains("::error file=fixtures/demo/requirements.txt,line=11,title=PG202"),
        "{log}"
    );
    assert!(log.contains("policy: policies/strict.toml)"), "{log}");
    let sarif = std::fs::read_to_string(&sarif).unwrap();
    assert!(sarif.contains("\"uri\": \"fixtures/demo/requirements.txt\""));
    assert!(sarif.contains("\"policy\": \"policies/strict.toml\""));
    assert!(!sarif.contains("\"uri\": \"requirements.txt\""));
}

#[test]
fn a_prefix_outside_the_repository_is_refused_before_any_work() {
    for bad in ["../elsewhere", "/abs/dir"] {
        let run = check("", &FROM_ROOT)
            .args(["--path-prefix", bad])
            .assert()
            .code(2);
        let err = stderr(&run);
        assert!(
            err.contains(&format!("--path-prefix `{bad}` must be a relative path")),
            "{err}"
        );
        assert_eq!(stdout(&run), "");
    }
}

#[test]
fn the_sarif_report_and_the_output_file_must_differ() {
    let dir = tempfile::tempdir().unwrap();
    let same = dir.path().join("report");
    let run = check("", &FROM_ROOT)
        .arg("--output")
        .arg(&same)
        .arg("--sarif")
        .arg(&same)
        .assert()
        .code(2);
    assert!(stderr(&run).contains("--output and --sarif both name"));
    assert!(!same.exists());
}

#[test]
fn a_sarif_file_that_cannot_be_written_means_the_run_could_not_be_judged() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no/such/dir/pubgate.sarif");
    let run = check("", &FROM_ROOT)
        .args(["--format", "github", "--sarif"])
        .arg(&missing)
        .assert()
        .code(2);
    assert!(
        stderr(&run).contains("cannot write the report to"),
        "{}",
        stderr(&run)
    );
}
