//! Finding and loading a policy: strict TOML with spans (`schema` first, then every key),
//! validated into the [`Policy`] model with errors that point at file:line:column.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use pep440_rs::{Operator, VersionSpecifiers};
use serde::de::{self, IgnoredAny};
use serde::Deserialize;
use toml::Spanned;

mod project;

use super::names::NamePattern;
use super::publisher::{parse_kind, PublisherRequirement, RefPattern};
use super::{
    AllowedSource, Exemption, LevelSetting, NameEntry, PackageEntry, Policy, PolicyError,
    PolicySource, Position, Sources,
};
use crate::rules::{Level, Rule, Scope};
use crate::verify::PublisherKind;

/// The built-in default policy (`policies/default.toml`), used when no policy is found.
pub const DEFAULT_POLICY: &str = include_str!("../../policies/default.toml");

/// The only policy schema this version understands.
const SCHEMA: i64 = 1;

/// Dedicated policy files looked for, in this order, in the working directory.
const POLICY_FILES: [&str; 2] = ["pubgate.toml", ".pubgate.toml"];

/// Loads the policy to use: `explicit` if given (a `pyproject.toml` is read from its
/// `[tool.pubgate]`), else the first found in `dir` of `pubgate.toml`, `.pubgate.toml`,
/// `[tool.pubgate]` in `pyproject.toml`, else the built-in default.
pub fn load(explicit: Option<&Path>, dir: &Path) -> Result<Policy, PolicyError> {
    if let Some(path) = explicit {
        return read_file(path);
    }
    match discover(dir)? {
        PolicySource::BuiltIn => from_str(DEFAULT_POLICY, PolicySource::BuiltIn),
        PolicySource::File(path) | PolicySource::Pyproject(path) => read_file(&path),
    }
}

/// Which policy [`load`] would use in `dir` without `--policy`: the one of `pubgate.toml`,
/// `.pubgate.toml` and `[tool.pubgate]` in `pyproject.toml` that is there, else the built-in
/// default. More than one is an error naming them all: which one rules would be a guess,
/// and a change that adds a second policy must not silently replace the first.
pub fn discover(dir: &Path) -> Result<PolicySource, PolicyError> {
    let mut found: Vec<PolicySource> = POLICY_FILES
        .iter()
        .map(|name| dir.join(name))
        .filter(|p| p.is_file())
        .map(PolicySource::File)
        .collect();
    let pyproject = dir.join("pyproject.toml");
    if pyproject.is_file() {
        let text = read_text(&pyproject)?;
        if from_pyproject_str(&text, &pyproject)?.is_some() {
            found.push(PolicySource::Pyproject(pyproject));
        }
    }
    match found.len() {
        0 => Ok(PolicySource::BuiltIn),
        1 => Ok(found.remove(0)),
        _ => {
            let named: Vec<String> = found
                .iter()
                .map(|source| match source {
                    PolicySource::Pyproject(path) => {
                        format!("`[tool.pubgate]` in `{}`", path.display())
                    }
                    other => format!("`{}`", other.path().display()),
                })
                .collect();
            Err(PolicyError {
                path: found[1].path(),
                position: None,
                message: format!(
                    "{} policies are present ({}): pubgate will not guess which one rules",
                    found.len(),
                    named.join(", ")
                ),
                hint: Some(
                    "keep one policy and delete the others, or name one with `--policy`".into(),
                ),
                source_line: None,
                others: Vec::new(),
            })
        }
    }
}

/// Reads a policy file; `pyproject.toml` (by file name) is read from its `[tool.pubgate]`.
pub(super) fn read_file(path: &Path) -> Result<Policy, PolicyError> {
    let text = read_text(path)?;
    if path.file_name().is_some_and(|n| n == "pyproject.toml") {
        return from_pyproject_str(&text, path)?.ok_or_else(|| PolicyError {
            path: path.to_path_buf(),
            position: Some(Position { line: 1, column: 1 }),
            message: "there is no `[tool.pubgate]` table in this pyproject.toml".into(),
            hint: Some(
                "add `[tool.pubgate]` with `schema = 1`, or pass a dedicated policy file".into(),
            ),
            source_line: None,
            others: Vec::new(),
        });
    }
    from_str(&text, PolicySource::File(path.to_path_buf()))
}

/// The largest policy (or `pyproject.toml`) read: real ones are a few KiB.
const MAX_POLICY_BYTES: u64 = 4 * 1024 * 1024;

/// Reads a policy file as untrusted input (see [`crate::input`]): a discovered
/// `pubgate.toml` may be a symlink planted by the change under review, and a parse error
/// would echo its first line.
fn read_text(path: &Path) -> Result<String, PolicyError> {
    let error = |message: String| PolicyError {
        path: path.to_path_buf(),
        position: None,
        message,
        hint: Some("check the path given to `--policy` and that the file is UTF-8 text".into()),
        source_line: None,
        others: Vec::new(),
    };
    let bytes = crate::input::read(path, &crate::input::tree_root(path), MAX_POLICY_BYTES)
        .map_err(|e| match e {
            crate::input::InputError::Io(e) => error(format!("cannot read the policy: {e}")),
            e => error(format!("cannot read the policy: it {e}")),
        })?;
    String::from_utf8(bytes)
        .map_err(|_| error("cannot read the policy: it is not UTF-8 text".into()))
}

/// Parses a dedicated policy file's text.
pub fn from_str(text: &str, source: PolicySource) -> Result<Policy, PolicyError> {
    let cx = Context::new(text, source.path());
    let probe: SchemaProbe = toml::from_str(text).map_err(|e| cx.toml_error(&e))?;
    cx.check_schema(probe.schema.as_ref(), 0)?;
    let raw: RawPolicy = toml::from_str(text).map_err(|e| cx.toml_error(&e))?;
    cx.build(raw, source)
}

/// Parses the `[tool.pubgate]` table of a pyproject.toml; `Ok(None)` when there is none.
/// Positions point into the pyproject.toml.
pub fn from_pyproject_str(text: &str, path: &Path) -> Result<Option<Policy>, PolicyError> {
    let cx = Context::new(text, path.to_path_buf());
    let probe: PyprojectProbe = toml::from_str(text).map_err(|e| cx.toml_error(&e))?;
    let Some(table) = probe.tool.and_then(|t| t.pubgate) else {
        return Ok(None);
    };
    cx.check_schema(table.get_ref().schema.as_ref(), table.span().start)?;
    let raw: RawPyproject = toml::from_str(text).map_err(|e| cx.toml_error(&e))?;
    let Some(policy) = raw.tool.and_then(|t| t.pubgate) else {
        return Ok(None);
    };
    cx.build(policy, PolicySource::Pyproject(path.to_path_buf()))
        .map(Some)
}

// ---- wire structs: the file as written -------------------------------------------------

#[derive(Deserialize)]
struct SchemaProbe {
    schema: Option<Spanned<toml::Value>>,
}

#[derive(Deserialize)]
struct PyprojectProbe {
    tool: Option<ToolProbe>,
}

#[derive(Deserialize)]
struct ToolProbe {
    pubgate: Option<Spanned<SchemaProbe>>,
}

#[derive(Deserialize)]
struct RawPyproject {
    tool: Option<RawTool>,
}

#[derive(Deserialize)]
struct RawTool {
    pubgate: Option<RawPolicy>,
}

type RawLevels = BTreeMap<Spanned<String>, Spanned<String>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[allow(dead_code)]
    schema: Option<IgnoredAny>,
    #[serde(default)]
    rules: RawLevels,
    #[serde(default)]
    package: Vec<Spanned<RawPackage>>,
    #[serde(default)]
    exemption: Vec<Spanned<RawExemption>>,
    sources: Option<RawSources>,
    #[serde(default)]
    project: Vec<Spanned<project::RawProject>>,
    environment: Option<RawEnvironment>,
    limits: Option<RawLimits>,
}

/// `[limits]`: bounds of a run (`--max-page-size`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawLimits {
    max_page_size: Option<Spanned<i64>>,
}

/// The bounds of `[limits]` `max-page-size`, in MiB (as `--max-page-size`).
const MAX_PAGE_SIZE_RANGE_START: u32 = 1;
const MAX_PAGE_SIZE_RANGE_END: u32 = 1024;

/// `[environment]`: the targets whose files are examined (`--python`, `--platform`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawEnvironment {
    python: Option<Spanned<String>>,
    #[serde(default)]
    platforms: Vec<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawSources {
    #[serde(default)]
    allow_indexes: Vec<Spanned<String>>,
    #[serde(default)]
    allow_trusted_hosts: Vec<Spanned<String>>,
    #[serde(default)]
    mirrors: Vec<Spanned<String>>,
    provenance_index: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPackage {
    names: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    rules: RawLevels,
    publisher: Option<Spanned<RawPublishers>>,
}

/// `publisher = { … }` or `publisher = [{ … }, { … }]`.
enum RawPublishers {
    One(Box<RawPublisher>),
    Many(Vec<Spanned<RawPublisher>>),
}

impl<'de> Deserialize<'de> for RawPublishers {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> de::Visitor<'de> for Visitor {
            type Value = RawPublishers;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a publisher table or a list of publisher tables")
            }
            fn visit_map<A: de::MapAccess<'de>>(self, map: A) -> Result<RawPublishers, A::Error> {
                RawPublisher::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(|p| RawPublishers::One(Box::new(p)))
            }
            fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<RawPublishers, A::Error> {
                Vec::deserialize(de::value::SeqAccessDeserializer::new(seq))
                    .map(RawPublishers::Many)
            }
        }
        deserializer.deserialize_any(Visitor)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPublisher {
    kind: Spanned<String>,
    repository: Option<Spanned<String>>,
    workflow: Option<Spanned<String>>,
    workflow_filepath: Option<Spanned<String>>,
    environment: Option<Spanned<String>>,
    email: Option<Spanned<String>>,
    project_id: Option<Spanned<String>>,
    pipeline_definition_id: Option<Spanned<String>>,
    #[serde(rename = "ref")]
    git_ref: Option<Spanned<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawExemption {
    package: Spanned<String>,
    versions: Option<Spanned<String>>,
    rule: Spanned<String>,
    reason: Spanned<String>,
    expires: Option<Spanned<toml::value::Datetime>>,
    hashes: Option<Spanned<Vec<Spanned<String>>>>,
}

// ---- validation -----------------------------------------------------------------------

struct Context<'a> {
    text: &'a str,
    path: PathBuf,
    /// Byte offset of the start of every line, so a position costs a binary search and
    /// not a scan of the text before it (a policy with many entries stays linear).
    line_starts: Vec<usize>,
}

impl<'a> Context<'a> {
    fn new(text: &'a str, path: PathBuf) -> Self {
        let line_starts = std::iter::once(0)
            .chain(memchr::memchr_iter(b'\n', text.as_bytes()).map(|i| i + 1))
            .collect();
        Context {
            text,
            path,
            line_starts,
        }
    }
}

type Span = std::ops::Range<usize>;

impl Context<'_> {
    fn position(&self, offset: usize) -> Position {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset);
        let line_start = self.line_starts[line.saturating_sub(1)];
        let column = self
            .text
            .get(line_start..offset)
            .map_or(0, |s| s.chars().count())
            + 1;
        Position {
            line: u32::try_from(line).unwrap_or(u32::MAX),
            column: u32::try_from(column).unwrap_or(u32::MAX),
        }
    }

    fn line_text(&self, line: u32) -> Option<String> {
        self.text
            .lines()
            .nth(line.saturating_sub(1) as usize)
            .map(|l| l.trim_end_matches('\r').to_string())
    }

    fn error(
        &self,
        span: Span,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) -> PolicyError {
        let position = self.position(span.start);
        PolicyError {
            path: self.path.clone(),
            position: Some(position),
            message: message.into(),
            hint: Some(hint.into()),
            source_line: self.line_text(position.line),
            others: Vec::new(),
        }
    }

    /// The key assigned on the line where `offset` lies (`names` in `names = "x"`).
    fn key_at(&self, offset: usize) -> Option<String> {
        let before = self.text.get(..offset.min(self.text.len()))?;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let line = self.text.get(line_start..)?.lines().next()?;
        let (key, _) = line.split_once('=')?;
        let key = key.trim().trim_start_matches('{').trim();
        let key = key.rsplit([',', '{']).next().unwrap_or(key).trim();
        Some(key.trim_matches('"').to_string())
    }

    fn toml_error(&self, err: &toml::de::Error) -> PolicyError {
        let span = err.span().unwrap_or(0..0);
        let message = err.message().trim().to_string();
        let key = self.key_at(span.start).unwrap_or_default();
        let hint = toml_hint(&message, &key);
        self.error(span, message, hint)
    }

    fn check_schema(
        &self,
        schema: Option<&Spanned<toml::Value>>,
        table_start: usize,
    ) -> Result<(), PolicyError> {
        let Some(schema) = schema else {
            return Err(self.error(
                table_start..table_start,
                "the policy has no `schema` key",
                "start the policy with `schema = 1`",
            ));
        };
        match schema.get_ref() {
            toml::Value::Integer(SCHEMA) => Ok(()),
            toml::Value::Integer(n) => Err(self.error(
                schema.span(),
                format!("unsupported policy schema `{n}`: this pubgate reads schema {SCHEMA}"),
                "upgrade pubgate, or write the policy for schema 1 (docs/policy.md)",
            )),
            other => Err(self.error(
                schema.span(),
                format!("`schema` must be the integer 1, not {}", other.type_str()),
                "write `schema = 1` (no quotes)",
            )),
        }
    }

    /// Validates every entry, collecting every error (one per `[rules]` key, `[[package]]`,
    /// `[[exemption]]` and `[sources]` entry) so one run names everything to fix.
    fn build(&self, raw: RawPolicy, source: PolicySource) -> Result<Policy, PolicyError> {
        let mut errors = Vec::new();
        let rules = self.levels(raw.rules, "[rules]", &mut errors);
        let mut packages = Vec::with_capacity(raw.package.len());
        let mut seen_names: BTreeMap<String, Position> = BTreeMap::new();
        for entry in raw.package {
            match self.package(entry, &mut seen_names) {
                Ok(entry) => packages.push(entry),
                Err(mut e) => {
                    errors.extend(std::mem::take(&mut e.others));
                    errors.push(e);
                }
            }
        }
        let mut exemptions = Vec::with_capacity(raw.exemption.len());
        for (index, e) in raw.exemption.into_iter().enumerate() {
            match self.exemption(index, e) {
                Ok(e) => exemptions.push(e),
                Err(e) => errors.push(e),
            }
        }
        let sources = match raw.sources {
            None => Sources::default(),
            Some(raw) => Sources {
                indexes: self.allowed_sources(raw.allow_indexes, "allow-indexes", &mut errors),
                trusted_hosts: self.allowed_sources(
                    raw.allow_trusted_hosts,
                    "allow-trusted-hosts",
                    &mut errors,
                ),
                mirrors: self.index_urls(
                    self.allowed_sources(raw.mirrors, "mirrors", &mut errors),
                    "mirrors",
                    &mut errors,
                ),
                provenance_index: self
                    .index_urls(
                        self.allowed_sources(
                            raw.provenance_index.into_iter().collect(),
                            "provenance-index",
                            &mut errors,
                        ),
                        "provenance-index",
                        &mut errors,
                    )
                    .pop(),
            },
        };
        let environment = match raw.environment {
            None => crate::index::scope::ArtifactScope::default(),
            Some(raw) => self.environment(raw, &mut errors),
        };
        let max_page_size = raw
            .limits
            .and_then(|limits| limits.max_page_size)
            .and_then(|size| match u32::try_from(*size.get_ref()) {
                Ok(mib @ MAX_PAGE_SIZE_RANGE_START..=MAX_PAGE_SIZE_RANGE_END) => Some(mib),
                _ => {
                    errors.push(self.error(
                        size.span(),
                        format!(
                            "`[limits]` `max-page-size` is `{}`: it must be a whole number of MiB from {MAX_PAGE_SIZE_RANGE_START} to {MAX_PAGE_SIZE_RANGE_END}",
                            size.get_ref()
                        ),
                        "write e.g. `max-page-size = 128`, or remove it for the default (64)",
                    ));
                    None
                }
            });
        let projects = self.projects(raw.project, &mut errors);
        if !errors.is_empty() {
            errors.sort_by_key(|e| e.position);
            let mut first = errors.remove(0);
            first.others = errors;
            return Err(first);
        }
        Ok(Policy {
            source,
            rules,
            packages,
            exemptions,
            sources,
            environment,
            max_page_size,
            projects,
        })
    }

    /// `[environment]`, each value parsed as its flag is.
    fn environment(
        &self,
        raw: RawEnvironment,
        errors: &mut Vec<PolicyError>,
    ) -> crate::index::scope::ArtifactScope {
        let mut scope = crate::index::scope::ArtifactScope::default();
        if let Some(python) = raw.python {
            match python.get_ref().parse() {
                Ok(version) => scope.python = Some(version),
                Err(message) => errors.push(self.error(
                    python.span(),
                    format!("`[environment]` `python`: {message}"),
                    "write the CPython version files must install on, e.g. `python = \"3.12\"`",
                )),
            }
        }
        for platform in raw.platforms {
            match platform.get_ref().parse() {
                Ok(tag) => scope.platforms.push(tag),
                Err(message) => errors.push(self.error(
                    platform.span(),
                    format!("`[environment]` `platforms`: {message}"),
                    "write wheel platform tags, e.g. `platforms = [\"manylinux_2_28_x86_64\"]`",
                )),
            }
        }
        scope
    }

    fn allowed_sources(
        &self,
        raw: Vec<Spanned<String>>,
        key: &str,
        errors: &mut Vec<PolicyError>,
    ) -> Vec<AllowedSource> {
        let mut out: Vec<AllowedSource> = Vec::with_capacity(raw.len());
        for entry in raw {
            let text = entry.get_ref().trim().to_string();
            if text.is_empty() {
                errors.push(self.error(
                    entry.span(),
                    format!("an entry of `{key}` is empty"),
                    "remove it, or write the source as the lockfile names it",
                ));
                continue;
            }
            if crate::url::SecretUrl::new(text.clone()).has_credentials() {
                errors.push(self.error(
                    entry.span(),
                    format!("an entry of `{key}` carries credentials"),
                    "write the URL without `user:token@`: credentials never matter for what is allowed, and a policy is not the place for secrets",
                ));
                continue;
            }
            let key_text = crate::url::source_key(&text);
            let position = self.position(entry.span().start);
            if let Some(first) = out.iter().find(|a| a.key.eq_ignore_ascii_case(&key_text)) {
                errors.push(self.error(
                    entry.span(),
                    format!(
                        "`{text}` is already allowed at line {}",
                        first.position.line
                    ),
                    "list each source once",
                ));
                continue;
            }
            out.push(AllowedSource {
                text,
                key: key_text,
                position,
            });
        }
        out
    }

    /// The entries that are http(s) URLs with a host; an error for each other one.
    fn index_urls(
        &self,
        sources: Vec<AllowedSource>,
        key: &str,
        errors: &mut Vec<PolicyError>,
    ) -> Vec<AllowedSource> {
        let (good, bad): (Vec<_>, Vec<_>) = sources.into_iter().partition(|s| {
            crate::url::CleanUrl::parse(&s.text)
                .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
        });
        for source in bad {
            errors.push(PolicyError {
                path: self.path.clone(),
                position: Some(source.position),
                message: format!("`{key}` entry `{}` is not an http(s) URL", source.text),
                hint: Some(
                    "write the index's simple API root, e.g. `https://pypi.org/simple`".into(),
                ),
                source_line: self.line_text(source.position.line),
                others: Vec::new(),
            });
        }
        good
    }

    fn rule(&self, id: &Spanned<String>) -> Result<Rule, PolicyError> {
        Rule::from_id(id.get_ref()).ok_or_else(|| {
            let suggestion = closest_rule(id.get_ref())
                .map(|r| format!("did you mean `{}`? ", r.slug()))
                .unwrap_or_default();
            self.error(
                id.span(),
                format!("unknown rule `{}`", id.get_ref()),
                format!(
                    "{suggestion}rules are named by slug or code, e.g. `missing-provenance` or `PG101` (docs/rules.md)"
                ),
            )
        })
    }

    /// A table of levels; each key in error is reported and left out.
    fn levels(
        &self,
        raw: RawLevels,
        table: &str,
        errors: &mut Vec<PolicyError>,
    ) -> BTreeMap<Rule, LevelSetting> {
        let mut entries: Vec<_> = raw.into_iter().collect();
        entries.sort_by_key(|(k, _)| k.span().start);
        let mut levels = BTreeMap::new();
        for (key, value) in entries {
            if let Err(e) = self.level(&key, &value, table, &mut levels) {
                errors.push(e);
            }
        }
        levels
    }

    /// One `slug = "level"` of a levels table, added to `levels`.
    fn level(
        &self,
        key: &Spanned<String>,
        value: &Spanned<String>,
        table: &str,
        levels: &mut BTreeMap<Rule, LevelSetting>,
    ) -> Result<(), PolicyError> {
        let rule = self.rule(key)?;
        if table != "[rules]" && rule.scope() != Scope::Package {
            let about = match rule.scope() {
                Scope::Policy => "the policy itself",
                _ => "a lockfile as a whole",
            };
            return Err(self.error(
                key.span(),
                format!("`{}` is about {about}, not a package", rule.slug()),
                "set it in the top-level `[rules]` table",
            ));
        }
        let level = Level::from_str(value.get_ref()).map_err(|message| {
            self.error(
                value.span(),
                message,
                "levels are `deny`, `warn` or `allow`",
            )
        })?;
        if level < Level::Deny && !rule.can_be_lowered() {
            return Err(self.error(
                value.span(),
                format!("`{}` cannot be set below `deny` (in {table})", rule.slug()),
                cannot_lower_hint(rule),
            ));
        }
        let position = self.position(key.span().start);
        if levels
            .insert(rule, LevelSetting { level, position })
            .is_some()
        {
            return Err(self.error(
                key.span(),
                format!(
                    "`{}` is set twice in {table} (by slug and by code)",
                    rule.slug()
                ),
                "keep one of the two keys",
            ));
        }
        Ok(())
    }

    fn package(
        &self,
        raw: Spanned<RawPackage>,
        seen: &mut BTreeMap<String, Position>,
    ) -> Result<PackageEntry, PolicyError> {
        let position = self.position(raw.span().start);
        let raw = raw.into_inner();
        if raw.names.get_ref().is_empty() {
            return Err(self.error(
                raw.names.span(),
                "`names` is empty",
                "name at least one package, e.g. `names = [\"requests\"]`",
            ));
        }
        let mut names = Vec::new();
        for name in raw.names.into_inner() {
            let pattern = NamePattern::parse(name.get_ref())
                .map_err(|e| self.error(name.span(), e.message, e.hint))?;
            let name_position = self.position(name.span().start);
            if let Some(first) = seen.get(pattern.as_str()) {
                return Err(self.error(
                    name.span(),
                    format!(
                        "`{}` is already named at line {} (names are compared after PEP 503 normalization)",
                        pattern.as_str(),
                        first.line
                    ),
                    "name each package in one `[[package]]` entry only",
                ));
            }
            seen.insert(pattern.as_str().to_string(), name_position);
            names.push(NameEntry {
                pattern,
                position: name_position,
            });
        }
        let mut errors = Vec::new();
        let rules = self.levels(raw.rules, "[[package]] rules", &mut errors);
        if !errors.is_empty() {
            let mut first = errors.remove(0);
            first.others = errors;
            return Err(first);
        }
        let publishers = match raw.publisher {
            None => Vec::new(),
            Some(spanned) => {
                let span = spanned.span();
                match spanned.into_inner() {
                    RawPublishers::One(p) => vec![self.publisher(*p, span)?],
                    RawPublishers::Many(list) => {
                        if list.is_empty() {
                            return Err(self.error(
                                span,
                                "`publisher` is an empty list",
                                "list at least one publisher, or remove the key",
                            ));
                        }
                        list.into_iter()
                            .map(|p| {
                                let span = p.span();
                                self.publisher(p.into_inner(), span)
                            })
                            .collect::<Result<Vec<_>, _>>()?
                    }
                }
            }
        };
        Ok(PackageEntry {
            position,
            names,
            rules,
            publishers,
        })
    }

    fn publisher(
        &self,
        raw: RawPublisher,
        span: Span,
    ) -> Result<PublisherRequirement, PolicyError> {
        let kind = parse_kind(raw.kind.get_ref()).ok_or_else(|| {
            self.error(
                raw.kind.span(),
                format!("unknown publisher kind `{}`", raw.kind.get_ref()),
                "kinds are `github`, `gitlab`, `google` and `circleci` (ActiveState uploads carry no attestations)",
            )
        })?;
        let kind_name = raw.kind.get_ref().to_ascii_lowercase();
        let fields: [(&str, &Option<Spanned<String>>); 8] = [
            ("repository", &raw.repository),
            ("workflow", &raw.workflow),
            ("workflow_filepath", &raw.workflow_filepath),
            ("environment", &raw.environment),
            ("email", &raw.email),
            ("project_id", &raw.project_id),
            ("pipeline_definition_id", &raw.pipeline_definition_id),
            ("ref", &raw.git_ref),
        ];
        let (allowed, required): (&[&str], &str) = match kind {
            PublisherKind::GitHub => (
                &["repository", "workflow", "environment", "ref"],
                "repository",
            ),
            PublisherKind::GitLab => (
                &["repository", "workflow_filepath", "environment", "ref"],
                "repository",
            ),
            PublisherKind::Google => (&["email"], "email"),
            PublisherKind::CircleCI => (
                &["project_id", "pipeline_definition_id", "repository", "ref"],
                "project_id",
            ),
            PublisherKind::Other => (&[], ""),
        };
        for (name, value) in fields {
            let Some(value) = value else { continue };
            if !allowed.contains(&name) {
                let hint = match (kind, name) {
                    (PublisherKind::GitHub, "workflow_filepath") => {
                        "GitHub publishers name the workflow file with `workflow`, e.g. `workflow = \"release.yml\"`".to_string()
                    }
                    (PublisherKind::GitLab, "workflow") => {
                        "GitLab publishers name the CI file with `workflow_filepath`, e.g. `workflow_filepath = \".gitlab-ci.yml\"`".to_string()
                    }
                    _ => format!("a {kind_name} publisher accepts {}", backticked(allowed)),
                };
                return Err(self.error(
                    value.span(),
                    format!("`{name}` does not apply to a {kind_name} publisher"),
                    hint,
                ));
            }
            if value.get_ref().trim().is_empty() {
                return Err(self.error(
                    value.span(),
                    format!("`{name}` is empty"),
                    "give a value or remove the key",
                ));
            }
        }
        let present = fields
            .iter()
            .any(|(name, value)| *name == required && value.is_some());
        if !present {
            return Err(self.error(
                span,
                format!("a {kind_name} publisher requirement needs `{required}`"),
                match kind {
                    PublisherKind::GitHub => "e.g. `{ kind = \"github\", repository = \"owner/repo\", workflow = \"release.yml\" }`",
                    PublisherKind::GitLab => "e.g. `{ kind = \"gitlab\", repository = \"group/project\", workflow_filepath = \".gitlab-ci.yml\" }`",
                    PublisherKind::Google => "e.g. `{ kind = \"google\", email = \"publisher@project.iam.gserviceaccount.com\" }`",
                    _ => "e.g. `{ kind = \"circleci\", project_id = \"…\" }`",
                },
            ));
        }
        if let Some(repo) = &raw.repository {
            let parts: Vec<&str> = repo.get_ref().split('/').collect();
            let ok = match kind {
                PublisherKind::GitHub => parts.len() == 2 && parts.iter().all(|p| !p.is_empty()),
                PublisherKind::GitLab => parts.len() >= 2 && parts.iter().all(|p| !p.is_empty()),
                _ => true,
            };
            if !ok {
                return Err(self.error(
                    repo.span(),
                    format!("`{}` is not a {kind_name} repository path", repo.get_ref()),
                    if kind == PublisherKind::GitHub {
                        "write `owner/repo`, without `https://github.com/`"
                    } else {
                        "write `namespace/project`, without `https://gitlab.com/`"
                    },
                ));
            }
        }
        if let Some(workflow) = &raw.workflow {
            let w = workflow.get_ref();
            if w.contains('/') || !(w.ends_with(".yml") || w.ends_with(".yaml")) {
                return Err(self.error(
                    workflow.span(),
                    format!("`{w}` is not a workflow file name"),
                    "write the file name only, e.g. `release.yml` for `.github/workflows/release.yml`",
                ));
            }
        }
        let git_ref = raw
            .git_ref
            .as_ref()
            .map(|r| {
                RefPattern::parse(r.get_ref()).map_err(|m| {
                    self.error(
                        r.span(),
                        m,
                        "a ref glob looks like `refs/tags/v*` or `refs/heads/main`",
                    )
                })
            })
            .transpose()?;
        let value =
            |f: &Option<Spanned<String>>| f.as_ref().map(|s| s.get_ref().trim().to_string());
        Ok(PublisherRequirement {
            kind,
            repository: value(&raw.repository),
            workflow: value(&raw.workflow),
            workflow_filepath: value(&raw.workflow_filepath),
            environment: value(&raw.environment),
            email: value(&raw.email),
            project_id: value(&raw.project_id),
            pipeline_definition_id: value(&raw.pipeline_definition_id),
            git_ref,
            position: self.position(span.start),
        })
    }

    fn exemption(
        &self,
        index: usize,
        raw: Spanned<RawExemption>,
    ) -> Result<Exemption, PolicyError> {
        let entry_span = raw.span();
        let raw = raw.into_inner();
        let package = NamePattern::parse(raw.package.get_ref())
            .map_err(|e| self.error(raw.package.span(), e.message, e.hint))?;
        let rule = self.rule(&raw.rule)?;
        match rule.scope() {
            Scope::Package => {}
            Scope::Policy => {
                return Err(self.error(
                    raw.rule.span(),
                    format!(
                        "`{}` is about the policy itself and cannot be exempted",
                        rule.slug()
                    ),
                    "fix or remove the exemption it reports, or set its level in `[rules]`",
                ))
            }
            Scope::Lockfile => {
                return Err(self.error(
                    raw.rule.span(),
                    format!(
                        "`{}` is about a lockfile as a whole and cannot be exempted per package",
                        rule.slug()
                    ),
                    if rule == Rule::IndexNotAllowed {
                        "list the source under `[sources]` `allow-indexes` (or `allow-trusted-hosts`) instead"
                    } else {
                        "set its level in `[rules]`"
                    },
                ))
            }
        }
        let versions = match &raw.versions {
            None => None,
            Some(v) => {
                let text = v.get_ref().trim();
                if text.is_empty() {
                    return Err(self.error(
                        v.span(),
                        "`versions` is empty",
                        "write PEP 440 specifiers such as `<2.0` or `==1.4.2`, or remove the key to cover every version",
                    ));
                }
                let specifiers = VersionSpecifiers::from_str(text).map_err(|e| {
                    let detail = e.to_string();
                    let first = detail
                        .lines()
                        .next()
                        .unwrap_or_default()
                        .trim_start_matches("Failed to parse version: ")
                        .trim_end_matches(':')
                        .to_string();
                    self.error(
                        v.span(),
                        format!("`{text}` is not a PEP 440 version specifier: {first}"),
                        "write specifiers such as `<2.0`, `>=1.2,<1.3` or `==1.4.2`",
                    )
                })?;
                Some((text.to_string(), specifiers))
            }
        };
        let hashes = self.exemption_hashes(raw.hashes.as_ref())?;
        if !rule.can_be_lowered() && !package.is_exact() {
            // With a glob, `==X` would accept broken provenance of every matching package
            // that ever reaches version X: not "one release you have checked".
            return Err(self.error(
                raw.package.span(),
                format!(
                    "an exemption for `{}` must name one package, not the glob `{}`",
                    rule.slug(),
                    package.as_str()
                ),
                "write the exact project name of the release you have checked",
            ));
        }
        if rule == Rule::UnverifiableHash && hashes.is_empty() {
            let span = raw
                .versions
                .as_ref()
                .map_or(entry_span.clone(), |v| v.span());
            return Err(self.error(
                span,
                "an exemption for `unverifiable-hash` must list the exact `hashes` it accepts",
                "add `hashes = [\"sha512:…\"]` with the digests you have checked; a version cannot say which file the installer takes",
            ));
        }
        if !rule.can_be_lowered() && hashes.is_empty() {
            let pins = versions.as_ref().is_some_and(|(_, specs)| {
                specs
                    .iter()
                    .any(|s| matches!(s.operator(), Operator::Equal | Operator::ExactEqual))
            });
            if !pins {
                let span = raw
                    .versions
                    .as_ref()
                    .map_or(entry_span.clone(), |v| v.span());
                return Err(self.error(
                    span,
                    format!(
                        "an exemption for `{}` must name the exact versions (or `hashes`) it covers",
                        rule.slug()
                    ),
                    "add `versions = \"==X.Y.Z\"` for the release you have checked",
                ));
            }
        }
        let reason = raw.reason.get_ref().trim().to_string();
        if reason.is_empty() {
            return Err(self.error(
                raw.reason.span(),
                "`reason` is empty",
                "say why the exemption is safe, e.g. a link to the upstream issue",
            ));
        }
        let expires = raw.expires.as_ref().map(|d| self.date(d)).transpose()?;
        Ok(Exemption {
            index,
            position: self.position(entry_span.start),
            package,
            versions,
            rule,
            reason,
            expires,
            hashes,
        })
    }

    /// `hashes = ["sha256:<hex>", …]`: algorithm and lowercase hex, each checked.
    fn exemption_hashes(
        &self,
        raw: Option<&Spanned<Vec<Spanned<String>>>>,
    ) -> Result<Vec<String>, PolicyError> {
        let Some(raw) = raw else {
            return Ok(Vec::new());
        };
        if raw.get_ref().is_empty() {
            return Err(self.error(
                raw.span(),
                "`hashes` is empty",
                "list the digests the exemption accepts, e.g. `hashes = [\"sha256:…\"]`, or remove the key",
            ));
        }
        let mut out = Vec::new();
        for entry in raw.get_ref() {
            let text = entry.get_ref().trim();
            let parsed = text.split_once(':').and_then(|(algorithm, digest)| {
                let algorithm = algorithm.to_ascii_lowercase();
                let length = match algorithm.as_str() {
                    "md5" => 32,
                    "sha1" => 40,
                    "sha224" | "sha3_224" => 56,
                    "sha256" | "sha3_256" | "blake2s" => 64,
                    "sha384" | "sha3_384" => 96,
                    "sha512" | "sha3_512" | "blake2b" => 128,
                    _ => return None,
                };
                (digest.len() == length && digest.bytes().all(|b| b.is_ascii_hexdigit()))
                    .then(|| format!("{algorithm}:{}", digest.to_ascii_lowercase()))
            });
            match parsed {
                Some(hash) => out.push(hash),
                None => {
                    return Err(self.error(
                        entry.span(),
                        format!("`{text}` is not a file digest"),
                        "write `algorithm:hex`, e.g. `sha256:` followed by 64 hex digits",
                    ))
                }
            }
        }
        Ok(out)
    }

    fn date(
        &self,
        value: &Spanned<toml::value::Datetime>,
    ) -> Result<jiff::civil::Date, PolicyError> {
        let dt = value.get_ref();
        let bad = || {
            self.error(
                value.span(),
                format!("`expires = {dt}` is not a date"),
                "write a bare date without a time, e.g. `expires = 2027-03-01`",
            )
        };
        match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                jiff::civil::Date::new(d.year as i16, d.month as i8, d.day as i8).map_err(|_| bad())
            }
            _ => Err(bad()),
        }
    }
}

/// What to do instead of lowering a rule that cannot be lowered.
fn cannot_lower_hint(rule: Rule) -> &'static str {
    match rule {
        Rule::PublisherMismatch => "a publisher requirement is met only by verified provenance from that publisher: change or remove the `publisher` of the `[[package]]` entry, or exempt one release with an `[[exemption]]` naming its exact `versions` and a `reason`",
        Rule::UnverifiableHash => "exempt the exact digests you have checked with an `[[exemption]]` listing `hashes` and a `reason`",
        Rule::IndexNotAllowed => "list the source under `[sources]` `allow-indexes` (or `allow-trusted-hosts`) after reviewing who controls it",
        _ => "to accept invalid provenance for one release, add an `[[exemption]]` with `versions` and a `reason`",
    }
}

fn backticked(names: &[&str]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A hint for a TOML or serde error, from its message and the key it is about.
fn toml_hint(message: &str, key: &str) -> String {
    let hint = if message.contains("unknown field") {
        "remove or rename the key; docs/policy.md lists every key"
    } else if message.contains("missing field `names`") {
        "name the packages, e.g. `names = [\"requests\", \"django-*\"]`"
    } else if message.contains("missing field `reason`") {
        "every exemption needs a `reason` saying why it is safe"
    } else if message.contains("missing field `rule`") {
        "name the rule the exemption is for, e.g. `rule = \"missing-provenance\"`"
    } else if message.contains("missing field `package`") {
        "name the package the exemption is for, e.g. `package = \"legacy-lib\"`"
    } else if message.contains("missing field `kind`") {
        "say which CI the publisher runs on: `kind = \"github\"` (or `gitlab`, `google`, `circleci`)"
    } else if message.contains("TOML datetime") || message.contains("invalid date") {
        "write a bare date without quotes, e.g. `expires = 2027-03-01`"
    } else if message.contains("expected a sequence") {
        match key {
            "names" => "use a list, e.g. `names = [\"requests\"]`",
            "package" => "write each entry as its own `[[package]]` table",
            "exemption" => "write each entry as its own `[[exemption]]` table",
            _ => "use a list `[…]`",
        }
    } else if message.contains("expected a string") {
        "quote the value, e.g. `\"deny\"`"
    } else if message.contains("invalid type") {
        "check the value's type against docs/policy.md"
    } else if message.contains("duplicate key") {
        "each key may appear once per table"
    } else {
        "this is not valid TOML: check quotes, brackets and commas near this position"
    };
    hint.to_string()
}

/// The rule whose slug is closest to `id` (edit distance at most 3).
fn closest_rule(id: &str) -> Option<Rule> {
    Rule::ALL
        .iter()
        .copied()
        // Lengths further apart than the distance allowed cannot match: skipping them keeps
        // a hostile multi-megabyte key from costing length × slug length per rule.
        .filter(|r| id.len().abs_diff(r.slug().len()) <= 3)
        .map(|r| (edit_distance(id, r.slug()), r))
        .filter(|(d, _)| *d <= 3)
        .min_by_key(|(d, r)| (*d, *r))
        .map(|(_, r)| r)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_edits() {
        assert_eq!(edit_distance("missing-provenence", "missing-provenance"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(
            closest_rule("missing-provenence"),
            Some(Rule::MissingProvenance)
        );
        assert_eq!(closest_rule("totally-else"), None);
    }
}
