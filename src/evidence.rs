//! Evidence: what the index says about every locked artifact, verified. Produced by
//! `index::gather`, consumed by `evaluate` (which never does I/O).

use serde::Serialize;

mod cause;

pub use cause::{
    Ambiguity, Difference, Expected, FetchError, FetchFailure, HistoryUnavailable, Pinned,
    SharedCause, Subject, UnavailableCause, UnavailableKind, WalkBound,
};

use crate::lockfile::{Location, LockFormat, LockedPackage, Unpinned};
use crate::verify::{FailureReason, VerifiedProvenance};

/// The provenance status of one artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum ProvenanceStatus {
    /// Provenance present and every attestation verified.
    /// Shared (`Arc`) with the run's verification memo: one copy per verified object.
    Verified(std::sync::Arc<VerifiedProvenance>),
    /// The index positively said there is no provenance for this file.
    Absent,
    /// Provenance present but it failed verification, or the index serves a file whose
    /// sha256 differs from the locked one.
    Invalid {
        reason: InvalidReason,
        detail: String,
    },
    /// The index could not be asked or could not answer (network, 5xx, 429, bad body,
    /// offline cache miss, an index too old to speak of provenance, an ambiguous listing).
    Unavailable { cause: UnavailableCause },
    /// Not an index artifact (git, url, path, editable, virtual): no provenance possible.
    NotApplicable,
}

impl ProvenanceStatus {
    /// The status slug used in JSON: `verified`, `absent`, `invalid`, `unavailable`, `not-applicable`.
    pub fn slug(&self) -> &'static str {
        match self {
            ProvenanceStatus::Verified(_) => "verified",
            ProvenanceStatus::Absent => "absent",
            ProvenanceStatus::Invalid { .. } => "invalid",
            ProvenanceStatus::Unavailable { .. } => "unavailable",
            ProvenanceStatus::NotApplicable => "not-applicable",
        }
    }

    /// `Unavailable` with this cause.
    pub fn unavailable(cause: impl Into<UnavailableCause>) -> ProvenanceStatus {
        ProvenanceStatus::Unavailable {
            cause: cause.into(),
        }
    }

    pub fn verified(&self) -> Option<&VerifiedProvenance> {
        match self {
            ProvenanceStatus::Verified(v) => Some(v),
            _ => None,
        }
    }
}

/// Why provenance is invalid. Serialized as its slug.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InvalidReason {
    /// Cryptographic or statement verification failed.
    Verification(FailureReason),
    /// The index's sha256 for this filename differs from the locked sha256.
    IndexHashMismatch,
    /// The locked sha256 matches no file of the release on the index.
    NotOnIndex,
    /// The index has no such release: the project is unknown to it, or it lists no file
    /// of the locked version (deleted, never uploaded, or the lockfile names the wrong index).
    ReleaseNotOnIndex,
    /// The index has quarantined the project (PEP 792): it considers it unsafe, for example
    /// malware, and serves none of its files.
    Quarantined,
}

impl Serialize for InvalidReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl InvalidReason {
    /// The reasons that are not verification failures, in schema order.
    pub const INDEX_REASONS: [InvalidReason; 4] = [
        InvalidReason::IndexHashMismatch,
        InvalidReason::NotOnIndex,
        InvalidReason::ReleaseNotOnIndex,
        InvalidReason::Quarantined,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            InvalidReason::Verification(r) => r.as_str(),
            InvalidReason::IndexHashMismatch => "index-hash-mismatch",
            InvalidReason::NotOnIndex => "not-on-index",
            InvalidReason::ReleaseNotOnIndex => "release-not-on-index",
            InvalidReason::Quarantined => "quarantined",
        }
    }
}

/// Evidence for one artifact of a locked package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ArtifactEvidence {
    /// The distribution filename; `None` when nothing names one (a requirements hash in
    /// another algorithm that matches no file of the release).
    #[serde(serialize_with = "filename_or_empty")]
    pub filename: Option<String>,
    /// The sha256 the lock pins, else the index's.
    pub sha256: Option<String>,
    /// Whether the lockfile pinned this sha256 (false: discovered on the index for an unhashed pin).
    pub locked_hash: bool,
    /// Locked hashes in other algorithms that the index does not list for this file: the
    /// installer would accept a file matching them, and nothing binds them to the file
    /// examined here (`unverifiable-hash`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub unbound_hashes: Vec<crate::lockfile::LockedHash>,
    /// The lockfile's URL for this file, when it is not the index's URL for it: the
    /// installer downloads from the lockfile's URL, so unless a locked hash binds the
    /// download to the file examined here, it may take other bytes (`foreign-artifact-url`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreign_url: Option<ForeignUrl>,
    pub provenance: ProvenanceStatus,
    /// The index marks the examined file yanked (PEP 592), with its reason when it gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub yanked: Option<Yank>,
}

/// A file the index marks yanked: installers skip it unless a pin names exactly it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Yank {
    /// The index's reason (control characters removed, at most 200 characters); `None`
    /// when it gives none.
    pub reason: Option<String>,
}

/// A project's status on the index (PEP 792). A page that says nothing means `active`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProjectMarker {
    Active,
    /// No further releases are expected; existing files are still served.
    Archived,
    /// Considered unsafe (e.g. malware): the index serves none of its files.
    Quarantined,
    /// Considered obsolete, perhaps superseded.
    Deprecated,
    /// A status this pubgate does not know (sanitized, at most 64 characters).
    Other(String),
}

impl Serialize for ProjectMarker {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl ProjectMarker {
    /// Reads a PEP 792 status value (case as written: the spec's values are lowercase).
    pub fn parse(text: &str) -> ProjectMarker {
        match text.trim() {
            "" | "active" => ProjectMarker::Active,
            "archived" => ProjectMarker::Archived,
            "quarantined" => ProjectMarker::Quarantined,
            "deprecated" => ProjectMarker::Deprecated,
            other => ProjectMarker::Other(clean_index_text(other, 64)),
        }
    }

    pub fn as_str(&self) -> &str {
        match self {
            ProjectMarker::Active => "active",
            ProjectMarker::Archived => "archived",
            ProjectMarker::Quarantined => "quarantined",
            ProjectMarker::Deprecated => "deprecated",
            ProjectMarker::Other(text) => text,
        }
    }
}

/// What the index says of a project as a whole: its PEP 792 status and reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProjectStatus {
    pub status: ProjectMarker,
    /// The index's reason (sanitized, at most 200 characters), when it gives one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

impl ProjectStatus {
    pub const ACTIVE: ProjectStatus = ProjectStatus {
        status: ProjectMarker::Active,
        reason: None,
    };

    /// A status and an optional reason as a page gives them (reason sanitized; empty: none).
    pub fn new(status: &str, reason: Option<&str>) -> ProjectStatus {
        ProjectStatus {
            status: ProjectMarker::parse(status),
            reason: reason
                .map(|r| clean_index_text(r, 200))
                .filter(|r| !r.is_empty()),
        }
    }

    pub fn is_active(&self) -> bool {
        self.status == ProjectMarker::Active
    }

    pub fn is_quarantined(&self) -> bool {
        self.status == ProjectMarker::Quarantined
    }
}

/// Text an index wrote for people (a yank or status reason): no control characters,
/// whitespace runs collapsed, at most `max` characters.
pub fn clean_index_text(text: &str, max: usize) -> String {
    text.split(|c: char| c.is_whitespace() || c.is_control())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect()
}

/// A locked download URL that is not the index's URL for the file (both redacted).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ForeignUrl {
    /// Where the lockfile makes the installer download the file from.
    pub locked: String,
    /// Where the index serves it, when the index gives a URL that resolves.
    pub index: Option<String>,
}

/// The earlier release the locked one is compared with — the most recent earlier release
/// whose files carry provenance (yanked or not), so that an unattested upload in between or
/// a yank cannot hide the last known publisher — and its files' provenance.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PreviousRelease {
    pub version: String,
    pub artifacts: Vec<ArtifactEvidence>,
    /// Whether the index marks this release yanked (every file yanked).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub yanked: bool,
    /// Releases between this one and the locked one that were passed over because none of
    /// their files has provenance, newest first (at most [`PASSED_OVER_MAX`]: the nearest).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub passed_over: Vec<String>,
}

/// How many passed-over releases [`PreviousRelease::passed_over`] and
/// [`History::NoAttestedRelease`] list at most (the nearest ones, newest first).
pub const PASSED_OVER_MAX: usize = 32;

/// History for a package: what the release before the locked one looked like.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum History {
    /// An earlier release with provenance exists and was examined.
    Previous(PreviousRelease),
    /// The locked version is the first release: the index lists no earlier one, yanked or not.
    FirstRelease,
    /// Earlier releases exist, but the index says none of their files has provenance: there
    /// is no earlier publisher to compare with. `passed_over` lists them, newest first (at
    /// most [`PASSED_OVER_MAX`]).
    NoAttestedRelease { passed_over: Vec<String> },
    /// History could not be gathered (cause given): the earlier releases could not be
    /// examined, or the locked release itself could not be looked up (its files say why).
    Unavailable { cause: HistoryUnavailable },
    /// Not applicable (non-index source).
    NotApplicable,
}

/// Evidence for one locked package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PackageEvidence {
    pub package: LockedPackage,
    /// The index the package was looked up on, for index sources.
    pub index_url: Option<crate::url::SecretUrl>,
    pub artifacts: Vec<ArtifactEvidence>,
    pub history: History,
    /// The project's status on the index (PEP 792), when it is not `active`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_status: Option<ProjectStatus>,
}

/// Evidence for one lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockfileEvidence {
    pub path: std::path::PathBuf,
    pub format: LockFormat,
    pub packages: Vec<PackageEvidence>,
    pub unpinned: Vec<Unpinned>,
    /// Every package source the lockfile names (indexes, find-links, trusted hosts).
    pub indexes: Vec<crate::lockfile::NamedIndex>,
    /// Package sources the environment names for the installer (`PIP_INDEX_URL`, …).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub environment: Vec<crate::index::network::EnvironmentSource>,
}

impl LockfileEvidence {
    /// Location of the lockfile itself (line 1), for findings not tied to a package.
    pub fn location(&self) -> Location {
        Location {
            path: self.path.clone(),
            line: 1,
        }
    }
}

/// Evidence serializes a missing filename as `""`, as it always has.
fn filename_or_empty<S: serde::Serializer>(
    filename: &Option<String>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(filename.as_deref().unwrap_or(""))
}

/// A lockfile's filename as evidence: `None` for the empty name of a hash-only artifact.
pub fn named(filename: &str) -> Option<String> {
    (!filename.is_empty()).then(|| filename.to_string())
}
