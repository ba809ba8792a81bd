//! The environments people run in, through the binary against the fake PyPI: index
//! variables (`PIP_INDEX_URL`, …) used, reported and judged by the policy (PG006); `.netrc`
//! credentials sent to their host and never shown; custom CA bundles for TLS interception;
//! mirrors whose files get their provenance from the provenance index by sha256.

mod index_common;

use std::path::Path;

use assert_cmd::Command;
use base64::Engine;
use index_common::*;
use pubgate::index::network::ENVIRONMENT;
use pubgate::testing::fake_pypi::{fixture_index, FakeFile, FakeIndex, FakePypi, TlsFront};

const SECRET: &str = "n3trc-S3CRET";

/// `pubgate ARGS…` in `dir`, with none of the machine's network variables.
fn pubgate(dir: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("pubgate").unwrap();
    cmd.current_dir(dir)
        .env_remove("PUBGATE_INDEX_URL")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .env("HOME", dir)
        .env("XDG_CACHE_HOME", dir.join(".cache"))
        .args(args);
    for variable in ENVIRONMENT {
        cmd.env_remove(variable);
    }
    cmd
}

fn run(cmd: &mut Command) -> (Option<i32>, String, String) {
    let output = cmd.output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// A requirements file locking sampleproject 4.0.0 (real provenance) by sha256.
fn write_requirements(dir: &Path, extra: &str) {
    std::fs::write(
        dir.join("requirements.txt"),
        format!("{extra}sampleproject==4.0.0 --hash=sha256:{SAMPLE_SHA}\n"),
    )
    .unwrap();
}

fn write_policy(dir: &Path, sources: &str) {
    std::fs::write(
        dir.join("pubgate.toml"),
        format!("schema = 1\n\n[sources]\n{sources}"),
    )
    .unwrap();
}

fn asked(server: &FakePypi, path: &str) -> bool {
    server.requests().iter().any(|r| r.path == path)
}

#[test]
fn an_index_variable_is_used_and_reported() {
    let (_served, server) = serve(&fixture_index());
    let dir = tempfile::tempdir().unwrap();
    write_requirements(dir.path(), "");
    write_policy(
        dir.path(),
        &format!("allow-indexes = [\"{}\"]\n", server.index_url()),
    );
    let (code, stdout, stderr) =
        run(pubgate(dir.path(), &["check", "--no-cache"]).env("PIP_INDEX_URL", server.index_url()));
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(asked(&server, "/simple/sampleproject/"));
    assert!(
        stderr.contains(&format!(
            "note: packages the lockfile takes from PyPI are looked up on `{}` (from `PIP_INDEX_URL`)",
            server.index_url()
        )),
        "{stderr}"
    );
    assert!(!stdout.contains("PG006"), "{stdout}");

    // uv's variables mean the same; two variables naming different indexes are refused.
    let (code, _, stderr) = run(pubgate(dir.path(), &["check", "--no-cache"])
        .env("UV_DEFAULT_INDEX", server.index_url())
        .env("PIP_INDEX_URL", "https://pypi.org/simple"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("`UV_DEFAULT_INDEX`, `PIP_INDEX_URL` name different indexes"),
        "{stderr}"
    );
}

#[test]
fn an_index_variable_the_policy_does_not_allow_is_pg006() {
    let (_served, server) = serve(&fixture_index());
    let dir = tempfile::tempdir().unwrap();

    // Every file pinned by a hash that binds to an examined file: another source can only
    // serve the same bytes (the machine's own wheelhouse is no way around the gate).
    write_requirements(dir.path(), "");
    for (variable, value) in [
        ("PIP_FIND_LINKS", "/opt/wheels"),
        ("PIP_EXTRA_INDEX_URL", "https://mirror.example/simple"),
    ] {
        let (code, stdout, stderr) = run(pubgate(
            dir.path(),
            &["check", "--no-cache", "--index-url", &server.index_url()],
        )
        .env(variable, value));
        assert_eq!(code, Some(0), "{variable}: {stdout}\n{stderr}");
        assert!(!stdout.contains("PG006"), "{variable}: {stdout}");
    }

    // A requirement no hash pins: the installer may take its file from the variable's source.
    std::fs::write(
        dir.path().join("requirements.txt"),
        "sampleproject==4.0.0\n",
    )
    .unwrap();
    for (variable, phrase) in [
        ("PIP_INDEX_URL", "instead of PyPI"),
        ("UV_INDEX_URL", "instead of PyPI"),
        ("PIP_EXTRA_INDEX_URL", "adds the extra index"),
        ("UV_INDEX", "adds the extra index"),
    ] {
        // `--index-url` says where pubgate looks; the variable still names a source the
        // installer uses, so the policy must allow it.
        let (code, stdout, stderr) = run(pubgate(
            dir.path(),
            &["check", "--no-cache", "--index-url", &server.index_url()],
        )
        .env(variable, "https://u:tok3n@mirror.example/simple"));
        assert_eq!(code, Some(1), "{variable}: {stdout}\n{stderr}");
        assert!(stdout.contains("PG006"), "{variable}: {stdout}");
        assert!(
            stdout.contains(&format!("the environment variable `{variable}`")),
            "{stdout}"
        );
        assert!(stdout.contains(phrase), "{variable}: {stdout}");
        assert!(
            stdout.contains("`sampleproject`") && stdout.contains("which no locked hash pins")
                || stdout.contains("no locked hash pins the files of `sampleproject`"),
            "{variable}: {stdout}"
        );
        assert!(
            !stdout.contains("tok3n") && !stderr.contains("tok3n"),
            "{stdout}\n{stderr}"
        );
    }

    // A find-links location from the environment is a source too.
    let (code, stdout, _) = run(pubgate(
        dir.path(),
        &["check", "--no-cache", "--index-url", &server.index_url()],
    )
    .env("PIP_FIND_LINKS", "/opt/wheels"));
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains("find-links location `/opt/wheels`"),
        "{stdout}"
    );

    // Allowed, it passes.
    write_policy(
        dir.path(),
        "allow-indexes = [\"https://mirror.example/simple\"]\n",
    );
    let (code, stdout, stderr) = run(pubgate(
        dir.path(),
        &["check", "--no-cache", "--index-url", &server.index_url()],
    )
    .env("PIP_EXTRA_INDEX_URL", "https://mirror.example/simple/"));
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
}

#[test]
fn netrc_credentials_go_to_their_host_only_and_are_never_shown() {
    let (_served, server) = serve(&fixture_index());
    let dir = tempfile::tempdir().unwrap();
    write_requirements(dir.path(), "");
    let netrc = dir.path().join("netrc");
    std::fs::write(
        &netrc,
        format!("machine 127.0.0.1\n  login alice\n  password {SECRET}\n"),
    )
    .unwrap();
    let (code, stdout, stderr) = run(pubgate(
        dir.path(),
        &[
            "check",
            "--no-cache",
            "--verbose",
            "--index-url",
            &server.index_url(),
        ],
    )
    .env("NETRC", &netrc));
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("alice:{SECRET}"))
    );
    let requests = server.requests();
    assert!(!requests.is_empty());
    for request in &requests {
        assert_eq!(
            request.authorization.as_deref(),
            Some(expected.as_str()),
            "{request:?}"
        );
    }
    assert!(!stdout.contains(SECRET) && !stderr.contains(SECRET));

    // `~/.netrc` is read too; an entry for another host sends nothing.
    std::fs::write(
        dir.path().join(".netrc"),
        format!("machine localhost login alice password {SECRET}\n"),
    )
    .unwrap();
    server.clear_log();
    let (code, stdout, stderr) = run(&mut pubgate(
        dir.path(),
        &["check", "--no-cache", "--index-url", &server.index_url()],
    ));
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(server.requests().iter().all(|r| r.authorization.is_none()));
    let localhost = server.index_url().replace("127.0.0.1", "localhost");
    server.clear_log();
    // (The pages link provenance on `127.0.0.1`, another origin, which is not followed:
    // only the page is asked for.)
    run(&mut pubgate(
        dir.path(),
        &["check", "--no-cache", "--index-url", &localhost],
    ));
    let requests = server.requests();
    assert!(!requests.is_empty());
    assert!(requests
        .iter()
        .all(|r| r.authorization.as_deref() == Some(expected.as_str())));

    // A broken netrc is an error naming file and line, not a silent anonymous run.
    std::fs::write(
        &netrc,
        format!("machine 127.0.0.1 login alice pasword {SECRET}\n"),
    )
    .unwrap();
    let (code, _, stderr) = run(pubgate(
        dir.path(),
        &["check", "--no-cache", "--index-url", &server.index_url()],
    )
    .env("NETRC", &netrc));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(":1: unknown netrc token `pasword`"),
        "{stderr}"
    );
    assert!(!stderr.contains(SECRET), "{stderr}");
}

fn fixtures_tls(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/tls")
        .join(name)
}

#[test]
fn a_custom_ca_bundle_lets_pubgate_through_tls_interception() {
    let mut index = FakeIndex::new();
    index.add("plain", FakeFile::new("plain-1.0.tar.gz", &sha("aa")));
    let (_served, server) = serve(&index);
    let front = TlsFront::start(
        server.addr(),
        &std::fs::read(fixtures_tls("server.pem")).unwrap(),
        &std::fs::read(fixtures_tls("server.key")).unwrap(),
    )
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let inspect = |cmd: &mut Command| run(cmd);
    let args = [
        "inspect",
        "plain==1.0",
        "--no-cache",
        "--index-url",
        &front.index_url(),
    ];

    // Without the interceptor's CA, the connection is refused: nothing is examined.
    let (code, stdout, stderr) = inspect(&mut pubgate(dir.path(), &args));
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    assert!(!asked(&server, "/simple/plain/"));

    // REQUESTS_CA_BUNDLE (or PIP_CERT) adds the CA to the system's roots.
    for variable in ["REQUESTS_CA_BUNDLE", "PIP_CERT"] {
        server.clear_log();
        let (code, stdout, stderr) =
            inspect(pubgate(dir.path(), &args).env(variable, fixtures_tls("ca.pem")));
        assert_eq!(code, Some(0), "{variable}: {stdout}\n{stderr}");
        assert!(asked(&server, "/simple/plain/"), "{variable}");
    }

    // SSL_CERT_FILE replaces the system's roots, as for OpenSSL.
    server.clear_log();
    let (code, stdout, stderr) =
        inspect(pubgate(dir.path(), &args).env("SSL_CERT_FILE", fixtures_tls("ca.pem")));
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert!(asked(&server, "/simple/plain/"));

    // A bundle with no certificate is an error, not a run without the CA.
    let empty = dir.path().join("empty.pem");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let (code, _, stderr) = inspect(pubgate(dir.path(), &args).env("REQUESTS_CA_BUNDLE", &empty));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("holds no usable PEM certificate"),
        "{stderr}"
    );
}

/// A PyPI with sampleproject's real provenance, and a mirror that serves nothing useful
/// (it is never asked: its files are examined on the provenance index).
fn pypi_and_mirror() -> ((tempfile::TempDir, FakePypi), (tempfile::TempDir, FakePypi)) {
    let mirror = index_of(
        "sampleproject",
        vec![FakeFile::new(SAMPLE_SDIST, SAMPLE_SHA)],
    );
    (serve(&fixture_index()), serve(&mirror.api_version("1.1")))
}

#[test]
fn a_mirror_gets_its_provenance_from_the_provenance_index_by_sha256() {
    let ((_p, pypi), (_m, mirror)) = pypi_and_mirror();
    let dir = tempfile::tempdir().unwrap();
    write_requirements(dir.path(), &format!("--index-url {}\n", mirror.index_url()));
    write_policy(
        dir.path(),
        &format!(
            "mirrors = [\"{}\"]\nprovenance-index = \"{}\"\n",
            mirror.index_url(),
            pypi.index_url()
        ),
    );
    let (code, stdout, stderr) = run(&mut pubgate(
        dir.path(),
        &["check", "--no-cache", "--format", "json"],
    ));
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert_eq!(mirror.request_count(), 0, "{:?}", mirror.requests());
    assert!(asked(&pypi, "/simple/sampleproject/"));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let text = report.to_string();
    assert!(text.contains("\"verified\""), "{text}");
    assert!(!text.contains("PG006"), "{text}");

    // Without the mirror declared, the same lockfile is judged on the mirror's own word.
    write_policy(
        dir.path(),
        &format!("allow-indexes = [\"{}\"]\n", mirror.index_url()),
    );
    let (code, stdout, _) = run(&mut pubgate(dir.path(), &["check", "--no-cache"]));
    assert_ne!(code, Some(0), "{stdout}");
    assert!(asked(&mirror, "/simple/sampleproject/"));

    // --mirror and --provenance-index say the same from the command line.
    pypi.clear_log();
    mirror.clear_log();
    let (code, stdout, stderr) = run(&mut pubgate(
        dir.path(),
        &[
            "check",
            "--no-cache",
            "--mirror",
            &mirror.index_url(),
            "--provenance-index",
            &pypi.index_url(),
        ],
    ));
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    assert_eq!(mirror.request_count(), 0);
    assert!(asked(&pypi, "/simple/sampleproject/"));
}

#[test]
fn a_mirror_file_the_provenance_index_does_not_list_is_a_finding() {
    let ((_p, pypi), (_m, mirror)) = pypi_and_mirror();
    let dir = tempfile::tempdir().unwrap();
    let other = sha("ab");
    std::fs::write(
        dir.path().join("requirements.txt"),
        format!(
            "--index-url {}\nsampleproject==4.0.0 --hash=sha256:{other}\n",
            mirror.index_url()
        ),
    )
    .unwrap();
    write_policy(
        dir.path(),
        &format!(
            "mirrors = [\"{}\"]\nprovenance-index = \"{}\"\n",
            mirror.index_url(),
            pypi.index_url()
        ),
    );
    let (code, stdout, stderr) = run(&mut pubgate(dir.path(), &["check", "--no-cache"]));
    assert_eq!(code, Some(1), "{stdout}\n{stderr}");
    assert!(stdout.contains(&other), "{stdout}");
    assert_eq!(mirror.request_count(), 0);

    // No locked sha256: nothing binds the mirror's file to the provenance index's.
    std::fs::write(
        dir.path().join("requirements.txt"),
        format!("--index-url {}\nsampleproject==4.0.0\n", mirror.index_url()),
    )
    .unwrap();
    let (code, stdout, stderr) = run(&mut pubgate(dir.path(), &["check", "--no-cache"]));
    assert_ne!(code, Some(0), "{stdout}\n{stderr}");
    assert!(
        stdout.contains(
            "the lockfile locks no sha256 for any file of `sampleproject` from the mirror"
        ),
        "{stdout}"
    );
}
