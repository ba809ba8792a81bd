//! Every real lockfile in `fixtures/lockfiles/` read by the library and by the binary
//! (`pubgate lock --format json`), checked against its `.expected.json` (derived
//! independently, with tomllib/json walks and pip's own parser); the same with CRLF line
//! endings; and the uv fast path against the plain TOML path.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use assert_cmd::Command;
use serde_json::Value;

use pubgate::lockfile::{self, is_pypi_index, Lockfile};

/// Every lockfile fixture that has an `.expected.json`.
fn fixtures() -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in std::fs::read_dir("fixtures/lockfiles").unwrap() {
        let dir = dir.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&dir).unwrap() {
            let file = file.unwrap().path();
            let expected = PathBuf::from(format!("{}.expected.json", file.display()));
            if expected.exists() {
                found.push(file);
            }
        }
    }
    found.sort();
    assert!(found.len() >= 29, "fixtures missing: {found:?}");
    found
}

fn expected_of(path: &Path) -> Value {
    let text = std::fs::read_to_string(format!("{}.expected.json", path.display())).unwrap();
    serde_json::from_str(&text).unwrap()
}

/// PEP 440 comparison where both parse (expected `==` versions are normalized), else text.
fn same_version(ours: &str, expected: &str) -> bool {
    match (
        pep440_rs::Version::from_str(ours),
        pep440_rs::Version::from_str(expected),
    ) {
        (Ok(a), Ok(b)) => a == b,
        _ => ours == expected,
    }
}

fn same_marker(ours: Option<&str>, expected: &str) -> bool {
    let Some(ours) = ours else { return false };
    let parse = |m: &str| pep508_rs::MarkerTree::from_str(m).unwrap();
    parse(ours) == parse(expected)
}

/// pip's `_strip_extras`, applied to expected editable refs (`./editable[d,dev]`): the
/// reader reports the path pip installs, without the extras.
fn strip_extras(path: &str) -> &str {
    if path.ends_with(']') {
        if let Some(open) = path.rfind('[') {
            let inner = &path[open + 1..path.len() - 1];
            if open > 0 && !inner.is_empty() && !inner.contains(']') {
                return &path[..open];
            }
        }
    }
    path
}

/// Our `kind`s an expected entry's kind may map to (documented in docs/lockfiles.md).
fn kinds_for(expected: &Value) -> Vec<&'static str> {
    let reference = expected["ref"].as_str().unwrap_or("");
    let remote = reference.contains("://") && !reference.starts_with("file:");
    match expected["kind"].as_str().unwrap() {
        "editable" | "editable-path" => vec!["editable"],
        "virtual" => vec!["virtual"],
        "git" | "vcs" => vec!["git"],
        "url" => vec!["url"],
        "local-file" => vec!["path"],
        "archive" | "file" if remote => vec!["url"],
        "archive" | "file" => vec!["path"],
        "directory" => match expected.get("editable").and_then(Value::as_bool) {
            Some(true) => vec!["editable"],
            Some(false) => vec!["path"],
            // poetry's expected data does not say; `develop = true` is editable
            None => vec!["path", "editable"],
        },
        other => panic!("unknown expected kind {other}"),
    }
}

/// Whether one of our packages (lock JSON) is the expected non-index entry.
fn matches_non_index(ours: &Value, expected: &Value) -> bool {
    let source = &ours["source"];
    let kind = source["kind"].as_str().unwrap();
    if !kinds_for(expected).contains(&kind) {
        return false;
    }
    let name = expected["name"].as_str().unwrap_or("");
    if ours["name"].as_str().unwrap() != name {
        return false;
    }
    if let Some(version) = expected["version"].as_str() {
        if !ours["version"]
            .as_str()
            .is_some_and(|v| same_version(v, version))
        {
            return false;
        }
    } else if !ours["version"].is_null() {
        return false;
    }
    let reference = expected["ref"].as_str().unwrap();
    let target = source["url"]
        .as_str()
        .or_else(|| source["path"].as_str())
        .unwrap();
    let commit = source["commit"].as_str();
    let reference_matches = target == strip_extras(reference)
        || commit.is_some_and(|c| format!("{target}#{c}") == reference);
    if !reference_matches {
        return false;
    }
    match expected.get("resolved_reference").and_then(Value::as_str) {
        Some(resolved) => commit == Some(resolved),
        None => true,
    }
}

/// Checks a lock JSON document (library or binary) against the expected data.
fn check(path: &Path, lock: &Value, expected: &Value) {
    let packages = lock["packages"].as_array().unwrap();
    let is_index = |p: &&Value| p["source"]["kind"] == "index";

    // index packages: the (name, version) set, and markers where the expected data has them
    let ours: BTreeSet<(String, String)> = packages
        .iter()
        .filter(is_index)
        .map(|p| {
            (
                p["name"].as_str().unwrap().to_string(),
                p["version"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut theirs = BTreeSet::new();
    for entry in expected["index_packages"].as_array().unwrap() {
        let name = entry[0].as_str().unwrap();
        let version = entry[1].as_str().unwrap();
        let found = ours
            .iter()
            .find(|(n, v)| n == name && same_version(v, version))
            .unwrap_or_else(|| {
                panic!("{}: missing index package {name} {version}", path.display())
            });
        theirs.insert(found.clone());
        if let Some(marker) = entry.get(2).and_then(Value::as_str) {
            assert!(
                packages.iter().filter(is_index).any(|p| p["name"] == name
                    && same_version(p["version"].as_str().unwrap(), version)
                    && same_marker(p["marker"].as_str(), marker)),
                "{}: {name} {version} lacks marker {marker}",
                path.display()
            );
        }
    }
    assert_eq!(ours, theirs, "{}: index packages", path.display());

    // non-PyPI index packages (none of the real fixtures has one: then all must be PyPI)
    let non_pypi: BTreeSet<(String, String)> = packages
        .iter()
        .filter(is_index)
        .filter(|p| !is_pypi_index(p["source"]["url"].as_str().unwrap()))
        .map(|p| {
            (
                p["name"].as_str().unwrap().into(),
                p["version"].as_str().unwrap().into(),
            )
        })
        .collect();
    let expected_non_pypi: BTreeSet<(String, String)> = expected
        .get("non_pypi_index_packages")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .map(|e| (e[0].as_str().unwrap().into(), e[1].as_str().unwrap().into()))
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        non_pypi,
        expected_non_pypi,
        "{}: non-PyPI index packages",
        path.display()
    );

    // non-index sources: every expected entry found, and nothing else (duplicates in the
    // expected data are one entry for us: identical entries are merged)
    let non_index: Vec<&Value> = packages.iter().filter(|p| !is_index(p)).collect();
    let expected_non_index = expected["non_index_sources"].as_array().unwrap();
    for entry in expected_non_index {
        assert!(
            non_index.iter().any(|ours| matches_non_index(ours, entry)),
            "{}: no match for {entry}\nours: {non_index:#?}",
            path.display()
        );
    }
    for ours in &non_index {
        assert!(
            expected_non_index
                .iter()
                .any(|entry| matches_non_index(ours, entry)),
            "{}: unexpected {ours}",
            path.display()
        );
    }

    // unpinned requirements
    let compact = |s: &str| s.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    let ours: BTreeSet<(String, String)> = lock["unpinned"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["name"].as_str().unwrap().into(),
                compact(u["specifier"].as_str().unwrap()),
            )
        })
        .collect();
    let theirs: BTreeSet<(String, String)> = expected
        .get("unpinned")
        .and_then(Value::as_array)
        .map(|entries| {
            entries
                .iter()
                .map(|u| {
                    (
                        u["name"].as_str().unwrap().into(),
                        compact(u["specifier"].as_str().unwrap()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(ours, theirs, "{}: unpinned", path.display());

    // every package points at a real line of a real file
    for package in packages {
        let line = package["location"]["line"].as_u64().unwrap();
        assert!(line >= 1, "{}: {package}", path.display());
    }
}

fn rejected_lines(expected: &Value) -> usize {
    expected
        .get("rejected_lines")
        .and_then(Value::as_array)
        .map_or(0, Vec::len)
}

fn lock_json(lock: &Lockfile) -> Value {
    serde_json::to_value(lock).unwrap()
}

#[test]
fn library_reads_every_fixture_as_expected() {
    for path in fixtures() {
        let expected = expected_of(&path);
        let result = lockfile::read(&path, None);
        if rejected_lines(&expected) > 0 {
            assert!(result.is_err(), "{}: pip rejects a line", path.display());
            continue;
        }
        let lock = result.unwrap_or_else(|err| panic!("{}: {err}", path.display()));
        assert_eq!(lock.format.as_str(), expected["format"].as_str().unwrap());
        check(&path, &lock_json(&lock), &expected);
    }
}

#[test]
fn binary_reads_every_fixture_as_expected() {
    for path in fixtures() {
        let expected = expected_of(&path);
        if rejected_lines(&expected) > 0 {
            continue;
        }
        let output = Command::cargo_bin("pubgate")
            .unwrap()
            .args(["lock", "--format", "json"])
            .arg(&path)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}: {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(output.stderr.is_empty());
        let lock: Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(lock["schema"], 1);
        assert_eq!(lock["format"], expected["format"]);
        assert_eq!(lock["path"], path.to_str().unwrap());
        check(&path, &lock, &expected);
    }
}

/// A lockfile with its line-dependent paths stripped, for comparing two copies of it.
fn comparable(lock: &Lockfile) -> Value {
    let mut json = lock_json(lock);
    json["path"] = Value::Null;
    file_names_only(&mut json);
    json
}

/// Replaces every `location.path` (packages, unpinned, indexes, identities) by its file name.
fn file_names_only(value: &mut Value) {
    match value {
        Value::Object(map) => {
            if let Some(Value::Object(location)) = map.get_mut("location") {
                if let Some(Value::String(path)) = location.get_mut("path") {
                    let file = Path::new(path.as_str())
                        .file_name()
                        .unwrap()
                        .to_str()
                        .unwrap()
                        .to_string();
                    *path = file;
                }
            }
            map.values_mut().for_each(file_names_only);
        }
        Value::Array(items) => items.iter_mut().for_each(file_names_only),
        _ => {}
    }
}

#[test]
fn crlf_line_endings_give_the_same_result() {
    let dir = tempfile::tempdir().unwrap();
    for path in fixtures() {
        // keep each fixture's directory together: requirements include their neighbours
        let family = path.parent().unwrap().file_name().unwrap();
        let target_dir = dir.path().join(family);
        std::fs::create_dir_all(&target_dir).unwrap();
        for sibling in std::fs::read_dir(path.parent().unwrap()).unwrap() {
            let sibling = sibling.unwrap().path();
            let text = std::fs::read_to_string(&sibling).unwrap();
            let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
            std::fs::write(target_dir.join(sibling.file_name().unwrap()), crlf).unwrap();
        }
        let copy = target_dir.join(path.file_name().unwrap());
        if std::fs::read(&path).unwrap().contains(&b'\n') {
            assert!(std::fs::read(&copy)
                .unwrap()
                .windows(2)
                .any(|w| w == b"\r\n"));
        }
        let original = lockfile::read(&path, None).unwrap();
        let converted = lockfile::read(&copy, None)
            .unwrap_or_else(|err| panic!("{} with CRLF: {err}", path.display()));
        assert_eq!(
            comparable(&original),
            comparable(&converted),
            "{}",
            path.display()
        );
    }
}

#[test]
fn uv_fast_path_matches_the_toml_path() {
    let mut uv_files: Vec<PathBuf> = fixtures()
        .into_iter()
        .filter(|p| {
            p.to_str().unwrap().ends_with(".lock") && p.starts_with("fixtures/lockfiles/uv")
        })
        .collect();
    uv_files.push("fixtures/lockfiles/bench/bench-monolith.uv.lock".into());
    for path in uv_files {
        let text = std::fs::read_to_string(&path).unwrap();
        for text in [text.clone(), text.replace('\n', "\r\n")] {
            let fast = lockfile::parse_str(&text, &path, Some(lockfile::LockFormat::Uv)).unwrap();
            let slow = lockfile::parse_uv_without_fast_path(&text, &path).unwrap();
            assert_eq!(fast, slow, "{}", path.display());
        }
    }
}

#[test]
fn the_three_exports_of_the_benchmark_lock_agree() {
    let read = |p: &str| lockfile::read(Path::new(p), None).unwrap();
    let uv = read("fixtures/lockfiles/bench/bench-monolith.uv.lock");
    let requirements = read("fixtures/lockfiles/bench/bench-monolith.requirements.txt");
    let pylock = read("fixtures/lockfiles/bench/pylock.bench-monolith.toml");
    let releases = |lock: &Lockfile| -> BTreeSet<(String, String)> {
        lock.packages
            .iter()
            .filter(|p| p.source.is_index())
            .map(|p| (p.name.to_string(), p.version.clone().unwrap()))
            .collect()
    };
    assert_eq!(releases(&uv).len(), 471);
    assert_eq!(releases(&uv), releases(&requirements));
    assert_eq!(releases(&uv), releases(&pylock));
    let digests = |lock: &Lockfile| -> BTreeSet<String> {
        lock.packages
            .iter()
            .flat_map(|p| p.artifacts.iter().filter_map(|a| a.sha256.clone()))
            .collect()
    };
    assert_eq!(digests(&uv), digests(&requirements));
    assert_eq!(digests(&uv), digests(&pylock));
}
