//! A hostile or broken index: pages that name files of other releases or projects, list a
//! filename twice, link provenance over plain http elsewhere, answer odd statuses, redirect
//! away with credentials, or send gzip bombs. None may end as `verified` (or `absent`) for
//! a file it does not vouch for, and no locked file may go missing from the evidence.

mod index_common;

use std::io::Write;

use index_common::*;
use pubgate::evidence::{InvalidReason, ProvenanceStatus};
use pubgate::testing::fake_pypi::{
    fixture_index, FakeIndex, FakePypi, Fault, FaultRule, FixtureMinter,
};

const JSON_PAGE: &str = "application/vnd.pypi.simple.v1+json";

/// A PEP 691 page with these (filename, sha256, provenance link) files.
fn page(name: &str, files: &[(&str, &str, Option<String>)]) -> Vec<u8> {
    let files: Vec<serde_json::Value> = files
        .iter()
        .map(|(filename, sha, provenance)| {
            serde_json::json!({
                "filename": filename,
                "url": format!("https://files.example/{filename}"),
                "hashes": {"sha256": sha},
                "provenance": provenance,
            })
        })
        .collect();
    serde_json::json!({"meta": {"api-version": "1.4"}, "name": name, "files": files})
        .to_string()
        .into_bytes()
}

/// Serves `body` (with `status`) instead of the normal answer at `path`.
fn respond(server: &FakePypi, path: &str, status: u16, content_type: &str, body: Vec<u8>) {
    server.add_fault(
        FaultRule::new(
            path,
            Fault::Respond {
                status,
                content_type: content_type.into(),
                body,
            },
        )
        .unwrap(),
    );
}

fn sample_link(server: &FakePypi) -> String {
    format!(
        "{}/integrity/sampleproject/4.0.0/{SAMPLE_SDIST}/provenance",
        server.url()
    )
}

fn invalid_reason(status: &ProvenanceStatus) -> (InvalidReason, &str) {
    match status {
        ProvenanceStatus::Invalid { reason, detail } => (*reason, detail),
        other => panic!("expected invalid, got {other:?}"),
    }
}

#[test]
fn a_locked_file_of_another_release_does_not_verify_the_locked_version() {
    // abi3info 2024.10.3 has real, valid provenance on the fixture index. A lockfile that
    // pins 2024.10.8 but names 2024.10.3's file must not come out "2024.10.8: verified".
    let old = FixtureMinter::load()
        .subjects()
        .into_iter()
        .find(|(name, _)| name.starts_with("abi3info-2024.10.3"))
        .expect("the fixtures hold abi3info 2024.10.3");
    let (_dir, server) = serve(&fixture_index());
    let pkg = package(
        "abi3info",
        "2024.10.8",
        &server.index_url(),
        &[(&old.0, Some(&old.1))],
    );
    let evidence = gather_one(pkg, &options(&server));
    let (reason, detail) = invalid_reason(&evidence.artifacts[0].provenance);
    assert_eq!(reason, InvalidReason::NotOnIndex);
    assert!(detail.contains("another release"), "{detail}");
}

#[test]
fn a_locked_file_of_another_project_does_not_verify_the_locked_package() {
    // The page of `sampleproject` also lists a file of another project, with valid
    // provenance for that file: it vouches for nothing about sampleproject.
    let (_dir, server) = serve(&fixture_index());
    let other = FixtureMinter::load()
        .subjects()
        .into_iter()
        .find(|(name, _)| name.starts_with("pypi_attestations-0.0.19"))
        .unwrap();
    let link = format!(
        "{}/integrity/pypi-attestations/0.0.19/{}/provenance",
        server.url(),
        other.0
    );
    respond(
        &server,
        "/simple/sampleproject/",
        200,
        JSON_PAGE,
        page(
            "sampleproject",
            &[
                (SAMPLE_SDIST, SAMPLE_SHA, Some(sample_link(&server))),
                (&other.0, &other.1, Some(link)),
            ],
        ),
    );
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &server.index_url(),
        &[(&other.0, Some(&other.1))],
    );
    let evidence = gather_one(pkg, &options(&server));
    let (reason, _) = invalid_reason(&evidence.artifacts[0].provenance);
    assert_eq!(reason, InvalidReason::NotOnIndex);
}

#[test]
fn a_page_listing_only_another_projects_files_is_a_missing_release() {
    let (_dir, server) = serve(&fixture_index());
    respond(
        &server,
        "/simple/sampleproject/",
        200,
        JSON_PAGE,
        page(
            "pypi-attestations",
            &[("pypi_attestations-4.0.0.tar.gz", SAMPLE_SHA, None)],
        ),
    );
    let pkg = package("sampleproject", "4.0.0", &server.index_url(), &[]);
    let evidence = gather_one(pkg, &options(&server));
    assert_eq!(evidence.artifacts.len(), 1);
    let (reason, _) = invalid_reason(&evidence.artifacts[0].provenance);
    assert_eq!(reason, InvalidReason::ReleaseNotOnIndex);
}

#[test]
fn an_empty_files_list_is_a_missing_release_not_a_pass() {
    let (_dir, server) = serve(&fixture_index());
    respond(
        &server,
        "/simple/sampleproject/",
        200,
        JSON_PAGE,
        page("sampleproject", &[]),
    );
    for artifacts in [vec![], vec![(SAMPLE_SDIST, Some(SAMPLE_SHA))]] {
        let pkg = package("sampleproject", "4.0.0", &server.index_url(), &artifacts);
        let evidence = gather_one(pkg, &options(&server));
        assert_eq!(evidence.artifacts.len(), 1);
        let (reason, _) = invalid_reason(&evidence.artifacts[0].provenance);
        assert_eq!(reason, InvalidReason::ReleaseNotOnIndex);
    }
}

#[test]
fn duplicate_filenames_with_different_hashes_are_ambiguous_without_a_locked_hash() {
    // One name, two contents: the attested one first, an unattested one second (and the
    // other way round). Without a locked sha256 the installer may get either.
    let (_dir, server) = serve(&fixture_index());
    let attested = (SAMPLE_SDIST, SAMPLE_SHA, Some(sample_link(&server)));
    let other_sha = sha("bb");
    let unattested = (SAMPLE_SDIST, other_sha.as_str(), None);
    for files in [
        vec![attested.clone(), unattested.clone()],
        vec![unattested.clone(), attested.clone()],
    ] {
        server.clear_faults();
        respond(
            &server,
            "/simple/sampleproject/",
            200,
            JSON_PAGE,
            page("sampleproject", &files),
        );
        let unhashed = package(
            "sampleproject",
            "4.0.0",
            &server.index_url(),
            &[(SAMPLE_SDIST, None)],
        );
        let evidence = gather_one(unhashed, &options(&server));
        let cause = cause(&evidence.artifacts[0].provenance);
        assert!(
            cause.contains("more than once") && cause.contains(&other_sha),
            "{cause}"
        );

        // A locked sha256 picks its entry, wherever it is listed.
        let hashed = package(
            "sampleproject",
            "4.0.0",
            &server.index_url(),
            &[(SAMPLE_SDIST, Some(&other_sha))],
        );
        let evidence = gather_one(hashed, &options(&server));
        assert_eq!(evidence.artifacts[0].provenance, ProvenanceStatus::Absent);
        let hashed = package(
            "sampleproject",
            "4.0.0",
            &server.index_url(),
            &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
        );
        let evidence = gather_one(hashed, &options(&server));
        assert!(evidence.artifacts[0].provenance.verified().is_some());
    }
}

#[test]
fn two_files_sharing_a_provenance_link_and_digest_are_each_verified_for_themselves() {
    // A hostile page gives a wheel the sdist's digest and provenance link. The sdist's
    // verified result must not be reused for the wheel: the attestation names the sdist.
    let (_dir, server) = serve(&fixture_index());
    let wheel = "sampleproject-4.0.0-py3-none-any.whl";
    respond(
        &server,
        "/simple/sampleproject/",
        200,
        JSON_PAGE,
        page(
            "sampleproject",
            &[
                (SAMPLE_SDIST, SAMPLE_SHA, Some(sample_link(&server))),
                (wheel, SAMPLE_SHA, Some(sample_link(&server))),
            ],
        ),
    );
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &server.index_url(),
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA)), (wheel, Some(SAMPLE_SHA))],
    );
    let evidence = gather_one(pkg, &options(&server));
    let by_name = |name: &str| {
        &evidence
            .artifacts
            .iter()
            .find(|a| a.filename.as_deref() == Some(name))
            .unwrap()
            .provenance
    };
    assert!(by_name(SAMPLE_SDIST).verified().is_some());
    let (reason, detail) = invalid_reason(by_name(wheel));
    assert_eq!(reason.as_str(), "subject-name", "{detail}");
}

#[test]
fn a_plain_http_provenance_link_to_another_origin_is_not_followed() {
    // The spec requires provenance on a secure origin. A page must not make pubgate send
    // plain-http requests to other hosts (metadata services, the runner's network).
    let (_dir2, elsewhere) = serve(&fixture_index());
    let (_dir, server) = serve(&FakeIndex::new());
    respond(
        &server,
        "/simple/sampleproject/",
        200,
        JSON_PAGE,
        page(
            "sampleproject",
            &[(SAMPLE_SDIST, SAMPLE_SHA, Some(sample_link(&elsewhere)))],
        ),
    );
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &server.index_url(),
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
    );
    let evidence = gather_one(pkg, &options(&server));
    let cause = cause(&evidence.artifacts[0].provenance);
    assert!(cause.contains("plain http"), "{cause}");
    assert_eq!(elsewhere.request_count(), 0, "nothing was asked elsewhere");

    // The index's own origin is fine, whatever its scheme (the fixture index links so).
    let (_dir3, same) = serve(&fixture_index());
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &same.index_url(),
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
    );
    assert!(gather_one(pkg, &options(&same)).artifacts[0]
        .provenance
        .verified()
        .is_some());
}

#[test]
fn a_file_without_filename_or_hash_is_still_accounted_for() {
    let (_dir, server) = serve(&fixture_index());
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &server.index_url(),
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA)), ("", None)],
    );
    let evidence = gather_one(pkg, &options(&server));
    assert_eq!(evidence.artifacts.len(), 2, "{:?}", evidence.artifacts);
    assert!(evidence.artifacts[0].provenance.verified().is_some());
    assert!(cause(&evidence.artifacts[1].provenance).contains("neither a filename nor a hash"));
}

#[test]
fn every_locked_artifact_gets_exactly_one_status() {
    // Verified, absent, hash mismatch, not on index, found by hash: five locked files in,
    // five statuses out, in lockfile order.
    let (_dir, server) = serve(&fixture_index());
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &server.index_url(),
        &[
            (SAMPLE_SDIST, Some(SAMPLE_SHA)),
            (SAMPLE_SDIST, Some(&sha("ee"))),
            ("sampleproject-4.0.0-cp99-none-any.whl", Some(&sha("dd"))),
            ("", Some(SAMPLE_SHA)),
            ("", Some(&sha("cc"))),
        ],
    );
    let evidence = gather_one(pkg, &options(&server));
    let statuses: Vec<String> = evidence
        .artifacts
        .iter()
        .map(|a| match &a.provenance {
            ProvenanceStatus::Invalid { reason, .. } => reason.as_str().to_string(),
            other => other.slug().to_string(),
        })
        .collect();
    assert_eq!(
        statuses,
        [
            "verified",
            "index-hash-mismatch",
            "not-on-index",
            "verified",
            "not-on-index"
        ]
    );
}

#[test]
fn unexpected_statuses_are_never_verified_or_absent() {
    // Project pages: anything but 200 and 404/410 is unavailable; 410 is "no such project".
    for (status, expected) in [
        (204, "unavailable"),
        (300, "unavailable"),
        (304, "unavailable"),
        (401, "unavailable"),
        (403, "unavailable"),
        (410, "invalid"),
        (451, "unavailable"),
    ] {
        let (_dir, server) = serve(&fixture_index());
        respond(
            &server,
            "/simple/sampleproject/",
            status,
            JSON_PAGE,
            br#"{"message": "no"}"#.to_vec(),
        );
        let pkg = package(
            "sampleproject",
            "4.0.0",
            &server.index_url(),
            &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
        );
        let evidence = gather_one(pkg, &options(&server));
        assert_eq!(
            evidence.artifacts[0].provenance.slug(),
            expected,
            "page HTTP {status}"
        );
    }
    // Provenance links the page gives: every refusal is unavailable, never absent.
    for status in [204, 300, 304, 401, 403, 404, 410, 451] {
        let (_dir, server) = serve(&fixture_index());
        respond(
            &server,
            "/integrity/**",
            status,
            "application/json",
            br#"{"message": "No provenance available for sampleproject-4.0.0.tar.gz"}"#.to_vec(),
        );
        let pkg = package(
            "sampleproject",
            "4.0.0",
            &server.index_url(),
            &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
        );
        let evidence = gather_one(pkg, &options(&server));
        assert_eq!(
            evidence.artifacts[0].provenance.slug(),
            "unavailable",
            "provenance HTTP {status}"
        );
    }
}

#[test]
fn a_plain_http_index_is_not_followed_to_another_origin() {
    // Anyone on the path of a plain-http index can answer with a redirect: to a metadata
    // service, to a host on the runner's network. Not followed, and no credentials leave.
    let (_dir2, elsewhere) = serve(&fixture_index());
    let (_dir, server) = serve(&FakeIndex::new());
    server.add_fault(
        FaultRule::new(
            "/simple/sampleproject/",
            Fault::Redirect(format!("{}/simple/sampleproject/", elsewhere.url())),
        )
        .unwrap(),
    );
    let url = server
        .index_url()
        .replace("http://", "http://alice:s3cr3t@");
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &url,
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
    );
    let evidence = gather_one(pkg, &options(&server));
    assert!(server.requests()[0].authorization.is_some());
    assert_eq!(
        elsewhere.request_count(),
        0,
        "the redirect was not followed"
    );
    let refused = cause(&evidence.artifacts[0].provenance);
    assert!(
        refused.contains("refusing a redirect from plain http") && !refused.contains("s3cr3t"),
        "{refused}"
    );

    // On its own origin a redirect is followed, with the credentials of that origin.
    let (_dir3, same) = serve(&fixture_index());
    same.add_fault(
        FaultRule::new(
            "/simple/sampleproject/",
            Fault::Redirect(format!("{}/simple/sampleproject/?moved", same.url())),
        )
        .unwrap()
        .times(1),
    );
    let url = same.index_url().replace("http://", "http://alice:s3cr3t@");
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &url,
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
    );
    let evidence = gather_one(pkg, &options(&same));
    assert!(evidence.artifacts[0].provenance.verified().is_some());
    assert!(
        same.count_matching("/simple/sampleproject/") >= 2,
        "redirected and followed"
    );
    assert!(same.requests().iter().all(|r| r.authorization.is_some()));
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn a_gzip_bomb_is_cut_off_at_the_limit_after_decompression() {
    // 64 MiB of JSON whitespace in about 64 KiB of gzip: the 4 MiB provenance limit must
    // hold for the decoded body, so the bomb is refused without being inflated in memory.
    let mut body = vec![b' '; 64 * 1024 * 1024];
    body[0] = b'{';
    *body.last_mut().unwrap() = b'}';
    let bomb = gzip(&body);
    drop(body);
    assert!(bomb.len() < 1024 * 1024, "{}", bomb.len());
    let (_dir, server) = serve(&fixture_index());
    server.add_fault(
        FaultRule::new(
            "/integrity/**",
            Fault::RespondWithHeaders {
                status: 200,
                content_type: "application/vnd.pypi.integrity.v1+json".into(),
                headers: vec![("Content-Encoding".into(), "gzip".into())],
                body: bomb.clone(),
            },
        )
        .unwrap(),
    );
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &server.index_url(),
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
    );
    let evidence = gather_one(pkg, &options(&server));
    let refused = cause(&evidence.artifacts[0].provenance);
    assert!(
        refused.contains("larger than the 4 MiB (4194304-byte) limit"),
        "{refused}"
    );

    // Pages alike, at their own limit.
    let (_dir, server) = serve(&fixture_index());
    server.add_fault(
        FaultRule::new(
            "/simple/**",
            Fault::RespondWithHeaders {
                status: 200,
                content_type: JSON_PAGE.into(),
                headers: vec![("Content-Encoding".into(), "gzip".into())],
                body: bomb,
            },
        )
        .unwrap(),
    );
    let mut opts = options(&server);
    opts.page_limit = 8 * 1024 * 1024;
    let pkg = package(
        "sampleproject",
        "4.0.0",
        &server.index_url(),
        &[(SAMPLE_SDIST, Some(SAMPLE_SHA))],
    );
    let evidence = gather_one(pkg, &opts);
    assert!(cause(&evidence.artifacts[0].provenance)
        .contains("larger than the 8 MiB (8388608-byte) limit"));
}
