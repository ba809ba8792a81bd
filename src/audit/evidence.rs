//! What an audit knows about one project: every release its index page lists, each file's
//! upload time and listed provenance, and — for the releases examined in this run — each
//! file's verified provenance. Gathered by [`crate::index::releases`]; judged by
//! [`crate::evaluate::evaluate_audit`] (no I/O there).

use std::cmp::Ordering;

use pep440_rs::Version;

use crate::dist::PackageName;
use crate::evidence::{ProvenanceStatus, UnavailableCause};
use crate::url::{CleanUrl, SecretUrl};
use crate::verify::VerifiedProvenance;

/// Which releases an audit examines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// Only releases with a file uploaded at or after this time (`--since`). A file whose
    /// upload time the index does not give counts as uploaded now: it is examined.
    pub since: Option<jiff::Timestamp>,
    /// At most this many releases, the most recently uploaded first (`--last`).
    pub last: Option<usize>,
}

impl Window {
    /// Every release.
    pub fn all() -> Window {
        Window::default()
    }

    /// Whether this window examines every release.
    pub fn is_all(&self) -> bool {
        self.since.is_none() && self.last.is_none()
    }

    /// For each release (in the order given), whether it is examined.
    pub fn select(&self, releases: &[ReleaseEvidence]) -> Vec<bool> {
        let mut selected: Vec<bool> = releases
            .iter()
            .map(|release| match self.since {
                None => true,
                Some(since) => release
                    .files
                    .iter()
                    .any(|f| f.uploaded.is_none_or(|at| at >= since)),
            })
            .collect();
        if let Some(last) = self.last {
            let mut candidates: Vec<usize> = (0..releases.len()).filter(|&i| selected[i]).collect();
            // Most recent activity first; a release whose upload time is unknown counts as
            // the most recent (examined rather than skipped); ties by release order.
            candidates.sort_by(|&a, &b| {
                releases[b]
                    .last_upload_or_unknown()
                    .cmp(&releases[a].last_upload_or_unknown())
                    .then(b.cmp(&a))
            });
            for &dropped in candidates.iter().skip(last) {
                selected[dropped] = false;
            }
        }
        selected
    }
}

/// What an audit found out about one project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectEvidence {
    pub name: PackageName,
    /// The index asked (credentials kept for requests, never shown).
    pub index_url: SecretUrl,
    pub page: PageStatus,
}

/// What asking for the project's page gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PageStatus {
    /// The page, and every release it lists.
    Found(ProjectListing),
    /// The index has no such project.
    NotFound { index: CleanUrl },
    /// The page could not be had: nothing about the project is known.
    Unavailable(UnavailableCause),
}

/// Every release a project page lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectListing {
    /// The simple API version the page declares (`1.4`).
    pub api_version: String,
    /// Releases in version order, oldest first; releases whose version is not PEP 440
    /// (or whose files name no version) come last.
    pub releases: Vec<ReleaseEvidence>,
}

/// One release of a project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseEvidence {
    /// The version as the index spells it (from a filename); `?` for files whose names
    /// carry no version of this project.
    pub version: String,
    /// The PEP 440 version, when it is one.
    pub parsed: Option<Version>,
    /// Whether this run examined the release's provenance (within the [`Window`]).
    pub examined: bool,
    pub files: Vec<FileEvidence>,
}

impl ReleaseEvidence {
    /// When the release was made: its first upload, if the index gives every file's time.
    pub fn first_upload(&self) -> Option<jiff::Timestamp> {
        self.files.iter().map(|f| f.uploaded).min().flatten()
    }

    /// Its latest upload, if the index gives every file's time.
    pub fn last_upload(&self) -> Option<jiff::Timestamp> {
        let times: Option<Vec<jiff::Timestamp>> = self.files.iter().map(|f| f.uploaded).collect();
        times.and_then(|t| t.into_iter().max())
    }

    /// The latest upload, an unknown time counting as the latest of all.
    fn last_upload_or_unknown(&self) -> Option<jiff::Timestamp> {
        self.last_upload().map_or(Some(jiff::Timestamp::MAX), Some)
    }

    /// Whether all the release's files were yanked.
    pub fn yanked(&self) -> bool {
        !self.files.is_empty() && self.files.iter().all(|f| f.yanked)
    }

    /// The release's verdict, once examined.
    pub fn verdict(&self) -> Option<Verdict> {
        if !self.examined {
            return None;
        }
        let statuses: Vec<&ProvenanceStatus> = self
            .files
            .iter()
            .filter_map(|f| f.provenance.as_ref())
            .collect();
        let count =
            |pred: fn(&ProvenanceStatus) -> bool| statuses.iter().filter(|s| pred(s)).count();
        let invalid = count(|s| matches!(s, ProvenanceStatus::Invalid { .. }));
        let unavailable = count(|s| matches!(s, ProvenanceStatus::Unavailable { .. }))
            + (self.files.len() - statuses.len());
        let verified = count(|s| matches!(s, ProvenanceStatus::Verified(_)));
        let absent = count(|s| matches!(s, ProvenanceStatus::Absent));
        Some(if invalid > 0 {
            Verdict::Invalid
        } else if unavailable > 0 || self.files.is_empty() {
            Verdict::Unavailable
        } else if absent == 0 {
            Verdict::TrustedPublishing
        } else if verified == 0 {
            Verdict::NoProvenance
        } else {
            Verdict::Mixed
        })
    }

    /// Compares two releases by version (PEP 440), a release without a PEP 440 version
    /// after every other.
    pub fn version_cmp(&self, other: &ReleaseEvidence) -> Ordering {
        match (&self.parsed, &other.parsed) {
            (Some(a), Some(b)) => a.cmp(b),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => self.version.cmp(&other.version),
        }
    }
}

/// One file of a release.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileEvidence {
    pub filename: String,
    /// The sha256 the index lists.
    pub sha256: Option<String>,
    /// The index's `upload-time`, when it gives one.
    pub uploaded: Option<jiff::Timestamp>,
    pub yanked: bool,
    /// What the page says about the file's provenance, before anything is asked.
    pub listed: Listed,
    /// The file's provenance, when its release was examined.
    pub provenance: Option<ProvenanceStatus>,
}

impl FileEvidence {
    /// The verified provenance, when there is one.
    pub fn verified(&self) -> Option<&VerifiedProvenance> {
        self.provenance
            .as_ref()
            .and_then(ProvenanceStatus::verified)
    }

    /// Whether the file is known to have been published with attestations: the page links
    /// provenance for it, or (on a page too old to say) provenance for it verified.
    pub fn attested(&self) -> bool {
        self.listed == Listed::Linked || self.verified().is_some()
    }
}

/// What a project page says about a file's provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listed {
    /// The page links provenance (pubgate may or may not follow the link).
    Linked,
    /// A page that speaks of provenance (simple API 1.3+) links none: it has none.
    None,
    /// The page is too old to say.
    Unknown,
}

/// A release's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Verdict {
    /// Every file was published through Trusted Publishing with attestations that verified.
    TrustedPublishing,
    /// No file has provenance: uploaded with an API token (or before PEP 740).
    NoProvenance,
    /// Some files verified, others have no provenance.
    Mixed,
    /// Some file's provenance failed verification.
    Invalid,
    /// Some file's provenance could not be had.
    Unavailable,
}

impl Verdict {
    /// The slug used in JSON: `trusted-publishing`, `no-provenance`, `mixed`, `invalid`,
    /// `unavailable`.
    pub fn slug(self) -> &'static str {
        match self {
            Verdict::TrustedPublishing => "trusted-publishing",
            Verdict::NoProvenance => "no-provenance",
            Verdict::Mixed => "mixed",
            Verdict::Invalid => "invalid",
            Verdict::Unavailable => "unavailable",
        }
    }

    /// How a report says it: `Trusted Publishing`, `no provenance`, …
    pub fn describe(self) -> &'static str {
        match self {
            Verdict::TrustedPublishing => "Trusted Publishing",
            Verdict::NoProvenance => "no provenance",
            Verdict::Mixed => "mixed",
            Verdict::Invalid => "invalid provenance",
            Verdict::Unavailable => "unavailable",
        }
    }

    pub const ALL: [Verdict; 5] = [
        Verdict::TrustedPublishing,
        Verdict::NoProvenance,
        Verdict::Mixed,
        Verdict::Invalid,
        Verdict::Unavailable,
    ];
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(version: &str, uploads: &[Option<&str>]) -> ReleaseEvidence {
        ReleaseEvidence {
            version: version.into(),
            parsed: version.parse().ok(),
            examined: false,
            files: uploads
                .iter()
                .enumerate()
                .map(|(i, at)| FileEvidence {
                    filename: format!("demo-{version}-{i}.tar.gz"),
                    sha256: None,
                    uploaded: at.map(|t| t.parse().unwrap()),
                    yanked: false,
                    listed: Listed::None,
                    provenance: None,
                })
                .collect(),
        }
    }

    #[test]
    fn since_keeps_releases_with_a_recent_or_undated_file() {
        let releases = [
            release("1.0", &[Some("2024-01-01T00:00:00Z")]),
            // An old release that got a new file: examined.
            release(
                "1.1",
                &[Some("2024-02-01T00:00:00Z"), Some("2025-06-02T00:00:00Z")],
            ),
            release("1.2", &[None]),
            release("2.0", &[Some("2025-06-01T00:00:00Z")]),
        ];
        let window = Window {
            since: Some("2025-06-01T00:00:00Z".parse().unwrap()),
            last: None,
        };
        assert_eq!(window.select(&releases), [false, true, true, true]);
        assert_eq!(Window::all().select(&releases), [true; 4]);
    }

    #[test]
    fn last_keeps_the_most_recently_uploaded_releases() {
        let releases = [
            release("1.0", &[Some("2024-01-01T00:00:00Z")]),
            release("1.1", &[Some("2025-07-01T00:00:00Z")]),
            release("2.0", &[Some("2025-06-01T00:00:00Z")]),
            release("2.1", &[Some("2025-05-01T00:00:00Z")]),
        ];
        let last = |n| {
            Window {
                since: None,
                last: Some(n),
            }
            .select(&releases)
        };
        // 1.1 was uploaded last (a backport), so it is among the most recent.
        assert_eq!(last(2), [false, true, true, false]);
        assert_eq!(last(0), [false; 4]);
        assert_eq!(last(9), [true; 4]);
        let undated = [
            release("1.0", &[None]),
            release("2.0", &[Some("2025-06-01T00:00:00Z")]),
        ];
        assert_eq!(
            Window {
                since: None,
                last: Some(1)
            }
            .select(&undated),
            [true, false]
        );
    }
}
