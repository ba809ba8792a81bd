//! What to fetch for a release, decided without fetching: for every locked artifact the
//! file it is ([`super::matching`]) and how its provenance is had — decided from the page
//! alone (absent, a link not followed, a page too old to say) or asked of the index
//! ([`ProvenanceAsk`]). The caller fetches; [`ProvenanceAsk::status`] reads what came back.

use super::IndexContext;
use crate::evidence::{
    ArtifactEvidence, ForeignUrl, InvalidReason, ProvenanceStatus, UnavailableCause, Yank,
};
use crate::index::fetcher::ProvenanceOutcome;
use crate::index::simple::{
    filename_version, IndexFile, ProjectPage, ProvenanceLink, VersionMatcher,
};
use crate::lockfile::{LockedHash, LockedPackage};
use crate::url::{CleanUrl, SecretUrl};

use super::matching::{self, Slot};

/// Where a file's provenance is asked for, which decides what a 404 there means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AskedAt {
    /// A link the page gives: a 404 contradicts the page.
    Link,
    /// The index's integrity API, asked directly because the page is too old to say: a 404
    /// saying "No provenance available" proves absence.
    IntegrityApi,
}

/// A provenance object to fetch and verify for one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProvenanceAsk {
    /// Credentials included (sent to the index's origin, never shown).
    pub url: SecretUrl,
    pub at: AskedAt,
    pub filename: String,
    /// The sha256 the provenance must sign (the locked one, else the index's).
    pub sha256: Option<String>,
}

impl ProvenanceAsk {
    /// The file's status, from what asking gave.
    pub fn status(&self, outcome: ProvenanceOutcome) -> ProvenanceStatus {
        let file = self.filename.as_str();
        match outcome {
            ProvenanceOutcome::Error(error) => {
                ProvenanceStatus::unavailable(UnavailableCause::fetch_for(file, error))
            }
            ProvenanceOutcome::NotFound { url, message } => match self.at {
                AskedAt::IntegrityApi if message.starts_with("No provenance available") => {
                    ProvenanceStatus::Absent
                }
                AskedAt::Link => ProvenanceStatus::unavailable(
                    UnavailableCause::linked_provenance_missing(&url, file),
                ),
                AskedAt::IntegrityApi => ProvenanceStatus::unavailable(
                    UnavailableCause::not_found_unexplained(&url, file),
                ),
            },
            ProvenanceOutcome::Unbound => {
                ProvenanceStatus::unavailable(UnavailableCause::no_sha256(file))
            }
            ProvenanceOutcome::Verified(verified) => ProvenanceStatus::Verified(verified),
            ProvenanceOutcome::Failed(e) => ProvenanceStatus::Invalid {
                reason: InvalidReason::Verification(e.reason),
                detail: e.detail,
            },
        }
    }
}

/// How one file's provenance status is had.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FilePlan {
    /// Known from the page (or the lockfile) alone.
    Decided(ProvenanceStatus),
    /// To be asked of the index.
    Ask(ProvenanceAsk),
}

/// An artifact's evidence but its provenance status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingArtifact {
    pub filename: Option<String>,
    pub sha256: Option<String>,
    pub locked_hash: bool,
    pub unbound_hashes: Vec<LockedHash>,
    pub yanked: Option<Yank>,
    pub foreign_url: Option<ForeignUrl>,
}

/// The yank an index file carries, as evidence.
pub fn yank_of(file: &IndexFile) -> Option<Yank> {
    file.yanked.then(|| Yank {
        reason: file.yank_reason.clone(),
    })
}

impl PendingArtifact {
    pub fn with(self, provenance: ProvenanceStatus) -> ArtifactEvidence {
        ArtifactEvidence {
            filename: self.filename,
            sha256: self.sha256,
            locked_hash: self.locked_hash,
            unbound_hashes: self.unbound_hashes,
            foreign_url: self.foreign_url,
            provenance,
            yanked: self.yanked,
        }
    }
}

/// One artifact's evidence, once its plan is carried out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArtifactPlan {
    pub artifact: PendingArtifact,
    pub provenance: FilePlan,
}

impl ArtifactPlan {
    fn settled(evidence: ArtifactEvidence) -> ArtifactPlan {
        ArtifactPlan {
            provenance: FilePlan::Decided(evidence.provenance),
            artifact: PendingArtifact {
                filename: evidence.filename,
                sha256: evidence.sha256,
                locked_hash: evidence.locked_hash,
                unbound_hashes: evidence.unbound_hashes,
                yanked: evidence.yanked,
                foreign_url: evidence.foreign_url,
            },
        }
    }
}

/// A locked release and the page that lists it: everything the planners read.
#[derive(Clone, Copy)]
pub struct Release<'a> {
    pub index: &'a IndexContext,
    /// The index's URL without credentials (for messages).
    pub index_url: &'a CleanUrl,
    pub page: &'a ProjectPage,
    pub package: &'a LockedPackage,
    pub version: &'a str,
}

impl<'a> Release<'a> {
    /// What to do for every locked artifact (or every file of an unhashed pin).
    pub fn artifacts(&self) -> Vec<ArtifactPlan> {
        let matcher = VersionMatcher::new(self.version);
        let names = matching::Names {
            project: &self.package.name,
            version: self.version,
            index: self.index_url.trimmed(),
        };
        let files = self.page.release_files(&self.package.name, &matcher);
        matching::match_release(self.page, files, self.package, &names)
            .into_iter()
            .map(|slot| match slot {
                Slot::Settled(evidence) => ArtifactPlan::settled(evidence),
                Slot::Examine(target) => ArtifactPlan {
                    provenance: self.file(target.file, &target.filename, target.sha256.as_deref()),
                    artifact: PendingArtifact {
                        filename: crate::evidence::named(&target.filename),
                        sha256: target.sha256,
                        locked_hash: target.locked_hash,
                        unbound_hashes: target.unbound_hashes,
                        yanked: yank_of(target.file),
                        foreign_url: target.foreign_url,
                    },
                },
            })
            .collect()
    }

    /// How the provenance of one index file is had, examined as `filename` for `sha256`.
    pub fn file(&self, file: &IndexFile, filename: &str, sha256: Option<&str>) -> FilePlan {
        let ask = |url: String, at| {
            FilePlan::Ask(ProvenanceAsk {
                url: SecretUrl::new(url),
                at,
                filename: filename.to_string(),
                sha256: sha256.map(str::to_string),
            })
        };
        match &file.provenance {
            ProvenanceLink::Unusable(reason) => FilePlan::Decided(ProvenanceStatus::unavailable(
                UnavailableCause::link_not_followed(&file.filename, reason),
            )),
            ProvenanceLink::Url(url) => ask(url.clone(), AskedAt::Link),
            ProvenanceLink::None if self.page.api_version.speaks_of_provenance() => {
                FilePlan::Decided(ProvenanceStatus::Absent)
            }
            ProvenanceLink::None => {
                let project = &self.package.name;
                let version = filename_version(&file.filename, project).unwrap_or("");
                let integrity = self
                    .index
                    .authoritative_integrity
                    .then(|| {
                        integrity_url(self.index.url.expose(), project, version, &file.filename)
                    })
                    .flatten();
                match integrity {
                    Some(url) => ask(url, AskedAt::IntegrityApi),
                    None => FilePlan::Decided(ProvenanceStatus::unavailable(
                        UnavailableCause::page_too_old(
                            self.index_url,
                            &self.page.api_version.to_string(),
                            &file.filename,
                        ),
                    )),
                }
            }
        }
    }
}

/// `{root}/integrity/{project}/{version}/{filename}/provenance` for an index whose simple
/// API lives at `{root}/simple`.
pub fn integrity_url(index: &str, project: &str, version: &str, filename: &str) -> Option<String> {
    let mut url = reqwest::Url::parse(index).ok()?;
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

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::evidence::{FetchError, FetchFailure};
    use crate::index::simple::parse_json;
    use crate::lockfile::{Artifact, Location, Source};

    pub(crate) fn sha(filename: &str) -> String {
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(filename.as_bytes()))
    }

    pub(crate) fn page(api_version: &str, files: &[(&str, Option<&str>)]) -> ProjectPage {
        let files: Vec<serde_json::Value> = files
            .iter()
            .map(|(name, provenance)| {
                serde_json::json!({
                    "filename": name,
                    "url": format!("https://files.example/{name}"),
                    "hashes": {"sha256": sha(name)},
                    "provenance": provenance,
                })
            })
            .collect();
        let body = serde_json::json!({"meta": {"api-version": api_version}, "name": "flaky", "files": files});
        parse_json(
            body.to_string().as_bytes(),
            &reqwest::Url::parse("https://pypi.org/simple/flaky/").unwrap(),
        )
        .unwrap()
    }

    pub(crate) fn index(authoritative: bool) -> IndexContext {
        IndexContext {
            url: SecretUrl::new("https://user:token@pypi.org/simple"),
            authoritative_integrity: authoritative,
            history_max_files: 8,
            history: true,
            mirror: None,
        }
    }

    pub(crate) fn package(version: &str, filenames: &[&str]) -> LockedPackage {
        LockedPackage {
            name: "flaky".into(),
            version: Some(version.into()),
            source: Source::Index {
                url: SecretUrl::new("https://pypi.org/simple"),
            },
            artifacts: filenames
                .iter()
                .map(|f| Artifact {
                    filename: f.to_string(),
                    sha256: None,
                    other_hashes: Vec::new(),
                    url: None,
                })
                .collect(),
            marker: None,
            location: Location {
                path: "uv.lock".into(),
                line: 1,
            },
            attestation_identities: Vec::new(),
        }
    }

    pub(crate) fn clean() -> CleanUrl {
        CleanUrl::parse("https://pypi.org/simple").unwrap()
    }

    #[test]
    fn plans_what_to_ask_for_each_locked_file() {
        let page = page(
            "1.3",
            &[
                (
                    "flaky-1.0.tar.gz",
                    Some("https://pypi.org/integrity/flaky/1.0/flaky-1.0.tar.gz/provenance"),
                ),
                ("flaky-1.0-py3-none-any.whl", None),
                (
                    "flaky-1.0-cp39-abi3-win_amd64.whl",
                    Some("http://elsewhere.example/p"),
                ),
            ],
        );
        let (index, index_url) = (index(true), clean());
        let package = package(
            "1.0",
            &[
                "flaky-1.0.tar.gz",
                "flaky-1.0-py3-none-any.whl",
                "flaky-1.0-cp39-abi3-win_amd64.whl",
                "flaky-0.9.tar.gz",
            ],
        );
        let release = Release {
            index: &index,
            index_url: &index_url,
            page: &page,
            package: &package,
            version: "1.0",
        };
        let plans = release.artifacts();
        assert_eq!(plans.len(), 4);
        let FilePlan::Ask(ask) = &plans[0].provenance else {
            panic!("{:?}", plans[0]);
        };
        assert_eq!(ask.at, AskedAt::Link);
        assert_eq!(ask.filename, "flaky-1.0.tar.gz");
        assert_eq!(
            ask.sha256.as_deref(),
            Some(sha("flaky-1.0.tar.gz").as_str())
        );
        assert_eq!(
            plans[1].provenance,
            FilePlan::Decided(ProvenanceStatus::Absent)
        );
        let FilePlan::Decided(ProvenanceStatus::Unavailable { cause }) = &plans[2].provenance
        else {
            panic!("{:?}", plans[2]);
        };
        assert!(matches!(
            cause.kind(),
            crate::evidence::UnavailableKind::LinkNotFollowed { .. }
        ));
        let FilePlan::Decided(ProvenanceStatus::Invalid { reason, .. }) = &plans[3].provenance
        else {
            panic!("{:?}", plans[3]);
        };
        assert_eq!(*reason, InvalidReason::NotOnIndex);
    }

    #[test]
    fn a_page_too_old_to_say_asks_an_authoritative_integrity_api_only() {
        let page = page("1.0", &[("flaky-1.0.tar.gz", None)]);
        let index_url = clean();
        let package = package("1.0", &["flaky-1.0.tar.gz"]);
        let plan = |index: &IndexContext| {
            Release {
                index,
                index_url: &index_url,
                page: &page,
                package: &package,
                version: "1.0",
            }
            .artifacts()
            .remove(0)
            .provenance
        };
        let FilePlan::Ask(ask) = plan(&index(true)) else {
            panic!("an authoritative index is asked");
        };
        assert_eq!(ask.at, AskedAt::IntegrityApi);
        assert_eq!(
            ask.url.expose(),
            "https://user:token@pypi.org/integrity/flaky/1.0/flaky-1.0.tar.gz/provenance"
        );
        assert_eq!(
            plan(&index(false)),
            FilePlan::Decided(ProvenanceStatus::unavailable(
                UnavailableCause::page_too_old(&index_url, "1.0", "flaky-1.0.tar.gz")
            ))
        );

        // What came back decides: a "no provenance" 404 proves absence there, and only there.
        let url = CleanUrl::parse(ask.url.expose()).unwrap();
        let not_found = |message: &str| ProvenanceOutcome::NotFound {
            url: url.clone(),
            message: message.into(),
        };
        assert_eq!(
            ask.status(not_found("No provenance available for it")),
            ProvenanceStatus::Absent
        );
        assert_eq!(
            ask.status(not_found("Not Found")),
            ProvenanceStatus::unavailable(UnavailableCause::not_found_unexplained(
                &url,
                "flaky-1.0.tar.gz"
            ))
        );
        let linked = ProvenanceAsk {
            at: AskedAt::Link,
            ..ask.clone()
        };
        assert_eq!(
            linked.status(not_found("No provenance available")),
            ProvenanceStatus::unavailable(UnavailableCause::linked_provenance_missing(
                &url,
                "flaky-1.0.tar.gz"
            ))
        );
        let error = FetchError::new(&url, FetchFailure::Timeout { attempts: 4 });
        assert_eq!(
            ask.status(ProvenanceOutcome::Error(error.clone())),
            ProvenanceStatus::unavailable(UnavailableCause::fetch_for("flaky-1.0.tar.gz", error))
        );
        assert_eq!(
            ask.status(ProvenanceOutcome::Unbound),
            ProvenanceStatus::unavailable(UnavailableCause::no_sha256("flaky-1.0.tar.gz"))
        );
    }

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
}
