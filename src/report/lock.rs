//! `pubgate lock`'s output: what the lockfile reader saw, as an aligned table for people and
//! as JSON (schema 1, DESIGN §6). The JSON document has its own wire types, declared apart
//! from the lockfile model so a change in the model never changes the document silently.

use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use crate::lockfile::{
    Artifact, IndexKind, Location, LockedHash, LockedIdentity, LockedPackage, Lockfile, NamedIndex,
    Source, Unpinned,
};

/// The JSON document's schema number.
pub const SCHEMA: u32 = 1;

/// The human form, sanitized (names, URLs and paths come from the lockfile: no terminal
/// escapes, no `##[`).
pub fn human(lockfile: &Lockfile) -> String {
    super::sanitize_lines(&human_text(lockfile))
}

/// The JSON form, pretty-printed with a trailing newline. Fails only for a path that is not
/// UTF-8 (JSON strings cannot hold it).
pub fn json(lockfile: &Lockfile) -> Result<String, serde_json::Error> {
    let mut json = serde_json::to_string_pretty(&LockDocument::from(lockfile))?;
    json.push('\n');
    Ok(super::defuse_workflow_commands(&json, true))
}

#[derive(Serialize)]
struct LockDocument<'a> {
    schema: u32,
    path: &'a Path,
    format: &'static str,
    packages: Vec<Package<'a>>,
    unpinned: Vec<UnpinnedWire<'a>>,
    indexes: Vec<Index<'a>>,
}

impl<'a> From<&'a Lockfile> for LockDocument<'a> {
    fn from(lockfile: &'a Lockfile) -> Self {
        LockDocument {
            schema: SCHEMA,
            path: &lockfile.path,
            format: lockfile.format.as_str(),
            packages: lockfile.packages.iter().map(Package::from).collect(),
            unpinned: lockfile.unpinned.iter().map(UnpinnedWire::from).collect(),
            indexes: lockfile.indexes.iter().map(Index::from).collect(),
        }
    }
}

/// `{"path": …, "line": …}`; the path as the lockfile was named (or its include).
#[derive(Serialize)]
struct LocationWire<'a> {
    path: &'a Path,
    line: u32,
}

impl<'a> From<&'a Location> for LocationWire<'a> {
    fn from(location: &'a Location) -> Self {
        LocationWire {
            path: &location.path,
            line: location.line,
        }
    }
}

#[derive(Serialize)]
struct Package<'a> {
    name: &'a str,
    version: Option<&'a str>,
    source: SourceWire<'a>,
    artifacts: Vec<ArtifactWire<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    marker: Option<&'a str>,
    location: LocationWire<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    attestation_identities: Vec<Identity<'a>>,
}

impl<'a> From<&'a LockedPackage> for Package<'a> {
    fn from(package: &'a LockedPackage) -> Self {
        Package {
            name: &package.name,
            version: package.version.as_deref(),
            source: SourceWire::from(&package.source),
            artifacts: package.artifacts.iter().map(ArtifactWire::from).collect(),
            marker: package.marker.as_deref(),
            location: LocationWire::from(&package.location),
            attestation_identities: package
                .attestation_identities
                .iter()
                .map(Identity::from)
                .collect(),
        }
    }
}

/// Where a package comes from; URLs with their credentials redacted.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
enum SourceWire<'a> {
    Index {
        url: String,
    },
    Git {
        url: String,
        commit: Option<&'a str>,
    },
    Url {
        url: String,
    },
    Path {
        path: &'a str,
    },
    Editable {
        path: &'a str,
    },
    Virtual {
        path: &'a str,
    },
}

impl<'a> From<&'a Source> for SourceWire<'a> {
    fn from(source: &'a Source) -> Self {
        match source {
            Source::Index { url } => SourceWire::Index {
                url: url.redacted(),
            },
            Source::Git { url, commit } => SourceWire::Git {
                url: url.redacted(),
                commit: commit.as_deref(),
            },
            Source::Url { url } => SourceWire::Url {
                url: url.redacted(),
            },
            Source::Path { path } => SourceWire::Path { path },
            Source::Editable { path } => SourceWire::Editable { path },
            Source::Virtual { path } => SourceWire::Virtual { path },
        }
    }
}

#[derive(Serialize)]
struct ArtifactWire<'a> {
    filename: &'a str,
    sha256: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    other_hashes: Vec<Hash<'a>>,
    url: Option<String>,
}

impl<'a> From<&'a Artifact> for ArtifactWire<'a> {
    fn from(artifact: &'a Artifact) -> Self {
        ArtifactWire {
            filename: &artifact.filename,
            sha256: artifact.sha256.as_deref(),
            other_hashes: artifact.other_hashes.iter().map(Hash::from).collect(),
            url: artifact.url.as_ref().map(|url| url.redacted()),
        }
    }
}

#[derive(Serialize)]
struct Hash<'a> {
    algorithm: &'a str,
    digest: &'a str,
}

impl<'a> From<&'a LockedHash> for Hash<'a> {
    fn from(hash: &'a LockedHash) -> Self {
        Hash {
            algorithm: &hash.algorithm,
            digest: &hash.digest,
        }
    }
}

/// A publisher identity the lockfile records (PEP 751), as written.
#[derive(Serialize)]
struct Identity<'a> {
    kind: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    repository: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    workflow: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    workflow_filepath: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    environment: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    location: LocationWire<'a>,
}

impl<'a> From<&'a LockedIdentity> for Identity<'a> {
    fn from(identity: &'a LockedIdentity) -> Self {
        Identity {
            kind: &identity.kind,
            repository: identity.repository.as_deref(),
            workflow: identity.workflow.as_deref(),
            workflow_filepath: identity.workflow_filepath.as_deref(),
            environment: identity.environment.as_deref(),
            email: identity.email.as_deref(),
            location: LocationWire::from(&identity.location),
        }
    }
}

#[derive(Serialize)]
struct UnpinnedWire<'a> {
    name: &'a str,
    specifier: &'a str,
    location: LocationWire<'a>,
}

impl<'a> From<&'a Unpinned> for UnpinnedWire<'a> {
    fn from(unpinned: &'a Unpinned) -> Self {
        UnpinnedWire {
            name: &unpinned.name,
            specifier: &unpinned.specifier,
            location: LocationWire::from(&unpinned.location),
        }
    }
}

/// A package source the installer uses because of the lockfile.
#[derive(Serialize)]
struct Index<'a> {
    url: String,
    kind: &'static str,
    location: LocationWire<'a>,
}

impl<'a> From<&'a NamedIndex> for Index<'a> {
    fn from(index: &'a NamedIndex) -> Self {
        Index {
            url: index.url.redacted(),
            kind: index_kind(index.kind),
            location: LocationWire::from(&index.location),
        }
    }
}

fn index_kind(kind: IndexKind) -> &'static str {
    match kind {
        IndexKind::Index => "index",
        IndexKind::ExtraIndex => "extra-index",
        IndexKind::FindLinks => "find-links",
        IndexKind::TrustedHost => "trusted-host",
    }
}

/// `kind target`: the index URL, repository@commit, URL or path (credentials redacted).
fn describe_source(source: &Source) -> String {
    match source {
        Source::Index { url } => format!("index {url}"),
        Source::Git { url, commit } => match commit {
            Some(commit) => format!(
                "git {url} @ {}",
                commit.chars().take(12).collect::<String>()
            ),
            None => format!("git {url}"),
        },
        Source::Url { url } => format!("url {url}"),
        Source::Path { path } => format!("path {path}"),
        Source::Editable { path } => format!("editable {path}"),
        Source::Virtual { path } => format!("virtual {path}"),
    }
}

/// Longest SOURCE cell in the table; longer ones keep their start and end (JSON has it all).
const SOURCE_WIDTH: usize = 64;

fn elide(text: String, max: usize) -> String {
    let chars: Vec<char> = text.chars().collect();
    if chars.len() <= max {
        return text;
    }
    let head = max / 2 - 1;
    let tail = max - head - 1;
    let mut out: String = chars[..head].iter().collect();
    out.push('…');
    out.extend(&chars[chars.len() - tail..]);
    out
}

fn counted(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

fn human_text(lockfile: &Lockfile) -> String {
    let header = ["NAME", "VERSION", "SOURCE", "FILES", "LOCATION"];
    let rows: Vec<[String; 5]> = lockfile
        .packages
        .iter()
        .map(|package: &LockedPackage| {
            [
                if package.name.is_empty() {
                    "(unnamed)".to_string()
                } else {
                    package.name.to_string()
                },
                package.version.clone().unwrap_or_else(|| "-".into()),
                elide(describe_source(&package.source), SOURCE_WIDTH),
                package.artifacts.len().to_string(),
                package.location.to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let mut line = |cells: [&str; 5]| {
        let mut text = String::new();
        for (i, (cell, width)) in cells.iter().zip(widths).enumerate() {
            if i + 1 == cells.len() {
                text.push_str(cell);
            } else {
                let _ = write!(text, "{cell:<width$}  ");
            }
        }
        out.push_str(text.trim_end());
        out.push('\n');
    };
    if !rows.is_empty() {
        line(header);
        for row in &rows {
            line([&row[0], &row[1], &row[2], &row[3], &row[4]]);
        }
    }
    if !lockfile.unpinned.is_empty() {
        out.push_str("\nunpinned (not an exact `==` or `===` pin):\n");
        for unpinned in &lockfile.unpinned {
            let specifier = if unpinned.specifier.is_empty() {
                "(any version)"
            } else {
                unpinned.specifier.as_str()
            };
            let _ = writeln!(
                out,
                "  {} {specifier}  {}",
                unpinned.name, unpinned.location
            );
        }
    }
    if !lockfile.indexes.is_empty() {
        out.push_str("\nsources the installer uses:\n");
        for index in &lockfile.indexes {
            let _ = writeln!(
                out,
                "  {} {}  {}",
                index.kind.describe(),
                index.url,
                index.location
            );
        }
    }
    let from_index = lockfile
        .packages
        .iter()
        .filter(|package| package.source.is_index())
        .count();
    let artifacts: usize = lockfile
        .packages
        .iter()
        .map(|package| package.artifacts.len())
        .sum();
    let _ = writeln!(
        out,
        "\n{} ({}): {} ({from_index} from an index, {} other), {}, {} unpinned",
        lockfile.path.display(),
        lockfile.format,
        counted(lockfile.packages.len(), "package", "packages"),
        lockfile.packages.len() - from_index,
        counted(artifacts, "artifact", "artifacts"),
        lockfile.unpinned.len()
    );
    if out.starts_with('\n') {
        out.remove(0);
    }
    out
}
