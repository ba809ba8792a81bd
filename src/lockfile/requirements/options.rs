//! The options part of a requirements line, read the way pip reads it: the line is cut at
//! the first space-separated token starting with `-` (`break_args_options`), the rest is
//! split like Python's `shlex.split` and parsed like `optparse` with pip's option table
//! (long-option prefixes, `--opt=value`, `-iVALUE`, unknown options are errors).

/// pip's `break_args_options`: `(requirement, options)`, split on single spaces.
pub(super) fn break_args_options(line: &str) -> (String, String) {
    let tokens: Vec<&str> = line.split(' ').collect();
    let cut = tokens
        .iter()
        .position(|token| token.starts_with('-'))
        .unwrap_or(tokens.len());
    (tokens[..cut].join(" "), tokens[cut..].join(" "))
}

/// Python's `shlex.split(text)` (POSIX mode, no comments).
pub(super) fn shlex_split(text: &str) -> Result<Vec<String>, String> {
    if memchr::memchr3(b'\\', b'\'', b'"', text.as_bytes()).is_none() {
        // no quoting or escapes: whitespace separates the tokens
        return Ok(text
            .split([' ', '\t', '\r', '\n'])
            .filter(|token| !token.is_empty())
            .map(str::to_string)
            .collect());
    }
    let mut tokens = Vec::new();
    let mut token = String::new();
    let mut in_token = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' | '\r' | '\n' => {
                if in_token {
                    tokens.push(std::mem::take(&mut token));
                    in_token = false;
                }
            }
            '\\' => {
                in_token = true;
                match chars.next() {
                    Some(escaped) => token.push(escaped),
                    None => return Err("no escaped character after `\\`".into()),
                }
            }
            '\'' => {
                in_token = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => token.push(c),
                        None => return Err("no closing quotation".into()),
                    }
                }
            }
            '"' => {
                in_token = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\')) => token.push(c),
                            Some(c) => {
                                token.push('\\');
                                token.push(c);
                            }
                            None => return Err("no escaped character after `\\`".into()),
                        },
                        Some(c) => token.push(c),
                        None => return Err("no closing quotation".into()),
                    }
                }
            }
            c => {
                in_token = true;
                token.push(c);
            }
        }
    }
    if in_token {
        tokens.push(token);
    }
    Ok(tokens)
}

/// What an option does with its value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Dest {
    IndexUrl,
    ExtraIndexUrl,
    NoIndex,
    Constraint,
    Requirement,
    Editable,
    FindLinks,
    TrustedHost,
    Hash,
    ConfigSettings,
    /// `--no-binary`, `--only-binary`, `--all-releases`, `--only-final`: a list of names,
    /// refused when it starts with `-` (`handle_mutual_excludes`).
    NameList,
    /// `--use-feature`, an optparse `choice`.
    Feature,
    /// Accepted and without effect on what is locked.
    Ignored,
}

struct Spec {
    long: &'static str,
    short: Option<char>,
    takes_value: bool,
    dest: Dest,
}

const fn spec(long: &'static str, short: Option<char>, takes_value: bool, dest: Dest) -> Spec {
    Spec {
        long,
        short,
        takes_value,
        dest,
    }
}

/// pip's `SUPPORTED_OPTIONS` + `SUPPORTED_OPTIONS_REQ` (`pip/_internal/req/req_file.py`,
/// pip 26.3), one row per option string: optparse matches abbreviations against all of
/// them, so the table must be exactly pip's for `--pr`, `--no-r` … to mean the same.
const OPTIONS: &[Spec] = &[
    spec("--index-url", Some('i'), true, Dest::IndexUrl),
    spec("--pypi-url", None, true, Dest::IndexUrl),
    spec("--extra-index-url", None, true, Dest::ExtraIndexUrl),
    spec("--no-index", None, false, Dest::NoIndex),
    spec("--constraint", Some('c'), true, Dest::Constraint),
    spec("--requirement", Some('r'), true, Dest::Requirement),
    spec("--editable", Some('e'), true, Dest::Editable),
    spec("--find-links", Some('f'), true, Dest::FindLinks),
    spec("--no-binary", None, true, Dest::NameList),
    spec("--only-binary", None, true, Dest::NameList),
    spec("--prefer-binary", None, false, Dest::Ignored),
    spec("--require-hashes", None, false, Dest::Ignored),
    spec("--no-require-hashes", None, false, Dest::Ignored),
    spec("--pre", None, false, Dest::Ignored),
    spec("--all-releases", None, true, Dest::NameList),
    spec("--only-final", None, true, Dest::NameList),
    spec("--trusted-host", None, true, Dest::TrustedHost),
    spec("--use-feature", None, true, Dest::Feature),
    spec("--hash", None, true, Dest::Hash),
    spec("--config-settings", Some('C'), true, Dest::ConfigSettings),
];

/// `--use-feature` choices (pip 26.3 `use_new_feature`, with `ALWAYS_ENABLED_FEATURES`).
const FEATURES: [&str; 6] = [
    "fast-deps",
    "inprocess-build-deps",
    "venv-isolation",
    "truststore",
    "no-binary-enable-wheel-cache",
    "build-constraint",
];

/// The options of one line.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct LineOptions {
    /// The last `--index-url` of the line (optparse `store`).
    pub index_url: Option<String>,
    pub extra_index_urls: Vec<String>,
    pub no_index: bool,
    pub constraints: Vec<String>,
    pub requirements: Vec<String>,
    pub editables: Vec<String>,
    pub find_links: Vec<String>,
    pub trusted_hosts: Vec<String>,
    /// `(algorithm, digest)` of every `--hash`; the algorithm is one pip allows.
    pub hashes: Vec<(String, String)>,
}

/// Parses option tokens like pip's optparse parser; positional tokens are ignored, as pip
/// ignores them. `Err` carries pip-like reasons (`no such option: --x`).
pub(super) fn parse_options(tokens: &[String]) -> Result<LineOptions, String> {
    let mut options = LineOptions::default();
    let mut i = 0;
    while i < tokens.len() {
        let token = &tokens[i];
        i += 1;
        if token == "--" {
            break;
        }
        if let Some(long) = token.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value.to_string())),
                None => (long, None),
            };
            let spec = match_long(&format!("--{name}"))?;
            let value = if spec.takes_value {
                match inline {
                    Some(value) => Some(value),
                    None => {
                        let value = tokens
                            .get(i)
                            .ok_or_else(|| format!("`{}` option requires 1 argument", spec.long))?;
                        i += 1;
                        Some(value.clone())
                    }
                }
            } else if inline.is_some() {
                return Err(format!("`{}` option does not take a value", spec.long));
            } else {
                None
            };
            apply(&mut options, spec, value)?;
        } else if token.len() > 1 && token.starts_with('-') {
            let shorts = &token[1..];
            for (at, c) in shorts.char_indices() {
                let spec = OPTIONS
                    .iter()
                    .find(|spec| spec.short == Some(c))
                    .ok_or_else(|| format!("no such option: `-{c}`"))?;
                if spec.takes_value {
                    let rest = &shorts[at + c.len_utf8()..];
                    let value = if rest.is_empty() {
                        let value = tokens
                            .get(i)
                            .ok_or_else(|| format!("`-{c}` option requires 1 argument"))?;
                        i += 1;
                        value.clone()
                    } else {
                        rest.to_string()
                    };
                    apply(&mut options, spec, Some(value))?;
                    break;
                }
                apply(&mut options, spec, None)?;
            }
        }
    }
    Ok(options)
}

/// optparse's long-option matching: exact, else a unique prefix.
fn match_long(name: &str) -> Result<&'static Spec, String> {
    if let Some(spec) = OPTIONS.iter().find(|spec| spec.long == name) {
        return Ok(spec);
    }
    let candidates: Vec<&Spec> = OPTIONS
        .iter()
        .filter(|spec| spec.long.starts_with(name))
        .collect();
    match candidates.as_slice() {
        [spec] => Ok(spec),
        [] => Err(format!("no such option: `{name}`")),
        many => Err(format!(
            "ambiguous option: `{name}` could be {}",
            many.iter()
                .map(|spec| format!("`{}`", spec.long))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

fn apply(options: &mut LineOptions, spec: &Spec, value: Option<String>) -> Result<(), String> {
    let value = value.unwrap_or_default();
    match spec.dest {
        Dest::IndexUrl => options.index_url = Some(value),
        Dest::ExtraIndexUrl => options.extra_index_urls.push(value),
        Dest::NoIndex => options.no_index = true,
        Dest::Constraint => options.constraints.push(value),
        Dest::Requirement => options.requirements.push(value),
        Dest::Editable => options.editables.push(value),
        Dest::FindLinks => options.find_links.push(value),
        Dest::TrustedHost => options.trusted_hosts.push(value),
        Dest::NameList => {
            if value.starts_with('-') {
                return Err(format!("`{}` option requires 1 argument", spec.long));
            }
        }
        Dest::Feature => {
            if !FEATURES.contains(&value.as_str()) {
                return Err(format!(
                    "`{} {value}`: invalid choice (choose from {})",
                    spec.long,
                    FEATURES.join(", ")
                ));
            }
        }
        Dest::Hash => {
            // pip's `_handle_merge_hash`
            let Some((algorithm, digest)) = value.split_once(':') else {
                return Err(format!(
                    "`--hash {value}`: arguments to `--hash` must be a hash name followed by a value, like `--hash=sha256:abcde…`"
                ));
            };
            if !matches!(algorithm, "sha256" | "sha384" | "sha512") {
                return Err(format!(
                    "`--hash {value}`: allowed hash algorithms for `--hash` are sha256, sha384, sha512"
                ));
            }
            options
                .hashes
                .push((algorithm.to_string(), digest.to_string()));
        }
        Dest::ConfigSettings => {
            if !value.contains('=') {
                return Err(format!(
                    "`--config-settings {value}`: arguments to `--config-settings` must be of the form `KEY=VAL`"
                ));
            }
        }
        Dest::Ignored => {}
    }
    Ok(())
}

/// pip's `parse_netloc` (`build_url_from_netloc` + `urllib.parse.urlparse`): a trusted
/// host needs a host part, and a port, when given, must be a number up to 65535.
pub(super) fn check_trusted_host(value: &str) -> Result<(), String> {
    let bare_ipv6 = value.matches(':').count() >= 2 && !value.contains(['@', '[']);
    let netloc = value.split(['/', '?', '#']).next().unwrap_or_default();
    let hostinfo = netloc.rsplit_once('@').map_or(netloc, |(_, host)| host);
    let (host, port) = if bare_ipv6 {
        (hostinfo, None)
    } else if let Some(rest) = hostinfo.strip_prefix('[') {
        match rest.split_once(']') {
            Some((host, after)) => (host, after.strip_prefix(':')),
            None => return Err(format!("`--trusted-host {value}`: invalid IPv6 address")),
        }
    } else {
        match hostinfo.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (hostinfo, None),
        }
    };
    if host.is_empty() {
        return Err(format!(
            "`--trusted-host {value}`: a trusted host must include a host part"
        ));
    }
    // Python checks a bracketed host is an IPv6 address (an IPvFuture `v…` aside); a zone
    // (`%eth0`), which Python takes, is refused here rather than guessed at
    let bracketed = bare_ipv6 || hostinfo.starts_with('[');
    if bracketed && !host.starts_with(['v', 'V']) && host.parse::<std::net::Ipv6Addr>().is_err() {
        return Err(format!(
            "`--trusted-host {value}`: `{host}` is not an IPv6 address"
        ));
    }
    if let Some(port) = port.filter(|port| !port.is_empty()) {
        let valid = port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|port| port <= 65535);
        if !valid {
            return Err(format!(
                "`--trusted-host {value}`: the port must be a number from 0 to 65535"
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<LineOptions, String> {
        parse_options(&shlex_split(text)?)
    }

    #[test]
    fn breaks_at_the_first_dash_token() {
        assert_eq!(
            break_args_options("pkg==1.0 ; python_version < \"3.9\" --hash=sha256:x"),
            (
                "pkg==1.0 ; python_version < \"3.9\"".to_string(),
                "--hash=sha256:x".to_string()
            )
        );
        assert_eq!(
            break_args_options("-e ./x"),
            (String::new(), "-e ./x".to_string())
        );
        // a tab is not a separator for pip: the whole line is the requirement
        assert_eq!(
            break_args_options("pkg==1\t--hash=sha256:x").0,
            "pkg==1\t--hash=sha256:x"
        );
    }

    #[test]
    fn splits_like_python_shlex() {
        assert_eq!(
            shlex_split(r#"--hash "sha256:a b" 'c\d' e\ f "g\"h\i" """#).unwrap(),
            vec!["--hash", "sha256:a b", r"c\d", "e f", r#"g"h\i"#, ""]
        );
        assert_eq!(
            shlex_split(" -r  a.txt\t-e\tb ").unwrap(),
            vec!["-r", "a.txt", "-e", "b"]
        );
        assert!(shlex_split("--hash 'unterminated").is_err());
        assert!(shlex_split("--hash x\\").is_err());
    }

    #[test]
    fn both_hash_spellings_and_several_hashes() {
        let options = parse("--hash=sha256:aa --hash sha256:bb --hash=sha512:cc").unwrap();
        assert_eq!(
            options.hashes,
            vec![
                ("sha256".to_string(), "aa".to_string()),
                ("sha256".to_string(), "bb".to_string()),
                ("sha512".to_string(), "cc".to_string())
            ]
        );
        assert!(parse("--hash=md5:aa")
            .unwrap_err()
            .contains("allowed hash algorithms"));
        assert!(parse("--hash=aa")
            .unwrap_err()
            .contains("hash name followed by a value"));
        assert!(parse("--hash").unwrap_err().contains("requires 1 argument"));
    }

    #[test]
    fn trusted_hosts_pip_can_parse() {
        for ok in [
            "h.example",
            "h.example:8080",
            "u:p@h:1",
            "::1",
            "[::1]:443",
            "h:",
        ] {
            assert!(check_trusted_host(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            ":80",
            "h:abc",
            "h:70000",
            "[::1",
            "u@",
            "::1x:y",
            "[1.2.3.4]",
        ] {
            assert!(check_trusted_host(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn optparse_forms() {
        let options =
            parse("-ihttps://a/simple --extra-index=https://b/simple -r x.txt -cc.txt").unwrap();
        assert_eq!(options.index_url.as_deref(), Some("https://a/simple"));
        assert_eq!(options.extra_index_urls, vec!["https://b/simple"]);
        assert_eq!(options.requirements, vec!["x.txt"]);
        assert_eq!(options.constraints, vec!["c.txt"]);
        // positional leftovers are ignored, as optparse returns them and pip drops them
        let options = parse("-e ./editable[d, dev]").unwrap();
        assert_eq!(options.editables, vec!["./editable[d,"]);
        assert!(parse("--bogus").unwrap_err().contains("no such option"));
        assert!(parse("-x").unwrap_err().contains("no such option"));
        assert!(parse("--no").unwrap_err().contains("ambiguous"));
        assert!(parse("--pre=1")
            .unwrap_err()
            .contains("does not take a value"));
        assert!(parse("--config-settings x").is_err());
        assert!(parse("--config-settings x=y --no-index").unwrap().no_index);
    }
}
