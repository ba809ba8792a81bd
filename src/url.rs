//! URLs that may carry credentials (`https://user:token@host/…`): kept whole for use,
//! redacted everywhere they are shown (Display, Debug, Serialize).

use std::fmt;

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
    let Ok(parsed) = reqwest::Url::parse(url.trim()) else {
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
    match reqwest::Url::parse(source) {
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
