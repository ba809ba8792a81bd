//! The artifact URL an installer downloads from is evidence (PG008 foreign-artifact-url):
//! a uv.lock that keeps a package's name, version and filenames — so the index's genuine,
//! attested files are examined — but points an unhashed file's URL elsewhere makes uv
//! download other bytes. Against the fake PyPI on loopback.

mod e2e_support;

use e2e_support::*;
use pubgate::testing::fake_pypi::{BuildOptions, SignerMinter};
use serde_json::Value;

const SDIST: &str = "sampleproject-4.0.0.tar.gz";

/// A uv.lock locking `sampleproject` 4.0.0's sdist at `url`, with `hash` when given.
fn lock(url: &str, hash: Option<&str>) -> String {
    let hash = hash
        .map(|h| format!(", hash = \"sha256:{h}\""))
        .unwrap_or_default();
    format!(
        "version = 1\nrevision = 3\nrequires-python = \">=3.9\"\n\n[[package]]\nname = \"sampleproject\"\nversion = \"4.0.0\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\nsdist = {{ url = \"{url}\"{hash}, size = 1024 }}\n"
    )
}

/// The findings of `check --format json` as (rule, level, message).
fn findings(run: &Run) -> Vec<(String, String, String)> {
    run.json()["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f: &Value| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["level"].as_str().unwrap().to_string(),
                f["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn site() -> Site {
    Site::for_lockfile(
        "uv.lock",
        &lock(&format!("https://x.example/{SDIST}"), None),
        &BuildOptions::default(),
        &SignerMinter,
    )
}

fn check(site: &Site, text: &str, policy: Option<&str>) -> Run {
    let dir = project(&[("uv.lock", text)]);
    let mut args = vec!["uv.lock", "--format", "json"];
    if let Some(policy) = policy {
        std::fs::write(dir.path().join("policy.toml"), policy).unwrap();
        args.extend(["--policy", "policy.toml"]);
    }
    site.check(dir.path(), &args)
}

#[test]
fn an_unhashed_file_from_another_url_is_a_finding() {
    let site = site();
    let base = site
        .index_url()
        .trim_end_matches('/')
        .trim_end_matches("/simple")
        .to_string();
    let index_url = format!("{base}/files/{SDIST}");

    // the index's own URL: nothing to say about it
    let run = check(&site, &lock(&index_url, None), None);
    let found = findings(&run);
    assert!(
        !found.iter().any(|f| f.0 == "foreign-artifact-url"),
        "{found:#?}"
    );

    // another host: the installer downloads bytes nobody examined
    let run = check(
        &site,
        &lock(&format!("https://evil.example/{SDIST}"), None),
        None,
    );
    run.expect_code(0);
    let found = findings(&run);
    let foreign: Vec<_> = found
        .iter()
        .filter(|f| f.0 == "foreign-artifact-url")
        .collect();
    assert_eq!(foreign.len(), 1, "{found:#?}");
    assert_eq!(foreign[0].1, "warn");
    assert!(
        foreign[0]
            .2
            .contains("https://evil.example/sampleproject-4.0.0.tar.gz")
            && foreign[0].2.contains(&index_url),
        "{}",
        foreign[0].2
    );

    // where the policy requires provenance, the bytes installed have none: deny
    let run = check(
        &site,
        &lock(&format!("https://evil.example/{SDIST}"), None),
        Some("schema = 1\n[rules]\nmissing-provenance = \"deny\"\n"),
    );
    run.expect_code(1);
    let found = findings(&run);
    assert!(
        found
            .iter()
            .any(|f| f.0 == "missing-provenance" && f.1 == "deny" && f.2.contains("evil.example")),
        "{found:#?}"
    );
}

#[test]
fn a_locked_hash_binds_a_file_from_any_url() {
    let site = site();
    let sha = pubgate::testing::fake_pypi::synthetic_sha256(SDIST);
    let run = check(
        &site,
        &lock(&format!("https://mirror.example/{SDIST}"), Some(&sha)),
        None,
    );
    let found = findings(&run);
    assert!(
        !found.iter().any(|f| f.0 == "foreign-artifact-url"),
        "{found:#?}"
    );
}
