//! Evidence + policy + today's date → findings. A pure function: no I/O, no clock, no
//! printing. Rules produce candidates; levels resolve in [`Policy::level`]; exemptions
//! apply after; findings come out in one deterministic order.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::evidence::{
    ArtifactEvidence, History, InvalidReason, LockfileEvidence, PackageEvidence, ProvenanceStatus,
};
use crate::lockfile::{Location, Source};
use crate::policy::{describe, Exemption, Policy, PublisherIdentity, PublisherRequirement};
use crate::rules::{Level, Rule};
use crate::verify::VerifiedPublisher;

/// One thing the policy has to say about a lockfile or about itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub rule: Rule,
    /// The resolved level, `warn` or `deny` (findings at `allow` are not reported).
    pub level: Level,
    /// PEP 503-normalized name; `None` for findings about the policy.
    pub package: Option<String>,
    pub version: Option<String>,
    /// The file the finding is about; `None` when it is about the package or several files.
    pub artifact: Option<String>,
    /// What is wrong, one line.
    pub message: String,
    /// What to do, one line.
    pub fix: String,
    /// Where to look: the package's lockfile line, or the policy line.
    pub location: Location,
    /// The lockfile; `None` for findings about the policy.
    pub lockfile: Option<PathBuf>,
    /// The exemption that covers it: the finding is shown but does not count.
    pub exempted_by: Option<ExemptionRef>,
}

impl Finding {
    /// Whether the finding counts toward the verdict at all (not exempted).
    pub fn is_active(&self) -> bool {
        self.exempted_by.is_none()
    }

    /// `name==version`, `name`, or empty for policy findings.
    pub fn package_spec(&self) -> String {
        match (&self.package, &self.version) {
            (Some(n), Some(v)) => format!("{n}=={v}"),
            (Some(n), None) => n.clone(),
            _ => String::new(),
        }
    }
}

/// The exemption that covered a finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExemptionRef {
    /// 0-based index among the policy's `[[exemption]]` entries.
    pub index: usize,
    pub location: Location,
    pub reason: String,
    pub expires: Option<jiff::civil::Date>,
}

/// A finding before its level is resolved.
struct Candidate {
    rule: Rule,
    package: String,
    version: Option<String>,
    artifact: Option<String>,
    message: String,
    fix: String,
    location: Location,
    lockfile: PathBuf,
}

/// Judges `evidence` against `policy` on `today` (UTC). Returns every reported finding,
/// exempted ones included, sorted by lockfile, line, package, version, code, artifact.
pub fn evaluate(
    evidence: &[LockfileEvidence],
    policy: &Policy,
    today: jiff::civil::Date,
) -> Vec<Finding> {
    let mut candidates = Vec::new();
    for lockfile in evidence {
        for unpinned in &lockfile.unpinned {
            candidates.push(unpinned_candidate(lockfile, unpinned));
        }
        for package in &lockfile.packages {
            check_package(lockfile, package, policy, &mut candidates);
        }
    }

    let mut used_exemptions = BTreeSet::new();
    let mut findings = Vec::new();
    for c in candidates {
        let resolution = policy.resolve(c.rule, Some(&c.package), c.version.as_deref(), today);
        if resolution.level == Level::Allow {
            continue;
        }
        used_exemptions.extend(resolution.exemptions.iter().map(|e| e.index));
        findings.push(Finding {
            rule: c.rule,
            level: resolution.level,
            package: Some(c.package),
            version: c.version,
            artifact: c.artifact,
            message: c.message,
            fix: c.fix,
            location: c.location,
            lockfile: Some(c.lockfile),
            exempted_by: resolution
                .exemptions
                .first()
                .map(|e| exemption_ref(policy, e)),
        });
    }

    policy_findings(evidence, policy, today, &used_exemptions, &mut findings);
    sort(&mut findings);
    findings
}

/// Sorts findings: lockfile findings first (by lockfile, line, package, version, code,
/// artifact, message), then findings about the policy (by line).
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        (
            a.lockfile.is_none(),
            &a.lockfile,
            &a.location,
            &a.package,
            &a.version,
            a.rule,
            &a.artifact,
            &a.message,
        )
            .cmp(&(
                b.lockfile.is_none(),
                &b.lockfile,
                &b.location,
                &b.package,
                &b.version,
                b.rule,
                &b.artifact,
                &b.message,
            ))
    });
}

fn exemption_ref(policy: &Policy, e: &Exemption) -> ExemptionRef {
    ExemptionRef {
        index: e.index,
        location: Location {
            path: policy.source.path(),
            line: e.position.line,
        },
        reason: e.reason.clone(),
        expires: e.expires,
    }
}

/// PG301 for expired exemptions, PG302 for exemptions and `[[package]]` names that did
/// nothing.
fn policy_findings(
    evidence: &[LockfileEvidence],
    policy: &Policy,
    today: jiff::civil::Date,
    used_exemptions: &BTreeSet<usize>,
    findings: &mut Vec<Finding>,
) {
    let policy_path = policy.source.path();
    let mut push = |rule: Rule, line: u32, message: String| {
        let level = policy.resolve(rule, None, None, today).level;
        if level == Level::Allow {
            return;
        }
        findings.push(Finding {
            rule,
            level,
            package: None,
            version: None,
            artifact: None,
            message,
            fix: rule.fix().to_string(),
            location: Location {
                path: policy_path.clone(),
                line,
            },
            lockfile: None,
            exempted_by: None,
        });
    };

    for e in &policy.exemptions {
        let what = exemption_description(e);
        if e.is_expired(today) {
            let expires = e.expires.map(|d| d.to_string()).unwrap_or_default();
            push(
                Rule::ExpiredExemption,
                e.position.line,
                format!("{what} expired on {expires} and no longer applies"),
            );
        } else if !used_exemptions.contains(&e.index) {
            push(
                Rule::UnusedExemption,
                e.position.line,
                format!("{what} matched no finding"),
            );
        }
    }

    let mut winning = BTreeSet::new();
    let names = evidence.iter().flat_map(|lf| {
        lf.packages
            .iter()
            .map(|p| crate::dist::normalize_name(&p.package.name))
            .chain(
                lf.unpinned
                    .iter()
                    .map(|u| crate::dist::normalize_name(&u.name)),
            )
    });
    for name in names {
        if let Some(m) = policy.package_entry(&name) {
            winning.insert((m.entry_index, m.name_index));
        }
    }
    for (entry_index, entry) in policy.packages.iter().enumerate() {
        for (name_index, name) in entry.names.iter().enumerate() {
            if winning.contains(&(entry_index, name_index)) {
                continue;
            }
            let matched_elsewhere = evidence.iter().any(|lf| {
                lf.packages.iter().any(|p| {
                    name.pattern
                        .matches(&crate::dist::normalize_name(&p.package.name))
                })
            });
            let message = if matched_elsewhere {
                format!(
                    "`[[package]]` name `{}` only matches packages a more specific entry decides",
                    name.pattern.as_str()
                )
            } else {
                format!(
                    "`[[package]]` name `{}` matched no locked package",
                    name.pattern.as_str()
                )
            };
            push(Rule::UnusedExemption, name.position.line, message);
        }
    }
}

fn exemption_description(e: &Exemption) -> String {
    let versions = e
        .versions
        .as_ref()
        .map(|(text, _)| format!(" `{text}`"))
        .unwrap_or_default();
    format!(
        "exemption for `{}`{versions} ({})",
        e.package.as_str(),
        e.rule.slug()
    )
}

fn unpinned_candidate(
    lockfile: &LockfileEvidence,
    unpinned: &crate::lockfile::Unpinned,
) -> Candidate {
    let message = if unpinned.specifier.trim().is_empty() {
        format!("`{}` has no version pin", unpinned.name)
    } else {
        format!(
            "`{}{}` is not an exact `==` pin",
            unpinned.name, unpinned.specifier
        )
    };
    Candidate {
        rule: Rule::UnpinnedRequirement,
        package: crate::dist::normalize_name(&unpinned.name),
        version: None,
        artifact: None,
        message,
        fix: Rule::UnpinnedRequirement.fix().to_string(),
        location: unpinned.location.clone(),
        lockfile: lockfile.path.clone(),
    }
}

/// Whether an index URL is PyPI's simple API (`https://pypi.org/simple`, with or without
/// a trailing slash, or the legacy `https://pypi.python.org/simple`).
pub fn is_pypi(url: &str) -> bool {
    let normalized = url.trim().trim_end_matches('/').to_ascii_lowercase();
    matches!(
        normalized.as_str(),
        "https://pypi.org/simple" | "https://pypi.python.org/simple"
    )
}

/// A short name for an artifact, even one a requirements file locked by hash only.
fn file_name(artifact: &ArtifactEvidence) -> String {
    if !artifact.filename.is_empty() {
        return artifact.filename.clone();
    }
    match &artifact.sha256 {
        Some(sha) => format!("sha256:{}…", sha.get(..12).unwrap_or(sha)),
        None => "(unnamed file)".to_string(),
    }
}

/// `` `a.whl` `` for one file; `both files`; `all 3 files`; `2 of 5 files (`a`, `b`)`.
fn files_phrase(names: &[String], total: usize) -> String {
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
fn single(names: &[String]) -> Option<String> {
    match names {
        [one] => Some(one.clone()),
        _ => None,
    }
}

struct PackageContext<'a> {
    package: &'a PackageEvidence,
    lockfile: &'a LockfileEvidence,
    /// Artifacts sorted by name, so messages never depend on input order.
    artifacts: Vec<&'a ArtifactEvidence>,
}

impl PackageContext<'_> {
    fn candidate(&self, rule: Rule, artifact: Option<String>, message: String) -> Candidate {
        Candidate {
            rule,
            // Policies match PEP 503 names; normalizing here too means a caller that hands
            // in `Foo.Bar` can never slip past a rule written for `foo-bar`.
            package: crate::dist::normalize_name(&self.package.package.name),
            version: self.package.package.version.clone(),
            artifact,
            message,
            fix: rule.fix().to_string(),
            location: self.package.package.location.clone(),
            lockfile: self.lockfile.path.clone(),
        }
    }

    fn total(&self) -> usize {
        self.artifacts.len()
    }

    fn names_where(&self, pred: impl Fn(&ArtifactEvidence) -> bool) -> Vec<String> {
        self.artifacts
            .iter()
            .filter(|a| pred(a))
            .map(|a| file_name(a))
            .collect()
    }
}

fn check_package(
    lockfile: &LockfileEvidence,
    package: &PackageEvidence,
    policy: &Policy,
    out: &mut Vec<Candidate>,
) {
    let mut artifacts: Vec<&ArtifactEvidence> = package.artifacts.iter().collect();
    artifacts.sort_by(|a, b| (&a.filename, &a.sha256).cmp(&(&b.filename, &b.sha256)));
    let cx = PackageContext {
        package,
        lockfile,
        artifacts,
    };
    let requirements = policy
        .package_entry(&crate::dist::normalize_name(&package.package.name))
        .map(|m| m.entry.publishers.as_slice())
        .unwrap_or_default();

    check_source(&cx, out);
    check_hashes(&cx, out);
    check_missing(&cx, requirements, out);
    check_invalid(&cx, out);
    check_unavailable(&cx, out);
    check_publisher_requirement(&cx, requirements, policy, out);
    check_locked_identities(&cx, out);
    check_history(&cx, out);
    check_mixed(&cx, out);
}

/// PG003 for git, URL and path sources; PG004 for an index other than PyPI. Editable and
/// virtual entries are the project's own source trees: nothing is downloaded.
fn check_source(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    let message = match &cx.package.package.source {
        Source::Git { url, commit } => Some(match commit {
            Some(commit) => format!("installed from git `{url}` at commit `{commit}`: git sources carry no attestations"),
            None => format!("installed from git `{url}` without a locked commit: git sources carry no attestations"),
        }),
        Source::Url { url } => Some(format!(
            "installed from the URL `{url}`: direct URLs carry no attestations"
        )),
        Source::Path { path } => Some(format!(
            "installed from the local path `{path}`: local files carry no attestations"
        )),
        Source::Index { url } if !is_pypi(url.expose()) => {
            out.push(cx.candidate(
                Rule::OtherIndex,
                None,
                format!("comes from the index `{url}`, not PyPI: only PyPI serves PEP 740 provenance today"),
            ));
            None
        }
        Source::Index { .. } | Source::Editable { .. } | Source::Virtual { .. } => None,
    };
    if let Some(message) = message {
        out.push(cx.candidate(Rule::NonIndexSource, None, message));
    }
}

/// PG002 for index and URL packages whose files have no locked sha256.
fn check_hashes(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    if !matches!(
        cx.package.package.source,
        Source::Index { .. } | Source::Url { .. }
    ) {
        return;
    }
    if cx.artifacts.is_empty() {
        if cx
            .package
            .package
            .artifacts
            .iter()
            .all(|a| a.sha256.is_none())
        {
            out.push(cx.candidate(
                Rule::UnhashedArtifact,
                None,
                "no sha256 is locked for any file: the installer will accept any file for this version".into(),
            ));
        }
        return;
    }
    let unhashed = cx.names_where(|a| !a.locked_hash);
    if unhashed.is_empty() {
        return;
    }
    let what = if unhashed.len() == cx.total() && cx.total() > 1 {
        format!("none of the {} files has a locked sha256", cx.total())
    } else {
        let verb = if unhashed.len() == 1 { "has" } else { "have" };
        format!(
            "{} {verb} no locked sha256",
            files_phrase(&unhashed, cx.total())
        )
    };
    out.push(cx.candidate(
        Rule::UnhashedArtifact,
        single(&unhashed),
        format!("{what}: the installer would accept a different file"),
    ));
}

/// PG101 for files the index says have no provenance.
fn check_missing(
    cx: &PackageContext<'_>,
    requirements: &[PublisherRequirement],
    out: &mut Vec<Candidate>,
) {
    let absent = cx.names_where(|a| matches!(a.provenance, ProvenanceStatus::Absent));
    if absent.is_empty() {
        return;
    }
    let subject = files_phrase(&absent, cx.total());
    let mut message = if absent.len() == 1 && cx.total() <= 1 {
        format!("{subject} has no provenance: it was not published with attestations")
    } else if absent.len() == cx.total() {
        format!(
            "none of the {} files has provenance: they were not published with attestations",
            cx.total()
        )
    } else if absent.len() == 1 {
        format!("{subject} has no provenance: it was not published with attestations")
    } else {
        format!("{subject} have no provenance: they were not published with attestations")
    };
    if !requirements.is_empty() {
        message.push_str(&format!(
            "; the policy requires {}",
            requirement_list(requirements)
        ));
    }
    out.push(cx.candidate(Rule::MissingProvenance, single(&absent), message));
}

/// PG102 for every file whose provenance failed verification, one finding each.
fn check_invalid(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    for artifact in &cx.artifacts {
        let ProvenanceStatus::Invalid { reason, detail } = &artifact.provenance else {
            continue;
        };
        let name = file_name(artifact);
        let what = match reason {
            InvalidReason::Verification(failure) => format!(
                "the provenance of `{name}` failed verification ({failure})"
            ),
            InvalidReason::IndexHashMismatch => format!(
                "the index serves `{name}` with a sha256 that differs from the locked one (index hash mismatch)"
            ),
            InvalidReason::NotOnIndex => format!(
                "the locked sha256 of `{name}` matches no file of this release on the index (not on index)"
            ),
            InvalidReason::ReleaseNotOnIndex => format!(
                "the index has no release for `{name}`: the project or version is unknown to it (deleted, never uploaded, or the wrong index)"
            ),
        };
        let message = if detail.trim().is_empty() {
            what
        } else {
            format!("{what}: {}", one_line(detail))
        };
        out.push(cx.candidate(Rule::InvalidProvenance, Some(name), message));
    }
}

/// The fix for PG103 on a package from an index other than PyPI.
const OTHER_INDEX_UNAVAILABLE_FIX: &str = "if this index cannot serve PEP 740 provenance, allow `provenance-unavailable` for the packages it serves (a `[[package]]` entry with `rules = { provenance-unavailable = \"allow\" }`); otherwise re-run when it answers";

/// PG103 for files whose provenance could not be fetched, grouped by cause; and for an
/// index package whose evidence names no file at all (fail closed: nothing was examined).
fn check_unavailable(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    if cx.package.package.source.is_index() && cx.artifacts.is_empty() {
        out.push(cx.candidate(
            Rule::ProvenanceUnavailable,
            None,
            "no file of this release was examined, so its provenance is unknown".into(),
        ));
        return;
    }
    // A cause names the file's own provenance URL; files that failed the same way differ
    // only by their filename there, and are reported once.
    let mut by_cause: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for artifact in &cx.artifacts {
        if let ProvenanceStatus::Unavailable { cause } = &artifact.provenance {
            let cause = one_line(cause);
            let shared = match artifact.filename.as_str() {
                "" => cause.clone(),
                filename => cause.replace(filename, "…"),
            };
            by_cause
                .entry(shared.clone())
                .or_insert_with(|| (cause, Vec::new()))
                .1
                .push(file_name(artifact));
        }
    }
    // An index other than PyPI may not serve PEP 740 at all: say how to accept that, rather
    // than to wait for an answer that will never come.
    let other_index = matches!(
        &cx.package.package.source,
        Source::Index { url } if !is_pypi(url.expose())
    );
    for (shared, (first, names)) in by_cause {
        let cause = if names.len() == 1 { first } else { shared };
        let mut candidate = cx.candidate(
            Rule::ProvenanceUnavailable,
            single(&names),
            format!(
                "could not get provenance for {}: {cause}",
                files_phrase(&names, cx.total())
            ),
        );
        if other_index {
            candidate.fix = OTHER_INDEX_UNAVAILABLE_FIX.to_string();
        }
        out.push(candidate);
    }
}

fn requirement_list(requirements: &[PublisherRequirement]) -> String {
    let list: Vec<String> = requirements.iter().map(|r| r.to_string()).collect();
    list.join(" or ")
}

/// Describes a verified publisher with what the requirements look at (ref, environment).
fn describe_against(
    publisher: &VerifiedPublisher,
    requirements: &[PublisherRequirement],
) -> String {
    let mut out = describe(publisher);
    if requirements.iter().any(|r| r.git_ref.is_some()) {
        match &publisher.git_ref {
            Some(r) => out.push_str(&format!(" from ref `{r}`")),
            None => out.push_str(" (no source ref in the certificate)"),
        }
    }
    if requirements.iter().any(|r| r.environment.is_some()) {
        match &publisher.environment {
            Some(e) => out.push_str(&format!(" in environment `{e}` (as PyPI claims)")),
            None => out.push_str(" with no environment"),
        }
    }
    out
}

/// PG201 for verified files whose publisher the policy does not allow, grouped by publisher.
fn check_publisher_requirement(
    cx: &PackageContext<'_>,
    requirements: &[PublisherRequirement],
    policy: &Policy,
    out: &mut Vec<Candidate>,
) {
    if requirements.is_empty() {
        return;
    }
    let mut by_publisher: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for artifact in &cx.artifacts {
        let Some(verified) = artifact.provenance.verified() else {
            continue;
        };
        if requirements.iter().any(|r| r.matches(&verified.publisher)) {
            continue;
        }
        by_publisher
            .entry(describe_against(&verified.publisher, requirements))
            .or_default()
            .push(file_name(artifact));
    }
    let line = requirements.first().map_or(0, |r| r.position.line);
    for (publisher, names) in by_publisher {
        out.push(cx.candidate(
            Rule::PublisherMismatch,
            single(&names),
            format!(
                "{} published by {publisher}, but the policy requires {} ({}:{line})",
                capitalized(&files_phrase(&names, cx.total()), names.len() == 1),
                requirement_list(requirements),
                policy.source.path().display(),
            ),
        ));
    }
}

/// The fix when a verified publisher is not one the lockfile recorded.
const LOCKED_IDENTITY_FIX: &str = "the lockfile recorded another publisher when it was made: confirm the change with the project and re-lock; otherwise do not install";

/// PG201 for verified files whose publisher is none of the identities the lockfile itself
/// records (PEP 751 `attestation-identities`). Identities of a kind pubgate does not know
/// cannot be compared and are left out; if none is left, nothing is checked.
fn check_locked_identities(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    let recorded = &cx.package.package.attestation_identities;
    let requirements: Vec<PublisherRequirement> = recorded
        .iter()
        .filter_map(|identity| {
            Some(PublisherRequirement {
                kind: crate::policy::parse_kind(&identity.kind)?,
                repository: identity.repository.clone(),
                workflow: identity.workflow.clone(),
                workflow_filepath: identity.workflow_filepath.clone(),
                environment: identity.environment.clone(),
                email: identity.email.clone(),
                project_id: None,
                pipeline_definition_id: None,
                git_ref: None,
                position: crate::policy::Position {
                    line: identity.location.line,
                    column: 1,
                },
            })
        })
        .collect();
    let Some(first) = recorded.first() else {
        return;
    };
    if requirements.is_empty() {
        return;
    }
    let mut by_publisher: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for artifact in &cx.artifacts {
        let Some(verified) = artifact.provenance.verified() else {
            continue;
        };
        if requirements.iter().any(|r| r.matches(&verified.publisher)) {
            continue;
        }
        by_publisher
            .entry(describe_against(&verified.publisher, &requirements))
            .or_default()
            .push(file_name(artifact));
    }
    for (publisher, names) in by_publisher {
        let mut candidate = cx.candidate(
            Rule::PublisherMismatch,
            single(&names),
            format!(
                "{} published by {publisher}, but the lockfile records {} ({})",
                capitalized(&files_phrase(&names, cx.total()), names.len() == 1),
                requirement_list(&requirements),
                first.location,
            ),
        );
        candidate.fix = LOCKED_IDENTITY_FIX.to_string();
        out.push(candidate);
    }
}

/// `` `a.whl` was`` / ``All 3 files were``.
fn capitalized(phrase: &str, singular: bool) -> String {
    let verb = if singular { "was" } else { "were" };
    let mut chars = phrase.chars();
    match chars.next() {
        Some(first) => format!("{}{} {verb}", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// Distinct verified publishers of a set of artifacts, with the files each attested.
fn publishers_of<'a>(
    artifacts: impl Iterator<Item = &'a ArtifactEvidence>,
) -> BTreeMap<PublisherIdentity, (&'a VerifiedPublisher, Vec<String>)> {
    let mut map: BTreeMap<PublisherIdentity, (&VerifiedPublisher, Vec<String>)> = BTreeMap::new();
    for artifact in artifacts {
        if let Some(v) = artifact.provenance.verified() {
            map.entry(PublisherIdentity::of(&v.publisher))
                .or_insert_with(|| (&v.publisher, Vec::new()))
                .1
                .push(file_name(artifact));
        }
    }
    map
}

fn publisher_names<'a>(publishers: impl Iterator<Item = &'a VerifiedPublisher>) -> String {
    publishers.map(describe).collect::<Vec<_>>().join(" and ")
}

/// PG103 when no file of the previous release verified because some could not be fetched:
/// PG202 and PG203 would stay quiet for want of evidence, so the gate fails closed. Not
/// repeated when locked files are already unavailable (the package is denied for that).
fn history_unavailable(
    cx: &PackageContext<'_>,
    version: &str,
    previous: &[&ArtifactEvidence],
    out: &mut Vec<Candidate>,
) {
    let locked_unavailable = cx
        .artifacts
        .iter()
        .any(|a| matches!(a.provenance, ProvenanceStatus::Unavailable { .. }));
    let mut unavailable = previous.iter().filter_map(|a| match &a.provenance {
        ProvenanceStatus::Unavailable { cause } => Some((a, cause)),
        _ => None,
    });
    let Some((first, cause)) = unavailable.next() else {
        return;
    };
    if locked_unavailable {
        return;
    }
    let count = 1 + unavailable.count();
    let files = if count == 1 {
        format!("`{}`", file_name(first))
    } else {
        format!("{count} files (`{}`, …)", file_name(first))
    };
    out.push(cx.candidate(
        Rule::ProvenanceUnavailable,
        None,
        format!(
            "could not get provenance for {files} of the previous release `{version}`, so a publisher change or lost provenance cannot be ruled out: {}",
            one_line(cause)
        ),
    ));
}

/// PG203 (a previous release was attested, this one has files without provenance) and
/// PG202 (a verified publisher not among the previous release's).
fn check_history(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    let History::Previous(previous) = &cx.package.history else {
        return;
    };
    let mut previous_artifacts: Vec<&ArtifactEvidence> = previous.artifacts.iter().collect();
    previous_artifacts.sort_by(|a, b| (&a.filename, &a.sha256).cmp(&(&b.filename, &b.sha256)));
    let before = publishers_of(previous_artifacts.iter().copied());
    if before.is_empty() {
        history_unavailable(cx, &previous.version, &previous_artifacts, out);
        return;
    }
    let before_names = publisher_names(before.values().map(|(p, _)| *p));

    let absent = cx.names_where(|a| matches!(a.provenance, ProvenanceStatus::Absent));
    if !absent.is_empty() {
        let subject = files_phrase(&absent, cx.total());
        let verb = if absent.len() == 1 { "has" } else { "have" };
        out.push(cx.candidate(
            Rule::ProvenanceRegression,
            single(&absent),
            format!(
                "{subject} {verb} no provenance, but the previous release `{}` was attested by {before_names}",
                previous.version
            ),
        ));
    }

    let now = publishers_of(cx.artifacts.iter().copied());
    for (identity, (publisher, names)) in &now {
        if before.contains_key(identity) {
            continue;
        }
        out.push(cx.candidate(
            Rule::PublisherChange,
            single(names),
            format!(
                "{} published by {}, but the previous release `{}` was published by {before_names}",
                capitalized(&files_phrase(names, cx.total()), names.len() == 1),
                describe(publisher),
                previous.version
            ),
        ));
    }
}

/// PG204 when the verified files of this release name more than one publisher.
fn check_mixed(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    let now = publishers_of(cx.artifacts.iter().copied());
    if now.len() < 2 {
        return;
    }
    let parts: Vec<String> = now
        .values()
        .map(|(p, names)| {
            let files: Vec<String> = names.iter().take(3).map(|n| format!("`{n}`")).collect();
            let more = if names.len() > 3 { ", …" } else { "" };
            format!("{} ({}{more})", describe(p), files.join(", "))
        })
        .collect();
    out.push(cx.candidate(
        Rule::MixedPublishers,
        None,
        format!(
            "files of this release were attested by {} different publishers: {}",
            now.len(),
            parts.join("; ")
        ),
    ));
}

/// Collapses whitespace so a hostile or multi-line detail stays on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::PreviousRelease;
    use crate::lockfile::{Artifact, LockFormat, LockedPackage};

    #[test]
    fn recognizes_pypi_index_urls() {
        assert!(is_pypi("https://pypi.org/simple"));
        assert!(is_pypi("https://pypi.org/simple/"));
        assert!(is_pypi("https://PyPI.org/simple"));
        assert!(is_pypi("https://pypi.python.org/simple/"));
        assert!(!is_pypi("https://test.pypi.org/simple"));
        assert!(!is_pypi("https://pypi.org.evil.com/simple"));
        assert!(!is_pypi("http://pypi.org/simple"));
        assert!(!is_pypi("https://download.pytorch.org/whl/cpu"));
        assert!(!is_pypi("https://user:pw@pypi.org/simple"));
    }

    /// Default-policy findings, as (code, artifact, message), for one locked package
    /// `flaky==1.0` with these files and this history.
    fn judge(
        files: &[(&str, ProvenanceStatus)],
        history: History,
    ) -> Vec<(&'static str, Option<String>, String)> {
        use crate::policy::{self, PolicySource};
        let package = LockedPackage {
            name: "flaky".into(),
            version: Some("1.0".into()),
            source: Source::Index {
                url: crate::url::SecretUrl::new("https://pypi.org/simple"),
            },
            artifacts: files
                .iter()
                .map(|(f, _)| Artifact {
                    filename: f.to_string(),
                    sha256: Some("ab".repeat(32)),
                    other_hashes: Vec::new(),
                    url: None,
                })
                .collect(),
            marker: None,
            location: Location {
                path: PathBuf::from("uv.lock"),
                line: 3,
            },
            attestation_identities: Vec::new(),
        };
        let evidence = LockfileEvidence {
            path: PathBuf::from("uv.lock"),
            format: LockFormat::Uv,
            packages: vec![PackageEvidence {
                package,
                index_url: None,
                artifacts: files
                    .iter()
                    .map(|(f, status)| artifact(f, status.clone()))
                    .collect(),
                history,
            }],
            unpinned: Vec::new(),
        };
        let policy = policy::from_str(policy::DEFAULT_POLICY, PolicySource::BuiltIn).unwrap();
        evaluate(&[evidence], &policy, jiff::civil::date(2026, 6, 1))
            .into_iter()
            .map(|f| (f.rule.code(), f.artifact, f.message))
            .collect()
    }

    fn artifact(filename: &str, provenance: ProvenanceStatus) -> ArtifactEvidence {
        ArtifactEvidence {
            filename: filename.to_string(),
            sha256: Some("ab".repeat(32)),
            locked_hash: true,
            unbound_hashes: Vec::new(),
            provenance,
        }
    }

    const URL: &str = "http://127.0.0.1:8080/integrity/flaky";

    /// Unavailable the way the fetcher says it: the file's provenance URL, then what happened.
    fn unavailable(version: &str, filename: &str, what: &str) -> ProvenanceStatus {
        ProvenanceStatus::Unavailable {
            cause: format!("`{URL}/{version}/{filename}/provenance`: {what}"),
        }
    }

    fn verified() -> ProvenanceStatus {
        use crate::verify::{PublisherKind, VerifiedProvenance, VerifiedPublisher};
        let publisher = VerifiedPublisher {
            kind: PublisherKind::GitHub,
            repository: Some("flaky-dev/flaky".into()),
            workflow: Some("release.yml".into()),
            workflow_filepath: None,
            email: None,
            git_ref: None,
            commit: None,
            issuer: None,
            san: None,
            project_id: None,
            pipeline_definition_id: None,
            environment: None,
        };
        ProvenanceStatus::Verified(Box::new(VerifiedProvenance {
            publisher,
            claimed: None,
            attestations: Vec::new(),
        }))
    }

    #[test]
    fn reports_files_unavailable_for_the_same_reason_once() {
        let files = [
            "flaky-1.0-py3-none-any.whl",
            "flaky-1.0.tar.gz",
            "flaky-1.0-cp39-abi3-win_amd64.whl",
        ];
        let findings = judge(
            &[
                (
                    files[0],
                    unavailable("1.0", files[0], "HTTP 503 after 4 attempt(s)"),
                ),
                (
                    files[1],
                    unavailable("1.0", files[1], "HTTP 503 after 4 attempt(s)"),
                ),
                // The third file failed differently.
                (
                    files[2],
                    unavailable("1.0", files[2], "timed out after 1 s"),
                ),
            ],
            History::FirstRelease,
        );
        assert_eq!(
            findings,
            [
                (
                    "PG103",
                    None,
                    format!("could not get provenance for 2 of 3 files (`flaky-1.0-py3-none-any.whl`, `flaky-1.0.tar.gz`): `{URL}/1.0/…/provenance`: HTTP 503 after 4 attempt(s)")
                ),
                (
                    "PG103",
                    Some(files[2].to_string()),
                    format!("could not get provenance for 1 of 3 files (`{}`): `{URL}/1.0/{}/provenance`: timed out after 1 s", files[2], files[2])
                ),
            ]
        );
    }

    #[test]
    fn fails_closed_when_the_previous_release_cannot_be_examined() {
        let previous = |statuses: Vec<ProvenanceStatus>| {
            History::Previous(PreviousRelease {
                version: "0.9".into(),
                artifacts: statuses
                    .into_iter()
                    .enumerate()
                    .map(|(i, s)| artifact(&format!("flaky-0.9-{i}.tar.gz"), s))
                    .collect(),
                yanked: false,
                passed_over: Vec::new(),
            })
        };
        let locked = [("flaky-1.0.tar.gz", verified())];
        // Nothing of the previous release could be fetched: PG202/PG203 cannot be judged.
        let findings = judge(
            &locked,
            previous(vec![
                unavailable("0.9", "flaky-0.9-0.tar.gz", "HTTP 503 after 4 attempt(s)"),
                ProvenanceStatus::Absent,
                unavailable("0.9", "flaky-0.9-2.tar.gz", "HTTP 503 after 4 attempt(s)"),
            ]),
        );
        assert_eq!(
            findings,
            [(
                "PG103",
                None,
                format!("could not get provenance for 2 files (`flaky-0.9-0.tar.gz`, …) of the previous release `0.9`, so a publisher change or lost provenance cannot be ruled out: `{URL}/0.9/flaky-0.9-0.tar.gz/provenance`: HTTP 503 after 4 attempt(s)")
            )]
        );
        // One verified file is evidence enough: the rules judge with it.
        assert!(judge(
            &locked,
            previous(vec![verified(), unavailable("0.9", "x", "HTTP 503")])
        )
        .is_empty());
        // A previous release without provenance, fetched fine: nothing to say.
        assert!(judge(&locked, previous(vec![ProvenanceStatus::Absent])).is_empty());
        // Locked files already unavailable: one denial for the package is enough.
        let findings = judge(
            &[(
                "flaky-1.0.tar.gz",
                unavailable("1.0", "flaky-1.0.tar.gz", "HTTP 503"),
            )],
            previous(vec![unavailable("0.9", "flaky-0.9-0.tar.gz", "HTTP 503")]),
        );
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert!(findings[0]
            .2
            .starts_with("could not get provenance for `flaky-1.0.tar.gz`"));
    }

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
