//! pylock.toml / pylock.NAME.toml (PEP 751), lock-version 1.x: each `[[packages]]` entry has
//! exactly one source kind: `vcs`, `directory`, `archive`, or `sdist`/`wheels` from an
//! index (`index`, else inferred from the file URLs: see `text::index_from_file_urls`).
//! Files with a local `path` are a local-file source (pip takes the `path` over a `url`).

pub(super) mod identities;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::common::{error_at, from_toml, major_minor, project_name, Assembly};
use super::hashes::{self, Accepted, Digest};
use super::text::{self, LineIndex};
use super::{
    Artifact, IndexKind, Location, LockError, LockFormat, LockedIdentity, LockedPackage, Lockfile,
    Source,
};
use crate::url::SecretUrl;

#[derive(Deserialize)]
struct LockWire {
    #[serde(rename = "lock-version")]
    lock_version: Option<Spanned<toml::Value>>,
    #[serde(default)]
    packages: Vec<PackageWire>,
}

#[derive(Deserialize)]
struct PackageWire {
    name: Spanned<String>,
    version: Option<String>,
    marker: Option<String>,
    index: Option<String>,
    vcs: Option<VcsWire>,
    directory: Option<DirectoryWire>,
    archive: Option<FileWire>,
    sdist: Option<FileWire>,
    wheels: Option<Vec<FileWire>>,
    #[serde(rename = "attestation-identities", default)]
    attestation_identities: Vec<Spanned<IdentityWire>>,
}

/// `[[packages.attestation-identities]]`: a PEP 740 publisher object as the locker saw it.
#[derive(Deserialize)]
struct IdentityWire {
    kind: String,
    repository: Option<String>,
    workflow: Option<String>,
    workflow_filepath: Option<String>,
    environment: Option<String>,
    email: Option<String>,
}

#[derive(Deserialize)]
struct VcsWire {
    #[serde(rename = "type")]
    kind: Option<String>,
    url: Option<String>,
    path: Option<String>,
    #[serde(rename = "commit-id")]
    commit_id: Option<String>,
}

#[derive(Deserialize)]
struct DirectoryWire {
    path: String,
    editable: Option<bool>,
}

/// An sdist, wheel or archive.
#[derive(Deserialize)]
struct FileWire {
    name: Option<String>,
    url: Option<String>,
    path: Option<String>,
    #[serde(default)]
    hashes: BTreeMap<String, String>,
}

pub(super) fn parse(text: &str, path: &Path) -> Result<Lockfile, LockError> {
    let lines = LineIndex::new(text);
    let wire: LockWire = from_toml(text, path, &lines, "pylock.toml")?;
    check_lock_version(wire.lock_version.as_ref(), path, &lines)?;

    let mut assembly = Assembly::new(path, LockFormat::Pylock);
    for package in wire.packages {
        let location = assembly.location(lines.line(package.name.span().start));
        let name = project_name(package.name.get_ref(), &location)?;
        let (source, artifacts) = source_and_artifacts(&package, &name, &location, &mut assembly)?;
        let attestation_identities = package
            .attestation_identities
            .iter()
            .map(|identity| {
                let line = lines.line(identity.span().start);
                let identity = identity.get_ref();
                LockedIdentity {
                    kind: identity.kind.clone(),
                    repository: identity.repository.clone(),
                    workflow: identity.workflow.clone(),
                    workflow_filepath: identity.workflow_filepath.clone(),
                    environment: identity.environment.clone().filter(|e| !e.is_empty()),
                    email: identity.email.clone(),
                    location: assembly.location(line),
                }
            })
            .collect();
        assembly.packages.push(LockedPackage {
            name,
            version: package.version,
            source,
            artifacts,
            marker: package.marker.filter(|m| !m.trim().is_empty()),
            location,
            attestation_identities,
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
            message:
                "has no `lock-version`, which PEP 751 requires: re-create it with its locking tool"
                    .into(),
        });
    };
    let supported = match version.get_ref() {
        toml::Value::String(text) => matches!(major_minor(text), Some((1, _))),
        _ => false,
    };
    if supported {
        // PEP 751: an unknown minor version is read (tools warn); an unknown major is an error
        return Ok(());
    }
    Err(LockError::Syntax {
        location: Location {
            path: path.to_path_buf(),
            line: lines.line(version.span().start),
        },
        message: format!(
            "pylock `lock-version = {}` is not supported (pubgate reads 1.x): upgrade pubgate",
            version.get_ref()
        ),
        excerpt: None,
    })
}

fn source_and_artifacts(
    package: &PackageWire,
    name: &str,
    location: &Location,
    assembly: &mut Assembly,
) -> Result<(Source, Vec<Artifact>), LockError> {
    let distributions = package.sdist.is_some() || package.wheels.is_some();
    let kinds = [
        package.vcs.is_some(),
        package.directory.is_some(),
        package.archive.is_some(),
        distributions,
    ];
    if kinds.iter().filter(|set| **set).count() != 1 {
        return Err(error_at(
            location,
            format!(
                "package `{name}` needs exactly one of `vcs`, `directory`, `archive`, or `sdist`/`wheels` (PEP 751): fix or re-create the lockfile"
            ),
        ));
    }
    if let Some(vcs) = &package.vcs {
        let url = vcs
            .url
            .clone()
            .or_else(|| vcs.path.clone())
            .ok_or_else(|| {
                error_at(
                    location,
                    format!("package `{name}` has a `vcs` without `url` or `path`"),
                )
            })?;
        // Source::Git stands for every VCS; other systems keep their `hg+` style prefix
        let url = match vcs.kind.as_deref() {
            Some(kind) if !kind.eq_ignore_ascii_case("git") && !url.contains('+') => {
                format!("{}+{url}", kind.to_ascii_lowercase())
            }
            _ => url,
        };
        return Ok((
            Source::Git {
                url: SecretUrl::new(url),
                commit: vcs.commit_id.clone(),
            },
            Vec::new(),
        ));
    }
    if let Some(directory) = &package.directory {
        let path = directory.path.clone();
        let source = if directory.editable == Some(true) {
            Source::Editable { path }
        } else {
            Source::Path { path }
        };
        return Ok((source, Vec::new()));
    }
    if let Some(archive) = &package.archive {
        let artifact = artifact(archive, name, location)?;
        let source = match (&archive.url, &archive.path) {
            (Some(url), _) => Source::Url {
                url: SecretUrl::new(url.clone()),
            },
            (None, Some(path)) => Source::Path { path: path.clone() },
            (None, None) => {
                return Err(error_at(
                    location,
                    format!("package `{name}` has an `archive` without `url` or `path`"),
                ))
            }
        };
        return Ok((source, vec![artifact]));
    }
    let files: Vec<&FileWire> = package
        .sdist
        .iter()
        .chain(package.wheels.iter().flatten())
        .collect();
    let artifacts = files
        .iter()
        .map(|file| artifact(file, name, location))
        .collect::<Result<Vec<_>, _>>()?;
    let local = files.iter().find_map(|file| file.path.clone());
    let source = match (&package.index, local) {
        // pip installs a file from its `path` when it has one, even beside a `url` or an
        // `index` (`_package_dist_url`): a local file, not from any index
        (_, Some(path)) => Source::Path { path },
        (Some(index), None) => {
            assembly.add_index(index, IndexKind::Index, location.clone());
            Source::Index {
                url: SecretUrl::new(index.clone()),
            }
        }
        (None, None) => Source::Index {
            url: SecretUrl::new(text::index_from_file_urls(
                files.iter().filter_map(|file| file.url.as_deref()),
            )),
        },
    };
    Ok((source, artifacts))
}

fn artifact(file: &FileWire, name: &str, location: &Location) -> Result<Artifact, LockError> {
    let filename = file
        .name
        .clone()
        .or_else(|| file.url.as_deref().map(text::file_name_of))
        .or_else(|| file.path.as_deref().map(text::file_name_of))
        .filter(|filename| !filename.is_empty())
        .ok_or_else(|| {
            error_at(
                location,
                format!("package `{name}` has a file with no `name`, `url` or `path`"),
            )
        })?;
    // Every entry of `hashes`: uv checks md5, sha256, sha384, sha512 and blake2b (ignoring
    // other keys); pdm checks the first entry, whatever its hashlib algorithm.
    let mut sha256 = None;
    let mut other_hashes = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for (algorithm, digest) in &file.hashes {
        let invalid = |reason: String| {
            error_at(
                location,
                format!("package `{name}`, `{filename}`: {reason}: fix or re-create the lockfile"),
            )
        };
        let digest = hashes::check(algorithm, digest, Accepted::Hashlib).map_err(invalid)?;
        let algorithm_name = match &digest {
            Digest::Sha256(_) => "sha256".to_string(),
            Digest::Other(other) => other.algorithm.clone(),
        };
        if !seen.insert(algorithm_name) {
            return Err(invalid(format!(
                "hash algorithm `{algorithm}` appears twice (in another case)"
            )));
        }
        match digest {
            Digest::Sha256(digest) => sha256 = Some(digest),
            Digest::Other(other) => other_hashes.push(other),
        }
    }
    Ok(Artifact {
        filename,
        sha256,
        other_hashes,
        // pip downloads from `path` when there is one, not from `url`
        url: file
            .url
            .clone()
            .filter(|_| file.path.is_none())
            .map(SecretUrl::new),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Lockfile, LockError> {
        parse(text, Path::new("pylock.toml"))
    }

    const H: &str = "1111111111111111111111111111111111111111111111111111111111111111";

    #[test]
    fn kinds_and_index_inference() {
        let text = format!(
            r#"lock-version = "1.0"
created-by = "test"

[[packages]]
name = "from-pypi"
version = "1.0"
wheels = [{{ url = "https://files.pythonhosted.org/p/from_pypi-1.0-py3-none-any.whl", hashes = {{ sha256 = "{H}" }} }}]

[[packages]]
name = "torch"
version = "2.3.0"
wheels = [{{ name = "torch-2.3.0-cp312-none-any.whl", url = "https://download.pytorch.org/whl/torch-2.3.0-cp312-none-any.whl" }}]

[[packages]]
name = "named"
version = "1.0"
index = "https://private.example/simple"
sdist = {{ name = "named-1.0.tar.gz", url = "https://private.example/named-1.0.tar.gz", hashes = {{ sha256 = "{H}" }} }}

[[packages]]
name = "vcs"
vcs = {{ type = "git", url = "https://github.com/o/vcs.git", commit-id = "abc" }}

[[packages]]
name = "local"
version = "2.0"
[[packages.wheels]]
name = "local-2.0-py3-none-any.whl"
path = "../packages/local-2.0-py3-none-any.whl"
[packages.wheels.hashes]
sha256 = "{H}"
"#
        );
        let lock = parse_text(&text).unwrap();
        let sources: Vec<String> = lock
            .packages
            .iter()
            .map(|p| format!("{:?}", p.source))
            .collect();
        assert_eq!(
            sources,
            vec![
                "Index { url: SecretUrl(\"https://pypi.org/simple\") }",
                "Index { url: SecretUrl(\"https://download.pytorch.org\") }",
                "Index { url: SecretUrl(\"https://private.example/simple\") }",
                "Git { url: SecretUrl(\"https://github.com/o/vcs.git\"), commit: Some(\"abc\") }",
                "Path { path: \"../packages/local-2.0-py3-none-any.whl\" }",
            ]
        );
        assert_eq!(
            lock.packages[1].artifacts[0].filename,
            "torch-2.3.0-cp312-none-any.whl"
        );
        assert_eq!(lock.packages[4].artifacts[0].sha256.as_deref(), Some(H));
        assert_eq!(lock.packages[4].location.line, 25);
    }

    #[test]
    fn lock_versions_and_shape() {
        assert!(parse_text("lock-version = \"1.3\"\n").is_ok());
        let err = parse_text("lock-version = \"2.0\"\n").unwrap_err();
        assert!(
            err.to_string()
                .contains("`lock-version = \"2.0\"` is not supported"),
            "{err}"
        );
        assert!(parse_text("created-by = \"x\"\n")
            .unwrap_err()
            .to_string()
            .contains("no `lock-version`"));
        let err = parse_text("lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\ndirectory = { path = \".\" }\nvcs = { url = \"u\" }\n").unwrap_err();
        assert!(err.to_string().contains("exactly one of"), "{err}");
        let err = parse_text("lock-version = \"1.0\"\n[[packages]]\nname = \"a\"\nwheels = [{ url = \"https://h/a-1-py3-none-any.whl\" }]\n").unwrap_err();
        assert!(err.to_string().contains("has no version"), "{err}");
    }
}
