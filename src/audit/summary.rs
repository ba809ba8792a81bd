//! What a maintainer acts on: per project, the share of releases and files published
//! through Trusted Publishing, the first such release, the latest release; and across
//! projects, the remediation list (projects still publishing with tokens, most recent
//! first).

use super::evidence::{
    Listed, PageStatus, ProjectEvidence, ProjectListing, ReleaseEvidence, Verdict,
};
use crate::dist::PackageName;
use crate::evidence::ProvenanceStatus;

/// The numbers of one project's audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectSummary {
    /// Releases the page lists.
    pub releases_listed: usize,
    /// Releases examined in this run.
    pub releases_examined: usize,
    /// Examined releases whose every file verified (Trusted Publishing).
    pub releases_trusted: usize,
    /// Examined releases by verdict, in [`Verdict::ALL`] order.
    pub verdicts: Vec<(Verdict, usize)>,
    pub files_examined: usize,
    pub files_verified: usize,
    /// The first release with an attested file.
    pub first_attested: Option<FirstAttested>,
    /// The most recent release.
    pub latest: Option<Latest>,
}

/// The first release published with attestations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FirstAttested {
    pub version: String,
    pub uploaded: Option<jiff::Timestamp>,
    /// Whether this run verified its provenance (otherwise the index's page says it has some).
    pub verified: bool,
}

/// The most recent release: the latest upload, else the highest version.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Latest {
    pub version: String,
    pub uploaded: Option<jiff::Timestamp>,
    /// Its verdict when examined.
    pub verdict: Option<Verdict>,
    /// Whether the page says no file of it has provenance (known without examining it).
    pub listed_without_provenance: bool,
}

impl ProjectSummary {
    pub fn of(listing: &ProjectListing) -> ProjectSummary {
        let examined: Vec<&ReleaseEvidence> =
            listing.releases.iter().filter(|r| r.examined).collect();
        let verdicts: Vec<Verdict> = examined.iter().filter_map(|r| r.verdict()).collect();
        let files: Vec<_> = examined.iter().flat_map(|r| &r.files).collect();
        let first_attested = listing.adoption().map(|adoption| FirstAttested {
            version: adoption.first.version.clone(),
            uploaded: adoption.first_uploaded,
            verified: adoption.first.files.iter().any(|f| f.verified().is_some()),
        });
        let latest = latest_release(listing).map(|release| Latest {
            version: release.version.clone(),
            uploaded: release.last_upload(),
            verdict: release.verdict(),
            listed_without_provenance: !release.files.is_empty()
                && release.files.iter().all(|f| f.listed == Listed::None),
        });
        ProjectSummary {
            releases_listed: listing.releases.len(),
            releases_examined: examined.len(),
            releases_trusted: verdicts
                .iter()
                .filter(|v| **v == Verdict::TrustedPublishing)
                .count(),
            verdicts: Verdict::ALL
                .iter()
                .map(|v| (*v, verdicts.iter().filter(|x| *x == v).count()))
                .filter(|(_, n)| *n > 0)
                .collect(),
            files_examined: files.len(),
            files_verified: files
                .iter()
                .filter(|f| matches!(f.provenance, Some(ProvenanceStatus::Verified(_))))
                .count(),
            first_attested,
            latest,
        }
    }
}

/// The most recent release: the one with the latest upload (an undated one counts as the
/// latest), ties and undated pages by version.
fn latest_release(listing: &ProjectListing) -> Option<&ReleaseEvidence> {
    listing
        .releases
        .iter()
        .enumerate()
        .max_by_key(|(at, r)| (r.last_upload().unwrap_or(jiff::Timestamp::MAX), *at))
        .map(|(_, r)| r)
}

/// A project still publishing without Trusted Publishing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Remediation {
    pub project: PackageName,
    pub latest: Latest,
    pub why: Why,
}

/// Why a project is on the remediation list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// No file of the project has ever had provenance.
    NeverAttested,
    /// Some file has had provenance, but its latest release has files without any.
    LatestWithoutProvenance,
}

impl Why {
    pub fn slug(self) -> &'static str {
        match self {
            Why::NeverAttested => "never-attested",
            Why::LatestWithoutProvenance => "latest-without-provenance",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Why::NeverAttested => "no release has provenance: it is published with API tokens",
            Why::LatestWithoutProvenance => {
                "its latest release has files without provenance: uploaded with an API token"
            }
        }
    }

    /// What to do about it.
    pub fn fix(self) -> &'static str {
        match self {
            Why::NeverAttested => "add a Trusted Publisher on PyPI (https://docs.pypi.org/trusted-publishers/) and publish from CI with `pypa/gh-action-pypi-publish`, which attests by default; then revoke the project's API tokens",
            Why::LatestWithoutProvenance => "find out who uploaded the release without provenance, revoke the project's API tokens, and publish only from the Trusted Publisher",
        }
    }
}

/// Projects still publishing with tokens, the most recent release first: those never
/// attested, and those whose latest release has files without provenance.
pub fn remediation(projects: &[ProjectEvidence]) -> Vec<Remediation> {
    let mut out = Vec::new();
    for project in projects {
        let PageStatus::Found(listing) = &project.page else {
            continue;
        };
        let summary = ProjectSummary::of(listing);
        let Some(latest) = summary.latest else {
            continue;
        };
        let without = matches!(latest.verdict, Some(Verdict::NoProvenance | Verdict::Mixed))
            || (latest.verdict.is_none() && latest.listed_without_provenance);
        let why = if listing.adoption().is_none() && never_attested(listing) {
            Why::NeverAttested
        } else if without {
            Why::LatestWithoutProvenance
        } else {
            continue;
        };
        out.push(Remediation {
            project: project.name.clone(),
            latest,
            why,
        });
    }
    // Most recent first (undated last), then by name.
    out.sort_by(|a, b| {
        b.latest
            .uploaded
            .cmp(&a.latest.uploaded)
            .then_with(|| a.project.cmp(&b.project))
    });
    out
}

/// Whether the project has never had provenance: every file examined is absent, and every
/// file not examined is listed without any. A page too old to say, or a file whose
/// provenance is invalid or could not be had, says nothing either way.
pub fn never_attested(listing: &ProjectListing) -> bool {
    !listing.releases.is_empty()
        && listing
            .releases
            .iter()
            .flat_map(|r| &r.files)
            .all(|f| match &f.provenance {
                Some(status) => *status == ProvenanceStatus::Absent,
                None => f.listed == Listed::None,
            })
}
