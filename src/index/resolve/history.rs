//! The history walk, without fetching: which earlier release the locked one is compared
//! with — the most recent earlier release (PEP 440 order; yanked, pre- and dev releases
//! included) whose files carry provenance — and which of its files to examine.
//!
//! Releases whose files the page says have no provenance are passed over without a request,
//! so an unattested upload in between (or a yank) cannot hide the last known publisher. On
//! a page too old to say, an authoritative integrity API is asked file by file: the walk
//! hands the caller a [`HistoryStep::Probe`] and goes on from what it answers
//! ([`HistoryWalk::answer`]).

use std::collections::BTreeSet;
use std::str::FromStr;

use pep440_rs::Version;

use super::plan::{ArtifactPlan, FilePlan, PendingArtifact, Release};
use crate::dist::DistFilename;
use crate::evidence::{
    ArtifactEvidence, History, HistoryUnavailable, PreviousRelease, ProvenanceStatus, WalkBound,
    PASSED_OVER_MAX,
};
use crate::index::simple::{filename_version, IndexFile, ProvenanceLink};

/// Releases of a project whose pages predate PEP 740 that are probed through the integrity
/// API, looking for the last attested one, before history is given up as unavailable.
pub const LEGACY_RELEASES_MAX: usize = 8;

/// What the walk needs next.
#[derive(Debug)]
pub enum HistoryStep {
    /// The history is known.
    Done(History),
    /// The earlier release to compare with: carry out the plans and [`Examination::finish`].
    Examine(Examination),
    /// Ask these files of an earlier release (a page too old to say), then
    /// [`HistoryWalk::answer`] with their statuses and take the next step.
    Probe(Vec<FilePlan>),
}

/// The earlier release chosen, and the files of it to examine.
#[derive(Debug)]
pub struct Examination {
    pub version: String,
    pub yanked: bool,
    pub passed_over: Vec<String>,
    pub files: Vec<ArtifactPlan>,
}

impl Examination {
    /// The history, once the files' plans are carried out (`artifacts` in plan order).
    pub fn finish(self, artifacts: Vec<ArtifactEvidence>) -> History {
        History::Previous(PreviousRelease {
            version: self.version,
            artifacts,
            yanked: self.yanked,
            passed_over: self.passed_over,
        })
    }
}

/// What a page says about whether a release has provenance, before asking anything.
enum Listed {
    /// A page speaking API 1.3+ lists no provenance for any of its files.
    None,
    /// Some file has a provenance link (one pubgate may not follow counts too).
    Some,
    /// The page is older than 1.3: it cannot say.
    Unknown,
}

/// A walk over the earlier releases of a locked one, nearest first.
pub struct HistoryWalk<'a> {
    release: Release<'a>,
    /// Decided before walking (a literal version, a first release).
    decided: Option<History>,
    /// Earlier releases, nearest first.
    earlier: Vec<Vec<&'a IndexFile>>,
    earlier_versions: Vec<Version>,
    next: usize,
    /// The release whose probe is out, by position in `earlier`.
    probing: Option<usize>,
    probed: usize,
    passed_over: Vec<String>,
}

impl<'a> HistoryWalk<'a> {
    pub fn new(release: Release<'a>) -> HistoryWalk<'a> {
        let mut walk = HistoryWalk {
            release,
            decided: None,
            earlier: Vec::new(),
            earlier_versions: Vec::new(),
            next: 0,
            probing: None,
            probed: 0,
            passed_over: Vec::new(),
        };
        let Ok(locked) = Version::from_str(release.version.trim()) else {
            // A literal (`===`) version has no order, so no earlier release (PyPI has
            // refused such uploads for years: only ancient releases carry one).
            walk.decided = Some(History::NotApplicable);
            return walk;
        };
        // A local version (`1.0+cu121`) is not later than its public one for this purpose.
        let upper = locked.without_local();
        for (version, files) in release
            .page
            .releases(&release.package.name)
            .into_iter()
            .filter(|(version, _)| *version < upper)
            .rev()
        {
            walk.earlier_versions.push(version);
            walk.earlier.push(files);
        }
        if walk.earlier.is_empty() {
            walk.decided = Some(History::FirstRelease);
        }
        walk
    }

    /// The next step. After a [`HistoryStep::Probe`], call [`HistoryWalk::answer`] first:
    /// a probe left unanswered counts as provenance found, and the release is examined.
    pub fn step(&mut self) -> HistoryStep {
        if let Some(done) = self.decided.take() {
            return HistoryStep::Done(done);
        }
        if let Some(position) = self.probing.take() {
            return self.examine(position);
        }
        let (page, index) = (self.release.page, self.release.index);
        while self.next < self.earlier.len() {
            let position = self.next;
            self.next += 1;
            let files = &self.earlier[position];
            match listed(files, page.api_version.speaks_of_provenance()) {
                Listed::None => {}
                Listed::Some => return self.examine(position),
                // Without a page that speaks of provenance, only an authoritative integrity
                // API can say a release has none; elsewhere the release is examined as it is
                // (its files end up unavailable), as the nearest earlier release always was.
                Listed::Unknown if !index.authoritative_integrity => return self.examine(position),
                Listed::Unknown => {
                    let max_files = index.history_max_files.max(1);
                    if self.probed == LEGACY_RELEASES_MAX || files.len() > max_files {
                        let bound = if self.probed == LEGACY_RELEASES_MAX {
                            WalkBound::Releases {
                                max: LEGACY_RELEASES_MAX,
                            }
                        } else {
                            WalkBound::Files {
                                release: self.shown(position),
                                files: files.len(),
                                max: max_files,
                            }
                        };
                        return HistoryStep::Done(History::Unavailable {
                            cause: HistoryUnavailable::WalkBound {
                                index: self.release.index_url.clone(),
                                api_version: page.api_version.to_string(),
                                bound,
                            },
                        });
                    }
                    self.probed += 1;
                    self.probing = Some(position);
                    let plans = files
                        .iter()
                        .map(|file| {
                            self.release
                                .file(file, &file.filename, file.sha256.as_deref())
                        })
                        .collect();
                    return HistoryStep::Probe(plans);
                }
            }
            self.pass_over(position);
        }
        HistoryStep::Done(History::NoAttestedRelease {
            passed_over: std::mem::take(&mut self.passed_over),
        })
    }

    /// What the files of the last probe turned out to be: when the index says none of them
    /// has provenance, the release is passed over; otherwise it is the one examined.
    pub fn answer(&mut self, statuses: &[ProvenanceStatus]) {
        if let Some(position) = self.probing {
            if statuses.iter().all(|s| *s == ProvenanceStatus::Absent) {
                self.probing = None;
                self.pass_over(position);
            }
        }
    }

    fn pass_over(&mut self, position: usize) {
        if self.passed_over.len() < PASSED_OVER_MAX {
            let shown = self.shown(position);
            self.passed_over.push(shown);
        }
    }

    /// The version as the index spells it (from a filename), else PEP 440's normal form.
    fn shown(&self, position: usize) -> String {
        self.earlier[position]
            .first()
            .and_then(|f| filename_version(&f.filename, &self.release.package.name))
            .map(str::to_string)
            .unwrap_or_else(|| self.earlier_versions[position].to_string())
    }

    /// The files of the earlier release to examine: up to `history_max_files`, attested
    /// files first, then files like the locked ones (same kind, same wheel tags), then sdists.
    fn examine(&mut self, position: usize) -> HistoryStep {
        let files = &self.earlier[position];
        let locked_kinds: Vec<FileKind> = self
            .release
            .package
            .artifacts
            .iter()
            .filter_map(|a| file_kind(&a.filename))
            .collect();
        let mut chosen: Vec<&IndexFile> = files.to_vec();
        chosen.sort_by_key(|f| {
            let attested = !matches!(f.provenance, ProvenanceLink::None);
            let rank = match file_kind(&f.filename) {
                Some(k) if locked_kinds.contains(&k) => 0,
                Some(FileKind::Sdist) => 1,
                _ => 2,
            };
            (!attested, rank, f.filename.clone())
        });
        chosen.truncate(self.release.index.history_max_files.max(1));
        chosen.sort_by(|a, b| a.filename.cmp(&b.filename));
        let plans = chosen
            .into_iter()
            .map(|file| ArtifactPlan {
                provenance: self
                    .release
                    .file(file, &file.filename, file.sha256.as_deref()),
                artifact: PendingArtifact {
                    filename: Some(file.filename.clone()),
                    sha256: file.sha256.clone(),
                    locked_hash: false,
                    unbound_hashes: Vec::new(),
                    yanked: super::plan::yank_of(file),
                    foreign_url: None,
                },
            })
            .collect();
        HistoryStep::Examine(Examination {
            version: self.shown(position),
            yanked: files.iter().all(|f| f.yanked),
            passed_over: std::mem::take(&mut self.passed_over),
            files: plans,
        })
    }
}

fn listed(files: &[&IndexFile], speaks_of_provenance: bool) -> Listed {
    if files
        .iter()
        .any(|f| !matches!(f.provenance, ProvenanceLink::None))
    {
        Listed::Some
    } else if speaks_of_provenance {
        Listed::None
    } else {
        Listed::Unknown
    }
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
    use super::super::plan::tests::{clean, index, package, page};
    use super::*;
    use crate::index::resolve::IndexContext;

    fn steps(
        index: &IndexContext,
        page: &crate::index::simple::ProjectPage,
        version: &str,
        mut probe: impl FnMut(&[FilePlan]) -> Vec<ProvenanceStatus>,
    ) -> (Vec<usize>, History) {
        let (index_url, package) = (
            clean(),
            package(version, &[&format!("flaky-{version}.tar.gz")]),
        );
        let release = Release {
            index,
            index_url: &index_url,
            page,
            package: &package,
            version,
        };
        let mut walk = HistoryWalk::new(release);
        let mut probes = Vec::new();
        loop {
            match walk.step() {
                HistoryStep::Done(history) => return (probes, history),
                HistoryStep::Examine(examination) => {
                    let artifacts = examination
                        .files
                        .clone()
                        .into_iter()
                        .map(|plan| plan.artifact.with(ProvenanceStatus::Absent))
                        .collect();
                    return (probes, examination.finish(artifacts));
                }
                HistoryStep::Probe(plans) => {
                    probes.push(plans.len());
                    let statuses = probe(&plans);
                    walk.answer(&statuses);
                }
            }
        }
    }

    fn previous(history: &History) -> (&str, Vec<&str>, &[String]) {
        let History::Previous(previous) = history else {
            panic!("{history:?}");
        };
        (
            &previous.version,
            previous
                .artifacts
                .iter()
                .map(|a| a.filename.as_deref().unwrap_or(""))
                .collect(),
            &previous.passed_over,
        )
    }

    const LINK: Option<&str> = Some("https://pypi.org/integrity/flaky/x/provenance");

    #[test]
    fn passes_over_releases_a_page_says_have_no_provenance() {
        let page = page(
            "1.3",
            &[
                ("flaky-0.8.tar.gz", LINK),
                ("flaky-0.9rc1.tar.gz", None),
                ("flaky-0.9.tar.gz", None),
                ("flaky-1.0.tar.gz", LINK),
                ("flaky-1.1.tar.gz", LINK),
            ],
        );
        let (probes, history) = steps(&index(true), &page, "1.0", |_| panic!("no probe"));
        assert!(probes.is_empty());
        assert_eq!(
            previous(&history),
            (
                "0.8",
                vec!["flaky-0.8.tar.gz"],
                &["0.9".to_string(), "0.9rc1".to_string()][..]
            )
        );
        let (_, history) = steps(&index(true), &page, "0.8", |_| panic!("no probe"));
        assert_eq!(history, History::FirstRelease);
        let (_, history) = steps(&index(true), &page, "0.9", |_| panic!("no probe"));
        assert_eq!(
            previous(&history),
            ("0.8", vec!["flaky-0.8.tar.gz"], &["0.9rc1".to_string()][..])
        );
        let page = super::super::plan::tests::page(
            "1.3",
            &[("flaky-0.9.tar.gz", None), ("flaky-1.0.tar.gz", LINK)],
        );
        let (_, history) = steps(&index(true), &page, "1.0", |_| panic!("no probe"));
        assert_eq!(
            history,
            History::NoAttestedRelease {
                passed_over: vec!["0.9".into()]
            }
        );
        let (_, history) = steps(&index(true), &page, "not pep 440", |_| panic!("no probe"));
        assert_eq!(history, History::NotApplicable);
    }

    #[test]
    fn probes_an_old_page_release_by_release_until_one_has_provenance() {
        let page = page(
            "1.0",
            &[
                ("flaky-0.7.tar.gz", None),
                ("flaky-0.8.tar.gz", None),
                ("flaky-0.9.tar.gz", None),
                ("flaky-1.0.tar.gz", None),
            ],
        );
        let mut asked = Vec::new();
        let (probes, history) = steps(&index(true), &page, "1.0", |plans| {
            let FilePlan::Ask(ask) = &plans[0] else {
                panic!("{plans:?}");
            };
            asked.push(ask.filename.clone());
            // 0.9 has none; 0.8 does.
            vec![if ask.filename == "flaky-0.9.tar.gz" {
                ProvenanceStatus::Absent
            } else {
                ProvenanceStatus::NotApplicable
            }]
        });
        assert_eq!(probes, [1, 1]);
        assert_eq!(asked, ["flaky-0.9.tar.gz", "flaky-0.8.tar.gz"]);
        assert_eq!(
            previous(&history),
            ("0.8", vec!["flaky-0.8.tar.gz"], &["0.9".to_string()][..])
        );

        // Elsewhere an old page's nearest release is examined as it is, without probing.
        let (probes, history) = steps(&index(false), &page, "1.0", |_| panic!("no probe"));
        assert!(probes.is_empty());
        assert_eq!(previous(&history).0, "0.9");
    }

    #[test]
    fn an_old_page_walk_stops_at_its_bound() {
        let names: Vec<String> = (1..=12)
            .map(|minor| format!("flaky-0.{minor}.tar.gz"))
            .collect();
        let mut files: Vec<(&str, Option<&str>)> =
            names.iter().map(|n| (n.as_str(), None)).collect();
        files.push(("flaky-1.0.tar.gz", None));
        let page = page("1.0", &files);
        let (probes, history) = steps(&index(true), &page, "1.0", |plans| {
            vec![ProvenanceStatus::Absent; plans.len()]
        });
        assert_eq!(probes.len(), LEGACY_RELEASES_MAX);
        let History::Unavailable { cause } = &history else {
            panic!("{history:?}");
        };
        assert!(cause.earlier_releases_unexamined());
        assert_eq!(
            *cause,
            HistoryUnavailable::WalkBound {
                index: clean(),
                api_version: "1.0".into(),
                bound: WalkBound::Releases {
                    max: LEGACY_RELEASES_MAX
                },
            }
        );
    }
}
