//! Lockfiles: `pubgate lock --format json` against the installers themselves, for uv.lock
//! (uv), poetry.lock (Poetry), Pipfile.lock (pipenv, then pip), pdm.lock (pdm) and
//! pylock.toml (pip), on every fixture under `fixtures/lockfiles/` and on generated variants
//! (`lockfile_cases.rs`). Each installer is run once over all its cases
//! (`drivers/*_lock.py`, `drivers/pip_pylock.py`); each says what it would install — for
//! every group, category, extra and platform — and which files and hashes it would accept.
//!
//! pubgate must read every package the installer installs, with its version, kind and
//! source, every file the installer may take (by name, and by URL where the installer
//! downloads from a locked URL) and every hash it accepts for it. pubgate may read *more*
//! (entries no root reaches, hashes of weaker algorithms Poetry never checks, the zstd
//! copy of a uv wheel): each of those is examined or must bind to an examined file, so more
//! is fail-closed. A file the installer refuses, pubgate refuses; pubgate refuses more only
//! for the documented reasons in each format's `deliberate` list.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::harness::{self, Rng};
use crate::lockfile_cases::{self, Case};

/// One installer and how to ask it.
pub struct Installer {
    /// The distribution pinned in `installers.txt`.
    pub name: &'static str,
    pub driver: &'static str,
    /// `--lock-format` of the files it reads.
    pub format: &'static str,
    /// pubgate errors on files the installer reads, each a documented fail-closed choice
    /// (docs/lockfiles.md, "Differential tests").
    pub deliberate: &'static [&'static str],
    /// Installer errors on files pubgate reads, each documented: the installer needs
    /// something pubgate does not (a project file, an environment) and pubgate reads what
    /// the lockfile says.
    pub lenient: &'static [&'static str],
    /// The installer accepts a downloaded file matching *any* hash of the package (pdm's
    /// `convert_hashes`), not the hashes of that file: compare the union. pubgate binds each
    /// hash to the file it names, and every hash must bind, so the files pdm may take are
    /// examined files.
    pub hashes_per_package: bool,
    /// The installer hands every source of the lock to pip for every package (pipenv's
    /// `-i`/`--extra-index-url`): pubgate's source may be any of them (the entry's `index`).
    pub every_source_for_every_package: bool,
}

pub const UV: Installer = Installer {
    name: "uv",
    driver: "uv_lock.py",
    format: "uv",
    // uv reads a malformed digest, or an algorithm it cannot check in a wheel's zstd
    // copy, until it installs that file; pubgate refuses them when it reads the lock
    deliberate: &["hexadecimal digits", "is not one the installer checks"],
    lenient: &[],
    hashes_per_package: false,
    every_source_for_every_package: false,
};

pub const POETRY: Installer = Installer {
    name: "poetry",
    driver: "poetry_lock.py",
    format: "poetry",
    // Poetry reads a digest of any length and then matches no file
    deliberate: &["hexadecimal digits", "is not one the installer checks"],
    lenient: &[],
    hashes_per_package: false,
    every_source_for_every_package: false,
};

pub const PIPENV: Installer = Installer {
    name: "pipenv",
    driver: "pipenv_lock.py",
    format: "pipfile",
    // pipenv rebuilds a missing `_meta` from the Pipfile and does not check
    // `pipfile-spec`; pubgate refuses both rather than guess the sources
    deliberate: &[
        "has no `_meta` object",
        "`pipfile-spec`",
        "hexadecimal digits",
        // a marker, version or extra that smuggles tokens into the pip line (a `--hash`)
        "makes pipenv hand pip a line pip reads",
        // pipenv never uses an entry's `index`; one naming no source is refused
        "which is not in `_meta.sources`",
    ],
    // pip resolves a `path` entry against the directory it runs in, which pubgate cannot
    // know: a path that is not there is pip's error, a local source to pubgate
    lenient: &["It looks like a path", "looks like a filename"],
    hashes_per_package: false,
    every_source_for_every_package: true,
};

pub const PDM: Installer = Installer {
    name: "pdm",
    driver: "pdm_lock.py",
    format: "pdm",
    deliberate: &["hexadecimal digits", "is not one the installer checks"],
    lenient: &[],
    hashes_per_package: true,
    every_source_for_every_package: false,
};

pub const PIP_PYLOCK: Installer = Installer {
    name: "pip",
    driver: "pip_pylock.py",
    format: "pylock",
    deliberate: &["hexadecimal digits", "is not one the installer checks"],
    lenient: &[],
    hashes_per_package: false,
    every_source_for_every_package: false,
};

/// What one side says is installed: by (name, version, kind), the source, the files (name,
/// URL) and every accepted hash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reading {
    pub packages: BTreeMap<(String, Option<String>, String), Installed>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Installed {
    pub sources: BTreeSet<String>,
    /// Named files and, where known, where they are downloaded from.
    pub files: BTreeMap<String, BTreeSet<String>>,
    /// Locked URLs of files (an installer that downloads from the lock's URL).
    pub urls: BTreeSet<String>,
    /// Hashes per named file ("" for hashes the lock gives without a filename).
    pub hashes: BTreeMap<String, BTreeSet<String>>,
}

impl Installed {
    fn all_hashes(&self) -> BTreeSet<String> {
        self.hashes.values().flatten().cloned().collect()
    }
}

/// The key of a package: a source tree's version is not compared (PEP 751 and uv's export
/// leave it out, pubgate keeps what the lock says; it is never looked up).
fn key(name: &str, version: Option<&str>, kind: &str) -> (String, Option<String>, String) {
    let version = match kind {
        // a direct URL's version is what its file says; an unpinned one has none
        "git" | "path" | "editable" | "virtual" | "url" | "unpinned" => None,
        _ => version.map(normalize_version),
    };
    (name.to_string(), version, kind.to_string())
}

/// A distribution filename as installers compare them: case and `-_.` runs folded
/// (`DataProperty-1.1.0-py3-none-any.whl` is `dataproperty-1.1.0-…` to uv; pubgate matches
/// files on the index by their parsed name too).
fn normalize_file(file: &str) -> String {
    let mut out = String::with_capacity(file.len());
    let mut run = false;
    for c in file.chars() {
        if matches!(c, '-' | '_' | '.') {
            if !run {
                out.push('_');
            }
            run = true;
        } else {
            run = false;
            out.push(c.to_ascii_lowercase());
        }
    }
    out
}

/// The installer's answer as a [`Reading`].
pub fn installer_reading(answer: &Value) -> Reading {
    let mut reading = Reading::default();
    for pkg in answer["packages"].as_array().into_iter().flatten() {
        let key = key(
            pkg["name"].as_str().unwrap_or(""),
            pkg["version"].as_str(),
            pkg["kind"].as_str().unwrap_or("?"),
        );
        let entry = reading.packages.entry(key).or_default();
        if let Some(source) = pkg["source"].as_str() {
            entry.sources.insert(normalize_source(source));
        }
        for file in pkg["files"].as_array().into_iter().flatten() {
            let name = normalize_file(file["file"].as_str().unwrap_or(""));
            if let Some(url) = file["url"].as_str() {
                entry.urls.insert(url.to_string());
            }
            if !name.is_empty() {
                entry.files.entry(name.clone()).or_default();
            }
            let hashes = entry.hashes.entry(name).or_default();
            for hash in file["hashes"].as_array().into_iter().flatten() {
                if let Some(hash) = hash.as_str() {
                    hashes.insert(hash.to_ascii_lowercase());
                }
            }
        }
    }
    reading
}

/// `pubgate lock --format json` as a [`Reading`].
pub fn pubgate_reading(json: &Value) -> Reading {
    let mut reading = Reading::default();
    for pkg in json["packages"].as_array().into_iter().flatten() {
        let source = &pkg["source"];
        let key = key(
            pkg["name"].as_str().unwrap_or(""),
            pkg["version"].as_str(),
            source["kind"].as_str().unwrap_or("?"),
        );
        let entry = reading.packages.entry(key).or_default();
        if let Some(where_) = source["url"].as_str().or(source["path"].as_str()) {
            entry.sources.insert(normalize_source(where_));
        }
        for artifact in pkg["artifacts"].as_array().into_iter().flatten() {
            let name = normalize_file(artifact["filename"].as_str().unwrap_or(""));
            if let Some(url) = artifact["url"].as_str() {
                entry.urls.insert(url.to_string());
            }
            if !name.is_empty() {
                entry.files.entry(name.clone()).or_default();
            }
            let hashes = entry.hashes.entry(name).or_default();
            if let Some(sha256) = artifact["sha256"].as_str() {
                hashes.insert(format!("sha256:{sha256}"));
            }
            for other in artifact["other_hashes"].as_array().into_iter().flatten() {
                hashes.insert(format!(
                    "{}:{}",
                    other["algorithm"].as_str().unwrap_or(""),
                    other["digest"].as_str().unwrap_or("")
                ));
            }
        }
    }
    for unpinned in json["unpinned"].as_array().into_iter().flatten() {
        let name = unpinned["name"].as_str().unwrap_or("");
        reading
            .packages
            .entry((normalize_name(name), None, "unpinned".into()))
            .or_default();
    }
    reading
}

fn normalize_name(name: &str) -> String {
    let mut out = String::new();
    let mut dash = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            dash = true;
            continue;
        }
        if dash && !out.is_empty() {
            out.push('-');
        }
        dash = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// Versions as PEP 440 normalizes them (installers print normalized versions, pubgate keeps
/// them as written).
fn normalize_version(version: &str) -> String {
    let version = version.trim();
    let version = version
        .strip_prefix("===")
        .or_else(|| version.strip_prefix("=="))
        .unwrap_or(version);
    version
        .parse::<pep440_rs::Version>()
        .map(|v| v.to_string())
        .unwrap_or_else(|_| version.to_string())
}

fn normalize_source(source: &str) -> String {
    source.trim_end_matches('/').to_string()
}

/// How a case went.
#[derive(Debug, PartialEq, Eq)]
pub enum Outcome {
    Alike,
    BothRefuse,
    /// Read alike, pubgate reading more (counted, fail-closed).
    PubgateMore,
    Deliberate,
    Different(String),
}

/// Compares one case.
pub fn compare(installer: &Installer, case: &Case, answer: &Value, ours: &Value) -> Outcome {
    let theirs_ok = answer["ok"].as_bool() == Some(true);
    let ours_ok = ours.get("error").is_none();
    match (theirs_ok, ours_ok) {
        (false, false) => return Outcome::BothRefuse,
        (true, false) => {
            let err = ours["error"].as_str().unwrap_or("");
            return if installer.deliberate.iter().any(|r| err.contains(r)) {
                Outcome::Deliberate
            } else {
                Outcome::Different(format!(
                    "pubgate refuses what {} reads: {err}",
                    installer.name
                ))
            };
        }
        (false, true) => {
            let err = answer["error"].as_str().unwrap_or("");
            return if installer.lenient.iter().any(|r| err.contains(r)) {
                Outcome::Deliberate
            } else {
                Outcome::Different(format!(
                    "{} refuses what pubgate reads: {err}",
                    installer.name
                ))
            };
        }
        (true, true) => {}
    }
    let theirs = installer_reading(answer);
    let ours = pubgate_reading(ours);
    let mut problems = Vec::new();
    for (key, installed) in &theirs.packages {
        // pip leaves `-e .` unnamed until it builds it; pubgate names it from the lock
        if key.0.is_empty() && ours.packages.keys().any(|k| k.2 == key.2) {
            continue;
        }
        let Some(read) = ours.packages.get(key) else {
            let near: Vec<_> = ours.packages.keys().filter(|k| k.0 == key.0).collect();
            problems.push(format!(
                "{} installs {key:?}, pubgate reads {near:?}",
                installer.name
            ));
            continue;
        };
        if key.2 == "index" || key.2 == "url" {
            let missing_sources: Vec<_> = installed.sources.difference(&read.sources).collect();
            // pdm.lock and pylock.toml record no index for a package: pubgate takes the host
            // of a file URL that is not PyPI's as its index (docs/lockfiles.md), which is
            // another index to the policy (PG004, PG006) and where the files are looked up
            let inferred = read.sources.iter().any(|source| {
                installed
                    .urls
                    .iter()
                    .any(|url| url.starts_with(&format!("{source}/")))
            });
            let any_of_them = installer.every_source_for_every_package
                && read.sources.iter().all(|source| {
                    answer["indexes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .any(|index| {
                            index.as_str().map(normalize_source).as_deref() == Some(source)
                        })
                });
            if !missing_sources.is_empty()
                && !case.sources_differ_on_purpose
                && !inferred
                && !any_of_them
            {
                problems.push(format!(
                    "{key:?}: {} uses {missing_sources:?}, pubgate {:?}",
                    installer.name, read.sources
                ));
            }
        }
        for file in installed.files.keys() {
            if !read.files.contains_key(file) {
                problems.push(format!("{key:?}: pubgate does not examine `{file}`"));
            }
        }
        for url in &installed.urls {
            // a local file (`path:`) is compared by its name: it is never an index file
            let local = url.starts_with("path:");
            let recorded =
                read.urls.contains(url) || (key.2 == "url" && read.sources.contains(url));
            if !local && !recorded {
                problems.push(format!(
                    "{key:?}: {} downloads `{url}`, which pubgate does not record",
                    installer.name
                ));
            }
        }
        let all = read.all_hashes();
        for (file, hashes) in &installed.hashes {
            let of_file = read
                .hashes
                .get(file)
                .filter(|_| !file.is_empty() && !installer.hashes_per_package);
            for hash in hashes {
                let bound = match of_file {
                    Some(ours) => ours.contains(hash),
                    None => all.contains(hash),
                };
                if !bound {
                    problems.push(format!(
                        "{key:?}: {} accepts `{hash}` for `{file}`, pubgate does not record it there",
                        installer.name
                    ));
                }
            }
        }
    }
    if !problems.is_empty() {
        return Outcome::Different(problems.join("\n  "));
    }
    if ours.packages.len() > theirs.packages.len() || ours != theirs {
        Outcome::PubgateMore
    } else {
        Outcome::Alike
    }
}

/// Runs pubgate over every case, one process each: `pubgate lock --format json`.
pub fn pubgate_answers(installer: &Installer, cases: &[Case]) -> Vec<Value> {
    cases
        .iter()
        .map(|case| {
            let out = Command::new(env!("CARGO_BIN_EXE_pubgate"))
                .args([
                    "lock",
                    "--format",
                    "json",
                    "--lock-format",
                    installer.format,
                ])
                .arg(&case.path)
                .env("NO_COLOR", "1")
                .output()
                .expect("run pubgate lock");
            if out.status.success() {
                serde_json::from_slice(&out.stdout).expect("pubgate lock JSON")
            } else {
                serde_json::json!({"error": String::from_utf8_lossy(&out.stderr).trim()})
            }
        })
        .collect()
}

/// Runs the whole comparison for one installer and asserts it.
#[allow(
    clippy::print_stderr,
    reason = "the per-installer summary is the test's log"
)]
pub fn run(installer: &Installer) {
    let Some(python) = harness::python_with_distribution(installer.name) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let kept = std::env::var_os("PUBGATE_DIFFERENTIAL_KEEP").map(PathBuf::from);
    let root = kept
        .as_deref()
        .map(|k| k.join(installer.format))
        .unwrap_or_else(|| dir.path().to_path_buf());
    let seed = std::env::var("PUBGATE_DIFFERENTIAL_SEED")
        .ok()
        .and_then(|seed| seed.parse().ok())
        .unwrap_or(lockfile_cases::SEED);
    let mut rng = Rng::new(seed);
    let cases = lockfile_cases::cases(installer.format, &mut rng, &root);
    let inputs: Vec<(String, PathBuf)> = cases
        .iter()
        .map(|case| (case.id.clone(), case.path.clone()))
        .collect();
    let (header, answers) = harness::run_driver(&python, installer.driver, &inputs);
    let version = harness::pinned_version(installer.name);
    assert_eq!(header["installer"], installer.name);
    assert_eq!(header["version"], version.as_str());
    let ours = pubgate_answers(installer, &cases);

    let mut failures = Vec::new();
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for ((case, answer), ours) in cases.iter().zip(&answers).zip(&ours) {
        let outcome = compare(installer, case, answer, ours);
        let label = match &outcome {
            Outcome::Alike => "read alike",
            Outcome::BothRefuse => "refused by both",
            Outcome::PubgateMore => "read alike, pubgate examining more",
            Outcome::Deliberate => "read differently on purpose",
            Outcome::Different(_) => "different",
        };
        *counts.entry(label).or_default() += 1;
        if std::env::var_os("PUBGATE_DIFFERENTIAL_VERBOSE").is_some() {
            eprintln!(
                "{} ({}): {label}: {} / {}",
                case.id,
                case.what,
                answer.get("error").unwrap_or(&Value::Null),
                ours.get("error").unwrap_or(&Value::Null)
            );
        }
        if let Outcome::Different(why) = outcome {
            failures.push(format!(
                "{} ({}), compared with {} {version}: {why}\n  file: {}",
                case.id,
                case.what,
                installer.name,
                show(&case.path)
            ));
        }
    }
    eprintln!(
        "differential {} against {} {version} (seed {seed}, {} cases): {counts:?}",
        installer.format,
        installer.name,
        cases.len()
    );
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    let fixtures = cases.iter().filter(|c| c.id.starts_with("fixture")).count();
    assert!(fixtures > 0, "no fixture was compared");
    assert!(
        counts.get("read alike").copied().unwrap_or(0)
            + counts
                .get("read alike, pubgate examining more")
                .copied()
                .unwrap_or(0)
            > cases.len() / 3,
        "the generator must mostly produce files both read: {counts:?}"
    );
}

fn show(path: &Path) -> String {
    let bytes = std::fs::read(path).unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    if text.len() > 1500 {
        format!("{} ({} bytes)", path.display(), text.len())
    } else {
        format!("{}\n{text}", path.display())
    }
}

#[test]
fn uv_lock_reads_as_uv_does() {
    run(&UV);
}

#[test]
fn poetry_lock_reads_as_poetry_does() {
    run(&POETRY);
}

#[test]
fn pipfile_lock_reads_as_pipenv_and_pip_do() {
    run(&PIPENV);
}

#[test]
fn pdm_lock_reads_as_pdm_does() {
    run(&PDM);
}

#[test]
fn pylock_reads_as_pip_does() {
    run(&PIP_PYLOCK);
}

fn allows_any(installer: &Installer) -> bool {
    !installer.deliberate.is_empty() || !installer.lenient.is_empty()
}

/// docs/lockfiles.md states, per format, what the installer installs and what pubgate
/// examines: one row per format, naming the installer at its pinned version, and saying
/// which differences are deliberate wherever the suite allows any.
#[test]
fn docs_state_what_each_installer_installs() {
    let docs = include_str!("../../docs/lockfiles.md");
    let table = docs
        .split("<!-- installers-table: checked by tests/differential/lockfiles.rs -->")
        .nth(1)
        .expect("the installers table in docs/lockfiles.md");
    let rows: Vec<&str> = table
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .skip(2)
        .collect();
    let formats = [
        // pip_requirements.rs has its own DELIBERATE and LENIENT lists
        ("requirements", "pip", "pip", true),
        ("uv", "uv", "uv", allows_any(&UV)),
        ("poetry", "poetry", "Poetry", allows_any(&POETRY)),
        ("pipfile", "pipenv", "pipenv", allows_any(&PIPENV)),
        ("pdm", "pdm", "pdm", allows_any(&PDM)),
        ("pylock", "pip", "pip", allows_any(&PIP_PYLOCK)),
    ];
    assert_eq!(rows.len(), formats.len(), "one row per format: {rows:#?}");
    for (format, installer, shown, deliberate) in formats {
        let row = rows
            .iter()
            .find(|row| row.starts_with(&format!("| {format} |")))
            .unwrap_or_else(|| panic!("no row for {format}"));
        let cells: Vec<&str> = row.split(" | ").collect();
        let pinned = format!("{shown} {}", harness::pinned_version(installer));
        assert_eq!(cells[1], pinned, "{format}: the pinned installer");
        let last = cells.last().unwrap().trim_end_matches(" |").trim();
        assert_eq!(
            last != "none",
            deliberate,
            "{format}: deliberate differences `{last}`"
        );
    }
}
