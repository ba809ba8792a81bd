//! Builds the directory the fake PyPI serves: a [`FakeIndex`] model written as PEP 691 JSON
//! and PEP 503 HTML pages plus integrity files, by hand or from lockfiles
//! ([`index_from_lockfiles`]) with an earlier release per package so history works.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use globset::{Glob, GlobSet, GlobSetBuilder};
use pep440_rs::Version;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use super::mint::{FakePublisher, MintRequest, Minter, Variant};
use super::server::BASE_PLACEHOLDER;
use crate::dist::normalize_name;
use crate::index::simple::filename_version;
use crate::lockfile::{Lockfile, Source};

/// One file of a project on the fake index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeFile {
    pub filename: String,
    pub sha256: Option<String>,
    /// Hashes in other algorithms the page lists too, as (algorithm, hex digest): all of
    /// them in the JSON `hashes`; the HTML link carries one (`#sha256=`, else the first).
    pub other_hashes: Vec<(String, String)>,
    pub yanked: bool,
    /// The reason given for the yank (JSON `yanked` string, HTML `data-yanked` value).
    pub yank_reason: Option<String>,
    /// Served at the integrity endpoint when present.
    pub provenance: Option<Vec<u8>>,
    /// Whether the project page links the provenance (PyPI always does; `false` models an
    /// index whose page and integrity API disagree).
    pub link_provenance: bool,
    /// The JSON page's PEP 700 `upload-time` (RFC 3339); `None` leaves the key out.
    pub upload_time: Option<String>,
}

impl FakeFile {
    pub fn new(filename: &str, sha256: &str) -> FakeFile {
        FakeFile {
            filename: filename.into(),
            sha256: Some(sha256.into()),
            other_hashes: Vec::new(),
            yanked: false,
            yank_reason: None,
            provenance: None,
            link_provenance: true,
            upload_time: Some(DEFAULT_UPLOAD_TIME.into()),
        }
    }

    /// Lists the file as uploaded at `time` (RFC 3339, e.g. `2025-03-01T12:00:00Z`), or
    /// without an `upload-time` key (`None`), as an index that does not say.
    pub fn uploaded(mut self, time: Option<&str>) -> FakeFile {
        self.upload_time = time.map(str::to_string);
        self
    }

    pub fn with_provenance(mut self, provenance: Vec<u8>) -> FakeFile {
        self.provenance = Some(provenance);
        self
    }

    /// Lists a hash in another algorithm (`sha512`, `sha384`, `md5`, …) for this file.
    pub fn with_hash(mut self, algorithm: &str, digest: &str) -> FakeFile {
        self.other_hashes.push((algorithm.into(), digest.into()));
        self
    }

    pub fn yanked(mut self) -> FakeFile {
        self.yanked = true;
        self
    }

    /// Yanked with a reason, as PyPI serves it.
    pub fn yanked_because(mut self, reason: &str) -> FakeFile {
        self.yanked = true;
        self.yank_reason = Some(reason.into());
        self
    }

    pub fn without_hash(mut self) -> FakeFile {
        self.sha256 = None;
        self
    }

    /// Serve the provenance at the integrity endpoint but leave the page link out.
    pub fn unlinked(mut self) -> FakeFile {
        self.link_provenance = false;
        self
    }
}

/// The `upload-time` a [`FakeFile`] is listed with unless told otherwise.
pub(super) const DEFAULT_UPLOAD_TIME: &str = "2025-01-01T00:00:00.000000Z";

/// A fake index: projects and their files.
#[derive(Debug, Clone)]
pub struct FakeIndex {
    projects: BTreeMap<String, Vec<FakeFile>>,
    /// PEP 792 status and reason by project; absent: active (no marker written).
    statuses: BTreeMap<String, (String, Option<String>)>,
    api_version: String,
}

impl Default for FakeIndex {
    fn default() -> Self {
        FakeIndex::new()
    }
}

/// A synthetic sha256 for a file the fake index invents.
pub fn synthetic_sha256(filename: &str) -> String {
    hex::encode(Sha256::digest(
        format!("fake-pypi file {filename}").as_bytes(),
    ))
}

impl FakeIndex {
    /// An empty index speaking simple API 1.4, like PyPI today.
    pub fn new() -> FakeIndex {
        FakeIndex {
            projects: BTreeMap::new(),
            statuses: BTreeMap::new(),
            api_version: "1.4".into(),
        }
    }

    /// The API version pages declare. Below 1.3 pages carry no provenance fields (the
    /// integrity endpoint still answers, as PyPI's would behind a stale mirror).
    pub fn api_version(mut self, version: &str) -> FakeIndex {
        self.api_version = version.into();
        self
    }

    /// Adds a file to `project` (normalized here).
    pub fn add(&mut self, project: &str, file: FakeFile) -> &mut FakeIndex {
        self.projects
            .entry(normalize_name(project))
            .or_default()
            .push(file);
        self
    }

    /// Marks `project` with a PEP 792 status (`archived`, `quarantined`, `deprecated`, or
    /// anything else) and an optional reason. A quarantined project's page lists no file
    /// and its provenance is not served, as on PyPI; its files stay in the model.
    pub fn status(&mut self, project: &str, status: &str, reason: Option<&str>) -> &mut FakeIndex {
        self.statuses.insert(
            normalize_name(project),
            (status.into(), reason.map(str::to_string)),
        );
        self
    }

    /// Every project name.
    pub fn projects(&self) -> impl Iterator<Item = &str> {
        self.projects.keys().map(String::as_str)
    }

    /// The files of a project.
    pub fn files(&self, project: &str) -> &[FakeFile] {
        self.projects
            .get(&normalize_name(project))
            .map(Vec::as_slice)
            .unwrap_or(&[])
    }

    fn speaks_of_provenance(&self) -> bool {
        let mut parts = self.api_version.split('.');
        let major: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(1);
        let minor: u32 = parts.next().and_then(|p| p.parse().ok()).unwrap_or(0);
        (major, minor) >= (1, 3)
    }

    /// Writes `root/simple/<name>/index.{json,html}` and
    /// `root/integrity/<name>/<version>/<filename>/provenance`.
    pub fn write(&self, root: &Path) -> std::io::Result<()> {
        // An index with no project (a lockfile with no index package) is an empty directory.
        std::fs::create_dir_all(root.join("simple"))?;
        for (name, files) in &self.projects {
            let page_dir = root.join("simple").join(name);
            std::fs::create_dir_all(&page_dir)?;
            let mut json_files = Vec::new();
            let mut anchors = String::new();
            let mut versions = BTreeSet::new();
            let status = self.statuses.get(name);
            let quarantined = status.is_some_and(|(s, _)| s == "quarantined");
            for file in files.iter().filter(|_| !quarantined) {
                let version = filename_version(&file.filename, name).unwrap_or("0");
                versions.insert(version.to_string());
                let provenance_url =
                    (file.provenance.is_some() && file.link_provenance).then(|| {
                        format!(
                            "{BASE_PLACEHOLDER}/integrity/{name}/{version}/{}/provenance",
                            file.filename
                        )
                    });
                if let Some(bytes) = &file.provenance {
                    let dir = root
                        .join("integrity")
                        .join(name)
                        .join(version)
                        .join(&file.filename);
                    std::fs::create_dir_all(&dir)?;
                    std::fs::write(dir.join("provenance"), bytes)?;
                }
                let mut hashes = serde_json::Map::new();
                if let Some(sha) = &file.sha256 {
                    hashes.insert("sha256".into(), json!(sha));
                }
                for (algorithm, digest) in &file.other_hashes {
                    hashes.insert(algorithm.clone(), json!(digest));
                }
                let mut entry = json!({
                    "filename": file.filename,
                    "url": format!("{BASE_PLACEHOLDER}/files/{}", file.filename),
                    "hashes": hashes,
                    "requires-python": null,
                    "yanked": match (&file.yank_reason, file.yanked) {
                        (Some(reason), true) => Value::String(reason.clone()),
                        (_, yanked) => Value::Bool(yanked),
                    },
                    "core-metadata": false,
                    "data-dist-info-metadata": false,
                    "size": 1024,
                });
                if let Some(time) = &file.upload_time {
                    entry["upload-time"] = json!(time);
                }
                if self.speaks_of_provenance() {
                    entry["provenance"] = match &provenance_url {
                        Some(url) => Value::String(url.clone()),
                        None => Value::Null,
                    };
                }
                json_files.push(entry);

                let fragment = file
                    .sha256
                    .as_ref()
                    .map(|sha| ("sha256", sha.as_str()))
                    .or_else(|| {
                        file.other_hashes
                            .first()
                            .map(|(a, d)| (a.as_str(), d.as_str()))
                    });
                let href = match fragment {
                    Some((algorithm, digest)) => format!(
                        "{BASE_PLACEHOLDER}/files/{}#{algorithm}={digest}",
                        file.filename
                    ),
                    None => format!("{BASE_PLACEHOLDER}/files/{}", file.filename),
                };
                anchors.push_str(&format!("    <a href=\"{}\"", escape(&href)));
                if file.yanked {
                    let reason = file.yank_reason.as_deref().unwrap_or("");
                    anchors.push_str(&format!(" data-yanked=\"{}\"", escape(reason)));
                }
                if let (true, Some(url)) = (self.speaks_of_provenance(), &provenance_url) {
                    anchors.push_str(&format!(" data-provenance=\"{}\"", escape(url)));
                }
                anchors.push_str(&format!(">{}</a><br />\n", escape(&file.filename)));
            }
            let mut page = json!({
                "meta": {"api-version": self.api_version, "_last-serial": 1},
                "name": name,
                "versions": versions.iter().collect::<Vec<_>>(),
                "files": json_files,
            });
            let mut status_meta = String::new();
            if let Some((status, reason)) = status {
                page["project-status"] = json!({"status": status});
                status_meta.push_str(&format!(
                    "    <meta name=\"pypi:project-status\" content=\"{}\">\n",
                    escape(status)
                ));
                if let Some(reason) = reason {
                    page["project-status"]["reason"] = json!(reason);
                    status_meta.push_str(&format!(
                        "    <meta name=\"pypi:project-status-reason\" content=\"{}\">\n",
                        escape(reason)
                    ));
                }
            }
            std::fs::write(
                page_dir.join("index.json"),
                serde_json::to_vec_pretty(&page).map_err(std::io::Error::other)?,
            )?;
            let html = format!(
                "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" content=\"{}\">\n{status_meta}    <title>Links for {name}</title>\n  </head>\n  <body>\n    <h1>Links for {name}</h1>\n{anchors}  </body>\n</html>\n",
                escape(&self.api_version)
            );
            std::fs::write(page_dir.join("index.html"), html)?;
        }
        Ok(())
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// An index of every real provenance object in `fixtures/pep740/` (each file with its real
/// provenance, under the production root), plus `sampleproject` 3.0.0 without provenance.
/// Histories it holds: `abi3info` 2024.10.8 ← 2024.10.3 (same publisher),
/// `pypi-attestations` 0.0.30 ← 0.0.19 (the repository moved from `trailofbits` to `pypi`),
/// `sampleproject` 4.0.0 ← 3.0.0 (unattested).
pub fn fixture_index() -> FakeIndex {
    let minter = super::mint::FixtureMinter::load();
    let mut index = FakeIndex::new();
    for (filename, sha256) in minter.subjects() {
        let Ok(parsed) = crate::dist::DistFilename::parse(&filename) else {
            continue;
        };
        let Some(bytes) = minter.fixture(&filename, &sha256) else {
            continue;
        };
        index.add(
            parsed.name(),
            FakeFile::new(&filename, &sha256).with_provenance(bytes.to_vec()),
        );
    }
    index.add(
        "sampleproject",
        FakeFile::new(
            "sampleproject-3.0.0.tar.gz",
            "117ed88e5db073bb92969a7545745fd977ee85b7019706dd256a64058f70963d",
        ),
    );
    index
}

/// How [`index_from_lockfiles`] shapes the index. Name lists are globs on normalized names.
#[derive(Debug, Clone)]
pub struct BuildOptions {
    /// Packages whose locked release has no provenance.
    pub unattested: Vec<String>,
    /// Packages whose locked release has provenance with a broken signature.
    pub tampered: Vec<String>,
    /// Packages whose earlier release was published by someone else.
    pub publisher_change: Vec<String>,
    /// Packages whose earlier release has no provenance.
    pub previous_unattested: Vec<String>,
    /// Add an earlier release per package (so history has something to find).
    pub previous_release: bool,
    /// The simple API version pages declare.
    pub api_version: String,
}

impl Default for BuildOptions {
    fn default() -> Self {
        BuildOptions {
            unattested: Vec::new(),
            tampered: Vec::new(),
            publisher_change: Vec::new(),
            previous_unattested: Vec::new(),
            previous_release: true,
            api_version: "1.4".into(),
        }
    }
}

fn globs(patterns: &[String]) -> Result<GlobSet, String> {
    let mut builder = GlobSetBuilder::new();
    for pattern in patterns {
        builder.add(
            Glob::new(&normalize_name(pattern))
                .map_err(|e| format!("bad package pattern `{pattern}`: {e}"))?,
        );
    }
    builder
        .build()
        .map_err(|e| format!("bad package patterns: {e}"))
}

/// The publisher minted for a package's releases.
pub fn default_publisher(name: &str) -> FakePublisher {
    FakePublisher::github(&format!("{name}-dev/{name}"), "release.yml", Some("pypi"))
}

/// The publisher a lockfile records for a package (pylock `attestation-identities`), when
/// the minter can sign as it: a fake PyPI built from a lockfile agrees with the lock.
fn recorded_publisher(package: &crate::lockfile::LockedPackage) -> Option<FakePublisher> {
    package.attestation_identities.iter().find_map(|identity| {
        let kind = crate::policy::parse_kind(&identity.kind)?;
        let (repository, workflow) = match kind {
            crate::verify::PublisherKind::GitHub => {
                (identity.repository.clone()?, identity.workflow.clone()?)
            }
            crate::verify::PublisherKind::GitLab => (
                identity.repository.clone()?,
                identity.workflow_filepath.clone()?,
            ),
            crate::verify::PublisherKind::Google => (identity.email.clone()?, String::new()),
            _ => return None,
        };
        Some(FakePublisher {
            kind: kind.as_str().to_string(),
            repository,
            workflow,
            environment: identity.environment.clone(),
        })
    })
}

/// The publisher of an earlier release when the package is in `publisher_change`.
pub fn other_publisher(name: &str) -> FakePublisher {
    FakePublisher::github(&format!("someone-else/{name}"), "publish.yml", None)
}

/// A version below `version`: its last non-zero release number decremented
/// (`2.32.3` → `2.32.2`, `1.0` → `0.0`); `None` for `0`, `0.0`, …
pub fn previous_version(version: &str) -> Option<String> {
    let parsed = Version::from_str(version).ok()?;
    let mut release: Vec<u64> = parsed.release().to_vec();
    let last = release.iter().rposition(|&n| n > 0)?;
    release[last] -= 1;
    for n in &mut release[last + 1..] {
        *n = 0;
    }
    let numbers: Vec<String> = release.iter().map(u64::to_string).collect();
    Some(match parsed.epoch() {
        0 => numbers.join("."),
        epoch => format!("{epoch}!{}", numbers.join(".")),
    })
}

/// `filename` with its version replaced (the version segment of a wheel or an sdist).
fn with_version(filename: &str, project: &str, new_version: &str) -> Option<String> {
    let old = filename_version(filename, project)?;
    let start = filename.find(&format!("-{old}"))? + 1;
    Some(format!(
        "{}{new_version}{}",
        &filename[..start],
        &filename[start + old.len()..]
    ))
}

/// One file a lock names: filename, locked sha256, other (algorithm, digest) hashes.
type LockedFile = (String, Option<String>, Vec<(String, String)>);

/// A fake index holding every index package of the lockfiles, provenance minted per the
/// options, plus (by default) an earlier release of each.
pub fn index_from_lockfiles(
    lockfiles: &[Lockfile],
    options: &BuildOptions,
    minter: &dyn Minter,
) -> Result<FakeIndex, String> {
    let unattested = globs(&options.unattested)?;
    let tampered = globs(&options.tampered)?;
    let changed = globs(&options.publisher_change)?;
    let previous_unattested = globs(&options.previous_unattested)?;
    let mut index = FakeIndex::new().api_version(&options.api_version);
    // Every locked release: a synthesized "previous release" must never shadow one.
    let locked: BTreeSet<(String, String)> = lockfiles
        .iter()
        .flat_map(|l| &l.packages)
        .filter(|p| p.source.is_index())
        .filter_map(|p| Some((normalize_name(&p.name), p.version.clone()?)))
        .collect();
    // Files already on the index, per project: a release locked twice (from two indexes,
    // or in two forks listing different files) gets the union of its files, each once.
    let mut added: BTreeSet<(String, String)> = BTreeSet::new();
    for package in lockfiles.iter().flat_map(|l| &l.packages) {
        let (Source::Index { .. }, Some(version)) = (&package.source, &package.version) else {
            continue;
        };
        let name = normalize_name(&package.name);
        let dist_name = name.replace('-', "_");
        // The files of the locked release: what the lock names, else invented ones. The
        // lock may record one file's hashes as several artifacts (one per digest): they
        // make one file, listing every locked hash, so the index agrees with the lock. A
        // sha256 locked twice (here, or by another lockfile) is one file too: one content
        // has one name on an index.
        let mut named: Vec<LockedFile> = Vec::new();
        for (i, artifact) in package.artifacts.iter().enumerate() {
            if artifact.filename.is_empty()
                && artifact.sha256.is_some()
                && (named.iter().any(|(_, sha, _)| *sha == artifact.sha256)
                    || index
                        .files(&name)
                        .iter()
                        .any(|f| f.sha256 == artifact.sha256))
            {
                continue;
            }
            let filename = if artifact.filename.is_empty() {
                if i == 0 {
                    format!("{dist_name}-{version}.tar.gz")
                } else {
                    format!("{dist_name}-{version}-py3-none-manylinux_2_{i}_x86_64.whl")
                }
            } else {
                artifact.filename.clone()
            };
            let others = artifact
                .other_hashes
                .iter()
                .map(|h| (h.algorithm.clone(), h.digest.clone()));
            match named.iter_mut().find(|(f, _, _)| *f == filename) {
                Some((_, sha, hashes)) => {
                    if sha.is_none() {
                        sha.clone_from(&artifact.sha256);
                    }
                    hashes.extend(others);
                }
                None => named.push((filename, artifact.sha256.clone(), others.collect())),
            }
        }
        let mut files: Vec<(String, String)> = Vec::new();
        let mut other_hashes: BTreeMap<String, Vec<(String, String)>> = BTreeMap::new();
        for (filename, sha, hashes) in named {
            let sha = sha.unwrap_or_else(|| synthetic_sha256(&filename));
            other_hashes.insert(filename.clone(), hashes);
            files.push((filename, sha));
        }
        if files.is_empty() {
            for filename in [
                format!("{dist_name}-{version}.tar.gz"),
                format!("{dist_name}-{version}-py3-none-any.whl"),
            ] {
                let sha = synthetic_sha256(&filename);
                files.push((filename, sha));
            }
        }
        // PyPI attests only wheels and sdists: a release with another kind of file (`.egg`,
        // `.exe`, `.tar.bz2`) predates PEP 740, so neither it nor its predecessor has any.
        let legacy = files
            .iter()
            .any(|(filename, _)| crate::dist::DistFilename::parse(filename).is_err());
        files.retain(|(filename, _)| added.insert((name.clone(), filename.clone())));
        if files.is_empty() {
            continue;
        }
        let publisher = recorded_publisher(package).unwrap_or_else(|| default_publisher(&name));
        let variant = if tampered.is_match(&name) {
            Variant::Tampered
        } else {
            Variant::Valid
        };
        for (filename, sha) in &files {
            let mut file = FakeFile::new(filename, sha);
            for (algorithm, digest) in other_hashes.get(filename).into_iter().flatten() {
                file = file.with_hash(algorithm, digest);
            }
            if !(legacy || unattested.is_match(&name)) {
                file = file.with_provenance(minter.mint(&MintRequest {
                    filename,
                    sha256: sha,
                    publisher: &publisher,
                    variant,
                }));
            }
            index.add(&name, file);
        }
        if !options.previous_release {
            continue;
        }
        let Some(previous) = previous_version(version)
            .filter(|previous| !locked.contains(&(name.clone(), previous.clone())))
        else {
            continue;
        };
        let previous_publisher = if changed.is_match(&name) {
            other_publisher(&name)
        } else {
            publisher.clone()
        };
        for (filename, _) in &files {
            let Some(old_name) = with_version(filename, &name, &previous) else {
                continue;
            };
            if !added.insert((name.clone(), old_name.clone())) {
                continue;
            }
            let sha = synthetic_sha256(&old_name);
            let mut file = FakeFile::new(&old_name, &sha);
            if !(legacy || previous_unattested.is_match(&name)) {
                file = file.with_provenance(minter.mint(&MintRequest {
                    filename: &old_name,
                    sha256: &sha,
                    publisher: &previous_publisher,
                    variant: Variant::Valid,
                }));
            }
            index.add(&name, file);
        }
    }
    Ok(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A locked index package: (name, version, index, [(filename, sha)]).
    type Locked<'a> = (&'a str, &'a str, &'a str, &'a [(&'a str, &'a str)]);

    /// A lockfile of index packages.
    fn lock(packages: &[Locked<'_>]) -> Lockfile {
        use crate::lockfile::{Artifact, Location, LockFormat, LockedPackage};
        Lockfile {
            path: "uv.lock".into(),
            format: LockFormat::Uv,
            packages: packages
                .iter()
                .map(|(name, version, index, files)| LockedPackage {
                    name: (*name).into(),
                    version: Some(version.to_string()),
                    source: Source::Index {
                        url: crate::url::SecretUrl::new(*index),
                    },
                    artifacts: files
                        .iter()
                        .map(|(filename, sha)| Artifact {
                            filename: filename.to_string(),
                            sha256: Some(sha.to_string()),
                            other_hashes: Vec::new(),
                            url: None,
                        })
                        .collect(),
                    marker: None,
                    location: Location {
                        path: "uv.lock".into(),
                        line: 1,
                    },
                    attestation_identities: Vec::new(),
                })
                .collect(),
            unpinned: Vec::new(),
            indexes: Vec::new(),
        }
    }

    /// (filename, has provenance) of every file of a project.
    fn provenance_of(index: &FakeIndex, project: &str) -> Vec<(String, bool)> {
        let mut files: Vec<(String, bool)> = index
            .files(project)
            .iter()
            .map(|f| (f.filename.clone(), f.provenance.is_some()))
            .collect();
        files.sort();
        files
    }

    fn minted(_: &MintRequest<'_>) -> Vec<u8> {
        b"{}".to_vec()
    }

    #[test]
    fn releases_with_files_pypi_cannot_attest_get_no_provenance() {
        let (a, b, c) = ("a".repeat(64), "b".repeat(64), "c".repeat(64));
        let lockfile = lock(&[
            ("old", "1.2", PYPI, &[("old-1.2.tar.bz2", &a)]),
            (
                "mixed",
                "2.0",
                PYPI,
                &[
                    ("mixed-2.0-py3-none-any.whl", &b),
                    ("mixed-2.0-py2.7.egg", &c),
                ],
            ),
            ("new", "1.0", PYPI, &[("new-1.0.tar.gz", &a)]),
        ]);
        let index = index_from_lockfiles(&[lockfile], &BuildOptions::default(), &minted).unwrap();
        let none = |names: &[&str]| -> Vec<(String, bool)> {
            let mut v: Vec<_> = names.iter().map(|n| (n.to_string(), false)).collect();
            v.sort();
            v
        };
        assert_eq!(
            provenance_of(&index, "old"),
            none(&["old-1.1.tar.bz2", "old-1.2.tar.bz2"])
        );
        assert_eq!(
            provenance_of(&index, "mixed"),
            none(&[
                "mixed-1.0-py2.7.egg",
                "mixed-1.0-py3-none-any.whl",
                "mixed-2.0-py2.7.egg",
                "mixed-2.0-py3-none-any.whl"
            ])
        );
        assert_eq!(
            provenance_of(&index, "new"),
            [
                ("new-0.0.tar.gz".to_string(), true),
                ("new-1.0.tar.gz".to_string(), true)
            ]
        );
    }

    #[test]
    fn a_release_locked_twice_gets_every_file_once() {
        let (a, b) = ("a".repeat(64), "b".repeat(64));
        // The same release from a private index (one wheel) and from PyPI (sdist and wheel),
        // as uv locks it for two forks.
        let lockfile = lock(&[
            (
                "torchish",
                "2.5.1",
                "https://download.example/whl/cpu",
                &[("torchish-2.5.1-cp312-cp312-linux_x86_64.whl", &a)],
            ),
            (
                "torchish",
                "2.5.1",
                PYPI,
                &[
                    ("torchish-2.5.1-cp312-cp312-linux_x86_64.whl", &a),
                    ("torchish-2.5.1.tar.gz", &b),
                ],
            ),
        ]);
        let index = index_from_lockfiles(&[lockfile], &BuildOptions::default(), &minted).unwrap();
        let names: Vec<String> = provenance_of(&index, "torchish")
            .into_iter()
            .map(|(name, _)| name)
            .collect();
        assert_eq!(
            names,
            [
                "torchish-2.5.0-cp312-cp312-linux_x86_64.whl",
                "torchish-2.5.0.tar.gz",
                "torchish-2.5.1-cp312-cp312-linux_x86_64.whl",
                "torchish-2.5.1.tar.gz",
            ]
        );
    }

    const PYPI: &str = "https://pypi.org/simple";

    #[test]
    fn computes_earlier_versions() {
        assert_eq!(previous_version("2.32.3").as_deref(), Some("2.32.2"));
        assert_eq!(previous_version("1.0").as_deref(), Some("0.0"));
        assert_eq!(previous_version("2.0.0rc1").as_deref(), Some("1.0.0"));
        assert_eq!(previous_version("1!3.0").as_deref(), Some("1!2.0"));
        assert_eq!(previous_version("0.0.0"), None);
    }

    #[test]
    fn renames_files_to_another_version() {
        assert_eq!(
            with_version("requests-2.32.3-py3-none-any.whl", "requests", "2.32.2").as_deref(),
            Some("requests-2.32.2-py3-none-any.whl")
        );
        assert_eq!(
            with_version("zope.interface-6.0.tar.gz", "zope-interface", "5.0").as_deref(),
            Some("zope.interface-5.0.tar.gz")
        );
    }

    #[test]
    fn writes_pages_in_both_formats() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = FakeIndex::new();
        index.add(
            "Demo_Pkg",
            FakeFile::new("demo_pkg-1.0.tar.gz", &"a".repeat(64)).with_provenance(b"{}".to_vec()),
        );
        index.add(
            "demo-pkg",
            FakeFile::new("demo_pkg-0.9.tar.gz", &"b".repeat(64)).yanked(),
        );
        index.write(dir.path()).unwrap();
        let json: Value = serde_json::from_slice(
            &std::fs::read(dir.path().join("simple/demo-pkg/index.json")).unwrap(),
        )
        .unwrap();
        assert_eq!(json["meta"]["api-version"], "1.4");
        assert_eq!(
            json["files"][0]["provenance"],
            format!("{BASE_PLACEHOLDER}/integrity/demo-pkg/1.0/demo_pkg-1.0.tar.gz/provenance")
        );
        assert_eq!(json["files"][1]["provenance"], Value::Null);
        assert_eq!(json["files"][1]["yanked"], true);
        let html = std::fs::read_to_string(dir.path().join("simple/demo-pkg/index.html")).unwrap();
        assert!(html.contains("data-provenance="));
        assert!(html.contains("data-yanked"));
        assert!(dir
            .path()
            .join("integrity/demo-pkg/1.0/demo_pkg-1.0.tar.gz/provenance")
            .exists());
    }

    #[test]
    fn an_empty_index_is_an_empty_directory() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("index");
        FakeIndex::new().write(&root).unwrap();
        assert!(root.join("simple").is_dir());
    }

    #[test]
    fn old_api_pages_carry_no_provenance_fields() {
        let dir = tempfile::tempdir().unwrap();
        let mut index = FakeIndex::new().api_version("1.1");
        index.add(
            "a",
            FakeFile::new("a-1.0.tar.gz", &"a".repeat(64)).with_provenance(b"{}".to_vec()),
        );
        index.write(dir.path()).unwrap();
        let json: Value =
            serde_json::from_slice(&std::fs::read(dir.path().join("simple/a/index.json")).unwrap())
                .unwrap();
        assert!(json["files"][0].get("provenance").is_none());
        let html = std::fs::read_to_string(dir.path().join("simple/a/index.html")).unwrap();
        assert!(!html.contains("data-provenance"));
        assert!(dir
            .path()
            .join("integrity/a/1.0/a-1.0.tar.gz/provenance")
            .exists());
    }
}
