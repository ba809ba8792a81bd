//! What one requirement (or `-e` value) of a requirements file is, decided the way pip's
//! `parse_req_from_line` / `parse_editable` decide it: a pinned index release, an unpinned
//! requirement, or a direct source (VCS, URL, local path or archive, editable). PEP 508
//! parsing itself is `pep508_rs`'s.

use std::fmt;
use std::path::Path;
use std::str::FromStr;

use pep440_rs::{Operator, Version};
use pep508_rs::{MarkerTree, Requirement, VersionOrUrl};

use super::lines::is_python_space;
use crate::dist::{self, DistFilename};
use crate::lockfile::hashes::{self, Digest};
use crate::lockfile::text;
use crate::lockfile::Source;
use crate::url::SecretUrl;

/// A requirement line, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Classified {
    /// `name==X` / `name===X`: an index release. `version` is the text as written.
    Pin {
        name: String,
        version: String,
        marker: Option<String>,
    },
    /// Anything else naming only a project: `name`, `name>=1`, `name==1.*`.
    Unpinned { name: String, specifier: String },
    /// A VCS checkout, URL, local path or archive. `name` is empty when pip would not know it
    /// before building; `url` is the download URL of an archive, for the artifact.
    Direct {
        name: String,
        version: Option<String>,
        source: Source,
        archive: Option<Archive>,
        marker: Option<String>,
    },
}

/// A direct archive: its filename, download URL (for remote ones) and the hash pip reads
/// from its URL (`#sha256=…`, `#md5=…`, …; see [`hashes::pip_link_hash`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Archive {
    pub filename: String,
    pub url: Option<String>,
    pub link_hash: Option<Digest>,
}

/// A URL kept verbatim: pep508_rs's own URL type expands variables and resolves paths,
/// which pip does not do at this stage.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct RawUrl(String);

impl fmt::Display for RawUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl pep508_rs::Pep508Url for RawUrl {
    type Err = std::convert::Infallible;
    fn parse_url(url: &str, _working_dir: Option<&Path>) -> Result<Self, Self::Err> {
        Ok(RawUrl(url.to_string()))
    }
}

/// pip's `is_url`: a scheme pip downloads from (http, https, file, ftp) or a VCS scheme.
pub(super) fn is_url(text: &str) -> bool {
    let Some((scheme, _)) = text.split_once(':') else {
        return false;
    };
    let scheme = scheme.to_ascii_lowercase();
    matches!(
        scheme.as_str(),
        "http" | "https" | "file" | "ftp" | "git" | "svn"
    ) || vcs_kind(&scheme).is_some()
}

/// `git`, `hg`, `svn` or `bzr` for a `VCS+transport` scheme.
fn vcs_kind(scheme: &str) -> Option<&'static str> {
    let (vcs, transport) = scheme.split_once('+')?;
    if transport.is_empty() {
        return None;
    }
    ["git", "hg", "svn", "bzr"]
        .into_iter()
        .find(|known| vcs.eq_ignore_ascii_case(known))
}

/// Whether a (non-editable) requirement names extras: `name[extra]…`, `path[extra]`.
pub(super) fn has_extras(req: &str) -> bool {
    let body = req.split(';').next().unwrap_or(req);
    let before_url = body.split('@').next().unwrap_or(body);
    before_url.contains('[')
}

/// pip's `_strip_extras`: `path[extra,...]` → (`path`, `[extra,...]`).
fn strip_extras(path: &str) -> (&str, Option<&str>) {
    if path.ends_with(']') {
        if let Some(open) = path.rfind('[') {
            let inner = &path[open + 1..path.len() - 1];
            if open > 0 && !inner.is_empty() && !inner.contains(']') {
                return (&path[..open], Some(&path[open..]));
            }
        }
    }
    (path, None)
}

/// pip's `_looks_like_path` as pip on Linux (CI) runs it: `/` is the only separator, so
/// `pkg==1 \…` is a PEP 508 requirement (and an error), not a path. A Windows path
/// without a leading `.` that pip on Windows would take is then an error: fail closed.
fn looks_like_path(name: &str) -> bool {
    name.contains('/') || name.starts_with('.')
}

/// pip's `is_archive_file`.
fn is_archive(path: &str) -> bool {
    const EXTENSIONS: [&str; 13] = [
        ".zip",
        ".whl",
        ".tar.bz2",
        ".tbz",
        ".tar.xz",
        ".txz",
        ".tlz",
        ".tar.lz",
        ".tar.lzma",
        ".tar.gz",
        ".tgz",
        ".tar",
        ".tar.zst",
    ];
    let lower = path.to_ascii_lowercase();
    EXTENSIONS.iter().any(|ext| lower.ends_with(ext))
}

/// A `#key=value` / `&key=value` fragment parameter of a URL (pip's `Link` regexes).
fn fragment_param<'a>(url: &'a str, key: &str) -> Option<&'a str> {
    let fragment = &url[url.find('#')? + 1..];
    fragment
        .split('&')
        .find_map(|pair| pair.strip_prefix(key)?.strip_prefix('='))
}

/// The project name of an `#egg=` fragment (extras dropped), normalized.
fn egg_name(url: &str) -> Result<Option<String>, String> {
    let Some(egg) = fragment_param(url, "egg") else {
        return Ok(None);
    };
    let name = egg.split('[').next().unwrap_or(egg);
    if dist::is_valid_name(name) {
        Ok(Some(dist::normalize_name(name)))
    } else {
        Err(format!("`#egg={egg}` is not a valid project name"))
    }
}

/// A VCS URL as a [`Source::Git`]: the URL as written, and the revision after the last `@`
/// of the path when it is a full commit hash (branches and tags are not resolved revisions).
fn vcs_source(url: &str) -> Source {
    let without_fragment = url.split('#').next().unwrap_or(url);
    let path_start = without_fragment.find("://").map_or(0, |at| {
        at + 3 + without_fragment[at + 3..].find('/').unwrap_or(0)
    });
    let commit = without_fragment[path_start..]
        .rsplit_once('@')
        .map(|(_, rev)| rev)
        .filter(|rev| {
            (rev.len() == 40 || rev.len() == 64) && rev.bytes().all(|b| b.is_ascii_hexdigit())
        })
        .map(str::to_ascii_lowercase);
    Source::Git {
        url: SecretUrl::new(url),
        commit,
    }
}

/// Classifies a direct reference (`name @ URL`, a bare URL or a local path).
fn direct(name: String, url: &str, marker: Option<String>) -> Result<Classified, String> {
    let scheme = url
        .split_once(':')
        .map(|(scheme, _)| scheme.to_ascii_lowercase());
    let is_vcs = scheme
        .as_deref()
        .is_some_and(|scheme| vcs_kind(scheme).is_some() || scheme == "git" || scheme == "svn");
    let mut name = name;
    if is_vcs {
        if name.is_empty() {
            name = egg_name(url)?.unwrap_or_default();
        }
        return Ok(Classified::Direct {
            name,
            version: None,
            source: vcs_source(url),
            archive: None,
            marker,
        });
    }
    let remote = scheme.as_deref().is_some_and(|s| s != "file") && text::has_scheme(url);
    let filename = text::file_name_of(url);
    // pip reads a hash from a URL (`file:` included), never from a plain path, which it
    // turns into a URL with its `#` escaped
    let link_hash = if text::has_scheme(url) {
        hashes::pip_link_hash(url)?
    } else {
        None
    };
    let archive = (is_archive(&filename) || link_hash.is_some()).then(|| Archive {
        filename: filename.clone(),
        url: remote.then(|| url.to_string()),
        link_hash,
    });
    let mut version = None;
    let bare = name.is_empty();
    // pip names a bare wheel URL `name==version` from its filename (whatever its `#egg=`
    // says), and refuses a bad one
    if filename.to_ascii_lowercase().ends_with(".whl") {
        match DistFilename::parse(&filename) {
            Ok(parsed) => {
                if bare {
                    name = parsed.name().to_string();
                    version = Some(parsed.version().to_string());
                }
            }
            Err(err) => return Err(err.to_string()),
        }
    } else if bare {
        // pip names other bare URLs by `#egg=` only; pubgate also names an sdist by its
        // filename, so that a policy about that project sees it (pip learns it by building)
        name = egg_name(url)?.unwrap_or_default();
        if name.is_empty() {
            if let Ok(parsed) = DistFilename::parse(&filename) {
                name = parsed.name().to_string();
            }
        }
    }
    let source = if remote {
        Source::Url {
            url: SecretUrl::new(url),
        }
    } else {
        Source::Path {
            path: url.to_string(),
        }
    };
    Ok(Classified::Direct {
        name,
        version,
        source,
        archive,
        marker,
    })
}

/// Classifies a non-editable requirement (the part of the line before its options).
pub(super) fn classify(req: &str) -> Result<Classified, String> {
    // pip splits the marker off first, on `; ` for URLs and `;` otherwise
    let separator = if is_url(req) { "; " } else { ";" };
    let (body, marker) = match req.split_once(separator) {
        Some((body, marker)) => (body, Some(marker.trim())),
        None => (req, None),
    };
    let marker = match marker {
        Some(marker) if !marker.is_empty() => {
            check_marker_nesting(marker)?;
            shielded(|| {
                MarkerTree::from_str(marker)
                    .map(drop)
                    .map_err(|err| format!("invalid marker `{marker}`: {}", pep508_message(&err)))
            })?;
            Some(marker.to_string())
        }
        _ => None,
    };
    let body = body.trim();
    if is_url(body) {
        return direct(String::new(), body, marker);
    }
    let (path, _extras) = strip_extras(body);
    let pep508_url_form = body
        .split_once('@')
        .is_some_and(|(before, _)| !looks_like_path(before));
    if !pep508_url_form && (looks_like_path(body) || is_archive(path)) {
        return direct(String::new(), path, marker);
    }
    pep508(body, marker)
}

fn pep508(body: &str, marker: Option<String>) -> Result<Classified, String> {
    let body = &whitespace_after_operators(body);
    // `===` compares strings: its version need not be PEP 440, which pep508_rs requires,
    // so parse with a stand-in and keep the literal.
    let arbitrary = arbitrary_equality_literal(body);
    let parse_text = match &arbitrary {
        Some((range, _)) => format!("{}0{}", &body[..range.start], &body[range.end..]),
        None => body.to_string(),
    };
    check_identifiers(&parse_text)?;
    let requirement = shielded(|| {
        Requirement::<RawUrl>::from_str(&parse_text)
            .map_err(|err| format!("{} (PEP 508)", pep508_message(&err)))
    })?;
    let name = dist::normalize_name(requirement.name.as_ref());
    match requirement.version_or_url {
        Some(VersionOrUrl::Url(RawUrl(url))) => {
            // packaging's URL token is `[^ \t]+`, then only `;` or the end may follow;
            // pep508_rs would take the rest of the line into the URL
            if url.contains([' ', '\t']) {
                return Err(format!(
                    "expected a semicolon or the end after the URL `{}`",
                    url.split([' ', '\t']).next().unwrap_or_default()
                ));
            }
            direct(name, &url, marker)
        }
        Some(VersionOrUrl::VersionSpecifier(specifiers)) => {
            if let [only] = specifiers.iter().as_slice() {
                match only.operator() {
                    Operator::ExactEqual => {
                        if let Some((_, literal)) = arbitrary {
                            return Ok(Classified::Pin {
                                name,
                                version: literal,
                                marker,
                            });
                        }
                    }
                    Operator::Equal => {
                        let version = equal_literal(body)
                            .filter(|literal| {
                                Version::from_str(literal).is_ok_and(|v| &v == only.version())
                            })
                            .unwrap_or_else(|| only.version().to_string());
                        return Ok(Classified::Pin {
                            name,
                            version,
                            marker,
                        });
                    }
                    _ => {}
                }
            }
            let mut specifier = specifiers.to_string();
            if let Some((_, literal)) = &arbitrary {
                specifier = specifier.replacen("===0", &format!("==={literal}"), 1);
            }
            Ok(Classified::Unpinned { name, specifier })
        }
        None => Ok(Classified::Unpinned {
            name,
            specifier: String::new(),
        }),
    }
}

/// packaging's specifier pattern allows any whitespace Python knows (`\\s`, e.g. U+001F,
/// U+00A0, U+3000) between an operator and its version, where `pep508_rs` takes spaces and
/// tabs only: such whitespace becomes a space. Elsewhere packaging's tokenizer, like
/// `pep508_rs`, takes only spaces and tabs. URL requirements are left alone.
fn whitespace_after_operators(body: &str) -> String {
    if body.contains('@') {
        return body.to_string();
    }
    let mut out = String::with_capacity(body.len());
    let mut after_operator = false;
    for c in body.chars() {
        if matches!(c, '=' | '~' | '!' | '<' | '>') {
            after_operator = true;
            out.push(c);
        } else if after_operator && is_python_space(c) {
            out.push(' ');
        } else {
            after_operator = false;
            out.push(c);
        }
    }
    out
}

/// How deep parentheses may nest in a marker. `pep508_rs` parses them recursively and
/// would overflow the stack (an abort, not an error) on a few thousand; packaging's parser
/// is recursive too and pip fails with a `RecursionError` at a few hundred.
const MAX_MARKER_NESTING: usize = 64;

fn check_marker_nesting(marker: &str) -> Result<(), String> {
    let mut depth = 0usize;
    let mut deepest = 0usize;
    let mut quote = None;
    for c in marker.chars() {
        match (quote, c) {
            (Some(open), c) if c == open => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => {
                depth += 1;
                deepest = deepest.max(depth);
            }
            (None, ')') => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if deepest > MAX_MARKER_NESTING {
        return Err(format!(
            "its marker nests parentheses {deepest} deep, more than the {MAX_MARKER_NESTING} pubgate reads"
        ));
    }
    Ok(())
}

/// Runs a `pep508_rs` parse, turning a panic inside it into an error: the crate is frozen
/// and has `expect`s that hostile input can reach (see [`check_identifiers`]); a gate must
/// report bad input, not crash on it.
fn shielded<T>(parse: impl FnOnce() -> Result<T, String>) -> Result<T, String> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(parse)).unwrap_or_else(|_| {
        Err("the PEP 508 parser failed on it (please report this input to pubgate)".into())
    })
}

/// Rejects the project or extra names `pep508_rs` 0.9.2 panics on instead of rejecting: an
/// identifier ending in `.`, `-` or `_` followed by more text (`b.==1`, `a[x-, y]`).
fn check_identifiers(body: &str) -> Result<(), String> {
    fn identifier(text: &str) -> &str {
        let len = text
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
            .count();
        &text[..len]
    }
    let invalid = |what: &str, name: &str| {
        Err(format!(
            "`{name}` is not a valid {what} name: it must end with a letter or digit"
        ))
    };
    let rest = body.trim_start();
    let name = identifier(rest);
    if name.ends_with(['.', '-', '_']) {
        return invalid("project", name);
    }
    let rest = rest[name.len()..].trim_start();
    if let Some(extras) = rest.strip_prefix('[') {
        let extras = extras.split(']').next().unwrap_or(extras);
        for extra in extras.split(',') {
            let extra = identifier(extra.trim_start());
            if extra.ends_with(['.', '-', '_']) {
                return invalid("extra", extra);
            }
        }
    }
    Ok(())
}

/// The byte range and text of the version after the first `===` of a requirement.
fn arbitrary_equality_literal(body: &str) -> Option<(std::ops::Range<usize>, String)> {
    let at = body.find("===")? + 3;
    let rest = &body[at..];
    let skipped = rest.len() - rest.trim_start_matches(is_python_space).len();
    let start = at + skipped;
    // packaging's `===\s*[^\s;)]*`
    let len = body[start..]
        .find(|c: char| is_python_space(c) || matches!(c, ',' | ';' | ')'))
        .unwrap_or(body.len() - start);
    (len > 0).then(|| (start..start + len, body[start..start + len].to_string()))
}

/// The version text after the `==` operator, as written (`==1.0.0` stays `1.0.0`).
fn equal_literal(body: &str) -> Option<String> {
    let at = body.find("==")?;
    let rest = body[at + 2..].trim_start();
    let len = rest
        .find(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ')'))
        .unwrap_or(rest.len());
    (len > 0).then(|| rest[..len].to_string())
}

/// pep508_rs's message without its underlined rendering (whose `Display` can assert).
fn pep508_message<T: pep508_rs::Pep508Url>(err: &pep508_rs::Pep508Error<T>) -> String {
    match &err.message {
        pep508_rs::Pep508ErrorSource::String(message)
        | pep508_rs::Pep508ErrorSource::UnsupportedRequirement(message) => {
            message.trim_end_matches('.').to_string()
        }
        pep508_rs::Pep508ErrorSource::UrlError(err) => format!("{err:?}"),
    }
}

/// An `-e` value, as pip's `parse_editable` reads it: a local project (extras stripped) or a
/// VCS URL (`git+…`, or `git:`/`svn:` that pip prefixes). Other URLs are refused as pip does.
pub(super) fn classify_editable(value: &str) -> Result<(String, Source), String> {
    let (without_extras, _extras) = strip_extras(value);
    let lower = without_extras.to_ascii_lowercase();
    if lower.starts_with("file:") {
        let name = egg_name(without_extras)?.unwrap_or_default();
        return Ok((
            name,
            Source::Editable {
                path: without_extras.to_string(),
            },
        ));
    }
    let mut url = value.to_string();
    for vcs in ["git", "hg", "svn", "bzr"] {
        if lower.starts_with(&format!("{vcs}:")) {
            url = format!("{vcs}+{value}");
            break;
        }
    }
    let scheme = url
        .split_once(':')
        .map(|(scheme, _)| scheme.to_ascii_lowercase());
    match scheme {
        Some(scheme) if vcs_kind(&scheme).is_some() => {
            let name = egg_name(&url)?.unwrap_or_default();
            Ok((name, vcs_source(&url)))
        }
        _ if text::has_scheme(&url) => Err(format!(
            "`-e {value}` is not a valid editable requirement: it should be a path to a local project or a VCS URL (beginning with git+, hg+, svn+ or bzr+)"
        )),
        _ => Ok((
            String::new(),
            Source::Editable {
                path: without_extras.to_string(),
            },
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pin(name: &str, version: &str, marker: Option<&str>) -> Classified {
        Classified::Pin {
            name: name.into(),
            version: version.into(),
            marker: marker.map(Into::into),
        }
    }

    fn unpinned(name: &str, specifier: &str) -> Classified {
        Classified::Unpinned {
            name: name.into(),
            specifier: specifier.into(),
        }
    }

    #[test]
    fn pins_keep_the_version_as_written() {
        assert_eq!(
            classify("Requests==2.31.0").unwrap(),
            pin("requests", "2.31.0", None)
        );
        assert_eq!(
            classify("zope.interface == 1.0.0").unwrap(),
            pin("zope-interface", "1.0.0", None)
        );
        assert_eq!(
            classify("torch==2.3.0+cu121").unwrap(),
            pin("torch", "2.3.0+cu121", None)
        );
        assert_eq!(
            classify("numpy==1.26.4 ; python_full_version < '3.12'").unwrap(),
            pin("numpy", "1.26.4", Some("python_full_version < '3.12'"))
        );
        assert_eq!(
            classify("a[x,y]==1;os_name=='nt'").unwrap(),
            pin("a", "1", Some("os_name=='nt'"))
        );
    }

    #[test]
    fn arbitrary_equality_is_a_literal_pin() {
        assert_eq!(
            classify("attrs===25.3.0").unwrap(),
            pin("attrs", "25.3.0", None)
        );
        assert_eq!(
            classify("weird===foo-bar").unwrap(),
            pin("weird", "foo-bar", None)
        );
        assert_eq!(
            classify("weird===foo,>1").unwrap(),
            unpinned("weird", "===foo, >1")
        );
    }

    #[test]
    fn anything_but_one_exact_pin_is_unpinned() {
        assert_eq!(classify("numpy").unwrap(), unpinned("numpy", ""));
        assert_eq!(classify("numpy>=1").unwrap(), unpinned("numpy", ">=1"));
        assert_eq!(classify("numpy==1.*").unwrap(), unpinned("numpy", "==1.*"));
        // pep508_rs orders the specifiers
        assert_eq!(
            classify("numpy==1.0,>=0.5").unwrap(),
            unpinned("numpy", ">=0.5, ==1.0")
        );
        assert_eq!(classify("numpy~=1.0").unwrap(), unpinned("numpy", "~=1.0"));
    }

    #[test]
    fn names_pep508_rs_would_panic_on_are_errors() {
        for req in ["b.==1", "b- >=1", "a[x-]==1", "a[ok, y_ ]==1", "a.[x]"] {
            let err = classify(req).unwrap_err();
            assert!(
                err.contains("must end with a letter or digit"),
                "{req}: {err}"
            );
        }
        assert!(classify("a.b-c_d[e.f, g]==1").is_ok());
    }

    #[test]
    fn pip_rejects_these() {
        assert!(classify("a @ https://h/x.whl inc.txt").is_err());
        assert!(classify("a @ git+https://h/x.git@v1\u{2026}-r inc.txt").is_err());
        assert!(classify("numpy=1.0").is_err());
        assert!(classify("numpy==").is_err());
        assert!(classify("two words").is_err());
        assert!(classify("numpy==1.0 ; bogus_marker == '1'").is_err());
        assert!(classify("https://h/not-a-wheel.whl").is_err());
    }

    #[test]
    fn direct_references() {
        match classify("idna @ https://files.example/idna-3.20-py3-none-any.whl#egg=x").unwrap() {
            Classified::Direct {
                name,
                version,
                source,
                archive,
                ..
            } => {
                assert_eq!(name, "idna");
                assert_eq!(version, None);
                assert_eq!(source.kind(), "url");
                let archive = archive.unwrap();
                assert_eq!(archive.filename, "idna-3.20-py3-none-any.whl");
                assert_eq!(archive.link_hash, None);
            }
            other => panic!("{other:?}"),
        }
        match classify("pandas  [tabulate]  @  git+https://github.com/pandas-dev/pandas.git")
            .unwrap()
        {
            Classified::Direct { name, source, .. } => {
                assert_eq!(name, "pandas");
                assert_eq!(
                    source,
                    Source::Git {
                        url: SecretUrl::new("git+https://github.com/pandas-dev/pandas.git"),
                        commit: None
                    }
                );
            }
            other => panic!("{other:?}"),
        }
        match classify(&format!(
            "git+https://h/r.git@{}#egg=Some_Pkg",
            "A".repeat(40)
        ))
        .unwrap()
        {
            Classified::Direct {
                name,
                source: Source::Git { commit, .. },
                ..
            } => {
                assert_eq!(name, "some-pkg");
                assert_eq!(commit, Some("a".repeat(40)));
            }
            other => panic!("{other:?}"),
        }
        match classify("https://h/x/numpy-1.9.2-cp34-none-win32.whl; python_version < '3'").unwrap()
        {
            Classified::Direct {
                name,
                version,
                marker,
                ..
            } => {
                assert_eq!(
                    (name.as_str(), version.as_deref()),
                    ("numpy", Some("1.9.2"))
                );
                assert_eq!(marker.as_deref(), Some("python_version < '3'"));
            }
            other => panic!("{other:?}"),
        }
        match classify("./downloads/numpy-1.9.2.tar.gz").unwrap() {
            Classified::Direct {
                name,
                source,
                archive,
                ..
            } => {
                assert_eq!(name, "numpy");
                assert_eq!(
                    source,
                    Source::Path {
                        path: "./downloads/numpy-1.9.2.tar.gz".into()
                    }
                );
                assert_eq!(archive.unwrap().url, None);
            }
            other => panic!("{other:?}"),
        }
        match classify("./local/project[extra]").unwrap() {
            Classified::Direct {
                source, archive, ..
            } => {
                assert_eq!(
                    source,
                    Source::Path {
                        path: "./local/project".into()
                    }
                );
                assert_eq!(archive, None);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn editables() {
        assert_eq!(
            classify_editable("./editable[d,dev]").unwrap(),
            (
                String::new(),
                Source::Editable {
                    path: "./editable".into()
                }
            )
        );
        assert_eq!(
            classify_editable("./editable[d,").unwrap(),
            (
                String::new(),
                Source::Editable {
                    path: "./editable[d,".into()
                }
            )
        );
        let (name, source) = classify_editable("git+https://h/r.git@v1#egg=r").unwrap();
        assert_eq!((name.as_str(), source.kind()), ("r", "git"));
        let (_, source) = classify_editable("git://h/r.git#egg=r").unwrap();
        assert_eq!(
            source,
            Source::Git {
                url: SecretUrl::new("git+git://h/r.git#egg=r"),
                commit: None
            }
        );
        assert!(classify_editable("https://h/x.tar.gz").is_err());
    }
}
