//! Pipfile.lock (pipenv, `pipfile-spec` 6): every category pipenv can be told to install
//! (`default`, `develop` and any other top-level object but `_meta`: `pipenv install
//! --categories`), merged and de-duplicated by (name, version, source). An entry's `index`
//! names a `_meta.sources` entry, resolved to its URL; `git`/`hg`/`svn`/`bzr`, `path` and
//! `file` entries are direct sources. pipenv installs an entry by writing a pip requirements
//! line for it (`requirement_from_lockfile`); index and `file`/`path` entries are read from
//! that very line with the requirements reader, so markers, extras and versions mean what
//! they mean to pip (a marker that smuggles in a `--hash` is refused, not dropped). JSON has
//! no spans, so each package's line is found by a light scan of the text.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::common::{error_at, first_line, project_name, Assembly};
use super::excerpt::Excerpt;
use super::hashes::{self, Accepted};
use super::project::ProjectFile;
use super::text::{self, LineIndex};
use super::{
    IndexKind, Location, LockError, LockFormat, LockedPackage, Lockfile, Source, Unpinned,
};
use crate::url::SecretUrl;

const SUPPORTED_SPEC: u64 = 6;
const META: &str = "_meta";

#[derive(Deserialize)]
struct LockWire {
    #[serde(rename = "_meta")]
    meta: Option<MetaWire>,
    /// Every other top-level member: the categories (`default`, `develop`, and any named
    /// one), and whatever else a newer pipenv writes (ignored unless it is an object).
    #[serde(flatten)]
    categories: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct MetaWire {
    #[serde(rename = "pipfile-spec")]
    spec: Option<serde_json::Value>,
    #[serde(default)]
    sources: Vec<SourceWire>,
}

#[derive(Deserialize)]
struct SourceWire {
    name: Option<String>,
    url: Option<String>,
    verify_ssl: Option<bool>,
}

#[derive(Deserialize)]
struct EntryWire {
    version: Option<String>,
    #[serde(default)]
    hashes: Vec<String>,
    markers: Option<String>,
    /// Written after `markers` on the pip line (pipenv's `os_markers`).
    os_markers: Option<String>,
    #[serde(default)]
    extras: Vec<String>,
    index: Option<String>,
    git: Option<String>,
    hg: Option<String>,
    svn: Option<String>,
    bzr: Option<String>,
    #[serde(rename = "ref")]
    reference: Option<String>,
    path: Option<String>,
    file: Option<String>,
    editable: Option<bool>,
}

#[cfg(test)]
pub(super) fn parse(text: &str, path: &Path) -> Result<Lockfile, LockError> {
    parse_with_project(text, path, None)
}

/// Reads a Pipfile.lock; `project` is the `Pipfile` beside it, whose `[[source]]` pipenv
/// uses when the lock's `_meta.sources` is empty.
pub(super) fn parse_with_project(
    text: &str,
    path: &Path,
    project: Option<&ProjectFile>,
) -> Result<Lockfile, LockError> {
    let wire: LockWire = serde_json::from_str(text).map_err(|err| {
        let excerpt = Excerpt::at_line_column(text, err.line(), err.column());
        // serde_json appends the position that the location then already shows
        let full = err.to_string();
        let position = format!(" at line {} column {}", err.line(), err.column());
        let message = match &excerpt {
            Some(_) => full.strip_suffix(&position).unwrap_or(&full),
            None => &full,
        };
        LockError::Syntax {
            location: Location {
                path: path.to_path_buf(),
                line: u32::try_from(err.line().max(1)).unwrap_or(u32::MAX),
            },
            message: format!(
                "malformed Pipfile.lock: {}: fix the file or re-create it with `pipenv lock`",
                first_line(message)
            ),
            excerpt: excerpt.map(Box::new),
        }
    })?;
    let Some(meta) = wire.meta else {
        return Err(LockError::Invalid {
            path: path.to_path_buf(),
            message: "has no `_meta` object, so it is not a Pipfile.lock pubgate can read: re-create it with `pipenv lock`".into(),
        });
    };
    let spec = meta.spec.as_ref().and_then(serde_json::Value::as_u64);
    if spec != Some(SUPPORTED_SPEC) {
        let shown = meta
            .spec
            .as_ref()
            .map_or_else(|| "missing".to_string(), ToString::to_string);
        return Err(LockError::Invalid {
            path: path.to_path_buf(),
            message: format!(
                "Pipfile.lock `pipfile-spec` {shown} is not supported (pubgate reads {SUPPORTED_SPEC}): re-create it with a current `pipenv lock`"
            ),
        });
    }

    let lines = LineIndex::new(text);
    let scanned = scan_lines(text, &lines);
    let key_lines = scanned.packages;
    let mut assembly = Assembly::new(path, LockFormat::Pipfile);
    assembly.merge_releases = true;
    let mut sources = Vec::new();
    // pipenv uses the lock's sources, else the Pipfile's `[[source]]` (`Sources.all`)
    let (meta_sources, from_pipfile): (Vec<SourceWire>, bool) = match project {
        Some(project) if meta.sources.is_empty() => (
            super::project::pipfile_sources(project)?
                .into_iter()
                .map(|s| SourceWire {
                    name: Some(s.name),
                    url: s.url,
                    verify_ssl: s.verify_ssl,
                })
                .collect(),
            true,
        ),
        _ => (meta.sources, false),
    };
    // pipenv hands every source to pip (`prepare_pip_source_args`): the first as
    // `--index-url`, the others as `--extra-index-url`, and the host of each with
    // `verify_ssl = false` as `--trusted-host`
    for (at, source) in meta_sources.iter().enumerate() {
        let line = if from_pipfile {
            1
        } else {
            scanned.sources.get(at).copied().unwrap_or(1)
        };
        let Some(url) = &source.url else {
            return Err(error_at(
                &assembly.location(line),
                "a `_meta.sources` entry has no `url` (pipenv refuses it): re-create the lockfile with `pipenv lock`",
            ));
        };
        let kind = if sources.is_empty() {
            IndexKind::Index
        } else {
            IndexKind::ExtraIndex
        };
        let location = match (from_pipfile, project) {
            (true, Some(project)) => Location {
                path: project.path.clone(),
                line: 1,
            },
            _ => assembly.location(line),
        };
        assembly.add_index(url, kind, location.clone());
        if source.verify_ssl == Some(false) {
            if let Some(host) = text::host_and_port_of(url) {
                assembly.add_index(&host, IndexKind::TrustedHost, location);
            }
        }
        sources.push((source.name.clone().unwrap_or_default(), url.clone()));
    }

    // name → URL, the first source of a name winning (as a linear scan would find it)
    let mut source_urls: HashMap<&str, &str> = HashMap::new();
    for (name, url) in &sources {
        source_urls.entry(name.as_str()).or_insert(url.as_str());
    }
    let mut entries: Vec<(u32, String, String, EntryWire)> = Vec::new();
    for (section, value) in wire.categories {
        // pipenv installs only categories that are objects of entries
        let serde_json::Value::Object(members) = value else {
            continue;
        };
        for (name, entry) in members {
            let entry: EntryWire = serde_json::from_value(entry).map_err(|err| {
                let line = key_lines
                    .get(&(section.clone(), name.clone()))
                    .copied()
                    .unwrap_or(1);
                error_at(
                    &Location {
                        path: path.to_path_buf(),
                        line,
                    },
                    format!(
                        "`{name}` in `{section}` is not an entry pipenv can install: {}: re-create the lockfile with `pipenv lock`",
                        first_line(&err.to_string())
                    ),
                )
            })?;
            let line = key_lines
                .get(&(section.clone(), name.clone()))
                .copied()
                .unwrap_or(1);
            entries.push((line, section.clone(), name, entry));
        }
    }
    entries.sort_by_key(|(line, ..)| *line);

    for (line, section, raw_name, entry) in entries {
        let location = assembly.location(line);
        let name = project_name(&raw_name, &location)?;
        // pipenv passes each hash of an index entry to pip as `--hash=…` (pip's algorithms,
        // or pip refuses); those of `file`, `path` and VCS entries are never used
        let index_entry = entry.file.is_none()
            && entry.path.is_none()
            && [&entry.git, &entry.hg, &entry.svn, &entry.bzr]
                .iter()
                .all(|v| v.is_none());
        for hash in entry.hashes.iter().filter(|_| index_entry) {
            hashes::check_colon(hash, Accepted::PipOption).map_err(|reason| {
                error_at(
                    &location,
                    format!(
                        "`{raw_name}` in `{section}`: {}: pip refuses it; re-create the lockfile with `pipenv lock`",
                        first_line(&reason)
                    ),
                )
            })?;
        }

        let vcs = [
            ("git", &entry.git),
            ("hg", &entry.hg),
            ("svn", &entry.svn),
            ("bzr", &entry.bzr),
        ]
        .into_iter()
        .find_map(|(kind, url)| url.as_ref().map(|url| (kind, url)));
        if let Some((kind, url)) = vcs {
            // pipenv writes `name @ vcs+URL@ref` (or `-e vcs+URL@ref#egg=name`): a space
            // or a line break in them would give pip other tokens than the lock shows
            for value in [Some(url), entry.reference.as_ref()].into_iter().flatten() {
                if value.chars().any(char::is_whitespace) {
                    return Err(error_at(
                        &location,
                        format!("`{raw_name}` in `{section}` has white space in its {kind} URL or `ref`, which splits the line pipenv hands to pip: re-create the lockfile with `pipenv lock`"),
                    ));
                }
            }
            let url = if kind == "git" || url.contains('+') {
                url.clone()
            } else {
                format!("{kind}+{url}")
            };
            assembly.packages.push(LockedPackage {
                name,
                version: entry
                    .version
                    .as_deref()
                    .map(strip_pin)
                    .filter(|v| !v.is_empty()),
                source: Source::Git {
                    url: SecretUrl::new(url),
                    commit: entry.reference.clone(),
                },
                artifacts: Vec::new(),
                marker: entry.markers.clone().filter(|m| !m.trim().is_empty()),
                location,
                attestation_identities: Vec::new(),
            });
            continue;
        }

        let local = entry.file.as_ref().or(entry.path.as_ref());
        if local.is_none() && entry.version.is_none() {
            return Err(error_at(
                &location,
                format!("`{raw_name}` in `{section}` has no version and no git, path or file source: re-create the lockfile with `pipenv lock`"),
            ));
        }
        // What pip reads from the line pipenv writes for this entry
        let line_text = pip_line(&raw_name, &entry);
        let read = super::requirements::parse(
            &line_text,
            path,
            &mut super::requirements::NoIncludes,
        )
        .map_err(|err| {
            let reason = match err {
                LockError::Syntax { message, .. } | LockError::Invalid { message, .. } => message,
                LockError::Io { source, .. } => source.to_string(),
            };
            error_at(
                &location,
                format!("`{raw_name}` in `{section}` makes pipenv hand pip a line pip cannot read ({reason}): re-create the lockfile with `pipenv lock`"),
            )
        })?;
        let differs = |what: &str| {
            error_at(
                &location,
                format!("`{raw_name}` in `{section}` makes pipenv hand pip a line pip reads {what} than the lock shows (`{}`): re-create the lockfile with `pipenv lock`", crate::url::redact(&line_text)),
            )
        };
        if !read.indexes.is_empty() || read.packages.len() + read.unpinned.len() != 1 {
            return Err(differs("as other requirements or options"));
        }
        if let Some(unpinned) = read.unpinned.into_iter().next() {
            if crate::dist::normalize_name(&unpinned.name) != name.as_str() {
                return Err(differs("as another project"));
            }
            assembly.unpinned.push(Unpinned {
                name: name.to_string(),
                specifier: unpinned.specifier,
                location,
            });
            continue;
        }
        let Some(mut package) = read.packages.into_iter().next() else {
            return Err(differs("as nothing"));
        };
        if local.is_none() {
            // an index pin: pip reads exactly the lock's hashes, or the line says more
            let locked: BTreeSet<String> = entry
                .hashes
                .iter()
                .map(|h| h.to_ascii_lowercase())
                .collect();
            let read_hashes: BTreeSet<String> = package
                .artifacts
                .iter()
                .flat_map(|a| {
                    a.sha256
                        .iter()
                        .map(|s| format!("sha256:{s}"))
                        .chain(a.other_hashes.iter().map(ToString::to_string))
                })
                .collect();
            if package.name != name || read_hashes != locked {
                return Err(differs("with other hashes or as another project"));
            }
            let url = match &entry.index {
                Some(index) => source_urls
                    .get(index.as_str())
                    .map(|url| (*url).to_string())
                    .ok_or_else(|| {
                        error_at(
                            &location,
                            format!("`{raw_name}` in `{section}` names index `{index}`, which is not in `_meta.sources`: re-create the lockfile with `pipenv lock`"),
                        )
                    })?,
                None => sources
                    .first()
                    .map_or_else(|| super::PYPI_SIMPLE.to_string(), |(_, url)| url.clone()),
            };
            package.source = Source::Index {
                url: SecretUrl::new(url),
            };
        } else {
            // a `file` or `path` entry: pip names the project from the location
            if !package.name.as_str().is_empty() && package.name != name {
                return Err(differs("as another project"));
            }
            package.name = name;
            if package.version.is_none() {
                package.version = entry
                    .version
                    .as_deref()
                    .map(strip_pin)
                    .filter(|v| !v.is_empty());
            }
            if entry.editable == Some(true) {
                if let Source::Path { path } = &package.source {
                    package.source = Source::Editable { path: path.clone() };
                }
            }
        }
        package.location = location;
        package.marker = entry.markers.clone().filter(|m| !m.trim().is_empty());
        assembly.packages.push(package);
    }
    assembly.finish()
}

/// `==1.0` → `1.0` (also `===`).
fn strip_pin(version: &str) -> String {
    version
        .trim()
        .trim_start_matches("===")
        .trim_start_matches("==")
        .trim()
        .to_string()
}

/// The requirements line pipenv writes for an index, `file` or `path` entry
/// (`requirement_from_lockfile` with hashes and markers): the location alone for `file`
/// and `path` (no hashes), else name, extras, version, markers and `--hash` options.
fn pip_line(name: &str, entry: &EntryWire) -> String {
    let markers = entry
        .markers
        .as_deref()
        .filter(|m| !m.is_empty())
        .map(|m| format!("; {m}"))
        .unwrap_or_default();
    let os_markers = entry
        .os_markers
        .as_deref()
        .filter(|m| !m.is_empty())
        .map(|m| format!("; {m}"))
        .unwrap_or_default();
    if let Some(location) = entry.file.as_ref().or(entry.path.as_ref()) {
        let mut parts = Vec::new();
        if entry.editable == Some(true) {
            parts.push("-e".to_string());
        }
        parts.push(location.clone());
        if !os_markers.is_empty() {
            parts.push(os_markers);
        }
        if !markers.is_empty() {
            parts.push(markers);
        }
        return parts.join(" ");
    }
    let version = entry
        .version
        .as_deref()
        .filter(|v| v.trim() != "*")
        .unwrap_or("");
    let extras = if entry.extras.is_empty() {
        String::new()
    } else {
        format!("[{}]", entry.extras.join(","))
    };
    let hashes: String = entry
        .hashes
        .iter()
        .map(|hash| format!(" --hash={hash}"))
        .collect();
    format!("{name}{extras}{version}{os_markers}{markers}{hashes}")
}

/// Lines found by scanning the (already validated) JSON text.
struct ScannedLines {
    /// The line of every package key of every top-level object but `_meta` (the categories).
    packages: HashMap<(String, String), u32>,
    /// The line of each object of `_meta.sources`, in order.
    sources: Vec<u32>,
}

/// One pass over the text, tracking containers and the key each was opened under.
fn scan_lines(text: &str, lines: &LineIndex) -> ScannedLines {
    let bytes = text.as_bytes();
    let mut found = ScannedLines {
        packages: HashMap::new(),
        sources: Vec::new(),
    };
    // each open container, and the key it is the value of (for objects' members)
    let mut containers: Vec<(u8, Option<String>)> = Vec::new();
    let mut last_key: Option<String> = None;
    let mut section: Option<String> = None;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                let end = i.min(bytes.len().saturating_sub(1));
                i += 1;
                let is_key = containers.last().map(|(open, _)| *open) == Some(b'{')
                    && bytes[i.min(bytes.len())..]
                        .iter()
                        .find(|b| !b.is_ascii_whitespace())
                        == Some(&b':');
                if !is_key {
                    continue;
                }
                let key: String = text
                    .get(start..=end)
                    .and_then(|raw| serde_json::from_str(raw).ok())
                    .unwrap_or_default();
                match containers.len() {
                    1 => section = Some(key.clone()).filter(|k| k != META),
                    2 => {
                        if let Some(section) = &section {
                            found
                                .packages
                                .entry((section.clone(), key.clone()))
                                .or_insert_with(|| lines.line(start));
                        }
                    }
                    _ => {}
                }
                last_key = Some(key);
                continue;
            }
            open @ (b'{' | b'[') => {
                let in_sources = containers.len() == 3
                    && containers[1].1.as_deref() == Some("_meta")
                    && containers[2].0 == b'['
                    && containers[2].1.as_deref() == Some("sources");
                if open == b'{' && in_sources {
                    found.sources.push(lines.line(i));
                }
                let key = if containers.last().map(|(open, _)| *open) == Some(b'{') {
                    last_key.take()
                } else {
                    None
                };
                containers.push((open, key));
            }
            b'}' | b']' => {
                containers.pop();
            }
            _ => {}
        }
        i += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Lockfile, LockError> {
        parse(text, Path::new("Pipfile.lock"))
    }

    const H: &str = "1111111111111111111111111111111111111111111111111111111111111111";

    #[test]
    fn sections_sources_and_lines() {
        let text = format!(
            r#"{{
    "_meta": {{
        "pipfile-spec": 6,
        "sources": [
            {{"name": "pypi", "url": "https://pypi.org/simple", "verify_ssl": true}},
            {{"name": "private", "url": "https://private.example/simple", "verify_ssl": true}}
        ]
    }},
    "default": {{
        "Requests": {{"hashes": ["sha256:{H}"], "index": "private", "version": "==2.31.0"}},
        "six": {{"hashes": ["sha256:{H}"], "version": "==1.16.0", "markers": "python_version >= '2.7'"}},
        "loose": {{"version": "*"}},
        "tool": {{"editable": true, "git": "https://github.com/o/tool.git", "ref": "abc"}}
    }},
    "develop": {{
        "six": {{"hashes": ["sha256:{H}"], "index": "pypi", "version": "==1.16.0"}},
        "pipenv": {{"editable": true, "path": "."}},
        "wheel": {{"file": "../cache/wheel-1.0-py3-none-any.whl", "hashes": ["sha256:{H}"], "version": "==1.0"}}
    }}
}}"#
        );
        let lock = parse_text(&text).unwrap();
        let summary: Vec<(String, String, &str, u32)> = lock
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.to_string(),
                    p.version.clone().unwrap_or_default(),
                    p.source.kind(),
                    p.location.line,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("requests".into(), "2.31.0".into(), "index", 10),
                ("six".into(), "1.16.0".into(), "index", 11),
                ("tool".into(), "".into(), "git", 13),
                ("pipenv".into(), "".into(), "editable", 17),
                ("wheel".into(), "1.0".into(), "path", 18),
            ]
        );
        assert_eq!(
            lock.packages[0].source,
            Source::Index {
                url: SecretUrl::new("https://private.example/simple")
            }
        );
        assert_eq!(
            lock.packages[4].artifacts[0].filename,
            "wheel-1.0-py3-none-any.whl"
        );
        assert_eq!(lock.unpinned[0].name, "loose");
        assert_eq!(lock.indexes.len(), 2);
    }

    #[test]
    fn bad_input() {
        let err = parse_text("{\"_meta\": {\"pipfile-spec\": 5}}").unwrap_err();
        assert!(
            err.to_string()
                .contains("`pipfile-spec` 5 is not supported"),
            "{err}"
        );
        let err = parse_text("{\"_meta\": {\"pipfile-spec\": 6},\n \"default\": {\"a\": {\"index\": \"nope\", \"version\": \"==1\"}}}").unwrap_err();
        assert!(
            err.to_string().starts_with("Pipfile.lock:2:") && err.to_string().contains("`nope`"),
            "{err}"
        );
        let err =
            parse_text("{\"_meta\": {\"pipfile-spec\": 6},\n\n \"default\": {\"a\": ").unwrap_err();
        assert!(
            err.to_string().starts_with(
                "Pipfile.lock:3:18: malformed Pipfile.lock: EOF while parsing a value: fix"
            ),
            "{err}"
        );
    }

    #[test]
    fn key_scan_handles_escapes_and_nesting() {
        let text = "{\"default\": {\"a\\\"b\": {\"x\": [\"{\", \"}\"]},\n\"c\": {}}, \"other\": {\"d\": {}}}";
        let lines = LineIndex::new(text);
        let found = scan_lines(text, &lines).packages;
        assert_eq!(found.get(&("default".into(), "a\"b".to_string())), Some(&1));
        assert_eq!(found.get(&("default".into(), "c".to_string())), Some(&2));
        // `other` is a category too (pipenv installs any with `--categories`)
        assert_eq!(found.get(&("other".into(), "d".to_string())), Some(&2));
        assert_eq!(found.len(), 3);
    }

    #[test]
    fn sources_are_kinds_at_their_lines_and_unverified_hosts_are_trusted() {
        let text = "{\"_meta\": {\"pipfile-spec\": 6, \"sources\": [\n  {\"name\": \"pypi\", \"url\": \"https://pypi.org/simple\", \"verify_ssl\": true},\n  {\"name\": \"in\", \"url\": \"http://u:p@Mirror.example:8080/simple\", \"verify_ssl\": false}\n]},\n\"default\": {}}";
        let lock = parse_text(text).unwrap();
        let found: Vec<(String, IndexKind, u32)> = lock
            .indexes
            .iter()
            .map(|i| (i.url.expose().to_string(), i.kind, i.location.line))
            .collect();
        assert_eq!(
            found,
            vec![
                ("https://pypi.org/simple".into(), IndexKind::Index, 2),
                (
                    "http://u:p@Mirror.example:8080/simple".into(),
                    IndexKind::ExtraIndex,
                    3
                ),
                ("mirror.example:8080".into(), IndexKind::TrustedHost, 3),
            ]
        );
    }

    #[test]
    fn hashes_pip_refuses_are_errors_and_others_are_recorded() {
        let meta = "\"_meta\": {\"pipfile-spec\": 6, \"sources\": []}";
        let sha512 = "a".repeat(128);
        let text = format!("{{{meta}, \"default\": {{\"a\": {{\"version\": \"==1\", \"hashes\": [\"sha256:{H}\", \"sha512:{sha512}\"]}}}}}}");
        let lock = parse_text(&text).unwrap();
        let artifacts = &lock.packages[0].artifacts;
        assert_eq!(artifacts.len(), 2);
        assert_eq!(artifacts[0].sha256.as_deref(), Some(H));
        assert_eq!(artifacts[1].sha256, None);
        assert_eq!(
            artifacts[1].other_hashes[0].to_string(),
            format!("sha512:{sha512}")
        );
        for bad in [
            format!("md5:{}", "a".repeat(32)),
            format!("sha256={H}"),
            "sha512:abc".to_string(),
        ] {
            let text = format!("{{{meta},\n\"default\": {{\"a\": {{\"version\": \"==1\", \"hashes\": [\"{bad}\"]}}}}}}");
            let err = parse_text(&text).unwrap_err().to_string();
            assert!(err.starts_with("Pipfile.lock:2: "), "{bad}: {err}");
        }
    }

    fn project(name: &str, text: &str) -> ProjectFile {
        ProjectFile {
            path: std::path::PathBuf::from(name),
            text: text.to_string(),
        }
    }

    #[test]
    fn every_category_is_read() {
        let text = format!("{{\"_meta\": {{\"pipfile-spec\": 6, \"sources\": []}},\n \"default\": {{}},\n \"docs\": {{\"sphinx\": {{\"version\": \"==7.0\", \"hashes\": [\"sha256:{H}\"]}}}},\n \"note\": \"not a category\"}}");
        let lock = parse_text(&text).unwrap();
        assert_eq!(lock.packages.len(), 1);
        assert_eq!(lock.packages[0].name.as_str(), "sphinx");
        assert_eq!(lock.packages[0].location.line, 3);
    }

    #[test]
    fn entries_mean_what_the_pip_line_pipenv_writes_means() {
        let entry = |fields: &str| {
            format!("{{\"_meta\": {{\"pipfile-spec\": 6, \"sources\": []}},\n \"default\": {{\"a\": {{{fields}}}}}}}")
        };
        // a marker that smuggles in a hash pip would accept
        let smuggled = entry(&format!("\"version\": \"==1.0\", \"hashes\": [\"sha256:{H}\"], \"markers\": \"python_version >= '3' --hash=sha256:{}\"", "2".repeat(64)));
        let err = parse_text(&smuggled).unwrap_err().to_string();
        assert!(
            err.starts_with("Pipfile.lock:2:") && err.contains("pip"),
            "{err}"
        );
        // a version without its operator names another project to pip (`a1.0`)
        let err = parse_text(&entry("\"version\": \"1.0\""))
            .unwrap_err()
            .to_string();
        assert!(err.contains("another project"), "{err}");
        // extras and markers that pip reads as written
        let lock = parse_text(&entry(&format!("\"version\": \"==1.0\", \"extras\": [\"socks\"], \"markers\": \"python_version >= '3.8'\", \"hashes\": [\"sha256:{H}\"]"))).unwrap();
        assert_eq!(lock.packages[0].artifacts.len(), 1);
        assert_eq!(
            lock.packages[0].marker.as_deref(),
            Some("python_version >= '3.8'")
        );
        // a file URL's hash fragment is one pip checks
        let lock = parse_text(&entry(&format!(
            "\"file\": \"https://files.example/a-1.0-py3-none-any.whl#sha256={H}\""
        )))
        .unwrap();
        assert_eq!(lock.packages[0].source.kind(), "url");
        assert_eq!(lock.packages[0].artifacts[0].sha256.as_deref(), Some(H));
        // a file that is another project's is refused
        let err = parse_text(&entry(
            "\"file\": \"https://files.example/b-1.0-py3-none-any.whl\"",
        ))
        .unwrap_err()
        .to_string();
        assert!(err.contains("another project"), "{err}");
    }

    #[test]
    fn without_lock_sources_the_pipfile_sources_are_used() {
        let text = format!("{{\"_meta\": {{\"pipfile-spec\": 6, \"sources\": []}},\n \"default\": {{\"a\": {{\"version\": \"==1\", \"hashes\": [\"sha256:{H}\"]}}}}}}");
        let pipfile = project("Pipfile", "[[source]]\nname = \"own\"\nurl = \"https://own.example/simple\"\nverify_ssl = false\n");
        let lock = parse_with_project(&text, Path::new("Pipfile.lock"), Some(&pipfile)).unwrap();
        assert_eq!(
            lock.packages[0].source,
            Source::Index {
                url: SecretUrl::new("https://own.example/simple")
            }
        );
        let kinds: Vec<IndexKind> = lock.indexes.iter().map(|i| i.kind).collect();
        assert_eq!(kinds, vec![IndexKind::Index, IndexKind::TrustedHost]);
        assert_eq!(lock.indexes[0].location.path, Path::new("Pipfile"));
        // without a Pipfile: PyPI
        let lock = parse_text(&text).unwrap();
        assert_eq!(
            lock.packages[0].source,
            Source::Index {
                url: SecretUrl::new(super::super::PYPI_SIMPLE)
            }
        );
    }
}
