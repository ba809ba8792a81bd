//! Pipfile.lock (pipenv, `pipfile-spec` 6): the `default` and `develop` sections, merged and
//! de-duplicated by (name, version, source). An entry's `index` names a `_meta.sources`
//! entry, resolved to its URL; `git`/`hg`/`svn`/`bzr`, `path` and `file` entries are direct
//! sources. JSON has no spans, so each package's line is found by a light scan of the text.

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

use serde::Deserialize;

use super::common::{error_at, first_line, project_name, Assembly};
use super::hashes::{self, Accepted};
use super::text::{self, LineIndex};
use super::{
    Artifact, IndexKind, Location, LockError, LockFormat, LockedPackage, Lockfile, Source, Unpinned,
};
use crate::url::SecretUrl;

const SUPPORTED_SPEC: u64 = 6;
const SECTIONS: [&str; 2] = ["default", "develop"];

#[derive(Deserialize)]
struct LockWire {
    #[serde(rename = "_meta")]
    meta: Option<MetaWire>,
    #[serde(default)]
    default: BTreeMap<String, EntryWire>,
    #[serde(default)]
    develop: BTreeMap<String, EntryWire>,
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

pub(super) fn parse(text: &str, path: &Path) -> Result<Lockfile, LockError> {
    let wire: LockWire = serde_json::from_str(text).map_err(|err| LockError::Syntax {
        location: Location {
            path: path.to_path_buf(),
            line: u32::try_from(err.line().max(1)).unwrap_or(u32::MAX),
        },
        message: format!(
            "malformed Pipfile.lock: {}: fix the file or re-create it with `pipenv lock`",
            first_line(&err.to_string())
        ),
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
    // pipenv hands every source to pip (`prepare_pip_source_args`): the first as
    // `--index-url`, the others as `--extra-index-url`, and the host of each with
    // `verify_ssl = false` as `--trusted-host`
    for (at, source) in meta.sources.iter().enumerate() {
        let line = scanned.sources.get(at).copied().unwrap_or(1);
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
        assembly.add_index(url, kind, assembly.location(line));
        if source.verify_ssl == Some(false) {
            if let Some(host) = text::host_and_port_of(url) {
                assembly.add_index(&host, IndexKind::TrustedHost, assembly.location(line));
            }
        }
        sources.push((source.name.clone().unwrap_or_default(), url.clone()));
    }

    // name → URL, the first source of a name winning (as a linear scan would find it)
    let mut source_urls: HashMap<&str, &str> = HashMap::new();
    for (name, url) in &sources {
        source_urls.entry(name.as_str()).or_insert(url.as_str());
    }
    let mut entries: Vec<(u32, &str, String, EntryWire)> = Vec::new();
    for (section, map) in SECTIONS.into_iter().zip([wire.default, wire.develop]) {
        for (name, entry) in map {
            let line = key_lines
                .get(&(section, name.clone()))
                .copied()
                .unwrap_or(1);
            entries.push((line, section, name, entry));
        }
    }
    entries.sort_by_key(|(line, ..)| *line);

    for (line, section, raw_name, entry) in entries {
        let location = assembly.location(line);
        let name = project_name(&raw_name, &location)?;
        let version = entry.version.as_deref().map(|v| {
            v.trim()
                .trim_start_matches("===")
                .trim_start_matches("==")
                .trim()
                .to_string()
        });
        // pipenv passes each hash to pip as `--hash=…`: pip's algorithms, or pip refuses
        let artifacts_from = |filename: String| -> Result<Vec<Artifact>, LockError> {
            let digests = entry
                .hashes
                .iter()
                .map(|hash| {
                    hashes::check_colon(hash, Accepted::PipOption).map_err(|reason| {
                        error_at(
                            &location,
                            format!(
                                "`{raw_name}` in `{section}`: {}: pip refuses it; re-create the lockfile with `pipenv lock`",
                                first_line(&reason)
                            ),
                        )
                    })
                })
                .collect::<Result<Vec<_>, _>>()?;
            Ok(hashes::artifacts(&filename, None, digests))
        };

        let vcs = [
            ("git", &entry.git),
            ("hg", &entry.hg),
            ("svn", &entry.svn),
            ("bzr", &entry.bzr),
        ]
        .into_iter()
        .find_map(|(kind, url)| url.as_ref().map(|url| (kind, url)));
        let (source, artifacts) = if let Some((kind, url)) = vcs {
            let url = if kind == "git" || url.contains('+') {
                url.clone()
            } else {
                format!("{kind}+{url}")
            };
            let source = Source::Git {
                url: SecretUrl::new(url),
                commit: entry.reference.clone(),
            };
            (source, Vec::new())
        } else if let Some(local) = &entry.path {
            let source = if entry.editable == Some(true) {
                Source::Editable {
                    path: local.clone(),
                }
            } else {
                Source::Path {
                    path: local.clone(),
                }
            };
            (source, Vec::new())
        } else if let Some(file) = &entry.file {
            let filename = text::file_name_of(file);
            let remote = text::has_scheme(file) && !file.starts_with("file:");
            // pipenv installs a `file` entry without its hashes (`dependency_as_pip_install_line`
            // writes `name @ URL` or the path alone), so no hash binds the file it takes
            artifacts_from(String::new())?;
            let artifacts = vec![Artifact {
                filename,
                sha256: None,
                other_hashes: Vec::new(),
                url: remote.then(|| SecretUrl::new(file.clone())),
            }];
            let source = if remote {
                Source::Url {
                    url: SecretUrl::new(file.clone()),
                }
            } else {
                Source::Path { path: file.clone() }
            };
            (source, artifacts)
        } else {
            let Some(written) = entry.version.as_deref() else {
                return Err(error_at(
                    &location,
                    format!("`{raw_name}` in `{section}` has no version and no git, path or file source: re-create the lockfile with `pipenv lock`"),
                ));
            };
            if !written.trim_start().starts_with("==") || written.contains(['*', ',']) {
                assembly.unpinned.push(Unpinned {
                    name: name.to_string(),
                    specifier: written.to_string(),
                    location,
                });
                continue;
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
            let source = Source::Index {
                url: SecretUrl::new(url),
            };
            (source, artifacts_from(String::new())?)
        };
        assembly.packages.push(LockedPackage {
            name,
            version: version.filter(|v| !v.is_empty()),
            source,
            artifacts,
            marker: entry.markers.clone().filter(|m| !m.trim().is_empty()),
            location,
            attestation_identities: Vec::new(),
        });
    }
    assembly.finish()
}

/// Lines found by scanning the (already validated) JSON text.
struct ScannedLines {
    /// The line of every package key of the top-level `default` and `develop` objects.
    packages: HashMap<(&'static str, String), u32>,
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
    let mut section: Option<&'static str> = None;
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
                    1 => section = SECTIONS.into_iter().find(|s| *s == key),
                    2 => {
                        if let Some(section) = section {
                            found
                                .packages
                                .insert((section, key.clone()), lines.line(start));
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
            err.to_string()
                .starts_with("Pipfile.lock:3: malformed Pipfile.lock"),
            "{err}"
        );
    }

    #[test]
    fn key_scan_handles_escapes_and_nesting() {
        let text = "{\"default\": {\"a\\\"b\": {\"x\": [\"{\", \"}\"]},\n\"c\": {}}, \"other\": {\"d\": {}}}";
        let lines = LineIndex::new(text);
        let found = scan_lines(text, &lines).packages;
        assert_eq!(found.get(&("default", "a\"b".to_string())), Some(&1));
        assert_eq!(found.get(&("default", "c".to_string())), Some(&2));
        assert_eq!(found.len(), 2);
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
}
