//! Project pages of the simple repository API: PEP 691 JSON and PEP 503 HTML, parsed into
//! one model ([`ProjectPage`]) with each file's hashes, yank state and provenance link.
//!
//! Parsing is lenient about what it does not need (unknown keys, odd attributes) and strict
//! about what it does: a page whose major API version is not 1, or whose JSON does not
//! parse, is refused as a whole. Files are named and hashed the way installers read the
//! page (pip names a file by its URL, uv by `filename`; both read hashes from the URL too),
//! and an entry that says two things at once is marked ([`IndexFile::contradiction`]).
//! Every parser here runs in time linear in the page ([`scan`]).

mod hashes;
pub use hashes::FileHashes;
mod html;
#[cfg(test)]
mod linearity;
mod scan;

pub use html::parse_html;

use std::collections::BTreeMap;
use std::str::FromStr;

use pep440_rs::Version;
use reqwest::Url;
use serde_json::Value;

use crate::dist::normalize_name;
use crate::evidence::{ProjectMarker, ProjectStatus};

/// The media type of a PEP 691 JSON project page.
pub const JSON_MEDIA_TYPE: &str = "application/vnd.pypi.simple.v1+json";
/// The media type of a PEP 691 HTML project page.
pub const HTML_MEDIA_TYPE: &str = "application/vnd.pypi.simple.v1+html";
/// What pubgate asks for: JSON first, HTML as a fallback for indexes that only serve HTML.
pub const PAGE_ACCEPT: &str =
    "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/// The first simple API version whose pages speak of provenance (PEP 740).
pub const PROVENANCE_API_VERSION: ApiVersion = ApiVersion { major: 1, minor: 3 };

/// A simple repository API version (`meta.api-version` / `pypi:repository-version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ApiVersion {
    pub major: u32,
    pub minor: u32,
}

impl ApiVersion {
    /// The version a page that declares none is taken to speak (PEP 629).
    pub const IMPLICIT: ApiVersion = ApiVersion { major: 1, minor: 0 };

    fn parse(text: &str) -> Option<ApiVersion> {
        let (major, minor) = text.trim().split_once('.')?;
        Some(ApiVersion {
            major: major.parse().ok()?,
            minor: minor.parse().ok()?,
        })
    }

    /// Whether a page of this version can say "this file has no provenance".
    pub fn speaks_of_provenance(self) -> bool {
        self >= PROVENANCE_API_VERSION
    }
}

impl std::fmt::Display for ApiVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Which serialization a page came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageFormat {
    Json,
    Html,
}

/// What a page says about one file's provenance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProvenanceLink {
    /// An absolute URL to the provenance object.
    Url(String),
    /// No link: absence if the page's API version speaks of provenance, silence otherwise.
    None,
    /// A link the page gives but pubgate will not follow (reason given).
    Unusable(String),
}

/// One file listed on a project page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    /// The file's name: the JSON `filename` (else the last segment of its `url`), or the
    /// last segment of the HTML link (what pip and uv name it by; anchor text is ignored).
    pub filename: String,
    /// Lowercase hex sha256, when the index gives one (`hashes["sha256"]`).
    pub sha256: Option<String>,
    /// Every hash the index lists for the file, by lowercase algorithm name (sha256
    /// included), lowercase hex: the PEP 691 `hashes` object and hashes in the file's URL.
    pub hashes: hashes::FileHashes,
    /// Another name the same entry gives the file: a JSON `url` whose last segment is
    /// another distribution than `filename` (pip names files by their URL, uv by
    /// `filename`). Such an entry also has a [`IndexFile::contradiction`].
    pub url_filename: Option<String>,
    /// Where the index says the file is downloaded from: its link resolved against the page
    /// (fragment dropped), when it resolves. A lockfile that records another URL for an
    /// unhashed file makes the installer download something else (`foreign-artifact-url`).
    pub url: Option<String>,
    pub yanked: bool,
    /// The reason the index gives for the yank (JSON `yanked` string, HTML `data-yanked`
    /// value), sanitized; `None` when not yanked or no reason is given.
    pub yank_reason: Option<String>,
    pub provenance: ProvenanceLink,
    /// When the index says the file was uploaded (PEP 700 `upload-time`, JSON pages only);
    /// `None` when the page does not say or says something that is not an RFC 3339 time.
    pub upload_time: Option<jiff::Timestamp>,
    /// Why this entry contradicts itself, when it does (two digests for one algorithm, two
    /// names, two links): which file an installer would get from it cannot be known.
    pub contradiction: Option<String>,
}

impl IndexFile {
    /// The names this entry gives its file: `filename`, then `url_filename`.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        std::iter::once(self.filename.as_str()).chain(self.url_filename.as_deref())
    }
}

/// A parsed project page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPage {
    pub format: PageFormat,
    /// The declared API version; [`ApiVersion::IMPLICIT`] when the page declares none.
    pub api_version: ApiVersion,
    /// The project's PEP 792 status (`active` when the page says none).
    pub status: ProjectStatus,
    pub files: Vec<IndexFile>,
}

/// Why a page could not be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageError {
    #[error("malformed project page: {0}")]
    Malformed(String),
    #[error("unsupported simple API version `{0}` (pubgate speaks 1.x)")]
    UnsupportedVersion(String),
    #[error("unexpected content type `{0}` for a project page")]
    ContentType(String),
}

/// The media type of a `Content-Type` header, lowercase, without parameters.
pub fn media_type(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

/// Which parser a `Content-Type` header selects.
pub fn page_format(content_type: &str) -> Option<PageFormat> {
    match media_type(content_type).as_str() {
        JSON_MEDIA_TYPE | "application/json" => Some(PageFormat::Json),
        HTML_MEDIA_TYPE | "text/html" | "application/xhtml+xml" => Some(PageFormat::Html),
        _ => None,
    }
}

/// Parses a page body. `page_url` (credentials removed) resolves relative links.
pub fn parse_page(
    body: &[u8],
    content_type: &str,
    page_url: &Url,
) -> Result<ProjectPage, PageError> {
    match page_format(content_type) {
        Some(PageFormat::Json) => parse_json(body, page_url),
        Some(PageFormat::Html) => parse_html(body, page_url),
        None => Err(PageError::ContentType(content_type.to_string())),
    }
}

/// The parts of a PEP 691 page pubgate reads; everything else is skipped while parsing,
/// so a multi-megabyte page is never held as a generic JSON tree.
#[derive(serde::Deserialize)]
struct WirePage {
    #[serde(default)]
    meta: Option<WireMeta>,
    files: Option<Vec<WireFile>>,
    /// PEP 792: `{"status": "...", "reason": "..."}`.
    #[serde(rename = "project-status", default)]
    project_status: Option<Value>,
}

#[derive(serde::Deserialize)]
struct WireMeta {
    #[serde(rename = "api-version", default)]
    api_version: Option<Value>,
}

/// One `files[]` entry; fields stay loose so one odd value does not sink the page.
#[derive(serde::Deserialize)]
struct WireFile {
    #[serde(default)]
    filename: Option<Value>,
    #[serde(default)]
    url: Option<Value>,
    #[serde(default)]
    hashes: Option<WireHashes>,
    #[serde(default)]
    yanked: Option<Value>,
    #[serde(default)]
    provenance: Option<Value>,
    #[serde(rename = "upload-time", default)]
    upload_time: Option<Value>,
}

/// A `hashes` object as a list of its entries, duplicates kept (JSON readers disagree on
/// which duplicate counts, so two different values are a contradiction), bounded.
#[derive(Default)]
struct WireHashes(Vec<(String, String)>);

impl<'de> serde::Deserialize<'de> for WireHashes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = WireHashes;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a hashes object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<WireHashes, A::Error> {
                let mut entries = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    let value: Value = map.next_value()?;
                    // Bounded: past the limit, one more entry is kept to be reported.
                    if let (Value::String(value), true) =
                        (value, entries.len() <= hashes::MAX_HASHES * 2)
                    {
                        entries.push((key, value));
                    }
                }
                Ok(WireHashes(entries))
            }
            // Anything but an object lists no hash.
            fn visit_unit<E>(self) -> Result<WireHashes, E> {
                Ok(WireHashes::default())
            }
            fn visit_bool<E>(self, _: bool) -> Result<WireHashes, E> {
                Ok(WireHashes::default())
            }
            fn visit_i64<E>(self, _: i64) -> Result<WireHashes, E> {
                Ok(WireHashes::default())
            }
            fn visit_u64<E>(self, _: u64) -> Result<WireHashes, E> {
                Ok(WireHashes::default())
            }
            fn visit_f64<E>(self, _: f64) -> Result<WireHashes, E> {
                Ok(WireHashes::default())
            }
            fn visit_str<E>(self, _: &str) -> Result<WireHashes, E> {
                Ok(WireHashes::default())
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<WireHashes, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(WireHashes::default())
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

/// Parses a PEP 691 JSON project page.
pub fn parse_json(body: &[u8], page_url: &Url) -> Result<ProjectPage, PageError> {
    let page: WirePage = serde_json::from_slice(body)
        .map_err(|e| PageError::Malformed(format!("invalid JSON: {e}")))?;
    let api_version = match page.meta.and_then(|m| m.api_version) {
        Some(Value::String(text)) => {
            ApiVersion::parse(&text).ok_or(PageError::UnsupportedVersion(text))?
        }
        Some(other) => return Err(PageError::UnsupportedVersion(other.to_string())),
        None => ApiVersion::IMPLICIT,
    };
    if api_version.major != 1 {
        return Err(PageError::UnsupportedVersion(api_version.to_string()));
    }
    let files = page
        .files
        .ok_or_else(|| PageError::Malformed("no `files` list".into()))?;
    let mut out = Vec::with_capacity(files.len());
    for file in files {
        let url = match &file.url {
            Some(Value::String(url)) if !url.is_empty() => Some(url.as_str()),
            _ => None,
        };
        let by_url = url.map(|u| url_filename(page_url, u)).unwrap_or_default();
        // uv names the file by `filename`, pip by its URL; without either it cannot be matched.
        let filename = match file.filename {
            Some(Value::String(name)) if !name.is_empty() => name,
            _ if !by_url.is_empty() => by_url.clone(),
            _ => continue,
        };
        let mut contradiction = None;
        let url_filename = (!by_url.is_empty()
            && by_url != filename
            && archive_suffix(&by_url).is_some()
            && !(crate::dist::same_distribution(&by_url, &filename)
                && archive_suffix(&by_url) == archive_suffix(&filename)))
        .then(|| {
            contradiction = Some(format!(
                "the index lists `{filename}` at a URL that names `{by_url}` (pip names the file by its URL, uv by `filename`)"
            ));
            by_url
        });
        let mut hashes = hashes::HashSet::default();
        for (algorithm, value) in file.hashes.unwrap_or_default().0 {
            hashes.add(&algorithm, &value, &filename);
        }
        if let Some(url) = url {
            hashes.add_from_url(url, &filename);
        }
        let (yanked, yank_reason) = match &file.yanked {
            Some(Value::Bool(b)) => (*b, None),
            Some(Value::String(reason)) => (true, reason_text(reason)),
            _ => (false, None),
        };
        let provenance = match &file.provenance {
            None | Some(Value::Null) => ProvenanceLink::None,
            Some(Value::String(link)) => resolve_link(page_url, link),
            Some(other) => ProvenanceLink::Unusable(format!(
                "`provenance` is a JSON {} instead of a URL",
                json_kind(other)
            )),
        };
        let upload_time = match &file.upload_time {
            Some(Value::String(text)) => text.parse::<jiff::Timestamp>().ok(),
            _ => None,
        };
        out.push(IndexFile {
            upload_time,
            sha256: hashes.hashes.get("sha256").cloned(),
            contradiction: contradiction.or(hashes.conflict),
            hashes: hashes.hashes.shrink(),
            filename,
            url_filename,
            url: url.and_then(|url| download_url(page_url, url)),
            yanked,
            yank_reason,
            provenance,
        });
    }
    Ok(ProjectPage {
        format: PageFormat::Json,
        api_version,
        status: json_status(page.project_status.as_ref()),
        files: out,
    })
}

/// A reason the page gives (a yank, a project status): sanitized, `None` when empty.
pub(crate) fn reason_text(text: &str) -> Option<String> {
    Some(crate::evidence::clean_index_text(text, 200)).filter(|r| !r.is_empty())
}

/// The PEP 792 `project-status` object. Present but unreadable, it is an unknown status
/// (reported, never taken as `active`).
fn json_status(value: Option<&Value>) -> ProjectStatus {
    match value {
        None | Some(Value::Null) => ProjectStatus::ACTIVE,
        Some(Value::Object(object)) => match object.get("status") {
            None | Some(Value::Null) => ProjectStatus::ACTIVE,
            Some(Value::String(status)) => {
                ProjectStatus::new(status, object.get("reason").and_then(Value::as_str))
            }
            Some(other) => unreadable_status(other),
        },
        Some(other) => unreadable_status(other),
    }
}

fn unreadable_status(value: &Value) -> ProjectStatus {
    ProjectStatus {
        status: ProjectMarker::Other(format!("unreadable JSON {}", json_kind(value))),
        reason: None,
    }
}

/// Of two statuses a page gives, the one that says most (quarantined, then unknown, then
/// archived, then deprecated): a page that says two things is read at its worst.
pub(crate) fn graver(a: ProjectStatus, b: ProjectStatus) -> ProjectStatus {
    let rank = |s: &ProjectStatus| match s.status {
        ProjectMarker::Active => 0,
        ProjectMarker::Deprecated => 1,
        ProjectMarker::Archived => 2,
        ProjectMarker::Other(_) => 3,
        ProjectMarker::Quarantined => 4,
    };
    if rank(&b) > rank(&a) {
        b
    } else {
        a
    }
}

/// A file link resolved against `base`, without its fragment (hashes and `#egg=` are not
/// part of where the file is downloaded from).
pub(crate) fn download_url(base: &Url, link: &str) -> Option<String> {
    let mut url = base.join(link.trim()).ok()?;
    url.set_fragment(None);
    Some(url.to_string())
}

fn json_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Lowercase hex sha256, or `None` when `text` is not 64 hex digits.
pub fn normalize_sha256(text: &str) -> Option<String> {
    let text = text.trim();
    (text.len() == 64 && text.bytes().all(|b| b.is_ascii_hexdigit()))
        .then(|| text.to_ascii_lowercase())
}

/// The archive suffixes an installer takes a link for a distribution by.
const DISTRIBUTION_SUFFIXES: [&str; 9] = [
    ".whl", ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar", ".egg", ".exe",
];

/// The archive suffix a name ends with (lowercase), when it looks like a distribution.
fn archive_suffix(name: &str) -> Option<&'static str> {
    DISTRIBUTION_SUFFIXES.into_iter().find(|suffix| {
        name.len() >= suffix.len()
            && name
                .get(name.len() - suffix.len()..)
                .is_some_and(|tail| tail.eq_ignore_ascii_case(suffix))
    })
}

/// The name an installer gives the file a link points to: the last non-empty segment of
/// the resolved URL's path, percent-decoded (pip's `Link.filename`; uv alike).
pub(crate) fn url_filename(base: &Url, href: &str) -> String {
    let path = match base.join(href.trim()) {
        Ok(url) => url.path().to_string(),
        // Not a URL pip could fetch either; the raw path is the best guess.
        Err(_) => href.split(['#', '?']).next().unwrap_or("").to_string(),
    };
    let decoded = scan::percent_decode(&path);
    decoded
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or("")
        .to_string()
}

/// Resolves a provenance link against the page. Only links on a secure origin are followed,
/// as the simple API spec requires: `https`, or the page's own origin (an `http` index the
/// user named). So a hostile page cannot point pubgate at plain-http services elsewhere
/// (cloud metadata endpoints, hosts on the runner's network) nor downgrade the fetch.
pub(crate) fn resolve_link(page_url: &Url, link: &str) -> ProvenanceLink {
    match page_url.join(link.trim()) {
        Ok(url) if url.scheme() == "https" => ProvenanceLink::Url(url.to_string()),
        Ok(url) if url.scheme() == "http" && url.origin() == page_url.origin() => {
            ProvenanceLink::Url(url.to_string())
        }
        Ok(url) if url.scheme() == "http" => ProvenanceLink::Unusable(format!(
            "the provenance link `{}` is plain http on another origin than the page; only https (or the index's own origin) is followed",
            crate::url::redact(url.as_str())
        )),
        Ok(url) => ProvenanceLink::Unusable(format!(
            "the provenance link uses the `{}` scheme; only http(s) is followed",
            url.scheme()
        )),
        Err(e) => ProvenanceLink::Unusable(format!("invalid provenance link: {e}")),
    }
}

/// The version string a distribution filename carries for `project` (normalized name), or
/// `None` when the filename is not a distribution of that project. Handles wheels, sdists
/// (`.tar.gz`, `.zip`, `.tar.bz2`, `.tgz`, `.tar.xz`, `.tar`) and eggs, the way pip splits
/// names whose project part itself contains dashes.
pub fn filename_version<'a>(filename: &'a str, project: &str) -> Option<&'a str> {
    if let Some(stem) = filename.strip_suffix(".whl") {
        let mut parts = stem.split('-');
        let name = parts.next()?;
        let version = parts.next()?;
        return (normalize_name(name) == project).then_some(version);
    }
    let stem = [
        ".tar.gz", ".zip", ".tar.bz2", ".tgz", ".tar.xz", ".tar", ".egg",
    ]
    .iter()
    .find_map(|ext| {
        let len = filename.len().checked_sub(ext.len())?;
        filename
            .get(len..)
            .filter(|tail| tail.eq_ignore_ascii_case(ext))
            .map(|_| &filename[..len])
    })?;
    let stem = if filename.to_ascii_lowercase().ends_with(".egg") {
        // `name-version-pyX.Y.egg`: drop the python tag.
        match stem.rsplit_once("-py") {
            Some((head, _)) => head,
            None => stem,
        }
    } else {
        stem
    };
    split_project(stem, project)
}

/// The part of `stem` after the first `-` whose prefix normalizes to `project` (PEP 503),
/// in one pass: the prefix is normalized as it grows and compared as it goes, so a name of
/// many dashes costs no more than its length.
fn split_project<'a>(stem: &'a str, project: &str) -> Option<&'a str> {
    let mut matched = 0;
    let mut pending_separator = false;
    let mut buffer = [0u8; 4];
    for (i, c) in stem.char_indices() {
        scan::count(1);
        if c == '-' && matched == project.len() {
            let version = &stem[i + 1..];
            return (!version.is_empty()).then_some(version);
        }
        if matches!(c, '-' | '_' | '.') {
            pending_separator = true;
            continue;
        }
        if pending_separator && matched > 0 {
            if !project[matched..].starts_with('-') {
                return None;
            }
            matched += 1;
        }
        pending_separator = false;
        for lower in c.to_lowercase() {
            let lower = lower.encode_utf8(&mut buffer);
            if !project[matched..].starts_with(&*lower) {
                // The normalized prefix left the project's name: it only grows from here.
                return None;
            }
            matched += lower.len();
        }
    }
    None
}

/// How a locked version is matched against the index's files.
#[derive(Debug, Clone)]
pub enum VersionMatcher {
    /// PEP 440 equality (`1.0 == 1.0.0`, case and separators normalized).
    Pep440(Version),
    /// Literal, case-insensitive string equality (`===`, or a version that is not PEP 440).
    Literal(String),
}

impl VersionMatcher {
    /// A matcher for a locked version string: PEP 440 when it parses, literal otherwise.
    pub fn new(version: &str) -> VersionMatcher {
        match Version::from_str(version.trim()) {
            Ok(v) => VersionMatcher::Pep440(v),
            Err(_) => VersionMatcher::Literal(version.trim().to_string()),
        }
    }

    /// Whether a filename's version string denotes the locked version.
    pub fn matches(&self, file_version: &str) -> bool {
        match self {
            VersionMatcher::Pep440(v) => Version::from_str(file_version).is_ok_and(|fv| fv == *v),
            VersionMatcher::Literal(s) => s.eq_ignore_ascii_case(file_version),
        }
    }
}

impl ProjectPage {
    /// The files of one release of `project` (normalized name): every entry that names a
    /// file of it, by `filename` or by URL.
    pub fn release_files<'a>(
        &'a self,
        project: &str,
        version: &VersionMatcher,
    ) -> Vec<&'a IndexFile> {
        self.files
            .iter()
            .filter(|f| {
                f.names()
                    .any(|name| filename_version(name, project).is_some_and(|v| version.matches(v)))
            })
            .collect()
    }

    /// Every release of `project` with a PEP 440 version, oldest first, with its files.
    pub fn releases<'a>(&'a self, project: &str) -> BTreeMap<Version, Vec<&'a IndexFile>> {
        let mut releases: BTreeMap<Version, Vec<&IndexFile>> = BTreeMap::new();
        for file in &self.files {
            let Some(version) = filename_version(&file.filename, project) else {
                continue;
            };
            let Ok(version) = Version::from_str(version) else {
                continue;
            };
            releases.entry(version).or_default().push(file);
        }
        releases
    }

    /// The file with exactly this filename, else one naming the same distribution
    /// after parsing both (case, separators, tag order).
    pub fn file_named(&self, filename: &str) -> Option<&IndexFile> {
        self.files
            .iter()
            .find(|f| f.filename == filename)
            .or_else(|| {
                self.files
                    .iter()
                    .find(|f| crate::dist::same_distribution(&f.filename, filename))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url() -> Url {
        Url::parse("https://pypi.org/simple/sampleproject/").unwrap()
    }

    #[test]
    fn parses_a_pep691_page_with_provenance() {
        let body = br#"{"meta":{"api-version":"1.4","_last-serial":1},"name":"sampleproject",
          "versions":["4.0.0"],
          "files":[
            {"filename":"sampleproject-4.0.0.tar.gz","url":"https://files/x","hashes":{"sha256":"0ACE7980F82C5815EDE4CD7BF9F6693684CEC2AE47B9B7ADE9ADD533B8627C6B"},
             "provenance":"https://pypi.org/integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz/provenance","yanked":false},
            {"filename":"sampleproject-4.0.0-py3-none-any.whl","url":"https://files/y","hashes":{},"provenance":null,"yanked":"broken"},
            {"url":"nameless"},
          {"filename": 7}
          ]}"#;
        let page = parse_json(body, &url()).unwrap();
        assert_eq!(page.api_version, ApiVersion { major: 1, minor: 4 });
        assert!(page.api_version.speaks_of_provenance());
        // pip names a file by its URL: an entry without `filename` is still a file.
        assert_eq!(page.files.len(), 3);
        assert_eq!(page.files[2].filename, "nameless");
        assert_eq!(
            page.files[0].sha256.as_deref(),
            Some("0ace7980f82c5815ede4cd7bf9f6693684cec2ae47b9b7ade9add533b8627c6b")
        );
        assert!(
            matches!(&page.files[0].provenance, ProvenanceLink::Url(u) if u.ends_with("/provenance"))
        );
        assert_eq!(page.files[1].provenance, ProvenanceLink::None);
        assert!(page.files[1].yanked);
        assert_eq!(page.files[1].sha256, None);
    }

    #[test]
    fn json_without_api_version_is_implicitly_1_0_and_major_2_is_refused() {
        let page = parse_json(br#"{"meta":{},"files":[]}"#, &url()).unwrap();
        assert_eq!(page.api_version, ApiVersion::IMPLICIT);
        assert!(!page.api_version.speaks_of_provenance());
        assert!(matches!(
            parse_json(br#"{"meta":{"api-version":"2.0"},"files":[]}"#, &url()),
            Err(PageError::UnsupportedVersion(_))
        ));
        assert!(matches!(
            parse_json(b"{\"files\": [", &url()),
            Err(PageError::Malformed(_))
        ));
        assert!(matches!(
            parse_json(br#"{"meta":{"api-version":"1.4"}}"#, &url()),
            Err(PageError::Malformed(_))
        ));
    }

    #[test]
    fn parses_a_pep503_html_page() {
        let body = br#"<!DOCTYPE html>
<html><head><meta name="pypi:repository-version" content="1.4"><title>Links</title></head>
<body><h1>Links for sampleproject</h1>
<a href="https://files.example/sampleproject-4.0.0.tar.gz#sha256=0ace7980f82c5815ede4cd7bf9f6693684cec2ae47b9b7ade9add533b8627c6b" data-requires-python="&gt;=3.8" data-provenance="https://pypi.org/integrity/sampleproject/4.0.0/sampleproject-4.0.0.tar.gz/provenance">sampleproject-4.0.0.tar.gz</a><br />
<a href="../../files/sampleproject-3.0.0.tar.gz#sha256=117ed88e5db073bb92969a7545745fd977ee85b7019706dd256a64058f70963d" data-yanked>sampleproject-3.0.0.tar.gz</a>
<a href='rel/a&amp;b-1.0.zip' data-provenance='/integrity/a-b/1.0/a&amp;b-1.0.zip/provenance'>a&amp;b-1.0.zip</a>
</body></html>"#;
        let page = parse_html(body, &url()).unwrap();
        assert_eq!(page.format, PageFormat::Html);
        assert_eq!(page.api_version, ApiVersion { major: 1, minor: 4 });
        assert_eq!(page.files.len(), 3);
        assert_eq!(page.files[0].filename, "sampleproject-4.0.0.tar.gz");
        assert!(page.files[0].sha256.is_some());
        assert!(!page.files[0].yanked);
        assert!(page.files[1].yanked);
        assert_eq!(page.files[1].provenance, ProvenanceLink::None);
        assert_eq!(page.files[2].filename, "a&b-1.0.zip");
        assert_eq!(
            page.files[2].provenance,
            ProvenanceLink::Url("https://pypi.org/integrity/a-b/1.0/a&b-1.0.zip/provenance".into())
        );
    }

    #[test]
    fn reads_project_status_and_yank_reasons_in_both_forms() {
        use crate::evidence::ProjectMarker;
        let json = parse_json(
            br#"{"meta":{"api-version":"1.4"},"project-status":{"status":"archived","reason":"read\u001b[2J  only"},
                "files":[{"filename":"a-1.0.tar.gz","url":"u","hashes":{},"yanked":"broken\nbuild"},
                         {"filename":"a-1.1.tar.gz","url":"u","hashes":{},"yanked":true},
                         {"filename":"a-1.2.tar.gz","url":"u","hashes":{},"yanked":""}]}"#,
            &url(),
        )
        .unwrap();
        assert_eq!(json.status.status, ProjectMarker::Archived);
        assert_eq!(json.status.reason.as_deref(), Some("read [2J only"));
        assert_eq!(
            json.files
                .iter()
                .map(|f| (f.yanked, f.yank_reason.as_deref()))
                .collect::<Vec<_>>(),
            [(true, Some("broken build")), (true, None), (true, None)]
        );
        let html = parse_html(
            br#"<html><head><meta name="pypi:repository-version" content="1.4">
<meta name="pypi:project-status-reason" content="malware &amp; more">
<meta name="pypi:project-status" content="archived"><meta name="pypi:project-status" content="quarantined">
</head><body><a href="a-1.0.tar.gz" data-yanked="use 1.1">a</a><a href="a-1.1.tar.gz" data-yanked>a</a></body></html>"#,
            &url(),
        )
        .unwrap();
        assert_eq!(
            html.status.status,
            ProjectMarker::Quarantined,
            "read at its gravest"
        );
        assert_eq!(html.status.reason.as_deref(), Some("malware & more"));
        assert_eq!(html.files[0].yank_reason.as_deref(), Some("use 1.1"));
        assert_eq!(
            (html.files[1].yanked, html.files[1].yank_reason.as_deref()),
            (true, None)
        );
        // No marker is active; an unknown or unreadable one is kept, never read as active.
        assert!(parse_json(br#"{"files":[]}"#, &url())
            .unwrap()
            .status
            .is_active());
        let odd = parse_json(
            br#"{"project-status":{"status":"frozen"},"files":[]}"#,
            &url(),
        )
        .unwrap();
        assert_eq!(odd.status.status, ProjectMarker::Other("frozen".into()));
        let bad = parse_json(br#"{"project-status":"quarantined","files":[]}"#, &url()).unwrap();
        assert!(
            matches!(bad.status.status, ProjectMarker::Other(_)),
            "{:?}",
            bad.status
        );
    }

    #[test]
    fn html_without_repository_version_is_1_0() {
        let page = parse_html(b"<a href=\"x-1.0.tar.gz\">x-1.0.tar.gz</a>", &url()).unwrap();
        assert_eq!(page.api_version, ApiVersion::IMPLICIT);
        assert_eq!(page.files[0].sha256, None);
    }

    #[test]
    fn refuses_non_http_provenance_links() {
        let body = br#"{"meta":{"api-version":"1.3"},"files":[
            {"filename":"a-1.0.tar.gz","url":"u","hashes":{},"provenance":"file:///etc/passwd"},
            {"filename":"a-1.1.tar.gz","url":"u","hashes":{},"provenance":42}]}"#;
        let page = parse_json(body, &url()).unwrap();
        assert!(matches!(
            page.files[0].provenance,
            ProvenanceLink::Unusable(_)
        ));
        assert!(matches!(
            page.files[1].provenance,
            ProvenanceLink::Unusable(_)
        ));
    }

    #[test]
    fn content_types_select_the_parser() {
        assert_eq!(
            page_format("application/vnd.pypi.simple.v1+json"),
            Some(PageFormat::Json)
        );
        assert_eq!(
            page_format("text/html; charset=utf-8"),
            Some(PageFormat::Html)
        );
        assert_eq!(page_format("text/plain"), None);
    }

    #[test]
    fn finds_versions_in_filenames() {
        assert_eq!(
            filename_version("requests-2.32.3-py3-none-any.whl", "requests"),
            Some("2.32.3")
        );
        assert_eq!(
            filename_version("zope.interface-6.0.tar.gz", "zope-interface"),
            Some("6.0")
        );
        assert_eq!(
            filename_version("foo-bar-1.0-2.tar.gz", "foo-bar"),
            Some("1.0-2")
        );
        assert_eq!(filename_version("Foo_Bar-1.0.zip", "foo-bar"), Some("1.0"));
        assert_eq!(filename_version("foo-1.0-py2.7.egg", "foo"), Some("1.0"));
        assert_eq!(filename_version("foo-1.0.tar.gz", "bar"), None);
        assert_eq!(filename_version("foo-1.0.exe", "foo"), None);
    }

    #[test]
    fn groups_releases_and_matches_versions() {
        let body = br#"{"meta":{"api-version":"1.4"},"files":[
            {"filename":"a-1.0.tar.gz","url":"u","hashes":{}},
            {"filename":"a-1.0-py3-none-any.whl","url":"u","hashes":{}},
            {"filename":"a-1.1rc1.tar.gz","url":"u","hashes":{}},
            {"filename":"a-weird.tar.gz","url":"u","hashes":{}},
            {"filename":"a-2.0.0.tar.gz","url":"u","hashes":{}}]}"#;
        let page = parse_json(body, &url()).unwrap();
        let releases = page.releases("a");
        assert_eq!(releases.len(), 3);
        assert_eq!(
            page.release_files("a", &VersionMatcher::new("1.0.0")).len(),
            2
        );
        assert_eq!(page.release_files("a", &VersionMatcher::new("2")).len(), 1);
        assert_eq!(
            page.release_files("a", &VersionMatcher::new("1.1-RC1"))
                .len(),
            1
        );
        assert_eq!(
            page.release_files("a", &VersionMatcher::new("WEIRD")).len(),
            1
        );
        assert_eq!(
            page.release_files("a", &VersionMatcher::new("3.0")).len(),
            0
        );
    }
}
