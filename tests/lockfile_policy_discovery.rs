//! Which policy judges a lockfile, through the binary: exactly one of `pubgate.toml`,
//! `.pubgate.toml` and `[tool.pubgate]` in `pyproject.toml` is used; more than one stops
//! the check with exit 2 naming them all; and every report format names the policy used.

use std::path::Path;

use assert_cmd::Command;

const POLICY_FILES: [(&str, &str); 3] = [
    ("pubgate.toml", "schema = 1\n"),
    (".pubgate.toml", "schema = 1\n"),
    (
        "pyproject.toml",
        "[project]\nname = \"x\"\n\n[tool.pubgate]\nschema = 1\n",
    ),
];

/// A project whose lockfile locks nothing: the check needs no index.
fn project(policies: &[usize]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "# nothing yet\n").unwrap();
    for &at in policies {
        let (name, text) = POLICY_FILES[at];
        std::fs::write(dir.path().join(name), text).unwrap();
    }
    dir
}

fn check(dir: &Path, format: &str) -> std::process::Output {
    Command::cargo_bin("pubgate")
        .unwrap()
        .envs(
            pubgate::index::network::INDEX_VARIABLES
                .iter()
                .map(|v| (v, "")),
        )
        .current_dir(dir)
        .args(["check", "--offline", "--format", format, "requirements.txt"])
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

#[test]
fn several_policies_stop_the_check_naming_every_one() {
    for policies in [&[0, 1][..], &[0, 2], &[1, 2], &[0, 1, 2]] {
        let dir = project(policies);
        let out = check(dir.path(), "human");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{policies:?}: {stderr}");
        assert!(stderr.contains("policies are present"), "{stderr}");
        for &at in policies {
            let shown = if at == 2 {
                "[tool.pubgate]"
            } else {
                POLICY_FILES[at].0
            };
            assert!(stderr.contains(shown), "{policies:?}: {shown} in {stderr}");
        }
        // naming one with `--policy` settles it
        let out = Command::cargo_bin("pubgate")
            .unwrap()
            .envs(
                pubgate::index::network::INDEX_VARIABLES
                    .iter()
                    .map(|v| (v, "")),
            )
            .current_dir(dir.path())
            .args([
                "check",
                "--offline",
                "--policy",
                POLICY_FILES[policies[0]].0,
            ])
            .arg("requirements.txt")
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn every_report_format_names_the_policy_it_used() {
    for (at, (name, _)) in POLICY_FILES.iter().enumerate() {
        let dir = project(&[at]);
        for format in ["human", "json", "sarif", "github", "markdown"] {
            let out = check(dir.path(), format);
            let stdout = String::from_utf8_lossy(&out.stdout);
            assert_eq!(
                out.status.code(),
                Some(0),
                "{format}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert!(
                stdout.contains(name),
                "{format} does not name `{name}`:\n{stdout}"
            );
        }
    }
    // and the built-in default says it is the built-in default
    let dir = project(&[]);
    for format in ["human", "json", "sarif", "github", "markdown"] {
        let stdout = String::from_utf8_lossy(&check(dir.path(), format).stdout).into_owned();
        assert!(stdout.contains("built-in"), "{format}:\n{stdout}");
    }
}
