//! The network settings pubgate takes from the environment, as the installers it stands in
//! front of do: the indexes the ecosystem's variables name (`PIP_INDEX_URL`,
//! `UV_DEFAULT_INDEX`, …), credentials from `.netrc`, and extra TLS roots
//! (`REQUESTS_CA_BUNDLE`, `PIP_CERT`). Proxies (`HTTPS_PROXY`, `NO_PROXY`, …) and
//! `SSL_CERT_FILE`/`SSL_CERT_DIR` are honoured by the HTTP client itself.
//!
//! Everything here is read through a lookup function, so it is tested without touching the
//! process environment. Why each choice is safe is in `docs/index-and-cache.md` ("Settings
//! from the environment").

use std::path::{Path, PathBuf};
use std::sync::Arc;

use reqwest::Url;
use serde::Serialize;

use crate::lockfile::IndexKind;
use crate::url::{CleanUrl, SecretUrl};

/// The variables naming the index that replaces PyPI, in the order they are reported.
pub const DEFAULT_INDEX_VARIABLES: &[&str] = &["UV_DEFAULT_INDEX", "UV_INDEX_URL", "PIP_INDEX_URL"];

/// The variables naming further sources: `(variable, kind, separator)`; `None` splits on
/// whitespace, as pip does for list options.
const EXTRA_SOURCE_VARIABLES: &[(&str, IndexKind, Option<char>)] = &[
    ("UV_INDEX", IndexKind::ExtraIndex, None),
    ("UV_EXTRA_INDEX_URL", IndexKind::ExtraIndex, None),
    ("PIP_EXTRA_INDEX_URL", IndexKind::ExtraIndex, None),
    ("UV_FIND_LINKS", IndexKind::FindLinks, Some(',')),
    ("PIP_FIND_LINKS", IndexKind::FindLinks, None),
];

/// Every variable naming a package source, the default index's included: tests blank them
/// (an empty variable counts as unset), so no test depends on the machine it runs on.
pub const INDEX_VARIABLES: &[&str] = &[
    "UV_DEFAULT_INDEX",
    "UV_INDEX_URL",
    "PIP_INDEX_URL",
    "UV_INDEX",
    "UV_EXTRA_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "PIP_FIND_LINKS",
];

/// The variables naming extra TLS roots, added to the system's.
pub const CA_BUNDLE_VARIABLES: &[&str] = &["REQUESTS_CA_BUNDLE", "PIP_CERT"];

/// Every variable that changes where pubgate connects or what it trusts, for tests to clear
/// (so a test never depends on the machine it runs on).
pub const ENVIRONMENT: &[&str] = &[
    "UV_DEFAULT_INDEX",
    "UV_INDEX_URL",
    "PIP_INDEX_URL",
    "UV_INDEX",
    "UV_EXTRA_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "UV_FIND_LINKS",
    "PIP_FIND_LINKS",
    "REQUESTS_CA_BUNDLE",
    "PIP_CERT",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "NETRC",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
    "ALL_PROXY",
    "all_proxy",
    "NO_PROXY",
    "no_proxy",
];

/// Largest `.netrc` or CA bundle read.
const FILE_LIMIT: u64 = 16 * 1024 * 1024;

/// A package source an environment variable names: the installer run in this environment
/// uses it, so the policy must allow it like a source a lockfile names (PG006).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EnvironmentSource {
    /// The variable, e.g. `PIP_INDEX_URL`.
    pub variable: String,
    pub url: SecretUrl,
    pub kind: IndexKind,
}

/// What the index variables say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct EnvironmentIndexes {
    /// The index that replaces PyPI, and the variable(s) that name it.
    pub default_index: Option<(String, SecretUrl)>,
    /// Every source any variable names (the default index included), for PG006.
    pub sources: Vec<EnvironmentSource>,
}

/// A setting from the environment that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NetworkError {
    #[error("{variables} name different indexes ({urls}): pubgate cannot know which one the installer uses; pass `--index-url` with the index the installer takes packages from, or unset all but one")]
    ConflictingDefaultIndex { variables: String, urls: String },
    #[error("`{variable}`: `{shown}` is not an http(s) URL of an index")]
    NotAnIndexUrl { variable: String, shown: String },
    #[error("`{path}` (from `{origin}`) cannot be read: {message}")]
    Unreadable {
        path: String,
        origin: String,
        message: String,
    },
    #[error("`{path}`:{line}: {message}")]
    Netrc {
        path: String,
        line: usize,
        message: String,
    },
    #[error("`{path}` (from `{variable}`) holds no usable PEM certificate{detail}: point `{variable}` at a PEM bundle of CA certificates")]
    NoCertificates {
        path: String,
        variable: String,
        detail: String,
    },
}

/// Reads the index variables. Empty variables count as unset.
pub fn environment_indexes(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<EnvironmentIndexes, NetworkError> {
    let value = |name: &str| env(name).filter(|v| !v.trim().is_empty());
    let mut out = EnvironmentIndexes::default();
    let mut defaults: Vec<(&str, SecretUrl)> = Vec::new();
    for &variable in DEFAULT_INDEX_VARIABLES {
        if let Some(text) = value(variable) {
            let url = index_url(variable, strip_index_name(text.trim()))?;
            defaults.push((variable, url.clone()));
            out.sources.push(EnvironmentSource {
                variable: variable.to_string(),
                url,
                kind: IndexKind::Index,
            });
        }
    }
    for &(variable, kind, separator) in EXTRA_SOURCE_VARIABLES {
        let Some(text) = value(variable) else {
            continue;
        };
        let items: Vec<&str> = match separator {
            Some(c) => text.split(c).map(str::trim).collect(),
            None => text.split_whitespace().collect(),
        };
        for item in items.into_iter().filter(|i| !i.is_empty()) {
            let url = match kind {
                // A find-links location may be a local directory: kept as written.
                IndexKind::FindLinks => SecretUrl::new(item),
                _ => index_url(variable, strip_index_name(item))?,
            };
            out.sources.push(EnvironmentSource {
                variable: variable.to_string(),
                url,
                kind,
            });
        }
    }
    if let Some((_, first)) = defaults.first() {
        let key = crate::url::source_key(first.expose());
        if defaults
            .iter()
            .any(|(_, url)| crate::url::source_key(url.expose()) != key)
        {
            return Err(NetworkError::ConflictingDefaultIndex {
                variables: join_backticked(defaults.iter().map(|(v, _)| v.to_string())),
                urls: join_backticked(defaults.iter().map(|(_, u)| u.to_string())),
            });
        }
        let names = defaults
            .iter()
            .map(|(v, _)| *v)
            .collect::<Vec<_>>()
            .join(", ");
        out.default_index = Some((names, first.clone()));
    }
    Ok(out)
}

fn join_backticked(items: impl Iterator<Item = String>) -> String {
    items
        .map(|i| format!("`{i}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// uv's `name=url` index syntax: the name goes, the URL stays.
fn strip_index_name(text: &str) -> &str {
    match text.split_once('=') {
        Some((name, url))
            if !name.is_empty()
                && name
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) =>
        {
            url
        }
        _ => text,
    }
}

fn index_url(variable: &str, text: &str) -> Result<SecretUrl, NetworkError> {
    let bad = || NetworkError::NotAnIndexUrl {
        variable: variable.to_string(),
        shown: crate::url::redact(text),
    };
    match CleanUrl::split(text) {
        Ok((url, _)) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {
            Ok(SecretUrl::new(text))
        }
        _ => Err(bad()),
    }
}

/// Credentials from a `.netrc` file, by host. `default` entries are ignored: they would send
/// one password to every host a lockfile names.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Netrc {
    machines: Vec<(String, String, Option<String>)>,
}

impl std::fmt::Debug for Netrc {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hosts: Vec<&str> = self.machines.iter().map(|(h, _, _)| h.as_str()).collect();
        f.debug_struct("Netrc").field("hosts", &hosts).finish()
    }
}

impl Netrc {
    /// Parses netrc text (the tokens Python's `netrc` module reads: `machine`, `default`,
    /// `login`, `password`, `account`, `macdef`; `"quoted"` tokens; `#` comments).
    pub fn parse(text: &str, path: &str) -> Result<Netrc, NetworkError> {
        let tokens = tokenize(text);
        let error = |line: usize, message: String| NetworkError::Netrc {
            path: path.to_string(),
            line,
            message,
        };
        let mut machines = Vec::new();
        let mut i = 0;
        while i < tokens.len() {
            let (line, word) = (tokens[i].0, tokens[i].1.as_str());
            let host = match word {
                "machine" => {
                    let Some((_, host)) = tokens.get(i + 1) else {
                        return Err(error(line, "`machine` without a host name".into()));
                    };
                    i += 2;
                    Some(host.to_ascii_lowercase())
                }
                "default" => {
                    i += 1;
                    None
                }
                "macdef" => {
                    // The macro runs to the next empty line; tokenize() already dropped it.
                    i += 2;
                    continue;
                }
                other => {
                    return Err(error(
                        line,
                        format!(
                            "unexpected `{}`: expected `machine` or `default`",
                            short(other)
                        ),
                    ))
                }
            };
            let (mut login, mut password) = (None, None);
            while let Some((line, key)) = tokens.get(i) {
                let key = key.as_str();
                if matches!(key, "machine" | "default" | "macdef") {
                    break;
                }
                let Some((_, value)) = tokens.get(i + 1) else {
                    return Err(error(*line, format!("`{}` without a value", short(key))));
                };
                match key {
                    "login" => login = Some(value.clone()),
                    "password" => password = Some(value.clone()),
                    "account" => {}
                    other => {
                        return Err(error(
                            *line,
                            format!("unknown netrc token `{}`", short(other)),
                        ))
                    }
                }
                i += 2;
            }
            if let (Some(host), Some(login)) = (host, login) {
                // Python's netrc keeps the last entry for a host; so does this.
                machines.retain(|(h, _, _)| h != &host);
                machines.push((host, login, password));
            }
        }
        Ok(Netrc { machines })
    }

    /// Reads the file `NETRC` names, else `~/.netrc`. A missing `~/.netrc` is no netrc; a
    /// missing file `NETRC` names is an error.
    pub fn load(env: &dyn Fn(&str) -> Option<String>) -> Result<Option<Netrc>, NetworkError> {
        let (path, named) = match env("NETRC").filter(|v| !v.is_empty()) {
            Some(path) => (PathBuf::from(path), true),
            None => match env("HOME").filter(|v| !v.is_empty()) {
                Some(home) => (Path::new(&home).join(".netrc"), false),
                None => return Ok(None),
            },
        };
        if !named && !path.exists() {
            return Ok(None);
        }
        let origin = if named { "NETRC" } else { "~/.netrc" };
        let bytes = read_bounded(&path, origin)?;
        let shown = path.display().to_string();
        Netrc::parse(&String::from_utf8_lossy(&bytes), &shown).map(Some)
    }

    /// The login and password for `url`'s host, when credentials may go there: over https,
    /// or over plain http to the machine itself (nothing leaves it). Any port.
    pub fn credentials_for(&self, url: &Url) -> Option<(String, Option<String>)> {
        let host = url.host_str()?.to_ascii_lowercase();
        let secure = url.scheme() == "https" || (url.scheme() == "http" && is_loopback(url));
        if !secure {
            return None;
        }
        self.machines
            .iter()
            .find(|(h, _, _)| {
                h.trim_start_matches('[').trim_end_matches(']')
                    == host.trim_start_matches('[').trim_end_matches(']')
            })
            .map(|(_, login, password)| (login.clone(), password.clone()))
    }

    pub fn is_empty(&self) -> bool {
        self.machines.is_empty()
    }
}

fn short(text: &str) -> String {
    text.chars().take(40).collect()
}

fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Netrc tokens with their line numbers; comments and `macdef` bodies dropped.
fn tokenize(text: &str) -> Vec<(usize, String)> {
    let mut tokens = Vec::new();
    let mut in_macro = false;
    for (number, line) in text.lines().enumerate() {
        let number = number + 1;
        if in_macro {
            if line.trim().is_empty() {
                in_macro = false;
            }
            continue;
        }
        let mut chars = line.chars().peekable();
        let mut line_tokens: Vec<String> = Vec::new();
        while let Some(&c) = chars.peek() {
            if c.is_whitespace() {
                chars.next();
                continue;
            }
            if c == '#' && line_tokens.is_empty() {
                break;
            }
            let mut token = String::new();
            if c == '"' {
                chars.next();
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => token.extend(chars.next()),
                        c => token.push(c),
                    }
                }
            } else {
                while let Some(&c) = chars.peek() {
                    if c.is_whitespace() {
                        break;
                    }
                    chars.next();
                    if c == '\\' {
                        token.extend(chars.next());
                    } else {
                        token.push(c);
                    }
                }
            }
            line_tokens.push(token);
        }
        let macro_starts = line_tokens.first().is_some_and(|t| t == "macdef");
        tokens.extend(line_tokens.into_iter().map(|t| (number, t)));
        if macro_starts {
            in_macro = true;
        }
    }
    tokens
}

fn read_bounded(path: &Path, origin: &str) -> Result<Vec<u8>, NetworkError> {
    use std::io::Read;
    let unreadable = |message: String| NetworkError::Unreadable {
        path: path.display().to_string(),
        origin: origin.to_string(),
        message,
    };
    let file = std::fs::File::open(path).map_err(|e| unreadable(e.to_string()))?;
    let mut bytes = Vec::new();
    file.take(FILE_LIMIT + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| unreadable(e.to_string()))?;
    if bytes.len() as u64 > FILE_LIMIT {
        return Err(unreadable(format!(
            "larger than {} MiB",
            FILE_LIMIT / 1024 / 1024
        )));
    }
    Ok(bytes)
}

/// Extra TLS roots (DER), each from a PEM bundle a variable names. They are added to the
/// system's roots (which `SSL_CERT_FILE`/`SSL_CERT_DIR` replace, as for OpenSSL).
pub fn extra_roots(
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, Vec<u8>)>, NetworkError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::CertificateDer;
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut seen_paths = Vec::new();
    for &variable in CA_BUNDLE_VARIABLES {
        let Some(path) = env(variable).filter(|v| !v.trim().is_empty()) else {
            continue;
        };
        if seen_paths.contains(&path) {
            continue;
        }
        let bytes = read_bounded(Path::new(&path), variable)?;
        let mut usable = 0usize;
        let mut skipped = 0usize;
        for cert in CertificateDer::pem_slice_iter(&bytes) {
            let Ok(cert) = cert else {
                skipped += 1;
                continue;
            };
            // Only certificates rustls can use as trust anchors: one it cannot would make
            // the whole client fail to start.
            let mut probe = rustls::RootCertStore::empty();
            if probe.add(cert.clone()).is_ok() {
                usable += 1;
                out.push((variable.to_string(), cert.as_ref().to_vec()));
            } else {
                skipped += 1;
            }
        }
        if usable == 0 {
            return Err(NetworkError::NoCertificates {
                path: path.clone(),
                variable: variable.to_string(),
                detail: if skipped > 0 {
                    format!(" ({skipped} could not be parsed)")
                } else {
                    String::new()
                },
            });
        }
        seen_paths.push(path);
    }
    Ok(out)
}

/// Applies the environment to `options`: the default index (unless `index_given`: a flag
/// or `PUBGATE_INDEX_URL` chose it), every source the variables name (for PG006), `.netrc`
/// credentials and extra TLS roots. Returns notes for the user: which variable chose the
/// index pubgate asks.
pub fn apply_environment(
    options: &mut super::IndexOptions,
    index_given: bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<String>, NetworkError> {
    let mut notes = Vec::new();
    let indexes = environment_indexes(env)?;
    if let Some((variables, url)) = indexes.default_index {
        if index_given {
            let allow = if crate::url::is_pypi_index(url.expose()) {
                String::new()
            } else {
                format!("; the policy still has to allow `{url}`, which the installer uses")
            };
            notes.push(format!(
                "`{variables}` names the index `{url}`, but pubgate asks `{}` (`--index-url`/`PUBGATE_INDEX_URL` comes first){allow}",
                options.index_url
            ));
        } else {
            notes.push(format!(
                "packages the lockfile takes from PyPI are looked up on `{url}` (from `{variables}`)"
            ));
            options.index_url = url;
        }
    }
    options.environment_sources = indexes.sources;
    options.http.network.netrc = Netrc::load(env)?.filter(|n| !n.is_empty()).map(Arc::new);
    options.http.network.extra_roots = extra_roots(env)?.into_iter().map(|(_, der)| der).collect();
    Ok(notes)
}

/// What the HTTP client takes from here: extra roots and `.netrc` credentials.
#[derive(Debug, Clone, Default)]
pub struct NetworkSettings {
    /// DER certificates added to the system's roots.
    pub extra_roots: Vec<Vec<u8>>,
    pub netrc: Option<Arc<Netrc>>,
}

impl NetworkSettings {
    /// Adds the extra roots to a client being built.
    pub fn apply(&self, builder: reqwest::ClientBuilder) -> Result<reqwest::ClientBuilder, String> {
        let certs = self
            .extra_roots
            .iter()
            .map(|der| {
                reqwest::Certificate::from_der(der)
                    .map_err(|e| format!("cannot use an extra CA certificate: {e}"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(if certs.is_empty() {
            builder
        } else {
            builder.tls_certs_merge(certs)
        })
    }

    /// `.netrc` credentials for `url`, if any apply.
    pub fn credentials_for(&self, url: &Url) -> Option<(String, Option<String>)> {
        self.netrc.as_ref()?.credentials_for(url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name: &str| map.get(name).cloned()
    }

    #[test]
    fn index_variables_name_the_default_index_and_every_source() {
        let found = environment_indexes(&env(&[
            ("PIP_INDEX_URL", "https://u:tok@mirror.example/simple/"),
            ("UV_DEFAULT_INDEX", "corp=https://mirror.example/simple"),
            (
                "PIP_EXTRA_INDEX_URL",
                " https://a.example/simple  https://b.example/simple ",
            ),
            ("UV_FIND_LINKS", "/opt/wheels, https://c.example/links/"),
            ("UV_INDEX", ""),
        ]))
        .unwrap();
        let (names, url) = found.default_index.unwrap();
        assert_eq!(names, "UV_DEFAULT_INDEX, PIP_INDEX_URL");
        assert_eq!(url.expose(), "https://mirror.example/simple");
        let listed: Vec<(String, String, IndexKind)> = found
            .sources
            .iter()
            .map(|s| (s.variable.clone(), s.url.to_string(), s.kind))
            .collect();
        assert_eq!(
            listed,
            vec![
                (
                    "UV_DEFAULT_INDEX".into(),
                    "https://mirror.example/simple".into(),
                    IndexKind::Index
                ),
                (
                    "PIP_INDEX_URL".into(),
                    "https://****@mirror.example/simple/".into(),
                    IndexKind::Index
                ),
                (
                    "PIP_EXTRA_INDEX_URL".into(),
                    "https://a.example/simple".into(),
                    IndexKind::ExtraIndex
                ),
                (
                    "PIP_EXTRA_INDEX_URL".into(),
                    "https://b.example/simple".into(),
                    IndexKind::ExtraIndex
                ),
                (
                    "UV_FIND_LINKS".into(),
                    "/opt/wheels".into(),
                    IndexKind::FindLinks
                ),
                (
                    "UV_FIND_LINKS".into(),
                    "https://c.example/links/".into(),
                    IndexKind::FindLinks
                ),
            ]
        );
        assert_eq!(
            environment_indexes(&env(&[])).unwrap(),
            EnvironmentIndexes::default()
        );
    }

    #[test]
    fn disagreeing_default_indexes_are_refused_without_showing_credentials() {
        let error = environment_indexes(&env(&[
            ("PIP_INDEX_URL", "https://u:s3cret@a.example/simple"),
            ("UV_INDEX_URL", "https://b.example/simple"),
        ]))
        .unwrap_err();
        let text = error.to_string();
        assert!(text.contains("`UV_INDEX_URL`, `PIP_INDEX_URL`"), "{text}");
        assert!(!text.contains("s3cret"), "{text}");
        let error = environment_indexes(&env(&[("PIP_INDEX_URL", "file:///srv/simple")]));
        assert!(matches!(error, Err(NetworkError::NotAnIndexUrl { .. })));
    }

    #[test]
    fn netrc_machines_give_credentials_to_their_host_only() {
        let netrc = Netrc::parse(
            "# comment\nmachine mirror.example login alice password \"p w\"\n\
             macdef init\n  machine evil.example login x password y\n\n\
             default login anyone password everywhere\n\
             machine 127.0.0.1\n  login bob\n  account ignored\n  password pw\n",
            ".netrc",
        )
        .unwrap();
        let url = |u: &str| Url::parse(u).unwrap();
        assert_eq!(
            netrc.credentials_for(&url("https://mirror.example:8443/simple/")),
            Some(("alice".into(), Some("p w".into())))
        );
        assert_eq!(
            netrc.credentials_for(&url("http://mirror.example/simple/")),
            None
        );
        assert_eq!(
            netrc.credentials_for(&url("https://evil.example/simple/")),
            None
        );
        assert_eq!(netrc.credentials_for(&url("https://other.example/")), None);
        assert_eq!(
            netrc.credentials_for(&url("http://127.0.0.1:8080/simple/")),
            Some(("bob".into(), Some("pw".into())))
        );
        let debug = format!("{netrc:?}");
        assert!(!debug.contains("pw") && !debug.contains("p w"), "{debug}");
    }

    #[test]
    fn malformed_netrc_names_file_and_line() {
        let error =
            Netrc::parse("machine a.example login u\n  pasword x\n", "/h/.netrc").unwrap_err();
        assert_eq!(
            error.to_string(),
            "`/h/.netrc`:2: unknown netrc token `pasword`"
        );
        let error = Netrc::parse("machine", "n").unwrap_err();
        assert!(error.to_string().contains("without a host"), "{error}");
    }
}
