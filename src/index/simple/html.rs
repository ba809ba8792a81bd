//! PEP 503 HTML project pages, read the way pip's `html.parser`-based reader and uv's read
//! them where it matters: a file is named by the last segment of its link (the anchor text
//! is ignored), relative links resolve against the first `<base href>`, comments and
//! `<script>`/`<style>` bodies hold no links, and a `>` inside a quoted attribute value
//! does not end a tag. One forward pass over the page.

use reqwest::Url;

use super::hashes::HashSet;
use super::scan::{count, decode_entities, find_byte, find_ci, start_tag_end};
use super::{
    graver, reason_text, resolve_link, url_filename, ApiVersion, IndexFile, PageError, PageFormat,
    ProjectPage, ProvenanceLink,
};
use crate::evidence::ProjectStatus;

/// One `<a>` as found, before its link is resolved.
struct Anchor {
    href: String,
    provenance: Option<String>,
    yanked: bool,
    yank_reason: Option<String>,
    /// Why the anchor contradicts itself (two different `href`s, …).
    contradiction: Option<String>,
}

/// Parses a PEP 503 HTML project page (anchors, `data-*` attributes, the
/// `pypi:repository-version` meta tag).
pub fn parse_html(body: &[u8], page_url: &Url) -> Result<ProjectPage, PageError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| PageError::Malformed("the HTML page is not UTF-8".into()))?;
    let bytes = text.as_bytes();
    let mut api_version = ApiVersion::IMPLICIT;
    let mut status = ProjectStatus::ACTIVE;
    let mut status_reason: Option<String> = None;
    let mut base: Option<String> = None;
    // uv honours a `<base>` only before the first link, pip anywhere.
    let mut base_after_anchor = false;
    let mut anchors: Vec<Anchor> = Vec::new();
    let mut at = 0;
    while let Some(lt) = find_byte(bytes, at, b'<') {
        at = lt + 1;
        match bytes.get(at) {
            Some(b'!') if bytes[at..].starts_with(b"!--") => {
                // A comment runs to `-->`; an unclosed one hides the rest of the page.
                at = find_ci(bytes, at + 3, b"-->").map_or(bytes.len(), |end| end + 3);
            }
            Some(b'!' | b'?' | b'/') => {
                // Declarations, processing instructions and end tags end at the next `>`.
                at = find_byte(bytes, at, b'>').map_or(bytes.len(), |end| end + 1);
            }
            Some(b) if b.is_ascii_alphabetic() => {
                let name_end = tag_name_end(bytes, at);
                let Some(end) = start_tag_end(bytes, name_end) else {
                    break;
                };
                let name = &text[at..name_end];
                let attributes = &text[name_end..end];
                at = end + 1;
                if name.eq_ignore_ascii_case("a") {
                    anchors.push(anchor(attributes));
                } else if name.eq_ignore_ascii_case("meta") {
                    match meta(attributes)? {
                        Meta::Version(version) => api_version = version,
                        Meta::Status(text) => {
                            status = graver(status, ProjectStatus::new(&text, None));
                        }
                        Meta::StatusReason(reason) => {
                            status_reason.get_or_insert(reason);
                        }
                        Meta::Other => {}
                    }
                } else if name.eq_ignore_ascii_case("base") {
                    if base.is_none() {
                        let [href] = attribute_values(attributes, ["href"]);
                        base = href.first;
                        base_after_anchor = base.is_some() && !anchors.is_empty();
                    }
                } else if name.eq_ignore_ascii_case("script") || name.eq_ignore_ascii_case("style")
                {
                    // Raw text: nothing in it is a tag.
                    let close = if name.eq_ignore_ascii_case("script") {
                        &b"</script"[..]
                    } else {
                        &b"</style"[..]
                    };
                    at = find_ci(bytes, at, close).unwrap_or(bytes.len());
                }
            }
            // A `<` that starts no tag is text.
            _ => {}
        }
    }

    let base_url = base
        .as_deref()
        .and_then(|href| page_url.join(href.trim()).ok())
        .unwrap_or_else(|| page_url.clone());
    let mut files = Vec::with_capacity(anchors.len());
    for anchor in anchors {
        // pip and uv skip anchors without a link.
        if anchor.href.is_empty() {
            continue;
        }
        let filename = url_filename(&base_url, &anchor.href);
        if filename.is_empty() {
            continue;
        }
        let mut contradiction = anchor.contradiction;
        let mut other_name = None;
        if base_after_anchor {
            let without_base = url_filename(page_url, &anchor.href);
            if without_base != filename {
                contradiction.get_or_insert_with(|| format!(
                    "the page's `<base>` comes after its first link, so `{}` names `{filename}` for pip and `{without_base}` for uv",
                    anchor.href
                ));
                other_name = Some(without_base);
            }
        }
        let mut hashes = HashSet::default();
        hashes.add_from_url(&anchor.href, &filename);
        let provenance = match anchor.provenance {
            Some(link) if !link.trim().is_empty() => resolve_link(page_url, &link),
            _ => ProvenanceLink::None,
        };
        files.push(IndexFile {
            sha256: hashes.hashes.get("sha256").cloned(),
            contradiction: contradiction.or(hashes.conflict),
            hashes: hashes.hashes.shrink(),
            url: super::download_url(&base_url, &anchor.href),
            filename,
            url_filename: other_name,
            yanked: anchor.yanked,
            yank_reason: anchor.yank_reason,
            provenance,
            // PEP 700 upload times are in JSON pages only.
            upload_time: None,
        });
    }
    if !status.is_active() {
        status.reason = status_reason.as_deref().and_then(reason_text);
    }
    Ok(ProjectPage {
        format: PageFormat::Html,
        api_version,
        status,
        files,
    })
}

/// Where a tag name that starts at `from` ends (Python: `[a-zA-Z][^\t\n\r\f />\x00]*`).
fn tag_name_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while let Some(&b) = bytes.get(i) {
        count(1);
        if b.is_ascii_whitespace() || matches!(b, b'/' | b'>' | 0) {
            break;
        }
        i += 1;
    }
    i
}

fn anchor(attributes: &str) -> Anchor {
    let [href, provenance, yanked] =
        attribute_values(attributes, ["href", "data-provenance", "data-yanked"]);
    let contradiction = [("href", &href), ("data-provenance", &provenance)]
        .into_iter()
        .find(|(_, value)| value.differing)
        .map(|(name, _)| {
            format!(
                "an anchor of the page has two different `{name}` attributes (installers disagree on which counts)"
            )
        });
    Anchor {
        href: href.last.unwrap_or_default(),
        provenance: provenance.last,
        yank_reason: yanked
            .last
            .as_deref()
            .filter(|_| yanked.present)
            .and_then(reason_text),
        yanked: yanked.present,
        contradiction,
    }
}

/// What a `<meta>` tag says that pubgate reads.
enum Meta {
    /// `pypi:repository-version`.
    Version(ApiVersion),
    /// `pypi:project-status` (PEP 792).
    Status(String),
    /// `pypi:project-status-reason`.
    StatusReason(String),
    Other,
}

fn meta(attributes: &str) -> Result<Meta, PageError> {
    let [name, content] = attribute_values(attributes, ["name", "content"]);
    let Some(content) = content.last else {
        return Ok(Meta::Other);
    };
    match name.last.as_deref() {
        Some("pypi:repository-version") => {
            let version = ApiVersion::parse(&content)
                .ok_or_else(|| PageError::UnsupportedVersion(content.clone()))?;
            if version.major != 1 {
                return Err(PageError::UnsupportedVersion(content));
            }
            Ok(Meta::Version(version))
        }
        Some("pypi:project-status") => Ok(Meta::Status(content)),
        Some("pypi:project-status-reason") => Ok(Meta::StatusReason(content)),
        _ => Ok(Meta::Other),
    }
}

/// What a tag says for one attribute name.
#[derive(Debug, Default, Clone)]
struct Attribute {
    present: bool,
    first: Option<String>,
    /// The last value: pip builds a dict of the attributes, so the last one counts there.
    last: Option<String>,
    /// Whether two occurrences have different values.
    differing: bool,
}

/// The values of the `wanted` attributes (lowercase names), in `wanted` order. Attributes
/// are read as Python's `html.parser` reads them: names end at whitespace, `/`, `=` or
/// `>`; `=` may be repeated; values are quoted or run to whitespace; bare attributes have
/// no value; values are entity-decoded. Other attributes are skipped, not stored.
fn attribute_values<const N: usize>(text: &str, wanted: [&str; N]) -> [Attribute; N] {
    let mut found: [Attribute; N] = std::array::from_fn(|_| Attribute::default());
    let bytes = text.as_bytes();
    let mut i = 0;
    let skip = |i: &mut usize, pred: &dyn Fn(u8) -> bool| {
        while let Some(&b) = bytes.get(*i) {
            count(1);
            if !pred(b) {
                break;
            }
            *i += 1;
        }
    };
    loop {
        skip(&mut i, &|b| b.is_ascii_whitespace() || b == b'/');
        if i >= bytes.len() {
            break;
        }
        let name_start = i;
        // The first character of a name may be `=` (Python's `[^\s/>][^\s/=>]*`).
        i += 1;
        skip(&mut i, &|b| {
            !(b.is_ascii_whitespace() || matches!(b, b'/' | b'=' | b'>'))
        });
        let name = &text[name_start..i];
        let mut look = i;
        skip(&mut look, &|b| b.is_ascii_whitespace());
        let value = if bytes.get(look) == Some(&b'=') {
            i = look;
            skip(&mut i, &|b| b == b'=');
            skip(&mut i, &|b| b.is_ascii_whitespace());
            match bytes.get(i) {
                Some(&quote @ (b'"' | b'\'')) => {
                    let end = find_byte(bytes, i + 1, quote).unwrap_or(bytes.len());
                    let value = &text[i + 1..end];
                    i = (end + 1).min(bytes.len());
                    Some(value)
                }
                _ => {
                    let start = i;
                    skip(&mut i, &|b| !(b.is_ascii_whitespace() || b == b'>'));
                    Some(&text[start..i])
                }
            }
        } else {
            None
        };
        let Some(slot) = wanted.iter().position(|w| w.eq_ignore_ascii_case(name)) else {
            continue;
        };
        let value = value.map(decode_entities);
        let attribute = &mut found[slot];
        if attribute.present && attribute.last != value {
            attribute.differing = true;
        }
        attribute.present = true;
        if attribute.first.is_none() {
            attribute.first.clone_from(&value);
        }
        attribute.last = value;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attributes_are_read_like_python() {
        let attrs = attribute_values(
            r#" href = "a b" data-yanked DATA-PROVENANCE=x&amp;y/ title='q' href==z"#,
            ["href", "data-yanked", "data-provenance"],
        );
        assert_eq!(attrs[0].first.as_deref(), Some("a b"));
        assert_eq!(attrs[0].last.as_deref(), Some("z"));
        assert!(attrs[0].differing);
        assert!(attrs[1].present && attrs[1].last.is_none());
        assert_eq!(attrs[2].last.as_deref(), Some("x&y/"));
    }
}
