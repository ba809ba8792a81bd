//! What a raw answer means: a project page or the index's "no such project"; a provenance
//! object or the index's 404 (with its message); or why the answer cannot be used. Pure
//! functions on [`RawAnswer`]s, whichever store they came from.

use std::sync::Arc;

use bytes::Bytes;

use super::simple::{self, PageError, ProjectPage};
use super::transport::RawAnswer;
use crate::evidence::{Expected, FetchFailure};

/// A project page: the parsed page, or the index's "no such project".
#[derive(Debug, Clone)]
pub enum PageAnswer {
    Found(Arc<ProjectPage>),
    NotFound,
}

/// A provenance object, or the index's 404 with its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ProvenanceAnswer {
    Found(Bytes),
    NotFound(String),
}

impl From<PageError> for FetchFailure {
    fn from(error: PageError) -> FetchFailure {
        match error {
            PageError::Malformed(message) => FetchFailure::MalformedPage(message),
            PageError::UnsupportedVersion(version) => FetchFailure::UnsupportedApiVersion(version),
            PageError::ContentType(content_type) => FetchFailure::WrongContentType {
                content_type,
                expected: Expected::Page,
            },
        }
    }
}

/// Reads a project page answer. Parsing is CPU work on untrusted bytes: call this on a
/// blocking thread, so the run's deadline still fires while a hostile page is parsed.
pub fn read_page(raw: &RawAnswer) -> Result<PageAnswer, FetchFailure> {
    match raw.status {
        200 => {
            let page = simple::parse_page(&raw.body, &raw.content_type, &raw.final_url)?;
            Ok(PageAnswer::Found(Arc::new(page)))
        }
        404 | 410 => Ok(PageAnswer::NotFound),
        status => Err(refused(status, &raw.body)),
    }
}

/// Reads a provenance answer: a 200 must be JSON (it is verified later), a 404 carries the
/// index's message (which tells "no provenance" from other 404s), a 403 is the index
/// refusing ("attestations temporarily disabled").
pub fn read_provenance(raw: &RawAnswer) -> Result<ProvenanceAnswer, FetchFailure> {
    match raw.status {
        200 => {
            if !is_json_media_type(&raw.content_type) {
                return Err(FetchFailure::WrongContentType {
                    content_type: raw.content_type.clone(),
                    expected: Expected::Provenance,
                });
            }
            if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&raw.body) {
                return Err(FetchFailure::MalformedProvenance(e.to_string()));
            }
            Ok(ProvenanceAnswer::Found(raw.body.clone()))
        }
        404 => Ok(ProvenanceAnswer::NotFound(json_message(&raw.body))),
        403 => Err(FetchFailure::Refused {
            status: 403,
            message: Some(json_message(&raw.body))
                .filter(|m| !m.is_empty())
                .or_else(|| Some("the index refused".into())),
        }),
        status => Err(refused(status, &raw.body)),
    }
}

fn is_json_media_type(content_type: &str) -> bool {
    let media = super::simple::media_type(content_type);
    media == "application/json" || media.ends_with("+json")
}

/// The `message` of a JSON error body, or `""`.
fn json_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        // Hostile text must not steer the terminal: no control characters, bounded length.
        .map(|m| m.chars().filter(|c| !c.is_control()).take(200).collect())
        .unwrap_or_default()
}

fn refused(status: u16, body: &[u8]) -> FetchFailure {
    FetchFailure::Refused {
        status,
        message: Some(json_message(body)).filter(|m| !m.is_empty()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::transport::Origin;
    use crate::url::CleanUrl;

    fn raw(status: u16, content_type: &str, body: &'static [u8]) -> RawAnswer {
        RawAnswer {
            status,
            content_type: content_type.into(),
            body: Bytes::from_static(body),
            origin: Origin::Network,
            final_url: CleanUrl::parse("https://pypi.org/simple/a/").unwrap(),
        }
    }

    #[test]
    fn reads_provenance_answers() {
        let json = "application/vnd.pypi.integrity.v1+json";
        assert_eq!(
            read_provenance(&raw(200, json, b"{\"version\":1}")),
            Ok(ProvenanceAnswer::Found(Bytes::from_static(
                b"{\"version\":1}"
            )))
        );
        assert_eq!(
            read_provenance(&raw(
                404,
                "application/json",
                b"{\"message\":\"No provenance available\\u001b[2J\"}"
            )),
            Ok(ProvenanceAnswer::NotFound(
                "No provenance available[2J".into()
            ))
        );
        assert_eq!(
            read_provenance(&raw(200, "text/html", b"{}")),
            Err(FetchFailure::WrongContentType {
                content_type: "text/html".into(),
                expected: Expected::Provenance
            })
        );
        assert!(matches!(
            read_provenance(&raw(200, json, b"{")),
            Err(FetchFailure::MalformedProvenance(_))
        ));
        assert_eq!(
            read_provenance(&raw(403, json, b"")).map_err(|e| e.to_string()),
            Err("HTTP 403: the index refused".into())
        );
        assert_eq!(
            read_provenance(&raw(418, json, b"{\"message\":\"teapot\"}")),
            Err(FetchFailure::Refused {
                status: 418,
                message: Some("teapot".into())
            })
        );
    }

    #[test]
    fn reads_page_answers() {
        assert!(matches!(
            read_page(&raw(410, "text/html", b"")),
            Ok(PageAnswer::NotFound)
        ));
        assert_eq!(
            read_page(&raw(200, "text/plain", b"")).map(|_| ()),
            Err(FetchFailure::WrongContentType {
                content_type: "text/plain".into(),
                expected: Expected::Page
            })
        );
        assert_eq!(
            read_page(&raw(451, "text/html", b"")).map(|_| ()),
            Err(FetchFailure::Refused {
                status: 451,
                message: None
            })
        );
        let page = read_page(&raw(
            200,
            simple::JSON_MEDIA_TYPE,
            br#"{"meta":{"api-version":"1.1"},"name":"a","files":[]}"#,
        ));
        assert!(matches!(page, Ok(PageAnswer::Found(page)) if page.files.is_empty()));
    }
}
