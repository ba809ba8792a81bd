//! `pubgate lock` through the binary: JSON and human snapshots of representative fixtures,
//! and bad input (exit 2, one `error:` line naming the file, the line and what to do).

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn pubgate() -> Command {
    Command::cargo_bin("pubgate").unwrap()
}

fn lock_stdout(args: &[&str]) -> String {
    let output = pubgate().arg("lock").args(args).output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

fn lock_json(path: &str) -> serde_json::Value {
    serde_json::from_str(&lock_stdout(&["--format", "json", path])).unwrap()
}

#[test]
fn json_uv_script_lock() {
    insta::assert_json_snapshot!(lock_json(
        "fixtures/lockfiles/uv/uv-script-generate-known-stdlib.py.lock"
    ));
}

#[test]
fn json_requirements_with_include_and_unpinned() {
    insta::assert_json_snapshot!(lock_json("fixtures/lockfiles/requirements/include-a.txt"));
}

#[test]
fn json_requirements_vcs_continuation_and_comments() {
    insta::assert_json_snapshot!(lock_json(
        "fixtures/lockfiles/requirements/uv-testdata-whitespace.txt"
    ));
}

#[test]
fn json_pylock_local_wheel_and_editable_directory() {
    insta::assert_json_snapshot!(lock_json(
        "fixtures/lockfiles/pylock/pip-testdata.pylock.mixed.toml"
    ));
}

#[test]
fn json_uv_editable_project() {
    insta::assert_json_snapshot!(lock_json("fixtures/lockfiles/uv/built-by-uv.uv.lock"));
}

#[test]
fn human_uv_workspace_with_forks() {
    insta::assert_snapshot!(lock_stdout(&[
        "fixtures/lockfiles/uv/forks-workspace.uv.lock"
    ]));
}

#[test]
fn human_poetry_with_directory_sources() {
    insta::assert_snapshot!(lock_stdout(&[
        "fixtures/lockfiles/poetry/langgraph-cli-examples.poetry.lock"
    ]));
}

#[test]
fn human_pipfile_with_local_file_and_editable() {
    let out = lock_stdout(&["fixtures/lockfiles/pipfile/pipenv-editable-file.Pipfile.lock"]);
    // the two non-index entries and the summary; the 103 index rows are checked elsewhere
    let interesting: Vec<&str> = out
        .lines()
        .filter(|line| {
            line.starts_with("NAME")
                || line.starts_with("atomicwrites")
                || line.starts_with("pipenv ")
                || line.contains("packages (")
                || line.starts_with("sources")
                || line.starts_with("  index")
        })
        .collect();
    insta::assert_snapshot!(interesting.join("\n"));
}

#[test]
fn lock_format_flag_overrides_detection() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("deps.lock");
    std::fs::write(&path, "six==1.16.0\n").unwrap();
    pubgate()
        .args(["lock"])
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--lock-format"));
    pubgate()
        .args(["lock", "--lock-format", "requirements", "--format", "json"])
        .arg(&path)
        .assert()
        .success()
        .stdout(predicate::str::contains("\"name\": \"six\""));
    // content detection for unusual names
    std::fs::copy(
        "fixtures/lockfiles/poetry/poetry-paths.poetry.lock",
        dir.path().join("project.lock"),
    )
    .unwrap();
    pubgate()
        .arg("lock")
        .arg(dir.path().join("project.lock"))
        .assert()
        .success()
        .stdout(predicate::str::contains("(poetry): 12 packages"));
}

#[test]
fn credentials_in_index_urls_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("requirements.txt");
    std::fs::write(
        &path,
        "--index-url https://user:s3cr3t@private.example/simple\nsix==1.16.0\n",
    )
    .unwrap();
    for format in ["human", "json"] {
        pubgate()
            .args(["lock", "--format", format])
            .arg(&path)
            .assert()
            .success()
            .stdout(predicate::str::contains(
                "https://****@private.example/simple",
            ))
            .stdout(predicate::str::contains("s3cr3t").not());
    }
}

/// Runs `pubgate lock` on `content` written to `name`; returns stderr after checking exit 2
/// and its shape: one `error:` line, then the source line with a caret when the reader knows
/// the column.
fn rejected(name: &str, content: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    let output = pubgate().arg("lock").arg(&path).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{name}: {output:?}");
    assert!(output.stdout.is_empty(), "nothing on stdout on error");
    let stderr = String::from_utf8(output.stderr).unwrap();
    let shown = format!("error: {}", dir.path().join(name).display());
    assert!(stderr.starts_with(&shown), "{stderr}");
    let excerpt: Vec<&str> = stderr.trim_end().lines().skip(1).collect();
    assert!(
        excerpt.is_empty()
            || (excerpt.len() == 3
                && excerpt[0].trim_end().ends_with(" |")
                && excerpt[2].trim_end().ends_with('^')),
        "one line, or one and its source line: {stderr}"
    );
    stderr.replace(&dir.path().display().to_string(), "DIR")
}

#[test]
fn bad_input_exits_2_with_one_located_message() {
    let uv = std::fs::read("fixtures/lockfiles/uv/cli-tool.uv.lock").unwrap();
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("uv.lock", b"version = 1\n[[package]\nname = \"x\"\n".to_vec(), "error: DIR/uv.lock:2:11: malformed uv.lock"),
        ("uv.lock", b"version = 2\nrevision = 1\n".to_vec(), "error: DIR/uv.lock:1: uv.lock `version = 2` is not supported"),
        ("uv.lock", uv[..uv.len() / 2].to_vec(), "error: DIR/uv.lock:"),
        ("poetry.lock", b"[metadata]\nlock-version = \"9.0\"\n".to_vec(), "error: DIR/poetry.lock:2: poetry.lock `lock-version = \"9.0\"` is not supported"),
        ("pdm.lock", b"[metadata]\nlock_version = \"5.0\"\n".to_vec(), "error: DIR/pdm.lock:2: pdm.lock `lock_version = \"5.0\"` is not supported"),
        ("pylock.toml", b"lock-version = \"2.0\"\ncreated-by = \"x\"\n".to_vec(), "error: DIR/pylock.toml:1: pylock `lock-version = \"2.0\"` is not supported"),
        ("Pipfile.lock", b"{\"_meta\": {\"pipfile-spec\": 6}, \"default\": {".to_vec(), "error: DIR/Pipfile.lock:1:43: malformed Pipfile.lock: EOF while parsing an object: fix"),
        ("Pipfile.lock", vec![0x00, 0xff, 0xfe, 0x13, 0x37, 0x80, 0x81], "error: DIR/Pipfile.lock:1: invalid UTF-8 at byte 1"),
        ("uv.lock", b"version = 1\n\xc3\x28\n".to_vec(), "error: DIR/uv.lock:2: invalid UTF-8"),
        ("requirements.txt", b"six==1.16.0\nrequests=2.0\n".to_vec(), "error: DIR/requirements.txt:2: invalid requirements line `requests=2.0`"),
        ("requirements.txt", b"-r missing.txt\n".to_vec(), "error: DIR/requirements.txt:1: cannot read included file `DIR/missing.txt`"),
        ("requirements.txt", b"--frobnicate\n".to_vec(), "error: DIR/requirements.txt:1: invalid requirements line `--frobnicate`: no such option"),
    ];
    for (name, content, prefix) in cases {
        let stderr = rejected(name, &content);
        assert!(stderr.starts_with(prefix), "{name}: {stderr}");
    }
}

#[test]
fn oversized_files_are_refused_before_reading() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("uv.lock");
    let file = std::fs::File::create(&path).unwrap();
    // sparse: the size is what counts, no 33 MiB written
    file.set_len(33 * 1024 * 1024).unwrap();
    pubgate()
        .arg("lock")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("over the 32 MiB limit"));
}

#[test]
fn missing_files_and_directories() {
    pubgate()
        .args(["lock", "does/not/exist.lock"])
        .assert()
        .code(2)
        .stderr(predicate::str::starts_with(
            "error: does/not/exist.lock: cannot read",
        ));
    pubgate()
        .args(["lock", "fixtures"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is a directory"));
}

#[test]
fn discover_lists_supported_lockfiles_sorted() {
    let dir = tempfile::tempdir().unwrap();
    for name in [
        "uv.lock",
        "requirements-dev.txt",
        "notes.txt",
        "poetry.lock",
        "pylock.toml",
        "pylock.prod.toml",
        "Cargo.lock",
        "tool.py.lock",
    ] {
        std::fs::write(dir.path().join(name), "").unwrap();
    }
    std::fs::create_dir(dir.path().join("sub.txt")).unwrap();
    let found: Vec<String> = pubgate::lockfile::discover(dir.path())
        .iter()
        .map(|p| p.file_name().unwrap().to_str().unwrap().to_string())
        .collect();
    assert_eq!(
        found,
        vec![
            "poetry.lock",
            "pylock.prod.toml",
            "pylock.toml",
            "requirements-dev.txt",
            "tool.py.lock",
            "uv.lock"
        ]
    );
    assert!(pubgate::lockfile::discover(Path::new("no/such/dir")).is_empty());
}

#[test]
fn a_reader_that_goes_away_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    // The largest fixture: its JSON is far bigger than a pipe buffer.
    let mut child = Command::new(env!("CARGO_BIN_EXE_pubgate"))
        .args([
            "lock",
            "fixtures/lockfiles/bench/bench-monolith.uv.lock",
            "--format",
            "json",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child.stdout.take().unwrap().read_exact(&mut first).unwrap();
    // The pipe's read end is dropped here: later writes get EPIPE.
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(0), "{stderr}");
}

/// A syntax error in a TOML lockfile names file:line:column and shows the line with a caret
/// under the column, as rustc and ruff do; in plain text, whatever the terminal.
#[test]
fn toml_syntax_errors_show_the_line_with_a_caret() {
    let stderr = rejected("uv.lock", b"version = 1\n[[package]\nname = \"x\"\n");
    assert_eq!(
        stderr,
        "error: DIR/uv.lock:2:11: malformed uv.lock: unclosed array table, expected `]`: \
         fix the file or re-create it with its tool\n  \
         |\n\
         2 | [[package]\n  \
         |           ^\n"
    );
}

#[test]
fn json_syntax_errors_show_the_line_with_a_caret() {
    let stderr = rejected(
        "Pipfile.lock",
        b"{\n  \"_meta\": {\"pipfile-spec\": 6},\n  \"default\": {\"six\": x}\n}\n",
    );
    assert_eq!(
        stderr,
        "error: DIR/Pipfile.lock:3:22: malformed Pipfile.lock: expected value: \
         fix the file or re-create it with `pipenv lock`\n  \
         |\n\
         3 |   \"default\": {\"six\": x}\n  \
         |                      ^\n"
    );
}

/// A hostile lockfile cannot reach the terminal through the excerpt: control characters
/// are escaped (no ANSI sequence gets through), and a huge line is cut around the column.
#[test]
fn the_source_line_of_a_hostile_lockfile_is_defused_and_cut() {
    let stderr = rejected("uv.lock", b"version = 1\nname\x1b[2J\x1b]0;pwned\x07 = 1\n");
    assert!(
        !stderr.contains('\x1b') && !stderr.contains('\x07'),
        "{stderr:?}"
    );
    assert!(
        stderr.contains("2 | name\\u{1b}[2J\\u{1b}]0;pwned\\u{7} = 1\n"),
        "{stderr}"
    );

    let pad = " ".repeat(100_000);
    let stderr = rejected(
        "Pipfile.lock",
        format!("{{\"_meta\": {{}}, \"default\": {{{pad}!{pad}}}}}").as_bytes(),
    );
    let lines: Vec<&str> = stderr.lines().collect();
    assert!(
        lines[0].starts_with("error: DIR/Pipfile.lock:1:100027: malformed"),
        "{}",
        lines[0]
    );
    assert!(
        lines[2].starts_with("1 | …") && lines[2].ends_with('…'),
        "{}",
        lines[2]
    );
    assert!(lines[2].chars().count() <= pubgate::lockfile::MAX_EXCERPT_CHARS + 6);
    let caret = lines[3].find('^').unwrap();
    assert_eq!(lines[2].chars().nth(caret), Some('!'), "{stderr}");
}

/// The JSON document byte for byte (key order, omitted empty fields, redacted credentials),
/// with every optional field present somewhere: it is rendered through its own wire types,
/// and a change in the lockfile model must not change it.
#[test]
fn json_document_bytes_with_every_optional_field() {
    let dir = tempfile::tempdir().unwrap();
    let sha256 = "1".repeat(64);
    let sha512 = "5".repeat(128);
    std::fs::write(
        dir.path().join("requirements.txt"),
        format!(
            "--index-url https://user:token@example.com/simple\n\
             --extra-index-url https://extra.example/simple\n\
             --find-links ./wheels\n\
             --trusted-host extra.example\n\
             sampleproject==4.0.0 --hash=sha256:{sha256} --hash=sha512:{sha512}\n\
             Foo_Bar==1.0 ; python_version < \"3.9\" --hash=sha256:{sha256}\n\
             requests>=2\n\
             git+https://github.com/a/b@0123456789abcdef0123456789abcdef01234567#egg=b\n\
             ./local/pkg\n\
             -e ./editable\n"
        ),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("pylock.toml"),
        format!(
            "lock-version = '1.0'\n\
             created-by = 'x'\n\
             [[packages]]\n\
             name = 'attrs'\n\
             version = '25.1.0'\n\
             index = 'https://pypi.org/simple'\n\
             [[packages.wheels]]\n\
             name = 'attrs-25.1.0-py3-none-any.whl'\n\
             url = 'https://user:token@files.example/attrs-25.1.0-py3-none-any.whl'\n\
             hashes = {{sha256 = '{sha256}', sha512 = '{sha512}'}}\n\
             [[packages.attestation-identities]]\n\
             kind = 'GitLab'\n\
             repository = 'a/b'\n\
             workflow = 'release'\n\
             workflow_filepath = 'ci.yml'\n\
             environment = 'prod'\n\
             email = 'x@example.com'\n"
        ),
    )
    .unwrap();
    for name in ["requirements.txt", "pylock.toml"] {
        let output = pubgate()
            .current_dir(dir.path())
            .args(["lock", "--format", "json", name])
            .output()
            .unwrap();
        assert!(output.status.success(), "{name}: {output:?}");
        let stdout = String::from_utf8(output.stdout).unwrap();
        assert!(!stdout.contains("token"), "{name}: credentials shown");
        insta::assert_snapshot!(format!("json_document_bytes_{name}"), stdout);
    }
}
