//! The policy: rule levels, per-package requirements and exemptions, each remembering
//! where in the policy file it was written. Loaded strictly by [`load`]; queried by
//! `evaluate` through [`Policy::resolve`].

// A policy error carries its whole context (position, source line, hint, the file's other
// errors) for one cold path: loading fails once per run. Boxing it would buy nothing.
#![allow(clippy::result_large_err)]

pub mod baseline;
pub mod explain;
mod load;
mod names;
mod publisher;
pub mod suggest;
pub mod update;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep440_rs::{Version, VersionSpecifiers};

use crate::dist::PackageName;
use crate::lockfile::Location;
use crate::rules::{Level, Rule};

pub use load::{discover, from_pyproject_str, from_str, load, DEFAULT_POLICY};
pub use names::{NamePattern, NamePatternError};
pub use publisher::{describe, parse_kind, PublisherIdentity, PublisherRequirement, RefPattern};

/// A 1-based line and column (in characters) in the policy's file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Position {
    pub line: u32,
    pub column: u32,
}

/// Where the policy came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PolicySource {
    /// The embedded `policies/default.toml`.
    BuiltIn,
    /// A dedicated policy file (`--policy`, `pubgate.toml`, `.pubgate.toml`).
    File(PathBuf),
    /// The `[tool.pubgate]` table of a `pyproject.toml`.
    Pyproject(PathBuf),
}

impl PolicySource {
    /// The path findings about the policy point at.
    pub fn path(&self) -> PathBuf {
        match self {
            PolicySource::BuiltIn => PathBuf::from("<built-in default policy>"),
            PolicySource::File(p) | PolicySource::Pyproject(p) => p.clone(),
        }
    }

    /// `built-in`, `file` or `pyproject`, for JSON.
    pub fn kind(&self) -> &'static str {
        match self {
            PolicySource::BuiltIn => "built-in",
            PolicySource::File(_) => "file",
            PolicySource::Pyproject(_) => "pyproject",
        }
    }
}

impl fmt::Display for PolicySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PolicySource::BuiltIn => f.write_str("built-in default policy"),
            PolicySource::File(p) => write!(f, "{}", p.display()),
            PolicySource::Pyproject(p) => write!(f, "[tool.pubgate] in {}", p.display()),
        }
    }
}

/// A level set in the policy, with where it was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LevelSetting {
    pub level: Level,
    pub position: Position,
}

/// One name in a `[[package]]` entry's `names`.
#[derive(Debug, Clone)]
pub struct NameEntry {
    pub pattern: NamePattern,
    pub position: Position,
}

/// A `[[package]]` entry.
#[derive(Debug, Clone)]
pub struct PackageEntry {
    /// Position of the entry (its `[[package]]` header).
    pub position: Position,
    pub names: Vec<NameEntry>,
    /// Levels for these packages, overriding `[rules]`.
    pub rules: BTreeMap<Rule, LevelSetting>,
    /// Any one of these must match every verified file (empty: no requirement).
    pub publishers: Vec<PublisherRequirement>,
}

/// One name in a `[[project]]` entry's `names`: an exact project name, PEP 503-normalized.
#[derive(Debug, Clone)]
pub struct ProjectName {
    pub name: PackageName,
    pub position: Position,
}

/// A `[[project]]` entry: projects you publish and who may publish them, read only by
/// `pubgate audit`.
#[derive(Debug, Clone)]
pub struct ProjectEntry {
    /// Position of the entry (its `[[project]]` header).
    pub position: Position,
    pub names: Vec<ProjectName>,
    /// The declared publishers: every verified release must come from one of them (empty:
    /// none declared, so only provenance continuity is audited).
    pub publishers: Vec<PublisherRequirement>,
}

/// A package source the policy allows a lockfile to name (`[sources]`).
#[derive(Debug, Clone)]
pub struct AllowedSource {
    /// As written in the policy.
    pub text: String,
    /// [`crate::url::source_key`] of `text`: what lockfile sources are compared by.
    pub key: String,
    pub position: Position,
}

/// `[sources]`: what a lockfile may tell the installer to use besides PyPI. An index,
/// extra index or find-links location must be listed in `allow-indexes`; a host the
/// installer is told to trust over plain http or unverified TLS in `allow-trusted-hosts`.
#[derive(Debug, Clone, Default)]
pub struct Sources {
    pub indexes: Vec<AllowedSource>,
    pub trusted_hosts: Vec<AllowedSource>,
    /// `mirrors`: indexes that mirror the provenance index. A package looked up on one gets
    /// its evidence from the provenance index, each file bound by its locked sha256; a
    /// mirror is also an allowed index.
    pub mirrors: Vec<AllowedSource>,
    /// `provenance-index`: where files from a mirror get their provenance (default PyPI;
    /// `--provenance-index` overrides it).
    pub provenance_index: Option<AllowedSource>,
}

impl Sources {
    /// The entry that allows a lockfile source of this kind, if any. PyPI is always allowed
    /// as an index (`None` entry, `true`).
    pub fn allows(
        &self,
        url: &str,
        kind: crate::lockfile::IndexKind,
    ) -> (bool, Option<&AllowedSource>) {
        use crate::lockfile::IndexKind;
        let key = crate::url::source_key(url);
        match kind {
            IndexKind::TrustedHost => {
                let host = key.to_ascii_lowercase();
                let found = self
                    .trusted_hosts
                    .iter()
                    .find(|a| a.key.eq_ignore_ascii_case(&host));
                (found.is_some(), found)
            }
            IndexKind::Index | IndexKind::ExtraIndex | IndexKind::FindLinks => {
                if kind != IndexKind::FindLinks && crate::url::is_pypi_index(url) {
                    return (true, None);
                }
                let found = self
                    .indexes
                    .iter()
                    .chain(if kind == IndexKind::FindLinks {
                        &[][..]
                    } else {
                        &self.mirrors[..]
                    })
                    .find(|a| a.key == key);
                (found.is_some(), found)
            }
        }
    }
}

/// An `[[exemption]]` entry.
#[derive(Debug, Clone)]
pub struct Exemption {
    /// 0-based index among the policy's exemptions.
    pub index: usize,
    pub position: Position,
    pub package: NamePattern,
    /// The specifiers as written, and parsed; `None` covers every version.
    pub versions: Option<(String, VersionSpecifiers)>,
    pub rule: Rule,
    pub reason: String,
    /// The first day on which the exemption no longer applies.
    pub expires: Option<jiff::civil::Date>,
    /// Exact file digests (`sha256:<hex>`, `sha512:<hex>`, lowercase): when given, the
    /// exemption covers only findings about files with one of these digests. Findings that
    /// say a file is not the index's file (or is accepted by a hash nothing binds) can only
    /// be exempted this way.
    pub hashes: Vec<String>,
}

/// What a package finding is about, for matching exemptions.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub package: &'a PackageName,
    pub version: Option<&'a str>,
    /// `algorithm:hex` of every file the finding concerns (empty when it concerns none or
    /// a file without a known digest).
    pub digests: &'a [String],
    /// The finding is about which file is installed (not the index's file, a hash bound to
    /// nothing): no version can cover it, only the file's exact digest.
    pub by_digest_only: bool,
}

/// Whether `version` satisfies `specifiers` exactly as written: as PEP 440, except that
/// `==X` (no wildcard) never matches a version with a local label `X` does not name. PEP 440
/// ignores local labels there, so `==4.0.0` would admit `4.0.0+evil` from any index.
pub fn versions_match(specifiers: &VersionSpecifiers, version: &str) -> bool {
    let Ok(parsed) = Version::from_str(version) else {
        return false;
    };
    if !specifiers.contains(&parsed) {
        return false;
    }
    if parsed.local().is_empty() {
        return true;
    }
    specifiers
        .iter()
        .all(|s| !(*s.operator() == pep440_rs::Operator::Equal && s.version().local().is_empty()))
}

impl Exemption {
    /// Whether the exemption has expired on `today` (it applies up to the day before
    /// `expires`).
    pub fn is_expired(&self, today: jiff::civil::Date) -> bool {
        self.expires.is_some_and(|expires| today >= expires)
    }

    /// Whether it covers a finding of `rule` about `subject`. Version-scoped exemptions
    /// never cover findings without a version; digest-scoped ones cover a finding only when
    /// every file it concerns has one of their digests; a finding about which file is
    /// installed is covered only by a digest-scoped exemption.
    pub fn covers(&self, rule: Rule, subject: &Subject<'_>) -> bool {
        if self.rule != rule || !self.package.matches(subject.package) {
            return false;
        }
        let versions = match (&self.versions, subject.version) {
            (None, _) => true,
            (Some(_), None) => false,
            (Some((_, specifiers)), Some(version)) => versions_match(specifiers, version),
        };
        if !versions {
            return false;
        }
        if self.hashes.is_empty() {
            return !subject.by_digest_only;
        }
        !subject.digests.is_empty()
            && subject
                .digests
                .iter()
                .all(|d| self.hashes.iter().any(|h| h.eq_ignore_ascii_case(d)))
    }
}

/// A loaded, validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub source: PolicySource,
    /// `[rules]`.
    pub rules: BTreeMap<Rule, LevelSetting>,
    pub packages: Vec<PackageEntry>,
    pub exemptions: Vec<Exemption>,
    /// `[sources]`.
    pub sources: Sources,
    /// `[environment]`: the targets whose files are examined; every locked file when empty.
    pub environment: crate::index::scope::ArtifactScope,
    /// `[limits]` `max-page-size`, in MiB: the largest project page accepted, when the
    /// policy sets it (`--max-page-size` wins).
    pub max_page_size: Option<u32>,
    /// `[[project]]`: the projects `pubgate audit` audits when none are named.
    pub projects: Vec<ProjectEntry>,
}

/// The `[[package]]` entry and name that won for a package.
#[derive(Debug, Clone, Copy)]
pub struct PackageMatch<'p> {
    /// 0-based index among the policy's `[[package]]` entries.
    pub entry_index: usize,
    /// 0-based index in that entry's `names`.
    pub name_index: usize,
    pub entry: &'p PackageEntry,
}

/// Where a resolved level came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelOrigin {
    /// The rule's default.
    Default,
    /// `[rules]`.
    Rules(Position),
    /// A `[[package]]` entry's `rules`.
    Package(Position),
}

impl Policy {
    /// The `[[project]]` entry declaring `project`, and the name in it (names are exact and
    /// unique across entries, so there is at most one).
    pub fn project(&self, project: &PackageName) -> Option<(&ProjectEntry, &ProjectName)> {
        self.projects.iter().find_map(|entry| {
            entry
                .names
                .iter()
                .find(|n| n.name == *project)
                .map(|name| (entry, name))
        })
    }

    /// The most specific `[[package]]` entry naming `package` (PEP 503-normalized), by the
    /// total order of [`NamePattern::specificity_cmp`]; declaration order never matters.
    pub fn package_entry(&self, package: &PackageName) -> Option<PackageMatch<'_>> {
        let mut best: Option<(PackageMatch<'_>, &NamePattern)> = None;
        for (entry_index, entry) in self.packages.iter().enumerate() {
            for (name_index, name) in entry.names.iter().enumerate() {
                if !name.pattern.matches(package) {
                    continue;
                }
                let better = match &best {
                    None => true,
                    Some((_, current)) => name.pattern.specificity_cmp(current).is_lt(),
                };
                if better {
                    best = Some((
                        PackageMatch {
                            entry_index,
                            name_index,
                            entry,
                        },
                        &name.pattern,
                    ));
                }
            }
        }
        best.map(|(m, _)| m)
    }

    /// How a finding of `rule` about `subject` (`None` for findings about a lockfile as a
    /// whole or the policy itself) is judged on `today`. The one place levels resolve:
    /// the rule's default, overridden by `[rules]`, overridden by the most specific
    /// `[[package]]` entry; then the unexpired exemptions that cover it, in file order.
    pub fn resolve(
        &self,
        rule: Rule,
        subject: Option<&Subject<'_>>,
        today: jiff::civil::Date,
    ) -> Resolution<'_> {
        let package = subject.map(|s| s.package);
        let mut level = rule.default_level();
        let mut origin = LevelOrigin::Default;
        if let Some(setting) = self.rules.get(&rule) {
            level = setting.level;
            origin = LevelOrigin::Rules(setting.position);
        }
        if let Some(m) = package.and_then(|p| self.package_entry(p)) {
            if let Some(setting) = m.entry.rules.get(&rule) {
                level = setting.level;
                origin = LevelOrigin::Package(setting.position);
            }
        }
        // A rule that cannot be lowered is at deny whatever the policy says (the loader
        // refuses such settings; this keeps a hand-built policy honest too).
        if !rule.can_be_lowered() {
            level = Level::Deny;
        }
        let exemptions = match subject {
            Some(subject) if level != Level::Allow => self
                .exemptions
                .iter()
                .filter(|e| !e.is_expired(today) && e.covers(rule, subject))
                .collect(),
            _ => Vec::new(),
        };
        Resolution {
            level,
            origin,
            exemptions,
        }
    }
}

/// How one finding is judged: its level, where the level came from, and the exemptions
/// that cover it (the first one is named in reports; all count as used).
#[derive(Debug, Clone)]
pub struct Resolution<'p> {
    /// `allow` means the finding is not reported (and no exemption is consulted).
    pub level: Level,
    pub origin: LevelOrigin,
    pub exemptions: Vec<&'p Exemption>,
}

/// A policy that could not be loaded: what, where (file:line:column) and what to do.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PolicyError {
    pub path: PathBuf,
    pub position: Option<Position>,
    pub message: String,
    pub hint: Option<String>,
    /// The offending source line, when known.
    pub source_line: Option<String>,
    /// Further errors found in the same file, in file order: every entry is checked, so
    /// one run names everything there is to fix.
    pub others: Vec<PolicyError>,
}

impl PolicyError {
    pub fn location(&self) -> Option<Location> {
        self.position.map(|p| Location {
            path: self.path.clone(),
            line: p.line,
        })
    }
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.path.display())?;
        if let Some(p) = self.position {
            write!(f, ":{}:{}", p.line, p.column)?;
        }
        write!(f, ": {}", self.message)?;
        if let (Some(line), Some(p)) = (&self.source_line, self.position) {
            let gutter = p.line.to_string().len();
            write!(
                f,
                "\n{:gutter$} |\n{} | {}\n{:gutter$} | {}^",
                "",
                p.line,
                line,
                "",
                " ".repeat(p.column.saturating_sub(1) as usize),
            )?;
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        for other in &self.others {
            write!(f, "\n{other}")?;
        }
        Ok(())
    }
}

/// Reads the policy at `path` (a `pyproject.toml` is read from its `[tool.pubgate]`).
pub fn read_file(path: &Path) -> Result<Policy, PolicyError> {
    load::read_file(path)
}
