//! Resolution: from one locked package to the evidence for each of its artifacts — find the
//! file on the index and bind every locked hash to it ([`matching`]), fetch and verify its
//! provenance — and the package's history (the most recent earlier release with provenance,
//! and its files'
//! provenance).

use std::collections::BTreeSet;
use std::str::FromStr;

use futures::future::join_all;
use pep440_rs::Version;
use reqwest::Url;

use super::fetcher::{Fetcher, PageAnswer, ProvenanceOutcome};
use super::simple::{filename_version, IndexFile, ProjectPage, ProvenanceLink, VersionMatcher};
use crate::dist::DistFilename;
use crate::evidence::{
    ArtifactEvidence, History, InvalidReason, PackageEvidence, PreviousRelease, ProvenanceStatus,
    PASSED_OVER_MAX,
};
use matching::Slot;

mod matching;
use crate::lockfile::LockedPackage;
use crate::url::SecretUrl;

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
}

impl IndexContext {
    fn shown(&self) -> String {
        strip_credentials(self.url.expose())
    }
}

/// The URL with its userinfo removed (not `****`): for messages and keys.
pub fn strip_credentials(url: &str) -> String {
    match super::client::split_credentials(url) {
        Ok((clean, _)) => clean.to_string().trim_end_matches('/').to_string(),
        Err(_) => crate::url::redact(url),
    }
}

/// Evidence for one package whose source is an index.
pub async fn index_package(
    fetcher: &Fetcher,
    index: &IndexContext,
    package: &LockedPackage,
) -> PackageEvidence {
    let (artifacts, history) = match package.version.as_deref() {
        None => (
            every_artifact(
                package,
                ProvenanceStatus::Unavailable {
                    cause: format!(
                        "`{}` has no pinned version, so its release cannot be looked up",
                        package.name
                    ),
                },
            ),
            History::Unavailable {
                cause: "no pinned version".into(),
            },
        ),
        Some(version) => match fetcher.page(&index.url, &package.name).await {
            Err(cause) => (
                every_artifact(
                    package,
                    ProvenanceStatus::Unavailable {
                        cause: cause.clone(),
                    },
                ),
                History::Unavailable { cause },
            ),
            Ok(PageAnswer::NotFound) => {
                let detail = format!(
                    "the index `{}` has no project `{}`",
                    index.shown(),
                    package.name
                );
                (
                    every_artifact(
                        package,
                        ProvenanceStatus::Invalid {
                            reason: InvalidReason::ReleaseNotOnIndex,
                            detail: detail.clone(),
                        },
                    ),
                    History::Unavailable { cause: detail },
                )
            }
            Ok(PageAnswer::Found(page)) => {
                let artifacts = resolve_release(fetcher, index, package, version, &page);
                let history = async {
                    if index.history {
                        history(fetcher, index, package, version, &page).await
                    } else {
                        // Nothing to compare with by request, not for want of an answer.
                        History::NotApplicable
                    }
                };
                futures::join!(artifacts, history)
            }
        },
    };
    PackageEvidence {
        package: package.clone(),
        index_url: Some(index.url.clone()),
        artifacts,
        history,
    }
}

/// One status for every locked artifact, or a single filename-less entry when the lock
/// lists none (so a package never ends up with no evidence at all).
pub(crate) fn every_artifact(
    package: &LockedPackage,
    status: ProvenanceStatus,
) -> Vec<ArtifactEvidence> {
    if package.artifacts.is_empty() {
        return vec![ArtifactEvidence {
            filename: String::new(),
            sha256: None,
            locked_hash: false,
            unbound_hashes: Vec::new(),
            provenance: status,
        }];
    }
    package
        .artifacts
        .iter()
        .map(|a| ArtifactEvidence {
            filename: a.filename.clone(),
            sha256: a.sha256.clone(),
            locked_hash: a.sha256.is_some(),
            // Nothing was examined: no locked hash of another algorithm is bound.
            unbound_hashes: a.other_hashes.clone(),
            provenance: status.clone(),
        })
        .collect()
}

async fn resolve_release(
    fetcher: &Fetcher,
    index: &IndexContext,
    package: &LockedPackage,
    version: &str,
    page: &ProjectPage,
) -> Vec<ArtifactEvidence> {
    let matcher = VersionMatcher::new(version);
    let shown = index.shown();
    let names = matching::Names {
        project: &package.name,
        version,
        index: &shown,
    };
    let slots = matching::match_release(
        page,
        page.release_files(&package.name, &matcher),
        package,
        &names,
    );
    join_all(slots.into_iter().map(|slot| async move {
        match slot {
            Slot::Settled(done) => done,
            Slot::Examine(target) => {
                let provenance = file_provenance(
                    fetcher,
                    index,
                    &package.name,
                    page,
                    target.file,
                    &target.filename,
                    target.sha256.as_deref(),
                )
                .await;
                ArtifactEvidence {
                    filename: target.filename,
                    sha256: target.sha256,
                    locked_hash: target.locked_hash,
                    unbound_hashes: target.unbound_hashes,
                    provenance,
                }
            }
        }
    }))
    .await
}

/// The provenance status of one index file.
pub async fn file_provenance(
    fetcher: &Fetcher,
    index: &IndexContext,
    project: &str,
    page: &ProjectPage,
    file: &IndexFile,
    filename: &str,
    sha256: Option<&str>,
) -> ProvenanceStatus {
    match &file.provenance {
        ProvenanceLink::Unusable(reason) => ProvenanceStatus::Unavailable {
            cause: format!("`{}`: {reason}", file.filename),
        },
        ProvenanceLink::Url(url) => fetch_and_verify(fetcher, url, true, filename, sha256).await,
        ProvenanceLink::None if page.api_version.speaks_of_provenance() => ProvenanceStatus::Absent,
        ProvenanceLink::None => {
            let too_old = format!(
                "the index `{}` serves simple API {}, older than 1.3 (PEP 740): its page cannot say whether `{}` has provenance",
                index.shown(),
                page.api_version,
                file.filename
            );
            if !index.authoritative_integrity {
                return ProvenanceStatus::Unavailable { cause: too_old };
            }
            let version = filename_version(&file.filename, project).unwrap_or("");
            match integrity_url(index.url.expose(), project, version, &file.filename) {
                Some(url) => fetch_and_verify(fetcher, &url, false, filename, sha256).await,
                None => ProvenanceStatus::Unavailable { cause: too_old },
            }
        }
    }
}

/// `listed`: the page linked this URL (so a 404 contradicts it); otherwise pubgate asked
/// the integrity API directly and a "no provenance" 404 proves absence.
async fn fetch_and_verify(
    fetcher: &Fetcher,
    url: &str,
    listed: bool,
    filename: &str,
    sha256: Option<&str>,
) -> ProvenanceStatus {
    let shown = strip_credentials(url);
    match fetcher.provenance(url, filename, sha256).await {
        ProvenanceOutcome::Error(cause) => ProvenanceStatus::Unavailable { cause },
        ProvenanceOutcome::NotFound(message) => {
            if !listed && message.starts_with("No provenance available") {
                ProvenanceStatus::Absent
            } else if listed {
                ProvenanceStatus::Unavailable {
                    cause: format!("the index links provenance for `{filename}` at `{shown}` but answers 404 there"),
                }
            } else {
                ProvenanceStatus::Unavailable {
                    cause: format!(
                        "`{shown}`: HTTP 404 without saying that `{filename}` has no provenance"
                    ),
                }
            }
        }
        ProvenanceOutcome::Unbound => ProvenanceStatus::Unavailable {
            cause: format!(
                "neither the lockfile nor the index gives a sha256 for `{filename}`, so its provenance cannot be bound to the file"
            ),
        },
        ProvenanceOutcome::Verified(verified) => ProvenanceStatus::Verified(verified),
        ProvenanceOutcome::Failed(e) => ProvenanceStatus::Invalid {
            reason: InvalidReason::Verification(e.reason),
            detail: e.detail,
        },
    }
}

/// `{root}/integrity/{project}/{version}/{filename}/provenance` for an index whose simple
/// API lives at `{root}/simple`.
pub fn integrity_url(index: &str, project: &str, version: &str, filename: &str) -> Option<String> {
    let mut url = Url::parse(index).ok()?;
    let path = url.path().trim_end_matches('/').to_string();
    let root = path.strip_suffix("/simple")?;
    url.set_path(root);
    {
        let mut segments = url.path_segments_mut().ok()?;
        segments.pop_if_empty();
        segments.extend(["integrity", project, version, filename, "provenance"]);
    }
    url.set_query(None);
    url.set_fragment(None);
    Some(url.to_string())
}

/// Releases of a project whose pages predate PEP 740 that are probed through the integrity
/// API, looking for the last attested one, before history is given up as unavailable.
pub const LEGACY_RELEASES_MAX: usize = 8;

/// What a page says about whether a release has provenance, before asking anything.
enum Listed {
    /// A page speaking API 1.3+ lists no provenance for any of its files.
    None,
    /// Some file has a provenance link (one pubgate may not follow counts too).
    Some,
    /// The page is older than 1.3: it cannot say.
    Unknown,
}

fn listed(page: &ProjectPage, files: &[&IndexFile]) -> Listed {
    if files
        .iter()
        .any(|f| !matches!(f.provenance, ProvenanceLink::None))
    {
        Listed::Some
    } else if page.api_version.speaks_of_provenance() {
        Listed::None
    } else {
        Listed::Unknown
    }
}

/// The history of a package: the most recent earlier release (PEP 440 order; yanked, pre-
/// and dev releases included) whose files carry provenance, with its files examined. Releases
/// whose files the page says have no provenance are passed over: they cost no request, so an
/// unattested upload in between (or a yank) cannot hide the last known publisher.
async fn history(
    fetcher: &Fetcher,
    index: &IndexContext,
    package: &LockedPackage,
    version: &str,
    page: &ProjectPage,
) -> History {
    let Ok(locked) = Version::from_str(version.trim()) else {
        // A literal (`===`) version has no order, so no earlier release (PyPI has refused
        // such uploads for years: only ancient releases carry one).
        return History::NotApplicable;
    };
    let releases = page.releases(&package.name);
    // A local version (`1.0+cu121`) is not later than its public one for this purpose.
    let upper = locked.without_local();
    let mut earlier = releases.range(..upper).rev().peekable();
    if earlier.peek().is_none() {
        return History::FirstRelease;
    }
    let mut passed_over: Vec<String> = Vec::new();
    let mut probed = 0;
    for (release, files) in earlier {
        let shown = shown_version(release, files, &package.name);
        match listed(page, files) {
            Listed::None => {}
            Listed::Some => {
                return examine(fetcher, index, package, page, shown, files, passed_over).await
            }
            // Without a page that speaks of provenance, only an authoritative integrity API
            // can say a release has none; elsewhere the release is examined as it is (its
            // files end up unavailable), as the nearest earlier release always was.
            Listed::Unknown if !index.authoritative_integrity => {
                return examine(fetcher, index, package, page, shown, files, passed_over).await
            }
            Listed::Unknown => {
                if probed == LEGACY_RELEASES_MAX || files.len() > index.history_max_files.max(1) {
                    return History::Unavailable {
                        cause: legacy_cause(index, page, &shown, probed, files.len()),
                    };
                }
                probed += 1;
                let statuses = join_all(files.iter().map(|file| {
                    file_provenance(
                        fetcher,
                        index,
                        &package.name,
                        page,
                        file,
                        &file.filename,
                        file.sha256.as_deref(),
                    )
                }))
                .await;
                if !statuses.iter().all(|s| *s == ProvenanceStatus::Absent) {
                    // Memoized: examining asks nothing again.
                    return examine(fetcher, index, package, page, shown, files, passed_over).await;
                }
            }
        }
        if passed_over.len() < PASSED_OVER_MAX {
            passed_over.push(shown);
        }
    }
    History::NoAttestedRelease { passed_over }
}

/// Why history is unavailable on a page too old to speak of provenance.
fn legacy_cause(
    index: &IndexContext,
    page: &ProjectPage,
    release: &str,
    probed: usize,
    files: usize,
) -> String {
    let why = if probed == LEGACY_RELEASES_MAX {
        format!("the {LEGACY_RELEASES_MAX} nearest earlier releases have no provenance and pubgate asks no further")
    } else {
        format!(
            "the earlier release `{release}` has {files} files, more than the {} pubgate asks about",
            index.history_max_files.max(1)
        )
    };
    format!(
        "the index `{}` serves simple API {}, older than 1.3 (PEP 740), so each earlier release's provenance has to be asked for file by file: {why}, so the last attested release is unknown",
        index.shown(),
        page.api_version
    )
}

/// The version as the index spells it (from a filename), else PEP 440's normal form.
fn shown_version(release: &Version, files: &[&IndexFile], project: &str) -> String {
    files
        .first()
        .and_then(|f| filename_version(&f.filename, project))
        .map(str::to_string)
        .unwrap_or_else(|| release.to_string())
}

/// Fetches and verifies the files of the earlier release the locked one is compared with:
/// up to `history_max_files`, attested files first, then files like the locked ones (same
/// kind, same wheel tags), then sdists.
async fn examine(
    fetcher: &Fetcher,
    index: &IndexContext,
    package: &LockedPackage,
    page: &ProjectPage,
    version: String,
    files: &[&IndexFile],
    passed_over: Vec<String>,
) -> History {
    let locked_kinds: Vec<FileKind> = package
        .artifacts
        .iter()
        .filter_map(|a| file_kind(&a.filename))
        .collect();
    let mut chosen: Vec<&IndexFile> = files.to_vec();
    chosen.sort_by_key(|f| {
        let attested = !matches!(f.provenance, ProvenanceLink::None);
        let kind = file_kind(&f.filename);
        let rank = match &kind {
            Some(k) if locked_kinds.contains(k) => 0,
            Some(FileKind::Sdist) => 1,
            _ => 2,
        };
        (!attested, rank, f.filename.clone())
    });
    chosen.truncate(index.history_max_files.max(1));
    chosen.sort_by(|a, b| a.filename.cmp(&b.filename));

    let artifacts = join_all(chosen.into_iter().map(|file| async move {
        ArtifactEvidence {
            filename: file.filename.clone(),
            sha256: file.sha256.clone(),
            locked_hash: false,
            unbound_hashes: Vec::new(),
            provenance: file_provenance(
                fetcher,
                index,
                &package.name,
                page,
                file,
                &file.filename,
                file.sha256.as_deref(),
            )
            .await,
        }
    }))
    .await;
    History::Previous(PreviousRelease {
        version,
        artifacts,
        yanked: files.iter().all(|f| f.yanked),
        passed_over,
    })
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum FileKind {
    Sdist,
    Wheel(BTreeSet<crate::dist::WheelTag>),
}

fn file_kind(filename: &str) -> Option<FileKind> {
    match DistFilename::parse(filename).ok()? {
        DistFilename::Sdist { .. } => Some(FileKind::Sdist),
        DistFilename::Wheel { tags, .. } => Some(FileKind::Wheel(tags)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_integrity_urls_from_the_simple_root() {
        assert_eq!(
            integrity_url("https://pypi.org/simple", "sampleproject", "4.0.0", "sampleproject-4.0.0.tar.gz").as_deref(),
            Some("https://pypi.org/integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz/provenance")
        );
        assert_eq!(
            integrity_url("https://u:p@mirror.example/pypi/simple/", "a", "1.0+local", "a-1.0+local.tar.gz").as_deref(),
            Some("https://u:p@mirror.example/pypi/integrity/a/1.0+local/a-1.0+local.tar.gz/provenance")
        );
        assert_eq!(
            integrity_url("https://devpi.example/root/+simple", "a", "1", "a-1.tar.gz"),
            None
        );
    }

    #[test]
    fn strips_credentials_for_display() {
        assert_eq!(
            strip_credentials("https://u:secret@h.example/simple/"),
            "https://h.example/simple"
        );
    }
}
