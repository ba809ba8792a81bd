//! `pubgate diff`: what a lockfile change does to who publishes the dependencies. Both
//! sides' evidence is judged under the current policy; the report lists the packages added,
//! removed, upgraded, downgraded or otherwise changed, each with its publishers before and
//! after, provenance gained or lost, and the findings the change introduces and resolves.
//! The verdict is decided once, here: the change fails when it introduces a finding at
//! `deny`.
//!
//! Besides the findings `pubgate check` raises, the diff compares each changed package with
//! the release the *old lockfile* locked, which `check` cannot know: a verified publisher
//! that differs from the old release's is `publisher-change` (PG202), and files without
//! provenance where the old release had it all verified are `provenance-regression`
//! (PG203), unless the new evidence already has that finding. So a move from `1.0` to `3.0`
//! across a publisher change at `2.0`, or a downgrade to an unattested release, is caught in
//! review. Their levels, exemptions and fixes are the rules' own.

pub mod git;

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::str::FromStr;

use pep440_rs::Version;

use crate::dist::PackageName;
use crate::evaluate::{evaluate, sort, ExemptionRef, Finding, Related, RelatedRole};
use crate::evidence::{LockfileEvidence, PackageEvidence, ProvenanceStatus};
use crate::lockfile::Location;
use crate::policy::{describe, LevelOrigin, Policy, PolicySource, PublisherIdentity, Subject};
use crate::report::Outcome;
use crate::rules::{Level, Rule};
use crate::verify::VerifiedPublisher;

/// How a package changed between the two lockfiles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ChangeKind {
    Added,
    Removed,
    Upgraded,
    Downgraded,
    /// The same version from another source or with other files, or several releases of it
    /// locked (forks) that changed.
    Changed,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Added => "added",
            ChangeKind::Removed => "removed",
            ChangeKind::Upgraded => "upgraded",
            ChangeKind::Downgraded => "downgraded",
            ChangeKind::Changed => "changed",
        }
    }
}

/// What one side's files of a package say about provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SideProvenance {
    /// Every file verified.
    Verified,
    /// Some files verified, some not.
    Partial,
    /// The index says no file has provenance.
    Absent,
    /// Not from an index: no provenance possible.
    NotApplicable,
    /// Nothing verified, and not every file is known to lack provenance (invalid,
    /// unavailable, or no file examined).
    Unknown,
}

impl SideProvenance {
    pub fn as_str(self) -> &'static str {
        match self {
            SideProvenance::Verified => "verified",
            SideProvenance::Partial => "partial",
            SideProvenance::Absent => "absent",
            SideProvenance::NotApplicable => "not-applicable",
            SideProvenance::Unknown => "unknown",
        }
    }

    fn of(releases: &[PackageEvidence]) -> SideProvenance {
        let mut verified = 0;
        let mut absent = 0;
        let mut not_applicable = 0;
        let mut other = 0;
        for release in releases {
            if !release.package.source.is_index() {
                not_applicable += 1;
                continue;
            }
            if release.artifacts.is_empty() {
                other += 1;
            }
            for artifact in &release.artifacts {
                match artifact.provenance {
                    ProvenanceStatus::Verified(_) => verified += 1,
                    ProvenanceStatus::Absent => absent += 1,
                    ProvenanceStatus::NotApplicable => not_applicable += 1,
                    _ => other += 1,
                }
            }
        }
        match (verified, absent + not_applicable + other) {
            (v, 0) if v > 0 => SideProvenance::Verified,
            (v, _) if v > 0 => SideProvenance::Partial,
            _ if other > 0 => SideProvenance::Unknown,
            _ if absent > 0 => SideProvenance::Absent,
            _ => SideProvenance::NotApplicable,
        }
    }

    /// Whether files are positively without provenance (absent, or a source that can carry
    /// none), rather than unknown.
    fn lacks(self) -> bool {
        matches!(
            self,
            SideProvenance::Absent | SideProvenance::NotApplicable | SideProvenance::Partial
        )
    }
}

/// Provenance gained or lost by a change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProvenanceShift {
    /// Nothing verified before; something verified now.
    Gained,
    /// Every file verified before; now some file has no provenance.
    Lost,
}

impl ProvenanceShift {
    pub fn as_str(self) -> &'static str {
        match self {
            ProvenanceShift::Gained => "gained",
            ProvenanceShift::Lost => "lost",
        }
    }
}

/// One side of a package change: its locked releases (several for forks) and their
/// verified publishers.
#[derive(Debug, Clone)]
pub struct Side {
    pub releases: Vec<PackageEvidence>,
    pub provenance: SideProvenance,
    /// The distinct verified publishers, by identity.
    pub publishers: BTreeMap<PublisherIdentity, VerifiedPublisher>,
}

impl Side {
    fn of(releases: Vec<PackageEvidence>) -> Side {
        let mut publishers = BTreeMap::new();
        for release in &releases {
            for artifact in &release.artifacts {
                if let Some(v) = artifact.provenance.verified() {
                    publishers
                        .entry(PublisherIdentity::of(&v.publisher))
                        .or_insert_with(|| v.publisher.clone());
                }
            }
        }
        Side {
            provenance: SideProvenance::of(&releases),
            publishers,
            releases,
        }
    }

    /// The versions locked, in order.
    pub fn versions(&self) -> Vec<String> {
        let mut versions: Vec<String> = self
            .releases
            .iter()
            .map(|r| r.package.version.clone().unwrap_or_else(|| "-".into()))
            .collect();
        versions.sort();
        versions.dedup();
        versions
    }

    /// `1.0` or `1.0, 2.0`.
    pub fn version_text(&self) -> String {
        self.versions().join(", ")
    }

    /// Who published it (`GitHub `a/b` workflow `r.yml``, `no provenance`), without file
    /// counts; per version when several are locked.
    pub fn publisher_text(&self) -> String {
        match self.releases.as_slice() {
            [one] => crate::report::publisher_label(one),
            many => many
                .iter()
                .map(|r| {
                    format!(
                        "{}: {}",
                        r.package.version.as_deref().unwrap_or("-"),
                        crate::report::publisher_label(r)
                    )
                })
                .collect::<Vec<_>>()
                .join("; "),
        }
    }

    /// Where it is locked (the first release).
    pub fn location(&self) -> Option<&Location> {
        self.releases.first().map(|r| &r.package.location)
    }
}

/// One package that differs between the lockfiles.
#[derive(Debug, Clone)]
pub struct PackageChange {
    pub name: PackageName,
    pub kind: ChangeKind,
    /// `None` for an added package.
    pub before: Option<Side>,
    /// `None` for a removed package.
    pub after: Option<Side>,
    /// Both sides verified, by different publishers.
    pub publisher_changed: bool,
    pub provenance: Option<ProvenanceShift>,
}

/// One lockfile and the version it is compared with.
#[derive(Debug, Clone)]
pub struct LockfileChange {
    /// The lockfile now.
    pub path: PathBuf,
    pub format: crate::lockfile::LockFormat,
    /// How the old side is named (`main:uv.lock`, or the OLD path); `None` when the
    /// lockfile did not exist at the base.
    pub old_path: Option<PathBuf>,
    pub packages: Vec<PackageChange>,
}

/// A pair to compare: the old lockfile's evidence (`None` when it did not exist) and the
/// new one's.
#[derive(Debug, Clone)]
pub struct Pair {
    pub old: Option<LockfileEvidence>,
    pub new: LockfileEvidence,
}

/// The whole comparison and its verdict.
#[derive(Debug, Clone)]
pub struct DiffReport {
    policy: PolicySource,
    base: Option<String>,
    lockfiles: Vec<LockfileChange>,
    introduced: Vec<Finding>,
    resolved: Vec<Finding>,
    deny_warnings: bool,
    outcome: Outcome,
}

/// Counts for the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DiffSummary {
    pub added: usize,
    pub removed: usize,
    pub upgraded: usize,
    pub downgraded: usize,
    pub changed: usize,
    pub publisher_changed: usize,
    pub provenance_gained: usize,
    pub provenance_lost: usize,
    /// Introduced findings at deny, not exempted.
    pub deny: usize,
    /// Introduced findings at warn, not exempted.
    pub warn: usize,
    /// Introduced findings covered by an exemption.
    pub exempted: usize,
    pub resolved: usize,
}

impl DiffReport {
    /// Compares every pair under `policy` on `today` (UTC). `base` names the git revision
    /// the old sides come from, when they do.
    pub fn compare(
        pairs: Vec<Pair>,
        policy: &Policy,
        today: jiff::civil::Date,
        deny_warnings: bool,
        base: Option<String>,
    ) -> DiffReport {
        let old: Vec<LockfileEvidence> = pairs.iter().filter_map(|p| p.old.clone()).collect();
        let new: Vec<LockfileEvidence> = pairs.iter().map(|p| p.new.clone()).collect();
        let old_findings = evaluate(&old, policy, today);
        let mut new_findings = evaluate(&new, policy, today);

        let lockfiles: Vec<LockfileChange> = pairs.iter().map(compare_pair).collect();
        let mut raised = Vec::new();
        for (pair, change) in pairs.iter().zip(&lockfiles) {
            raised.extend(against_old_release(
                &pair.new,
                change,
                &new_findings,
                policy,
                today,
            ));
        }
        // An exemption only the diff's own findings use is used, not `unused-exemption`.
        let used: BTreeSet<u32> = raised
            .iter()
            .filter_map(|f| f.exempted_by.as_ref().map(|e| e.location.line))
            .collect();
        new_findings.retain(|f| {
            !(f.rule == Rule::UnusedExemption
                && f.lockfile.is_none()
                && used.contains(&f.location.line))
        });
        new_findings.extend(raised);
        sort(&mut new_findings);

        // Which pair a lockfile path belongs to, on either side.
        let mut pair_of: BTreeMap<PathBuf, usize> = BTreeMap::new();
        for (i, pair) in pairs.iter().enumerate() {
            pair_of.insert(pair.new.path.clone(), i);
            if let Some(old) = &pair.old {
                pair_of.insert(old.path.clone(), i);
            }
        }
        let key = |f: &Finding| FindingKey::of(f, &pair_of);
        let mut old_keys: BTreeMap<FindingKey, usize> = BTreeMap::new();
        for f in &old_findings {
            *old_keys.entry(key(f)).or_default() += 1;
        }
        let mut new_keys: BTreeMap<FindingKey, usize> = BTreeMap::new();
        for f in &new_findings {
            *new_keys.entry(key(f)).or_default() += 1;
        }
        let introduced = take_unmatched(new_findings, &mut old_keys, &key);
        let resolved = take_unmatched(old_findings, &mut new_keys, &key);

        let fails = |f: &Finding| {
            f.is_active() && (f.level == Level::Deny || (deny_warnings && f.level == Level::Warn))
        };
        let outcome = if introduced.iter().any(fails) {
            Outcome::Fail
        } else {
            Outcome::Pass
        };
        DiffReport {
            policy: policy.source.clone(),
            base,
            lockfiles,
            introduced,
            resolved,
            deny_warnings,
            outcome,
        }
    }

    /// The verdict: fail when the change introduces a finding at deny (or at warn under
    /// `--deny-warnings`) outside exemptions.
    pub fn outcome(&self) -> Outcome {
        self.outcome
    }

    pub fn policy(&self) -> &PolicySource {
        &self.policy
    }

    /// The git revision the old sides were read from, if any.
    pub fn base(&self) -> Option<&str> {
        self.base.as_deref()
    }

    pub fn lockfiles(&self) -> &[LockfileChange] {
        &self.lockfiles
    }

    /// Findings of the new lockfiles that the old ones did not have, in report order.
    pub fn introduced(&self) -> &[Finding] {
        &self.introduced
    }

    /// Findings of the old lockfiles that the new ones no longer have.
    pub fn resolved(&self) -> &[Finding] {
        &self.resolved
    }

    pub fn deny_warnings(&self) -> bool {
        self.deny_warnings
    }

    pub fn summary(&self) -> DiffSummary {
        let mut s = DiffSummary {
            resolved: self.resolved.len(),
            ..DiffSummary::default()
        };
        for change in self.lockfiles.iter().flat_map(|l| &l.packages) {
            match change.kind {
                ChangeKind::Added => s.added += 1,
                ChangeKind::Removed => s.removed += 1,
                ChangeKind::Upgraded => s.upgraded += 1,
                ChangeKind::Downgraded => s.downgraded += 1,
                ChangeKind::Changed => s.changed += 1,
            }
            if change.publisher_changed {
                s.publisher_changed += 1;
            }
            match change.provenance {
                Some(ProvenanceShift::Gained) => s.provenance_gained += 1,
                Some(ProvenanceShift::Lost) => s.provenance_lost += 1,
                None => {}
            }
        }
        for f in &self.introduced {
            match (f.is_active(), f.level) {
                (false, _) => s.exempted += 1,
                (true, Level::Deny) => s.deny += 1,
                (true, Level::Warn) => s.warn += 1,
                (true, Level::Allow) => {}
            }
        }
        s
    }
}

/// What makes two findings the same finding on both sides: the pair they belong to (or the
/// policy), the rule, the package, version and file, and what they say. Where a finding
/// sits (its line) is left out: a package moving down the file is not a new finding.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct FindingKey {
    pair: Option<usize>,
    rule: Rule,
    package: Option<String>,
    version: Option<String>,
    artifact: Option<String>,
    message: String,
    /// For findings about the policy, their line (the policy is the same on both sides).
    policy_line: Option<u32>,
}

impl FindingKey {
    fn of(f: &Finding, pair_of: &BTreeMap<PathBuf, usize>) -> FindingKey {
        let pair = f.lockfile.as_ref().and_then(|p| pair_of.get(p).copied());
        FindingKey {
            pair,
            rule: f.rule,
            package: f.package.as_ref().map(ToString::to_string),
            version: f.version.clone(),
            artifact: f.artifact.clone(),
            message: f.message.clone(),
            policy_line: f.lockfile.is_none().then_some(f.location.line),
        }
    }
}

/// The findings whose key `other` does not have (each key of `other` matching once).
fn take_unmatched(
    findings: Vec<Finding>,
    other: &mut BTreeMap<FindingKey, usize>,
    key: &dyn Fn(&Finding) -> FindingKey,
) -> Vec<Finding> {
    findings
        .into_iter()
        .filter(|f| match other.get_mut(&key(f)) {
            Some(n) if *n > 0 => {
                *n -= 1;
                false
            }
            _ => true,
        })
        .collect()
}

/// The packages that differ between the two sides of a pair, by name.
fn compare_pair(pair: &Pair) -> LockfileChange {
    let by_name = |lockfile: Option<&LockfileEvidence>| {
        let mut map: BTreeMap<PackageName, Vec<PackageEvidence>> = BTreeMap::new();
        for package in lockfile.into_iter().flat_map(|l| &l.packages) {
            map.entry(package.package.name.clone())
                .or_default()
                .push(package.clone());
        }
        map
    };
    let mut before = by_name(pair.old.as_ref());
    let mut after = by_name(Some(&pair.new));
    let names: BTreeSet<PackageName> = before.keys().chain(after.keys()).cloned().collect();
    let mut packages = Vec::new();
    for name in names {
        let old = before.remove(&name).unwrap_or_default();
        let new = after.remove(&name).unwrap_or_default();
        let kind = match (old.as_slice(), new.as_slice()) {
            ([], []) => continue,
            ([], _) => ChangeKind::Added,
            (_, []) => ChangeKind::Removed,
            ([a], [b]) => match version_order(a, b) {
                Some(std::cmp::Ordering::Less) => ChangeKind::Upgraded,
                Some(std::cmp::Ordering::Greater) => ChangeKind::Downgraded,
                _ if same_release(a, b) => continue,
                _ => ChangeKind::Changed,
            },
            (a, b) => {
                let shape = |side: &[PackageEvidence]| {
                    let mut shapes: Vec<_> = side.iter().map(release_shape).collect();
                    shapes.sort();
                    shapes
                };
                if shape(a) == shape(b) {
                    continue;
                }
                ChangeKind::Changed
            }
        };
        let before = (!old.is_empty()).then(|| Side::of(old));
        let after = (!new.is_empty()).then(|| Side::of(new));
        let (publisher_changed, provenance) = match (&before, &after) {
            (Some(b), Some(a)) => {
                let changed = !b.publishers.is_empty()
                    && !a.publishers.is_empty()
                    && b.publishers.keys().ne(a.publishers.keys());
                let shift = if b.publishers.is_empty() && !a.publishers.is_empty() {
                    Some(ProvenanceShift::Gained)
                } else if b.provenance == SideProvenance::Verified && a.provenance.lacks() {
                    Some(ProvenanceShift::Lost)
                } else {
                    None
                };
                (changed, shift)
            }
            _ => (false, None),
        };
        packages.push(PackageChange {
            name,
            kind,
            before,
            after,
            publisher_changed,
            provenance,
        });
    }
    LockfileChange {
        path: pair.new.path.clone(),
        format: pair.new.format,
        old_path: pair.old.as_ref().map(|o| o.path.clone()),
        packages,
    }
}

/// How the two versions order (PEP 440); `None` when either is missing or not PEP 440.
fn version_order(a: &PackageEvidence, b: &PackageEvidence) -> Option<std::cmp::Ordering> {
    let a = Version::from_str(a.package.version.as_deref()?).ok()?;
    let b = Version::from_str(b.package.version.as_deref()?).ok()?;
    Some(a.cmp(&b))
}

/// What a release is, for comparing: version, source, and the files it locks (filename,
/// sha256).
type ReleaseShape = (Option<String>, String, Vec<(String, Option<String>)>);

fn release_shape(p: &PackageEvidence) -> ReleaseShape {
    let mut files: Vec<(String, Option<String>)> = p
        .package
        .artifacts
        .iter()
        .map(|a| (a.filename.clone(), a.sha256.clone()))
        .collect();
    files.sort();
    (
        p.package.version.clone(),
        format!("{:?}", p.package.source),
        files,
    )
}

fn same_release(a: &PackageEvidence, b: &PackageEvidence) -> bool {
    release_shape(a) == release_shape(b)
}

/// PG202 and PG203 against the release the old lockfile locked, for changed packages whose
/// new evidence does not already carry that finding.
fn against_old_release(
    new: &LockfileEvidence,
    change: &LockfileChange,
    existing: &[Finding],
    policy: &Policy,
    today: jiff::civil::Date,
) -> Vec<Finding> {
    let mut out = Vec::new();
    for package in &change.packages {
        let (Some(before), Some(after)) = (&package.before, &package.after) else {
            continue;
        };
        for release in &after.releases {
            let has = |rule: Rule| {
                existing.iter().any(|f| {
                    f.rule == rule
                        && f.package.as_ref() == Some(&release.package.name)
                        && f.version == release.package.version
                        && f.lockfile.as_deref() == Some(new.path.as_path())
                })
            };
            let old_names: Vec<String> = before.publishers.values().map(describe).collect();
            let old_versions = before.version_text();
            // A verified publisher of this release that the old release did not have.
            if !before.publishers.is_empty() && !has(Rule::PublisherChange) {
                let mut new_publishers: BTreeMap<
                    PublisherIdentity,
                    (&VerifiedPublisher, Vec<String>),
                > = BTreeMap::new();
                for artifact in &release.artifacts {
                    if let Some(v) = artifact.provenance.verified() {
                        let id = PublisherIdentity::of(&v.publisher);
                        if before.publishers.contains_key(&id) {
                            continue;
                        }
                        new_publishers
                            .entry(id)
                            .or_insert_with(|| (&v.publisher, Vec::new()))
                            .1
                            .push(
                                artifact
                                    .sha256
                                    .clone()
                                    .map(|s| format!("sha256:{s}"))
                                    .unwrap_or_default(),
                            );
                    }
                }
                for (publisher, digests) in new_publishers.into_values() {
                    out.extend(finding(
                        Rule::PublisherChange,
                        release,
                        new,
                        format!(
                            "the lockfile change moves `{}` from `{old_versions}`, published by {}, to `{}`, published by {}",
                            release.package.name,
                            old_names.join(" and "),
                            release.package.version.as_deref().unwrap_or("-"),
                            describe(publisher)
                        ),
                        "confirm the new publisher with the project (release notes, repository) before merging; then exempt this version with a reason, or pin the publisher in a `[[package]]` entry".into(),
                        digests.into_iter().filter(|d| !d.is_empty()).collect(),
                        policy,
                        today,
                    ));
                }
            }
            // Files without provenance where the old release had all its files verified.
            if before.provenance == SideProvenance::Verified && !has(Rule::ProvenanceRegression) {
                let absent: Vec<&crate::evidence::ArtifactEvidence> = release
                    .artifacts
                    .iter()
                    .filter(|a| {
                        matches!(
                            a.provenance,
                            ProvenanceStatus::Absent | ProvenanceStatus::NotApplicable
                        )
                    })
                    .collect();
                let moved_off_index = !release.package.source.is_index();
                if !absent.is_empty() || moved_off_index {
                    let what = if moved_off_index {
                        format!(
                            "now installed from {}, which can carry no provenance",
                            release.package.source.kind()
                        )
                    } else {
                        format!(
                            "{} of its {} files have no provenance",
                            absent.len(),
                            release.artifacts.len()
                        )
                    };
                    out.extend(finding(
                        Rule::ProvenanceRegression,
                        release,
                        new,
                        format!(
                            "the lockfile change moves `{}` from `{old_versions}`, whose files were all attested by {}, to `{}`: {what}",
                            release.package.name,
                            old_names.join(" and "),
                            release.package.version.as_deref().unwrap_or("-"),
                        ),
                        Rule::ProvenanceRegression.fix().to_string(),
                        absent
                            .iter()
                            .filter_map(|a| a.sha256.as_ref().map(|s| format!("sha256:{s}")))
                            .collect(),
                        policy,
                        today,
                    ));
                }
            }
        }
    }
    out
}

/// A finding the diff raises, its level and exemption resolved by the policy like any other.
#[allow(clippy::too_many_arguments)]
fn finding(
    rule: Rule,
    release: &PackageEvidence,
    lockfile: &LockfileEvidence,
    message: String,
    fix: String,
    digests: Vec<String>,
    policy: &Policy,
    today: jiff::civil::Date,
) -> Option<Finding> {
    let subject = Subject {
        package: &release.package.name,
        version: release.package.version.as_deref(),
        digests: &digests,
        by_digest_only: false,
    };
    let resolution = policy.resolve(rule, Some(&subject), today);
    if resolution.level == Level::Allow {
        return None;
    }
    let exempted_by = resolution.exemptions.first().map(|e| ExemptionRef {
        index: e.index,
        location: Location {
            path: policy.source.path(),
            line: e.position.line,
        },
        reason: e.reason.clone(),
        expires: e.expires,
    });
    let mut related = Vec::new();
    if let (LevelOrigin::Rules(at) | LevelOrigin::Package(at), false) = (
        resolution.origin,
        matches!(policy.source, PolicySource::BuiltIn),
    ) {
        if resolution.level != rule.default_level() {
            related.push(Related {
                location: Location {
                    path: policy.source.path(),
                    line: at.line,
                },
                role: RelatedRole::Level,
            });
        }
    }
    Some(Finding {
        rule,
        level: resolution.level,
        package: Some(release.package.name.clone()),
        version: release.package.version.clone(),
        artifact: None,
        message,
        fix,
        location: release.package.location.clone(),
        lockfile: Some(lockfile.path.clone()),
        exempted_by,
        related,
    })
}
