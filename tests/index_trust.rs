//! The index layer cannot be talked into a PASS, through the binary against a fake PyPI:
//!
//! - a poisoned cache (forged verification results, pages claiming absence or other file
//!   lists, any timestamp) never turns a deny into a pass, online or offline, and an
//!   offline run with only a warm cache fails closed;
//! - history compares with the last attested release, past unattested uploads, yanks and
//!   pre-releases;
//! - the run's deadline (`--deadline`) bounds the whole gathering.

mod e2e_support;
mod index_common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use e2e_support::{pubgate, uv_lock, Pkg, Run, Site};
use index_common::{signed, unsigned};
use pubgate::testing::fake_pypi::{tamper, FakeFile, FakeIndex, Fault, FaultRule};

// ---------------------------------------------------------------------------------------
// Helpers

/// `pubgate check uv.lock --format json` in `dir` against `site`, with extra arguments.
fn check(site: &Site, dir: &Path, args: &[&str]) -> Run {
    let mut all = vec!["uv.lock", "--format", "json"];
    all.extend_from_slice(args);
    site.check(dir, &all)
}

/// A project directory holding `uv.lock` for `packages` and `policy` as `pubgate.toml`.
fn project(packages: &[Pkg], policy: Option<&str>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("uv.lock"), uv_lock(packages)).unwrap();
    if let Some(policy) = policy {
        std::fs::write(dir.path().join("pubgate.toml"), policy).unwrap();
    }
    dir
}

/// (rule, package) of every finding at `deny` that is not exempted.
fn denied(run: &Run) -> BTreeSet<(String, String)> {
    run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["level"] == "deny" && f["exempted_by"].is_null())
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["package"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> BTreeSet<(String, String)> {
    list.iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
}

/// A tampered copy of a signed file (a broken signature: it verifies as invalid).
fn tampered(file: FakeFile) -> FakeFile {
    let bytes = tamper(file.provenance.as_deref().unwrap());
    FakeFile {
        provenance: Some(bytes),
        ..file
    }
}

/// The sdist and universal wheel of `name` `version`, signed by GitHub `repository`.
fn signed_release(name: &str, version: &str, repository: &str) -> Vec<FakeFile> {
    release_files(name, version)
        .iter()
        .map(|f| signed(f, repository))
        .collect()
}

fn unsigned_release(name: &str, version: &str) -> Vec<FakeFile> {
    release_files(name, version)
        .iter()
        .map(|f| unsigned(f))
        .collect()
}

fn release_files(name: &str, version: &str) -> [String; 2] {
    let dist = name.replace('-', "_");
    [
        format!("{dist}-{version}.tar.gz"),
        format!("{dist}-{version}-py3-none-any.whl"),
    ]
}

fn add(index: &mut FakeIndex, project: &str, files: Vec<FakeFile>) {
    for file in files {
        index.add(project, file);
    }
}

// ---------------------------------------------------------------------------------------
// Class 9: a poisoned cache

/// What each package does on the honest index, under [`POISON_POLICY`]:
/// - `pinned` 1.0: attested by `intruder/pinned`, the policy wants `pinned-dev/pinned` (PG201);
/// - `moved` 2.0: attested by `intruder/moved`, 1.0 by `moved-dev/moved` (PG202);
/// - `regressed` 2.0: unattested, 1.0 attested (PG203);
/// - `evil` 1.0: provenance with a broken signature (PG102);
/// - `good` 2.0: attested by `good-dev/good`, like 1.0 (passes).
fn poison_site() -> Site {
    let mut index = FakeIndex::new();
    add(
        &mut index,
        "pinned",
        signed_release("pinned", "1.0", "intruder/pinned"),
    );
    add(
        &mut index,
        "moved",
        signed_release("moved", "1.0", "moved-dev/moved"),
    );
    add(
        &mut index,
        "moved",
        signed_release("moved", "2.0", "intruder/moved"),
    );
    add(
        &mut index,
        "regressed",
        signed_release("regressed", "1.0", "regressed-dev/regressed"),
    );
    add(
        &mut index,
        "regressed",
        unsigned_release("regressed", "2.0"),
    );
    add(
        &mut index,
        "evil",
        signed_release("evil", "1.0", "evil-dev/evil")
            .into_iter()
            .map(tampered)
            .collect(),
    );
    add(
        &mut index,
        "good",
        signed_release("good", "1.0", "good-dev/good"),
    );
    add(
        &mut index,
        "good",
        signed_release("good", "2.0", "good-dev/good"),
    );
    Site::serve(&index)
}

const POISON_POLICY: &str = "schema = 1\n[[package]]\nnames = [\"pinned\"]\npublisher = { kind = \"github\", repository = \"pinned-dev/pinned\", workflow = \"release.yml\" }\n";

fn denied_packages() -> Vec<Pkg> {
    vec![
        Pkg::pypi("pinned", "1.0"),
        Pkg::pypi("moved", "2.0"),
        Pkg::pypi("regressed", "2.0"),
        Pkg::pypi("evil", "1.0"),
    ]
}

/// The locked version of each package of the poison site.
fn locked_version(project: &str) -> &'static str {
    match project {
        "pinned" | "evil" => "1.0",
        _ => "2.0",
    }
}

/// Every entry file under a cache directory, whatever its layout.
fn cache_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.file_name().unwrap() != "CACHEDIR.TAG" {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

fn copy_dir(from: &Path, to: &Path) {
    for file in cache_files(from) {
        let target = to.join(file.strip_prefix(from).unwrap());
        std::fs::create_dir_all(target.parent().unwrap()).unwrap();
        std::fs::copy(&file, &target).unwrap();
    }
}

/// A forger's edit: (kind, label, body) → the new body, or `None` to keep it.
type Forgery = fn(&str, &str, &[u8]) -> Option<Vec<u8>>;

/// How a forger stamps an entry's `stored_at`.
#[derive(Clone, Copy)]
enum Stamp {
    Now,
    Future,
    Past,
}

/// Rewrites every entry of the cache the way whoever can write the directory can: `edit`
/// gets the entry's kind, label and body and returns the new body (or `None` to keep it);
/// the envelope (length, sha256, timestamp) is rebuilt so every check of its integrity
/// passes. Works on any layout: it reads the entries pubgate wrote.
fn forge(cache: &Path, stamp: Stamp, edit: Forgery) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for path in cache_files(cache) {
        let bytes = std::fs::read(&path).unwrap();
        let Some(magic_end) = bytes.iter().position(|&b| b == b'\n') else {
            continue;
        };
        let rest = &bytes[magic_end + 1..];
        let Some(header_end) = rest.iter().position(|&b| b == b'\n') else {
            continue;
        };
        let Ok(mut header) = serde_json::from_slice::<serde_json::Value>(&rest[..header_end])
        else {
            continue;
        };
        let kind = header["kind"].as_str().unwrap_or("").to_string();
        let label = header["label"].as_str().unwrap_or("").to_string();
        let body = &rest[header_end + 1..];
        let body = edit(&kind, &label, body).unwrap_or_else(|| body.to_vec());
        header["len"] = body.len().into();
        header["sha256"] = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&body)).into();
        header["stored_at"] = match stamp {
            Stamp::Now => now,
            Stamp::Future => now + 10 * 24 * 3600,
            Stamp::Past => 0,
        }
        .into();
        let mut out = bytes[..=magic_end].to_vec();
        out.extend(serde_json::to_vec(&header).unwrap());
        out.push(b'\n');
        out.extend(body);
        std::fs::write(&path, out).unwrap();
    }
}

/// The project a page URL (`…/simple/<name>/`) is for.
fn page_project(label: &str) -> String {
    label
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string()
}

/// Verification results (any entry but provenance objects, whose digest is their key):
/// the intruders' names replaced by the expected publishers'.
fn results_claim_expected_publishers(kind: &str, label: &str, body: &[u8]) -> Option<Vec<u8>> {
    if kind == "provenance" {
        return None;
    }
    expected_publishers(kind, label, body)
}

/// Provenance objects: the unsigned claim PyPI adds edited to the expected publishers.
fn provenance_claims_expected_publishers(kind: &str, label: &str, body: &[u8]) -> Option<Vec<u8>> {
    if kind != "provenance" {
        return None;
    }
    expected_publishers(kind, label, body)
}

fn expected_publishers(_kind: &str, _label: &str, body: &[u8]) -> Option<Vec<u8>> {
    let text = String::from_utf8_lossy(body);
    if !text.contains("intruder/") {
        return None;
    }
    Some(
        text.replace("intruder/pinned", "pinned-dev/pinned")
            .replace("intruder/moved", "moved-dev/moved")
            .into_bytes(),
    )
}

/// Pages: every file said to have no provenance.
fn pages_claim_absence(kind: &str, _label: &str, body: &[u8]) -> Option<Vec<u8>> {
    if kind != "page" {
        return None;
    }
    let mut page: serde_json::Value = serde_json::from_slice(body).ok()?;
    for file in page["files"].as_array_mut()? {
        file["provenance"] = serde_json::Value::Null;
    }
    serde_json::to_vec(&page).ok()
}

/// Pages: only the locked release's files, as if the project had no history, and none
/// with provenance.
fn pages_without_history(kind: &str, label: &str, body: &[u8]) -> Option<Vec<u8>> {
    if kind != "page" {
        return None;
    }
    let project = page_project(label);
    let version = locked_version(&project);
    let mut page: serde_json::Value = serde_json::from_slice(body).ok()?;
    let files = page["files"].as_array_mut()?;
    files.retain(|f| {
        let name = f["filename"].as_str().unwrap_or("");
        name.starts_with(&format!("{project}-{version}.tar.gz"))
            || name.starts_with(&format!("{project}-{version}-"))
    });
    for file in files.iter_mut() {
        file["provenance"] = serde_json::Value::Null;
    }
    serde_json::to_vec(&page).ok()
}

const FORGERIES: [(&str, Forgery); 4] = [
    (
        "results claim the expected publishers",
        results_claim_expected_publishers,
    ),
    (
        "provenance claims the expected publishers",
        provenance_claims_expected_publishers,
    ),
    ("pages claim absence", pages_claim_absence),
    ("pages without history", pages_without_history),
];

#[test]
fn a_poisoned_cache_never_turns_a_deny_into_a_pass() {
    let site = poison_site();
    let dir = project(&denied_packages(), Some(POISON_POLICY));
    let warm = tempfile::tempdir().unwrap();
    let warm_arg = warm.path().display().to_string();
    let honest = check(&site, dir.path(), &["--cache-dir", &warm_arg]);
    honest.expect_code(1);
    let expected = pairs(&[
        ("publisher-mismatch", "pinned"),
        ("publisher-change", "moved"),
        ("provenance-regression", "regressed"),
        ("invalid-provenance", "evil"),
    ]);
    assert!(
        denied(&honest).is_superset(&expected),
        "{:?}",
        denied(&honest)
    );

    for (name, forgery) in FORGERIES {
        for stamp in [Stamp::Now, Stamp::Future, Stamp::Past] {
            let cache = tempfile::tempdir().unwrap();
            copy_dir(warm.path(), cache.path());
            forge(cache.path(), stamp, forgery);
            let cache_arg = cache.path().display().to_string();
            let online = check(&site, dir.path(), &["--cache-dir", &cache_arg]);
            online.expect_code(1);
            let offline = check(&site, dir.path(), &["--cache-dir", &cache_arg, "--offline"]);
            offline.expect_code(1);
            for (mode, run) in [("online", &online), ("offline", &offline)] {
                for package in ["pinned", "moved", "regressed", "evil"] {
                    assert!(
                        denied(run).iter().any(|(_, p)| p == package),
                        "{name}, {mode}: a forged cache let `{package}` pass: {:?}",
                        denied(run)
                    );
                }
            }
        }
    }
}

#[test]
fn offline_with_only_a_warm_cache_fails_closed() {
    let site = poison_site();
    let dir = project(&[Pkg::pypi("good", "2.0")], None);
    let cache = tempfile::tempdir().unwrap();
    let cache_arg = cache.path().display().to_string();
    check(&site, dir.path(), &["--cache-dir", &cache_arg]).expect_code(0);
    site.server.clear_log();
    let offline = check(&site, dir.path(), &["--cache-dir", &cache_arg, "--offline"]);
    offline.expect_code(1);
    assert_eq!(
        denied(&offline),
        pairs(&[("provenance-unavailable", "good")])
    );
    assert!(
        offline.stdout.contains("--provenance-dir"),
        "the finding says what to do: {}",
        offline.stdout
    );
    assert_eq!(site.server.request_count(), 0);

    // What does count offline: a vendored directory, with the cache for provenance bytes.
    let vendor = tempfile::tempdir().unwrap();
    let mut fetch = pubgate(dir.path());
    fetch
        .args(["fetch", "uv.lock", "--into"])
        .arg(vendor.path())
        .args(["--index-url", &site.index_url(), "--cache-dir", &cache_arg]);
    Run::of(fetch).expect_code(0);
    let vendor_arg = vendor.path().display().to_string();
    check(
        &site,
        dir.path(),
        &[
            "--cache-dir",
            &cache_arg,
            "--offline",
            "--provenance-dir",
            &vendor_arg,
        ],
    )
    .expect_code(0);
}

// ---------------------------------------------------------------------------------------
// Class 6: history past interposed and withdrawn releases

fn history_check(files: Vec<FakeFile>, locked: &str) -> Run {
    let mut index = FakeIndex::new();
    add(&mut index, "demo", files);
    let site = Site::serve(&index);
    let dir = project(&[Pkg::pypi("demo", locked)], None);
    check(&site, dir.path(), &[])
}

#[test]
fn an_unattested_upload_in_between_does_not_hide_lost_provenance() {
    let mut files = signed_release("demo", "1.0", "demo-dev/demo");
    files.extend(unsigned_release("demo", "1.1"));
    files.extend(unsigned_release("demo", "1.2"));
    let run = history_check(files, "1.2");
    run.expect_code(1);
    assert_eq!(denied(&run), pairs(&[("provenance-regression", "demo")]));
    let report = run.json();
    let message = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "provenance-regression")
        .unwrap()["message"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(message.contains("`1.0`"), "{message}");
}

#[test]
fn an_unattested_upload_in_between_does_not_hide_a_new_publisher() {
    let mut files = signed_release("demo", "1.0", "demo-dev/demo");
    files.extend(unsigned_release("demo", "1.1"));
    files.extend(signed_release("demo", "1.2", "intruder/demo"));
    let run = history_check(files, "1.2");
    run.expect_code(1);
    assert_eq!(denied(&run), pairs(&[("publisher-change", "demo")]));
}

#[test]
fn yanking_the_last_attested_release_does_not_hide_a_new_publisher() {
    let mut files: Vec<FakeFile> = signed_release("demo", "1.0", "demo-dev/demo")
        .into_iter()
        .map(FakeFile::yanked)
        .collect();
    files.extend(signed_release("demo", "1.1", "intruder/demo"));
    let run = history_check(files, "1.1");
    run.expect_code(1);
    assert_eq!(denied(&run), pairs(&[("publisher-change", "demo")]));
}

#[test]
fn a_pre_release_can_be_the_last_attested_release() {
    let mut files = signed_release("demo", "1.0rc1", "demo-dev/demo");
    files.extend(signed_release("demo", "1.0", "intruder/demo"));
    let run = history_check(files, "1.0");
    run.expect_code(1);
    assert_eq!(denied(&run), pairs(&[("publisher-change", "demo")]));
}

#[test]
fn a_release_with_the_same_publisher_past_unattested_uploads_passes() {
    let mut files = signed_release("demo", "1.0", "demo-dev/demo");
    files.extend(
        unsigned_release("demo", "1.1")
            .into_iter()
            .map(FakeFile::yanked),
    );
    files.extend(signed_release("demo", "1.2", "demo-dev/demo"));
    history_check(files, "1.2").expect_code(0);
}

#[test]
fn inspect_shows_the_last_attested_release_and_what_was_passed_over() {
    // The tampered 1.0 sits behind an unattested 1.1: it is the release compared with, and
    // its failure is evidence (never skipped).
    let mut index = FakeIndex::new();
    add(
        &mut index,
        "demo",
        signed_release("demo", "1.0", "demo-dev/demo")
            .into_iter()
            .map(tampered)
            .collect(),
    );
    add(&mut index, "demo", unsigned_release("demo", "1.1"));
    add(
        &mut index,
        "demo",
        signed_release("demo", "1.2", "intruder/demo"),
    );
    let site = Site::serve(&index);
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = pubgate(dir.path());
    cmd.args(["inspect", "demo==1.2", "--format", "json", "--no-cache"])
        .args(["--index-url", &site.index_url()])
        .arg("--trusted-root")
        .arg(&site.trusted_root);
    let run = Run::of(cmd);
    let report = run.json();
    let previous = &report["previous"];
    assert_eq!(previous["status"], "previous", "{report:#}");
    assert_eq!(previous["version"], "1.0");
    assert_eq!(previous["passed_over"], serde_json::json!(["1.1"]));
    let statuses: Vec<&str> = previous["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["provenance"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, ["invalid", "invalid"]);
}

// ---------------------------------------------------------------------------------------
// Class 7: the deadline covers the whole gathering

fn deadline_site() -> Site {
    let mut index = FakeIndex::new();
    add(
        &mut index,
        "demo",
        signed_release("demo", "1.0", "demo-dev/demo"),
    );
    add(
        &mut index,
        "other",
        signed_release("other", "1.0", "other-dev/other"),
    );
    Site::serve(&index)
}

/// The message of every finding of `run` for `package`.
fn messages(run: &Run, package: &str) -> Vec<String> {
    run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["package"] == package)
        .map(|f| f["message"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_hanging_index_ends_at_the_deadline_as_unavailable() {
    let site = deadline_site();
    site.server
        .add_fault(FaultRule::new("/simple/demo/", Fault::Hang).unwrap());
    let dir = project(&[Pkg::pypi("demo", "1.0"), Pkg::pypi("other", "1.0")], None);
    let run = check(&site, dir.path(), &["--timeout", "60", "--deadline", "2"]);
    run.expect_code(1);
    assert_eq!(denied(&run), pairs(&[("provenance-unavailable", "demo")]));
    let messages = messages(&run, "demo");
    assert!(
        messages.iter().all(|m| m.contains("deadline")),
        "{messages:?}"
    );
    let report = run.json();
    assert_eq!(
        e2e_support::statuses(&report, "other"),
        ["verified", "verified"]
    );
}

#[test]
fn slow_provenance_ends_at_the_deadline_as_unavailable() {
    let site = deadline_site();
    site.server.add_fault(
        FaultRule::new(
            "/integrity/demo/**",
            Fault::Latency(std::time::Duration::from_secs(30)),
        )
        .unwrap(),
    );
    let dir = project(&[Pkg::pypi("demo", "1.0")], None);
    let run = check(&site, dir.path(), &["--timeout", "60", "--deadline", "2"]);
    run.expect_code(1);
    let report = run.json();
    assert_eq!(
        e2e_support::statuses(&report, "demo"),
        ["unavailable", "unavailable"]
    );
    let messages = messages(&run, "demo");
    assert!(
        !messages.is_empty() && messages.iter().all(|m| m.contains("deadline")),
        "{messages:?}"
    );
}

#[test]
fn every_index_asking_command_takes_a_deadline() {
    let site = deadline_site();
    site.server
        .add_fault(FaultRule::new("/simple/demo/", Fault::Hang).unwrap());
    let dir = project(&[Pkg::pypi("demo", "1.0")], None);
    let mut inspect = pubgate(dir.path());
    inspect
        .args(["inspect", "demo==1.0", "--no-cache", "--timeout", "60"])
        .args(["--deadline", "1", "--index-url", &site.index_url()]);
    let run = Run::of(inspect);
    run.expect_code(2);
    assert!(run.stderr.contains("deadline"), "{}", run.stderr);

    let vendor = tempfile::tempdir().unwrap();
    let mut fetch = pubgate(dir.path());
    fetch
        .args([
            "fetch",
            "uv.lock",
            "--no-cache",
            "--timeout",
            "60",
            "--deadline",
            "1",
        ])
        .arg("--into")
        .arg(vendor.path())
        .args(["--index-url", &site.index_url()]);
    let run = Run::of(fetch);
    run.expect_code(1);
    assert!(run.stderr.contains("deadline"), "{}", run.stderr);

    let mut bad = pubgate(dir.path());
    bad.args(["check", "uv.lock", "--deadline", "0"]);
    let run = Run::of(bad);
    run.expect_code(2);
    assert!(run.stderr.contains("--deadline"), "{}", run.stderr);
}

#[test]
fn the_deadline_covers_parsing_a_hostile_page() {
    // Many `&` without `;` made entity decoding quadratic (minutes for this page). Whether
    // or not the parser is linear, the gate ends by its deadline and fails closed: the
    // package is unavailable (cut off) or has no release on the page, never a pass.
    let site = deadline_site();
    let page = format!(
        "<!DOCTYPE html><html><body><a href=\"/files/demo-1.0.tar.gz\">{}</a></body></html>",
        "&".repeat(1_500_000)
    );
    std::fs::write(site.server.root().join("simple/demo/index.html"), page).unwrap();
    site.server.set_html_only(true);
    let dir = project(&[Pkg::pypi("demo", "1.0")], None);
    let run = check(&site, dir.path(), &["--deadline", "2"]);
    run.expect_code(1);
    let denied = denied(&run);
    assert!(
        denied.contains(&("provenance-unavailable".into(), "demo".into()))
            || denied.contains(&("invalid-provenance".into(), "demo".into())),
        "{denied:?}"
    );
}
