//! The acceptance check: `pubgate check` on any lockfile in `fixtures/lockfiles/`, against a
//! fake PyPI built from it (every index package attested by the test signer, with an
//! earlier release), runs clean and reports every index package as verified. The only
//! findings are the ones the lockfile itself implies, predicted from its `.expected.json`
//! (derived independently of pubgate's readers) where there is one.
//!
//! Every file in the directory is checked, so lockfiles added later are covered without
//! touching this test. Packages a lockfile takes from another index than PyPI cannot be
//! served by the fake PyPI (they are looked up where the lockfile says, which the test
//! environment blocks): for them `other-index` is required and `provenance-unavailable`
//! tolerated.

mod e2e_support;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use e2e_support::*;
use pubgate::dist::normalize_name;
use pubgate::lockfile::{Lockfile, Source};
use pubgate::testing::fake_pypi::{default_minter, index_from_lockfiles, BuildOptions};
use serde_json::Value;

/// The directories with their own test below; any other directory is checked by
/// `other_directories`.
const KNOWN: [&str; 7] = [
    "uv",
    "poetry",
    "pdm",
    "pipfile",
    "pylock",
    "requirements",
    "bench",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/lockfiles")
}

/// The lockfiles of a directory: every file but expectations, notes and project files.
fn lockfiles_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .filter(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            !(name.ends_with(".json")
                || name.ends_with(".md")
                || name.ends_with("pyproject.toml")
                || name.starts_with('.'))
        })
        .collect();
    files.sort();
    files
}

/// Checks every lockfile of `fixtures/lockfiles/<dir>` and fails with every problem found.
fn check_directory(dir: &str) {
    let lockfiles = lockfiles_in(&root().join(dir));
    assert!(!lockfiles.is_empty(), "no lockfile in {dir}");
    check_all(&lockfiles);
}

/// Checks each lockfile and fails with every problem found.
fn check_all(lockfiles: &[PathBuf]) {
    let problems: Vec<String> = lockfiles
        .iter()
        .flat_map(|path| {
            let shown = path
                .strip_prefix(root())
                .unwrap_or(path)
                .display()
                .to_string();
            check_lockfile(path)
                .into_iter()
                .map(move |p| format!("{shown}: {p}"))
        })
        .collect();
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

#[test]
fn uv() {
    check_directory("uv");
}

#[test]
fn poetry() {
    check_directory("poetry");
}

#[test]
fn pdm() {
    check_directory("pdm");
}

#[test]
fn pipfile() {
    check_directory("pipfile");
}

#[test]
fn pylock() {
    check_directory("pylock");
}

#[test]
fn requirements() {
    check_directory("requirements");
}

/// The large lockfiles (471 packages, 8137 files each): the slowest test of the suite.
#[test]
fn bench() {
    check_directory("bench");
}

#[test]
fn other_directories() {
    for entry in std::fs::read_dir(root()).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        if path.is_dir() && !KNOWN.contains(&name.as_str()) {
            check_directory(&name);
        }
    }
    // Lockfiles directly in `fixtures/lockfiles/`, if any.
    check_all(&lockfiles_in(&root()));
}

/// Shapes real lockfiles have that the fixtures may not: a `.zip` sdist, a wheel with a
/// build tag, a dotted project name, an epoch, a post release, a name whose files are
/// spelled differently, a legacy `.tar.bz2` sdist and `.egg`, and the same release locked
/// twice for two forks with different files.
const ODD_UV_LOCK: &str = r#"version = 1
revision = 3
requires-python = ">=3.9"
resolution-markers = [
    "sys_platform == 'win32'",
    "sys_platform != 'win32'",
]

[[package]]
name = "zipsdist"
version = "1.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/packages/zipsdist-1.0.zip", hash = "sha256:1111111111111111111111111111111111111111111111111111111111111111", size = 1 }

[[package]]
name = "buildtag"
version = "2.0"
source = { registry = "https://pypi.org/simple" }
wheels = [
    { url = "https://files.pythonhosted.org/packages/buildtag-2.0-1-py3-none-any.whl", hash = "sha256:2222222222222222222222222222222222222222222222222222222222222222", size = 1 },
]

[[package]]
name = "zope-interface"
version = "6.0"
source = { registry = "https://pypi.org/simple/" }
sdist = { url = "https://files.pythonhosted.org/packages/zope.interface-6.0.tar.gz", hash = "sha256:3333333333333333333333333333333333333333333333333333333333333333", size = 1 }
wheels = [
    { url = "https://files.pythonhosted.org/packages/zope.interface-6.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl", hash = "sha256:4444444444444444444444444444444444444444444444444444444444444444", size = 1 },
]

[[package]]
name = "epoch"
version = "1!2.0"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/packages/epoch-1!2.0.tar.gz", hash = "sha256:5555555555555555555555555555555555555555555555555555555555555555", size = 1 }

[[package]]
name = "pyyaml"
version = "6.0.1"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/packages/PyYAML-6.0.1.tar.gz", hash = "sha256:6666666666666666666666666666666666666666666666666666666666666666", size = 1 }

[[package]]
name = "pytz"
version = "2023.3.post1"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/packages/pytz-2023.3.post1.tar.gz", hash = "sha256:7777777777777777777777777777777777777777777777777777777777777777", size = 1 }

[[package]]
name = "oldsdist"
version = "0.9"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/packages/oldsdist-0.9.tar.bz2", hash = "sha256:8888888888888888888888888888888888888888888888888888888888888888", size = 1 }

[[package]]
name = "forked"
version = "1.5"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["sys_platform == 'win32'"]
wheels = [
    { url = "https://files.pythonhosted.org/packages/forked-1.5-cp312-cp312-win_amd64.whl", hash = "sha256:9999999999999999999999999999999999999999999999999999999999999999", size = 1 },
]

[[package]]
name = "forked"
version = "1.5"
source = { registry = "https://pypi.org/simple" }
resolution-markers = ["sys_platform != 'win32'"]
sdist = { url = "https://files.pythonhosted.org/packages/forked-1.5.tar.gz", hash = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", size = 1 }
"#;

/// Requirements shapes: upper-case names and extras, markers splitting one package over two
/// versions, `===`, an explicit PyPI index, hashes on continuation lines, and a pin with
/// no hash at all.
const ODD_REQUIREMENTS: &str = r#"--index-url https://pypi.org/simple/
Django[argon2]==4.2.7 \
    --hash=sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
numpy==1.24.4 ; python_version < "3.9" \
    --hash=sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc
numpy==1.26.4 ; python_version >= "3.9" \
    --hash=sha256:dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd \
    --hash=sha256:eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee
arbitrary===2.0.post3
"#;

/// A package from another index (looked up there, which the test environment blocks: it
/// must come out `other-index` and `provenance-unavailable`, never pass) beside one from
/// PyPI.
const OTHER_INDEX_UV_LOCK: &str = r#"version = 1
requires-python = ">=3.9"

[[package]]
name = "torch"
version = "2.5.1+cpu"
source = { registry = "https://download.pytorch.org/whl/cpu" }
wheels = [
    { url = "https://download.pytorch.org/whl/cpu/torch-2.5.1%2Bcpu-cp312-cp312-linux_x86_64.whl", hash = "sha256:1111111111111111111111111111111111111111111111111111111111111111" },
]

[[package]]
name = "filelock"
version = "3.16.1"
source = { registry = "https://pypi.org/simple" }
sdist = { url = "https://files.pythonhosted.org/packages/filelock-3.16.1.tar.gz", hash = "sha256:2222222222222222222222222222222222222222222222222222222222222222" }
"#;

/// A poetry 1.1 lock with a release from before PEP 740 (Windows installers beside a
/// `.zip` sdist: the fake PyPI attests none of it, so it is `absent`), beside wheels and an
/// sdist that are attested.
const LEGACY_POETRY_LOCK: &str = r#"[[package]]
name = "pyreadline"
version = "2.1"
description = "A python implmementation of GNU readline."
category = "dev"
optional = false
python-versions = "*"

[[package]]
name = "pywin32"
version = "227"
description = "Python for Window Extensions"
category = "main"
optional = false
python-versions = "*"

[[package]]
name = "docopt"
version = "0.6.2"
description = "Pythonic argument parser"
category = "main"
optional = false
python-versions = "*"

[metadata]
lock-version = "1.1"
python-versions = "^3.7"
content-hash = "728bc093f740faad6db2b3a1c7a61ea05ca6c6a998b1f144f071cdea5a3b2771"

[metadata.files]
pyreadline = [
    {file = "pyreadline-2.1.win-amd64.exe", hash = "sha256:9ce5fa65b8992dfa373bddc5b6e0864ead8f291c94fbfec05fbd5c836162e67b"},
    {file = "pyreadline-2.1.win32.exe", hash = "sha256:65540c21bfe14405a3a77e4c085ecfce88724743a4ead47c66b84defcf82c32e"},
    {file = "pyreadline-2.1.zip", hash = "sha256:4530592fc2e85b25b1a9f79664433da09237c1a270e4d78ea5aa3a2c7229e2d1"},
]
pywin32 = [
    {file = "pywin32-227-cp27-cp27m-win32.whl", hash = "sha256:371fcc39416d736401f0274dd64c2302728c9e034808e37381b5e1b22be4a6b0"},
    {file = "pywin32-227-cp38-cp38-win_amd64.whl", hash = "sha256:7c1ae32c489dc012930787f06244426f8356e129184a02c25aef163917ce158e"},
]
docopt = [
    {file = "docopt-0.6.2.tar.gz", hash = "sha256:49b3a825280bd66b3aa83585ef59c4a8c82f2c8a522dbe754a8bc8d08c85c491"},
]
"#;

#[test]
fn odd_but_real_shapes() {
    let dir = tempfile::tempdir().unwrap();
    let mut problems = Vec::new();
    for (name, text) in [
        ("uv.lock", ODD_UV_LOCK),
        ("requirements.txt", ODD_REQUIREMENTS),
        ("other.py.lock", OTHER_INDEX_UV_LOCK),
        ("poetry.lock", LEGACY_POETRY_LOCK),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        problems.extend(
            check_lockfile(&path)
                .into_iter()
                .map(|p| format!("{name}: {p}")),
        );
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// A name and version, compared as PEP 503 / PEP 440 say.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Release {
    name: String,
    version: String,
}

impl Release {
    fn new(name: &str, version: &str) -> Release {
        let version = pep440_rs::Version::from_str(version)
            .map(|v| v.to_string())
            .unwrap_or_else(|_| version.to_string());
        Release {
            name: normalize_name(name),
            version,
        }
    }
}

/// What the lockfile itself implies, from its `.expected.json` where there is one, else
/// from pubgate's reader.
struct Expected {
    index_packages: BTreeSet<Release>,
    /// Names that may get PG003 (every non-index source with a name).
    non_index_names: BTreeSet<String>,
    /// Names that must get PG003: sources that are downloaded (git, URL, archive, file).
    non_index_required: BTreeSet<String>,
    /// Names that must get PG001 (`None`: the expectation does not say).
    unpinned: Option<BTreeSet<String>>,
}

fn name_of(entry: &Value) -> Option<String> {
    match entry {
        Value::Array(parts) => parts.first()?.as_str().map(normalize_name),
        Value::Object(map) => map.get("name")?.as_str().map(normalize_name),
        _ => None,
    }
}

fn expected(path: &Path, lock: &Lockfile) -> Expected {
    let file = PathBuf::from(format!("{}.expected.json", path.display()));
    let Ok(text) = std::fs::read_to_string(&file) else {
        // No expectation (the bench lockfiles): the reader's view.
        return Expected {
            index_packages: lock
                .packages
                .iter()
                .filter(|p| p.source.is_index())
                .filter_map(|p| Some(Release::new(&p.name, p.version.as_deref()?)))
                .collect(),
            non_index_names: lock
                .packages
                .iter()
                .filter(|p| !p.source.is_index())
                .map(|p| normalize_name(&p.name))
                .collect(),
            non_index_required: lock
                .packages
                .iter()
                .filter(|p| matches!(p.source, Source::Git { .. } | Source::Url { .. }))
                .map(|p| normalize_name(&p.name))
                .collect(),
            unpinned: Some(
                lock.unpinned
                    .iter()
                    .map(|u| normalize_name(&u.name))
                    .collect(),
            ),
        };
    };
    let json: Value = serde_json::from_str(&text).unwrap();
    let index_packages = json["index_packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|pair| {
            Release::new(
                pair[0].as_str().unwrap(),
                pair[1].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let sources = json["non_index_sources"].as_array().unwrap();
    let downloaded = ["git", "vcs", "url", "archive", "file", "local-file"];
    Expected {
        index_packages,
        non_index_names: sources.iter().filter_map(name_of).collect(),
        non_index_required: sources
            .iter()
            .filter(|s| downloaded.contains(&s["kind"].as_str().unwrap_or_default()))
            .filter_map(name_of)
            .collect(),
        unpinned: json
            .get("unpinned")
            .and_then(Value::as_array)
            .map(|list| list.iter().filter_map(name_of).collect())
            .or_else(|| Some(BTreeSet::new())),
    }
}

/// Builds a fake PyPI from the lockfile, checks it through the binary, and lists what is
/// wrong with the report.
fn check_lockfile(path: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    let lock = match pubgate::lockfile::read(path, None) {
        Ok(lock) => lock,
        Err(e) => return vec![format!("cannot be read: {e}")],
    };
    let expected = expected(path, &lock);
    let index = index_from_lockfiles(
        std::slice::from_ref(&lock),
        &BuildOptions::default(),
        default_minter().as_ref(),
    )
    .unwrap();
    let site = Site::serve(&index);
    // Run from an empty directory with the lockfile's absolute path: includes resolve
    // next to the lockfile, and no policy is discovered (the built-in one applies).
    let cwd = tempfile::tempdir().unwrap();
    let run = site.check(cwd.path(), &[path.to_str().unwrap(), "--format", "json"]);
    drop(site);
    if !matches!(run.code, Some(0 | 1)) {
        return vec![format!(
            "exit {:?}\n{}\n{}",
            run.code, run.stdout, run.stderr
        )];
    }
    if !run.stderr.is_empty() {
        problems.push(format!("stderr: {}", run.stderr));
    }
    let report = run.json();

    // Every locked package is in the report; each index package from PyPI is verified.
    let packages = report["packages"].as_array().unwrap();
    if packages.len() != lock.packages.len() {
        problems.push(format!(
            "{} packages in the report, {} in the lockfile",
            packages.len(),
            lock.packages.len()
        ));
    }
    // Releases with a file PyPI cannot attest (`.egg`, `.tar.bz2`, …) predate PEP 740: the
    // fake PyPI gives them no provenance, so they are `absent` with PG101.
    let legacy: BTreeSet<String> = lock
        .packages
        .iter()
        .filter(|p| matches!(&p.source, Source::Index { url } if pubgate::url::is_pypi_index(url.expose())))
        .filter(|p| {
            p.artifacts.iter().any(|a| {
                !a.filename.is_empty() && pubgate::dist::DistFilename::parse(&a.filename).is_err()
            })
        })
        .map(|p| normalize_name(&p.name))
        .collect();
    let mut other_index = BTreeSet::new();
    let mut verified = BTreeSet::new();
    for package in packages {
        let name = package["name"].as_str().unwrap();
        let spec = format!("{name}=={}", package["version"].as_str().unwrap_or("?"));
        let artifacts = package["artifacts"].as_array().unwrap();
        let statuses: BTreeSet<&str> = artifacts
            .iter()
            .map(|a| a["provenance"].as_str().unwrap())
            .collect();
        let source = &package["source"];
        if source["kind"] != "index" {
            if statuses.iter().any(|s| *s != "not-applicable") {
                problems.push(format!("{spec} ({source}): {statuses:?}"));
            }
            continue;
        }
        let from_pypi = pubgate::url::is_pypi_index(source["url"].as_str().unwrap());
        if !from_pypi {
            other_index.insert(name.to_string());
            if statuses.contains("invalid") {
                problems.push(format!("{spec} from {}: invalid", source["url"]));
            }
            continue;
        }
        if legacy.contains(name) {
            if statuses != BTreeSet::from(["absent"]) {
                problems.push(format!("{spec} has files PyPI cannot attest: {statuses:?}"));
            }
            continue;
        }
        if artifacts.is_empty() || statuses != BTreeSet::from(["verified"]) {
            let details: Vec<String> = artifacts
                .iter()
                .filter(|a| a["provenance"] != "verified")
                .map(|a| format!("{} {} {}", a["filename"], a["provenance"], a["detail"]))
                .collect();
            problems.push(format!("{spec} is not verified: {}", details.join("; ")));
            continue;
        }
        if let Some(version) = package["version"].as_str() {
            verified.insert(Release::new(name, version));
        }
    }
    for release in &expected.index_packages {
        let found = verified.contains(release)
            || legacy.contains(&release.name)
            || (other_index.contains(&release.name)
                && packages.iter().any(|p| {
                    p["name"] == release.name.as_str()
                        && p["version"]
                            .as_str()
                            .map(|v| Release::new(&release.name, v))
                            == Some(release.clone())
                }));
        if !found {
            problems.push(format!(
                "{}=={} is expected from an index but is not reported verified",
                release.name, release.version
            ));
        }
    }

    // The findings are the ones the lockfile implies, and all of them are there.
    let unhashed: BTreeSet<String> = lock
        .packages
        .iter()
        .filter(|p| matches!(p.source, Source::Index { .. } | Source::Url { .. }))
        .filter(|p| p.artifacts.is_empty() || p.artifacts.iter().any(|a| a.sha256.is_none()))
        .map(|p| normalize_name(&p.name))
        .collect();
    // Every source that is not an index is PG003, editable and unnamed ones included.
    let non_index_read: BTreeSet<String> = lock
        .packages
        .iter()
        .filter(|p| !p.source.is_index())
        .map(|p| normalize_name(&p.name))
        .collect();
    // Sources other than PyPI the lockfile names: PG006 under the built-in policy.
    let foreign_sources = !other_index.is_empty()
        || lock.indexes.iter().any(|i| {
            i.kind == pubgate::lockfile::IndexKind::TrustedHost
                || !pubgate::url::is_pypi_index(i.url.expose())
        });
    let mut found: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for finding in report["findings"].as_array().unwrap() {
        let rule = finding["rule"].as_str().unwrap();
        let package = finding["package"].as_str().unwrap_or_default().to_string();
        let implied = match rule {
            "unpinned-requirement" => expected
                .unpinned
                .as_ref()
                .is_none_or(|names| names.contains(&package)),
            "unhashed-artifact" => unhashed.contains(&package),
            "non-index-source" => {
                expected.non_index_names.contains(&package) || non_index_read.contains(&package)
            }
            "index-not-allowed" => foreign_sources && package.is_empty(),
            "other-index" | "provenance-unavailable" => other_index.contains(&package),
            "missing-provenance" => legacy.contains(&package),
            _ => false,
        };
        if !implied {
            problems.push(format!("unexpected finding: {finding}"));
        }
        found.entry(rule).or_default().insert(package);
    }
    let mut require = |rule: &str, names: &BTreeSet<String>| {
        let got = found.get(rule).cloned().unwrap_or_default();
        let missing: Vec<&String> = names.difference(&got).collect();
        if !missing.is_empty() {
            problems.push(format!("no {rule} finding for {missing:?}"));
        }
    };
    require("non-index-source", &expected.non_index_required);
    require("unhashed-artifact", &unhashed);
    require("other-index", &other_index);
    require("missing-provenance", &legacy);
    if let Some(unpinned) = &expected.unpinned {
        require("unpinned-requirement", unpinned);
    }
    let summary = &report["summary"];
    if summary["invalid"] != 0 {
        problems.push(format!("invalid provenance: {summary}"));
    }
    if other_index.is_empty() && summary["unavailable"] != 0 {
        problems.push(format!("unavailable provenance: {summary}"));
    }
    problems
}
