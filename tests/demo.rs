//! The README's demo is true: its first command runs offline on `fixtures/demo/` and prints
//! exactly what the README shows, and the strict policy fails it as shown.

use assert_cmd::Command;

const README: &str = include_str!("../README.md");

fn demo(policy: &str) -> assert_cmd::assert::Assert {
    let cache = tempfile::tempdir().unwrap();
    Command::cargo_bin("pubgate")
        .unwrap()
        .envs(
            pubgate::index::network::INDEX_VARIABLES
                .iter()
                .map(|v| (v, "")),
        )
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("PUBGATE_INDEX_URL")
        .args([
            "check",
            "fixtures/demo/requirements.txt",
            "--policy",
            policy,
            "--offline",
            "--provenance-dir",
            "fixtures/demo/vendor",
            "--cache-dir",
        ])
        .arg(cache.path())
        .assert()
}

/// The body of the ```text block after `<!-- demo: NAME -->`, without its `$ command` line.
fn readme_block(name: &str) -> String {
    let marker = format!("<!-- demo: {name} -->");
    let start = README.find(&marker).expect("marker in README");
    let after = &README[start..];
    let open = after.find("```text\n").expect("text block") + "```text\n".len();
    let close = after[open..].find("```").expect("closing fence");
    let block = &after[open..open + close];
    block
        .lines()
        .filter(|line| !line.starts_with("$ "))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn the_readme_demo_passes_and_prints_what_the_readme_shows() {
    let output = demo("fixtures/demo/pubgate.toml")
        .code(0)
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(output).unwrap();
    assert_eq!(stdout, readme_block("pass"));
    assert!(stdout.contains("GitHub `pypa/sampleproject` workflow `release.yml` (2 of 2 files)"));
}

#[test]
fn the_readme_demo_fails_under_the_strict_policy_as_shown() {
    let output = demo("policies/strict.toml")
        .code(1)
        .get_output()
        .stdout
        .clone();
    let stdout = String::from_utf8(output).unwrap();
    let shown = readme_block("fail");
    // The README elides the unchanged head of the report with `…`.
    let tail = shown.trim_start_matches("…\n");
    assert!(
        stdout.ends_with(tail),
        "README block is not the end of:\n{stdout}"
    );
    assert!(stdout.contains("FAIL: 3 findings at deny"));
}
