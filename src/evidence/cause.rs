//! Why evidence could not be had, typed: which URL was asked (credentials off), which file
//! the cause is about, and what happened. `Display` is the message reports show;
//! serialized, a cause is that message.
//!
//! A cause keeps the file it is about apart from what happened, so that files which failed
//! the same way compare equal with the file left out ([`UnavailableCause::shared`]) and read
//! as one cause, `…` standing for the file in the text and in the URL.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Serialize, Serializer};

use crate::lockfile::LockedHash;
use crate::url::{CleanUrl, InvalidUrl};

/// Why asking for one answer failed: on the network, in the answer the index gave, or in the
/// vendor directory, the cache or offline mode standing in for the network.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
pub enum FetchFailure {
    #[error("timed out after {attempts} attempt(s)")]
    Timeout { attempts: u32 },
    #[error("connection failed after {attempts} attempt(s): {message}")]
    Connection { attempts: u32, message: String },
    /// A status worth retrying (408, 429, 5xx), still given after the last retry.
    #[error("HTTP {status} after {attempts} attempt(s)")]
    Status { status: u16, attempts: u32 },
    #[error("HTTP {status} (check the credentials for this index)")]
    Unauthorized { status: u16 },
    /// A status that is neither an answer nor worth retrying, with the index's message.
    #[error("HTTP {status}{}", .message.as_deref().map(|m| format!(": {m}")).unwrap_or_default())]
    Refused {
        status: u16,
        message: Option<String>,
    },
    /// The body passed the size limit for what was asked (after decoding).
    #[error("{}", too_large(*.limit, *.of))]
    TooLarge { limit: usize, of: Expected },
    #[error("the response body broke off after {attempts} attempt(s): {message}")]
    BrokenBody { attempts: u32, message: String },
    /// A redirect refused (too many, down to http, off a plain-http origin).
    #[error("{message}")]
    Redirect { message: String },
    #[error("the run's {limit:?} network deadline passed")]
    NetworkDeadline { limit: Duration },
    /// The request could not be made or its stored answer read (an unsupported scheme, the
    /// HTTP client could not start, a read of the vendor directory failed).
    #[error("{message}")]
    Request { message: String },
    #[error("{0}")]
    InvalidUrl(InvalidUrl),
    #[error("unexpected content type `{content_type}` for {expected}")]
    WrongContentType {
        content_type: String,
        expected: Expected,
    },
    #[error("malformed project page: {0}")]
    MalformedPage(String),
    #[error("unsupported simple API version `{0}` (pubgate speaks 1.x)")]
    UnsupportedApiVersion(String),
    #[error("the provenance is not valid JSON: {0}")]
    MalformedProvenance(String),
    #[error("the page parser crashed: {0}")]
    ParserCrashed(String),
    /// Offline, and a provenance object neither vendored nor cached.
    #[error("offline and not in the cache")]
    OfflineNotCached,
    /// Offline without a vendor directory: pages come only from one.
    #[error("offline, and project pages are read only from a `--provenance-dir` (the cache holds provenance objects, not pages); run `pubgate fetch --into DIR` online, then check with `--offline --provenance-dir DIR`")]
    OfflinePage,
    #[error("not in the provenance directory `{}` (run `pubgate fetch` again)", .dir.display())]
    NotVendored { dir: PathBuf },
    /// The vendor directory holds a page in more than one form (`forms`: their file names).
    #[error("`{}` holds more than one answer for this page ({}): `pubgate fetch` writes one; remove the others or fetch again", .dir.display(), ticked(.forms))]
    VendoredTwice { dir: PathBuf, forms: Vec<String> },
}

/// What an answer was expected to be, for a wrong content type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Expected {
    Page,
    Provenance,
}

impl fmt::Display for Expected {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Expected::Page => "a project page",
            Expected::Provenance => "provenance",
        })
    }
}

/// `the project page is larger than the 64 MiB (67108864-byte) limit (…)`.
fn too_large(limit: usize, of: Expected) -> String {
    let size = if limit >= 1024 * 1024 && limit.is_multiple_of(1024 * 1024) {
        format!("{} MiB ({limit}-byte)", limit / (1024 * 1024))
    } else {
        format!("{limit}-byte")
    };
    match of {
        Expected::Page => format!(
            "the project page is larger than the {size} limit; if the index is right to serve it, raise the limit with `--max-page-size MIB` (or the policy's `[limits]` `max-page-size`)"
        ),
        Expected::Provenance => {
            format!("the provenance object is larger than the {size} limit")
        }
    }
}

/// A failed request: the URL asked (credentials off; `None` when the URL itself is not
/// valid) and what happened.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FetchError {
    pub url: Option<CleanUrl>,
    pub failure: FetchFailure,
}

impl FetchError {
    pub fn new(url: &CleanUrl, failure: FetchFailure) -> FetchError {
        FetchError {
            url: Some(url.clone()),
            failure,
        }
    }
}

impl From<InvalidUrl> for FetchError {
    fn from(invalid: InvalidUrl) -> FetchError {
        FetchError {
            url: None,
            failure: FetchFailure::InvalidUrl(invalid),
        }
    }
}

impl std::error::Error for FetchError {}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.url {
            Some(url) => write!(f, "`{url}`: {}", self.failure),
            None => write!(f, "{}", self.failure),
        }
    }
}

/// What kept a file's provenance from being examined.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum UnavailableKind {
    /// Asking failed (the cause's URL is what was asked).
    Fetch(FetchFailure),
    /// The page links provenance pubgate does not follow (a plain-http link to another
    /// origin, another scheme, not a URL): why.
    LinkNotFollowed { reason: String },
    /// The page predates PEP 740 (simple API below 1.3), so it cannot say whether the file
    /// has provenance, and the index's integrity API does not answer for every file (the
    /// cause's URL is the index).
    PageTooOld { api_version: String },
    /// The page links provenance, but the link answers 404 (the cause's URL).
    LinkedProvenanceMissing,
    /// The integrity API answered 404 without saying the file has no provenance.
    NotFoundUnexplained,
    /// Neither the lockfile nor the index gives a sha256 to bind the provenance to.
    NoSha256,
    /// Which file the installer would get cannot be known.
    Ambiguous(Ambiguity),
    /// The lockfile gives a file neither a filename nor a hash.
    NoFilenameNorHash { project: String, version: String },
    /// The lockfile pins no version of the package.
    NoPinnedVersion { project: String },
    /// A file from a mirror without a locked sha256: nothing binds what the installer
    /// downloads from the mirror to a file of the provenance index.
    MirrorUnhashed { project: String },
    /// The run's deadline passed before the package's evidence was complete.
    Deadline { limit: Duration, project: String },
}

/// How a page leaves open which file would be installed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ambiguity {
    /// An entry contradicts itself: what the page parser found.
    Contradiction { reason: String },
    /// The file is listed more than once, the entries differ, and no locked hash picks one.
    Duplicates {
        difference: Difference,
        pinned: Pinned,
    },
    /// The page lists the subject `count` times, more than `limit`.
    TooMany {
        subject: Subject,
        count: usize,
        limit: usize,
    },
}

/// How entries listing one file differ.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Difference {
    /// Different sha256 digests (`none` for an entry without one).
    Sha256(Vec<String>),
    /// Different spellings of the file.
    Names(Vec<String>),
    HashesOrLinks,
}

/// What the lockfile pins for an ambiguous file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Pinned {
    /// A plain `==` pin.
    UnhashedPin,
    /// A file named without a hash.
    NoHash,
    /// Locked hashes that do not pick one entry.
    HashesDoNotPick,
}

/// What a page lists too many times.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Subject {
    /// The cause's file.
    File,
    Sha256(String),
    Hash(LockedHash),
    OneFile,
}

/// Why a file's provenance is unavailable. Built by the constructors, which keep the URL
/// and file a kind's message needs.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UnavailableCause {
    url: Option<CleanUrl>,
    file: Option<String>,
    kind: UnavailableKind,
}

impl From<FetchError> for UnavailableCause {
    fn from(error: FetchError) -> UnavailableCause {
        UnavailableCause {
            url: error.url,
            file: None,
            kind: UnavailableKind::Fetch(error.failure),
        }
    }
}

impl UnavailableCause {
    /// A failed request, about no particular file (a project page).
    pub fn fetch(error: FetchError) -> UnavailableCause {
        error.into()
    }

    /// A failed request for `file`'s provenance.
    pub fn fetch_for(file: &str, error: FetchError) -> UnavailableCause {
        UnavailableCause::fetch(error).about(file)
    }

    pub fn link_not_followed(file: &str, reason: &str) -> UnavailableCause {
        UnavailableCause::new(
            None,
            file,
            UnavailableKind::LinkNotFollowed {
                reason: reason.to_string(),
            },
        )
    }

    pub fn page_too_old(index: &CleanUrl, api_version: &str, file: &str) -> UnavailableCause {
        UnavailableCause::new(
            Some(index),
            file,
            UnavailableKind::PageTooOld {
                api_version: api_version.to_string(),
            },
        )
    }

    pub fn linked_provenance_missing(link: &CleanUrl, file: &str) -> UnavailableCause {
        UnavailableCause::new(Some(link), file, UnavailableKind::LinkedProvenanceMissing)
    }

    pub fn not_found_unexplained(url: &CleanUrl, file: &str) -> UnavailableCause {
        UnavailableCause::new(Some(url), file, UnavailableKind::NotFoundUnexplained)
    }

    pub fn no_sha256(file: &str) -> UnavailableCause {
        UnavailableCause::new(None, file, UnavailableKind::NoSha256)
    }

    /// `file`: the name the page lists (every ambiguity but a count of a digest is about one).
    pub fn ambiguous(file: Option<&str>, ambiguity: Ambiguity) -> UnavailableCause {
        UnavailableCause {
            url: None,
            file: file.map(str::to_string),
            kind: UnavailableKind::Ambiguous(ambiguity),
        }
    }

    pub fn no_filename_nor_hash(project: &str, version: &str) -> UnavailableCause {
        UnavailableCause::of(UnavailableKind::NoFilenameNorHash {
            project: project.to_string(),
            version: version.to_string(),
        })
    }

    pub fn no_pinned_version(project: &str) -> UnavailableCause {
        UnavailableCause::of(UnavailableKind::NoPinnedVersion {
            project: project.to_string(),
        })
    }

    /// `file` (`None`: every file of a plain `==` pin) of `project` comes from the mirror
    /// `mirror` with no locked sha256.
    pub fn mirror_unhashed(
        mirror: &CleanUrl,
        file: Option<&str>,
        project: &str,
    ) -> UnavailableCause {
        UnavailableCause {
            url: Some(mirror.clone()),
            file: file.map(str::to_string),
            kind: UnavailableKind::MirrorUnhashed {
                project: project.to_string(),
            },
        }
    }

    pub fn deadline(limit: Duration, project: &str) -> UnavailableCause {
        UnavailableCause::of(UnavailableKind::Deadline {
            limit,
            project: project.to_string(),
        })
    }

    fn new(url: Option<&CleanUrl>, file: &str, kind: UnavailableKind) -> UnavailableCause {
        UnavailableCause {
            url: url.cloned(),
            file: Some(file.to_string()),
            kind,
        }
    }

    fn of(kind: UnavailableKind) -> UnavailableCause {
        UnavailableCause {
            url: None,
            file: None,
            kind,
        }
    }

    /// The same cause, about `file`.
    pub fn about(mut self, file: &str) -> UnavailableCause {
        self.file = Some(file.to_string());
        self
    }

    /// The URL asked (or, for [`UnavailableKind::PageTooOld`], the index), credentials off.
    pub fn url(&self) -> Option<&CleanUrl> {
        self.url.as_ref()
    }

    /// The file the cause is about, as its message names it.
    pub fn file(&self) -> Option<&str> {
        self.file.as_deref()
    }

    pub fn kind(&self) -> &UnavailableKind {
        &self.kind
    }

    /// The cause with its file left out: causes of files that failed the same way (the same
    /// kind and detail, URLs that differ only in the segment naming the file) are equal, and
    /// it reads with `…` for the file.
    pub fn shared(&self) -> SharedCause<'_> {
        SharedCause {
            url: match (&self.url, &self.file) {
                (Some(url), Some(file)) => Some(url.with_file_elided(file)),
                (Some(url), None) => Some(url.as_str().to_string()),
                (None, _) => None,
            },
            about_file: self.file.is_some(),
            cause: self,
        }
    }

    fn render(&self, f: &mut fmt::Formatter<'_>, elide: bool) -> fmt::Result {
        let file = match (&self.file, elide) {
            (Some(_), true) => "…",
            (Some(file), false) => file.as_str(),
            (None, _) => "",
        };
        let url = |trim: bool| -> String {
            let Some(url) = &self.url else {
                return String::new();
            };
            let shown = match (&self.file, elide) {
                (Some(file), true) => url.with_file_elided(file),
                _ => url.as_str().to_string(),
            };
            if trim {
                shown.trim_end_matches('/').to_string()
            } else {
                shown
            }
        };
        match &self.kind {
            UnavailableKind::Fetch(failure) => match &self.url {
                Some(_) => write!(f, "`{}`: {failure}", url(false)),
                None => write!(f, "{failure}"),
            },
            UnavailableKind::LinkNotFollowed { reason } => write!(f, "`{file}`: {reason}"),
            UnavailableKind::PageTooOld { api_version } => write!(
                f,
                "the index `{}` serves simple API {api_version}, older than 1.3 (PEP 740): its page cannot say whether `{file}` has provenance",
                url(true)
            ),
            UnavailableKind::LinkedProvenanceMissing => write!(
                f,
                "the index links provenance for `{file}` at `{}` but answers 404 there",
                url(true)
            ),
            UnavailableKind::NotFoundUnexplained => write!(
                f,
                "`{}`: HTTP 404 without saying that `{file}` has no provenance",
                url(true)
            ),
            UnavailableKind::NoSha256 => write!(
                f,
                "neither the lockfile nor the index gives a sha256 for `{file}`, so its provenance cannot be bound to the file"
            ),
            UnavailableKind::Ambiguous(ambiguity) => {
                write_ambiguity(f, ambiguity, file)?;
                f.write_str(", so which file would be installed cannot be known")
            }
            UnavailableKind::NoFilenameNorHash { project, version } => write!(
                f,
                "the lockfile gives one file of `{project}` {version} neither a filename nor a hash, so it cannot be looked up"
            ),
            UnavailableKind::NoPinnedVersion { project } => write!(
                f,
                "`{project}` has no pinned version, so its release cannot be looked up"
            ),
            UnavailableKind::MirrorUnhashed { project } => {
                let what = if file.is_empty() {
                    format!("any file of `{project}`")
                } else {
                    format!("`{file}`")
                };
                write!(
                    f,
                    "the lockfile locks no sha256 for {what} from the mirror `{}`, so nothing binds the file the installer downloads there to a file of the provenance index: lock sha256 hashes",
                    url(true)
                )
            }
            UnavailableKind::Deadline { limit, project } => write!(
                f,
                "the run's deadline of {} s passed before the evidence for `{project}` was complete (network, page parsing and verification all count); raise `--deadline` or retry when the index answers faster",
                limit.as_secs_f64()
            ),
        }
    }
}

fn write_ambiguity(f: &mut fmt::Formatter<'_>, ambiguity: &Ambiguity, file: &str) -> fmt::Result {
    match ambiguity {
        Ambiguity::Contradiction { reason } => f.write_str(reason),
        Ambiguity::Duplicates { difference, pinned } => {
            let difference = match difference {
                Difference::Sha256(digests) => {
                    format!("with different sha256 ({})", ticked(digests))
                }
                Difference::Names(names) => format!("under different names ({})", ticked(names)),
                Difference::HashesOrLinks => "with different hashes or provenance links".into(),
            };
            let pinned = match pinned {
                Pinned::UnhashedPin => "no hash is locked",
                Pinned::NoHash => "the lockfile pins no hash",
                Pinned::HashesDoNotPick => "the locked hashes do not pick one",
            };
            write!(
                f,
                "the index lists `{file}` more than once {difference} and {pinned}"
            )
        }
        Ambiguity::TooMany {
            subject,
            count,
            limit,
        } => {
            let subject = match subject {
                Subject::File => format!("`{file}`"),
                Subject::Sha256(digest) => format!("sha256 `{digest}`"),
                Subject::Hash(hash) => hash.to_string(),
                Subject::OneFile => "one file".into(),
            };
            write!(
                f,
                "the index lists {subject} {count} times (more than {limit})"
            )
        }
    }
}

/// `` `a`, `b` ``.
fn ticked(items: &[String]) -> String {
    items
        .iter()
        .map(|item| format!("`{item}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for UnavailableCause {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.render(f, false)
    }
}

impl Serialize for UnavailableCause {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// [`UnavailableCause::shared`]: a cause that stands for every file failing the same way.
#[derive(Debug, Clone)]
pub struct SharedCause<'a> {
    cause: &'a UnavailableCause,
    url: Option<String>,
    about_file: bool,
}

impl PartialEq for SharedCause<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.cause.kind == other.cause.kind
            && self.about_file == other.about_file
            && self.url == other.url
    }
}

impl Eq for SharedCause<'_> {}

impl fmt::Display for SharedCause<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.cause.render(f, true)
    }
}

/// Why a package's history (the earlier release it is compared with) is unavailable.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HistoryUnavailable {
    /// The locked release itself could not be looked up (its page, the run's deadline):
    /// its files carry the same cause.
    Release(UnavailableCause),
    /// The lockfile pins no version, so there is no release to look before.
    NoPinnedVersion,
    /// The index has no such project (the locked files are `release-not-on-index`).
    ProjectNotFound { index: CleanUrl, project: String },
    /// The index has quarantined the project (the locked files are `quarantined`).
    Quarantined { index: CleanUrl, project: String },
    /// The earlier releases could not be examined: the page predates PEP 740, so each has
    /// to be asked for file by file, and the walk reached its bound.
    WalkBound {
        index: CleanUrl,
        api_version: String,
        bound: WalkBound,
    },
}

/// Which bound a history walk on a page that predates PEP 740 reached.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum WalkBound {
    /// The `max` nearest earlier releases were asked, and none has provenance.
    Releases { max: usize },
    /// The next earlier release has more files than are asked about.
    Files {
        release: String,
        files: usize,
        max: usize,
    },
}

impl HistoryUnavailable {
    /// Whether earlier releases exist that could not be examined (rather than the locked
    /// release not being there to compare).
    pub fn earlier_releases_unexamined(&self) -> bool {
        matches!(self, HistoryUnavailable::WalkBound { .. })
    }
}

impl fmt::Display for HistoryUnavailable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HistoryUnavailable::Release(cause) => write!(f, "{cause}"),
            HistoryUnavailable::NoPinnedVersion => f.write_str("no pinned version"),
            HistoryUnavailable::ProjectNotFound { index, project } => write!(
                f,
                "the index `{}` has no project `{project}`",
                index.trimmed()
            ),
            HistoryUnavailable::Quarantined { index, project } => write!(
                f,
                "the index `{}` has quarantined `{project}`",
                index.trimmed()
            ),
            HistoryUnavailable::WalkBound {
                index,
                api_version,
                bound,
            } => {
                let why = match bound {
                    WalkBound::Releases { max } => format!(
                        "the {max} nearest earlier releases have no provenance and pubgate asks no further"
                    ),
                    WalkBound::Files {
                        release,
                        files,
                        max,
                    } => format!(
                        "the earlier release `{release}` has {files} files, more than the {max} pubgate asks about"
                    ),
                };
                write!(
                    f,
                    "the index `{}` serves simple API {api_version}, older than 1.3 (PEP 740), so each earlier release's provenance has to be asked for file by file: {why}, so the last attested release is unknown",
                    index.trimmed()
                )
            }
        }
    }
}

impl Serialize for HistoryUnavailable {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> CleanUrl {
        CleanUrl::parse(text).unwrap()
    }

    fn provenance_failure(file: &str, failure: FetchFailure) -> UnavailableCause {
        let link = url(&format!(
            "https://pypi.org/integrity/flaky/1.0/{file}/provenance"
        ));
        UnavailableCause::fetch_for(file, FetchError::new(&link, failure))
    }

    #[test]
    fn files_failing_the_same_way_share_one_cause() {
        let status = FetchFailure::Status {
            status: 503,
            attempts: 4,
        };
        let wheel = provenance_failure("flaky-1.0-py3-none-any.whl", status.clone());
        let sdist = provenance_failure("flaky-1.0.tar.gz", status);
        assert_ne!(wheel, sdist);
        assert_eq!(wheel.shared(), sdist.shared());
        assert_eq!(
            wheel.to_string(),
            "`https://pypi.org/integrity/flaky/1.0/flaky-1.0-py3-none-any.whl/provenance`: HTTP 503 after 4 attempt(s)"
        );
        assert_eq!(
            sdist.shared().to_string(),
            "`https://pypi.org/integrity/flaky/1.0/…/provenance`: HTTP 503 after 4 attempt(s)"
        );
        // Another kind, or the same kind with another detail, is another cause.
        let timeout = provenance_failure("flaky-1.0.tar.gz", FetchFailure::Timeout { attempts: 4 });
        assert_ne!(timeout.shared(), sdist.shared());
        let other_status = provenance_failure(
            "flaky-1.0.tar.gz",
            FetchFailure::Status {
                status: 502,
                attempts: 4,
            },
        );
        assert_ne!(other_status.shared(), sdist.shared());
    }

    #[test]
    fn a_file_named_in_the_text_is_left_out_too() {
        let link = url("https://files.example/p/flaky-1.0.tar.gz/provenance/");
        let cause = UnavailableCause::linked_provenance_missing(&link, "flaky-1.0.tar.gz");
        assert_eq!(
            cause.to_string(),
            "the index links provenance for `flaky-1.0.tar.gz` at `https://files.example/p/flaky-1.0.tar.gz/provenance` but answers 404 there"
        );
        assert_eq!(
            cause.shared().to_string(),
            "the index links provenance for `…` at `https://files.example/p/…/provenance` but answers 404 there"
        );
        let other = UnavailableCause::linked_provenance_missing(
            &url("https://files.example/p/flaky-1.0-py3-none-any.whl/provenance/"),
            "flaky-1.0-py3-none-any.whl",
        );
        assert_eq!(cause.shared(), other.shared());
    }

    #[test]
    fn a_page_failure_names_the_page_and_no_file() {
        let page = url("https://user:secret@pypi.org/simple/flaky/");
        let cause = UnavailableCause::fetch(FetchError::new(&page, FetchFailure::OfflineNotCached));
        assert_eq!(
            cause.to_string(),
            "`https://pypi.org/simple/flaky/`: offline and not in the cache"
        );
        assert_eq!(cause.shared().to_string(), cause.to_string());
        assert_eq!(
            serde_json::to_value(&cause).unwrap(),
            serde_json::json!(cause.to_string())
        );
    }

    #[test]
    fn refusals_show_the_index_message_when_there_is_one() {
        let refused = |message: Option<&str>| FetchFailure::Refused {
            status: 403,
            message: message.map(str::to_string),
        };
        assert_eq!(refused(None).to_string(), "HTTP 403");
        assert_eq!(
            refused(Some("Attestations temporarily disabled")).to_string(),
            "HTTP 403: Attestations temporarily disabled"
        );
    }

    #[test]
    fn history_tells_unexamined_releases_from_a_missing_release() {
        let walk = HistoryUnavailable::WalkBound {
            index: url("https://pypi.org/simple/"),
            api_version: "1.0".into(),
            bound: WalkBound::Releases { max: 8 },
        };
        assert!(walk.earlier_releases_unexamined());
        assert_eq!(
            walk.to_string(),
            "the index `https://pypi.org/simple` serves simple API 1.0, older than 1.3 (PEP 740), so each earlier release's provenance has to be asked for file by file: the 8 nearest earlier releases have no provenance and pubgate asks no further, so the last attested release is unknown"
        );
        assert!(!HistoryUnavailable::NoPinnedVersion.earlier_releases_unexamined());
        assert_eq!(
            HistoryUnavailable::NoPinnedVersion.to_string(),
            "no pinned version"
        );
    }
}
