//! What every rule family works with: the candidate finding (before its level resolves), the
//! context of one package or lockfile, and the phrases messages share.

use std::path::PathBuf;

use crate::dist::PackageName;
use crate::evidence::{ArtifactEvidence, LockfileEvidence, PackageEvidence, ProvenanceStatus};
use crate::lockfile::{Location, Source};
use crate::policy::{Policy, PublisherRequirement, Subject};
use crate::rules::{Level, Rule};

/// A finding before its level is resolved.
pub(super) struct Candidate {
    pub rule: Rule,
    /// `None` for findings about a lockfile as a whole.
    pub package: Option<PackageName>,
    pub version: Option<String>,
    pub artifact: Option<String>,
    pub message: String,
    pub fix: String,
    pub location: Location,
    pub lockfile: PathBuf,
    /// `algorithm:hex` of every file the finding concerns, for digest-scoped exemptions.
    pub digests: Vec<String>,
    /// The finding is about *which file* is installed: only an exemption naming the file's
    /// exact digest covers it, never one naming a version.
    pub by_digest_only: bool,
    /// Places that explain it (besides where its level is set, added on resolution).
    pub related: Vec<super::Related>,
}

impl Candidate {
    /// What exemptions are matched against; `None` for lockfile findings.
    pub(super) fn subject(&self) -> Option<Subject<'_>> {
        self.package.as_ref().map(|package| Subject {
            package,
            version: self.version.as_deref(),
            digests: &self.digests,
            by_digest_only: self.by_digest_only,
        })
    }

    /// Scopes the candidate to these files' digests.
    pub(super) fn about_files(mut self, files: &[&ArtifactEvidence]) -> Self {
        self.digests = files.iter().flat_map(|a| digests(a)).collect();
        self
    }

    /// Only an exemption naming the exact digests may cover it.
    pub(super) fn by_digest_only(mut self) -> Self {
        self.by_digest_only = true;
        self
    }

    pub(super) fn related_to(mut self, location: Location, role: super::RelatedRole) -> Self {
        self.related.push(super::Related { location, role });
        self
    }

    pub(super) fn with_fix(mut self, fix: impl Into<String>) -> Self {
        self.fix = fix.into();
        self
    }
}

/// `sha256:<hex>` (when known) and every unbound hash of an artifact.
pub(super) fn digests(artifact: &ArtifactEvidence) -> Vec<String> {
    artifact
        .sha256
        .iter()
        .map(|sha| format!("sha256:{sha}"))
        .chain(artifact.unbound_hashes.iter().map(ToString::to_string))
        .collect()
}

/// A candidate about a lockfile as a whole (no package).
pub(super) fn lockfile_candidate(
    lockfile: &LockfileEvidence,
    rule: Rule,
    location: Location,
    message: String,
) -> Candidate {
    Candidate {
        rule,
        package: None,
        version: None,
        artifact: None,
        message,
        fix: rule.fix().to_string(),
        location,
        lockfile: lockfile.path.clone(),
        digests: Vec::new(),
        by_digest_only: false,
        related: Vec::new(),
    }
}

/// One locked package with everything its checks look at.
pub(super) struct PackageContext<'a> {
    pub package: &'a PackageEvidence,
    pub lockfile: &'a LockfileEvidence,
    pub policy: &'a Policy,
    pub today: jiff::civil::Date,
    /// Artifacts sorted by name, so messages never depend on input order.
    pub artifacts: Vec<&'a ArtifactEvidence>,
    /// The publishers the policy's winning `[[package]]` entry requires (empty: none).
    pub required: &'a [PublisherRequirement],
}

impl<'a> PackageContext<'a> {
    pub(super) fn new(
        lockfile: &'a LockfileEvidence,
        package: &'a PackageEvidence,
        policy: &'a Policy,
        today: jiff::civil::Date,
    ) -> Self {
        let mut artifacts: Vec<&ArtifactEvidence> = package.artifacts.iter().collect();
        artifacts.sort_by(|a, b| (&a.filename, &a.sha256).cmp(&(&b.filename, &b.sha256)));
        let required = policy
            .package_entry(&package.package.name)
            .map(|m| m.entry.publishers.as_slice())
            .unwrap_or_default();
        PackageContext {
            package,
            lockfile,
            policy,
            today,
            artifacts,
            required,
        }
    }

    /// The PEP 503 name (a `PackageName` is normalized when built, so a lockfile that
    /// writes `Foo.Bar` can never slip past a rule written for `foo-bar`).
    pub(super) fn name(&self) -> PackageName {
        self.package.package.name.clone()
    }

    pub(super) fn source(&self) -> &Source {
        &self.package.package.source
    }

    pub(super) fn candidate(
        &self,
        rule: Rule,
        artifact: Option<String>,
        message: String,
    ) -> Candidate {
        Candidate {
            rule,
            package: Some(self.name()),
            version: self.package.package.version.clone(),
            artifact,
            message,
            fix: rule.fix().to_string(),
            location: self.package.package.location.clone(),
            lockfile: self.lockfile.path.clone(),
            digests: Vec::new(),
            by_digest_only: false,
            related: Vec::new(),
        }
    }

    pub(super) fn total(&self) -> usize {
        self.artifacts.len()
    }

    pub(super) fn files_where(
        &self,
        pred: impl Fn(&ArtifactEvidence) -> bool,
    ) -> Vec<&'a ArtifactEvidence> {
        self.artifacts.iter().copied().filter(|a| pred(a)).collect()
    }

    /// The level `rule` resolves to for this package, before exemptions.
    pub(super) fn level_of(&self, rule: Rule) -> Level {
        let name = self.name();
        let subject = Subject {
            package: &name,
            version: self.package.package.version.as_deref(),
            digests: &[],
            by_digest_only: false,
        };
        self.policy.resolve(rule, Some(&subject), self.today).level
    }

    /// Whether any file of this package could carry provenance at all.
    pub(super) fn is_index_source(&self) -> bool {
        self.source().is_index()
    }
}

/// Whether a provenance status is `Absent`.
pub(super) fn is_absent(a: &ArtifactEvidence) -> bool {
    matches!(a.provenance, ProvenanceStatus::Absent)
}

/// What a non-index source is, for messages: `git `https://…` at commit `abc``.
pub(super) fn describe_source(source: &Source) -> String {
    match source {
        Source::Git { url, commit } => match commit {
            Some(commit) => format!("git `{url}` at commit `{commit}`"),
            None => format!("git `{url}` without a locked commit"),
        },
        Source::Url { url } => format!("the URL `{url}`"),
        Source::Path { path } => format!("the local path `{path}`"),
        Source::Editable { path } => format!("the editable local tree `{path}`"),
        Source::Virtual { path } => format!("the virtual workspace entry `{path}`"),
        Source::Index { url } => format!("the index `{url}`"),
    }
}

/// A short name for an artifact, even one a requirements file locked by hash only.
pub(super) fn file_name(artifact: &ArtifactEvidence) -> String {
    if let Some(filename) = &artifact.filename {
        return filename.clone();
    }
    if let Some(sha) = &artifact.sha256 {
        return format!("sha256:{}…", sha.get(..12).unwrap_or(sha));
    }
    match artifact.unbound_hashes.first() {
        Some(hash) => format!(
            "{}:{}…",
            hash.algorithm,
            hash.digest.get(..12).unwrap_or(&hash.digest)
        ),
        None => "(unnamed file)".to_string(),
    }
}

pub(super) fn names(files: &[&ArtifactEvidence]) -> Vec<String> {
    files.iter().map(|a| file_name(a)).collect()
}

/// `` `a.whl` `` for one file; `both files`; `all 3 files`; `2 of 5 files (`a`, `b`)`.
pub(super) fn files_phrase(names: &[String], total: usize) -> String {
    match names {
        [one] if total <= 1 => format!("`{one}`"),
        _ if names.len() == total && total == 2 => "both files".to_string(),
        _ if names.len() == total => format!("all {total} files"),
        _ => {
            let shown: Vec<String> = names.iter().take(3).map(|n| format!("`{n}`")).collect();
            let more = if names.len() > 3 { ", …" } else { "" };
            format!(
                "{} of {total} files ({}{more})",
                names.len(),
                shown.join(", ")
            )
        }
    }
}

/// The artifact to name on a grouped finding: the file when there is exactly one.
pub(super) fn single(names: &[String]) -> Option<String> {
    match names {
        [one] => Some(one.clone()),
        _ => None,
    }
}

/// `` `a.whl` was`` / ``All 3 files were``.
pub(super) fn capitalized(phrase: &str, singular: bool) -> String {
    let verb = if singular { "was" } else { "were" };
    let mut chars = phrase.chars();
    match chars.next() {
        Some(first) => format!("{}{} {verb}", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// Collapses whitespace so a hostile or multi-line detail stays on one line.
pub(super) fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrases_name_files() {
        let names = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(files_phrase(&names(&["a"]), 1), "`a`");
        assert_eq!(files_phrase(&names(&["a", "b"]), 2), "both files");
        assert_eq!(files_phrase(&names(&["a", "b", "c"]), 3), "all 3 files");
        assert_eq!(files_phrase(&names(&["a"]), 3), "1 of 3 files (`a`)");
        assert_eq!(
            files_phrase(&names(&["a", "b", "c", "d"]), 5),
            "4 of 5 files (`a`, `b`, `c`, …)"
        );
    }
}
