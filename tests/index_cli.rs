//! `pubgate inspect` and `pubgate fetch` driven through the binary against a fake PyPI.

mod index_common;

use assert_cmd::Command;
use index_common::*;
use pubgate::testing::fake_pypi::{fixture_index, tamper, FakeFile, FakeIndex, FakePypi};

/// `pubgate ARGS… --index-url <fake>` with the default cache under `cache`.
fn pubgate(server: &FakePypi, cache: &std::path::Path, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("pubgate").unwrap();
    cmd.env_remove("PUBGATE_INDEX_URL")
        .env("XDG_CACHE_HOME", cache)
        .args(args)
        .args(["--index-url", &server.index_url()]);
    cmd
}

fn demo_index() -> FakeIndex {
    let mut index = fixture_index();
    index.add("plain", FakeFile::new("plain-1.0.tar.gz", &sha("aa")));
    index.add(
        "plain",
        FakeFile::new("plain-1.0-py3-none-any.whl", &sha("bb")),
    );
    index.add("plain", FakeFile::new("plain-0.9.tar.gz", &sha("cc")));
    index.add(
        "tampered",
        FakeFile::new(
            SAMPLE_SDIST.replace("sampleproject", "tampered").as_str(),
            SAMPLE_SHA,
        )
        .with_provenance(tamper(&fixture_provenance(SAMPLE_SDIST, SAMPLE_SHA))),
    );
    index
}

fn run(mut cmd: Command) -> (Option<i32>, String, String) {
    let output = cmd.output().unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn inspect_shows_each_file_and_the_previous_release() {
    let (_dir, server) = serve(&demo_index());
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(pubgate(&server, cache.path(), &["inspect", "plain==1.0"]));
    assert_eq!(code, Some(0), "{stderr}");
    let stdout = stdout.replace(&server.index_url(), "http://fake-pypi/simple");
    insta::assert_snapshot!(stdout, @r"
    plain 1.0 on http://fake-pypi/simple
    2 file(s), 0 with verified provenance

      plain-1.0-py3-none-any.whl
        provenance   none (the index has no provenance for this file)
      plain-1.0.tar.gz
        provenance   none (the index has no provenance for this file)

    previous release with provenance: none (earlier releases without provenance: 0.9)
    ");
    assert!(stderr.is_empty(), "{stderr}");
    // The default cache (XDG_CACHE_HOME) was used; it holds provenance objects only, so a
    // second run asks for the page again.
    server.clear_log();
    let (code, again, _) = run(pubgate(&server, cache.path(), &["inspect", "plain==1.0"]));
    assert_eq!(code, Some(0));
    assert_eq!(
        again.replace(&server.index_url(), "http://fake-pypi/simple"),
        stdout
    );
    assert_eq!(server.request_count(), 1);
    assert!(cache.path().join("pubgate/v2").is_dir());
}

#[test]
fn inspect_json_is_machine_readable() {
    let (_dir, server) = serve(&demo_index());
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(pubgate(
        &server,
        cache.path(),
        &["inspect", "Plain==1.0.0", "--format", "json", "--no-cache"],
    ));
    assert_eq!(code, Some(0), "{stderr}");
    let json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(json["schema"], 1);
    assert_eq!(json["name"], "plain");
    assert_eq!(json["version"], "1.0.0");
    assert_eq!(json["files"].as_array().unwrap().len(), 2);
    assert_eq!(json["files"][1]["filename"], "plain-1.0.tar.gz");
    assert_eq!(json["files"][1]["provenance"], "absent");
    assert_eq!(json["files"][1]["sha256"], sha("aa"));
    assert_eq!(json["files"][1]["publisher"], serde_json::Value::Null);
    assert_eq!(json["previous"]["status"], "no-attested-release");
    assert_eq!(json["previous"]["passed_over"], serde_json::json!(["0.9"]));
    assert!(
        !cache.path().join("pubgate").exists(),
        "--no-cache writes nothing"
    );
}

#[test]
fn inspect_exit_codes_tell_invalid_from_unjudgeable() {
    let (_dir, server) = serve(&demo_index());
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, _) = run(pubgate(
        &server,
        cache.path(),
        &["inspect", "tampered==4.0.0", "--no-cache"],
    ));
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("INVALID ("), "{stdout}");

    let (code, stdout, stderr) = run(pubgate(
        &server,
        cache.path(),
        &["inspect", "plain==7.0", "--no-cache"],
    ));
    assert_eq!(code, Some(2));
    assert!(stdout.is_empty(), "{stdout}");
    assert!(
        stderr.contains("lists no file of `plain` 7.0")
            && stderr.contains("check the name and version"),
        "{stderr}"
    );

    let (code, _, stderr) = run(pubgate(
        &server,
        cache.path(),
        &["inspect", "plain", "--no-cache"],
    ));
    assert_eq!(code, Some(2));
    assert!(stderr.contains("is not NAME==VERSION"), "{stderr}");

    let (code, _, stderr) = run(pubgate(
        &server,
        cache.path(),
        &[
            "inspect",
            "plain==1.0",
            "--offline",
            "--provenance-dir",
            "/nonexistent/pubgate-vendor",
        ],
    ));
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--provenance-dir `/nonexistent/pubgate-vendor` is not a directory"),
        "{stderr}"
    );
}

#[test]
fn inspect_offline_without_a_cache_asks_nothing() {
    let (_dir, server) = serve(&demo_index());
    let cache = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(pubgate(
        &server,
        cache.path(),
        &["inspect", "plain==1.0", "--offline"],
    ));
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("offline") && stderr.contains("--provenance-dir"),
        "{stderr}"
    );
    assert_eq!(server.request_count(), 0);
}

#[test]
fn inspect_names_the_verified_publisher() {
    let (_dir, server) = serve(&demo_index());
    let cache = tempfile::tempdir().unwrap();
    let (code, stdout, stderr) = run(pubgate(
        &server,
        cache.path(),
        &["inspect", "sampleproject==4.0.0", "--no-cache"],
    ));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("provenance   verified"), "{stdout}");
    assert!(
        stdout.contains("publisher    GitHub pypa/sampleproject release.yml"),
        "{stdout}"
    );
    assert!(stdout.contains("ref          refs/heads/main"), "{stdout}");
    assert!(stdout.contains("commit       "), "{stdout}");
}

#[test]
fn fetch_vendors_a_requirements_file_for_offline_use() {
    let (_dir, server) = serve(&demo_index());
    let cache = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let requirements = work.path().join("requirements.txt");
    std::fs::write(
        &requirements,
        format!("plain==1.0 \\\n    --hash=sha256:{}\nsampleproject==4.0.0 \\\n    --hash=sha256:{SAMPLE_SHA}\n", sha("aa")),
    )
    .unwrap();
    let vendor = work.path().join("vendor");
    let (code, stdout, stderr) = run(pubgate(
        &server,
        cache.path(),
        &[
            "fetch",
            requirements.to_str().unwrap(),
            "--into",
            vendor.to_str().unwrap(),
            "--no-cache",
        ],
    ));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.is_empty());
    assert!(stderr.contains("vendored"), "{stderr}");
    let host = format!("127.0.0.1_{}", server.addr().port());
    assert!(vendor.join(&host).join("simple/plain/index.json").is_file());
    assert!(vendor
        .join(&host)
        .join("integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz.provenance")
        .is_file());
}

#[test]
fn fetch_refuses_unreadable_lockfiles() {
    let (_dir, server) = serve(&demo_index());
    let cache = tempfile::tempdir().unwrap();
    let work = tempfile::tempdir().unwrap();
    let (code, _, stderr) = run(pubgate(
        &server,
        cache.path(),
        &[
            "fetch",
            work.path().join("missing.lock").to_str().unwrap(),
            "--into",
            work.path().join("vendor").to_str().unwrap(),
        ],
    ));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    assert_eq!(server.request_count(), 0);
}

#[test]
fn proxies_from_the_environment_are_honoured() {
    let (_dir, server) = serve(&demo_index());
    let cache = tempfile::tempdir().unwrap();
    // Through a proxy: the index host is never resolved, the proxy gets absolute URLs.
    let output = Command::cargo_bin("pubgate")
        .unwrap()
        .args([
            "inspect",
            "plain==1.0",
            "--no-cache",
            "--index-url",
            "http://pypi.test/simple",
        ])
        .env("XDG_CACHE_HOME", cache.path())
        .env("HTTP_PROXY", server.url())
        .env_remove("NO_PROXY")
        .env_remove("no_proxy")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let requests = server.requests();
    assert!(
        !requests.is_empty() && requests.iter().all(|r| r.via_proxy),
        "{requests:?}"
    );

    // NO_PROXY exempts the index from a proxy that does not exist.
    let (code, _, stderr) = run({
        let mut cmd = pubgate(
            &server,
            cache.path(),
            &["inspect", "plain==1.0", "--no-cache"],
        );
        cmd.env("HTTP_PROXY", "http://127.0.0.1:9")
            .env("NO_PROXY", "127.0.0.1");
        cmd
    });
    assert_eq!(code, Some(0), "{stderr}");
    let (code, _, stderr) = run({
        let mut cmd = pubgate(
            &server,
            cache.path(),
            &["inspect", "plain==1.0", "--no-cache", "--timeout", "2"],
        );
        cmd.env("HTTP_PROXY", "http://127.0.0.1:9")
            .env_remove("NO_PROXY")
            .env_remove("no_proxy");
        cmd
    });
    assert_eq!(code, Some(2), "the dead proxy was used: {stderr}");
}
