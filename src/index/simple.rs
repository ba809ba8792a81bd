//! Project pages of the simple repository API: PEP 691 JSON and PEP 503 HTML, parsed into
//! one model ([`ProjectPage`]) with each file's sha256, yank state and provenance link.
//!
//! Parsing is lenient about what it does not need (unknown keys, odd attributes) and strict
//! about what it does: a page whose major API version is not 1, or whose JSON does not
//! parse, is refused as a whole.

use std::collections::BTreeMap;
use std::str::FromStr;

use pep440_rs::Version;
use reqwest::Url;
use serde_json::Value;

use crate::dist::normalize_name;

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
    pub filename: String,
    /// Lowercase hex sha256, when the index gives one.
    pub sha256: Option<String>,
    pub yanked: bool,
    pub provenance: ProvenanceLink,
}

/// A parsed project page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPage {
    pub format: PageFormat,
    /// The declared API version; [`ApiVersion::IMPLICIT`] when the page declares none.
    pub api_version: ApiVersion,
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

/// Which parser a `Content-Type` header selects.
pub fn page_format(content_type: &str) -> Option<PageFormat> {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
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
    hashes: Option<Value>,
    #[serde(default)]
    yanked: Option<Value>,
    #[serde(default)]
    provenance: Option<Value>,
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
        let Some(Value::String(filename)) = file.filename else {
            // A file without a name cannot be matched; skip it.
            continue;
        };
        let sha256 = file
            .hashes
            .as_ref()
            .and_then(|h| h.get("sha256"))
            .and_then(Value::as_str)
            .and_then(normalize_sha256);
        let yanked = match file.yanked {
            Some(Value::Bool(b)) => b,
            Some(Value::String(_)) => true,
            _ => false,
        };
        let provenance = match &file.provenance {
            None | Some(Value::Null) => ProvenanceLink::None,
            Some(Value::String(link)) => resolve_link(page_url, link),
            Some(other) => ProvenanceLink::Unusable(format!(
                "`provenance` is a JSON {} instead of a URL",
                json_kind(other)
            )),
        };
        out.push(IndexFile {
            filename,
            sha256,
            yanked,
            provenance,
        });
    }
    Ok(ProjectPage {
        format: PageFormat::Json,
        api_version,
        files: out,
    })
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

/// Resolves a provenance link against the page. Only links on a secure origin are followed,
/// as the simple API spec requires: `https`, or the page's own origin (an `http` index the
/// user named). So a hostile page cannot point pubgate at plain-http services elsewhere
/// (cloud metadata endpoints, hosts on the runner's network) nor downgrade the fetch.
fn resolve_link(page_url: &Url, link: &str) -> ProvenanceLink {
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

/// Parses a PEP 503 HTML project page (anchors, `data-*` attributes, the
/// `pypi:repository-version` meta tag).
pub fn parse_html(body: &[u8], page_url: &Url) -> Result<ProjectPage, PageError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| PageError::Malformed("the HTML page is not UTF-8".into()))?;
    let mut api_version = ApiVersion::IMPLICIT;
    let mut files = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        rest = &rest[start + 1..];
        let Some(end) = rest.find('>') else { break };
        let tag = &rest[..end];
        rest = &rest[end + 1..];
        let (name, attrs) = split_tag(tag);
        if name.eq_ignore_ascii_case("meta") {
            let attrs = parse_attributes(attrs);
            if attrs.get("name").map(String::as_str) == Some("pypi:repository-version") {
                if let Some(content) = attrs.get("content") {
                    let version = ApiVersion::parse(content)
                        .ok_or_else(|| PageError::UnsupportedVersion(content.clone()))?;
                    if version.major != 1 {
                        return Err(PageError::UnsupportedVersion(content.clone()));
                    }
                    api_version = version;
                }
            }
        } else if name.eq_ignore_ascii_case("a") {
            let attrs = parse_attributes(attrs);
            let close = find_ascii_ci(rest, "</a").unwrap_or(rest.len());
            let filename = decode_entities(strip_tags(&rest[..close]).trim());
            rest = &rest[close..];
            let Some(href) = attrs.get("href") else {
                continue;
            };
            let filename = if filename.is_empty() {
                // Fall back to the last path segment of the link.
                let path = href.split(['#', '?']).next().unwrap_or("");
                path.rsplit('/').next().unwrap_or("").to_string()
            } else {
                filename
            };
            if filename.is_empty() {
                continue;
            }
            let sha256 = href
                .split_once('#')
                .and_then(|(_, fragment)| fragment.strip_prefix("sha256="))
                .and_then(normalize_sha256);
            let provenance = match attrs.get("data-provenance") {
                Some(link) if !link.trim().is_empty() => resolve_link(page_url, link),
                _ => ProvenanceLink::None,
            };
            files.push(IndexFile {
                filename,
                sha256,
                yanked: attrs.contains_key("data-yanked"),
                provenance,
            });
        }
    }
    Ok(ProjectPage {
        format: PageFormat::Html,
        api_version,
        files,
    })
}

fn split_tag(tag: &str) -> (&str, &str) {
    let tag = tag.trim_end_matches('/');
    match tag.find(|c: char| c.is_ascii_whitespace()) {
        Some(i) => (&tag[..i], &tag[i..]),
        None => (tag, ""),
    }
}

fn find_ascii_ci(haystack: &str, needle: &str) -> Option<usize> {
    let needle = needle.as_bytes();
    haystack
        .as_bytes()
        .windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

fn strip_tags(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_tag = false;
    for c in text.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            _ if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Attributes of a tag: lowercase names, entity-decoded values; a bare attribute maps to `""`.
fn parse_attributes(mut text: &str) -> BTreeMap<String, String> {
    let mut attrs = BTreeMap::new();
    loop {
        text = text.trim_start();
        if text.is_empty() {
            break;
        }
        let name_end = text
            .find(|c: char| c.is_ascii_whitespace() || c == '=')
            .unwrap_or(text.len());
        let name = text[..name_end].to_ascii_lowercase();
        text = text[name_end..].trim_start();
        let value = if let Some(after) = text.strip_prefix('=') {
            let after = after.trim_start();
            let (value, remaining) = match after.chars().next() {
                Some(quote @ ('"' | '\'')) => {
                    let inner = &after[1..];
                    let end = inner.find(quote).unwrap_or(inner.len());
                    (&inner[..end], inner.get(end + 1..).unwrap_or(""))
                }
                _ => {
                    let end = after
                        .find(|c: char| c.is_ascii_whitespace())
                        .unwrap_or(after.len());
                    (&after[..end], &after[end..])
                }
            };
            text = remaining;
            decode_entities(value)
        } else {
            String::new()
        };
        if name.is_empty() {
            // A stray `=`: skip one character so the loop always advances.
            text = text.get(1..).unwrap_or("");
            continue;
        }
        attrs.entry(name).or_insert(value);
    }
    attrs
}

/// Decodes the HTML character references that appear in index pages.
fn decode_entities(text: &str) -> String {
    if !text.contains('&') {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&semi| semi <= 12).and_then(|semi| {
            let entity = &rest[1..semi];
            let c = match entity {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => entity
                    .strip_prefix("#x")
                    .or_else(|| entity.strip_prefix("#X"))
                    .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                    .or_else(|| entity.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, semi))
        });
        match decoded {
            Some((c, semi)) => {
                out.push(c);
                rest = &rest[semi + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
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
    for (i, c) in stem.char_indices() {
        if c == '-' && normalize_name(&stem[..i]) == project {
            let version = &stem[i + 1..];
            return (!version.is_empty()).then_some(version);
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
    /// The files of one release of `project` (normalized name).
    pub fn release_files<'a>(
        &'a self,
        project: &str,
        version: &VersionMatcher,
    ) -> Vec<&'a IndexFile> {
        self.files
            .iter()
            .filter(|f| filename_version(&f.filename, project).is_some_and(|v| version.matches(v)))
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
        assert_eq!(page.files.len(), 2);
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

    #[test]
    fn decodes_entities() {
        assert_eq!(
            decode_entities("a&amp;b&#60;&#x3e;&bogus;&"),
            "a&b<>&bogus;&"
        );
    }
}
