//! Pieces every reader shares: TOML with line numbers, name and version checks, lock-version
//! parsing, and the final assembly of a [`Lockfile`] (validation and de-duplication).

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::str::FromStr;

use serde::de::DeserializeOwned;

use super::excerpt::Excerpt;
use super::text::LineIndex;
use super::{
    IndexKind, Location, LockError, LockFormat, LockedPackage, Lockfile, NamedIndex, Source,
    Unpinned,
};
use crate::dist;
use crate::url::SecretUrl;

/// Deserializes TOML into a reader's wire struct; syntax and shape errors carry the line.
pub(super) fn from_toml<T: DeserializeOwned>(
    text: &str,
    path: &Path,
    lines: &LineIndex,
    what: &str,
) -> Result<T, LockError> {
    toml::from_str(text).map_err(|err| {
        let line = err.span().map_or(1, |span| lines.line(span.start));
        LockError::Syntax {
            location: Location {
                path: path.to_path_buf(),
                line,
            },
            message: format!(
                "malformed {what}: {}: fix the file or re-create it with its tool",
                first_line(err.message())
            ),
            excerpt: err
                .span()
                .map(|span| Box::new(Excerpt::at_offset(text, span.start))),
        }
    })
}

/// The first line of a possibly multi-line library message, without a trailing period.
pub(super) fn first_line(message: &str) -> &str {
    message
        .lines()
        .next()
        .unwrap_or("")
        .trim()
        .trim_end_matches('.')
}

/// A located error at `location`.
pub(super) fn error_at(location: &Location, message: impl Into<String>) -> LockError {
    LockError::Syntax {
        location: location.clone(),
        message: message.into(),
        excerpt: None,
    }
}

/// Checks a project name from a lockfile and returns its PEP 503 form.
pub(super) fn project_name(raw: &str, location: &Location) -> Result<dist::PackageName, LockError> {
    if dist::is_valid_name(raw) {
        Ok(dist::PackageName::new(raw))
    } else {
        Err(error_at(
            location,
            format!("`{raw}` is not a valid project name (PEP 508): fix or re-create the lockfile"),
        ))
    }
}

/// `"2.1"` → `(2, 1)`; `"1"` → `(1, 0)`. `None` if it is not dotted numbers.
pub(super) fn major_minor(version: &str) -> Option<(u64, u64)> {
    let mut parts = version.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor = match parts.next() {
        Some(minor) => minor.parse().ok()?,
        None => 0,
    };
    if parts.any(|part| part.parse::<u64>().is_err()) {
        return None;
    }
    Some((major, minor))
}

/// The lockfile's packages and extras, checked and de-duplicated.
pub(super) struct Assembly {
    pub path: std::path::PathBuf,
    pub format: LockFormat,
    pub packages: Vec<LockedPackage>,
    pub unpinned: Vec<Unpinned>,
    pub indexes: Vec<NamedIndex>,
    /// `(url, kind)` of every entry of `indexes`, so recording stays linear.
    indexes_seen: HashSet<(String, IndexKind)>,
    /// Merge entries of the same (name, version, source) into one (pdm extras entries,
    /// Pipfile default + develop), uniting their artifacts.
    pub merge_releases: bool,
    /// Check index versions are PEP 440. Requirements files check their own: `==` pins are
    /// parsed by `pep508_rs` and `===` pins are literal strings by definition.
    pub check_versions: bool,
}

impl Assembly {
    pub(super) fn new(path: &Path, format: LockFormat) -> Self {
        Assembly {
            path: path.to_path_buf(),
            format,
            packages: Vec::new(),
            unpinned: Vec::new(),
            indexes: Vec::new(),
            indexes_seen: HashSet::new(),
            merge_releases: false,
            check_versions: true,
        }
    }

    pub(super) fn location(&self, line: u32) -> Location {
        Location {
            path: self.path.clone(),
            line,
        }
    }

    /// Records a package source once per (url, kind), in the order the file names it,
    /// at the place that first names it (a requirements option may sit in an included file).
    pub(super) fn add_index(&mut self, url: &str, kind: IndexKind, location: Location) {
        if self.indexes_seen.insert((url.to_string(), kind)) {
            self.indexes.push(NamedIndex {
                url: SecretUrl::new(url),
                kind,
                location,
            });
        }
    }

    /// Validates every package and builds the [`Lockfile`].
    pub(super) fn finish(self) -> Result<Lockfile, LockError> {
        if self.check_versions {
            for package in &self.packages {
                check_index_version(package)?;
            }
        }
        let packages = if self.merge_releases {
            merge_releases(self.packages)
        } else {
            drop_exact_duplicates(self.packages)
        };
        Ok(Lockfile {
            path: self.path,
            format: self.format,
            packages,
            unpinned: self.unpinned,
            indexes: self.indexes,
        })
    }
}

/// An index package needs a PEP 440 version: it is what the index is asked for.
fn check_index_version(package: &LockedPackage) -> Result<(), LockError> {
    let Source::Index { .. } = package.source else {
        return Ok(());
    };
    let Some(version) = &package.version else {
        return Err(error_at(
            &package.location,
            format!(
                "index package `{}` has no version: a locked index package must be pinned; re-create the lockfile",
                package.name
            ),
        ));
    };
    if pep440_rs::Version::from_str(version).is_err() {
        return Err(error_at(
            &package.location,
            format!(
                "`{}` version `{version}` is not a valid PEP 440 version, so no index can be asked for it: fix or re-create the lockfile",
                package.name
            ),
        ));
    }
    Ok(())
}

/// Removes later copies of identical entries (same name, version, source, marker and
/// artifacts), in one pass: a set of what was seen, so a file with many entries of one
/// release stays linear.
fn drop_exact_duplicates(packages: Vec<LockedPackage>) -> Vec<LockedPackage> {
    let mut seen = HashSet::new();
    let keep: Vec<bool> = packages
        .iter()
        .map(|package| {
            seen.insert((
                package.name.as_str(),
                package.version.as_deref(),
                &package.source,
                package.marker.as_deref(),
                package.artifacts.as_slice(),
            ))
        })
        .collect();
    packages
        .into_iter()
        .zip(keep)
        .filter_map(|(package, keep)| keep.then_some(package))
        .collect()
}

/// Merges entries of the same (name, version, source), uniting their artifacts; each
/// package keeps a set of its artifacts so that merging stays linear.
fn merge_releases(packages: Vec<LockedPackage>) -> Vec<LockedPackage> {
    let mut out: Vec<LockedPackage> = Vec::with_capacity(packages.len());
    let mut artifacts_of: Vec<HashSet<super::Artifact>> = Vec::with_capacity(packages.len());
    let mut index: HashMap<(crate::dist::PackageName, Option<String>, Source), usize> =
        HashMap::new();
    for package in packages {
        let key = (
            package.name.clone(),
            package.version.clone(),
            package.source.clone(),
        );
        match index.get(&key) {
            Some(&at) => {
                let known: &mut HashSet<super::Artifact> = &mut artifacts_of[at];
                for artifact in package.artifacts {
                    if known.insert(artifact.clone()) {
                        out[at].artifacts.push(artifact);
                    }
                }
            }
            None => {
                index.insert(key, out.len());
                artifacts_of.push(package.artifacts.iter().cloned().collect());
                out.push(package);
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_versions() {
        assert_eq!(major_minor("2.1"), Some((2, 1)));
        assert_eq!(major_minor("4.5.1"), Some((4, 5)));
        assert_eq!(major_minor("1"), Some((1, 0)));
        assert_eq!(major_minor("x"), None);
        assert_eq!(major_minor("1.x"), None);
        assert_eq!(major_minor("1.2.x"), None);
    }
}
