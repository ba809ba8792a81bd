//! Vendored index data: the directory `pubgate fetch --into DIR` writes and
//! `--provenance-dir DIR` reads. It maps each URL pubgate asked to a file named after the
//! URL's host and path, so it can be browsed, diffed and committed:
//!
//! ```text
//! DIR/pypi.org/simple/requests/index.json                          a PEP 691 project page
//! DIR/pypi.org/simple/requests/index.html                          (an HTML-only index)
//! DIR/pypi.org/simple/no-such-project/not-found                    the index said 404
//! DIR/pypi.org/integrity/requests/2.32.3/requests-2.32.3.tar.gz.provenance      provenance
//! DIR/pypi.org/integrity/requests/2.32.3/requests-2.32.3.tar.gz.no-provenance   404 answer
//! ```
//!
//! A non-default port becomes part of the host directory (`127.0.0.1_8080`). Credentials
//! never reach a path: only the host is used.

use std::path::{Path, PathBuf};

use bytes::Bytes;
use reqwest::Url;

use crate::evidence::FetchFailure;

use super::simple::JSON_MEDIA_TYPE;

mod beneath;

/// The content type recorded for vendored provenance objects.
pub const PROVENANCE_MEDIA_TYPE: &str = "application/vnd.pypi.integrity.v1+json";

/// The largest vendored file read (the page limit's default): the directory sits in the
/// repository under review, so its files are untrusted input.
const MAX_VENDORED_BYTES: u64 = 64 * 1024 * 1024;

/// A stored answer: status, content type and body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stored {
    pub status: u16,
    pub content_type: String,
    pub body: Bytes,
}

/// A vendor directory.
#[derive(Debug, Clone)]
pub struct VendorDir {
    root: PathBuf,
}

const README: &str = "\
This directory was written by `pubgate fetch`: the project pages and PEP 740 provenance
a `pubgate check --offline --provenance-dir <this directory>` needs, one file per URL,
under <index host>/<URL path>. Provenance is re-verified on every check; the pages decide
which files a release has. See docs/index-and-cache.md in the pubgate repository.
";

impl VendorDir {
    pub fn new(root: impl Into<PathBuf>) -> VendorDir {
        VendorDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The directory a project page URL maps to.
    pub fn page_dir(&self, url: &Url) -> Option<PathBuf> {
        Some(self.root.join(relative_path(url, false)?))
    }

    /// The path, without the `.provenance`/`.no-provenance` suffix, a provenance URL maps to.
    pub fn provenance_base(&self, url: &Url) -> Option<PathBuf> {
        Some(self.root.join(relative_path(url, true)?))
    }

    /// A vendored file: a regular file inside the directory (a symlink out of it, to
    /// `/proc` or to a FIFO is not read), bounded. Anything else counts as not vendored.
    fn read_file(&self, path: &Path) -> Option<Bytes> {
        crate::input::read(path, &self.root, MAX_VENDORED_BYTES)
            .ok()
            .map(Bytes::from)
    }

    /// Reads a vendored project page. `pubgate fetch` writes one form per page: a
    /// directory holding two (a JSON and an HTML page that may list different files, or a
    /// page and a "not found") was edited by hand, and which one counts cannot be known.
    pub fn read_page(&self, url: &Url) -> Option<Result<Stored, FetchFailure>> {
        let dir = self.page_dir(url)?;
        let mut found: Vec<(&str, Stored)> = Vec::new();
        for form in PAGE_FORMS {
            let path = dir.join(form);
            if let Some(body) = self.read_file(&path) {
                let (status, content_type) = match form {
                    "index.json" => (200, JSON_MEDIA_TYPE),
                    "index.html" => (200, "text/html"),
                    _ => (404, "text/plain"),
                };
                found.push((
                    form,
                    Stored {
                        status,
                        content_type: content_type.into(),
                        body,
                    },
                ));
            }
        }
        match found.len() {
            0 => None,
            1 => found.pop().map(|(_, stored)| Ok(stored)),
            _ => Some(Err(FetchFailure::VendoredTwice {
                dir,
                forms: found.iter().map(|(form, _)| form.to_string()).collect(),
            })),
        }
    }

    /// Reads vendored provenance (or the vendored 404 answer).
    pub fn read_provenance(&self, url: &Url) -> Option<Stored> {
        let base = self.provenance_base(url)?;
        if let Some(body) = self.read_file(&with_suffix(&base, ".provenance")) {
            return Some(Stored {
                status: 200,
                content_type: PROVENANCE_MEDIA_TYPE.into(),
                body,
            });
        }
        if let Some(body) = self.read_file(&with_suffix(&base, ".no-provenance")) {
            return Some(Stored {
                status: 404,
                content_type: "application/json".into(),
                body,
            });
        }
        None
    }

    /// Writes a project page answer (200 JSON or HTML, or 404). Nothing is written through
    /// a symlink, anywhere at or below the directory ([`beneath`]).
    pub fn write_page(&self, url: &Url, stored: &Stored) -> std::io::Result<()> {
        let dir = relative_path(url, false).ok_or_else(|| unmappable(url))?;
        let name = match (
            stored.status,
            super::simple::page_format(&stored.content_type),
        ) {
            (200, Some(super::simple::PageFormat::Json)) => "index.json",
            (200, Some(super::simple::PageFormat::Html)) => "index.html",
            (404 | 410, _) => "not-found",
            _ => return Ok(()),
        };
        self.write_readme()?;
        // One answer per page: drop the other forms a previous fetch may have left.
        for other in PAGE_FORMS {
            if other != name {
                beneath::remove(&self.root, &dir.join(other))?;
            }
        }
        beneath::write(&self.root, &dir.join(name), &stored.body)
    }

    /// Writes a provenance answer (200 or 404), never through a symlink.
    pub fn write_provenance(&self, url: &Url, stored: &Stored) -> std::io::Result<()> {
        let base = relative_path(url, true).ok_or_else(|| unmappable(url))?;
        let (name, other) = match stored.status {
            200 => (".provenance", ".no-provenance"),
            404 => (".no-provenance", ".provenance"),
            _ => return Ok(()),
        };
        self.write_readme()?;
        beneath::remove(&self.root, &with_suffix(&base, other))?;
        beneath::write(&self.root, &with_suffix(&base, name), &stored.body)
    }

    fn write_readme(&self) -> std::io::Result<()> {
        let readme = Path::new("README.txt");
        if !beneath::exists(&self.root, readme)? {
            beneath::write(&self.root, readme, README.as_bytes())?;
        }
        Ok(())
    }
}

/// The files a project page may be vendored as; a directory holds one of them.
const PAGE_FORMS: [&str; 3] = ["index.json", "index.html", "not-found"];

fn unmappable(url: &Url) -> std::io::Error {
    std::io::Error::other(format!("`{url}` cannot be mapped to a file name"))
}

fn with_suffix(base: &Path, suffix: &str) -> PathBuf {
    let mut name = base.as_os_str().to_os_string();
    name.push(suffix);
    PathBuf::from(name)
}

/// `host[_port]/seg/seg…`, each segment made safe; for provenance URLs a final
/// `provenance` segment is dropped (the suffix names the kind instead).
fn relative_path(url: &Url, provenance: bool) -> Option<PathBuf> {
    let host = url.host_str()?;
    let mut path = PathBuf::from(match url.port() {
        Some(port) => format!("{}_{port}", safe_segment(host)?),
        None => safe_segment(host)?,
    });
    let mut segments: Vec<&str> = url
        .path_segments()
        .map(|s| s.filter(|s| !s.is_empty()).collect())
        .unwrap_or_default();
    if provenance && segments.len() > 1 && segments.last() == Some(&"provenance") {
        segments.pop();
    }
    if provenance && segments.is_empty() {
        return None;
    }
    let last = segments.len().saturating_sub(1);
    for (i, segment) in segments.iter().enumerate() {
        let mut segment = safe_segment(segment)?;
        if i == last {
            if let Some(query) = url.query() {
                segment.push_str("%3F");
                segment.push_str(&encode(query));
            }
        }
        path.push(segment);
    }
    Some(path)
}

/// A path segment that cannot climb out of the directory or hide: `.` and `..` are
/// refused and anything outside a conservative character set is `%XX`-escaped.
fn safe_segment(segment: &str) -> Option<String> {
    if segment == "." || segment == ".." {
        return None;
    }
    let encoded = encode(segment);
    // A leading dot would hide the file and collide with our temporary files.
    Some(match encoded.strip_prefix('.') {
        Some(rest) => format!("%2E{rest}"),
        None => encoded,
    })
}

fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"._-+!~,=@%".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn maps_urls_to_browsable_paths() {
        let dir = VendorDir::new("/v");
        let page = Url::parse("https://pypi.org/simple/requests/").unwrap();
        assert_eq!(
            dir.page_dir(&page).unwrap(),
            PathBuf::from("/v/pypi.org/simple/requests")
        );
        let prov = Url::parse(
            "https://pypi.org/integrity/requests/2.32.3/requests-2.32.3.tar.gz/provenance",
        )
        .unwrap();
        assert_eq!(
            dir.provenance_base(&prov).unwrap(),
            PathBuf::from("/v/pypi.org/integrity/requests/2.32.3/requests-2.32.3.tar.gz")
        );
        let local = Url::parse("http://127.0.0.1:8080/root/+simple/a/").unwrap();
        assert_eq!(
            dir.page_dir(&local).unwrap(),
            PathBuf::from("/v/127.0.0.1_8080/root/+simple/a")
        );
    }

    #[test]
    fn never_escapes_the_directory() {
        let dir = VendorDir::new("/v");
        // The URL parser already resolves dot segments; encoded ones are escaped.
        let url = Url::parse("https://h/simple/%2e%2e/x/").unwrap();
        let path = dir.page_dir(&url).unwrap();
        assert!(path.starts_with("/v/h"));
        assert!(path.components().all(|c| c.as_os_str() != ".."));
        let url = Url::parse("https://h/a/.hidden/?q=1/2").unwrap();
        let path = dir.page_dir(&url).unwrap();
        assert_eq!(path, PathBuf::from("/v/h/a/%2Ehidden%3Fq=1%2F2"));
    }

    #[test]
    fn round_trips_answers() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = VendorDir::new(tmp.path());
        let page = Url::parse("https://pypi.org/simple/a/").unwrap();
        let stored = Stored {
            status: 200,
            content_type: JSON_MEDIA_TYPE.into(),
            body: Bytes::from_static(b"{}"),
        };
        dir.write_page(&page, &stored).unwrap();
        assert_eq!(dir.read_page(&page).unwrap(), Ok(stored));
        let gone = Stored {
            status: 404,
            content_type: "text/plain".into(),
            body: Bytes::from_static(b"nope"),
        };
        dir.write_page(&page, &gone).unwrap();
        assert_eq!(dir.read_page(&page).unwrap().unwrap().status, 404);

        let prov = Url::parse("https://pypi.org/integrity/a/1.0/a-1.0.tar.gz/provenance").unwrap();
        assert_eq!(dir.read_provenance(&prov), None);
        let body = Stored {
            status: 200,
            content_type: PROVENANCE_MEDIA_TYPE.into(),
            body: Bytes::from_static(b"{\"version\":1}"),
        };
        dir.write_provenance(&prov, &body).unwrap();
        assert_eq!(dir.read_provenance(&prov).unwrap(), body);
        assert!(tmp
            .path()
            .join("pypi.org/integrity/a/1.0/a-1.0.tar.gz.provenance")
            .exists());
        assert!(tmp.path().join("README.txt").exists());
    }
}
