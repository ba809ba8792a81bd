//! A fast path for the layout uv writes, which keeps full TOML semantics.
//!
//! Nine tenths of a large uv.lock are sdist/wheel inline tables, one per line; most of the
//! rest are `dependencies` and `resolution-markers` arrays that no reader here uses. A
//! general TOML parser spends ~25 ms on the 2.8 MB of a 470-package lock, most of it on
//! those lines. So each `sdist = { … }` line and each `wheels = [ … ]` block whose every
//! element is a plain artifact table (bare keys `url`, `path`, `filename`, `hash`, `size`,
//! `upload-time`; strings without escapes or control characters; decimal integers; no
//! duplicate keys) is read here and replaced, in the text given to the TOML parser, by a
//! short reference to what was read; and each multi-line `dependencies`/`resolution-markers`
//! array whose every element is a value of the same canonical subset is checked and replaced
//! by `[]`. Every line break is kept, so line numbers do not move. Anything else, including
//! any line this recogniser is unsure about, is left to the TOML parser untouched. Each
//! replacement swaps one valid TOML value for another in a value position, so the document
//! is valid TOML exactly when the original is. Tests check that both paths give the same
//! result for every fixture and for mutated inputs.

use std::fmt::Write;

/// Key of the inline table that replaces an sdist (its index among the fast artifacts).
pub(super) const FAST_ARTIFACT_KEY: &str = "pubgate-fast-path-artifact";
/// Key of the inline table that replaces a wheels array (a `[start, end)` range).
pub(super) const FAST_WHEELS_KEY: &str = "pubgate-fast-path-wheels";

/// An sdist or wheel table read by the fast path: slices of the lockfile text.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(super) struct FastArtifact<'a> {
    pub url: Option<&'a str>,
    pub path: Option<&'a str>,
    pub filename: Option<&'a str>,
    pub hash: Option<&'a str>,
}

/// The rewritten document and the artifacts read out of it.
pub(super) struct Prepared<'a> {
    pub text: String,
    pub artifacts: Vec<FastArtifact<'a>>,
}

/// Keys the uv reader's wire structs never read, wherever they appear: a multi-line array
/// under one of them is checked here and handed to the TOML parser as `[]`.
const IGNORED_ARRAY_KEYS: [&str; 2] = ["dependencies", "resolution-markers"];

/// How deep inline tables and arrays may nest in a line the fast path checks.
const MAX_DEPTH: u8 = 8;

/// Rewrites the canonical artifact lines of a uv.lock, or `None` when the fast path does
/// not apply (multi-line strings, which could contain lines that look like artifacts;
/// text that already names the reference keys; or nothing to rewrite).
pub(super) fn prepare(text: &str) -> Option<Prepared<'_>> {
    // the rewritten text is about a twentieth of a canonical lock
    let mut out = String::with_capacity(text.len() / 16);
    let mut artifacts = Vec::new();
    let mut rewritten = false;
    let mut lines = Lines(text);
    while let Some(line) = lines.next() {
        let (content, ending) = split_ending(line);
        if content == "wheels = [" {
            let mut ahead = lines.clone();
            let mut read = Vec::new();
            let mut endings = Vec::new();
            let mut closed = false;
            for next in ahead.by_ref() {
                let (content, ending) = split_ending(next);
                endings.push(ending);
                if content == "]" {
                    closed = true;
                    break;
                }
                match element(content) {
                    Some(artifact) => read.push(artifact),
                    None => break,
                }
            }
            if closed {
                let start = artifacts.len();
                artifacts.extend(read);
                let _ = write!(
                    out,
                    "wheels = {{ {FAST_WHEELS_KEY} = [{start}, {}] }}",
                    artifacts.len()
                );
                out.push_str(ending);
                for ending in endings {
                    out.push_str(ending);
                }
                lines = ahead;
                continue;
            }
        } else if let Some(key) = IGNORED_ARRAY_KEYS
            .into_iter()
            .find(|key| content.strip_prefix(key) == Some(" = ["))
        {
            let mut ahead = lines.clone();
            let mut endings = Vec::new();
            let mut closed = false;
            for next in ahead.by_ref() {
                let (content, ending) = split_ending(next);
                endings.push(ending);
                if content == "]" {
                    closed = true;
                    break;
                }
                if !array_element(content) {
                    break;
                }
            }
            if closed {
                rewritten = true;
                out.push_str(key);
                out.push_str(" = []");
                out.push_str(ending);
                for ending in endings {
                    out.push_str(ending);
                }
                lines = ahead;
                continue;
            }
        } else if let Some(table) = content.strip_prefix("sdist = ") {
            if let Some(artifact) = inline_table(table) {
                let _ = write!(
                    out,
                    "sdist = {{ {FAST_ARTIFACT_KEY} = {} }}",
                    artifacts.len()
                );
                out.push_str(ending);
                artifacts.push(artifact);
                continue;
            }
        }
        // Only lines the TOML parser sees can open a multi-line string (a rewritten line
        // cannot contain `"""`), and one before a rewritten line would mean the rewrite was
        // inside a string: give up on the first one. The reference keys must not be forged.
        if line.contains("\"\"\"") || line.contains("'''") || line.contains("pubgate-fast-path") {
            return None;
        }
        out.push_str(line);
    }
    (rewritten || !artifacts.is_empty()).then_some(Prepared {
        text: out,
        artifacts,
    })
}

/// The lines of a text, each with its `\n` (`str::split_inclusive`, with a SIMD search).
#[derive(Clone)]
struct Lines<'a>(&'a str);

impl<'a> Iterator for Lines<'a> {
    type Item = &'a str;
    fn next(&mut self) -> Option<&'a str> {
        if self.0.is_empty() {
            return None;
        }
        let end = memchr::memchr(b'\n', self.0.as_bytes()).map_or(self.0.len(), |at| at + 1);
        let (line, rest) = self.0.split_at(end);
        self.0 = rest;
        Some(line)
    }
}

/// `(content, line ending)`, the ending being `\n`, `\r\n` or empty (last line).
fn split_ending(line: &str) -> (&str, &str) {
    if let Some(content) = line.strip_suffix("\r\n") {
        (content, "\r\n")
    } else if let Some(content) = line.strip_suffix('\n') {
        (content, "\n")
    } else {
        (line, "")
    }
}

fn is_space(c: char) -> bool {
    c == ' ' || c == '\t'
}

/// One element line of a wheels array: `    { … },` (trailing comma optional).
fn element(line: &str) -> Option<FastArtifact<'_>> {
    let line = line.trim_matches(is_space);
    let line = line
        .strip_suffix(',')
        .unwrap_or(line)
        .trim_end_matches(is_space);
    inline_table(line)
}

/// A whole `{ key = value, … }` artifact table, nothing after it but spaces.
fn inline_table(text: &str) -> Option<FastArtifact<'_>> {
    let mut rest = text.strip_prefix('{')?.trim_start_matches(is_space);
    let mut artifact = FastArtifact::default();
    let mut size_seen = false;
    let mut upload_time_seen = false;
    loop {
        let key_len = rest
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
            .count();
        let key = &rest[..key_len];
        rest = rest[key_len..]
            .trim_start_matches(is_space)
            .strip_prefix('=')?
            .trim_start_matches(is_space);
        match key {
            "url" | "path" | "filename" | "hash" => {
                let (value, after) = basic_string(rest)?;
                let slot = match key {
                    "url" => &mut artifact.url,
                    "path" => &mut artifact.path,
                    "filename" => &mut artifact.filename,
                    _ => &mut artifact.hash,
                };
                if slot.replace(value).is_some() {
                    return None;
                }
                rest = after;
            }
            "upload-time" => {
                let (_, after) = basic_string(rest)?;
                if std::mem::replace(&mut upload_time_seen, true) {
                    return None;
                }
                rest = after;
            }
            "size" => {
                let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
                let number = &rest[..digits];
                if number.is_empty()
                    || (number.len() > 1 && number.starts_with('0'))
                    || number.parse::<i64>().is_err()
                    || std::mem::replace(&mut size_seen, true)
                {
                    return None;
                }
                rest = &rest[digits..];
            }
            _ => return None,
        }
        rest = rest.trim_start_matches(is_space);
        if let Some(after) = rest.strip_prefix(',') {
            rest = after.trim_start_matches(is_space);
        } else {
            rest = rest.strip_prefix('}')?;
            break;
        }
    }
    rest.trim_start_matches(is_space)
        .is_empty()
        .then_some(artifact)
}

/// One element line of an array: `    VALUE,` (trailing comma optional).
fn array_element(line: &str) -> bool {
    let line = line.trim_matches(is_space);
    let line = line
        .strip_suffix(',')
        .unwrap_or(line)
        .trim_end_matches(is_space);
    skip_value(line, 0).is_some_and(str::is_empty)
}

/// Checks one TOML value of the canonical subset (basic strings without escapes, decimal
/// integers, booleans, single-line arrays and inline tables of bare, distinct keys) and
/// returns the text after it; `None` when the value is anything else.
fn skip_value(text: &str, depth: u8) -> Option<&str> {
    if depth > MAX_DEPTH {
        return None;
    }
    match text.as_bytes().first()? {
        b'"' => basic_string(text).map(|(_, rest)| rest),
        b't' => text.strip_prefix("true"),
        b'f' => text.strip_prefix("false"),
        b'0'..=b'9' => {
            let digits = text.bytes().take_while(u8::is_ascii_digit).count();
            let number = &text[..digits];
            if (number.len() > 1 && number.starts_with('0')) || number.parse::<i64>().is_err() {
                return None;
            }
            Some(&text[digits..])
        }
        b'[' => {
            let mut rest = text[1..].trim_start_matches(is_space);
            if let Some(after) = rest.strip_prefix(']') {
                return Some(after);
            }
            loop {
                rest = skip_value(rest, depth + 1)?.trim_start_matches(is_space);
                if let Some(after) = rest.strip_prefix(',') {
                    rest = after.trim_start_matches(is_space);
                    if let Some(after) = rest.strip_prefix(']') {
                        return Some(after);
                    }
                } else {
                    return rest.strip_prefix(']');
                }
            }
        }
        b'{' => {
            let mut rest = text[1..].trim_start_matches(is_space);
            if let Some(after) = rest.strip_prefix('}') {
                return Some(after);
            }
            let mut keys: Vec<&str> = Vec::new();
            loop {
                let key_len = rest
                    .bytes()
                    .take_while(|b| b.is_ascii_alphanumeric() || *b == b'_' || *b == b'-')
                    .count();
                let key = &rest[..key_len];
                if key.is_empty() || keys.contains(&key) {
                    return None;
                }
                keys.push(key);
                rest = rest[key_len..]
                    .trim_start_matches(is_space)
                    .strip_prefix('=')?
                    .trim_start_matches(is_space);
                rest = skip_value(rest, depth + 1)?.trim_start_matches(is_space);
                if let Some(after) = rest.strip_prefix(',') {
                    rest = after.trim_start_matches(is_space);
                } else {
                    return rest.strip_prefix('}');
                }
            }
        }
        _ => None,
    }
}

/// A TOML basic string with no escapes and no control characters: `(content, rest)`.
fn basic_string(text: &str) -> Option<(&str, &str)> {
    let body = text.strip_prefix('"')?;
    // the check below has no early exit, so it vectorizes
    let end = memchr::memchr(b'"', body.as_bytes())?;
    let content = &body[..end];
    let unusual = content.bytes().fold(false, |found, b| {
        found | (b == b'\\') | ((b < 0x20) & (b != b'\t')) | (b == 0x7f)
    });
    if unusual {
        return None;
    }
    Some((content, &body[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_canonical_artifact_tables() {
        let wire = inline_table(r#"{ url = "https://h/a-1.tar.gz", hash = "sha256:ab", size = 812032, upload-time = "2025-03-13T11:10:22.779Z" }"#).unwrap();
        assert_eq!(wire.url, Some("https://h/a-1.tar.gz"));
        assert_eq!(wire.hash, Some("sha256:ab"));
        assert_eq!(wire.path, None);
        let wire = inline_table(r#"{ path = "a.whl" }"#).unwrap();
        assert_eq!(wire.path, Some("a.whl"));
    }

    #[test]
    fn leaves_anything_unusual_to_the_toml_parser() {
        for table in [
            r#"{ url = "a\"b" }"#,
            r#"{ url = "a", url = "b" }"#,
            r#"{ url = "a", size = 01 }"#,
            r#"{ url = "a", size = 99999999999999999999 }"#,
            r#"{ url = "a", size = "1" }"#,
            r#"{ url = "a", zstd = { hash = "x" } }"#,
            r#"{ url = 'a' }"#,
            r#"{ url = "a", }"#,
            r#"{ url = "a" } # comment"#,
            "{ url = \"a\u{1}\" }",
            r#"{ url = "a" "#,
            r#"{ "url" = "a" }"#,
            r#"{ url = "a" } x"#,
        ] {
            assert_eq!(inline_table(table), None, "{table}");
        }
    }

    #[test]
    fn checks_values_of_the_canonical_subset() {
        for ok in [
            r#""python_full_version >= '3.12'""#,
            r#"{ name = "numpy", version = "1.26.4", source = { registry = "https://pypi.org/simple" }, marker = "x" }"#,
            r#"{ name = "a", extra = ["b", "c"] }"#,
            r#"[1, [true, false], {}, { }, [ ], "s",]"#,
            "0",
        ] {
            assert_eq!(skip_value(ok, 0), Some(""), "{ok}");
        }
        for bad in [
            r#"{ name = "a", name = "b" }"#,
            r#"{ a.b = 1 }"#,
            r#"{ "a" = 1 }"#,
            r#"{ a = 1, }"#,
            r#""a"b""#,
            "'literal'",
            "01",
            "1.5e3",
            "1_000",
            "truex",
            "[1, 2",
            "-1",
            "2025-01-01T00:00:00Z",
        ] {
            assert!(
                skip_value(bad, 0).is_none_or(|rest| !rest.is_empty()),
                "{bad}"
            );
        }
        let deep = format!("{}{}", "[".repeat(20), "]".repeat(20));
        assert_eq!(skip_value(&deep, 0), None);
    }

    #[test]
    fn ignored_arrays_become_empty() {
        let text = "[[package]]\ndependencies = [\n    { name = \"a\", marker = \"m\" },\n]\nresolution-markers = [\n    \"x\",\n]\nsdist = { url = \"u\" }\n";
        let prepared = prepare(text).unwrap();
        assert_eq!(
            prepared.text,
            "[[package]]\ndependencies = []\n\n\nresolution-markers = []\n\n\nsdist = { pubgate-fast-path-artifact = 0 }\n"
        );
        // a duplicate key inside a dependency keeps the block for the TOML parser to reject
        let text =
            "dependencies = [\n    { name = \"a\", name = \"b\" },\n]\nsdist = { url = \"u\" }\n";
        assert!(prepare(text)
            .unwrap()
            .text
            .starts_with("dependencies = [\n"));
    }

    #[test]
    fn rewrites_blocks_keeping_every_line_break() {
        let text = "[[package]]\r\nsdist = { url = \"u\", hash = \"h\" }\r\nwheels = [\r\n    { url = \"w1\" },\r\n    { url = \"w2\", size = 3 },\r\n]\r\n";
        let prepared = prepare(text).unwrap();
        assert_eq!(
            prepared.text,
            "[[package]]\r\nsdist = { pubgate-fast-path-artifact = 0 }\r\nwheels = { pubgate-fast-path-wheels = [1, 3] }\r\n\r\n\r\n\r\n"
        );
        assert_eq!(prepared.artifacts.len(), 3);
        assert_eq!(prepared.artifacts[2].url, Some("w2"));
        // one odd element keeps the whole block for the TOML parser
        let text = "wheels = [\n    { url = \"w1\" },\n    { url = \"w2\" }, # note\n]\n";
        assert!(prepare(text).is_none());
        assert!(prepare("x = \"\"\"\nwheels = [\n]\n\"\"\"\nsdist = { url = \"u\" }\n").is_none());
        assert!(prepare("sdist = { pubgate-fast-path-artifact = 0 }\n").is_none());
    }
}
