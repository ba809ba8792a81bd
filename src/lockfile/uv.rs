//! uv.lock (`version = 1`, any `revision`; script locks `*.py.lock` too): every `[[package]]`
//! with its source (`registry`, `git`, `url`, `path`, `directory`, `editable`, `virtual`),
//! its sdist and wheels. Pre-stable `[[distribution]]` locks (uv 0.2) are refused.

use std::fmt;
use std::path::Path;

use serde::de::{self, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use toml::Spanned;

use super::common::{error_at, first_line, from_toml, project_name, Assembly};
use super::hashes::{self, Accepted};
use super::text::{self, LineIndex};
use super::uv_fast::{self, FastArtifact};
use super::{
    Artifact, IndexKind, Location, LockError, LockFormat, LockedPackage, Lockfile, Source,
};
use crate::url::SecretUrl;

/// The uv.lock schema version pubgate reads (uv's `VERSION`).
const SUPPORTED_VERSION: i64 = 1;

#[derive(Deserialize)]
struct LockWire {
    version: Option<Spanned<toml::Value>>,
    #[serde(default)]
    package: Vec<PackageWire>,
    distribution: Option<IgnoredAny>,
}

/// Only the keys that decide the format version, for a clear message when the rest of a
/// newer or older lockfile does not fit [`LockWire`].
#[derive(Deserialize)]
struct HeaderWire {
    version: Option<Spanned<toml::Value>>,
    distribution: Option<IgnoredAny>,
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct PackageWire {
    name: Spanned<String>,
    version: Option<String>,
    source: Option<SourceWire>,
    sdist: Option<ArtifactWire>,
    #[serde(default)]
    wheels: WheelsWire,
    /// Newer uv factors a common URL prefix of the artifacts out into this key.
    artifact_base: Option<String>,
}

#[derive(Deserialize)]
struct SourceWire {
    registry: Option<String>,
    git: Option<String>,
    url: Option<String>,
    path: Option<String>,
    directory: Option<String>,
    editable: Option<String>,
    #[serde(rename = "virtual")]
    virtual_: Option<String>,
}

/// One sdist or wheel entry, or a reference to one the fast path already read.
#[derive(Deserialize)]
struct ArtifactWire {
    url: Option<String>,
    path: Option<String>,
    filename: Option<String>,
    hash: Option<String>,
    /// A zstd-compressed copy of the wheel a registry may serve: uv accepts the wheel when
    /// it matches this hash too (`Package::to_dist` chains `wheel.zstd` hashes).
    zstd: Option<ZstdWire>,
    #[serde(rename = "pubgate-fast-path-artifact")]
    fast: Option<usize>,
}

#[derive(Deserialize)]
struct ZstdWire {
    hash: Option<String>,
}

impl ArtifactWire {
    fn view(&self) -> FastArtifact<'_> {
        FastArtifact {
            url: self.url.as_deref(),
            path: self.path.as_deref(),
            filename: self.filename.as_deref(),
            hash: self.hash.as_deref(),
        }
    }
}

/// `wheels`: a list, or the range of fast-path artifacts that replaced the list.
#[derive(Default)]
enum WheelsWire {
    #[default]
    None,
    List(Vec<ArtifactWire>),
    Fast(usize, usize),
}

impl<'de> Deserialize<'de> for WheelsWire {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct WheelsVisitor;
        impl<'de> Visitor<'de> for WheelsVisitor {
            type Value = WheelsWire;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an array of wheels")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<WheelsWire, A::Error> {
                let mut wheels = Vec::new();
                while let Some(wheel) = seq.next_element()? {
                    wheels.push(wheel);
                }
                Ok(WheelsWire::List(wheels))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<WheelsWire, A::Error> {
                let mut range = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == uv_fast::FAST_WHEELS_KEY && range.is_none() {
                        range = Some(map.next_value::<(usize, usize)>()?);
                    } else {
                        return Err(de::Error::custom("`wheels` must be an array"));
                    }
                }
                let (start, end) =
                    range.ok_or_else(|| de::Error::custom("`wheels` must be an array"))?;
                Ok(WheelsWire::Fast(start, end))
            }
        }
        deserializer.deserialize_any(WheelsVisitor)
    }
}

/// Reads a uv.lock. `fast` enables the canonical-layout fast path (see `uv_fast`), which
/// gives the same result as the plain TOML path, faster.
pub(super) fn parse(text: &str, path: &Path, fast: bool) -> Result<Lockfile, LockError> {
    let prepared = if fast { uv_fast::prepare(text) } else { None };
    let (document, fast_artifacts) = match prepared {
        Some(prepared) => (std::borrow::Cow::Owned(prepared.text), prepared.artifacts),
        None => (std::borrow::Cow::Borrowed(text), Vec::new()),
    };
    let lines = LineIndex::new(&document);
    let wire: LockWire = match from_toml(&document, path, &lines, "uv.lock") {
        Ok(wire) => wire,
        Err(err) => {
            // Prefer "unsupported version" over a shape error from a layout we do not know.
            if let Ok(header) = toml::from_str::<HeaderWire>(text) {
                check_header(
                    header.version,
                    header.distribution.is_some(),
                    path,
                    &LineIndex::new(text),
                )?;
            }
            return Err(err);
        }
    };
    check_header(wire.version, wire.distribution.is_some(), path, &lines)?;

    let mut assembly = Assembly::new(path, LockFormat::Uv);
    for package in wire.package {
        let location = assembly.location(lines.line(package.name.span().start));
        let name = project_name(package.name.get_ref(), &location)?;
        let source = source(package.source, &name, &location, &mut assembly)?;
        let base = package.artifact_base.as_deref();
        let fast = |at: usize| {
            fast_artifacts
                .get(at)
                .copied()
                .ok_or_else(|| error_at(&location, "uses a `pubgate-fast-path-*` key, a name pubgate reserves: this is not a uv.lock as uv writes it"))
        };
        let mut views: Vec<FastArtifact<'_>> = Vec::new();
        if let Some(sdist) = &package.sdist {
            views.push(match sdist.fast {
                Some(at) => fast(at)?,
                None => sdist.view(),
            });
        }
        match &package.wheels {
            WheelsWire::None => {}
            WheelsWire::List(list) => {
                for wheel in list {
                    views.push(wheel.view());
                    // the zstd copy's hash, recorded as another artifact of that wheel so
                    // that no hash uv accepts is dropped (nothing attests it: a finding)
                    if let Some(hash) = wheel.zstd.as_ref().and_then(|z| z.hash.as_deref()) {
                        views.push(FastArtifact {
                            hash: Some(hash),
                            ..wheel.view()
                        });
                    }
                }
            }
            WheelsWire::Fast(start, end) => {
                for at in *start..*end {
                    views.push(fast(at)?);
                }
            }
        }
        let artifacts = views
            .into_iter()
            .map(|view| artifact(view, base, &name, &location))
            .collect::<Result<Vec<_>, _>>()?;
        assembly.packages.push(LockedPackage {
            name,
            version: package.version,
            source,
            artifacts,
            marker: None,
            location,
            attestation_identities: Vec::new(),
        });
    }
    assembly.finish()
}

fn check_header(
    version: Option<Spanned<toml::Value>>,
    has_distribution: bool,
    path: &Path,
    lines: &LineIndex,
) -> Result<(), LockError> {
    let location = |offset| Location {
        path: path.to_path_buf(),
        line: lines.line(offset),
    };
    if has_distribution {
        return Err(LockError::Invalid {
            path: path.to_path_buf(),
            message: "uses `[[distribution]]` tables, the pre-release lockfile layout of uv 0.2, which pubgate does not read: re-lock with a current uv (`uv lock`)".into(),
        });
    }
    let Some(version) = version else {
        return Err(LockError::Invalid {
            path: path.to_path_buf(),
            message: "has no top-level `version`, so it is not a uv.lock pubgate can read: re-lock with `uv lock`, or name the format with `--lock-format`".into(),
        });
    };
    match version.get_ref() {
        toml::Value::Integer(SUPPORTED_VERSION) => Ok(()),
        other => Err(error_at(
            &location(version.span().start),
            format!(
                "uv.lock `version = {other}` is not supported (pubgate reads version {SUPPORTED_VERSION}): upgrade pubgate, or re-lock with a uv that writes version {SUPPORTED_VERSION}"
            ),
        )),
    }
}

fn source(
    wire: Option<SourceWire>,
    name: &str,
    location: &Location,
    assembly: &mut Assembly,
) -> Result<Source, LockError> {
    let Some(wire) = wire else {
        return Err(error_at(
            location,
            format!("package `{name}` has no `source`: re-create the lockfile with `uv lock`"),
        ));
    };
    let kinds = [
        wire.registry.is_some(),
        wire.git.is_some(),
        wire.url.is_some(),
        wire.path.is_some(),
        wire.directory.is_some(),
        wire.editable.is_some(),
        wire.virtual_.is_some(),
    ];
    if kinds.iter().filter(|set| **set).count() != 1 {
        return Err(error_at(
            location,
            format!(
                "package `{name}` needs exactly one source kind (registry, git, url, path, directory, editable or virtual): re-create the lockfile with `uv lock`"
            ),
        ));
    }
    Ok(if let Some(registry) = wire.registry {
        // a URL, or a local directory used as a flat index (`--find-links`)
        let kind = if text::has_scheme(&registry) {
            IndexKind::Index
        } else {
            IndexKind::FindLinks
        };
        assembly.add_index(&registry, kind, location.clone());
        Source::Index {
            url: SecretUrl::new(registry),
        }
    } else if let Some(git) = wire.git {
        // `https://host/repo?rev=…#<commit>`: the fragment is the resolved commit
        let (url, commit) = match git.split_once('#') {
            Some((url, commit)) if !commit.is_empty() => {
                (url.to_string(), Some(commit.to_string()))
            }
            _ => (git, None),
        };
        Source::Git {
            url: SecretUrl::new(url),
            commit,
        }
    } else if let Some(url) = wire.url {
        Source::Url {
            url: SecretUrl::new(url),
        }
    } else if let Some(path) = wire.path.or(wire.directory) {
        Source::Path { path }
    } else if let Some(path) = wire.editable {
        Source::Editable { path }
    } else {
        Source::Virtual {
            path: wire.virtual_.unwrap_or_default(),
        }
    })
}

fn artifact(
    wire: FastArtifact<'_>,
    base: Option<&str>,
    name: &str,
    location: &Location,
) -> Result<Artifact, LockError> {
    let url = match wire.url {
        Some(url) => Some(join_artifact_base(base, url).ok_or_else(|| {
            error_at(
                location,
                format!(
                    "package `{name}` has an artifact URL `{}` that cannot be resolved against its `artifact-base`",
                    crate::url::redact(url)
                ),
            )
        })?),
        None => None,
    };
    let filename = match wire.filename {
        Some(filename) => filename.to_string(),
        None => url
            .as_deref()
            .or(wire.path)
            .map(text::file_name_of)
            .unwrap_or_default(),
    };
    if filename.is_empty() {
        return Err(error_at(
            location,
            format!("package `{name}` has an sdist or wheel with no `url`, `path` or `filename`: re-create the lockfile with `uv lock`"),
        ));
    }
    // uv's `HashDigest` (md5, sha256, sha384, sha512, blake2b): uv refuses any other
    let (sha256, other_hashes) = match wire.hash {
        Some(hash) => hashes::check_colon(hash, Accepted::Uv)
            .map_err(|reason| {
                error_at(
                    location,
                    format!(
                        "package `{name}`, `{filename}`: {}: re-create the lockfile with `uv lock`",
                        first_line(&reason)
                    ),
                )
            })?
            .into_fields(),
        None => (None, Vec::new()),
    };
    Ok(Artifact {
        filename,
        sha256,
        other_hashes,
        url: url.map(SecretUrl::new),
    })
}

/// A relative artifact URL joined to the package's `artifact-base` (an absolute directory
/// URL); an absolute URL as it is; `None` when it cannot be resolved.
fn join_artifact_base(base: Option<&str>, url: &str) -> Option<String> {
    if text::has_scheme(url) {
        return Some(url.to_string());
    }
    let base = base?;
    if !base.ends_with('/') || !text::has_scheme(base) || url.starts_with('/') {
        return None;
    }
    if url
        .split('/')
        .any(|segment| segment == ".." || segment == ".")
    {
        return None;
    }
    Some(format!("{base}{url}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_text(text: &str) -> Result<Lockfile, LockError> {
        let slow = parse(text, Path::new("uv.lock"), false);
        let fast = parse(text, Path::new("uv.lock"), true);
        match (&slow, &fast) {
            (Ok(a), Ok(b)) => assert_eq!(a, b),
            (Err(a), Err(b)) => assert_eq!(a.to_string(), b.to_string()),
            _ => panic!("fast path disagrees: {slow:?} vs {fast:?}"),
        }
        fast
    }

    const HASH: &str = "sha256:75d7cefc7fb576747b2c81b4442d4d4a1ce0900973527c011d1030fd3bf4af1b";

    #[test]
    fn every_source_kind() {
        let text = format!(
            r#"version = 1
revision = 5

[[package]]
name = "Attrs"
version = "25.3.0"
source = {{ registry = "https://pypi.org/simple" }}
sdist = {{ url = "https://files.example/attrs-25.3.0.tar.gz", hash = "{HASH}", size = 1, upload-time = "2025-03-13T11:10:22.779Z" }}
wheels = [
    {{ url = "https://files.example/attrs-25.3.0-py3-none-any.whl", hash = "{HASH}", size = 2 }},
]

[[package]]
name = "torch"
version = "2.3.0+cpu"
source = {{ registry = "https://download.pytorch.org/whl/cpu" }}
wheels = [
    {{ url = "https://download.pytorch.org/whl/cpu/torch-2.3.0%2Bcpu-cp312-none-linux_x86_64.whl" }},
]

[[package]]
name = "local-wheels"
version = "1.0"
source = {{ registry = "../wheelhouse" }}
wheels = [
    {{ path = "local_wheels-1.0-py3-none-any.whl", hash = "{HASH}" }},
]

[[package]]
name = "mflux"
version = "0.17.5"
source = {{ git = "https://github.com/o/mflux?branch=exo2#0fdd4cca9468dd92d8c2511c88031e937655eb01" }}

[[package]]
name = "idna"
version = "3.20"
source = {{ url = "https://files.example/idna-3.20-py3-none-any.whl" }}
wheels = [
    {{ url = "https://files.example/idna-3.20-py3-none-any.whl", hash = "{HASH}" }},
]

[[package]]
name = "archive"
version = "1.0"
source = {{ path = "dist/archive-1.0.tar.gz" }}
sdist = {{ path = "dist/archive-1.0.tar.gz" }}

[[package]]
name = "tree"
version = "0.1"
source = {{ directory = "../tree" }}

[[package]]
name = "member"
source = {{ editable = "libs/member" }}

[[package]]
name = "root"
version = "0.1.0"
source = {{ virtual = "." }}
"#
        );
        let lock = parse_text(&text).unwrap();
        let summary: Vec<(&str, &str, usize, u32)> = lock
            .packages
            .iter()
            .map(|p| {
                (
                    p.name.as_str(),
                    p.source.kind(),
                    p.artifacts.len(),
                    p.location.line,
                )
            })
            .collect();
        assert_eq!(
            summary,
            vec![
                ("attrs", "index", 2, 5),
                ("torch", "index", 1, 14),
                ("local-wheels", "index", 1, 22),
                ("mflux", "git", 0, 30),
                ("idna", "url", 1, 35),
                ("archive", "path", 1, 43),
                ("tree", "path", 0, 49),
                ("member", "editable", 0, 54),
                ("root", "virtual", 0, 58),
            ]
        );
        assert_eq!(
            lock.packages[1].artifacts[0].filename,
            "torch-2.3.0+cpu-cp312-none-linux_x86_64.whl"
        );
        assert_eq!(lock.packages[1].artifacts[0].sha256, None);
        assert_eq!(lock.packages[2].artifacts[0].url, None);
        assert_eq!(
            lock.packages[3].source,
            Source::Git {
                url: SecretUrl::new("https://github.com/o/mflux?branch=exo2"),
                commit: Some("0fdd4cca9468dd92d8c2511c88031e937655eb01".into())
            }
        );
        assert_eq!(lock.packages[7].version, None);
        let indexes: Vec<&str> = lock.indexes.iter().map(|i| i.url.expose()).collect();
        assert_eq!(
            indexes,
            vec![
                "https://pypi.org/simple",
                "https://download.pytorch.org/whl/cpu",
                "../wheelhouse"
            ]
        );
    }

    #[test]
    fn versions_and_layouts() {
        let err =
            parse_text("version = 2\n[[package]]\nname = \"a\"\nsource = { registry = \"x\" }\n")
                .unwrap_err();
        assert!(
            err.to_string()
                .starts_with("uv.lock:1: uv.lock `version = 2` is not supported"),
            "{err}"
        );
        // a shape error in an unknown version still reports the version
        let err = parse_text("version = 3\n[[package]]\nname = 5\n").unwrap_err();
        assert!(
            err.to_string().contains("`version = 3` is not supported"),
            "{err}"
        );
        let err = parse_text("version = 1\n\n[[distribution]]\nname = \"a\"\nversion = \"1\"\nsource = \"registry+https://pypi.org/simple\"\n").unwrap_err();
        assert!(err.to_string().contains("`[[distribution]]`"), "{err}");
        assert!(parse_text("version = 1\nrevision = 99\n")
            .unwrap()
            .packages
            .is_empty());
        let err = parse_text("version = 1\n[[package]]\nname = \"a\"\nsource = { registry = \"https://pypi.org/simple\" }\n").unwrap_err();
        assert!(err.to_string().contains("has no version"), "{err}");
        let err = parse_text("version = 1\n[[package]]\nname = \"a\"\nversion = \"not a version\"\nsource = { registry = \"https://pypi.org/simple\" }\n").unwrap_err();
        assert!(
            err.to_string().starts_with("uv.lock:3:") && err.to_string().contains("PEP 440"),
            "{err}"
        );
        let err = parse_text("version = 1\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = { registry = \"r\", git = \"g\" }\n").unwrap_err();
        assert!(err.to_string().contains("exactly one source kind"), "{err}");
    }

    #[test]
    fn artifact_base_joins_relative_urls() {
        let text = format!("version = 1\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\nartifact-base = \"https://files.example/packages/\"\nsdist = {{ url = \"ab/a-1.tar.gz\", hash = \"{HASH}\" }}\nwheels = [\n    {{ url = \"cd/a-1-py3-none-any.whl\", hash = \"{HASH}\" }},\n]\n");
        let lock = parse_text(&text).unwrap();
        let urls: Vec<String> = lock.packages[0]
            .artifacts
            .iter()
            .map(|a| a.url.as_ref().unwrap().expose().to_string())
            .collect();
        assert_eq!(
            urls,
            vec![
                "https://files.example/packages/ab/a-1.tar.gz",
                "https://files.example/packages/cd/a-1-py3-none-any.whl"
            ]
        );
        assert!(parse_text(&text.replace("ab/a-1", "../a-1")).is_err());
    }

    #[test]
    fn reserved_fast_path_keys_are_refused() {
        let err = parse_text("version = 1\n[[package]]\nname = \"a\"\nversion = \"1\"\nsource = { registry = \"https://pypi.org/simple\" }\nsdist = { pubgate-fast-path-artifact = 0 }\n").unwrap_err();
        assert!(err.to_string().contains("reserves"), "{err}");
    }

    #[test]
    fn malformed_toml_names_the_line_and_column() {
        let err =
            parse_text("version = 1\n\n[[package]]\nname = \"a\nversion = \"1\"\n").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("uv.lock:4:10: malformed uv.lock"),
            "{err}"
        );
    }
}
