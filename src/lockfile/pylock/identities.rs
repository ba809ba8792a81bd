//! Writing PEP 751 `attestation-identities` into a pylock.toml, byte for byte around them:
//! each new `[[packages.attestation-identities]]` table is inserted as text after the last
//! line of its package's section, and nothing else of the file changes. The result is read
//! back to prove it says what was meant.
//!
//! Sections are found with a small TOML line scanner (strings, comments and multi-line
//! arrays and inline tables are skipped), and each table header is read by the TOML parser
//! itself. A package written inline (`packages = [{ … }]`) has no section to extend: it is
//! refused with an error, never rewritten.

use std::path::Path;

use super::super::{LockError, LockFormat, LockedIdentity};

/// One identity to record: `(key, value)` pairs in order, `kind` first (PEP 740 publisher
/// object keys: `kind`, `repository`, `workflow`, `workflow_filepath`, `environment`,
/// `email`).
pub type IdentityFields = Vec<(&'static str, String)>;

/// Identities to add to the package whose `name` key is on `name_line`.
#[derive(Debug, Clone)]
pub struct IdentityAddition {
    pub name_line: u32,
    pub identities: Vec<IdentityFields>,
}

/// Why identities could not be written.
#[derive(Debug, thiserror::Error)]
pub enum IdentityWriteError {
    #[error("{path}:{line}: the package is written inline (`packages = [{{ … }}]`), so it has no `[[packages]]` section to add `attestation-identities` to: rewrite it as a `[[packages]]` table, or add them by hand")]
    Inline { path: String, line: u32 },
    #[error("{path}:{line}: cannot read this table header: {message}")]
    Header {
        path: String,
        line: u32,
        message: String,
    },
    #[error("{path}: the identities written do not read back as written ({message}); the file was not changed")]
    ReadBack { path: String, message: String },
    #[error(transparent)]
    Lock(#[from] LockError),
}

/// A table header: where its line starts and ends, its line number, its key path, and
/// whether it is an array of tables (`[[…]]`).
#[derive(Debug, Clone)]
struct Header {
    line: u32,
    start: usize,
    keys: Vec<String>,
    array: bool,
}

/// The text with each addition's identities inserted at the end of its package's section.
pub fn write_identities(
    text: &str,
    path: &Path,
    additions: &[IdentityAddition],
) -> Result<String, IdentityWriteError> {
    let shown = path.display().to_string();
    let headers = scan_headers(text, &shown)?;
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    // (insertion offset, text), applied from the end so offsets stay valid.
    let mut inserts: Vec<(usize, String)> = Vec::new();
    for addition in additions {
        if addition.identities.is_empty() {
            continue;
        }
        let section = headers
            .iter()
            .enumerate()
            .rfind(|(_, h)| h.array && h.keys == ["packages"] && h.line <= addition.name_line);
        let Some((index, header)) = section else {
            return Err(IdentityWriteError::Inline {
                path: shown,
                line: addition.name_line,
            });
        };
        let end = headers[index + 1..]
            .iter()
            .find(|h| {
                h.keys.first().map(String::as_str) != Some("packages") || h.keys == ["packages"]
            })
            .map_or(text.len(), |h| h.start);
        if end != text.len() && line_of(text, end) <= addition.name_line {
            return Err(IdentityWriteError::Inline {
                path: shown,
                line: addition.name_line,
            });
        }
        let at = end_of_content(text, header.start, end);
        let mut block = String::new();
        if at > 0 && !text[..at].ends_with('\n') {
            block.push_str(newline);
        }
        for identity in &addition.identities {
            block.push_str(newline);
            block.push_str("[[packages.attestation-identities]]");
            block.push_str(newline);
            for (key, value) in identity {
                block.push_str(&format!(
                    "{key} = {}{newline}",
                    crate::policy::baseline::toml_string(value)
                ));
            }
        }
        inserts.push((at, block));
    }
    inserts.sort_by_key(|insert| std::cmp::Reverse(insert.0));
    let mut out = text.to_string();
    for (at, block) in inserts {
        out.insert_str(at, &block);
    }
    read_back(&out, path, additions)?;
    Ok(out)
}

/// The 1-based line of byte `offset`.
fn line_of(text: &str, offset: usize) -> u32 {
    (text[..offset.min(text.len())]
        .bytes()
        .filter(|b| *b == b'\n')
        .count()
        + 1) as u32
}

/// The offset just after the last line of `text[start..end]` that is neither blank nor a
/// comment (so comments leading into the next section stay with it).
fn end_of_content(text: &str, start: usize, end: usize) -> usize {
    let section = &text[start..end];
    let mut last = start;
    let mut offset = start;
    for line in section.split_inclusive('\n') {
        let trimmed = line.trim();
        offset += line.len();
        if !trimmed.is_empty() && !trimmed.starts_with('#') {
            last = offset;
        }
    }
    last
}

/// Every table header of `text`, in order.
fn scan_headers(text: &str, path: &str) -> Result<Vec<Header>, IdentityWriteError> {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum State {
        Normal,
        Basic,
        Literal,
        MultiBasic,
        MultiLiteral,
        Comment,
    }
    let bytes = text.as_bytes();
    let mut headers = Vec::new();
    let mut state = State::Normal;
    let mut depth: usize = 0;
    let mut line: u32 = 1;
    let mut i = 0;
    while i < bytes.len() {
        let line_start = i == 0 || bytes[i - 1] == b'\n';
        if line_start && state == State::Normal && depth == 0 {
            // Skip indentation; then a `[` starts a header, read whole by the TOML parser.
            let mut j = i;
            while j < bytes.len() && (bytes[j] == b' ' || bytes[j] == b'\t') {
                j += 1;
            }
            if j < bytes.len() && bytes[j] == b'[' {
                let end = text[j..].find('\n').map_or(text.len(), |n| j + n);
                let header_text = text[j..end].trim_end_matches('\r');
                let keys =
                    header_keys(header_text).map_err(|message| IdentityWriteError::Header {
                        path: path.to_string(),
                        line,
                        message,
                    })?;
                headers.push(Header {
                    line,
                    start: i,
                    keys,
                    array: header_text.starts_with("[["),
                });
                i = end;
                continue;
            }
        }
        let b = bytes[i];
        // How many bytes this step consumes.
        let mut step = 1;
        match state {
            State::Normal => match b {
                b'#' => state = State::Comment,
                b'"' if text[i..].starts_with("\"\"\"") => {
                    state = State::MultiBasic;
                    step = 3;
                }
                b'"' => state = State::Basic,
                b'\'' if text[i..].starts_with("'''") => {
                    state = State::MultiLiteral;
                    step = 3;
                }
                b'\'' => state = State::Literal,
                b'[' | b'{' => depth += 1,
                b']' | b'}' => depth = depth.saturating_sub(1),
                _ => {}
            },
            State::Basic => match b {
                b'\\' if bytes.get(i + 1).is_some_and(|n| *n != b'\n') => step = 2,
                b'"' | b'\n' => state = State::Normal,
                _ => {}
            },
            State::Literal | State::Comment => {
                if (b == b'\'' && state == State::Literal) || b == b'\n' {
                    state = State::Normal;
                }
            }
            State::MultiBasic => match b {
                b'\\' if bytes.get(i + 1).is_some_and(|n| *n != b'\n') => step = 2,
                b'"' if text[i..].starts_with("\"\"\"") => {
                    // A closing `"""` may be followed by up to two more quotes.
                    step = 3;
                    while step < 5 && bytes.get(i + step) == Some(&b'"') {
                        step += 1;
                    }
                    state = State::Normal;
                }
                _ => {}
            },
            State::MultiLiteral => {
                if text[i..].starts_with("'''") {
                    step = 3;
                    while step < 5 && bytes.get(i + step) == Some(&b'\'') {
                        step += 1;
                    }
                    state = State::Normal;
                }
            }
        }
        let next = (i + step).min(bytes.len());
        line += bytes[i..next].iter().filter(|c| **c == b'\n').count() as u32;
        i = next;
    }
    Ok(headers)
}

/// The key path of a header line (`[[packages.wheels]]` → `packages`, `wheels`), read by
/// the TOML parser.
fn header_keys(header: &str) -> Result<Vec<String>, String> {
    let table: toml::Table = toml::from_str(header).map_err(|e| e.message().to_string())?;
    let mut keys = Vec::new();
    let mut current = &table;
    loop {
        let mut entries = current.iter();
        let Some((key, value)) = entries.next() else {
            break;
        };
        keys.push(key.clone());
        current = match value {
            toml::Value::Table(t) => t,
            toml::Value::Array(items) => match items.last() {
                Some(toml::Value::Table(t)) => t,
                _ => break,
            },
            _ => break,
        };
    }
    if keys.is_empty() {
        return Err("not a table header".into());
    }
    Ok(keys)
}

/// Proves the written text reads back with exactly the identities asked for, on the
/// packages asked for.
fn read_back(
    text: &str,
    path: &Path,
    additions: &[IdentityAddition],
) -> Result<(), IdentityWriteError> {
    let shown = path.display().to_string();
    let fail = |message: String| IdentityWriteError::ReadBack {
        path: shown.clone(),
        message,
    };
    let lock = super::super::parse_str(text, path, Some(LockFormat::Pylock))
        .map_err(|e| fail(e.to_string()))?;
    for addition in additions {
        if addition.identities.is_empty() {
            continue;
        }
        // Lines moved by insertions above: find the package by its new position order.
        let before_count = additions
            .iter()
            .filter(|a| a.name_line < addition.name_line)
            .map(inserted_lines)
            .sum::<u32>();
        let line = addition.name_line + before_count;
        let Some(package) = lock.packages.iter().find(|p| p.location.line == line) else {
            return Err(fail(format!("no package at line {line}")));
        };
        let got: Vec<IdentityFields> = package
            .attestation_identities
            .iter()
            .map(fields_of)
            .collect();
        let wanted: Vec<IdentityFields> = addition
            .identities
            .iter()
            .map(|i| {
                let mut i = i.clone();
                i.retain(|(k, v)| !(*k == "environment" && v.is_empty()));
                i
            })
            .collect();
        if !got.ends_with(&wanted) {
            return Err(fail(format!(
                "package `{}` reads {} identities",
                package.name,
                got.len()
            )));
        }
    }
    Ok(())
}

/// Lines an addition inserts.
fn inserted_lines(addition: &IdentityAddition) -> u32 {
    addition
        .identities
        .iter()
        .map(|i| i.len() as u32 + 2)
        .sum::<u32>()
}

/// A read identity as fields, in the order they are written.
fn fields_of(identity: &LockedIdentity) -> IdentityFields {
    let mut fields = vec![("kind", identity.kind.clone())];
    for (key, value) in [
        ("repository", &identity.repository),
        ("workflow", &identity.workflow),
        ("workflow_filepath", &identity.workflow_filepath),
        ("environment", &identity.environment),
        ("email", &identity.email),
    ] {
        if let Some(value) = value {
            fields.push((key, value.clone()));
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    const H: &str = "1111111111111111111111111111111111111111111111111111111111111111";

    fn github(repo: &str) -> IdentityFields {
        vec![
            ("kind", "GitHub".to_string()),
            ("repository", repo.to_string()),
            ("workflow", "release.yml".to_string()),
        ]
    }

    #[test]
    fn inserts_after_the_package_section_and_nothing_else_changes() {
        let text = format!(
            "lock-version = \"1.0\"\ncreated-by = \"test\"\n\n[[packages]]\nname = \"a\"\nversion = \"1.0\"\n# a comment\n[[packages.wheels]]\nname = \"a-1.0-py3-none-any.whl\"\nurl = \"https://files.pythonhosted.org/a-1.0-py3-none-any.whl\"\n[packages.wheels.hashes]\nsha256 = \"{H}\"\n\n# b's own comment\n[[packages]]\nname = \"b\"\nversion = \"2.0\"\nsdist = {{ name = \"b-2.0.tar.gz\", url = \"https://files.pythonhosted.org/b-2.0.tar.gz\", hashes = {{ sha256 = \"{H}\" }} }}\ndescription = \"\"\"\n[[packages]]\nnot a header\"\"\"\n\n[tool.x]\ny = 1\n"
        );
        let additions = [
            IdentityAddition {
                name_line: 5,
                identities: vec![github("o/a")],
            },
            IdentityAddition {
                name_line: 16,
                identities: vec![github("o/b")],
            },
        ];
        let out = write_identities(&text, Path::new("pylock.toml"), &additions).unwrap();
        let a_block = "\n[[packages.attestation-identities]]\nkind = \"GitHub\"\nrepository = \"o/a\"\nworkflow = \"release.yml\"\n";
        let b_block = a_block.replace("o/a", "o/b");
        let a_at = text.find("\n# b's own comment").unwrap();
        let b_at = text.find("\n[tool.x]").unwrap();
        let mut expected = text.clone();
        expected.insert_str(b_at, &b_block);
        expected.insert_str(a_at, a_block);
        assert_eq!(out, expected);
        let lock = crate::lockfile::parse_str(&out, Path::new("pylock.toml"), None).unwrap();
        assert_eq!(lock.packages[0].attestation_identities.len(), 1);
        assert_eq!(
            lock.packages[1].attestation_identities[0]
                .repository
                .as_deref(),
            Some("o/b")
        );
    }

    #[test]
    fn an_inline_package_is_refused() {
        let text = format!(
            "lock-version = \"1.0\"\npackages = [{{ name = \"a\", version = \"1.0\", wheels = [{{ url = \"https://files.pythonhosted.org/a-1.0-py3-none-any.whl\", hashes = {{ sha256 = \"{H}\" }} }}] }}]\n"
        );
        let err = write_identities(
            &text,
            Path::new("pylock.toml"),
            &[IdentityAddition {
                name_line: 2,
                identities: vec![github("o/a")],
            }],
        )
        .unwrap_err();
        assert!(matches!(err, IdentityWriteError::Inline { .. }), "{err}");
    }

    #[test]
    fn keeps_crlf_line_endings() {
        let text = format!("lock-version = \"1.0\"\r\n[[packages]]\r\nname = \"a\"\r\nversion = \"1.0\"\r\nsdist = {{ url = \"https://files.pythonhosted.org/a-1.0.tar.gz\", hashes = {{ sha256 = \"{H}\" }} }}\r\n");
        let out = write_identities(
            &text,
            Path::new("pylock.toml"),
            &[IdentityAddition {
                name_line: 3,
                identities: vec![github("o/a")],
            }],
        )
        .unwrap();
        assert!(out.starts_with(&text));
        assert!(!out[text.len()..].replace("\r\n", "").contains('\n'));
    }
}
