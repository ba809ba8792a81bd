//! The examples of `README.md` (audit) and `docs/cyclonedx.md` are true: their commands run
//! offline on real data in `fixtures/` and print exactly what the documents show; the
//! CycloneDX example is valid CycloneDX 1.6.

mod cyclonedx_support;

use assert_cmd::Command;
use serde_json::Value;

fn pubgate(args: &[&str]) -> (Option<i32>, String) {
    let cache = tempfile::tempdir().unwrap();
    let output = Command::cargo_bin("pubgate")
        .unwrap()
        .envs(
            pubgate::index::network::INDEX_VARIABLES
                .iter()
                .map(|v| (v, "")),
        )
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env("NO_COLOR", "1")
        .env_remove("PUBGATE_INDEX_URL")
        .args(args)
        .arg("--cache-dir")
        .arg(cache.path())
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

/// The body of the fenced block (```` ```LANG ````) after `<!-- MARKER -->` in `text`,
/// without a `$ command` line.
fn block(text: &str, marker: &str, lang: &str) -> String {
    let start = text
        .find(&format!("<!-- {marker} -->"))
        .expect("marker in the document");
    let after = &text[start..];
    let fence = format!("```{lang}\n");
    let open = after.find(&fence).expect("fenced block") + fence.len();
    let close = after[open..].find("```").expect("closing fence");
    after[open..open + close]
        .lines()
        .filter(|line| !line.starts_with("$ "))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn the_readme_audit_example_prints_what_the_readme_shows() {
    let (code, stdout) = pubgate(&[
        "audit",
        "--policy",
        "fixtures/audit/pubgate.toml",
        "--offline",
        "--provenance-dir",
        "fixtures/demo/vendor",
    ]);
    assert_eq!(code, Some(1));
    let readme = std::fs::read_to_string("README.md").unwrap();
    assert_eq!(stdout, block(&readme, "audit: example", "text"));
    assert!(stdout.contains("PG402 undeclared-publisher  pypi-attestations==0.0.19"));
}

#[test]
fn the_cyclonedx_example_is_what_check_prints_and_valid_cyclonedx() {
    let (code, stdout) = pubgate(&[
        "check",
        "fixtures/cyclonedx/requirements.txt",
        "--policy",
        "policies/default.toml",
        "--offline",
        "--provenance-dir",
        "fixtures/demo/vendor",
        "--format",
        "cyclonedx",
    ]);
    assert_eq!(code, Some(0));
    let doc = std::fs::read_to_string("docs/cyclonedx.md").unwrap();
    let shown = block(&doc, "cyclonedx: example", "json");
    let (mut printed, mut expected): (Value, Value) = (
        serde_json::from_str(&stdout).unwrap(),
        serde_json::from_str(&shown).unwrap(),
    );
    cyclonedx_support::assert_valid(&printed, "the example");
    cyclonedx_support::assert_valid(&expected, "the document");
    let version = &expected["metadata"]["tools"]["components"][0]["version"];
    if version.as_str() == Some(env!("CARGO_PKG_VERSION")) {
        // The document shows this very version: every byte matches.
        assert_eq!(stdout, shown);
    } else {
        // Another version changes the tool's version and so the serial number only.
        for bom in [&mut printed, &mut expected] {
            bom["metadata"]["tools"]["components"][0]["version"] = Value::Null;
            bom["serialNumber"] = Value::Null;
        }
        assert_eq!(printed, expected);
    }
}

#[test]
fn the_scheduled_audit_workflow_pins_every_action_and_asks_for_least_permissions() {
    let doc = std::fs::read_to_string("docs/audit.md").unwrap();
    let workflow = block(&doc, "audit: workflow", "yaml");
    let uses: Vec<&str> = workflow
        .lines()
        .filter_map(|l| {
            l.trim_start()
                .trim_start_matches("- ")
                .strip_prefix("uses: ")
        })
        .collect();
    assert!(!uses.is_empty());
    for action in uses {
        let (_, pin) = action.split_once('@').expect("a pinned action");
        let sha = pin.split_whitespace().next().unwrap();
        assert!(
            sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
            "`{action}` is not pinned by a full commit SHA"
        );
    }
    assert!(
        workflow.contains("\npermissions: {}\n"),
        "no top-level `permissions: {{}}`"
    );
    assert!(workflow.contains("      contents: read "));
    assert!(
        !workflow.contains("write"),
        "the audit needs no write permission"
    );
    assert!(workflow.contains("persist-credentials: false"));
    assert!(workflow.contains("pubgate audit --since 2d --format github"));
    assert!(workflow.contains("schedule:"));
}
