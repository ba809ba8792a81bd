//! Hostile names, paths and messages: GitHub workflow-command escaping, one line per
//! finding everywhere, no terminal escapes, no Markdown/HTML injection.

mod gate_support;

use gate_support::*;
use pubgate::evidence::InvalidReason;
use pubgate::report::github::{escape_data, escape_property};
use pubgate::report::{render, Format, Report};

const EVIL_PATH: &str = "we,ird:dir%/uv\r\n.lock";
const EVIL_FILE: &str = "evil-1.0.tar.gz\n::error file=x.py,line=1::pwned";
const EVIL_DETAIL: &str =
    "bad\r\n::warning::owned %0A 100% | <img src=x onerror=alert(1)> `tick` \x1b[2J";

fn hostile_report() -> Report {
    let mut p = pkg(
        "evil",
        "1.0|<b>x</b>",
        7,
        vec![artifact(
            EVIL_FILE,
            invalid(InvalidReason::NotOnIndex, EVIL_DETAIL),
        )],
    );
    p.package.location.path = EVIL_PATH.into();
    let mut lock = lockfile(EVIL_PATH, vec![]);
    lock.packages = vec![p];
    Report::check(vec![lock], &default_policy(), today(), false)
}

/// Decodes workflow-command escapes.
fn unescape(text: &str) -> String {
    text.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
}

#[test]
fn github_annotations_escape_hostile_paths_titles_and_messages() {
    let report = hostile_report();
    let text = render(&report, Format::Github, false);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), report.findings().len() + 1, "{text}");
    let annotation = lines[0];
    assert!(annotation.starts_with("::error file="), "{annotation}");

    // Split the command exactly as the runner does: properties end at the first `::`.
    let rest = annotation.strip_prefix("::error ").unwrap();
    let (properties, message) = rest.split_once("::").unwrap();
    let props: Vec<(&str, &str)> = properties
        .split(',')
        .map(|kv| kv.split_once('=').unwrap())
        .collect();
    assert_eq!(
        props.iter().map(|(k, _)| *k).collect::<Vec<_>>(),
        ["file", "line", "title"]
    );
    for (_, value) in &props {
        assert!(!value.contains([':', ',', '\r', '\n']), "{value}");
    }
    assert_eq!(unescape(props[0].1), EVIL_PATH);
    assert_eq!(props[1].1, "7");
    assert_eq!(
        unescape(props[2].1),
        "PG102 invalid-provenance (evil==1.0|<b>x</b>)"
    );
    assert!(!message.contains(['\r', '\n']));
    let decoded = unescape(message);
    assert!(decoded.contains(EVIL_FILE), "{decoded}");
    // Whitespace in details is collapsed to one line before rendering.
    assert!(
        decoded.contains("bad ::warning::owned %0A 100% |"),
        "{decoded}"
    );
    assert!(!text.contains('\x1b'));
}

#[test]
fn workflow_command_escaping_round_trips() {
    for sample in [
        "plain",
        "a%b",
        "%0A",
        "x\r\ny",
        "k:v,w",
        "::error::",
        "100%25",
    ] {
        assert_eq!(unescape(&escape_property(sample)), sample);
        assert!(!escape_data(sample).contains(['\r', '\n']), "{sample:?}");
    }
}

#[test]
fn human_report_keeps_each_finding_on_one_line_without_escapes() {
    let report = hostile_report();
    let text = render(&report, Format::Human, false);
    assert!(!text.contains('\x1b') && !text.contains('\r'), "{text}");
    // the finding itself, not the per-rule count of the summary
    let finding_lines: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("PG102") && !l.starts_with("by rule:"))
        .collect();
    assert_eq!(finding_lines.len(), 1, "{text}");
    assert!(
        finding_lines[0].contains("evil-1.0.tar.gz\\n::error"),
        "{}",
        finding_lines[0]
    );
}

#[test]
fn markdown_cells_cannot_break_the_table_or_inject_html() {
    let report = hostile_report();
    let text = render(&report, Format::Markdown, false);
    assert!(!text.contains("<img") && !text.contains("<b>"), "{text}");
    assert!(!text.contains('\x1b'));
    // Every row has as many unescaped pipes as its table's header.
    let unescaped_pipes = |line: &str| {
        let mut pipes = 0;
        let mut escaped = false;
        for c in line.chars() {
            match c {
                '\\' if !escaped => escaped = true,
                '|' if !escaped => pipes += 1,
                _ => escaped = false,
            }
        }
        pipes
    };
    let mut header_pipes = None;
    for line in text.lines() {
        if !line.starts_with('|') {
            header_pipes = None;
            continue;
        }
        let pipes = unescaped_pipes(line);
        match header_pipes {
            None => header_pipes = Some(pipes),
            Some(expected) => assert_eq!(pipes, expected, "row breaks its table: {line}"),
        }
    }
    let finding_rows: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("PG102") && !l.starts_with("By rule:"))
        .collect();
    assert_eq!(finding_rows.len(), 1);
}

#[test]
fn json_and_sarif_carry_hostile_text_verbatim_and_stay_valid() {
    let report = hostile_report();
    let json: serde_json::Value =
        serde_json::from_str(&render(&report, Format::Json, false)).unwrap();
    assert_eq!(json["findings"][0]["location"]["path"], EVIL_PATH);
    assert_eq!(json["packages"][0]["artifacts"][0]["filename"], EVIL_FILE);
    assert_eq!(json["packages"][0]["artifacts"][0]["detail"], EVIL_DETAIL);

    let sarif: serde_json::Value =
        serde_json::from_str(&render(&report, Format::Sarif, false)).unwrap();
    let schema: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string("fixtures/sarif/sarif-schema-2.1.0.json").unwrap(),
    )
    .unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    assert!(validator.is_valid(&sarif));
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"],
        "we%2Cird%3Adir%25/uv%0D%0A.lock"
    );
}

/// A report whose index-supplied text carries legacy workflow commands and bidi controls.
fn command_report() -> Report {
    let p = pkg(
        "evil",
        "1.0",
        7,
        vec![artifact(
            "evil-1.0.tar.gz",
            invalid(
                InvalidReason::NotOnIndex,
                "##[add-mask]pubgate ##[stop-commands]t0k ##[error title=x]PASS \u{202e}ssap\u{202c}",
            ),
        )],
    );
    let lock = lockfile("uv.lock", vec![p]);
    Report::check(vec![lock], &default_policy(), today(), false)
}

#[test]
fn legacy_workflow_commands_never_reach_the_log_in_any_format() {
    // The Actions runner runs `##[name]data` found anywhere in a log line (stdout and
    // stderr alike), so `##[stop-commands]` in an index message would silence every later
    // annotation and `##[add-mask]` would hide the verdict.
    let report = command_report();
    for format in [
        Format::Human,
        Format::Json,
        Format::Sarif,
        Format::Github,
        Format::Markdown,
    ] {
        let text = render(&report, format, false);
        assert!(!text.contains("##["), "{format:?}:\n{text}");
        assert!(!text.contains('\u{202e}'), "{format:?}:\n{text}");
    }
    // JSON keeps the exact text: `#\u0023[` reads back as `##[`.
    let json: serde_json::Value =
        serde_json::from_str(&render(&report, Format::Json, false)).unwrap();
    assert!(json["packages"][0]["artifacts"][0]["detail"]
        .as_str()
        .unwrap()
        .starts_with("##[add-mask]pubgate"));
    let sarif: serde_json::Value =
        serde_json::from_str(&render(&report, Format::Sarif, false)).unwrap();
    assert!(sarif.to_string().contains("##[stop-commands]"));
}

#[test]
fn errors_quoting_a_hostile_lockfile_are_defused_on_stderr() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("uv.lock"),
        "version = 1\n\n[[package]]\nname = \"x ##[add-mask]error \\u001b[2J\\u202e\"\nversion = \"1.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n",
    )
    .unwrap();
    let output = assert_cmd::Command::cargo_bin("pubgate")
        .unwrap()
        .current_dir(dir.path())
        .args(["lock", "uv.lock"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a valid project name"), "{stderr}");
    assert!(!stderr.contains("##["), "{stderr}");
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\u{202e}'),
        "{stderr}"
    );
}
