//! Artifact URLs as evidence: the installer downloads a locked file from the URL the
//! lockfile records (uv.lock, pylock.toml, pdm.lock with `static_urls`), not from where the
//! index lists it. When the two differ, the file examined on the index and the file
//! installed are the same bytes only if a locked hash binds them; the evaluator reports the
//! rest (`foreign-artifact-url`).

use reqwest::Url;

use crate::evidence::ForeignUrl;
use crate::index::simple::IndexFile;
use crate::url::SecretUrl;

/// The locked URL, when it is not the index's URL for `file`. URLs are compared parsed
/// (scheme and host case, default ports, dot segments normalized), without fragments (hashes,
/// `#egg=`) and without credentials (a lockfile may carry a token the page does not).
pub(super) fn foreign_url(locked: Option<&SecretUrl>, file: &IndexFile) -> Option<ForeignUrl> {
    let locked = locked?;
    let ours = comparable(locked.expose());
    let theirs = file.url.as_deref().and_then(comparable);
    if ours.is_some() && ours == theirs {
        return None;
    }
    Some(ForeignUrl {
        locked: crate::url::redact(locked.expose()),
        index: file.url.as_deref().map(crate::url::redact),
    })
}

fn comparable(url: &str) -> Option<String> {
    let mut url = Url::parse(url.trim()).ok()?;
    url.set_fragment(None);
    // setting empty credentials cannot fail on the http(s) URLs that have any
    let _ = url.set_username("");
    let _ = url.set_password(None);
    Some(url.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::simple::ProvenanceLink;

    fn file(url: Option<&str>) -> IndexFile {
        IndexFile {
            filename: "a-1.tar.gz".into(),
            sha256: None,
            hashes: Default::default(),
            url_filename: None,
            url: url.map(str::to_string),
            yanked: false,
            yank_reason: None,
            provenance: ProvenanceLink::None,
            contradiction: None,
            upload_time: None,
        }
    }

    #[test]
    fn the_index_url_is_not_foreign() {
        let index = file(Some("https://files.example/p/a-1.tar.gz"));
        for same in [
            "https://files.example/p/a-1.tar.gz",
            "https://files.example/p/a-1.tar.gz#sha256=00",
            "HTTPS://Files.Example:443/p/./a-1.tar.gz",
            "https://user:token@files.example/p/a-1.tar.gz",
        ] {
            assert_eq!(
                foreign_url(Some(&SecretUrl::new(same)), &index),
                None,
                "{same}"
            );
        }
        assert_eq!(foreign_url(None, &index), None);
    }

    #[test]
    fn another_url_is_foreign_and_redacted() {
        let index = file(Some("https://files.example/p/a-1.tar.gz"));
        let found = foreign_url(
            Some(&SecretUrl::new(
                "https://u:secret@elsewhere.example/a-1.tar.gz",
            )),
            &index,
        )
        .unwrap();
        assert!(!found.locked.contains("secret"), "{found:?}");
        assert_eq!(
            found.index.as_deref(),
            Some("https://files.example/p/a-1.tar.gz")
        );
        // an index that gives no usable URL leaves nothing to compare with: foreign
        assert!(foreign_url(
            Some(&SecretUrl::new("https://files.example/p/a-1.tar.gz")),
            &file(None)
        )
        .is_some());
        // a relative or unparsable locked URL is never the index's
        assert!(foreign_url(Some(&SecretUrl::new("dist/a-1.tar.gz")), &index).is_some());
    }
}
