//! Credentials in index URLs are used (HTTP basic auth, on the index's origin only) and never
//! shown: not in evidence, causes, cache or vendor paths and files, nor command output.

mod index_common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use base64::Engine;
use index_common::*;
use pubgate::evidence::Expected;
use pubgate::index::client::HttpClient;
use pubgate::index::{gather_report_blocking, NoProgress};
use pubgate::testing::fake_pypi::{fixture_index, FakeFile, FakeIndex, FakePypi, Fault, FaultRule};
use pubgate::url::SecretUrl;

const SECRET: &str = "s3cr3t-T0KEN";

fn secret_index_url(server: &FakePypi) -> String {
    server
        .index_url()
        .replace("http://", &format!("http://alice:{SECRET}@"))
}

fn all_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path.clone());
            }
            out.push(path);
        }
    }
    out
}

fn assert_secret_free(dir: &Path) {
    for path in all_files(dir) {
        assert!(
            !path.to_string_lossy().contains(SECRET),
            "{}",
            path.display()
        );
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(SECRET),
                "{}",
                path.display()
            );
        }
    }
}

#[test]
fn credentials_are_sent_to_the_index_and_never_shown() {
    let mut index = fixture_index();
    index.add("plain", FakeFile::new("plain-1.0.tar.gz", &sha("aa")));
    let (_dir, server) = serve(&index);
    server.add_fault(
        FaultRule::new(
            "/simple/flaky/",
            Fault::Status {
                status: 503,
                retry_after: None,
            },
        )
        .unwrap(),
    );
    let url = secret_index_url(&server);
    let lock = lockfile(
        "uv.lock",
        vec![
            package(
                "sampleproject",
                "4.0.0",
                &url,
                &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
            ),
            package("plain", "1.0", &url, &[]),
            package("flaky", "1.0", &url, &[]),
            package("missing", "1.0", &url, &[]),
        ],
    );
    let cache = tempfile::tempdir().unwrap();
    let vendor = tempfile::tempdir().unwrap();
    let mut opts = cached_options(&server, cache.path());
    opts.record_into = Some(vendor.path().to_path_buf());
    let report = gather_report_blocking(std::slice::from_ref(&lock), &opts, &NoProgress).unwrap();

    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("alice:{SECRET}"))
    );
    let requests = server.requests();
    assert!(
        requests.iter().any(|r| r.path.starts_with("/integrity/")),
        "provenance was fetched"
    );
    for request in &requests {
        assert_eq!(
            request.authorization.as_deref(),
            Some(expected.as_str()),
            "{}",
            request.path
        );
    }

    let debug = format!("{:?}", report.evidence);
    let json = serde_json::to_string(&report.evidence).unwrap();
    assert!(!debug.contains(SECRET) && !json.contains(SECRET));
    assert!(
        json.contains("****@127.0.0.1"),
        "the index is shown redacted"
    );
    assert!(json.contains("HTTP 503"), "the failure is reported");
    assert_secret_free(cache.path());
    assert_secret_free(vendor.path());
}

#[test]
fn credentials_do_not_follow_links_to_another_origin() {
    let (_dir2, elsewhere) = serve(&fixture_index());
    let page = serde_json::json!({
        "meta": {"api-version": "1.4"},
        "name": "sampleproject",
        "files": [{
            "filename": SAMPLE_SDIST,
            "url": "x",
            "hashes": {"sha256": SAMPLE_SHA},
            "provenance": format!("{}/integrity/sampleproject/4.0.0/{SAMPLE_SDIST}/provenance", elsewhere.url()),
        }],
    });
    let (_dir, server) = serve(&FakeIndex::new());
    server.add_fault(
        FaultRule::new(
            "/simple/sampleproject/",
            Fault::Respond {
                status: 200,
                content_type: "application/vnd.pypi.simple.v1+json".into(),
                body: page.to_string().into_bytes(),
            },
        )
        .unwrap(),
    );
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &secret_index_url(&server),
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
    );
    gather_one(pkg, &options(&server));
    assert!(server.requests()[0].authorization.is_some());
    // A plain-http link to another origin is not even followed (secure origins only);
    // an https one would be, without the credentials, as the client below shows.
    assert_eq!(elsewhere.request_count(), 0);

    let client = HttpClient::new(options(&server).http);
    client.register_index(&SecretUrl::new(secret_index_url(&server)));
    let link = format!(
        "{}/integrity/sampleproject/4.0.0/{SAMPLE_SDIST}/provenance",
        elsewhere.url()
    );
    let runtime = pubgate::index::runtime().unwrap();
    runtime
        .block_on(client.get(&link, "application/json", 1 << 20, Expected::Provenance))
        .unwrap();
    runtime
        .block_on(client.get(
            &format!("{}/simple/sampleproject/", server.url()),
            "*/*",
            1 << 20,
            Expected::Page,
        ))
        .unwrap();
    let other = elsewhere.requests();
    assert_eq!(other.len(), 1);
    assert_eq!(
        other[0].authorization, None,
        "no credentials for another origin"
    );
    assert!(
        server.requests().last().unwrap().authorization.is_some(),
        "the index's own origin still gets them"
    );
}

#[test]
fn the_inspect_command_never_prints_credentials() {
    let (_dir, server) = serve(&fixture_index());
    server.add_fault(
        FaultRule::new(
            "/integrity/**",
            Fault::Status {
                status: 500,
                retry_after: None,
            },
        )
        .unwrap(),
    );
    for release in ["sampleproject==4.0.0", "missing==1.0"] {
        let output = Command::cargo_bin("pubgate")
            .unwrap()
            .args(["inspect", release, "--no-cache", "--timeout", "2"])
            .args(["--index-url", &secret_index_url(&server)])
            .env_remove("PUBGATE_INDEX_URL")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stdout}{stderr}");
        assert!(stderr.contains("127.0.0.1"), "{stderr}");
        assert!(
            !stdout.contains(SECRET) && !stderr.contains(SECRET),
            "{stdout}{stderr}"
        );
    }
    // A malformed URL is refused without echoing its secret.
    let output = Command::cargo_bin("pubgate")
        .unwrap()
        .args([
            "inspect",
            "a==1",
            "--no-cache",
            "--index-url",
            &format!("http://alice:{SECRET}@bad host/simple"),
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("index-url") && !stderr.contains(SECRET),
        "{stderr}"
    );
}
