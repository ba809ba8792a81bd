//! Bytes to text for every reader: bounded reads, decoding (BOM, UTF-16, invalid UTF-8 with
//! the line it happens on), byte offset → line numbers, and small value helpers shared by
//! the readers (hashes, URL filenames, PyPI detection).

use std::path::Path;

use super::{Location, LockError, MAX_LOCKFILE_BYTES};

/// Reads a whole lockfile (or include) that must lie inside `root` (see
/// [`crate::input`]): a regular file, not on a pseudo-filesystem, not reached through a
/// symlink out of the tree, and refused over [`MAX_LOCKFILE_BYTES`] before being read all.
pub(super) fn read_limited(path: &Path, root: &Path) -> Result<Vec<u8>, LockError> {
    use crate::input::InputError;
    crate::input::read(path, root, MAX_LOCKFILE_BYTES).map_err(|e| match e {
        InputError::Io(source) => LockError::Io {
            path: path.to_path_buf(),
            source,
        },
        InputError::Directory => LockError::Invalid {
            path: path.to_path_buf(),
            message: "is a directory, not a lockfile: pass the lockfile inside it".into(),
        },
        InputError::TooLarge(len) => too_large(path, len),
        other => LockError::Invalid {
            path: path.to_path_buf(),
            message: other.to_string(),
        },
    })
}

fn too_large(path: &Path, len: u64) -> LockError {
    LockError::Invalid {
        path: path.to_path_buf(),
        message: format!(
            "is {len} bytes, over the {} MiB limit for lockfiles: check that this is the right file",
            MAX_LOCKFILE_BYTES / (1024 * 1024)
        ),
    }
}

/// Decodes a lockfile: UTF-8 (a BOM is dropped). Requirements files are decoded the way pip
/// decodes them (byte order marks, PEP 263 coding lines, Python's codecs; see
/// `requirements/decode.rs`).
pub(super) fn decode(path: &Path, bytes: &[u8], pip_rules: bool) -> Result<String, LockError> {
    if pip_rules {
        return super::requirements::decode::decode(bytes).map_err(|err| LockError::Syntax {
            location: Location {
                path: path.to_path_buf(),
                line: err.line,
            },
            message: format!("cannot decode this requirements file: it {}", err.message),
            excerpt: None,
        });
    }
    utf8(path, bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes))
}

fn utf8(path: &Path, bytes: &[u8]) -> Result<String, LockError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_string()),
        Err(err) => {
            let offset = err.valid_up_to();
            let line = 1 + bytes[..offset].iter().filter(|&&b| b == b'\n').count();
            Err(LockError::Syntax {
                location: Location {
                    path: path.to_path_buf(),
                    line: clamp_line(line),
                },
                message: format!(
                    "invalid UTF-8 at byte {offset}: a lockfile must be UTF-8 text (is this a binary or truncated file?)"
                ),
                excerpt: None,
            })
        }
    }
}

/// Byte offset → 1-based line number, in O(log n) after one pass over the text.
pub(super) struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    pub(super) fn new(text: &str) -> Self {
        let mut starts = Vec::with_capacity(text.len() / 40 + 1);
        starts.push(0);
        starts.extend(memchr::memchr_iter(b'\n', text.as_bytes()).map(|at| at + 1));
        LineIndex { starts }
    }

    pub(super) fn line(&self, offset: usize) -> u32 {
        let line = match self.starts.binary_search(&offset) {
            Ok(i) => i + 1,
            Err(i) => i,
        };
        clamp_line(line)
    }
}

fn clamp_line(line: usize) -> u32 {
    u32::try_from(line).unwrap_or(u32::MAX)
}

/// Checks a bare sha256 hex digest and lowercases it.
pub(super) fn sha256_hex(digest: &str) -> Result<String, String> {
    // no early exit: the check vectorizes
    let lowercase_hex = digest.bytes().fold(true, |ok, b| {
        ok & (b.is_ascii_digit() | (b'a'..=b'f').contains(&b))
    });
    if digest.len() == 64 && lowercase_hex {
        Ok(digest.to_string())
    } else if digest.len() == 64 && digest.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(digest.to_ascii_lowercase())
    } else {
        Err(format!("sha256 `{digest}` is not 64 hexadecimal digits"))
    }
}

/// The last path segment of a URL or path (query and fragment dropped, `%XX` decoded): the
/// distribution filename for index and direct-URL artifacts.
pub(super) fn file_name_of(url: &str) -> String {
    let end = memchr::memchr2(b'?', b'#', url.as_bytes()).unwrap_or(url.len());
    let path = url[..end].trim_end_matches('/');
    let start = memchr::memrchr2(b'/', b'\\', path.as_bytes()).map_or(0, |at| at + 1);
    crate::url::percent_decode(&path[start..])
}

/// Whether `text` starts with a URL scheme (`https:`, `git+ssh:`, `file:` …) rather than
/// being a path. A Windows drive letter (`C:\`) is a path.
pub(super) fn has_scheme(text: &str) -> bool {
    let Some(colon) = text.find(':') else {
        return false;
    };
    let scheme = &text[..colon];
    scheme.len() > 1
        && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
}

/// The host of an absolute URL, lowercased, without userinfo or port.
pub(super) fn host_of(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host = authority.rsplit('@').next().unwrap_or(authority);
    let host = host.split(':').next().unwrap_or(host);
    (!host.is_empty()).then(|| host.to_ascii_lowercase())
}

/// `host[:port]` of an absolute URL, lowercased, without userinfo: what pipenv passes to pip
/// as `--trusted-host` for a source with `verify_ssl = false`.
pub(super) fn host_and_port_of(url: &str) -> Option<String> {
    let rest = &url[url.find("://")? + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit('@').next().unwrap_or(authority);
    (!host_port.is_empty()).then(|| host_port.to_ascii_lowercase())
}

/// Whether an index URL is PyPI's simple index (`https://pypi.org/simple`, with or without
/// a trailing slash, or the legacy `pypi.python.org` host).
pub fn is_pypi_index(url: &str) -> bool {
    crate::url::is_pypi_index(url)
}

/// Index URL for files whose lockfile does not name the index (pylock without `index`, pdm):
/// PyPI when every file is on PyPI's file host (or no file has a URL), else the scheme and
/// host of the first foreign file, which is not PyPI and so is reported as another index.
pub(super) fn index_from_file_urls<'a>(urls: impl IntoIterator<Item = &'a str>) -> String {
    for url in urls {
        match host_of(url) {
            Some(host) if host == "files.pythonhosted.org" => {}
            Some(host) => {
                let scheme = url.split("://").next().unwrap_or("https");
                return format!("{scheme}://{host}");
            }
            None => {}
        }
    }
    super::PYPI_SIMPLE.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_of_offsets() {
        let index = LineIndex::new("a\nbc\n\nd");
        assert_eq!(index.line(0), 1);
        assert_eq!(index.line(1), 1);
        assert_eq!(index.line(2), 2);
        assert_eq!(index.line(5), 3);
        assert_eq!(index.line(6), 4);
        assert_eq!(index.line(100), 4);
    }

    #[test]
    fn decodes_bom_utf16_and_reports_bad_utf8_line() {
        let path = Path::new("r.txt");
        assert_eq!(decode(path, b"\xEF\xBB\xBFa==1\n", true).unwrap(), "a==1\n");
        let utf16: Vec<u8> = [0xFF, 0xFE]
            .into_iter()
            .chain("a==1".encode_utf16().flat_map(u16::to_le_bytes))
            .collect();
        assert_eq!(decode(path, &utf16, true).unwrap(), "a==1");
        // UTF-16 is only for requirements files
        assert!(decode(path, &utf16, false).is_err());
        let err = decode(path, b"a==1\nb==2\n\xFF\n", true).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "r.txt:3: cannot decode this requirements file: it is not valid UTF-8"
            ),
            "{err}"
        );
        let err = decode(path, b"a==1\nb==2\n\xFF\n", false).unwrap_err();
        assert!(
            err.to_string().starts_with("r.txt:3: invalid UTF-8"),
            "{err}"
        );
        assert_eq!(
            decode(path, b"# -*- coding: latin-1 -*-\n# caf\xE9\n", true).unwrap(),
            "# -*- coding: latin-1 -*-\n# caf\u{e9}\n"
        );
    }

    #[test]
    fn file_names_and_hosts() {
        assert_eq!(
            file_name_of("https://h/p/a-1.0%2Bcu1-py3-none-any.whl#sha256=x"),
            "a-1.0+cu1-py3-none-any.whl"
        );
        assert_eq!(file_name_of("../wheels/a-1.0.tar.gz"), "a-1.0.tar.gz");
        assert_eq!(file_name_of("100%"), "100%");
        assert_eq!(
            host_of("https://u:p@Files.Example:8080/x"),
            Some("files.example".into())
        );
        assert!(is_pypi_index("https://pypi.org/simple/"));
        assert!(is_pypi_index("https://pypi.org/simple"));
        assert!(!is_pypi_index("https://pypi.org/simple/extra"));
        assert!(!is_pypi_index("http://pypi.org/simple"));
        assert!(!is_pypi_index("https://download.pytorch.org/whl/cpu"));
        assert!(has_scheme("git+https://x"));
        assert!(!has_scheme("C:\\x"));
        assert!(!has_scheme("./a:b"));
    }
}
