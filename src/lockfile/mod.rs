//! Lockfiles: the domain model every reader produces, format detection, and dispatch.
//!
//! Each format has its own reader module with private wire structs; only the types
//! below cross module boundaries. `docs/lockfiles.md` describes what each reader supports.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::dist::PackageName;
use crate::url::SecretUrl;

mod common;
mod detect;
mod excerpt;
mod hashes;
mod pdm;
mod pipfile;
mod poetry;
mod project;
mod pylock;
mod requirements;
mod text;
mod uv;
mod uv_fast;

pub use detect::{detect_format, discover};
pub use excerpt::{Excerpt, MAX_EXCERPT_CHARS};
pub use pylock::identities::{
    write_identities, IdentityAddition, IdentityFields, IdentityWriteError,
};
pub use requirements::EXPAND_ENV_VARIABLE;
pub use text::is_pypi_index;

/// The default index every tool falls back to.
pub const PYPI_SIMPLE: &str = "https://pypi.org/simple";

/// Lockfiles (and requirements includes) larger than this are refused before being read:
/// the largest real lockfiles are a few MB, so this only stops mistakes and hostile input.
pub const MAX_LOCKFILE_BYTES: u64 = 32 * 1024 * 1024;

/// The lockfile formats pubgate reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LockFormat {
    Uv,
    Poetry,
    Requirements,
    Pylock,
    Pipfile,
    Pdm,
}

impl LockFormat {
    pub const ALL: [LockFormat; 6] = [
        LockFormat::Uv,
        LockFormat::Poetry,
        LockFormat::Requirements,
        LockFormat::Pylock,
        LockFormat::Pipfile,
        LockFormat::Pdm,
    ];

    /// The name used on the command line and in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            LockFormat::Uv => "uv",
            LockFormat::Poetry => "poetry",
            LockFormat::Requirements => "requirements",
            LockFormat::Pylock => "pylock",
            LockFormat::Pipfile => "pipfile",
            LockFormat::Pdm => "pdm",
        }
    }
}

impl fmt::Display for LockFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for LockFormat {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        LockFormat::ALL
            .into_iter()
            .find(|f| f.as_str() == s)
            .ok_or_else(|| format!("unknown lockfile format `{s}` (expected one of uv, poetry, requirements, pylock, pipfile, pdm)"))
    }
}

/// Where something came from: a file and a 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Location {
    pub path: PathBuf,
    pub line: u32,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.path.display(), self.line)
    }
}

/// Where a locked package comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Source {
    /// A package index (PEP 503/691 simple API); `url` is the index root as the lockfile names it
    /// (credentials kept for requests, redacted when shown), e.g. `https://pypi.org/simple`.
    Index { url: SecretUrl },
    /// A VCS checkout; `commit` is the resolved revision when the lockfile records it.
    Git {
        url: SecretUrl,
        commit: Option<String>,
    },
    /// A direct archive URL.
    Url { url: SecretUrl },
    /// A local archive or a non-editable local source tree.
    Path { path: String },
    /// An editable local source tree.
    Editable { path: String },
    /// A project or workspace member that is not a package (uv `virtual`).
    Virtual { path: String },
}

impl Source {
    /// Whether this package is fetched from a package index.
    pub fn is_index(&self) -> bool {
        matches!(self, Source::Index { .. })
    }

    /// The `kind` string used in JSON and reports.
    pub fn kind(&self) -> &'static str {
        match self {
            Source::Index { .. } => "index",
            Source::Git { .. } => "git",
            Source::Url { .. } => "url",
            Source::Path { .. } => "path",
            Source::Editable { .. } => "editable",
            Source::Virtual { .. } => "virtual",
        }
    }
}

/// One file a package may be installed from.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Artifact {
    /// The distribution filename, e.g. `requests-2.32.3-py3-none-any.whl`. For requirements
    /// files, which lock hashes without filenames, this is empty and only `sha256` is known.
    pub filename: String,
    /// Lowercase hex sha256, when the lockfile records one.
    pub sha256: Option<String>,
    /// Hashes in other algorithms (`sha384`, `sha512`, …) that the installer would also
    /// accept for this file. Attestations bind sha256 digests only, so each of these must
    /// be bound to an examined file by the index, or it is a finding: the installer takes
    /// any file matching *any* hash of a requirement.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub other_hashes: Vec<LockedHash>,
    /// Download URL, when the lockfile records one.
    pub url: Option<SecretUrl>,
}

/// A hash in an algorithm other than sha256, as the lockfile records it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct LockedHash {
    /// The `hashlib` name, lowercase: `sha384`, `sha512`, `md5`, …
    pub algorithm: String,
    /// Lowercase hex.
    pub digest: String,
}

impl fmt::Display for LockedHash {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.algorithm, self.digest)
    }
}

/// What kind of package source a lockfile option or table names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IndexKind {
    /// The primary index (`--index-url`, a named source, a package's registry).
    Index,
    /// An additional index searched too (`--extra-index-url`).
    ExtraIndex,
    /// A page or directory of links (`--find-links`, `-f`, a uv flat index).
    FindLinks,
    /// A host the installer trusts over plain http or with unverified TLS (`--trusted-host`);
    /// `url` holds the host as written.
    TrustedHost,
}

impl IndexKind {
    /// The option or key as a user would recognise it.
    pub fn describe(self) -> &'static str {
        match self {
            IndexKind::Index => "index",
            IndexKind::ExtraIndex => "extra index",
            IndexKind::FindLinks => "find-links location",
            IndexKind::TrustedHost => "trusted host",
        }
    }
}

/// A package source the lockfile tells the installer to use, with where it says so.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct NamedIndex {
    pub url: SecretUrl,
    pub kind: IndexKind,
    pub location: Location,
}

/// One locked release.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockedPackage {
    /// PEP 503-normalized name.
    pub name: PackageName,
    /// The version as written (operators stripped); absent only for non-index sources.
    pub version: Option<String>,
    pub source: Source,
    pub artifacts: Vec<Artifact>,
    /// PEP 508 marker, when the entry is conditional.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    pub location: Location,
    /// Publisher identities the lockfile itself records (PEP 751 `attestation-identities`);
    /// empty for every other format.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attestation_identities: Vec<LockedIdentity>,
}

/// A publisher identity a lockfile records for a package (PEP 751
/// `[[packages.attestation-identities]]`): who attested its files when it was locked. The
/// gate compares it with the *verified* publisher.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LockedIdentity {
    /// As written, e.g. `GitHub`.
    pub kind: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub workflow_filepath: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    pub location: Location,
}

/// A requirement that is not an exact pin (requirements files only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Unpinned {
    pub name: String,
    /// The version specifier as written, `""` when there is none.
    pub specifier: String,
    pub location: Location,
}

/// A parsed lockfile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Lockfile {
    pub path: PathBuf,
    pub format: LockFormat,
    pub packages: Vec<LockedPackage>,
    pub unpinned: Vec<Unpinned>,
    /// Every package source the installer will use because of this file (requirements
    /// `--index-url`, `--extra-index-url`, `--find-links`, `--trusted-host` as pip ends up
    /// using them, PyPI included while it stays the default; Pipfile sources and their
    /// trusted hosts; uv, poetry and pylock indexes), in order, each once per (url, kind), at
    /// the file and line that names it; empty when it names none (PyPI by default).
    pub indexes: Vec<NamedIndex>,
}

/// Why a lockfile could not be read. Every variant names the file; the line where known.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("{path}: cannot read: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `excerpt`, when the reader knows the column: the line it points into, for
    /// `report::excerpt` to show with a caret.
    #[error("{location}{}: {message}", column_suffix(.excerpt.as_deref()))]
    Syntax {
        location: Location,
        message: String,
        excerpt: Option<Box<Excerpt>>,
    },
    #[error("{path}: {message}")]
    Invalid { path: PathBuf, message: String },
}

/// `:12` after `file:line` when the column is known.
fn column_suffix(excerpt: Option<&Excerpt>) -> String {
    excerpt.map_or_else(String::new, |excerpt| format!(":{}", excerpt.column()))
}

impl LockError {
    /// The source line a syntax error points into, when the reader knows the column.
    pub fn excerpt(&self) -> Option<(&Location, &Excerpt)> {
        match self {
            LockError::Syntax {
                location,
                excerpt: Some(excerpt),
                ..
            } => Some((location, excerpt)),
            _ => None,
        }
    }
}

/// Reads and parses one lockfile. `format` overrides detection (by file name, then content).
/// Requirements includes (`-r`, `-c`) are read relative to the including file.
///
/// The file and its includes must be regular files inside the tree the lockfile belongs to
/// (its repository, else its directory; see [`crate::input`]): a symlink to
/// `/proc/self/environ`, `~/.netrc` or a FIFO is refused, never echoed into a report.
pub fn read(path: &Path, format: Option<LockFormat>) -> Result<Lockfile, LockError> {
    let root = crate::input::tree_root(path);
    let bytes = text::read_limited(path, &root)?;
    let named = format.or_else(|| detect::by_name(path));
    let text = text::decode(path, &bytes, named == Some(LockFormat::Requirements))?;
    let format = resolve_format(path, &text, named)?;
    check_bom(path, &bytes, format)?;
    let project = project::read_beside(path, format, &root)?;
    parse_with(
        &text,
        path,
        format,
        project.as_ref(),
        &mut requirements::FsIncludes { root },
    )
}

/// Parses lockfile text without touching the filesystem; `path` is used for detection and
/// locations only. Requirements includes (`-r`, `-c`) need the filesystem: they are refused
/// here with an error naming the include; use [`read`] for files that have them.
pub fn parse_str(
    text: &str,
    path: &Path,
    format: Option<LockFormat>,
) -> Result<Lockfile, LockError> {
    let stripped = text.strip_prefix('\u{feff}');
    let text = stripped.unwrap_or(text);
    let format = resolve_format(path, text, format.or_else(|| detect::by_name(path)))?;
    if stripped.is_some() {
        check_bom(path, "\u{feff}".as_bytes(), format)?;
    }
    parse_with(text, path, format, None, &mut requirements::NoIncludes)
}

/// A UTF-8 byte order mark: pipenv (`utf-8-sig`), uv and pip's requirements reader accept
/// one; Poetry, pdm and pip's pylock reader parse with `tomllib`, which refuses it.
fn check_bom(path: &Path, bytes: &[u8], format: LockFormat) -> Result<(), LockError> {
    let refused_by = match format {
        LockFormat::Poetry => "Poetry",
        LockFormat::Pdm => "pdm",
        LockFormat::Pylock => "pip",
        _ => return Ok(()),
    };
    if bytes.starts_with(b"\xEF\xBB\xBF") {
        return Err(LockError::Syntax {
            location: Location {
                path: path.to_path_buf(),
                line: 1,
            },
            message: format!(
                "starts with a byte order mark, which {refused_by} refuses (TOML parsed by `tomllib`): save the file as UTF-8 without a BOM"
            ),
            excerpt: None,
        });
    }
    Ok(())
}

fn resolve_format(
    path: &Path,
    text: &str,
    format: Option<LockFormat>,
) -> Result<LockFormat, LockError> {
    format
        .or_else(|| detect::by_content(text))
        .ok_or_else(|| LockError::Invalid {
            path: path.to_path_buf(),
            message: "is not a lockfile pubgate recognises (uv.lock, poetry.lock, pylock.toml, \
                      Pipfile.lock, pdm.lock, requirements*.txt): name the format with `--lock-format`"
                .into(),
        })
}

fn parse_with(
    text: &str,
    path: &Path,
    format: LockFormat,
    project: Option<&project::ProjectFile>,
    includes: &mut dyn requirements::Includes,
) -> Result<Lockfile, LockError> {
    match format {
        LockFormat::Uv => uv::parse(text, path, true),
        LockFormat::Poetry => poetry::parse_with_project(text, path, project),
        LockFormat::Requirements => requirements::parse(text, path, includes),
        LockFormat::Pylock => pylock::parse(text, path),
        LockFormat::Pipfile => pipfile::parse_with_project(text, path, project),
        LockFormat::Pdm => pdm::parse_with_project(text, path, project),
    }
}

/// The uv reader with its canonical-layout fast path switched off: for tests and benchmarks
/// that check the fast path changes nothing.
#[doc(hidden)]
pub fn parse_uv_without_fast_path(text: &str, path: &Path) -> Result<Lockfile, LockError> {
    uv::parse(text, path, false)
}
