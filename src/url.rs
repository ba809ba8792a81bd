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

#[cfg(test)]
mod tests {
    use super::*;

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
