//! Resolution: from one locked package to the evidence for each of its artifacts and its
//! history. The deciding is pure — which file each artifact is and how its provenance is
//! had ([`plan`], over [`matching`]), which earlier release it is compared with
//! ([`history`]) — and this module carries the plans out with the [`Fetcher`].

use futures::future::join_all;

use super::answers::PageAnswer;
use super::fetcher::Fetcher;
use super::simple::ProjectPage;
use crate::evidence::{
    ArtifactEvidence, History, HistoryUnavailable, InvalidReason, PackageEvidence,
    ProvenanceStatus, UnavailableCause,
};
use crate::lockfile::LockedPackage;
use crate::url::{CleanUrl, SecretUrl};

pub mod history;
mod matching;
pub mod plan;
mod urls;

pub use history::{HistoryStep, HistoryWalk, LEGACY_RELEASES_MAX};
pub use plan::{integrity_url, ArtifactPlan, AskedAt, FilePlan, ProvenanceAsk, Release};

/// What the run knows about one index.
#[derive(Debug, Clone)]
pub struct IndexContext {
    pub url: SecretUrl,
    /// Whether the index's integrity API answers for every file, so that asking it directly
    /// proves absence when a project page is too old to say (PyPI itself).
    pub authoritative_integrity: bool,
    /// How many files of the previous release to examine.
    pub history_max_files: usize,
    /// Whether to gather history at all.
    pub history: bool,
    /// The mirror the package comes from, when `url` is the provenance index standing in
    /// for it: every file is then bound by its locked sha256 alone.
    pub mirror: Option<SecretUrl>,
}

/// Evidence for one package whose source is an index.
pub async fn index_package(
    fetcher: &Fetcher,
    index: &IndexContext,
    package: &LockedPackage,
) -> PackageEvidence {
    match &index.mirror {
        None => examine(fetcher, index, package).await,
        Some(mirror) => mirrored_package(fetcher, index, mirror, package).await,
    }
}

/// Evidence for a package from a mirror, gathered on the provenance index (`index.url`).
/// The installer downloads from the mirror, so only a locked sha256 says which file it
/// gets: files locked with one are examined on the provenance index by it (a sha256 that
/// index does not list is `invalid`, as for any index), files without one are
/// `unavailable`, and so is a plain `==` pin.
async fn mirrored_package(
    fetcher: &Fetcher,
    index: &IndexContext,
    mirror: &SecretUrl,
    package: &LockedPackage,
) -> PackageEvidence {
    let unhashed = |file: Option<&str>| match CleanUrl::parse(mirror.expose()) {
        Ok(clean) => UnavailableCause::mirror_unhashed(&clean, file, &package.name),
        Err(invalid) => UnavailableCause::fetch(invalid.into()),
    };
    let mut hashed = package.clone();
    hashed.artifacts.retain(|a| a.sha256.is_some());
    if hashed.artifacts.is_empty() {
        let file = match package.artifacts.as_slice() {
            [only] if !only.filename.is_empty() => Some(only.filename.as_str()),
            _ => None,
        };
        let (artifacts, history) = release_unavailable(package, unhashed(file));
        return PackageEvidence {
            package: package.clone(),
            index_url: Some(index.url.clone()),
            artifacts,
            history,
            project_status: None,
        };
    }
    let mut evidence = examine(fetcher, index, &hashed).await;
    let examined = std::mem::take(&mut evidence.artifacts);
    let one_each = examined.len() == hashed.artifacts.len();
    let mut examined = examined.into_iter();
    let mut artifacts = Vec::with_capacity(package.artifacts.len());
    for artifact in &package.artifacts {
        if artifact.sha256.is_some() {
            if one_each {
                artifacts.extend(examined.next());
            }
            continue;
        }
        artifacts.push(ArtifactEvidence {
            filename: crate::evidence::named(&artifact.filename),
            sha256: None,
            locked_hash: false,
            unbound_hashes: artifact.other_hashes.clone(),
            foreign_url: None,
            yanked: None,
            provenance: ProvenanceStatus::unavailable(unhashed(
                Some(artifact.filename.as_str()).filter(|f| !f.is_empty()),
            )),
        });
    }
    // Should matching ever give other than one entry per file, every entry is kept.
    artifacts.extend(examined);
    evidence.artifacts = artifacts;
    evidence.package = package.clone();
    evidence
}

/// Evidence for one package looked up on `index.url`.
async fn examine(
    fetcher: &Fetcher,
    index: &IndexContext,
    package: &LockedPackage,
) -> PackageEvidence {
    let mut project_status = None;
    let (artifacts, history) = match package.version.as_deref() {
        None => (
            every_artifact(
                package,
                ProvenanceStatus::unavailable(UnavailableCause::no_pinned_version(&package.name)),
            ),
            History::Unavailable {
                cause: HistoryUnavailable::NoPinnedVersion,
            },
        ),
        Some(version) => {
            let page = fetcher.page(&index.url, &package.name).await;
            if let Ok(PageAnswer::Found(page)) = &page {
                project_status = Some(page.status.clone());
            }
            // The page URL parsed, so the index's does too; should it not, nothing is examined.
            let index_url = CleanUrl::parse(index.url.expose());
            match (page, index_url) {
                (Err(error), _) => release_unavailable(package, UnavailableCause::fetch(error)),
                (Ok(_), Err(invalid)) => {
                    release_unavailable(package, UnavailableCause::fetch(invalid.into()))
                }
                (Ok(PageAnswer::NotFound), Ok(index_url)) => (
                    every_artifact(
                        package,
                        ProvenanceStatus::Invalid {
                            reason: InvalidReason::ReleaseNotOnIndex,
                            detail: format!(
                                "the index `{}` has no project `{}`",
                                index_url.trimmed(),
                                package.name
                            ),
                        },
                    ),
                    History::Unavailable {
                        cause: HistoryUnavailable::ProjectNotFound {
                            index: index_url,
                            project: package.name.to_string(),
                        },
                    },
                ),
                (Ok(PageAnswer::Found(page)), Ok(index_url)) if page.status.is_quarantined() => {
                    quarantined(package, version, &page, &index_url)
                }
                (Ok(PageAnswer::Found(page)), Ok(index_url)) => {
                    let release = Release {
                        index,
                        index_url: &index_url,
                        page: &page,
                        package,
                        version,
                    };
                    let artifacts = carry_out(fetcher, release.artifacts());
                    let history = async {
                        if index.history {
                            walk_history(fetcher, HistoryWalk::new(release)).await
                        } else {
                            // Nothing to compare with by request, not for want of an answer.
                            History::NotApplicable
                        }
                    };
                    futures::join!(artifacts, history)
                }
            }
        }
    };
    if package.version.is_some() {
        fetcher.page_done(&index.url, &package.name);
    }
    PackageEvidence {
        package: package.clone(),
        index_url: Some(index.url.clone()),
        artifacts,
        history,
        project_status: project_status.filter(|s| !s.is_active()),
    }
}

/// Every locked file of a quarantined project is `quarantined`, whether the page still
/// lists it or not: the index considers the project unsafe and serves none of its files.
/// When the page lists no file of the locked release, that is said too (the release is
/// hidden by the quarantine, or gone: the index cannot tell which).
fn quarantined(
    package: &LockedPackage,
    version: &str,
    page: &ProjectPage,
    index_url: &CleanUrl,
) -> (Vec<ArtifactEvidence>, History) {
    let matcher = crate::index::simple::VersionMatcher::new(version);
    let listed = !page.release_files(&package.name, &matcher).is_empty();
    let mut detail = format!(
        "the index `{}` has quarantined `{}`: it considers the project unsafe (for example malware) and serves none of its files",
        index_url.trimmed(),
        package.name
    );
    if !listed {
        detail.push_str(&format!(
            "; no file of `{version}` is listed while the quarantine lasts"
        ));
    }
    if let Some(reason) = &page.status.reason {
        detail.push_str(&format!(" (the index says: {reason})"));
    }
    (
        every_artifact(
            package,
            ProvenanceStatus::Invalid {
                reason: InvalidReason::Quarantined,
                detail,
            },
        ),
        History::Unavailable {
            cause: HistoryUnavailable::Quarantined {
                index: index_url.clone(),
                project: package.name.to_string(),
            },
        },
    )
}

/// Every file unavailable for `cause`, and the history with it.
pub(crate) fn release_unavailable(
    package: &LockedPackage,
    cause: UnavailableCause,
) -> (Vec<ArtifactEvidence>, History) {
    (
        every_artifact(package, ProvenanceStatus::unavailable(cause.clone())),
        History::Unavailable {
            cause: HistoryUnavailable::Release(cause),
        },
    )
}

/// One status for every locked artifact, or a single filename-less entry when the lock
/// lists none (so a package never ends up with no evidence at all).
pub(crate) fn every_artifact(
    package: &LockedPackage,
    status: ProvenanceStatus,
) -> Vec<ArtifactEvidence> {
    if package.artifacts.is_empty() {
        return vec![ArtifactEvidence {
            filename: None,
            sha256: None,
            locked_hash: false,
            unbound_hashes: Vec::new(),
            foreign_url: None,
            provenance: status,
            yanked: None,
        }];
    }
    package
        .artifacts
        .iter()
        .map(|a| ArtifactEvidence {
            filename: crate::evidence::named(&a.filename),
            sha256: a.sha256.clone(),
            locked_hash: a.sha256.is_some(),
            // Nothing was examined: no locked hash of another algorithm is bound.
            unbound_hashes: a.other_hashes.clone(),
            foreign_url: None,
            provenance: status.clone(),
            yanked: None,
        })
        .collect()
}

/// The evidence the plans describe, their requests running concurrently, in plan order.
async fn carry_out(fetcher: &Fetcher, plans: Vec<ArtifactPlan>) -> Vec<ArtifactEvidence> {
    join_all(plans.into_iter().map(|plan| async move {
        let status = status(fetcher, plan.provenance).await;
        plan.artifact.with(status)
    }))
    .await
}

/// One file's status: decided, or asked.
async fn status(fetcher: &Fetcher, plan: FilePlan) -> ProvenanceStatus {
    match plan {
        FilePlan::Decided(status) => status,
        FilePlan::Ask(ask) => {
            let outcome = fetcher
                .provenance(&ask.url, &ask.filename, ask.sha256.as_deref())
                .await;
            ask.status(outcome)
        }
    }
}

/// Walks the history, asking what each step needs (asking is memoized: a probed release
/// that is then examined asks nothing again).
async fn walk_history(fetcher: &Fetcher, mut walk: HistoryWalk<'_>) -> History {
    loop {
        match walk.step() {
            HistoryStep::Done(history) => return history,
            HistoryStep::Examine(mut examination) => {
                let plans = std::mem::take(&mut examination.files);
                let artifacts = carry_out(fetcher, plans).await;
                return examination.finish(artifacts);
            }
            HistoryStep::Probe(plans) => {
                let statuses = join_all(plans.into_iter().map(|plan| status(fetcher, plan))).await;
                walk.answer(&statuses);
            }
        }
    }
}
