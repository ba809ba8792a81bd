//! poetry.lock, lock-version 1.x and 2.x (Poetry's own read range `>=1,<3`; Poetry 2 refuses
//! a lock without `lock-version`): per-package `files` (2.x; present, even empty, it is
//! what Poetry checks), else `[metadata.hashes]` or `[metadata.files]` keyed by name, as
//! `Locker._get_locked_package` reads them; sources `legacy`, `git`, `directory`, `file`,
//! `url`. Poetry finds a `legacy` package's index by its `reference` in the project's
//! `[[tool.poetry.source]]`, and a package without a source on PyPI unless the project's
//! primary sources replace it: with the project's `pyproject.toml` beside the lock, pubgate
//! resolves both the same way (see `docs/lockfiles.md`).

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::common::{error_at, first_line, from_toml, major_minor, project_name, Assembly};
use super::hashes::{self, Accepted};
use super::project::{self, ConfiguredSource, ProjectFile};
use super::text::{self, LineIndex};
use super::{
    Artifact, IndexKind, Location, LockError, LockFormat, LockedPackage, Lockfile, Source,
};
use crate::dist::{self, DistFilename};
use crate::url::SecretUrl;

#[derive(Deserialize)]
struct LockWire {
    #[serde(default)]
    package: Vec<PackageWire>,
    metadata: Option<MetadataWire>,
}

#[derive(Deserialize)]
struct MetadataWire {
    #[serde(rename = "lock-version")]
    lock_version: Option<Spanned<toml::Value>>,
    /// lock-version 1.x: files of every package, keyed by (pretty) name only.
    files: Option<BTreeMap<String, Vec<FileWire>>>,
    /// The oldest layout: bare sha256 digests keyed by name.
    hashes: Option<BTreeMap<String, Vec<String>>>,
}

#[derive(Deserialize)]
struct PackageWire {
    name: Spanned<String>,
    version: Option<String>,
    /// Required by Poetry's reader (it refuses a package without them).
    optional: Option<toml::Value>,
    #[serde(rename = "python-versions")]
    python_versions: Option<toml::Value>,
    /// A string, or a table of markers per dependency group.
    markers: Option<toml::Value>,
    marker: Option<toml::Value>,
    files: Option<Vec<FileWire>>,
    source: Option<SourceWire>,
    develop: Option<bool>,
}

#[derive(Deserialize)]
struct SourceWire {
    #[serde(rename = "type")]
    kind: String,
    url: Option<String>,
    reference: Option<String>,
    resolved_reference: Option<String>,
}

#[derive(Deserialize, Clone)]
struct FileWire {
    file: String,
    hash: String,
}

/// How many entries of one name may take its `[metadata.files]` (1.x locks list files per
/// name; a name has a few versions at most).
const MAX_SHARED_USES: usize = 16;

#[cfg(test)]
pub(super) fn parse(text: &str, path: &Path) -> Result<Lockfile, LockError> {
    parse_with_project(text, path, None)
}

/// Reads a poetry.lock; `project` is the `pyproject.toml` beside it, whose
/// `[[tool.poetry.source]]` Poetry resolves package sources with.
pub(super) fn parse_with_project(
    text: &str,
    path: &Path,
    project: Option<&ProjectFile>,
) -> Result<Lockfile, LockError> {
    let pool = match project {
        Some(project) => Some(Pool::new(project::poetry_sources(project)?)),
        None => None,
    };
    let lines = LineIndex::new(text);
    let wire: LockWire = from_toml(text, path, &lines, "poetry.lock")?;
    let Some(metadata) = wire.metadata else {
        return Err(LockError::Invalid {
            path: path.to_path_buf(),
            message: "has no `[metadata]` table, so it is not a complete poetry.lock: re-create it with `poetry lock`".into(),
        });
    };
    check_lock_version(metadata.lock_version.as_ref(), path, &lines)?;
    let has_hashes_layout = metadata.hashes.is_some();

    // How many versions each name has, to split 1.x's per-name file lists between them.
    let mut versions_per_name: BTreeMap<String, usize> = BTreeMap::new();
    for package in &wire.package {
        *versions_per_name
            .entry(dist::normalize_name(package.name.get_ref()))
            .or_default() += 1;
    }
    let shared_files = normalized_keys(metadata.files.unwrap_or_default());
    let shared_hashes = normalized_keys(metadata.hashes.unwrap_or_default());
    // each name's files by the version their filename names, parsed once: a lock with many
    // versions and many files of one name stays linear
    let mut files_by_version: HashMap<&str, HashMap<Option<pep440_rs::Version>, Vec<&FileWire>>> =
        HashMap::new();
    for (name, files) in &shared_files {
        let by_version = files_by_version.entry(name.as_str()).or_default();
        for file in files {
            let version = DistFilename::parse(&file.file)
                .ok()
                .map(|parsed| parsed.version().clone());
            by_version.entry(version).or_default().push(file);
        }
    }
    // how often each name's shared files or hashes were handed out: entries repeating a
    // release would otherwise multiply them (packages × files)
    let mut shared_uses: HashMap<String, usize> = HashMap::new();

    let mut assembly = Assembly::new(path, LockFormat::Poetry);
    for package in wire.package {
        let location = assembly.location(lines.line(package.name.span().start));
        let name = project_name(package.name.get_ref(), &location)?;
        let Some(version) = package.version else {
            return Err(error_at(
                &location,
                format!(
                    "package `{name}` has no `version`: re-create the lockfile with `poetry lock`"
                ),
            ));
        };
        for (key, present) in [
            ("optional", package.optional.is_some()),
            ("python-versions", package.python_versions.is_some()),
        ] {
            if !present {
                return Err(error_at(
                    &location,
                    format!("package `{name}` has no `{key}`, so Poetry refuses the lock: re-create it with `poetry lock`"),
                ));
            }
        }
        let source_kind = package.source.as_ref().map(|s| s.kind.clone());
        let file_name_of_source = match &package.source {
            Some(wire) if wire.kind == "file" => wire.url.as_deref().map(text::file_name_of),
            _ => None,
        };
        let source = source(
            package.source,
            package.develop,
            &name,
            &location,
            &mut assembly,
            pool.as_ref(),
        )?;
        let mut artifacts = Vec::new();
        // `Locker._get_locked_package`: `files` when the key is there (even empty), else
        // `[metadata.hashes]`, else nothing for git, directory and url sources, else
        // `[metadata.files]` (only the source's own file for a `file` source)
        let no_shared_files = package.files.is_none()
            && !has_hashes_layout
            && matches!(source_kind.as_deref(), Some("git" | "directory" | "url"));
        match package.files {
            Some(files) => {
                for file in &files {
                    artifacts.push(artifact(file, &name, &location)?);
                }
            }
            None if no_shared_files => {}
            None => {
                let uses = shared_uses.entry(name.to_string()).or_default();
                *uses += 1;
                let shared = shared_files.contains_key(name.as_str())
                    || shared_hashes.contains_key(name.as_str());
                if shared && *uses > MAX_SHARED_USES {
                    return Err(error_at(
                        &location,
                        format!("more than {MAX_SHARED_USES} entries of `{name}` share its `[metadata.files]`: re-create the lockfile with `poetry lock`"),
                    ));
                }
                let alone = versions_per_name.get(name.as_str()).copied().unwrap_or(0) <= 1;
                let files: Vec<&FileWire> = if alone {
                    shared_files
                        .get(name.as_str())
                        .into_iter()
                        .flatten()
                        .collect()
                } else {
                    let parsed = version.parse::<pep440_rs::Version>().ok();
                    parsed
                        .and_then(|v| files_by_version.get(name.as_str())?.get(&Some(v)))
                        .cloned()
                        .unwrap_or_default()
                };
                for file in files {
                    if file_name_of_source
                        .as_deref()
                        .is_some_and(|own| own != file.file)
                    {
                        continue;
                    }
                    artifacts.push(artifact(file, &name, &location)?);
                }
                for digest in shared_hashes.get(name.as_str()).into_iter().flatten() {
                    let sha256 = text::sha256_hex(digest).map_err(|reason| {
                        error_at(&location, format!("package `{name}`: {reason}"))
                    })?;
                    artifacts.push(Artifact {
                        filename: String::new(),
                        sha256: Some(sha256),
                        other_hashes: Vec::new(),
                        url: None,
                    });
                }
            }
        }
        assembly.packages.push(LockedPackage {
            name,
            version: Some(version),
            source,
            artifacts,
            marker: marker(package.marker.or(package.markers)),
            location,
            attestation_identities: Vec::new(),
        });
    }
    assembly.finish()
}

fn check_lock_version(
    version: Option<&Spanned<toml::Value>>,
    path: &Path,
    lines: &LineIndex,
) -> Result<(), LockError> {
    let Some(version) = version else {
        return Err(LockError::Invalid {
            path: path.to_path_buf(),
            message: "has no `metadata.lock-version`, so Poetry 2 refuses it: re-create it with `poetry lock`".into(),
        });
    };
    let text = match version.get_ref() {
        toml::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    match major_minor(&text) {
        Some((1 | 2, _)) => Ok(()),
        _ => Err(LockError::Syntax {
            location: Location {
                path: path.to_path_buf(),
                line: lines.line(version.span().start),
            },
            message: format!(
                "poetry.lock `lock-version = {}` is not supported (pubgate reads 1.x and 2.x): upgrade pubgate, or re-lock with a Poetry that writes 2.x",
                version.get_ref()
            ),
            excerpt: None,
        }),
    }
}

fn normalized_keys<T>(map: BTreeMap<String, T>) -> BTreeMap<String, T> {
    map.into_iter()
        .map(|(name, value)| (dist::normalize_name(&name), value))
        .collect()
}

/// One `{file, hash}` entry. Poetry checks a downloaded file against the entries of its
/// name, with the strongest algorithm among them (`_validate_archive_hash`, any `hashlib`
/// algorithm); every algorithm is recorded, since which one is strongest is Poetry's choice.
fn artifact(file: &FileWire, name: &str, location: &Location) -> Result<Artifact, LockError> {
    let (sha256, other_hashes) = hashes::check_colon(&file.hash, Accepted::Hashlib)
        .map_err(|reason| {
            error_at(
                location,
                format!(
                    "package `{name}`, `{}`: {}: re-create the lockfile with `poetry lock`",
                    file.file,
                    first_line(&reason)
                ),
            )
        })?
        .into_fields();
    Ok(Artifact {
        filename: file.file.clone(),
        sha256,
        other_hashes,
        url: None,
    })
}

fn marker(value: Option<toml::Value>) -> Option<String> {
    match value? {
        toml::Value::String(marker) => Some(marker).filter(|m| !m.trim().is_empty()),
        toml::Value::Table(groups) => {
            let mut markers: Vec<String> = groups
                .into_iter()
                .filter_map(|(_, marker)| match marker {
                    toml::Value::String(marker) => Some(marker),
                    _ => None,
                })
                .collect();
            markers.sort();
            markers.dedup();
            match markers.len() {
                0 => None,
                1 => markers.pop(),
                _ => Some(
                    markers
                        .iter()
                        .map(|m| format!("({m})"))
                        .collect::<Vec<_>>()
                        .join(" or "),
                ),
            }
        }
        _ => None,
    }
}

/// Poetry's repository pool from `[[tool.poetry.source]]` (`Factory.create_pool`): the
/// configured sources by lowercase name, and where a package without a source comes from
/// (PyPI, unless primary sources replace it: then the first of them).
struct Pool {
    by_name: HashMap<String, String>,
    default: Option<String>,
}

impl Pool {
    fn new(sources: Vec<ConfiguredSource>) -> Pool {
        let mut by_name = HashMap::new();
        let mut primary = Vec::new();
        let mut explicit_pypi = false;
        for source in sources {
            let name = source.name.to_ascii_lowercase();
            let url = if name == "pypi" {
                explicit_pypi = true;
                super::PYPI_SIMPLE.to_string()
            } else {
                source.url.unwrap_or_default()
            };
            if source.priority == "primary" {
                primary.push(url.clone());
            }
            by_name.entry(name).or_insert(url);
        }
        if !explicit_pypi && primary.is_empty() {
            by_name.insert("pypi".into(), super::PYPI_SIMPLE.into());
            primary.push(super::PYPI_SIMPLE.into());
        }
        let default = by_name
            .get("pypi")
            .cloned()
            .or_else(|| primary.first().cloned());
        Pool { by_name, default }
    }
}

fn source(
    wire: Option<SourceWire>,
    develop: Option<bool>,
    name: &str,
    location: &Location,
    assembly: &mut Assembly,
    pool: Option<&Pool>,
) -> Result<Source, LockError> {
    let Some(wire) = wire else {
        let url = match pool {
            Some(pool) => pool.default.clone().ok_or_else(|| {
                error_at(
                    location,
                    format!("package `{name}` has no source, and the project's `[[tool.poetry.source]]` leaves Poetry no repository to take it from: fix the pyproject.toml"),
                )
            })?,
            None => super::PYPI_SIMPLE.to_string(),
        };
        if url != super::PYPI_SIMPLE {
            assembly.add_index(&url, IndexKind::Index, location.clone());
        }
        return Ok(Source::Index {
            url: SecretUrl::new(url),
        });
    };
    let url = |what: &str| {
        wire.url.clone().ok_or_else(|| {
            error_at(
                location,
                format!("package `{name}` has a `{what}` source without a `url`: re-create the lockfile with `poetry lock`"),
            )
        })
    };
    Ok(match wire.kind.as_str() {
        "legacy" => {
            let mut url = url("legacy")?;
            if let Some(pool) = pool {
                // Poetry takes the repository the project names `reference`; the lock's
                // `url` is only a record of where it was when locked
                let reference = wire.reference.clone().unwrap_or_default();
                url = pool
                    .by_name
                    .get(&reference.to_ascii_lowercase())
                    .cloned()
                    .ok_or_else(|| {
                        error_at(
                            location,
                            format!("package `{name}` comes from source `{reference}`, which the project's pyproject.toml does not configure, so Poetry refuses to install it: add it to `[[tool.poetry.source]]` or re-lock"),
                        )
                    })?;
            }
            assembly.add_index(&url, IndexKind::Index, location.clone());
            Source::Index {
                url: SecretUrl::new(url),
            }
        }
        "pypi" => Source::Index {
            url: SecretUrl::new(super::PYPI_SIMPLE),
        },
        "git" => Source::Git {
            url: SecretUrl::new(url("git")?),
            commit: wire.resolved_reference.clone(),
        },
        "directory" => {
            let path = url("directory")?;
            if develop == Some(true) {
                Source::Editable { path }
            } else {
                Source::Path { path }
            }
        }
        "file" => {
            let location = url("file")?;
            if text::has_scheme(&location) && !location.starts_with("file:") {
                Source::Url {
                    url: SecretUrl::new(location),
                }
            } else {
                Source::Path { path: location }
            }
        }
        "url" => Source::Url {
            url: SecretUrl::new(url("url")?),
        },
        other => {
            return Err(error_at(
                location,
                format!(
                    "package `{name}` has a source of unknown type `{other}` (pubgate knows legacy, git, directory, file, url): upgrade pubgate"
                ),
            ))
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Lockfile, LockError> {
        parse(text, Path::new("poetry.lock"))
    }

    const H1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
    const H2: &str = "2222222222222222222222222222222222222222222222222222222222222222";
    const MD5: &str = "0123456789abcdef0123456789abcdef";

    #[test]
    fn lock_version_1_shares_files_by_name_across_versions() {
        let text = format!(
            r#"[[package]]
name = "NumPy"
version = "1.26.4"
optional = false
python-versions = "*"
category = "main"

[[package]]
name = "numpy"
version = "2.0.0"
optional = false
python-versions = "*"
category = "main"

[[package]]
name = "Jinja2"
version = "3.1.0"
optional = false
python-versions = "*"

[metadata]
lock-version = "1.1"
content-hash = "x"

[metadata.files]
numpy = [
    {{file = "numpy-1.26.4.tar.gz", hash = "sha256:{H1}"}},
    {{file = "numpy-2.0.0.tar.gz", hash = "sha256:{H2}"}},
]
jinja2 = [
    {{file = "Jinja2-3.1.0.tar.gz", hash = "md5:{MD5}"}},
    {{file = "Jinja2-3.1.0-py3-none-any.whl", hash = "sha256:{H1}"}},
]
"#
        );
        let lock = parse_text(&text).unwrap();
        let files: Vec<(String, Vec<String>)> = lock
            .packages
            .iter()
            .map(|p| {
                (
                    format!("{}=={}", p.name, p.version.clone().unwrap()),
                    p.artifacts.iter().map(|a| a.filename.clone()).collect(),
                )
            })
            .collect();
        assert_eq!(
            files,
            vec![
                (
                    "numpy==1.26.4".to_string(),
                    vec!["numpy-1.26.4.tar.gz".to_string()]
                ),
                (
                    "numpy==2.0.0".to_string(),
                    vec!["numpy-2.0.0.tar.gz".to_string()]
                ),
                (
                    "jinja2==3.1.0".to_string(),
                    vec![
                        "Jinja2-3.1.0.tar.gz".to_string(),
                        "Jinja2-3.1.0-py3-none-any.whl".to_string()
                    ]
                ),
            ]
        );
        // a non-sha256 hash keeps the file, with that hash among its other hashes
        assert_eq!(lock.packages[2].artifacts[0].sha256, None);
        assert_eq!(
            lock.packages[2].artifacts[0].other_hashes[0].to_string(),
            format!("md5:{MD5}")
        );
        assert_eq!(lock.packages[0].location.line, 2);
    }

    #[test]
    fn oldest_layout_without_lock_version_uses_metadata_hashes() {
        let text = format!("[[package]]\nname = \"six\"\nversion = \"1.16.0\"\noptional = false\npython-versions = \"*\"\n\n[metadata]\nlock-version = \"1.0\"\ncontent-hash = \"x\"\n\n[metadata.hashes]\nsix = [\"{H1}\"]\n");
        let lock = parse_text(&text).unwrap();
        assert_eq!(lock.packages[0].artifacts[0].filename, "");
        assert_eq!(lock.packages[0].artifacts[0].sha256.as_deref(), Some(H1));
    }

    #[test]
    fn sources_and_markers() {
        let text = r#"[[package]]
name = "a"
version = "1"
optional = false
python-versions = "*"
markers = {main = "python_version < '3.11'", dev = "sys_platform == 'linux'"}
files = []
[package.source]
type = "legacy"
url = "https://private.example/simple"
reference = "private"

[[package]]
name = "b"
version = "2"
optional = false
python-versions = "*"
files = []
develop = true
[package.source]
type = "directory"
url = "../b"

[[package]]
name = "c"
version = "3"
optional = false
python-versions = "*"
files = []
[package.source]
type = "git"
url = "https://github.com/o/c.git"
reference = "main"
resolved_reference = "e3998b0e111dc03e4aa721fd054c48e5c7de6fc5"

[[package]]
name = "d"
version = "4"
optional = false
python-versions = "*"
[package.source]
type = "file"
url = "dist/d-4.tar.gz"

[metadata]
lock-version = "2.1"
"#;
        let lock = parse_text(text).unwrap();
        let kinds: Vec<&str> = lock.packages.iter().map(|p| p.source.kind()).collect();
        assert_eq!(kinds, vec!["index", "editable", "git", "path"]);
        assert_eq!(
            lock.packages[0].marker.as_deref(),
            Some("(python_version < '3.11') or (sys_platform == 'linux')")
        );
        assert_eq!(
            lock.indexes[0].url.expose(),
            "https://private.example/simple"
        );
        let err = parse_text(&text.replace("\"directory\"", "\"svn\"")).unwrap_err();
        assert!(err.to_string().contains("unknown type `svn`"), "{err}");
    }

    #[test]
    fn lock_versions() {
        let err = parse_text("[metadata]\nlock-version = \"3.0\"\n").unwrap_err();
        assert_eq!(
            err.to_string(),
            "poetry.lock:2: poetry.lock `lock-version = \"3.0\"` is not supported (pubgate reads 1.x and 2.x): upgrade pubgate, or re-lock with a Poetry that writes 2.x"
        );
        assert!(parse_text("[metadata]\nlock-version = \"2.2\"\n").is_ok());
        assert!(parse_text("[[package]]\nname = \"a\"\nversion = \"1\"\n").is_err());
    }

    fn project(text: &str) -> ProjectFile {
        ProjectFile {
            path: std::path::PathBuf::from("pyproject.toml"),
            text: text.to_string(),
        }
    }

    #[test]
    fn an_empty_files_list_is_what_poetry_checks() {
        let text = format!("[[package]]\nname = \"a\"\nversion = \"1\"\noptional = false\npython-versions = \"*\"\nfiles = []\n\n[metadata]\nlock-version = \"2.1\"\n\n[metadata.files]\na = [{{file = \"a-1.tar.gz\", hash = \"sha256:{H1}\"}}]\n");
        let lock = parse_text(&text).unwrap();
        // Poetry installs it unchecked: no artifact, so every file of the release is examined
        assert!(lock.packages[0].artifacts.is_empty());
        let err = parse_text(&text.replace("optional = false\n", "")).unwrap_err();
        assert!(err.to_string().contains("no `optional`"), "{err}");
        let err = parse_text("[metadata]\ncontent-hash = \"x\"\n").unwrap_err();
        assert!(
            err.to_string().contains("no `metadata.lock-version`"),
            "{err}"
        );
    }

    #[test]
    fn sources_resolve_through_the_project() {
        let text = "[[package]]\nname = \"a\"\nversion = \"1\"\noptional = false\npython-versions = \"*\"\nfiles = []\n[package.source]\ntype = \"legacy\"\nurl = \"https://recorded.example/simple\"\nreference = \"private\"\n\n[[package]]\nname = \"b\"\nversion = \"1\"\noptional = false\npython-versions = \"*\"\nfiles = []\n\n[metadata]\nlock-version = \"2.1\"\n";
        let path = Path::new("poetry.lock");
        let urls = |lock: &Lockfile| -> Vec<String> {
            lock.packages
                .iter()
                .map(|p| match &p.source {
                    Source::Index { url } => url.expose().to_string(),
                    other => other.kind().to_string(),
                })
                .collect()
        };
        // a supplemental source: the reference resolves to the project's URL, PyPI stays
        let supplemental = project("[[tool.poetry.source]]\nname = \"Private\"\nurl = \"https://configured.example/simple\"\npriority = \"supplemental\"\n");
        let lock = parse_with_project(text, path, Some(&supplemental)).unwrap();
        assert_eq!(
            urls(&lock),
            [
                "https://configured.example/simple",
                "https://pypi.org/simple"
            ]
        );
        // a primary source deactivates PyPI: an unsourced package comes from it
        let primary = project("[[tool.poetry.source]]\nname = \"private\"\nurl = \"https://configured.example/simple\"\n");
        let lock = parse_with_project(text, path, Some(&primary)).unwrap();
        assert_eq!(
            urls(&lock),
            [
                "https://configured.example/simple",
                "https://configured.example/simple"
            ]
        );
        // a reference the project does not configure: Poetry refuses to install it
        let none = project("[tool.poetry]\nname = \"x\"\n");
        let err = parse_with_project(text, path, Some(&none))
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("`private`") && err.contains("does not configure"),
            "{err}"
        );
        // without a project file: the lock's own URLs
        let lock = parse_with_project(text, path, None).unwrap();
        assert_eq!(
            urls(&lock),
            ["https://recorded.example/simple", "https://pypi.org/simple"]
        );
    }
}
