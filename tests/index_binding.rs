//! Every locked hash must identify a file pubgate examined: the installer takes a file
//! matching *any* hash of a requirement. And a page that makes the examined file ambiguous
//! (one file listed twice, under two spellings, with a name or hash that says two things)
//! leaves it `unavailable` unless a locked hash picks one entry.

mod index_common;

use std::path::Path;
use std::time::Duration;

use assert_cmd::Command;
use index_common::*;
use pubgate::evidence::{InvalidReason, ProvenanceStatus};
use pubgate::lockfile::{Artifact, LockedHash, LockedPackage};
use pubgate::testing::fake_pypi::{FakeFile, FakePypi, Fault, FaultRule};

const JSON_PAGE: &str = "application/vnd.pypi.simple.v1+json";

fn sha512(byte: &str) -> String {
    byte.repeat(64)
}

fn hash(algorithm: &str, digest: &str) -> LockedHash {
    LockedHash {
        algorithm: algorithm.into(),
        digest: digest.into(),
    }
}

/// An artifact as the lockfile readers record one digest: sha256 or one other hash.
fn artifact(filename: &str, sha256: Option<&str>, others: &[LockedHash]) -> Artifact {
    Artifact {
        filename: filename.into(),
        sha256: sha256.map(str::to_string),
        other_hashes: others.to_vec(),
        url: None,
    }
}

fn locked(index: &str, artifacts: Vec<Artifact>) -> LockedPackage {
    let mut package = package("sampleproject", "4.0.0", index, &[]);
    package.artifacts = artifacts;
    package
}

/// The genuine sampleproject 4.0.0 sdist with its real provenance, and `extra` hashes.
fn genuine(extra: &[(&str, &str)]) -> FakeFile {
    let mut file = FakeFile::new(SAMPLE_SDIST, SAMPLE_SHA)
        .with_provenance(fixture_provenance(SAMPLE_SDIST, SAMPLE_SHA));
    for (algorithm, digest) in extra {
        file = file.with_hash(algorithm, digest);
    }
    file
}

fn invalid_reason(status: &ProvenanceStatus) -> (InvalidReason, &str) {
    match status {
        ProvenanceStatus::Invalid { reason, detail } => (*reason, detail),
        other => panic!("expected invalid, got {other:?}"),
    }
}

fn respond(server: &FakePypi, path: &str, content_type: &str, body: String) {
    server.add_fault(
        FaultRule::new(
            path,
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

// ---- class 1: hashes the installer honours ----

#[test]
fn a_sha512_the_index_does_not_list_is_unbound() {
    // `--hash=sha256:<genuine> --hash=sha512:<another file>`: pip takes a file matching
    // either. The sha512 names no file pubgate examined.
    let (_dir, server) = serve(&index_of("sampleproject", vec![genuine(&[])]));
    let other = sha512("ee");
    let pkg = locked(
        &server.index_url(),
        vec![
            artifact("", Some(SAMPLE_SHA), &[]),
            artifact("", None, &[hash("sha512", &other)]),
        ],
    );
    let evidence = gather_one(pkg, &options(&server));
    assert_eq!(evidence.artifacts.len(), 2, "{:?}", evidence.artifacts);
    assert!(evidence.artifacts[0].provenance.verified().is_some());
    assert!(evidence.artifacts[0].unbound_hashes.is_empty());
    let unbound = &evidence.artifacts[1];
    assert_eq!(unbound.filename, None);
    assert_eq!(unbound.sha256, None);
    assert_eq!(unbound.unbound_hashes, vec![hash("sha512", &other)]);
    assert_eq!(unbound.provenance, ProvenanceStatus::NotApplicable);
}

#[test]
fn a_sha512_the_index_lists_for_the_examined_file_binds_and_pins_it() {
    let digest = sha512("ab");
    let (_dir, server) = serve(&index_of(
        "sampleproject",
        vec![genuine(&[("sha512", &digest)])],
    ));
    // Requirements style (no filename) and lockfile style (the file named), alone or
    // beside the sha256: each binds to the examined sdist.
    for artifacts in [
        vec![artifact("", None, &[hash("sha512", &digest)])],
        vec![
            artifact("", Some(SAMPLE_SHA), &[]),
            artifact("", None, &[hash("sha512", &digest)]),
        ],
        vec![artifact(
            SAMPLE_SDIST,
            None,
            &[hash("SHA512", &digest.to_uppercase())],
        )],
        vec![artifact(
            SAMPLE_SDIST,
            Some(SAMPLE_SHA),
            &[hash("sha512", &digest)],
        )],
    ] {
        let evidence = gather_one(locked(&server.index_url(), artifacts), &options(&server));
        for artifact in &evidence.artifacts {
            assert_eq!(artifact.filename.as_deref().unwrap_or(""), SAMPLE_SDIST);
            assert_eq!(artifact.sha256.as_deref(), Some(SAMPLE_SHA));
            assert!(artifact.locked_hash, "a bound digest pins the file");
            assert!(artifact.unbound_hashes.is_empty(), "{artifact:?}");
            assert!(artifact.provenance.verified().is_some(), "{artifact:?}");
        }
    }
}

#[test]
fn a_sha512_the_index_lists_differently_is_an_index_hash_mismatch() {
    let listed = sha512("ab");
    let locked_digest = sha512("cd");
    let (_dir, server) = serve(&index_of(
        "sampleproject",
        vec![genuine(&[("sha512", &listed)])],
    ));
    for artifacts in [
        vec![artifact(
            SAMPLE_SDIST,
            None,
            &[hash("sha512", &locked_digest)],
        )],
        vec![artifact(
            SAMPLE_SDIST,
            Some(SAMPLE_SHA),
            &[hash("sha512", &locked_digest)],
        )],
    ] {
        let evidence = gather_one(locked(&server.index_url(), artifacts), &options(&server));
        let (reason, detail) = invalid_reason(&evidence.artifacts[0].provenance);
        assert_eq!(reason, InvalidReason::IndexHashMismatch);
        assert!(
            detail.contains(&locked_digest) && detail.contains(&listed),
            "{detail}"
        );
    }
    // Without a filename the locked sha512 names no file of the release: unbound.
    let evidence = gather_one(
        locked(
            &server.index_url(),
            vec![artifact("", None, &[hash("sha512", &locked_digest)])],
        ),
        &options(&server),
    );
    assert_eq!(
        evidence.artifacts[0].unbound_hashes,
        vec![hash("sha512", &locked_digest)]
    );
}

#[test]
fn a_named_file_whose_sha512_the_index_does_not_list_is_examined_with_the_hash_unbound() {
    let (_dir, server) = serve(&index_of("sampleproject", vec![genuine(&[])]));
    let digest = sha512("ab");
    let pkg = locked(
        &server.index_url(),
        vec![artifact(SAMPLE_SDIST, None, &[hash("sha512", &digest)])],
    );
    let evidence = gather_one(pkg, &options(&server));
    let artifact = &evidence.artifacts[0];
    assert!(artifact.provenance.verified().is_some());
    assert!(!artifact.locked_hash);
    assert_eq!(artifact.unbound_hashes, vec![hash("sha512", &digest)]);
}

#[test]
fn html_pages_bind_the_hash_of_their_fragment() {
    // An HTML-only index lists one hash per link: `#sha512=`.
    let digest = sha512("ab");
    let (_dir, server) = serve(&index_of(
        "sampleproject",
        vec![genuine(&[("sha512", &digest)]).without_hash()],
    ));
    server.set_html_only(true);
    let evidence = gather_one(
        locked(
            &server.index_url(),
            vec![artifact("", None, &[hash("sha512", &digest)])],
        ),
        &options(&server),
    );
    let artifact = &evidence.artifacts[0];
    assert_eq!(artifact.filename.as_deref().unwrap_or(""), SAMPLE_SDIST);
    assert!(artifact.locked_hash && artifact.unbound_hashes.is_empty());
    // No sha256 anywhere: provenance cannot be bound to the file.
    assert!(
        cause(&artifact.provenance).contains("sha256"),
        "{artifact:?}"
    );
}

#[test]
fn when_the_page_cannot_be_read_every_other_hash_is_unbound() {
    let (_dir, server) = serve(&index_of("sampleproject", vec![genuine(&[])]));
    server.add_fault(
        FaultRule::new(
            "/simple/**",
            Fault::Status {
                status: 503,
                retry_after: None,
            },
        )
        .unwrap(),
    );
    let digest = sha512("ab");
    let evidence = gather_one(
        locked(
            &server.index_url(),
            vec![artifact(
                SAMPLE_SDIST,
                Some(SAMPLE_SHA),
                &[hash("sha512", &digest)],
            )],
        ),
        &options(&server),
    );
    assert_eq!(evidence.artifacts[0].provenance.slug(), "unavailable");
    assert_eq!(
        evidence.artifacts[0].unbound_hashes,
        vec![hash("sha512", &digest)]
    );
}

// ---- class 10: one file, two answers ----

/// A PEP 691 page of raw file entries.
fn json_page(files: &[serde_json::Value]) -> String {
    serde_json::json!({"meta": {"api-version": "1.4"}, "name": "sampleproject", "files": files})
        .to_string()
}

fn entry(filename: &str, url: &str, sha: &str, provenance: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "filename": filename,
        "url": url,
        "hashes": {"sha256": sha},
        "provenance": provenance,
    })
}

/// The status of the sdist of an unhashed `sampleproject==4.0.0` against `page`.
fn unhashed_pin_against(page: String, content_type: &str) -> Vec<(String, &'static str)> {
    let (_dir, server) = serve(&index_of("sampleproject", vec![genuine(&[])]));
    respond(
        &server,
        "/simple/sampleproject/",
        content_type,
        page.replace("LINK", &link(&server)),
    );
    let pkg = package("sampleproject", "4.0.0", &server.index_url(), &[]);
    slugs(&gather_one(pkg, &options(&server)))
}

#[test]
fn an_unhashed_pin_of_a_file_listed_twice_with_different_hashes_is_unavailable() {
    let other = sha("bb");
    for files in [
        // The same name twice.
        vec![
            entry(SAMPLE_SDIST, "https://f/a", SAMPLE_SHA, Some("LINK")),
            entry(SAMPLE_SDIST, "https://f/b", &other, None),
        ],
        // Two spellings of one file.
        vec![
            entry(SAMPLE_SDIST, "https://f/a", SAMPLE_SHA, Some("LINK")),
            entry("SampleProject-4.0.0.tar.gz", "https://f/b", &other, None),
        ],
        // One sha256, two provenance links: which provenance counts is unknown.
        vec![
            entry(SAMPLE_SDIST, "https://f/a", SAMPLE_SHA, Some("LINK")),
            entry(SAMPLE_SDIST, "https://f/b", SAMPLE_SHA, None),
        ],
    ] {
        let statuses = unhashed_pin_against(json_page(&files), JSON_PAGE);
        assert_eq!(statuses.len(), 1, "{statuses:?}");
        assert_eq!(statuses[0].1, "unavailable", "{files:?}");
    }
    // The same entry twice is one file, examined once.
    let twice = vec![entry(SAMPLE_SDIST, "https://f/a", SAMPLE_SHA, Some("LINK")); 2];
    assert_eq!(
        unhashed_pin_against(json_page(&twice), JSON_PAGE),
        [(SAMPLE_SDIST.to_string(), "verified")]
    );
}

#[test]
fn an_entry_that_says_two_things_is_unavailable() {
    let other = sha("bb");
    for files in [
        // pip names the file by its URL, uv by `filename`.
        vec![entry(
            SAMPLE_SDIST,
            "https://f/sampleproject-4.0.0-py3-none-any.whl",
            SAMPLE_SHA,
            Some("LINK"),
        )],
        // The `hashes` object and the URL fragment disagree.
        vec![entry(
            SAMPLE_SDIST,
            &format!("https://f/{SAMPLE_SDIST}#sha256={other}"),
            SAMPLE_SHA,
            Some("LINK"),
        )],
    ] {
        let statuses = unhashed_pin_against(json_page(&files), JSON_PAGE);
        assert!(
            statuses.contains(&(SAMPLE_SDIST.to_string(), "unavailable")),
            "{files:?}: {statuses:?}"
        );
        assert!(
            !statuses.iter().any(|(_, s)| *s == "verified"),
            "{statuses:?}"
        );
    }
}

#[test]
fn an_html_link_is_the_file_its_href_names_not_its_text() {
    // The text says 3.0.0; the link (what pip and uv download) is a 4.0.0 sdist with
    // another sha256. The release has that file twice.
    let other = sha("bb");
    let page = format!(
        r#"<html><head><meta name="pypi:repository-version" content="1.4"></head><body>
<a href="https://f/{SAMPLE_SDIST}#sha256={SAMPLE_SHA}" data-provenance="LINK">{SAMPLE_SDIST}</a>
<a href="https://f/{SAMPLE_SDIST}#sha256={other}">sampleproject-3.0.0.tar.gz</a>
<!-- <a href="https://f/sampleproject-4.0.0-py3-none-any.whl">a comment is not a link</a> -->
</body></html>"#
    );
    assert_eq!(
        unhashed_pin_against(page, "text/html"),
        [(SAMPLE_SDIST.to_string(), "unavailable")]
    );
}

#[test]
fn a_locked_sha256_still_picks_its_entry() {
    let other = sha("bb");
    let (_dir, server) = serve(&index_of("sampleproject", vec![genuine(&[])]));
    let files = [
        entry(SAMPLE_SDIST, "https://f/b", &other, None),
        entry(
            "SampleProject-4.0.0.tar.gz",
            "https://f/a",
            SAMPLE_SHA,
            Some(&link(&server)),
        ),
    ];
    respond(
        &server,
        "/simple/sampleproject/",
        JSON_PAGE,
        json_page(&files),
    );
    for artifacts in [
        vec![artifact("", Some(SAMPLE_SHA), &[])],
        vec![artifact(SAMPLE_SDIST, Some(SAMPLE_SHA), &[])],
    ] {
        let evidence = gather_one(locked(&server.index_url(), artifacts), &options(&server));
        assert!(evidence.artifacts[0].provenance.verified().is_some());
    }
    // Without one, the named file is ambiguous.
    let evidence = gather_one(
        locked(&server.index_url(), vec![artifact(SAMPLE_SDIST, None, &[])]),
        &options(&server),
    );
    assert!(cause(&evidence.artifacts[0].provenance).contains("more than once"));
}

#[test]
fn a_file_listed_too_many_times_is_unavailable_without_looking_at_each() {
    let (_dir, server) = serve(&index_of("sampleproject", vec![genuine(&[])]));
    let files = vec![entry(SAMPLE_SDIST, "https://f/a", SAMPLE_SHA, None); 65];
    respond(
        &server,
        "/simple/sampleproject/",
        JSON_PAGE,
        json_page(&files),
    );
    let pkg = locked(
        &server.index_url(),
        vec![artifact(SAMPLE_SDIST, Some(SAMPLE_SHA), &[]); 3],
    );
    let evidence = gather_one(pkg, &options(&server));
    for artifact in &evidence.artifacts {
        assert!(
            cause(&artifact.provenance).contains("65 times"),
            "{artifact:?}"
        );
    }
}

#[test]
fn a_vendored_page_in_two_forms_is_refused() {
    // `pubgate fetch` writes one form per page; a directory holding a JSON and an HTML
    // page (which may list different files) was edited, and neither is taken.
    let (_dir, server) = serve(&index_of("sampleproject", vec![genuine(&[])]));
    let vendor = tempfile::tempdir().unwrap();
    let mut record = options(&server);
    record.record_into = Some(vendor.path().to_path_buf());
    let pkg = locked(
        &server.index_url(),
        vec![artifact(SAMPLE_SDIST, Some(SAMPLE_SHA), &[])],
    );
    assert!(gather_one(pkg.clone(), &record).artifacts[0]
        .provenance
        .verified()
        .is_some());
    let page_dir = vendor
        .path()
        .join(format!("127.0.0.1_{}", server.addr().port()))
        .join("simple/sampleproject");
    std::fs::write(page_dir.join("index.html"), "<a href=\"x\">x</a>").unwrap();
    let mut offline = options(&server);
    offline.offline = true;
    offline.provenance_dir = Some(vendor.path().to_path_buf());
    let evidence = gather_one(pkg, &offline);
    let refused = cause(&evidence.artifacts[0].provenance);
    assert!(refused.contains("more than one answer"), "{refused}");
}

// ---- through the binary ----

fn pubgate(server: &FakePypi, cwd: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::cargo_bin("pubgate").unwrap();
    // A hang guard, not a speed target: every run here takes well under a second.
    cmd.timeout(Duration::from_secs(120));
    cmd.current_dir(cwd)
        .envs(
            pubgate::index::network::INDEX_VARIABLES
                .iter()
                .map(|v| (v, "")),
        )
        .env_remove("PUBGATE_INDEX_URL")
        .env("NO_COLOR", "1")
        .env("NO_PROXY", "127.0.0.1")
        .args(args)
        .args(["--index-url", &server.index_url(), "--no-cache"]);
    cmd
}

#[test]
fn check_denies_an_unhashed_pin_whose_file_the_page_lists_twice() {
    let (_dir, server) = serve(&index_of("sampleproject", vec![genuine(&[])]));
    let files = [
        entry(
            SAMPLE_SDIST,
            "https://f/a",
            SAMPLE_SHA,
            Some(&link(&server)),
        ),
        entry(SAMPLE_SDIST, "https://f/b", &sha("bb"), None),
    ];
    respond(
        &server,
        "/simple/sampleproject/",
        JSON_PAGE,
        json_page(&files),
    );
    let work = tempfile::tempdir().unwrap();
    std::fs::write(
        work.path().join("requirements.txt"),
        "sampleproject==4.0.0\n",
    )
    .unwrap();
    let output = pubgate(&server, work.path(), &["check", "requirements.txt"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains("PG103") && stdout.contains("more than once"),
        "{stdout}"
    );
}
