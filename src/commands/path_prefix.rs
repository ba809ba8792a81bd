//! `check --path-prefix PREFIX`: names every file in the report as `PREFIX/PATH`, so a check
//! run in a subdirectory of a repository (the GitHub Action's `working-directory`) reports
//! repository-relative paths in annotations and SARIF. Presentation only: the findings and
//! the verdict are the ones computed from the files as read.

use std::ffi::OsString;
use std::path::{Component, Path, PathBuf};

use anyhow::bail;

use pubgate::evaluate::Finding;
use pubgate::evidence::LockfileEvidence;
use pubgate::lockfile::Location;
use pubgate::policy::PolicySource;
use pubgate::report::Report;

/// A prefix made of plain directory names (no root, no `..`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PathPrefix(Vec<OsString>);

impl PathPrefix {
    /// Checks `--path-prefix`: relative, and inside the repository (no `..`).
    pub(crate) fn parse(prefix: &Path) -> anyhow::Result<PathPrefix> {
        let mut parts = Vec::new();
        for component in prefix.components() {
            match component {
                Component::Normal(part) => parts.push(part.to_os_string()),
                Component::CurDir => {}
                Component::ParentDir | Component::RootDir | Component::Prefix(_) => bail!(
                    "--path-prefix `{}` must be a relative path without `..`: the current directory relative to the repository root, e.g. `services/api`",
                    prefix.display()
                ),
            }
        }
        Ok(PathPrefix(parts))
    }

    /// `PREFIX/path`, `/`-separated, with `.` and `..` resolved lexically; absolute paths
    /// stay as they are.
    pub(crate) fn apply(&self, path: &Path) -> PathBuf {
        if path.has_root() || path.components().any(|c| matches!(c, Component::Prefix(_))) {
            return path.to_path_buf();
        }
        let mut parts: Vec<OsString> = self.0.clone();
        for component in path.components() {
            match component {
                Component::Normal(part) => parts.push(part.to_os_string()),
                Component::ParentDir => {
                    if parts.last().is_some_and(|last| last != "..") {
                        parts.pop();
                    } else {
                        parts.push("..".into());
                    }
                }
                Component::CurDir | Component::RootDir | Component::Prefix(_) => {}
            }
        }
        let mut joined = OsString::new();
        for (i, part) in parts.iter().enumerate() {
            if i > 0 {
                joined.push("/");
            }
            joined.push(part);
        }
        if joined.is_empty() {
            joined.push(".");
        }
        PathBuf::from(joined)
    }

    /// The same report with every file it names prefixed. The verdict is recomputed from
    /// the same findings, so it cannot change.
    pub(crate) fn rebase(&self, report: &Report) -> Report {
        let lockfiles = report
            .lockfiles()
            .iter()
            .map(|lockfile| self.lockfile(lockfile))
            .collect();
        let findings = report
            .findings()
            .iter()
            .map(|finding| self.finding(finding))
            .collect();
        let policy = match report.policy() {
            PolicySource::BuiltIn => PolicySource::BuiltIn,
            PolicySource::File(path) => PolicySource::File(self.apply(path)),
            PolicySource::Pyproject(path) => PolicySource::Pyproject(self.apply(path)),
        };
        let rebased = Report::new(lockfiles, policy, findings, report.deny_warnings());
        debug_assert_eq!(rebased.outcome(), report.outcome());
        rebased
    }

    fn location(&self, location: &mut Location) {
        location.path = self.apply(&location.path);
    }

    fn lockfile(&self, lockfile: &LockfileEvidence) -> LockfileEvidence {
        let mut lockfile = lockfile.clone();
        lockfile.path = self.apply(&lockfile.path);
        for package in &mut lockfile.packages {
            self.location(&mut package.package.location);
            for identity in &mut package.package.attestation_identities {
                self.location(&mut identity.location);
            }
        }
        for unpinned in &mut lockfile.unpinned {
            self.location(&mut unpinned.location);
        }
        for index in &mut lockfile.indexes {
            self.location(&mut index.location);
        }
        lockfile
    }

    fn finding(&self, finding: &Finding) -> Finding {
        let mut finding = finding.clone();
        self.location(&mut finding.location);
        finding.lockfile = finding.lockfile.as_deref().map(|path| self.apply(path));
        if let Some(exemption) = &mut finding.exempted_by {
            self.location(&mut exemption.location);
        }
        for related in &mut finding.related {
            self.location(&mut related.location);
        }
        finding
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefix(text: &str) -> PathPrefix {
        PathPrefix::parse(Path::new(text)).unwrap()
    }

    #[test]
    fn prefixes_relative_paths_and_resolves_dots() {
        let p = prefix("services/api");
        assert_eq!(
            p.apply(Path::new("uv.lock")),
            Path::new("services/api/uv.lock")
        );
        assert_eq!(
            p.apply(Path::new("./reqs/base.txt")),
            Path::new("services/api/reqs/base.txt")
        );
        assert_eq!(
            p.apply(Path::new("../../policies/strict.toml")),
            Path::new("policies/strict.toml")
        );
        assert_eq!(p.apply(Path::new("../../..")), Path::new(".."));
        assert_eq!(
            p.apply(Path::new("/abs/uv.lock")),
            Path::new("/abs/uv.lock")
        );
        assert_eq!(prefix("./a/./b/").apply(Path::new("x")), Path::new("a/b/x"));
        assert_eq!(
            prefix(".").apply(Path::new("uv.lock")),
            Path::new("uv.lock")
        );
        assert_eq!(prefix("a").apply(Path::new("..")), Path::new("."));
    }

    #[test]
    fn refuses_prefixes_outside_the_repository() {
        for bad in ["../x", "a/../../b", "/abs"] {
            let err = PathPrefix::parse(Path::new(bad)).unwrap_err().to_string();
            assert!(err.contains(&format!("--path-prefix `{bad}`")), "{err}");
        }
    }
}
