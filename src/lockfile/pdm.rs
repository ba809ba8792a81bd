//! pdm.lock, lock_version 4.0 to 4.5 (what pdm 2.29 reads: its own major, no newer minor):
//! per-package `files` (`{file|url, hash}`; `url` only with the `static_urls` strategy, as
//! pdm refuses it otherwise). pdm no longer reads the `[metadata.files]` of older locks, so
//! neither does pubgate: a package without `files` is installed unchecked, and every file
//! of its release is examined. `git`/`hg`/`svn`/`bzr`, `url` and `path` entries are direct
//! sources. Extras are locked as extra entries of the same release, merged here. pdm does not
//! record the index: the project's `[[tool.pdm.source]]` say where pdm looks (PyPI when the
//! project names none), and locked file URLs (`static_urls`) where it downloads.

use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::common::{error_at, first_line, from_toml, major_minor, project_name, Assembly};
use super::hashes::{self, Accepted};
use super::project::{self, ProjectFile};
use super::text::{self, LineIndex};
use super::{
    Artifact, IndexKind, Location, LockError, LockFormat, LockedPackage, Lockfile, Source,
};
use crate::url::SecretUrl;

#[derive(Deserialize)]
struct LockWire {
    #[serde(default)]
    package: Vec<PackageWire>,
    metadata: Option<MetadataWire>,
}

#[derive(Deserialize)]
struct MetadataWire {
    lock_version: Option<Spanned<toml::Value>>,
    /// `static_urls` allows file URLs; older locks say so with a boolean key.
    strategy: Option<Vec<String>>,
    static_urls: Option<bool>,
}

/// The newest lock_version minor of major 4 that pdm 2.29 reads (its `spec_version` 4.5.1).
const NEWEST_MINOR: u64 = 5;

#[derive(Deserialize)]
struct PackageWire {
    name: Spanned<String>,
    version: Option<String>,
    marker: Option<String>,
    files: Option<Vec<FileWire>>,
    git: Option<String>,
    hg: Option<String>,
    svn: Option<String>,
    bzr: Option<String>,
    revision: Option<String>,
    url: Option<String>,
    path: Option<String>,
    editable: Option<bool>,
}

#[derive(Deserialize, Clone)]
struct FileWire {
    file: Option<String>,
    url: Option<String>,
    hash: Option<String>,
}

#[cfg(test)]
pub(super) fn parse(text: &str, path: &Path) -> Result<Lockfile, LockError> {
    parse_with_project(text, path, None)
}

/// Reads a pdm.lock; `project` is the `pyproject.toml` beside it, whose
/// `[[tool.pdm.source]]` are where pdm looks for every locked file.
pub(super) fn parse_with_project(
    text: &str,
    path: &Path,
    project: Option<&ProjectFile>,
) -> Result<Lockfile, LockError> {
    let lines = LineIndex::new(text);
    let wire: LockWire = from_toml(text, path, &lines, "pdm.lock")?;
    let Some(metadata) = wire.metadata else {
        return Err(LockError::Invalid {
            path: path.to_path_buf(),
            message: "has no `[metadata]` table, so it is not a pdm.lock pubgate can read: re-create it with `pdm lock`".into(),
        });
    };
    check_lock_version(metadata.lock_version.as_ref(), path, &lines)?;
    let static_urls = metadata
        .strategy
        .as_ref()
        .is_some_and(|s| s.iter().any(|flag| flag == "static_urls"))
        || metadata.static_urls == Some(true);

    let mut assembly = Assembly::new(path, LockFormat::Pdm);
    assembly.merge_releases = true;
    let default_index = match project {
        Some(project) => configured_sources(project, &mut assembly)?,
        None => super::PYPI_SIMPLE.to_string(),
    };
    for package in wire.package {
        let location = assembly.location(lines.line(package.name.span().start));
        let name = project_name(package.name.get_ref(), &location)?;
        let files = package.files.clone().unwrap_or_default();
        if !static_urls && files.iter().any(|file| file.url.is_some()) {
            return Err(error_at(
                &location,
                format!("package `{name}` locks file URLs but the lock's `strategy` has no `static_urls`, so pdm refuses it: re-create it with `pdm lock` (add `--static-urls` to keep URLs)"),
            ));
        }
        let artifacts = files
            .iter()
            .map(|file| artifact(file, &name, &location))
            .collect::<Result<Vec<_>, _>>()?;
        let source = source(&package, &files, &default_index);
        assembly.packages.push(LockedPackage {
            name,
            version: package.version,
            source,
            artifacts,
            marker: package.marker.filter(|m| !m.trim().is_empty()),
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
            message: "has no `metadata.lock_version`: re-create it with `pdm lock`".into(),
        });
    };
    let supported = match version.get_ref() {
        toml::Value::String(text) => {
            matches!(major_minor(text), Some((4, minor)) if minor <= NEWEST_MINOR)
        }
        _ => false,
    };
    if supported {
        return Ok(());
    }
    Err(LockError::Syntax {
        location: Location {
            path: path.to_path_buf(),
            line: lines.line(version.span().start),
        },
        message: format!(
            "pdm.lock `lock_version = {}` is not supported (pubgate reads 4.0 to 4.{NEWEST_MINOR}, as pdm 2.29 does): re-lock with a current `pdm lock`, or upgrade pubgate",
            version.get_ref()
        ),
        excerpt: None,
    })
}

/// pdm's sources (`Project.get_sources`): the project's `[[tool.pdm.source]]`, a source named
/// `pypi` replacing PyPI's URL, PyPI first otherwise. pdm looks for a locked file on every
/// one of them, so each is a source the lock uses (at the pyproject.toml); the first is
/// where an unsourced package is looked up.
fn configured_sources(project: &ProjectFile, assembly: &mut Assembly) -> Result<String, LockError> {
    let configured = project::pdm_sources(project)?;
    let mut urls: Vec<(String, bool, Option<bool>)> = Vec::new();
    if !configured.iter().any(|s| s.name == "pypi") {
        urls.push((super::PYPI_SIMPLE.to_string(), false, None));
    }
    for source in configured {
        let Some(url) = source.url else { continue };
        let find_links = source.kind.as_deref() == Some("find_links");
        if source.name == "pypi" {
            urls.insert(0, (url, find_links, source.verify_ssl));
        } else {
            urls.push((url, find_links, source.verify_ssl));
        }
    }
    let at = Location {
        path: project.path.clone(),
        line: 1,
    };
    let mut first_index = None;
    for (url, find_links, verify_ssl) in &urls {
        let kind = if *find_links {
            IndexKind::FindLinks
        } else if first_index.is_none() {
            first_index = Some(url.clone());
            IndexKind::Index
        } else {
            IndexKind::ExtraIndex
        };
        if urls.len() > 1 || url != super::PYPI_SIMPLE {
            assembly.add_index(url, kind, at.clone());
        }
        if *verify_ssl == Some(false) {
            if let Some(host) = text::host_and_port_of(url) {
                assembly.add_index(&host, IndexKind::TrustedHost, at.clone());
            }
        }
    }
    Ok(first_index.unwrap_or_else(|| super::PYPI_SIMPLE.to_string()))
}

fn source(package: &PackageWire, files: &[FileWire], default_index: &str) -> Source {
    let vcs = [
        ("git", &package.git),
        ("hg", &package.hg),
        ("svn", &package.svn),
        ("bzr", &package.bzr),
    ]
    .into_iter()
    .find_map(|(kind, url)| url.as_ref().map(|url| (kind, url)));
    if let Some((kind, url)) = vcs {
        let url = if kind == "git" || url.contains('+') {
            url.clone()
        } else {
            format!("{kind}+{url}")
        };
        return Source::Git {
            url: SecretUrl::new(url),
            commit: package.revision.clone(),
        };
    }
    if let Some(url) = &package.url {
        return Source::Url {
            url: SecretUrl::new(url.clone()),
        };
    }
    if let Some(path) = &package.path {
        return if package.editable == Some(true) {
            Source::Editable { path: path.clone() }
        } else {
            Source::Path { path: path.clone() }
        };
    }
    let urls: Vec<&str> = files
        .iter()
        .filter_map(|file| file.url.as_deref())
        .collect();
    let index = if urls.is_empty() {
        // pdm finds the files on its sources
        default_index.to_string()
    } else {
        // `static_urls`: pdm downloads the locked URLs themselves
        text::index_from_file_urls(urls)
    };
    Source::Index {
        url: SecretUrl::new(index),
    }
}

fn artifact(file: &FileWire, name: &str, location: &Location) -> Result<Artifact, LockError> {
    let filename = file
        .file
        .clone()
        .or_else(|| file.url.as_deref().map(text::file_name_of))
        .filter(|filename| !filename.is_empty())
        .ok_or_else(|| {
            error_at(
                location,
                format!("package `{name}` has a file with neither `file` nor `url`: re-create the lockfile with `pdm lock`"),
            )
        })?;
    // pdm's `convert_hashes`: `ALGORITHM:HEX` with any hashlib algorithm, a bare digest
    // being sha256
    let (sha256, other_hashes) = match &file.hash {
        Some(hash) => match hash.split_once(':') {
            Some((algorithm, digest)) => hashes::check(algorithm, digest, Accepted::Hashlib),
            None => hashes::check("sha256", hash, Accepted::Hashlib),
        }
        .map_err(|reason| {
            error_at(
                location,
                format!(
                    "package `{name}`, `{filename}`: {}: re-create the lockfile with `pdm lock`",
                    first_line(&reason)
                ),
            )
        })?
        .into_fields(),
        None => (None, Vec::new()),
    };
    Ok(Artifact {
        filename,
        sha256,
        other_hashes,
        url: file.url.clone().map(SecretUrl::new),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Lockfile, LockError> {
        parse(text, Path::new("pdm.lock"))
    }

    const H: &str = "1111111111111111111111111111111111111111111111111111111111111111";

    #[test]
    fn extras_entries_merge_and_metadata_files_are_not_read() {
        let text = format!(
            r#"[[package]]
name = "CacheControl"
version = "0.12.11"

[[package]]
name = "cachecontrol"
version = "0.12.11"
extras = ["filecache"]

[[package]]
name = "tool"
version = "1.0"
git = "https://github.com/o/tool.git"
revision = "abc"

[[package]]
name = "local"
version = "0.1"
path = "./local"
editable = true

[metadata]
lock_version = "4.0"
strategy = ["static_urls"]

[metadata.files]
"cachecontrol 0.12.11" = [
    {{url = "https://files.pythonhosted.org/p/CacheControl-0.12.11.tar.gz", hash = "sha256:{H}"}},
]
"#
        );
        let lock = parse_text(&text).unwrap();
        let summary: Vec<(&str, &str, usize, u32)> = lock
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.source.kind(),
                    p.artifacts.len(),
                    p.location.line,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                // pdm 2.29 ignores `[metadata.files]`: the package is unhashed
                ("cachecontrol", "index", 0, 2),
                ("tool", "git", 0, 11),
                ("local", "editable", 0, 17)
            ]
        );
    }

    #[test]
    fn file_urls_need_the_static_urls_strategy() {
        let text = format!("[metadata]\nlock_version = \"4.5.0\"\nstrategy = [\"inherit_metadata\"]\n[[package]]\nname = \"t\"\nversion = \"1\"\nfiles = [{{url = \"https://files.pythonhosted.org/t-1.tar.gz\", hash = \"sha256:{H}\"}}]\n");
        let err = parse_text(&text).unwrap_err().to_string();
        assert!(
            err.starts_with("pdm.lock:5:") && err.contains("static_urls"),
            "{err}"
        );
    }

    #[test]
    fn foreign_file_urls_are_another_index() {
        let text = format!("[metadata]\nlock_version = \"4.5.0\"\nstrategy = [\"static_urls\"]\n[[package]]\nname = \"t\"\nversion = \"1\"\nfiles = [{{url = \"https://mirror.example/t-1.tar.gz\", hash = \"sha256:{H}\"}}]\n");
        let lock = parse_text(&text).unwrap();
        assert_eq!(
            lock.packages[0].source,
            Source::Index {
                url: SecretUrl::new("https://mirror.example")
            }
        );
    }

    #[test]
    fn lock_versions() {
        let err = parse_text("[metadata]\nlock_version = \"2.0\"\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("`lock_version = \"2.0\"` is not supported"),
            "{err}"
        );
        assert!(parse_text("[metadata]\nlock_version = \"4.5\"\n").is_ok());
        // pdm 2.29 refuses a newer minor and the 3.x of pdm 1
        assert!(parse_text("[metadata]\nlock_version = \"4.6\"\n").is_err());
        assert!(parse_text("[metadata]\nlock_version = \"3.1\"\n").is_err());
        assert!(parse_text("[[package]]\nname = \"a\"\nversion = \"1\"\n").is_err());
    }

    #[test]
    fn the_projects_sources_are_where_pdm_looks() {
        let text = format!("[metadata]\nlock_version = \"4.5.0\"\n[[package]]\nname = \"t\"\nversion = \"1\"\nfiles = [{{file = \"t-1.tar.gz\", hash = \"sha256:{H}\"}}]\n");
        let project = |text: &str| ProjectFile {
            path: std::path::PathBuf::from("pyproject.toml"),
            text: text.to_string(),
        };
        let path = Path::new("pdm.lock");
        // a source named `pypi` replaces PyPI
        let own = project("[[tool.pdm.source]]\nname = \"pypi\"\nurl = \"https://own.example/simple\"\nverify_ssl = false\n");
        let lock = parse_with_project(&text, path, Some(&own)).unwrap();
        assert_eq!(
            lock.packages[0].source,
            Source::Index {
                url: SecretUrl::new("https://own.example/simple")
            }
        );
        let kinds: Vec<IndexKind> = lock.indexes.iter().map(|i| i.kind).collect();
        assert_eq!(kinds, [IndexKind::Index, IndexKind::TrustedHost]);
        // another source is searched too, after PyPI
        let extra = project(
            "[[tool.pdm.source]]\nname = \"private\"\nurl = \"https://private.example/simple\"\n",
        );
        let lock = parse_with_project(&text, path, Some(&extra)).unwrap();
        assert_eq!(
            lock.packages[0].source,
            Source::Index {
                url: SecretUrl::new(super::super::PYPI_SIMPLE)
            }
        );
        let found: Vec<(&str, IndexKind)> = lock
            .indexes
            .iter()
            .map(|i| (i.url.expose(), i.kind))
            .collect();
        assert_eq!(
            found,
            [
                (super::super::PYPI_SIMPLE, IndexKind::Index),
                ("https://private.example/simple", IndexKind::ExtraIndex)
            ]
        );
        // no project file or no sources: PyPI, and no source recorded
        assert!(
            parse_with_project(&text, path, Some(&project("[project]\nname = \"x\"\n")))
                .unwrap()
                .indexes
                .is_empty()
        );
    }
}
