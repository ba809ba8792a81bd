//! URLs that may carry credentials (`https://user:token@host/…`): kept whole for use,
//! redacted everywhere they are shown (Display, Debug, Serialize) — [`SecretUrl`]; and URLs
//! with their credentials taken off, safe to show and to key by — [`CleanUrl`].

use std::fmt;
use std::ops::Deref;

use reqwest::Url;

use serde::{Serialize, Serializer};

/// A URL as a lockfile or the command line gave it. Its userinfo is never shown:
/// `https://user:token@host/simple` displays as `https://****@host/simple`.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct SecretUrl(String);

impl SecretUrl {
    pub fn new(url: impl Into<String>) -> Self {
        SecretUrl(url.into())
    }

    /// The full URL, credentials included: only for making requests.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with any userinfo replaced by `****`.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }

    /// Whether the URL carries userinfo.
    pub fn has_credentials(&self) -> bool {
        userinfo_span(&self.0).is_some()
    }
}

impl From<&str> for SecretUrl {
    fn from(s: &str) -> Self {
        SecretUrl::new(s)
    }
}

impl fmt::Display for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl fmt::Debug for SecretUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretUrl({:?})", self.redacted())
    }
}

impl Serialize for SecretUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.redacted())
    }
}

/// A user name and optional password taken from a URL's userinfo (percent-decoded).
pub type UserInfo = (String, Option<String>);

/// A parsed URL without userinfo: what evidence, messages, cache keys and vendored paths
/// name. It can only be built by taking the credentials off, so it never carries any.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct CleanUrl(Url);

/// A URL that does not parse; shown redacted.
#[derive(Debug, Clone, PartialEq, Eq, Hash, thiserror::Error)]
#[error("`{shown}` is not a valid URL: {message}")]
pub struct InvalidUrl {
    /// The text as given, credentials redacted.
    pub shown: String,
    pub message: String,
}

impl CleanUrl {
    /// Parses `text` and takes its credentials off, returning them (for making requests).
    pub fn split(text: &str) -> Result<(CleanUrl, Option<UserInfo>), InvalidUrl> {
        let parsed = Url::parse(text).map_err(|e| InvalidUrl {
            shown: redact(text),
            message: e.to_string(),
        })?;
        let user = percent_decode(parsed.username());
        let password = parsed.password().map(percent_decode);
        let credentials = (!user.is_empty() || password.is_some()).then_some((user, password));
        Ok((CleanUrl::from_url(parsed), credentials))
    }

    /// Parses `text`, dropping its credentials.
    pub fn parse(text: &str) -> Result<CleanUrl, InvalidUrl> {
        CleanUrl::split(text).map(|(url, _)| url)
    }

    /// `url` without its userinfo.
    pub fn from_url(mut url: Url) -> CleanUrl {
        // Cannot fail for URLs with a host, which are the only ones that carry userinfo.
        let _ = url.set_username("");
        let _ = url.set_password(None);
        CleanUrl(url)
    }

    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    pub fn as_url(&self) -> &Url {
        &self.0
    }

    /// The URL without a trailing `/`, as messages name an index (`https://pypi.org/simple`).
    pub fn trimmed(&self) -> &str {
        self.0.as_str().trim_end_matches('/')
    }

    /// The URL with every path segment that names `file` (percent-decoded, in any ASCII
    /// case) shown as `…`: how a cause reads when it stands for every file that failed the
    /// same way. The case is ignored because a lockfile may name a file in another case than
    /// the index whose URL names it, and that must not split one cause into many.
    pub fn with_file_elided(&self, file: &str) -> String {
        let text = self.0.as_str();
        let path = self.0.path();
        // `as_str` is everything before the path, the path, then `?query` and `#fragment`.
        let tail = self.0.query().map_or(0, |q| q.len() + 1)
            + self.0.fragment().map_or(0, |f| f.len() + 1);
        let path_start = text.len() - tail - path.len();
        let mut out = String::with_capacity(text.len());
        out.push_str(&text[..path_start]);
        for (i, segment) in path.split('/').enumerate() {
            if i > 0 {
                out.push('/');
            }
            if !file.is_empty() && percent_decode(segment).eq_ignore_ascii_case(file) {
                out.push('…');
            } else {
                out.push_str(segment);
            }
        }
        out.push_str(&text[text.len() - tail..]);
        out
    }
}

impl Deref for CleanUrl {
    type Target = Url;

    fn deref(&self) -> &Url {
        &self.0
    }
}

impl fmt::Display for CleanUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.0.as_str())
    }
}

impl fmt::Debug for CleanUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CleanUrl({:?})", self.0.as_str())
    }
}

impl Serialize for CleanUrl {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.0.as_str())
    }
}

/// The URL with its userinfo removed (not `****`) and no trailing `/`: for messages and
/// keys. Text that is not a URL is redacted instead.
pub fn strip_credentials(url: &str) -> String {
    match CleanUrl::parse(url) {
        Ok(clean) => clean.trimmed().to_string(),
        Err(_) => redact(url),
    }
}

/// Decodes `%XX` escapes (userinfo and path segments are percent-encoded inside URLs), as
/// Python's `urllib.parse.unquote` does: exactly two hex digits (`%+F` stays as written),
/// invalid UTF-8 replaced. The one decoder every stage uses.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    if memchr::memchr(b'%', bytes).is_none() {
        return text.to_string();
    }
    let digit = |b: u8| char::from(b).to_digit(16);
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(high), Some(low)) = (digit(bytes[i + 1]), digit(bytes[i + 2])) {
                out.push((high * 16 + low) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Byte range of the userinfo (`user:token`) in `url`, without the `@`.
fn userinfo_span(url: &str) -> Option<(usize, usize)> {
    let scheme_end = url.find("://")? + 3;
    let rest = &url[scheme_end..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest[..authority_end].rfind('@')?;
    Some((scheme_end, scheme_end + at))
}

/// `url` with any userinfo replaced by `****`. Text that is not a URL is returned as is.
pub fn redact(url: &str) -> String {
    match userinfo_span(url) {
        Some((start, end)) => format!("{}****{}", &url[..start], &url[end..]),
        None => url.to_string(),
    }
}

/// Whether `url` is PyPI's simple API: `https`, host `pypi.org` (or the legacy
/// `pypi.python.org`, `www.pypi.org`), default port, path `/simple` with or without a
/// trailing slash, no query or fragment. Credentials do not change where a request goes, so
/// they do not matter; `https://pypi.org@evil.example/simple` is `evil.example`.
/// The one test for "is this PyPI?" every stage uses.
pub fn is_pypi_index(url: &str) -> bool {
    let Ok(parsed) = Url::parse(url.trim()) else {
        return false;
    };
    parsed.scheme() == "https"
        && matches!(
            parsed.host_str(),
            Some("pypi.org" | "pypi.python.org" | "www.pypi.org")
        )
        && parsed.port().is_none()
        && parsed.path().trim_end_matches('/') == "/simple"
        && parsed.query().is_none()
        && parsed.fragment().is_none()
}

/// A key under which two spellings of one package source compare equal: URLs lose their
/// userinfo, scheme and host are lowercased (by the URL parser), a default port and a
/// trailing `/` are dropped. Anything that is not an absolute URL (a local directory, a bare
/// host) is compared as written, without a trailing `/`.
pub fn source_key(source: &str) -> String {
    let source = source.trim();
    match Url::parse(source) {
        Ok(mut parsed) if parsed.has_host() => {
            let _ = parsed.set_username("");
            let _ = parsed.set_password(None);
            parsed.set_fragment(None);
            parsed.as_str().trim_end_matches('/').to_string()
        }
        _ => source.trim_end_matches('/').to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_decoding_takes_exactly_two_hex_digits() {
        assert_eq!(percent_decode("a%2Fb%2fc"), "a/b/c");
        assert_eq!(percent_decode("%+F%G0%4"), "%+F%G0%4");
        assert_eq!(percent_decode("x%41"), "xA");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }

    #[test]
    fn recognizes_pypi_index_urls() {
        for yes in [
            "https://pypi.org/simple",
            "https://pypi.org/simple/",
            "https://PyPI.org/simple",
            "https://pypi.python.org/simple/",
            "https://user:pw@pypi.org/simple",
            "https://pypi.org:443/simple",
        ] {
            assert!(is_pypi_index(yes), "{yes}");
        }
        for no in [
            "https://test.pypi.org/simple",
            "https://pypi.org.evil.com/simple",
            "https://pypi.org@evil.com/simple",
            "http://pypi.org/simple",
            "https://pypi.org:8443/simple",
            "https://pypi.org/simple/extra",
            "https://pypi.org/simple?x=1",
            "https://download.pytorch.org/whl/cpu",
            "pypi.org/simple",
        ] {
            assert!(!is_pypi_index(no), "{no}");
        }
    }

    #[test]
    fn source_keys_ignore_credentials_case_and_trailing_slashes() {
        assert_eq!(
            source_key("https://user:tok@Pkgs.Example.COM:443/simple/"),
            "https://pkgs.example.com/simple"
        );
        assert_eq!(source_key("../wheels/"), "../wheels");
        assert_ne!(
            source_key("https://pkgs.example.com/simple"),
            source_key("http://pkgs.example.com/simple")
        );
    }

    #[test]
    fn redacts_userinfo_everywhere_it_is_shown() {
        let url = SecretUrl::new("https://user:s3cr3t@pypi.example.com/simple");
        assert_eq!(url.to_string(), "https://****@pypi.example.com/simple");
        assert!(!format!("{url:?}").contains("s3cr3t"));
        assert_eq!(
            serde_json::to_string(&url).unwrap(),
            "\"https://****@pypi.example.com/simple\""
        );
        assert_eq!(url.expose(), "https://user:s3cr3t@pypi.example.com/simple");
        assert!(url.has_credentials());
    }

    #[test]
    fn clean_urls_never_carry_credentials() {
        let (url, credentials) =
            CleanUrl::split("https://us%40er:to%3Aken@host.example/simple/").unwrap();
        assert_eq!(url.as_str(), "https://host.example/simple/");
        assert_eq!(url.trimmed(), "https://host.example/simple");
        assert_eq!(credentials, Some(("us@er".into(), Some("to:ken".into()))));
        let (url, credentials) = CleanUrl::split("http://127.0.0.1:8080/simple").unwrap();
        assert_eq!(url.as_str(), "http://127.0.0.1:8080/simple");
        assert_eq!(credentials, None);
        let error = CleanUrl::split("https://user:secret@bad host/simple").unwrap_err();
        assert!(!error.to_string().contains("secret"), "{error}");
        assert_eq!(
            strip_credentials("https://u:secret@h.example/simple/"),
            "https://h.example/simple"
        );
    }

    #[test]
    fn elides_the_path_segments_naming_a_file() {
        let url = CleanUrl::parse(
            "https://pypi.org/integrity/a/1.0+local/a-1.0+local.tar.gz/provenance?x=a-1.0+local.tar.gz",
        )
        .unwrap();
        assert_eq!(
            url.with_file_elided("a-1.0+local.tar.gz"),
            "https://pypi.org/integrity/a/1.0+local/…/provenance?x=a-1.0+local.tar.gz"
        );
        // A segment is compared decoded, and only whole segments are elided.
        let url = CleanUrl::parse("https://h.example/f/a%20b.whl/a b.whl.sig").unwrap();
        assert_eq!(
            url.with_file_elided("a b.whl"),
            "https://h.example/f/…/a%20b.whl.sig"
        );
        assert_eq!(url.with_file_elided(""), url.as_str());
        // A lockfile naming the file in another case than the index still elides it.
        let index_case = CleanUrl::parse("https://h/p/Flaky-1.0.tar.gz/provenance").unwrap();
        assert_eq!(
            index_case.with_file_elided("flaky-1.0.tar.gz"),
            "https://h/p/…/provenance"
        );
    }

    #[test]
    fn leaves_plain_urls_and_at_signs_in_paths_alone() {
        assert_eq!(redact("https://pypi.org/simple"), "https://pypi.org/simple");
        assert_eq!(
            redact("git+https://github.com/o/r.git@v1.0"),
            "git+https://github.com/o/r.git@v1.0"
        );
        assert_eq!(
            redact("git+https://tok@github.com/o/r.git@v1"),
            "git+https://****@github.com/o/r.git@v1"
        );
        assert_eq!(redact("not a url"), "not a url");
    }
}
