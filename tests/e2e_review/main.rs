//! Policy as code, through the binary against a fake PyPI: `pubgate init` and `init
//! --update`, `pubgate diff` (two files and `--base` from a git repository), reports
//! readable at scale (a shared cause once, GitHub's annotation limit, "who publishes what"
//! folded, `--verbose`), PEP 751 attestation identities (matched, mismatched, filled), and
//! `pubgate policy explain`; and the README sections about them, kept true. One test binary
//! (each links everything).

#[path = "../e2e_support/mod.rs"]
mod e2e_support;

mod diff;
mod explain;
mod identities;
mod init;
mod readme;
mod scale;

use std::path::Path;
use std::sync::OnceLock;

use e2e_support::*;
use pubgate::testing::fake_pypi::{
    index_from_lockfiles, BuildOptions, FakePublisher, MintRequest, Minter, SignerMinter,
};

/// The packages of the shared fake PyPI, at the versions the "new" side locks; the index
/// also has each one's previous release (`1.1` → `1.0`), which the "old" side locks:
/// - `good` 1.1 (and 1.0): attested by `good-dev/good`, like every package unless said;
/// - `moved` 2.1, whose 2.0 came from `someone-else/moved`;
/// - `hop` 2.1, whose 2.0 came from `someone-else/hop`;
/// - `regressed` 3.1 not attested, 3.0 attested;
/// - `fresh` 1.0 and `legacy` 1.0 not attested, nor their earlier releases;
/// - `gone` 0.5;
/// - `skip` 3.0 (and 2.0) attested, and `skip` 1.0 (and 0.0) from `someone-else/skip`;
/// - `twin-a` and `twin-b` 1.0, both attested by `twins-dev/twins`.
pub fn universe() -> Vec<Pkg> {
    vec![
        Pkg::pypi("good", "1.1"),
        Pkg::pypi("moved", "2.1"),
        Pkg::pypi("hop", "2.1"),
        Pkg::pypi("regressed", "3.1"),
        Pkg::pypi("fresh", "1.0"),
        Pkg::pypi("legacy", "1.0"),
        Pkg::pypi("gone", "0.5"),
        Pkg::pypi("skip", "3.0"),
        Pkg::pypi("twin-a", "1.0"),
        Pkg::pypi("twin-b", "1.0"),
    ]
}

/// The publisher both twins share.
pub fn twins() -> FakePublisher {
    FakePublisher::github("twins-dev/twins", "release.yml", Some("pypi"))
}

pub fn site() -> &'static Site {
    static SITE: OnceLock<Site> = OnceLock::new();
    SITE.get_or_init(|| {
        let options = BuildOptions {
            unattested: vec!["regressed".into(), "fresh".into(), "legacy".into()],
            previous_unattested: vec!["legacy".into(), "fresh".into()],
            publisher_change: vec!["moved".into(), "hop".into()],
            ..BuildOptions::default()
        };
        let minter = |request: &MintRequest<'_>| {
            let other = FakePublisher::github("someone-else/skip", "publish.yml", None);
            let twins = twins();
            let publisher = if request.filename.starts_with("twin_") {
                &twins
            } else if request.filename.starts_with("skip-1.0")
                || request.filename.starts_with("skip-0.0")
            {
                &other
            } else {
                request.publisher
            };
            SignerMinter.mint(&MintRequest {
                publisher,
                ..request.clone()
            })
        };
        let scratch = tempfile::tempdir().unwrap();
        let read = |name: &str, text: String| {
            let path = scratch.path().join(name);
            std::fs::write(&path, text).unwrap();
            pubgate::lockfile::read(&path, None).unwrap()
        };
        let lockfiles = [
            read("uv.lock", uv_lock(&universe())),
            // `skip` 1.0 is a release of its own (no "previous release" of 3.0).
            read("extra.uv.lock", uv_lock(&[Pkg::pypi("skip", "1.0")])),
        ];
        let index = index_from_lockfiles(&lockfiles, &options, &minter).unwrap();
        Site::serve_shared("e2e_review", &index)
    })
}

/// A package of the universe, at `version` (its own, or its previous release's).
pub fn pkg(name: &str, version: &str) -> Pkg {
    Pkg::pypi(name, version)
}

/// `pubgate COMMAND ARGS…` in `cwd` against `site`: the test trust root, no cache, short
/// timeouts.
pub fn run_on(site: &Site, cwd: &Path, command: &str, args: &[&str]) -> Run {
    let mut cmd = pubgate(cwd);
    cmd.arg(command)
        .args(args)
        .args(["--index-url", &site.index_url()])
        .arg("--trusted-root")
        .arg(&site.trusted_root)
        .args(["--no-cache", "--timeout", "10"]);
    Run::of(cmd)
}

/// [`run_on`] the shared site.
pub fn run(cwd: &Path, command: &str, args: &[&str]) -> Run {
    run_on(site(), cwd, command, args)
}

/// The repository's file at `path`.
pub fn repo_file(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}
