//! The project file an installer reads beside its lockfile to resolve the sources the lock
//! only names: Poetry's `pyproject.toml` (`[[tool.poetry.source]]`, which a `legacy`
//! package's `reference` names, and which decides where a package without a source comes
//! from), pdm's (`[[tool.pdm.source]]`, where pdm looks for every locked file) and pipenv's
//! `Pipfile` (`[[source]]`, used when the lock's `_meta.sources` is empty). Read with the
//! lockfile's own limits, inside the same tree.

use std::path::{Path, PathBuf};

use serde::Deserialize;

use super::common::first_line;
use super::{Location, LockError, LockFormat};

/// A project file's text and where it is.
pub(super) struct ProjectFile {
    pub path: PathBuf,
    pub text: String,
}

/// The project file of `format` beside `lockfile`, when the installer reads one and it
/// exists.
pub(super) fn read_beside(
    lockfile: &Path,
    format: LockFormat,
    root: &Path,
) -> Result<Option<ProjectFile>, LockError> {
    let name = match format {
        LockFormat::Poetry | LockFormat::Pdm => "pyproject.toml",
        LockFormat::Pipfile => "Pipfile",
        _ => return Ok(None),
    };
    let path = match lockfile.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir.join(name),
        _ => PathBuf::from(name),
    };
    if !path.exists() {
        return Ok(None);
    }
    let bytes = super::text::read_limited(&path, root)?;
    let text = String::from_utf8(bytes).map_err(|_| LockError::Invalid {
        path: path.clone(),
        message: "is not UTF-8 text, so the sources it configures cannot be read".into(),
    })?;
    Ok(Some(ProjectFile { path, text }))
}

/// One package source a project file configures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct ConfiguredSource {
    pub name: String,
    /// Absent for Poetry's `pypi` (PyPI, which takes no URL).
    pub url: Option<String>,
    /// Poetry's `priority`, lowercase (`primary` when not given).
    pub priority: String,
    pub verify_ssl: Option<bool>,
    /// pdm's `type`: `index` (when not given) or `find_links`.
    pub kind: Option<String>,
}

#[derive(Deserialize)]
struct PyprojectWire {
    tool: Option<ToolWire>,
}

#[derive(Deserialize)]
struct ToolWire {
    poetry: Option<PoetryWire>,
    pdm: Option<PdmWire>,
}

#[derive(Deserialize)]
struct PdmWire {
    #[serde(default)]
    source: Vec<SourceWire>,
}

#[derive(Deserialize)]
struct PoetryWire {
    #[serde(default)]
    source: Vec<SourceWire>,
}

#[derive(Deserialize)]
struct PipfileWire {
    #[serde(default)]
    source: Vec<SourceWire>,
}

#[derive(Deserialize)]
struct SourceWire {
    name: Option<String>,
    url: Option<String>,
    priority: Option<String>,
    verify_ssl: Option<bool>,
    #[serde(rename = "type")]
    kind: Option<String>,
}

fn invalid(project: &ProjectFile, message: String) -> LockError {
    LockError::Syntax {
        location: Location {
            path: project.path.clone(),
            line: 1,
        },
        message,
        excerpt: None,
    }
}

fn sources(
    project: &ProjectFile,
    wire: Vec<SourceWire>,
) -> Result<Vec<ConfiguredSource>, LockError> {
    wire.into_iter()
        .map(|source| {
            let name = source.name.ok_or_else(|| {
                invalid(
                    project,
                    "a configured source has no `name` (the installer refuses it): fix the project file".into(),
                )
            })?;
            Ok(ConfiguredSource {
                name,
                url: source.url,
                priority: source
                    .priority
                    .unwrap_or_else(|| "primary".into())
                    .to_ascii_lowercase(),
                verify_ssl: source.verify_ssl,
                kind: source.kind,
            })
        })
        .collect()
}

fn pyproject(project: &ProjectFile, installer: &str) -> Result<Option<ToolWire>, LockError> {
    let wire: PyprojectWire = toml::from_str(&project.text).map_err(|err| {
        invalid(
            project,
            format!(
                "malformed pyproject.toml: {}: {installer} cannot read its sources either; fix it",
                first_line(err.message())
            ),
        )
    })?;
    Ok(wire.tool)
}

/// `[[tool.poetry.source]]` of a `pyproject.toml`, in order.
pub(super) fn poetry_sources(project: &ProjectFile) -> Result<Vec<ConfiguredSource>, LockError> {
    let configured = pyproject(project, "Poetry")?
        .and_then(|tool| tool.poetry)
        .map(|poetry| poetry.source)
        .unwrap_or_default();
    sources(project, configured)
}

/// `[[tool.pdm.source]]` of a `pyproject.toml`, in order.
pub(super) fn pdm_sources(project: &ProjectFile) -> Result<Vec<ConfiguredSource>, LockError> {
    let configured = pyproject(project, "pdm")?
        .and_then(|tool| tool.pdm)
        .map(|pdm| pdm.source)
        .unwrap_or_default();
    sources(project, configured)
}

/// `[[source]]` of a `Pipfile`, in order.
pub(super) fn pipfile_sources(project: &ProjectFile) -> Result<Vec<ConfiguredSource>, LockError> {
    let wire: PipfileWire = toml::from_str(&project.text).map_err(|err| {
        invalid(
            project,
            format!(
                "malformed Pipfile: {}: pipenv cannot read its sources either; fix it",
                first_line(err.message())
            ),
        )
    })?;
    sources(project, wire.source)
}
