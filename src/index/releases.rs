//! Every release of one project, for `pubgate audit`: the project page listed release by
//! release, and the provenance of each file of the releases a [`Window`] selects, fetched
//! and verified with the run's [`Fetcher`] exactly as `check` does for a locked file (the
//! same [`Release::file`] plans: links followed on secure origins only, an authoritative
//! integrity API asked when a page is too old to say).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::str::FromStr;

use futures::future::join_all;
use pep440_rs::Version;

use super::answers::PageAnswer;
use super::fetcher::Fetcher;
use super::resolve::{FilePlan, IndexContext, Release};
use super::simple::{filename_version, ProjectPage, ProvenanceLink};
use super::{GatherError, IndexOptions};
use crate::audit::{FileEvidence, Listed, PageStatus, ProjectEvidence, ProjectListing};
use crate::audit::{ReleaseEvidence, Window};
use crate::dist::PackageName;
use crate::evidence::{ProvenanceStatus, UnavailableCause};
use crate::lockfile::{Location, LockedPackage, Source};
use crate::url::CleanUrl;

/// Audits every project in `names` (on `options.index_url`) under one deadline, the
/// projects' requests sharing the run's limits. Evidence comes back in `names` order.
pub async fn gather(
    names: &[PackageName],
    window: &Window,
    options: &IndexOptions,
) -> Vec<ProjectEvidence> {
    let deadline = tokio::time::Instant::now() + options.deadline;
    let fetcher = Fetcher::new(options);
    fetcher.register_index(&options.index_url);
    let index = IndexContext {
        url: options.index_url.clone(),
        authoritative_integrity: super::is_authoritative(&options.index_url, options),
        history: false,
        history_max_files: options.history_max_files,
        mirror: None,
    };
    join_all(
        names
            .iter()
            .map(|name| project(&fetcher, &index, name, window, deadline, options.deadline)),
    )
    .await
}

/// [`gather`] on a runtime of its own, for synchronous callers.
pub fn gather_blocking(
    names: &[PackageName],
    window: &Window,
    options: &IndexOptions,
) -> Result<Vec<ProjectEvidence>, GatherError> {
    let runtime = super::runtime()?;
    let evidence = runtime.block_on(gather(names, window, options));
    runtime.shutdown_background();
    Ok(evidence)
}

/// The project's page, its releases, and the provenance of the files of every release the
/// window selects. Nothing here fails: what could not be had is evidence (unavailable).
pub async fn project(
    fetcher: &Fetcher,
    index: &IndexContext,
    name: &PackageName,
    window: &Window,
    deadline: tokio::time::Instant,
    limit: std::time::Duration,
) -> ProjectEvidence {
    let evidence = |page| ProjectEvidence {
        name: name.clone(),
        index_url: index.url.clone(),
        page,
    };
    let past_deadline = || UnavailableCause::deadline(limit, name);
    let page = match tokio::time::timeout_at(deadline, fetcher.page(&index.url, name)).await {
        Err(_) => return evidence(PageStatus::Unavailable(past_deadline())),
        Ok(Err(error)) => return evidence(PageStatus::Unavailable(UnavailableCause::fetch(error))),
        Ok(Ok(page)) => page,
    };
    let index_url = match CleanUrl::parse(index.url.expose()) {
        Ok(url) => url,
        Err(invalid) => {
            return evidence(PageStatus::Unavailable(UnavailableCause::fetch(
                invalid.into(),
            )))
        }
    };
    let page = match page {
        PageAnswer::NotFound => return evidence(PageStatus::NotFound { index: index_url }),
        PageAnswer::Found(page) => page,
    };

    let mut releases = listing(&page, name);
    let as_releases: Vec<ReleaseEvidence> = releases.iter().map(Pending::as_release).collect();
    let selected = window.select(&as_releases);
    // `Release::file` reads only the project's name from the package.
    let package = LockedPackage {
        name: name.clone(),
        version: None,
        source: Source::Index {
            url: index.url.clone(),
        },
        artifacts: Vec::new(),
        marker: None,
        location: Location {
            path: PathBuf::from("<audit>"),
            line: 1,
        },
        attestation_identities: Vec::new(),
    };
    let mut asks = Vec::new();
    for (release, selected) in releases.iter_mut().zip(selected) {
        release.examined = selected;
        if !selected {
            continue;
        }
        let planner = Release {
            index,
            index_url: &index_url,
            page: &page,
            package: &package,
            version: &release.version,
        };
        for file in &release.files {
            let listed = page
                .files
                .get(file.index)
                .map(|listed| planner.file(listed, &listed.filename, listed.sha256.as_deref()));
            asks.push(listed);
        }
    }
    let statuses = join_all(asks.into_iter().map(|plan| async move {
        let plan = plan?;
        let work = async {
            match plan {
                FilePlan::Decided(status) => status,
                FilePlan::Ask(ask) => {
                    let outcome = fetcher
                        .provenance(&ask.url, &ask.filename, ask.sha256.as_deref())
                        .await;
                    ask.status(outcome)
                }
            }
        };
        Some(
            tokio::time::timeout_at(deadline, work)
                .await
                .unwrap_or_else(|_| ProvenanceStatus::unavailable(past_deadline())),
        )
    }))
    .await;
    let mut statuses = statuses.into_iter();
    let releases = releases
        .into_iter()
        .map(|release| ReleaseEvidence {
            files: release
                .files
                .into_iter()
                .map(|file| FileEvidence {
                    provenance: if release.examined {
                        statuses.next().flatten()
                    } else {
                        None
                    },
                    ..file.evidence
                })
                .collect(),
            version: release.version,
            parsed: release.parsed,
            examined: release.examined,
        })
        .collect();
    evidence(PageStatus::Found(ProjectListing {
        api_version: page.api_version.to_string(),
        releases,
    }))
}

/// A release while it is being gathered: its files keep their place on the page.
struct Pending {
    version: String,
    parsed: Option<Version>,
    examined: bool,
    files: Vec<PendingFile>,
}

struct PendingFile {
    /// Position in the page's `files`.
    index: usize,
    evidence: FileEvidence,
}

impl Pending {
    fn as_release(&self) -> ReleaseEvidence {
        ReleaseEvidence {
            version: self.version.clone(),
            parsed: self.parsed.clone(),
            examined: self.examined,
            files: self.files.iter().map(|f| f.evidence.clone()).collect(),
        }
    }
}

/// Where a file belongs: a PEP 440 release, or a version string that is not one (or no
/// version at all), kept apart so no file of the page escapes the audit.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Key {
    Pep440(Version),
    Other(String),
}

/// Every file of the page, grouped into releases in version order (see [`ProjectListing`]).
fn listing(page: &ProjectPage, name: &PackageName) -> Vec<Pending> {
    let speaks = page.api_version.speaks_of_provenance();
    let mut groups: BTreeMap<Key, Pending> = BTreeMap::new();
    for (index, file) in page.files.iter().enumerate() {
        let spelled = filename_version(&file.filename, name);
        let key = match spelled.map(Version::from_str) {
            Some(Ok(version)) => Key::Pep440(version),
            _ => Key::Other(spelled.unwrap_or("?").to_string()),
        };
        let release = groups.entry(key.clone()).or_insert_with(|| Pending {
            version: spelled.unwrap_or("?").to_string(),
            parsed: match &key {
                Key::Pep440(v) => Some(v.clone()),
                Key::Other(_) => None,
            },
            examined: false,
            files: Vec::new(),
        });
        let listed = match (&file.provenance, speaks) {
            (ProvenanceLink::Url(_) | ProvenanceLink::Unusable(_), _) => Listed::Linked,
            (ProvenanceLink::None, true) => Listed::None,
            (ProvenanceLink::None, false) => Listed::Unknown,
        };
        release.files.push(PendingFile {
            index,
            evidence: FileEvidence {
                filename: file.filename.clone(),
                sha256: file.sha256.clone(),
                uploaded: file.upload_time,
                yanked: file.yanked,
                listed,
                provenance: None,
            },
        });
    }
    let mut releases: Vec<Pending> = groups.into_values().collect();
    for release in &mut releases {
        release
            .files
            .sort_by(|a, b| a.evidence.filename.cmp(&b.evidence.filename));
    }
    releases
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::simple::parse_json;

    #[test]
    fn every_file_of_the_page_lands_in_a_release() {
        let body = serde_json::json!({
            "meta": {"api-version": "1.4"},
            "name": "demo",
            "files": [
                {"filename": "demo-1.0.tar.gz", "url": "x", "hashes": {}, "provenance": null,
                 "upload-time": "2024-01-01T00:00:00.000000Z"},
                {"filename": "demo-1.0-py3-none-any.whl", "url": "x", "hashes": {},
                 "provenance": "https://pypi.org/integrity/demo/1.0/demo-1.0-py3-none-any.whl/provenance"},
                // An upload time that is not RFC 3339 is no upload time.
                {"filename": "demo-0.9.tar.gz", "url": "x", "hashes": {}, "provenance": null,
                 "upload-time": "yesterday"},
                {"filename": "demo-weird_version!.tar.gz", "url": "x", "hashes": {}, "provenance": null},
                {"filename": "other-1.0.tar.gz", "url": "x", "hashes": {}, "provenance": null},
            ]
        });
        let page = parse_json(
            body.to_string().as_bytes(),
            &reqwest::Url::parse("https://pypi.org/simple/demo/").unwrap(),
        )
        .unwrap();
        let releases = listing(&page, &PackageName::new("demo"));
        type Shown<'a> = (&'a str, Vec<(&'a str, Listed, bool)>);
        let shown: Vec<Shown<'_>> = releases
            .iter()
            .map(|r| {
                (
                    r.version.as_str(),
                    r.files
                        .iter()
                        .map(|f| {
                            (
                                f.evidence.filename.as_str(),
                                f.evidence.listed,
                                f.evidence.uploaded.is_some(),
                            )
                        })
                        .collect(),
                )
            })
            .collect();
        assert_eq!(
            shown,
            [
                ("0.9", vec![("demo-0.9.tar.gz", Listed::None, false)]),
                (
                    "1.0",
                    vec![
                        ("demo-1.0-py3-none-any.whl", Listed::Linked, false),
                        ("demo-1.0.tar.gz", Listed::None, true)
                    ]
                ),
                ("?", vec![("other-1.0.tar.gz", Listed::None, false)]),
                (
                    "weird_version!",
                    vec![("demo-weird_version!.tar.gz", Listed::None, false)]
                ),
            ]
        );
    }
}
