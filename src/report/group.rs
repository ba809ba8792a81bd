//! Findings that share one cause, found from the typed evidence: when an index cannot be
//! asked, every package fails the same way, and a report of 449 identical lines hides the
//! one that matters. Renderers show such findings once, with a count and the packages they
//! cover. Presentation only: the findings, the JSON list and the verdict stay as they are.
//!
//! Only `provenance-unavailable` findings are grouped, and only when the package's evidence
//! says why in a way that does not name the package: a project page too old to speak of
//! provenance (the index), a request failure (the index's origin and what happened), the
//! run's deadline, an earlier-release walk cut short on such an index.

use std::collections::BTreeMap;
use std::path::Path;

use super::Report;
use crate::evaluate::Finding;
use crate::evidence::{
    FetchFailure, History, HistoryUnavailable, PackageEvidence, ProvenanceStatus, UnavailableCause,
    UnavailableKind, WalkBound,
};
use crate::rules::{Level, Rule};

/// Findings with one cause are grouped from this many on.
pub const GROUP_MIN: usize = 3;

/// A cause that does not name the package it stopped, so packages can share it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum CauseKey {
    /// The index's pages predate PEP 740 and its integrity API is not asked.
    PageTooOld { index: String, api_version: String },
    /// Requests to one origin failed the same way.
    Fetch { origin: String, failure: String },
    /// The run's deadline passed.
    Deadline { millis: u128 },
    /// The earlier releases could not be walked on a page that predates PEP 740.
    HistoryWalk {
        index: String,
        api_version: String,
        max: usize,
    },
}

impl CauseKey {
    fn of(cause: &UnavailableCause) -> Option<CauseKey> {
        match cause.kind() {
            UnavailableKind::PageTooOld { api_version } => Some(CauseKey::PageTooOld {
                index: cause.url()?.trimmed().to_string(),
                api_version: api_version.clone(),
            }),
            UnavailableKind::Fetch(failure) => Some(CauseKey::Fetch {
                origin: match cause.url() {
                    Some(url) => origin(url.as_url()),
                    None => String::new(),
                },
                failure: failure_text(failure),
            }),
            UnavailableKind::Deadline { limit, .. } => Some(CauseKey::Deadline {
                millis: limit.as_millis(),
            }),
            _ => None,
        }
    }

    fn of_history(cause: &HistoryUnavailable) -> Option<CauseKey> {
        match cause {
            HistoryUnavailable::Release(cause) => CauseKey::of(cause),
            HistoryUnavailable::WalkBound {
                index,
                api_version,
                bound: WalkBound::Releases { max },
            } => Some(CauseKey::HistoryWalk {
                index: index.trimmed().to_string(),
                api_version: api_version.clone(),
                max: *max,
            }),
            _ => None,
        }
    }

    /// What happened, for every package it stands for.
    fn describe(&self) -> String {
        match self {
            CauseKey::PageTooOld { index, api_version } => format!(
                "the index `{index}` serves simple API {api_version}, older than 1.3 (PEP 740): its pages cannot say whether a file has provenance"
            ),
            CauseKey::Fetch { origin, failure } if origin.is_empty() => failure.clone(),
            CauseKey::Fetch { origin, failure } => {
                format!("requests to `{origin}` failed: {failure}")
            }
            CauseKey::Deadline { millis } => format!(
                "the run's deadline of {} s passed before the evidence was complete (network, page parsing and verification all count); raise `--deadline` or retry when the index answers faster",
                *millis as f64 / 1000.0
            ),
            CauseKey::HistoryWalk {
                index,
                api_version,
                max,
            } => format!(
                "the index `{index}` serves simple API {api_version}, older than 1.3 (PEP 740), so earlier releases are asked about file by file, and the {max} nearest earlier releases have no provenance: the last attested release is unknown"
            ),
        }
    }
}

/// `scheme://host[:port]` of a URL.
fn origin(url: &reqwest::Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(host), Some(port)) => format!("{}://{host}:{port}", url.scheme()),
        (Some(host), None) => format!("{}://{host}", url.scheme()),
        _ => url.scheme().to_string(),
    }
}

/// A failure's text, without what differs from request to request.
fn failure_text(failure: &FetchFailure) -> String {
    failure.to_string()
}

/// Findings that share one cause.
#[derive(Debug, Clone)]
pub struct SharedGroup<'r> {
    pub rule: Rule,
    pub level: Level,
    /// Whether the findings are exempted (by one exemption: findings exempted differently,
    /// or not at all, are never grouped together).
    pub exempted: bool,
    /// What happened, once.
    pub cause: String,
    /// What to do, once (the findings' common fix).
    pub fix: String,
    /// The findings, in report order.
    pub findings: Vec<&'r Finding>,
}

/// One entry of a grouped findings list.
#[derive(Debug, Clone)]
pub enum Item<'r> {
    One(&'r Finding),
    Shared(SharedGroup<'r>),
}

/// Groups `findings` (a slice of the report's, in report order): groups of at least
/// [`GROUP_MIN`] findings sharing a cause come first, ordered by size (largest first), then
/// every other finding in its order.
pub fn group<'r>(report: &'r Report, findings: &[&'r Finding]) -> Vec<Item<'r>> {
    let keys = finding_keys(report, findings);
    type GroupKey = (CauseKey, Level, Option<usize>, String);
    let mut groups: BTreeMap<GroupKey, Vec<usize>> = BTreeMap::new();
    for (i, (finding, key)) in findings.iter().zip(keys).enumerate() {
        if let Some(key) = key {
            groups
                .entry((
                    key,
                    finding.level,
                    finding.exempted_by.as_ref().map(|e| e.index),
                    finding.fix.clone(),
                ))
                .or_default()
                .push(i);
        }
    }
    let mut in_group = vec![false; findings.len()];
    let mut shared: Vec<SharedGroup<'r>> = Vec::new();
    for ((key, level, exempted, fix), members) in groups {
        if members.len() < GROUP_MIN {
            continue;
        }
        for &i in &members {
            in_group[i] = true;
        }
        shared.push(SharedGroup {
            rule: Rule::ProvenanceUnavailable,
            level,
            exempted: exempted.is_some(),
            cause: key.describe(),
            fix,
            findings: members.iter().map(|&i| findings[i]).collect(),
        });
    }
    // Active before exempted, deny before warn, larger first.
    shared.sort_by(|a, b| {
        (a.exempted, b.level, b.findings.len()).cmp(&(b.exempted, a.level, a.findings.len()))
    });
    let mut items: Vec<Item<'r>> = shared.into_iter().map(Item::Shared).collect();
    items.extend(
        findings
            .iter()
            .zip(in_group)
            .filter(|(_, grouped)| !grouped)
            .map(|(f, _)| Item::One(f)),
    );
    items
}

/// The shareable cause of each finding, if it has one.
fn finding_keys(report: &Report, findings: &[&Finding]) -> Vec<Option<CauseKey>> {
    // The PG103 findings of each package: a package is grouped only when it has exactly one,
    // so the finding is surely the one its evidence explains.
    let mut per_package: BTreeMap<(&Path, String, Option<&str>, u32), usize> = BTreeMap::new();
    for f in report.findings() {
        if let Some(key) = package_key(f) {
            *per_package.entry(key).or_default() += 1;
        }
    }
    let mut evidence: BTreeMap<(&Path, String, Option<&str>, u32), &PackageEvidence> =
        BTreeMap::new();
    for lockfile in report.lockfiles() {
        for package in &lockfile.packages {
            evidence.insert(
                (
                    lockfile.path.as_path(),
                    package.package.name.to_string(),
                    package.package.version.as_deref(),
                    package.package.location.line,
                ),
                package,
            );
        }
    }
    findings
        .iter()
        .map(|f| {
            let key = package_key(f)?;
            if per_package.get(&key) != Some(&1) {
                return None;
            }
            package_cause(evidence.get(&key)?)
        })
        .collect()
}

/// (lockfile, package, version, line) of a `provenance-unavailable` finding about a package.
fn package_key(f: &Finding) -> Option<(&Path, String, Option<&str>, u32)> {
    if f.rule != Rule::ProvenanceUnavailable {
        return None;
    }
    Some((
        f.lockfile.as_deref()?,
        f.package.as_ref()?.to_string(),
        f.version.as_deref(),
        f.location.line,
    ))
}

/// The one shareable cause that kept a package from being checked: of its locked files when
/// any is unavailable (all for the same cause), else of its history.
fn package_cause(package: &PackageEvidence) -> Option<CauseKey> {
    let causes: Vec<&UnavailableCause> = package
        .artifacts
        .iter()
        .filter_map(|a| match &a.provenance {
            ProvenanceStatus::Unavailable { cause } => Some(cause),
            _ => None,
        })
        .collect();
    if let Some(first) = causes.first() {
        let key = CauseKey::of(first)?;
        return causes
            .iter()
            .all(|c| CauseKey::of(c).as_ref() == Some(&key))
            .then_some(key);
    }
    match &package.history {
        History::Unavailable { cause } => CauseKey::of_history(cause),
        History::Previous(previous) => {
            // The earlier release could not be fetched (and nothing of it verified).
            let earlier: Vec<&UnavailableCause> = previous
                .artifacts
                .iter()
                .filter_map(|a| match &a.provenance {
                    ProvenanceStatus::Unavailable { cause } => Some(cause),
                    _ => None,
                })
                .collect();
            let key = CauseKey::of(earlier.first()?)?;
            earlier
                .iter()
                .all(|c| CauseKey::of(c).as_ref() == Some(&key))
                .then_some(key)
        }
        _ => None,
    }
}

/// `a==1.0 (uv.lock:3), b==2.0 (uv.lock:9), … and 40 more` — at most `shown` packages
/// unless `all`.
pub fn members(group: &SharedGroup<'_>, all: bool, shown: usize) -> (Vec<String>, usize) {
    let names: Vec<String> = group
        .findings
        .iter()
        .map(|f| format!("{} ({})", f.package_spec(), f.location))
        .collect();
    if all || names.len() <= shown {
        return (names, 0);
    }
    let more = names.len() - shown;
    (names.into_iter().take(shown).collect(), more)
}
