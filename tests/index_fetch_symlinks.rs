//! `pubgate fetch --into DIR` on a checkout where the change under review planted symlinks:
//! nothing is ever written through one (a directory on the way, the file itself, a dangling
//! link, `DIR` itself), nothing leaves `DIR`, and the symlink is named in an error (exit 2,
//! as for any file `fetch` could not write).
#![cfg(unix)]

mod index_common;

use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use index_common::*;
use pubgate::testing::fake_pypi::{fixture_index, FakePypi};

struct Setup {
    _index: tempfile::TempDir,
    server: FakePypi,
    work: tempfile::TempDir,
    /// Where an attacker would like the bytes to go.
    outside: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let (index, server) = serve(&fixture_index());
        let work = tempfile::tempdir().unwrap();
        std::fs::write(
            work.path().join("requirements.txt"),
            format!("sampleproject==4.0.0 --hash=sha256:{SAMPLE_SHA}\n"),
        )
        .unwrap();
        Setup {
            _index: index,
            server,
            work,
            outside: tempfile::tempdir().unwrap(),
        }
    }

    fn vendor(&self) -> PathBuf {
        self.work.path().join("vendor")
    }

    /// `DIR/<host>` for the fake index.
    fn host_dir(&self) -> PathBuf {
        self.vendor()
            .join(format!("127.0.0.1_{}", self.server.addr().port()))
    }

    fn fetch(&self, into: &Path) -> (Option<i32>, String) {
        let output = Command::cargo_bin("pubgate")
            .unwrap()
            .timeout(Duration::from_secs(120))
            .current_dir(self.work.path())
            .env_remove("PUBGATE_INDEX_URL")
            .env("NO_PROXY", "127.0.0.1")
            .args(["fetch", "requirements.txt", "--into"])
            .arg(into)
            .args(["--index-url", &self.server.index_url(), "--no-cache"])
            .output()
            .unwrap();
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    }

    /// Every file under the outside directory.
    fn outside_files(&self) -> Vec<PathBuf> {
        let mut found = Vec::new();
        let mut stack = vec![self.outside.path().to_path_buf()];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    found.push(path);
                }
            }
        }
        found.sort();
        found
    }
}

fn assert_refused(code: Option<i32>, stderr: &str, link: &Path) {
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(&format!("`{}` is a symlink", link.display())),
        "the symlink is named: {stderr}"
    );
}

#[test]
fn a_clean_directory_is_written() {
    let setup = Setup::new();
    let (code, stderr) = setup.fetch(&setup.vendor());
    assert_eq!(code, Some(0), "{stderr}");
    assert!(setup
        .host_dir()
        .join("simple/sampleproject/index.json")
        .is_file());
    // A second run over its own output is fine too.
    let (code, stderr) = setup.fetch(&setup.vendor());
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_symlinked_directory_inside_the_target_is_never_written_through() {
    let setup = Setup::new();
    // The host directory, and (in another run) the project's page directory.
    for link in [
        setup.host_dir(),
        setup.host_dir().join("simple/sampleproject"),
    ] {
        let _ = std::fs::remove_dir_all(setup.vendor());
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        symlink(setup.outside.path(), &link).unwrap();
        let (code, stderr) = setup.fetch(&setup.vendor());
        assert_refused(code, &stderr, &link);
        assert_eq!(setup.outside_files(), Vec::<PathBuf>::new());
    }
}

#[test]
fn a_symlinked_file_is_never_written_through() {
    let setup = Setup::new();
    let victim = setup.outside.path().join("authorized_keys");
    std::fs::write(&victim, "original").unwrap();
    let page = setup.host_dir().join("simple/sampleproject/index.json");
    std::fs::create_dir_all(page.parent().unwrap()).unwrap();
    symlink(&victim, &page).unwrap();
    let (code, stderr) = setup.fetch(&setup.vendor());
    assert_refused(code, &stderr, &page);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "original");
    assert!(std::fs::symlink_metadata(&page).unwrap().is_symlink());
}

#[test]
fn dangling_symlinks_are_not_followed_into_new_files() {
    let setup = Setup::new();
    let target = setup.outside.path().join("created-by-pubgate");
    // A dangling link in place of a directory, of the page, of a provenance file, of the
    // README: none of them may create `target`.
    let provenance = setup
        .host_dir()
        .join("integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz.provenance");
    for link in [
        setup.host_dir().join("simple"),
        setup.host_dir().join("simple/sampleproject/index.json"),
        provenance,
        setup.vendor().join("README.txt"),
    ] {
        let _ = std::fs::remove_dir_all(setup.vendor());
        std::fs::create_dir_all(link.parent().unwrap()).unwrap();
        symlink(&target, &link).unwrap();
        let (code, stderr) = setup.fetch(&setup.vendor());
        assert_refused(code, &stderr, &link);
        assert!(!target.exists(), "{} was followed", link.display());
    }
}

#[test]
fn a_symlinked_target_directory_is_refused() {
    // `--into` must be a real directory: a symlink (planted, or left by anyone) could point
    // anywhere. The user can pass the directory it points to instead.
    let setup = Setup::new();
    let link = setup.work.path().join("vendor-link");
    symlink(setup.outside.path(), &link).unwrap();
    for into in [link.clone(), link.join(""), link.join(".")] {
        let (code, stderr) = setup.fetch(&into);
        assert_eq!(code, Some(2), "{stderr}");
        assert!(
            stderr.contains("is a symlink") && stderr.contains("never through a symlink"),
            "{stderr}"
        );
        assert_eq!(setup.outside_files(), Vec::<PathBuf>::new());
    }
    // Dangling, too.
    let dangling = setup.work.path().join("dangling");
    symlink(setup.outside.path().join("nowhere"), &dangling).unwrap();
    let (code, stderr) = setup.fetch(&dangling);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(!setup.outside.path().join("nowhere").exists());
    // The directory it points to is fine.
    let (code, stderr) = setup.fetch(setup.outside.path());
    assert_eq!(code, Some(0), "{stderr}");
}

#[test]
fn a_symlink_in_place_of_a_stale_answer_is_not_removed_through() {
    // Writing a page removes the other forms a previous fetch may have left; a symlink
    // there is refused too, and what it points to survives.
    let setup = Setup::new();
    let victim = setup.outside.path().join("keep");
    std::fs::write(&victim, "keep").unwrap();
    let stale = setup.host_dir().join("simple/sampleproject/index.html");
    std::fs::create_dir_all(stale.parent().unwrap()).unwrap();
    symlink(&victim, &stale).unwrap();
    let (code, stderr) = setup.fetch(&setup.vendor());
    assert_refused(code, &stderr, &stale);
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep");
}
