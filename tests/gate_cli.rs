//! `pubgate check` through the built binary: what happens before evidence is gathered
//! (policy errors and missing lockfiles are exit 2 with file:line:column).

use assert_cmd::Command;
use predicates::prelude::*;

/// `pubgate` in `dir`. These runs stop before gathering evidence; should one ever get that
/// far, it meets a dead loopback index and proxy, never the internet.
fn pubgate(dir: &std::path::Path) -> Command {
    let mut cmd = Command::cargo_bin("pubgate").unwrap();
    cmd.current_dir(dir)
        .envs(
            pubgate::index::network::INDEX_VARIABLES
                .iter()
                .map(|v| (v, "")),
        )
        .env("PUBGATE_INDEX_URL", "http://127.0.0.1:9/simple")
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("NO_COLOR", "1");
    for proxy in [
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "https_proxy",
        "http_proxy",
        "all_proxy",
    ] {
        cmd.env(proxy, "http://127.0.0.1:9");
    }
    cmd
}

#[test]
fn a_malformed_policy_is_exit_2_naming_file_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("strict.toml"),
        "schema = 1\n[rules]\nmissing-provenance = \"error\"\n",
    )
    .unwrap();
    pubgate(dir.path())
        .args(["check", "--policy", "strict.toml", "uv.lock"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(
            "error: strict.toml:3:22: unknown level `error`: expected `deny`, `warn` or `allow`",
        ))
        .stderr(predicate::str::contains(
            "hint: levels are `deny`, `warn` or `allow`",
        ));
}

#[test]
fn a_discovered_pyproject_policy_error_points_into_pyproject() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pyproject.toml"),
        "[project]\nname = \"demo\"\n\n[tool.pubgate]\nschema = 1\n[tool.pubgate.rules]\nmissing-provenence = \"warn\"\n",
    )
    .unwrap();
    pubgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "pyproject.toml:7:1: unknown rule `missing-provenence`",
        ))
        .stderr(predicate::str::contains(
            "did you mean `missing-provenance`?",
        ));
}

#[test]
fn an_unsupported_schema_is_refused_before_anything_else() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("pubgate.toml"),
        "whatever = 1\nschema = 2\n",
    )
    .unwrap();
    pubgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "pubgate.toml:2:10: unsupported policy schema `2`",
        ));
}

#[test]
fn no_lockfile_is_exit_2_saying_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    pubgate(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("no supported lockfile in"))
        .stderr(predicate::str::contains("pubgate check uv.lock"));
}

#[test]
fn check_help_documents_formats_and_an_example() {
    let dir = tempfile::tempdir().unwrap();
    pubgate(dir.path())
        .args(["check", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("sarif"))
        .stdout(predicate::str::contains("--deny-warnings"))
        .stdout(predicate::str::contains(
            "pubgate check uv.lock --policy pubgate.toml --format github",
        ));
}
