//! A hostile index through the binary: pages built to make parsing quadratic, and a
//! plain-http index that redirects elsewhere.

mod index_common;

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use index_common::*;
use pubgate::testing::fake_pypi::{fixture_index, FakeIndex, FakePypi, Fault, FaultRule};

/// `pubgate check requirements.txt` in a directory holding `requirements`.
fn check(server: &FakePypi, requirements: &str) -> (Option<i32>, String, String) {
    let work = tempfile::tempdir().unwrap();
    std::fs::write(work.path().join("requirements.txt"), requirements).unwrap();
    run(server, work.path(), &["check", "requirements.txt"])
}

fn run(server: &FakePypi, cwd: &Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = Command::cargo_bin("pubgate")
        .unwrap()
        .envs(
            pubgate::index::network::INDEX_VARIABLES
                .iter()
                .map(|v| (v, "")),
        )
        // A hang guard, not a speed target: these runs take well under a second; before
        // parsing was linear, the pages below took minutes to hours.
        .timeout(Duration::from_secs(120))
        .current_dir(cwd)
        .env_remove("PUBGATE_INDEX_URL")
        .env("NO_COLOR", "1")
        .env("NO_PROXY", "127.0.0.1")
        .args(args)
        .args(["--index-url", &server.index_url(), "--no-cache"])
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn hashed_pin() -> String {
    format!("sampleproject==4.0.0 --hash=sha256:{SAMPLE_SHA}\n")
}

fn serve_page(server: &FakePypi, content_type: &str, body: String) {
    server.add_fault(
        FaultRule::new(
            "/simple/sampleproject/",
            Fault::Respond {
                status: 200,
                content_type: content_type.into(),
                body: body.into_bytes(),
            },
        )
        .unwrap(),
    );
}

fn link(server: &FakePypi) -> String {
    format!(
        "{}/integrity/sampleproject/4.0.0/{SAMPLE_SDIST}/provenance",
        server.url()
    )
}

#[test]
fn an_html_page_of_ampersands_is_read_in_linear_time() {
    // The page of the issue: 1.5 MB of `&` without `;` in an attribute value.
    let (_dir, server) = serve(&fixture_index());
    let page = format!(
        r#"<meta name="pypi:repository-version" content="1.4"><a href="https://f/{SAMPLE_SDIST}#sha256={SAMPLE_SHA}" data-provenance="{}" data-yanked="{}">{SAMPLE_SDIST}</a>"#,
        link(&server),
        "&".repeat(1_500_000)
    );
    serve_page(&server, "text/html", page);
    let (code, stdout, stderr) = check(&server, &hashed_pin());
    assert_eq!(code, Some(0), "{stdout}{stderr}");
}

#[test]
fn a_json_page_with_a_name_of_dashes_is_read_in_linear_time() {
    let (_dir, server) = serve(&fixture_index());
    let page = serde_json::json!({
        "meta": {"api-version": "1.4"},
        "files": [
            {"filename": format!("{}-4.0.0.tar.gz", "-".repeat(1_500_000)), "url": "https://f/x", "hashes": {}},
            {"filename": SAMPLE_SDIST, "url": format!("https://f/{SAMPLE_SDIST}"),
             "hashes": {"sha256": SAMPLE_SHA}, "provenance": link(&server)},
        ],
    });
    serve_page(
        &server,
        "application/vnd.pypi.simple.v1+json",
        page.to_string(),
    );
    let (code, stdout, stderr) = check(&server, &hashed_pin());
    assert_eq!(code, Some(0), "{stdout}{stderr}");
}

#[test]
fn a_plain_http_index_redirecting_to_another_origin_is_not_followed() {
    // Whoever is on the path of a plain-http index answers with a redirect to a host of
    // their choice: pubgate does not go there, and cannot judge the package.
    let (_dir2, elsewhere) = serve(&fixture_index());
    let (_dir, server) = serve(&FakeIndex::new());
    server.add_fault(
        FaultRule::new(
            "/simple/**",
            Fault::Redirect(format!("{}/simple/sampleproject/", elsewhere.url())),
        )
        .unwrap(),
    );
    let (code, stdout, stderr) = check(&server, &hashed_pin());
    assert_eq!(code, Some(1), "{stdout}{stderr}");
    assert!(
        stdout.contains("PG103") && stdout.contains("refusing a redirect from plain http"),
        "{stdout}"
    );
    assert_eq!(elsewhere.request_count(), 0);
}
