//! A fast path for the layout uv writes, which keeps full TOML semantics.
//!
//! Nine tenths of a large uv.lock are sdist/wheel inline tables, one per line. Parsing them
//! through a general TOML parser costs about 25 ms for a 450-package lock; reading them
//! here costs about a tenth of that. Each `sdist = { … }` line and each `wheels = [ … ]`
//! block whose every element line is a plain artifact table (bare keys `url`, `path`,
//! `filename`, `hash`, `size`, `upload-time`; strings without escapes or control
//! characters; decimal integers; no duplicate keys) is read here and replaced, in the text
//! given to the TOML parser, by a short reference to what was read. Every line break is kept,
//! so line numbers do not move, and anything else, including any line this recogniser is
//! unsure about, is left to the TOML parser untouched. The replacement swaps one valid TOML
//! value for another in a value position, so the document is valid TOML exactly when the
//! original is. Tests check that both paths give the same result for every fixture and for
//! mutated inputs.

use std::fmt::Write;

use super::uv::ArtifactWire;

/// Key of the inline table that replaces an sdist (its index among the fast artifacts).
pub(super) const FAST_ARTIFACT_KEY: &str = "pubgate-fast-path-artifact";
/// Key of the inline table that replaces a wheels array (a `[start, end)` range).
pub(super) const FAST_WHEELS_KEY: &str = "pubgate-fast-path-wheels";

/// The rewritten document and the artifacts read out of it.
pub(super) struct Prepared {
    pub text: String,
    pub artifacts: Vec<ArtifactWire>,
}

/// Rewrites the canonical artifact lines of a uv.lock, or `None` when the fast path does
/// not apply (multi-line strings, which could contain lines that look like artifacts;
/// text that already names the reference keys; or nothing to rewrite).
pub(super) fn prepare(text: &str) -> Option<Prepared> {
    if text.contains("\"\"\"") || text.contains("'''") || text.contains("pubgate-fast-path") {
        return None;
    }
    let mut out = String::with_capacity(text.len() / 4);
    let mut artifacts = Vec::new();
    let mut lines = text.split_inclusive('\n');
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
        out.push_str(line);
    }
    (!artifacts.is_empty()).then_some(Prepared {
        text: out,
        artifacts,
    })
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
fn element(line: &str) -> Option<ArtifactWire> {
    let line = line.trim_matches(is_space);
    let line = line
        .strip_suffix(',')
        .unwrap_or(line)
        .trim_end_matches(is_space);
    inline_table(line)
}

/// A whole `{ key = value, … }` artifact table, nothing after it but spaces.
fn inline_table(text: &str) -> Option<ArtifactWire> {
    let mut rest = text.strip_prefix('{')?.trim_start_matches(is_space);
    let mut artifact = ArtifactWire::default();
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
                if slot.replace(value.to_string()).is_some() {
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

/// A TOML basic string with no escapes and no control characters: `(content, rest)`.
fn basic_string(text: &str) -> Option<(&str, &str)> {
    let body = text.strip_prefix('"')?;
    let end = body.find(['"', '\\'])?;
    if body.as_bytes()[end] != b'"' {
        return None;
    }
    let content = &body[..end];
    if content
        .bytes()
        .any(|b| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
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
        assert_eq!(wire.url.as_deref(), Some("https://h/a-1.tar.gz"));
        assert_eq!(wire.hash.as_deref(), Some("sha256:ab"));
        assert_eq!(
            inline_table(r#"{ path = "a.whl" }"#)
                .unwrap()
                .path
                .as_deref(),
            Some("a.whl")
        );
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
    fn rewrites_blocks_keeping_every_line_break() {
        let text = "[[package]]\r\nsdist = { url = \"u\", hash = \"h\" }\r\nwheels = [\r\n    { url = \"w1\" },\r\n    { url = \"w2\", size = 3 },\r\n]\r\n";
        let prepared = prepare(text).unwrap();
        assert_eq!(
            prepared.text,
            "[[package]]\r\nsdist = { pubgate-fast-path-artifact = 0 }\r\nwheels = { pubgate-fast-path-wheels = [1, 3] }\r\n\r\n\r\n\r\n"
        );
        assert_eq!(prepared.artifacts.len(), 3);
        assert_eq!(prepared.artifacts[2].url.as_deref(), Some("w2"));
        // one odd element keeps the whole block for the TOML parser
        let text = "wheels = [\n    { url = \"w1\" },\n    { url = \"w2\" }, # note\n]\n";
        assert!(prepare(text).is_none());
        assert!(prepare("x = \"\"\"\nwheels = [\n]\n\"\"\"\nsdist = { url = \"u\" }\n").is_none());
        assert!(prepare("sdist = { pubgate-fast-path-artifact = 0 }\n").is_none());
    }
}
